package ui

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync/atomic"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// Background work, in two layers:
//
//   - work[T] is one long computation (loading a run, running a model over a
//     phase, a PCA, the fixed-point finder, a comparison) in its own
//     goroutine. Like a training job it never touches the UI's state: it
//     reports its progress (the latest wins) through a channel and its typed
//     result once, and the UI drains both on the poll tick.
//   - bg[T] is a tab's bookkeeping for one kind of result: the value it shows
//     and the key of the settings it was computed for, the work computing the
//     next one, and the last error with its key. Every tab (and the run store)
//     uses it, so no tab repeats the value/work/error/key juggling or unpacks
//     an untyped result.
//
// Each work carries the key of the settings it computes for; a bg keeps a
// result only if that key is still the tab's current one, so a result that
// arrives after the user changed the settings (or cancelled) is dropped.

// bgWork is the untyped core of a work: what the poll message carries, what
// the progress views read, and the cancel.
type bgWork struct {
	id       uint64
	key      string // what it computes: a tab drops a result whose key is not current
	what     string // for the progress line, e.g. "finding fixed points"
	cancel   context.CancelFunc
	prog     chan workProgress
	finished chan struct{} // closed once the result is set
	started  time.Time
	last     workProgress // the latest progress seen by the UI (UI goroutine only)
}

// workProgress is a fraction done in [0, 1] (negative when unknown) and a
// short description of the stage.
type workProgress struct {
	frac float64
	text string
}

// work is a bgWork with its typed result, set (before finished is closed) by
// the work's goroutine.
type work[T any] struct {
	*bgWork
	val T
	err error
}

// workMsg is one drain of a work's channels: the latest progress, and
// whether it has finished (its result is then read from the typed work).
type workMsg struct {
	w    *bgWork
	prog *workProgress
	done bool
}

var workIDs atomic.Uint64

// startWork runs fn in a goroutine. fn reports progress through report
// (cheap, never blocks) and must return promptly once ctx is cancelled. A
// panic in fn is recovered and returned as an error.
func startWork[T any](key, what string, fn func(ctx context.Context, report func(frac float64, text string)) (T, error)) *work[T] {
	ctx, cancel := context.WithCancel(context.Background())
	w := &work[T]{bgWork: &bgWork{id: workIDs.Add(1), key: key, what: what, cancel: cancel,
		prog: make(chan workProgress, 1), finished: make(chan struct{}), started: time.Now()}}
	report := func(frac float64, text string) {
		p := workProgress{frac: frac, text: text}
		for {
			select {
			case w.prog <- p:
				return
			default:
			}
			select { // drop the unread older report
			case <-w.prog:
			default:
			}
		}
	}
	go func() {
		defer cancel()
		defer close(w.finished)
		defer func() {
			if p := recover(); p != nil {
				var zero T
				w.val, w.err = zero, fmt.Errorf("internal error while %s: %v\n%s", what, p, debug.Stack())
			}
		}()
		w.val, w.err = fn(ctx, report)
	}()
	return w
}

// poll drains the work after pollInterval.
func (w *bgWork) poll() tea.Cmd {
	return tea.Tick(pollInterval, func(time.Time) tea.Msg { return w.drain() })
}

// drain collects the latest progress and whether the work is done.
func (w *bgWork) drain() workMsg {
	m := workMsg{w: w}
	select {
	case p := <-w.prog:
		m.prog = &p
	default:
	}
	select {
	case <-w.finished:
		m.done = true
	default:
	}
	return m
}

// result is the work's outcome; only valid once it has finished.
func (w *work[T]) result() (T, error) { return w.val, w.err }

// wait blocks until the work is done and returns its outcome (tests).
func (w *work[T]) wait() (T, error) {
	<-w.finished
	return w.val, w.err
}

// workOutcome is what a poll message did to a bg.
type workOutcome int

const (
	workNotMine workOutcome = iota // another work's message
	workPending                    // still running: the returned command polls again
	workArrived                    // the value for the current key is now shown
	workFailed                     // it failed; the error is kept with its key
	workStale                      // it finished for a key no longer current: dropped
)

// bg is a tab's bookkeeping of one kind of background result.
type bg[T any] struct {
	val  T
	valK string // the key val was computed for; "" when there is none
	work *work[T]
	err  error
	errK string
}

// get returns the value computed for key, if any.
func (b *bg[T]) get(key string) (T, bool) {
	if key != "" && b.valK == key {
		return b.val, true
	}
	var zero T
	return zero, false
}

// failed returns the error of the last work for key, if it failed.
func (b *bg[T]) failed(key string) error {
	if key != "" && b.errK == key {
		return b.err
	}
	return nil
}

// running is the work in progress, or nil.
func (b *bg[T]) running() *bgWork {
	if b.work == nil {
		return nil
	}
	return b.work.bgWork
}

// busy reports whether the work in progress computes key.
func (b *bg[T]) busy(key string) bool { return b.work != nil && b.work.key == key }

// settled reports whether nothing needs starting for key: its value is
// there, it is being computed, or it failed (a failure is not retried on its
// own; forget or start retries it).
func (b *bg[T]) settled(key string) bool {
	_, ok := b.get(key)
	return ok || b.busy(key) || (key != "" && b.errK == key)
}

// start cancels any work in progress and computes key with fn.
func (b *bg[T]) start(key, what string, fn func(ctx context.Context, report func(frac float64, text string)) (T, error)) tea.Cmd {
	b.cancel()
	if b.errK == key {
		b.err, b.errK = nil, ""
	}
	b.work = startWork(key, what, fn)
	return b.work.poll()
}

// cancel stops the work in progress (its result, should it still arrive,
// is ignored) and reports whether there was one.
func (b *bg[T]) cancel() bool {
	if b.work == nil {
		return false
	}
	b.work.cancel()
	b.work = nil
	return true
}

// set shows v for key (a result found in a cache).
func (b *bg[T]) set(key string, v T) { b.val, b.valK = v, key }

// fail records err for key: settled(key) then holds until forget or start.
func (b *bg[T]) fail(key string, err error) { b.err, b.errK = err, key }

// forget drops the error, so that the next ensure retries.
func (b *bg[T]) forget() { b.err, b.errK = nil, "" }

// take applies a poll message. current is the key the tab wants now: a
// result for another key is dropped (an error is kept with its own key).
func (b *bg[T]) take(msg workMsg, current string) (workOutcome, tea.Cmd) {
	if b.work == nil || msg.w != b.work.bgWork {
		return workNotMine, nil
	}
	if !msg.done {
		return workPending, msg.w.poll()
	}
	w := b.work
	b.work = nil
	v, err := w.result()
	switch {
	case err != nil:
		b.err, b.errK = err, w.key
		return workFailed, nil
	case w.key != current:
		return workStale, nil
	}
	b.val, b.valK = v, w.key
	return workArrived, nil
}

// firstLine is an error's first line: a recovered panic carries its stack
// after it, which belongs in a log, not in the status line.
func firstLine(err error) string {
	s := err.Error()
	for i, r := range s {
		if r == '\n' {
			return s[:i]
		}
	}
	return s
}
