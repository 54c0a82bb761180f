package sim

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// The MultiTask environment (spec tasks-and-training.md §2.2): 15 cognitive
// tasks in the style of Yang et al. / Driscoll et al., each trial a sequence of
// phases (context, stimuli, memory delays, response) whose lengths are drawn per
// trial. Trials are generated exactly as the reference does, draw for draw from
// numpy's legacy global generator, so a ctdtui dataset equals the reference's.

// MultiTaskNames lists the valid sub-task names in rule-channel order: task
// MultiTaskNames[i] sets input channel 5+i for its whole trial.
var MultiTaskNames = [15]string{
	"DelayPro", "DelayAnti", "MemoryPro", "MemoryAnti", "ReactPro", "ReactAnti",
	"IntMod1", "IntMod2", "ContextIntMod1", "ContextIntMod2", "ContextIntMultimodal",
	"Match2Sample", "NonMatch2Sample", "MatchCatPro", "MatchCatAnti",
}

// multiTaskOrderA is env_task/MultiTask.yaml's task list.
var multiTaskOrderA = []string{
	"DelayPro", "MemoryPro", "ReactPro", "DelayAnti", "MemoryAnti", "ReactAnti",
	"IntMod1", "IntMod2", "ContextIntMod1", "ContextIntMod2", "ContextIntMultimodal",
	"Match2Sample", "NonMatch2Sample", "MatchCatPro", "MatchCatAnti",
}

// MultiTaskParams configures the MultiTask environment (the reference's
// MultiTaskWrapper). Defaults are env_task/MultiTask.yaml (DefaultMultiTask).
type MultiTaskParams struct {
	// Tasks is the task list; a name may repeat (MultiTaskInt), each entry is its
	// own condition (task index = position in this list).
	Tasks []string
	// BinSize is the duration of one step in ms; phase lengths are drawn in steps.
	BinSize int
	// Steps is n_timesteps: the padded trial length, and the longest allowed trial.
	Steps int
	// NumTargets is the number of stimulus directions on the circle.
	NumTargets int
	// Noise is the std of the Gaussian noise added to every input of every trial step.
	Noise float64
	// DynamicNoise is the std of fresh noise added to model inputs at every step.
	DynamicNoise float64
	// LatentL2 is the loss's latent penalty weight λ (the wrapper's latent_l2_wt;
	// note the reference wrapper uses 1.0 when the config omits it).
	LatentL2 float64
	// Grouped selects the GroupedSampler (single-task batches) for training.
	Grouped bool
	// Name is the dataset name stem ("MultiTask", "MultiTaskMemory", "MultiTaskInt").
	Name string
}

// DefaultMultiTask returns env_task/MultiTask.yaml: the 15 tasks (order A),
// 20 ms bins, 640 steps, 32 targets, noise 0.3, grouped sampler, λ = 0.
func DefaultMultiTask() MultiTaskParams {
	return MultiTaskParams{
		Tasks: slices.Clone(multiTaskOrderA), BinSize: 20, Steps: 640, NumTargets: 32,
		Noise: 0.3, Grouped: true, Name: "MultiTask",
	}
}

// MultiTaskPresets names the reference's MultiTask configurations.
var MultiTaskPresets = []string{"MultiTask", "MultiTaskMemory", "MultiTaskInt"}

// MultiTaskPreset returns the reference's env_task (sim = false) or env_sim
// (sim = true) configuration of a preset in MultiTaskPresets (spec §2.2.1).
func MultiTaskPreset(name string, sim bool) (MultiTaskParams, error) {
	p := DefaultMultiTask()
	switch name {
	case "MultiTask":
		if sim {
			// env_sim lists the first six tasks in another order, so its
			// condition numbers differ from the training set's [reference quirk].
			p.Tasks = []string{"DelayPro", "DelayAnti", "MemoryPro", "MemoryAnti", "ReactPro", "ReactAnti"}
			p.Tasks = append(p.Tasks, multiTaskOrderA[6:]...)
			p.Grouped = false
		}
	case "MultiTaskMemory":
		p.Tasks = []string{"MemoryPro", "MemoryAnti"}
		p.Steps = 450
		p.LatentL2 = 1e-6
		p.Name = "MultiTaskMemory"
	case "MultiTaskInt":
		p.Name = "MultiTaskInt"
		if !sim {
			p.Tasks = slices.Clone(multiTaskOrderA[:6])
			for range 4 {
				p.Tasks = append(p.Tasks, "IntMod1")
			}
			for range 4 {
				p.Tasks = append(p.Tasks, "IntMod2")
			}
			p.Tasks = append(p.Tasks, multiTaskOrderA[8:]...)
		}
	default:
		return MultiTaskParams{}, fmt.Errorf("unknown MultiTask preset %q; valid presets: %s",
			name, strings.Join(MultiTaskPresets, ", "))
	}
	return p, nil
}

