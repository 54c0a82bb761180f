package ui

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/ctdtui/ctdtui/sim"
	"github.com/ctdtui/ctdtui/sim/arm"
	"github.com/ctdtui/ctdtui/study"
	"github.com/ctdtui/ctdtui/ui/chart"
)

// trialsTab scrubs through the trials of a saved run: the noisy inputs, the
// targets against what the model produced (the controlled output), and the
// latents as the top principal components or a window of units, over time,
// with a time cursor whose values are read out beside each panel. For
// RandomTarget it also draws the hand path with the target, the start, the
// go cue and the bump, and a stick drawing of the arm at the cursor; for
// MultiTask it names the trial's task and marks its phase boundaries.
type trialsTab struct {
	sh   *shared
	keys trialsKeys
	w, h int

	picker *runPicker // open while choosing a run

	step  int  // the time cursor
	units bool // latents as units rather than PCs
	unit0 int  // first unit shown
	armOn bool // narrow RandomTarget layout: the arm instead of the time panels

	data bg[*trialsData] // the rollout of the focused run and phase

	// eval is an evaluation of the focused run (trialseval.go), shown instead
	// of its trials while evalKey names it.
	eval    bg[*evalShow]
	evalKey string

	ck     chartKeys
	nav    chart.Nav          // the panels' time window and cursor (the step)
	charts []*chart.LineChart // the time panels, reused frame to frame
}

// trialsData is a run's rollout over one phase and the PCA of its latents.
type trialsData struct {
	sess   *session
	phase  string
	trials []int
	roll   *study.Rollout
}

func newTrialsTab(sh *shared) *trialsTab {
	return &trialsTab{sh: sh, keys: newTrialsKeys(sh.g), ck: newChartKeys()}
}

func (t *trialsTab) Title() string    { return "Trials" }
func (t *trialsTab) Focused() bool    { return false }
func (t *trialsTab) SetSize(w, h int) { t.w, t.h = w, h }

// want is the key of the data the tab should show ("" when no run is open).
func (t *trialsTab) want() string { return t.sh.focusKey() }

// Enter runs when the tab comes into view: open the picker when no run is
// open, or (re)compute what the focus asks for.
func (t *trialsTab) Enter() tea.Cmd {
	if t.sh.focus.dir == "" && t.picker == nil {
		t.picker = newRunPicker(t.sh, "Open a run", "", false)
	}
	return t.ensure()
}

// ensure starts whatever the focused run and phase still need: loading the
// run, then its rollout and PCA.
func (t *trialsTab) ensure() tea.Cmd {
	f := t.sh.focus
	if f.dir == "" {
		return nil
	}
	e, cmd := t.sh.store.open(f.dir, -1)
	if cmd != nil || e.sess == nil {
		return cmd
	}
	k := t.want()
	if t.data.settled(k) {
		return nil
	}
	sess, phase := e.sess, f.phase
	// start cancels a computation for a run or phase no longer shown.
	return t.data.start(k, "running the model", func(ctx context.Context, report func(float64, string)) (*trialsData, error) {
		trials, err := sess.Run.Trials(phase)
		if err != nil {
			return nil, err
		}
		roll, err := sess.Rollout(ctx, phase, func(p study.Progress) {
			if p.Stage == "pca" {
				report(-1, "PCA of the latents")
			} else {
				report(-1, fmt.Sprintf("running the model on the %d %s trials", len(trials), phaseName(phase)))
			}
		})
		if err != nil {
			return nil, err
		}
		return &trialsData{sess: sess, phase: phase, trials: roll.Trials, roll: roll}, nil
	})
}

func phaseName(p string) string {
	if p == "val" {
		return "validation"
	}
	return "training"
}

func (t *trialsTab) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case runOpenedMsg:
		if msg.dir == t.sh.focus.dir {
			return t.ensure()
		}
	case focusChangedMsg:
		return t.ensure()
	case workMsg:
		if ok, cmd := t.onEvalWork(msg); ok {
			return cmd
		}
		switch out, cmd := t.data.take(msg, t.want()); out {
		case workPending:
			return cmd
		case workStale:
			// Computed for a run or phase no longer shown: dropped.
			return t.ensure()
		case workArrived:
			t.clamp()
		}
	case tea.KeyMsg:
		return t.onKey(msg)
	case tea.MouseMsg:
		if d := t.shown(); d != nil && t.picker == nil {
			chartMouse(msg, &t.nav, 0, float64(max(d.roll.Len(t.cur().trial)-1, 1)))
		}
	}
	return nil
}

