package analysis

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// This file holds the model-comparison metrics of CTD's metrics.py and
// comparison.py. All inputs are flat (B·T)×N matrices (see Trials.Flat); rows
// of the two arguments must be the same trials and time steps.

// pcScores returns the scores of a k-component PCA of x. If x has fewer than k
// columns the reference right-pads it with zero columns; their PC scores are
// exactly zero, so we return the scores of min(k, d) components padded with
// zero columns (the least-squares solver then ignores them).
func pcScores(x mat.Matrix, k int) (*mat.Dense, error) {
	n, d := x.Dims()
	kk := min(k, d)
	_, z, err := FitTransformPCA(x, kk)
	if err != nil {
		return nil, err
	}
	if kk == k {
		return z, nil
	}
	out := mat.NewDense(n, k, nil)
	out.Slice(0, n, 0, kk).(*mat.Dense).Copy(z)
	return out, nil
}

// StateR2PerPC returns, for each of the first numPCs principal components
// of latsTrue, the in-sample R² of an affine fit from the numPCs PC scores
// of latsPred (CTD get_state_r2 before averaging). If latsTrue has fewer
// than numPCs columns, only its PCs are listed (the reference raises an
// error there); latsPred's missing PCs are zero columns, as in the
// reference, and predict nothing.
func StateR2PerPC(latsTrue, latsPred mat.Matrix, numPCs int, s *MetricSettings) ([]float64, error) {
	if numPCs < 1 {
		return nil, fmt.Errorf("analysis: state R²: num_pcs must be >= 1, got %d", numPCs)
	}
	if err := checkSolver(s); err != nil {
		return nil, err
	}
	nt, dt := latsTrue.Dims()
	np, dp := latsPred.Dims()
	if nt != np {
		return nil, fmt.Errorf("analysis: state R²: %d true rows, %d predicted rows", nt, np)
	}
	if s.solver(nt, dt+dp) == SolverGram {
		return NewCrossGram(latsTrue, latsPred).StateR2PerPC(numPCs)
	}
	zp, err := pcScores(latsPred, numPCs)
	if err != nil {
		return nil, fmt.Errorf("analysis: state R² (predicted latents): %w", err)
	}
	_, zt, err := FitTransformPCA(latsTrue, min(numPCs, dt, nt))
	if err != nil {
		return nil, fmt.Errorf("analysis: state R² (true latents): %w", err)
	}
	lr, err := FitLinearRegression(zp, zt, &MetricSettings{Solver: SolverExact})
	if err != nil {
		return nil, err
	}
	var pred mat.Dense
	lr.Predict(&pred, zp)
	// Each per-column fit is the same as column j of the joint fit.
	return R2Raw(zt, &pred), nil
}

// StateR2 is CTD's get_state_r2 (the "affine" metric): the R² of an affine
// fit from the numPCs PCs of latsPred to each of the numPCs PCs of
// latsTrue, averaged. Since PC scores are uncorrelated, the sum of those R²
// is the squared Frobenius norm of the correlation matrix between the two
// sets of PC scores, so the metric is symmetric in its arguments.
//
// When a run has fewer latents than numPCs, its missing PCs contribute
// nothing in either role and the sum is divided by k = min(numPCs, larger
// latent count): with at least one run of numPCs latents or more, this is
// the reference's value with that run as the truth (where the reference
// zero-pads the other), and the same number with the arguments swapped
// (where the reference raises an error; counting the missing true PCs as
// perfectly predicted, R² = 1 each, made the swap differ by 1/numPCs per
// missing PC). PCs without variance also contribute nothing.
func StateR2(latsTrue, latsPred mat.Matrix, numPCs int, s *MetricSettings) (float64, error) {
	per, err := StateR2PerPC(latsTrue, latsPred, numPCs, s)
	if err != nil {
		return 0, err
	}
	_, dt := latsTrue.Dims()
	_, dp := latsPred.Dims()
	return stateR2Mean(per, numPCs, dt, dp), nil
}

// stateR2Mean averages the per-PC state R² of a truth with dt latents and a
// prediction with dp latents over min(numPCs, max(dt, dp)) PCs.
func stateR2Mean(per []float64, numPCs, dt, dp int) float64 {
	sum := 0.0
	for _, v := range per {
		sum += v
	}
	return sum / float64(min(numPCs, max(dt, dp)))
}

