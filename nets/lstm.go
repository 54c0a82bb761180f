package nets

import (
	"github.com/ctdtui/ctdtui/nets/gemm"
	"github.com/ctdtui/ctdtui/sim"
)

// lstm is a torch LSTMCell with learned initial states h₀ and c₀ (plus ICStd
// noise per trial and unit on both, as the GRU's initial state gets) and a
// linear readout of h. The reference has no LSTM; the golden vectors
// (testdata/tt_lstm_*.json) fix the semantics. Gate rows are stacked i, f, g, o
// (torch order), both biases present:
//
//	a = W_ih x + b_ih + W_hh h + b_hh
//	i = σ(a_i), f = σ(a_f), g = tanh(a_g), o = σ(a_o)
//	c' = f ⊙ c + i ⊙ g
//	h' = o ⊙ tanh(c')
//
// The dynamical state is the pair (h, c): tapes store it per row as [h | c]
// (Config.StateDim() = 2·Latent values), which is what Latent returns and
// what the analyses and the fixed-point map see.
type lstm[F sim.Float] struct {
	cfg                Config
	params             Params[F]
	wih, whh, bih, bhh []F
	wout, bout         []F
	icsH, icsC         []F
	vWih, vWhh, vBih   ParamView
	vBhh, vWout, vBout ParamView
	vIcsH, vIcsC       ParamView
}

func newLSTM[F sim.Float](c Config) *lstm[F] {
	m := &lstm[F]{cfg: c}
	H, I, O := c.Latent, c.Inputs, c.Outputs
	l := layout[F]{p: &m.params}
	l.tensor(&m.wih, "weight_ih", 4*H, I)
	l.tensor(&m.whh, "weight_hh", 4*H, H)
	l.tensor(&m.bih, "bias_ih", 4*H)
	l.tensor(&m.bhh, "bias_hh", 4*H)
	l.tensor(&m.wout, "readout_weight", O, H)
	l.tensor(&m.bout, "readout_bias", O)
	l.tensor(&m.icsH, "latent_ics_h", H)
	l.tensor(&m.icsC, "latent_ics_c", H)
	l.finish()
	v := m.params.Views
	m.vWih, m.vWhh, m.vBih, m.vBhh, m.vWout, m.vBout, m.vIcsH, m.vIcsC = v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]
	return m
}

func (m *lstm[F]) Config() Config     { return m.cfg }
func (m *lstm[F]) Params() *Params[F] { return &m.params }

func (m *lstm[F]) NewTape(maxB, maxT int) Tape[F] {
	H, I, O := m.cfg.Latent, m.cfg.Inputs, m.cfg.Outputs
	return &lstmTape[F]{m: m, maxB: maxB, maxT: maxT,
		xs: make([]F, maxT*maxB*I), ring: make([]F, 2*maxB*2*H), dys: make([]F, maxT*maxB*O),
		gScratch: make([]F, maxB*4*H), tcScratch: make([]F, maxB*H), ds: make([]F, maxB*2*H),
		wihT: make([]F, I*4*H), bias: make([]F, 4*H), biasGrad: make([]F, 4*H), wihGrad: make([]F, I*4*H)}
}

// lstmTape keeps, per step, the inputs, the states [h | c], the gates
// [i | f | g | o] (one B×4H block per step, laid out like the rows of W_hh)
// and tanh(c'). The backward pass overwrites each step's gates with the
// pre-activation gradients [∂ã_i | ∂ã_f | ∂ã_g | ∂ã_o], the left factor of
// every weight gradient, which are then formed for many steps at once
// (gradDefer), as the GRU's are.
type lstmTape[F sim.Float] struct {
	m          *lstm[F]
	maxB, maxT int
	B, steps   int
	// xs: inputs (T×B×I); ss: states, ss[0] the initial one ((T+1)×B×2H,
	// rows [h | c]); g: gates (T×B×4H); tc: tanh(c') (T×B×H); dys: readout
	// gradients (T×B×O) for the deferred dW_out. ss, g and tc are allocated
	// on the first rollout that needs them; forward-only rollouts keep the
	// last two states in ring and the step's gates in the scratch arrays.
	xs, ss, g, tc, dys  []F
	ring                []F
	gScratch, tcScratch []F
	// ds carries d loss/d [h | c] from step to step (B×2H).
	ds []F
	// Per-rollout copies of the parameters in the layout the kernels read:
	// W_ihᵀ (I×4H), b_ih + b_hh (4H), and both in the vector kernel's layout
	// (lstmBlock).
	wihT, bias, blk []F
	// biasGrad accumulates Σ ∂ã over the pending steps and rows; wihGrad is
	// scratch for dW_ihᵀ at a flush.
	biasGrad, wihGrad []F
	pending           gradDefer[F]
	noGrad            bool
	explicitStart     bool
}

