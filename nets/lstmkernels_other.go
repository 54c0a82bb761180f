//go:build !amd64 || purego

package nets

import "github.com/ctdtui/ctdtui/sim"

func lstmForwardFast[F sim.Float](B, H, I int, x, wihT, bias, blk, g, sp, sn, tc []F) bool {
	return false
}

func lstmBackwardFast[F sim.Float](B, H, O int, ds, dlat, dy, wout, g, tc, sp, acc []F) bool {
	return false
}
