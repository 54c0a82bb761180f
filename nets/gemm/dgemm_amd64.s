//go:build !purego

#include "textflag.h"

// The float64 micro-kernels: sgemm512_amd64.s's and sgemm_amd64.s's on
// doubles (VBROADCASTSD, VFMADD231PD), the same loops and layouts with 8-byte
// elements. The AVX-512 8×16 kernel keeps an 8-row, 16-column tile of C in
// Z0-Z15; the AVX2 6×8 kernel a 6×8 tile in Y0-Y11. Each element of C is
// accumulated by one FMA per step in step order.

#define DSTEP8_COLS(boff) \
	VMOVUPS boff(BX), Z16; \
	VMOVUPS boff+64(BX), Z17; \
	VBROADCASTSD 0(SI), Z20; \
	VBROADCASTSD 8(SI), Z21; \
	VFMADD231PD Z16, Z20, Z0; \
	VFMADD231PD Z17, Z20, Z1; \
	VBROADCASTSD 16(SI), Z22; \
	VFMADD231PD Z16, Z21, Z2; \
	VFMADD231PD Z17, Z21, Z3; \
	VBROADCASTSD 24(SI), Z23; \
	VFMADD231PD Z16, Z22, Z4; \
	VFMADD231PD Z17, Z22, Z5; \
	VBROADCASTSD 32(SI), Z24; \
	VFMADD231PD Z16, Z23, Z6; \
	VFMADD231PD Z17, Z23, Z7; \
	VBROADCASTSD 40(SI), Z25; \
	VFMADD231PD Z16, Z24, Z8; \
	VFMADD231PD Z17, Z24, Z9; \
	VBROADCASTSD 48(SI), Z26; \
	VFMADD231PD Z16, Z25, Z10; \
	VFMADD231PD Z17, Z25, Z11; \
	VBROADCASTSD 56(SI), Z27; \
	VFMADD231PD Z16, Z26, Z12; \
	VFMADD231PD Z17, Z26, Z13; \
	VFMADD231PD Z16, Z27, Z14; \
	VFMADD231PD Z17, Z27, Z15

// DSTEP8_ROWS: A read in place from eight row pointers (SI, DI, R8-R13), with
// plain base+displacement addresses.
#define DSTEP8_ROWS(boff, aoff) \
	VMOVUPS boff(BX), Z16; \
	VMOVUPS boff+64(BX), Z17; \
	VBROADCASTSD aoff(SI), Z20; \
	VBROADCASTSD aoff(DI), Z21; \
	VFMADD231PD Z16, Z20, Z0; \
	VFMADD231PD Z17, Z20, Z1; \
	VBROADCASTSD aoff(R8), Z22; \
	VFMADD231PD Z16, Z21, Z2; \
	VFMADD231PD Z17, Z21, Z3; \
	VBROADCASTSD aoff(R9), Z23; \
	VFMADD231PD Z16, Z22, Z4; \
	VFMADD231PD Z17, Z22, Z5; \
	VBROADCASTSD aoff(R10), Z24; \
	VFMADD231PD Z16, Z23, Z6; \
	VFMADD231PD Z17, Z23, Z7; \
	VBROADCASTSD aoff(R11), Z25; \
	VFMADD231PD Z16, Z24, Z8; \
	VFMADD231PD Z17, Z24, Z9; \
	VBROADCASTSD aoff(R12), Z26; \
	VFMADD231PD Z16, Z25, Z10; \
	VFMADD231PD Z17, Z25, Z11; \
	VBROADCASTSD aoff(R13), Z27; \
	VFMADD231PD Z16, Z26, Z12; \
	VFMADD231PD Z17, Z26, Z13; \
	VFMADD231PD Z16, Z27, Z14; \
	VFMADD231PD Z17, Z27, Z15

// DSTORE_ROW / DBETA_ROW write row r of the tile at DX and move DX one row on.
#define DSTORE_ROW(za, zb) \
	VMOVUPS za, (DX); \
	VMOVUPS zb, 64(DX); \
	ADDQ    R12, DX

#define DBETA_ROW(za, zb) \
	VFMADD231PD (DX), Z18, za; \
	VFMADD231PD 64(DX), Z18, zb; \
	VMOVUPS     za, (DX); \
	VMOVUPS     zb, 64(DX); \
	ADDQ        R12, DX

