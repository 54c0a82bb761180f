package ui

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/ctdtui/ctdtui/presets"
	"github.com/ctdtui/ctdtui/run"
)

// checkFits asserts that view is exactly h lines, none wider than w.
func checkFits(t testing.TB, view string, w, h int) {
	t.Helper()
	lines := strings.Split(view, "\n")
	if len(lines) != h {
		t.Fatalf("%dx%d: view has %d lines, want %d", w, h, len(lines), h)
	}
	for i, l := range lines {
		if n := ansi.StringWidth(l); n > w {
			t.Fatalf("%dx%d: line %d is %d cells wide: %q", w, h, i+1, n, ansi.Strip(l))
		}
	}
}

// layoutSizes spans 80×24 to 250×70: the common terminal sizes, odd ones and
// the extremes of each axis.
var layoutSizes = [][2]int{
	{80, 24}, {80, 25}, {80, 30}, {80, 43}, {80, 70}, {81, 24}, {90, 30}, {100, 24}, {100, 40},
	{109, 33}, {110, 35}, {120, 40}, {132, 43}, {140, 24}, {149, 50}, {150, 50}, {160, 45},
	{180, 60}, {200, 50}, {220, 65}, {250, 24}, {250, 40}, {250, 70},
}

// withTrainingHistory shows a run with a loss history (non-finite values
// included, as a diverging run would report) on the Train tab.
func withTrainingHistory(t testing.TB, m *Model) {
	t.Helper()
	cfg, err := presets.Embedded("3bff-small")
	if err != nil {
		t.Fatal(err)
	}
	r := &run.Run{Dir: filepath.Join(m.sh.runsDir, "3bff-small-20250101-120000"), Config: cfg,
		State: run.State{Status: run.StatusTraining, Epoch: 30, Epochs: 40}}
	for e := 1; e <= 30; e++ {
		tr, va := 0.3*math.Exp(-float64(e)/8)+0.01, 0.28*math.Exp(-float64(e)/9)+0.012
		if e == 17 {
			tr, va = math.NaN(), math.Inf(1)
		}
		r.History = append(r.History, run.EpochStats{Epoch: e, TrainLoss: tr, ValLoss: va, Seconds: 0.2})
	}
	m.train.show(r)
	m.train.cur.progress = &run.Progress{Epoch: 31, Epochs: 40, Batch: 2, Batches: 5}
	m.train.cur.seconds = []float64{0.2, 0.21, 0.19}
	var entries []runEntry
	for i := 0; i < 12; i++ {
		entries = append(entries, runEntry{dir: fmt.Sprintf("%s/run-%02d", m.sh.runsDir, i), name: fmt.Sprintf("3bff-small-2025010%d-1200%02d", i%10, i),
			state: run.State{Status: []string{run.StatusFinished, run.StatusStopped, run.StatusDiverged}[i%3], Epoch: 40, Epochs: 40, BestVal: 0.0123, BestEpoch: 33}})
	}
	m.Update(runsMsg{entries: entries})
}

