package ui

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/ctdtui/ctdtui/analysis"
	"github.com/ctdtui/ctdtui/nets"
	"github.com/ctdtui/ctdtui/run"
	"github.com/ctdtui/ctdtui/sim"
)

// Live dynamics: while a run trains, a probe goroutine takes a copy of the
// model every few epochs, runs it on a few fixed validation trials, projects
// their latents on the top two PCs and runs a quick fixed-point search with
// the inputs held at zero, so the Train tab can show the trajectories and the
// number of stable fixed points appearing as the model learns (for the
// flip-flop: the 2^bits corners).
//
// Cost: the copy is taken in the training goroutine's epoch callback (after
// the checkpoint is written) and is a memcpy of the parameters; the probe
// itself runs on its own goroutine and is rationed so that its compute time
// stays below dynBudget of the training time when it has to share the
// trainer's cores (it runs freely on a spare core). A probe is skipped, never
// queued, when the previous one has not finished.

const (
	dynTrials = 8   // validation trials drawn
	dynInits  = 64  // fixed-point initial states
	dynIters  = 300 // Adam iterations of the quick search
	// dynBudget is the probe's share of the training wall time when it has
	// to share the trainer's cores; dynSpareBudget when a core is idle.
	dynBudget      = 0.04
	dynSpareBudget = 0.5
	// dynFirstCost is what a probe is assumed to cost before one has been
	// timed: the first probe waits until the budget covers it.
	dynFirstCost = 150 * time.Millisecond
	// dynMergeFrac: fixed points closer than this fraction of the mean
	// distance of the states from their centroid are one point.
	dynMergeFrac = 0.05
	// dynSeed fixes the initial states of the quick search.
	dynSeed = 0xd1
)

// dynFrame is one probe: the trajectories of the probe trials in the top-2
// PC plane of their latents and the fixed points found at that epoch.
type dynFrame struct {
	epoch    int
	trials   [][]float64 // per trial, T×2 (PC1, PC2) row-major
	ratio    [2]float64  // explained-variance ratio of PC1, PC2
	points   [][2]float64
	stable   []bool
	nStable  int
	nFixed   int
	seconds  float64
	final    bool  // computed from a saved checkpoint rather than live
	err      error // the probe failed (the frame carries only the epoch)
	comps    *mat.Dense
	inputDim int
}

// dynTrialsOf picks the probe trials: the first validation trials.
func dynTrialsOf(d *sim.Dataset) []int {
	n := min(dynTrials, len(d.Valid))
	return append([]int(nil), d.Valid[:n]...)
}

// probeDynamics computes a frame for model at epoch. prev (may be nil) is the
// previous frame: the new PCs are sign-aligned with its components so the
// picture does not flip between redraws.
func probeDynamics(ctx context.Context, model nets.Model[float32], task sim.Task, data *sim.Dataset, trials []int, epoch int, prev *dynFrame) (*dynFrame, error) {
	start := time.Now()
	f := &dynFrame{epoch: epoch}
	if len(trials) == 0 {
		return nil, fmt.Errorf("the run has no validation trials")
	}
	inf, err := nets.Infer(ctx, model, task, data, trials, &nets.InferOptions{Seed: run.EvalSeed, Workers: 1})
	if err != nil {
		return nil, err
	}
	H := inf.H
	steps := inf.Steps()
	x := mat.NewDense(steps, H, widen32(inf.AllLatents()))
	for _, v := range x.RawMatrix().Data {
		if !finite(v) {
			return nil, fmt.Errorf("the latents are not finite at epoch %d", epoch)
		}
	}
	k := min(2, H, steps)
	pca, err := analysis.FitPCA(x, k)
	if err != nil {
		return nil, err
	}
	comps := mat.DenseCopyOf(pca.Components)
	if prev != nil && prev.comps != nil {
		r, c := prev.comps.Dims()
		if c == H {
			for j := 0; j < min(k, r); j++ {
				if mat.Dot(comps.RowView(j), prev.comps.RowView(j)) < 0 {
					row := comps.RawRowView(j)
					for i := range row {
						row[i] = -row[i]
					}
				}
			}
		}
	}
	f.comps = comps
	for j := 0; j < k; j++ {
		f.ratio[j] = pca.ExplainedVarianceRatio[j]
	}
	proj := func(state []float64) [2]float64 {
		var p [2]float64
		for j := 0; j < k; j++ {
			s := 0.0
			for i, v := range state {
				s += (v - pca.Mean[i]) * comps.At(j, i)
			}
			p[j] = s
		}
		return p
	}
	for kk := range trials {
		lat := inf.Latents(kk)
		T := inf.Len(kk)
		tr := make([]float64, 2*T)
		row := make([]float64, H)
		for t := 0; t < T; t++ {
			for i := range row {
				row[i] = float64(lat[t*H+i])
			}
			p := proj(row)
			tr[2*t], tr[2*t+1] = p[0], p[1]
		}
		f.trials = append(f.trials, tr)
	}

	// Quick fixed-point search with the inputs held at zero, from states
	// on the probe trajectories.
	rng := rand.New(rand.NewPCG(dynSeed, uint64(epoch)))
	x0, _, _, err := analysis.SampleInitialStates(rng, x, nil, dynInits, 0)
	if err != nil {
		return nil, err
	}
	fpm := nets.NewFixedPointMap(model)
	f.inputDim = fpm.InputDim()
	u := mat.NewDense(1, max(fpm.InputDim(), 1), nil)
	var uIn mat.Matrix = u
	if fpm.InputDim() == 0 {
		uIn = nil
	}
	res, err := analysis.FindFixedPoints(ctx, fpm, x0, uIn, &analysis.FixedPointSettings{MaxIters: dynIters, LearningRate: 1e-2})
	if err != nil {
		return nil, err
	}
	// In float32 the points near a slow stable state are only accurate to
	// about residual/(1−|λ|), far above the finder's merge tolerance, so one
	// attractor can come out as several points: merge those closer than a
	// small fraction of the trajectories' spread.
	pts := analysis.UniqueFixedPoints(res.FixedPoints, dynMergeFrac*meanSpread(x), false)
	for _, p := range pts {
		if len(p.X) != H {
			continue
		}
		f.points = append(f.points, proj(p.X))
		f.stable = append(f.stable, p.Stable)
		f.nFixed++
		if p.Stable {
			f.nStable++
		}
	}
	f.seconds = time.Since(start).Seconds()
	return f, nil
}

