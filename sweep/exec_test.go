package sweep

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ctdtui/ctdtui/nets"
	"github.com/ctdtui/ctdtui/presets"
	"github.com/ctdtui/ctdtui/run"
)

// tinySet makes 3bff-small a few milliseconds an epoch.
var tinySet = []string{"task.samples=40", "task.nbff.steps=20", "model.latent=8", "train.batch=16"}

// newTiny creates a sweep of tiny flip-flop runs: kinds × seeds, epochs each.
func newTiny(t testing.TB, dir string, kinds string, seeds []int, epochs int) *Sweep {
	t.Helper()
	set := append([]string{fmt.Sprintf("train.epochs=%d", epochs)}, tinySet...)
	d := Definition{Preset: "3bff-small", Set: set, Grid: []Axis{{Key: "model.kind", Values: strings.Split(kinds, ",")}}, Seeds: seeds}
	p, err := d.Expand(0)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Create(dir, p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func history(t testing.TB, dir string) []nets.EpochStats {
	t.Helper()
	r, err := run.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return r.History
}

// TestTrainIdempotent: a sweep trains every run to its last epoch, with a
// history and an evaluation; a second run of the executor trains nothing
// and touches no file.
func TestTrainIdempotent(t *testing.T) {
	s := newTiny(t, filepath.Join(t.TempDir(), "sw"), "gru,rnn", []int{0, 1}, 3)
	var out bytes.Buffer
	res, err := s.Train(context.Background(), Options{Jobs: 2, Cores: 2, Out: &out, Every: -1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Err() != nil || res.Count(OutcomeFinished) != 4 {
		t.Fatalf("outcomes %v, %v\n%s", res.Outcomes, res.Err(), out.String())
	}
	mtimes := map[string]time.Time{}
	for i := range s.Runs {
		dir := s.RunDir(i)
		if h := history(t, dir); len(h) != 3 {
			t.Errorf("%s: %d epochs of history", dir, len(h))
		}
		if _, err := os.Stat(filepath.Join(dir, run.EvalFile)); err != nil {
			t.Errorf("%s: no evaluation: %v", dir, err)
		}
		for _, f := range []string{run.StateFile, run.CheckpointFile, run.HistoryFile, run.EvalFile} {
			fi, _ := os.Stat(filepath.Join(dir, f))
			mtimes[filepath.Join(dir, f)] = fi.ModTime()
		}
	}
	for _, want := range []string{"start ", "finished", "sweep sw ended", "4 finished"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("progress lacks %q:\n%s", want, out.String())
		}
	}
	rep := s.Status()
	if rep.Done != 4 || rep.Counts[run.StatusFinished] != 4 || rep.EpochsDone != 12 {
		t.Errorf("status after training: %+v", rep)
	}
	out.Reset()
	res, err = s.Train(context.Background(), Options{Jobs: 2, Cores: 2, Out: &out, Every: -1})
	if err != nil || res.Count(OutcomeDone) != 4 || len(res.Outcomes) != 4 {
		t.Fatalf("second run: %v %v", res.Outcomes, err)
	}
	if !strings.Contains(out.String(), "nothing to train") {
		t.Errorf("second run says:\n%s", out.String())
	}
	for f, mt := range mtimes {
		if fi, _ := os.Stat(f); !fi.ModTime().Equal(mt) {
			t.Errorf("%s was rewritten by the second run", f)
		}
	}
}

// TestTrainResumesStoppedRuns: cancelling stops every run at an epoch
// boundary; the next executor resumes them, and each ends with exactly the
// history of a run never interrupted (training is deterministic).
func TestTrainResumesStoppedRuns(t *testing.T) {
	tmp := t.TempDir()
	s := newTiny(t, filepath.Join(tmp, "sw"), "gru,lstm", []int{0}, 400)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			if st := s.Status(); st.EpochsDone >= 4 {
				cancel()
				return
			}
			time.Sleep(2 * time.Millisecond)
		}
	}()
	res, err := s.Train(ctx, Options{Jobs: 2, Cores: 2, Every: -1})
	cancel()
	<-done
	if err != nil {
		t.Fatal(err)
	}
	if res.Count(OutcomeStopped) == 0 {
		t.Skipf("the runs finished before they could be stopped: %v", res.Outcomes)
	}
	stopped := map[string]int{}
	for i, r := range s.Status().Runs {
		if r.Status == run.StatusStopped {
			stopped[r.Name] = r.Epoch
			if h := history(t, s.RunDir(i)); len(h) != r.Epoch {
				t.Errorf("%s: stopped at epoch %d with %d rows of history", r.Name, r.Epoch, len(h))
			}
		}
	}
	// Finish them with fewer epochs, so the test stays short: a shorter run
	// is a prefix of the longer one.
	total := 0
	for _, e := range stopped {
		total = max(total, e+3)
	}
	setEpochs(t, s, total)
	res, err = s.Train(context.Background(), Options{Jobs: 2, Cores: 2, Every: -1})
	if err != nil || res.Err() != nil {
		t.Fatal(err, res.Err())
	}
	ref := newTiny(t, filepath.Join(tmp, "ref"), "gru,lstm", []int{0}, total)
	if _, err := ref.Train(context.Background(), Options{Jobs: 2, Cores: 2, Every: -1}); err != nil {
		t.Fatal(err)
	}
	for i, r := range s.Runs {
		got, want := history(t, s.RunDir(i)), history(t, ref.RunDir(i))
		if !sameLosses(got, want) {
			t.Errorf("%s (stopped at %d): resumed history differs from an uninterrupted run's", r.Name, stopped[r.Name])
		}
	}
}

func sameLosses(a, b []nets.EpochStats) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if a[k].Epoch != b[k].Epoch || a[k].TrainLoss != b[k].TrainLoss || a[k].ValLoss != b[k].ValLoss {
			return false
		}
	}
	return true
}

