package ui

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/ctdtui/ctdtui/presets"
	"github.com/ctdtui/ctdtui/run"
)

// The force-field keys are Task-tab rows through their definitions: the
// field cycles like any choice, its direction shows only for a constant
// field, and the levels are typed (a vector is text, not a slider).
func TestTaskTabFieldRows(t *testing.T) {
	m := newTestModel(t, "rt-ff-small", 130, 60)
	for _, k := range []string{"task.randomtarget.field", "task.randomtarget.field_dir", "task.randomtarget.levels", "task.randomtarget.condition_input"} {
		focus(t, m, k)
	}
	v := ansi.Strip(m.View())
	for _, want := range []string{"field", "constant", "-1,0", "0,1", "condition_input"} {
		if !strings.Contains(v, want) {
			t.Fatalf("the Task tab lacks %q:\n%s", want, v)
		}
	}
	focus(t, m, "task.randomtarget.levels")
	if v := ansi.Strip(m.View()); !strings.Contains(v, "comma-separated") {
		t.Fatalf("the levels row does not say how to type it:\n%s", v)
	}
	press(m, keyOf('\n'))
	m.task.form.input = newLineInput("0,0.5,1.5", false)
	press(m, keyOf('\n'))
	if got := m.sh.cfg.Task.RandomTarget.Levels; len(got) != 3 || got[2] != 1.5 {
		t.Fatalf("typed levels gave %v", got)
	}
	// A curl field has no direction: the row goes.
	focus(t, m, "task.randomtarget.field")
	press(m, keyOf('→'))
	if m.sh.cfg.Task.RandomTarget.Field != "curl" {
		t.Fatalf("field cycled to %q", m.sh.cfg.Task.RandomTarget.Field)
	}
	for _, r := range m.task.form.rows {
		if r.def.Key == "task.randomtarget.field_dir" {
			t.Fatal("field_dir is shown for a curl field")
		}
	}
	// Centre-out has its own rows, with n_dirs and radius.
	m2 := newTestModel(t, "rt-small", 130, 60)
	focus(t, m2, "task.kind")
	for m2.sh.cfg.Task.Kind != "centreout" {
		press(m2, keyOf('→'))
	}
	focus(t, m2, "task.centreout.n_dirs")
	focus(t, m2, "task.centreout.radius")
	focus(t, m2, "task.centreout.field")
	if v := ansi.Strip(m2.View()); !strings.Contains(v, "centre-out reach") && !strings.Contains(v, "n_dirs") {
		t.Fatalf("centre-out rows:\n%s", v)
	}
}

// The arm view draws the field at the hand and names the trial's level; the
// header says it too.
func TestTrialsArmShowsField(t *testing.T) {
	cfg, err := presets.Embedded("rt-ff-small")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Train.Epochs = 2
	dir := filepath.Join(t.TempDir(), "rt-ff")
	r, err := run.Create(dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	s, err := run.NewSession(r)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Train(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	d := newTrainedModel(t, 140, 40, false)
	d.keys("3")
	d.send(d.m.trials.openRun(dir)())
	d.until(func() bool { return d.m.trials.shown() != nil }, 20*time.Second, "the trials of the field run")
	tab := d.m.trials
	data := tab.shown()
	levels := map[float64]bool{}
	arrow := 0
	for k, idx := range data.trials {
		d.m.sh.focus.trial, d.m.sh.focus.step = k, 50
		lv := data.sess.Run.Data.ICs[idx*5+4]
		levels[lv] = true
		view := ansi.Strip(tab.armView(data, 60, 30))
		header := strings.Join(tab.header(data), "\n")
		if !strings.Contains(view, fmt.Sprintf("→ field %g N", lv)) || !strings.Contains(ansi.Strip(header), fmt.Sprintf("constant field %g N towards (-1, 0)", lv)) {
			t.Fatalf("trial %d at level %v: the arm view or the header does not name it:\n%s\n%s", k, lv, header, view)
		}
		// The arrow: the level-1 view differs from the same trial at level 0.
		if lv == 1 {
			ic := data.sess.Run.Data.ICs
			ic[idx*5+4] = 0
			without := ansi.Strip(tab.armView(data, 60, 30))
			ic[idx*5+4] = 1
			if without != view {
				arrow++
			}
		}
	}
	if !levels[0] || !levels[1] || arrow == 0 {
		t.Fatalf("levels seen %v, arrows drawn on %d level-1 trials", levels, arrow)
	}
}
