package study

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/ctdtui/ctdtui/nets"
	"github.com/ctdtui/ctdtui/run"
)

// Rollout is a phase's trials as the model ran them (the cached seeded
// inference) with the latents projected on the phase's first PCs: what the
// Trials tab scrubs through and `ctdtui trial` prints one trial of. Trial k
// is the k-th trial of the phase (Trials[k] is its dataset index).
type Rollout struct {
	Phase  string
	Trials []int
	// H latents, C controlled channels (what the targets are compared with:
	// the outputs, or the hand for RandomTarget), S plant state channels (0
	// for open-loop tasks), I model inputs (RandomTarget: the observation,
	// then the task's inputs).
	H, C, S, I int
	// PCs are the latents on the phase's first RolloutPCs principal
	// components (fewer when the latent is smaller).
	PCs *Projection

	run *run.Loaded
	inf *nets.Inference
}

// RolloutPCs is the number of PCs a Rollout carries (the Trials tab draws
// the top three).
const RolloutPCs = 3

// Rollout returns the phase's rollout: the cached inference and the
// latents on the phase's first RolloutPCs PCs. It reports the stages
// "inference" and "pca" (cached ones are instant).
func (s *Session) Rollout(ctx context.Context, phase string, progress ProgressFunc) (*Rollout, error) {
	p, err := normPhase(phase)
	if err != nil {
		return nil, err
	}
	progress.report(Progress{Stage: "inference", Total: 1})
	inf, err := s.Run.Infer(ctx, p)
	if err != nil {
		return nil, err
	}
	progress.report(Progress{Stage: "pca", Total: 1})
	pcs, err := s.PCs(ctx, p, RolloutPCs)
	if err != nil {
		return nil, err
	}
	return &Rollout{Phase: p, Trials: inf.Trials, H: inf.H, C: inf.C, S: inf.S, I: inf.I, PCs: pcs, run: s.Run, inf: inf}, nil
}

// Len is trial k's length in steps.
func (r *Rollout) Len(k int) int { return r.inf.Len(k) }

// Latents are trial k's states after each step (Len(k)×H, row-major).
func (r *Rollout) Latents(k int) []float32 { return r.inf.Latents(k) }

// Controlled is what trial k's targets are compared with (Len(k)×C).
func (r *Rollout) Controlled(k int) []float32 { return r.inf.Controlled(k) }

// ModelInputs are the inputs the model received in trial k (Len(k)×I),
// noise and observation included.
func (r *Rollout) ModelInputs(k int) []float32 { return r.inf.Inputs(k) }

// PlantStates is trial k's plant state after each step (Len(k)×S), nil for
// open-loop tasks; PlantInitial its state at reset.
func (r *Rollout) PlantStates(k int) []float32  { return r.inf.PlantStates(k) }
func (r *Rollout) PlantInitial(k int) []float32 { return r.inf.PlantInitial(k) }

// PlantLabels name the plant state channels.
func (r *Rollout) PlantLabels() []string { return r.inf.PlantLabels }

// TrialPCs is trial k's latents on the phase's first PCs: one series per PC
// over the trial's steps.
func (r *Rollout) TrialPCs(k int) [][]float64 {
	pr := r.PCs
	rows := pr.Trial(k)
	out := make([][]float64, pr.K)
	for j := range out {
		out[j] = make([]float64, pr.Lens[k])
		for t := range out[j] {
			out[j][t] = rows[t*pr.K+j]
		}
	}
	return out
}

// HeldInput is the input a fixed-point search holds when it asks for the
// model's input at a step of a trial (the Analysis tab's "input at the
// cursor", `fixedpoints --inputs-at`): the task's noise-free input for an
// open-loop task (the noise is no part of the condition being held), the
// input as the model received it, observation included, for a closed-loop
// one (the observation has no noise-free version apart from the run). It
// panics if k or step is out of range.
func (r *Rollout) HeldInput(k, step int) []float64 {
	if k < 0 || k >= len(r.Trials) || step < 0 || step >= r.Len(k) {
		panic(fmt.Sprintf("study: HeldInput: trial %d step %d out of range", k, step))
	}
	I := r.I
	if r.run.Task.Plant() == nil && r.run.Data.InputDim == I {
		x := r.run.Data.TrueInputs(r.Trials[k])
		return float64s(x[step*I : (step+1)*I])
	}
	return float64s(r.inf.Inputs(k)[step*I : (step+1)*I])
}

