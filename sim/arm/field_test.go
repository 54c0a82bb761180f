package arm

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestNewField(t *testing.T) {
	f, err := NewField(FieldConstant, [2]float64{-3, 4})
	if err != nil || math.Abs(f.Dir[0]+0.6) > 1e-15 || math.Abs(f.Dir[1]-0.8) > 1e-15 {
		t.Fatalf("constant field %+v, %v: want the direction normalised to (-0.6, 0.8)", f, err)
	}
	for _, dir := range [][2]float64{{0, 0}, {math.NaN(), 1}, {math.Inf(1), 0}} {
		if _, err := NewField(FieldConstant, dir); err == nil {
			t.Errorf("direction %v accepted", dir)
		}
	}
	if _, err := NewField("spring", [2]float64{1, 0}); err == nil {
		t.Error("unknown field kind accepted")
	}
	if F := (Field{Kind: FieldCurl}).Force(2, [2]float64{1, 0}); F != [2]float64{0, -2} {
		t.Errorf("curl force on rightward motion %v, want (0, -2): clockwise", F)
	}
	if F := (Field{Kind: FieldNone}).Force(2, [2]float64{1, 3}); F != [2]float64{} {
		t.Errorf("no field exerts %v", F)
	}
}

// TestFieldStepAdjointFD checks StepInFieldBackward against finite
// differences of StepInField for constant and curl fields, over random states
// (joint limits included), excitations, bumps and levels.
func TestFieldStepAdjointFD(t *testing.T) {
	a := newArm(t)
	rng := rand.New(rand.NewPCG(7, 8))
	fields := []Field{{Kind: FieldConstant, Dir: [2]float64{-1, 0}}, {Kind: FieldConstant, Dir: [2]float64{0.6, -0.8}}, {Kind: FieldCurl}}
	worst, checked, skipped := 0.0, 0, 0
	for trial := 0; trial < 300; trial++ {
		f := fields[trial%len(fields)]
		level := []float64{1, -2.5, 15, 0.5}[trial/len(fields)%4]
		s, u, load := randomStepCase(a, rng, trial%3)
		if trial%5 == 0 {
			load = nil // the field alone
		}
		wNext := make([]float64, StateSize)
		wObs := make([]float64, ObsDim)
		wHand := make([]float64, 2)
		for _, w := range [][]float64{wNext, wObs, wHand} {
			for i := range w {
				w[i] = rng.NormFloat64()
			}
		}
		w := append(append(append([]float64(nil), wNext...), wObs...), wHand...)
		obs := make([]float64, ObsDim)
		eval := func(s State, u []float64) ([]float64, string) {
			var v stepVals
			v.t.set(s.Q)
			l := a.fieldLoad(&v.t, &s, load, f, level)
			a.forward(&v, &s, u, l[:])
			n := v.next
			a.Observe(obs, &n)
			return append(append(stateVec(&n), obs...), obs[0], obs[1]), a.branches(&v, &s, u)
		}
		out0, sig0 := eval(s, u)
		// The public step agrees with the evaluation above.
		n := s
		a.StepInField(&n, u, load, f, level, nil)
		if got := stateVec(&n); got[0] != out0[0] || got[3] != out0[3] {
			t.Fatalf("StepInField differs from the field load: %v vs %v", got[:4], out0[:4])
		}
		g := vecState(wNext)
		a.ObserveBackward(&g, &n, wObs, wHand)
		du := make([]float64, NumMuscles)
		a.StepInFieldBackward(&g, &s, u, load, f, level, du)
		grad := append(stateVec(&g), du...)
		x0 := append(stateVec(&s), u...)
		floor := 1e-4 * (1 + maxAbs(grad))
		for i := range x0 {
			same := true
			fd := fdDot(func(d float64) []float64 {
				x := append([]float64(nil), x0...)
				x[i] += d
				out, sig := eval(vecState(x[:StateSize]), x[StateSize:])
				if sig != sig0 {
					same = false
				}
				return out
			}, out0, w, stepH*max(1, math.Abs(x0[i])))
			if !same {
				skipped++
				continue
			}
			checked++
			e := relErr(grad[i], fd, floor)
			worst = max(worst, e)
			if e > 1e-6 {
				t.Errorf("case %d (%s, level %v) input %d: adjoint %.12g, finite difference %.12g (rel err %.2g)", trial, f.Kind, level, i, grad[i], fd, e)
			}
		}
	}
	t.Logf("one step under a field: %d derivatives checked, %d skipped at a branch change, worst relative error %.2g", checked, skipped, worst)
	if skipped > checked/20 {
		t.Errorf("%d of %d derivatives skipped", skipped, checked+skipped)
	}
}

