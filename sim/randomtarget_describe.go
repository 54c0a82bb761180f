package sim

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/ctdtui/ctdtui/sim/arm"
)

// TargetLabels names the targets: the hand position they are compared with.
func (r *RandomTarget) TargetLabels() []string { return []string{"hand_x", "hand_y"} }

// ModelInputLabels names the model's inputs: the arm's observation (hand
// position, the six normalised muscle lengths and velocities), then the
// context inputs.
func (r *RandomTarget) ModelInputLabels() []string {
	l := []string{"hand_x", "hand_y"}
	for _, m := range arm.MuscleNames {
		l = append(l, "len_"+m)
	}
	for _, m := range arm.MuscleNames {
		l = append(l, "vel_"+m)
	}
	return append(l, r.InputLabels()...)
}

// EventNames implements Describer.
func (r *RandomTarget) EventNames() []string { return []string{EventTargetOn, EventGoCue, EventBump} }

// Events implements Describer: target onset, go cue (not on catch trials) and
// the bump's start (End its end, Value its force [N]) when the trial has one
// that starts within the trial.
func (r *RandomTarget) Events(d *Dataset, i int) []Event {
	ex := d.Extra[i]
	ev := []Event{{Name: EventTargetOn, Step: ex[0], End: ex[0] + 1, Bit: -1}}
	if ex[1] >= 0 {
		ev = append(ev, Event{Name: EventGoCue, Step: ex[1], End: ex[1] + 1, Bit: -1})
	}
	if b0, b1, mag := bumpOf(d.EnvInputs(i)); b0 >= 0 {
		ev = append(ev, Event{Name: EventBump, Step: b0, End: b1, Bit: -1, Value: mag})
	}
	// In step order; a tie keeps EventNames order (the slice is already in it).
	for a := 1; a < len(ev); a++ {
		for b := a; b > 0 && ev[b].Step < ev[b-1].Step; b-- {
			ev[b], ev[b-1] = ev[b-1], ev[b]
		}
	}
	return ev
}

// bumpOf finds the steps [b0, b1) where the bump force is on and its
// magnitude; b0 = −1 when the trial has no bump.
func bumpOf(env []float32) (b0, b1 int, mag float64) {
	b0, b1 = -1, -1
	for t := 0; 2*t+1 < len(env); t++ {
		fx, fy := float64(env[2*t]), float64(env[2*t+1])
		if fx != 0 || fy != 0 {
			if b0 < 0 {
				b0 = t
				mag = math.Hypot(fx, fy)
			}
			b1 = t + 1
		}
	}
	return b0, b1, mag
}

// TrialInfo implements Describer: reach or catch trial, and its events.
func (r *RandomTarget) TrialInfo(d *Dataset, i, _ int) string {
	ex := d.Extra[i]
	var parts []string
	if ex[1] < 0 {
		parts = append(parts, "catch trial (no go cue)")
	} else {
		parts = append(parts, "reach")
	}
	parts = append(parts, fmt.Sprintf("target shown at %d", ex[0]))
	if ex[1] >= 0 {
		parts = append(parts, fmt.Sprintf("go cue at %d", ex[1]))
	}
	if b0, b1, mag := bumpOf(d.EnvInputs(i)); b0 >= 0 {
		parts = append(parts, fmt.Sprintf("bump %d-%d (%.1f N)", b0, b1-1, mag))
	} else {
		parts = append(parts, "no bump")
	}
	if r.P.hasLevels() {
		parts = append(parts, r.levelInfo(TrialLevel(d, i)))
	}
	return strings.Join(parts, " · ")
}

// levelInfo names a trial's level with its field ("constant field 1 N",
// "curl field 10 N·s/m", or "level 1" without a field).
func (r *RandomTarget) levelInfo(level float64) string {
	v := strconv.FormatFloat(level, 'g', 4, 64)
	switch r.field.Kind {
	case arm.FieldConstant:
		return fmt.Sprintf("constant field %s N towards (%.2g, %.2g)", v, r.field.Dir[0], r.field.Dir[1])
	case arm.FieldCurl:
		return fmt.Sprintf("curl field %s N·s/m", v)
	}
	return "level " + v + " (no field)"
}

