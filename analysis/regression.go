package analysis

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// LinearRegression is an ordinary least-squares fit with intercept,
// equivalent to sklearn.linear_model.LinearRegression(fit_intercept=True).
type LinearRegression struct {
	// Coef is outputs×features (sklearn's coef_): prediction = x·Coefᵀ + Intercept.
	Coef *mat.Dense
	// Intercept has one entry per output.
	Intercept []float64
	// Rank is the effective rank of the centred design matrix.
	Rank int
}

// FitLinearRegression fits y (n×q) on x (n×p). With SolverExact, columns
// are centred, then the minimum-norm least-squares solution is found with an
// SVD that treats singular values below eps·σ_max as zero
// (scipy.linalg.lstsq, gelsd), so rank-deficient designs (e.g. zero-padded
// columns) are handled like sklearn. SolverGram solves the normal equations
// (CrossGram.Regression).
func FitLinearRegression(x, y mat.Matrix, s *MetricSettings) (*LinearRegression, error) {
	n, p := x.Dims()
	ny, q := y.Dims()
	if n != ny {
		return nil, fmt.Errorf("analysis: linear regression: x has %d rows, y has %d", n, ny)
	}
	if n < 1 || p < 1 || q < 1 {
		return nil, fmt.Errorf("analysis: linear regression: empty input (%d×%d, %d×%d)", n, p, ny, q)
	}
	if err := checkSolver(s); err != nil {
		return nil, err
	}
	if s.solver(n, p+q) == SolverGram {
		return NewCrossGram(x, y).Regression()
	}
	xm, ym := colMeans(x), colMeans(y)
	xc, yc := centred(x, xm), centred(y, ym)
	w, rank, err := lstsq(xc, yc, eps64)
	if err != nil {
		return nil, err
	}
	coef := mat.NewDense(q, p, nil)
	coef.Copy(w.T())
	icpt := make([]float64, q)
	for j := 0; j < q; j++ {
		s := 0.0
		for i := 0; i < p; i++ {
			s += xm[i] * w.At(i, j)
		}
		icpt[j] = ym[j] - s
	}
	return &LinearRegression{Coef: coef, Intercept: icpt, Rank: rank}, nil
}

// Predict sets dst (n×q) to x·Coefᵀ + Intercept.
func (lr *LinearRegression) Predict(dst *mat.Dense, x mat.Matrix) {
	_, p := x.Dims()
	if _, pc := lr.Coef.Dims(); p != pc {
		panic(fmt.Sprintf("analysis: LinearRegression.Predict: %d features, fitted on %d", p, pc))
	}
	dst.Mul(x, lr.Coef.T())
	r, c := dst.Dims()
	for i := 0; i < r; i++ {
		row := dst.RawRowView(i)
		for j := 0; j < c; j++ {
			row[j] += lr.Intercept[j]
		}
	}
}

// Score returns the in-sample R² (uniform average over outputs) of the fit on
// (x, y), like LinearRegression.score.
func (lr *LinearRegression) Score(x, y mat.Matrix) float64 {
	var pred mat.Dense
	lr.Predict(&pred, x)
	return R2Score(y, &pred, UniformAverage)
}

// Multioutput selects how per-output scores are combined (sklearn's multioutput).
type Multioutput int

const (
	// UniformAverage is the plain mean over outputs (sklearn's default).
	UniformAverage Multioutput = iota
	// VarianceWeighted weights each output by its total sum of squares.
	VarianceWeighted
)

// R2Raw returns sklearn's r2_score(yTrue, yPred, multioutput="raw_values"):
// per column 1 − SSres/SStot, with force_finite's special cases (SSres = 0 ⇒ 1,
// SStot = 0 ⇒ 0). The argument order matters. Fewer than 2 rows give NaNs.
func R2Raw(yTrue, yPred mat.Matrix) []float64 {
	num, den := r2Parts(yTrue, yPred, false)
	return assembleScores(num, den)
}

// R2Score returns r2_score(yTrue, yPred) combined over outputs with avg.
func R2Score(yTrue, yPred mat.Matrix, avg Multioutput) float64 {
	num, den := r2Parts(yTrue, yPred, false)
	return averageScores(assembleScores(num, den), den, avg)
}

// ExplainedVarianceRaw returns sklearn's explained_variance_score per output:
// like R² but the residual is centred first.
func ExplainedVarianceRaw(yTrue, yPred mat.Matrix) []float64 {
	num, den := r2Parts(yTrue, yPred, true)
	return assembleScores(num, den)
}

// ExplainedVarianceScore returns explained_variance_score combined with avg.
func ExplainedVarianceScore(yTrue, yPred mat.Matrix, avg Multioutput) float64 {
	num, den := r2Parts(yTrue, yPred, true)
	return averageScores(assembleScores(num, den), den, avg)
}

// r2Parts returns the per-output numerator and denominator of R² (sums of
// squares) or of explained variance (means of squares, residual centred), in
// the same arithmetic order as sklearn 1.2.1.
func r2Parts(yTrue, yPred mat.Matrix, explainedVariance bool) (num, den []float64) {
	n, q := yTrue.Dims()
	np, qp := yPred.Dims()
	if n != np || q != qp {
		panic(fmt.Sprintf("analysis: R²: y_true is %d×%d, y_pred %d×%d", n, q, np, qp))
	}
	num, den = make([]float64, q), make([]float64, q)
	if n < 2 {
		for j := range num {
			num[j], den[j] = math.NaN(), math.NaN()
		}
		return num, den
	}
	tm := colMeans(yTrue)
	if explainedVariance {
		dm := make([]float64, q)
		for i := 0; i < n; i++ {
			for j := 0; j < q; j++ {
				dm[j] += yTrue.At(i, j) - yPred.At(i, j)
			}
		}
		for j := range dm {
			dm[j] /= float64(n)
		}
		for i := 0; i < n; i++ {
			for j := 0; j < q; j++ {
				r := yTrue.At(i, j) - yPred.At(i, j) - dm[j]
				num[j] += r * r
				t := yTrue.At(i, j) - tm[j]
				den[j] += t * t
			}
		}
		for j := range num {
			num[j] /= float64(n)
			den[j] /= float64(n)
		}
		return num, den
	}
	for i := 0; i < n; i++ {
		for j := 0; j < q; j++ {
			r := yTrue.At(i, j) - yPred.At(i, j)
			num[j] += r * r
			t := yTrue.At(i, j) - tm[j]
			den[j] += t * t
		}
	}
	return num, den
}

func assembleScores(num, den []float64) []float64 {
	out := make([]float64, len(num))
	for j := range out {
		switch {
		case math.IsNaN(num[j]) || math.IsNaN(den[j]):
			out[j] = math.NaN()
		case num[j] == 0:
			out[j] = 1
		case den[j] == 0:
			out[j] = 0
		default:
			out[j] = 1 - num[j]/den[j]
		}
	}
	return out
}

func averageScores(scores, den []float64, avg Multioutput) float64 {
	if avg == VarianceWeighted {
		sw, s := 0.0, 0.0
		for j := range scores {
			sw += den[j]
			s += scores[j] * den[j]
		}
		if sw != 0 && !math.IsNaN(sw) {
			return s / sw
		}
	}
	s := 0.0
	for _, v := range scores {
		s += v
	}
	return s / float64(len(scores))
}
