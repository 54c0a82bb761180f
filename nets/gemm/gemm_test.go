package gemm

import (
	"fmt"
	"github.com/ctdtui/ctdtui/internal/simd"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// paths lists the float32 implementations a test should cover: every
// assembly kernel this machine runs, and the portable Go kernel always.
func paths() []simd.Level { return simd.Available() }

// withPath runs f with the float32 dispatch forced to level l, and says in
// the test output which path ran.
func withPath(t testing.TB, l simd.Level, f func()) {
	saved := SetPath(l)
	defer SetPath(saved)
	if Path() != l {
		t.Fatalf("cannot force the %v path (got %v)", l, Path())
	}
	f()
}

type gemmCase struct {
	transA, transB bool
	m, n, k        int
	lda, ldb, ldc  int
	alpha, beta    float64
}

func (tc gemmCase) String() string {
	return fmt.Sprintf("tA=%v tB=%v m=%d n=%d k=%d lda=%d ldb=%d ldc=%d alpha=%g beta=%g",
		tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.lda, tc.ldb, tc.ldc, tc.alpha, tc.beta)
}

// operands returns random A, B and C (C seeded with NaN where beta == 0, to
// check that it is not read) of the case's shapes, with padding past each
// row filled with a sentinel that must survive.
func (tc gemmCase) operands(rng *rand.Rand) (a, b, c []float64) {
	ar, ac := tc.m, tc.k
	if tc.transA {
		ar, ac = tc.k, tc.m
	}
	br, bc := tc.k, tc.n
	if tc.transB {
		br, bc = tc.n, tc.k
	}
	fill := func(rows, cols, ld int, nanBody bool) []float64 {
		s := make([]float64, max(0, (rows-1)*ld+cols)+3)
		for i := range s {
			s[i] = sentinel
		}
		for i := 0; i < rows; i++ {
			for j := 0; j < cols; j++ {
				if nanBody {
					s[i*ld+j] = math.NaN()
				} else {
					s[i*ld+j] = rng.Float64()*2 - 1
				}
			}
		}
		return s
	}
	return fill(ar, ac, tc.lda, false), fill(br, bc, tc.ldb, false), fill(tc.m, tc.n, tc.ldc, tc.beta == 0)
}

const sentinel = 12345.5

func randomCase(rng *rand.Rand, maxDim int) gemmCase {
	tc := gemmCase{
		transA: rng.IntN(2) == 1, transB: rng.IntN(2) == 1,
		m: 1 + rng.IntN(maxDim), n: 1 + rng.IntN(maxDim), k: 1 + rng.IntN(maxDim),
	}
	if rng.IntN(8) == 0 {
		tc.k = 0
	}
	ld := func(cols int) int {
		if rng.IntN(2) == 0 {
			return cols
		}
		return cols + 1 + rng.IntN(5)
	}
	if tc.transA {
		tc.lda = ld(tc.m)
	} else {
		tc.lda = ld(tc.k)
	}
	if tc.transB {
		tc.ldb = ld(tc.k)
	} else {
		tc.ldb = ld(tc.n)
	}
	tc.ldc = ld(tc.n)
	alphas := []float64{1, -1, 0.5, 0, 1.75}
	betas := []float64{0, 1, -0.5, 2}
	tc.alpha = alphas[rng.IntN(len(alphas))]
	tc.beta = betas[rng.IntN(len(betas))]
	return tc
}

// check runs Gemm[F] on the case and compares with gemmRef in float64 on the
// same (rounded) inputs. Each element must be within tol·(|alpha|·Σ|a||b| +
// |beta·c|); padding between rows must be untouched.
func check[F Float](t *testing.T, tc gemmCase, rng *rand.Rand, tol float64) {
	t.Helper()
	a64, b64, c64 := tc.operands(rng)
	conv := func(s []float64) []F {
		out := make([]F, len(s))
		for i, v := range s {
			out[i] = F(v)
		}
		return out
	}
	a, b, c := conv(a64), conv(b64), conv(c64)
	// Round the float64 oracle inputs to F so both see the same numbers.
	for i := range a64 {
		a64[i] = float64(a[i])
	}
	for i := range b64 {
		b64[i] = float64(b[i])
	}
	want := append([]float64(nil), c64...)
	for i := range want {
		want[i] = float64(c[i])
	}
	scale := make([]float64, len(want))
	absA, absB := make([]float64, len(a64)), make([]float64, len(b64))
	for i, v := range a64 {
		absA[i] = math.Abs(v)
	}
	for i, v := range b64 {
		absB[i] = math.Abs(v)
	}
	for i := 0; i < tc.m; i++ {
		for j := 0; j < tc.n; j++ {
			scale[i*tc.ldc+j] = math.Abs(tc.beta * want[i*tc.ldc+j])
			if tc.beta == 0 {
				scale[i*tc.ldc+j] = 0
			}
		}
	}
	gemmRef(tc.transA, tc.transB, tc.m, tc.n, tc.k, math.Abs(tc.alpha), absA, tc.lda, absB, tc.ldb, 1, scale, tc.ldc)
	gemmRef(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a64, tc.lda, b64, tc.ldb, tc.beta, want, tc.ldc)

	Gemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, F(tc.alpha), a, tc.lda, b, tc.ldb, F(tc.beta), c, tc.ldc)

	for i := range c {
		inside := i/tc.ldc < tc.m && i%tc.ldc < tc.n
		got := float64(c[i])
		if !inside {
			if got != sentinel {
				t.Fatalf("%v: padding element %d changed to %g", tc, i, got)
			}
			continue
		}
		if math.IsNaN(got) || math.Abs(got-want[i]) > tol*(scale[i]+1e-30) {
			t.Fatalf("%v: C[%d,%d] = %g, want %g (bound %g)", tc, i/tc.ldc, i%tc.ldc, got, want[i], tol*scale[i])
		}
	}
}

