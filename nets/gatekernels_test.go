package nets

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ctdtui/ctdtui/internal/simd"
	"github.com/ctdtui/ctdtui/nets/gemm"
)

// vectorPaths lists the vector cell kernel sets this machine runs, best
// first (empty without AVX2).
func vectorPaths() []simd.Level {
	var out []simd.Level
	for _, l := range simd.Available() {
		if l != simd.Go {
			out = append(out, l)
		}
	}
	return out
}

func hasCellAsm() bool { return len(vectorPaths()) > 0 }

// withCellPath runs f with the cell kernels and the GEMM forced to level l.
func withCellPath(l simd.Level, f func()) {
	old, oldGemm := cellPath, gemm.SetPath(l)
	cellPath = l
	defer func() { cellPath = old; gemm.SetPath(oldGemm) }()
	f()
}

// checkPaths runs run on the portable path and on every vector path of this
// machine and compares the outputs: each within tol (relative to 1 + |want|)
// of the portable result, and the AVX-512 ones bit for bit equal to the AVX2
// ones (the AVX-512 kernels compute the same float32 operations lane by
// lane; sizes that are not multiples of 16 run the AVX2 kernels).
func checkPaths(t *testing.T, name string, tol float64, run func() [][]float32) {
	t.Helper()
	var want [][]float32
	withCellPath(simd.Go, func() { want = run() })
	got := map[simd.Level][][]float32{}
	for _, l := range vectorPaths() {
		withCellPath(l, func() { got[l] = run() })
		for i := range want {
			closeF32(t, fmt.Sprintf("%s, output %d, %v", name, i, l), got[l][i], want[i], tol)
		}
	}
	if a, z := got[simd.AVX2], got[simd.AVX512]; a != nil && z != nil {
		for i := range a {
			for j := range a[i] {
				if math.Float32bits(a[i][j]) != math.Float32bits(z[i][j]) {
					t.Fatalf("%s, output %d: avx512 %v, avx2 %v at %d", name, i, z[i][j], a[i][j], j)
				}
			}
		}
	}
}

func clone(s []float32) []float32 { return append([]float32(nil), s...) }

func randF32(rng *rand.Rand, n int, scale float64) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(scale * rng.NormFloat64())
	}
	return s
}

// closeF32 reports the first element where got and want differ by more than
// tol relative to (1 + |want|); NaN matches NaN.
func closeF32(t *testing.T, name string, got, want []float32, tol float64) {
	t.Helper()
	for i := range want {
		if math.IsNaN(float64(got[i])) && math.IsNaN(float64(want[i])) {
			continue
		}
		if d := math.Abs(float64(got[i]) - float64(want[i])); !(d <= tol*(1+math.Abs(float64(want[i])))) {
			t.Fatalf("%s[%d] = %v, want %v", name, i, got[i], want[i])
		}
	}
}

// TestGRUKernelsMatchPortable checks the vector GRU step kernels (AVX2 and,
// where the CPU has it, AVX-512) against the portable ones (float32, sizes
// the vector kernels take, all optional operands): an odd and an even
// number of vectors per row at both widths, every unrolled input count's
// neighbourhood and the generic loop.
func TestGRUKernelsMatchPortable(t *testing.T) {
	if !hasCellAsm() {
		t.Skip("no vector cell kernels on this CPU")
	}
	t.Logf("vector paths compared with go: %v", vectorPaths())
	rng := rand.New(rand.NewPCG(3, 4))
	for _, sz := range []struct{ B, H, I, O int }{{1, 8, 1, 1}, {5, 16, 3, 3}, {7, 24, 20, 6}, {3, 128, 3, 3}, {2, 8, 2, 0}, {2, 16, 8, 2}, {3, 8, 9, 1},
		{2, 24, 5, 1}, {2, 16, 17, 6}, {2, 8, 24, 1}, {2, 8, 25, 1}, {2, 48, 5, 2}, {3, 32, 24, 1}, {2, 80, 25, 3}, {2, 64, 1, 0}} {
		B, H, I, O := sz.B, sz.H, sz.I, sz.O
		name := fmt.Sprintf("B%d H%d I%d O%d", B, H, I, O)
		x, wihT, bias := randF32(rng, B*I, 1), randF32(rng, I*3*H, 0.5), randF32(rng, 4*H, 0.5)
		gh, hp := randF32(rng, B*3*H, 2), randF32(rng, B*H, 1)
		// Extreme pre-activations exercise the clamps of σ and tanh.
		gh[0], gh[H], gh[2*H] = 60, -120, 30
		fwd := func() [][]float32 {
			g, ghn, hn := clone(gh), make([]float32, B*H), make([]float32, B*H)
			gruForward(B, H, I, x, wihT, bias, gruBlock(nil, H, I, wihT, bias), g, ghn, hp, hn)
			return [][]float32{g, ghn, hn}
		}
		checkPaths(t, name+" forward", 1e-6, fwd)
		var fw [][]float32
		withCellPath(simd.Go, func() { fw = fwd() })

		dh, dlat, dy, wout := randF32(rng, B*H, 1), randF32(rng, B*H, 1), randF32(rng, B*O, 1), randF32(rng, O*H, 0.5)
		for _, withLat := range []bool{false, true} {
			for _, withAcc := range []bool{false, true} {
				checkPaths(t, fmt.Sprintf("%s backward lat=%v acc=%v", name, withLat, withAcc), 1e-5, func() [][]float32 {
					d, g, ghn := clone(dh), clone(fw[0]), clone(fw[1])
					var lat, acc []float32
					if withLat {
						lat = dlat
					}
					if withAcc {
						acc = randF32(rand.New(rand.NewPCG(9, 9)), 4*H, 1)
					}
					gruBackward(B, H, O, d, lat, dy, wout, g, ghn, hp, acc)
					return [][]float32{d, g, ghn, acc}
				})
			}
		}
	}
}

