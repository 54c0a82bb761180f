// Package asmgen is what the assembly generators of nets and nets/vecmath
// (nets/genasm.go, nets/genlstm.go and nets/vecmath/genasm.go, run by go
// generate) share: the float32 exponential, σ and tanh as instruction
// sequences, and the table of constants they read. One emitter keeps the
// vector cell kernels of nets and the vector functions of vecmath
// numerically identical, which the portable code paths rely on (they call
// vecmath).
//
// Every sequence comes in two widths: AVX2 (eight lanes in Y registers, VEX
// encodings) and AVX-512 (sixteen lanes in Z registers, EVEX encodings using
// only AVX-512F, so the 512-bit kernels need no DQ). The instructions are the
// same operations in the same order, so both widths give bit-identical
// results lane by lane.
//
// The sequences return one instruction per string, without the leading tab;
// Interleave merges two independent sequences instruction by instruction
// (the loops are bound by the latency of these chains, not by throughput).
package asmgen

import (
	"fmt"
	"strings"
)

// ISA selects the vector width and the encodings.
type ISA int

const (
	AVX2   ISA = iota // 256-bit Y registers, AVX2+FMA
	AVX512            // 512-bit Z registers, AVX-512F
)

// Bytes is the width of one vector in bytes.
func (i ISA) Bytes() int {
	if i == AVX512 {
		return 64
	}
	return 32
}

// Lanes is the number of float32 values in one vector.
func (i ISA) Lanes() int { return i.Bytes() / 4 }

// Reg names vector register n (Y0..Y15, or Z0..Z31).
func (i ISA) Reg(n int) string {
	if i == AVX512 {
		return fmt.Sprintf("Z%d", n)
	}
	return fmt.Sprintf("Y%d", n)
}

// Suffix is "" for AVX2 and "512" for AVX-512: generated function names and
// labels append it.
func (i ISA) Suffix() string {
	if i == AVX512 {
		return "512"
	}
	return ""
}

// Const is one float32 constant of the kernels, by its bit pattern.
type Const struct {
	Name string
	Bits uint32
}

// Core are the constants of the shared sequences.
var Core = []Const{
	{"log2e", 0x3fb8aa3b}, {"ln2hi", 0x3f318000}, {"ln2lo", 0xb95e8083},
	// Cephes expf: exp(r) = 1 + r + r²·P(r), P(r) = p0·r⁵ + ... + p5.
	{"p0", 0x39506967}, {"p1", 0x3ab743ce}, {"p2", 0x3c088908},
	{"p3", 0x3d2aa9c1}, {"p4", 0x3e2aaaaa}, {"p5", 0x3f000000},
	{"one", 0x3f800000}, {"two", 0x40000000},
	{"absmask", 0x7fffffff}, {"signmask", 0x80000000}, {"bias", 127},
	{"sigclamp", 0x42d00000},  // 104
	{"tanhclamp", 0x41200000}, // 10
}

// ExpClamps are the clamps of a plain exponential (Exp).
var ExpClamps = []Const{
	{"exphi", 0x42b20000}, // 89
	{"explo", 0xc2d00000}, // -104
}

// Table is a read-only table of constants in a generated file, each constant
// replicated across one vector of the ISA.
type Table struct {
	Sym    string // the symbol, e.g. "vconst<>"
	ISA    ISA
	Consts []Const
}

// Ref is the memory operand of the constant called name; it panics on an
// unknown name (a bug in the generator).
func (t Table) Ref(name string) string {
	for i, k := range t.Consts {
		if k.Name == name {
			return fmt.Sprintf("%s+%d(SB)", t.Sym, t.ISA.Bytes()*i)
		}
	}
	panic("asmgen: no constant " + name)
}

// Data is the table's DATA and GLOBL directives, ending in a blank line.
func (t Table) Data() string {
	var w strings.Builder
	size := t.ISA.Bytes()
	for i, k := range t.Consts {
		for j := 0; j < size/4; j++ {
			fmt.Fprintf(&w, "DATA %s+%d(SB)/4, $0x%08x\n", t.Sym, size*i+4*j, k.Bits)
		}
	}
	fmt.Fprintf(&w, "GLOBL %s(SB), RODATA|NOPTR, $%d\n\n", t.Sym, size*len(t.Consts))
	return w.String()
}

// Regs names the registers one vector's computation uses: seven vector
// registers and, for AVX-512, one mask register.
type Regs struct{ V, T1, N, Q, R2, X, T6, K string }

