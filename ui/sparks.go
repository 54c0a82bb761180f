package ui

import (
	tea "github.com/charmbracelet/bubbletea"

	"github.com/ctdtui/ctdtui/run"
	"github.com/ctdtui/ctdtui/ui/chart"
)

// The runs list's sparklines: each run's validation loss over its epochs
// (log scale), drawn by ntcharts' sparkline through package chart. The
// histories are read off the UI goroutine after a scan, only for runs whose
// epoch changed since they were last read, and kept as a few points each.

// sparkW is the sparkline's width in cells; sparkPoints the points kept.
const (
	sparkW      = 12
	sparkPoints = 4 * sparkW
	sparkRuns   = 200 // at most this many runs are read per scan
)

// spark is a run's sparkline data, read at epoch.
type spark struct {
	epoch int
	vals  []float64
}

// sparksMsg carries the histories read after a scan.
type sparksMsg map[string]spark

// sparksCmd reads the histories of the listed runs that changed.
func (t *trainTab) sparksCmd() tea.Cmd {
	if t.sparks == nil {
		t.sparks = map[string]spark{}
	}
	want := map[string]int{}
	for _, e := range t.runs {
		if len(want) >= sparkRuns {
			break
		}
		if s, ok := t.sparks[e.dir]; (!ok || s.epoch != e.state.Epoch) && e.err == nil {
			want[e.dir] = e.state.Epoch
		}
	}
	if len(want) == 0 {
		return nil
	}
	for dir, ep := range want {
		t.sparks[dir] = spark{epoch: ep} // not asked again while it is read
	}
	return func() tea.Msg {
		out := sparksMsg{}
		for dir, ep := range want {
			h, err := run.ReadHistory(dir)
			if err != nil {
				continue
			}
			out[dir] = spark{epoch: ep, vals: sparkValues(h)}
		}
		return out
	}
}

// sparkValues keeps the validation losses at sparkPoints evenly spaced
// epochs (their mean over each stretch).
func sparkValues(h []run.EpochStats) []float64 {
	n := min(len(h), sparkPoints)
	out := make([]float64, 0, n)
	for i := 0; i < n; i++ {
		a, b := i*len(h)/n, (i+1)*len(h)/n
		sum, k := 0.0, 0
		for _, s := range h[a:b] {
			if finite(s.ValLoss) && s.ValLoss > 0 {
				sum += s.ValLoss
				k++
			}
		}
		if k > 0 {
			out = append(out, sum/float64(k))
		}
	}
	return out
}

// sparkline is dir's sparkline, blank when it has none yet.
func (t *trainTab) sparkline(dir string) string {
	s := t.sparks[dir]
	return chart.Sparkline(s.vals, sparkW, true, chart.FG(t.sh.st.theme.Val), t.sh.g.ascii)
}
