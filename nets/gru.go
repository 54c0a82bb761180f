package nets

import (
	"github.com/ctdtui/ctdtui/nets/gemm"
	"github.com/ctdtui/ctdtui/sim"
)

// gru is GRU_RNN and NoisyGRU: a torch GRUCell with a learned initial state
// (plus ICStd noise per trial and unit) and a linear readout.
//
// Gate rows are stacked r, z, n (torch order); the reset gate multiplies the
// hidden-side candidate term INCLUDING its bias:
//
//	r = σ(W_ir x + b_ir + W_hr h + b_hr)
//	z = σ(W_iz x + b_iz + W_hz h + b_hz)
//	n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
//	h' = (1 − z) ⊙ n + z ⊙ h
//
// NoisyGRU reads out h' and then carries h' + Noise·N(0,1) (the noisy state is
// the recorded latent).
type gru[F sim.Float] struct {
	cfg                Config
	params             Params[F]
	wih, whh, bih, bhh []F
	wout, bout, ics    []F
	vWih, vWhh, vBih   ParamView
	vBhh, vWout, vBout ParamView
	vIcs               ParamView
	noisy              bool
}

func newGRU[F sim.Float](c Config) *gru[F] {
	m := &gru[F]{cfg: c, noisy: c.Kind == KindNoisyGRU}
	H, I, O := c.Latent, c.Inputs, c.Outputs
	l := layout[F]{p: &m.params}
	l.tensor(&m.wih, "weight_ih", 3*H, I)
	l.tensor(&m.whh, "weight_hh", 3*H, H)
	l.tensor(&m.bih, "bias_ih", 3*H)
	l.tensor(&m.bhh, "bias_hh", 3*H)
	l.tensor(&m.wout, "readout_weight", O, H)
	l.tensor(&m.bout, "readout_bias", O)
	l.tensor(&m.ics, "latent_ics", H)
	l.finish()
	v := m.params.Views
	m.vWih, m.vWhh, m.vBih, m.vBhh, m.vWout, m.vBout, m.vIcs = v[0], v[1], v[2], v[3], v[4], v[5], v[6]
	return m
}

func (m *gru[F]) Config() Config     { return m.cfg }
func (m *gru[F]) Params() *Params[F] { return &m.params }

func (m *gru[F]) NewTape(maxB, maxT int) Tape[F] {
	H, I, O := m.cfg.Latent, m.cfg.Inputs, m.cfg.Outputs
	t := &gruTape[F]{m: m, maxB: maxB, maxT: maxT}
	t.xs = make([]F, maxT*maxB*I)
	t.ring = make([]F, 2*maxB*H)
	t.gScratch = make([]F, maxB*3*H)
	t.ghnScratch = make([]F, maxB*H)
	t.dh = make([]F, maxB*H)
	t.wihT = make([]F, I*3*H)
	t.bias = make([]F, 4*H)
	t.biasGrad = make([]F, 4*H)
	t.wihGrad = make([]F, I*3*H)
	t.dys = make([]F, maxT*maxB*O)
	return t
}

// gruTape keeps, per step, what the backward pass needs and nothing more: the
// inputs, the states, the gates r, z, n (one B×3H block per step, rows laid out
// [r | z | n] like the rows of W_hh) and the hidden-side candidate term
// W_hn h + b_hn. The backward pass overwrites each step's gates with the
// gate-side gradients [∂r̃ | ∂z̃ | ∂ñ ⊙ r] (∂ã = d loss/d pre-activation) and
// the candidate term with ∂ñ: those are exactly the left factors of the weight
// gradients, which are then formed for many steps at once as single large
// products (dW_hh += Σ_t dG_tᵀ·h_t) instead of one small product per step.
type gruTape[F sim.Float] struct {
	m          *gru[F]
	maxB, maxT int
	B, steps   int
	// xs: inputs (T×B×I); hs: states, hs[0] the initial one ((T+1)×B×H);
	// g, ghn: gates (T×B×3H) and W_hn h + b_hn (T×B×H); gs: NoisyGRU's state
	// before noise (what the readout saw); dys: the readout gradients (T×B×O)
	// for the deferred dW_out. hs, g, ghn and gs are allocated on the first
	// rollout that needs them.
	xs, hs, g, ghn, gs, dys []F
	// ring holds the last two states of forward-only rollouts instead of hs.
	ring []F
	// Forward-only steps use these instead of g and ghn.
	gScratch, ghnScratch []F
	// dh carries d loss/d h from step to step.
	dh []F
	// Per-rollout copies of the parameters in the layout the kernels read:
	// W_ihᵀ (I×3H) and the biases [b_ir+b_hr | b_iz+b_hz | b_in | b_hn], and
	// both in the vector kernel's layout (gruBlock).
	wihT, bias, blk []F
	// biasGrad accumulates Σ over the pending steps and rows of
	// [∂r̃ | ∂z̃ | ∂ñ | ∂ñ ⊙ r]: the bias gradients.
	biasGrad []F
	// wihGrad is scratch for dW_ihᵀ at a flush.
	wihGrad []F
	pending gradDefer[F]
	noise   *Noise
	// noGrad: steps keep nothing for a backward pass (inference, validation),
	// and Latent(t) is only valid until the next step.
	noGrad bool
	// explicitStart is set when ResetState gave the initial state, which then
	// owes nothing to latent_ics.
	explicitStart bool
}

