package sweep

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ctdtui/ctdtui/nets"
	"github.com/ctdtui/ctdtui/run"
)

// Options configure the local executor (Sweep.Train).
type Options struct {
	// Jobs is the number of runs trained at once (0: as many as the core
	// budget holds).
	Jobs int
	// Cores is the core budget: the threads of the runs trained at once
	// (train.threads each) never add up to more (0: GOMAXPROCS, which is
	// the CPUs this process may use).
	Cores int
	// Only, when set, trains these run indices alone (a Slurm array task
	// passes its own).
	Only []int
	// Out receives the progress lines (nil: none).
	Out io.Writer
	// Every is the interval of the "progress" summary lines (0: 30 s;
	// negative: none).
	Every time.Duration
	// EpochLines prints a line per epoch of every run (a Slurm task's log).
	EpochLines bool
}

// Outcomes of one run in Result.Outcomes.
const (
	OutcomeFinished = "finished" // trained to its last epoch now
	OutcomeDone     = "done"     // nothing to do: finished or diverged before
	OutcomeStopped  = "stopped"  // interrupted (Ctrl-C): resumes next time
	OutcomeDiverged = "diverged" // diverged now: the last good epoch is kept
	OutcomeFailed   = "failed"   // an error; the other runs went on
	OutcomeBusy     = "busy"     // another trainer holds it: skipped
)

// Result summarises an executor's work.
type Result struct {
	// Outcomes maps each run attempted (by name) to its outcome.
	Outcomes map[string]string
	// Errors maps failed runs to their error.
	Errors  map[string]error
	Elapsed time.Duration
}

// Count is the number of runs with an outcome.
func (r *Result) Count(outcome string) int {
	n := 0
	for _, o := range r.Outcomes {
		if o == outcome {
			n++
		}
	}
	return n
}

// Err joins the failures (nil when none), one line per run.
func (r *Result) Err() error {
	if len(r.Errors) == 0 {
		return nil
	}
	names := make([]string, 0, len(r.Errors))
	for n := range r.Errors {
		names = append(names, n)
	}
	sort.Strings(names)
	var errs []error
	for _, n := range names {
		errs = append(errs, fmt.Errorf("%s: %w", n, r.Errors[n]))
	}
	return fmt.Errorf("%d of the runs failed:\n%w", len(errs), errors.Join(errs...))
}

