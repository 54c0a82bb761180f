package nets

import (
	"context"
	"testing"

	"github.com/ctdtui/ctdtui/sim"
)

// The benchmarks below are the issue-3 workloads: one training epoch of the
// reference's 3-bit flip-flop (1000 trials × 500 steps, 800 training trials,
// validation included) and one inference pass over all 1000 trials. Run them with
//
//	go test -run '^$' -bench 'Epoch|Infer' -benchtime 3x ./nets
//
// and compare with ../shared/bench/torch_ref.py on the same number of cores
// (GOMAXPROCS=1 for the single-core rows).

var benchData struct {
	task sim.Task
	data *sim.Dataset
}

func flipFlop500(b *testing.B) (sim.Task, *sim.Dataset) {
	if benchData.data == nil {
		task, err := sim.NewNBFF(sim.DefaultNBFF())
		if err != nil {
			b.Fatal(err)
		}
		d := task.Generate(1000, sim.NewNumpyRNG(0))
		d.Split(0)
		benchData.task, benchData.data = task, d
	}
	return benchData.task, benchData.data
}

func benchEpoch(b *testing.B, mc Config, batch int) {
	task, d := flipFlop500(b)
	tr, err := NewTrainer(task, d, mc, TrainConfig{Epochs: 1 << 30, BatchSize: batch, LR: 1e-3, WeightDecay: 1e-8, Clip: 1, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	tr.Cfg.Epochs = 1
	if err := tr.Run(context.Background()); err != nil { // warm-up: allocates the tapes
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tr.Cfg.Epochs = tr.Epoch + 1
		if err := tr.Run(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/epoch")
}

func BenchmarkEpochGRU128(b *testing.B) {
	benchEpoch(b, Config{Kind: KindGRU, Latent: 128, ICStd: 0.05}, 256)
}

func BenchmarkEpochGRU64(b *testing.B) {
	benchEpoch(b, Config{Kind: KindGRU, Latent: 64, ICStd: 0.05}, 256)
}

func BenchmarkEpochRNN128(b *testing.B) {
	benchEpoch(b, Config{Kind: KindRNN, Latent: 128}, 256)
}

func BenchmarkEpochNODE3(b *testing.B) {
	benchEpoch(b, Config{Kind: KindNODE, Latent: 3, Layers: 3, LayerHidden: 64}, 256)
}

func BenchmarkInferGRU128(b *testing.B) {
	task, d := flipFlop500(b)
	tr, err := NewTrainer(task, d, Config{Kind: KindGRU, Latent: 128, ICStd: 0.05}, TrainConfig{Epochs: 1, BatchSize: 256, LR: 1e-3, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	all := make([]int, d.N())
	for i := range all {
		all[i] = i
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Infer(context.Background(), tr.Model, task, d, all, &InferOptions{Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/pass")
}

// MultiTask epochs (the 15 tasks, 1000 trials each, batch 64, GRU-128): trials
// are padded to 640 steps but last at most 314; "Cut" stops every batch at its
// longest trial, "Padded" simulates all 640 steps as the reference does.
var multiTaskBench struct {
	task sim.Task
	data *sim.Dataset
}

func benchMultiTask(b *testing.B, fullLength bool) {
	if multiTaskBench.data == nil {
		task, err := sim.NewMultiTask(sim.DefaultMultiTask())
		if err != nil {
			b.Fatal(err)
		}
		d := task.Generate(1000, sim.NewNumpyRNG(0))
		d.Split(0)
		multiTaskBench.task, multiTaskBench.data = task, d
	}
	task, d := multiTaskBench.task, multiTaskBench.data
	tr, err := NewTrainer(task, d, Config{Kind: KindGRU, Latent: 128, ICStd: 0.05}, TrainConfig{Epochs: 1, BatchSize: 64, LR: 1e-3, WeightDecay: 1e-8, Clip: 1, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	tr.FullLength = fullLength
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tr.Cfg.Epochs = tr.Epoch + 1
		if err := tr.Run(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/epoch")
}

func BenchmarkEpochMultiTaskCut(b *testing.B)    { benchMultiTask(b, false) }
func BenchmarkEpochMultiTaskPadded(b *testing.B) { benchMultiTask(b, true) }