func TestGemmRandomShapes(t *testing.T) {
	for _, p := range paths() {
		t.Run(p.String(), func(t *testing.T) {
			withPath(t, p, func() {
				rng := rand.New(rand.NewPCG(1, 2))
				for it := 0; it < 3000; it++ {
					tc := randomCase(rng, 40)
					check[float32](t, tc, rng, 1e-6)
				}
			})
		})
	}
	for _, p := range paths() {
		t.Run("float64/"+p.String(), func(t *testing.T) {
			withPath(t, p, func() {
				rng := rand.New(rand.NewPCG(3, 4))
				for it := 0; it < 1000; it++ {
					check[float64](t, randomCase(rng, 40), rng, 1e-14)
				}
			})
		})
	}
}

// TestGemmBlockEdges uses shapes that cross the cache-block sizes (several k
// passes, several row and column blocks, ragged last tiles).
func TestGemmBlockEdges(t *testing.T) {
	dims := [][3]int{
		{mcMax + 7, 33, kcMax + 5}, {6, ncMax + 17, 3}, {mcMax*2 + 1, 40, 2*kcMax + 1},
		{256, 384, 128}, {256, 128, 384}, {13, 5, 1000}, {1, 1, 700}, {7, 300, 1},
	}
	for _, p := range paths() {
		t.Run(p.String(), func(t *testing.T) {
			withPath(t, p, func() {
				rng := rand.New(rand.NewPCG(5, 6))
				for _, d := range dims {
					for tr := 0; tr < 4; tr++ {
						tc := gemmCase{transA: tr&1 != 0, transB: tr&2 != 0, m: d[0], n: d[1], k: d[2], alpha: 0.75, beta: -0.5}
						if tc.transA {
							tc.lda = tc.m + 3
						} else {
							tc.lda = tc.k + 3
						}
						if tc.transB {
							tc.ldb = tc.k
						} else {
							tc.ldb = tc.n + 1
						}
						tc.ldc = tc.n + 2
						check[float32](t, tc, rng, 1e-6)
						check[float64](t, tc, rng, 1e-14)
					}
				}
			})
		})
	}
}

// TestGemmNamedFloat checks that element types defined on float32/float64
// reach the same kernels.
func TestGemmNamedFloat(t *testing.T) {
	type f32 float32
	a := []f32{1, 2, 3, 4, 5, 6} // 2×3
	b := []f32{1, 0, 0, 1, 1, 1} // 3×2
	c := make([]f32, 4)
	Gemm(false, false, 2, 2, 3, 1, a, 3, b, 2, 0, c, 2)
	want := []f32{4, 5, 10, 11}
	for i := range c {
		if c[i] != want[i] {
			t.Fatalf("c = %v, want %v", c, want)
		}
	}
}

func TestGemmPanicsOnShortSlices(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for short C")
		}
	}()
	Gemm(false, false, 2, 2, 2, float32(1), make([]float32, 4), 2, make([]float32, 4), 2, 0, make([]float32, 3), 2)
}

// TestGemmConcurrent runs the shared-workspace path from several goroutines.
func TestGemmConcurrent(t *testing.T) {
	const m, n, k = 50, 70, 300
	rng := rand.New(rand.NewPCG(7, 8))
	a, b := make([]float32, m*k), make([]float32, k*n)
	for i := range a {
		a[i] = rng.Float32() - 0.5
	}
	for i := range b {
		b[i] = rng.Float32() - 0.5
	}
	want := make([]float32, m*n)
	Gemm(false, false, m, n, k, 1, a, k, b, n, 0, want, n)
	done := make(chan []float32)
	for g := 0; g < 8; g++ {
		go func() {
			c := make([]float32, m*n)
			for it := 0; it < 20; it++ {
				Gemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
			}
			done <- c
		}()
	}
	for g := 0; g < 8; g++ {
		c := <-done
		for i := range c {
			if c[i] != want[i] {
				t.Fatalf("goroutine result differs at %d: %g vs %g", i, c[i], want[i])
			}
		}
	}
}

