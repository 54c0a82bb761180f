package analysis

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Procrustes is scipy.spatial.procrustes(a, b): both n×k matrices are centred
// and scaled to unit Frobenius norm, then b is rotated and scaled onto a.
// It returns the standardised a, the transformed b and the disparity
// Σ(aStd − bFit)² = 1 − (Σσ)² ∈ [0, 1].
func Procrustes(a, b mat.Matrix) (aStd, bFit *mat.Dense, disparity float64, err error) {
	n, k := a.Dims()
	nb, kb := b.Dims()
	if n != nb || k != kb {
		return nil, nil, 0, fmt.Errorf("analysis: procrustes: matrices must have the same shape, got %d×%d and %d×%d", n, k, nb, kb)
	}
	if n == 0 || k == 0 {
		return nil, nil, 0, errors.New("analysis: procrustes: input must have >0 rows and >0 columns")
	}
	m1, m2 := centred(a, colMeans(a)), centred(b, colMeans(b))
	n1, n2 := frobenius(m1), frobenius(m2)
	if n1 == 0 || n2 == 0 {
		return nil, nil, 0, errors.New("analysis: procrustes: input matrices must contain >1 unique points")
	}
	m1.Scale(1/n1, m1)
	m2.Scale(1/n2, m2)
	// scipy.linalg.orthogonal_procrustes(m1, m2): SVD of (m2ᵀ m1)ᵀ = m1ᵀ m2.
	var prod mat.Dense
	prod.Mul(m1.T(), m2)
	var svd mat.SVD
	if !svd.Factorize(&prod, mat.SVDThin) {
		return nil, nil, 0, errors.New("analysis: procrustes: SVD did not converge")
	}
	s := svd.Values(nil)
	var u, v, r mat.Dense
	svd.UTo(&u)
	svd.VTo(&v)
	r.Mul(&u, v.T())
	scale := 0.0
	for _, x := range s {
		scale += x
	}
	bFit = new(mat.Dense)
	bFit.Mul(m2, r.T())
	bFit.Scale(scale, bFit)
	var diff mat.Dense
	diff.Sub(m1, bFit)
	disparity = 0
	for i := 0; i < n; i++ {
		for _, x := range diff.RawRowView(i) {
			disparity += x * x
		}
	}
	return m1, bFit, disparity, nil
}

// ProcrustesDisparity is the disparity of Procrustes(a, b), computed by the
// chosen solver (SolverGram: CrossGram.ProcrustesDisparity).
func ProcrustesDisparity(a, b mat.Matrix, s *MetricSettings) (float64, error) {
	if err := checkSolver(s); err != nil {
		return 0, err
	}
	n, k := a.Dims()
	nb, kb := b.Dims()
	if n != nb || k != kb {
		return 0, fmt.Errorf("analysis: procrustes: matrices must have the same shape, got %d×%d and %d×%d", n, k, nb, kb)
	}
	if s.solver(n, k+kb) == SolverGram {
		return NewCrossGram(a, b).ProcrustesDisparity()
	}
	_, _, d, err := Procrustes(a, b)
	return d, err
}

// CanonicalCorrelations returns the first k canonical correlations of a
// (n×p) and b (n×q), descending: the cosines of the principal angles between
// the column spaces of the centred matrices. They are what scikit-learn's
// NIPALS CCA (FitCCA, CCAR2) estimates. SolverExact takes the singular
// values of UaᵀUb, Ua and Ub orthonormal bases of the centred columns (thin
// SVDs; directions with σ < max(n, p)·eps·σmax are dropped, as
// numpy.linalg.matrix_rank); SolverGram whitens the cross-products
// (CrossGram.CanonicalCorrelations). Fewer than k values come back when a
// side has fewer directions.
func CanonicalCorrelations(a, b mat.Matrix, k int, s *MetricSettings) ([]float64, error) {
	if err := checkSolver(s); err != nil {
		return nil, err
	}
	n, p := a.Dims()
	nb, q := b.Dims()
	if n != nb {
		return nil, fmt.Errorf("analysis: CCA: a has %d rows, b has %d", n, nb)
	}
	if n < 2 || k < 1 {
		return nil, fmt.Errorf("analysis: CCA needs at least 2 samples and 1 component, got %d and %d", n, k)
	}
	if s.solver(n, p+q) == SolverGram {
		return NewCrossGram(a, b).CanonicalCorrelations(k)
	}
	ua, err := columnBasis(a)
	if err != nil {
		return nil, err
	}
	ub, err := columnBasis(b)
	if err != nil {
		return nil, err
	}
	var m mat.Dense
	m.Mul(ua.T(), ub)
	var svd mat.SVD
	if !svd.Factorize(&m, mat.SVDNone) {
		return nil, errors.New("analysis: CCA: SVD did not converge")
	}
	return clampCorrelations(svd.Values(nil), k), nil
}

