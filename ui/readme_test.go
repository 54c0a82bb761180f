package ui

import (
	"os"
	"strings"
	"testing"
)

// The README's table of the line charts' keys names every chart key, and
// the flag table names --mouse.
func TestREADMEChartKeys(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "| keys | on every line chart |")
	if i < 0 {
		t.Fatal("the README has no table of the chart keys")
	}
	table := s[i : i+strings.Index(s[i:], "\n\n")]
	k := newChartKeys()
	for _, b := range []struct{ keys []string }{{k.Cursor.Keys()}, {k.CursorJump.Keys()}, {k.Zoom.Keys()}, {k.Pan.Keys()}, {k.ResetView.Keys()}, {k.LogY.Keys()}, {k.Smooth.Keys()}} {
		for _, key := range b.keys {
			if !strings.Contains(table, "`"+key+"`") {
				t.Errorf("the README's chart keys lack `%s`", key)
			}
		}
	}
	if !strings.Contains(s, "| `--mouse` |") || !strings.Contains(s, "`F` on the Train, Trials, Analysis and Compare tabs") {
		t.Error("the README does not describe --mouse or F")
	}
}
