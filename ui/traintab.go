package ui

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/ctdtui/ctdtui/presets"
	"github.com/ctdtui/ctdtui/run"
	"github.com/ctdtui/ctdtui/study"
	"github.com/ctdtui/ctdtui/ui/chart"
)

// trainTab starts, pauses, resumes and stops runs, draws the live loss
// curves and epoch progress, and lists the runs under --runs.
type trainTab struct {
	sh   *shared
	keys trainKeys
	w, h int

	job      *trainJob // the training goroutine, nil when none
	stopping string    // "paused", "stopped" or "quit" once a stop was asked
	resume   bool      // resume as soon as the pause completes

	cur   *runView // the run shown, training or not
	chart *lossChart
	ck    chartKeys

	runs    []runEntry
	runsErr error
	sel     int
	sparks  map[string]spark // the runs' validation-loss sparklines (sparks.go)
	// tailing: a rescan is scheduled (runs train elsewhere); overlay: the
	// runs whose validation losses share the chart (sweepview.go).
	tailing bool
	overlay []*overlayRun

	// Live dynamics: shown beside the loss chart (d toggles). For a saved
	// run that is not training, one frame is computed from its checkpoint
	// (saved) and kept per run and epoch (savedFrame).
	dynOff     bool
	saved      bg[*study.DynamicsFrame]
	savedFrame map[string]*study.DynamicsFrame
}

// runView is the UI's own copy of a run's state: the worker owns the run.Run.
type runView struct {
	dir      string
	cfg      presets.Config
	state    run.State
	history  []run.EpochStats
	progress *run.Progress
	info     *jobStarted
	seconds  []float64 // durations of the epochs trained in this session
	// epochStart is when the epoch in progress began (the session's start
	// for the first), to show a slow epoch is alive.
	epochStart time.Time
	// frame is the latest live-dynamics frame, history the stable fixed
	// points at every probed epoch.
	frame   *study.DynamicsFrame
	dynHist []dynPoint
}

func newTrainTab(sh *shared) *trainTab {
	return &trainTab{sh: sh, keys: newTrainKeys(sh.g), ck: newChartKeys(), chart: newLossChart(sh), savedFrame: map[string]*study.DynamicsFrame{}}
}

func (t *trainTab) Title() string { return "Train" }
func (t *trainTab) Focused() bool { return false }

// Active reports whether a run is training (or saving after a stop).
func (t *trainTab) Active() bool { return t.job != nil }

func (t *trainTab) Init() tea.Cmd { return scanRunsCmd(t.sh.runsDir) }

func (t *trainTab) SetSize(w, h int) {
	t.w, t.h = w, h
}

// stopForQuit asks the training run to stop; the app quits when it has saved.
func (t *trainTab) stopForQuit() {
	if t.job != nil {
		t.stopping = "quit"
		t.job.cancel()
	}
}

// shutdown stops a run that is still training when the program ends for any
// reason (quit, SIGTERM, SIGHUP, a panic), waiting for it to save its last
// completed epoch unless abort is closed first.
func (t *trainTab) shutdown(abort <-chan struct{}) {
	if t.job != nil && t.job.stopAndWait(abort) {
		t.job = nil
	}
}

func (t *trainTab) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case runsMsg:
		t.runs, t.runsErr = msg.entries, msg.err
		t.sel = max(0, min(t.sel, len(t.runs)-1))
		return tea.Batch(t.afterScan(), t.sparksCmd())
	case sparksMsg:
		for dir, s := range msg {
			t.sparks[dir] = s
		}
		return nil
	case tailTickMsg:
		return t.onTailTick()
	case historyMsg:
		return t.onHistory(msg)
	case jobPollMsg:
		return t.onPoll(msg)
	case workMsg:
		return t.onSavedFrame(msg)
	case startTrainingMsg:
		return t.start()
	case tea.KeyMsg:
		return t.onKey(msg)
	case tea.MouseMsg:
		lo, hi := t.chart.extent()
		chartMouse(msg, &t.chart.nav, lo, hi)
	}
	return nil
}

