package presets

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/ctdtui/ctdtui/nets"
	"github.com/ctdtui/ctdtui/sim"
	"github.com/ctdtui/ctdtui/sim/arm"
)

// ParamType is the kind of value a parameter holds.
type ParamType int

const (
	Int ParamType = iota
	Float
	Choice
	// Bool values are true or false; a slider step toggles them.
	Bool
	// List values are a comma-separated selection from Choices, in order, with
	// repeats allowed (MultiTaskInt repeats tasks).
	List
	// Floats values are comma-separated numbers, each within [Min, Max]: a
	// vector of Len values (a direction), or any non-empty list when Len is 0
	// (field levels). They are typed, not stepped.
	Floats
)

// Def defines one configurable parameter: its key (as in TOML and --set), help
// text, bounds and slider steps. The same definitions validate presets and
// flags and drive the TUI's sliders.
type Def struct {
	Key  string
	Help string
	Type ParamType
	// Min and Max bound Int and Float values (inclusive).
	Min, Max float64
	// Step and Coarse are the slider increments; for Log parameters they are
	// multiplicative factors (e.g. 2 doubles the value).
	Step, Coarse float64
	Log          bool
	// Choices lists the values of a Choice parameter.
	Choices []string
	// Len is the number of values of a Floats parameter (0: any, at least one).
	Len int
	// Applies reports whether the parameter matters for c (e.g. only for one task
	// or model kind); nil means always.
	Applies func(*Config) bool

	intField    func(*Config) *int
	floatField  func(*Config) *float64
	strField    func(*Config) *string
	boolField   func(*Config) *bool
	listField   func(*Config) *[]string
	floatsField func(*Config) *[]float64
}

func taskIs(kind sim.Kind) func(*Config) bool {
	return func(c *Config) bool { return c.Task.Kind == kind }
}

// and combines two conditions.
func and(a, b func(*Config) bool) func(*Config) bool {
	return func(c *Config) bool { return a(c) && b(c) }
}

