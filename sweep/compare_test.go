package sweep

import (
	"bytes"
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ctdtui/ctdtui/study"
)

// TestCompareSummarisesGridPoints: the comparison is study's N×N matrix of
// the finished runs (an unfinished one is named and left out), and the
// summary's means and spreads over seeds are those of the matrix's and the
// histories' numbers.
func TestCompareSummarisesGridPoints(t *testing.T) {
	s := newTiny(t, filepath.Join(t.TempDir(), "sw"), "gru,rnn", []int{0, 1, 2}, 3)
	// All but rnn-s2 (index 5) are trained.
	if _, err := s.Train(context.Background(), Options{Only: []int{0, 1, 2, 3, 4}, Jobs: 2, Cores: 2, Every: -1}); err != nil {
		t.Fatal(err)
	}
	o := CompareOptions{Reference: "gru-s1"}
	o.Matrix.FixedPointOptions = study.FixedPointOptions{Inits: 32, Iters: 300}
	// Trials of 20 steps: a short delay embedding.
	o.Matrix.DSADelays, o.Matrix.DSARank, o.Matrix.DSATrials = 4, 10, 8
	rep, err := s.Compare(context.Background(), o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Matrix.Runs) != 5 || len(rep.Left) != 1 || !strings.HasPrefix(rep.Left[0], "rnn-s2 (created)") || rep.Reference != "gru-s1" {
		t.Fatalf("matrix of %d runs, left out %v, reference %s", len(rep.Matrix.Runs), rep.Left, rep.Reference)
	}
	if len(rep.Summary) != 2 || rep.Summary[0].Group != "gru" || len(rep.Summary[0].Runs) != 3 || len(rep.Summary[1].Runs) != 2 {
		t.Fatalf("summary %+v", rep.Summary)
	}
	dsa := rep.Matrix.Matrix("dsa")
	if dsa == nil {
		t.Fatal("no DSA matrix")
	}
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }
	// gru: runs 0, 1 (the reference), 2; rnn: 3, 4 (matrix rows 3, 4).
	g, r := rep.Summary[0], rep.Summary[1]
	if g.DSA.N != 2 || !near(g.DSA.Mean, (*dsa.Values[1][0]+*dsa.Values[1][2])/2) {
		t.Errorf("gru's DSA to its own seed 1: %+v", g.DSA)
	}
	if r.DSA.N != 2 || !near(r.DSA.Mean, (*dsa.Values[1][3]+*dsa.Values[1][4])/2) {
		t.Errorf("rnn's DSA to gru-s1: %+v", r.DSA)
	}
	sd := math.Abs(*dsa.Values[1][3]-*dsa.Values[1][4]) / math.Sqrt2
	if !near(r.DSA.SD, sd) {
		t.Errorf("rnn's DSA spread %v, want %v", r.DSA.SD, sd)
	}
	var losses []float64
	for _, name := range r.Runs {
		h := history(t, filepath.Join(s.Dir, name))
		losses = append(losses, h[len(h)-1].ValLoss)
	}
	if !near(r.ValLoss.Mean, (losses[0]+losses[1])/2) || r.ValLoss.N != 2 {
		t.Errorf("rnn's val loss %+v, histories end at %v", r.ValLoss, losses)
	}
	stable := 0.0
	for _, k := range []int{3, 4} {
		stable += float64(rep.Matrix.Runs[k].FixedPoints.Stable)
	}
	if r.StableFixedPoints == nil || !near(r.StableFixedPoints.Mean, stable/2) {
		t.Errorf("rnn's stable fixed points %+v, the matrix's runs have %v in all", r.StableFixedPoints, stable)
	}
	var buf bytes.Buffer
	if err := rep.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"dsa:", "per grid point", "DSA to gru-s1", "model.kind", "rnn  ", "not finished, left out: rnn-s2"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, buf.String())
		}
	}
	if _, err := s.Compare(context.Background(), CompareOptions{Reference: "rnn-s2"}, nil); err == nil || !strings.Contains(err.Error(), "not a finished run") {
		t.Errorf("unfinished reference: %v", err)
	}
}
