package study

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// matrixSet is three flip-flop runs on the same trials (32, 16 and 3
// latents) and a MultiTask run.
var matrixSet = []string{flipFlop32, flipFlop16, flipFlop3, multiTask8}

var matrixOptions = MatrixOptions{CompareOptions: CompareOptions{DSADelays: 5, DSARank: 12}, Metrics: []string{"all"}}

func clearMatrixCache() {
	matrixCache.Lock()
	matrixCache.m, matrixCache.order = map[string]*MatrixReport{}, nil
	matrixCache.Unlock()
}

func openAll(t *testing.T, dirs []string) []*Session {
	ses := make([]*Session, len(dirs))
	for i, d := range dirs {
		ses[i] = open(t, d)
	}
	return ses
}

func cell(t *testing.T, r *MatrixReport, metric string, i, j int) *float64 {
	t.Helper()
	m := r.Matrix(metric)
	if m == nil {
		t.Fatalf("no %s matrix", metric)
	}
	return m.Values[i][j]
}

// Every entry of the N×N matrices is the pairwise Compare's number for the
// same two runs, and the pairs of different trials are blank with the
// reason.
func TestMatrixEqualsPairwise(t *testing.T) {
	ctx := context.Background()
	ses := openAll(t, matrixSet)
	rep, err := CompareMatrix(ctx, ses, matrixOptions, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Matrices) != len(MatrixMetrics) || rep.DSARank != 12 {
		t.Fatalf("%d matrices, DSA rank %d", len(rep.Matrices), rep.DSARank)
	}
	same := func(name string, got *float64, want float64) {
		t.Helper()
		if got == nil || math.Abs(*got-want) > 1e-12 {
			t.Errorf("%s: matrix %v, pairwise %v", name, got, want)
		}
	}
	n := len(ses)
	for i := 0; i < n; i++ {
		for _, m := range rep.Matrices {
			if v := m.Values[i][i]; v == nil || *v != m.Diagonal {
				t.Errorf("%s diagonal %d: %v", m.Name, i, v)
			}
		}
		for j := i + 1; j < n; j++ {
			pw, err := ses[i].Compare(ctx, ses[j], matrixOptions.CompareOptions, nil)
			if err != nil {
				t.Fatal(err)
			}
			pair := rep.Runs[i].Label + " vs " + rep.Runs[j].Label
			for _, m := range []string{"dsa", "dsa_euclidean", "dsa_wasserstein"} {
				if a, b := cell(t, rep, m, i, j), cell(t, rep, m, j, i); a == nil || b == nil || *a != *b {
					t.Errorf("%s %s: not symmetric (%v, %v)", pair, m, a, b)
				}
			}
			same(pair+" dsa", cell(t, rep, "dsa", i, j), pw.DSA.Angular)
			same(pair+" dsa_euclidean", cell(t, rep, "dsa_euclidean", i, j), pw.DSA.Euclidean)
			same(pair+" dsa_wasserstein", cell(t, rep, "dsa_wasserstein", i, j), pw.DSA.Wasserstein)
			if !pw.SameTrials {
				for _, m := range []string{"r2", "state_r2", "procrustes", "cca"} {
					for _, c := range [][2]int{{i, j}, {j, i}} {
						mx := rep.Matrix(m)
						why := mx.Reasons[c[0]][c[1]]
						if mx.Values[c[0]][c[1]] != nil || !strings.HasPrefix(why, "different trials (groups 1 and 2): the runs use different datasets") || !strings.Contains(why, pw.B.Dataset) {
							t.Errorf("%s %s %v: value %v, reason %q, want blank with the datasets (pairwise: %q)", pair, m, c, mx.Values[c[0]][c[1]], why, pw.TrialsNote)
						}
					}
				}
				continue
			}
			same(pair+" r2 row→column", cell(t, rep, "r2", i, j), pw.AffineAtoB.VarianceWeighted)
			same(pair+" r2 column→row", cell(t, rep, "r2", j, i), pw.AffineBtoA.VarianceWeighted)
			same(pair+" state_r2", cell(t, rep, "state_r2", i, j), *pw.StateR2)
			same(pair+" cca", cell(t, rep, "cca", i, j), mean(pw.CCACorrelations))
			if pw.Procrustes != nil {
				same(pair+" procrustes", cell(t, rep, "procrustes", i, j), *pw.Procrustes)
			} else if v := cell(t, rep, "procrustes", i, j); v != nil || !strings.Contains(rep.Matrix("procrustes").Reasons[i][j], "state sizes differ") {
				t.Errorf("%s procrustes: %v (%q), want blank: state sizes differ", pair, v, rep.Matrix("procrustes").Reasons[i][j])
			}
		}
	}
	if g := []int{rep.Runs[0].TrialGroup, rep.Runs[1].TrialGroup, rep.Runs[2].TrialGroup, rep.Runs[3].TrialGroup}; g[0] != 1 || g[1] != 1 || g[2] != 1 || g[3] != 2 {
		t.Errorf("trial groups %v", g)
	}
	if again, ok := CachedMatrix(ses, matrixOptions); !ok || again != rep {
		t.Error("matrix not cached")
	}
	var buf bytes.Buffer
	if err := rep.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"3bff-gru32", "multitask-gru8", "dsa: DSA angular distance", "r2: affine R²", "—a", "different trials (groups 1 and 2): the runs use different datasets", "2 groups of runs that share their trials: {1, 2, 3} {4}"} {
		if !strings.Contains(buf.String(), w) {
			t.Errorf("table lacks %q:\n%s", w, buf.String())
		}
	}
	var js bytes.Buffer
	if err := WriteJSON(&js, rep); err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	runs := back["runs"].([]any)
	if r0 := runs[0].(map[string]any); r0["label"] != "3bff-gru32" || !strings.HasSuffix(r0["path"].(string), "/study/testdata/3bff-gru32") {
		t.Errorf("JSON run 0: %v", r0)
	}
	if o := back["options"].(map[string]any); o["dsa_delays"] != 5.0 || o["phase"] != "val" {
		t.Errorf("JSON options %v", o)
	}
}

