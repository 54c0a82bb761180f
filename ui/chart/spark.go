package chart

import (
	"math"
	"strings"

	"github.com/NimbleMarkets/ntcharts/canvas"
	"github.com/NimbleMarkets/ntcharts/sparkline"
)

// Sparkline renders values as a w-cell, one-row sparkline with ntcharts'
// sparkline: the values are averaged into w buckets and scaled so that the
// smallest is the lowest bar and the largest a full cell (a log scale when
// log is set, for losses). Non-finite values are left out. With --ascii
// the bars are the characters _.-=#.
func Sparkline(values []float64, w int, log bool, st Style, ascii bool) string {
	if w <= 0 {
		return ""
	}
	vals := make([]float64, 0, len(values))
	for _, v := range values {
		if !plottable(v) {
			continue
		}
		if log {
			if !(v > 0) {
				continue
			}
			v = math.Log10(v)
		}
		if plottable(v) {
			vals = append(vals, v)
		}
	}
	if len(vals) == 0 {
		return strings.Repeat(" ", w)
	}
	// Average into at most w buckets.
	n := min(w, len(vals))
	b := make([]float64, n)
	for i := range b {
		a, e := i*len(vals)/n, (i+1)*len(vals)/n
		sum := 0.0
		for _, v := range vals[a:e] {
			sum += v
		}
		b[i] = sum / float64(e-a)
	}
	lo, hi := b[0], b[0]
	for _, v := range b {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	f := make([]float64, n)
	for i, v := range b {
		f[i] = 1
		if hi > lo {
			f[i] = 0.125 + 0.875*(v-lo)/(hi-lo)
		}
	}
	line := Columns(f, 1, func(int) Style { return st }, ascii)
	return strings.Repeat(" ", w-n) + line
}

// Columns renders one cell per value, a column of height value/top of a
// cell (ntcharts' sparkline draws it, to an eighth of a cell; with --ascii
// the characters _.-=#), in style(i); zero, negative and non-finite values
// are blank.
func Columns(values []float64, top float64, style func(i int) Style, ascii bool) string {
	n := len(values)
	s := NewSurface(n, 1, ascii)
	if n == 0 || !(top > 0) {
		return s.String()
	}
	sl := sparkline.New(n, 1, sparkline.WithMaxValue(top), sparkline.WithNoAutoMaxValue())
	for _, v := range values {
		if !plottable(v) || v < 0 {
			v = 0
		}
		sl.Push(math.Min(v, top))
	}
	sl.DrawColumnsOnly()
	for x := 0; x < n; x++ {
		r := sl.Canvas.Cell(canvas.Point{X: x, Y: 0}).Rune
		if r == 0 || r == ' ' {
			continue
		}
		if ascii {
			r = asciiBar(r)
		}
		s.Set(x, 0, r, style(x))
	}
	return s.String()
}

// asciiBar maps a lower block element (▁ … █) to _ . - = #.
func asciiBar(r rune) rune {
	k := int(r - '▁') // 0 … 7
	return []rune("__..--=#")[max(0, min(7, k))]
}
