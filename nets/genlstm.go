//go:build ignore

// genlstm.go writes lstmkernels_amd64.s, the LSTM's fused AVX2+FMA step
// kernels: go run genlstm.go > lstmkernels_amd64.s
//
// It is a program of its own, apart from genasm.go (the GRU, tanh-cell and
// MLP kernels), so that the two can change independently; the exponential,
// σ and tanh are genasm.go's and nets/vecmath's (one emitter, internal/asmgen:
// same constants, same instruction sequence), except that the clamp of the
// argument is loaded from memory instead of being kept in Y15, so that one
// loop can interleave σ and tanh. The kernels agree with the portable lstmForwardGo and lstmBackwardGo
// up to the fused multiply-adds of the linear parts.
package main

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/ctdtui/ctdtui/internal/asmgen"
)

// The instruction set being generated (-isa), its constants and the
// exp/σ/tanh sequences (internal/asmgen's); W is one vector in bytes.
var (
	isa        asmgen.ISA
	W          int
	table      asmgen.Table
	math       asmgen.Math
	setA, setB regs
)

func setISA(i asmgen.ISA) {
	isa, W = i, i.Bytes()
	sym := "lstmconst<>"
	if i == asmgen.AVX512 {
		sym = "lstmconst512<>"
	}
	table = asmgen.Table{Sym: sym, ISA: i, Consts: asmgen.Core}
	math = asmgen.Math{ISA: i, C: table}
	setA, setB = i.RegSet(0, 1), i.RegSet(7, 2)
}

func c(name string) string { return table.Ref(name) }

// port adapts the AVX2 text to the instruction set (applied to the whole
// output): for AVX-512, Y registers become Z registers and the functions'
// names end in AVX512. Vector sizes are written with W, so every other
// instruction must mean the same at both widths.
func port(s string) string {
	if isa == asmgen.AVX512 {
		s = regexp.MustCompile(`\bY([0-9]+)\b`).ReplaceAllString(s, "Z$1")
		s = regexp.MustCompile(`\b([a-zA-Z0-9]+)AVX2\b`).ReplaceAllString(s, "${1}AVX512")
	}
	return s
}

type regs = asmgen.Regs

var cat, interleave = asmgen.Cat, asmgen.Interleave

// sigmoid: r.T6 = σ(r.X). Needs Y14 = 1; the clamp is loaded into r.T1.
func sigmoid(r regs) []string { return math.Sigmoid(r, "Y14", "") }

// tanh: r.Q = tanh(r.X), r.X kept. Needs Y14 = 1; the clamp is loaded into r.T1.
func tanh(r regs) []string { return math.Tanh(r, "Y14", "") }

// inPlace applies σ (or tanh) to the vector at (base)(AX*1).
func inPlace(r regs, base string, tanhFn bool) []string {
	m := "(" + base + ")(AX*1)"
	if tanhFn {
		return cat([]string{"VMOVUPS " + m + ", " + r.X}, tanh(r), []string{"VMOVUPS " + r.Q + ", " + m})
	}
	return cat([]string{"VMOVUPS " + m + ", " + r.X}, sigmoid(r), []string{"VMOVUPS " + r.T6 + ", " + m})
}

// cellStep: c' = f·c + i·g, tc = tanh(c'), h' = o·tc for the chunk at byte
// offset off from AX. DI: i, CX: f, R9: g, DX: o, R10: c, R8: c', R11: tc,
// R13: h'.
func cellStep(r regs, off int) []string {
	m := func(base string) string { return fmt.Sprintf("%d(%s)(AX*1)", off, base) }
	return cat(
		[]string{
			"VMOVUPS     " + m("CX") + ", " + r.X,
			"VMULPS      " + m("R10") + ", " + r.X + ", " + r.X,
			"VMOVUPS     " + m("DI") + ", " + r.T1,
			"VFMADD231PS " + m("R9") + ", " + r.T1 + ", " + r.X,
			"VMOVUPS     " + r.X + ", " + m("R8"),
		},
		tanh(r),
		[]string{
			"VMOVUPS     " + r.Q + ", " + m("R11"),
			"VMULPS      " + m("DX") + ", " + r.Q + ", " + r.V,
			"VMOVUPS     " + r.V + ", " + m("R13"),
		})
}

