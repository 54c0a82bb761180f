package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/ctdtui/ctdtui/study"
)

// The numbers on every tab are the numbers the commands print: for one run
// per task kind, what the Trials, Analysis, Compare and Train tabs draw is
// compared with the JSON of `ctdtui trial`, `analyze`, `fixedpoints`,
// `compare --trajectories` and `dynamics` run on the same directories with
// the same settings (each command opens its run afresh, so this also checks
// that the analyses are deterministic). Series are compared exactly, the
// values printed on screen as the tab formats them. (The Task tab draws a
// sample of the task generator, which no command prints.)
func TestTabsMatchCommands(t *testing.T) {
	for _, c := range []struct{ kind, a, b string }{
		{"nbff", "3bff-gru", filepath.Join(trainedRuns, "3bff-rnn")},
		{"multitask", "multitask", "testdata/parity/multitask-rnn"},
		{"randomtarget", "randomtarget", "testdata/parity/randomtarget-rnn"},
	} {
		t.Run(c.kind, func(t *testing.T) {
			d := newTrainedModel(t, 160, 48, false)
			fastCompare(d) // small DSA, 64 initial states: the commands get the same
			dirA := filepath.Join(trainedRuns, c.a)
			// The Trials tab at the second validation trial, at a step whose
			// input differs from the step before (a flip-flop pulse): a tab
			// holding the wrong step's input would show other fixed points.
			openTrials(t, d, c.a)
			d.keys("→")
			roll := d.m.trials.shown().roll
			step := 5
			for ; step < roll.Len(1)-1 && reflect.DeepEqual(roll.HeldInput(1, step), roll.HeldInput(1, step-1)); step++ {
			}
			d.keys(strings.Repeat(".", step))
			f := d.m.sh.focus
			if f.trial != 1 || f.step != step || f.phase != "val" {
				t.Fatalf("focus %+v, want the second val trial at step %d", f, step)
			}
			checkTrialsTab(t, d, dirA)
			checkAnalysisTab(t, d, dirA)
			checkCompareTab(t, d, dirA, c.b)
			checkTrainTab(t, d, c.a, dirA)
		})
	}
}

// command runs a study command with --json and decodes its output.
func command(t *testing.T, run func(study.Output) error, into any) {
	t.Helper()
	var out bytes.Buffer
	if err := run(study.Output{W: &out, JSON: true}); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out.Bytes(), into); err != nil {
		t.Fatal(err)
	}
}

// asJSON is a report as the commands write it, decoded, without its wall
// time.
func asJSON(t *testing.T, v any) map[string]any {
	t.Helper()
	var buf bytes.Buffer
	if err := study.WriteJSON(&buf, v); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "seconds")
	return m
}

// sameJSON fails with the first differing field of two decoded documents.
func sameJSON(t *testing.T, what string, tab, cli map[string]any) {
	t.Helper()
	if p := jsonDiff("", tab, cli); p != "" {
		t.Fatalf("%s: the tab and the command differ at %s", what, p)
	}
}

func jsonDiff(path string, a, b any) string {
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			return path
		}
		keys := make([]string, 0, len(av)+len(bv))
		for k := range av {
			keys = append(keys, k)
		}
		for k := range bv {
			if _, ok := av[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			if p := jsonDiff(path+"."+k, av[k], bv[k]); p != "" {
				return p
			}
		}
		return ""
	case []any:
		bv, ok := b.([]any)
		if !ok || len(av) != len(bv) {
			return path + " (length)"
		}
		for i := range av {
			if p := jsonDiff(fmt.Sprintf("%s[%d]", path, i), av[i], bv[i]); p != "" {
				return p
			}
		}
		return ""
	}
	if !reflect.DeepEqual(a, b) {
		return fmt.Sprintf("%s (%v vs %v)", path, a, b)
	}
	return ""
}

// channelOf is channel c of per-step rows.
func channelOf(rows [][]float64, c int) []float64 {
	out := make([]float64, len(rows))
	for t, r := range rows {
		out[t] = r[c]
	}
	return out
}

func sameSeries(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d steps on the tab, %d from the command", what, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] && !(got[i] != got[i] && want[i] != want[i]) {
			t.Fatalf("%s: step %d is %v on the tab, %v from the command", what, i, got[i], want[i])
		}
	}
}

