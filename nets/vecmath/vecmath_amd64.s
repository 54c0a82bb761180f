//go:build !purego

#include "textflag.h"

// Constants, each replicated across a 256-bit vector so that they can be
// memory operands. The exp polynomial is Cephes expf's: on |r| <= ln2/2,
// exp(r) = 1 + r + r²·P(r) with P of degree 5 (error about 1 ulp).
DATA vconst<>+0(SB)/4, $0x3fb8aa3b
DATA vconst<>+4(SB)/4, $0x3fb8aa3b
DATA vconst<>+8(SB)/4, $0x3fb8aa3b
DATA vconst<>+12(SB)/4, $0x3fb8aa3b
DATA vconst<>+16(SB)/4, $0x3fb8aa3b
DATA vconst<>+20(SB)/4, $0x3fb8aa3b
DATA vconst<>+24(SB)/4, $0x3fb8aa3b
DATA vconst<>+28(SB)/4, $0x3fb8aa3b
DATA vconst<>+32(SB)/4, $0x3f318000
DATA vconst<>+36(SB)/4, $0x3f318000
DATA vconst<>+40(SB)/4, $0x3f318000
DATA vconst<>+44(SB)/4, $0x3f318000
DATA vconst<>+48(SB)/4, $0x3f318000
DATA vconst<>+52(SB)/4, $0x3f318000
DATA vconst<>+56(SB)/4, $0x3f318000
DATA vconst<>+60(SB)/4, $0x3f318000
DATA vconst<>+64(SB)/4, $0xb95e8083
DATA vconst<>+68(SB)/4, $0xb95e8083
DATA vconst<>+72(SB)/4, $0xb95e8083
DATA vconst<>+76(SB)/4, $0xb95e8083
DATA vconst<>+80(SB)/4, $0xb95e8083
DATA vconst<>+84(SB)/4, $0xb95e8083
DATA vconst<>+88(SB)/4, $0xb95e8083
DATA vconst<>+92(SB)/4, $0xb95e8083
DATA vconst<>+96(SB)/4, $0x39506967
DATA vconst<>+100(SB)/4, $0x39506967
DATA vconst<>+104(SB)/4, $0x39506967
DATA vconst<>+108(SB)/4, $0x39506967
DATA vconst<>+112(SB)/4, $0x39506967
DATA vconst<>+116(SB)/4, $0x39506967
DATA vconst<>+120(SB)/4, $0x39506967
DATA vconst<>+124(SB)/4, $0x39506967
DATA vconst<>+128(SB)/4, $0x3ab743ce
DATA vconst<>+132(SB)/4, $0x3ab743ce
DATA vconst<>+136(SB)/4, $0x3ab743ce
DATA vconst<>+140(SB)/4, $0x3ab743ce
DATA vconst<>+144(SB)/4, $0x3ab743ce
DATA vconst<>+148(SB)/4, $0x3ab743ce
DATA vconst<>+152(SB)/4, $0x3ab743ce
DATA vconst<>+156(SB)/4, $0x3ab743ce
DATA vconst<>+160(SB)/4, $0x3c088908
DATA vconst<>+164(SB)/4, $0x3c088908
DATA vconst<>+168(SB)/4, $0x3c088908
DATA vconst<>+172(SB)/4, $0x3c088908
DATA vconst<>+176(SB)/4, $0x3c088908
DATA vconst<>+180(SB)/4, $0x3c088908
DATA vconst<>+184(SB)/4, $0x3c088908
DATA vconst<>+188(SB)/4, $0x3c088908
DATA vconst<>+192(SB)/4, $0x3d2aa9c1
DATA vconst<>+196(SB)/4, $0x3d2aa9c1
DATA vconst<>+200(SB)/4, $0x3d2aa9c1
DATA vconst<>+204(SB)/4, $0x3d2aa9c1
DATA vconst<>+208(SB)/4, $0x3d2aa9c1
DATA vconst<>+212(SB)/4, $0x3d2aa9c1
DATA vconst<>+216(SB)/4, $0x3d2aa9c1
DATA vconst<>+220(SB)/4, $0x3d2aa9c1
DATA vconst<>+224(SB)/4, $0x3e2aaaaa
DATA vconst<>+228(SB)/4, $0x3e2aaaaa
DATA vconst<>+232(SB)/4, $0x3e2aaaaa
DATA vconst<>+236(SB)/4, $0x3e2aaaaa
DATA vconst<>+240(SB)/4, $0x3e2aaaaa
DATA vconst<>+244(SB)/4, $0x3e2aaaaa
DATA vconst<>+248(SB)/4, $0x3e2aaaaa
DATA vconst<>+252(SB)/4, $0x3e2aaaaa
DATA vconst<>+256(SB)/4, $0x3f000000
DATA vconst<>+260(SB)/4, $0x3f000000
DATA vconst<>+264(SB)/4, $0x3f000000
DATA vconst<>+268(SB)/4, $0x3f000000
DATA vconst<>+272(SB)/4, $0x3f000000
DATA vconst<>+276(SB)/4, $0x3f000000
DATA vconst<>+280(SB)/4, $0x3f000000
DATA vconst<>+284(SB)/4, $0x3f000000
DATA vconst<>+288(SB)/4, $0x3f800000
DATA vconst<>+292(SB)/4, $0x3f800000
DATA vconst<>+296(SB)/4, $0x3f800000
DATA vconst<>+300(SB)/4, $0x3f800000
DATA vconst<>+304(SB)/4, $0x3f800000
DATA vconst<>+308(SB)/4, $0x3f800000
DATA vconst<>+312(SB)/4, $0x3f800000
DATA vconst<>+316(SB)/4, $0x3f800000
DATA vconst<>+320(SB)/4, $0x40000000
DATA vconst<>+324(SB)/4, $0x40000000
DATA vconst<>+328(SB)/4, $0x40000000
DATA vconst<>+332(SB)/4, $0x40000000
DATA vconst<>+336(SB)/4, $0x40000000
DATA vconst<>+340(SB)/4, $0x40000000
DATA vconst<>+344(SB)/4, $0x40000000
DATA vconst<>+348(SB)/4, $0x40000000
DATA vconst<>+352(SB)/4, $0x7fffffff
DATA vconst<>+356(SB)/4, $0x7fffffff
DATA vconst<>+360(SB)/4, $0x7fffffff
DATA vconst<>+364(SB)/4, $0x7fffffff
DATA vconst<>+368(SB)/4, $0x7fffffff
DATA vconst<>+372(SB)/4, $0x7fffffff
DATA vconst<>+376(SB)/4, $0x7fffffff
DATA vconst<>+380(SB)/4, $0x7fffffff
DATA vconst<>+384(SB)/4, $0x80000000
DATA vconst<>+388(SB)/4, $0x80000000
DATA vconst<>+392(SB)/4, $0x80000000
DATA vconst<>+396(SB)/4, $0x80000000
DATA vconst<>+400(SB)/4, $0x80000000
DATA vconst<>+404(SB)/4, $0x80000000
DATA vconst<>+408(SB)/4, $0x80000000
DATA vconst<>+412(SB)/4, $0x80000000
DATA vconst<>+416(SB)/4, $0x0000007f
DATA vconst<>+420(SB)/4, $0x0000007f
DATA vconst<>+424(SB)/4, $0x0000007f
DATA vconst<>+428(SB)/4, $0x0000007f
DATA vconst<>+432(SB)/4, $0x0000007f
DATA vconst<>+436(SB)/4, $0x0000007f
DATA vconst<>+440(SB)/4, $0x0000007f
DATA vconst<>+444(SB)/4, $0x0000007f
DATA vconst<>+448(SB)/4, $0x42d00000
DATA vconst<>+452(SB)/4, $0x42d00000
DATA vconst<>+456(SB)/4, $0x42d00000
DATA vconst<>+460(SB)/4, $0x42d00000
DATA vconst<>+464(SB)/4, $0x42d00000
DATA vconst<>+468(SB)/4, $0x42d00000
DATA vconst<>+472(SB)/4, $0x42d00000
DATA vconst<>+476(SB)/4, $0x42d00000
DATA vconst<>+480(SB)/4, $0x41200000
DATA vconst<>+484(SB)/4, $0x41200000
DATA vconst<>+488(SB)/4, $0x41200000
DATA vconst<>+492(SB)/4, $0x41200000
DATA vconst<>+496(SB)/4, $0x41200000
DATA vconst<>+500(SB)/4, $0x41200000
DATA vconst<>+504(SB)/4, $0x41200000
DATA vconst<>+508(SB)/4, $0x41200000
DATA vconst<>+512(SB)/4, $0x42b20000
DATA vconst<>+516(SB)/4, $0x42b20000
DATA vconst<>+520(SB)/4, $0x42b20000
DATA vconst<>+524(SB)/4, $0x42b20000
DATA vconst<>+528(SB)/4, $0x42b20000
DATA vconst<>+532(SB)/4, $0x42b20000
DATA vconst<>+536(SB)/4, $0x42b20000
DATA vconst<>+540(SB)/4, $0x42b20000
DATA vconst<>+544(SB)/4, $0xc2d00000
DATA vconst<>+548(SB)/4, $0xc2d00000
DATA vconst<>+552(SB)/4, $0xc2d00000
DATA vconst<>+556(SB)/4, $0xc2d00000
DATA vconst<>+560(SB)/4, $0xc2d00000
DATA vconst<>+564(SB)/4, $0xc2d00000
DATA vconst<>+568(SB)/4, $0xc2d00000
DATA vconst<>+572(SB)/4, $0xc2d00000
GLOBL vconst<>(SB), RODATA|NOPTR, $576

