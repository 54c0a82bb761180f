package analysis

import (
	"math"
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

func TestCTDMetricsGolden(t *testing.T) {
	g := loadPCAR2(t)
	a, b, c := trials3(g.Inputs.LatA).Flat(), trials3(g.Inputs.LatB).Flat(), trials3(g.Inputs.LatC).Flat()
	const tol = 1e-10

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
		got, err := StateR2(tc.true_, tc.pred_, tc.k)
		if err != nil {
			t.Fatal(err)
		}
		checkScalar(t, tc.key, got, ctdScalar(t, g, tc.key), tol)
	}
	per, err := StateR2PerPC(a, b, 4)
	if err != nil {
		t.Fatal(err)
	}
	wantPer := g.CTD["state_r2_true_A_pred_B_k4_per_pc"].([]any)
	wp := make([]float64, len(wantPer))
	for i, v := range wantPer {
		wp[i] = v.(float64)
	}
	checkClose(t, "state_r2 per PC", per, wp, tol)

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
	v, err := StateR2(a, b, 4)
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
	lr, err := FitLinearRegression(a, b)
	if err != nil {
		t.Fatal(err)
	}
	const tol = 1e-10
	checkClose(t, "coef", denseData(lr.Coef), flatten2(g.LinReg.Coef), tol)
	checkClose(t, "intercept", lr.Intercept, g.LinReg.Intercept, tol)
	var pred mat.Dense
	lr.Predict(&pred, a)
	checkClose(t, "r2 raw", R2Raw(b, &pred), g.LinReg.R2Raw, tol)
	checkScalar(t, "r2 uniform", R2Score(b, &pred, UniformAverage), g.LinReg.R2Uniform, tol)
	checkScalar(t, "score()", lr.Score(a, b), g.LinReg.R2Uniform, tol)
	checkScalar(t, "r2 variance weighted", R2Score(b, &pred, VarianceWeighted), g.LinReg.R2VW, tol)
	checkScalar(t, "explained variance vw", ExplainedVarianceScore(b, &pred, VarianceWeighted), g.LinReg.EVSVW, tol)

	tg := trials3(g.Inputs.Targets).Flat()
	for key, lat := range map[string]mat.Matrix{"A": a, "B": b} {
		raw, m, err := PerformanceR2(lat, tg)
		if err != nil {
			t.Fatal(err)
		}
		checkClose(t, "performance "+key, raw, g.Performance[key].Raw, tol)
		checkScalar(t, "performance mean "+key, m, g.Performance[key].Mean, tol)
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
	lr, err := FitLinearRegression(x, y)
	if err != nil {
		t.Fatal(err)
	}
	checkClose(t, "min-norm coef", denseData(lr.Coef), []float64{1, 1}, 1e-12)
	if lr.Rank != 1 {
		t.Errorf("rank %d", lr.Rank)
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
	if _, err := FitCCA(b, a5, 6, nil); err == nil {
		t.Error("n_components > min(p, q) accepted")
	}
}