// rotatedCopy opens a second session of dir whose latents in every phase
// are x ↦ Q x for an orthogonal Q with det −1 (a reflection composed with a
// rotation): the same dynamics in another basis.
func rotatedCopy(t *testing.T, dir string) *Session {
	t.Helper()
	s, err := Open(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	h := s.Info().State
	rng := rand.New(rand.NewPCG(4, 2))
	g := mat.NewDense(h, h, nil)
	for i := 0; i < h; i++ {
		for j := 0; j < h; j++ {
			g.Set(i, j, rng.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(g)
	var q mat.Dense
	qr.QTo(&q)
	if mat.Det(&q) > 0 {
		for i := 0; i < h; i++ {
			q.Set(i, 0, -q.At(i, 0))
		}
	}
	for _, p := range []string{"train", "val", "all"} {
		inf, err := s.Inference(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		x := inf.AllLatents()
		y := make([]float64, h)
		for r := 0; r < len(x)/h; r++ {
			row := x[r*h : (r+1)*h]
			for i := range y {
				y[i] = 0
				for j, v := range row {
					y[i] += q.At(i, j) * float64(v)
				}
			}
			for i, v := range y {
				row[i] = float32(v)
			}
		}
	}
	return s
}

// DSA of a run against an orthogonally transformed copy of itself is 0
// inside the matrix (the trial-matched metrics see the same: R² 1,
// disparity 0); against the other runs it is not.
func TestMatrixOrthogonalCopy(t *testing.T) {
	clearMatrixCache()
	defer clearMatrixCache()
	ctx := context.Background()
	ses := []*Session{open(t, flipFlop32), rotatedCopy(t, flipFlop32), open(t, flipFlop16)}
	rep, err := CompareMatrix(ctx, ses, MatrixOptions{CompareOptions: CompareOptions{DSADelays: 5, DSARank: 12}, Metrics: []string{"dsa", "r2", "procrustes"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v := *cell(t, rep, "dsa", 0, 1); v > 1e-4 {
		t.Errorf("DSA against the rotated copy: %g", v)
	}
	if v := *cell(t, rep, "dsa", 0, 2); !(v > 0.01) {
		t.Errorf("DSA against another run: %g", v)
	}
	for _, c := range [][2]int{{0, 1}, {1, 0}} {
		if v := *cell(t, rep, "r2", c[0], c[1]); math.Abs(v-1) > 1e-6 {
			t.Errorf("R² %v with the rotated copy: %v", c, v)
		}
	}
	if v := *cell(t, rep, "procrustes", 0, 1); v > 1e-9 {
		t.Errorf("Procrustes disparity with the rotated copy: %g", v)
	}
	t.Logf("DSA: copy %.2g, other run %.4f", *cell(t, rep, "dsa", 0, 1), *cell(t, rep, "dsa", 0, 2))
}

// The matrix is the same, bit for bit, with one thread and with two.
func TestMatrixThreads(t *testing.T) {
	ctx := context.Background()
	results := make([]string, 2)
	for k, threads := range []int{1, 2} {
		clearMatrixCache()
		prev := runtime.GOMAXPROCS(threads)
		ses := make([]*Session, len(matrixSet))
		for i, d := range matrixSet {
			s, err := Open(d, false) // fresh sessions: nothing cached
			if err != nil {
				t.Fatal(err)
			}
			ses[i] = s
		}
		o := matrixOptions
		o.Workers = threads
		rep, err := CompareMatrix(ctx, ses, o, nil)
		runtime.GOMAXPROCS(prev)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(rep.Matrices)
		results[k] = string(b)
	}
	clearMatrixCache()
	if results[0] != results[1] {
		t.Error("the matrices differ between 1 and 2 threads")
	}
}

// A cancelled matrix returns the context's error and caches nothing; bad
// options and too few runs are refused.
func TestMatrixCancelAndErrors(t *testing.T) {
	clearMatrixCache()
	ses := openAll(t, matrixSet[:2])
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := CompareMatrix(ctx, ses, matrixOptions, nil); err != context.Canceled {
		t.Errorf("cancelled: %v", err)
	}
	if _, ok := CachedMatrix(ses, matrixOptions); ok {
		t.Error("a cancelled matrix was cached")
	}
	if _, err := CompareMatrix(context.Background(), ses[:1], matrixOptions, nil); err == nil || !strings.Contains(err.Error(), "at least 2 runs") {
		t.Errorf("one run: %v", err)
	}
	if _, err := CompareMatrix(context.Background(), ses, MatrixOptions{Metrics: []string{"dsa,bogus"}}, nil); err == nil || !strings.Contains(err.Error(), `"bogus" is not one of dsa`) {
		t.Errorf("bad metric: %v", err)
	}
	if _, err := CompareMatrix(context.Background(), ses, MatrixOptions{CompareOptions: CompareOptions{NoDSA: true}, Metrics: []string{"dsa"}}, nil); err == nil {
		t.Error("--no-dsa with only DSA accepted")
	}
}

func TestParseMetricsAndLabels(t *testing.T) {
	got, err := ParseMetrics([]string{"r2, DSA", "dsa"})
	if err != nil || strings.Join(got, ",") != "dsa,r2" {
		t.Errorf("ParseMetrics: %v %v", got, err)
	}
	all, _ := ParseMetrics([]string{"all"})
	if len(all) != len(MatrixMetrics) {
		t.Errorf("all: %v", all)
	}
	a, b := open(t, flipFlop32), open(t, flipFlop16)
	labels := shortLabels([]*Session{a, b})
	if labels[0] != "3bff-gru32" || labels[1] != "3bff-gru16" {
		t.Errorf("labels %v", labels)
	}
	c, err := Open(flipFlop32, true)
	if err != nil {
		t.Fatal(err)
	}
	if l := shortLabels([]*Session{a, c}); l[1] != "3bff-gru32 (best)" {
		t.Errorf("best.bin label %v", l)
	}
	runs, err := ExpandRuns([]string{"testdata", flipFlop16})
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir("testdata")
	var want []string
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join("testdata", e.Name(), "config.toml")); err == nil {
			want = append(want, filepath.Join("testdata", e.Name()))
		}
	}
	want = append(want, flipFlop16)
	if strings.Join(runs, " ") != strings.Join(want, " ") || len(want) < 6 {
		t.Errorf("ExpandRuns: %v, want %v", runs, want)
	}
	if _, err := ExpandRuns([]string{"../analysis"}); err == nil || !strings.Contains(err.Error(), "neither a run directory") {
		t.Errorf("a folder without runs: %v", err)
	}
}
