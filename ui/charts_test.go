package ui

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/ctdtui/ctdtui/run"
	"github.com/ctdtui/ctdtui/ui/chart"
)

// trainWithEpochs shows a run of n epochs on the Train tab.
func trainWithEpochs(t *testing.T, n int) *Model {
	t.Helper()
	m := newTestModel(t, "3bff-small", 120, 40)
	press(m, keyOf('2'))
	withTrainingHistory(t, m)
	for e := 31; e <= n; e++ {
		m.train.chart.Add(e, 0.3/float64(e)+0.01, 0.35/float64(e)+0.012)
	}
	return m
}

// The loss chart's keys: the cursor reads every curve at its epoch, z and Z
// zoom around it (the x axis then shows the window), ( ) pan, 0 shows
// everything again, y switches to log, w W move the smoothing slider.
func TestLossChartKeys(t *testing.T) {
	m := trainWithEpochs(t, 400)
	nav := &m.train.chart.nav
	typeKeys(m, ",")
	if !nav.CursorOn || nav.Cursor != 400 {
		t.Fatalf("the cursor starts on the newest epoch: %+v", nav)
	}
	typeKeys(m, ",,,<")
	if nav.Cursor != 400-3-20 {
		t.Fatalf("cursor at %v after , , , and <, want 377", nav.Cursor)
	}
	v := ansi.Strip(m.View())
	r := m.train.chart.readings()
	if len(r) != 2 || !r[0].OK || r[0].X != 377 {
		t.Fatalf("readings %+v", r)
	}
	if want := "epoch 377"; !strings.Contains(v, want) || !strings.Contains(v, fmtLoss(r[0].Value)) || !strings.Contains(v, fmtLoss(r[1].Value)) {
		t.Fatalf("the legend does not read the curves at the cursor:\n%s", v)
	}
	typeKeys(m, "zz")
	lo, hi := nav.Window(1, 400)
	if !nav.Zoomed || math.Abs((hi-lo)-399.0/4) > 1 || !(lo <= 377 && 377 <= hi) {
		t.Fatalf("two zooms: window %v … %v", lo, hi)
	}
	if v := ansi.Strip(m.View()); !strings.Contains(v, fmt.Sprintf("x %s-%s of 1-400", chart.Num(lo), chart.Num(hi))) {
		t.Fatalf("the legend does not say the window:\n%s", v)
	}
	typeKeys(m, ")")
	lo2, hi2 := nav.Window(1, 400)
	if !(lo2 > lo && math.Abs((hi2-lo2)-(hi-lo)) < 1e-9) {
		t.Fatalf("pan: %v … %v → %v … %v", lo, hi, lo2, hi2)
	}
	typeKeys(m, "y")
	if !nav.LogY || !strings.Contains(ansi.Strip(m.View()), "log y") {
		t.Fatal("y did not switch to log")
	}
	typeKeys(m, "ww")
	if nav.Smooth != 0.6 || !strings.Contains(ansi.Strip(m.View()), "smooth") {
		t.Fatalf("smoothing %v after w w", nav.Smooth)
	}
	if r := m.train.chart.readings(); r[0].Value == r[0].Raw {
		t.Fatal("the readout does not show the smoothed value")
	}
	typeKeys(m, "W0")
	if nav.Smooth != 0.3 || nav.Zoomed || nav.CursorOn {
		t.Fatalf("W and 0: %+v", nav)
	}
	checkFits(t, m.View(), 120, 40)
}

// A 100 000-epoch history: zooming, moving the cursor and adding an epoch
// stay cheap, and the cursor alone does not redraw the chart.
func TestLossChartLongHistory(t *testing.T) {
	m := trainWithEpochs(t, 100000)
	m.View()
	before := m.train.chart.renders()
	typeKeys(m, ",")
	for i := 0; i < 50; i++ {
		typeKeys(m, ",")
		m.View()
	}
	if got := m.train.chart.renders(); got != before {
		t.Fatalf("%d redraws for cursor moves", got-before)
	}
	typeKeys(m, "zzzzzzzzzz") // 2⁻¹⁰ of the range: about 100 epochs
	lo, hi := m.train.chart.nav.Window(1, 100000)
	if hi-lo > 200 {
		t.Fatalf("window %v … %v", lo, hi)
	}
	checkFits(t, m.View(), 120, 40)
}

// With --mouse, the wheel zooms the loss chart and the Trials panels, and
// sideways (or with shift) pans.
func TestMouseWheelZooms(t *testing.T) {
	m := trainWithEpochs(t, 400)
	wheel := func(b tea.MouseButton, shift bool) {
		m.Update(tea.MouseMsg{Button: b, Action: tea.MouseActionPress, Shift: shift})
	}
	wheel(tea.MouseButtonWheelUp, false)
	nav := &m.train.chart.nav
	lo, hi := nav.Window(1, 400)
	if !nav.Zoomed || math.Abs(hi-lo-0.8*399) > 1e-6 {
		t.Fatalf("wheel up: %v … %v", lo, hi)
	}
	wheel(tea.MouseButtonWheelDown, true)
	lo2, _ := nav.Window(1, 400)
	if !(lo2 > lo) {
		t.Fatalf("shift+wheel did not pan: %v → %v", lo, lo2)
	}
	wheel(tea.MouseButtonWheelDown, false)
	wheel(tea.MouseButtonWheelDown, false)
	if nav.Zoomed {
		t.Fatal("wheel down did not zoom back out")
	}
	// The other tabs do not see the wheel.
	if m.trials.nav.Zoomed {
		t.Fatal("the Trials tab zoomed on the Train tab's wheel")
	}
}

