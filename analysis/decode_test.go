package analysis

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// FitRidgeCV's closed-form leave-one-out score equals refitting without
// each row in turn (with the same, all-rows centring), and a noiseless
// linear map is recovered.
func TestFitRidgeCVLeaveOneOut(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n, p, q = 40, 6, 2
	x := mat.NewDense(n, p, nil)
	y := mat.NewDense(n, q, nil)
	w := mat.NewDense(p, q, nil)
	for i := 0; i < p; i++ {
		for k := 0; k < q; k++ {
			w.Set(i, k, rng.NormFloat64())
		}
	}
	for i := 0; i < n; i++ {
		for j := 0; j < p; j++ {
			x.Set(i, j, rng.NormFloat64())
		}
	}
	y.Mul(x, w)
	for i := 0; i < n; i++ {
		for k := 0; k < q; k++ {
			y.Set(i, k, y.At(i, k)+0.3*rng.NormFloat64()+2)
		}
	}
	rel := []float64{0.05}
	fit, err := FitRidgeCV(x, y, rel)
	if err != nil {
		t.Fatal(err)
	}
	// Brute force: ridge on the centred data without row i.
	xm, ym := colMeans(x), colMeans(y)
	xc, yc := centred(x, xm), centred(y, ym)
	sse, sst := make([]float64, q), make([]float64, q)
	for i := 0; i < n; i++ {
		var a mat.Dense
		xi := mat.NewDense(n-1, p, nil)
		yi := mat.NewDense(n-1, q, nil)
		r := 0
		for j := 0; j < n; j++ {
			if j != i {
				xi.SetRow(r, xc.RawRowView(j))
				yi.SetRow(r, yc.RawRowView(j))
				r++
			}
		}
		a.Mul(xi.T(), xi)
		for j := 0; j < p; j++ {
			a.Set(j, j, a.At(j, j)+fit.Lambda)
		}
		var rhs, wi mat.Dense
		rhs.Mul(xi.T(), yi)
		if err := wi.Solve(&a, &rhs); err != nil {
			t.Fatal(err)
		}
		var pred mat.Dense
		pred.Mul(xc.Slice(i, i+1, 0, p), &wi)
		for k := 0; k < q; k++ {
			d := yc.At(i, k) - pred.At(0, k)
			sse[k] += d * d
			sst[k] += yc.At(i, k) * yc.At(i, k)
		}
	}
	want := (1 - sse[0]/sst[0] + 1 - sse[1]/sst[1]) / 2
	if math.Abs(fit.CVR2-want) > 1e-10 {
		t.Fatalf("closed-form LOO R² %v, brute force %v", fit.CVR2, want)
	}
	// Noiseless: the smallest penalty wins and the map is recovered.
	y.Mul(x, w)
	fit, err = FitRidgeCV(x, y, nil)
	if err != nil {
		t.Fatal(err)
	}
	if fit.Rel != 1e-6 || !mat.EqualApprox(fit.W, w, 1e-4) || fit.CVR2 < 0.999999 {
		t.Fatalf("noiseless fit: rel %g, CV R² %v, W %v want %v", fit.Rel, fit.CVR2, mat.Formatted(fit.W), mat.Formatted(w))
	}
}

// synthSteps builds aligned steps −pre … post whose latents (p dims) carry
// the 2-D variable y of each sample through code(t) (p×2, nil: pure noise)
// plus unit noise.
func synthSteps(rng *rand.Rand, pre, post, nTrain, nVal, p int, noise float64, code func(t int) *mat.Dense) []DecodeStep {
	mk := func(n int) (ys *mat.Dense) {
		ys = mat.NewDense(n, 2, nil)
		for i := 0; i < n; i++ {
			ys.Set(i, 0, rng.Float64()*2-1)
			ys.Set(i, 1, rng.Float64()*2-1)
		}
		return ys
	}
	ytr, yva := mk(nTrain), mk(nVal)
	var steps []DecodeStep
	for t := -pre; t <= post; t++ {
		c := code(t)
		lat := func(y *mat.Dense) *mat.Dense {
			n, _ := y.Dims()
			x := mat.NewDense(n, p, nil)
			if c != nil {
				x.Mul(y, c.T())
			}
			for i := 0; i < n; i++ {
				for j := 0; j < p; j++ {
					x.Set(i, j, x.At(i, j)+noise*rng.NormFloat64())
				}
			}
			return x
		}
		steps = append(steps, DecodeStep{Train: DecodeSamples{X: lat(ytr), Y: ytr}, Val: DecodeSamples{X: lat(yva), Y: yva}})
	}
	return steps
}

