package nets

import (
	"fmt"

	"github.com/ctdtui/ctdtui/nets/gemm"
	"github.com/ctdtui/ctdtui/sim"
)

// node is the reference's NODE: one fixed Euler step of an MLP vector field,
//
//	h' = h + 0.1·f([h, x]),   y = W_o h' + b_o,
//
// with the hidden state first in the concatenation. f has Layers linear layers
// with ReLU between them (none after the last). h₀ = latent_ics (no noise).
type node[F sim.Float] struct {
	cfg        Config
	params     Params[F]
	w, b       [][]F // per layer: weight (out×in) and bias
	wout, bout []F
	ics        []F
	vW, vB     []ParamView
	vWout      ParamView
	vBout      ParamView
	vIcs       ParamView
}

// nodeStep is the NODE's fixed Euler step size (the reference hard-codes 0.1).
const nodeStep = 0.1

func newNODE[F sim.Float](c Config) *node[F] {
	m := &node[F]{cfg: c}
	H, I, O, L, LH := c.Latent, c.Inputs, c.Outputs, c.Layers, c.LayerHidden
	m.w, m.b = make([][]F, L), make([][]F, L)
	l := layout[F]{p: &m.params}
	for k := 0; k < L; k++ {
		in, out := LH, LH
		if k == 0 {
			in = H + I
		}
		if k == L-1 {
			out = H
		}
		l.tensor(&m.w[k], fmt.Sprintf("layer%d_weight", k), out, in)
		l.tensor(&m.b[k], fmt.Sprintf("layer%d_bias", k), out)
	}
	l.tensor(&m.wout, "readout_weight", O, H)
	l.tensor(&m.bout, "readout_bias", O)
	l.tensor(&m.ics, "latent_ics", H)
	l.finish()
	v := m.params.Views
	for k := 0; k < L; k++ {
		m.vW = append(m.vW, v[2*k])
		m.vB = append(m.vB, v[2*k+1])
	}
	m.vWout, m.vBout, m.vIcs = v[2*L], v[2*L+1], v[2*L+2]
	return m
}

func (m *node[F]) Config() Config     { return m.cfg }
func (m *node[F]) Params() *Params[F] { return &m.params }

func (m *node[F]) NewTape(maxB, maxT int) Tape[F] {
	H, I, L, LH := m.cfg.Latent, m.cfg.Inputs, m.cfg.Layers, m.cfg.LayerHidden
	t := &nodeTape[F]{m: m, maxB: maxB, maxT: maxT,
		xs: make([]F, maxT*maxB*I), hs: make([]F, (maxT+1)*maxB*H),
		f: make([]F, maxB*H), dh: make([]F, maxB*H), df: make([]F, maxB*H),
		dact: make([]F, maxB*LH), dact2: make([]F, maxB*LH)}
	t.acts = make([][]F, L-1)
	for k := range t.acts {
		t.acts[k] = make([]F, maxT*maxB*LH)
	}
	return t
}

type nodeTape[F sim.Float] struct {
	m          *node[F]
	maxB, maxT int
	B, steps   int
	xs, hs     []F
	acts       [][]F // per hidden layer: post-ReLU activations per step
	f          []F
	dh, df     []F
	dact       []F
	dact2      []F
	// explicitStart: ResetState gave the initial state (not latent_ics).
	explicitStart bool
}

func (t *nodeTape[F]) Reset(B int, _ *Noise) {
	if B > t.maxB {
		panic("nets: batch larger than the tape")
	}
	t.B, t.steps = B, 0
	H := t.m.cfg.Latent
	for b := 0; b < B; b++ {
		copy(t.hs[b*H:(b+1)*H], t.m.ics)
	}
	clear(t.dh[:B*H])
	t.explicitStart = false
}

func (t *nodeTape[F]) ResetState(B int, h0 []F) {
	t.Reset(B, nil)
	copy(t.hs[:B*t.m.cfg.Latent], h0)
	t.explicitStart = true
}

func (t *nodeTape[F]) InitialGrad() []F { return t.dh[:t.B*t.m.cfg.Latent] }

func (t *nodeTape[F]) Initial() []F { return t.hs[:t.B*t.m.cfg.Latent] }

func (t *nodeTape[F]) Latent(step int) []F {
	n := t.B * t.m.cfg.Latent
	return t.hs[(step+1)*n : (step+2)*n]
}

