package study

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/ctdtui/ctdtui/sim"
)

// Information over time (template Q6, spec §4): the latents aligned to a
// task event (target onset, go cue, a flip-flop pulse, a MultiTask phase),
// averaged by condition, and decoded step by step. Events, conditions and
// variables come from the task (sim.Describer), so every task kind works.
// An aligned window [−pre, +post] around each occurrence of the event keeps
// only the steps inside the trial: trials without the event and steps
// outside a trial are left out, never zero-filled.

// Window is an aligned window: steps −Pre … +Post around the event.
type Window struct {
	Pre  int `json:"pre"`
	Post int `json:"post"`
}

// DefaultWindow is −50 … +150.
var DefaultWindow = Window{Pre: 50, Post: 150}

// ParseWindow parses "-50,150" (the --window flag): the first and last
// aligned step, the first ≤ 0 ≤ the last.
func ParseWindow(s string) (Window, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 2 {
		return Window{}, fmt.Errorf("--window %q: want FIRST,LAST aligned steps, e.g. -50,150", s)
	}
	a, err1 := strconv.Atoi(strings.TrimSpace(parts[0]))
	b, err2 := strconv.Atoi(strings.TrimSpace(parts[1]))
	if err1 != nil || err2 != nil {
		return Window{}, fmt.Errorf("--window %q: the steps must be integers, e.g. -50,150", s)
	}
	if a > 0 || b < 0 {
		return Window{}, fmt.Errorf("--window %q: the window must contain the event (first ≤ 0 ≤ last)", s)
	}
	return Window{Pre: -a, Post: b}, nil
}

// Steps lists the aligned steps −Pre … +Post.
func (w Window) Steps() []int {
	out := make([]int, 0, w.Pre+w.Post+1)
	for k := -w.Pre; k <= w.Post; k++ {
		out = append(out, k)
	}
	return out
}

// AlignedSample is one occurrence of the event in one trial.
type AlignedSample struct {
	// K indexes the phase's trial list (its inference), Trial the dataset.
	K, Trial int
	Event    sim.Event
	// Cond is the trial's condition for this occurrence (-1: none).
	Cond int
}

// alignSamples lists every occurrence of event in the trials (dataset
// indices, in order) and counts the trials without it.
func alignSamples(task sim.Task, d *sim.Dataset, trials []int, event string, cs *sim.ConditionSettings) (out []AlignedSample, without int) {
	for k, i := range trials {
		found := false
		for _, ev := range task.Events(d, i) {
			if ev.Name != event {
				continue
			}
			found = true
			e := ev
			out = append(out, AlignedSample{K: k, Trial: i, Event: e, Cond: task.Condition(d, i, &e, cs)})
		}
		if !found {
			without++
		}
	}
	return out, without
}

// checkEvent refuses an event the task does not name.
func checkEvent(task sim.Task, event string) error {
	names := task.EventNames()
	if event == "" {
		return fmt.Errorf("--event is required: one of %s (the %s task's events)", strings.Join(names, ", "), task.Kind())
	}
	if !slices.Contains(names, event) {
		return fmt.Errorf("--event %q is not an event of the %s task: one of %s", event, task.Kind(), strings.Join(names, ", "))
	}
	return nil
}

// inWindow reports whether aligned step j of a sample lies inside its trial
// (of length L), and returns the trial step.
func inWindow(s AlignedSample, j, L int) (int, bool) {
	t := s.Event.Step + j
	return t, t >= 0 && t < L
}

// AlignOptions configures `ctdtui align`.
type AlignOptions struct {
	Phase  string `json:"phase"`
	Event  string `json:"event"`
	Window Window `json:"window"`
	// By groups the trials: "condition" (default; the task's condition:
	// RandomTarget the reach direction, target_dir; flip-flop the bit pattern
	// after the pulse; MultiTask task and stimulus direction) or "none".
	By string `json:"by"`
	// Bins is the number of direction bins of a direction condition
	// (default 8).
	Bins int `json:"bins"`
	// PCs is the number of PCs of the phase's latents the means are shown in
	// (default 3).
	PCs int `json:"pcs"`
}

// byAliases are the --by names that mean the task's own condition.
var byAliases = []string{"condition", "target_dir", "direction", "task", "bits", "pattern"}

