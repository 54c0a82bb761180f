package ui

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/ctdtui/ctdtui/run"
	"github.com/ctdtui/ctdtui/sim"
	"github.com/ctdtui/ctdtui/study"
)

// The Trials tab's evaluations: one key runs the open model, weights
// unchanged, under the Task tab's current settings (e) or centre-out (c), as
// `ctdtui eval` does; the tab then scrubs the evaluation's trials, with the
// metrics under the change next to the run's own in the header, until esc
// goes back to the run's trials. An evaluation has its own trial and step
// cursor: the Analysis tab keeps showing the run.

// evalShow is an evaluation the Trials tab shows instead of the run's trials.
type evalShow struct {
	rep   *study.EvalReport
	data  *trialsData // the evaluation's validation trials
	label string      // what was changed, in words ("centre-out", "--set …")
	cur   cursor
}

// evalKeyFor is the key of an evaluation of the focused run with o.
func (t *trialsTab) evalKeyFor(o study.EvalOptions) string {
	return t.want() + "|eval|" + string(o.Task) + "|" + strings.Join(o.Sets, " ")
}

// evalShown is the evaluation shown, or nil when the run's trials are: one
// was asked for the focused run (and phase) and has arrived.
func (t *trialsTab) evalShown() *evalShow {
	if t.evalKey == "" || !strings.HasPrefix(t.evalKey, t.want()+"|eval|") {
		return nil
	}
	ev, _ := t.eval.get(t.evalKey)
	return ev
}

// evalPending reports whether the evaluation asked for is still computing.
func (t *trialsTab) evalPending() bool { return t.evalKey != "" && t.eval.busy(t.evalKey) }

// cur is the trial and step shown: the evaluation's own, or the focus's.
func (t *trialsTab) cur() *cursor {
	if ev := t.evalShown(); ev != nil {
		return &ev.cur
	}
	return &t.sh.focus.cursor
}

// canCentreOut reports whether the run shown can reach centre-out (an arm
// model).
func (t *trialsTab) canCentreOut() bool {
	d, _ := t.data.get(t.want())
	return d != nil && slices.Contains(run.EvalTasks[d.sess.Run.Task.Kind()], sim.KindCentreOut)
}

// startEval evaluates the run shown, under the Task tab's settings or
// centre-out. A result already computed for the same changes is shown at
// once.
func (t *trialsTab) startEval(centreOut bool) tea.Cmd {
	d, _ := t.data.get(t.want())
	if d == nil {
		t.sh.info("open a run first (o): an evaluation runs its model on a changed task")
		return nil
	}
	sess := d.sess
	cfg := sess.Run.Run.Config
	kind := sess.Run.Task.Kind()
	o := study.EvalOptions{Seed: -1}
	var label string
	if centreOut {
		if !slices.Contains(run.EvalTasks[kind], sim.KindCentreOut) {
			t.sh.warn(fmt.Sprintf("centre-out reaching needs an arm model (randomtarget): this run is %s", kind))
			return nil
		}
		o.Task, label = sim.KindCentreOut, "centre-out"
	} else {
		ch := run.TaskChanges(cfg, t.sh.cfg)
		if ch.Task != "" && !slices.Contains(run.EvalTasks[kind], ch.Task) {
			t.sh.warn(fmt.Sprintf("the Task tab holds a %s task but this model was trained on %s: set the Task tab's task.kind to %s to evaluate it under other settings",
				ch.Task, kind, kind))
			return nil
		}
		o.Task, o.Sets = ch.Task, ch.Sets
		label = ch.Describe()
		if len(ch.Sets) == 0 && ch.Task == "" {
			label = "the Task tab's settings (the run's own)"
		}
	}
	k := t.evalKeyFor(o)
	t.evalKey = k
	if ev, ok := t.eval.get(k); ok {
		t.sh.info("showing the evaluation under " + ev.label + " again (esc: the run's own trials)")
		return nil
	}
	t.eval.forget()
	return t.eval.start(k, "evaluating the model", func(ctx context.Context, report func(float64, string)) (*evalShow, error) {
		report(-1, "running the model under "+label)
		rep, ev, err := sess.Evaluate(ctx, o, func(p study.Progress) { report(-1, "running the model under "+label) })
		if err != nil {
			return nil, err
		}
		roll, err := ev.Rollout(ctx, "val", func(p study.Progress) {
			if p.Stage == "pca" {
				report(-1, "PCA of the evaluation's latents")
			}
		})
		if err != nil {
			return nil, err
		}
		return &evalShow{rep: rep, data: &trialsData{sess: ev, phase: "val", trials: roll.Trials, roll: roll}, label: label}, nil
	})
}

