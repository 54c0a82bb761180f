package nets

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/ctdtui/ctdtui/sim"
)

func loadJSON(t testing.TB, name string, v any) {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// flat flattens a JSON number or nested list of numbers.
func flat(v any) []float64 {
	switch x := v.(type) {
	case float64:
		return []float64{x}
	case []any:
		var out []float64
		for _, e := range x {
			out = append(out, flat(e)...)
		}
		return out
	}
	return nil
}

// timeMajor converts batch-first (B,T,C) to time-major (T,B,C).
func timeMajor(a []float64, B, T, C int) []float64 {
	out := make([]float64, len(a))
	for b := 0; b < B; b++ {
		for t := 0; t < T; t++ {
			copy(out[(t*B+b)*C:(t*B+b+1)*C], a[(b*T+t)*C:(b*T+t+1)*C])
		}
	}
	return out
}

func conv[F sim.Float](a []float64) []F {
	out := make([]F, len(a))
	for i, v := range a {
		out[i] = F(v)
	}
	return out
}

// goldenCase is one model block of a golden file.
type goldenCase struct {
	cfg     Config
	params  map[string]any
	inputs  []float64 // batch-first
	targets []float64
	B, T    int
	fwdH    []float64 // batch-first (B,T,H)
	fwdOut  []float64
	loss    float64
	grads   map[string]any
	noise   [][]float64 // per row, in draw order (nil: none)
	// afterForward, if set, checks the tape (a *xxxTape[F]) after the
	// forward pass, before the backward pass overwrites what it stored.
	afterForward func(t *testing.T, tape any)
}

// runGolden loads the parameters, runs the model forward with an MSE loss and
// back, and compares states, outputs, loss and every gradient.
func runGolden[F sim.Float](t *testing.T, gc goldenCase, tol, gtol float64) {
	t.Helper()
	m, err := New[F](gc.cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := m.Params()
	for _, v := range p.Views {
		src, ok := gc.params[v.Name]
		if !ok {
			t.Fatalf("golden lacks parameter %s", v.Name)
		}
		vals := flat(src)
		if len(vals) != v.Len() {
			t.Fatalf("%s: %d values, want %d", v.Name, len(vals), v.Len())
		}
		copy(p.Data[v.Off:], conv[F](vals))
	}
	B, T, I, H, O := gc.B, gc.T, gc.cfg.Inputs, gc.cfg.StateDim(), gc.cfg.Outputs
	x := conv[F](timeMajor(gc.inputs, B, T, I))
	tgt := timeMajor(gc.targets, B, T, O)
	tape := m.NewTape(B, T)
	var noise *Noise
	if gc.noise != nil {
		noise = &Noise{fixed: gc.noise, pos: make([]int, len(gc.noise))}
	}
	tape.Reset(B, noise)
	y := make([]F, T*B*O)
	ForwardOpen(tape, B, T, I, O, x, y)
	wantH := timeMajor(gc.fwdH, B, T, H)
	wantOut := timeMajor(gc.fwdOut, B, T, O)
	for s := 0; s < T; s++ {
		lat := tape.Latent(s)
		for i := range lat {
			if d := math.Abs(float64(lat[i]) - wantH[s*B*H+i]); d > tol*(1+math.Abs(wantH[s*B*H+i])) {
				t.Fatalf("h[t=%d][%d] = %v, want %v", s, i, lat[i], wantH[s*B*H+i])
			}
		}
	}
	loss := 0.0
	dy := make([]F, len(y))
	n := float64(len(y))
	for i := range y {
		if d := math.Abs(float64(y[i]) - wantOut[i]); d > tol*(1+math.Abs(wantOut[i])) {
			t.Fatalf("out[%d] = %v, want %v", i, y[i], wantOut[i])
		}
		d := float64(y[i]) - tgt[i]
		loss += d * d / n
		dy[i] = F(2 * d / n)
	}
	if math.Abs(loss-gc.loss) > tol*(1+math.Abs(gc.loss)) {
		t.Fatalf("loss %v want %v", loss, gc.loss)
	}
	if gc.afterForward != nil {
		gc.afterForward(t, tape)
	}
	grad := make([]F, p.Len())
	BackwardOpen(tape, B, T, O, H, dy, nil, grad)
	for _, v := range p.Views {
		want := flat(gc.grads[v.Name])
		if len(want) != v.Len() {
			t.Fatalf("golden gradient of %s has %d values, want %d", v.Name, len(want), v.Len())
		}
		got := grad[v.Off : v.Off+v.Len()]
		for i := range want {
			if d := math.Abs(float64(got[i]) - want[i]); d > gtol*(1+math.Abs(want[i])) {
				t.Fatalf("grad %s[%d] = %v, want %v", v.Name, i, got[i], want[i])
			}
		}
	}
}

type goldenFile struct {
	Config  map[string]any `json:"config"`
	Params  map[string]any `json:"params"`
	Inputs  any            `json:"inputs"`
	Targets any            `json:"targets"`
	Forward map[string]any `json:"forward"`
	Loss    float64        `json:"loss"`
	Grads   map[string]any `json:"grads"`
}

func TestGRUGolden(t *testing.T) {
	for _, f := range []struct {
		file     string
		f32      bool
		tol, gtl float64
	}{{"tt_gru_f64.json", false, 1e-12, 1e-10}, {"tt_gru_f32.json", true, 1e-6, 1e-5}} {
		var g goldenFile
		loadJSON(t, f.file, &g)
		c := numbers(g.Config)
		gc := goldenCase{
			cfg:    Config{Kind: KindGRU, Inputs: int(c["input_size"]), Latent: int(c["hidden_size"]), Outputs: int(c["output_size"])},
			params: g.Params, inputs: flat(g.Inputs), targets: flat(g.Targets), B: int(c["batch"]), T: int(c["steps"]),
			fwdH: flat(g.Forward["h"]), fwdOut: flat(g.Forward["out"]), loss: g.Loss, grads: g.Grads,
		}
		t.Run(f.file, func(t *testing.T) {
			if f.f32 {
				runGolden[float32](t, gc, f.tol, f.gtl)
			} else {
				runGolden[float64](t, gc, f.tol, f.gtl)
			}
		})
	}
}

func TestNODEGolden(t *testing.T) {
	for _, f := range []struct {
		file     string
		f32      bool
		tol, gtl float64
	}{{"tt_node_f64.json", false, 1e-12, 1e-10}, {"tt_node_f32.json", true, 1e-6, 1e-5}} {
		var g goldenFile
		loadJSON(t, f.file, &g)
		c := numbers(g.Config)
		gc := goldenCase{
			cfg: Config{Kind: KindNODE, Inputs: int(c["input_size"]), Latent: int(c["latent_size"]), Outputs: int(c["output_size"]),
				Layers: int(c["num_layers"]), LayerHidden: int(c["layer_hidden_size"])},
			params: g.Params, inputs: flat(g.Inputs), targets: flat(g.Targets), B: int(c["batch"]), T: int(c["steps"]),
			fwdH: flat(g.Forward["h"]), fwdOut: flat(g.Forward["out"]), loss: g.Loss, grads: g.Grads,
		}
		t.Run(f.file, func(t *testing.T) {
			if f.f32 {
				runGolden[float32](t, gc, f.tol, f.gtl)
			} else {
				runGolden[float64](t, gc, f.tol, f.gtl)
			}
		})
	}
}

func TestMiscModelsGolden(t *testing.T) {
	var g struct {
		Config   map[string]float64 `json:"config"`
		Inputs   any                `json:"inputs"`
		Targets  any                `json:"targets"`
		Noise    [][][]float64      `json:"noise"`
		ICNoise  [][]float64        `json:"ic_noise"`
		Vanilla  goldenFile         `json:"vanilla_rnn"`
		NoisyGRU goldenFile         `json:"noisy_gru"`
		Driscoll goldenFile         `json:"driscoll_rnn"`
	}
	loadJSON(t, "tt_models_misc_f64.json", &g)
	c := g.Config
	base := Config{Inputs: int(c["input_size"]), Latent: int(c["hidden_size"]), Outputs: int(c["output_size"])}
	B, T := int(c["batch"]), int(c["steps"])
	mk := func(kind string, gf goldenFile, noise [][]float64) goldenCase {
		cfg := base
		cfg.Kind = kind
		cfg.ICStd, cfg.Noise, cfg.Gamma = 1, 1, 0.2 // the golden noise is already scaled
		return goldenCase{cfg: cfg, params: gf.Params, inputs: flat(g.Inputs), targets: flat(g.Targets), B: B, T: T,
			fwdH: flat(gf.Forward["h"]), fwdOut: flat(gf.Forward["out"]), loss: gf.Loss, grads: gf.Grads, noise: noise}
	}
	stepNoise := func(withIC bool) [][]float64 {
		rows := make([][]float64, B)
		for b := range rows {
			if withIC {
				rows[b] = append(rows[b], g.ICNoise[b]...)
			}
			for s := 0; s < T; s++ {
				rows[b] = append(rows[b], g.Noise[b][s]...)
			}
		}
		return rows
	}
	t.Run("vanilla_rnn", func(t *testing.T) { runGolden[float64](t, mk(KindRNN, g.Vanilla, nil), 1e-12, 1e-10) })
	t.Run("noisy_gru", func(t *testing.T) { runGolden[float64](t, mk(KindNoisyGRU, g.NoisyGRU, stepNoise(true)), 1e-12, 1e-10) })
	t.Run("driscoll_rnn", func(t *testing.T) {
		runGolden[float64](t, mk(KindDriscoll, g.Driscoll, stepNoise(false)), 1e-12, 1e-10)
	})
}

// numbers keeps the numeric entries of a golden config.
func numbers(m map[string]any) map[string]float64 {
	out := map[string]float64{}
	for k, v := range m {
		if f, ok := v.(float64); ok {
			out[k] = f
		}
	}
	return out
}
