package analysis

import (
	"context"
	"errors"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"
)

type complexList struct {
	Re [][]float64 `json:"re"`
	Im [][]float64 `json:"im"`
}

type ctdFPRun struct {
	XStar  [][]float64   `json:"xstar"`
	QStar  []float64     `json:"qstar"`
	DQ     []float64     `json:"dq"`
	NIters []float64     `json:"n_iters"`
	QAtX   []float64     `json:"q_recomputed_at_xstar"`
	J      [][][]float64 `json:"J_xstar"`
	Eig    complexList   `json:"eigval_J_xstar_sorted_by_abs_desc"`
	Stable []bool        `json:"is_stable"`
	Unique struct {
		N     int         `json:"n"`
		XStar [][]float64 `json:"xstar"`
		QStar []float64   `json:"qstar"`
	} `json:"unique_tol1e-3"`
	NBelow1e5 int `json:"n_q_below_1e-5"`
}

type fpCase struct {
	Cell   string         `json:"cell"`
	Params map[string]any `json:"params"`
	U      []float64      `json:"input_u"`
	XInit  [][]float64    `json:"x_init"`
	F32    ctdFPRun       `json:"ctd_float32"`
	F64    ctdFPRun       `json:"ctd_float64"`
	Adam3  []struct {
		Q    []float64   `json:"q"`
		Grad [][]float64 `json:"grad_of_mean_q"`
		X    [][]float64 `json:"x_after_step"`
	} `json:"adam_first3_float64"`
	Reference struct {
		Polished []struct {
			X      []float64 `json:"x"`
			Q      float64   `json:"q"`
			Stable bool      `json:"stable"`
		} `json:"per_init_newton_polished"`
		Distinct []struct {
			X         []float64 `json:"x"`
			Q         float64   `json:"q"`
			Eig       any       `json:"eig_sorted_abs_desc_then_imag_desc"`
			Stable    bool      `json:"stable"`
			NUnstable int       `json:"n_unstable_modes"`
		} `json:"distinct_fixed_points"`
	} `json:"reference"`
}

type fpGolden struct {
	Settings struct {
		LR       float64 `json:"learning_rate"`
		MaxIters int     `json:"max_iters"`
	} `json:"settings"`
	GRU3     fpCase `json:"gru3"`
	GRU8     fpCase `json:"gru8"`
	NODE3    fpCase `json:"node3"`
	Sampling struct {
		States   [][][]float64 `json:"state_trajs"`
		Inputs   [][][]float64 `json:"inputs"`
		NInits   int           `json:"n_inits"`
		Idx      []int         `json:"sampled_flat_idx"`
		XInit    [][]float64   `json:"x_init_after_noise"`
		XStar    [][]float64   `json:"xstar"`
		QStar    []float64     `json:"qstar"`
		Noise    float64       `json:"noise_scale"`
		LR       float64       `json:"learning_rate"`
		MaxIters int           `json:"max_iters"`
	} `json:"sampling_from_trajectories"`
}

var fpGoldenCache *fpGolden

func loadFP(t testing.TB) *fpGolden {
	if fpGoldenCache == nil {
		var g fpGolden
		loadJSON(t, "fixedpoints.json", &g)
		fpGoldenCache = &g
	}
	return fpGoldenCache
}

func anyToFloats(t testing.TB, v any) []float64 {
	t.Helper()
	var out []float64
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				walk(e)
			}
		case float64:
			out = append(out, x)
		default:
			t.Fatalf("unexpected %T in params", v)
		}
	}
	walk(v)
	return out
}

// buildMap makes the reference map of a golden case.
func buildMap(t testing.TB, c *fpCase) Map {
	p := func(k string) []float64 { return anyToFloats(t, c.Params[k]) }
	if c.Cell == "GRUCell" {
		bih := p("bias_ih")
		h := len(bih) / 3
		return NewGRUMap(h, len(c.U), p("weight_ih"), p("weight_hh"), bih, p("bias_hh"))
	}
	h := len(c.XInit[0])
	var layers []DenseLayer
	for _, k := range []string{"0", "2", "4"} {
		w, b := p("vf_net."+k+".weight"), p("vf_net."+k+".bias")
		layers = append(layers, DenseLayer{Out: len(b), In: len(w) / len(b), W: w, B: b})
	}
	return NewMLPMap(h, len(c.U), layers, 0.1)
}

