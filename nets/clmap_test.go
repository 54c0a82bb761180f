package nets_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ctdtui/ctdtui/analysis"
	"github.com/ctdtui/ctdtui/nets"
	"github.com/ctdtui/ctdtui/sim"
	"github.com/ctdtui/ctdtui/sim/arm"
	"gonum.org/v1/gonum/mat"
)

// armPlant is the RandomTarget arm as a StatePlant (no force field).
func armPlant(t testing.TB) *sim.ArmStatePlant {
	a, err := arm.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &sim.ArmStatePlant{ArmPlant: &sim.ArmPlant{Arm: a}}
}

// armState returns a plant state inside every smooth piece of the model:
// the posture q, a few steps of moderate commands, so that the activations,
// fibre lengths and velocities are off their clamps and the joints moving.
func armState(t testing.TB, p *sim.ArmStatePlant, q [2]float64, steps int) []float64 {
	s := make([]float64, p.StateDim())
	if err := p.InitialState(s, []float64{q[0], q[1], 0, 0}); err != nil {
		t.Fatal(err)
	}
	act := []float64{0.3, 0.2, 0.25, 0.15, 0.2, 0.1}
	for range steps {
		p.StepState(s, s, act)
	}
	return s
}

// checkJacobianFD compares m's Jacobian at z with central differences of
// Eval, its VJP with Jᵀv, and EvalResidualVJP with F and Jᵀ(F − z).
func checkJacobianFD(t *testing.T, name string, m *nets.ClosedLoopMap[float64], z, u []float64, tol float64) {
	t.Helper()
	D := m.Dim()
	jac := make([]float64, D*D)
	m.Jacobian(jac, z, u)
	fp, fm := make([]float64, D), make([]float64, D)
	worst, wa, wb := 0.0, 0, 0
	for b := 0; b < D; b++ {
		h := 1e-6 * math.Max(1, math.Abs(z[b]))
		zp, zm := append([]float64(nil), z...), append([]float64(nil), z...)
		zp[b] += h
		zm[b] -= h
		m.Eval(fp, zp, 1, u)
		m.Eval(fm, zm, 1, u)
		for a := 0; a < D; a++ {
			fd := (fp[a] - fm[a]) / (2 * h)
			if e := math.Abs(fd-jac[a*D+b]) / math.Max(1, math.Abs(fd)); e > worst {
				worst, wa, wb = e, a, b
			}
		}
	}
	if worst > tol {
		t.Errorf("%s: closed-loop Jacobian vs central differences: worst error %.3g > %.3g", name, worst, tol)
	}
	t.Logf("%s: Jacobian (%d×%d) vs finite differences: worst relative error %.3g (∂F_%d/∂z_%d = %.6g)", name, D, D, worst, wa, wb, jac[wa*D+wb])

	f, grad, want := make([]float64, D), make([]float64, D), make([]float64, D)
	m.EvalResidualVJP(f, grad, z, 1, u)
	m.Eval(fp, z, 1, u)
	for a := 0; a < D; a++ {
		if f[a] != fp[a] {
			t.Fatalf("%s: EvalResidualVJP's F differs from Eval at %d", name, a)
		}
		for b := 0; b < D; b++ {
			want[b] += jac[a*D+b] * (f[a] - z[a])
		}
	}
	for b := range want {
		if math.Abs(grad[b]-want[b]) > 1e-12*(1+math.Abs(want[b])) {
			t.Fatalf("%s: Jᵀ(F − z)[%d] = %v, from the Jacobian %v", name, b, grad[b], want[b])
		}
	}
}

