package run

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ctdtui/ctdtui/nets"
	"github.com/ctdtui/ctdtui/presets"
	"github.com/ctdtui/ctdtui/sim"
)

// An evaluation directory is a trained run's model, weights unchanged, on a
// task built from the run's configuration plus some changes (a force field,
// other levels, centre-out reaching, other noise, a subset of MultiTask...).
// It opens wherever a run opens (Open, Load, and through them every analysis
// and TUI tab), and its latents, outputs and arm states are recomputed from it
// exactly: the task comes from its config.toml, the trials from the task's
// seed, the model from the run it names. It holds no model of its own, so it
// stays small and cannot drift from the run: the run's model file is checked
// against the SHA-256 recorded at evaluation time every time it is read, and
// an evaluation of a model that has changed since (trained further, replaced)
// is refused by name.
//
//	evaluation.json  where it came from (the run's path, model file, checksum,
//	                 epoch), the changes, and the metrics printed when it was made
//	config.toml      the evaluated configuration: the run's with the changes
//	state.json       status "evaluation" (so run lists show it), the epoch
const (
	EvaluationFile = "evaluation.json"
	// EvaluationFormat is the version of evaluation.json this code writes.
	EvaluationFormat = 1
	// StatusEvaluation is state.json's status in an evaluation directory.
	StatusEvaluation = "evaluation"
)

// EvalChanges are what an evaluation changes in the run's configuration.
type EvalChanges struct {
	// Task is the task kind evaluated when it is not the run's (centre-out
	// reaching for an arm model), "" for the run's own.
	Task sim.Kind `json:"task,omitempty"`
	// Sets are key=value assignments of task settings, applied in order.
	Sets []string `json:"set,omitempty"`
	// Samples and Seed are task.samples and task.seed of the evaluation's
	// dataset. Given as 0 and -1 they default to the run's, which redraws the
	// run's own trials under the change: the validation split is then the run's
	// validation trials (same targets, timing and noise), so the comparison
	// with the run's metrics is paired. The record always holds the values used.
	Samples int `json:"samples"`
	Seed    int `json:"seed"`
}

// EvalSource identifies the run an evaluation came from.
type EvalSource struct {
	// Dir is the run directory's absolute path when the evaluation was made;
	// Relative is the same directory relative to the evaluation directory
	// (tried first, so that runs and evaluations can be moved together).
	Dir      string `json:"dir"`
	Relative string `json:"relative,omitempty"`
	Name     string `json:"name"` // the run's configuration name
	// ModelFile is checkpoint.bin or best.bin; SHA256 the checksum of its
	// bytes when evaluated; Epoch the epoch it was saved at.
	ModelFile string `json:"model_file"`
	SHA256    string `json:"sha256"`
	Epoch     int    `json:"epoch"`
}

// EvalRecord is evaluation.json.
type EvalRecord struct {
	Format  int         `json:"format"`
	Created time.Time   `json:"created"`
	Source  EvalSource  `json:"run"`
	Changes EvalChanges `json:"changes"`
	// Metrics is the report printed when the evaluation was made (study's
	// EvalReport), kept so that it can be read without recomputing.
	Metrics json.RawMessage `json:"metrics,omitempty"`

	sourceDir string // the run directory as found
}

// SourceDir is the run directory the evaluation reads its model from.
func (e *EvalRecord) SourceDir() string { return e.sourceDir }

// IsEvaluation reports whether dir holds an evaluation (not a run).
func IsEvaluation(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, EvaluationFile))
	return err == nil
}

