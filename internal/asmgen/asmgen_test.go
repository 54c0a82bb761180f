package asmgen

import (
	"strings"
	"testing"
)

// The 512-bit sequences must run on any AVX-512F CPU: no Y registers, no
// VEX-only forms (VROUNDPS, VBLENDVPS) and no AVX-512DQ bitwise float ops.
func TestAVX512SequencesUseOnlyAVX512F(t *testing.T) {
	tab := Table{Sym: "c<>", ISA: AVX512, Consts: append(append([]Const{}, Core...), ExpClamps...)}
	m := Math{ISA: AVX512, C: tab}
	r := AVX512.RegSet(0, 1)
	seqs := map[string][]string{
		"exp":     m.Exp(r, "Z15", "Z14"),
		"sigmoid": m.Sigmoid(r, "Z14", "Z15"),
		"tanh":    m.Tanh(r, "Z14", "Z15"),
	}
	for name, seq := range seqs {
		for _, ins := range seq {
			op := strings.Fields(ins)[0]
			switch op {
			case "VROUNDPS", "VBLENDVPS", "VANDPS", "VORPS", "VXORPS", "VANDNPS":
				t.Errorf("%s: %q is not an AVX-512F instruction on Z registers", name, ins)
			}
			if strings.Contains(ins, "Y") && !strings.Contains(ins, "(SB)") {
				t.Errorf("%s: %q names a Y register", name, ins)
			}
		}
	}
}

// Both widths compute the same operations in the same order: the sequences
// differ only where AVX-512 needs another mnemonic (and the blend, which
// takes a mask register).
func TestWidthsMatch(t *testing.T) {
	for _, isa := range []ISA{AVX2, AVX512} {
		tab := Table{Sym: "c<>", ISA: isa, Consts: Core}
		if got, want := tab.Ref("one"), "c<>+"+map[ISA]string{AVX2: "288", AVX512: "576"}[isa]+"(SB)"; got != want {
			t.Errorf("%v: Ref(one) = %s, want %s", isa, got, want)
		}
	}
	a := Math{ISA: AVX2, C: Table{Sym: "c<>", ISA: AVX2, Consts: Core}}
	z := Math{ISA: AVX512, C: Table{Sym: "c<>", ISA: AVX512, Consts: Core}}
	ta, tz := a.Tanh(AVX2.RegSet(0, 1), "Y14", "Y15"), z.Tanh(AVX512.RegSet(0, 1), "Z14", "Z15")
	if len(ta) != len(tz) {
		t.Fatalf("tanh: %d instructions for AVX2, %d for AVX-512", len(ta), len(tz))
	}
	sa, sz := a.Sigmoid(AVX2.RegSet(0, 1), "Y14", "Y15"), z.Sigmoid(AVX512.RegSet(0, 1), "Z14", "Z15")
	if len(sz) != len(sa)+1 {
		t.Fatalf("sigmoid: %d instructions for AVX2, %d for AVX-512 (want one more: the mask)", len(sa), len(sz))
	}
}