// meanSpread is the mean distance of the rows of x from their centroid.
func meanSpread(x *mat.Dense) float64 {
	n, h := x.Dims()
	mean := make([]float64, h)
	for i := 0; i < n; i++ {
		for j, v := range x.RawRowView(i) {
			mean[j] += v / float64(n)
		}
	}
	s := 0.0
	for i := 0; i < n; i++ {
		d := 0.0
		for j, v := range x.RawRowView(i) {
			d += (v - mean[j]) * (v - mean[j])
		}
		s += math.Sqrt(d)
	}
	return s / float64(max(n, 1))
}

// trainWatched trains s like Session.Train, reporting every epoch, while
// probe (may be nil) watches the dynamics: after each epoch (the checkpoint
// is written by then) it is offered a copy of the model, and when the run
// finishes it probes the final model. The probe stops when training ends.
func trainWatched(ctx context.Context, s *run.Session, probe *dynProbe, report func(nets.EpochStats)) error {
	pctx, stop := context.WithCancel(context.Background())
	defer stop()
	if probe != nil {
		go probe.run(pctx)
	}
	err := s.Train(ctx, func(st nets.EpochStats) {
		report(st)
		if probe != nil {
			probe.offer(st.Epoch, s.Trainer.Model, false)
		}
	})
	if err == nil && probe != nil && s.Run.State.Status == run.StatusFinished {
		probe.finish(pctx, s.Trainer.Epoch, s.Trainer.Model)
	}
	return err
}

// dynProbe rations and runs the probes of one training job.
type dynProbe struct {
	task   sim.Task
	data   *sim.Dataset
	trials []int
	in     chan dynSnapshot
	out    chan *dynFrame
	budget float64

	start     time.Time
	spent     atomic.Int64 // nanoseconds of probe computation so far
	lastCost  atomic.Int64 // nanoseconds the last probe took
	busy      atomic.Bool
	lastEpoch int
}

type dynSnapshot struct {
	epoch int
	model nets.Model[float32]
}

func newDynProbe(task sim.Task, data *sim.Dataset, workers int, out chan *dynFrame) *dynProbe {
	p := &dynProbe{task: task, data: data, trials: dynTrialsOf(data),
		in: make(chan dynSnapshot, 1), out: out, budget: dynBudget, start: time.Now()}
	if runtime.GOMAXPROCS(0) > workers {
		p.budget = dynSpareBudget // a core the trainer does not use
	}
	return p
}

