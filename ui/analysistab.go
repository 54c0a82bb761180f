package ui

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/ctdtui/ctdtui/study"
	"github.com/ctdtui/ctdtui/ui/chart"
)

// analysisTab shows the focused run's latent PCA (scree with the cumulative
// variance against the 50/90/95/99% lines), its latent trajectories in the
// PC1-PC2 plane or a rotatable PC1-3 view for a set of trials starting at
// the Trials tab's trial, and the fixed-point finder: its settings as
// keyboard sliders, a progress bar while it runs (cancellable), then the
// summary (unique, stable, unstable and slow points, their stability types,
// the q-threshold ladder with < > choosing the threshold drawn, the top
// eigenvalues of each) with the points drawn over the trajectories; for arm
// models the closed-loop search (inputs held: closed loop). The right panel
// has pages (a): the trajectories, and the time-resolved analyses of
// analysis_time.go (aligned condition means, decoding curves, the
// cross-temporal heatmap; e picks the event). Everything comes from study,
// which caches per run and settings.
type analysisTab struct {
	sh   *shared
	keys analysisKeys
	w, h int

	picker *runPicker

	base bg[*analysisData] // scree and projection of the focused run and phase

	cursor  int // the focused slider (the settings are in shared: Compare uses them too)
	editing bool
	input   lineInput

	fp bg[*study.FixedPointReport] // the search for the sliders' settings (fpKeyOf)

	nTrials int // trials drawn, from the focused one on
	view    trajView3

	// The right panel's page (analysis_time.go), the event the aligned and
	// decoding pages align to (an index into the task's events), the
	// variable group of the cross-temporal page, and their results.
	page, event, group int
	// The decoding page's line chart and its zoom, pan and cursor.
	decChart chart.LineChart
	decNav   chart.Nav
	ck       chartKeys
	align    bg[*study.AlignReport]
	decode   bg[*study.DecodeReport]
	// rung is the ladder threshold shown (an index into the report's
	// ladder; -1: the q-threshold slider's).
	rung int
	cl   bg[*study.ClosedLoopReport] // closed-loop search (inputs held: closed loop)
}

// analysisData is what the tab draws for a run and phase before any fixed
// point: the scree and the projection of the latents on the top PCs.
type analysisData struct {
	sess  *session
	phase string
	scree *study.Scree
	proj  *study.Projection // roll.PCs: the latents on the top 3 PCs
	roll  *study.Rollout
}

func newAnalysisTab(sh *shared) *analysisTab {
	return &analysisTab{sh: sh, keys: newAnalysisKeys(sh.g), ck: newChartKeys(), nTrials: 8, view: trajView3{orbit: orbit{yaw: -60, pitch: 30}}, rung: -1}
}

func (t *analysisTab) Title() string    { return "Analysis" }
func (t *analysisTab) Focused() bool    { return t.editing }
func (t *analysisTab) SetSize(w, h int) { t.w, t.h = w, h }

func (t *analysisTab) want() string { return t.sh.focusKey() }

func (t *analysisTab) Enter() tea.Cmd {
	if t.sh.focus.dir == "" && t.picker == nil {
		t.picker = newRunPicker(t.sh, "Open a run to analyse", "", false)
	}
	return t.ensure()
}

// ensure loads the focused run and computes its scree and projection.
func (t *analysisTab) ensure() tea.Cmd {
	f := t.sh.focus
	if f.dir == "" {
		return nil
	}
	e, cmd := t.sh.store.open(f.dir, -1)
	if cmd != nil || e.sess == nil {
		return cmd
	}
	k := t.want()
	if t.base.settled(k) {
		t.lookupFP()
		return nil
	}
	sess, phase := e.sess, f.phase
	return t.base.start(k, "PCA of the latents", func(ctx context.Context, report func(float64, string)) (*analysisData, error) {
		roll, err := sess.Rollout(ctx, phase, func(p study.Progress) {
			if p.Stage == "pca" {
				report(-1, "PCA of the latents")
			} else {
				report(-1, "running the model on the "+phaseName(phase)+" trials")
			}
		})
		if err != nil {
			return nil, err
		}
		sc, err := sess.Scree(ctx, phase, 10)
		if err != nil {
			return nil, err
		}
		return &analysisData{sess: sess, phase: phase, scree: sc, proj: roll.PCs, roll: roll}, nil
	})
}