// blockedInputs is the most inputs the forward kernel has unrolled variants
// for; nets.blockedInputs must agree.
const blockedInputs = 24

// inputReg is the register that holds input i in an unrolled variant: the
// first eight are broadcast once per row into Y0..Y7, later ones per chunk
// into two alternating temporaries.
func inputReg(i int) string {
	switch {
	case i < 8:
		return fmt.Sprintf("Y%d", i)
	case i%2 == 0:
		return "Y12"
	}
	return "Y13"
}

// asm collects lines: labels flush left, instructions indented.
type asm struct{ b strings.Builder }

func (a *asm) op(f string, args ...any) { fmt.Fprintf(&a.b, "\t"+f+"\n", args...) }
func (a *asm) label(l string)           { fmt.Fprintf(&a.b, "\n%s:\n", l) }
func (a *asm) ops(lines []string) {
	for _, l := range lines {
		a.b.WriteString("\t" + l + "\n")
	}
}
func (a *asm) text(s string) { a.b.WriteString(s) }

// forward writes lstmFwdAVX2. Per row, four passes over data in L1: the
// pre-activations (bias, inputs, on top of the GEMM's h·W_hhᵀ); σ, σ, tanh,
// σ over the four gates of each 8-unit chunk (independent chains,
// interleaved in pairs); then c', tanh(c') and h' over pairs of chunks. The
// row count is kept in its argument slot so that the last pass has a base
// register for each of its eight arrays.
func forward(a *asm) {
	a.text(`
// func lstmFwdAVX2(rows, h, in int, x, wihT, bias, blk, gates, sp, sn, tc *float32)
// rows >= 1, h a positive multiple of 8. gates (rows×4h) holds h·W_hhᵀ on
// entry and [i | f | g | o] on return; sp and sn (rows×2h, [h | c]) are the
// states before and after; tc receives tanh(c'). For in <= 24, blk holds per
// 8-unit chunk the summed biases and the input weights (lstmBlock);
// otherwise (blk nil) wihT (in×4h) and bias are read in a loop.
TEXT ·lstmFwdAVX2(SB), NOSPLIT, $0-88
`)
	a.op("MOVQ h+8(FP), BX")
	a.op("SHLQ $2, BX             // BX = bytes of one gate block (h floats)")
	a.op("MOVQ x+24(FP), SI")
	a.op("MOVQ gates+56(FP), DI")
	a.op("MOVQ sp+64(FP), R12")
	a.op("MOVQ sn+72(FP), R13")
	a.op("MOVQ tc+80(FP), R11")
	a.op("VMOVUPS %s, Y14", c("one"))
	a.label("lfrow")
	a.op("MOVQ in+16(FP), R10")
	a.op("MOVQ blk+48(FP), R9")
	a.op("TESTQ R9, R9")
	a.op("JZ   lfgeneric")
	for k := 1; k <= blockedInputs; k++ {
		a.op("CMPQ R10, $%d", k)
		a.op("JEQ  lfpre%d", k)
	}
	a.op("JMP  lfgeneric")
	// Unrolled pre-activations for exactly k inputs: per chunk the four gate
	// vectors (Y8-Y11) get their bias and k FMAs each from blk at fixed
	// offsets, (4 + 4k)·32 bytes per chunk.
	for k := 1; k <= blockedInputs; k++ {
		a.label(fmt.Sprintf("lfpre%d", k))
		for i := 0; i < min(k, 8); i++ {
			a.op("VBROADCASTSS %d(SI), Y%d", 4*i, i)
		}
		a.op("XORQ AX, AX")
		a.label(fmt.Sprintf("lfpre%dchunk", k))
		a.op("LEAQ    (DI)(AX*1), CX")
		a.op("LEAQ    (CX)(BX*2), DX")
		a.op("VMOVUPS (CX), Y8")
		a.op("VADDPS  0(R9), Y8, Y8")
		a.op("VMOVUPS (CX)(BX*1), Y9")
		a.op("VADDPS  %d(R9), Y9, Y9", W)
		a.op("VMOVUPS (DX), Y10")
		a.op("VADDPS  %d(R9), Y10, Y10", 2*W)
		a.op("VMOVUPS (DX)(BX*1), Y11")
		a.op("VADDPS  %d(R9), Y11, Y11", 3*W)
		for i := 0; i < k; i++ {
			r := inputReg(i)
			if i >= 8 {
				a.op("VBROADCASTSS %d(SI), %s", 4*i, r)
			}
			for g := 0; g < 4; g++ {
				a.op("VFMADD231PS %d(R9), %s, Y%d", 4*W+4*W*i+W*g, r, 8+g)
			}
		}
		a.op("VMOVUPS Y8, (CX)")
		a.op("VMOVUPS Y9, (CX)(BX*1)")
		a.op("VMOVUPS Y10, (DX)")
		a.op("VMOVUPS Y11, (DX)(BX*1)")
		a.op("ADDQ    $%d, R9", (4+4*k)*W)
		a.op("ADDQ    $%d, AX", W)
		a.op("CMPQ    AX, BX")
		a.op("JLT     lfpre%dchunk", k)
		a.op("LEAQ    %d(SI), SI", 4*k)
		a.op("JMP     lfact")
	}
	// Any number of inputs: bias and W_ihᵀ (rows of 4h floats) in loops.
	a.label("lfgeneric")
	a.op("XORQ AX, AX")
	a.label("lfgpre")
	a.op("LEAQ    (DI)(AX*1), CX")
	a.op("LEAQ    (CX)(BX*2), DX")
	a.op("MOVQ    bias+40(FP), R9")
	a.op("ADDQ    AX, R9")
	a.op("VMOVUPS (CX), Y8")
	a.op("VADDPS  (R9), Y8, Y8")
	a.op("VMOVUPS (CX)(BX*1), Y9")
	a.op("VADDPS  (R9)(BX*1), Y9, Y9")
	a.op("LEAQ    (R9)(BX*2), R9")
	a.op("VMOVUPS (DX), Y10")
	a.op("VADDPS  (R9), Y10, Y10")
	a.op("VMOVUPS (DX)(BX*1), Y11")
	a.op("VADDPS  (R9)(BX*1), Y11, Y11")
	a.op("MOVQ    wihT+32(FP), R9")
	a.op("ADDQ    AX, R9")
	a.op("XORQ    R8, R8")
	a.label("lfgin")
	a.op("VBROADCASTSS (SI)(R8*4), Y6")
	a.op("VFMADD231PS  (R9), Y6, Y8")
	a.op("VFMADD231PS  (R9)(BX*1), Y6, Y9")
	a.op("LEAQ         (R9)(BX*2), R9")
	a.op("VFMADD231PS  (R9), Y6, Y10")
	a.op("VFMADD231PS  (R9)(BX*1), Y6, Y11")
	a.op("LEAQ         (R9)(BX*2), R9")
	a.op("INCQ         R8")
	a.op("CMPQ         R8, R10")
	a.op("JLT          lfgin")
	a.op("VMOVUPS Y8, (CX)")
	a.op("VMOVUPS Y9, (CX)(BX*1)")
	a.op("VMOVUPS Y10, (DX)")
	a.op("VMOVUPS Y11, (DX)(BX*1)")
	a.op("ADDQ    $%d, AX", W)
	a.op("CMPQ    AX, BX")
	a.op("JLT     lfgpre")
	a.op("LEAQ    (SI)(R10*4), SI  // next row's inputs")

	// The gates of each chunk: σ(i) with σ(f), then tanh(g) with σ(o).
	a.label("lfact")
	a.op("LEAQ (DI)(BX*1), CX")
	a.op("LEAQ (DI)(BX*2), R9")
	a.op("LEAQ (R9)(BX*1), DX")
	a.op("XORQ AX, AX")
	a.label("lfactchunk")
	a.ops(interleave(inPlace(setA, "DI", false), inPlace(setB, "CX", false)))
	a.ops(interleave(inPlace(setA, "R9", true), inPlace(setB, "DX", false)))
	a.op("ADDQ $%d, AX", W)
	a.op("CMPQ AX, BX")
	a.op("JLT  lfactchunk")

	// c' = f·c + i·g, tc = tanh(c'), h' = o·tc: an odd first chunk, then
	// pairs. DI, CX, R9, DX still point at i, f, g, o.
	a.op("LEAQ (R12)(BX*1), R10     // c")
	a.op("LEAQ (R13)(BX*1), R8      // c'")
	a.op("XORQ AX, AX")
	a.op("TESTQ $%d, BX", W)
	a.op("JZ   lfcellpair")
	a.ops(cellStep(setA, 0))
	a.op("MOVQ $%d, AX", W)
	a.op("CMPQ AX, BX")
	a.op("JGE  lfnext")
	a.label("lfcellpair")
	a.ops(interleave(cellStep(setA, 0), cellStep(setB, W)))
	a.op("ADDQ $%d, AX", 2*W)
	a.op("CMPQ AX, BX")
	a.op("JLT  lfcellpair")

	a.label("lfnext")
	a.op("LEAQ (DI)(BX*4), DI")
	a.op("ADDQ BX, R11")
	a.op("LEAQ (R12)(BX*2), R12")
	a.op("LEAQ (R13)(BX*2), R13")
	a.op("DECQ rows+0(FP)")
	a.op("JNZ  lfrow")
	a.op("VZEROUPPER")
	a.op("RET")
}

