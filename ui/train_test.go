package ui

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/ctdtui/ctdtui/run"
)

// smallModel is the app on a flip-flop small enough to train in a blink
// (a few tens of milliseconds an epoch).
func smallModel(t testing.TB, epochs int) *Model {
	t.Helper()
	m, err := New(Options{Preset: "3bff-small", Runs: t.TempDir(), Theme: "dark"})
	if err != nil {
		t.Fatal(err)
	}
	m.sh.cfg.Task.Samples = 60
	m.sh.cfg.Task.NBFF.Steps = 50
	m.sh.cfg.Model.Latent = 16
	m.sh.cfg.Train.Epochs = epochs
	m.sh.cfg.Train.Threads = 1
	return m
}

func readState(t testing.TB, dir string) run.State {
	t.Helper()
	r, err := run.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return r.State
}

func TestTrainPauseResumeFinish(t *testing.T) {
	// Enough epochs that the pause below lands before the run ends, however
	// fast the machine: the pause is pressed after epoch 2 of 150.
	m := smallModel(t, 150)
	d := newDriver(t, m, 100, 30)
	d.keys("2s")
	tt := m.train
	if tt.job == nil || tt.cur == nil {
		t.Fatalf("s did not start a run; status %q", m.sh.status.text)
	}
	dir := tt.cur.dir
	if filepath.Dir(dir) != m.sh.runsDir {
		t.Fatalf("run directory %s is not under --runs %s", dir, m.sh.runsDir)
	}
	d.until(func() bool { return tt.cur.state.Epoch >= 2 }, 30*time.Second, "two epochs")
	v := m.View()
	if !strings.Contains(v, "epoch ") || !strings.Contains(v, "/150") || !strings.Contains(v, "train") || !strings.Contains(v, "┤") {
		t.Fatalf("no epoch counter or loss chart while training:\n%s", v)
	}
	// Resizing while training keeps everything.
	d.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	checkFits(t, m.View(), 80, 24)
	d.send(tea.WindowSizeMsg{Width: 100, Height: 30})

	d.keys(" ") // pause
	d.until(func() bool { return tt.job == nil }, 30*time.Second, "the pause to save")
	paused := tt.cur.state.Epoch
	if st := readState(t, dir); st.Status != run.StatusStopped || st.Epoch != paused {
		t.Fatalf("after pause state.json is %+v, want stopped at epoch %d", st, paused)
	}
	if !strings.Contains(m.sh.status.text, "paused") {
		t.Fatalf("status after pause: %q", m.sh.status.text)
	}
	d.keys(" ") // resume
	if tt.job == nil {
		t.Fatalf("space did not resume; status %q", m.sh.status.text)
	}
	d.until(func() bool { return tt.job == nil }, 150*time.Second, "the run to finish")
	st := readState(t, dir)
	if st.Status != run.StatusFinished || st.Epoch != 150 {
		t.Fatalf("final state %+v, want finished at 150", st)
	}
	if got := len(tt.cur.history); got != 150 {
		t.Fatalf("the UI holds %d epochs, want 150", got)
	}
	if m.sh.status.level != levelGood || !strings.Contains(m.sh.status.text, "finished 150 epochs") {
		t.Fatalf("status %q", m.sh.status.text)
	}
	// The chart has every epoch, and the runs list shows the finished run.
	if tt.chart.train.len() != 150 || tt.chart.val.len() != 150 {
		t.Fatalf("chart has %d/%d points", tt.chart.train.len(), tt.chart.val.len())
	}
	d.until(func() bool { return len(tt.runs) == 1 && tt.runs[0].state.Status == run.StatusFinished }, 10*time.Second, "the runs list")
	// Opening it again shows the saved history.
	tt.cur = nil
	d.keys("\n")
	if tt.cur == nil || len(tt.cur.history) != 150 {
		t.Fatal("enter did not open the run")
	}
	// Resuming a finished run says what to do instead.
	d.keys("r")
	if tt.job != nil || !strings.Contains(m.sh.status.text, "--epochs") {
		t.Fatalf("resume of a finished run: job %v, status %q", tt.job != nil, m.sh.status.text)
	}
}

