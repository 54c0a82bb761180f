package analysis

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func centredProduct(a, b mat.Matrix) *mat.Dense {
	var out mat.Dense
	out.Mul(centred(a, colMeans(a)).T(), centred(b, colMeans(b)))
	return &out
}

// MultiGram's blocks are the centred cross-products, for float64 and
// float32 sets alike, and do not depend on the number of workers.
func TestMultiGram(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const n = 9000 // more than two row blocks
	a := mat.NewDense(n, 5, randSlice(rng, n*5, 1))
	b := mat.NewDense(n, 3, randSlice(rng, n*3, 2))
	f := make([]float32, n*4)
	for i := range f {
		f[i] = float32(rng.NormFloat64() + 3)
	}
	c := NewFloat32Matrix(n, 4, f)
	sets := []mat.Matrix{a, b, c}
	ctx := context.Background()
	m1, err := NewMultiGram(ctx, sets, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	m3, err := NewMultiGram(ctx, sets, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range sets {
		for j := range sets {
			g := m1.Pair(i, j)
			want := centredProduct(sets[i], sets[j])
			if d := maxAbsDiff(t, denseData(g.AB), denseData(want)); d > 1e-9 {
				t.Errorf("block (%d, %d) off by %g", i, j, d)
			}
			if d := maxAbsDiff(t, denseData(g.AA), denseData(centredProduct(sets[i], sets[i]))); d > 1e-9 {
				t.Errorf("block (%d, %d): AA off by %g", i, j, d)
			}
			if d := maxAbsDiff(t, denseData(g.AB), denseData(m3.Pair(i, j).AB)); d != 0 {
				t.Errorf("block (%d, %d) differs between 1 and 3 workers by %g", i, j, d)
			}
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := NewMultiGram(cancelled, sets, 2, nil); err == nil {
		t.Error("cancelled accumulation returned no error")
	}
}

// R² from the cross-products of held-out rows equals R² of explicit
// predictions, overall and along given directions.
func TestCrossGramHeldOutR2(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	mk := func(n int) (*mat.Dense, *mat.Dense) {
		x := mat.NewDense(n, 6, randSlice(rng, n*6, 1))
		y := mat.NewDense(n, 4, nil)
		y.Apply(func(i, j int, _ float64) float64 {
			return math.Sin(x.At(i, j)+x.At(i, j+2)) + 0.3*rng.NormFloat64() + 2
		}, y)
		return x, y
	}
	xt, yt := mk(3000)
	xv, yv := mk(1000)
	lr, err := FitLinearRegression(xt, yt, &MetricSettings{Solver: SolverExact})
	if err != nil {
		t.Fatal(err)
	}
	var pred mat.Dense
	lr.Predict(&pred, xv)
	g := NewCrossGram(xv, yv)
	checkScalar(t, "held-out R²", g.R2(lr), R2Score(yv, &pred, VarianceWeighted), 1e-12)
	dirs := mat.NewDense(4, 3, randSlice(rng, 12, 1))
	var zt, zp mat.Dense
	zt.Mul(yv, dirs)
	zp.Mul(&pred, dirs)
	checkClose(t, "R² along directions", g.R2Along(lr, dirs), R2Raw(&zt, &zp), 1e-12)
	lrIn, _ := FitLinearRegression(xv, yv, &MetricSettings{Solver: SolverGram})
	lrIn.Predict(&pred, xv)
	checkScalar(t, "in-sample R²", g.R2(lrIn), R2Score(yv, &pred, VarianceWeighted), 1e-12)
}