// shown is the data for the current focus, or nil.
func (t *analysisTab) shown() *analysisData {
	d, _ := t.base.get(t.want())
	return d
}

// options are the study options for the current sliders and focus; the held
// input at the cursor needs the focused trial.
func (t *analysisTab) options() (study.FixedPointOptions, error) {
	o := t.sh.fp.opts
	o.Phase = t.sh.focus.phase
	o.Inputs = nil
	d := t.shown()
	if d == nil {
		return o, fmt.Errorf("the run is not loaded yet")
	}
	if t.sh.fp.inputs == 1 {
		if len(d.proj.Trials) == 0 {
			return o, fmt.Errorf("the %s phase has no trials to take the input from", d.phase)
		}
		k := max(0, min(t.sh.focus.trial, len(d.proj.Trials)-1))
		step := max(0, min(t.sh.focus.step, d.roll.Len(k)-1))
		o.Inputs = d.roll.HeldInput(k, step) // fixedpoints --inputs-at k:step
	}
	return o, nil
}

// fpKeyOf identifies a search: run, epoch and options.
func (t *analysisTab) fpKeyOf(o study.FixedPointOptions) string {
	b, _ := json.Marshal(o)
	return t.want() + "|" + string(b)
}

// fpKeyNow is the key of a search with the current settings ("" while the
// run is not loaded).
func (t *analysisTab) fpKeyNow() string {
	o, err := t.options()
	if err != nil {
		return ""
	}
	return t.fpKeyOf(o)
}

// lookupFP shows study's cached result for the current settings, if any.
func (t *analysisTab) lookupFP() {
	d := t.shown()
	if d == nil {
		return
	}
	o, err := t.options()
	if err != nil {
		return
	}
	k := t.fpKeyOf(o)
	if _, ok := t.fp.get(k); ok {
		return
	}
	if r, ok := d.sess.CachedFixedPoints(o); ok {
		t.fp.set(k, r)
	}
}

// currentFP is the search result for the current settings, or nil.
func (t *analysisTab) currentFP() *study.FixedPointReport {
	r, _ := t.fp.get(t.fpKeyNow())
	return r
}

// find starts the fixed-point search for the current settings.
func (t *analysisTab) find() tea.Cmd {
	if t.closedLoop() {
		return t.findClosedLoop()
	}
	d := t.shown()
	if d == nil {
		t.sh.info("open a run first (o)")
		return nil
	}
	o, err := t.options()
	if err != nil {
		t.sh.fail(err)
		return nil
	}
	k := t.fpKeyOf(o)
	if r, ok := d.sess.CachedFixedPoints(o); ok {
		t.fp.set(k, r)
		t.sh.info("fixed points for these settings were already found")
		return nil
	}
	if t.fp.busy(k) {
		return nil
	}
	sess := d.sess
	t.fp.forget()
	return t.fp.start(k, "finding fixed points", func(ctx context.Context, report func(float64, string)) (*study.FixedPointReport, error) {
		return sess.FixedPoints(ctx, o, func(p study.Progress) {
			report(progressFrac(p), progressText(p))
		})
	})
}

func (t *analysisTab) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case runOpenedMsg:
		if msg.dir == t.sh.focus.dir {
			return t.ensure()
		}
	case focusChangedMsg:
		cmd := t.ensure()
		t.lookupFP()
		return tea.Batch(cmd, t.ensurePage())
	case workMsg:
		return t.onWork(msg)
	case tea.KeyMsg:
		return t.onKey(msg)
	case tea.MouseMsg:
		if lo, hi, ok := t.decExtent(); ok {
			chartMouse(msg, &t.decNav, lo, hi)
		}
	}
	return nil
}

func (t *analysisTab) onWork(msg workMsg) tea.Cmd {
	switch out, cmd := t.base.take(msg, t.want()); out {
	case workPending:
		return cmd
	case workStale:
		return t.ensure() // for a run or phase no longer shown: dropped
	case workArrived:
		t.lookupFP()
		return t.ensurePage()
	case workFailed:
		return nil
	}
	if cmd, ok := t.onPageWork(msg); ok {
		return cmd
	}
	if cmd, ok := t.onClosedLoopWork(msg); ok {
		return cmd
	}
	switch out, cmd := t.fp.take(msg, t.fpKeyNow()); out {
	case workPending:
		return cmd
	case workFailed:
		t.sh.fail(fmt.Errorf("fixed points: %s", firstLine(t.fp.err)))
	case workStale:
		// Settings (or the run) changed while it ran: not shown.
		t.sh.info("the fixed points found for the previous settings were dropped: f searches with these")
	case workArrived:
		r := t.fp.val
		t.sh.good(fmt.Sprintf("found %d fixed points, %d stable", r.Fixed, r.Stable))
	}
	return nil
}