// multiTaskFamily is the trial structure shared by several tasks.
type multiTaskFamily int

const (
	familyDelay multiTaskFamily = iota
	familyMemory
	familyReact
	familyDecision
	familyMatch
)

// familyOf classifies a task name by the first matching substring, in the
// reference's order ("NonMatch2Sample" is a Match task, "ContextIntMultimodal" a
// Decision task).
func familyOf(name string) multiTaskFamily {
	switch {
	case strings.Contains(name, "Delay"):
		return familyDelay
	case strings.Contains(name, "Memory"):
		return familyMemory
	case strings.Contains(name, "React"):
		return familyReact
	case strings.Contains(name, "Int"):
		return familyDecision
	default:
		return familyMatch
	}
}

// phaseRange is a phase's duration range in ms, drawn as
// randint(lo/bin, hi/bin) steps (bounds truncated, upper exclusive).
type phaseRange struct {
	name   string
	slot   int // index in (context, stim1, mem1, stim2, mem2, response)
	lo, hi int
}

// Phase ranges per family in draw order (spec §2.2.3). Phases not listed have
// length 0 and draw nothing.
var familyPhases = [5][]phaseRange{
	familyDelay:    {{"context", 0, 300, 700}, {"stim1", 1, 200, 1500}, {"response", 5, 300, 700}},
	familyMemory:   {{"context", 0, 300, 700}, {"stim1", 1, 200, 1600}, {"mem1", 2, 200, 1600}, {"response", 5, 300, 700}},
	familyReact:    {{"context", 0, 500, 2500}, {"response", 5, 300, 1700}},
	familyDecision: {{"context", 0, 200, 600}, {"stim1", 1, 200, 1600}, {"mem1", 2, 200, 1600}, {"stim2", 3, 200, 1600}, {"mem2", 4, 100, 300}, {"response", 5, 300, 700}},
	familyMatch:    {{"context", 0, 200, 600}, {"stim1", 1, 200, 1600}, {"mem1", 2, 200, 1600}, {"response", 5, 300, 700}},
}

// maxTrialSteps returns the longest trial task can produce with bin size bin.
func maxTrialSteps(task string, bin int) int {
	n := 0
	for _, ph := range familyPhases[familyOf(task)] {
		n += ph.hi/bin - 1
	}
	return n
}

// meanTrialSteps is the expected length of a task's trials (each phase length
// is uniform on [lo/bin, hi/bin)).
func (m *MultiTask) meanTrialSteps(task string) float64 {
	s := 0.0
	for _, ph := range familyPhases[familyOf(task)] {
		s += float64(ph.lo/m.P.BinSize+ph.hi/m.P.BinSize-1) / 2
	}
	return s
}

