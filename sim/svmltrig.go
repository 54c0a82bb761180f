package sim

import "math"

// numpy's float64 sin and cos on x86-64 CPUs with AVX-512 run Intel's SVML
// "low accuracy" vector routines (__svml_sin8 / __svml_cos8, vendored by numpy
// 1.22–1.24 from github.com/numpy/SVML, BSD-3-Clause, Copyright Intel
// Corporation). They are accurate to < 4 ulp, not correctly rounded, and the
// reference's MultiTask datasets were generated with them: about a third of the
// stimulus directions differ by one or two ulps from glibc's or the correctly
// rounded values. svmlSin and svmlCos repeat the routines' main path operation
// for operation (same constants, same fused multiply-adds and roundings), which
// covers |x| < 2^24; larger arguments take SVML's long-reduction path, which is
// not ported (the tasks' angles lie in [−π, 4π)), and fall back to crSin/crCos.
//
// On CPUs without AVX-512 numpy uses the C library instead, so the reference's
// own datasets depend on the machine; the golden vectors pin the AVX-512 variant.

var (
	svmlInvPi = math.Float64frombits(0x3fd45f306dc9c883)
	// π split for fused reduction: π ≈ svmlPi1 + svmlPi2 + svmlPi3.
	svmlPi1 = math.Float64frombits(0x400921fb54442d18)
	svmlPi2 = math.Float64frombits(0x3ca1a62633145c06)
	svmlPi3 = math.Float64frombits(0x395c1cd129024e09)

	// __svml_cos8 polynomial (sin(R) = R + R³·P(R²)) and constants.
	svmlCosC = [7]float64{
		math.Float64frombits(0xbfc55555555554a7),
		math.Float64frombits(0x3f8111111110a4a8),
		math.Float64frombits(0xbf2a01a019a5b87b),
		math.Float64frombits(0x3ec71de38030fea0),
		math.Float64frombits(0xbe5ae63546002231),
		math.Float64frombits(0x3de60e6857a2f220),
		math.Float64frombits(0xbd69f0d60811aac8),
	}
	svmlCosShift     = 0x1p52                                   // right shifter: Y = 2^52 + floor(|x|/π)
	svmlCosShiftHalf = math.Float64frombits(0x432fffffffffffff) // 2^52 − 0.5: N = Y − this = floor(|x|/π) + 0.5
	svmlCosRange     = math.Float64frombits(0x43300000007ffffe) // Y above this: long reduction
	svmlCosTiny      = 0x1p-27                                  // |x| below this: cos = 1

	// __svml_sin8 polynomial and constants.
	svmlSinC = [7]float64{
		math.Float64frombits(0xbfc55555555554a8),
		math.Float64frombits(0x3f8111111110a573),
		math.Float64frombits(0xbf2a01a019a659dd),
		math.Float64frombits(0x3ec71de3806add1a),
		math.Float64frombits(0xbe5ae6355aaa4a53),
		math.Float64frombits(0x3de60e6bee01d83e),
		math.Float64frombits(0xbd69f1517e9f65f0),
	}
	svmlSinShift = 0x1.8p52 // Y = 1.5·2^52 + round(x/π)
	svmlSinRange = 0x1p24   // |x| above this: long reduction
)

// svmlCos is numpy's AVX-512 float64 cos (see the comment above):
// cos(x) = sin(|x| + π/2) = (−1)^k·sin(R), R = (k + ½)π − |x| with k = ⌊|x|/π⌋.
func svmlCos(x float64) float64 {
	ax := math.Abs(x)
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return math.NaN()
	}
	// Y = 2^52 + ax/π rounded toward zero (the routine's {rz-sae} FMA). The
	// round-to-nearest FMA is corrected down by one (the ulp here) when it rounded up.
	y := math.FMA(ax, svmlInvPi, svmlCosShift)
	if math.FMA(ax, svmlInvPi, svmlCosShift-y) < 0 {
		y--
	}
	if y > svmlCosRange {
		return crCos(x)
	}
	sgn := (math.Float64bits(y) & 1) << 63
	n := y - svmlCosShiftHalf
	t := math.FMA(n, svmlPi1, -ax)
	t = math.FMA(n, svmlPi2, t)
	r2 := t * t
	t2 := math.FMA(svmlPi3, n, t)
	C := &svmlCosC
	p := math.FMA(r2, C[6], C[5])
	p = math.FMA(r2, p, C[4])
	p = math.FMA(r2, p, C[3])
	p = math.FMA(r2, p, C[2])
	rs := math.Float64frombits(math.Float64bits(t2) ^ sgn)
	p = math.FMA(r2, p, C[1])
	r3 := r2 * rs
	p = math.FMA(r2, p, C[0])
	res := math.FMA(r3, p, rs)
	if ax < svmlCosTiny {
		return 1
	}
	return res
}

// svmlSin is numpy's AVX-512 float64 sin: sin(x) = (−1)^N·sin(R), R = x − Nπ,
// N = round(x/π).
func svmlSin(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return math.NaN()
	}
	if math.Abs(x) > svmlSinRange {
		return crSin(x)
	}
	y := math.FMA(x, svmlInvPi, svmlSinShift)
	sgn := (math.Float64bits(y) & 1) << 63
	n := y - svmlSinShift
	if x == 0 {
		sgn ^= math.Float64bits(x) // the routine's ±0 lane fix-up
	}
	t := math.FMA(-n, svmlPi1, x)
	t = math.FMA(-n, svmlPi2, t)
	r2 := t * t
	r := math.FMA(-n, svmlPi3, t)
	C := &svmlSinC
	p := math.FMA(C[6], r2, C[5])
	r3 := r * r2
	p = math.FMA(r2, p, C[4])
	p = math.FMA(r2, p, C[3])
	p = math.FMA(r2, p, C[2])
	p = math.FMA(r2, p, C[1])
	p = math.FMA(r2, p, C[0])
	res := math.FMA(r3, p, r)
	return math.Float64frombits(math.Float64bits(res) ^ sgn)
}
