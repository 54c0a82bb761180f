package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/ctdtui/ctdtui/presets"
	"github.com/ctdtui/ctdtui/run"
)

func TestLoadEmbeddedPreset(t *testing.T) {
	m := newTestModel(t, "3bff-small", 120, 40)
	press(m, keyOf('o'))
	if m.task.dialog == nil || !m.task.Focused() {
		t.Fatal("o did not open the load dialog")
	}
	v := m.View()
	for _, n := range presets.Names() {
		if !strings.Contains(v, n) {
			t.Fatalf("dialog lacks preset %s:\n%s", n, v)
		}
	}
	// The cursor starts on the current preset; move to 3bff-node3.
	names := presets.Names()
	want := "3bff-node3"
	cur := m.task.dialog.cursor
	for names[cur] != want {
		dir := '↓'
		if names[cur] > want {
			dir = '↑'
		}
		press(m, keyOf(dir))
		cur = m.task.dialog.cursor
	}
	press(m, keyOf('q')) // a letter in the list is not a quit while the dialog is open
	press(m, keyOf('\n'))
	if m.task.dialog != nil || m.sh.baseName != want || m.sh.cfg.Model.Kind != "node" {
		t.Fatalf("loading %s: base %q, model %q", want, m.sh.baseName, m.sh.cfg.Model.Kind)
	}
	if !m.task.form.shows("model.layers") || m.task.form.changedCount() != 0 {
		t.Fatal("the form does not follow the loaded preset")
	}
	// Esc closes without loading.
	press(m, keyOf('o'))
	press(m, keyOf('↓'))
	press(m, keyOf(0x1b))
	if m.task.dialog != nil || m.sh.baseName != want {
		t.Fatal("esc did not cancel")
	}
}

func TestSaveAndLoadPresetFile(t *testing.T) {
	m := newTestModel(t, "3bff-small", 120, 40)
	focus(t, m, "task.nbff.bits")
	press(m, keyOf('→'))
	path := filepath.Join(t.TempDir(), "sub", "four-bits.toml")
	press(m, keyOf('s'))
	if !strings.Contains(m.View(), "3bff-small.toml") {
		t.Fatalf("save dialog does not suggest a name:\n%s", m.View())
	}
	press(m, tea.KeyMsg{Type: tea.KeyCtrlU})
	typeKeys(m, strings.TrimSuffix(path, ".toml")) // .toml is added
	press(m, keyOf('\n'))
	if m.task.dialog != nil {
		t.Fatalf("save failed: %q", m.sh.status.text)
	}
	saved, err := presets.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Name != "four-bits" || saved.Task.NBFF.Bits != 4 || saved.Train != m.sh.cfg.Train {
		t.Fatalf("saved preset %+v", saved)
	}
	if m.sh.baseName != path || m.task.form.changedCount() != 0 {
		t.Fatalf("after saving, base %q with %d changed", m.sh.baseName, m.task.form.changedCount())
	}
	// Saving over an existing file asks for a second enter.
	press(m, keyOf('→'))
	press(m, keyOf('s'))
	press(m, tea.KeyMsg{Type: tea.KeyCtrlU})
	typeKeys(m, path)
	press(m, keyOf('\n'))
	if m.task.dialog == nil || !strings.Contains(m.sh.status.text, "exists") {
		t.Fatalf("overwrite was not confirmed: %q", m.sh.status.text)
	}
	press(m, keyOf('\n'))
	if saved, _ := presets.LoadFile(path); saved.Task.NBFF.Bits != 5 {
		t.Fatalf("second enter did not overwrite (bits %d)", saved.Task.NBFF.Bits)
	}
	// Load it back through the file field, after changing the settings.
	press(m, keyOf('R'))
	m.sh.cfg.Task.NBFF.Bits = 2
	press(m, keyOf('o'))
	for i := 0; i < 20; i++ {
		press(m, keyOf('↓'))
	}
	typeKeys(m, "jk") // letters go into the path field, not to the cursor
	if got := m.task.dialog.input.Value(); got != "jk" {
		t.Fatalf("file field holds %q", got)
	}
	press(m, tea.KeyMsg{Type: tea.KeyCtrlU})
	typeKeys(m, path)
	press(m, keyOf('\n'))
	if m.task.dialog != nil || m.sh.cfg.Task.NBFF.Bits != 5 || m.sh.cfg.Name != "four-bits" {
		t.Fatalf("loading the file: %q, bits %d", m.sh.status.text, m.sh.cfg.Task.NBFF.Bits)
	}
	// A bad file is refused with its name and the reason; the dialog stays.
	bad := filepath.Join(t.TempDir(), "bad.toml")
	os.WriteFile(bad, []byte("[task]\nbits = 4\n"), 0o644)
	press(m, keyOf('o'))
	for i := 0; i < 20; i++ {
		press(m, keyOf('↓'))
	}
	typeKeys(m, bad)
	press(m, keyOf('\n'))
	if m.task.dialog == nil || m.sh.status.level != levelError || !strings.Contains(m.sh.status.text, "bad.toml") {
		t.Fatalf("bad file: %q", m.sh.status.text)
	}
}

