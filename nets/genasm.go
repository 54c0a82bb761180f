//go:build ignore

// genasm.go writes gatekernels_amd64.s: go run genasm.go > gatekernels_amd64.s
//
// The exponential, σ and tanh are those of nets/vecmath (same constants, same
// instruction sequence: Cephes expf polynomial in Estrin's scheme), so the
// vector cell kernels agree with the portable path, which calls vecmath, up to
// the fused multiply-adds of the linear parts. Loops that evaluate them
// interleave two vectors: they are bound by the latency of the chains.
package main

import (
	"fmt"
	"os"
	"strings"
)

// Constants (name, float32 bits), each replicated across a 256-bit vector.
var consts = []struct {
	name string
	bits uint32
}{
	{"log2e", 0x3fb8aa3b}, {"ln2hi", 0x3f318000}, {"ln2lo", 0xb95e8083},
	{"p0", 0x39506967}, {"p1", 0x3ab743ce}, {"p2", 0x3c088908},
	{"p3", 0x3d2aa9c1}, {"p4", 0x3e2aaaaa}, {"p5", 0x3f000000},
	{"one", 0x3f800000}, {"two", 0x40000000},
	{"absmask", 0x7fffffff}, {"signmask", 0x80000000}, {"bias", 127},
	{"sigclamp", 0x42d00000},  // 104
	{"tanhclamp", 0x41200000}, // 10
}

func c(name string) string {
	for i, k := range consts {
		if k.name == name {
			return fmt.Sprintf("cellconst<>+%d(SB)", 32*i)
		}
	}
	panic(name)
}

// regs names the seven registers one vector's computation uses.
type regs struct{ v, t1, n, q, r2, x, t6 string }

var (
	setA = regs{"Y0", "Y1", "Y2", "Y3", "Y4", "Y5", "Y6"}
	setB = regs{"Y7", "Y8", "Y9", "Y10", "Y11", "Y12", "Y13"}
)

func expm1Reduced(r regs) []string {
	return []string{
		"VMULPS       " + c("log2e") + ", " + r.v + ", " + r.t1,
		"VROUNDPS     $0, " + r.t1 + ", " + r.t1,
		"VCVTPS2DQ    " + r.t1 + ", " + r.n,
		"VFNMADD231PS " + c("ln2hi") + ", " + r.t1 + ", " + r.v,
		"VFNMADD231PS " + c("ln2lo") + ", " + r.t1 + ", " + r.v,
		"VMULPS       " + r.v + ", " + r.v + ", " + r.r2,
		"VMOVUPS      " + c("p0") + ", " + r.q,
		"VFMADD213PS  " + c("p1") + ", " + r.v + ", " + r.q,
		"VMOVUPS      " + c("p2") + ", " + r.t1,
		"VFMADD213PS  " + c("p3") + ", " + r.v + ", " + r.t1,
		"VMOVUPS      " + c("p4") + ", " + r.t6,
		"VFMADD213PS  " + c("p5") + ", " + r.v + ", " + r.t6,
		"VFMADD213PS  " + r.t1 + ", " + r.r2 + ", " + r.q,
		"VFMADD213PS  " + r.t6 + ", " + r.r2 + ", " + r.q,
		"VFMADD213PS  " + r.v + ", " + r.r2 + ", " + r.q,
	}
}

func scaleParts(r regs) []string {
	return []string{
		"VPSRAD  $1, " + r.n + ", " + r.t1,
		"VPSUBD  " + r.t1 + ", " + r.n + ", " + r.n,
		"VPADDD  " + c("bias") + ", " + r.t1 + ", " + r.t1,
		"VPADDD  " + c("bias") + ", " + r.n + ", " + r.n,
		"VPSLLD  $23, " + r.t1 + ", " + r.t1,
		"VPSLLD  $23, " + r.n + ", " + r.n,
	}
}

