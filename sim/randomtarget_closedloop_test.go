package sim

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ctdtui/ctdtui/sim/arm"
)

// linearController is the tiny test controller action = W·[obs, ctx] + bias.
type linearController struct {
	W    []float64 // out × in, row-major
	Bias []float64
	in   int
}

// closedLoop runs the controller through the plant for the batch and returns
// the loss; with grad it also back-propagates through the plant (Episode.Backward)
// and the controller and returns d loss / dW and d loss / d bias.
type closedLoop struct {
	task  *RandomTarget
	batch *Batch
	loss  Loss
}

func (c *closedLoop) run(ctrl *linearController, wantGrad bool) (loss float64, dW, dBias []float64) {
	B, T := c.batch.B, c.batch.T
	const O, nObs = arm.NumMuscles, arm.ObsDim
	nCtx := c.batch.InputDim
	in := nObs + nCtx
	ep := c.task.Plant().Begin(c.batch.ICs, B, T)
	xs := make([]float64, T*B*in) // model inputs, kept for the backward pass
	out := &Outputs{B: B, T: T, Controlled: make([]float64, T*B*2), Actions: make([]float64, T*B*O)}
	obs := make([]float64, B*nObs)
	load := make([]float64, B*2)
	for t := range T {
		ep.Obs(obs)
		for b := range B {
			x := xs[(t*B+b)*in : (t*B+b+1)*in]
			copy(x, obs[b*nObs:(b+1)*nObs])
			for i := range nCtx {
				x[nObs+i] = float64(c.batch.Inputs[(t*B+b)*nCtx+i])
			}
			u := out.Actions[(t*B+b)*O : (t*B+b+1)*O]
			for o := range O {
				s := ctrl.Bias[o]
				for i := range in {
					s += ctrl.W[o*in+i] * x[i]
				}
				u[o] = s
			}
			load[2*b] = float64(c.batch.EnvInputs[(t*B+b)*2])
			load[2*b+1] = float64(c.batch.EnvInputs[(t*B+b)*2+1])
		}
		ep.Step(out.Actions[t*B*O:(t+1)*B*O], load, out.Controlled[t*B*2:(t+1)*B*2])
	}
	if !wantGrad {
		return c.loss.Eval(c.batch, out, nil), nil, nil
	}
	grad := &Outputs{B: B, T: T, Controlled: make([]float64, T*B*2), Actions: make([]float64, T*B*O)}
	loss = c.loss.Eval(c.batch, out, grad)
	dW, dBias = make([]float64, O*in), make([]float64, O)
	var dObsNext []float64 // d loss / d obs_{t+1}; nothing reads the last observation
	dAct := make([]float64, B*O)
	for t := T - 1; t >= 0; t-- {
		ep.Backward(t, dObsNext, grad.Controlled[t*B*2:(t+1)*B*2], dAct)
		dObs := make([]float64, B*nObs)
		for b := range B {
			x := xs[(t*B+b)*in : (t*B+b+1)*in]
			for o := range O {
				du := dAct[b*O+o] + grad.Actions[(t*B+b)*O+o] // through the plant + the action penalty
				dBias[o] += du
				for i := range in {
					dW[o*in+i] += du * x[i]
					if i < nObs {
						dObs[b*nObs+i] += du * ctrl.W[o*in+i]
					}
				}
			}
		}
		dObsNext = dObs
	}
	return loss, dW, dBias
}

// closedLoopBatch builds a short batch: generated starts and goals, a go cue at
// step 5, and a bump on trial 1 during steps 3..12.
func closedLoopBatch(t *testing.T, task *RandomTarget, B, T, epoch int) *Batch {
	d := task.GenerateTrials(B, NewNumpyRNG(11))
	b := &Batch{B: B, T: T, Epoch: epoch, InputDim: 3, TargetDim: 2, EnvInputDim: 2, ICDim: 4}
	b.Inputs = make([]float32, T*B*3)
	b.Targets = make([]float32, T*B*2)
	b.EnvInputs = make([]float32, T*B*2)
	b.ICs = append([]float64(nil), d.ICs[:B*4]...)
	for r := range B {
		start := d.Targets(r)[:2]
		goal := d.Inputs(r)[3*299 : 3*299+2]
		for s := range T {
			k := s*B + r
			b.Inputs[3*k], b.Inputs[3*k+1] = goal[0], goal[1]
			tg := start
			if s >= 5 {
				b.Inputs[3*k+2] = 1
				tg = goal
			}
			b.Targets[2*k], b.Targets[2*k+1] = tg[0], tg[1]
			if r == 1 && s >= 3 && s < 13 {
				b.EnvInputs[2*k], b.EnvInputs[2*k+1] = -6, 5
			}
		}
	}
	return b
}

// TestClosedLoopGradientFD checks d loss / d controller parameters obtained by
// chaining Episode.Backward with the controller's backward pass against central
// finite differences, over 20 closed-loop steps with the RandomTarget loss.
func TestClosedLoopGradientFD(t *testing.T) {
	task := newRandomTarget(t)
	const B, T = 3, 20
	const in = arm.ObsDim + 3
	rng := rand.New(rand.NewPCG(5, 6))
	ctrl := &linearController{W: make([]float64, arm.NumMuscles*in), Bias: make([]float64, arm.NumMuscles), in: in}
	for i := range ctrl.W {
		ctrl.W[i] = 0.05 * rng.NormFloat64()
	}
	for i := range ctrl.Bias {
		ctrl.Bias[i] = 0.05 + 0.3*rng.Float64()
	}
	for _, epoch := range []int{0, 100} {
		c := &closedLoop{task: task, batch: closedLoopBatch(t, task, B, T, epoch), loss: task.Loss()}
		loss, dW, dBias := c.run(ctrl, true)
		if math.IsNaN(loss) {
			t.Fatalf("epoch %d: NaN loss", epoch)
		}
		params := [][]float64{ctrl.W, ctrl.Bias}
		grads := [][]float64{dW, dBias}
		scale := max(maxAbsSlice(dW), maxAbsSlice(dBias))
		worst, n := 0.0, 0
		const h = 1e-6
		for pi, p := range params {
			for i := range p {
				orig := p[i]
				f := func(d float64) float64 {
					p[i] = orig + d
					l, _, _ := c.run(ctrl, false)
					p[i] = orig
					return l
				}
				fd := (-f(2*h) + 8*f(h) - 8*f(-h) + f(-2*h)) / (12 * h)
				g := grads[pi][i]
				e := math.Abs(g-fd) / max(math.Abs(g), math.Abs(fd), 1e-4*scale)
				worst = max(worst, e)
				n++
				if e > 1e-6 {
					t.Errorf("epoch %d param %d[%d]: chained gradient %.12g, finite difference %.12g (rel err %.2g)", epoch, pi, i, g, fd, e)
				}
			}
		}
		t.Logf("epoch %d: loss %.6g, %d parameter derivatives, max |grad| %.3g, worst relative error %.2g", epoch, loss, n, scale, worst)
	}
}

func maxAbsSlice(x []float64) float64 {
	m := 0.0
	for _, v := range x {
		m = max(m, math.Abs(v))
	}
	return m
}
