package ui

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/ctdtui/ctdtui/study"
	"github.com/ctdtui/ctdtui/ui/chart"
)

// Widgets drawn by more than one tab: the error block that replaces a tab's
// content, the line and bar of a running background work (and the text of
// study's progress reports), the x-axis line
// under a plot, and the 2-D/3-D latent trajectory view of the Analysis and
// Compare tabs, drawn through package chart.

// errorBlock shows an error in place of a tab's content: a title, the
// error's first line wrapped, and a hint of what to do.
func errorBlock(sh *shared, title string, err error, hint string, w, h int) string {
	return fitBlock(strings.Join(errorLines(sh, title, err, hint, w), "\n"), w, h)
}

// errorLines are errorBlock's lines, for a tab that puts a heading above them.
func errorLines(sh *shared, title string, err error, hint string, w int) []string {
	st := sh.st
	lines := []string{st.Bad.Render(title), ""}
	for _, l := range wrap(firstLine(err), w-2) {
		lines = append(lines, st.Text.Render(l))
	}
	if hint != "" {
		lines = append(lines, "", st.Muted.Render(hint))
	}
	return lines
}

// focusedPlaceholder is what a tab drawing the focused run (Trials,
// Analysis) shows until its data for want is there: that no run is open,
// that it is loading or could not be opened, or that the data is being
// computed (computing until the work reports a stage) or failed. ok is
// false once the data is ready.
func focusedPlaceholder[T any](sh *shared, data *bg[T], want, failTitle, computing string, w, h int) (view string, ok bool) {
	f := sh.focus
	e := sh.store.entries[f.dir]
	switch {
	case f.dir == "" || e == nil:
		return centred(sh, w, h, "No run open: press o to pick one."), true
	case e.work != nil:
		return centred(sh, w, h, "Loading "+filepath.Base(f.dir)+"…"), true
	case e.err != nil:
		return errorBlock(sh, failTitle, e.err, "o opens another run", w, h), true
	}
	if _, ready := data.get(want); ready {
		return "", false
	}
	if err := data.failed(want); err != nil {
		return errorBlock(sh, failTitle, err, "o opens another run", w, h), true
	}
	if wk := data.running(); wk != nil {
		computing = workLine(sh, wk)
	}
	return centred(sh, w, h, computing), true
}

// workLine is a running computation's stage (or what it does) and how long
// it has run.
func workLine(sh *shared, w *bgWork) string {
	what := w.last.text
	if what == "" {
		what = w.what
	}
	return what + "… " + fmtDuration(sh.now().Sub(w.started))
}

// progressFrac is the fraction of a study stage done (-1 when unknown).
func progressFrac(p study.Progress) float64 {
	if p.Total <= 0 {
		return -1
	}
	return float64(p.Done) / float64(p.Total)
}

// progressText describes a study progress report.
func progressText(p study.Progress) string {
	s := p.Stage
	if p.Run != "" {
		s = p.Run + ": " + s
	}
	if p.Total > 0 {
		s += fmt.Sprintf(" %d/%d", p.Done, p.Total)
	}
	if p.Converged > 0 || p.Active > 0 {
		s += fmt.Sprintf(" · %d converged, %d active", p.Converged, p.Active)
	}
	if p.MeanQ > 0 && finite(p.MeanQ) {
		s += fmt.Sprintf(" · mean q %.1e", p.MeanQ)
	}
	return s
}

// workBar is a running computation's progress bar with its percentage (when
// known) and elapsed time, in w cells; the bar itself is at most maxBar
// cells (0: no limit).
func workBar(sh *shared, wk *bgWork, w, maxBar int) string {
	frac := wk.last.frac
	pct := ""
	if frac >= 0 {
		pct = fmt.Sprintf(" %3.0f%%", 100*frac)
	} else {
		frac = 0
	}
	el := fmtDuration(sh.now().Sub(wk.started))
	barW := max(4, w-len(el)-8)
	if maxBar > 0 {
		barW = max(4, min(maxBar, barW))
	}
	return progressBar(sh, frac, barW) + sh.st.Muted.Render(pct+" "+el)
}

// axisLine is a plot's x axis in w cells: left at the start, mid centred,
// right at the end.
func axisLine(left, mid, right string, w int) string {
	axis := padRight(left, max((w-len(mid))/2, len(left)+1)) + mid
	return padRight(axis, w-len(right)) + right
}

// orbit is the angle of an orthographic 3-D view: yaw about the vertical
// axis, then pitch, in degrees (matplotlib's azim and elev; its default view
// is yaw -60, pitch 30). The Task tab's cube and the trajectory view use it.
type orbit struct{ yaw, pitch float64 }

func (o *orbit) rotate(dyaw, dpitch float64) {
	o.yaw = math.Mod(o.yaw+dyaw+360, 360)
	o.pitch = math.Max(-90, math.Min(90, o.pitch+dpitch))
}

// view returns the screen coordinates (right, up) of the point (x, y, z),
// z being the vertical axis.
func (o orbit) view(x, y, z float64) (float64, float64) {
	ya, pa := o.yaw*math.Pi/180, o.pitch*math.Pi/180
	x, y = x*math.Cos(ya)-y*math.Sin(ya), x*math.Sin(ya)+y*math.Cos(ya)
	_, z = y*math.Cos(pa)-z*math.Sin(pa), y*math.Sin(pa)+z*math.Cos(pa)
	return x, z
}

