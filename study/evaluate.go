package study

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ctdtui/ctdtui/nets"
	"github.com/ctdtui/ctdtui/presets"
	"github.com/ctdtui/ctdtui/run"
	"github.com/ctdtui/ctdtui/sim"
)

// EvalOptions configures an evaluation (ctdtui eval): the run's model,
// weights unchanged, on its task with some settings changed.
type EvalOptions struct {
	// Task is another task kind to run the model on (run.TaskCentreOut for an
	// arm model), "" for the run's own.
	Task sim.Kind `json:"task,omitempty"`
	// Sets are task.… = value assignments (as ctdtui train --set).
	Sets []string `json:"set,omitempty"`
	// Samples and Seed build the evaluation's dataset (task.samples and
	// task.seed); 0 and -1 keep the run's, so that the evaluation's validation
	// trials are the run's own validation trials redrawn under the change.
	Samples int `json:"samples"`
	Seed    int `json:"seed"`
	// Best evaluates best.bin instead of checkpoint.bin.
	Best bool `json:"best"`
	// Out, when set, saves an evaluation directory there.
	Out string `json:"out,omitempty"`
}

func (o EvalOptions) changes() run.EvalChanges {
	return run.EvalChanges{Task: o.Task, Sets: o.Sets, Samples: o.Samples, Seed: o.Seed}
}

// EvaluationInfo describes an evaluation directory in RunInfo: the run whose
// model it runs and what it changed.
type EvaluationInfo struct {
	Of        string          `json:"of"`
	ModelFile string          `json:"model_file"`
	SHA256    string          `json:"sha256"`
	Changes   run.EvalChanges `json:"changes"`
	// Describe is the changes as flags ("the run's own settings" for none).
	Describe string `json:"describe"`
}

func evaluationInfo(r *run.Run) *EvaluationInfo {
	e := r.Eval
	if e == nil {
		return nil
	}
	return &EvaluationInfo{Of: e.SourceDir(), ModelFile: e.Source.ModelFile, SHA256: e.Source.SHA256,
		Changes: e.Changes, Describe: e.Changes.Describe()}
}

// TaskMetrics are a model's scores on a phase of its task, the numbers an
// evaluation compares: the loss (as in training, at the end of any
// curriculum) and the task's own scores.
type TaskMetrics struct {
	Task   sim.Kind `json:"task"`
	Phase  string   `json:"phase"`
	Trials int      `json:"trials"`
	Loss   float64  `json:"loss"`
	// FlipFlop: per-bit accuracy and the whole-state accuracy.
	FlipFlop *sim.FlipFlopScores `json:"flipflop,omitempty"`
	// MultiTask: per-task success and loss.
	MultiTask *sim.MultiTaskScores `json:"multitask,omitempty"`
	// Reach (RandomTarget, centre-out): position MSE over all steps and the
	// end-of-reach hand errors (split by field level when there are several);
	// Levels are the field levels of the scored trials.
	Reach  *sim.ReachScores `json:"reach,omitempty"`
	Levels []float64        `json:"levels,omitempty"`
	// Summary describes the task ("random-target reach, 300 steps, constant
	// field at 1 N").
	Summary string `json:"summary"`
}

// TaskMetrics scores the model on the phase's trials (on the cached seeded
// inference: the numbers analyze and the Trials tab show).
func (s *Session) TaskMetrics(ctx context.Context, phase string) (*TaskMetrics, error) {
	p, err := normPhase(phase)
	if err != nil {
		return nil, err
	}
	inf, err := s.Run.Infer(ctx, p)
	if err != nil {
		return nil, err
	}
	l := s.Run
	m := &TaskMetrics{Task: l.Task.Kind(), Phase: p, Trials: len(inf.Trials), Summary: l.Task.Summary()}
	if m.Loss, err = phaseLoss(ctx, l.Task, l.Data, inf, l.Run.Config.Train.Batch, max(l.Epoch, l.Task.CurriculumEnd())); err != nil {
		return nil, err
	}
	if scorer, ok := l.Task.(sim.Scorer); ok {
		sc := scorer.Score(l.Data, inf.Trials, controlledPerTrial(inf))
		m.FlipFlop, m.MultiTask, m.Reach = sc.FlipFlop, sc.MultiTask, sc.RandomTarget
	}
	if m.Reach != nil {
		for _, i := range inf.Trials {
			if lv := sim.TrialLevel(l.Data, i); !slices.Contains(m.Levels, lv) {
				m.Levels = append(m.Levels, lv)
			}
		}
		slices.Sort(m.Levels)
	}
	return m, nil
}

