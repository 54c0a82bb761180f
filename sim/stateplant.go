package sim

import (
	"fmt"

	"github.com/ctdtui/ctdtui/sim/arm"
)

// StatePlant is a closed-loop plant whose full state can be stepped from any
// value, one trial at a time, with the adjoint of each operation: what the
// closed-loop fixed-point analysis needs to treat network and plant as one
// map z' = F(z) and differentiate it with the same adjoints training uses.
// The state is every variable the next step reads (for the arm: joint angles
// and velocities, muscle activations, and the muscle state's fibre lengths
// and velocities, which lag the joints by one step). States are flat
// float64 slices of StateDim values.
type StatePlant interface {
	Plant
	// StateDim is the size of the flat state; StateLabels names its values.
	StateDim() int
	StateLabels() []string
	// InitialState writes the state an episode begins from for the initial
	// condition ic (one row of a dataset's ICs).
	InitialState(dst, ic []float64) error
	// Observe writes the observation of state s (ObsDim values), and
	// ObserveBackward ADDS d loss / d s for d loss / d observation dObs into ds.
	Observe(dst, s []float64)
	ObserveBackward(ds, s, dObs []float64)
	// StepState writes the state after one step from s with the actions act
	// (ActDim values) and no external load. StepStateBackward takes in ds
	// d loss / d (state after the step) and leaves in it d loss / d s, and
	// writes d loss / d act into dAct (overwritten).
	StepState(next, s, act []float64)
	StepStateBackward(ds, dAct, s, act []float64)
	// Controlled writes the controlled output at state s (CtlDim values: the
	// hand position for the arm).
	Controlled(dst, s []float64)
}

// LevelStatePlanter is implemented by plants that become a StatePlant once
// the per-trial level (the force field's strength) is fixed.
type LevelStatePlanter interface {
	StatePlant(level float64) StatePlant
}

// ArmStatePlant is the arm under its plant's force field at one level, as a
// StatePlant: the closed-loop analysis holds the level as it holds the
// context.
type ArmStatePlant struct {
	*ArmPlant
	Level float64
}

var (
	_ StatePlant        = (*ArmStatePlant)(nil)
	_ BranchNudger      = (*ArmStatePlant)(nil)
	_ LevelStatePlanter = (*ArmPlant)(nil)
)

// StatePlant implements LevelStatePlanter.
func (p *ArmPlant) StatePlant(level float64) StatePlant {
	return &ArmStatePlant{ArmPlant: p, Level: level}
}

// StateDim implements StatePlant: arm.StateSize values in the order of
// ArmFlatStateLabels.
func (p *ArmStatePlant) StateDim() int { return arm.StateSize }

// ArmFlatStateLabels names the flat arm state of StatePlant: shoulder and
// elbow angles [rad] and velocities [rad/s], the six activations, fibre
// lengths [m] and fibre velocities [m/s].
var ArmFlatStateLabels = func() []string {
	l := []string{"shoulder", "elbow", "shoulder_vel", "elbow_vel"}
	for _, pre := range []string{"act_", "len_", "fvel_"} {
		for _, m := range arm.MuscleNames {
			l = append(l, pre+m)
		}
	}
	return l
}()

// StateLabels implements StatePlant.
func (p *ArmStatePlant) StateLabels() []string { return ArmFlatStateLabels }

// InitialState implements StatePlant: ic is shoulder, elbow and their
// velocities (and, in datasets with levels, the trial's level, ignored: the
// plant's Level holds); the muscle state is MotorNet's reset state for that
// posture.
func (p *ArmStatePlant) InitialState(dst, ic []float64) error {
	if len(ic) != arm.ICDim && len(ic) != arm.ICDim+1 {
		return fmt.Errorf("sim: arm initial condition has %d values, want %d", len(ic), arm.ICDim)
	}
	var s arm.State
	if err := p.Arm.Reset(&s, [2]float64{ic[0], ic[1]}, [2]float64{ic[2], ic[3]}); err != nil {
		return err
	}
	PutArmState(dst, &s)
	return nil
}

