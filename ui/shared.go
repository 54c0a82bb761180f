package ui

import (
	"fmt"
	"time"

	"github.com/ctdtui/ctdtui/presets"
)

// shared is the context every tab holds a pointer to: theme, glyphs, the
// settings being edited and the status line. Only the UI goroutine touches it.
type shared struct {
	st      *Styles
	g       glyphs
	runsDir string

	// cfg is the settings the Task tab edits and the Train tab starts runs
	// with; base is the preset they are compared with, loaded from baseName.
	cfg      presets.Config
	base     presets.Config
	baseName string

	status status
	now    func() time.Time // the clock; tests replace it

	// runs is the latest scan of runsDir; store holds the runs opened for
	// analysis; focus is the run, phase and trial the Trials and Analysis
	// tabs show.
	runs  []runEntry
	store *runStore
	focus runFocus
	// fp is the fixed-point finder's settings (the Analysis tab's sliders;
	// the Compare tab counts both runs' points with them, inputs at zero).
	fp fpSettings
}

// runFocus is what the Trials and Analysis tabs look at: picking a run or a
// trial in one shows it in the other.
type runFocus struct {
	dir   string
	phase string // "val" or "train"
	cursor
}

// cursor is a trial (an index into the phase's trials) and the Trials tab's
// time step in it.
type cursor struct {
	trial int
	step  int
}

// status is the message shown in the status line.
type status struct {
	text  string
	level statusLevel
	seq   int // bumped on every message, so a timed clear only clears its own
	// source names what a message is about when it stops applying at a
	// known moment (statusEdit, statusSettings): clearStatus(source) then
	// removes it, so that an error never outlives its cause.
	source string
}

// Sources of status messages that clear themselves.
const (
	statusEdit     = "edit"     // a typed value refused: until the edit ends or the settings change
	statusSettings = "settings" // the settings as a whole are invalid: until they are valid
)

type statusLevel int

const (
	levelInfo statusLevel = iota
	levelGood
	levelWarn
	levelError
)

func (s *shared) setStatus(level statusLevel, text string) {
	s.status = status{text: text, level: level, seq: s.status.seq + 1}
}

func (s *shared) info(text string) { s.setStatus(levelInfo, text) }
func (s *shared) good(text string) { s.setStatus(levelGood, text) }
func (s *shared) warn(text string) { s.setStatus(levelWarn, text) }
func (s *shared) fail(err error)   { s.setStatus(levelError, err.Error()) }

// failFor and warnFor show a message that clearStatus(source) removes.
func (s *shared) failFor(source string, err error) {
	s.setStatus(levelError, err.Error())
	s.status.source = source
}

func (s *shared) warnFor(source, text string) {
	s.setStatus(levelWarn, text)
	s.status.source = source
}

// clearStatus removes the status message if it came from source.
func (s *shared) clearStatus(source string) {
	if s.status.source == source && s.status.text != "" {
		s.status = status{seq: s.status.seq + 1}
	}
}

// focusKey identifies the data the focused run and phase call for (the run,
// the epoch of its loaded model and the phase), or "" when no run is loaded:
// a result computed for another key is stale.
func (sh *shared) focusKey() string {
	f := sh.focus
	if f.dir == "" {
		return ""
	}
	e := sh.store.entries[f.dir]
	if e == nil || e.sess == nil {
		return ""
	}
	return fmt.Sprintf("%s|%d|%s", f.dir, e.epoch, f.phase)
}
