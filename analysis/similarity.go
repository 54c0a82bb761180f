package analysis

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"

	"gonum.org/v1/gonum/mat"
)

// Procrustes analysis over vector fields (DSA's SimilarityTransformDist):
// the distance between two r×r operators A and B is
//
//	min over C ∈ O(r) of dist(Â, C B̂ Cᵀ),   Â = A/‖A‖_F, B̂ = B/‖B‖_F,
//
// with the angular distance arccos tr(Âᵀ C B̂ Cᵀ) or the Euclidean
// ‖Â − C B̂ Cᵀ‖_F = √(2 − 2 cos θ) (the same optimum). Minimising the
// Euclidean distance is maximising t(C) = tr(Âᵀ C B̂ Cᵀ), a non-convex
// problem over both components of O(r).

// SimilarityMethod selects how the optimal C is searched for.
type SimilarityMethod int

const (
	// SimilarityGlobal (the default) searches the whole orthogonal group:
	// local L-BFGS optimisation on the group (left-trivialised Cayley steps)
	// from structured starts — sign patterns of the identity and of the
	// aligned eigenbases of the symmetric parts and of AᵀA/BᵀB, chosen by a
	// local search over signs — and from random Haar-distributed starts in
	// both components (det ±1), keeping the best. Seeded and deterministic.
	SimilarityGlobal SimilarityMethod = iota
	// SimilarityReference is DSA's optimiser: C = Cayley(skew(MLP(C0))) with
	// three bias-free tanh layers, Adam for Iters steps at learning rate LR,
	// run on B and (group O(n)) on P B Pᵀ with P swapping rows 0 and 1; the
	// run with the lower last recorded loss wins. It misses the optimum
	// (local minima; it cannot reach sign flips with eigenvalue −1).
	SimilarityReference
)

// Group is the set C ranges over.
type Group int

const (
	// GroupO is the orthogonal group O(r) (both det ±1), DSA's default.
	GroupO Group = iota
	// GroupSO is the rotation group SO(r) (det +1).
	GroupSO
)

// SimilaritySettings configures SimilarityDistance. Nil or zero fields mean
// the defaults.
type SimilaritySettings struct {
	Method SimilarityMethod
	Group  Group
	// Restarts is the number of random starts per component of the group
	// (SimilarityGlobal; default 4).
	Restarts int
	// Iters and LR of the reference optimiser (default 1500 and 5e-3, what
	// CTD's compare_dynamics_DSA passes).
	Iters int
	LR    float64
}

func (s *SimilaritySettings) withDefaults() SimilaritySettings {
	var c SimilaritySettings
	if s != nil {
		c = *s
	}
	if c.Restarts == 0 {
		c.Restarts = 4
	}
	if c.Iters == 0 {
		c.Iters = 1500
	}
	if c.LR == 0 {
		c.LR = 5e-3
	}
	return c
}

// SimilarityResult is the outcome of a Procrustes-over-vector-fields fit.
type SimilarityResult struct {
	// Angular is arccos tr(Âᵀ C B̂ Cᵀ) ∈ [0, π].
	Angular float64
	// Euclidean is ‖Â − C B̂ Cᵀ‖_F ∈ [0, 2].
	Euclidean float64
	// Trace is tr(Âᵀ C B̂ Cᵀ) = cos(Angular).
	Trace float64
	// C is the orthogonal matrix found (Â ≈ C B̂ Cᵀ).
	C *mat.Dense
}

