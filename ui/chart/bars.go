package chart

import (
	"math"

	"github.com/NimbleMarkets/ntcharts/barchart"
	"github.com/NimbleMarkets/ntcharts/canvas"
	"github.com/NimbleMarkets/ntcharts/canvas/runes"
	"github.com/charmbracelet/lipgloss"
)

// Bars draws one horizontal bar per value on the surface, from cell (x, y)
// downwards, w cells for a value of 1 (values are clamped to [0, 1]; a
// non-finite one draws nothing). ntcharts' barchart draws them, ending each
// to an eighth of a cell; with --ascii a cell at least half full is '#'.
func Bars(s *Surface, x, y, w int, vals []float64, st Style) {
	if w <= 0 || len(vals) == 0 {
		return
	}
	bc := barchart.New(w, len(vals), barchart.WithHorizontalBars(), barchart.WithNoAxis(),
		barchart.WithMaxValue(1), barchart.WithNoAutoMaxValue(),
		barchart.WithBarWidth(1), barchart.WithBarGap(0), barchart.WithNoAutoBarWidth())
	ls := lipgloss.NewStyle().Foreground(st.FG)
	data := make([]barchart.BarData, len(vals))
	for i, v := range vals {
		if !Finite(v) {
			v = 0
		}
		data[i] = barchart.BarData{Values: []barchart.BarValue{{Value: math.Max(0, math.Min(1, v)), Style: ls}}}
	}
	bc.PushAll(data)
	bc.Draw()
	s.Blit(&bc.Canvas, x, y, func(c canvas.Cell) Cell {
		if c.Rune == 0 || c.Rune == ' ' {
			return Cell{}
		}
		r := c.Rune
		if s.ASCII {
			if !halfFull(r) {
				return Cell{}
			}
			r = '#'
		}
		return Cell{R: r, S: st}
	})
}

// halfFull reports whether a left block element fills at least half a cell.
func halfFull(r rune) bool {
	return r == runes.FullBlock || (runes.IsLeftBlockElement(r) && r <= '▌')
}
