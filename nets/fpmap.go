package nets

import (
	"fmt"

	"github.com/ctdtui/ctdtui/sim"
)

// FixedPointMap is one noise-free step of a model's state, x' = F(x, u),
// batched over rows, as the fixed-point finder needs. It satisfies
// analysis.Map (Dim, InputDim, Eval, VJP, Jacobian), the optional fast path
// EvalResidualVJP, and, in float32, analysis.Precisioner (Epsilon). The
// products run on the model's own kernels; the float64 interface only converts
// at the edges. A map is used by one goroutine at a time.
type FixedPointMap[F sim.Float] struct {
	model     Model[F]
	tape      Tape[F]
	capRows   int
	x, u, y   []F
	dlat, dy0 []F
}

// NewFixedPointMap wraps a model.
func NewFixedPointMap[F sim.Float](m Model[F]) *FixedPointMap[F] {
	return &FixedPointMap[F]{model: m}
}

// Dim is the state size.
func (p *FixedPointMap[F]) Dim() int { return p.model.Config().Latent }

// InputDim is the input size.
func (p *FixedPointMap[F]) InputDim() int { return p.model.Config().Inputs }

// Epsilon is the machine epsilon of the map's arithmetic.
func (p *FixedPointMap[F]) Epsilon() float64 {
	var probe F = 1
	if probe+F(1e-10) == probe {
		return 0x1p-23 // float32
	}
	return 0x1p-52
}

func (p *FixedPointMap[F]) ensure(n int) {
	c := p.model.Config()
	if n > p.capRows {
		p.capRows = n
		p.tape = p.model.NewTape(n, 1)
		p.x = make([]F, n*c.Latent)
		p.u = make([]F, n*c.Inputs)
		p.y = make([]F, n*c.Outputs)
		p.dlat = make([]F, n*c.Latent)
		p.dy0 = make([]F, n*c.Outputs)
	}
}

func toF[F sim.Float](dst []F, src []float64) {
	for i, v := range src {
		dst[i] = F(v)
	}
}

func fromF[F sim.Float](dst []float64, src []F) {
	for i, v := range src {
		dst[i] = float64(v)
	}
}

// step runs F on n rows and leaves the result in the tape.
func (p *FixedPointMap[F]) step(x []float64, n int, u []float64) {
	H, I := p.Dim(), p.InputDim()
	if len(x) < n*H || len(u) < n*I {
		panic(fmt.Sprintf("nets: FixedPointMap: %d rows need %d states and %d inputs, got %d and %d", n, n*H, n*I, len(x), len(u)))
	}
	p.ensure(n)
	toF(p.x[:n*H], x[:n*H])
	toF(p.u[:n*I], u[:n*I])
	p.tape.ResetState(n, p.x[:n*H])
	p.tape.Step(p.u[:n*I], p.y[:n*p.model.Config().Outputs])
}

// back pulls the row-wise vectors v through the step: dst = J(x)ᵀ v.
func (p *FixedPointMap[F]) back(dst []float64, n int) {
	H := p.Dim()
	dy := p.dy0[:n*p.model.Config().Outputs]
	clear(dy)
	p.tape.Backward(0, dy, p.dlat[:n*H], nil, nil)
	fromF(dst[:n*H], p.tape.InitialGrad())
}

// Eval sets dst (n×Dim) to F(x_i, u_i).
func (p *FixedPointMap[F]) Eval(dst, x []float64, n int, u []float64) {
	p.step(x, n, u)
	fromF(dst[:n*p.Dim()], p.tape.Latent(0))
}

// VJP sets dst (n×Dim) to J(x_i, u_i)ᵀ v_i.
func (p *FixedPointMap[F]) VJP(dst, x, v []float64, n int, u []float64) {
	p.step(x, n, u)
	toF(p.dlat[:n*p.Dim()], v[:n*p.Dim()])
	p.back(dst, n)
}

// EvalResidualVJP sets f to F(x_i, u_i) and grad to J(x_i)ᵀ (F(x_i) − x_i) in
// one forward and one backward pass.
func (p *FixedPointMap[F]) EvalResidualVJP(f, grad, x []float64, n int, u []float64) {
	p.step(x, n, u)
	H := p.Dim()
	next := p.tape.Latent(0)
	fromF(f[:n*H], next)
	for i := 0; i < n*H; i++ {
		p.dlat[i] = next[i] - p.x[i]
	}
	p.back(grad, n)
}

// Jacobian sets dst (Dim×Dim, row-major) to ∂F_a/∂x_b at (x, u): row a is
// J ᵀ e_a, computed for every a in one batched backward pass.
func (p *FixedPointMap[F]) Jacobian(dst []float64, x, u []float64) {
	H, I := p.Dim(), p.InputDim()
	xs := make([]float64, H*H)
	us := make([]float64, H*I)
	for a := 0; a < H; a++ {
		copy(xs[a*H:(a+1)*H], x[:H])
		copy(us[a*I:(a+1)*I], u[:I])
	}
	p.step(xs, H, us)
	clear(p.dlat[:H*H])
	for a := 0; a < H; a++ {
		p.dlat[a*H+a] = 1
	}
	p.back(dst, H)
}

// Convert copies a model into another float type (e.g. a float32 model into
// float64 for Newton refinement and exact Jacobians).
func Convert[To, From sim.Float](m Model[From]) Model[To] {
	out, err := New[To](m.Config(), nil)
	if err != nil {
		panic(err) // the configuration was valid for m
	}
	src, dst := m.Params().Data, out.Params().Data
	for i, v := range src {
		dst[i] = To(v)
	}
	return out
}
