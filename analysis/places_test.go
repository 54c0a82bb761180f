package analysis

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// cubeMap is the autonomous map F(x)_i = x_i + dt·(x_i − x_i³) on R³: the
// product of three 1-D bistable maps, a flip-flop with a known architecture.
// Its 27 fixed points are {−1, 0, 1}³; at one with z zero coordinates the
// Jacobian is diagonal with 1 + dt (unstable) on the zeros and 1 − 2dt
// (stable) elsewhere: 8 stable corners, 12 saddles with 1 unstable direction
// (edges), 6 with 2 (faces) and 1 with 3 (the centre).
type cubeMap struct{ dt float64 }

func (cubeMap) Dim() int      { return 3 }
func (cubeMap) InputDim() int { return 0 }
func (c cubeMap) Eval(dst, x []float64, n int, u []float64) {
	for i := range x[:n*3] {
		dst[i] = x[i] + c.dt*(x[i]-x[i]*x[i]*x[i])
	}
}
func (c cubeMap) VJP(dst, x, v []float64, n int, u []float64) {
	for i := range x[:n*3] {
		dst[i] = (1 + c.dt*(1-3*x[i]*x[i])) * v[i]
	}
}
func (c cubeMap) Jacobian(dst, x, u []float64) {
	clear(dst)
	for i := 0; i < 3; i++ {
		dst[i*3+i] = 1 + c.dt*(1-3*x[i]*x[i])
	}
}

func cubeInits(n int, seed uint64) *mat.Dense {
	rng := rand.New(rand.NewPCG(seed, 1))
	x := mat.NewDense(n, 3, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < 3; j++ {
			x.Set(i, j, 3*(rng.Float64()-0.5))
		}
	}
	return x
}

// The search finds the cube map's whole architecture with the right types.
func TestStabilityTypesCube(t *testing.T) {
	res, err := FindFixedPoints(context.Background(), cubeMap{dt: 0.1}, cubeInits(800, 1), nil,
		&FixedPointSettings{LearningRate: 1e-2, MaxIters: 3000})
	if err != nil {
		t.Fatal(err)
	}
	var c TypeCounts
	for i := range res.FixedPoints {
		p := &res.FixedPoints[i]
		c.Add(p)
		zeros := 0
		for _, v := range p.X {
			if math.Abs(v) < 1e-9 {
				zeros++
			} else if math.Abs(math.Abs(v)-1) > 1e-9 {
				t.Errorf("fixed point %v is not in {−1, 0, 1}³", p.X)
			}
		}
		if p.NUnstable != zeros || p.TypeName() != map[int]string{0: "stable", 1: "saddle-1", 2: "saddle-2", 3: "unstable"}[zeros] {
			t.Errorf("point %v: %d unstable directions, type %s", p.X, p.NUnstable, p.TypeName())
		}
	}
	// The default place radius is half the closest fixed points' distance.
	if math.Abs(res.PlaceRadius-0.5) > 1e-12 {
		t.Errorf("place radius %v, want 0.5 (half the unit spacing of the fixed points)", res.PlaceRadius)
	}
	// The centre has every direction unstable: a repeller, not a saddle.
	if len(res.FixedPoints) != 27 || c.Stable != 8 || c.Saddles[1] != 12 || c.Saddles[2] != 6 || c.Unstable != 1 || c.Rotational != 0 {
		t.Fatalf("%d fixed points, types %+v", len(res.FixedPoints), c)
	}
}

// SetStability on known spectra: saddle index, rotation, slow modes.
func TestSetStability(t *testing.T) {
	for _, c := range []struct {
		eig        []complex128
		typ        string
		rot        bool
		slow       int
		stable     bool
		nUnstable  int
		maxAbsWant float64
	}{
		{[]complex128{0.9, 0.5}, "stable", false, 0, true, 0, 0.9},
		{[]complex128{complex(0.6, 0.7), complex(0.6, -0.7), 0.1}, "stable", true, 0, true, 0, math.Hypot(0.6, 0.7)},
		{[]complex128{1.5, 0.9995, 0.2}, "saddle-1", false, 1, false, 1, 1.5},
		{[]complex128{complex(1.1, 0.2), complex(1.1, -0.2), 0.3}, "saddle-2", true, 0, false, 2, math.Hypot(1.1, 0.2)},
		{[]complex128{2, 1.0002}, "unstable", false, 1, false, 2, 2},
		{[]complex128{cmplxNaN(), 0.5}, "unknown", false, 0, false, 0, math.NaN()},
	} {
		p := FixedPoint{Eigenvalues: c.eig}
		p.SetStability()
		if p.TypeName() != c.typ || p.Rotational != c.rot || p.SlowModes != c.slow || p.Stable != c.stable || p.NUnstable != c.nUnstable ||
			!(p.MaxAbsEig == c.maxAbsWant || math.IsNaN(p.MaxAbsEig) && math.IsNaN(c.maxAbsWant)) {
			t.Errorf("%v: type %s rot %v slow %d stable %v unstable %d max %v", c.eig, p.TypeName(), p.Rotational, p.SlowModes, p.Stable, p.NUnstable, p.MaxAbsEig)
		}
	}
}

func cmplxNaN() complex128 { return complex(math.NaN(), math.NaN()) }