func TestQuitWhileTrainingAsksAndSaves(t *testing.T) {
	m := smallModel(t, 100000)
	d := newDriver(t, m, 100, 30)
	d.keys("t") // train straight from the Task tab
	tt := m.train
	d.until(func() bool { return tt.job != nil }, 5*time.Second, "t to start a run")
	if tt.job == nil || m.active != 1 {
		t.Fatalf("t did not start training on the Train tab (tab %d); status %q", m.active, m.sh.status.text)
	}
	dir := tt.cur.dir
	d.until(func() bool { return tt.cur.state.Epoch >= 1 }, 30*time.Second, "an epoch")
	d.keys("q")
	if d.quit || !m.confirmQuit || !strings.Contains(m.View(), "stop it") {
		t.Fatalf("q while training did not ask first:\n%s", m.View())
	}
	d.keys("n")
	if m.confirmQuit || tt.job == nil {
		t.Fatal("n did not keep training")
	}
	d.keys("q")
	d.send(tea.KeyMsg{Type: tea.KeyCtrlC}) // ctrl+c answers yes
	d.until(func() bool { return d.quit }, 30*time.Second, "quit after saving")
	if tt.job != nil {
		t.Fatal("quit before the worker finished")
	}
	st := readState(t, dir)
	if st.Status != run.StatusStopped || st.Epoch < 1 {
		t.Fatalf("state.json after quit: %+v", st)
	}
	if _, err := os.Stat(filepath.Join(dir, run.CheckpointFile)); err != nil {
		t.Fatalf("no checkpoint after quit: %v", err)
	}
}

func TestShutdownStopsAndSaves(t *testing.T) {
	m := smallModel(t, 100000)
	d := newDriver(t, m, 100, 30)
	d.keys("2s")
	d.until(func() bool { return m.train.cur.state.Epoch >= 1 }, 30*time.Second, "an epoch")
	dir := m.train.cur.dir
	// What Run does when the program ends without a quit (SIGTERM, a panic).
	m.train.shutdown(nil)
	if st := readState(t, dir); st.Status != run.StatusStopped {
		t.Fatalf("state after shutdown: %+v", st)
	}
}

func TestWorkerPanicIsRecovered(t *testing.T) {
	saved := newSession
	newSession = func(*run.Run) (*run.Session, error) { panic("boom") }
	defer func() { newSession = saved }()
	m := smallModel(t, 5)
	d := newDriver(t, m, 100, 30)
	d.keys("2s")
	d.until(func() bool { return m.train.job == nil }, 10*time.Second, "the worker to end")
	if s := m.sh.status; s.level != levelError || !strings.Contains(s.text, "internal error") || !strings.Contains(s.text, "boom") {
		t.Fatalf("status %+v, want the recovered panic", s)
	}
	if st := readState(t, m.train.cur.dir); st.Status != run.StatusFailed || !strings.Contains(st.Message, "boom") {
		t.Fatalf("state.json %+v, want failed with the panic", st)
	}
	checkFits(t, m.View(), 100, 30)
	// The app is still usable: a new run can start.
	newSession = saved
	d.keys("s")
	if m.train.job == nil {
		t.Fatalf("cannot start after a failed run: %q", m.sh.status.text)
	}
	m.train.shutdown(nil)
}

// fakeJob is a job whose events the test writes.
func fakeJob() *trainJob {
	done := make(chan struct{})
	close(done)
	return &trainJob{cancel: func() {}, events: make(chan jobEvent, 64), progress: make(chan run.Progress, 4), done: done}
}

func TestDivergedRunKeepsLastGoodEpoch(t *testing.T) {
	m := newTestModel(t, "3bff-small", 100, 30)
	press(m, keyOf('2'))
	withTrainingHistory(t, m) // includes a NaN/Inf epoch
	tt := m.train
	j := fakeJob()
	tt.job, j.dir = j, tt.cur.dir
	n := tt.chart.train.len()
	last := tt.cur.history[len(tt.cur.history)-1].Epoch
	m.Update(jobPollMsg{job: j, events: []jobEvent{
		{epoch: &run.EpochStats{Epoch: last + 1, TrainLoss: 0.05, ValLoss: 0.06}},
		{epoch: &run.EpochStats{Epoch: last + 2, TrainLoss: math.Inf(1), ValLoss: math.NaN()}},
		{end: &jobEnd{state: run.State{Status: run.StatusDiverged, Epoch: last + 1, Epochs: 40,
			Message: "training diverged at epoch 33, batch 2: loss not finite; keeping epoch 32"}}},
	}})
	if tt.job != nil {
		t.Fatal("the job did not end")
	}
	if s := m.sh.status; s.level != levelError || !strings.Contains(s.text, "diverged") || !strings.Contains(s.text, "keeping epoch") {
		t.Fatalf("status %+v", s)
	}
	if tt.chart.train.len() != n+1 || tt.chart.val.len() != n+1 {
		t.Fatalf("chart got %d/%d points, want %d (non-finite refused)", tt.chart.train.len(), tt.chart.val.len(), n+1)
	}
	for _, s := range []curve{tt.chart.train, tt.chart.val} {
		for _, y := range s.y {
			if !finite(y) {
				t.Fatalf("a non-finite value reached the chart: %v", y)
			}
		}
	}
	v := m.View()
	if strings.Contains(v, "NaN") || strings.Contains(v, "Inf") {
		t.Fatalf("NaN/Inf on screen:\n%s", v)
	}
	if !strings.Contains(v, "diverged") {
		t.Fatalf("the run's state is not shown:\n%s", v)
	}
}