// cancelFind stops a running search; its result, if it still arrives, is
// ignored.
func (t *analysisTab) cancelFind() bool {
	if !t.fp.cancel() {
		return false
	}
	t.sh.info("fixed-point search cancelled")
	return true
}

func (t *analysisTab) onKey(km tea.KeyMsg) tea.Cmd {
	k := t.keys
	if t.picker != nil {
		res := t.picker.key(km)
		switch {
		case res.closed:
			t.picker = nil
		case res.picked != "":
			t.picker = nil
			return t.openRun(res.picked)
		}
		return nil
	}
	if t.editing {
		switch {
		case key.Matches(km, k.Confirm):
			if err := fpSliders[t.cursor].parse(&t.sh.fp, t.input.Value()); err != nil {
				t.sh.fail(err)
				return nil
			}
			t.editing = false
			t.lookupFP()
		case key.Matches(km, k.Cancel):
			t.editing = false
		default:
			t.input.key(km.String(), km.Runes)
		}
		return nil
	}
	if lo, hi, ok := t.decExtent(); ok && !key.Matches(km, t.ck.CursorJump) && chartKey(km, t.ck, &t.decNav, lo, hi, 1, true) {
		return nil // the decoding page's chart (< > stay the ladder's)
	}
	switch {
	case key.Matches(km, k.Open):
		t.picker = newRunPicker(t.sh, "Open a run to analyse", t.sh.focus.dir, t.sh.focus.dir != "")
	case key.Matches(km, k.Phase):
		if !t.sh.togglePhase() {
			return nil
		}
		t.sh.focus.step = 0
		return tea.Batch(t.ensure(), focusChanged)
	case key.Matches(km, k.Stop) && t.fp.running() != nil:
		t.cancelFind()
	case key.Matches(km, k.Find):
		return t.find()
	case key.Matches(km, k.Move):
		t.cursor = max(0, min(len(fpSliders)-1, t.cursor+direction(km)))
	case key.Matches(km, k.Adjust), key.Matches(km, k.Coarse):
		d := fpSliders[t.cursor]
		if !d.nudge(&t.sh.fp, direction(km), key.Matches(km, k.Coarse)) {
			t.sh.info(fmt.Sprintf("%s is at its bound", d.name))
		}
		t.lookupFP()
	case key.Matches(km, k.Edit):
		t.editing = true
		t.input = newLineInput(fpSliders[t.cursor].value(&t.sh.fp), true)
	case key.Matches(km, k.More):
		if km.String() == "-" {
			t.nTrials = max(1, t.nTrials/2)
		} else {
			t.nTrials = min(256, t.nTrials*2)
		}
	case key.Matches(km, k.Trials):
		if d := t.shown(); d != nil {
			f := &t.sh.focus
			f.trial = max(0, min(len(d.proj.Trials)-1, f.trial+stepDir(km)))
			f.step = 0
			t.lookupFP()
			return focusChanged
		}
	case key.Matches(km, k.Page):
		t.page = (t.page + 1) % nPages
		return t.ensurePage()
	case key.Matches(km, k.Event):
		if n := len(t.events()); n > 0 {
			t.event = (t.event + 1) % n
			t.sh.info("aligned to " + t.eventName())
		}
		return t.ensurePage()
	case key.Matches(km, k.Group):
		t.group++
	case key.Matches(km, k.Rung):
		t.moveRung(stepDir(km))
	case key.Matches(km, k.View):
		t.view.on3D = !t.view.on3D
	case key.Matches(km, k.Rotate):
		t.view.rotate(15*float64(direction(km)), 0)
	case key.Matches(km, k.Tilt):
		t.view.rotate(0, 10*float64(direction(km)))
	}
	return nil
}

// decExtent is the decoding page's aligned steps, when that page is shown
// with its result.
func (t *analysisTab) decExtent() (float64, float64, bool) {
	if t.page != pageDecoding || t.shown() == nil {
		return 0, 0, false
	}
	r, ok := t.decode.get(t.decodeKey())
	if !ok || r == nil || len(r.Steps) < 2 {
		return 0, 0, false
	}
	return float64(r.Steps[0]), float64(r.Steps[len(r.Steps)-1]), true
}

