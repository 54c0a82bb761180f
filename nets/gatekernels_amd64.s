//go:build amd64 && !purego

#include "textflag.h"

// The fused GRU step kernels (see gatekernels.go for what they compute). The
// exponential, sigmoid and tanh are those of nets/vecmath (Cephes expf
// polynomial, same instruction sequence), so the float32 results match the
// portable path up to the fused multiply-adds of the linear parts.

DATA cellconst<>+0(SB)/4, $0x3fb8aa3b
DATA cellconst<>+4(SB)/4, $0x3fb8aa3b
DATA cellconst<>+8(SB)/4, $0x3fb8aa3b
DATA cellconst<>+12(SB)/4, $0x3fb8aa3b
DATA cellconst<>+16(SB)/4, $0x3fb8aa3b
DATA cellconst<>+20(SB)/4, $0x3fb8aa3b
DATA cellconst<>+24(SB)/4, $0x3fb8aa3b
DATA cellconst<>+28(SB)/4, $0x3fb8aa3b
DATA cellconst<>+32(SB)/4, $0x3f318000
DATA cellconst<>+36(SB)/4, $0x3f318000
DATA cellconst<>+40(SB)/4, $0x3f318000
DATA cellconst<>+44(SB)/4, $0x3f318000
DATA cellconst<>+48(SB)/4, $0x3f318000
DATA cellconst<>+52(SB)/4, $0x3f318000
DATA cellconst<>+56(SB)/4, $0x3f318000
DATA cellconst<>+60(SB)/4, $0x3f318000
DATA cellconst<>+64(SB)/4, $0xb95e8083
DATA cellconst<>+68(SB)/4, $0xb95e8083
DATA cellconst<>+72(SB)/4, $0xb95e8083
DATA cellconst<>+76(SB)/4, $0xb95e8083
DATA cellconst<>+80(SB)/4, $0xb95e8083
DATA cellconst<>+84(SB)/4, $0xb95e8083
DATA cellconst<>+88(SB)/4, $0xb95e8083
DATA cellconst<>+92(SB)/4, $0xb95e8083
DATA cellconst<>+96(SB)/4, $0x39506967
DATA cellconst<>+100(SB)/4, $0x39506967
DATA cellconst<>+104(SB)/4, $0x39506967
DATA cellconst<>+108(SB)/4, $0x39506967
DATA cellconst<>+112(SB)/4, $0x39506967
DATA cellconst<>+116(SB)/4, $0x39506967
DATA cellconst<>+120(SB)/4, $0x39506967
DATA cellconst<>+124(SB)/4, $0x39506967
DATA cellconst<>+128(SB)/4, $0x3ab743ce
DATA cellconst<>+132(SB)/4, $0x3ab743ce
DATA cellconst<>+136(SB)/4, $0x3ab743ce
DATA cellconst<>+140(SB)/4, $0x3ab743ce
DATA cellconst<>+144(SB)/4, $0x3ab743ce
DATA cellconst<>+148(SB)/4, $0x3ab743ce
DATA cellconst<>+152(SB)/4, $0x3ab743ce
DATA cellconst<>+156(SB)/4, $0x3ab743ce
DATA cellconst<>+160(SB)/4, $0x3c088908
DATA cellconst<>+164(SB)/4, $0x3c088908
DATA cellconst<>+168(SB)/4, $0x3c088908
DATA cellconst<>+172(SB)/4, $0x3c088908
DATA cellconst<>+176(SB)/4, $0x3c088908
DATA cellconst<>+180(SB)/4, $0x3c088908
DATA cellconst<>+184(SB)/4, $0x3c088908
DATA cellconst<>+188(SB)/4, $0x3c088908
DATA cellconst<>+192(SB)/4, $0x3d2aa9c1
DATA cellconst<>+196(SB)/4, $0x3d2aa9c1
DATA cellconst<>+200(SB)/4, $0x3d2aa9c1
DATA cellconst<>+204(SB)/4, $0x3d2aa9c1
DATA cellconst<>+208(SB)/4, $0x3d2aa9c1
DATA cellconst<>+212(SB)/4, $0x3d2aa9c1
DATA cellconst<>+216(SB)/4, $0x3d2aa9c1
DATA cellconst<>+220(SB)/4, $0x3d2aa9c1
DATA cellconst<>+224(SB)/4, $0x3e2aaaaa
DATA cellconst<>+228(SB)/4, $0x3e2aaaaa
DATA cellconst<>+232(SB)/4, $0x3e2aaaaa
DATA cellconst<>+236(SB)/4, $0x3e2aaaaa
DATA cellconst<>+240(SB)/4, $0x3e2aaaaa
DATA cellconst<>+244(SB)/4, $0x3e2aaaaa
DATA cellconst<>+248(SB)/4, $0x3e2aaaaa
DATA cellconst<>+252(SB)/4, $0x3e2aaaaa
DATA cellconst<>+256(SB)/4, $0x3f000000
DATA cellconst<>+260(SB)/4, $0x3f000000
DATA cellconst<>+264(SB)/4, $0x3f000000
DATA cellconst<>+268(SB)/4, $0x3f000000
DATA cellconst<>+272(SB)/4, $0x3f000000
DATA cellconst<>+276(SB)/4, $0x3f000000
DATA cellconst<>+280(SB)/4, $0x3f000000
DATA cellconst<>+284(SB)/4, $0x3f000000
DATA cellconst<>+288(SB)/4, $0x3f800000
DATA cellconst<>+292(SB)/4, $0x3f800000
DATA cellconst<>+296(SB)/4, $0x3f800000
DATA cellconst<>+300(SB)/4, $0x3f800000
DATA cellconst<>+304(SB)/4, $0x3f800000
DATA cellconst<>+308(SB)/4, $0x3f800000
DATA cellconst<>+312(SB)/4, $0x3f800000
DATA cellconst<>+316(SB)/4, $0x3f800000
DATA cellconst<>+320(SB)/4, $0x40000000
DATA cellconst<>+324(SB)/4, $0x40000000
DATA cellconst<>+328(SB)/4, $0x40000000
DATA cellconst<>+332(SB)/4, $0x40000000
DATA cellconst<>+336(SB)/4, $0x40000000
DATA cellconst<>+340(SB)/4, $0x40000000
DATA cellconst<>+344(SB)/4, $0x40000000
DATA cellconst<>+348(SB)/4, $0x40000000
DATA cellconst<>+352(SB)/4, $0x7fffffff
DATA cellconst<>+356(SB)/4, $0x7fffffff
DATA cellconst<>+360(SB)/4, $0x7fffffff
DATA cellconst<>+364(SB)/4, $0x7fffffff
DATA cellconst<>+368(SB)/4, $0x7fffffff
DATA cellconst<>+372(SB)/4, $0x7fffffff
DATA cellconst<>+376(SB)/4, $0x7fffffff
DATA cellconst<>+380(SB)/4, $0x7fffffff
DATA cellconst<>+384(SB)/4, $0x80000000
DATA cellconst<>+388(SB)/4, $0x80000000
DATA cellconst<>+392(SB)/4, $0x80000000
DATA cellconst<>+396(SB)/4, $0x80000000
DATA cellconst<>+400(SB)/4, $0x80000000
DATA cellconst<>+404(SB)/4, $0x80000000
DATA cellconst<>+408(SB)/4, $0x80000000
DATA cellconst<>+412(SB)/4, $0x80000000
DATA cellconst<>+416(SB)/4, $0x0000007f
DATA cellconst<>+420(SB)/4, $0x0000007f
DATA cellconst<>+424(SB)/4, $0x0000007f
DATA cellconst<>+428(SB)/4, $0x0000007f
DATA cellconst<>+432(SB)/4, $0x0000007f
DATA cellconst<>+436(SB)/4, $0x0000007f
DATA cellconst<>+440(SB)/4, $0x0000007f
DATA cellconst<>+444(SB)/4, $0x0000007f
DATA cellconst<>+448(SB)/4, $0x42d00000
DATA cellconst<>+452(SB)/4, $0x42d00000
DATA cellconst<>+456(SB)/4, $0x42d00000
DATA cellconst<>+460(SB)/4, $0x42d00000
DATA cellconst<>+464(SB)/4, $0x42d00000
DATA cellconst<>+468(SB)/4, $0x42d00000
DATA cellconst<>+472(SB)/4, $0x42d00000
DATA cellconst<>+476(SB)/4, $0x42d00000
DATA cellconst<>+480(SB)/4, $0x41200000
DATA cellconst<>+484(SB)/4, $0x41200000
DATA cellconst<>+488(SB)/4, $0x41200000
DATA cellconst<>+492(SB)/4, $0x41200000
DATA cellconst<>+496(SB)/4, $0x41200000
DATA cellconst<>+500(SB)/4, $0x41200000
DATA cellconst<>+504(SB)/4, $0x41200000
DATA cellconst<>+508(SB)/4, $0x41200000
GLOBL cellconst<>(SB), RODATA|NOPTR, $512

