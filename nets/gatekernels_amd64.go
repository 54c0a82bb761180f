//go:build amd64 && !purego

package nets

import (
	"unsafe"

	"github.com/ctdtui/ctdtui/internal/simd"
	"github.com/ctdtui/ctdtui/sim"
)

//go:generate sh -c "go run genasm.go > gatekernels_amd64.s"
//go:generate sh -c "go run genasm.go -isa avx512 > gatekernels512_amd64.s"

// cellPath is the instruction set of the float32 cell kernels
// (internal/simd decides; tests force others with withCellPath).
var cellPath = simd.Detected

//go:noescape
func gruFwdAVX2(rows, h, in int, x, wihT, bias, blk, gates, ghn, hp, hn *float32)

//go:noescape
func gruBwdAVX2(rows, h, out int, dh, dlat, dy, wout, gates, ghn, hp, acc *float32)

//go:noescape
func gruFwdAVX512(rows, h, in int, x, wihT, bias, blk, gates, ghn, hp, hn *float32)

//go:noescape
func gruBwdAVX512(rows, h, out int, dh, dlat, dy, wout, gates, ghn, hp, acc *float32)

// f32 views s as []float32 when F is float32.
func f32[F sim.Float](s []F) ([]float32, bool) {
	var z F
	if unsafe.Sizeof(z) != 4 {
		return nil, false
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(s))), len(s)), true
}

// ptr is the address of s[0], or nil for an empty slice.
func ptr(s []float32) *float32 {
	if len(s) == 0 {
		return nil
	}
	return &s[0]
}

// need panics unless s holds at least n elements (the kernels trust lengths).
func need(s []float32, n int) {
	if len(s) < n {
		panic("nets: kernel operand too short")
	}
}

func gruForwardFast[F sim.Float](B, H, I int, x, wihT, bias, blk, g, ghn, hp, hn []F) bool {
	x32, ok := f32(x)
	lvl := cellISA(H)
	if !ok || lvl == simd.Go || I < 1 || (I <= blockedInputs && blk == nil) {
		return false
	}
	if B == 0 {
		return true
	}
	w32, b32, g32, ghn32, hp32, hn32 := as32(wihT), as32(bias), as32(g), as32(ghn), as32(hp), as32(hn)
	need(x32, B*I)
	need(w32, I*3*H)
	need(b32, 4*H)
	need(g32, B*3*H)
	need(ghn32, B*H)
	need(hp32, B*H)
	need(hn32, B*H)
	blk32 := as32(blk)
	if blk != nil {
		need(blk32, H*(4+3*I))
	}
	kern := gruFwdAVX2
	if lvl == simd.AVX512 {
		kern = gruFwdAVX512
	}
	kern(B, H, I, &x32[0], &w32[0], &b32[0], ptr(blk32), &g32[0], &ghn32[0], &hp32[0], &hn32[0])
	return true
}

func gruBackwardFast[F sim.Float](B, H, O int, dh, dlat, dy, wout, g, ghn, hp, acc []F) bool {
	dh32, ok := f32(dh)
	lvl := cellISA(H)
	if !ok || lvl == simd.Go {
		return false
	}
	if B == 0 {
		return true
	}
	dlat32, dy32, w32, g32, ghn32, hp32, acc32 := as32(dlat), as32(dy), as32(wout), as32(g), as32(ghn), as32(hp), as32(acc)
	need(dh32, B*H)
	if dlat != nil {
		need(dlat32, B*H)
	}
	if O > 0 {
		need(dy32, B*O)
		need(w32, O*H)
	}
	need(g32, B*3*H)
	need(ghn32, B*H)
	need(hp32, B*H)
	if acc != nil {
		need(acc32, 4*H)
	}
	kern := gruBwdAVX2
	if lvl == simd.AVX512 {
		kern = gruBwdAVX512
	}
	kern(B, H, O, &dh32[0], ptr(dlat32), ptr(dy32), ptr(w32), &g32[0], &ghn32[0], &hp32[0], ptr(acc32))
	return true
}

