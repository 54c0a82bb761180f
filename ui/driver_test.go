package ui

import (
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// driver runs a Model the way Bubble Tea does — commands in goroutines, their
// messages back through Update — but in the test goroutine, so tests can read
// the model between messages without races.
type driver struct {
	t    testing.TB
	m    *Model
	msgs chan tea.Msg
	quit bool
}

func newDriver(t testing.TB, m *Model, w, h int) *driver {
	d := &driver{t: t, m: m, msgs: make(chan tea.Msg, 1024)}
	d.exec(m.Init())
	d.send(tea.WindowSizeMsg{Width: w, Height: h})
	return d
}

func (d *driver) exec(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() {
		if msg := cmd(); msg != nil {
			d.msgs <- msg
		}
	}()
}

// send delivers one message to Update now.
func (d *driver) send(msg tea.Msg) {
	switch msg := msg.(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			d.exec(c)
		}
		return
	case tea.QuitMsg:
		d.quit = true
		return
	}
	_, cmd := d.m.Update(msg)
	d.exec(cmd)
}

// keys types each rune of s (see keyOf for the special keys).
func (d *driver) keys(s string) {
	for _, r := range s {
		d.send(keyOf(r))
	}
}

// until processes messages until cond holds; it fails the test after timeout.
func (d *driver) until(cond func() bool, timeout time.Duration, what string) {
	d.t.Helper()
	deadline := time.After(timeout)
	for !cond() {
		select {
		case msg := <-d.msgs:
			d.send(msg)
		case <-deadline:
			d.t.Fatalf("timed out after %v waiting for %s; screen:\n%s", timeout, what, d.m.View())
		}
	}
}

// settle processes the messages that arrive within dt.
func (d *driver) settle(dt time.Duration) {
	deadline := time.After(dt)
	for {
		select {
		case msg := <-d.msgs:
			d.send(msg)
		case <-deadline:
			return
		}
	}
}
