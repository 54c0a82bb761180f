package ui

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/ctdtui/ctdtui/study"
)

// The Compare tab's matrix: m opens the set picker, a ticks the whole
// folder, enter computes; the heatmap shows every pair's value (the numbers
// the CLI's matrix prints), blank cells say why in the side panel, t
// switches metric, the cursor moves and enter opens the pair in the
// two-run view.
func TestCompareMatrix(t *testing.T) {
	d := newTrainedModel(t, 130, 40, false)
	d.m.cmp.mx.opts = study.MatrixOptions{CompareOptions: study.CompareOptions{DSADelays: 5, DSARank: 20}}
	d.keys("5m")
	mx := d.m.cmp.mx
	if mx.picker == nil {
		t.Fatalf("m did not open the set picker:\n%s", ansi.Strip(d.m.View()))
	}
	screenHas(t, d, "Choose the runs to compare", "0 ticked")
	d.keys("\n") // nothing ticked: refused
	if mx.picker == nil {
		t.Fatal("enter with no run ticked closed the picker")
	}
	d.keys("a")
	screenHas(t, d, fmt.Sprintf("%d ticked", len(d.m.sh.runs)))
	d.keys("\n")
	if mx.picker != nil || len(mx.dirs) != len(d.m.sh.runs) {
		t.Fatalf("the set is %v", mx.dirs)
	}
	d.until(func() bool { return mx.shown(d.m.cmp.phase) != nil || mx.res.failed(mx.want(d.m.cmp.phase)) != nil }, 120*time.Second, "the matrix")
	r := mx.shown(d.m.cmp.phase)
	if r == nil {
		t.Fatalf("no matrix: %v", mx.res.failed(mx.want(d.m.cmp.phase)))
	}
	// The same numbers as the CLI's matrix for these runs and settings.
	ses := make([]*study.Session, len(mx.dirs))
	for i, dir := range mx.dirs {
		s, err := sharedOpen(context.Background(), dir)
		if err != nil {
			t.Fatal(err)
		}
		ses[i] = s
	}
	cli, err := study.CompareMatrix(context.Background(), ses, mx.options(d.m.cmp.phase), nil)
	if err != nil {
		t.Fatal(err)
	}
	if cli != r {
		t.Error("the tab's matrix is not study's (cached) matrix for the same runs and settings")
	}
	dsa := r.Matrix("dsa")
	var want []string
	for i := range dsa.Values {
		want = append(want, r.Runs[i].Label)
		for j := range dsa.Values {
			want = append(want, fmt.Sprintf("%.3f", *dsa.Values[i][j]))
		}
	}
	screenHas(t, d, append(want, "dsa · DSA angular distance", "bright = more similar", "Row → column")...)
	// A pair on different trials: blank R² with the reason.
	var a, b = -1, -1
	for i := range r.Runs {
		for j := range r.Runs {
			if r.Runs[i].TrialGroup != r.Runs[j].TrialGroup && a < 0 {
				a, b = i, j
			}
		}
	}
	if a < 0 {
		t.Fatal("the test runs all share their trials")
	}
	mx.row, mx.col = a, b
	for mx.current(r).Name != "r2" {
		d.keys("t")
	}
	screenHas(t, d, "r2 · affine R²", "different trials (groups", "use different datasets")
	// Down from the top-left corner: the cursor stays inside.
	mx.row, mx.col = 0, 0
	d.keys("↑←")
	if mx.row != 0 || mx.col != 0 {
		t.Fatalf("cursor left the matrix: %d, %d", mx.row, mx.col)
	}
	d.keys("\n") // the diagonal does not open
	if !d.m.cmp.matrix {
		t.Fatal("enter on the diagonal left the matrix")
	}
	d.keys("→\n")
	d.settle(100 * time.Millisecond)
	if d.m.cmp.matrix || d.m.cmp.dirA != mx.dirs[0] || d.m.cmp.dirB != mx.dirs[1] {
		t.Fatalf("enter did not open the pair: matrix %v, A %s, B %s", d.m.cmp.matrix, d.m.cmp.dirA, d.m.cmp.dirB)
	}
	screenHas(t, d, "A "+filepath.Base(mx.dirs[0]), "B "+filepath.Base(mx.dirs[1]))
	// m returns to the matrix, instantly (cached).
	d.keys("m")
	if !d.m.cmp.matrix || mx.shown(d.m.cmp.phase) != r {
		t.Fatal("m did not return to the computed matrix")
	}
	if v := ansi.Strip(d.m.View()); !strings.Contains(v, "Matrix ·") {
		t.Fatalf("screen:\n%s", v)
	}
}

// The heatmap never sees a non-finite value and its scale has a width.
func TestHeatScale(t *testing.T) {
	one := 1.0
	mx := &study.Matrix{Values: [][]*float64{{&one, nil}, {nil, &one}}}
	lo, hi := valueRange(mx)
	if !(hi > lo) || !finite(lo) || !finite(hi) {
		t.Fatalf("range %v %v", lo, hi)
	}
	for _, v := range []float64{lo, hi, (lo + hi) / 2, lo - 10, hi + 10} {
		if i := scaleIndex(v, lo, hi, false); i < 0 || i >= len(heatScale) {
			t.Fatalf("scale index %d for %v", i, v)
		}
	}
	if scaleIndex(lo, lo, hi, true) != len(heatScale)-1 || scaleIndex(hi, lo, hi, false) != len(heatScale)-1 {
		t.Error("the most similar end is not the brightest")
	}
	if cellText(0.123456, 5) != "0.123" || cellText(12.5, 3) != "12" && cellText(12.5, 3) != "13" {
		t.Errorf("cell text %q %q", cellText(0.123456, 5), cellText(12.5, 3))
	}
}
