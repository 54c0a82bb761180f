package nets

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/ctdtui/ctdtui/nets/gemm"
	"github.com/ctdtui/ctdtui/sim"
)

// FixedPointMap is one noise-free step of a model's state, x' = F(x, u),
// batched over rows, as the fixed-point finder needs. It satisfies
// analysis.Map (Dim, InputDim, Eval, VJP, Jacobian), the optional fast path
// EvalResidualVJP, and, in float32, analysis.Precisioner (Epsilon). The
// products run on the model's own kernels; the float64 interface only converts
// at the edges. Rows are split across Workers goroutines (each with its own
// tape and buffers), and GRU models take a fused step that computes F and
// Jᵀ(F − x) in one pass without the readout or any parameter gradient. A map
// is used by one goroutine at a time.
type FixedPointMap[F sim.Float] struct {
	model Model[F]
	// Workers is the number of goroutines the rows are split across (0 means
	// GOMAXPROCS); a worker gets at least minRowsPerWorker rows.
	Workers int
	workers []*fpWorker[F]
}

// minRowsPerWorker keeps small batches (Newton steps, single rows) on one
// goroutine, where splitting would cost more than it saves.
const minRowsPerWorker = 64

// fpWorker holds one goroutine's tape and conversion buffers.
type fpWorker[F sim.Float] struct {
	model     Model[F]
	tape      Tape[F]
	capRows   int
	x, u, y   []F
	dlat, dy0 []F
	gru       *gruFP[F]
}

// NewFixedPointMap wraps a model.
func NewFixedPointMap[F sim.Float](m Model[F]) *FixedPointMap[F] {
	return &FixedPointMap[F]{model: m}
}

// Dim is the state size.
func (p *FixedPointMap[F]) Dim() int { return p.model.Config().Latent }

// InputDim is the input size.
func (p *FixedPointMap[F]) InputDim() int { return p.model.Config().Inputs }

// Epsilon is the machine epsilon of the map's arithmetic.
func (p *FixedPointMap[F]) Epsilon() float64 {
	var probe F = 1
	if probe+F(1e-10) == probe {
		return 0x1p-23 // float32
	}
	return 0x1p-52
}

func (w *fpWorker[F]) ensure(n int) {
	c := w.model.Config()
	if n > w.capRows {
		w.capRows = n
		w.tape = w.model.NewTape(n, 1)
		w.x = make([]F, n*c.Latent)
		w.u = make([]F, n*c.Inputs)
		w.y = make([]F, n*c.Outputs)
		w.dlat = make([]F, n*c.Latent)
		w.dy0 = make([]F, n*c.Outputs)
	}
}

func toF[F sim.Float](dst []F, src []float64) {
	for i, v := range src {
		dst[i] = F(v)
	}
}

func fromF[F sim.Float](dst []float64, src []F) {
	for i, v := range src {
		dst[i] = float64(v)
	}
}

// parallel splits n rows into chunks and runs do(worker, first row, rows) on
// each chunk, concurrently when there is more than one.
func (p *FixedPointMap[F]) parallel(n int, do func(w *fpWorker[F], r0, rows int)) {
	nw := p.Workers
	if nw <= 0 {
		nw = runtime.GOMAXPROCS(0)
	}
	nw = max(1, min(nw, n/minRowsPerWorker))
	for len(p.workers) < nw {
		w := &fpWorker[F]{model: p.model}
		if g, ok := p.model.(*gru[F]); ok {
			w.gru = &gruFP[F]{m: g}
		}
		p.workers = append(p.workers, w)
	}
	if nw == 1 {
		do(p.workers[0], 0, n)
		return
	}
	var wg sync.WaitGroup
	for k := 0; k < nw; k++ {
		r0, r1 := k*n/nw, (k+1)*n/nw
		wg.Add(1)
		go func(w *fpWorker[F]) {
			defer wg.Done()
			do(w, r0, r1-r0)
		}(p.workers[k])
	}
	wg.Wait()
}

// load converts n rows of x and u into the worker's buffers.
func (w *fpWorker[F]) load(x []float64, n int, u []float64) {
	c := w.model.Config()
	w.ensure(n)
	toF(w.x[:n*c.Latent], x[:n*c.Latent])
	toF(w.u[:n*c.Inputs], u[:n*c.Inputs])
}

// step runs F on the worker's n loaded rows and leaves the result in the tape.
func (w *fpWorker[F]) step(n int) {
	c := w.model.Config()
	w.tape.ResetState(n, w.x[:n*c.Latent])
	w.tape.Step(w.u[:n*c.Inputs], w.y[:n*c.Outputs])
}