// TestRolloutFieldAdjointFD checks the rollout's backward pass over 30 steps
// under a constant and a curl field, per-trial levels, with bumps: d (a random
// functional of every observation and hand position) / d excitation and
// / d initial joint velocity.
func TestRolloutFieldAdjointFD(t *testing.T) {
	a := newArm(t)
	const T, B = 30, 3
	c := multiStepCases(T)
	for _, f := range []Field{{Kind: FieldConstant, Dir: [2]float64{-1, 0}}, {Kind: FieldCurl}} {
		levels := []float64{1, -4, 12}
		if f.Kind == FieldConstant {
			levels = []float64{1, 0, 8}
		}
		rng := rand.New(rand.NewPCG(3, 4))
		var w []float64
		for range T * B * (ObsDim + 2) {
			w = append(w, rng.NormFloat64())
		}
		r := NewRollout(a)
		obs := make([]float64, B*ObsDim)
		ctl := make([]float64, B*2)
		run := func(u [][]float64, ics []float64) ([]float64, string) {
			if err := r.Begin(ics, B, T); err != nil {
				t.Fatal(err)
			}
			r.SetField(f, levels)
			out := make([]float64, 0, len(w))
			sig := ""
			var v stepVals
			for k := range T {
				for b := range B {
					s := r.cur[b]
					ub := u[k][b*NumMuscles : (b+1)*NumMuscles]
					v.t.set(s.Q)
					l := a.fieldLoad(&v.t, &s, c.load[k][b*2:b*2+2], f, levels[b])
					a.forward(&v, &s, ub, l[:])
					sig += a.branches(&v, &s, ub)
				}
				r.Step(u[k], c.load[k], ctl)
				r.Obs(obs)
				out = append(append(out, obs...), ctl...)
			}
			return out, sig
		}
		out0, sig0 := run(c.u, c.ics)
		// The field acted: the tape's load differs from the bump.
		if l := r.Load(20, 2); l == ([2]float64{c.load[20][4], c.load[20][5]}) {
			t.Fatalf("%s: no field force in the tape at step 20: %v", f.Kind, l)
		}
		grad := make([][]float64, T)
		per := B * (ObsDim + 2)
		for k := T - 1; k >= 0; k-- {
			wk := w[k*per : (k+1)*per]
			grad[k] = make([]float64, B*NumMuscles)
			r.Backward(k, wk[:B*ObsDim], wk[B*ObsDim:], grad[k])
		}
		var dqd [B][2]float64
		for b := range B {
			dqd[b] = r.StateAdjoint(b).QDot
		}
		scale := 0.0
		for k := range T {
			scale = max(scale, maxAbs(grad[k]))
		}
		// The difference quotient's rounding noise is ~1e-10 absolute: entries far
		// below the largest are compared against a floor of 1e-5 of it.
		worst, checked, skipped := 0.0, 0, 0
		check := func(name string, g float64, perturb func(d float64) ([][]float64, []float64), floor float64) {
			same := true
			fd := fdDot(func(d float64) []float64 {
				u, ics := perturb(d)
				out, sig := run(u, ics)
				if sig != sig0 {
					same = false
				}
				return out
			}, out0, w, fdStep)
			if !same {
				skipped++
				return
			}
			checked++
			e := relErr(g, fd, floor)
			worst = max(worst, e)
			if e > 1e-6 {
				t.Errorf("%s field, %s: adjoint %.12g, finite difference %.12g (rel err %.2g)", f.Kind, name, g, fd, e)
			}
		}
		for k := 0; k < T; k += 4 {
			for i := range B * NumMuscles {
				check("step "+itoa(k)+" action "+itoa(i), grad[k][i], func(d float64) ([][]float64, []float64) {
					u := append([][]float64(nil), c.u...)
					u[k] = append([]float64(nil), c.u[k]...)
					u[k][i] += d
					return u, c.ics
				}, 1e-5*scale)
			}
		}
		// The initial joint velocities: the curl force depends on them directly.
		for b := range B {
			for j := range 2 {
				check("trial "+itoa(b)+" initial velocity "+itoa(j), dqd[b][j], func(d float64) ([][]float64, []float64) {
					ics := append([]float64(nil), c.ics...)
					ics[b*ICDim+2+j] += d
					return c.u, ics
				}, 1e-5*scale)
			}
		}
		t.Logf("%s field, %d steps × %d trials: %d derivatives checked, %d skipped at a branch change, worst relative error %.2g (largest |adjoint| %.3g)",
			f.Kind, T, B, checked, skipped, worst, scale)
		if skipped > checked/10 {
			t.Errorf("%d of %d derivatives skipped", skipped, checked+skipped)
		}
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// centrePosture is the middle of the joint limits (centre-out's start).
func centrePosture(a *Arm) [2]float64 {
	p := a.Params()
	return [2]float64{(p.PosLower[0] + p.PosUpper[0]) / 2, (p.PosLower[1] + p.PosUpper[1]) / 2}
}

// A passive arm (zero excitation) under a constant field drifts in the
// field's direction: its hand moves, relative to the same arm without the
// field, along the field's direction, for fields pointing every way.
func TestPassiveArmDriftsWithConstantField(t *testing.T) {
	a := newArm(t)
	q0 := centrePosture(a)
	u := make([]float64, NumMuscles)
	run := func(f Field, level float64, steps int) [2]float64 {
		var s State
		if err := a.Reset(&s, q0, [2]float64{}); err != nil {
			t.Fatal(err)
		}
		for range steps {
			a.StepInField(&s, u, nil, f, level, nil)
		}
		h := a.Hand(s.Q, s.QDot)
		return [2]float64{h[0], h[1]}
	}
	null := run(Field{Kind: FieldNone}, 0, 10)
	for k := range 8 {
		th := float64(k) * math.Pi / 4
		f, err := NewField(FieldConstant, [2]float64{math.Cos(th), math.Sin(th)})
		if err != nil {
			t.Fatal(err)
		}
		h := run(f, 1, 10)
		dx, dy := h[0]-null[0], h[1]-null[1]
		along := dx*f.Dir[0] + dy*f.Dir[1]
		cos := along / math.Hypot(dx, dy)
		if !(along > 1e-4) || !(cos > 0.5) {
			t.Errorf("field towards %.0f°: drift (%.3g, %.3g) m after 10 steps, %.3g m along the field (cos %.2f)", th*180/math.Pi, dx, dy, along, cos)
		}
		if k == 4 {
			t.Logf("1 N leftward: after 0.1 s the passive hand is %.2f mm further left than without the field (drift direction cos %.3f to the field)", -1000*dx, cos)
		}
	}
	// Twice the level, twice the early drift (to first order: the arm is not
	// linear, so the ratio is 2 up to the displacement's own size).
	f := Field{Kind: FieldConstant, Dir: [2]float64{-1, 0}}
	d1, d2 := run(f, 1, 3), run(f, 2, 3)
	null3 := run(Field{Kind: FieldNone}, 0, 3)
	if r := (d2[0] - null3[0]) / (d1[0] - null3[0]); math.Abs(r-2) > 1e-3 {
		t.Errorf("drift ratio for levels 2 and 1: %v", r)
	}
}

// Under a curl field the force is perpendicular to the hand's velocity, so the
// field does no work. At the first step of a passive arm moving with some
// velocity v, the hand acceleration the field adds, Δa = J·Δq̈ = Λ⁻¹·F with
// Λ = (J M⁻¹ Jᵀ)⁻¹ the arm's inertia at the hand, is therefore perpendicular to
// v in the arm's own kinetic-energy metric (vᵀ·Λ·Δa = v·F = 0) and turns the
// hand clockwise for a positive level. It is not perpendicular in the plain
// Euclidean sense: the arm's mobility is not isotropic (Λ is not a multiple of
// the identity), which tilts Δa by up to ~40° here; a point mass (Λ = m·I) would
// show exactly 90°.
func TestCurlFieldAccelerationPerpendicular(t *testing.T) {
	a := newArm(t)
	rng := rand.New(rand.NewPCG(11, 12))
	f := Field{Kind: FieldCurl}
	worstCos := 0.0
	for trial := range 50 {
		p := a.Params()
		q := [2]float64{p.PosLower[0] + (0.2+0.6*rng.Float64())*(p.PosUpper[0]-p.PosLower[0]),
			p.PosLower[1] + (0.2+0.6*rng.Float64())*(p.PosUpper[1]-p.PosLower[1])}
		qd := [2]float64{2 * (rng.Float64() - 0.5), 2 * (rng.Float64() - 0.5)}
		level := 5 + 10*rng.Float64()
		var s State
		if err := a.Reset(&s, q, qd); err != nil {
			t.Fatal(err)
		}
		var tr trig
		tr.set(q)
		v := a.handVel(&tr, qd)
		F := f.Force(level, v)
		if dot := F[0]*v[0] + F[1]*v[1]; math.Abs(dot) > 1e-12*math.Hypot(F[0], F[1])*math.Hypot(v[0], v[1]) {
			t.Fatalf("curl force %v not perpendicular to velocity %v", F, v)
		}
		// The step's joint accelerations with and without the field.
		var withF, without StepInfo
		s1, s2 := s, s
		u := make([]float64, NumMuscles)
		a.StepInField(&s1, u, nil, f, level, &withF)
		a.Step(&s2, u, nil, &without)
		dqdd := [2]float64{withF.QDDot[0] - without.QDDot[0], withF.QDDot[1] - without.QDDot[1]}
		// Hand acceleration added by the field: J·Δq̈ (the J̇q̇ term is the same in both).
		j11, j12 := -p.L1*tr.s1-p.L2*tr.s12, -p.L2*tr.s12
		j21, j22 := p.L1*tr.c1+p.L2*tr.c12, p.L2*tr.c12
		da := [2]float64{j11*dqdd[0] + j12*dqdd[1], j21*dqdd[0] + j22*dqdd[1]}
		// Power of the field on the joints: q̇ᵀ·M·Δq̈ = q̇ᵀ·Jᵀ·F = v·F = 0.
		c2 := math.Cos(q[1])
		m11, m12, m22 := a.c11+2*a.d*c2, a.c12+a.d*c2, a.c22
		power := qd[0]*(m11*dqdd[0]+m12*dqdd[1]) + qd[1]*(m12*dqdd[0]+m22*dqdd[1])
		scale := math.Hypot(F[0], F[1]) * math.Hypot(v[0], v[1])
		if math.Abs(power) > 1e-10*scale {
			t.Errorf("case %d: the curl field does work %.3g W (force %v, velocity %v)", trial, power, F, v)
		}
		cos := (da[0]*v[0] + da[1]*v[1]) / (math.Hypot(da[0], da[1]) * math.Hypot(v[0], v[1]))
		cross := v[0]*da[1] - v[1]*da[0] // < 0: turning clockwise
		if !(cross < 0) {
			t.Errorf("case %d: field acceleration %v against velocity %v turns the hand anticlockwise", trial, da, v)
		}
		worstCos = max(worstCos, math.Abs(cos))
		if trial == 0 {
			t.Logf("curl %.1f N·s/m, hand speed %.2f m/s: field force %.3g N ⊥ v, added hand acceleration %.3g m/s² at %.1f° to v, field power %.1g W",
				level, math.Hypot(v[0], v[1]), math.Hypot(F[0], F[1]), math.Hypot(da[0], da[1]), math.Acos(cos)*180/math.Pi, power)
		}
	}
	t.Logf("50 postures and velocities: the added acceleration is within %.1f° of perpendicular to v (Euclidean)", math.Asin(worstCos)*180/math.Pi)
	if worstCos > math.Sin(45*math.Pi/180) {
		t.Errorf("the added acceleration is %.1f° off perpendicular", math.Asin(worstCos)*180/math.Pi)
	}
}