// controlledPerTrial widens each trial's controlled output (outputs, or the
// hand for the arm) to float64.
func controlledPerTrial(inf *nets.Inference) [][]float64 {
	o := make([][]float64, len(inf.Trials))
	for k := range inf.Trials {
		c := inf.Controlled(k)
		o[k] = widen(c, 0)[:len(c)]
	}
	return o
}

// EvalReport is `ctdtui eval`: the same metrics on the run's own validation
// trials and on the evaluation's, under the change.
type EvalReport struct {
	// Run is the trained run; Evaluation the evaluation (its Dir is empty
	// unless it was saved with --out).
	Run        RunInfo         `json:"run"`
	Evaluation RunInfo         `json:"evaluation"`
	Changes    run.EvalChanges `json:"changes"`
	// SameTrials says the evaluation's validation trials are the run's own,
	// redrawn under the change: the same trials in the same split with the
	// same targets (the same seed and sample count, and a change that leaves
	// the draws alone: a field, levels, noise), so the columns are paired
	// trial by trial (the model's noise is seeded per trial, so it is paired
	// too).
	SameTrials bool `json:"same_trials"`
	// Note says, when the trials are not the run's but could be, how to keep
	// them (see levelsNote).
	Note string `json:"note,omitempty"`
	// Original is the run on its own validation trials; Changed the model
	// under the change, on the evaluation's validation trials.
	Original *TaskMetrics `json:"original"`
	Changed  *TaskMetrics `json:"changed"`
	// Dir is where the evaluation was saved ("" if not).
	Dir     string  `json:"dir,omitempty"`
	Seconds float64 `json:"seconds"`
}

// Evaluate opens the run in dir (checkpoint.bin, or best.bin with
// o.Best) and evaluates it. It also returns the evaluation's session (for
// further analysis, the Trials tab's scrubbing).
func Evaluate(ctx context.Context, dir string, o EvalOptions, progress ProgressFunc) (*EvalReport, *Session, error) {
	s, err := Open(dir, o.Best)
	if err != nil {
		return nil, nil, err
	}
	return s.Evaluate(ctx, o, progress)
}

// Evaluate runs the session's model under the changes of o (o.Best is the
// session's already) and, with o.Out set, saves the evaluation directory. The
// returned session is the evaluation's (its Run.Run.Eval is set).
func (s *Session) Evaluate(ctx context.Context, o EvalOptions, progress ProgressFunc) (*EvalReport, *Session, error) {
	start := time.Now()
	l, err := s.Run.Evaluation(o.changes())
	if err != nil {
		return nil, nil, err
	}
	ev := New(l)
	// The original is the trained run: the session itself, or for an
	// evaluation of an evaluation the run both came from.
	orig := s
	if e := s.Run.Run.Eval; e != nil {
		if orig, err = Open(e.SourceDir(), s.Run.Best); err != nil {
			return nil, nil, err
		}
	}
	progress.report(Progress{Stage: "inference", Run: "A", Total: 2})
	om, err := orig.TaskMetrics(ctx, "val")
	if err != nil {
		return nil, nil, err
	}
	progress.report(Progress{Stage: "inference", Run: "B", Done: 1, Total: 2})
	cm, err := ev.TaskMetrics(ctx, "val")
	if err != nil {
		return nil, nil, err
	}
	ch := l.Run.Eval.Changes
	rep := &EvalReport{Run: orig.Info(), Evaluation: ev.Info(), Changes: ch,
		SameTrials: sameValidationTrials(orig.Run.Data, l.Data), Original: om, Changed: cm}
	if !rep.SameTrials {
		rep.Note = levelsNote(orig.Run.Run.Config, l.Run.Config)
	}
	if o.Out != "" {
		rep.Dir, rep.Evaluation.Dir = o.Out, o.Out
		rep.Seconds = time.Since(start).Seconds()
		if err := run.CreateEvaluation(o.Out, l, rep); err != nil {
			return nil, nil, err
		}
		rep.Evaluation = ev.Info()
	}
	rep.Seconds = time.Since(start).Seconds()
	progress.report(Progress{Stage: "done", Done: 2, Total: 2})
	return rep, ev, nil
}