// RegSet returns the registers Reg(base)..Reg(base+6) (and mask register k
// for AVX-512).
func (i ISA) RegSet(base, k int) Regs {
	r := func(n int) string { return i.Reg(base + n) }
	return Regs{r(0), r(1), r(2), r(3), r(4), r(5), r(6), fmt.Sprintf("K%d", k)}
}

// Math emits the sequences for one ISA, reading constants from C.
type Math struct {
	ISA ISA
	C   Table
}

func (m Math) c(name string) string { return m.C.Ref(name) }

// op maps a VEX mnemonic to its AVX-512F form where the name differs (the
// bitwise float operations need AVX-512DQ; their integer forms do not).
func (m Math) op(name string) string {
	if m.ISA != AVX512 {
		return name
	}
	switch name {
	case "VANDPS":
		return "VPANDD"
	case "VORPS":
		return "VPORD"
	case "VXORPS":
		return "VPXORD"
	}
	return name
}

// pad formats a mnemonic with its operands as the generators always have:
// the mnemonic left-aligned in a field of width w.
func pad(w int, mnemonic string, operands string) string {
	return fmt.Sprintf("%-*s %s", w, mnemonic, operands)
}

// Expm1Reduced takes r.V (already clamped) to r.N = round(r.V·log2e) as
// int32 and r.Q = expm1(r.V − r.N·ln2). It clobbers r.V, r.T1, r.R2, r.T6.
func (m Math) Expm1Reduced(r Regs) []string {
	c := m.c
	round := pad(12, "VROUNDPS", "$0, "+r.T1+", "+r.T1)
	if m.ISA == AVX512 {
		round = pad(12, "VRNDSCALEPS", "$0, "+r.T1+", "+r.T1)
	}
	return []string{
		pad(12, "VMULPS", c("log2e")+", "+r.V+", "+r.T1),
		round,
		pad(12, "VCVTPS2DQ", r.T1+", "+r.N),
		pad(12, "VFNMADD231PS", c("ln2hi")+", "+r.T1+", "+r.V),
		pad(12, "VFNMADD231PS", c("ln2lo")+", "+r.T1+", "+r.V),
		pad(12, "VMULPS", r.V+", "+r.V+", "+r.R2),
		pad(12, "VMOVUPS", c("p0")+", "+r.Q),
		pad(12, "VFMADD213PS", c("p1")+", "+r.V+", "+r.Q),
		pad(12, "VMOVUPS", c("p2")+", "+r.T1),
		pad(12, "VFMADD213PS", c("p3")+", "+r.V+", "+r.T1),
		pad(12, "VMOVUPS", c("p4")+", "+r.T6),
		pad(12, "VFMADD213PS", c("p5")+", "+r.V+", "+r.T6),
		pad(12, "VFMADD213PS", r.T1+", "+r.R2+", "+r.Q),
		pad(12, "VFMADD213PS", r.T6+", "+r.R2+", "+r.Q),
		pad(12, "VFMADD213PS", r.V+", "+r.R2+", "+r.Q),
	}
}

// ScaleParts splits the exponent r.N into r.T1 = 2^(n>>1) and
// r.N = 2^(n−(n>>1)) as float bits, so that 2^n is applied in two steps
// (overflow gives +Inf and subnormal results are rounded once).
func (m Math) ScaleParts(r Regs) []string {
	c := m.c
	return []string{
		"VPSRAD  $1, " + r.N + ", " + r.T1,
		"VPSUBD  " + r.T1 + ", " + r.N + ", " + r.N,
		"VPADDD  " + c("bias") + ", " + r.T1 + ", " + r.T1,
		"VPADDD  " + c("bias") + ", " + r.N + ", " + r.N,
		"VPSLLD  $23, " + r.T1 + ", " + r.T1,
		"VPSLLD  $23, " + r.N + ", " + r.N,
	}
}

