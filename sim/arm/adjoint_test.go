package arm

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// stateVec flattens a State in the order of putState.
func stateVec(s *State) []float64 {
	v := make([]float64, StateSize)
	putState(v, s)
	return v
}

func vecState(v []float64) State {
	var s State
	getState(&s, v)
	return s
}

// branches records every discrete decision of a step (curve pieces, clamps,
// stops, activation versus deactivation). Finite differences are only valid
// when the perturbed evaluations take the same branches.
func (a *Arm) branches(v *stepVals, s *State, u []float64) string {
	p := &a.p
	piece := func(x float64, cuts ...float64) int {
		for i, c := range cuts {
			if x <= c {
				return i
			}
		}
		return len(cuts)
	}
	lo, hi := p.MinActivation, p.ActivationHigh
	b := make([]byte, 0, 64)
	for m := range NumMuscles {
		L := s.Len[m] / p.L0CE[m]
		k := &a.k
		b = append(b,
			byte(piece(L, k.lmin, 0.5*(k.lmin+1), 1, 0.5*(1+k.lmax), k.lmax)),
			byte(piece(L, k.lmin, 0.5*(k.lmin+k.mid), k.mid, 0.5*(k.mid+0.95), 0.95)),
			byte(piece(L, 1, k.b)),
			byte(piece(s.Vel[m]/p.VMax, -1, 0, k.c)),
			byte(piece(u[m], lo, hi)),
			byte(piece(s.Act[m], lo, hi)),
			byte(piece(v.aRaw[m], lo, hi)),
			byte(piece(v.geo.MTL[m]-p.L0SE[m], p.MinLength)))
		if v.ub[m] > s.Act[m] {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
	}
	for j := range 2 {
		b = append(b, byte(piece(v.qRaw[j], p.PosLower[j], p.PosUpper[j])),
			byte(piece(v.wRaw[j], p.VelLower[j], p.VelUpper[j])))
		if v.wStopped[j] {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
	}
	return string(b)
}

// fdDot is the fourth-order central difference of w·f(d) at d = 0, summing the
// weighted differences f(d) − f(0) element by element (out0 = f(0)) so that the
// rounding noise of a large sum does not swamp small derivatives.
func fdDot(f func(d float64) []float64, out0, w []float64, h float64) float64 {
	D := func(d float64) float64 {
		s := 0.0
		for i, v := range f(d) {
			s += w[i] * (v - out0[i])
		}
		return s
	}
	return (-D(2*h) + 8*D(h) - 8*D(-h) + D(-2*h)) / (12 * h)
}

// relErr compares a gradient with its finite-difference estimate, relative to
// the larger of the two and a floor for entries that are (nearly) zero.
func relErr(g, fd, floor float64) float64 {
	return math.Abs(g-fd) / max(math.Abs(g), math.Abs(fd), floor)
}

// randomStepCase draws a state and inputs covering every curve piece and clamp.
func randomStepCase(a *Arm, rng *rand.Rand, kind int) (State, []float64, []float64) {
	p := &a.p
	var s State
	for j := range 2 {
		s.Q[j] = p.PosLower[j] + (0.1+0.8*rng.Float64())*(p.PosUpper[j]-p.PosLower[j])
		s.QDot[j] = 6 * (rng.Float64() - 0.5)
	}
	for m := range NumMuscles {
		s.Act[m] = rng.Float64()
		s.Len[m] = p.L0CE[m] * (0.45 + 1.3*rng.Float64()) // normalised 0.45..1.75
		s.Vel[m] = p.VMax * (-1.3 + 1.8*rng.Float64())    // normalised -1.3..0.5
	}
	u := make([]float64, NumMuscles)
	for m := range u {
		u[m] = -0.2 + 1.4*rng.Float64()
	}
	load := []float64{10 * (rng.Float64() - 0.5), 10 * (rng.Float64() - 0.5)}
	switch kind {
	case 1: // a joint about to cross a limit (the stop and the position clamp act)
		j := rng.IntN(2)
		if rng.IntN(2) == 0 {
			s.Q[j] = p.PosLower[j] + 0.01*rng.Float64()
			s.QDot[j] = -3 - 5*rng.Float64()
		} else {
			s.Q[j] = p.PosUpper[j] - 0.01*rng.Float64()
			s.QDot[j] = 3 + 5*rng.Float64()
		}
	case 2: // a joint resting on its limit, pushed back out of it or into it
		j := rng.IntN(2)
		s.Q[j] = []float64{p.PosLower[j], p.PosUpper[j]}[rng.IntN(2)]
		s.QDot[j] = 0
	}
	return s, u, load
}

var stepH = 1e-4

func TestStepAdjointFD(t *testing.T) {
	a := newArm(t)
	rng := rand.New(rand.NewPCG(1, 2))
	h := stepH
	worst := 0.0
	checked, skipped := 0, 0
	regimes := map[string]int{}
	for trial := 0; trial < 400; trial++ {
		kind := trial % 3
		s, u, load := randomStepCase(a, rng, kind)
		// A random linear functional of the next state, its observation and hand.
		wNext := make([]float64, StateSize)
		wObs := make([]float64, ObsDim)
		wHand := make([]float64, 2)
		for _, w := range [][]float64{wNext, wObs, wHand} {
			for i := range w {
				w[i] = rng.NormFloat64()
			}
		}
		obs := make([]float64, ObsDim)
		w := append(append(append([]float64(nil), wNext...), wObs...), wHand...)
		// eval returns the next state, its observation and hand position (the
		// values the functional weighs) and the branches the step took.
		eval := func(s State, u []float64) ([]float64, string) {
			var v stepVals
			v.t.set(s.Q)
			a.forward(&v, &s, u, load)
			n := v.next
			a.Observe(obs, &n)
			out := append(append(stateVec(&n), obs...), obs[0], obs[1])
			return out, a.branches(&v, &s, u)
		}
		out0, sig0 := eval(s, u)
		// Adjoint.
		var v stepVals
		v.t.set(s.Q)
		a.forward(&v, &s, u, load)
		n := v.next
		g := vecState(wNext)
		a.ObserveBackward(&g, &n, wObs, wHand)
		du := make([]float64, NumMuscles)
		a.StepBackward(&g, &s, u, load, du)
		grad := append(stateVec(&g), du...)
		// Regimes exercised by this case.
		for j := range 2 {
			if v.wStopped[j] {
				regimes["joint stop"]++
			}
			if !inside(v.qRaw[j], a.p.PosLower[j], a.p.PosUpper[j]) {
				regimes["position clamp"]++
			}
		}
		for m := range NumMuscles {
			if !inside(u[m], 0, 1) {
				regimes["excitation clamp"]++
			}
			if v.aRaw[m] > 1 {
				regimes["activation clamp"]++
			}
			if s.Len[m]/a.p.L0CE[m] > a.k.b {
				regimes["passive linear"]++
			}
		}
		x0 := append(stateVec(&s), u...)
		// The rounding noise of the difference quotient is ~1e-11 absolute: entries
		// much smaller than the largest one are compared with that floor (the check
		// is then |adjoint − fd| < 1e-10·(1 + max|adjoint|)).
		floor := 1e-4 * (1 + maxAbs(grad))
		for i := range x0 {
			same := true
			f := func(d float64) []float64 {
				x := append([]float64(nil), x0...)
				x[i] += d
				out, sig := eval(vecState(x[:StateSize]), x[StateSize:])
				if sig != sig0 {
					same = false
				}
				return out
			}
			fd := fdDot(f, out0, w, h*max(1, math.Abs(x0[i])))
			if !same {
				skipped++
				continue
			}
			checked++
			if e := relErr(grad[i], fd, floor); e > worst {
				worst = e
			}
			if e := relErr(grad[i], fd, floor); e > 1e-6 {
				t.Errorf("case %d (kind %d) input %d: adjoint %.12g, finite difference %.12g (rel err %.2g)", trial, kind, i, grad[i], fd, e)
			}
		}
	}
	t.Logf("single step: %d derivatives checked, %d skipped at a branch change, worst relative error %.2g; regimes %v",
		checked, skipped, worst, regimes)
	for _, r := range []string{"joint stop", "position clamp", "excitation clamp", "activation clamp", "passive linear"} {
		if regimes[r] == 0 {
			t.Errorf("regime %q never exercised", r)
		}
	}
	// Cases resting on a joint limit sit exactly on a kink for their position and
	// velocity, so a few per cent are skipped by construction.
	if skipped > checked/20 {
		t.Errorf("%d of %d derivatives skipped", skipped, checked+skipped)
	}
}

// TestLengthFloorAdjoint checks the 1 mm fibre-length floor: with a long tendon the
// next muscle state's length is pinned and its gradient must vanish.
func TestLengthFloorAdjoint(t *testing.T) {
	p := Default()
	p.L0SE[2] = 0.5 // longer than any musculotendon length of brachioradialis
	a, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	var s State
	if err := a.Reset(&s, [2]float64{0.7, 1.1}, [2]float64{0.5, -1}); err != nil {
		t.Fatal(err)
	}
	if s.Len[2] != p.MinLength {
		t.Fatalf("length %v, want the floor %v", s.Len[2], p.MinLength)
	}
	u := []float64{0.2, 0.3, 0.4, 0.1, 0.2, 0.3}
	g := State{}
	g.Len[2] = 1
	du := make([]float64, NumMuscles)
	a.StepBackward(&g, &s, u, nil, du)
	if g.Q != ([2]float64{}) || g.QDot != ([2]float64{}) {
		t.Errorf("gradient through the floored length: %v %v", g.Q, g.QDot)
	}
	// Without the floor (default tendon) the same seed reaches the elbow angle.
	b := newArm(t)
	b.Reset(&s, [2]float64{0.7, 1.1}, [2]float64{0.5, -1})
	g = State{}
	g.Len[2] = 1
	b.StepBackward(&g, &s, u, nil, du)
	if want := b.p.A1[1][2] + 2*b.p.A2[1][2]*s.Q[1]; math.Abs(g.Q[1]-want) > 1e-15 {
		t.Errorf("d length / d q2 = %v, want the moment arm %v", g.Q[1], want)
	}
}

func maxAbs(x []float64) float64 {
	m := 0.0
	for _, v := range x {
		m = max(m, math.Abs(v))
	}
	return m
}

// rolloutCase is a batch of open-loop excitations for the multi-step check.
type rolloutCase struct {
	name string
	ics  []float64
	u    [][]float64 // [t] B×6
	load [][]float64 // [t] B×2
}

// multiStepCases: row 0 follows the excitation golden (with the excitation
// clamps), row 1 the joint-limit golden (stops at both elbow limits), row 2 a
// strong co-contraction from rest that saturates activations, with a bump.
func multiStepCases(T int) rolloutCase {
	const B = 3
	c := rolloutCase{name: "mixed", ics: []float64{0.6, 1.2, 0, 0, 0.9, 2.2, 0, 0, 1.0, 1.5, 0, 0}}
	base := []float64{0.162, 0.133, 0.107, 0.182, 0.14, 0.153}
	period := []float64{37, 41, 43, 47, 53, 59}
	for k := range T {
		u := make([]float64, B*NumMuscles)
		l := make([]float64, B*2)
		for m := range NumMuscles {
			u[m] = base[m] + 0.06*math.Sin(2*math.Pi*float64(k)/period[m]+float64(m))
		}
		if k >= 3 && k <= 5 {
			u[4] = -0.3
		}
		if k >= 8 && k <= 9 {
			u[4] = 1.15
		}
		r1 := u[NumMuscles : 2*NumMuscles]
		for m := range r1 {
			r1[m] = 0.02
		}
		if k < 12 {
			r1[0], r1[2], r1[4] = 0.45, 0.5, 0.5
		} else {
			r1[1], r1[3], r1[5] = 0.6, 0.6, 0.5
		}
		r2 := u[2*NumMuscles:]
		for m := range r2 {
			r2[m] = 0.7 + 0.03*float64(m) - 0.01*float64(k%7)
		}
		if k >= 5 && k < 15 {
			l[4], l[5] = -6, 5
		}
		c.u = append(c.u, u)
		c.load = append(c.load, l)
	}
	return c
}

var fdStep = 1e-4

func TestRolloutAdjointFD(t *testing.T) {
	a := newArm(t)
	const T, B = 40, 3
	c := multiStepCases(T)
	rng := rand.New(rand.NewPCG(3, 4))
	wObs := make([][]float64, T)
	wCtl := make([][]float64, T)
	for k := range T {
		wObs[k] = make([]float64, B*ObsDim)
		wCtl[k] = make([]float64, B*2)
		for i := range wObs[k] {
			wObs[k][i] = rng.NormFloat64()
		}
		for i := range wCtl[k] {
			wCtl[k][i] = rng.NormFloat64()
		}
	}
	r := NewRollout(a)
	obs := make([]float64, B*ObsDim)
	ctl := make([]float64, B*2)
	// run simulates with the excitations u and returns every output the loss
	// weighs (obs_{t+1}, then ctl_t, per step) and a signature of the branches taken.
	var w []float64
	for k := range T {
		w = append(append(w, wObs[k]...), wCtl[k]...)
	}
	run := func(u [][]float64) ([]float64, string) {
		if err := r.Begin(c.ics, B, T); err != nil {
			t.Fatal(err)
		}
		out := make([]float64, 0, len(w))
		sig := ""
		var v stepVals
		for k := range T {
			// Branch signature of the step about to be taken.
			for b := range B {
				s := r.cur[b]
				ub := u[k][b*NumMuscles : (b+1)*NumMuscles]
				v.t.set(s.Q)
				a.forward(&v, &s, ub, c.load[k][b*2:b*2+2])
				sig += a.branches(&v, &s, ub)
			}
			r.Step(u[k], c.load[k], ctl)
			r.Obs(obs)
			out = append(append(out, obs...), ctl...)
		}
		return out, sig
	}
	out0, sig0 := run(c.u)
	grad := make([][]float64, T)
	for k := T - 1; k >= 0; k-- {
		grad[k] = make([]float64, B*NumMuscles)
		r.Backward(k, wObs[k], wCtl[k], grad[k])
	}
	// The scenarios must reach the regimes the check is about.
	var f Frame
	stops, satur, clamped := 0, 0, 0
	for k := 1; k <= T; k++ {
		for b := range B {
			r.Frame(&f, k, b)
			for j := range 2 {
				if f.Q[j] == a.p.PosLower[j] || f.Q[j] == a.p.PosUpper[j] {
					stops++
				}
			}
			for m := range NumMuscles {
				if f.Muscle.Act[m] == 1 {
					satur++
				}
				if u := c.u[k-1][b*NumMuscles+m]; u < 0 || u > 1 {
					clamped++
				}
			}
		}
	}
	if stops == 0 || satur == 0 || clamped == 0 {
		t.Fatalf("scenario misses a regime: %d steps on a joint limit, %d saturated activations, %d clamped excitations", stops, satur, clamped)
	}
	scale := 0.0
	for k := range T {
		scale = max(scale, maxAbs(grad[k]))
	}
	worst := 0.0
	checked, skipped, zeroChecked := 0, 0, 0
	for k := 0; k < T; k += 3 {
		for i := range B * NumMuscles {
			same := true
			fd := fdDot(func(d float64) []float64 {
				u := make([][]float64, T)
				for kk := range T {
					u[kk] = c.u[kk]
				}
				u[k] = append([]float64(nil), c.u[k]...)
				u[k][i] += d
				out, sig := run(u)
				if sig != sig0 {
					same = false
				}
				return out
			}, out0, w, fdStep)
			if !same {
				skipped++
				continue
			}
			checked++
			if grad[k][i] == 0 {
				zeroChecked++
			}
			e := relErr(grad[k][i], fd, 1e-7*scale)
			worst = max(worst, e)
			if e > 1e-6 {
				t.Errorf("step %d action %d: adjoint %.12g, finite difference %.12g (rel err %.2g)", k, i, grad[k][i], fd, e)
			}
		}
	}
	t.Logf("%d steps × %d trials: %d action derivatives checked (%d with a zero adjoint), %d skipped at a branch change; worst relative error %.2g; %d steps on a limit, %d saturated activations, %d clamped excitations",
		T, B, checked, zeroChecked, skipped, worst, stops, satur, clamped)
	if skipped > checked/10 {
		t.Errorf("%d of %d derivatives skipped", skipped, checked+skipped)
	}
	if zeroChecked == 0 {
		t.Error("no clamped (zero-gradient) action was checked")
	}
}

func TestRolloutMisuse(t *testing.T) {
	a := newArm(t)
	r := NewRollout(a)
	if err := r.Begin([]float64{0.5, 3.0, 0, 0}, 1, 2); err == nil || !strings.Contains(err.Error(), "joint 1") {
		t.Errorf("elbow beyond 155°: error %v", err)
	}
	if err := r.Begin([]float64{0.5, 1.0, 2000, 0}, 1, 2); err == nil || !strings.Contains(err.Error(), "velocity of joint 0") {
		t.Errorf("shoulder velocity beyond 1000 rad/s: error %v", err)
	}
	if err := r.Begin([]float64{0.5, 1.0, 0, 0}, 1, 2); err != nil {
		t.Fatal(err)
	}
	u := []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6}
	ctl := make([]float64, 2)
	r.Step(u, nil, ctl)
	r.Step(u, nil, ctl)
	mustPanic(t, "step beyond T", func() { r.Step(u, nil, ctl) })
	du := make([]float64, NumMuscles)
	mustPanic(t, "backward not from the last step", func() { r.Backward(0, nil, ctl, du) })
	r.Backward(1, nil, ctl, du)
	mustPanic(t, "backward skipping a step", func() { r.Backward(-1, nil, ctl, du) })
	r.Backward(0, nil, ctl, du)
	first := r.StateAdjoint(0)
	// A second backward pass gives the same result.
	r.Backward(1, nil, ctl, du)
	r.Backward(0, nil, ctl, du)
	if r.StateAdjoint(0) != first {
		t.Error("a repeated backward pass differs")
	}
	mustPanic(t, "short action", func() { r.Begin([]float64{0.5, 1, 0, 0}, 1, 1); r.Step(u[:5], nil, ctl) })
}

func mustPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s: no panic", what)
		}
	}()
	f()
}
