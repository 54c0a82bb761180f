package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/ctdtui/ctdtui/study"
	"github.com/ctdtui/ctdtui/ui/chart"
)

// matrixView is the Compare tab's N×N mode: a set of runs (ticked in a list
// or a whole folder), every metric of study.CompareMatrix over all pairs,
// one metric at a time as a heatmap with its colour scale and the values in
// the cells, a cursor over the cells whose pair the side panel describes,
// and enter to open that pair in the two-run view. The matrix is computed
// in the background (all metrics at once, so switching metric is instant)
// and cached by study per set and settings.
type matrixView struct {
	sh   *shared
	keys matrixKeys

	dirs   []string
	picker *setPicker
	res    bg[*study.MatrixReport]

	metric   int // index into the report's matrices
	row, col int // the cursor cell
	// opts are the matrix's settings beyond the phase (zero: study's
	// defaults, the reference's); tests make DSA smaller to stay fast.
	opts study.MatrixOptions
}

type matrixKeys struct {
	Set, Metric, Move, Open, Phase, Run, Stop key.Binding
}

func newMatrixKeys(g glyphs) matrixKeys {
	arrows := g.left + g.right + g.up + g.down
	if g.ascii {
		arrows = "arrows"
	}
	return matrixKeys{
		Set:    key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "choose the runs")),
		Metric: key.NewBinding(key.WithKeys("t", "T"), key.WithHelp("t T", "next/previous metric")),
		Move:   key.NewBinding(key.WithKeys("up", "down", "left", "right", "k", "j", "h", "l", "home", "end"), key.WithHelp(arrows, "cell")),
		Open:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open the pair")),
		Phase:  key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "train/val")),
		Run:    key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "compute again")),
		Stop:   key.NewBinding(key.WithKeys("x", "esc"), key.WithHelp("x", "stop")),
	}
}

func newMatrixView(sh *shared) *matrixView {
	return &matrixView{sh: sh, keys: newMatrixKeys(sh.g)}
}

func (m *matrixView) options(phase string) study.MatrixOptions {
	o := m.opts
	o.Phase = phase
	o.Metrics = []string{"all"}
	return o
}

// want identifies the matrix to show ("" until every run is loaded).
func (m *matrixView) want(phase string) string {
	if len(m.dirs) < 2 {
		return ""
	}
	var sb strings.Builder
	for _, d := range m.dirs {
		e := m.sh.store.entries[d]
		if e == nil || e.sess == nil {
			return ""
		}
		fmt.Fprintf(&sb, "%s|%d|", d, e.epoch)
	}
	o, _ := json.Marshal(m.options(phase))
	sb.Write(o)
	return sb.String()
}

// sessions are the loaded runs of the set, in order.
func (m *matrixView) sessions() []*session {
	ses := make([]*session, len(m.dirs))
	for i, d := range m.dirs {
		ses[i] = m.sh.store.get(d)
	}
	return ses
}

// ensure loads the runs and starts the matrix when it is not computed (or
// takes it from study's cache).
func (m *matrixView) ensure(phase string) tea.Cmd {
	var cmds []tea.Cmd
	for _, d := range m.dirs {
		_, cmd := m.sh.store.open(d, -1)
		cmds = append(cmds, cmd)
	}
	k := m.want(phase)
	if k == "" || m.res.settled(k) {
		return tea.Batch(cmds...)
	}
	ses, o := m.sessions(), m.options(phase)
	if r, ok := study.CachedMatrix(ses, o); ok {
		m.res.set(k, r)
		return tea.Batch(cmds...)
	}
	return tea.Batch(append(cmds, m.res.start(k, "comparing the runs", func(ctx context.Context, report func(float64, string)) (*study.MatrixReport, error) {
		return study.CompareMatrix(ctx, ses, o, func(p study.Progress) {
			report(progressFrac(p), progressText(p))
		})
	}))...)
}

func (m *matrixView) shown(phase string) *study.MatrixReport {
	r, _ := m.res.get(m.want(phase))
	return r
}

// current is the shown matrix.
func (m *matrixView) current(r *study.MatrixReport) *study.Matrix {
	if len(r.Matrices) == 0 {
		return nil
	}
	m.metric = (m.metric%len(r.Matrices) + len(r.Matrices)) % len(r.Matrices)
	return &r.Matrices[m.metric]
}

// matrixOpenMsg asks the Compare tab to show the pair in its two-run view.
type matrixOpenMsg struct{ a, b string }

