package ui

import (
	"fmt"
	"math"

	"github.com/charmbracelet/lipgloss"

	"github.com/ctdtui/ctdtui/ui/chart"
)

// lossChart is the Train tab's loss chart: the train and validation losses
// of the shown run (or an overlay of several runs' curves) on an ntcharts
// line chart through package chart, with the tab's zoom, pan, value cursor,
// log y and smoothing (nav). It keeps its own copy of the losses (only
// finite values get in) and is redrawn only when they, its size or a
// setting changed.
type lossChart struct {
	sh         *shared
	train, val curve
	// overlay, when set, replaces the train and validation curves: one
	// curve per run, each in its own colour (the Train tab's overlay).
	overlay []chartSeries
	nav     chart.Nav
	palette chart.Palette // the overlay's colours, one per run for as long as it is shown
	w, h    int
	c       chart.LineChart
	refused int // non-finite values refused
	dirty   bool
}

// curve is one loss curve: epochs and values.
type curve struct{ x, y []float64 }

func (c *curve) add(x, y float64) { c.x, c.y = append(c.x, x), append(c.y, y) }
func (c *curve) len() int         { return len(c.y) }

type point struct{ x, y float64 }

// chartSeries is one curve of an overlay: its points, colour and legend name.
type chartSeries struct {
	name string
	pts  []point
	col  lipgloss.Color
}

func newLossChart(sh *shared) *lossChart {
	c := &lossChart{sh: sh, dirty: true}
	c.nav.MinSpan = 4
	for i := 0; i < maxOverlay; i++ {
		c.palette.Colors = append(c.palette.Colors, sh.st.ChannelColor(i, maxOverlay))
	}
	return c
}

// runColor is a run's colour in the overlay.
func (c *lossChart) runColor(dir string) lipgloss.Color { return c.palette.Color(dir) }

// keepRuns frees the colours of runs that left the overlay.
func (c *lossChart) keepRuns(dirs []string) { c.palette.Keep(dirs) }

func (c *lossChart) Reset() {
	c.train, c.val = curve{}, curve{}
	c.dirty = true
}

// Add records one epoch. NaN and ±Inf are refused here, where values enter
// the UI, so nothing downstream ever sees them.
func (c *lossChart) Add(epoch int, train, val float64) {
	if finite(train) {
		c.train.add(float64(epoch), train)
	} else {
		c.refused++
	}
	if finite(val) {
		c.val.add(float64(epoch), val)
	} else {
		c.refused++
	}
	c.dirty = true
}

// SetOverlay draws these curves instead of the train and validation ones
// (nil: back to them). Non-finite values are left out.
func (c *lossChart) SetOverlay(series []chartSeries) {
	c.overlay = c.overlay[:0]
	for _, s := range series {
		var pts []point
		for _, p := range s.pts {
			if finite(p.y) && finite(p.x) {
				pts = append(pts, p)
			}
		}
		c.overlay = append(c.overlay, chartSeries{name: s.name, pts: pts, col: s.col})
	}
	c.dirty = true
}

func (c *lossChart) SetLogY(on bool) { c.nav.LogY = on }

func (c *lossChart) SetSize(w, h int) { c.w, c.h = w, h }

func (c *lossChart) Empty() bool {
	c.sync()
	return c.c.Empty()
}

// sync hands the curves to the chart after they changed.
func (c *lossChart) sync() {
	if !c.dirty {
		return
	}
	c.dirty = false
	st := c.sh.st
	var ss []chart.Series
	if len(c.overlay) > 0 {
		for _, o := range c.overlay {
			s := chart.Series{Name: o.name, Style: chart.FG(o.col)}
			for _, p := range o.pts {
				s.X, s.Y = append(s.X, p.x), append(s.Y, p.y)
			}
			ss = append(ss, s)
		}
	} else {
		ss = []chart.Series{
			{Name: "train", X: c.train.x, Y: c.train.y, Style: chart.FG(st.theme.Train)},
			{Name: "val", X: c.val.x, Y: c.val.y, Style: chart.FG(st.theme.Val)},
		}
	}
	c.c.SetData("", ss)
}

// extent is the epochs spanned.
func (c *lossChart) extent() (float64, float64) {
	c.sync()
	return c.c.Extent()
}

// View returns exactly h lines of exactly w cells.
func (c *lossChart) View() string {
	c.sync()
	st := c.sh.st
	c.c.Nav = &c.nav
	c.c.YAxis, c.c.XAxis, c.c.XLabel, c.c.XStep = true, true, "epoch", 1
	c.c.YFmt = fmtLoss
	c.c.YPad = 0.05
	c.c.ASCII = c.sh.g.ascii
	c.c.AxisStyle = chart.FG(st.theme.Faint)
	c.c.CursorStyle = chart.FG(st.theme.Accent)
	if c.w < 13 || c.h < 3 {
		return fitBlock("", c.w, c.h)
	}
	return c.c.View(c.w, c.h)
}

// renders counts the chart's full redraws.
func (c *lossChart) renders() int { return c.c.Renders }

// readings are the curves' values at the cursor.
func (c *lossChart) readings() []chart.Reading {
	c.sync()
	if !c.nav.CursorOn {
		return nil
	}
	return c.c.Readings(c.nav.Cursor)
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