// The closed loop of a GRU (RandomTarget sizes: 14 observations + 3 context
// inputs, 6 muscle commands) and the arm: its Jacobian, from the training
// adjoints, matches central differences; batched rows give the same values.
func TestClosedLoopJacobianFD(t *testing.T) {
	p := armPlant(t)
	rng := rand.New(rand.NewPCG(3, 4))
	for _, kind := range []string{nets.KindGRU, nets.KindRNN} {
		model, err := nets.New[float64](nets.Config{Kind: kind, Inputs: arm.ObsDim + 3, Latent: 12, Outputs: arm.NumMuscles}, rng)
		if err != nil {
			t.Fatal(err)
		}
		m, err := nets.NewClosedLoopMap(model, p)
		if err != nil {
			t.Fatal(err)
		}
		if m.Dim() != 12+arm.StateSize || m.InputDim() != 3 {
			t.Fatalf("dims %d, %d", m.Dim(), m.InputDim())
		}
		z := make([]float64, m.Dim())
		for i := 0; i < 12; i++ {
			z[i] = 0.3 * rng.NormFloat64()
		}
		copy(z[12:], armState(t, p, [2]float64{0.8, 1.2}, 5))
		u := []float64{0.1, 0.45, 1}
		checkJacobianFD(t, kind, m, z, u, 1e-6)
		// Under a curl field (its force depends on the hand velocity, so on
		// the joint state) and a constant one.
		for _, fk := range []arm.FieldKind{arm.FieldCurl, arm.FieldConstant} {
			f, err := arm.NewField(fk, [2]float64{-1, 0})
			if err != nil {
				t.Fatal(err)
			}
			fp := &sim.ArmStatePlant{ArmPlant: &sim.ArmPlant{Arm: p.Arm, Field: f}, Level: 3}
			mf, err := nets.NewClosedLoopMap(model, fp)
			if err != nil {
				t.Fatal(err)
			}
			checkJacobianFD(t, kind+" in a "+string(fk)+" field", mf, z, u, 1e-6)
		}

		// Rows are independent: a batch of 70 (split across workers) gives
		// each row's single-row result.
		const n = 70
		zs, us := make([]float64, n*m.Dim()), make([]float64, n*3)
		for r := 0; r < n; r++ {
			copy(zs[r*m.Dim():], z)
			zs[r*m.Dim()] += 0.01 * float64(r)
			copy(us[r*3:], u)
		}
		all := make([]float64, n*m.Dim())
		m.Eval(all, zs, n, us)
		one := make([]float64, m.Dim())
		for r := 0; r < n; r++ {
			m.Eval(one, zs[r*m.Dim():(r+1)*m.Dim()], 1, u)
			for k := range one {
				if one[k] != all[r*m.Dim()+k] {
					t.Fatalf("%s: row %d differs in a batch", kind, r)
				}
			}
		}
	}
}

// linModel is a linear controller as a Model: h' = A h + B x + b, y = C h' + d.
type linModel struct {
	cfg        nets.Config
	A, B, C    *mat.Dense
	bias, dOut []float64
	params     nets.Params[float64]
}

func (m *linModel) Config() nets.Config                    { return m.cfg }
func (m *linModel) Params() *nets.Params[float64]          { return &m.params }
func (m *linModel) NewTape(maxB, _ int) nets.Tape[float64] { return &linTape{m: m} }

type linTape struct {
	m         *linModel
	B         int
	h0, h1, y []float64
	dh0       []float64
}

func (t *linTape) Reset(B int, _ *nets.Noise) { t.ResetState(B, make([]float64, B*t.m.cfg.Latent)) }
func (t *linTape) ResetState(B int, h0 []float64) {
	t.B = B
	t.h0 = append(t.h0[:0], h0[:B*t.m.cfg.Latent]...)
}
func (t *linTape) Initial() []float64     { return t.h0 }
func (t *linTape) Latent(int) []float64   { return t.h1 }
func (t *linTape) InitialGrad() []float64 { return t.dh0 }
func (t *linTape) Step(x, y []float64) {
	c := t.m.cfg
	t.h1 = make([]float64, t.B*c.Latent)
	for r := 0; r < t.B; r++ {
		for i := 0; i < c.Latent; i++ {
			s := t.m.bias[i]
			for j := 0; j < c.Latent; j++ {
				s += t.m.A.At(i, j) * t.h0[r*c.Latent+j]
			}
			for j := 0; j < c.Inputs; j++ {
				s += t.m.B.At(i, j) * x[r*c.Inputs+j]
			}
			t.h1[r*c.Latent+i] = s
		}
		for o := 0; o < c.Outputs && y != nil; o++ {
			s := t.m.dOut[o]
			for i := 0; i < c.Latent; i++ {
				s += t.m.C.At(o, i) * t.h1[r*c.Latent+i]
			}
			y[r*c.Outputs+o] = s
		}
	}
}
func (t *linTape) Backward(_ int, dy, dlat, dx, _ []float64) {
	c := t.m.cfg
	t.dh0 = make([]float64, t.B*c.Latent)
	for r := 0; r < t.B; r++ {
		g := make([]float64, c.Latent) // d/dh1
		for i := range g {
			if dlat != nil {
				g[i] = dlat[r*c.Latent+i]
			}
			for o := 0; o < c.Outputs && dy != nil; o++ {
				g[i] += t.m.C.At(o, i) * dy[r*c.Outputs+o]
			}
		}
		for j := 0; j < c.Latent; j++ {
			for i := range g {
				t.dh0[r*c.Latent+j] += t.m.A.At(i, j) * g[i]
			}
		}
		for j := 0; j < c.Inputs && dx != nil; j++ {
			s := 0.0
			for i := range g {
				s += t.m.B.At(i, j) * g[i]
			}
			dx[r*c.Inputs+j] = s
		}
	}
}

