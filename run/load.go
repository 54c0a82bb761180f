package run

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/ctdtui/ctdtui/nets"
	"github.com/ctdtui/ctdtui/sim"
)

// Phases name the trial sets of a run: the training split, the validation
// split, and every trial (training then validation, as the reference's
// Analysis_TT concatenates them).
var Phases = []string{"train", "val", "all"}

// Loaded is a saved run ready for analysis: its task, its regenerated dataset
// and a trained model, with one cached, seeded inference per phase so that
// every view of the run sees the same latents. It is safe for concurrent use.
type Loaded struct {
	Run   *Run
	Task  sim.Task
	Data  *sim.Dataset
	Model nets.Model[float32]
	// Epoch is the epoch the model was saved at; Best says it is best.bin.
	Epoch int
	Best  bool
	// ModelFile is the file the model was read from (checkpoint.bin or
	// best.bin, in the evaluated run for an evaluation) and ModelSHA256 the
	// checksum of its bytes, which an evaluation records.
	ModelFile   string
	ModelSHA256 string
	// Warnings name the damaged files the analysis does without (state.json,
	// history.csv): the model and the dataset come from the checkpoint and
	// config.toml alone.
	Warnings []string

	mu    sync.Mutex
	cache map[string]*nets.Inference
}

// Load opens a run directory and its model: checkpoint.bin (the last epoch, which
// is what the reference analyses) or best.bin when best is set. A damaged
// state.json or history.csv does not stop it (see Loaded.Warnings).
func Load(dir string, best bool) (*Loaded, error) {
	r, err := Read(dir)
	if err != nil {
		return nil, err
	}
	var warnings []string
	for _, e := range []error{r.StateErr, r.HistoryErr} {
		if e != nil {
			warnings = append(warnings, e.Error()+" (the model is read without it)")
		}
	}
	task, err := r.Config.BuildTask()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, ConfigFile), err)
	}
	ck, sum, err := r.readModel(best)
	switch {
	case err != nil && r.Eval != nil:
		return nil, err
	case errors.Is(err, os.ErrNotExist) && !best && r.State.Epoch == 0 && r.StateErr == nil:
		return nil, fmt.Errorf("%s has no trained model yet: %w", dir, err)
	case errors.Is(err, os.ErrNotExist) && best:
		return nil, fmt.Errorf("%w (best.bin is written after the first epoch; analyse checkpoint.bin without --best)", err)
	case errors.Is(err, os.ErrNotExist) && !best:
		return nil, fmt.Errorf("%w (%s records %d epochs); the best model may be intact: ctdtui analyze %s --best", err, StateFile, r.State.Epoch, dir)
	case err != nil && !best:
		return nil, fmt.Errorf("%w; the best model may be intact: ctdtui analyze %s --best", err, dir)
	case err != nil:
		return nil, err
	}
	m, err := ck.Restore()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	mc := m.Config()
	if mc.Inputs != task.ModelInputDim() || mc.Outputs != task.OutputDim() {
		return nil, fmt.Errorf("%s: the saved model is %d→%d but %s describes a %d→%d task", dir, mc.Inputs, mc.Outputs, ConfigFile, task.ModelInputDim(), task.OutputDim())
	}
	return &Loaded{Run: r, Task: task, Data: BuildDataset(r.Config, task), Model: m, Epoch: ck.Header.Epoch,
		Best: r.ModelFileName(best) == BestFile, ModelFile: r.ModelFileName(best), ModelSHA256: sum,
		Warnings: warnings, cache: map[string]*nets.Inference{}}, nil
}

// Trials returns the dataset indices of a phase ("train", "val" or "all").
func (l *Loaded) Trials(phase string) ([]int, error) {
	switch phase {
	case "train":
		return l.Data.Train, nil
	case "val", "valid":
		return l.Data.Valid, nil
	case "all":
		return append(append([]int(nil), l.Data.Train...), l.Data.Valid...), nil
	}
	return nil, fmt.Errorf("phase %q is not one of train, val, all", phase)
}

// Infer returns the model's rollout over a phase's trials (seeded with EvalSeed,
// bumps applied as in training), computing it once per phase.
func (l *Loaded) Infer(ctx context.Context, phase string) (*nets.Inference, error) {
	trials, err := l.Trials(phase)
	if err != nil {
		return nil, err
	}
	if phase == "valid" {
		phase = "val"
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if inf, ok := l.cache[phase]; ok {
		return inf, nil
	}
	inf, err := nets.Infer(ctx, l.Model, l.Task, l.Data, trials, &nets.InferOptions{Seed: EvalSeed, Workers: l.Run.Config.Train.Threads})
	if err != nil {
		return nil, err
	}
	l.cache[phase] = inf
	return inf, nil
}

// SameTrials reports whether two runs were trained and validated on the same
// trials (same task configuration, dataset seed and size): what comparing their
// latents trial by trial needs. The error says what differs.
func SameTrials(a, b *Loaded) error {
	ca, cb := a.Run.Config, b.Run.Config
	if na, nb := ca.DatasetName(a.Task), cb.DatasetName(b.Task); na != nb {
		return fmt.Errorf("the runs use different datasets: %s (%s) and %s (%s)", na, a.Run.Dir, nb, b.Run.Dir)
	}
	if a.Data.N() != b.Data.N() {
		return fmt.Errorf("the runs have %d and %d trials", a.Data.N(), b.Data.N())
	}
	for i := 0; i < a.Data.N(); i++ {
		ia, ib := a.Data.Inputs(i), b.Data.Inputs(i)
		if len(ia) != len(ib) {
			return fmt.Errorf("trial %d differs in length between the runs", i)
		}
		for k := range ia {
			if ia[k] != ib[k] {
				return fmt.Errorf("trial %d's inputs differ between %s and %s (different task settings)", i, a.Run.Dir, b.Run.Dir)
			}
		}
	}
	for k := range a.Data.Valid {
		if a.Data.Valid[k] != b.Data.Valid[k] {
			return fmt.Errorf("the runs split their trials differently")
		}
	}
	return nil
}
