package ui

import (
	"fmt"
	"math"
	"strings"

	"github.com/charmbracelet/lipgloss"
)

// Drawing helpers shared by the Trials, Analysis, Compare and Train tabs'
// plots. Everything goes through the canvas, which ignores non-finite
// coordinates; the helpers also skip non-finite data, so a NaN or ±Inf in a
// model's latents leaves a gap instead of a wild line.

// plotTimeSeries draws y over the canvas's full width (step t at dot
// t·(W−1)/(T−1)) between lo (bottom) and hi. A dashed series lights only
// every other pair of dot columns (the reference draws targets dashed).
func plotTimeSeries(cv *canvas, y []float64, T int, lo, hi float64, col lipgloss.Color, dashed bool) {
	W, H := float64(cv.Width()-1), float64(cv.Height()-1)
	if T < 1 || !(hi > lo) {
		return
	}
	n := min(len(y), T)
	xs, ys := make([]float64, n), make([]float64, n)
	for t, v := range y[:n] {
		if T > 1 {
			xs[t] = float64(t) * W / float64(T-1)
		}
		ys[t] = H - (v-lo)/(hi-lo)*H // non-finite stays non-finite: a gap
	}
	if !dashed {
		gappedLine(cv, xs, ys, col)
		return
	}
	px, py, have := 0.0, 0.0, false
	for t := range xs {
		if !finite(ys[t]) {
			have = false
			continue
		}
		dashedLine(cv, px, py, xs[t], ys[t], have, col)
		px, py, have = xs[t], ys[t], true
	}
}

// dashedLine draws the segment only on dot columns 0, 1 of every 4.
func dashedLine(cv *canvas, x0, y0, x1, y1 float64, joined bool, col lipgloss.Color) {
	if !joined {
		x0, y0 = x1, y1
	}
	n := int(math.Max(math.Abs(x1-x0), math.Abs(y1-y0))) + 1
	for i := 0; i <= n; i++ {
		f := float64(i) / float64(n)
		x, y := x0+f*(x1-x0), y0+f*(y1-y0)
		if int(math.Round(x))%4 < 2 {
			cv.set(int(math.Round(x)), int(math.Round(y)), col)
		}
	}
}

// stepDot is the dot column of step t on a canvas T steps wide.
func stepDot(cv *canvas, t, T int) float64 {
	if T <= 1 {
		return 0
	}
	return float64(t) * float64(cv.Width()-1) / float64(T-1)
}

// vline draws a vertical line at dot column x; a dotted one lights every
// other dot.
func vline(cv *canvas, x float64, col lipgloss.Color, dotted bool) {
	ix := int(math.Round(x))
	for y := 0; y < cv.Height(); y++ {
		if !dotted || y%2 == 0 {
			cv.set(ix, y, col)
		}
	}
}

// hline draws a horizontal line at dot row y.
func hline(cv *canvas, y float64, col lipgloss.Color, dotted bool) {
	iy := int(math.Round(y))
	for x := 0; x < cv.Width(); x++ {
		if !dotted || x%3 == 0 {
			cv.set(x, iy, col)
		}
	}
}