func (t *nodeTape[F]) act(k, s int) []F {
	n := t.B * t.m.cfg.LayerHidden
	return t.acts[k][s*n : (s+1)*n]
}

func (t *nodeTape[F]) Step(x, y []F) {
	m, B, s := t.m, t.B, t.steps
	H, I, O, L, LH := m.cfg.Latent, m.cfg.Inputs, m.cfg.Outputs, m.cfg.Layers, m.cfg.LayerHidden
	if s >= t.maxT {
		panic("nets: more steps than the tape holds")
	}
	nh := B * H
	copy(t.xs[s*B*I:(s+1)*B*I], x[:B*I])
	h, hn := t.hs[s*nh:(s+1)*nh], t.hs[(s+1)*nh:(s+2)*nh]
	// Layer 0 on the concatenation [h, x]: two products against the column blocks of W0.
	a := t.act(0, s)
	w0 := m.w[0]
	gemm.Gemm(false, true, B, LH, H, 1, h, H, w0, H+I, 0, a, LH)
	gemm.Gemm(false, true, B, LH, I, 1, x, I, w0[H:], H+I, 1, a, LH)
	addBias(a, m.b[0], B, LH)
	relu(a)
	for k := 1; k < L-1; k++ {
		next := t.act(k, s)
		linearFwd(next, a, m.w[k], m.b[k], B, LH, LH)
		relu(next)
		a = next
	}
	f := t.f[:nh]
	linearFwd(f, a, m.w[L-1], m.b[L-1], B, LH, H)
	for i := range hn {
		hn[i] = h[i] + nodeStep*f[i]
	}
	linearFwd(y, hn, m.wout, m.bout, B, H, O)
	t.steps++
}

func relu[F sim.Float](a []F) {
	for i, v := range a {
		if v < 0 {
			a[i] = 0
		}
	}
}

func (t *nodeTape[F]) Backward(s int, dy, dlat, dx, grad []F) {
	m, B := t.m, t.B
	H, I, O, L, LH := m.cfg.Latent, m.cfg.Inputs, m.cfg.Outputs, m.cfg.Layers, m.cfg.LayerHidden
	nh := B * H
	g := func(v ParamView) []F { return gradView(grad, v) }
	h, hn := t.hs[s*nh:(s+1)*nh], t.hs[(s+1)*nh:(s+2)*nh]
	dh := t.dh[:nh]
	if dlat != nil {
		for i := range dh {
			dh[i] += dlat[i]
		}
	}
	linearBwd(g(m.vWout), g(m.vBout), dh, 1, dy, hn, m.wout, B, H, O)
	df := t.df[:nh]
	for i := range df {
		df[i] = nodeStep * dh[i]
	}
	// dh now holds the identity path h' ← h; the vector field's path is added below.
	dact, dnext := t.dact[:B*LH], t.dact2[:B*LH]
	linearBwd(g(m.vW[L-1]), g(m.vB[L-1]), dact, 0, df, t.act(L-2, s), m.w[L-1], B, LH, H)
	for k := L - 2; k >= 0; k-- {
		a := t.act(k, s)
		for i, v := range a {
			if v <= 0 {
				dact[i] = 0
			}
		}
		if k == 0 {
			break
		}
		linearBwd(g(m.vW[k]), g(m.vB[k]), dnext, 0, dact, t.act(k-1, s), m.w[k], B, LH, LH)
		dact, dnext = dnext, dact
	}
	// Layer 0: gradients of the two column blocks of W0, then of h and x.
	w0, dw0 := m.w[0], g(m.vW[0])
	x := t.xs[s*B*I : (s+1)*B*I]
	if dw0 != nil {
		gemm.Gemm(true, false, LH, H, B, 1, dact, LH, h, H, 1, dw0, H+I)
		gemm.Gemm(true, false, LH, I, B, 1, dact, LH, x, I, 1, dw0[H:], H+I)
	}
	colSum(g(m.vB[0]), dact, B, LH)
	gemm.Gemm(false, false, B, H, LH, 1, dact, LH, w0, H+I, 1, dh, H)
	if dx != nil {
		gemm.Gemm(false, false, B, I, LH, 1, dact, LH, w0[H:], H+I, 0, dx, I)
	}
	if s == 0 && !t.explicitStart {
		colSum(g(m.vIcs), dh, B, H) // dh keeps d loss/d h0 until the next Reset
	}
}