// Validate reports the first invalid parameter by name. Unknown task names are
// refused with the list of valid ones; configurations the reference would crash
// on (a phase range with no whole step, a trial longer than Steps) are refused.
func (p MultiTaskParams) Validate() error {
	if len(p.Tasks) == 0 {
		return fmt.Errorf("tasks (the reference's task_list) is empty; valid tasks: %s", strings.Join(MultiTaskNames[:], ", "))
	}
	for i, name := range p.Tasks {
		if !slices.Contains(MultiTaskNames[:], name) {
			return fmt.Errorf("tasks[%d]: unknown task %q; valid tasks: %s",
				i, name, strings.Join(MultiTaskNames[:], ", "))
		}
	}
	switch {
	case p.BinSize < 1:
		return fmt.Errorf("bin_size must be at least 1 ms, got %d", p.BinSize)
	case p.Steps < 1:
		return fmt.Errorf("steps (n_timesteps) must be at least 1, got %d", p.Steps)
	case p.NumTargets < 1:
		return fmt.Errorf("num_targets must be at least 1, got %d", p.NumTargets)
	case !(p.Noise >= 0) || math.IsInf(p.Noise, 0):
		return fmt.Errorf("noise must be a finite value >= 0, got %v", p.Noise)
	case !(p.DynamicNoise >= 0) || math.IsInf(p.DynamicNoise, 0):
		return fmt.Errorf("dynamic_noise must be a finite value >= 0, got %v", p.DynamicNoise)
	case !(p.LatentL2 >= 0) || math.IsInf(p.LatentL2, 0):
		return fmt.Errorf("latent_l2 (latent_l2_wt) must be a finite value >= 0, got %v", p.LatentL2)
	}
	for _, name := range p.Tasks {
		for _, ph := range familyPhases[familyOf(name)] {
			lo, hi := ph.lo/p.BinSize, ph.hi/p.BinSize
			if hi <= lo {
				return fmt.Errorf("bin_size %d ms is too large for %s: its %s phase (%d–%d ms) has no whole-step range (the reference's randint would fail)",
					p.BinSize, name, ph.name, ph.lo, ph.hi)
			}
			if ph.name == "response" && lo < 1 {
				return fmt.Errorf("bin_size %d ms is too large for %s: its response phase (%d–%d ms) can be 0 steps long",
					p.BinSize, name, ph.lo, ph.hi)
			}
		}
		if m := maxTrialSteps(name, p.BinSize); m > p.Steps {
			return fmt.Errorf("steps (n_timesteps) %d is too short: a %s trial can last %d steps at bin_size %d ms (the reference would crash)",
				p.Steps, name, m, p.BinSize)
		}
	}
	return nil
}

// MultiTask is the MultiTask environment; it implements Task.
type MultiTask struct {
	P    MultiTaskParams
	grid []float64
}

// NewMultiTask validates p and returns the task.
func NewMultiTask(p MultiTaskParams) (*MultiTask, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	p.Tasks = slices.Clone(p.Tasks)
	m := &MultiTask{P: p, grid: make([]float64, p.NumTargets)}
	// numpy's linspace(-π, π, n, endpoint=False): k·step + start, step = 2π/n,
	// each operation rounded separately.
	step := (math.Pi - -math.Pi) / float64(p.NumTargets)
	for k := range m.grid {
		m.grid[k] = float64(float64(k)*step) + -math.Pi
	}
	return m, nil
}

const (
	multiTaskInputs  = 20
	multiTaskOutputs = 3
)

func (m *MultiTask) Kind() Kind            { return KindMultiTask }
func (m *MultiTask) DatasetName() string   { return m.P.Name }
func (m *MultiTask) Steps() int            { return m.P.Steps }
func (m *MultiTask) InputDim() int         { return multiTaskInputs }
func (m *MultiTask) ModelInputDim() int    { return multiTaskInputs }
func (m *MultiTask) OutputDim() int        { return multiTaskOutputs }
func (m *MultiTask) Plant() Plant          { return nil }
func (m *MultiTask) DynamicNoise() float64 { return m.P.DynamicNoise }
func (m *MultiTask) Loss() Loss            { return MultiTaskLoss{LatentWeight: m.P.LatentL2} }
func (m *MultiTask) CurriculumEnd() int    { return 0 }

// CacheName implements Task: the reference appends the input noise.
func (m *MultiTask) CacheName(samples, seed int) string {
	return cacheName(m.DatasetName(), samples, m.P.Steps, seed) + "_" + pyFloat(m.P.Noise)
}

// Summary implements Task.
func (m *MultiTask) Summary() string {
	return fmt.Sprintf("%s: %d tasks, up to %d steps", m.P.Name, len(m.P.Tasks), m.P.Steps)
}

