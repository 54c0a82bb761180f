package ui

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ctdtui/ctdtui/presets"
	"github.com/ctdtui/ctdtui/run"
	"github.com/ctdtui/ctdtui/sweep"
)

// TestTrainTabSweepLiveAndOverlay: a sweep under --runs is listed as one
// group under its header, in its order; a run of it trained elsewhere (an
// executor in this process, as a Slurm task would be in another) shows as
// training, and its chart grows as its history does, without a key press;
// m puts runs on the overlay (their validation curves in their colours,
// with a legend), M clears it.
func TestTrainTabSweepLiveAndOverlay(t *testing.T) {
	root := t.TempDir()
	cfg, err := presets.Load("3bff-small")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Train.Epochs = 3
	if _, err := run.Create(filepath.Join(root, "solo"), cfg); err != nil {
		t.Fatal(err)
	}
	def := sweep.Definition{Preset: "3bff-small", Set: []string{"task.samples=40", "task.nbff.steps=20", "model.latent=8", "train.epochs=100000"},
		Grid: []sweep.Axis{{Key: "model.kind", Values: []string{"gru", "rnn"}}}, Seeds: []int{0}}
	plan, err := def.Expand(0)
	if err != nil {
		t.Fatal(err)
	}
	sw, err := sweep.Create(filepath.Join(root, "archs"), plan)
	if err != nil {
		t.Fatal(err)
	}
	// Run 1 gets a few epochs first, so the overlay has two curves; then
	// run 0 trains "elsewhere" for the rest of the test.
	ctx1, stop1 := context.WithCancel(context.Background())
	go func() {
		for sw.RunStatus(1).Epoch < 3 {
			time.Sleep(time.Millisecond)
		}
		stop1()
	}()
	sw.Train(ctx1, sweep.Options{Only: []int{1}, Jobs: 1, Cores: 1, Every: -1})
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		sw.Train(ctx, sweep.Options{Only: []int{0}, Jobs: 1, Cores: 1, Every: -1})
	}()
	defer func() { stop(); <-done }()
	for sw.RunStatus(0).Epoch < 1 {
		time.Sleep(time.Millisecond)
	}

	m, err := New(Options{Preset: "3bff-small", Runs: root, Theme: "dark"})
	if err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, m, 120, 40)
	d.keys("2")
	tt := m.train
	d.until(func() bool { return len(tt.runs) == 3 && tt.runs[0].shownStatus() == run.StatusTraining }, 10*time.Second, "the runs list")
	var names []string
	for _, e := range tt.runs {
		names = append(names, e.name+":"+e.sweep)
	}
	if got := strings.Join(names, " "); got != "archs/gru-s0:archs archs/rnn-s0:archs solo:" {
		t.Fatalf("runs %s: want the sweep's runs first (the latest update), in its order, then solo", got)
	}
	v := m.View()
	for _, want := range []string{"archs sweep · 0/2 done · 1 training", "  gru-s0", "  rnn-s0", "solo"} {
		if !strings.Contains(v, want) {
			t.Errorf("runs list lacks %q:\n%s", want, v)
		}
	}
	d.send(keyOf('\n')) // open gru-s0, the selected run
	if tt.cur == nil || tt.cur.dir != sw.RunDir(0) {
		t.Fatalf("enter did not open the run; status %q", m.sh.status.text)
	}
	first := len(tt.cur.history)
	d.until(func() bool { return len(tt.cur.history) > first+1 }, 30*time.Second, "the shown run's history to grow by itself")
	if tt.job != nil {
		t.Fatal("the tab started training a run that trains elsewhere")
	}

	d.keys("m")
	d.keys("j")
	d.keys("m")
	d.until(func() bool {
		return len(tt.overlay) == 2 && len(tt.overlay[0].hist) > 0 && len(tt.overlay[1].hist) >= 3
	}, 10*time.Second, "the overlay's histories")
	if len(tt.chart.overlay) != 2 || tt.chart.overlay[0].col == tt.chart.overlay[1].col {
		t.Fatalf("chart overlay: %d curves", len(tt.chart.overlay))
	}
	v = m.View()
	if !strings.Contains(v, "val loss:") || !strings.Contains(v, "━━ gru-s0") || !strings.Contains(v, "━━ rnn-s0 ") {
		t.Errorf("no overlay legend:\n%s", v)
	}
	checkFits(t, v, 120, 40)
	d.keys("m") // rnn-s0 leaves
	if len(tt.overlay) != 1 || tt.overlay[0].dir != sw.RunDir(0) {
		t.Errorf("m again: overlay %d runs", len(tt.overlay))
	}
	d.keys("M")
	if len(tt.overlay) != 0 || len(tt.chart.overlay) != 0 {
		t.Error("M did not clear the overlay")
	}
	if v := m.View(); strings.Contains(v, "val loss:") {
		t.Errorf("the overlay legend stays after M:\n%s", v)
	}
}