func (t *trialsTab) onKey(km tea.KeyMsg) tea.Cmd {
	if t.picker != nil {
		res := t.picker.key(km)
		switch {
		case res.closed:
			t.picker = nil
		case res.picked != "":
			t.picker = nil
			return t.openRun(res.picked)
		}
		return nil
	}
	k := t.keys
	if key.Matches(km, k.Open) {
		t.picker = newRunPicker(t.sh, "Open a run", t.sh.focus.dir, t.sh.focus.dir != "")
		return nil
	}
	switch {
	case key.Matches(km, k.Eval):
		return t.startEval(false)
	case key.Matches(km, k.CentreOut):
		return t.startEval(true)
	case key.Matches(km, k.Back):
		t.leaveEval()
		t.clamp()
		return nil
	case key.Matches(km, k.Phase) && t.evalShown() != nil:
		t.sh.info("an evaluation shows its validation trials (esc: back to the run's own)")
		return nil
	}
	if key.Matches(km, k.Phase) {
		if !t.sh.togglePhase() {
			return nil
		}
		t.sh.info("showing the " + phaseName(t.sh.focus.phase) + " trials")
		return tea.Batch(t.ensure(), focusChanged)
	}
	d := t.shown()
	if d == nil {
		return nil
	}
	if T := d.roll.Len(t.cur().trial); chartKey(km, t.ck, &t.nav, 0, float64(max(T-1, 1)), 1, false) {
		return nil
	}
	n := len(d.trials)
	f := t.cur()
	before, beforeStep := f.trial, f.step
	switch {
	case key.Matches(km, k.Trial):
		f.trial += direction(km)
	case key.Matches(km, k.Jump):
		f.trial += 10 * direction(km)
	case key.Matches(km, k.Ends):
		if km.String() == "home" {
			f.trial = 0
		} else {
			f.trial = n - 1
		}
	case key.Matches(km, k.Step):
		f.step += stepDir(km)
	case key.Matches(km, k.StepJump):
		f.step += 10 * stepDir(km)
	case key.Matches(km, k.Latents):
		t.units = !t.units
	case key.Matches(km, k.Units):
		if t.units {
			t.unit0 += direction(km) * t.unitsShown()
		}
	case key.Matches(km, k.View):
		t.armOn = !t.armOn
	}
	t.clamp()
	if d := t.shown(); d != nil && len(d.trials) > 0 {
		// the zoomed time window follows the cursor
		c := t.cur()
		t.nav.SetCursor(0, float64(max(d.roll.Len(c.trial)-1, 1)), float64(c.step))
	}
	if (f.trial != before || f.step != beforeStep) && t.evalShown() == nil {
		return focusChanged // an evaluation's trials are its own
	}
	return nil
}

// stepDir reads the direction of the time-cursor keys.
func stepDir(km tea.KeyMsg) int {
	if s := km.String(); s == "," || s == "<" {
		return -1
	}
	return 1
}

// openRun makes dir the focused run (for this tab and the Analysis tab).
func (t *trialsTab) openRun(dir string) tea.Cmd {
	t.picker = nil
	t.leaveEval()
	return tea.Batch(t.sh.focusRun(dir), t.ensure())
}

// shown is the data for the current focus (or the evaluation shown), or nil.
func (t *trialsTab) shown() *trialsData {
	if ev := t.evalShown(); ev != nil {
		return ev.data
	}
	d, _ := t.data.get(t.want())
	return d
}

// clamp keeps the trial, the time cursor and the units window in range.
func (t *trialsTab) clamp() {
	d := t.shown()
	if d == nil {
		return
	}
	f := t.cur()
	f.trial = max(0, min(f.trial, len(d.trials)-1))
	if len(d.trials) == 0 {
		f.step = 0
		return
	}
	f.step = max(0, min(f.step, d.roll.Len(f.trial)-1))
	H := d.roll.H
	n := t.unitsShown()
	t.unit0 = max(0, min(t.unit0, H-n))
}

// unitsShown is how many latent traces the latents panel draws.
func (t *trialsTab) unitsShown() int {
	if d := t.shown(); d != nil {
		return min(4, d.roll.H)
	}
	return 4
}

// ---- view ----