// reachDefs defines the parameters of a reaching section (RandomTarget's,
// which centre-out shares): key prefix task.<kind>., values in sec(c).
func reachDefs(kind sim.Kind, sec func(*Config) *RandomTargetConfig) []Def {
	k := "task." + string(kind) + "."
	on := taskIs(kind)
	fl := func(get func(*RandomTargetConfig) *float64) func(*Config) *float64 {
		return func(c *Config) *float64 { return get(sec(c)) }
	}
	constant := func(c *Config) bool { return sec(c).Field == string(arm.FieldConstant) }
	fields := make([]string, len(arm.FieldKinds))
	for i, f := range arm.FieldKinds {
		fields[i] = string(f)
	}
	return []Def{
		{Key: k + "max_ep_duration", Help: "trial length in seconds (10 ms steps)", Type: Float, Min: 0.31, Max: 20, Step: 0.1, Coarse: 1, Applies: on, floatField: fl(func(r *RandomTargetConfig) *float64 { return &r.MaxEpDuration })},
		{Key: k + "catch_prob", Help: "fraction of catch trials (target shown, no go cue)", Type: Float, Min: 0, Max: 1, Step: 0.05, Coarse: 0.2, Applies: on, floatField: fl(func(r *RandomTargetConfig) *float64 { return &r.CatchProb })},
		{Key: k + "bump_prob", Help: "fraction of trials with a force bump", Type: Float, Min: 0, Max: 1, Step: 0.05, Coarse: 0.2, Applies: on, floatField: fl(func(r *RandomTargetConfig) *float64 { return &r.BumpProb })},
		{Key: k + "move_bump_prob", Help: "fraction of bumps during the movement (else any time)", Type: Float, Min: 0, Max: 1, Step: 0.05, Coarse: 0.2, Applies: on, floatField: fl(func(r *RandomTargetConfig) *float64 { return &r.MoveBumpProb })},
		{Key: k + "bump_mag_low", Help: "smallest bump force [N]", Type: Float, Min: 0, Max: 100, Step: 0.5, Coarse: 5, Applies: on, floatField: fl(func(r *RandomTargetConfig) *float64 { return &r.BumpMagLow })},
		{Key: k + "bump_mag_high", Help: "largest bump force [N]", Type: Float, Min: 0, Max: 100, Step: 0.5, Coarse: 5, Applies: on, floatField: fl(func(r *RandomTargetConfig) *float64 { return &r.BumpMagHigh })},
		{Key: k + "pos_weight", Help: "weight of the hand-position error", Type: Float, Min: 0, Max: 100, Step: 0.1, Coarse: 1, Applies: on, floatField: fl(func(r *RandomTargetConfig) *float64 { return &r.PosWeight })},
		{Key: k + "act_weight", Help: "weight of the muscle-command penalty", Type: Float, Min: 0, Max: 100, Step: 0.1, Coarse: 1, Applies: on, floatField: fl(func(r *RandomTargetConfig) *float64 { return &r.ActWeight })},
		{Key: k + "full_trial_epoch", Help: "epoch from which the whole trial is scored (curriculum)", Type: Int, Min: 0, Max: 100000, Step: 10, Coarse: 100, Applies: on, intField: func(c *Config) *int { return &sec(c).FullTrialEpoch }},
		{Key: k + "dynamic_noise", Help: "std of fresh input noise at every step", Type: Float, Min: 0, Max: 2, Step: 0.01, Coarse: 0.1, Applies: on, floatField: fl(func(r *RandomTargetConfig) *float64 { return &r.DynamicNoise })},
		{Key: k + "field", Help: "force field on the hand: none, constant (level·direction, N) or curl (level·[[0,1],[-1,0]]·hand velocity, N·s/m, clockwise for a positive level)", Type: Choice, Choices: fields, Applies: on, strField: func(c *Config) *string { return &sec(c).Field }},
		{Key: k + "field_dir", Help: "direction x,y of a constant field (normalised; -1,0 is leftward)", Type: Floats, Len: 2, Min: -1000, Max: 1000, Applies: and(on, constant), floatsField: func(c *Config) *[]float64 { return &sec(c).FieldDir }},
		{Key: k + "levels", Help: "field levels, comma-separated (N for a constant field, N·s/m for a curl field); each trial draws one, uniformly, when there are several", Type: Floats, Min: -100, Max: 100, Applies: on, floatsField: func(c *Config) *[]float64 { return &sec(c).Levels }},
		{Key: k + "condition_input", Help: "add an input channel, FieldLevel, that tells the model the trial's level at every step (model input 18)", Type: Bool, Applies: on, boolField: func(c *Config) *bool { return &sec(c).ConditionInput }},
	}
}

func modelIn(kinds ...string) func(*Config) bool {
	return func(c *Config) bool { return slices.Contains(kinds, c.Model.Kind) }
}

