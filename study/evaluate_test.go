package study

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ctdtui/ctdtui/nets"
	"github.com/ctdtui/ctdtui/run"
)

// copyRun copies a testdata run into a temporary directory (tests that
// change the run or save next to it must not touch testdata).
func copyRun(t *testing.T, src, dst string) string {
	t.Helper()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}

func evaluate(t *testing.T, dir string, o EvalOptions) (*EvalReport, *Session) {
	t.Helper()
	if o.Seed == 0 && o.Samples == 0 {
		o.Seed = -1 // the run's seed, as the command's default
	}
	rep, ev, err := Evaluate(context.Background(), dir, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	return rep, ev
}

// An evaluation with the run's own settings is the run's validation: the same
// trials and the same numbers, exactly, for every task kind; and they are the
// numbers analyze prints and training wrote to eval.json.
func TestEvalOwnSettingsReproducesValidation(t *testing.T) {
	for _, dir := range []string{flipFlop32, multiTask8, randomTarget} {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			rep, ev := evaluate(t, dir, EvalOptions{})
			if !reflect.DeepEqual(rep.Original, rep.Changed) {
				t.Fatalf("own settings: metrics differ\n run  %+v\n eval %+v", rep.Original, rep.Changed)
			}
			if !rep.SameTrials || rep.Changes.Describe() != "the run's own settings" {
				t.Fatalf("same trials %v, changes %q", rep.SameTrials, rep.Changes.Describe())
			}
			for _, row := range rep.Rows() {
				if row[1] != row[2] {
					t.Fatalf("row %v differs", row)
				}
			}
			// The numbers analyze --phase val prints.
			pf, err := open(t, dir).Performance(context.Background(), "val")
			if err != nil {
				t.Fatal(err)
			}
			if rep.Changed.Loss != pf.Loss || rep.Changed.Trials != pf.Trials {
				t.Fatalf("loss %v over %d trials, analyze says %v over %d", rep.Changed.Loss, rep.Changed.Trials, pf.Loss, pf.Trials)
			}
			if !reflect.DeepEqual(rep.Changed.MultiTask, pf.MultiTask) || !reflect.DeepEqual(rep.Changed.Reach, pf.RandomTarget) || !reflect.DeepEqual(rep.Changed.FlipFlop, pf.FlipFlop) {
				t.Fatal("task scores differ from analyze's")
			}
			// The scores training wrote to eval.json (RandomTarget, MultiTask),
			// to rounding: testdata's eval.json files were written by an earlier
			// build whose kernels rounded differently in the last float32 bits.
			var saved run.Evaluation
			data, err := os.ReadFile(filepath.Join(dir, run.EvalFile))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(data, &saved); err != nil {
				t.Fatal(err)
			}
			close := func(what string, a, b float64) {
				if math.Abs(a-b) > 1e-6*math.Abs(b) {
					t.Errorf("%s %v, eval.json %v", what, a, b)
				}
			}
			if sv := saved.RandomTarget; sv != nil {
				r := rep.Changed.Reach
				close("position MSE", r.PositionLoss, sv.PositionLoss)
				close("reach error", r.Reach.MeanErr, sv.Reach.MeanErr)
				close("reach median", r.Reach.MedianErr, sv.Reach.MedianErr)
				close("catch drift", r.Hold.MeanErr, sv.Hold.MeanErr)
				if r.Reach.Trials != sv.Reach.Trials || r.Reach.Within2cm != sv.Reach.Within2cm {
					t.Errorf("reach %+v, eval.json %+v", r.Reach, sv.Reach)
				}
			}
			if sv := saved.MultiTask; sv != nil {
				for k, x := range rep.Changed.MultiTask.Tasks {
					y := sv.Tasks[k]
					close(x.Task+" loss", x.Loss, y.Loss)
					if x.Task != y.Task || x.Trials != y.Trials || x.SuccessRate != y.SuccessRate || x.StrictSuccessRate != y.StrictSuccessRate {
						t.Errorf("%+v, eval.json %+v", x, y)
					}
				}
			}
			// The latents are the run's validation latents.
			a, err := open(t, dir).Latents(context.Background(), "val")
			if err != nil {
				t.Fatal(err)
			}
			b, err := ev.Latents(context.Background(), "val")
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(a.RawMatrix().Data, b.RawMatrix().Data) {
				t.Fatal("the evaluation's validation latents are not the run's")
			}
		})
	}
}