// StateR2VAF is CTD's get_state_r2_vaf: affine least squares from latsTrue
// (all channels) to latsPred, scored with the variance-weighted R² of latsPred.
// Direction true → model: penalises model dimensions the truth does not explain.
func StateR2VAF(latsTrue, latsPred mat.Matrix) (float64, error) {
	lr, err := FitLinearRegression(latsTrue, latsPred, nil)
	if err != nil {
		return 0, fmt.Errorf("analysis: state R² VAF: %w", err)
	}
	var pred mat.Dense
	lr.Predict(&pred, latsTrue)
	return R2Score(latsPred, &pred, VarianceWeighted), nil
}

// RateR2 is CTD's get_rate_r2: r2_score(ratesTrue, ratesPred), uniform average
// over neurons, no fit. (CTD's compare_rate_r2 passes the arguments swapped;
// callers should pass the true rates first.)
func RateR2(ratesTrue, ratesPred mat.Matrix) float64 {
	return R2Score(ratesTrue, ratesPred, UniformAverage)
}

// LatentsVAF is CTD's get_latents_vaf: PCA(numPCs) scores of each, affine fit
// Z1 → Z2, variance-weighted explained-variance score of Z2.
func LatentsVAF(l1, l2 mat.Matrix, numPCs int) (float64, error) {
	z1, err := pcScores(l1, numPCs)
	if err != nil {
		return 0, fmt.Errorf("analysis: latents VAF: %w", err)
	}
	z2, err := pcScores(l2, numPCs)
	if err != nil {
		return 0, fmt.Errorf("analysis: latents VAF: %w", err)
	}
	lr, err := FitLinearRegression(z1, z2, nil)
	if err != nil {
		return 0, err
	}
	var pred mat.Dense
	lr.Predict(&pred, z1)
	return ExplainedVarianceScore(z2, &pred, VarianceWeighted), nil
}

// PerformanceR2 is the core of CTD's compare_performance: affine fit from the
// latents to the targets, per-output in-sample R² and their mean.
func PerformanceR2(latents, targets mat.Matrix, s *MetricSettings) (perOutput []float64, meanR2 float64, err error) {
	lr, err := FitLinearRegression(latents, targets, s)
	if err != nil {
		return nil, 0, fmt.Errorf("analysis: performance R²: %w", err)
	}
	var pred mat.Dense
	lr.Predict(&pred, latents)
	perOutput = R2Raw(targets, &pred)
	return perOutput, mean(perOutput), nil
}

// PCToPCR2 is the core of CTD's visualize_stateR2: full PCA of the reference
// and of the model latents, affine fit from reference scores to model scores,
// per-model-PC R². It also returns the predicted and actual model scores.
func PCToPCR2(refLatents, modelLatents mat.Matrix) (r2 []float64, pred, actual *mat.Dense, err error) {
	_, zr, err := FitTransformPCA(refLatents, 0)
	if err != nil {
		return nil, nil, nil, err
	}
	_, zm, err := FitTransformPCA(modelLatents, 0)
	if err != nil {
		return nil, nil, nil, err
	}
	lr, err := FitLinearRegression(zr, zm, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	pred = new(mat.Dense)
	lr.Predict(pred, zr)
	return R2Raw(zm, pred), pred, zm, nil
}

// ProjectIntoReferencePCs is the common step of CTD's "reference" plots: full
// PCA of the reference latents, affine fit from the model latents to those
// scores, and the in-sample prediction (rows of modelLatents mapped into the
// reference PC space).
func ProjectIntoReferencePCs(refLatents, modelLatents mat.Matrix) (*mat.Dense, error) {
	_, zr, err := FitTransformPCA(refLatents, 0)
	if err != nil {
		return nil, err
	}
	lr, err := FitLinearRegression(modelLatents, zr, nil)
	if err != nil {
		return nil, err
	}
	var pred mat.Dense
	lr.Predict(&pred, modelLatents)
	return &pred, nil
}

// CKA is linear centred kernel alignment ‖YᵀX‖²_F/(‖XᵀX‖_F‖YᵀY‖_F) on
// column-centred X and Y. It is not in the reference (an addition).
func CKA(x, y mat.Matrix) (float64, error) {
	n, _ := x.Dims()
	ny, _ := y.Dims()
	if n != ny || n < 2 {
		return 0, fmt.Errorf("analysis: CKA: %d and %d rows (need equal, >= 2)", n, ny)
	}
	xc, yc := centred(x, colMeans(x)), centred(y, colMeans(y))
	var yx, xx, yy mat.Dense
	yx.Mul(yc.T(), xc)
	xx.Mul(xc.T(), xc)
	yy.Mul(yc.T(), yc)
	a := frobenius(&yx)
	d := frobenius(&xx) * frobenius(&yy)
	if d == 0 {
		return 0, fmt.Errorf("analysis: CKA: constant input")
	}
	return a * a / d, nil
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}