func (t *trainTab) onKey(km tea.KeyMsg) tea.Cmd {
	if lo, hi := t.chart.extent(); !t.chart.Empty() && chartKey(km, t.ck, &t.chart.nav, lo, hi, 1, true) {
		return nil
	}
	k := t.keys
	switch {
	case key.Matches(km, k.Start):
		return t.start()
	case key.Matches(km, k.Pause):
		return t.pauseOrResume()
	case key.Matches(km, k.Stop):
		if t.job == nil {
			t.sh.info("nothing is training")
			return nil
		}
		t.stopping, t.resume = "stopped", false
		t.job.cancel()
		t.sh.info("stopping: the unfinished epoch is discarded, the last completed one is saved")
	case key.Matches(km, k.Dynamics):
		t.dynOff = !t.dynOff
		if !t.dynOff {
			return t.probeSaved()
		}
	case key.Matches(km, k.Move):
		t.sel = max(0, min(len(t.runs)-1, t.sel+direction(km)))
	case key.Matches(km, k.Open):
		if e, ok := t.selected(); ok {
			return t.open(e.dir)
		}
	case key.Matches(km, k.Resume):
		if e, ok := t.selected(); ok {
			return t.resumeDir(e.dir)
		}
	case key.Matches(km, k.Overlay):
		return t.toggleOverlay()
	case key.Matches(km, k.ClearOverlay):
		t.clearOverlay()
	}
	return nil
}

func (t *trainTab) selected() (runEntry, bool) {
	if t.sel < 0 || t.sel >= len(t.runs) {
		t.sh.info("no run selected (press s to start one)")
		return runEntry{}, false
	}
	return t.runs[t.sel], true
}

// start creates a run directory for the Task tab's settings and trains it.
func (t *trainTab) start() tea.Cmd {
	if t.job != nil {
		t.sh.warn("a run is already training: pause (space) or stop (x) it first")
		return nil
	}
	cfg := t.sh.cfg
	if err := cfg.Validate(); err != nil {
		t.sh.fail(fmt.Errorf("cannot start: %w", err))
		return nil
	}
	r, err := run.Create(run.NewDirName(t.sh.runsDir, cfg.Name), cfg)
	if err != nil {
		t.sh.fail(err)
		return nil
	}
	t.sh.info("starting " + r.Dir)
	return t.train(r)
}

func (t *trainTab) pauseOrResume() tea.Cmd {
	switch {
	case t.job != nil && t.stopping == "":
		t.stopping = "paused"
		t.job.cancel()
		t.sh.info("pausing: the unfinished epoch is discarded, the last completed one is saved")
	case t.job != nil:
		t.resume = !t.resume
		if t.resume {
			t.sh.info("will resume as soon as the pause has saved")
		}
	case t.cur != nil:
		return t.resumeDir(t.cur.dir)
	default:
		t.sh.info("no run yet: press s to start one with the Task tab's settings")
	}
	return nil
}

// open shows a run's history without training it.
func (t *trainTab) open(dir string) tea.Cmd {
	if t.job != nil && dir != t.job.dir {
		t.sh.warn("a run is training: pause (space) or stop (x) it before opening another")
		return nil
	}
	if t.job != nil {
		return nil // it is already the one shown
	}
	r, err := run.Open(dir)
	if err != nil {
		t.sh.fail(err)
		return nil
	}
	t.show(r)
	t.sh.info(fmt.Sprintf("opened %s: %s, epoch %d of %d", r.Dir, r.State.Status, r.State.Epoch, r.State.Epochs))
	return t.probeSaved()
}