// columnBasis returns an orthonormal basis of the centred columns of x.
func columnBasis(x mat.Matrix) (*mat.Dense, error) {
	n, p := x.Dims()
	xc := centred(x, colMeans(x))
	var svd mat.SVD
	if !svd.Factorize(xc, mat.SVDThinU) {
		return nil, errors.New("analysis: CCA: SVD did not converge")
	}
	sv := svd.Values(nil)
	var u mat.Dense
	svd.UTo(&u)
	r := 0
	for _, v := range sv {
		if v > float64(max(n, p))*eps64*sv[0] {
			r++
		}
	}
	if r == 0 {
		return nil, errors.New("analysis: CCA: a data set is constant")
	}
	return mat.DenseCopyOf(u.Slice(0, n, 0, r)), nil
}

// CCASettings configures FitCCA. Nil means the defaults.
type CCASettings struct {
	// MaxIter bounds the NIPALS power iterations per component (default 500,
	// what CTD passes).
	MaxIter int
	// Tol is the convergence threshold on ‖Δw_x‖² (default 1e-6).
	Tol float64
	// NoScale disables scaling columns to unit variance (sklearn scale=False).
	NoScale bool
}

// CCA is a fitted canonical correlation analysis, equivalent to
// sklearn.cross_decomposition.CCA (scale=True, NIPALS, mode B, canonical deflation).
type CCA struct {
	XMean, YMean, XStd, YStd []float64
	// XWeights (p×k), YWeights (q×k): unit-norm weight vectors per component.
	XWeights, YWeights *mat.Dense
	// XLoadings (p×k), YLoadings (q×k).
	XLoadings, YLoadings *mat.Dense
	// XRotations = W_x (P_xᵀ W_x)⁺ (p×k), YRotations likewise (q×k).
	XRotations, YRotations *mat.Dense
	// NIter is the number of power iterations each component took.
	NIter []int
}

