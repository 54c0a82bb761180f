package ui

import (
	"context"
	"fmt"
	"math"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/ctdtui/ctdtui/study"
	"github.com/ctdtui/ctdtui/ui/chart"
)

// The Analysis tab's right panel has pages: the trajectories (and fixed
// points) of analysistab.go, and the time-resolved analyses of template Q6
// drawn here from study's Align and Decode: the condition-averaged
// trajectories aligned to a task event (e changes the event), the decoding
// curves over aligned time with the shuffled chance level, and the
// cross-temporal matrix as a heatmap (ntcharts).

// Right-panel pages.
const (
	pageTrajectories = iota
	pageAligned
	pageDecoding
	pageCrossTemporal
	nPages
)

var pageNames = [nPages]string{"trajectories", "aligned", "decoding", "cross-temporal"}

// events is the focused run's task events ("" when none is loaded).
func (t *analysisTab) events() []string {
	d := t.shown()
	if d == nil {
		return nil
	}
	return d.sess.Run.Task.EventNames()
}

// eventName is the event the time-resolved pages align to.
func (t *analysisTab) eventName() string {
	ev := t.events()
	if len(ev) == 0 {
		return ""
	}
	return ev[(t.event%len(ev)+len(ev))%len(ev)]
}

func (t *analysisTab) alignKey() string {
	return t.want() + "|align|" + t.eventName()
}

func (t *analysisTab) decodeKey() string {
	return t.want() + "|decode|" + t.eventName()
}

// ensurePage starts what the current page needs: the aligned means, or the
// decoding (with its cross-temporal matrix).
func (t *analysisTab) ensurePage() tea.Cmd {
	d := t.shown()
	ev := t.eventName()
	if d == nil || ev == "" {
		return nil
	}
	sess, phase := d.sess, d.phase
	switch t.page {
	case pageAligned:
		k := t.alignKey()
		if t.align.settled(k) || t.align.busy(k) {
			return nil
		}
		return t.align.start(k, "aligning the latents to "+ev, func(ctx context.Context, report func(float64, string)) (*study.AlignReport, error) {
			return sess.Align(ctx, study.AlignOptions{Phase: phase, Event: ev}, func(p study.Progress) { report(progressFrac(p), progressText(p)) })
		})
	case pageDecoding, pageCrossTemporal:
		k := t.decodeKey()
		if t.decode.settled(k) || t.decode.busy(k) {
			return nil
		}
		return t.decode.start(k, "decoding around "+ev, func(ctx context.Context, report func(float64, string)) (*study.DecodeReport, error) {
			return sess.Decode(ctx, study.DecodeOptions{Event: ev, CrossTemporal: true}, func(p study.Progress) { report(progressFrac(p), progressText(p)) })
		})
	}
	return nil
}

// onPageWork takes the time-resolved works' messages; ok says msg was one.
func (t *analysisTab) onPageWork(msg workMsg) (tea.Cmd, bool) {
	out, cmd := t.align.take(msg, t.alignKey())
	err, what := t.align.err, "aligned view"
	if out == workNotMine {
		out, cmd = t.decode.take(msg, t.decodeKey())
		err, what = t.decode.err, "decoding"
	}
	switch out {
	case workNotMine:
		return nil, false
	case workFailed:
		t.sh.fail(fmt.Errorf("%s: %s", what, firstLine(err)))
	case workStale:
		cmd = t.ensurePage() // the event or the run changed meanwhile
	}
	return cmd, true
}

