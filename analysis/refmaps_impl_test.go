package analysis

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// Reference float64 transition maps F(x, u) of the model cells, written for
// the fixed-point finder's tests and as the plain implementation that faster
// (float32, SIMD) maps are checked against. Each is batched: the n rows of X
// go through one matrix product per weight matrix. A map keeps scratch
// buffers, so one value must not be used by several goroutines at once.

// GRUMap is torch.nn.GRUCell as a map of the hidden state: with the weights
// split into row blocks r, z, n,
//
//	a = W_ih u + b_ih,  c = W_hh x + b_hh
//	r = σ(a_r + c_r),   z = σ(a_z + c_z),  n = tanh(a_n + r ⊙ c_n)
//	F(x, u) = (1 − z) ⊙ n + z ⊙ x.
type GRUMap struct {
	h, in    int
	wih, whh []float64 // 3H×I, 3H×H row-major
	bih, bhh []float64 // 3H
	a, c     []float64 // scratch n×3H
	dc       []float64
}

// NewGRUMap returns the GRU map with hidden size h and input size in, for
// torch state_dict tensors weight_ih (3h×in), weight_hh (3h×h), bias_ih,
// bias_hh (3h). The slices are used, not copied. It panics on wrong lengths.
func NewGRUMap(h, in int, weightIH, weightHH, biasIH, biasHH []float64) *GRUMap {
	if h < 1 || in < 0 || len(weightIH) != 3*h*in || len(weightHH) != 3*h*h || len(biasIH) != 3*h || len(biasHH) != 3*h {
		panic(fmt.Sprintf("analysis: NewGRUMap(h=%d, in=%d): weight lengths %d, %d, %d, %d", h, in, len(weightIH), len(weightHH), len(biasIH), len(biasHH)))
	}
	return &GRUMap{h: h, in: in, wih: weightIH, whh: weightHH, bih: biasIH, bhh: biasHH}
}

func (g *GRUMap) Dim() int      { return g.h }
func (g *GRUMap) InputDim() int { return g.in }

// pre computes a = U W_ihᵀ + b_ih and c = X W_hhᵀ + b_hh into the scratch.
func (g *GRUMap) pre(x []float64, n int, u []float64) {
	checkMapArgs(g, x, n, u)
	h3 := 3 * g.h
	g.a = grow(g.a, n*h3)
	g.c = grow(g.c, n*h3)
	rowBias(g.a[:n*h3], g.bih, n)
	rowBias(g.c[:n*h3], g.bhh, n)
	if g.in > 0 {
		gemmNT(n, h3, g.in, u, g.wih, g.a)
	}
	gemmNT(n, h3, g.h, x, g.whh, g.c)
}

// Eval sets dst (n×H) to F(x_i, u_i) row by row.
func (g *GRUMap) Eval(dst, x []float64, n int, u []float64) {
	g.pre(x, n, u)
	checkLen("dst", dst, n*g.h)
	h := g.h
	for i := 0; i < n; i++ {
		a, c := g.a[i*3*h:(i+1)*3*h], g.c[i*3*h:(i+1)*3*h]
		xi, fi := x[i*h:(i+1)*h], dst[i*h:(i+1)*h]
		for k := 0; k < h; k++ {
			r := sigmoid(a[k] + c[k])
			z := sigmoid(a[h+k] + c[h+k])
			nn := math.Tanh(a[2*h+k] + r*c[2*h+k])
			fi[k] = (1-z)*nn + z*xi[k]
		}
	}
}

// VJP sets dst (n×H) to J(x_i)ᵀ v_i row by row.
func (g *GRUMap) VJP(dst, x, v []float64, n int, u []float64) {
	g.vjp(nil, dst, x, v, n, u)
}

// EvalResidualVJP sets f to F(x_i) and grad to J(x_i)ᵀ(F(x_i) − x_i) in one pass.
func (g *GRUMap) EvalResidualVJP(f, grad, x []float64, n int, u []float64) {
	checkLen("f", f, n*g.h)
	g.vjp(f, grad, x, nil, n, u)
}

