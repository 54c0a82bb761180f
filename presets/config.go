package presets

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/ctdtui/ctdtui/nets"
	"github.com/ctdtui/ctdtui/sim"
	"github.com/ctdtui/ctdtui/sim/arm"
)

// Config is a complete run configuration: what a preset file holds and what a
// run directory records as config.toml.
type Config struct {
	Name        string      `toml:"name"`
	Description string      `toml:"description"`
	Task        TaskConfig  `toml:"task"`
	Model       ModelConfig `toml:"model"`
	Train       TrainConfig `toml:"train"`
}

// TaskConfig selects and configures the task environment.
type TaskConfig struct {
	Kind sim.Kind `toml:"kind"` // one of sim.Kinds
	// Samples is the reference's n_samples (per task for MultiTask).
	Samples int `toml:"samples"`
	// Seed seeds numpy's legacy generator for the dataset and the 80/20 split,
	// as the reference's seed_everything(seed) and train_test_split do.
	Seed         int                `toml:"seed"`
	NBFF         NBFFConfig         `toml:"nbff"`
	MultiTask    MultiTaskConfig    `toml:"multitask"`
	RandomTarget RandomTargetConfig `toml:"randomtarget"`
	CentreOut    CentreOutConfig    `toml:"centreout"`
}

// MultiTaskConfig is the MultiTask section (the reference's MultiTaskWrapper).
type MultiTaskConfig struct {
	Tasks        []string `toml:"tasks"`
	BinSize      int      `toml:"bin_size"`
	Steps        int      `toml:"steps"`
	NumTargets   int      `toml:"num_targets"`
	Noise        float64  `toml:"noise"`
	DynamicNoise float64  `toml:"dynamic_noise"`
	LatentL2     float64  `toml:"latent_l2"`
	Grouped      bool     `toml:"grouped"`
	Name         string   `toml:"name"`
}

// RandomTargetConfig is the RandomTarget section (the arm reaching task).
type RandomTargetConfig struct {
	MaxEpDuration  float64 `toml:"max_ep_duration"`
	CatchProb      float64 `toml:"catch_prob"`
	BumpProb       float64 `toml:"bump_prob"`
	MoveBumpProb   float64 `toml:"move_bump_prob"`
	BumpMagLow     float64 `toml:"bump_mag_low"`
	BumpMagHigh    float64 `toml:"bump_mag_high"`
	PosWeight      float64 `toml:"pos_weight"`
	ActWeight      float64 `toml:"act_weight"`
	FullTrialEpoch int     `toml:"full_trial_epoch"`
	DynamicNoise   float64 `toml:"dynamic_noise"`
	// The force field on the hand (none, constant, curl), a constant field's
	// direction (x, y), the per-trial levels, and the FieldLevel input channel.
	Field          string    `toml:"field"`
	FieldDir       []float64 `toml:"field_dir"`
	Levels         []float64 `toml:"levels"`
	ConditionInput bool      `toml:"condition_input"`
}

// CentreOutConfig is the centre-out section: RandomTarget's keys (with catch
// trials and bumps off by default) and the targets' number and radius.
type CentreOutConfig struct {
	RandomTargetConfig
	NDirs  int     `toml:"n_dirs"`
	Radius float64 `toml:"radius"`
}

// NBFFConfig is the N-bit flip-flop's section.
type NBFFConfig struct {
	Bits            int     `toml:"bits"`
	Steps           int     `toml:"steps"`
	SwitchProb      float64 `toml:"switch_prob"`
	Noise           float64 `toml:"noise"`
	TransitionBlind int     `toml:"transition_blind"`
	DynamicNoise    float64 `toml:"dynamic_noise"`
}

// ModelConfig selects and sizes the model.
type ModelConfig struct {
	Kind        string  `toml:"kind"` // gru | noisygru | rnn | driscoll | node | lstm
	Latent      int     `toml:"latent"`
	ICStd       float64 `toml:"ic_std"`
	Noise       float64 `toml:"noise"`
	Gamma       float64 `toml:"gamma"`
	Layers      int     `toml:"layers"`
	LayerHidden int     `toml:"layer_hidden"`
}

// TrainConfig holds the optimisation settings.
type TrainConfig struct {
	Epochs      int     `toml:"epochs"`
	Batch       int     `toml:"batch"`
	LR          float64 `toml:"lr"`
	WeightDecay float64 `toml:"weight_decay"`
	Clip        float64 `toml:"clip"`
	Seed        int     `toml:"seed"`
	Threads     int     `toml:"threads"`
}

