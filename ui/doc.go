// Package ui is the Bubble Tea terminal app; it is the only package that imports
// the charm libraries.
//
// Structure (as in soft-serve and gh-dash): the root Model holds a tab bar,
// the active tab, a status line and a help footer. Every tab is a component
// with Update, View, SetSize and a help.KeyMap, sharing one context (styles
// built from a Theme, glyphs, the settings being edited, the status line).
// Keys are routed to a focused field or dialog first, then to the global
// bindings, then to the active tab; the same key.Binding values dispatch and
// fill the help footer. Options are validated by New before Run takes the
// terminal.
//
// Training runs in a goroutine (worker.go) that owns its run.Run and reports
// through two channels: events that must not be lost (session started, each
// epoch, the end state) are sent blocking; batch progress is dropped when the
// buffer is full. The UI drains both on a 100 ms tick into one message, so the
// loss chart, which keeps its own copy of the data and redraws only when it
// changed, is drawn at most ten times a second. Values enter the chart only
// if finite; charts and previews are drawn on a small braille canvas (or an
// ASCII one with --ascii) rather than a charting library, so a wild value
// costs nothing. A panic in the worker is recovered and reported; whatever
// ends the program, a training run is stopped after saving its last completed
// epoch.
package ui
