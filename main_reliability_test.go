package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/ctdtui/ctdtui/run"
)

// TestMain lets a test run this binary as ctdtui itself (CTDTUI_AS_MAIN=1):
// signals and pipes need a real process.
func TestMain(m *testing.M) {
	if os.Getenv("CTDTUI_AS_MAIN") == "1" {
		os.Exit(runMain(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// ctdtui returns a command running this test binary as ctdtui.
func ctdtui(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "CTDTUI_AS_MAIN=1")
	return cmd
}

// slowTrain is a training run long enough to be interrupted.
func slowTrain(dir string) []string {
	return []string{"train", "--preset", "3bff-small", "--set", "task.samples=40", "--set", "model.latent=8", "--epochs", "100000", "--out", dir}
}

func exitCode(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	if err == nil {
		return 0
	}
	if !errors.As(err, &ee) {
		t.Fatal(err)
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		t.Fatalf("killed by %v instead of exiting", ws.Signal())
	}
	return ee.ExitCode()
}

func readState(t *testing.T, dir string) run.State {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, run.StateFile))
	if err != nil {
		t.Fatal(err)
	}
	var st run.State
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	return st
}

// Case 3 of issue 11: the reader of the output goes away (ctdtui train | head
// -3): the run stops cleanly, as after Ctrl-C, and says so in state.json
// (before: killed by SIGPIPE, state.json left at "training").
func TestClosedPipeStopsTraining(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	cmd := ctdtui(slowTrain(dir)...)
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = pw
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	br := bufio.NewReader(pr)
	for i := 0; i < 3; i++ { // head -3
		if _, err := br.ReadString('\n'); err != nil {
			t.Fatal(err)
		}
	}
	pr.Close()
	code := exitCode(t, cmd.Wait())
	st := readState(t, dir)
	if code != 141 || st.Status != run.StatusStopped || st.Epoch < 2 {
		t.Fatalf("exit %d, state %+v; want 141 and stopped (stderr %q)", code, st, stderr.String())
	}
	// And it resumes where it stopped.
	out, err := ctdtui("train", "--resume", dir, "--epochs", strconv.Itoa(st.Epoch+1)).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "resuming after epoch "+strconv.Itoa(st.Epoch)) {
		t.Fatalf("resume: %v\n%s", err, out)
	}
}

// Case 6 of issue 11: a run stopped by SIGINT, SIGTERM or SIGHUP saves its
// last epoch and exits with 128+signal, not 0.
func TestSignalsStopTrainingNonZero(t *testing.T) {
	for _, c := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}, {syscall.SIGHUP, 129}} {
		t.Run(c.sig.String(), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "s")
			cmd := ctdtui(slowTrain(dir)...)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(out)
			for {
				line, err := br.ReadString('\n')
				if err != nil {
					t.Fatal(err)
				}
				if strings.HasPrefix(line, "epoch ") {
					break
				}
			}
			cmd.Process.Signal(c.sig)
			rest, _ := io.ReadAll(br)
			code := exitCode(t, cmd.Wait())
			st := readState(t, dir)
			if code != c.code || st.Status != run.StatusStopped || !strings.Contains(string(rest), "stopped: ") {
				t.Fatalf("exit %d, state %+v; want %d and stopped\n%s", code, st, c.code, rest)
			}
		})
	}
}

