package sweep

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ctdtui/ctdtui/run"
)

func mustGrid(t *testing.T, specs ...string) []Axis {
	t.Helper()
	var out []Axis
	for _, s := range specs {
		a, err := ParseGrid(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

func names(p *Plan) []string {
	var out []string
	for _, pt := range p.Points {
		out = append(out, pt.Name)
	}
	return out
}

// TestExpandOrderAndNames: the first key varies slowest, seeds fastest; the
// names are made of the varied keys; every run's configuration carries its
// values, its seed and its name; expanding twice gives the same plan.
func TestExpandOrderAndNames(t *testing.T) {
	d := Definition{Name: "archs", Preset: "3bff-small", Set: []string{"train.epochs=7"},
		Grid: mustGrid(t, "model.kind=gru,lstm,node", "model.latent=16,32"), Seeds: []int{0, 1}}
	p, err := d.Expand(0)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"gru-l16-s0", "gru-l16-s1", "gru-l32-s0", "gru-l32-s1",
		"lstm-l16-s0", "lstm-l16-s1", "lstm-l32-s0", "lstm-l32-s1",
		"node-l16-s0", "node-l16-s1", "node-l32-s0", "node-l32-s1",
	}
	if got := names(p); !slices.Equal(got, want) {
		t.Fatalf("names\n got %v\nwant %v", got, want)
	}
	for i, pt := range p.Points {
		c := pt.Config
		kind, latent := []string{"gru", "lstm", "node"}[i/4], []int{16, 32}[(i/2)%2]
		if pt.Index != i || c.Model.Kind != kind || c.Model.Latent != latent || c.Train.Seed != i%2 || pt.Seed != i%2 ||
			c.Train.Epochs != 7 || c.Train.Threads != 1 || c.Name != pt.Name || pt.Group != strings.TrimSuffix(pt.Name, pt.Name[len(pt.Name)-3:]) {
			t.Errorf("point %d %s: index %d, %s latent %d seed %d epochs %d threads %d name %q group %q",
				i, pt.Name, pt.Index, c.Model.Kind, c.Model.Latent, c.Train.Seed, c.Train.Epochs, c.Train.Threads, c.Name, pt.Group)
		}
	}
	if !slices.Contains(p.Def.Set, "train.threads=1") {
		t.Errorf("the chosen thread count is not recorded in the definition: %v", p.Def.Set)
	}
	p2, err := d.Expand(0)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p, p2) {
		t.Error("two expansions of one definition differ")
	}
}

// TestNamingRules: numbers get their key's abbreviation, booleans their
// name, lists their items; keys whose abbreviations would clash (or take
// the seed's "s") fall back to longer ones; a key with one value is a
// setting, not part of the name; canonical values name the runs.
func TestNamingRules(t *testing.T) {
	cases := []struct {
		grid []string
		want []string
	}{
		{[]string{"train.lr=0.01,1e-3"}, []string{"lr0.01", "lr0.001"}},
		{[]string{"model.kind=gru", "model.latent=032,64"}, []string{"l32", "l64"}},
		{[]string{"task.samples=100,200", "task.nbff.noise=0,0.1"}, []string{"n100-noise0", "n100-noise0.1", "n200-noise0", "n200-noise0.1"}},
		{[]string{"task.nbff.steps=50,60"}, []string{"steps50", "steps60"}},
		{[]string{"task.nbff.switch_prob=0.02,0.04"}, []string{"sp0.02", "sp0.04"}},
		{[]string{"train.weight_decay=0,1e-8"}, []string{"wd0", "wd1e-08"}},
	}
	for _, c := range cases {
		p, err := Definition{Preset: "3bff-small", Grid: mustGrid(t, c.grid...)}.Expand(0)
		if err != nil {
			t.Errorf("%v: %v", c.grid, err)
			continue
		}
		if got := names(p); !slices.Equal(got, c.want) {
			t.Errorf("%v: names %v, want %v", c.grid, got, c.want)
		}
	}
	// List values are separated by semicolons on the command line.
	a, err := ParseGrid("task.randomtarget.levels=0;0,5")
	if err != nil || !slices.Equal(a.Values, []string{"0", "0,5"}) {
		t.Fatalf("levels grid: %v %v", a, err)
	}
	p, err := Definition{Preset: "rt-ff-small", Grid: []Axis{a, {Key: "task.randomtarget.condition_input", Values: []string{"true", "false"}}}}.Expand(0)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := names(p), []string{"levels0-condition_input", "levels0-nocondition_input", "levels0_5-condition_input", "levels0_5-nocondition_input"}; !slices.Equal(got, want) {
		t.Errorf("names %v, want %v", got, want)
	}
	// Nothing varies but the seed: the preset's name and the seed.
	p, err = Definition{Preset: "3bff-small", Seeds: []int{3, 4}}.Expand(0)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(p); !slices.Equal(got, []string{"3bff-small-s3", "3bff-small-s4"}) {
		t.Errorf("seed-only names %v", got)
	}
}

// TestExpandMergesInapplicableKeys: model.layers configures a NODE only, so
// the GRU points of a kind × layers grid are one model, trained once.
func TestExpandMergesInapplicableKeys(t *testing.T) {
	p, err := Definition{Preset: "3bff-small", Grid: mustGrid(t, "model.kind=gru,node", "model.layers=2,3"), Seeds: []int{0}}.Expand(0)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := names(p), []string{"gru-s0", "node-nl2-s0", "node-nl3-s0"}; !slices.Equal(got, want) {
		t.Fatalf("names %v, want %v", got, want)
	}
	if !slices.Equal(p.Points[0].Values, []string{"gru", ""}) || p.Points[0].Config.Model.Layers != 3 {
		t.Errorf("the GRU point keeps model.layers: values %q, layers %d (the preset's is 3)", p.Points[0].Values, p.Points[0].Config.Model.Layers)
	}
	if p.Points[2].Config.Model.Layers != 3 || p.Points[1].Config.Model.Layers != 2 {
		t.Error("the NODE points lost their layers")
	}
	if len(p.Notes) == 0 || !strings.Contains(strings.Join(p.Notes, "\n"), "merged") {
		t.Errorf("no note about the merge: %q", p.Notes)
	}
}

// TestExpandRefusesBadInput: every mistake is caught before anything is
// created, with a message naming the key or value.
func TestExpandRefusesBadInput(t *testing.T) {
	cases := []struct {
		d    Definition
		want string
	}{
		{Definition{Preset: "3bff-small", Grid: []Axis{{Key: "model.latnet", Values: []string{"1", "2"}}}}, `model.latnet: unknown key`},
		{Definition{Preset: "3bff-small", Grid: []Axis{{Key: "model.latent", Values: []string{"16", "0"}}}}, `model.latent: 0 is outside`},
		{Definition{Preset: "3bff-small", Grid: []Axis{{Key: "model.kind", Values: []string{"gru", "transformer"}}}}, `"transformer" is not one of`},
		{Definition{Preset: "3bff-small", Grid: []Axis{{Key: "model.latent", Values: []string{"32", "032"}}}}, `"32" and "032" are the same value`},
		{Definition{Preset: "3bff-small", Grid: []Axis{{Key: "model.latent", Values: []string{"32", "32"}}}}, `"32" is listed twice`},
		{Definition{Preset: "3bff-small", Grid: []Axis{{Key: "model.latent", Values: []string{"8"}}, {Key: "model.latent", Values: []string{"16"}}}}, `given twice`},
		{Definition{Preset: "3bff-small", Grid: []Axis{{Key: "train.seed", Values: []string{"1", "2"}}}}, `--seeds`},
		{Definition{Preset: "3bff-small", Set: []string{"model.latent=8"}, Grid: []Axis{{Key: "model.latent", Values: []string{"16", "32"}}}}, `also a grid key`},
		{Definition{Preset: "3bff-small", Set: []string{"train.seed=3"}, Seeds: []int{0, 1}}, `--seeds`},
		{Definition{Preset: "3bff-small", Set: []string{"train.epochs"}}, `expected key=value`},
		{Definition{Preset: "no-such-preset"}, `no preset "no-such-preset"`},
	}
	for _, c := range cases {
		_, err := c.d.Expand(0)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want it to contain %q", c.d, err, c.want)
		}
	}
	if _, err := ParseGrid("model.latent"); err == nil {
		t.Error("a grid without values is accepted")
	}
	if _, err := ParseGrid("model.latent=,"); err == nil {
		t.Error("a grid of empty values is accepted")
	}
}