// The ladder from one search is monotone in the threshold and, at any
// threshold, what a separate search with SlowQ at that threshold reports
// (fixed + slow points). A short search leaves rows at every q.
func TestLadderMonotoneAndSeparateSearches(t *testing.T) {
	x0 := cubeInits(400, 2)
	set := func(slowQ float64) *FixedPointSettings {
		// A small place radius keeps the unconverged rows apart from the
		// fixed points (the default, half their spacing, would absorb them).
		return &FixedPointSettings{LearningRate: 1e-3, MaxIters: 400, NewtonEvery: -1, SlowQ: slowQ, TolUniqueSlow: 0.05}
	}
	res, err := FindFixedPoints(context.Background(), cubeMap{dt: 0.1}, x0, nil, set(0))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Ladder) != 14 || res.Ladder[0].QThresh != 1e-1 || res.Ladder[13].QThresh != 1e-14 {
		t.Fatalf("ladder thresholds %+v", res.Ladder)
	}
	for i := 1; i < len(res.Ladder); i++ {
		a, b := res.Ladder[i-1], res.Ladder[i] // a: looser
		if b.Places > a.Places || b.Fixed > a.Fixed || b.Slow > a.Slow || b.Rows > a.Rows || b.Types.Stable > a.Types.Stable {
			t.Errorf("not monotone between %g (%+v) and %g (%+v)", a.QThresh, a, b.QThresh, b)
		}
	}
	loosest, strictest := res.Ladder[0], res.Ladder[13]
	if loosest.Places <= strictest.Places || strictest.Slow != 0 || strictest.Fixed != len(res.FixedPoints) {
		t.Fatalf("the short search should leave slow places: loosest %+v, strictest %+v", loosest, strictest)
	}
	t.Logf("ladder: %v", ladderPlaces(res.Ladder))
	for _, k := range []int{2, 6} { // 1e-3 and 1e-7
		tau := res.Ladder[k].QThresh
		sep, err := FindFixedPoints(context.Background(), cubeMap{dt: 0.1}, x0, nil, set(tau))
		if err != nil {
			t.Fatal(err)
		}
		if got := len(sep.FixedPoints) + len(sep.SlowPoints); got != res.Ladder[k].Places {
			t.Errorf("q < %g: separate search %d fixed + %d slow = %d, ladder %d", tau, len(sep.FixedPoints), len(sep.SlowPoints), got, res.Ladder[k].Places)
		}
		var c TypeCounts
		for _, pts := range [][]FixedPoint{sep.FixedPoints, sep.SlowPoints} {
			for i := range pts {
				c.Add(&pts[i])
			}
		}
		if c.Stable != res.Ladder[k].Types.Stable || c.SaddleTotal() != res.Ladder[k].Types.SaddleTotal() || c.Unstable != res.Ladder[k].Types.Unstable {
			t.Errorf("q < %g: separate search types %+v, ladder %+v", tau, c, res.Ladder[k].Types)
		}
	}
}

func ladderPlaces(l []LadderRung) []int {
	out := make([]int, len(l))
	for i, r := range l {
		out[i] = r.Places
	}
	return out
}

// Places: slow rows near a fixed point join it; a line of slow rows whose
// neighbours are within the place radius is one place, however long.
func TestPlacesSlowRowsMerge(t *testing.T) {
	rows := []FixedPointRow{
		{X: []float64{0, 0}, Q: 0},       // fixed point
		{X: []float64{0.04, 0}, Q: 1e-8}, // near it: joins it
		{X: []float64{1, 0}, Q: 1e-7},    // a line of slow rows 0.05 apart …
		{X: []float64{1.05, 0}, Q: 2e-7}, //
		{X: []float64{1.1, 0}, Q: 5e-8},  //
		{X: []float64{1.15, 0}, Q: 3e-3}, // … ending in a loose row
		{X: []float64{3, 0}, Q: 2e-3},    // a loose place
		{X: []float64{5, 5}, Q: 1},       // above every threshold
	}
	res := &FixedPointResult{Rows: rows}
	init := []float64{-1, -1, 1, 1, -1, 1, 1, -1, 0, 0, 0, 0, 0, 0, 0, 0}
	c := (&FixedPointSettings{TolUniqueSlow: 0.06}).withDefaults(cubeMap{})
	classifyRows(res, init, 8, 2, &c)
	if len(res.FixedPoints) != 1 || len(res.FixedPoints[0].Rows) != 2 || len(res.SlowPoints) != 1 || len(res.LoosePoints) != 1 {
		t.Fatalf("fixed %+v\nslow %+v\nloose %+v", res.FixedPoints, res.SlowPoints, res.LoosePoints)
	}
	sp := res.SlowPoints[0]
	if sp.Q != 5e-8 || sp.Rows[0] != 4 || len(sp.Rows) != 4 || res.Rows[5].Point != 1 || res.Rows[7].Point != -1 || res.NUnconverged != 3 {
		t.Errorf("slow place %+v, row points %d %d, unconverged %d", sp, res.Rows[5].Point, res.Rows[7].Point, res.NUnconverged)
	}
	l := PlaceLadder(res, []float64{1e-1, 1e-5, 1e-7, 1e-9})
	if got := ladderPlaces(l); got[0] != 3 || got[1] != 2 || got[2] != 2 || got[3] != 1 {
		t.Errorf("ladder places %v, want [3 2 2 1]", got)
	}
}
