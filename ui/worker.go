package ui

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/ctdtui/ctdtui/run"
	"github.com/ctdtui/ctdtui/study"
)

// trainJob trains one run in its own goroutine. It talks to the UI through
// two channels that the UI drains on a 100 ms tick into one message:
// events carries what must never be lost (the session starting, every epoch,
// the final state) and is sent blocking; progress carries batch updates,
// which the trainer drops when the buffer is full.
type trainJob struct {
	dir      string
	cancel   context.CancelFunc
	events   chan jobEvent
	progress chan run.Progress
	dyn      chan *study.DynamicsFrame // live dynamics frames (study.LiveProbe)
	done     chan struct{}             // closed when the goroutine has returned
}

type jobEvent struct {
	started *jobStarted
	epoch   *run.EpochStats
	end     *jobEnd
}

// jobStarted describes the session once it is built (dataset generated,
// checkpoint restored).
type jobStarted struct {
	history               []run.EpochStats
	epoch, epochs         int
	workers, train, valid int
	dataset               string
	// curriculumEnd says which epochs' losses can be compared for the best
	// one (run.State.IsBest).
	curriculumEnd int
}

// jobEnd is the run's final state and why training ended.
type jobEnd struct {
	state run.State
	err   error
}

// newSession builds the training session; tests replace it to make a worker
// fail.
var newSession = run.NewSession

// pollInterval is how often the UI drains a job's channels; it bounds chart
// redraws to about ten a second.
const pollInterval = 100 * time.Millisecond

// jobPollMsg is one drain of a job's channels.
type jobPollMsg struct {
	job      *trainJob
	events   []jobEvent
	progress *run.Progress
	frames   []*study.DynamicsFrame
}

// startJob trains r (from its checkpoint, if any) in a new goroutine.
// A panic in the worker is recovered, recorded in the run's state.json and
// reported as the job's end; it never takes the terminal down with it.
func startJob(r *run.Run) *trainJob {
	ctx, cancel := context.WithCancel(context.Background())
	j := &trainJob{dir: r.Dir, cancel: cancel,
		events:   make(chan jobEvent, 256),
		progress: make(chan run.Progress, 16),
		dyn:      make(chan *study.DynamicsFrame, 8),
		done:     make(chan struct{})}
	go j.work(ctx, r)
	return j
}

func (j *trainJob) work(ctx context.Context, r *run.Run) {
	defer close(j.done)
	defer func() {
		if p := recover(); p != nil {
			err := fmt.Errorf("internal error while training (run kept at its last saved epoch): %v", p)
			r.State.Status, r.State.Message = run.StatusFailed, fmt.Sprintf("%v\n%s", err, debug.Stack())
			func() {
				defer func() { _ = recover() }()
				_ = r.SaveState()
			}()
			st := r.State
			st.Message = err.Error()
			j.events <- jobEvent{end: &jobEnd{state: st, err: err}}
		}
	}()
	s, err := newSession(r)
	if err != nil {
		st := r.State
		st.Message = err.Error()
		j.events <- jobEvent{end: &jobEnd{state: st, err: err}}
		return
	}
	defer s.Close() // the run's lock
	s.Trainer.Progress = j.progress
	j.events <- jobEvent{started: &jobStarted{
		history: slices.Clone(r.History), epoch: s.Trainer.Epoch, epochs: r.Config.Train.Epochs,
		workers: s.Trainer.Workers(), train: len(s.Data.Train), valid: len(s.Data.Valid), dataset: s.Data.Name,
		curriculumEnd: s.Task.CurriculumEnd()}}
	probe := study.NewLiveProbe(s.Task, s.Data, s.Trainer.Workers(), study.DynamicsOptions{}, j.dyn)
	err = study.TrainWatched(ctx, s, probe, func(st run.EpochStats) {
		j.events <- jobEvent{epoch: &st}
	})
	if errors.Is(err, context.Canceled) {
		err = nil // a requested stop
	}
	j.events <- jobEvent{end: &jobEnd{state: r.State, err: err}}
}

// poll drains the job after pollInterval.
func (j *trainJob) poll() tea.Cmd {
	return tea.Tick(pollInterval, func(time.Time) tea.Msg { return j.drain() })
}

// drain collects every pending event (up to and including the end) and the
// latest batch progress.
func (j *trainJob) drain() jobPollMsg {
	m := jobPollMsg{job: j}
events:
	for {
		select {
		case e := <-j.events:
			m.events = append(m.events, e)
			if e.end != nil {
				break events
			}
		default:
			break events
		}
	}
	for {
		select {
		case f := <-j.dyn:
			m.frames = append(m.frames, f)
			continue
		default:
		}
		select {
		case p := <-j.progress:
			m.progress = &p
		default:
			return m
		}
	}
}

// stopAndWait cancels the job and waits for it to save the last completed
// epoch (training notices the cancel between batches), discarding its events:
// it is for shutdown, when the UI no longer drains. It gives up when abort is
// closed and reports whether the job ended.
func (j *trainJob) stopAndWait(abort <-chan struct{}) bool {
	j.cancel()
	for {
		select {
		case <-j.events:
		case <-j.progress:
		case <-j.dyn:
		case <-j.done:
			return true
		case <-abort:
			return false
		}
	}
}
