package nets

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/ctdtui/ctdtui/sim"
)

// The benchmarks below are the issue-3 workloads: one training epoch of the
// reference's 3-bit flip-flop (1000 trials × 500 steps, 800 training trials,
// validation included), one inference pass over all 1000 trials, and (in
// fpmap_test.go) 1000 fixed-point iterations on 1024 states. Run them with
//
//	go test -run '^$' -bench 'Epoch|Infer|FixedPoint' -benchtime 3x -cpu 1,2 ./nets
//
// and compare with ../shared/bench/torch_ref.py on the same number of cores
// (scripts/bench_vs_torch.sh runs both, interleaved and pinned). Each reports
// wall seconds, CPU seconds (less disturbed on a shared machine) and the
// dense GFLOP/s (FLOPs counted as torch_ref.py counts them). They run the
// best instruction set of the machine; CTDTUI_SIMD=avx2 (or go) runs another
// (internal/simd), e.g. to measure what AVX-512 gains.

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
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tr.Cfg.Epochs = tr.Epoch + 1
		if err := tr.Run(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	reportEpoch(b, tr.Model.Config(), len(d.Train), len(d.Valid), d.Steps, cpu0)
}

// cpuTime is the process's user+system CPU time: on a shared machine it is
// less disturbed by other processes than the wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// denseFlops is the multiply-add FLOPs (2 per MAC) of the dense layers per
// row and step, forward and backward, counted as ../shared/bench/torch_ref.py
// counts them (backward: weight and state gradients, no input gradient).
func denseFlops(c Config) (fwd, bwd float64) {
	I, O := float64(c.Inputs), float64(c.Outputs)
	switch c.Kind {
	case KindNODE:
		L, Hd := float64(c.Latent), float64(c.LayerHidden)
		dims := [][2]float64{{L + I, Hd}}
		for k := 0; k < c.Layers-2; k++ {
			dims = append(dims, [2]float64{Hd, Hd})
		}
		dims = append(dims, [2]float64{Hd, L})
		for _, d := range dims {
			fwd += 2 * d[0] * d[1]
			bwd += 4 * d[0] * d[1]
		}
		return fwd + 2*L*O, bwd + 4*L*O
	default:
		H, g := float64(c.Latent), 1.0
		switch c.Kind {
		case KindGRU, KindNoisyGRU:
			g = 3
		case KindLSTM:
			g = 4
		}
		fwd = 2*I*g*H + 2*H*g*H + 2*H*O
		bwd = 2*g*H*H*2 + 2*I*g*H + 2*2*O*H
		return fwd, bwd
	}
}

// reportEpoch reports seconds (wall and CPU) per epoch and, when steps > 0,
// the dense GFLOP/s of epochs of that many steps per trial.
func reportEpoch(b *testing.B, c Config, nTrain, nValid, steps int, cpu0 time.Duration) {
	n := float64(b.N)
	wall := b.Elapsed().Seconds() / n
	fwd, bwd := denseFlops(c)
	flops := float64(steps) * (float64(nTrain)*(fwd+bwd) + float64(nValid)*fwd)
	b.ReportMetric(wall, "s/epoch")
	b.ReportMetric((cpuTime()-cpu0).Seconds()/n, "cpu-s/epoch")
	if steps > 0 {
		b.ReportMetric(flops/wall/1e9, "GFLOP/s")
	}
}

func BenchmarkEpochGRU128(b *testing.B) {
	benchEpoch(b, Config{Kind: KindGRU, Latent: 128, ICStd: 0.05}, 256)
}

// BenchmarkEpochGRU128Batch1000 is the epoch of the 3bff-gru128 preset (the
// reference's NBFF notebook): one batch of all 800 training trials.
func BenchmarkEpochGRU128Batch1000(b *testing.B) {
	benchEpoch(b, Config{Kind: KindGRU, Latent: 128, ICStd: 0.05}, 1000)
}

func BenchmarkEpochGRU64(b *testing.B) {
	benchEpoch(b, Config{Kind: KindGRU, Latent: 64, ICStd: 0.05}, 256)
}

func BenchmarkEpochLSTM128(b *testing.B) {
	benchEpoch(b, Config{Kind: KindLSTM, Latent: 128, ICStd: 0.05}, 256)
}

func BenchmarkEpochLSTM64(b *testing.B) {
	benchEpoch(b, Config{Kind: KindLSTM, Latent: 64, ICStd: 0.05}, 256)
}

func BenchmarkEpochRNN128(b *testing.B) {
	benchEpoch(b, Config{Kind: KindRNN, Latent: 128}, 256)
}

func BenchmarkEpochNODE3(b *testing.B) {
	benchEpoch(b, Config{Kind: KindNODE, Latent: 3, Layers: 3, LayerHidden: 64}, 256)
}

func benchInfer(b *testing.B, mc Config) {
	task, d := flipFlop500(b)
	tr, err := NewTrainer(task, d, mc, TrainConfig{Epochs: 1, BatchSize: 256, LR: 1e-3, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	all := make([]int, d.N())
	for i := range all {
		all[i] = i
	}
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Infer(context.Background(), tr.Model, task, d, all, &InferOptions{Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
	n := float64(b.N)
	fwd, _ := denseFlops(tr.Model.Config())
	b.ReportMetric(b.Elapsed().Seconds()/n, "s/pass")
	b.ReportMetric((cpuTime()-cpu0).Seconds()/n, "cpu-s/pass")
	b.ReportMetric(fwd*float64(d.Steps*d.N())/(b.Elapsed().Seconds()/n)/1e9, "GFLOP/s")
}

func BenchmarkInferGRU128(b *testing.B) {
	benchInfer(b, Config{Kind: KindGRU, Latent: 128, ICStd: 0.05})
}

func BenchmarkInferLSTM128(b *testing.B) {
	benchInfer(b, Config{Kind: KindLSTM, Latent: 128, ICStd: 0.05})
}

func BenchmarkInferRNN128(b *testing.B) { benchInfer(b, Config{Kind: KindRNN, Latent: 128}) }

func BenchmarkInferNODE3(b *testing.B) {
	benchInfer(b, Config{Kind: KindNODE, Latent: 3, Layers: 3, LayerHidden: 64})
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
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tr.Cfg.Epochs = tr.Epoch + 1
		if err := tr.Run(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	steps := d.Steps
	if !fullLength {
		steps = 0 // batches stop at their longest trial: no fixed FLOP count
	}
	reportEpoch(b, tr.Model.Config(), len(d.Train), len(d.Valid), steps, cpu0)
}

func BenchmarkEpochMultiTaskCut(b *testing.B)    { benchMultiTask(b, false) }
func BenchmarkEpochMultiTaskPadded(b *testing.B) { benchMultiTask(b, true) }
