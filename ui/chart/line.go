package chart

import (
	"math"
	"sort"
	"strconv"
	"strings"
)

// Series is one line of a LineChart.
type Series struct {
	Name  string
	X, Y  []float64 // X nil: 0, 1, 2, …; X must be sorted
	Style Style
	// Dash draws the series dashed (k dot columns on, k off); a dashed
	// series (a target) is never smoothed.
	Dash int
}

// x returns the series' x values.
func (s *Series) x() []float64 {
	if s.X != nil {
		return s.X
	}
	xs := make([]float64, len(s.Y))
	for i := range xs {
		xs[i] = float64(i)
	}
	return xs
}

// VMark is a dotted vertical line at X (an event: a go cue, a phase start).
type VMark struct {
	X     float64
	Style Style
}

// HMark is a dotted horizontal line at Y (a reference level: R² = 0).
type HMark struct {
	Y     float64
	Style Style
}

// LineChart draws series against a shared x axis with optional y tick
// labels and x axis, through a Nav (zoom, pan, cursor, log y, smoothing).
// Its data is identified by a key (SetData): the chart is redrawn only
// when the key, its size or a setting changed, and moving the cursor alone
// redraws only the cursor over the cached picture.
type LineChart struct {
	Marks  []VMark
	HMarks []HMark
	Nav    *Nav // nil: the whole range, no cursor, raw values

	// YFixed fixes the y range (in data units, before any log); otherwise
	// y follows the values in the x window, padded by YPad of their span.
	YFixed   bool
	YLo, YHi float64
	YPad     float64

	YAxis, XAxis bool    // tick labels on the left, an x axis row below
	XLabel       string  // named at the right end of the x axis
	XStep        float64 // the x axis's smallest tick step (1: whole epochs)
	YFmt, XFmt   func(float64) string
	AxisStyle    Style // the axis rules and tick labels
	CursorStyle  Style
	ASCII        bool

	series  []Series
	key     string
	version int

	prep     prepared
	base     *baseFrame
	lastKey  frameKey
	lastView []string
	Renders  int // full redraws (tests check the cache)
}

// SetData replaces the series, unless key is not empty and equal to the
// current one: then the caller promises the same data, and the cached
// picture is kept.
func (c *LineChart) SetData(key string, series []Series) {
	if key != "" && key == c.key && c.series != nil {
		return
	}
	c.key, c.series = key, series
	c.version++
}

// Touch marks the data changed (after appending to a series in place).
func (c *LineChart) Touch() { c.version++ }

// Series returns the chart's series.
func (c *LineChart) Series() []Series { return c.series }

// prepared is the drawn values of every series: x, raw and smoothed y in
// the axis's units (log10 on a log axis).
type prepared struct {
	version   int
	logY      bool
	smooth    float64
	xs        [][]float64
	raw, disp [][]float64
	xlo, xhi  float64 // the data's x extent
}

func (c *LineChart) nav() Nav {
	if c.Nav == nil {
		return Nav{}
	}
	return *c.Nav
}

func (c *LineChart) prepare() *prepared {
	n := c.nav()
	p := &c.prep
	if p.xs != nil && p.version == c.version && p.logY == n.LogY && p.smooth == n.Smooth {
		return p
	}
	*p = prepared{version: c.version, logY: n.LogY, smooth: n.Smooth, xlo: math.Inf(1), xhi: math.Inf(-1)}
	for i := range c.series {
		s := &c.series[i]
		xs := s.x()
		raw := s.Y
		disp := raw
		if n.Smooth > 0 && s.Dash == 0 {
			disp = EMA(raw, n.Smooth)
		}
		if n.LogY {
			raw = Log10(raw)
			if n.Smooth > 0 && s.Dash == 0 {
				disp = Log10(disp)
			} else {
				disp = raw
			}
		}
		p.xs, p.raw, p.disp = append(p.xs, xs), append(p.raw, raw), append(p.disp, disp)
		// x is sorted: the extent is the first and last usable x.
		n := min(len(xs), len(raw))
		for j := 0; j < n; j++ {
			if plottable(xs[j]) {
				p.xlo = math.Min(p.xlo, xs[j])
				break
			}
		}
		for j := n - 1; j >= 0; j-- {
			if plottable(xs[j]) {
				p.xhi = math.Max(p.xhi, xs[j])
				break
			}
		}
	}
	if p.xlo > p.xhi {
		p.xlo, p.xhi = 0, 1
	}
	if p.xhi == p.xlo {
		p.xhi = p.xlo + 1
	}
	return p
}

// Extent is the x range of the data (what an unzoomed chart shows).
func (c *LineChart) Extent() (float64, float64) {
	p := c.prepare()
	return p.xlo, p.xhi
}

// Window is the x range shown.
func (c *LineChart) Window() (float64, float64) {
	p := c.prepare()
	return c.Nav.Window(p.xlo, p.xhi)
}

// Empty reports whether no series has a plottable point.
func (c *LineChart) Empty() bool {
	for _, s := range c.series {
		for _, v := range s.Y {
			if plottable(v) {
				return false
			}
		}
	}
	return true
}

