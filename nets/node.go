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
	H, I, O, L, LH := m.cfg.Latent, m.cfg.Inputs, m.cfg.Outputs, m.cfg.Layers, m.cfg.LayerHidden
	t := &nodeTape[F]{m: m, maxB: maxB, maxT: maxT,
		ring: make([]F, 2*maxB*H), hxScratch: make([]F, maxB*(H+I)),
		dys: make([]F, maxT*maxB*O), f: make([]F, maxB*H), dh: make([]F, maxB*H),
		w0T: make([]F, (H+I)*LH), w0Grad: make([]F, (H+I)*LH)}
	t.acts = make([][]F, L-1)
	t.actScratch = make([][]F, L-1)
	t.biasGrad = make([][]F, L-1)
	for k := range t.acts {
		t.actScratch[k] = make([]F, maxB*LH)
		t.biasGrad[k] = make([]F, LH)
	}
	return t
}

// nodeTape keeps per step the MLP's input [h, x], its hidden activations and
// the state; the backward pass stores the pre-activation gradients of every
// layer for the deferred weight gradients (see gradDefer).
type nodeTape[F sim.Float] struct {
	m          *node[F]
	maxB, maxT int
	B, steps   int
	// hx: [h_s, x_s] per step (T×B×(H+I)); hs: states ((T+1)×B×H); acts[k]:
	// post-ReLU activations of hidden layer k (T×B×LH); dacts[k]: gradients of
	// its pre-activations; dfs: that of the last layer (T×B×H); dys: readout
	// gradients (T×B×O). All but dys are allocated on the first rollout that
	// keeps them; forward-only rollouts use ring, hxScratch and actScratch.
	hx, hs, dfs, dys []F
	acts, dacts      [][]F
	ring, hxScratch  []F
	actScratch       [][]F
	f, dh            []F
	// w0T is the first layer's weight transposed ((H+I)×LH), copied at Reset;
	// w0Grad receives its gradient before it is transposed into grad.
	w0T, w0Grad []F
	// w0Blk and wLastBlk are W0ᵀ and W_{L-1} in denseSmall's chunked layout.
	w0Blk, wLastBlk []F
	// biasGrad[k] accumulates the column sums of dacts[k] over pending steps.
	biasGrad [][]F
	pending  gradDefer[F]
	noGrad   bool
	// explicitStart: ResetState gave the initial state (not latent_ics).
	explicitStart bool
}

func (t *nodeTape[F]) setNoGrad(on bool) { t.noGrad = on }

func (t *nodeTape[F]) Reset(B int, _ *Noise) {
	if B > t.maxB {
		panic("nets: batch larger than the tape")
	}
	t.B, t.steps = B, 0
	m := t.m
	H, I, LH := m.cfg.Latent, m.cfg.Inputs, m.cfg.LayerHidden
	if !t.noGrad && t.hs == nil {
		n := t.maxT * t.maxB
		t.hx = make([]F, n*(H+I))
		t.hs = make([]F, (n+t.maxB)*H)
		t.dfs = make([]F, n*H)
		t.dacts = make([][]F, len(t.acts))
		for k := range t.acts {
			t.acts[k] = make([]F, n*LH)
			t.dacts[k] = make([]F, n*LH)
		}
	}
	h0 := t.state(0)
	for b := 0; b < B; b++ {
		copy(h0[b*H:(b+1)*H], m.ics)
	}
	clear(t.dh[:B*H])
	t.explicitStart = false
	t.pending = gradDefer[F]{}
	for _, a := range t.biasGrad {
		clear(a)
	}
	w0 := m.w[0]
	for l := 0; l < LH; l++ {
		for i := 0; i < H+I; i++ {
			t.w0T[i*LH+l] = w0[l*(H+I)+i]
		}
	}
	t.w0Blk = smallBlock(t.w0Blk, H+I, LH, t.w0T)
	t.wLastBlk = smallBlock(t.wLastBlk, H, LH, m.w[m.cfg.Layers-1])
}

func (t *nodeTape[F]) ResetState(B int, h0 []F) {
	t.Reset(B, nil)
	copy(t.state(0), h0)
	t.explicitStart = true
}

func (t *nodeTape[F]) InitialGrad() []F { return t.dh[:t.B*t.m.cfg.Latent] }

func (t *nodeTape[F]) Initial() []F { return t.state(0) }

func (t *nodeTape[F]) Latent(step int) []F { return t.state(step + 1) }

// state is the state after s steps (B×H).
func (t *nodeTape[F]) state(s int) []F {
	n := t.B * t.m.cfg.Latent
	if t.noGrad {
		s %= 2
		return t.ring[s*n : (s+1)*n]
	}
	return t.hs[s*n : (s+1)*n]
}

// act is hidden layer k's activation block of step s (B×LH).
func (t *nodeTape[F]) act(k, s int) []F {
	n := t.B * t.m.cfg.LayerHidden
	if t.noGrad {
		return t.actScratch[k][:n]
	}
	return t.acts[k][s*n : (s+1)*n]
}

func (t *nodeTape[F]) dact(k, s int) []F {
	n := t.B * t.m.cfg.LayerHidden
	return t.dacts[k][s*n : (s+1)*n]
}

