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
