//go:build amd64 && !purego

package gemm

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkKernel times the assembly micro-kernels alone on L1-resident
// packed panels: the ceiling that the blocked driver can approach. The
// fraction of the machine's measured FMA peak of the same width is printed
// beside the GFLOP/s.
func BenchmarkKernel(b *testing.B) {
	const kc = 256
	for _, k := range []struct {
		name   string
		ok     bool
		mr, nr int
		kern   func(strips, k int, a *float32, aNext, rowStride, step int, b *float32, c *float32, ldc int, alpha, beta float32)
	}{
		{"avx2_6x16", hasAVX2, 6, 16, kernel6x16},
		{"avx512_8x32", hasAVX512, 8, 32, kernel8x32},
	} {
		b.Run(k.name, func(b *testing.B) {
			if !k.ok {
				b.Skip("not supported by this CPU")
			}
			rng := rand.New(rand.NewPCG(1, 1))
			a, p, c := randSlice(rng, k.mr*kc), randSlice(rng, k.nr*kc), make([]float32, k.mr*k.nr)
			clock := startClock()
			for b.Loop() {
				k.kern(1, kc, &a[0], k.mr*kc, 0, k.mr, &p[0], &c[0], k.nr, 1, 1)
			}
			reportPeak(b, clock, 2*float64(k.mr*k.nr*kc)*float64(b.N))
		})
	}
}
