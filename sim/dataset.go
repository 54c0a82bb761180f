package sim

import (
	"fmt"
	"slices"
)

// PhaseDict maps a MultiTask phase name (context, stim1, mem1, stim2, mem2,
// response) to its [start, end) step range within the trial.
type PhaseDict map[string][2]int

// Dataset is a set of generated trials and its train/validation split.
//
// Trials are stored ragged: trial i occupies steps [0, Len(i)) and every step
// after that, up to Steps, is padding that is exactly zero (the reference pads
// MultiTask trials with zeros and masks them out of the loss). Values are float32,
// the precision the reference trains in; they come from float64 generators.
type Dataset struct {
	Task Kind   // the task family that generated it
	Name string // reference-style name, e.g. "3BFF_1000S_500T_0seed_0.15"
	// Steps is the padded trial length (the task's n_timesteps).
	Steps int
	// Channel sizes.
	InputDim, TargetDim, EnvInputDim, ICDim int

	// offsets[i] is the first step of trial i in the ragged arrays; offsets[N] the total.
	offsets []int

	inputs, trueInputs, targets, envInputs []float32
	// ICs (N×ICDim) are initial conditions (float64: the arm's joint state).
	ICs []float64
	// Conds and Extra are the reference's per-trial `conds` and `extra`.
	Conds []int
	Extra [][2]int
	// TaskNames and Phases are per trial (MultiTask only).
	TaskNames []string
	Phases    []PhaseDict

	// Train and Valid are trial indices in the reference's shuffled split order.
	Train, Valid []int
}

// NewDataset returns an empty dataset with the given shape; generators append trials.
func NewDataset(task Kind, name string, steps, inputDim, targetDim, envInputDim, icDim int) *Dataset {
	return &Dataset{Task: task, Name: name, Steps: steps, InputDim: inputDim, TargetDim: targetDim,
		EnvInputDim: envInputDim, ICDim: icDim, offsets: []int{0}}
}

// N is the number of trials.
func (d *Dataset) N() int { return len(d.offsets) - 1 }

// Len is the stored (unpadded) length of trial i.
func (d *Dataset) Len(i int) int { return d.offsets[i+1] - d.offsets[i] }

// Inputs returns the noisy inputs of trial i (Len(i)×InputDim), a view.
func (d *Dataset) Inputs(i int) []float32 { return d.view(d.inputs, i, d.InputDim) }

// TrueInputs returns the noise-free inputs of trial i, a view.
func (d *Dataset) TrueInputs(i int) []float32 { return d.view(d.trueInputs, i, d.InputDim) }

// Targets returns the targets of trial i (Len(i)×TargetDim), a view.
func (d *Dataset) Targets(i int) []float32 { return d.view(d.targets, i, d.TargetDim) }

// EnvInputs returns the external plant inputs of trial i (Len(i)×EnvInputDim), a view.
func (d *Dataset) EnvInputs(i int) []float32 { return d.view(d.envInputs, i, d.EnvInputDim) }

func (d *Dataset) view(a []float32, i, dim int) []float32 {
	if dim == 0 {
		return nil
	}
	return a[d.offsets[i]*dim : d.offsets[i+1]*dim]
}

// TrialData is one generated trial, batch-first (time, channel), in float64.
type TrialData struct {
	Len                                    int
	Inputs, TrueInputs, Targets, EnvInputs []float64
	ICs                                    []float64
	Cond                                   int
	Extra                                  [2]int
	TaskName                               string
	Phases                                 PhaseDict
}

