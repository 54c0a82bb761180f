package sim

import (
	"fmt"
	"math"
	"slices"
	"testing"
)

// describedTasks builds one task of every kind with small datasets.
func describedTasks(t *testing.T) map[Kind]Task {
	t.Helper()
	nb := DefaultNBFF()
	nb.Steps, nb.SwitchProb = 200, 0.02
	ff, err := NewNBFF(nb)
	if err != nil {
		t.Fatal(err)
	}
	mt, err := NewMultiTask(DefaultMultiTask())
	if err != nil {
		t.Fatal(err)
	}
	return map[Kind]Task{KindNBFF: ff, KindMultiTask: mt, KindRandomTarget: newRandomTarget(t)}
}

// Every task names each of its channels, and every kind is listed.
func TestDescriberLabelSizes(t *testing.T) {
	tasks := describedTasks(t)
	for _, k := range Kinds {
		task, ok := tasks[k]
		if !ok {
			continue // a kind of its own test file (centre-out)
		}
		if task.Kind() != k {
			t.Errorf("%s: Kind() = %s", k, task.Kind())
		}
		d := task.Generate(2, NewNumpyRNG(1))
		if n := len(task.InputLabels()); n != task.InputDim() || n != d.InputDim {
			t.Errorf("%s: %d input labels for %d inputs", k, n, task.InputDim())
		}
		if n := len(task.OutputLabels()); n != task.OutputDim() {
			t.Errorf("%s: %d output labels for %d outputs", k, n, task.OutputDim())
		}
		if n := len(task.TargetLabels()); n != d.TargetDim {
			t.Errorf("%s: %d target labels for %d targets", k, n, d.TargetDim)
		}
		if n := len(task.ModelInputLabels()); n != task.ModelInputDim() {
			t.Errorf("%s: %d model input labels for %d model inputs", k, n, task.ModelInputDim())
		}
		if task.Summary() == "" {
			t.Errorf("%s: empty summary", k)
		}
		for _, e := range task.Events(d, 0) {
			if !slices.Contains(task.EventNames(), e.Name) {
				t.Errorf("%s: event %q not among EventNames %v", k, e.Name, task.EventNames())
			}
		}
	}
	// The bug of issue 11 point 7: targets named after the model's outputs.
	if got := tasks[KindRandomTarget].TargetLabels(); !slices.Equal(got, []string{"hand_x", "hand_y"}) {
		t.Errorf("RandomTarget target labels %v", got)
	}
	if got := tasks[KindNBFF].TargetLabels(); got[0] != "bit 0" {
		t.Errorf("flip-flop target labels %v", got)
	}
}

// The reference's cache names, noise appended for the open-loop tasks.
func TestCacheNames(t *testing.T) {
	tasks := describedTasks(t)
	for k, want := range map[Kind]string{
		KindNBFF:         "3BFF_1000S_200T_0seed_0.15",
		KindMultiTask:    "MultiTask_1000S_640T_0seed_0.3",
		KindRandomTarget: "RandomTarget_1000S_300T_0seed",
	} {
		if got := tasks[k].CacheName(1000, 0); got != want {
			t.Errorf("%s: cache name %q, want %q", k, got, want)
		}
	}
}

func TestDirectionBin(t *testing.T) {
	deg := math.Pi / 180
	for _, c := range []struct {
		theta float64
		n     int
		want  int
	}{
		{0, 8, 0}, {-22 * deg, 8, 0}, {22 * deg, 8, 0}, {22.5 * deg, 8, 1}, {-22.5 * deg, 8, 0},
		{90 * deg, 8, 2}, {180 * deg, 8, 4}, {-180 * deg, 8, 4}, {-90 * deg, 8, 6}, {359 * deg, 8, 0},
		{44 * deg, 4, 0}, {46 * deg, 4, 1}, {3 * math.Pi, 4, 2},
	} {
		if got := directionBin(c.theta, c.n); got != c.want {
			t.Errorf("directionBin(%v°, %d) = %d, want %d", c.theta/deg, c.n, got, c.want)
		}
	}
	if got := directionLabels(8); got[0] != "0°" || got[1] != "45°" || got[7] != "315°" {
		t.Errorf("labels %v", got)
	}
}

