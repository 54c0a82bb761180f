package study

import (
	"context"
	"math"
	"testing"
)

// flipFlopLSTM16 is an LSTM with 16 hidden units (state [h, c] of 32) on the
// trials of flipFlop32 and flipFlop16.
const flipFlopLSTM16 = "testdata/3bff-lstm16"

// An LSTM's analysed state is [h, c]: the run reports both sizes, every
// analysis sees 2·16 latents, and the fixed-point search on the pair finds
// the flip-flop's 8 stable points, one per corner of the output cube.
func TestLSTMRunAnalysesTheFullState(t *testing.T) {
	s, err := Open(flipFlopLSTM16, false)
	if err != nil {
		t.Fatal(err)
	}
	info := s.Info()
	if info.Model != "lstm" || info.Latent != 16 || info.State != 32 {
		t.Fatalf("run info %+v: want an lstm with latent 16 and state 32", info)
	}
	ctx := context.Background()
	an, err := s.Analyze(ctx, AnalyzeOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if an.Latents.Dim != 32 {
		t.Fatalf("analyze sees %d latents, want 32 ([h, c])", an.Latents.Dim)
	}
	rep, err := s.FixedPoints(ctx, FixedPointOptions{Inits: 256, Iters: 3000, LR: 1e-2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d fixed (%d stable), %d slow, %d unconverged", rep.Fixed, rep.Stable, rep.Slow, rep.Unconverged)
	if rep.Stable != 8 {
		t.Fatalf("%d stable fixed points, want 8", rep.Stable)
	}
	corners := map[int]bool{}
	for _, p := range rep.Points[:8] { // stable points come first
		if !p.Stable || !(p.MaxAbsEig < 1) || !(p.Q < 1e-20) || len(p.Eigenvalues) != 32 {
			t.Fatalf("point %+v: want stable, q < 1e-20 and 32 eigenvalues (the Jacobian on [h, c])", p)
		}
		corner := 0
		for j, y := range p.Output {
			bit := math.Round(y)
			if (bit != 0 && bit != 1) || math.Abs(y-bit) > 0.25 {
				t.Fatalf("readout %v at a stable point is not near a corner of the cube", p.Output)
			}
			corner |= int(bit) << j
		}
		if corners[corner] {
			t.Fatalf("two stable points at corner %03b", corner)
		}
		corners[corner] = true
	}
}

// Comparisons size everything by the analysed state: an LSTM-16 (state 32)
// against a GRU-32 has equal sizes (Procrustes applies), against a GRU-16
// it does not, and CCA is capped at the smaller state.
func TestCompareLSTMWithGRUs(t *testing.T) {
	l := open(t, flipFlopLSTM16)
	for _, c := range []struct {
		dir        string
		procrustes bool
		cca        int
	}{{flipFlop32, true, 20}, {flipFlop16, false, 16}} {
		g := open(t, c.dir)
		rep, err := l.Compare(context.Background(), g, CompareOptions{DSADelays: 5, DSARank: 12, CCAComponents: 20}, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("vs %s: A→B %.4f, B→A %.4f, state R² %.4f, DSA %+v", c.dir, rep.AffineAtoB.VarianceWeighted, rep.AffineBtoA.VarianceWeighted, *rep.StateR2, rep.DSA)
		for _, v := range []float64{rep.AffineAtoB.VarianceWeighted, rep.AffineBtoA.VarianceWeighted} {
			if !(v > 0.5 && v < 0.999) {
				t.Errorf("vs %s: affine R² %v, want clearly positive and below 1 for two trained flip-flops", c.dir, v)
			}
		}
		if (rep.Procrustes != nil) != c.procrustes {
			t.Errorf("vs %s: Procrustes %v, want present %v", c.dir, rep.Procrustes, c.procrustes)
		}
		if len(rep.CCACorrelations) != c.cca {
			t.Errorf("vs %s: %d CCA components, want %d", c.dir, len(rep.CCACorrelations), c.cca)
		}
		if rep.DSA == nil || !(rep.DSA.Angular > 0.01) {
			t.Errorf("vs %s: DSA %+v (%s): want clearly positive", c.dir, rep.DSA, rep.DSANote)
		}
	}
}
