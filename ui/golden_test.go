package ui

import (
	"bytes"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
)

// The goldens run the real Bubble Tea program (teatest) with the ASCII colour
// profile set in TestMain, drive it with keys, and compare the final screen
// with testdata/<TestName>.golden. Regenerate with: go test ./ui -run Golden -update

func goldenModel(t *testing.T, ascii bool) *teatest.TestModel {
	t.Helper()
	m, err := New(Options{Preset: "3bff-small", Runs: "testdata/runs", Theme: "dark", ASCII: ascii})
	if err != nil {
		t.Fatal(err)
	}
	return teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 30))
}

func waitFor(t *testing.T, tm *teatest.TestModel, s string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(s)) },
		teatest.WithDuration(60*time.Second), teatest.WithCheckInterval(10*time.Millisecond)) // generous: the machine is shared
}

func finalView(t *testing.T, tm *teatest.TestModel) []byte {
	t.Helper()
	tm.Send(keyOf('q'))
	m := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*Model)
	return []byte(m.View())
}

// The Task tab after raising the bits to 4 with the keys: the changed value
// marked against the preset, the preview redrawn with four channels.
func TestGoldenTaskTab(t *testing.T) {
	tm := goldenModel(t, false)
	waitFor(t, tm, "Sample trial")
	for _, k := range "↓↓↓→" {
		tm.Send(keyOf(k))
	}
	waitFor(t, tm, "1 changed")
	teatest.RequireEqualOutput(t, finalView(t, tm))
}

func TestGoldenTaskTabASCII(t *testing.T) {
	tm := goldenModel(t, true)
	waitFor(t, tm, "Sample trial")
	tm.Send(keyOf('v')) // the cube
	waitFor(t, tm, "Targets on the cube")
	teatest.RequireEqualOutput(t, finalView(t, tm))
}

// The Train tab with a saved run opened from the runs list.
func TestGoldenTrainTab(t *testing.T) {
	tm := goldenModel(t, false)
	tm.Send(keyOf('2'))
	waitFor(t, tm, "3bff-small-demo")
	tm.Send(keyOf('\n'))
	waitFor(t, tm, "opened")
	teatest.RequireEqualOutput(t, finalView(t, tm))
}

func TestGoldenTrainTabLogY(t *testing.T) {
	tm := goldenModel(t, false)
	tm.Send(keyOf('2'))
	waitFor(t, tm, "3bff-small-demo")
	tm.Send(keyOf('\n'))
	tm.Send(keyOf('y'))
	waitFor(t, tm, "log y")
	teatest.RequireEqualOutput(t, finalView(t, tm))
}

var _ tea.Model = (*Model)(nil)