// rangeOf is the finite range of the values, padded by pad of its span; an
// empty or flat range is widened so that it can be drawn.
func rangeOf(pad float64, vals ...[]float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, s := range vals {
		for _, v := range s {
			if finite(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if lo > hi {
		return -1, 1
	}
	if hi-lo < 1e-9*math.Max(1, math.Abs(hi)) {
		d := math.Max(0.5*math.Abs(hi), 0.5)
		return lo - d, hi + d
	}
	p := pad * (hi - lo)
	return lo - p, hi + p
}

// widen32 converts float32 values to float64.
func widen32(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

// column32 extracts channel c of a row-major T×dim float32 array as float64.
func column32(x []float32, dim, c int) []float64 {
	if dim == 0 {
		return nil
	}
	T := len(x) / dim
	out := make([]float64, T)
	for t := range out {
		out[t] = float64(x[t*dim+c])
	}
	return out
}

// xyFrame maps data coordinates onto a canvas's dots. With equal set, one
// unit spans as many dots in x as in y (braille and ASCII dots are roughly
// square), and the data is centred in the unused direction.
type xyFrame struct {
	cv             *canvas
	xlo, xhi       float64
	ylo, yhi       float64
	sx, sy, ox, oy float64
}

func newXYFrame(cv *canvas, xlo, xhi, ylo, yhi float64, equal bool) *xyFrame {
	f := &xyFrame{cv: cv, xlo: xlo, xhi: xhi, ylo: ylo, yhi: yhi}
	W, H := float64(cv.Width()-1), float64(cv.Height()-1)
	if !(xhi > xlo) {
		f.xlo, f.xhi = xlo-1, xlo+1
	}
	if !(yhi > ylo) {
		f.ylo, f.yhi = ylo-1, ylo+1
	}
	f.sx, f.sy = W/(f.xhi-f.xlo), H/(f.yhi-f.ylo)
	if equal {
		s := math.Min(f.sx, f.sy)
		f.ox = (W - s*(f.xhi-f.xlo)) / 2
		f.oy = (H - s*(f.yhi-f.ylo)) / 2
		f.sx, f.sy = s, s
	}
	return f
}

// dot returns the dot coordinates of (x, y); y grows upwards in data.
func (f *xyFrame) dot(x, y float64) (float64, float64) {
	return f.ox + (x-f.xlo)*f.sx, float64(f.cv.Height()-1) - f.oy - (y-f.ylo)*f.sy
}

// line draws a segment in data coordinates.
func (f *xyFrame) line(x0, y0, x1, y1 float64, col lipgloss.Color) {
	a, b := f.dot(x0, y0)
	c, d := f.dot(x1, y1)
	f.cv.line(a, b, c, d, col)
}

// path draws a polyline through the points (xs[i], ys[i]); non-finite points
// break it.
func (f *xyFrame) path(xs, ys []float64, col lipgloss.Color) {
	dx, dy := make([]float64, len(xs)), make([]float64, len(xs))
	for i := range xs {
		dx[i], dy[i] = f.dot(xs[i], ys[i]) // non-finite stays non-finite
	}
	gappedLine(f.cv, dx, dy, col)
}

// mark writes glyph r into the cell holding (x, y), if it is on the canvas
// and the coordinates are finite.
func (f *xyFrame) mark(x, y float64, r rune, col lipgloss.Color) {
	if !finite(x) || !finite(y) {
		return
	}
	dx, dy := f.dot(x, y)
	cx, cy := int(math.Floor(dx))/f.cv.dx, int(math.Floor(dy))/f.cv.dy
	if dx < 0 || dy < 0 || cx >= f.cv.w || cy >= f.cv.h {
		return
	}
	f.cv.label(cx, cy, string(r), col)
}

// fmtVal formats a plotted value in at most 7 cells.
func fmtVal(v float64) string {
	switch {
	case !finite(v):
		return "–"
	case v == 0:
		return "0"
	case math.Abs(v) >= 1e-2 && math.Abs(v) < 1e4:
		return fmt.Sprintf("%+.3g", v)
	}
	return fmt.Sprintf("%+.0e", v)
}

// progressBar is a bar of w cells filled to frac (clamped to [0, 1]).
func progressBar(sh *shared, frac float64, w int) string {
	if w <= 0 {
		return ""
	}
	st, g := sh.st, sh.g
	if !finite(frac) {
		frac = 0
	}
	k := int(math.Round(math.Max(0, math.Min(1, frac)) * float64(w)))
	return st.Accent.Render(strings.Repeat(g.progFull, k)) + st.Faint.Render(strings.Repeat(g.progEmpty, w-k))
}

// centred places a one-line muted message in the middle of a w×h block.
func centred(sh *shared, w, h int, msgs ...string) string {
	lines := make([]string, max(0, (h-len(msgs))/2))
	for _, m := range msgs {
		if sh.g.ascii {
			m = strings.ReplaceAll(m, "…", "...")
		}
		for _, l := range wrap(m, max(w-2, 1)) {
			lines = append(lines, padLeft("", max(0, (w-len([]rune(l)))/2))+sh.st.Muted.Render(l))
		}
	}
	return fitBlock(strings.Join(lines, "\n"), w, h)
}

// fmtPct formats a fraction as a whole percentage; a non-finite one (a
// diverged model's PCA) is a dash.
func fmtPct(f float64) string {
	if !finite(f) {
		return "–%"
	}
	return fmt.Sprintf("%.0f%%", 100*f)
}