// Changed tasks change the metrics the way they should.
func TestEvalChangedTasks(t *testing.T) {
	// More input noise: the flip-flop is read out worse on the same trials.
	rep, _ := evaluate(t, flipFlop32, EvalOptions{Sets: []string{"task.nbff.noise=0.6"}})
	o, c := rep.Original, rep.Changed
	if !rep.SameTrials || !(c.Loss > 2*o.Loss) || !(c.FlipFlop.MeanBitAccuracy < o.FlipFlop.MeanBitAccuracy) || !(c.FlipFlop.AllBits < o.FlipFlop.AllBits) {
		t.Fatalf("noise 0.6: paired %v, loss %v → %v, bit accuracy %v → %v, all bits %v → %v", rep.SameTrials,
			o.Loss, c.Loss, o.FlipFlop.MeanBitAccuracy, c.FlipFlop.MeanBitAccuracy, o.FlipFlop.AllBits, c.FlipFlop.AllBits)
	}
	if o.FlipFlop.MeanBitAccuracy < 0.99 {
		t.Fatalf("the trained flip-flop reads its bits at %v", o.FlipFlop.MeanBitAccuracy)
	}
	// Other switch probabilities are other trials (other targets): not paired.
	rep, _ = evaluate(t, flipFlop32, EvalOptions{Sets: []string{"task.nbff.switch_prob=0.02"}})
	if rep.SameTrials {
		t.Fatal("switch_prob 0.02 keeps the same trials?")
	}
	// A seed of its own: fresh trials, the model's accuracy holds.
	rep, _ = evaluate(t, flipFlop32, EvalOptions{Seed: 7, Samples: 100})
	if rep.SameTrials || rep.Changes.Seed != 7 || rep.Changes.Samples != 100 || rep.Changed.Trials != 20 || rep.Changed.FlipFlop.MeanBitAccuracy < 0.98 {
		t.Fatalf("seed 7: %+v, %d trials, accuracy %v", rep.Changes, rep.Changed.Trials, rep.Changed.FlipFlop.MeanBitAccuracy)
	}
	// MultiTask on a subset scores only those tasks, in the reference's order.
	rep, _ = evaluate(t, multiTask8, EvalOptions{Sets: []string{"task.multitask.tasks=MemoryAnti,DelayPro"}})
	var names []string
	for _, s := range rep.Changed.MultiTask.Tasks {
		names = append(names, s.Task)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"DelayPro", "MemoryAnti"}) || len(rep.Original.MultiTask.Tasks) != 4 {
		t.Fatalf("subset scores %v (run: %d tasks)", names, len(rep.Original.MultiTask.Tasks))
	}
	var rows []string
	for _, r := range rep.Rows() {
		rows = append(rows, r[0]+"|"+r[2])
	}
	txt := strings.Join(rows, "\n")
	if !strings.Contains(txt, "DelayAnti success|—") || strings.Index(txt, "DelayPro success") > strings.Index(txt, "MemoryAnti success") {
		t.Fatalf("rows:\n%s", txt)
	}
}

// What an evaluation may not change is refused with a message naming it.
func TestEvalRefusals(t *testing.T) {
	for _, c := range []struct {
		o    EvalOptions
		want []string
	}{
		// The model reads 3 inputs; a 4-bit task has 4.
		{EvalOptions{Sets: []string{"task.nbff.bits=4"}}, []string{"reads 3 inputs and writes 3 outputs", "has 4 inputs and 4 outputs", "--set task.nbff.bits=4"}},
		{EvalOptions{Sets: []string{"model.latent=4"}}, []string{"model.latent", "task settings only"}},
		{EvalOptions{Sets: []string{"train.lr=1"}}, []string{"train.lr"}},
		{EvalOptions{Sets: []string{"task.kind=multitask"}}, []string{"task kind", "--task"}},
		{EvalOptions{Sets: []string{"task.nbff.noise=-1"}}, []string{"task.nbff.noise", "-1"}},
		{EvalOptions{Sets: []string{"task.nbff.bogus=1"}}, []string{"unknown key", "task.nbff.bogus"}},
		{EvalOptions{Task: "centreout"}, []string{"--task centreout", "nbff"}},
		{EvalOptions{Samples: -3}, []string{"--samples"}},
	} {
		if c.o.Seed == 0 {
			c.o.Seed = -1
		}
		_, _, err := Evaluate(context.Background(), flipFlop32, c.o, nil)
		if err == nil {
			t.Errorf("%+v: no error", c.o)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%+v: %q does not say %q", c.o, err, w)
			}
		}
	}
}

