package ui

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/ctdtui/ctdtui/run"
)

// The quick search of the live panel finds the flip-flop's eight attractors
// (the corners of the cube) in the trained 3-bit GRU and RNN, and projects
// the trajectories and points to finite PC coordinates.
func TestDynProbeFindsFlipFlopCorners(t *testing.T) {
	for _, name := range []string{"3bff-gru", "3bff-rnn"} {
		l, err := run.Load(filepath.Join(trainedRuns, name), false)
		if err != nil {
			t.Fatal(err)
		}
		trials := dynTrialsOf(l.Data)
		f, err := probeDynamics(context.Background(), l.Model, l.Task, l.Data, trials, l.Epoch, nil)
		if err != nil {
			t.Fatal(err)
		}
		if f.nStable != 8 {
			t.Errorf("%s: %d stable fixed points, want the 8 corners (%d fixed in all)", name, f.nStable, f.nFixed)
		}
		if len(f.trials) != len(trials) || len(f.points) != f.nFixed {
			t.Fatalf("%s: %d trajectories for %d trials, %d points for %d fixed", name, len(f.trials), len(trials), len(f.points), f.nFixed)
		}
		for _, p := range f.points {
			if !finite(p[0]) || !finite(p[1]) {
				t.Fatalf("%s: point %v", name, p)
			}
		}
		if r := f.ratio[0] + f.ratio[1]; !(r > 0 && r <= 1) {
			t.Fatalf("%s: PC1+PC2 explain %v", name, r)
		}
		// The next probe keeps the PCs' signs.
		g, err := probeDynamics(context.Background(), l.Model, l.Task, l.Data, trials, l.Epoch, f)
		if err != nil {
			t.Fatal(err)
		}
		for j := 0; j < 2; j++ {
			a, b := f.trials[0][j], g.trials[0][j]
			if math.Abs(a-b) > 1e-9*math.Max(1, math.Abs(a)) {
				t.Fatalf("%s: PC%d of the same model changed from %v to %v", name, j+1, a, b)
			}
		}
	}
}

// The probe is offered a model only when it is idle and within its budget;
// the final model is always probed.
func TestDynProbeBudget(t *testing.T) {
	l, err := run.Load(filepath.Join(trainedRuns, "3bff-rnn"), false)
	if err != nil {
		t.Fatal(err)
	}
	out := make(chan *dynFrame, 8)
	p := newDynProbe(l.Task, l.Data, 1, out)
	p.budget = 0.04
	p.start = time.Now().Add(-time.Second) // 1 s of training: 40 ms of budget
	if p.offer(1, l.Model, false) {
		t.Fatal("a probe was sent before the budget covered one (150 ms assumed)")
	}
	p.start = time.Now().Add(-10 * time.Second) // 400 ms of budget
	if !p.offer(2, l.Model, false) {
		t.Fatal("no probe with the budget available")
	}
	if p.offer(3, l.Model, false) {
		t.Fatal("a second probe was queued while the first is pending")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go p.run(ctx)
	select {
	case f := <-out:
		if f.err != nil || f.epoch != 2 {
			t.Fatalf("frame %+v", f)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no frame")
	}
	for p.busy.Load() {
		time.Sleep(time.Millisecond)
	}
	p.spent.Store(int64(time.Hour))
	if p.offer(4, l.Model, false) {
		t.Fatal("a probe was sent over the budget")
	}
	p.finish(ctx, 5, l.Model)
	select {
	case f := <-out:
		if f.epoch != 5 {
			t.Fatalf("final frame at epoch %d", f.epoch)
		}
	default:
		t.Fatal("finish did not probe the final model")
	}
}

// Training from the Train tab: the panel shows the final model's dynamics
// when the run ends, and d hides it.
func TestLiveDynamicsWhileTraining(t *testing.T) {
	m := newTestModel(t, "3bff-small", 100, 30)
	m.sh.cfg.Train.Epochs = 6
	d := newDriver(t, m, 100, 30)
	d.keys("2s")
	d.until(func() bool { return m.train.job != nil }, 5*time.Second, "the run to start")
	screenHas(t, d, "Latent dynamics")
	d.until(func() bool { return m.train.job == nil }, 60*time.Second, "the run to finish")
	v := m.train.cur
	if v.frame == nil || v.frame.err != nil || v.frame.epoch != 6 {
		t.Fatalf("final frame %+v", v.frame)
	}
	if n := len(v.dynHist); n == 0 || v.dynHist[n-1].epoch != 6 {
		t.Fatalf("history %+v", v.dynHist)
	}
	screenHas(t, d, "Latent dynamics · epoch 6", "stable ·")
	d.keys("d")
	if strings.Contains(ansi.Strip(m.View()), "Latent dynamics") {
		t.Fatal("d did not hide the panel")
	}
}

// A saved run opened on the Train tab is probed from its checkpoint.
func TestSavedRunDynamics(t *testing.T) {
	d := newTrainedModel(t, 120, 36, false)
	d.keys("2")
	d.until(func() bool { return len(d.m.train.runs) > 0 }, 5*time.Second, "the runs")
	for i, e := range d.m.train.runs {
		if e.name == "3bff-gru" {
			d.m.train.sel = i
		}
	}
	d.keys("\n")
	d.until(func() bool { return d.m.train.cur != nil && d.m.train.cur.frame != nil }, 20*time.Second, "the saved run's frame")
	screenHas(t, d, "Latent dynamics · saved epoch 200", "8 stable ·")
}
