package ui

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// View benchmarks: the busiest screen of each tab at 120×40 and 250×70,
// redrawn after the interaction that changes its charts (a new epoch, the
// time cursor, a rotation of the 3-D view, a slider), in 256 colours. Each
// reports, besides ns/op, the CPU time per frame (cpu-ns/op, the process's
// user and system time: steadier than wall time on a shared machine), the
// bytes of a whole frame (frame-B) and the bytes Bubble Tea's renderer
// writes for it, which skips the lines equal to the previous frame's
// (write-B). The same file ran on main before the charts
// moved to ntcharts (see the README's benchmark table); run it with
//
//	go test ./ui -run '^$' -bench BenchmarkView -benchtime 2s
var viewBenchSizes = [][2]int{{120, 40}, {250, 70}}

// benchFrames runs step then View b.N times and reports the frame sizes.
func benchFrames(b *testing.B, m *Model, step func(i int)) {
	b.Helper()
	old := lipgloss.ColorProfile()
	lipgloss.SetColorProfile(termenv.ANSI256)
	defer lipgloss.SetColorProfile(old)
	prev := strings.Split(m.View(), "\n")
	var frame, written, cpu int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c0 := cpuTime()
		step(i)
		v := m.View()
		cpu += cpuTime() - c0
		b.StopTimer()
		lines := strings.Split(v, "\n")
		frame += int64(len(v))
		for j, l := range lines {
			if j >= len(prev) || prev[j] != l {
				written += int64(len(l)) + 1
			}
		}
		prev = lines
		b.StartTimer()
	}
	b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(frame)/float64(b.N), "frame-B")
	b.ReportMetric(float64(written)/float64(b.N), "write-B")
}

func BenchmarkViewTask(b *testing.B) {
	for _, sz := range viewBenchSizes {
		b.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(b *testing.B) {
			m := newTestModel(b, "3bff-gru128", sz[0], sz[1])
			focus(b, m, "task.nbff.bits")
			keys := []tea.KeyMsg{keyOf('→'), keyOf('←')}
			benchFrames(b, m, func(i int) { m.Update(keys[i%2]) })
		})
	}
}

// The Train tab with 500 epochs: one new epoch per frame.
func BenchmarkViewTrain(b *testing.B) {
	for _, sz := range viewBenchSizes {
		b.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(b *testing.B) {
			m := newTestModel(b, "3bff-small", sz[0], sz[1])
			press(m, keyOf('2'))
			withTrainingHistory(b, m)
			for e := 31; e <= 500; e++ {
				m.train.chart.Add(e, 1/float64(e), 1.1/float64(e))
			}
			benchFrames(b, m, func(i int) { m.train.chart.Add(501+i, 0.001, 0.002) })
		})
	}
}

// A 100 000-epoch history: one new epoch per frame.
func BenchmarkViewTrainLong(b *testing.B) {
	m := newTestModel(b, "3bff-small", 250, 70)
	press(m, keyOf('2'))
	withTrainingHistory(b, m)
	for e := 31; e <= 100000; e++ {
		m.train.chart.Add(e, 1/float64(e), 1.1/float64(e))
	}
	benchFrames(b, m, func(i int) { m.train.chart.Add(100001+i, 0.001, 0.002) })
}

// MultiTask's trial (the most panels): the time cursor moves each frame.
func BenchmarkViewTrials(b *testing.B) {
	for _, sz := range viewBenchSizes {
		b.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(b *testing.B) {
			d := newTrainedModel(b, sz[0], sz[1], false)
			openTrials(b, d, "multitask")
			d.keys(">>>>")
			keys := []tea.KeyMsg{keyOf('.'), keyOf(',')}
			benchFrames(b, d.m, func(i int) { d.m.Update(keys[i%2]) })
		})
	}
}

// RandomTarget: the panels and the arm side by side; the cursor moves.
func BenchmarkViewTrialsArm(b *testing.B) {
	for _, sz := range viewBenchSizes {
		b.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(b *testing.B) {
			d := newTrainedModel(b, sz[0], sz[1], false)
			openTrials(b, d, "randomtarget")
			d.keys(">>>>")
			keys := []tea.KeyMsg{keyOf('.'), keyOf(',')}
			benchFrames(b, d.m, func(i int) { d.m.Update(keys[i%2]) })
		})
	}
}

// The Analysis tab with the fixed points found, in the rotating 3-D view.
func BenchmarkViewAnalysis(b *testing.B) {
	for _, sz := range viewBenchSizes {
		b.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(b *testing.B) {
			d := newTrainedModel(b, sz[0], sz[1], false)
			openAnalysis(b, d, "3bff-gru")
			setSlider(b, d, "inits", "64")
			d.keys("f")
			d.until(func() bool { return d.m.anal.fp.running() == nil && d.m.anal.currentFP() != nil }, 60*time.Second, "the search")
			d.keys("v++")
			keys := []tea.KeyMsg{keyOf(']'), keyOf('[')}
			benchFrames(b, d.m, func(i int) { d.m.Update(keys[i%2]) })
		})
	}
}

// The Compare tab with its result, in the rotating 3-D view.
func BenchmarkViewCompare(b *testing.B) {
	for _, sz := range viewBenchSizes {
		b.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(b *testing.B) {
			d := newTrainedModel(b, sz[0], sz[1], false)
			compareRuns(b, d, "3bff-gru", "3bff-rnn")
			d.until(func() bool { return d.m.cmp.shown() != nil }, 60*time.Second, "the comparison")
			d.keys("v++")
			keys := []tea.KeyMsg{keyOf(']'), keyOf('[')}
			benchFrames(b, d.m, func(i int) { d.m.Update(keys[i%2]) })
		})
	}
}

// cpuTime is the process's user and system CPU time in nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