// onEvalWork takes the evaluation's poll messages; handled says msg was one.
func (t *trialsTab) onEvalWork(msg workMsg) (handled bool, cmd tea.Cmd) {
	switch out, cmd := t.eval.take(msg, t.evalKey); out {
	case workNotMine:
		return false, nil
	case workPending:
		return true, cmd
	case workFailed:
		if err := t.eval.failed(t.evalKey); err != nil {
			t.sh.fail(fmt.Errorf("evaluation: %s", firstLine(err)))
		}
		t.evalKey = ""
	case workArrived:
		if ev := t.evalShown(); ev != nil {
			t.clamp()
			t.sh.good(fmt.Sprintf("evaluation under %s: %d validation trials (esc: the run's own trials)", ev.label, len(ev.data.trials)))
		}
	}
	return true, nil
}

// leaveEval goes back to the run's trials (or cancels an evaluation in
// progress); it reports whether there was one.
func (t *trialsTab) leaveEval() bool {
	switch {
	case t.evalPending():
		t.eval.cancel()
		t.evalKey = ""
		t.sh.info("evaluation cancelled")
		return true
	case t.evalShown() != nil:
		t.evalKey = ""
		t.sh.info("back to the run's own trials")
		return true
	}
	t.evalKey = ""
	return false
}

// evalHeader is the header of an evaluation: what it changed, and its
// metrics next to the run's own (for several field levels, those of the
// shown trial's level too).
func (t *trialsTab) evalHeader(ev *evalShow) []string {
	st, g := t.sh.st, t.sh.g
	f := ev.cur
	d := ev.data
	idx := d.trials[f.trial]
	T := d.roll.Len(f.trial)
	src := d.sess.Run
	line := st.Bold.Render(filepath.Base(ev.rep.Run.Dir)) + st.Muted.Render(fmt.Sprintf(" epoch %d · ", src.Epoch)) +
		st.Warn.Render("evaluation") + st.Muted.Render(" under ") + st.Text.Render(ev.label) + st.Muted.Render(" · ") +
		st.Text.Render(fmt.Sprintf("trial %d/%d", f.trial+1, len(d.trials))) + st.Muted.Render(fmt.Sprintf(" (#%d)", idx)) + st.Muted.Render(" · ") +
		st.Text.Render(fmt.Sprintf("step %d/%d", f.step, T-1))
	lines := []string{truncate(line, t.w, g.ellipsis)}
	arrow := " → "
	if g.ascii {
		arrow = " -> "
	}
	metrics := func(title string, rows [][3]string) {
		if len(rows) == 0 {
			return
		}
		parts := make([]string, len(rows))
		for i, r := range rows {
			parts[i] = st.Muted.Render(r[0]+" ") + st.Text.Render(r[1]) + st.Muted.Render(arrow) + st.Accent.Render(r[2])
		}
		lines = append(lines, wrapParts(st.Muted.Render(title), parts, st.Muted.Render(" · "), t.w)...)
	}
	metrics("run"+arrow+"change: ", ev.rep.Headline(nil))
	if m := ev.rep.Changed; len(m.Levels) > 1 || len(ev.rep.Original.Levels) > 1 {
		lv := sim.TrialLevel(src.Data, idx)
		metrics(fmt.Sprintf("trials at level %g: ", lv), ev.rep.Headline(&lv))
	}
	if info := src.Task.TrialInfo(src.Data, idx, f.step); info != "" {
		lines = append(lines, st.Muted.Render(truncate(info, t.w, g.ellipsis)))
	}
	return lines
}

// wrapParts joins styled parts with sep into lines of at most w columns,
// the first line led by lead (continuation lines are indented as far).
func wrapParts(lead string, parts []string, sep string, w int) []string {
	var lines []string
	cur, curW := lead, ansi.StringWidth(lead)
	indent := strings.Repeat(" ", min(ansi.StringWidth(lead), w/3))
	for i, p := range parts {
		pw := ansi.StringWidth(p)
		add, addW := p, pw
		if i > 0 && cur != indent {
			add, addW = sep+p, ansi.StringWidth(sep)+pw
		}
		if curW+addW > w && cur != lead && cur != indent {
			lines = append(lines, cur)
			cur, curW = indent+p, ansi.StringWidth(indent)+pw
			continue
		}
		cur, curW = cur+add, curW+addW
	}
	return append(lines, cur)
}
