package nets

import (
	"github.com/ctdtui/ctdtui/nets/gemm"
	"github.com/ctdtui/ctdtui/sim"
)

// driscoll is DriscollRNN: a leaky rate network whose leak multiplies W_rec h
// (not h; a reference quirk kept because it defines the model), and whose output
// reads the state BEFORE the step:
//
//	y = W_o h + b_o
//	u = W_rec h
//	h' = (1 − γ)·u + γ·tanh(u + W_in x + b + Noise·N(0,1))
//
// from a zero initial state.
type driscoll[F sim.Float] struct {
	cfg               Config
	params            Params[F]
	rec, inp, bias    []F
	wout, bout        []F
	vRec, vInp, vBias ParamView
	vWout, vBout      ParamView
}

func newDriscoll[F sim.Float](c Config) *driscoll[F] {
	m := &driscoll[F]{cfg: c}
	H, I, O := c.Latent, c.Inputs, c.Outputs
	l := layout[F]{p: &m.params}
	l.tensor(&m.rec, "recW", H, H)
	l.tensor(&m.inp, "inpW", H, I)
	l.tensor(&m.bias, "bias", H)
	l.tensor(&m.wout, "readout_weight", O, H)
	l.tensor(&m.bout, "readout_bias", O)
	l.finish()
	v := m.params.Views
	m.vRec, m.vInp, m.vBias, m.vWout, m.vBout = v[0], v[1], v[2], v[3], v[4]
	return m
}

func (m *driscoll[F]) Config() Config     { return m.cfg }
func (m *driscoll[F]) Params() *Params[F] { return &m.params }

func (m *driscoll[F]) NewTape(maxB, maxT int) Tape[F] {
	H, I, O := m.cfg.Latent, m.cfg.Inputs, m.cfg.Outputs
	return &driscollTape[F]{m: m, maxB: maxB, maxT: maxT,
		xs: make([]F, maxT*maxB*I), ring: make([]F, 2*maxB*H), thScratch: make([]F, maxB*H),
		dys: make([]F, maxT*maxB*O), u: make([]F, maxB*H), dh: make([]F, maxB*H),
		inpT: make([]F, I*H), inpGrad: make([]F, I*H), biasGrad: make([]F, H)}
}

// driscollTape keeps the inputs, states and tanh values of a rollout; the
// backward pass stores each step's gradients of the tanh argument (∂a) and of
// u = W_rec h (∂u) for the deferred weight gradients (see gradDefer).
type driscollTape[F sim.Float] struct {
	m          *driscoll[F]
	maxB, maxT int
	B, steps   int
	// xs: inputs (T×B×I); hs: states ((T+1)×B×H, hs[0] = 0); th: tanh values
	// (T×B×H); das, dus: ∂a and ∂u per step; dys: readout gradients (T×B×O).
	// hs, th, das and dus are allocated on the first rollout that keeps them;
	// forward-only rollouts use ring and thScratch.
	xs, hs, th, das, dus, dys []F
	ring, thScratch           []F
	u, dh                     []F
	// inpT = W_inᵀ (I×H), copied at Reset, and with the bias in the vector
	// kernel's layout (blk); inpGrad is scratch for dW_inᵀ.
	inpT, blk, inpGrad []F
	// biasGrad accumulates Σ ∂a over the pending steps and rows.
	biasGrad []F
	pending  gradDefer[F]
	noise    *Noise
	noGrad   bool
}

func (t *driscollTape[F]) setNoGrad(on bool) { t.noGrad = on }

func (t *driscollTape[F]) Reset(B int, noise *Noise) {
	if B > t.maxB {
		panic("nets: batch larger than the tape")
	}
	t.B, t.steps, t.noise = B, 0, noise
	m := t.m
	H, I := m.cfg.Latent, m.cfg.Inputs
	if !t.noGrad && t.hs == nil {
		n := t.maxT * t.maxB * H
		t.hs = make([]F, n+t.maxB*H)
		t.th, t.das, t.dus = make([]F, n), make([]F, n), make([]F, n)
	}
	clear(t.state(0))
	clear(t.dh[:B*H])
	t.pending = gradDefer[F]{}
	clear(t.biasGrad)
	for j := 0; j < H; j++ {
		for i := 0; i < I; i++ {
			t.inpT[i*H+j] = m.inp[j*I+i]
		}
	}
	t.blk = rnnBlock(t.blk, H, I, t.inpT, m.bias)
}

func (t *driscollTape[F]) ResetState(B int, h0 []F) {
	t.Reset(B, nil)
	copy(t.state(0), h0)
}

// InitialGrad is d loss/d h0 after Backward(0); the model's own initial state
// is a constant zero, so it feeds no parameter.
func (t *driscollTape[F]) InitialGrad() []F { return t.dh[:t.B*t.m.cfg.Latent] }

