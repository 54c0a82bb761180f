package arm

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// Tolerances of README-motornet.md: the f64 files come from MotorNet run in double
// precision (same algorithm), the f32 files from production (float32) MotorNet.
type tol struct{ atol, rtol float64 }

var (
	tol64      = tol{1e-9, 1e-9}
	tol32      = tol{5e-5, 0}    // joint, cartesian, activation, lengths, curve values
	tol32Force = tol{1e-3, 5e-4} // forces [N]: relative (atol covers values near 0)
)

func loadJSON(t testing.TB, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// checker compares values and remembers the largest deviation per quantity.
type checker struct {
	t      *testing.T
	file   string
	maxAbs map[string]float64
	order  []string
	fails  int
}

func newChecker(t *testing.T, file string) *checker {
	return &checker{t: t, file: file, maxAbs: map[string]float64{}}
}

func (c *checker) near(what string, got, want float64, tl tol) {
	c.t.Helper()
	d := math.Abs(got - want)
	if m, ok := c.maxAbs[what]; !ok {
		c.order = append(c.order, what)
		c.maxAbs[what] = d
	} else if d > m || math.IsNaN(d) {
		c.maxAbs[what] = d
	}
	if !(d <= tl.atol+tl.rtol*math.Abs(want)) {
		c.fails++
		if c.fails <= 10 {
			c.t.Errorf("%s %s: got %.17g want %.17g (|diff| %.3g)", c.file, what, got, want, d)
		}
	}
}

func (c *checker) report() {
	c.t.Helper()
	s := c.file + " max |diff|:"
	for _, k := range c.order {
		s += fmt.Sprintf(" %s %.2g;", k, c.maxAbs[k])
	}
	c.t.Log(s)
	if c.fails > 10 {
		c.t.Errorf("%s: %d mismatches in all", c.file, c.fails)
	}
}

func variants(t *testing.T, stem string, f func(t *testing.T, file string, f32 bool)) {
	for _, prec := range []string{"f64", "f32"} {
		name := stem + "_" + prec + ".json"
		t.Run(prec, func(t *testing.T) { f(t, name, prec == "f32") })
	}
}

func newArm(t testing.TB) *Arm {
	a, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestGoldenParams(t *testing.T) {
	variants(t, "motornet_arm26_params", func(t *testing.T, file string, f32 bool) {
		var g struct {
			Effector struct {
				DT      float64   `json:"dt"`
				Damping float64   `json:"damping"`
				PL      []float64 `json:"pos_lower_bound"`
				PU      []float64 `json:"pos_upper_bound"`
				VL      []float64 `json:"vel_lower_bound"`
				VU      []float64 `json:"vel_upper_bound"`
			} `json:"effector"`
			Skeleton struct {
				M1, M2, L1, L2, L1g, L2g, I1, I2, Viscosity float64
				InertiaC                                    [2][2]float64 `json:"inertia_c"`
				InertiaM                                    [2][2]float64 `json:"inertia_m"`
				Coriolis1                                   float64       `json:"coriolis_1"`
				Coriolis2                                   float64       `json:"coriolis_2"`
			} `json:"skeleton"`
			Muscle struct {
				MaxIsoForce []float64 `json:"max_iso_force"`
				L0CE        []float64 `json:"l0_ce"`
				L0SE        []float64 `json:"l0_se"`
				L0PE        []float64 `json:"l0_pe"`
				LMin, LMax  []float64
				VMax        []float64 `json:"vmax"`
				FVMax       []float64 `json:"fvmax"`
				B, C        []float64
				P1, P2, Mid []float64
				MinAct      float64 `json:"min_activation"`
				TauAct      float64 `json:"tau_activation"`
				TauDeact    float64 `json:"tau_deactivation"`
				Passive     float64 `json:"passive_forces"`
			} `json:"muscle"`
			Geometry struct {
				A0  []float64    `json:"a0"`
				A1r [2][]float64 `json:"a1"`
				A2r [2][]float64 `json:"a2"`
				A3  []float64    `json:"a3"`
			} `json:"geometry"`
		}
		loadJSON(t, file, &g)
		a := newArm(t)
		p := a.Params()
		// f64: the values must agree to the last bit or two; f32: to float32 rounding.
		tl := tol{1e-15, 4e-16}
		if f32 {
			tl = tol{1e-7, 1.2e-7} // derived c = fvmax − 1 and p1 = b − 1 lose bits in float32
		}
		c := newChecker(t, file)
		c.near("dt", p.DT, g.Effector.DT, tl)
		c.near("damping", p.Damping, g.Effector.Damping, tl)
		for j := range 2 {
			c.near("pos_lower", p.PosLower[j], g.Effector.PL[j], tl)
			c.near("pos_upper", p.PosUpper[j], g.Effector.PU[j], tl)
			c.near("vel_lower", p.VelLower[j], g.Effector.VL[j], tl)
			c.near("vel_upper", p.VelUpper[j], g.Effector.VU[j], tl)
		}
		sk := g.Skeleton
		for _, q := range [][3]any{{"m1", p.M1, sk.M1}, {"m2", p.M2, sk.M2}, {"L1", p.L1, sk.L1}, {"L2", p.L2, sk.L2},
			{"L1g", p.L1g, sk.L1g}, {"L2g", p.L2g, sk.L2g}, {"I1", p.I1, sk.I1}, {"I2", p.I2, sk.I2},
			{"viscosity", p.Viscosity, sk.Viscosity}, {"c11", a.c11, sk.InertiaC[0][0]}, {"c12", a.c12, sk.InertiaC[0][1]},
			{"c21", a.c12, sk.InertiaC[1][0]}, {"c22", a.c22, sk.InertiaC[1][1]}, {"2d", 2 * a.d, sk.InertiaM[0][0]},
			{"d", a.d, sk.InertiaM[0][1]}, {"d", a.d, sk.InertiaM[1][0]}, {"m22 term", 0.0, sk.InertiaM[1][1]},
			{"coriolis_1", -a.d, sk.Coriolis1}, {"coriolis_2", a.d, sk.Coriolis2}} {
			c.near(q[0].(string), q[1].(float64), q[2].(float64), tl)
		}
		m := g.Muscle
		for i := range NumMuscles {
			c.near("max_iso_force", p.MaxIsoForce[i], m.MaxIsoForce[i], tl)
			c.near("l0_ce", p.L0CE[i], m.L0CE[i], tl)
			c.near("l0_se", p.L0SE[i], m.L0SE[i], tl)
			c.near("a0", p.A0[i], g.Geometry.A0[i], tl)
			for j := range 2 {
				c.near("a1", p.A1[j][i], g.Geometry.A1r[j][i], tl)
				c.near("a2", p.A2[j][i], g.Geometry.A2r[j][i], tl)
			}
		}
		k := a.k
		for _, q := range [][3]any{{"l0_pe", p.FPMax, m.L0PE[0]}, {"lmin", p.LMin, m.LMin[0]}, {"lmax", p.LMax, m.LMax[0]},
			{"vmax", p.VMax, m.VMax[0]}, {"fvmax", p.FVMax, m.FVMax[0]}, {"b", k.b, m.B[0]}, {"c", k.c, m.C[0]},
			{"p1", k.p1, m.P1[0]}, {"p2", k.p2, m.P2[0]}, {"mid", k.mid, m.Mid[0]}, {"min_activation", p.MinActivation, m.MinAct},
			{"tau_activation", p.TauActivation, m.TauAct}, {"tau_deactivation", p.TauDeactivate, m.TauDeact},
			{"passive_forces", p.PassiveForces, m.Passive}, {"a3[0]", p.A3[0], g.Geometry.A3[0]}, {"a3[1]", p.A3[1], g.Geometry.A3[1]}} {
			c.near(q[0].(string), q[1].(float64), q[2].(float64), tl)
		}
		c.report()
	})
}

func TestGoldenMuscleCurves(t *testing.T) {
	variants(t, "motornet_muscle_curves", func(t *testing.T, file string, f32 bool) {
		var g struct {
			FL struct {
				L     []float64   `json:"L_norm"`
				FLCE  []float64   `json:"flce"`
				FLPE  []float64   `json:"flpe"`
				Force [][]float64 `json:"force_at_act1_V0_N"`
			} `json:"force_length"`
			FV struct {
				V    []float64 `json:"V_norm"`
				MTV  []float64 `json:"mtv_m_per_s"`
				FVCE []float64 `json:"fvce"`
			} `json:"force_velocity"`
			Samples struct {
				Act [][NumMuscles]float64    `json:"activation_in"`
				MTL [][NumMuscles]float64    `json:"mtl"`
				MTV [][NumMuscles]float64    `json:"mtv"`
				Out [][7][NumMuscles]float64 `json:"muscle_state_out"`
			} `json:"samples"`
			ActODE struct {
				U, A    []float64
				ADot    []float64 `json:"adot"`
				ANextDT []float64 `json:"a_next_dt"`
			} `json:"activation_ode"`
		}
		loadJSON(t, file, &g)
		a := newArm(t)
		p := a.Params()
		c := newChecker(t, file)
		curve, force := tol64, tol64
		if f32 {
			curve, force = tol32, tol32Force
		}
		for i, L := range g.FL.L {
			c.near("flce", a.FL(L), g.FL.FLCE[i], curve)
			c.near("flpe", a.FP(L), g.FL.FLPE[i], curve)
			// MotorNet was fed mtl = L·l0_ce + l0_se at activation 1 and zero velocity.
			var act, mtl, mtv [NumMuscles]float64
			for m := range NumMuscles {
				act[m] = 1
				mtl[m] = L*p.L0CE[m] + p.L0SE[m]
			}
			var ms MuscleState
			a.Muscle(&ms, &act, &mtl, &mtv)
			for m := range NumMuscles {
				c.near("force_at_act1_V0", ms.Force[m], g.FL.Force[i][m], force)
			}
		}
		for i, V := range g.FV.V {
			c.near("fvce(V)", a.FV(V), g.FV.FVCE[i], curve)
			c.near("fvce(mtv/vmax)", a.FV(g.FV.MTV[i]/p.VMax), g.FV.FVCE[i], curve)
		}
		floorHit := 0
		for i := range g.Samples.Act {
			var ms MuscleState
			a.Muscle(&ms, &g.Samples.Act[i], &g.Samples.MTL[i], &g.Samples.MTV[i])
			want := g.Samples.Out[i]
			rows := [7]*[NumMuscles]float64{&ms.Act, &ms.Length, &ms.Vel, &ms.FP, &ms.FL, &ms.FV, &ms.Force}
			names := [7]string{"activation", "length", "velocity", "flpe", "flce", "fvce", "force"}
			for r := range 7 {
				tl := curve
				if r == 6 {
					tl = force
				}
				for m := range NumMuscles {
					c.near("samples."+names[r], rows[r][m], want[r][m], tl)
				}
			}
			for m := range NumMuscles {
				if ms.Length[m] == p.MinLength {
					floorHit++
				}
			}
		}
		if floorHit == 0 {
			t.Error("no sample exercised the 1 mm length floor")
		}
		for i := range g.ActODE.U {
			u, act := g.ActODE.U[i], g.ActODE.A[i]
			adot := a.ActivationRate(u, act)
			tl := tol64
			if f32 {
				tl = tol{1e-3, 1e-6} // ȧ reaches 200 /s
			}
			c.near("adot", adot, g.ActODE.ADot[i], tl)
			c.near("a_next", clamp(act+p.DT*adot, p.MinActivation, 1), g.ActODE.ANextDT[i], curve)
		}
		c.report()
	})
}

func TestGoldenUnits(t *testing.T) {
	variants(t, "motornet_units", func(t *testing.T, file string, f32 bool) {
		var g struct {
			Geometry struct {
				Joint     [][4]float64             `json:"joint"`
				Geometry  [][4][NumMuscles]float64 `json:"geometry"`
				Cartesian [][4]float64             `json:"cartesian"`
			} `json:"geometry"`
			ODE struct {
				Joint  [][4]float64 `json:"joint"`
				Torque [][2]float64 `json:"torque"`
				Load   [][2]float64 `json:"endpoint_load"`
				QDDot  [][2]float64 `json:"qddot"`
			} `json:"skeleton_ode"`
			Single struct {
				JointBefore  [][4]float64             `json:"joint_before"`
				MuscleBefore [][7][NumMuscles]float64 `json:"muscle_before"`
				GeoBefore    [][4][NumMuscles]float64 `json:"geometry_before"`
				Excitation   [][NumMuscles]float64    `json:"excitation"`
				Load         [][2]float64             `json:"endpoint_load"`
				JointAfter   [][4]float64             `json:"joint_after"`
				MuscleAfter  [][7][NumMuscles]float64 `json:"muscle_after"`
				GeoAfter     [][4][NumMuscles]float64 `json:"geometry_after"`
				CartAfter    [][4]float64             `json:"cartesian_after"`
			} `json:"single_step"`
		}
		loadJSON(t, file, &g)
		a := newArm(t)
		c := newChecker(t, file)
		tl, tlF, tlAcc := tol64, tol64, tol64
		if f32 {
			tl, tlF, tlAcc = tol32, tol32Force, tol{5e-3, 5e-4}
		}
		for i, j := range g.Geometry.Joint {
			var geo Geometry
			q, qd := [2]float64{j[0], j[1]}, [2]float64{j[2], j[3]}
			a.Geometry(&geo, q, qd)
			checkGeometry(c, "geometry", &geo, &g.Geometry.Geometry[i], tl)
			h := a.Hand(q, qd)
			for k := range 4 {
				c.near("cartesian", h[k], g.Geometry.Cartesian[i][k], tl)
			}
		}
		for i, j := range g.ODE.Joint {
			qdd := a.JointAcc([2]float64{j[0], j[1]}, [2]float64{j[2], j[3]}, g.ODE.Torque[i], g.ODE.Load[i])
			for k := range 2 {
				c.near("qddot", qdd[k], g.ODE.QDDot[i][k], tlAcc)
			}
		}
		ss := g.Single
		for i, j := range ss.JointBefore {
			var geo Geometry
			a.Geometry(&geo, [2]float64{j[0], j[1]}, [2]float64{j[2], j[3]})
			checkGeometry(c, "geometry_before", &geo, &ss.GeoBefore[i], tl)
			s := State{Q: [2]float64{j[0], j[1]}, QDot: [2]float64{j[2], j[3]},
				Act: ss.MuscleBefore[i][0], Len: ss.MuscleBefore[i][1], Vel: ss.MuscleBefore[i][2]}
			var before MuscleState
			a.Muscles(&before, &s)
			checkMuscle(c, "muscle_before", &before, &ss.MuscleBefore[i], tl, tlF)
			a.Step(&s, ss.Excitation[i][:], ss.Load[i][:], nil)
			checkState(c, a, "after", &s, ss.JointAfter[i], &ss.MuscleAfter[i], &ss.GeoAfter[i], ss.CartAfter[i], tl, tlF)
		}
		c.report()
	})
}

func checkGeometry(c *checker, what string, got *Geometry, want *[4][NumMuscles]float64, tl tol) {
	c.t.Helper()
	for m := range NumMuscles {
		c.near(what+".mtl", got.MTL[m], want[0][m], tl)
		c.near(what+".mtv", got.MTV[m], want[1][m], tl)
		c.near(what+".r_shoulder", got.R[0][m], want[2][m], tl)
		c.near(what+".r_elbow", got.R[1][m], want[3][m], tl)
	}
}

func checkMuscle(c *checker, what string, got *MuscleState, want *[7][NumMuscles]float64, tl, tlF tol) {
	c.t.Helper()
	rows := [7]*[NumMuscles]float64{&got.Act, &got.Length, &got.Vel, &got.FP, &got.FL, &got.FV, &got.Force}
	names := [7]string{"act", "length", "velocity", "flpe", "flce", "fvce", "force"}
	for r := range 7 {
		t := tl
		if r == 6 {
			t = tlF
		}
		for m := range NumMuscles {
			c.near(what+"."+names[r], rows[r][m], want[r][m], t)
		}
	}
}

// checkState compares a State with MotorNet's joint, muscle, geometry and cartesian rows.
func checkState(c *checker, a *Arm, what string, s *State, joint [4]float64, mus *[7][NumMuscles]float64,
	geo *[4][NumMuscles]float64, cart [4]float64, tl, tlF tol) {
	c.t.Helper()
	got := [4]float64{s.Q[0], s.Q[1], s.QDot[0], s.QDot[1]}
	for k := range 4 {
		c.near(what+".joint", got[k], joint[k], tl)
	}
	var ms MuscleState
	a.Muscles(&ms, s)
	checkMuscle(c, what+".muscle", &ms, mus, tl, tlF)
	var g Geometry
	a.Geometry(&g, s.Q, s.QDot)
	checkGeometry(c, what+".geometry", &g, geo, tl)
	h := a.Hand(s.Q, s.QDot)
	for k := range 4 {
		c.near(what+".cartesian", h[k], cart[k], tl)
	}
}

type trajGolden struct {
	Meta struct {
		NSteps int        `json:"n_steps"`
		Q0     [4]float64 `json:"q0"`
	} `json:"meta"`
	Excitation [][NumMuscles]float64    `json:"excitation"`
	Load       [][2]float64             `json:"endpoint_load"`
	Joint      [][4]float64             `json:"joint"`
	Cartesian  [][4]float64             `json:"cartesian"`
	Muscle     [][7][NumMuscles]float64 `json:"muscle"`
	Geometry   [][4][NumMuscles]float64 `json:"geometry"`
	JointAcc   [][2]float64             `json:"joint_acc"`
	ActDot     [][NumMuscles]float64    `json:"activation_dot"`
}

func TestGoldenTrajectories(t *testing.T) {
	for _, stem := range []string{"motornet_traj_excitation", "motornet_traj_endpoint_load", "motornet_traj_joint_limit"} {
		t.Run(stem, func(t *testing.T) {
			variants(t, stem, func(t *testing.T, file string, f32 bool) {
				var g trajGolden
				loadJSON(t, file, &g)
				a := newArm(t)
				c := newChecker(t, file)
				tl, tlF, tlAcc, tlAD := tol64, tol64, tol{1e-9, 1e-9}, tol64
				if f32 {
					// q̈ reaches ~10³ rad/s² and ȧ ~10² /s in these runs: compare them relatively.
					tl, tlF, tlAcc, tlAD = tol32, tol32Force, tol{5e-3, 5e-4}, tol{1e-3, 5e-4}
				}
				var s State
				if err := a.Reset(&s, [2]float64{g.Meta.Q0[0], g.Meta.Q0[1]}, [2]float64{g.Meta.Q0[2], g.Meta.Q0[3]}); err != nil {
					t.Fatal(err)
				}
				checkState(c, a, "row0", &s, g.Joint[0], &g.Muscle[0], &g.Geometry[0], g.Cartesian[0], tl, tlF)
				stops := 0
				for k := 0; k < g.Meta.NSteps; k++ {
					var info StepInfo
					prev := s
					a.Step(&s, g.Excitation[k][:], g.Load[k][:], &info)
					for j := range 2 {
						c.near("joint_acc", info.QDDot[j], g.JointAcc[k][j], tlAcc)
						if (s.Q[j] == a.p.PosLower[j] || s.Q[j] == a.p.PosUpper[j]) && prev.QDot[j] != 0 {
							stops++
						}
					}
					for m := range NumMuscles {
						c.near("activation_dot", info.ActDot[m], g.ActDot[k][m], tlAD)
					}
					checkState(c, a, "step", &s, g.Joint[k+1], &g.Muscle[k+1], &g.Geometry[k+1], g.Cartesian[k+1], tl, tlF)
				}
				if stem == "motornet_traj_joint_limit" && stops < 3 {
					t.Errorf("joint-limit trajectory hit a stop only %d times", stops)
				}
				c.report()
			})
		})
	}
}
