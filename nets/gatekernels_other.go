//go:build !amd64 || purego

package nets

import (
	"github.com/ctdtui/ctdtui/internal/simd"
	"github.com/ctdtui/ctdtui/sim"
)

// cellPath is portable Go where there are no vector cell kernels.
var cellPath = simd.Go

func gruForwardFast[F sim.Float](B, H, I int, x, wihT, bias, blk, g, ghn, hp, hn []F) bool {
	return false
}

func gruBackwardFast[F sim.Float](B, H, O int, dh, dlat, dy, wout, g, ghn, hp, acc []F) bool {
	return false
}

func rnnForwardFast[F sim.Float](B, H, I int, x, wihT, bias, blk, a []F) bool {
	return false
}

func rnnBackwardFast[F sim.Float](B, H, O int, dh, dlat, dy, wout, h, da, acc []F) bool {
	return false
}

func denseSmallFast[F sim.Float](B, N, K int, in, wT, blk, bias, mask, out, acc []F, relu bool) bool {
	return false
}

func biasReluFast[F sim.Float](B, N int, bias, x []F) bool { return false }

func maskGradFast[F sim.Float](B, N int, a, x, acc []F) bool { return false }

func dotsOutFast[F sim.Float](B, N, K int, in, w, bias, out []F, accumulate bool) bool {
	return false
}

func outerAccFast[F sim.Float](R, K, N int, u []F, ldu int, v []F, ldv int, acc []F) bool {
	return false
}
