package analysis

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// benchGRU returns a GRU map with torch's default init U(−1/√H, 1/√H) and
// n initial states drawn from N(0, 0.5²).
func benchGRU(h, in, n int) (*GRUMap, *mat.Dense, *mat.Dense) {
	rng := rand.New(rand.NewPCG(42, 1))
	k := 1 / math.Sqrt(float64(h))
	u := func(m int) []float64 { return randSlice(rng, m, k) }
	m := NewGRUMap(h, in, u(3*h*in), u(3*h*h), u(3*h), u(3*h))
	x0 := mat.NewDense(n, h, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < h; j++ {
			x0.Set(i, j, 0.5*rng.NormFloat64())
		}
	}
	uu := mat.NewDense(1, in, randSlice(rng, in, 1))
	return m, x0, uu
}

// 1000 Adam iterations of CTD's finder (reference mode) on a GRU-128 with
// 1024 initial states, with the float64 reference map.
func BenchmarkFixedPointsGRU128Adam1000(b *testing.B) {
	m, x0, u := benchGRU(128, 4, 1024)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := FindFixedPoints(context.Background(), m, x0, u,
			&FixedPointSettings{Mode: FixedPointReference, MaxIters: 1000, NoJacobians: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// Refine mode on the same problem, run until every row has converged (the
// rows stop between 1700 and 2300 iterations): per-row stopping, Newton
// refinement, classification, de-duplication, Jacobians and eigenvalues.
func BenchmarkFixedPointsGRU128Refine(b *testing.B) {
	m, x0, u := benchGRU(128, 4, 1024)
	b.ResetTimer()
	var res *FixedPointResult
	for i := 0; i < b.N; i++ {
		var err error
		if res, err = FindFixedPoints(context.Background(), m, x0, u, &FixedPointSettings{MaxIters: 4000}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(res.FixedPoints)), "fixedpoints")
	b.ReportMetric(float64(len(res.SlowPoints)), "slowpoints")
	b.ReportMetric(float64(res.NUnconverged), "unconverged")
	b.ReportMetric(float64(res.Iters), "iters")
}

// PCA of 200 000 × 128 (exact SVD), 10 components and their scores.
func BenchmarkPCA200kx128(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 5))
	const n, d = 200_000, 128
	// Correlated data: a random low-rank signal plus noise.
	w := mat.NewDense(16, d, nil)
	for i := 0; i < 16; i++ {
		for j := 0; j < d; j++ {
			w.Set(i, j, rng.NormFloat64())
		}
	}
	z := mat.NewDense(n, 16, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < 16; j++ {
			z.Set(i, j, rng.NormFloat64())
		}
	}
	x := mat.NewDense(n, d, nil)
	x.Mul(z, w)
	raw := x.RawMatrix().Data
	for i := range raw {
		raw[i] += 0.1 * rng.NormFloat64()
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := FitTransformPCA(x, 10); err != nil {
			b.Fatal(err)
		}
	}
}

func benchDSASystems(b *testing.B) ([]Trials, map[string]*DMDSettings) {
	g := loadDSA(b)
	var data []Trials
	for _, sys := range g.CfgA.SelfPairwise.Order {
		data = append(data, trials3(g.Inputs[sys]))
	}
	_, a := g.cfg("cfgA")
	_, bb := g.cfg("cfgB")
	return data, map[string]*DMDSettings{"cfgA": a, "cfgB": bb}
}

// DSA self-pairwise over the five dsa.json systems (10 pairs), cfgA
// (rank 6), with the global search and with the reference optimiser.
func BenchmarkDSAPairwiseGlobal(b *testing.B) {
	data, cfg := benchDSASystems(b)
	for i := 0; i < b.N; i++ {
		if _, err := DSAPairwise(context.Background(), data, rand.New(rand.NewPCG(0, 0)), &DSASettings{DMD: *cfg["cfgA"]}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDSAPairwiseReference(b *testing.B) {
	data, cfg := benchDSASystems(b)
	for i := 0; i < b.N; i++ {
		if _, err := DSAPairwise(context.Background(), data, rand.New(rand.NewPCG(0, 0)),
			&DSASettings{DMD: *cfg["cfgA"], Similarity: SimilaritySettings{Method: SimilarityReference}}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDSAPairwiseWasserstein(b *testing.B) {
	data, cfg := benchDSASystems(b)
	for i := 0; i < b.N; i++ {
		if _, err := DSAPairwise(context.Background(), data, nil, &DSASettings{DMD: *cfg["cfgA"], Score: ScoreWasserstein}); err != nil {
			b.Fatal(err)
		}
	}
}

// One similarity at CTD's DSA rank (50), random operators, global search.
func BenchmarkSimilarityRank50Global(b *testing.B) {
	rng := rand.New(rand.NewPCG(9, 9))
	a := mat.NewDense(50, 50, randSlice(rng, 2500, 0.2))
	c := mat.NewDense(50, 50, randSlice(rng, 2500, 0.2))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := SimilarityDistance(a, c, rand.New(rand.NewPCG(1, 1)), nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSimilarityRank50Reference(b *testing.B) {
	rng := rand.New(rand.NewPCG(9, 9))
	a := mat.NewDense(50, 50, randSlice(rng, 2500, 0.2))
	c := mat.NewDense(50, 50, randSlice(rng, 2500, 0.2))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := SimilarityDistance(a, c, rand.New(rand.NewPCG(1, 1)), &SimilaritySettings{Method: SimilarityReference}); err != nil {
			b.Fatal(err)
		}
	}
}