// vjp does the backward pass with v given, or (v == nil) with v = F − x, in
// which case F is written to f.
func (g *GRUMap) vjp(f, dst, x, v []float64, n int, u []float64) {
	g.pre(x, n, u)
	h := g.h
	checkLen("dst", dst, n*h)
	if v != nil {
		checkLen("v", v, n*h)
	}
	g.dc = grow(g.dc, n*3*h)
	for i := 0; i < n; i++ {
		a, c := g.a[i*3*h:(i+1)*3*h], g.c[i*3*h:(i+1)*3*h]
		dc := g.dc[i*3*h : (i+1)*3*h]
		xi, di := x[i*h:(i+1)*h], dst[i*h:(i+1)*h]
		for k := 0; k < h; k++ {
			r := sigmoid(a[k] + c[k])
			z := sigmoid(a[h+k] + c[h+k])
			nn := math.Tanh(a[2*h+k] + r*c[2*h+k])
			var vk float64
			if v != nil {
				vk = v[i*h+k]
			} else {
				fk := (1-z)*nn + z*xi[k]
				f[i*h+k] = fk
				vk = fk - xi[k]
			}
			dn := vk * (1 - z) * (1 - nn*nn) // d pre-activation of n
			dz := vk * (xi[k] - nn) * z * (1 - z)
			dr := dn * c[2*h+k] * r * (1 - r)
			dc[k], dc[h+k], dc[2*h+k] = dr, dz, dn*r
			di[k] = vk * z
		}
	}
	// dst += dc · W_hh  (n×3H · 3H×H)
	blas64.Gemm(blas.NoTrans, blas.NoTrans, 1,
		blas64.General{Rows: n, Cols: 3 * h, Stride: 3 * h, Data: g.dc[:n*3*h]},
		blas64.General{Rows: 3 * h, Cols: h, Stride: h, Data: g.whh},
		1, blas64.General{Rows: n, Cols: h, Stride: h, Data: dst[:n*h]})
}

// Jacobian sets dst (H×H, row-major) to ∂F_a/∂x_b at one state x and input u:
// J = diag(z) + diag((x − n)·z(1−z))·W_hz + diag((1−z)(1−n²))·[diag(r)·W_hn + diag(c_n·r(1−r))·W_hr].
func (g *GRUMap) Jacobian(dst, x, u []float64) {
	h := g.h
	checkLen("dst", dst, h*h)
	g.pre(x, 1, u)
	a, c := g.a, g.c
	for k := 0; k < h; k++ {
		r := sigmoid(a[k] + c[k])
		z := sigmoid(a[h+k] + c[h+k])
		nn := math.Tanh(a[2*h+k] + r*c[2*h+k])
		dn := (1 - z) * (1 - nn*nn)
		cz := (x[k] - nn) * z * (1 - z)
		cr := dn * c[2*h+k] * r * (1 - r)
		cn := dn * r
		row := dst[k*h : (k+1)*h]
		wr, wz, wn := g.whh[k*h:(k+1)*h], g.whh[(h+k)*h:(h+k+1)*h], g.whh[(2*h+k)*h:(2*h+k+1)*h]
		for b := 0; b < h; b++ {
			row[b] = cz*wz[b] + cr*wr[b] + cn*wn[b]
		}
		row[k] += z
	}
}

// RNNMap is torch.nn.RNNCell with tanh: F(x, u) = tanh(W_ih u + b_ih + W_hh x + b_hh).
type RNNMap struct {
	h, in    int
	wih, whh []float64 // H×I, H×H
	bih, bhh []float64
	pre      []float64
}

// NewRNNMap returns the vanilla tanh RNN map for torch RNNCell weights. The
// slices are used, not copied. It panics on wrong lengths.
func NewRNNMap(h, in int, weightIH, weightHH, biasIH, biasHH []float64) *RNNMap {
	if h < 1 || in < 0 || len(weightIH) != h*in || len(weightHH) != h*h || len(biasIH) != h || len(biasHH) != h {
		panic(fmt.Sprintf("analysis: NewRNNMap(h=%d, in=%d): weight lengths %d, %d, %d, %d", h, in, len(weightIH), len(weightHH), len(biasIH), len(biasHH)))
	}
	return &RNNMap{h: h, in: in, wih: weightIH, whh: weightHH, bih: biasIH, bhh: biasHH}
}

func (m *RNNMap) Dim() int      { return m.h }
func (m *RNNMap) InputDim() int { return m.in }

func (m *RNNMap) eval(dst, x []float64, n int, u []float64) {
	checkMapArgs(m, x, n, u)
	checkLen("dst", dst, n*m.h)
	m.pre = grow(m.pre, n*m.h)
	p := m.pre[:n*m.h]
	for i := 0; i < n; i++ {
		for k := 0; k < m.h; k++ {
			p[i*m.h+k] = m.bih[k] + m.bhh[k]
		}
	}
	if m.in > 0 {
		gemmNT(n, m.h, m.in, u, m.wih, p)
	}
	gemmNT(n, m.h, m.h, x, m.whh, p)
	for i, v := range p {
		dst[i] = math.Tanh(v)
	}
}