#define LOG2E cellconst<>+0(SB)
#define LN2HI cellconst<>+32(SB)
#define LN2LO cellconst<>+64(SB)
#define P0 cellconst<>+96(SB)
#define P1 cellconst<>+128(SB)
#define P2 cellconst<>+160(SB)
#define P3 cellconst<>+192(SB)
#define P4 cellconst<>+224(SB)
#define P5 cellconst<>+256(SB)
#define ONE cellconst<>+288(SB)
#define TWO cellconst<>+320(SB)
#define ABSMASK cellconst<>+352(SB)
#define SIGNMASK cellconst<>+384(SB)
#define BIAS cellconst<>+416(SB)
#define SIGCLAMP cellconst<>+448(SB)
#define TANHCLAMP cellconst<>+480(SB)

// EXPM1_REDUCED: Y0 = v (finite, |v| <= 104). Leaves n = round(v·log2e) as
// int32 in Y2 and q = expm1(r), r = v - n·ln2, in Y3. Clobbers Y0, Y1, Y4.
#define EXPM1_REDUCED \
	VMULPS       LOG2E, Y0, Y1; \
	VCVTPS2DQ    Y1, Y2; \
	VCVTDQ2PS    Y2, Y1; \
	VFNMADD231PS LN2HI, Y1, Y0; \
	VFNMADD231PS LN2LO, Y1, Y0; \
	VMOVUPS      P0, Y3; \
	VFMADD213PS  P1, Y0, Y3; \
	VFMADD213PS  P2, Y0, Y3; \
	VFMADD213PS  P3, Y0, Y3; \
	VFMADD213PS  P4, Y0, Y3; \
	VFMADD213PS  P5, Y0, Y3; \
	VMULPS       Y0, Y0, Y4; \
	VFMADD213PS  Y0, Y4, Y3