#define DPREFETCH_ROW \
	PREFETCHT0 (DX); \
	PREFETCHT0 64(DX); \
	ADDQ       R12, DX

// func kernel8x16d(strips, k int, a *float64, aNext, rowStride, step int, b *float64, c *float64, ldc int, alpha, beta float64)
//
// kernel8x32 for float64: for s < strips, C[8s:8s+8, 0:16] =
// alpha·A_s·B + beta·C[8s:8s+8, 0:16] (B a packed k×16 panel, 16 doubles per
// step: the same bytes per step as the float32 kernel's 32 floats).
//
// Frame: 0(SP) strips left, 8(SP) current A, 16(SP) current C.
TEXT ·kernel8x16d(SB), NOSPLIT, $24-88
	MOVQ strips+0(FP), AX
	MOVQ AX, 0(SP)
	MOVQ a+16(FP), AX
	MOVQ AX, 8(SP)
	MOVQ c+56(FP), AX
	MOVQ AX, 16(SP)

dstrip8:
	// Bring the C tile towards L1 while the products are computed.
	MOVQ ldc+64(FP), R12
	SHLQ $3, R12
	MOVQ 16(SP), DX
	DPREFETCH_ROW
	DPREFETCH_ROW
	DPREFETCH_ROW
	DPREFETCH_ROW
	DPREFETCH_ROW
	DPREFETCH_ROW
	DPREFETCH_ROW
	DPREFETCH_ROW

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
	JNZ   drows8

	// Eight consecutive A values per step, steps R9 bytes apart.
	MOVQ  step+40(FP), R9
	SHLQ  $3, R9
	TESTQ DX, DX
	JZ    dctail8

	LEAQ  (R9)(R9*4), R10   // prefetch distance: 20 steps
	SHLQ  $2, R10

dcloop8:
	PREFETCHT0 (SI)(R10*1)
	DSTEP8_COLS(0)
	ADDQ R9, SI
	PREFETCHT0 (SI)(R10*1)
	DSTEP8_COLS(128)
	ADDQ R9, SI
	PREFETCHT0 (SI)(R10*1)
	DSTEP8_COLS(256)
	ADDQ R9, SI
	PREFETCHT0 (SI)(R10*1)
	DSTEP8_COLS(384)
	ADDQ R9, SI
	ADDQ $512, BX
	DECQ DX
	JNZ  dcloop8

dctail8:
	TESTQ CX, CX
	JZ    ddone8

dc1loop8:
	DSTEP8_COLS(0)
	ADDQ $128, BX
	ADDQ R9, SI
	DECQ CX
	JNZ  dc1loop8
	JMP  ddone8

drows8:
	// Row-major A: eight row pointers.
	SHLQ  $3, AX
	LEAQ  (SI)(AX*1), DI
	LEAQ  (DI)(AX*1), R8
	LEAQ  (R8)(AX*1), R9
	LEAQ  (R9)(AX*1), R10
	LEAQ  (R10)(AX*1), R11
	LEAQ  (R11)(AX*1), R12
	LEAQ  (R12)(AX*1), R13
	TESTQ DX, DX
	JZ    drtail8

drloop8:
	PREFETCHT0 256(SI)
	PREFETCHT0 256(DI)
	DSTEP8_ROWS(0, 0)
	PREFETCHT0 256(R8)
	PREFETCHT0 256(R9)
	DSTEP8_ROWS(128, 8)
	PREFETCHT0 256(R10)
	PREFETCHT0 256(R11)
	DSTEP8_ROWS(256, 16)
	PREFETCHT0 256(R12)
	PREFETCHT0 256(R13)
	DSTEP8_ROWS(384, 24)
	ADDQ $512, BX
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, R8
	ADDQ $32, R9
	ADDQ $32, R10
	ADDQ $32, R11
	ADDQ $32, R12
	ADDQ $32, R13
	DECQ DX
	JNZ  drloop8

drtail8:
	TESTQ CX, CX
	JZ    ddone8

dr1loop8:
	DSTEP8_ROWS(0, 0)
	ADDQ $128, BX
	ADDQ $8, SI
	ADDQ $8, DI
	ADDQ $8, R8
	ADDQ $8, R9
	ADDQ $8, R10
	ADDQ $8, R11
	ADDQ $8, R12
	ADDQ $8, R13
	DECQ CX
	JNZ  dr1loop8