// Train trains the sweep's unfinished runs on this machine: Jobs at a time
// within the core budget. It is idempotent: finished and diverged runs are
// skipped without being opened, stopped, interrupted and crashed ones are
// resumed from their last saved epoch (run.NewSession repairs what a crash
// left), and a run another executor is training is left to it. One run's
// failure does not stop the others: Result.Err lists the failures.
// Cancelling ctx stops every run after its current batch, saving its last
// completed epoch; runs not yet started are not touched.
func (s *Sweep) Train(ctx context.Context, o Options) (*Result, error) {
	start := time.Now()
	if o.Cores <= 0 {
		o.Cores = runtime.GOMAXPROCS(0)
	}
	todo, err := s.selectRuns(o.Only)
	if err != nil {
		return nil, err
	}
	var pending []int
	res := &Result{Outcomes: map[string]string{}, Errors: map[string]error{}}
	now := time.Now()
	for _, i := range todo {
		if s.runStatus(i, now).Done() {
			res.Outcomes[s.Runs[i].Name] = OutcomeDone
			continue
		}
		pending = append(pending, i)
	}
	threads := make(map[int]int, len(pending))
	maxThreads := 1
	for _, i := range pending {
		threads[i] = s.threadsOf(i)
		maxThreads = max(maxThreads, threads[i])
	}
	if o.Jobs < 0 {
		return nil, fmt.Errorf("--jobs must be at least 1, got %d", o.Jobs)
	}
	if len(pending) == 0 {
		fmt.Fprintf(orDiscard(o.Out), "sweep %s: %s done: nothing to train\n", s.Def.Name, plural(len(todo), "run"))
		res.Elapsed = time.Since(start)
		return res, nil
	}
	jobs := o.Jobs
	switch {
	case jobs == 0:
		jobs = max(1, o.Cores/maxThreads)
	case jobs > 1 && jobs*maxThreads > o.Cores:
		return nil, fmt.Errorf("--jobs %d runs × %d threads (train.threads) is more than the %d cores: lower --jobs, or raise --cores to oversubscribe on purpose",
			jobs, maxThreads, o.Cores)
	}
	if maxThreads > o.Cores {
		fmt.Fprintf(orDiscard(o.Out), "note: runs have train.threads = %d but only %d cores are available: they will share them\n", maxThreads, o.Cores)
	}
	jobs = max(1, min(jobs, len(pending)))
	ex := &executor{s: s, o: o, res: res, threads: threads, budget: newBudget(max(o.Cores, maxThreads)), started: start,
		running: map[int]*progress{}, total: len(pending)}
	for _, i := range pending {
		ex.width = max(ex.width, len(s.Runs[i].Name))
	}
	ex.printf("sweep %s: %s, %d done, %d to train; %d at a time, %s (%d cores)\n",
		s.Def.Name, plural(len(todo), "run"), len(todo)-len(pending), len(pending), jobs, threadsString(threads), o.Cores)
	queue := make(chan int, len(pending))
	for _, i := range pending {
		queue <- i
	}
	close(queue)
	tickDone := make(chan struct{})
	var tickWG sync.WaitGroup
	if every := o.Every; every >= 0 && o.Out != nil {
		if every == 0 {
			every = 30 * time.Second
		}
		tickWG.Add(1)
		go func() {
			defer tickWG.Done()
			t := time.NewTicker(every)
			defer t.Stop()
			for {
				select {
				case <-t.C:
					ex.progressLine()
				case <-tickDone:
					return
				}
			}
		}()
	}
	var wg sync.WaitGroup
	for range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range queue {
				if ctx.Err() != nil {
					return
				}
				ex.budget.acquire(ex.threads[i])
				if ctx.Err() == nil {
					ex.trainOne(ctx, i)
				}
				ex.budget.release(ex.threads[i])
			}
		}()
	}
	wg.Wait()
	close(tickDone)
	tickWG.Wait()
	res.Elapsed = time.Since(start)
	ex.finalLine(ctx)
	return res, nil
}

// selectRuns checks the indices asked for (all when none).
func (s *Sweep) selectRuns(only []int) ([]int, error) {
	if len(only) == 0 {
		all := make([]int, len(s.Runs))
		for i := range all {
			all[i] = i
		}
		return all, nil
	}
	seen := map[int]bool{}
	var out []int
	for _, i := range only {
		if i < 0 || i >= len(s.Runs) {
			return nil, fmt.Errorf("--index %d: the sweep's runs are 0 to %d", i, len(s.Runs)-1)
		}
		if !seen[i] {
			seen[i] = true
			out = append(out, i)
		}
	}
	return out, nil
}

// threadsOf is run i's train.threads, read from its config.toml (1 when
// unreadable: the run will fail on its own when trained).
func (s *Sweep) threadsOf(i int) int {
	r, err := run.Read(s.RunDir(i))
	if err != nil || r.Config.Train.Threads < 1 {
		return 1
	}
	return r.Config.Train.Threads
}

func threadsString(threads map[int]int) string {
	set := map[int]bool{}
	for _, t := range threads {
		set[t] = true
	}
	if len(set) == 1 {
		for t := range set {
			if t == 1 {
				return "1 thread each"
			}
			return fmt.Sprintf("%d threads each", t)
		}
	}
	if len(set) == 0 {
		return "no threads"
	}
	return "threads as configured"
}

// budget is a counting semaphore of cores: a run takes its thread count at
// once, so runs of different sizes share the cores without overcommitting.
type budget struct {
	mu   sync.Mutex
	cond *sync.Cond
	free int
}

