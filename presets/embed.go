package presets

import (
	"embed"
	"fmt"
	"path"
	"sort"
	"strings"
)

//go:embed files/*.toml
var files embed.FS

// DefaultName is the preset the TUI opens with.
const DefaultName = "3bff-gru128"

// Names lists the embedded presets.
func Names() []string {
	entries, err := files.ReadDir("files")
	if err != nil {
		panic(err) // the embedded directory always exists
	}
	var out []string
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(e.Name(), ".toml"))
	}
	sort.Strings(out)
	return out
}

// Embedded returns an embedded preset by name.
func Embedded(name string) (Config, error) {
	data, err := files.ReadFile(path.Join("files", name+".toml"))
	if err != nil {
		return Config{}, fmt.Errorf("no preset %q (embedded presets: %s)", name, strings.Join(Names(), ", "))
	}
	return Parse(data, "preset "+name)
}

// Load resolves a --preset argument: a path to a .toml file (anything containing
// a path separator or ending in .toml) or the name of an embedded preset.
func Load(arg string) (Config, error) {
	if strings.HasSuffix(arg, ".toml") || strings.ContainsRune(arg, '/') {
		return LoadFile(arg)
	}
	return Embedded(arg)
}
