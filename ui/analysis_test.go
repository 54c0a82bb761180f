package ui

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/ctdtui/ctdtui/study"
)

// openAnalysis shows run name on the Analysis tab with its scree and
// projection computed.
func openAnalysis(t testing.TB, d *driver, name string) {
	t.Helper()
	openTrials(t, d, name)
	d.keys("4")
	d.until(func() bool { return d.m.anal.shown() != nil }, 20*time.Second, "the analysis of "+name)
}

// setSlider types a value into the finder's slider called name.
func setSlider(t testing.TB, d *driver, name, value string) {
	t.Helper()
	for i, s := range fpSliders {
		if s.name == name {
			d.m.anal.cursor = i
			d.keys("\n")
			d.send(keyOf(0x15)) // ctrl+u clears the field
			d.keys(value + "\n")
			if d.m.anal.editing {
				t.Fatalf("%s = %s refused: %s", name, value, d.m.sh.status.text)
			}
			return
		}
	}
	t.Fatalf("no slider %s", name)
}

// The finder on the trained flip-flop: a progress bar while it runs, then
// the summary with the eight stable corners, drawn over the trajectories;
// going away and back shows the cached result at once.
func TestAnalysisFixedPoints(t *testing.T) {
	d := newTrainedModel(t, 120, 40, false)
	openAnalysis(t, d, "3bff-gru")
	screenHas(t, d, "PCA scree", "PCs: 50%", "Trajectories", "not searched with these settings")
	setSlider(t, d, "inits", "64")
	d.keys("f")
	if d.m.anal.fp.running() == nil {
		t.Fatal("f did not start the search")
	}
	screenHas(t, d, "x stops the search")
	d.until(func() bool { return d.m.anal.fp.running() == nil }, 60*time.Second, "the search")
	r := d.m.anal.currentFP()
	if r == nil {
		t.Fatalf("no result; status %q", d.m.sh.status.text)
	}
	if r.Stable != 8 {
		t.Errorf("%d stable fixed points, want the flip-flop's 8 corners", r.Stable)
	}
	screenHas(t, d, fmt.Sprintf("%d unique", r.Fixed), fmt.Sprintf("%d stable", r.Stable), markGlyph(d.m.sh.g, "stable")+" stable")
	if got := strings.Count(ansi.Strip(d.m.View()), markGlyph(d.m.sh.g, "stable")); got < 2 {
		t.Fatalf("stable points not drawn (%d glyphs)", got)
	}
	d.keys("3")
	d.keys("4")
	if d.m.anal.currentFP() != r || d.m.anal.fp.running() != nil {
		t.Fatal("coming back to the tab did not show the cached result")
	}
	// Another setting has no result until searched; back to 64 shows it.
	d.m.anal.cursor = 1
	d.keys("→")
	if d.m.anal.currentFP() != nil {
		t.Fatal("a result is shown for settings it was not computed with")
	}
	d.keys("←")
	if d.m.anal.currentFP() != r {
		t.Fatal("the cached result did not come back with its settings")
	}
}

// x cancels a running search: the bar goes, the status says so, and the
// search's end (it stops promptly) shows nothing and caches nothing.
func TestAnalysisCancelSearch(t *testing.T) {
	d := newTrainedModel(t, 100, 30, false)
	openAnalysis(t, d, "3bff-gru")
	setSlider(t, d, "inits", "4096")
	setSlider(t, d, "iterations", "100000")
	setSlider(t, d, "mode", "reference") // every iteration on every row: long
	d.keys("f")
	w := d.m.anal.fp.work
	if w == nil {
		t.Fatal("f did not start the search")
	}
	d.until(func() bool { return strings.HasPrefix(w.last.text, "adam") }, 20*time.Second, "Adam's progress")
	screenHas(t, d, "x stops the search", "adam")
	d.keys("x")
	if d.m.anal.fp.running() != nil {
		t.Fatal("x did not stop the search")
	}
	if !strings.Contains(d.m.sh.status.text, "cancelled") {
		t.Fatalf("status %q", d.m.sh.status.text)
	}
	done := make(chan error, 1)
	go func() { _, err := w.wait(); done <- err }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("the cancelled search finished normally")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the cancelled search did not stop")
	}
	d.settle(300 * time.Millisecond)
	if d.m.anal.currentFP() != nil {
		t.Fatal("a cancelled search shows a result")
	}
	o, _ := d.m.anal.options()
	if _, ok := d.m.anal.shown().sess.CachedFixedPoints(o); ok {
		t.Fatal("a cancelled search was cached")
	}
	screenHas(t, d, "not searched with these settings")
}

