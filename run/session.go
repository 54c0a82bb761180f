package run

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ctdtui/ctdtui/nets"
	"github.com/ctdtui/ctdtui/presets"
	"github.com/ctdtui/ctdtui/sim"
)

// Session is a run ready to train: its task, dataset and trainer, restored to
// the last saved epoch when the run has a checkpoint.
type Session struct {
	Run     *Run
	Task    sim.Task
	Data    *sim.Dataset
	Trainer *nets.Trainer
}

// BuildDataset generates the configured dataset exactly as the reference does:
// numpy's legacy generator seeded with task.seed, then the 80/20 split of
// sklearn's train_test_split with the same seed.
func BuildDataset(cfg presets.Config, task sim.Task) *sim.Dataset {
	seed := uint32(cfg.Task.Seed)
	d := task.Generate(cfg.Task.Samples, sim.NewNumpyRNG(seed))
	d.Split(seed)
	d.Name = cfg.DatasetName(task)
	return d
}

// NewSession prepares r for training. A run with a checkpoint resumes from it;
// a checkpoint or history that does not match the configuration is refused.
func NewSession(r *Run) (*Session, error) {
	if r.Eval != nil {
		return nil, fmt.Errorf("%s is an evaluation of %s, not a run: it has no training of its own (train or resume %s)", r.Dir, r.Eval.SourceDir(), r.Eval.SourceDir())
	}
	task, err := r.Config.BuildTask()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(r.Dir, ConfigFile), err)
	}
	data := BuildDataset(r.Config, task)
	tr, err := nets.NewTrainer(task, data, r.Config.ModelConfig(), r.Config.TrainConfig())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(r.Dir, ConfigFile), err)
	}
	s := &Session{Run: r, Task: task, Data: data, Trainer: tr}
	if _, err := os.Stat(filepath.Join(r.Dir, CheckpointFile)); errors.Is(err, os.ErrNotExist) {
		r.History = nil // nothing was saved: start from scratch
		return s, nil
	}
	ck, err := r.ReadCheckpoint(false)
	if err != nil {
		return nil, err
	}
	if err := ck.LoadInto(tr.Model, tr.Opt); err != nil {
		return nil, fmt.Errorf("%s does not match %s: %w", filepath.Join(r.Dir, CheckpointFile), ConfigFile, err)
	}
	tr.Epoch = ck.Header.Epoch
	// The checkpoint is written first after each epoch, so the history may be one
	// epoch ahead after a crash, never behind.
	if len(r.History) < tr.Epoch {
		return nil, fmt.Errorf("%s has %d epochs but %s is at epoch %d", filepath.Join(r.Dir, HistoryFile), len(r.History), CheckpointFile, tr.Epoch)
	}
	r.History = r.History[:tr.Epoch]
	r.State.Epoch = tr.Epoch
	r.recomputeBest()
	return s, nil
}

func (r *Run) recomputeBest() {
	r.State.BestEpoch, r.State.BestVal = 0, 0
	for _, h := range r.History {
		if r.State.BestEpoch == 0 || h.ValLoss < r.State.BestVal {
			r.State.BestEpoch, r.State.BestVal = h.Epoch, h.ValLoss
		}
	}
}

// SetEpochs changes the run's total number of epochs (resuming with --epochs).
func (s *Session) SetEpochs(n int) error {
	if n < 1 {
		return fmt.Errorf("--epochs must be at least 1, got %d", n)
	}
	s.Run.Config.Train.Epochs = n
	s.Trainer.Cfg.Epochs = n
	s.Run.State.Epochs = n
	data, err := s.Run.Config.Encode()
	if err != nil {
		return err
	}
	return WriteFileAtomic(filepath.Join(s.Run.Dir, ConfigFile), data)
}

// Train runs the remaining epochs, saving checkpoint, best model, history and
// state after each one; report (may be nil) sees every finished epoch. The run
// ends "finished", "stopped" (ctx cancelled; the last completed epoch is kept),
// "diverged" (a NaN/Inf loss; the last good epoch is kept) or "failed".
func (s *Session) Train(ctx context.Context, report func(nets.EpochStats)) error {
	r, tr := s.Run, s.Trainer
	r.State.Status, r.State.Message = StatusTraining, ""
	if err := r.SaveState(); err != nil {
		return err
	}
	tr.OnEpoch = func(st nets.EpochStats) error {
		if err := writeCheckpoint(filepath.Join(r.Dir, CheckpointFile), nets.NewCheckpoint(tr.Model, tr.Opt, st.Epoch)); err != nil {
			return err
		}
		if r.State.BestEpoch == 0 || st.ValLoss < r.State.BestVal {
			if err := writeCheckpoint(filepath.Join(r.Dir, BestFile), nets.NewCheckpoint(tr.Model, nil, st.Epoch)); err != nil {
				return err
			}
			r.State.BestVal, r.State.BestEpoch = st.ValLoss, st.Epoch
		}
		r.History = append(r.History, st)
		if err := r.saveHistory(); err != nil {
			return err
		}
		r.State.Epoch = st.Epoch
		if err := r.SaveState(); err != nil {
			return err
		}
		if report != nil {
			report(st)
		}
		return nil
	}
	err := tr.Run(ctx)
	switch {
	case err == nil:
		r.State.Status, r.State.Message = StatusFinished, ""
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		r.State.Status = StatusStopped
		r.State.Message = fmt.Sprintf("stopped after epoch %d (an unfinished epoch is discarded)", tr.Epoch)
	case errors.Is(err, nets.ErrDiverged):
		r.State.Status, r.State.Message = StatusDiverged, err.Error()
	default:
		r.State.Status, r.State.Message = StatusFailed, err.Error()
	}
	if serr := r.SaveState(); serr != nil {
		return errors.Join(err, serr)
	}
	return err
}
