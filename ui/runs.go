package ui

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/ctdtui/ctdtui/run"
)

// runEntry is one run directory found under --runs.
type runEntry struct {
	dir   string
	name  string
	state run.State
	err   error // state.json unreadable: listed, but Open will say why
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

// scanRuns lists the run directories under root (those with a config.toml),
// most recently updated first. A missing root is an empty list.
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
		if _, err := os.Stat(filepath.Join(dir, run.ConfigFile)); err != nil {
			continue
		}
		e := runEntry{dir: dir, name: de.Name()}
		data, err := os.ReadFile(filepath.Join(dir, run.StateFile))
		if err == nil {
			err = json.Unmarshal(data, &e.state)
		}
		if err != nil {
			e.err = err
		}
		out = append(out, e)
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
	case run.StatusStopped:
		style = st.Warn
	case run.StatusDiverged, run.StatusFailed:
		style = st.Bad
	}
	return style.Render(sh.g.bullet + " " + status)
}
