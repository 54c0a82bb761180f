package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

// runPicker chooses a saved run from the runs directory. It uses only ↑/↓,
// enter and esc, so the global keys (tabs, help, quit) keep working while it
// is open. Runs without a trained epoch are listed but cannot be picked.
type runPicker struct {
	sh     *shared
	title  string
	cursor int
	keys   pickerKeys
	// cancellable: esc closes the picker (false when there is nothing to go
	// back to).
	cancellable bool
}

func newRunPicker(sh *shared, title, current string, cancellable bool) *runPicker {
	p := &runPicker{sh: sh, title: title, keys: newPickerKeys(sh.g), cancellable: cancellable}
	for i, e := range sh.runs {
		if e.dir == current {
			p.cursor = i
		}
	}
	return p
}

// pickResult is what a key did to the picker.
type pickResult struct {
	picked string // the chosen run's directory
	closed bool   // esc
}

func (p *runPicker) key(km tea.KeyMsg) pickResult {
	n := len(p.sh.runs)
	switch {
	case key.Matches(km, p.keys.Cancel) && p.cancellable:
		return pickResult{closed: true}
	case key.Matches(km, p.keys.Pick):
		if p.cursor >= n {
			p.sh.info("no runs yet: train one on the Train tab (2)")
			return pickResult{}
		}
		e := p.sh.runs[p.cursor]
		if e.err == nil && e.state.Epoch < 1 {
			p.sh.warn(e.name + " has no trained epoch yet")
			return pickResult{}
		}
		// A damaged run opens too: the tab says what is wrong with it (and
		// reads the model when only the history or the state is damaged).
		// Picking a run again retries a load that failed.
		p.sh.store.retry(e.dir)
		return pickResult{picked: e.dir}
	case key.Matches(km, p.keys.Move):
		switch km.String() {
		case "home":
			p.cursor = 0
		case "end":
			p.cursor = n - 1
		case "pgup":
			p.cursor -= 10
		case "pgdown":
			p.cursor += 10
		default:
			p.cursor += direction(km)
		}
	}
	p.cursor = max(0, min(p.cursor, n-1))
	return pickResult{}
}

func (p *runPicker) help() []key.Binding {
	if p.cancellable {
		return []key.Binding{p.keys.Move, p.keys.Pick, p.keys.Cancel}
	}
	return []key.Binding{p.keys.Move, p.keys.Pick}
}

func (p *runPicker) View(w, h int) string {
	st, g := p.sh.st, p.sh.g
	lines := []string{st.Header.Render(p.title) + st.Muted.Render(" · runs in "+truncate(p.sh.runsDir, max(w-ansi.StringWidth(p.title)-12, 4), g.ellipsis)), ""}
	runs := p.sh.runs
	if len(runs) == 0 {
		lines = append(lines, st.Muted.Render("No runs yet. Train one on the Train tab (2), or start ctdtui with --runs DIR."))
		return fitBlock(strings.Join(lines, "\n"), w, h)
	}
	avail := h - len(lines)
	first := max(0, min(p.cursor-avail/2, len(runs)-avail))
	for i := first; i < len(runs) && len(lines) < h; i++ {
		e := runs[i]
		marker, style := "  ", st.Text
		if i == p.cursor {
			marker, style = st.Cursor.Render(g.right+" "), st.Cursor
			if g.ascii {
				marker = st.Cursor.Render("> ")
			}
		}
		badge := runBadge(p.sh, e.shownStatus())
		badgeW := badgeWidth(runs)
		tail := fmt.Sprintf(" epoch %d/%d", e.state.Epoch, e.state.Epochs)
		if e.state.Epoch < 1 && e.err == nil {
			tail = " no model yet"
		}
		tailStyle := st.Muted
		nameW := max(w-2-badgeW-ansi.StringWidth(tail)-1, 8)
		if e.err != nil {
			nameW = min(longestName(runs), max(w-2-badgeW-1-20, 8))
			tail = " " + truncate("damaged: "+e.damage(), max(w-2-badgeW-1-nameW-1, 4), g.ellipsis)
			tailStyle = st.Bad
		}
		lines = append(lines, marker+fitLine(badge, badgeW)+" "+style.Render(padRight(truncate(e.name, nameW, g.ellipsis), nameW))+tailStyle.Render(tail))
	}
	return fitBlock(strings.Join(lines, "\n"), w, h)
}
