package chart

import (
	"math"
	"sort"

	"github.com/NimbleMarkets/ntcharts/canvas"
	"github.com/NimbleMarkets/ntcharts/canvas/graph"
)

// Frame is a rectangle of cells on a Surface that shows the data window
// [XLo, XHi]×[YLo, YHi]; y grows upwards. Lines are drawn with a Pen, one
// ntcharts braille grid per stroke.
type Frame struct {
	S                  *Surface
	X, Y, W, H         int // cells
	XLo, XHi, YLo, YHi float64

	// The frame's braille grid (ntcharts'), shared by its pens, and the
	// style of the pen that last lit a dot in each cell (an index into
	// styles): a cell shows the last stroke drawn in it, as it would if
	// every stroke had its own grid, but the grid is turned into patterns
	// once per frame instead of once per stroke.
	grid   *graph.BrailleGrid
	cell   []uint8
	styles []Style
}

// NewFrame returns the frame of the w×h cells at (x, y) of s; an empty or
// non-finite range is widened so that it can be drawn.
func NewFrame(s *Surface, x, y, w, h int, xlo, xhi, ylo, yhi float64) *Frame {
	f := &Frame{S: s, X: x, Y: y, W: max(w, 0), H: max(h, 0)}
	f.XLo, f.XHi = usable(xlo, xhi)
	f.YLo, f.YHi = usable(ylo, yhi)
	return f
}

// usable widens a range that cannot be drawn (empty, flat, non-finite).
func usable(lo, hi float64) (float64, float64) {
	if !Finite(lo) || !Finite(hi) || math.Abs(lo) > Far || math.Abs(hi) > Far {
		return -1, 1
	}
	if !(hi > lo) {
		d := math.Max(0.5*math.Abs(hi), 0.5)
		return lo - d, lo + d
	}
	return lo, hi
}

// dots is the frame's size in braille dots.
func (f *Frame) dots() (int, int) { return 2 * f.W, 4 * f.H }

// Equal widens the narrower range so that one unit spans as many dots
// across as up (braille dots are about square), keeping the data centred.
func (f *Frame) Equal() *Frame {
	gw, gh := f.dots()
	if gw < 2 || gh < 2 {
		return f
	}
	sx := float64(gw-1) / (f.XHi - f.XLo)
	sy := float64(gh-1) / (f.YHi - f.YLo)
	if sx > sy {
		c, half := (f.XLo+f.XHi)/2, float64(gw-1)/sy/2
		f.XLo, f.XHi = c-half, c+half
	} else {
		c, half := (f.YLo+f.YHi)/2, float64(gh-1)/sx/2
		f.YLo, f.YHi = c-half, c+half
	}
	return f
}

// Dot returns the dot coordinates of the data point (x, y) (y downwards).
func (f *Frame) Dot(x, y float64) (float64, float64) {
	gw, gh := f.dots()
	return (x - f.XLo) / (f.XHi - f.XLo) * float64(gw-1), (f.YHi - y) / (f.YHi - f.YLo) * float64(gh-1)
}

// Cell returns the cell (relative to the frame) holding the data point
// (x, y), and whether it is inside the frame.
func (f *Frame) Cell(x, y float64) (int, int, bool) {
	if !Finite(x) || !Finite(y) {
		return 0, 0, false
	}
	dx, dy := f.Dot(x, y)
	gw, gh := f.dots()
	if dx < -0.5 || dy < -0.5 || dx > float64(gw)-0.5 || dy > float64(gh)-0.5 {
		return 0, 0, false
	}
	cx, cy := int(math.Round(dx))/2, int(math.Round(dy))/4
	return min(cx, f.W-1), min(cy, f.H-1), true
}

// Inside reports whether the data point is in the frame's window.
func (f *Frame) Inside(x, y float64) bool {
	return Finite(x) && Finite(y) && x >= f.XLo && x <= f.XHi && y >= f.YLo && y <= f.YHi
}

