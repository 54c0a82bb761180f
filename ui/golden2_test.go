package ui

import (
	"testing"

	"github.com/charmbracelet/x/exp/teatest"

	"github.com/ctdtui/ctdtui/study"
)

// Goldens of the Trials, Analysis and Compare tabs and the Train tab's
// dynamics panel on the small trained runs of testdata/trained, driven by
// keys. The runs list is newest first: multitask, randomtarget, 3bff-rnn,
// 3bff-gru.

func trainedGoldenModel(t *testing.T, w, h int) *teatest.TestModel {
	t.Helper()
	m, err := New(Options{Preset: "3bff-small", Runs: trainedRuns, Theme: "dark"})
	if err != nil {
		t.Fatal(err)
	}
	// Each golden loads its runs afresh: a result cached by another test
	// would change what the screen shows on the way.
	// Small searches keep the test fast; the screen says which were used.
	m.sh.fp.opts.Inits = 64
	m.cmp.opts = study.CompareOptions{DSADelays: 5, DSARank: 20}
	return teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h))
}

func sendKeys(tm *teatest.TestModel, keys string) {
	for _, k := range keys {
		tm.Send(keyOf(k))
	}
}

// The flip-flop's fifth validation trial at step 30.
func TestGoldenTrialsTab(t *testing.T) {
	tm := trainedGoldenModel(t, 100, 30)
	sendKeys(tm, "3")
	waitFor(t, tm, "Open a run")
	sendKeys(tm, "↓↓↓\n")
	waitFor(t, tm, "trial 1/40")
	sendKeys(tm, "→→→→>>>")
	waitFor(t, tm, "step 30/99")
	teatest.RequireEqualOutput(t, finalView(t, tm))
}

// RandomTarget: the panels with the go cue and bump marked, the hand path
// and the arm at the cursor.
func TestGoldenTrialsRandomTarget(t *testing.T) {
	tm := trainedGoldenModel(t, 130, 36)
	sendKeys(tm, "3")
	waitFor(t, tm, "Open a run")
	sendKeys(tm, "↓\n")
	waitFor(t, tm, "Hand path")
	sendKeys(tm, "→>>>>")
	waitFor(t, tm, "arm at step 40")
	teatest.RequireEqualOutput(t, finalView(t, tm))
}

// MultiTask: the trial's task and phase boundaries.
func TestGoldenTrialsMultiTask(t *testing.T) {
	tm := trainedGoldenModel(t, 110, 32)
	sendKeys(tm, "3")
	waitFor(t, tm, "Open a run")
	sendKeys(tm, "\n")
	waitFor(t, tm, "in context")
	sendKeys(tm, "→→>>>>>")
	waitFor(t, tm, "step 50/")
	teatest.RequireEqualOutput(t, finalView(t, tm))
}

// The flip-flop's scree, trajectories and fixed points: eight stable
// corners drawn over the trajectories.
func TestGoldenAnalysisTab(t *testing.T) {
	tm := trainedGoldenModel(t, 110, 36)
	sendKeys(tm, "4")
	waitFor(t, tm, "Open a run to analyse")
	sendKeys(tm, "↓↓↓\n")
	waitFor(t, tm, "PCA scree")
	sendKeys(tm, "f")
	waitFor(t, tm, "unique")
	teatest.RequireEqualOutput(t, finalView(t, tm))
}

// The GRU and the vanilla RNN flip-flops compared, B in A's PC space.
func TestGoldenCompareTab(t *testing.T) {
	tm := trainedGoldenModel(t, 110, 34)
	sendKeys(tm, "3")
	waitFor(t, tm, "Open a run")
	sendKeys(tm, "↓↓↓\n")
	waitFor(t, tm, "trial 1/40")
	sendKeys(tm, "5")
	waitFor(t, tm, "Choose run B")
	sendKeys(tm, "↓↓\n")
	waitFor(t, tm, "In A's PC space")
	teatest.RequireEqualOutput(t, finalView(t, tm))
}

// The Train tab's dynamics panel for a saved run: its final model probed.
func TestGoldenTrainDynamics(t *testing.T) {
	tm := trainedGoldenModel(t, 100, 30)
	sendKeys(tm, "2")
	waitFor(t, tm, "▁   200/200") // the runs' sparklines, read in the background
	sendKeys(tm, "↓↓↓\n")
	waitFor(t, tm, "saved epoch 200")
	teatest.RequireEqualOutput(t, finalView(t, tm))
}
