package nets

import "github.com/ctdtui/ctdtui/sim"

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
	H, I := m.cfg.Latent, m.cfg.Inputs
	return &driscollTape[F]{m: m, maxB: maxB, maxT: maxT,
		xs: make([]F, maxT*maxB*I), hs: make([]F, (maxT+1)*maxB*H),
		th: make([]F, maxT*maxB*H), u: make([]F, maxB*H),
		dh: make([]F, maxB*H), da: make([]F, maxB*H), du: make([]F, maxB*H)}
}

type driscollTape[F sim.Float] struct {
	m          *driscoll[F]
	maxB, maxT int
	B, steps   int
	xs, hs, th []F // inputs, states (hs[0] = 0), tanh values
	u          []F
	dh, da, du []F
	noise      *Noise
}

func (t *driscollTape[F]) Reset(B int, noise *Noise) {
	if B > t.maxB {
		panic("nets: batch larger than the tape")
	}
	t.B, t.steps, t.noise = B, 0, noise
	clear(t.hs[:B*t.m.cfg.Latent])
	clear(t.dh[:B*t.m.cfg.Latent])
}

func (t *driscollTape[F]) ResetState(B int, h0 []F) {
	t.Reset(B, nil)
	copy(t.hs[:B*t.m.cfg.Latent], h0)
}

// InitialGrad is d loss/d h0 after Backward(0); the model's own initial state
// is a constant zero, so it feeds no parameter.
func (t *driscollTape[F]) InitialGrad() []F { return t.dh[:t.B*t.m.cfg.Latent] }

func (t *driscollTape[F]) Initial() []F { return t.hs[:t.B*t.m.cfg.Latent] }

func (t *driscollTape[F]) Latent(step int) []F {
	n := t.B * t.m.cfg.Latent
	return t.hs[(step+1)*n : (step+2)*n]
}

func (t *driscollTape[F]) Step(x, y []F) {
	m, B, s := t.m, t.B, t.steps
	H, I, O := m.cfg.Latent, m.cfg.Inputs, m.cfg.Outputs
	if s >= t.maxT {
		panic("nets: more steps than the tape holds")
	}
	nh := B * H
	copy(t.xs[s*B*I:(s+1)*B*I], x[:B*I])
	hprev, h, th := t.hs[s*nh:(s+1)*nh], t.hs[(s+1)*nh:(s+2)*nh], t.th[s*nh:(s+1)*nh]
	if y != nil {
		linearFwd(y, hprev, m.wout, m.bout, B, H, O) // output of the OLD state
	}
	u := t.u[:nh]
	linearFwd(u, hprev, m.rec, nil, B, H, H)
	linearFwd(th, x, m.inp, m.bias, B, I, H)
	gamma := F(m.cfg.Gamma)
	useNoise := t.noise != nil && m.cfg.Noise > 0
	for b := 0; b < B; b++ {
		for j := 0; j < H; j++ {
			i := b*H + j
			th[i] += u[i]
			if useNoise {
				th[i] += F(m.cfg.Noise * t.noise.Norm(b))
			}
		}
	}
	tanhInPlace(th)
	for i := range h {
		h[i] = (1-gamma)*u[i] + gamma*th[i]
	}
	t.steps++
}

func (t *driscollTape[F]) Backward(s int, dy, dlat, dx, grad []F) {
	m, B := t.m, t.B
	H, I, O := m.cfg.Latent, m.cfg.Inputs, m.cfg.Outputs
	nh := B * H
	g := func(v ParamView) []F { return gradView(grad, v) }
	hprev, th := t.hs[s*nh:(s+1)*nh], t.th[s*nh:(s+1)*nh]
	dh, da, du := t.dh[:nh], t.da[:nh], t.du[:nh]
	if dlat != nil {
		for i := range dh {
			dh[i] += dlat[i]
		}
	}
	gamma := F(m.cfg.Gamma)
	for i := range dh {
		da[i] = dh[i] * gamma * (1 - th[i]*th[i])
		du[i] = dh[i]*(1-gamma) + da[i]
	}
	linearBwd(g(m.vInp), g(m.vBias), dx, 0, da, t.xs[s*B*I:(s+1)*B*I], m.inp, B, I, H)
	linearBwd(g(m.vRec), nil, dh, 0, du, hprev, m.rec, B, H, H)
	// The step's output read hprev.
	if dy != nil {
		linearBwd(g(m.vWout), g(m.vBout), dh, 1, dy, hprev, m.wout, B, H, O)
	}

}
