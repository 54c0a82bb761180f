package analysis

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func ctdScalar(t *testing.T, g *pcaR2Golden, key string) float64 {
	t.Helper()
	v, ok := g.CTD[key].(float64)
	if !ok {
		t.Fatalf("ctd_metrics.%s missing", key)
	}
	return v
}

// solvers are the two solvers of the regression-based metrics; every golden
// test of those runs with both.
var solvers = []*MetricSettings{{Solver: SolverExact}, {Solver: SolverGram}}

func TestCTDMetricsGolden(t *testing.T) {
	g := loadPCAR2(t)
	a, b, c := trials3(g.Inputs.LatA).Flat(), trials3(g.Inputs.LatB).Flat(), trials3(g.Inputs.LatC).Flat()
	const tol = 1e-10

	for _, s := range solvers {
		for _, tc := range []struct {
			key          string
			true_, pred_ mat.Matrix
			k            int
		}{
			{"state_r2_true_A_pred_B_k3", a, b, 3},
			{"state_r2_true_A_pred_B_k4", a, b, 4},
			{"state_r2_true_B_pred_A_k4", b, a, 4},
			{"state_r2_true_A_pred_C_k3_zeropad", a, c, 3},
		} {
			got, err := StateR2(tc.true_, tc.pred_, tc.k, s)
			if err != nil {
				t.Fatal(err)
			}
			checkScalar(t, s.Solver.String()+" "+tc.key, got, ctdScalar(t, g, tc.key), tol)
		}
		per, err := StateR2PerPC(a, b, 4, s)
		if err != nil {
			t.Fatal(err)
		}
		wantPer := g.CTD["state_r2_true_A_pred_B_k4_per_pc"].([]any)
		wp := make([]float64, len(wantPer))
		for i, v := range wantPer {
			wp[i] = v.(float64)
		}
		checkClose(t, s.Solver.String()+" state_r2 per PC", per, wp, tol)
	}

	v, err := StateR2VAF(a, b)
	if err != nil {
		t.Fatal(err)
	}
	checkScalar(t, "state_r2_vaf A→B", v, ctdScalar(t, g, "state_r2_vaf_true_A_pred_B"), tol)
	v, err = StateR2VAF(b, a)
	if err != nil {
		t.Fatal(err)
	}
	checkScalar(t, "state_r2_vaf B→A", v, ctdScalar(t, g, "state_r2_vaf_true_B_pred_A"), tol)

	rt, rp := trials3(g.Inputs.RatesTrue).Flat(), trials3(g.Inputs.RatesPred).Flat()
	checkScalar(t, "rate_r2", RateR2(rt, rp), ctdScalar(t, g, "rate_r2"), tol)

	v, err = LatentsVAF(a, b, 3)
	if err != nil {
		t.Fatal(err)
	}
	checkScalar(t, "latents_vaf A→B k3", v, ctdScalar(t, g, "latents_vaf_A_to_B_k3"), tol)
}

