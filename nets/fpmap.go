package nets

import (
	"fmt"
	"sync"

	"github.com/ctdtui/ctdtui/nets/vecmath"
	"github.com/ctdtui/ctdtui/sim"
)

// FixedPointMap is one noise-free step of a model's state, x' = F(x, u),
// batched over rows, as the fixed-point finder needs. It satisfies
// analysis.Map (Dim, InputDim, Eval, VJP, Jacobian), the optional fast path
// EvalResidualVJP, and, in float32, analysis.Precisioner (Epsilon). The
// products run on the model's own kernels; the float64 interface only converts
// at the edges. Large calls split their rows across Workers goroutines, each
// with its own tape (rows are independent, so results do not depend on the
// split). A map is used by one goroutine at a time.
type FixedPointMap[F sim.Float] struct {
	model Model[F]
	// Workers is the most goroutines a call uses (0 = GOMAXPROCS).
	Workers int
	parts   []*fpPart[F]
}

// fpPart is one worker's tape and buffers.
type fpPart[F sim.Float] struct {
	tape    Tape[F]
	capRows int
	x, u    []F
	dlat    []F
}

// fpMinRows is the fewest rows worth a goroutine of their own.
const fpMinRows = 32

// NewFixedPointMap wraps a model.
func NewFixedPointMap[F sim.Float](m Model[F]) *FixedPointMap[F] {
	return &FixedPointMap[F]{model: m}
}

// Dim is the state size (Config.StateDim: the LSTM's map acts on [h, c]).
func (p *FixedPointMap[F]) Dim() int { return p.model.Config().StateDim() }

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

func (q *fpPart[F]) ensure(m Model[F], n int) {
	c := m.Config()
	if n > q.capRows {
		q.capRows = n
		q.tape = m.NewTape(n, 1)
		q.x = make([]F, n*c.StateDim())
		q.u = make([]F, n*c.Inputs)
		q.dlat = make([]F, n*c.StateDim())
	}
}

// toF converts to the map's float type (vectorised for float32).
func toF[F sim.Float](dst []F, src []float64) {
	if d32, ok := any(dst).([]float32); ok {
		vecmath.Narrow(d32[:len(src)], src)
		return
	}
	for i, v := range src {
		dst[i] = F(v)
	}
}

// fromF converts back to float64 (vectorised for float32).
func fromF[F sim.Float](dst []float64, src []F) {
	if s32, ok := any(src).([]float32); ok {
		vecmath.Widen(dst[:len(s32)], s32)
		return
	}
	for i, v := range src {
		dst[i] = float64(v)
	}
}

// fpMode says what a call computes besides F(x).
type fpMode int

const (
	fpEval     fpMode = iota // f = F(x)
	fpVJP                    // grad = Jᵀ v
	fpResidual               // f = F(x), grad = Jᵀ (F(x) − x)
)

// apply runs F (and the VJP the mode asks for) on n rows, split across the
// workers in contiguous blocks.
func (p *FixedPointMap[F]) apply(mode fpMode, f, grad, x, v []float64, n int, u []float64) {
	p.applyThen(mode, f, grad, x, v, n, u, nil)
}

// applyThen is apply, with then (if non-nil) called on each worker's block of
// rows [r0, r1) as soon as that block's results are written, on the worker's
// goroutine: per-row follow-up work runs in parallel while the rows are in cache.
func (p *FixedPointMap[F]) applyThen(mode fpMode, f, grad, x, v []float64, n int, u []float64, then func(r0, r1 int)) {
	H, I := p.Dim(), p.InputDim()
	if len(x) < n*H || len(u) < n*I {
		panic(fmt.Sprintf("nets: FixedPointMap: %d rows need %d states and %d inputs, got %d and %d", n, n*H, n*I, len(x), len(u)))
	}
	workers := p.Workers
	if workers <= 0 {
		workers = defaultWorkers()
	}
	k := max(1, min(workers, n/fpMinRows))
	for len(p.parts) < k {
		p.parts = append(p.parts, &fpPart[F]{})
	}
	run := func(w int) {
		r0, r1 := w*n/k, (w+1)*n/k
		p.parts[w].run(p.model, mode, r0, r1, f, grad, x, v, u)
		if then != nil {
			then(r0, r1)
		}
	}
	if k == 1 {
		run(0)
		return
	}
	var wg sync.WaitGroup
	for w := 1; w < k; w++ {
		wg.Add(1)
		go func() { defer wg.Done(); run(w) }()
	}
	run(0)
	wg.Wait()
}

