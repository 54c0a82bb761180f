package ui

import (
	"path/filepath"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// trainedRuns holds small trained runs (made with ctdtui train on the
// *-small presets) for the Trials, Analysis and Compare tabs.
const trainedRuns = "testdata/trained"

// newTrainedModel opens the app on the trained runs, sized w×h, and waits
// for the runs scan.
func newTrainedModel(t testing.TB, w, h int, ascii bool) *driver {
	t.Helper()
	m, err := New(Options{Preset: "3bff-small", Runs: trainedRuns, Theme: "dark", ASCII: ascii})
	if err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, m, w, h)
	d.until(func() bool { return len(m.sh.runs) > 0 }, 5*time.Second, "the runs scan")
	return d
}

// openTrials shows run name on the Trials tab and waits for its data.
func openTrials(t testing.TB, d *driver, name string) {
	t.Helper()
	d.keys("3")
	d.send(d.m.trials.openRun(filepath.Join(trainedRuns, name))())
	d.until(func() bool { return d.m.trials.shown() != nil }, 20*time.Second, "the trials of "+name)
}

func TestTrialsDebugView(t *testing.T) {
	for _, name := range []string{"3bff-gru", "randomtarget", "multitask"} {
		for _, sz := range [][2]int{{80, 24}, {140, 40}} {
			d := newTrainedModel(t, sz[0], sz[1], false)
			openTrials(t, d, name)
			d.keys("]]......")
			t.Logf("%s %v\n%s", name, sz, d.m.View())
		}
	}
	_ = tea.KeyMsg{}
}

func TestAnalysisDebugView(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {140, 40}} {
		d := newTrainedModel(t, sz[0], sz[1], false)
		openTrials(t, d, "3bff-gru")
		d.keys("4")
		d.until(func() bool { return d.m.anal.shown() != nil }, 20*time.Second, "analysis")
		t.Logf("%v\n%s", sz, d.m.View())
		d.keys("↓←←←←f")
		d.until(func() bool { return d.m.anal.fpWork != nil && d.m.anal.fpWork.last.text != "" }, 20*time.Second, "progress")
		t.Logf("%v\n%s", sz, d.m.View())
		d.until(func() bool { return d.m.anal.currentFP() != nil }, 60*time.Second, "fp")
		t.Logf("%v\n%s", sz, d.m.View())
	}
}