// Sampler returns GroupedSampler (unbound: BindSampler gives it the dataset's
// conditions) when the configuration asks for grouped batches, else RandomSampler.
func (m *MultiTask) Sampler() Sampler {
	if m.P.Grouped {
		return GroupedSampler{}
	}
	return RandomSampler{}
}

// InputLabels names the 20 input channels by what the generator writes to them.
// The reference's input_labels list is wrong for channels 6–9 (it says MemoryPro,
// ReactPro, DelayAnti, MemoryAnti where the code writes DelayAnti, MemoryPro,
// MemoryAnti, ReactPro) and uses other names for 15–19; here every rule channel
// carries the name of the task that sets it.
func (m *MultiTask) InputLabels() []string {
	l := []string{"Fixation", "StimMod1Cos", "StimMod1Sin", "StimMod2Cos", "StimMod2Sin"}
	return append(l, MultiTaskNames[:]...)
}

// OutputLabels names the 3 outputs.
func (m *MultiTask) OutputLabels() []string {
	return []string{"Fixation", "ResponseCos", "ResponseSin"}
}

// TargetLabels names the targets: those of the outputs.
func (m *MultiTask) TargetLabels() []string { return m.OutputLabels() }

// ModelInputLabels names the model's inputs: the dataset's.
func (m *MultiTask) ModelInputLabels() []string { return m.InputLabels() }

// ruleChannel returns the input channel of a task's rule cue.
func ruleChannel(name string) int { return 5 + slices.Index(MultiTaskNames[:], name) }

// multiTaskInfo records a trial's drawn quantities (for tests and plots).
type multiTaskInfo struct {
	angle1, angle2 float64
	magA, magB     [2]float64
	chosen         int  // Decision: 0 → angle1 is the answer, 1 → angle2
	respond        bool // Match family: whether a response is required
}

// numpy's np.mod for a positive modulus: fmod, shifted into [0, b) when negative.
func npMod(a, b float64) float64 {
	m := math.Mod(a, b)
	if m == 0 {
		return 0 // numpy returns +0 for a positive modulus
	}
	if m < 0 {
		m += b
	}
	return m
}

// deg2rad is numpy's deg2rad: x·(NPY_PI/180.0), the double π divided by 180 in
// double arithmetic (the typed conversion rounds π first, as C does).
func deg2rad(x float64) float64 { return x * (float64(math.Pi) / 180) }

const twoPi = 2 * math.Pi

// Trial draws one trial of task (an index into P.Tasks) from rng exactly as the
// reference's MultiTask.generate_trial does: phase lengths, the task's own draws,
// then the input noise (total_len × 20, row-major). Arrays cover the trial's own
// length only; Cond, Extra, TaskName and Phases are filled in.
func (m *MultiTask) Trial(task int, rng *NumpyRNG) TrialData {
	tr, _ := m.trialInto(task, rng, nil)
	return tr
}

func (m *MultiTask) trial(task int, rng *NumpyRNG) (TrialData, multiTaskInfo) {
	return m.trialInto(task, rng, nil)
}

// trialScratch holds reusable trial buffers (Generate converts each trial to
// float32 at once, so its buffers can serve the next trial).
type trialScratch struct{ in, tg, noisy []float64 }

func zeroed(buf *[]float64, n int) []float64 {
	if cap(*buf) < n {
		*buf = make([]float64, n)
	}
	a := (*buf)[:n]
	clear(a)
	return a
}

