package nets

import (
	"context"
	"fmt"

	"github.com/ctdtui/ctdtui/sim"
)

// Inference holds a model's rollout over a set of trials: what the analysis,
// the trial viewer and the exporters read. Per-trial arrays are row-major
// (time × channel) and ragged: trial k covers Len(k) steps, its stored length
// in the dataset.
type Inference struct {
	Trials []int // dataset indices, in the order given
	// Sizes: state (Config.StateDim: the LSTM's is [h, c]), model output, controlled output (= output for open loop),
	// model input.
	H, O, C, I int
	// Seed is the noise seed the rollout used.
	Seed uint64

	offsets    []int
	latents    []float32
	outputs    []float32
	controlled []float32 // nil for open-loop tasks (aliases outputs)
	inputs     []float32 // model inputs as fed, noise and observations included

	// Plant states (closed loop with a sim.Recorder plant only): S channels named
	// PlantLabels, recorded after every step, plus each trial's state at reset.
	S            int
	PlantLabels  []string
	plantStates  []float32
	plantInitial []float32
}

// PlantStates returns trial k's plant state after each step (Len(k)×S), or nil.
func (r *Inference) PlantStates(k int) []float32 {
	if r.plantStates == nil {
		return nil
	}
	return r.view(r.plantStates, k, r.S)
}

// PlantInitial returns trial k's plant state at reset (S values), or nil.
func (r *Inference) PlantInitial(k int) []float32 {
	if r.plantInitial == nil {
		return nil
	}
	return r.plantInitial[k*r.S : (k+1)*r.S]
}

// Len is the number of steps of the k-th trial.
func (r *Inference) Len(k int) int { return r.offsets[k+1] - r.offsets[k] }

// Steps is the total number of steps over all trials.
func (r *Inference) Steps() int { return r.offsets[len(r.offsets)-1] }

func (r *Inference) view(a []float32, k, dim int) []float32 {
	return a[r.offsets[k]*dim : r.offsets[k+1]*dim]
}

// Latents returns trial k's hidden states after each step (Len(k)×H).
func (r *Inference) Latents(k int) []float32 { return r.view(r.latents, k, r.H) }

// Outputs returns trial k's raw model outputs (Len(k)×O).
func (r *Inference) Outputs(k int) []float32 { return r.view(r.outputs, k, r.O) }

// Controlled returns what trial k's targets are compared with (Len(k)×C): the
// outputs for open-loop tasks, the plant's controlled variable otherwise.
func (r *Inference) Controlled(k int) []float32 {
	if r.controlled == nil {
		return r.Outputs(k)
	}
	return r.view(r.controlled, k, r.C)
}

// Inputs returns the inputs the model received in trial k (Len(k)×I).
func (r *Inference) Inputs(k int) []float32 { return r.view(r.inputs, k, r.I) }

// AllLatents returns every trial's latents concatenated (Steps()×H).
func (r *Inference) AllLatents() []float32 { return r.latents }

// InferOptions configures Infer. The zero value is usable.
type InferOptions struct {
	// Seed seeds the model's noise (initial-state, state and dynamic input noise):
	// each trial's draws depend only on the seed and its dataset index, so one
	// seed gives one fixed set of latents (the reference draws fresh noise on
	// every call).
	Seed uint64
	// Workers splits each chunk of trials across goroutines (0 = GOMAXPROCS).
	Workers int
	// Chunk is the number of trials run at once (0 = 256).
	Chunk int
	// Progress, if set, is called after each chunk with trials done and total.
	Progress func(done, total int)
	// NoEnvInputs runs closed-loop trials without their external loads (the
	// RandomTarget bumps), as the reference's analysis and simulator do.
	NoEnvInputs bool
}

