package nets

import "github.com/ctdtui/ctdtui/sim"

// ForwardOpen runs an open-loop batch: x is T×B×Inputs (time-major), y receives
// T×B×Outputs. The tape must have been Reset for B rows.
func ForwardOpen[F sim.Float](tape Tape[F], B, T, in, out int, x, y []F) {
	for t := 0; t < T; t++ {
		tape.Step(x[t*B*in:(t+1)*B*in], y[t*B*out:(t+1)*B*out])
	}
}

// BackwardOpen runs the backward pass of ForwardOpen: dy is T×B×Outputs,
// dlat is T×B×StateDim or nil. Parameter gradients are added into grad.
func BackwardOpen[F sim.Float](tape Tape[F], B, T, out, latent int, dy, dlat, grad []F) {
	for t := T - 1; t >= 0; t-- {
		var dl []F
		if dlat != nil {
			dl = dlat[t*B*latent : (t+1)*B*latent]
		}
		tape.Backward(t, dy[t*B*out:(t+1)*B*out], dl, nil, grad)
	}
}