// TestExpandLimit: a grid above the limit is refused with its size; a
// higher limit (--force) creates it.
func TestExpandLimit(t *testing.T) {
	var vals []string
	for i := 1; i <= 101; i++ {
		vals = append(vals, strconv.Itoa(i))
	}
	d := Definition{Preset: "3bff-small", Grid: []Axis{{Key: "model.latent", Values: vals}}, Seeds: []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}
	_, err := d.Expand(0)
	if !errors.Is(err, ErrTooBig) || !strings.Contains(err.Error(), "1010 runs") || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("1010 runs: %v", err)
	}
	p, err := d.Expand(HardMaxRuns)
	if err != nil || len(p.Points) != 1010 {
		t.Fatalf("forced: %v", err)
	}
	huge := Definition{Preset: "3bff-small", Grid: []Axis{{Key: "model.latent", Values: vals}, {Key: "train.batch", Values: vals}, {Key: "train.epochs", Values: vals}}}
	if _, err := huge.Expand(HardMaxRuns); !errors.Is(err, ErrTooBig) {
		t.Fatalf("a million runs: %v", err)
	}
}

func TestSeeds(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []int
		out  string
	}{
		{"0-4", []int{0, 1, 2, 3, 4}, "0-4"},
		{"0,3,7", []int{0, 3, 7}, "0,3,7"},
		{"0-2, 10", []int{0, 1, 2, 10}, "0-2,10"},
		{"5", []int{5}, "5"},
		{"4,5", []int{4, 5}, "4,5"},
	} {
		got, err := ParseSeeds(c.in)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("ParseSeeds(%q) = %v, %v", c.in, got, err)
		}
		if s := FormatSeeds(got); s != c.out {
			t.Errorf("FormatSeeds(%v) = %q, want %q", got, s, c.out)
		}
	}
	for _, bad := range []string{"", "a", "3-1", "0-2,1", "-1", "99999999999", "0-200000"} {
		if _, err := ParseSeeds(bad); err == nil {
			t.Errorf("ParseSeeds(%q) accepted", bad)
		}
	}
}