func (o AlignOptions) normalized(task sim.Task) (AlignOptions, error) {
	if o.Phase == "" {
		o.Phase = "all"
	}
	p, err := normPhase(o.Phase)
	if err != nil {
		return o, err
	}
	o.Phase = p
	if err := checkEvent(task, o.Event); err != nil {
		return o, err
	}
	if o.Window == (Window{}) {
		o.Window = DefaultWindow
	}
	if o.Window.Pre < 0 || o.Window.Post < 0 {
		return o, fmt.Errorf("--window must contain the event, got %d … %d", -o.Window.Pre, o.Window.Post)
	}
	switch {
	case o.By == "":
		o.By = "condition"
	case slices.Contains(byAliases, o.By):
		o.By = "condition"
	case o.By != "none":
		return o, fmt.Errorf("--by %q: one of condition (the task's: %s), none", o.By, strings.Join(byAliases[1:], ", "))
	}
	if o.Bins < 0 {
		return o, fmt.Errorf("--bins must be positive, got %d", o.Bins)
	}
	if o.Bins == 0 {
		o.Bins = sim.DefaultDirectionBins
	}
	if o.PCs < 0 {
		return o, fmt.Errorf("--pcs must be positive, got %d", o.PCs)
	}
	if o.PCs == 0 {
		o.PCs = 3
	}
	return o, nil
}

// AlignCondition is one condition's aligned mean trajectory.
type AlignCondition struct {
	Label string `json:"label"`
	// Index is the task's condition index (-1 for all trials with --by none).
	Index   int `json:"index"`
	Samples int `json:"samples"`
	// Count[j] is how many of its samples cover aligned step j; PC[j] the
	// mean latent state there on the phase's first PCs (null where Count is
	// zero).
	Count []int       `json:"count"`
	PC    [][]float64 `json:"pc"`
}

// EventMark is where another event of the task falls relative to the
// aligned one, over the samples that have it.
type EventMark struct {
	Name    string  `json:"name"`
	Label   string  `json:"label"`
	Samples int     `json:"samples"`
	Mean    float64 `json:"mean"`
	Min     int     `json:"min"`
	Max     int     `json:"max"`
}

// AlignReport is `ctdtui align`.
type AlignReport struct {
	Run     RunInfo      `json:"run"`
	Options AlignOptions `json:"options"`
	// Events are the task's event names.
	Events []string `json:"events"`
	// Steps are the aligned steps −pre … +post.
	Steps []int `json:"steps"`
	// Samples counts the aligned windows (occurrences of the event), Trials
	// the trials with the event, Without those without it (left out).
	Samples int `json:"samples"`
	Trials  int `json:"trials"`
	Without int `json:"without"`
	// Count[j] is the number of samples whose trial covers aligned step j.
	Count []int `json:"count"`
	// ConditionR2[j] is the share of the latents' variance at aligned step j
	// explained by the condition (between-condition over total, over samples
	// with a condition); Speed[j] the mean ‖h_t − h_{t−1}‖ there.
	ConditionR2 []float64 `json:"condition_r2"`
	Speed       []float64 `json:"speed"`
	// PCRatio is the explained-variance ratio of the PCs shown.
	PCRatio    []float64        `json:"pc_ratio"`
	Conditions []AlignCondition `json:"conditions"`
	// Marks are the other events relative to the aligned one.
	Marks []EventMark `json:"marks"`
}