#define LOG2E vconst<>+0(SB)
#define LN2HI vconst<>+32(SB)
#define LN2LO vconst<>+64(SB)
#define P0 vconst<>+96(SB)
#define P1 vconst<>+128(SB)
#define P2 vconst<>+160(SB)
#define P3 vconst<>+192(SB)
#define P4 vconst<>+224(SB)
#define P5 vconst<>+256(SB)
#define ONE vconst<>+288(SB)
#define TWO vconst<>+320(SB)
#define ABSMASK vconst<>+352(SB)
#define SIGNMASK vconst<>+384(SB)
#define BIAS vconst<>+416(SB)
#define SIGCLAMP vconst<>+448(SB)
#define TANHCLAMP vconst<>+480(SB)
#define EXPHI vconst<>+512(SB)
#define EXPLO vconst<>+544(SB)

// EXPM1_REDUCED: Y0 = v (finite, |v| <= 104). Leaves n = round(v·log2e) as
// int32 in Y2 and q = expm1(r), r = v - n·ln2, in Y3 (so exp(v) = 2^n·(1+q)).
// Clobbers Y0, Y1, Y4.
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

// EXP_CORE: Y0 = exp(Y0) for -104 <= Y0 <= 89 (or NaN). 2^n is applied as
// 2^(n>>1)·2^(n-(n>>1)) so that results that overflow become +Inf and those
// in the subnormal range are rounded once, correctly scaled.
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

