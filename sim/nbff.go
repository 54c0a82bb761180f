package sim

import (
	"fmt"
	"math"
)

// NBFFParams configures the N-bit flip-flop (spec §2.1). Defaults are the
// reference's env_task/NBFF.yaml.
type NBFFParams struct {
	Bits            int     // n: number of independent bits (input and output channels)
	Steps           int     // n_timesteps: steps per trial
	SwitchProb      float64 // probability per step and bit of an up pulse (and, separately, of a down pulse)
	Noise           float64 // std of the Gaussian noise added to every input element
	TransitionBlind int     // steps after a target flip that the loss ignores
	DynamicNoise    float64 // std of fresh Gaussian noise added to model inputs at every step
}

// DefaultNBFF returns the reference's configuration (3 bits, 500 steps).
func DefaultNBFF() NBFFParams {
	return NBFFParams{Bits: 3, Steps: 500, SwitchProb: 0.01, Noise: 0.15, TransitionBlind: 4}
}

// Validate reports the first invalid parameter by name.
func (p NBFFParams) Validate() error {
	switch {
	case p.Bits < 1:
		return fmt.Errorf("bits must be at least 1, got %d", p.Bits)
	case p.Steps < 1:
		return fmt.Errorf("steps must be at least 1, got %d", p.Steps)
	case !(p.SwitchProb >= 0 && p.SwitchProb <= 0.5):
		// Above 0.5 the up and down bands overlap and the reference's rule is ambiguous.
		return fmt.Errorf("switch_prob must be in [0, 0.5], got %v", p.SwitchProb)
	case !(p.Noise >= 0) || math.IsInf(p.Noise, 0):
		return fmt.Errorf("noise must be a finite value >= 0, got %v", p.Noise)
	case p.TransitionBlind < 0:
		return fmt.Errorf("transition_blind must be >= 0, got %d", p.TransitionBlind)
	case !(p.DynamicNoise >= 0) || math.IsInf(p.DynamicNoise, 0):
		return fmt.Errorf("dynamic_noise must be a finite value >= 0, got %v", p.DynamicNoise)
	}
	return nil
}

// NBFF is the N-bit flip-flop task.
type NBFF struct{ P NBFFParams }

// NewNBFF validates p and returns the task.
func NewNBFF(p NBFFParams) (*NBFF, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &NBFF{P: p}, nil
}

func (f *NBFF) Kind() Kind            { return KindNBFF }
func (f *NBFF) DatasetName() string   { return fmt.Sprintf("%dBFF", f.P.Bits) }
func (f *NBFF) Steps() int            { return f.P.Steps }
func (f *NBFF) InputDim() int         { return f.P.Bits }
func (f *NBFF) ModelInputDim() int    { return f.P.Bits }
func (f *NBFF) OutputDim() int        { return f.P.Bits }
func (f *NBFF) Plant() Plant          { return nil }
func (f *NBFF) Sampler() Sampler      { return RandomSampler{} }
func (f *NBFF) DynamicNoise() float64 { return f.P.DynamicNoise }
func (f *NBFF) Loss() Loss            { return NBFFLoss{Blind: f.P.TransitionBlind} }
func (f *NBFF) CurriculumEnd() int    { return 0 }

// CacheName implements Task: the reference appends the input noise.
func (f *NBFF) CacheName(samples, seed int) string {
	return cacheName(f.DatasetName(), samples, f.P.Steps, seed) + "_" + pyFloat(f.P.Noise)
}

// Summary implements Task.
func (f *NBFF) Summary() string {
	return fmt.Sprintf("%d-bit flip-flop, %d steps", f.P.Bits, f.P.Steps)
}

func (f *NBFF) InputLabels() []string      { return labels("Input", f.P.Bits) }
func (f *NBFF) OutputLabels() []string     { return labels("Output", f.P.Bits) }
func (f *NBFF) TargetLabels() []string     { return labels("bit", f.P.Bits) }
func (f *NBFF) ModelInputLabels() []string { return f.InputLabels() }

func labels(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s %d", prefix, i)
	}
	return out
}

// Trial draws one trial from rng exactly as the reference's generate_trial does:
// uniforms for the pulses (time-major), no pulses in the first 3 steps, targets
// that take a pulse's value on the pulse step itself, then Gaussian noise on every
// input element. Arrays are (Steps × Bits), row-major.
func (f *NBFF) Trial(rng *NumpyRNG) (inputs, targets, pulses []float64) {
	T, n, sp := f.P.Steps, f.P.Bits, f.P.SwitchProb
	pulses = make([]float64, T*n)
	for k := range pulses {
		u := rng.Random()
		switch {
		case u > 1-sp:
			pulses[k] = 1
		case u < sp:
			pulses[k] = -1
		}
	}
	for k := 0; k < min(3, T)*n; k++ {
		pulses[k] = 0
	}
	targets = make([]float64, T*n)
	state := make([]float64, n)
	for t := 0; t < T; t++ {
		for i := 0; i < n; i++ {
			switch pulses[t*n+i] {
			case 1:
				state[i] = 1
			case -1:
				state[i] = 0
			}
			targets[t*n+i] = state[i]
		}
	}
	inputs = make([]float64, T*n)
	for k := range inputs {
		// The explicit conversion stops Go from fusing the multiply-add into one
		// FMA (it may on arm64 or GOAMD64=v3), which would change the last bit.
		inputs[k] = pulses[k] + float64(f.P.Noise*rng.Normal())
	}
	return inputs, targets, pulses
}