// resumeDir continues a saved run from its last completed epoch.
func (t *trainTab) resumeDir(dir string) tea.Cmd {
	if t.job != nil {
		t.sh.warn("a run is already training")
		return nil
	}
	// Read, not Open: the session rebuilds a damaged state.json, and says
	// what else is wrong. Whether another trainer has the run is its lock's
	// to say: a "training" state whose lock is free was left by a process
	// that died, and resumes at once.
	r, err := run.Read(dir)
	if err != nil {
		t.sh.fail(err)
		return nil
	}
	if r.Eval != nil {
		t.sh.warn(fmt.Sprintf("%s is an evaluation of %s (its model, on a changed task): it has no training of its own; the Trials and Analysis tabs open it",
			filepath.Base(dir), r.Eval.SourceDir()))
		return nil
	}
	if held, h, _ := run.Held(dir); held {
		t.sh.fail(&run.LockedError{Dir: dir, Holder: h})
		return nil
	}
	if run.LiveLegacyTrainer(r.State, t.sh.now()) {
		t.sh.warn(fmt.Sprintf("%s was saved as training %s ago by an older ctdtui, which may still be training it", dir,
			t.sh.now().Sub(r.State.Updated).Round(time.Second)))
		return nil
	}
	if r.State.Epoch >= r.Config.Train.Epochs {
		t.show(r)
		t.sh.info(fmt.Sprintf("%s has finished all %d epochs (to train longer: ctdtui train --resume %s --epochs N)",
			filepath.Base(dir), r.Config.Train.Epochs, dir))
		return t.probeSaved()
	}
	t.sh.info(fmt.Sprintf("resuming %s after epoch %d", filepath.Base(dir), r.State.Epoch))
	return t.train(r)
}

// show makes r the displayed run.
func (t *trainTab) show(r *run.Run) {
	t.cur = &runView{dir: r.Dir, cfg: r.Config, state: r.State, history: slices.Clone(r.History)}
	t.chart.Reset()
	for _, h := range r.History {
		t.chart.Add(h.Epoch, h.TrainLoss, h.ValLoss)
	}
}

// train shows r and starts its worker; r belongs to the worker from now on.
func (t *trainTab) train(r *run.Run) tea.Cmd {
	t.show(r)
	t.cur.state.Status = run.StatusTraining
	t.job = startJob(r)
	t.stopping, t.resume = "", false
	return tea.Batch(t.job.poll(), scanRunsCmd(t.sh.runsDir))
}

// onPoll applies one drain of the worker's channels.
func (t *trainTab) onPoll(m jobPollMsg) tea.Cmd {
	if m.job != t.job || t.cur == nil {
		return nil
	}
	v := t.cur
	for _, e := range m.events {
		switch {
		case e.started != nil:
			v.info = e.started
			v.epochStart = t.sh.now()
			v.history = e.started.history
			v.state.Epoch = e.started.epoch
			t.chart.Reset()
			for _, h := range v.history {
				t.chart.Add(h.Epoch, h.TrainLoss, h.ValLoss)
			}
		case e.epoch != nil:
			s := *e.epoch
			v.history = append(v.history, s)
			v.seconds = append(v.seconds, s.Seconds)
			v.epochStart = t.sh.now()
			v.state.Epoch = s.Epoch
			end := 0
			if v.info != nil {
				end = v.info.curriculumEnd
			}
			if v.state.IsBest(s.Epoch, s.ValLoss, end) {
				v.state.BestVal, v.state.BestEpoch = s.ValLoss, s.Epoch
			}
			t.chart.Add(s.Epoch, s.TrainLoss, s.ValLoss)
		case e.end != nil:
			t.addFrames(m.frames)
			return t.onEnd(e.end)
		}
	}
	t.addFrames(m.frames)
	if p := m.progress; p != nil && p.Epoch > v.state.Epoch {
		v.progress = p
	}
	return t.job.poll()
}

func (t *trainTab) onEnd(end *jobEnd) tea.Cmd {
	v := t.cur
	v.state = end.state
	v.progress = nil
	reason := t.stopping
	t.job, t.stopping = nil, ""
	cmds := []tea.Cmd{scanRunsCmd(t.sh.runsDir)}
	name := filepath.Base(v.dir)
	switch {
	case v.state.Status == run.StatusFinished:
		msg := fmt.Sprintf("%s finished %d epochs", name, v.state.Epoch)
		if v.state.BestEpoch > 0 {
			msg += fmt.Sprintf(": best validation loss %s at epoch %d", fmtLoss(v.state.BestVal), v.state.BestEpoch)
		}
		t.sh.good(msg)
	case v.state.Status == run.StatusDiverged:
		t.sh.setStatus(levelError, fmt.Sprintf("%s diverged: %s (the last good epoch is kept)", name, v.state.Message))
	case end.err != nil:
		t.sh.fail(fmt.Errorf("%s: %w", name, end.err))
	case v.state.Status == run.StatusStopped && reason == "paused":
		t.sh.info(fmt.Sprintf("paused after epoch %d (saved): space resumes", v.state.Epoch))
	case v.state.Status == run.StatusStopped:
		t.sh.info(fmt.Sprintf("stopped after epoch %d (saved): r on the run resumes it", v.state.Epoch))
	}
	if t.resume && end.err == nil && v.state.Status == run.StatusStopped {
		t.resume = false
		cmds = append(cmds, t.resumeDir(v.dir))
	}
	return tea.Batch(cmds...)
}

