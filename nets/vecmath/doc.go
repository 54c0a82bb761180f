// Package vecmath evaluates the elementwise float32 functions of recurrent
// networks (Exp, Sigmoid, Tanh) over slices, accurate to a few ulps on the
// whole float32 range and fast enough that a GRU's gates cost well under a
// nanosecond per element.
//
// On amd64 with AVX2 and FMA the work is done eight lanes at a time in
// assembly: e^v = 2^n·(1 + q) with n = round(v·log2e), r = v - n·ln2 (two
// FMAs, Cody–Waite split constant) and q = expm1(r) = r + r²·P(r), P the
// degree-5 polynomial of Cephes expf. From that one reduction:
//
//   - Exp applies 2^n as two half-size powers, so overflow gives +Inf and
//     subnormal results are rounded once;
//   - Sigmoid uses e = exp(-|x|) ≤ 1 (never overflows) and returns 1/(1+e)
//     or e/(1+e) by the sign of x, one division each;
//   - Tanh uses m = expm1(-2|x|) = 2^n·q + (2^n - 1), free of the
//     cancellation of 1 - e^(-2|x|) near 0, and tanh(|x|) = -m/(2+m).
//
// Inputs are clamped where the result has already saturated (|x| = 104 for
// Sigmoid, 10 for Tanh, [-104, 89] for Exp) with NaN-preserving min/max, so
// ±Inf give the limits and NaN gives NaN. Elsewhere a portable version
// computes the same functions in float64 (results within about one ulp);
// tests run both paths against float64 math.
//
// Functions are destination first (dst, x) and allow dst and x to be the
// same slice; lengths must match.
package vecmath
