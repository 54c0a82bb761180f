package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/ctdtui/ctdtui/presets"
)

// taskTab configures the run: the parameter form on the left, the live
// preview of a sample trial on the right, and the preset load/save dialogs.
type taskTab struct {
	sh     *shared
	keys   taskKeys
	form   *form
	prev   *preview
	dialog *presetDialog // open dialog, or nil
	ck     chartKeys     // the sample trial's panels
	w, h   int
}

// startTrainingMsg asks the Train tab to start a run with the current settings.
type startTrainingMsg struct{}

func newTaskTab(sh *shared) *taskTab {
	t := &taskTab{sh: sh, keys: newTaskKeys(sh.g), ck: newChartKeys(), form: newForm(sh), prev: newPreview(sh)}
	t.prev.update(sh.cfg)
	return t
}

func (t *taskTab) Title() string { return "Task" }

// Focused reports whether a field or dialog is taking every key.
func (t *taskTab) Focused() bool { return t.form.editing || t.dialog != nil }

// formWidth is the form's share of the tab's width.
func (t *taskTab) formWidth() int { return max(40, min(64, t.w*2/5)) }

func (t *taskTab) SetSize(w, h int) {
	t.w, t.h = w, h
	fw := t.formWidth()
	t.form.SetSize(fw, h)
	t.prev.SetSize(max(w-fw-3, 0), h)
	if t.dialog != nil {
		t.dialog.SetSize(max(w-fw-3, 0), h)
	}
}

func (t *taskTab) View() string {
	fw := t.formWidth()
	right := ""
	if t.dialog != nil {
		right = t.dialog.View()
	} else {
		right = t.prev.View()
	}
	sep := " " + t.sh.st.Faint.Render(t.sh.g.vrule) + " "
	return joinColumns(t.h, sep, column{t.form.View(), fw}, column{right, max(t.w-fw-3, 0)})
}

// settingsChanged runs after every edit: rows that apply may differ, the
// preview may need a new sample, and the whole configuration is rechecked
// (a value can be in range yet clash with another, e.g. at the task level).
func (t *taskTab) settingsChanged() {
	t.form.rebuild()
	t.prev.update(t.sh.cfg)
	// Messages about earlier values no longer apply.
	t.sh.clearStatus(statusEdit)
	t.sh.clearStatus(statusSettings)
	if err := t.sh.cfg.Validate(); err != nil {
		t.sh.warnFor(statusSettings, "settings not valid yet: "+err.Error())
	}
}

// loadPreset replaces the settings and the comparison base.
func (t *taskTab) loadPreset(name string, cfg presets.Config) {
	t.sh.cfg, t.sh.base, t.sh.baseName = cfg, cfg, name
	t.form.rebuild()
	t.prev.update(cfg)
	t.sh.good(fmt.Sprintf("loaded preset %s", name))
}