// as32 views a float slice as []float32; only called once f32 succeeded.
func as32[F sim.Float](s []F) []float32 {
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

//go:noescape
func rnnFwdAVX2(rows, h, in int, x, wihT, bias, blk, a *float32)

//go:noescape
func rnnBwdAVX2(rows, h, out int, dh, dlat, dy, wout, state, da, acc *float32)

//go:noescape
func rnnFwdAVX512(rows, h, in int, x, wihT, bias, blk, a *float32)

//go:noescape
func rnnBwdAVX512(rows, h, out int, dh, dlat, dy, wout, state, da, acc *float32)

func rnnForwardFast[F sim.Float](B, H, I int, x, wihT, bias, blk, a []F) bool {
	x32, ok := f32(x)
	lvl := cellISA(H)
	if !ok || lvl == simd.Go || I < 1 {
		return false
	}
	if B == 0 {
		return true
	}
	w32, b32, a32 := as32(wihT), as32(bias), as32(a)
	need(x32, B*I)
	need(w32, I*H)
	need(b32, H)
	need(a32, B*H)
	blk32 := as32(blk)
	if blk != nil {
		need(blk32, H*(I+1))
	}
	kern := rnnFwdAVX2
	if lvl == simd.AVX512 {
		kern = rnnFwdAVX512
	}
	kern(B, H, I, &x32[0], &w32[0], &b32[0], ptr(blk32), &a32[0])
	return true
}

func rnnBackwardFast[F sim.Float](B, H, O int, dh, dlat, dy, wout, h, da, acc []F) bool {
	dh32, ok := f32(dh)
	lvl := cellISA(H)
	if !ok || lvl == simd.Go {
		return false
	}
	if B == 0 {
		return true
	}
	dlat32, dy32, w32, h32, da32, acc32 := as32(dlat), as32(dy), as32(wout), as32(h), as32(da), as32(acc)
	need(dh32, B*H)
	if dlat != nil {
		need(dlat32, B*H)
	}
	if O > 0 {
		need(dy32, B*O)
		need(w32, O*H)
	}
	need(h32, B*H)
	need(da32, B*H)
	if acc != nil {
		need(acc32, H)
	}
	kern := rnnBwdAVX2
	if lvl == simd.AVX512 {
		kern = rnnBwdAVX512
	}
	kern(B, H, O, &dh32[0], ptr(dlat32), ptr(dy32), ptr(w32), &h32[0], &da32[0], ptr(acc32))
	return true
}

//go:noescape
func denseSmallAVX2(rows, n, k int, in, wT, blk, bias, mask, out, acc *float32, relu int)

//go:noescape
func biasReluAVX2(rows, n int, bias, x *float32)

//go:noescape
func maskGradAVX2(rows, n int, a, x, acc *float32)

//go:noescape
func dotsOutAVX2(rows, n, k int, in, w, bias, out *float32, accumulate int)

//go:noescape
func denseSmallAVX512(rows, n, k int, in, wT, blk, bias, mask, out, acc *float32, relu int)

//go:noescape
func biasReluAVX512(rows, n int, bias, x *float32)

//go:noescape
func maskGradAVX512(rows, n int, a, x, acc *float32)

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func denseSmallFast[F sim.Float](B, N, K int, in, wT, blk, bias, mask, out, acc []F, relu bool) bool {
	in32, ok := f32(in)
	lvl := cellISA(N)
	if !ok || lvl == simd.Go || K < 1 {
		return false
	}
	if B == 0 || N == 0 {
		return true
	}
	w32, b32, m32, o32, a32 := as32(wT), as32(bias), as32(mask), as32(out), as32(acc)
	need(in32, B*K)
	need(w32, K*N)
	need(o32, B*N)
	if bias != nil {
		need(b32, N)
	}
	if mask != nil {
		need(m32, B*N)
	}
	if acc != nil {
		need(a32, N)
	}
	blk32 := as32(blk)
	if blk != nil {
		need(blk32, K*N)
	}
	kern := denseSmallAVX2
	if lvl == simd.AVX512 {
		kern = denseSmallAVX512
	}
	kern(B, N, K, &in32[0], &w32[0], ptr(blk32), ptr(b32), ptr(m32), &o32[0], ptr(a32), b2i(relu))
	return true
}

func biasReluFast[F sim.Float](B, N int, bias, x []F) bool {
	x32, ok := f32(x)
	lvl := cellISA(N)
	if !ok || lvl == simd.Go {
		return false
	}
	if B == 0 || N == 0 {
		return true
	}
	b32 := as32(bias)
	need(x32, B*N)
	need(b32, N)
	if lvl == simd.AVX512 {
		biasReluAVX512(B, N, &b32[0], &x32[0])
	} else {
		biasReluAVX2(B, N, &b32[0], &x32[0])
	}
	return true
}

func maskGradFast[F sim.Float](B, N int, a, x, acc []F) bool {
	x32, ok := f32(x)
	lvl := cellISA(N)
	if !ok || lvl == simd.Go {
		return false
	}
	if B == 0 || N == 0 {
		return true
	}
	a32, acc32 := as32(a), as32(acc)
	need(x32, B*N)
	need(a32, B*N)
	if acc != nil {
		need(acc32, N)
	}
	if lvl == simd.AVX512 {
		maskGradAVX512(B, N, &a32[0], &x32[0], ptr(acc32))
	} else {
		maskGradAVX2(B, N, &a32[0], &x32[0], ptr(acc32))
	}
	return true
}

func dotsOutFast[F sim.Float](B, N, K int, in, w, bias, out []F, accumulate bool) bool {
	in32, ok := f32(in)
	if !ok || cellPath < simd.AVX2 || K%8 != 0 || K == 0 {
		return false
	}
	if B == 0 || N == 0 {
		return true
	}
	w32, b32, o32 := as32(w), as32(bias), as32(out)
	need(in32, B*K)
	need(w32, N*K)
	need(o32, B*N)
	if bias != nil {
		need(b32, N)
	}
	dotsOutAVX2(B, N, K, &in32[0], &w32[0], ptr(b32), &o32[0], b2i(accumulate))
	return true
}

//go:noescape
func outerAccK1(rows, n int, u *float32, ldu int, v *float32, ldv int, acc *float32)

//go:noescape
func outerAccK2(rows, n int, u *float32, ldu int, v *float32, ldv int, acc *float32)

//go:noescape
func outerAccK3(rows, n int, u *float32, ldu int, v *float32, ldv int, acc *float32)

//go:noescape
func outerAccK4(rows, n int, u *float32, ldu int, v *float32, ldv int, acc *float32)

//go:noescape
func outerAccK5(rows, n int, u *float32, ldu int, v *float32, ldv int, acc *float32)

//go:noescape
func outerAccK6(rows, n int, u *float32, ldu int, v *float32, ldv int, acc *float32)

//go:noescape
func outerAccK1512(rows, n int, u *float32, ldu int, v *float32, ldv int, acc *float32)

//go:noescape
func outerAccK2512(rows, n int, u *float32, ldu int, v *float32, ldv int, acc *float32)

//go:noescape
func outerAccK3512(rows, n int, u *float32, ldu int, v *float32, ldv int, acc *float32)

//go:noescape
func outerAccK4512(rows, n int, u *float32, ldu int, v *float32, ldv int, acc *float32)

//go:noescape
func outerAccK5512(rows, n int, u *float32, ldu int, v *float32, ldv int, acc *float32)

//go:noescape
func outerAccK6512(rows, n int, u *float32, ldu int, v *float32, ldv int, acc *float32)

type outerAccKernel = func(rows, n int, u *float32, ldu int, v *float32, ldv int, acc *float32)

// outerAccKernels[k-1] takes blocks of two vectors' columns (16 for AVX2, 32
// for AVX-512) and k columns of u.
var (
	outerAccKernels    = [...]outerAccKernel{outerAccK1, outerAccK2, outerAccK3, outerAccK4, outerAccK5, outerAccK6}
	outerAccKernels512 = [...]outerAccKernel{outerAccK1512, outerAccK2512, outerAccK3512, outerAccK4512, outerAccK5512, outerAccK6512}
)

// outerAccFast runs u's columns in blocks of at most six (R, K, N >= 1).
func outerAccFast[F sim.Float](R, K, N int, u []F, ldu int, v []F, ldv int, acc []F) bool {
	u32, ok := f32(u)
	kernels := &outerAccKernels
	switch {
	case cellPath >= simd.AVX512 && N%32 == 0:
		kernels = &outerAccKernels512
	case cellPath >= simd.AVX2 && N%16 == 0:
	default:
		return false
	}
	if !ok || ldu < K || ldv < N {
		return false
	}
	v32, a32 := as32(v), as32(acc)
	need(u32, (R-1)*ldu+K)
	need(v32, (R-1)*ldv+N)
	need(a32, K*N)
	for c := 0; c < K; c += 6 {
		kb := min(6, K-c)
		kernels[kb-1](R, N, &u32[c], ldu, &v32[0], ldv, &a32[c*N])
	}
	return true
}