// backward is lstmBwdAVX2; it has no transcendental chains. The pointers
// into the row's arrays advance chunk by chunk (the c halves and the other
// gates sit at multiples of BX from them); AX, the chunk's byte offset,
// addresses W_out and acc.
const backward = `
// func lstmBwdAVX2(rows, h, out int, ds, dlat, dy, wout, gates, tc, sp, acc *float32)
// rows >= 1, h a positive multiple of 8; dlat and acc may be nil. ds and
// dlat are rows×2h ([∂h | ∂c]), gates rows×4h ([i | f | g | o] in, the
// pre-activation gradients out), tc rows×h, sp rows×2h (the state before).
TEXT ·lstmBwdAVX2(SB), NOSPLIT, $0-88
	MOVQ    rows+0(FP), R8
	MOVQ    h+8(FP), BX
	SHLQ    $2, BX
	MOVQ    out+16(FP), R10
	MOVQ    ds+24(FP), R13
	MOVQ    dlat+32(FP), DX
	MOVQ    dy+40(FP), SI
	MOVQ    gates+56(FP), DI
	MOVQ    tc+64(FP), R11
	MOVQ    sp+72(FP), R12
	VMOVUPS {ONE}, Y13 // 1

lbrow:
	XORQ AX, AX

lbchunk:
	// Y8 = ∂h': carried, latent, dy·W_out; Y9 = ∂c': carried, latent.
	VMOVUPS (R13), Y8
	VMOVUPS (R13)(BX*1), Y9
	TESTQ   DX, DX
	JZ      lbnolat
	VADDPS  (DX), Y8, Y8
	VADDPS  (DX)(BX*1), Y9, Y9
	ADDQ    {W}, DX

lbnolat:
	TESTQ R10, R10
	JZ    lbgates
	MOVQ  wout+48(FP), R9
	ADDQ  AX, R9
	XORQ  CX, CX

lbout:
	VBROADCASTSS (SI)(CX*4), Y6
	VFMADD231PS  (R9), Y6, Y8
	ADDQ         BX, R9
	INCQ         CX
	CMPQ         CX, R10
	JLT          lbout

lbgates:
	LEAQ         (DI)(BX*2), R9
	VMOVUPS      (DI), Y0          // i
	VMOVUPS      (DI)(BX*1), Y1    // f
	VMOVUPS      (R9), Y2          // g
	VMOVUPS      (R9)(BX*1), Y3    // o
	VMOVUPS      (R11), Y4         // tanh(c')
	VMOVAPS      Y13, Y5
	VFNMADD231PS Y4, Y4, Y5        // 1 - tanh²(c')
	VMULPS       Y3, Y5, Y5
	VFMADD231PS  Y5, Y8, Y9        // ∂c = ∂c' + ∂h'·o·(1 - tanh²(c'))
	VSUBPS       Y3, Y13, Y6
	VMULPS       Y3, Y6, Y6
	VMULPS       Y4, Y6, Y6
	VMULPS       Y8, Y6, Y6        // ∂ã_o = ∂h'·tanh(c')·o·(1 - o)
	VSUBPS       Y0, Y13, Y7
	VMULPS       Y0, Y7, Y7
	VMULPS       Y2, Y7, Y7
	VMULPS       Y9, Y7, Y7        // ∂ã_i = ∂c·g·i·(1 - i)
	VSUBPS       Y1, Y13, Y10
	VMULPS       Y1, Y10, Y10
	VMULPS       (R12)(BX*1), Y10, Y10
	VMULPS       Y9, Y10, Y10      // ∂ã_f = ∂c·c·f·(1 - f)
	VMOVAPS      Y13, Y11
	VFNMADD231PS Y2, Y2, Y11
	VMULPS       Y0, Y11, Y11
	VMULPS       Y9, Y11, Y11      // ∂ã_g = ∂c·i·(1 - g²)
	VMULPS       Y1, Y9, Y12       // d loss/d c = ∂c·f
	VMOVUPS      Y7, (DI)
	VMOVUPS      Y10, (DI)(BX*1)
	VMOVUPS      Y11, (R9)
	VMOVUPS      Y6, (R9)(BX*1)
	VMOVUPS      Y12, (R13)(BX*1)
	MOVQ         acc+80(FP), R9
	TESTQ        R9, R9
	JZ           lbnext
	ADDQ         AX, R9
	VADDPS       (R9), Y7, Y7
	VMOVUPS      Y7, (R9)
	VADDPS       (R9)(BX*1), Y10, Y10
	VMOVUPS      Y10, (R9)(BX*1)
	LEAQ         (R9)(BX*2), R9
	VADDPS       (R9), Y11, Y11
	VMOVUPS      Y11, (R9)
	VADDPS       (R9)(BX*1), Y6, Y6
	VMOVUPS      Y6, (R9)(BX*1)

lbnext:
	ADDQ {W}, R13
	ADDQ {W}, DI
	ADDQ {W}, R11
	ADDQ {W}, R12
	ADDQ {W}, AX
	CMPQ AX, BX
	JLT  lbchunk

	// The chunk pointers moved by BX: on to the next row.
	ADDQ  BX, R13
	LEAQ  (DI)(BX*2), DI
	ADDQ  BX, DI
	ADDQ  BX, R12
	LEAQ  (SI)(R10*4), SI
	TESTQ DX, DX
	JZ    lbrownext
	ADDQ  BX, DX

lbrownext:
	DECQ R8
	JNZ  lbrow
	VZEROUPPER
	RET
`

