package sim

import (
	"math"
	"strings"
	"testing"

	"github.com/ctdtui/ctdtui/sim/arm"
)

func newCO(t *testing.T, edit func(*CentreOutParams)) *RandomTarget {
	t.Helper()
	p := DefaultCentreOut()
	if edit != nil {
		edit(&p)
	}
	task, err := NewCentreOut(p)
	if err != nil {
		t.Fatal(err)
	}
	return task
}

// Centre-out trials start at the joint-space centre, reach to targets on the
// circle at the stated angles and radius, all within reach, and a model
// trained on RandomTarget fits the task unchanged.
func TestCentreOutGeometry(t *testing.T) {
	task := newCO(t, nil)
	if task.Kind() != KindCentreOut || task.DatasetName() != "CentreOut" || task.ModelInputDim() != 17 || task.OutputDim() != 6 || task.Steps() != 300 {
		t.Fatalf("centre-out: kind %s, %d→%d, %d steps", task.Kind(), task.ModelInputDim(), task.OutputDim(), task.Steps())
	}
	a := task.Arm()
	p := a.Params()
	centre := [2]float64{(p.PosLower[0] + p.PosUpper[0]) / 2, (p.PosLower[1] + p.PosUpper[1]) / 2}
	d := task.Generate(40, NewNumpyRNG(0))
	if d.ICDim != 4 {
		t.Fatalf("initial conditions have %d values", d.ICDim)
	}
	start := a.Hand([2]float64{float64(float32(centre[0])), float64(float32(centre[1]))}, [2]float64{})
	for i := range d.N() {
		ic := d.ICs[i*4 : i*4+4]
		if ic[0] != float64(float32(centre[0])) || ic[1] != float64(float32(centre[1])) || ic[2] != 0 || ic[3] != 0 {
			t.Fatalf("trial %d starts at %v, want the centre %v (67.5°, 77.5°) at rest", i, ic, centre)
		}
		tg := d.Targets(i)
		if math.Abs(float64(tg[0])-start[0]) > 1e-7 || math.Abs(float64(tg[1])-start[1]) > 1e-7 {
			t.Fatalf("trial %d's start target %v, want the hand at the centre %v", i, tg[:2], start[:2])
		}
		th := 2 * math.Pi * float64(i%8) / 8
		on := d.Extra[i][0]
		in := d.Inputs(i)
		gx, gy := float64(in[3*on]), float64(in[3*on+1])
		if math.Abs(gx-start[0]-0.1*math.Cos(th)) > 1e-7 || math.Abs(gy-start[1]-0.1*math.Sin(th)) > 1e-7 {
			t.Fatalf("trial %d: target (%v, %v), want %v° at 10 cm from (%v, %v)", i, gx, gy, th*180/math.Pi, start[0], start[1])
		}
		if c := task.Condition(d, i, nil, nil); c != i%8 {
			t.Errorf("trial %d: condition %d, want direction %d", i, c, i%8)
		}
		if d.Conds[i] != 0 || d.Extra[i][1] < 0 {
			t.Fatalf("trial %d is a catch trial by default", i)
		}
		if b0, _, _ := bumpOf(d.EnvInputs(i)); b0 >= 0 {
			t.Fatalf("trial %d has a bump by default", i)
		}
	}
	if got := task.ConditionLabels(nil); len(got) != 8 || got[2] != "90°" {
		t.Errorf("condition labels %v", got)
	}
	// Every target is reachable: the stored postures put the hand on it, within
	// the joint limits, for many directions and the largest radius accepted.
	for _, c := range []struct {
		n int
		r float64
	}{{8, 0.1}, {16, 0.12}, {360, 0.05}, {3, 0.14}} {
		co := newCO(t, func(p *CentreOutParams) { p.NDirs, p.Radius = c.n, c.r })
		for k := range c.n {
			tr := co.DrawTrialAt(NewNumpyRNG(1), k)
			h := a.Hand(tr.Goal, [2]float64{})
			if math.Hypot(h[0]-tr.GoalXY[0], h[1]-tr.GoalXY[1]) > 1e-12 {
				t.Errorf("%d dirs at %v m, target %d: posture %v puts the hand at %v, not %v", c.n, c.r, k, tr.Goal, h[:2], tr.GoalXY)
			}
			for j := range 2 {
				if tr.Goal[j] < p.PosLower[j] || tr.Goal[j] > p.PosUpper[j] {
					t.Errorf("%d dirs at %v m, target %d: joint %d at %v outside the limits", c.n, c.r, k, j, tr.Goal[j])
				}
			}
			if r := math.Hypot(tr.GoalXY[0]-tr.StartXY[0], tr.GoalXY[1]-tr.StartXY[1]); math.Abs(r-c.r) > 1e-12 {
				t.Errorf("target %d at %v m from the start, want %v", k, r, c.r)
			}
		}
	}
	// The largest radius with all 8 targets within reach.
	lo, hi := 0.1, 0.5
	for range 40 {
		mid := (lo + hi) / 2
		if _, err := newCentreOut(a, 8, mid); err == nil {
			lo = mid
		} else {
			hi = mid
		}
	}
	t.Logf("8 targets are within reach up to a radius of %.1f mm", 1000*lo)
	// A radius that leaves the workspace is refused by name.
	cp := DefaultCentreOut()
	cp.Radius = 0.3
	if _, err := NewCentreOut(cp); err == nil || !strings.Contains(err.Error(), "radius") || !strings.Contains(err.Error(), "reach") {
		t.Errorf("radius 0.3 m: %v", err)
	}
	cp.Radius, cp.NDirs = 0.1, 0
	if _, err := NewCentreOut(cp); err == nil || !strings.Contains(err.Error(), "n_dirs") {
		t.Errorf("0 directions: %v", err)
	}
}

