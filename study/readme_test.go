package study

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// readmeFields returns, per command, the rows of the README's "JSON field"
// table: the backticked names of the first column and the meaning text.
func readmeFields(t *testing.T) map[string][][2]string {
	t.Helper()
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][][2]string{}
	cmd := ""
	inTable := false
	for _, line := range strings.Split(string(data), "\n") {
		if m := regexp.MustCompile("^### `ctdtui (\\w+)( RUN --closed-loop)?").FindStringSubmatch(line); m != nil {
			cmd, inTable = m[1], false
			if m[2] != "" {
				cmd += " --closed-loop"
			}
			if strings.Contains(line, "RUN1") {
				cmd += "-matrix" // the N×N form of compare
			}
			continue
		}
		if strings.HasPrefix(line, "### ") || strings.HasPrefix(line, "#### ") {
			inTable = false
		}
		if strings.HasPrefix(line, "## ") {
			cmd = ""
		}
		if cmd == "" {
			continue
		}
		if strings.HasPrefix(line, "| JSON field |") {
			inTable = true
			continue
		}
		if !inTable || strings.HasPrefix(line, "|---") {
			continue
		}
		if !strings.HasPrefix(line, "|") {
			inTable = false
			continue
		}
		cells := strings.Split(line, " | ")
		if len(cells) < 2 {
			continue
		}
		out[cmd] = append(out[cmd], [2]string{cells[0], strings.Join(cells[1:], " | ")})
	}
	return out
}

var backticked = regexp.MustCompile("`([^`]+)`")

// lookup follows a documented path (a.b, x[] for an array) in decoded JSON.
func lookup(v any, path string) (any, bool) {
	for _, part := range strings.Split(path, ".") {
		arr := strings.HasSuffix(part, "[]")
		part = strings.TrimSuffix(part, "[]")
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[part]; !ok {
			return nil, false
		}
		if arr {
			a, ok := v.([]any)
			if !ok {
				return nil, false
			}
			if len(a) == 0 {
				return nil, true
			}
			v = a[0]
		}
	}
	return v, true
}

// The --json documents decode into the fields the README lists: every
// documented field exists, every top-level field is documented, and every
// key of a documented object is named in its row.
func TestJSONFieldsDocumented(t *testing.T) {
	ctx := context.Background()
	a, b := open(t, flipFlop32), open(t, flipFlop16)
	rt := open(t, randomTarget)
	mt := open(t, multiTask8)
	reports := map[string][]any{}
	add := func(cmd string, rep any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		reports[cmd] = append(reports[cmd], rep)
	}
	r1, err := a.Analyze(ctx, AnalyzeOptions{}, nil)
	add("analyze", r1, err)
	r2, err := rt.Analyze(ctx, AnalyzeOptions{Phase: "val"}, nil)
	add("analyze", r2, err)
	r3, err := mt.Analyze(ctx, AnalyzeOptions{Phase: "val"}, nil)
	add("analyze", r3, err)
	r4, err := a.FixedPoints(ctx, FixedPointOptions{Inits: 256, Iters: 3000, LR: 1e-2}, nil)
	add("fixedpoints", r4, err)
	r5, err := a.Compare(ctx, b, CompareOptions{DSADelays: 5, DSARank: 12, FixedPoints: true, FixedPointOptions: FixedPointOptions{Inits: 64, Iters: 500}}, nil)
	add("compare", r5, err)
	r5b, err := a.Compare(ctx, b, CompareOptions{NoDSA: true}, nil)
	add("compare", r5b, err)
	r6, err := a.Export(ctx, filepath.Join(t.TempDir(), "x.npz"), ExportOptions{}, nil)
	add("export", r6, err)
	rx, err := a.Compare(ctx, mt, CompareOptions{DSADelays: 5, DSARank: 8}, nil)
	add("compare", rx, err)
	rm, err := CompareMatrix(ctx, []*Session{a, b, mt}, MatrixOptions{CompareOptions: CompareOptions{DSADelays: 5, DSARank: 8, FixedPoints: true, FixedPointOptions: FixedPointOptions{Inits: 64, Iters: 500}}, Metrics: []string{"all"}}, nil)
	add("compare-matrix", rm, err)
	al, err := a.AlignTrajectories(ctx, b, "val", 3)
	add("compare", &CompareOutput{CompareReport: r5b, Trajectories: al}, err)
	for _, s := range []*Session{a, rt, mt} {
		r7, err := s.Trial(ctx, TrialOptions{Trial: 1, Step: 5})
		add("trial", r7, err)
	}
	r8, err := a.Dynamics(ctx, DynamicsOptions{})
	add("dynamics", r8, err)
	rClosed, err := rt.ClosedLoopFixedPoints(ctx, FixedPointOptions{Inits: 64, Iters: 1000}, nil)
	add("fixedpoints --closed-loop", rClosed, err)
	rAlign, err := rt.Align(ctx, AlignOptions{Event: "go_cue"}, nil)
	add("align", rAlign, err)
	rDecode, err := rt.Decode(ctx, DecodeOptions{Event: "target_on", Window: Window{Pre: 5, Post: 20}, CrossTemporal: true}, nil)
	add("decode", rDecode, err)
	for _, s := range []*Session{a, rt, mt} {
		r8, _, err := s.Evaluate(ctx, EvalOptions{Seed: -1, Out: filepath.Join(t.TempDir(), "eval")}, nil)
		add("eval", r8, err)
	}

	docs := readmeFields(t)
	for cmd, reps := range reports {
		rows := docs[cmd]
		if len(rows) == 0 {
			t.Errorf("README has no JSON field table for %s", cmd)
			continue
		}
		var decoded []map[string]any
		for _, rep := range reps {
			var buf bytes.Buffer
			if err := WriteJSON(&buf, rep); err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
				t.Fatalf("%s: %v", cmd, err)
			}
			decoded = append(decoded, m)
		}
		documentedTop := map[string]bool{}
		for _, row := range rows {
			for _, f := range backticked.FindAllStringSubmatch(row[0], -1) {
				path := f[1]
				documentedTop[strings.TrimSuffix(strings.Split(path, ".")[0], "[]")] = true
				found := false
				var val any
				for _, m := range decoded {
					if v, ok := lookup(m, path); ok {
						found = true
						if val == nil {
							val = v
						}
					}
				}
				if !found && strings.Contains(row[1], "only present") {
					continue // a conditional field
				}
				if !found {
					t.Errorf("%s: README documents %q, the JSON has no such field", cmd, path)
					continue
				}
				// Keys of a documented object must be named in its row.
				obj, ok := val.(map[string]any)
				if !ok {
					if arr, isArr := val.([]any); isArr && len(arr) > 0 {
						obj, ok = arr[0].(map[string]any)
					}
				}
				if !ok {
					continue
				}
				named := namedIn(docs, rows, row)
				for k := range obj {
					if !named[k] && !documentedPath(rows, path+"."+k) {
						t.Errorf("%s: field %s.%s is not in the README", cmd, path, k)
					}
				}
			}
		}
		for _, m := range decoded {
			for k := range m {
				if !documentedTop[k] {
					t.Errorf("%s: top-level field %q is not in the README", cmd, k)
				}
			}
		}
	}
}