ddone8:
	MOVQ ldc+64(FP), R12
	SHLQ $3, R12
	MOVQ 16(SP), DX
	VBROADCASTSD alpha+72(FP), Z18
	VMULPD Z18, Z0, Z0
	VMULPD Z18, Z1, Z1
	VMULPD Z18, Z2, Z2
	VMULPD Z18, Z3, Z3
	VMULPD Z18, Z4, Z4
	VMULPD Z18, Z5, Z5
	VMULPD Z18, Z6, Z6
	VMULPD Z18, Z7, Z7
	VMULPD Z18, Z8, Z8
	VMULPD Z18, Z9, Z9
	VMULPD Z18, Z10, Z10
	VMULPD Z18, Z11, Z11
	VMULPD Z18, Z12, Z12
	VMULPD Z18, Z13, Z13
	VMULPD Z18, Z14, Z14
	VMULPD Z18, Z15, Z15

	// beta == ±0 (not NaN): overwrite C without reading it.
	MOVQ beta+80(FP), AX
	SHLQ $1, AX             // drop the sign bit: +0 and -0 overwrite
	JNZ  dwithbeta8
	DSTORE_ROW(Z0, Z1)
	DSTORE_ROW(Z2, Z3)
	DSTORE_ROW(Z4, Z5)
	DSTORE_ROW(Z6, Z7)
	DSTORE_ROW(Z8, Z9)
	DSTORE_ROW(Z10, Z11)
	DSTORE_ROW(Z12, Z13)
	DSTORE_ROW(Z14, Z15)

dnext8:
	// Next strip: A moves by aNext elements, C (DX) by eight rows.
	MOVQ aNext+24(FP), AX
	SHLQ $3, AX
	ADDQ AX, 8(SP)
	MOVQ DX, 16(SP)
	DECQ 0(SP)
	JNZ  dstrip8
	VZEROUPPER
	RET

dwithbeta8:
	VBROADCASTSD beta+80(FP), Z18
	DBETA_ROW(Z0, Z1)
	DBETA_ROW(Z2, Z3)
	DBETA_ROW(Z4, Z5)
	DBETA_ROW(Z6, Z7)
	DBETA_ROW(Z8, Z9)
	DBETA_ROW(Z10, Z11)
	DBETA_ROW(Z12, Z13)
	DBETA_ROW(Z14, Z15)
	JMP dnext8

// DSTEP_COLS: the six A values of a step are consecutive at SI (packed A, or
// a transposed A read in place); the caller advances SI by the step.
#define DSTEP_COLS(boff, aoff) \
	VMOVUPS boff(BX), Y12; \
	VMOVUPS boff+32(BX), Y13; \
	VBROADCASTSD aoff(SI), Y14; \
	VFMADD231PD Y12, Y14, Y0; \
	VFMADD231PD Y13, Y14, Y1; \
	VBROADCASTSD aoff+8(SI), Y15; \
	VFMADD231PD Y12, Y15, Y2; \
	VFMADD231PD Y13, Y15, Y3; \
	VBROADCASTSD aoff+16(SI), Y14; \
	VFMADD231PD Y12, Y14, Y4; \
	VFMADD231PD Y13, Y14, Y5; \
	VBROADCASTSD aoff+24(SI), Y15; \
	VFMADD231PD Y12, Y15, Y6; \
	VFMADD231PD Y13, Y15, Y7; \
	VBROADCASTSD aoff+32(SI), Y14; \
	VFMADD231PD Y12, Y14, Y8; \
	VFMADD231PD Y13, Y14, Y9; \
	VBROADCASTSD aoff+40(SI), Y15; \
	VFMADD231PD Y12, Y15, Y10; \
	VFMADD231PD Y13, Y15, Y11

