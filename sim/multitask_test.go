package sim

import (
	"fmt"
	"math"
	"testing"
)

type multiTaskGolden struct {
	BinSize    int     `json:"bin_size"`
	NumTargets int     `json:"num_targets"`
	Noise      float64 `json:"noise"`
	Trials     []struct {
		Task      string            `json:"task"`
		Seed      uint32            `json:"seed"`
		TotalLen  int               `json:"total_len"`
		PhaseDict map[string][2]int `json:"phase_dict"`
		// Runs [channel, start, end, value] of equal non-zero values; the rest is 0.
		TrueInputsRuns [][4]float64 `json:"true_inputs_runs"`
		TargetsRuns    [][4]float64 `json:"targets_runs"`
		NoisyRow0      []float64    `json:"noisy_inputs_row0"`
		NoisyLastRow   []float64    `json:"noisy_inputs_last_row"`
		NoiseSum       float64      `json:"noise_sum"`
		NoiseSumSq     float64      `json:"noise_sumsq"`
		Info           struct {
			Angle1  *float64  `json:"angle1"`
			Angle2  *float64  `json:"angle2"`
			MagA    []float64 `json:"magA"`
			MagB    []float64 `json:"magB"`
			Chosen  *float64  `json:"chosen"`
			Respond *bool     `json:"respond"`
		} `json:"info"`
	} `json:"trials"`
}

func fromRuns(runs [][4]float64, T, C int) []float64 {
	a := make([]float64, T*C)
	for _, r := range runs {
		for t := int(r[1]); t < int(r[2]); t++ {
			a[t*C+int(r[0])] = r[3]
		}
	}
	return a
}

// Every golden trial (one per task, seeds 1000–1014, and a responding trial of
// each Match-family task) is reproduced bit for bit: phase lengths, angles,
// magnitudes, every noise-free input and target, the noisy inputs.
func TestMultiTaskTrialsGolden(t *testing.T) {
	var g multiTaskGolden
	loadJSON(t, "tt_multitask_trials.json", &g)
	if len(g.Trials) != 19 {
		t.Fatalf("%d golden trials", len(g.Trials))
	}
	for _, gt := range g.Trials {
		p := DefaultMultiTask()
		p.Tasks, p.BinSize, p.NumTargets, p.Noise = []string{gt.Task}, g.BinSize, g.NumTargets, g.Noise
		m, err := NewMultiTask(p)
		if err != nil {
			t.Fatal(err)
		}
		tr, info := m.trial(0, NewNumpyRNG(gt.Seed))
		id := fmt.Sprintf("%s (seed %d)", gt.Task, gt.Seed)
		if tr.Len != gt.TotalLen {
			t.Fatalf("%s: length %d want %d", id, tr.Len, gt.TotalLen)
		}
		if len(tr.Phases) != len(gt.PhaseDict) {
			t.Fatalf("%s: phases %v want %v", id, tr.Phases, gt.PhaseDict)
		}
		for k, v := range gt.PhaseDict {
			if tr.Phases[k] != v {
				t.Fatalf("%s: phase %s = %v want %v", id, k, tr.Phases[k], v)
			}
		}
		if tr.Extra != gt.PhaseDict["response"] || tr.TaskName != gt.Task || tr.Cond != 0 {
			t.Fatalf("%s: extra %v name %q cond %d", id, tr.Extra, tr.TaskName, tr.Cond)
		}
		exact := func(what string, got, want []float64) {
			t.Helper()
			if len(got) != len(want) {
				t.Fatalf("%s %s: %d values want %d", id, what, len(got), len(want))
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("%s %s[%d] (step %d, channel %d) = %v want %v", id, what, i,
						i/(len(got)/tr.Len), i%(len(got)/tr.Len), got[i], want[i])
				}
			}
		}
		exact("true inputs", tr.TrueInputs, fromRuns(gt.TrueInputsRuns, tr.Len, 20))
		exact("targets", tr.Targets, fromRuns(gt.TargetsRuns, tr.Len, 3))
		exact("noisy row 0", tr.Inputs[:20], gt.NoisyRow0)
		exact("noisy last row", tr.Inputs[(tr.Len-1)*20:], gt.NoisyLastRow)
		sum, sumsq := 0.0, 0.0
		for i := range tr.Inputs {
			e := tr.Inputs[i] - tr.TrueInputs[i]
			sum += e
			sumsq += e * e
		}
		// The sums depend on the summation order (numpy sums pairwise).
		if math.Abs(sum-gt.NoiseSum) > 1e-10 || math.Abs(sumsq-gt.NoiseSumSq) > 1e-9 {
			t.Fatalf("%s: noise sum %v / %v, want %v / %v", id, sum, sumsq, gt.NoiseSum, gt.NoiseSumSq)
		}
		gi := gt.Info
		if gi.Angle1 != nil && info.angle1 != *gi.Angle1 {
			t.Fatalf("%s: angle1 %v want %v", id, info.angle1, *gi.Angle1)
		}
		if gi.Angle2 != nil && info.angle2 != *gi.Angle2 {
			t.Fatalf("%s: angle2 %v want %v", id, info.angle2, *gi.Angle2)
		}
		if gi.MagA != nil && (info.magA[0] != gi.MagA[0] || info.magA[1] != gi.MagA[1] ||
			info.magB[0] != gi.MagB[0] || info.magB[1] != gi.MagB[1]) {
			t.Fatalf("%s: magnitudes %v %v want %v %v", id, info.magA, info.magB, gi.MagA, gi.MagB)
		}
		if gi.Chosen != nil && float64(info.chosen) != *gi.Chosen {
			t.Fatalf("%s: chosen %d want %v", id, info.chosen, *gi.Chosen)
		}
		if gi.Respond != nil && info.respond != *gi.Respond {
			t.Fatalf("%s: respond %v want %v", id, info.respond, *gi.Respond)
		}
	}
}
