package ui

import (
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// lineInput is a one-line text field: printable keys insert at the cursor
// (pasted text too), ←/→/home/end move, backspace/delete erase, ctrl+u clears.
// When selected is set the whole value is selected and the first typed
// character replaces it, as in a spreadsheet cell.
type lineInput struct {
	text     []rune
	pos      int
	selected bool
}

func newLineInput(value string, selected bool) lineInput {
	r := []rune(value)
	return lineInput{text: r, pos: len(r), selected: selected}
}

func (in *lineInput) Value() string { return string(in.text) }

func (in *lineInput) SetValue(s string) {
	in.text = []rune(s)
	in.pos, in.selected = len(in.text), false
}

// key edits the field; it reports whether the key was used.
func (in *lineInput) key(name string, runes []rune) bool {
	sel := in.selected
	in.selected = false
	switch name {
	case "left":
		in.pos = max(0, in.pos-1)
	case "right":
		in.pos = min(len(in.text), in.pos+1)
	case "home", "ctrl+a":
		in.pos = 0
	case "end", "ctrl+e":
		in.pos = len(in.text)
	case "backspace", "ctrl+h":
		if sel {
			in.text, in.pos = nil, 0
		} else if in.pos > 0 {
			in.text = append(in.text[:in.pos-1], in.text[in.pos:]...)
			in.pos--
		}
	case "delete", "ctrl+d":
		if sel {
			in.text, in.pos = nil, 0
		} else if in.pos < len(in.text) {
			in.text = append(in.text[:in.pos], in.text[in.pos+1:]...)
		}
	case "ctrl+u":
		in.text, in.pos = nil, 0
	default:
		if len(runes) == 0 || !printable(runes) {
			in.selected = sel
			return false
		}
		if sel {
			in.text, in.pos = nil, 0
		}
		if len(in.text)+len(runes) > 4096 {
			return true
		}
		tail := append([]rune(nil), in.text[in.pos:]...)
		in.text = append(append(in.text[:in.pos], runes...), tail...)
		in.pos += len(runes)
	}
	return true
}

func printable(r []rune) bool {
	for _, c := range r {
		if c < ' ' || c == 0x7f {
			return false
		}
	}
	return true
}

// View draws the field w cells wide, scrolled so the cursor shows. The
// cursor is a reversed cell; a selected value is drawn reversed whole.
func (in *lineInput) View(w int, style, cursorStyle lipgloss.Style) string {
	if w < 2 {
		return ""
	}
	if in.selected {
		s := truncateLeft(string(in.text), w-1)
		return cursorStyle.Render(s) + style.Render(strings.Repeat(" ", w-ansi.StringWidth(s)))
	}
	start := max(0, in.pos-(w-1))
	before := string(in.text[start:in.pos])
	at := " "
	after := ""
	if in.pos < len(in.text) {
		at = string(in.text[in.pos])
		after = string(in.text[in.pos+1:])
	}
	rest := w - ansi.StringWidth(before) - 1
	after = ansi.Truncate(after, rest, "")
	return style.Render(before) + cursorStyle.Render(at) + style.Render(padRight(after, rest))
}