// setEpochs changes the runs' total epochs (as ctdtui train --resume
// --epochs does).
func setEpochs(t testing.TB, s *Sweep, epochs int) {
	t.Helper()
	for i := range s.Runs {
		path := filepath.Join(s.RunDir(i), run.ConfigFile)
		cfg, err := presets.LoadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Train.Epochs = epochs
		data, _ := cfg.Encode()
		if err := run.WriteFileAtomic(path, data); err != nil {
			t.Fatal(err)
		}
	}
}

// TestHelperSweepProcess is the child process of the crash and the
// two-process tests: it trains the sweep named by CTDTUI_SWEEP.
func TestHelperSweepProcess(t *testing.T) {
	dir := os.Getenv("CTDTUI_SWEEP")
	if dir == "" {
		t.Skip("helper process")
	}
	s, err := Open(dir)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(3)
	}
	var only []int
	if v := os.Getenv("CTDTUI_SWEEP_INDEX"); v != "" {
		i, _ := strconv.Atoi(v)
		only = []int{i}
	}
	res, err := s.Train(context.Background(), Options{Jobs: 1, Cores: 1, Only: only, Out: os.Stdout, Every: -1})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(3)
	}
	for name, o := range res.Outcomes {
		fmt.Println("outcome", name, o)
	}
	os.Exit(0)
}

func helper(t *testing.T, dir string, index int) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperSweepProcess$")
	cmd.Env = append(os.Environ(), "CTDTUI_SWEEP="+dir)
	if index >= 0 {
		cmd.Env = append(cmd.Env, "CTDTUI_SWEEP_INDEX="+strconv.Itoa(index))
	}
	return cmd
}

