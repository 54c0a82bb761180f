package ui

import (
	"fmt"
	"math"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/ctdtui/ctdtui/presets"
)

// form is the Task tab's list of parameters, one keyboard slider per numeric
// parameter and a cycling choice per Choice parameter. It is generic over
// presets.Definitions: the rows shown are the definitions that apply to the
// current task and model, grouped by the key's first component.
type form struct {
	sh     *shared
	rows   []formRow
	cursor int // index into rows; always a parameter row
	offset int // first row shown
	w, h   int

	// editing is true while a value is being typed into input.
	editing bool
	input   lineInput
}

type formRow struct {
	header string // a section title row when non-empty
	def    presets.Def
}

var sectionTitles = map[string]string{"task": "Task", "model": "Model", "train": "Training"}

func newForm(sh *shared) *form {
	f := &form{sh: sh}
	f.rebuild()
	return f
}

// rebuild recomputes the visible rows (what applies depends on the task and
// model kinds) keeping the cursor on the same parameter when it is still shown.
func (f *form) rebuild() {
	key := ""
	if f.cursor < len(f.rows) {
		key = f.rows[f.cursor].def.Key
	}
	f.rows = f.rows[:0]
	section := ""
	for _, d := range presets.Definitions() {
		if d.Applies != nil && !d.Applies(&f.sh.cfg) {
			continue
		}
		sec, _, _ := strings.Cut(d.Key, ".")
		if sec != section {
			section = sec
			title := sectionTitles[sec]
			if title == "" {
				title = sec
			}
			f.rows = append(f.rows, formRow{header: title})
		}
		f.rows = append(f.rows, formRow{def: d})
	}
	f.cursor = -1
	for i, r := range f.rows {
		if r.header == "" && r.def.Key == key {
			f.cursor = i
			break
		}
	}
	if f.cursor < 0 {
		f.cursor = f.nextParam(0, 1)
	}
	f.scroll()
}

func (f *form) current() presets.Def { return f.rows[f.cursor].def }

// nextParam returns the first parameter row at or after i going in dir.
func (f *form) nextParam(i, dir int) int {
	for ; i >= 0 && i < len(f.rows); i += dir {
		if f.rows[i].header == "" {
			return i
		}
	}
	return -1
}

// move moves the cursor by n parameters (clamped).
func (f *form) move(n int) {
	dir := 1
	if n < 0 {
		dir, n = -1, -n
	}
	for ; n > 0; n-- {
		next := f.nextParam(f.cursor+dir, dir)
		if next < 0 {
			break
		}
		f.cursor = next
	}
	f.scroll()
}

func (f *form) moveTo(end int) {
	if end < 0 {
		f.cursor = f.nextParam(0, 1)
	} else {
		f.cursor = f.nextParam(len(f.rows)-1, -1)
	}
	f.scroll()
}

// scroll keeps the cursor (and its section title when it is the first row of
// a section) inside the window.
func (f *form) scroll() {
	h := f.listHeight()
	if h <= 0 {
		return
	}
	top := f.cursor
	if top > 0 && f.rows[top-1].header != "" {
		top--
	}
	if top < f.offset {
		f.offset = top
	}
	if f.cursor >= f.offset+h {
		f.offset = f.cursor - h + 1
	}
	f.offset = max(0, min(f.offset, len(f.rows)-h))
}

func (f *form) SetSize(w, h int) {
	f.w, f.h = w, h
	f.scroll()
}

// formHelpLines is how many lines the focused parameter's description takes.
const formHelpLines = 3

func (f *form) listHeight() int { return f.h - 1 - formHelpLines - 1 }

// changed reports whether parameter d differs from the preset.
func (f *form) changed(d presets.Def) bool {
	if d.Applies != nil && !d.Applies(&f.sh.base) && !d.Applies(&f.sh.cfg) {
		return false
	}
	return d.Get(&f.sh.cfg) != d.Get(&f.sh.base)
}

// changedCount counts the shown parameters that differ from the preset.
func (f *form) changedCount() int {
	n := 0
	for _, r := range f.rows {
		if r.header == "" && f.changed(r.def) {
			n++
		}
	}
	return n
}

