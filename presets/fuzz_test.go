package presets

import (
	"reflect"
	"strings"
	"testing"
)

// FuzzParse: no preset file makes Parse panic; an accepted one is valid, and
// writing it out and parsing it again gives the same configuration (what a
// run directory's config.toml relies on).
func FuzzParse(f *testing.F) {
	for _, n := range Names() {
		data, err := files.ReadFile("files/" + n + ".toml")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("[model]\nlatnt = 3\n"))
	f.Add([]byte("[task]\nkind = \"multitask\"\n[task.multitask]\ntasks = [\"DelayPro\", \"DelayPro\"]\n"))
	f.Add([]byte("[train]\nlr = nan\n"))
	f.Add([]byte("[train]\nepochs = 1e99\n"))
	f.Add([]byte("name = \"x\"\n[task]\nsamples = -1\n"))
	f.Add([]byte("[[model]]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, "fuzz.toml")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.toml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("accepted an invalid configuration: %v", err)
		}
		enc, err := c.Encode()
		if err != nil {
			t.Fatalf("accepted configuration cannot be written: %v", err)
		}
		back, err := Parse(enc, "again.toml")
		if err != nil {
			t.Fatalf("written configuration refused: %v\n%s", err, enc)
		}
		if !reflect.DeepEqual(back, c) {
			t.Fatalf("configuration changes when written and read:\n%+v\n%+v", c, back)
		}
	})
}

// FuzzSetAssignment: no --set value makes it panic; an accepted one is
// stored so that the value it shows sets the same configuration again.
func FuzzSetAssignment(f *testing.F) {
	for _, s := range []string{"model.latent=64", "train.lr=1e-3", "task.kind=multitask", "task.multitask.tasks=DelayPro, DelayAnti",
		"task.multitask.grouped=true", "model.latent=", "=3", "nokey", "train.lr=NaN", "train.seed=4294967296", "task.seed= 7 ",
		"model.kind=lstm", "train.epochs=1e3", "task.multitask.tasks=,,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, kv string) {
		c := Defaults()
		if err := c.SetAssignment(kv); err != nil {
			return
		}
		key, _, _ := strings.Cut(kv, "=")
		d, ok := Lookup(strings.TrimSpace(key))
		if !ok {
			t.Fatalf("%q accepted for an unknown key", kv)
		}
		shown := d.Get(&c)
		again := Defaults()
		if err := again.Set(d.Key, shown); err != nil {
			t.Fatalf("%q stored %q, which Set refuses: %v", kv, shown, err)
		}
		if !reflect.DeepEqual(again, c) {
			t.Fatalf("%q: setting the shown value %q gives another configuration", kv, shown)
		}
		if err := d.check(&c); err != nil {
			t.Fatalf("%q stored a value its own check refuses: %v", kv, err)
		}
	})
}