// Align aligns the phase's latents to the event and averages them by
// condition (see AlignOptions).
func (s *Session) Align(ctx context.Context, o AlignOptions, progress ProgressFunc) (*AlignReport, error) {
	task, d := s.Run.Task, s.Run.Data
	o, err := o.normalized(task)
	if err != nil {
		return nil, err
	}
	progress.report(Progress{Stage: "inference", Total: 1})
	inf, err := s.Inference(ctx, o.Phase)
	if err != nil {
		return nil, err
	}
	pca, err := s.PCA(ctx, o.Phase)
	if err != nil {
		return nil, err
	}
	k := min(o.PCs, pca.NComponents())
	cs := &sim.ConditionSettings{DirectionBins: o.Bins}
	samples, without := alignSamples(task, d, inf.Trials, o.Event, cs)
	steps := o.Window.Steps()
	J, H := len(steps), inf.H
	r := &AlignReport{Run: s.Info(), Options: o, Events: task.EventNames(), Steps: steps, Samples: len(samples),
		Without: without, Count: make([]int, J), ConditionR2: make([]float64, J), Speed: make([]float64, J),
		PCRatio: slices.Clone(pca.ExplainedVarianceRatio[:k])}
	trialsWith := map[int]bool{}
	for _, sm := range samples {
		trialsWith[sm.Trial] = true
	}
	r.Trials = len(trialsWith)

	// Groups: the task's conditions, or one group.
	labels := []string{"all"}
	group := func(sm AlignedSample) int { return 0 }
	if o.By == "condition" {
		labels = task.ConditionLabels(cs)
		group = func(sm AlignedSample) int { return sm.Cond }
	}
	G := len(labels)
	sums := make([][]float64, G) // J×H per group
	counts := make([][]int, G)
	nSamples := make([]int, G)
	for g := range sums {
		sums[g] = make([]float64, J*H)
		counts[g] = make([]int, J)
	}
	sq := make([]float64, J) // Σ‖h‖² over grouped samples, per step
	speedSum := make([]float64, J)
	speedN := make([]int, J)
	for _, sm := range samples {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		lat := inf.Latents(sm.K)
		L := inf.Len(sm.K)
		g := group(sm)
		if g >= 0 && g < G {
			nSamples[g]++
		}
		for j, st := range steps {
			t, ok := inWindow(sm, st, L)
			if !ok {
				continue
			}
			r.Count[j]++
			h := lat[t*H : (t+1)*H]
			if t > 0 {
				prev := lat[(t-1)*H : t*H]
				s2 := 0.0
				for c, v := range h {
					dv := float64(v) - float64(prev[c])
					s2 += dv * dv
				}
				speedSum[j] += math.Sqrt(s2)
				speedN[j]++
			}
			if g < 0 || g >= G {
				continue
			}
			counts[g][j]++
			row := sums[g][j*H : (j+1)*H]
			for c, v := range h {
				row[c] += float64(v)
				sq[j] += float64(v) * float64(v)
			}
		}
	}
	// Means, their PCs, and the share of variance the condition explains:
	// total = Σ‖h − μ‖², between = Σ_g n_g ‖μ_g − μ‖².
	mean := make([]float64, H)
	for j := range steps {
		n := 0
		clear(mean)
		for g := range sums {
			n += counts[g][j]
			for c := 0; c < H; c++ {
				mean[c] += sums[g][j*H+c]
			}
		}
		r.Speed[j] = math.NaN()
		if speedN[j] > 0 {
			r.Speed[j] = speedSum[j] / float64(speedN[j])
		}
		r.ConditionR2[j] = math.NaN()
		if n < 2 || G < 2 {
			continue
		}
		mm := 0.0
		for c := range mean {
			mean[c] /= float64(n)
			mm += mean[c] * mean[c]
		}
		total := sq[j] - float64(n)*mm
		between := 0.0
		for g := range sums {
			ng := counts[g][j]
			if ng == 0 {
				continue
			}
			for c := 0; c < H; c++ {
				dv := sums[g][j*H+c]/float64(ng) - mean[c]
				between += float64(ng) * dv * dv
			}
		}
		if total > 0 {
			r.ConditionR2[j] = between / total
		}
	}
	for g, l := range labels {
		ac := AlignCondition{Label: l, Index: g, Samples: nSamples[g], Count: counts[g], PC: make([][]float64, J)}
		if o.By == "none" {
			ac.Index = -1
		}
		var xs [][]float64
		var at []int
		for j := range steps {
			if counts[g][j] == 0 {
				continue
			}
			m := make([]float64, H)
			for c := range m {
				m[c] = sums[g][j*H+c] / float64(counts[g][j])
			}
			xs = append(xs, m)
			at = append(at, j)
		}
		pcs, err := s.ProjectPoints(ctx, o.Phase, k, xs)
		if err != nil {
			return nil, err
		}
		for i, j := range at {
			ac.PC[j] = pcs[i]
		}
		if ac.Samples > 0 {
			r.Conditions = append(r.Conditions, ac)
		}
	}
	r.Marks = eventMarks(task, d, samples, o.Event)
	return r, nil
}

// eventMarks places the task's other events (each sample's nearest
// occurrence) relative to the aligned one.
func eventMarks(task sim.Task, d *sim.Dataset, samples []AlignedSample, event string) []EventMark {
	type acc struct {
		n, min, max int
		sum         float64
		label       string
	}
	m := map[string]*acc{}
	for _, sm := range samples {
		best := map[string]int{}
		labels := map[string]string{}
		for _, ev := range task.Events(d, sm.Trial) {
			if ev.Name == event && ev.Step == sm.Event.Step {
				continue
			}
			rel := ev.Step - sm.Event.Step
			if b, ok := best[ev.Name]; !ok || abs(rel) < abs(b) {
				best[ev.Name] = rel
				labels[ev.Name] = ev.Label()
			}
		}
		for name, rel := range best {
			a, ok := m[name]
			if !ok {
				a = &acc{min: rel, max: rel, label: labels[name]}
				if name == sim.EventPulse {
					a.label = "pulse"
				}
				m[name] = a
			}
			a.n++
			a.sum += float64(rel)
			a.min, a.max = min(a.min, rel), max(a.max, rel)
		}
	}
	var out []EventMark
	for _, name := range task.EventNames() {
		if a, ok := m[name]; ok {
			out = append(out, EventMark{Name: name, Label: a.label, Samples: a.n, Mean: a.sum / float64(a.n), Min: a.min, Max: a.max})
		}
	}
	return out
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
