package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/ctdtui/ctdtui/study"
)

// compareTab puts two runs side by side: the affine R² both ways (per PC
// and variance-weighted), the symmetric state R² (runs on the same trials),
// the DSA score and the fixed-point counts (study.Compare), and both
// models' latent trajectories for the same trials in the reference run A's
// PC space (the reference's plot_trials_3d_reference). m switches to the
// N×N view of a set of runs (matrixView).
type compareTab struct {
	sh   *shared
	keys compareKeys
	w, h int

	picker  *runPicker
	picking string // "A" or "B"

	dirA, dirB string
	phase      string

	res bg[*compareResult] // the comparison of A and B with the current settings (want)

	nTrials int
	first   int
	view    trajView3
	// opts are the comparison's settings beyond the phase (zero: study's
	// defaults, the reference's); tests make DSA smaller to stay fast.
	opts study.CompareOptions

	// matrix shows the N×N view of a set of runs (m switches).
	matrix bool
	mx     *matrixView
}

// compareResult is study's report, both runs' fixed points and the aligned
// trajectories.
type compareResult struct {
	rep  *study.CompareReport
	fps  [2]*study.FixedPointReport
	traj *study.AlignedTrajectories // compare --trajectories
}

func newCompareTab(sh *shared) *compareTab {
	return &compareTab{sh: sh, keys: newCompareKeys(), phase: "val", nTrials: 4, view: trajView3{orbit: orbit{yaw: -60, pitch: 30}}, mx: newMatrixView(sh)}
}

func (t *compareTab) Title() string    { return "Compare" }
func (t *compareTab) Focused() bool    { return false }
func (t *compareTab) SetSize(w, h int) { t.w, t.h = w, h }

// Enter takes the focused run as A when none is chosen and asks for B.
func (t *compareTab) Enter() tea.Cmd {
	if t.matrix {
		return t.mx.ensure(t.phase)
	}
	if t.dirA == "" && t.sh.focus.dir != "" {
		t.dirA = t.sh.focus.dir
	}
	if t.picker == nil {
		switch {
		case t.dirA == "":
			t.pick("A")
		case t.dirB == "":
			t.pick("B")
		}
	}
	return t.ensure()
}

func (t *compareTab) pick(which string) {
	cur, title := t.dirA, "Choose run A, the reference"
	if which == "B" {
		cur, title = t.dirB, "Choose run B, compared with A ("+filepath.Base(t.dirA)+")"
		if t.dirA == "" {
			title = "Choose run B"
		}
	}
	t.picking = which
	t.picker = newRunPicker(t.sh, title, cur, true)
}

// want identifies the comparison the tab should show ("" until both runs are
// loaded).
func (t *compareTab) want() string {
	if t.dirA == "" || t.dirB == "" {
		return ""
	}
	a, b := t.sh.store.entries[t.dirA], t.sh.store.entries[t.dirB]
	if a == nil || b == nil || a.sess == nil || b.sess == nil {
		return ""
	}
	fp, _ := json.Marshal(t.fpOptions())
	return fmt.Sprintf("%s|%d|%s|%d|%s|%s", t.dirA, a.epoch, t.dirB, b.epoch, t.phase, fp)
}

// fpOptions are the fixed-point settings both runs are searched with: the
// Analysis tab's, with the inputs at zero and the compared phase.
func (t *compareTab) fpOptions() study.FixedPointOptions {
	o := t.sh.fp.opts
	o.Inputs, o.Phase = nil, t.phase
	return o
}

// ensure loads both runs and starts the comparison when it is not computed.
func (t *compareTab) ensure() tea.Cmd {
	var cmds []tea.Cmd
	for _, dir := range []string{t.dirA, t.dirB} {
		if dir != "" {
			_, cmd := t.sh.store.open(dir, -1)
			cmds = append(cmds, cmd)
		}
	}
	k := t.want()
	if k == "" || t.res.settled(k) {
		return tea.Batch(cmds...)
	}
	return tea.Batch(append(cmds, t.start())...)
}

