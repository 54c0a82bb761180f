package nets

import (
	"math"
	"testing"
)

func TestAdamClipGolden(t *testing.T) {
	type tensors map[string]any
	var g struct {
		Init      tensors `json:"params_init"`
		Scenarios map[string]struct {
			LR      float64  `json:"lr"`
			WD      float64  `json:"weight_decay"`
			MaxNorm *float64 `json:"clip_max_norm"`
			Steps   []struct {
				GradIn    tensors  `json:"grad_in"`
				TotalNorm *float64 `json:"total_norm"`
				Clipped   tensors  `json:"grad_after_clip"`
				After     tensors  `json:"params_after"`
				M         tensors  `json:"exp_avg"`
				V         tensors  `json:"exp_avg_sq"`
			} `json:"steps"`
		} `json:"scenarios"`
	}
	loadJSON(t, "tt_adam_clip.json", &g)
	// The flat vector is W (2×3) then b (3), as one model's parameters would be.
	join := func(m tensors) []float64 { return append(flat(m["W"]), flat(m["b"])...) }
	if len(g.Scenarios) != 3 {
		t.Fatalf("expected 3 scenarios, got %d", len(g.Scenarios))
	}
	for name, sc := range g.Scenarios {
		params := join(g.Init)
		opt := NewAdam[float64](len(params), sc.LR, sc.WD)
		for k, st := range sc.Steps {
			grad := join(st.GradIn)
			maxNorm := 0.0
			if sc.MaxNorm != nil {
				maxNorm = *sc.MaxNorm
			}
			norm := ClipGradNorm(grad, maxNorm)
			if st.TotalNorm != nil && math.Abs(norm-*st.TotalNorm) > 1e-12 {
				t.Fatalf("%s step %d: norm %v want %v", name, k, norm, *st.TotalNorm)
			}
			cmp := func(what string, got, want []float64) {
				for i := range want {
					if math.Abs(got[i]-want[i]) > 1e-12*(1+math.Abs(want[i])) {
						t.Fatalf("%s step %d %s[%d] = %v, want %v", name, k, what, i, got[i], want[i])
					}
				}
			}
			cmp("clipped grad", grad, join(st.Clipped))
			opt.Update(params, grad)
			cmp("params", params, join(st.After))
			cmp("exp_avg", opt.M, join(st.M))
			cmp("exp_avg_sq", opt.V, join(st.V))
		}
	}
}
