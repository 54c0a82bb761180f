package sweep

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/ctdtui/ctdtui/presets"
)

// Definition is a sweep: a preset, settings applied to every run, the grid
// of varied keys and the seeds. `sweep new`'s flags and a sweep file (see
// ParseFile) both produce one.
type Definition struct {
	// Name names the sweep (default: the sweep directory's base name).
	Name string
	// Preset is an embedded preset's name or a TOML preset file (default
	// presets.DefaultName).
	Preset string
	// Set are key=value settings applied to every run, in order, before the
	// grid (the --set flag of ctdtui train).
	Set []string
	// Grid lists the varied keys; the first varies slowest.
	Grid []Axis
	// Seeds are the train.seed values, varied fastest. Empty: every run
	// keeps the configuration's seed and the names have no seed part.
	Seeds []int
}

// Axis is one varied key and its values, as --set would take them.
type Axis struct {
	Key    string
	Values []string
}

// Limits of a sweep's size. DefaultMaxRuns is what `sweep new` creates
// without --force (a typo in a grid, say 10 values where 1,0 was meant,
// should not silently create thousands of directories); HardMaxRuns bounds
// even a forced sweep.
const (
	DefaultMaxRuns = 1000
	HardMaxRuns    = 100000
	// maxSeed is train.seed's upper bound.
	maxSeed = math.MaxUint32
)

// ErrTooBig is wrapped by Expand's error for a grid above the limit.
var ErrTooBig = errors.New("sweep too big")

// ParseGrid parses a --grid flag, key=v1,v2,…. Values of list-valued keys
// (task.multitask.tasks, task.randomtarget.levels, …), which contain commas
// themselves, are separated by semicolons instead: levels=0;0,5;0,5,10.
func ParseGrid(s string) (Axis, error) {
	key, vals, ok := strings.Cut(s, "=")
	key = strings.TrimSpace(key)
	if !ok || key == "" {
		return Axis{}, fmt.Errorf("--grid %q: expected key=v1,v2,… (e.g. --grid model.latent=32,64)", s)
	}
	sep := ","
	if d, ok := presets.Lookup(key); ok && (d.Type == presets.List || d.Type == presets.Floats) {
		sep = ";"
	}
	var values []string
	for _, v := range strings.Split(vals, sep) {
		if v = strings.TrimSpace(v); v != "" {
			values = append(values, v)
		}
	}
	if len(values) == 0 {
		return Axis{}, fmt.Errorf("--grid %q: no values (expected key=v1,v2,…)", s)
	}
	return Axis{Key: key, Values: values}, nil
}

