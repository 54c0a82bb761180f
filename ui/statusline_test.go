package ui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// focusParam moves the Task tab's form to the parameter called key.
func focusParam(t *testing.T, m *Model, key string) {
	t.Helper()
	for i, r := range m.task.form.rows {
		if r.header == "" && r.def.Key == key {
			m.task.form.cursor = i
			return
		}
	}
	t.Fatalf("no row %s", key)
}

// Issue 11, point 7: an error line goes once it no longer applies. A refused
// typed value stayed in the status line through any number of later changes
// (five model changes, as reported); now cancelling the edit, or any change
// of the settings, clears it, and a "settings not valid" warning clears as
// soon as they are valid again.
func TestStatusErrorsClearWhenTheyNoLongerApply(t *testing.T) {
	m := newTestModel(t, "3bff-small", 120, 34)
	focusParam(t, m, "model.latent")
	press(m, tea.KeyMsg{Type: tea.KeyEnter})
	typeKeys(m, "abc")
	press(m, tea.KeyMsg{Type: tea.KeyEnter})
	if s := m.sh.status; s.level != levelError || !strings.Contains(s.text, "model.latent") {
		t.Fatalf("refused value: status %q", s.text)
	}
	press(m, tea.KeyMsg{Type: tea.KeyEsc})
	if s := m.sh.status; s.level == levelError {
		t.Errorf("after esc the refusal stays: %q", s.text)
	}

	// Refused again, then five model changes without leaving the field's
	// error behind.
	press(m, tea.KeyMsg{Type: tea.KeyEnter})
	typeKeys(m, "-5")
	press(m, tea.KeyMsg{Type: tea.KeyEnter})
	press(m, tea.KeyMsg{Type: tea.KeyEsc})
	focusParam(t, m, "model.kind")
	for i := 0; i < 5; i++ {
		press(m, tea.KeyMsg{Type: tea.KeyRight})
	}
	if s := m.sh.status; strings.Contains(s.text, "-5") || strings.Contains(s.text, "abc") {
		t.Errorf("after five model changes the status still says %q", s.text)
	}

	// A typed value that is refused, then accepted: the refusal goes.
	focusParam(t, m, "model.latent")
	press(m, tea.KeyMsg{Type: tea.KeyEnter})
	typeKeys(m, "x")
	press(m, tea.KeyMsg{Type: tea.KeyEnter})
	for range 3 {
		press(m, tea.KeyMsg{Type: tea.KeyBackspace})
	}
	typeKeys(m, "24")
	press(m, tea.KeyMsg{Type: tea.KeyEnter})
	if s := m.sh.status; s.level == levelError {
		t.Errorf("after an accepted value the refusal stays: %q", s.text)
	}
}

// Issue 11, point 7: a comparison the user stopped is headed as cancelled,
// not "Cannot compare these runs" (which says the runs are at fault).
func TestCancelledComparisonHeading(t *testing.T) {
	d := newTrainedModel(t, 120, 40, false)
	compareRuns(t, d, "3bff-gru", "3bff-rnn")
	if d.m.cmp.res.running() == nil {
		t.Skip("the comparison finished before it could be stopped")
	}
	d.keys("x")
	s := screen(d)
	if strings.Contains(s, "Cannot compare") || !strings.Contains(s, "Comparison cancelled") || !strings.Contains(s, "c starts it again") {
		t.Fatalf("after x:\n%s", s)
	}
}