// Defaults returns the reference's defaults for the flip-flop with a GRU-128
// (configs env_task/NBFF, model/GRU_RNN, task_wrapper, trainer/default).
// Every preset is decoded over these values, so a file may set only what it changes.
func Defaults() Config {
	nb := sim.DefaultNBFF()
	mt := sim.DefaultMultiTask()
	rt := sim.DefaultRandomTarget()
	co := sim.DefaultCentreOut()
	return Config{
		Name: "custom",
		Task: TaskConfig{Kind: sim.KindNBFF, Samples: 1000, Seed: 0,
			NBFF: NBFFConfig{Bits: nb.Bits, Steps: nb.Steps, SwitchProb: nb.SwitchProb, Noise: nb.Noise,
				TransitionBlind: nb.TransitionBlind, DynamicNoise: nb.DynamicNoise},
			MultiTask: MultiTaskConfig{Tasks: mt.Tasks, BinSize: mt.BinSize, Steps: mt.Steps, NumTargets: mt.NumTargets,
				Noise: mt.Noise, DynamicNoise: mt.DynamicNoise, LatentL2: mt.LatentL2, Grouped: mt.Grouped, Name: mt.Name},
			RandomTarget: reachConfig(rt),
			CentreOut:    CentreOutConfig{RandomTargetConfig: reachConfig(co.RandomTargetParams), NDirs: co.NDirs, Radius: co.Radius}},
		Model: ModelConfig{Kind: nets.KindGRU, Latent: 128, ICStd: 0.05, Noise: 0.01, Gamma: 0.2, Layers: 3, LayerHidden: 128},
		Train: TrainConfig{Epochs: 1000, Batch: 256, LR: 1e-3, WeightDecay: 1e-8, Clip: 1.0},
	}
}

// Parse decodes TOML over the defaults. source names the file in messages.
// Unknown keys are errors.
func Parse(data []byte, source string) (Config, error) {
	c := Defaults()
	md, err := toml.Decode(string(data), &c)
	if err != nil {
		return c, fmt.Errorf("%s: %v", source, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		sort.Strings(keys)
		return c, fmt.Errorf("%s: unknown key %s (valid keys: %s)", source, strings.Join(keys, ", "), strings.Join(KeyNames(), ", "))
	}
	if err := c.Validate(); err != nil {
		return c, fmt.Errorf("%s: %w", source, err)
	}
	return c, nil
}

// LoadFile reads and validates a preset file.
func LoadFile(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, err
	}
	return Parse(data, path)
}

