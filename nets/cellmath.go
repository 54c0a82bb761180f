package nets

import (
	"math"

	"github.com/ctdtui/ctdtui/nets/gemm"
	"github.com/ctdtui/ctdtui/nets/vecmath"
	"github.com/ctdtui/ctdtui/sim"
)

// Small helpers shared by the cells. The hot element-wise loops live in the
// cells themselves so that each pass over the gate arrays is fused.

func sigmoid[F sim.Float](x F) F { return F(1 / (1 + math.Exp(-float64(x)))) }

func tanh[F sim.Float](x F) F { return F(math.Tanh(float64(x))) }

// sigmoidInPlace applies σ to every element: vectorised for float32, exact
// float64 arithmetic otherwise.
func sigmoidInPlace[F sim.Float](x []F) {
	if x32, ok := any(x).([]float32); ok {
		vecmath.Sigmoid(x32, x32)
		return
	}
	for i, v := range x {
		x[i] = sigmoid(v)
	}
}

// tanhInPlace applies tanh to every element (vectorised for float32).
func tanhInPlace[F sim.Float](x []F) {
	if x32, ok := any(x).([]float32); ok {
		vecmath.Tanh(x32, x32)
		return
	}
	for i, v := range x {
		x[i] = tanh(v)
	}
}

// linearFwd computes y = x·Wᵀ + b for B rows (W is out×in, row-major).
func linearFwd[F sim.Float](y, x, w, b []F, B, in, out int) {
	gemm.Gemm(false, true, B, out, in, 1, x, in, w, in, 0, y, out)
	if b != nil {
		addBias(y, b, B, out)
	}
}

func addBias[F sim.Float](y, b []F, rows, cols int) {
	for r := 0; r < rows; r++ {
		yr := y[r*cols : (r+1)*cols]
		for j, v := range b {
			yr[j] += v
		}
	}
}

// gradView returns the part of grad that mirrors v, or nil when grad is nil.
func gradView[F sim.Float](grad []F, v ParamView) []F {
	if grad == nil {
		return nil
	}
	return grad[v.Off : v.Off+v.Len()]
}

// colSum adds the column sums of the rows×cols matrix a into dst.
func colSum[F sim.Float](dst, a []F, rows, cols int) {
	if dst == nil {
		return
	}
	for r := 0; r < rows; r++ {
		ar := a[r*cols : (r+1)*cols]
		for j, v := range ar {
			dst[j] += v
		}
	}
}

func grow[F sim.Float](s []F, n int) []F {
	if cap(s) < n {
		return make([]F, n)
	}
	return s[:n]
}

// copyOrClear copies src into dst, or zeroes dst when src is nil.
func copyOrClear[F sim.Float](dst, src []F) {
	if src == nil {
		clear(dst)
		return
	}
	copy(dst, src[:len(dst)])
}