func fpCases(g *fpGolden) map[string]*fpCase {
	return map[string]*fpCase{"gru3": &g.GRU3, "gru8": &g.GRU8, "node3": &g.NODE3}
}

// The analytic Jacobians agree with CTD's autograd Jacobians at its x*.
func TestGoldenJacobians(t *testing.T) {
	g := loadFP(t)
	for name, c := range fpCases(g) {
		m := buildMap(t, c)
		h := m.Dim()
		worst := 0.0
		for i, x := range c.F64.XStar {
			jac := make([]float64, h*h)
			m.Jacobian(jac, x, c.U)
			worst = math.Max(worst, maxAbsDiff(t, jac, flatten2(c.F64.J[i])))
		}
		if worst > 1e-12 {
			t.Errorf("%s: Jacobian max error %g", name, worst)
		}
		t.Logf("%s: Jacobian max error %.3g", name, worst)
		// q recomputed at x*
		n := len(c.F64.XStar)
		q := residualQ(m, flatten2(c.F64.XStar), repeatRows(c.U, n), n)
		checkClose(t, name+" q at x*", q, c.F64.QAtX, 1e-14)
	}
}

func repeatRows(u []float64, n int) []float64 {
	out := make([]float64, 0, n*len(u))
	for i := 0; i < n; i++ {
		out = append(out, u...)
	}
	return out
}

// The first three Adam steps on the first two rows, exactly.
func TestGoldenAdamFirstSteps(t *testing.T) {
	g := loadFP(t)
	for name, c := range fpCases(g) {
		m := buildMap(t, c)
		h := m.Dim()
		x := flatten2(c.XInit[:2])
		u := repeatRows(c.U, 2)
		var qs, grads, xs []float64
		var wq, wg, wx []float64
		for k, st := range c.Adam3 {
			wq = append(wq, st.Q...)
			wg = append(wg, flatten2(st.Grad)...)
			wx = append(wx, flatten2(st.X)...)
			_ = k
		}
		// Run 1, 2, 3 steps with the progress hook reading nothing: replay
		// the steps by running the optimiser with MaxIters = k.
		for k := 1; k <= 3; k++ {
			x0 := mat.NewDense(2, h, slices.Clone(x))
			res, err := FindFixedPoints(context.Background(), m, x0, mat.NewDense(1, len(c.U), c.U),
				&FixedPointSettings{Mode: FixedPointReference, LearningRate: g.Settings.LR, MaxIters: k, NoJacobians: true})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res.Rows {
				xs = append(xs, r.X...)
			}
			// q of the k-th iteration (before its step) is res.Rows[i].Q.
			for _, r := range res.Rows {
				qs = append(qs, r.Q)
			}
		}
		// Gradients: recompute at the states before each step.
		states := [][]float64{x, xs[0 : 2*h], xs[2*h : 4*h]}
		for _, s := range states {
			f, gr, d := make([]float64, 2*h), make([]float64, 2*h), make([]float64, 2*h)
			residualGrad(m, f, gr, s, u, 2, d)
			for k := range gr {
				gr[k] = 0.5*gr[k] - 0.5*(f[k]-s[k])
			}
			grads = append(grads, gr...)
		}
		// Equal up to a few ulps (the reductions' summation order differs).
		checkClose(t, name+" adam q", qs, wq, 1e-15)
		checkClose(t, name+" adam grad", grads, wg, 1e-15)
		checkClose(t, name+" adam x", xs, wx, 1e-15)
	}
}

