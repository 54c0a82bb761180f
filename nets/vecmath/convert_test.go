package vecmath

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestWidenNarrow: both paths convert every length exactly as Go's scalar
// conversions do, specials included, and write nothing past the end.
func TestWidenNarrow(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, asm := range []bool{false, true} {
		withAsm(asm, func() {
			for n := 0; n < 40; n++ {
				src64 := make([]float64, n)
				for i := range src64 {
					src64[i] = rng.NormFloat64() * math.Exp(20*rng.NormFloat64())
				}
				if n > 3 {
					src64[0], src64[1], src64[2], src64[3] = math.Inf(1), math.NaN(), -0.0, 1e-300
				}
				n32 := make([]float32, n+1)
				n32[n] = 42
				Narrow(n32[:n], src64)
				w64 := make([]float64, n+1)
				w64[n] = 42
				Widen(w64[:n], n32[:n])
				for i := 0; i < n; i++ {
					if math.Float32bits(n32[i]) != math.Float32bits(float32(src64[i])) {
						t.Fatalf("asm=%v n=%d: Narrow[%d] = %v, want %v", asm, n, i, n32[i], float32(src64[i]))
					}
					if math.Float64bits(w64[i]) != math.Float64bits(float64(n32[i])) {
						t.Fatalf("asm=%v n=%d: Widen[%d] = %v, want %v", asm, n, i, w64[i], float64(n32[i]))
					}
				}
				if n32[n] != 42 || w64[n] != 42 {
					t.Fatalf("asm=%v n=%d: wrote past the end", asm, n)
				}
			}
		})
	}
}

func BenchmarkWiden(b *testing.B) {
	src, dst := make([]float32, 65536), make([]float64, 65536)
	b.SetBytes(int64(len(src)) * 12)
	for i := 0; i < b.N; i++ {
		Widen(dst, src)
	}
}
