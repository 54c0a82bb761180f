package gemm

import "unsafe"

// Float is the element type of the kernels.
type Float interface{ ~float32 | ~float64 }

// Gemm computes C = alpha·op(A)·op(B) + beta·C for row-major matrices:
// op(A) is m×k (A is m×k with stride lda, or k×m when transA), op(B) is k×n
// (B is k×n with stride ldb, or n×k when transB), C is m×n with stride ldc.
// beta = 0 overwrites C (NaNs in C are not propagated). It panics on short slices.
func Gemm[F Float](transA, transB bool, m, n, k int, alpha F, a []F, lda int, b []F, ldb int, beta F, c []F, ldc int) {
	checkShapes(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if m == 0 || n == 0 {
		return
	}
	var z F
	if unsafe.Sizeof(z) == 4 {
		if sgemmFast(transA, transB, m, n, k, float32(alpha), as32(a), lda, as32(b), ldb, float32(beta), as32(c), ldc) {
			return
		}
		blocked(goKernels32, transA, transB, m, n, k, float32(alpha), as32(a), lda, as32(b), ldb, float32(beta), as32(c), ldc)
		return
	}
	if dgemmFast(transA, transB, m, n, k, float64(alpha), as64(a), lda, as64(b), ldb, float64(beta), as64(c), ldc) {
		return
	}
	blocked(goKernels64, transA, transB, m, n, k, float64(alpha), as64(a), lda, as64(b), ldb, float64(beta), as64(c), ldc)
}

// as32 and as64 view a slice of a type whose underlying type is float32 or
// float64 as that basic type (same memory), so the kernels need no generics
// over named float types.
func as32[F Float](s []F) []float32 {
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

func as64[F Float](s []F) []float64 {
	return unsafe.Slice((*float64)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

func checkShapes(transA, transB bool, m, n, k, la, lda, lb, ldb, lc, ldc int) {
	need := func(rows, cols, ld, l int, name string) {
		if rows == 0 || cols == 0 {
			return
		}
		if ld < cols || (rows-1)*ld+cols > l {
			panic("gemm: matrix " + name + " too short for its shape")
		}
	}
	if m < 0 || n < 0 || k < 0 {
		panic("gemm: negative dimension")
	}
	if transA {
		need(k, m, lda, la, "A")
	} else {
		need(m, k, lda, la, "A")
	}
	if transB {
		need(n, k, ldb, lb, "B")
	} else {
		need(k, n, ldb, lb, "B")
	}
	need(m, n, ldc, lc, "C")
}

// gemmRef is the plain reference implementation, used as the pure-Go fallback
// and as the oracle in tests.
func gemmRef[F Float](transA, transB bool, m, n, k int, alpha F, a []F, lda int, b []F, ldb int, beta F, c []F, ldc int) {
	for i := 0; i < m; i++ {
		ci := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(ci)
		} else if beta != 1 {
			for j := range ci {
				ci[j] *= beta
			}
		}
		for p := 0; p < k; p++ {
			var av F
			if transA {
				av = a[p*lda+i]
			} else {
				av = a[i*lda+p]
			}
			av *= alpha
			if av == 0 {
				continue
			}
			if transB {
				for j := range ci {
					ci[j] += av * b[j*ldb+p]
				}
			} else {
				bp := b[p*ldb : p*ldb+n]
				for j, bv := range bp {
					ci[j] += av * bv
				}
			}
		}
	}
}