// namedIn returns the backticked names of a row's meaning; "the same …"
// rows inherit the previous row's, and "as … in `analyze`" rows the names of
// analyze's run row.
func namedIn(docs map[string][][2]string, rows [][2]string, row [2]string) map[string]bool {
	text := row[1]
	switch {
	case strings.HasPrefix(text, "the same"):
		for i := range rows {
			if rows[i] == row && i > 0 {
				return namedIn(docs, rows, rows[i-1])
			}
		}
	case strings.Contains(text, "in `analyze`"):
		for _, r := range docs["analyze"] {
			if r[0] == "| `run`" {
				text = r[1]
			}
		}
	}
	named := map[string]bool{}
	// "as in `cmd`" / "as `field` of `cmd`": the names of that command's row.
	for _, m := range regexp.MustCompile("as (?:in|`([\\w.\\[\\]]+)` of) `([\\w]+)`").FindAllStringSubmatch(text, -1) {
		field := m[1]
		for _, r := range docs[m[2]] {
			same := r[0] == row[0]
			if field != "" {
				same = strings.Contains(r[0], "`"+field+"`")
			}
			if same && r != row {
				for k := range namedIn(docs, docs[m[2]], r) {
					named[k] = true
				}
			}
		}
	}
	// "as the `cmd` document": an embedded report of another command.
	if m := regexp.MustCompile("as the `(\\w+)` document").FindStringSubmatch(text); m != nil {
		for _, r := range docs[m[1]] {
			for _, f := range backticked.FindAllStringSubmatch(r[0], -1) {
				named[strings.TrimSuffix(strings.Split(f[1], ".")[0], "[]")] = true
			}
		}
	}
	for _, w := range backticked.FindAllStringSubmatch(text, -1) {
		named[w[1]] = true
	}
	return named
}

func documentedPath(rows [][2]string, path string) bool {
	for _, row := range rows {
		for _, f := range backticked.FindAllStringSubmatch(row[0], -1) {
			if f[1] == path || strings.HasPrefix(f[1], path+".") {
				return true
			}
		}
	}
	return false
}
