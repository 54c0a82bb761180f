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
