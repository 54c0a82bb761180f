package arm

import (
	"fmt"
	"math"
)

// NumMuscles is the number of muscles of the arm26 effector.
const NumMuscles = 6

// ObsDim is the size of the RandomTarget observation: hand x, y, six normalised
// muscle lengths, six normalised muscle velocities.
const ObsDim = 2 + 2*NumMuscles

// MuscleNames are the muscles in the order every length-6 array uses.
var MuscleNames = [NumMuscles]string{"pectoralis", "deltoid", "brachioradialis", "tricepslat", "biceps", "tricepslong"}

// Params are the constants of the arm (spec §2–§4). Default returns the values
// RandomTarget uses; the fields are exported so tests and experiments can vary them.
type Params struct {
	DT float64 // integration step [s] (one Euler ministep per step)

	// Skeleton (TwoDofArm with the arm26 values).
	M1, M2    float64 // link masses [kg]
	L1, L2    float64 // link lengths [m]
	L1g, L2g  float64 // proximal joint to link centre of mass [m]
	I1, I2    float64 // link inertias about the centre of mass [kg m²]
	Viscosity float64 // joint viscosity inside the skeleton ODE
	Damping   float64 // effector-level damping (−Damping·q̇ added to the torque)

	PosLower, PosUpper [2]float64 // joint limits [rad]
	VelLower, VelUpper [2]float64 // joint velocity box [rad/s]

	// Muscles (MujocoHillMuscle).
	MaxIsoForce [NumMuscles]float64 // F_max [N]
	L0CE        [NumMuscles]float64 // optimal fibre length [m]
	L0SE        [NumMuscles]float64 // rigid tendon length [m]
	MinLength   float64             // absolute floor of the fibre length [m] (1 mm)
	// FPMax is MotorNet's normalized_slack_muscle_length (1.3), which MuJoCo's curve
	// uses as the passive-force scale, not as a slack length.
	FPMax          float64
	LMin, LMax     float64 // operating range of the normalised length
	VMax           float64 // velocity normaliser [m/s] (not scaled by L0CE)
	FVMax          float64 // force-velocity plateau when lengthening
	MinActivation  float64
	TauActivation  float64 // [s]
	TauDeactivate  float64 // [s]
	PassiveForces  float64 // multiplies the passive force
	ActivationHigh float64 // upper clamp of excitation and activation (1)

	// Polynomial geometry: mtl_m = A0_m + Σ_j (A1_jm + A2_jm·θ_j)·θ_j with θ_j = q_j − A3_j.
	A0 [NumMuscles]float64
	A1 [2][NumMuscles]float64
	A2 [2][NumMuscles]float64
	A3 [2]float64
}

// Default returns the arm26 + MujocoHillMuscle constants of spec §2–§4.
func Default() *Params {
	return &Params{
		DT: 0.01,
		M1: 1.82, M2: 1.43, L1: 0.309, L2: 0.333, L1g: 0.135, L2g: 0.165, I1: 0.051, I2: 0.057,
		PosLower: [2]float64{0, 0},
		PosUpper: [2]float64{135 * math.Pi / 180, 155 * math.Pi / 180},
		VelLower: [2]float64{-1000, -1000},
		VelUpper: [2]float64{1000, 1000},

		MaxIsoForce:    [NumMuscles]float64{838, 1207, 1422, 1549, 414, 603},
		L0CE:           [NumMuscles]float64{0.134, 0.140, 0.092, 0.093, 0.137, 0.127},
		L0SE:           [NumMuscles]float64{0.039, 0.066, 0.172, 0.187, 0.204, 0.217},
		MinLength:      0.001,
		FPMax:          1.3,
		LMin:           0.5,
		LMax:           1.6,
		VMax:           1.5,
		FVMax:          1.2,
		MinActivation:  0,
		TauActivation:  0.01,
		TauDeactivate:  0.04,
		PassiveForces:  1,
		ActivationHigh: 1,

		A0: [NumMuscles]float64{0.151, 0.2322, 0.2859, 0.2355, 0.3329, 0.2989},
		A1: [2][NumMuscles]float64{
			{-0.03, 0.03, 0, 0, -0.03, 0.03},
			{0, 0, -0.014, 0.025, -0.016, 0.030},
		},
		A2: [2][NumMuscles]float64{
			{0, 0, 0, 0, 0, 0},
			{0, 0, -0.0040, -0.0022, -0.0057, -0.0032},
		},
		A3: [2]float64{math.Pi / 2, 0},
	}
}

// Validate reports the first parameter that makes the model ill-defined.
func (p *Params) Validate() error {
	pos := func(name string, v float64) error {
		if !(v > 0) || math.IsInf(v, 0) {
			return fmt.Errorf("arm: %s must be finite and > 0, got %v", name, v)
		}
		return nil
	}
	for _, c := range []struct {
		name string
		v    float64
	}{{"dt", p.DT}, {"m1", p.M1}, {"m2", p.M2}, {"l1", p.L1}, {"l2", p.L2}, {"i1", p.I1}, {"i2", p.I2},
		{"min_length", p.MinLength}, {"vmax", p.VMax}, {"tau_activation", p.TauActivation},
		{"tau_deactivation", p.TauDeactivate}} {
		if err := pos(c.name, c.v); err != nil {
			return err
		}
	}
	for m := range NumMuscles {
		if err := pos(fmt.Sprintf("max_iso_force[%d]", m), p.MaxIsoForce[m]); err != nil {
			return err
		}
		if err := pos(fmt.Sprintf("l0_ce[%d]", m), p.L0CE[m]); err != nil {
			return err
		}
	}
	for j := range 2 {
		if !(p.PosLower[j] < p.PosUpper[j]) {
			return fmt.Errorf("arm: joint %d limits [%v, %v] are empty", j, p.PosLower[j], p.PosUpper[j])
		}
		if !(p.VelLower[j] < p.VelUpper[j]) {
			return fmt.Errorf("arm: joint %d velocity limits [%v, %v] are empty", j, p.VelLower[j], p.VelUpper[j])
		}
	}
	if !(p.LMin < 0.95 && 1 < p.LMax) {
		return fmt.Errorf("arm: lmin, lmax = %v, %v must satisfy lmin < 0.95 and lmax > 1", p.LMin, p.LMax)
	}
	if !(p.FVMax > 1) {
		return fmt.Errorf("arm: fvmax must be > 1, got %v", p.FVMax)
	}
	if !(p.MinActivation < p.ActivationHigh) {
		return fmt.Errorf("arm: min_activation %v must be below the activation ceiling %v", p.MinActivation, p.ActivationHigh)
	}
	return nil
}
