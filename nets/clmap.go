package nets

import (
	"fmt"
	"sync"

	"github.com/ctdtui/ctdtui/sim"
)

// ClosedLoopMap is one noise-free step of a model driving a plant in closed
// loop, as one map z' = F(z, c) of the joint state z = [h, s] (the model's
// state h, Latent values, then the plant's full state s, StateDim values)
// with the context inputs c held: the model reads [observation of s, c]
// (observation first, as in training), its readout is the plant's action,
// and the plant steps from s with that action and no external load. Its
// fixed points F(z) = z are the closed loop's (the network and the arm at
// rest together). It satisfies analysis.Map with the fast path
// EvalResidualVJP, and in float32 analysis.Precisioner.
//
// The vector–Jacobian product chains the adjoints training uses: the
// plant's step adjoint gives d/ds and d/d action, the model tape's backward
// step turns d/d action (through the readout) and d/dh' into d/dh and
// d/d input, and the observation's adjoint carries the observation part of
// d/d input back to s. The plant is float64; the model runs in F.
type ClosedLoopMap[F sim.Float] struct {
	model Model[F]
	plant sim.StatePlant
	// Workers is the most goroutines a call uses (0 = GOMAXPROCS).
	Workers int
	parts   []*clPart[F]
}

// NewClosedLoopMap wraps a model and the plant it was trained to drive; the
// model's inputs must be the plant's observation plus at least zero context
// inputs and its outputs the plant's actions.
func NewClosedLoopMap[F sim.Float](m Model[F], p sim.StatePlant) (*ClosedLoopMap[F], error) {
	c := m.Config()
	if c.Inputs < p.ObsDim() || c.Outputs != p.ActDim() {
		return nil, fmt.Errorf("nets: closed loop: the model takes %d inputs and gives %d outputs; the plant observes %d values and takes %d actions",
			c.Inputs, c.Outputs, p.ObsDim(), p.ActDim())
	}
	return &ClosedLoopMap[F]{model: m, plant: p}, nil
}

// Dim is Latent + the plant's StateDim.
func (p *ClosedLoopMap[F]) Dim() int { return p.model.Config().Latent + p.plant.StateDim() }

// InputDim is the number of context inputs (the model's inputs minus the
// observation).
func (p *ClosedLoopMap[F]) InputDim() int { return p.model.Config().Inputs - p.plant.ObsDim() }

// Latent is the size of the model's part of the state.
func (p *ClosedLoopMap[F]) Latent() int { return p.model.Config().Latent }

// Plant returns the plant.
func (p *ClosedLoopMap[F]) Plant() sim.StatePlant { return p.plant }

// Epsilon is the machine epsilon of the model's arithmetic.
func (p *ClosedLoopMap[F]) Epsilon() float64 {
	var probe F = 1
	if probe+F(1e-10) == probe {
		return 0x1p-23
	}
	return 0x1p-52
}

// clPart is one worker's tape and buffers.
type clPart[F sim.Float] struct {
	tape          Tape[F]
	capRows       int
	h, x, y, dlat []F
	dy, dx        []F
	obs, act, ds  []float64
	dAct, dObs    []float64
}

func (q *clPart[F]) ensure(m Model[F], pl sim.StatePlant, n int) {
	c := m.Config()
	if n <= q.capRows {
		return
	}
	q.capRows = n
	q.tape = m.NewTape(n, 1)
	q.h, q.dlat = make([]F, n*c.Latent), make([]F, n*c.Latent)
	q.x, q.dx = make([]F, n*c.Inputs), make([]F, n*c.Inputs)
	q.y, q.dy = make([]F, n*c.Outputs), make([]F, n*c.Outputs)
	q.obs, q.dObs = make([]float64, n*pl.ObsDim()), make([]float64, pl.ObsDim())
	q.act, q.dAct = make([]float64, n*c.Outputs), make([]float64, c.Outputs)
	q.ds = make([]float64, pl.StateDim())
}

// Step writes, for each of n rows, the next joint state into f (n×Dim) and,
// when act is not nil, the model's readout (the action) into act
// (n×Outputs).
func (p *ClosedLoopMap[F]) Step(f, act, z []float64, n int, u []float64) {
	p.apply(fpEval, f, nil, act, z, nil, n, u)
}

// Eval sets dst (n×Dim) to F(z_i, c_i).
func (p *ClosedLoopMap[F]) Eval(dst, z []float64, n int, u []float64) {
	p.apply(fpEval, dst, nil, nil, z, nil, n, u)
}

// VJP sets dst (n×Dim) to J(z_i, c_i)ᵀ v_i.
func (p *ClosedLoopMap[F]) VJP(dst, z, v []float64, n int, u []float64) {
	p.apply(fpVJP, nil, dst, nil, z, v, n, u)
}

