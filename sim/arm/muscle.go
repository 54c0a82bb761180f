package arm

// MuJoCo's muscle curves as MotorNet's MujocoHillMuscle evaluates them (spec §4).
// Each curve has a value function, written with the reference's operations so
// that it rounds alike, and a derivative function for the adjoint: the derivative
// of the piece the value came from (the curves are C¹, so at the breakpoints
// either one-sided value is the derivative).

// bump is MuJoCo's quadratic-spline bump through (lo, 0), (mid, 1), (hi, 0). The
// comparisons are those of the spec, in that order.
func bump(L, lo, mid, hi float64) float64 {
	left := 0.5 * (lo + mid)
	right := 0.5 * (mid + hi)
	switch {
	case L <= lo || L >= hi:
		return 0
	case L < left:
		x := (L - lo) / (left - lo)
		return 0.5 * x * x
	case L < mid:
		x := (mid - L) / (mid - left)
		return 1 - 0.5*x*x
	case L < right:
		x := (L - mid) / (right - mid)
		return 1 - 0.5*x*x
	default:
		x := (hi - L) / (hi - right)
		return 0.5 * x * x
	}
}

// bumpGrad is d bump / d L on the same pieces.
func bumpGrad(L, lo, mid, hi float64) float64 {
	left := 0.5 * (lo + mid)
	right := 0.5 * (mid + hi)
	switch {
	case L <= lo || L >= hi:
		return 0
	case L < left:
		w := left - lo
		return (L - lo) / (w * w)
	case L < mid:
		w := mid - left
		return (mid - L) / (w * w)
	case L < right:
		w := right - mid
		return -(L - mid) / (w * w)
	default:
		w := hi - right
		return -(hi - L) / (w * w)
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
func (k *curves) fl(L float64) float64 {
	return bump(L, k.lmin, 1, k.lmax) + 0.15*bump(L, k.lmin, k.mid, 0.95)
}

func (k *curves) dfl(L float64) float64 {
	return bumpGrad(L, k.lmin, 1, k.lmax) + 0.15*bumpGrad(L, k.lmin, k.mid, 0.95)
}

// fp is the passive force-length curve FP(L) of spec §4.4 (without F_max).
func (k *curves) fp(L float64) float64 {
	switch {
	case L <= 1:
		return 0
	case L <= k.b:
		x := (L - 1) / k.p1
		return k.p2 * x * x * x
	default:
		x := (L - k.b) / k.p1
		return k.p2 * (1 + 3*x)
	}
}

func (k *curves) dfp(L float64) float64 {
	switch {
	case L <= 1:
		return 0
	case L <= k.b:
		x := (L - 1) / k.p1
		return 3 * k.p2 * x * x / k.p1
	default:
		return 3 * k.p2 / k.p1
	}
}

// fv is the force-velocity curve FV(V) of spec §4.5, V = velocity / vmax.
func (k *curves) fv(V float64) float64 {
	switch {
	case V <= -1:
		return 0
	case V <= 0:
		return (V + 1) * (V + 1)
	case V <= k.c:
		return k.fvmax - (k.c-V)*(k.c-V)/k.c
	default:
		return k.fvmax
	}
}

func (k *curves) dfv(V float64) float64 {
	switch {
	case V <= -1:
		return 0
	case V <= 0:
		return 2 * (V + 1)
	case V <= k.c:
		return 2 * (k.c - V) / k.c
	default:
		return 0
	}
}

// FL returns MotorNet's active force-length value at normalised length L.
func (a *Arm) FL(L float64) float64 { return a.k.fl(L) }

// FP returns the passive force-length value (before F_max) at normalised length L.
func (a *Arm) FP(L float64) float64 { return a.k.fp(L) }

// FV returns the force-velocity value at normalised velocity V = velocity / vmax.
func (a *Arm) FV(V float64) float64 { return a.k.fv(V) }

// ActivationRate returns MotorNet's activation derivative ȧ for excitation u and
// activation act (both clamped to the activation range first, spec §4.7).
func (a *Arm) ActivationRate(u, act float64) float64 {
	u = clamp(u, a.p.MinActivation, a.p.ActivationHigh)
	act = clamp(act, a.p.MinActivation, a.p.ActivationHigh)
	k := 0.5 + 1.5*act
	var tau float64
	if u > act {
		tau = a.p.TauActivation * k
	} else {
		tau = a.p.TauDeactivate / k
	}
	return (u - act) / tau
}

// actRateGrad returns the partial derivatives of ȧ(u, act) for u and act inside
// the activation range (where the ODE's own clamps do nothing).
func (a *Arm) actRateGrad(u, act float64) (dU, dA float64) {
	k := 0.5 + 1.5*act
	if u > act {
		// τ = τ_a·k: ȧ = (u − a)/(τ_a k).
		inv := 1 / (a.p.TauActivation * k)
		return inv, -inv - (u-act)*inv*1.5/k
	}
	// τ = τ_d/k: ȧ = (u − a)·k/τ_d.
	inv := k / a.p.TauDeactivate
	return inv, -inv + (u-act)*1.5/a.p.TauDeactivate
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
	fl = a.k.fl(L)
	fp = a.k.fp(L)
	fv = a.k.fv(vel / a.p.VMax)
	return fp, fl, fv, a.p.MaxIsoForce[m] * (act*fl*fv + a.p.PassiveForces*fp)
}

// clamp limits x to [lo, hi]; NaN passes through, as in torch.clamp (and this
// compiles to plain compares, unlike the NaN- and signed-zero-aware min/max).
func clamp(x, lo, hi float64) float64 {
	if x < lo {
		return lo
	}
	if x > hi {
		return hi
	}
	return x
}

// inside reports whether lo ≤ x ≤ hi, where torch's clamp passes the gradient.
func inside(x, lo, hi float64) bool { return x >= lo && x <= hi }
