package nets

import (
	"context"
	"testing"

	"github.com/ctdtui/ctdtui/sim"
)

// TestMultiTaskTrainingReducesLoss trains a small GRU on two MultiTask tasks
// (grouped single-task batches, the reference's sampler) and requires the
// validation loss to fall by a third: the network must have started to fixate
// and respond, not merely output zeros.
func TestMultiTaskTrainingReducesLoss(t *testing.T) {
	p := sim.DefaultMultiTask()
	p.Tasks = []string{"DelayPro", "DelayAnti"}
	task, err := sim.NewMultiTask(p)
	if err != nil {
		t.Fatal(err)
	}
	d := task.Generate(40, sim.NewNumpyRNG(0))
	d.Split(0)
	tr, err := NewTrainer(task, d, Config{Kind: KindGRU, Latent: 24, ICStd: 0.05},
		TrainConfig{Epochs: 12, BatchSize: 16, LR: 1e-2, Clip: 1, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	before, err := tr.Evaluate(context.Background(), d.Valid, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	after, err := tr.Evaluate(context.Background(), d.Valid, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("MultiTask validation loss %.4g -> %.4g", before, after)
	if !(after < before*2/3) {
		t.Fatalf("loss did not fall by a third: %.4g -> %.4g", before, after)
	}
}