func (t *analysisTab) openRun(dir string) tea.Cmd {
	return tea.Batch(t.sh.focusRun(dir), t.ensure())
}

// ---- view ----

func (t *analysisTab) View() string {
	if t.picker != nil {
		return t.picker.View(t.w, t.h)
	}
	if v, ok := focusedPlaceholder(t.sh, &t.base, t.want(), "Cannot analyse this run", "Computing the PCA…", t.w, t.h); ok {
		return v
	}
	d := t.shown()
	leftW := max(36, min(56, t.w*2/5))
	rightW := t.w - leftW - 3
	sep := " " + t.sh.st.Faint.Render(t.sh.g.vrule) + " "
	screeH := min(12, max(5, t.h/3))
	left := t.screeView(d, leftW, screeH) + "\n" + t.fpView(d, leftW, t.h-screeH)
	return joinColumns(t.h, sep, column{left, leftW}, column{t.pageView(d, rightW, t.h), rightW})
}

// screeView draws one row per PC on a 0-100% scale: a bar for the PC's share
// of the variance, a dot at the cumulative share (the dots form the
// cumulative curve) and faint guides at 50, 90, 95 and 99%.
func (t *analysisTab) screeView(d *analysisData, w, h int) string {
	st, g := t.sh.st, t.sh.g
	sc := d.scree
	pr := "–"
	if finite(sc.ParticipationRatio) {
		pr = fmt.Sprintf("%.1f", sc.ParticipationRatio)
	}
	title := st.Header.Render("PCA scree") + st.Muted.Render(fmt.Sprintf(" · %s latents · PR %s", d.phase, pr))
	lines := []string{truncStyled(title, w)}
	const labW, pctW = 5, 5
	pw := w - labW - pctW - 1
	if pw < 10 || h < 4 {
		return fitBlock(strings.Join(lines, "\n"), w, h)
	}
	guides := []float64{0.5, 0.9, 0.95, 0.99}
	cellOf := func(f float64) int { return max(0, min(pw-1, int(math.Round(f*float64(pw)))-1)) }
	// Axis row: the guide percentages above their columns.
	axis := []rune(strings.Repeat(" ", pw))
	for _, gd := range guides {
		lab := []rune(fmt.Sprintf("%.0f", 100*gd))
		c := cellOf(gd) - len(lab) + 1
		free := c >= 1 && axis[c-1] == ' '
		for i := range lab {
			if c+i < 0 || c+i >= pw || axis[c+i] != ' ' || (c+i+1 < pw && axis[c+i+1] != ' ') {
				free = false
			}
		}
		if free {
			copy(axis[c:], lab)
		}
	}
	lines = append(lines, strings.Repeat(" ", labW)+st.Faint.Render(string(axis)+" %"))
	rows := min(len(sc.Ratio), h-3)
	guide, dot := "┊", "●"
	if g.ascii {
		guide, dot = ":", "o"
	}
	// The bars are ntcharts' (through package chart), over faint guides,
	// with the cumulative share's dot on top.
	sf := chart.NewSurface(pw, max(rows, 0), g.ascii)
	for j := 0; j < rows; j++ {
		for _, gd := range guides {
			sf.Text(cellOf(gd), j, guide, chart.FG(st.theme.Faint))
		}
	}
	chart.Bars(sf, 0, 0, pw, sc.Ratio[:max(rows, 0)], chart.FG(st.theme.Accent))
	for j := 0; j < rows; j++ {
		if c := sc.Cumulative[j]; finite(c) {
			sf.Text(cellOf(c), j, dot, chart.FG(st.theme.Val))
		}
	}
	for j, l := range sf.Lines() {
		lines = append(lines, st.Muted.Render(padRight(fmt.Sprintf("PC%d", j+1), labW))+l+" "+st.Text.Render(padLeft(fmtPct(sc.Ratio[j]), pctW-1)))
	}
	legend := fmt.Sprintf("PCs: 50%% %d · 90%% %d · 95%% %d · 99%% %d", sc.PCsFor50, sc.PCsFor90, sc.PCsFor95, sc.PCsFor99)
	lines = append(lines, st.Muted.Render(truncate(legend, w, g.ellipsis)))
	return fitBlock(strings.Join(lines, "\n"), w, h)
}

