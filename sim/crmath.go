package sim

import "math"

// Correctly rounded elementary functions.
//
// numpy computes its Gaussians with the C library's log (and MultiTask's stimulus
// directions with cos and sin). glibc's versions return the correctly rounded
// result in all but vanishingly rare cases, while Go's math.Log, math.Cos and
// math.Sin are off by one ulp for several percent of arguments. To reproduce the
// reference's datasets bit for bit we evaluate these functions in double-double
// arithmetic (about 106 bits) and round once.

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

// crLog returns the correctly rounded natural logarithm of x > 0 (finite).
func crLog(x float64) float64 {
	if !(x > 0) || math.IsInf(x, 1) {
		return math.Log(x)
	}
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
	r = ddAdd(r, ddMulF(ddLn2, float64(e)))
	return r.hi + r.lo
}
