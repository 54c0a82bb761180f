#include "textflag.h"

// func adamApplyAVX(p, grad, m, v *float64, n int, c *[7]float64)
// One torch Adam step on n elements (n a multiple of 4), four at a time, in
// exactly the scalar code's operation order (no FMA), so results are
// bit-identical. c holds beta1, beta2, 1-beta1, 1-beta2, -stepSize, sqrt(bc2), eps.
TEXT ·adamApplyAVX(SB), NOSPLIT, $0-48
	MOVQ p+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ m+16(FP), R8
	MOVQ v+24(FP), R9
	MOVQ n+32(FP), CX
	MOVQ c+40(FP), AX
	VBROADCASTSD 0(AX), Y8
	VBROADCASTSD 8(AX), Y9
	VBROADCASTSD 16(AX), Y10
	VBROADCASTSD 24(AX), Y11
	VBROADCASTSD 32(AX), Y12
	VBROADCASTSD 40(AX), Y13
	VBROADCASTSD 48(AX), Y14
	XORQ BX, BX

loop:
	CMPQ CX, $4
	JL   done
	VMOVUPD (SI)(BX*8), Y0 // g
	VMOVUPD (R8)(BX*8), Y1 // m
	VMULPD  Y8, Y1, Y1     // m*beta1
	VMULPD  Y10, Y0, Y2    // (1-beta1)*g
	VADDPD  Y2, Y1, Y1     // m
	VMOVUPD Y1, (R8)(BX*8)
	VMOVUPD (R9)(BX*8), Y3 // v
	VMULPD  Y9, Y3, Y3     // v*beta2
	VMULPD  Y11, Y0, Y4    // (1-beta2)*g
	VMULPD  Y0, Y4, Y4     // ((1-beta2)*g)*g
	VADDPD  Y4, Y3, Y3     // v
	VMOVUPD Y3, (R9)(BX*8)
	VSQRTPD Y3, Y5         // sqrt(v)
	VDIVPD  Y13, Y5, Y5    // sqrt(v)/sqrt(bc2)
	VADDPD  Y14, Y5, Y5    // denom
	VDIVPD  Y5, Y1, Y6     // m/denom
	VMULPD  Y12, Y6, Y6    // -stepSize*(m/denom)
	VMOVUPD (DI)(BX*8), Y7
	VADDPD  Y6, Y7, Y7
	VMOVUPD Y7, (DI)(BX*8)
	ADDQ    $4, BX
	SUBQ    $4, CX
	JMP     loop

done:
	VZEROUPPER
	RET
