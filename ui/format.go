package ui

import (
	"fmt"
	"math"
	"strings"

	"github.com/ctdtui/ctdtui/ui/chart"
)

// Small helpers of the tabs' charts and readouts: value formats, ranges,
// the conversion of study's float32 arrays, a progress bar and a centred
// message. The charts themselves are drawn through package chart.

// finite reports whether v is a usable number.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// rangeOf is the range of the values, padded by pad of its span (see
// chart.Range: values beyond ±1e100 are left out).
func rangeOf(pad float64, vals ...[]float64) (lo, hi float64) { return chart.Range(pad, vals...) }

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
