package analysis

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/mat"
)

// Decoding over time: at each aligned step, a ridge regression from the
// latents to task variables, its penalty chosen by leave-one-out
// cross-validation on the training samples only, scored (R²) on the
// validation samples; a label-shuffled fit gives the chance level; and the
// cross-temporal matrix scores the decoder fitted at one step on the
// validation samples of every other step.

// RidgeFit is a ridge regression ŷ = (x − XMean)·W + YMean.
type RidgeFit struct {
	W            *mat.Dense // inputs × outputs
	XMean, YMean []float64
	// Lambda is the penalty chosen (absolute), Rel the same relative to the
	// mean eigenvalue of the centred Gram matrix, CVR2 the leave-one-out R²
	// (mean over the outputs) there.
	Lambda, Rel, CVR2 float64
	// groupRel is each output's relative penalty when outputs were fitted
	// in groups (DecodeSettings.Groups).
	groupRel []float64
}

// RelPenalty is the relative penalty output k was fitted with.
func (f *RidgeFit) RelPenalty(k int) float64 {
	if f.groupRel != nil {
		return f.groupRel[k]
	}
	return f.Rel
}

// DefaultRidgePenalties are the relative penalties tried: 10^-6 … 10^4,
// two per decade, each multiplied by the mean eigenvalue of the centred
// Gram matrix XᵀX, so the grid follows the latents' scale.
func DefaultRidgePenalties() []float64 {
	out := make([]float64, 21)
	for i := range out {
		out[i] = math.Pow(10, -6+0.5*float64(i))
	}
	return out
}

// FitRidgeCV fits a ridge regression of y (n×q) on x (n×p) with an
// intercept, choosing the penalty among rel (nil: DefaultRidgePenalties) by
// exact leave-one-out cross-validation on the rows (see RidgeBasis.Fit).
// It needs n ≥ 3.
func FitRidgeCV(x, y mat.Matrix, rel []float64) (*RidgeFit, error) {
	b, err := NewRidgeBasis(x)
	if err != nil {
		return nil, err
	}
	return b.Fit(y, rel), nil
}

// RidgeBasis is the part of a ridge regression that depends only on the
// inputs: their means and the eigendecomposition XᵀX = V S Vᵀ of the
// centred Gram matrix. Fits of several outputs on the same inputs (the
// label-shuffled controls) share it.
type RidgeBasis struct {
	n, p  int
	xm    []float64
	s     []float64  // eigenvalues of XᵀX (clamped at 0)
	v     mat.Dense  // eigenvectors (p×p)
	pm    mat.Dense  // the centred samples in the eigenbasis (n×p)
	p2    *mat.Dense // pm squared elementwise (the hat diagonals' factor)
	scale float64    // the mean eigenvalue: the unit of the relative penalties
}

// NewRidgeBasis prepares ridge fits on the rows of x (n×p, n ≥ 3).
func NewRidgeBasis(x mat.Matrix) (*RidgeBasis, error) {
	n, p := x.Dims()
	if n < 3 {
		return nil, fmt.Errorf("analysis: ridge: %d samples, need at least 3", n)
	}
	b := &RidgeBasis{n: n, p: p, xm: colMeans(x)}
	xc := centred(x, b.xm)
	var g mat.SymDense
	g.SymOuterK(1, xc.T())
	var eig mat.EigenSym
	if !eig.Factorize(&g, true) {
		return nil, fmt.Errorf("analysis: ridge: eigendecomposition of XᵀX failed")
	}
	b.s = eig.Values(nil)
	eig.VectorsTo(&b.v)
	trace := 0.0
	for i := range b.s {
		b.s[i] = math.Max(b.s[i], 0)
		trace += b.s[i]
	}
	b.scale = trace / float64(p)
	if !(b.scale > 0) {
		b.scale = 1
	}
	b.pm.Mul(xc, &b.v)
	b.p2 = mat.NewDense(n, p, nil)
	b.p2.MulElem(&b.pm, &b.pm)
	return b, nil
}

