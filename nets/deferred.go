package nets

import "github.com/ctdtui/ctdtui/sim"

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
// products, few enough that the factors are still in cache (one flush over a
// whole 500-step GRU-128 rollout re-reads them from memory: measured 5-10%
// slower per epoch than every 1-4 steps of 256 rows). A variable so that
// tests can make flushes frequent.
var flushRows = 1024

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
