package sim

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/ctdtui/ctdtui/sim/arm"
)

func newRandomTarget(t testing.TB) *RandomTarget {
	t.Helper()
	task, err := NewRandomTarget(DefaultRandomTarget())
	if err != nil {
		t.Fatal(err)
	}
	return task
}

func TestRandomTargetTaskShape(t *testing.T) {
	var task Task = newRandomTarget(t)
	if task.Kind() != "randomtarget" || task.DatasetName() != "RandomTarget" {
		t.Errorf("kind %q, dataset name %q", task.Kind(), task.DatasetName())
	}
	if task.Steps() != 300 || task.InputDim() != 3 || task.ModelInputDim() != 17 || task.OutputDim() != 6 {
		t.Errorf("steps %d, input %d, model input %d, output %d; want 300, 3, 17, 6",
			task.Steps(), task.InputDim(), task.ModelInputDim(), task.OutputDim())
	}
	if _, ok := task.Sampler().(RandomSampler); !ok {
		t.Errorf("sampler %T, want RandomSampler", task.Sampler())
	}
	if task.DynamicNoise() != 0 {
		t.Errorf("dynamic noise %v", task.DynamicNoise())
	}
	p := task.Plant()
	if p == nil || p.ObsDim() != 14 || p.ActDim() != 6 || p.CtlDim() != 2 || p.EnvInputDim() != 2 {
		t.Fatalf("plant %v", p)
	}
	if got := strings.Join(task.InputLabels(), ","); got != "TargetX,TargetY,GoCue" {
		t.Errorf("input labels %s", got)
	}
	// The reference's labels with positions 3 and 5 swapped back to MotorNet's muscle order.
	if got := strings.Join(task.OutputLabels(), ","); got != "Pec,Delt,Brad,TriLat,Biceps,TriLong" {
		t.Errorf("output labels %s", got)
	}
	e := p.Begin([]float64{0.8, 1.5, 0, 0}, 1, 3)
	if _, ok := e.(Recorder); !ok {
		t.Error("arm episode is not a Recorder")
	}
	if _, ok := e.(Restarter); !ok {
		t.Error("arm episode is not a Restarter")
	}
}

func TestRandomTargetValidate(t *testing.T) {
	bad := map[string]func(*RandomTargetParams){
		"max_ep_duration":  func(p *RandomTargetParams) { p.MaxEpDuration = 0.2 },
		"catch_prob":       func(p *RandomTargetParams) { p.CatchProb = 1.2 },
		"bump_prob":        func(p *RandomTargetParams) { p.BumpProb = -0.1 },
		"move_bump_prob":   func(p *RandomTargetParams) { p.MoveBumpProb = math.NaN() },
		"bump_mag_low":     func(p *RandomTargetParams) { p.BumpMagLow = -1 },
		"bump_mag_high":    func(p *RandomTargetParams) { p.BumpMagHigh = 4 },
		"pos_weight":       func(p *RandomTargetParams) { p.PosWeight = math.Inf(1) },
		"act_weight":       func(p *RandomTargetParams) { p.ActWeight = -1 },
		"full_trial_epoch": func(p *RandomTargetParams) { p.FullTrialEpoch = 0 },
		"dynamic_noise":    func(p *RandomTargetParams) { p.DynamicNoise = -0.5 },
	}
	for key, mutate := range bad {
		p := DefaultRandomTarget()
		mutate(&p)
		_, err := NewRandomTarget(p)
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s: error %v does not name the parameter", key, err)
		}
	}
	p := DefaultRandomTarget()
	p.MaxEpDuration = 1.5
	task, err := NewRandomTarget(p)
	if err != nil || task.Steps() != 150 {
		t.Fatalf("1.5 s: %v, %d steps", err, task.Steps())
	}
}