// Flip-flop: an event per noise-free pulse; the condition at a pulse is the
// target pattern there, in which the pulsed bit has the pulse's value.
func TestNBFFDescriber(t *testing.T) {
	task := describedTasks(t)[KindNBFF].(*NBFF)
	d := task.Generate(5, NewNumpyRNG(3))
	labels := task.ConditionLabels(nil)
	if len(labels) != 8 || labels[1] != "100" || labels[6] != "011" {
		t.Fatalf("condition labels %v", labels)
	}
	total := 0
	for i := range d.N() {
		in, tg := d.TrueInputs(i), d.Targets(i)
		nonzero := 0
		for _, v := range in {
			if v != 0 {
				nonzero++
			}
		}
		ev := task.Events(d, i)
		if len(ev) != nonzero {
			t.Fatalf("trial %d: %d events for %d pulses", i, len(ev), nonzero)
		}
		total += len(ev)
		for k, e := range ev {
			if k > 0 && e.Step < ev[k-1].Step {
				t.Fatalf("trial %d: events out of order", i)
			}
			if float32(e.Sign) != in[e.Step*3+e.Bit] || e.End != e.Step+1 {
				t.Fatalf("trial %d: event %+v against input %v", i, e, in[e.Step*3+e.Bit])
			}
			c := task.Condition(d, i, &e, nil)
			if got := c >> e.Bit & 1; got != (e.Sign+1)/2 {
				t.Fatalf("trial %d: pattern %s after a %+d pulse on bit %d", i, labels[c], e.Sign, e.Bit)
			}
			for b := range 3 {
				if float32(c>>b&1) != tg[e.Step*3+b] {
					t.Fatalf("trial %d: condition %s against targets at step %d", i, labels[c], e.Step)
				}
			}
		}
		vals := make([]float64, d.Len(i)*3)
		task.VariableValues(vals, d, i, nil)
		for k, v := range tg {
			if vals[k] != float64(v) {
				t.Fatalf("trial %d: variable %d = %v, target %v", i, k, vals[k], v)
			}
		}
	}
	if total == 0 {
		t.Fatal("no pulses in five trials")
	}
	if len(task.Variables()) != 3 || task.Variables()[2].Name != "bit_2" {
		t.Errorf("variables %v", task.Variables())
	}
}

// MultiTask: one event per phase of the trial, in order, tiling the trial;
// the condition's direction is the drawn stimulus angle.
func TestMultiTaskDescriber(t *testing.T) {
	task := describedTasks(t)[KindMultiTask].(*MultiTask)
	rng := NewNumpyRNG(5)
	d := NewDataset(KindMultiTask, "", task.P.Steps, multiTaskInputs, multiTaskOutputs, 0, 0)
	var infos []multiTaskInfo
	for k := range task.P.Tasks {
		for range 4 {
			tr, info := task.trial(k, rng)
			d.Append(tr)
			infos = append(infos, info)
		}
	}
	s := &ConditionSettings{DirectionBins: 32}
	labels := task.ConditionLabels(s)
	if len(labels) != 15*32 {
		t.Fatalf("%d condition labels", len(labels))
	}
	for i := range d.N() {
		ev := task.Events(d, i)
		if len(ev) == 0 || ev[0].Name != "context" || ev[0].Step != 0 || ev[len(ev)-1].Name != "response" || ev[len(ev)-1].End != d.Len(i) {
			t.Fatalf("trial %d (%s): events %+v, length %d", i, d.TaskNames[i], ev, d.Len(i))
		}
		for k := 1; k < len(ev); k++ {
			if ev[k].Step != ev[k-1].End {
				t.Fatalf("trial %d: phases %+v do not tile the trial", i, ev)
			}
		}
		// The grid has 32 directions: with 32 bins each has its own.
		want := d.Conds[i]*32 + directionBin(infos[i].angle1, 32)
		if got := task.Condition(d, i, nil, s); got != want {
			t.Errorf("trial %d (%s): condition %s, want %s (angle %v)", i, d.TaskNames[i], labels[got], labels[want], infos[i].angle1)
		}
		vals := make([]float64, d.Len(i)*2)
		task.VariableValues(vals, d, i, nil)
		if math.Abs(vals[0]-math.Cos(infos[i].angle1)) > 1e-6 || math.Abs(vals[len(vals)-1]-math.Sin(infos[i].angle1)) > 1e-6 {
			t.Errorf("trial %d: stimulus variables (%v, %v), angle %v", i, vals[0], vals[len(vals)-1], infos[i].angle1)
		}
	}
	if info, want := task.TrialInfo(d, 0, 0), fmt.Sprintf("task %s · in context (steps 0-%d)", d.TaskNames[0], task.Events(d, 0)[0].End-1); info != want {
		t.Errorf("trial info %q", info)
	}
}