// pageView draws the right panel's current page.
func (t *analysisTab) pageView(d *analysisData, w, h int) string {
	st := t.sh.st
	tabs := make([]string, nPages)
	for i, n := range pageNames {
		if i == t.page {
			tabs[i] = st.Cursor.Render(n)
		} else {
			tabs[i] = st.Faint.Render(n)
		}
	}
	head := truncStyled(strings.Join(tabs, st.Faint.Render(" · "))+st.Faint.Render("  (a)"), w)
	if t.page == pageTrajectories {
		return head + "\n" + t.trajView(d, w, h-1)
	}
	ev := t.eventName()
	if ev == "" {
		return fitBlock(head+"\n"+st.Muted.Render("this task names no events"), w, h)
	}
	var body string
	switch t.page {
	case pageAligned:
		k := t.alignKey()
		r, ok := t.align.get(k)
		body = t.waitOr(ok, t.align.failed(k), t.align.running(), w, h-1, func() string { return t.alignedView(r, w, h-1) })
	case pageDecoding, pageCrossTemporal:
		k := t.decodeKey()
		r, ok := t.decode.get(k)
		draw := func() string { return t.decodingView(r, w, h-1) }
		if t.page == pageCrossTemporal {
			draw = func() string { return t.crossTemporalView(r, w, h-1) }
		}
		body = t.waitOr(ok, t.decode.failed(k), t.decode.running(), w, h-1, draw)
	}
	return head + "\n" + body
}

// waitOr draws the page once its result is there, else its progress or
// error.
func (t *analysisTab) waitOr(have bool, err error, wk *bgWork, w, h int, draw func() string) string {
	switch {
	case have:
		return draw()
	case err != nil:
		return errorBlock(t.sh, "Cannot compute this view", err, "e picks another event", w, h)
	case wk != nil:
		return centred(t.sh, w, h, workLine(t.sh, wk))
	}
	return centred(t.sh, w, h, "computing…")
}

// alignedView draws the condition means in PC1-PC2, one colour per
// condition, the event marked on each, and the other events' mean times.
func (t *analysisTab) alignedView(r *study.AlignReport, w, h int) string {
	st, g := t.sh.st, t.sh.g
	o := r.Options
	title := st.Header.Render("Aligned to "+o.Event) + st.Muted.Render(fmt.Sprintf(" · %d … %+d · %d occurrences, %d trials without · e: event",
		-o.Window.Pre, o.Window.Post, r.Samples, r.Without))
	lines := []string{truncStyled(title, w)}
	var marks []string
	for _, m := range r.Marks {
		marks = append(marks, fmt.Sprintf("%s %+.0f", m.Name, m.Mean))
	}
	sub := "mean latents by condition on PC1, PC2; " + markGlyph(g, "stable") + " the event"
	if len(marks) > 0 {
		sub += " · others at " + strings.Join(marks, ", ")
	}
	lines = append(lines, st.Muted.Render(truncate(sub, w, g.ellipsis)))
	legendH := 1 + (len(r.Conditions)*10)/max(w, 1)
	ch := h - len(lines) - legendH
	if ch < 3 || w < 10 || len(r.Conditions) == 0 {
		return fitBlock(strings.Join(lines, "\n"), w, h)
	}
	var xs, ys []float64
	for _, c := range r.Conditions {
		for _, p := range c.PC {
			if len(p) >= 2 {
				xs, ys = append(xs, p[0]), append(ys, p[1])
			}
		}
	}
	xlo, xhi := rangeOf(0.05, xs)
	ylo, yhi := rangeOf(0.05, ys)
	sf := chart.NewSurface(w, ch, g.ascii)
	fr := chart.NewFrame(sf, 0, 0, w, ch, xlo, xhi, ylo, yhi).Equal()
	zero := -1
	for j, s := range r.Steps {
		if s == 0 {
			zero = j
		}
	}
	var legend []string
	for i, c := range r.Conditions {
		col := st.ChannelColor(i, len(r.Conditions))
		px, py := make([]float64, len(c.PC)), make([]float64, len(c.PC))
		for j, p := range c.PC {
			px[j], py[j] = math.NaN(), math.NaN()
			if len(p) >= 2 {
				px[j], py[j] = p[0], p[1]
			}
		}
		fr.Path(px, py, chart.Stroke{Style: chart.FG(col)})
		legend = append(legend, lipgloss.NewStyle().Foreground(col).Render(g.barFull+" "+c.Label))
	}
	for i, c := range r.Conditions {
		if zero >= 0 && len(c.PC[zero]) >= 2 {
			fr.Mark(c.PC[zero][0], c.PC[zero][1], markGlyph(g, "stable"), chart.FG(st.ChannelColor(i, len(r.Conditions))))
		}
	}
	lines = append(lines, sf.Lines()...)
	lines = append(lines, wrapStyled(legend, w)...)
	return fitBlock(strings.Join(lines, "\n"), w, h)
}