func newBudget(n int) *budget {
	b := &budget{free: n}
	b.cond = sync.NewCond(&b.mu)
	return b
}

func (b *budget) acquire(n int) {
	b.mu.Lock()
	for b.free < n {
		b.cond.Wait()
	}
	b.free -= n
	b.mu.Unlock()
}

func (b *budget) release(n int) {
	b.mu.Lock()
	b.free += n
	b.mu.Unlock()
	b.cond.Broadcast()
}

// progress is a run being trained, for the progress lines.
type progress struct {
	name          string
	epoch, epochs int
}

// executor is one Train call's shared state. Its printing is serialised by
// mu, so lines never interleave.
type executor struct {
	s       *Sweep
	o       Options
	threads map[int]int
	budget  *budget
	started time.Time

	mu      sync.Mutex
	res     *Result
	running map[int]*progress
	ended   int
	total   int
	width   int // the longest run name, to align the lines
}

func (ex *executor) printf(format string, args ...any) {
	if ex.o.Out != nil {
		fmt.Fprintf(ex.o.Out, format, args...)
	}
}

func (ex *executor) progressLine() {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	var idx []int
	for i := range ex.running {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	parts := []string{fmt.Sprintf("%d/%d ended", ex.ended, ex.total)}
	for _, i := range idx {
		p := ex.running[i]
		parts = append(parts, fmt.Sprintf("%s %d/%d", p.name, p.epoch, p.epochs))
	}
	ex.printf("progress  %s · %s elapsed\n", strings.Join(parts, " · "), clock(time.Since(ex.started)))
}

func (ex *executor) finalLine(ctx context.Context) {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	res := ex.res
	var parts []string
	for _, o := range []string{OutcomeFinished, OutcomeDone, OutcomeStopped, OutcomeDiverged, OutcomeFailed, OutcomeBusy} {
		if n := res.Count(o); n > 0 {
			label := o
			switch o {
			case OutcomeDone:
				label = "already done"
			case OutcomeBusy:
				label = "trained elsewhere"
			}
			parts = append(parts, fmt.Sprintf("%d %s", n, label))
		}
	}
	verb := "ended"
	if ctx.Err() != nil {
		verb = "stopped"
	}
	ex.printf("sweep %s %s after %s: %s\n", ex.s.Def.Name, verb, clock(res.Elapsed), strings.Join(parts, ", "))
	if ctx.Err() != nil || res.Count(OutcomeStopped) > 0 {
		ex.printf("resume with: ctdtui sweep run %s\n", ex.s.Dir)
	}
}

// seconds writes a short duration in seconds, a long one as a clock.
func seconds(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	return clock(d)
}

func clock(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%d:%02d", m, s)
}

// trainOne trains run i to its last epoch, or as far as it gets, and
// records the outcome.
func (ex *executor) trainOne(ctx context.Context, i int) {
	name := ex.s.Runs[i].Name
	t0 := time.Now()
	outcome, msg, err := ex.train(ctx, i)
	ex.mu.Lock()
	defer ex.mu.Unlock()
	delete(ex.running, i)
	ex.res.Outcomes[name] = outcome
	if outcome != OutcomeBusy {
		ex.ended++
	}
	if err != nil {
		ex.res.Errors[name] = err
		msg = err.Error()
	}
	ex.printf("%-9s %-*s  %s (%s) [%d/%d]\n", outcome, ex.width, name, msg, seconds(time.Since(t0)), ex.ended, ex.total)
}

// train is trainOne's work: open the run under its lock, resume it, train,
// evaluate. A panic is recovered into a failure of this run alone.
func (ex *executor) train(ctx context.Context, i int) (outcome, msg string, err error) {
	dir := ex.s.RunDir(i)
	name := ex.s.Runs[i].Name
	var ses *run.Session
	defer func() {
		if p := recover(); p != nil {
			outcome, err = OutcomeFailed, fmt.Errorf("panic: %v\n%s", p, debug.Stack())
			if ses != nil {
				ses.Run.State.Status, ses.Run.State.Message = run.StatusFailed, oneLine(fmt.Sprint("panic: ", p), 500)
				ses.Run.SaveState()
			}
		}
		if ses != nil {
			ses.Close()
		}
	}()
	r, err := run.Read(dir)
	if err != nil {
		return OutcomeFailed, "", err
	}
	ses, err = run.NewSession(r)
	if errors.Is(err, run.ErrLocked) {
		var le *run.LockedError
		holder := "another trainer"
		if errors.As(err, &le) {
			holder = le.Holder.String()
		}
		return OutcomeBusy, "is being trained by " + holder + ": left to it", nil
	}
	if err != nil {
		return OutcomeFailed, "", err
	}
	st, cfg := &r.State, r.Config
	switch {
	case ses.Trainer.Epoch >= cfg.Train.Epochs:
		// Finished by someone else since the status was read, or a crash
		// after the last checkpoint: settle it.
		if err := ses.SettleFinished(); err != nil {
			return OutcomeFailed, "", err
		}
		if err := ex.evaluate(ctx, ses, false); err != nil {
			return OutcomeFailed, "", err
		}
		return OutcomeDone, fmt.Sprintf("already at epoch %d of %d", ses.Trainer.Epoch, cfg.Train.Epochs), nil
	case st.Status == run.StatusDiverged:
		return OutcomeDone, "diverged before: " + st.Message, nil
	}
	from := ses.Trainer.Epoch
	ex.mu.Lock()
	ex.running[i] = &progress{name: name, epoch: from, epochs: cfg.Train.Epochs}
	verb := "start"
	if from > 0 {
		verb = "resume"
	}
	ex.printf("%-9s %-*s  at epoch %d/%d (%s %s, latent %d, %d thread(s))\n", verb, ex.width, name, from, cfg.Train.Epochs,
		cfg.Task.Kind, cfg.Model.Kind, cfg.Model.Latent, ses.Trainer.Workers())
	ex.mu.Unlock()
	width := len(fmt.Sprint(cfg.Train.Epochs))
	err = ses.Train(ctx, func(e nets.EpochStats) {
		ex.mu.Lock()
		defer ex.mu.Unlock()
		if p := ex.running[i]; p != nil {
			p.epoch = e.Epoch
		}
		if ex.o.EpochLines {
			ex.printf("epoch     %-*s  %*d/%d  train %-12.6g val %-12.6g %.3f s\n", ex.width, name, width, e.Epoch, cfg.Train.Epochs, e.TrainLoss, e.ValLoss, e.Seconds)
		}
	})
	summary := fmt.Sprintf("%d/%d epochs", st.Epoch, cfg.Train.Epochs)
	if st.BestEpoch > 0 {
		summary += fmt.Sprintf(", best val %.6g (epoch %d)", st.BestVal, st.BestEpoch)
	}
	switch {
	case err == nil:
		if eerr := ex.evaluate(ctx, ses, true); eerr != nil {
			return OutcomeFailed, "", fmt.Errorf("trained, but its evaluation failed: %w", eerr)
		}
		return OutcomeFinished, summary, nil
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return OutcomeStopped, summary + " (resumes from there)", nil
	case errors.Is(err, nets.ErrDiverged):
		return OutcomeDiverged, summary + ": " + oneLine(err.Error(), 120), nil
	}
	return OutcomeFailed, "", err
}

// evaluate writes eval.json (the scores ctdtui train prints at its end) for
// a run trained now, or (force unset) for a finished run that has none.
func (ex *executor) evaluate(ctx context.Context, ses *run.Session, force bool) error {
	if ses.Trainer.Epoch == 0 {
		return nil
	}
	if _, err := os.Stat(filepath.Join(ses.Run.Dir, run.EvalFile)); err == nil && !force {
		return nil
	}
	_, err := ses.Evaluate(ctx)
	if errors.Is(err, context.Canceled) {
		return nil // stopped: the next run writes it
	}
	return err
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}