func (m *MultiTask) trialInto(task int, rng *NumpyRNG, sc *trialScratch) (TrialData, multiTaskInfo) {
	if sc == nil {
		sc = &trialScratch{}
	}
	name := m.P.Tasks[task]
	fam := familyOf(name)
	var ln [6]int // context, stim1, mem1, stim2, mem2, response
	for _, ph := range familyPhases[fam] {
		// randint(lo_ms/bin, hi_ms/bin): numpy truncates the float bounds, which
		// for positive integers is integer division.
		ln[ph.slot] = rng.Intn(ph.lo/m.P.BinSize, ph.hi/m.P.BinSize)
	}
	s1 := ln[0]
	m1 := s1 + ln[1]
	s2 := m1 + ln[2]
	m2 := s2 + ln[3]
	r := m2 + ln[4]
	end := r + ln[5]

	const nin, nout = multiTaskInputs, multiTaskOutputs
	in := zeroed(&sc.in, end*nin)
	tg := zeroed(&sc.tg, end*nout)
	set := func(a []float64, dim, ch, from, to int, v float64) {
		for t := from; t < to; t++ {
			a[t*dim+ch] = v
		}
	}
	dir := func(a []float64, dim, ch, from, to int, mag, theta float64) {
		// mag·cos θ and mag·sin θ, each product rounded (numpy evaluates
		// mag * np.cos(θ)); mag = ±1 is exact.
		set(a, dim, ch, from, to, mag*svmlCos(theta))
		set(a, dim, ch+1, from, to, mag*svmlSin(theta))
	}
	target := func() float64 { return m.grid[rng.Intn(0, m.P.NumTargets)] }
	proAnti := 1.0
	if !strings.Contains(name, "Pro") {
		proAnti = -1
	}
	rule := ruleChannel(name)
	set(in, nin, rule, 0, end, 1)

	var info multiTaskInfo
	var phases PhaseDict
	switch fam {
	case familyDelay:
		th := target()
		info.angle1 = th
		set(in, nin, 0, 0, r, 1)
		dir(in, nin, 1, s1, end, 1, th) // the stimulus stays on through the response
		set(tg, nout, 0, 0, r, 1)
		dir(tg, nout, 1, r, end, proAnti, th)
		phases = PhaseDict{"context": {0, s1}, "stim1": {s1, r}, "response": {r, end}}

	case familyMemory:
		th := target()
		info.angle1 = th
		set(in, nin, 0, 0, r, 1)
		dir(in, nin, 1, s1, m1, 1, th)
		set(tg, nout, 0, 0, r, 1)
		dir(tg, nout, 1, r, end, proAnti, th)
		phases = PhaseDict{"context": {0, s1}, "stim1": {s1, m1}, "mem1": {m1, r}, "response": {r, end}}

	case familyReact:
		th := target()
		info.angle1 = th
		// [reference quirk] the fixation cue never switches off in React trials.
		set(in, nin, 0, 0, end, 1)
		dir(in, nin, 1, r, end, 1, th)
		set(tg, nout, 0, 0, r, 1)
		dir(tg, nout, 1, r, end, proAnti, th)
		phases = PhaseDict{"context": {0, r}, "response": {r, end}}

	case familyDecision:
		meanA := rng.Uniform(0.8, 1.2)
		meanB := rng.Uniform(0.8, 1.2)
		signs := [2]float64{-1, 1}
		cohs := [3]float64{0.08, 0.16, 0.32}
		signA := signs[rng.Choice(2)]
		signB := signs[rng.Choice(2)]
		cohA := cohs[rng.Choice(3)]
		cohB := cohs[rng.Choice(3)]
		th1 := target()
		th2 := npMod(th1+deg2rad(rng.Uniform(90, 270)), twoPi)
		a1, a2 := meanA+cohA*signA, meanA-cohA*signA
		b1, b2 := meanB+cohB*signB, meanB-cohB*signB
		info.angle1, info.angle2 = th1, th2
		info.magA, info.magB = [2]float64{a1, a2}, [2]float64{b1, b2}

		set(in, nin, 0, 0, r, 1)
		set(tg, nout, 0, 0, r, 1)
		// Context tasks use numpy's argmax (a tie picks the first stimulus); IntMod
		// tasks compare with ">" (a tie would pick the second; ties cannot occur
		// since the coherence is never 0).
		argmax := func(x1, x2 float64) int {
			if x1 >= x2 {
				return 0
			}
			return 1
		}
		switch {
		case strings.Contains(name, "Context"):
			dir(in, nin, 1, s1, m1, a1, th1)
			dir(in, nin, 1, s2, m2, a2, th2)
			dir(in, nin, 3, s1, m1, b1, th1)
			dir(in, nin, 3, s2, m2, b2, th2)
			switch {
			case strings.Contains(name, "1"):
				info.chosen = argmax(a1, a2)
			case strings.Contains(name, "2"):
				info.chosen = argmax(b1, b2)
			default:
				// [reference quirk] With cohA = cohB and opposite signs (1 trial in
				// 6) both stimuli carry the same total evidence and the answer is
				// decided by the rounding of these sums.
				info.chosen = argmax(a1+b1, a2+b2)
			}
		default:
			ch := 1 // IntMod1: modality 1
			if strings.Contains(name, "2") {
				// IntMod2 shows the modality-A magnitudes on the modality-2
				// channels; meanB/signB/cohB were drawn but go unused [reference quirk].
				ch = 3
			}
			dir(in, nin, ch, s1, m1, a1, th1)
			dir(in, nin, ch, s2, m2, a2, th2)
			if !(a1 > a2) {
				info.chosen = 1
			}
		}
		ans := th1
		if info.chosen == 1 {
			ans = th2
		}
		dir(tg, nout, 1, r, end, 1, ans)
		phases = PhaseDict{"context": {0, s1}, "stim1": {s1, m1}, "mem1": {m1, s2},
			"stim2": {s2, m2}, "mem2": {m2, r}, "response": {r, end}}

	case familyMatch:
		// [reference quirk] the fixation cue stays on through the response.
		set(in, nin, 0, 0, end, 1)
		var th1, th2 float64
		switch name {
		case "Match2Sample":
			info.respond = rng.Choice(2) == 0 // choice([True, False])
			th1 = target()
			th2 = th1
			if !info.respond {
				th2 = npMod(th1+deg2rad(float64(rng.Intn(10, 350))), twoPi)
			}
			set(tg, nout, 0, 0, r, 1)
		case "NonMatch2Sample":
			info.respond = rng.Choice(2) == 0 // the test is opposite the sample
			th1 = target()
			if info.respond {
				th2 = npMod(th1+math.Pi, twoPi)
			} else {
				th2 = npMod(th1+math.Pi+deg2rad(float64(rng.Intn(10, 350))), twoPi)
			}
			// [reference quirk] NonMatch2Sample and MatchCat* have no fixation target.
		default: // MatchCatPro, MatchCatAnti: category = half-plane of the grid angle
			th1 = target()
			th2 = target()
			same := (th1 < 0) == (th2 < 0)
			info.respond = same == (name == "MatchCatPro")
		}
		info.angle1, info.angle2 = th1, th2
		dir(in, nin, 1, s1, m1, 1, th1)
		dir(in, nin, 1, r, end, 1, th2)
		if info.respond {
			dir(tg, nout, 1, r, end, 1, th2)
		}
		phases = PhaseDict{"context": {0, s1}, "stim1": {s1, m1}, "mem1": {m1, r}, "response": {r, end}}
	}

	// Noise: true + noise·randn(total_len, 20), over the trial's own steps only
	// (the dataset's padding stays exactly zero). The conversion keeps Go from
	// fusing the multiply-add.
	noisy := zeroed(&sc.noisy, len(in))
	for k := range in {
		noisy[k] = in[k] + float64(m.P.Noise*rng.Normal())
	}
	return TrialData{
		Len: end, Inputs: noisy, TrueInputs: in, Targets: tg,
		Cond: task, Extra: [2]int{r, end}, TaskName: name, Phases: phases,
	}, info
}

// Generate draws n trials per task, tasks in list order (the reference's
// generate_dataset: N = n·len(Tasks)). Trials are stored at their own length;
// the dataset's Steps is n_timesteps and batches are zero-padded. Conds is the
// task index, Extra the response window [start, end).
func (m *MultiTask) Generate(n int, rng *NumpyRNG) *Dataset {
	d := NewDataset(m.Kind(), "", m.P.Steps, multiTaskInputs, multiTaskOutputs, 0, 0)
	expected := 0.0
	for _, name := range m.P.Tasks {
		expected += float64(n) * m.meanTrialSteps(name)
	}
	d.Reserve(int(expected*1.01) + m.P.Steps)
	var sc trialScratch
	for task := range m.P.Tasks {
		for range n {
			tr, _ := m.trialInto(task, rng, &sc)
			d.Append(tr)
		}
	}
	return d
}
