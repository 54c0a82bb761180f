//go:build !purego

#include "textflag.h"

// The AVX-512 8×32 micro-kernel keeps an 8-row, 32-column tile of C in
// Z0-Z15 (row r in Z(2r), Z(2r+1)). Each k step loads 32 values of the
// packed B panel into Z16/Z17, broadcasts the eight A values of that step and
// issues 16 FMAs: 10 loads per 16 FMAs, within the loads per cycle that keep
// both 512-bit FMA pipes busy. Only AVX-512F instructions are used.

// STEP8_COLS: the eight A values of a step are consecutive at SI (packed A,
// or a transposed A read in place); the caller advances SI by the step.
#define STEP8_COLS(boff) \
	VMOVUPS boff(BX), Z16; \
	VMOVUPS boff+64(BX), Z17; \
	VBROADCASTSS 0(SI), Z20; \
	VBROADCASTSS 4(SI), Z21; \
	VFMADD231PS Z16, Z20, Z0; \
	VFMADD231PS Z17, Z20, Z1; \
	VBROADCASTSS 8(SI), Z22; \
	VFMADD231PS Z16, Z21, Z2; \
	VFMADD231PS Z17, Z21, Z3; \
	VBROADCASTSS 12(SI), Z23; \
	VFMADD231PS Z16, Z22, Z4; \
	VFMADD231PS Z17, Z22, Z5; \
	VBROADCASTSS 16(SI), Z24; \
	VFMADD231PS Z16, Z23, Z6; \
	VFMADD231PS Z17, Z23, Z7; \
	VBROADCASTSS 20(SI), Z25; \
	VFMADD231PS Z16, Z24, Z8; \
	VFMADD231PS Z17, Z24, Z9; \
	VBROADCASTSS 24(SI), Z26; \
	VFMADD231PS Z16, Z25, Z10; \
	VFMADD231PS Z17, Z25, Z11; \
	VBROADCASTSS 28(SI), Z27; \
	VFMADD231PS Z16, Z26, Z12; \
	VFMADD231PS Z17, Z26, Z13; \
	VFMADD231PS Z16, Z27, Z14; \
	VFMADD231PS Z17, Z27, Z15

// STEP8_ROWS: A read in place from eight row pointers (SI, DI, R8-R13), with
// plain base+displacement addresses.
#define STEP8_ROWS(boff, aoff) \
	VMOVUPS boff(BX), Z16; \
	VMOVUPS boff+64(BX), Z17; \
	VBROADCASTSS aoff(SI), Z20; \
	VBROADCASTSS aoff(DI), Z21; \
	VFMADD231PS Z16, Z20, Z0; \
	VFMADD231PS Z17, Z20, Z1; \
	VBROADCASTSS aoff(R8), Z22; \
	VFMADD231PS Z16, Z21, Z2; \
	VFMADD231PS Z17, Z21, Z3; \
	VBROADCASTSS aoff(R9), Z23; \
	VFMADD231PS Z16, Z22, Z4; \
	VFMADD231PS Z17, Z22, Z5; \
	VBROADCASTSS aoff(R10), Z24; \
	VFMADD231PS Z16, Z23, Z6; \
	VFMADD231PS Z17, Z23, Z7; \
	VBROADCASTSS aoff(R11), Z25; \
	VFMADD231PS Z16, Z24, Z8; \
	VFMADD231PS Z17, Z24, Z9; \
	VBROADCASTSS aoff(R12), Z26; \
	VFMADD231PS Z16, Z25, Z10; \
	VFMADD231PS Z17, Z25, Z11; \
	VBROADCASTSS aoff(R13), Z27; \
	VFMADD231PS Z16, Z26, Z12; \
	VFMADD231PS Z17, Z26, Z13; \
	VFMADD231PS Z16, Z27, Z14; \
	VFMADD231PS Z17, Z27, Z15

// STORE_ROW / BETA_ROW write row r of the tile at DX and move DX one row on.
#define STORE_ROW(za, zb) \
	VMOVUPS za, (DX); \
	VMOVUPS zb, 64(DX); \
	ADDQ    R12, DX

