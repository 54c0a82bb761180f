package nets

import (
	"math"
	"math/rand/v2"
	"testing"
)

// fdModels covers every model kind with small sizes.
var fdModels = []Config{
	{Kind: KindGRU, Inputs: 3, Latent: 5, Outputs: 2, ICStd: 0.05},
	{Kind: KindNoisyGRU, Inputs: 3, Latent: 5, Outputs: 2, ICStd: 0.05, Noise: 0.05},
	{Kind: KindRNN, Inputs: 3, Latent: 5, Outputs: 2},
	{Kind: KindDriscoll, Inputs: 3, Latent: 5, Outputs: 2, Noise: 0.05, Gamma: 0.2},
	{Kind: KindNODE, Inputs: 3, Latent: 4, Outputs: 2, Layers: 3, LayerHidden: 6},
	{Kind: KindLSTM, Inputs: 3, Latent: 5, Outputs: 2, ICStd: 0.05},
}

// fdLoss is a test loss touching outputs, latents and (through dx) the inputs:
// Σ w_y·y² / 2 + Σ w_h·h³ / 3 with fixed random weights, so every path is used.
type fdLoss struct{ wy, wh []float64 }

// run does a full forward pass with fixed noise and returns the loss; if grad is
// non-nil it also runs the backward pass, adding parameter gradients into grad
// and returning d loss/d x in dx.
func (l fdLoss) run(m Model[float64], x []float64, B, T int, seed uint64, grad, dx []float64) float64 {
	c := m.Config()
	tape := m.NewTape(B, T)
	noise := NewNoise(seed, []int{0, 1, 2})
	tape.Reset(B, noise)
	y := make([]float64, T*B*c.Outputs)
	ForwardOpen(tape, B, T, c.Inputs, c.Outputs, x, y)
	loss := 0.0
	dy := make([]float64, len(y))
	for i, v := range y {
		loss += l.wy[i] * v * v / 2
		dy[i] = l.wy[i] * v
	}
	S := c.StateDim()
	dlat := make([]float64, T*B*S)
	for s := 0; s < T; s++ {
		h := tape.Latent(s)
		for i, v := range h {
			k := s*B*S + i
			loss += l.wh[k] * v * v * v / 3
			dlat[k] = l.wh[k] * v * v
		}
	}
	if grad != nil {
		for s := T - 1; s >= 0; s-- {
			tape.Backward(s, dy[s*B*c.Outputs:(s+1)*B*c.Outputs], dlat[s*B*S:(s+1)*B*S],
				dx[s*B*c.Inputs:(s+1)*B*c.Inputs], grad)
		}
	}
	return loss
}

// TestFiniteDifferences checks every parameter gradient and every input gradient
// of every model kind against central differences in float64.
func TestFiniteDifferences(t *testing.T) {
	const B, T = 3, 6
	for _, cfg := range fdModels {
		t.Run(cfg.Kind, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			m, err := New[float64](cfg, rng)
			if err != nil {
				t.Fatal(err)
			}
			p := m.Params()
			// Non-zero learned initial state and biases so that every path carries signal.
			for i := range p.Data {
				p.Data[i] += 0.1 * rng.NormFloat64()
			}
			x := make([]float64, T*B*cfg.Inputs)
			for i := range x {
				x[i] = rng.NormFloat64()
			}
			l := fdLoss{wy: make([]float64, T*B*cfg.Outputs), wh: make([]float64, T*B*cfg.StateDim())}
			for i := range l.wy {
				l.wy[i] = rng.Float64()
			}
			for i := range l.wh {
				l.wh[i] = rng.Float64() - 0.5
			}
			grad := make([]float64, p.Len())
			dx := make([]float64, len(x))
			l.run(m, x, B, T, 7, grad, dx)
			const eps = 1e-6
			check := func(name string, v *float64, analytic float64) {
				old := *v
				*v = old + eps
				lp := l.run(m, x, B, T, 7, nil, nil)
				*v = old - eps
				lm := l.run(m, x, B, T, 7, nil, nil)
				*v = old
				fd := (lp - lm) / (2 * eps)
				if math.Abs(fd-analytic) > 1e-6*(1+math.Abs(fd)) {
					t.Errorf("%s: analytic %.10g, finite difference %.10g", name, analytic, fd)
				}
			}
			for _, v := range p.Views {
				for i := 0; i < v.Len(); i++ {
					check(v.Name, &p.Data[v.Off+i], grad[v.Off+i])
				}
			}
			for i := range x {
				check("input", &x[i], dx[i])
			}
		})
	}
}

// TestInitialStateGradient checks ResetState/InitialGrad (used by the
// fixed-point maps) and the nil-grad path against central differences.
func TestInitialStateGradient(t *testing.T) {
	const B, T = 2, 3
	for _, cfg := range fdModels {
		t.Run(cfg.Kind, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(5, 6))
			m, _ := New[float64](cfg, rng)
			H, I, O := cfg.StateDim(), cfg.Inputs, cfg.Outputs
			x := make([]float64, T*B*I)
			h0 := make([]float64, B*H)
			w := make([]float64, T*B*H)
			for _, a := range [][]float64{x, h0, w} {
				for i := range a {
					a[i] = rng.NormFloat64()
				}
			}
			tape := m.NewTape(B, T)
			loss := func() float64 {
				tape.ResetState(B, h0)
				y := make([]float64, T*B*O)
				ForwardOpen(tape, B, T, I, O, x, y)
				l := 0.0
				for s := 0; s < T; s++ {
					for i, v := range tape.Latent(s) {
						l += w[s*B*H+i] * v
					}
				}
				return l
			}
			loss()
			for s := T - 1; s >= 0; s-- {
				tape.Backward(s, make([]float64, B*O), w[s*B*H:(s+1)*B*H], nil, nil)
			}
			g := append([]float64(nil), tape.InitialGrad()...)
			for i := range h0 {
				old := h0[i]
				h0[i] = old + 1e-6
				lp := loss()
				h0[i] = old - 1e-6
				lm := loss()
				h0[i] = old
				if fd := (lp - lm) / 2e-6; math.Abs(fd-g[i]) > 1e-6*(1+math.Abs(fd)) {
					t.Errorf("d/dh0[%d]: analytic %v, finite difference %v", i, g[i], fd)
				}
			}
		})
	}
}