// An evaluation directory opens wherever a run opens and reproduces the
// evaluation's latents and metrics; it is refused once the run's model has
// changed.
func TestEvaluationDirectory(t *testing.T) {
	tmp := t.TempDir()
	src := copyRun(t, flipFlop32, filepath.Join(tmp, "runs", "ff"))
	out := filepath.Join(tmp, "evals", "noisy")
	rep, ev := evaluate(t, src, EvalOptions{Sets: []string{"task.nbff.noise=0.4"}, Out: out})
	if rep.Dir != out || ev.Run.Run.Dir != out {
		t.Fatalf("saved at %q / %q, want %s", rep.Dir, ev.Run.Run.Dir, out)
	}
	for _, f := range []string{run.EvaluationFile, run.ConfigFile, run.StateFile} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Fatal(err)
		}
	}
	var rec run.EvalRecord
	data, _ := os.ReadFile(filepath.Join(out, run.EvaluationFile))
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(src)
	if rec.Source.Dir != abs || rec.Source.Relative != filepath.Join("..", "..", "runs", "ff") || rec.Source.ModelFile != run.CheckpointFile ||
		len(rec.Source.SHA256) != 64 || rec.Source.Epoch != 400 || !slices.Equal(rec.Changes.Sets, []string{"task.nbff.noise=0.4"}) || len(rec.Metrics) == 0 {
		t.Fatalf("evaluation.json: %+v", rec)
	}

	// Opened as a run: same latents, same metrics, and it says what it is.
	s, err := Open(out, false)
	if err != nil {
		t.Fatal(err)
	}
	info := s.Info()
	if info.Evaluation == nil || info.Evaluation.Of != src || info.Dir != out || info.Epoch != 400 {
		t.Fatalf("info %+v", info)
	}
	m, err := s.TaskMetrics(context.Background(), "val")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m, rep.Changed) {
		t.Fatalf("reopened metrics %+v, at evaluation %+v", m, rep.Changed)
	}
	for _, phase := range []string{"train", "val", "all"} {
		a, _ := s.Latents(context.Background(), phase)
		b, _ := ev.Latents(context.Background(), phase)
		if !slices.Equal(a.RawMatrix().Data, b.RawMatrix().Data) {
			t.Fatalf("%s latents differ after reopening", phase)
		}
	}
	// The analysis commands take it as they take a run.
	var buf bytes.Buffer
	if err := AnalyzeCommand(context.Background(), out, false, AnalyzeOptions{Phase: "val"}, Output{W: &buf}); err != nil {
		t.Fatal(err)
	}
	if err := ExportCommand(context.Background(), out, false, filepath.Join(tmp, "x.npz"), ExportOptions{}, Output{W: &buf}); err != nil {
		t.Fatal(err)
	}
	// compare reads evaluations as runs: the same trials (own settings) compare
	// trial by trial; other inputs are refused as for two runs.
	same := filepath.Join(tmp, "evals", "same")
	evaluate(t, src, EvalOptions{Out: same})
	noDSA := MatrixOptions{CompareOptions: CompareOptions{NoDSA: true}}
	buf.Reset()
	if err := CompareCommand(context.Background(), []string{src, same}, false, noDSA, false, Output{W: &buf}); err != nil || !strings.Contains(buf.String(), "same trials") {
		t.Fatalf("compare with the same trials: %v\n%s", err, buf.String())
	}
	// Other inputs: the trial-matched metrics are left out with the reason.
	buf.Reset()
	if err := CompareCommand(context.Background(), []string{src, out}, false, noDSA, false, Output{W: &buf}); err != nil || !strings.Contains(buf.String(), "3BFF_200S_100T_0seed_0.4") || !strings.Contains(buf.String(), "need the same trials") {
		t.Fatalf("compare with other inputs: %v\n%s", err, buf.String())
	}
	// Run lists show it as an evaluation.
	if sum := run.Inspect(out); sum.Status != run.StatusEvaluation || sum.Damage != nil || sum.State.Epoch != 400 {
		t.Fatalf("Inspect: %+v", sum)
	}
	// Not trainable, no best.bin of its own, never overwritten.
	r, err := run.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := run.NewSession(r); err == nil || !strings.Contains(err.Error(), "is an evaluation of") {
		t.Fatalf("training an evaluation: %v", err)
	}
	if _, err := Open(out, true); err == nil || !strings.Contains(err.Error(), "--best does not apply") {
		t.Fatalf("--best on an evaluation of checkpoint.bin: %v", err)
	}
	if _, _, err := Evaluate(context.Background(), src, EvalOptions{Seed: -1, Out: out}, nil); err == nil || !strings.Contains(err.Error(), "already holds an evaluation") {
		t.Fatalf("--out onto an evaluation: %v", err)
	}
	if _, _, err := Evaluate(context.Background(), src, EvalOptions{Seed: -1, Out: src}, nil); err == nil || !strings.Contains(err.Error(), "already holds a run") {
		t.Fatalf("--out onto a run: %v", err)
	}

	// An evaluation of the evaluation adds its changes and names the run.
	out2 := filepath.Join(tmp, "evals", "noisier")
	rep2, _ := evaluate(t, out, EvalOptions{Sets: []string{"task.nbff.switch_prob=0.02"}, Out: out2})
	if rep2.Run.Dir != src || !slices.Equal(rep2.Changes.Sets, []string{"task.nbff.noise=0.4", "task.nbff.switch_prob=0.02"}) ||
		!reflect.DeepEqual(rep2.Original, rep.Original) {
		t.Fatalf("evaluation of an evaluation: run %s, changes %v", rep2.Run.Dir, rep2.Changes.Sets)
	}

	// Moved together with its run, it still opens (the relative path).
	moved := filepath.Join(tmp, "moved")
	if err := os.Rename(tmp+"/runs", tmp+"/moved-runs"); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(out, false); err == nil || !strings.Contains(err.Error(), "not there any more") {
		t.Fatalf("run gone: %v", err)
	}
	os.MkdirAll(moved, 0o755)
	os.Rename(tmp+"/moved-runs", moved+"/runs")
	os.Rename(tmp+"/evals", moved+"/evals")
	if _, err := Open(filepath.Join(moved, "evals", "noisy"), false); err != nil {
		t.Fatalf("moved together: %v", err)
	}
	src = filepath.Join(moved, "runs", "ff")
	out = filepath.Join(moved, "evals", "noisy")

	// The run's model changes (trained on, replaced): the evaluation is refused,
	// naming the file and why.
	ckPath := filepath.Join(src, run.CheckpointFile)
	f, _ := os.Open(ckPath)
	ck, err := nets.ReadCheckpoint(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	ck.Params[0] += 1e-3
	ck.Header.Epoch = 401
	var cb bytes.Buffer
	ck.WriteTo(&cb)
	if err := os.WriteFile(ckPath, cb.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Open(out, false)
	if err == nil {
		t.Fatal("an evaluation of a changed model opened")
	}
	for _, w := range []string{filepath.Join(out, run.EvaluationFile), ckPath, "changed since", "epoch 400", "epoch 401", "ctdtui eval"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%q does not say %q", err, w)
		}
	}
	if err := AnalyzeCommand(context.Background(), out, false, AnalyzeOptions{}, Output{W: &buf}); err == nil || !strings.Contains(err.Error(), "changed since") {
		t.Fatalf("analyze of a stale evaluation: %v", err)
	}
	if sum := run.Inspect(out); sum.Status != run.StatusDamaged || sum.Damage == nil || !strings.Contains(sum.Damage.Error(), "changed since") {
		t.Fatalf("Inspect of a stale evaluation: %+v", sum)
	}
}

