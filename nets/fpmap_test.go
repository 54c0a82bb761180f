package nets

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestFixedPointMapDerivatives checks VJP, EvalResidualVJP and Jacobian of every
// model kind against central differences of Eval, in float64.
func TestFixedPointMapDerivatives(t *testing.T) {
	for _, cfg := range fdModels {
		t.Run(cfg.Kind, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(8, 9))
			m, _ := New[float64](cfg, rng)
			p := NewFixedPointMap(m)
			H, I := p.Dim(), p.InputDim()
			const n = 3
			x, u, v := make([]float64, n*H), make([]float64, n*I), make([]float64, n*H)
			for _, a := range [][]float64{x, u, v} {
				for i := range a {
					a[i] = rng.NormFloat64()
				}
			}
			vjp := make([]float64, n*H)
			p.VJP(vjp, x, v, n, u)
			f := make([]float64, n*H)
			dot := func() float64 {
				p.Eval(f, x, n, u)
				s := 0.0
				for i := range f {
					s += v[i] * f[i]
				}
				return s
			}
			for i := range x {
				old := x[i]
				x[i] = old + 1e-6
				lp := dot()
				x[i] = old - 1e-6
				lm := dot()
				x[i] = old
				if fd := (lp - lm) / 2e-6; math.Abs(fd-vjp[i]) > 1e-6*(1+math.Abs(fd)) {
					t.Fatalf("VJP[%d] = %v, finite difference %v", i, vjp[i], fd)
				}
			}
			// Residual fast path equals Eval + VJP(F−x).
			f2, g2 := make([]float64, n*H), make([]float64, n*H)
			p.EvalResidualVJP(f2, g2, x, n, u)
			p.Eval(f, x, n, u)
			r := make([]float64, n*H)
			for i := range r {
				r[i] = f[i] - x[i]
			}
			p.VJP(vjp, x, r, n, u)
			for i := range f {
				if math.Abs(f2[i]-f[i]) > 1e-14 || math.Abs(g2[i]-vjp[i]) > 1e-12 {
					t.Fatalf("EvalResidualVJP differs at %d", i)
				}
			}
			// Jacobian rows against finite differences of F.
			J := make([]float64, H*H)
			p.Jacobian(J, x[:H], u[:I])
			fp, fm := make([]float64, H), make([]float64, H)
			for b := 0; b < H; b++ {
				old := x[b]
				x[b] = old + 1e-6
				p.Eval(fp, x[:H], 1, u[:I])
				x[b] = old - 1e-6
				p.Eval(fm, x[:H], 1, u[:I])
				x[b] = old
				for a := 0; a < H; a++ {
					if fd := (fp[a] - fm[a]) / 2e-6; math.Abs(fd-J[a*H+b]) > 1e-6*(1+math.Abs(fd)) {
						t.Fatalf("J[%d][%d] = %v, finite difference %v", a, b, J[a*H+b], fd)
					}
				}
			}
		})
	}
}

func TestConvertKeepsParameters(t *testing.T) {
	m32, _ := New[float32](fdModels[0], rand.New(rand.NewPCG(1, 1)))
	m64 := Convert[float64](m32)
	for i, v := range m32.Params().Data {
		if float64(v) != m64.Params().Data[i] {
			t.Fatal("conversion changed a parameter")
		}
	}
	if NewFixedPointMap(m32).Epsilon() != 0x1p-23 || NewFixedPointMap(m64).Epsilon() != 0x1p-52 {
		t.Fatal("Epsilon does not tell float32 from float64")
	}
}

// TestFixedPointMapWorkersAgree: splitting rows across workers changes no bit.
func TestFixedPointMapWorkersAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 3))
	for _, cfg := range []Config{
		{Kind: KindGRU, Inputs: 3, Latent: 16, Outputs: 3},
		{Kind: KindRNN, Inputs: 3, Latent: 24, Outputs: 3},
		{Kind: KindNODE, Inputs: 3, Latent: 3, Outputs: 3, Layers: 3, LayerHidden: 16},
		{Kind: KindLSTM, Inputs: 3, Latent: 16, Outputs: 3},
	} {
		m, _ := New[float32](cfg, rng)
		H, I := cfg.StateDim(), cfg.Inputs
		const n = 150
		x, u := make([]float64, n*H), make([]float64, n*I)
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		for i := range u {
			u[i] = rng.NormFloat64()
		}
		var ref [2][]float64
		for _, w := range []int{1, 2, 3} {
			p := NewFixedPointMap(m)
			p.Workers = w
			f, g := make([]float64, n*H), make([]float64, n*H)
			p.EvalResidualVJP(f, g, x, n, u)
			if w == 1 {
				ref = [2][]float64{f, g}
				continue
			}
			for i := range f {
				if f[i] != ref[0][i] || g[i] != ref[1][i] {
					t.Fatalf("%s, %d workers: row %d differs from one worker", cfg.Kind, w, i/H)
				}
			}
		}
	}
}

// BenchmarkFixedPointGRU128 is the fixed-point search's inner loop: F(x) and
// Jᵀ(F(x) − x) for 1024 states of a GRU-128, reported per 1000 iterations
// (../shared/bench/torch_ref.py --fixedpoints --latent 128 --fp-inits 1024
// --fp-iters 1000 times the whole Adam loop).
func BenchmarkFixedPointGRU128(b *testing.B) {
	m, _ := New[float32](Config{Kind: KindGRU, Inputs: 3, Latent: 128, Outputs: 3}, rand.New(rand.NewPCG(1, 1)))
	p := NewFixedPointMap(m)
	const n, H = 1024, 128
	rng := rand.New(rand.NewPCG(4, 4))
	x, u := make([]float64, n*H), make([]float64, n*3)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	f, g := make([]float64, n*H), make([]float64, n*H)
	for b.Loop() {
		p.EvalResidualVJP(f, g, x, n, u)
	}
	per := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(1000*per, "s/1000iter")
	b.ReportMetric(4*float64(n)*3*H*H/per/1e9, "GFLOP/s")
}
