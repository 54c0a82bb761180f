package run

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/ctdtui/ctdtui/nets"
	"github.com/ctdtui/ctdtui/presets"
)

// TrainOptions are the flags of `ctdtui train`.
type TrainOptions struct {
	Preset string   // embedded preset name or TOML file
	Sets   []string // key=value overrides
	Out    string   // run directory ("" = a new one under Runs)
	Runs   string   // root for new run directories
	Resume string   // run directory to continue
	Epochs int      // total epochs (0 = the config's)
	// FromBest continues a run whose checkpoint is missing or damaged from
	// best.bin (with Resume; see NewSessionFromBest).
	FromBest bool
	// Seed, when set, is train.seed (the same as --set train.seed=N).
	Seed *uint64
}

// TrainHeadless runs `ctdtui train`: it prints one line per epoch to w and a
// summary at the end. Cancelling ctx (Ctrl-C) stops after saving the last
// completed epoch.
func TrainHeadless(ctx context.Context, o TrainOptions, w io.Writer) error {
	var r *Run
	var err error
	if o.Resume != "" {
		if o.Preset != "" || len(o.Sets) > 0 || o.Out != "" || o.Seed != nil {
			return errors.New("--resume continues a run with its saved configuration: --preset, --set, --seed and --out cannot be combined with it (only --epochs)")
		}
		// Read, not Open: resuming rebuilds a damaged state.json, and
		// NewSession says what else is wrong and what to do about it.
		if r, err = Read(o.Resume); err != nil {
			return err
		}
	} else {
		if o.FromBest {
			return errors.New("--from-best continues a saved run: use it with --resume DIR")
		}
		name := o.Preset
		if name == "" {
			name = presets.DefaultName
		}
		cfg, err := presets.Load(name)
		if err != nil {
			return err
		}
		for _, kv := range o.Sets {
			if err := cfg.SetAssignment(kv); err != nil {
				return err
			}
		}
		if o.Seed != nil {
			if err := cfg.Set("train.seed", fmt.Sprint(*o.Seed)); err != nil {
				return fmt.Errorf("--seed: %w", err)
			}
		}
		if o.Epochs > 0 {
			cfg.Train.Epochs = o.Epochs
		}
		if err := cfg.Validate(); err != nil {
			return err
		}
		dir := o.Out
		if dir == "" {
			dir = NewDirName(o.Runs, cfg.Name)
		}
		if r, err = Create(dir, cfg); err != nil {
			return err
		}
	}
	stateErr := r.StateErr
	newSession := NewSession
	if o.FromBest {
		newSession = NewSessionFromBest
	}
	s, err := newSession(r)
	if err != nil {
		return err
	}
	defer s.Close()
	if stateErr != nil {
		fmt.Fprintf(w, "note: %v; rebuilt from %s and %s\n", stateErr, CheckpointFile, HistoryFile)
	}
	if o.Resume != "" && o.Epochs > 0 {
		if err := s.SetEpochs(o.Epochs); err != nil {
			return err
		}
	}
	cfg := r.Config
	fmt.Fprintf(w, "run %s: %s, %s latent %d, %d train / %d val trials, batch %d, %d workers\n",
		r.Dir, s.Data.Name, cfg.Model.Kind, cfg.Model.Latent, len(s.Data.Train), len(s.Data.Valid), cfg.Train.Batch, s.Trainer.Workers())
	if s.Trainer.Epoch >= cfg.Train.Epochs {
		fmt.Fprintf(w, "already at epoch %d of %d: nothing to do (raise --epochs to train more)\n", s.Trainer.Epoch, cfg.Train.Epochs)
		return s.SettleFinished()
	}
	switch {
	case s.FromBest:
		fmt.Fprintf(w, "continuing from %s at epoch %d of %d (a fresh optimiser; the history after epoch %d is dropped)\n",
			BestFile, s.Trainer.Epoch, cfg.Train.Epochs, s.Trainer.Epoch)
	case s.Trainer.Epoch > 0:
		fmt.Fprintf(w, "resuming after epoch %d of %d\n", s.Trainer.Epoch, cfg.Train.Epochs)
	}
	var seconds []float64
	width := len(fmt.Sprint(cfg.Train.Epochs))
	err = s.Train(ctx, func(st nets.EpochStats) {
		seconds = append(seconds, st.Seconds)
		fmt.Fprintf(w, "epoch %*d/%d  train %-12.6g val %-12.6g %.3f s\n", width, st.Epoch, cfg.Train.Epochs, st.TrainLoss, st.ValLoss, st.Seconds)
	})
	summary := fmt.Sprintf("%d epochs done", r.State.Epoch)
	if r.State.BestEpoch > 0 {
		summary += fmt.Sprintf(", best val %.6g at epoch %d", r.State.BestVal, r.State.BestEpoch)
	}
	if len(seconds) > 0 {
		summary += fmt.Sprintf(", median epoch %.3f s", median(seconds))
	}
	if mb := PeakMemoryMB(); mb > 0 {
		summary += fmt.Sprintf(", peak memory %.0f MB", mb)
	}
	fmt.Fprintf(w, "%s: %s\nrun directory: %s\n", r.State.Status, summary, r.Dir)
	if r.State.Message != "" {
		fmt.Fprintln(w, r.State.Message)
	}
	// Score the model the run ended with (also after a stop), unless nothing was trained.
	if r.State.Epoch > 0 && (err == nil || errors.Is(err, context.Canceled)) {
		ev, eerr := s.Evaluate(context.WithoutCancel(ctx))
		if eerr != nil {
			return errors.Join(err, eerr)
		}
		if tbl := ev.Table(); tbl != "" {
			fmt.Fprintf(w, "\nvalidation trials (%s):\n%s", EvalFile, tbl)
		}
	}
	if errors.Is(err, context.Canceled) {
		return nil // a requested stop is not a failure
	}
	return err
}

func median(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	s := slices.Clone(x)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