// SimilarityDistance compares the square operators a and b (same size) and
// returns the angular and Euclidean distances at the best C found. rng seeds
// the random starts (global method) or the initial weights (reference
// method); a nil rng uses a fixed seed. The inputs are not modified (the
// reference normalises them in place).
func SimilarityDistance(a, b mat.Matrix, rng *rand.Rand, s *SimilaritySettings) (SimilarityResult, error) {
	c := s.withDefaults()
	an, bn, err := normalisedPair(a, b)
	if err != nil {
		return SimilarityResult{}, err
	}
	if rng == nil {
		rng = rand.New(rand.NewPCG(0, 0))
	}
	switch c.Method {
	case SimilarityGlobal:
		if c.Restarts < 0 {
			return SimilarityResult{}, fmt.Errorf("analysis: similarity: restarts must be >= 0, got %d", c.Restarts)
		}
		return globalSimilarity(an, bn, rng, &c), nil
	case SimilarityReference:
		if c.Iters < 1 || !(c.LR > 0) {
			return SimilarityResult{}, fmt.Errorf("analysis: similarity: iters %d and lr %v must be positive", c.Iters, c.LR)
		}
		r, _ := an.Dims()
		inits := [2]ReferenceInit{randomReferenceInit(rng, r), randomReferenceInit(rng, r)}
		res, _ := referenceSimilarity(an, bn, inits, c.Iters, c.LR, c.Group)
		return res, nil
	}
	return SimilarityResult{}, fmt.Errorf("analysis: similarity: unknown method %d", c.Method)
}

func normalisedPair(a, b mat.Matrix) (*mat.Dense, *mat.Dense, error) {
	ra, ca := a.Dims()
	rb, cb := b.Dims()
	if ra != ca || rb != cb || ra != rb {
		return nil, nil, fmt.Errorf("analysis: similarity: operators must be square and the same size, got %d×%d and %d×%d (use the wasserstein score for different ranks)", ra, ca, rb, cb)
	}
	na, nb := frobenius(a), frobenius(b)
	if na == 0 || nb == 0 || math.IsNaN(na+nb) || math.IsInf(na+nb, 0) {
		return nil, nil, errors.New("analysis: similarity: operators must be non-zero and finite")
	}
	an, bn := mat.NewDense(ra, ra, nil), mat.NewDense(ra, ra, nil)
	an.Scale(1/na, a)
	bn.Scale(1/nb, b)
	return an, bn, nil
}

// scoreAt evaluates the distances of normalised an, bn at C. The angle is
// computed as 2·atan2(‖Â − M‖, ‖Â + M‖), which is accurate near 0 and π
// (arccos of the trace loses half the digits there).
func scoreAt(an, bn, c *mat.Dense) SimilarityResult {
	r, _ := an.Dims()
	var cb, m mat.Dense
	cb.Mul(c, bn)
	m.Mul(&cb, c.T())
	var dm, dp float64
	tr := 0.0
	for i := 0; i < r; i++ {
		for j := 0; j < r; j++ {
			x, y := an.At(i, j), m.At(i, j)
			dm += (x - y) * (x - y)
			dp += (x + y) * (x + y)
			tr += x * y
		}
	}
	return SimilarityResult{
		Angular:   2 * math.Atan2(math.Sqrt(dm), math.Sqrt(dp)),
		Euclidean: math.Sqrt(dm),
		Trace:     tr,
		C:         mat.DenseCopyOf(c),
	}
}

// ReferenceInit holds the initial weights of the three bias-free linear
// layers of one run of DSA's optimiser (each r×r, torch layout: y = x Wᵀ).
type ReferenceInit struct {
	W1, W2, W3 *mat.Dense
}

func randomReferenceInit(rng *rand.Rand, r int) ReferenceInit {
	// torch nn.Linear default init: U(−1/√r, 1/√r).
	bound := 1 / math.Sqrt(float64(r))
	mk := func() *mat.Dense {
		d := mat.NewDense(r, r, nil)
		for i := 0; i < r; i++ {
			for j := 0; j < r; j++ {
				d.Set(i, j, bound*(2*rng.Float64()-1))
			}
		}
		return d
	}
	return ReferenceInit{mk(), mk(), mk()}
}

// ReferenceRun records one run of DSA's optimiser.
type ReferenceRun struct {
	// Losses[k] is the loss before step k (k = 0 … iters−1).
	Losses []float64
	// CFinal is C after the last step.
	CFinal *mat.Dense
}

