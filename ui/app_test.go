package ui

import (
	"reflect"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/ctdtui/ctdtui/presets"
)

// newTestModel opens the app on a preset with a fixed theme, sized w×h.
func newTestModel(t testing.TB, preset string, w, h int) *Model {
	t.Helper()
	m, err := New(Options{Preset: preset, Runs: t.TempDir(), Theme: "dark"})
	if err != nil {
		t.Fatal(err)
	}
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return m
}

// press sends one key and returns the command it produced.
func press(m *Model, k tea.KeyMsg) tea.Cmd {
	_, cmd := m.Update(k)
	return cmd
}

func typeKeys(m *Model, s string) (cmds []tea.Cmd) {
	for _, r := range s {
		cmds = append(cmds, press(m, keyOf(r)))
	}
	return cmds
}

// quits reports whether cmd (or any command batched in it) quits.
func quits(cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	switch msg := cmd().(type) {
	case tea.QuitMsg:
		return true
	case tea.BatchMsg:
		for _, c := range msg {
			if quits(c) {
				return true
			}
		}
	}
	return false
}

// focus moves the form's cursor to key.
func focus(t testing.TB, m *Model, key string) {
	t.Helper()
	f := m.task.form
	for i, r := range f.rows {
		if r.header == "" && r.def.Key == key {
			f.cursor = i
			f.scroll()
			return
		}
	}
	t.Fatalf("%s is not in the form", key)
}

func TestFocusedFieldTakesDigitsAndQ(t *testing.T) {
	m := newTestModel(t, "3bff-small", 100, 30)
	focus(t, m, "task.nbff.bits")
	press(m, keyOf('\n')) // open the field
	if !m.task.Focused() {
		t.Fatal("enter did not open the field")
	}
	for _, c := range typeKeys(m, "q") {
		if quits(c) {
			t.Fatal("q in a focused number field quit the app")
		}
	}
	if got := m.task.form.input.Value(); got != "q" {
		t.Fatalf("field holds %q, want the typed q (replacing the selected value)", got)
	}
	// Confirming a non-number is refused with the key in the message; the
	// field stays open and the setting unchanged.
	press(m, keyOf('\n'))
	if !m.task.form.editing || m.sh.cfg.Task.NBFF.Bits != 3 {
		t.Fatalf("a non-number was accepted: editing=%v bits=%d", m.task.form.editing, m.sh.cfg.Task.NBFF.Bits)
	}
	if s := m.sh.status; s.level != levelError || !strings.Contains(s.text, "task.nbff.bits") {
		t.Fatalf("status %+v, want an error naming task.nbff.bits", s)
	}
	// Digits 1-5 go into the field, not to the tab switcher; ? does not open help.
	press(m, tea.KeyMsg{Type: tea.KeyCtrlU})
	typeKeys(m, "12?")
	if m.active != 0 || m.help.ShowAll {
		t.Fatalf("keys escaped the field: active tab %d, full help %v", m.active, m.help.ShowAll)
	}
	press(m, keyOf('⌫'))
	press(m, keyOf('\n'))
	if m.task.form.editing || m.sh.cfg.Task.NBFF.Bits != 12 {
		t.Fatalf("typed 12: editing=%v bits=%d", m.task.form.editing, m.sh.cfg.Task.NBFF.Bits)
	}
	// Esc abandons a typed value.
	press(m, keyOf('\n'))
	typeKeys(m, "5")
	press(m, keyOf(0x1b))
	if m.task.form.editing || m.sh.cfg.Task.NBFF.Bits != 12 {
		t.Fatalf("esc kept the typed value: bits=%d", m.sh.cfg.Task.NBFF.Bits)
	}
	// Keys typed together arrive as one message; they still go to the field.
	press(m, keyOf('\n'))
	press(m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("7q")})
	if m.task.form.input.Value() != "7q" || m.active != 0 {
		t.Fatalf("multi-rune key: field %q, tab %d", m.task.form.input.Value(), m.active)
	}
}

func TestGlobalKeysOutsideFields(t *testing.T) {
	m := newTestModel(t, "3bff-small", 100, 30)
	for _, step := range []struct {
		key  tea.KeyMsg
		want int
	}{
		{keyOf('2'), 1}, {keyOf('\t'), 2}, {tea.KeyMsg{Type: tea.KeyShiftTab}, 1},
		{keyOf('5'), 4}, {keyOf('\t'), 0}, {tea.KeyMsg{Type: tea.KeyShiftTab}, 4}, {keyOf('1'), 0},
	} {
		press(m, step.key)
		if m.active != step.want {
			t.Fatalf("after %q the active tab is %d, want %d", step.key.String(), m.active, step.want)
		}
	}
	// Keys typed fast arrive together but act one by one.
	press(m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("31")})
	if m.active != 0 {
		t.Fatalf("\"31\" left tab %d active", m.active)
	}
	press(m, keyOf('?'))
	if !m.help.ShowAll {
		t.Fatal("? did not open the full help")
	}
	if v := m.View(); !strings.Contains(v, "first/last") || !strings.Contains(v, "rotate cube") {
		t.Fatalf("full help lacks the Task tab's keys:\n%s", v)
	}
	press(m, keyOf('?'))
	if m.help.ShowAll {
		t.Fatal("? did not close the full help")
	}
	if !quits(press(m, keyOf('q'))) {
		t.Fatal("q did not quit")
	}
	if !quits(press(m, tea.KeyMsg{Type: tea.KeyCtrlC})) {
		t.Fatal("ctrl+c did not quit")
	}
}

