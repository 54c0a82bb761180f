package nets

import (
	"math"

	"github.com/ctdtui/ctdtui/sim"
)

// Adam is torch.optim.Adam (torch 1.13, single-tensor path) with COUPLED L2
// weight decay: the decay is added to the gradient before the moment updates
// (not AdamW), and it applies to every parameter, biases and learned initial
// states included, as in the reference.
type Adam[F sim.Float] struct {
	LR, Beta1, Beta2, Eps, WeightDecay float64
	// Step counts the updates taken (torch's state "step").
	Step int
	// M and V are the first and second moment estimates (exp_avg, exp_avg_sq).
	M, V []F
}

// NewAdam returns an optimiser for n parameters with torch's default betas and eps.
func NewAdam[F sim.Float](n int, lr, weightDecay float64) *Adam[F] {
	return &Adam[F]{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: weightDecay,
		M: make([]F, n), V: make([]F, n)}
}

// Update takes one step on params with the gradient grad (which it leaves unchanged),
// in torch's order of operations.
func (a *Adam[F]) Update(params, grad []F) {
	if len(params) != len(grad) || len(params) != len(a.M) {
		panic("nets: Adam: parameter, gradient and state lengths differ")
	}
	a.Step++
	b1, b2 := F(a.Beta1), F(a.Beta2)
	wd := F(a.WeightDecay)
	bc1 := 1 - math.Pow(a.Beta1, float64(a.Step))
	bc2 := 1 - math.Pow(a.Beta2, float64(a.Step))
	stepSize := F(a.LR / bc1)
	bc2Sqrt := F(math.Sqrt(bc2))
	eps := F(a.Eps)
	for i, p := range params {
		g := grad[i]
		if wd != 0 {
			g += wd * p
		}
		m := a.M[i]*b1 + g*(1-b1)
		v := a.V[i]*b2 + g*g*(1-b2)
		a.M[i], a.V[i] = m, v
		denom := F(math.Sqrt(float64(v)))/bc2Sqrt + eps
		params[i] = p - stepSize*(m/denom)
	}
}

// ClipGradNorm scales grad in place so that its global L2 norm is at most maxNorm,
// as torch's clip_grad_norm_: coef = maxNorm/(norm + 1e-6), applied when below 1.
// It returns the norm before clipping. maxNorm <= 0 disables clipping.
func ClipGradNorm[F sim.Float](grad []F, maxNorm float64) float64 {
	s := 0.0
	for _, g := range grad {
		s += float64(g) * float64(g)
	}
	norm := math.Sqrt(s)
	if maxNorm > 0 {
		if coef := maxNorm / (norm + 1e-6); coef < 1 {
			c := F(coef)
			for i := range grad {
				grad[i] *= c
			}
		}
	}
	return norm
}