// Fit fits y (n×q) with the penalty among rel (nil: DefaultRidgePenalties)
// that maximises the leave-one-out R² (mean over the outputs that vary):
// every penalty's fit and hat diagonal cost O(n·p·q), and the leave-one-out
// residual is (y_i − ŷ_i)/(1 − h_ii). (The centring uses all n rows, the
// usual approximation.)
func (rb *RidgeBasis) Fit(y mat.Matrix, rel []float64) *RidgeFit {
	n, p := rb.n, rb.p
	ny, q := y.Dims()
	if ny != n {
		panic(fmt.Sprintf("analysis: ridge: %d input rows, %d output rows", n, ny))
	}
	if rel == nil {
		rel = DefaultRidgePenalties()
	}
	ym := colMeans(y)
	yc := centred(y, ym)
	var qm mat.Dense
	qm.Mul(rb.pm.T(), yc) // p×q
	sst := make([]float64, q)
	for i := 0; i < n; i++ {
		for k := 0; k < q; k++ {
			sst[k] += yc.At(i, k) * yc.At(i, k)
		}
	}
	s := rb.s
	L := len(rel)
	// All penalties at once: Inv[j][l] = 1/(s_j + λ_l); the hat diagonals
	// are (P∘P)·Inv and output k's fits P·(diag(Q_k)·Inv), so the grid costs
	// q + 1 products of n×p by p×L.
	inv := mat.NewDense(p, L, nil)
	for j := 0; j < p; j++ {
		for l, r := range rel {
			inv.Set(j, l, 1/(s[j]+r*rb.scale))
		}
	}
	var hat mat.Dense
	hat.Mul(rb.p2, inv) // n×L
	sse := mat.NewDense(L, q, nil)
	bk := mat.NewDense(p, L, nil)
	var fit mat.Dense
	for k := 0; k < q; k++ {
		for j := 0; j < p; j++ {
			qk := qm.At(j, k)
			for l := 0; l < L; l++ {
				bk.Set(j, l, qk*inv.At(j, l))
			}
		}
		fit.Reset()
		fit.Mul(&rb.pm, bk) // n×L
		fd, hd := fit.RawMatrix(), hat.RawMatrix()
		for i := 0; i < n; i++ {
			y := yc.At(i, k)
			for l := 0; l < L; l++ {
				h := math.Min(hd.Data[i*hd.Stride+l], 1-1e-12)
				e := (y - fd.Data[i*fd.Stride+l]) / (1 - h)
				sse.Set(l, k, sse.At(l, k)+e*e)
			}
		}
	}
	best, bestScore := -1, math.Inf(-1)
	for l := 0; l < L; l++ {
		score, m := 0.0, 0
		for k := 0; k < q; k++ {
			if sst[k] > 0 {
				score += 1 - sse.At(l, k)/sst[k]
				m++
			}
		}
		if m > 0 {
			score /= float64(m)
		}
		if score > bestScore || best < 0 {
			best, bestScore = l, score
		}
	}
	lam := rel[best] * rb.scale
	bm := mat.NewDense(p, q, nil)
	for j := 0; j < p; j++ {
		for k := 0; k < q; k++ {
			bm.Set(j, k, qm.At(j, k)/(s[j]+lam))
		}
	}
	w := mat.NewDense(p, q, nil)
	w.Mul(&rb.v, bm)
	return &RidgeFit{W: w, XMean: rb.xm, YMean: ym, Lambda: lam, Rel: rel[best], CVR2: bestScore}
}

// Predict writes the predictions for the rows of x into dst (n×q, resized).
func (f *RidgeFit) Predict(dst *mat.Dense, x mat.Matrix) {
	n, _ := x.Dims()
	_, q := f.W.Dims()
	dst.Reset()
	dst.Mul(centred(x, f.XMean), f.W)
	for i := 0; i < n; i++ {
		for k := 0; k < q; k++ {
			dst.Set(i, k, dst.At(i, k)+f.YMean[k])
		}
	}
}

// DecodeSamples are the samples of one aligned step: latents X (n×p) and
// variables Y (n×q) of the same n samples.
type DecodeSamples struct {
	X, Y *mat.Dense
}

// N is the number of samples (0 for none).
func (s DecodeSamples) N() int {
	if s.X == nil {
		return 0
	}
	n, _ := s.X.Dims()
	return n
}

// DecodeStep holds one aligned step's training and validation samples.
type DecodeStep struct {
	Train, Val DecodeSamples
}

// DecodeSettings configures DecodeOverTime; nil means the defaults.
type DecodeSettings struct {
	// Penalties are the relative ridge penalties (nil: DefaultRidgePenalties).
	Penalties []float64
	// Shuffles is the number of label-shuffled fits per step whose validation
	// R² is averaged into the chance level (default 5; negative: none). They
	// share the step's eigendecomposition, so each costs a fraction of the
	// real fit.
	Shuffles int
	// MinTrain and MinVal are the fewest samples a step needs to be decoded
	// (default 20 and 10: an R² on a handful of validation samples is
	// noise); steps with fewer get NaN.
	MinTrain, MinVal int
	// Workers is the number of steps decoded at once (0: GOMAXPROCS).
	Workers int
	// Groups partitions the variables (columns of Y) into sets fitted
	// together, each with its own penalty (nil: one set of all). They share
	// each step's eigendecomposition.
	Groups [][]int
}