// The table shows both columns and says what was evaluated.
func TestEvalTable(t *testing.T) {
	rep, _ := evaluate(t, randomTarget, EvalOptions{Sets: []string{"task.randomtarget.bump_prob=0"}})
	var buf bytes.Buffer
	if err := rep.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	txt := buf.String()
	for _, w := range []string{"--set task.randomtarget.bump_prob=0", "run (validation)", "under the change", "position MSE (all steps)",
		"reach end error, mean", "reach end error, median", "reach ends within 2 cm", "paired"} {
		if !strings.Contains(txt, w) {
			t.Errorf("table lacks %q:\n%s", w, txt)
		}
	}
	buf.Reset()
	if err := WriteJSON(&buf, rep); err != nil {
		t.Fatal(err)
	}
	var back EvalReport
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil || back.Changed.Reach == nil || back.Changes.Sets[0] != "task.randomtarget.bump_prob=0" {
		t.Fatalf("JSON: %v %+v", err, back)
	}
}

// rtArm is a RandomTarget GRU-32 trained in the null field (testdata/rt-gru32).
const rtArm = "testdata/rt-gru32"

// The arm under a force field: the same trials (the field changes no draw),
// the hand pushed off its path, so the position error over the trial grows
// with the field; a model without the condition channel is evaluated under
// the field anyway (it is simply not told), and asked to read the channel it
// is refused, naming both sizes.
func TestEvalArmUnderField(t *testing.T) {
	null, _ := evaluate(t, rtArm, EvalOptions{})
	if !reflect.DeepEqual(null.Original, null.Changed) {
		t.Fatal("own settings do not reproduce the validation metrics")
	}
	mse := func(levels string) float64 {
		rep, _ := evaluate(t, rtArm, EvalOptions{Sets: []string{"task.randomtarget.field=constant", "task.randomtarget.levels=" + levels}})
		if !rep.SameTrials || rep.Changed.Reach.Reach.Trials != null.Changed.Reach.Reach.Trials || !slices.Equal(rep.Changed.Levels, []float64{mustFloat(levels)}) {
			t.Fatalf("levels %s: paired %v, %d reach trials, levels %v", levels, rep.SameTrials, rep.Changed.Reach.Reach.Trials, rep.Changed.Levels)
		}
		if !strings.Contains(rep.Changed.Summary, "constant field") {
			t.Fatalf("summary %q", rep.Changed.Summary)
		}
		return rep.Changed.Reach.PositionLoss
	}
	m0, m1, m3 := null.Changed.Reach.PositionLoss, mse("1"), mse("3")
	t.Logf("position MSE: null %.5g, 1 N leftward %.5g, 3 N %.5g", m0, m1, m3)
	if !(m1 > m0 && m3 > m1) {
		t.Fatalf("position MSE null %v, 1 N %v, 3 N %v: want it to grow with the field", m0, m1, m3)
	}
	// Level 0 of a constant field is the null field: the same numbers.
	rep, _ := evaluate(t, rtArm, EvalOptions{Sets: []string{"task.randomtarget.field=constant", "task.randomtarget.levels=0"}})
	if rep.Changed.Reach.PositionLoss != m0 {
		t.Fatalf("a 0 N field: MSE %v, null %v", rep.Changed.Reach.PositionLoss, m0)
	}
	// Several levels: scores per level, in the table too.
	rep, _ = evaluate(t, rtArm, EvalOptions{Sets: []string{"task.randomtarget.field=constant", "task.randomtarget.levels=0,1"}})
	if len(rep.Changed.Reach.PerLevel) != 2 || !slices.Equal(rep.Changed.Levels, []float64{0, 1}) {
		t.Fatalf("levels 0,1: %+v", rep.Changed.Reach.PerLevel)
	}
	var buf bytes.Buffer
	rep.WriteTable(&buf)
	if !strings.Contains(buf.String(), "level 1: reach end error, mean") || !strings.Contains(buf.String(), "level 0: position MSE") {
		t.Fatalf("no per-level rows:\n%s", buf.String())
	}
	// The condition channel is an input this model never had.
	_, _, err := Evaluate(context.Background(), rtArm, EvalOptions{Seed: -1, Sets: []string{"task.randomtarget.field=constant", "task.randomtarget.levels=0,1", "task.randomtarget.condition_input=true"}}, nil)
	for _, w := range []string{"reads 17 inputs", "has 18 inputs", "not trained with FieldLevel"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("condition channel for a model without one: %v (want %q)", err, w)
		}
	}
}

