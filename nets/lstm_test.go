package nets

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ctdtui/ctdtui/internal/simd"
	"github.com/ctdtui/ctdtui/sim"
)

// concatStates joins the golden h and c (both (B,T,H), batch-first) into the
// LSTM's state rows [h | c] ((B,T,2H)).
func concatStates(h, c []float64, B, T, H int) []float64 {
	out := make([]float64, 0, 2*len(h))
	for k := 0; k < B*T; k++ {
		out = append(out, h[k*H:(k+1)*H]...)
		out = append(out, c[k*H:(k+1)*H]...)
	}
	return out
}

// lstmGates checks the gates the tape stored for each step (i, f, g, o
// blocks of g) against the golden gate values.
func lstmGates[F sim.Float](t *testing.T, tape *lstmTape[F], fwd map[string]any, B, T, H int, tol float64) {
	t.Helper()
	for k, name := range []string{"i", "f", "g", "o"} {
		want := timeMajor(flat(fwd[name]), B, T, H)
		for s := 0; s < T; s++ {
			for b := 0; b < B; b++ {
				got := tape.g[(s*B+b)*4*H+k*H : (s*B+b)*4*H+(k+1)*H]
				for j, v := range got {
					w := want[(s*B+b)*H+j]
					if d := math.Abs(float64(v) - w); d > tol*(1+math.Abs(w)) {
						t.Fatalf("gate %s[t=%d][b=%d][%d] = %v, want %v", name, s, b, j, v, w)
					}
				}
			}
		}
	}
}

// TestLSTMGolden checks the LSTM against torch's LSTMCell (both precisions):
// the states h and c after every step, the gates, the outputs, the loss and
// every gradient (weights, both biases, readout, both learned initial states).
func TestLSTMGolden(t *testing.T) {
	for _, f := range []struct {
		file     string
		f32      bool
		tol, gtl float64
	}{{"tt_lstm_f64.json", false, 1e-12, 1e-10}, {"tt_lstm_f32.json", true, 1e-6, 1e-5}} {
		var g goldenFile
		loadJSON(t, f.file, &g)
		c := numbers(g.Config)
		B, T, H := int(c["batch"]), int(c["steps"]), int(c["hidden_size"])
		gc := goldenCase{
			cfg:    Config{Kind: KindLSTM, Inputs: int(c["input_size"]), Latent: H, Outputs: int(c["output_size"])},
			params: g.Params, inputs: flat(g.Inputs), targets: flat(g.Targets), B: B, T: T,
			fwdH:   concatStates(flat(g.Forward["h"]), flat(g.Forward["c"]), B, T, H),
			fwdOut: flat(g.Forward["out"]), loss: g.Loss, grads: g.Grads,
			afterForward: func(t *testing.T, tape any) {
				switch tp := tape.(type) {
				case *lstmTape[float32]:
					lstmGates(t, tp, g.Forward, B, T, H, f.tol)
				case *lstmTape[float64]:
					lstmGates(t, tp, g.Forward, B, T, H, f.tol)
				default:
					t.Fatalf("tape is a %T", tape)
				}
			},
		}
		if len(g.Grads) != 8 {
			t.Fatalf("%s: %d gradients, want 8", f.file, len(g.Grads))
		}
		t.Run(f.file, func(t *testing.T) {
			if f.f32 {
				runGolden[float32](t, gc, f.tol, f.gtl)
			} else {
				runGolden[float64](t, gc, f.tol, f.gtl)
			}
		})
	}
}