// Append adds a trial, converting it to float32. It panics if the shapes do not
// match the dataset's channel sizes.
func (d *Dataset) Append(tr TrialData) {
	if tr.Len < 1 || tr.Len > d.Steps {
		panic(fmt.Sprintf("sim: trial length %d outside [1, %d]", tr.Len, d.Steps))
	}
	check := func(name string, a []float64, dim int) {
		if len(a) != tr.Len*dim {
			panic(fmt.Sprintf("sim: trial %s has %d values, want %d×%d", name, len(a), tr.Len, dim))
		}
	}
	check("inputs", tr.Inputs, d.InputDim)
	check("true inputs", tr.TrueInputs, d.InputDim)
	check("targets", tr.Targets, d.TargetDim)
	check("env inputs", tr.EnvInputs, d.EnvInputDim)
	if len(tr.ICs) != d.ICDim {
		panic(fmt.Sprintf("sim: trial ICs have %d values, want %d", len(tr.ICs), d.ICDim))
	}
	d.inputs = appendF32(d.inputs, tr.Inputs)
	d.trueInputs = appendF32(d.trueInputs, tr.TrueInputs)
	d.targets = appendF32(d.targets, tr.Targets)
	d.envInputs = appendF32(d.envInputs, tr.EnvInputs)
	d.ICs = append(d.ICs, tr.ICs...)
	d.Conds = append(d.Conds, tr.Cond)
	d.Extra = append(d.Extra, tr.Extra)
	if tr.TaskName != "" || d.TaskNames != nil {
		d.TaskNames = append(d.TaskNames, tr.TaskName)
	}
	if tr.Phases != nil || d.Phases != nil {
		d.Phases = append(d.Phases, tr.Phases)
	}
	d.offsets = append(d.offsets, d.offsets[len(d.offsets)-1]+tr.Len)
}

// Reserve makes room for about steps more trial steps in every array, so that
// appending many trials (tens of millions of values for MultiTask) does not copy
// the arrays over and over as they grow.
func (d *Dataset) Reserve(steps int) {
	d.inputs = slices.Grow(d.inputs, steps*d.InputDim)
	d.trueInputs = slices.Grow(d.trueInputs, steps*d.InputDim)
	d.targets = slices.Grow(d.targets, steps*d.TargetDim)
	d.envInputs = slices.Grow(d.envInputs, steps*d.EnvInputDim)
}

func appendF32(dst []float32, src []float64) []float32 {
	for _, v := range src {
		dst = append(dst, float32(v))
	}
	return dst
}

// Split sets the reference's 80/20 train/validation split for seed.
func (d *Dataset) Split(seed uint32) {
	d.Train, d.Valid = TrainValidSplit(d.N(), seed)
}

// MaxLen returns the longest stored length among the given trials.
func (d *Dataset) MaxLen(idx []int) int {
	m := 0
	for _, i := range idx {
		m = max(m, d.Len(i))
	}
	return m
}

// FillBatch assembles the trials idx into b in time-major layout, reusing b's
// buffers. steps is the number of steps to simulate; 0 means the longest stored
// trial in idx (padding beyond every trial's end carries no loss, so this changes
// no loss or gradient). Rows shorter than steps are zero-padded.
func (d *Dataset) FillBatch(b *Batch, idx []int, steps, epoch int) {
	if steps <= 0 {
		steps = d.MaxLen(idx)
	}
	if steps > d.Steps {
		panic(fmt.Sprintf("sim: batch of %d steps exceeds the task's %d", steps, d.Steps))
	}
	B := len(idx)
	b.Index = append(b.Index[:0], idx...)
	b.B, b.T, b.Epoch = B, steps, epoch
	b.InputDim, b.TargetDim, b.EnvInputDim, b.ICDim = d.InputDim, d.TargetDim, d.EnvInputDim, d.ICDim
	b.Inputs = fillTimeMajor(b.Inputs, d, idx, steps, d.InputDim, d.Inputs)
	b.Targets = fillTimeMajor(b.Targets, d, idx, steps, d.TargetDim, d.Targets)
	b.EnvInputs = fillTimeMajor(b.EnvInputs, d, idx, steps, d.EnvInputDim, d.EnvInputs)
	b.ICs = b.ICs[:0]
	b.Extra = b.Extra[:0]
	b.Conds = b.Conds[:0]
	for _, i := range idx {
		b.ICs = append(b.ICs, d.ICs[i*d.ICDim:(i+1)*d.ICDim]...)
		b.Extra = append(b.Extra, d.Extra[i])
		b.Conds = append(b.Conds, d.Conds[i])
	}
}

func fillTimeMajor(dst []float32, d *Dataset, idx []int, steps, dim int, get func(int) []float32) []float32 {
	B := len(idx)
	n := steps * B * dim
	if cap(dst) < n {
		dst = make([]float32, n)
	}
	dst = dst[:n]
	if dim == 0 {
		return dst
	}
	clear(dst)
	for r, i := range idx {
		src := get(i)
		l := min(d.Len(i), steps)
		for t := 0; t < l; t++ {
			copy(dst[(t*B+r)*dim:(t*B+r+1)*dim], src[t*dim:(t+1)*dim])
		}
	}
	return dst
}