func TestScanRuns(t *testing.T) {
	root := t.TempDir()
	if e, err := scanRuns(filepath.Join(root, "missing")); err != nil || len(e) != 0 {
		t.Fatalf("a missing runs directory: %v, %v", e, err)
	}
	cfg, _ := presets.Embedded("3bff-small")
	a, err := run.Create(filepath.Join(root, "a"), cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := run.Create(filepath.Join(root, "b"), cfg)
	if err != nil {
		t.Fatal(err)
	}
	b.State.Status = run.StatusFinished
	b.SaveState() // b is the most recent
	os.Mkdir(filepath.Join(root, "not-a-run"), 0o755)
	os.WriteFile(filepath.Join(root, "file"), nil, 0o644)
	os.Mkdir(filepath.Join(root, "damaged"), 0o755)
	os.WriteFile(filepath.Join(root, "damaged", run.ConfigFile), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(root, "damaged", run.StateFile), []byte("{"), 0o644)
	e, err := scanRuns(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(e) != 3 || e[0].name != "b" || e[1].name != "a" || e[2].name != "damaged" || e[2].err == nil {
		t.Fatalf("scan: %+v", e)
	}
	_ = a
	// The Train tab lists them and refuses to open the damaged one with a reason.
	m, _ := New(Options{Preset: "3bff-small", Runs: root, Theme: "dark"})
	d := newDriver(t, m, 100, 30)
	d.keys("2")
	d.until(func() bool { return len(m.train.runs) == 3 }, 5e9, "the runs list")
	v := m.View()
	if !strings.Contains(v, "finished") || !strings.Contains(v, "created") || !strings.Contains(v, "damaged") {
		t.Fatalf("runs list:\n%s", v)
	}
	d.keys("jj\n")
	if m.sh.status.level != levelError || !strings.Contains(m.sh.status.text, "damaged") {
		t.Fatalf("opening a damaged run: %q", m.sh.status.text)
	}
}

// Issue 11, point 7: in the preset list typed letters find a preset by its
// name (they used to move the cursor: j and k), Home and End go to the ends,
// and a typed path goes to the file field.
func TestPresetListTypeAheadAndEnds(t *testing.T) {
	m := newTestModel(t, "3bff-small", 120, 40)
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	m.sh.now = func() time.Time { return now }
	press(m, keyOf('o'))
	names := presets.Names()
	d := m.task.dialog
	at := func(want string) {
		t.Helper()
		if d.onFile() || names[d.cursor] != want {
			got := "the file field"
			if !d.onFile() {
				got = names[d.cursor]
			}
			t.Fatalf("cursor on %s, want %s", got, want)
		}
	}
	first := func(prefix string) string {
		for _, n := range names {
			if strings.HasPrefix(n, prefix) {
				return n
			}
		}
		t.Fatalf("no preset %s*", prefix)
		return ""
	}
	typeKeys(m, "mu")
	at(first("mu"))
	typeKeys(m, "ltitask-n")
	at(first("multitask-n"))
	now = now.Add(2 * time.Second) // a pause starts a new search
	typeKeys(m, "r")
	at(first("r"))
	press(m, keyOfName("home"))
	at(names[0])
	now = now.Add(2 * time.Second)
	typeKeys(m, "jk") // no preset starts with j: the cursor stays
	at(names[0])
	press(m, keyOfName("end"))
	if !d.onFile() {
		t.Fatalf("end: cursor on %s, want the file field", names[d.cursor])
	}
	press(m, keyOfName("home")) // in the file field home is the text's start...
	press(m, keyOf('↑'))        // ...and ↑ leaves it
	press(m, keyOfName("home"))
	at(names[0])
	now = now.Add(2 * time.Second)
	typeKeys(m, "./mine.toml")
	if !d.onFile() || d.input.Value() != "./mine.toml" {
		t.Fatalf("a typed path: file field %v holds %q", d.onFile(), d.input.Value())
	}
}
