package run

import (
	"context"
	"encoding/json"
	"path/filepath"

	"github.com/ctdtui/ctdtui/nets"
	"github.com/ctdtui/ctdtui/sim"
)

// EvalFile is the run's evaluation summary.
const EvalFile = "eval.json"

// EvalSeed seeds the model noise of evaluation passes, so that every look at a
// run (scores, analysis, the trial viewer) sees the same latents.
const EvalSeed = 20240517

// Evaluation is eval.json: the trained model scored on the validation trials.
type Evaluation struct {
	Epoch   int     `json:"epoch"`
	Trials  int     `json:"trials"`
	ValLoss float64 `json:"val_loss"`
	// Task-specific scores (at most one is set).
	FlipFlop     *sim.FlipFlopScores  `json:"flipflop,omitempty"`
	MultiTask    *sim.MultiTaskScores `json:"multitask,omitempty"`
	RandomTarget *sim.ReachScores     `json:"randomtarget,omitempty"`
}

// Table formats the task-specific part, or "" if the task has none.
func (e *Evaluation) Table() string {
	switch {
	case e.FlipFlop != nil:
		return e.FlipFlop.Table()
	case e.MultiTask != nil:
		return e.MultiTask.Table()
	case e.RandomTarget != nil:
		return e.RandomTarget.Table()
	}
	return ""
}

// Evaluate scores the session's current model on the validation trials (at the
// end of the curriculum) and writes eval.json.
func (s *Session) Evaluate(ctx context.Context) (*Evaluation, error) {
	tr := s.Trainer
	valid := s.Data.Valid
	// The loss at the full curriculum: RandomTarget scores every step from
	// full_trial_epoch on, so evaluate as if training had gone that far.
	epoch := max(tr.Epoch, s.Task.CurriculumEnd())
	loss, err := tr.Evaluate(ctx, valid, epoch)
	if err != nil {
		return nil, err
	}
	ev := &Evaluation{Epoch: tr.Epoch, Trials: len(valid), ValLoss: loss}
	if scorer, ok := s.Task.(sim.Scorer); ok {
		inf, err := nets.Infer(ctx, tr.Model, s.Task, s.Data, valid, &nets.InferOptions{Seed: EvalSeed, Workers: tr.Workers()})
		if err != nil {
			return nil, err
		}
		per := make([][]float64, len(valid))
		for k := range valid {
			per[k] = widen(inf.Controlled(k))
		}
		sc := scorer.Score(s.Data, valid, per)
		ev.FlipFlop, ev.MultiTask, ev.RandomTarget = sc.FlipFlop, sc.MultiTask, sc.RandomTarget
	}
	data, err := json.MarshalIndent(ev, "", "  ")
	if err != nil {
		return nil, err
	}
	return ev, WriteFileAtomic(filepath.Join(s.Run.Dir, EvalFile), append(data, '\n'))
}

func widen(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}