// truncStyled cuts a styled line to w cells.
func truncStyled(s string, w int) string {
	if ansi.StringWidth(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "")
}

// fpView is the finder's sliders, then its progress or its summary.
func (t *analysisTab) fpView(d *analysisData, w, h int) string {
	st, g := t.sh.st, t.sh.g
	lines := []string{st.Header.Render("Fixed points") + st.Muted.Render(" · f finds")}
	nameW := 14
	valW := 10
	barW := max(0, min(16, w-2-nameW-1-valW-2))
	for i, dfn := range fpSliders {
		marker, style := "  ", st.Text
		if i == t.cursor {
			marker, style = st.Cursor.Render(g.right+" "), st.Cursor
			if g.ascii {
				marker = st.Cursor.Render("> ")
			}
		}
		row := marker + style.Render(padRight(truncate(dfn.name, nameW, g.ellipsis), nameW)) + " "
		if i == t.cursor && t.editing {
			row += t.input.View(barW+1+valW, st.Input, st.InputCursor)
			lines = append(lines, row)
			continue
		}
		val := dfn.value(&t.sh.fp)
		if dfn.choices != nil {
			if i == t.cursor {
				val = g.left + " " + val + " " + g.right
			}
			row += st.Text.Render(padRight(truncate(val, barW+1+valW, g.ellipsis), barW+1+valW))
		} else {
			if barW >= 4 {
				k := int(math.Round(dfn.pos(&t.sh.fp) * float64(barW-1)))
				fill := st.Muted
				if i == t.cursor {
					fill = st.Accent
				}
				row += fill.Render(strings.Repeat(g.barFull, k)+g.knob) + st.Faint.Render(strings.Repeat(g.barEmpty, barW-1-k)) + " "
			}
			row += st.Text.Render(padLeft(truncate(val, valW, g.ellipsis), valW))
		}
		lines = append(lines, row)
	}
	if t.sh.fp.inputs == 1 {
		lines = append(lines, st.Muted.Render(truncate(fmt.Sprintf("  input of trial %d at step %d (Trials tab)", t.sh.focus.trial+1, t.sh.focus.step), w, g.ellipsis)))
	}
	lines = append(lines, "")
	if t.closedLoop() {
		lines = append(lines, t.clStatus(w, h-len(lines))...)
		return fitBlock(strings.Join(lines, "\n"), w, h)
	}
	switch fp, err := t.currentFP(), t.fp.failed(t.fpKeyNow()); {
	case t.fp.running() != nil:
		fw := t.fp.running()
		text := fw.last.text
		if text == "" {
			text = "starting"
		}
		lines = append(lines, workBar(t.sh, fw, w, 0))
		lines = append(lines, st.Muted.Render(truncate(text, w, g.ellipsis)))
		lines = append(lines, st.Faint.Render("x stops the search"))
	case fp != nil:
		lines = append(lines, t.fpSummary(fp, w, h-len(lines))...)
	case err != nil:
		for _, l := range wrap(firstLine(err), w) {
			lines = append(lines, st.Bad.Render(l))
		}
	default:
		lines = append(lines, st.Muted.Render(truncate("not searched with these settings: f starts", w, g.ellipsis)))
	}
	return fitBlock(strings.Join(lines, "\n"), w, h)
}