// Definitions lists every parameter in display order.
func Definitions() []Def {
	defs := []Def{
		{Key: "task.kind", Help: "task environment", Type: Choice, Choices: TaskKinds, strField: func(c *Config) *string { return (*string)(&c.Task.Kind) }},
		{Key: "task.samples", Help: "trials in the dataset (per task for MultiTask); 80% train, 20% validation", Type: Int, Min: 5, Max: 100000, Step: 50, Coarse: 500, intField: func(c *Config) *int { return &c.Task.Samples }},
		{Key: "task.seed", Help: "dataset seed (numpy's legacy generator, as the reference)", Type: Int, Min: 0, Max: math.MaxUint32, Step: 1, Coarse: 10, intField: func(c *Config) *int { return &c.Task.Seed }},

		{Key: "task.nbff.bits", Help: "number of independent bits", Type: Int, Min: 1, Max: 16, Step: 1, Coarse: 4, Applies: taskIs(sim.KindNBFF), intField: func(c *Config) *int { return &c.Task.NBFF.Bits }},
		{Key: "task.nbff.steps", Help: "time steps per trial", Type: Int, Min: 10, Max: 5000, Step: 10, Coarse: 100, Applies: taskIs(sim.KindNBFF), intField: func(c *Config) *int { return &c.Task.NBFF.Steps }},
		{Key: "task.nbff.switch_prob", Help: "per-step probability of an up (and of a down) pulse on each bit", Type: Float, Min: 0, Max: 0.5, Step: 0.005, Coarse: 0.05, Applies: taskIs(sim.KindNBFF), floatField: func(c *Config) *float64 { return &c.Task.NBFF.SwitchProb }},
		{Key: "task.nbff.noise", Help: "std of the input noise", Type: Float, Min: 0, Max: 2, Step: 0.01, Coarse: 0.1, Applies: taskIs(sim.KindNBFF), floatField: func(c *Config) *float64 { return &c.Task.NBFF.Noise }},
		{Key: "task.nbff.transition_blind", Help: "steps after each flip left out of the loss", Type: Int, Min: 0, Max: 50, Step: 1, Coarse: 5, Applies: taskIs(sim.KindNBFF), intField: func(c *Config) *int { return &c.Task.NBFF.TransitionBlind }},
		{Key: "task.nbff.dynamic_noise", Help: "std of fresh input noise at every step and epoch", Type: Float, Min: 0, Max: 2, Step: 0.01, Coarse: 0.1, Applies: taskIs(sim.KindNBFF), floatField: func(c *Config) *float64 { return &c.Task.NBFF.DynamicNoise }},

		{Key: "task.multitask.tasks", Help: "the sub-tasks, in order (the reference's task_list)", Type: List, Choices: sim.MultiTaskNames[:], Applies: taskIs(sim.KindMultiTask), listField: func(c *Config) *[]string { return &c.Task.MultiTask.Tasks }},
		{Key: "task.multitask.bin_size", Help: "milliseconds per step", Type: Int, Min: 5, Max: 100, Step: 5, Coarse: 20, Applies: taskIs(sim.KindMultiTask), intField: func(c *Config) *int { return &c.Task.MultiTask.BinSize }},
		{Key: "task.multitask.steps", Help: "padded trial length in steps (the reference's n_timesteps)", Type: Int, Min: 50, Max: 5000, Step: 10, Coarse: 100, Applies: taskIs(sim.KindMultiTask), intField: func(c *Config) *int { return &c.Task.MultiTask.Steps }},
		{Key: "task.multitask.num_targets", Help: "stimulus directions on the circle", Type: Int, Min: 2, Max: 360, Step: 1, Coarse: 8, Applies: taskIs(sim.KindMultiTask), intField: func(c *Config) *int { return &c.Task.MultiTask.NumTargets }},
		{Key: "task.multitask.noise", Help: "std of the input noise", Type: Float, Min: 0, Max: 2, Step: 0.01, Coarse: 0.1, Applies: taskIs(sim.KindMultiTask), floatField: func(c *Config) *float64 { return &c.Task.MultiTask.Noise }},
		{Key: "task.multitask.dynamic_noise", Help: "std of fresh input noise at every step and epoch", Type: Float, Min: 0, Max: 2, Step: 0.01, Coarse: 0.1, Applies: taskIs(sim.KindMultiTask), floatField: func(c *Config) *float64 { return &c.Task.MultiTask.DynamicNoise }},
		{Key: "task.multitask.latent_l2", Help: "weight of the latent L2 penalty (the reference's latent_l2_wt)", Type: Float, Min: 0, Max: 10, Step: 10, Coarse: 100, Log: true, Applies: taskIs(sim.KindMultiTask), floatField: func(c *Config) *float64 { return &c.Task.MultiTask.LatentL2 }},
		{Key: "task.multitask.grouped", Help: "single-task batches (the reference's grouped sampler)", Type: Bool, Applies: taskIs(sim.KindMultiTask), boolField: func(c *Config) *bool { return &c.Task.MultiTask.Grouped }},
		{Key: "task.multitask.name", Help: "dataset name stem", Type: Choice, Choices: sim.MultiTaskPresets, Applies: taskIs(sim.KindMultiTask), strField: func(c *Config) *string { return &c.Task.MultiTask.Name }},
	}
	defs = append(defs, reachDefs(sim.KindRandomTarget, func(c *Config) *RandomTargetConfig { return &c.Task.RandomTarget })...)
	defs = append(defs, reachDefs(sim.KindCentreOut, func(c *Config) *RandomTargetConfig { return &c.Task.CentreOut.RandomTargetConfig })...)
	co := taskIs(sim.KindCentreOut)
	defs = append(defs,
		Def{Key: "task.centreout.n_dirs", Help: "target directions, every 360°/n from +x counter-clockwise; trial i reaches towards direction i mod n", Type: Int, Min: 1, Max: 360, Step: 1, Coarse: 4, Applies: co, intField: func(c *Config) *int { return &c.Task.CentreOut.NDirs }},
		Def{Key: "task.centreout.radius", Help: "distance of the targets from the start [m]", Type: Float, Min: 0.01, Max: 0.5, Step: 0.01, Coarse: 0.05, Applies: co, floatField: func(c *Config) *float64 { return &c.Task.CentreOut.Radius }},
	)
	return append(defs, []Def{
		{Key: "model.kind", Help: "recurrent model", Type: Choice, Choices: nets.Kinds, strField: func(c *Config) *string { return &c.Model.Kind }},
		{Key: "model.latent", Help: "latent (hidden state) size", Type: Int, Min: 1, Max: 1024, Step: 1, Coarse: 16, intField: func(c *Config) *int { return &c.Model.Latent }},
		{Key: "model.ic_std", Help: "std of the noise on the learned initial state (the reference's latent_ic_var)", Type: Float, Min: 0, Max: 2, Step: 0.01, Coarse: 0.1, Applies: modelIn(nets.KindGRU, nets.KindNoisyGRU, nets.KindLSTM), floatField: func(c *Config) *float64 { return &c.Model.ICStd }},
		{Key: "model.noise", Help: "std of the state noise at every step", Type: Float, Min: 0, Max: 2, Step: 0.01, Coarse: 0.1, Applies: modelIn(nets.KindNoisyGRU, nets.KindDriscoll), floatField: func(c *Config) *float64 { return &c.Model.Noise }},
		{Key: "model.gamma", Help: "leak of the Driscoll RNN", Type: Float, Min: 0.001, Max: 1, Step: 0.01, Coarse: 0.1, Applies: modelIn(nets.KindDriscoll), floatField: func(c *Config) *float64 { return &c.Model.Gamma }},
		{Key: "model.layers", Help: "layers of the NODE's vector-field MLP", Type: Int, Min: 2, Max: 8, Step: 1, Coarse: 2, Applies: modelIn(nets.KindNODE), intField: func(c *Config) *int { return &c.Model.Layers }},
		{Key: "model.layer_hidden", Help: "width of the NODE's hidden layers", Type: Int, Min: 1, Max: 1024, Step: 1, Coarse: 16, Applies: modelIn(nets.KindNODE), intField: func(c *Config) *int { return &c.Model.LayerHidden }},

		{Key: "train.epochs", Help: "total epochs of the run", Type: Int, Min: 1, Max: 100000, Step: 10, Coarse: 100, intField: func(c *Config) *int { return &c.Train.Epochs }},
		{Key: "train.batch", Help: "trials per mini-batch", Type: Int, Min: 1, Max: 100000, Step: 8, Coarse: 64, intField: func(c *Config) *int { return &c.Train.Batch }},
		{Key: "train.lr", Help: "Adam learning rate (up to 1000, so that a diverging run can be provoked: a NODE diverges at 1)", Type: Float, Min: 1e-6, Max: 1000, Step: 1.25, Coarse: 10, Log: true, floatField: func(c *Config) *float64 { return &c.Train.LR }},
		{Key: "train.weight_decay", Help: "L2 weight decay added to the gradient (torch Adam, not AdamW)", Type: Float, Min: 0, Max: 1, Step: 2, Coarse: 10, Log: true, floatField: func(c *Config) *float64 { return &c.Train.WeightDecay }},
		{Key: "train.clip", Help: "global gradient-norm clip (0 = off)", Type: Float, Min: 0, Max: 100, Step: 0.1, Coarse: 1, floatField: func(c *Config) *float64 { return &c.Train.Clip }},
		{Key: "train.seed", Help: "seed for initialisation, batch order and model noise", Type: Int, Min: 0, Max: math.MaxUint32, Step: 1, Coarse: 10, intField: func(c *Config) *int { return &c.Train.Seed }},
		{Key: "train.threads", Help: "worker goroutines per batch (0 = all cores)", Type: Int, Min: 0, Max: 256, Step: 1, Coarse: 4, intField: func(c *Config) *int { return &c.Train.Threads }},
	}...)
}

