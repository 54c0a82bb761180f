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

// TestFixedPointMapParallelAndFused checks that splitting rows across workers
// changes nothing, and that the fused GRU step agrees with the tape (float32,
// to rounding), for every model kind on a batch large enough to split.
func TestFixedPointMapParallelAndFused(t *testing.T) {
	for _, cfg := range fdModels {
		t.Run(cfg.Kind, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, 4))
			m, _ := New[float32](cfg, rng)
			H, I := cfg.Latent, cfg.Inputs
			const n = 300
			x, u := make([]float64, n*H), make([]float64, n*I)
			for _, a := range [][]float64{x, u} {
				for i := range a {
					a[i] = rng.NormFloat64()
				}
			}
			if cfg.Kind == KindNoisyGRU {
				// One input for every row: the fused step's shared input path.
				for i := range u {
					u[i] = u[i%I]
				}
			}
			run := func(workers int) (f, g, e []float64) {
				p := NewFixedPointMap(m)
				p.Workers = workers
				f, g, e = make([]float64, n*H), make([]float64, n*H), make([]float64, n*H)
				p.EvalResidualVJP(f, g, x, n, u)
				p.Eval(e, x, n, u)
				return
			}
			f1, g1, e1 := run(1)
			f3, g3, e3 := run(3)
			for i := range f1 {
				if f1[i] != f3[i] || g1[i] != g3[i] || e1[i] != e3[i] {
					t.Fatalf("3 workers differ from 1 at %d: %v %v %v vs %v %v %v", i, f3[i], g3[i], e3[i], f1[i], g1[i], e1[i])
				}
			}
			// Against the tape: Eval through Step, VJP of F − x through Backward.
			p := NewFixedPointMap(m)
			w := &fpWorker[float32]{model: m}
			w.load(x, n, u)
			w.step(n)
			next := w.tape.Latent(0)
			for i := range next {
				w.dlat[i] = next[i] - w.x[i]
				if math.Abs(float64(next[i])-f1[i]) > 1e-6 {
					t.Fatalf("F[%d] = %v, tape %v", i, f1[i], next[i])
				}
			}
			gt := make([]float64, n*H)
			w.back(gt, n)
			for i := range gt {
				if math.Abs(gt[i]-g1[i]) > 1e-5*(1+math.Abs(gt[i])) {
					t.Fatalf("Jᵀ(F−x)[%d] = %v, tape %v", i, g1[i], gt[i])
				}
			}
			_ = p
		})
	}
}