func TestLayoutFitsEverySize(t *testing.T) {
	states := []struct {
		name  string
		setup func(*Model)
	}{
		{"task", func(m *Model) {}},
		{"task-16bits-full-help", func(m *Model) {
			m.sh.cfg.Task.NBFF.Bits = 16
			m.task.settingsChanged()
			press(m, keyOf('?'))
		}},
		{"task-cube", func(m *Model) { press(m, keyOf('v')) }},
		{"task-editing", func(m *Model) { press(m, keyOf('\n')); typeKeys(m, "123456789012345678901234567890") }},
		{"task-load-dialog", func(m *Model) { press(m, keyOf('o')) }},
		{"task-save-dialog", func(m *Model) { press(m, keyOf('s')) }},
		{"task-error", func(m *Model) {
			m.task.prev.err = fmt.Errorf("task.nbff: %s", strings.Repeat("a long error message ", 20))
			m.task.prev.dirty = true
			m.sh.setStatus(levelError, strings.Repeat("very long status ", 30))
		}},
		{"train-empty", func(m *Model) { press(m, keyOf('2')) }},
		{"train-history", func(m *Model) { press(m, keyOf('2')); withTrainingHistory(t, m) }},
		{"train-history-log", func(m *Model) { press(m, keyOf('2')); withTrainingHistory(t, m); press(m, keyOf('y')) }},
		// The chart keys: cursor readout, zoomed window, smoothing slider.
		{"train-cursor-zoom-smooth", func(m *Model) {
			press(m, keyOf('2'))
			withTrainingHistory(t, m)
			typeKeys(m, ",,,zzwww")
		}},
		{"train-overlay", func(m *Model) {
			press(m, keyOf('2'))
			withTrainingHistory(t, m)
			for i := 0; i < 3; i++ {
				m.train.overlay = append(m.train.overlay, &overlayRun{dir: fmt.Sprintf("/r/%d", i), name: fmt.Sprintf("a-long-run-name-%d", i),
					hist: []run.EpochStats{{Epoch: 1, ValLoss: 1}, {Epoch: 2, ValLoss: math.NaN()}, {Epoch: 3, ValLoss: 0.3}}})
			}
			m.train.refreshOverlay()
			typeKeys(m, ",")
		}},
		{"trials", func(m *Model) { press(m, keyOf('3')) }},
		{"analysis", func(m *Model) { press(m, keyOf('4')) }},
		{"compare-full-help", func(m *Model) { press(m, keyOf('5')); press(m, keyOf('?')) }},
	}
	for _, s := range states {
		for _, ascii := range []bool{false, true} {
			m, err := New(Options{Preset: "3bff-small", Runs: t.TempDir(), Theme: "light", ASCII: ascii})
			if err != nil {
				t.Fatal(err)
			}
			m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
			s.setup(m)
			for _, sz := range layoutSizes {
				m.Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
				v := m.View()
				t.Run(fmt.Sprintf("%s/ascii=%v/%dx%d", s.name, ascii, sz[0], sz[1]), func(t *testing.T) {
					checkFits(t, v, sz[0], sz[1])
					if ascii {
						checkNoDrawingGlyphs(t, v)
					}
				})
			}
		}
	}
}

// drawingGlyph reports box-drawing, block, braille, shape and arrow
// characters: what --ascii promises not to draw (prose punctuation such as
// "·" or "²" is text, not drawing).
func drawingGlyph(r rune) bool {
	return (r >= 0x2190 && r <= 0x21ff) || (r >= 0x2500 && r <= 0x25ff) || (r >= 0x2800 && r <= 0x28ff) ||
		r == '‹' || r == '›'
}

func checkNoDrawingGlyphs(t testing.TB, v string) {
	t.Helper()
	for _, r := range ansi.Strip(v) {
		if drawingGlyph(r) {
			t.Fatalf("--ascii view draws %q:\n%s", r, v)
		}
	}
}

func TestASCIIHasNoDrawingGlyphs(t *testing.T) {
	m, err := New(Options{Preset: "3bff-small", Runs: t.TempDir(), Theme: "dark", ASCII: true})
	if err != nil {
		t.Fatal(err)
	}
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	press(m, keyOf('2'))
	withTrainingHistory(t, m)
	checkNoDrawingGlyphs(t, m.View())
	press(m, keyOf('1'))
	checkNoDrawingGlyphs(t, m.View())
	press(m, keyOf('v'))
	checkNoDrawingGlyphs(t, m.View())
	press(m, keyOf('\n'))
	checkNoDrawingGlyphs(t, m.View())
}

func TestResizeKeepsState(t *testing.T) {
	m := newTestModel(t, "3bff-small", 120, 40)
	focus(t, m, "task.nbff.bits")
	press(m, keyOf('→'))
	press(m, keyOf('2'))
	withTrainingHistory(t, m)
	before := len(m.train.cur.history)
	for _, sz := range [][2]int{{80, 24}, {40, 10}, {250, 70}, {120, 40}} {
		m.Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		checkFits(t, m.View(), sz[0], sz[1])
	}
	if m.active != 1 || len(m.train.cur.history) != before || m.sh.cfg.Task.NBFF.Bits != 4 {
		t.Fatalf("resizing lost state: tab %d, %d epochs (had %d), bits %d", m.active, len(m.train.cur.history), before, m.sh.cfg.Task.NBFF.Bits)
	}
}