// ReferenceSimilarity runs DSA's optimiser (SimilarityReference) from given
// initial weights (inits[1] is used only for group O(n)), so that a recorded
// reference fit can be replayed. It returns the scores and both runs.
func ReferenceSimilarity(a, b mat.Matrix, inits [2]ReferenceInit, iters int, lr float64, group Group) (SimilarityResult, []ReferenceRun, error) {
	an, bn, err := normalisedPair(a, b)
	if err != nil {
		return SimilarityResult{}, nil, err
	}
	if iters < 1 || !(lr > 0) {
		return SimilarityResult{}, nil, fmt.Errorf("analysis: reference similarity: iters %d and lr %v must be positive", iters, lr)
	}
	r, _ := an.Dims()
	for _, in := range inits[:1+btoi(group == GroupO)] {
		for _, w := range []*mat.Dense{in.W1, in.W2, in.W3} {
			if w == nil {
				return SimilarityResult{}, nil, errors.New("analysis: reference similarity: missing initial weights")
			}
			if wr, wc := w.Dims(); wr != r || wc != r {
				return SimilarityResult{}, nil, fmt.Errorf("analysis: reference similarity: initial weights are %d×%d, want %d×%d", wr, wc, r, r)
			}
		}
	}
	res, runs := referenceSimilarity(an, bn, inits, iters, lr, group)
	return res, runs, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func referenceSimilarity(an, bn *mat.Dense, inits [2]ReferenceInit, iters int, lr float64, group Group) (SimilarityResult, []ReferenceRun) {
	r, _ := an.Dims()
	run0 := referenceRun(an, bn, inits[0], iters, lr)
	runs := []ReferenceRun{run0}
	cStar := run0.CFinal
	if group == GroupO && r > 1 {
		p := swap01(r)
		var pb, pbp mat.Dense
		pb.Mul(p, bn)
		pbp.Mul(&pb, p.T())
		run1 := referenceRun(an, &pbp, inits[1], iters, lr)
		runs = append(runs, run1)
		if run1.Losses[iters-1] < run0.Losses[iters-1] {
			cStar = new(mat.Dense)
			cStar.Mul(run1.CFinal, p)
		}
	}
	res := scoreAt(an, bn, cStar)
	// The reference reports arccos of the trace; keep its NaN handling.
	res.Angular = math.Acos(clamp(res.Trace, -1, 1))
	return res, runs
}

func swap01(r int) *mat.Dense {
	p := mat.NewDense(r, r, nil)
	for i := 0; i < r; i++ {
		p.Set(i, i, 1)
	}
	p.Set(0, 0, 0)
	p.Set(1, 1, 0)
	p.Set(0, 1, 1)
	p.Set(1, 0, 1)
	return p
}

// referenceRun is one fit of DSA's LearnableSimilarityTransform with the
// Skew + Cayley parametrisation:
//
//	H1 = tanh(C0 W1ᵀ), H2 = tanh(H1 W2ᵀ), M = H2 W3ᵀ, S = M − Mᵀ,
//	C = (I + S)⁻¹(I − S), loss = Σ(A − C B Cᵀ)²,
//
// Adam over C0 (initially I), W1, W2, W3.
func referenceRun(an, bn *mat.Dense, init ReferenceInit, iters int, lr float64) ReferenceRun {
	r, _ := an.Dims()
	eye := mat.NewDense(r, r, nil)
	for i := 0; i < r; i++ {
		eye.Set(i, i, 1)
	}
	c0 := mat.DenseCopyOf(eye)
	w1, w2, w3 := mat.DenseCopyOf(init.W1), mat.DenseCopyOf(init.W2), mat.DenseCopyOf(init.W3)
	params := []*mat.Dense{c0, w1, w2, w3}
	moms := make([][]float64, 4)
	vels := make([][]float64, 4)
	for i := range moms {
		moms[i], vels[i] = make([]float64, r*r), make([]float64, r*r)
	}
	adam := newAdam(lr)
	run := ReferenceRun{Losses: make([]float64, iters)}
	var h1, h2, m, s, ips, ims, k, c, cb, cbct, res mat.Dense
	var gc, t1, t2, gs, gm, gh2, gp2, gh1, gp1 mat.Dense
	grads := []*mat.Dense{new(mat.Dense), new(mat.Dense), new(mat.Dense), new(mat.Dense)}
	forward := func() {
		h1.Mul(c0, w1.T())
		tanhInPlace(&h1)
		h2.Mul(&h1, w2.T())
		tanhInPlace(&h2)
		m.Mul(&h2, w3.T())
		s.Sub(&m, m.T())
		ips.Add(eye, &s)
		ims.Sub(eye, &s)
		if err := k.Inverse(&ips); err != nil {
			// I + S with S skew-symmetric is always invertible; a Condition
			// error only warns, keep the result.
			if _, ok := err.(mat.Condition); !ok {
				panic(err)
			}
		}
		c.Mul(&k, &ims)
	}
	for it := 0; it < iters; it++ {
		forward()
		cb.Mul(&c, bn)
		cbct.Mul(&cb, c.T())
		res.Sub(an, &cbct)
		loss := 0.0
		for i := 0; i < r; i++ {
			for _, v := range res.RawRowView(i) {
				loss += v * v
			}
		}
		run.Losses[it] = loss
		// G_C = −2(R C Bᵀ + Rᵀ C B)
		t1.Mul(&res, &c)
		gc.Mul(&t1, bn.T())
		t2.Mul(res.T(), &cb)
		gc.Add(&gc, &t2)
		gc.Scale(-2, &gc)
		// G_S = −Kᵀ G_C (C + I)ᵀ ; G_M = G_S − G_Sᵀ
		var cpi mat.Dense
		cpi.Add(&c, eye)
		t1.Mul(k.T(), &gc)
		gs.Mul(&t1, cpi.T())
		gs.Scale(-1, &gs)
		gm.Sub(&gs, gs.T())
		// M = H2 W3ᵀ
		grads[3].Mul(gm.T(), &h2)
		gh2.Mul(&gm, w3)
		tanhBack(&gp2, &gh2, &h2)
		grads[2].Mul(gp2.T(), &h1)
		gh1.Mul(&gp2, w2)
		tanhBack(&gp1, &gh1, &h1)
		grads[1].Mul(gp1.T(), c0)
		grads[0].Mul(&gp1, w1)
		adam.step++
		for i, p := range params {
			adam.update(p.RawMatrix().Data, grads[i].RawMatrix().Data, moms[i], vels[i])
		}
	}
	forward()
	run.CFinal = mat.DenseCopyOf(&c)
	return run
}

func tanhInPlace(a *mat.Dense) {
	r, _ := a.Dims()
	for i := 0; i < r; i++ {
		row := a.RawRowView(i)
		for j, v := range row {
			row[j] = math.Tanh(v)
		}
	}
}

// tanhBack sets dst = g ⊙ (1 − h²) for h = tanh(pre).
func tanhBack(dst, g, h *mat.Dense) {
	r, c := g.Dims()
	if dst.IsEmpty() {
		dst.ReuseAs(r, c)
	}
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			hv := h.At(i, j)
			dst.Set(i, j, g.At(i, j)*(1-hv*hv))
		}
	}
}

