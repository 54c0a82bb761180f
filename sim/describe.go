package sim

import (
	"fmt"
	"math"
	"strconv"
)

// Describer is what a task says about its channels and trials, so that the
// trial viewer, the exporters and the time-resolved analyses (event-aligned
// trajectories, decoding over time) work for every task without knowing its
// kind. Every method reads only the dataset (and, for variables of a
// closed-loop task, the plant's recorded state); trial i covers steps
// [0, d.Len(i)) and nothing is said about the padding after it.
type Describer interface {
	// InputLabels names the dataset's input channels (InputDim of them).
	InputLabels() []string
	// OutputLabels names the model's output channels (OutputDim of them).
	OutputLabels() []string
	// TargetLabels names the target channels, which are also those of the
	// controlled output the targets are compared with (the model's outputs for
	// an open-loop task; the hand position for the arm).
	TargetLabels() []string
	// ModelInputLabels names every model input (ModelInputDim of them): for a
	// closed-loop task the plant's observation first, then InputLabels.
	ModelInputLabels() []string

	// EventNames lists the event names Events can report, in the order they
	// usually happen in a trial.
	EventNames() []string
	// Events lists trial i's events in step order (ties in EventNames order).
	Events(d *Dataset, i int) []Event
	// TrialInfo is a one-line description of trial i for a viewer whose cursor
	// is at step (e.g. "reach · target shown at 12 · go cue at 140 · no bump").
	TrialInfo(d *Dataset, i, step int) string

	// ConditionLabels names the conditions Condition returns (index = condition).
	ConditionLabels(s *ConditionSettings) []string
	// Condition is trial i's condition, an index into ConditionLabels, or -1 when
	// the trial has none (a MultiTask trial whose stimulus never shows). ev is the
	// event the trial is aligned to, for tasks whose condition depends on it (the
	// flip-flop: the bit pattern after the pulse); nil means the whole trial.
	Condition(d *Dataset, i int, ev *Event, s *ConditionSettings) int

	// Variables lists the task variables an analysis may decode from the
	// latents, in the column order of VariableValues.
	Variables() []Variable
	// VariableValues writes trial i's variables at each of its steps into dst
	// (d.Len(i) × len(Variables()), row-major). plant is the trial's plant state
	// after each step as a rollout records it (d.Len(i) × len(ArmStateLabels)
	// for the arm, as nets.Inference.PlantStates returns it), or nil; variables
	// that need it (Variable.Plant) are NaN without it.
	VariableValues(dst []float64, d *Dataset, i int, plant []float32)
}

// Event names shared by the tasks. MultiTask events are named after the phase
// that starts (context, stim1, mem1, stim2, mem2, response).
const (
	EventTargetOn = "target_on" // the reach target appears (RandomTarget)
	EventGoCue    = "go_cue"    // the go cue turns on (RandomTarget; absent on catch trials)
	EventBump     = "bump"      // a force bump starts (RandomTarget)
	EventPulse    = "pulse"     // an input pulse on one bit (flip-flop)
)

// Event is something that happens in a trial at a step.
type Event struct {
	Name string
	// Step is the first step of the event; End is one past its last step
	// (Step+1 for an instant: a pulse, a cue's onset).
	Step, End int
	// Bit and Sign describe a flip-flop pulse (bit index, +1 or −1); Bit is −1
	// for every other event.
	Bit, Sign int
	// Value is the event's size where it has one (a bump's force [N]).
	Value float64
}

// Label is a short name for plots: "target", "go", "bump", a phase name, or
// "+2" / "−0" for a pulse on bit 2 / 0.
func (e Event) Label() string {
	switch e.Name {
	case EventTargetOn:
		return "target"
	case EventGoCue:
		return "go"
	case EventPulse:
		if e.Sign < 0 {
			return "−" + strconv.Itoa(e.Bit)
		}
		return "+" + strconv.Itoa(e.Bit)
	}
	return e.Name
}

// ConditionSettings configures how trials are grouped into conditions; a nil
// *ConditionSettings means the defaults.
type ConditionSettings struct {
	// DirectionBins is the number of equal angle bins of a direction (the reach
	// direction, MultiTask's stimulus direction), centred on 0°, 360°/n, …;
	// 0 means 8.
	DirectionBins int
}

// DefaultDirectionBins is the number of direction bins when none is set.
const DefaultDirectionBins = 8

func (s *ConditionSettings) bins() int {
	if s == nil || s.DirectionBins <= 0 {
		return DefaultDirectionBins
	}
	return s.DirectionBins
}

// directionBin returns the bin of angle theta [rad] among n bins centred on
// k·2π/n. Angles exactly between two centres (MultiTask's grid puts some
// there) go to the upper bin, whatever their last bit.
func directionBin(theta float64, n int) int {
	w := 2 * math.Pi / float64(n)
	a := math.Mod(theta, 2*math.Pi)
	if a < 0 {
		a += 2 * math.Pi
	}
	return int(math.Floor(a/w+0.5+1e-9)) % n
}

// directionLabels names n direction bins by their centres ("0°", "45°", …).
func directionLabels(n int) []string {
	out := make([]string, n)
	for k := range out {
		out[k] = strconv.FormatFloat(float64(k)*360/float64(n), 'g', 4, 64) + "°"
	}
	return out
}

// Variable is a task variable an analysis may decode from the latents.
type Variable struct {
	Name string // e.g. "target_x"
	// Group gathers the variables decoded together (target_x and target_y form
	// "target").
	Group string
	// Plant marks variables read from the plant's recorded state (the hand).
	Plant bool
}

// Scores are a task's own performance measures on a set of trials, beside its
// loss; at most one field is set.
type Scores struct {
	FlipFlop     *FlipFlopScores  `json:"flipflop,omitempty"`
	MultiTask    *MultiTaskScores `json:"multitask,omitempty"`
	RandomTarget *ReachScores     `json:"randomtarget,omitempty"`
}

// Table formats the scores for terminals and logs ("" when there are none).
func (s Scores) Table() string {
	switch {
	case s.FlipFlop != nil:
		return s.FlipFlop.Table()
	case s.MultiTask != nil:
		return s.MultiTask.Table()
	case s.RandomTarget != nil:
		return s.RandomTarget.Table()
	}
	return ""
}

// Scorer is implemented by tasks with performance measures of their own
// (MultiTask's success rates, the arm's reach errors).
type Scorer interface {
	// Score evaluates trials idx of d: controlled[k] is trial idx[k]'s
	// controlled output after each step (time × len(TargetLabels())).
	Score(d *Dataset, idx []int, controlled [][]float64) Scores
}

// cacheName is the reference's dataset cache name: stem, samples, steps, seed.
func cacheName(stem string, samples, steps, seed int) string {
	return fmt.Sprintf("%s_%dS_%dT_%dseed", stem, samples, steps, seed)
}

// pyFloat formats like Python's repr of a float (0.15, 0.0, 1e-05).
func pyFloat(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e16 {
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return fmt.Sprint(v)
}

func fillNaN(a []float64) {
	for i := range a {
		a[i] = math.NaN()
	}
}

func checkVariables(dst []float64, d *Dataset, i, n int) {
	if len(dst) != d.Len(i)*n {
		panic(fmt.Sprintf("sim: VariableValues needs %d×%d values for trial %d, got %d", d.Len(i), n, i, len(dst)))
	}
}
