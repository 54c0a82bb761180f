package analysis

import (
	"math"
	"math/rand/v2"
	"testing"
)

func randSlice(rng *rand.Rand, n int, scale float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = scale * (2*rng.Float64() - 1)
	}
	return out
}

func testMaps(rng *rand.Rand) map[string]Map {
	const h, in = 5, 2
	gru := NewGRUMap(h, in, randSlice(rng, 3*h*in, 0.8), randSlice(rng, 3*h*h, 0.8), randSlice(rng, 3*h, 0.5), randSlice(rng, 3*h, 0.5))
	rnn := NewRNNMap(h, in, randSlice(rng, h*in, 0.8), randSlice(rng, h*h, 0.8), randSlice(rng, h, 0.5), randSlice(rng, h, 0.5))
	const w = 7
	node := NewMLPMap(h, in, []DenseLayer{
		{In: h + in, Out: w, W: randSlice(rng, (h+in)*w, 0.7), B: randSlice(rng, w, 0.3)},
		{In: w, Out: w, W: randSlice(rng, w*w, 0.7), B: randSlice(rng, w, 0.3)},
		{In: w, Out: h, W: randSlice(rng, w*h, 0.7), B: randSlice(rng, h, 0.3)},
	}, 0.1)
	return map[string]Map{"gru": gru, "rnn": rnn, "node": node}
}

// Jacobian and VJP of every reference map against central finite differences
// of Eval, in float64.
func TestRefMapsFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for name, m := range testMaps(rng) {
		h, in := m.Dim(), m.InputDim()
		const n = 4
		x := randSlice(rng, n*h, 1.2)
		u := randSlice(rng, n*in, 1)
		v := randSlice(rng, n*h, 1)
		vjp := make([]float64, n*h)
		m.VJP(vjp, x, v, n, u)
		var maxJ, maxV float64
		for i := 0; i < n; i++ {
			xi, ui := x[i*h:(i+1)*h], u[i*in:(i+1)*in]
			jac := make([]float64, h*h)
			m.Jacobian(jac, xi, ui)
			// finite-difference Jacobian column by column
			const eps = 1e-6
			fp, fm := make([]float64, h), make([]float64, h)
			xp := make([]float64, h)
			fd := make([]float64, h*h)
			for b := 0; b < h; b++ {
				copy(xp, xi)
				xp[b] += eps
				m.Eval(fp, xp, 1, ui)
				xp[b] -= 2 * eps
				m.Eval(fm, xp, 1, ui)
				for a := 0; a < h; a++ {
					fd[a*h+b] = (fp[a] - fm[a]) / (2 * eps)
				}
			}
			maxJ = math.Max(maxJ, maxAbsDiff(t, jac, fd))
			// VJP row i = Jᵀ v_i
			for b := 0; b < h; b++ {
				s := 0.0
				for a := 0; a < h; a++ {
					s += fd[a*h+b] * v[i*h+a]
				}
				maxV = math.Max(maxV, math.Abs(s-vjp[i*h+b]))
			}
		}
		if maxJ > 1e-8 || maxV > 1e-8 {
			t.Errorf("%s: Jacobian vs FD %.2g, VJP vs FD %.2g", name, maxJ, maxV)
		} else {
			t.Logf("%s: Jacobian vs FD %.2g, VJP vs FD %.2g", name, maxJ, maxV)
		}
		// Batched Eval equals row-by-row Eval.
		all := make([]float64, n*h)
		m.Eval(all, x, n, u)
		one := make([]float64, h)
		for i := 0; i < n; i++ {
			m.Eval(one, x[i*h:(i+1)*h], 1, u[i*in:(i+1)*in])
			if d := maxAbsDiff(t, one, all[i*h:(i+1)*h]); d > 1e-15 {
				t.Errorf("%s: batched Eval row %d differs by %g", name, i, d)
			}
		}
		// The fused residual VJP equals Eval + VJP(F − x).
		if rm, ok := m.(ResidualVJPMap); ok {
			f, g := make([]float64, n*h), make([]float64, n*h)
			rm.EvalResidualVJP(f, g, x, n, u)
			r := make([]float64, n*h)
			for k := range r {
				r[k] = all[k] - x[k]
			}
			want := make([]float64, n*h)
			m.VJP(want, x, r, n, u)
			if d := maxAbsDiff(t, g, want); d > 1e-15 {
				t.Errorf("%s: EvalResidualVJP grad differs by %g", name, d)
			}
			if d := maxAbsDiff(t, f, all); d > 0 {
				t.Errorf("%s: EvalResidualVJP F differs by %g", name, d)
			}
		}
	}
}

func TestRefMapsShapePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewGRUMap with short weights did not panic")
		}
	}()
	NewGRUMap(3, 2, make([]float64, 5), make([]float64, 27), make([]float64, 9), make([]float64, 9))
}
