package sim

import (
	"fmt"
	"math"
	"strings"
)

// MultiTaskScore is one task's performance on a set of trials.
type MultiTaskScore struct {
	Task   string `json:"task"`
	Trials int    `json:"trials"`
	// NoGo counts the trials whose target response is zero (Match family).
	NoGo int `json:"nogo_trials"`
	// Loss is the MultiTaskLoss reconstruction term over these trials (sum over
	// time, mean over trials and channels; no latent penalty).
	Loss float64 `json:"loss"`
	// SuccessRate follows the reference's MultiTaskPerformance rule, quirks
	// included, so that it compares with the reference's success_rate/<task>.
	SuccessRate float64 `json:"success_rate"`
	// StrictSuccessRate scores no-go trials as intended: success only when the
	// response output stays near zero (|cos| + |sin| < 0.1).
	StrictSuccessRate float64 `json:"strict_success_rate"`
}

// MultiTaskScores is a per-task evaluation, tasks in order of first appearance.
type MultiTaskScores struct {
	Tasks []MultiTaskScore `json:"tasks"`
	// All pools every trial (rates and loss averaged over trials, not tasks).
	All MultiTaskScore `json:"all"`
}

// multiTaskSuccessTol is the reference's angular tolerance, π/10.
const multiTaskSuccessTol = math.Pi / 10

// ScoreMultiTask evaluates model outputs on trials idx of d. outputs[k] holds the
// outputs of trial idx[k], time-major for that trial (step t at
// outputs[k][t*3 : t*3+3]), for at least the trial's length.
//
// Success (spec §7.3, the reference's MultiTaskPerformance): take the response
// outputs (cos, sin) at the last response step end−1; the trial succeeds if their
// angle is within π/10 of the target's angle there (smallest wrapped difference).
// For a no-go trial (zero target) the reference also accepts a signed sum
// cos + sin < 0.1. [reference quirk, kept in SuccessRate] That sum is signed, so
// any strong response into the third quadrant passes, and the angle test with
// atan2(0, 0) = 0 passes a strong response towards angle 0: the rate says little
// about withholding. StrictSuccessRate instead requires |cos| + |sin| < 0.1 on
// no-go trials (the absolute sum the reference applies to the target) and uses
// the angle test only on go trials.
func ScoreMultiTask(d *Dataset, idx []int, outputs [][]float64) MultiTaskScores {
	if len(outputs) != len(idx) {
		panic(fmt.Sprintf("sim: ScoreMultiTask: %d outputs for %d trials", len(outputs), len(idx)))
	}
	if d.TargetDim != multiTaskOutputs || d.TaskNames == nil {
		panic("sim: ScoreMultiTask needs a MultiTask dataset")
	}
	type acc struct {
		s                     MultiTaskScore
		succ, strict, lossSum float64
	}
	var order []string
	accs := map[string]*acc{}
	all := &acc{s: MultiTaskScore{Task: "all"}}
	for k, i := range idx {
		name := d.TaskNames[i]
		a := accs[name]
		if a == nil {
			a = &acc{s: MultiTaskScore{Task: name}}
			accs[name] = a
			order = append(order, name)
		}
		L := d.Len(i)
		y := outputs[k]
		if len(y) < L*multiTaskOutputs {
			panic(fmt.Sprintf("sim: ScoreMultiTask: trial %d has %d outputs, want at least %d×3", i, len(y), L))
		}
		tg := d.Targets(i)
		rs, re := d.Extra[i][0], d.Extra[i][1]
		loss := 0.0
		for t := 0; t < re; t++ {
			w := multiTaskWeight(t, rs, re)
			if w == 0 {
				continue
			}
			for c := 0; c < multiTaskOutputs; c++ {
				e := y[t*3+c] - float64(tg[t*3+c])
				loss += w * e * e
			}
		}
		loss /= multiTaskOutputs
		ok, strict, nogo := multiTaskSuccess(y[(re-1)*3:re*3], tg[(re-1)*3:re*3])
		for _, x := range []*acc{a, all} {
			x.s.Trials++
			x.lossSum += loss
			if nogo {
				x.s.NoGo++
			}
			if ok {
				x.succ++
			}
			if strict {
				x.strict++
			}
		}
	}
	finish := func(a *acc) MultiTaskScore {
		s := a.s
		if s.Trials > 0 {
			n := float64(s.Trials)
			s.Loss, s.SuccessRate, s.StrictSuccessRate = a.lossSum/n, a.succ/n, a.strict/n
		}
		return s
	}
	var out MultiTaskScores
	for _, name := range order {
		out.Tasks = append(out.Tasks, finish(accs[name]))
	}
	out.All = finish(all)
	return out
}

// multiTaskSuccess scores one trial from its outputs and targets at step end−1.
func multiTaskSuccess(y []float64, tg []float32) (ref, strict, nogo bool) {
	pc, ps := y[1], y[2]
	tc, ts := float64(tg[1]), float64(tg[2])
	nogo = tc == 0 && ts == 0
	diff := math.Abs(math.Remainder(math.Atan2(ps, pc)-math.Atan2(ts, tc), 2*math.Pi))
	angleOK := diff < multiTaskSuccessTol
	ref = angleOK || (nogo && pc+ps < 0.1)
	if nogo {
		strict = math.Abs(pc)+math.Abs(ps) < 0.1
	} else {
		strict = angleOK
	}
	return ref, strict, nogo
}

// Table formats the scores as a fixed-width text table for terminals and logs.
func (s MultiTaskScores) Table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-22s %7s %6s %12s %9s %9s\n", "task", "trials", "no-go", "loss", "success", "strict")
	row := func(r MultiTaskScore) {
		fmt.Fprintf(&b, "%-22s %7d %6d %12.4f %8.1f%% %8.1f%%\n", r.Task, r.Trials, r.NoGo, r.Loss,
			100*r.SuccessRate, 100*r.StrictSuccessRate)
	}
	for _, r := range s.Tasks {
		row(r)
	}
	row(s.All)
	return b.String()
}
