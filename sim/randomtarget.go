package sim

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/ctdtui/ctdtui/sim/arm"
)

// RandomTargetParams configures the RandomTarget reaching task (spec
// tasks-and-training.md §2.3, motornet-arm.md §8): a planar two-joint arm with six
// Hill muscles, driven in closed loop, reaches from a random start posture to a
// random target after a go cue, sometimes perturbed by a force bump. Defaults are
// the reference's env_task/RandomTarget.yaml with every unlisted argument at its
// default.
type RandomTargetParams struct {
	// MaxEpDuration is the episode length in seconds (max_ep_duration); the number
	// of steps is floor(MaxEpDuration / dt) with the arm's dt = 0.01 s, as in the
	// reference (3.0 s → 300 steps).
	MaxEpDuration float64
	// CatchProb is the probability of a catch trial (no go cue; the target is shown).
	CatchProb float64
	// BumpProb is the probability that a trial has a force bump.
	BumpProb float64
	// MoveBumpProb is the probability that a bump comes within 40 steps after the
	// go cue rather than anywhere in [0, steps−30).
	MoveBumpProb float64
	// BumpMagLow and BumpMagHigh bound the bump force magnitude [N].
	BumpMagLow, BumpMagHigh float64
	// PosWeight and ActWeight weigh the position and the action terms of the loss.
	PosWeight, ActWeight float64
	// FullTrialEpoch is the epoch from which the whole trial is scored (curriculum).
	FullTrialEpoch int
	// DynamicNoise is the std of fresh Gaussian noise added to every model input
	// at every step (0 in the reference).
	DynamicNoise float64

	// Field is the force field on the hand (spec template.md §1.1); "" means
	// arm.FieldNone.
	Field arm.FieldKind
	// FieldDir is a constant field's direction, normalised ((−1, 0) is leftward).
	FieldDir [2]float64
	// Levels are the field's levels (N for a constant field, N·s/m for a curl
	// field); nil means {0}. With more than one, each trial draws its level
	// uniformly from the list as its last draw, so that every other draw keeps
	// its place in the random stream (§1.2).
	Levels []float64
	// ConditionInput adds the context channel FieldLevel, the trial's level at
	// every step (model input 18).
	ConditionInput bool
}

// DefaultRandomTarget returns the reference's configuration.
func DefaultRandomTarget() RandomTargetParams {
	return RandomTargetParams{
		MaxEpDuration:  3.0,
		CatchProb:      0.2,
		BumpProb:       0.5,
		MoveBumpProb:   0.5,
		BumpMagLow:     5,
		BumpMagHigh:    10,
		PosWeight:      1,
		ActWeight:      1,
		FullTrialEpoch: 200,
		Field:          arm.FieldNone,
		FieldDir:       [2]float64{-1, 0},
		Levels:         []float64{0},
	}
}

// maxLevel bounds a field level's magnitude (100 N, or 100 N·s/m: ten times
// the bumps and several times the curl fields of adaptation experiments), and
// maxLevels the number of levels.
const (
	maxLevel  = 100
	maxLevels = 64
)

// Fixed trial-timing constants of the reference's generate_dataset.
const (
	rtTargetOnLow, rtTargetOnHigh = 10, 30 // target onset step ∈ [10, 30)
	rtBumpDurLow, rtBumpDurHigh   = 15, 30 // bump duration ∈ [15, 30) steps
	rtMoveBumpWindow              = 40     // a movement bump starts in [go, go+40)
	rtBumpTailFree                = 30     // other bumps start in [0, steps−30)
	// rtMinSteps keeps every randint range of the generator non-empty.
	rtMinSteps = rtBumpTailFree + 1
)

// rtPostureDeg are the ranges [deg] of the start and goal angles (shoulder,
// elbow): the joint limits [0, 135]° and [0, 155]° pulled in by 30° on each side.
var rtPostureDeg = [2][2]float64{{0 + 30, 135 - 30}, {0 + 30, 155 - 30}}

// rtDT is the arm's step, which sets the number of steps.
var rtDT = arm.Default().DT

// stepsFor is the reference's n_timesteps = floor(max_ep_duration / dt).
func stepsFor(maxEpDuration float64) int {
	return int(math.Floor(maxEpDuration / rtDT))
}

