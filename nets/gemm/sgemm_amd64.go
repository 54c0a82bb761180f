//go:build amd64 && !purego

package gemm

import (
	"unsafe"

	"github.com/ctdtui/ctdtui/internal/simd"
)

var (
	hasAVX2   = simd.Hardware >= simd.AVX2
	hasAVX512 = simd.Hardware >= simd.AVX512
)

var (
	avx2Kernels   = &kernelSet[float32]{mr: 6, nr: 16, kern: kernelAsm, directA: true, directAT: true, packB: packBN16Asm, packBT: packBTAsm}
	avx512Kernels = &kernelSet[float32]{mr: 8, nr: 32, kern: kernel512, directA: true, directAT: true, packB: packBN32Asm, packBT: packBT32Asm}
)

//go:noescape
func packBN16(kb int, b *float32, ldb int, dst *float32)

//go:noescape
func packBN32(kb int, b *float32, ldb int, dst *float32)

// packBN16Asm and packBN32Asm copy a full-width panel of a non-transposed B
// (rows pc..pc+kb, columns j0..j0+nr) with vector moves.
func packBN16Asm(b []float32, ldb, j0, pc, kb int, panel []float32) {
	_ = b[(pc+kb-1)*ldb+j0+15]
	_ = panel[kb*16-1]
	packBN16(kb, &b[pc*ldb+j0], ldb, &panel[0])
}

func packBN32Asm(b []float32, ldb, j0, pc, kb int, panel []float32) {
	_ = b[(pc+kb-1)*ldb+j0+31]
	_ = panel[kb*32-1]
	packBN32(kb, &b[pc*ldb+j0], ldb, &panel[0])
}

//go:noescape
func packBT16(blocks int, b *float32, ldb int, dst *float32)

//go:noescape
func packBT32(blocks int, b *float32, ldb int, dst *float32)

// packBTAsm packs rows j0..j0+16 of B, columns pc..pc+kb, as a transposed
// 16-wide panel: 8×8 blocks in assembly, the last kb%8 steps in Go.
func packBTAsm(b []float32, ldb, j0, pc, kb int, panel []float32) {
	packBTn(16, packBT16, b, ldb, j0, pc, kb, panel)
}

// packBT32Asm is packBTAsm for a 32-wide panel.
func packBT32Asm(b []float32, ldb, j0, pc, kb int, panel []float32) {
	packBTn(32, packBT32, b, ldb, j0, pc, kb, panel)
}

func packBTn(nr int, pack func(blocks int, b *float32, ldb int, dst *float32), b []float32, ldb, j0, pc, kb int, panel []float32) {
	blocks := kb / 8
	if blocks > 0 {
		_ = b[(j0+nr-1)*ldb+pc+blocks*8-1]
		_ = panel[blocks*8*nr-1]
		pack(blocks, &b[j0*ldb+pc], ldb, &panel[0])
	}
	for jj := 0; jj < nr; jj++ {
		row := b[(j0+jj)*ldb+pc : (j0+jj)*ldb+pc+kb]
		for p := blocks * 8; p < kb; p++ {
			panel[p*nr+jj] = row[p]
		}
	}
}

//go:noescape
func kernel6x16(strips, k int, a *float32, aNext, rowStride, step int, b *float32, c *float32, ldc int, alpha, beta float32)

//go:noescape
func kernel8x32(strips, k int, a *float32, aNext, rowStride, step int, b *float32, c *float32, ldc int, alpha, beta float32)

// kernelAsm and kernel512 are the kernelFunc wrappers of the assembly
// kernels; the index expressions are bounds checks that keep the assembly
// inside the slices.
func kernelAsm(strips, kc int, a []float32, aNext, rowStride, step int, b []float32, c []float32, ldc int, alpha, beta float32) {
	checkKernel(6, 16, strips, kc, a, aNext, rowStride, step, b, c, ldc)
	kernel6x16(strips, kc, &a[0], aNext, rowStride, step, &b[0], &c[0], ldc, alpha, beta)
}

func kernel512(strips, kc int, a []float32, aNext, rowStride, step int, b []float32, c []float32, ldc int, alpha, beta float32) {
	checkKernel(8, 32, strips, kc, a, aNext, rowStride, step, b, c, ldc)
	kernel8x32(strips, kc, &a[0], aNext, rowStride, step, &b[0], &c[0], ldc, alpha, beta)
}

