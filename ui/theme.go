package ui

import (
	"fmt"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/lipgloss"
)

// Theme is a palette of 256-colour indices (strings, as lipgloss takes them).
// Everything the UI draws is styled from a Theme through Styles; there are no
// global styles, so a test can render with any theme and colour profile.
type Theme struct {
	Name string
	// Text is body text, Muted secondary text, Faint rules and unfilled bars.
	Text, Muted, Faint lipgloss.Color
	// Accent marks the active tab, the cursor and filled bars; AccentText is
	// text drawn on an Accent background.
	Accent, AccentText lipgloss.Color
	// Changed marks values that differ from the preset.
	Changed lipgloss.Color
	// Good, Warn and Bad colour status messages and run states.
	Good, Warn, Bad lipgloss.Color
	// Train and Val colour the loss curves.
	Train, Val lipgloss.Color
	// Rainbow is sampled evenly for per-channel colours (the reference's
	// matplotlib rainbow map, violet to red).
	Rainbow []lipgloss.Color
}

// DarkTheme is for dark terminal backgrounds.
func DarkTheme() Theme {
	return Theme{Name: "dark",
		Text: "252", Muted: "245", Faint: "240",
		Accent: "39", AccentText: "16", Changed: "214",
		Good: "78", Warn: "214", Bad: "203",
		Train: "75", Val: "215",
		Rainbow: []lipgloss.Color{"135", "99", "69", "39", "44", "49", "84", "155", "220", "214", "208", "203"},
	}
}

// LightTheme is for light terminal backgrounds.
func LightTheme() Theme {
	return Theme{Name: "light",
		Text: "235", Muted: "242", Faint: "250",
		Accent: "25", AccentText: "231", Changed: "166",
		Good: "28", Warn: "130", Bad: "160",
		Train: "25", Val: "166",
		Rainbow: []lipgloss.Color{"91", "55", "25", "31", "30", "29", "28", "64", "136", "130", "166", "160"},
	}
}

// ThemeByName returns the named theme; "auto" is resolved by the caller
// (it needs the terminal).
func ThemeByName(name string) (Theme, error) {
	switch name {
	case "dark":
		return DarkTheme(), nil
	case "light":
		return LightTheme(), nil
	}
	return Theme{}, fmt.Errorf("--theme %q is not one of dark, light, auto", name)
}

// Styles are the lipgloss styles built from a Theme.
type Styles struct {
	Text, Muted, Faint, Bold, Accent, Changed lipgloss.Style
	Good, Warn, Bad                           lipgloss.Style
	Train, Val                                lipgloss.Style
	TabActive, TabInactive, Brand             lipgloss.Style
	Header                                    lipgloss.Style // section titles
	Cursor                                    lipgloss.Style // the focused row's marker and name
	Input, InputCursor                        lipgloss.Style // a field being typed into, its cursor
	Help                                      help.Styles
	rainbow                                   []lipgloss.Color
	theme                                     Theme
}

// NewStyles builds the styles for t.
func NewStyles(t Theme) *Styles {
	fg := func(c lipgloss.Color) lipgloss.Style { return lipgloss.NewStyle().Foreground(c) }
	s := &Styles{
		Text: fg(t.Text), Muted: fg(t.Muted), Faint: fg(t.Faint),
		Bold:   fg(t.Text).Bold(true),
		Accent: fg(t.Accent), Changed: fg(t.Changed),
		Good: fg(t.Good), Warn: fg(t.Warn), Bad: fg(t.Bad).Bold(true),
		Train: fg(t.Train), Val: fg(t.Val),
		TabActive:   lipgloss.NewStyle().Foreground(t.AccentText).Background(t.Accent).Bold(true),
		TabInactive: fg(t.Muted),
		Brand:       fg(t.Accent).Bold(true),
		Header:      fg(t.Accent).Bold(true),
		Cursor:      fg(t.Accent).Bold(true),
		Input:       lipgloss.NewStyle().Foreground(t.Text).Underline(true),
		InputCursor: lipgloss.NewStyle().Reverse(true),
		rainbow:     t.Rainbow,
		theme:       t,
	}
	s.Help = help.Styles{
		ShortKey: fg(t.Text).Bold(true), ShortDesc: fg(t.Muted), ShortSeparator: fg(t.Faint),
		FullKey: fg(t.Text).Bold(true), FullDesc: fg(t.Muted), FullSeparator: fg(t.Faint),
		Ellipsis: fg(t.Faint),
	}
	return s
}

// ChannelColor returns the colour of channel i of n, sampled evenly from the
// rainbow as the reference's plots do.
func (s *Styles) ChannelColor(i, n int) lipgloss.Color {
	r := s.rainbow
	if n <= 1 {
		return r[len(r)*1/4]
	}
	return r[i*(len(r)-1)/(n-1)]
}

// glyphs are the characters the UI draws with; --ascii swaps them for plain
// ASCII for terminals and fonts without box-drawing or braille glyphs.
type glyphs struct {
	ascii                     bool
	barFull, barEmpty, knob   string
	progFull, progEmpty       string
	vrule, hrule              string
	changed, bullet, ellipsis string
	left, right               string // choice arrows
	up, down                  string
}

func newGlyphs(ascii bool) glyphs {
	if ascii {
		return glyphs{ascii: true, barFull: "=", barEmpty: "-", knob: "O", progFull: "#", progEmpty: ".",
			vrule: "|", hrule: "-", changed: "*", bullet: "*", ellipsis: "...", left: "<", right: ">", up: "^", down: "v"}
	}
	return glyphs{barFull: "━", barEmpty: "─", knob: "●", progFull: "█", progEmpty: "░",
		vrule: "│", hrule: "─", changed: "●", bullet: "●", ellipsis: "…", left: "‹", right: "›", up: "↑", down: "↓"}
}