#define BETA_ROW(za, zb) \
	VFMADD231PS (DX), Z18, za; \
	VFMADD231PS 64(DX), Z18, zb; \
	VMOVUPS     za, (DX); \
	VMOVUPS     zb, 64(DX); \
	ADDQ        R12, DX

#define PREFETCH_ROW \
	PREFETCHT0 (DX); \
	PREFETCHT0 64(DX); \
	ADDQ       R12, DX

// func kernel8x32(strips, k int, a *float32, aNext, rowStride, step int, b *float32, c *float32, ldc int, alpha, beta float32)
//
// For s < strips: C[8s:8s+8, 0:32] = alpha·A_s·B + beta·C[8s:8s+8, 0:32], with
// the operands as for kernel6x16 (B a packed k×32 panel).
//
// Frame: 0(SP) strips left, 8(SP) current A, 16(SP) current C.
TEXT ·kernel8x32(SB), NOSPLIT, $24-80
	MOVQ strips+0(FP), AX
	MOVQ AX, 0(SP)
	MOVQ a+16(FP), AX
	MOVQ AX, 8(SP)
	MOVQ c+56(FP), AX
	MOVQ AX, 16(SP)

strip8:
	// Bring the C tile towards L1 while the products are computed.
	MOVQ ldc+64(FP), R12
	SHLQ $2, R12
	MOVQ 16(SP), DX
	PREFETCH_ROW
	PREFETCH_ROW
	PREFETCH_ROW
	PREFETCH_ROW
	PREFETCH_ROW
	PREFETCH_ROW
	PREFETCH_ROW
	PREFETCH_ROW

	MOVQ k+8(FP), CX
	MOVQ 8(SP), SI
	MOVQ rowStride+32(FP), AX
	MOVQ b+48(FP), BX

	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15

	MOVQ  CX, DX
	SHRQ  $2, DX
	ANDQ  $3, CX
	TESTQ AX, AX
	JNZ   rows8

	// Eight consecutive A values per step, steps R9 bytes apart.
	MOVQ  step+40(FP), R9
	SHLQ  $2, R9
	TESTQ DX, DX
	JZ    ctail8

	LEAQ  (R9)(R9*4), R10   // prefetch distance: 20 steps
	SHLQ  $2, R10

cloop8:
	PREFETCHT0 (SI)(R10*1)
	STEP8_COLS(0)
	ADDQ R9, SI
	PREFETCHT0 (SI)(R10*1)
	STEP8_COLS(128)
	ADDQ R9, SI
	PREFETCHT0 (SI)(R10*1)
	STEP8_COLS(256)
	ADDQ R9, SI
	PREFETCHT0 (SI)(R10*1)
	STEP8_COLS(384)
	ADDQ R9, SI
	ADDQ $512, BX
	DECQ DX
	JNZ  cloop8

ctail8:
	TESTQ CX, CX
	JZ    done8

c1loop8:
	STEP8_COLS(0)
	ADDQ $128, BX
	ADDQ R9, SI
	DECQ CX
	JNZ  c1loop8
	JMP  done8

rows8:
	// Row-major A: eight row pointers.
	SHLQ  $2, AX
	LEAQ  (SI)(AX*1), DI
	LEAQ  (DI)(AX*1), R8
	LEAQ  (R8)(AX*1), R9
	LEAQ  (R9)(AX*1), R10
	LEAQ  (R10)(AX*1), R11
	LEAQ  (R11)(AX*1), R12
	LEAQ  (R12)(AX*1), R13
	TESTQ DX, DX
	JZ    rtail8

