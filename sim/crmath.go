package sim

import (
	"math"
	"math/big"
)

// Correctly rounded elementary functions (double-double evaluation, one rounding).
//
// These are accuracy references, not what reproduces the reference's datasets:
// measured against glibc 2.36 and the golden vectors, numpy's Gaussians use
// glibc's log, which differs from the correctly rounded log for ~0.06% of
// arguments (see libmLog), and numpy's float64 sin/cos on AVX-512 machines are
// SVML routines with errors up to 3 ulp (see svmlSin, svmlCos). The tests use
// crLog, crSin and crCos to bound those ports' errors, and they remain the
// functions to use wherever a correctly rounded value is wanted.

// dd is an unevaluated sum hi + lo with |lo| <= ulp(hi)/2.
type dd struct{ hi, lo float64 }

func twoSum(a, b float64) dd {
	s := a + b
	bb := s - a
	return dd{s, (a - (s - bb)) + (b - bb)}
}

func quickTwoSum(a, b float64) dd {
	s := a + b
	return dd{s, b - (s - a)}
}

func ddAdd(a, b dd) dd {
	s := twoSum(a.hi, b.hi)
	t := twoSum(a.lo, b.lo)
	s.lo += t.hi
	s = quickTwoSum(s.hi, s.lo)
	s.lo += t.lo
	return quickTwoSum(s.hi, s.lo)
}

func ddMul(a, b dd) dd {
	p := a.hi * b.hi
	e := math.FMA(a.hi, b.hi, -p)
	e += a.hi*b.lo + a.lo*b.hi
	return quickTwoSum(p, e)
}

func ddMulF(a dd, b float64) dd {
	p := a.hi * b
	e := math.FMA(a.hi, b, -p)
	e += a.lo * b
	return quickTwoSum(p, e)
}

func ddDiv(a, b dd) dd {
	q1 := a.hi / b.hi
	r := ddAdd(a, ddMulF(b, -q1))
	q2 := r.hi / b.hi
	r = ddAdd(r, ddMulF(b, -q2))
	q3 := r.hi / b.hi
	q := quickTwoSum(q1, q2)
	return ddAdd(q, dd{q3, 0})
}

var (
	ddLn2 = dd{0x1.62e42fefa39efp-1, 0x1.abc9e3b39803fp-56}
	// 1/(2k+1) for the atanh series, in double-double.
	atanhCoef = func() [24]dd {
		var c [24]dd
		for k := range c {
			c[k] = ddDiv(dd{1, 0}, dd{float64(2*k + 1), 0})
		}
		return c
	}()
)

// crLog returns the correctly rounded natural logarithm of x.
//
// The common case is fast (~40–60 ns): a table-driven evaluation (logFast)
// with a rigorous error bound, accepted when the whole error interval rounds to
// one double (Ziv's test); the rare doubtful cases are redone by the slow
// double-double series (crLogExact, ~0.5–1 µs). Both give the same result.
func crLog(x float64) float64 {
	if y, ok := logFast(x); ok {
		return y
	}
	return crLogExact(x)
}

// crLogExact is crLog by a double-double atanh series (~106 bits), rounded once.
// About 500 ns per call: the reference evaluation for logFast.
func crLogExact(x float64) float64 {
	if !(x > 0) || math.IsInf(x, 1) {
		return math.Log(x)
	}
	r := logDD(x)
	return r.hi + r.lo
}

// logDD returns log(x) for finite x > 0 as an unrounded double-double.
func logDD(x float64) dd {
	m, e := math.Frexp(x) // x = m·2^e, m in [0.5, 1)
	if m < math.Sqrt2/2 {
		m *= 2
		e--
	}
	// log(m) = 2·atanh(s), s = (m−1)/(m+1); |s| <= 0.1716.
	s := ddDiv(dd{m - 1, 0}, twoSum(m, 1))
	s2 := ddMul(s, s)
	p := atanhCoef[len(atanhCoef)-1]
	for k := len(atanhCoef) - 2; k >= 0; k-- {
		p = ddAdd(ddMul(p, s2), atanhCoef[k])
	}
	r := ddMulF(ddMul(s, p), 2)
	return ddAdd(r, ddMulF(ddLn2, float64(e)))
}

// logTableBits is the number of leading mantissa bits that index logTable.
const logTableBits = 7

// logEntry is one reduction point: c ≈ 1/m for the mantissas m of its bucket,
// and −log(c) in double-double.
type logEntry struct {
	c      float64
	nlc    dd
	scaled bool // bucket mantissas are halved (m in [1/√2, 1)) and the exponent raised
}

