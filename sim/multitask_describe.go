package sim

import (
	"fmt"
	"math"
	"slices"
	"sort"
)

// multiTaskPhaseOrder is the order of a MultiTask trial's phases.
var multiTaskPhaseOrder = []string{"context", "stim1", "mem1", "stim2", "mem2", "response"}

// EventNames implements Describer: the start of each phase.
func (m *MultiTask) EventNames() []string { return slices.Clone(multiTaskPhaseOrder) }

// Events implements Describer: the start of each phase the trial has (phases
// of zero length are absent), in step order; End is the phase's end.
func (m *MultiTask) Events(d *Dataset, i int) []Event {
	if i >= len(d.Phases) {
		return nil
	}
	var ev []Event
	for _, name := range multiTaskPhaseOrder {
		if r, ok := d.Phases[i][name]; ok && r[1] > r[0] && r[0] < d.Len(i) {
			ev = append(ev, Event{Name: name, Step: r[0], End: min(r[1], d.Len(i)), Bit: -1})
		}
	}
	sort.SliceStable(ev, func(a, b int) bool { return ev[a].Step < ev[b].Step })
	return ev
}

// TrialInfo implements Describer: the trial's task and the phase at step.
func (m *MultiTask) TrialInfo(d *Dataset, i, step int) string {
	if i >= len(d.TaskNames) {
		return ""
	}
	s := "task " + d.TaskNames[i]
	for _, e := range m.Events(d, i) {
		if step >= e.Step && step < e.End {
			s += fmt.Sprintf(" · in %s (steps %d-%d)", e.Name, e.Step, e.End-1)
		}
	}
	return s
}

// ConditionLabels implements Describer: each task of the list (a repeated name
// gets its position, "IntMod1#7") by stimulus-direction bin.
func (m *MultiTask) ConditionLabels(s *ConditionSettings) []string {
	dirs := directionLabels(s.bins())
	var out []string
	for k, name := range m.P.Tasks {
		if slices.Index(m.P.Tasks, name) != k || slices.Index(m.P.Tasks[k+1:], name) >= 0 {
			name = fmt.Sprintf("%s#%d", name, k)
		}
		for _, dl := range dirs {
			out = append(out, name+" "+dl)
		}
	}
	return out
}

// Condition implements Describer: task index × bins + the bin of the first
// stimulus's direction; −1 when the trial shows no stimulus.
func (m *MultiTask) Condition(d *Dataset, i int, _ *Event, s *ConditionSettings) int {
	theta, ok := m.stimulusDirection(d, i)
	task := d.Conds[i]
	if !ok || task < 0 || task >= len(m.P.Tasks) {
		return -1
	}
	n := s.bins()
	return task*n + directionBin(theta, n)
}

// stimulusDirection is the direction [rad] of the trial's first stimulus: the
// first step where a modality's noise-free (cos, sin) input is on, modality 1
// before modality 2.
func (m *MultiTask) stimulusDirection(d *Dataset, i int) (float64, bool) {
	const n = multiTaskInputs
	in := d.TrueInputs(i)
	for t := range d.Len(i) {
		row := in[t*n : (t+1)*n]
		for _, ch := range []int{1, 3} {
			if c, s := float64(row[ch]), float64(row[ch+1]); c != 0 || s != 0 {
				return math.Atan2(s, c), true
			}
		}
	}
	return 0, false
}

// Variables implements Describer: the first stimulus's direction as cos, sin.
func (m *MultiTask) Variables() []Variable {
	return []Variable{{Name: "stim_cos", Group: "stimulus direction"}, {Name: "stim_sin", Group: "stimulus direction"}}
}

// VariableValues implements Describer: the trial's first stimulus direction
// at every step (NaN for a trial without a stimulus).
func (m *MultiTask) VariableValues(dst []float64, d *Dataset, i int, _ []float32) {
	checkVariables(dst, d, i, 2)
	theta, ok := m.stimulusDirection(d, i)
	if !ok {
		fillNaN(dst)
		return
	}
	s, c := math.Sincos(theta)
	for t := range d.Len(i) {
		dst[2*t], dst[2*t+1] = c, s
	}
}

// Score implements Scorer: per-task success rates and losses.
func (m *MultiTask) Score(d *Dataset, idx []int, controlled [][]float64) Scores {
	sc := ScoreMultiTask(d, idx, controlled)
	return Scores{MultiTask: &sc}
}