func TestRandomTargetLossGolden(t *testing.T) {
	var g struct {
		Pos     [][][]float64 `json:"pos"`
		Target  [][][]float64 `json:"target"`
		Actions [][][]float64 `json:"actions"`
		Cases   []struct {
			Epoch   int      `json:"epoch"`
			K       int      `json:"include_steps"`
			Loss    *float64 `json:"loss"`
			IsNaN   bool     `json:"loss_is_nan"`
			PosTerm *float64 `json:"pos_term"`
			ActTerm float64  `json:"act_term"`
		} `json:"cases"`
		KT300   map[string]int `json:"include_steps_T300"`
		Grad100 struct {
			Pos     [][][]float64 `json:"pos"`
			Actions [][][]float64 `json:"actions"`
		} `json:"grad_epoch100"`
		Grad0 struct {
			Pos     [][][]float64 `json:"pos"`
			Actions [][][]float64 `json:"actions"`
		} `json:"grad_epoch0"`
	}
	loadJSON(t, "tt_loss_randomtarget.json", &g)
	B, T := len(g.Pos), len(g.Pos[0])
	pos := toTimeMajor(flatten3(g.Pos), B, T, 2)
	tgt := toTimeMajor(flatten3(g.Target), B, T, 2)
	act := toTimeMajor(flatten3(g.Actions), B, T, 6)
	b := &Batch{B: B, T: T, TargetDim: 2, Targets: make([]float32, len(tgt))}
	for i, v := range tgt {
		b.Targets[i] = float32(v)
		if float64(b.Targets[i]) != v {
			t.Fatalf("golden target %v is not a float32", v)
		}
	}
	l := RandomTargetLoss{PosWeight: 1, ActWeight: 1, FullTrialEpoch: 200}
	out := &Outputs{B: B, T: T, Controlled: pos, Actions: act}
	for _, c := range g.Cases {
		if k := l.IncludedSteps(T, c.Epoch); k != c.K {
			t.Errorf("epoch %d: %d steps scored, want %d", c.Epoch, k, c.K)
		}
		b.Epoch = c.Epoch
		loss := l.Eval(b, out, nil)
		// At epoch 0 the reference's loss is NaN (mean of an empty slice); ours is
		// the action term alone, which is what the reference trains on.
		want := c.ActTerm
		if !c.IsNaN {
			want = *c.Loss
			if math.Abs(*c.PosTerm+c.ActTerm-want) > 1e-15 {
				t.Fatalf("golden case %d inconsistent", c.Epoch)
			}
		} else if c.Epoch != 0 {
			t.Fatalf("golden NaN at epoch %d", c.Epoch)
		}
		if math.Abs(loss-want) > 1e-14 {
			t.Errorf("epoch %d: loss %.17g want %.17g", c.Epoch, loss, want)
		}
	}
	for e, k := range g.KT300 {
		epoch, _ := strconv.Atoi(e)
		if got := l.IncludedSteps(300, epoch); got != k {
			t.Errorf("T=300 epoch %d: %d steps scored, want %d", epoch, got, k)
		}
	}
	for _, c := range []struct {
		epoch          int
		gPos, gActions [][][]float64
	}{{100, g.Grad100.Pos, g.Grad100.Actions}, {0, g.Grad0.Pos, g.Grad0.Actions}} {
		b.Epoch = c.epoch
		// Eval adds into the gradient slices: start from a known offset.
		grad := &Outputs{B: B, T: T, Controlled: make([]float64, len(pos)), Actions: make([]float64, len(act))}
		for i := range grad.Controlled {
			grad.Controlled[i] = 1
		}
		l.Eval(b, out, grad)
		wantPos := toTimeMajor(flatten3(c.gPos), B, T, 2)
		wantAct := toTimeMajor(flatten3(c.gActions), B, T, 6)
		for i := range wantPos {
			if math.Abs(grad.Controlled[i]-1-wantPos[i]) > 1e-15 {
				t.Fatalf("epoch %d: d loss/d pos[%d] = %v want %v", c.epoch, i, grad.Controlled[i]-1, wantPos[i])
			}
		}
		for i := range wantAct {
			if math.Abs(grad.Actions[i]-wantAct[i]) > 1e-15 {
				t.Fatalf("epoch %d: d loss/d action[%d] = %v want %v", c.epoch, i, grad.Actions[i], wantAct[i])
			}
		}
	}
}