// key handles a key in matrix mode; phase is the tab's.
func (m *matrixView) key(km tea.KeyMsg, phase string) tea.Cmd {
	k := m.keys
	if m.picker != nil {
		res := m.picker.key(km)
		switch {
		case res.closed:
			m.picker = nil
		case res.picked != nil:
			m.picker = nil
			m.dirs = res.picked
			m.row, m.col = 0, min(1, len(m.dirs)-1)
			return m.ensure(phase)
		}
		return nil
	}
	switch {
	case key.Matches(km, k.Set):
		m.pick()
	case key.Matches(km, k.Stop) && m.res.running() != nil:
		m.res.cancel()
		m.res.fail(m.want(phase), errCompareCancelled)
		m.sh.info("comparison cancelled")
	case key.Matches(km, k.Run):
		if m.want(phase) == "" {
			m.pick()
			return nil
		}
		m.res.forget()
		return m.ensure(phase)
	case key.Matches(km, k.Metric):
		if km.String() == "T" {
			m.metric--
		} else {
			m.metric++
		}
	case key.Matches(km, k.Move):
		n := len(m.dirs)
		switch km.String() {
		case "up", "k":
			m.row--
		case "down", "j":
			m.row++
		case "left", "h":
			m.col--
		case "right", "l":
			m.col++
		case "home":
			m.row, m.col = 0, 0
		case "end":
			m.row, m.col = n-1, n-1
		}
		m.row, m.col = max(0, min(m.row, n-1)), max(0, min(m.col, n-1))
	case key.Matches(km, k.Open):
		if r := m.shown(phase); r != nil && m.row != m.col {
			a, b := m.dirs[m.row], m.dirs[m.col]
			return func() tea.Msg { return matrixOpenMsg{a: a, b: b} }
		}
		if m.row == m.col {
			m.sh.info("the diagonal compares a run with itself: move to another cell")
		}
	}
	return nil
}

func (m *matrixView) pick() {
	m.picker = newSetPicker(m.sh, "Choose the runs to compare (the matrix)", m.dirs)
}

// update takes the matrix's work messages; it reports whether msg was one.
func (m *matrixView) update(msg workMsg, phase string) (bool, tea.Cmd) {
	switch out, cmd := m.res.take(msg, m.want(phase)); out {
	case workNotMine:
		return false, nil
	case workPending:
		return true, cmd
	case workStale:
		return true, m.ensure(phase)
	case workArrived:
		m.sh.good(fmt.Sprintf("compared %d runs", len(m.dirs)))
	}
	return true, nil
}

// loadingMsg says which run is still loading or failed to.
func (m *matrixView) loadingMsg() string {
	for _, d := range m.dirs {
		e := m.sh.store.entries[d]
		switch {
		case e == nil || e.work != nil:
			return "Loading " + filepath.Base(d) + "…"
		case e.err != nil:
			return filepath.Base(d) + ": " + firstLine(e.err)
		}
	}
	return ""
}

// ---- view ----

func (m *matrixView) View(w, h int, phase string) string {
	st := m.sh.st
	if m.picker != nil {
		return m.picker.View(w, h)
	}
	head := truncStyled(st.Header.Render("Matrix")+st.Muted.Render(fmt.Sprintf(" · %d runs · %s trials · m: two-run view", len(m.dirs), phase)), w)
	body := h - 1
	r := m.shown(phase)
	if r == nil {
		var msg string
		k := m.want(phase)
		switch {
		case len(m.dirs) < 2:
			msg = "e chooses the runs to compare: tick them (space) or take the whole folder (a)."
		case m.loadingMsg() != "":
			msg = m.loadingMsg()
		case errors.Is(m.res.failed(k), errCompareCancelled) || errors.Is(m.res.failed(k), context.Canceled):
			return fitBlock(head+"\n"+strings.Join(errorLines(m.sh, "Comparison cancelled", errCompareCancelled, "e chooses other runs", w), "\n"), w, h)
		case m.res.failed(k) != nil:
			return fitBlock(head+"\n"+strings.Join(errorLines(m.sh, "Cannot compare these runs", m.res.failed(k), "e chooses other runs", w), "\n"), w, h)
		case m.res.running() != nil:
			wk := m.res.running()
			lines := []string{st.Text.Render(fmt.Sprintf("Comparing %d runs: one DMD per run, every pair's DSA and the trial-matched metrics…", len(m.dirs))), "",
				workBar(m.sh, wk, w, 60), st.Muted.Render(truncate(wk.last.text, w, m.sh.g.ellipsis)), "", st.Faint.Render("x stops")}
			top := max(0, (body-len(lines))/2)
			return fitBlock(head+"\n"+strings.Repeat("\n", top)+strings.Join(lines, "\n"), w, h)
		default:
			msg = "c computes the matrix"
		}
		return fitBlock(head+"\n"+centred(m.sh, w, body, msg), w, h)
	}
	mx := m.current(r)
	if mx == nil {
		return fitBlock(head, w, h)
	}
	sideW := min(44, max(28, w/3))
	mainW := w - sideW - 3
	sep := " " + st.Faint.Render(m.sh.g.vrule) + " "
	return fitBlock(head+"\n"+joinColumns(body, sep, column{m.heatView(r, mx, mainW, body), mainW}, column{m.sideView(r, mx, sideW, body), sideW}), w, h)
}

