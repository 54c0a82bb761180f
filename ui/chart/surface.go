package chart

import (
	"strings"
	"sync"

	"github.com/NimbleMarkets/ntcharts/canvas"
	"github.com/NimbleMarkets/ntcharts/canvas/runes"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// Style is how a cell is drawn: its foreground and background colours
// (lipgloss colour strings; "" is the terminal's own) and two attributes.
// It is a small comparable value, so cells of equal style are found with ==.
type Style struct {
	FG, BG  lipgloss.Color
	Faint   bool
	Bold    bool
	Reverse bool
}

// FG is a style with only a foreground colour.
func FG(c lipgloss.Color) Style { return Style{FG: c} }

// plain reports whether the style draws nothing of its own.
func (s Style) plain() bool { return s == Style{} }

// codes are the escape sequences around a run of cells in one style.
type codes struct{ pre, post string }

var codeCache = struct {
	sync.Mutex
	m map[codeKey]codes
}{m: map[codeKey]codes{}}

type codeKey struct {
	s Style
	p termenv.Profile
}

// codesOf returns the sequences lipgloss writes around text in style s with
// the current colour profile (so the bytes are exactly lipgloss's, degraded
// to 16 colours or none as it would), computed once per style and profile.
func codesOf(s Style) codes {
	k := codeKey{s, lipgloss.ColorProfile()}
	codeCache.Lock()
	defer codeCache.Unlock()
	if c, ok := codeCache.m[k]; ok {
		return c
	}
	st := lipgloss.NewStyle()
	if s.FG != "" {
		st = st.Foreground(s.FG)
	}
	if s.BG != "" {
		st = st.Background(s.BG)
	}
	if s.Faint {
		st = st.Faint(true)
	}
	if s.Bold {
		st = st.Bold(true)
	}
	if s.Reverse {
		st = st.Reverse(true)
	}
	out := st.Render("X")
	i := strings.IndexByte(out, 'X')
	c := codes{out[:i], out[i+1:]}
	codeCache.m[k] = c
	return c
}

// Render styles text the way a Surface renders a run.
func (s Style) Render(text string) string {
	if s.plain() || text == "" {
		return text
	}
	c := codesOf(s)
	return c.pre + text + c.post
}

// Cell is one character cell: a rune (0 is blank) and its style.
type Cell struct {
	R rune
	S Style
}

// cell is a Cell as the surface stores it: the style as an index into the
// surface's styles (a chart uses a handful), 8 bytes a cell.
type cell struct {
	r rune
	s uint16
}

// Surface is a w×h grid of cells that charts are composed on: ntcharts'
// braille grids are merged into it, its small models are copied onto it, and
// labels are written over it. Lines renders it in runs of equal style.
type Surface struct {
	W, H   int
	ASCII  bool // braille patterns are rendered as ' . : (see asciiDots)
	cells  []cell
	styles []Style // styles[0] is the plain style
	// pending are frames whose strokes are not merged yet; every method
	// that writes or reads cells merges them first, so strokes and text
	// land in the order they were drawn.
	pending []*Frame
}

// flush merges the pending frames' strokes.
func (s *Surface) flush() {
	for len(s.pending) > 0 {
		f := s.pending[0]
		s.pending = s.pending[1:]
		f.flush()
	}
}

// NewSurface returns a blank surface; negative sizes are taken as zero.
func NewSurface(w, h int, ascii bool) *Surface {
	w, h = max(w, 0), max(h, 0)
	return &Surface{W: w, H: h, ASCII: ascii, cells: make([]cell, w*h), styles: []Style{{}}}
}

// style returns the index of st, adding it.
func (s *Surface) style(st Style) uint16 {
	for i, x := range s.styles {
		if x == st {
			return uint16(i)
		}
	}
	if len(s.styles) == 1<<16-1 {
		return 0 // not reached by any chart: a cell per style
	}
	s.styles = append(s.styles, st)
	return uint16(len(s.styles) - 1)
}

func (s *Surface) in(x, y int) bool { return x >= 0 && y >= 0 && x < s.W && y < s.H }

// At returns the cell at (x, y), blank outside.
func (s *Surface) At(x, y int) Cell {
	s.flush()
	if !s.in(x, y) {
		return Cell{}
	}
	c := s.cells[y*s.W+x]
	return Cell{c.r, s.styles[c.s]}
}

// Set puts rune r in style st at (x, y), if it is on the surface.
func (s *Surface) Set(x, y int, r rune, st Style) {
	s.flush()
	if s.in(x, y) {
		s.cells[y*s.W+x] = cell{r, s.style(st)}
	}
}

// Dots merges a braille pattern into the cell at (x, y) in style st (the
// last series drawn colours a shared cell, as ntcharts' DrawBrailleRune
// does). Text already in the cell wins: labels and markers stay readable.
func (s *Surface) Dots(x, y int, pattern rune, st Style) {
	s.flush()
	s.dots(x, y, pattern, st)
}

func (s *Surface) dots(x, y int, pattern rune, st Style) {
	if !s.in(x, y) || pattern == runes.BrailleBlockOffset || pattern == 0 {
		return
	}
	c := &s.cells[y*s.W+x]
	switch {
	case c.r == 0 || c.r == ' ':
		c.r = pattern
	case runes.IsBraillePattern(c.r):
		c.r = runes.CombineBraillePatterns(c.r, pattern)
	default:
		return
	}
	old := s.styles[c.s]
	old.FG, old.Faint, old.Bold = st.FG, st.Faint, st.Bold
	c.s = s.style(old)
}

// Text writes str from cell (x, y) rightwards, clipped to the surface.
func (s *Surface) Text(x, y int, str string, st Style) {
	if y < 0 || y >= s.H {
		return
	}
	s.flush()
	k := s.style(st)
	for _, r := range str {
		if s.in(x, y) {
			s.cells[y*s.W+x] = cell{r, k}
		}
		x++
	}
}

// Free reports whether the n cells from (x, y) are on the surface and hold
// no text (blank or braille only).
func (s *Surface) Free(x, y, n int) bool {
	s.flush()
	if y < 0 || y >= s.H || x < 0 || x+n > s.W {
		return false
	}
	for i := x; i < x+n; i++ {
		if r := s.cells[y*s.W+i].r; r != 0 && r != ' ' && !runes.IsBraillePattern(r) {
			return false
		}
	}
	return true
}

// Clone returns a copy.
func (s *Surface) Clone() *Surface {
	s.flush()
	c := *s
	c.cells = append([]cell(nil), s.cells...)
	c.styles = append([]Style(nil), s.styles...)
	return &c
}

// Blit copies an ntcharts canvas onto the surface with its top-left cell at
// (x0, y0): each cell's rune and its style's colours, through conv when it
// is not nil (a heatmap gives its value as a background colour, which the
// caller may turn into a glyph).
func (s *Surface) Blit(c *canvas.Model, x0, y0 int, conv func(canvas.Cell) Cell) {
	s.flush()
	for y := 0; y < c.Height(); y++ {
		for x := 0; x < c.Width(); x++ {
			cc := c.Cell(canvas.Point{X: x, Y: y})
			var out Cell
			if conv != nil {
				out = conv(cc)
			} else {
				out = Cell{R: cc.Rune, S: styleOf(cc.Style)}
			}
			if out.R == 0 && out.S.plain() {
				continue
			}
			if s.in(x0+x, y0+y) {
				s.cells[(y0+y)*s.W+x0+x] = cell{out.R, s.style(out.S)}
			}
		}
	}
}

// styleOf reads the colours of an ntcharts cell's lipgloss style.
func styleOf(st lipgloss.Style) Style {
	var out Style
	if c, ok := st.GetForeground().(lipgloss.Color); ok {
		out.FG = c
	}
	if c, ok := st.GetBackground().(lipgloss.Color); ok {
		out.BG = c
	}
	out.Faint = st.GetFaint()
	out.Bold = st.GetBold()
	out.Reverse = st.GetReverse()
	return out
}

// glyph is the character a cell shows.
func (s *Surface) glyph(r rune) rune {
	switch {
	case r == 0:
		return ' '
	case s.ASCII && runes.IsBraillePattern(r):
		return asciiDots(r)
	}
	return r
}

// asciiDots turns a braille pattern into one of ' . : for --ascii: an
// apostrophe for dots in the upper half of the cell, a full stop for the
// lower half, a colon for both. Own code: ntcharts draws only braille.
func asciiDots(r rune) rune {
	d := r - runes.BrailleBlockOffset
	top := d&(0x01|0x08|0x02|0x10) != 0
	bottom := d&(0x04|0x20|0x40|0x80) != 0
	switch {
	case top && bottom:
		return ':'
	case top:
		return '\''
	case bottom:
		return '.'
	}
	return ' '
}

// Lines renders the surface, one string per row of exactly W cells, with
// one escape sequence per run of equal style (blank cells without a
// background are unstyled and join any run of blanks).
func (s *Surface) Lines() []string {
	s.flush()
	out := make([]string, s.H)
	// the sequences of each style, and the style a blank cell shows in
	codes := make([]codes, len(s.styles))
	blank := make([]uint16, len(s.styles))
	for i, st := range s.styles {
		if !st.plain() {
			codes[i] = codesOf(st)
		}
		if st.BG != "" || st.Reverse {
			blank[i] = uint16(i)
		}
	}
	var b strings.Builder
	for y := 0; y < s.H; y++ {
		b.Reset()
		b.Grow(s.W * 3)
		cur := uint16(0)
		for _, c := range s.cells[y*s.W : (y+1)*s.W] {
			g := s.glyph(c.r)
			k := c.s
			if g == ' ' {
				k = blank[k]
			}
			if k != cur {
				b.WriteString(codes[cur].post)
				b.WriteString(codes[k].pre)
				cur = k
			}
			b.WriteRune(g)
		}
		b.WriteString(codes[cur].post)
		out[y] = b.String()
	}
	return out
}

// String is Lines joined by newlines.
func (s *Surface) String() string { return strings.Join(s.Lines(), "\n") }