// addFrames takes the live-dynamics frames of a poll.
func (t *trainTab) addFrames(fs []*study.DynamicsFrame) {
	v := t.cur
	for _, f := range fs {
		if f == nil {
			continue
		}
		v.frame = f
		if f.Err == nil {
			v.dynHist = append(v.dynHist, dynPoint{epoch: f.Epoch, stable: f.Stable, fixed: f.Fixed})
		}
	}
}

// probeSaved computes the dynamics frame of the shown run's checkpoint when
// it is not training (once per run and epoch).
func (t *trainTab) probeSaved() tea.Cmd {
	v := t.cur
	if v == nil || t.job != nil || t.dynOff || v.state.Epoch < 1 {
		return nil
	}
	if _, err := os.Stat(filepath.Join(v.dir, run.CheckpointFile)); err != nil {
		return nil // history only: no model to probe
	}
	k := fmt.Sprintf("%s|%d", v.dir, v.state.Epoch)
	if f := t.savedFrame[k]; f != nil {
		v.frame = f
		return nil
	}
	if t.saved.busy(k) {
		return nil
	}
	dir := v.dir
	// The frame `ctdtui dynamics` prints, of the checkpoint as saved now.
	return t.saved.start(k, "probing the saved model", func(ctx context.Context, _ func(float64, string)) (*study.DynamicsFrame, error) {
		sess, err := openSession(dir)
		if err != nil {
			return nil, err
		}
		rep, err := sess.Dynamics(ctx, study.DynamicsOptions{})
		if err != nil {
			return nil, err
		}
		return rep.DynamicsFrame, nil
	})
}

func (t *trainTab) onSavedFrame(m workMsg) tea.Cmd {
	// Every frame is kept for its run and epoch, shown or not.
	var f *study.DynamicsFrame
	switch out, cmd := t.saved.take(m, m.w.key); out {
	case workNotMine:
		return nil
	case workPending:
		return cmd
	case workFailed:
		f = &study.DynamicsFrame{Err: t.saved.failed(m.w.key)}
	case workArrived:
		f = t.saved.val
	}
	t.savedFrame[m.w.key] = f
	if v := t.cur; v != nil && t.job == nil && fmt.Sprintf("%s|%d", v.dir, v.state.Epoch) == m.w.key {
		v.frame = f
	}
	return nil
}

// layout sizes of the tab.
func (t *trainTab) runsPanelSide() bool { return t.w >= 150 }

func (t *trainTab) View() string {
	if t.runsPanelSide() {
		sideW := min(60, t.w/3)
		mainW := t.w - sideW - 3
		sep := " " + t.sh.st.Faint.Render(t.sh.g.vrule) + " "
		return joinColumns(t.h, sep, column{t.mainView(mainW, t.h), mainW}, column{t.runsView(sideW, t.h), sideW})
	}
	runsH := min(len(t.listRows())+1, max(3, t.h/4))
	if len(t.runs) == 0 {
		runsH = 2
	}
	mainH := t.h - runsH - 1
	rule := t.sh.st.Faint.Render(strings.Repeat(t.sh.g.hrule, t.w))
	return fitBlock(t.mainView(t.w, mainH)+"\n"+rule+"\n"+t.runsView(t.w, runsH), t.w, t.h)
}