// Eval sets dst (n×H) to F(x_i, u_i).
func (m *RNNMap) Eval(dst, x []float64, n int, u []float64) { m.eval(dst, x, n, u) }

// VJP sets dst to J(x_i)ᵀ v_i = W_hhᵀ((1 − F²) ⊙ v_i).
func (m *RNNMap) VJP(dst, x, v []float64, n int, u []float64) {
	f := make([]float64, n*m.h)
	m.eval(f, x, n, u)
	checkLen("v", v, n*m.h)
	for i := range f {
		f[i] = (1 - f[i]*f[i]) * v[i]
	}
	blas64.Gemm(blas.NoTrans, blas.NoTrans, 1,
		blas64.General{Rows: n, Cols: m.h, Stride: m.h, Data: f},
		blas64.General{Rows: m.h, Cols: m.h, Stride: m.h, Data: m.whh},
		0, blas64.General{Rows: n, Cols: m.h, Stride: m.h, Data: dst[:n*m.h]})
}

// Jacobian sets dst to diag(1 − F²)·W_hh.
func (m *RNNMap) Jacobian(dst, x, u []float64) {
	h := m.h
	checkLen("dst", dst, h*h)
	f := make([]float64, h)
	m.eval(f, x, 1, u)
	for a := 0; a < h; a++ {
		d := 1 - f[a]*f[a]
		for b := 0; b < h; b++ {
			dst[a*h+b] = d * m.whh[a*h+b]
		}
	}
}

// DenseLayer is a fully connected layer y = W x + b with W Out×In row-major
// (torch nn.Linear layout).
type DenseLayer struct {
	In, Out int
	W, B    []float64
}

// MLPMap is the neural-ODE generator of CTD (MLPCell): the Euler step
// F(x, u) = x + Scale·MLP([x, u]) with ReLU between the layers and none after
// the last (Scale 0.1 in CTD). The MLP's first layer takes the state first,
// then the input.
type MLPMap struct {
	h, in  int
	layers []DenseLayer
	scale  float64
	acts   [][]float64 // per layer output (post-activation except the last)
	grads  [2][]float64
}

// NewMLPMap returns the map for an MLP of at least one layer taking h+in
// inputs and returning h outputs. It panics on inconsistent shapes.
func NewMLPMap(h, in int, layers []DenseLayer, scale float64) *MLPMap {
	if h < 1 || in < 0 || len(layers) == 0 {
		panic(fmt.Sprintf("analysis: NewMLPMap(h=%d, in=%d, %d layers)", h, in, len(layers)))
	}
	prev := h + in
	for i, l := range layers {
		if l.In != prev || len(l.W) != l.In*l.Out || len(l.B) != l.Out {
			panic(fmt.Sprintf("analysis: NewMLPMap: layer %d is %d→%d with %d weights and %d biases, expected input %d", i, l.In, l.Out, len(l.W), len(l.B), prev))
		}
		prev = l.Out
	}
	if prev != h {
		panic(fmt.Sprintf("analysis: NewMLPMap: last layer outputs %d, state dimension %d", prev, h))
	}
	return &MLPMap{h: h, in: in, layers: layers, scale: scale, acts: make([][]float64, len(layers))}
}

func (m *MLPMap) Dim() int      { return m.h }
func (m *MLPMap) InputDim() int { return m.in }

// forward runs the MLP on [x, u], storing every layer's output in m.acts;
// hidden layers are stored after ReLU. It returns the input matrix.
func (m *MLPMap) forward(x []float64, n int, u []float64) []float64 {
	checkMapArgs(m, x, n, u)
	d := m.h + m.in
	inp := make([]float64, n*d)
	for i := 0; i < n; i++ {
		copy(inp[i*d:], x[i*m.h:(i+1)*m.h])
		copy(inp[i*d+m.h:], u[i*m.in:(i+1)*m.in])
	}
	cur := inp
	for li, l := range m.layers {
		m.acts[li] = grow(m.acts[li], n*l.Out)
		out := m.acts[li][:n*l.Out]
		rowBias(out, l.B, n)
		gemmNT(n, l.Out, l.In, cur, l.W, out)
		if li < len(m.layers)-1 {
			for i, v := range out {
				if v <= 0 { // ReLU; derivative at 0 taken as 0, as torch
					out[i] = 0
				}
			}
		}
		cur = out
	}
	return inp
}

