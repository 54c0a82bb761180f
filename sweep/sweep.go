package sweep

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/ctdtui/ctdtui/run"
)

// Files and folders of a sweep directory.
const (
	ManifestFile = "sweep.toml"
	LogsDir      = "logs"
	ScriptFile   = "sweep.sbatch"
)

// manifestVersion is sweep.toml's format version.
const manifestVersion = 1

// Run is one run of a sweep, as the manifest lists it.
type Run struct {
	Index int    `toml:"index" json:"index"`
	Name  string `toml:"name" json:"name"`
	Group string `toml:"group" json:"group"`
	// Values per grid axis ("" where the key does not apply).
	Values []string `toml:"values" json:"values"`
	Seed   int      `toml:"seed" json:"seed"`
}

// Sweep is an opened sweep directory.
type Sweep struct {
	Dir     string
	Def     Definition
	Runs    []Run
	Created time.Time
}

// RunDir is the directory of run i.
func (s *Sweep) RunDir(i int) string { return filepath.Join(s.Dir, s.Runs[i].Name) }

// Varied lists the grid axes with more than one value (the keys the names
// are made of).
func (s *Sweep) Varied() []Axis {
	var out []Axis
	for _, a := range s.Def.Grid {
		if len(a.Values) > 1 {
			out = append(out, a)
		}
	}
	return out
}

// fileDef is a sweep file's (and the manifest's) TOML layout.
type fileDef struct {
	Version int      `toml:"version,omitempty"`
	Name    string   `toml:"name,omitempty"`
	Preset  string   `toml:"preset"`
	Set     []string `toml:"set,omitempty"`
	// Seeds is "0-4" or a list of integers.
	Seeds   any       `toml:"seeds,omitempty"`
	Created time.Time `toml:"created,omitempty"`
	Grid    []struct {
		Key string `toml:"key"`
		// Values may be strings, numbers, booleans, or (for list keys)
		// arrays.
		Values []any `toml:"values"`
	} `toml:"grid"`
	Runs []Run `toml:"run"`
}

// manifest is what sweep.toml is written from.
type manifest struct {
	Version int       `toml:"version"`
	Name    string    `toml:"name"`
	Preset  string    `toml:"preset"`
	Set     []string  `toml:"set"`
	Seeds   string    `toml:"seeds,omitempty"`
	Created time.Time `toml:"created"`
	Grid    []axisOut `toml:"grid"`
	Runs    []Run     `toml:"run"`
}

type axisOut struct {
	Key    string   `toml:"key"`
	Values []string `toml:"values"`
}

// ParseFile reads a sweep file: TOML with the definition's fields, e.g.
//
//	name = "archs"
//	preset = "3bff-small"
//	set = ["train.epochs=200"]
//	seeds = "0-4"
//
//	[[grid]]
//	key = "model.kind"
//	values = ["gru", "lstm", "node"]
//
//	[[grid]]
//	key = "model.latent"
//	values = [16, 32]
//
// A sweep's own sweep.toml is a sweep file too (its run list is ignored), so
// `sweep new NEW --file OLD/sweep.toml` repeats a sweep. Unknown keys are
// errors naming the file.
func ParseFile(path string) (Definition, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Definition{}, err
	}
	d, _, err := parseDef(data, path)
	return d, err
}