// mainView is the run header, progress, legend and loss chart.
func (t *trainTab) mainView(w, h int) string {
	st := t.sh.st
	v := t.cur
	if v == nil && len(t.overlay) > 0 {
		lines := []string{st.Header.Render("Overlay"), t.legendLine(w)}
		return fitBlock(strings.Join(lines, "\n")+"\n"+t.chartView(w, h-len(lines)), w, h)
	}
	if v == nil {
		lines := []string{st.Header.Render("No run open"), ""}
		for _, l := range wrap("Press s to train the Task tab's settings: "+describeConfig(t.sh.cfg)+".", w) {
			lines = append(lines, st.Text.Render(l))
		}
		lines = append(lines, "")
		for _, l := range wrap(fmt.Sprintf("Runs are saved in %s. Pick one from the list: enter opens it, r resumes it.", t.sh.runsDir), w) {
			lines = append(lines, st.Muted.Render(l))
		}
		return fitBlock(strings.Join(lines, "\n"), w, h)
	}
	legend := t.legendLine(w)
	lines := []string{t.titleLine(w), t.summaryLine(w), t.progressLine(w), legend}
	chartH := h - len(lines)
	if t.dynShown() && w >= 70 && chartH >= 6 {
		dynW := max(28, min(64, w*2/5))
		cw := w - dynW - 3
		sep := " " + t.sh.st.Faint.Render(t.sh.g.vrule) + " "
		return fitBlock(strings.Join(lines, "\n")+"\n"+
			joinColumns(chartH, sep, column{t.chartView(cw, chartH), cw}, column{t.dynView(dynW, chartH), dynW}), w, h)
	}
	return fitBlock(strings.Join(lines, "\n")+"\n"+t.chartView(w, chartH), w, h)
}

// dynShown reports whether the live-dynamics panel is drawn.
func (t *trainTab) dynShown() bool {
	v := t.cur
	return !t.dynOff && v != nil && (t.job != nil || v.frame != nil || t.saved.running() != nil)
}

// chartView is the loss chart, or a message while it has no data.
func (t *trainTab) chartView(w, chartH int) string {
	st := t.sh.st
	v := t.cur
	var lines []string
	t.chart.SetSize(w, chartH)
	if t.chart.Empty() {
		msg := "waiting for the first epoch…"
		switch {
		case t.job == nil:
			msg = "no epochs saved yet"
		case v.info == nil:
			msg = "building the dataset and model…"
		}
		if t.sh.g.ascii {
			msg = strings.ReplaceAll(msg, "…", "...")
		}
		block := make([]string, chartH)
		block[chartH/2] = padLeft("", max(0, (w-len(msg))/2)) + st.Muted.Render(msg)
		lines = append(lines, block...)
	} else {
		lines = append(lines, t.chart.View())
	}
	return fitBlock(strings.Join(lines, "\n"), w, chartH)
}

func (t *trainTab) statusBadge(s string) string {
	if s == run.StatusTraining && t.stopping != "" {
		return t.sh.st.Accent.Render(t.sh.g.bullet + " saving")
	}
	return runBadge(t.sh, s)
}

func (t *trainTab) titleLine(w int) string {
	st := t.sh.st
	v := t.cur
	return t.statusBadge(v.state.Status) + "  " + st.Bold.Render(filepath.Base(v.dir)) +
		st.Muted.Render("  "+truncate(filepath.Dir(v.dir), max(w-40, 4), t.sh.g.ellipsis))
}

func (t *trainTab) summaryLine(w int) string {
	v := t.cur
	s := describeConfig(v.cfg)
	if v.info != nil {
		s += fmt.Sprintf(" · %d/%d trials · %d workers", v.info.train, v.info.valid, v.info.workers)
	}
	return t.sh.st.Muted.Render(truncate(s, w, t.sh.g.ellipsis))
}