// column widths of a parameter row.
const (
	formNameW  = 16
	formValueW = 10
)

func (f *form) View() string {
	st, g := f.sh.st, f.sh.g
	var lines []string

	name := f.sh.baseName
	head := st.Header.Render("Preset ") + st.Text.Render(name)
	if n := f.changedCount(); n > 0 {
		head += st.Changed.Render(fmt.Sprintf("  %s %d changed", g.changed, n))
	}
	lines = append(lines, head)

	h := f.listHeight()
	barW := min(24, f.w-2-formNameW-1-formValueW-3)
	for i := f.offset; i < min(len(f.rows), f.offset+h); i++ {
		lines = append(lines, f.rowView(i, barW))
	}
	for len(lines) < 1+h {
		lines = append(lines, "")
	}
	// Where the cursor is, and which way the list scrolls, on the header's right.
	if f.offset > 0 || f.offset+h < len(f.rows) {
		hint := fmt.Sprintf("%d/%d ", f.paramIndex()+1, f.paramCount())
		if f.offset > 0 {
			hint += g.up
		}
		if f.offset+h < len(f.rows) {
			hint += g.down
		}
		if ansi.StringWidth(lines[0])+ansi.StringWidth(hint)+1 <= f.w {
			lines[0] = fitLine(lines[0], f.w-ansi.StringWidth(hint)) + st.Faint.Render(hint)
		}
	}
	lines = append(lines, st.Faint.Render(strings.Repeat(g.hrule, max(f.w, 0))))
	lines = append(lines, f.describe()...)
	return fitBlock(strings.Join(lines, "\n"), f.w, f.h)
}

func (f *form) paramIndex() int {
	n := 0
	for i := 0; i < f.cursor; i++ {
		if f.rows[i].header == "" {
			n++
		}
	}
	return n
}

func (f *form) paramCount() int {
	n := 0
	for _, r := range f.rows {
		if r.header == "" {
			n++
		}
	}
	return n
}

func (f *form) rowView(i, barW int) string {
	st, g := f.sh.st, f.sh.g
	r := f.rows[i]
	if r.header != "" {
		return st.Header.Render(r.header)
	}
	d := r.def
	focused := i == f.cursor
	label := d.Key[strings.LastIndex(d.Key, ".")+1:]
	marker := "  "
	nameStyle := st.Text
	if focused {
		marker = st.Cursor.Render(g.right + " ")
		if g.ascii {
			marker = st.Cursor.Render("> ")
		}
		nameStyle = st.Cursor
	}
	out := marker + nameStyle.Render(padRight(truncate(label, formNameW, g.ellipsis), formNameW)) + " "

	changed := f.changed(d)
	valStyle := st.Text
	if changed {
		valStyle = st.Changed
	}
	mark := "  "
	if changed {
		mark = " " + st.Changed.Render(g.changed)
	}

	if focused && f.editing {
		w := max(barW, 0) + 1 + formValueW
		return out + f.input.View(w, st.Input, st.InputCursor) + mark
	}

	value := d.Get(&f.sh.cfg)
	if d.Type == presets.Floats { // typed numbers: no slider
		w := max(barW, 0) + 1 + formValueW
		return out + valStyle.Render(padLeft(truncate(value, w, g.ellipsis), w)) + mark
	}
	if d.Type == presets.Choice {
		choice := g.left + " " + value + " " + g.right
		if !focused {
			choice = "  " + value
		}
		w := max(barW, 0) + 1 + formValueW
		return out + valStyle.Render(padRight(truncate(choice, w, g.ellipsis), w)) + mark
	}
	bar := ""
	if barW >= 4 {
		bar = f.slider(d, barW, focused) + " "
	}
	return out + bar + valStyle.Render(padLeft(truncate(value, formValueW, g.ellipsis), formValueW)) + mark
}