func main() {
	name := flag.String("isa", "avx2", "instruction set of the kernels: avx2 or avx512")
	flag.Parse()
	switch *name {
	case "avx2":
		setISA(asmgen.AVX2)
	case "avx512":
		setISA(asmgen.AVX512)
	default:
		fmt.Fprintln(os.Stderr, "genlstm: -isa must be avx2 or avx512")
		os.Exit(2)
	}
	var a asm
	if isa == asmgen.AVX512 {
		a.text("// Code generated by genlstm.go -isa avx512; DO NOT EDIT.\n\n//go:build amd64 && !purego\n\n#include \"textflag.h\"\n\n")
		a.text("// The AVX-512 versions of lstmkernels_amd64.s, from the same generator: the\n" +
			"// same instructions in the same order on sixteen lanes (AVX-512F only).\n" +
			"// Sizes are multiples of 16 (the comments' \"multiple of 8\" counts AVX2\n" +
			"// vectors) and the blocked weights come in 16-unit chunks.\n\n")
	} else {
		a.text("// Code generated by genlstm.go; DO NOT EDIT.\n\n//go:build amd64 && !purego\n\n#include \"textflag.h\"\n\n")
		a.text("// The fused LSTM step kernels; lstmkernels.go says what they compute.\n\n")
	}
	a.text(strings.TrimSuffix(table.Data(), "\n"))
	forward(&a)
	a.text(strings.NewReplacer("{ONE}", c("one"), "{W}", fmt.Sprintf("$%d", W)).Replace(backward))
	os.Stdout.WriteString(port(a.b.String()))
}