// globalSimilarity maximises t(C) = tr(Âᵀ C B̂ Cᵀ) over the group from many
// starts and returns the best point.
func globalSimilarity(an, bn *mat.Dense, rng *rand.Rand, c *SimilaritySettings) SimilarityResult {
	r, _ := an.Dims()
	if r == 1 {
		one := mat.NewDense(1, 1, []float64{1})
		return scoreAt(an, bn, one)
	}
	starts := similarityStarts(an, bn, rng, c)
	// Two stages: every start gets a short local optimisation, then only the
	// best quarter (at least 2) is run to convergence. The local optima of a
	// start are usually apparent after the first stage.
	cs, vals := runStarts(an, bn, starts, 150)
	order := make([]int, len(starts))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int { return cmp.Compare(vals[i], vals[j]) })
	keep := order[:min(len(order), max(2, len(order)/4))]
	slices.Sort(keep)
	finalStarts := make([]*mat.Dense, len(keep))
	for i, k := range keep {
		finalStarts[i] = cs[k]
	}
	cs, vals = runStarts(an, bn, finalStarts, 3000)
	best := 0
	for i := range vals {
		if vals[i] < vals[best] {
			best = i
		}
	}
	return scoreAt(an, bn, cs[best])
}

// runStarts runs orthoLBFGS from every start on all cores and returns the
// results in start order, so that they do not depend on scheduling.
func runStarts(an, bn *mat.Dense, starts []*mat.Dense, maxIter int) ([]*mat.Dense, []float64) {
	results := make([]*mat.Dense, len(starts))
	vals := make([]float64, len(starts))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < min(runtime.GOMAXPROCS(0), len(starts)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i], vals[i] = orthoLBFGS(an, bn, starts[i], maxIter)
			}
		}()
	}
	for i := range starts {
		next <- i
	}
	close(next)
	wg.Wait()
	return results, vals
}

