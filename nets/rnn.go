package nets

import (
	"github.com/ctdtui/ctdtui/nets/gemm"
	"github.com/ctdtui/ctdtui/sim"
)

// rnn is Vanilla_RNN: a torch RNNCell, h' = tanh(W_ih x + b_ih + W_hh h + b_hh),
// from a zero initial state, with a linear readout of h'.
type rnn[F sim.Float] struct {
	cfg                    Config
	params                 Params[F]
	wih, whh, bih, bhh     []F
	wout, bout             []F
	vWih, vWhh, vBih, vBhh ParamView
	vWout, vBout           ParamView
}

func newRNN[F sim.Float](c Config) *rnn[F] {
	m := &rnn[F]{cfg: c}
	H, I, O := c.Latent, c.Inputs, c.Outputs
	l := layout[F]{p: &m.params}
	l.tensor(&m.wih, "weight_ih", H, I)
	l.tensor(&m.whh, "weight_hh", H, H)
	l.tensor(&m.bih, "bias_ih", H)
	l.tensor(&m.bhh, "bias_hh", H)
	l.tensor(&m.wout, "readout_weight", O, H)
	l.tensor(&m.bout, "readout_bias", O)
	l.finish()
	v := m.params.Views
	m.vWih, m.vWhh, m.vBih, m.vBhh, m.vWout, m.vBout = v[0], v[1], v[2], v[3], v[4], v[5]
	return m
}

func (m *rnn[F]) Config() Config     { return m.cfg }
func (m *rnn[F]) Params() *Params[F] { return &m.params }

func (m *rnn[F]) NewTape(maxB, maxT int) Tape[F] {
	H, I, O := m.cfg.Latent, m.cfg.Inputs, m.cfg.Outputs
	return &rnnTape[F]{m: m, maxB: maxB, maxT: maxT,
		xs: make([]F, maxT*maxB*I), ring: make([]F, 2*maxB*H), dys: make([]F, maxT*maxB*O),
		dh: make([]F, maxB*H), wihT: make([]F, I*H), bias: make([]F, H), biasGrad: make([]F, H),
		wihGrad: make([]F, I*H)}
}

// rnnTape keeps the inputs and states of a rollout; the backward pass stores
// each step's pre-activation gradient ∂ã (ã = W_ih x + b_ih + W_hh h + b_hh) for
// the deferred weight gradients (see gradDefer).
type rnnTape[F sim.Float] struct {
	m          *rnn[F]
	maxB, maxT int
	B, steps   int
	// xs: inputs (T×B×I); hs: states, hs[0] the initial one ((T+1)×B×H); das:
	// ∂ã per step (T×B×H); dys: readout gradients (T×B×O). hs and das are
	// allocated on the first rollout that needs them; forward-only rollouts
	// keep the last two states in ring.
	xs, hs, das, dys, ring []F
	dh                     []F
	// W_ihᵀ (I×H) and b_ih + b_hh, copied at Reset, and both in the vector
	// kernel's layout (rnnBlock).
	wihT, bias, blk []F
	// biasGrad accumulates Σ ∂ã over the pending steps and rows; wihGrad is
	// scratch for dW_ihᵀ at a flush.
	biasGrad, wihGrad []F
	pending           gradDefer[F]
	noGrad            bool
}

func (t *rnnTape[F]) setNoGrad(on bool) { t.noGrad = on }

func (t *rnnTape[F]) Reset(B int, _ *Noise) {
	if B > t.maxB {
		panic("nets: batch larger than the tape")
	}
	t.B, t.steps = B, 0
	m := t.m
	H, I := m.cfg.Latent, m.cfg.Inputs
	if !t.noGrad && t.hs == nil {
		t.hs = make([]F, (t.maxT+1)*t.maxB*H)
		t.das = make([]F, t.maxT*t.maxB*H)
	}
	clear(t.state(0))
	clear(t.dh[:B*H])
	t.pending = gradDefer[F]{}
	clear(t.biasGrad)
	for j := 0; j < H; j++ {
		for i := 0; i < I; i++ {
			t.wihT[i*H+j] = m.wih[j*I+i]
		}
		t.bias[j] = m.bih[j] + m.bhh[j]
	}
	t.blk = rnnBlock(t.blk, H, I, t.wihT, t.bias)
}

