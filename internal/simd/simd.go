// Package simd decides which vector instruction set the float32 kernels of
// nets and nets/gemm use: AVX-512 (F, BW and VL, with the operating system
// saving the 512-bit state), AVX2 with FMA, or portable Go. Both packages
// read the same decision, so a model never mixes, say, an AVX-512 GEMM with
// AVX2 cell kernels unless a test asks for it.
//
// The choice is made once from golang.org/x/sys/cpu. The environment
// variable CTDTUI_SIMD (go, avx2 or avx512) caps it: results differ between
// paths in the last bits of float32 rounding, so a run that must reproduce
// one made on an AVX2-only machine bit for bit can be pinned there.
package simd

import (
	"fmt"
	"os"
	"strings"
)

// Level is one implementation of the float32 kernels.
type Level int

const (
	Go     Level = iota // portable Go
	AVX2                // 256-bit AVX2 + FMA
	AVX512              // 512-bit AVX-512F/BW/VL
)

func (l Level) String() string {
	switch l {
	case Go:
		return "go"
	case AVX2:
		return "avx2"
	case AVX512:
		return "avx512"
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

// Hardware is the best level this CPU and operating system run with this
// build (always Go where the build has no assembly: other architectures, or
// the purego build tag).
var Hardware = hardware()

// Detected is the level the kernels use by default: Hardware, capped by
// CTDTUI_SIMD when it is set (an unknown value is ignored with a warning on
// standard error, so a typo never stops a training).
var Detected = capped(Hardware, os.Getenv("CTDTUI_SIMD"))

func capped(hw Level, env string) Level {
	if env == "" {
		return hw
	}
	l, err := Parse(env)
	if err != nil {
		fmt.Fprintf(os.Stderr, "ctdtui: ignoring CTDTUI_SIMD: %v\n", err)
		return hw
	}
	return min(l, hw)
}

// Parse reads a level by its name (go, avx2, avx512; case-insensitive).
func Parse(s string) (Level, error) {
	for _, l := range []Level{Go, AVX2, AVX512} {
		if strings.EqualFold(s, l.String()) {
			return l, nil
		}
	}
	return Go, fmt.Errorf("unknown instruction set %q (want go, avx2 or avx512)", s)
}

// Available lists the levels this machine can run, best first, down to Go:
// what tests force in turn.
func Available() []Level {
	var out []Level
	for l := Hardware; l >= Go; l-- {
		out = append(out, l)
	}
	return out
}