// logTable covers mantissas m in [1, 2) in 128 buckets of width 1/128. Buckets
// at or above √2 are used for m/2 in [0.707, 1) with the exponent raised by one,
// so that x just below 1 reduces to r = x−1 without cancellation against ln 2.
// The buckets containing 1 (the first, and the last one halved) use c = 1 so
// that log(x) near 1 is computed from r = x−1 exactly, with full relative accuracy.
var logTable = func() (t [1 << logTableBits]logEntry) {
	n := float64(len(t))
	for i := range t {
		lo := 1 + float64(i)/n
		e := logEntry{scaled: lo >= math.Sqrt2}
		mid := 1 + (float64(i)+0.5)/n
		if e.scaled {
			mid /= 2
		}
		switch {
		case i == 0 || i == len(t)-1:
			e.c = 1
		default:
			e.c = 1 / mid
			l := logDD(e.c)
			e.nlc = dd{-l.hi, -l.lo}
		}
		t[i] = e
	}
	return t
}()

// log1pCoef[k] = (−1)^k/(k+3): log1p(r) = r − r²/2 + r³·Σ_k log1pCoef[k]·r^k.
var log1pCoef = [10]float64{1.0 / 3, -1.0 / 4, 1.0 / 5, -1.0 / 6, 1.0 / 7, -1.0 / 8, 1.0 / 9, -1.0 / 10, 1.0 / 11, -1.0 / 12}

// logFast evaluates log(x) with a rigorous error bound and reports whether the
// rounded result is certainly the correctly rounded one.
//
// x = 2^e·m, m·c = 1 + r with r exact in double-double (|r| < 2^-7), so
// log(x) = e·ln2 − log(c) + log1p(r). The first two terms of log1p are kept in
// double-double; the tail r³·P(r), |r³| < 2^-21, only needs double precision.
func logFast(x float64) (float64, bool) {
	if !(x > 0) || x > math.MaxFloat64 {
		return math.Log(x), true // 0, negatives, NaN, +Inf
	}
	bits := math.Float64bits(x)
	e := int(bits >> 52)
	if e == 0 { // subnormal: scale into the normal range
		bits = math.Float64bits(x * 0x1p52)
		e = int(bits>>52) - 52
	}
	e -= 1023
	const fracMask = 1<<52 - 1
	i := int(bits>>(52-logTableBits)) & (1<<logTableBits - 1)
	ent := &logTable[i]
	mbits := bits&fracMask | 1023<<52
	if ent.scaled {
		mbits = bits&fracMask | 1022<<52
		e++
	}
	m := math.Float64frombits(mbits)

	// r = m·c − 1 exactly: the product is exact as p + pe (FMA), and p − 1 is
	// exact because p is within a factor 2 of 1 (Sterbenz).
	p := m * ent.c
	pe := math.FMA(m, ent.c, -p)
	r := twoSum(p-1, pe)

	// r − r²/2 + r³·P(r): the leading terms exactly as a head plus rounding
	// errors collected in a double tail.
	sh := r.hi * r.hi
	sl := math.FMA(r.hi, r.hi, -sh) + 2*r.hi*r.lo
	head := quickTwoSum(r.hi, -0.5*sh) // |r²/2| < |r|: exact
	q := log1pCoef[len(log1pCoef)-1]
	for k := len(log1pCoef) - 2; k >= 0; k-- {
		q = math.FMA(q, r.hi, log1pCoef[k])
	}
	r3 := sh * r.hi
	tail := head.lo + r.lo - 0.5*sl + r3*q

	// Add e·ln2 (exact product of e and the leading double of ln2, plus the
	// trailing part) and −log(c): heads with twoSum, the rest into the tail.
	ef := float64(e)
	a := ef * ddLn2.hi
	aLo := math.FMA(ef, ddLn2.hi, -a)
	s1 := twoSum(a, ent.nlc.hi)
	s2 := twoSum(s1.hi, head.hi)
	tail += s1.lo + s2.lo + aLo + ef*ddLn2.lo + ent.nlc.lo
	s := quickTwoSum(s2.hi, tail)

	// Error bound: the double-precision tail (relative rounding of a few ulps,
	// the neglected r.lo in r³, truncation after r^12: all below |r³|·2^-50),
	// plus the double-double terms and table entries (each good to ~2^-104
	// relative; 2^-100 of their magnitudes bounds them together with the additions).
	mag := math.Abs(a) + math.Abs(ent.nlc.hi) + math.Abs(head.hi)
	errB := math.Abs(r3)*0x1p-50 + mag*0x1p-100
	y1 := s.hi + (s.lo - errB)
	y2 := s.hi + (s.lo + errB)
	if y1 != y2 {
		return 0, false
	}
	return y1, true
}