// Mark writes glyph (one cell) in style st in the cell holding (x, y); it
// reports false (and draws nothing) when the point is outside the frame.
func (f *Frame) Mark(x, y float64, glyph string, st Style) bool {
	cx, cy, ok := f.Cell(x, y)
	if !ok {
		return false
	}
	f.S.Text(f.X+cx, f.Y+cy, glyph, st)
	return true
}

// Text writes str at cell (cx, cy) of the frame, clipped to the frame.
func (f *Frame) Text(cx, cy int, str string, st Style) {
	if cy < 0 || cy >= f.H {
		return
	}
	for _, r := range str {
		if cx >= 0 && cx < f.W {
			f.S.Set(f.X+cx, f.Y+cy, r, st)
		}
		cx++
	}
}

// Stroke is how a pen draws: a style and an optional pattern. Dash k draws
// k dot columns and leaves k out (the reference draws targets dashed;
// ntcharts cannot dash). Dotted lights every other dot of a vertical or
// horizontal line.
type Stroke struct {
	Style
	Dash   int
	Dotted bool
}

// Pen collects a stroke's segments on one ntcharts braille grid; Done
// merges the grid into the surface. One grid per stroke is what keeps
// braille drawing fast (ntcharts' own DrawBrailleLine allocates a grid for
// every segment).
type Pen struct {
	f     *Frame
	g     *graph.BrailleGrid
	st    Stroke
	style uint8 // index of st.Style in f.styles
}

// Pen starts a stroke on the frame.
func (f *Frame) Pen(st Stroke) *Pen {
	p := &Pen{f: f, st: st}
	if f.W <= 0 || f.H <= 0 {
		return p
	}
	if f.grid == nil {
		f.grid = graph.NewBrailleGrid(f.W, f.H, f.XLo, f.XHi, f.YLo, f.YHi)
		f.cell = make([]uint8, f.W*f.H)
		f.styles = f.styles[:0]
		f.S.pending = append(f.S.pending, f)
	}
	i := -1
	for j, s := range f.styles {
		if s == st.Style {
			i = j
		}
	}
	if i < 0 {
		if len(f.styles) == 255 {
			f.flush() // a frame of more than 255 styles: draw what there is
			return f.Pen(st)
		}
		f.styles = append(f.styles, st.Style)
		i = len(f.styles) - 1
	}
	p.g, p.style = f.grid, uint8(i+1)
	return p
}

// set lights grid point q unless the dash pattern leaves its column out.
func (p *Pen) set(q canvas.Point) {
	if p.st.Dash > 0 && q.X%(2*p.st.Dash) >= p.st.Dash {
		return
	}
	gw, gh := p.f.dots()
	if q.X < 0 || q.Y < 0 || q.X >= gw || q.Y >= gh {
		return
	}
	p.g.Set(q)
	p.f.cell[(q.Y/4)*p.f.W+q.X/2] = p.style
}

// Seg draws the segment between two data points, clipped to the window.
// Non-finite points draw nothing; far-out ones are first pulled in to a
// distance where the arithmetic stays exact enough for the visible part.
func (p *Pen) Seg(x0, y0, x1, y1 float64) {
	if p.g == nil {
		return
	}
	f := p.f
	if !(x0 >= f.XLo && x0 <= f.XHi && x1 >= f.XLo && x1 <= f.XHi && y0 >= f.YLo && y0 <= f.YHi && y1 >= f.YLo && y1 <= f.YHi) {
		// Not wholly inside (or not finite): pulled in, then clipped.
		var ok bool
		x0, y0, x1, y1 = f.pull(x0, f.XLo, f.XHi), f.pull(y0, f.YLo, f.YHi), f.pull(x1, f.XLo, f.XHi), f.pull(y1, f.YLo, f.YHi)
		if x0, y0, x1, y1, ok = clipSegment(x0, y0, x1, y1, f.XLo, f.YLo, f.XHi, f.YHi); !ok {
			return
		}
	}
	a := p.g.GridPoint(canvas.Float64Point{X: x0, Y: y0})
	b := p.g.GridPoint(canvas.Float64Point{X: x1, Y: y1})
	p.line(a, b)
}

