package sim

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/ctdtui/ctdtui/sim/arm"
)

// rtFingerprintBefore is rtFingerprint of the default RandomTarget computed
// by this same function on the code before force fields existed (commits
// 71b990f and b2d73c6 both give it): the reference's task, bit for bit.
const rtFingerprintBefore = "c838d33bd5570c53547def1747dd6f2875233c122a515c4e2285df386f3e09e1"

func rtFingerprint(t *testing.T, task *RandomTarget, nCtx int) string {
	h := sha256.New()
	put := func(v float64) {
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(v))
		h.Write(b[:])
	}
	d := task.Generate(20, NewNumpyRNG(3))
	for i := range d.N() {
		for _, a := range [][]float32{d.Inputs(i), d.TrueInputs(i), d.Targets(i), d.EnvInputs(i)} {
			for _, v := range a {
				put(float64(v))
			}
		}
		for _, v := range d.ICs[i*d.ICDim : i*d.ICDim+4] {
			put(v)
		}
		put(float64(d.Conds[i]))
		put(float64(d.Extra[i][0]))
		put(float64(d.Extra[i][1]))
	}
	const B = 4
	in := 14 + nCtx
	rng := rand.New(rand.NewPCG(5, 6))
	ctrl := &linearController{W: make([]float64, 6*in), Bias: make([]float64, 6), in: in}
	for i := range ctrl.W {
		ctrl.W[i] = 0.05 * rng.NormFloat64()
	}
	for i := range ctrl.Bias {
		ctrl.Bias[i] = 0.05 + 0.3*rng.Float64()
	}
	for _, epoch := range []int{0, 250} {
		var b Batch
		d.FillBatch(&b, []int{0, 5, 11, 17}, 0, epoch)
		c := &closedLoop{task: task, batch: &b, loss: task.Loss()}
		loss, dW, dBias := c.run(ctrl, true)
		put(loss)
		for _, v := range append(dW, dBias...) {
			put(v)
		}
		// Observations and hands of a plain forward pass.
		ep := task.Plant().Begin(b.ICs, B, b.T)
		obs := make([]float64, B*14)
		act := make([]float64, B*6)
		ctl := make([]float64, B*2)
		load := make([]float64, B*2)
		for s := range b.T {
			ep.Obs(obs)
			for _, v := range obs {
				put(v)
			}
			for r := range B {
				for o := range 6 {
					act[r*6+o] = 0.2 + 0.1*math.Sin(float64(s+r+o))
				}
				load[2*r], load[2*r+1] = float64(b.EnvInputs[(s*B+r)*2]), float64(b.EnvInputs[(s*B+r)*2+1])
			}
			ep.Step(act, load, ctl)
			for _, v := range ctl {
				put(v)
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

func newRT(t *testing.T, edit func(*RandomTargetParams)) *RandomTarget {
	t.Helper()
	p := DefaultRandomTarget()
	edit(&p)
	task, err := NewRandomTarget(p)
	if err != nil {
		t.Fatal(err)
	}
	return task
}

// With the field off and one level, RandomTarget's trials, observations,
// losses and gradients are bit-identical to the code before fields; so are
// they under a constant or curl field at level 0 (a zero force), whose trials
// only gain the level column in their initial conditions.
func TestRandomTargetFieldOffBitIdentical(t *testing.T) {
	cases := map[string]func(*RandomTargetParams){
		"defaults": func(*RandomTargetParams) {},
		"explicit none": func(p *RandomTargetParams) {
			p.Field, p.FieldDir, p.Levels = arm.FieldNone, [2]float64{0.3, 0.7}, []float64{0}
		},
		"zero-value fields": func(p *RandomTargetParams) { p.Field, p.FieldDir, p.Levels = "", [2]float64{}, nil },
		"constant at 0":     func(p *RandomTargetParams) { p.Field, p.Levels = arm.FieldConstant, []float64{0} },
		"curl at 0":         func(p *RandomTargetParams) { p.Field, p.Levels = arm.FieldCurl, []float64{0} },
	}
	for name, edit := range cases {
		task := newRT(t, edit)
		if got := rtFingerprint(t, task, 3); got != rtFingerprintBefore {
			t.Errorf("%s: fingerprint %s, want %s", name, got, rtFingerprintBefore)
		}
		wantIC := 4
		if task.P.hasLevels() {
			wantIC = 5
		}
		if task.ICDim() != wantIC || task.ModelInputDim() != 17 {
			t.Errorf("%s: %d initial values, %d model inputs", name, task.ICDim(), task.ModelInputDim())
		}
	}
	// And the fingerprint sees a field: 1 N changes it.
	if rtFingerprint(t, newRT(t, func(p *RandomTargetParams) { p.Field, p.Levels = arm.FieldConstant, []float64{1} }), 3) == rtFingerprintBefore {
		t.Error("a 1 N field leaves the fingerprint unchanged")
	}
}

func TestRandomTargetFieldValidate(t *testing.T) {
	bad := map[string]func(*RandomTargetParams){
		"field must be one of": func(p *RandomTargetParams) { p.Field = "spring" },
		"field_dir":            func(p *RandomTargetParams) { p.Field, p.FieldDir = arm.FieldConstant, [2]float64{0, 0} },
		"levels[1]":            func(p *RandomTargetParams) { p.Levels = []float64{0, math.NaN()} },
		"levels[0]":            func(p *RandomTargetParams) { p.Levels = []float64{-101} },
		"at most 64 allowed":   func(p *RandomTargetParams) { p.Levels = make([]float64, 65) },
	}
	for want, edit := range bad {
		p := DefaultRandomTarget()
		edit(&p)
		if _, err := NewRandomTarget(p); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v", want, err)
		}
	}
	// A curl field ignores the direction; a zero one is fine there.
	if _, err := NewRandomTarget(func() RandomTargetParams {
		p := DefaultRandomTarget()
		p.Field, p.FieldDir = arm.FieldCurl, [2]float64{}
		return p
	}()); err != nil {
		t.Errorf("curl with a zero direction: %v", err)
	}
}

// Levels: drawn uniformly, last in each trial (trial 0's other draws are the
// plain task's), carried by the initial conditions and, with the condition
// input, by a fourth context channel at every step.
func TestRandomTargetLevels(t *testing.T) {
	plain := newRandomTarget(t)
	ff := newRT(t, func(p *RandomTargetParams) {
		p.Field, p.Levels, p.ConditionInput = arm.FieldConstant, []float64{0, 0.5, 1}, true
	})
	if ff.InputDim() != 4 || ff.ModelInputDim() != 18 || ff.ICDim() != 5 || !slices.Equal(ff.InputLabels(), []string{"TargetX", "TargetY", "GoCue", "FieldLevel"}) {
		t.Fatalf("condition channel: inputs %d, model inputs %d, ICs %d, labels %v", ff.InputDim(), ff.ModelInputDim(), ff.ICDim(), ff.InputLabels())
	}
	a, b := plain.DrawTrial(NewNumpyRNG(4)), ff.DrawTrial(NewNumpyRNG(4))
	lv := b.Level
	b.Level = 0
	if a != b {
		t.Errorf("the level draw moved another draw:\n%+v\n%+v", a, b)
	}
	if !slices.Contains(ff.P.Levels, lv) {
		t.Errorf("level %v not among %v", lv, ff.P.Levels)
	}
	d := ff.GenerateTrials(1500, NewNumpyRNG(8))
	count := map[float64]int{}
	for i := range d.N() {
		l := TrialLevel(d, i)
		count[l]++
		in := d.Inputs(i)
		for s := range d.Len(i) {
			if float64(in[4*s+3]) != l {
				t.Fatalf("trial %d step %d: FieldLevel %v, level %v", i, s, in[4*s+3], l)
			}
		}
		if !strings.Contains(ff.TrialInfo(d, i, 0), "constant field") {
			t.Fatalf("trial info %q does not name the field", ff.TrialInfo(d, i, 0))
		}
	}
	for _, l := range ff.P.Levels {
		if c := count[l]; c < 420 || c > 580 { // 500 ± 4.5σ
			t.Errorf("level %v drawn %d times in 1500", l, c)
		}
	}
	// Without the channel the inputs are the plain task's three.
	noCI := newRT(t, func(p *RandomTargetParams) { p.Field, p.Levels = arm.FieldCurl, []float64{0, 10} })
	if noCI.InputDim() != 3 || noCI.ModelInputDim() != 17 || noCI.ICDim() != 5 {
		t.Errorf("curl without the channel: inputs %d, model inputs %d, ICs %d", noCI.InputDim(), noCI.ModelInputDim(), noCI.ICDim())
	}
	vars := ff.Variables()
	if vars[len(vars)-1].Name != "field_level" {
		t.Errorf("variables %v lack the level", vars)
	}
	vals := make([]float64, d.Len(3)*len(vars))
	ff.VariableValues(vals, d, 3, nil)
	if vals[len(vars)-1] != TrialLevel(d, 3) {
		t.Errorf("field_level variable %v, level %v", vals[len(vars)-1], TrialLevel(d, 3))
	}
	if name := ff.CacheName(1000, 0); name != "RandomTarget_1000S_300T_0seed_constant-1,0_L0,0.5,1_ci" {
		t.Errorf("cache name %s", name)
	}
}

// The plant applies each trial's level: under a 5 N constant field the
// controller's trials move differently from the null-level ones, and the
// tape's load is bump + level·direction.
func TestArmPlantAppliesTrialLevels(t *testing.T) {
	ff := newRT(t, func(p *RandomTargetParams) { p.Field, p.Levels = arm.FieldConstant, []float64{0, 5} })
	ics := []float64{0.8, 1.5, 0, 0, 0, 0.8, 1.5, 0, 0, 5}
	ep := ff.Plant().Begin(ics, 2, 10).(*ArmEpisode)
	act := make([]float64, 12)
	ctl := make([]float64, 4)
	load := []float64{1, 2, 1, 2}
	for range 10 {
		ep.Step(act, load, ctl)
	}
	if l := ep.Load(3, 0); l != [2]float64{1, 2} {
		t.Errorf("null trial load %v", l)
	}
	if l := ep.Load(3, 1); l != [2]float64{1 - 5, 2} {
		t.Errorf("5 N leftward trial load %v, want (-4, 2)", l)
	}
	if f, lv := ep.Field(1); f.Kind != arm.FieldConstant || lv != 5 {
		t.Errorf("episode field %v at %v", f, lv)
	}
	if !(ctl[2] < ctl[0]-1e-3) {
		t.Errorf("the 5 N leftward trial ends at x %v, the null one at %v", ctl[2], ctl[0])
	}
	// Four-column initial conditions still work (level 0).
	ep.Restart(ics[:4], 1, 3)
	ep.Step(act[:6], nil, ctl[:2])
	if l := ep.Load(0, 0); l != ([2]float64{}) {
		t.Errorf("four-column start has load %v", l)
	}
}

// TestClosedLoopFieldGradientFD: d loss / d controller parameters through 20
// closed-loop steps under constant and curl fields at per-trial levels, with
// the condition input, against central finite differences (float64).
func TestClosedLoopFieldGradientFD(t *testing.T) {
	const B, T = 3, 20
	for _, field := range []arm.FieldKind{arm.FieldConstant, arm.FieldCurl} {
		levels := []float64{1, 3}
		if field == arm.FieldCurl {
			levels = []float64{-8, 12}
		}
		task := newRT(t, func(p *RandomTargetParams) {
			p.Field, p.FieldDir, p.Levels, p.ConditionInput = field, [2]float64{-1, 0.3}, levels, true
		})
		in := arm.ObsDim + 4
		rng := rand.New(rand.NewPCG(5, 6))
		ctrl := &linearController{W: make([]float64, arm.NumMuscles*in), Bias: make([]float64, arm.NumMuscles), in: in}
		for i := range ctrl.W {
			ctrl.W[i] = 0.05 * rng.NormFloat64()
		}
		for i := range ctrl.Bias {
			ctrl.Bias[i] = 0.05 + 0.3*rng.Float64()
		}
		d := task.GenerateTrials(40, NewNumpyRNG(11))
		// Trials with each level, one of them bumped early.
		var idx []int
		for i := 0; len(idx) < B && i < d.N(); i++ {
			if len(idx) < 2 && TrialLevel(d, i) == levels[len(idx)%2] || len(idx) == 2 {
				idx = append(idx, i)
			}
		}
		var b Batch
		d.FillBatch(&b, idx, T, 150)
		for k := 5; k < 15; k++ {
			b.EnvInputs[(k*B+1)*2], b.EnvInputs[(k*B+1)*2+1] = -6, 5
		}
		c := &closedLoop{task: task, batch: &b, loss: task.Loss()}
		loss, dW, dBias := c.run(ctrl, true)
		params, grads := [][]float64{ctrl.W, ctrl.Bias}, [][]float64{dW, dBias}
		scale := max(maxAbsSlice(dW), maxAbsSlice(dBias))
		worst, n := 0.0, 0
		const h = 1e-6
		for pi, p := range params {
			for i := range p {
				orig := p[i]
				f := func(dv float64) float64 {
					p[i] = orig + dv
					l, _, _ := c.run(ctrl, false)
					p[i] = orig
					return l
				}
				fd := (-f(2*h) + 8*f(h) - 8*f(-h) + f(-2*h)) / (12 * h)
				e := math.Abs(grads[pi][i]-fd) / max(math.Abs(grads[pi][i]), math.Abs(fd), 1e-4*scale)
				worst = max(worst, e)
				n++
				if e > 1e-6 {
					t.Errorf("%s: param %d[%d]: chained gradient %.12g, finite difference %.12g (rel err %.2g)", field, pi, i, grads[pi][i], fd, e)
				}
			}
		}
		t.Logf("%s field at levels %v (trials at %v, %v, %v): loss %.6g, %d parameter derivatives, worst relative error %.2g",
			field, levels, TrialLevel(d, idx[0]), TrialLevel(d, idx[1]), TrialLevel(d, idx[2]), loss, n, worst)
	}
}
