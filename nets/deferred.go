package nets

import (
	"github.com/ctdtui/ctdtui/nets/gemm"
	"github.com/ctdtui/ctdtui/sim"
)

// gradDefer tracks the steps whose parameter gradients a tape still owes.
// The backward passes store, per step, the left factors of the weight
// gradients (the gradients of the pre-activations) and form the products for
// many steps at once, dW += Σ_t dA_tᵀ·h_t as one (out × rows)·(rows × in)
// product, which is far faster than one small product per step. A tape
// flushes when the gradient vector changes, when Backward(0) is done, and
// every flushRows pending rows, while the factors are still in cache.
type gradDefer[F sim.Float] struct {
	grad   []F // nil: nothing pending
	lo, hi int // pending steps lo..hi
}

// flushRows is how many pending rows (steps × batch rows) a backward pass
// collects before it forms their weight gradients: enough for efficient
// products, few enough that the factors stay in L2 (one flush over a whole
// 500-step GRU-128 rollout re-reads them from memory: 5-10% slower per epoch;
// dW_hh of a GRU-128 runs at 82 GFLOP/s over 512 rows, 74 over 1024, 75 over
// 2048). A variable so that tests can make flushes frequent.
var flushRows = 512

// weightGrad adds uᵀ·v into acc (K×N): the weight gradient of a layer over R
// pending rows (u: R×K output-side gradients, v: R×N inputs, row strides ldu
// and ldv). Up to K = 128 the unpacked outer-product kernel is faster (81 vs
// 67 GFLOP/s for 512×128×128: it packs nothing and v stays in L2); beyond,
// the GEMM's blocking wins.
func weightGrad[F sim.Float](R, K, N int, u []F, ldu int, v []F, ldv int, acc []F) {
	if K <= 128 {
		outerAcc(R, K, N, u, ldu, v, ldv, acc)
		return
	}
	gemm.Gemm(true, false, K, N, R, 1, u, ldu, v, ldv, 1, acc, N)
}

// stale reports whether the pending steps must be flushed before step s is
// processed with grad: they are owed to a different vector (or grad is nil).
func (d *gradDefer[F]) stale(grad []F) bool {
	return d.grad != nil && (grad == nil || &d.grad[0] != &grad[0])
}

// add records that step s owes its gradients to grad (non-nil).
func (d *gradDefer[F]) add(s int, grad []F) {
	if d.grad == nil {
		d.grad, d.hi = grad, s
	}
	d.lo = s
}

// due reports whether the pending steps should be flushed after step s of a
// batch of rows rows.
func (d *gradDefer[F]) due(s, rows int) bool {
	return d.grad != nil && (s == 0 || (d.hi-d.lo+1)*rows >= flushRows)
}

// take returns the pending range and clears it.
func (d *gradDefer[F]) take() (grad []F, lo, hi int) {
	grad, lo, hi = d.grad, d.lo, d.hi
	d.grad = nil
	return
}