// Timing, catch trials, bumps and levels are RandomTarget's: from one random
// stream both tasks draw the same target onsets, go cues, bumps and levels,
// trial for trial, when configured alike.
func TestCentreOutTimingAsRandomTarget(t *testing.T) {
	rt := newRT(t, func(p *RandomTargetParams) { p.Field, p.Levels = arm.FieldConstant, []float64{0, 1} })
	co := newCO(t, func(p *CentreOutParams) {
		p.CatchProb, p.BumpProb = rt.P.CatchProb, rt.P.BumpProb
		p.Field, p.Levels = arm.FieldConstant, []float64{0, 1}
	})
	dr, dc := rt.Generate(300, NewNumpyRNG(2)), co.Generate(300, NewNumpyRNG(2))
	catches, bumps := 0, 0
	for i := range dr.N() {
		if dr.Extra[i] != dc.Extra[i] || dr.Conds[i] != dc.Conds[i] || TrialLevel(dr, i) != TrialLevel(dc, i) {
			t.Fatalf("trial %d: extra %v / %v, catch %d / %d, level %v / %v", i, dr.Extra[i], dc.Extra[i], dr.Conds[i], dc.Conds[i], TrialLevel(dr, i), TrialLevel(dc, i))
		}
		er, ec := dr.EnvInputs(i), dc.EnvInputs(i)
		for k := range er {
			if er[k] != ec[k] {
				t.Fatalf("trial %d: bumps differ at %d", i, k)
			}
		}
		catches += dr.Conds[i]
		if b0, _, _ := bumpOf(er); b0 >= 0 {
			bumps++
		}
	}
	if catches < 30 || bumps < 100 {
		t.Errorf("%d catch trials and %d bumps in 300: the comparison covers too little", catches, bumps)
	}
	if !strings.Contains(co.Summary(), "centre-out") || !strings.Contains(co.TrialInfo(dc, 1, 0), "constant field") {
		t.Errorf("summary %q, info %q", co.Summary(), co.TrialInfo(dc, 1, 0))
	}
}

// Reach scores split by level when the trials have several, and the pooled
// scores are those of the trials pooled.
func TestScoreRandomTargetPerLevel(t *testing.T) {
	co := newCO(t, func(p *CentreOutParams) { p.Levels = []float64{0, 1}; p.MaxEpDuration = 0.5 })
	d := co.Generate(40, NewNumpyRNG(3))
	idx := make([]int, d.N())
	hands := make([][]float64, d.N())
	for i := range idx {
		idx[i] = i
		hands[i] = make([]float64, 2*d.Len(i))
		tg := d.Targets(i)
		off := 0.01 * (1 + TrialLevel(d, i)) // level 1 trials end twice as far
		for k := range hands[i] {
			hands[i][k] = float64(tg[k]) + off
		}
	}
	s := ScoreRandomTarget(d, idx, hands)
	if len(s.PerLevel) != 2 || s.PerLevel[0].Level != 0 || s.PerLevel[1].Level != 1 {
		t.Fatalf("per level %+v", s.PerLevel)
	}
	e0, e1 := s.PerLevel[0].Reach.MeanErr, s.PerLevel[1].Reach.MeanErr
	if math.Abs(e0-0.01*math.Sqrt2) > 1e-7 || math.Abs(e1-0.02*math.Sqrt2) > 1e-7 {
		t.Errorf("per-level errors %v, %v", e0, e1)
	}
	n := s.PerLevel[0].Reach.Trials + s.PerLevel[1].Reach.Trials
	if n != s.Reach.Trials || !strings.Contains(s.Table(), "level 1: reach") {
		t.Errorf("%d trials split, %d pooled; table:\n%s", n, s.Reach.Trials, s.Table())
	}
}