// TestCrashAndResume: an executor killed with SIGKILL in mid-run (no
// clean-up at all) leaves the run "interrupted"; the next executor resumes
// it from its last checkpoint, and the run ends as if never interrupted.
func TestCrashAndResume(t *testing.T) {
	tmp := t.TempDir()
	s := newTiny(t, filepath.Join(tmp, "sw"), "gru", []int{0, 1}, 100000)
	cmd := helper(t, s.Dir, 0)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if st := s.RunStatus(0); st.Epoch >= 3 {
			if st.Status != run.StatusTraining || !strings.Contains(st.Holder, fmt.Sprint(cmd.Process.Pid)) {
				t.Errorf("while the helper trains: status %q, holder %q (helper pid %d)", st.Status, st.Holder, cmd.Process.Pid)
			}
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the helper did not train 3 epochs in a minute")
		}
		time.Sleep(2 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	st := s.RunStatus(0)
	if st.Status != run.StatusInterrupted {
		t.Fatalf("after SIGKILL: status %q, want interrupted", st.Status)
	}
	if s.RunStatus(1).Status != run.StatusCreated {
		t.Errorf("the other run: %q", s.RunStatus(1).Status)
	}
	total := st.Epoch + 3
	setEpochs(t, s, total)
	var out bytes.Buffer
	res, err := s.Train(context.Background(), Options{Jobs: 2, Cores: 2, Out: &out, Every: -1})
	if err != nil || res.Err() != nil || res.Count(OutcomeFinished) != 2 {
		t.Fatalf("resume: %v %v %v\n%s", res.Outcomes, err, res.Err(), out.String())
	}
	if !strings.Contains(out.String(), "resume ") {
		t.Errorf("the crashed run was not resumed:\n%s", out.String())
	}
	ref := newTiny(t, filepath.Join(tmp, "ref"), "gru", []int{0}, total)
	if _, err := ref.Train(context.Background(), Options{Jobs: 1, Cores: 1, Every: -1}); err != nil {
		t.Fatal(err)
	}
	if !sameLosses(history(t, s.RunDir(0)), history(t, ref.RunDir(0))) {
		t.Error("the resumed run's history differs from an uninterrupted run's")
	}
}

// TestTwoExecutorsNeverShareARun: two executors on one sweep at once — two
// in this process (two Opens, as two array tasks would) and one in another
// process — train every run exactly once between them: whoever finds a
// run locked leaves it, whoever finds it finished skips it.
func TestTwoExecutorsNeverShareARun(t *testing.T) {
	s := newTiny(t, filepath.Join(t.TempDir(), "sw"), "gru,rnn,lstm", []int{0, 1}, 40)
	cmd := helper(t, s.Dir, -1)
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	results := make([]*Result, 2)
	for k := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o, err := Open(s.Dir)
			if err != nil {
				t.Error(err)
				return
			}
			res, err := o.Train(context.Background(), Options{Jobs: 1, Cores: 1, Every: -1})
			if err != nil {
				t.Error(err)
				return
			}
			results[k] = res
		}()
	}
	helperOut := map[string]string{}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 3 && f[0] == "outcome" {
			helperOut[f[1]] = f[2]
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("helper: %v", err)
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	all := []map[string]string{results[0].Outcomes, results[1].Outcomes, helperOut}
	busy := 0
	for _, r := range s.Runs {
		trained := 0
		for _, m := range all {
			switch m[r.Name] {
			case OutcomeFinished:
				trained++
			case OutcomeBusy:
				busy++
			case OutcomeDone, "":
			default:
				t.Errorf("%s: outcome %q", r.Name, m[r.Name])
			}
		}
		if trained != 1 {
			t.Errorf("%s was trained by %d executors (outcomes %q %q %q)", r.Name, trained, all[0][r.Name], all[1][r.Name], all[2][r.Name])
		}
		if sum := run.Inspect(filepath.Join(s.Dir, r.Name)); sum.Damage != nil || sum.State.Epoch != 40 || len(history(t, filepath.Join(s.Dir, r.Name))) != 40 {
			t.Errorf("%s: %+v", r.Name, sum)
		}
	}
	t.Logf("%d times an executor found a run being trained by another", busy)
}