// KeyNames lists every parameter key.
func KeyNames() []string {
	var out []string
	for _, d := range Definitions() {
		out = append(out, d.Key)
	}
	return out
}

// Lookup finds a parameter by key.
func Lookup(key string) (Def, bool) {
	for _, d := range Definitions() {
		if d.Key == key {
			return d, true
		}
	}
	return Def{}, false
}

// Get formats the parameter's value in c.
func (d Def) Get(c *Config) string {
	switch d.Type {
	case Int:
		return strconv.Itoa(*d.intField(c))
	case Float:
		return strconv.FormatFloat(*d.floatField(c), 'g', -1, 64)
	case Bool:
		return strconv.FormatBool(*d.boolField(c))
	case List:
		return strings.Join(*d.listField(c), ",")
	case Floats:
		v := *d.floatsField(c)
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = strconv.FormatFloat(x, 'g', -1, 64)
		}
		return strings.Join(parts, ",")
	default:
		return *d.strField(c)
	}
}

// Value returns a numeric parameter's value as float64.
func (d Def) Value(c *Config) float64 {
	switch d.Type {
	case Int:
		return float64(*d.intField(c))
	case Float:
		return *d.floatField(c)
	}
	return math.NaN()
}

// Set parses s and stores it, refusing malformed and out-of-range values with a
// message naming the key.
func (d Def) Set(c *Config, s string) error {
	s = strings.TrimSpace(s)
	switch d.Type {
	case Int:
		v, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("%s: %q is not an integer", d.Key, s)
		}
		if err := d.inRange(float64(v)); err != nil {
			return err
		}
		*d.intField(c) = v
	case Float:
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%s: %q is not a finite number", d.Key, s)
		}
		if err := d.inRange(v); err != nil {
			return err
		}
		*d.floatField(c) = v
	case Choice:
		if !slices.Contains(d.Choices, s) {
			return fmt.Errorf("%s: %q is not one of %s", d.Key, s, strings.Join(d.Choices, ", "))
		}
		*d.strField(c) = s
	case Bool:
		v, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("%s: %q is not true or false", d.Key, s)
		}
		*d.boolField(c) = v
	case List:
		var items []string
		for _, it := range strings.Split(s, ",") {
			it = strings.TrimSpace(it)
			if !slices.Contains(d.Choices, it) {
				return fmt.Errorf("%s: %q is not one of %s", d.Key, it, strings.Join(d.Choices, ", "))
			}
			items = append(items, it)
		}
		*d.listField(c) = items
	case Floats:
		var vals []float64
		if s != "" {
			for _, it := range strings.Split(s, ",") {
				v, err := strconv.ParseFloat(strings.TrimSpace(it), 64)
				if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
					return fmt.Errorf("%s: %q is not a finite number (give comma-separated numbers)", d.Key, strings.TrimSpace(it))
				}
				vals = append(vals, v)
			}
		}
		if err := d.checkFloats(vals); err != nil {
			return err
		}
		*d.floatsField(c) = vals
	}
	return nil
}

