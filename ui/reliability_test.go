package ui

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/ctdtui/ctdtui/run"
)

// damagedRuns makes a runs directory with sound and damaged copies of the
// trained flip-flop GRU, one kind of damage each (issue 11, case 1).
func damagedRuns(t testing.TB) string {
	t.Helper()
	root := t.TempDir()
	src := filepath.Join(trainedRuns, "3bff-gru")
	damage := map[string]func(dir string){
		"good":         func(string) {},
		"ck-truncated": func(d string) { chop(t, filepath.Join(d, run.CheckpointFile), 1000) },
		"ck-missing":   func(d string) { os.Remove(filepath.Join(d, run.CheckpointFile)) },
		"hist-garbled": func(d string) {
			os.WriteFile(filepath.Join(d, run.HistoryFile), []byte("epoch,train_loss,val_loss,seconds\n1,0.3,\"x\n"), 0o644)
		},
		"hist-missing":  func(d string) { os.Remove(filepath.Join(d, run.HistoryFile)) },
		"state-corrupt": func(d string) { os.WriteFile(filepath.Join(d, run.StateFile), []byte("{\"status\": \"fin"), 0o644) },
		"no-config":     func(d string) { os.Remove(filepath.Join(d, run.ConfigFile)) },
	}
	for name, f := range damage {
		dir := filepath.Join(root, name)
		os.MkdirAll(dir, 0o755)
		ents, err := os.ReadDir(src)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			data, _ := os.ReadFile(filepath.Join(src, e.Name()))
			os.WriteFile(filepath.Join(dir, e.Name()), data, 0o644)
		}
		f(dir)
	}
	os.MkdirAll(filepath.Join(root, "not-a-run"), 0o755) // no run files: not listed
	return root
}

func chop(t testing.TB, path string, n int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, data[:len(data)-n], 0o644)
}

func damagedModel(t testing.TB) (*driver, string) {
	t.Helper()
	root := damagedRuns(t)
	m, err := New(Options{Preset: "3bff-small", Runs: root, Theme: "dark"})
	if err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, m, 120, 34)
	d.until(func() bool { return len(m.sh.runs) > 0 }, 5*time.Second, "the runs scan")
	return d, root
}

func screen(d *driver) string { return ansi.Strip(d.m.View()) }

// Case 1 of issue 11: a run with a truncated or missing checkpoint shows
// its error, naming the file, on the Trials, Analysis and Compare tabs, and
// keeps showing it (before: "Loading <run>…" for ever, the load restarted
// every time it failed).
func TestDamagedRunShowsItsError(t *testing.T) {
	d, root := damagedModel(t)
	m := d.m
	for _, name := range []string{"ck-truncated", "ck-missing"} {
		dir := filepath.Join(root, name)
		want := filepath.Join(dir, run.CheckpointFile)
		for _, tab := range []struct {
			key  string
			open func(string) tea.Cmd
		}{{"3", m.trials.openRun}, {"4", m.anal.openRun}} {
			d.keys(tab.key)
			m.trials.picker, m.anal.picker = nil, nil
			d.exec(tab.open(dir))
			d.until(func() bool { s := screen(d); return strings.Contains(s, want) && !strings.Contains(s, "Loading "+name) },
				10*time.Second, "tab "+tab.key+" to show the error of "+name)
			d.settle(500 * time.Millisecond)
			if e := m.sh.store.entries[dir]; e == nil || e.work != nil || e.err == nil {
				t.Fatalf("tab %s, %s: the failed load was started again: %+v", tab.key, name, e)
			}
			if s := screen(d); !strings.Contains(s, want) {
				t.Fatalf("tab %s, %s: the error went away:\n%s", tab.key, name, s)
			}
		}
		// Compare: A sound, B damaged.
		d.keys("5")
		m.cmp.picker = nil
		m.cmp.dirA, m.cmp.dirB = filepath.Join(root, "good"), dir
		d.exec(m.cmp.ensure())
		d.until(func() bool { s := screen(d); return strings.Contains(s, "B: "+want) }, 10*time.Second, "Compare to show B's error")
	}
}