// Reference mode reproduces CTD's find_fixed_points in float64: converged rows
// to ~1e-6 (they sit on the fixed point), eigenvalues and stability, the
// one-step-stale q*, and get_unique(1e-3).
func TestGoldenReferenceMode(t *testing.T) {
	g := loadFP(t)
	for name, c := range fpCases(g) {
		m := buildMap(t, c)
		h := m.Dim()
		n := len(c.XInit)
		res, err := FindFixedPoints(context.Background(), m, dense2(c.XInit), mat.NewDense(1, len(c.U), c.U),
			&FixedPointSettings{Mode: FixedPointReference, LearningRate: g.Settings.LR, MaxIters: g.Settings.MaxIters})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Rows) != n || len(res.FixedPoints) != n || res.Iters != g.Settings.MaxIters {
			t.Fatalf("%s: %d rows, %d points, %d iterations", name, len(res.Rows), len(res.FixedPoints), res.Iters)
		}
		var worstX, worstEig, worstQ float64
		nConv := 0
		for i, r := range res.Rows {
			if !slices.Equal(r.Init, c.XInit[i]) {
				t.Fatalf("%s row %d: Init is not the starting state", name, i)
			}
			if c.F64.QStar[i] >= 1e-10 {
				continue
			}
			nConv++
			worstX = math.Max(worstX, maxAbsDiff(t, r.X, c.F64.XStar[i]))
			worstQ = math.Max(worstQ, math.Abs(r.Q-c.F64.QStar[i]))
			p := res.FixedPoints[i]
			want := make([]complex128, h)
			for k := range want {
				want[k] = complex(c.F64.Eig.Re[i][k], c.F64.Eig.Im[i][k])
			}
			worstEig = math.Max(worstEig, eigMultisetDist(p.Eigenvalues, want))
			if p.Stable != c.F64.Stable[i] {
				t.Errorf("%s row %d: stable %v want %v", name, i, p.Stable, c.F64.Stable[i])
			}
		}
		// The eigenvalues in the golden file went through float32 (torch),
		// hence the 1e-6 tolerance.
		if worstX > 1e-6 || worstEig > 1e-6 || worstQ > 1e-10 {
			t.Errorf("%s: %d converged rows: x* error %.3g, eigenvalue error %.3g, q* error %.3g", name, nConv, worstX, worstEig, worstQ)
		}
		t.Logf("%s: %d converged rows: x* error %.3g, eigenvalue error %.3g, q* error %.3g", name, nConv, worstX, worstEig, worstQ)

		// Non-converged rows follow the reference's trajectories too (loosely),
		// and Q/QAtX carry the reference's one-step offset: Q matches its
		// stale q*, QAtX its q recomputed at x*.
		var worstAll, worstQRel, worstQAtRel float64
		for i, r := range res.Rows {
			worstAll = math.Max(worstAll, maxAbsDiff(t, r.X, c.F64.XStar[i]))
			if c.F64.QStar[i] > 1e-6 { // rows still far from converging
				worstQRel = math.Max(worstQRel, math.Abs(r.Q-c.F64.QStar[i])/c.F64.QStar[i])
				worstQAtRel = math.Max(worstQAtRel, math.Abs(r.QAtX-c.F64.QAtX[i])/c.F64.QAtX[i])
			}
		}
		if worstAll > 1e-4 || worstQRel > 1e-3 || worstQAtRel > 1e-3 {
			t.Errorf("%s: all rows: x* error %.3g, q* relative error %.3g, q(x*) relative error %.3g", name, worstAll, worstQRel, worstQAtRel)
		}
		t.Logf("%s: all rows: x* error %.3g, q* relative error %.3g, q(x*) relative error %.3g", name, worstAll, worstQRel, worstQAtRel)

		// CTD really runs in float32: converged rows agree with its float32
		// run to ~1e-5 (x*, eigenvalues, stability).
		var worst32X, worst32Eig float64
		for i, r := range res.Rows {
			if c.F32.QStar[i] >= 1e-10 || c.F64.QStar[i] >= 1e-10 {
				continue
			}
			worst32X = math.Max(worst32X, maxAbsDiff(t, r.X, c.F32.XStar[i]))
			want := make([]complex128, h)
			for k := range want {
				want[k] = complex(c.F32.Eig.Re[i][k], c.F32.Eig.Im[i][k])
			}
			worst32Eig = math.Max(worst32Eig, eigMultisetDist(res.FixedPoints[i].Eigenvalues, want))
			if res.FixedPoints[i].Stable != c.F32.Stable[i] {
				t.Errorf("%s row %d: stable %v, float32 run says %v", name, i, res.FixedPoints[i].Stable, c.F32.Stable[i])
			}
		}
		if worst32X > 1e-5 || worst32Eig > 1e-5 {
			t.Errorf("%s: vs float32 run: x* error %.3g, eigenvalue error %.3g", name, worst32X, worst32Eig)
		}
		t.Logf("%s: vs float32 run: x* error %.3g, eigenvalue error %.3g", name, worst32X, worst32Eig)

		// get_unique(1e-3) on the golden x*/q* reproduces the reference exactly.
		pts := make([]FixedPoint, n)
		for i := range pts {
			pts[i] = FixedPoint{X: c.F64.XStar[i], Q: c.F64.QStar[i], Rows: []int{i}}
		}
		u := UniqueFixedPoints(pts, 1e-3, false)
		if len(u) != c.F64.Unique.N {
			t.Errorf("%s: unique on golden x*: %d points, want %d", name, len(u), c.F64.Unique.N)
		} else {
			var xs, qs []float64
			for _, p := range u {
				xs = append(xs, p.X...)
				qs = append(qs, p.Q)
			}
			checkClose(t, name+" unique x* (golden input)", xs, flatten2(c.F64.Unique.XStar), 0)
			checkClose(t, name+" unique q* (golden input)", qs, c.F64.Unique.QStar, 0)
		}
		// … and on our own reference-mode output gives the same count.
		if u2 := UniqueFixedPoints(res.FixedPoints, 1e-3, false); len(u2) != c.F64.Unique.N {
			t.Errorf("%s: unique on our x*: %d points, want %d", name, len(u2), c.F64.Unique.N)
		}
		below := 0
		for _, r := range res.Rows {
			if r.Q < 1e-5 {
				below++
			}
		}
		if below != c.F64.NBelow1e5 {
			t.Errorf("%s: %d rows with q* < 1e-5, want %d", name, below, c.F64.NBelow1e5)
		}
	}
}

