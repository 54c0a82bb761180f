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

// Block is what one entry of a block heatmap shows: its value (non-finite:
// a blank block, no colour), a text written in its middle row, the text's
// colour, and whether the block is the cursor's (drawn reversed).
type Block struct {
	Value  float64
	Text   string
	TextFG lipgloss.Color
	Cursor bool
}

// HeatBlocks draws a rows×cols matrix as blocks of cw×ch cells (the last
// column of each block left as a gap) from cell (x, y): each block's
// background from ntcharts' heatmap over [lo, hi] with scale, its text
// centred on its middle row.
func HeatBlocks(s *Surface, x, y, rows, cols, cw, ch int, lo, hi float64, scale []lipgloss.Color, block func(i, j int) Block) {
	if rows <= 0 || cols <= 0 || cw < 2 || ch < 1 || len(scale) == 0 || block == nil {
		return
	}
	if lo, hi = usable(lo, hi); !(hi > lo) {
		return
	}
	gw, gh := cols*cw, rows*ch
	lc := linechart.New(gw, gh, 0, float64(gw), 0, float64(gh), linechart.WithXYSteps(0, 0))
	hm := heatmap.New(gw, gh, heatmap.WithStyle(lc), heatmap.WithValueRange(lo, hi), heatmap.WithColorScale(scale))
	blocks := make([]Block, rows*cols)
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			b := block(i, j)
			blocks[i*cols+j] = b
			if !Finite(b.Value) {
				continue // never a non-finite value for the heatmap
			}
			v := math.Max(lo, math.Min(hi, b.Value))
			for dy := 0; dy < ch; dy++ {
				for dx := 0; dx < cw-1; dx++ {
					hm.DrawPoint(heatmap.NewHeatPoint(float64(j*cw+dx), float64(gh-1-(i*ch+dy)), v))
				}
			}
		}
	}
	s.Blit(&hm.Canvas, x, y, nil)
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			b := blocks[i*cols+j]
			ty := y + i*ch + (ch-1)/2
			if b.Cursor && !Finite(b.Value) {
				for dx := 0; dx < cw-1; dx++ {
					s.Set(x+j*cw+dx, ty, ' ', Style{Reverse: true})
				}
			}
			tw := len([]rune(b.Text))
			tx := x + j*cw + max(0, (cw-1-tw)/2)
			for k, r := range []rune(b.Text) {
				if k >= cw-1 {
					break
				}
				st := s.At(tx+k, ty).S
				st.FG = b.TextFG
				if b.Cursor {
					st.Reverse, st.Bold = true, true
				}
				s.Set(tx+k, ty, r, st)
			}
		}
	}
}