// EvalConfig returns the run configuration base with the changes applied:
// only task settings may change (the model is the trained one), and the
// result is validated. It returns the changes with Samples and Seed resolved.
func EvalConfig(base presets.Config, ch EvalChanges) (presets.Config, EvalChanges, error) {
	cfg := base
	// Slices in the configuration must not be shared with base.
	cfg.Task.MultiTask.Tasks = slices.Clone(base.Task.MultiTask.Tasks)
	for _, r := range []*presets.RandomTargetConfig{&cfg.Task.RandomTarget, &cfg.Task.CentreOut.RandomTargetConfig} {
		r.FieldDir, r.Levels = slices.Clone(r.FieldDir), slices.Clone(r.Levels)
	}
	// Another task kind takes the run's settings (presets' As… conversions);
	// the settings of the run's own section are applied before the switch, so
	// that they carry over, and those of the new kind's section after it.
	switching := ch.Task != "" && ch.Task != cfg.Task.Kind
	later := func(key string) bool { return switching && strings.HasPrefix(key, "task."+string(ch.Task)+".") }
	apply := func(pass2 bool) error {
		for _, kv := range ch.Sets {
			key, _, _ := strings.Cut(kv, "=")
			key = strings.TrimSpace(key)
			if later(key) != pass2 {
				continue
			}
			switch {
			case key == "task.kind":
				return fmt.Errorf("--set %s: an evaluation keeps the run's task kind (%s); --task %s evaluates centre-out reaching", kv, base.Task.Kind, TaskCentreOut)
			case !strings.HasPrefix(key, "task."):
				return fmt.Errorf("--set %s: an evaluation changes task settings only (task.…); %s belongs to the trained model or its training (train a new run to change it)", kv, key)
			}
			if d, ok := presets.Lookup(key); ok && d.Applies != nil && !d.Applies(&cfg) {
				return fmt.Errorf("--set %s: %s does not apply to the evaluated task (%s)%s", kv, key, cfg.Task.Kind, switchHint(cfg.Task.Kind, key))
			}
			if err := cfg.SetAssignment(kv); err != nil {
				return err
			}
		}
		return nil
	}
	if err := apply(false); err != nil {
		return cfg, ch, err
	}
	if switching {
		if err := setEvalTask(&cfg, ch.Task); err != nil {
			return cfg, ch, err
		}
		if err := apply(true); err != nil {
			return cfg, ch, err
		}
	}
	if ch.Samples > 0 {
		if err := cfg.Set("task.samples", strconv.Itoa(ch.Samples)); err != nil {
			return cfg, ch, fmt.Errorf("--samples: %w", err)
		}
	} else if ch.Samples < 0 {
		return cfg, ch, fmt.Errorf("--samples must be positive, got %d", ch.Samples)
	}
	if ch.Seed >= 0 {
		if err := cfg.Set("task.seed", strconv.Itoa(ch.Seed)); err != nil {
			return cfg, ch, fmt.Errorf("--seed: %w", err)
		}
	}
	if err := cfg.Validate(); err != nil {
		return cfg, ch, err
	}
	ch.Sets = slices.Clone(ch.Sets)
	ch.Samples, ch.Seed = cfg.Task.Samples, cfg.Task.Seed
	return cfg, ch, nil
}

// switchHint suggests --task when a key belongs to a kind the evaluation
// could switch to.
func switchHint(kind sim.Kind, key string) string {
	for _, k := range EvalTasks[kind] {
		if strings.HasPrefix(key, "task."+string(k)+".") {
			return fmt.Sprintf(": add --task %s", k)
		}
	}
	return ""
}

// TaskCentreOut is the --task value of centre-out reaching.
const TaskCentreOut = sim.KindCentreOut

// EvalTasks lists the other task kinds an evaluation accepts (--task) for a
// model trained on each kind: those whose inputs and outputs mean the same.
var EvalTasks = map[sim.Kind][]sim.Kind{sim.KindRandomTarget: {sim.KindCentreOut}}

// setEvalTask switches the configuration to another task kind that a model
// trained on cfg's kind can run unchanged.
func setEvalTask(cfg *presets.Config, task sim.Kind) error {
	others := EvalTasks[cfg.Task.Kind]
	if !slices.Contains(others, task) {
		if len(others) == 0 {
			return fmt.Errorf("--task %s: a model trained on %s is evaluated on %s only (change its settings with --set task.%s.…)", task, cfg.Task.Kind, cfg.Task.Kind, cfg.Task.Kind)
		}
		names := make([]string, len(others))
		for i, k := range others {
			names[i] = string(k)
		}
		return fmt.Errorf("--task %s: a model trained on %s can be evaluated on %s", task, cfg.Task.Kind, strings.Join(names, ", "))
	}
	switch task {
	case sim.KindCentreOut:
		*cfg = cfg.AsCentreOut()
		return nil
	}
	return cfg.Set("task.kind", string(task))
}