// Case 4 of issue 11: a damaged or missing history.csv does not lock the
// user out of an intact model: the analyses warn and go on, with and
// without --best.
func TestAnalysesWithoutHistory(t *testing.T) {
	src := "study/testdata/3bff-gru32"
	for _, damage := range []string{"garbled", "missing"} {
		dir := filepath.Join(t.TempDir(), "r")
		copyDir(t, src, dir)
		hist := filepath.Join(dir, run.HistoryFile)
		if damage == "missing" {
			os.Remove(hist)
		} else {
			os.WriteFile(hist, []byte("epoch,train_loss\n1,\"x\n"), 0o644)
		}
		npz := filepath.Join(t.TempDir(), "x.npz")
		for _, args := range [][]string{
			{"analyze", dir, "--phase", "val"},
			{"analyze", dir, "--phase", "val", "--best"},
			{"fixedpoints", dir, "--inits", "16", "--iters", "100"},
			{"fixedpoints", dir, "--inits", "16", "--iters", "100", "--best"},
			{"export", dir, "--out", npz, "--phase", "val"},
			{"export", dir, "--out", npz, "--phase", "val", "--best"},
			{"trial", dir, "--trial", "2"},
			{"dynamics", dir},
			{"eval", dir},
			{"compare", dir, src, "--no-dsa"},
		} {
			var o, e bytes.Buffer
			code := runMain(args, &o, &e)
			if code != 0 || !strings.Contains(e.String(), "warning: ") || !strings.Contains(e.String(), run.HistoryFile) || o.Len() == 0 {
				t.Errorf("%s history, ctdtui %v: status %d\nstderr %s", damage, args, code, e.String())
			}
		}
	}
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// --seed is train.seed; --version prints the build.
func TestTrainSeedAndVersion(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "v")
	var o, e bytes.Buffer
	if code := runMain([]string{"train", "--preset", "3bff-small", "--set", "task.samples=20", "--set", "model.latent=4", "--epochs", "1", "--seed", "7", "--out", dir}, &o, &e); code != 0 {
		t.Fatalf("status %d: %s", code, e.String())
	}
	cfg, _ := os.ReadFile(filepath.Join(dir, run.ConfigFile))
	if !strings.Contains(string(cfg), "seed = 7") {
		t.Errorf("--seed 7 not recorded:\n%s", cfg)
	}
	o.Reset()
	e.Reset()
	if code := runMain([]string{"train", "--seed", "-1"}, &o, &e); code != 1 || !strings.Contains(e.String(), "not a non-negative integer") {
		t.Errorf("--seed -1: status %d, %s", code, e.String())
	}
	for _, args := range [][]string{{"--version"}, {"version"}, {"train", "--version"}} {
		o.Reset()
		if code := runMain(args, &o, &e); code != 0 || !strings.HasPrefix(o.String(), "ctdtui ") {
			t.Errorf("ctdtui %v: status %d, %q", args, code, o.String())
		}
	}
}

// Issue 11, point 7: train.lr goes high enough to provoke a divergence, and
// a run that diverges in its first epoch keeps a checkpoint (its initial
// model), with state.json saying what happened.
func TestProvokedDivergenceKeepsTheRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "d")
	var o, e bytes.Buffer
	code := runMain([]string{"train", "--preset", "3bff-small", "--set", "task.samples=40", "--set", "model.kind=node",
		"--set", "train.lr=10", "--set", "train.clip=0", "--epochs", "5", "--out", dir}, &o, &e)
	st := readState(t, dir)
	if code != 1 || !strings.Contains(e.String(), "diverged") || st.Status != run.StatusDiverged {
		t.Fatalf("status %d, state %+v\n%s%s", code, st, o.String(), e.String())
	}
	r, err := run.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ck, err := r.ReadCheckpoint(false)
	if err != nil || ck.Header.Epoch != st.Epoch {
		t.Fatalf("checkpoint after the divergence: %v (state at epoch %d)", err, st.Epoch)
	}
}

// The README's exit-status table says what runMain returns for each stop
// signal (128 + the signal's number) and lists every signal that stops a run.
func TestREADMEExitCodes(t *testing.T) {
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	sigs := map[string]syscall.Signal{"SIGHUP": syscall.SIGHUP, "SIGINT": syscall.SIGINT, "SIGPIPE": syscall.SIGPIPE, "SIGTERM": syscall.SIGTERM}
	seen := map[syscall.Signal]bool{}
	for _, line := range strings.Split(string(data), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 4 {
			continue
		}
		code, err := strconv.Atoi(strings.TrimSpace(cells[1]))
		if err != nil || code < 128 {
			continue
		}
		for name, sig := range sigs {
			if strings.Contains(cells[2], name) {
				seen[sig] = true
				if code != 128+int(sig) {
					t.Errorf("README: exit status %d for %s, the code gives %d", code, name, 128+int(sig))
				}
			}
		}
	}
	for _, s := range stopSignals {
		if !seen[s.(syscall.Signal)] {
			t.Errorf("README: no exit status for %v", s)
		}
	}
}
