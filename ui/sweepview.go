package ui

import (
	"fmt"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/ctdtui/ctdtui/run"
)

// The Train tab's view of runs trained elsewhere (a sweep on this machine, a
// Slurm array, another ctdtui): the runs list groups a sweep's runs under
// one header, rescans while any run trains elsewhere, and re-reads the
// shown run's history as it grows; and the loss-curve overlay, several
// runs' validation losses on one chart, each in its own colour.

// tailInterval is how often the runs list and the followed histories are
// read again while some run trains elsewhere: the scan reads state.json
// files, the tail one history.csv per followed run.
const tailInterval = 2 * time.Second

// maxOverlay is the most runs the overlay shows (more is unreadable).
const maxOverlay = 8

// overlayRun is one run of the overlay.
type overlayRun struct {
	// name is the list's name (sweep/run), short the run's own.
	dir, name, short string
	hist             []run.EpochStats
	curriculumEnd    int // the run's task's (run.BestEpoch)
}

// tailTickMsg asks the Train tab to read the runs again.
type tailTickMsg struct{}

// historyMsg carries a run re-read for the overlay or the shown run.
type historyMsg struct {
	dir string
	r   *run.Run
	err error
	// curriculumEnd is r's task's, computed with the read (off the UI's
	// goroutine: it builds the task).
	curriculumEnd int
}

func readHistoryCmd(dir string) tea.Cmd {
	return func() tea.Msg {
		r, err := run.Read(dir)
		m := historyMsg{dir: dir, r: r, err: err}
		if r != nil {
			m.curriculumEnd = r.CurriculumEnd()
		}
		return m
	}
}

// elsewhere reports whether an entry is being trained by someone other
// than this tab.
func (t *trainTab) elsewhere(e runEntry) bool {
	return e.shownStatus() == run.StatusTraining && (t.job == nil || t.job.dir != e.dir)
}

// afterScan arms the tail tick while some listed run trains elsewhere.
func (t *trainTab) afterScan() tea.Cmd {
	if t.tailing {
		return nil
	}
	for _, e := range t.runs {
		if t.elsewhere(e) {
			t.tailing = true
			return tea.Tick(tailInterval, func(time.Time) tea.Msg { return tailTickMsg{} })
		}
	}
	return nil
}

// onTailTick rescans the runs and re-reads the histories being followed:
// the shown run and the overlay's runs, when they train elsewhere.
func (t *trainTab) onTailTick() tea.Cmd {
	t.tailing = false
	cmds := []tea.Cmd{scanRunsCmd(t.sh.runsDir)}
	training := map[string]bool{}
	for _, e := range t.runs {
		training[e.dir] = t.elsewhere(e)
	}
	if v := t.cur; v != nil && t.job == nil && training[v.dir] {
		cmds = append(cmds, readHistoryCmd(v.dir))
	}
	for _, o := range t.overlay {
		if training[o.dir] && (t.cur == nil || o.dir != t.cur.dir || t.job != nil) {
			cmds = append(cmds, readHistoryCmd(o.dir))
		}
	}
	return tea.Batch(cmds...)
}

// onHistory takes a re-read run: the overlay's copy, and the shown run's
// chart when it is not training here.
func (t *trainTab) onHistory(m historyMsg) tea.Cmd {
	if m.err != nil {
		for _, o := range t.overlay {
			if o.dir == m.dir {
				t.sh.fail(m.err)
			}
		}
		return nil
	}
	for _, o := range t.overlay {
		if o.dir == m.dir {
			o.hist, o.curriculumEnd = m.r.History, m.curriculumEnd
			t.refreshOverlay()
		}
	}
	if v := t.cur; v != nil && v.dir == m.dir && t.job == nil && len(m.r.History) != len(v.history) {
		t.show(m.r)
	}
	return nil
}

// toggleOverlay adds the selected run to the overlay, or takes it out.
func (t *trainTab) toggleOverlay() tea.Cmd {
	e, ok := t.selected()
	if !ok {
		return nil
	}
	for i, o := range t.overlay {
		if o.dir == e.dir {
			t.overlay = append(t.overlay[:i], t.overlay[i+1:]...)
			t.refreshOverlay()
			t.sh.info(fmt.Sprintf("%s left the overlay (%d runs)", e.name, len(t.overlay)))
			return nil
		}
	}
	if len(t.overlay) >= maxOverlay {
		t.sh.warn(fmt.Sprintf("the overlay holds %d runs: m on one of them takes it out, M clears it", maxOverlay))
		return nil
	}
	t.overlay = append(t.overlay, &overlayRun{dir: e.dir, name: e.name, short: e.run})
	t.sh.info(fmt.Sprintf("%s joined the overlay (%d runs; M clears it)", e.name, len(t.overlay)))
	return readHistoryCmd(e.dir)
}

