package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

// setPicker chooses a set of saved runs (the Compare tab's matrix): space
// ticks the run under the cursor, a ticks every run of the folder (or
// clears them all), enter takes the ticked runs. Runs without a trained
// epoch cannot be ticked. Like runPicker it leaves the global keys alone.
type setPicker struct {
	sh     *shared
	title  string
	cursor int
	ticked map[string]bool
	keys   setPickerKeys
}

type setPickerKeys struct{ Move, Tick, All, Done, Cancel key.Binding }

func newSetPickerKeys(g glyphs) setPickerKeys {
	ud := g.up + g.down
	if g.ascii {
		ud = "up/down"
	}
	return setPickerKeys{
		Move:   key.NewBinding(key.WithKeys("up", "down", "k", "j", "pgup", "pgdown", "home", "end"), key.WithHelp(ud, "choose")),
		Tick:   key.NewBinding(key.WithKeys(" "), key.WithHelp("space", "tick")),
		All:    key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "whole folder / none")),
		Done:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "compare the ticked runs")),
		Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

func newSetPicker(sh *shared, title string, current []string) *setPicker {
	p := &setPicker{sh: sh, title: title, ticked: map[string]bool{}, keys: newSetPickerKeys(sh.g)}
	for _, d := range current {
		p.ticked[d] = true
	}
	return p
}

// usable reports whether run i can be ticked.
func (p *setPicker) usable(i int) bool {
	e := p.sh.runs[i]
	return e.err == nil && e.state.Epoch >= 1
}

// chosen lists the ticked runs in the list's order.
func (p *setPicker) chosen() []string {
	var out []string
	for _, e := range p.sh.runs {
		if p.ticked[e.dir] {
			out = append(out, e.dir)
		}
	}
	return out
}

// setResult is what a key did to the picker.
type setResult struct {
	picked []string // the chosen set (enter)
	closed bool     // esc
}

func (p *setPicker) key(km tea.KeyMsg) setResult {
	n := len(p.sh.runs)
	switch {
	case key.Matches(km, p.keys.Cancel):
		return setResult{closed: true}
	case key.Matches(km, p.keys.Done):
		set := p.chosen()
		if len(set) < 2 {
			p.sh.info("tick at least two runs (space), or all of them (a)")
			return setResult{}
		}
		return setResult{picked: set}
	case key.Matches(km, p.keys.Tick):
		if p.cursor < n {
			e := p.sh.runs[p.cursor]
			switch {
			case p.ticked[e.dir]:
				delete(p.ticked, e.dir)
			case !p.usable(p.cursor):
				p.sh.warn(e.name + " has no trained model to compare")
			default:
				p.ticked[e.dir] = true
			}
			p.cursor = min(p.cursor+1, n-1)
		}
	case key.Matches(km, p.keys.All):
		if len(p.chosen()) > 0 {
			clear(p.ticked)
			break
		}
		for i, e := range p.sh.runs {
			if p.usable(i) {
				p.ticked[e.dir] = true
			}
		}
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
	return setResult{}
}

func (p *setPicker) help() []key.Binding {
	return []key.Binding{p.keys.Move, p.keys.Tick, p.keys.All, p.keys.Done, p.keys.Cancel}
}

func (p *setPicker) View(w, h int) string {
	st, g := p.sh.st, p.sh.g
	count := fmt.Sprintf(" · %d ticked · runs in %s", len(p.chosen()), p.sh.runsDir)
	lines := []string{truncStyled(st.Header.Render(p.title)+st.Muted.Render(truncate(count, max(w-ansi.StringWidth(p.title), 4), g.ellipsis)), w), ""}
	runs := p.sh.runs
	if len(runs) == 0 {
		lines = append(lines, st.Muted.Render("No runs yet. Train some on the Train tab (2), or start ctdtui with --runs DIR."))
		return fitBlock(strings.Join(lines, "\n"), w, h)
	}
	on, off := "[x] ", "[ ] "
	if !g.ascii {
		on, off = "☑ ", "☐ "
	}
	avail := h - len(lines)
	first := max(0, min(p.cursor-avail/2, len(runs)-avail))
	badgeW := badgeWidth(runs)
	for i := first; i < len(runs) && len(lines) < h; i++ {
		e := runs[i]
		marker, style := "  ", st.Text
		if i == p.cursor {
			marker, style = st.Cursor.Render(g.right+" "), st.Cursor
			if g.ascii {
				marker = st.Cursor.Render("> ")
			}
		}
		box := off
		if p.ticked[e.dir] {
			box = on
		}
		if !p.usable(i) {
			style = st.Faint
		}
		tail := fmt.Sprintf(" epoch %d/%d", e.state.Epoch, e.state.Epochs)
		if e.err != nil {
			tail = " damaged: " + e.damage()
		} else if e.state.Epoch < 1 {
			tail = " no model yet"
		}
		nameW := max(w-2-ansi.StringWidth(box)-badgeW-1-ansi.StringWidth(tail), 8)
		lines = append(lines, truncStyled(marker+style.Render(box)+fitLine(runBadge(p.sh, e.shownStatus()), badgeW)+" "+
			style.Render(padRight(truncate(e.name, nameW, g.ellipsis), nameW))+st.Muted.Render(tail), w))
	}
	return fitBlock(strings.Join(lines, "\n"), w, h)
}