// Observe implements StatePlant.
func (p *ArmStatePlant) Observe(dst, s []float64) {
	var st arm.State
	GetArmState(&st, s)
	p.Arm.Observe(dst, &st)
}

// ObserveBackward implements StatePlant.
func (p *ArmStatePlant) ObserveBackward(ds, s, dObs []float64) {
	var st, g arm.State
	GetArmState(&st, s)
	p.Arm.ObserveBackward(&g, &st, dObs, nil)
	addArmState(ds, &g)
}

// StepState implements StatePlant: one step under the field at Level, no
// bump.
func (p *ArmStatePlant) StepState(next, s, act []float64) {
	var st arm.State
	GetArmState(&st, s)
	p.Arm.StepInField(&st, act, nil, p.Field, p.Level, nil)
	PutArmState(next, &st)
}

// StepStateBackward implements StatePlant (the field's adjoint included).
func (p *ArmStatePlant) StepStateBackward(ds, dAct, s, act []float64) {
	var st, g arm.State
	GetArmState(&st, s)
	GetArmState(&g, ds)
	p.Arm.StepInFieldBackward(&g, &st, act, nil, p.Field, p.Level, dAct)
	PutArmState(ds, &g)
}

// Controlled implements StatePlant: the hand position.
func (p *ArmStatePlant) Controlled(dst, s []float64) {
	h := p.Arm.Hand([2]float64{s[0], s[1]}, [2]float64{s[2], s[3]})
	dst[0], dst[1] = h[0], h[1]
}

// PutArmState writes s flat (ArmFlatStateLabels order) into dst.
func PutArmState(dst []float64, s *arm.State) {
	_ = dst[arm.StateSize-1]
	dst[0], dst[1], dst[2], dst[3] = s.Q[0], s.Q[1], s.QDot[0], s.QDot[1]
	copy(dst[4:], s.Act[:])
	copy(dst[4+arm.NumMuscles:], s.Len[:])
	copy(dst[4+2*arm.NumMuscles:], s.Vel[:])
}

// GetArmState reads a flat state (ArmFlatStateLabels order).
func GetArmState(s *arm.State, src []float64) {
	_ = src[arm.StateSize-1]
	s.Q = [2]float64{src[0], src[1]}
	s.QDot = [2]float64{src[2], src[3]}
	copy(s.Act[:], src[4:4+arm.NumMuscles])
	copy(s.Len[:], src[4+arm.NumMuscles:4+2*arm.NumMuscles])
	copy(s.Vel[:], src[4+2*arm.NumMuscles:4+3*arm.NumMuscles])
}

func addArmState(dst []float64, g *arm.State) {
	var flat [arm.StateSize]float64
	PutArmState(flat[:], g)
	for i, v := range flat {
		dst[i] += v
	}
}

// BranchNudger is implemented by state plants whose step has a kink at
// every rest state: the arm's activation dynamics switch time constant where
// the command crosses the activation (τ_act when the command exceeds it,
// τ_deact otherwise), and at rest they are equal, so the one-step map has two
// one-sided Jacobians there. The adjoint takes the branch the forward step
// takes at the tie; NudgeBranch writes into dst a state a negligible
// distance from s on the other side (every activation strictly inside its
// range lowered by 1e-9), where the Jacobian is the other branch's.
type BranchNudger interface {
	NudgeBranch(dst, s []float64)
	// BranchNames names the tie's branch and the nudged one.
	BranchNames() (tie, nudged string)
}

// NudgeBranch implements BranchNudger.
func (p *ArmStatePlant) NudgeBranch(dst, s []float64) {
	copy(dst, s)
	lo, hi := p.Arm.Params().MinActivation, p.Arm.Params().ActivationHigh
	for m := range arm.NumMuscles {
		if a := s[4+m]; a > lo && a < hi {
			dst[4+m] = a - 1e-9
		}
	}
}

// BranchNames implements BranchNudger.
func (p *ArmStatePlant) BranchNames() (string, string) { return "deactivating", "activating" }