func (t *taskTab) Update(msg tea.Msg) tea.Cmd {
	if mm, ok := msg.(tea.MouseMsg); ok && t.dialog == nil {
		if T := t.prev.steps(); T > 1 && chartMouse(mm, &t.prev.nav, 0, float64(T-1)) {
			t.prev.dirty = true
		}
		return nil
	}
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil
	}
	if t.dialog != nil {
		t.updateDialog(km)
		return nil
	}
	k := t.keys
	f := t.form
	if f.editing {
		switch {
		case key.Matches(km, k.Confirm):
			if f.commitEdit() {
				t.settingsChanged()
			}
		case key.Matches(km, k.Cancel):
			f.editing = false
			t.sh.clearStatus(statusEdit)
		default:
			f.input.key(km.String(), km.Runes)
		}
		return nil
	}
	switch {
	case key.Matches(km, k.Move):
		f.move(direction(km))
	case key.Matches(km, k.Page):
		f.move(direction(km) * max(1, f.listHeight()-1))
	case key.Matches(km, k.Ends):
		f.moveTo(direction(km))
	case key.Matches(km, k.Adjust):
		f.nudge(direction(km), false)
		t.settingsChanged()
	case key.Matches(km, k.Coarse):
		f.nudge(direction(km), true)
		t.settingsChanged()
	case key.Matches(km, k.Edit):
		f.startEdit()
	case key.Matches(km, k.Reset):
		d := f.current()
		if err := d.Set(&t.sh.cfg, d.Get(&t.sh.base)); err != nil {
			t.sh.fail(err)
		}
		t.settingsChanged()
	case key.Matches(km, k.ResetAll):
		t.sh.cfg = t.sh.base
		t.settingsChanged()
		t.sh.info("all settings reset to preset " + t.sh.baseName)
	case key.Matches(km, k.Load):
		t.dialog = newLoadDialog(t.sh)
		t.SetSize(t.w, t.h)
	case key.Matches(km, k.Save):
		t.dialog = newSaveDialog(t.sh)
		t.SetSize(t.w, t.h)
	case key.Matches(km, k.Train):
		return func() tea.Msg { return startTrainingMsg{} }
	case key.Matches(km, k.Rotate):
		t.prev.rotate(15*float64(direction(km)), 0)
	case key.Matches(km, k.Tilt):
		t.prev.rotate(0, 10*float64(direction(km)))
	case key.Matches(km, k.View):
		t.prev.cycleMode()
	default:
		// The sample trial's panels: the chart keys without a cursor
		// (zoom, pan, log y, smoothing).
		if T := t.prev.steps(); T > 1 && chartKey(km, t.ck, &t.prev.nav, 0, float64(T-1), 1, false) {
			t.prev.dirty = true
		}
	}
	return nil
}

func (t *taskTab) updateDialog(km tea.KeyMsg) {
	res := t.dialog.key(km, t.keys)
	switch res.action {
	case dialogClose:
		t.dialog = nil
	case dialogLoaded:
		t.dialog = nil
		t.loadPreset(res.name, res.cfg)
	case dialogSaved:
		t.dialog = nil
		t.sh.cfg.Name = res.cfg.Name
		t.sh.base, t.sh.baseName = t.sh.cfg, res.name
		t.form.rebuild()
		t.sh.good("saved preset " + res.name)
	}
}

// ShortHelp is the footer for the tab's current state.
func (t *taskTab) ShortHelp() []key.Binding {
	k := t.keys
	switch {
	case t.dialog != nil:
		return t.dialog.help(k)
	case t.form.editing:
		return []key.Binding{k.Confirm, k.Cancel}
	}
	return []key.Binding{k.Move, k.Adjust, k.Edit, k.Train, k.Load, k.Save, k.Coarse}
}

func (t *taskTab) FullHelp() [][]key.Binding {
	k := t.keys
	if t.dialog != nil || t.form.editing {
		return [][]key.Binding{t.ShortHelp()}
	}
	view := []key.Binding{k.Rotate, k.Tilt, k.View}
	if !t.prev.cubeOK() {
		view = nil
	}
	c := t.ck
	return [][]key.Binding{
		{k.Move, k.Page, k.Ends},
		{k.Adjust, k.Coarse, k.Edit, k.Reset, k.ResetAll},
		{k.Load, k.Save, k.Train},
		view,
		{c.Zoom, c.Pan, c.ResetView, c.LogY, c.Smooth},
	}
}

// describeConfig is a one-line summary of a configuration.
func describeConfig(c presets.Config) string {
	var parts []string
	if task, err := c.BuildTask(); err == nil {
		parts = append(parts, task.Summary())
	} else {
		parts = append(parts, string(c.Task.Kind))
	}
	parts = append(parts, fmt.Sprintf("%s %d", c.Model.Kind, c.Model.Latent),
		fmt.Sprintf("%d trials", c.Task.Samples),
		fmt.Sprintf("batch %d", c.Train.Batch),
		fmt.Sprintf("lr %g", c.Train.LR))
	return strings.Join(parts, " · ")
}
