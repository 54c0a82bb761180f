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

// With a Precise map, Adam runs on the fast float32 map while Newton's
// method, q at the points and the Jacobians use the float64 one: the points
// are then fixed to float64 precision (q < 1e-20, which float32 arithmetic
// cannot reach) and their Jacobians are the float64 map's.
func TestFixedPointsPreciseMap(t *testing.T) {
	// A contracting GRU (small recurrent weights) has one stable fixed point.
	m32, err := nets.New[float32](nets.Config{Kind: nets.KindGRU, Inputs: 2, Latent: 6, Outputs: 1}, rand.New(rand.NewPCG(5, 6)))
	if err != nil {
		t.Fatal(err)
	}
	for i := range m32.Params().Data {
		m32.Params().Data[i] *= 0.5
	}
	fast := nets.NewFixedPointMap(m32)
	precise := nets.NewFixedPointMap(nets.Convert[float64](m32))
	rng := rand.New(rand.NewPCG(7, 8))
	x0 := mat.NewDense(16, 6, nil)
	for i := 0; i < 16; i++ {
		for j := 0; j < 6; j++ {
			x0.Set(i, j, 0.5*rng.NormFloat64())
		}
	}
	u := mat.NewDense(1, 2, []float64{0.3, -0.2})
	run := func(p analysis.Map) *analysis.FixedPointResult {
		res, err := analysis.FindFixedPoints(context.Background(), fast, x0, u, &analysis.FixedPointSettings{LearningRate: 1e-2, MaxIters: 3000, Precise: p})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	with, without := run(precise), run(nil)
	if len(with.FixedPoints) != 1 || len(without.FixedPoints) != 1 {
		t.Fatalf("%d and %d fixed points, want 1", len(with.FixedPoints), len(without.FixedPoints))
	}
	p := with.FixedPoints[0]
	f := make([]float64, 6)
	precise.Eval(f, p.X, 1, p.U)
	q := 0.0
	for k := range f {
		q += 0.5 * (f[k] - p.X[k]) * (f[k] - p.X[k])
	}
	if !(p.Q < 1e-20) || !(q < 1e-20) {
		t.Fatalf("q = %v (recomputed %v), want < 1e-20 with the float64 map", p.Q, q)
	}
	// Without it the point is a float32 fixed point (its own q may even be
	// 0), which the float64 model sees as only approximately fixed.
	w := without.FixedPoints[0]
	precise.Eval(f, w.X, 1, w.U)
	q32 := 0.0
	for k := range f {
		q32 += 0.5 * (f[k] - w.X[k]) * (f[k] - w.X[k])
	}
	if !(q32 > 1e-20) {
		t.Fatalf("the float32-only point has float64 q = %v; the test cannot tell the maps apart", q32)
	}
	t.Logf("float64 q: %.3g with the precise map, %.3g without", q, q32)
	jac := make([]float64, 36)
	precise.Jacobian(jac, p.X, p.U)
	for i := range jac {
		if jac[i] != p.Jacobian[i] {
			t.Fatalf("Jacobian[%d] = %v, float64 map %v", i, p.Jacobian[i], jac[i])
		}
	}
	if !p.Stable {
		t.Fatalf("the contracting GRU's fixed point is unstable: |λ|max %v", p.MaxAbsEig)
	}
	// Settings: FixedQ follows the precise map (1e-20), TolQ the fast one.
	for _, r := range with.Rows {
		if r.Class != analysis.RowFixed {
			t.Fatalf("row %+v not fixed", r)
		}
	}
}
