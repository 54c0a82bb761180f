package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/ctdtui/ctdtui/study"
	"github.com/ctdtui/ctdtui/ui/chart"
)

// The fixed-point summary's q-threshold ladder (template Q3) and the
// closed-loop search of arm models (Q9). The ladder comes from the one
// search the sliders describe; < > moves along it, and the trajectory view
// then draws the places with q below that threshold: fixed points by type,
// slow places faint. With "inputs held: closed loop" (arm models) f searches
// the network and the arm together and the summary lists where the hand is
// at each point.

// closedLoop reports whether the sliders ask for the closed-loop search.
func (t *analysisTab) closedLoop() bool { return t.sh.fp.inputs == 2 }

// rungOf resolves t.rung for a ladder: the chosen rung, else the one of the
// q-threshold slider (or the nearest below it).
func (t *analysisTab) rungOf(n int, qthresh float64, ladder func(i int) float64) int {
	if n == 0 {
		return -1
	}
	if t.rung >= 0 {
		return min(t.rung, n-1)
	}
	best := 0
	for i := 0; i < n; i++ {
		if ladder(i) <= qthresh*(1+1e-9) {
			return i
		}
		best = i
	}
	return best
}

// moveRung steps the ladder threshold (dir −1 looser, +1 stricter).
func (t *analysisTab) moveRung(dir int) {
	r := t.currentFP()
	if r == nil || len(r.Ladder) == 0 {
		t.sh.info("no ladder yet: f finds fixed points")
		return
	}
	i := t.rungOf(len(r.Ladder), r.Options.QThresh, func(i int) float64 { return r.Ladder[i].QThresh })
	t.rung = max(0, min(len(r.Ladder)-1, i+dir))
}

// typeLine summarises type counts: "8 stable · saddle-1 12 · saddle-2 6".
func typeLine(stable int, saddles map[int]int, unstable, rot, slowModes int) string {
	parts := []string{fmt.Sprintf("%d stable", stable)}
	for k := 1; k <= 64; k++ {
		if n := saddles[k]; n > 0 {
			parts = append(parts, fmt.Sprintf("saddle-%d %d", k, n))
		}
	}
	if unstable > 0 {
		parts = append(parts, fmt.Sprintf("%d unstable", unstable))
	}
	if rot > 0 {
		parts = append(parts, fmt.Sprintf("%d rotational", rot))
	}
	if slowModes > 0 {
		parts = append(parts, fmt.Sprintf("%d with slow modes", slowModes))
	}
	return strings.Join(parts, " · ")
}

// ladderLines draws the ladder: one bar of places per threshold, the
// chosen rung highlighted, then that rung's split by type.
func (t *analysisTab) ladderLines(r *study.FixedPointReport, w, h int) []string {
	st, g := t.sh.st, t.sh.g
	if len(r.Ladder) == 0 || h < 2 {
		return nil
	}
	cur := t.rungOf(len(r.Ladder), r.Options.QThresh, func(i int) float64 { return r.Ladder[i].QThresh })
	maxP := 1
	for _, l := range r.Ladder {
		maxP = max(maxP, l.Places)
	}
	// The rungs as columns (ntcharts' sparkline through package chart).
	vals := make([]float64, len(r.Ladder))
	for i, l := range r.Ladder {
		vals[i] = float64(l.Places)
	}
	bar := chart.Columns(vals, float64(maxP), func(i int) chart.Style {
		if i == cur {
			return chart.Style{FG: st.theme.Accent, Bold: true}
		}
		return chart.FG(st.theme.Muted)
	}, g.ascii)
	c := r.Ladder[cur]
	lines := []string{truncStyled(st.Header.Render("ladder ")+st.Faint.Render("1e-1 ")+bar+st.Faint.Render(" 1e-14")+st.Muted.Render("  < >"), w)}
	head := fmt.Sprintf("q < %.0e: %d places (%d fixed, %d slow) from %d inits", c.QThresh, c.Places, c.Fixed, c.Slow, c.Rows)
	lines = append(lines, st.Text.Render(truncate(head, w, g.ellipsis)))
	for _, l := range wrap(typeLine(c.Types.Stable, c.Types.Saddles, c.Types.Unstable, c.Types.Rotational, c.Types.WithSlowModes), w-2) {
		if len(lines) >= h {
			break
		}
		lines = append(lines, "  "+st.Muted.Render(l))
	}
	return lines
}

// rungMarks are the places under the chosen rung for the trajectory view:
// the slow (and loose) points with q below it, fixed points being drawn
// already.
func (t *analysisTab) rungSlowPoints(r *study.FixedPointReport) []study.FixedPoint {
	if len(r.Ladder) == 0 {
		return nil
	}
	tau := r.Ladder[t.rungOf(len(r.Ladder), r.Options.QThresh, func(i int) float64 { return r.Ladder[i].QThresh })].QThresh
	var out []study.FixedPoint
	for _, pts := range [][]study.FixedPoint{r.SlowPoints, r.LoosePoints} {
		for _, p := range pts {
			if p.Q < tau {
				out = append(out, p)
			}
		}
	}
	return out
}

// ---- closed loop ----

func (t *analysisTab) clOptions() (study.FixedPointOptions, error) {
	o := t.sh.fp.opts
	o.Phase, o.Inputs, o.ClosedLoop = t.sh.focus.phase, nil, true
	if t.shown() == nil {
		return o, fmt.Errorf("the run is not loaded yet")
	}
	return o, nil
}

