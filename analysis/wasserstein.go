package analysis

import (
	"fmt"
	"math"
	"math/cmplx"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// WassersteinEigenvalues is DSA's "wasserstein" score: the eigenvalues of a
// and of b as points (Re λ, Im λ) in the plane with uniform weights, and the
// exact optimal-transport cost with squared Euclidean ground cost — the
// squared 2-Wasserstein distance, no normalisation. For equal sizes this is
// (1/r)·min over permutations Σ|a_i − b_π(i)|² (Hungarian algorithm); if the
// sizes differ the smaller set is padded with zeros (points at the origin),
// as DSA v2 does.
func WassersteinEigenvalues(a, b mat.Matrix) (float64, error) {
	ea, err := eigenvaluesOf(a, "a")
	if err != nil {
		return 0, err
	}
	eb, err := eigenvaluesOf(b, "b")
	if err != nil {
		return 0, err
	}
	return wassersteinPoints(ea, eb), nil
}

// WassersteinSingularValues is DSA's wasserstein_compare="sv" variant: the
// singular values as points on the line.
func WassersteinSingularValues(a, b mat.Matrix) (float64, error) {
	sv := func(m mat.Matrix) ([]complex128, error) {
		var svd mat.SVD
		if !svd.Factorize(m, mat.SVDNone) {
			return nil, fmt.Errorf("analysis: wasserstein: SVD did not converge")
		}
		s := svd.Values(nil)
		out := make([]complex128, len(s))
		for i, v := range s {
			out[i] = complex(v, 0)
		}
		return out, nil
	}
	sa, err := sv(a)
	if err != nil {
		return 0, err
	}
	sb, err := sv(b)
	if err != nil {
		return 0, err
	}
	return wassersteinPoints(sa, sb), nil
}

func eigenvaluesOf(m mat.Matrix, name string) ([]complex128, error) {
	r, c := m.Dims()
	if r != c || r == 0 {
		return nil, fmt.Errorf("analysis: wasserstein: %s must be square and non-empty, got %d×%d", name, r, c)
	}
	var e mat.Eigen
	if !e.Factorize(m, mat.EigenNone) {
		return nil, fmt.Errorf("analysis: wasserstein: eigendecomposition of %s failed", name)
	}
	return e.Values(nil), nil
}

func wassersteinPoints(a, b []complex128) float64 {
	n := max(len(a), len(b))
	a = append(slices.Clone(a), make([]complex128, n-len(a))...)
	b = append(slices.Clone(b), make([]complex128, n-len(b))...)
	cost := make([][]float64, n)
	for i := range cost {
		cost[i] = make([]float64, n)
		for j := range cost[i] {
			d := cmplx.Abs(a[i] - b[j])
			cost[i][j] = d * d
		}
	}
	perm := hungarian(cost)
	s := 0.0
	for i, j := range perm {
		s += cost[i][j]
	}
	return s / float64(n)
}

// hungarian returns the assignment row → column minimising the total cost of
// the square matrix cost (Kuhn–Munkres with potentials, O(n³)).
func hungarian(cost [][]float64) []int {
	n := len(cost)
	inf := math.Inf(1)
	u, v := make([]float64, n+1), make([]float64, n+1)
	p, way := make([]int, n+1), make([]int, n+1) // p[j]: row matched to column j (1-based)
	for i := 1; i <= n; i++ {
		p[0] = i
		j0 := 0
		minv := make([]float64, n+1)
		used := make([]bool, n+1)
		for j := range minv {
			minv[j] = inf
		}
		for {
			used[j0] = true
			i0, delta, j1 := p[j0], inf, 0
			for j := 1; j <= n; j++ {
				if used[j] {
					continue
				}
				cur := cost[i0-1][j-1] - u[i0] - v[j]
				if cur < minv[j] {
					minv[j], way[j] = cur, j0
				}
				if minv[j] < delta {
					delta, j1 = minv[j], j
				}
			}
			for j := 0; j <= n; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
			if p[j0] == 0 {
				break
			}
		}
		for j0 != 0 {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
		}
	}
	assign := make([]int, n)
	for j := 1; j <= n; j++ {
		assign[p[j]-1] = j - 1
	}
	return assign
}