// Generate draws n trials in sequence (the reference's generate_dataset).
func (f *NBFF) Generate(n int, rng *NumpyRNG) *Dataset {
	d := NewDataset(f.Kind(), "", f.P.Steps, f.P.Bits, f.P.Bits, 0, 0)
	for range n {
		in, tg, p := f.Trial(rng)
		d.Append(TrialData{Len: f.P.Steps, Inputs: in, TrueInputs: p, Targets: tg})
	}
	return d
}

// NBFFLoss is the reference's NBFFLoss: squared error with the first 5 steps and
// the Blind steps after each target flip masked out, averaged over every element
// of the batch (masked ones included in the denominator).
type NBFFLoss struct{ Blind int }

func (NBFFLoss) NeedsLatents() bool { return false }

// Eval implements Loss. Targets come from the batch; out.Controlled is T×B×n.
func (l NBFFLoss) Eval(b *Batch, out, grad *Outputs) float64 {
	T, B, n := out.T, out.B, b.TargetDim
	target := b.Targets
	inv := 1 / float64(T*B*n)
	sum := 0.0
	for bi := 0; bi < B; bi++ {
		for i := 0; i < n; i++ {
			lastFlip := math.MinInt / 2 // step of the most recent flip seen so far
			for t := 0; t < T; t++ {
				k := (t*B+bi)*n + i
				// Weight 0 in the first 5 steps and for the Blind steps after a flip
				// (lastFlip is the latest flip strictly before t); the flip step itself is scored.
				masked := t < 5 || t-lastFlip <= l.Blind
				if t >= 1 && target[k] != target[((t-1)*B+bi)*n+i] {
					lastFlip = t
				}
				if masked {
					continue
				}
				d := out.Controlled[k] - float64(target[k])
				sum += d * d
				if grad != nil {
					grad.Controlled[k] += 2 * d * inv
				}
			}
		}
	}
	return sum * inv
}

// EventNames implements Describer: the flip-flop's only events are its pulses.
func (f *NBFF) EventNames() []string { return []string{EventPulse} }

// Events implements Describer: every input pulse (a ±1 in the noise-free
// input), in step order and, within a step, bit order.
func (f *NBFF) Events(d *Dataset, i int) []Event {
	n, in := d.InputDim, d.TrueInputs(i)
	var ev []Event
	for t := range d.Len(i) {
		for b := range n {
			if v := in[t*n+b]; v != 0 {
				s := 1
				if v < 0 {
					s = -1
				}
				ev = append(ev, Event{Name: EventPulse, Step: t, End: t + 1, Bit: b, Sign: s, Value: float64(v)})
			}
		}
	}
	return ev
}

// TrialInfo implements Describer: "" (a flip-flop trial is all in its
// channels; the viewer draws them).
func (f *NBFF) TrialInfo(*Dataset, int, int) string { return "" }

// pattern is the target bit pattern of trial i at step (bit b is 2^b).
func (f *NBFF) pattern(d *Dataset, i, step int) int {
	n, tg := d.TargetDim, d.Targets(i)
	p := 0
	for b := range n {
		if tg[step*n+b] > 0.5 {
			p |= 1 << b
		}
	}
	return p
}

// bitLabel writes a pattern bit 0 first ("100" is bit 0 on).
func (f *NBFF) bitLabel(p int) string {
	s := make([]byte, f.P.Bits)
	for b := range s {
		s[b] = '0' + byte(p>>b&1)
	}
	return string(s)
}

// ConditionLabels implements Describer: the 2^bits bit patterns, bit 0 first.
func (f *NBFF) ConditionLabels(*ConditionSettings) []string {
	out := make([]string, 1<<f.P.Bits)
	for p := range out {
		out[p] = f.bitLabel(p)
	}
	return out
}

// Condition implements Describer: the bit pattern the targets hold at the
// event's step (the pulse step itself, where the target already takes the
// pulse's value), or at the trial's last step when ev is nil.
func (f *NBFF) Condition(d *Dataset, i int, ev *Event, _ *ConditionSettings) int {
	t := d.Len(i) - 1
	if ev != nil {
		if ev.Step < 0 || ev.Step > t {
			return -1
		}
		t = ev.Step
	}
	return f.pattern(d, i, t)
}

// Variables implements Describer: the state of every bit (its target).
func (f *NBFF) Variables() []Variable {
	v := make([]Variable, f.P.Bits)
	for b := range v {
		v[b] = Variable{Name: fmt.Sprintf("bit_%d", b), Group: "bits"}
	}
	return v
}

// VariableValues implements Describer.
func (f *NBFF) VariableValues(dst []float64, d *Dataset, i int, _ []float32) {
	tg := d.Targets(i)
	checkVariables(dst, d, i, f.P.Bits)
	for k, v := range tg {
		dst[k] = float64(v)
	}
}