func (t *trialsTab) View() string {
	if t.picker != nil {
		return t.picker.View(t.w, t.h)
	}
	if v, ok := focusedPlaceholder(t.sh, &t.data, t.want(), "Cannot show this run", "Running the model…", t.w, t.h); ok {
		return v
	}
	d := t.shown()
	if len(d.trials) == 0 {
		return centred(t.sh, t.w, t.h, "The "+phaseName(d.phase)+" phase of this run has no trials.")
	}
	var header []string
	if ev := t.evalShown(); ev != nil {
		header = t.evalHeader(ev)
	} else {
		header = t.header(d)
		if t.evalPending() {
			header = append(header, workLine(t.sh, t.eval.running())+t.sh.st.Faint.Render("  (esc cancels)"))
		}
	}
	bodyH := t.h - len(header)
	var body string
	if t.isRT(d) {
		body = t.rtBody(d, t.w, bodyH)
	} else {
		body = t.timeView(d, t.w, bodyH)
	}
	return fitBlock(strings.Join(header, "\n")+"\n"+body, t.w, t.h)
}

func (t *trialsTab) isRT(d *trialsData) bool {
	_, ok := d.sess.Run.Task.(*sim.RandomTarget)
	return ok && d.roll.S > 0
}

// header is the run, phase, trial and step, and a line about the trial.
func (t *trialsTab) header(d *trialsData) []string {
	st := t.sh.st
	f := t.cur()
	k := f.trial
	idx := d.trials[k]
	T := d.roll.Len(k)
	line := st.Bold.Render(filepath.Base(d.sess.Run.Run.Dir)) + st.Muted.Render(fmt.Sprintf(" epoch %d · ", d.sess.Run.Epoch)) +
		st.Accent.Render(d.phase) + st.Muted.Render(" · ") +
		st.Text.Render(fmt.Sprintf("trial %d/%d", k+1, len(d.trials))) + st.Muted.Render(fmt.Sprintf(" (#%d)", idx)) + st.Muted.Render(" · ") +
		st.Text.Render(fmt.Sprintf("step %d/%d", f.step, T-1))
	lines := []string{line}
	if info := t.trialInfo(d, idx); info != "" {
		lines = append(lines, st.Muted.Render(truncate(info, t.w, t.sh.g.ellipsis)))
	}
	return lines
}

// trialInfo describes the trial (the task says what matters: MultiTask's task
// and phase at the cursor, RandomTarget's events).
func (t *trialsTab) trialInfo(d *trialsData, idx int) string {
	return d.sess.Run.Task.TrialInfo(d.sess.Run.Data, idx, t.cur().step)
}

// timePanel is one strip of the time view.
type timePanel struct {
	label    string
	labelCol lipgloss.Color
	lines    []timeLine
	lo, hi   float64
	fixed    bool // the range stays lo..hi when zoomed (the flip-flop's bits)
	rows     int
	readout  []readout
}

type timeLine struct {
	y      []float64
	col    lipgloss.Color
	dashed bool
}

// readout is one value at the cursor beside a panel.
type readout struct {
	name string
	col  lipgloss.Color
	text string
}

// timeEvent is a step marked on every panel (a phase start, the go cue).
type timeEvent struct {
	t     int
	label string
	col   lipgloss.Color
}