// FitCCA fits k canonical components of x (n×p) and y (n×q).
func FitCCA(x, y mat.Matrix, k int, s *CCASettings) (*CCA, error) {
	set := CCASettings{MaxIter: 500, Tol: 1e-6}
	if s != nil {
		if s.MaxIter > 0 {
			set.MaxIter = s.MaxIter
		}
		if s.Tol > 0 {
			set.Tol = s.Tol
		}
		set.NoScale = s.NoScale
	}
	n, p := x.Dims()
	ny, q := y.Dims()
	if n != ny {
		return nil, fmt.Errorf("analysis: CCA: x has %d rows, y has %d", n, ny)
	}
	if n < 2 {
		return nil, fmt.Errorf("analysis: CCA needs at least 2 samples, got %d", n)
	}
	if k < 1 || k > min(n, p, q) {
		return nil, fmt.Errorf("analysis: CCA: n_components=%d must be in [1, min(n_samples=%d, n_features=%d, n_targets=%d)]", k, n, p, q)
	}
	c := &CCA{}
	var xk, yk *mat.Dense
	xk, c.XMean, c.XStd = centreScale(x, !set.NoScale)
	yk, c.YMean, c.YStd = centreScale(y, !set.NoScale)

	c.XWeights, c.YWeights = mat.NewDense(p, k, nil), mat.NewDense(q, k, nil)
	c.XLoadings, c.YLoadings = mat.NewDense(p, k, nil), mat.NewDense(q, k, nil)
	xs, ys := make([]float64, n), make([]float64, n)
	for comp := 0; comp < k; comp++ {
		// Columns of Yk that are all within 10·eps of zero are set to exactly zero.
		for j := 0; j < q; j++ {
			small := true
			for i := 0; i < n; i++ {
				if math.Abs(yk.At(i, j)) >= 10*eps64 {
					small = false
					break
				}
			}
			if small {
				for i := 0; i < n; i++ {
					yk.Set(i, j, 0)
				}
			}
		}
		wx, wy, it, err := ccaPowerMethod(xk, yk, set.MaxIter, set.Tol)
		if err != nil {
			if comp == 0 {
				return nil, err
			}
			// sklearn warns and stops adding components; keep the zero columns.
			break
		}
		c.NIter = append(c.NIter, it)
		// Sign: largest-|.| entry of w_x positive, w_y flipped with it.
		if wx[argmaxAbs(wx)] < 0 {
			for i := range wx {
				wx[i] = -wx[i]
			}
			for i := range wy {
				wy[i] = -wy[i]
			}
		}
		mulVec(xs, xk, wx)
		mulVec(ys, yk, wy) // canonical mode normalises w_y, so y_ss = 1
		xl := deflate(xk, xs)
		yl := deflate(yk, ys)
		c.XWeights.SetCol(comp, wx)
		c.YWeights.SetCol(comp, wy)
		c.XLoadings.SetCol(comp, xl)
		c.YLoadings.SetCol(comp, yl)
	}
	var err error
	if c.XRotations, err = rotations(c.XWeights, c.XLoadings); err != nil {
		return nil, err
	}
	if c.YRotations, err = rotations(c.YWeights, c.YLoadings); err != nil {
		return nil, err
	}
	return c, nil
}

// Transform returns the canonical variates (x_scores, y_scores) of new data,
// standardised with the fit's means and stds. Either argument may be nil.
func (c *CCA) Transform(x, y mat.Matrix) (u, v *mat.Dense) {
	if x != nil {
		u = new(mat.Dense)
		u.Mul(standardise(x, c.XMean, c.XStd), c.XRotations)
	}
	if y != nil {
		v = new(mat.Dense)
		v.Mul(standardise(y, c.YMean, c.YStd), c.YRotations)
	}
	return u, v
}

// CCAR2 is the core of CTD's compare_CCA: fit CCA(k) with X = model latents
// and Y = reference latents, transform both and return
// r2_score(U, V, "raw_values") (model variates as "true"), together with the
// per-component Pearson correlation of U and V (canonical correlations).
func CCAR2(model, ref mat.Matrix, k int, s *CCASettings) (r2, canonicalCorr []float64, c *CCA, err error) {
	c, err = FitCCA(model, ref, k, s)
	if err != nil {
		return nil, nil, nil, err
	}
	u, v := c.Transform(model, ref)
	r2 = R2Raw(u, v)
	n, _ := u.Dims()
	canonicalCorr = make([]float64, k)
	a, b := make([]float64, n), make([]float64, n)
	for j := 0; j < k; j++ {
		mat.Col(a, j, u)
		mat.Col(b, j, v)
		canonicalCorr[j] = pearson(a, b)
	}
	return r2, canonicalCorr, c, nil
}

func pearson(a, b []float64) float64 {
	ma, mb := mean(a), mean(b)
	var sab, saa, sbb float64
	for i := range a {
		da, db := a[i]-ma, b[i]-mb
		sab += da * db
		saa += da * da
		sbb += db * db
	}
	return sab / math.Sqrt(saa*sbb)
}

// centreScale centres x and (if scale) divides each column by its sample std
// (ddof 1; a zero std is replaced by 1).
func centreScale(x mat.Matrix, scale bool) (*mat.Dense, []float64, []float64) {
	n, p := x.Dims()
	m := colMeans(x)
	xc := centred(x, m)
	sd := make([]float64, p)
	for j := range sd {
		sd[j] = 1
	}
	if scale {
		for j := 0; j < p; j++ {
			ss := 0.0
			for i := 0; i < n; i++ {
				v := xc.At(i, j)
				ss += v * v
			}
			s := math.Sqrt(ss / float64(n-1))
			if s != 0 {
				sd[j] = s
			}
		}
		for i := 0; i < n; i++ {
			row := xc.RawRowView(i)
			for j := range row {
				row[j] /= sd[j]
			}
		}
	}
	return xc, m, sd
}