// TestFloat32TapeMatchesFloat64 runs whole rollouts and backward passes of
// float32 models at sizes the vector kernels take and compares outputs, latents
// and every gradient (parameters, inputs, initial state) with the same model in
// float64: the fast float32 paths must agree with the exact ones to float32
// rounding.
func TestFloat32TapeMatchesFloat64(t *testing.T) {
	const B, T = 5, 7
	for _, cfg := range []Config{
		{Kind: KindGRU, Inputs: 3, Latent: 16, Outputs: 3, ICStd: 0.1},
		{Kind: KindNoisyGRU, Inputs: 2, Latent: 24, Outputs: 2, ICStd: 0.1, Noise: 0.1},
		{Kind: KindRNN, Inputs: 3, Latent: 16, Outputs: 3},
		{Kind: KindDriscoll, Inputs: 3, Latent: 16, Outputs: 2, Noise: 0.1, Gamma: 0.3},
		{Kind: KindNODE, Inputs: 3, Latent: 3, Outputs: 3, Layers: 3, LayerHidden: 16},
		{Kind: KindLSTM, Inputs: 3, Latent: 16, Outputs: 3, ICStd: 0.1},
		{Kind: KindLSTM, Inputs: 2, Latent: 24, Outputs: 1, ICStd: 0.1},
	} {
		t.Run(cfg.Kind, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(11, 12))
			m32, err := New[float32](cfg, rng)
			if err != nil {
				t.Fatal(err)
			}
			for i := range m32.Params().Data {
				m32.Params().Data[i] += float32(0.1 * rng.NormFloat64())
			}
			m64 := Convert[float64](m32)
			H, I, O := cfg.StateDim(), cfg.Inputs, cfg.Outputs
			x := make([]float64, T*B*I)
			dy := make([]float64, T*B*O)
			dlat := make([]float64, T*B*H)
			for _, a := range [][]float64{x, dy, dlat} {
				for i := range a {
					a[i] = rng.NormFloat64()
				}
			}
			type result struct{ y, lat, grad, dx, dh0 []float64 }
			run32 := func() result {
				tape := m32.NewTape(B, T)
				tape.Reset(B, NewNoise(5, []int{0, 1, 2, 3, 4}))
				y := make([]float32, T*B*O)
				ForwardOpen(tape, B, T, I, O, conv[float32](x), y)
				var r result
				r.y = toF64(y)
				for s := 0; s < T; s++ {
					r.lat = append(r.lat, toF64(tape.Latent(s))...)
				}
				grad := make([]float32, m32.Params().Len())
				dx := make([]float32, T*B*I)
				dy32, dl32 := conv[float32](dy), conv[float32](dlat)
				for s := T - 1; s >= 0; s-- {
					tape.Backward(s, dy32[s*B*O:(s+1)*B*O], dl32[s*B*H:(s+1)*B*H], dx[s*B*I:(s+1)*B*I], grad)
				}
				r.grad, r.dx, r.dh0 = toF64(grad), toF64(dx), toF64(tape.InitialGrad())
				return r
			}
			run64 := func() result {
				tape := m64.NewTape(B, T)
				tape.Reset(B, NewNoise(5, []int{0, 1, 2, 3, 4}))
				y := make([]float64, T*B*O)
				ForwardOpen(tape, B, T, I, O, x, y)
				var r result
				r.y = y
				for s := 0; s < T; s++ {
					r.lat = append(r.lat, tape.Latent(s)...)
				}
				r.grad = make([]float64, m64.Params().Len())
				r.dx = make([]float64, T*B*I)
				for s := T - 1; s >= 0; s-- {
					tape.Backward(s, dy[s*B*O:(s+1)*B*O], dlat[s*B*H:(s+1)*B*H], r.dx[s*B*I:(s+1)*B*I], r.grad)
				}
				r.dh0 = append([]float64(nil), tape.InitialGrad()...)
				return r
			}
			want := run64()
			// Deferred weight gradients are formed every few steps: at the end
			// only, every step, every other step.
			for _, every := range []int{1 << 30, 1, 2} {
				old := flushRows
				flushRows = every * B
				got := run32()
				flushRows = old
				cmp := func(name string, g, w []float64, tol float64) {
					for i := range w {
						if d := math.Abs(g[i] - w[i]); !(d <= tol*(1+math.Abs(w[i]))) {
							t.Fatalf("flush every %d steps: %s[%d] = %v, float64 %v", every, name, i, g[i], w[i])
						}
					}
				}
				cmp("y", got.y, want.y, 2e-5)
				cmp("latent", got.lat, want.lat, 2e-5)
				cmp("grad", got.grad, want.grad, 2e-4)
				cmp("dx", got.dx, want.dx, 2e-4)
				cmp("dh0", got.dh0, want.dh0, 2e-4)
			}
		})
	}
}