func (t *lstmTape[F]) setNoGrad(on bool) { t.noGrad = on }

func (t *lstmTape[F]) Reset(B int, noise *Noise) {
	if B > t.maxB {
		panic("nets: batch larger than the tape")
	}
	t.B, t.steps = B, 0
	m := t.m
	H, I := m.cfg.Latent, m.cfg.Inputs
	if !t.noGrad && t.g == nil {
		n := t.maxT * t.maxB * H
		t.ss = make([]F, 2*(n+t.maxB*H))
		t.g = make([]F, 4*n)
		t.tc = make([]F, n)
	}
	s0 := t.state(0)
	for b := 0; b < B; b++ {
		row := s0[b*2*H : (b+1)*2*H]
		copy(row[:H], m.icsH)
		copy(row[H:], m.icsC)
		if noise != nil && m.cfg.ICStd > 0 {
			// As the GRU's: one draw per unit, h's units then c's.
			for j := range row {
				row[j] += F(m.cfg.ICStd * noise.Norm(b))
			}
		}
	}
	clear(t.ds[:B*2*H])
	t.explicitStart = false
	t.pending = gradDefer[F]{}
	clear(t.biasGrad)
	// The parameters may have changed since the last rollout.
	for j := 0; j < 4*H; j++ {
		for i := 0; i < I; i++ {
			t.wihT[i*4*H+j] = m.wih[j*I+i]
		}
		t.bias[j] = m.bih[j] + m.bhh[j]
	}
	t.blk = lstmBlock(t.blk, H, I, t.wihT, t.bias)
}

func (t *lstmTape[F]) ResetState(B int, s0 []F) {
	t.Reset(B, nil)
	copy(t.state(0), s0[:B*2*t.m.cfg.Latent])
	t.explicitStart = true
}

// InitialGrad is d loss/d [h₀ | c₀] after Backward(0).
func (t *lstmTape[F]) InitialGrad() []F { return t.ds[:t.B*2*t.m.cfg.Latent] }

func (t *lstmTape[F]) Initial() []F { return t.state(0) }

func (t *lstmTape[F]) Latent(step int) []F { return t.state(step + 1) }

// state is the state [h | c] after s steps (B×2H).
func (t *lstmTape[F]) state(s int) []F {
	n := t.B * 2 * t.m.cfg.Latent
	if t.noGrad {
		s %= 2
		return t.ring[s*n : (s+1)*n]
	}
	return t.ss[s*n : (s+1)*n]
}

func (t *lstmTape[F]) Step(x, y []F) {
	m, B, s := t.m, t.B, t.steps
	H, I, O := m.cfg.Latent, m.cfg.Inputs, m.cfg.Outputs
	if s >= t.maxT {
		panic("nets: more steps than the tape holds")
	}
	nh := B * H
	copy(t.xs[s*B*I:(s+1)*B*I], x[:B*I])
	sp, sn := t.state(s), t.state(s+1)
	g, tc := t.gScratch[:4*nh], t.tcScratch[:nh]
	if !t.noGrad {
		g, tc = t.g[s*4*nh:(s+1)*4*nh], t.tc[s*nh:(s+1)*nh]
	}
	// The hidden-side pre-activations h·W_hhᵀ straight into the gate block
	// (h is the first half of each state row), then one fused pass per row.
	gemm.Gemm(false, true, B, 4*H, H, 1, sp, 2*H, m.whh, H, 0, g, 4*H)
	lstmForward(B, H, I, x, t.wihT, t.bias, t.blk, g, sp, sn, tc)
	if y != nil {
		gemm.Gemm(false, true, B, O, H, 1, sn, 2*H, m.wout, H, 0, y, O)
		addBias(y, m.bout, B, O)
	}
	t.steps++
}

