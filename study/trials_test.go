package study

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/ctdtui/ctdtui/analysis"
)

// A rollout's per-trial PCs are the phase projection's rows, which are the
// latents centred and multiplied by the PCA's components; the trial report
// carries the same numbers.
func TestRolloutTrialPCs(t *testing.T) {
	ctx := context.Background()
	for _, dir := range []string{flipFlop32, multiTask8, randomTarget} {
		s := open(t, dir)
		r, err := s.Rollout(ctx, "val", nil)
		if err != nil {
			t.Fatal(err)
		}
		pca, err := s.PCA(ctx, "val")
		if err != nil {
			t.Fatal(err)
		}
		k := len(r.Trials) - 1 // the last trial: offsets matter
		lat := r.Latents(k)
		pcs := r.TrialPCs(k)
		if len(pcs) != RolloutPCs || len(pcs[0]) != r.Len(k) {
			t.Fatalf("%s: %d PCs of %d steps", dir, len(pcs), len(pcs[0]))
		}
		for _, step := range []int{0, r.Len(k) / 2, r.Len(k) - 1} {
			for j := range pcs {
				want := 0.0
				for h := 0; h < r.H; h++ {
					want += (float64(lat[step*r.H+h]) - pca.Mean[h]) * pca.Components.At(j, h)
				}
				if math.Abs(pcs[j][step]-want) > 1e-12*math.Max(1, math.Abs(want)) {
					t.Fatalf("%s: PC%d at step %d is %v, want %v", dir, j+1, step, pcs[j][step], want)
				}
			}
		}
		rep, err := s.Trial(ctx, TrialOptions{Trial: k, Step: r.Len(k) - 1})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Index != r.Trials[k] || rep.Steps != r.Len(k) || len(rep.PCs) != rep.Steps || rep.PCs[rep.Steps-1][2] != pcs[2][rep.Steps-1] {
			t.Fatalf("%s: trial report %d steps, index %d", dir, rep.Steps, rep.Index)
		}
		if len(rep.Controlled[0]) != r.C || len(rep.Latents[0]) != r.H || len(rep.HeldInput) != r.I {
			t.Fatalf("%s: report widths %d %d %d", dir, len(rep.Controlled[0]), len(rep.Latents[0]), len(rep.HeldInput))
		}
		if (r.S > 0) != (rep.PlantStates != nil) {
			t.Fatalf("%s: plant states %v with S=%d", dir, rep.PlantStates != nil, r.S)
		}
	}
}

