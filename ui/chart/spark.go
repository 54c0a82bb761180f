package chart

import (
	"math"

	"github.com/NimbleMarkets/ntcharts/canvas"
	"github.com/NimbleMarkets/ntcharts/sparkline"
	"github.com/charmbracelet/lipgloss"
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
	s := NewSurface(w, 1, ascii)
	if len(vals) == 0 {
		return s.String()
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
	sl := sparkline.New(n, 1, sparkline.WithMaxValue(1), sparkline.WithNoAutoMaxValue(),
		sparkline.WithStyle(lipgloss.NewStyle().Foreground(st.FG)))
	for _, v := range b {
		f := 1.0
		if hi > lo {
			f = 0.125 + 0.875*(v-lo)/(hi-lo)
		}
		sl.Push(f)
	}
	sl.DrawColumnsOnly()
	s.Blit(&sl.Canvas, w-n, 0, func(c canvas.Cell) Cell {
		if c.Rune == 0 || c.Rune == ' ' {
			return Cell{}
		}
		r := c.Rune
		if ascii {
			r = asciiBar(r)
		}
		return Cell{R: r, S: st}
	})
	return s.String()
}

// asciiBar maps a lower block element (▁ … █) to _ . - = #.
func asciiBar(r rune) rune {
	k := int(r - '▁') // 0 … 7
	return []rune("__..--=#")[max(0, min(7, k))]
}
