//go:build !amd64 || purego

package nets

import "github.com/ctdtui/ctdtui/sim"

// useCellAsm is false where there are no vector cell kernels.
var useCellAsm = false

func gruForwardFast[F sim.Float](B, H, I int, x, wihT, bias, g, ghn, hp, hn []F) bool {
	return false
}

func gruBackwardFast[F sim.Float](B, H, O int, dh, dlat, dy, wout, g, ghn, hp, acc []F) bool {
	return false
}

func rnnForwardFast[F sim.Float](B, H, I int, x, wihT, bias, a []F) bool { return false }

func rnnBackwardFast[F sim.Float](B, H, O int, dh, dlat, dy, wout, h, da, acc []F) bool {
	return false
}
