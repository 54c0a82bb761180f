//go:build amd64 && !purego

package nets

import (
	"unsafe"

	"github.com/ctdtui/ctdtui/sim"
	"golang.org/x/sys/cpu"
)

// useCellAsm selects the AVX2+FMA cell kernels for float32. Tests switch it
// off to exercise the portable path on the same machine.
var useCellAsm = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func gruFwdAVX2(rows, h, in int, x, wihT, bias, gates, ghn, hp, hn *float32)

//go:noescape
func gruBwdAVX2(rows, h, out int, dh, dlat, dy, wout, gates, ghn, hp, acc *float32)

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

func gruForwardFast[F sim.Float](B, H, I int, x, wihT, bias, g, ghn, hp, hn []F) bool {
	x32, ok := f32(x)
	if !ok || !useCellAsm || H%8 != 0 || I < 1 {
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
	gruFwdAVX2(B, H, I, &x32[0], &w32[0], &b32[0], &g32[0], &ghn32[0], &hp32[0], &hn32[0])
	return true
}

func gruBackwardFast[F sim.Float](B, H, O int, dh, dlat, dy, wout, g, ghn, hp, acc []F) bool {
	dh32, ok := f32(dh)
	if !ok || !useCellAsm || H%8 != 0 {
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
	gruBwdAVX2(B, H, O, &dh32[0], ptr(dlat32), ptr(dy32), ptr(w32), &g32[0], &ghn32[0], &hp32[0], ptr(acc32))
	return true
}

// as32 views a float slice as []float32; only called once f32 succeeded.
func as32[F sim.Float](s []F) []float32 {
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

//go:noescape
func rnnFwdAVX2(rows, h, in int, x, wihT, bias, a *float32)

//go:noescape
func rnnBwdAVX2(rows, h, out int, dh, dlat, dy, wout, state, da, acc *float32)

func rnnForwardFast[F sim.Float](B, H, I int, x, wihT, bias, a []F) bool {
	x32, ok := f32(x)
	if !ok || !useCellAsm || H%8 != 0 || I < 1 {
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
	rnnFwdAVX2(B, H, I, &x32[0], &w32[0], &b32[0], &a32[0])
	return true
}

func rnnBackwardFast[F sim.Float](B, H, O int, dh, dlat, dy, wout, h, da, acc []F) bool {
	dh32, ok := f32(dh)
	if !ok || !useCellAsm || H%8 != 0 {
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
	rnnBwdAVX2(B, H, O, &dh32[0], ptr(dlat32), ptr(dy32), ptr(w32), &h32[0], &da32[0], ptr(acc32))
	return true
}