// frameKey is everything a picture depends on.
type frameKey struct {
	version        int
	w, h           int
	zoomed         bool
	lo, hi         float64
	logY           bool
	smooth         float64
	cursorOn       bool
	cursor         float64
	yfixed         bool
	ylo, yhi, ypad float64
	ascii          bool
	marks, hmarks  int
}

type baseFrame struct {
	key   frameKey // with the cursor cleared
	s     *Surface
	frame Frame
}

// View renders the chart in exactly w×h cells.
func (c *LineChart) View(w, h int) string {
	return strings.Join(c.Lines(w, h), "\n")
}

// Lines renders the chart as h lines of w cells.
func (c *LineChart) Lines(w, h int) []string {
	n := c.nav()
	p := c.prepare()
	lo, hi := c.Nav.Window(p.xlo, p.xhi)
	k := frameKey{version: c.version, w: w, h: h, zoomed: n.Zoomed, lo: lo, hi: hi, logY: n.LogY, smooth: n.Smooth,
		cursorOn: n.CursorOn, cursor: n.Cursor, yfixed: c.YFixed, ylo: c.YLo, yhi: c.YHi, ypad: c.YPad, ascii: c.ASCII, marks: len(c.Marks), hmarks: len(c.HMarks)}
	if c.lastView != nil && k == c.lastKey {
		return c.lastView
	}
	bk := k
	bk.cursorOn, bk.cursor = false, 0
	if c.base == nil || c.base.key != bk {
		c.base = c.draw(bk, p)
		c.Renders++
	}
	s := c.base.s
	if n.CursorOn && Finite(n.Cursor) {
		s = s.Clone()
		f := c.base.frame
		f.S = s
		pen := f.Pen(Stroke{Style: c.CursorStyle})
		pen.VLine(n.Cursor)
		pen.Done()
	}
	c.lastKey, c.lastView = k, s.Lines()
	return c.lastView
}

// yRange is the y range of the values drawn in the window [lo, hi].
func (c *LineChart) yRange(p *prepared, lo, hi float64) (float64, float64) {
	if c.YFixed {
		a, b := c.YLo, c.YHi
		if p.logY {
			a, b = math.Log10(math.Max(a, 1e-300)), math.Log10(math.Max(b, 1e-300))
		}
		return usable(a, b)
	}
	ylo, yhi := math.Inf(1), math.Inf(-1)
	for i := range p.xs {
		xs := p.xs[i]
		n := min(len(xs), len(p.raw[i]))
		// x is sorted: the window is a range of indices
		a := sort.SearchFloat64s(xs[:n], lo)
		b := sort.Search(n, func(j int) bool { return xs[j] > hi })
		ys, raw, disp := c.series[i].Y, p.raw[i], p.disp[i]
		for j := a; j < b; j++ {
			if !plottable(ys[j]) {
				continue // too far out to decide the range
			}
			if v := raw[j]; v == v && v < ylo {
				ylo = v
			}
			if v := raw[j]; v == v && v > yhi {
				yhi = v
			}
			if v := disp[j]; v == v && v < ylo {
				ylo = v
			}
			if v := disp[j]; v == v && v > yhi {
				yhi = v
			}
		}
	}
	pad := c.YPad
	if ylo <= yhi && yhi-ylo < 1e-12*math.Max(1, math.Abs(yhi)) {
		d := math.Max(math.Abs(yhi)*0.1, 1e-6)
		if p.logY {
			d = 0.5
		}
		return ylo - d, yhi + d
	}
	return padRange(ylo, yhi, pad)
}

// yLabelW is the widest y tick label.
const yLabelW = 9

func (c *LineChart) draw(k frameKey, p *prepared) *baseFrame {
	w, h := max(k.w, 0), max(k.h, 0)
	s := NewSurface(w, h, c.ASCII)
	b := &baseFrame{key: k, s: s}
	ph := h
	if c.XAxis {
		ph--
	}
	ylo, yhi := c.yRange(p, k.lo, k.hi)
	labW := 0
	var labels map[int]string
	if c.YAxis {
		labels, labW = c.yLabels(ylo, yhi, ph, p.logY)
		labW++ // the axis rule
	}
	pw := w - labW
	if pw < 2 || ph < 1 {
		b.frame = Frame{S: s}
		return b
	}
	f := NewFrame(s, labW, 0, pw, ph, k.lo, k.hi, ylo, yhi)
	b.frame = *f
	for _, m := range c.Marks {
		pen := f.Pen(Stroke{Style: m.Style, Dotted: true})
		pen.VLine(m.X)
		pen.Done()
	}
	for _, m := range c.HMarks {
		y := m.Y
		if p.logY {
			y = math.Log10(y)
		}
		pen := f.Pen(Stroke{Style: m.Style, Dotted: true})
		pen.HLine(y)
		pen.Done()
	}
	for i := range c.series {
		se := &c.series[i]
		if k.smooth > 0 && se.Dash == 0 {
			// the raw values faint under the smoothed line
			raw := se.Style
			raw.Faint = true
			f.Path(p.xs[i], p.raw[i], Stroke{Style: raw})
		}
		f.Path(p.xs[i], p.disp[i], Stroke{Style: se.Style, Dash: se.Dash})
	}
	if c.YAxis {
		rule, tick := "│", "┤"
		if c.ASCII {
			rule, tick = "|", "+"
		}
		for r := 0; r < ph; r++ {
			if l, ok := labels[r]; ok {
				s.Text(labW-1-len([]rune(l)), r, l, c.AxisStyle)
				s.Text(labW-1, r, tick, c.AxisStyle)
			} else {
				s.Text(labW-1, r, rule, c.AxisStyle)
			}
		}
	}
	if c.XAxis {
		s.Text(labW, h-1, XAxisRowStep(pw, k.lo, k.hi, c.XLabel, c.XFmt, c.XStep), c.AxisStyle)
	}
	return b
}