// Validate reports the first invalid parameter by its config key.
func (p RandomTargetParams) Validate() error {
	prob := func(key string, v float64) error {
		if !(v >= 0 && v <= 1) {
			return fmt.Errorf("%s must be in [0, 1], got %v", key, v)
		}
		return nil
	}
	nonneg := func(key string, v float64) error {
		if !(v >= 0) || math.IsInf(v, 0) {
			return fmt.Errorf("%s must be a finite value >= 0, got %v", key, v)
		}
		return nil
	}
	if !(p.MaxEpDuration > 0) || math.IsInf(p.MaxEpDuration, 0) {
		return fmt.Errorf("max_ep_duration must be a finite number of seconds > 0, got %v", p.MaxEpDuration)
	}
	if n := stepsFor(p.MaxEpDuration); n < rtMinSteps {
		return fmt.Errorf("max_ep_duration %v s gives %d steps of %v s; the trial generator needs at least %d",
			p.MaxEpDuration, n, rtDT, rtMinSteps)
	}
	for _, c := range []struct {
		key string
		v   float64
	}{{"catch_prob", p.CatchProb}, {"bump_prob", p.BumpProb}, {"move_bump_prob", p.MoveBumpProb}} {
		if err := prob(c.key, c.v); err != nil {
			return err
		}
	}
	for _, c := range []struct {
		key string
		v   float64
	}{{"bump_mag_low", p.BumpMagLow}, {"bump_mag_high", p.BumpMagHigh}, {"pos_weight", p.PosWeight},
		{"act_weight", p.ActWeight}, {"dynamic_noise", p.DynamicNoise}} {
		if err := nonneg(c.key, c.v); err != nil {
			return err
		}
	}
	if p.BumpMagHigh < p.BumpMagLow {
		return fmt.Errorf("bump_mag_high (%v) must be >= bump_mag_low (%v)", p.BumpMagHigh, p.BumpMagLow)
	}
	if p.FullTrialEpoch < 1 {
		return fmt.Errorf("full_trial_epoch must be at least 1, got %d", p.FullTrialEpoch)
	}
	if _, err := p.field(); err != nil {
		return err
	}
	if len(p.Levels) > maxLevels {
		return fmt.Errorf("levels lists %d levels, at most %d allowed", len(p.Levels), maxLevels)
	}
	for i, v := range p.Levels {
		if !(math.Abs(v) <= maxLevel) {
			return fmt.Errorf("levels[%d] must be a finite value in [-%d, %d], got %v", i, maxLevel, maxLevel, v)
		}
	}
	return nil
}

// field returns the configured field, its direction normalised.
func (p RandomTargetParams) field() (arm.Field, error) {
	kind := p.Field
	if kind == "" {
		kind = arm.FieldNone
	}
	return arm.NewField(kind, p.FieldDir)
}

// levels returns the levels, {0} when none are given.
func (p RandomTargetParams) levels() []float64 {
	if len(p.Levels) == 0 {
		return []float64{0}
	}
	return p.Levels
}

// hasLevels reports whether trials carry a level: a field, a condition
// channel or a level other than a single 0. Without, the task is the
// reference's RandomTarget, bit for bit.
func (p RandomTargetParams) hasLevels() bool {
	l := p.levels()
	return p.Field != "" && p.Field != arm.FieldNone || p.ConditionInput || len(l) > 1 || l[0] != 0
}

// RandomTarget is the closed-loop reaching task: random targets (the
// reference's RandomTarget) or, built by NewCentreOut, centre-out reaches. It
// implements Task; its Plant is the MotorNet arm26 model of package arm, under
// the configured force field.
type RandomTarget struct {
	P     RandomTargetParams
	arm   *arm.Arm
	field arm.Field
	co    *centreOut // nil for random targets
}

// NewRandomTarget validates p and returns the task.
func NewRandomTarget(p RandomTargetParams) (*RandomTarget, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	a, err := arm.New(nil)
	if err != nil {
		return nil, err
	}
	f, _ := p.field()
	p.Levels = append([]float64(nil), p.levels()...)
	p.Field = f.Kind
	return &RandomTarget{P: p, arm: a, field: f}, nil
}

