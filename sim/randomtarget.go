package sim

import (
	"fmt"
	"math"

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
	}
}

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
	return nil
}

// RandomTarget is the closed-loop reaching task. It implements Task; its Plant is
// the MotorNet arm26 model of package arm.
type RandomTarget struct {
	P   RandomTargetParams
	arm *arm.Arm
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
	return &RandomTarget{P: p, arm: a}, nil
}

func (r *RandomTarget) Kind() Kind            { return KindRandomTarget }
func (r *RandomTarget) DatasetName() string   { return "RandomTarget" }
func (r *RandomTarget) Steps() int            { return stepsFor(r.P.MaxEpDuration) }
func (r *RandomTarget) InputDim() int         { return 3 }
func (r *RandomTarget) ModelInputDim() int    { return arm.ObsDim + 3 }
func (r *RandomTarget) OutputDim() int        { return arm.NumMuscles }
func (r *RandomTarget) Sampler() Sampler      { return RandomSampler{} }
func (r *RandomTarget) DynamicNoise() float64 { return r.P.DynamicNoise }
func (r *RandomTarget) CurriculumEnd() int    { return r.P.FullTrialEpoch }

// CacheName implements Task (the reference adds no noise to the name).
func (r *RandomTarget) CacheName(samples, seed int) string {
	return cacheName(r.DatasetName(), samples, r.Steps(), seed)
}

// Summary implements Task.
func (r *RandomTarget) Summary() string {
	return fmt.Sprintf("random-target reach, %d steps", r.Steps())
}

// Arm returns the task's arm model.
func (r *RandomTarget) Arm() *arm.Arm { return r.arm }

// Plant returns the arm as a closed-loop plant.
func (r *RandomTarget) Plant() Plant { return &ArmPlant{Arm: r.arm} }

// Loss returns the reference's RandomTargetLoss.
func (r *RandomTarget) Loss() Loss {
	return RandomTargetLoss{PosWeight: r.P.PosWeight, ActWeight: r.P.ActWeight, FullTrialEpoch: r.P.FullTrialEpoch}
}

// InputLabels names the context inputs.
func (r *RandomTarget) InputLabels() []string { return []string{"TargetX", "TargetY", "GoCue"} }

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
}

// rtDeg2Rad is numpy's deg2rad factor, rounded as C evaluates NPY_PI/180.0.
var rtDeg2Rad = func() float64 { pi := math.Pi; return pi / 180 }()

// DrawTrial draws one trial from rng in the reference's order: catch, bump,
// move-bump flags; target onset; go cue; bump time; bump duration; bump angle;
// bump magnitude; start shoulder and elbow angles; goal shoulder and elbow angles.
func (r *RandomTarget) DrawTrial(rng *NumpyRNG) RandomTargetTrial {
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
	// The reference maps the postures to hand positions in float32 (torch); here
	// the float32-rounded angles are mapped in float64, which can differ from it
	// by about one float32 ulp after the dataset's float32 rounding.
	for i, q := range [][2]float64{tr.Start, tr.Goal} {
		h := r.arm.Hand([2]float64{float64(float32(q[0])), float64(float32(q[1]))}, [2]float64{})
		xy := [2]float64{h[0], h[1]}
		if i == 0 {
			tr.StartXY = xy
		} else {
			tr.GoalXY = xy
		}
	}
	return tr
}

// Data builds the trial's arrays (batch-first, time × channel) from what was drawn.
//   - ICs: the start posture with zero velocity, rounded to float32 as the
//     reference's datamodule loads them (the plant starts from those values).
//   - EnvInputs (bump force [N]): rows [BumpTime, min(BumpTime+BumpDur, T)) hold
//     BumpMag·(cos θ, sin θ) when Bump is set.
//   - Targets: start xy before the go cue, goal xy from it; start xy throughout on
//     catch trials.
//   - Inputs: goal xy from the target onset (also on catch trials); the go-cue
//     channel is 1 from the go cue on non-catch trials.
//   - Cond = catch flag; Extra = [target onset, go cue or −1 on catch trials].
func (r *RandomTarget) Data(tr RandomTargetTrial) TrialData {
	T := r.Steps()
	d := TrialData{
		Len:       T,
		Inputs:    make([]float64, T*3),
		Targets:   make([]float64, T*2),
		EnvInputs: make([]float64, T*2),
		ICs:       []float64{float64(float32(tr.Start[0])), float64(float32(tr.Start[1])), 0, 0},
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
		if t >= tr.TargetOn {
			d.Inputs[3*t], d.Inputs[3*t+1] = tr.GoalXY[0], tr.GoalXY[1]
		}
		if !tr.Catch && t >= tr.GoCue {
			d.Inputs[3*t+2] = 1
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
	d := NewDataset(r.Kind(), "", r.Steps(), r.InputDim(), 2, 2, arm.ICDim)
	for range n {
		d.Append(r.Data(r.DrawTrial(rng)))
	}
	return d
}