func TestRandomTargetEnvGolden(t *testing.T) {
	for _, prec := range []string{"f64", "f32"} {
		t.Run(prec, func(t *testing.T) {
			var g struct {
				Meta struct {
					IC [][4]float64 `json:"ic_state"`
				} `json:"meta"`
				Action     [][][6]float64  `json:"action"`
				Load       [][][2]float64  `json:"endpoint_load"`
				Obs        [][][14]float64 `json:"obs"`
				Joint      [][][4]float64  `json:"joint"`
				Fingertip  [][][2]float64  `json:"fingertip"`
				Activation [][][6]float64  `json:"activation"`
				Force      [][][6]float64  `json:"force"`
			}
			loadJSON(t, "ctd_randomtarget_env_"+prec+".json", &g)
			// README-motornet.md: f64 files to 1e-9; f32 files atol 5e-5 on joint,
			// cartesian and activation values, rtol 5e-4 on forces.
			atol, fAtol, fRtol := 1e-9, 1e-9, 1e-9
			if prec == "f32" {
				atol, fAtol, fRtol = 5e-5, 1e-3, 5e-4
			}
			task := newRandomTarget(t)
			B, K := len(g.Meta.IC), len(g.Action)
			var ics []float64
			for _, ic := range g.Meta.IC {
				ics = append(ics, ic[:]...)
			}
			ep := task.Plant().Begin(ics, B, K)
			rec := ep.(Recorder)
			obs := make([]float64, B*arm.ObsDim)
			ctl := make([]float64, B*2)
			state := make([]float64, ArmStateDim)
			maxErr := map[string]float64{}
			check := func(what string, step, b int, got, want, at, rt float64) {
				t.Helper()
				d := math.Abs(got - want)
				maxErr[what] = max(maxErr[what], d)
				if !(d <= at+rt*math.Abs(want)) {
					t.Fatalf("%s row %d trial %d: got %.12g want %.12g", what, step, b, got, want)
				}
			}
			compare := func(row int) {
				ep.Obs(obs)
				for b := range B {
					for i := range arm.ObsDim {
						check("obs", row, b, obs[b*arm.ObsDim+i], g.Obs[row][b][i], atol, 0)
					}
					rec.State(state, row, b)
					for j := range 4 {
						check("joint", row, b, state[ArmShoulder+j], g.Joint[row][b][j], atol, 0)
					}
					for j := range 2 {
						check("fingertip", row, b, state[ArmHandX+j], g.Fingertip[row][b][j], atol, 0)
						if row > 0 {
							check("controlled", row, b, ctl[b*2+j], g.Fingertip[row][b][j], atol, 0)
						}
					}
					for m := range arm.NumMuscles {
						check("activation", row, b, state[ArmAct0+m], g.Activation[row][b][m], atol, 0)
						check("force", row, b, state[ArmForce0+m], g.Force[row][b][m], fAtol, fRtol)
					}
				}
			}
			compare(0)
			action := make([]float64, B*arm.NumMuscles)
			load := make([]float64, B*2)
			bumped, clamped := false, false
			for k := range K {
				for b := range B {
					copy(action[b*6:], g.Action[k][b][:])
					copy(load[b*2:], g.Load[k][b][:])
					for _, u := range g.Action[k][b] {
						clamped = clamped || u < 0 || u > 1
					}
					bumped = bumped || g.Load[k][b] != [2]float64{}
				}
				ep.Step(action, load, ctl)
				compare(k + 1)
			}
			if !bumped || !clamped {
				t.Error("golden exercises neither bumps nor clamped actions")
			}
			if rec.StepsTaken() != K {
				t.Errorf("steps taken %d", rec.StepsTaken())
			}
			// Replay every recorded time from the tape (not only the current state).
			for row := 0; row <= K; row++ {
				for b := range B {
					rec.State(state, row, b)
					for j := range 4 {
						check("recorded joint", row, b, state[ArmShoulder+j], g.Joint[row][b][j], atol, 0)
					}
					for j := range 2 {
						check("recorded fingertip", row, b, state[ArmHandX+j], g.Fingertip[row][b][j], atol, 0)
					}
					for m := range arm.NumMuscles {
						check("recorded activation", row, b, state[ArmAct0+m], g.Activation[row][b][m], atol, 0)
						check("recorded force", row, b, state[ArmForce0+m], g.Force[row][b][m], fAtol, fRtol)
					}
				}
			}
			t.Logf("%s: max |diff| %v", prec, maxErr)
		})
	}
}

