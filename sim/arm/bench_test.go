package arm

import (
	"math/rand/v2"
	"testing"
)

// benchRollout runs one batch of B trials for T steps with fixed pseudo-random
// excitations (forward) and, if backward, the full adjoint pass.
func benchRollout(b *testing.B, B, T int, backward bool) {
	a := newArm(b)
	rng := rand.New(rand.NewPCG(1, 1))
	ics := make([]float64, B*ICDim)
	for i := range B {
		ics[i*ICDim] = 0.5 + 1.3*rng.Float64()
		ics[i*ICDim+1] = 0.5 + 1.6*rng.Float64()
	}
	act := make([]float64, T*B*NumMuscles)
	for i := range act {
		act[i] = -0.1 + 0.6*rng.Float64()
	}
	load := make([]float64, T*B*2)
	for i := range load {
		load[i] = 4 * (rng.Float64() - 0.5)
	}
	dObs := make([]float64, B*ObsDim)
	dCtl := make([]float64, B*2)
	for i := range dObs {
		dObs[i] = 1e-3 * rng.NormFloat64()
	}
	for i := range dCtl {
		dCtl[i] = 1e-3 * rng.NormFloat64()
	}
	obs := make([]float64, B*ObsDim)
	ctl := make([]float64, B*2)
	dAct := make([]float64, B*NumMuscles)
	r := NewRollout(a)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := r.Begin(ics, B, T); err != nil {
			b.Fatal(err)
		}
		for t := range T {
			r.Obs(obs)
			r.Step(act[t*B*NumMuscles:(t+1)*B*NumMuscles], load[t*B*2:(t+1)*B*2], ctl)
		}
		if backward {
			for t := T - 1; t >= 0; t-- {
				r.Backward(t, dObs, dCtl, dAct)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*B*T), "ns/trial-step")
}

// The reference trains RandomTarget with all 800 training trials in one batch
// of 300 steps.
func BenchmarkRolloutForward800x300(b *testing.B)         { benchRollout(b, 800, 300, false) }
func BenchmarkRolloutForwardBackward800x300(b *testing.B) { benchRollout(b, 800, 300, true) }