// progressLine is the epoch counter, the progress bar, the speed and the time left.
func (t *trainTab) progressLine(w int) string {
	st, g := t.sh.st, t.sh.g
	v := t.cur
	epochs := max(v.cfg.Train.Epochs, 1)
	done := float64(v.state.Epoch)
	if p := v.progress; p != nil && p.Batches > 0 && t.job != nil {
		done += float64(p.Batch) / float64(p.Batches)
	}
	frac := math.Min(1, done/float64(epochs))
	counter := fmt.Sprintf("epoch %d/%d", v.state.Epoch, epochs)
	right := fmt.Sprintf(" %3.0f%%", 100*frac)
	if n := len(v.seconds); n > 0 && t.job != nil {
		recent := v.seconds[max(0, n-10):]
		mean := 0.0
		for _, s := range recent {
			mean += s
		}
		mean /= float64(len(recent))
		if mean < 1 {
			right += fmt.Sprintf("  %.1f epochs/s", 1/math.Max(mean, 1e-3))
		} else {
			right += fmt.Sprintf("  %.1f s/epoch", mean)
		}
		left := float64(epochs) - done
		right += "  " + fmtDuration(time.Duration(left*mean*float64(time.Second))) + " left"
	} else if t.job != nil && v.info != nil {
		// No epoch has finished yet in this session: show that it is alive.
		right += fmt.Sprintf("  epoch %d running for %s", v.state.Epoch+1, fmtDuration(t.sh.now().Sub(v.epochStart)))
	}
	barW := max(0, min(50, w-len(counter)-ansi.StringWidth(right)-2))
	k := int(math.Round(frac * float64(barW)))
	bar := st.Accent.Render(strings.Repeat(g.progFull, k)) + st.Faint.Render(strings.Repeat(g.progEmpty, barW-k))
	return st.Bold.Render(counter) + " " + bar + st.Muted.Render(right)
}

func (t *trainTab) legendLine(w int) string {
	st, g := t.sh.st, t.sh.g
	v := t.cur
	mark := g.barFull + g.barFull
	lo, hi := t.chart.extent()
	status := navStatus(t.sh, &t.chart.nav, lo, hi, max(w/2, 10))
	if rs := t.chart.readings(); rs != nil {
		// The value cursor: every curve at the cursor's epoch.
		s := st.Accent.Render(fmt.Sprintf("epoch %s", chart.Num(t.chart.nav.Cursor)))
		for _, r := range rs {
			s += "  " + r.Style.Render(mark+" "+r.Name) + " " + st.Text.Render(fmtLoss(r.Value))
			if t.chart.nav.Smooth > 0 && r.OK && r.Raw != r.Value {
				s += st.Faint.Render(" raw " + fmtLoss(r.Raw))
			}
			if r.OK && r.X != t.chart.nav.Cursor {
				s += st.Faint.Render(fmt.Sprintf(" @%s", chart.Num(r.X)))
			}
		}
		if ansi.StringWidth(s)+len([]rune(status))+2 <= w {
			s = fitLine(s, w-len([]rune(status))) + st.Faint.Render(status)
		}
		return s
	}
	if len(t.overlay) > 0 {
		return t.overlayLegend(w)
	}
	part := func(name string, style func(string) string, last float64, best float64, bestEpoch int) string {
		s := style(mark+" "+name) + " " + st.Text.Render(fmtLoss(last))
		if bestEpoch > 0 {
			s += st.Muted.Render(fmt.Sprintf(" (best %s @%d)", fmtLoss(best), bestEpoch))
		}
		return s
	}
	lastT, lastV := math.NaN(), math.NaN()
	bestT, bestTE := math.Inf(1), 0
	for _, h := range v.history {
		lastT, lastV = h.TrainLoss, h.ValLoss
		if finite(h.TrainLoss) && h.TrainLoss < bestT {
			bestT, bestTE = h.TrainLoss, h.Epoch
		}
	}
	bestV, bestVE := v.state.BestVal, v.state.BestEpoch
	s := part("train", func(s string) string { return st.Train.Render(s) }, lastT, bestT, bestTE) + "   " +
		part("val", func(s string) string { return st.Val.Render(s) }, lastV, bestV, bestVE)
	if ansi.StringWidth(s)+len([]rune(status))+2 <= w {
		s = fitLine(s, w-len([]rune(status))) + st.Faint.Render(status)
	}
	return s
}

