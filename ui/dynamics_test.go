package ui

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/ctdtui/ctdtui/run"
)

func TestProbeDebug(t *testing.T) {
	for _, name := range []string{"3bff-gru", "3bff-rnn", "randomtarget", "multitask"} {
		l, err := run.Load(filepath.Join(trainedRuns, name), false)
		if err != nil {
			t.Fatal(err)
		}
		f, err := probeDynamics(context.Background(), l.Model, l.Task, l.Data, dynTrialsOf(l.Data), l.Epoch, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d fixed, %d stable, %.3fs ratio %v", name, f.nFixed, f.nStable, f.seconds, f.ratio)
	}
}

func TestDynDebugView(t *testing.T) {
	d := newTrainedModel(t, 100, 30, false)
	d.keys("2")
	d.until(func() bool { return len(d.m.train.runs) > 0 }, 5*time.Second, "runs")
	for i, e := range d.m.train.runs {
		if e.name == "3bff-gru" {
			d.m.train.sel = i
		}
	}
	d.keys("\n")
	d.until(func() bool { return d.m.train.cur != nil && d.m.train.cur.frame != nil }, 10*time.Second, "saved frame")
	t.Logf("\n%s", d.m.View())

	m, _ := New(Options{Preset: "3bff-small", Runs: t.TempDir(), Theme: "dark"})
	d2 := newDriver(t, m, 80, 24)
	d2.keys("2s")
	d2.until(func() bool { return m.train.cur != nil && m.train.cur.frame != nil }, 30*time.Second, "live frame")
	t.Logf("\n%s", m.View())
	d2.until(func() bool { return m.train.job == nil }, 60*time.Second, "the end")
	t.Logf("\n%s", m.View())
	t.Logf("%+v", m.train.cur.dynHist)
}
