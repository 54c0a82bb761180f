package nets

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"

	"github.com/ctdtui/ctdtui/sim"
)

// runner evaluates mini-batches of a task with a float32 model: the forward pass
// (open or closed loop), the task's loss in float64, and the backward pass. The
// rows of a batch are split into contiguous chunks, one per worker goroutine;
// each worker has its own tape, plant episode and gradient vector, and the
// gradients are summed in worker order, so results are deterministic for a
// given number of workers.
type runner[F sim.Float] struct {
	model   Model[F]
	task    sim.Task
	plant   sim.Plant
	loss    sim.Loss
	workers []*worker[F]
	// Full-batch outputs and their gradients (float64, time-major).
	out, dout sim.Outputs
	grad      []F
	// onStep, if set, is called by each worker after each step t with the
	// step's inputs x and outputs y (its rows only), while they and the
	// tape's Latent(t) are valid (inference copies them out there).
	onStep func(w *worker[F], t int, x, y []F)
	// ctx, when set, is polled every few steps so that a long batch stops
	// promptly when cancelled (the half-done batch is then discarded).
	ctx context.Context
}

// cancelled reports whether the runner's context is done; it is cheap enough to
// call every step.
func (r *runner[F]) cancelled() bool { return r.ctx != nil && r.ctx.Err() != nil }

type worker[F sim.Float] struct {
	tape   Tape[F]
	grad   []F
	r0, r1 int
	x, y   []F // one step: rows×ModelInputDim, rows×OutputDim
	dy, dx []F
	dlat   []F
	// Closed loop only.
	ep                  sim.Episode
	obs, act, ctl, load []float64
	dAct, dObs          []float64
}

// newRunner sizes the workers for batches of up to maxB rows.
func newRunner[F sim.Float](model Model[F], task sim.Task, maxB, nWorkers int) *runner[F] {
	c := model.Config()
	if c.Inputs != task.ModelInputDim() || c.Outputs != task.OutputDim() {
		panic(fmt.Sprintf("nets: model is %d→%d but the task needs %d→%d", c.Inputs, c.Outputs, task.ModelInputDim(), task.OutputDim()))
	}
	nWorkers = max(1, min(nWorkers, maxB))
	r := &runner[F]{model: model, task: task, plant: task.Plant(), loss: task.Loss(), grad: make([]F, model.Params().Len())}
	rowsPer := (maxB + nWorkers - 1) / nWorkers
	T := task.Steps()
	for range nWorkers {
		w := &worker[F]{tape: model.NewTape(rowsPer, T), grad: make([]F, len(r.grad)),
			x: make([]F, rowsPer*c.Inputs), y: make([]F, rowsPer*c.Outputs),
			dy: make([]F, rowsPer*c.Outputs), dx: make([]F, rowsPer*c.Inputs),
			dlat: make([]F, rowsPer*c.StateDim())}
		if p := r.plant; p != nil {
			w.obs = make([]float64, rowsPer*p.ObsDim())
			w.act = make([]float64, rowsPer*p.ActDim())
			w.ctl = make([]float64, rowsPer*p.CtlDim())
			w.load = make([]float64, rowsPer*p.EnvInputDim())
			w.dAct = make([]float64, rowsPer*p.ActDim())
			w.dObs = make([]float64, rowsPer*p.ObsDim())
		}
		r.workers = append(r.workers, w)
	}
	return r
}

