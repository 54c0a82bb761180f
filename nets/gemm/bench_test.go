package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// benchShape is one product the models perform, named by where it occurs.
type benchShape struct {
	name           string
	transA, transB bool
	m, n, k        int
}

func (s benchShape) label() string {
	tr := map[bool]string{false: "N", true: "T"}
	return fmt.Sprintf("%s_%s%s_%dx%dx%d", s.name, tr[s.transA], tr[s.transB], s.m, s.n, s.k)
}

// gruShapes are the three products of a GRU layer with hidden size h on a
// batch of b rows: the recurrent forward h·W_hhᵀ, the backward dG·W_hh and the
// weight gradient dGᵀ·h (per step, and batched over 50 steps where listed).
func benchShapes() []benchShape {
	var out []benchShape
	for _, h := range []int{128, 64} {
		for _, batch := range []int{256, 128, 1000, 1024} {
			pre := fmt.Sprintf("gru%d_b%d", h, batch)
			out = append(out,
				benchShape{pre + "_fwd", false, true, batch, 3 * h, h},
				benchShape{pre + "_bwd", false, false, batch, h, 3 * h},
				benchShape{pre + "_wgrad", true, false, 3 * h, h, batch},
			)
			if batch == 256 {
				// What a training flush forms: 512 pending rows (flushRows in nets).
				out = append(out, benchShape{pre + "_wgradflush", true, false, 3 * h, h, 512})
			}
			if batch == 256 || batch == 128 {
				out = append(out, benchShape{pre + "_wgradT50", true, false, 3 * h, h, batch * 50})
			}
		}
	}
	// NODE-3's hidden layers of 64: forward a·W_kᵀ, backward da·W_k and the
	// weight gradient over a flush of 512 rows.
	out = append(out,
		benchShape{"node64_b256_fwd", false, true, 256, 64, 64},
		benchShape{"node64_b256_bwd", false, false, 256, 64, 64},
		benchShape{"node64_wgradflush", true, false, 64, 64, 512},
	)
	for _, in := range []int{3, 17, 20} {
		pre := fmt.Sprintf("inproj%d", in)
		out = append(out,
			benchShape{pre + "_fwd", false, true, 256, 384, in},
			benchShape{pre + "_wgrad", true, false, 384, in, 256},
		)
	}
	return out
}

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = rng.Float32() - 0.5
	}
	return s
}

// BenchmarkSgemm reports GFLOP/s (2mnk per call, per CPU second of the
// process) and the fraction of the measured FMA peaks for every
// path this machine runs (avx512, avx2, go) and gonum's Sgemm, on one
// goroutine (run with -cpu 1 so that gonum does not spread over cores):
//
//	go test -run '^$' -bench 'Sgemm/gru128_b(256|128)_' -cpu 1 ./nets/gemm
func BenchmarkSgemm(b *testing.B) {
	for _, s := range benchShapes() {
		rng := rand.New(rand.NewPCG(1, 1))
		lda, ldb := s.k, s.n
		if s.transA {
			lda = s.m
		}
		if s.transB {
			ldb = s.k
		}
		a, bb, c := randSlice(rng, s.m*s.k), randSlice(rng, s.k*s.n), randSlice(rng, s.m*s.n)
		flops := 2 * float64(s.m) * float64(s.n) * float64(s.k)
		report := func(b *testing.B, c clock) { reportPeak(b, c, flops*float64(b.N)) }
		b.Run(s.label(), func(b *testing.B) {
			for _, p := range paths() {
				b.Run(p.String(), func(b *testing.B) {
					withPath(b, p, func() {
						clock := startClock()
						for b.Loop() {
							Gemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, s.n)
						}
						report(b, clock)
					})
				})
			}
			b.Run("gonum", func(b *testing.B) {
				tA, tB := blas.NoTrans, blas.NoTrans
				if s.transA {
					tA = blas.Trans
				}
				if s.transB {
					tB = blas.Trans
				}
				var impl gonum.Implementation
				clock := startClock()
				for b.Loop() {
					impl.Sgemm(tA, tB, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, s.n)
				}
				report(b, clock)
			})
		})
	}
}

// BenchmarkDgemm is BenchmarkSgemm in float64 for the products of a GRU-128
// Jacobian (128 rows: one per unit, as nets.FixedPointMap forms it) and the
// weight gradient of a float64 gradient check, per path.
func BenchmarkDgemm(b *testing.B) {
	for _, s := range []benchShape{
		{"gru128_b128_fwd", false, true, 128, 384, 128},
		{"gru128_b128_bwd", false, false, 128, 128, 384},
		{"gru128_b128_wgrad", true, false, 384, 128, 128},
	} {
		rng := rand.New(rand.NewPCG(1, 1))
		lda, ldb := s.k, s.n
		if s.transA {
			lda = s.m
		}
		if s.transB {
			ldb = s.k
		}
		a, bb, c := randSlice64(rng, s.m*s.k), randSlice64(rng, s.k*s.n), randSlice64(rng, s.m*s.n)
		flops := 2 * float64(s.m) * float64(s.n) * float64(s.k)
		b.Run(s.label(), func(b *testing.B) {
			for _, p := range paths() {
				b.Run(p.String(), func(b *testing.B) {
					withPath(b, p, func() {
						clock := startClock()
						for b.Loop() {
							Gemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, s.n)
						}
						reportPeak(b, clock, flops*float64(b.N))
					})
				})
			}
		})
	}
}

func randSlice64(rng *rand.Rand, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = rng.Float64() - 0.5
	}
	return s
}
