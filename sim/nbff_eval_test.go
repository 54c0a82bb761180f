package sim

import (
	"math"
	"testing"
)

// ScoreFlipFlop reads the bits at the steps NBFFLoss scores: its squared
// error sum is the loss's, and the accuracies count what they say.
func TestScoreFlipFlop(t *testing.T) {
	task, err := NewNBFF(NBFFParams{Bits: 3, Steps: 60, SwitchProb: 0.05, Noise: 0.1, TransitionBlind: 3})
	if err != nil {
		t.Fatal(err)
	}
	d := task.Generate(5, NewNumpyRNG(4))
	idx := []int{0, 2, 3, 4}
	// Outputs: the targets, wrong (1 − target) on bit 1 of trial 2 at steps
	// 20..29 and slightly off everywhere.
	outs := make([][]float64, len(idx))
	for k, i := range idx {
		tg := d.Targets(i)
		y := make([]float64, len(tg))
		for j, v := range tg {
			y[j] = float64(v) + 0.1*math.Sin(float64(j))
		}
		if i == 2 {
			for tt := 20; tt < 30; tt++ {
				y[tt*3+1] = 1 - float64(tg[tt*3+1])
			}
		}
		outs[k] = y
	}
	s := ScoreFlipFlop(d, idx, outs, 3)
	if s.Trials != 4 || len(s.BitAccuracy) != 3 {
		t.Fatalf("%+v", s)
	}
	// The squared error over the scored steps is NBFFLoss's sum.
	var b Batch
	d.FillBatch(&b, idx, 0, 0)
	T, B := b.T, b.B
	out := Outputs{B: B, T: T, Controlled: make([]float64, T*B*3)}
	for k := range idx {
		for tt := 0; tt < T; tt++ {
			copy(out.Controlled[(tt*B+k)*3:(tt*B+k+1)*3], outs[k][tt*3:tt*3+3])
		}
	}
	loss := task.Loss().Eval(&b, &out, nil)
	// Count the scored steps as NBFFLoss masks them.
	scored := [3]int{}
	wrong := 0
	for _, i := range idx {
		tg := d.Targets(i)
		for bit := 0; bit < 3; bit++ {
			last := -1000
			for tt := 0; tt < 60; tt++ {
				masked := tt < 5 || tt-last <= 3
				if tt >= 1 && tg[tt*3+bit] != tg[(tt-1)*3+bit] {
					last = tt
				}
				if !masked {
					scored[bit]++
					if i == 2 && bit == 1 && tt >= 20 && tt < 30 {
						wrong++
					}
				}
			}
		}
	}
	total := scored[0] + scored[1] + scored[2]
	if got, want := s.MSE*float64(total), loss*float64(T*B*3); math.Abs(got-want) > 1e-9*want {
		t.Fatalf("squared error sum %v, NBFFLoss's %v", got, want)
	}
	if s.BitAccuracy[0] != 1 || s.BitAccuracy[2] != 1 || wrong == 0 {
		t.Fatalf("bits 0 and 2 are right everywhere: %v (wrong steps %d)", s.BitAccuracy, wrong)
	}
	if want := 1 - float64(wrong)/float64(scored[1]); math.Abs(s.BitAccuracy[1]-want) > 1e-15 {
		t.Fatalf("bit 1 accuracy %v, want %v", s.BitAccuracy[1], want)
	}
	if !(s.AllBits < 1 && s.AllBits > 0.9) || math.Abs(s.MeanBitAccuracy-(2+s.BitAccuracy[1])/3) > 1e-15 {
		t.Fatalf("all bits %v, mean %v", s.AllBits, s.MeanBitAccuracy)
	}
}