// levelsNote explains why an evaluation at other field levels has other
// trials than the run, when that is the only reason: a trial draws its level
// (as its last draw) only when there are several, and the draw's share of the
// random stream depends on how many, so every later trial shifts. The same
// number of levels keeps the run's trials: a single level repeated.
func levelsNote(run, ev presets.Config) string {
	rl, el := reachLevels(run), reachLevels(ev)
	if rl == nil || el == nil || len(rl) == len(el) || run.Task.Samples != ev.Task.Samples || run.Task.Seed != ev.Task.Seed {
		return ""
	}
	fix := fmt.Sprintf("give %d levels", len(rl))
	if len(el) == 1 {
		rep := make([]string, len(rl))
		for i := range rep {
			rep[i] = strconv.FormatFloat(el[0], 'g', -1, 64)
		}
		fix = fmt.Sprintf("--set task.%s.levels=%s (the level repeated)", ev.Task.Kind, strings.Join(rep, ","))
	}
	return fmt.Sprintf("the run drew each trial's field level among %d levels and this evaluation among %d, which shifts every later draw: %s keeps the run's trials and pairs the columns",
		len(rl), len(el), fix)
}

// reachLevels are the field levels of an arm task's configuration (nil for
// another task).
func reachLevels(c presets.Config) []float64 {
	var l []float64
	switch c.Task.Kind {
	case sim.KindRandomTarget:
		l = c.Task.RandomTarget.Levels
	case sim.KindCentreOut:
		l = c.Task.CentreOut.Levels
	default:
		return nil
	}
	if len(l) == 0 {
		return []float64{0}
	}
	return l
}

// sameValidationTrials reports whether b's validation trials are a's: the
// same indices, lengths and targets.
func sameValidationTrials(a, b *sim.Dataset) bool {
	if a.N() != b.N() || a.TargetDim != b.TargetDim || !slices.Equal(a.Valid, b.Valid) {
		return false
	}
	for _, i := range a.Valid {
		if a.Len(i) != b.Len(i) || !slices.Equal(a.Targets(i), b.Targets(i)) {
			return false
		}
	}
	return true
}

// EvalCommand is `ctdtui eval DIR`.
func EvalCommand(ctx context.Context, dir string, o EvalOptions, out Output) error {
	s, err := out.open(dir, o.Best)
	if err != nil {
		return err
	}
	pf, done := progressPrinter(out.Progress, "eval: ", true)
	rep, _, err := s.Evaluate(ctx, o, pf)
	done()
	if errors.Is(err, context.Canceled) {
		return errors.New("evaluation cancelled")
	}
	if err != nil {
		return err
	}
	return out.write(rep)
}

// TrialsLine says which trials the evaluation scored.
func (r *EvalReport) TrialsLine() string {
	s := fmt.Sprintf("%d validation trials of %d drawn with seed %d", r.Changed.Trials, r.Evaluation.TrainTrials+r.Evaluation.ValTrials, r.Changes.Seed)
	if r.SameTrials {
		s += ": the run's own validation trials (same targets), redrawn under the change: paired"
	}
	return s
}

// metricRow is one line of the side-by-side table.
type metricRow struct {
	label     string
	orig, chg float64
	format    func(float64) string
}

// Rows lists the metrics side by side: a label, the run's value and the
// value under the change, formatted (— where a side has no such metric).
// The text table and the TUI's header both use it.
func (r *EvalReport) Rows() [][3]string {
	var out [][3]string
	for _, m := range evalRows(r.Original, r.Changed) {
		f := m.format
		cell := func(v float64) string {
			if math.IsNaN(v) {
				return "—"
			}
			return f(v)
		}
		out = append(out, [3]string{m.label, cell(m.orig), cell(m.chg)})
	}
	return out
}

// sig formats with 4 significant digits (losses are compared across columns).
func sig(v float64) string { return fmt.Sprintf("%.4g", v) }

func mm(v float64) string    { return fmt.Sprintf("%.1f mm", 1000*v) }
func count(v float64) string { return fmt.Sprintf("%d", int(v)) }
func m2(v float64) string    { return fmt.Sprintf("%.4g m²", v) }
func pct2(v float64) string  { return fmt.Sprintf("%.2f%%", 100*v) }
func nan() float64           { return math.NaN() }
func pick(ok bool, v float64) float64 {
	if ok {
		return v
	}
	return nan()
}