// heatScale is the colour scale of the heatmap, dark to bright (viridis in
// the 256-colour palette); similar pairs are bright whichever way the
// metric runs.
var heatScale = []lipgloss.Color{"53", "54", "61", "24", "30", "36", "71", "148", "220"}

// heatText is the text colour on each step of heatScale.
func heatText(i int) lipgloss.Color {
	if i < 5 {
		return "231"
	}
	return "16"
}

// lowerIsCloser reports whether smaller values mean more similar runs.
func lowerIsCloser(metric string) bool {
	return strings.HasPrefix(metric, "dsa") || metric == "procrustes"
}

// valueRange is the colour scale's span: the off-diagonal values, padded
// when they are all equal (never empty, never non-finite).
func valueRange(mx *study.Matrix) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for i, row := range mx.Values {
		for j, v := range row {
			if i != j && v != nil && finite(*v) {
				lo, hi = math.Min(lo, *v), math.Max(hi, *v)
			}
		}
	}
	if lo > hi {
		lo, hi = 0, 1
	}
	if hi-lo < 1e-12 {
		lo, hi = lo-0.5, hi+0.5
	}
	return lo, hi
}

// scaleIndex maps v to a step of heatScale (bright = similar).
func scaleIndex(v, lo, hi float64, lowerCloser bool) int {
	s := (v - lo) / (hi - lo)
	if lowerCloser {
		s = 1 - s
	}
	return max(0, min(len(heatScale)-1, int(s*float64(len(heatScale)))))
}

// heatView draws the matrix: row labels, column numbers, one block of
// cw×ch characters per cell coloured by its value with the value in it
// (blank cells "—"), the cursor cell reversed, and the colour scale.
func (m *matrixView) heatView(r *study.MatrixReport, mx *study.Matrix, w, h int) string {
	st, g := m.sh.st, m.sh.g
	n := len(mx.Values)
	labelW := 3
	for _, ru := range r.Runs {
		labelW = max(labelW, min(18, ansi.StringWidth(ru.Label)+4))
	}
	labelW = min(labelW, max(6, w/3))
	cw := max(3, min(8, (w-labelW)/max(n, 1)))
	lines := []string{truncStyled(st.Header.Render(mx.Name)+st.Muted.Render(" · "+mx.Meaning), w)}
	// Visible window of rows and columns around the cursor.
	visCols := max(1, min(n, (w-labelW)/cw))
	ch := 1
	if (h-5)/max(n, 1) >= 2 && cw >= 6 {
		ch = 2
	}
	visRows := max(1, min(n, (h-5)/ch))
	c0 := max(0, min(m.col-visCols/2, n-visCols))
	r0 := max(0, min(m.row-visRows/2, n-visRows))
	header := strings.Repeat(" ", labelW)
	for j := c0; j < c0+visCols; j++ {
		s := st.Muted
		if j == m.col {
			s = st.Cursor
		}
		header += s.Render(padLeft(fmt.Sprint(j+1), cw-1) + " ")
	}
	lines = append(lines, truncStyled(header, w))
	lo, hi := valueRange(mx)
	lowerCloser := lowerIsCloser(mx.Name)
	gw, gh := visCols*cw, visRows*ch
	// The blocks through package chart (ntcharts' heatmap colours them),
	// each with its value, the cursor's reversed.
	sf := chart.NewSurface(gw, gh, g.ascii)
	chart.HeatBlocks(sf, 0, 0, visRows, visCols, cw, ch, 0, 1, heatScale, func(a, b int) chart.Block {
		i, j := r0+a, c0+b
		bl := chart.Block{Value: math.NaN(), Text: "—", TextFG: st.theme.Faint, Cursor: i == m.row && j == m.col}
		if v := mx.Values[i][j]; v != nil && finite(*v) {
			k := scaleIndex(*v, lo, hi, lowerCloser)
			bl.Value = (float64(k) + 0.5) / float64(len(heatScale))
			bl.Text, bl.TextFG = cellText(*v, cw-1), heatText(k)
		}
		return bl
	})
	grid := sf.Lines()
	for k := 0; k < gh && k < len(grid); k++ {
		i := r0 + k/ch
		label := ""
		if k%ch == (ch-1)/2 {
			label = fmt.Sprintf("%d %s", i+1, r.Runs[i].Label)
		}
		s := st.Muted
		if i == m.row {
			s = st.Cursor
		}
		lines = append(lines, s.Render(padRight(truncate(label, labelW-1, g.ellipsis), labelW))+grid[k])
	}
	lines = append(lines, "", m.legend(mx, lo, hi, lowerCloser, w))
	return fitBlock(strings.Join(lines, "\n"), w, h)
}

