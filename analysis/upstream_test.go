package analysis

import "testing"

func TestUpstreamMetricsGolden(t *testing.T) {
	g := loadPCAR2(t)
	a, b := trials3(g.Inputs.LatA), trials3(g.Inputs.LatB)
	v, err := SignalR2Linear(a.Slice(0, 3).Flat(), b.Slice(0, 3).Flat(), a.Slice(3, 4).Flat(), b.Slice(3, 4).Flat())
	if err != nil {
		t.Fatal(err)
	}
	checkScalar(t, "state R² linear train/val", v, g.UpstreamStateR2, 1e-10)

	rt, rp := trials3(g.Inputs.RatesTrue), trials3(g.Inputs.RatesPred)
	checkScalar(t, "rate R² variance weighted", SignalR2(rt.Flat(), rp.Flat()), g.UpstreamRateR2, 1e-10)

	r2, kept, err := CycleConsistency(b.Slice(0, 3).Flat(), rp.Slice(0, 3).Flat(), b.Slice(3, 4).Flat(), rp.Slice(3, 4).Flat(), g.UpstreamCycle.Threshold)
	if err != nil {
		t.Fatal(err)
	}
	checkScalar(t, "cycle consistency", r2, g.UpstreamCycle.R2, 1e-10)
	if kept != g.UpstreamCycle.Kept {
		t.Errorf("kept %d want %d", kept, g.UpstreamCycle.Kept)
	}
}