func (t *driscollTape[F]) Initial() []F { return t.state(0) }

func (t *driscollTape[F]) Latent(step int) []F { return t.state(step + 1) }

// state is the state after s steps (B×H).
func (t *driscollTape[F]) state(s int) []F {
	n := t.B * t.m.cfg.Latent
	if t.noGrad {
		s %= 2
		return t.ring[s*n : (s+1)*n]
	}
	return t.hs[s*n : (s+1)*n]
}

func (t *driscollTape[F]) Step(x, y []F) {
	m, B, s := t.m, t.B, t.steps
	H, I, O := m.cfg.Latent, m.cfg.Inputs, m.cfg.Outputs
	if s >= t.maxT {
		panic("nets: more steps than the tape holds")
	}
	nh := B * H
	copy(t.xs[s*B*I:(s+1)*B*I], x[:B*I])
	hprev, h := t.state(s), t.state(s+1)
	th := t.thScratch[:nh]
	if !t.noGrad {
		th = t.th[s*nh : (s+1)*nh]
	}
	if y != nil {
		linearFwd(y, hprev, m.wout, m.bout, B, H, O) // output of the OLD state
	}
	u := t.u[:nh]
	gemm.Gemm(false, true, B, H, H, 1, hprev, H, m.rec, H, 0, u, H)
	copy(th, u)
	if t.noise != nil && m.cfg.Noise > 0 {
		for b := 0; b < B; b++ {
			for j := 0; j < H; j++ {
				th[b*H+j] += F(m.cfg.Noise * t.noise.Norm(b))
			}
		}
	}
	// th = tanh(u + noise + b + x·W_inᵀ): the tanh cell's fused pass.
	rnnForward(B, H, I, x, t.inpT, m.bias, t.blk, th)
	gamma := F(m.cfg.Gamma)
	for i := range h {
		h[i] = (1-gamma)*u[i] + gamma*th[i]
	}
	t.steps++
}

func (t *driscollTape[F]) Backward(s int, dy, dlat, dx, grad []F) {
	if t.noGrad {
		panic("nets: Backward on a tape that kept nothing for it")
	}
	m, B := t.m, t.B
	H, I, O := m.cfg.Latent, m.cfg.Inputs, m.cfg.Outputs
	nh := B * H
	if t.pending.stale(grad) {
		t.flush()
	}
	if grad != nil {
		t.pending.add(s, grad)
		copyOrClear(t.dys[s*B*O:(s+1)*B*O], dy)
	}
	th, da, du := t.th[s*nh:(s+1)*nh], t.das[s*nh:(s+1)*nh], t.dus[s*nh:(s+1)*nh]
	dh := t.dh[:nh]
	gamma := F(m.cfg.Gamma)
	for i := range dh {
		d := dh[i]
		if dlat != nil {
			d += dlat[i]
		}
		da[i] = d * gamma * (1 - th[i]*th[i])
		du[i] = d*(1-gamma) + da[i]
	}
	if grad != nil {
		colSum(t.biasGrad, da, B, H)
	}
	if dx != nil {
		gemm.Gemm(false, false, B, I, H, 1, da, H, m.inp, I, 0, dx, I)
	}
	gemm.Gemm(false, false, B, H, H, 1, du, H, m.rec, H, 0, dh, H)
	// The step's output read hprev.
	if dy != nil {
		gemm.Gemm(false, false, B, H, O, 1, dy, O, m.wout, H, 1, dh, H)
	}
	if t.pending.due(s, B) {
		t.flush()
	}
}

// flush adds the parameter gradients of the pending steps into their vector.
func (t *driscollTape[F]) flush() {
	m, B := t.m, t.B
	H, I, O := m.cfg.Latent, m.cfg.Inputs, m.cfg.Outputs
	grad, lo, hi := t.pending.take()
	R, nh := (hi-lo+1)*B, B*H
	hprev := t.hs[lo*nh : (hi+1)*nh]
	dy := t.dys[lo*B*O : (hi+1)*B*O]
	weightGrad(R, H, H, t.dus[lo*nh:(hi+1)*nh], H, hprev, H, gradView(grad, m.vRec))
	tmp := t.inpGrad
	clear(tmp)
	outerAcc(R, I, H, t.xs[lo*B*I:(hi+1)*B*I], I, t.das[lo*nh:(hi+1)*nh], H, tmp)
	dInp := gradView(grad, m.vInp)
	for i := 0; i < I; i++ {
		for j := 0; j < H; j++ {
			dInp[j*I+i] += tmp[i*H+j]
		}
	}
	outerAcc(R, O, H, dy, O, hprev, H, gradView(grad, m.vWout))
	colSum(gradView(grad, m.vBout), dy, R, O)
	db := gradView(grad, m.vBias)
	for j, v := range t.biasGrad {
		db[j] += v
	}
	clear(t.biasGrad)
}
