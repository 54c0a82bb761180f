package study

import (
	"bytes"
	"context"
	"encoding/json"
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