func TestRandomTargetGenerate(t *testing.T) {
	task := newRandomTarget(t)
	const n = 1000
	d := task.Generate(n, NewNumpyRNG(0))
	// Generate = the environment constructions' draws, then generate_dataset.
	rng := NewNumpyRNG(0)
	task.SkipEnvConstruction(rng)
	d2 := task.GenerateTrials(n, rng)
	if d.N() != n || d2.N() != n || d.InputDim != 3 || d.TargetDim != 2 || d.EnvInputDim != 2 || d.ICDim != 4 || d.Steps != 300 {
		t.Fatalf("dataset shape: %d trials, dims %d/%d/%d/%d, %d steps", d.N(), d.InputDim, d.TargetDim, d.EnvInputDim, d.ICDim, d.Steps)
	}
	for i := range n {
		if d.Extra[i] != d2.Extra[i] || d.ICs[4*i] != d2.ICs[4*i] {
			t.Fatal("Generate differs from SkipEnvConstruction + GenerateTrials")
		}
	}
	// Each construction takes exactly two uniforms (4 MT outputs): after skipping,
	// the stream continues at the 9th raw output.
	raw := NewNumpyRNG(0)
	for range 8 {
		raw.Uint32()
	}
	skip := NewNumpyRNG(0)
	task.SkipEnvConstruction(skip)
	if raw.Uint32() != skip.Uint32() {
		t.Fatal("SkipEnvConstruction does not consume 4 uniforms")
	}

	a := task.Arm()
	catch, bump, shortBump := 0, 0, 0
	const deg = math.Pi / 180
	for i := range n {
		in, tg, env, ic := d.Inputs(i), d.Targets(i), d.EnvInputs(i), d.ICs[4*i:4*i+4]
		targetOn, goCue := d.Extra[i][0], d.Extra[i][1]
		isCatch := d.Conds[i] == 1
		if d.Conds[i] != 0 && !isCatch {
			t.Fatalf("trial %d: cond %d", i, d.Conds[i])
		}
		if targetOn < 10 || targetOn > 29 || (isCatch != (goCue == -1)) || (!isCatch && (goCue < targetOn || goCue > 299)) {
			t.Fatalf("trial %d: target on %d, go cue %d, catch %v", i, targetOn, goCue, isCatch)
		}
		if ic[2] != 0 || ic[3] != 0 || ic[0] < 30*deg-1e-6 || ic[0] > 105*deg+1e-6 || ic[1] < 30*deg-1e-6 || ic[1] > 125*deg+1e-6 ||
			ic[0] != float64(float32(ic[0])) {
			t.Fatalf("trial %d: ics %v", i, ic)
		}
		// Start target = hand at the initial posture (through float32).
		h := a.Hand([2]float64{ic[0], ic[1]}, [2]float64{})
		if float32(h[0]) != tg[0] || float32(h[1]) != tg[1] {
			t.Fatalf("trial %d: first target %v, hand at start %v", i, tg[:2], h[:2])
		}
		goal := [2]float32{in[3*299], in[3*299+1]}
		for s := range 300 {
			shown := s >= targetOn
			if (in[3*s] == goal[0] && in[3*s+1] == goal[1]) != shown || (!shown && (in[3*s] != 0 || in[3*s+1] != 0)) {
				t.Fatalf("trial %d step %d: target input %v (on at %d)", i, s, in[3*s:3*s+2], targetOn)
			}
			cue := float32(0)
			want := [2]float32{tg[0], tg[1]}
			if !isCatch && s >= goCue {
				cue, want = 1, goal
			}
			if in[3*s+2] != cue || tg[2*s] != want[0] || tg[2*s+1] != want[1] {
				t.Fatalf("trial %d step %d: go cue %v, target %v", i, s, in[3*s+2], tg[2*s:2*s+2])
			}
		}
		// Goal reachable: within the workspace of the posture box.
		if r := math.Hypot(float64(goal[0]), float64(goal[1])); r > 0.642 || r < 0.1 {
			t.Fatalf("trial %d: goal %v at radius %v", i, goal, r)
		}
		// Bump: one contiguous block of constant force of magnitude 5..10 N lasting 15..29 steps (or cut at the end).
		first, last := -1, -1
		for s := range 300 {
			if env[2*s] != 0 || env[2*s+1] != 0 {
				if first < 0 {
					first = s
				}
				last = s
				if env[2*s] != env[2*first] || env[2*s+1] != env[2*first+1] {
					t.Fatalf("trial %d: bump force changes within the bump", i)
				}
			}
		}
		if first >= 0 {
			bump++
			dur := last - first + 1
			mag := math.Hypot(float64(env[2*first]), float64(env[2*first+1]))
			if mag < 5-1e-5 || mag > 10+1e-5 || dur > 29 || (dur < 15 && last != 299) {
				t.Fatalf("trial %d: bump of %v N for %d steps from %d", i, mag, dur, first)
			}
			if dur < 15 {
				shortBump++
			}
		}
		if isCatch {
			catch++
		}
	}
	// Binomial checks (> 4 standard deviations would fail).
	if math.Abs(float64(catch)-200) > 4*math.Sqrt(1000*0.2*0.8) || math.Abs(float64(bump)-500) > 4*math.Sqrt(250) {
		t.Errorf("%d catch trials and %d bump trials in 1000", catch, bump)
	}
	if shortBump == 0 {
		t.Error("no bump was cut at the end of the trial")
	}
	t.Logf("1000 trials: %d catch, %d bumps (%d cut at the end)", catch, bump, shortBump)
}