func (r *RandomTarget) Steps() int            { return stepsFor(r.P.MaxEpDuration) }
func (r *RandomTarget) ModelInputDim() int    { return arm.ObsDim + r.InputDim() }
func (r *RandomTarget) OutputDim() int        { return arm.NumMuscles }
func (r *RandomTarget) Sampler() Sampler      { return RandomSampler{} }
func (r *RandomTarget) DynamicNoise() float64 { return r.P.DynamicNoise }
func (r *RandomTarget) CurriculumEnd() int    { return r.P.FullTrialEpoch }

// CacheName implements Task. The reference adds no noise to the name; trials
// that carry a field level add the field, the levels and the condition
// channel ("RandomTarget_1000S_300T_0seed_constant-1,0_L0,1_ci"), so that such a
// dataset is never taken for the plain one.
func (r *RandomTarget) CacheName(samples, seed int) string {
	name := cacheName(r.DatasetName(), samples, r.Steps(), seed)
	if r.P.hasLevels() {
		name += "_" + string(r.field.Kind)
		if r.field.Kind == arm.FieldConstant {
			name += fmt.Sprintf("%.4g,%.4g", r.field.Dir[0], r.field.Dir[1])
		}
		name += "_L" + strings.ReplaceAll(formatLevels(r.P.Levels), " ", "")
		if r.P.ConditionInput {
			name += "_ci"
		}
	}
	return name
}

// Kind implements Task: random targets or centre-out.
func (r *RandomTarget) Kind() Kind {
	if r.co != nil {
		return KindCentreOut
	}
	return KindRandomTarget
}

// DatasetName implements Task.
func (r *RandomTarget) DatasetName() string {
	if r.co != nil {
		return "CentreOut"
	}
	return "RandomTarget"
}

// InputDim implements Task: TargetX, TargetY, GoCue and, with the condition
// channel, FieldLevel.
func (r *RandomTarget) InputDim() int {
	if r.P.ConditionInput {
		return 4
	}
	return 3
}

// ICDim is the size of a trial's initial condition: the joint state (q1, q2,
// q̇1, q̇2) and, when trials carry a field level, the level.
func (r *RandomTarget) ICDim() int {
	if r.P.hasLevels() {
		return arm.ICDim + 1
	}
	return arm.ICDim
}

// Field returns the force field acting on the hand.
func (r *RandomTarget) Field() arm.Field { return r.field }

// FieldForce is the field's force [N] at level on a hand moving with
// velocity v [m/s] (what the trial viewer draws at the hand).
func (r *RandomTarget) FieldForce(level float64, v [2]float64) [2]float64 {
	return r.field.Force(level, v)
}

// Summary implements Task.
func (r *RandomTarget) Summary() string {
	s := fmt.Sprintf("random-target reach, %d steps", r.Steps())
	if r.co != nil {
		s = fmt.Sprintf("centre-out reach, %d targets at %g cm, %d steps", r.co.n, 100*r.co.radius, r.Steps())
	}
	if r.field.Active() {
		s += fmt.Sprintf(", %s field at %s %s", r.field.Kind, formatLevels(r.P.Levels), r.field.Unit())
	}
	if r.P.ConditionInput {
		s += ", condition input"
	}
	return s
}

// formatLevels lists levels compactly ("0, 1").
func formatLevels(l []float64) string {
	parts := make([]string, len(l))
	for i, v := range l {
		parts[i] = strconv.FormatFloat(v, 'g', -1, 64)
	}
	return strings.Join(parts, ", ")
}

// Arm returns the task's arm model.
func (r *RandomTarget) Arm() *arm.Arm { return r.arm }

// Plant returns the arm as a closed-loop plant, under the task's field.
func (r *RandomTarget) Plant() Plant {
	return &ArmPlant{Arm: r.arm, Field: r.field, LevelIC: r.P.hasLevels()}
}

// Loss returns the reference's RandomTargetLoss.
func (r *RandomTarget) Loss() Loss {
	return RandomTargetLoss{PosWeight: r.P.PosWeight, ActWeight: r.P.ActWeight, FullTrialEpoch: r.P.FullTrialEpoch}
}

// InputLabels names the context inputs.
func (r *RandomTarget) InputLabels() []string {
	if r.P.ConditionInput {
		return []string{"TargetX", "TargetY", "GoCue", "FieldLevel"}
	}
	return []string{"TargetX", "TargetY", "GoCue"}
}

