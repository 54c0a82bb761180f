package ui

import tea "github.com/charmbracelet/bubbletea"

// keyOf turns a rune into the key message a terminal would send; a few
// private-use runes stand for special keys in test scripts.
func keyOf(r rune) tea.KeyMsg {
	switch r {
	case '\n':
		return tea.KeyMsg{Type: tea.KeyEnter}
	case '\t':
		return tea.KeyMsg{Type: tea.KeyTab}
	case 0x1b:
		return tea.KeyMsg{Type: tea.KeyEsc}
	case '←':
		return tea.KeyMsg{Type: tea.KeyLeft}
	case '→':
		return tea.KeyMsg{Type: tea.KeyRight}
	case '↑':
		return tea.KeyMsg{Type: tea.KeyUp}
	case '↓':
		return tea.KeyMsg{Type: tea.KeyDown}
	case '⇐':
		return tea.KeyMsg{Type: tea.KeyShiftLeft}
	case '⇒':
		return tea.KeyMsg{Type: tea.KeyShiftRight}
	case '⌫':
		return tea.KeyMsg{Type: tea.KeyBackspace}
	case ' ':
		return tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}}
}

func teaSize(w, h int) tea.WindowSizeMsg { return tea.WindowSizeMsg{Width: w, Height: h} }

// keyOfName is the key message of a named special key.
func keyOfName(name string) tea.KeyMsg {
	switch name {
	case "home":
		return tea.KeyMsg{Type: tea.KeyHome}
	case "end":
		return tea.KeyMsg{Type: tea.KeyEnd}
	case "pgup":
		return tea.KeyMsg{Type: tea.KeyPgUp}
	case "pgdown":
		return tea.KeyMsg{Type: tea.KeyPgDown}
	}
	panic("keyOfName: " + name)
}