// trajView3 is how latent trajectories are drawn: the PC1-PC2 plane, or an
// orthographic view of PC1-3 rotated by yaw (about PC3) and pitch.
type trajView3 struct {
	on3D bool
	orbit
}

func (v *trajView3) rotate(dyaw, dpitch float64) {
	v.on3D = true
	v.orbit.rotate(dyaw, dpitch)
}

// describe names the view for a title.
func (v *trajView3) describe(ascii bool) string {
	switch {
	case !v.on3D:
		return "PC1-PC2"
	case ascii:
		return fmt.Sprintf("PC1-3 yaw %.0f pitch %.0f", v.yaw, v.pitch)
	}
	return fmt.Sprintf("PC1-3 · yaw %.0f° pitch %.0f°", v.yaw, v.pitch)
}

// trajPath is one trajectory: rows of k PC scores.
type trajPath struct {
	pts []float64
	k   int
	col lipgloss.Color
}

// trajMark is a point drawn as a glyph (a fixed point).
type trajMark struct {
	p     [3]float64
	glyph string
	col   lipgloss.Color
}

// vec3 reads the first three of k values (missing ones are 0).
func vec3(v []float64, k int) [3]float64 {
	var p [3]float64
	for j := 0; j < min(3, k, len(v)); j++ {
		p[j] = v[j]
	}
	return p
}

func (v *trajView3) project(p [3]float64) (float64, float64) {
	if !v.on3D {
		return p[0], p[1]
	}
	return v.view(p[0], p[1], p[2])
}

// draw renders the paths and marks in w×h cells, framed on the paths
// (equal scales), with axes: in the PC1-PC2 plane tick labels along the
// bottom and the left, in 3-D a triad of the PC1-3 directions in the
// corner. It returns the lines and how many marks fell outside. The
// projection is this package's (ntcharts has no 3-D); the drawing is
// package chart's.
func (v *trajView3) draw(sh *shared, w, h int, paths []trajPath, marks []trajMark) ([]string, int) {
	st, g := sh.st, sh.g
	s := chart.NewSurface(w, h, g.ascii)
	var xs, ys []float64
	proj := make([][2][]float64, len(paths))
	for i, p := range paths {
		for j := 0; j+p.k <= len(p.pts); j += p.k {
			x, y := v.project(vec3(p.pts[j:j+p.k], p.k))
			proj[i][0], proj[i][1] = append(proj[i][0], x), append(proj[i][1], y)
		}
		xs, ys = append(xs, proj[i][0]...), append(ys, proj[i][1]...)
	}
	xlo, xhi := rangeOf(0.05, xs)
	ylo, yhi := rangeOf(0.05, ys)
	// The plot area leaves room for the axes in 2-D.
	px, pw, ph := 0, w, h
	axes := !v.on3D && w >= 30 && h >= 6
	if axes {
		px, pw, ph = 7, w-7, h-1
	}
	fr := chart.NewFrame(s, px, 0, pw, ph, xlo, xhi, ylo, yhi).Equal()
	for i, p := range paths {
		fr.Path(proj[i][0], proj[i][1], chart.Stroke{Style: chart.FG(p.col)})
	}
	off := 0
	for _, m := range marks {
		x, y := v.project(m.p)
		if !finite(x) || !finite(y) || x < xlo || x > xhi || y < ylo || y > yhi || !fr.Mark(x, y, m.glyph, chart.FG(m.col)) {
			off++
		}
	}
	axis := chart.FG(st.theme.Faint)
	if axes {
		s.Text(px, h-1, chart.XAxisRow(pw, fr.XLo, fr.XHi, "PC1", nil), axis)
		for _, r := range []int{0, (ph - 1) / 2, ph - 1} {
			val := fr.YHi - (float64(4*r)+1.5)/float64(4*ph-1)*(fr.YHi-fr.YLo)
			s.Text(0, r, padLeft(chart.Num(val), 6), axis)
		}
		s.Text(0, max(1, (ph-1)/2+1), padLeft("PC2", 6), axis)
	} else if v.on3D && w >= 12 && h >= 6 {
		v.triad(s, axis)
	}
	return s.Lines(), off
}

// triad draws the directions of PC1, PC2 and PC3 in the view's bottom-left
// corner, each a short stroke with its number.
func (v *trajView3) triad(s *chart.Surface, st chart.Style) {
	const cw, ch = 9, 4 // cells
	fr := chart.NewFrame(s, 0, s.H-ch, cw, ch, -1.2, 1.2, -1.2, 1.2).Equal()
	pen := fr.Pen(chart.Stroke{Style: st})
	for i := 0; i < 3; i++ {
		var u [3]float64
		u[i] = 1
		x, y := v.view(u[0], u[1], u[2])
		pen.Seg(0, 0, 0.8*x, 0.8*y)
		defer fr.Mark(x, y, fmt.Sprint(i+1), st)
	}
	pen.Done()
}
