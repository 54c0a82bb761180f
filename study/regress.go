package study

import (
	"fmt"
	"math"

	"github.com/ctdtui/ctdtui/analysis"
	"gonum.org/v1/gonum/mat"
)

// Affine regressions on latents are tall: a phase of the reference's 3-bit
// flip-flop holds 500 000 steps of 128 units. analysis.FitLinearRegression
// solves them exactly like scikit-learn (a thin SVD of the whole design
// matrix), which takes tens of seconds and gigabytes there. The fits below use
// the normal equations instead: centred cross-products accumulated in float64
// blocks (one pass over the data), an eigendecomposition of XᵀX and a
// pseudo-inverse that drops directions with λ < gramCutoff·λmax. The dropped
// directions carry less than a 1e-11 fraction of the design's variance, so
// predictions and R² agree with the exact solver to ~1e-9 (tested), and R² is
// always scored on explicit predictions.
const gramCutoff = 1e-11

// gramBlock is the number of rows centred and multiplied at a time.
const gramBlock = 4096

// jointGram returns the column means of the horizontal concatenation
// Z = [parts…] (equal row counts) and its centred Gram matrix ZcᵀZc,
// accumulated in float64 blocks of rows without materialising Z.
func jointGram(parts ...*mat.Dense) (means []float64, g *mat.SymDense) {
	n, _ := parts[0].Dims()
	width := 0
	for _, p := range parts {
		r, c := p.Dims()
		if r != n {
			panic(fmt.Sprintf("study: jointGram: %d and %d rows", n, r))
		}
		means = append(means, colMeans(p)...)
		width += c
	}
	g = mat.NewSymDense(width, nil)
	buf := mat.NewDense(min(gramBlock, n), width, nil)
	for r0 := 0; r0 < n; r0 += gramBlock {
		r1 := min(r0+gramBlock, n)
		for i := r0; i < r1; i++ {
			out := buf.RawRowView(i - r0)
			off := 0
			for _, p := range parts {
				row := p.RawRowView(i)
				for j, v := range row {
					out[off+j] = v - means[off+j]
				}
				off += len(row)
			}
		}
		g.SymRankK(g, 1, buf.Slice(0, r1-r0, 0, width).T())
	}
	return means, g
}

// subSym returns rows and columns [r0, r1) of g.
func subSym(g *mat.SymDense, r0, r1 int) *mat.SymDense {
	out := mat.NewSymDense(r1-r0, nil)
	for i := r0; i < r1; i++ {
		for j := i; j < r1; j++ {
			out.SetSym(i-r0, j-r0, g.At(i, j))
		}
	}
	return out
}

// subDense returns rows [r0, r1) and columns [c0, c1) of g.
func subDense(g *mat.SymDense, r0, r1, c0, c1 int) *mat.Dense {
	out := mat.NewDense(r1-r0, c1-c0, nil)
	for i := r0; i < r1; i++ {
		for j := c0; j < c1; j++ {
			out.Set(i-r0, j-c0, g.At(i, j))
		}
	}
	return out
}

func colMeans(x *mat.Dense) []float64 {
	n, p := x.Dims()
	m := make([]float64, p)
	for i := 0; i < n; i++ {
		for j, v := range x.RawRowView(i) {
			m[j] += v
		}
	}
	for j := range m {
		m[j] /= float64(n)
	}
	return m
}

// affine is a fitted y ≈ x·W + b.
type affine struct {
	w *mat.Dense // p×q
	b []float64
}

// solveAffine solves the normal equations XcᵀXc W = XcᵀYc with the
// pseudo-inverse of XcᵀXc.
func solveAffine(xm, ym []float64, xx *mat.SymDense, xy mat.Matrix) (*affine, error) {
	p, q := xy.Dims()
	var eig mat.EigenSym
	if !eig.Factorize(xx, true) {
		return nil, fmt.Errorf("affine fit: eigendecomposition failed")
	}
	lam := eig.Values(nil)
	var v mat.Dense
	eig.VectorsTo(&v)
	lmax := 0.0
	for _, l := range lam {
		lmax = math.Max(lmax, l)
	}
	// W = V diag(1/λ) Vᵀ XᵀY over the kept directions.
	var vty mat.Dense
	vty.Mul(v.T(), xy) // p×q
	for i, l := range lam {
		row := vty.RawRowView(i)
		inv := 0.0
		if l > gramCutoff*lmax && l > 0 {
			inv = 1 / l
		}
		for j := range row {
			row[j] *= inv
		}
	}
	w := mat.NewDense(p, q, nil)
	w.Mul(&v, &vty)
	b := make([]float64, q)
	for j := range b {
		s := ym[j]
		for i := 0; i < p; i++ {
			s -= xm[i] * w.At(i, j)
		}
		b[j] = s
	}
	return &affine{w: w, b: b}, nil
}

func fitAffine(x, y *mat.Dense) (*affine, error) {
	n, p := x.Dims()
	ny, q := y.Dims()
	if ny != n || n < 2 {
		return nil, fmt.Errorf("affine fit: %d and %d rows", n, ny)
	}
	m, g := jointGram(x, y)
	return solveAffine(m[:p], m[p:], subSym(g, 0, p), subDense(g, 0, p, p, p+q))
}

func (a *affine) predict(x mat.Matrix) *mat.Dense {
	n, _ := x.Dims()
	_, q := a.w.Dims()
	out := mat.NewDense(n, q, nil)
	out.Mul(x, a.w)
	for i := 0; i < n; i++ {
		row := out.RawRowView(i)
		for j := range row {
			row[j] += a.b[j]
		}
	}
	return out
}

