//go:build amd64 && !purego

package vecmath

import "golang.org/x/sys/cpu"

//go:generate sh -c "go run genasm.go > vecmath_amd64.s"

// useAsm selects the AVX2+FMA kernels. Tests switch it off to exercise the
// portable path on the same machine.
var useAsm = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func expAVX2(dst, x *float32, n int)

//go:noescape
func sigmoidAVX2(dst, x *float32, n int)

//go:noescape
func tanhAVX2(dst, x *float32, n int)