// EXP_CORE: Y0 = exp(Y0) for -104 <= Y0 <= 89 (or NaN).
#define EXP_CORE \
	EXPM1_REDUCED; \
	VADDPS  ONE, Y3, Y3; \
	VPSRAD  $1, Y2, Y1; \
	VPSUBD  Y1, Y2, Y2; \
	VPADDD  BIAS, Y1, Y1; \
	VPADDD  BIAS, Y2, Y2; \
	VPSLLD  $23, Y1, Y1; \
	VPSLLD  $23, Y2, Y2; \
	VMULPS  Y1, Y3, Y3; \
	VMULPS  Y2, Y3, Y0

// SIGMOID: OUT = σ(X), X not in Y0-Y5. Needs Y13 = 1, Y15 = 104. With
// e = exp(-|x|): 1/(1+e) for x >= 0, e/(1+e) for x < 0.
#define SIGMOID(X, OUT) \
	VANDPS    ABSMASK, X, Y0; \
	VMINPS    Y0, Y15, Y0; \
	VXORPS    SIGNMASK, Y0, Y0; \
	EXP_CORE; \
	VADDPS    Y13, Y0, Y1; \
	VBLENDVPS X, Y0, Y13, Y2; \
	VDIVPS    Y1, Y2, OUT

// TANH: OUT = tanh(X), X not in Y0-Y5. Needs Y13 = 1, Y14 = 10. With
// m = expm1(-2|x|): tanh(|x|) = -m/(2+m), then the sign of x.
#define TANH(X, OUT) \
	VANDPS      ABSMASK, X, Y0; \
	VMINPS      Y0, Y14, Y0; \
	VADDPS      Y0, Y0, Y0; \
	VXORPS      SIGNMASK, Y0, Y0; \
	EXPM1_REDUCED; \
	VPADDD      BIAS, Y2, Y2; \
	VPSLLD      $23, Y2, Y2; \
	VSUBPS      Y13, Y2, Y4; \
	VFMADD213PS Y4, Y2, Y3; \
	VADDPS      TWO, Y3, Y1; \
	VDIVPS      Y1, Y3, Y3; \
	VANDPS      ABSMASK, Y3, Y3; \
	VANDPS      SIGNMASK, X, Y5; \
	VORPS       Y5, Y3, OUT