// line lights the grid points of the segment a–b: the points
// graph.GetLinePoints returns (its two Bresenham variants, for slopes below
// and above 1, with their tie-breaking), lit as they are found. Own code:
// GetLinePoints returns a new slice for every segment, and the trajectory
// views draw thousands of segments a frame, so its allocations cost more
// than all the rest of the drawing.
func (p *Pen) line(a, b canvas.Point) {
	if iabs(b.Y-a.Y) < iabs(b.X-a.X) {
		if a.X > b.X {
			a, b = b, a
		}
		dx, dy, yi := b.X-a.X, b.Y-a.Y, 1
		if dy < 0 {
			yi, dy = -1, -dy
		}
		d, y := 2*dy-dx, a.Y
		for x := a.X; x <= b.X; x++ {
			p.set(canvas.Point{X: x, Y: y})
			if d > 0 {
				y += yi
				d += 2 * (dy - dx)
			} else {
				d += 2 * dy
			}
		}
		return
	}
	if a.Y > b.Y {
		a, b = b, a
	}
	dx, dy, xi := b.X-a.X, b.Y-a.Y, 1
	if dx < 0 {
		xi, dx = -1, -dx
	}
	d, x := 2*dx-dy, a.X
	for y := a.Y; y <= b.Y; y++ {
		p.set(canvas.Point{X: x, Y: y})
		if d > 0 {
			x += xi
			d += 2 * (dx - dy)
		} else {
			d += 2 * dx
		}
	}
}

func iabs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// pull brings a coordinate within 10⁴ window widths of the window (NaN
// stays NaN): the part of a segment inside the window moves by less than a
// dot, and no later product overflows.
func (f *Frame) pull(v, lo, hi float64) float64 {
	span := 1e4 * (hi - lo)
	return math.Max(lo-span, math.Min(hi+span, v))
}

// Point lights the dot of a data point inside the window.
func (p *Pen) Point(x, y float64) {
	if p.g == nil || !p.f.Inside(x, y) {
		return
	}
	p.set(p.g.GridPoint(canvas.Float64Point{X: x, Y: y}))
}

// Path draws the polyline through (xs[i], ys[i]); a non-finite point breaks
// it, and a point between two breaks is a dot. A series sorted by x that is
// longer than the frame is wide is drawn only over the window and
// decimated per dot column.
func (p *Pen) Path(xs, ys []float64) {
	if p.g == nil {
		return
	}
	n := min(len(xs), len(ys))
	lo, hi := 0, n
	gw, _ := p.f.dots()
	if n > 64 && sorted(xs[:n]) {
		// The points in the window, and one either side to enter and leave it.
		lo = max(0, sort.SearchFloat64s(xs[:n], p.f.XLo)-1)
		hi = min(n, sort.Search(n, func(i int) bool { return xs[i] > p.f.XHi })+1)
		if hi-lo > 4*gw {
			p.decimated(xs[lo:hi], ys[lo:hi])
			return
		}
	}
	have := false
	var px, py float64
	for i := lo; i < hi; i++ {
		x, y := xs[i], ys[i]
		if !Finite(x) || !Finite(y) {
			have = false
			continue
		}
		if have {
			p.Seg(px, py, x, y)
		} else {
			p.Point(x, y)
		}
		px, py, have = x, y, true
	}
}

