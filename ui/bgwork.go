package ui

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync/atomic"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// bgWork is one long computation (loading a run, running a model over a
// phase, a PCA, the fixed-point finder, a comparison) in its own goroutine.
// Like a training job it never touches the UI's state: it reports its
// progress (the latest wins) and its result through channels that the UI
// drains on the poll tick, so a computation can be cancelled, and a result
// nobody waits for any more (cancelled, or computed for settings changed
// meanwhile) is dropped by the tab that started it: the tab compares the
// work's key with the key of its current settings.
type bgWork struct {
	id      uint64
	key     string // what it computes: a tab drops a result whose key is not current
	what    string // for the progress line, e.g. "finding fixed points"
	cancel  context.CancelFunc
	prog    chan workProgress
	done    chan workResult
	started time.Time
	last    workProgress // the latest progress seen by the UI (UI goroutine only)
}

// workProgress is a fraction done in [0, 1] (negative when unknown) and a
// short description of the stage.
type workProgress struct {
	frac float64
	text string
}

type workResult struct {
	val any
	err error
}

// workMsg is one drain of a bgWork's channels: the latest progress, and the
// result once it is done.
type workMsg struct {
	w    *bgWork
	prog *workProgress
	res  *workResult
}

var workIDs atomic.Uint64

// startWork runs fn in a goroutine. fn reports progress through report
// (cheap, never blocks) and must return promptly once ctx is cancelled. A
// panic in fn is recovered and returned as an error.
func startWork(key, what string, fn func(ctx context.Context, report func(frac float64, text string)) (any, error)) *bgWork {
	ctx, cancel := context.WithCancel(context.Background())
	w := &bgWork{id: workIDs.Add(1), key: key, what: what, cancel: cancel,
		prog: make(chan workProgress, 1), done: make(chan workResult, 1), started: time.Now()}
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
		var res workResult
		func() {
			defer func() {
				if p := recover(); p != nil {
					res = workResult{err: fmt.Errorf("internal error while %s: %v\n%s", what, p, debug.Stack())}
				}
			}()
			v, err := fn(ctx, report)
			res = workResult{val: v, err: err}
		}()
		w.done <- res
	}()
	return w
}

// poll drains the work after pollInterval.
func (w *bgWork) poll() tea.Cmd {
	return tea.Tick(pollInterval, func(time.Time) tea.Msg { return w.drain() })
}

// drain collects the latest progress and, when done, the result.
func (w *bgWork) drain() workMsg {
	m := workMsg{w: w}
	select {
	case p := <-w.prog:
		m.prog = &p
	default:
	}
	select {
	case r := <-w.done:
		m.res = &r
	default:
	}
	return m
}

// wait blocks until the work is done and returns its result (tests).
func (w *bgWork) wait() workResult { return <-w.done }

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
