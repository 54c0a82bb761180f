package ui

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/ctdtui/ctdtui/presets"
	"github.com/ctdtui/ctdtui/sim"
	"github.com/ctdtui/ctdtui/ui/chart"
)

// preview draws a sample trial of the configured task beside the form: the
// inputs and targets per channel over time (the reference's render()) and, for
// the flip-flop with three or more bits, the targets of bits 0–2 walking the
// corners of the unit cube (the reference's render_3d) in a projection the
// user rotates. Any other task gets the generic channels view.
type preview struct {
	sh   *shared
	w, h int

	fingerprint string // the task settings the sample was drawn for
	task        sim.Task
	data        *sim.Dataset
	err         error

	orbit           // the cube view's angles
	mode  int       // index into modes()
	nav   chart.Nav // the channel panels' time window, log y and smoothing

	dirty bool
	cache string
}

type previewMode int

const (
	modeBoth previewMode = iota
	modeChannels
	modeCube
)

func newPreview(sh *shared) *preview {
	// matplotlib's default 3-D view (azim -60°, elev 30°), as render_3d shows it.
	return &preview{sh: sh, orbit: orbit{yaw: -60, pitch: 30}, dirty: true}
}

// update draws a new sample when the task settings changed. Generation is
// fast (a trial of the largest flip-flop is 80 000 values), so it runs in the
// UI goroutine and the preview follows a held key without lag.
func (p *preview) update(cfg presets.Config) {
	fp := fmt.Sprintf("%+v", cfg.Task)
	if fp == p.fingerprint {
		return
	}
	p.fingerprint, p.dirty = fp, true
	p.task, p.data, p.err = samplePreview(cfg)
}

// samplePreview draws trial 0 of the configured task with the dataset seed.
func samplePreview(cfg presets.Config) (task sim.Task, data *sim.Dataset, err error) {
	defer func() {
		if r := recover(); r != nil {
			task, data, err = nil, nil, fmt.Errorf("preview failed: %v", r)
		}
	}()
	if task, err = cfg.BuildTask(); err != nil {
		return nil, nil, err
	}
	data = task.Generate(1, sim.NewNumpyRNG(uint32(cfg.Task.Seed)))
	if data == nil || data.N() == 0 || data.Len(0) == 0 {
		return nil, nil, errors.New("the task generated an empty trial")
	}
	return task, data, nil
}

func (p *preview) SetSize(w, h int) {
	if w != p.w || h != p.h {
		p.w, p.h, p.dirty = w, h, true
	}
}

// cubeOK reports whether the 3-D view applies (the flip-flop with ≥ 3 bits).
func (p *preview) cubeOK() bool {
	return p.data != nil && isFlipFlop(p.task) && p.data.TargetDim >= 3
}

// modes lists the layouts that make sense at this size, the first the default.
func (p *preview) modes() []previewMode {
	switch {
	case !p.cubeOK():
		return []previewMode{modeChannels}
	case p.w >= 100 || p.h >= 34:
		return []previewMode{modeBoth, modeChannels, modeCube}
	}
	return []previewMode{modeChannels, modeCube}
}

func (p *preview) cycleMode() {
	p.mode = (p.mode + 1) % len(p.modes())
	p.dirty = true
}

func (p *preview) rotate(dyaw, dpitch float64) {
	p.orbit.rotate(dyaw, dpitch)
	p.dirty = true
}

func (p *preview) View() string {
	if !p.dirty {
		return p.cache
	}
	p.dirty = false
	lines := fitLines(strings.Split(p.render(), "\n"), p.w, p.h)
	// Say what v switches to, on the first line's right when there is room.
	if modes := p.modes(); len(modes) > 1 && p.err == nil && len(lines) > 0 {
		next := modes[(p.mode+1)%len(modes)]
		hint := "v " + [...]string{"both views", "channels", "3-D cube"}[next]
		used := ansi.StringWidth(strings.TrimRight(ansi.Strip(lines[0]), " "))
		if used+len(hint)+2 <= p.w {
			lines[0] = fitLine(lines[0], p.w-len(hint)) + p.sh.st.Faint.Render(hint)
		}
	}
	p.cache = strings.Join(lines, "\n")
	return p.cache
}