// float64s converts float32 values to a new float64 slice of the same length.
func float64s(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

// rows splits a row-major T×dim array into T rows of float64.
func rows(x []float32, dim int) [][]float64 {
	if dim == 0 {
		return nil
	}
	out := make([][]float64, len(x)/dim)
	for t := range out {
		out[t] = float64s(x[t*dim : (t+1)*dim])
	}
	return out
}

// TrialStep names a time step of one trial of a phase: Trial is the trial's
// position in the phase, from 0 (as the rows of the exported arrays; the
// Trials tab shows it plus one), Step the step within the trial, from 0.
type TrialStep struct {
	Trial int `json:"trial"`
	Step  int `json:"step"`
}

// ParseTrialStep parses "TRIAL:STEP" (the --inputs-at flag).
func ParseTrialStep(s string) (TrialStep, error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), ":")
	k, err1 := strconv.Atoi(strings.TrimSpace(a))
	t, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil || k < 0 || t < 0 {
		return TrialStep{}, fmt.Errorf("--inputs-at %q is not TRIAL:STEP (two whole numbers from 0, e.g. 3:40)", s)
	}
	return TrialStep{Trial: k, Step: t}, nil
}

// HeldInput is Rollout.HeldInput for the phase's trial and step, with an
// error naming the range when either is out of it.
func (s *Session) HeldInput(ctx context.Context, phase string, at TrialStep) ([]float64, error) {
	r, err := s.Rollout(ctx, phase, nil)
	if err != nil {
		return nil, err
	}
	if err := r.check(at); err != nil {
		return nil, err
	}
	return r.HeldInput(at.Trial, at.Step), nil
}

// check says what is out of range in at.
func (r *Rollout) check(at TrialStep) error {
	n := len(r.Trials)
	if at.Trial < 0 || at.Trial >= n {
		return fmt.Errorf("trial %d: the %s phase has trials 0 to %d", at.Trial, r.Phase, n-1)
	}
	if T := r.Len(at.Trial); at.Step < 0 || at.Step >= T {
		return fmt.Errorf("step %d: trial %d of the %s phase has steps 0 to %d", at.Step, at.Trial, r.Phase, T-1)
	}
	return nil
}

// TrialOptions selects what `ctdtui trial` prints.
type TrialOptions struct {
	// Phase is "train", "val" (default) or "all".
	Phase string `json:"phase"`
	// Trial is the trial's position in the phase and Step the step read out
	// (both from 0): the Trials tab's trial and time cursor.
	Trial int `json:"trial"`
	Step  int `json:"step"`
}

func (o TrialOptions) normalized() (TrialOptions, error) {
	if o.Phase == "" {
		o.Phase = "val"
	}
	p, err := normPhase(o.Phase)
	if err != nil {
		return o, err
	}
	o.Phase = p
	if o.Trial < 0 || o.Step < 0 {
		return o, fmt.Errorf("--trial and --step count from 0, got %d and %d", o.Trial, o.Step)
	}
	return o, nil
}

// TrialReport is `ctdtui trial`: one trial as the Trials tab shows it. The
// per-step arrays have Steps rows.
type TrialReport struct {
	Run     RunInfo      `json:"run"`
	Options TrialOptions `json:"options"`
	// Index is the trial's dataset index, Steps its length.
	Index int `json:"index"`
	Steps int `json:"steps"`
	// Info is the task's one-line description of the trial at Options.Step
	// (the Trials tab's second header line); Events are the trial's events
	// in step order (the marks on the tab's time axis).
	Info   string       `json:"info"`
	Events []TrialEvent `json:"events"`
	// Inputs are the task's inputs as the model received them (noise
	// included; not the plant's observation), TrueInputs without noise.
	InputLabels []string    `json:"input_labels"`
	Inputs      [][]float64 `json:"inputs"`
	TrueInputs  [][]float64 `json:"true_inputs"`
	// Targets and what they are compared with (the outputs; RandomTarget:
	// the hand position).
	TargetLabels []string    `json:"target_labels"`
	Targets      [][]float64 `json:"targets"`
	Controlled   [][]float64 `json:"controlled"`
	// Latents are the states after each step; PCs the same on the phase's
	// first PCs (PCRatio their explained-variance ratios).
	Latents [][]float64 `json:"latents"`
	PCs     [][]float64 `json:"pcs"`
	PCRatio []float64   `json:"pc_ratio"`
	// HeldInput is the model's input at Options.Step as a fixed-point search
	// holds it (`fixedpoints --inputs-at TRIAL:STEP`), named by
	// ModelInputLabels.
	HeldInput        []float64 `json:"held_input"`
	ModelInputLabels []string  `json:"model_input_labels"`
	// PlantStates (RandomTarget) are the arm's state after each step.
	PlantLabels []string    `json:"plant_labels,omitempty"`
	PlantStates [][]float64 `json:"plant_states,omitempty"`
}

// TrialEvent is something that happens in a trial (sim.Event): Name (the
// task's event name), Label (the tab's mark), steps [Step, End), and for a
// flip-flop pulse the Bit and its Sign; Value is the size where the event has
// one (a bump's force, N).
type TrialEvent struct {
	Name  string  `json:"name"`
	Label string  `json:"label"`
	Step  int     `json:"step"`
	End   int     `json:"end"`
	Bit   int     `json:"bit"`
	Sign  int     `json:"sign"`
	Value float64 `json:"value"`
}