// back pulls the row-wise vectors in dlat through the step: dst = J(x)ᵀ v.
func (w *fpWorker[F]) back(dst []float64, n int) {
	c := w.model.Config()
	dy := w.dy0[:n*c.Outputs]
	clear(dy)
	w.tape.Backward(0, dy, w.dlat[:n*c.Latent], nil, nil)
	fromF(dst[:n*c.Latent], w.tape.InitialGrad())
}

func (p *FixedPointMap[F]) check(what string, x []float64, n int, u []float64) {
	H, I := p.Dim(), p.InputDim()
	if len(x) < n*H || len(u) < n*I {
		panic(fmt.Sprintf("nets: FixedPointMap.%s: %d rows need %d states and %d inputs, got %d and %d", what, n, n*H, n*I, len(x), len(u)))
	}
}

// Eval sets dst (n×Dim) to F(x_i, u_i).
func (p *FixedPointMap[F]) Eval(dst, x []float64, n int, u []float64) {
	p.check("Eval", x, n, u)
	H, I := p.Dim(), p.InputDim()
	p.parallel(n, func(w *fpWorker[F], r0, rows int) {
		w.load(x[r0*H:], rows, u[r0*I:])
		if w.gru != nil {
			w.gru.run(w.dlat[:rows*H], nil, w.x[:rows*H], w.u[:rows*I], rows)
			fromF(dst[r0*H:(r0+rows)*H], w.dlat[:rows*H])
			return
		}
		w.step(rows)
		fromF(dst[r0*H:(r0+rows)*H], w.tape.Latent(0))
	})
}

// VJP sets dst (n×Dim) to J(x_i, u_i)ᵀ v_i.
func (p *FixedPointMap[F]) VJP(dst, x, v []float64, n int, u []float64) {
	p.check("VJP", x, n, u)
	H, I := p.Dim(), p.InputDim()
	p.parallel(n, func(w *fpWorker[F], r0, rows int) {
		w.load(x[r0*H:], rows, u[r0*I:])
		w.step(rows)
		toF(w.dlat[:rows*H], v[r0*H:(r0+rows)*H])
		w.back(dst[r0*H:], rows)
	})
}

// EvalResidualVJP sets f to F(x_i, u_i) and grad to J(x_i)ᵀ (F(x_i) − x_i) in
// one forward and one backward pass.
func (p *FixedPointMap[F]) EvalResidualVJP(f, grad, x []float64, n int, u []float64) {
	p.check("EvalResidualVJP", x, n, u)
	H, I := p.Dim(), p.InputDim()
	p.parallel(n, func(w *fpWorker[F], r0, rows int) {
		w.load(x[r0*H:], rows, u[r0*I:])
		if w.gru != nil {
			w.gru.run(w.y[:0], w.dlat[:rows*H], w.x[:rows*H], w.u[:rows*I], rows)
			fromF(f[r0*H:(r0+rows)*H], w.gru.next[:rows*H])
			fromF(grad[r0*H:(r0+rows)*H], w.dlat[:rows*H])
			return
		}
		w.step(rows)
		next := w.tape.Latent(0)
		fromF(f[r0*H:(r0+rows)*H], next)
		for i := 0; i < rows*H; i++ {
			w.dlat[i] = next[i] - w.x[i]
		}
		w.back(grad[r0*H:], rows)
	})
}

// Jacobian sets dst (Dim×Dim, row-major) to ∂F_a/∂x_b at (x, u): row a is
// J ᵀ e_a, computed for every a in one batched backward pass.
func (p *FixedPointMap[F]) Jacobian(dst []float64, x, u []float64) {
	H, I := p.Dim(), p.InputDim()
	xs := make([]float64, H*H)
	us := make([]float64, H*I)
	for a := 0; a < H; a++ {
		copy(xs[a*H:(a+1)*H], x[:H])
		copy(us[a*I:(a+1)*I], u[:I])
	}
	v := make([]float64, H*H)
	for a := 0; a < H; a++ {
		v[a*H+a] = 1
	}
	p.VJP(dst, xs, v, H, us)
}

// gruFP is the fused GRU step of the fixed-point search: F(x, u) and, when
// asked, Jᵀ(F − x) for a batch of rows, with two products by W_hh and one by
// W_ih, and nothing for the readout or the parameters (cf. gruTape). The
// gates of a row live only in a small scratch while that row is processed,
// and a constant input (the usual case) is multiplied once, so the pass
// streams little more than the two products' operands.
type gruFP[F sim.Float] struct {
	m            *gru[F]
	gi, gh, dgh  []F
	next         []F
	r, z, n      []F // one row
	rows, giRows int
}