// TestConvergenceSmallFourBitLSTM trains a small LSTM on a short 4-bit
// flip-flop and requires the validation loss to fall below a tenth of the
// constant predictor's, as TestConvergenceSmallFlipFlop does for the GRU: the
// network holds and flips its bits. At this learning rate the loss still
// jumps by up to 2× from epoch to epoch, so the test takes the best of the
// last ten epochs.
func TestConvergenceSmallFourBitLSTM(t *testing.T) {
	task, err := sim.NewNBFF(sim.NBFFParams{Bits: 4, Steps: 60, SwitchProb: 0.05, Noise: 0.15, TransitionBlind: 4})
	if err != nil {
		t.Fatal(err)
	}
	d := task.Generate(600, sim.NewNumpyRNG(0))
	d.Split(0)
	const epochs = 100
	tr, err := NewTrainer(task, d, Config{Kind: KindLSTM, Latent: 24, ICStd: 0.05},
		TrainConfig{Epochs: epochs, BatchSize: 40, LR: 1e-2, Clip: 1, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	best := math.Inf(1)
	tr.OnEpoch = func(s EpochStats) error {
		if s.Epoch > epochs-10 {
			best = min(best, s.ValLoss)
		}
		return nil
	}
	if err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	floor := constantLoss(task, d)
	t.Logf("best val loss of the last 10 of %d epochs %.4g; constant predictor %.4g", epochs, best, floor)
	if !(best < floor/10) {
		t.Fatalf("val loss %.4g not below a tenth of the constant predictor's %.4g", best, floor)
	}
}

// TestLSTMKernelsMatchPortable checks the vector LSTM step kernels (AVX2
// and, where the CPU has it, AVX-512) against the portable ones (float32):
// sizes with an odd and an even number of vectors per row at both widths,
// every unrolled input count's neighbourhood and the generic loop (25 and
// more inputs), no readout gradient, and each optional operand present or
// not; AVX-512 must equal AVX2 bit for bit (checkPaths).
func TestLSTMKernelsMatchPortable(t *testing.T) {
	if !hasCellAsm() {
		t.Skip("no vector cell kernels on this CPU")
	}
	t.Logf("vector paths compared with go: %v", vectorPaths())
	rng := rand.New(rand.NewPCG(13, 14))
	for _, sz := range []struct{ B, H, I, O int }{{1, 8, 1, 1}, {5, 16, 3, 3}, {7, 24, 20, 6}, {3, 128, 3, 3}, {3, 128, 4, 4},
		{2, 8, 2, 0}, {2, 16, 8, 2}, {3, 8, 9, 1}, {2, 24, 17, 6}, {2, 40, 24, 1}, {2, 8, 25, 1}, {3, 32, 30, 2}, {2, 48, 6, 2}, {2, 80, 26, 1}} {
		B, H, I, O := sz.B, sz.H, sz.I, sz.O
		x, wihT, bias := randF32(rng, B*I, 1), randF32(rng, I*4*H, 0.5), randF32(rng, 4*H, 0.5)
		gh, sp := randF32(rng, B*4*H, 2), randF32(rng, B*2*H, 1)
		// Extreme pre-activations exercise the clamps of σ and tanh.
		gh[0], gh[H], gh[2*H], gh[3*H] = 60, -120, 30, -40
		name := fmt.Sprintf("B%d H%d I%d", B, H, I)
		fwd := func() [][]float32 {
			g, sn, tc := clone(gh), make([]float32, B*2*H), make([]float32, B*H)
			lstmForward(B, H, I, x, wihT, bias, lstmBlock(nil, H, I, wihT, bias), g, sp, sn, tc)
			return [][]float32{g, sn, tc}
		}
		checkPaths(t, name+" forward", 1e-6, fwd)
		var want [][]float32
		withCellPath(simd.Go, func() { want = fwd() })

		ds, dlat, dy, wout := randF32(rng, B*2*H, 1), randF32(rng, B*2*H, 1), randF32(rng, B*O, 1), randF32(rng, O*H, 0.5)
		for _, withLat := range []bool{false, true} {
			for _, withAcc := range []bool{false, true} {
				checkPaths(t, fmt.Sprintf("%s backward lat=%v acc=%v", name, withLat, withAcc), 1e-5, func() [][]float32 {
					d, g := clone(ds), clone(want[0])
					var lat, acc []float32
					if withLat {
						lat = dlat
					}
					if withAcc {
						acc = randF32(rand.New(rand.NewPCG(9, 9)), 4*H, 1)
					}
					lstmBackward(B, H, O, d, lat, dy, wout, g, want[2], sp, acc)
					// The h half of ds is the caller's (overwritten by
					// ∂ã·W_hh): compare the c half.
					var dc []float32
					for b := 0; b < B; b++ {
						dc = append(dc, d[b*2*H+H:(b+1)*2*H]...)
					}
					return [][]float32{dc, g, acc}
				})
			}
		}
	}
}

// TestLSTMKernelsKeepNaN: a NaN pre-activation gives a NaN state in both
// paths, so that a diverging run is caught, not clamped into range.
func TestLSTMKernelsKeepNaN(t *testing.T) {
	const B, H, I = 1, 16, 3
	rng := rand.New(rand.NewPCG(1, 1))
	x, wihT, bias := randF32(rng, B*I, 1), randF32(rng, I*4*H, 0.5), randF32(rng, 4*H, 0.5)
	sp := randF32(rng, B*2*H, 1)
	for _, l := range simd.Available() {
		for gate := 0; gate < 4; gate++ {
			g := randF32(rng, B*4*H, 1)
			g[gate*H+5] = float32(math.NaN())
			sn, tc := make([]float32, B*2*H), make([]float32, B*H)
			withCellPath(l, func() {
				lstmForward(B, H, I, x, wihT, bias, lstmBlock(nil, H, I, wihT, bias), g, sp, sn, tc)
			})
			if v := sn[5]; !math.IsNaN(float64(v)) {
				t.Errorf("%v, NaN in gate %d: h'[5] = %v", l, gate, v)
			}
		}
	}
}

// BenchmarkLSTMKernels times the fused step kernels alone on L2-resident
// data (LSTM-128, 64 rows): ns per row and step (compare BenchmarkGRUKernels).
func BenchmarkLSTMKernels(b *testing.B) {
	const B, H, I, O = 64, 128, 3, 3
	rng := rand.New(rand.NewPCG(1, 2))
	x, wihT, bias := randF32(rng, B*I, 1), randF32(rng, I*4*H, 0.5), randF32(rng, 4*H, 0.5)
	gh, sp, sn, tc := randF32(rng, B*4*H, 2), randF32(rng, B*2*H, 1), make([]float32, B*2*H), make([]float32, B*H)
	g := make([]float32, len(gh))
	ds, dy, wout, acc := randF32(rng, B*2*H, 1), randF32(rng, B*O, 1), randF32(rng, O*H, 1), make([]float32, 4*H)
	for _, l := range simd.Available() {
		name := l.String()
		withCellPath(l, func() {
			blk := lstmBlock(nil, H, I, wihT, bias)
			b.Run("forward/"+name, func(b *testing.B) {
				c0 := cpuTime()
				for b.Loop() {
					copy(g, gh)
					lstmForward(B, H, I, x, wihT, bias, blk, g, sp, sn, tc)
				}
				b.ReportMetric(float64((cpuTime()-c0).Nanoseconds())/float64(b.N*B), "cpu-ns/row")
			})
			b.Run("backward/"+name, func(b *testing.B) {
				c0 := cpuTime()
				for b.Loop() {
					copy(g, gh)
					lstmBackward(B, H, O, ds, nil, dy, wout, g, tc, sp, acc)
				}
				b.ReportMetric(float64((cpuTime()-c0).Nanoseconds())/float64(b.N*B), "cpu-ns/row")
			})
		})
	}
}

// BenchmarkFixedPointLSTM128 is BenchmarkFixedPointGRU128 for an LSTM-128:
// F(x) and Jᵀ(F(x) − x) for 1024 states [h, c] (256 values each), per 1000
// iterations.
func BenchmarkFixedPointLSTM128(b *testing.B) {
	m, _ := New[float32](Config{Kind: KindLSTM, Inputs: 3, Latent: 128, Outputs: 3}, rand.New(rand.NewPCG(1, 1)))
	p := NewFixedPointMap(m)
	const n, H = 1024, 128
	rng := rand.New(rand.NewPCG(4, 4))
	x, u := make([]float64, n*2*H), make([]float64, n*3)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	f, g := make([]float64, n*2*H), make([]float64, n*2*H)
	for b.Loop() {
		p.EvalResidualVJP(f, g, x, n, u)
	}
	per := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(1000*per, "s/1000iter")
	b.ReportMetric(4*float64(n)*4*H*H/per/1e9, "GFLOP/s")
}
