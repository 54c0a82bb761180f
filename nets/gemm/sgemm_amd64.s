//go:build !purego

#include "textflag.h"

// The 6×16 micro-kernel keeps a 6-row, 16-column tile of C in Y0-Y11 (row r in
// Y(2r), Y(2r+1)). Each k step loads 16 values of the packed B panel into
// Y12/Y13, broadcasts the six A values of that step and issues 12 FMAs: 8 loads
// per 12 FMAs, within the two loads per cycle that keep both FMA pipes busy.

// STEP_COLS: the six A values of a step are consecutive at SI (packed A, or
// a transposed A read in place); the caller advances SI by the step.
#define STEP_COLS(boff, aoff) \
	VMOVUPS boff(BX), Y12; \
	VMOVUPS boff+32(BX), Y13; \
	VBROADCASTSS aoff(SI), Y14; \
	VFMADD231PS Y12, Y14, Y0; \
	VFMADD231PS Y13, Y14, Y1; \
	VBROADCASTSS aoff+4(SI), Y15; \
	VFMADD231PS Y12, Y15, Y2; \
	VFMADD231PS Y13, Y15, Y3; \
	VBROADCASTSS aoff+8(SI), Y14; \
	VFMADD231PS Y12, Y14, Y4; \
	VFMADD231PS Y13, Y14, Y5; \
	VBROADCASTSS aoff+12(SI), Y15; \
	VFMADD231PS Y12, Y15, Y6; \
	VFMADD231PS Y13, Y15, Y7; \
	VBROADCASTSS aoff+16(SI), Y14; \
	VFMADD231PS Y12, Y14, Y8; \
	VFMADD231PS Y13, Y14, Y9; \
	VBROADCASTSS aoff+20(SI), Y15; \
	VFMADD231PS Y12, Y15, Y10; \
	VFMADD231PS Y13, Y15, Y11

// STEP_ROWS: A read in place from six row pointers (SI, DI, R8-R11). Plain
// base+displacement addresses: an indexed (base+index·scale) broadcast costs
// ~15% of the kernel's speed on this core.
#define STEP_ROWS(boff, aoff) \
	VMOVUPS boff(BX), Y12; \
	VMOVUPS boff+32(BX), Y13; \
	VBROADCASTSS aoff(SI), Y14; \
	VFMADD231PS Y12, Y14, Y0; \
	VFMADD231PS Y13, Y14, Y1; \
	VBROADCASTSS aoff(DI), Y15; \
	VFMADD231PS Y12, Y15, Y2; \
	VFMADD231PS Y13, Y15, Y3; \
	VBROADCASTSS aoff(R8), Y14; \
	VFMADD231PS Y12, Y14, Y4; \
	VFMADD231PS Y13, Y14, Y5; \
	VBROADCASTSS aoff(R9), Y15; \
	VFMADD231PS Y12, Y15, Y6; \
	VFMADD231PS Y13, Y15, Y7; \
	VBROADCASTSS aoff(R10), Y14; \
	VFMADD231PS Y12, Y14, Y8; \
	VFMADD231PS Y13, Y14, Y9; \
	VBROADCASTSS aoff(R11), Y15; \
	VFMADD231PS Y12, Y15, Y10; \
	VFMADD231PS Y13, Y15, Y11

// func kernel6x16(strips, k int, a *float32, aNext, rowStride, step int, b *float32, c *float32, ldc int, alpha, beta float32)
//
// For s < strips: C[6s:6s+6, 0:16] = alpha·A_s·B + beta·C[6s:6s+6, 0:16].
// B is a packed k×16 panel (16 contiguous values per step), shared by all
// strips. A_s is 6×k and starts aNext elements after A_(s-1): when
// rowStride == 0 the six values of step p are consecutive at a + p·step
// (packed A with step 6, or a transposed A read in place with step lda);
// otherwise A_s is row-major with rows rowStride elements apart. C is
// row-major with stride ldc. beta == 0 does not read C. Looping over the
// strips here, not in Go, keeps the per-tile overhead to a few instructions,
// which matters when k is small.
//
// Frame: 0(SP) strips left, 8(SP) current A, 16(SP) current C.
TEXT ·kernel6x16(SB), NOSPLIT, $24-80
	MOVQ strips+0(FP), AX
	MOVQ AX, 0(SP)
	MOVQ a+16(FP), AX
	MOVQ AX, 8(SP)
	MOVQ c+56(FP), AX
	MOVQ AX, 16(SP)
	MOVQ ldc+64(FP), R12
	SHLQ $2, R12

