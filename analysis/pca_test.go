package analysis

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

type pcaGolden struct {
	NComponents            int         `json:"n_components"`
	Mean                   []float64   `json:"mean"`
	Components             [][]float64 `json:"components"`
	ExplainedVariance      []float64   `json:"explained_variance"`
	ExplainedVarianceRatio []float64   `json:"explained_variance_ratio"`
	SingularValues         []float64   `json:"singular_values"`
	ScoresFirst5           [][]float64 `json:"scores_first5"`
}

type pcaR2Golden struct {
	Inputs struct {
		LatA      [][][]float64 `json:"latA"`
		LatB      [][][]float64 `json:"latB"`
		LatC      [][][]float64 `json:"latC"`
		Targets   [][][]float64 `json:"targets"`
		RatesTrue [][][]float64 `json:"rates_true"`
		RatesPred [][][]float64 `json:"rates_pred"`
	} `json:"inputs"`
	PCA   map[string]pcaGolden `json:"pca"`
	Scree struct {
		Ratio      []float64 `json:"ratio_percent"`
		Cumulative []float64 `json:"cumulative_percent"`
	} `json:"scree_latA_max_pcs5"`
	ScreeDT []float64          `json:"scree_latA_dtstyle_max_pcs10"`
	CTD     map[string]any     `json:"ctd_metrics"`
	CTD32   map[string]float64 `json:"ctd_metrics_float32"`
	LinReg  struct {
		Coef      [][]float64 `json:"coef"`
		Intercept []float64   `json:"intercept"`
		R2Raw     []float64   `json:"r2_raw"`
		R2Uniform float64     `json:"r2_uniform"`
		R2VW      float64     `json:"r2_variance_weighted"`
		EVSVW     float64     `json:"evs_variance_weighted"`
	} `json:"linreg_A_to_B"`
	Performance map[string]struct {
		Raw  []float64 `json:"raw"`
		Mean float64   `json:"mean"`
	} `json:"performance_r2"`
	VisualizePerPC []float64   `json:"visualize_stateR2_ref_A_model_B_per_pc"`
	RefProjection  [][]float64 `json:"reference_projection_B_into_A_pcs_first5rows"`
	Procrustes     struct {
		Disparity float64     `json:"disparity"`
		Mtx2      [][]float64 `json:"mtx2_first3rows"`
	} `json:"procrustes_A5_vs_B"`
	CCA struct {
		R2Raw         []float64   `json:"r2_raw"`
		CanonicalCorr []float64   `json:"canonical_corr"`
		XRotations    [][]float64 `json:"x_rotations"`
		YRotations    [][]float64 `json:"y_rotations"`
		XScores       [][]float64 `json:"x_scores_first3"`
		YScores       [][]float64 `json:"y_scores_first3"`
	} `json:"cca_model_B_ref_A5_k3"`
	UpstreamStateR2 float64 `json:"upstream_state_r2_linear_trainval"`
	UpstreamRateR2  float64 `json:"upstream_rate_r2_variance_weighted"`
	UpstreamCycle   struct {
		R2        float64 `json:"r2"`
		Kept      int     `json:"n_components_kept"`
		Threshold float64 `json:"variance_threshold"`
	} `json:"upstream_cycle_consistency_B"`
}

func loadPCAR2(t testing.TB) *pcaR2Golden {
	var g pcaR2Golden
	loadJSON(t, "pca_r2.json", &g)
	return &g
}