// similarityStarts builds the starting points: for each pair of bases
// (P_A, P_B) — identity, eigenvectors of the symmetric parts, eigenvectors of
// AᵀA/BᵀB and of AAᵀ/BBᵀ — the best sign pattern D found by local search for
// C = P_A D P_Bᵀ (t is then Σ Ã_ij B̃_ij d_i d_j), and the best one of the
// opposite determinant; then Restarts Haar-random starts per component.
func similarityStarts(an, bn *mat.Dense, rng *rand.Rand, c *SimilaritySettings) []*mat.Dense {
	r, _ := an.Dims()
	eye := mat.NewDense(r, r, nil)
	for i := 0; i < r; i++ {
		eye.Set(i, i, 1)
	}
	bases := [][2]*mat.Dense{{eye, eye}}
	symEig := func(m mat.Matrix) *mat.Dense {
		rr, _ := m.Dims()
		sym := mat.NewSymDense(rr, nil)
		for i := 0; i < rr; i++ {
			for j := i; j < rr; j++ {
				sym.SetSym(i, j, 0.5*(m.At(i, j)+m.At(j, i)))
			}
		}
		var e mat.EigenSym
		if !e.Factorize(sym, true) {
			return nil
		}
		var v mat.Dense
		e.VectorsTo(&v)
		return &v
	}
	var ata, btb, aat, bbt mat.Dense
	ata.Mul(an.T(), an)
	btb.Mul(bn.T(), bn)
	aat.Mul(an, an.T())
	bbt.Mul(bn, bn.T())
	for _, pair := range [][2]mat.Matrix{{an, bn}, {&ata, &btb}, {&aat, &bbt}} {
		pa, pb := symEig(pair[0]), symEig(pair[1])
		if pa != nil && pb != nil {
			bases = append(bases, [2]*mat.Dense{pa, pb})
		}
	}
	var starts []*mat.Dense
	for _, base := range bases {
		pa, pb := base[0], base[1]
		var at, bt, tmp mat.Dense
		tmp.Mul(pa.T(), an)
		at.Mul(&tmp, pa)
		tmp.Mul(pb.T(), bn)
		bt.Mul(&tmp, pb)
		w := mat.NewDense(r, r, nil)
		w.MulElem(&at, &bt)
		parity := mat.Det(pa) * mat.Det(pb)
		for _, d := range signSearch(w, rng) {
			neg := 0
			for _, v := range d {
				if v < 0 {
					neg++
				}
			}
			det := parity
			if neg%2 == 1 {
				det = -det
			}
			if c.Group == GroupSO && det < 0 {
				continue
			}
			var pd, start mat.Dense
			pd.Apply(func(i, j int, v float64) float64 { return v * d[j] }, pa)
			start.Mul(&pd, pb.T())
			starts = append(starts, &start)
		}
	}
	for k := 0; k < c.Restarts; k++ {
		starts = append(starts, haarDet(rng, r, 1))
		if c.Group == GroupO {
			starts = append(starts, haarDet(rng, r, -1))
		}
	}
	return starts
}