// maxFloats bounds the length of a Floats value (sim allows 64 levels).
const maxFloats = 64

// checkFloats checks a Floats value: its count and each value's range.
func (d Def) checkFloats(v []float64) error {
	switch {
	case d.Len > 0 && len(v) != d.Len:
		return fmt.Errorf("%s: %d values given, want %d (comma-separated)", d.Key, len(v), d.Len)
	case len(v) == 0:
		return fmt.Errorf("%s: empty; give at least one number", d.Key)
	case len(v) > maxFloats:
		return fmt.Errorf("%s: %d values given, at most %d", d.Key, len(v), maxFloats)
	}
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("%s[%d]: %v is not a finite number", d.Key, i, x)
		}
		if x < d.Min || x > d.Max {
			return fmt.Errorf("%s[%d]: %v is outside [%v, %v]", d.Key, i, x, d.Min, d.Max)
		}
	}
	return nil
}

func (d Def) inRange(v float64) error {
	if v < d.Min || v > d.Max {
		return fmt.Errorf("%s: %v is outside [%v, %v]", d.Key, v, d.Min, d.Max)
	}
	return nil
}

func (d Def) check(c *Config) error {
	switch d.Type {
	case Int, Float:
		v := d.Value(c)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%s: %v is not a finite number", d.Key, v)
		}
		return d.inRange(v)
	case Choice:
		if !slices.Contains(d.Choices, *d.strField(c)) {
			return fmt.Errorf("%s: %q is not one of %s", d.Key, *d.strField(c), strings.Join(d.Choices, ", "))
		}
	case List:
		items := *d.listField(c)
		if len(items) == 0 {
			return fmt.Errorf("%s: empty; choose from %s", d.Key, strings.Join(d.Choices, ", "))
		}
		for i, it := range items {
			if !slices.Contains(d.Choices, it) {
				return fmt.Errorf("%s[%d]: %q is not one of %s", d.Key, i, it, strings.Join(d.Choices, ", "))
			}
		}
	case Floats:
		return d.checkFloats(*d.floatsField(c))
	}
	return nil
}

