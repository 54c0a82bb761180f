package presets

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestEmbeddedPresetsValid(t *testing.T) {
	names := Names()
	for _, want := range []string{"3bff-gru128", "3bff-gru128-ref", "3bff-node3", "3bff-small"} {
		found := false
		for _, n := range names {
			found = found || n == want
		}
		if !found {
			t.Errorf("preset %s missing", want)
		}
	}
	for _, n := range names {
		c, err := Embedded(n)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		if c.Name != n {
			t.Errorf("preset file %s names itself %q", n, c.Name)
		}
	}
	c, _ := Embedded("3bff-gru128")
	if c.Model.Latent != 128 || c.Train.Batch != 1000 || c.Train.LR != 1e-3 || c.Train.WeightDecay != 1e-8 || c.Train.Epochs != 500 {
		t.Errorf("3bff-gru128 is not the notebook's configuration: %+v", c)
	}
	c, _ = Embedded("3bff-gru128-ref")
	if c.Train.Batch != 256 || c.Train.Epochs != 1000 || c.Train.Clip != 1 {
		t.Errorf("3bff-gru128-ref is not the reference defaults: %+v", c.Train)
	}
}

// TestFourBitPresets: 4bff-gru is 3bff-gru128 with 4 bits (same epochs,
// batch, optimiser and seeds: a background training depends on it) and
// 4bff-lstm is 4bff-gru with an LSTM of the same size; only names and
// descriptions differ.
func TestFourBitPresets(t *testing.T) {
	base, err := Embedded("3bff-gru128")
	if err != nil {
		t.Fatal(err)
	}
	gru, err := Embedded("4bff-gru")
	if err != nil {
		t.Fatal(err)
	}
	lstm, err := Embedded("4bff-lstm")
	if err != nil {
		t.Fatal(err)
	}
	want := base
	want.Name, want.Description = gru.Name, gru.Description
	want.Task.NBFF.Bits = 4
	if !reflect.DeepEqual(gru, want) {
		t.Errorf("4bff-gru is not 3bff-gru128 with 4 bits:\n%+v\n%+v", gru, want)
	}
	want.Name, want.Description = lstm.Name, lstm.Description
	want.Model.Kind = "lstm"
	if !reflect.DeepEqual(lstm, want) {
		t.Errorf("4bff-lstm is not 4bff-gru with an LSTM:\n%+v\n%+v", lstm, want)
	}
}

func TestUnknownAndOutOfRangeKeysNamed(t *testing.T) {
	cases := map[string]string{
		"[model]\nlatnt = 3\n":             "model.latnt",
		"[task.nbff]\nbits = 0\n":          "task.nbff.bits",
		"[task.nbff]\nswitch_prob = 1.5\n": "task.nbff.switch_prob",
		"[task.nbff]\nnoise = -1.0\n":      "task.nbff.noise",
		"[train]\nlr = 0.0\n":              "train.lr",
		"[model]\nkind = \"lstn\"\n":       "model.kind",
		"[task.nbff]\nsteps = 0\n":         "task.nbff.steps",
	}
	for src, key := range cases {
		_, err := Parse([]byte(src), "x.toml")
		if err == nil || !strings.Contains(err.Error(), key) || !strings.Contains(err.Error(), "x.toml") {
			t.Errorf("%q: error %v should name %s and the file", src, err, key)
		}
	}
}

func TestSetAssignment(t *testing.T) {
	c := Defaults()
	if err := c.SetAssignment("model.latent=64"); err != nil || c.Model.Latent != 64 {
		t.Fatalf("set latent: %v %d", err, c.Model.Latent)
	}
	for _, bad := range []string{"model.latent=abc", "model.latent=0", "nope=1", "model.latent", "train.lr=NaN"} {
		if err := c.SetAssignment(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if err := c.SetAssignment("nope=1"); !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown key error does not name it: %v", err)
	}
}

func TestRoundTripAndFile(t *testing.T) {
	c, _ := Embedded("3bff-node3")
	data, err := c.Encode()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "mine.toml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	back, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, c) {
		t.Fatalf("round trip changed the config:\n%+v\n%+v", c, back)
	}
}

