package nets

import "github.com/ctdtui/ctdtui/sim"

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
	H, I := m.cfg.Latent, m.cfg.Inputs
	t := &gruTape[F]{m: m, maxB: maxB, maxT: maxT}
	t.xs = make([]F, maxT*maxB*I)
	t.hs = make([]F, (maxT+1)*maxB*H)
	t.r = make([]F, maxT*maxB*H)
	t.z = make([]F, maxT*maxB*H)
	t.n = make([]F, maxT*maxB*H)
	t.ghn = make([]F, maxT*maxB*H)
	if m.noisy {
		t.gs = make([]F, maxT*maxB*H)
	}
	t.gi = make([]F, maxB*3*H)
	t.gh = make([]F, maxB*3*H)
	t.dh = make([]F, maxB*H)
	t.dgi = make([]F, maxB*3*H)
	t.dgh = make([]F, maxB*3*H)
	return t
}

type gruTape[F sim.Float] struct {
	m          *gru[F]
	maxB, maxT int
	B, steps   int
	// Stored for the backward pass: inputs, states (hs[0] is the initial state),
	// gates, the hidden-side candidate term W_hn h + b_hn, and for NoisyGRU the
	// state before noise (what the readout saw).
	xs, hs, r, z, n, ghn, gs []F
	// Per-step scratch.
	gi, gh, dh, dgi, dgh []F
	noise                *Noise
	// explicitStart is set when ResetState gave the initial state, which then
	// owes nothing to latent_ics.
	explicitStart bool
}

func (t *gruTape[F]) Reset(B int, noise *Noise) {
	if B > t.maxB {
		panic("nets: batch larger than the tape")
	}
	t.B, t.steps = B, 0
	H := t.m.cfg.Latent
	h0 := t.hs[:B*H]
	for b := 0; b < B; b++ {
		row := h0[b*H : (b+1)*H]
		copy(row, t.m.ics)
		if noise != nil && t.m.cfg.ICStd > 0 {
			for j := range row {
				row[j] += F(t.m.cfg.ICStd * noise.Norm(b))
			}
		}
	}
	clear(t.dh[:B*H])
	t.noise = noise
	t.explicitStart = false
}

func (t *gruTape[F]) ResetState(B int, h0 []F) {
	t.Reset(B, nil)
	copy(t.hs[:B*t.m.cfg.Latent], h0)
	t.explicitStart = true
}

func (t *gruTape[F]) InitialGrad() []F { return t.dh[:t.B*t.m.cfg.Latent] }

func (t *gruTape[F]) Initial() []F { return t.hs[:t.B*t.m.cfg.Latent] }

func (t *gruTape[F]) Latent(step int) []F {
	n := t.B * t.m.cfg.Latent
	return t.hs[(step+1)*n : (step+2)*n]
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
	hprev := t.hs[s*nh : (s+1)*nh]
	hnext := t.hs[(s+1)*nh : (s+2)*nh]
	gi, gh := t.gi[:B*3*H], t.gh[:B*3*H]
	linearFwd(gi, x, m.wih, m.bih, B, I, 3*H)
	linearFwd(gh, hprev, m.whh, m.bhh, B, H, 3*H)
	r, z, n, ghn := t.r[s*nh:(s+1)*nh], t.z[s*nh:(s+1)*nh], t.n[s*nh:(s+1)*nh], t.ghn[s*nh:(s+1)*nh]
	for b := 0; b < B; b++ {
		gib, ghb := gi[b*3*H:(b+1)*3*H], gh[b*3*H:(b+1)*3*H]
		o := b * H
		// Gate pre-activations, then one vectorised pass per nonlinearity.
		rb, zb := r[o:o+H], z[o:o+H]
		for j := 0; j < H; j++ {
			rb[j] = gib[j] + ghb[j]
			zb[j] = gib[H+j] + ghb[H+j]
		}
		sigmoidInPlace(rb)
		sigmoidInPlace(zb)
		nb, hn := n[o:o+H], ghn[o:o+H]
		copy(hn, ghb[2*H:3*H])
		for j := 0; j < H; j++ {
			nb[j] = gib[2*H+j] + rb[j]*hn[j]
		}
		tanhInPlace(nb)
		hp, hx := hprev[o:o+H], hnext[o:o+H]
		for j := 0; j < H; j++ {
			hx[j] = (1-zb[j])*nb[j] + zb[j]*hp[j]
		}
	}
	if m.noisy {
		g := t.gs[s*nh : (s+1)*nh]
		copy(g, hnext)
		linearFwd(y, g, m.wout, m.bout, B, H, O)
		if t.noise != nil && m.cfg.Noise > 0 {
			for b := 0; b < B; b++ {
				for j := 0; j < H; j++ {
					hnext[b*H+j] += F(m.cfg.Noise * t.noise.Norm(b))
				}
			}
		}
	} else {
		linearFwd(y, hnext, m.wout, m.bout, B, H, O)
	}
	t.steps++
}

func (t *gruTape[F]) Backward(s int, dy, dlat, dx, grad []F) {
	m, B := t.m, t.B
	H, I, O := m.cfg.Latent, m.cfg.Inputs, m.cfg.Outputs
	nh := B * H
	g := func(v ParamView) []F { return gradView(grad, v) }
	hprev := t.hs[s*nh : (s+1)*nh]
	hread := t.hs[(s+1)*nh : (s+2)*nh] // what the readout saw
	if m.noisy {
		hread = t.gs[s*nh : (s+1)*nh]
	}
	dh := t.dh[:nh] // carries d loss/d h_{s+1} from step s+1
	if dlat != nil {
		for i := range dh {
			dh[i] += dlat[i]
		}
	}
	// Readout: d W_out += dyᵀ·h, dh += dy·W_out. Noise is additive, so the readout
	// and the carried state share one gradient.
	linearBwd(g(m.vWout), g(m.vBout), dh, 1, dy, hread, m.wout, B, H, O)

	r, z, n, ghn := t.r[s*nh:(s+1)*nh], t.z[s*nh:(s+1)*nh], t.n[s*nh:(s+1)*nh], t.ghn[s*nh:(s+1)*nh]
	dgi, dgh := t.dgi[:B*3*H], t.dgh[:B*3*H]
	for b := 0; b < B; b++ {
		o := b * H
		dgib, dghb := dgi[b*3*H:(b+1)*3*H], dgh[b*3*H:(b+1)*3*H]
		for j := 0; j < H; j++ {
			d := dh[o+j]
			rj, zj, nj := r[o+j], z[o+j], n[o+j]
			daz := d * (hprev[o+j] - nj) * zj * (1 - zj)
			dan := d * (1 - zj) * (1 - nj*nj)
			dar := dan * ghn[o+j] * rj * (1 - rj)
			dgib[j], dgib[H+j], dgib[2*H+j] = dar, daz, dan
			dghb[j], dghb[H+j], dghb[2*H+j] = dar, daz, dan*rj
			dh[o+j] = d * zj // direct path h' ← z ⊙ h; the gate paths are added below
		}
	}
	x := t.xs[s*B*I : (s+1)*B*I]
	linearBwd(g(m.vWih), g(m.vBih), dx, 0, dgi, x, m.wih, B, I, 3*H)
	linearBwd(g(m.vWhh), g(m.vBhh), dh, 1, dgh, hprev, m.whh, B, H, 3*H)
	if s == 0 && !t.explicitStart {
		// The initial state is latent_ics plus noise: its gradient sums over rows.
		// dh keeps d loss/d h0 (InitialGrad) until the next Reset.
		colSum(g(m.vIcs), dh, B, H)
	}
}
