package run

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

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
	// FromBest says the session continues from best.bin (NewSessionFromBest).
	FromBest bool

	lock *Lock
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

// NewSession prepares r for training. It takes the run's lock (an error
// wrapping ErrLocked when another trainer holds it; Close releases it), reads
// the run's files again under it, and restores the last saved epoch:
//
//   - A run without a checkpoint starts from scratch, unless it has epochs on
//     record (state.json, history.csv or best.bin say it trained): then it is
//     refused, since starting again would overwrite them. NewSessionFromBest
//     continues such a run from best.bin.
//   - A corrupt checkpoint, or one that does not match config.toml, is refused.
//   - history.csv may be ahead of the checkpoint (a crash after it was written
//     for an epoch whose checkpoint was not): the extra rows are dropped. It
//     must not be behind.
//   - state.json is rebuilt from the checkpoint and the history (it may lag
//     them by an epoch, or be damaged).
//   - best.bin is rewritten from the checkpoint when the history says the
//     checkpoint's epoch is the best one but best.bin is older (a crash
//     between the two writes).
func NewSession(r *Run) (*Session, error) { return newSession(r, false) }

// NewSessionFromBest continues a run whose checkpoint.bin is missing or
// damaged (or whose history no longer reaches it) from best.bin: the model at
// the best validation epoch, with a fresh optimiser (best.bin holds no Adam
// state, so the continuation is not the one an uninterrupted run would have
// taken). The history after that epoch is dropped. A run that can resume
// normally is refused.
func NewSessionFromBest(r *Run) (*Session, error) { return newSession(r, true) }