func TestStaleProgressIgnored(t *testing.T) {
	m := newTestModel(t, "3bff-small", 100, 30)
	press(m, keyOf('2'))
	withTrainingHistory(t, m)
	tt := m.train
	j := fakeJob()
	tt.job = j
	tt.cur.progress = nil
	// Progress of the epoch that just completed arrives after its epoch event.
	m.Update(jobPollMsg{job: j, progress: &run.Progress{Epoch: tt.cur.state.Epoch, Epochs: 40, Batch: 5, Batches: 5}})
	if tt.cur.progress != nil {
		t.Fatal("progress of a completed epoch was applied")
	}
	m.Update(jobPollMsg{job: j, progress: &run.Progress{Epoch: tt.cur.state.Epoch + 1, Epochs: 40, Batch: 1, Batches: 5}})
	if tt.cur.progress == nil {
		t.Fatal("current progress was dropped")
	}
}

func TestStartRefusedWhileTrainingOrInvalid(t *testing.T) {
	m := newTestModel(t, "3bff-small", 100, 30)
	press(m, keyOf('2'))
	m.train.job = fakeJob()
	press(m, keyOf('s'))
	if !strings.Contains(m.sh.status.text, "already training") {
		t.Fatalf("second start: %q", m.sh.status.text)
	}
	m.train.job = nil
	m.sh.cfg.Train.Batch = 0 // out of range: refused before any directory is made
	press(m, keyOf('s'))
	if m.sh.status.level != levelError || !strings.Contains(m.sh.status.text, "train.batch") {
		t.Fatalf("invalid start: %q", m.sh.status.text)
	}
	if entries, _ := os.ReadDir(m.sh.runsDir); len(entries) != 0 {
		t.Fatalf("an invalid start made %d directories", len(entries))
	}
}

func TestResumeRefusesARunTrainingElsewhere(t *testing.T) {
	m := smallModel(t, 5)
	r, err := run.Create(filepath.Join(m.sh.runsDir, "other"), m.sh.cfg)
	if err != nil {
		t.Fatal(err)
	}
	r.State.Status = run.StatusTraining
	if err := r.SaveState(); err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, m, 100, 30)
	d.keys("2")
	d.until(func() bool { return len(m.train.runs) == 1 }, 5*time.Second, "the runs list")
	// A trainer holds the run's lock: refused, naming it.
	lock, err := run.AcquireLock(r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	d.keys("r")
	if m.train.job != nil || !strings.Contains(m.sh.status.text, "is being trained by") {
		t.Fatalf("resume of a run training elsewhere: %q", m.sh.status.text)
	}
	lock.Release()
	// A training state from a ctdtui older than the lock (no pid), saved
	// just now: that trainer may be alive.
	d.keys("r")
	if m.train.job != nil || !strings.Contains(m.sh.status.text, "older ctdtui") {
		t.Fatalf("resume of a run training in an older ctdtui: %q", m.sh.status.text)
	}
}

func TestProgressLine(t *testing.T) {
	m := newTestModel(t, "3bff-small", 100, 30)
	press(m, keyOf('2'))
	withTrainingHistory(t, m)
	tt := m.train
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	m.sh.now = func() time.Time { return now }
	tt.job = fakeJob()
	// A slow first epoch of a session: the line says it is running.
	tt.cur.seconds = nil
	tt.cur.info = &jobStarted{epoch: 30, epochs: 40}
	tt.cur.epochStart = now.Add(-75 * time.Second)
	if l := tt.progressLine(100); !strings.Contains(l, "epoch 30/40") || !strings.Contains(l, "epoch 31 running for 1m15s") {
		t.Fatalf("progress line %q", l)
	}
	// With epoch times: the rate and the time left (9.6 epochs at 2 s).
	tt.cur.seconds = []float64{2, 2, 2}
	if l := tt.progressLine(100); !strings.Contains(l, "2.0 s/epoch") || !strings.Contains(l, "19s left") || !strings.Contains(l, "76%") {
		t.Fatalf("progress line %q", l)
	}
	tt.cur.seconds = []float64{0.25}
	if l := tt.progressLine(100); !strings.Contains(l, "4.0 epochs/s") {
		t.Fatalf("progress line %q", l)
	}
	tt.job = nil
}

func TestCtrlCLeavesWhileSaving(t *testing.T) {
	m := newTestModel(t, "3bff-small", 100, 30)
	press(m, keyOf('2'))
	withTrainingHistory(t, m)
	m.train.job = fakeJob()
	press(m, keyOf('q'))
	press(m, keyOf('y'))
	if !m.quitting {
		t.Fatal("y did not start the quit")
	}
	if quits(press(m, keyOf('q'))) {
		t.Fatal("q while saving quit without waiting")
	}
	if !quits(press(m, tea.KeyMsg{Type: tea.KeyCtrlC})) {
		t.Fatal("ctrl+c while saving did not leave the UI")
	}
	if !m.train.Active() {
		t.Fatal("the run was dropped instead of left to Run's shutdown")
	}
	m.train.job = nil
}