// TestGemmNoAllocs checks that steady-state calls reuse their workspace.
func TestGemmNoAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	const m, n, k = 37, 45, 300
	a, b, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
	for i := range a {
		a[i] = rng.Float32()
	}
	a64, b64, c64 := make([]float64, m*k), make([]float64, k*n), make([]float64, m*n)
	for _, p := range paths() {
		withPath(t, p, func() {
			for tr := 0; tr < 4; tr++ {
				tA, tB := tr&1 != 0, tr&2 != 0
				lda, ldb := k, n
				if tA {
					lda = m
				}
				if tB {
					ldb = k
				}
				allocs := testing.AllocsPerRun(20, func() {
					Gemm(tA, tB, m, n, k, 1, a, lda, b, ldb, 0.5, c, n)
					Gemm(tA, tB, m, n, k, 1, a64, lda, b64, ldb, 0.5, c64, n)
				})
				if allocs > 0 {
					t.Errorf("%s tA=%v tB=%v: %v allocations per call", p, tA, tB, allocs)
				}
			}
		})
	}
}

func TestAlignedSliceReuse(t *testing.T) {
	for n := 1; n < 300; n += 7 {
		s := alignedSlice[float32](nil, n)
		if len(s) != n || uintptr(unsafe.Pointer(&s[0]))%64 != 0 {
			t.Fatalf("n=%d: len %d, address %p", n, len(s), &s[0])
		}
		again := alignedSlice(s, n)
		if &again[0] != &s[0] {
			t.Fatalf("n=%d: buffer not reused", n)
		}
		smaller := alignedSlice(s, n/2+1)
		if &smaller[0] != &s[0] {
			t.Fatalf("n=%d: buffer not reused for a smaller size", n)
		}
	}
}

// TestPathsAgree compares every assembly path with the AVX2 one on the
// GRU-128 products and a ragged shape. Each kernel accumulates every element
// of C by one FMA per step in the same order, with the same k passes, so for
// beta = 0 or 1 (all the models use) the results are bit-identical; for other
// beta a tile merged in Go (ragged edges, which differ between the tile
// shapes) rounds beta·C once more: the results differ by an ulp or two of
// the sum of the terms' magnitudes.
func TestPathsAgree(t *testing.T) {
	if !hasAVX2 {
		t.Skip("no AVX2 on this CPU")
	}
	shapes := [][5]int{ // transA, transB, m, n, k
		{0, 1, 256, 384, 128}, {0, 0, 256, 128, 384}, {1, 0, 384, 128, 512}, {0, 1, 37, 100, 21}, {1, 1, 45, 70, 300},
	}
	rng := rand.New(rand.NewPCG(11, 12))
	for _, s := range shapes {
		tA, tB, m, n, k := s[0] == 1, s[1] == 1, s[2], s[3], s[4]
		lda, ldb := k, n
		if tA {
			lda = m
		}
		if tB {
			ldb = k
		}
		a, b, c0 := randSlice(rng, m*k), randSlice(rng, k*n), randSlice(rng, m*n)
		abs := func(s []float32) []float32 {
			out := make([]float32, len(s))
			for i, v := range s {
				out[i] = float32(math.Abs(float64(v)))
			}
			return out
		}
		scale := abs(c0) // becomes Σ|terms|
		gemmRef(tA, tB, m, n, k, 0.7, abs(a), lda, abs(b), ldb, 0.3, scale, n)
		for _, beta := range []float32{0, 1, -0.3} {
			ref := append([]float32(nil), c0...)
			withPath(t, simd.AVX2, func() { Gemm(tA, tB, m, n, k, 0.7, a, lda, b, ldb, beta, ref, n) })
			for _, p := range paths() {
				if p == simd.Go || p == simd.AVX2 {
					continue
				}
				got := append([]float32(nil), c0...)
				withPath(t, p, func() { Gemm(tA, tB, m, n, k, 0.7, a, lda, b, ldb, beta, got, n) })
				differ := 0
				for i := range got {
					if got[i] == ref[i] {
						continue
					}
					differ++
					if beta == 0 || beta == 1 || math.Abs(float64(got[i]-ref[i])) > 0x1p-22*float64(scale[i]) {
						t.Fatalf("%v vs avx2, %dx%dx%d tA=%v tB=%v beta=%g: C[%d] = %g vs %g", p, m, n, k, tA, tB, beta, i, got[i], ref[i])
					}
				}
				t.Logf("%v vs avx2, %dx%dx%d tA=%v tB=%v beta=%g: %d of %d elements differ", p, m, n, k, tA, tB, beta, differ, len(got))
			}
		}
	}
}
