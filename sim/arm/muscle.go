package arm

// MuJoCo's muscle curves as MotorNet's MujocoHillMuscle evaluates them (spec §4).
// Each returns the value and its derivative with respect to the argument; the
// derivative is that of the branch the value came from (the curves are C¹ except
// at L = lo and L = hi of the bump and V = −1, where any one-sided value is fine).

// bump is MuJoCo's quadratic-spline bump through (lo, 0), (mid, 1), (hi, 0). The
// comparisons are those of the spec, in that order.
func bump(L, lo, mid, hi float64) (y, dy float64) {
	left := 0.5 * (lo + mid)
	right := 0.5 * (mid + hi)
	switch {
	case L <= lo || L >= hi:
		return 0, 0
	case L < left:
		w := left - lo
		x := (L - lo) / w
		return 0.5 * x * x, x / w
	case L < mid:
		w := mid - left
		x := (mid - L) / w
		return 1 - 0.5*x*x, x / w
	case L < right:
		w := right - mid
		x := (L - mid) / w
		return 1 - 0.5*x*x, -x / w
	default:
		w := hi - right
		x := (hi - L) / w
		return 0.5 * x * x, -x / w
	}
}

// curves holds the constants derived from Params that the curves need.
type curves struct {
	lmin, lmax, mid, b, c, p1, p2, fvmax float64
}

func newCurves(p *Params) curves {
	b := 0.5 * (1 + p.LMax)
	return curves{
		lmin: p.LMin, lmax: p.LMax,
		mid:   0.5 * (p.LMin + 0.95),
		b:     b,
		c:     p.FVMax - 1,
		p1:    b - 1,
		p2:    0.25 * p.FPMax,
		fvmax: p.FVMax,
	}
}

// fl is the active force-length curve FL(L) of spec §4.3.
func (k *curves) fl(L float64) (y, dy float64) {
	y1, d1 := bump(L, k.lmin, 1, k.lmax)
	y2, d2 := bump(L, k.lmin, k.mid, 0.95)
	return y1 + 0.15*y2, d1 + 0.15*d2
}

// fp is the passive force-length curve FP(L) of spec §4.4 (without F_max).
func (k *curves) fp(L float64) (y, dy float64) {
	switch {
	case L <= 1:
		return 0, 0
	case L <= k.b:
		x := (L - 1) / k.p1
		return k.p2 * x * x * x, 3 * k.p2 * x * x / k.p1
	default:
		x := (L - k.b) / k.p1
		return k.p2 * (1 + 3*x), 3 * k.p2 / k.p1
	}
}

// fv is the force-velocity curve FV(V) of spec §4.5, V = velocity / vmax.
func (k *curves) fv(V float64) (y, dy float64) {
	switch {
	case V <= -1:
		return 0, 0
	case V <= 0:
		return (V + 1) * (V + 1), 2 * (V + 1)
	case V <= k.c:
		return k.fvmax - (k.c-V)*(k.c-V)/k.c, 2 * (k.c - V) / k.c
	default:
		return k.fvmax, 0
	}
}

// FL returns MotorNet's active force-length value at normalised length L.
func (a *Arm) FL(L float64) float64 { y, _ := a.k.fl(L); return y }

// FP returns the passive force-length value (before F_max) at normalised length L.
func (a *Arm) FP(L float64) float64 { y, _ := a.k.fp(L); return y }

// FV returns the force-velocity value at normalised velocity V = velocity / vmax.
func (a *Arm) FV(V float64) float64 { y, _ := a.k.fv(V); return y }

// ActivationRate returns MotorNet's activation derivative ȧ for excitation u and
// activation act (both clamped to the activation range first, spec §4.7).
func (a *Arm) ActivationRate(u, act float64) float64 {
	d, _, _ := a.actRate(u, act)
	return d
}

// actRate returns ȧ(u, act) and its partial derivatives, for u and act already
// inside the activation range (the inner clamps of the ODE then do nothing).
func (a *Arm) actRate(u, act float64) (adot, dU, dA float64) {
	u = clamp(u, a.p.MinActivation, a.p.ActivationHigh)
	act = clamp(act, a.p.MinActivation, a.p.ActivationHigh)
	k := 0.5 + 1.5*act
	var tau, dTau float64
	if u > act {
		tau, dTau = a.p.TauActivation*k, a.p.TauActivation*1.5
	} else {
		tau, dTau = a.p.TauDeactivate/k, -a.p.TauDeactivate*1.5/(k*k)
	}
	adot = (u - act) / tau
	return adot, 1 / tau, -1/tau - adot*dTau/tau
}

// MuscleState is MotorNet's 7-row muscle state of one trial.
type MuscleState struct {
	Act    [NumMuscles]float64 // activation
	Length [NumMuscles]float64 // fibre length [m] (after the 1 mm floor)
	Vel    [NumMuscles]float64 // fibre velocity [m/s] (= musculotendon velocity)
	FP     [NumMuscles]float64 // passive force-length value
	FL     [NumMuscles]float64 // active force-length value
	FV     [NumMuscles]float64 // force-velocity value
	Force  [NumMuscles]float64 // tension [N]
}

// Muscle evaluates the muscle model for activation act (clamped to the
// activation range), musculotendon lengths mtl [m] and velocities mtv [m/s],
// as MotorNet's MujocoHillMuscle integrate does.
func (a *Arm) Muscle(dst *MuscleState, act, mtl, mtv *[NumMuscles]float64) {
	for m := range NumMuscles {
		dst.Act[m] = clamp(act[m], a.p.MinActivation, a.p.ActivationHigh)
		dst.Length[m] = max(mtl[m]-a.p.L0SE[m], a.p.MinLength)
		dst.Vel[m] = mtv[m]
		dst.FP[m], dst.FL[m], dst.FV[m], dst.Force[m] = a.force(m, dst.Act[m], dst.Length[m], dst.Vel[m])
	}
}

// force returns FP, FL, FV and the tension of muscle m at activation act, fibre
// length [m] and velocity [m/s].
func (a *Arm) force(m int, act, length, vel float64) (fp, fl, fv, f float64) {
	L := length / a.p.L0CE[m]
	fl, _ = a.k.fl(L)
	fp, _ = a.k.fp(L)
	fv, _ = a.k.fv(vel / a.p.VMax)
	return fp, fl, fv, a.p.MaxIsoForce[m] * (act*fl*fv + a.p.PassiveForces*fp)
}

func clamp(x, lo, hi float64) float64 {
	return min(max(x, lo), hi)
}

// inside reports whether lo ≤ x ≤ hi, where torch's clamp passes the gradient.
func inside(x, lo, hi float64) bool { return x >= lo && x <= hi }
