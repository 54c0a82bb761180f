//go:build amd64 && !purego

package gemm

import "golang.org/x/sys/cpu"

// useAsm selects the AVX2+FMA float32 kernel. Tests switch it off to exercise
// the portable path on the same machine.
var useAsm = cpu.X86.HasAVX2 && cpu.X86.HasFMA

var asmKernels = &kernelSet[float32]{mr: 6, nr: 16, kern: kernelAsm, directA: true, directAT: true, packBT: packBTAsm}

//go:noescape
func packBT16(blocks int, b *float32, ldb int, dst *float32)

// packBTAsm packs rows j0..j0+16 of B, columns pc..pc+kb, as a transposed
// 16-wide panel: 8×8 blocks in assembly, the last kb%8 steps in Go.
func packBTAsm(b []float32, ldb, j0, pc, kb int, panel []float32) {
	blocks := kb / 8
	if blocks > 0 {
		_ = b[(j0+15)*ldb+pc+blocks*8-1]
		_ = panel[blocks*8*16-1]
		packBT16(blocks, &b[j0*ldb+pc], ldb, &panel[0])
	}
	for jj := 0; jj < 16; jj++ {
		row := b[(j0+jj)*ldb+pc : (j0+jj)*ldb+pc+kb]
		for p := blocks * 8; p < kb; p++ {
			panel[p*16+jj] = row[p]
		}
	}
}

//go:noescape
func kernel6x16(strips, k int, a *float32, aNext, rowStride, step int, b *float32, c *float32, ldc int, alpha, beta float32)

// kernelAsm is the kernelFunc wrapper of kernel6x16; the index expressions
// are bounds checks that keep the assembly inside the slices.
func kernelAsm(strips, kc int, a []float32, aNext, rowStride, step int, b []float32, c []float32, ldc int, alpha, beta float32) {
	_ = c[(strips*6-1)*ldc+15]
	_ = b[kc*16-1]
	last := (strips - 1) * aNext
	if rowStride == 0 {
		_ = a[last+(kc-1)*step+5]
	} else {
		_ = a[last+5*rowStride+kc-1]
	}
	kernel6x16(strips, kc, &a[0], aNext, rowStride, step, &b[0], &c[0], ldc, alpha, beta)
}

func sgemmFast(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) bool {
	if !useAsm {
		return false
	}
	blocked(asmKernels, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	return true
}