func (t *nodeTape[F]) Step(x, y []F) {
	m, B, s := t.m, t.B, t.steps
	H, I, O, L, LH := m.cfg.Latent, m.cfg.Inputs, m.cfg.Outputs, m.cfg.Layers, m.cfg.LayerHidden
	if s >= t.maxT {
		panic("nets: more steps than the tape holds")
	}
	K := H + I
	h, hn := t.state(s), t.state(s+1)
	hx := t.hxScratch[:B*K]
	if !t.noGrad {
		hx = t.hx[s*B*K : (s+1)*B*K]
	}
	for b := 0; b < B; b++ {
		copy(hx[b*K:b*K+H], h[b*H:(b+1)*H])
		copy(hx[b*K+H:(b+1)*K], x[b*I:(b+1)*I])
	}
	// The first layer has few inputs: a fused pass, not a product.
	a := t.act(0, s)
	denseSmall(B, LH, K, hx, t.w0T, t.w0Blk, m.b[0], nil, a, nil, true)
	for k := 1; k < L-1; k++ {
		next := t.act(k, s)
		gemm.Gemm(false, true, B, LH, LH, 1, a, LH, m.w[k], LH, 0, next, LH)
		biasRelu(B, LH, m.b[k], next)
		a = next
	}
	// The last layer has few outputs: row-wise dot products.
	f := t.f[:B*H]
	dotsOut(B, H, LH, a, m.w[L-1], m.b[L-1], f, false)
	for i := range hn {
		hn[i] = h[i] + nodeStep*f[i]
	}
	if y != nil {
		smallLinear(B, O, H, hn, m.wout, m.bout, y)
	}
	t.steps++
}

func (t *nodeTape[F]) Backward(s int, dy, dlat, dx, grad []F) {
	if t.noGrad {
		panic("nets: Backward on a tape that kept nothing for it")
	}
	m, B := t.m, t.B
	H, O, L, LH := m.cfg.Latent, m.cfg.Outputs, m.cfg.Layers, m.cfg.LayerHidden
	nh := B * H
	if t.pending.stale(grad) {
		t.flush()
	}
	acc := func(k int) []F { return nil }
	if grad != nil {
		t.pending.add(s, grad)
		copyOrClear(t.dys[s*B*O:(s+1)*B*O], dy)
		acc = func(k int) []F { return t.biasGrad[k] }
	}
	// dh = d loss/d h_{s+1} (carried, latent, readout); it keeps the identity
	// path h' ← h, and df the vector field's, scaled by the Euler step.
	dh, df := t.dh[:nh], t.dfs[s*nh:(s+1)*nh]
	for b := 0; b < B; b++ {
		var dyr []F
		if dy != nil {
			dyr = dy[b*O : (b+1)*O]
		}
		for j := 0; j < H; j++ {
			i := b*H + j
			d := dh[i]
			if dlat != nil {
				d += dlat[i]
			}
			for o, v := range dyr {
				d += v * m.wout[o*H+j]
			}
			dh[i] = d
			df[i] = nodeStep * d
		}
	}
	// Last hidden layer: (df·W_{L-1}) masked by its ReLU.
	da := t.dact(L-2, s)
	denseSmall(B, LH, H, df, m.w[L-1], t.wLastBlk, nil, t.act(L-2, s), da, acc(L-2), false)
	for k := L - 2; k >= 1; k-- {
		prev := t.dact(k-1, s)
		gemm.Gemm(false, false, B, LH, LH, 1, da, LH, m.w[k], LH, 0, prev, LH)
		maskGrad(B, LH, t.act(k-1, s), prev, acc(k-1))
		da = prev
	}
	// The first layer's input gradient: rows 0..H of W0ᵀ for h, the rest for x.
	dotsOut(B, H, LH, da, t.w0T, nil, dh, true)
	if dx != nil {
		dotsOut(B, m.cfg.Inputs, LH, da, t.w0T[H*LH:], nil, dx, false)
	}
	if t.pending.due(s, B) {
		t.flush()
	}
	if s == 0 && grad != nil && !t.explicitStart {
		colSum(gradView(grad, m.vIcs), dh, B, H) // dh keeps d loss/d h0 until the next Reset
	}
}

// flush adds the parameter gradients of the pending steps into their vector.
func (t *nodeTape[F]) flush() {
	m, B := t.m, t.B
	H, I, O, L, LH := m.cfg.Latent, m.cfg.Inputs, m.cfg.Outputs, m.cfg.Layers, m.cfg.LayerHidden
	grad, lo, hi := t.pending.take()
	g := func(v ParamView) []F { return gradView(grad, v) }
	R, nh, nl, K := (hi-lo+1)*B, B*H, B*LH, H+I
	dy := t.dys[lo*B*O : (hi+1)*B*O]
	df := t.dfs[lo*nh : (hi+1)*nh]
	gemm.Gemm(true, false, O, H, R, 1, dy, O, t.hs[(lo+1)*nh:(hi+2)*nh], H, 1, g(m.vWout), H)
	colSum(g(m.vBout), dy, R, O)
	outerAcc(R, H, LH, df, H, t.acts[L-2][lo*nl:(hi+1)*nl], LH, g(m.vW[L-1]))
	colSum(g(m.vB[L-1]), df, R, H)
	for k := 1; k < L-1; k++ {
		weightGrad(R, LH, LH, t.dacts[k][lo*nl:(hi+1)*nl], LH, t.acts[k-1][lo*nl:(hi+1)*nl], LH, g(m.vW[k]))
	}
	// dW0ᵀ = [h, x]ᵀ·∂a0 and dW_{L-1} = dfᵀ·a: few rows, outer-product sums.
	clear(t.w0Grad)
	outerAcc(R, K, LH, t.hx[lo*B*K:(hi+1)*B*K], K, t.dacts[0][lo*nl:(hi+1)*nl], LH, t.w0Grad)
	dw0 := g(m.vW[0])
	for l := 0; l < LH; l++ {
		for i := 0; i < K; i++ {
			dw0[l*K+i] += t.w0Grad[i*LH+l]
		}
	}
	for k := 0; k < L-1; k++ {
		db := g(m.vB[k])
		for j, v := range t.biasGrad[k] {
			db[j] += v
		}
		clear(t.biasGrad[k])
	}
}