// checkTrialsTab: the inputs, targets, outputs and PCs the Trials tab draws
// and reads out at the cursor are `ctdtui trial`'s.
func checkTrialsTab(t *testing.T, d *driver, dir string) {
	t.Helper()
	f := d.m.sh.focus
	var rep study.TrialReport
	command(t, func(o study.Output) error {
		return study.TrialCommand(context.Background(), dir, false, study.TrialOptions{Phase: f.phase, Trial: f.trial, Step: f.step}, o)
	}, &rep)
	tab := d.m.trials
	data := tab.shown()
	if data.trials[f.trial] != rep.Index || data.roll.Len(f.trial) != rep.Steps {
		t.Fatalf("trial: index %d, %d steps on the tab; %d, %d from the command", data.trials[f.trial], data.roll.Len(f.trial), rep.Index, rep.Steps)
	}
	ps := tab.panels(data, f.trial)
	s := f.step
	// Inputs (MultiTask leaves out the cues that are off in the trial).
	for i, ro := range ps[0].readout {
		c := indexOf(rep.InputLabels, ro.name)
		if c < 0 {
			t.Fatalf("input %q is not among the command's %v", ro.name, rep.InputLabels)
		}
		sameSeries(t, "input "+ro.name, ps[0].lines[i].y, channelOf(rep.Inputs, c))
		if ro.text != fmtVal(rep.Inputs[s][c]) {
			t.Fatalf("input %s reads %q, the command %v", ro.name, ro.text, rep.Inputs[s][c])
		}
	}
	// Outputs against targets: channel after channel, one panel each or
	// overlaid, the target first.
	var lines []timeLine
	var ros []readout
	for _, p := range ps[1 : len(ps)-1] {
		lines, ros = append(lines, p.lines...), append(ros, p.readout...)
	}
	if len(ros) != len(rep.Targets[0]) || len(lines) != 2*len(ros) {
		t.Fatalf("%d outputs on the tab, %d targets from the command", len(ros), len(rep.Targets[0]))
	}
	for c, ro := range ros {
		sameSeries(t, "target "+ro.name, lines[2*c].y, channelOf(rep.Targets, c))
		sameSeries(t, "output "+ro.name, lines[2*c+1].y, channelOf(rep.Controlled, c))
		if want := fmtVal(rep.Controlled[s][c]) + " " + fmtVal(rep.Targets[s][c]); ro.text != want {
			t.Fatalf("output %s reads %q, the command %q", ro.name, ro.text, want)
		}
	}
	// The latents on the phase's PCs.
	pl := ps[len(ps)-1]
	if len(pl.lines) != len(rep.PCRatio) {
		t.Fatalf("%d PCs on the tab, %d from the command", len(pl.lines), len(rep.PCRatio))
	}
	for j, l := range pl.lines {
		sameSeries(t, fmt.Sprintf("PC%d", j+1), l.y, channelOf(rep.PCs, j))
		if pl.readout[j].text != fmtVal(rep.PCs[s][j]) || !strings.Contains(pl.readout[j].name, fmtPct(rep.PCRatio[j])) {
			t.Fatalf("PC%d reads %q %q, the command %v (%v)", j+1, pl.readout[j].name, pl.readout[j].text, rep.PCs[s][j], rep.PCRatio[j])
		}
	}
	// The trial's description and the events marked on the time axis (the
	// flip-flop's pulses are not marked: they show in the inputs).
	var marks []string
	for _, e := range rep.Events {
		if e.Name != "pulse" {
			marks = append(marks, fmt.Sprintf("%s@%d", e.Label, e.Step))
		}
	}
	var drawn []string
	for _, e := range tab.events(data, rep.Index) {
		drawn = append(drawn, fmt.Sprintf("%s@%d", e.label, e.t))
	}
	if !reflect.DeepEqual(drawn, marks) {
		t.Fatalf("events %v on the tab, %v from the command", drawn, marks)
	}
	info := []rune(rep.Info)
	info = info[:min(len(info), 60)]
	screenHas(t, d, fmt.Sprintf("trial %d/%d", f.trial+1, len(data.trials)), fmt.Sprintf("(#%d)", rep.Index), pl.readout[0].text, string(info))
}

func indexOf(labels []string, name string) int {
	for i, l := range labels {
		if l == name {
			return i
		}
	}
	return -1
}

