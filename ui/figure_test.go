package ui

import (
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// F saves the view's figure next to the run and says where; a second F
// never overwrites the first.
func TestSaveFigureKey(t *testing.T) {
	d := newTrainedModel(t, 120, 40, false)
	out := t.TempDir()
	d.m.figFolder = func(dir string) string { return filepath.Join(out, filepath.Base(dir)) }
	save := func(what string) string {
		t.Helper()
		d.keys("F")
		d.until(func() bool { return d.m.fig.running() == nil }, 60*time.Second, "the figure of "+what)
		s := d.m.sh.status.text
		if !strings.HasPrefix(s, "saved the figure to ") {
			t.Fatalf("%s: status %q", what, s)
		}
		path := strings.TrimPrefix(s, "saved the figure to ")
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := png.DecodeConfig(f); err != nil {
			t.Fatalf("%s: %s is not a PNG: %v", what, path, err)
		}
		return path
	}
	// The Task tab has none, and says so.
	d.keys("1F")
	if s := d.m.sh.status.text; !strings.Contains(s, "no figure") {
		t.Fatalf("Task tab: %q", s)
	}
	// The Trials tab: the trial shown.
	openTrials(t, d, "3bff-gru")
	d.keys("→→")
	p := save("the trial")
	if filepath.Base(p) != "trial-val-2.png" || filepath.Base(filepath.Dir(p)) != "3bff-gru" {
		t.Fatalf("trial figure at %s", p)
	}
	if p2 := save("the trial again"); filepath.Base(p2) != "trial-val-2-2.png" {
		t.Fatalf("the second figure %s (the first must stay)", p2)
	}
	// The Analysis tab: the trajectories page.
	d.keys("4")
	d.until(func() bool { return d.m.anal.shown() != nil }, 20*time.Second, "the analysis")
	if p := save("the trajectories"); !strings.HasPrefix(filepath.Base(p), "trajectories-val") {
		t.Fatalf("analysis figure %s", p)
	}
	// The Train tab: the loss of the run opened there.
	d.keys("2")
	for i, e := range d.m.train.runs {
		if e.name == "3bff-rnn" {
			d.m.train.sel = i
		}
	}
	d.keys("\n")
	d.until(func() bool { return d.m.train.cur != nil }, 5*time.Second, "the run")
	if p := save("the loss"); filepath.Base(p) != "loss-epoch200.png" || filepath.Base(filepath.Dir(p)) != "3bff-rnn" {
		t.Fatalf("loss figure %s", p)
	}
	// The help lists F where a view has a figure.
	d.keys("?")
	if v := d.m.View(); !strings.Contains(v, "save figure") {
		t.Fatalf("full help without F:\n%s", v)
	}
}
