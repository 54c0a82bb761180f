package nets

import (
	"context"
	"slices"
	"testing"

	"github.com/ctdtui/ctdtui/sim"
)

// smallFlipFlop is a quick 3-bit flip-flop: 60-step trials with frequent pulses.
func smallFlipFlop(t testing.TB, n int) (sim.Task, *sim.Dataset) {
	task, err := sim.NewNBFF(sim.NBFFParams{Bits: 3, Steps: 60, SwitchProb: 0.05, Noise: 0.15, TransitionBlind: 4})
	if err != nil {
		t.Fatal(err)
	}
	d := task.Generate(n, sim.NewNumpyRNG(0))
	d.Split(0)
	return task, d
}

// constantLoss is the validation loss of the best constant predictor (each bit's
// mean target), the floor that a model which learned nothing would reach.
func constantLoss(task sim.Task, d *sim.Dataset) float64 {
	var b sim.Batch
	d.FillBatch(&b, d.Valid, 0, 0)
	n := task.OutputDim()
	mean := make([]float64, n)
	for i, v := range b.Targets {
		mean[i%n] += float64(v) / float64(len(b.Targets)/n)
	}
	out := &sim.Outputs{B: b.B, T: b.T, Controlled: make([]float64, len(b.Targets))}
	for i := range out.Controlled {
		out.Controlled[i] = mean[i%n]
	}
	out.Actions = out.Controlled
	return task.Loss().Eval(&b, out, nil)
}

// TestConvergenceSmallFlipFlop trains a small GRU and requires the validation loss
// to fall below a tenth of the constant predictor's: the network must have learned
// to hold and flip its bits, not just the average.
func TestConvergenceSmallFlipFlop(t *testing.T) {
	task, d := smallFlipFlop(t, 300)
	tr, err := NewTrainer(task, d, Config{Kind: KindGRU, Latent: 24, ICStd: 0.05},
		TrainConfig{Epochs: 60, BatchSize: 40, LR: 1e-2, Clip: 1, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var last EpochStats
	tr.OnEpoch = func(s EpochStats) error { last = s; return nil }
	if err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	floor := constantLoss(task, d)
	t.Logf("val loss %.4g after %d epochs; constant predictor %.4g", last.ValLoss, last.Epoch, floor)
	if !(last.ValLoss < floor/10) {
		t.Fatalf("val loss %.4g not below a tenth of the constant predictor's %.4g", last.ValLoss, floor)
	}
}

// TestCancelInsideBatch: cancelling during a long batch returns promptly with
// the model restored to its last completed epoch.
func TestCancelInsideBatch(t *testing.T) {
	task, d := smallFlipFlop(t, 100)
	tr, err := NewTrainer(task, d, Config{Kind: KindGRU, Latent: 8}, TrainConfig{Epochs: 2, BatchSize: 100, LR: 1e-2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	before := append([]float32(nil), tr.Model.Params().Data...)
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // already cancelled: the first step of the first batch stops
	if err := tr.Run(ctx); err == nil {
		t.Fatal("cancelled run returned no error")
	}
	if tr.Epoch != 0 || !slices.Equal(before, tr.Model.Params().Data) || tr.Opt.Step != 0 {
		t.Fatal("a cancelled batch changed the model or optimiser")
	}
}