func TestPCAGolden(t *testing.T) {
	g := loadPCAR2(t)
	cases := []struct {
		key  string
		data Trials
		k    int
	}{
		{"latA_full", trials3(g.Inputs.LatA), 0},
		{"latA_3", trials3(g.Inputs.LatA), 3},
		{"latB_full", trials3(g.Inputs.LatB), 0},
	}
	const tol = 1e-10
	for _, c := range cases {
		want := g.PCA[c.key]
		p, z, err := FitTransformPCA(c.data.Flat(), c.k)
		if err != nil {
			t.Fatal(err)
		}
		if p.NComponents() != want.NComponents {
			t.Fatalf("%s: %d components want %d", c.key, p.NComponents(), want.NComponents)
		}
		checkClose(t, c.key+" mean", p.Mean, want.Mean, tol)
		checkClose(t, c.key+" components", denseData(p.Components), flatten2(want.Components), tol)
		checkClose(t, c.key+" explained_variance", p.ExplainedVariance, want.ExplainedVariance, tol)
		checkClose(t, c.key+" explained_variance_ratio", p.ExplainedVarianceRatio, want.ExplainedVarianceRatio, tol)
		checkClose(t, c.key+" singular_values", p.SingularValues, want.SingularValues, tol)
		checkClose(t, c.key+" scores", denseData(z.Slice(0, 5, 0, p.NComponents())), flatten2(want.ScoresFirst5), tol)
		// Project on the first two components: the first two score columns.
		var z2 mat.Dense
		p.Project(&z2, c.data.Flat(), 2)
		checkClose(t, c.key+" Project k=2", denseData(&z2), denseData(z.Slice(0, z.RawMatrix().Rows, 0, 2)), 1e-12)
	}
	// Scree series: TT style (max_pcs ≤ d) and DT style (zero-padded beyond d).
	p, err := FitPCA(trials3(g.Inputs.LatA).Flat(), 0)
	if err != nil {
		t.Fatal(err)
	}
	ratio, cum := p.Scree(5)
	checkClose(t, "scree ratio %", ratio, g.Scree.Ratio, 1e-9)
	checkClose(t, "scree cumulative %", cum, g.Scree.Cumulative, 1e-9)
	ratio10, _ := p.Scree(10)
	for i := range ratio10 {
		ratio10[i] /= 100
	}
	checkClose(t, "scree DT-style padded ratio", ratio10, g.ScreeDT, 1e-12)
}

func TestPCAErrors(t *testing.T) {
	x := mat.NewDense(3, 2, []float64{1, 2, 3, 4, 5, 7})
	if p, err := FitPCA(x, 1); err != nil {
		t.Fatal(err)
	} else {
		for _, k := range []int{0, 2} {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("Project with k=%d of 1 components did not panic", k)
					}
				}()
				p.Project(new(mat.Dense), x, k)
			}()
		}
	}
	if _, err := FitPCA(x, 3); err == nil {
		t.Error("k > min(n,d) accepted")
	}
	if _, err := FitPCA(mat.NewDense(1, 2, []float64{1, 2}), 1); err == nil {
		t.Error("n = 1 accepted")
	}
	// Wide data (n < d) works and the ratios of all components sum to 1.
	w := mat.NewDense(3, 5, []float64{1, 2, 0, 4, 5, 2, 1, 3, 3, 0, 5, 1, 2, 2, 9})
	p, err := FitPCA(w, 0)
	if err != nil {
		t.Fatal(err)
	}
	s := 0.0
	for _, r := range p.ExplainedVarianceRatio {
		s += r
	}
	if p.NComponents() != 3 || s < 1-1e-12 || s > 1+1e-12 {
		t.Errorf("wide PCA: %d components, ratio sum %v", p.NComponents(), s)
	}
}

// The Gram-matrix path used for large tall inputs agrees with the SVD path.
func TestPCAGramPathMatchesSVD(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	const n, d = 9000, 12 // > gramBlockRows, so the blocked accumulation is exercised
	x := mat.NewDense(n, d, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			x.Set(i, j, float64(j+1)*rng.NormFloat64()+0.3*x.At(i, max(j-1, 0))+5)
		}
	}
	mean := colMeans(x)
	s, v, total, ok := gramPCA(x, mean)
	if !ok {
		t.Fatal("eigendecomposition failed")
	}
	var svd mat.SVD
	if !svd.Factorize(centred(x, mean), mat.SVDThinV) {
		t.Fatal("svd failed")
	}
	sw := svd.Values(nil)
	var vw mat.Dense
	svd.VTo(&vw)
	rel := 0.0
	tw := 0.0
	for j := range s {
		rel = math.Max(rel, math.Abs(s[j]-sw[j])/sw[0])
		tw += sw[j] * sw[j]
		// columns agree up to sign
		dotp := 0.0
		for i := 0; i < d; i++ {
			dotp += v.At(i, j) * vw.At(i, j)
		}
		if math.Abs(math.Abs(dotp)-1) > 1e-10 {
			t.Errorf("component %d: |cos| = %v", j, math.Abs(dotp))
		}
	}
	if rel > 1e-12 || math.Abs(total-tw)/tw > 1e-13 {
		t.Errorf("singular values differ by %g (relative to σ_max), total by %g", rel, math.Abs(total-tw)/tw)
	}
	if !useGram(200_000, 128) || useGram(100, 6) {
		t.Error("path selection")
	}
}