// decimated draws a long sorted series as, per dot column, a vertical
// stroke from its minimum to its maximum, joined to the neighbouring
// columns through each column's first and last values: the picture of the
// full series at the cost of four points a column.
func (p *Pen) decimated(xs, ys []float64) {
	f := p.f
	gw, _ := f.dots()
	scale := float64(gw-1) / (f.XHi - f.XLo)
	type bucket struct {
		col                 int
		x0, first, lo, hi   float64
		x1, last            float64
		loFirst, have, join bool
	}
	var b bucket
	var px, py float64
	joined := false
	emit := func() {
		if !b.have {
			return
		}
		if b.join && joined {
			p.Seg(px, py, b.x0, b.first)
		} else {
			p.Point(b.x0, b.first)
		}
		p.Seg(b.x0, b.lo, b.x0, b.hi)
		if b.x1 != b.x0 || b.last != b.first {
			p.Seg(b.x0, b.last, b.x1, b.last)
		}
		px, py, joined = b.x1, b.last, true
		b.have = false
	}
	broke := false
	for i := range xs {
		x, y := xs[i], ys[i]
		if !Finite(x) || !Finite(y) {
			broke = true
			continue
		}
		col := int(math.Floor((x - f.XLo) * scale))
		if b.have && col != b.col {
			emit()
		}
		if broke {
			joined = false
			broke = false
		}
		if !b.have {
			b = bucket{col: col, x0: x, first: y, lo: y, hi: y, x1: x, last: y, have: true, join: true}
			continue
		}
		b.lo, b.hi = math.Min(b.lo, y), math.Max(b.hi, y)
		b.x1, b.last = x, y
	}
	emit()
}

// sorted reports whether xs is non-decreasing (NaN entries are skipped).
func sorted(xs []float64) bool {
	prev := math.Inf(-1)
	for _, x := range xs {
		if x != x {
			return false // a NaN x: SearchFloat64s cannot bracket it
		}
		if x < prev {
			return false
		}
		prev = x
	}
	return true
}

// VLine draws a vertical line at data x over the frame's height.
func (p *Pen) VLine(x float64) {
	if p.g == nil || !Finite(x) || x < p.f.XLo || x > p.f.XHi {
		return
	}
	q := p.g.GridPoint(canvas.Float64Point{X: x, Y: p.f.YLo})
	_, gh := p.f.dots()
	for y := 0; y < gh; y++ {
		if !p.st.Dotted || y%2 == 0 {
			p.set(canvas.Point{X: q.X, Y: y})
		}
	}
}

// HLine draws a horizontal line at data y over the frame's width.
func (p *Pen) HLine(y float64) {
	if p.g == nil || !Finite(y) || y < p.f.YLo || y > p.f.YHi {
		return
	}
	q := p.g.GridPoint(canvas.Float64Point{X: p.f.XLo, Y: y})
	gw, _ := p.f.dots()
	for x := 0; x < gw; x++ {
		if !p.st.Dotted || x%3 == 0 {
			p.set(canvas.Point{X: x, Y: q.Y})
		}
	}
}

// Done ends the stroke. Its dots reach the surface when the frame is
// flushed: before anything else is written to or read from the surface.
func (p *Pen) Done() { p.g = nil }

// flush merges the frame's grid into the surface, each cell in the style of
// the last stroke that lit it.
func (f *Frame) flush() {
	if f.grid == nil {
		return
	}
	for y, row := range f.grid.BraillePatterns() {
		for x, r := range row {
			if i := f.cell[y*f.W+x]; i > 0 {
				f.S.dots(f.X+x, f.Y+y, r, f.styles[i-1])
			}
		}
	}
	f.grid, f.cell = nil, nil
}

// Path draws one polyline in its own stroke.
func (f *Frame) Path(xs, ys []float64, st Stroke) {
	p := f.Pen(st)
	p.Path(xs, ys)
	p.Done()
}

// clipSegment clips a segment to the rectangle [xmin,xmax]×[ymin,ymax]
// (Liang–Barsky); ok is false when nothing of it is inside.
func clipSegment(x0, y0, x1, y1, xmin, ymin, xmax, ymax float64) (float64, float64, float64, float64, bool) {
	for _, v := range [4]float64{x0, y0, x1, y1} {
		if !Finite(v) {
			return 0, 0, 0, 0, false
		}
	}
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