// ParseSeeds parses a seed list: ranges and single seeds, comma-separated
// ("0-4", "0,3,7", "0-2,10"), in the order given. A seed listed twice is an
// error.
func ParseSeeds(s string) ([]int, error) {
	var out []int
	seen := map[int]bool{}
	add := func(v int) error {
		if seen[v] {
			return fmt.Errorf("seeds %q: seed %d is listed twice", s, v)
		}
		if len(out) >= HardMaxRuns {
			return fmt.Errorf("seeds %q: more than %d seeds", s, HardMaxRuns)
		}
		seen[v] = true
		out = append(out, v)
		return nil
	}
	parse := func(t string) (int, error) {
		v, err := strconv.ParseInt(strings.TrimSpace(t), 10, 64)
		if err != nil || v < 0 || v > maxSeed {
			return 0, fmt.Errorf("seeds %q: %q is not a seed (an integer in [0, %d])", s, strings.TrimSpace(t), int64(maxSeed))
		}
		return int(v), nil
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := parse(lo)
		if err != nil {
			return nil, err
		}
		b := a
		if isRange {
			if b, err = parse(hi); err != nil {
				return nil, err
			}
			if b < a {
				return nil, fmt.Errorf("seeds %q: range %s runs backwards", s, part)
			}
			if b-a >= HardMaxRuns {
				return nil, fmt.Errorf("seeds %q: range %s has more than %d seeds", s, part, HardMaxRuns)
			}
		}
		for v := a; v <= b; v++ {
			if err := add(v); err != nil {
				return nil, err
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("seeds %q: no seed (expected e.g. 0-4 or 0,3,7)", s)
	}
	return out, nil
}

// FormatSeeds writes seeds compactly, as ParseSeeds reads them ("0-4,7").
func FormatSeeds(seeds []int) string {
	var parts []string
	for i := 0; i < len(seeds); {
		j := i
		for j+1 < len(seeds) && seeds[j+1] == seeds[j]+1 {
			j++
		}
		switch {
		case j == i:
			parts = append(parts, strconv.Itoa(seeds[i]))
		case j == i+1:
			parts = append(parts, strconv.Itoa(seeds[i]), strconv.Itoa(seeds[j]))
		default:
			parts = append(parts, fmt.Sprintf("%d-%d", seeds[i], seeds[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

// Point is one run of an expanded sweep.
type Point struct {
	// Index is the run's position: its Slurm array index.
	Index int
	// Name is the run directory's name: Group plus the seed part (gru-l32-s0).
	Name string
	// Group is the grid point's name, shared by its seeds (gru-l32): what
	// the comparison's summary averages over.
	Group string
	// Values holds the point's canonical value per grid axis ("" where the
	// key does not apply to the point, e.g. model.layers for a GRU).
	Values []string
	// Seed is train.seed.
	Seed int
	// What describes the run: its grid values and seed.
	What   string
	Config presets.Config
}

// Plan is an expanded, validated sweep: nothing has been created yet.
type Plan struct {
	// Def is the definition with canonical values (32, not 032).
	Def    Definition
	Base   presets.Config
	Points []Point
	// Notes say what Expand decided that the user should know (merged
	// points, the thread count it chose).
	Notes []string
}

// Expand validates d and lists its runs. Every key and value is checked
// (unknown keys, malformed and out-of-range values, a key given twice), and
// so is the whole configuration of every grid point, before anything is
// created. A sweep of more than maxRuns runs is refused (an error wrapping
// ErrTooBig); maxRuns ≤ 0 means DefaultMaxRuns.
//
// A grid key that does not apply to a point (model.layers for a GRU) is left
// out of that point, and points that become identical are merged, so that
// no model is trained twice under two names.
func (d Definition) Expand(maxRuns int) (*Plan, error) {
	if maxRuns <= 0 {
		maxRuns = DefaultMaxRuns
	}
	if maxRuns > HardMaxRuns {
		maxRuns = HardMaxRuns
	}
	if d.Preset == "" {
		d.Preset = presets.DefaultName
	}
	base, err := presets.Load(d.Preset)
	if err != nil {
		return nil, fmt.Errorf("--preset: %w", err)
	}
	p := &Plan{}
	gridKeys := map[string]bool{}
	for _, a := range d.Grid {
		gridKeys[a.Key] = true
	}
	threadsSet := gridKeys["train.threads"]
	for _, kv := range d.Set {
		key, _, _ := strings.Cut(kv, "=")
		key = strings.TrimSpace(key)
		switch {
		case gridKeys[key]:
			return nil, fmt.Errorf("--set %q: %s is also a grid key; give it in one place", kv, key)
		case key == "train.seed" && len(d.Seeds) > 0:
			return nil, fmt.Errorf("--set %q: the seeds come from --seeds; drop one of them", kv)
		case key == "train.threads":
			threadsSet = true
		}
		if err := base.SetAssignment(kv); err != nil {
			return nil, fmt.Errorf("--set: %w", err)
		}
	}
	if !threadsSet && base.Train.Threads == 0 {
		// A run's thread count must be fixed (training is deterministic for
		// a given count); one thread per run is also the best use of the
		// cores when runs are many and small.
		base.Train.Threads = 1
		d.Set = append(slices.Clone(d.Set), "train.threads=1")
		p.Notes = append(p.Notes, "train.threads = 1 for every run (0, all cores, is no fixed number; choose with --threads N)")
	}
	if err := base.Validate(); err != nil {
		return nil, fmt.Errorf("preset %s with the --set settings: %w", d.Preset, err)
	}
	axes, err := canonicalAxes(d, base)
	if err != nil {
		return nil, err
	}
	d.Grid = axes
	total := max(1, len(d.Seeds))
	for _, a := range axes {
		if total > HardMaxRuns/len(a.Values) {
			total = HardMaxRuns + 1
			break
		}
		total *= len(a.Values)
	}
	if total > maxRuns {
		return nil, fmt.Errorf("%w: the grid makes %d runs (%s), more than the limit of %d; check the grid, or pass --force to create it anyway (at most %d)",
			ErrTooBig, total, sizeString(axes, len(d.Seeds)), maxRuns, HardMaxRuns)
	}
	points, notes, err := gridPoints(axes, base)
	if err != nil {
		return nil, err
	}
	p.Notes = append(p.Notes, notes...)
	if err := p.name(d, axes, points, base); err != nil {
		return nil, err
	}
	p.Def, p.Base = d, base
	return p, nil
}

// canonicalAxes checks the grid's keys and values and writes every value as
// the configuration prints it, so that 032 and 32 are one value.
func canonicalAxes(d Definition, base presets.Config) ([]Axis, error) {
	var axes []Axis
	seen := map[string]bool{}
	for _, a := range d.Grid {
		def, ok := presets.Lookup(a.Key)
		switch {
		case !ok:
			return nil, fmt.Errorf("--grid %s: unknown key (valid keys: %s)", a.Key, strings.Join(presets.KeyNames(), ", "))
		case seen[a.Key]:
			return nil, fmt.Errorf("--grid %s: the key is given twice; list all its values in one --grid", a.Key)
		case a.Key == "train.seed":
			return nil, fmt.Errorf("--grid train.seed: give the seeds with --seeds (e.g. --seeds 0-4), which names the runs …-s0, …-s1")
		case len(a.Values) == 0:
			return nil, fmt.Errorf("--grid %s: no values", a.Key)
		}
		seen[a.Key] = true
		out := Axis{Key: a.Key}
		first := map[string]string{}
		for _, v := range a.Values {
			c := base
			if err := def.Set(&c, v); err != nil {
				return nil, fmt.Errorf("--grid %s: %w", a.Key, err)
			}
			cv := def.Get(&c)
			if prev, dup := first[cv]; dup {
				if prev == v {
					return nil, fmt.Errorf("--grid %s: value %q is listed twice", a.Key, v)
				}
				return nil, fmt.Errorf("--grid %s: values %q and %q are the same value (%s)", a.Key, prev, v, cv)
			}
			first[cv] = v
			out.Values = append(out.Values, cv)
		}
		axes = append(axes, out)
	}
	return axes, nil
}

func sizeString(axes []Axis, seeds int) string {
	var parts []string
	for _, a := range axes {
		parts = append(parts, fmt.Sprintf("%d %s", len(a.Values), a.Key))
	}
	if seeds > 0 {
		parts = append(parts, fmt.Sprintf("%d seeds", seeds))
	}
	if len(parts) == 0 {
		return "no grid"
	}
	return strings.Join(parts, " × ")
}

// gridPoint is one combination of axis values, with its configuration.
type gridPoint struct {
	values []string
	cfg    presets.Config
}

// gridPoints lists the grid's combinations, the first axis slowest, leaving
// out keys that do not apply to a point and merging points made identical
// by that. Every point's configuration is validated.
func gridPoints(axes []Axis, base presets.Config) ([]gridPoint, []string, error) {
	defs := make([]presets.Def, len(axes))
	for i, a := range axes {
		defs[i], _ = presets.Lookup(a.Key)
	}
	var points []gridPoint
	seen := map[string]bool{}
	merged := map[string]int{}
	odo := make([]int, len(axes))
	for {
		cfg := base
		values := make([]string, len(axes))
		for i, a := range axes {
			values[i] = a.Values[odo[i]]
			if err := defs[i].Set(&cfg, values[i]); err != nil {
				return nil, nil, fmt.Errorf("--grid %s: %w", a.Key, err) // canonical values parse: not reached
			}
		}
		// A key that does not apply (after all keys are set: model.layers
		// applies once model.kind is node) goes back to the base value.
		for i, def := range defs {
			if def.Applies != nil && !def.Applies(&cfg) {
				values[i] = ""
				if err := def.Set(&cfg, def.Get(&base)); err != nil {
					return nil, nil, err
				}
			}
		}
		key := strings.Join(values, "\x00")
		if seen[key] {
			merged[describeValues(axes, values)]++
		} else {
			seen[key] = true
			if err := cfg.Validate(); err != nil {
				return nil, nil, fmt.Errorf("grid point %s: %w", describeValues(axes, values), err)
			}
			points = append(points, gridPoint{values: values, cfg: cfg})
		}
		// Advance the odometer, the last axis fastest.
		i := len(axes) - 1
		for ; i >= 0; i-- {
			odo[i]++
			if odo[i] < len(axes[i].Values) {
				break
			}
			odo[i] = 0
		}
		if i < 0 {
			break
		}
	}
	var notes []string
	for _, k := range sortedKeys(merged) {
		notes = append(notes, fmt.Sprintf("%s: %d more grid points are the same model (a key that does not apply to it), merged into one", k, merged[k]))
	}
	return points, notes, nil
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// describeValues writes a point as key=value pairs (the keys that apply).
func describeValues(axes []Axis, values []string) string {
	var parts []string
	for i, a := range axes {
		if values[i] != "" {
			parts = append(parts, a.Key+"="+values[i])
		}
	}
	if len(parts) == 0 {
		return "the base configuration"
	}
	return strings.Join(parts, ", ")
}

// name gives every point its run name and configuration name, and expands
// the seeds.
func (p *Plan) name(d Definition, axes []Axis, points []gridPoint, base presets.Config) error {
	namer := newNamer(axes)
	seeds := d.Seeds
	seeded := len(seeds) > 0
	if !seeded {
		seeds = []int{base.Train.Seed}
	}
	names := map[string]string{}
	for _, gp := range points {
		group := namer.group(gp.values)
		if group == "" {
			group = safeName(base.Name)
		}
		for _, seed := range seeds {
			name := group
			if seeded {
				name += "-s" + strconv.Itoa(seed)
			}
			what := describeValues(axes, gp.values)
			if seeded {
				what += fmt.Sprintf(", seed %d", seed)
			}
			if prev, dup := names[name]; dup {
				return fmt.Errorf("two runs would both be named %s (%s, and %s): values that differ only in characters a directory name cannot hold; rename the values", name, prev, what)
			}
			if err := checkRunName(name); err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
			names[name] = what
			cfg := gp.cfg
			cfg.Train.Seed = seed
			cfg.Name = name
			if err := cfg.Validate(); err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
			p.Points = append(p.Points, Point{Index: len(p.Points), Name: name, Group: group, Values: gp.values, Seed: seed, What: what, Config: cfg})
		}
	}
	return nil
}

// checkRunName refuses names that cannot be (or must not be) a run
// directory inside the sweep.
func checkRunName(name string) error {
	switch {
	case name == "" || name == "." || name == ".." || strings.HasPrefix(name, "."):
		return fmt.Errorf("run name %q is not a directory name", name)
	case name == LogsDir:
		return fmt.Errorf("run name %q is reserved for the sweep's logs", name)
	case len(name) > 200:
		return fmt.Errorf("run name %q is longer than 200 characters: grid fewer keys, or shorter values", name[:40]+"…")
	}
	return nil
}