rloop8:
	PREFETCHT0 256(SI)
	PREFETCHT0 256(DI)
	STEP8_ROWS(0, 0)
	PREFETCHT0 256(R8)
	PREFETCHT0 256(R9)
	STEP8_ROWS(128, 4)
	PREFETCHT0 256(R10)
	PREFETCHT0 256(R11)
	STEP8_ROWS(256, 8)
	PREFETCHT0 256(R12)
	PREFETCHT0 256(R13)
	STEP8_ROWS(384, 12)
	ADDQ $512, BX
	ADDQ $16, SI
	ADDQ $16, DI
	ADDQ $16, R8
	ADDQ $16, R9
	ADDQ $16, R10
	ADDQ $16, R11
	ADDQ $16, R12
	ADDQ $16, R13
	DECQ DX
	JNZ  rloop8

rtail8:
	TESTQ CX, CX
	JZ    done8

r1loop8:
	STEP8_ROWS(0, 0)
	ADDQ $128, BX
	ADDQ $4, SI
	ADDQ $4, DI
	ADDQ $4, R8
	ADDQ $4, R9
	ADDQ $4, R10
	ADDQ $4, R11
	ADDQ $4, R12
	ADDQ $4, R13
	DECQ CX
	JNZ  r1loop8

done8:
	MOVQ ldc+64(FP), R12
	SHLQ $2, R12
	MOVQ 16(SP), DX
	VBROADCASTSS alpha+72(FP), Z18
	VMULPS Z18, Z0, Z0
	VMULPS Z18, Z1, Z1
	VMULPS Z18, Z2, Z2
	VMULPS Z18, Z3, Z3
	VMULPS Z18, Z4, Z4
	VMULPS Z18, Z5, Z5
	VMULPS Z18, Z6, Z6
	VMULPS Z18, Z7, Z7
	VMULPS Z18, Z8, Z8
	VMULPS Z18, Z9, Z9
	VMULPS Z18, Z10, Z10
	VMULPS Z18, Z11, Z11
	VMULPS Z18, Z12, Z12
	VMULPS Z18, Z13, Z13
	VMULPS Z18, Z14, Z14
	VMULPS Z18, Z15, Z15

	// beta == ±0 (not NaN): overwrite C without reading it.
	MOVL beta+76(FP), AX
	ANDL $0x7fffffff, AX
	JNZ  withbeta8
	STORE_ROW(Z0, Z1)
	STORE_ROW(Z2, Z3)
	STORE_ROW(Z4, Z5)
	STORE_ROW(Z6, Z7)
	STORE_ROW(Z8, Z9)
	STORE_ROW(Z10, Z11)
	STORE_ROW(Z12, Z13)
	STORE_ROW(Z14, Z15)

next8:
	// Next strip: A moves by aNext elements, C (DX) by eight rows.
	MOVQ aNext+24(FP), AX
	SHLQ $2, AX
	ADDQ AX, 8(SP)
	MOVQ DX, 16(SP)
	DECQ 0(SP)
	JNZ  strip8
	VZEROUPPER
	RET

withbeta8:
	VBROADCASTSS beta+76(FP), Z18
	BETA_ROW(Z0, Z1)
	BETA_ROW(Z2, Z3)
	BETA_ROW(Z4, Z5)
	BETA_ROW(Z6, Z7)
	BETA_ROW(Z8, Z9)
	BETA_ROW(Z10, Z11)
	BETA_ROW(Z12, Z13)
	BETA_ROW(Z14, Z15)
	JMP next8

// func packBN32(kb int, b *float32, ldb int, dst *float32)
//
// Packs a 32-wide panel of a non-transposed B for kernel8x32: for p < kb,
// dst[p·32 : p·32+32] = b[p·ldb : p·ldb+32], two 512-bit moves per step.
TEXT ·packBN32(SB), NOSPLIT, $0-32
	MOVQ kb+0(FP), CX
	MOVQ b+8(FP), SI
	MOVQ ldb+16(FP), R8
	SHLQ $2, R8
	MOVQ dst+24(FP), DI

pbn32:
	VMOVUPS (SI), Z0
	VMOVUPS 64(SI), Z1
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	ADDQ    R8, SI
	ADDQ    $128, DI
	DECQ    CX
	JNZ     pbn32
	VZEROUPPER
	RET