// Cat concatenates instruction sequences.
func Cat(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// Interleave merges two independent sequences instruction by instruction.
func Interleave(a, b []string) []string {
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

// Exp sets r.V = exp(r.X) with r.X clamped to [lo, hi] (registers holding
// -104 and 89), r.X the second operand of VMINPS so that NaN passes through.
func (m Math) Exp(r Regs, hi, lo string) []string {
	return Cat(
		[]string{
			"VMINPS  " + r.X + ", " + hi + ", " + r.V,
			"VMAXPS  " + r.V + ", " + lo + ", " + r.V,
		},
		m.Expm1Reduced(r),
		[]string{"VADDPS  " + m.c("one") + ", " + r.Q + ", " + r.Q},
		m.ScaleParts(r),
		[]string{
			"VMULPS  " + r.T1 + ", " + r.Q + ", " + r.Q,
			"VMULPS  " + r.N + ", " + r.Q + ", " + r.V,
		})
}

// clampAbs sets r.V = min(|r.X|, clamp), a NaN in r.X kept (it is VMINPS's
// second source). clamp is a register, or "" to load the constant called
// name into r.T1 first (a loop that interleaves σ and tanh has no register
// to spare for each clamp).
func (m Math) clampAbs(r Regs, clamp, name string) []string {
	abs := m.op("VANDPS") + "  " + m.c("absmask") + ", " + r.X + ", " + r.V
	if clamp == "" {
		return []string{"VMOVUPS " + m.c(name) + ", " + r.T1, abs, "VMINPS  " + r.V + ", " + r.T1 + ", " + r.V}
	}
	return []string{abs, "VMINPS  " + r.V + ", " + clamp + ", " + r.V}
}

// Sigmoid sets r.T6 = σ(r.X); one and clamp are registers holding 1 and 104
// (clamp "" loads 104 from the table).
// With e = exp(−min(|x|, 104)), which cannot overflow, σ(x) = 1/(1+e) for
// x >= 0 and e/(1+e) for x < 0: one division either way, so large negative x
// keeps full relative accuracy down to the subnormals. 1+e comes from an FMA
// on the last scaling step.
func (m Math) Sigmoid(r Regs, one, clamp string) []string {
	c := m.c
	blend := []string{"VBLENDVPS " + r.X + ", " + r.V + ", " + one + ", " + r.T6} // x < 0 ? e : 1
	if m.ISA == AVX512 {
		blend = []string{
			"VPTESTMD  " + c("signmask") + ", " + r.X + ", " + r.K,
			"VBLENDMPS " + r.V + ", " + one + ", " + r.K + ", " + r.T6,
		}
	}
	return Cat(
		m.clampAbs(r, clamp, "sigclamp"),
		[]string{m.op("VXORPS") + "  " + c("signmask") + ", " + r.V + ", " + r.V},
		m.Expm1Reduced(r),
		[]string{"VADDPS  " + one + ", " + r.Q + ", " + r.Q},
		m.ScaleParts(r),
		[]string{
			"VMULPS  " + r.T1 + ", " + r.Q + ", " + r.Q, // (1+q)·s1
			"VMOVUPS " + one + ", " + r.R2,
			"VFMADD231PS " + r.N + ", " + r.Q + ", " + r.R2, // 1 + e
			"VMULPS  " + r.N + ", " + r.Q + ", " + r.V,      // e
		},
		blend,
		[]string{"VDIVPS  " + r.R2 + ", " + r.T6 + ", " + r.T6})
}

// Tanh sets r.Q = tanh(r.X), r.X kept; one and clamp are registers holding
// 1 and 10 (clamp "" loads 10 from the table).
// With v = −2·min(|x|, 10) (tanh(10) rounds to 1), m = expm1(v) =
// 2^n·q + (2^n − 1) is free of the cancellation of 1 − e^v near 0 (2^n, n in
// [−29, 0], is a normal number built directly) and tanh(|x|) = −m/(2+m); the
// sign of x is then put back.
func (m Math) Tanh(r Regs, one, clamp string) []string {
	c := m.c
	return Cat(
		m.clampAbs(r, clamp, "tanhclamp"),
		[]string{
			"VADDPS  " + r.V + ", " + r.V + ", " + r.V,
			m.op("VXORPS") + "  " + c("signmask") + ", " + r.V + ", " + r.V,
		},
		m.Expm1Reduced(r),
		[]string{
			"VPADDD      " + c("bias") + ", " + r.N + ", " + r.N,
			"VPSLLD      $23, " + r.N + ", " + r.N,          // 2^n
			"VSUBPS      " + one + ", " + r.N + ", " + r.R2, // 2^n - 1
			"VFMADD213PS " + r.R2 + ", " + r.N + ", " + r.Q, // m
			"VADDPS      " + c("two") + ", " + r.Q + ", " + r.T1,
			"VDIVPS      " + r.T1 + ", " + r.Q + ", " + r.Q, // m/(2+m) = -tanh|x|
			pad(11, m.op("VANDPS"), c("absmask")+", "+r.Q+", "+r.Q),
			pad(11, m.op("VANDPS"), c("signmask")+", "+r.X+", "+r.T6),
			pad(11, m.op("VORPS"), r.T6+", "+r.Q+", "+r.Q),
		})
}