// newPIDArmController is a linear controller of the arm whose closed-loop
// fixed point is known in closed form. Its state is h = [integral (2),
// proportional (2), muscle-velocity copy (6)]: h_I' = h_I + kI·E(target −
// hand), h_P' = kP·E(target − hand), h_V' = (muscle velocities), and the
// muscle commands are y = W(h_I' + h_P') + kV·h_V' + base, with W turning a
// shoulder and an elbow torque demand into agonist/antagonist commands and E
// mapping hand error to those demands. At a fixed point the integrator
// forces hand = target, so the joints sit at the target posture q*, at rest,
// the velocity copy and the proportional state vanish, the activations
// equal the commands, and h_I solves the static torque balance
// Σ_m F_m(a_m, L_m(q*)) R_jm(q*) = 0, linear in h_I.
func newPIDArmController(a *arm.Arm, q [2]float64, kI, kP, kV float64) (*linModel, *mat.Dense, []float64) {
	const H, I, O = 10, arm.ObsDim + 3, arm.NumMuscles
	// Hand error (x, y) → (shoulder, elbow) torque demand: Jᵀ at q, a
	// virtual spring pulling the hand to the target.
	par := a.Params()
	s1, c1 := math.Sincos(q[0])
	s12, c12 := math.Sincos(q[0] + q[1])
	E := mat.NewDense(2, 2, []float64{
		-par.L1*s1 - par.L2*s12, par.L1*c1 + par.L2*c12,
		-par.L2 * s12, par.L2 * c12,
	})
	W := mat.NewDense(O, 2, []float64{
		0.2, 0, // pectoralis: shoulder flexor
		-0.2, 0, // deltoid: shoulder extensor
		0, 0.2, // brachioradialis: elbow flexor
		0, -0.2, // tricepslat: elbow extensor
		0.05, 0.05, // biceps: both
		-0.05, -0.05, // tricepslong: both
	})
	base := []float64{0.3, 0.3, 0.3, 0.3, 0.2, 0.2}
	A := mat.NewDense(H, H, nil)
	A.Set(0, 0, 1)
	A.Set(1, 1, 1)
	B := mat.NewDense(H, I, nil)
	for d := 0; d < 2; d++ {
		for k := 0; k < 2; k++ {
			// x: hand (obs 0, 1), …, target (input 14, 15).
			B.Set(d, arm.ObsDim+k, kI*E.At(d, k))
			B.Set(d, k, -kI*E.At(d, k))
			B.Set(2+d, arm.ObsDim+k, kP*E.At(d, k))
			B.Set(2+d, k, -kP*E.At(d, k))
		}
	}
	for m := 0; m < 6; m++ {
		B.Set(4+m, 2+arm.NumMuscles+m, 1) // normalised muscle velocity
	}
	C := mat.NewDense(O, H, nil)
	for o := 0; o < O; o++ {
		for d := 0; d < 2; d++ {
			C.Set(o, d, W.At(o, d))
			C.Set(o, 2+d, W.At(o, d))
		}
		C.Set(o, 4+o, kV) // a lengthening muscle resists
	}
	return &linModel{cfg: nets.Config{Kind: nets.KindRNN, Inputs: I, Latent: H, Outputs: O}, A: A, B: B, C: C,
		bias: make([]float64, H), dOut: base}, W, base
}