func TestNudgeClampsAndSteps(t *testing.T) {
	c := Defaults()
	d, _ := Lookup("task.nbff.bits")
	c.Task.NBFF.Bits = 16
	d.Nudge(&c, +1, false)
	if c.Task.NBFF.Bits != 16 {
		t.Errorf("bits went past its maximum: %d", c.Task.NBFF.Bits)
	}
	d.Nudge(&c, -1, true)
	if c.Task.NBFF.Bits != 12 {
		t.Errorf("coarse step down from 16 gave %d, want 12", c.Task.NBFF.Bits)
	}
	lr, _ := Lookup("train.lr")
	c.Train.LR = 1e-3
	lr.Nudge(&c, +1, true)
	if c.Train.LR != 1e-2 {
		t.Errorf("coarse lr step gave %v, want 1e-2", c.Train.LR)
	}
	k, _ := Lookup("model.kind")
	k.Nudge(&c, +1, false)
	if c.Model.Kind != "noisygru" {
		t.Errorf("model.kind cycled to %q", c.Model.Kind)
	}
}

// The force-field and centre-out keys: set from --set, validated with a
// message naming the key, round-tripped through TOML.
func TestReachFieldKeys(t *testing.T) {
	c := Defaults()
	for _, kv := range []string{"task.kind=randomtarget", "task.randomtarget.field=constant", "task.randomtarget.field_dir=-1,0",
		"task.randomtarget.levels=0, 1", "task.randomtarget.condition_input=true"} {
		if err := c.SetAssignment(kv); err != nil {
			t.Fatalf("%s: %v", kv, err)
		}
	}
	r := c.Task.RandomTarget
	if r.Field != "constant" || !reflect.DeepEqual(r.FieldDir, []float64{-1, 0}) || !reflect.DeepEqual(r.Levels, []float64{0, 1}) || !r.ConditionInput {
		t.Fatalf("set gave %+v", r)
	}
	task, err := c.BuildTask()
	if err != nil {
		t.Fatal(err)
	}
	if task.ModelInputDim() != 18 || task.InputLabels()[3] != "FieldLevel" {
		t.Fatalf("model inputs %d, labels %v", task.ModelInputDim(), task.InputLabels())
	}
	for kv, key := range map[string]string{
		"task.randomtarget.field=spring":         "task.randomtarget.field",
		"task.randomtarget.field_dir=1":          "task.randomtarget.field_dir",
		"task.randomtarget.field_dir=1,x":        "task.randomtarget.field_dir",
		"task.randomtarget.levels=":              "task.randomtarget.levels",
		"task.randomtarget.levels=0,500":         "task.randomtarget.levels",
		"task.randomtarget.condition_input=yes":  "task.randomtarget.condition_input",
		"task.centreout.n_dirs=0":                "task.centreout.n_dirs",
		"task.centreout.radius=2":                "task.centreout.radius",
		"task.centreout.levels=NaN":              "task.centreout.levels",
		"task.centreout.field_dir=0,0,1":         "task.centreout.field_dir",
		"task.centreout.catch_prob=2":            "task.centreout.catch_prob",
		"task.randomtarget.max_ep_duration=0.01": "task.randomtarget.max_ep_duration",
	} {
		c2 := c
		if err := c2.SetAssignment(kv); err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s: error %v should name %s", kv, err, key)
		}
	}
	// Values that parse but make no task are refused by the task, naming the key.
	for src, key := range map[string]string{
		"[task]\nkind = \"randomtarget\"\n[task.randomtarget]\nfield = \"constant\"\nfield_dir = [0.0, 0.0]\n": "task.randomtarget.field_dir",
		"[task]\nkind = \"centreout\"\n[task.centreout]\nradius = 0.45\n":                                      "task.centreout.radius",
		"[task]\nkind = \"randomtarget\"\n[task.randomtarget]\nlevels = []\n":                                  "task.randomtarget.levels",
	} {
		if _, err := Parse([]byte(src), "x.toml"); err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%q: error %v should name %s", src, err, key)
		}
	}
}

// Every RandomTarget key has a centre-out twin; centre-out defaults to no
// catch trials and no bumps.
func TestCentreOutKeys(t *testing.T) {
	for _, d := range Definitions() {
		if rest, ok := strings.CutPrefix(d.Key, "task.randomtarget."); ok {
			if _, ok := Lookup("task.centreout." + rest); !ok {
				t.Errorf("%s has no centre-out twin", d.Key)
			}
		}
	}
	c := Defaults()
	c.Task.Kind = "centreout"
	if co := c.Task.CentreOut; co.CatchProb != 0 || co.BumpProb != 0 || co.NDirs != 8 || co.Radius != 0.1 || co.MaxEpDuration != 3 {
		t.Errorf("centre-out defaults %+v", co)
	}
	task, err := c.BuildTask()
	if err != nil {
		t.Fatal(err)
	}
	if task.Kind() != "centreout" || task.ModelInputDim() != 17 || c.DatasetName(task) != "CentreOut_1000S_300T_0seed" {
		t.Errorf("centre-out task %s, %d model inputs, dataset %s", task.Kind(), task.ModelInputDim(), c.DatasetName(task))
	}
}