func (p *preview) render() string {
	st := p.sh.st
	if p.err != nil {
		lines := []string{st.Header.Render("Sample trial"), ""}
		for _, l := range wrap(p.err.Error(), p.w) {
			lines = append(lines, st.Bad.Render(l))
		}
		return strings.Join(lines, "\n")
	}
	if p.data == nil {
		return ""
	}
	modes := p.modes()
	mode := modes[p.mode%len(modes)]
	switch mode {
	case modeCube:
		return p.cubeView(p.w, p.h)
	case modeChannels:
		return p.channelsView(p.w, p.h)
	}
	if p.w >= 100 {
		cw := min(p.w*9/20, max(30, 2*(p.h-1)))
		return joinColumns(p.h, "  ", column{p.channelsView(p.w-cw-2, p.h), p.w - cw - 2}, column{p.cubeView(cw, p.h), cw})
	}
	top := p.h * 11 / 20
	return p.channelsView(p.w, top) + "\n" + p.cubeView(p.w, p.h-top)
}

// panel is one strip of the channels view.
type panel struct {
	label    string
	labelCol lipgloss.Color
	series   [][]float32 // per channel, over time
	colors   []lipgloss.Color
	lo, hi   float64
}

// channelsView stacks one panel per target channel and a last panel with
// every input overlaid, sharing the time axis, as the reference's render().
func (p *preview) channelsView(w, h int) string {
	st, g := p.sh.st, p.sh.g
	d, task := p.data, p.task
	T := d.Len(0)
	in, tg := d.Inputs(0), d.Targets(0)
	tgLabels, inLabels := displayLabels(task.TargetLabels()), task.InputLabels()

	nbff := isFlipFlop(task)
	var panels []panel
	for c := 0; c < d.TargetDim; c++ {
		label := fmt.Sprintf("target %d", c)
		if c < len(tgLabels) {
			label = tgLabels[c]
		}
		pn := panel{label: label, labelCol: st.ChannelColor(c, d.TargetDim),
			series: [][]float32{channel(tg, d.TargetDim, c, T)}, colors: []lipgloss.Color{st.ChannelColor(c, d.TargetDim)}}
		pn.lo, pn.hi = -0.2, 1.2 // render()'s fixed range for the bits
		if !nbff {
			pn.lo, pn.hi = dataRange(pn.series)
		}
		panels = append(panels, pn)
	}
	inputs := panel{label: "inputs", labelCol: st.theme.Muted, lo: -1.2, hi: 1.2}
	if d.InputDim == 1 && len(inLabels) == 1 {
		inputs.label = inLabels[0]
	}
	for c := 0; c < d.InputDim; c++ {
		inputs.series = append(inputs.series, channel(in, d.InputDim, c, T))
		inputs.colors = append(inputs.colors, st.ChannelColor(c, d.InputDim))
	}
	if !nbff {
		inputs.lo, inputs.hi = dataRange(inputs.series)
	}

	avail := h - 2 // title and time axis
	hidden := 0
	rows := avail / (len(panels) + 1)
	if rows < 2 { // too many channels for the height: show the first ones
		keep := max(avail/2-1, 0)
		hidden = len(panels) - keep
		panels = panels[:keep]
		rows = 2
	}
	panels = append(panels, inputs)
	extra := avail - rows*len(panels)

	title := st.Header.Render("Sample trial") + st.Muted.Render(fmt.Sprintf(" · seed %d · %d steps", p.sh.cfg.Task.Seed, T))
	if w < 60 { // leave room for the view switch hint
		title = st.Header.Render("Sample trial") + st.Muted.Render(fmt.Sprintf(" · %d steps", T))
	}
	if hidden > 0 { // too short a terminal for every channel
		title = st.Header.Render("Sample trial") + st.Warn.Render(fmt.Sprintf(" · first %d of %d channels", len(panels)-1, len(panels)-1+hidden))
	}
	lines := []string{title}
	gutter := 0
	for _, pn := range panels {
		gutter = max(gutter, ansi.StringWidth(pn.label)+1)
	}
	gutter = max(4, min(gutter, 13, w/4))
	pw := w - gutter
	for i, pn := range panels {
		r := rows
		if i < extra && i < len(panels)-1 {
			r++
		}
		if i == len(panels)-1 {
			r = avail - (len(lines) - 1) // the inputs panel takes what is left
		}
		var ss []chart.Series
		for k, sr := range pn.series {
			ss = append(ss, chart.Series{Y: widen32(sr), Style: chart.FG(pn.colors[k])})
		}
		// Zoomed in, y follows the data in the window (the bits keep theirs).
		c := &chart.LineChart{YFixed: !p.nav.Zoomed || nbff, YLo: pn.lo, YHi: pn.hi, YPad: 0.1, ASCII: g.ascii, Nav: &p.nav}
		c.SetData("", ss)
		for y, l := range c.Lines(pw, r) {
			lab := ""
			if y == r/2 || (r == 1 && y == 0) {
				lab = lipgloss.NewStyle().Foreground(pn.labelCol).Render(padRight(truncate(pn.label, gutter-1, g.ellipsis), gutter-1))
			}
			lines = append(lines, fitLine(lab, gutter)+l)
		}
	}
	// Time axis: the whole trial as before, or the zoomed window's steps.
	left, right := "0", fmt.Sprint(T-1)
	mid := "time step"
	axis := padRight(left, (pw-len(mid))/2) + mid
	axis = padRight(axis, pw-len(right)) + right
	if lo, hi := p.nav.Window(0, float64(T-1)); p.nav.Zoomed {
		axis = chart.XAxisRowStep(pw, lo, hi, "step", nil, 1)
	}
	lines = append(lines, strings.Repeat(" ", gutter)+st.Faint.Render(axis))
	return strings.Join(lines, "\n")
}