func (t *trainTab) clearOverlay() {
	if len(t.overlay) > 0 {
		t.overlay = nil
		t.refreshOverlay()
		t.sh.info("overlay cleared")
	}
}

// overlayColor is the run's colour in the overlay: the chart's palette
// keeps it while the run is in the overlay, whatever joins or leaves.
func (t *trainTab) overlayColor(o *overlayRun) lipgloss.Color {
	return t.chart.runColor(o.dir)
}

// refreshOverlay gives the chart the overlay's validation curves.
func (t *trainTab) refreshOverlay() {
	var dirs []string
	for _, o := range t.overlay {
		dirs = append(dirs, o.dir)
	}
	t.chart.keepRuns(dirs)
	if len(t.overlay) == 0 {
		t.chart.SetOverlay(nil)
		return
	}
	var series []chartSeries
	for _, o := range t.overlay {
		name := o.short
		if name == "" {
			name = o.name
		}
		s := chartSeries{name: name, col: t.overlayColor(o)}
		for _, h := range o.hist {
			s.pts = append(s.pts, point{float64(h.Epoch), h.ValLoss})
		}
		series = append(series, s)
	}
	t.chart.SetOverlay(series)
}

// overlayLegend names the overlay's runs in their colours, each with its
// best validation loss, as many as fit in w.
func (t *trainTab) overlayLegend(w int) string {
	st, g := t.sh.st, t.sh.g
	mark := g.barFull + g.barFull
	parts := []string{st.Muted.Render("val loss:")}
	// The runs' own names when they differ (runs of one sweep), else the
	// list's.
	short := map[string]bool{}
	for _, o := range t.overlay {
		short[o.short] = true
	}
	useShort := len(short) == len(t.overlay)
	for _, o := range t.overlay {
		name := o.name
		if useShort && o.short != "" {
			name = o.short
		}
		at, best := run.BestEpoch(o.hist, o.curriculumEnd)
		s := lipgloss.NewStyle().Foreground(t.overlayColor(o)).Render(mark) + " " + st.Text.Render(name)
		if at > 0 {
			s += st.Muted.Render(" " + fmtLoss(best))
		}
		parts = append(parts, s)
	}
	line := ""
	for i, p := range parts {
		next := line
		if i > 0 {
			next += "  "
		}
		next += p
		more := fmt.Sprintf(" +%d", len(parts)-i)
		if room := w - len(more); ansi.StringWidth(next) > w || (i < len(parts)-1 && ansi.StringWidth(next) > room) {
			return fitLine(line+st.Muted.Render(more), w)
		}
		line = next
	}
	return line
}

// inOverlay is the overlay entry of dir, or nil.
func (t *trainTab) inOverlay(dir string) *overlayRun {
	for _, o := range t.overlay {
		if o.dir == dir {
			return o
		}
	}
	return nil
}

// listRow is one line of the runs list: a run (entry ≥ 0) or a sweep's
// header (entry −1).
type listRow struct {
	entry  int
	header string
}

// listRows puts a header line before each sweep's runs.
func (t *trainTab) listRows() []listRow {
	var rows []listRow
	for i, e := range t.runs {
		if e.sweep != "" && (i == 0 || t.runs[i-1].sweep != e.sweep) {
			rows = append(rows, listRow{entry: -1, header: e.sweep})
		}
		rows = append(rows, listRow{entry: i})
	}
	return rows
}

// sweepHeader is a sweep's line in the runs list: its name and how far its
// runs are.
func (t *trainTab) sweepHeader(name string, w int) string {
	st := t.sh.st
	n, done, training, epochs, total := 0, 0, 0, 0, 0
	for _, e := range t.runs {
		if e.sweep != name {
			continue
		}
		n++
		switch e.shownStatus() {
		case run.StatusFinished, run.StatusDiverged:
			done++
		case run.StatusTraining:
			training++
		}
		epochs += e.state.Epoch
		total += e.state.Epochs
	}
	info := fmt.Sprintf(" sweep · %d/%d done", done, n)
	if training > 0 {
		info += fmt.Sprintf(" · %d training", training)
	}
	if total > 0 {
		info += fmt.Sprintf(" · %.0f%% of epochs", 100*float64(epochs)/float64(total))
	}
	return fitLine(st.Bold.Render(truncate(name, max(w/2, 8), t.sh.g.ellipsis))+st.Muted.Render(truncate(info, max(w-ansi.StringWidth(name)-1, 4), t.sh.g.ellipsis)), w)
}

// displayName is an entry's name in the grouped list (a sweep's runs under
// their header need no sweep prefix).
func displayName(e runEntry) string {
	if e.sweep != "" {
		return "  " + strings.TrimPrefix(e.name, e.sweep+"/")
	}
	return e.name
}
