package analysis_test

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/ctdtui/ctdtui/analysis"
	"github.com/ctdtui/ctdtui/nets"
	"gonum.org/v1/gonum/mat"
)

// benchNetsGRU returns a float32 GRU-128 (3 inputs, torch's default
// initialisation) wrapped as a fixed-point map, 1024 initial states drawn
// from N(0, 0.5²) and a zero input: the issue-3 workload.
func benchNetsGRU(b *testing.B) (*nets.FixedPointMap[float32], *mat.Dense, *mat.Dense) {
	m, err := nets.New[float32](nets.Config{Kind: nets.KindGRU, Inputs: 3, Latent: 128, Outputs: 3}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(42, 1))
	x0 := mat.NewDense(1024, 128, nil)
	for i := 0; i < 1024; i++ {
		for j := 0; j < 128; j++ {
			x0.Set(i, j, 0.5*rng.NormFloat64())
		}
	}
	return nets.NewFixedPointMap(m), x0, mat.NewDense(1, 3, nil)
}

// 1000 fixed-point iterations, GRU-128, 1024 inits: CTD's finder (reference
// mode: every row, every iteration, no Jacobians) on the float32 model's fused
// forward+backward kernels (ResidualVJPMap), as `ctdtui fixedpoints --mode
// reference` runs it. Compare with
// ../shared/bench/torch_ref.py --fixedpoints --latent 128 --fp-inits 1024 --fp-iters 1000.
func BenchmarkFixedPointsGRU128Float32Adam1000(b *testing.B) {
	m, x0, u := benchNetsGRU(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := analysis.FindFixedPoints(context.Background(), m, x0, u,
			&analysis.FixedPointSettings{Mode: analysis.FixedPointReference, MaxIters: 1000, NoJacobians: true}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/1000iters")
}