func evalRows(a, b *TaskMetrics) []metricRow {
	rows := []metricRow{
		{label: "trials", orig: float64(a.Trials), chg: float64(b.Trials), format: count},
		{label: "loss", orig: a.Loss, chg: b.Loss, format: sig},
	}
	if a.FlipFlop != nil || b.FlipFlop != nil {
		fa, fb := a.FlipFlop, b.FlipFlop
		n := 0
		if fa != nil {
			n = len(fa.BitAccuracy)
		}
		if fb != nil {
			n = max(n, len(fb.BitAccuracy))
		}
		for i := 0; i < n; i++ {
			rows = append(rows, metricRow{label: fmt.Sprintf("bit %d accuracy", i), format: pct2,
				orig: pick(fa != nil && i < len(fa.BitAccuracy), at(fa, i)), chg: pick(fb != nil && i < len(fb.BitAccuracy), at(fb, i))})
		}
		get := func(f *sim.FlipFlopScores, g func(*sim.FlipFlopScores) float64) float64 {
			if f == nil {
				return nan()
			}
			return g(f)
		}
		rows = append(rows,
			metricRow{label: "mean bit accuracy", format: pct2, orig: get(fa, func(f *sim.FlipFlopScores) float64 { return f.MeanBitAccuracy }), chg: get(fb, func(f *sim.FlipFlopScores) float64 { return f.MeanBitAccuracy })},
			metricRow{label: "all bits right", format: pct2, orig: get(fa, func(f *sim.FlipFlopScores) float64 { return f.AllBits }), chg: get(fb, func(f *sim.FlipFlopScores) float64 { return f.AllBits })},
			metricRow{label: "output MSE (scored steps)", format: sig, orig: get(fa, func(f *sim.FlipFlopScores) float64 { return f.MSE }), chg: get(fb, func(f *sim.FlipFlopScores) float64 { return f.MSE })})
	}
	if a.MultiTask != nil || b.MultiTask != nil {
		var names []string
		find := func(s *sim.MultiTaskScores, name string) (sim.MultiTaskScore, bool) {
			if s == nil {
				return sim.MultiTaskScore{}, false
			}
			if name == "all" {
				return s.All, true
			}
			for _, t := range s.Tasks {
				if t.Task == name {
					return t, true
				}
			}
			return sim.MultiTaskScore{}, false
		}
		for _, s := range []*sim.MultiTaskScores{a.MultiTask, b.MultiTask} {
			if s != nil {
				for _, t := range s.Tasks {
					if !slices.Contains(names, t.Task) {
						names = append(names, t.Task)
					}
				}
			}
		}
		// The reference's task order, not the order trials happen to come in.
		slices.SortStableFunc(names, func(x, y string) int {
			return slices.Index(sim.MultiTaskNames[:], x) - slices.Index(sim.MultiTaskNames[:], y)
		})
		names = append(names, "all")
		for _, name := range names {
			ta, oka := find(a.MultiTask, name)
			tb, okb := find(b.MultiTask, name)
			rows = append(rows,
				metricRow{label: name + " success", format: pct, orig: pick(oka, ta.SuccessRate), chg: pick(okb, tb.SuccessRate)},
				metricRow{label: name + " strict success", format: pct, orig: pick(oka, ta.StrictSuccessRate), chg: pick(okb, tb.StrictSuccessRate)})
		}
	}
	if a.Reach != nil || b.Reach != nil {
		rows = append(rows, reachRows("", a.Reach, b.Reach)...)
		if len(a.Levels) > 1 || len(b.Levels) > 1 {
			for _, lv := range levelsOf(a, b) {
				rows = append(rows, reachRows(fmt.Sprintf("level %s: ", strconv.FormatFloat(lv, 'g', 4, 64)), atLevel(a, lv), atLevel(b, lv))...)
			}
		}
	}
	return rows
}

// levelsOf lists the field levels of either side's trials.
func levelsOf(a, b *TaskMetrics) []float64 {
	var out []float64
	for _, m := range []*TaskMetrics{a, b} {
		for _, lv := range m.Levels {
			if !slices.Contains(out, lv) {
				out = append(out, lv)
			}
		}
	}
	slices.Sort(out)
	return out
}

// atLevel returns the scores of a side's trials at one field level: its
// split by level, or all of them when every trial has that level.
func atLevel(m *TaskMetrics, level float64) *sim.ReachScores {
	if m.Reach == nil {
		return nil
	}
	for _, l := range m.Reach.PerLevel {
		if l.Level == level {
			return &sim.ReachScores{Reach: l.Reach, Hold: l.Hold, PositionLoss: l.PositionLoss}
		}
	}
	if len(m.Levels) == 1 && m.Levels[0] == level {
		return m.Reach
	}
	return nil
}