func toF64(s []float32) []float64 {
	out := make([]float64, len(s))
	for i, v := range s {
		out[i] = float64(v)
	}
	return out
}

// BenchmarkGRUKernels times the fused step kernels alone on L2-resident data
// (GRU-128, 64 rows): CPU nanoseconds per row and step (the copy of the
// gate block included), for every path this machine runs.
func BenchmarkGRUKernels(b *testing.B) {
	const B, H, I, O = 64, 128, 3, 3
	rng := rand.New(rand.NewPCG(1, 2))
	x, wihT, bias := randF32(rng, B*I, 1), randF32(rng, I*3*H, 0.5), randF32(rng, 4*H, 0.5)
	gh, hp, hn, ghn := randF32(rng, B*3*H, 2), randF32(rng, B*H, 1), make([]float32, B*H), make([]float32, B*H)
	g := make([]float32, len(gh))
	dh, dy, wout, acc := randF32(rng, B*H, 1), randF32(rng, B*O, 1), randF32(rng, O*H, 1), make([]float32, 4*H)
	for _, l := range simd.Available() {
		name := l.String()
		withCellPath(l, func() {
			blk := gruBlock(nil, H, I, wihT, bias)
			b.Run("forward/"+name, func(b *testing.B) {
				c0 := cpuTime()
				for b.Loop() {
					copy(g, gh)
					gruForward(B, H, I, x, wihT, bias, blk, g, ghn, hp, hn)
				}
				b.ReportMetric(float64((cpuTime()-c0).Nanoseconds())/float64(b.N*B), "cpu-ns/row")
			})
			b.Run("backward/"+name, func(b *testing.B) {
				c0 := cpuTime()
				for b.Loop() {
					copy(g, gh)
					gruBackward(B, H, O, dh, nil, dy, wout, g, ghn, hp, acc)
				}
				b.ReportMetric(float64((cpuTime()-c0).Nanoseconds())/float64(b.N*B), "cpu-ns/row")
			})
		})
	}
}