func cat(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// sigmoid: r.t6 = σ(r.x). Needs Y14 = 1, Y15 = 104.
func sigmoid(r regs) []string {
	return cat(
		[]string{
			"VANDPS  " + c("absmask") + ", " + r.x + ", " + r.v,
			"VMINPS  " + r.v + ", Y15, " + r.v,
			"VXORPS  " + c("signmask") + ", " + r.v + ", " + r.v,
		},
		expm1Reduced(r),
		[]string{"VADDPS  Y14, " + r.q + ", " + r.q},
		scaleParts(r),
		[]string{
			"VMULPS  " + r.t1 + ", " + r.q + ", " + r.q,
			"VMOVUPS Y14, " + r.r2,
			"VFMADD231PS " + r.n + ", " + r.q + ", " + r.r2,
			"VMULPS  " + r.n + ", " + r.q + ", " + r.v,
			"VBLENDVPS " + r.x + ", " + r.v + ", Y14, " + r.t6,
			"VDIVPS  " + r.r2 + ", " + r.t6 + ", " + r.t6,
		})
}

// tanh: r.q = tanh(r.x). Needs Y14 = 1, Y15 = 10.
func tanh(r regs) []string {
	return cat(
		[]string{
			"VANDPS  " + c("absmask") + ", " + r.x + ", " + r.v,
			"VMINPS  " + r.v + ", Y15, " + r.v,
			"VADDPS  " + r.v + ", " + r.v + ", " + r.v,
			"VXORPS  " + c("signmask") + ", " + r.v + ", " + r.v,
		},
		expm1Reduced(r),
		[]string{
			"VPADDD      " + c("bias") + ", " + r.n + ", " + r.n,
			"VPSLLD      $23, " + r.n + ", " + r.n,
			"VSUBPS      Y14, " + r.n + ", " + r.r2,
			"VFMADD213PS " + r.r2 + ", " + r.n + ", " + r.q,
			"VADDPS      " + c("two") + ", " + r.q + ", " + r.t1,
			"VDIVPS      " + r.t1 + ", " + r.q + ", " + r.q,
			"VANDPS      " + c("absmask") + ", " + r.q + ", " + r.q,
			"VANDPS      " + c("signmask") + ", " + r.x + ", " + r.t6,
			"VORPS       " + r.t6 + ", " + r.q + ", " + r.q,
		})
}

func interleave(a, b []string) []string {
	var out []string
	for i := 0; i < max(len(a), len(b)); i++ {
		if i < len(a) {
			out = append(out, a[i])
		}
		if i < len(b) {
			out = append(out, b[i])
		}
	}
	return out
}

// sigmoidStep: σ in place on the vector at off(DI)(AX*1).
func sigmoidStep(r regs, off int) []string {
	return cat(
		[]string{fmt.Sprintf("VMOVUPS %d(DI)(AX*1), %s", off, r.x)},
		sigmoid(r),
		[]string{fmt.Sprintf("VMOVUPS %s, %d(DI)(AX*1)", r.t6, off)})
}

// outStep: n = tanh(n_in + r·ghn) and h' = (1 - z)·n + z·h for the chunk at
// byte offset off from AX. DI: r, R9: z, DX: n_in then n, R11: ghn, R12: h,
// R13: h'.
func outStep(r regs, off int) []string {
	m := func(base string) string { return fmt.Sprintf("%d(%s)(AX*1)", off, base) }
	return cat(
		[]string{
			"VMOVUPS     " + m("DX") + ", " + r.x,
			"VMOVUPS     " + m("DI") + ", " + r.t1,
			"VFMADD231PS " + m("R11") + ", " + r.t1 + ", " + r.x,
		},
		tanh(r),
		[]string{
			"VMOVUPS     " + m("R9") + ", " + r.t1,
			"VSUBPS      " + r.t1 + ", Y14, " + r.v,
			"VMULPS      " + r.q + ", " + r.v + ", " + r.v,
			"VFMADD231PS " + m("R12") + ", " + r.t1 + ", " + r.v,
			"VMOVUPS     " + r.v + ", " + m("R13"),
			"VMOVUPS     " + r.q + ", " + m("DX"),
		})
}

const header = `// Code generated by genasm.go; DO NOT EDIT.

//go:build amd64 && !purego

#include "textflag.h"

// The fused GRU step kernels; gatekernels.go says what they compute.
`

const fwdPre = `// func gruFwdAVX2(rows, h, in int, x, wihT, bias, blk, gates, ghn, hp, hn *float32)
// rows >= 1, h a positive multiple of 8. Three passes per row over data in
// L1: the pre-activations; σ over [r | z]; then n and h'. Short independent
// iterations let the core overlap the long σ and tanh chains, which one fused
// pass per unit would serialise. For in <= 24, blk holds per 8-unit chunk the
// biases and input weights at fixed offsets (see gruBlock) and each chunk is
// straight-line code; otherwise (blk nil) wihT and bias are read in a loop.
TEXT ·gruFwdAVX2(SB), NOSPLIT, $0-88
	MOVQ rows+0(FP), R8
	MOVQ h+8(FP), BX
	SHLQ $2, BX             // BX = bytes of one gate block (H floats)
	MOVQ x+24(FP), SI
	MOVQ gates+56(FP), DI
	MOVQ ghn+64(FP), R11
	MOVQ hp+72(FP), R12
	MOVQ hn+80(FP), R13
	VMOVUPS ONE, Y14

fwdrow:
	MOVQ in+16(FP), R10
	MOVQ blk+48(FP), R9
	TESTQ R9, R9
	JZ   fwdgeneric
`

// blockedInputs is the most inputs the kernels have unrolled variants for
// (MultiTask has 20, RandomTarget 17); nets.blockedInputs must agree.
const blockedInputs = 24

// inputReg is the register that holds input i in an unrolled variant: the
// first eight are broadcast once per row into Y0..Y7, later ones per chunk
// into two alternating temporaries.
func inputReg(i int, t0, t1 string) string {
	switch {
	case i < 8:
		return fmt.Sprintf("Y%d", i)
	case i%2 == 0:
		return t0
	}
	return t1
}

// preVariant is the pre-activation pass for exactly k inputs: the inputs are
// broadcast once per row (the first eight) or per chunk, and each chunk reads
// its biases and weights from blk at fixed offsets, (4 + 3k)·32 bytes per
// chunk.
func preVariant(k int) string {
	var b strings.Builder
	p := func(f string, a ...any) { fmt.Fprintf(&b, "\t"+f+"\n", a...) }
	fmt.Fprintf(&b, "\nfwdpre%d:\n", k)
	for i := 0; i < min(k, 8); i++ {
		p("VBROADCASTSS %d(SI), Y%d", 4*i, i)
	}
	p("MOVQ blk+48(FP), R9")
	p("XORQ AX, AX")
	fmt.Fprintf(&b, "\nfwdpre%dchunk:\n", k)
	p("LEAQ    (DI)(AX*1), CX")
	p("VMOVUPS (CX), Y8")
	p("VADDPS  0(R9), Y8, Y8")
	p("VMOVUPS (CX)(BX*1), Y9")
	p("VADDPS  32(R9), Y9, Y9")
	p("VMOVUPS 64(R9), Y10")
	p("VMOVUPS (CX)(BX*2), Y11")
	p("VADDPS  96(R9), Y11, Y11")
	for i := 0; i < k; i++ {
		r := inputReg(i, "Y12", "Y13")
		if i >= 8 {
			p("VBROADCASTSS %d(SI), %s", 4*i, r)
		}
		for g := 0; g < 3; g++ {
			p("VFMADD231PS %d(R9), %s, Y%d", 128+96*i+32*g, r, 8+g)
		}
	}
	p("VMOVUPS Y8, (CX)")
	p("VMOVUPS Y9, (CX)(BX*1)")
	p("VMOVUPS Y10, (CX)(BX*2)")
	p("VMOVUPS Y11, (R11)(AX*1)")
	p("ADDQ    $%d, R9", (4+3*k)*32)
	p("ADDQ    $32, AX")
	p("CMPQ    AX, BX")
	p("JLT     fwdpre%dchunk", k)
	p("LEAQ    %d(SI), SI", 4*k)
	p("JMP     fwdsigstart")
	return b.String()
}

const fwdGeneric = `
fwdgeneric:
	MOVQ bias+40(FP), DX
	XORQ AX, AX             // AX = byte offset of the unit chunk

fwdpre:
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

	LEAQ    (DI)(AX*1), CX
	VMOVUPS Y8, (CX)
	VMOVUPS Y9, (CX)(BX*1)
	VMOVUPS Y10, (CX)(BX*2)
	VMOVUPS Y11, (R11)(AX*1)
	ADDQ    $32, AX
	CMPQ    AX, BX
	JLT     fwdpre
	LEAQ    (SI)(R10*4), SI  // next row's inputs

fwdsigstart:
	// σ in place over the 2H values [r | z], two vectors at a time (2H is a
	// multiple of 16).
	VMOVUPS SIGCLAMP, Y15
	XORQ    AX, AX
	LEAQ    (BX)(BX*1), CX

fwdsig:
`

const fwdMid = `	ADDQ $64, AX
	CMPQ AX, CX
	JLT  fwdsig

	// n = tanh(n_in + r·(W_hn h + b_hn)), h' = (1 - z)·n + z·h: pairs of
	// vectors, then an odd one.
	VMOVUPS TANHCLAMP, Y15
	LEAQ    (DI)(BX*1), R9
	LEAQ    (R9)(BX*1), DX
	XORQ    AX, AX
	MOVQ    BX, CX
	ANDQ    $-64, CX
	JZ      fwdodd

fwdout:
`

const fwdEnd = `	ADDQ $64, AX
	CMPQ AX, CX
	JLT  fwdout

fwdodd:
	CMPQ AX, BX
	JGE  fwdnext
`

const fwdTail = `
fwdnext:
	LEAQ (DI)(BX*2), DI
	ADDQ BX, DI
	ADDQ BX, R11
	ADDQ BX, R12
	ADDQ BX, R13
	DECQ R8
	JNZ  fwdrow
	VZEROUPPER
	RET

`

// rnnPre: the tanh-cell pre-activation of the chunk at off(DI)(AX*1) into
// r.x: a + bias + Σ_i x_i·W_ihᵀ[i] (DX: bias, SI: x row, R10: I; clobbers
// R9, CX and r.v).
func rnnPre(rs []regs, offs []int) []string {
	var out []string
	for k, r := range rs {
		out = append(out,
			fmt.Sprintf("VMOVUPS %d(DI)(AX*1), %s", offs[k], r.x),
			fmt.Sprintf("VADDPS  %d(DX)(AX*1), %s, %s", offs[k], r.x, r.x))
	}
	out = append(out, "MOVQ    wihT+32(FP), R9", "ADDQ    AX, R9", "XORQ    CX, CX")
	return out
}

func rnnIn(rs []regs, offs []int, label string) []string {
	out := []string{label + ":", "VBROADCASTSS (SI)(CX*4), Y0"}
	for k, r := range rs {
		out = append(out, fmt.Sprintf("VFMADD231PS %d(R9), Y0, %s", offs[k], r.x))
	}
	return append(out, "ADDQ BX, R9", "INCQ CX", "CMPQ CX, R10", "JLT  "+label)
}

func rnnForward() []string {
	pair := cat(
		rnnPre([]regs{setA, setB}, []int{0, 32}),
		rnnIn([]regs{setA, setB}, []int{0, 32}, "rnnin2"),
		interleave(tanh(setA), tanh(setB)),
		[]string{"VMOVUPS " + setA.q + ", (DI)(AX*1)", "VMOVUPS " + setB.q + ", 32(DI)(AX*1)"})
	odd := cat(
		rnnPre([]regs{setA}, []int{0}),
		rnnIn([]regs{setA}, []int{0}, "rnnin1"),
		tanh(setA),
		[]string{"VMOVUPS " + setA.q + ", (DI)(AX*1)"})
	// With blocked weights and at most 8 inputs: a pre-activation pass with
	// the inputs in registers, then tanh in place, two vectors at a time.
	var blocked []string
	for k := 1; k <= blockedInputs; k++ {
		blocked = append(blocked, fmt.Sprintf("CMPQ R10, $%d", k), fmt.Sprintf("JEQ  rnnpre%d", k))
	}
	blocked = append(blocked, "JMP  rnngeneric")
	for k := 1; k <= blockedInputs; k++ {
		blocked = append(blocked, fmt.Sprintf("rnnpre%d:", k))
		for i := 0; i < min(k, 8); i++ {
			blocked = append(blocked, fmt.Sprintf("VBROADCASTSS %d(SI), Y%d", 4*i, i))
		}
		blocked = append(blocked, "MOVQ blk+48(FP), R9", "XORQ AX, AX", fmt.Sprintf("rnnpre%dchunk:", k),
			"VMOVUPS (DI)(AX*1), Y8", "VADDPS  0(R9), Y8, Y8")
		for i := 0; i < k; i++ {
			r := inputReg(i, "Y9", "Y10")
			if i >= 8 {
				blocked = append(blocked, fmt.Sprintf("VBROADCASTSS %d(SI), %s", 4*i, r))
			}
			blocked = append(blocked, fmt.Sprintf("VFMADD231PS %d(R9), %s, Y8", 32*(i+1), r))
		}
		blocked = append(blocked, "VMOVUPS Y8, (DI)(AX*1)", fmt.Sprintf("ADDQ $%d, R9", 32*(k+1)),
			"ADDQ $32, AX", "CMPQ AX, BX", fmt.Sprintf("JLT  rnnpre%dchunk", k), "JMP  rnntanh")
	}
	tanhStep := func(r regs, off int) []string {
		return cat([]string{fmt.Sprintf("VMOVUPS %d(DI)(AX*1), %s", off, r.x)}, tanh(r),
			[]string{fmt.Sprintf("VMOVUPS %s, %d(DI)(AX*1)", r.q, off)})
	}
	return cat(
		[]string{
			"MOVQ rows+0(FP), R8",
			"MOVQ h+8(FP), BX",
			"SHLQ $2, BX",
			"MOVQ in+16(FP), R10",
			"MOVQ x+24(FP), SI",
			"MOVQ bias+40(FP), DX",
			"MOVQ a+56(FP), DI",
			"VMOVUPS ONE, Y14",
			"VMOVUPS TANHCLAMP, Y15",
			"MOVQ BX, R12",
			"ANDQ $-64, R12",
			"rnnrow:",
			"MOVQ  blk+48(FP), R9",
			"TESTQ R9, R9",
			"JZ    rnngeneric",
		},
		blocked,
		[]string{"rnntanh:", "XORQ AX, AX", "CMPQ R12, $0", "JEQ  rnntodd", "rnntpair:"},
		interleave(tanhStep(setA, 0), tanhStep(setB, 32)),
		[]string{"ADDQ $64, AX", "CMPQ AX, R12", "JLT  rnntpair", "rnntodd:", "CMPQ AX, BX", "JGE  rnnnext"},
		tanhStep(setA, 0),
		[]string{"JMP  rnnnext", "rnngeneric:", "XORQ AX, AX", "CMPQ R12, $0", "JEQ  rnnodd", "rnnpair:"},
		pair,
		[]string{"ADDQ $64, AX", "CMPQ AX, R12", "JLT  rnnpair", "rnnodd:", "CMPQ AX, BX", "JGE  rnnnext"},
		odd,
		[]string{"rnnnext:", "ADDQ BX, DI", "LEAQ (SI)(R10*4), SI", "DECQ R8", "JNZ  rnnrow", "VZEROUPPER", "RET"})
}

func main() {
	var w strings.Builder
	emit := func(lines []string) {
		for _, l := range lines {
			w.WriteString("\t" + l + "\n")
		}
	}
	w.WriteString(header + "\n")
	for i, k := range consts {
		for j := 0; j < 8; j++ {
			fmt.Fprintf(&w, "DATA cellconst<>+%d(SB)/4, $0x%08x\n", 32*i+4*j, k.bits)
		}
	}
	fmt.Fprintf(&w, "GLOBL cellconst<>(SB), RODATA|NOPTR, $%d\n\n", 32*len(consts))
	for _, k := range consts {
		fmt.Fprintf(&w, "#define %s %s\n", strings.ToUpper(k.name), c(k.name))
	}
	w.WriteString("\n")
	w.WriteString(fwdPre)
	for k := 1; k <= blockedInputs; k++ {
		fmt.Fprintf(&w, "\tCMPQ R10, $%d\n\tJEQ  fwdpre%d\n", k, k)
	}
	w.WriteString("\tJMP  fwdgeneric\n")
	for k := 1; k <= blockedInputs; k++ {
		w.WriteString(preVariant(k))
	}
	w.WriteString(fwdGeneric)
	// The two register sets use Y0-Y13; Y14 = 1 and Y15 = the clamp.
	emit(interleave(sigmoidStep(setA, 0), sigmoidStep(setB, 32)))
	w.WriteString(fwdMid)
	emit(interleave(outStep(setA, 0), outStep(setB, 32)))
	w.WriteString(fwdEnd)
	emit(outStep(setA, 0))
	w.WriteString(fwdTail)
	w.WriteString(backward)
	w.WriteString(`// func rnnFwdAVX2(rows, h, in int, x, wihT, bias, blk, a *float32)
// rows >= 1, h a positive multiple of 8: a = tanh(a + bias + x·W_ihᵀ) in
// place, two vectors at a time, then an odd one. blk (in <= 24, may be nil)
// holds per 8-unit chunk the bias and the input weights (rnnBlock).
TEXT ·rnnFwdAVX2(SB), NOSPLIT, $0-64
`)
	for _, l := range rnnForward() {
		if strings.HasSuffix(l, ":") {
			w.WriteString("\n" + l + "\n")
			continue
		}
		w.WriteString("\t" + l + "\n")
	}
	w.WriteString("\n")
	w.WriteString(rnnBackward)
	w.WriteString(denseSmall())
	w.WriteString(mlpKernels)
	for k := 1; k <= 6; k++ {
		w.WriteString(outerAcc(k))
	}
	os.Stdout.WriteString(w.String())
}

// backward is the fused backward kernel; it has no transcendental chains, so
// it is written out directly.
const backward = `// func gruBwdAVX2(rows, h, out int, dh, dlat, dy, wout, gates, ghn, hp, acc *float32)
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
`

// rnnBackward is the fused backward kernel of a tanh cell.
const rnnBackward = `// func rnnBwdAVX2(rows, h, out int, dh, dlat, dy, wout, state, da, acc *float32)
// rows >= 1, h a positive multiple of 8; dlat and acc may be nil.
TEXT ·rnnBwdAVX2(SB), NOSPLIT, $0-80
	MOVQ    rows+0(FP), R8
	MOVQ    h+8(FP), BX
	SHLQ    $2, BX
	MOVQ    out+16(FP), R10
	MOVQ    dh+24(FP), R13
	MOVQ    dlat+32(FP), DX
	MOVQ    dy+40(FP), SI
	MOVQ    state+56(FP), R12
	MOVQ    da+64(FP), DI
	VMOVUPS ONE, Y13

rbrow:
	XORQ AX, AX

rbchunk:
	VMOVUPS (R13)(AX*1), Y8
	TESTQ   DX, DX
	JZ      rbnolat
	VADDPS  (DX)(AX*1), Y8, Y8

rbnolat:
	TESTQ R10, R10
	JZ    rbscale
	MOVQ  wout+48(FP), R9
	ADDQ  AX, R9
	XORQ  CX, CX

rbout:
	VBROADCASTSS (SI)(CX*4), Y6
	VFMADD231PS  (R9), Y6, Y8
	ADDQ         BX, R9
	INCQ         CX
	CMPQ         CX, R10
	JLT          rbout

rbscale:
	VMOVUPS      (R12)(AX*1), Y1
	VMOVAPS      Y13, Y2
	VFNMADD231PS Y1, Y1, Y2     // 1 - h²
	VMULPS       Y2, Y8, Y8
	VMOVUPS      Y8, (DI)(AX*1)
	MOVQ         acc+72(FP), R9
	TESTQ        R9, R9
	JZ           rbnext
	VADDPS       (R9)(AX*1), Y8, Y8
	VMOVUPS      Y8, (R9)(AX*1)

rbnext:
	ADDQ $32, AX
	CMPQ AX, BX
	JLT  rbchunk

	ADDQ  BX, R13
	ADDQ  BX, R12
	ADDQ  BX, DI
	LEAQ  (SI)(R10*4), SI
	TESTQ DX, DX
	JZ    rbrownext
	ADDQ  BX, DX

rbrownext:
	DECQ R8
	JNZ  rbrow
	VZEROUPPER
	RET
`

// mlpKernels are the NODE's element-wise and small-dimension kernels.
const mlpKernels = `
// func biasReluAVX2(rows, n int, bias, x *float32)
// rows >= 1, n a positive multiple of 8: x = max(0, x + bias), NaN kept.
TEXT ·biasReluAVX2(SB), NOSPLIT, $0-32
	MOVQ   rows+0(FP), R8
	MOVQ   n+8(FP), BX
	SHLQ   $2, BX
	MOVQ   bias+16(FP), DX
	MOVQ   x+24(FP), DI
	VXORPS Y15, Y15, Y15

brrow:
	XORQ AX, AX

brchunk:
	VMOVUPS (DI)(AX*1), Y0
	VADDPS  (DX)(AX*1), Y0, Y0
	VMAXPS  Y0, Y15, Y0
	VMOVUPS Y0, (DI)(AX*1)
	ADDQ    $32, AX
	CMPQ    AX, BX
	JLT     brchunk
	ADDQ    BX, DI
	DECQ    R8
	JNZ     brrow
	VZEROUPPER
	RET

// func maskGradAVX2(rows, n int, a, x, acc *float32)
// rows >= 1, n a positive multiple of 8: x = 0 where a <= 0; acc (may be
// nil) += column sums of x.
TEXT ·maskGradAVX2(SB), NOSPLIT, $0-40
	MOVQ   rows+0(FP), R8
	MOVQ   n+8(FP), BX
	SHLQ   $2, BX
	MOVQ   a+16(FP), SI
	MOVQ   x+24(FP), DI
	MOVQ   acc+32(FP), R13
	VXORPS Y15, Y15, Y15

mgrow:
	XORQ AX, AX

mgchunk:
	VMOVUPS (SI)(AX*1), Y2
	VCMPPS  $6, Y15, Y2, Y2
	VANDPS  (DI)(AX*1), Y2, Y0
	VMOVUPS Y0, (DI)(AX*1)
	TESTQ   R13, R13
	JZ      mgnext
	VADDPS  (R13)(AX*1), Y0, Y0
	VMOVUPS Y0, (R13)(AX*1)

mgnext:
	ADDQ $32, AX
	CMPQ AX, BX
	JLT  mgchunk
	ADDQ BX, SI
	ADDQ BX, DI
	DECQ R8
	JNZ  mgrow
	VZEROUPPER
	RET

// func dotsOutAVX2(rows, n, k int, in, w, bias, out *float32, accumulate int)
// rows, n >= 1, k a positive multiple of 8; bias may be nil. out[r][j] =
// (accumulate ? out[r][j] : 0) + bias[j] + in[r]·w[j]: each dot product in
// two accumulators, then a horizontal sum.
TEXT ·dotsOutAVX2(SB), NOSPLIT, $0-64
	MOVQ rows+0(FP), R8
	MOVQ n+8(FP), R10
	MOVQ k+16(FP), R9
	SHLQ $2, R9
	MOVQ in+24(FP), SI
	MOVQ bias+40(FP), DX
	MOVQ out+48(FP), DI
	MOVQ accumulate+56(FP), R13

dorow:
	MOVQ w+32(FP), R11
	XORQ CX, CX

doout:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	XORQ   AX, AX
	MOVQ   R9, R12
	ANDQ   $-64, R12
	JZ     dosingle

dopair:
	VMOVUPS     (SI)(AX*1), Y2
	VMOVUPS     32(SI)(AX*1), Y3
	VFMADD231PS (R11)(AX*1), Y2, Y0
	VFMADD231PS 32(R11)(AX*1), Y3, Y1
	ADDQ        $64, AX
	CMPQ        AX, R12
	JLT         dopair

dosingle:
	CMPQ        AX, R9
	JGE         dosum
	VMOVUPS     (SI)(AX*1), Y2
	VFMADD231PS (R11)(AX*1), Y2, Y0

dosum:
	VADDPS       Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VPERMILPS    $0x4e, X0, X1
	VADDPS       X1, X0, X0
	VPERMILPS    $0xb1, X0, X1
	VADDSS       X1, X0, X0
	TESTQ        DX, DX
	JZ           donobias
	VADDSS       (DX)(CX*4), X0, X0

donobias:
	TESTQ  R13, R13
	JZ     dostore
	VADDSS (DI)(CX*4), X0, X0

dostore:
	VMOVSS X0, (DI)(CX*4)
	ADDQ   R9, R11
	INCQ   CX
	CMPQ   CX, R10
	JLT    doout

	ADDQ R9, SI
	LEAQ (DI)(R10*4), DI
	DECQ R8
	JNZ  dorow
	VZEROUPPER
	RET
`

// outerAcc returns outerAccK<k>: acc (k×n) += uᵀ·v over rows rows, u rows k
// wide (stride ldu floats), v rows n wide (stride ldv), n a positive multiple
// of 16. For each 16-column block the k×16 accumulators stay in registers
// (Y0-Y11) over all rows: two loads, k broadcasts and 2k FMAs per row.
func outerAcc(k int) string {
	var b strings.Builder
	p := func(f string, a ...any) { fmt.Fprintf(&b, "\t"+f+"\n", a...) }
	// Row i of the accumulator block: base register and index.
	addr := func(i int) string {
		return [...]string{"(R12)", "(R12)(BX*1)", "(R13)", "(R13)(BX*1)", "(R9)", "(R9)(BX*1)"}[i]
	}
	fmt.Fprintf(&b, "\n// func outerAccK%d(rows, n int, u *float32, ldu int, v *float32, ldv int, acc *float32)\n", k)
	fmt.Fprintf(&b, "TEXT ·outerAccK%d(SB), NOSPLIT, $0-56\n", k)
	p("MOVQ n+8(FP), BX")
	p("SHLQ $2, BX")
	p("MOVQ ldu+24(FP), R10")
	p("SHLQ $2, R10")
	p("MOVQ ldv+40(FP), R11")
	p("SHLQ $2, R11")
	p("XORQ AX, AX")
	fmt.Fprintf(&b, "\noa%dblock:\n", k)
	p("MOVQ acc+48(FP), R12")
	p("ADDQ AX, R12")
	p("LEAQ (R12)(BX*2), R13")
	p("LEAQ (R13)(BX*2), R9")
	for i := 0; i < k; i++ {
		p("VMOVUPS %s, Y%d", addr(i), 2*i)
		p("VMOVUPS 32%s, Y%d", addr(i), 2*i+1)
	}
	p("MOVQ u+16(FP), SI")
	p("MOVQ v+32(FP), DX")
	p("ADDQ AX, DX")
	p("MOVQ rows+0(FP), CX")
	fmt.Fprintf(&b, "\noa%drow:\n", k)
	p("VMOVUPS (DX), Y12")
	p("VMOVUPS 32(DX), Y13")
	for i := 0; i < k; i++ {
		p("VBROADCASTSS %d(SI), Y14", 4*i)
		p("VFMADD231PS Y12, Y14, Y%d", 2*i)
		p("VFMADD231PS Y13, Y14, Y%d", 2*i+1)
	}
	p("ADDQ R10, SI")
	p("ADDQ R11, DX")
	p("DECQ CX")
	p("JNZ  oa%drow", k)
	for i := 0; i < k; i++ {
		p("VMOVUPS Y%d, %s", 2*i, addr(i))
		p("VMOVUPS Y%d, 32%s", 2*i+1, addr(i))
	}
	p("ADDQ $64, AX")
	p("CMPQ AX, BX")
	p("JLT  oa%dblock", k)
	p("VZEROUPPER")
	p("RET")
	return b.String()
}

// denseSmall returns denseSmallAVX2. For k <= 24 with blocked weights (blk:
// per 8-column chunk, the k weight vectors in a row) each chunk is k FMAs at
// fixed offsets, the first eight inputs broadcast once per row; otherwise a
// loop reads wT (k×n) with a stride.
func denseSmall() string {
	var b strings.Builder
	p := func(f string, a ...any) { fmt.Fprintf(&b, "\t"+f+"\n", a...) }
	l := func(name string) { fmt.Fprintf(&b, "\n%s:\n", name) }
	// tail: activation, mask, store and column sums of Y0 for the chunk at AX.
	tail := func(sfx string) {
		p("TESTQ  R11, R11")
		p("JZ     dsnorelu%s", sfx)
		p("VMAXPS Y0, Y15, Y0")
		l("dsnorelu" + sfx)
		p("TESTQ   R12, R12")
		p("JZ      dsnomask%s", sfx)
		p("VMOVUPS (R12)(AX*1), Y2")
		p("VCMPPS  $6, Y15, Y2, Y2")
		p("VANDPS  Y2, Y0, Y0")
		l("dsnomask" + sfx)
		p("VMOVUPS Y0, (DI)(AX*1)")
		p("TESTQ   R13, R13")
		p("JZ      dsnext%s", sfx)
		p("VADDPS  (R13)(AX*1), Y0, Y0")
		p("VMOVUPS Y0, (R13)(AX*1)")
		l("dsnext" + sfx)
	}
	bias := func(sfx string) {
		p("VXORPS Y0, Y0, Y0")
		p("TESTQ  DX, DX")
		p("JZ     dsnobias%s", sfx)
		p("VMOVUPS (DX)(AX*1), Y0")
		l("dsnobias" + sfx)
	}
	b.WriteString(`
// func denseSmallAVX2(rows, n, k int, in, wT, blk, bias, mask, out, acc *float32, relu int)
// rows, k >= 1, n a positive multiple of 8; blk, bias, mask and acc may be
// nil. out = act(bias + in·wT); relu: max(0, ·) keeping NaN; mask: zero where
// mask <= 0 (!(mask <= 0) keeps, as the portable code); acc += column sums.
TEXT ·denseSmallAVX2(SB), NOSPLIT, $0-88
`)
	p("MOVQ   rows+0(FP), R8")
	p("MOVQ   n+8(FP), BX")
	p("SHLQ   $2, BX")
	p("MOVQ   k+16(FP), R10")
	p("MOVQ   in+24(FP), SI")
	p("MOVQ   bias+48(FP), DX")
	p("MOVQ   mask+56(FP), R12")
	p("MOVQ   out+64(FP), DI")
	p("MOVQ   acc+72(FP), R13")
	p("MOVQ   relu+80(FP), R11")
	p("VXORPS Y15, Y15, Y15")
	l("dsrow")
	p("MOVQ  blk+40(FP), R9")
	p("TESTQ R9, R9")
	p("JZ    dsgen")
	for k := 1; k <= blockedInputs; k++ {
		p("CMPQ R10, $%d", k)
		p("JEQ  ds%d", k)
	}
	l("dsgen")
	p("XORQ AX, AX")
	l("dsgenchunk")
	bias("g")
	p("MOVQ wT+32(FP), R9")
	p("ADDQ AX, R9")
	p("XORQ CX, CX")
	l("dsin")
	p("VBROADCASTSS (SI)(CX*4), Y1")
	p("VFMADD231PS  (R9), Y1, Y0")
	p("ADDQ         BX, R9")
	p("INCQ         CX")
	p("CMPQ         CX, R10")
	p("JLT          dsin")
	tail("g")
	p("ADDQ $32, AX")
	p("CMPQ AX, BX")
	p("JLT  dsgenchunk")
	p("JMP  dsrowend")
	for k := 1; k <= blockedInputs; k++ {
		sfx := fmt.Sprint(k)
		l("ds" + sfx)
		for i := 0; i < min(k, 8); i++ {
			p("VBROADCASTSS %d(SI), Y%d", 4*i, 3+i)
		}
		p("XORQ AX, AX")
		l("ds" + sfx + "chunk")
		bias(sfx)
		for i := 0; i < k; i++ {
			r := fmt.Sprintf("Y%d", 3+i)
			if i >= 8 {
				r = inputReg(i, "Y11", "Y12")
				p("VBROADCASTSS %d(SI), %s", 4*i, r)
			}
			p("VFMADD231PS %d(R9), %s, Y0", 32*i, r)
		}
		tail(sfx)
		p("ADDQ $%d, R9", 32*k)
		p("ADDQ $32, AX")
		p("CMPQ AX, BX")
		p("JLT  ds%schunk", sfx)
		p("JMP  dsrowend")
	}
	l("dsrowend")
	p("ADDQ  BX, DI")
	p("LEAQ  (SI)(R10*4), SI")
	p("TESTQ R12, R12")
	p("JZ    dsrownext")
	p("ADDQ  BX, R12")
	l("dsrownext")
	p("DECQ R8")
	p("JNZ  dsrow")
	p("VZEROUPPER")
	p("RET")
	return b.String()
}