// TaskChanges returns the task settings of edited that differ from those of
// the run configuration base, as the changes of an evaluation (the TUI's
// "evaluate under the Task tab's settings"): one key=value per differing task
// parameter, in the order the Task tab lists them, and another task kind as
// Task. The sample count and the seed are left out, so that the evaluation
// redraws the run's own trials.
func TaskChanges(base, edited presets.Config) EvalChanges {
	ch := EvalChanges{Seed: -1}
	if edited.Task.Kind != base.Task.Kind {
		ch.Task = edited.Task.Kind
	}
	for _, d := range presets.Definitions() {
		switch {
		case !strings.HasPrefix(d.Key, "task.") || d.Key == "task.kind" || d.Key == "task.samples" || d.Key == "task.seed":
			continue
		case d.Applies != nil && !d.Applies(&edited):
			continue
		}
		if v := d.Get(&edited); v != d.Get(&base) {
			ch.Sets = append(ch.Sets, d.Key+"="+v)
		}
	}
	return ch
}

// Evaluation returns the loaded run's model, weights unchanged, on the task
// under the changes: a Loaded whose dataset is generated from the changed
// configuration, with its Run describing the evaluation (Run.Eval set,
// Run.Dir empty until CreateEvaluation saves it). A model whose input or
// output size does not fit the changed task is refused, naming both sizes.
// An evaluation of an evaluation starts from its configuration and adds to
// its changes; it still names the original run.
func (l *Loaded) Evaluation(ch EvalChanges) (*Loaded, error) {
	src := EvalSource{Name: l.Run.Config.Name, ModelFile: l.ModelFile, SHA256: l.ModelSHA256, Epoch: l.Epoch}
	srcDir := l.Run.Dir
	if prev := l.Run.Eval; prev != nil {
		src, srcDir = prev.Source, prev.sourceDir
		ch.Sets = append(slices.Clone(prev.Changes.Sets), ch.Sets...)
		if ch.Task == "" {
			ch.Task = prev.Changes.Task
		}
	} else if abs, err := filepath.Abs(srcDir); err == nil {
		src.Dir = abs
	} else {
		src.Dir = srcDir
	}
	cfg, ch, err := EvalConfig(l.Run.Config, ch)
	if err != nil {
		return nil, err
	}
	task, err := cfg.BuildTask()
	if err != nil {
		return nil, err
	}
	if err := fitsModel(l.Model.Config(), l.Task, task, srcDir, ch); err != nil {
		return nil, err
	}
	r := &Run{Config: cfg,
		State: State{Status: StatusEvaluation, Epoch: l.Epoch, Epochs: l.Epoch},
		Eval:  &EvalRecord{Format: EvaluationFormat, Source: src, Changes: ch, sourceDir: srcDir}}
	return &Loaded{Run: r, Task: task, Data: BuildDataset(cfg, task), Model: l.Model, Epoch: l.Epoch, Best: l.Best,
		ModelFile: l.ModelFile, ModelSHA256: l.ModelSHA256, cache: map[string]*nets.Inference{}}, nil
}

// fitsModel refuses a task whose input or output size is not the model's,
// naming both, and the input channels the model was not trained with (or
// that it was trained with and the task lacks: the FieldLevel condition).
func fitsModel(mc nets.Config, trained, task sim.Task, srcDir string, ch EvalChanges) error {
	in, out := task.ModelInputDim(), task.OutputDim()
	if mc.Inputs == in && mc.Outputs == out {
		return nil
	}
	what := fmt.Sprintf("%d inputs", in)
	if mc.Inputs == in {
		what = fmt.Sprintf("%d outputs", out)
	} else if mc.Outputs != out {
		what += fmt.Sprintf(" and %d outputs", out)
	}
	msg := fmt.Sprintf("%s's model reads %d inputs and writes %d outputs, but the evaluated task (%s) has %s", srcDir, mc.Inputs, mc.Outputs, describeChanges(ch), what)
	if trained.ModelInputDim() == mc.Inputs && mc.Inputs != in {
		added, missing := labelDiff(task.ModelInputLabels(), trained.ModelInputLabels())
		if len(added) > 0 {
			msg += fmt.Sprintf("; the model was not trained with %s", strings.Join(added, ", "))
		}
		if len(missing) > 0 {
			msg += fmt.Sprintf("; the model was trained with %s, which the task lacks", strings.Join(missing, ", "))
		}
	}
	return errors.New(msg + ": the weights are unchanged, so the task must keep the model's inputs and outputs")
}

