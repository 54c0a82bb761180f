//go:build !purego

#include "textflag.h"

// One k step of the 6×16 micro-kernel. The 16 columns of packed B for this
// step are loaded into Y12/Y13; each of the six A values is broadcast and
// multiplied into its row's two accumulators. Rows 0-2 of A are addressed from
// SI, rows 3-5 from DI = SI + 3·rowStride (R8 = rowStride in bytes), so A can
// be any strided 6×k view: packed (rowStride 4 B, step 24 B) or the caller's
// own row-major matrix (rowStride lda, step 4 B).
#define STEP(boff) \
	VMOVUPS boff(BX), Y12; \
	VMOVUPS boff+32(BX), Y13; \
	VBROADCASTSS (SI), Y14; \
	VFMADD231PS Y12, Y14, Y0; \
	VFMADD231PS Y13, Y14, Y1; \
	VBROADCASTSS (SI)(R8*1), Y15; \
	VFMADD231PS Y12, Y15, Y2; \
	VFMADD231PS Y13, Y15, Y3; \
	VBROADCASTSS (SI)(R8*2), Y14; \
	VFMADD231PS Y12, Y14, Y4; \
	VFMADD231PS Y13, Y14, Y5; \
	VBROADCASTSS (DI), Y15; \
	VFMADD231PS Y12, Y15, Y6; \
	VFMADD231PS Y13, Y15, Y7; \
	VBROADCASTSS (DI)(R8*1), Y14; \
	VFMADD231PS Y12, Y14, Y8; \
	VFMADD231PS Y13, Y14, Y9; \
	VBROADCASTSS (DI)(R8*2), Y15; \
	VFMADD231PS Y12, Y15, Y10; \
	VFMADD231PS Y13, Y15, Y11; \
	ADDQ R9, SI; \
	ADDQ R9, DI

// func kernel6x16(k int, a *float32, rowStride, step int, b *float32, c *float32, ldc int, alpha, beta float32)
//
// C[0:6, 0:16] = alpha·A·B + beta·C, where A is 6×k (element (r,p) at
// a[r·rowStride + p·step]), B is a packed k×16 panel (16 contiguous values per
// k step) and C is row-major with stride ldc. beta == 0 does not read C.
TEXT ·kernel6x16(SB), NOSPLIT, $0-64
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ rowStride+16(FP), R8
	SHLQ $2, R8
	MOVQ step+24(FP), R9
	SHLQ $2, R9
	MOVQ b+32(FP), BX
	MOVQ c+40(FP), DX
	MOVQ ldc+48(FP), R10
	SHLQ $2, R10
	LEAQ (SI)(R8*2), DI
	ADDQ R8, DI

	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11

	MOVQ CX, R11
	SHRQ $2, R11
	JZ   tail

loop4:
	STEP(0)
	STEP(64)
	STEP(128)
	STEP(192)
	ADDQ $256, BX
	DECQ R11
	JNZ  loop4

tail:
	ANDQ $3, CX
	JZ   done

loop1:
	STEP(0)
	ADDQ $64, BX
	DECQ CX
	JNZ  loop1

done:
	VBROADCASTSS alpha+56(FP), Y14
	VMULPS Y14, Y0, Y0
	VMULPS Y14, Y1, Y1
	VMULPS Y14, Y2, Y2
	VMULPS Y14, Y3, Y3
	VMULPS Y14, Y4, Y4
	VMULPS Y14, Y5, Y5
	VMULPS Y14, Y6, Y6
	VMULPS Y14, Y7, Y7
	VMULPS Y14, Y8, Y8
	VMULPS Y14, Y9, Y9
	VMULPS Y14, Y10, Y10
	VMULPS Y14, Y11, Y11

	LEAQ (DX)(R10*2), R12
	ADDQ R10, R12

	// beta == 0 (and not NaN): overwrite C without reading it.
	VXORPS   X13, X13, X13
	VMOVSS   beta+60(FP), X15
	VUCOMISS X13, X15
	JNE      withbeta
	JPS      withbeta

	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	VMOVUPS Y2, (DX)(R10*1)
	VMOVUPS Y3, 32(DX)(R10*1)
	VMOVUPS Y4, (DX)(R10*2)
	VMOVUPS Y5, 32(DX)(R10*2)
	VMOVUPS Y6, (R12)
	VMOVUPS Y7, 32(R12)
	VMOVUPS Y8, (R12)(R10*1)
	VMOVUPS Y9, 32(R12)(R10*1)
	VMOVUPS Y10, (R12)(R10*2)
	VMOVUPS Y11, 32(R12)(R10*2)
	VZEROUPPER
	RET

withbeta:
	VBROADCASTSS X15, Y15
	VFMADD231PS (DX), Y15, Y0
	VFMADD231PS 32(DX), Y15, Y1
	VFMADD231PS (DX)(R10*1), Y15, Y2
	VFMADD231PS 32(DX)(R10*1), Y15, Y3
	VFMADD231PS (DX)(R10*2), Y15, Y4
	VFMADD231PS 32(DX)(R10*2), Y15, Y5
	VFMADD231PS (R12), Y15, Y6
	VFMADD231PS 32(R12), Y15, Y7
	VFMADD231PS (R12)(R10*1), Y15, Y8
	VFMADD231PS 32(R12)(R10*1), Y15, Y9
	VFMADD231PS (R12)(R10*2), Y15, Y10
	VFMADD231PS 32(R12)(R10*2), Y15, Y11
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	VMOVUPS Y2, (DX)(R10*1)
	VMOVUPS Y3, 32(DX)(R10*1)
	VMOVUPS Y4, (DX)(R10*2)
	VMOVUPS Y5, 32(DX)(R10*2)
	VMOVUPS Y6, (R12)
	VMOVUPS Y7, 32(R12)
	VMOVUPS Y8, (R12)(R10*1)
	VMOVUPS Y9, 32(R12)(R10*1)
	VMOVUPS Y10, (R12)(R10*2)
	VMOVUPS Y11, 32(R12)(R10*2)
	VZEROUPPER
	RET