// RandomTarget: the events are the drawn ones; the condition is the bin of
// the drawn reach direction; the variables the drawn positions.
func TestRandomTargetDescriber(t *testing.T) {
	task := newRandomTarget(t)
	rng := NewNumpyRNG(9)
	d := NewDataset(KindRandomTarget, "", task.Steps(), 3, 2, 2, 4)
	var draws []RandomTargetTrial
	for range 60 {
		tr := task.DrawTrial(rng)
		draws = append(draws, tr)
		d.Append(task.Data(tr))
	}
	catches, bumps := 0, 0
	for i, tr := range draws {
		ev := task.Events(d, i)
		want := []Event{{Name: EventTargetOn, Step: tr.TargetOn, End: tr.TargetOn + 1, Bit: -1}}
		if !tr.Catch {
			want = append(want, Event{Name: EventGoCue, Step: tr.GoCue, End: tr.GoCue + 1, Bit: -1})
		} else {
			catches++
		}
		if tr.Bump && tr.BumpTime < task.Steps() {
			want = append(want, Event{Name: EventBump, Step: tr.BumpTime, End: min(tr.BumpTime+tr.BumpDur, task.Steps()), Bit: -1, Value: tr.BumpMag})
			bumps++
		}
		slices.SortStableFunc(want, func(a, b Event) int { return a.Step - b.Step })
		if len(ev) != len(want) {
			t.Fatalf("trial %d: events %+v, want %+v", i, ev, want)
		}
		for k := range ev {
			w := want[k]
			if ev[k].Name != w.Name || ev[k].Step != w.Step || ev[k].End != w.End || math.Abs(ev[k].Value-w.Value) > 1e-5*w.Value {
				t.Fatalf("trial %d: events %+v, want %+v", i, ev, want)
			}
		}
		dir := math.Atan2(tr.GoalXY[1]-tr.StartXY[1], tr.GoalXY[0]-tr.StartXY[0])
		if got, want := task.Condition(d, i, nil, nil), directionBin(dir, 8); got != want {
			t.Errorf("trial %d: condition %d, want %d (direction %.1f°)", i, got, want, dir*180/math.Pi)
		}
		vals := make([]float64, d.Len(i)*8)
		task.VariableValues(vals, d, i, nil)
		row := vals[8*100 : 8*101]
		for k, w := range []float64{tr.GoalXY[0], tr.GoalXY[1], tr.StartXY[0], tr.StartXY[1]} {
			if math.Abs(row[k]-w) > 1e-6 {
				t.Fatalf("trial %d: variable %s = %v, want %v", i, task.Variables()[k].Name, row[k], w)
			}
		}
		if !math.IsNaN(row[4]) || !task.Variables()[4].Plant {
			t.Fatal("the hand is known without a plant record")
		}
	}
	if catches == 0 || bumps == 0 {
		t.Fatalf("%d catch trials and %d bumps in 60: the test covers too little", catches, bumps)
	}
	// With a plant record the hand variables are the recorded hand.
	plant := make([]float32, task.Steps()*ArmStateDim)
	for t := range task.Steps() {
		plant[t*ArmStateDim+ArmHandX], plant[t*ArmStateDim+ArmHandVY] = float32(t), -float32(t)
	}
	vals := make([]float64, task.Steps()*8)
	task.VariableValues(vals, d, 0, plant)
	if vals[8*7+4] != 7 || vals[8*7+7] != -7 || vals[8*7+5] != 0 {
		t.Errorf("hand variables at step 7: %v", vals[8*7:8*8])
	}
}