// π/2 as a triple-double (the three leading doubles of its binary expansion).
const (
	piO2a  = 0x1.921fb54442d18p+0
	piO2b  = 0x1.1a62633145c07p-54
	piO2c  = -0x1.f1976b7ed8fbcp-110
	twoOPi = 0x1.45f306dc9c883p-1
)

// crSinCosMax bounds the arguments reduced by the triple-double π/2 (k < 2^20,
// so k·π/2 is represented to ~2^-140 absolute). Larger arguments fall back to
// the math package, which the tasks never need (their angles lie in [−π, 4π)).
const crSinCosMax = 0x1p20

// Taylor coefficients (−1)^k/(2k+1)! and (−1)^k/(2k)! in double-double, exact
// to the last bit (computed with math/big).
var sinCoef, cosCoef = func() (s, c [16]dd) {
	fact := new(big.Float).SetPrec(256).SetInt64(1)
	for n := 1; n <= 2*len(s)+1; n++ {
		fact.Mul(fact, new(big.Float).SetPrec(256).SetInt64(int64(n)))
		k := n / 2
		inv := new(big.Float).SetPrec(256).Quo(big.NewFloat(1).SetPrec(256), fact)
		if k%2 == 1 {
			inv.Neg(inv)
		}
		hi, _ := inv.Float64()
		rest := new(big.Float).SetPrec(256).Sub(inv, big.NewFloat(hi).SetPrec(256))
		lo, _ := rest.Float64()
		if n%2 == 1 && k < len(s) {
			s[k] = dd{hi, lo}
		} else if n%2 == 0 && k < len(c) {
			c[k] = dd{hi, lo}
		}
	}
	c[0] = dd{1, 0}
	return s, c
}()

// reducePiO2 returns r (double-double) and k with x = k·π/2 + r, |r| <= ~π/4.
func reducePiO2(x float64) (dd, int) {
	k := math.RoundToEven(x * twoOPi)
	if k == 0 {
		return dd{x, 0}, 0
	}
	ah := k * piO2a
	al := math.FMA(k, piO2a, -ah)
	bh := k * piO2b
	bl := math.FMA(k, piO2b, -bh)
	// x − ah is exact (Sterbenz: k·π/2 is within a factor 2 of x); the rest are
	// accumulated in double-double.
	r := twoSum(x-ah, -al)
	r = ddAdd(r, dd{-bh, -bl})
	r = ddAdd(r, dd{-k * piO2c, 0})
	return r, int(int64(k) & 3)
}

// sinCosDD returns sin(r) and cos(r) in double-double for |r| <= ~π/4.
func sinCosDD(r dd) (sin, cos dd) {
	r2 := ddMul(r, r)
	ps, pc := sinCoef[len(sinCoef)-1], cosCoef[len(cosCoef)-1]
	for k := len(sinCoef) - 2; k >= 0; k-- {
		ps = ddAdd(ddMul(ps, r2), sinCoef[k])
		pc = ddAdd(ddMul(pc, r2), cosCoef[k])
	}
	return ddMul(r, ps), pc
}

// crSin returns the correctly rounded sine of x (in practice: the result is
// computed to ~2^-100 relative and rounded once, as glibc's sin agrees).
func crSin(x float64) float64 {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > crSinCosMax {
		return math.Sin(x)
	}
	r, q := reducePiO2(x)
	s, c := sinCosDD(r)
	switch q {
	case 0:
		return s.hi + s.lo
	case 1:
		return c.hi + c.lo
	case 2:
		return -(s.hi + s.lo)
	default:
		return -(c.hi + c.lo)
	}
}

// crCos returns the correctly rounded cosine of x (see crSin).
func crCos(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > crSinCosMax {
		return math.Cos(x)
	}
	r, q := reducePiO2(x)
	s, c := sinCosDD(r)
	switch q {
	case 0:
		return c.hi + c.lo
	case 1:
		return -(s.hi + s.lo)
	case 2:
		return -(c.hi + c.lo)
	default:
		return s.hi + s.lo
	}
}
