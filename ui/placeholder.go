package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// comingTab is a tab whose content lands in part 2. It says so plainly and
// shows no invented content.
type comingTab struct {
	sh    *shared
	title string
	what  string
	w, h  int
}

func (c *comingTab) Title() string             { return c.title }
func (c *comingTab) Focused() bool             { return false }
func (c *comingTab) SetSize(w, h int)          { c.w, c.h = w, h }
func (c *comingTab) Update(tea.Msg) tea.Cmd    { return nil }
func (c *comingTab) ShortHelp() []key.Binding  { return nil }
func (c *comingTab) FullHelp() [][]key.Binding { return nil }

func (c *comingTab) View() string {
	st := c.sh.st
	w := min(c.w, 72)
	lines := []string{st.Header.Render(c.title) + st.Muted.Render(" — coming in part 2"), ""}
	for _, l := range wrap(c.what, w) {
		lines = append(lines, st.Muted.Render(l))
	}
	// Centre the block.
	top := max(0, (c.h-len(lines))/2)
	left := strings.Repeat(" ", max(0, (c.w-w)/2))
	out := make([]string, top, c.h)
	for _, l := range lines {
		out = append(out, left+l)
	}
	return fitBlock(strings.Join(out, "\n"), c.w, c.h)
}