// OutputLabels names the muscle commands in the arm's muscle order (pectoralis,
// deltoid, brachioradialis, tricepslat, biceps, tricepslong). The reference's
// list is ["Pec", "Delt", "Brad", "TriLong", "Biceps", "TriLat"], which swaps
// positions 3 and 5 (a labelling bug: the physics uses MotorNet's order); they
// are fixed here.
func (r *RandomTarget) OutputLabels() []string {
	return []string{"Pec", "Delt", "Brad", "TriLat", "Biceps", "TriLong"}
}

// RandomTargetTrial is what the generator draws for one trial.
type RandomTargetTrial struct {
	Catch, Bump, MoveBump bool
	TargetOn, GoCue       int // go cue as drawn (also on catch trials)
	BumpTime, BumpDur     int // bump start step and duration
	BumpTheta, BumpMag    float64
	Start, Goal           [2]float64 // joint angles [rad] as drawn (float64)
	StartXY, GoalXY       [2]float64 // hand positions of the float32-rounded angles
	// Level is the trial's field level (drawn last when there are several).
	Level float64
}

// rtDeg2Rad is numpy's deg2rad factor, rounded as C evaluates NPY_PI/180.0.
var rtDeg2Rad = func() float64 { pi := math.Pi; return pi / 180 }()

// DrawTrial draws one trial from rng in the reference's order: catch, bump,
// move-bump flags; target onset; go cue; bump time; bump duration; bump angle;
// bump magnitude; start shoulder and elbow angles; goal shoulder and elbow
// angles; then, when there are several levels, the level.
func (r *RandomTarget) DrawTrial(rng *NumpyRNG) RandomTargetTrial { return r.DrawTrialAt(rng, 0) }

// DrawTrialAt draws trial i of a dataset: as DrawTrial, except that a
// centre-out trial reaches towards direction i mod n_dirs from the centre (it
// still draws, and ignores, the posture angles, so that its timing, bumps and
// level are those of the random-target trial drawn from the same stream).
func (r *RandomTarget) DrawTrialAt(rng *NumpyRNG, i int) RandomTargetTrial {
	T := r.Steps()
	p := r.P
	var tr RandomTargetTrial
	tr.Catch = rng.ChoiceP([]float64{1 - p.CatchProb, p.CatchProb}) == 1
	tr.Bump = rng.ChoiceP([]float64{1 - p.BumpProb, p.BumpProb}) == 1
	tr.MoveBump = rng.ChoiceP([]float64{1 - p.MoveBumpProb, p.MoveBumpProb}) == 1
	tr.TargetOn = rng.Intn(rtTargetOnLow, rtTargetOnHigh)
	tr.GoCue = rng.Intn(tr.TargetOn, T)
	if tr.MoveBump {
		tr.BumpTime = rng.Intn(tr.GoCue, tr.GoCue+rtMoveBumpWindow)
	} else {
		tr.BumpTime = rng.Intn(0, T-rtBumpTailFree)
	}
	tr.BumpDur = rng.Intn(rtBumpDurLow, rtBumpDurHigh)
	tr.BumpTheta = rng.Uniform(0, 2*math.Pi)
	tr.BumpMag = rng.Uniform(p.BumpMagLow, p.BumpMagHigh)
	for _, dst := range []*[2]float64{&tr.Start, &tr.Goal} {
		for j := range 2 {
			dst[j] = rtDeg2Rad * rng.Uniform(rtPostureDeg[j][0], rtPostureDeg[j][1])
		}
	}
	if c := r.co; c != nil {
		k := i % c.n
		tr.Start, tr.Goal = c.startQ, c.goalQ[k]
		tr.StartXY, tr.GoalXY = c.startXY, c.goalXY[k]
	} else {
		// The reference maps the postures to hand positions in float32 (torch);
		// here the float32-rounded angles are mapped in float64, which can differ
		// from it by about one float32 ulp after the dataset's float32 rounding.
		tr.StartXY, tr.GoalXY = r.handOf(tr.Start), r.handOf(tr.Goal)
	}
	tr.Level = p.Levels[0]
	if len(p.Levels) > 1 {
		tr.Level = p.Levels[rng.Intn(0, len(p.Levels))]
	}
	return tr
}

