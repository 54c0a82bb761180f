package sim

import (
	"math"
	"strings"
	"testing"
)

func TestNBFFTrialsBitExact(t *testing.T) {
	var g struct {
		N          int     `json:"n"`
		Steps      int     `json:"n_timesteps"`
		SwitchProb float64 `json:"switch_prob"`
		Noise      float64 `json:"noise"`
		Seed       uint32  `json:"seed"`
		Trials     []struct {
			Inputs     [][]float64 `json:"inputs"`
			Targets    [][]float64 `json:"targets"`
			TrueInputs [][]float64 `json:"true_inputs"`
		} `json:"trials"`
	}
	loadJSON(t, "tt_nbff_trials.json", &g)
	task, err := NewNBFF(NBFFParams{Bits: g.N, Steps: g.Steps, SwitchProb: g.SwitchProb, Noise: g.Noise, TransitionBlind: 4})
	if err != nil {
		t.Fatal(err)
	}
	rng := NewNumpyRNG(g.Seed)
	for k, want := range g.Trials {
		in, tg, p := task.Trial(rng)
		for name, pair := range map[string][2][]float64{
			"inputs":      {in, flatten2(want.Inputs)},
			"targets":     {tg, flatten2(want.Targets)},
			"true_inputs": {p, flatten2(want.TrueInputs)},
		} {
			if len(pair[0]) != len(pair[1]) {
				t.Fatalf("trial %d %s: %d values want %d", k, name, len(pair[0]), len(pair[1]))
			}
			for i := range pair[0] {
				if pair[0][i] != pair[1][i] {
					t.Fatalf("trial %d %s[%d]: got %v want %v", k, name, i, pair[0][i], pair[1][i])
				}
			}
		}
	}
	// The dataset path gives the same numbers, in float32.
	d := task.Generate(2, NewNumpyRNG(g.Seed))
	if d.N() != 2 || d.Len(1) != g.Steps {
		t.Fatalf("dataset shape %d trials × %d", d.N(), d.Len(1))
	}
	if got, want := d.Inputs(1)[7], float32(g.Trials[1].Inputs[2][1]); got != want {
		t.Fatalf("dataset input: %v want %v", got, want)
	}
}

func flatten2(a [][]float64) []float64 {
	var out []float64
	for _, r := range a {
		out = append(out, r...)
	}
	return out
}

func flatten3(a [][][]float64) []float64 {
	var out []float64
	for _, r := range a {
		out = append(out, flatten2(r)...)
	}
	return out
}

// toTimeMajor converts a batch-first (B,T,C) array to time-major (T,B,C).
func toTimeMajor(a []float64, B, T, C int) []float64 {
	out := make([]float64, len(a))
	for b := 0; b < B; b++ {
		for t := 0; t < T; t++ {
			copy(out[(t*B+b)*C:(t*B+b+1)*C], a[(b*T+t)*C:(b*T+t+1)*C])
		}
	}
	return out
}

func TestNBFFLossGolden(t *testing.T) {
	var g struct {
		Blind    int           `json:"transition_blind"`
		Shape    []int         `json:"shape"`
		Pred     [][][]float64 `json:"pred"`
		Target   [][][]float64 `json:"target"`
		Mask     [][][]float64 `json:"mask"`
		Loss     float64       `json:"loss"`
		GradPred [][][]float64 `json:"grad_pred"`
	}
	loadJSON(t, "tt_loss_nbff.json", &g)
	B, T, n := g.Shape[0], g.Shape[1], g.Shape[2]
	pred := toTimeMajor(flatten3(g.Pred), B, T, n)
	tgt := toTimeMajor(flatten3(g.Target), B, T, n)
	b := &Batch{B: B, T: T, TargetDim: n, Targets: make([]float32, len(tgt))}
	for i, v := range tgt {
		b.Targets[i] = float32(v)
	}
	out := &Outputs{B: B, T: T, Controlled: pred, Actions: pred}
	grad := &Outputs{B: B, T: T, Controlled: make([]float64, len(pred))}
	loss := NBFFLoss{Blind: g.Blind}.Eval(b, out, grad)
	if math.Abs(loss-g.Loss) > 1e-12 {
		t.Fatalf("loss %v want %v", loss, g.Loss)
	}
	wantGrad := toTimeMajor(flatten3(g.GradPred), B, T, n)
	mask := toTimeMajor(flatten3(g.Mask), B, T, n)
	for i := range wantGrad {
		if math.Abs(grad.Controlled[i]-wantGrad[i]) > 1e-12 {
			t.Fatalf("grad[%d] %v want %v", i, grad.Controlled[i], wantGrad[i])
		}
		// Where the golden mask is 1 and prediction differs from target, the gradient is non-zero.
		if mask[i] == 1 && pred[i] != tgt[i] && grad.Controlled[i] == 0 {
			t.Fatalf("element %d scored in the golden mask but has zero gradient", i)
		}
	}
}

func TestNBFFValidate(t *testing.T) {
	bad := map[string]func(*NBFFParams){
		"bits":             func(p *NBFFParams) { p.Bits = 0 },
		"steps":            func(p *NBFFParams) { p.Steps = 0 },
		"switch_prob":      func(p *NBFFParams) { p.SwitchProb = 1.5 },
		"noise":            func(p *NBFFParams) { p.Noise = -0.1 },
		"transition_blind": func(p *NBFFParams) { p.TransitionBlind = -1 },
		"dynamic_noise":    func(p *NBFFParams) { p.DynamicNoise = math.NaN() },
	}
	for key, mutate := range bad {
		p := DefaultNBFF()
		mutate(&p)
		_, err := NewNBFF(p)
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s: error %v does not name the parameter", key, err)
		}
	}
	if _, err := NewNBFF(DefaultNBFF()); err != nil {
		t.Fatal(err)
	}
}
