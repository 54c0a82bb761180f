// Package presets defines the run configuration (task, model, training), its
// parameter definitions with bounds and steps (shared by --set and the TUI's
// sliders), validation, and the embedded TOML presets.
package presets