// Trial reports one trial of a phase.
func (s *Session) Trial(ctx context.Context, o TrialOptions) (*TrialReport, error) {
	o, err := o.normalized()
	if err != nil {
		return nil, err
	}
	r, err := s.Rollout(ctx, o.Phase, nil)
	if err != nil {
		return nil, err
	}
	if err := r.check(TrialStep{Trial: o.Trial, Step: o.Step}); err != nil {
		return nil, err
	}
	k, data := o.Trial, s.Run.Data
	idx := r.Trials[k]
	T := r.Len(k)
	rep := &TrialReport{Run: s.Info(), Options: o, Index: idx, Steps: T,
		InputLabels:  s.Run.Task.InputLabels(),
		Inputs:       rows(data.Inputs(idx)[:T*data.InputDim], data.InputDim),
		TrueInputs:   rows(data.TrueInputs(idx)[:T*data.InputDim], data.InputDim),
		TargetLabels: targetLabels(s.Run), Targets: rows(data.Targets(idx)[:T*data.TargetDim], data.TargetDim),
		Controlled: rows(r.Controlled(k), r.C), Latents: rows(r.Latents(k), r.H),
		PCRatio:   r.PCs.Ratio,
		HeldInput: r.HeldInput(k, o.Step), ModelInputLabels: ModelInputLabels(s.Run.Task)}
	rep.Info = s.Run.Task.TrialInfo(data, idx, o.Step)
	rep.Events = []TrialEvent{}
	for _, e := range s.Run.Task.Events(data, idx) {
		rep.Events = append(rep.Events, TrialEvent{Name: e.Name, Label: e.Label(), Step: e.Step, End: e.End, Bit: e.Bit, Sign: e.Sign, Value: e.Value})
	}
	pcs := r.PCs.Trial(k)
	rep.PCs = make([][]float64, T)
	for t := range rep.PCs {
		rep.PCs[t] = pcs[t*r.PCs.K : (t+1)*r.PCs.K]
	}
	if r.S > 0 {
		rep.PlantLabels, rep.PlantStates = r.PlantLabels(), rows(r.PlantStates(k), r.S)
	}
	return rep, nil
}

// targetLabels names the target channels (nil when the task's names do not
// fit them).
func targetLabels(l *run.Loaded) []string {
	if lab := l.Task.TargetLabels(); len(lab) == l.Data.TargetDim {
		return lab
	}
	return nil
}

// WriteTable prints the trial's values at the chosen step, channel by
// channel (the whole series are in the JSON).
func (r *TrialReport) WriteTable(w io.Writer) error {
	o := r.Options
	fmt.Fprintf(w, "run    %s\n", r.Run.line())
	fmt.Fprintf(w, "trial  %d of the %s phase (dataset index %d), %d steps; values at step %d\n", o.Trial, o.Phase, r.Index, r.Steps, o.Step)
	if r.Info != "" {
		fmt.Fprintf(w, "       %s\n", r.Info)
	}
	if len(r.Events) > 0 {
		ev := make([]string, 0, len(r.Events))
		for _, e := range r.Events {
			ev = append(ev, fmt.Sprintf("%s@%d", e.Label, e.Step))
		}
		const maxEvents = 24
		if len(ev) > maxEvents {
			ev = append(ev[:maxEvents], fmt.Sprintf("… %d more (--json lists all)", len(r.Events)-maxEvents))
		}
		fmt.Fprintf(w, "events %s\n", strings.Join(ev, " "))
	}
	t := newTW(w)
	s := o.Step
	section(w, "inputs (noisy, as received; noise-free)")
	for c := range r.InputLabels {
		if c < len(r.Inputs[s]) {
			t.row("  "+r.InputLabels[c], num(r.Inputs[s][c]), num(r.TrueInputs[s][c]))
		}
	}
	if err := t.flush(); err != nil {
		return err
	}
	section(w, "outputs (what is compared with the target; target)")
	t = newTW(w)
	for c := range r.Targets[s] {
		name := fmt.Sprintf("target %d", c)
		if c < len(r.TargetLabels) {
			name = r.TargetLabels[c]
		}
		out := "—"
		if c < len(r.Controlled[s]) {
			out = num(r.Controlled[s][c])
		}
		t.row("  "+name, out, num(r.Targets[s][c]))
	}
	if err := t.flush(); err != nil {
		return err
	}
	section(w, "latents on the phase's PCs")
	t = newTW(w)
	for j, v := range r.PCs[s] {
		t.row(fmt.Sprintf("  PC%d", j+1), num(v), pct(r.PCRatio[j])+" of the variance")
	}
	if err := t.flush(); err != nil {
		return err
	}
	in := make([]string, len(r.HeldInput))
	for i, v := range r.HeldInput {
		in[i] = fmt.Sprintf("%s=%g", labelAt(r.ModelInputLabels, i), v)
	}
	section(w, fmt.Sprintf("held input at step %d (fixedpoints --phase %s --inputs-at %d:%d)", s, o.Phase, o.Trial, s))
	_, err := fmt.Fprintf(w, "  %s\n", strings.Join(in, "  "))
	return err
}
