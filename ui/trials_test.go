package ui

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// trainedRuns holds small trained runs made with `ctdtui train` on the
// 3bff-small (GRU, and a vanilla RNN with another seed), rt-small and
// multitask-small presets (MultiTask with 32 latents and 32 trials per task
// to keep the checkpoint small).
const trainedRuns = "testdata/trained"

// testSessions shares the loaded runs between the tests' models (a session
// is safe for concurrent use), so each run is loaded and inferred once.
var testSessions = struct {
	sync.Mutex
	m map[string]*session
}{m: map[string]*session{}}

func sharedOpen(_ context.Context, dir string) (*session, error) {
	testSessions.Lock()
	defer testSessions.Unlock()
	if s := testSessions.m[dir]; s != nil {
		return s, nil
	}
	s, err := openSession(dir)
	if err == nil {
		testSessions.m[dir] = s
	}
	return s, err
}

// newTrainedModel opens the app on the trained runs, sized w×h, and waits
// for the runs scan.
func newTrainedModel(t testing.TB, w, h int, ascii bool) *driver {
	t.Helper()
	m, err := New(Options{Preset: "3bff-small", Runs: trainedRuns, Theme: "dark", ASCII: ascii})
	if err != nil {
		t.Fatal(err)
	}
	m.sh.store.openFn = sharedOpen
	d := newDriver(t, m, w, h)
	d.until(func() bool { return len(m.sh.runs) > 0 }, 5*time.Second, "the runs scan")
	return d
}

// openTrials shows run name on the Trials tab and waits for its data.
func openTrials(t testing.TB, d *driver, name string) {
	t.Helper()
	d.keys("3")
	d.send(d.m.trials.openRun(filepath.Join(trainedRuns, name))())
	d.until(func() bool { return d.m.trials.shown() != nil }, 20*time.Second, "the trials of "+name)
}

// pickRun moves an open picker to the run called name and opens it.
func pickRun(t testing.TB, d *driver, p *runPicker, name string) {
	t.Helper()
	if p == nil {
		t.Fatal("no picker open")
	}
	for i, e := range d.m.sh.runs {
		if e.name == name {
			p.cursor = i
			d.keys("\n")
			return
		}
	}
	t.Fatalf("no run %s", name)
}

func screenHas(t testing.TB, d *driver, want ...string) {
	t.Helper()
	v := ansi.Strip(d.m.View())
	for _, w := range want {
		if !strings.Contains(v, w) {
			t.Fatalf("the screen lacks %q:\n%s", w, v)
		}
	}
}

// Scrubbing stays inside the trials and the steps: ←/→, [/], home/end at
// both ends, and the time cursor with ,/. and </>.
func TestTrialsScrubBounds(t *testing.T) {
	d := newTrainedModel(t, 100, 30, false)
	// The Trials tab opens on the run picker when no run is open.
	d.keys("3")
	if d.m.trials.picker == nil {
		t.Fatal("the Trials tab did not offer the runs")
	}
	pickRun(t, d, d.m.trials.picker, "3bff-gru")
	d.until(func() bool { return d.m.trials.shown() != nil }, 20*time.Second, "the trials")
	data := d.m.trials.shown()
	n := len(data.trials)
	if n != 40 {
		t.Fatalf("%d validation trials, want 40", n)
	}
	f := &d.m.sh.focus
	check := func(trial, step int, what string) {
		t.Helper()
		if f.trial != trial || f.step != step {
			t.Fatalf("%s: trial %d step %d, want trial %d step %d", what, f.trial, f.step, trial, step)
		}
	}
	check(0, 0, "opened")
	screenHas(t, d, "trial 1/40", "step 0/99")
	d.keys("←[")
	d.send(keyOfName("home"))
	check(0, 0, "before the first trial")
	d.keys("→→")
	check(2, 0, "→→")
	d.keys("]")
	check(12, 0, "]")
	d.keys("[[")
	check(0, 0, "[[ from 12")
	d.send(keyOfName("end"))
	check(n-1, 0, "end")
	d.keys("→]")
	check(n-1, 0, "past the last trial")
	screenHas(t, d, "trial 40/40")
	// The time cursor.
	d.keys(",<")
	check(n-1, 0, "before the first step")
	d.keys("..")
	check(n-1, 2, "..")
	for i := 0; i < 15; i++ {
		d.keys(">")
	}
	check(n-1, 99, "past the last step")
	d.keys(".")
	check(n-1, 99, ". at the last step")
	screenHas(t, d, "step 99/99", "cursor at 99")
	d.keys("<")
	check(n-1, 89, "<")
	// The phase switch starts again at the first training trial.
	d.keys("p")
	d.until(func() bool { return d.m.trials.shown() != nil && d.m.trials.shown().phase == "train" }, 20*time.Second, "the training trials")
	if got := len(d.m.trials.shown().trials); got != 160 || f.trial != 0 {
		t.Fatalf("train phase: %d trials at %d, want 160 at 0", got, f.trial)
	}
	screenHas(t, d, "train", "trial 1/160")
}

