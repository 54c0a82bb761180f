package ui

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/ctdtui/ctdtui/presets"
	"github.com/ctdtui/ctdtui/run"
)

// presetDialog replaces the preview while a preset is being loaded or saved.
// Loading lists the embedded presets and, last, a path field for a TOML file;
// saving asks for a path. Both take every key while open.
type presetDialog struct {
	sh     *shared
	saving bool
	names  []string
	cursor int // load: index into names, len(names) = the file field
	input  lineInput
	// overwrite is the path the user was warned about; Enter again confirms.
	overwrite string
	// typed is the type-ahead search in the preset list, typedAt when it
	// was last extended (a pause starts a new search).
	typed   string
	typedAt time.Time
	w, h    int
}

type dialogAction int

const (
	dialogNone dialogAction = iota
	dialogClose
	dialogLoaded
	dialogSaved
)

type dialogResult struct {
	action dialogAction
	name   string
	cfg    presets.Config
}

func newLoadDialog(sh *shared) *presetDialog {
	d := &presetDialog{sh: sh, names: presets.Names()}
	for i, n := range d.names {
		if n == sh.baseName {
			d.cursor = i
		}
	}
	return d
}

func newSaveDialog(sh *shared) *presetDialog {
	name := sh.cfg.Name
	if name == "" {
		name = "preset"
	}
	return &presetDialog{sh: sh, saving: true, input: newLineInput(name+".toml", false)}
}

func (d *presetDialog) SetSize(w, h int) {
	d.w, d.h = w, h
}

func (d *presetDialog) onFile() bool { return !d.saving && d.cursor == len(d.names) }

func (d *presetDialog) help(k taskKeys) []key.Binding {
	if d.saving {
		return []key.Binding{k.DialogSave, k.Cancel}
	}
	return []key.Binding{k.DialogMove, k.DialogPick, k.Cancel}
}

func (d *presetDialog) key(km tea.KeyMsg, k taskKeys) dialogResult {
	if key.Matches(km, k.Cancel) {
		return dialogResult{action: dialogClose}
	}
	if d.saving {
		if key.Matches(km, k.Confirm) {
			return d.save()
		}
		d.overwrite = ""
		d.input.key(km.String(), km.Runes)
		return dialogResult{}
	}
	if key.Matches(km, k.Confirm) {
		if d.onFile() {
			path := strings.TrimSpace(d.input.Value())
			if path == "" {
				d.sh.warn("type the path of a TOML preset file")
				return dialogResult{}
			}
			cfg, err := presets.LoadFile(path)
			if err != nil {
				d.sh.fail(err)
				return dialogResult{}
			}
			return dialogResult{action: dialogLoaded, name: path, cfg: cfg}
		}
		name := d.names[d.cursor]
		cfg, err := presets.Embedded(name)
		if err != nil {
			d.sh.fail(err)
			return dialogResult{}
		}
		return dialogResult{action: dialogLoaded, name: name, cfg: cfg}
	}
	// In the file field, letters are text ("j" and "k" included); only the
	// arrows leave it.
	if d.onFile() && km.String() != "up" && km.String() != "down" {
		d.input.key(km.String(), km.Runes)
		return dialogResult{}
	}
	if km.Type == tea.KeyRunes && !km.Alt {
		d.typeAhead(string(km.Runes))
		return dialogResult{}
	}
	d.typed = ""
	switch km.String() {
	case "home":
		d.cursor = 0
	case "end":
		d.cursor = len(d.names) // the file field
	case "pgup":
		d.cursor = max(0, d.cursor-10)
	case "pgdown":
		d.cursor = min(len(d.names), d.cursor+10)
	default:
		if key.Matches(km, k.DialogMove) {
			d.cursor = max(0, min(len(d.names), d.cursor+direction(km)))
		}
	}
	return dialogResult{}
}

// typeAheadPause ends a type-ahead search.
const typeAheadPause = time.Second

// typeAhead moves the cursor to the first preset whose name starts with what
// was typed (as file managers do); a path ("./", "/", "~") goes to the file
// field. Letters no preset starts with leave the cursor where it is.
func (d *presetDialog) typeAhead(text string) {
	now := d.sh.now()
	if now.Sub(d.typedAt) > typeAheadPause {
		d.typed = ""
	}
	d.typedAt = now
	if d.typed == "" && strings.ContainsAny(text[:1], "./~") {
		d.cursor = len(d.names)
		d.input = newLineInput(text, false)
		return
	}
	d.typed += strings.ToLower(text)
	for i, n := range d.names {
		if strings.HasPrefix(strings.ToLower(n), d.typed) {
			d.cursor = i
			return
		}
	}
	d.sh.info(fmt.Sprintf("no preset starts with %q (end: a TOML file)", d.typed))
	d.typed = d.typed[:len(d.typed)-len(text)]
}

