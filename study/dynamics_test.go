package study

import (
	"context"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/ctdtui/ctdtui/presets"
	"github.com/ctdtui/ctdtui/run"
)

// The dynamics probe's quick search finds the flip-flop's eight attractors
// (the corners of the cube) in the trained 3-bit GRU, and projects the
// trajectories and points to finite PC coordinates; the next probe keeps the
// PCs' signs.
func TestDynamicsProbeFindsFlipFlopCorners(t *testing.T) {
	s := open(t, flipFlop32)
	l := s.Run
	f, err := ProbeDynamics(context.Background(), l.Model, l.Task, l.Data, DynamicsOptions{}, l.Epoch, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f.Stable != 8 {
		t.Errorf("%d stable fixed points, want the 8 corners (%d fixed in all)", f.Stable, f.Fixed)
	}
	if len(f.Paths) != 8 || len(f.Trials) != 8 || len(f.Points) != f.Fixed {
		t.Fatalf("%d trajectories for %d trials, %d points for %d fixed", len(f.Paths), len(f.Trials), len(f.Points), f.Fixed)
	}
	for i, tr := range f.Paths {
		if len(tr) != l.Data.Len(f.Trials[i]) {
			t.Fatalf("trajectory %d has %d steps, its trial %d", i, len(tr), l.Data.Len(f.Trials[i]))
		}
	}
	for _, p := range f.Points {
		if math.IsNaN(p.PC[0]+p.PC[1]) || math.IsInf(p.PC[0]+p.PC[1], 0) {
			t.Fatalf("point %v", p)
		}
	}
	if r := f.Ratio[0] + f.Ratio[1]; !(r > 0 && r <= 1) {
		t.Fatalf("PC1+PC2 explain %v", r)
	}
	g, err := ProbeDynamics(context.Background(), l.Model, l.Task, l.Data, DynamicsOptions{}, l.Epoch, f)
	if err != nil {
		t.Fatal(err)
	}
	for j := 0; j < 2; j++ {
		a, b := f.Paths[0][0][j], g.Paths[0][0][j]
		if math.Abs(a-b) > 1e-9*math.Max(1, math.Abs(a)) {
			t.Fatalf("PC%d of the same model changed from %v to %v", j+1, a, b)
		}
	}
	// The saved run's report is the same frame.
	rep, err := s.Dynamics(context.Background(), DynamicsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Saved || rep.Stable != f.Stable || rep.Fixed != f.Fixed || rep.Paths[3][50] != f.Paths[3][50] {
		t.Fatalf("Dynamics: saved %v, %d/%d points, want %d/%d", rep.Saved, rep.Stable, rep.Fixed, f.Stable, f.Fixed)
	}
}

// The probe is offered a model only when it is idle and within its budget;
// the final model is always probed.
func TestLiveProbeBudget(t *testing.T) {
	l := open(t, flipFlop16).Run
	out := make(chan *DynamicsFrame, 8)
	p := NewLiveProbe(l.Task, l.Data, 1, DynamicsOptions{}, out)
	p.Budget = 0.04
	p.start = time.Now().Add(-time.Second) // 1 s of training: 40 ms of budget
	if p.Offer(1, l.Model, false) {
		t.Fatal("a probe was sent before the budget covered one (150 ms assumed)")
	}
	p.start = time.Now().Add(-10 * time.Second) // 400 ms of budget
	if !p.Offer(2, l.Model, false) {
		t.Fatal("no probe with the budget available")
	}
	if p.Offer(3, l.Model, false) {
		t.Fatal("a second probe was queued while the first is pending")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go p.Run(ctx)
	select {
	case f := <-out:
		if f.Err != nil || f.Epoch != 2 {
			t.Fatalf("frame %+v", f)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no frame")
	}
	for !p.Idle() {
		time.Sleep(time.Millisecond)
	}
	p.spent.Store(int64(time.Hour))
	if p.Offer(4, l.Model, false) {
		t.Fatal("a probe was sent over the budget")
	}
	p.Finish(ctx, 5, l.Model)
	select {
	case f := <-out:
		if f.Epoch != 5 {
			t.Fatalf("final frame at epoch %d", f.Epoch)
		}
	default:
		t.Fatal("Finish did not probe the final model")
	}
}

// BenchmarkTrainDynamics trains 3bff-small for 150 epochs (one iteration)
// without the live-dynamics probe, with it as the Train tab runs it (rationed
// to a share of the training time), and with the ration lifted (a probe after
// every epoch it is idle for): the difference between the first two is what
// the live panel costs training. It reports epochs/s up to the last epoch
// (the probe of the final model, after training, is not counted) and the
// probes made.
func BenchmarkTrainDynamics(b *testing.B) {
	for _, mode := range []string{"off", "rationed", "unrationed"} {
		b.Run(mode, func(b *testing.B) {
			cfg, err := presets.Embedded("3bff-small")
			if err != nil {
				b.Fatal(err)
			}
			cfg.Train.Epochs = 150
			epochs, frames := 0, 0
			var training time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				r, err := run.Create(filepath.Join(b.TempDir(), "run"), cfg)
				if err != nil {
					b.Fatal(err)
				}
				s, err := run.NewSession(r)
				if err != nil {
					b.Fatal(err)
				}
				var probe *LiveProbe
				out := make(chan *DynamicsFrame, 1000)
				if mode != "off" {
					probe = NewLiveProbe(s.Task, s.Data, s.Trainer.Workers(), DynamicsOptions{}, out)
					if mode == "unrationed" {
						probe.Budget = math.Inf(1)
					}
				}
				b.StartTimer()
				start := time.Now()
				if err := TrainWatched(context.Background(), s, probe, func(st run.EpochStats) {
					if st.Epoch == cfg.Train.Epochs {
						training += time.Since(start)
					}
				}); err != nil {
					b.Fatal(err)
				}
				epochs += cfg.Train.Epochs
				frames += len(out)
			}
			b.ReportMetric(float64(epochs)/training.Seconds(), "epochs/s")
			b.ReportMetric(float64(frames)/float64(b.N), "probes/run")
		})
	}
}