func (t *rnnTape[F]) ResetState(B int, h0 []F) {
	t.Reset(B, nil)
	copy(t.state(0), h0)
}

// InitialGrad is d loss/d h0 after Backward(0); the model's own initial state
// is a constant zero, so it feeds no parameter.
func (t *rnnTape[F]) InitialGrad() []F { return t.dh[:t.B*t.m.cfg.Latent] }

func (t *rnnTape[F]) Initial() []F { return t.state(0) }

func (t *rnnTape[F]) Latent(step int) []F { return t.state(step + 1) }

// state is the state after s steps (B×H).
func (t *rnnTape[F]) state(s int) []F {
	n := t.B * t.m.cfg.Latent
	if t.noGrad {
		s %= 2
		return t.ring[s*n : (s+1)*n]
	}
	return t.hs[s*n : (s+1)*n]
}

func (t *rnnTape[F]) Step(x, y []F) {
	m, B, s := t.m, t.B, t.steps
	H, I, O := m.cfg.Latent, m.cfg.Inputs, m.cfg.Outputs
	if s >= t.maxT {
		panic("nets: more steps than the tape holds")
	}
	copy(t.xs[s*B*I:(s+1)*B*I], x[:B*I])
	hprev, h := t.state(s), t.state(s+1)
	gemm.Gemm(false, true, B, H, H, 1, hprev, H, m.whh, H, 0, h, H)
	rnnForward(B, H, I, x, t.wihT, t.bias, t.blk, h)
	if y != nil {
		linearFwd(y, h, m.wout, m.bout, B, H, O)
	}
	t.steps++
}

func (t *rnnTape[F]) Backward(s int, dy, dlat, dx, grad []F) {
	if t.noGrad {
		panic("nets: Backward on a tape that kept nothing for it")
	}
	m, B := t.m, t.B
	H, I, O := m.cfg.Latent, m.cfg.Inputs, m.cfg.Outputs
	nh := B * H
	if t.pending.stale(grad) {
		t.flush()
	}
	var acc []F
	if grad != nil {
		t.pending.add(s, grad)
		copyOrClear(t.dys[s*B*O:(s+1)*B*O], dy)
		acc = t.biasGrad
	}
	Ody := O
	if dy == nil {
		Ody = 0 // no readout gradient
	}
	da := t.das[s*nh : (s+1)*nh]
	dh := t.dh[:nh]
	rnnBackward(B, H, Ody, dh, dlat, dy, m.wout, t.state(s+1), da, acc)
	gemm.Gemm(false, false, B, H, H, 1, da, H, m.whh, H, 0, dh, H)
	if dx != nil {
		gemm.Gemm(false, false, B, I, H, 1, da, H, m.wih, I, 0, dx, I)
	}
	if t.pending.due(s, B) {
		t.flush()
	}
}

// flush adds the parameter gradients of the pending steps into their vector.
func (t *rnnTape[F]) flush() {
	m, B := t.m, t.B
	H, I, O := m.cfg.Latent, m.cfg.Inputs, m.cfg.Outputs
	grad, lo, hi := t.pending.take()
	R, nh := (hi-lo+1)*B, B*H
	da := t.das[lo*nh : (hi+1)*nh]
	dy := t.dys[lo*B*O : (hi+1)*B*O]
	weightGrad(R, H, H, da, H, t.hs[lo*nh:(hi+1)*nh], H, gradView(grad, m.vWhh))
	// Few inputs and outputs: xᵀ·∂ã and dyᵀ·h as outer-product sums.
	tmp := t.wihGrad
	clear(tmp)
	outerAcc(R, I, H, t.xs[lo*B*I:(hi+1)*B*I], I, da, H, tmp)
	dWih := gradView(grad, m.vWih)
	for i := 0; i < I; i++ {
		for j := 0; j < H; j++ {
			dWih[j*I+i] += tmp[i*H+j]
		}
	}
	outerAcc(R, O, H, dy, O, t.hs[(lo+1)*nh:(hi+2)*nh], H, gradView(grad, m.vWout))
	colSum(gradView(grad, m.vBout), dy, R, O)
	dbih, dbhh := gradView(grad, m.vBih), gradView(grad, m.vBhh)
	for j, v := range t.biasGrad {
		dbih[j] += v
		dbhh[j] += v
	}
	clear(t.biasGrad)
}
