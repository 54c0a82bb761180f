package sim

import (
	"math"
	"math/rand/v2"
	"testing"
)

type multiTaskLossGolden struct {
	ExtraF     [][2]float64  `json:"extra"` // floats, as the reference stores them
	Extra      [][2]int      `json:"-"`
	Pred       [][][]float64 `json:"pred"`
	Target     [][][]float64 `json:"target"`
	Latents    [][][]float64 `json:"latents"`
	Weight     [][][]float64 `json:"weight"`
	LatentMask [][][]float64 `json:"latent_mask"`
	Cases      []struct {
		W      float64 `json:"lat_loss_weight"`
		Loss   float64 `json:"loss"`
		Recon  float64 `json:"recon_term"`
		Latent float64 `json:"latent_term"`
	} `json:"cases"`
	GradW       float64       `json:"grad_case_lat_loss_weight"`
	GradPred    [][][]float64 `json:"grad_pred"`
	GradLatents [][][]float64 `json:"grad_latents"`
}

// lossSetup builds a batch of T steps from the golden (B, 24, ·) arrays; steps
// beyond 24 get arbitrary values, which must not matter (they are padding).
func lossSetup(g *multiTaskLossGolden, T int, r *rand.Rand) (*Batch, *Outputs) {
	B, T0, C, H := len(g.Pred), len(g.Pred[0]), len(g.Pred[0][0]), len(g.Latents[0][0])
	b := &Batch{B: B, T: T, TargetDim: C, Targets: make([]float32, T*B*C), Extra: g.Extra}
	out := &Outputs{B: B, T: T, H: H, Controlled: make([]float64, T*B*C), Latents: make([]float64, T*B*H)}
	out.Actions = out.Controlled
	for bi := 0; bi < B; bi++ {
		for t := 0; t < T; t++ {
			for c := 0; c < C; c++ {
				k := (t*B+bi)*C + c
				if t < T0 {
					b.Targets[k] = float32(g.Target[bi][t][c])
					out.Controlled[k] = g.Pred[bi][t][c]
				} else {
					out.Controlled[k] = r.NormFloat64()
				}
			}
			for j := 0; j < H; j++ {
				k := (t*B+bi)*H + j
				if t < T0 {
					out.Latents[k] = g.Latents[bi][t][j]
				} else {
					out.Latents[k] = r.NormFloat64()
				}
			}
		}
	}
	return b, out
}

// Batch targets are float32 (as the reference trains) and some golden targets
// (0.7071067811865476, ...) are not float32 numbers, so values agree to ~1e-8,
// not to the last bit; 1e-6 still catches any wrong weight or mask (O(1) errors).
const lossGoldenTol = 1e-6

func TestMultiTaskLossGolden(t *testing.T) {
	var g multiTaskLossGolden
	loadMultiTaskLossGolden(t, &g)
	B, T0, C, H := len(g.Pred), len(g.Pred[0]), len(g.Pred[0][0]), len(g.Latents[0][0])
	r := rand.New(rand.NewPCG(1, 1))
	// The weights and latent mask match the golden ones.
	for bi := 0; bi < B; bi++ {
		for tt := 0; tt < T0; tt++ {
			if w := multiTaskWeight(tt, g.Extra[bi][0], g.Extra[bi][1]); w != g.Weight[bi][tt][0] {
				t.Fatalf("weight[%d][%d] = %v want %v", bi, tt, w, g.Weight[bi][tt][0])
			}
		}
	}
	// T = 24 (the batch's longest trial end) and T = 40 (with padding) agree.
	for _, T := range []int{T0, 40} {
		for _, cs := range g.Cases {
			b, out := lossSetup(&g, T, r)
			l := MultiTaskLoss{LatentWeight: cs.W}
			if l.NeedsLatents() != (cs.W != 0) {
				t.Fatal("NeedsLatents")
			}
			recon, lat := l.Terms(b, out)
			if math.Abs(recon-cs.Recon) > lossGoldenTol || math.Abs(lat-cs.Latent) > lossGoldenTol {
				t.Fatalf("T=%d λ=%v: terms %v %v want %v %v", T, cs.W, recon, lat, cs.Recon, cs.Latent)
			}
			grad := &Outputs{B: B, T: T, H: H, Controlled: make([]float64, T*B*C), Latents: make([]float64, T*B*H)}
			if loss := l.Eval(b, out, grad); math.Abs(loss-cs.Loss) > lossGoldenTol {
				t.Fatalf("T=%d λ=%v: loss %v want %v", T, cs.W, loss, cs.Loss)
			}
			if cs.W != g.GradW {
				continue
			}
			for bi := 0; bi < B; bi++ {
				for tt := 0; tt < T; tt++ {
					for c := 0; c < C; c++ {
						want := 0.0
						if tt < T0 {
							want = g.GradPred[bi][tt][c]
						}
						if got := grad.Controlled[(tt*B+bi)*C+c]; math.Abs(got-want) > lossGoldenTol {
							t.Fatalf("T=%d grad_pred[%d][%d][%d] = %v want %v", T, bi, tt, c, got, want)
						}
					}
					for j := 0; j < H; j++ {
						want := 0.0
						if tt < T0 {
							want = g.GradLatents[bi][tt][j]
						}
						if got := grad.Latents[(tt*B+bi)*H+j]; math.Abs(got-want) > lossGoldenTol {
							t.Fatalf("T=%d grad_latents[%d][%d][%d] = %v want %v", T, bi, tt, j, got, want)
						}
					}
				}
			}
		}
	}
}

// Eval adds into the gradient slices, and the gradient matches central finite
// differences in float64.
func TestMultiTaskLossGradient(t *testing.T) {
	var g multiTaskLossGolden
	loadMultiTaskLossGolden(t, &g)
	r := rand.New(rand.NewPCG(2, 3))
	b, out := lossSetup(&g, 30, r)
	l := MultiTaskLoss{LatentWeight: 0.37}
	grad := &Outputs{B: out.B, T: out.T, H: out.H, Controlled: make([]float64, len(out.Controlled)), Latents: make([]float64, len(out.Latents))}
	for i := range grad.Controlled {
		grad.Controlled[i] = 1 // pre-existing gradient: Eval must add to it
	}
	l.Eval(b, out, grad)
	const h = 1e-6
	check := func(name string, x, gx []float64, pre float64) {
		for i := range x {
			x0 := x[i]
			x[i] = x0 + h
			fp := l.Eval(b, out, nil)
			x[i] = x0 - h
			fm := l.Eval(b, out, nil)
			x[i] = x0
			fd := (fp - fm) / (2 * h)
			if got := gx[i] - pre; math.Abs(got-fd) > 1e-6*(1+math.Abs(fd)) {
				t.Fatalf("%s[%d]: gradient %v, finite difference %v", name, i, got, fd)
			}
		}
	}
	check("pred", out.Controlled, grad.Controlled, 1)
	check("latents", out.Latents, grad.Latents, 0)
}

func loadMultiTaskLossGolden(t *testing.T, g *multiTaskLossGolden) {
	loadJSON(t, "tt_loss_multitask.json", g)
	for _, e := range g.ExtraF {
		g.Extra = append(g.Extra, [2]int{int(e[0]), int(e[1])})
	}
}