// signSearch maximises Σ_ij W_ij d_i d_j over d ∈ {±1}^r by single flips from
// all-ones and from 3 random patterns; it returns the best pattern and the
// best pattern with the opposite parity (number of −1s).
func signSearch(w *mat.Dense, rng *rand.Rand) [][]float64 {
	r, _ := w.Dims()
	value := func(d []float64) float64 {
		s := 0.0
		for i := 0; i < r; i++ {
			for j := 0; j < r; j++ {
				s += w.At(i, j) * d[i] * d[j]
			}
		}
		return s
	}
	// flip gain of coordinate i: −2 d_i Σ_{j≠i}(W_ij + W_ji) d_j
	gain := func(d []float64, i int) float64 {
		s := 0.0
		for j := 0; j < r; j++ {
			if j != i {
				s += (w.At(i, j) + w.At(j, i)) * d[j]
			}
		}
		return -2 * d[i] * s
	}
	climb := func(d []float64) {
		for iter := 0; iter < 10*r; iter++ {
			bi, bg := -1, 1e-15
			for i := 0; i < r; i++ {
				if g := gain(d, i); g > bg {
					bi, bg = i, g
				}
			}
			if bi < 0 {
				return
			}
			d[bi] = -d[bi]
		}
	}
	best := make([]float64, r)
	for i := range best {
		best[i] = 1
	}
	climb(best)
	for k := 0; k < 3; k++ {
		d := make([]float64, r)
		for i := range d {
			d[i] = 1
			if rng.IntN(2) == 0 {
				d[i] = -1
			}
		}
		climb(d)
		if value(d) > value(best) {
			best = d
		}
	}
	// Best pattern of the other parity: best single flip of best, climbed
	// with flips in pairs would change nothing in parity, so just take the
	// least costly single flip.
	other := slices.Clone(best)
	bi, bg := 0, math.Inf(-1)
	for i := 0; i < r; i++ {
		if g := gain(best, i); g > bg {
			bi, bg = i, g
		}
	}
	other[bi] = -other[bi]
	return [][]float64{best, other}
}

// haarDet draws a Haar-distributed element of the component of O(r) with
// determinant sign det (±1).
func haarDet(rng *rand.Rand, r int, det float64) *mat.Dense {
	q := haar(rng, r)
	if mat.Det(q)*det < 0 {
		for i := 0; i < r; i++ {
			q.Set(i, 0, -q.At(i, 0))
		}
	}
	return q
}

