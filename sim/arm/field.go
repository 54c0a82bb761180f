package arm

import (
	"fmt"
	"math"
)

// FieldKind names a force field acting on the hand.
type FieldKind string

// The force fields (spec template.md §1.1).
const (
	// FieldNone adds no force.
	FieldNone FieldKind = "none"
	// FieldConstant pushes with level·Dir [N] at every step.
	FieldConstant FieldKind = "constant"
	// FieldCurl pushes with level·[[0, 1], [−1, 0]]·v [N], v the hand velocity
	// [m/s] at the start of the step: perpendicular to the movement, clockwise
	// for a positive level [N·s/m] (the classic motor-adaptation field).
	FieldCurl FieldKind = "curl"
)

// FieldKinds lists the field kinds.
var FieldKinds = []FieldKind{FieldNone, FieldConstant, FieldCurl}

// Field is a force field on the hand. It adds to the step's endpoint load
// (the bump) and acts through Jᵀ exactly as the bump does; its strength, the
// level, is set per trial (Rollout.SetField).
type Field struct {
	Kind FieldKind
	// Dir is the unit direction of a constant field ((−1, 0) is leftward).
	Dir [2]float64
}

// NewField validates a field and normalises its direction (used by constant
// fields only; any non-zero finite vector is accepted).
func NewField(kind FieldKind, dir [2]float64) (Field, error) {
	switch kind {
	case FieldNone, FieldCurl:
		return Field{Kind: kind, Dir: dir}, nil
	case FieldConstant:
		n := math.Hypot(dir[0], dir[1])
		if !(n > 0) || math.IsInf(n, 0) {
			return Field{}, fmt.Errorf("field_dir must be a non-zero finite vector (x, y), got %v", dir)
		}
		return Field{Kind: kind, Dir: [2]float64{dir[0] / n, dir[1] / n}}, nil
	}
	return Field{}, fmt.Errorf("field must be one of none, constant, curl, got %q", kind)
}

// Unit is the unit of the field's level: N for a constant field, N·s/m for
// a curl field ("" for none).
func (f Field) Unit() string {
	switch f.Kind {
	case FieldConstant:
		return "N"
	case FieldCurl:
		return "N·s/m"
	}
	return ""
}

// Active reports whether the field can exert a force.
func (f Field) Active() bool { return f.Kind == FieldConstant || f.Kind == FieldCurl }

// Force is the field's force [N] at level on a hand moving with velocity v.
func (f Field) Force(level float64, v [2]float64) [2]float64 {
	switch f.Kind {
	case FieldConstant:
		return [2]float64{level * f.Dir[0], level * f.Dir[1]}
	case FieldCurl:
		return [2]float64{level * v[1], -level * v[0]}
	}
	return [2]float64{}
}

// fieldLoad is the step's endpoint load: the external load (nil for none)
// plus the field's force at the state s (t holds the trig of s.Q).
func (a *Arm) fieldLoad(t *trig, s *State, load []float64, f Field, level float64) [2]float64 {
	var l [2]float64
	if load != nil {
		l = [2]float64{load[0], load[1]}
	}
	F := f.Force(level, a.handVel(t, s.QDot))
	return [2]float64{l[0] + F[0], l[1] + F[1]}
}

// handVel is the hand velocity J(q)·q̇ (spec §2.3).
func (a *Arm) handVel(t *trig, qd [2]float64) [2]float64 {
	L1, L2 := a.p.L1, a.p.L2
	return [2]float64{
		-(L1*t.s1+L2*t.s12)*qd[0] - L2*t.s12*qd[1],
		(L1*t.c1+L2*t.c12)*qd[0] + L2*t.c12*qd[1],
	}
}

// StepInField is Step with a force field: the endpoint load is load (nil for
// none) plus the field's force at level, computed from the hand velocity at
// the start of the step.
func (a *Arm) StepInField(s *State, u, load []float64, f Field, level float64, info *StepInfo) {
	var t trig
	t.set(s.Q)
	l := a.fieldLoad(&t, s, load, f, level)
	a.Step(s, u, l[:], info)
}

// StepInFieldBackward back-propagates through one StepInField, as
// StepBackward does through Step; a curl field adds its own adjoint (its
// force depends on the joint angles and velocities through the hand velocity).
func (a *Arm) StepInFieldBackward(g *State, s *State, u, load []float64, f Field, level float64, du []float64) {
	var v stepVals
	v.t.set(s.Q)
	l := a.fieldLoad(&v.t, s, load, f, level)
	a.forward(&v, s, u, l[:])
	a.backward(g, &v, s, u, du)
	a.fieldBackward(g, &v, s, f, level)
}

// fieldBackward adds to g (the adjoint of the state at the start of the step)
// the path through the field's force: v.gLoad holds d loss / d endpoint load
// (left there by backward). Only the curl field depends on the state:
// F = level·(ẏ, −ẋ) with (ẋ, ẏ) = J(q)·q̇.
func (a *Arm) fieldBackward(g *State, v *stepVals, s *State, f Field, level float64) {
	if f.Kind != FieldCurl || level == 0 {
		return
	}
	gvx, gvy := -level*v.gLoad[1], level*v.gLoad[0]
	L1, L2, t, w := a.p.L1, a.p.L2, &v.t, s.QDot
	j11, j12 := -L1*t.s1-L2*t.s12, -L2*t.s12
	j21, j22 := L1*t.c1+L2*t.c12, L2*t.c12
	xd := j11*w[0] + j12*w[1]
	yd := j21*w[0] + j22*w[1]
	g.QDot[0] += j11*gvx + j21*gvy
	g.QDot[1] += j12*gvx + j22*gvy
	// ∂ẋ/∂q1 = −ẏ, ∂ẏ/∂q1 = ẋ; ∂ẋ/∂q2 = −L2 c12 (q̇1+q̇2), ∂ẏ/∂q2 = −L2 s12 (q̇1+q̇2).
	g.Q[0] += -yd*gvx + xd*gvy
	g.Q[1] += -L2 * (w[0] + w[1]) * (t.c12*gvx + t.s12*gvy)
}
