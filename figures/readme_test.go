package figures

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The README's table of `ctdtui plot --what` lists exactly the kinds Make draws.
func TestREADMEListsEveryKind(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "### `ctdtui plot")
	if i < 0 {
		t.Fatal("the README has no ctdtui plot section")
	}
	s = s[i:]
	s = s[:strings.Index(s, "```")]
	var got []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z]+)` \\|").FindAllStringSubmatch(s, -1) {
		got = append(got, m[1])
	}
	if !slices.Equal(got, Kinds) {
		t.Fatalf("the README's --what table lists %v, Make draws %v", got, Kinds)
	}
}