// Infer runs the model over the given trials of data on their noisy inputs, as
// in training (closed-loop trials get their external loads unless NoEnvInputs).
func Infer(ctx context.Context, model Model[float32], task sim.Task, data *sim.Dataset, trials []int, o *InferOptions) (*Inference, error) {
	if o == nil {
		o = &InferOptions{}
	}
	chunk := o.Chunk
	if chunk <= 0 {
		chunk = 256
	}
	workers := o.Workers
	if workers <= 0 {
		workers = defaultWorkers()
	}
	c := model.Config()
	res := &Inference{Trials: append([]int(nil), trials...), H: c.StateDim(), O: c.Outputs, C: c.Outputs, I: c.Inputs, Seed: o.Seed}
	plant := task.Plant()
	if plant != nil {
		res.C = plant.CtlDim()
	}
	res.offsets = make([]int, len(trials)+1)
	for k, i := range trials {
		if i < 0 || i >= data.N() {
			return nil, fmt.Errorf("trial %d out of range [0, %d)", i, data.N())
		}
		res.offsets[k+1] = res.offsets[k] + data.Len(i)
	}
	n := res.Steps()
	res.latents = make([]float32, n*res.H)
	res.outputs = make([]float32, n*res.O)
	res.inputs = make([]float32, n*res.I)
	if plant != nil {
		res.controlled = make([]float32, n*res.C)
	}
	r := newRunner(model, task, min(chunk, max(1, len(trials))), workers)
	r.ctx = ctx
	// Each worker copies its rows' step out as soon as it is made, while it is
	// in cache; the tapes then keep no history (Latent(t) lasts one step).
	chunkStart, B := 0, 0
	r.onStep = func(w *worker[float32], t int, x, y []float32) {
		lat := w.tape.Latent(t)
		for row := w.r0; row < w.r1; row++ {
			k := chunkStart + row
			if t >= res.Len(k) {
				continue
			}
			i, at := row-w.r0, res.offsets[k]+t
			copy(res.latents[at*res.H:(at+1)*res.H], lat[i*res.H:(i+1)*res.H])
			copy(res.outputs[at*res.O:(at+1)*res.O], y[i*res.O:(i+1)*res.O])
			copy(res.inputs[at*res.I:(at+1)*res.I], x[i*res.I:(i+1)*res.I])
			if plant != nil {
				ctl := r.out.Controlled[(t*B+row)*res.C : (t*B+row+1)*res.C]
				dst := res.controlled[at*res.C : (at+1)*res.C]
				for j, v := range ctl {
					dst[j] = float32(v)
				}
			}
		}
	}
	var batch sim.Batch
	noise := &Noise{}
	for start := 0; start < len(trials); start += chunk {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		idx := trials[start:min(start+chunk, len(trials))]
		data.FillBatch(&batch, idx, 0, 0)
		if o.NoEnvInputs {
			clear(batch.EnvInputs)
		}
		noise.Reset(o.Seed, idx)
		chunkStart, B = start, len(idx)
		if err := r.forward(&batch, noise, false, false); err != nil {
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if plant != nil {
			for _, w := range r.workers {
				rec, ok := w.ep.(sim.Recorder)
				if !ok {
					continue
				}
				if res.plantStates == nil {
					res.PlantLabels = rec.StateLabels()
					res.S = len(res.PlantLabels)
					res.plantStates = make([]float32, n*res.S)
					res.plantInitial = make([]float32, len(trials)*res.S)
				}
				st := make([]float64, res.S)
				for row := w.r0; row < w.r1; row++ {
					k := start + row
					ps := res.PlantStates(k)
					for t := 0; t <= res.Len(k); t++ {
						rec.State(st, t, row-w.r0)
						dst := res.plantInitial[k*res.S : (k+1)*res.S]
						if t > 0 {
							dst = ps[(t-1)*res.S : t*res.S]
						}
						for j, v := range st {
							dst[j] = float32(v)
						}
					}
				}
			}
		}
		if o.Progress != nil {
			o.Progress(start+len(idx), len(trials))
		}
	}
	return res, nil
}