// A damaged history.csv or state.json does not keep the model from the
// Trials tab: it opens, and the status line says what is missing.
func TestDamagedHistoryStillOpens(t *testing.T) {
	d, root := damagedModel(t)
	m := d.m
	for _, c := range []struct{ name, file string }{{"hist-garbled", run.HistoryFile}, {"hist-missing", run.HistoryFile}, {"state-corrupt", run.StateFile}} {
		dir := filepath.Join(root, c.name)
		d.keys("3")
		m.trials.picker = nil
		d.send(m.trials.openRun(dir)())
		d.until(func() bool { return m.trials.shown() != nil }, 20*time.Second, "the trials of "+c.name)
		if s := m.sh.status; s.level != levelWarn || !strings.Contains(s.text, c.file) {
			t.Errorf("%s: status %q, want a warning naming %s", c.name, s.text, c.file)
		}
	}
}

// The run lists show each run's true state: damaged runs as damaged with
// the reason (before: "finished"), runs without config.toml listed rather
// than hidden.
func TestRunListShowsDamage(t *testing.T) {
	d, root := damagedModel(t)
	m := d.m
	got := map[string]runEntry{}
	for _, e := range m.sh.runs {
		got[e.name] = e
	}
	if _, ok := got["not-a-run"]; ok {
		t.Error("a directory without run files is listed")
	}
	for name, want := range map[string]string{
		"ck-truncated": run.CheckpointFile, "ck-missing": run.CheckpointFile, "hist-garbled": run.HistoryFile,
		"hist-missing": run.HistoryFile, "state-corrupt": run.StateFile, "no-config": run.ConfigFile,
	} {
		e, ok := got[name]
		if !ok {
			t.Errorf("%s not listed", name)
			continue
		}
		if e.err == nil || !strings.Contains(e.err.Error(), filepath.Join(root, name, want)) {
			t.Errorf("%s: listed with error %v, want one naming %s", name, e.err, want)
		}
	}
	if e := got["good"]; e.err != nil || e.state.Status != run.StatusFinished {
		t.Errorf("sound run listed as %+v", e)
	}
	d.keys("2")
	s := screen(d)
	if !strings.Contains(s, "damaged") || !strings.Contains(s, "checkpoint.bin") {
		t.Errorf("the Train tab's run list does not say which runs are damaged and why:\n%s", s)
	}
}

// Case 3 of issue 11 (TUI side): a run left "training" by a process that
// died resumes at once (before: refused for two minutes, "another ctdtui
// may be training it"); one held by a live trainer is refused by name.
func TestStaleTrainingStateResumesAtOnce(t *testing.T) {
	m := smallModel(t, 50)
	d := newDriver(t, m, 100, 30)
	dir := filepath.Join(m.sh.runsDir, "stale")
	cfg := m.sh.cfg
	cfg.Train.Epochs = 2
	if err := run.TrainHeadless(context.Background(), run.TrainOptions{Preset: writePreset(t, cfg), Out: dir}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	r, err := run.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	// As a trainer of 50 epochs killed after its second leaves it.
	r.Config.Train.Epochs = 50
	os.WriteFile(filepath.Join(dir, run.ConfigFile), mustEncode(t, r.Config), 0o644)
	r.State.Status, r.State.PID, r.State.Epochs = run.StatusTraining, 999999, 50
	r.SaveState()
	d.send(scanRunsCmd(m.sh.runsDir)())
	if e := m.sh.runs[0]; e.status != run.StatusInterrupted {
		t.Fatalf("listed as %q, want interrupted", e.status)
	}

	// Held by a live trainer: refused, naming it.
	lock, err := run.AcquireLock(dir)
	if err != nil {
		t.Fatal(err)
	}
	d.keys("2")
	d.exec(m.train.resumeDir(dir))
	if m.train.job != nil || !strings.Contains(m.sh.status.text, "is being trained by") {
		t.Fatalf("resumed a run another trainer holds; status %q", m.sh.status.text)
	}
	lock.Release()

	cmd := m.train.resumeDir(dir)
	if m.train.job == nil {
		t.Fatalf("a stale training state was not resumed; status %q", m.sh.status.text)
	}
	d.exec(cmd)
	d.until(func() bool { return m.train.cur.state.Epoch >= 3 }, 30*time.Second, "an epoch after the resume")
	d.keys("x")
	d.until(func() bool { return m.train.job == nil }, 30*time.Second, "the stop")
	if st := readState(t, dir); st.Status != run.StatusStopped || st.Epoch < 3 {
		t.Fatalf("after resume and stop: %+v", st)
	}
}

func writePreset(t testing.TB, cfg interface{ Encode() ([]byte, error) }) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "p.toml")
	os.WriteFile(p, mustEncode(t, cfg), 0o644)
	return p
}

func mustEncode(t testing.TB, cfg interface{ Encode() ([]byte, error) }) []byte {
	t.Helper()
	data, err := cfg.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return data
}