// yLabels are the tick labels by row: evenly spaced rows, top and bottom
// included, about one every three, each the value at its row's middle.
func (c *LineChart) yLabels(ylo, yhi float64, ph int, logY bool) (map[int]string, int) {
	fm := c.YFmt
	if fm == nil {
		fm = Num
	}
	out := map[int]string{}
	if ph < 1 {
		return out, 1
	}
	nt := max(2, min(8, ph/3+1))
	gh := float64(4*ph - 1)
	width := 1
	for i := 0; i < nt; i++ {
		r := int(math.Round(float64(i*(ph-1)) / float64(max(nt-1, 1))))
		v := yhi - (float64(4*r)+1.5)/gh*(yhi-ylo)
		if logY {
			v = math.Pow(10, v)
		}
		l := fm(v)
		if len([]rune(l)) > yLabelW {
			l = string([]rune(l)[:yLabelW])
		}
		out[r] = l
		width = max(width, len([]rune(l)))
	}
	return out, width
}

// XAxisRow is an x axis in w cells for the window [lo, hi]: labels at round
// values, each centred on its column, and the axis's name at the right end
// when it fits.
func XAxisRow(w int, lo, hi float64, name string, fm func(float64) string) string {
	return XAxisRowStep(w, lo, hi, name, fm, 0)
}

// XAxisRowStep is XAxisRow with ticks at least minStep apart (1 for epochs
// and time steps: no tick between two of them).
func XAxisRowStep(w int, lo, hi float64, name string, fm func(float64) string, minStep float64) string {
	if w <= 0 {
		return ""
	}
	row := []rune(strings.Repeat(" ", w))
	end := w
	if name != "" && len([]rune(name))+8 <= w {
		nr := []rune(name)
		copy(row[w-len(nr):], nr)
		end = w - len(nr) - 1
	}
	ticks := Ticks(lo, hi, max(1, w/8))
	if minStep > 0 && len(ticks) > 1 && ticks[1]-ticks[0] < minStep {
		ticks = Ticks(lo, hi, max(1, int((hi-lo)/minStep)))
	}
	if fm == nil {
		integral := true
		for _, v := range ticks {
			integral = integral && v == math.Trunc(v)
		}
		fm = Num
		if integral {
			fm = func(v float64) string { return trimInt(v) }
		}
	}
	next := 0 // the first free cell
	for _, v := range ticks {
		l := []rune(fm(v))
		col := int(math.Round((v - lo) / (hi - lo) * float64(w-1)))
		start := max(0, min(col-len(l)/2, w-len(l)))
		if start < next || start+len(l) > end {
			continue
		}
		copy(row[start:], l)
		next = start + len(l) + 2
	}
	return string(row)
}

func trimInt(v float64) string {
	if math.Abs(v) >= 1e6 {
		return Num(v)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// Column is the cell column of x on a w-cell axis showing [lo, hi].
func Column(x, lo, hi float64, w int) int {
	if !(hi > lo) || w <= 1 {
		return 0
	}
	return int(math.Round((x - lo) / (hi - lo) * float64(w-1)))
}

// Reading is one series' value at the cursor.
type Reading struct {
	Name  string
	Style Style
	X     float64
	Value float64 // what is drawn: smoothed when smoothing is on
	Raw   float64
	OK    bool
}

// Readings returns every series' value at x (the cursor), in data units.
func (c *LineChart) Readings(x float64) []Reading {
	p := c.prepare()
	out := make([]Reading, len(c.series))
	for i := range c.series {
		s := &c.series[i]
		out[i] = Reading{Name: s.Name, Style: s.Style, Value: math.NaN(), Raw: math.NaN()}
		j := At(p.xs[i], s.Y, x)
		if j < 0 {
			continue
		}
		out[i].X, out[i].Raw, out[i].Value, out[i].OK = p.xs[i][j], s.Y[j], s.Y[j], true
		if p.smooth > 0 && s.Dash == 0 {
			v := p.disp[i][j]
			if p.logY {
				v = math.Pow(10, v)
			}
			out[i].Value = v
		}
	}
	return out
}