// panels builds the inputs, targets-vs-outputs and latents panels of trial k.
func (t *trialsTab) panels(d *trialsData, k int) []timePanel {
	st := t.sh.st
	data, roll := d.sess.Run.Data, d.roll
	idx := d.trials[k]
	s := t.cur().step
	var ps []timePanel

	// Inputs: the noisy task inputs. With many channels (MultiTask's rule
	// cues) those whose noise-free input is zero throughout the trial carry
	// only noise and are left out, so the active cue stands out.
	in, trueIn := data.Inputs(idx), data.TrueInputs(idx)
	inLabels := d.sess.Run.Task.InputLabels()
	pin := timePanel{label: "inputs", labelCol: st.theme.Muted}
	var all [][]float64
	for c := 0; c < data.InputDim; c++ {
		if data.InputDim > 8 && allZero(column32(trueIn, data.InputDim, c)) {
			continue
		}
		y := column32(in, data.InputDim, c)
		col := st.ChannelColor(c, data.InputDim)
		pin.lines = append(pin.lines, timeLine{y: y, col: col})
		all = append(all, y)
		pin.readout = append(pin.readout, readout{name: labelOr(inLabels, c, "in"), col: col, text: fmtVal(y[s])})
	}
	pin.lo, pin.hi = rangeOf(0.1, all...)
	ps = append(ps, pin)

	// Targets (dashed, muted) against the controlled output, one panel per
	// channel, or overlaid when there are more than four.
	tg := data.Targets(idx)
	ctl := roll.Controlled(k)
	C := roll.C
	ctlLabels := displayLabels(d.sess.Run.Task.TargetLabels())
	nbff := isFlipFlop(d.sess.Run.Task)
	overlay := C > 4
	var shared *timePanel
	if overlay {
		shared = &timePanel{label: "outputs", labelCol: st.theme.Muted}
	}
	var ov [][]float64
	for c := 0; c < C; c++ {
		yt := column32(tg, data.TargetDim, c)
		yo := column32(ctl, C, c)
		col := st.ChannelColor(c, C)
		name := labelOr(ctlLabels, c, "out")
		ro := readout{name: name, col: col, text: fmtVal(yo[s]) + " " + fmtVal(yt[s])}
		if overlay {
			shared.lines = append(shared.lines, timeLine{y: yt, col: st.theme.Faint, dashed: true}, timeLine{y: yo, col: col})
			shared.readout = append(shared.readout, ro)
			ov = append(ov, yt, yo)
			continue
		}
		p := timePanel{label: name, labelCol: col, lines: []timeLine{{y: yt, col: st.theme.Muted, dashed: true}, {y: yo, col: col}},
			readout: []readout{ro}}
		p.lo, p.hi = rangeOf(0.1, yt, yo)
		if nbff {
			p.lo, p.hi, p.fixed = math.Min(p.lo, -0.2), math.Max(p.hi, 1.2), true
		}
		ps = append(ps, p)
	}
	if overlay {
		shared.lo, shared.hi = rangeOf(0.1, ov...)
		ps = append(ps, *shared)
	}

	// Latents: the top PCs of the phase, or a window of units.
	lat := roll.Latents(k)
	pl := timePanel{labelCol: st.theme.Muted}
	var ls [][]float64
	if t.units {
		n := t.unitsShown()
		pl.label = fmt.Sprintf("units %d-%d", t.unit0, t.unit0+n-1)
		for j := 0; j < n; j++ {
			u := t.unit0 + j
			y := column32(lat, roll.H, u)
			col := st.ChannelColor(j, n)
			pl.lines = append(pl.lines, timeLine{y: y, col: col})
			pl.readout = append(pl.readout, readout{name: fmt.Sprintf("unit %d", u), col: col, text: fmtVal(y[s])})
			ls = append(ls, y)
		}
	} else {
		pcs := roll.TrialPCs(k)
		pl.label = fmt.Sprintf("PC 1-%d", len(pcs))
		for j, y := range pcs {
			col := st.ChannelColor(j, len(pcs))
			pl.lines = append(pl.lines, timeLine{y: y, col: col})
			pct := ""
			if j < len(roll.PCs.Ratio) {
				pct = " " + padLeft(fmtPct(roll.PCs.Ratio[j]), 3)
			}
			pl.readout = append(pl.readout, readout{name: fmt.Sprintf("PC%d%s", j+1, pct), col: col, text: fmtVal(y[s])})
			ls = append(ls, y)
		}
	}
	pl.lo, pl.hi = rangeOf(0.1, ls...)
	ps = append(ps, pl)
	return ps
}

func labelsN(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s %d", prefix, i)
	}
	return out
}

func allZero(y []float64) bool {
	for _, v := range y {
		if v != 0 {
			return false
		}
	}
	return true
}

func labelOr(labels []string, i int, prefix string) string {
	if i < len(labels) {
		return labels[i]
	}
	return fmt.Sprintf("%s %d", prefix, i)
}

// events are the steps marked on every panel, as the task reports them
// (MultiTask's phase starts, RandomTarget's target onset, go cue and bump);
// the flip-flop's pulses are left out: they show in the input panel, and a
// trial has dozens.
func (t *trialsTab) events(d *trialsData, idx int) []timeEvent {
	st := t.sh.st
	var ev []timeEvent
	for _, e := range d.sess.Run.Task.Events(d.sess.Run.Data, idx) {
		col := st.theme.Muted
		switch e.Name {
		case sim.EventPulse:
			continue
		case sim.EventGoCue:
			col = st.theme.Good
		case sim.EventBump:
			col = st.theme.Warn
		}
		ev = append(ev, timeEvent{t: e.Step, label: e.Label(), col: col})
	}
	return ev
}