// TestRandomTargetDrawOrder replays the documented draw order by hand.
func TestRandomTargetDrawOrder(t *testing.T) {
	task := newRandomTarget(t)
	r1, r2 := NewNumpyRNG(7), NewNumpyRNG(7)
	for range 50 {
		tr := task.DrawTrial(r1)
		catch := r2.ChoiceP([]float64{0.8, 0.2}) == 1
		bump := r2.ChoiceP([]float64{0.5, 0.5}) == 1
		move := r2.ChoiceP([]float64{0.5, 0.5}) == 1
		on := r2.Intn(10, 30)
		cue := r2.Intn(on, 300)
		var bt int
		if move {
			bt = r2.Intn(cue, cue+40)
		} else {
			bt = r2.Intn(0, 270)
		}
		dur := r2.Intn(15, 30)
		theta := r2.Uniform(0, 2*math.Pi)
		mag := r2.Uniform(5, 10)
		sho, elb := r2.Uniform(30, 105)*(math.Pi/180), r2.Uniform(30, 125)*(math.Pi/180)
		shoT, elbT := r2.Uniform(30, 105)*(math.Pi/180), r2.Uniform(30, 125)*(math.Pi/180)
		want := RandomTargetTrial{Catch: catch, Bump: bump, MoveBump: move, TargetOn: on, GoCue: cue, BumpTime: bt,
			BumpDur: dur, BumpTheta: theta, BumpMag: mag, Start: [2]float64{sho, elb}, Goal: [2]float64{shoT, elbT},
			StartXY: tr.StartXY, GoalXY: tr.GoalXY}
		if tr != want {
			t.Fatalf("drew %+v\nwant %+v", tr, want)
		}
	}
}

// TestArmEpisodeRestart checks that a restarted episode reproduces a fresh one
// exactly and that restarting and stepping allocate nothing.
func TestArmEpisodeRestart(t *testing.T) {
	task := newRandomTarget(t)
	const B, T = 4, 12
	ics := []float64{0.8, 1.5, 0, 0, 1.2, 0.9, 0, 0, 0.6, 2.0, 0, 0, 1.0, 1.0, 0, 0}
	act := make([]float64, B*arm.NumMuscles)
	for i := range act {
		act[i] = 0.05 * float64(i%7)
	}
	load := make([]float64, B*2)
	load[2], load[3] = 3, -4
	ctl := make([]float64, B*2)
	obs := make([]float64, B*arm.ObsDim)
	dAct := make([]float64, B*arm.NumMuscles)
	run := func(ep Episode) ([]float64, []float64) {
		var trace, grads []float64
		for range T {
			ep.Obs(obs)
			ep.Step(act, load, ctl)
			trace = append(append(trace, obs...), ctl...)
		}
		for k := T - 1; k >= 0; k-- {
			ep.Backward(k, obs, ctl, dAct)
			grads = append(grads, dAct...)
		}
		return trace, grads
	}
	fresh := task.Plant().Begin(ics, B, T)
	tr1, g1 := run(fresh)
	// Reuse an episode that ran a different batch before.
	ep := task.Plant().Begin(ics[:4], 1, 3)
	ep.(Restarter).Restart(ics, B, T)
	tr2, g2 := run(ep)
	for i := range tr1 {
		if tr1[i] != tr2[i] {
			t.Fatalf("restarted trace differs at %d: %v vs %v", i, tr2[i], tr1[i])
		}
	}
	for i := range g1 {
		if g1[i] != g2[i] {
			t.Fatalf("restarted gradient differs at %d", i)
		}
	}
	allocs := testing.AllocsPerRun(3, func() {
		ep.(Restarter).Restart(ics, B, T)
		for range T {
			ep.Obs(obs)
			ep.Step(act, load, ctl)
		}
		for k := T - 1; k >= 0; k-- {
			ep.Backward(k, obs, ctl, dAct)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per restarted episode", allocs)
	}
	defer func() {
		if recover() == nil {
			t.Error("no panic for an initial posture outside the joint limits")
		}
	}()
	task.Plant().Begin([]float64{-0.1, 1, 0, 0}, 1, 1)
}