// EvalResidualVJP sets f to F(z_i) and grad to J(z_i)ᵀ(F(z_i) − z_i).
func (p *ClosedLoopMap[F]) EvalResidualVJP(f, grad, z []float64, n int, u []float64) {
	p.apply(fpResidual, f, grad, nil, z, nil, n, u)
}

// Jacobian sets dst (Dim×Dim, row-major) to ∂F_a/∂z_b at (z, c): row a is
// Jᵀe_a, every row in one batched backward pass.
func (p *ClosedLoopMap[F]) Jacobian(dst []float64, z, u []float64) {
	D, I := p.Dim(), p.InputDim()
	zs := make([]float64, D*D)
	us := make([]float64, D*I)
	e := make([]float64, D*D)
	for a := 0; a < D; a++ {
		copy(zs[a*D:(a+1)*D], z[:D])
		copy(us[a*I:(a+1)*I], u[:I])
		e[a*D+a] = 1
	}
	p.apply(fpVJP, nil, dst, nil, zs, e, D, us)
}

func (p *ClosedLoopMap[F]) apply(mode fpMode, f, grad, act, z, v []float64, n int, u []float64) {
	D, I := p.Dim(), p.InputDim()
	if len(z) < n*D || len(u) < n*I {
		panic(fmt.Sprintf("nets: ClosedLoopMap: %d rows need %d states and %d inputs, got %d and %d", n, n*D, n*I, len(z), len(u)))
	}
	workers := p.Workers
	if workers <= 0 {
		workers = defaultWorkers()
	}
	k := max(1, min(workers, n/fpMinRows))
	for len(p.parts) < k {
		p.parts = append(p.parts, &clPart[F]{})
	}
	run := func(w int) { p.run(p.parts[w], mode, w*n/k, (w+1)*n/k, f, grad, act, z, v, u) }
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
func (p *ClosedLoopMap[F]) run(q *clPart[F], mode fpMode, r0, r1 int, f, grad, act, z, v, u []float64) {
	c := p.model.Config()
	H, I, O := c.Latent, c.Inputs, c.Outputs
	pl := p.plant
	S, Ob := pl.StateDim(), pl.ObsDim()
	D, C := H+S, I-Ob
	n := r1 - r0
	q.ensure(p.model, pl, n)
	for i := 0; i < n; i++ {
		zi := z[(r0+i)*D : (r0+i+1)*D]
		toF(q.h[i*H:(i+1)*H], zi[:H])
		obs := q.obs[i*Ob : (i+1)*Ob]
		pl.Observe(obs, zi[H:])
		toF(q.x[i*I:i*I+Ob], obs)
		toF(q.x[i*I+Ob:(i+1)*I], u[(r0+i)*C:(r0+i+1)*C])
	}
	q.tape.ResetState(n, q.h[:n*H])
	q.tape.Step(q.x[:n*I], q.y[:n*O])
	lat := q.tape.Latent(0)
	fromF(q.act[:n*O], q.y[:n*O])
	if act != nil {
		copy(act[r0*O:r1*O], q.act[:n*O])
	}
	// The next joint state: needed unless only the VJP is asked for.
	if mode != fpVJP {
		for i := 0; i < n; i++ {
			fi := f[(r0+i)*D : (r0+i+1)*D]
			fromF(fi[:H], lat[i*H:(i+1)*H])
			pl.StepState(fi[H:], z[(r0+i)*D+H:(r0+i+1)*D], q.act[i*O:(i+1)*O])
		}
	}
	if mode == fpEval {
		return
	}
	// Backward: the plant step first (it came last), then the model step,
	// then the observation.
	for i := 0; i < n; i++ {
		row := r0 + i
		zi := z[row*D : (row+1)*D]
		var vi []float64
		if mode == fpVJP {
			vi = v[row*D : (row+1)*D]
		} else {
			// Residual: v = F(z) − z, built in grad's row (read below before
			// it is overwritten).
			fi := f[row*D : (row+1)*D]
			vi = grad[row*D : (row+1)*D]
			for k := range vi {
				vi[k] = fi[k] - zi[k]
			}
		}
		copy(q.ds, vi[H:])
		toF(q.dlat[i*H:(i+1)*H], vi[:H])
		pl.StepStateBackward(q.ds, q.dAct, zi[H:], q.act[i*O:(i+1)*O])
		toF(q.dy[i*O:(i+1)*O], q.dAct)
		// Park d/ds (through the plant step) in grad's plant part.
		copy(grad[row*D+H:(row+1)*D], q.ds)
	}
	dx := q.dx[:n*I]
	q.tape.Backward(0, q.dy[:n*O], q.dlat[:n*H], dx, nil)
	dh := q.tape.InitialGrad()
	for i := 0; i < n; i++ {
		row := r0 + i
		g := grad[row*D : (row+1)*D]
		fromF(g[:H], dh[i*H:(i+1)*H])
		fromF(q.dObs, dx[i*I:i*I+Ob])
		pl.ObserveBackward(g[H:], z[row*D+H:(row+1)*D], q.dObs)
	}
}