func mustFloat(s string) float64 {
	var v float64
	if _, err := fmt.Sscan(s, &v); err != nil {
		panic(err)
	}
	return v
}

// Centre-out: the RandomTarget model reaches to 8 targets around the centre,
// unchanged; every trial reaches (no catch trials, no bumps).
func TestEvalCentreOut(t *testing.T) {
	rep, ev := evaluate(t, rtArm, EvalOptions{Task: run.TaskCentreOut})
	c := rep.Changed
	if c.Task != "centreout" || rep.SameTrials || c.Reach.Hold.Trials != 0 || c.Reach.Reach.Trials != c.Trials || !strings.Contains(c.Summary, "centre-out") {
		t.Fatalf("centre-out: %+v", c)
	}
	// Trial i reaches to direction i mod 8: the validation split holds them all.
	dirs := map[int]bool{}
	for _, i := range ev.Run.Data.Valid {
		dirs[i%8] = true
	}
	if len(dirs) != 8 {
		t.Fatalf("directions %v", dirs)
	}
	// The run's arm settings carry over; centre-out's own keys apply after --task.
	rep, _ = evaluate(t, rtArm, EvalOptions{Task: run.TaskCentreOut, Sets: []string{"task.randomtarget.field=constant", "task.randomtarget.levels=1", "task.centreout.radius=0.05"}})
	if !strings.Contains(rep.Changed.Summary, "5 cm") || !strings.Contains(rep.Changed.Summary, "constant field at 1") {
		t.Fatalf("summary %q", rep.Changed.Summary)
	}
	if _, _, err := Evaluate(context.Background(), rtArm, EvalOptions{Seed: -1, Sets: []string{"task.centreout.radius=0.05"}}, nil); err == nil || !strings.Contains(err.Error(), "add --task centreout") {
		t.Fatalf("a centre-out key without --task: %v", err)
	}
}