func TestCtrlCQuitsFromAField(t *testing.T) {
	m := newTestModel(t, "3bff-small", 100, 30)
	press(m, keyOf('\n'))
	if !quits(press(m, tea.KeyMsg{Type: tea.KeyCtrlC})) {
		t.Fatal("ctrl+c in a field did not quit")
	}
}

func TestHelpFooterComesFromTheBindings(t *testing.T) {
	m := newTestModel(t, "3bff-small", 80, 24)
	last := func() string {
		lines := strings.Split(m.View(), "\n")
		return lines[len(lines)-1]
	}
	// The footer names the keys that dispatch, and always keeps ? and q.
	for _, want := range []string{"move", "adjust", "enter type", "t train", "? more", "q quit"} {
		if !strings.Contains(last(), want) {
			t.Errorf("Task footer %q lacks %q", last(), want)
		}
	}
	press(m, keyOf('\n'))
	if f := last(); !strings.Contains(f, "enter confirm") || !strings.Contains(f, "esc cancel") || strings.Contains(f, "q quit") {
		t.Errorf("footer while typing: %q", f)
	}
	press(m, keyOf(0x1b))
	press(m, keyOf('2'))
	for _, want := range []string{"s start", "space pause/resume", "x stop", "? more"} {
		if !strings.Contains(last(), want) {
			t.Errorf("Train footer %q lacks %q", last(), want)
		}
	}
	// Every key the Train footer shows does what it says: s starts a run.
	k := m.train.keys
	if !strings.Contains(last(), k.Start.Help().Key+" "+k.Start.Help().Desc) {
		t.Fatal("footer and binding disagree")
	}
}

func TestSliderSteps(t *testing.T) {
	m := newTestModel(t, "3bff-small", 100, 30)
	cfg := func() *presets.Config { return &m.sh.cfg }
	focus(t, m, "task.nbff.bits")
	press(m, keyOf('→'))
	if cfg().Task.NBFF.Bits != 4 {
		t.Fatalf("→: bits %d, want 4", cfg().Task.NBFF.Bits)
	}
	press(m, keyOf('⇒')) // coarse step 4
	if cfg().Task.NBFF.Bits != 8 {
		t.Fatalf("shift+→: bits %d, want 8", cfg().Task.NBFF.Bits)
	}
	press(m, keyOf('⇐'))
	press(m, keyOf('h')) // vim left
	if cfg().Task.NBFF.Bits != 3 {
		t.Fatalf("shift+← then h: bits %d, want 3", cfg().Task.NBFF.Bits)
	}
	// The preview follows: a 3-bit trial.
	if m.task.prev.data.TargetDim != 3 {
		t.Fatalf("preview has %d channels", m.task.prev.data.TargetDim)
	}
	// Bounds clamp, and say so.
	for i := 0; i < 10; i++ {
		press(m, keyOf('⇒'))
	}
	if cfg().Task.NBFF.Bits != 16 {
		t.Fatalf("bits %d after many coarse steps, want the maximum 16", cfg().Task.NBFF.Bits)
	}
	if !strings.Contains(m.sh.status.text, "maximum") {
		t.Fatalf("no message at the bound: %q", m.sh.status.text)
	}
	for i := 0; i < 10; i++ {
		press(m, keyOf('⇐'))
	}
	if cfg().Task.NBFF.Bits != 1 || !strings.Contains(m.sh.status.text, "minimum") {
		t.Fatalf("bits %d, status %q: want the minimum 1 and a message", cfg().Task.NBFF.Bits, m.sh.status.text)
	}
	// Log slider: multiplicative steps.
	focus(t, m, "train.lr")
	press(m, keyOf('→'))
	if cfg().Train.LR != 0.0125 {
		t.Fatalf("lr → %v, want 0.0125", cfg().Train.LR)
	}
	press(m, keyOf('⇐'))
	if cfg().Train.LR != 0.00125 {
		t.Fatalf("lr shift+← %v, want 0.00125", cfg().Train.LR)
	}
	// A choice cycles, and the rows follow the model kind.
	focus(t, m, "model.kind")
	press(m, keyOf('→'))
	if cfg().Model.Kind != "noisygru" {
		t.Fatalf("model.kind → %q", cfg().Model.Kind)
	}
	if !m.task.form.shows("model.noise") || m.task.form.shows("model.gamma") {
		t.Fatal("NoisyGRU rows: want model.noise and no model.gamma")
	}
	press(m, keyOf('→'))
	press(m, keyOf('→'))
	if cfg().Model.Kind != "driscoll" || !m.task.form.shows("model.gamma") {
		t.Fatalf("model.kind %q: want driscoll with model.gamma shown", cfg().Model.Kind)
	}
	if m.task.form.current().Key != "model.kind" {
		t.Fatalf("cursor moved to %s when the rows changed", m.task.form.current().Key)
	}
}

