package analysis

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
	i0, j0 := 0, 0
	if useTileKernel && n >= 8 {
		i0, j0 = n&^3, n&^7
		for i := 0; i < i0; i += 4 {
			for j := 0; j < j0; j += 8 {
				mulTile4x8(n, &a[i*n], n, &b[j], n, &dst[i*n+j], n)
			}
		}
	}
	// The columns right of the tiles for the tiled rows, then the rows below.
	mulRef(dst, a, b, n, 0, i0, j0, n)
	mulRef(dst, a, b, n, i0, n, 0, n)
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