// isFlipFlop reports whether the task is the flip-flop, whose targets are bits:
// they get a fixed [−0.2, 1.2] range and, from three bits, the cube view.
func isFlipFlop(t sim.Task) bool {
	_, ok := t.(*sim.NBFF)
	return ok
}

// channel extracts channel c of a row-major T×dim trial.
func channel(x []float32, dim, c, T int) []float32 {
	out := make([]float32, T)
	for t := range out {
		out[t] = x[t*dim+c]
	}
	return out
}

// dataRange is the finite range of the series, padded by 10%.
func dataRange(series [][]float32) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, s := range series {
		for _, v := range s {
			if f := float64(v); finite(f) {
				lo, hi = math.Min(lo, f), math.Max(hi, f)
			}
		}
	}
	if lo > hi {
		return -1, 1
	}
	if hi-lo < 1e-9 {
		return lo - 1, hi + 1
	}
	pad := 0.1 * (hi - lo)
	return lo - pad, hi + pad
}

// cubeView draws bits 0–2 of the targets as a path over the unit cube in an
// orthographic projection rotated by yaw (about the vertical axis) and pitch.
func (p *preview) cubeView(w, h int) string {
	st, g := p.sh.st, p.sh.g
	title := st.Header.Render("Targets on the cube") + st.Muted.Render(" · bits 0,1,2")
	if h < 3 || w < 8 {
		return title
	}
	ch := h - 1
	sf := chart.NewSurface(w, ch, g.ascii)
	// The frame's data units are dots, y upwards; the projection is own
	// code (ntcharts has no 3-D).
	W, H := float64(2*w), float64(4*ch)
	fr := chart.NewFrame(sf, 0, 0, w, ch, 0, W-1, 0, H-1)
	scale := 0.5 * math.Min(W, H) / 0.95 // the cube's half-diagonal is √3/2 ≈ 0.87
	project := func(x, y, z float64) (float64, float64) {
		sx, sy := p.view(x-0.5, y-0.5, z-0.5)
		return W/2 + sx*scale, H/2 + sy*scale
	}
	corner := func(k int) (float64, float64) {
		return project(float64(k&1), float64(k>>1&1), float64(k>>2&1))
	}
	edges := fr.Pen(chart.Stroke{Style: chart.FG(st.theme.Faint)})
	for a := 0; a < 8; a++ {
		for _, bit := range []int{1, 2, 4} {
			if b := a | bit; b != a {
				x0, y0 := corner(a)
				x1, y1 := corner(b)
				edges.Seg(x0, y0, x1, y1)
			}
		}
	}
	edges.Done()
	// The trajectory, coloured by time (violet early, red late): one
	// stroke per colour.
	tg, dim := p.data.Targets(0), p.data.TargetDim
	T := p.data.Len(0)
	visited := [8]bool{}
	pt := func(t int) (float64, float64, float64) {
		return float64(tg[t*dim]), float64(tg[t*dim+1]), float64(tg[t*dim+2])
	}
	pens := map[int]*chart.Pen{}
	var order []int
	x0, y0, z0 := pt(0)
	for t := 0; t < T; t++ {
		x, y, z := pt(t)
		if c := cornerOf(x, y, z); c >= 0 {
			visited[c] = true
		}
		if t > 0 && (x != x0 || y != y0 || z != z0) {
			ax, ay := project(x0, y0, z0)
			bx, by := project(x, y, z)
			ci := t * 11 / max(T-1, 1)
			if pens[ci] == nil {
				pens[ci] = fr.Pen(chart.Stroke{Style: chart.FG(st.ChannelColor(ci, 12))})
				order = append(order, ci)
			}
			pens[ci].Seg(ax, ay, bx, by)
		}
		x0, y0, z0 = x, y, z
	}
	for _, ci := range order {
		pens[ci].Done()
	}
	if c := cornerOf(pt(0)); c >= 0 { // a trial that never moves still shows where it is
		ax, ay := corner(c)
		pen := fr.Pen(chart.Stroke{Style: chart.FG(st.theme.Accent)})
		pen.Point(ax, ay)
		pen.Done()
	}
	// Corner labels (bit 0 first), placed outward from the centre; visited
	// corners in text colour, the others faint. Overlapping labels are skipped.
	for k := 0; k < 8; k++ {
		x, y := corner(k)
		cx, cy, ok := fr.Cell(x, y)
		if !ok {
			continue
		}
		lab := fmt.Sprintf("%d%d%d", k&1, k>>1&1, k>>2&1)
		if x >= W/2 {
			cx += 1
		} else {
			cx -= len(lab)
		}
		col := st.theme.Faint
		if visited[k] {
			col = st.theme.Text
		}
		if sf.Free(cx-1, cy, len(lab)+2) || (cx >= 0 && cx+len(lab) <= w && sf.Free(cx, cy, len(lab))) {
			sf.Text(cx, cy, lab, chart.FG(col))
		}
	}
	return title + "\n" + sf.String()
}

// cornerOf returns the cube corner index of a binary target, or -1.
func cornerOf(x, y, z float64) int {
	k := 0
	for i, v := range []float64{x, y, z} {
		switch v {
		case 0:
		case 1:
			k |= 1 << i
		default:
			return -1
		}
	}
	return k
}

// steps is the sample trial's length (0 without one).
func (p *preview) steps() int {
	if p.data == nil || p.err != nil {
		return 0
	}
	return p.data.Len(0)
}