// func expAVX2(dst, x *float32, n int)
// n is a positive multiple of 8.
TEXT ·expAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	VMOVUPS EXPHI, Y15
	VMOVUPS EXPLO, Y14

exploop:
	VMOVUPS (SI), Y5
	// Clamp with x as the second source so that NaN passes through.
	VMINPS  Y5, Y15, Y0
	VMAXPS  Y0, Y14, Y0
	EXP_CORE
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     exploop
	VZEROUPPER
	RET

// func sigmoidAVX2(dst, x *float32, n int)
// n is a positive multiple of 8. With e = exp(-|x|) (which cannot overflow),
// sigmoid(x) = 1/(1+e) for x >= 0 and e/(1+e) for x < 0: one division each,
// so large negative x keeps full relative accuracy down to the subnormals.
TEXT ·sigmoidAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	VMOVUPS SIGCLAMP, Y15
	VMOVUPS ONE, Y14

sigloop:
	VMOVUPS (SI), Y5
	VANDPS  ABSMASK, Y5, Y0
	VMINPS  Y0, Y15, Y0
	VXORPS  SIGNMASK, Y0, Y0
	EXP_CORE
	VADDPS    Y14, Y0, Y1
	VBLENDVPS Y5, Y0, Y14, Y2
	VDIVPS    Y1, Y2, Y2
	VMOVUPS   Y2, (DI)
	ADDQ      $32, SI
	ADDQ      $32, DI
	DECQ      CX
	JNZ       sigloop
	VZEROUPPER
	RET

// func tanhAVX2(dst, x *float32, n int)
// n is a positive multiple of 8. With m = expm1(-2|x|) (computed without
// cancellation as 2^n·q + (2^n - 1)), tanh(|x|) = -m/(2+m); the sign of x is
// then put back. |x| is clamped to 10, where tanh already rounds to 1.
TEXT ·tanhAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	VMOVUPS TANHCLAMP, Y15
	VMOVUPS ONE, Y14

tanhloop:
	VMOVUPS (SI), Y5
	VANDPS  ABSMASK, Y5, Y0
	VMINPS  Y0, Y15, Y0
	VADDPS  Y0, Y0, Y0
	VXORPS  SIGNMASK, Y0, Y0
	EXPM1_REDUCED
	// 2^n for n in [-29, 0] is a normal number: build it directly.
	VPADDD      BIAS, Y2, Y2
	VPSLLD      $23, Y2, Y2
	VSUBPS      Y14, Y2, Y4
	VFMADD213PS Y4, Y2, Y3
	VADDPS      TWO, Y3, Y1
	VDIVPS      Y1, Y3, Y3
	VANDPS      ABSMASK, Y3, Y3
	VANDPS      SIGNMASK, Y5, Y6
	VORPS       Y6, Y3, Y3
	VMOVUPS     Y3, (DI)
	ADDQ        $32, SI
	ADDQ        $32, DI
	DECQ        CX
	JNZ         tanhloop
	VZEROUPPER
	RET