func newSession(r *Run, fromBest bool) (s *Session, err error) {
	if r.Eval != nil {
		return nil, fmt.Errorf("%s is an evaluation of %s, not a run: it has no training of its own (train or resume %s)", r.Dir, r.Eval.SourceDir(), r.Eval.SourceDir())
	}
	lock, err := AcquireLock(r.Dir)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			lock.Release()
		}
	}()
	r.reload()
	removeStaleTemps(r.Dir)
	task, err := r.Config.BuildTask()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(r.Dir, ConfigFile), err)
	}
	data := BuildDataset(r.Config, task)
	tr, err := nets.NewTrainer(task, data, r.Config.ModelConfig(), r.Config.TrainConfig())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(r.Dir, ConfigFile), err)
	}
	r.curriculumEnd = task.CurriculumEnd()
	s = &Session{Run: r, Task: task, Data: data, Trainer: tr, lock: lock}
	ck, ckErr := r.ReadCheckpoint(false)
	ckMissing := errors.Is(ckErr, os.ErrNotExist)
	if ckErr == nil {
		if err := ck.LoadInto(tr.Model, tr.Opt); err != nil {
			ckErr = fmt.Errorf("%s does not match %s: %w", filepath.Join(r.Dir, CheckpointFile), ConfigFile, err)
		}
	}
	switch {
	case fromBest && ckErr == nil && r.HistoryErr == nil && len(r.History) >= ck.Header.Epoch:
		return nil, fmt.Errorf("%s is sound (epoch %d): --from-best is for a run whose checkpoint is missing or damaged; resume it without --from-best",
			filepath.Join(r.Dir, CheckpointFile), ck.Header.Epoch)
	case fromBest:
		if err := s.restoreBest(); err != nil {
			return nil, err
		}
	case ckMissing:
		if rec := r.epochsOnRecord(); rec != "" {
			return nil, fmt.Errorf("%s is missing but %s: training again from epoch 1 would overwrite them. "+
				"Continue from the best model with --from-best (ctdtui train --resume %s --from-best), or start a new run",
				filepath.Join(r.Dir, CheckpointFile), rec, r.Dir)
		}
		r.History, r.HistoryErr = nil, nil // nothing was trained: start from scratch
		r.State.Epoch = 0
		r.recomputeBest()
		return s, nil
	case ckErr != nil:
		return nil, fmt.Errorf("%w. The run cannot continue from it: continue from the best model with --from-best "+
			"(ctdtui train --resume %s --from-best), or start a new run", ckErr, r.Dir)
	default:
		tr.Epoch = ck.Header.Epoch
	}
	if err := r.alignHistory(tr.Epoch); err != nil {
		return nil, err
	}
	if !fromBest {
		if err := r.repairBest(ck); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// removeStaleTemps deletes the temporary files a crash can leave behind in a
// run directory (WriteFileAtomic's ".NAME.tmp-*"); only a lock holder calls
// it, so no write of a live trainer is in progress.
func removeStaleTemps(dir string) {
	for _, f := range append(slices.Clone(runFiles), EvalFile) {
		matches, _ := filepath.Glob(filepath.Join(dir, "."+f+".tmp-*"))
		for _, m := range matches {
			os.Remove(m)
		}
	}
}

// epochsOnRecord says which files record trained epochs ("" when none do).
func (r *Run) epochsOnRecord() string {
	var rec []string
	if r.StateErr == nil && r.State.Epoch > 0 {
		rec = append(rec, fmt.Sprintf("%s records %d epochs", StateFile, r.State.Epoch))
	}
	if r.HistoryErr == nil && len(r.History) > 0 {
		rec = append(rec, fmt.Sprintf("%s has %d", HistoryFile, len(r.History)))
	} else if r.HistoryErr != nil && !errors.Is(r.HistoryErr, os.ErrNotExist) {
		rec = append(rec, HistoryFile+" exists (damaged)")
	}
	if _, err := os.Stat(filepath.Join(r.Dir, BestFile)); err == nil {
		rec = append(rec, BestFile+" exists")
	}
	return strings.Join(rec, ", ")
}

// alignHistory makes the history and the state agree with a model restored
// at epoch: extra history rows (an epoch trained but not checkpointed) are
// dropped, a missing or damaged history is refused when epochs are needed.
func (r *Run) alignHistory(epoch int) error {
	if epoch > 0 && r.HistoryErr != nil {
		return fmt.Errorf("%w. The model (epoch %d) is intact and can be analysed, but training cannot continue without its history: start a new run",
			r.HistoryErr, epoch)
	}
	if r.HistoryErr != nil {
		r.History, r.HistoryErr = nil, nil
	}
	// The history is written before the checkpoint after each epoch, so it
	// may be one epoch ahead after a crash, never behind.
	if len(r.History) < epoch {
		return fmt.Errorf("%s has %d epochs but %s is at epoch %d: the history was damaged. The model can be analysed; to train further, "+
			"continue from the best model if the history reaches its epoch (ctdtui train --resume %s --from-best), or start a new run",
			filepath.Join(r.Dir, HistoryFile), len(r.History), CheckpointFile, epoch, r.Dir)
	}
	r.History = r.History[:epoch]
	r.State.Epoch = epoch
	r.recomputeBest()
	if r.StateErr != nil {
		r.StateErr = nil // rebuilt above; written when training starts
	}
	return nil
}

// repairBest rewrites best.bin from the checkpoint when the history says the
// checkpoint's epoch is the best but best.bin holds an older model (a crash
// after the checkpoint was written and before best.bin was).
func (r *Run) repairBest(ck *nets.Checkpoint) error {
	if ck == nil || r.State.BestEpoch == 0 || r.State.BestEpoch != ck.Header.Epoch {
		return nil
	}
	if b, err := r.ReadCheckpoint(true); err == nil && b.Header.Epoch == ck.Header.Epoch {
		return nil
	}
	best := *ck
	best.Header.HasAdam, best.Header.AdamStep, best.M, best.V = false, 0, nil, nil
	return writeCheckpoint(filepath.Join(r.Dir, BestFile), &best)
}

// restoreBest loads best.bin into the trainer (a fresh optimiser) and sets
// the epoch to best.bin's.
func (s *Session) restoreBest() error {
	r, tr := s.Run, s.Trainer
	b, err := r.ReadCheckpoint(true)
	if err != nil {
		return fmt.Errorf("cannot continue from the best model: %w", err)
	}
	if err := b.LoadInto(tr.Model, nil); err != nil {
		return fmt.Errorf("%s does not match %s: %w", filepath.Join(r.Dir, BestFile), ConfigFile, err)
	}
	tr.Epoch = b.Header.Epoch
	s.FromBest = true
	return nil
}

// SettleFinished records a session with no epoch left to train as finished
// in state.json, when it does not say so already (a crash after the last
// epoch's checkpoint leaves the state an epoch behind).
func (s *Session) SettleFinished() error {
	r := s.Run
	if s.Trainer.Epoch < r.Config.Train.Epochs || (r.State.Status == StatusFinished && r.State.Epoch == s.Trainer.Epoch) {
		return nil
	}
	r.State.Status, r.State.Message, r.State.Epoch = StatusFinished, "", s.Trainer.Epoch
	return r.SaveState()
}

// Close releases the run's lock. It is safe to call more than once.
func (s *Session) Close() error { return s.lock.Release() }

func (r *Run) recomputeBest() {
	r.State.BestEpoch, r.State.BestVal = BestEpoch(r.History, r.curriculumEnd)
}

// BestEpoch is a history's best epoch and its validation loss by IsBest's
// rule (0, 0 for a history with no finite validation loss).
func BestEpoch(history []nets.EpochStats, curriculumEnd int) (epoch int, val float64) {
	var st State
	for _, h := range history {
		if !math.IsNaN(h.ValLoss) && !math.IsInf(h.ValLoss, 0) && st.IsBest(h.Epoch, h.ValLoss, curriculumEnd) {
			st.BestEpoch, st.BestVal = h.Epoch, h.ValLoss
		}
	}
	return st.BestEpoch, st.BestVal
}

// CurriculumEnd is the CurriculumEnd of the run's task (0 when its
// configuration builds none; such a run is refused where it is trained).
func (r *Run) CurriculumEnd() int {
	t, err := r.Config.BuildTask()
	if err != nil {
		return 0
	}
	return t.CurriculumEnd()
}

// IsBest says whether an epoch with validation loss val becomes the run's
// best. A task with a curriculum (RandomTarget scores a growing share of each
// trial until full_trial_epoch) has validation losses that cannot be compared
// until it ends: the early epochs score short stretches of the trials and so
// look best (a 1000-epoch reach model's best epoch was 7). So while the loss
// is not final (the loss of epoch e is the curriculum's at e-1, final from
// curriculumEnd on) every epoch replaces the best, and the first epoch scored
// on the final loss starts the comparison afresh. Without a curriculum
// (curriculumEnd 0) this is the plain lowest validation loss.
func (st *State) IsBest(epoch int, val float64, curriculumEnd int) bool {
	if epoch <= curriculumEnd || st.BestEpoch <= curriculumEnd {
		return true
	}
	return val < st.BestVal
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

// Train runs the remaining epochs, saving the run after each one; report (may
// be nil) sees every finished epoch. The run ends "finished", "stopped" (ctx
// cancelled; the last completed epoch is kept), "diverged" (a NaN/Inf loss;
// the last good epoch is kept, the initial model for a first epoch) or
// "failed".
//
// After each epoch the files are written in the order history.csv,
// checkpoint.bin, best.bin (when the epoch is the best so far), state.json,
// each atomically. The checkpoint is the commit point: a crash before it
// leaves the history one epoch ahead (NewSession drops the extra row), a
// crash after it leaves best.bin or state.json behind (NewSession repairs
// both). So the run resumes from any crash point.
func (s *Session) Train(ctx context.Context, report func(nets.EpochStats)) error {
	r, tr := s.Run, s.Trainer
	h := thisHolder()
	r.State.Status, r.State.Message = StatusTraining, ""
	r.State.PID, r.State.Host = h.PID, h.Host
	if err := r.SaveState(); err != nil {
		return err
	}
	ckPath := filepath.Join(r.Dir, CheckpointFile)
	if _, err := os.Stat(ckPath); tr.Epoch == 0 || s.FromBest || err != nil {
		// The starting point (the initial model, or best.bin's) is the
		// checkpoint until the first epoch is saved: a run that diverges in
		// its first epoch keeps it, and a crash never leaves a run that
		// trained without one.
		if err := r.saveHistory(); err != nil {
			return err
		}
		if err := writeCheckpoint(ckPath, nets.NewCheckpoint(tr.Model, tr.Opt, tr.Epoch)); err != nil {
			return err
		}
		s.FromBest = false
	}
	tr.OnEpoch = func(st nets.EpochStats) error {
		r.History = append(r.History, st)
		if err := r.saveHistory(); err != nil {
			return err
		}
		if err := writeCheckpoint(ckPath, nets.NewCheckpoint(tr.Model, tr.Opt, st.Epoch)); err != nil {
			return err
		}
		if r.State.IsBest(st.Epoch, st.ValLoss, r.curriculumEnd) {
			if err := writeCheckpoint(filepath.Join(r.Dir, BestFile), nets.NewCheckpoint(tr.Model, nil, st.Epoch)); err != nil {
				return err
			}
			r.State.BestVal, r.State.BestEpoch = st.ValLoss, st.Epoch
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