// timeView stacks the panels over a shared time axis, with the values at
// the cursor on the right of each panel. The panels are line charts
// (package chart) sharing the tab's nav: the time window (zoom, pan), the
// cursor (the time step), log y and smoothing.
func (t *trialsTab) timeView(d *trialsData, w, h int) string {
	st, g := t.sh.st, t.sh.g
	k := t.cur().trial
	idx := d.trials[k]
	T := d.roll.Len(k)
	ps := t.panels(d, k)
	ev := t.events(d, idx)

	gutter := 8
	if w >= 100 {
		for _, p := range ps {
			gutter = max(gutter, min(ansi.StringWidth(p.label)+1, 12))
		}
	}
	roW := 0
	if w >= 76 {
		roW = min(28, max(22, w/6))
	}
	pw := w - gutter - roW
	if roW > 0 {
		pw-- // a space before the readout
	}
	evRow := 0
	if len(ev) > 0 {
		evRow = 1
	}
	avail := h - 1 - evRow // time axis, events row
	// Inputs and latents get a bit more than each output panel; every
	// panel has at least two rows, and outputs are overlaid if they do not fit.
	if avail < 2*len(ps) && len(ps) > 3 {
		ps = t.overlayOutputs(ps)
	}
	weights := make([]int, len(ps))
	total := 0
	for i := range ps {
		weights[i] = 2
		if i == 0 || i == len(ps)-1 {
			weights[i] = 3
		}
		total += weights[i]
	}
	used := 0
	for i := range ps {
		ps[i].rows = max(1, avail*weights[i]/max(total, 1))
		used += ps[i].rows
	}
	for i := 0; used < avail; i = (i + 1) % len(ps) {
		ps[i].rows++
		used++
	}
	for i := len(ps) - 1; used > avail && i >= 0; i-- {
		for ps[i].rows > 1 && used > avail {
			ps[i].rows--
			used--
		}
	}

	// The time window and cursor shared by every panel.
	tmax := float64(max(T-1, 1))
	t.nav.MinSpan = 8
	t.nav.SetCursor(0, tmax, float64(t.cur().step))
	lo, hi := t.nav.Window(0, tmax)

	var lines []string
	if evRow == 1 {
		row := make([]rune, pw)
		for i := range row {
			row[i] = ' '
		}
		cols := make([]chart.Style, pw)
		for i, e := range ev {
			x := chart.Column(float64(e.t), lo, hi, pw)
			end := pw
			if i+1 < len(ev) {
				end = chart.Column(float64(ev[i+1].t), lo, hi, pw) - 1
			}
			for j, r := range []rune(e.label) {
				if x+j >= end || x+j >= pw || x+j < 0 {
					if x+j < 0 {
						continue
					}
					break
				}
				row[x+j], cols[x+j] = r, chart.FG(e.col)
			}
		}
		s := chart.NewSurface(pw, 1, g.ascii)
		for i, r := range row {
			if r != ' ' {
				s.Set(i, 0, r, cols[i])
			}
		}
		lines = append(lines, strings.Repeat(" ", gutter)+s.Lines()[0])
	}
	dataKey := fmt.Sprintf("%s|%s|%d|%v|%d", t.want(), t.evalKey, k, t.units, t.unit0)
	for len(t.charts) < len(ps) {
		t.charts = append(t.charts, &chart.LineChart{})
	}
	for i, p := range ps {
		if p.rows <= 0 {
			continue
		}
		c := t.panelChart(i, p, ev, dataKey)
		for y, l := range c.Lines(pw, p.rows) {
			lab := ""
			if y == (p.rows-1)/2 {
				lab = lipgloss.NewStyle().Foreground(p.labelCol).Render(truncate(p.label, gutter-1, g.ellipsis))
			}
			line := fitLine(lab, gutter) + l
			if roW > 0 {
				line += " " + t.readoutLine(p, y, roW)
			}
			lines = append(lines, line)
		}
	}
	// Time axis: round steps in the window.
	name := "step"
	if roW > 0 {
		name = fmt.Sprintf("step · cursor at %d", t.cur().step)
	}
	axis := chart.XAxisRowStep(pw, lo, hi, name, nil, 1)
	tail := ""
	if roW > 0 {
		tail = " " + st.Faint.Render(padRight("output target", roW))
		if _, ok := d.sess.Run.Task.(*sim.RandomTarget); ok {
			tail = " " + st.Faint.Render(padRight("hand  target", roW))
		}
	}
	lines = append(lines, strings.Repeat(" ", gutter)+st.Faint.Render(axis)+tail)
	return fitBlock(strings.Join(lines, "\n"), w, h)
}