// TrialLevel is trial i's field level: the fifth initial-condition column of
// a dataset whose trials carry one, else 0.
func TrialLevel(d *Dataset, i int) float64 {
	if d.ICDim <= arm.ICDim {
		return 0
	}
	return d.ICs[i*d.ICDim+arm.ICDim]
}

// ConditionLabels implements Describer: the reach-direction bins (for
// centre-out, by default one per target direction).
func (r *RandomTarget) ConditionLabels(s *ConditionSettings) []string {
	return directionLabels(r.bins(s))
}

// Condition implements Describer: the bin of the direction from the start to
// the target (catch trials included: their target is shown too).
func (r *RandomTarget) Condition(d *Dataset, i int, _ *Event, s *ConditionSettings) int {
	start, goal := r.startGoal(d, i)
	return directionBin(math.Atan2(goal[1]-start[1], goal[0]-start[0]), r.bins(s))
}

func (r *RandomTarget) bins(s *ConditionSettings) int {
	if r.co != nil && (s == nil || s.DirectionBins <= 0) {
		return r.co.n
	}
	return s.bins()
}

// startGoal reads trial i's start and target hand positions from the dataset:
// the start is the first step's target, the goal the target input once shown.
func (r *RandomTarget) startGoal(d *Dataset, i int) (start, goal [2]float64) {
	tg, in := d.Targets(i), d.TrueInputs(i)
	on := min(max(d.Extra[i][0], 0), d.Len(i)-1)
	n := d.InputDim
	return [2]float64{float64(tg[0]), float64(tg[1])}, [2]float64{float64(in[on*n]), float64(in[on*n+1])}
}

// Variables implements Describer: the target and start positions (constant
// over the trial), the hand's position and velocity from the plant, and, when
// trials carry one, the field level.
func (r *RandomTarget) Variables() []Variable {
	v := []Variable{
		{Name: "target_x", Group: "target"}, {Name: "target_y", Group: "target"},
		{Name: "start_x", Group: "start"}, {Name: "start_y", Group: "start"},
		{Name: "hand_x", Group: "hand position", Plant: true}, {Name: "hand_y", Group: "hand position", Plant: true},
		{Name: "hand_vx", Group: "hand velocity", Plant: true}, {Name: "hand_vy", Group: "hand velocity", Plant: true},
	}
	if r.P.hasLevels() {
		v = append(v, Variable{Name: "field_level", Group: "field level"})
	}
	return v
}

// VariableValues implements Describer; plant holds ArmStateDim channels per
// step (ArmEpisode.State's) or is nil (the hand variables are then NaN).
func (r *RandomTarget) VariableValues(dst []float64, d *Dataset, i int, plant []float32) {
	nv := len(r.Variables())
	L := d.Len(i)
	checkVariables(dst, d, i, nv)
	if plant != nil && len(plant) != L*ArmStateDim {
		panic(fmt.Sprintf("sim: RandomTarget variables: plant state has %d values, want %d×%d", len(plant), L, ArmStateDim))
	}
	start, goal := r.startGoal(d, i)
	level := TrialLevel(d, i)
	for t := range L {
		row := dst[t*nv : (t+1)*nv]
		row[0], row[1], row[2], row[3] = goal[0], goal[1], start[0], start[1]
		if nv > 8 {
			row[8] = level
		}
		if plant == nil {
			row[4], row[5], row[6], row[7] = math.NaN(), math.NaN(), math.NaN(), math.NaN()
			continue
		}
		ps := plant[t*ArmStateDim : (t+1)*ArmStateDim]
		row[4], row[5] = float64(ps[ArmHandX]), float64(ps[ArmHandY])
		row[6], row[7] = float64(ps[ArmHandVX]), float64(ps[ArmHandVY])
	}
}

// Score implements Scorer: end-of-reach errors and the position MSE.
func (r *RandomTarget) Score(d *Dataset, idx []int, controlled [][]float64) Scores {
	sc := ScoreRandomTarget(d, idx, controlled)
	return Scores{RandomTarget: &sc}
}