// The closed-loop search finds the linear controller's analytically known
// fixed point: the hand on the target at the target posture, at rest, with
// the integrator holding the static torque balance.
func TestClosedLoopLinearControllerFixedPoint(t *testing.T) {
	p := armPlant(t)
	a := p.Arm
	par := a.Params()
	qStar := [2]float64{60 * math.Pi / 180, 80 * math.Pi / 180}
	ctl, W, base := newPIDArmController(a, qStar, 0.05, 10, 3)
	m, err := nets.NewClosedLoopMap[float64](ctl, p)
	if err != nil {
		t.Fatal(err)
	}
	hand := a.Hand(qStar, [2]float64{})
	u := []float64{hand[0], hand[1], 1}

	// The analytic fixed point.
	var g arm.Geometry
	a.Geometry(&g, qStar, [2]float64{})
	var length, fl, fp [arm.NumMuscles]float64
	for k := range length {
		length[k] = math.Max(g.MTL[k]-par.L0SE[k], par.MinLength)
		fl[k] = a.FL(length[k] / par.L0CE[k])
		fp[k] = a.FP(length[k] / par.L0CE[k])
	}
	// Σ_m Fmax_m (a_m fl_m + fp_m) R_jm = 0 with a = W h_I + base (fv(0) = 1).
	M := mat.NewDense(2, 2, nil)
	r := mat.NewVecDense(2, nil)
	for j := 0; j < 2; j++ {
		for k := 0; k < arm.NumMuscles; k++ {
			c := par.MaxIsoForce[k] * g.R[j][k]
			for d := 0; d < 2; d++ {
				M.Set(j, d, M.At(j, d)+c*fl[k]*W.At(k, d))
			}
			r.SetVec(j, r.AtVec(j)-c*(base[k]*fl[k]+fp[k]))
		}
	}
	var hI mat.VecDense
	if err := hI.SolveVec(M, r); err != nil {
		t.Fatal(err)
	}
	want := make([]float64, m.Dim())
	want[0], want[1] = hI.AtVec(0), hI.AtVec(1)
	s := want[10:]
	s[0], s[1] = qStar[0], qStar[1]
	for k := 0; k < arm.NumMuscles; k++ {
		act := W.At(k, 0)*hI.AtVec(0) + W.At(k, 1)*hI.AtVec(1) + base[k]
		if !(act > 0 && act < 1) {
			t.Fatalf("muscle %d's activation at the fixed point is %v, outside (0, 1): the test's controller is badly chosen", k, act)
		}
		s[4+k], s[4+arm.NumMuscles+k] = act, length[k]
	}
	f := make([]float64, m.Dim())
	m.Eval(f, want, 1, u)
	for k := range f {
		if math.Abs(f[k]-want[k]) > 1e-12 {
			t.Fatalf("the analytic point is not fixed: component %d moves %v → %v", k, want[k], f[k])
		}
	}

	// Initial states from closed-loop rollouts from other postures.
	rng := rand.New(rand.NewPCG(7, 8))
	const n = 40
	z0 := mat.NewDense(n, m.Dim(), nil)
	z := make([]float64, m.Dim())
	for i := 0; i < n; i++ {
		q := [2]float64{qStar[0] + 0.3*(rng.Float64()-0.5), qStar[1] + 0.3*(rng.Float64()-0.5)}
		clear(z)
		copy(z[10:], armState(t, p, q, 0))
		for range 300 + rng.IntN(300) {
			m.Eval(z, z, 1, u)
		}
		z0.SetRow(i, z)
	}
	res, err := analysis.FindFixedPoints(context.Background(), m, z0, mat.NewDense(1, 3, u), &analysis.FixedPointSettings{LearningRate: 1e-3, MaxIters: 2000})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.FixedPoints) != 1 {
		t.Fatalf("%d fixed points, want 1 (%d slow, %d unconverged)", len(res.FixedPoints), len(res.SlowPoints), res.NUnconverged)
	}
	got := res.FixedPoints[0]
	worst := 0.0
	for k := range want {
		worst = math.Max(worst, math.Abs(got.X[k]-want[k]))
	}
	if worst > 1e-9 {
		t.Errorf("found %v\nwant  %v\n(max error %.3g)", got.X, want, worst)
	}
	t.Logf("fixed point found from %d of %d initial states, max error %.3g, %s, |λ|max %.4f", len(got.Rows), n, worst, got.TypeName(), got.MaxAbsEig)
	// At a fixed point every activation equals its command, which is where
	// the activation dynamics switch time constants (activation when the
	// command exceeds the activation, deactivation otherwise): the one-step
	// map has a kink there, and its adjoint takes the branch the forward step
	// takes at the tie (deactivation). Either side of the kink is smooth: the
	// Jacobian matches finite differences just off it on both sides. (The
	// tolerance allows for the force–velocity curve, C¹ but not C² at zero
	// fibre velocity, where the point at rest sits: central differences then
	// err by about h·Δf''.)
	for _, side := range []float64{1, -1} {
		zs := append([]float64(nil), want...)
		for k := 0; k < arm.NumMuscles; k++ {
			zs[10+4+k] += side * 1e-4
		}
		checkJacobianFD(t, fmt.Sprintf("linear controller, activations %+.0e off the fixed point", side*1e-4), m, zs, u, 1e-5)
	}
}