// rt-ff is rt-gru128 plus the field, its levels and the condition input; the
// small one trains; both round-trip through TOML (vectors, the embedded
// centre-out section).
func TestForceFieldPresets(t *testing.T) {
	ff, err := Embedded("rt-ff")
	if err != nil {
		t.Fatal(err)
	}
	base, _ := Embedded("rt-gru128")
	r := ff.Task.RandomTarget
	if r.Field != "constant" || !reflect.DeepEqual(r.FieldDir, []float64{-1, 0}) || !reflect.DeepEqual(r.Levels, []float64{0, 1}) || !r.ConditionInput {
		t.Fatalf("rt-ff field settings %+v", r)
	}
	r.Field, r.FieldDir, r.Levels, r.ConditionInput = base.Task.RandomTarget.Field, base.Task.RandomTarget.FieldDir, base.Task.RandomTarget.Levels, false
	if !reflect.DeepEqual(r, base.Task.RandomTarget) || ff.Model != base.Model || ff.Train != base.Train || ff.Task.Samples != base.Task.Samples {
		t.Errorf("rt-ff differs from rt-gru128 beyond the field:\n%+v\n%+v", r, base.Task.RandomTarget)
	}
	for _, name := range []string{"rt-ff", "rt-ff-small"} {
		c, _ := Embedded(name)
		data, err := c.Encode()
		if err != nil {
			t.Fatal(err)
		}
		back, err := Parse(data, name)
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, data)
		}
		if !reflect.DeepEqual(back, c) {
			t.Errorf("%s: round trip changed the config:\n%+v\n%+v", name, c, back)
		}
	}
}

// A config.toml written before the field keys existed loads as the plain
// RandomTarget: no field, one level 0, no condition channel, 17 inputs.
func TestOldRandomTargetConfigLoads(t *testing.T) {
	old := "name = \"rt\"\n[task]\nkind = \"randomtarget\"\nsamples = 10\n[task.randomtarget]\nmax_ep_duration = 1.0\ncatch_prob = 0.2\n"
	c, err := Parse([]byte(old), "config.toml")
	if err != nil {
		t.Fatal(err)
	}
	task, err := c.BuildTask()
	if err != nil {
		t.Fatal(err)
	}
	if task.ModelInputDim() != 17 || task.CacheName(10, 0) != "RandomTarget_10S_100T_0seed" {
		t.Errorf("old config: %d model inputs, %s", task.ModelInputDim(), task.CacheName(10, 0))
	}
}

// AsCentreOut keeps the run's arm settings (field, levels, condition input,
// timing) and the model's input size, with catch trials and bumps off.
func TestAsCentreOut(t *testing.T) {
	ff, _ := Embedded("rt-ff")
	co := ff.AsCentreOut()
	if co.Task.Kind != "centreout" || co.Task.CentreOut.Field != "constant" || !reflect.DeepEqual(co.Task.CentreOut.Levels, []float64{0, 1}) ||
		!co.Task.CentreOut.ConditionInput || co.Task.CentreOut.CatchProb != 0 || co.Task.CentreOut.BumpProb != 0 || co.Task.CentreOut.NDirs != 8 {
		t.Fatalf("centre-out of rt-ff: %+v", co.Task.CentreOut)
	}
	a, err := ff.BuildTask()
	if err != nil {
		t.Fatal(err)
	}
	b, err := co.BuildTask()
	if err != nil {
		t.Fatal(err)
	}
	if a.ModelInputDim() != b.ModelInputDim() || b.Kind() != "centreout" {
		t.Errorf("model inputs %d and %d", a.ModelInputDim(), b.ModelInputDim())
	}
	co.Task.CentreOut.Levels[0] = 7
	if ff.Task.RandomTarget.Levels[0] != 0 {
		t.Error("AsCentreOut shares the levels with its source")
	}
	if err := co.Validate(); err != nil {
		t.Error(err)
	}
}