func reachRows(prefix string, a, b *sim.ReachScores) []metricRow {
	get := func(s *sim.ReachScores, g func(*sim.ReachScores) float64) float64 {
		if s == nil {
			return nan()
		}
		return g(s)
	}
	row := func(label string, format func(float64) string, g func(*sim.ReachScores) float64) metricRow {
		return metricRow{label: prefix + label, format: format, orig: get(a, g), chg: get(b, g)}
	}
	rows := []metricRow{
		row("position MSE (all steps)", m2, func(s *sim.ReachScores) float64 { return s.PositionLoss }),
		row("reach trials", count, func(s *sim.ReachScores) float64 { return float64(s.Reach.Trials) }),
		row("reach end error, mean", mm, func(s *sim.ReachScores) float64 { return nanIfNone(s.Reach.Trials, s.Reach.MeanErr) }),
		row("reach end error, median", mm, func(s *sim.ReachScores) float64 { return nanIfNone(s.Reach.Trials, s.Reach.MedianErr) }),
		row("reach ends within 2 cm", pct, func(s *sim.ReachScores) float64 { return nanIfNone(s.Reach.Trials, s.Reach.Within2cm) }),
	}
	if (a != nil && a.Hold.Trials > 0) || (b != nil && b.Hold.Trials > 0) {
		rows = append(rows,
			row("catch trials", count, func(s *sim.ReachScores) float64 { return float64(s.Hold.Trials) }),
			row("catch end drift, mean", mm, func(s *sim.ReachScores) float64 { return nanIfNone(s.Hold.Trials, s.Hold.MeanErr) }),
			row("catch ends within 2 cm", pct, func(s *sim.ReachScores) float64 { return nanIfNone(s.Hold.Trials, s.Hold.Within2cm) }))
	}
	return rows
}

func nanIfNone(n int, v float64) float64 {
	if n == 0 {
		return nan()
	}
	return v
}

// WriteTable prints the evaluation: what was evaluated, then the metrics
// side by side.
func (r *EvalReport) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "run         %s\n", r.Run.line())
	if e := r.Evaluation.Evaluation; e != nil {
		fmt.Fprintf(w, "model       %s, sha256 %.16s…\n", filepath.Join(e.Of, e.ModelFile), e.SHA256)
	}
	fmt.Fprintf(w, "run's task  %s\n", r.Original.Summary)
	fmt.Fprintf(w, "evaluated   %s\nchanges     %s\n", r.Changed.Summary, r.Changes.Describe())
	fmt.Fprintf(w, "trials      %s\n", r.TrialsLine())
	if r.Note != "" {
		fmt.Fprintf(w, "note        %s\n", r.Note)
	}
	if r.Dir != "" {
		fmt.Fprintf(w, "saved       %s (opens like a run: ctdtui analyze %s)\n", r.Dir, r.Dir)
	}
	section(w, "metrics")
	t := newTW(w)
	t.row("  metric", "run (validation)", "under the change")
	for _, row := range r.Rows() {
		t.row("  "+row[0], row[1], row[2])
	}
	if err := t.flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%.2f s\n", r.Seconds)
	return err
}

func at(f *sim.FlipFlopScores, i int) float64 {
	if f == nil || i >= len(f.BitAccuracy) {
		return nan()
	}
	return f.BitAccuracy[i]
}

// headlineLabels are the rows a one-line summary of an evaluation shows.
var headlineLabels = []string{"loss", "position MSE (all steps)", "reach end error, mean", "reach end error, median",
	"reach ends within 2 cm", "mean bit accuracy", "all bits right", "all success"}

// Headline is the few rows a one-line summary shows (the TUI's header): the
// loss and the task's main scores, as Rows formats them. With a level, the
// rows of the trials at that field level instead, when the report splits by
// level (nil when it does not).
func (r *EvalReport) Headline(level *float64) [][3]string {
	prefix := ""
	if level != nil {
		prefix = fmt.Sprintf("level %s: ", strconv.FormatFloat(*level, 'g', 4, 64))
	}
	rows := r.Rows()
	var out [][3]string
	for _, l := range headlineLabels {
		for _, row := range rows {
			if row[0] == prefix+l {
				out = append(out, row)
			}
		}
	}
	return out
}
