package analysis

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func randomTrials(rng *rand.Rand, b, t, n int) Trials {
	data := make([]float64, b*t*n)
	for i := range data {
		data[i] = rng.NormFloat64()
	}
	return NewTrials(b, t, n, data)
}

// The Gram matrix from lagged covariances and the structured product H·U
// equal the explicit HᵀH and H·U of the delay embedding.
func TestHankelGramAndProduct(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct{ b, t, n, d, tau int }{{3, 30, 4, 5, 1}, {2, 25, 3, 4, 2}, {1, 12, 2, 1, 1}, {4, 9, 5, 3, 3}} {
		data := randomTrials(rng, c.b, c.t, c.n)
		h, err := DelayEmbed(data, c.d, c.tau)
		if err != nil {
			t.Fatal(err)
		}
		var want mat.Dense
		want.Mul(h.Flat().T(), h.Flat())
		got := hankelGram(data, c.d, c.tau)
		if d := maxAbsDiff(t, denseData(got), denseData(&want)); d > 1e-12*mat.Max(&want) {
			t.Errorf("%+v: Gram off by %g", c, d)
		}
		u := mat.NewDense(c.d*c.n, 3, randSlice(rng, c.d*c.n*3, 1))
		var hu mat.Dense
		hu.Mul(h.Flat(), u)
		if d := maxAbsDiff(t, denseData(hankelTimes(data, c.d, c.tau, u)), denseData(&hu)); d > 1e-12 {
			t.Errorf("%+v: H·U off by %g", c, d)
		}
	}
}

// topEigen's leading eigenpairs equal the dense decomposition's on a matrix
// with a wide spectrum and a cluster at the cut.
func TestTopEigen(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n, k = 400, 40
	q := haar(rng, n)
	lam := make([]float64, n)
	for i := range lam {
		lam[i] = math.Exp(-float64(i) / 12)
	}
	lam[k-1], lam[k] = lam[k-2]*0.999, lam[k-2]*0.998 // a close pair across the cut…
	lam[k+1] = lam[k] * 0.99                          // …and just below it
	var g, qd mat.Dense
	qd.Apply(func(i, j int, v float64) float64 { return v * lam[j] }, q)
	g.Mul(&qd, q.T())
	vals, vecs, err := topEigen(&g, k)
	if err != nil {
		t.Fatal(err)
	}
	for j := 0; j < k; j++ {
		if d := math.Abs(vals[j] - lam[j]); d > 1e-12 {
			t.Errorf("eigenvalue %d: %v, want %v", j, vals[j], lam[j])
		}
	}
	// Orthonormal, and spanning the leading subspace: ‖QₖᵀU‖_F² = k.
	var utu, qtu mat.Dense
	utu.Mul(vecs.T(), vecs)
	for i := 0; i < k; i++ {
		utu.Set(i, i, utu.At(i, i)-1)
	}
	if nrm := mat.Norm(&utu, 2); nrm > 1e-12 {
		t.Errorf("UᵀU − I: %g", nrm)
	}
	qtu.Mul(q.Slice(0, n, 0, k).T(), vecs)
	if d := float64(k) - math.Pow(mat.Norm(&qtu, 2), 2); d > 1e-9 {
		t.Errorf("leading subspace missed by %g", d)
	}
}

// wideSystem simulates a noisy nonlinear recurrent system with n units:
// what a model's latents look like to DSA, at a small size.
func wideSystem(seed uint64, b, T, n int) Trials {
	rng := rand.New(rand.NewPCG(seed, 7))
	w := mat.NewDense(n, n, nil)
	q := haar(rng, n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			w.Set(i, j, 1.1*q.At(i, j))
		}
	}
	data := make([]float64, b*T*n)
	x := make([]float64, n)
	for k := 0; k < b; k++ {
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		for t := 0; t < T; t++ {
			y := make([]float64, n)
			for i := 0; i < n; i++ {
				s := 0.0
				for j := 0; j < n; j++ {
					s += w.At(i, j) * x[j]
				}
				y[i] = math.Tanh(s) + 0.05*rng.NormFloat64()
			}
			x = y
			copy(data[(k*T+t)*n:], x)
		}
	}
	return NewTrials(b, T, n, data)
}

// On a wide embedding (20 delays of 16 units, rank 40: Lanczos, not the
// dense fallback) the truncated solver gives the exact solver's leading
// singular values, operator and DSA scores.
func TestDMDTruncatedMatchesExact(t *testing.T) {
	data := wideSystem(1, 6, 120, 16)
	other := wideSystem(2, 6, 120, 16)
	s := DMDSettings{NDelays: 20, Rank: 40}
	fit := func(d Trials, solver SVDSolver) *DMD {
		c := s
		c.Solver = solver
		f, err := FitDMD(d, &c)
		if err != nil {
			t.Fatal(err)
		}
		if f.Solver != solver {
			t.Fatalf("solver %v ran, want %v", f.Solver, solver)
		}
		return f
	}
	ex, tr := fit(data, SVDExact), fit(data, SVDTruncated)
	checkClose(t, "singular values", tr.S, ex.S[:len(tr.S)], 1e-9*ex.S[0])
	checkClose(t, "cumulative explained variance", tr.CumulativeExplainedVariance, ex.CumulativeExplainedVariance[:len(tr.S)], 1e-12)
	checkClose(t, "A_v sign-canonical", denseData(tr.Av), denseData(ex.Av), 1e-7)
	checkScalar(t, "‖A_havok‖", frobenius(tr.AHavok()), frobenius(ex.AHavok()), 1e-8)
	ox := fit(other, SVDExact)
	ot := fit(other, SVDTruncated)
	ctx := context.Background()
	m, err := PairwiseOperatorScores(ctx, []*mat.Dense{ex.Av, tr.Av, ox.Av, ot.Av}, rand.New(rand.NewPCG(5, 5)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.At(1, 0) > 1e-6 || m.At(3, 2) > 1e-6 {
		t.Errorf("exact and truncated operators at distance %g and %g", m.At(1, 0), m.At(3, 2))
	}
	if d := math.Abs(m.At(2, 0) - m.At(3, 1)); d > 1e-6 {
		t.Errorf("DSA between the systems: exact %v, truncated %v", m.At(2, 0), m.At(3, 1))
	}
	t.Logf("DSA exact %.6f truncated %.6f", m.At(2, 0), m.At(3, 1))
}

func TestDMDSolverErrors(t *testing.T) {
	data := wideSystem(1, 2, 30, 4)
	if _, err := FitDMD(data, &DMDSettings{NDelays: 5, Solver: SVDTruncated}); err == nil {
		t.Error("truncated solver without a rank accepted")
	}
	if _, err := FitDMD(NewTrials(1, 30, 4, data.Data[:120]), &DMDSettings{NDelays: 20, Rank: 3, Solver: SVDTruncated}); err == nil {
		t.Error("truncated solver on a wide single-trial embedding accepted")
	}
	if _, err := FitDMD(data, &DMDSettings{NDelays: 2, Rank: 3, Solver: 7}); err == nil {
		t.Error("unknown solver accepted")
	}
}