// sliderPos is where a value sits between its bounds, in [0, 1]; log
// parameters are placed on a log scale (zero sits at the left end).
func sliderPos(d presets.Def, v float64) float64 {
	lo, hi := d.Min, d.Max
	if d.Log {
		if lo <= 0 {
			lo = hi * 1e-12
		}
		if v <= 0 {
			return 0
		}
		v, lo, hi = math.Log(v), math.Log(lo), math.Log(hi)
	}
	if !(hi > lo) || math.IsNaN(v) {
		return 0
	}
	return math.Min(1, math.Max(0, (v-lo)/(hi-lo)))
}

func (f *form) slider(d presets.Def, w int, focused bool) string {
	st, g := f.sh.st, f.sh.g
	pos := sliderPos(d, d.Value(&f.sh.cfg))
	k := int(math.Round(pos * float64(w-1)))
	fill := st.Muted
	if focused {
		fill = st.Accent
	}
	return fill.Render(strings.Repeat(g.barFull, k)) + fill.Render(g.knob) + st.Faint.Render(strings.Repeat(g.barEmpty, w-1-k))
}

// describe is the focused parameter's key, bounds, steps and help.
func (f *form) describe() []string {
	st := f.sh.st
	d := f.current()
	var facts string
	switch d.Type {
	case presets.Choice:
		facts = "one of " + strings.Join(d.Choices, ", ")
	case presets.Floats:
		n := "numbers"
		if d.Len > 0 {
			n = fmt.Sprintf("%d numbers", d.Len)
		}
		facts = fmt.Sprintf("%s, comma-separated, each in %s … %s; enter to type", n, fmtBound(d.Min), fmtBound(d.Max))
	default:
		facts = fmt.Sprintf("%s … %s", fmtBound(d.Min), fmtBound(d.Max))
		if d.Log {
			facts += fmt.Sprintf(", ×%s (shift ×%s)", fmtBound(d.Step), fmtBound(d.Coarse))
		} else {
			facts += fmt.Sprintf(", step %s (shift %s)", fmtBound(d.Step), fmtBound(d.Coarse))
		}
	}
	if f.sh.g.ascii {
		facts = strings.ReplaceAll(strings.ReplaceAll(facts, "…", ".."), "×", "x")
	}
	first := st.Bold.Render(d.Key) + "  " + st.Muted.Render(facts)
	text := d.Help
	if f.changed(d) {
		text += fmt.Sprintf(" (preset: %s)", d.Get(&f.sh.base))
	}
	lines := []string{first}
	for _, l := range wrap(text, f.w) {
		lines = append(lines, st.Muted.Render(l))
	}
	return lines[:min(len(lines), formHelpLines)]
}

func fmtBound(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e7 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%g", v)
}

// truncateLeft keeps the last w cells of s (the end of a long typed value).
func truncateLeft(s string, w int) string {
	r := []rune(s)
	if len(r) <= w {
		return s
	}
	return string(r[len(r)-w:])
}

// nudge moves the focused slider; it reports a message when the value is
// pinned at a bound.
func (f *form) nudge(dir int, coarse bool) {
	d := f.current()
	before := d.Get(&f.sh.cfg)
	d.Nudge(&f.sh.cfg, dir, coarse)
	if d.Type == presets.Floats {
		f.sh.info(fmt.Sprintf("%s takes typed values: press enter", d.Key))
		return
	}
	if d.Get(&f.sh.cfg) == before && d.Type != presets.Choice {
		bound, v := "maximum", d.Max
		if dir < 0 {
			bound, v = "minimum", d.Min
		}
		f.sh.info(fmt.Sprintf("%s is at its %s, %s", d.Key, bound, fmtBound(v)))
	}
}

// startEdit opens the focused parameter for typing, its value selected.
func (f *form) startEdit() {
	f.editing = true
	f.input = newLineInput(f.current().Get(&f.sh.cfg), true)
}

// commitEdit applies the typed value. A value the definition refuses (not a
// number, out of range) leaves the field open with the reason in the status
// line.
func (f *form) commitEdit() bool {
	d := f.current()
	if err := d.Set(&f.sh.cfg, f.input.Value()); err != nil {
		f.sh.failFor(statusEdit, err)
		return false
	}
	f.sh.clearStatus(statusEdit)
	f.editing = false
	return true
}