func (t *gruTape[F]) setNoGrad(on bool) { t.noGrad = on }

func (t *gruTape[F]) Reset(B int, noise *Noise) {
	if B > t.maxB {
		panic("nets: batch larger than the tape")
	}
	t.B, t.steps = B, 0
	if !t.noGrad {
		t.ensureStore()
	}
	m := t.m
	H, I := m.cfg.Latent, m.cfg.Inputs
	h0 := t.state(0)
	for b := 0; b < B; b++ {
		row := h0[b*H : (b+1)*H]
		copy(row, m.ics)
		if noise != nil && m.cfg.ICStd > 0 {
			for j := range row {
				row[j] += F(m.cfg.ICStd * noise.Norm(b))
			}
		}
	}
	clear(t.dh[:B*H])
	t.noise = noise
	t.explicitStart = false
	t.pending = gradDefer[F]{}
	clear(t.biasGrad)
	// The parameters may have changed since the last rollout.
	for j := 0; j < 3*H; j++ {
		for i := 0; i < I; i++ {
			t.wihT[i*3*H+j] = m.wih[j*I+i]
		}
	}
	for j := 0; j < 2*H; j++ {
		t.bias[j] = m.bih[j] + m.bhh[j]
	}
	copy(t.bias[2*H:3*H], m.bih[2*H:])
	copy(t.bias[3*H:], m.bhh[2*H:])
	t.blk = gruBlock(t.blk, H, I, t.wihT, t.bias)
}

func (t *gruTape[F]) ResetState(B int, h0 []F) {
	t.Reset(B, nil)
	copy(t.state(0), h0)
	t.explicitStart = true
}

func (t *gruTape[F]) InitialGrad() []F { return t.dh[:t.B*t.m.cfg.Latent] }

func (t *gruTape[F]) Initial() []F { return t.state(0) }

func (t *gruTape[F]) Latent(step int) []F { return t.state(step + 1) }

// state is the state after s steps (B×H).
func (t *gruTape[F]) state(s int) []F {
	n := t.B * t.m.cfg.Latent
	if t.noGrad {
		s %= 2
		return t.ring[s*n : (s+1)*n]
	}
	return t.hs[s*n : (s+1)*n]
}

// ensureStore allocates the per-step storage of the backward pass.
func (t *gruTape[F]) ensureStore() {
	if t.g != nil {
		return
	}
	H := t.m.cfg.Latent
	n := t.maxT * t.maxB * H
	t.hs = make([]F, n+t.maxB*H)
	t.g = make([]F, 3*n)
	t.ghn = make([]F, n)
	if t.m.noisy {
		t.gs = make([]F, n)
	}
}

func (t *gruTape[F]) Step(x, y []F) {
	m, B := t.m, t.B
	H, I, O := m.cfg.Latent, m.cfg.Inputs, m.cfg.Outputs
	s := t.steps
	if s >= t.maxT {
		panic("nets: more steps than the tape holds")
	}
	nh := B * H
	copy(t.xs[s*B*I:(s+1)*B*I], x[:B*I])
	hprev, hnext := t.state(s), t.state(s+1)
	g, ghn := t.gScratch[:3*nh], t.ghnScratch[:nh]
	if !t.noGrad {
		g, ghn = t.g[s*3*nh:(s+1)*3*nh], t.ghn[s*nh:(s+1)*nh]
	}
	// The hidden-side pre-activations straight into the gate block, then one
	// fused pass per row adds biases and inputs and applies the gates.
	gemm.Gemm(false, true, B, 3*H, H, 1, hprev, H, m.whh, H, 0, g, 3*H)
	gruForward(B, H, I, x, t.wihT, t.bias, t.blk, g, ghn, hprev, hnext)
	hread := hnext
	if m.noisy {
		if !t.noGrad {
			hread = t.gs[s*nh : (s+1)*nh]
			copy(hread, hnext)
		} else {
			hread = t.ghnScratch[:nh] // ghn is dead once the step is done
			copy(hread, hnext)
		}
		if t.noise != nil && m.cfg.Noise > 0 {
			for b := 0; b < B; b++ {
				for j := 0; j < H; j++ {
					hnext[b*H+j] += F(m.cfg.Noise * t.noise.Norm(b))
				}
			}
		}
	}
	if y != nil {
		linearFwd(y, hread, m.wout, m.bout, B, H, O)
	}
	t.steps++
}