strip:
	MOVQ k+8(FP), CX
	MOVQ 8(SP), SI
	MOVQ rowStride+32(FP), AX
	MOVQ step+40(FP), R9
	SHLQ $2, R9
	MOVQ b+48(FP), BX
	MOVQ 16(SP), DX
	LEAQ (DX)(R12*2), R13
	ADDQ R12, R13

	// Bring the C tile towards L1 while the products are computed.
	PREFETCHT0 (DX)
	PREFETCHT0 (DX)(R12*1)
	PREFETCHT0 (DX)(R12*2)
	PREFETCHT0 (R13)
	PREFETCHT0 (R13)(R12*1)
	PREFETCHT0 (R13)(R12*2)

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

	MOVQ  CX, DI
	SHRQ  $2, DI
	ANDQ  $3, CX
	TESTQ AX, AX
	JNZ   rows

	// Six consecutive A values per step, steps R9 bytes apart.
	TESTQ DI, DI
	JZ    ctail

cloop4:
	STEP_COLS(0, 0)
	ADDQ R9, SI
	STEP_COLS(64, 0)
	ADDQ R9, SI
	STEP_COLS(128, 0)
	ADDQ R9, SI
	STEP_COLS(192, 0)
	ADDQ R9, SI
	ADDQ $256, BX
	DECQ DI
	JNZ  cloop4

ctail:
	TESTQ CX, CX
	JZ    done

cloop1:
	STEP_COLS(0, 0)
	ADDQ $64, BX
	ADDQ R9, SI
	DECQ CX
	JNZ  cloop1
	JMP  done

rows:
	// Row-major A: six row pointers.
	MOVQ  DI, R13
	SHLQ  $2, AX
	LEAQ  (SI)(AX*1), DI
	LEAQ  (DI)(AX*1), R8
	LEAQ  (R8)(AX*1), R9
	LEAQ  (R9)(AX*1), R10
	LEAQ  (R10)(AX*1), R11
	TESTQ R13, R13
	JZ    rtail

rloop4:
	STEP_ROWS(0, 0)
	STEP_ROWS(64, 4)
	STEP_ROWS(128, 8)
	STEP_ROWS(192, 12)
	ADDQ $256, BX
	ADDQ $16, SI
	ADDQ $16, DI
	ADDQ $16, R8
	ADDQ $16, R9
	ADDQ $16, R10
	ADDQ $16, R11
	DECQ R13
	JNZ  rloop4

rtail:
	TESTQ CX, CX
	JZ    done

rloop1:
	STEP_ROWS(0, 0)
	ADDQ $64, BX
	ADDQ $4, SI
	ADDQ $4, DI
	ADDQ $4, R8
	ADDQ $4, R9
	ADDQ $4, R10
	ADDQ $4, R11
	DECQ CX
	JNZ  rloop1

done:
	LEAQ (DX)(R12*2), R13
	ADDQ R12, R13
	VBROADCASTSS alpha+72(FP), Y14
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

	// beta == 0 (and not NaN): overwrite C without reading it.
	VXORPS   X13, X13, X13
	VMOVSS   beta+76(FP), X15
	VUCOMISS X13, X15
	JNE      withbeta
	JPS      withbeta

store:
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	VMOVUPS Y2, (DX)(R12*1)
	VMOVUPS Y3, 32(DX)(R12*1)
	VMOVUPS Y4, (DX)(R12*2)
	VMOVUPS Y5, 32(DX)(R12*2)
	VMOVUPS Y6, (R13)
	VMOVUPS Y7, 32(R13)
	VMOVUPS Y8, (R13)(R12*1)
	VMOVUPS Y9, 32(R13)(R12*1)
	VMOVUPS Y10, (R13)(R12*2)
	VMOVUPS Y11, 32(R13)(R12*2)

	// Next strip: A moves by aNext elements, C by six rows.
	MOVQ aNext+24(FP), AX
	SHLQ $2, AX
	ADDQ AX, 8(SP)
	LEAQ (R13)(R12*2), R13
	ADDQ R12, R13
	MOVQ R13, 16(SP)
	DECQ 0(SP)
	JNZ  strip
	VZEROUPPER
	RET

