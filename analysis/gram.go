package analysis

import (
	"context"
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Solver selects how the regression-based metrics (FitLinearRegression,
// PerformanceR2, StateR2, ProcrustesDisparity, CanonicalCorrelations) do
// their linear algebra. Both solvers compute the same quantities; they differ
// in cost and in how they treat directions without variance.
type Solver int

const (
	// SolverAuto is SolverGram for tall, large data (at least 16 rows per
	// column and 2²² values, the rule FitPCA uses) and SolverExact otherwise.
	SolverAuto Solver = iota
	// SolverExact works on the data matrices with SVDs, exactly as
	// scikit-learn and scipy do (minimum-norm least squares with gelsd's
	// cutoff, PCA by SVD, scipy's Procrustes).
	SolverExact
	// SolverGram works on the centred cross-product matrices of the two data
	// sets (CrossGram), accumulated in one pass over the rows in float64
	// blocks: normal equations with a pseudo-inverse that drops directions
	// with λ < GramCutoff·λmax, and eigendecompositions of the Gram blocks.
	// The dropped directions carry less than a 1e-11 fraction of the
	// variance, so predictions and scores agree with SolverExact to ~1e-9
	// (tested). A phase of the reference's 3-bit flip-flop (500 000 steps ×
	// 128 latents) takes tens of seconds and gigabytes with SolverExact and
	// under a second here.
	SolverGram
)

func (s Solver) String() string {
	switch s {
	case SolverAuto:
		return "auto"
	case SolverExact:
		return "exact"
	case SolverGram:
		return "gram"
	}
	return fmt.Sprintf("Solver(%d)", int(s))
}

// MetricSettings configures the regression-based metrics. Nil means the
// defaults.
type MetricSettings struct {
	// Solver (default SolverAuto).
	Solver Solver
}

// solver resolves SolverAuto for data of n rows and d columns in all.
func (s *MetricSettings) solver(n, d int) Solver {
	if s != nil && s.Solver != SolverAuto {
		return s.Solver
	}
	if useGram(n, d) {
		return SolverGram
	}
	return SolverExact
}

func checkSolver(s *MetricSettings) error {
	if s != nil && (s.Solver < SolverAuto || s.Solver > SolverGram) {
		return fmt.Errorf("analysis: unknown solver %d", s.Solver)
	}
	return nil
}

// GramCutoff is the relative eigenvalue below which SolverGram treats a
// direction of a Gram matrix as having no variance.
const GramCutoff = 1e-11

// CrossGram holds what SolverGram needs of two data sets A (n×p) and B
// (n×q) with the same rows: their column means and the blocks of the
// centred cross-product matrix of [A B]. Every SolverGram metric is a method
// of it, so that several metrics of the same pair share one pass over the
// data.
type CrossGram struct {
	Rows         int
	MeanA, MeanB []float64
	AA           *mat.SymDense // AcᵀAc (p×p)
	BB           *mat.SymDense // BcᵀBc (q×q)
	AB           *mat.Dense    // AcᵀBc (p×q)
}

// crossGramBlock is the number of rows centred and multiplied at a time.
const crossGramBlock = 4096

// NewCrossGram accumulates the cross-products of a and b in float64 blocks
// of rows, without a centred copy of the data (the two-set MultiGram). It
// panics if the row counts differ.
func NewCrossGram(a, b mat.Matrix) *CrossGram {
	m, err := NewMultiGram(context.Background(), []mat.Matrix{a, b}, 0, nil)
	if err != nil {
		panic(err) // only a cancelled context fails
	}
	return m.Pair(0, 1)
}

// Swap returns the cross-products of (B, A) (sharing the blocks).
func (g *CrossGram) Swap() *CrossGram {
	return &CrossGram{Rows: g.Rows, MeanA: g.MeanB, MeanB: g.MeanA, AA: g.BB, BB: g.AA, AB: mat.DenseCopyOf(g.AB.T())}
}

// Regression is the affine least-squares fit B ≈ A·Coefᵀ + Intercept
// through the normal equations AcᵀAc W = AcᵀBc, solved with the
// pseudo-inverse of AcᵀAc over its eigendirections with
// λ > GramCutoff·λmax. Rank is the number of directions kept.
func (g *CrossGram) Regression() (*LinearRegression, error) {
	p, q := g.AB.Dims()
	if g.Rows < 2 {
		return nil, fmt.Errorf("analysis: linear regression: %d rows, need >= 2", g.Rows)
	}
	lam, v, err := symEigenDesc(g.AA)
	if err != nil {
		return nil, fmt.Errorf("analysis: linear regression: %w", err)
	}
	// W = V diag(1/λ) Vᵀ AᵀB over the kept directions.
	var vty mat.Dense
	vty.Mul(v.T(), g.AB) // p×q
	rank := 0
	for i, l := range lam {
		row := vty.RawRowView(i)
		inv := 0.0
		if l > GramCutoff*lam[0] && l > 0 {
			inv = 1 / l
			rank++
		}
		for j := range row {
			row[j] *= inv
		}
	}
	var w mat.Dense
	w.Mul(v, &vty)
	coef := mat.DenseCopyOf(w.T()) // q×p
	icpt := make([]float64, q)
	for j := range icpt {
		s := g.MeanB[j]
		for i := 0; i < p; i++ {
			s -= g.MeanA[i] * w.At(i, j)
		}
		icpt[j] = s
	}
	return &LinearRegression{Coef: coef, Intercept: icpt, Rank: rank}, nil
}

// Residual returns E = Σ (b − b̂)(b − b̂)ᵀ over the rows of g (q×q) for the
// prediction b̂ = lr(a) of a fit made on any rows: with W = Coefᵀ and
// d = W·mean(A) + Intercept − mean(B) (the offset on these rows),
// E = BcᵀBc − BcᵀAc W − Wᵀ AcᵀBc + Wᵀ AcᵀAc W + n d dᵀ.
func (g *CrossGram) Residual(lr *LinearRegression) *mat.SymDense {
	p, q := g.AB.Dims()
	if r, c := lr.Coef.Dims(); r != q || c != p {
		panic(fmt.Sprintf("analysis: CrossGram.Residual: a %d×%d fit for %d → %d columns", c, r, p, q))
	}
	w := lr.Coef.T() // p×q
	var abw, aaw, waaw mat.Dense
	abw.Mul(g.AB.T(), w) // q×q: BcᵀAc W
	aaw.Mul(g.AA, w)
	waaw.Mul(w.T(), &aaw)
	d := make([]float64, q)
	for j := range d {
		s := lr.Intercept[j] - g.MeanB[j]
		for i := 0; i < p; i++ {
			s += g.MeanA[i] * w.At(i, j)
		}
		d[j] = s
	}
	e := mat.NewSymDense(q, nil)
	n := float64(g.Rows)
	for i := 0; i < q; i++ {
		for j := i; j < q; j++ {
			e.SetSym(i, j, g.BB.At(i, j)-abw.At(i, j)-abw.At(j, i)+waaw.At(i, j)+n*d[i]*d[j])
		}
	}
	return e
}

// R2 is r2_score(B, lr(A), multioutput="variance_weighted") over the rows of
// g, from Residual (no prediction is formed).
func (g *CrossGram) R2(lr *LinearRegression) float64 {
	e := g.Residual(lr)
	res, tot := mat.Trace(e), mat.Trace(g.BB)
	switch {
	case res == 0:
		return 1
	case tot == 0:
		return 0
	}
	return 1 - res/tot
}

// R2Along returns, for each column v of dirs (q×k), the R² of the
// projections of B and lr(A) on v over the rows of g (R2Raw of the
// projected scores, force_finite cases included).
func (g *CrossGram) R2Along(lr *LinearRegression, dirs *mat.Dense) []float64 {
	e := g.Residual(lr)
	q, k := dirs.Dims()
	num, den := make([]float64, k), make([]float64, k)
	v := make([]float64, q)
	ve, vb := mat.NewVecDense(q, nil), mat.NewVecDense(q, nil)
	for j := 0; j < k; j++ {
		mat.Col(v, j, dirs)
		vv := mat.NewVecDense(q, v)
		ve.MulVec(e, vv)
		vb.MulVec(g.BB, vv)
		num[j], den[j] = math.Max(mat.Dot(vv, ve), 0), mat.Dot(vv, vb)
	}
	return assembleScores(num, den)
}

// PrincipalAxesB returns B's first k principal axes (q×k, as columns; signs
// arbitrary) and their explained-variance ratios, from BcᵀBc.
func (g *CrossGram) PrincipalAxesB(k int) (*mat.Dense, []float64, error) {
	q := g.BB.SymmetricDim()
	if k < 1 || k > q {
		return nil, nil, fmt.Errorf("analysis: principal axes: %d of %d", k, q)
	}
	lam, v, err := symEigenDesc(g.BB)
	if err != nil {
		return nil, nil, err
	}
	total := 0.0
	for _, l := range lam {
		total += math.Max(l, 0)
	}
	ratio := make([]float64, k)
	for j := range ratio {
		ratio[j] = math.Max(lam[j], 0) / total
	}
	return mat.DenseCopyOf(v.Slice(0, q, 0, k)), ratio, nil
}

// StateR2PerPC is StateR2PerPC (A the true latents, B the predicted ones)
// from the cross-products: PC scores are uncorrelated, so the R² of true PC
// j regressed on the predicted PCs is Σ_i corr(Zb_i, Za_j)² with
// corr = v_iᵀ C_BA u_j / √(λ_i μ_j) (spec §3.2).
func (g *CrossGram) StateR2PerPC(numPCs int) ([]float64, error) {
	if numPCs < 1 {
		return nil, fmt.Errorf("analysis: state R²: num_pcs must be >= 1, got %d", numPCs)
	}
	mu, u, err := symEigenDesc(g.AA)
	if err != nil {
		return nil, err
	}
	lam, v, err := symEigenDesc(g.BB)
	if err != nil {
		return nil, err
	}
	ka, kb := min(numPCs, len(mu)), min(numPCs, len(lam))
	var cu mat.Dense
	cu.Mul(g.AB.T(), u.Slice(0, len(mu), 0, ka)) // q×ka
	per := make([]float64, ka)
	for j := range per {
		if !(mu[j] > GramCutoff*mu[0]) {
			continue // a PC without variance contributes nothing
		}
		for i := 0; i < kb; i++ {
			if !(lam[i] > GramCutoff*lam[0]) {
				continue
			}
			c := 0.0
			for a := range lam {
				c += v.At(a, i) * cu.At(a, j)
			}
			per[j] += c * c / (lam[i] * mu[j])
		}
	}
	return per, nil
}

// StateR2 is StateR2 (A the true latents, B the predicted ones; symmetric)
// from the cross-products.
func (g *CrossGram) StateR2(numPCs int) (float64, error) {
	per, err := g.StateR2PerPC(numPCs)
	if err != nil {
		return 0, err
	}
	p, q := g.AB.Dims()
	return stateR2Mean(per, numPCs, p, q), nil
}

// ProcrustesDisparity is scipy's procrustes(A, B) disparity from the
// cross-products: with both matrices scaled to unit Frobenius norm, the
// disparity is 1 − (Σσ)², σ the singular values of AcᵀBc/(‖Ac‖‖Bc‖).
func (g *CrossGram) ProcrustesDisparity() (float64, error) {
	p, q := g.AB.Dims()
	if p != q {
		return 0, fmt.Errorf("analysis: procrustes: matrices must have the same shape, got %d and %d columns", p, q)
	}
	ta, tb := mat.Trace(g.AA), mat.Trace(g.BB)
	if !(ta > 0) || !(tb > 0) {
		return 0, errors.New("analysis: procrustes: input matrices must contain >1 unique points")
	}
	var svd mat.SVD
	if !svd.Factorize(g.AB, mat.SVDNone) {
		return 0, errors.New("analysis: procrustes: SVD did not converge")
	}
	sum := 0.0
	for _, s := range svd.Values(nil) {
		sum += s
	}
	sum /= math.Sqrt(ta * tb)
	return math.Max(0, 1-sum*sum), nil
}

// CanonicalCorrelations returns the first k canonical correlations of A and
// B (descending): the singular values of Caa^(−1/2) Cab Cbb^(−1/2), with
// pseudo-inverse square roots over the directions with variance.
func (g *CrossGram) CanonicalCorrelations(k int) ([]float64, error) {
	ia, err := invSqrt(g.AA)
	if err != nil {
		return nil, err
	}
	ib, err := invSqrt(g.BB)
	if err != nil {
		return nil, err
	}
	var m mat.Dense
	m.Product(ia, g.AB, ib)
	var svd mat.SVD
	if !svd.Factorize(&m, mat.SVDNone) {
		return nil, errors.New("analysis: CCA: SVD did not converge")
	}
	return clampCorrelations(svd.Values(nil), k), nil
}

func clampCorrelations(s []float64, k int) []float64 {
	out := make([]float64, min(k, len(s)))
	for i := range out {
		out[i] = math.Min(s[i], 1)
	}
	return out
}

// invSqrt returns S^(−1/2) over the directions with λ > GramCutoff·λmax.
func invSqrt(s *mat.SymDense) (*mat.Dense, error) {
	lam, v, err := symEigenDesc(s)
	if err != nil {
		return nil, err
	}
	n := len(lam)
	scaled := mat.NewDense(n, n, nil)
	for j := 0; j < n; j++ {
		f := 0.0
		if lam[j] > GramCutoff*lam[0] && lam[j] > 0 {
			f = 1 / math.Sqrt(lam[j])
		}
		for i := 0; i < n; i++ {
			scaled.Set(i, j, v.At(i, j)*f)
		}
	}
	var out mat.Dense
	out.Mul(scaled, v.T())
	return &out, nil
}
