package analysis

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Trials is a batch of equal-length trials stored row-major as
// [trial][time][channel]: element (b, t, n) is at Data[(b*T+t)*N+n]. Because
// the layout is row-major, the "flat" (B·T)×N matrix that every PCA and
// regression in the reference works on is the same memory (see Flat).
type Trials struct {
	B, T, N int
	Data    []float64
}

// NewTrials wraps data as a B×T×N batch. It panics if len(data) != B*T*N.
func NewTrials(b, t, n int, data []float64) Trials {
	if b < 0 || t < 0 || n < 0 || len(data) != b*t*n {
		panic(fmt.Sprintf("analysis: NewTrials: %d values for shape %d×%d×%d", len(data), b, t, n))
	}
	return Trials{B: b, T: t, N: n, Data: data}
}

// Flat returns the (B·T)×N matrix of all time steps of all trials, row b*T+t.
// It shares memory with tr.Data.
func (tr Trials) Flat() *mat.Dense {
	if tr.B*tr.T == 0 || tr.N == 0 {
		panic("analysis: Flat of an empty Trials")
	}
	return mat.NewDense(tr.B*tr.T, tr.N, tr.Data)
}

// Slice returns trials [from, to) sharing memory with tr.
func (tr Trials) Slice(from, to int) Trials {
	if from < 0 || to > tr.B || from > to {
		panic(fmt.Sprintf("analysis: Trials.Slice [%d,%d) of %d trials", from, to, tr.B))
	}
	step := tr.T * tr.N
	return Trials{B: to - from, T: tr.T, N: tr.N, Data: tr.Data[from*step : to*step]}
}

// At returns element (b, t, n).
func (tr Trials) At(b, t, n int) float64 { return tr.Data[(b*tr.T+t)*tr.N+n] }

// colMeans returns the column means of x.
func colMeans(x mat.Matrix) []float64 {
	r, c := x.Dims()
	mean := make([]float64, c)
	if d, ok := x.(*mat.Dense); ok {
		raw := d.RawMatrix()
		for i := 0; i < r; i++ {
			row := raw.Data[i*raw.Stride : i*raw.Stride+c]
			for j, v := range row {
				mean[j] += v
			}
		}
	} else if f, ok := x.(*Float32Matrix); ok {
		for i := 0; i < r; i++ {
			for j, v := range f.Data[i*c : (i+1)*c] {
				mean[j] += float64(v)
			}
		}
	} else {
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				mean[j] += x.At(i, j)
			}
		}
	}
	for j := range mean {
		mean[j] /= float64(r)
	}
	return mean
}

// centred returns a new matrix x − mean (mean subtracted from every row).
func centred(x mat.Matrix, mean []float64) *mat.Dense {
	r, c := x.Dims()
	out := mat.NewDense(r, c, nil)
	out.Copy(x)
	raw := out.RawMatrix()
	for i := 0; i < r; i++ {
		row := raw.Data[i*raw.Stride : i*raw.Stride+c]
		for j := range row {
			row[j] -= mean[j]
		}
	}
	return out
}

// argmaxAbs returns the index of the first entry of largest magnitude (numpy's
// argmax(abs(v)) convention).
func argmaxAbs(v []float64) int {
	best, idx := -1.0, 0
	for i, x := range v {
		if a := math.Abs(x); a > best {
			best, idx = a, i
		}
	}
	return idx
}

// lstsq solves min ‖A W − B‖_F for W with the minimum-norm solution, treating
// singular values below rcond·σ_max as zero (LAPACK gelsd semantics as used by
// scipy.linalg.lstsq with cond=None, rcond = eps). It returns W (p×q) and the
// effective rank.
func lstsq(a, b mat.Matrix, rcond float64) (*mat.Dense, int, error) {
	n, p := a.Dims()
	nb, q := b.Dims()
	if n != nb {
		panic(fmt.Sprintf("analysis: lstsq: %d rows in A, %d in B", n, nb))
	}
	var svd mat.SVD
	if !svd.Factorize(a, mat.SVDThin) {
		return nil, 0, fmt.Errorf("analysis: least squares: SVD did not converge")
	}
	s := svd.Values(nil)
	rank := 0
	if len(s) > 0 {
		cut := rcond * s[0]
		for _, v := range s {
			if v > cut {
				rank++
			}
		}
	}
	w := mat.NewDense(p, q, nil)
	if rank == 0 {
		return w, 0, nil
	}
	var u, v mat.Dense
	svd.UTo(&u)
	svd.VTo(&v)
	// W = V_r S_r⁻¹ U_rᵀ B
	ur := u.Slice(0, n, 0, rank)
	var utb mat.Dense
	utb.Mul(ur.T(), b)
	for i := 0; i < rank; i++ {
		row := utb.RawRowView(i)
		for j := range row {
			row[j] /= s[i]
		}
	}
	w.Mul(v.Slice(0, p, 0, rank), &utb)
	return w, rank, nil
}

// pinv returns the Moore–Penrose pseudo-inverse of a, treating singular values
// not above cutoff(σ) as zero.
func pinv(a mat.Matrix, cutoff func(s []float64) float64) (*mat.Dense, error) {
	r, c := a.Dims()
	var svd mat.SVD
	if !svd.Factorize(a, mat.SVDThin) {
		return nil, fmt.Errorf("analysis: pseudo-inverse: SVD did not converge")
	}
	s := svd.Values(nil)
	cut := cutoff(s)
	rank := 0
	for _, v := range s {
		if v > cut {
			rank++
		}
	}
	out := mat.NewDense(c, r, nil)
	if rank == 0 {
		return out, nil
	}
	var u, v mat.Dense
	svd.UTo(&u)
	svd.VTo(&v)
	vr := mat.DenseCopyOf(v.Slice(0, c, 0, rank))
	for j := 0; j < rank; j++ {
		for i := 0; i < c; i++ {
			vr.Set(i, j, vr.At(i, j)/s[j])
		}
	}
	out.Mul(vr, u.Slice(0, r, 0, rank).T())
	return out, nil
}

// frobenius returns ‖a‖_F.
func frobenius(a mat.Matrix) float64 { return mat.Norm(a, 2) }

const eps64 = 0x1p-52

// denseData returns the elements of m row by row in a new slice.
func denseData(m mat.Matrix) []float64 {
	r, c := m.Dims()
	out := make([]float64, 0, r*c)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			out = append(out, m.At(i, j))
		}
	}
	return out
}