// Eval sets dst to x + Scale·MLP([x, u]).
func (m *MLPMap) Eval(dst, x []float64, n int, u []float64) {
	checkLen("dst", dst, n*m.h)
	m.forward(x, n, u)
	out := m.acts[len(m.layers)-1]
	for i := 0; i < n*m.h; i++ {
		dst[i] = x[i] + m.scale*out[i]
	}
}

// VJP sets dst to v + Scale·(∂MLP/∂x)ᵀ v.
func (m *MLPMap) VJP(dst, x, v []float64, n int, u []float64) {
	checkLen("dst", dst, n*m.h)
	checkLen("v", v, n*m.h)
	m.forward(x, n, u)
	// g = Scale·v at the output; walk back through the layers, alternating
	// between the two scratch buffers.
	cur := 0
	m.grads[cur] = grow(m.grads[cur], n*m.h)
	g := m.grads[cur][:n*m.h]
	for i := range g {
		g[i] = m.scale * v[i]
	}
	last := len(m.layers) - 1
	for li := last; li >= 0; li-- {
		l := m.layers[li]
		if li < last {
			act := m.acts[li]
			for i := range g {
				if act[i] <= 0 {
					g[i] = 0
				}
			}
		}
		nxt := 1 - cur
		m.grads[nxt] = grow(m.grads[nxt], n*l.In)
		other := m.grads[nxt][:n*l.In]
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1,
			blas64.General{Rows: n, Cols: l.Out, Stride: l.Out, Data: g},
			blas64.General{Rows: l.Out, Cols: l.In, Stride: l.In, Data: l.W},
			0, blas64.General{Rows: n, Cols: l.In, Stride: l.In, Data: other})
		g, cur = other, nxt
	}
	d := m.h + m.in
	for i := 0; i < n; i++ {
		for k := 0; k < m.h; k++ {
			dst[i*m.h+k] = v[i*m.h+k] + g[i*d+k]
		}
	}
}

// Jacobian sets dst to I + Scale·L_last·D_k·…·D_1·L_1[:, :H], D the ReLU masks.
func (m *MLPMap) Jacobian(dst, x, u []float64) {
	h := m.h
	checkLen("dst", dst, h*h)
	m.forward(x, 1, u)
	// P = L_1[:, :H] (Out1×H), then P ← L_{k+1}·D_k·P.
	l0 := m.layers[0]
	p := make([]float64, l0.Out*h)
	for r := 0; r < l0.Out; r++ {
		copy(p[r*h:(r+1)*h], l0.W[r*l0.In:r*l0.In+h])
	}
	for li := 1; li < len(m.layers); li++ {
		act := m.acts[li-1]
		prevOut := m.layers[li-1].Out
		for r := 0; r < prevOut; r++ {
			if act[r] <= 0 {
				clear(p[r*h : (r+1)*h])
			}
		}
		l := m.layers[li]
		np := make([]float64, l.Out*h)
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1,
			blas64.General{Rows: l.Out, Cols: l.In, Stride: l.In, Data: l.W},
			blas64.General{Rows: prevOut, Cols: h, Stride: h, Data: p},
			0, blas64.General{Rows: l.Out, Cols: h, Stride: h, Data: np})
		p = np
	}
	for i := range p {
		dst[i] = m.scale * p[i]
	}
	for k := 0; k < h; k++ {
		dst[k*h+k]++
	}
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// gemmNT computes C += A·Bᵀ for row-major A (m×k), B (n×k), C (m×n).
func gemmNT(m, n, k int, a, b, c []float64) {
	blas64.Gemm(blas.NoTrans, blas.Trans, 1,
		blas64.General{Rows: m, Cols: k, Stride: k, Data: a[:m*k]},
		blas64.General{Rows: n, Cols: k, Stride: k, Data: b[:n*k]},
		1, blas64.General{Rows: m, Cols: n, Stride: n, Data: c[:m*n]})
}

func rowBias(dst, b []float64, n int) {
	w := len(b)
	for i := 0; i < n; i++ {
		copy(dst[i*w:(i+1)*w], b)
	}
}

func grow(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}

func checkLen(name string, s []float64, n int) {
	if len(s) < n {
		panic(fmt.Sprintf("analysis: %s has %d values, need %d", name, len(s), n))
	}
}

func checkMapArgs(m Map, x []float64, n int, u []float64) {
	if n < 0 {
		panic("analysis: negative row count")
	}
	checkLen("x", x, n*m.Dim())
	checkLen("u", u, n*m.InputDim())
}