// parallel runs f for every worker that has rows, recovering panics into errors.
func (r *runner[F]) parallel(f func(w *worker[F])) error {
	var wg sync.WaitGroup
	errs := make([]error, len(r.workers))
	for k, w := range r.workers {
		if w.r1 <= w.r0 {
			continue
		}
		run := func() {
			defer func() {
				if p := recover(); p != nil {
					errs[k] = fmt.Errorf("worker panic: %v\n%s", p, debug.Stack())
				}
			}()
			f(w)
		}
		if k == len(r.workers)-1 {
			run() // the last chunk runs on the calling goroutine
			continue
		}
		wg.Add(1)
		go func() { defer wg.Done(); run() }()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// noGradTape is implemented by tapes that can run forward without keeping
// what a backward pass needs (inference, validation): less memory and traffic.
type noGradTape interface{ setNoGrad(on bool) }

// forward runs batch b (rows split across workers) and fills r.out. needGrad
// says whether a backward pass will follow.
func (r *runner[F]) forward(b *sim.Batch, noise *Noise, keepLatents, needGrad bool) error {
	c := r.model.Config()
	B, T := b.B, b.T
	ctlDim := c.Outputs
	if r.plant != nil {
		ctlDim = r.plant.CtlDim()
	}
	r.out.B, r.out.T, r.out.H = B, T, c.StateDim()
	r.out.Actions = grow(r.out.Actions, T*B*c.Outputs)
	if r.plant != nil {
		r.out.Controlled = grow(r.out.Controlled, T*B*ctlDim)
	} else {
		r.out.Controlled = r.out.Actions
	}
	if keepLatents {
		r.out.Latents = grow(r.out.Latents, T*B*c.StateDim())
	} else {
		r.out.Latents = r.out.Latents[:0]
	}
	n := len(r.workers)
	for k, w := range r.workers {
		w.r0, w.r1 = k*B/n, (k+1)*B/n
	}
	dyn := r.task.DynamicNoise()
	return r.parallel(func(w *worker[F]) {
		rows := w.r1 - w.r0
		wn := noise.Rows(w.r0, w.r1)
		if t, ok := w.tape.(noGradTape); ok {
			t.setNoGrad(!needGrad)
		}
		w.tape.Reset(rows, wn)
		I, O, H := c.Inputs, c.Outputs, c.StateDim()
		x, y := w.x[:rows*I], w.y[:rows*O]
		var obsDim int
		if r.plant != nil {
			obsDim = r.plant.ObsDim()
			ics := b.ICs[w.r0*b.ICDim : w.r1*b.ICDim]
			if rs, ok := w.ep.(sim.Restarter); ok {
				rs.Restart(ics, rows, T) // reuse the episode's buffers
			} else {
				w.ep = r.plant.Begin(ics, rows, T)
			}
		}
		for t := 0; t < T; t++ {
			if r.cancelled() {
				return
			}
			if r.plant != nil {
				w.ep.Obs(w.obs[:rows*obsDim])
				ctx := b.Inputs[(t*B+w.r0)*b.InputDim : (t*B+w.r1)*b.InputDim]
				for i := 0; i < rows; i++ {
					xi := x[i*I : (i+1)*I]
					for j := 0; j < obsDim; j++ {
						xi[j] = F(w.obs[i*obsDim+j])
					}
					for j, v := range ctx[i*b.InputDim : (i+1)*b.InputDim] {
						xi[obsDim+j] = F(v)
					}
				}
			} else {
				for i, v := range b.Inputs[(t*B+w.r0)*I : (t*B+w.r1)*I] {
					x[i] = F(v)
				}
			}
			if dyn > 0 && wn != nil {
				for i := 0; i < rows; i++ {
					for j := 0; j < I; j++ {
						x[i*I+j] += F(dyn * wn.Norm(i))
					}
				}
			}
			w.tape.Step(x, y)
			acts := r.out.Actions[(t*B+w.r0)*O : (t*B+w.r1)*O]
			for i, v := range y {
				acts[i] = float64(v)
			}
			if r.plant != nil {
				copy(w.act[:rows*O], acts)
				load := w.load[:rows*b.EnvInputDim]
				src := b.EnvInputs[(t*B+w.r0)*b.EnvInputDim : (t*B+w.r1)*b.EnvInputDim]
				for i, v := range src {
					load[i] = float64(v)
				}
				ctl := r.out.Controlled[(t*B+w.r0)*ctlDim : (t*B+w.r1)*ctlDim]
				w.ep.Step(w.act[:rows*O], load, ctl)
			}
			if keepLatents {
				lat := w.tape.Latent(t)
				dst := r.out.Latents[(t*B+w.r0)*H : (t*B+w.r1)*H]
				for i, v := range lat {
					dst[i] = float64(v)
				}
			}
			if r.onStep != nil {
				r.onStep(w, t, x, y)
			}
		}
	})
}

// backward runs the backward pass for the gradients in r.dout and leaves the
// summed parameter gradient in r.grad.
func (r *runner[F]) backward(b *sim.Batch) error {
	c := r.model.Config()
	B, T := b.B, b.T
	err := r.parallel(func(w *worker[F]) {
		clear(w.grad)
		rows := w.r1 - w.r0
		I, O, H := c.Inputs, c.Outputs, c.StateDim()
		dy := w.dy[:rows*O]
		var dx []F
		var obsDim, ctlDim int
		if r.plant != nil {
			obsDim, ctlDim = r.plant.ObsDim(), r.plant.CtlDim()
			dx = w.dx[:rows*I]
			clear(w.dObs[:rows*obsDim])
		}
		for t := T - 1; t >= 0; t-- {
			if r.cancelled() {
				return
			}
			if r.plant != nil {
				dAct := w.dAct[:rows*O]
				w.ep.Backward(t, w.dObs[:rows*obsDim], r.dout.Controlled[(t*B+w.r0)*ctlDim:(t*B+w.r1)*ctlDim], dAct)
				da := r.dout.Actions[(t*B+w.r0)*O : (t*B+w.r1)*O]
				for i := range dy {
					dy[i] = F(dAct[i] + da[i])
				}
			} else {
				src := r.dout.Controlled[(t*B+w.r0)*O : (t*B+w.r1)*O]
				for i, v := range src {
					dy[i] = F(v)
				}
			}
			var dlat []F
			if len(r.dout.Latents) > 0 {
				dlat = w.dlat[:rows*H]
				src := r.dout.Latents[(t*B+w.r0)*H : (t*B+w.r1)*H]
				for i, v := range src {
					dlat[i] = F(v)
				}
			}
			w.tape.Backward(t, dy, dlat, dx, w.grad)
			if r.plant != nil {
				// The observation part of this step's input came from the previous
				// plant step: pass its gradient back (the dynamic noise is additive).
				for i := 0; i < rows; i++ {
					for j := 0; j < obsDim; j++ {
						w.dObs[i*obsDim+j] = float64(dx[i*I+j])
					}
				}
			}
		}
	})
	if err != nil {
		return err
	}
	clear(r.grad)
	for _, w := range r.workers {
		if w.r1 <= w.r0 {
			continue
		}
		for i, v := range w.grad {
			r.grad[i] += v
		}
	}
	return nil
}

// lossAndGrad runs batch b forward, evaluates the loss, and if withGrad runs the
// backward pass (gradient in r.grad).
func (r *runner[F]) lossAndGrad(b *sim.Batch, noise *Noise, withGrad bool) (float64, error) {
	if err := r.forward(b, noise, r.loss.NeedsLatents(), withGrad); err != nil {
		return 0, err
	}
	if r.cancelled() {
		return 0, r.ctx.Err()
	}
	if !withGrad {
		return r.loss.Eval(b, &r.out, nil), nil
	}
	d := &r.dout
	d.B, d.T, d.H = r.out.B, r.out.T, r.out.H
	d.Actions = grow(d.Actions, len(r.out.Actions))
	clear(d.Actions)
	if r.plant != nil {
		d.Controlled = grow(d.Controlled, len(r.out.Controlled))
		clear(d.Controlled)
	} else {
		d.Controlled = d.Actions
	}
	d.Latents = grow(d.Latents, len(r.out.Latents))
	clear(d.Latents)
	loss := r.loss.Eval(b, &r.out, d)
	if err := r.backward(b); err != nil {
		return loss, err
	}
	if r.cancelled() {
		return 0, r.ctx.Err()
	}
	return loss, nil
}
