//go:build amd64 && !purego

package nets

import (
	"github.com/ctdtui/ctdtui/internal/simd"
	"github.com/ctdtui/ctdtui/sim"
)

//go:generate sh -c "go run genlstm.go > lstmkernels_amd64.s"
//go:generate sh -c "go run genlstm.go -isa avx512 > lstmkernels512_amd64.s"

// The LSTM's AVX2+FMA and AVX-512 step kernels (lstmkernels_amd64.s and
// lstmkernels512_amd64.s, go run genlstm.go), chosen as the GRU's (cellISA).

//go:noescape
func lstmFwdAVX2(rows, h, in int, x, wihT, bias, blk, gates, sp, sn, tc *float32)

//go:noescape
func lstmBwdAVX2(rows, h, out int, ds, dlat, dy, wout, gates, tc, sp, acc *float32)

//go:noescape
func lstmFwdAVX512(rows, h, in int, x, wihT, bias, blk, gates, sp, sn, tc *float32)

//go:noescape
func lstmBwdAVX512(rows, h, out int, ds, dlat, dy, wout, gates, tc, sp, acc *float32)

func lstmForwardFast[F sim.Float](B, H, I int, x, wihT, bias, blk, g, sp, sn, tc []F) bool {
	x32, ok := f32(x)
	lvl := cellISA(H)
	if !ok || lvl == simd.Go || I < 1 || (I <= blockedInputs && blk == nil) {
		return false
	}
	if B == 0 {
		return true
	}
	w32, b32, g32, sp32, sn32, tc32 := as32(wihT), as32(bias), as32(g), as32(sp), as32(sn), as32(tc)
	need(x32, B*I)
	need(w32, I*4*H)
	need(b32, 4*H)
	need(g32, B*4*H)
	need(sp32, B*2*H)
	need(sn32, B*2*H)
	need(tc32, B*H)
	blk32 := as32(blk)
	if blk != nil {
		need(blk32, H*(4+4*I))
	}
	kern := lstmFwdAVX2
	if lvl == simd.AVX512 {
		kern = lstmFwdAVX512
	}
	kern(B, H, I, &x32[0], &w32[0], &b32[0], ptr(blk32), &g32[0], &sp32[0], &sn32[0], &tc32[0])
	return true
}

func lstmBackwardFast[F sim.Float](B, H, O int, ds, dlat, dy, wout, g, tc, sp, acc []F) bool {
	ds32, ok := f32(ds)
	lvl := cellISA(H)
	if !ok || lvl == simd.Go {
		return false
	}
	if B == 0 {
		return true
	}
	dlat32, dy32, w32, g32, tc32, sp32, acc32 := as32(dlat), as32(dy), as32(wout), as32(g), as32(tc), as32(sp), as32(acc)
	need(ds32, B*2*H)
	if dlat != nil {
		need(dlat32, B*2*H)
	}
	if O > 0 {
		need(dy32, B*O)
		need(w32, O*H)
	}
	need(g32, B*4*H)
	need(tc32, B*H)
	need(sp32, B*2*H)
	if acc != nil {
		need(acc32, 4*H)
	}
	kern := lstmBwdAVX2
	if lvl == simd.AVX512 {
		kern = lstmBwdAVX512
	}
	kern(B, H, O, &ds32[0], ptr(dlat32), ptr(dy32), ptr(w32), &g32[0], &tc32[0], &sp32[0], ptr(acc32))
	return true
}
