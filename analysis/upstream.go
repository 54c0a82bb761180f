package analysis

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// This file holds the metrics of the later upstream toolkit
// (ComputationThroughDynamicsToolkit metrics.py), which add the train/validation
// split the CTD metrics lack.

// SignalR2 is the toolkit's get_signal_r2 (used for rate R²): the
// variance-weighted r2_score(true, pred), no fit.
func SignalR2(trueSig, predSig mat.Matrix) float64 {
	return R2Score(trueSig, predSig, VarianceWeighted)
}

// SignalR2Linear is the toolkit's get_signal_r2_linear (state R² and
// reconstruction R²): affine least squares from trueTrain to predTrain,
// predict from trueVal and return the variance-weighted R² of predVal.
// Same direction as StateR2VAF but out of sample.
func SignalR2Linear(trueTrain, predTrain, trueVal, predVal mat.Matrix) (float64, error) {
	lr, err := FitLinearRegression(trueTrain, predTrain, nil)
	if err != nil {
		return 0, fmt.Errorf("analysis: signal R² linear: %w", err)
	}
	var pred mat.Dense
	lr.Predict(&pred, trueVal)
	return R2Score(predVal, &pred, VarianceWeighted), nil
}

// CycleConsistency is the toolkit's get_cycle_consistency: whether a model's
// latents can be recovered from its own log-rates through the empirical
// readout. Full PCAs of the train latents and of the train log-rates; affine
// fit latent PCs → log-rate PCs (readout W, intercept b); predict validation
// log-rate PCs from validation latent PCs; map back with the pseudo-inverse of
// W truncated to the smallest number of singular values whose cumulative
// σ²/Σσ² reaches 1 − varianceThreshold; return the variance-weighted R² of the
// validation latent PCs and the number of singular values kept.
// varianceThreshold <= 0 means the toolkit default 0.01. Rates must be positive.
func CycleConsistency(latTrain, ratesTrain, latVal, ratesVal mat.Matrix, varianceThreshold float64) (r2 float64, kept int, err error) {
	if varianceThreshold <= 0 {
		varianceThreshold = 0.01
	}
	logOf := func(m mat.Matrix, name string) (*mat.Dense, error) {
		r, c := m.Dims()
		out := mat.NewDense(r, c, nil)
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				v := m.At(i, j)
				if !(v > 0) {
					return nil, fmt.Errorf("analysis: cycle consistency: %s[%d][%d] = %v, rates must be positive", name, i, j, v)
				}
				out.Set(i, j, math.Log(v))
			}
		}
		return out, nil
	}
	lrTrain, err := logOf(ratesTrain, "rates_train")
	if err != nil {
		return 0, 0, err
	}
	lrVal, err := logOf(ratesVal, "rates_val")
	if err != nil {
		return 0, 0, err
	}
	latPCA, zTrain, err := FitTransformPCA(latTrain, 0)
	if err != nil {
		return 0, 0, err
	}
	ratePCA, nTrain, err := FitTransformPCA(lrTrain, 0)
	if err != nil {
		return 0, 0, err
	}
	readout, err := FitLinearRegression(zTrain, nTrain, nil)
	if err != nil {
		return 0, 0, err
	}
	var zVal, nVal, nHat mat.Dense
	latPCA.Transform(&zVal, latVal)
	ratePCA.Transform(&nVal, lrVal)
	readout.Predict(&nHat, &zVal)

	// Truncated pseudo-inverse of W (outputs×features).
	var svd mat.SVD
	if !svd.Factorize(readout.Coef, mat.SVDThin) {
		return 0, 0, fmt.Errorf("analysis: cycle consistency: SVD did not converge")
	}
	s := svd.Values(nil)
	total := 0.0
	for _, v := range s {
		total += v * v
	}
	cum := 0.0
	kept = len(s)
	for i, v := range s {
		cum += v * v
		if cum/total >= 1-varianceThreshold {
			kept = i + 1
			break
		}
	}
	var u, v mat.Dense
	svd.UTo(&u)
	svd.VTo(&v)
	q, p := readout.Coef.Dims()
	// W_k⁺ = V_k S_k⁻¹ U_kᵀ (features×outputs); L̂ = (N̂ − b)·W_k⁺ᵀ.
	vk := mat.DenseCopyOf(v.Slice(0, p, 0, kept))
	for j := 0; j < kept; j++ {
		for i := 0; i < p; i++ {
			vk.Set(i, j, vk.At(i, j)/s[j])
		}
	}
	var wpinv mat.Dense
	wpinv.Mul(vk, u.Slice(0, q, 0, kept).T())
	n, _ := nHat.Dims()
	for i := 0; i < n; i++ {
		row := nHat.RawRowView(i)
		for j := range row {
			row[j] -= readout.Intercept[j]
		}
	}
	var lHat mat.Dense
	lHat.Mul(&nHat, wpinv.T())
	return R2Score(&zVal, &lHat, VarianceWeighted), kept, nil
}