// panelChart is panel i's line chart, its data replaced only when the
// trial, the latents shown or the panel's make-up changed.
func (t *trialsTab) panelChart(i int, p timePanel, ev []timeEvent, dataKey string) *chart.LineChart {
	st := t.sh.st
	c := t.charts[i]
	var ss []chart.Series
	for _, l := range p.lines {
		s := chart.Series{Y: l.y, Style: chart.FG(l.col)}
		if l.dashed {
			s.Dash = 2
		}
		ss = append(ss, s)
	}
	c.SetData(fmt.Sprintf("%s|%s|%d", dataKey, p.label, len(p.lines)), ss)
	c.Nav = &t.nav
	// The panel's range over the whole trial, as the reference plots it;
	// zoomed in, y follows what the window shows (the flip-flop keeps its
	// bit range).
	c.YFixed, c.YLo, c.YHi, c.YPad = !t.nav.Zoomed || p.fixed, p.lo, p.hi, 0.1
	c.ASCII = t.sh.g.ascii
	c.CursorStyle = chart.FG(st.theme.Accent)
	c.Marks = c.Marks[:0]
	for _, e := range ev {
		c.Marks = append(c.Marks, chart.VMark{X: float64(e.t), Style: chart.FG(e.col)})
	}
	return c
}

// overlayOutputs merges the per-channel output panels into one.
func (t *trialsTab) overlayOutputs(ps []timePanel) []timePanel {
	st := t.sh.st
	merged := timePanel{label: "outputs", labelCol: st.theme.Muted}
	var ys [][]float64
	for _, p := range ps[1 : len(ps)-1] {
		merged.lines = append(merged.lines, p.lines...)
		merged.readout = append(merged.readout, p.readout...)
		for _, l := range p.lines {
			ys = append(ys, l.y)
		}
	}
	merged.lo, merged.hi = rangeOf(0.1, ys...)
	return []timePanel{ps[0], merged, ps[len(ps)-1]}
}

// readoutLine is row y of a panel's readout column: one value per row; when
// the values outnumber the rows, the last row says how many are left out.
func (t *trialsTab) readoutLine(p timePanel, y, w int) string {
	st := t.sh.st
	if y >= len(p.readout) {
		return strings.Repeat(" ", w)
	}
	if y == p.rows-1 && len(p.readout) > p.rows {
		return st.Faint.Render(padRight(fmt.Sprintf("+%d more", len(p.readout)-y), w))
	}
	r := p.readout[y]
	valW := ansi.StringWidth(r.text)
	nameW := max(w-valW-1, 1)
	return lipgloss.NewStyle().Foreground(r.col).Render(padRight(truncate(r.name, nameW, t.sh.g.ellipsis), nameW)) + " " + st.Text.Render(r.text)
}

// ---- RandomTarget: the arm ----

// rtBody lays the time panels and the arm view side by side when there is
// room, else shows one of them (v switches).
func (t *trialsTab) rtBody(d *trialsData, w, h int) string {
	if w >= 110 {
		aw := min(w*2/5, max(36, 2*h+8))
		tw := w - aw - 3
		sep := " " + t.sh.st.Faint.Render(t.sh.g.vrule) + " "
		return joinColumns(h, sep, column{t.timeView(d, tw, h), tw}, column{t.armView(d, aw, h), aw})
	}
	if t.armOn {
		return t.armView(d, w, h)
	}
	return t.timeView(d, w, h)
}