// Latents that encode a variable linearly only after an event decode with
// R² ≈ 1 after it and at the shuffled level (≈ 0) before.
func TestDecodeOnlyAfterEvent(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const p = 20
	code := mat.NewDense(p, 2, nil)
	for i := 0; i < p; i++ {
		code.Set(i, 0, rng.NormFloat64())
		code.Set(i, 1, rng.NormFloat64())
	}
	steps := synthSteps(rng, 10, 20, 300, 100, p, 0.05, func(t int) *mat.Dense {
		if t < 0 {
			return nil
		}
		return code
	})
	res, err := DecodeOverTime(context.Background(), steps, 2, nil, rand.New(rand.NewPCG(5, 6)))
	if err != nil {
		t.Fatal(err)
	}
	for s, r2 := range res.R2 {
		tt := s - 10
		for k, v := range r2 {
			sh := res.ShuffleR2[s][k]
			switch {
			case tt >= 0 && !(v > 0.99):
				t.Errorf("step %+d variable %d: R² %.4f after the event, want ≈ 1", tt, k, v)
			case tt < 0 && !(v < 0.05 && math.Abs(v-sh) < 0.1):
				t.Errorf("step %+d variable %d: R² %.4f before the event (shuffled %.4f), want ≈ chance", tt, k, v, sh)
			}
			if !(math.Abs(sh) < 0.1) {
				t.Errorf("step %+d variable %d: shuffled R² %.4f, want ≈ 0", tt, k, sh)
			}
		}
	}
	t.Logf("R² before %.3f, after %.3f, shuffled %.3f", res.R2[0][0], res.R2[15][0], res.ShuffleR2[15][0])
}

// A code that moves to other latent dimensions over time gives a
// cross-temporal matrix with a high diagonal and a low off-diagonal.
func TestCrossTemporalRotatingCode(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const p, T = 64, 24
	// At step t the two variables live on Gaussian bumps of dimensions
	// centred on 2t and 2t + 1 (σ = 1): the code rotates through the latent
	// space, overlapping only with its close neighbours in time.
	steps := synthSteps(rng, 0, T-1, 300, 100, p, 0.05, func(t int) *mat.Dense {
		c := mat.NewDense(p, 2, nil)
		for j := 0; j < p; j++ {
			for k := 0; k < 2; k++ {
				d := float64(j - (2*t + k))
				if math.Mod(d, 2) == 0 {
					c.Set(j, k, math.Exp(-d*d/8))
				}
			}
		}
		return c
	})
	res, err := DecodeOverTime(context.Background(), steps, 2, &DecodeSettings{Shuffles: -1}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	idx := make([]int, T)
	for i := range idx {
		idx[i] = i
	}
	ct := res.CrossTemporal(steps, idx, 2)
	for k, m := range ct {
		diag, off, nOff := 0.0, 0.0, 0
		for a := 0; a < T; a++ {
			diag += m.At(a, a)
			for b := 0; b < T; b++ {
				if a-b >= 4 || b-a >= 4 {
					off += m.At(a, b)
					nOff++
				}
			}
		}
		diag /= T
		off /= float64(nOff)
		if !(diag > 0.98) || !(off < 0.05) {
			t.Errorf("variable %d: mean diagonal R² %.3f, mean R² 4+ steps off it %.3f; want ≈ 1 and ≤ 0", k, diag, off)
		}
		t.Logf("variable %d: diagonal %.3f, off-diagonal %.3f, one step off %.3f", k, diag, off, m.At(5, 6))
	}
}

// benchDecodeSteps is the issue-14 workload: a 200-step window (201 aligned
// steps), 128 latents, 800 trials split 640/160, two variables.
func benchDecodeSteps() []DecodeStep {
	rng := rand.New(rand.NewPCG(9, 9))
	const p = 128
	code := mat.NewDense(p, 2, nil)
	for i := 0; i < p; i++ {
		code.Set(i, 0, rng.NormFloat64())
		code.Set(i, 1, rng.NormFloat64())
	}
	return synthSteps(rng, 50, 150, 640, 160, p, 1, func(t int) *mat.Dense { return code })
}

// The cross-temporal matrix as `ctdtui decode --cross-temporal` computes it
// on that workload: decoders at every 4th step (51 of the 201, each with its
// penalty chosen by leave-one-out CV and no shuffles), then the 51×51 matrix
// of each fit scored on each step's validation trials.
func BenchmarkCrossTemporal201x128x800(b *testing.B) {
	steps := benchDecodeSteps()
	var sub []DecodeStep
	for t := 0; t < len(steps); t += 4 {
		sub = append(sub, steps[t])
	}
	idx := make([]int, len(sub))
	for i := range idx {
		idx[i] = i
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := DecodeOverTime(context.Background(), sub, 2, &DecodeSettings{Shuffles: -1}, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			b.Fatal(err)
		}
		res.CrossTemporal(sub, idx, 2)
	}
}

// The R² curve over all 201 steps with 5 shuffled controls per step.
func BenchmarkDecodeCurve201x128x800(b *testing.B) {
	steps := benchDecodeSteps()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := DecodeOverTime(context.Background(), steps, 2, nil, rand.New(rand.NewPCG(1, 1))); err != nil {
			b.Fatal(err)
		}
	}
}
