package nets

import (
	"math"
	"math/rand/v2"
	"testing"
)

// withCellAsm runs f with the vector cell kernels on or off.
func withCellAsm(on bool, f func()) {
	old := useCellAsm
	useCellAsm = on
	defer func() { useCellAsm = old }()
	f()
}

func randF32(rng *rand.Rand, n int, scale float64) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(scale * rng.NormFloat64())
	}
	return s
}

// closeF32 reports the first element where got and want differ by more than
// tol relative to (1 + |want|).
func closeF32(t *testing.T, name string, got, want []float32, tol float64) {
	t.Helper()
	for i := range want {
		if d := math.Abs(float64(got[i]) - float64(want[i])); !(d <= tol*(1+math.Abs(float64(want[i])))) {
			t.Fatalf("%s[%d] = %v, want %v", name, i, got[i], want[i])
		}
	}
}

// TestGRUKernelsMatchPortable checks the AVX2 GRU step kernels against the
// portable ones (float32, sizes the vector kernels take, all optional operands).
func TestGRUKernelsMatchPortable(t *testing.T) {
	if !useCellAsm {
		t.Skip("no vector cell kernels on this CPU")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, sz := range []struct{ B, H, I, O int }{{1, 8, 1, 1}, {5, 16, 3, 3}, {7, 24, 20, 6}, {3, 128, 3, 3}, {2, 8, 2, 0}, {2, 16, 8, 2}, {3, 8, 9, 1}, {2, 24, 5, 1}, {2, 16, 17, 6}, {2, 8, 24, 1}, {2, 8, 25, 1}} {
		B, H, I, O := sz.B, sz.H, sz.I, sz.O
		x, wihT, bias := randF32(rng, B*I, 1), randF32(rng, I*3*H, 0.5), randF32(rng, 4*H, 0.5)
		gh, hp := randF32(rng, B*3*H, 2), randF32(rng, B*H, 1)
		// Extreme pre-activations exercise the clamps of σ and tanh.
		gh[0], gh[H], gh[2*H] = 60, -120, 30
		type out struct{ g, ghn, hn []float32 }
		fwd := func(asm bool) out {
			o := out{append([]float32(nil), gh...), make([]float32, B*H), make([]float32, B*H)}
			withCellAsm(asm, func() {
				gruForward(B, H, I, x, wihT, bias, gruBlock(nil, H, I, wihT, bias), o.g, o.ghn, hp, o.hn)
			})
			return o
		}
		want, got := fwd(false), fwd(true)
		closeF32(t, "gates", got.g, want.g, 1e-6)
		closeF32(t, "ghn", got.ghn, want.ghn, 1e-6)
		closeF32(t, "h'", got.hn, want.hn, 1e-6)

		dh, dlat, dy, wout := randF32(rng, B*H, 1), randF32(rng, B*H, 1), randF32(rng, B*O, 1), randF32(rng, O*H, 0.5)
		for _, withLat := range []bool{false, true} {
			for _, withAcc := range []bool{false, true} {
				type bout struct{ dh, g, ghn, acc []float32 }
				bwd := func(asm bool) bout {
					o := bout{append([]float32(nil), dh...), append([]float32(nil), want.g...), append([]float32(nil), want.ghn...), nil}
					var lat []float32
					if withLat {
						lat = dlat
					}
					if withAcc {
						o.acc = randF32(rand.New(rand.NewPCG(9, 9)), 4*H, 1)
					}
					withCellAsm(asm, func() { gruBackward(B, H, O, o.dh, lat, dy, wout, o.g, o.ghn, hp, o.acc) })
					return o
				}
				bw, bg := bwd(false), bwd(true)
				closeF32(t, "dh", bg.dh, bw.dh, 1e-5)
				closeF32(t, "dgates", bg.g, bw.g, 1e-5)
				closeF32(t, "dn", bg.ghn, bw.ghn, 1e-5)
				if withAcc {
					closeF32(t, "bias grads", bg.acc, bw.acc, 1e-5)
				}
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
// (GRU-128, 64 rows): ns per row and step.
func BenchmarkGRUKernels(b *testing.B) {
	const B, H, I, O = 64, 128, 3, 3
	rng := rand.New(rand.NewPCG(1, 2))
	x, wihT, bias := randF32(rng, B*I, 1), randF32(rng, I*3*H, 0.5), randF32(rng, 4*H, 0.5)
	gh, hp, hn, ghn := randF32(rng, B*3*H, 2), randF32(rng, B*H, 1), make([]float32, B*H), make([]float32, B*H)
	g := make([]float32, len(gh))
	blk := gruBlock(nil, H, I, wihT, bias)
	dh, dy, wout, acc := randF32(rng, B*H, 1), randF32(rng, B*O, 1), randF32(rng, O*H, 1), make([]float32, 4*H)
	for _, asm := range []bool{true, false} {
		name := "go"
		if asm {
			name = "asm"
		}
		withCellAsm(asm, func() {
			b.Run("forward/"+name, func(b *testing.B) {
				for b.Loop() {
					copy(g, gh)
					gruForward(B, H, I, x, wihT, bias, blk, g, ghn, hp, hn)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*B), "ns/row")
			})
			b.Run("backward/"+name, func(b *testing.B) {
				for b.Loop() {
					copy(g, gh)
					gruBackward(B, H, O, dh, nil, dy, wout, g, ghn, hp, acc)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*B), "ns/row")
			})
		})
	}
}

// TestRNNKernelsMatchPortable checks the AVX2 tanh-cell kernels against the
// portable ones (odd and even numbers of vectors per row, optional operands).
func TestRNNKernelsMatchPortable(t *testing.T) {
	if !useCellAsm {
		t.Skip("no vector cell kernels on this CPU")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, sz := range []struct{ B, H, I, O int }{{1, 8, 1, 1}, {4, 16, 3, 3}, {3, 24, 20, 6}, {2, 128, 3, 0}, {2, 24, 8, 1}, {2, 16, 20, 1}, {1, 8, 25, 1}} {
		B, H, I, O := sz.B, sz.H, sz.I, sz.O
		x, wihT, bias, a0 := randF32(rng, B*I, 1), randF32(rng, I*H, 0.5), randF32(rng, H, 0.5), randF32(rng, B*H, 2)
		a0[0], a0[1] = 40, -40
		var blk []float32
		fwd := func(asm bool) []float32 {
			a := append([]float32(nil), a0...)
			withCellAsm(asm, func() { rnnForward(B, H, I, x, wihT, bias, blk, a) })
			return a
		}
		h := fwd(false)
		closeF32(t, "h", fwd(true), h, 1e-6)
		blk = rnnBlock(nil, H, I, wihT, bias)
		closeF32(t, "h (blocked weights)", fwd(true), h, 1e-6)
		dh, dlat, dy, wout := randF32(rng, B*H, 1), randF32(rng, B*H, 1), randF32(rng, B*O, 1), randF32(rng, O*H, 0.5)
		for _, lat := range [][]float32{nil, dlat} {
			bwd := func(asm bool) (da, acc []float32) {
				da, acc = make([]float32, B*H), randF32(rand.New(rand.NewPCG(1, 1)), H, 1)
				withCellAsm(asm, func() { rnnBackward(B, H, O, dh, lat, dy, wout, h, da, acc) })
				return
			}
			daW, accW := bwd(false)
			daG, accG := bwd(true)
			closeF32(t, "da", daG, daW, 1e-5)
			closeF32(t, "bias grads", accG, accW, 1e-5)
		}
	}
}

// TestMLPKernelsMatchPortable checks the NODE's AVX2 kernels (few-input dense
// layer with ReLU or a ReLU mask, bias+ReLU, mask of gradients, few-output dot
// products) against the portable ones, with and without optional operands.
func TestMLPKernelsMatchPortable(t *testing.T) {
	if !useCellAsm {
		t.Skip("no vector cell kernels on this CPU")
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for _, sz := range []struct{ B, N, K int }{{1, 8, 1}, {5, 16, 6}, {3, 64, 3}, {4, 24, 16}, {2, 8, 8}, {3, 16, 9}, {2, 64, 23}, {2, 8, 30}} {
		B, N, K := sz.B, sz.N, sz.K
		in, wT, bias := randF32(rng, B*K, 1), randF32(rng, K*N, 1), randF32(rng, N, 1)
		mask := randF32(rng, B*N, 1)
		mask[0], mask[1] = 0, float32(math.Copysign(0, -1))
		for _, blk := range [][]float32{nil, smallBlock(nil, K, N, wT)} {
			for _, variant := range []struct {
				bias, mask []float32
				acc, relu  bool
			}{{bias, nil, false, true}, {nil, mask, true, false}, {bias, mask, true, true}, {nil, nil, false, false}} {
				run := func(asm bool) (out, acc []float32) {
					out = make([]float32, B*N)
					if variant.acc {
						acc = randF32(rand.New(rand.NewPCG(2, 2)), N, 1)
					}
					withCellAsm(asm, func() {
						denseSmall(B, N, K, in, wT, blk, variant.bias, variant.mask, out, acc, variant.relu)
					})
					return
				}
				ow, aw := run(false)
				og, ag := run(true)
				closeF32(t, "denseSmall", og, ow, 1e-6)
				closeF32(t, "denseSmall acc", ag, aw, 1e-6)
			}
		}
		x0 := randF32(rng, B*N, 1)
		br := func(asm bool) []float32 {
			x := append([]float32(nil), x0...)
			withCellAsm(asm, func() { biasRelu(B, N, bias, x) })
			return x
		}
		closeF32(t, "biasRelu", br(true), br(false), 0)
		mg := func(asm bool) (x, acc []float32) {
			x, acc = append([]float32(nil), x0...), randF32(rand.New(rand.NewPCG(3, 3)), N, 1)
			withCellAsm(asm, func() { maskGrad(B, N, mask, x, acc) })
			return
		}
		xw, aw := mg(false)
		xg, ag := mg(true)
		closeF32(t, "maskGrad", xg, xw, 0)
		closeF32(t, "maskGrad acc", ag, aw, 1e-6)
	}
	for _, sz := range []struct{ B, N, K int }{{1, 1, 8}, {5, 3, 64}, {3, 6, 24}, {2, 3, 16}} {
		B, N, K := sz.B, sz.N, sz.K
		in, w, bias, out0 := randF32(rng, B*K, 1), randF32(rng, N*K, 1), randF32(rng, N, 1), randF32(rng, B*N, 1)
		for _, b := range [][]float32{nil, bias} {
			for _, accum := range []bool{false, true} {
				run := func(asm bool) []float32 {
					out := append([]float32(nil), out0...)
					withCellAsm(asm, func() { dotsOut(B, N, K, in, w, b, out, accum) })
					return out
				}
				closeF32(t, "dotsOut", run(true), run(false), 1e-5)
			}
		}
	}
}

// TestOuterAccMatchesGemm checks the register-blocked uᵀ·v accumulation
// against the GEMM it replaces, for every block width and strided operands.
func TestOuterAccMatchesGemm(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, sz := range []struct{ R, K, N, ldu, ldv int }{{1, 1, 16, 1, 16}, {7, 3, 32, 5, 40}, {33, 6, 64, 6, 64}, {5, 8, 16, 9, 16}, {9, 13, 48, 13, 48}, {4, 2, 24, 2, 24}} {
		u, v := randF32(rng, (sz.R-1)*sz.ldu+sz.K, 1), randF32(rng, (sz.R-1)*sz.ldv+sz.N, 1)
		acc0 := randF32(rng, sz.K*sz.N, 1)
		got := append([]float32(nil), acc0...)
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