func parseDef(data []byte, path string) (Definition, *fileDef, error) {
	var f fileDef
	md, err := toml.Decode(string(data), &f)
	if err != nil {
		return Definition{}, nil, fmt.Errorf("%s: %w", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		var keys []string
		for _, k := range und {
			keys = append(keys, k.String())
		}
		return Definition{}, nil, fmt.Errorf("%s: unknown key %s (a sweep file has name, preset, set, seeds and [[grid]] tables of key and values)", path, strings.Join(keys, ", "))
	}
	d := Definition{Name: f.Name, Preset: f.Preset, Set: f.Set}
	switch s := f.Seeds.(type) {
	case nil:
	case string:
		if d.Seeds, err = ParseSeeds(s); err != nil {
			return Definition{}, nil, fmt.Errorf("%s: %w", path, err)
		}
	case int64:
		if d.Seeds, err = ParseSeeds(strconv.FormatInt(s, 10)); err != nil {
			return Definition{}, nil, fmt.Errorf("%s: %w", path, err)
		}
	case []any:
		var parts []string
		for _, v := range s {
			n, ok := v.(int64)
			if !ok {
				return Definition{}, nil, fmt.Errorf("%s: seeds: %v is not an integer", path, v)
			}
			parts = append(parts, strconv.FormatInt(n, 10))
		}
		if d.Seeds, err = ParseSeeds(strings.Join(parts, ",")); err != nil {
			return Definition{}, nil, fmt.Errorf("%s: %w", path, err)
		}
	default:
		return Definition{}, nil, fmt.Errorf("%s: seeds must be a string such as \"0-4\" or a list of integers, got %v", path, s)
	}
	for i, g := range f.Grid {
		if g.Key == "" {
			return Definition{}, nil, fmt.Errorf("%s: grid table %d has no key", path, i+1)
		}
		a := Axis{Key: g.Key}
		for _, v := range g.Values {
			s, err := tomlValue(v)
			if err != nil {
				return Definition{}, nil, fmt.Errorf("%s: grid %s: %w", path, g.Key, err)
			}
			a.Values = append(a.Values, s)
		}
		d.Grid = append(d.Grid, a)
	}
	return d, &f, nil
}

// tomlValue writes a TOML value as --set takes it.
func tomlValue(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	case bool:
		return strconv.FormatBool(x), nil
	case []any:
		var parts []string
		for _, e := range x {
			s, err := tomlValue(e)
			if err != nil {
				return "", err
			}
			if _, nested := e.([]any); nested {
				return "", fmt.Errorf("nested list %v", v)
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, ","), nil
	}
	return "", fmt.Errorf("value %v (%T) is not a string, number, boolean or list", v, v)
}

// Create makes the sweep directory of a plan: one run directory per point
// (run.Create: config.toml, state.json, history.csv), the logs folder, and
// sweep.toml last. dir must not exist or be empty; if anything fails, what
// was created is removed again (nothing else was in the directory).
func Create(dir string, p *Plan) (s *Sweep, err error) {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		if _, err := os.Stat(filepath.Join(dir, ManifestFile)); err == nil {
			return nil, fmt.Errorf("%s already holds a sweep: train it with ctdtui sweep run %s, or choose a new directory", dir, dir)
		}
		return nil, fmt.Errorf("%s exists and is not empty: a sweep needs a new or empty directory", dir)
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	existed := false
	if _, err := os.Stat(dir); err == nil {
		existed = true
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	defer func() {
		if err == nil {
			return
		}
		// Only what this call created is removed: the directory was empty.
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
		if !existed {
			os.Remove(dir)
		}
	}()
	name := p.Def.Name
	if name == "" {
		abs, _ := filepath.Abs(dir)
		name = filepath.Base(abs)
	}
	s = &Sweep{Dir: dir, Def: p.Def, Created: time.Now().UTC().Truncate(time.Second)}
	s.Def.Name = name
	for _, pt := range p.Points {
		cfg := pt.Config
		cfg.Description = fmt.Sprintf("sweep %s (preset %s): %s", name, p.Def.Preset, pt.What)
		if _, err := run.Create(filepath.Join(dir, pt.Name), cfg); err != nil {
			return nil, err
		}
		s.Runs = append(s.Runs, Run{Index: pt.Index, Name: pt.Name, Group: pt.Group, Values: pt.Values, Seed: pt.Seed})
	}
	if err := os.MkdirAll(filepath.Join(dir, LogsDir), 0o755); err != nil {
		return nil, err
	}
	if err := s.writeManifest(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Sweep) writeManifest() error {
	m := manifest{Version: manifestVersion, Name: s.Def.Name, Preset: s.Def.Preset, Set: s.Def.Set, Created: s.Created, Runs: s.Runs}
	if len(s.Def.Seeds) > 0 {
		m.Seeds = FormatSeeds(s.Def.Seeds)
	}
	for _, a := range s.Def.Grid {
		m.Grid = append(m.Grid, axisOut(a))
	}
	var buf bytes.Buffer
	buf.WriteString("# A ctdtui sweep, written by `ctdtui sweep new`. The runs are listed in their\n" +
		"# Slurm array-index order; do not edit them. This file is also a sweep file:\n" +
		"# `ctdtui sweep new NEW --file " + ManifestFile + "` repeats the sweep.\n\n")
	if err := toml.NewEncoder(&buf).Encode(m); err != nil {
		return err
	}
	return run.WriteFileAtomic(filepath.Join(s.Dir, ManifestFile), buf.Bytes())
}

// Open reads a sweep directory's sweep.toml. It checks the run list (indices
// in order, names unique and valid) but not the run directories: a missing
// or damaged run is the business of whoever trains or shows it.
func Open(dir string) (*Sweep, error) {
	path := filepath.Join(dir, ManifestFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if _, serr := os.Stat(dir); serr != nil {
			return nil, fmt.Errorf("sweep directory %s: %w", dir, serr)
		}
		if run.LooksLikeRun(dir) {
			return nil, fmt.Errorf("%s is a run, not a sweep (%s is missing): use ctdtui train --resume %s", dir, ManifestFile, dir)
		}
		return nil, fmt.Errorf("%s is not a sweep: %s is missing (create one with ctdtui sweep new %s --preset …)", dir, path, dir)
	}
	if err != nil {
		return nil, err
	}
	d, f, err := parseDef(data, path)
	if err != nil {
		return nil, err
	}
	if f.Version != manifestVersion {
		return nil, fmt.Errorf("%s: version %d, this ctdtui reads version %d (a sweep file without a run list is created with ctdtui sweep new DIR --file %s)", path, f.Version, manifestVersion, path)
	}
	if len(f.Runs) == 0 {
		return nil, fmt.Errorf("%s: no runs listed", path)
	}
	names := map[string]bool{}
	for i, r := range f.Runs {
		switch {
		case r.Index != i:
			return nil, fmt.Errorf("%s: run %d (%s) has index %d: the run list is damaged", path, i, r.Name, r.Index)
		case names[r.Name]:
			return nil, fmt.Errorf("%s: run name %s is listed twice: the run list is damaged", path, r.Name)
		case len(r.Values) != len(d.Grid):
			return nil, fmt.Errorf("%s: run %s has %d grid values, the grid has %d keys: the run list is damaged", path, r.Name, len(r.Values), len(d.Grid))
		}
		if err := checkRunName(r.Name); err != nil || strings.ContainsAny(r.Name, `/\`) {
			return nil, fmt.Errorf("%s: run %d: bad name %q", path, i, r.Name)
		}
		names[r.Name] = true
	}
	return &Sweep{Dir: dir, Def: d, Runs: f.Runs, Created: f.Created}, nil
}

// IsSweep reports whether dir holds a sweep.toml.
func IsSweep(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, ManifestFile))
	return err == nil
}