// eigMultisetDist matches two eigenvalue lists greedily (they are short) and
// returns the largest distance.
func eigMultisetDist(got, want []complex128) float64 {
	used := make([]bool, len(want))
	worst := 0.0
	for _, gv := range got {
		best, bi := math.Inf(1), -1
		for j, wv := range want {
			if !used[j] && cmplx.Abs(gv-wv) < best {
				best, bi = cmplx.Abs(gv-wv), j
			}
		}
		if bi < 0 {
			return math.Inf(1)
		}
		used[bi] = true
		worst = math.Max(worst, best)
	}
	return worst
}

// Refine mode finds the reference's distinct fixed points: Newton-refined
// points to ~1e-10, eigenvalues, stability and unstable-mode counts.
func TestGoldenRefineMode(t *testing.T) {
	g := loadFP(t)
	for name, c := range fpCases(g) {
		m := buildMap(t, c)
		var progress []FixedPointProgress
		res, err := FindFixedPoints(context.Background(), m, dense2(c.XInit), mat.NewDense(1, len(c.U), c.U),
			&FixedPointSettings{LearningRate: g.Settings.LR, MaxIters: g.Settings.MaxIters,
				Progress: func(p FixedPointProgress) { progress = append(progress, p) }})
		if err != nil {
			t.Fatal(err)
		}
		if len(progress) == 0 || progress[len(progress)-1].Stage != "done" {
			t.Errorf("%s: progress not reported", name)
		}
		// Every distinct fixed point we report is one of the reference's.
		matched := make([]bool, len(c.Reference.Distinct))
		worstX, worstEig := 0.0, 0.0
		for _, p := range res.FixedPoints {
			bi, bd := -1, math.Inf(1)
			for j, d := range c.Reference.Distinct {
				if dd := dist(p.X, d.X); dd < bd {
					bi, bd = j, dd
				}
			}
			if bd > 1e-8 {
				t.Errorf("%s: fixed point %v (q %g) is %g from every reference point", name, p.X, p.Q, bd)
				continue
			}
			if matched[bi] {
				t.Errorf("%s: reference point %d found twice", name, bi)
			}
			matched[bi] = true
			d := c.Reference.Distinct[bi]
			worstX = math.Max(worstX, bd)
			worstEig = math.Max(worstEig, eigMultisetDist(p.Eigenvalues, refEigs(t, d.Eig)))
			if p.Stable != d.Stable || p.NUnstable != d.NUnstable {
				t.Errorf("%s: point %d stable %v/%d unstable modes, want %v/%d", name, bi, p.Stable, p.NUnstable, d.Stable, d.NUnstable)
			}
			if !(p.Q < 1e-20) {
				t.Errorf("%s: fixed point q %g", name, p.Q)
			}
		}
		// Every reference point inside the outlier radius was found.
		missed := 0
		for j, ok := range matched {
			if !ok {
				missed++
				t.Logf("%s: reference point %d (|x|∞ %.3g) not among ours", name, j, maxAbs(c.Reference.Distinct[j].X))
				if maxAbs(c.Reference.Distinct[j].X) < 2 {
					t.Errorf("%s: missed reference fixed point %d at %v", name, j, c.Reference.Distinct[j].X)
				}
			}
		}
		if worstX > 1e-10 || worstEig > 1e-8 {
			t.Errorf("%s: x error %.3g, eigenvalue error %.3g", name, worstX, worstEig)
		}
		counts := map[RowClass]int{}
		for _, r := range res.Rows {
			counts[r.Class]++
		}
		t.Logf("%s: %d fixed points (of %d reference), %d slow points, rows %v, outliers %d, unconverged %d; x err %.3g eig err %.3g",
			name, len(res.FixedPoints), len(c.Reference.Distinct), len(res.SlowPoints), counts, res.NOutliers, res.NUnconverged, worstX, worstEig)
	}
}