// The held input is the task's noise-free input for an open-loop task and
// the model's input as fed (observation included) for a closed-loop one;
// fixedpoints --inputs-at holds it.
func TestHeldInput(t *testing.T) {
	ctx := context.Background()
	ff := open(t, flipFlop32)
	r, err := ff.Rollout(ctx, "val", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range []TrialStep{{0, 0}, {3, 17}, {len(r.Trials) - 1, r.Len(len(r.Trials)-1) - 1}} {
		got := r.HeldInput(at.Trial, at.Step)
		want := ff.Run.Data.TrueInputs(r.Trials[at.Trial])[at.Step*3 : at.Step*3+3]
		noisy := r.ModelInputs(at.Trial)[at.Step*3 : at.Step*3+3]
		for i := range want {
			if got[i] != float64(want[i]) {
				t.Fatalf("flip-flop %v: held %v, noise-free input %v", at, got, want)
			}
		}
		if at.Step == 17 && got[0] == float64(noisy[0]) {
			t.Fatalf("flip-flop %v: the held input is the noisy one %v", at, noisy)
		}
	}
	rt := open(t, randomTarget)
	rr, err := rt.Rollout(ctx, "val", nil)
	if err != nil {
		t.Fatal(err)
	}
	got := rr.HeldInput(2, 30)
	fed := rr.ModelInputs(2)[30*rr.I : 31*rr.I]
	if len(got) != 17 || len(got) != len(fed) {
		t.Fatalf("RandomTarget held input has %d values, the model %d", len(got), rr.I)
	}
	for i := range fed {
		if got[i] != float64(fed[i]) {
			t.Fatalf("RandomTarget: held %v, fed %v", got, fed)
		}
	}

	var out bytes.Buffer
	o := FixedPointOptions{Phase: "val", Inits: 16, Iters: 50}
	if err := FixedPointsCommand(ctx, flipFlop32, false, o, &TrialStep{3, 17}, Output{W: &out, JSON: true}); err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Options FixedPointOptions `json:"options"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if want := r.HeldInput(3, 17); len(rep.Options.Inputs) != 3 || rep.Options.Inputs[1] != want[1] {
		t.Fatalf("--inputs-at 3:17 held %v, want %v", rep.Options.Inputs, want)
	}
	for _, c := range []struct {
		o    FixedPointOptions
		at   TrialStep
		want string
	}{
		{FixedPointOptions{Phase: "val", Inputs: []float64{0, 0, 0}}, TrialStep{0, 0}, "use one"},
		{FixedPointOptions{Phase: "val"}, TrialStep{40, 0}, "trials 0 to 39"},
		{FixedPointOptions{Phase: "val"}, TrialStep{0, 100}, "steps 0 to 99"},
	} {
		err := FixedPointsCommand(ctx, flipFlop32, false, c.o, &c.at, Output{W: &out})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v at %v: error %v, want %q", c.o, c.at, err, c.want)
		}
	}
	for _, bad := range []string{"3", "a:1", "1:-2", "1:2:3"} {
		if _, err := ParseTrialStep(bad); err == nil {
			t.Errorf("ParseTrialStep(%q) accepted", bad)
		}
	}
	if ts, err := ParseTrialStep(" 4 : 12 "); err != nil || ts != (TrialStep{4, 12}) {
		t.Errorf("ParseTrialStep: %v %v", ts, err)
	}
}

// B's trajectories in A's PC space are analysis.ProjectIntoReferencePCs'
// first columns, A's are its PCs; compare --trajectories writes both.
func TestAlignTrajectories(t *testing.T) {
	ctx := context.Background()
	a, b := open(t, flipFlop32), open(t, flipFlop16)
	al, err := a.AlignTrajectories(ctx, b, "val", 3)
	if err != nil {
		t.Fatal(err)
	}
	pa, err := a.PCs(ctx, "val", 3)
	if err != nil {
		t.Fatal(err)
	}
	la, _ := a.Latents(ctx, "val")
	lb, _ := b.Latents(ctx, "val")
	z, err := analysis.ProjectIntoReferencePCs(la, lb)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := z.Dims()
	if len(al.B.Data) != 3*n || len(al.A.Data) != len(pa.Data) {
		t.Fatalf("%d and %d values for %d rows", len(al.A.Data), len(al.B.Data), n)
	}
	for i := 0; i < n; i += 97 {
		for j := 0; j < 3; j++ {
			if al.B.Data[3*i+j] != z.At(i, j) || al.A.Data[3*i+j] != pa.Data[3*i+j] {
				t.Fatalf("row %d PC%d: B %v A %v, want %v %v", i, j+1, al.B.Data[3*i+j], al.A.Data[3*i+j], z.At(i, j), pa.Data[3*i+j])
			}
		}
	}
	if got, want := al.B.Trial(5), al.B.Data[5*100*3:6*100*3]; &got[0] != &want[0] {
		t.Fatal("B's trial 5 is not its rows 500-599")
	}
	// The mapping is a good one for two trained flip-flops.
	var ss, sr float64
	zb := mat.NewDense(n, 3, al.B.Data)
	za := mat.NewDense(n, 3, al.A.Data)
	for i := 0; i < n; i++ {
		for j := 0; j < 3; j++ {
			d := zb.At(i, j) - za.At(i, j)
			sr += d * d
			ss += za.At(i, j) * za.At(i, j)
		}
	}
	if r2 := 1 - sr/ss; r2 < 0.8 {
		t.Fatalf("B mapped into A's top PCs explains %.3f of them", r2)
	}
	if _, err := a.AlignTrajectories(ctx, open(t, randomTarget), "val", 3); err == nil || !strings.Contains(err.Error(), "different datasets") {
		t.Fatalf("aligning runs on different trials: %v", err)
	}

	var out bytes.Buffer
	if err := CompareCommand(ctx, []string{flipFlop32, flipFlop16}, false, MatrixOptions{CompareOptions: CompareOptions{NoDSA: true}}, true, Output{W: &out, JSON: true}); err != nil {
		t.Fatal(err)
	}
	var rep struct {
		StateR2      float64              `json:"state_r2"`
		Trajectories *AlignedTrajectories `json:"trajectories"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.StateR2 == 0 || rep.Trajectories == nil || rep.Trajectories.B.Trial(39)[299] != al.B.Trial(39)[299] {
		t.Fatalf("compare --trajectories JSON: state_r2 %v, trajectories %v", rep.StateR2, rep.Trajectories != nil)
	}
	out.Reset()
	if err := CompareCommand(ctx, []string{flipFlop32, flipFlop16}, false, MatrixOptions{CompareOptions: CompareOptions{NoDSA: true}}, true, Output{W: &out}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "trajectories: 40 val trials in A's first 3 PCs") {
		t.Fatalf("compare --trajectories table:\n%s", out.String())
	}
}
