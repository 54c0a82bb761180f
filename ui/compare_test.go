package ui

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/ctdtui/ctdtui/study"
)

// fastCompare keeps the comparison quick in tests: a smaller DSA embedding
// and a small fixed-point search.
func fastCompare(d *driver) {
	d.m.cmp.opts = study.CompareOptions{DSADelays: 5, DSARank: 20}
	d.m.sh.fp.opts.Inits = 64
}

// compareRuns opens the Compare tab with A = a (the focused run) and B = b.
func compareRuns(t testing.TB, d *driver, a, b string) {
	t.Helper()
	fastCompare(d)
	openTrials(t, d, a)
	d.keys("5")
	if d.m.cmp.dirA != filepath.Join(trainedRuns, a) {
		t.Fatalf("A is %q, want the focused run", d.m.cmp.dirA)
	}
	pickRun(t, d, d.m.cmp.picker, b)
	c := d.m.cmp
	d.until(func() bool { return c.res.running() != nil || c.shown() != nil || c.res.failed(c.want()) != nil }, 20*time.Second, "the comparison to start")
}

// Two flip-flop models trained on the same trials: the affine R² both ways,
// the state R², DSA and the fixed-point counts, and both trajectories in
// A's PC space.
func TestCompareRuns(t *testing.T) {
	d := newTrainedModel(t, 120, 40, false)
	compareRuns(t, d, "3bff-gru", "3bff-rnn")
	if d.m.cmp.res.running() == nil {
		t.Fatal("choosing B did not start the comparison")
	}
	screenHas(t, d, "Comparing", "x stops")
	d.until(func() bool { return d.m.cmp.res.running() == nil }, 60*time.Second, "the comparison")
	r := d.m.cmp.shown()
	if r == nil {
		t.Fatalf("no result: %v", d.m.cmp.res.err)
	}
	rep := r.rep
	for _, v := range []float64{rep.AffineAtoB.VarianceWeighted, rep.AffineBtoA.VarianceWeighted, *rep.StateR2} {
		if !(v > 0.5 && v <= 1) {
			t.Fatalf("R² %v for two trained flip-flops", v)
		}
	}
	if rep.DSA == nil {
		t.Fatalf("no DSA: %s", rep.DSANote)
	}
	screenHas(t, d, "Affine R²", "A→B", "B→A",
		fmt.Sprintf("%.3f", rep.AffineAtoB.VarianceWeighted), fmt.Sprintf("%.3f", rep.AffineBtoA.VarianceWeighted),
		fmt.Sprintf("%.3f", *rep.StateR2), fmt.Sprintf("%.3f", rep.DSA.Angular),
		"In A's PC space", "B mapped into A's PCs")
	for i, fp := range r.fps {
		if fp == nil || fp.Stable != 8 {
			t.Fatalf("run %c: fixed points %+v, want 8 stable", 'A'+i, fp)
		}
	}
	if a, b := r.traj.A, r.traj.B; len(b.Data) != len(a.Data) || b.K != a.K {
		t.Fatalf("B's aligned trajectories have %d values on %d PCs, A's %d on %d", len(b.Data), b.K, len(a.Data), a.K)
	}
	// Swapping recomputes with B as the reference; back again is cached.
	d.keys("s")
	d.until(func() bool { return d.m.cmp.res.running() == nil && d.m.cmp.shown() != nil }, 60*time.Second, "the swapped comparison")
	if d.m.cmp.shown().rep.A.Dir != filepath.Join(trainedRuns, "3bff-rnn") {
		t.Fatal("s did not swap the runs")
	}
}

// Runs trained on different trials get DSA and the fixed points, the
// trial-matched metrics are refused with the reason; x cancels a running
// comparison.
func TestCompareOtherTrialsAndCancels(t *testing.T) {
	d := newTrainedModel(t, 100, 30, false)
	compareRuns(t, d, "3bff-gru", "randomtarget")
	d.until(func() bool { return d.m.cmp.res.running() == nil }, 30*time.Second, "the comparison")
	screenHas(t, d, "Trial-matched metrics", "not applicable", "need the same trials", "different datasets", "DSA angular")
	// Pick B again; cancel at once.
	d.keys("b")
	pickRun(t, d, d.m.cmp.picker, "3bff-rnn")
	d.until(func() bool { return d.m.cmp.res.running() != nil }, 20*time.Second, "the comparison to start")
	w := d.m.cmp.res.running()
	if w == nil {
		t.Fatal("no comparison started")
	}
	d.keys("x")
	if d.m.cmp.res.running() != nil {
		t.Fatal("x did not stop the comparison")
	}
	screenHas(t, d, "cancelled")
	<-w.finished
	d.settle(200 * time.Millisecond)
	if d.m.cmp.shown() != nil {
		t.Fatal("a cancelled comparison shows a result")
	}
}