// labelDiff returns the labels of a missing from b, and those of b missing from a.
func labelDiff(a, b []string) (onlyA, onlyB []string) {
	for _, x := range a {
		if !slices.Contains(b, x) {
			onlyA = append(onlyA, x)
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			onlyB = append(onlyB, x)
		}
	}
	return onlyA, onlyB
}

// describeChanges lists the changes for messages.
func describeChanges(ch EvalChanges) string {
	var parts []string
	if ch.Task != "" {
		parts = append(parts, "--task "+string(ch.Task))
	}
	for _, s := range ch.Sets {
		parts = append(parts, "--set "+s)
	}
	if len(parts) == 0 {
		return "the run's own settings"
	}
	return strings.Join(parts, " ")
}

// Describe lists the changes as command-line flags ("the run's own settings"
// when there are none; samples and seed are not listed).
func (ch EvalChanges) Describe() string { return describeChanges(ch) }

// CreateEvaluation saves an evaluation made by Loaded.Evaluation in dir, which
// must not exist or be empty (nothing is overwritten), with metrics (any
// JSON-encodable report) recorded in evaluation.json. On success l.Run.Dir is
// dir.
func CreateEvaluation(dir string, l *Loaded, metrics any) error {
	rec := l.Run.Eval
	if rec == nil {
		return errors.New("run: CreateEvaluation needs an evaluation (Loaded.Evaluation)")
	}
	if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
		what := "files"
		if IsEvaluation(dir) {
			what = "an evaluation"
		} else if _, err := os.Stat(filepath.Join(dir, ConfigFile)); err == nil {
			what = "a run"
		}
		return fmt.Errorf("%s already holds %s: choose another --out (nothing is overwritten)", dir, what)
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("--out %s: %w", dir, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	out := *rec
	out.Created = time.Now().UTC()
	absDir, err1 := filepath.Abs(dir)
	absSrc, err2 := filepath.Abs(rec.sourceDir)
	if err1 == nil && err2 == nil {
		if rel, err := filepath.Rel(absDir, absSrc); err == nil {
			out.Source.Relative = rel
		}
	}
	if metrics != nil {
		m, err := json.Marshal(metrics)
		if err != nil {
			return err
		}
		out.Metrics = m
	}
	data, err := json.MarshalIndent(&out, "", "  ")
	if err != nil {
		return err
	}
	// evaluation.json first: a directory with it is never mistaken for a run.
	if err := WriteFileAtomic(filepath.Join(dir, EvaluationFile), append(data, '\n')); err != nil {
		return err
	}
	cfg, err := l.Run.Config.Encode()
	if err != nil {
		return err
	}
	if err := WriteFileAtomic(filepath.Join(dir, ConfigFile), cfg); err != nil {
		return err
	}
	r := &Run{Dir: dir, Config: l.Run.Config, State: l.Run.State, Eval: &out}
	if err := r.SaveState(); err != nil {
		return err
	}
	l.Run.Dir, l.Run.Eval, l.Run.State = dir, &out, r.State
	return nil
}

// openEvaluation reads an evaluation directory. The run it came from must
// still be there (its model is read when the evaluation is loaded).
func openEvaluation(dir string) (*Run, error) {
	path := filepath.Join(dir, EvaluationFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var rec EvalRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, fmt.Errorf("%s: corrupt: %v", path, err)
	}
	switch {
	case rec.Format == 0 || rec.Source.ModelFile == "" || rec.Source.SHA256 == "":
		return nil, fmt.Errorf("%s: not a ctdtui evaluation record (format, run.model_file or run.sha256 missing)", path)
	case rec.Format > EvaluationFormat:
		return nil, fmt.Errorf("%s: format %d is newer than this ctdtui reads (%d): update ctdtui", path, rec.Format, EvaluationFormat)
	case rec.Source.ModelFile != CheckpointFile && rec.Source.ModelFile != BestFile:
		return nil, fmt.Errorf("%s: run.model_file %q is not %s or %s", path, rec.Source.ModelFile, CheckpointFile, BestFile)
	}
	cfgPath := filepath.Join(dir, ConfigFile)
	if _, err := os.Stat(cfgPath); err != nil {
		return nil, fmt.Errorf("%s is an evaluation but %s is missing", dir, ConfigFile)
	}
	cfg, err := presets.LoadFile(cfgPath)
	if err != nil {
		return nil, err
	}
	var tried []string
	for _, cand := range []string{filepath.Join(dir, rec.Source.Relative), rec.Source.Dir} {
		if cand == "" || (rec.Source.Relative == "" && cand == dir) || slices.Contains(tried, cand) {
			continue
		}
		tried = append(tried, cand)
		if _, err := os.Stat(filepath.Join(cand, ConfigFile)); err == nil && !IsEvaluation(cand) {
			rec.sourceDir = cand
			break
		}
	}
	if rec.sourceDir == "" {
		return nil, fmt.Errorf("%s: the evaluated run is not there any more (looked for %s): an evaluation reads its model from its run; keep them together", path, strings.Join(tried, " and "))
	}
	st := State{Status: StatusEvaluation, Epoch: rec.Source.Epoch, Epochs: rec.Source.Epoch, Updated: rec.Created}
	return &Run{Dir: dir, Config: cfg, State: st, Eval: &rec}, nil
}

// readEvaluationModel reads the evaluated run's model file and checks it is
// the one evaluated. best asks for best.bin: only an evaluation of best.bin
// has one.
func (r *Run) readEvaluationModel(best bool) (*nets.Checkpoint, string, error) {
	rec := r.Eval
	if best && rec.Source.ModelFile != BestFile {
		return nil, "", fmt.Errorf("%s evaluates %s's %s, not best.bin (--best does not apply; ctdtui eval %s --best evaluates best.bin)",
			r.Dir, rec.sourceDir, rec.Source.ModelFile, rec.sourceDir)
	}
	path := filepath.Join(rec.sourceDir, rec.Source.ModelFile)
	ck, sum, err := readCheckpointFile(path)
	if err != nil {
		return nil, "", fmt.Errorf("%s: the evaluated model %s: %w", filepath.Join(r.Dir, EvaluationFile), path, err)
	}
	if sum != rec.Source.SHA256 {
		return nil, "", fmt.Errorf("%s: %s has changed since this evaluation was made (sha256 %.12s… recorded at epoch %d, now %.12s… at epoch %d): "+
			"the evaluation describes a model that is gone; evaluate the run again (ctdtui eval %s …)",
			filepath.Join(r.Dir, EvaluationFile), path, rec.Source.SHA256, rec.Source.Epoch, sum, ck.Header.Epoch, rec.sourceDir)
	}
	return ck, sum, nil
}

// readCheckpointFile decodes a checkpoint file and returns the SHA-256 of the
// exact bytes decoded. Decoding errors do not name the file.
func readCheckpointFile(path string) (*nets.Checkpoint, string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256(data)
	ck, err := nets.ReadCheckpoint(bytes.NewReader(data))
	if err != nil {
		return nil, "", err
	}
	return ck, hex.EncodeToString(sum[:]), nil
}

// inspectEvaluation is Inspect for an evaluation directory: its record and
// configuration must read, its run must be there, and the run's model file
// must be the one evaluated (a changed one is reported as damage, naming it).
func inspectEvaluation(dir string) Summary {
	s := Summary{Dir: dir, Status: StatusEvaluation}
	r, err := openEvaluation(dir)
	if err != nil {
		s.Status, s.Damage = StatusDamaged, err
		return s
	}
	s.State = r.State
	if _, _, err := r.readEvaluationModel(false); err != nil {
		s.Status, s.Damage = StatusDamaged, err
	}
	return s
}