// run computes the frames of the snapshots it is sent until ctx is done.
func (p *dynProbe) run(ctx context.Context) {
	var prev *dynFrame
	for {
		select {
		case <-ctx.Done():
			return
		case s := <-p.in:
			t0 := time.Now()
			f, err := probeDynamics(ctx, s.model, p.task, p.data, p.trials, s.epoch, prev)
			p.spent.Add(int64(time.Since(t0)))
			p.lastCost.Store(int64(time.Since(t0)))
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				f = &dynFrame{epoch: s.epoch, err: err}
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

// offer is called by the training goroutine after each epoch: it sends a copy
// of the model to the probe when the probe is idle and the budget covers
// what has been spent plus another probe like the last one.
func (p *dynProbe) offer(epoch int, m nets.Model[float32], last bool) bool {
	if len(p.trials) == 0 || p.busy.Load() {
		return false
	}
	elapsed := time.Since(p.start).Seconds()
	next := time.Duration(p.lastCost.Load())
	if next == 0 {
		next = dynFirstCost
	}
	spent := time.Duration(p.spent.Load()) + next
	if !last && spent.Seconds() > p.budget*elapsed {
		return false
	}
	p.busy.Store(true)
	p.lastEpoch = epoch
	p.in <- dynSnapshot{epoch: epoch, model: nets.Convert[float32](m)}
	return true
}

// finish probes the final model unless the last probe saw it, waiting (at
// most a few seconds) for a probe in progress and for the final frame, so
// that the frame reaches the UI before the job's end.
func (p *dynProbe) finish(ctx context.Context, epoch int, m nets.Model[float32]) {
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
	if p.offer(epoch, m, true) {
		wait()
	}
}

// dynHistory is the stable count at each probed epoch.
type dynPoint struct{ epoch, stable, fixed int }

// dynView is the Train tab's live-dynamics panel: the probe trials in the
// PC1-PC2 plane with the fixed points found, the stable count, and its
// history over the probed epochs.
func (t *trainTab) dynView(w, h int) string {
	st, g := t.sh.st, t.sh.g
	v := t.cur
	f := v.frame
	title := st.Header.Render("Latent dynamics")
	if f == nil {
		msg := "first probe after epoch 1…"
		if t.job == nil {
			msg = "probing the saved model…"
		}
		return fitBlock(title+"\n"+centred(t.sh, w, h-1, msg, "validation trials in the top-2 PC plane and the stable fixed points (inputs at 0), redrawn every few epochs"), w, h)
	}
	switch {
	case f.final:
		title += st.Muted.Render(fmt.Sprintf(" · saved epoch %d", f.epoch))
	case f.epoch > 0:
		title += st.Muted.Render(fmt.Sprintf(" · epoch %d", f.epoch))
	}
	if f.err != nil {
		lines := []string{title, ""}
		for _, l := range wrap("probe failed: "+firstLine(f.err), w) {
			lines = append(lines, st.Bad.Render(l))
		}
		return fitBlock(strings.Join(lines, "\n"), w, h)
	}
	sub := st.Muted.Render(fmt.Sprintf("%d val trials · PC1 %s PC2 %s", len(f.trials), fmtPct(f.ratio[0]), fmtPct(f.ratio[1])))
	count := st.Bold.Render(fmt.Sprintf("%d stable", f.nStable)) + st.Muted.Render(fmt.Sprintf(" · %d fixed pts", f.nFixed))
	if f.inputDim > 0 {
		count += st.Faint.Render(" · inputs 0")
	}
	lines := []string{title, sub}
	footer := []string{count}
	if hist := t.dynHistoryLine(w); hist != "" && h >= 10 {
		footer = append(footer, hist)
	}
	ch := h - len(lines) - len(footer)
	if ch < 2 {
		return fitBlock(strings.Join(append(lines, footer...), "\n"), w, h)
	}
	cv := newCanvas(w, ch, g.ascii)
	var xs, ys []float64
	for _, tr := range f.trials {
		for i := 0; i+1 < len(tr); i += 2 {
			xs, ys = append(xs, tr[i]), append(ys, tr[i+1])
		}
	}
	xlo, xhi := rangeOf(0.05, xs)
	ylo, yhi := rangeOf(0.05, ys)
	fr := newXYFrame(cv, xlo, xhi, ylo, yhi, true)
	for i, tr := range f.trials {
		n := len(tr) / 2
		px, py := make([]float64, n), make([]float64, n)
		for j := 0; j < n; j++ {
			px[j], py[j] = tr[2*j], tr[2*j+1]
		}
		fr.path(px, py, st.ChannelColor(i, len(f.trials)))
	}
	for i, p := range f.points {
		glyph, col := markGlyph(g, "unstable"), st.theme.Warn
		if f.stable[i] {
			glyph, col = markGlyph(g, "stable"), st.theme.Text
		}
		fr.mark(p[0], p[1], []rune(glyph)[0], col)
	}
	lines = append(lines, cv.Lines()...)
	lines = append(lines, footer...)
	return fitBlock(strings.Join(lines, "\n"), w, h)
}

// dynHistoryLine lists the stable counts at the probed epochs, newest last,
// as many as fit.
func (t *trainTab) dynHistoryLine(w int) string {
	st, g := t.sh.st, t.sh.g
	hist := t.cur.dynHist
	if len(hist) < 2 {
		return ""
	}
	head := "stable by epoch:"
	var parts []string
	used := len(head)
	for i := len(hist) - 1; i >= 0; i-- {
		p := fmt.Sprintf("%d@%d", hist[i].stable, hist[i].epoch)
		if used+1+len(p)+2 > w {
			parts = append([]string{g.ellipsis}, parts...)
			break
		}
		parts = append([]string{p}, parts...)
		used += 1 + len(p)
	}
	return st.Muted.Render(head + " " + strings.Join(parts, " "))
}