// armView draws the hand path in x-y with the start, the target, where the
// hand was at the go cue and at the bump, and a stick drawing of the arm
// (shoulder, elbow, hand) at the cursor's step.
func (t *trialsTab) armView(d *trialsData, w, h int) string {
	st, g := t.sh.st, t.sh.g
	k := t.cur().trial
	idx := d.trials[k]
	roll, data := d.roll, d.sess.Run.Data
	T := roll.Len(k)
	S := roll.S
	ps := roll.PlantStates(k)
	p0 := roll.PlantInitial(k)
	xs := make([]float64, T+1)
	ys := make([]float64, T+1)
	xs[0], ys[0] = float64(p0[sim.ArmHandX]), float64(p0[sim.ArmHandY])
	for i := 0; i < T; i++ {
		xs[i+1], ys[i+1] = float64(ps[i*S+sim.ArmHandX]), float64(ps[i*S+sim.ArmHandY])
	}
	// The target shown to the model (TargetX, TargetY from its onset; also
	// on catch trials, whose targets stay at the start).
	in := data.TrueInputs(idx)
	goal := [2]float64{float64(in[(T-1)*data.InputDim]), float64(in[(T-1)*data.InputDim+1])}
	var l1 float64 // upper-arm length: the elbow is at l1 along the shoulder angle
	if rt, ok := d.sess.Run.Task.(*sim.RandomTarget); ok {
		l1 = rt.Arm().Params().L1
	}
	// The frame holds the shoulder (at the origin), the path and the target.
	xlo, xhi := rangeOf(0.05, xs, []float64{0, goal[0]})
	ylo, yhi := rangeOf(0.05, ys, []float64{0, goal[1]})

	title := st.Header.Render("Hand path") + st.Muted.Render(fmt.Sprintf(" · arm at step %d", t.cur().step))
	legendItems := []string{markGlyph(g, "target") + " target", markGlyph(g, "start") + " start", markGlyph(g, "hand") + " hand"}
	// The force field: named with the trial's level in the legend (before the
	// events, so that a narrow view keeps it), drawn as an arrow at the hand.
	var field arm.Field
	var level float64
	if rt, ok := d.sess.Run.Task.(*sim.RandomTarget); ok && rt.Field().Active() {
		field, level = rt.Field(), sim.TrialLevel(data, idx)
		arrow, name := "→", "field"
		if g.ascii {
			arrow = "->"
		}
		if field.Kind == arm.FieldCurl {
			name = "curl"
		}
		legendItems = append(legendItems, fmt.Sprintf("%s %s %g %s", arrow, name, level, field.Unit()))
	}
	events := d.sess.Run.Task.Events(data, idx)
	goCue, bump := eventStep(events, sim.EventGoCue), eventStep(events, sim.EventBump)
	if goCue >= 0 {
		legendItems = append(legendItems, "g go cue")
	}
	if bump >= 0 {
		legendItems = append(legendItems, "b bump")
	}
	legend := st.Muted.Render(truncate(strings.Join(legendItems, "  "), w, g.ellipsis))
	ch := h - 2
	if ch < 3 {
		return fitBlock(title, w, h)
	}
	sf := chart.NewSurface(w, ch, g.ascii)
	fr := chart.NewFrame(sf, 0, 0, w, ch, xlo, xhi, ylo, yhi).Equal()
	fr.Path(xs, ys, chart.Stroke{Style: chart.FG(st.theme.Train)})
	mark := func(x, y float64, glyph string, col lipgloss.Color) { fr.Mark(x, y, glyph, chart.FG(col)) }
	// The arm at the cursor: shoulder at the origin, elbow at L1 along the
	// shoulder angle, hand as recorded.
	cur := ps[t.cur().step*S:]
	q1 := float64(cur[sim.ArmShoulder])
	hx, hy := float64(cur[sim.ArmHandX]), float64(cur[sim.ArmHandY])
	if l1 > 0 {
		ex, ey := l1*math.Cos(q1), l1*math.Sin(q1)
		pen := fr.Pen(chart.Stroke{Style: chart.FG(st.theme.Text)})
		pen.Seg(0, 0, ex, ey)
		pen.Seg(ex, ey, hx, hy)
		pen.Done()
		mark(ex, ey, markGlyph(g, "joint"), st.theme.Text)
	}
	mark(0, 0, markGlyph(g, "joint"), st.theme.Muted)
	if goCue >= 0 && goCue < T {
		mark(xs[goCue], ys[goCue], "g", st.theme.Good)
	}
	if bump >= 0 && bump < T {
		mark(xs[bump], ys[bump], "b", st.theme.Warn)
	}
	if field.Active() {
		F := field.Force(level, [2]float64{float64(cur[sim.ArmHandVX]), float64(cur[sim.ArmHandVY])})
		drawArrow(fr, hx, hy, F, math.Max(xhi-xlo, yhi-ylo), st.theme.Warn)
	}
	mark(xs[0], ys[0], markGlyph(g, "start"), st.theme.Muted)
	mark(goal[0], goal[1], markGlyph(g, "target"), st.theme.Bad)
	mark(hx, hy, markGlyph(g, "hand"), st.theme.Accent)
	return title + "\n" + sf.String() + "\n" + legend
}