// performanceR2 is analysis.PerformanceR2 (the reference's: affine latents →
// targets, in-sample R² per target and its mean) through the normal
// equations.
func performanceR2(latents, targets *mat.Dense) ([]float64, float64, error) {
	a, err := fitAffine(latents, targets)
	if err != nil {
		return nil, 0, err
	}
	r2 := analysis.R2Raw(targets, a.predict(latents))
	return r2, mean(r2), nil
}

// symEigen returns the eigenvalues of s in descending order and the matching
// eigenvectors as columns.
func symEigen(s *mat.SymDense) ([]float64, *mat.Dense, error) {
	var e mat.EigenSym
	if !e.Factorize(s, true) {
		return nil, nil, fmt.Errorf("eigendecomposition failed")
	}
	asc := e.Values(nil)
	var va mat.Dense
	e.VectorsTo(&va)
	n := len(asc)
	lam := make([]float64, n)
	v := mat.NewDense(n, n, nil)
	for j := 0; j < n; j++ {
		lam[j] = asc[n-1-j]
		for i := 0; i < n; i++ {
			v.Set(i, j, va.At(i, n-1-j))
		}
	}
	return lam, v, nil
}

// stateR2Gram is the reference's get_state_r2(true = A, pred = B, k) from
// the centred Gram matrices: PC scores are uncorrelated, so the in-sample R²
// of regressing true PC j on the k predicted PCs is Σ_i corr(Zp_i, Zt_j)²,
// with corr = v_iᵀ C_BA u_j / √(λ_i μ_j) (spec §3.2). PCs without variance
// (fewer units than k) contribute nothing, as the reference's zero padding.
func stateR2Gram(caa, cbb *mat.SymDense, cba *mat.Dense, k int) (float64, error) {
	mu, u, err := symEigen(caa)
	if err != nil {
		return 0, err
	}
	lam, v, err := symEigen(cbb)
	if err != nil {
		return 0, err
	}
	ka, kb := min(k, len(mu)), min(k, len(lam))
	var cu mat.Dense
	cu.Mul(cba, u.Slice(0, len(mu), 0, ka)) // pB×ka
	total := 0.0
	for j := 0; j < k; j++ {
		if j >= ka || !(mu[j] > gramCutoff*mu[0]) {
			// A constant true PC (zero padding): predicted perfectly by the
			// intercept, r2_score's force_finite gives 1.
			total++
			continue
		}
		r2 := 0.0
		for i := 0; i < kb; i++ {
			if !(lam[i] > gramCutoff*lam[0]) {
				continue
			}
			c := 0.0
			for a := 0; a < len(lam); a++ {
				c += v.At(a, i) * cu.At(a, j)
			}
			r2 += c * c / (lam[i] * mu[j])
		}
		total += r2
	}
	return total / float64(k), nil
}

// invSqrt returns S^(−1/2) over the directions with λ > gramCutoff·λmax
// (the pseudo-inverse square root).
func invSqrt(s *mat.SymDense) (*mat.Dense, error) {
	lam, v, err := symEigen(s)
	if err != nil {
		return nil, err
	}
	n := len(lam)
	scaled := mat.NewDense(n, n, nil)
	for j := 0; j < n; j++ {
		f := 0.0
		if lam[j] > gramCutoff*lam[0] && lam[j] > 0 {
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

// canonicalCorrelations returns the first k canonical correlations of A and
// B (descending) from their centred Gram blocks: the singular values of
// Caa^(−1/2) Cab Cbb^(−1/2). They are what sklearn's CCA estimates by NIPALS,
// exactly.
func canonicalCorrelations(caa, cbb *mat.SymDense, cab *mat.Dense, k int) ([]float64, error) {
	ia, err := invSqrt(caa)
	if err != nil {
		return nil, err
	}
	ib, err := invSqrt(cbb)
	if err != nil {
		return nil, err
	}
	var m mat.Dense
	m.Product(ia, cab, ib)
	var svd mat.SVD
	if !svd.Factorize(&m, mat.SVDNone) {
		return nil, fmt.Errorf("CCA: SVD failed")
	}
	s := svd.Values(nil)
	k = min(k, len(s))
	out := make([]float64, k)
	for i := range out {
		out[i] = math.Min(s[i], 1)
	}
	return out, nil
}

// procrustesDisparity is scipy's procrustes(A, B) disparity from the centred
// Gram blocks: with both matrices scaled to unit Frobenius norm, the
// disparity is 1 − (Σσ)², σ the singular values of AᵀB.
func procrustesDisparity(caa, cbb *mat.SymDense, cab *mat.Dense) (float64, error) {
	ta, tb := 0.0, 0.0
	for i := 0; i < caa.SymmetricDim(); i++ {
		ta += caa.At(i, i)
	}
	for i := 0; i < cbb.SymmetricDim(); i++ {
		tb += cbb.At(i, i)
	}
	if !(ta > 0) || !(tb > 0) {
		return 0, fmt.Errorf("procrustes: input matrices must contain >1 unique points")
	}
	var svd mat.SVD
	if !svd.Factorize(cab, mat.SVDNone) {
		return 0, fmt.Errorf("procrustes: SVD failed")
	}
	sum := 0.0
	for _, s := range svd.Values(nil) {
		sum += s
	}
	sum /= math.Sqrt(ta * tb)
	return math.Max(0, 1-sum*sum), nil
}