func TestTypedValues(t *testing.T) {
	m := newTestModel(t, "3bff-small", 100, 30)
	focus(t, m, "task.nbff.bits")
	for _, bad := range []struct{ typed, want string }{
		{"99", "outside [1, 16]"},
		{"0", "outside [1, 16]"},
		{"2.5", "not an integer"},
		{"", "not an integer"},
	} {
		press(m, keyOf('\n'))
		press(m, tea.KeyMsg{Type: tea.KeyCtrlU})
		typeKeys(m, bad.typed)
		press(m, keyOf('\n'))
		if m.sh.cfg.Task.NBFF.Bits != 3 || !m.task.form.editing {
			t.Fatalf("typed %q was accepted (bits %d)", bad.typed, m.sh.cfg.Task.NBFF.Bits)
		}
		if s := m.sh.status; s.level != levelError || !strings.Contains(s.text, bad.want) || !strings.Contains(s.text, "task.nbff.bits") {
			t.Fatalf("typed %q: status %q, want an error with %q", bad.typed, s.text, bad.want)
		}
		press(m, keyOf(0x1b))
	}
	focus(t, m, "train.lr")
	press(m, keyOf('\n'))
	typeKeys(m, "3e-4\n")
	if m.sh.cfg.Train.LR != 3e-4 {
		t.Fatalf("lr %v, want 3e-4", m.sh.cfg.Train.LR)
	}
	press(m, keyOf('\n'))
	typeKeys(m, "NaN\n")
	if m.sh.cfg.Train.LR != 3e-4 || !strings.Contains(m.sh.status.text, "finite") {
		t.Fatalf("NaN: lr %v, status %q", m.sh.cfg.Train.LR, m.sh.status.text)
	}
	press(m, keyOf(0x1b))
	// A choice can be typed too, and is checked against its choices.
	focus(t, m, "model.kind")
	press(m, keyOf('\n'))
	typeKeys(m, "transformer\n")
	if m.sh.cfg.Model.Kind != "gru" || !strings.Contains(m.sh.status.text, "not one of") {
		t.Fatalf("typed transformer: kind %q, status %q", m.sh.cfg.Model.Kind, m.sh.status.text)
	}
	press(m, tea.KeyMsg{Type: tea.KeyCtrlU})
	typeKeys(m, "node\n")
	if m.sh.cfg.Model.Kind != "node" || !m.task.form.shows("model.layers") {
		t.Fatalf("typed node: kind %q", m.sh.cfg.Model.Kind)
	}
}

func TestChangedValuesAreMarked(t *testing.T) {
	m := newTestModel(t, "3bff-small", 100, 30)
	if n := m.task.form.changedCount(); n != 0 {
		t.Fatalf("%d changed on a fresh preset", n)
	}
	focus(t, m, "task.nbff.bits")
	press(m, keyOf('→'))
	focus(t, m, "train.batch")
	press(m, keyOf('→'))
	v := m.View()
	if m.task.form.changedCount() != 2 || !strings.Contains(v, "2 changed") {
		t.Fatalf("two changes not marked:\n%s", v)
	}
	if !strings.Contains(v, "(preset: 32)") {
		t.Fatalf("the focused changed value does not show the preset's:\n%s", v)
	}
	press(m, keyOf('r')) // reset the focused one
	if m.sh.cfg.Train.Batch != 32 || m.task.form.changedCount() != 1 {
		t.Fatalf("r: batch %d, %d changed", m.sh.cfg.Train.Batch, m.task.form.changedCount())
	}
	press(m, keyOf('R'))
	if !reflect.DeepEqual(m.sh.cfg, m.sh.base) {
		t.Fatal("R did not reset every setting")
	}
}

// shows reports whether the form lists key.
func (f *form) shows(key string) bool {
	for _, r := range f.rows {
		if r.header == "" && r.def.Key == key {
			return true
		}
	}
	return false
}

func TestTooSmallScreen(t *testing.T) {
	m := newTestModel(t, "3bff-small", 60, 15)
	v := m.View()
	if !strings.Contains(v, "Terminal too small") || !strings.Contains(v, "needs 70") {
		t.Fatalf("too-small screen:\n%s", v)
	}
	checkFits(t, v, 60, 15)
	if !quits(press(m, keyOf('q'))) {
		t.Fatal("q does not quit from the too-small screen")
	}
}

// Tabs 3-5 open on a run picker when no run is open (here: none saved yet,
// and they say how to make one).
func TestAnalysisTabsOfferRuns(t *testing.T) {
	m := newTestModel(t, "3bff-small", 100, 30)
	for _, c := range []struct {
		key  rune
		want string
	}{{'3', "Open a run"}, {'4', "Open a run to analyse"}, {'5', "Choose run A"}} {
		press(m, keyOf(c.key))
		v := m.View()
		if !strings.Contains(v, c.want) || !strings.Contains(v, "No runs yet") {
			t.Fatalf("tab %c:\n%s", c.key, v)
		}
	}
}
