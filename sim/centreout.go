package sim

import (
	"fmt"
	"math"

	"github.com/ctdtui/ctdtui/sim/arm"
)

// CentreOutParams configures centre-out reaching, after MotorNet's
// CentreOutReach: every trial starts at the centre of the joint limits and
// reaches to one of NDirs targets on a circle of Radius around it. Timing,
// bumps, catch trials, observation, context inputs, targets, loss and force
// fields are RandomTarget's (its parameters, embedded), so that a model
// trained on RandomTarget runs centre-out unchanged.
type CentreOutParams struct {
	RandomTargetParams
	// NDirs is the number of target directions, every 360°/NDirs starting at
	// 0 (= +x), counter-clockwise; trial i uses direction i mod NDirs.
	NDirs int
	// Radius is the distance [m] of the targets from the start.
	Radius float64
}

// DefaultCentreOut returns 8 targets at 10 cm with RandomTarget's timing and
// neither catch trials nor bumps.
func DefaultCentreOut() CentreOutParams {
	p := CentreOutParams{RandomTargetParams: DefaultRandomTarget(), NDirs: 8, Radius: 0.10}
	p.CatchProb, p.BumpProb = 0, 0
	return p
}

// Validate reports the first invalid parameter by its config key, including
// a target outside the arm's reach.
func (p CentreOutParams) Validate() error {
	if err := p.RandomTargetParams.Validate(); err != nil {
		return err
	}
	if p.NDirs < 1 || p.NDirs > 360 {
		return fmt.Errorf("n_dirs must be in [1, 360], got %d", p.NDirs)
	}
	if !(p.Radius > 0 && p.Radius <= 0.5) {
		return fmt.Errorf("radius must be in (0, 0.5] m, got %v", p.Radius)
	}
	a, err := arm.New(nil)
	if err != nil {
		return err
	}
	_, err = newCentreOut(a, p.NDirs, p.Radius)
	return err
}

// centreOut holds the fixed start and the targets of centre-out reaching.
type centreOut struct {
	n       int
	radius  float64
	startQ  [2]float64 // the centre of the joint limits [rad]
	startXY [2]float64 // its hand position (of the float32-rounded angles)
	goalQ   [][2]float64
	goalXY  [][2]float64
}

// centreOutPostureDeg is the start posture: the centre of the joint limits
// [0, 135]° and [0, 155]°.
var centreOutPostureDeg = [2]float64{67.5, 77.5}

func newCentreOut(a *arm.Arm, n int, radius float64) (*centreOut, error) {
	c := &centreOut{n: n, radius: radius,
		startQ: [2]float64{rtDeg2Rad * centreOutPostureDeg[0], rtDeg2Rad * centreOutPostureDeg[1]}}
	h := a.Hand([2]float64{float64(float32(c.startQ[0])), float64(float32(c.startQ[1]))}, [2]float64{})
	c.startXY = [2]float64{h[0], h[1]}
	p := a.Params()
	for k := range n {
		th := 2 * math.Pi * float64(k) / float64(n)
		xy := [2]float64{c.startXY[0] + radius*math.Cos(th), c.startXY[1] + radius*math.Sin(th)}
		q, ok := inverseKinematics(p.L1, p.L2, xy)
		for j := range 2 {
			ok = ok && q[j] >= p.PosLower[j] && q[j] <= p.PosUpper[j]
		}
		if !ok {
			return nil, fmt.Errorf("radius %v m puts the target at %.4g° (%.3f, %.3f) m outside the arm's reach within its joint limits; use a smaller radius",
				radius, th*180/math.Pi, xy[0], xy[1])
		}
		c.goalQ = append(c.goalQ, q)
		c.goalXY = append(c.goalXY, xy)
	}
	return c, nil
}

// inverseKinematics returns the joint angles that put the hand of a two-link
// arm (lengths l1, l2, shoulder at the origin) at xy with the elbow flexed
// (q2 ∈ [0, π]), and whether xy is within reach.
func inverseKinematics(l1, l2 float64, xy [2]float64) ([2]float64, bool) {
	r2 := xy[0]*xy[0] + xy[1]*xy[1]
	c2 := (r2 - l1*l1 - l2*l2) / (2 * l1 * l2)
	if c2 < -1 || c2 > 1 {
		return [2]float64{}, false
	}
	q2 := math.Acos(c2)
	q1 := math.Atan2(xy[1], xy[0]) - math.Atan2(l2*math.Sin(q2), l1+l2*c2)
	return [2]float64{q1, q2}, true
}

// NewCentreOut validates p and returns the centre-out task (a *RandomTarget
// whose Kind is KindCentreOut).
func NewCentreOut(p CentreOutParams) (*RandomTarget, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	r, err := NewRandomTarget(p.RandomTargetParams)
	if err != nil {
		return nil, err
	}
	if r.co, err = newCentreOut(r.arm, p.NDirs, p.Radius); err != nil {
		return nil, err
	}
	return r, nil
}

// CentreOut returns the centre-out geometry: the number of directions, the
// radius [m], the start's hand position and the targets (ok false for a
// random-target task).
func (r *RandomTarget) CentreOut() (n int, radius float64, start [2]float64, targets [][2]float64, ok bool) {
	if r.co == nil {
		return 0, 0, [2]float64{}, nil, false
	}
	return r.co.n, r.co.radius, r.co.startXY, append([][2]float64(nil), r.co.goalXY...), true
}
