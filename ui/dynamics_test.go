package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
)

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
	if v.frame == nil || v.frame.Err != nil || v.frame.Epoch != 6 {
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
