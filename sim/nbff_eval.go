package sim

import (
	"fmt"
	"math"
	"strings"
)

// FlipFlopScores is how well a model holds the flip-flop's bits on a set of
// trials, read at the steps the loss scores (NBFFLoss's mask: not the first 5
// steps, not the Blind steps after a flip).
type FlipFlopScores struct {
	Trials int `json:"trials"`
	// BitAccuracy[i] is the fraction of scored steps at which output i is on
	// the target's side of 0.5 (the bit read out correctly).
	BitAccuracy []float64 `json:"bit_accuracy"`
	// MeanBitAccuracy averages BitAccuracy over the bits.
	MeanBitAccuracy float64 `json:"mean_bit_accuracy"`
	// AllBits is the fraction of steps scored on every bit at which every bit
	// is read out correctly (the whole memory state right).
	AllBits float64 `json:"all_bits"`
	// MSE is the mean squared output error over the scored steps.
	MSE float64 `json:"mse"`
}

// Score implements Scorer: per-bit accuracy at the steps the loss scores.
func (f *NBFF) Score(d *Dataset, idx []int, controlled [][]float64) Scores {
	sc := ScoreFlipFlop(d, idx, controlled, f.P.TransitionBlind)
	return Scores{FlipFlop: &sc}
}

// ScoreFlipFlop scores the outputs of trials idx of a flip-flop dataset:
// outputs[k] is trial idx[k]'s outputs (time × bits). blind is the task's
// transition_blind.
func ScoreFlipFlop(d *Dataset, idx []int, outputs [][]float64, blind int) FlipFlopScores {
	if len(outputs) != len(idx) {
		panic(fmt.Sprintf("sim: ScoreFlipFlop: %d outputs for %d trials", len(outputs), len(idx)))
	}
	if d.Task != KindNBFF {
		panic("sim: ScoreFlipFlop needs a flip-flop dataset")
	}
	n := d.TargetDim
	right, scored := make([]int, n), make([]int, n)
	allRight, allScored := 0, 0
	sq := 0.0
	lastFlip := make([]int, n)
	for k, i := range idx {
		L := d.Len(i)
		tg, y := d.Targets(i), outputs[k]
		if len(y) < L*n {
			panic(fmt.Sprintf("sim: ScoreFlipFlop: trial %d has %d outputs, want %d×%d", i, len(y), L, n))
		}
		for b := range lastFlip {
			lastFlip[b] = math.MinInt / 2
		}
		for t := 0; t < L; t++ {
			every, ok := true, true
			for b := 0; b < n; b++ {
				j := t*n + b
				// As NBFFLoss: the flip step itself is scored, the Blind after it not.
				masked := t < 5 || t-lastFlip[b] <= blind
				if t >= 1 && tg[j] != tg[j-n] {
					lastFlip[b] = t
				}
				if masked {
					every = false
					continue
				}
				e := y[j] - float64(tg[j])
				sq += e * e
				scored[b]++
				if (y[j] > 0.5) == (tg[j] > 0.5) {
					right[b]++
				} else {
					ok = false
				}
			}
			if every {
				allScored++
				if ok {
					allRight++
				}
			}
		}
	}
	s := FlipFlopScores{Trials: len(idx), BitAccuracy: make([]float64, n)}
	total := 0
	for b := range s.BitAccuracy {
		s.BitAccuracy[b] = float64(right[b]) / float64(max(scored[b], 1))
		s.MeanBitAccuracy += s.BitAccuracy[b] / float64(n)
		total += scored[b]
	}
	s.AllBits = float64(allRight) / float64(max(allScored, 1))
	s.MSE = sq / float64(max(total, 1))
	return s
}

// Table formats the scores for terminals and logs.
func (s FlipFlopScores) Table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-10s %9s\n", "bit", "accuracy")
	for i, a := range s.BitAccuracy {
		fmt.Fprintf(&b, "%-10d %8.2f%%\n", i, 100*a)
	}
	fmt.Fprintf(&b, "%-10s %8.2f%%\n%-10s %8.2f%%\n", "mean", 100*s.MeanBitAccuracy, "all bits", 100*s.AllBits)
	return b.String()
}