// DSTEP_ROWS: A read in place from six row pointers (SI, DI, R8-R11). Plain
// base+displacement addresses: an indexed (base+index·scale) broadcast costs
// ~15% of the kernel's speed on this core.
#define DSTEP_ROWS(boff, aoff) \
	VMOVUPS boff(BX), Y12; \
	VMOVUPS boff+32(BX), Y13; \
	VBROADCASTSD aoff(SI), Y14; \
	VFMADD231PD Y12, Y14, Y0; \
	VFMADD231PD Y13, Y14, Y1; \
	VBROADCASTSD aoff(DI), Y15; \
	VFMADD231PD Y12, Y15, Y2; \
	VFMADD231PD Y13, Y15, Y3; \
	VBROADCASTSD aoff(R8), Y14; \
	VFMADD231PD Y12, Y14, Y4; \
	VFMADD231PD Y13, Y14, Y5; \
	VBROADCASTSD aoff(R9), Y15; \
	VFMADD231PD Y12, Y15, Y6; \
	VFMADD231PD Y13, Y15, Y7; \
	VBROADCASTSD aoff(R10), Y14; \
	VFMADD231PD Y12, Y14, Y8; \
	VFMADD231PD Y13, Y14, Y9; \
	VBROADCASTSD aoff(R11), Y15; \
	VFMADD231PD Y12, Y15, Y10; \
	VFMADD231PD Y13, Y15, Y11

// func kernel6x8d(strips, k int, a *float64, aNext, rowStride, step int, b *float64, c *float64, ldc int, alpha, beta float64)
//
// kernel6x16 for float64: for s < strips, C[6s:6s+6, 0:8] =
// alpha·A_s·B + beta·C[6s:6s+6, 0:8] (B a packed k×8 panel).
//
// Frame: 0(SP) strips left, 8(SP) current A, 16(SP) current C.
TEXT ·kernel6x8d(SB), NOSPLIT, $24-88
	MOVQ strips+0(FP), AX
	MOVQ AX, 0(SP)
	MOVQ a+16(FP), AX
	MOVQ AX, 8(SP)
	MOVQ c+56(FP), AX
	MOVQ AX, 16(SP)
	MOVQ ldc+64(FP), R12
	SHLQ $3, R12

d6strip:
	MOVQ k+8(FP), CX
	MOVQ 8(SP), SI
	MOVQ rowStride+32(FP), AX
	MOVQ step+40(FP), R9
	SHLQ $3, R9
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
	JNZ   d6rows

	// Six consecutive A values per step, steps R9 bytes apart.
	TESTQ DI, DI
	JZ    d6ctail

d6cloop4:
	DSTEP_COLS(0, 0)
	ADDQ R9, SI
	DSTEP_COLS(64, 0)
	ADDQ R9, SI
	DSTEP_COLS(128, 0)
	ADDQ R9, SI
	DSTEP_COLS(192, 0)
	ADDQ R9, SI
	ADDQ $256, BX
	DECQ DI
	JNZ  d6cloop4

d6ctail:
	TESTQ CX, CX
	JZ    d6done

d6cloop1:
	DSTEP_COLS(0, 0)
	ADDQ $64, BX
	ADDQ R9, SI
	DECQ CX
	JNZ  d6cloop1
	JMP  d6done

d6rows:
	// Row-major A: six row pointers.
	MOVQ  DI, R13
	SHLQ  $3, AX
	LEAQ  (SI)(AX*1), DI
	LEAQ  (DI)(AX*1), R8
	LEAQ  (R8)(AX*1), R9
	LEAQ  (R9)(AX*1), R10
	LEAQ  (R10)(AX*1), R11
	TESTQ R13, R13
	JZ    d6rtail

d6rloop4:
	DSTEP_ROWS(0, 0)
	DSTEP_ROWS(64, 8)
	DSTEP_ROWS(128, 16)
	DSTEP_ROWS(192, 24)
	ADDQ $256, BX
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, R8
	ADDQ $32, R9
	ADDQ $32, R10
	ADDQ $32, R11
	DECQ R13
	JNZ  d6rloop4

d6rtail:
	TESTQ CX, CX
	JZ    d6done

d6rloop1:
	DSTEP_ROWS(0, 0)
	ADDQ $64, BX
	ADDQ $8, SI
	ADDQ $8, DI
	ADDQ $8, R8
	ADDQ $8, R9
	ADDQ $8, R10
	ADDQ $8, R11
	DECQ CX
	JNZ  d6rloop1

d6done:
	LEAQ (DX)(R12*2), R13
	ADDQ R12, R13
	VBROADCASTSD alpha+72(FP), Y14
	VMULPD Y14, Y0, Y0
	VMULPD Y14, Y1, Y1
	VMULPD Y14, Y2, Y2
	VMULPD Y14, Y3, Y3
	VMULPD Y14, Y4, Y4
	VMULPD Y14, Y5, Y5
	VMULPD Y14, Y6, Y6
	VMULPD Y14, Y7, Y7
	VMULPD Y14, Y8, Y8
	VMULPD Y14, Y9, Y9
	VMULPD Y14, Y10, Y10
	VMULPD Y14, Y11, Y11

	// beta == 0 (and not NaN): overwrite C without reading it.
	MOVQ beta+80(FP), AX
	SHLQ $1, AX             // drop the sign bit: +0 and -0 overwrite
	JNZ  d6withbeta