// runsView lists the runs under --runs, the selected one marked.
func (t *trainTab) runsView(w, h int) string {
	st, g := t.sh.st, t.sh.g
	head := st.Header.Render("Runs") + st.Muted.Render(" in "+truncate(t.sh.runsDir, max(w-10, 4), g.ellipsis))
	lines := []string{head}
	if t.runsErr != nil {
		lines = append(lines, st.Bad.Render(t.runsErr.Error()))
		return fitBlock(strings.Join(lines, "\n"), w, h)
	}
	if len(t.runs) == 0 {
		lines = append(lines, st.Muted.Render("none yet: s starts one"))
		return fitBlock(strings.Join(lines, "\n"), w, h)
	}
	avail := h - 1
	rows := t.listRows()
	selRow := 0
	for r, row := range rows {
		if row.entry == t.sel {
			selRow = r
		}
	}
	first := max(0, min(selRow-avail/2, len(rows)-avail))
	for r := first; r < len(rows) && len(lines) < h; r++ {
		if rows[r].entry < 0 {
			lines = append(lines, t.sweepHeader(rows[r].header, w))
			continue
		}
		i := rows[r].entry
		e := t.runs[i]
		state, status := e.state, e.shownStatus()
		if t.cur != nil && e.dir == t.cur.dir && t.job != nil {
			state, status = t.cur.state, t.cur.state.Status // live, not the last scan
		}
		marker := "  "
		nameStyle := st.Text
		if i == t.sel {
			marker, nameStyle = st.Cursor.Render(g.right+" "), st.Cursor
			if g.ascii {
				marker = st.Cursor.Render("> ")
			}
		}
		if len(t.overlay) > 0 {
			// The overlay's runs carry their curve's colour.
			mark := "  "
			if o := t.inOverlay(e.dir); o != nil {
				mark = lipgloss.NewStyle().Foreground(t.overlayColor(o)).Render(g.barFull) + " "
			}
			marker += mark
		}
		badge := t.statusBadge(status)
		badgeW := badgeWidth(t.runs)
		epochs := fmt.Sprintf("%d/%d", state.Epoch, state.Epochs)
		best := ""
		if state.BestEpoch > 0 {
			best = "best " + fmtLoss(state.BestVal)
		}
		tail := fmt.Sprintf(" %9s %15s", epochs, best)
		if w < 60 {
			tail = fmt.Sprintf(" %9s", epochs)
		}
		nameW := max(w-ansi.StringWidth(marker)-badgeW-ansi.StringWidth(tail)-1, 8)
		spark := ""
		if w >= 84 && e.err == nil {
			// The validation loss over the epochs, when there is room.
			spark = " " + t.sparkline(e.dir)
			nameW = max(nameW-sparkW-1, 8)
		}
		tailStyle := st.Muted
		if e.err != nil {
			// A damaged run says why instead of its epochs: the name gets
			// what it needs, the reason the rest of the line.
			nameW = min(longestName(t.runs), max(w-2-badgeW-1-20, 8))
			tail = " " + truncate("damaged: "+e.damage(), max(w-2-badgeW-1-nameW-1, 4), g.ellipsis)
			tailStyle = st.Bad
		}
		line := marker + fitLine(badge, badgeW) + " " + nameStyle.Render(padRight(truncate(displayName(e), nameW, g.ellipsis), nameW)) + spark + tailStyle.Render(tail)
		lines = append(lines, line)
	}
	return fitBlock(strings.Join(lines, "\n"), w, h)
}

func fmtDuration(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

func (t *trainTab) ShortHelp() []key.Binding {
	k := t.keys
	return []key.Binding{k.Start, k.Pause, k.Stop, t.ck.LogY, k.Move, k.Open, k.Resume, k.Dynamics, k.Overlay, t.ck.Cursor, t.ck.Zoom}
}

func (t *trainTab) FullHelp() [][]key.Binding {
	k := t.keys
	c := t.ck
	return [][]key.Binding{{k.Start, k.Pause, k.Stop}, {k.Move, k.Open, k.Resume, k.Dynamics}, {k.Overlay, k.ClearOverlay},
		{c.Cursor, c.CursorJump, c.Zoom, c.Pan, c.ResetView}, {c.LogY, c.Smooth}}
}