// wrapStyled joins styled items into lines of at most w cells.
func wrapStyled(items []string, w int) []string {
	var lines []string
	cur, cw := "", 0
	for _, it := range items {
		iw := lipgloss.Width(it)
		if cw > 0 && cw+2+iw > w {
			lines = append(lines, cur)
			cur, cw = "", 0
		}
		if cw > 0 {
			cur += "  "
			cw += 2
		}
		cur += it
		cw += iw
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}

// decodingView draws each variable group's validation R² over aligned time
// (one colour each), the mean shuffled chance level dashed, the event and
// R² = 0 dotted.
func (t *analysisTab) decodingView(r *study.DecodeReport, w, h int) string {
	st, g := t.sh.st, t.sh.g
	o := r.Options
	title := st.Header.Render("Decoding around "+o.Event) + st.Muted.Render(fmt.Sprintf(" · ridge per step, %d train / %d val · e: event",
		r.TrainSamples, r.ValSamples))
	lines := []string{truncStyled(title, w)}
	var legend []string
	// R² from −0.25 (chance sits near 0; worse is clamped to the bottom) to 1.
	lo, hi := -0.25, 1.0
	lines = append(lines, st.Muted.Render(truncate(fmt.Sprintf("validation R² (%.2f … 1) over %d … %+d; dashed: shuffled chance", lo, -o.Window.Pre, o.Window.Post), w, g.ellipsis)))
	legendH := 1 + (len(r.Variables)*28)/max(w, 1)
	ch := h - len(lines) - legendH - 1
	if ch < 3 || w < 12 {
		return fitBlock(strings.Join(lines, "\n"), w, h)
	}
	T := len(r.Steps)
	xs := make([]float64, T)
	for j, st := range r.Steps {
		xs[j] = float64(st)
	}
	chance := make([]float64, T)
	for j := range chance {
		var vals []float64
		for _, v := range r.Variables {
			vals = append(vals, v.ShuffleR2[j])
		}
		chance[j] = meanFinite(vals)
	}
	series := []chart.Series{{Name: "chance", X: xs, Y: clampSeries(chance, lo, hi), Style: chart.FG(st.theme.Muted), Dash: 2}}
	for i, v := range r.Variables {
		col := st.ChannelColor(i, len(r.Variables))
		series = append(series, chart.Series{Name: v.Group, X: xs, Y: clampSeries(v.R2, lo, hi), Style: chart.FG(col)})
		onset := "never"
		if v.Onset != nil {
			onset = fmt.Sprintf("%+d", *v.Onset)
		}
		legend = append(legend, lipgloss.NewStyle().Foreground(col).Render(fmt.Sprintf("%s %s (peak %.2f, ≥%.1f from %s)", g.barFull, v.Group, v.Peak, study.DecodableR2, onset)))
	}
	// A line chart through package chart, with the tab's chart keys (zoom,
	// pan, cursor with the R² of every variable, smoothing).
	c := &t.decChart
	c.SetData(t.decodeKey(), series)
	c.Nav = &t.decNav
	t.decNav.MinSpan = 4
	c.YFixed, c.YLo, c.YHi = true, lo, hi
	c.YAxis, c.XAxis, c.XLabel, c.XStep = true, true, "0 = "+o.Event, 1
	c.YFmt = func(v float64) string { return fmt.Sprintf("%.2f", v) }
	c.XFmt = func(v float64) string { return fmt.Sprintf("%+.0f", v) }
	c.Marks = []chart.VMark{{X: 0, Style: chart.FG(st.theme.Faint)}}
	c.HMarks = []chart.HMark{{Y: 0, Style: chart.FG(st.theme.Faint)}}
	c.ASCII = g.ascii
	c.AxisStyle, c.CursorStyle = chart.FG(st.theme.Faint), chart.FG(st.theme.Accent)
	lines = append(lines, c.Lines(w, ch+1)...)
	if t.decNav.CursorOn {
		ro := st.Accent.Render(fmt.Sprintf("%+.0f", t.decNav.Cursor))
		for _, rd := range c.Readings(t.decNav.Cursor) {
			ro += "  " + rd.Style.Render(rd.Name) + " " + st.Text.Render(fmt.Sprintf("%.3f", rd.Value))
		}
		legend = []string{ro}
	}
	lines = append(lines, wrapStyled(legend, w)...)
	return fitBlock(strings.Join(lines, "\n"), w, h)
}

func clampSeries(v []float64, lo, hi float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = x
		if finite(x) {
			out[i] = math.Max(lo, math.Min(hi, x))
		}
	}
	return out
}

