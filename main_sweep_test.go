package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ctdtui/ctdtui/run"
	"github.com/ctdtui/ctdtui/sweep"
)

var tinySweep = []string{"--preset", "3bff-small", "--set", "task.samples=40", "--set", "task.nbff.steps=20", "--set", "model.latent=8"}

func sweepArgs(extra ...string) []string { return append(append([]string{}, tinySweep...), extra...) }

// The sweep subcommands: mistakes are refused with their message (and
// nothing created), a sweep is created, trained one index at a time,
// reported, and written as a Slurm script.
func TestSweepCommands(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sw")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"sweep"}, 1, "missing subcommand"},
		{[]string{"sweep", "launch", dir}, 1, `unknown subcommand "launch"`},
		{[]string{"sweep", "new"}, 1, "missing DIR"},
		{append([]string{"sweep", "new", dir}, sweepArgs("--grid", "model.kind=gru,transformer")...), 1, `"transformer" is not one of`},
		{append([]string{"sweep", "new", dir}, sweepArgs("--grid", "model.latnet=1,2")...), 1, "model.latnet: unknown key"},
		{append([]string{"sweep", "new", dir}, sweepArgs("--seeds", "3-1")...), 1, "runs backwards"},
		{append([]string{"sweep", "new", dir}, sweepArgs("--grid", "train.batch=1-2000")...), 1, "not an integer"},
		{[]string{"sweep", "new", dir, "--file", "x.toml", "--preset", "3bff-small"}, 1, "--file holds the whole definition"},
		{[]string{"sweep", "status", dir}, 1, "sweep directory"},
	} {
		var out, errb bytes.Buffer
		code := runMain(c.args, &out, &errb)
		if code != c.code || !strings.Contains(errb.String(), c.want) {
			t.Errorf("ctdtui %v: status %d, stderr %q; want %d and %q", c.args, code, errb.String(), c.code, c.want)
		}
	}
	if _, err := os.Stat(dir); err == nil {
		t.Fatal("a refused sweep created its directory")
	}
	var out, errb bytes.Buffer
	args := append([]string{"sweep", "new", dir}, sweepArgs("--grid", "model.kind=gru,rnn", "--seeds", "0-1", "--set", "train.epochs=2")...)
	if code := runMain(args, &out, &errb); code != 0 {
		t.Fatalf("sweep new: %d %s", code, errb.String())
	}
	for _, want := range []string{"4 runs (2 grid points × 2 seeds)", "0  gru-s0", "3  rnn-s1", "ctdtui sweep run " + dir} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("sweep new output lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if code := runMain([]string{"sweep", "run", dir, "--index", "2"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "epoch     rnn-s0  2/2") {
		t.Fatalf("sweep run --index 2: %d\n%s%s", code, out.String(), errb.String())
	}
	out.Reset()
	if code := runMain([]string{"sweep", "status", dir, "--json"}, &out, &errb); code != 0 {
		t.Fatal(errb.String())
	}
	var rep sweep.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil || rep.Runs[2].Status != run.StatusFinished || rep.Counts[run.StatusCreated] != 3 {
		t.Fatalf("status --json: %v\n%s", err, out.String())
	}
	out.Reset()
	if code := runMain([]string{"sweep", "status", dir}, &out, &errb); code != 0 || !strings.Contains(out.String(), "model.kind (gru, rnn) × seeds 0,1") ||
		!strings.Contains(out.String(), "4 runs: 1 finished, 3 created; 2/8 epochs (25%)") {
		t.Fatalf("status:\n%s", out.String())
	}
	// The test binary is a temporary build, which tasks could not run.
	errb.Reset()
	if code := runMain([]string{"sweep", "slurm", dir}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "--ctdtui PATH") {
		t.Errorf("slurm from a go-build binary: %d %s", code, errb.String())
	}
	out.Reset()
	if code := runMain([]string{"sweep", "slurm", dir, "--ctdtui", "/usr/local/bin/ctdtui", "--max-parallel", "2"}, &out, &errb); code != 0 ||
		!strings.Contains(out.String(), "3 array tasks (--array=0,1,3%2)") {
		t.Fatalf("slurm: %d %s %s", code, out.String(), errb.String())
	}
	out.Reset()
	if code := runMain([]string{"sweep", "run", dir, "--jobs", "2", "--cores", "2", "--progress", "0"}, &out, &errb); code != 0 ||
		!strings.Contains(out.String(), "3 finished, 1 already done") {
		t.Fatalf("sweep run: %d\n%s%s", code, out.String(), errb.String())
	}
	out.Reset()
	cmp := []string{"sweep", "compare", dir, "--no-fixedpoints", "--dsa-delays", "4", "--dsa-rank", "10", "--dsa-trials", "8", "--reference", "rnn-s0"}
	if code := runMain(append(cmp, "--json"), &out, &errb); code != 0 {
		t.Fatalf("sweep compare: %d %s", code, errb.String())
	}
	var cr sweep.CompareReport
	if err := json.Unmarshal(out.Bytes(), &cr); err != nil || len(cr.Summary) != 2 || cr.Reference != "rnn-s0" || len(cr.Matrix.Runs) != 4 {
		t.Fatalf("compare --json: %v\n%s", err, out.String())
	}
	out.Reset()
	if code := runMain(cmp, &out, &errb); code != 0 || !strings.Contains(out.String(), "DSA to rnn-s0") {
		t.Fatalf("sweep compare: %d\n%s", code, out.String())
	}
	if code := runMain([]string{"sweep", "compare", dir, "--metric", "nope"}, &out, &errb); code != 1 || !strings.Contains(errb.String(), `"nope"`) {
		t.Errorf("bad metric: %d %s", code, errb.String())
	}
}

// Ctrl-C stops a sweep's runs cleanly: exit status 130, each run saved as
// stopped at an epoch, and the command says how to resume.
func TestSweepRunInterrupted(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sw")
	var out, errb bytes.Buffer
	if code := runMain(append([]string{"sweep", "new", dir}, sweepArgs("--seeds", "0-1", "--set", "train.epochs=100000")...), &out, &errb); code != 0 {
		t.Fatal(errb.String())
	}
	cmd := ctdtui("sweep", "run", dir, "--jobs", "2", "--cores", "2", "--progress", "0")
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(stdout)
	started := 0
	for started < 2 {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(line, "start ") {
			started++
		}
	}
	s, err := sweep.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for s.Status().EpochsDone < 2 {
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGINT)
	rest, _ := io.ReadAll(br)
	if code := exitCode(t, cmd.Wait()); code != 130 {
		t.Fatalf("exit %d, want 130\n%s", code, rest)
	}
	rep := s.Status()
	if rep.Counts[run.StatusStopped] != 2 || !strings.Contains(string(rest), "resume with: ctdtui sweep run") {
		t.Fatalf("after Ctrl-C: %v\n%s", rep.Counts, rest)
	}
}
