package ui

import (
	"fmt"
	"strings"

	"github.com/ctdtui/ctdtui/ui/chart"
)

// The Train tab's live-dynamics panel. The probe itself is study's
// (study.LiveProbe while a run trains, Session.Dynamics for a saved run, the
// same frame `ctdtui dynamics` prints): a few validation trials in their
// top-2 PC plane and a quick fixed-point search with the inputs held at
// zero, so the panel shows the trajectories and the number of stable fixed
// points appearing as the model learns (for the flip-flop: the 2^bits
// corners).

// dynHistory is the stable count at each probed epoch.
type dynPoint struct{ epoch, stable, fixed int }

// dynView is the Train tab's live-dynamics panel: the probe trials in the
// PC1-PC2 plane with the fixed points found, the stable count, and its
// history over the probed epochs.
func (t *trainTab) dynView(w, h int) string {
	st, g := t.sh.st, t.sh.g
	v := t.cur
	f := v.frame
	title := st.Header.Render("Latent dynamics")
	if f == nil {
		msg := "first probe after epoch 1…"
		if t.job == nil {
			msg = "probing the saved model…"
		}
		return fitBlock(title+"\n"+centred(t.sh, w, h-1, msg, "validation trials in the top-2 PC plane and the stable fixed points (inputs at 0), redrawn every few epochs"), w, h)
	}
	switch {
	case f.Saved:
		title += st.Muted.Render(fmt.Sprintf(" · saved epoch %d", f.Epoch))
	case f.Epoch > 0:
		title += st.Muted.Render(fmt.Sprintf(" · epoch %d", f.Epoch))
	}
	if f.Err != nil {
		lines := []string{title, ""}
		for _, l := range wrap("probe failed: "+firstLine(f.Err), w) {
			lines = append(lines, st.Bad.Render(l))
		}
		return fitBlock(strings.Join(lines, "\n"), w, h)
	}
	sub := st.Muted.Render(fmt.Sprintf("%d val trials · PC1 %s PC2 %s", len(f.Paths), fmtPct(f.Ratio[0]), fmtPct(f.Ratio[1])))
	count := st.Bold.Render(fmt.Sprintf("%d stable", f.Stable)) + st.Muted.Render(fmt.Sprintf(" · %d fixed pts", f.Fixed))
	if f.InputDim > 0 {
		count += st.Faint.Render(" · inputs 0")
	}
	lines := []string{title, sub}
	footer := []string{count}
	if hist := t.dynHistoryLine(w); hist != "" && h >= 10 {
		footer = append(footer, hist)
	}
	ch := h - len(lines) - len(footer)
	if ch < 2 {
		return fitBlock(strings.Join(append(lines, footer...), "\n"), w, h)
	}
	sf := chart.NewSurface(w, ch, g.ascii)
	var xs, ys []float64
	for _, tr := range f.Paths {
		for _, p := range tr {
			xs, ys = append(xs, p[0]), append(ys, p[1])
		}
	}
	xlo, xhi := rangeOf(0.05, xs)
	ylo, yhi := rangeOf(0.05, ys)
	fr := chart.NewFrame(sf, 0, 0, w, ch, xlo, xhi, ylo, yhi).Equal()
	for i, tr := range f.Paths {
		px, py := make([]float64, len(tr)), make([]float64, len(tr))
		for j, p := range tr {
			px[j], py[j] = p[0], p[1]
		}
		fr.Path(px, py, chart.Stroke{Style: chart.FG(st.ChannelColor(i, len(f.Paths)))})
	}
	for _, p := range f.Points {
		glyph, col := markGlyph(g, "unstable"), st.theme.Warn
		if p.Stable {
			glyph, col = markGlyph(g, "stable"), st.theme.Text
		}
		fr.Mark(p.PC[0], p.PC[1], glyph, chart.FG(col))
	}
	lines = append(lines, sf.Lines()...)
	lines = append(lines, footer...)
	return fitBlock(strings.Join(lines, "\n"), w, h)
}

// dynHistoryLine lists the stable counts at the probed epochs, newest last,
// as many as fit.
func (t *trainTab) dynHistoryLine(w int) string {
	st, g := t.sh.st, t.sh.g
	hist := t.cur.dynHist
	if len(hist) < 2 {
		return ""
	}
	head := "stable by epoch:"
	var parts []string
	used := len(head)
	for i := len(hist) - 1; i >= 0; i-- {
		p := fmt.Sprintf("%d@%d", hist[i].stable, hist[i].epoch)
		if used+1+len(p)+2 > w {
			parts = append([]string{g.ellipsis}, parts...)
			break
		}
		parts = append([]string{p}, parts...)
		used += 1 + len(p)
	}
	return st.Muted.Render(head + " " + strings.Join(parts, " "))
}
