package analysis

import (
	"errors"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// The truncated DMD solver. DSA at the reference's settings embeds 128
// latents with 20 delays: a Hankel matrix H of K·T' ≈ 4 800 rows and
// W = 2 560 columns, of which the DMD uses only the leading r = 50 singular
// triplets. A thin SVD of H costs ~4·R·W² flops (minutes in pure Go); here
// instead:
//
//  1. the Gram matrix G = HᵀH comes from lagged covariances of the data.
//     Block (d₁, d₂) of G is Σ_k Σ_t x_{t+a₁} x_{t+a₂}ᵀ (a = (D−1−d)τ), a
//     sum over a window of T' steps of the lag-(a₂−a₁) products, so each
//     lag needs one N×T'×N product per trial and every further block of
//     the same lag follows by moving the window (subtract the τ steps that
//     leave it, add the τ that enter): ~2·K·T'·N²·D flops instead of
//     K·T'·W² for HᵀH, a factor D/2 less, and H is never formed;
//  2. the leading eigenpairs of G by block Lanczos with full
//     reorthogonalisation, stopped when every wanted Ritz pair has a
//     residual ‖G u − θ u‖ ≤ max(1e-9·θ, 1e-13·θ₁) (checked on explicit
//     products, not on the recurrence);
//  3. S = √θ and V = H U S⁻¹, again from the data without forming H.
//
// Accuracy: forming G squares the singular values, so rounding in G moves
// the singular vectors by ~ε·σ₁/(σ_r − σ_{r+1})·σ₁/σ_r instead of
// ε·σ₁/(σ_r − σ_{r+1}); in float64 that is still far below the float32
// SVD the reference itself uses (its embedding is float32). Tests check
// the solver against the exact one on the golden systems and on wide
// embeddings of random dynamics.

// hankelGram returns G = HᵀH (W×W) for the delay embedding of data with
// nDelays delays of interval tau (see DelayEmbed for the layout).
func hankelGram(data Trials, nDelays, tau int) *mat.Dense {
	n, T := data.N, data.T
	tp := T - (nDelays-1)*tau
	w := nDelays * n
	g := mat.NewDense(w, w, nil)
	// edge gathers the rows t0..t0+τ of every trial into one Kτ×N matrix.
	edge := func(dst []float64, t0 int) blas64.General {
		for k := 0; k < data.B; k++ {
			copy(dst[k*tau*n:(k+1)*tau*n], data.Data[(k*T+t0)*n:(k*T+t0+tau)*n])
		}
		return blas64.General{Rows: data.B * tau, Cols: n, Stride: n, Data: dst}
	}
	headA, headB := make([]float64, data.B*tau*n), make([]float64, data.B*tau*n)
	tailA, tailB := make([]float64, data.B*tau*n), make([]float64, data.B*tau*n)
	s := blas64.General{Rows: n, Cols: n, Stride: n, Data: make([]float64, n*n)}
	// Every lag's window sum starting at step 0, S_m = Σ_k X_k[0:T']ᵀ X_k[mτ:mτ+T'],
	// from each trial's transpose (gemmNN wants row-major operands).
	lagSums := make([][]float64, nDelays)
	for m := range lagSums {
		lagSums[m] = make([]float64, n*n)
	}
	xt := make([]float64, n*T)
	prod := make([]float64, n*n)
	for k := 0; k < data.B; k++ {
		x := data.Data[k*T*n : (k+1)*T*n]
		for t, row := 0, x; t < T; t, row = t+1, row[n:] {
			for i, v := range row[:n] {
				xt[i*T+t] = v
			}
		}
		for m := range lagSums {
			gemmNN(n, n, tp, xt, T, x[m*tau*n:], n, prod, n)
			for i, v := range prod {
				lagSums[m][i] += v
			}
		}
	}
	for m := 0; m < nDelays; m++ { // lag m·τ: blocks (d₂+m, d₂)
		lag := m * tau
		copy(s.Data, lagSums[m])
		// The window starts at a₁ = 0 for d₂ = D−1−m and moves by τ as d₂
		// decreases.
		for d2 := nDelays - 1 - m; d2 >= 0; d2-- {
			a1 := (nDelays - 1 - m - d2) * tau
			if d2 < nDelays-1-m {
				prev := a1 - tau
				blas64.Gemm(blas.Trans, blas.NoTrans, -1, edge(headA, prev), edge(headB, prev+lag), 1, s)
				blas64.Gemm(blas.Trans, blas.NoTrans, 1, edge(tailA, prev+tp), edge(tailB, prev+tp+lag), 1, s)
			}
			d1 := d2 + m
			for i := 0; i < n; i++ {
				src := s.Data[i*n : (i+1)*n]
				copy(g.RawRowView(d1*n + i)[d2*n:(d2+1)*n], src)
				if m > 0 {
					for j, v := range src {
						g.Set(d2*n+j, d1*n+i, v)
					}
				}
			}
		}
	}
	return g
}

// hankelTimes returns H·U for the delay embedding of data ((K·T')×c for U
// W×c), from per-trial products with the data: row t of trial k is
// Σ_d x_{t+(D−1−d)τ} U_d, U_d the rows d·N … (d+1)·N of U.
func hankelTimes(data Trials, nDelays, tau int, u *mat.Dense) *mat.Dense {
	n, T := data.N, data.T
	tp := T - (nDelays-1)*tau
	_, c := u.Dims()
	// Ucat = [U_0 U_1 … U_{D−1}] (N × D·c), so that X_k·Ucat holds every
	// block's product for every step.
	ucat := mat.NewDense(n, nDelays*c, nil)
	for d := 0; d < nDelays; d++ {
		ucat.Slice(0, n, d*c, (d+1)*c).(*mat.Dense).Copy(u.Slice(d*n, (d+1)*n, 0, c))
	}
	out := mat.NewDense(data.B*tp, c, nil)
	z := mat.NewDense(T, nDelays*c, nil)
	zr, ur := z.RawMatrix(), ucat.RawMatrix()
	for k := 0; k < data.B; k++ {
		gemmNN(T, nDelays*c, n, data.Data[k*T*n:(k+1)*T*n], n, ur.Data, ur.Stride, zr.Data, zr.Stride)
		for t := 0; t < tp; t++ {
			row := out.RawRowView(k*tp + t)
			for d := 0; d < nDelays; d++ {
				src := z.RawRowView(t + (nDelays-1-d)*tau)[d*c : (d+1)*c]
				for j, v := range src {
					row[j] += v
				}
			}
		}
	}
	return out
}

// Residual tolerances of topEigen (see the file comment).
const (
	lanczosRelTol = 1e-9
	lanczosAbsTol = 1e-13
)

// topEigen returns the k largest eigenvalues (descending) and eigenvectors
// (n×k, orthonormal columns) of the symmetric positive semi-definite n×n
// matrix g, by block Lanczos with full reorthogonalisation from a fixed
// random start (deterministic). Small or nearly full problems use the dense
// eigendecomposition.
func topEigen(g *mat.Dense, k int) ([]float64, *mat.Dense, error) {
	n, _ := g.Dims()
	if k > n {
		panic("analysis: topEigen: more eigenpairs than the dimension")
	}
	if n <= 128 || 2*k >= n {
		return denseTopEigen(g, k)
	}
	b := min(max(k/3, 8), 32)
	capCols := min(n, 6*k+4*b)
	q := mat.NewDense(n, capCols, nil)  // orthonormal Krylov basis
	gq := mat.NewDense(n, capCols, nil) // G·Q
	t := mat.NewDense(capCols, capCols, nil)
	rng := rand.New(rand.NewPCG(0x1a2c205, uint64(n)))
	grow := func(want int) {
		want = min(n, want)
		if want <= capCols {
			return
		}
		nq, ngq, nt := mat.NewDense(n, want, nil), mat.NewDense(n, want, nil), mat.NewDense(want, want, nil)
		nq.Slice(0, n, 0, capCols).(*mat.Dense).Copy(q)
		ngq.Slice(0, n, 0, capCols).(*mat.Dense).Copy(gq)
		nt.Slice(0, capCols, 0, capCols).(*mat.Dense).Copy(t)
		q, gq, t, capCols = nq, ngq, nt, want
	}
	cols := 0
	col := make([]float64, n)
	// addColumn orthonormalises v against the basis (two classical
	// Gram–Schmidt passes) and appends it; a vector that vanishes (the
	// Krylov space is invariant) is replaced by a random one.
	addColumn := func(v []float64) {
		for attempt := 0; ; attempt++ {
			norm0 := math.Sqrt(dot(v, v))
			if cols > 0 {
				basis := q.Slice(0, n, 0, cols).(*mat.Dense)
				coef := mat.NewVecDense(cols, nil)
				vv := mat.NewVecDense(n, v)
				for pass := 0; pass < 2; pass++ {
					coef.MulVec(basis.T(), vv)
					var proj mat.VecDense
					proj.MulVec(basis, coef)
					vv.SubVec(vv, &proj)
				}
			}
			norm := math.Sqrt(dot(v, v))
			if norm > 1e-8*norm0 && norm > 0 {
				for i := range v {
					q.Set(i, cols, v[i]/norm)
				}
				cols++
				return
			}
			if attempt > 3 {
				panic("analysis: topEigen: cannot extend the Krylov basis")
			}
			for i := range v {
				v[i] = rng.NormFloat64()
			}
		}
	}
	// extend multiplies the newest columns [from, cols) by G and fills the
	// projected matrix T = QᵀGQ for them.
	gr := g.RawMatrix()
	extend := func(from int) {
		qr, gqr := q.RawMatrix(), gq.RawMatrix()
		gemmNN(n, cols-from, n, gr.Data, gr.Stride, qr.Data[from:], qr.Stride, gqr.Data[from:], gqr.Stride)
		tt := t.Slice(0, cols, from, cols).(*mat.Dense)
		tt.Mul(q.Slice(0, n, 0, cols).T(), gq.Slice(0, n, from, cols))
		for i := 0; i < cols; i++ {
			for j := from; j < cols; j++ {
				t.Set(j, i, t.At(i, j))
			}
		}
	}
	for j := 0; j < b; j++ {
		for i := range col {
			col[i] = rng.NormFloat64()
		}
		addColumn(col)
	}
	extend(0)
	last := 0 // first column of the newest block
	var prev []float64
	for {
		if cols >= k+b || cols == n {
			// The Ritz values alone are cheap; the vectors and residuals are
			// computed once the leading k values have settled.
			vals, err := ritzValues(t, cols, k)
			if err != nil {
				return nil, nil, err
			}
			settled := prev != nil
			for j := 0; j < k && settled; j++ {
				settled = math.Abs(vals[j]-prev[j]) <= lanczosRelTol*vals[j]
			}
			prev = vals
			if settled || cols == n {
				vals, vecs, ok, err := ritz(q, gq, t, cols, k, cols == n)
				if err != nil {
					return nil, nil, err
				}
				if ok {
					return vals, vecs, nil
				}
			}
		}
		if cols == n {
			return nil, nil, errors.New("analysis: truncated SVD: Lanczos did not converge")
		}
		grow(cols + 4*b)
		from := cols
		nb := min(b, n-cols)
		for j := 0; j < nb; j++ {
			mat.Col(col, last+j%(from-last), gq)
			addColumn(col)
		}
		extend(from)
		last = from
	}
}

// ritzValues returns the k largest eigenvalues of the projected matrix.
func ritzValues(t *mat.Dense, cols, k int) ([]float64, error) {
	ts := mat.NewSymDense(cols, nil)
	for i := 0; i < cols; i++ {
		for j := i; j < cols; j++ {
			ts.SetSym(i, j, 0.5*(t.At(i, j)+t.At(j, i)))
		}
	}
	var e mat.EigenSym
	if !e.Factorize(ts, false) {
		return nil, errors.New("analysis: symmetric eigendecomposition did not converge")
	}
	asc := e.Values(nil)
	out := make([]float64, k)
	for j := range out {
		out[j] = asc[cols-1-j]
	}
	return out, nil
}

// ritz computes the Rayleigh–Ritz approximation of the k leading eigenpairs
// from the first cols basis vectors and reports whether all have converged
// (always when exact, the basis spanning the whole space).
func ritz(q, gq, t *mat.Dense, cols, k int, exact bool) ([]float64, *mat.Dense, bool, error) {
	n, _ := q.Dims()
	ts := mat.NewSymDense(cols, nil)
	for i := 0; i < cols; i++ {
		for j := i; j < cols; j++ {
			ts.SetSym(i, j, 0.5*(t.At(i, j)+t.At(j, i)))
		}
	}
	theta, y, err := symEigenDesc(ts)
	if err != nil {
		return nil, nil, false, err
	}
	yk := y.Slice(0, cols, 0, k)
	u := mat.NewDense(n, k, nil)
	u.Mul(q.Slice(0, n, 0, cols), yk)
	if exact {
		return theta[:k], u, true, nil
	}
	var res mat.Dense
	res.Mul(gq.Slice(0, n, 0, cols), yk)
	col := make([]float64, n)
	for j := 0; j < k; j++ {
		mat.Col(col, j, &res)
		s := 0.0
		for i, v := range col {
			d := v - theta[j]*u.At(i, j)
			s += d * d
		}
		if math.Sqrt(s) > math.Max(lanczosRelTol*theta[j], lanczosAbsTol*theta[0]) {
			return nil, nil, false, nil
		}
	}
	return theta[:k], u, true, nil
}

// denseTopEigen is topEigen by the full dense eigendecomposition.
func denseTopEigen(g *mat.Dense, k int) ([]float64, *mat.Dense, error) {
	n, _ := g.Dims()
	s := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			s.SetSym(i, j, 0.5*(g.At(i, j)+g.At(j, i)))
		}
	}
	vals, vecs, err := symEigenDesc(s)
	if err != nil {
		return nil, nil, err
	}
	return vals[:k], mat.DenseCopyOf(vecs.Slice(0, n, 0, k)), nil
}

// symEigenDesc returns the eigenvalues of s in descending order and the
// matching eigenvectors as columns.
func symEigenDesc(s *mat.SymDense) ([]float64, *mat.Dense, error) {
	var e mat.EigenSym
	if !e.Factorize(s, true) {
		return nil, nil, errors.New("analysis: symmetric eigendecomposition did not converge")
	}
	asc := e.Values(nil)
	var va mat.Dense
	e.VectorsTo(&va)
	n := len(asc)
	vals := make([]float64, n)
	v := mat.NewDense(n, n, nil)
	for j := 0; j < n; j++ {
		vals[j] = asc[n-1-j]
		for i := 0; i < n; i++ {
			v.Set(i, j, va.At(i, n-1-j))
		}
	}
	return vals, v, nil
}
