package ui

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/ctdtui/ctdtui/run"
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
func scanRuns(root string) ([]runEntry, error) {
	dirents, err := os.ReadDir(root)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []runEntry
	for _, de := range dirents {
		if !de.IsDir() {
			continue
		}
		dir := filepath.Join(root, de.Name())
		if !run.LooksLikeRun(dir) {
			continue
		}
		sum := run.Inspect(dir)
		out = append(out, runEntry{dir: dir, name: de.Name(), state: sum.State, status: sum.Status, err: sum.Damage})
	}
	sort.SliceStable(out, func(i, j int) bool {
		ti, tj := out[i].state.Updated, out[j].state.Updated
		if !ti.Equal(tj) {
			return ti.After(tj)
		}
		return out[i].name > out[j].name
	})
	return out, nil
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
// "● finished", widened when a run is listed as interrupted.
func badgeWidth(runs []runEntry) int {
	for _, e := range runs {
		if e.shownStatus() == run.StatusInterrupted {
			return 2 + len(run.StatusInterrupted)
		}
	}
	return 11
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