// start runs study.Compare (with both runs' default fixed-point searches)
// and maps B's latents into A's PC space.
func (t *compareTab) start() tea.Cmd {
	k := t.want()
	if k == "" {
		return nil
	}
	a, b := t.sh.store.get(t.dirA), t.sh.store.get(t.dirB)
	phase := t.phase
	opts := t.opts
	opts.Phase, opts.FixedPoints = phase, false
	fpo := t.fpOptions()
	t.res.forget()
	return t.res.start(k, "comparing the runs", func(ctx context.Context, report func(float64, string)) (*compareResult, error) {
		rep, err := a.Compare(ctx, b, opts, func(p study.Progress) {
			report(progressFrac(p), progressText(p))
		})
		if err != nil {
			return nil, err
		}
		var fps [2]*study.FixedPointReport
		for i, s := range []*session{a, b} {
			who := [2]string{"A", "B"}[i]
			if fps[i], err = s.FixedPoints(ctx, fpo, func(p study.Progress) {
				p.Run = who
				report(progressFrac(p), "fixed points of "+progressText(p))
			}); err != nil {
				return nil, fmt.Errorf("fixed points of %s: %w", who, err)
			}
		}
		if !rep.SameTrials {
			// B's trajectories map into A's PCs only on the same trials.
			return &compareResult{rep: rep, fps: fps}, nil
		}
		report(-1, "aligning B's trajectories with A's PCs")
		traj, err := a.AlignTrajectories(ctx, b, phase, study.RolloutPCs)
		if err != nil {
			return nil, err
		}
		return &compareResult{rep: rep, fps: fps, traj: traj}, nil
	})
}

func (t *compareTab) shown() *compareResult {
	r, _ := t.res.get(t.want())
	return r
}

func (t *compareTab) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case runOpenedMsg:
		var cmds []tea.Cmd
		if msg.dir == t.dirA || msg.dir == t.dirB {
			cmds = append(cmds, t.ensure())
		}
		for _, d := range t.mx.dirs {
			if d == msg.dir {
				cmds = append(cmds, t.mx.ensure(t.phase))
				break
			}
		}
		return tea.Batch(cmds...)
	case matrixOpenMsg:
		t.matrix, t.dirA, t.dirB, t.first = false, msg.a, msg.b, 0
		return t.ensure()
	case workMsg:
		if mine, cmd := t.mx.update(msg, t.phase); mine {
			return cmd
		}
		switch out, cmd := t.res.take(msg, t.want()); out {
		case workPending:
			return cmd
		case workStale:
			return t.ensure() // for runs or a phase no longer chosen: dropped
		case workArrived:
			t.sh.good("compared " + filepath.Base(t.dirA) + " with " + filepath.Base(t.dirB))
		}
	case tea.KeyMsg:
		return t.onKey(msg)
	}
	return nil
}