// TestRNNKernelsMatchPortable checks the vector tanh-cell kernels (AVX2
// and AVX-512) against the portable ones (odd and even numbers of vectors per
// row, optional operands, blocked and plain input weights).
func TestRNNKernelsMatchPortable(t *testing.T) {
	if !hasCellAsm() {
		t.Skip("no vector cell kernels on this CPU")
	}
	t.Logf("vector paths compared with go: %v", vectorPaths())
	rng := rand.New(rand.NewPCG(5, 6))
	for _, sz := range []struct{ B, H, I, O int }{{1, 8, 1, 1}, {4, 16, 3, 3}, {3, 24, 20, 6}, {2, 128, 3, 0}, {2, 24, 8, 1}, {2, 16, 20, 1}, {1, 8, 25, 1},
		{2, 48, 9, 2}, {3, 32, 1, 1}, {2, 80, 26, 1}} {
		B, H, I, O := sz.B, sz.H, sz.I, sz.O
		name := fmt.Sprintf("B%d H%d I%d O%d", B, H, I, O)
		x, wihT, bias, a0 := randF32(rng, B*I, 1), randF32(rng, I*H, 0.5), randF32(rng, H, 0.5), randF32(rng, B*H, 2)
		a0[0], a0[1] = 40, -40
		for _, blocked := range []bool{false, true} {
			checkPaths(t, fmt.Sprintf("%s forward blocked=%v", name, blocked), 1e-6, func() [][]float32 {
				var blk []float32
				if blocked {
					blk = rnnBlock(nil, H, I, wihT, bias)
				}
				a := clone(a0)
				rnnForward(B, H, I, x, wihT, bias, blk, a)
				return [][]float32{a}
			})
		}
		var h []float32
		withCellPath(simd.Go, func() { h = clone(a0); rnnForward(B, H, I, x, wihT, bias, nil, h) })
		dh, dlat, dy, wout := randF32(rng, B*H, 1), randF32(rng, B*H, 1), randF32(rng, B*O, 1), randF32(rng, O*H, 0.5)
		for _, lat := range [][]float32{nil, dlat} {
			checkPaths(t, fmt.Sprintf("%s backward lat=%v", name, lat != nil), 1e-5, func() [][]float32 {
				da, acc := make([]float32, B*H), randF32(rand.New(rand.NewPCG(1, 1)), H, 1)
				rnnBackward(B, H, O, dh, lat, dy, wout, h, da, acc)
				return [][]float32{da, acc}
			})
		}
	}
}

// TestMLPKernelsMatchPortable checks the NODE's vector kernels (AVX2 and
// AVX-512: few-input dense layer with ReLU or a ReLU mask, bias+ReLU, mask of
// gradients, few-output dot products) against the portable ones, with and
// without optional operands.
func TestMLPKernelsMatchPortable(t *testing.T) {
	if !hasCellAsm() {
		t.Skip("no vector cell kernels on this CPU")
	}
	t.Logf("vector paths compared with go: %v", vectorPaths())
	rng := rand.New(rand.NewPCG(7, 8))
	for _, sz := range []struct{ B, N, K int }{{1, 8, 1}, {5, 16, 6}, {3, 64, 3}, {4, 24, 16}, {2, 8, 8}, {3, 16, 9}, {2, 64, 23}, {2, 8, 30}, {3, 48, 25}, {2, 32, 24}} {
		B, N, K := sz.B, sz.N, sz.K
		name := fmt.Sprintf("B%d N%d K%d", B, N, K)
		in, wT, bias := randF32(rng, B*K, 1), randF32(rng, K*N, 1), randF32(rng, N, 1)
		mask := randF32(rng, B*N, 1)
		mask[0], mask[1], mask[2] = 0, float32(math.Copysign(0, -1)), float32(math.NaN())
		for _, blocked := range []bool{false, true} {
			for _, variant := range []struct {
				bias, mask []float32
				acc, relu  bool
			}{{bias, nil, false, true}, {nil, mask, true, false}, {bias, mask, true, true}, {nil, nil, false, false}} {
				checkPaths(t, fmt.Sprintf("%s denseSmall blocked=%v", name, blocked), 1e-6, func() [][]float32 {
					var blk, acc []float32
					if blocked {
						blk = smallBlock(nil, K, N, wT)
					}
					out := make([]float32, B*N)
					if variant.acc {
						acc = randF32(rand.New(rand.NewPCG(2, 2)), N, 1)
					}
					denseSmall(B, N, K, in, wT, blk, variant.bias, variant.mask, out, acc, variant.relu)
					return [][]float32{out, acc}
				})
			}
		}
		x0 := randF32(rng, B*N, 1)
		x0[3] = float32(math.NaN())
		checkPaths(t, name+" biasRelu", 0, func() [][]float32 {
			x := clone(x0)
			biasRelu(B, N, bias, x)
			return [][]float32{x}
		})
		checkPaths(t, name+" maskGrad", 1e-6, func() [][]float32 {
			x, acc := clone(x0), randF32(rand.New(rand.NewPCG(3, 3)), N, 1)
			maskGrad(B, N, mask, x, acc)
			return [][]float32{x, acc}
		})
	}
	for _, sz := range []struct{ B, N, K int }{{1, 1, 8}, {5, 3, 64}, {3, 6, 24}, {2, 3, 16}} {
		B, N, K := sz.B, sz.N, sz.K
		in, w, bias, out0 := randF32(rng, B*K, 1), randF32(rng, N*K, 1), randF32(rng, N, 1), randF32(rng, B*N, 1)
		for _, b := range [][]float32{nil, bias} {
			for _, accum := range []bool{false, true} {
				checkPaths(t, fmt.Sprintf("B%d N%d K%d dotsOut", B, N, K), 1e-5, func() [][]float32 {
					out := clone(out0)
					dotsOut(B, N, K, in, w, b, out, accum)
					return [][]float32{out}
				})
			}
		}
	}
}