// rtCond is a RandomTarget GRU-32 trained on null and 1 N leftward trials
// with the FieldLevel input (testdata/rtff-gru32).
const rtCond = "testdata/rtff-gru32"

// A condition-trained model: its validation splits by level; it runs at
// levels it never saw (interpolation, extrapolation) with the channel set
// accordingly, on the run's own trials when the level count is kept; taking
// its channel away is refused.
func TestEvalConditionModel(t *testing.T) {
	own, _ := evaluate(t, rtCond, EvalOptions{})
	if !reflect.DeepEqual(own.Original, own.Changed) || !slices.Equal(own.Original.Levels, []float64{0, 1}) || len(own.Original.Reach.PerLevel) != 2 {
		t.Fatalf("own settings: levels %v, per level %d", own.Original.Levels, len(own.Original.Reach.PerLevel))
	}
	for _, lv := range []string{"0.5", "1.5"} {
		rep, ev := evaluate(t, rtCond, EvalOptions{Sets: []string{"task.randomtarget.levels=" + lv + "," + lv}})
		if !rep.SameTrials || rep.Note != "" || !slices.Equal(rep.Changed.Levels, []float64{mustFloat(lv)}) {
			t.Fatalf("levels %s twice: paired %v, note %q, levels %v", lv, rep.SameTrials, rep.Note, rep.Changed.Levels)
		}
		// The condition channel carries the level the model is now told.
		inf, err := ev.Inference(context.Background(), "val")
		if err != nil {
			t.Fatal(err)
		}
		labels := ev.Info().InputLabels
		ch := slices.Index(labels, "FieldLevel")
		if ch < 0 || inf.I != 18 || float64(inf.Inputs(0)[ch]) != mustFloat(lv) {
			t.Fatalf("levels %s: FieldLevel channel %d of %v reads %v", lv, ch, labels, inf.Inputs(0)[max(ch, 0)])
		}
		var buf bytes.Buffer
		rep.WriteTable(&buf)
		for _, w := range []string{"level 0: reach end error, mean", "level " + lv + ": reach end error, mean", "level 1: position MSE"} {
			if !strings.Contains(buf.String(), w) {
				t.Fatalf("levels %s: the table lacks %q:\n%s", lv, w, buf.String())
			}
		}
	}
	// One level where the run drew among two: other trials, and the note says
	// how to keep the run's.
	rep, _ := evaluate(t, rtCond, EvalOptions{Sets: []string{"task.randomtarget.levels=0.5"}})
	if rep.SameTrials || !strings.Contains(rep.Note, "--set task.randomtarget.levels=0.5,0.5") {
		t.Fatalf("one level: paired %v, note %q", rep.SameTrials, rep.Note)
	}
	_, _, err := Evaluate(context.Background(), rtCond, EvalOptions{Seed: -1, Sets: []string{"task.randomtarget.condition_input=false"}}, nil)
	for _, w := range []string{"reads 18 inputs", "has 17 inputs", "trained with FieldLevel, which the task lacks"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("without the channel: %v (want %q)", err, w)
		}
	}
}