func checkKernel[F Float](mr, nr, strips, kc int, a []F, aNext, rowStride, step int, b []F, c []F, ldc int) {
	_ = c[(strips*mr-1)*ldc+nr-1]
	_ = b[kc*nr-1]
	last := (strips - 1) * aNext
	if rowStride == 0 {
		_ = a[last+(kc-1)*step+mr-1]
	} else {
		_ = a[last+(mr-1)*rowStride+kc-1]
	}
}

// The float64 kernel sets: the same driver and kernels on doubles. Their
// non-transposed B panels are packed by the float32 copies (the same bytes
// per step), a transposed B by 4×4 transposes of doubles.
var (
	avx2Kernels64   = &kernelSet[float64]{mr: 6, nr: 8, kern: kernel6x8dAsm, directA: true, directAT: true, packB: packBN8dAsm, packBT: packBTdAsm}
	avx512Kernels64 = &kernelSet[float64]{mr: 8, nr: 16, kern: kernel8x16dAsm, directA: true, directAT: true, packB: packBN16dAsm, packBT: packBTdAsm}
)

//go:noescape
func packBTd(groups, blocks int, b *float64, ldb int, dst *float64)

// packBTdAsm packs rows j0..j0+nr of B, columns pc..pc+kb, as a transposed
// nr-wide panel of doubles (nr = len(panel)/kb: 8 or 16): 4×4 blocks in
// assembly, the last kb%4 steps in Go.
func packBTdAsm(b []float64, ldb, j0, pc, kb int, panel []float64) {
	nr := len(panel) / kb
	blocks := kb / 4
	if blocks > 0 {
		_ = b[(j0+nr-1)*ldb+pc+blocks*4-1]
		_ = panel[blocks*4*nr-1]
		packBTd(nr/4, blocks, &b[j0*ldb+pc], ldb, &panel[0])
	}
	for jj := 0; jj < nr; jj++ {
		row := b[(j0+jj)*ldb+pc : (j0+jj)*ldb+pc+kb]
		for p := blocks * 4; p < kb; p++ {
			panel[p*nr+jj] = row[p]
		}
	}
}

//go:noescape
func kernel6x8d(strips, k int, a *float64, aNext, rowStride, step int, b *float64, c *float64, ldc int, alpha, beta float64)

//go:noescape
func kernel8x16d(strips, k int, a *float64, aNext, rowStride, step int, b *float64, c *float64, ldc int, alpha, beta float64)

func kernel6x8dAsm(strips, kc int, a []float64, aNext, rowStride, step int, b []float64, c []float64, ldc int, alpha, beta float64) {
	checkKernel(6, 8, strips, kc, a, aNext, rowStride, step, b, c, ldc)
	kernel6x8d(strips, kc, &a[0], aNext, rowStride, step, &b[0], &c[0], ldc, alpha, beta)
}

func kernel8x16dAsm(strips, kc int, a []float64, aNext, rowStride, step int, b []float64, c []float64, ldc int, alpha, beta float64) {
	checkKernel(8, 16, strips, kc, a, aNext, rowStride, step, b, c, ldc)
	kernel8x16d(strips, kc, &a[0], aNext, rowStride, step, &b[0], &c[0], ldc, alpha, beta)
}

// f32ptr is the address of a float64 as a *float32, for the packing copies
// that move bytes.
func f32ptr(p *float64) *float32 { return (*float32)(unsafe.Pointer(p)) }

func packBN8dAsm(b []float64, ldb, j0, pc, kb int, panel []float64) {
	_ = b[(pc+kb-1)*ldb+j0+7]
	_ = panel[kb*8-1]
	packBN16(kb, f32ptr(&b[pc*ldb+j0]), 2*ldb, f32ptr(&panel[0]))
}

func packBN16dAsm(b []float64, ldb, j0, pc, kb int, panel []float64) {
	_ = b[(pc+kb-1)*ldb+j0+15]
	_ = panel[kb*16-1]
	packBN32(kb, f32ptr(&b[pc*ldb+j0]), 2*ldb, f32ptr(&panel[0]))
}

func dgemmFast(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) bool {
	var ks *kernelSet[float64]
	switch path {
	case simd.AVX512:
		ks = avx512Kernels64
	case simd.AVX2:
		ks = avx2Kernels64
	default:
		return false
	}
	blocked(ks, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	return true
}

func sgemmFast(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) bool {
	var ks *kernelSet[float32]
	switch path {
	case simd.AVX512:
		ks = avx512Kernels
	case simd.AVX2:
		ks = avx2Kernels
	default:
		return false
	}
	blocked(ks, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	return true
}