// func gruFwdAVX2(rows, h, in int, x, wihT, bias, gates, ghn, hp, hn *float32)
// rows >= 1, h a positive multiple of 8.
TEXT ·gruFwdAVX2(SB), NOSPLIT, $0-80
	MOVQ    rows+0(FP), R8
	MOVQ    h+8(FP), BX
	SHLQ    $2, BX             // BX = bytes of one gate block (H floats)
	MOVQ    in+16(FP), R10
	MOVQ    x+24(FP), SI
	MOVQ    gates+48(FP), DI
	MOVQ    ghn+56(FP), R11
	MOVQ    hp+64(FP), R12
	MOVQ    hn+72(FP), R13
	MOVQ    bias+40(FP), DX
	VMOVUPS ONE, Y13
	VMOVUPS TANHCLAMP, Y14
	VMOVUPS SIGCLAMP, Y15

fwdrow:
	XORQ AX, AX                // AX = byte offset of the unit chunk

fwdchunk:
	// Y8, Y9: r and z pre-activations; Y10: the input side of n; Y11: W_hn h + b_hn.
	LEAQ    (DI)(AX*1), CX
	LEAQ    (DX)(AX*1), R9
	VMOVUPS (CX), Y8
	VADDPS  (R9), Y8, Y8
	VMOVUPS (CX)(BX*1), Y9
	VADDPS  (R9)(BX*1), Y9, Y9
	VMOVUPS (R9)(BX*2), Y10
	VMOVUPS (CX)(BX*2), Y11
	ADDQ    BX, R9
	VADDPS  (R9)(BX*2), Y11, Y11
	MOVQ    wihT+32(FP), R9
	ADDQ    AX, R9
	XORQ    CX, CX

fwdin:
	VBROADCASTSS (SI)(CX*4), Y6
	VFMADD231PS  (R9), Y6, Y8
	VFMADD231PS  (R9)(BX*1), Y6, Y9
	VFMADD231PS  (R9)(BX*2), Y6, Y10
	LEAQ         (R9)(BX*2), R9
	ADDQ         BX, R9
	INCQ         CX
	CMPQ         CX, R10
	JLT          fwdin

	SIGMOID(Y8, Y8)
	SIGMOID(Y9, Y9)
	VFMADD231PS Y8, Y11, Y10
	TANH(Y10, Y10)
	// h' = (1 - z)·n + z·h
	VSUBPS      Y9, Y13, Y7
	VMULPS      Y10, Y7, Y7
	VFMADD231PS (R12)(AX*1), Y9, Y7
	VMOVUPS     Y7, (R13)(AX*1)
	LEAQ        (DI)(AX*1), CX
	VMOVUPS     Y8, (CX)
	VMOVUPS     Y9, (CX)(BX*1)
	VMOVUPS     Y10, (CX)(BX*2)
	VMOVUPS     Y11, (R11)(AX*1)
	ADDQ        $32, AX
	CMPQ        AX, BX
	JLT         fwdchunk

	LEAQ (DI)(BX*2), DI
	ADDQ BX, DI
	ADDQ BX, R11
	ADDQ BX, R12
	ADDQ BX, R13
	LEAQ (SI)(R10*4), SI
	DECQ R8
	JNZ  fwdrow
	VZEROUPPER
	RET