func meanFinite(v []float64) float64 {
	s, n := 0.0, 0
	for _, x := range v {
		if finite(x) {
			s += x
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return s / float64(n)
}

// crossTemporalView draws one variable group's cross-temporal matrix (g
// picks the group) with ntcharts' heatmap: x the scored step, y the step
// the decoder was fitted at, colour R² from 0 (or below) to 1. Non-finite
// cells (steps without samples) are left blank: the heatmap is never given
// one.
func (t *analysisTab) crossTemporalView(r *study.DecodeReport, w, h int) string {
	st, g := t.sh.st, t.sh.g
	if len(r.Variables) == 0 {
		return centred(t.sh, w, h, "no variables")
	}
	gi := (t.group%len(r.Variables) + len(r.Variables)) % len(r.Variables)
	v := r.Variables[gi]
	title := st.Header.Render("Cross-temporal R² · "+v.Group) + st.Muted.Render(fmt.Sprintf(" · g: variable (%d/%d) · e: event", gi+1, len(r.Variables)))
	lines := []string{truncStyled(title, w)}
	lines = append(lines, st.Muted.Render(truncate(fmt.Sprintf("fitted at (up) × scored at (right), aligned to %s, every %d steps; diagonal = the R² curve", r.Options.Event, r.Options.CTStride), w, g.ellipsis)))
	ch := h - len(lines) - 2
	if ch < 4 || w < 16 || len(v.CrossTemporal) == 0 {
		return fitBlock(strings.Join(lines, "\n"), w, h)
	}
	n := len(v.CrossTemporal)
	steps := r.CTSteps
	// The heatmap through package chart (ntcharts' colour mapping; shade
	// glyphs for a terminal without colour), fitted-at steps upwards, the
	// step labels of both axes around it.
	const labW = 5
	side := min(ch-1, (w-labW-1)/2) // two cells per column keep the cells square
	gw, gh := 2*side, side
	sf := chart.NewSurface(labW+1+gw, gh+1, g.ascii)
	chart.Heatmap(sf, labW+1, 0, gw, gh, chart.Matrix{Rows: n, Cols: n, At: func(i, j int) float64 {
		return v.CrossTemporal[n-1-i][j]
	}}, 0, 1, decodeHeatScale(t.sh))
	x0, x1 := float64(steps[0]), float64(steps[n-1]+r.Options.CTStride)
	faint := chart.FG(st.theme.Faint)
	for _, row := range []int{0, gh / 2, gh - 1} {
		val := x1 - (float64(row)+0.5)*(x1-x0)/float64(gh)
		sf.Text(0, row, padLeft(fmt.Sprintf("%+.0f", val), labW), faint)
		tick := "┤"
		if g.ascii {
			tick = "+"
		}
		sf.Text(labW, row, tick, faint)
	}
	sf.Text(labW+1, gh, chart.XAxisRow(gw, x0, x1, "", func(v float64) string { return fmt.Sprintf("%+.0f", v) }), faint)
	lines = append(lines, sf.Lines()...)
	lines = append(lines, st.Faint.Render(truncate("aligned steps on both axes · colour: R² ≤ 0 (dark) … 1 (bright)", w, g.ellipsis)))
	return fitBlock(strings.Join(lines, "\n"), w, h)
}

// decodeHeatScale is the cross-temporal heatmap's colour scale: dark to the accent colour.
func decodeHeatScale(sh *shared) []lipgloss.Color {
	// 256-colour greys then yellows: readable on dark and light themes.
	codes := []string{"232", "234", "236", "238", "240", "242", "244", "246", "248", "250", "186", "187", "222", "221", "220", "226"}
	out := make([]lipgloss.Color, len(codes))
	for i, c := range codes {
		out[i] = lipgloss.Color(c)
	}
	return out
}