// haar draws a Haar-distributed rotation/reflection: QR of a Gaussian matrix
// with the signs of R's diagonal moved into Q.
func haar(rng *rand.Rand, r int) *mat.Dense {
	g := mat.NewDense(r, r, nil)
	for i := 0; i < r; i++ {
		for j := 0; j < r; j++ {
			g.Set(i, j, rng.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(g)
	var q, rr mat.Dense
	qr.QTo(&q)
	qr.RTo(&rr)
	for j := 0; j < r; j++ {
		if rr.At(j, j) < 0 {
			for i := 0; i < r; i++ {
				q.Set(i, j, -q.At(i, j))
			}
		}
	}
	return &q
}

// orthoLBFGS minimises L(C) = ‖Â − C B̂ Cᵀ‖² over the connected component of
// O(r) containing start, by L-BFGS in left-trivialised coordinates: a step
// with skew-symmetric S moves C to C·cay(S), cay(S) = (I + S)⁻¹(I − S), and
// gradients are taken in that body frame (identity transport). It returns
// the final C and L. Matrices are small (r ≤ ~100), so plain loops on
// row-major slices beat general matrix routines here.
func orthoLBFGS(an, bn, start *mat.Dense, maxIter int) (*mat.Dense, float64) {
	r, _ := an.Dims()
	np := r * (r - 1) / 2
	ev := newOrthoEval(an, bn)
	cur := denseData(start)
	f, g := ev.valueGrad(cur)
	const memory = 12
	var ss, ys [][]float64
	var rhos []float64
	p := make([]float64, np)
	alphas := make([]float64, memory)
	trial := make([]float64, r*r)
	stall := 0
	for iter := 0; iter < maxIter; iter++ {
		gn := math.Sqrt(dot(g, g))
		if gn < 1e-11 {
			break
		}
		// two-loop recursion
		copy(p, g)
		for k := len(ss) - 1; k >= 0; k-- {
			alphas[k] = rhos[k] * dot(ss[k], p)
			for i := range p {
				p[i] -= alphas[k] * ys[k][i]
			}
		}
		var gamma float64
		if len(ss) > 0 {
			last := len(ss) - 1
			gamma = dot(ss[last], ys[last]) / dot(ys[last], ys[last])
		} else {
			gamma = 0.1 / gn
		}
		for i := range p {
			p[i] *= gamma
		}
		for k := range ss {
			b := rhos[k] * dot(ys[k], p)
			for i := range p {
				p[i] += ss[k][i] * (alphas[k] - b)
			}
		}
		for i := range p {
			p[i] = -p[i]
		}
		slope := dot(g, p)
		if slope >= 0 { // not a descent direction: reset the memory
			ss, ys, rhos = ss[:0], ys[:0], rhos[:0]
			for i := range p {
				p[i] = -g[i] * 0.1 / gn
			}
			slope = dot(g, p)
		}
		// Backtracking (Armijo) line search along the group curve.
		step := 1.0
		var fNew float64
		accepted := false
		for ls := 0; ls < 40; ls++ {
			ev.retract(trial, cur, p, step)
			fNew = ev.value(trial)
			if fNew <= f+1e-4*step*slope {
				accepted = true
				break
			}
			step /= 2
		}
		if !accepted {
			break
		}
		// The last value call was at trial: its residual is still there.
		gNew := ev.gradFromResidual()
		s := make([]float64, np)
		y := make([]float64, np)
		for i := range s {
			s[i] = step * p[i]
			y[i] = gNew[i] - g[i]
		}
		if sy := dot(s, y); sy > 1e-300 {
			if len(ss) == memory {
				ss, ys, rhos = ss[1:], ys[1:], rhos[1:]
			}
			ss, ys, rhos = append(ss, s), append(ys, y), append(rhos, 1/sy)
		}
		// Stop when the loss no longer moves at rounding level for a few steps.
		if f-fNew <= 1e-15*math.Max(f, 1e-30) {
			stall++
			if stall >= 3 {
				copy(cur, trial)
				break
			}
		} else {
			stall = 0
		}
		copy(cur, trial)
		f, g = fNew, gNew
	}
	c := mat.NewDense(r, r, cur)
	reorthonormalise(c)
	return c, ev.value(c.RawMatrix().Data)
}

// reorthonormalise removes the drift from orthogonality accumulated by the
// steps: C ← polar factor of C (U Vᵀ of its SVD).
func reorthonormalise(c *mat.Dense) {
	var svd mat.SVD
	if !svd.Factorize(c, mat.SVDThin) {
		return
	}
	var u, v mat.Dense
	svd.UTo(&u)
	svd.VTo(&v)
	c.Mul(&u, v.T())
}

// orthoEval evaluates L and its body-frame gradient with scratch buffers;
// all matrices are r×r row-major slices. Since ‖A − C B Cᵀ‖ = ‖CᵀA C − B‖,
// it works with R̃ = CᵀA C − B, which saves two products per gradient.
type orthoEval struct {
	r              int
	a, b           []float64
	ac, res, x, t1 []float64
	ips, ims, q    []float64
	tmp            []float64 // transposes for squareMul
}

func newOrthoEval(an, bn *mat.Dense) *orthoEval {
	r, _ := an.Dims()
	mk := func() []float64 { return make([]float64, r*r) }
	return &orthoEval{r: r, a: denseData(an), b: denseData(bn),
		ac: mk(), res: mk(), x: mk(), t1: mk(), ips: mk(), ims: mk(), q: mk(), tmp: make([]float64, 2*r*r)}
}

func (e *orthoEval) value(c []float64) float64 {
	n := e.r
	squareMul(e.ac, e.a, c, n, false, false, e.tmp)
	squareMul(e.res, c, e.ac, n, true, false, e.tmp)
	s := 0.0
	for i, bv := range e.b {
		d := e.res[i] - bv
		e.res[i] = d
		s += d * d
	}
	return s
}

// valueGrad returns L(C) and its gradient in body coordinates. With
// G = ∂L/∂C = −2(R C Bᵀ + Rᵀ C B), R = A − C B Cᵀ, one has
// CᵀG = −2X with X = R̃Bᵀ + R̃ᵀB, and with dC = C·dcay = −2 C dS at S = 0 the
// derivative along the skew basis E_ij − E_ji (i < j) is 4(X_ij − X_ji).
func (e *orthoEval) valueGrad(c []float64) (float64, []float64) {
	f := e.value(c)
	return f, e.gradFromResidual()
}

// gradFromResidual is the gradient part of valueGrad at the point of the
// last value call (whose residual R̃ is kept in e.res).
func (e *orthoEval) gradFromResidual() []float64 {
	n := e.r
	squareMul(e.x, e.res, e.b, n, false, true, e.tmp)
	squareMul(e.t1, e.res, e.b, n, true, false, e.tmp)
	out := make([]float64, 0, n*(n-1)/2)
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			xij := e.x[i*n+j] + e.t1[i*n+j]
			xji := e.x[j*n+i] + e.t1[j*n+i]
			out = append(out, 4*(xij-xji))
		}
	}
	return out
}

// retract sets dst = cur·cay(step·P), P the skew matrix of the parameters p
// (upper triangle, row by row), solving (I + S) Q = I − S by Gaussian
// elimination with partial pivoting (I + S is well conditioned: its singular
// values are ≥ 1 for skew S).
func (e *orthoEval) retract(dst, cur, p []float64, step float64) {
	n := e.r
	clear(e.ips)
	clear(e.ims)
	k := 0
	for i := 0; i < n; i++ {
		e.ips[i*n+i], e.ims[i*n+i] = 1, 1
		for j := i + 1; j < n; j++ {
			v := step * p[k]
			k++
			e.ips[i*n+j], e.ips[j*n+i] = v, -v
			e.ims[i*n+j], e.ims[j*n+i] = -v, v
		}
	}
	a, b := e.ips, e.ims
	for col := 0; col < n; col++ {
		piv := col
		for i := col + 1; i < n; i++ {
			if math.Abs(a[i*n+col]) > math.Abs(a[piv*n+col]) {
				piv = i
			}
		}
		if piv != col {
			ra, rp := a[col*n:(col+1)*n], a[piv*n:(piv+1)*n]
			for j := range ra {
				ra[j], rp[j] = rp[j], ra[j]
			}
			ra, rp = b[col*n:(col+1)*n], b[piv*n:(piv+1)*n]
			for j := range ra {
				ra[j], rp[j] = rp[j], ra[j]
			}
		}
		pa, pb := a[col*n+col:(col+1)*n], b[col*n:(col+1)*n]
		inv := 1 / pa[0]
		for i := col + 1; i < n; i++ {
			fct := a[i*n+col] * inv
			if fct == 0 {
				continue
			}
			ra := a[i*n+col : (i+1)*n]
			ra = ra[:len(pa)]
			for j, v := range pa {
				ra[j] -= fct * v
			}
			rb := b[i*n : (i+1)*n]
			rb = rb[:len(pb)]
			for j, v := range pb {
				rb[j] -= fct * v
			}
		}
	}
	// Back substitution, row by row: q_i = (b_i − Σ_{k>i} a_ik q_k)/a_ii.
	for i := n - 1; i >= 0; i-- {
		qi := e.q[i*n : (i+1)*n]
		copy(qi, b[i*n:(i+1)*n])
		for k := i + 1; k < n; k++ {
			f := a[i*n+k]
			if f == 0 {
				continue
			}
			qk := e.q[k*n : (k+1)*n]
			qk = qk[:len(qi)]
			for j, v := range qk {
				qi[j] -= f * v
			}
		}
		inv := 1 / a[i*n+i]
		for j := range qi {
			qi[j] *= inv
		}
	}
	squareMul(dst, cur, e.q, n, false, false, e.tmp)
}
