package ui

import (
	"math"
	"strings"

	"github.com/charmbracelet/lipgloss"
)

// canvas is a small dot grid drawn with braille characters (2×4 dots a cell)
// or, in ASCII mode, with ' . and : (1×2 dots a cell). Each cell keeps the
// colour of the last thing drawn into it and may carry a text overlay.
//
// It replaces a charting library on purpose: it allocates only w×h cells
// whatever the data, ignores non-finite points, and renders one styled run per
// colour change, so a chart redraw costs microseconds.
type canvas struct {
	w, h   int // cells
	dx, dy int // dots per cell
	dots   []uint8
	color  []lipgloss.Color // per cell; "" is uncoloured
	text   []rune           // per cell overlay; 0 is none
	tcolor []lipgloss.Color
	ascii  bool
}

func newCanvas(w, h int, ascii bool) *canvas {
	w, h = max(w, 0), max(h, 0)
	c := &canvas{w: w, h: h, dx: 2, dy: 4, ascii: ascii}
	if ascii {
		c.dx, c.dy = 1, 2
	}
	c.dots = make([]uint8, w*h)
	c.color = make([]lipgloss.Color, w*h)
	c.text = make([]rune, w*h)
	c.tcolor = make([]lipgloss.Color, w*h)
	return c
}

// Width and Height in dots.
func (c *canvas) Width() int  { return c.w * c.dx }
func (c *canvas) Height() int { return c.h * c.dy }

// braille dot bits for (column, row) inside a cell.
var brailleBit = [2][4]uint8{{0x01, 0x02, 0x04, 0x40}, {0x08, 0x10, 0x20, 0x80}}

// set lights dot (x, y) (y grows downwards) in colour col; dots outside the
// grid are ignored.
func (c *canvas) set(x, y int, col lipgloss.Color) {
	if x < 0 || y < 0 || x >= c.Width() || y >= c.Height() {
		return
	}
	cell := (y/c.dy)*c.w + x/c.dx
	if c.ascii {
		c.dots[cell] |= 1 << (y % 2)
	} else {
		c.dots[cell] |= brailleBit[x%2][y%4]
	}
	c.color[cell] = col
}

// line draws a segment between two dots (Bresenham). Points far outside the
// grid are clipped first so that a wild value costs nothing.
func (c *canvas) line(x0, y0, x1, y1 float64, col lipgloss.Color) {
	for _, v := range []float64{x0, y0, x1, y1} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return
		}
	}
	var ok bool
	if x0, y0, x1, y1, ok = clipSegment(x0, y0, x1, y1, -1, -1, float64(c.Width()), float64(c.Height())); !ok {
		return
	}
	ix0, iy0, ix1, iy1 := int(math.Round(x0)), int(math.Round(y0)), int(math.Round(x1)), int(math.Round(y1))
	dx, dy := abs(ix1-ix0), -abs(iy1-iy0)
	sx, sy := sign(ix1-ix0), sign(iy1-iy0)
	err := dx + dy
	for {
		c.set(ix0, iy0, col)
		if ix0 == ix1 && iy0 == iy1 {
			return
		}
		e2 := 2 * err
		if e2 >= dy {
			err += dy
			ix0 += sx
		}
		if e2 <= dx {
			err += dx
			iy0 += sy
		}
	}
}

// clipSegment clips a segment to the rectangle [xmin,xmax]×[ymin,ymax]
// (Liang–Barsky).
func clipSegment(x0, y0, x1, y1, xmin, ymin, xmax, ymax float64) (float64, float64, float64, float64, bool) {
	t0, t1 := 0.0, 1.0
	dx, dy := x1-x0, y1-y0
	for _, pq := range [4][2]float64{{-dx, x0 - xmin}, {dx, xmax - x0}, {-dy, y0 - ymin}, {dy, ymax - y0}} {
		p, q := pq[0], pq[1]
		if p == 0 {
			if q < 0 {
				return 0, 0, 0, 0, false
			}
			continue
		}
		r := q / p
		if p < 0 {
			if r > t1 {
				return 0, 0, 0, 0, false
			}
			t0 = math.Max(t0, r)
		} else {
			if r < t0 {
				return 0, 0, 0, 0, false
			}
			t1 = math.Min(t1, r)
		}
	}
	return x0 + t0*dx, y0 + t0*dy, x0 + t1*dx, y0 + t1*dy, true
}

// label writes text into the cells starting at cell (cx, cy), clipped.
func (c *canvas) label(cx, cy int, s string, col lipgloss.Color) {
	if cy < 0 || cy >= c.h {
		return
	}
	for i, r := range []rune(s) {
		x := cx + i
		if x < 0 || x >= c.w {
			continue
		}
		c.text[cy*c.w+x] = r
		c.tcolor[cy*c.w+x] = col
	}
}

// free reports whether n cells from (cx, cy) hold no text overlay.
func (c *canvas) free(cx, cy, n int) bool {
	if cy < 0 || cy >= c.h || cx < 0 || cx+n > c.w {
		return false
	}
	for x := cx; x < cx+n; x++ {
		if c.text[cy*c.w+x] != 0 {
			return false
		}
	}
	return true
}

func (c *canvas) glyph(cell int) rune {
	if c.text[cell] != 0 {
		return c.text[cell]
	}
	d := c.dots[cell]
	if c.ascii {
		return [4]rune{' ', '\'', '.', ':'}[d&3]
	}
	if d == 0 {
		return ' '
	}
	return rune(0x2800 + int(d))
}

// Lines renders the canvas, one styled run per colour change.
func (c *canvas) Lines() []string {
	out := make([]string, c.h)
	var b, run strings.Builder
	for y := 0; y < c.h; y++ {
		b.Reset()
		run.Reset()
		var cur lipgloss.Color
		flush := func() {
			if run.Len() == 0 {
				return
			}
			if cur == "" {
				b.WriteString(run.String())
			} else {
				b.WriteString(lipgloss.NewStyle().Foreground(cur).Render(run.String()))
			}
			run.Reset()
		}
		for x := 0; x < c.w; x++ {
			cell := y*c.w + x
			col := c.color[cell]
			if c.text[cell] != 0 {
				col = c.tcolor[cell]
			} else if c.dots[cell] == 0 {
				col = ""
			}
			if col != cur {
				flush()
				cur = col
			}
			run.WriteRune(c.glyph(cell))
		}
		flush()
		out[y] = b.String()
	}
	return out
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func sign(x int) int {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

// finite reports whether v is a usable number.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