func (t *compareTab) onKey(km tea.KeyMsg) tea.Cmd {
	k := t.keys
	if t.matrix {
		switch {
		case t.mx.picker != nil:
			return t.mx.key(km, t.phase)
		case key.Matches(km, k.Matrix):
			t.matrix = false
			return t.ensure()
		case key.Matches(km, k.Phase):
			t.togglePhase()
			return tea.Batch(t.mx.ensure(t.phase), t.ensure())
		}
		return t.mx.key(km, t.phase)
	}
	if key.Matches(km, k.Matrix) {
		t.matrix, t.picker = true, nil
		if len(t.mx.dirs) < 2 {
			var pre []string
			for _, d := range []string{t.dirA, t.dirB} {
				if d != "" {
					pre = append(pre, d)
				}
			}
			t.mx.picker = newSetPicker(t.sh, "Choose the runs to compare (the matrix)", pre)
		}
		return t.mx.ensure(t.phase)
	}
	if t.picker != nil {
		res := t.picker.key(km)
		switch {
		case res.closed:
			t.picker = nil
		case res.picked != "":
			t.picker = nil
			if t.picking == "A" {
				t.dirA = res.picked
			} else {
				t.dirB = res.picked
			}
			if t.dirA == t.dirB {
				t.sh.warn("A and B are the same run: choose another B (b)")
			}
			if t.dirA != "" && t.dirB == "" {
				t.pick("B")
			}
			t.first = 0
			return t.ensure()
		}
		return nil
	}
	switch {
	case key.Matches(km, k.PickA):
		t.pick("A")
	case key.Matches(km, k.PickB):
		t.pick("B")
	case key.Matches(km, k.Swap):
		t.dirA, t.dirB = t.dirB, t.dirA
		return t.ensure()
	case key.Matches(km, k.Phase):
		t.togglePhase()
		return t.ensure()
	case key.Matches(km, k.Stop) && t.res.running() != nil:
		t.res.cancel()
		t.res.fail(t.want(), errCompareCancelled) // do not restart on its own
		t.sh.info("comparison cancelled")
	case key.Matches(km, k.Run):
		if t.want() == "" {
			t.sh.info("choose runs A (a) and B (b) first")
			return nil
		}
		t.res.forget()
		return t.ensure()
	case key.Matches(km, k.More):
		if km.String() == "-" {
			t.nTrials = max(1, t.nTrials/2)
		} else {
			t.nTrials = min(256, t.nTrials*2)
		}
	case key.Matches(km, k.Trials):
		if r := t.shown(); r != nil {
			if r.traj != nil {
				t.first = max(0, min(len(r.traj.A.Trials)-1, t.first+stepDir(km)))
			}
		}
	case key.Matches(km, k.View):
		t.view.on3D = !t.view.on3D
	case key.Matches(km, k.Rotate):
		t.view.rotate(15*float64(direction(km)), 0)
	case key.Matches(km, k.Tilt):
		t.view.rotate(0, 10*float64(direction(km)))
	}
	return nil
}

func (t *compareTab) togglePhase() {
	if t.phase == "val" {
		t.phase = "train"
	} else {
		t.phase = "val"
	}
	t.first = 0
}

// errCompareCancelled is the result of a comparison the user stopped.
var errCompareCancelled = errors.New("stopped before it finished: c starts it again")

// ---- view ----

func (t *compareTab) View() string {
	st := t.sh.st
	if t.matrix {
		return t.mx.View(t.w, t.h, t.phase)
	}
	if t.picker != nil {
		return t.picker.View(t.w, t.h)
	}
	head := t.headLine()
	body := t.h - 1
	r := t.shown()
	if r == nil {
		var msg string
		switch {
		case t.dirA == "" || t.dirB == "":
			msg = "Choose run A (a) and run B (b): two runs trained on the same trials."
		case t.loadingMsg() != "":
			msg = t.loadingMsg()
		case errors.Is(t.res.failed(t.want()), errCompareCancelled) || errors.Is(t.res.failed(t.want()), context.Canceled):
			lines := errorLines(t.sh, "Comparison cancelled", errCompareCancelled, "a and b choose other runs", t.w)
			return fitBlock(head+"\n"+strings.Join(lines, "\n"), t.w, t.h)
		case t.res.failed(t.want()) != nil:
			lines := errorLines(t.sh, "Cannot compare these runs", t.res.failed(t.want()), "a and b choose other runs", t.w)
			return fitBlock(head+"\n"+strings.Join(lines, "\n"), t.w, t.h)
		case t.res.running() != nil:
			return fitBlock(head+"\n"+t.progressView(t.w, body), t.w, t.h)
		default:
			msg = "c compares the runs"
		}
		return fitBlock(head+"\n"+centred(t.sh, t.w, body, msg), t.w, t.h)
	}
	leftW := max(36, min(60, t.w*2/5))
	rightW := t.w - leftW - 3
	sep := " " + st.Faint.Render(t.sh.g.vrule) + " "
	return fitBlock(head+"\n"+joinColumns(body, sep, column{t.metricsView(r, leftW, body), leftW}, column{t.trajView(r, rightW, body), rightW}), t.w, t.h)
}

