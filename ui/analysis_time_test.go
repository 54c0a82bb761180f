package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// The Analysis tab's time-resolved pages on the arm model: a cycles through
// aligned trajectories, decoding curves and the cross-temporal heatmap, e
// changes the event they align to, g the heatmap's variable; every page
// draws study's results for the focused run.
func TestAnalysisTimeResolvedPages(t *testing.T) {
	d := newTrainedModel(t, 130, 44, false)
	openAnalysis(t, d, "randomtarget")
	a := d.m.anal
	d.keys("a")
	if a.page != pageAligned {
		t.Fatalf("page %d after a", a.page)
	}
	d.until(func() bool { r, ok := a.align.get(a.alignKey()); return ok && r != nil }, 30*time.Second, "the aligned means")
	ev := a.eventName()
	r, _ := a.align.get(a.alignKey())
	if r.Options.Event != ev || len(r.Conditions) == 0 {
		t.Fatalf("aligned to %q (want %q), %d conditions", r.Options.Event, ev, len(r.Conditions))
	}
	screenHas(t, d, "Aligned to "+ev, r.Conditions[0].Label)
	d.keys("e")
	if a.eventName() == ev {
		t.Fatal("e did not change the event")
	}
	d.until(func() bool { _, ok := a.align.get(a.alignKey()); return ok }, 30*time.Second, "the means for the next event")
	screenHas(t, d, "Aligned to "+a.eventName())

	d.keys("a")
	d.until(func() bool { _, ok := a.decode.get(a.decodeKey()); return ok }, 60*time.Second, "the decoding")
	dr, _ := a.decode.get(a.decodeKey())
	screenHas(t, d, "Decoding around "+a.eventName(), dr.Variables[0].Group, "shuffled chance")
	d.keys("a")
	screenHas(t, d, "Cross-temporal R² · "+dr.Variables[0].Group)
	d.keys("g")
	screenHas(t, d, "Cross-temporal R² · "+dr.Variables[1].Group)
	d.keys("a")
	if a.page != pageTrajectories {
		t.Fatalf("page %d after four a", a.page)
	}
	screenHas(t, d, "Trajectories")
}

// The ladder: < > moves the threshold and the summary shows that rung; the
// closed-loop search of an arm model lists the hand at each point.
func TestAnalysisLadderAndClosedLoop(t *testing.T) {
	d := newTrainedModel(t, 130, 44, false)
	openAnalysis(t, d, "3bff-gru")
	setSlider(t, d, "inits", "64")
	setSlider(t, d, "iterations", "2000")
	d.keys("f")
	d.until(func() bool { return d.m.anal.fp.running() == nil }, 60*time.Second, "the search")
	r := d.m.anal.currentFP()
	if r == nil || len(r.Ladder) != 14 {
		t.Fatalf("no ladder: %+v (status %q)", r, d.m.sh.status.text)
	}
	screenHas(t, d, "ladder", "q < 1e-05:", "types:")
	d.keys(">")
	screenHas(t, d, "q < 1e-06:")
	d.keys("<<")
	screenHas(t, d, "q < 1e-04:")

	d2 := newTrainedModel(t, 130, 44, false)
	openAnalysis(t, d2, "randomtarget")
	setSlider(t, d2, "inputs held", "closed loop")
	setSlider(t, d2, "inits", "32")
	setSlider(t, d2, "iterations", "500")
	d2.keys("f")
	d2.until(func() bool { return d2.m.anal.cl.running() == nil }, 120*time.Second, "the closed-loop search")
	cl := d2.m.anal.currentCL()
	if cl == nil {
		t.Fatalf("no closed-loop result; status %q", d2.m.sh.status.text)
	}
	view := ansi.Strip(d2.m.View())
	if !strings.Contains(view, "closed-loop") || (cl.Fixed > 0 && !strings.Contains(view, "mm off")) {
		t.Fatalf("closed-loop summary missing:\n%s", view)
	}
}