withbeta:
	VBROADCASTSS X15, Y15
	VFMADD231PS (DX), Y15, Y0
	VFMADD231PS 32(DX), Y15, Y1
	VFMADD231PS (DX)(R12*1), Y15, Y2
	VFMADD231PS 32(DX)(R12*1), Y15, Y3
	VFMADD231PS (DX)(R12*2), Y15, Y4
	VFMADD231PS 32(DX)(R12*2), Y15, Y5
	VFMADD231PS (R13), Y15, Y6
	VFMADD231PS 32(R13), Y15, Y7
	VFMADD231PS (R13)(R12*1), Y15, Y8
	VFMADD231PS 32(R13)(R12*1), Y15, Y9
	VFMADD231PS (R13)(R12*2), Y15, Y10
	VFMADD231PS 32(R13)(R12*2), Y15, Y11
	JMP store

// TRANSPOSE8 transposes the 8×8 block held in Y0-Y7 (row i in Yi) into
// Y8-Y15 (row i of the result is column i of the input).
#define TRANSPOSE8 \
	VUNPCKLPS Y1, Y0, Y8; \
	VUNPCKHPS Y1, Y0, Y9; \
	VUNPCKLPS Y3, Y2, Y10; \
	VUNPCKHPS Y3, Y2, Y11; \
	VUNPCKLPS Y5, Y4, Y12; \
	VUNPCKHPS Y5, Y4, Y13; \
	VUNPCKLPS Y7, Y6, Y14; \
	VUNPCKHPS Y7, Y6, Y15; \
	VSHUFPS $0x44, Y10, Y8, Y0; \
	VSHUFPS $0xEE, Y10, Y8, Y1; \
	VSHUFPS $0x44, Y11, Y9, Y2; \
	VSHUFPS $0xEE, Y11, Y9, Y3; \
	VSHUFPS $0x44, Y14, Y12, Y4; \
	VSHUFPS $0xEE, Y14, Y12, Y5; \
	VSHUFPS $0x44, Y15, Y13, Y6; \
	VSHUFPS $0xEE, Y15, Y13, Y7; \
	VPERM2F128 $0x20, Y4, Y0, Y8; \
	VPERM2F128 $0x20, Y5, Y1, Y9; \
	VPERM2F128 $0x20, Y6, Y2, Y10; \
	VPERM2F128 $0x20, Y7, Y3, Y11; \
	VPERM2F128 $0x31, Y4, Y0, Y12; \
	VPERM2F128 $0x31, Y5, Y1, Y13; \
	VPERM2F128 $0x31, Y6, Y2, Y14; \
	VPERM2F128 $0x31, Y7, Y3, Y15

#define STORE8(off) \
	VMOVUPS Y8, off(DX); \
	VMOVUPS Y9, off+64(DX); \
	VMOVUPS Y10, off+128(DX); \
	VMOVUPS Y11, off+192(DX); \
	VMOVUPS Y12, off+256(DX); \
	VMOVUPS Y13, off+320(DX); \
	VMOVUPS Y14, off+384(DX); \
	VMOVUPS Y15, off+448(DX)

// func packBT16(blocks int, b *float32, ldb int, dst *float32)
//
// Packs 8·blocks steps of a transposed B panel: for the 16 rows j of B at
// b + j·ldb and p < 8·blocks, dst[p·16 + j] = b[j·ldb + p]. Each 8×8 block is
// transposed in registers, so B is read in rows and the panel written in
// whole cache lines.
TEXT ·packBT16(SB), NOSPLIT, $0-32
	MOVQ blocks+0(FP), CX
	MOVQ b+8(FP), SI
	MOVQ ldb+16(FP), R8
	SHLQ $2, R8
	MOVQ dst+24(FP), DX
	LEAQ (R8)(R8*2), R9
	LEAQ (SI)(R8*4), DI
	LEAQ (DI)(R8*4), R10
	LEAQ (R10)(R8*4), R11
	TESTQ CX, CX
	JZ    pbdone

