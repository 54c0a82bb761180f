package sim

import (
	"fmt"

	"github.com/ctdtui/ctdtui/sim/arm"
)

// ArmPlant is the RandomTarget arm as a closed-loop Plant: the observation is
// [hand x, y; six normalised muscle lengths; six muscle velocities / 1.5 m/s],
// the action six raw muscle commands (clamped to [0, 1] inside the step, with
// zero gradient outside), the controlled output the hand position after each
// step, and the external input the endpoint (bump) force [N] of that step.
// Field, when active, adds its force to that load at every step.
type ArmPlant struct {
	Arm   *arm.Arm
	Field arm.Field
	// LevelIC says that the initial conditions carry each trial's field level
	// as a fifth column after q1, q2, q̇1, q̇2 (RandomTarget.ICDim); four-column
	// initial conditions are accepted too, at level 0.
	LevelIC bool
}

func (p *ArmPlant) ObsDim() int      { return arm.ObsDim }
func (p *ArmPlant) ActDim() int      { return arm.NumMuscles }
func (p *ArmPlant) CtlDim() int      { return 2 }
func (p *ArmPlant) EnvInputDim() int { return 2 }

// Begin implements Plant. ics is B×4 (shoulder, elbow, and their velocities)
// or, with LevelIC, B×5 (then the level); it panics if an initial posture
// lies outside the joint limits (the reference asserts; generated datasets
// never do this).
func (p *ArmPlant) Begin(ics []float64, B, T int) Episode {
	e := &ArmEpisode{Rollout: arm.NewRollout(p.Arm), plant: p}
	e.Restart(ics, B, T)
	return e
}

// ArmEpisode is a batch of arm trials. Besides Episode it implements Restarter
// and Recorder, and offers typed inspection through the embedded Rollout's Frame
// (joint angles and velocities, hand position and velocity, and every muscle's
// activation, length, velocity and force, per trial and time) and Load (the
// endpoint force, bump plus field, of each step).
type ArmEpisode struct {
	*arm.Rollout
	plant         *ArmPlant
	joint, levels []float64 // Restart's split of five-column initial conditions
}

// Restart implements Restarter.
func (e *ArmEpisode) Restart(ics []float64, B, T int) {
	joint := ics
	var levels []float64
	if e.plant != nil && e.plant.LevelIC && B > 0 && len(ics) == B*(arm.ICDim+1) {
		e.joint, e.levels = e.joint[:0], e.levels[:0]
		for b := range B {
			row := ics[b*(arm.ICDim+1) : (b+1)*(arm.ICDim+1)]
			e.joint = append(e.joint, row[:arm.ICDim]...)
			e.levels = append(e.levels, row[arm.ICDim])
		}
		joint, levels = e.joint, e.levels
	}
	if err := e.Begin(joint, B, T); err != nil {
		panic(fmt.Sprintf("sim: RandomTarget initial state: %v", err))
	}
	if e.plant != nil && e.plant.Field.Active() {
		e.SetField(e.plant.Field, levels)
	}
}

// StepsTaken implements Recorder.
func (e *ArmEpisode) StepsTaken() int { return e.Taken() }

// Indices of the channels of ArmEpisode.State (see ArmStateLabels).
const (
	ArmHandX     = 0                          // hand x [m]
	ArmHandY     = 1                          // hand y [m]
	ArmHandVX    = 2                          // hand ẋ [m/s]
	ArmHandVY    = 3                          // hand ẏ [m/s]
	ArmShoulder  = 4                          // shoulder angle [rad]
	ArmElbow     = 5                          // elbow angle [rad]
	ArmShoulderV = 6                          // shoulder velocity [rad/s]
	ArmElbowV    = 7                          // elbow velocity [rad/s]
	ArmAct0      = 8                          // first of six activations
	ArmForce0    = ArmAct0 + arm.NumMuscles   // first of six muscle forces [N]
	ArmStateDim  = ArmForce0 + arm.NumMuscles // number of channels
)

// ArmStateLabels names the channels of ArmEpisode.State.
var ArmStateLabels = func() []string {
	l := []string{"hand_x", "hand_y", "hand_vx", "hand_vy", "shoulder", "elbow", "shoulder_vel", "elbow_vel"}
	for _, m := range arm.MuscleNames {
		l = append(l, "act_"+m)
	}
	for _, m := range arm.MuscleNames {
		l = append(l, "force_"+m)
	}
	return l
}()

// StateLabels implements Recorder.
func (e *ArmEpisode) StateLabels() []string { return ArmStateLabels }

// State implements Recorder: the ArmStateDim channels of trial b at time t
// (t = 0 at Begin, t = k+1 after step k).
func (e *ArmEpisode) State(dst []float64, t, b int) {
	if len(dst) != ArmStateDim {
		panic(fmt.Sprintf("sim: arm state needs %d values, got %d", ArmStateDim, len(dst)))
	}
	var f arm.Frame
	e.Frame(&f, t, b)
	copy(dst[ArmHandX:], f.Hand[:])
	dst[ArmShoulder], dst[ArmElbow] = f.Q[0], f.Q[1]
	dst[ArmShoulderV], dst[ArmElbowV] = f.QDot[0], f.QDot[1]
	copy(dst[ArmAct0:], f.Muscle.Act[:])
	copy(dst[ArmForce0:], f.Muscle.Force[:])
}