func (t *analysisTab) clKeyNow() string {
	o, err := t.clOptions()
	if err != nil {
		return ""
	}
	b, _ := json.Marshal(o)
	return t.want() + "|cl|" + string(b)
}

// currentCL is the closed-loop result for the current settings, or nil.
func (t *analysisTab) currentCL() *study.ClosedLoopReport {
	r, _ := t.cl.get(t.clKeyNow())
	return r
}

// findClosedLoop starts the closed-loop search (arm models only).
func (t *analysisTab) findClosedLoop() tea.Cmd {
	d := t.shown()
	if d == nil {
		t.sh.info("open a run first (o)")
		return nil
	}
	if d.sess.Run.Task.Plant() == nil {
		t.sh.fail(fmt.Errorf("closed-loop fixed points need an arm model; this run's task is %s (inputs held: zero or at cursor)", d.sess.Run.Task.Kind()))
		return nil
	}
	o, _ := t.clOptions()
	k := t.clKeyNow()
	if r, ok := d.sess.CachedClosedLoop(o); ok {
		t.cl.set(k, r)
		return nil
	}
	if t.cl.busy(k) {
		return nil
	}
	sess := d.sess
	t.cl.forget()
	return t.cl.start(k, "finding closed-loop fixed points", func(ctx context.Context, report func(float64, string)) (*study.ClosedLoopReport, error) {
		return sess.ClosedLoopFixedPoints(ctx, o, func(p study.Progress) { report(progressFrac(p), progressText(p)) })
	})
}

func (t *analysisTab) onClosedLoopWork(msg workMsg) (tea.Cmd, bool) {
	switch out, cmd := t.cl.take(msg, t.clKeyNow()); out {
	case workNotMine:
		return nil, false
	case workPending:
		return cmd, true
	case workFailed:
		t.sh.fail(fmt.Errorf("closed-loop fixed points: %s", firstLine(t.cl.err)))
	case workStale:
		t.sh.info("the closed-loop points found for the previous settings were dropped: f searches with these")
	case workArrived:
		r := t.cl.val
		t.sh.good(fmt.Sprintf("found %d closed-loop fixed points, %d stable", r.Fixed, r.Stable))
	}
	return nil, true
}

// clSummary lists the closed-loop points: type, where the hand is and how
// far from the target, and the same state's type for the network alone.
func (t *analysisTab) clSummary(r *study.ClosedLoopReport, w, h int) []string {
	st, g := t.sh.st, t.sh.g
	head := st.Bold.Render(fmt.Sprintf("%d closed-loop", r.Fixed)) + st.Muted.Render(" · ") +
		st.Good.Render(fmt.Sprintf("%d stable", r.Stable)) + st.Muted.Render(" · ") +
		st.Warn.Render(fmt.Sprintf("%d unstable", r.Unstable)) + st.Muted.Render(fmt.Sprintf(" · %d slow", r.Slow))
	lines := []string{truncStyled(head, w)}
	if r.Target != nil {
		lines = append(lines, st.Muted.Render(truncate(fmt.Sprintf("target (%.3f, %.3f) m held, go cue on; hand at each point:", r.Target[0], r.Target[1]), w, g.ellipsis)))
	}
	for i, p := range r.Points {
		if len(lines) >= h-1 && i < len(r.Points)-1 {
			lines = append(lines, st.Faint.Render(fmt.Sprintf("  +%d more", len(r.Points)-i)))
			break
		}
		glyph, style := markGlyph(g, "unstable"), st.Warn
		if p.Stable {
			glyph, style = markGlyph(g, "stable"), st.Good
		}
		where := ""
		if len(p.Controlled) >= 2 {
			where = fmt.Sprintf("(%.3f, %.3f)", p.Controlled[0], p.Controlled[1])
		}
		if finite(p.TargetError) {
			where += fmt.Sprintf(" %.1f mm off", 1000*p.TargetError)
		}
		txt := fmt.Sprintf("%2d %s |λ| %.3f %s · alone %s", i+1, p.Type, p.MaxAbsEig, where, p.OpenLoop.Type)
		lines = append(lines, style.Render(glyph)+" "+st.Text.Render(truncate(txt, w-2, g.ellipsis)))
	}
	if len(r.Points) == 0 {
		lines = append(lines, st.Muted.Render(truncate("no closed-loop fixed point: more inits or iterations may find one", w, g.ellipsis)))
	}
	return lines
}

// clStatus is the closed-loop search's progress, error or summary.
func (t *analysisTab) clStatus(w, h int) []string {
	st, g := t.sh.st, t.sh.g
	k := t.clKeyNow()
	switch r, err := t.currentCL(), t.cl.failed(k); {
	case t.cl.running() != nil:
		fw := t.cl.running()
		text := fw.last.text
		if text == "" {
			text = "starting"
		}
		return []string{workBar(t.sh, fw, w, 0), st.Muted.Render(truncate(text, w, g.ellipsis)), st.Faint.Render("x stops the search")}
	case r != nil:
		return t.clSummary(r, w, h)
	case err != nil:
		var out []string
		for _, l := range wrap(firstLine(err), w) {
			out = append(out, st.Bad.Render(l))
		}
		return out
	}
	return []string{st.Muted.Render(truncate("network and arm together, the mean target held: f starts", w, g.ellipsis))}
}

func slowGlyph(g glyphs) string {
	if g.ascii {
		return "."
	}
	return "·"
}