// A result computed for settings changed while it ran is dropped.
func TestAnalysisStaleResultDropped(t *testing.T) {
	d := newTrainedModel(t, 100, 30, false)
	openAnalysis(t, d, "3bff-rnn")
	setSlider(t, d, "inits", "32")
	setSlider(t, d, "iterations", "400")
	d.keys("f")
	w := d.m.anal.fp.running()
	d.m.anal.cursor = 4 // noise
	d.keys("→")         // before the search reports back
	d.until(func() bool { return d.m.anal.fp.running() == nil }, 30*time.Second, "the search")
	if w.key == func() string { o, _ := d.m.anal.options(); return d.m.anal.fpKeyOf(o) }() {
		t.Fatal("the settings did not change")
	}
	if d.m.anal.currentFP() != nil {
		t.Fatal("a result for the previous settings is shown")
	}
	if !strings.Contains(d.m.sh.status.text, "dropped") {
		t.Fatalf("status %q", d.m.sh.status.text)
	}
	// Typed values out of range are refused with the bounds.
	d.m.anal.cursor = 1
	d.keys("\n")
	d.send(keyOf(0x15))
	d.keys("3\n")
	if !d.m.anal.editing || !strings.Contains(d.m.sh.status.text, "inits") {
		t.Fatalf("inits = 3 accepted (status %q)", d.m.sh.status.text)
	}
	d.send(keyOf(0x1b))
}

// The trajectory view: +/- trials, ,/. moves the first one (shared with the
// Trials tab), v and [ ] { } the 3-D view.
func TestAnalysisTrajectoryKeys(t *testing.T) {
	d := newTrainedModel(t, 100, 30, true)
	openAnalysis(t, d, "3bff-gru")
	screenHas(t, d, "trials 1-8/40")
	d.keys("+..")
	screenHas(t, d, "trials 3-18/40")
	if d.m.sh.focus.trial != 2 {
		t.Fatalf("focus trial %d", d.m.sh.focus.trial)
	}
	d.keys("-v")
	screenHas(t, d, "PC1-3 yaw -60 pitch 30")
	d.keys("]}")
	screenHas(t, d, "PC1-3 yaw 315 pitch 40")
	checkNoDrawingGlyphs(t, d.m.View())
}

// A diverged model's analysis (NaN variances and scores, an infinite
// eigenvalue) draws dashes and gaps: no "NaN" or "Inf" reaches the screen.
func TestAnalysisNonFiniteValues(t *testing.T) {
	m := newTestModel(t, "3bff-small", 100, 30)
	a := m.anal
	nan, inf := math.NaN(), math.Inf(1)
	d := &analysisData{phase: "val",
		scree: &study.Scree{Ratio: []float64{nan, 0.3, inf}, Cumulative: []float64{nan, nan, inf}, ParticipationRatio: nan},
		proj:  &study.Projection{K: 2, Trials: []int{0}, Lens: []int{3}, Data: []float64{0, 1, nan, inf, 2, 3}, Ratio: []float64{nan, 0.2}}}
	fp := &study.FixedPointReport{Fixed: 1, Unstable: 1, Points: []study.FixedPoint{{X: []float64{nan}, Q: nan, MaxAbsEig: nan,
		Eigenvalues: [][2]float64{{inf, 0}, {nan, nan}}, PC: []float64{nan, inf}}}}
	lines := a.screeView(d, 44, 8) + "\n" + strings.Join(a.fpSummary(fp, 44, 6), "\n") + "\n" + a.trajView(d, 50, 20)
	for _, bad := range []string{"NaN", "Inf"} {
		if strings.Contains(lines, bad) {
			t.Fatalf("%s on screen:\n%s", bad, lines)
		}
	}
}