func (t *lstmTape[F]) Backward(s int, dy, dlat, dx, grad []F) {
	if t.noGrad || t.g == nil {
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
	g, tc := t.g[s*4*nh:(s+1)*4*nh], t.tc[s*nh:(s+1)*nh]
	ds := t.ds[:2*nh] // carries d loss/d [h, c]_{s+1} from step s+1
	// One fused pass: the gate gradients over g, d loss/d c_s = ∂c' ⊙ f into
	// the c half of ds; then d loss/d h_s = ∂ã·W_hh into its h half (h_s
	// reaches step s+1 only through the gates).
	lstmBackward(B, H, Ody, ds, dlat, dy, m.wout, g, tc, t.state(s), acc)
	gemm.Gemm(false, false, B, H, 4*H, 1, g, 4*H, m.whh, H, 0, ds, 2*H)
	if dx != nil {
		gemm.Gemm(false, false, B, I, 4*H, 1, g, 4*H, m.wih, I, 0, dx, I)
	}
	if t.pending.due(s, B) {
		t.flush()
	}
	if s == 0 && grad != nil && !t.explicitStart {
		// The initial state is (latent_ics_h, latent_ics_c) plus noise: their
		// gradients sum over rows. ds keeps d loss/d s₀ (InitialGrad).
		dh0, dc0 := gradView(grad, m.vIcsH), gradView(grad, m.vIcsC)
		for b := 0; b < B; b++ {
			row := ds[b*2*H : (b+1)*2*H]
			for j := 0; j < H; j++ {
				dh0[j] += row[j]
				dc0[j] += row[H+j]
			}
		}
	}
}

// flush adds the parameter gradients of the pending steps into their
// gradient vector: each weight gradient is one product over all their rows.
func (t *lstmTape[F]) flush() {
	m, B := t.m, t.B
	H, I, O := m.cfg.Latent, m.cfg.Inputs, m.cfg.Outputs
	grad, lo, hi := t.pending.take()
	R, nh := (hi-lo+1)*B, B*H
	g := t.g[lo*4*nh : (hi+1)*4*nh]
	// The h halves of the states before (for W_hh) and after (for the
	// readout) each pending step: rows of stride 2H.
	sPrev := t.ss[lo*2*nh : (hi+1)*2*nh]
	sNext := t.ss[(lo+1)*2*nh : (hi+2)*2*nh]
	gemm.Gemm(true, false, 4*H, H, R, 1, g, 4*H, sPrev, 2*H, 1, gradView(grad, m.vWhh), H)
	// Few inputs and outputs: xᵀ·∂ã and dyᵀ·h as outer-product sums.
	tmp := t.wihGrad
	clear(tmp)
	outerAcc(R, I, 4*H, t.xs[lo*B*I:(hi+1)*B*I], I, g, 4*H, tmp)
	dWih := gradView(grad, m.vWih)
	for i := 0; i < I; i++ {
		for j := 0; j < 4*H; j++ {
			dWih[j*I+i] += tmp[i*4*H+j]
		}
	}
	dy := t.dys[lo*B*O : (hi+1)*B*O]
	outerAcc(R, O, H, dy, O, sNext, 2*H, gradView(grad, m.vWout))
	colSum(gradView(grad, m.vBout), dy, R, O)
	dbih, dbhh := gradView(grad, m.vBih), gradView(grad, m.vBhh)
	for j, v := range t.biasGrad {
		dbih[j] += v
		dbhh[j] += v
	}
	clear(t.biasGrad)
}