// cellText formats a value to fit w characters.
func cellText(v float64, w int) string {
	for _, f := range []string{"%.3f", "%.2f", "%.1f", "%.0f"} {
		if s := fmt.Sprintf(f, v); len(s) <= w {
			return s
		}
	}
	return ""
}

// legend is the colour scale with the values at its ends.
func (m *matrixView) legend(mx *study.Matrix, lo, hi float64, lowerCloser bool, w int) string {
	st := m.sh.st
	bar := ""
	for i := range heatScale {
		bar += lipgloss.NewStyle().Background(heatScale[i]).Render("  ")
	}
	left, right := lo, hi
	if lowerCloser {
		left, right = hi, lo
	}
	return truncStyled(st.Muted.Render(fmt.Sprintf("%s ", num3(left)))+bar+st.Muted.Render(fmt.Sprintf(" %s  (bright = more similar)", num3(right))), w)
}

func num3(v float64) string {
	if !finite(v) {
		return "–"
	}
	return fmt.Sprintf("%.3f", v)
}

// sideView describes the pair under the cursor: both runs, the value or why
// there is none, every metric of the pair, and how to open it.
func (m *matrixView) sideView(r *study.MatrixReport, mx *study.Matrix, w, h int) string {
	st, g := m.sh.st, m.sh.g
	i, j := m.row, m.col
	ri, rj := r.Runs[i], r.Runs[j]
	runLine := func(n int, ru study.MatrixRun) string {
		return fmt.Sprintf("%d %s · %s %d · %s", n+1, ru.Label, ru.Run.Model, ru.Run.State, ru.Run.Task)
	}
	lines := []string{st.Header.Render("Row → column"),
		st.Train.Render(truncate(runLine(i, ri), w, g.ellipsis)),
		st.Val.Render(truncate(runLine(j, rj), w, g.ellipsis)), ""}
	if ri.TrialGroup == rj.TrialGroup {
		lines = append(lines, st.Muted.Render("same trials"))
	} else {
		lines = append(lines, st.Muted.Render("different trials: DSA only"))
	}
	lines = append(lines, "")
	for k := range r.Matrices {
		x := &r.Matrices[k]
		label := padRight(truncate(x.Name, 16, g.ellipsis), 16)
		s := st.Text
		if k == m.metric {
			s = st.Bold
		}
		if v := x.Values[i][j]; v != nil {
			lines = append(lines, st.Muted.Render(label)+s.Render(num3(*v)))
		} else {
			lines = append(lines, st.Muted.Render(label)+st.Faint.Render("—"))
		}
	}
	if why := mx.Reasons[i][j]; why != "" && mx.Values[i][j] == nil {
		lines = append(lines, "")
		for k, l := range wrap(why, w) {
			if k == 4 {
				break
			}
			lines = append(lines, st.Muted.Render(l))
		}
	}
	lines = append(lines, "")
	if ri.DSANote != "" || rj.DSANote != "" {
		for _, note := range []string{ri.DSANote, rj.DSANote} {
			if note != "" {
				lines = append(lines, st.Warn.Render(truncate(note, w, g.ellipsis)))
			}
		}
	} else {
		lines = append(lines, st.Faint.Render(truncate(fmt.Sprintf("DSA: %d delays, rank %d; %d and %d trials", r.Options.DSADelays, r.DSARank, ri.DSATrials, rj.DSATrials), w, g.ellipsis)))
	}
	if i != j {
		lines = append(lines, st.Faint.Render("enter opens this pair"))
	}
	return fitBlock(strings.Join(lines, "\n"), w, h)
}

func (m *matrixView) help(phase string) []key.Binding {
	k := m.keys
	switch {
	case m.picker != nil:
		return m.picker.help()
	case m.res.running() != nil:
		return []key.Binding{k.Stop, k.Set}
	case m.shown(phase) == nil:
		return []key.Binding{k.Set, k.Run, k.Phase}
	}
	return []key.Binding{k.Move, k.Open, k.Metric, k.Set, k.Phase}
}