func (g *gruFP[F]) ensure(rows int) {
	if rows <= g.rows {
		return
	}
	H := g.m.cfg.Latent
	g.rows = rows
	g.gi, g.gh, g.dgh = make([]F, rows*3*H), make([]F, rows*3*H), make([]F, rows*3*H)
	g.next = make([]F, rows*H)
	g.r, g.z, g.n = make([]F, H), make([]F, H), make([]F, H)
}

// sameRows reports whether all rows of u (rows×I) equal the first.
func sameRows[F sim.Float](u []F, rows, I int) bool {
	for b := 1; b < rows; b++ {
		for j := 0; j < I; j++ {
			if u[b*I+j] != u[j] {
				return false
			}
		}
	}
	return true
}

// run sets g.next (and f, if it has room) to F(x, u) for n rows; if grad is
// not nil it also sets grad to Jᵀ(F − x).
func (g *gruFP[F]) run(f, grad, x, u []F, rows int) {
	m := g.m
	H, I := m.cfg.Latent, m.cfg.Inputs
	g.ensure(rows)
	// Input side: one row when every row has the same input.
	giRows := rows
	if I == 0 || sameRows(u, rows, I) {
		giRows = 1
	}
	gi, gh := g.gi[:giRows*3*H], g.gh[:rows*3*H]
	// The biases are copied in and the products accumulated onto them.
	bi, bh := m.bih[:3*H], m.bhh[:3*H]
	for b := 0; b < giRows; b++ {
		copy(gi[b*3*H:(b+1)*3*H], bi)
	}
	for b := 0; b < rows; b++ {
		copy(gh[b*3*H:(b+1)*3*H], bh)
	}
	if I > 0 {
		gemm.Gemm(false, true, giRows, 3*H, I, 1, u, I, m.wih, I, 1, gi, 3*H)
	}
	gemm.Gemm(false, true, rows, 3*H, H, 1, x, H, m.whh, H, 1, gh, 3*H)
	r, z, n := g.r[:H], g.z[:H], g.n[:H]
	for b := 0; b < rows; b++ {
		o := b * H
		gib := gi[:3*H]
		if giRows > 1 {
			gib = gi[b*3*H : (b+1)*3*H]
		}
		ghb := gh[b*3*H : (b+1)*3*H]
		gir, giz, gin := gib[:H], gib[H:2*H], gib[2*H:3*H]
		ghr, ghz, hn := ghb[:H], ghb[H:2*H], ghb[2*H:3*H] // hn = W_hn h + b_hn
		for j := range r {
			r[j] = gir[j] + ghr[j]
			z[j] = giz[j] + ghz[j]
		}
		sigmoidInPlace(r)
		sigmoidInPlace(z)
		for j := range n {
			n[j] = gin[j] + r[j]*hn[j]
		}
		tanhInPlace(n)
		xb, nx := x[o:o+H], g.next[o:o+H]
		if grad == nil {
			for j := range nx {
				nx[j] = (1-z[j])*n[j] + z[j]*xb[j]
			}
			continue
		}
		// d = F − x; Jᵀd = z⊙d + [da_r, da_z, da_n·r]·W_hh (cf. gruTape.Backward).
		dg, gb := g.dgh[b*3*H:(b+1)*3*H], grad[o:o+H]
		dr, dz, dn := dg[:H], dg[H:2*H], dg[2*H:3*H]
		for j := range nx {
			rj, zj, nj, xj := r[j], z[j], n[j], xb[j]
			next := (1-zj)*nj + zj*xj
			nx[j] = next
			d := next - xj
			dan := d * (1 - zj) * (1 - nj*nj)
			dr[j] = dan * hn[j] * rj * (1 - rj)
			dz[j] = d * (xj - nj) * zj * (1 - zj)
			dn[j] = dan * rj
			gb[j] = d * zj
		}
	}
	if len(f) >= rows*H {
		copy(f, g.next[:rows*H])
	}
	if grad != nil {
		gemm.Gemm(false, false, rows, H, 3*H, 1, g.dgh[:rows*3*H], 3*H, m.whh, H, 1, grad[:rows*H], H)
	}
}

// Convert copies a model into another float type (e.g. a float32 model into
// float64 for Newton refinement and exact Jacobians).
func Convert[To, From sim.Float](m Model[From]) Model[To] {
	out, err := New[To](m.Config(), nil)
	if err != nil {
		panic(err) // the configuration was valid for m
	}
	src, dst := m.Params().Data, out.Params().Data
	for i, v := range src {
		dst[i] = To(v)
	}
	return out
}