// TestOneFailureDoesNotStopTheOthers: a run whose files are damaged fails
// alone; the others finish, and the error names the run and the file.
func TestOneFailureDoesNotStopTheOthers(t *testing.T) {
	s := newTiny(t, filepath.Join(t.TempDir(), "sw"), "gru,rnn", []int{0, 1}, 3)
	bad := filepath.Join(s.RunDir(1), run.ConfigFile)
	os.WriteFile(bad, []byte("[model]\nkind = \"gru\"\nlatent = -3\n"), 0o644)
	res, err := s.Train(context.Background(), Options{Jobs: 1, Cores: 1, Every: -1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Count(OutcomeFinished) != 3 || res.Outcomes[s.Runs[1].Name] != OutcomeFailed {
		t.Fatalf("outcomes %v", res.Outcomes)
	}
	if e := res.Err(); e == nil || !strings.Contains(e.Error(), s.Runs[1].Name) || !strings.Contains(e.Error(), "model.latent") {
		t.Errorf("error %v", e)
	}
	// A missing run directory is a failure of that run too.
	os.RemoveAll(s.RunDir(2))
	if st := s.RunStatus(2); st.Status != StatusMissing {
		t.Errorf("status of a removed run: %q", st.Status)
	}
	res, _ = s.Train(context.Background(), Options{Jobs: 1, Cores: 1, Every: -1})
	if res.Outcomes[s.Runs[2].Name] != OutcomeFailed || res.Outcomes[s.Runs[0].Name] != OutcomeDone {
		t.Errorf("outcomes %v", res.Outcomes)
	}
}

// TestCoreBudget: runs × threads never exceed the cores: an explicit
// --jobs beyond the budget is refused, the default fits it, and the budget
// semaphore never lets more threads run than it holds.
func TestCoreBudget(t *testing.T) {
	d := Definition{Preset: "3bff-small", Set: append([]string{"train.epochs=1", "train.threads=2"}, tinySet...), Seeds: []int{0, 1, 2}}
	p, err := d.Expand(0)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Create(filepath.Join(t.TempDir(), "sw"), p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Train(context.Background(), Options{Jobs: 2, Cores: 2, Every: -1}); err == nil || !strings.Contains(err.Error(), "2 runs × 2 threads") {
		t.Errorf("--jobs 2 with 2 threads each on 2 cores: %v", err)
	}
	var out bytes.Buffer
	res, err := s.Train(context.Background(), Options{Cores: 2, Out: &out, Every: -1})
	if err != nil || res.Count(OutcomeFinished) != 3 || !strings.Contains(out.String(), "1 at a time, 2 threads each") {
		t.Errorf("default jobs: %v %v\n%s", res, err, out.String())
	}

	b := newBudget(4)
	var mu sync.Mutex
	inUse, peak := 0, 0
	var wg sync.WaitGroup
	for k := range 40 {
		n := 1 + k%3
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.acquire(n)
			mu.Lock()
			inUse += n
			peak = max(peak, inUse)
			mu.Unlock()
			time.Sleep(time.Millisecond)
			mu.Lock()
			inUse -= n
			mu.Unlock()
			b.release(n)
		}()
	}
	wg.Wait()
	if peak > 4 || inUse != 0 {
		t.Errorf("budget of 4: peak %d in use, %d left", peak, inUse)
	}
}

// TestIndexTrainsOneRun: --index trains that run alone (an array task),
// prints its epochs, and refuses an index outside the sweep.
func TestIndexTrainsOneRun(t *testing.T) {
	s := newTiny(t, filepath.Join(t.TempDir(), "sw"), "gru,rnn", []int{0}, 2)
	var out bytes.Buffer
	res, err := s.Train(context.Background(), Options{Only: []int{1}, EpochLines: true, Out: &out, Every: -1})
	if err != nil || len(res.Outcomes) != 1 || res.Outcomes[s.Runs[1].Name] != OutcomeFinished {
		t.Fatalf("%v %v", res, err)
	}
	if s.RunStatus(0).Status != run.StatusCreated || !strings.Contains(out.String(), "epoch     rnn-s0  2/2") {
		t.Errorf("status of run 0: %q; output:\n%s", s.RunStatus(0).Status, out.String())
	}
	if _, err := s.Train(context.Background(), Options{Only: []int{2}}); err == nil || !strings.Contains(err.Error(), "0 to 1") {
		t.Errorf("index 2 of 2 runs: %v", err)
	}
}