// checkAnalysisTab: the scree is `analyze`'s, the trajectories are the
// trial's PCs, and the fixed points found with the input at the cursor are
// `fixedpoints --inputs-at`'s with the sliders' settings.
func checkAnalysisTab(t *testing.T, d *driver, dir string) {
	t.Helper()
	f := d.m.sh.focus
	d.keys("4")
	d.until(func() bool { return d.m.anal.shown() != nil }, 20*time.Second, "the analysis")
	a := d.m.anal
	data := a.shown()
	var an study.AnalyzeReport
	command(t, func(o study.Output) error {
		return study.AnalyzeCommand(context.Background(), dir, false, study.AnalyzeOptions{Phase: f.phase, PCs: 10}, o)
	}, &an)
	sameJSON(t, "scree", asJSON(t, data.scree), asJSON(t, an.Scree))
	for j := 0; j < min(3, len(an.Scree.Ratio)); j++ {
		screenHas(t, d, fmtPct(an.Scree.Ratio[j]))
	}
	var tr study.TrialReport
	command(t, func(o study.Output) error {
		return study.TrialCommand(context.Background(), dir, false, study.TrialOptions{Phase: f.phase, Trial: f.trial, Step: f.step}, o)
	}, &tr)
	rows := data.proj.Trial(f.trial)
	for step, pc := range tr.PCs {
		for j, v := range pc {
			if rows[step*data.proj.K+j] != v {
				t.Fatalf("trajectory of trial %d, step %d, PC%d: %v on the tab, %v from the command", f.trial, step, j+1, rows[step*data.proj.K+j], v)
			}
		}
	}

	d.m.anal.cursor = 0
	d.keys("→") // the choice slider: zero → at cursor
	if d.m.sh.fp.inputs != 1 {
		t.Fatalf("inputs held %d, want at the cursor", d.m.sh.fp.inputs)
	}
	setSlider(t, d, "iterations", "2000")
	d.keys("f")
	d.until(func() bool { return a.fp.running() == nil }, 60*time.Second, "the search")
	fp := a.currentFP()
	if fp == nil {
		t.Fatalf("no fixed points: %v", a.fp.failed(a.fpKeyNow()))
	}
	o := d.m.sh.fp.opts
	o.Phase = f.phase
	var cli study.FixedPointReport
	command(t, func(out study.Output) error {
		return study.FixedPointsCommand(context.Background(), dir, false, o, &study.TrialStep{Trial: f.trial, Step: f.step}, out)
	}, &cli)
	if !reflect.DeepEqual(fp.Options.Inputs, tr.HeldInput) {
		t.Fatalf("held input %v on the tab, the command's trial %v", fp.Options.Inputs, tr.HeldInput)
	}
	sameJSON(t, "fixed points", asJSON(t, fp), asJSON(t, &cli))
	screenHas(t, d, fmt.Sprintf("%d unique", cli.Fixed), fmt.Sprintf("%d stable", cli.Stable), fmt.Sprintf("%d unstable", cli.Unstable),
		fmt.Sprintf("input of trial %d at step %d", f.trial+1, f.step))
}

// checkCompareTab: the metrics and the trajectories in A's PC space are
// `compare --trajectories`'s, both runs' fixed-point counts their
// `fixedpoints` with the sliders' settings and the input at zero.
func checkCompareTab(t *testing.T, d *driver, dirA, dirB string) {
	t.Helper()
	d.keys("5")
	c := d.m.cmp
	if c.picker != nil {
		d.keys("\x1b")
	}
	c.picker = nil
	c.dirA, c.dirB = dirA, dirB
	d.exec(c.ensure())
	d.until(func() bool {
		return c.want() != "" && c.res.running() == nil && (c.shown() != nil || c.res.failed(c.want()) != nil)
	}, 90*time.Second, "the comparison")
	r := c.shown()
	if r == nil {
		t.Fatalf("no comparison: %v", c.res.failed(c.want()))
	}
	o := c.opts
	o.Phase = c.phase
	var cli map[string]any
	command(t, func(out study.Output) error {
		return study.CompareCommand(context.Background(), []string{dirA, dirB}, false, study.MatrixOptions{CompareOptions: o}, true, out)
	}, &cli)
	delete(cli, "seconds")
	sameJSON(t, "compare", asJSON(t, &study.CompareOutput{CompareReport: r.rep, Trajectories: r.traj}), cli)
	for i, dir := range []string{dirA, dirB} {
		var fp study.FixedPointReport
		command(t, func(out study.Output) error {
			return study.FixedPointsCommand(context.Background(), dir, false, c.fpOptions(), nil, out)
		}, &fp)
		sameJSON(t, "fixed points of "+dir, asJSON(t, r.fps[i]), asJSON(t, &fp))
	}
	rep := r.rep
	num := func(v float64) string { return fmt.Sprintf("%.3f", v) }
	v := ansi.Strip(d.m.View())
	for _, want := range []string{num(rep.AffineAtoB.VarianceWeighted), num(rep.AffineBtoA.VarianceWeighted), num(*rep.StateR2)} {
		if !strings.Contains(v, want) {
			t.Fatalf("the Compare tab lacks %s:\n%s", want, v)
		}
	}
}

// checkTrainTab: the dynamics panel of the saved run is `ctdtui dynamics`'s
// frame.
func checkTrainTab(t *testing.T, d *driver, name, dir string) {
	t.Helper()
	d.keys("2")
	tt := d.m.train
	d.until(func() bool { return len(tt.runs) > 0 }, 5*time.Second, "the runs")
	for i, e := range tt.runs {
		if e.name == name {
			tt.sel = i
		}
	}
	d.keys("\n")
	d.until(func() bool { return tt.cur != nil && tt.cur.dir == dir && tt.cur.frame != nil }, 30*time.Second, "the saved run's frame")
	fr := tt.cur.frame
	if fr.Err != nil {
		t.Fatal(fr.Err)
	}
	var cli map[string]any
	command(t, func(out study.Output) error { return study.DynamicsCommand(context.Background(), dir, false, out) }, &cli)
	delete(cli, "seconds")
	delete(cli, "run")
	sameJSON(t, "dynamics", asJSON(t, fr), cli)
	screenHas(t, d, fmt.Sprintf("saved epoch %d", fr.Epoch), fmt.Sprintf("%d stable · %d fixed pts", fr.Stable, fr.Fixed))
}
