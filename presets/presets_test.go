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