// fpSummary is the counts and, per point, its stability and top eigenvalues.
func (t *analysisTab) fpSummary(r *study.FixedPointReport, w, h int) []string {
	st, g := t.sh.st, t.sh.g
	head := st.Bold.Render(fmt.Sprintf("%d unique", r.Fixed)) + st.Muted.Render(" · ") +
		st.Good.Render(fmt.Sprintf("%d stable", r.Stable)) + st.Muted.Render(" · ") +
		st.Warn.Render(fmt.Sprintf("%d unstable", r.Unstable))
	lines := []string{truncStyled(head, w)}
	ft := r.FixedTypes
	lines = append(lines, st.Muted.Render(truncate("types: "+typeLine(ft.Stable, ft.Saddles, ft.Unstable, ft.Rotational, ft.WithSlowModes), w, g.ellipsis)))
	if lad := t.ladderLines(r, w, max(0, h-len(lines)-3)); len(lad) > 0 {
		lines = append(lines, lad...)
	}
	lines = append(lines, st.Muted.Render(truncate(fmt.Sprintf("%d slow · %d iterations · top |λ| of each:", r.Slow, r.Iters), w, g.ellipsis)))
	avail := h - len(lines)
	for i, p := range displayOrder(r.Points) {
		if i >= avail-1 && i < len(r.Points)-1 && avail > 0 {
			lines = append(lines, st.Faint.Render(fmt.Sprintf("  +%d more", len(r.Points)-i)))
			break
		}
		if len(lines) >= h {
			break
		}
		glyph, style := markGlyph(g, "unstable"), st.Warn
		if p.Stable {
			glyph, style = markGlyph(g, "stable"), st.Good
		}
		if p.Type != "" && p.Type != "stable" {
			glyph = strings.TrimPrefix(p.Type, "saddle-") // the number of unstable directions
			if p.Type == "unstable" || p.Type == "unknown" {
				glyph = markGlyph(g, "unstable")
			}
		}
		var eig []string
		for _, l := range p.Eigenvalues {
			if len(eig) == 3 {
				break
			}
			eig = append(eig, fmtEig(l, g.ascii))
		}
		q := fmt.Sprintf("q %.0e", p.Q)
		switch {
		case !finite(p.Q):
			q = "q –"
		case p.Q < 1e-20:
			q = "q<1e-20" // float64 rounding: a fixed point to machine precision
		}
		txt := fmt.Sprintf("%2d %s  λ %s", i+1, q, strings.Join(eig, " "))
		lines = append(lines, style.Render(glyph)+" "+st.Text.Render(truncate(txt, w-2, g.ellipsis)))
	}
	return lines
}

// displayOrder lists the points stable first, then by their largest |λ|
// (slowest first): q below the rounding floor is noise, so the finder's
// order by q is not a stable one to show.
func displayOrder(pts []study.FixedPoint) []study.FixedPoint {
	out := slices.Clone(pts)
	slices.SortStableFunc(out, func(a, b study.FixedPoint) int {
		switch {
		case a.Stable != b.Stable:
			if a.Stable {
				return -1
			}
			return 1
		case a.MaxAbsEig != b.MaxAbsEig:
			return cmp.Compare(b.MaxAbsEig, a.MaxAbsEig)
		case len(a.X) > 0 && len(b.X) > 0:
			return cmp.Compare(a.X[0], b.X[0])
		}
		return 0
	})
	return out
}

// fmtEig formats an eigenvalue: its modulus, with the angle when complex.
func fmtEig(l [2]float64, ascii bool) string {
	m := math.Hypot(l[0], l[1])
	if !finite(m) {
		return "–"
	}
	deg := math.Atan2(l[1], l[0]) * 180 / math.Pi
	if math.Abs(l[1]) < 1e-9 || math.Abs(deg) < 0.5 || math.Abs(math.Abs(deg)-180) < 0.5 {
		return fmt.Sprintf("%.4f", l[0]) // real, or as good as
	}
	if ascii {
		return fmt.Sprintf("%.4f@%.0fdeg", m, deg)
	}
	return fmt.Sprintf("%.4f∠%.0f°", m, deg)
}