d6store:
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

	// Next d6strip: A moves by aNext elements, C by six d6rows.
	MOVQ aNext+24(FP), AX
	SHLQ $3, AX
	ADDQ AX, 8(SP)
	LEAQ (R13)(R12*2), R13
	ADDQ R12, R13
	MOVQ R13, 16(SP)
	DECQ 0(SP)
	JNZ  d6strip
	VZEROUPPER
	RET

d6withbeta:
	VBROADCASTSD beta+80(FP), Y15
	VFMADD231PD (DX), Y15, Y0
	VFMADD231PD 32(DX), Y15, Y1
	VFMADD231PD (DX)(R12*1), Y15, Y2
	VFMADD231PD 32(DX)(R12*1), Y15, Y3
	VFMADD231PD (DX)(R12*2), Y15, Y4
	VFMADD231PD 32(DX)(R12*2), Y15, Y5
	VFMADD231PD (R13), Y15, Y6
	VFMADD231PD 32(R13), Y15, Y7
	VFMADD231PD (R13)(R12*1), Y15, Y8
	VFMADD231PD 32(R13)(R12*1), Y15, Y9
	VFMADD231PD (R13)(R12*2), Y15, Y10
	VFMADD231PD 32(R13)(R12*2), Y15, Y11
	JMP d6store

// TRANSPOSE4D transposes the 4×4 block of doubles in Y0-Y3 (row i in Yi)
// into Y8-Y11 (row i of the result is column i of the input).
#define TRANSPOSE4D \
	VUNPCKLPD  Y1, Y0, Y4; \
	VUNPCKHPD  Y1, Y0, Y5; \
	VUNPCKLPD  Y3, Y2, Y6; \
	VUNPCKHPD  Y3, Y2, Y7; \
	VPERM2F128 $0x20, Y6, Y4, Y8; \
	VPERM2F128 $0x20, Y7, Y5, Y9; \
	VPERM2F128 $0x31, Y6, Y4, Y10; \
	VPERM2F128 $0x31, Y7, Y5, Y11

// func packBTd(groups, blocks int, b *float64, ldb int, dst *float64)
//
// Packs 4·blocks steps of a transposed B panel of 4·groups rows (nr = 8 or
// 16 doubles): for the rows j < 4·groups of B at b + j·ldb and p < 4·blocks,
// dst[p·nr + j] = b[j·ldb + p], by 4×4 register transposes.
TEXT ·packBTd(SB), NOSPLIT, $0-40
	MOVQ groups+0(FP), R10
	MOVQ blocks+8(FP), CX
	MOVQ b+16(FP), SI
	MOVQ ldb+24(FP), R8
	SHLQ $3, R8             // bytes between rows of B
	MOVQ dst+32(FP), DX
	MOVQ R10, R11
	SHLQ $5, R11            // nr·8 bytes: one panel row (groups·32)
	LEAQ (R8)(R8*2), R9     // 3 rows
	TESTQ CX, CX
	JZ    pbtddone

pbtdblock:
	MOVQ SI, AX             // rows of this group
	MOVQ DX, DI             // its place in the panel
	MOVQ R10, BX

pbtdgroup:
	VMOVUPD (AX), Y0
	VMOVUPD (AX)(R8*1), Y1
	VMOVUPD (AX)(R8*2), Y2
	VMOVUPD (AX)(R9*1), Y3
	TRANSPOSE4D
	VMOVUPD Y8, (DI)
	VMOVUPD Y9, (DI)(R11*1)
	VMOVUPD Y10, (DI)(R11*2)
	LEAQ    (DI)(R11*2), R12
	VMOVUPD Y11, (R12)(R11*1)
	LEAQ    (AX)(R8*4), AX  // next four rows
	ADDQ    $32, DI         // their four columns of the panel
	DECQ    BX
	JNZ     pbtdgroup

	ADDQ $32, SI            // next four steps
	LEAQ (DX)(R11*4), DX
	DECQ CX
	JNZ  pbtdblock

pbtddone:
	VZEROUPPER
	RET
