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
type ArmPlant struct{ Arm *arm.Arm }

func (p *ArmPlant) ObsDim() int      { return arm.ObsDim }
func (p *ArmPlant) ActDim() int      { return arm.NumMuscles }
func (p *ArmPlant) CtlDim() int      { return 2 }
func (p *ArmPlant) EnvInputDim() int { return 2 }

// Begin implements Plant. ics is B×4 (shoulder, elbow, and their velocities);
// it panics if an initial posture lies outside the joint limits (the reference
// asserts; generated datasets never do this).
func (p *ArmPlant) Begin(ics []float64, B, T int) Episode {
	e := &ArmEpisode{Rollout: arm.NewRollout(p.Arm)}
	e.Restart(ics, B, T)
	return e
}

// ArmEpisode is a batch of arm trials. Besides Episode it implements Restarter
// and Recorder, and offers typed inspection through the embedded Rollout's Frame
// (joint angles and velocities, hand position and velocity, and every muscle's
// activation, length, velocity and force, per trial and time).
type ArmEpisode struct {
	*arm.Rollout
}

// Restart implements Restarter.
func (e *ArmEpisode) Restart(ics []float64, B, T int) {
	if err := e.Begin(ics, B, T); err != nil {
		panic(fmt.Sprintf("sim: RandomTarget initial state: %v", err))
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
