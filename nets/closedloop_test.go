package nets

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ctdtui/ctdtui/sim"
)

func shortReach(t testing.TB, seconds float64, n int) (*sim.RandomTarget, *sim.Dataset) {
	p := sim.DefaultRandomTarget()
	p.MaxEpDuration = seconds
	task, err := sim.NewRandomTarget(p)
	if err != nil {
		t.Fatal(err)
	}
	d := task.Generate(n, sim.NewNumpyRNG(0))
	d.Split(0)
	return task, d
}

// TestClosedLoopGradient checks the whole closed loop — GRU, arm physics and
// the fed-back observations — against central differences in float64, for every
// parameter of a small GRU, at an epoch where both loss terms are active.
func TestClosedLoopGradient(t *testing.T) {
	task, d := shortReach(t, 0.32, 6) // 32 steps, the shortest the trial generator allows
	for _, kind := range []string{KindGRU, KindNODE} {
		t.Run(kind, func(t *testing.T) {
			cfg := Config{Kind: kind, Inputs: task.ModelInputDim(), Latent: 4, Outputs: task.OutputDim(), Layers: 2, LayerHidden: 5}
			rng := rand.New(rand.NewPCG(3, 3))
			m, err := New[float64](cfg, rng)
			if err != nil {
				t.Fatal(err)
			}
			// Larger readout biases push activations into the muscles' working range.
			bias := m.Params().Get("readout_bias")
			for i := range bias {
				bias[i] = 0.2 + 0.1*rng.Float64()
			}
			r := newRunner(m, task, 3, 2)
			var b sim.Batch
			d.FillBatch(&b, d.Train[:3], 0, 100)
			loss, err := r.lossAndGrad(&b, nil, true)
			if err != nil {
				t.Fatal(err)
			}
			grad := append([]float64(nil), r.grad...)
			p := m.Params().Data
			worst := 0.0
			for i := range p {
				old := p[i]
				p[i] = old + 1e-6
				lp, _ := r.lossAndGrad(&b, nil, false)
				p[i] = old - 1e-6
				lm, _ := r.lossAndGrad(&b, nil, false)
				p[i] = old
				fd := (lp - lm) / 2e-6
				rel := math.Abs(fd-grad[i]) / (1e-7 + math.Abs(fd))
				worst = max(worst, rel)
				if math.Abs(fd-grad[i]) > 1e-5*(1e-3+math.Abs(fd)) {
					t.Errorf("param %d: analytic %.8g, finite difference %.8g", i, grad[i], fd)
				}
			}
			t.Logf("loss %.6g, %d parameters, worst relative error %.2g", loss, len(p), worst)
		})
	}
}

// TestClosedLoopTrainingReducesLoss: a short closed-loop training run on a
// 0.5 s reach lowers the loss (at a fixed curriculum epoch) well below its start.
func TestClosedLoopTrainingReducesLoss(t *testing.T) {
	task, d := shortReach(t, 0.5, 60)
	tr, err := NewTrainer(task, d, Config{Kind: KindGRU, Latent: 16, ICStd: 0.05},
		TrainConfig{Epochs: 30, BatchSize: 48, LR: 1e-2, Clip: 1, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	const at = 200 // score every step (end of the curriculum)
	before, err := tr.Evaluate(context.Background(), d.Valid, at)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	after, err := tr.Evaluate(context.Background(), d.Valid, at)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("validation loss at full curriculum: %.4g before, %.4g after 30 epochs", before, after)
	if !(after < 0.5*before) {
		t.Fatalf("closed-loop training did not halve the loss: %.4g -> %.4g", before, after)
	}
}
