package chart

import (
	"fmt"
	"math"
	"sort"
)

// Far is the largest magnitude that may decide an axis range: a value
// beyond it (a diverging model's 1e300) is still drawn, as a line leaving
// the plot, but does not squash everything else into one row.
const Far = 1e100

// Finite reports whether v is a usable number.
func Finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// plottable reports whether v may decide a range.
func plottable(v float64) bool { return Finite(v) && math.Abs(v) <= Far }

// Range is the range of the plottable values of the series, padded by pad of
// its span; an empty range is (-1, 1) and a flat one is widened.
func Range(pad float64, series ...[]float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, s := range series {
		for _, v := range s {
			if plottable(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	return padRange(lo, hi, pad)
}

func padRange(lo, hi, pad float64) (float64, float64) {
	if lo > hi {
		return -1, 1
	}
	if hi-lo < 1e-9*math.Max(1, math.Abs(hi)) {
		d := math.Max(0.5*math.Abs(hi), 0.5)
		return lo - d, hi + d
	}
	p := pad * (hi - lo)
	return lo - p, hi + p
}

// EMA is the exponential moving average of y with weight w on the past
// (0 ≤ w < 1), debiased as TensorBoard and wandb do, so that the first
// values are not pulled towards zero. Non-finite values are skipped (they
// stay non-finite in the result, a gap) and do not reset the average.
func EMA(y []float64, w float64) []float64 {
	out := make([]float64, len(y))
	if w <= 0 {
		copy(out, y)
		return out
	}
	w = math.Min(w, 0.999)
	acc, norm := 0.0, 0.0
	for i, v := range y {
		if !plottable(v) {
			out[i] = v
			continue
		}
		acc = w*acc + (1-w)*v
		norm = w*norm + (1 - w)
		out[i] = acc / norm
	}
	return out
}

// Log10 is log10 of each value; values ≤ 0 and non-finite ones become NaN
// (a gap on a log axis).
func Log10(y []float64) []float64 {
	out := make([]float64, len(y))
	for i, v := range y {
		if v > 0 && Finite(v) {
			out[i] = math.Log10(v)
		} else {
			out[i] = math.NaN()
		}
	}
	return out
}

// At returns the index of the point of a series sorted by x nearest to x
// (−1 if there is none with a finite value).
func At(xs, ys []float64, x float64) int {
	n := min(len(xs), len(ys))
	if n == 0 || !Finite(x) {
		return -1
	}
	i := sort.SearchFloat64s(xs[:n], x)
	best, bd := -1, math.Inf(1)
	// the nearest finite point, looking outwards from the insertion point
	for _, j := range []int{i - 1, i} {
		for k := j; k >= 0 && k < n; {
			if Finite(ys[k]) && Finite(xs[k]) {
				if d := math.Abs(xs[k] - x); d < bd {
					best, bd = k, d
				}
				break
			}
			if k < i {
				k--
			} else {
				k++
			}
		}
	}
	return best
}

// Ticks returns round values (1, 2 or 5 times a power of ten) between lo
// and hi, about every span/n.
func Ticks(lo, hi float64, n int) []float64 {
	if !(hi > lo) || n < 1 || !Finite(hi-lo) {
		return nil
	}
	raw := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var out []float64
	for v := math.Ceil(lo/step) * step; v <= hi+step*1e-9 && len(out) < 100; v += step {
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		out = append(out, v)
	}
	return out
}

// Num formats a value in at most 7 cells: "–" for non-finite ones.
func Num(v float64) string {
	switch {
	case !Finite(v):
		return "–"
	case v == 0:
		return "0"
	case math.Abs(v) >= 1e-2 && math.Abs(v) < 1e4:
		return fmt.Sprintf("%.3g", v)
	case math.Abs(v) >= 1e4 && math.Abs(v) < 1e6 && v == math.Trunc(v):
		return fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 1e100 || math.Abs(v) < 1e-99:
		return fmt.Sprintf("%.0e", v) // a three-digit exponent: 7 cells
	}
	return fmt.Sprintf("%.1e", v)
}
