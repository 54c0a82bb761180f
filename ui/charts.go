package ui

import (
	"fmt"
	"math"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/ctdtui/ctdtui/ui/chart"
)

// The line charts' interaction, shared by the tabs that have one: the keys
// of chartKeys (and the mouse wheel with --mouse) change a chart.Nav.

// zoomStep is the factor of one zoom key or wheel notch.
const zoomStep = 0.5

// chartKey applies a chart key to nav for data spanning [lo, hi] sampled
// every step (an epoch, a time step); it reports whether km was one. The
// cursor keys are handled only when cursor is set (the Trials tab moves
// its own cursor, the time step).
func chartKey(km tea.KeyMsg, k chartKeys, nav *chart.Nav, lo, hi, step float64, cursor bool) bool {
	s := km.String()
	switch {
	case cursor && (key.Matches(km, k.Cursor) || key.Matches(km, k.CursorJump)):
		d := step
		if key.Matches(km, k.CursorJump) {
			d = cursorJump(nav, lo, hi, step)
		}
		if s == "," || s == "<" {
			d = -d
		}
		x := hi // the cursor appears on the newest point
		if nav.CursorOn {
			x = nav.Cursor + d
		}
		nav.SetCursor(lo, hi, x)
	case key.Matches(km, k.Zoom):
		f := zoomStep
		if s == "Z" {
			f = 1 / zoomStep
		}
		nav.Zoom(lo, hi, f)
	case key.Matches(km, k.Pan):
		d := 0.25
		if s == "(" {
			d = -d
		}
		nav.Pan(lo, hi, d)
	case key.Matches(km, k.ResetView):
		nav.Reset()
		if cursor {
			nav.CursorOn = false
		}
	case key.Matches(km, k.LogY):
		nav.LogY = !nav.LogY
	case key.Matches(km, k.Smooth):
		if s == "W" {
			nav.SmoothStep(-1)
		} else {
			nav.SmoothStep(1)
		}
	default:
		return false
	}
	return true
}

// cursorJump is the cursor's long step: a twentieth of the window, at
// least ten steps, in whole steps.
func cursorJump(nav *chart.Nav, lo, hi, step float64) float64 {
	a, b := nav.Window(lo, hi)
	d := math.Max(10*step, (b-a)/20)
	if step > 0 {
		d = math.Round(d/step) * step
	}
	return d
}

// chartMouse applies a wheel event (with --mouse) to nav: up and down zoom
// in and out around the cursor, sideways (or with shift) pans.
func chartMouse(msg tea.MouseMsg, nav *chart.Nav, lo, hi float64) bool {
	if msg.Action != tea.MouseActionPress {
		return false
	}
	switch {
	case msg.Button == tea.MouseButtonWheelLeft || (msg.Shift && msg.Button == tea.MouseButtonWheelUp):
		nav.Pan(lo, hi, -0.1)
	case msg.Button == tea.MouseButtonWheelRight || (msg.Shift && msg.Button == tea.MouseButtonWheelDown):
		nav.Pan(lo, hi, 0.1)
	case msg.Button == tea.MouseButtonWheelUp:
		nav.Zoom(lo, hi, 0.8)
	case msg.Button == tea.MouseButtonWheelDown:
		nav.Zoom(lo, hi, 1.25)
	default:
		return false
	}
	return true
}

// navStatus describes a chart's settings for its legend line: the y scale,
// the smoothing slider and the zoomed window, in at most w cells.
func navStatus(sh *shared, nav *chart.Nav, lo, hi float64, w int) string {
	g := sh.g
	var parts []string
	if nav.LogY {
		parts = append(parts, "log y")
	} else {
		parts = append(parts, "linear y")
	}
	if nav.Smooth > 0 {
		k := int(math.Round(nav.SmoothPos() * 5))
		full, empty := "▮", "▯"
		if g.ascii {
			full, empty = "#", "."
		}
		parts = append(parts, fmt.Sprintf("smooth %s%s %.3g", strings.Repeat(full, k), strings.Repeat(empty, 5-k), nav.Smooth))
	}
	if nav.Zoomed {
		a, b := nav.Window(lo, hi)
		parts = append(parts, fmt.Sprintf("x %s-%s of %s-%s", chart.Num(a), chart.Num(b), chart.Num(lo), chart.Num(hi)))
	}
	s := strings.Join(parts, " · ")
	for len(parts) > 1 && len([]rune(s)) > w {
		parts = parts[:len(parts)-1]
		s = strings.Join(parts, " · ")
	}
	return s
}