pbloop:
	VMOVUPS (SI), Y0
	VMOVUPS (SI)(R8*1), Y1
	VMOVUPS (SI)(R8*2), Y2
	VMOVUPS (SI)(R9*1), Y3
	VMOVUPS (DI), Y4
	VMOVUPS (DI)(R8*1), Y5
	VMOVUPS (DI)(R8*2), Y6
	VMOVUPS (DI)(R9*1), Y7
	TRANSPOSE8
	STORE8(0)
	VMOVUPS (R10), Y0
	VMOVUPS (R10)(R8*1), Y1
	VMOVUPS (R10)(R8*2), Y2
	VMOVUPS (R10)(R9*1), Y3
	VMOVUPS (R11), Y4
	VMOVUPS (R11)(R8*1), Y5
	VMOVUPS (R11)(R8*2), Y6
	VMOVUPS (R11)(R9*1), Y7
	TRANSPOSE8
	STORE8(32)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, R10
	ADDQ $32, R11
	ADDQ $512, DX
	DECQ CX
	JNZ  pbloop

pbdone:
	VZEROUPPER
	RET

#define STORE8W(off) \
	VMOVUPS Y8, off(DX); \
	VMOVUPS Y9, off+128(DX); \
	VMOVUPS Y10, off+256(DX); \
	VMOVUPS Y11, off+384(DX); \
	VMOVUPS Y12, off+512(DX); \
	VMOVUPS Y13, off+640(DX); \
	VMOVUPS Y14, off+768(DX); \
	VMOVUPS Y15, off+896(DX)

// LOAD8(lo, hi): rows lo, lo+ldb, lo+2ldb, lo+3ldb, hi, ... of B into Y0-Y7.
#define LOAD8(lo, hi) \
	VMOVUPS (lo), Y0; \
	VMOVUPS (lo)(R8*1), Y1; \
	VMOVUPS (lo)(R8*2), Y2; \
	VMOVUPS (lo)(R9*1), Y3; \
	VMOVUPS (hi), Y4; \
	VMOVUPS (hi)(R8*1), Y5; \
	VMOVUPS (hi)(R8*2), Y6; \
	VMOVUPS (hi)(R9*1), Y7

// func packBT32(blocks int, b *float32, ldb int, dst *float32)
//
// packBT16 for a 32-wide panel (the AVX-512 kernel's): for the 32 rows j of B
// and p < 8·blocks, dst[p·32 + j] = b[j·ldb + p].
TEXT ·packBT32(SB), NOSPLIT, $0-32
	MOVQ blocks+0(FP), CX
	MOVQ b+8(FP), SI
	MOVQ ldb+16(FP), R8
	SHLQ $2, R8
	MOVQ dst+24(FP), DX
	LEAQ (R8)(R8*2), R9
	LEAQ (SI)(R8*4), DI
	LEAQ (DI)(R8*4), R10
	LEAQ (R10)(R8*4), R11
	LEAQ (R11)(R8*4), R12
	LEAQ (R12)(R8*4), R13
	LEAQ (R13)(R8*4), AX
	LEAQ (AX)(R8*4), BX
	TESTQ CX, CX
	JZ    pb32done

pb32loop:
	LOAD8(SI, DI)
	TRANSPOSE8
	STORE8W(0)
	LOAD8(R10, R11)
	TRANSPOSE8
	STORE8W(32)
	LOAD8(R12, R13)
	TRANSPOSE8
	STORE8W(64)
	LOAD8(AX, BX)
	TRANSPOSE8
	STORE8W(96)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, R10
	ADDQ $32, R11
	ADDQ $32, R12
	ADDQ $32, R13
	ADDQ $32, AX
	ADDQ $32, BX
	ADDQ $1024, DX
	DECQ CX
	JNZ  pb32loop

pb32done:
	VZEROUPPER
	RET

// func packBN16(kb int, b *float32, ldb int, dst *float32)
//
// Packs a 16-wide panel of a non-transposed B for kernel6x16: for p < kb,
// dst[p·16 : p·16+16] = b[p·ldb : p·ldb+16].
TEXT ·packBN16(SB), NOSPLIT, $0-32
	MOVQ kb+0(FP), CX
	MOVQ b+8(FP), SI
	MOVQ ldb+16(FP), R8
	SHLQ $2, R8
	MOVQ dst+24(FP), DI

pbn16:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ    R8, SI
	ADDQ    $64, DI
	DECQ    CX
	JNZ     pbn16
	VZEROUPPER
	RET