// func gruBwdAVX2(rows, h, out int, dh, dlat, dy, wout, gates, ghn, hp, acc *float32)
// rows >= 1, h a positive multiple of 8; dlat and acc may be nil.
TEXT ·gruBwdAVX2(SB), NOSPLIT, $0-88
	MOVQ    rows+0(FP), R8
	MOVQ    h+8(FP), BX
	SHLQ    $2, BX
	MOVQ    out+16(FP), R10
	MOVQ    dh+24(FP), R13
	MOVQ    dlat+32(FP), DX
	MOVQ    dy+40(FP), SI
	MOVQ    gates+56(FP), DI
	MOVQ    ghn+64(FP), R11
	MOVQ    hp+72(FP), R12
	VMOVUPS ONE, Y13

bwdrow:
	XORQ AX, AX

bwdchunk:
	// Y8 = d: the carried gradient, the latent gradient and dy·W_out.
	VMOVUPS (R13)(AX*1), Y8
	TESTQ   DX, DX
	JZ      bwdnolat
	VADDPS  (DX)(AX*1), Y8, Y8

bwdnolat:
	TESTQ R10, R10
	JZ    bwdgates
	MOVQ  wout+48(FP), R9
	ADDQ  AX, R9
	XORQ  CX, CX

bwdout:
	VBROADCASTSS (SI)(CX*4), Y6
	VFMADD231PS  (R9), Y6, Y8
	ADDQ         BX, R9
	INCQ         CX
	CMPQ         CX, R10
	JLT          bwdout

bwdgates:
	LEAQ         (DI)(AX*1), CX
	VMOVUPS      (CX), Y0          // r
	VMOVUPS      (CX)(BX*1), Y1    // z
	VMOVUPS      (CX)(BX*2), Y2    // n
	VSUBPS       Y1, Y13, Y3       // 1 - z
	VMULPS       Y8, Y3, Y4        // d·(1 - z)
	VMOVAPS      Y13, Y5
	VFNMADD231PS Y2, Y2, Y5        // 1 - n²
	VMULPS       Y5, Y4, Y4        // ∂ñ
	VMOVUPS      (R12)(AX*1), Y5
	VSUBPS       Y2, Y5, Y5        // h - n
	VMULPS       Y8, Y5, Y5
	VMULPS       Y1, Y5, Y5
	VMULPS       Y3, Y5, Y5        // ∂z̃ = d·(h - n)·z·(1 - z)
	VSUBPS       Y0, Y13, Y6       // 1 - r
	VMULPS       (R11)(AX*1), Y4, Y7
	VMULPS       Y0, Y7, Y7
	VMULPS       Y6, Y7, Y7        // ∂r̃ = ∂ñ·(W_hn h + b_hn)·r·(1 - r)
	VMULPS       Y0, Y4, Y6        // ∂ñ·r
	VMULPS       Y1, Y8, Y8        // d·z
	VMOVUPS      Y7, (CX)
	VMOVUPS      Y5, (CX)(BX*1)
	VMOVUPS      Y6, (CX)(BX*2)
	VMOVUPS      Y4, (R11)(AX*1)
	VMOVUPS      Y8, (R13)(AX*1)
	MOVQ         acc+80(FP), R9
	TESTQ        R9, R9
	JZ           bwdnext
	ADDQ         AX, R9
	VADDPS       (R9), Y7, Y7
	VMOVUPS      Y7, (R9)
	VADDPS       (R9)(BX*1), Y5, Y5
	VMOVUPS      Y5, (R9)(BX*1)
	VADDPS       (R9)(BX*2), Y4, Y4
	VMOVUPS      Y4, (R9)(BX*2)
	ADDQ         BX, R9
	VADDPS       (R9)(BX*2), Y6, Y6
	VMOVUPS      Y6, (R9)(BX*2)

bwdnext:
	ADDQ $32, AX
	CMPQ AX, BX
	JLT  bwdchunk

	LEAQ  (DI)(BX*2), DI
	ADDQ  BX, DI
	ADDQ  BX, R11
	ADDQ  BX, R12
	ADDQ  BX, R13
	LEAQ  (SI)(R10*4), SI
	TESTQ DX, DX
	JZ    bwdrownext
	ADDQ  BX, DX

bwdrownext:
	DECQ R8
	JNZ  bwdrow
	VZEROUPPER
	RET
