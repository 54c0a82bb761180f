package analysis

import (
	"runtime"
	"sync"
)

// Products of small square matrices (the r×r operators of the similarity
// search, r ≈ 50): gonum's general Dgemm spends most of its time on call
// and blocking overhead at this size. squareMul transposes explicitly and
// multiplies row-major with a 4×8 register-tile kernel (AVX2+FMA assembly
// on amd64, mulTile4x8), the ragged edges in plain Go.

// squareMul sets dst = op(a)·op(b) for n×n row-major matrices; tmp is
// scratch of at least 2·n·n values (for the transposes). dst must not alias
// a or b.
func squareMul(dst, a, b []float64, n int, transA, transB bool, tmp []float64) {
	if transA {
		at := tmp[:n*n]
		transposeSquare(at, a, n)
		a = at
	}
	if transB {
		bt := tmp[n*n : 2*n*n]
		transposeSquare(bt, b, n)
		b = bt
	}
	mulNN(dst, a, b, n)
}

func transposeSquare(dst, a []float64, n int) {
	for i := 0; i < n; i++ {
		row := a[i*n : (i+1)*n]
		for j, v := range row {
			dst[j*n+i] = v
		}
	}
}

// mulNN sets dst = a·b (n×n, row-major).
func mulNN(dst, a, b []float64, n int) {
	_, _, _ = dst[n*n-1], a[n*n-1], b[n*n-1]
	if useTileKernel && n >= 8 {
		// The last tile row and column overlap the previous ones when n is
		// not a multiple of the tile: the kernel computes every element the
		// same way wherever its tile starts, so the overlap rewrites equal
		// values, and no edge needs the slow loops.
		for i := 0; i < n; i = nextTile(i, n, 4) {
			for j := 0; j < n; j = nextTile(j, n, 8) {
				mulTile4x8(n, &a[i*n], n, &b[j], n, &dst[i*n+j], n)
			}
		}
		return
	}
	mulRef(dst, a, b, n, 0, n, 0, n)
}

// nextTile steps the start i of a tile of size t through [0, n) (n ≥ t):
// 0, t, 2t, … and, when t does not divide n, n − t last; n ends the loop.
func nextTile(i, n, t int) int {
	switch {
	case i+t >= n:
		return n
	case i+2*t > n:
		return n - t
	}
	return i + t
}

// mulRef computes rows [r0, r1) and columns [c0, c1) of dst = a·b.
func mulRef(dst, a, b []float64, n, r0, r1, c0, c1 int) {
	if c0 >= c1 {
		return
	}
	for i := r0; i < r1; i++ {
		out := dst[i*n+c0 : i*n+c1]
		clear(out)
		for k, av := range a[i*n : (i+1)*n] {
			if av == 0 {
				continue
			}
			src := b[k*n+c0 : k*n+c1]
			for j, bv := range src {
				out[j] += av * bv
			}
		}
	}
}

// gemmNN sets c = a·b for row-major a (m×k, rows lda apart), b (k×n, ldb)
// and c (m×n, ldc): the delay embedding's products in the truncated DMD.
// Full 4×8 tiles go to the tile kernel, column panel by column panel (the
// panel of b stays in cache while the rows of a stream past it), split by
// rows over the cores for large products; every element is computed by one
// goroutine in a fixed order, so the result does not depend on the number
// of cores. c must not overlap a or b.
func gemmNN(m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		for i := 0; i < m; i++ {
			clear(c[i*ldc : i*ldc+n])
		}
		return
	}
	_, _, _ = a[(m-1)*lda+k-1], b[(k-1)*ldb+n-1], c[(m-1)*ldc+n-1]
	rows := func(r0, r1 int) {
		if !useTileKernel || r1-r0 < 4 || n < 8 {
			gemmRef(r0, r1, 0, n, k, a, lda, b, ldb, c, ldc)
			return
		}
		// Overlapping last tiles, as in mulNN (within this row range only).
		for j := 0; j < n; j = nextTile(j, n, 8) {
			for i := 0; i < r1-r0; i = nextTile(i, r1-r0, 4) {
				mulTile4x8(k, &a[(r0+i)*lda], lda, &b[j], ldb, &c[(r0+i)*ldc+j], ldc)
			}
		}
	}
	workers := runtime.GOMAXPROCS(0)
	if workers < 2 || float64(m)*float64(n)*float64(k) < 1<<23 || m < 8*workers {
		rows(0, m)
		return
	}
	// Row blocks of a multiple of 4, one per worker.
	per := (m/workers + 3) &^ 3
	var wg sync.WaitGroup
	for r0 := 0; r0 < m; r0 += per {
		wg.Add(1)
		go func(r0, r1 int) {
			defer wg.Done()
			rows(r0, r1)
		}(r0, min(r0+per, m))
	}
	wg.Wait()
}

// gemmRef computes rows [r0, r1) and columns [c0, c1) of c = a·b.
func gemmRef(r0, r1, c0, c1, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int) {
	if c0 >= c1 {
		return
	}
	for i := r0; i < r1; i++ {
		out := c[i*ldc+c0 : i*ldc+c1]
		clear(out)
		for p, av := range a[i*lda : i*lda+k] {
			if av == 0 {
				continue
			}
			src := b[p*ldb+c0 : p*ldb+c1]
			for j, bv := range src {
				out[j] += av * bv
			}
		}
	}
}
