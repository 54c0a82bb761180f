package ui

import (
	"path/filepath"

	tea "github.com/charmbracelet/bubbletea"
)

// The focus (shared.focus) is the run, phase, trial and time step the
// Trials and Analysis tabs show; picking a run or a trial in one shows it in
// the other. These are the changes both tabs make to it.

// focusRun makes dir the focused run (its first trial, the phase kept,
// validation by default) and starts loading it at the epoch the runs list
// last saw; the tabs are told the focus changed.
func (sh *shared) focusRun(dir string) tea.Cmd {
	epoch := -1
	for _, e := range sh.runs {
		if e.dir == dir {
			epoch = e.state.Epoch
		}
	}
	phase := sh.focus.phase
	if phase == "" {
		phase = "val"
	}
	sh.focus = runFocus{dir: dir, phase: phase}
	_, cmd := sh.store.open(dir, epoch)
	sh.info("opening " + filepath.Base(dir))
	return tea.Batch(cmd, focusChanged)
}

// togglePhase switches the focus between the validation and the training
// trials, back to the first trial; it reports false when no run is focused.
func (sh *shared) togglePhase() bool {
	if sh.focus.dir == "" {
		return false
	}
	if sh.focus.phase == "val" {
		sh.focus.phase = "train"
	} else {
		sh.focus.phase = "val"
	}
	sh.focus.trial = 0
	return true
}

// focusChangedMsg tells the tabs that share the focus (run, phase, trial)
// that another tab changed it.
type focusChangedMsg struct{}

func focusChanged() tea.Msg { return focusChangedMsg{} }
