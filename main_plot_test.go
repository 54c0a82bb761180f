package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// ctdtui plot: a figure per --what written where --out says, in the format
// of its extension; mistakes are named.
func TestPlotCommand(t *testing.T) {
	const ff = "study/testdata/3bff-gru32"
	dir := t.TempDir()
	out := func(n string) string { return filepath.Join(dir, n) }
	os.WriteFile(out("taken.png"), []byte("x"), 0o644)
	// A folder of runs stands for its runs, as in compare.
	copyDir(t, ff, out("folder/a"))
	copyDir(t, ff, out("folder/b"))
	for _, c := range []struct {
		args     []string
		code     int
		out, err string
		file     string
	}{
		{[]string{"plot", ff, "--what", "loss", "--out", out("loss.png")}, 0, "wrote " + out("loss.png"), "", out("loss.png")},
		{[]string{"plot", ff, ff, "--what", "loss", "--smooth", "0.9", "--linear", "--out", out("loss.svg")}, 0, "loss of 3bff-gru32 (2 series)", "", out("loss.svg")},
		{[]string{"plot", ff, "--what", "scree", "--out", out("scree.pdf"), "--width", "12cm", "--height", "8cm"}, 0, "scree", "", out("scree.pdf")},
		{[]string{"plot", ff, "--what", "trial", "--trial", "2", "--out", out("trial.png")}, 0, "trial", "", out("trial.png")},
		{[]string{"plot", ff, "--what", "trajectories", "--3d", "--out", out("traj.svg")}, 0, "(8 series)", "", out("traj.svg")},
		{[]string{"plot", ff, "--what", "fixedpoints", "--inits", "32", "--iters", "200", "--out", out("fp.png")}, 0, "fixedpoints", "", out("fp.png")},
		{[]string{"plot", out("folder"), "--what", "matrix", "--metric", "r2", "--out", out("m.png")}, 0, "matrix of a", "", out("m.png")},
		{[]string{"plot", ff, "--what", "loss", "--out", out("taken.png")}, 1, "", "taken.png exists: choose another --out or add --force", ""},
		{[]string{"plot", ff, "--what", "loss", "--out", out("taken.png"), "--force"}, 0, "wrote", "", out("taken.png")},
		{[]string{"plot", ff, "--what", "pie", "--out", out("pie.png")}, 1, "", `--what "pie" is not one of loss, scree`, ""},
		{[]string{"plot", ff, "--what", "loss", "--out", out("loss.jpg")}, 1, "", "format comes from its extension: .png, .svg or .pdf", ""},
		{[]string{"plot", ff, "--what", "loss"}, 1, "", "--out FIG.png|svg|pdf is required", ""},
		{[]string{"plot", ff, "--out", out("x.png")}, 1, "", "--what is required", ""},
		{[]string{"plot", ff, "--what", "compare", "--out", out("c.png")}, 1, "", "needs two runs", ""},
		{[]string{"plot", ff, "--what", "loss", "--width", "huge", "--out", out("w.png")}, 1, "", `--width "huge" is not a size`, ""},
		{[]string{"plot", ff, "--what", "loss", "--smooth", "1", "--out", out("s.png")}, 1, "", "--smooth 1 must be in [0, 1)", ""},
		{[]string{"plot", "nowhere", "--what", "loss", "--out", out("n.png")}, 1, "", "nowhere", ""},
	} {
		var o, e bytes.Buffer
		code := runMain(c.args, &o, &e)
		if code != c.code || !strings.Contains(o.String(), c.out) || !strings.Contains(e.String(), c.err) {
			t.Errorf("ctdtui %v: status %d\nstdout %.300q\nstderr %.300q\nwant %d, %q, %q", c.args, code, o.String(), e.String(), c.code, c.out, c.err)
			continue
		}
		if c.file != "" {
			b, err := os.ReadFile(c.file)
			if err != nil || len(b) < 100 {
				t.Errorf("ctdtui %v: %s not written (%v)", c.args, c.file, err)
			}
		}
	}
}

// The fixed-point figure shows the points `ctdtui fixedpoints` lists with the
// same settings: both search from all trials by default, and from --phase's
// when it is given (on this run the two differ: 8 points from all trials, 7
// from the validation trials, so a figure searching the wrong trials fails).
func TestPlotFixedPointsMatchesCommand(t *testing.T) {
	const ff = "study/testdata/3bff-gru32"
	count := regexp.MustCompile(`fixed points +(\d+) +distinct`)
	for _, phase := range [][]string{nil, {"--phase", "val"}} {
		search := append([]string{"--inits", "64", "--iters", "300"}, phase...)
		var o, e bytes.Buffer
		if code := runMain(append([]string{"fixedpoints", ff}, search...), &o, &e); code != 0 {
			t.Fatalf("fixedpoints %v: status %d: %s", phase, code, e.String())
		}
		m := count.FindStringSubmatch(o.String())
		if m == nil {
			t.Fatalf("fixedpoints %v printed no count:\n%s", phase, o.String())
		}
		fig := filepath.Join(t.TempDir(), "fp.svg")
		o.Reset()
		if code := runMain(append([]string{"plot", ff, "--what", "fixedpoints", "--out", fig}, search...), &o, &e); code != 0 {
			t.Fatalf("plot %v: status %d: %s", phase, code, e.String())
		}
		svg, err := os.ReadFile(fig)
		if err != nil {
			t.Fatal(err)
		}
		if want := "· " + m[1] + " fixed points"; !strings.Contains(string(svg), want) {
			t.Errorf("%v: the figure's title does not say %q (fixedpoints found %s)", phase, want, m[1])
		}
	}
}
