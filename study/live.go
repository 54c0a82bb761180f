package study

import (
	"context"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/ctdtui/ctdtui/nets"
	"github.com/ctdtui/ctdtui/run"
	"github.com/ctdtui/ctdtui/sim"
)

// LiveProbe runs the dynamics probe on a model while it trains. The copy of
// the model is taken in the training goroutine's epoch callback (after the
// checkpoint is written) and is a memcpy of the parameters; the probe itself
// runs on its own goroutine and is rationed so that its compute time stays
// below Budget of the training time when it has to share the trainer's
// cores (it runs more freely on a spare core). A probe is skipped, never
// queued, when the previous one has not finished.
type LiveProbe struct {
	// Budget is the probe's share of the training wall time.
	Budget float64

	task sim.Task
	data *sim.Dataset
	opts DynamicsOptions
	in   chan liveSnapshot
	out  chan<- *DynamicsFrame

	start     time.Time
	spent     atomic.Int64 // nanoseconds of probe computation so far
	lastCost  atomic.Int64 // nanoseconds the last probe took
	busy      atomic.Bool
	lastEpoch int
}

const (
	// LiveBudget is the probe's share of the training time when it shares
	// the trainer's cores; LiveSpareBudget when a core is idle.
	LiveBudget      = 0.04
	LiveSpareBudget = 0.5
	// liveFirstCost is what a probe is assumed to cost before one has been
	// timed: the first probe waits until the budget covers it.
	liveFirstCost = 150 * time.Millisecond
)

type liveSnapshot struct {
	epoch int
	model nets.Model[float32]
}

// NewLiveProbe prepares a probe of a run training on task and data with
// workers goroutines; frames (or, with Err set, failures) go to out, and are
// dropped when out is full.
func NewLiveProbe(task sim.Task, data *sim.Dataset, workers int, o DynamicsOptions, out chan<- *DynamicsFrame) *LiveProbe {
	p := &LiveProbe{Budget: LiveBudget, task: task, data: data, opts: o.normalized(),
		in: make(chan liveSnapshot, 1), out: out, start: time.Now()}
	if runtime.GOMAXPROCS(0) > workers {
		p.Budget = LiveSpareBudget // a core the trainer does not use
	}
	return p
}

// Run computes the frames of the models it is offered until ctx is done.
func (p *LiveProbe) Run(ctx context.Context) {
	var prev *DynamicsFrame
	for {
		select {
		case <-ctx.Done():
			return
		case s := <-p.in:
			t0 := time.Now()
			f, err := ProbeDynamics(ctx, s.model, p.task, p.data, p.opts, s.epoch, prev)
			p.spent.Add(int64(time.Since(t0)))
			p.lastCost.Store(int64(time.Since(t0)))
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				f = &DynamicsFrame{Epoch: s.epoch, Err: err}
			} else {
				prev = f
			}
			select {
			case p.out <- f:
			default: // the UI is behind: it keeps the frames it has
			}
			p.busy.Store(false)
		}
	}
}

// Offer is called by the training goroutine after each epoch: it sends a
// copy of the model to the probe when the probe is idle and the budget
// covers what has been spent plus another probe like the last one (always,
// when last is set). It reports whether it did.
func (p *LiveProbe) Offer(epoch int, m nets.Model[float32], last bool) bool {
	if len(p.data.Valid) == 0 || p.busy.Load() {
		return false
	}
	elapsed := time.Since(p.start).Seconds()
	next := time.Duration(p.lastCost.Load())
	if next == 0 {
		next = liveFirstCost
	}
	spent := time.Duration(p.spent.Load()) + next
	if !last && spent.Seconds() > p.Budget*elapsed {
		return false
	}
	p.busy.Store(true)
	p.lastEpoch = epoch
	p.in <- liveSnapshot{epoch: epoch, model: nets.Convert[float32](m)}
	return true
}

// Finish probes the final model unless the last probe saw it, waiting (at
// most a few seconds) for a probe in progress and for the final frame, so
// that the frame is sent before the training ends.
func (p *LiveProbe) Finish(ctx context.Context, epoch int, m nets.Model[float32]) {
	wait := func() bool {
		deadline := time.Now().Add(5 * time.Second)
		for p.busy.Load() {
			if time.Now().After(deadline) || ctx.Err() != nil {
				return false
			}
			time.Sleep(2 * time.Millisecond)
		}
		return true
	}
	if !wait() || p.lastEpoch == epoch {
		return
	}
	if p.Offer(epoch, m, true) {
		wait()
	}
}

// Idle reports whether no probe is in progress.
func (p *LiveProbe) Idle() bool { return !p.busy.Load() }

// TrainWatched trains s like run.Session.Train, reporting every epoch, while
// probe (may be nil) watches the dynamics: after each epoch (the checkpoint
// is written by then) it is offered a copy of the model, and when the run
// finishes it probes the final model. The probe stops when training ends.
func TrainWatched(ctx context.Context, s *run.Session, probe *LiveProbe, report func(run.EpochStats)) error {
	pctx, stop := context.WithCancel(context.Background())
	defer stop()
	if probe != nil {
		go probe.Run(pctx)
	}
	err := s.Train(ctx, func(st run.EpochStats) {
		report(st)
		if probe != nil {
			probe.Offer(st.Epoch, s.Trainer.Model, false)
		}
	})
	if err == nil && probe != nil && s.Run.State.Status == run.StatusFinished {
		probe.Finish(pctx, s.Trainer.Epoch, s.Trainer.Model)
	}
	return err
}