// TestSweepFile: a sweep file (numbers, strings, lists) gives the same
// definition as the flags; unknown keys are refused by name; a sweep's own
// sweep.toml is a sweep file.
func TestSweepFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.toml")
	os.WriteFile(path, []byte(`
name = "archs"
preset = "3bff-small"
set = ["train.epochs=7"]
seeds = "0-1"

[[grid]]
key = "model.kind"
values = ["gru", "lstm", "node"]

[[grid]]
key = "model.latent"
values = [16, 32]
`), 0o644)
	d, err := ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	flags := Definition{Name: "archs", Preset: "3bff-small", Set: []string{"train.epochs=7"},
		Grid: mustGrid(t, "model.kind=gru,lstm,node", "model.latent=16,32"), Seeds: []int{0, 1}}
	if !reflect.DeepEqual(d, flags) {
		t.Fatalf("file %+v\nflags %+v", d, flags)
	}
	os.WriteFile(path, []byte("preset = \"3bff-small\"\nseed = 3\n"), 0o644)
	if _, err := ParseFile(path); err == nil || !strings.Contains(err.Error(), "unknown key seed") || !strings.Contains(err.Error(), path) {
		t.Errorf("unknown key: %v", err)
	}
	os.WriteFile(path, []byte("preset = \"3bff-small\"\nseeds = [0, 2]\n[[grid]]\nkey = \"task.randomtarget.levels\"\nvalues = [[0], [0, 5]]\n"), 0o644)
	d, err = ParseFile(path)
	if err != nil || !slices.Equal(d.Seeds, []int{0, 2}) || !slices.Equal(d.Grid[0].Values, []string{"0", "0,5"}) {
		t.Errorf("seed list and list values: %+v %v", d, err)
	}

	p, err := flags.Expand(0)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Create(filepath.Join(dir, "sw"), p)
	if err != nil {
		t.Fatal(err)
	}
	again, err := ParseFile(filepath.Join(s.Dir, ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	p2, err := again.Expand(0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(names(p), names(p2)) || !reflect.DeepEqual(p.Points[5].Config, p2.Points[5].Config) {
		t.Error("the manifest as a sweep file gives another sweep")
	}
}

// TestCreateAndOpen: Create writes one ordinary run per point and the
// manifest; Open reads it back; a non-empty directory, a run directory and
// a damaged manifest are refused by name.
func TestCreateAndOpen(t *testing.T) {
	dir := t.TempDir()
	p, err := Definition{Preset: "3bff-small", Grid: mustGrid(t, "model.kind=gru,lstm"), Seeds: []int{0, 1}}.Expand(0)
	if err != nil {
		t.Fatal(err)
	}
	sdir := filepath.Join(dir, "sw")
	s, err := Create(sdir, p)
	if err != nil {
		t.Fatal(err)
	}
	if s.Def.Name != "sw" {
		t.Errorf("name %q, want the directory's", s.Def.Name)
	}
	o, err := Open(sdir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(o.Runs, s.Runs) || !reflect.DeepEqual(o.Def, s.Def) {
		t.Errorf("opened %+v\ncreated %+v", o, s)
	}
	for i, r := range o.Runs {
		rr, err := run.Open(o.RunDir(i))
		if err != nil {
			t.Fatal(err)
		}
		if rr.Config.Model.Kind != p.Points[i].Config.Model.Kind || rr.State.Status != run.StatusCreated || r.Name != p.Points[i].Name {
			t.Errorf("run %d: %+v", i, rr.Config.Model)
		}
		if !strings.Contains(rr.Config.Description, "sweep sw") {
			t.Errorf("description %q does not name the sweep", rr.Config.Description)
		}
	}
	if _, err := Create(sdir, p); err == nil || !strings.Contains(err.Error(), "already holds a sweep") {
		t.Errorf("second Create: %v", err)
	}
	if _, err := Open(o.RunDir(0)); err == nil || !strings.Contains(err.Error(), "is a run, not a sweep") {
		t.Errorf("Open of a run: %v", err)
	}
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "is not a sweep") {
		t.Errorf("Open of a plain directory: %v", err)
	}
	// A Create that fails half-way leaves the directory as it found it.
	bad := filepath.Join(dir, "bad")
	os.MkdirAll(bad, 0o755)
	p.Points[2].Config.Model.Latent = 0
	if _, err := Create(bad, p); err == nil || !strings.Contains(err.Error(), "model.latent") {
		t.Errorf("Create of an invalid point: %v", err)
	}
	if entries, _ := os.ReadDir(bad); len(entries) != 0 {
		t.Errorf("a failed Create left %d entries behind", len(entries))
	}
	if _, err := Create(filepath.Join(dir, "new", "deeper"), p); err == nil {
		t.Error("invalid point created")
	}
	if _, err := os.Stat(filepath.Join(dir, "new", "deeper")); !errors.Is(err, os.ErrNotExist) {
		t.Error("a failed Create left its new directory behind")
	}
	manifest := filepath.Join(sdir, ManifestFile)
	data, _ := os.ReadFile(manifest)
	os.WriteFile(manifest, []byte(strings.Replace(string(data), "index = 1", "index = 7", 1)), 0o644)
	if _, err := Open(sdir); err == nil || !strings.Contains(err.Error(), "damaged") || !strings.Contains(err.Error(), manifest) {
		t.Errorf("damaged manifest: %v", err)
	}
}
