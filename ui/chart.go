package ui

import (
	"fmt"
	"math"
	"strings"

	"github.com/charmbracelet/lipgloss"
)

// lossChart keeps its own copy of the train and validation losses (only
// finite values get in) and redraws onto one canvas only when its data, size
// or scale changed.
type lossChart struct {
	sh         *shared
	train, val []point
	logY       bool
	w, h       int
	dirty      bool
	cache      []string
	renders    int // how many times it was drawn (tests check the throttle)
	refused    int // non-finite values refused
	// overlay, when set, replaces the train and validation curves: one
	// curve per run, each in its own colour (the Train tab's overlay).
	overlay []chartSeries
}

type point struct{ x, y float64 }

// chartSeries is one curve of an overlay.
type chartSeries struct {
	pts []point
	col lipgloss.Color
}

// SetOverlay draws these curves instead of the train and validation ones
// (nil: back to them). Non-finite values are left out.
func (c *lossChart) SetOverlay(series []chartSeries) {
	c.overlay = c.overlay[:0]
	for _, s := range series {
		var pts []point
		for _, p := range s.pts {
			if finite(p.y) {
				pts = append(pts, p)
			}
		}
		c.overlay = append(c.overlay, chartSeries{pts: pts, col: s.col})
	}
	c.dirty = true
}

func newLossChart(sh *shared) *lossChart { return &lossChart{sh: sh, dirty: true} }

func (c *lossChart) Reset() {
	c.train, c.val = c.train[:0], c.val[:0]
	c.dirty = true
}

// Add records one epoch. NaN and ±Inf are refused here, where values enter
// the UI, so nothing downstream ever sees them.
func (c *lossChart) Add(epoch int, train, val float64) {
	if finite(train) {
		c.train = append(c.train, point{float64(epoch), train})
	} else {
		c.refused++
	}
	if finite(val) {
		c.val = append(c.val, point{float64(epoch), val})
	} else {
		c.refused++
	}
	c.dirty = true
}

func (c *lossChart) SetLogY(on bool) {
	if on != c.logY {
		c.logY, c.dirty = on, true
	}
}

func (c *lossChart) SetSize(w, h int) {
	if w != c.w || h != c.h {
		c.w, c.h, c.dirty = w, h, true
	}
}

func (c *lossChart) Empty() bool {
	for _, s := range c.curves() {
		if len(s.pts) > 0 {
			return false
		}
	}
	return true
}

// curves are what the chart draws: the overlay, or train and validation.
func (c *lossChart) curves() []chartSeries {
	if len(c.overlay) > 0 {
		return c.overlay
	}
	return []chartSeries{{c.train, c.sh.st.theme.Train}, {c.val, c.sh.st.theme.Val}}
}

// yAxisW is the width of the y tick labels.
const yAxisW = 9

// View returns exactly h lines of exactly w cells.
func (c *lossChart) View() string {
	if c.dirty || c.cache == nil {
		c.cache = c.render()
		c.dirty = false
		c.renders++
	}
	return strings.Join(c.cache, "\n")
}

// transform maps a loss to the plotted scale; ok is false for values the
// log scale cannot show.
func (c *lossChart) transform(v float64) (float64, bool) {
	if c.logY {
		if v <= 0 {
			return 0, false
		}
		return math.Log10(v), true
	}
	return v, true
}

func (c *lossChart) render() []string {
	st, g := c.sh.st, c.sh.g
	w, h := c.w, c.h
	if w < yAxisW+4 || h < 3 {
		return fitLines(nil, w, h)
	}
	pw, ph := w-yAxisW-1, h-1
	cv := newCanvas(pw, ph, g.ascii)

	// Ranges that follow the data (5% margins); x spans the epochs recorded.
	xlo, xhi := math.Inf(1), math.Inf(-1)
	ylo, yhi := math.Inf(1), math.Inf(-1)
	curves := c.curves()
	for _, s := range curves {
		for _, p := range s.pts {
			y, ok := c.transform(p.y)
			if !ok {
				continue
			}
			xlo, xhi = math.Min(xlo, p.x), math.Max(xhi, p.x)
			ylo, yhi = math.Min(ylo, y), math.Max(yhi, y)
		}
	}
	if xlo > xhi { // nothing plottable
		return fitLines(nil, w, h)
	}
	if xhi-xlo < 1 {
		xhi = xlo + 1
	}
	if yhi-ylo < 1e-12*math.Max(1, math.Abs(yhi)) {
		d := math.Max(math.Abs(yhi)*0.1, 1e-6)
		if c.logY {
			d = 0.5
		}
		ylo, yhi = ylo-d, yhi+d
	} else {
		pad := 0.05 * (yhi - ylo)
		ylo, yhi = ylo-pad, yhi+pad
	}
	W, H := float64(cv.Width()-1), float64(cv.Height()-1)
	toDot := func(p point) (float64, float64, bool) {
		y, ok := c.transform(p.y)
		if !ok {
			return 0, 0, false
		}
		return (p.x - xlo) / (xhi - xlo) * W, (yhi - y) / (yhi - ylo) * H, true
	}
	draw := func(s []point, col lipgloss.Color) {
		xs, ys := make([]float64, len(s)), make([]float64, len(s))
		for i, p := range s {
			x, y, ok := toDot(p)
			if !ok {
				x, y = math.NaN(), math.NaN() // a gap
			}
			xs[i], ys[i] = x, y
		}
		gappedLine(cv, xs, ys, col)
	}
	for _, s := range curves {
		draw(s.pts, s.col)
	}

	// y ticks: evenly spaced rows, top and bottom included, about one per 3-4 rows.
	nt := max(2, min(8, ph/3+1))
	ticks := make(map[int]bool, nt)
	for i := 0; i < nt; i++ {
		ticks[int(math.Round(float64(i*(ph-1))/float64(nt-1)))] = true
	}
	plot := cv.Lines()
	lines := make([]string, 0, h)
	for r := 0; r < ph; r++ {
		tick := ticks[r]
		label := ""
		axis := g.vrule
		if tick {
			// The value at the middle of the cell row.
			dy := (float64(r*cv.dy) + float64(cv.dy-1)/2) / H
			v := yhi - dy*(yhi-ylo)
			if c.logY {
				v = math.Pow(10, v)
			}
			label = fmtLoss(v)
			axis = "┤"
			if g.ascii {
				axis = "+"
			}
		}
		lines = append(lines, st.Muted.Render(padLeft(label, yAxisW))+st.Faint.Render(axis)+plot[r])
	}
	// x axis: first and last epoch, "epoch" in the middle.
	left, right := fmt.Sprintf("%.0f", xlo), fmt.Sprintf("%.0f", xhi)
	mid := "epoch"
	if c.logY {
		mid = "epoch (log y)"
	}
	axis := axisLine(left, mid, right, pw)
	lines = append(lines, strings.Repeat(" ", yAxisW+1)+st.Faint.Render(axis))
	return fitLines(lines, w, h)
}

// fmtLoss formats a loss in at most 9 cells.
func fmtLoss(v float64) string {
	switch {
	case !finite(v):
		return "–"
	case v == 0:
		return "0"
	case math.Abs(v) >= 1e-3 && math.Abs(v) < 1e5:
		return fmt.Sprintf("%.4g", v)
	}
	return fmt.Sprintf("%.2e", v)
}
