package ui

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/ctdtui/ctdtui/run"
	"github.com/ctdtui/ctdtui/sweep"
)

// runEntry is one run directory found under --runs.
type runEntry struct {
	dir   string
	name  string
	state run.State
	// status is what the lists show: the saved status, "interrupted" for a
	// training state whose trainer is gone, "damaged" when err is set.
	status string
	err    error // a missing or corrupt file (run.Summary.Damage), naming it
	// sweep names the sweep the run belongs to ("" for a run of its own);
	// name is then sweep/run, and run the run's own name.
	sweep, run string
}

// runsMsg carries a scan of the runs directory.
type runsMsg struct {
	entries []runEntry
	err     error
}

// scanRunsCmd lists the runs directory off the UI goroutine.
func scanRunsCmd(root string) tea.Cmd {
	return func() tea.Msg {
		e, err := scanRuns(root)
		return runsMsg{entries: e, err: err}
	}
}

// scanRuns lists the run directories under root (those holding any run
// file: one that lost its config.toml is listed as damaged, not hidden),
// most recently updated first, each with its true state (run.Inspect). A
// missing root is an empty list.
//
// A sweep directory (sweep.toml) under root, or root itself, contributes its
// runs, in their sweep order and together, read the cheap way sweep status
// reads them (state.json and the lock, no checkpoint).
func scanRuns(root string) ([]runEntry, error) {
	if sweep.IsSweep(root) {
		return scanSweep(root, filepath.Base(filepath.Clean(root))), nil
	}
	dirents, err := os.ReadDir(root)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	// Units are sorted most recently updated first: a run, or a sweep's
	// runs as one block (updated when its latest run was).
	type unit struct {
		entries []runEntry
		updated time.Time
		name    string
	}
	var units []unit
	for _, de := range dirents {
		if !de.IsDir() {
			continue
		}
		dir := filepath.Join(root, de.Name())
		if sweep.IsSweep(dir) {
			u := unit{entries: scanSweep(dir, de.Name()), name: de.Name()}
			for _, e := range u.entries {
				if e.state.Updated.After(u.updated) {
					u.updated = e.state.Updated
				}
			}
			units = append(units, u)
			continue
		}
		if !run.LooksLikeRun(dir) {
			continue
		}
		sum := run.Inspect(dir)
		units = append(units, unit{entries: []runEntry{{dir: dir, name: de.Name(), run: de.Name(), state: sum.State, status: sum.Status, err: sum.Damage}},
			updated: sum.State.Updated, name: de.Name()})
	}
	sort.SliceStable(units, func(i, j int) bool {
		ti, tj := units[i].updated, units[j].updated
		if !ti.Equal(tj) {
			return ti.After(tj)
		}
		return units[i].name > units[j].name
	})
	var out []runEntry
	for _, u := range units {
		out = append(out, u.entries...)
	}
	return out, nil
}

// scanSweep lists a sweep's runs (a sweep that cannot be opened is one
// damaged entry saying why).
func scanSweep(dir, name string) []runEntry {
	s, err := sweep.Open(dir)
	if err != nil {
		return []runEntry{{dir: dir, name: name, run: name, status: run.StatusDamaged, err: err}}
	}
	var out []runEntry
	for _, r := range s.Status().Runs {
		st := run.State{Status: r.Status, Epoch: r.Epoch, Epochs: r.Epochs, BestEpoch: r.BestEpoch, BestVal: math.Inf(1), Updated: r.Updated}
		if r.BestVal != nil {
			st.BestVal = *r.BestVal
		}
		e := runEntry{dir: s.RunDir(r.Index), name: name + "/" + r.Name, sweep: name, run: r.Name, state: st, status: r.Status}
		if r.Status == run.StatusDamaged || r.Status == sweep.StatusMissing {
			e.err = errors.New(r.Message)
		}
		out = append(out, e)
	}
	return out
}

// runBadge is a run's status as a coloured bullet and word.
func runBadge(sh *shared, status string) string {
	st := sh.st
	style := st.Muted
	switch status {
	case run.StatusTraining:
		style = st.Accent
	case run.StatusFinished:
		style = st.Good
	case run.StatusStopped, run.StatusInterrupted:
		style = st.Warn
	case run.StatusDiverged, run.StatusFailed, run.StatusDamaged:
		style = st.Bad
	}
	return style.Render(sh.g.bullet + " " + status)
}

// shownStatus is the entry's status as the lists show it.
func (e runEntry) shownStatus() string {
	switch {
	case e.err != nil:
		return run.StatusDamaged
	case e.status != "":
		return e.status
	}
	return e.state.Status
}

// damage is the entry's problem without its directory (the list already
// names the run), e.g. "checkpoint.bin: corrupt checkpoint: …".
func (e runEntry) damage() string {
	if e.err == nil {
		return ""
	}
	return strings.ReplaceAll(firstLine(e.err), e.dir+string(filepath.Separator), "")
}

// badgeWidth is the width of the status column of a run list: room for
// "● finished", widened for a longer status (interrupted, evaluation).
func badgeWidth(runs []runEntry) int {
	w := 11
	for _, e := range runs {
		w = max(w, 2+len(e.shownStatus())) // interrupted, evaluation
	}
	return w
}

// longestName is the width of the longest run name (damaged runs' reasons
// start after it, aligned).
func longestName(runs []runEntry) int {
	n := 0
	for _, e := range runs {
		n = max(n, ansi.StringWidth(e.name))
	}
	return n
}
