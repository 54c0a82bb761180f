package analysis

import (
	"math"
	"slices"
	"sort"

	"gonum.org/v1/gonum/mat"
)

// knownPoints remembers the fixed points a search has already refined, each
// with an LU factorisation of J − I there. Many initial states usually end at
// the same few points (1024 states of a flip-flop network at its 8 corners);
// confirming that another row heads to a known point takes one evaluation and
// two triangular solves (a chord step with the known Jacobian) instead of a
// Newton refinement that evaluates a fresh Jacobian at every step.
type knownPoints struct {
	m   Map
	pts []knownPoint
	f   []float64
}

type knownPoint struct {
	x, u []float64
	q    float64
	lu   mat.LU
}

// knownTries is how many of the nearest known points a row is tested against.
const knownTries = 3

func newKnownPoints(m Map) *knownPoints {
	return &knownPoints{m: m, f: make([]float64, m.Dim())}
}

// add records a refined fixed point x (q at x) under input u. A point whose
// J − I cannot be factorised (e.g. on a line attractor) is not recorded: rows
// heading there get a full Newton refinement.
func (k *knownPoints) add(x, u []float64, q float64) {
	h := k.m.Dim()
	jac := make([]float64, h*h)
	k.m.Jacobian(jac, x, u)
	for i := 0; i < h; i++ {
		jac[i*h+i]--
	}
	p := knownPoint{x: slices.Clone(x), u: slices.Clone(u), q: q}
	p.lu.Factorize(mat.NewDense(h, h, jac))
	if c := p.lu.Cond(); math.IsInf(c, 0) || c > 1e12 {
		return
	}
	k.pts = append(k.pts, p)
}

// match returns a known fixed point that x (under input u) converges to, if
// the chord step x' = x − (J* − I)⁻¹(F(x) − x) from x lands within a tenth of
// x's distance of that point (and, like newtonLocal, the point is no farther
// than twice that step). The point and its q are returned as they were refined.
func (k *knownPoints) match(x, u []float64) ([]float64, float64, bool) {
	if len(k.pts) == 0 {
		return nil, 0, false
	}
	type cand struct {
		i int
		d float64
	}
	var cs []cand
	for i, p := range k.pts {
		if slices.Equal(p.u, u) {
			cs = append(cs, cand{i, dist(x, p.x)})
		}
	}
	if len(cs) == 0 {
		return nil, 0, false
	}
	sort.Slice(cs, func(a, b int) bool { return cs[a].d < cs[b].d })
	h := k.m.Dim()
	k.m.Eval(k.f, x, 1, u)
	r := make([]float64, h)
	for i := range r {
		r[i] = k.f[i] - x[i]
	}
	rv := mat.NewVecDense(h, r)
	var delta mat.VecDense
	step := make([]float64, h)
	for _, c := range cs[:min(knownTries, len(cs))] {
		p := &k.pts[c.i]
		if err := p.lu.SolveVecTo(&delta, false, rv); err != nil {
			continue
		}
		for i := range step {
			step[i] = x[i] - delta.AtVec(i)
		}
		moved := mat.Norm(&delta, 2)
		tol := 1e-12 * (1 + maxAbsSlice(p.x))
		if dist(step, p.x) <= 0.1*c.d+tol && c.d <= 2*moved+tol {
			return slices.Clone(p.x), p.q, true
		}
	}
	return nil, 0, false
}