// run is one worker's share: rows [r0, r1).
func (q *fpPart[F]) run(m Model[F], mode fpMode, r0, r1 int, f, grad, x, v, u []float64) {
	c := m.Config()
	H, I := c.StateDim(), c.Inputs
	n := r1 - r0
	q.ensure(m, n)
	xs, us := q.x[:n*H], q.u[:n*I]
	toF(xs, x[r0*H:r1*H])
	toF(us, u[r0*I:r1*I])
	q.tape.ResetState(n, xs)
	q.tape.Step(us, nil) // nil: the readout is not wanted
	next := q.tape.Latent(0)
	if mode != fpVJP {
		fromF(f[r0*H:r1*H], next)
	}
	if mode == fpEval {
		return
	}
	dl := q.dlat[:n*H]
	if mode == fpVJP {
		toF(dl, v[r0*H:r1*H])
	} else {
		for i := range dl {
			dl[i] = next[i] - xs[i]
		}
	}
	q.tape.Backward(0, nil, dl, nil, nil)
	fromF(grad[r0*H:r1*H], q.tape.InitialGrad())
}

// Eval sets dst (n×Dim) to F(x_i, u_i).
func (p *FixedPointMap[F]) Eval(dst, x []float64, n int, u []float64) {
	p.apply(fpEval, dst, nil, x, nil, n, u)
}

// VJP sets dst (n×Dim) to J(x_i, u_i)ᵀ v_i.
func (p *FixedPointMap[F]) VJP(dst, x, v []float64, n int, u []float64) {
	p.apply(fpVJP, nil, dst, x, v, n, u)
}

// EvalResidualVJP sets f to F(x_i, u_i) and grad to J(x_i)ᵀ (F(x_i) − x_i) in
// one forward and one backward pass.
func (p *FixedPointMap[F]) EvalResidualVJP(f, grad, x []float64, n int, u []float64) {
	p.apply(fpResidual, f, grad, x, nil, n, u)
}

// EvalResidualVJPRows is EvalResidualVJP followed by then(r0, r1) on each
// block of rows as soon as the block is done, on the goroutine that computed
// it (analysis.RowwiseResidualMap): the finder's per-row work — q, the
// gradient of the mean, the Adam step — then runs in parallel with the rows
// still in cache. Blocks are disjoint, so then may write to its rows freely.
func (p *FixedPointMap[F]) EvalResidualVJPRows(f, grad, x []float64, n int, u []float64, then func(r0, r1 int)) {
	p.applyThen(fpResidual, f, grad, x, nil, n, u, then)
}

// Jacobian sets dst (Dim×Dim, row-major) to ∂F_a/∂x_b at (x, u): row a is
// J ᵀ e_a, computed for every a in one batched backward pass.
func (p *FixedPointMap[F]) Jacobian(dst []float64, x, u []float64) {
	H, I := p.Dim(), p.InputDim()
	xs := make([]float64, H*H)
	us := make([]float64, H*I)
	e := make([]float64, H*H)
	for a := 0; a < H; a++ {
		copy(xs[a*H:(a+1)*H], x[:H])
		copy(us[a*I:(a+1)*I], u[:I])
		e[a*H+a] = 1
	}
	p.apply(fpVJP, nil, dst, xs, e, H, us)
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
