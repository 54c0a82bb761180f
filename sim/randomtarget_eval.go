package sim

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// ReachScores summarises closed-loop reaches on a set of trials: how far the
// hand ends from where it should be at the last step of the trial.
type ReachScores struct {
	// Reach covers trials with a go cue (the hand should end on the target);
	// Hold covers catch trials (the hand should stay at the start).
	Reach ReachStat `json:"reach"`
	Hold  ReachStat `json:"hold"`
	// PositionLoss is the mean squared hand-position error over every step
	// (the loss's position term at the full curriculum).
	PositionLoss float64 `json:"position_loss"`
	// PerLevel splits the scores by field level when the trials have more
	// than one (in increasing level).
	PerLevel []LevelScores `json:"per_level,omitempty"`
}

// LevelScores are the reach scores of the trials at one field level.
type LevelScores struct {
	Level        float64   `json:"level"`
	Reach        ReachStat `json:"reach"`
	Hold         ReachStat `json:"hold"`
	PositionLoss float64   `json:"position_loss"`
}

// ReachStat describes end-of-trial hand errors in metres.
type ReachStat struct {
	Trials    int     `json:"trials"`
	MeanErr   float64 `json:"mean_error_m"`
	MedianErr float64 `json:"median_error_m"`
	// Within2cm is the fraction of trials ending within 2 cm of the goal.
	Within2cm float64 `json:"within_2cm"`
}

// ScoreRandomTarget evaluates hand positions on trials idx of a RandomTarget
// or centre-out dataset: hands[k] is trial idx[k]'s hand position after each
// step (time × 2).
func ScoreRandomTarget(d *Dataset, idx []int, hands [][]float64) ReachScores {
	if len(hands) != len(idx) {
		panic(fmt.Sprintf("sim: ScoreRandomTarget: %d hand traces for %d trials", len(hands), len(idx)))
	}
	if d.TargetDim != 2 || (d.Task != KindRandomTarget && d.Task != KindCentreOut) {
		panic("sim: ScoreRandomTarget needs a RandomTarget or centre-out dataset")
	}
	type acc struct {
		reach, hold []float64
		sq          float64
		n           int
	}
	all := &acc{}
	byLevel := map[float64]*acc{}
	for k, i := range idx {
		lv := TrialLevel(d, i)
		a := byLevel[lv]
		if a == nil {
			a = &acc{}
			byLevel[lv] = a
		}
		L := d.Len(i)
		tg, h := d.Targets(i), hands[k]
		for t := 0; t < L; t++ {
			dx, dy := h[2*t]-float64(tg[2*t]), h[2*t+1]-float64(tg[2*t+1])
			all.sq += dx*dx + dy*dy
			a.sq += dx*dx + dy*dy
		}
		last := L - 1
		err := math.Hypot(h[2*last]-float64(tg[2*last]), h[2*last+1]-float64(tg[2*last+1]))
		for _, a := range []*acc{all, a} {
			a.n += 2 * L
			if d.Conds[i] == 1 { // catch trial
				a.hold = append(a.hold, err)
			} else {
				a.reach = append(a.reach, err)
			}
		}
	}
	mse := func(a *acc) float64 { return a.sq / float64(max(a.n, 1)) }
	s := ReachScores{Reach: reachStat(all.reach), Hold: reachStat(all.hold), PositionLoss: mse(all)}
	if len(byLevel) > 1 {
		levels := make([]float64, 0, len(byLevel))
		for lv := range byLevel {
			levels = append(levels, lv)
		}
		slices.Sort(levels)
		for _, lv := range levels {
			a := byLevel[lv]
			s.PerLevel = append(s.PerLevel, LevelScores{Level: lv, Reach: reachStat(a.reach), Hold: reachStat(a.hold), PositionLoss: mse(a)})
		}
	}
	return s
}

func reachStat(e []float64) ReachStat {
	s := ReachStat{Trials: len(e)}
	if len(e) == 0 {
		return s
	}
	slices.Sort(e)
	within := 0
	for _, v := range e {
		s.MeanErr += v / float64(len(e))
		if v < 0.02 {
			within++
		}
	}
	s.MedianErr = e[len(e)/2]
	if len(e)%2 == 0 {
		s.MedianErr = (e[len(e)/2-1] + e[len(e)/2]) / 2
	}
	s.Within2cm = float64(within) / float64(len(e))
	return s
}

// Table formats the scores for terminals and logs.
func (s ReachScores) Table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-24s %7s %12s %12s %10s\n", "trials", "count", "mean error", "median", "< 2 cm")
	row := func(name string, r ReachStat) {
		fmt.Fprintf(&b, "%-24s %7d %10.1f mm %9.1f mm %9.1f%%\n", name, r.Trials, 1000*r.MeanErr, 1000*r.MedianErr, 100*r.Within2cm)
	}
	row("reach (end vs target)", s.Reach)
	row("catch (end vs start)", s.Hold)
	fmt.Fprintf(&b, "position MSE over all steps: %.4g m²\n", s.PositionLoss)
	for _, l := range s.PerLevel {
		lv := strconv.FormatFloat(l.Level, 'g', 4, 64)
		row("level "+lv+": reach", l.Reach)
		if l.Hold.Trials > 0 {
			row("level "+lv+": catch", l.Hold)
		}
		fmt.Fprintf(&b, "level %s: position MSE %.4g m²\n", lv, l.PositionLoss)
	}
	return b.String()
}
