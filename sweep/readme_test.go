package sweep

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/ctdtui/ctdtui/run"
)

// readmeTable returns the rows of the JSON field table under the README
// heading that starts with heading.
func readmeTable(t *testing.T, heading string) [][2]string {
	t.Helper()
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var rows [][2]string
	in, table := false, false
	for _, line := range strings.Split(string(data), "\n") {
		switch {
		case strings.HasPrefix(line, "#"):
			in, table = strings.HasPrefix(line, heading), false
		case in && strings.HasPrefix(line, "| JSON field |"):
			table = true
		case table && strings.HasPrefix(line, "|---"):
		case table && strings.HasPrefix(line, "|"):
			cells := strings.SplitN(line, " | ", 2)
			rows = append(rows, [2]string{cells[0], cells[1]})
		case table:
			table = false
		}
	}
	return rows
}

var backticked = regexp.MustCompile("`([^`]+)`")

// TestREADMEStatusFields: every field of `sweep status --json` is in the
// README's table, and every field the table names is in the JSON.
func TestREADMEStatusFields(t *testing.T) {
	s := syntheticSweep(t, t.TempDir(), 3)
	l, err := run.AcquireLock(s.RunDir(1))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	writeState(t, s.RunDir(2), run.State{Status: run.StatusFailed, Epochs: 100, Message: "disk full"})
	var buf bytes.Buffer
	if err := s.Status().WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	rows := readmeTable(t, "### `ctdtui sweep status")
	if len(rows) == 0 {
		t.Fatal("README has no JSON field table for sweep status")
	}
	documented := map[string]bool{}
	for _, row := range rows {
		for _, m := range backticked.FindAllStringSubmatch(row[0], -1) {
			path := m[1]
			documented[path] = true
			top, field, isRun := strings.Cut(path, "[].")
			found := false
			if isRun {
				for _, r := range doc[top].([]any) {
					if _, ok := r.(map[string]any)[field]; ok {
						found = true
					}
				}
			} else {
				_, found = doc[path]
			}
			if !found {
				t.Errorf("README documents %q, the JSON has no such field", path)
			}
		}
	}
	for k, v := range doc {
		if k == "runs" {
			for _, r := range v.([]any) {
				for f := range r.(map[string]any) {
					if !documented["runs[]."+f] {
						t.Errorf("JSON field runs[].%s is not in the README", f)
					}
				}
			}
			continue
		}
		if !documented[k] {
			t.Errorf("JSON field %s is not in the README", k)
		}
	}
}
