package ui

import (
	"context"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
)

// runStore opens saved runs in the background and keeps them, one analysis
// session per run directory, so that the Trials, Analysis and Compare tabs
// share one loaded model, one seeded inference per phase and one cache of
// results: going back to a tab or a run is instant. Only the UI goroutine
// touches it.
type runStore struct {
	entries map[string]*storeEntry
	// open is overridable by tests (e.g. to make a load slow or fail).
	openFn func(ctx context.Context, dir string) (*session, error)
}

// storeEntry is one run: loading (work set), loaded (sess set) or failed.
type storeEntry struct {
	dir   string
	epoch int // the saved epoch it was opened at (-1: whatever was saved)
	sess  *session
	err   error
	work  *work[*session]
}

// runOpenedMsg says that a run finished loading (or failed to); the tabs
// waiting for it look again. warnings are what the run's model was loaded
// without (a damaged history.csv or state.json).
type runOpenedMsg struct {
	dir      string
	warnings []string
}

func newRunStore() *runStore {
	return &runStore{entries: map[string]*storeEntry{},
		openFn: func(_ context.Context, dir string) (*session, error) { return openSession(dir) }}
}

// open returns the entry for dir, starting to load it when it is not loaded
// or was loaded at another epoch than the one now saved (a run that trained
// on). epoch < 0 accepts any loaded version, and a failed load: a failure is
// kept (and shown) until the run is opened again with its epoch, or picked
// again (retry), never retried on its own, which would load it for ever.
func (s *runStore) open(dir string, epoch int) (*storeEntry, tea.Cmd) {
	e := s.entries[dir]
	switch {
	case e == nil:
	case e.work != nil:
		return e, nil
	case e.sess != nil && (epoch < 0 || e.epoch == epoch):
		return e, nil
	case e.err != nil && epoch < 0:
		return e, nil
	}
	e = &storeEntry{dir: dir, epoch: epoch}
	s.entries[dir] = e
	open := s.openFn
	e.work = startWork("open "+dir, "loading the run", func(ctx context.Context, _ func(float64, string)) (*session, error) {
		return open(ctx, dir)
	})
	return e, e.work.poll()
}

// retry forgets a failed load of dir, so that the next open tries again (the
// user picked the run again, perhaps after repairing it).
func (s *runStore) retry(dir string) {
	if e := s.entries[dir]; e != nil && e.err != nil {
		delete(s.entries, dir)
	}
}

// get returns the loaded session for dir, or nil.
func (s *runStore) get(dir string) *session {
	if e := s.entries[dir]; e != nil {
		return e.sess
	}
	return nil
}

// onWork takes the store's own work messages; it reports whether msg was one.
func (s *runStore) onWork(msg workMsg) (bool, tea.Cmd) {
	for _, e := range s.entries {
		if e.work == nil || e.work.bgWork != msg.w {
			continue
		}
		if !msg.done {
			return true, msg.w.poll()
		}
		w := e.work
		e.work = nil
		var warnings []string
		if sess, err := w.result(); err != nil {
			e.err = err
		} else {
			e.sess = sess
			if e.epoch < 0 {
				e.epoch = e.sess.Run.Epoch
			}
			warnings = e.sess.Run.Warnings
		}
		dir := e.dir
		return true, func() tea.Msg { return runOpenedMsg{dir: dir, warnings: warnings} }
	}
	// A load replaced by a newer one: let it finish unseen.
	return strings.HasPrefix(msg.w.key, "open "), nil
}