func (t *gruTape[F]) Backward(s int, dy, dlat, dx, grad []F) {
	if t.noGrad || t.g == nil {
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
	Ody := O
	if dy == nil {
		Ody = 0 // no readout gradient
	}
	var acc []F
	if grad != nil {
		acc = t.biasGrad
	}
	hprev := t.hs[s*nh : (s+1)*nh]
	g, ghn := t.g[s*3*nh:(s+1)*3*nh], t.ghn[s*nh:(s+1)*nh]
	dh := t.dh[:nh] // carries d loss/d h_{s+1} from step s+1
	// One fused pass: readout and latent gradients into dh, the gate gradients
	// over g and ghn, dh = d loss/d h_{s+1} ⊙ z (the direct path h' ← z ⊙ h).
	// Noise is additive, so the readout and the carried state share one gradient.
	gruBackward(B, H, Ody, dh, dlat, dy, m.wout, g, ghn, hprev, acc)
	gemm.Gemm(false, false, B, H, 3*H, 1, g, 3*H, m.whh, H, 1, dh, H)
	if dx != nil {
		// dx = [∂r̃ | ∂z̃ | ∂ñ]·W_ih: the r and z parts sit in g, ∂ñ in ghn.
		gemm.Gemm(false, false, B, I, 2*H, 1, g, 3*H, m.wih, I, 0, dx, I)
		gemm.Gemm(false, false, B, I, H, 1, ghn, H, m.wih[2*H*I:], I, 1, dx, I)
	}
	if t.pending.due(s, B) {
		t.flush()
	}
	if s == 0 {
		if grad != nil && !t.explicitStart {
			// The initial state is latent_ics plus noise: its gradient sums over rows.
			// dh keeps d loss/d h0 (InitialGrad) until the next Reset.
			colSum(gradView(grad, m.vIcs), dh, B, H)
		}
	}
}

// flush adds the parameter gradients of the pending steps into their
// gradient vector: each weight gradient is one product over all their rows.
func (t *gruTape[F]) flush() {
	m, B := t.m, t.B
	H, I, O := m.cfg.Latent, m.cfg.Inputs, m.cfg.Outputs
	grad, lo, hi := t.pending.take()
	R := (hi - lo + 1) * B // rows of the stacked steps
	nh := B * H
	g := t.g[lo*3*nh : (hi+1)*3*nh]
	dan := t.ghn[lo*nh : (hi+1)*nh]
	hprev := t.hs[lo*nh : (hi+1)*nh]
	hread := t.hs[(lo+1)*nh : (hi+2)*nh]
	if m.noisy {
		hread = t.gs[lo*nh : (hi+1)*nh]
	}
	x := t.xs[lo*B*I : (hi+1)*B*I]
	dy := t.dys[lo*B*O : (hi+1)*B*O]
	gemm.Gemm(true, false, 3*H, H, R, 1, g, 3*H, hprev, H, 1, gradView(grad, m.vWhh), H)
	// The input and readout weights have few columns or rows: xᵀ·[∂r̃ | ∂z̃],
	// xᵀ·∂ñ and dyᵀ·h as register-blocked outer-product sums.
	tmp := t.wihGrad // I×3H: [xᵀ·[∂r̃ | ∂z̃] | xᵀ·∂ñ]
	clear(tmp)
	outerAcc(R, I, 2*H, x, I, g, 3*H, tmp[:2*H*I])
	outerAcc(R, I, H, x, I, dan, H, tmp[2*H*I:])
	dWih := gradView(grad, m.vWih)
	for i := 0; i < I; i++ {
		for j := 0; j < 2*H; j++ {
			dWih[j*I+i] += tmp[i*2*H+j]
		}
		for j := 0; j < H; j++ {
			dWih[(2*H+j)*I+i] += tmp[2*H*I+i*H+j]
		}
	}
	outerAcc(R, O, H, dy, O, hread, H, gradView(grad, m.vWout))
	colSum(gradView(grad, m.vBout), dy, R, O)
	acc := t.biasGrad
	dbih, dbhh := gradView(grad, m.vBih), gradView(grad, m.vBhh)
	for j := 0; j < 2*H; j++ {
		dbih[j] += acc[j]
		dbhh[j] += acc[j]
	}
	for j := 0; j < H; j++ {
		dbih[2*H+j] += acc[2*H+j]
		dbhh[2*H+j] += acc[3*H+j]
	}
	clear(acc)
}