func refEigs(t testing.TB, v any) []complex128 {
	switch e := v.(type) {
	case []any:
		f := anyToFloats(t, e)
		out := make([]complex128, len(f))
		for i, x := range f {
			out[i] = complex(x, 0)
		}
		return out
	case map[string]any:
		re, im := anyToFloats(t, e["re"]), anyToFloats(t, e["im"])
		out := make([]complex128, len(re))
		for i := range re {
			out[i] = complex(re[i], im[i])
		}
		return out
	}
	t.Fatalf("eigenvalues: unexpected %T", v)
	return nil
}

func maxAbs(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		m = math.Max(m, math.Abs(x))
	}
	return m
}

// Trajectory sampling pairs every state row with the input row of the same
// index: with the reference's drawn indices we select the same states, and the
// reference's converged x* are fixed points of the map under exactly those
// paired inputs (and not under the inputs of other rows).
func TestGoldenSamplingPairsInputs(t *testing.T) {
	g := loadFP(t)
	s := &g.Sampling
	states, inputs := trials3(s.States).Flat(), trials3(s.Inputs).Flat()
	x0, u0, err := GatherInitialStates(states, inputs, s.Idx)
	if err != nil {
		t.Fatal(err)
	}
	checkClose(t, "selected states", denseData(x0), flatten2(s.XInit), 0)
	m := buildMap(t, &g.GRU3)
	n := len(s.Idx)
	q := residualQ(m, flatten2(s.XStar), denseData(u0), n)
	shifted := residualQ(m, flatten2(s.XStar), append(denseData(u0)[2:], denseData(u0)[:2]...), n)
	nConv := 0
	for i := range q {
		if s.QStar[i] < 1e-12 {
			nConv++
			if q[i] > 1e-12 {
				t.Errorf("row %d: q %g under the paired input, reference q* %g", i, q[i], s.QStar[i])
			}
			if shifted[i] < 1e-8 && !slices.Equal(u0.RawRowView(i), u0.RawRowView((i+1)%n)) {
				t.Errorf("row %d: also a fixed point under another row's input", i)
			}
		}
	}
	if nConv < 4 {
		t.Fatalf("only %d converged reference rows", nConv)
	}
	// Sampling with our RNG: indices in range, states and inputs paired, noise added.
	rng := rand.New(rand.NewPCG(7, 8))
	x1, u1, idx, err := SampleInitialStates(rng, states, inputs, 50, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, k := range idx {
		if !slices.Equal(x1.RawRowView(i), states.RawRowView(k)) || !slices.Equal(u1.RawRowView(i), inputs.RawRowView(k)) {
			t.Fatalf("row %d: not paired with index %d", i, k)
		}
	}
	x2, _, idx2, _ := SampleInitialStates(rand.New(rand.NewPCG(7, 8)), states, inputs, 50, 0.05)
	if !slices.Equal(idx, idx2) {
		t.Fatal("same seed drew different indices")
	}
	var diff mat.Dense
	diff.Sub(x2, x1)
	if sd := mat.Norm(&diff, 2) / math.Sqrt(50*3); sd < 0.03 || sd > 0.07 {
		t.Errorf("noise std %g, want ≈0.05", sd)
	}
	// A single input row is broadcast.
	_, u3, _, err := SampleInitialStates(rng, states, mat.NewDense(1, 2, []float64{0.1, -0.05}), 5, 0)
	if err != nil || u3.At(4, 1) != -0.05 {
		t.Errorf("broadcast input: %v %v", err, u3)
	}
	if _, _, _, err := SampleInitialStates(rng, states, mat.NewDense(2, 2, nil), 5, 0); err == nil {
		t.Error("mismatched input rows accepted")
	}
}

func TestFindFixedPointsCancel(t *testing.T) {
	g := loadFP(t)
	m := buildMap(t, &g.GRU8)
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	start := time.Now()
	_, err := FindFixedPoints(ctx, m, dense2(g.GRU8.XInit), mat.NewDense(1, 2, g.GRU8.U), &FixedPointSettings{
		MaxIters: 1_000_000_000, ProgressEvery: 10,
		Progress: func(p FixedPointProgress) {
			calls++
			if p.Iter >= 100 {
				cancel()
			}
		},
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if calls != 10 || time.Since(start) > 5*time.Second {
		t.Errorf("%d progress calls, %v", calls, time.Since(start))
	}
}

func TestFindFixedPointsBadInput(t *testing.T) {
	g := loadFP(t)
	m := buildMap(t, &g.GRU3)
	ctx := context.Background()
	if _, err := FindFixedPoints(ctx, m, mat.NewDense(2, 4, nil), mat.NewDense(1, 2, nil), nil); err == nil {
		t.Error("wrong state width accepted")
	}
	if _, err := FindFixedPoints(ctx, m, mat.NewDense(2, 3, nil), mat.NewDense(3, 2, nil), nil); err == nil {
		t.Error("wrong input rows accepted")
	}
	if _, err := FindFixedPoints(ctx, m, mat.NewDense(2, 3, nil), mat.NewDense(1, 2, nil), &FixedPointSettings{LearningRate: -1}); err == nil {
		t.Error("negative learning rate accepted")
	}
	// One row and H = 1 work (CTD crashes on them).
	m1 := NewRNNMap(1, 1, []float64{0.5}, []float64{0.5}, []float64{0.1}, []float64{0})
	res, err := FindFixedPoints(ctx, m1, mat.NewDense(1, 1, []float64{0.3}), mat.NewDense(1, 1, []float64{0.2}), &FixedPointSettings{MaxIters: 3000, LearningRate: 1e-2})
	if err != nil || len(res.FixedPoints) != 1 || !res.FixedPoints[0].Stable {
		t.Fatalf("1-D RNN: %v %+v", err, res)
	}
}

// In reference mode Q is q one Adam step before X, as CTD returns it.
func TestReferenceModeStaleQ(t *testing.T) {
	g := loadFP(t)
	c := &g.GRU8
	m := buildMap(t, c)
	run := func(k int) *FixedPointResult {
		res, err := FindFixedPoints(context.Background(), m, dense2(c.XInit), mat.NewDense(1, 2, c.U),
			&FixedPointSettings{Mode: FixedPointReference, MaxIters: k, NoJacobians: true})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	a, b := run(49), run(50)
	for i := range a.Rows {
		if b.Rows[i].Q != a.Rows[i].QAtX || b.Rows[i].Q == b.Rows[i].QAtX {
			t.Fatalf("row %d: Q after 50 steps %g, q after 49 steps %g, q after 50 %g", i, b.Rows[i].Q, a.Rows[i].QAtX, b.Rows[i].QAtX)
		}
		if want := math.Abs(b.Rows[i].Q - a.Rows[i].Q); b.Rows[i].DQ != want {
			t.Fatalf("row %d: dq %g want %g", i, b.Rows[i].DQ, want)
		}
	}
}

// Newton refinement from CTD's float64 x* lands on the reference's polished
// points wherever that refinement was local (the reference's undamped Newton
// also jumped far from some of gru8's ghost rows; those are not compared).
func TestGoldenNewtonPolish(t *testing.T) {
	g := loadFP(t)
	for name, c := range fpCases(g) {
		m := buildMap(t, c)
		worst, n := 0.0, 0
		for i, p := range c.Reference.Polished {
			if !(p.Q < 1e-20) || dist(p.X, c.F64.XStar[i]) > 0.1 {
				continue
			}
			x, q, _ := newtonRefine(m, c.F64.XStar[i], c.U, 20)
			if !(q < 1e-20) {
				t.Errorf("%s row %d: refined q %g", name, i, q)
			}
			worst = math.Max(worst, maxAbsDiff(t, x, p.X))
			n++
		}
		if worst > 1e-10 {
			t.Errorf("%s: %d rows, refined x error %.3g", name, n, worst)
		}
		t.Logf("%s: %d rows, refined x error %.3g", name, n, worst)
	}
}

// quadMap is the autonomous 1-D map F(x) = x − 0.1(x − 0.1)(x − 50)/50 with
// fixed points 0.1 (unstable, F' ≈ 1.0998) and 50 (stable, F' ≈ 0.9002).
type quadMap struct{}

func (quadMap) Dim() int      { return 1 }
func (quadMap) InputDim() int { return 0 }
func (quadMap) Eval(dst, x []float64, n int, u []float64) {
	for i := 0; i < n; i++ {
		dst[i] = x[i] - 0.1*(x[i]-0.1)*(x[i]-50)/50
	}
}
func (quadMap) VJP(dst, x, v []float64, n int, u []float64) {
	for i := 0; i < n; i++ {
		dst[i] = (1 - 0.1*(2*x[i]-50.1)/50) * v[i]
	}
}
func (quadMap) Jacobian(dst, x, u []float64) { dst[0] = 1 - 0.1*(2*x[0]-50.1)/50 }

// Refine mode on an autonomous map (nil inputs): duplicates merged, a point
// far outside the cloud of initial states dropped as an outlier, slow and
// unconverged rows told apart.
func TestFixedPointsOutliersAndClasses(t *testing.T) {
	n := 30
	x0 := mat.NewDense(n, 1, nil)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < n-1; i++ {
		x0.Set(i, 0, 0.1+0.2*(rng.Float64()-0.5))
	}
	x0.Set(n-1, 0, 49) // converges to the far fixed point at 50
	res, err := FindFixedPoints(context.Background(), quadMap{}, x0, nil, &FixedPointSettings{LearningRate: 1e-2, MaxIters: 5000})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.FixedPoints) != 1 || math.Abs(res.FixedPoints[0].X[0]-0.1) > 1e-12 || res.FixedPoints[0].Stable || res.FixedPoints[0].NUnstable != 1 {
		t.Fatalf("fixed points %+v", res.FixedPoints)
	}
	if res.NOutliers != 1 || res.Rows[n-1].Class != RowOutlier || math.Abs(res.Rows[n-1].X[0]-50) > 1e-9 {
		t.Errorf("outliers %d, last row %+v", res.NOutliers, res.Rows[n-1])
	}
	if len(res.FixedPoints[0].Rows) != n-1 {
		t.Errorf("%d rows merged into the fixed point, want %d", len(res.FixedPoints[0].Rows), n-1)
	}
	// Without the filter the far point is a second, stable fixed point.
	res2, err := FindFixedPoints(context.Background(), quadMap{}, x0, nil, &FixedPointSettings{LearningRate: 1e-2, MaxIters: 5000, OutlierScale: -1})
	if err != nil {
		t.Fatal(err)
	}
	if len(res2.FixedPoints) != 2 || !res2.FixedPoints[1].Stable || res2.NOutliers != 0 {
		t.Errorf("without outlier filter: %d points, outliers %d", len(res2.FixedPoints), res2.NOutliers)
	}
	// Too few iterations: rows stay slow or unconverged; nothing is a fixed point.
	res3, err := FindFixedPoints(context.Background(), quadMap{}, mat.NewDense(2, 1, []float64{0.13, 3}), nil,
		&FixedPointSettings{LearningRate: 1e-3, MaxIters: 5, NewtonIters: -1})
	if err != nil {
		t.Fatal(err)
	}
	if len(res3.FixedPoints) != 0 || res3.Rows[0].Class != RowSlow || res3.Rows[1].Class != RowUnconverged || len(res3.SlowPoints) != 1 || res3.NUnconverged != 1 {
		t.Errorf("classes %v %v, %d slow points", res3.Rows[0].Class, res3.Rows[1].Class, len(res3.SlowPoints))
	}
}

// TestKnownPointsChordMatch: a row near an already refined fixed point is
// confirmed by one chord step and gets that point; a row near no known point
// is not matched.
func TestKnownPointsChordMatch(t *testing.T) {
	m := testContractingMap()
	h := m.Dim()
	u := make([]float64, m.InputDim())
	x := make([]float64, h)
	xr, q, _ := newtonRefine(m, x, u, 30)
	k := newKnownPoints(m)
	k.add(xr, u, q)
	near := make([]float64, h)
	for i := range near {
		near[i] = xr[i] + 1e-4*float64(i%3-1)
	}
	got, gq, ok := k.match(near, u)
	if !ok || dist(got, xr) != 0 || gq != q {
		t.Fatalf("near row not matched to the known point: ok=%v", ok)
	}
	far := make([]float64, h)
	for i := range far {
		far[i] = xr[i] + 50
	}
	if _, _, ok := k.match(far, u); ok {
		t.Fatal("a row far from every known point was matched")
	}
	other := slices.Clone(u)
	if len(other) > 0 {
		other[0] += 1
		if _, _, ok := k.match(near, other); ok {
			t.Fatal("a row under another input was matched")
		}
	}
}

// testContractingMap is a GRU with small recurrent weights (one stable fixed
// point under any input).
func testContractingMap() *GRUMap {
	const h, in = 6, 2
	rng := rand.New(rand.NewPCG(11, 12))
	w := func(n int, s float64) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = s * (2*rng.Float64() - 1)
		}
		return out
	}
	return NewGRUMap(h, in, w(3*h*in, 0.5), w(3*h*h, 0.3), w(3*h, 0.2), w(3*h, 0.2))
}

// TestAdamVectorBitExact: the vectorised Adam step gives the scalar code's
// results bit for bit (same operation order, no fused multiply-add).
func TestAdamVectorBitExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 1027
	mk := func(s float64) []float64 {
		x := make([]float64, n)
		for i := range x {
			x[i] = s * rng.NormFloat64()
		}
		return x
	}
	p, g, m, v := mk(1), mk(1e-3), mk(1e-4), mk(1e-7)
	for i := range v {
		v[i] = math.Abs(v[i])
	}
	a := newAdam(1e-3)
	a.step = 7
	st := a.prepare()
	run := func(vec bool) [][]float64 {
		old := useAdamAVX
		useAdamAVX = vec && old
		defer func() { useAdamAVX = old }()
		pp, mm, vv := slices.Clone(p), slices.Clone(m), slices.Clone(v)
		st.apply(pp, g, mm, vv)
		return [][]float64{pp, mm, vv}
	}
	scalar, vector := run(false), run(true)
	for k := range scalar {
		for i := range scalar[k] {
			if math.Float64bits(scalar[k][i]) != math.Float64bits(vector[k][i]) {
				t.Fatalf("array %d element %d: vector %v, scalar %v", k, i, vector[k][i], scalar[k][i])
			}
		}
	}
}
