package chart

import (
	"math"

	"github.com/NimbleMarkets/ntcharts/canvas"
	"github.com/NimbleMarkets/ntcharts/heatmap"
	"github.com/NimbleMarkets/ntcharts/linechart"
	"github.com/charmbracelet/lipgloss"
)

// Matrix is what a heatmap shows: Rows×Cols values, At(i, j) for row i
// (drawn from the top) and column j; a non-finite value is a blank cell.
type Matrix struct {
	Rows, Cols int
	At         func(i, j int) float64
}

// Heatmap draws m into the w×h cells of s at (x, y), each cell showing the
// entry under its centre, coloured by ntcharts' heatmap over [lo, hi] with
// scale (low to high). Every cell also carries a shade glyph of its value
// (░▒▓█, or .:-=+*#%@ with --ascii) so that the picture survives a terminal
// without colour. Values outside [lo, hi] take the end colours.
func Heatmap(s *Surface, x, y, w, h int, m Matrix, lo, hi float64, scale []lipgloss.Color) {
	if w <= 0 || h <= 0 || m.Rows <= 0 || m.Cols <= 0 || m.At == nil || len(scale) == 0 {
		return
	}
	if lo, hi = usable(lo, hi); !(hi > lo) {
		return
	}
	// A line chart without axes, data space = cells, so that each pushed
	// point lands on exactly one cell.
	lc := linechart.New(w, h, 0, float64(w), 0, float64(h), linechart.WithXYSteps(0, 0))
	hm := heatmap.New(w, h, heatmap.WithStyle(lc), heatmap.WithValueRange(lo, hi), heatmap.WithColorScale(scale))
	vals := make([]float64, w*h)
	for cy := 0; cy < h; cy++ {
		i := min(m.Rows-1, int((float64(cy)+0.5)*float64(m.Rows)/float64(h)))
		for cx := 0; cx < w; cx++ {
			j := min(m.Cols-1, int((float64(cx)+0.5)*float64(m.Cols)/float64(w)))
			v := m.At(i, j)
			vals[cy*w+cx] = v
			if !Finite(v) {
				continue
			}
			v = math.Max(lo, math.Min(hi, v))
			// canvas row cy is data y = h-1-cy (the origin is bottom left)
			hm.DrawPoint(heatmap.NewHeatPoint(float64(cx), float64(h-1-cy), v))
		}
	}
	ramp := []rune("░▒▓█")
	if s.ASCII {
		ramp = []rune(".:-=+*#%@")
	}
	for cy := 0; cy < h; cy++ {
		for cx := 0; cx < w; cx++ {
			v := vals[cy*w+cx]
			if !Finite(v) {
				continue
			}
			c := hm.Canvas.Cell(canvas.Point{X: cx, Y: cy})
			col, _ := c.Style.GetBackground().(lipgloss.Color)
			f := (math.Max(lo, math.Min(hi, v)) - lo) / (hi - lo)
			g := ramp[min(len(ramp)-1, int(f*float64(len(ramp))))]
			s.Set(x+cx, y+cy, g, Style{FG: col})
		}
	}
}

// Scale is a colour scale of n steps between the 256-colour palette's
// grey ramp ends (dark) and the given colour list (sampled evenly).
func Scale(colors []lipgloss.Color, n int) []lipgloss.Color {
	if len(colors) == 0 || n <= 0 {
		return nil
	}
	out := make([]lipgloss.Color, n)
	for i := range out {
		out[i] = colors[i*(len(colors)-1)/max(n-1, 1)]
	}
	return out
}
