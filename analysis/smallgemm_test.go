package analysis

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// squareMul equals gonum's product for every size around the tile edges and
// every transpose, with the tile kernel and with the plain Go loops.
func TestSquareMul(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 7))
	defer func(v bool) { useTileKernel = v }(useTileKernel)
	paths := []bool{false}
	if useTileKernel {
		paths = append(paths, true)
	} else {
		t.Log("no AVX2+FMA: only the Go path runs")
	}
	for _, tile := range paths {
		useTileKernel = tile
		for _, n := range []int{1, 2, 3, 4, 7, 8, 9, 12, 15, 16, 17, 31, 50, 64} {
			a, b := randSlice(rng, n*n, 1), randSlice(rng, n*n, 1)
			tmp := make([]float64, 2*n*n)
			for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
				got := make([]float64, n*n)
				for i := range got {
					got[i] = math.NaN() // every entry must be written
				}
				squareMul(got, a, b, n, tr[0], tr[1], tmp)
				var want mat.Dense
				ma, mb := mat.Matrix(mat.NewDense(n, n, a)), mat.Matrix(mat.NewDense(n, n, b))
				if tr[0] {
					ma = ma.T()
				}
				if tr[1] {
					mb = mb.T()
				}
				want.Mul(ma, mb)
				if d := maxAbsDiff(t, got, want.RawMatrix().Data); d > 1e-13*float64(n) {
					t.Errorf("tile %v n %d trans %v: off by %g", tile, n, tr, d)
				}
			}
		}
	}
}

func BenchmarkSquareMul50(b *testing.B) {
	rng := rand.New(rand.NewPCG(6, 7))
	const n = 50
	x, y, dst, tmp := randSlice(rng, n*n, 1), randSlice(rng, n*n, 1), make([]float64, n*n), make([]float64, 2*n*n)
	b.Run("tile", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			squareMul(dst, x, y, n, false, false, tmp)
		}
		b.ReportMetric(2*n*n*n*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
	b.Run("gonum", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			matMul(dst, x, y, n, false, false)
		}
		b.ReportMetric(2*n*n*n*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
}

// matMul is the same product through gonum's Dgemm (the benchmark's baseline).
func matMul(dst, a, b []float64, n int, transA, transB bool) {
	ta, tb := blas.NoTrans, blas.NoTrans
	if transA {
		ta = blas.Trans
	}
	if transB {
		tb = blas.Trans
	}
	blas64.Gemm(ta, tb, 1,
		blas64.General{Rows: n, Cols: n, Stride: n, Data: a},
		blas64.General{Rows: n, Cols: n, Stride: n, Data: b},
		0, blas64.General{Rows: n, Cols: n, Stride: n, Data: dst})
}

// gemmNN equals gonum's product on rectangular shapes around the tile edges,
// with strides, with the tile kernel and the Go loops, serial and parallel.
func TestGemmNN(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	defer func(v bool) { useTileKernel = v }(useTileKernel)
	paths := []bool{false}
	if useTileKernel {
		paths = append(paths, true)
	}
	for _, tile := range paths {
		useTileKernel = tile
		for _, sh := range [][3]int{{1, 1, 1}, {3, 7, 5}, {4, 8, 1}, {9, 17, 33}, {130, 70, 481}, {260, 16, 2560}, {500, 1000, 128}} {
			m, n, k := sh[0], sh[1], sh[2]
			lda, ldb, ldc := k+3, n+5, n+2
			a, b := randSlice(rng, m*lda, 1), randSlice(rng, k*ldb, 1)
			c := make([]float64, m*ldc)
			for i := range c {
				c[i] = math.NaN()
			}
			gemmNN(m, n, k, a, lda, b, ldb, c, ldc)
			var want mat.Dense
			want.Mul(mat.NewDense(m, lda, a).Slice(0, m, 0, k), mat.NewDense(k, ldb, b).Slice(0, k, 0, n))
			got := mat.NewDense(m, ldc, c).Slice(0, m, 0, n)
			if d := maxAbsDiff(t, denseData(got), denseData(&want)); d > 1e-12*float64(k) {
				t.Errorf("tile %v %v: off by %g", tile, sh, d)
			}
		}
	}
}
