package nets

import "github.com/ctdtui/ctdtui/sim"

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
	H, I := m.cfg.Latent, m.cfg.Inputs
	return &rnnTape[F]{m: m, maxB: maxB, maxT: maxT,
		xs: make([]F, maxT*maxB*I), hs: make([]F, (maxT+1)*maxB*H),
		dh: make([]F, maxB*H), da: make([]F, maxB*H)}
}

type rnnTape[F sim.Float] struct {
	m          *rnn[F]
	maxB, maxT int
	B, steps   int
	xs, hs     []F // inputs and states (hs[0] = 0)
	dh, da     []F
}

func (t *rnnTape[F]) Reset(B int, _ *Noise) {
	if B > t.maxB {
		panic("nets: batch larger than the tape")
	}
	t.B, t.steps = B, 0
	clear(t.hs[:B*t.m.cfg.Latent])
	clear(t.dh[:B*t.m.cfg.Latent])
}

func (t *rnnTape[F]) ResetState(B int, h0 []F) {
	t.Reset(B, nil)
	copy(t.hs[:B*t.m.cfg.Latent], h0)
}

// InitialGrad is d loss/d h0 after Backward(0); the model's own initial state
// is a constant zero, so it feeds no parameter.
func (t *rnnTape[F]) InitialGrad() []F { return t.dh[:t.B*t.m.cfg.Latent] }

func (t *rnnTape[F]) Initial() []F { return t.hs[:t.B*t.m.cfg.Latent] }

func (t *rnnTape[F]) Latent(step int) []F {
	n := t.B * t.m.cfg.Latent
	return t.hs[(step+1)*n : (step+2)*n]
}

func (t *rnnTape[F]) Step(x, y []F) {
	m, B, s := t.m, t.B, t.steps
	H, I, O := m.cfg.Latent, m.cfg.Inputs, m.cfg.Outputs
	if s >= t.maxT {
		panic("nets: more steps than the tape holds")
	}
	nh := B * H
	copy(t.xs[s*B*I:(s+1)*B*I], x[:B*I])
	hprev, h := t.hs[s*nh:(s+1)*nh], t.hs[(s+1)*nh:(s+2)*nh]
	linearFwd(h, x, m.wih, m.bih, B, I, H)
	linearFwd(t.da[:nh], hprev, m.whh, m.bhh, B, H, H)
	for i := range h {
		h[i] += t.da[i]
	}
	tanhInPlace(h)
	linearFwd(y, h, m.wout, m.bout, B, H, O)
	t.steps++
}

func (t *rnnTape[F]) Backward(s int, dy, dlat, dx, grad []F) {
	m, B := t.m, t.B
	H, I, O := m.cfg.Latent, m.cfg.Inputs, m.cfg.Outputs
	nh := B * H
	g := func(v ParamView) []F { return gradView(grad, v) }
	hprev, h := t.hs[s*nh:(s+1)*nh], t.hs[(s+1)*nh:(s+2)*nh]
	dh, da := t.dh[:nh], t.da[:nh]
	if dlat != nil {
		for i := range dh {
			dh[i] += dlat[i]
		}
	}
	linearBwd(g(m.vWout), g(m.vBout), dh, 1, dy, h, m.wout, B, H, O)
	for i := range da {
		da[i] = dh[i] * (1 - h[i]*h[i])
	}
	linearBwd(g(m.vWih), g(m.vBih), dx, 0, da, t.xs[s*B*I:(s+1)*B*I], m.wih, B, I, H)
	linearBwd(g(m.vWhh), g(m.vBhh), dh, 0, da, hprev, m.whh, B, H, H)

}
