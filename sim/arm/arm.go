package arm

import (
	"fmt"
	"math"
)

// Arm holds the constants of the arm model. It is immutable after New and safe
// for concurrent use.
type Arm struct {
	p Params
	k curves
	// Skeleton constants of spec §2.1: M = [[c11 + 2d·cos q2, c12 + d·cos q2], [c12 + d·cos q2, c22]].
	c11, c12, c22, d float64
}

// New returns the arm for p (nil means Default()).
func New(p *Params) (*Arm, error) {
	if p == nil {
		p = Default()
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	a := &Arm{p: *p, k: newCurves(p)}
	a.c11 = p.M1*p.L1g*p.L1g + p.I1 + p.M2*(p.L2g*p.L2g+p.L1*p.L1) + p.I2
	a.c12 = p.M2*p.L2g*p.L2g + p.I2
	a.c22 = a.c12
	a.d = p.M2 * p.L1 * p.L2g
	return a, nil
}

// Params returns a copy of the arm's constants.
func (a *Arm) Params() Params { return a.p }

// State is the dynamic state of one trial. Besides the joints and the
// activations it carries the muscle state's fibre lengths and velocities, which
// MotorNet computes from the geometry at the start of the previous step (they lag
// the joints by one step) and which feed both the muscle force of the next step
// and the proprioceptive observation.
type State struct {
	Q, QDot [2]float64          // joint angles [rad] (shoulder, elbow) and velocities [rad/s]
	Act     [NumMuscles]float64 // activations
	Len     [NumMuscles]float64 // fibre lengths [m] of the muscle state
	Vel     [NumMuscles]float64 // fibre velocities [m/s] of the muscle state
}

// StateSize is the number of float64 values in a State (for flat storage).
const StateSize = 4 + 3*NumMuscles

// Reset puts s at joint angles q and velocities qd with zero activation and the
// muscle state that belongs to that configuration (passive forces only), as
// MotorNet's effector.reset does. It returns an error naming the joint if q or qd
// lies outside the limits (MotorNet asserts).
func (a *Arm) Reset(s *State, q, qd [2]float64) error {
	for j := range 2 {
		if !inside(q[j], a.p.PosLower[j], a.p.PosUpper[j]) {
			return fmt.Errorf("arm: initial angle of joint %d = %v outside [%v, %v]", j, q[j], a.p.PosLower[j], a.p.PosUpper[j])
		}
		if !inside(qd[j], a.p.VelLower[j], a.p.VelUpper[j]) {
			return fmt.Errorf("arm: initial velocity of joint %d = %v outside [%v, %v]", j, qd[j], a.p.VelLower[j], a.p.VelUpper[j])
		}
	}
	s.Q, s.QDot = q, qd
	var g Geometry
	a.Geometry(&g, q, qd)
	for m := range NumMuscles {
		s.Act[m] = a.p.MinActivation
		s.Len[m] = max(g.MTL[m]-a.p.L0SE[m], a.p.MinLength)
		s.Vel[m] = g.MTV[m]
	}
	return nil
}

// Geometry is MotorNet's 4-row geometry state of one trial.
type Geometry struct {
	MTL [NumMuscles]float64    // musculotendon length [m]
	MTV [NumMuscles]float64    // musculotendon velocity [m/s]
	R   [2][NumMuscles]float64 // moment arms about the shoulder and the elbow [m]
}

// Geometry evaluates the polynomial muscle geometry (spec §3) at joint angles q
// and velocities qd.
func (a *Arm) Geometry(dst *Geometry, q, qd [2]float64) {
	th := [2]float64{q[0] - a.p.A3[0], q[1] - a.p.A3[1]}
	for m := range NumMuscles {
		mtl, mtv := 0.0, 0.0
		for j := range 2 {
			r := a.p.A1[j][m] + 2*a.p.A2[j][m]*th[j]
			dst.R[j][m] = r
			mtl += (a.p.A1[j][m] + a.p.A2[j][m]*th[j]) * th[j]
			mtv += r * qd[j]
		}
		dst.MTL[m] = mtl + a.p.A0[m]
		dst.MTV[m] = mtv
	}
}

// Hand returns the hand (fingertip) position and velocity [x, y, ẋ, ẏ] for joint
// angles q and velocities qd (spec §2.3).
func (a *Arm) Hand(q, qd [2]float64) [4]float64 {
	s1, c1 := math.Sincos(q[0])
	s12, c12 := math.Sincos(q[0] + q[1])
	L1, L2 := a.p.L1, a.p.L2
	return [4]float64{
		L1*c1 + L2*c12,
		L1*s1 + L2*s12,
		-(L1*s1+L2*s12)*qd[0] - L2*s12*qd[1],
		(L1*c1+L2*c12)*qd[0] + L2*c12*qd[1],
	}
}

// Muscles returns the full muscle state (forces and curve values) of s.
func (a *Arm) Muscles(dst *MuscleState, s *State) {
	for m := range NumMuscles {
		dst.Act[m], dst.Length[m], dst.Vel[m] = s.Act[m], s.Len[m], s.Vel[m]
		dst.FP[m], dst.FL[m], dst.FV[m], dst.Force[m] = a.force(m, s.Act[m], s.Len[m], s.Vel[m])
	}
}

// JointAcc is the skeleton ODE (spec §2.2): joint accelerations for angles q,
// velocities qd, generalised joint torques tau and an endpoint force load [N]
// applied through the Jacobian transpose.
func (a *Arm) JointAcc(q, qd, tau, load [2]float64) [2]float64 {
	var t trig
	t.set(q)
	var sk skel
	a.skeleton(&sk, &t, qd, tau, load)
	return sk.qdd
}

// trig caches the sines and cosines of a joint configuration.
type trig struct{ s1, c1, s2, c2, s12, c12 float64 }

func (t *trig) set(q [2]float64) {
	t.s1, t.c1 = math.Sincos(q[0])
	t.s2, t.c2 = math.Sincos(q[1])
	t.s12, t.c12 = math.Sincos(q[0] + q[1])
}

// skel holds the intermediate values of the skeleton ODE needed by the adjoint.
type skel struct {
	m11, m12, m22, det float64
	qdd                [2]float64
}

func (a *Arm) skeleton(sk *skel, t *trig, qd, tau, load [2]float64) {
	L1, L2, visc := a.p.L1, a.p.L2, a.p.Viscosity
	sk.m11 = a.c11 + 2*a.d*t.c2
	sk.m12 = a.c12 + a.d*t.c2
	sk.m22 = a.c22
	h1 := -a.d*t.s2*(2*qd[0]+qd[1])*qd[1] + visc*qd[0]
	h2 := a.d*t.s2*qd[0]*qd[0] + visc*qd[1]
	j11 := -L1*t.s1 - L2*t.s12
	j12 := -L2 * t.s12
	j21 := L1*t.c1 + L2*t.c12
	j22 := L2 * t.c12
	b1 := tau[0] + j11*load[0] + j21*load[1] - h1
	b2 := tau[1] + j12*load[0] + j22*load[1] - h2
	sk.det = sk.m11*sk.m22 - sk.m12*sk.m12
	sk.qdd[0] = (sk.m22*b1 - sk.m12*b2) / sk.det
	sk.qdd[1] = (-sk.m12*b1 + sk.m11*b2) / sk.det
}

// StepInfo receives the derivatives computed inside one step (from the state at
// its start), as the reference's trajectories record them.
type StepInfo struct {
	QDDot  [2]float64          // joint accelerations
	ActDot [NumMuscles]float64 // activation derivatives
}

// Step advances s by one step of DT with excitation u (NumMuscles raw commands,
// clamped to the activation range as MotorNet does) and endpoint force load (2
// values [N], world frame; nil means none), in MotorNet's order of operations
// (spec §5). If info is non-nil it receives the step's derivatives.
func (a *Arm) Step(s *State, u, load []float64, info *StepInfo) {
	var v stepVals
	v.t.set(s.Q)
	a.forward(&v, s, u, load)
	if info != nil {
		info.QDDot = v.sk.qdd
		info.ActDot = v.adot
	}
	*s = v.next
}

// stepVals holds one step's intermediate values; the adjoint recomputes them.
type stepVals struct {
	t          trig                // of the state at the start of the step (set by the caller)
	ub         [NumMuscles]float64 // clamped excitation
	load       [2]float64
	force      [NumMuscles]float64
	fl, fv     [NumMuscles]float64
	geo        Geometry
	sk         skel
	adot       [NumMuscles]float64
	aRaw       [NumMuscles]float64 // activation before its clamp
	qRaw, wRaw [2]float64          // positions and velocities before the limits
	wStopped   [2]bool             // velocity zeroed by a joint stop
	next       State
	gLoad      [2]float64 // d loss / d load, left by backward for a field's adjoint
}

// forward computes one step from s; v.t must hold the trig of s.Q.
func (a *Arm) forward(v *stepVals, s *State, u, load []float64) {
	p := &a.p
	_ = u[NumMuscles-1]
	lo, hi := p.MinActivation, p.ActivationHigh
	for m := range NumMuscles {
		v.ub[m] = clamp(u[m], lo, hi)
	}
	v.load = [2]float64{}
	if load != nil {
		v.load = [2]float64{load[0], load[1]}
	}
	// Muscle forces of the current muscle state (computed at the start of the step
	// from the previous geometry) and the current geometry's moment arms.
	for m := range NumMuscles {
		L := s.Len[m] / p.L0CE[m]
		v.fl[m] = a.k.fl(L)
		v.fv[m] = a.k.fv(s.Vel[m] / p.VMax)
		v.force[m] = p.MaxIsoForce[m] * (s.Act[m]*v.fl[m]*v.fv[m] + p.PassiveForces*a.k.fp(L))
	}
	a.Geometry(&v.geo, s.Q, s.QDot)
	var tau [2]float64
	for j := range 2 {
		t := 0.0
		for m := range NumMuscles {
			t -= v.force[m] * v.geo.R[j][m]
		}
		tau[j] = t - p.Damping*s.QDot[j]
	}
	a.skeleton(&v.sk, &v.t, s.QDot, tau, v.load)

	n := &v.next
	for m := range NumMuscles {
		v.adot[m] = a.ActivationRate(v.ub[m], s.Act[m])
		v.aRaw[m] = s.Act[m] + p.DT*v.adot[m]
		n.Act[m] = clamp(v.aRaw[m], lo, hi)
		// The new muscle state uses the geometry at the START of the step.
		n.Len[m] = max(v.geo.MTL[m]-p.L0SE[m], p.MinLength)
		n.Vel[m] = v.geo.MTV[m]
	}
	// Explicit Euler (positions move with the old velocity), velocity box, then
	// inelastic stops tested on the unclamped position, then the position clamp.
	for j := range 2 {
		v.wRaw[j] = s.QDot[j] + p.DT*v.sk.qdd[j]
		v.qRaw[j] = s.Q[j] + p.DT*s.QDot[j]
		w := clamp(v.wRaw[j], p.VelLower[j], p.VelUpper[j])
		v.wStopped[j] = (w < 0 && v.qRaw[j] <= p.PosLower[j]) || (w > 0 && v.qRaw[j] >= p.PosUpper[j])
		if v.wStopped[j] {
			w = 0
		}
		n.QDot[j] = w
		n.Q[j] = clamp(v.qRaw[j], p.PosLower[j], p.PosUpper[j])
	}
}

// Observe writes the RandomTarget observation of s into dst (ObsDim values):
// hand x, y; fibre lengths / L0CE; fibre velocities / VMax (spec §7; the delay
// buffers of length one add no lag).
func (a *Arm) Observe(dst []float64, s *State) {
	var t trig
	t.set(s.Q)
	a.observe(dst, s, &t)
}

func (a *Arm) observe(dst []float64, s *State, t *trig) {
	_ = dst[ObsDim-1]
	dst[0], dst[1] = a.handPos(t)
	for m := range NumMuscles {
		dst[2+m] = s.Len[m] / a.p.L0CE[m]
		dst[2+NumMuscles+m] = s.Vel[m] / a.p.VMax
	}
}

// handPos is the forward kinematics of the hand position.
func (a *Arm) handPos(t *trig) (x, y float64) {
	return a.p.L1*t.c1 + a.p.L2*t.c12, a.p.L1*t.s1 + a.p.L2*t.s12
}
