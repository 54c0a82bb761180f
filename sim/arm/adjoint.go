package arm

// The adjoint (reverse-mode derivative) of Step and Observe. An adjoint State g
// holds d loss / d (each field of a State). Derivatives follow torch's conventions
// for the reference's non-smooth operations: a clamp passes the gradient when its
// input lies inside the closed range and blocks it outside; a velocity zeroed by a
// joint stop has zero gradient; branch choices (curve pieces, activation versus
// deactivation time constant, stop tests) are not differentiated.

// StepBackward back-propagates through one Step. s is the state at the START of
// the step and u, load are the step's inputs (as given to Step). On entry g holds
// the adjoint of the state after the step; on return it holds the adjoint of s.
// du (NumMuscles values) receives d loss / d u (overwritten).
func (a *Arm) StepBackward(g *State, s *State, u, load []float64, du []float64) {
	var v stepVals
	v.t.set(s.Q)
	a.forward(&v, s, u, load)
	a.backward(g, &v, s, u, du)
}

func (a *Arm) backward(g *State, v *stepVals, s *State, u, du []float64) {
	p := &a.p
	_ = du[NumMuscles-1]
	_ = u[NumMuscles-1]
	gn := *g // adjoint of the next state
	*g = State{}

	// Joint integration.
	var gqdd [2]float64
	for j := range 2 {
		if inside(v.qRaw[j], p.PosLower[j], p.PosUpper[j]) {
			g.Q[j] += gn.Q[j]
			g.QDot[j] += p.DT * gn.Q[j]
		}
		if !v.wStopped[j] && inside(v.wRaw[j], p.VelLower[j], p.VelUpper[j]) {
			g.QDot[j] += gn.QDot[j]
			gqdd[j] = p.DT * gn.QDot[j]
		}
	}

	// New muscle state (old geometry) and activation update.
	var gmtl, gmtv [NumMuscles]float64
	for m := range NumMuscles {
		if v.geo.MTL[m]-p.L0SE[m] >= p.MinLength {
			gmtl[m] = gn.Len[m]
		}
		gmtv[m] = gn.Vel[m]
		gaRaw := 0.0
		if inside(v.aRaw[m], p.MinActivation, p.ActivationHigh) {
			gaRaw = gn.Act[m]
		}
		gadot := p.DT * gaRaw
		dadU, dadA := a.actRateGrad(v.ub[m], s.Act[m])
		g.Act[m] += gaRaw + gadot*dadA
		du[m] = 0
		if inside(u[m], p.MinActivation, p.ActivationHigh) {
			du[m] = gadot * dadU
		}
	}

	// Skeleton ODE: qdd = M(q2)⁻¹ (tau + Jᵀ(q) load − h(q2, w)).
	sk, t, w := &v.sk, &v.t, s.QDot
	gb1 := (sk.m22*gqdd[0] - sk.m12*gqdd[1]) / sk.det
	gb2 := (-sk.m12*gqdd[0] + sk.m11*gqdd[1]) / sk.det
	D, L1, L2, visc := a.d, p.L1, p.L2, p.Viscosity
	// M depends on q2: dM11 = −2D s2, dM12 = dM21 = −D s2; gM = −gb qddᵀ.
	g.Q[1] += D * t.s2 * (2*gb1*sk.qdd[0] + gb1*sk.qdd[1] + gb2*sk.qdd[0])
	// −h.
	g.Q[1] += gb1*D*t.c2*(2*w[0]+w[1])*w[1] - gb2*D*t.c2*w[0]*w[0]
	g.QDot[0] += gb1*(2*D*t.s2*w[1]-visc) - gb2*(2*D*t.s2*w[0])
	g.QDot[1] += gb1*(D*t.s2*(2*w[0]+2*w[1])) - gb2*visc
	// Jᵀ load: d loss / d load (for a force field's adjoint), then the
	// dependence of J on q.
	v.gLoad[0] = gb1*(-L1*t.s1-L2*t.s12) + gb2*(-L2*t.s12)
	v.gLoad[1] = gb1*(L1*t.c1+L2*t.c12) + gb2*(L2*t.c12)
	fx, fy := v.load[0], v.load[1]
	if fx != 0 || fy != 0 {
		g.Q[0] += gb1*((-L1*t.c1-L2*t.c12)*fx+(-L1*t.s1-L2*t.s12)*fy) + gb2*(-L2*t.c12*fx-L2*t.s12*fy)
		g.Q[1] += (gb1 + gb2) * (-L2*t.c12*fx - L2*t.s12*fy)
	}
	// Muscle torque tau_j = −Σ_m F_m R_jm − damping·w_j, and the geometry.
	g.QDot[0] -= p.Damping * gb1
	g.QDot[1] -= p.Damping * gb2
	gb := [2]float64{gb1, gb2}
	var gth [2]float64
	for m := range NumMuscles {
		gF := -(gb[0]*v.geo.R[0][m] + gb[1]*v.geo.R[1][m])
		for j := range 2 {
			gR := -gb[j]*v.force[m] + gmtv[m]*w[j]
			gth[j] += 2*p.A2[j][m]*gR + gmtl[m]*v.geo.R[j][m]
			g.QDot[j] += gmtv[m] * v.geo.R[j][m]
		}
		// Force of the muscle state at the start of the step.
		fm := p.MaxIsoForce[m] * gF
		L := s.Len[m] / p.L0CE[m]
		g.Act[m] += fm * v.fl[m] * v.fv[m]
		g.Len[m] += fm * (s.Act[m]*a.k.dfl(L)*v.fv[m] + p.PassiveForces*a.k.dfp(L)) / p.L0CE[m]
		g.Vel[m] += fm * s.Act[m] * v.fl[m] * a.k.dfv(s.Vel[m]/p.VMax) / p.VMax
	}
	g.Q[0] += gth[0]
	g.Q[1] += gth[1]
}

// ObserveBackward adds to g the adjoint of Observe at state s and of the hand
// position: dObs (ObsDim values) is d loss / d observation and dHand (2 values)
// d loss / d hand position; either may be nil.
func (a *Arm) ObserveBackward(g *State, s *State, dObs, dHand []float64) {
	var t trig
	t.set(s.Q)
	a.observeBackward(g, s, &t, dObs, dHand)
}

func (a *Arm) observeBackward(g *State, s *State, t *trig, dObs, dHand []float64) {
	var gx, gy float64
	if dObs != nil {
		_ = dObs[ObsDim-1]
		gx, gy = dObs[0], dObs[1]
		for m := range NumMuscles {
			g.Len[m] += dObs[2+m] / a.p.L0CE[m]
			g.Vel[m] += dObs[2+NumMuscles+m] / a.p.VMax
		}
	}
	if dHand != nil {
		gx += dHand[0]
		gy += dHand[1]
	}
	if gx == 0 && gy == 0 {
		return
	}
	L1, L2 := a.p.L1, a.p.L2
	g.Q[0] += gx*(-L1*t.s1-L2*t.s12) + gy*(L1*t.c1+L2*t.c12)
	g.Q[1] += gx*(-L2*t.s12) + gy*(L2*t.c12)
}