func standardise(x mat.Matrix, m, sd []float64) *mat.Dense {
	n, p := x.Dims()
	if p != len(m) {
		panic(fmt.Sprintf("analysis: CCA.Transform: %d columns, fitted on %d", p, len(m)))
	}
	out := centred(x, m)
	for i := 0; i < n; i++ {
		row := out.RawRowView(i)
		for j := range row {
			row[j] /= sd[j]
		}
	}
	return out
}

// ccaPowerMethod is sklearn's _get_first_singular_vectors_power_method in mode B
// with normalised y weights.
func ccaPowerMethod(xk, yk *mat.Dense, maxIter int, tol float64) (wx, wy []float64, nIter int, err error) {
	n, p := xk.Dims()
	_, q := yk.Dims()
	yScore := make([]float64, n)
	found := false
	for j := 0; j < q && !found; j++ {
		for i := 0; i < n; i++ {
			if math.Abs(yk.At(i, j)) > eps64 {
				found = true
				break
			}
		}
		if found {
			mat.Col(yScore, j, yk)
		}
	}
	if !found {
		return nil, nil, 0, errors.New("analysis: CCA: Y residual is constant")
	}
	oldPinv := func(s []float64) float64 { return s[0] * 1e6 * eps64 } // sklearn _pinv2_old
	xp, err := pinv(xk, oldPinv)
	if err != nil {
		return nil, nil, 0, err
	}
	yp, err := pinv(yk, oldPinv)
	if err != nil {
		return nil, nil, 0, err
	}
	wx, wy = make([]float64, p), make([]float64, q)
	wxOld := make([]float64, p)
	for i := range wxOld {
		wxOld[i] = 100
	}
	xScore := make([]float64, n)
	for it := 0; it < maxIter; it++ {
		nIter = it + 1
		mulVec(wx, xp, yScore)
		scaleVec(wx, 1/(math.Sqrt(dot(wx, wx))+eps64))
		mulVec(xScore, xk, wx)
		mulVec(wy, yp, xScore)
		scaleVec(wy, 1/(math.Sqrt(dot(wy, wy))+eps64))
		mulVec(yScore, yk, wy)
		scaleVec(yScore, 1/(dot(wy, wy)+eps64))
		d := 0.0
		for i := range wx {
			e := wx[i] - wxOld[i]
			d += e * e
		}
		if d < tol || q == 1 {
			break
		}
		copy(wxOld, wx)
	}
	return wx, wy, nIter, nil
}

// deflate computes loadings l = Xkᵀ s/(s·s), sets Xk −= s lᵀ and returns l.
func deflate(xk *mat.Dense, s []float64) []float64 {
	n, p := xk.Dims()
	l := make([]float64, p)
	for i := 0; i < n; i++ {
		row := xk.RawRowView(i)
		for j := range row {
			l[j] += s[i] * row[j]
		}
	}
	ss := dot(s, s)
	for j := range l {
		l[j] /= ss
	}
	for i := 0; i < n; i++ {
		row := xk.RawRowView(i)
		for j := range row {
			row[j] -= s[i] * l[j]
		}
	}
	return l
}

// rotations returns W (Pᵀ W)⁺ with scipy.linalg.pinv's default cutoff.
func rotations(w, l *mat.Dense) (*mat.Dense, error) {
	var ptw mat.Dense
	ptw.Mul(l.T(), w)
	r, c := ptw.Dims()
	pi, err := pinv(&ptw, func(s []float64) float64 { return s[0] * float64(max(r, c)) * eps64 })
	if err != nil {
		return nil, err
	}
	var out mat.Dense
	out.Mul(w, pi)
	return &out, nil
}

func mulVec(dst []float64, a *mat.Dense, x []float64) {
	r, c := a.Dims()
	if len(dst) != r || len(x) != c {
		panic("analysis: mulVec shape")
	}
	for i := 0; i < r; i++ {
		dst[i] = dot(a.RawRowView(i), x)
	}
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

func scaleVec(v []float64, s float64) {
	for i := range v {
		v[i] *= s
	}
}
