package vecmath

import "math"

// Exp sets dst[i] = e^x[i]. dst and x must have the same length; they may be
// the same slice.
func Exp(dst, x []float32) {
	checkLen("Exp", dst, x)
	if useAsm {
		vectorized(expAVX2, dst, x)
		return
	}
	portable(exp32, dst, x)
}

// Sigmoid sets dst[i] = 1/(1+e^-x[i]). dst and x must have the same length;
// they may be the same slice.
func Sigmoid(dst, x []float32) {
	checkLen("Sigmoid", dst, x)
	if useAsm {
		vectorized(sigmoidAVX2, dst, x)
		return
	}
	portable(sigmoid32, dst, x)
}

// Tanh sets dst[i] = tanh(x[i]). dst and x must have the same length; they
// may be the same slice.
func Tanh(dst, x []float32) {
	checkLen("Tanh", dst, x)
	if useAsm {
		vectorized(tanhAVX2, dst, x)
		return
	}
	portable(tanh32, dst, x)
}

func checkLen(name string, dst, x []float32) {
	if len(dst) != len(x) {
		panic("vecmath: " + name + ": len(dst) != len(x)")
	}
}

// vectorized runs an 8-wide kernel over the whole multiple-of-8 part of x and
// over the remainder through a zero-padded 8-element buffer, so every element
// takes the same code path whatever its position.
func vectorized(kernel func(dst, x *float32, n int), dst, x []float32) {
	n := len(x) &^ 7
	if n > 0 {
		kernel(&dst[0], &x[0], n)
	}
	if rest := len(x) - n; rest > 0 {
		var buf [8]float32
		copy(buf[:], x[n:])
		kernel(&buf[0], &buf[0], 8)
		copy(dst[n:], buf[:rest])
	}
}

// The portable versions work in float64, where neither e^x nor the
// cancellations of tanh near 0 can hurt a float32 result: each is within
// about 0.5 ulp plus the final rounding.

// exp64 is e^x for |x| <= 220 with relative error below 1e-11: x = n·ln2 + r,
// |r| <= ln2/2, and the degree-9 Taylor polynomial of e^r, evaluated in
// Estrin's scheme to keep the dependency chain short.
func exp64(x float64) float64 {
	const (
		log2e = 1.4426950408889634
		ln2hi = 6.93147180369123816490e-01 // ln2 to 32 bits: n·ln2hi is exact
		ln2lo = 1.90821492927058770002e-10
	)
	n := math.Floor(x*log2e + 0.5)
	r := (x - n*ln2hi) - n*ln2lo
	r2 := r * r
	r4 := r2 * r2
	lo := (1 + r) + r2*(1.0/2+r*(1.0/6))
	hi := (1.0/24 + r*(1.0/120)) + r2*(1.0/720+r*(1.0/5040)) + r4*(1.0/40320+r*(1.0/362880))
	p := lo + r4*hi
	// |n| <= 318: 2^n is a normal float64, built from its bits.
	return p * math.Float64frombits(uint64(int64(n)+1023)<<52)
}

// portable applies f, a function of float32 values computed in float64, in
// blocks: conversions in and out are done in their own loops so that the
// float64 work reads whole registers from memory. (CVTSS2SD writes only the
// low half of its destination; called per element, it made each element wait
// for the previous one's result and ran tanh 2-4× slower.)
func portable(f func(float64) float64, dst, x []float32) {
	var buf [64]float64
	for len(x) > 0 {
		n := min(len(x), len(buf))
		b := buf[:n]
		for i := range b {
			b[i] = float64(x[i])
		}
		for i, v := range b {
			b[i] = f(v)
		}
		for i, v := range b {
			dst[i] = float32(v)
		}
		x, dst = x[n:], dst[n:]
	}
}

// exp32, sigmoid32 and tanh32 take and return float32 values (held in
// float64) and handle the special and saturated ranges themselves.
func exp32(x float64) float64 {
	switch {
	case x != x:
		return x
	case x > 89:
		return math.Inf(1)
	case x < -104:
		return 0
	}
	return exp64(x)
}

func sigmoid32(x float64) float64 {
	switch {
	case x != x:
		return x
	case x > 20:
		return 1 // 1 - sigmoid(20) < 2^-25: rounds to 1
	case x < -104:
		return 0
	}
	return 1 / (1 + exp64(-x))
}

func tanh32(x float64) float64 {
	switch {
	case x != x, x == 0:
		return x // NaN, ±0
	case x > 10:
		return 1
	case x < -10:
		return -1
	}
	// Plain comparisons rather than math.Abs/Copysign, which move the value
	// through an integer register.
	neg := x < 0
	ax := x
	if neg {
		ax = -x
	}
	var t float64
	if ax < 0.0625 {
		// Odd Taylor series: the next term, 62/2835·x⁹, is below 1e-11·|x|.
		x2 := x * x
		t = ax * (1 + x2*(-1.0/3+x2*(2.0/15+x2*(-17.0/315))))
	} else {
		e := exp64(-2 * ax)
		t = (1 - e) / (1 + e)
	}
	if neg {
		t = -t
	}
	return t
}