// Encode writes the configuration as TOML.
func (c Config) Encode() ([]byte, error) {
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(c); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Validate checks every parameter against its definition, then the task and
// model as a whole.
func (c Config) Validate() error {
	for _, d := range Definitions() {
		if d.Applies != nil && !d.Applies(&c) {
			continue
		}
		if err := d.check(&c); err != nil {
			return err
		}
	}
	if _, err := c.BuildTask(); err != nil {
		return err
	}
	mc := c.ModelConfig()
	mc.Inputs, mc.Outputs = 1, 1 // sized by the task later
	if err := mc.Validate(); err != nil {
		return err
	}
	return c.TrainConfig().Validate()
}

// BuildTask constructs the configured task.
func (c Config) BuildTask() (sim.Task, error) {
	for _, b := range taskBuilders {
		if b.kind == c.Task.Kind {
			t, err := b.build(c)
			if err != nil {
				// Parameter errors name the key within the task's section.
				return nil, fmt.Errorf("task.%s.%w", b.kind, err)
			}
			return t, nil
		}
	}
	return nil, fmt.Errorf("task.kind %q is not one of %s", c.Task.Kind, strings.Join(TaskKinds, ", "))
}

// taskBuilders turns each kind's configuration section into its task; the
// order is that of TaskKinds.
var taskBuilders = []struct {
	kind  sim.Kind
	build func(Config) (sim.Task, error)
}{
	{sim.KindNBFF, func(c Config) (sim.Task, error) {
		n := c.Task.NBFF
		return sim.NewNBFF(sim.NBFFParams{Bits: n.Bits, Steps: n.Steps, SwitchProb: n.SwitchProb, Noise: n.Noise,
			TransitionBlind: n.TransitionBlind, DynamicNoise: n.DynamicNoise})
	}},
	{sim.KindMultiTask, func(c Config) (sim.Task, error) {
		m := c.Task.MultiTask
		return sim.NewMultiTask(sim.MultiTaskParams{Tasks: m.Tasks, BinSize: m.BinSize, Steps: m.Steps, NumTargets: m.NumTargets,
			Noise: m.Noise, DynamicNoise: m.DynamicNoise, LatentL2: m.LatentL2, Grouped: m.Grouped, Name: m.Name})
	}},
	{sim.KindRandomTarget, func(c Config) (sim.Task, error) {
		return sim.NewRandomTarget(c.Task.RandomTarget.params())
	}},
	{sim.KindCentreOut, func(c Config) (sim.Task, error) {
		co := c.Task.CentreOut
		return sim.NewCentreOut(sim.CentreOutParams{RandomTargetParams: co.params(), NDirs: co.NDirs, Radius: co.Radius})
	}},
}

// AsCentreOut returns c turned into centre-out reaching with everything else
// of its arm task kept: the RandomTarget section (timing, loss weights, field,
// levels, condition input) becomes the centre-out section, catch trials and
// bumps off as centre-out's defaults, with the centre-out section's n_dirs
// and radius. A model trained on c runs the result unchanged (same inputs).
// It is how an evaluation asks "the same model, centre-out" without keys. A
// configuration that is already centre-out is returned as it is.
func (c Config) AsCentreOut() Config {
	if c.Task.Kind == sim.KindCentreOut {
		return c
	}
	r := c.Task.RandomTarget
	r.FieldDir = slices.Clone(r.FieldDir)
	r.Levels = slices.Clone(r.Levels)
	r.CatchProb, r.BumpProb = 0, 0
	c.Task.Kind = sim.KindCentreOut
	c.Task.CentreOut.RandomTargetConfig = r
	return c
}

// reachConfig is the configuration section of reaching parameters.
func reachConfig(p sim.RandomTargetParams) RandomTargetConfig {
	return RandomTargetConfig{MaxEpDuration: p.MaxEpDuration, CatchProb: p.CatchProb, BumpProb: p.BumpProb,
		MoveBumpProb: p.MoveBumpProb, BumpMagLow: p.BumpMagLow, BumpMagHigh: p.BumpMagHigh, PosWeight: p.PosWeight,
		ActWeight: p.ActWeight, FullTrialEpoch: p.FullTrialEpoch, DynamicNoise: p.DynamicNoise,
		Field: string(p.Field), FieldDir: p.FieldDir[:], Levels: slices.Clone(p.Levels), ConditionInput: p.ConditionInput}
}

// params are the task parameters of a reaching section. A field_dir that is
// not two values is refused by its definition before this is reached.
func (r RandomTargetConfig) params() sim.RandomTargetParams {
	p := sim.RandomTargetParams{MaxEpDuration: r.MaxEpDuration, CatchProb: r.CatchProb, BumpProb: r.BumpProb,
		MoveBumpProb: r.MoveBumpProb, BumpMagLow: r.BumpMagLow, BumpMagHigh: r.BumpMagHigh, PosWeight: r.PosWeight,
		ActWeight: r.ActWeight, FullTrialEpoch: r.FullTrialEpoch, DynamicNoise: r.DynamicNoise,
		Field: arm.FieldKind(r.Field), Levels: slices.Clone(r.Levels), ConditionInput: r.ConditionInput}
	if len(r.FieldDir) == 2 {
		p.FieldDir = [2]float64{r.FieldDir[0], r.FieldDir[1]}
	}
	return p
}

// TaskKinds lists the task kinds by name (the values of task.kind): the N-bit
// flip-flop, the 15-task MultiTask set, the arm's random-target reach and its
// centre-out reach.
var TaskKinds = func() []string {
	out := make([]string, len(sim.Kinds))
	for i, k := range sim.Kinds {
		out[i] = string(k)
	}
	return out
}()

// ModelConfig returns the model settings (inputs and outputs come from the task).
func (c Config) ModelConfig() nets.Config {
	m := c.Model
	return nets.Config{Kind: m.Kind, Latent: m.Latent, ICStd: m.ICStd, Noise: m.Noise, Gamma: m.Gamma,
		Layers: m.Layers, LayerHidden: m.LayerHidden}
}

// TrainConfig returns the optimisation settings.
func (c Config) TrainConfig() nets.TrainConfig {
	t := c.Train
	return nets.TrainConfig{Epochs: t.Epochs, BatchSize: t.Batch, LR: t.LR, WeightDecay: t.WeightDecay,
		Clip: t.Clip, Seed: uint64(t.Seed), Workers: t.Threads}
}

// DatasetName is the reference's cache name for the configured dataset, e.g.
// "3BFF_1000S_500T_0seed_0.15".
func (c Config) DatasetName(task sim.Task) string {
	return task.CacheName(c.Task.Samples, c.Task.Seed)
}
