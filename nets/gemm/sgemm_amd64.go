//go:build amd64 && !purego

package gemm

import "golang.org/x/sys/cpu"

// useAsm selects the AVX2+FMA float32 kernel. Tests switch it off to exercise
// the portable path on the same machine.
var useAsm = cpu.X86.HasAVX2 && cpu.X86.HasFMA

var asmKernels = &kernelSet[float32]{mr: 6, nr: 16, kern: kernelAsm, directA: true}

//go:noescape
func kernel6x16(k int, a *float32, rowStride, step int, b *float32, c *float32, ldc int, alpha, beta float32)

// kernelAsm is the kernelFunc wrapper of kernel6x16; the index expressions
// are bounds checks that keep the assembly inside the slices.
func kernelAsm(kc int, a []float32, rowStride, step int, b []float32, c []float32, ldc int, alpha, beta float32) {
	_ = c[5*ldc+15]
	_ = b[kc*16-1]
	_ = a[5*rowStride+(kc-1)*step]
	kernel6x16(kc, &a[0], rowStride, step, &b[0], &c[0], ldc, alpha, beta)
}

func sgemmFast(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) bool {
	if !useAsm {
		return false
	}
	blocked(asmKernels, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	return true
}