// loadingMsg says which run is still loading or failed to.
func (t *compareTab) loadingMsg() string {
	for _, p := range []struct{ name, dir string }{{"A", t.dirA}, {"B", t.dirB}} {
		e := t.sh.store.entries[p.dir]
		switch {
		case e == nil || e.work != nil:
			return "Loading " + p.name + " (" + filepath.Base(p.dir) + ")…"
		case e.err != nil:
			return p.name + ": " + firstLine(e.err)
		}
	}
	return ""
}

func (t *compareTab) headLine() string {
	st := t.sh.st
	name := func(dir string) string {
		if dir == "" {
			return "–"
		}
		return filepath.Base(dir)
	}
	s := st.Train.Render("A "+name(t.dirA)) + st.Muted.Render(" (reference) vs ") + st.Val.Render("B "+name(t.dirB)) +
		st.Muted.Render(" · "+t.phase+" trials")
	return truncStyled(s, t.w)
}

func (t *compareTab) progressView(w, h int) string {
	st, g := t.sh.st, t.sh.g
	wk := t.res.running()
	lines := []string{st.Text.Render("Comparing: affine R², state R², CCA, DSA and both runs' fixed points…"), "",
		workBar(t.sh, wk, w, 60),
		st.Muted.Render(truncate(wk.last.text, w, g.ellipsis)), "", st.Faint.Render("x stops")}
	top := max(0, (h-len(lines))/2)
	return fitBlock(strings.Repeat("\n", top)+strings.Join(lines, "\n"), w, h)
}

// metricsView is the comparison's numbers.
func (t *compareTab) metricsView(r *compareResult, w, h int) string {
	st, g := t.sh.st, t.sh.g
	rep := r.rep
	num := func(v float64) string {
		if !finite(v) {
			return "–"
		}
		return fmt.Sprintf("%.3f", v)
	}
	col := 9
	row := func(label string, a, b string) string {
		return st.Muted.Render(padRight(truncate(label, w-2*col, g.ellipsis), w-2*col)) + st.Text.Render(padLeft(a, col)+padLeft(b, col))
	}
	ab, ba := "A→B", "B→A"
	if g.ascii {
		ab, ba = "A->B", "B->A"
	}
	var lines []string
	if rep.AffineAtoB != nil && rep.AffineBtoA != nil {
		lines = []string{
			st.Header.Render("Affine R²") + st.Muted.Render(" · fit train, score val"),
			st.Faint.Render(padRight("", w-2*col)) + st.Train.Render(padLeft(ab, col)) + st.Val.Render(padLeft(ba, col)),
			row("variance-weighted", num(rep.AffineAtoB.VarianceWeighted), num(rep.AffineBtoA.VarianceWeighted)),
		}
		// Per-PC rows: as many as the height allows after the other sections.
		rest := 13
		nPC := min(len(rep.AffineAtoB.PerPC), len(rep.AffineBtoA.PerPC), max(0, h-len(lines)-rest))
		for j := 0; j < nPC; j++ {
			lines = append(lines, row(fmt.Sprintf("  target PC%d", j+1), num(rep.AffineAtoB.PerPC[j]), num(rep.AffineBtoA.PerPC[j])))
		}
	} else {
		lines = append(lines, st.Header.Render("Trial-matched metrics")+st.Muted.Render(" · not applicable"))
		for i, l := range wrap("affine R², state R², Procrustes and CCA need the same trials: "+rep.TrialsNote, w) {
			if i == 3 {
				break
			}
			lines = append(lines, st.Muted.Render(l))
		}
	}
	lines = append(lines, "",
		st.Header.Render("Symmetric")+st.Muted.Render(fmt.Sprintf(" · %s trials", rep.Options.Phase)))
	if rep.StateR2 != nil {
		lines = append(lines, row(fmt.Sprintf("state R² (%d PCs)", rep.Options.StatePCs), num(*rep.StateR2), ""))
	}
	if rep.DSA != nil {
		lines = append(lines, row("DSA angular (rad)", num(rep.DSA.Angular), ""),
			row("DSA Wasserstein", num(rep.DSA.Wasserstein), ""))
	} else {
		lines = append(lines, st.Muted.Render(truncate("DSA: "+rep.DSANote, w, g.ellipsis)))
	}
	if fa, fb := r.fps[0], r.fps[1]; fa != nil && fb != nil {
		lines = append(lines, "",
			st.Header.Render("Fixed points")+st.Muted.Render(truncate(fmt.Sprintf(" · inputs 0 · %d inits", fa.Options.Inits), w-12, g.ellipsis)),
			st.Faint.Render(padRight("", w-2*col))+st.Train.Render(padLeft("A", col))+st.Val.Render(padLeft("B", col)),
			row("stable", fmt.Sprint(fa.Stable), fmt.Sprint(fb.Stable)),
			row("unstable", fmt.Sprint(fa.Unstable), fmt.Sprint(fb.Unstable)),
			row("slow", fmt.Sprint(fa.Slow), fmt.Sprint(fb.Slow)))
	}
	return fitBlock(strings.Join(lines, "\n"), w, h)
}