// save writes the current settings as a preset file named after the path
// (the preset's name is the file's base name). An existing file is only
// replaced after a second Enter.
func (d *presetDialog) save() dialogResult {
	path := strings.TrimSpace(d.input.Value())
	if path == "" {
		d.sh.warn("type a file name, e.g. mine.toml")
		return dialogResult{}
	}
	if !strings.HasSuffix(path, ".toml") {
		path += ".toml"
	}
	if _, err := os.Stat(path); err == nil && d.overwrite != path {
		d.overwrite = path
		d.sh.warn(path + " exists: press enter again to replace it, esc to cancel")
		return dialogResult{}
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		d.sh.fail(err)
		return dialogResult{}
	}
	cfg := d.sh.cfg
	cfg.Name = strings.TrimSuffix(filepath.Base(path), ".toml")
	if err := cfg.Validate(); err != nil {
		d.sh.fail(fmt.Errorf("not saved: %w", err))
		return dialogResult{}
	}
	data, err := cfg.Encode()
	if err == nil {
		if dir := filepath.Dir(path); dir != "." {
			err = os.MkdirAll(dir, 0o755)
		}
	}
	if err == nil {
		err = run.WriteFileAtomic(path, data)
	}
	if err != nil {
		d.sh.fail(err)
		return dialogResult{}
	}
	return dialogResult{action: dialogSaved, name: path, cfg: cfg}
}

func (d *presetDialog) View() string {
	st, g := d.sh.st, d.sh.g
	var lines []string
	if d.saving {
		lines = append(lines, st.Header.Render("Save the settings as a preset"), "",
			st.Muted.Render("File (TOML; the preset is named after it):"),
			st.Accent.Render("> ")+d.input.View(d.w-2, st.Input, st.InputCursor), "")
		for _, l := range wrap("Load it later with o, or use it headless: ctdtui train --preset FILE.toml", d.w) {
			lines = append(lines, st.Faint.Render(l))
		}
		return fitBlock(strings.Join(lines, "\n"), d.w, d.h)
	}
	lines = append(lines, st.Header.Render("Load a preset"), "")
	nameW := 0
	for _, n := range d.names {
		nameW = max(nameW, len(n))
	}
	// Keep the cursor visible when there are more presets than lines; the
	// selected preset's description is shown whole below the list.
	avail := max(1, d.h-10)
	first := max(0, min(d.cursor-avail+1, len(d.names)-avail))
	descW := d.w - nameW - 4
	for i := first; i < len(d.names) && i < first+avail; i++ {
		n := d.names[i]
		marker, style := "  ", st.Text
		if i == d.cursor {
			marker, style = g.right+" ", st.Cursor
			if g.ascii {
				marker = "> "
			}
		}
		line := style.Render(marker + padRight(n, nameW))
		if descW >= 24 {
			cfg, _ := presets.Embedded(n)
			line += "  " + st.Muted.Render(truncate(cfg.Description, descW, g.ellipsis))
		}
		lines = append(lines, line)
	}
	if !d.onFile() {
		cfg, _ := presets.Embedded(d.names[d.cursor])
		lines = append(lines, "")
		desc := wrap(describeConfig(cfg)+". "+cfg.Description, d.w)
		for _, l := range desc[:min(len(desc), 4)] {
			lines = append(lines, st.Faint.Render(l))
		}
	}
	lines = append(lines, "")
	fileLabel := "  a TOML file:"
	if d.onFile() {
		fileLabel = st.Cursor.Render(g.right + " a TOML file:")
		if g.ascii {
			fileLabel = st.Cursor.Render("> a TOML file:")
		}
	}
	field := st.Faint.Render("path/to/preset.toml")
	if d.onFile() || d.input.Value() != "" {
		field = d.input.View(d.w-4, st.Input, st.InputCursor)
	}
	lines = append(lines, fileLabel, "  "+field)
	return fitBlock(strings.Join(lines, "\n"), d.w, d.h)
}