// TestOuterAccMatchesGemm checks the register-blocked uᵀ·v accumulation
// against the GEMM it replaces, for every block width and strided operands.
func TestOuterAccMatchesGemm(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, sz := range []struct{ R, K, N, ldu, ldv int }{{1, 1, 16, 1, 16}, {7, 3, 32, 5, 40}, {33, 6, 64, 6, 64}, {5, 8, 16, 9, 16}, {9, 13, 48, 13, 48}, {4, 2, 24, 2, 24}, {6, 7, 96, 7, 100}} {
		u, v := randF32(rng, (sz.R-1)*sz.ldu+sz.K, 1), randF32(rng, (sz.R-1)*sz.ldv+sz.N, 1)
		acc0 := randF32(rng, sz.K*sz.N, 1)
		checkPaths(t, fmt.Sprintf("outerAcc %v", sz), 1e-5, func() [][]float32 {
			got := clone(acc0)
			outerAcc(sz.R, sz.K, sz.N, u, sz.ldu, v, sz.ldv, got)
			return [][]float32{got}
		})
		got := clone(acc0)
		outerAcc(sz.R, sz.K, sz.N, u, sz.ldu, v, sz.ldv, got)
		want := append([]float32(nil), acc0...)
		for r := 0; r < sz.R; r++ {
			for i := 0; i < sz.K; i++ {
				for j := 0; j < sz.N; j++ {
					want[i*sz.N+j] += u[r*sz.ldu+i] * v[r*sz.ldv+j]
				}
			}
		}
		closeF32(t, "outerAcc", got, want, 1e-5)
	}
}

// TestCellISA: which kernels take which sizes.
func TestCellISA(t *testing.T) {
	withCellPath(simd.AVX512, func() {
		if simd.Hardware < simd.AVX512 {
			t.Skip("no AVX-512 on this CPU")
		}
		for n, want := range map[int]simd.Level{128: simd.AVX512, 16: simd.AVX512, 24: simd.AVX2, 8: simd.AVX2, 20: simd.Go, 3: simd.Go} {
			if got := cellISA(n); got != want {
				t.Errorf("cellISA(%d) = %v, want %v", n, got, want)
			}
		}
	})
}

// TestTrainingSameOnEveryPath trains each model kind for a few epochs on
// every vector path of this machine and requires bit-identical parameters:
// the AVX-512 GEMM and cell kernels perform the AVX2 ones' float32
// operations in the same order, so a run reproduces exactly on a machine
// with the other instruction set (the portable Go path rounds differently
// and is not compared).
func TestTrainingSameOnEveryPath(t *testing.T) {
	paths := vectorPaths()
	if len(paths) < 2 {
		t.Skipf("one vector path on this CPU (%v): nothing to compare", paths)
	}
	task, d := smallFlipFlop(t, 60)
	for _, mc := range []Config{
		{Kind: KindGRU, Latent: 32, ICStd: 0.05},
		{Kind: KindNoisyGRU, Latent: 16, ICStd: 0.05, Noise: 0.05},
		{Kind: KindRNN, Latent: 48},
		{Kind: KindDriscoll, Latent: 32, Noise: 0.05, Gamma: 0.3},
		{Kind: KindNODE, Latent: 3, Layers: 3, LayerHidden: 32},
		{Kind: KindLSTM, Latent: 32, ICStd: 0.05},
	} {
		t.Run(mc.Kind, func(t *testing.T) {
			var ref []float32
			for _, l := range paths {
				withCellPath(l, func() {
					tr, err := NewTrainer(task, d, mc, TrainConfig{Epochs: 3, BatchSize: 20, LR: 1e-2, Clip: 1, Seed: 7, Workers: 2})
					if err != nil {
						t.Fatal(err)
					}
					if err := tr.Run(context.Background()); err != nil {
						t.Fatal(err)
					}
					p := tr.Model.Params().Data
					if ref == nil {
						ref = clone(p)
						return
					}
					for i := range ref {
						if math.Float32bits(p[i]) != math.Float32bits(ref[i]) {
							t.Fatalf("%v: parameter %d = %v, %v on %v", l, i, p[i], ref[i], paths[0])
						}
					}
				})
			}
			t.Logf("%v: identical parameters after 3 epochs", paths)
		})
	}
}
