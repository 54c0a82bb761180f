//go:build amd64 && !purego

package gemm

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkKernel6x16 times the assembly micro-kernel alone on L1-resident
// packed panels: the ceiling that the blocked driver can approach.
func BenchmarkKernel6x16(b *testing.B) {
	if !useAsm {
		b.Skip("no AVX2+FMA")
	}
	const kc = 256
	rng := rand.New(rand.NewPCG(1, 1))
	a, p, c := randSlice(rng, 6*kc), randSlice(rng, 16*kc), make([]float32, 6*16)
	for b.Loop() {
		kernel6x16(1, kc, &a[0], 6*kc, 0, 6, &p[0], &c[0], 16, 1, 1)
	}
	b.ReportMetric(2*6*16*kc*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