// fieldArrowPerN is the field arrow's length per newton and fieldArrowMax
// its longest, as shares of the view's span (1 N is an eighth of the view).
const (
	fieldArrowPerN = 0.125
	fieldArrowMax  = 0.3
)

// drawArrow draws force F [N] as an arrow from (x, y), its length
// proportional to the force, at most fieldArrowMax of span.
func drawArrow(fr *chart.Frame, x, y float64, F [2]float64, span float64, col lipgloss.Color) {
	n := math.Hypot(F[0], F[1])
	if !(n > 0) || !(span > 0) {
		return
	}
	L := span * math.Min(fieldArrowPerN*n, fieldArrowMax)
	ux, uy := F[0]/n, F[1]/n
	tx, ty := x+L*ux, y+L*uy
	pen := fr.Pen(chart.Stroke{Style: chart.FG(col)})
	defer pen.Done()
	pen.Seg(x, y, tx, ty)
	// The head: two strokes 30% of the length, 25° either side of the shaft.
	for _, a := range []float64{25, -25} {
		s, c := math.Sincos((180 + a) * math.Pi / 180)
		hx, hy := c*ux-s*uy, s*ux+c*uy
		pen.Seg(tx, ty, tx+0.3*L*hx, ty+0.3*L*hy)
	}
}

// eventStep is the step of the first event named name, or −1.
func eventStep(events []sim.Event, name string) int {
	for _, e := range events {
		if e.Name == name {
			return e.Step
		}
	}
	return -1
}

// displayLabels turns channel names into words for the screen ("hand_x" →
// "hand x").
func displayLabels(l []string) []string {
	out := make([]string, len(l))
	for i, s := range l {
		out[i] = strings.ReplaceAll(s, "_", " ")
	}
	return out
}

// markGlyph is the glyph of a plot marker, plain ASCII with --ascii.
func markGlyph(g glyphs, what string) string {
	if g.ascii {
		return map[string]string{"target": "X", "start": "o", "hand": "@", "joint": "+", "stable": "*", "unstable": "x"}[what]
	}
	return map[string]string{"target": "✕", "start": "○", "hand": "●", "joint": "•", "stable": "●", "unstable": "○"}[what]
}

// ---- help ----

func (t *trialsTab) ShortHelp() []key.Binding {
	if t.picker != nil {
		return t.picker.help()
	}
	k := t.keys
	if t.shown() == nil {
		return []key.Binding{k.Open, k.Phase}
	}
	if t.evalShown() != nil || t.evalPending() {
		return []key.Binding{k.Back, k.Trial, k.Step, k.Jump, k.StepJump, k.Latents, k.Eval, k.CentreOut}
	}
	evals := []key.Binding{k.Eval}
	if t.canCentreOut() {
		evals = append(evals, k.CentreOut)
	}
	return append(append([]key.Binding{k.Trial, k.Step, k.Jump, k.StepJump, k.Phase}, evals...), k.Latents, k.Open, t.ck.Zoom, k.Ends)
}

func (t *trialsTab) FullHelp() [][]key.Binding {
	if t.picker != nil {
		return [][]key.Binding{t.picker.help()}
	}
	k := t.keys
	view := []key.Binding{k.Latents, k.Units}
	if d := t.shown(); d != nil && t.isRT(d) && t.w < 110 {
		// the arm and the time panels share the screen only from 110 columns
		view = append(view, k.View)
	}
	c := t.ck
	evals := []key.Binding{k.Eval}
	if t.canCentreOut() {
		evals = append(evals, k.CentreOut)
	}
	return [][]key.Binding{{k.Trial, k.Jump, k.Ends}, {k.Step, k.StepJump}, view, {c.Zoom, c.Pan, c.ResetView, c.LogY, c.Smooth}, {k.Phase, k.Open}, append(evals, k.Back)}
}