// The Trials tab's panels share one time window: z zooms it around the
// time cursor, which it then follows; the x axis shows the window's steps.
func TestTrialsZoomFollowsTheCursor(t *testing.T) {
	d := newTrainedModel(t, 120, 40, false)
	openTrials(t, d, "3bff-gru")
	d.keys(">>>>>") // step 50
	d.keys("zz")
	m := d.m
	lo, hi := m.trials.nav.Window(0, 99)
	if !m.trials.nav.Zoomed || math.Abs(hi-lo-99.0/4) > 1 || !(lo <= 50 && 50 <= hi) {
		t.Fatalf("window %v … %v around step 50", lo, hi)
	}
	d.keys(">>>")
	lo, hi = m.trials.nav.Window(0, 99)
	if !(lo <= 80 && 80 <= hi) {
		t.Fatalf("the window %v … %v lost the cursor at 80", lo, hi)
	}
	v := ansi.Strip(m.View())
	if !strings.Contains(v, "cursor at 80") || strings.Contains(v, " 20 ") && lo > 30 {
		t.Fatalf("axis:\n%s", v)
	}
	checkFits(t, m.View(), 120, 40)
	d.keys("0")
	if m.trials.nav.Zoomed {
		t.Fatal("0 did not show the whole trial")
	}
}

// The overlay's runs keep their colours: taking one out leaves the others'
// alone, and a run joining takes the free colour.
func TestOverlayColoursAreStable(t *testing.T) {
	m := newTestModel(t, "3bff-small", 120, 40)
	tt := m.train
	var dirs []string
	for i := 0; i < 3; i++ {
		dirs = append(dirs, fmt.Sprintf("/runs/r%d", i))
		tt.overlay = append(tt.overlay, &overlayRun{dir: dirs[i], name: dirs[i], hist: []run.EpochStats{{Epoch: 1, ValLoss: 1}, {Epoch: 2, ValLoss: 0.5}}})
	}
	tt.refreshOverlay()
	col := map[string]string{}
	for _, o := range tt.overlay {
		col[o.dir] = string(tt.overlayColor(o))
	}
	if col[dirs[0]] == col[dirs[1]] || col[dirs[1]] == col[dirs[2]] {
		t.Fatalf("colours %v", col)
	}
	tt.overlay = append(tt.overlay[:1], tt.overlay[2:]...) // r1 leaves
	tt.refreshOverlay()
	for _, o := range tt.overlay {
		if string(tt.overlayColor(o)) != col[o.dir] {
			t.Fatalf("%s changed colour when another left", o.dir)
		}
	}
	tt.overlay = append(tt.overlay, &overlayRun{dir: "/runs/r3", name: "r3", hist: []run.EpochStats{{Epoch: 1, ValLoss: 2}}})
	tt.refreshOverlay()
	if got := string(tt.overlayColor(tt.overlay[2])); got != col[dirs[1]] {
		t.Fatalf("the new run took %s, not the free colour %s", got, col[dirs[1]])
	}
	// The chart draws one curve per run, and the cursor reads each by name.
	tt.chart.sync()
	if n := len(tt.chart.c.Series()); n != 3 {
		t.Fatalf("%d curves", n)
	}
	typeKeys(m, "2,")
	names := ""
	for _, r := range tt.chart.readings() {
		names += r.Name + " "
	}
	if names != "/runs/r0 /runs/r2 r3 " {
		t.Fatalf("readings of %q", names)
	}
}

// The decoding page of the Analysis tab is a line chart with the same keys.
func TestDecodingChartKeys(t *testing.T) {
	d := newTrainedModel(t, 120, 40, false)
	openAnalysis(t, d, "randomtarget")
	d.keys("aa") // the decoding page
	d.until(func() bool { _, _, ok := d.m.anal.decExtent(); return ok }, 60*time.Second, "the decoding")
	d.keys(".z")
	nav := d.m.anal.decNav
	if !nav.CursorOn || !nav.Zoomed {
		t.Fatalf("decoding chart keys: %+v", nav)
	}
	v := ansi.Strip(d.m.View())
	if !strings.Contains(v, "target") {
		t.Fatalf("the readout does not name the variables:\n%s", v)
	}
	checkFits(t, d.m.View(), 120, 40)
}

// The Task tab's sample trial takes the chart keys too (no cursor there).
func TestPreviewChartKeys(t *testing.T) {
	m := newTestModel(t, "3bff-small", 120, 40)
	typeKeys(m, "zz")
	p := m.task.prev
	lo, hi := p.nav.Window(0, 99)
	if !p.nav.Zoomed || math.Abs(hi-lo-99.0/4) > 1 {
		t.Fatalf("window %v … %v", lo, hi)
	}
	if v := ansi.Strip(m.View()); !strings.Contains(v, "step") || strings.Contains(v, "time step") {
		t.Fatalf("the zoomed preview's axis:\n%s", v)
	}
	typeKeys(m, "0")
	if p.nav.Zoomed || !strings.Contains(ansi.Strip(m.View()), "time step") {
		t.Fatal("0 did not show the whole trial")
	}
	checkFits(t, m.View(), 120, 40)
}