// MultiTask trials have different lengths: moving to a shorter trial keeps
// the time cursor inside it; the header names the task and the phase.
func TestTrialsMultiTaskRaggedAndPhases(t *testing.T) {
	d := newTrainedModel(t, 120, 40, false)
	openTrials(t, d, "multitask")
	data := d.m.trials.shown()
	long, short := -1, -1
	for k := range data.trials {
		if long < 0 || data.roll.Len(k) > data.roll.Len(long) {
			long = k
		}
		if short < 0 || data.roll.Len(k) < data.roll.Len(short) {
			short = k
		}
	}
	if data.roll.Len(long) == data.roll.Len(short) {
		t.Skip("all trials have the same length")
	}
	f := &d.m.sh.focus
	f.trial = long
	for i := 0; i < 200; i++ {
		d.keys(">")
	}
	if f.step != data.roll.Len(long)-1 {
		t.Fatalf("step %d, want the last, %d", f.step, data.roll.Len(long)-1)
	}
	for f.trial != short {
		if f.trial < short {
			d.keys("→")
		} else {
			d.keys("←")
		}
	}
	if f.step != data.roll.Len(short)-1 {
		t.Fatalf("on the shorter trial the step is %d, want %d", f.step, data.roll.Len(short)-1)
	}
	idx := data.trials[f.trial]
	screenHas(t, d, "task "+data.sess.Run.Data.TaskNames[idx])
	phases := data.sess.Run.Task.Events(data.sess.Run.Data, idx)
	last := phases[len(phases)-1]
	screenHas(t, d, "in "+last.Name, last.Name)
}

// RandomTarget: the hand path and the arm beside the panels on a wide
// screen; v switches between them on a narrow one.
func TestTrialsRandomTargetArm(t *testing.T) {
	d := newTrainedModel(t, 140, 40, false)
	openTrials(t, d, "randomtarget")
	screenHas(t, d, "Hand path", "hand x", "hand y", "target shown at", markGlyph(d.m.sh.g, "target")+" target")
	d.send(teaSize(90, 30))
	screenHas(t, d, "hand x")
	if strings.Contains(ansi.Strip(d.m.View()), "Hand path") {
		t.Fatal("the narrow layout shows the arm before v")
	}
	d.keys("v")
	screenHas(t, d, "Hand path", "arm at step 0")
	d.keys(">>")
	screenHas(t, d, "arm at step 20")
}

// Non-finite latents (a diverged model) leave gaps: nothing panics and the
// readout shows a dash.
func TestTrialsNonFiniteLatents(t *testing.T) {
	d := newTrainedModel(t, 100, 30, false)
	openTrials(t, d, "3bff-rnn")
	// A private copy of the inference, poisoned.
	data := *d.m.trials.shown()
	lat := data.roll.Latents(0)
	saved := append([]float32(nil), lat...)
	defer copy(lat, saved)
	for i := range lat {
		switch i % 3 {
		case 0:
			lat[i] = float32(math.NaN())
		case 1:
			lat[i] = float32(math.Inf(1))
		}
	}
	d.keys("u") // units: the raw values
	v := d.m.View()
	checkFits(t, v, 100, 30)
	if !strings.Contains(ansi.Strip(v), "unit 0") || !strings.Contains(ansi.Strip(v), "–") {
		t.Fatalf("units view of non-finite latents:\n%s", ansi.Strip(v))
	}
	d.keys("u")
	checkFits(t, d.m.View(), 100, 30)
}