// trajView draws A's trajectories and B's mapped into A's PC space.
func (t *compareTab) trajView(r *compareResult, w, h int) string {
	st, g := t.sh.st, t.sh.g
	if r.traj == nil {
		return fitBlock(st.Muted.Render(truncate("trajectories: the runs have different trials", w, g.ellipsis)), w, h)
	}
	pa, pb := r.traj.A, r.traj.B
	n := len(pa.Trials)
	first := max(0, min(t.first, n-1))
	count := min(t.nTrials, n-first)
	title := st.Header.Render("In A's PC space") + st.Muted.Render(fmt.Sprintf(" · %s · trials %d-%d/%d", t.view.describe(g.ascii), first+1, first+count, n))
	legend := st.Train.Render(g.barFull+g.barFull+" A") + "  " + st.Val.Render(g.barFull+g.barFull+" B mapped into A's PCs")
	ch := h - 2
	if ch < 3 || count <= 0 {
		return fitBlock(truncStyled(title, w), w, h)
	}
	var paths []trajPath
	for i := first; i < first+count; i++ {
		paths = append(paths, trajPath{pts: pa.Trial(i), k: pa.K, col: st.theme.Train})
	}
	for i := first; i < first+count; i++ {
		paths = append(paths, trajPath{pts: pb.Trial(i), k: pb.K, col: st.theme.Val})
	}
	plot, _ := t.view.draw(t.sh, w, ch, paths, nil)
	lines := append([]string{truncStyled(title, w)}, plot...)
	lines = append(lines, truncStyled(legend, w))
	return fitBlock(strings.Join(lines, "\n"), w, h)
}

// ---- help ----

func (t *compareTab) ShortHelp() []key.Binding {
	k := t.keys
	if t.matrix {
		h := t.mx.help(t.phase)
		if t.mx.picker == nil {
			h = append(h, k.Matrix)
		}
		return h
	}
	switch {
	case t.picker != nil:
		return t.picker.help()
	case t.res.running() != nil:
		return []key.Binding{k.Stop, k.PickA, k.PickB}
	case t.shown() == nil:
		return []key.Binding{k.PickA, k.PickB, k.Run, k.Phase, k.Matrix}
	}
	return []key.Binding{k.PickA, k.PickB, k.Swap, k.Phase, k.More, k.Trials, k.View, k.Matrix}
}

func (t *compareTab) FullHelp() [][]key.Binding {
	k := t.keys
	if t.picker != nil {
		return [][]key.Binding{t.picker.help()}
	}
	if t.matrix {
		mk := t.mx.keys
		if t.mx.picker != nil {
			return [][]key.Binding{t.mx.picker.help()}
		}
		return [][]key.Binding{{mk.Move, mk.Open, mk.Metric}, {mk.Set, mk.Phase, mk.Run, mk.Stop}, {k.Matrix}}
	}
	return [][]key.Binding{{k.PickA, k.PickB, k.Swap}, {k.Phase, k.Run, k.Stop}, {k.More, k.Trials, k.View, k.Rotate, k.Tilt}, {k.Matrix}}
}