// DecodeResult is DecodeOverTime's outcome, one entry per step.
type DecodeResult struct {
	// R2[t][k] is variable k's validation R² at step t (NaN: too few samples
	// or no variance); ShuffleR2 the same for the label-shuffled fit.
	R2, ShuffleR2 [][]float64
	// Fits are the decoders (nil where a step was not decoded).
	Fits []*RidgeFit
}

// DecodeOverTime fits a decoder at every step on its training samples
// (penalty by leave-one-out cross-validation on them) and scores it on the
// step's validation samples; each shuffled control refits on training
// labels permuted across samples (drawn from rng) and scores on the true
// validation labels. Steps run in parallel; the shuffles are drawn before,
// so the result does not depend on the scheduling.
func DecodeOverTime(ctx context.Context, steps []DecodeStep, q int, s *DecodeSettings, rng *rand.Rand) (*DecodeResult, error) {
	var c DecodeSettings
	if s != nil {
		c = *s
	}
	if c.Shuffles == 0 {
		c.Shuffles = 5
	}
	if c.MinTrain <= 0 {
		c.MinTrain = 20
	}
	if c.MinVal <= 0 {
		c.MinVal = 10
	}
	T := len(steps)
	res := &DecodeResult{R2: make([][]float64, T), ShuffleR2: make([][]float64, T), Fits: make([]*RidgeFit, T)}
	perms := make([][][]int, T)
	for t, st := range steps {
		for range max(c.Shuffles, 0) {
			perms[t] = append(perms[t], rng.Perm(st.Train.N()))
		}
	}
	workers := c.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	jobs := make(chan int)
	errs := make([]error, T)
	var wg sync.WaitGroup
	for range min(workers, max(T, 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range jobs {
				errs[t] = decodeStep(res, t, steps[t], q, perms[t], &c)
			}
		}()
	}
	for t := 0; t < T; t++ {
		if ctx.Err() != nil {
			break
		}
		jobs <- t
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return res, nil
}

func nanRow(q int) []float64 {
	out := make([]float64, q)
	for i := range out {
		out[i] = math.NaN()
	}
	return out
}

func decodeStep(res *DecodeResult, t int, st DecodeStep, q int, perms [][]int, c *DecodeSettings) error {
	res.R2[t], res.ShuffleR2[t] = nanRow(q), nanRow(q)
	if st.Train.N() < c.MinTrain || st.Val.N() < c.MinVal {
		return nil
	}
	basis, err := NewRidgeBasis(st.Train.X)
	if err != nil {
		return err
	}
	groups := c.Groups
	if groups == nil {
		all := make([]int, q)
		for k := range all {
			all[k] = k
		}
		groups = [][]int{all}
	}
	n, _ := st.Train.Y.Dims()
	fits := make([]*RidgeFit, len(groups))
	for gi, cols := range groups {
		ytr, yva := columns(st.Train.Y, cols), columns(st.Val.Y, cols)
		fit := basis.Fit(ytr, c.Penalties)
		fits[gi] = fit
		for k, v := range validationR2(fit, DecodeSamples{X: st.Val.X, Y: yva}) {
			res.R2[t][cols[k]] = v
		}
		if len(perms) == 0 {
			continue
		}
		sum := make([]float64, len(cols))
		shuffled := mat.NewDense(n, len(cols), nil)
		for _, perm := range perms {
			for i, j := range perm {
				shuffled.SetRow(i, ytr.RawRowView(j))
			}
			for k, v := range validationR2(basis.Fit(shuffled, c.Penalties), DecodeSamples{X: st.Val.X, Y: yva}) {
				sum[k] += v
			}
		}
		for k := range sum {
			res.ShuffleR2[t][cols[k]] = sum[k] / float64(len(perms))
		}
	}
	res.Fits[t] = joinFits(fits, groups, q)
	return nil
}

// columns copies the columns cols of y.
func columns(y *mat.Dense, cols []int) *mat.Dense {
	n, _ := y.Dims()
	out := mat.NewDense(n, len(cols), nil)
	for i := 0; i < n; i++ {
		for k, c := range cols {
			out.Set(i, k, y.At(i, c))
		}
	}
	return out
}

// joinFits assembles the groups' fits into one decoder of all q outputs
// (the penalty fields are the first group's; per group see DecodeResult.Penalties).
func joinFits(fits []*RidgeFit, groups [][]int, q int) *RidgeFit {
	if len(fits) == 1 && len(groups[0]) == q {
		return fits[0]
	}
	p, _ := fits[0].W.Dims()
	out := &RidgeFit{W: mat.NewDense(p, q, nil), XMean: fits[0].XMean, YMean: make([]float64, q),
		Lambda: fits[0].Lambda, Rel: fits[0].Rel, CVR2: fits[0].CVR2}
	for gi, cols := range groups {
		for k, c := range cols {
			for j := 0; j < p; j++ {
				out.W.Set(j, c, fits[gi].W.At(j, k))
			}
			out.YMean[c] = fits[gi].YMean[k]
		}
	}
	out.groupRel = make([]float64, q)
	for gi, cols := range groups {
		for _, c := range cols {
			out.groupRel[c] = fits[gi].Rel
		}
	}
	return out
}

// validationR2 is each output's R² of fit on val (sklearn's r2_score: about
// val's own mean); NaN for an output without variance in val.
func validationR2(fit *RidgeFit, val DecodeSamples) []float64 {
	var pred mat.Dense
	fit.Predict(&pred, val.X)
	return r2NaN(val.Y, &pred)
}

func r2NaN(y, pred mat.Matrix) []float64 {
	n, q := y.Dims()
	out := make([]float64, q)
	for k := 0; k < q; k++ {
		mean := 0.0
		for i := 0; i < n; i++ {
			mean += y.At(i, k)
		}
		mean /= float64(n)
		sse, sst := 0.0, 0.0
		for i := 0; i < n; i++ {
			d, e := y.At(i, k)-pred.At(i, k), y.At(i, k)-mean
			sse += d * d
			sst += e * e
		}
		if sst > 1e-300*float64(n) {
			out[k] = 1 - sse/sst
		} else {
			out[k] = math.NaN()
		}
	}
	return out
}

// CrossTemporal scores the decoder fitted at each step of idx on the
// validation samples of each step of idx: out[k] is variable k's matrix,
// rows the fit's step, columns the scored step (NaN where either step was
// not decoded). Each scored step's predictions by every decoder come from
// one product of its samples with all the decoders' weights.
func (r *DecodeResult) CrossTemporal(steps []DecodeStep, idx []int, q int) []*mat.Dense {
	m := len(idx)
	out := make([]*mat.Dense, q)
	for k := range out {
		out[k] = mat.NewDense(m, m, nil)
		for a := 0; a < m; a++ {
			for b := 0; b < m; b++ {
				out[k].Set(a, b, math.NaN())
			}
		}
	}
	var fitted []int // positions in idx with a decoder
	for a, t := range idx {
		if r.Fits[t] != nil {
			fitted = append(fitted, a)
		}
	}
	if len(fitted) == 0 {
		return out
	}
	p, _ := r.Fits[idx[fitted[0]]].W.Dims()
	// All decoders side by side (p × len(fitted)·q) and their offsets
	// YMean − XMean·W, so that a prediction is x·W + offset.
	wAll := mat.NewDense(p, len(fitted)*q, nil)
	offs := make([]float64, len(fitted)*q)
	for f, a := range fitted {
		fit := r.Fits[idx[a]]
		for k := 0; k < q; k++ {
			c := f*q + k
			o := fit.YMean[k]
			for j := 0; j < p; j++ {
				w := fit.W.At(j, k)
				wAll.Set(j, c, w)
				o -= fit.XMean[j] * w
			}
			offs[c] = o
		}
	}
	var pred mat.Dense
	for b, t2 := range idx {
		val := steps[t2].Val
		if r.Fits[t2] == nil || val.N() < 2 {
			continue
		}
		pred.Reset()
		pred.Mul(val.X, wAll)
		n := val.N()
		for f, a := range fitted {
			for k := 0; k < q; k++ {
				c := f*q + k
				mean := 0.0
				for i := 0; i < n; i++ {
					mean += val.Y.At(i, k)
				}
				mean /= float64(n)
				sse, sst := 0.0, 0.0
				for i := 0; i < n; i++ {
					y := val.Y.At(i, k)
					d, e := y-pred.At(i, c)-offs[c], y-mean
					sse += d * d
					sst += e * e
				}
				if sst > 1e-300*float64(n) {
					out[k].Set(a, b, 1-sse/sst)
				}
			}
		}
	}
	return out
}
