package ui

import (
	"context"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/key"

	"github.com/ctdtui/ctdtui/study"
)

// waitEval waits until the Trials tab shows an evaluation.
func waitEval(t *testing.T, d *driver) *evalShow {
	t.Helper()
	d.until(func() bool { return d.m.trials.evalShown() != nil }, 30*time.Second, "the evaluation")
	return d.m.trials.evalShown()
}

// c on the Trials tab has the open arm model reach centre-out, no keys typed:
// the header puts the metrics under the change next to the run's, the
// evaluation's trials scrub on their own cursor (the Analysis tab's focus is
// left alone), and esc goes back to the run's trials.
func TestTrialsEvalCentreOut(t *testing.T) {
	d := newTrainedModel(t, 130, 40, false)
	openTrials(t, d, "randomtarget")
	d.keys("→→")
	focusBefore := d.m.sh.focus.cursor
	d.keys("c")
	ev := waitEval(t, d)
	if ev.rep.Changed.Task != "centreout" || ev.rep.Changed.Reach == nil || ev.cur.trial != 0 {
		t.Fatalf("centre-out evaluation: %+v, cursor %+v", ev.rep.Changed, ev.cur)
	}
	screenHas(t, d, "evaluation", "under centre-out", "run → change:", "position MSE", "reach end error, mean", "Hand path")
	// Its numbers are those of ctdtui eval --task centreout.
	want, _, err := study.Evaluate(context.Background(), filepath.Join(trainedRuns, "randomtarget"), study.EvalOptions{Task: "centreout", Seed: -1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(want.Changed, ev.rep.Changed) || !reflect.DeepEqual(want.Original, ev.rep.Original) {
		t.Fatalf("the tab's evaluation differs from ctdtui eval's:\n%+v\n%+v", ev.rep.Changed, want.Changed)
	}
	d.keys("→→→.")
	if ev.cur.trial != 3 || ev.cur.step != 1 || d.m.sh.focus.cursor != focusBefore {
		t.Fatalf("evaluation cursor %+v, focus %+v (was %+v)", ev.cur, d.m.sh.focus.cursor, focusBefore)
	}
	screenHas(t, d, "trial 4/")
	help := d.m.trials.ShortHelp()
	if !slices.ContainsFunc(help, func(b key.Binding) bool { return b.Help().Key == "esc" }) {
		t.Fatal("the help does not offer the way back")
	}
	d.keys("p") // the phase stays: an evaluation is its validation trials
	if d.m.trials.evalShown() == nil {
		t.Fatal("p left the evaluation")
	}
	d.keys("\x1b")
	if d.m.trials.evalShown() != nil || d.m.sh.focus.cursor != focusBefore {
		t.Fatalf("esc: still %v, focus %+v", d.m.trials.evalShown() != nil, d.m.sh.focus.cursor)
	}
	screenHas(t, d, "trial 3/")
	// Asking again shows the finished evaluation at once.
	d.keys("c")
	if d.m.trials.evalShown() == nil {
		t.Fatal("a computed evaluation is not shown again at once")
	}
}

// e evaluates under the Task tab's settings: the task settings that differ
// from the run's become the changes (a field here); a Task tab on another
// task kind, or a model that cannot read the changed task, is refused in the
// status line.
func TestTrialsEvalTaskSettings(t *testing.T) {
	d := newTrainedModel(t, 130, 40, false)
	openTrials(t, d, "randomtarget")
	// The Task tab holds the 3bff-small preset: another task kind.
	d.keys("e")
	if d.m.trials.evalKey != "" || !strings.Contains(d.m.sh.status.text, "trained on randomtarget") {
		t.Fatalf("Task tab on nbff: status %q", d.m.sh.status.text)
	}
	run := d.m.trials.shown().sess.Run.Run
	cfg := run.Config
	cfg.Task.RandomTarget.Field = "constant"
	cfg.Task.RandomTarget.Levels = []float64{0, 1}
	d.m.sh.cfg = cfg
	d.keys("e")
	if !d.m.trials.evalPending() {
		t.Fatal("no evaluation started")
	}
	screenHas(t, d, "esc cancels")
	ev := waitEval(t, d)
	if !slices.Equal(ev.rep.Changes.Sets, []string{"task.randomtarget.field=constant", "task.randomtarget.levels=0,1"}) || !slices.Equal(ev.rep.Changed.Levels, []float64{0, 1}) {
		t.Fatalf("changes %v, levels %v", ev.rep.Changes.Sets, ev.rep.Changed.Levels)
	}
	screenHas(t, d, "--set task.randomtarget.field=constant", "trials at level", "field")
	d.keys("\x1b")
	// The condition channel: 18 inputs for a model of 17.
	cfg.Task.RandomTarget.ConditionInput = true
	d.m.sh.cfg = cfg
	d.keys("e")
	d.until(func() bool { return !d.m.trials.evalPending() }, 30*time.Second, "the refusal")
	if d.m.trials.evalShown() != nil || !strings.Contains(d.m.sh.status.text, "reads 17 inputs") || !strings.Contains(d.m.sh.status.text, "FieldLevel") {
		t.Fatalf("condition channel: status %q", d.m.sh.status.text)
	}
	// Centre-out needs an arm model.
	openTrials(t, d, "3bff-gru")
	d.keys("c")
	if d.m.trials.evalKey != "" || !strings.Contains(d.m.sh.status.text, "needs an arm model") {
		t.Fatalf("centre-out of a flip-flop: status %q", d.m.sh.status.text)
	}
}

// A saved evaluation directory opens in the tabs as a run does; the Train
// tab says it has no training of its own.
func TestEvaluationDirectoryInTabs(t *testing.T) {
	d := newTrainedModel(t, 130, 40, false)
	out := filepath.Join(t.TempDir(), "rt-centreout")
	if _, _, err := study.Evaluate(context.Background(), filepath.Join(trainedRuns, "randomtarget"), study.EvalOptions{Task: "centreout", Seed: -1, Out: out}, nil); err != nil {
		t.Fatal(err)
	}
	d.keys("3")
	d.send(d.m.trials.openRun(out)())
	d.until(func() bool { return d.m.trials.shown() != nil }, 20*time.Second, "the evaluation's trials")
	screenHas(t, d, "rt-centreout", "Hand path")
	if got := d.m.trials.shown().sess.Run.Task.Kind(); got != "centreout" {
		t.Fatalf("task %s", got)
	}
	d.exec(d.m.train.resumeDir(out))
	if !strings.Contains(d.m.sh.status.text, "is an evaluation of") {
		t.Fatalf("resuming an evaluation: %q", d.m.sh.status.text)
	}
}
