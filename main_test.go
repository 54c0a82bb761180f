package main

import (
	"bytes"
	"strings"
	"testing"
)

// The TUI path checks its flags and preset before it takes the terminal: a
// mistake is a usage error (status 2) with a message, on a normal screen.
func TestTUIFlagsValidatedFirst(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--preset", "nope"}, 2, `no preset "nope"`},
		{[]string{"--preset", "missing.toml"}, 2, "missing.toml"},
		{[]string{"--theme", "pink"}, 2, `--theme "pink"`},
		{[]string{"--runs", "main.go"}, 2, "is a file"},
		{[]string{"--bogus"}, 2, "flag provided but not defined"},
		{[]string{"--preset", "3bff-small", "extra"}, 2, "unexpected argument"},
		// Valid flags reach the terminal check: tests have no terminal.
		{[]string{"--preset", "3bff-small", "--runs", t.TempDir(), "--ascii", "--theme", "light"}, 1, "needs an interactive terminal"},
		{nil, 1, "needs an interactive terminal"},
	} {
		var out, errb bytes.Buffer
		code := runMain(c.args, &out, &errb)
		if code != c.code || !strings.Contains(errb.String(), c.want) {
			t.Errorf("ctdtui %v: status %d, stderr %q; want %d and %q", c.args, code, errb.String(), c.code, c.want)
		}
	}
}

func TestHelpStillPrintsUsage(t *testing.T) {
	for _, arg := range []string{"help", "-h", "--help"} {
		var out, errb bytes.Buffer
		if code := runMain([]string{arg}, &out, &errb); code != 0 || !strings.Contains(out.String(), "--theme dark|light|auto") {
			t.Errorf("ctdtui %s: status %d, output %q", arg, code, out.String())
		}
	}
}

// The analysis commands: JSON on stdout, errors with their message and status 1
// (usage mistakes included, as for train).
func TestAnalysisCommands(t *testing.T) {
	const ff = "study/testdata/3bff-gru32"
	npz := t.TempDir() + "/x.npz"
	for _, c := range []struct {
		args     []string
		code     int
		out, err string
	}{
		{[]string{"analyze", ff, "--phase", "val", "--json"}, 0, `"scree"`, ""},
		{[]string{"analyze", "--pcs", "3", ff}, 0, "PCA scree", ""},
		{[]string{"fixedpoints", ff, "--inits", "32", "--iters", "200", "--json"}, 0, `"points"`, ""},
		{[]string{"fixedpoints", ff, "--inputs", "0,0"}, 1, "", "--inputs has 2 values but the model takes 3 inputs (Input 0, Input 1, Input 2)"},
		{[]string{"fixedpoints", ff, "--inputs", "0,a,0"}, 1, "", `--inputs value 2 "a" is not a finite number`},
		{[]string{"fixedpoints", ff, "--mode", "fast"}, 1, "", `--mode "fast" is not one of refine, reference`},
		{[]string{"compare", ff}, 1, "", "compare: missing RUN_B"},
		{[]string{"compare", ff, "nowhere"}, 1, "", "run directory nowhere"},
		{[]string{"compare", ff, ff, "--no-dsa", "--phase", "train"}, 0, "state R²", ""},
		{[]string{"compare", ff, "study/testdata/multitask-gru8", "--dsa-delays", "5", "--dsa-rank", "8"}, 0, "need the same trials", ""},
		{[]string{"compare", ff, "study/testdata/3bff-gru16", "study/testdata/3bff-gru3", "--dsa-delays", "5", "--dsa-rank", "12", "--json"}, 0, `"matrices"`, ""},
		{[]string{"compare", "study/testdata", "--metric", "state_r2", "--threads", "1"}, 0, "state_r2: the reference's state R²", ""},
		{[]string{"compare", ff, ff, "--metric", "nonsense"}, 1, "", `--metric "nonsense" is not one of dsa`},
		{[]string{"export", ff}, 1, "", "--out FILE.npz is required"},
		{[]string{"export", ff, "--out", npz, "--phase", "val", "--json"}, 0, `"val_latents"`, ""},
		{[]string{"analyze", ff, "extra"}, 1, "", `unexpected argument "extra"`},
		{[]string{"analyze", ff, "--phase", "test"}, 1, "", `phase "test" is not one of train, val, all`},
	} {
		var out, errb bytes.Buffer
		code := runMain(c.args, &out, &errb)
		if code != c.code || !strings.Contains(out.String(), c.out) || !strings.Contains(errb.String(), c.err) {
			t.Errorf("ctdtui %v: status %d\nstdout %.300q\nstderr %.300q\nwant %d, %q, %q", c.args, code, out.String(), errb.String(), c.code, c.out, c.err)
		}
	}
}

// ctdtui eval: the metrics side by side, a saved evaluation that the analysis
// commands open, and refusals with their message.
func TestEvalCommand(t *testing.T) {
	const ff = "study/testdata/3bff-gru32"
	dir := t.TempDir() + "/noisy"
	for _, c := range []struct {
		args     []string
		code     int
		out, err string
	}{
		{[]string{"eval", ff}, 0, "the run's own validation trials", ""},
		{[]string{"eval", ff, "--set", "task.nbff.noise=0.5", "--out", dir}, 0, "under the change", ""},
		{[]string{"eval", "--json", ff, "--seed", "3", "--samples", "50"}, 0, `"same_trials": false`, ""},
		{[]string{"analyze", dir, "--json"}, 0, `"evaluation": {`, ""},
		{[]string{"eval", ff, "--out", dir}, 1, "", "already holds an evaluation"},
		{[]string{"eval", ff, "--set", "task.nbff.bits=2"}, 1, "", "reads 3 inputs and writes 3 outputs"},
		{[]string{"eval", ff, "--set", "train.epochs=3"}, 1, "", "task settings only"},
		{[]string{"eval"}, 1, "", "eval: missing RUN"},
		{[]string{"train", "--resume", dir}, 1, "", "is an evaluation of"},
	} {
		var out, errb bytes.Buffer
		code := runMain(c.args, &out, &errb)
		if code != c.code || !strings.Contains(out.String(), c.out) || !strings.Contains(errb.String(), c.err) {
			t.Errorf("ctdtui %v: status %d\nstdout %.300q\nstderr %.300q\nwant %d, %q, %q", c.args, code, out.String(), errb.String(), c.code, c.out, c.err)
		}
	}
}