// trajView draws the trials' latent trajectories in PC1-PC2 (or PC1-3
// rotated) with the fixed points over them.
func (t *analysisTab) trajView(d *analysisData, w, h int) string {
	st, g := t.sh.st, t.sh.g
	pr := d.proj
	n := len(pr.Trials)
	first := max(0, min(t.sh.focus.trial, n-1))
	count := min(t.nTrials, n-first)
	mode := t.view.describe(g.ascii)
	title := st.Header.Render("Trajectories") + st.Muted.Render(fmt.Sprintf(" · %s · trials %d-%d/%d", mode, first+1, first+count, n))
	var pcts []string
	for j, r := range pr.Ratio {
		pcts = append(pcts, fmt.Sprintf("PC%d %s", j+1, fmtPct(r)))
	}
	sub := st.Muted.Render(strings.Join(pcts, " · "))
	fp := t.currentFP()
	legend := ""
	if fp != nil {
		legend = st.Good.Render(markGlyph(g, "stable")+" stable") + "  " + st.Warn.Render(markGlyph(g, "unstable")+" unstable") +
			st.Muted.Render(fmt.Sprintf("  (%s phase PCs)", fp.Options.Phase))
	}
	ch := h - 3
	if ch < 3 || w < 10 || count <= 0 {
		return fitBlock(truncStyled(title, w)+"\n"+sub, w, h)
	}
	// The trajectories and fixed points as 3-vectors (PC3 = 0 when K < 3).
	K := pr.K
	var paths []trajPath
	for i := 0; i < count; i++ {
		paths = append(paths, trajPath{pts: pr.Trial(first + i), k: K, col: st.ChannelColor(i, count)})
	}
	var marks []trajMark
	if cl := t.currentCL(); t.closedLoop() && cl != nil && cl.Options.Phase == d.phase {
		for _, p := range cl.Points {
			m := trajMark{p: vec3(p.PC, len(p.PC)), glyph: markGlyph(g, "unstable"), col: st.theme.Warn}
			if p.Stable {
				m.glyph, m.col = markGlyph(g, "stable"), st.theme.Good
			}
			marks = append(marks, m)
		}
		legend = st.Good.Render(markGlyph(g, "stable")+" stable") + "  " + st.Warn.Render(markGlyph(g, "unstable")+" unstable") + st.Muted.Render(" closed-loop points")
	} else if fp != nil && fp.Options.Phase == d.phase && !t.closedLoop() {
		for _, p := range t.rungSlowPoints(fp) {
			marks = append(marks, trajMark{p: vec3(p.PC, len(p.PC)), glyph: slowGlyph(g), col: st.theme.Faint})
		}
		for _, p := range fp.Points {
			m := trajMark{p: vec3(p.PC, len(p.PC)), glyph: markGlyph(g, "unstable"), col: st.theme.Warn}
			if p.Stable {
				m.glyph, m.col = markGlyph(g, "stable"), st.theme.Good
			}
			marks = append(marks, m)
		}
		legend += st.Faint.Render(" " + slowGlyph(g) + " slow (ladder)")
	}
	plot, off := t.view.draw(t.sh, w, ch, paths, marks)
	if off > 0 {
		legend += st.Faint.Render(fmt.Sprintf("  %d off the plot", off))
	}
	axes := st.Faint.Render("x PC1, y PC2")
	if t.view.on3D {
		axes = st.Faint.Render("[ ] rotate, { } tilt")
	}
	if legend == "" {
		legend = axes
	}
	lines := []string{truncStyled(title, w), sub}
	lines = append(lines, plot...)
	lines = append(lines, truncStyled(legend, w))
	return fitBlock(strings.Join(lines, "\n"), w, h)
}

// ---- help ----

func (t *analysisTab) ShortHelp() []key.Binding {
	k := t.keys
	switch {
	case t.picker != nil:
		return t.picker.help()
	case t.editing:
		return []key.Binding{k.Confirm, k.Cancel}
	case t.shown() == nil:
		return []key.Binding{k.Open, k.Phase}
	case t.fp.running() != nil:
		return []key.Binding{k.Stop, k.Move, k.Adjust, k.More, k.View}
	}
	if _, _, ok := t.decExtent(); ok {
		c := t.ck
		return []key.Binding{k.Find, k.Move, k.Adjust, k.Page, k.Event, c.Cursor, c.Zoom, c.Pan, c.ResetView, c.Smooth, k.Rung, k.Phase, k.Open}
	}
	return []key.Binding{k.Find, k.Move, k.Adjust, k.Edit, k.Page, k.Event, k.Rung, k.More, k.Trials, k.View, k.Phase, k.Open}
}

func (t *analysisTab) FullHelp() [][]key.Binding {
	k := t.keys
	if t.picker != nil || t.editing {
		return [][]key.Binding{t.ShortHelp()}
	}
	if _, _, ok := t.decExtent(); ok {
		c := t.ck
		return [][]key.Binding{{k.Find, k.Stop, k.Rung}, {k.Move, k.Adjust, k.Coarse, k.Edit}, {k.Page, k.Event, k.Group},
			{c.Cursor, c.Zoom, c.Pan, c.ResetView, c.LogY, c.Smooth}, {k.Phase, k.Open}}
	}
	return [][]key.Binding{{k.Find, k.Stop, k.Rung}, {k.Move, k.Adjust, k.Coarse, k.Edit}, {k.Page, k.Event, k.Group}, {k.More, k.Trials, k.View, k.Rotate, k.Tilt}, {k.Phase, k.Open}}
}