// The float32 block is what CTD really computes; a float64 port matches it to ~1e-5.
func TestCTDMetricsFloat32Golden(t *testing.T) {
	g := loadPCAR2(t)
	a, b := trials3(g.Inputs.LatA).Flat(), trials3(g.Inputs.LatB).Flat()
	v, err := StateR2(a, b, 4, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkScalar(t, "float32 state_r2 k4", v, g.CTD32["state_r2_true_A_pred_B_k4"], 1e-5)
	v, err = StateR2VAF(a, b)
	if err != nil {
		t.Fatal(err)
	}
	checkScalar(t, "float32 state_r2_vaf", v, g.CTD32["state_r2_vaf_true_A_pred_B"], 1e-5)
}

func TestLinearRegressionGolden(t *testing.T) {
	g := loadPCAR2(t)
	a, b := trials3(g.Inputs.LatA).Flat(), trials3(g.Inputs.LatB).Flat()
	const tol = 1e-10
	for _, s := range solvers {
		name := s.Solver.String() + " "
		lr, err := FitLinearRegression(a, b, s)
		if err != nil {
			t.Fatal(err)
		}
		checkClose(t, name+"coef", denseData(lr.Coef), flatten2(g.LinReg.Coef), tol)
		checkClose(t, name+"intercept", lr.Intercept, g.LinReg.Intercept, tol)
		var pred mat.Dense
		lr.Predict(&pred, a)
		checkClose(t, name+"r2 raw", R2Raw(b, &pred), g.LinReg.R2Raw, tol)
		checkScalar(t, name+"r2 uniform", R2Score(b, &pred, UniformAverage), g.LinReg.R2Uniform, tol)
		checkScalar(t, name+"score()", lr.Score(a, b), g.LinReg.R2Uniform, tol)
		checkScalar(t, name+"r2 variance weighted", R2Score(b, &pred, VarianceWeighted), g.LinReg.R2VW, tol)
		checkScalar(t, name+"in-sample r2 from the cross-products", NewCrossGram(a, b).R2(lr), g.LinReg.R2VW, tol)
		checkScalar(t, name+"explained variance vw", ExplainedVarianceScore(b, &pred, VarianceWeighted), g.LinReg.EVSVW, tol)

		tg := trials3(g.Inputs.Targets).Flat()
		for key, lat := range map[string]mat.Matrix{"A": a, "B": b} {
			raw, m, err := PerformanceR2(lat, tg, s)
			if err != nil {
				t.Fatal(err)
			}
			checkClose(t, name+"performance "+key, raw, g.Performance[key].Raw, tol)
			checkScalar(t, name+"performance mean "+key, m, g.Performance[key].Mean, tol)
		}
	}
	if _, err := FitLinearRegression(a, b, &MetricSettings{Solver: 9}); err == nil {
		t.Error("unknown solver accepted")
	}

	r2, _, _, err := PCToPCR2(a, b)
	if err != nil {
		t.Fatal(err)
	}
	checkClose(t, "visualize_stateR2 per PC", r2, g.VisualizePerPC, tol)

	proj, err := ProjectIntoReferencePCs(a, b)
	if err != nil {
		t.Fatal(err)
	}
	checkClose(t, "reference projection", denseData(proj.Slice(0, 5, 0, 6)), flatten2(g.RefProjection), tol)
}

func TestR2SpecialCases(t *testing.T) {
	y := mat.NewDense(3, 3, []float64{1, 5, 2, 1, 6, 3, 1, 7, 4})
	p := mat.NewDense(3, 3, []float64{1, 5, 2, 2, 6, 3, 1, 8, 4})
	// col 0: SStot 0, SSres 1 → 0; col 1: SSres 1, SStot 2 → 0.5; col 2 exact → 1.
	got := R2Raw(y, p)
	checkClose(t, "force_finite cases", got, []float64{0, 0.5, 1}, 1e-15)
	// variance weighted: (0·0 + 2·0.5 + 2·1)/(0+2+2)
	checkScalar(t, "variance weighted", R2Score(y, p, VarianceWeighted), 0.75, 1e-15)
	// all-constant truth falls back to the uniform mean
	c := mat.NewDense(2, 2, []float64{1, 1, 1, 1})
	checkScalar(t, "constant vw", R2Score(c, c, VarianceWeighted), 1, 0)
	if v := R2Score(mat.NewDense(1, 1, []float64{1}), mat.NewDense(1, 1, []float64{2}), UniformAverage); !math.IsNaN(v) {
		t.Errorf("one sample: %v, want NaN", v)
	}
}

func TestRankDeficientRegression(t *testing.T) {
	// Duplicated column: min-norm solution splits the weight equally.
	x := mat.NewDense(4, 2, []float64{1, 1, 2, 2, 3, 3, 5, 5})
	y := mat.NewDense(4, 1, []float64{2, 4, 6, 10})
	for _, s := range solvers {
		lr, err := FitLinearRegression(x, y, s)
		if err != nil {
			t.Fatal(err)
		}
		checkClose(t, s.Solver.String()+" min-norm coef", denseData(lr.Coef), []float64{1, 1}, 1e-12)
		if lr.Rank != 1 {
			t.Errorf("%v: rank %d", s.Solver, lr.Rank)
		}
	}
}

func TestProcrustesGolden(t *testing.T) {
	g := loadPCAR2(t)
	a := trials3(g.Inputs.LatA).Flat()
	b := trials3(g.Inputs.LatB).Flat()
	n, _ := a.Dims()
	a5 := a.Slice(0, n, 0, 5)
	_, fit, disp, err := Procrustes(a5, b)
	if err != nil {
		t.Fatal(err)
	}
	checkScalar(t, "disparity", disp, g.Procrustes.Disparity, 1e-12)
	for _, s := range solvers {
		d, err := ProcrustesDisparity(a5, b, s)
		if err != nil {
			t.Fatal(err)
		}
		checkScalar(t, s.Solver.String()+" ProcrustesDisparity", d, g.Procrustes.Disparity, 1e-12)
		if _, err := ProcrustesDisparity(a, b, s); err == nil {
			t.Errorf("%v: shape mismatch accepted", s.Solver)
		}
	}
	checkClose(t, "transformed rows", denseData(fit.Slice(0, 3, 0, 5)), flatten2(g.Procrustes.Mtx2), 1e-12)
	if _, _, _, err := Procrustes(a, b); err == nil {
		t.Error("shape mismatch accepted")
	}
	z := mat.NewDense(3, 2, []float64{1, 1, 1, 1, 1, 1})
	if _, _, _, err := Procrustes(z, z); err == nil {
		t.Error("constant input accepted")
	}
}

func TestCCAGolden(t *testing.T) {
	g := loadPCAR2(t)
	a := trials3(g.Inputs.LatA).Flat()
	b := trials3(g.Inputs.LatB).Flat()
	n, _ := a.Dims()
	a5 := a.Slice(0, n, 0, 5)
	r2, cc, c, err := CCAR2(b, a5, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	const tol = 1e-10
	checkClose(t, "cca r2 raw", r2, g.CCA.R2Raw, tol)
	checkClose(t, "canonical corr", cc, g.CCA.CanonicalCorr, tol)
	checkClose(t, "x_rotations", denseData(c.XRotations), flatten2(g.CCA.XRotations), tol)
	checkClose(t, "y_rotations", denseData(c.YRotations), flatten2(g.CCA.YRotations), tol)
	u, v := c.Transform(b, a5)
	checkClose(t, "x scores", denseData(u.Slice(0, 3, 0, 3)), flatten2(g.CCA.XScores), tol)
	checkClose(t, "y scores", denseData(v.Slice(0, 3, 0, 3)), flatten2(g.CCA.YScores), tol)
	t.Logf("NIPALS iterations per component: %v", c.NIter)
	// NIPALS estimates the canonical correlations (its 1e-6 tolerance on the
	// weights leaves 3.4e-5 here, where the first two correlations are close
	// and its first component needs 341 iterations); the two exact solvers
	// agree with each other to rounding.
	sorted := slices.Clone(cc)
	slices.SortFunc(sorted, func(x, y float64) int { return cmp.Compare(y, x) })
	var exact []float64
	for _, s := range solvers {
		got, err := CanonicalCorrelations(b, a5, 3, s)
		if err != nil {
			t.Fatal(err)
		}
		checkClose(t, s.Solver.String()+" canonical correlations vs NIPALS", got, sorted, 5e-5)
		if exact == nil {
			exact = got
		} else {
			checkClose(t, "gram vs exact canonical correlations", got, exact, 1e-12)
		}
	}
	if _, err := FitCCA(b, a5, 6, nil); err == nil {
		t.Error("n_components > min(p, q) accepted")
	}
}

// StateR2 is symmetric also when a run has fewer latents than PCs: the
// missing PCs contribute nothing in either role, and the value is the
// reference's in the direction it computes (the truth has ≥ numPCs latents).
func TestStateR2FewerLatentsThanPCs(t *testing.T) {
	g := loadPCAR2(t)
	a, b, c := trials3(g.Inputs.LatA).Flat(), trials3(g.Inputs.LatB).Flat(), trials3(g.Inputs.LatC).Flat()
	n, _ := a.Dims()
	a3 := a.Slice(0, n, 0, 3)
	for _, s := range solvers {
		name := s.Solver.String()
		// A has 6 latents, C 2 (< 3 PCs): the golden value both ways.
		ac, _ := StateR2(a, c, 3, s)
		ca, _ := StateR2(c, a, 3, s)
		checkScalar(t, name+" C vs A (swap of the golden)", ca, ctdScalar(t, g, "state_r2_true_A_pred_C_k3_zeropad"), 1e-10)
		checkScalar(t, name+" swap", ca, ac, 1e-12)
		// 3 latents against 5 with 4 PCs (the case: the swap used to
		// differ by exactly 1/4).
		for _, k := range []int{4, 6} {
			x, _ := StateR2(a3, b, k, s)
			y, _ := StateR2(b, a3, k, s)
			checkScalar(t, name+" 3 vs 5 latents swap", x, y, 1e-12)
			if x < 0 || x > 1 {
				t.Errorf("%s: state R² %v outside [0, 1]", name, x)
			}
		}
		// Both runs below numPCs: a run against itself is 1.
		self, _ := StateR2(a3, a3, 4, s)
		checkScalar(t, name+" 3 latents against themselves, 4 PCs", self, 1, 1e-12)
		cc, _ := StateR2(c, a3, 4, s)
		c2, _ := StateR2(a3, c, 4, s)
		checkScalar(t, name+" 2 vs 3 latents swap", cc, c2, 1e-12)
	}
}

// On tall data (where SolverAuto picks SolverGram) the two solvers agree.
func TestSolversAgreeOnTallData(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	const n, p, q = 6000, 12, 7
	x := mat.NewDense(n, p, randSlice(rng, n*p, 1))
	mix := mat.NewDense(p, q, randSlice(rng, p*q, 1))
	var y mat.Dense
	y.Mul(x, mix)
	y.Apply(func(i, j int, v float64) float64 { return math.Tanh(v) + 0.1*rng.NormFloat64() + float64(j) }, &y)
	ex, gr := &MetricSettings{Solver: SolverExact}, &MetricSettings{Solver: SolverGram}
	le, _ := FitLinearRegression(x, &y, ex)
	lg, _ := FitLinearRegression(x, &y, gr)
	checkClose(t, "coefficients", denseData(lg.Coef), denseData(le.Coef), 1e-10)
	checkClose(t, "intercepts", lg.Intercept, le.Intercept, 1e-10)
	for _, k := range []int{3, 7, 10} {
		se, _ := StateR2(x, &y, k, ex)
		sg, _ := StateR2(x, &y, k, gr)
		checkScalar(t, "state R²", sg, se, 1e-10)
	}
	ce, _ := CanonicalCorrelations(x, &y, 7, ex)
	cg, _ := CanonicalCorrelations(x, &y, 7, gr)
	checkClose(t, "canonical correlations", cg, ce, 1e-10)
	x7 := x.Slice(0, n, 0, q)
	de, _ := ProcrustesDisparity(x7, &y, ex)
	dg, _ := ProcrustesDisparity(x7, &y, gr)
	checkScalar(t, "procrustes disparity", dg, de, 1e-12)
}