// handOf is the hand position of the float32-rounded joint angles q.
func (r *RandomTarget) handOf(q [2]float64) [2]float64 {
	h := r.arm.Hand([2]float64{float64(float32(q[0])), float64(float32(q[1]))}, [2]float64{})
	return [2]float64{h[0], h[1]}
}

// Data builds the trial's arrays (batch-first, time × channel) from what was drawn.
//   - ICs: the start posture with zero velocity, rounded to float32 as the
//     reference's datamodule loads them (the plant starts from those values),
//     then the trial's field level when trials carry one (ICDim 5).
//   - EnvInputs (bump force [N]): rows [BumpTime, min(BumpTime+BumpDur, T)) hold
//     BumpMag·(cos θ, sin θ) when Bump is set.
//   - Targets: start xy before the go cue, goal xy from it; start xy throughout on
//     catch trials.
//   - Inputs: goal xy from the target onset (also on catch trials); the go-cue
//     channel is 1 from the go cue on non-catch trials; the FieldLevel channel,
//     when there is one, holds the level at every step.
//   - Cond = catch flag; Extra = [target onset, go cue or −1 on catch trials].
func (r *RandomTarget) Data(tr RandomTargetTrial) TrialData {
	T, nin := r.Steps(), r.InputDim()
	d := TrialData{
		Len:       T,
		Inputs:    make([]float64, T*nin),
		Targets:   make([]float64, T*2),
		EnvInputs: make([]float64, T*2),
		ICs:       []float64{float64(float32(tr.Start[0])), float64(float32(tr.Start[1])), 0, 0},
	}
	if r.P.hasLevels() {
		d.ICs = append(d.ICs, tr.Level)
	}
	if tr.Bump {
		fx, fy := tr.BumpMag*math.Cos(tr.BumpTheta), tr.BumpMag*math.Sin(tr.BumpTheta)
		for t := tr.BumpTime; t < min(tr.BumpTime+tr.BumpDur, T); t++ {
			d.EnvInputs[2*t], d.EnvInputs[2*t+1] = fx, fy
		}
	}
	for t := range T {
		xy := tr.StartXY
		if !tr.Catch && t >= tr.GoCue {
			xy = tr.GoalXY
		}
		d.Targets[2*t], d.Targets[2*t+1] = xy[0], xy[1]
		in := d.Inputs[nin*t : nin*(t+1)]
		if t >= tr.TargetOn {
			in[0], in[1] = tr.GoalXY[0], tr.GoalXY[1]
		}
		if !tr.Catch && t >= tr.GoCue {
			in[2] = 1
		}
		if r.P.ConditionInput {
			in[3] = tr.Level
		}
	}
	d.TrueInputs = d.Inputs
	d.Extra = [2]int{tr.TargetOn, tr.GoCue}
	if tr.Catch {
		d.Cond = 1
		d.Extra[1] = -1
	}
	return d
}

// rtEnvConstructions is the number of RandomTarget environments the reference
// builds between seeding and dataset generation (env_task and env_sim). Each
// construction runs reset(), whose unused random goal draws two uniforms (one per
// joint, batch size 1) from numpy's global generator.
const rtEnvConstructions = 2

// SkipEnvConstruction consumes from rng the draws the reference's environment
// constructions make after pl.seed_everything and before generate_dataset.
func (r *RandomTarget) SkipEnvConstruction(rng *NumpyRNG) {
	for range rtEnvConstructions * 2 {
		rng.Random()
	}
}

// Generate returns the reference's training dataset for an rng seeded as
// pl.seed_everything(seed) seeds numpy: in the reference's program order the two
// environment constructions draw first (SkipEnvConstruction), then
// generate_dataset draws n trials (GenerateTrials).
func (r *RandomTarget) Generate(n int, rng *NumpyRNG) *Dataset {
	r.SkipEnvConstruction(rng)
	return r.GenerateTrials(n, rng)
}

// GenerateTrials draws n trials in sequence, as the reference's generate_dataset.
func (r *RandomTarget) GenerateTrials(n int, rng *NumpyRNG) *Dataset {
	d := NewDataset(r.Kind(), "", r.Steps(), r.InputDim(), 2, 2, r.ICDim())
	for i := range n {
		d.Append(r.Data(r.DrawTrialAt(rng, i)))
	}
	return d
}
