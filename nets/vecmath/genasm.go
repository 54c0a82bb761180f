//go:build ignore

// genasm.go writes vecmath_amd64.s: go run genasm.go > vecmath_amd64.s
//
// The kernels interleave two independent vectors instruction by instruction,
// which is easier to generate than to keep consistent by hand.
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
	// Cephes expf: exp(r) = 1 + r + r²·P(r), P(r) = p0·r⁵ + ... + p5.
	{"p0", 0x39506967}, {"p1", 0x3ab743ce}, {"p2", 0x3c088908},
	{"p3", 0x3d2aa9c1}, {"p4", 0x3e2aaaaa}, {"p5", 0x3f000000},
	{"one", 0x3f800000}, {"two", 0x40000000},
	{"absmask", 0x7fffffff}, {"signmask", 0x80000000}, {"bias", 127},
	{"sigclamp", 0x42d00000},  // 104
	{"tanhclamp", 0x41200000}, // 10
	{"exphi", 0x42b20000},     // 89
	{"explo", 0xc2d00000},     // -104
}

func c(name string) string {
	for i, k := range consts {
		if k.name == name {
			return fmt.Sprintf("vconst<>+%d(SB)", 32*i)
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

// expm1Reduced: v (clamped) -> n (int32 exponent) and q = expm1(r).
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

// scaleParts: n -> t1 = 2^(n>>1), n = 2^(n-(n>>1)) as float bits.
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

func bodyExp(r regs, off int) []string {
	return cat(
		[]string{
			fmt.Sprintf("VMOVUPS %d(SI), %s", off, r.x),
			"VMINPS  " + r.x + ", Y15, " + r.v,
			"VMAXPS  " + r.v + ", Y14, " + r.v,
		},
		expm1Reduced(r),
		[]string{"VADDPS  " + c("one") + ", " + r.q + ", " + r.q},
		scaleParts(r),
		[]string{
			"VMULPS  " + r.t1 + ", " + r.q + ", " + r.q,
			"VMULPS  " + r.n + ", " + r.q + ", " + r.v,
			fmt.Sprintf("VMOVUPS %s, %d(DI)", r.v, off),
		})
}

func bodySigmoid(r regs, off int) []string {
	return cat(
		[]string{
			fmt.Sprintf("VMOVUPS %d(SI), %s", off, r.x),
			"VANDPS  " + c("absmask") + ", " + r.x + ", " + r.v,
			"VMINPS  " + r.v + ", Y15, " + r.v,
			"VXORPS  " + c("signmask") + ", " + r.v + ", " + r.v,
		},
		expm1Reduced(r),
		[]string{"VADDPS  Y14, " + r.q + ", " + r.q},
		scaleParts(r),
		[]string{
			"VMULPS  " + r.t1 + ", " + r.q + ", " + r.q, // (1+q)·s1
			"VMOVUPS Y14, " + r.r2,
			"VFMADD231PS " + r.n + ", " + r.q + ", " + r.r2,    // 1 + e
			"VMULPS  " + r.n + ", " + r.q + ", " + r.v,         // e
			"VBLENDVPS " + r.x + ", " + r.v + ", Y14, " + r.t6, // x < 0 ? e : 1
			"VDIVPS  " + r.r2 + ", " + r.t6 + ", " + r.t6,
			fmt.Sprintf("VMOVUPS %s, %d(DI)", r.t6, off),
		})
}

func bodyTanh(r regs, off int) []string {
	return cat(
		[]string{
			fmt.Sprintf("VMOVUPS %d(SI), %s", off, r.x),
			"VANDPS  " + c("absmask") + ", " + r.x + ", " + r.v,
			"VMINPS  " + r.v + ", Y15, " + r.v,
			"VADDPS  " + r.v + ", " + r.v + ", " + r.v,
			"VXORPS  " + c("signmask") + ", " + r.v + ", " + r.v,
		},
		expm1Reduced(r),
		[]string{
			"VPADDD      " + c("bias") + ", " + r.n + ", " + r.n,
			"VPSLLD      $23, " + r.n + ", " + r.n,          // 2^n
			"VSUBPS      Y14, " + r.n + ", " + r.r2,         // 2^n - 1
			"VFMADD213PS " + r.r2 + ", " + r.n + ", " + r.q, // m
			"VADDPS      " + c("two") + ", " + r.q + ", " + r.t1,
			"VDIVPS      " + r.t1 + ", " + r.q + ", " + r.q, // m/(2+m) = -tanh|x|
			"VANDPS      " + c("absmask") + ", " + r.q + ", " + r.q,
			"VANDPS      " + c("signmask") + ", " + r.x + ", " + r.t6,
			"VORPS       " + r.t6 + ", " + r.q + ", " + r.q,
			fmt.Sprintf("VMOVUPS     %s, %d(DI)", r.q, off),
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

func fn(w *strings.Builder, doc, name string, body func(regs, int) []string, setup ...string) {
	emit := func(lines []string) {
		for _, l := range lines {
			w.WriteString("\t" + l + "\n")
		}
	}
	w.WriteString(doc + "\n")
	fmt.Fprintf(w, "TEXT ·%s(SB), NOSPLIT, $0-24\n", name)
	emit([]string{"MOVQ dst+0(FP), DI", "MOVQ x+8(FP), SI", "MOVQ n+16(FP), CX"})
	emit(setup)
	emit([]string{"MOVQ CX, DX", "SHRQ $4, DX", "JZ   one"})
	w.WriteString("\ntwo:\n")
	emit(interleave(body(setA, 0), body(setB, 32)))
	emit([]string{"ADDQ $64, SI", "ADDQ $64, DI", "DECQ DX", "JNZ  two"})
	w.WriteString("\none:\n")
	emit([]string{"TESTQ $8, CX", "JZ    done"})
	emit(body(setA, 0))
	w.WriteString("\ndone:\n")
	emit([]string{"VZEROUPPER", "RET"})
	w.WriteString("\n")
}

const header = `// Code generated by genasm.go; DO NOT EDIT.

//go:build !purego

#include "textflag.h"

// AVX2+FMA kernels for Exp, Sigmoid and Tanh, eight lanes per vector and two
// vectors interleaved per loop iteration (n multiple of 8; an odd 8 at the
// end runs alone). The loops are bound by the latency of their dependency
// chains more than by port throughput, so the chain is kept short: Estrin's
// scheme for the polynomial, VROUNDPS feeding the reduction while VCVTPS2DQ
// makes the integer exponent on the side, two independent vectors in flight.
//
// Shared core, for v in [-104, 89]: n = round(v·log2e), r = v - n·ln2 (two
// FMAs with a Cody-Waite split of ln2), and q = expm1(r) = r + r²·P(r) with
// P = ((p0·r + p1)·r² + (p2·r + p3))·r² + (p4·r + p5), the degree-5
// polynomial of Cephes expf (about 1 ulp on |r| <= ln2/2).
// exp(v) = 2^n·(1 + q), with 2^n applied as 2^(n>>1)·2^(n-(n>>1)) so that
// overflow gives +Inf and subnormal results are rounded once.
`

func main() {
	var w strings.Builder
	w.WriteString(header + "\n")
	for i, k := range consts {
		for j := 0; j < 8; j++ {
			fmt.Fprintf(&w, "DATA vconst<>+%d(SB)/4, $0x%08x\n", 32*i+4*j, k.bits)
		}
	}
	fmt.Fprintf(&w, "GLOBL vconst<>(SB), RODATA|NOPTR, $%d\n\n", 32*len(consts))
	fn(&w, `// func expAVX2(dst, x *float32, n int)
// x is clamped to [-104, 89] with x as the second operand of VMINPS/VMAXPS,
// so NaN passes through.`, "expAVX2", bodyExp, "VMOVUPS "+c("exphi")+", Y15", "VMOVUPS "+c("explo")+", Y14")
	fn(&w, `// func sigmoidAVX2(dst, x *float32, n int)
// With e = exp(-min(|x|, 104)), which cannot overflow, sigmoid(x) = 1/(1+e)
// for x >= 0 and e/(1+e) for x < 0: one division either way, so large
// negative x keeps full relative accuracy down to the subnormals. 1+e comes
// from an FMA on the last scaling step.`, "sigmoidAVX2", bodySigmoid, "VMOVUPS "+c("sigclamp")+", Y15", "VMOVUPS "+c("one")+", Y14")
	fn(&w, `// func tanhAVX2(dst, x *float32, n int)
// With v = -2·min(|x|, 10) (tanh(10) rounds to 1), m = expm1(v) =
// 2^n·q + (2^n - 1) is free of the cancellation of 1 - e^v near 0 (2^n, n in
// [-29, 0], is a normal number built directly) and tanh(|x|) = -m/(2+m); the
// sign of x is then put back.`, "tanhAVX2", bodyTanh, "VMOVUPS "+c("tanhclamp")+", Y15", "VMOVUPS "+c("one")+", Y14")
	os.Stdout.WriteString(w.String())
}