// Nudge moves a slider by one step (coarse when asked) in direction dir (±1),
// clamped to the bounds; Choice parameters cycle through their choices.
func (d Def) Nudge(c *Config, dir int, coarse bool) {
	step := d.Step
	if coarse {
		step = d.Coarse
	}
	switch d.Type {
	case Choice:
		p := d.strField(c)
		i := slices.Index(d.Choices, *p)
		*p = d.Choices[((i+dir)%len(d.Choices)+len(d.Choices))%len(d.Choices)]
		return
	case Bool:
		*d.boolField(c) = !*d.boolField(c)
		return
	case List, Floats:
		return // edited by typing (or by Toggle), not by stepping
	}
	v := d.Value(c)
	switch {
	case d.Log && v == 0 && dir > 0:
		v = d.Min
		if v == 0 {
			v = 1e-8
		}
	case d.Log && dir > 0:
		v *= step
	case d.Log:
		v /= step
		if v < 1e-12 {
			v = 0 // stepping down a log slider ends at zero (e.g. no weight decay)
		}
	default:
		v += float64(dir) * step
	}
	v = math.Min(math.Max(v, d.Min), d.Max)
	if d.Log && v > 0 {
		// Keep log-scale values tidy: three significant digits.
		v, _ = strconv.ParseFloat(strconv.FormatFloat(v, 'g', 3, 64), 64)
	}
	switch d.Type {
	case Int:
		*d.intField(c) = int(math.Round(v))
	case Float:
		*d.floatField(c) = v
	}
}

// Has reports whether a List parameter includes choice.
func (d Def) Has(c *Config, choice string) bool {
	return d.Type == List && slices.Contains(*d.listField(c), choice)
}

// Toggle adds choice to a List parameter (at the end) or removes every copy of
// it; the last remaining item cannot be removed.
func (d Def) Toggle(c *Config, choice string) {
	if d.Type != List || !slices.Contains(d.Choices, choice) {
		return
	}
	p := d.listField(c)
	if slices.Contains(*p, choice) {
		rest := slices.DeleteFunc(slices.Clone(*p), func(s string) bool { return s == choice })
		if len(rest) > 0 {
			*p = rest
		}
		return
	}
	*p = append(slices.Clone(*p), choice)
}

// Set applies key=value to c.
func (c *Config) Set(key, value string) error {
	d, ok := Lookup(key)
	if !ok {
		return fmt.Errorf("unknown key %q (valid keys: %s)", key, strings.Join(KeyNames(), ", "))
	}
	return d.Set(c, value)
}

// SetAssignment applies a "key=value" string (the --set flag).
func (c *Config) SetAssignment(kv string) error {
	key, value, ok := strings.Cut(kv, "=")
	if !ok {
		return fmt.Errorf("--set %q: expected key=value", kv)
	}
	return c.Set(strings.TrimSpace(key), value)
}
