package sweep

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ctdtui/ctdtui/run"
)

// syntheticSweep writes a sweep of n runs without training anything: a
// manifest and, per run, a state.json (statuses cycling through finished,
// stopped, created) and an empty lock file, plus a large dummy checkpoint
// that status must never read.
func syntheticSweep(t testing.TB, dir string, n int) *Sweep {
	t.Helper()
	s := &Sweep{Dir: dir, Def: Definition{Name: "synthetic", Preset: "3bff-small", Grid: []Axis{{Key: "model.latent"}}}, Created: time.Now().UTC().Truncate(time.Second)}
	for i := range n {
		s.Def.Grid[0].Values = append(s.Def.Grid[0].Values, fmt.Sprint(i+1))
		name := fmt.Sprintf("l%d", i+1)
		s.Runs = append(s.Runs, Run{Index: i, Name: name, Group: name, Values: []string{fmt.Sprint(i + 1)}})
		rd := filepath.Join(dir, name)
		if err := os.MkdirAll(rd, 0o755); err != nil {
			t.Fatal(err)
		}
		st := run.State{Status: []string{run.StatusFinished, run.StatusStopped, run.StatusCreated}[i%3], Epochs: 100, Updated: time.Now().UTC()}
		if st.Status != run.StatusCreated {
			st.Epoch, st.BestEpoch, st.BestVal = 100-50*(i%3), 40, 0.01+float64(i)/1e4
		}
		data, _ := json.Marshal(st)
		os.WriteFile(filepath.Join(rd, run.StateFile), data, 0o644)
		os.WriteFile(filepath.Join(rd, run.LockFile), nil, 0o644)
		os.WriteFile(filepath.Join(rd, run.CheckpointFile), make([]byte, 8<<10), 0o644)
	}
	if err := s.writeManifest(); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestStatusReadsEveryState: each status a run can be in is reported, with
// its epochs, best loss and holder, and counted in the totals.
func TestStatusReadsEveryState(t *testing.T) {
	s := syntheticSweep(t, t.TempDir(), 9)
	// Run 3 (finished by the cycle) is being trained: its lock is held.
	held := s.RunDir(4) // stopped by the cycle, now held
	l, err := run.AcquireLock(held)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	// Run 6: "training" left by a dead trainer (a pid is recorded).
	writeState(t, s.RunDir(6), run.State{Status: run.StatusTraining, Epoch: 7, Epochs: 100, PID: 99999999, Host: "elsewhere", Updated: time.Now().UTC()})
	// Run 7: state.json damaged; run 8: directory gone.
	os.WriteFile(filepath.Join(s.RunDir(7), run.StateFile), []byte("{"), 0o644)
	os.RemoveAll(s.RunDir(8))
	o, err := Open(s.Dir)
	if err != nil {
		t.Fatal(err)
	}
	rep := o.Status()
	want := []string{run.StatusFinished, run.StatusStopped, run.StatusCreated, run.StatusFinished, run.StatusTraining,
		run.StatusCreated, run.StatusInterrupted, run.StatusDamaged, StatusMissing}
	for i, r := range rep.Runs {
		if r.Status != want[i] || r.Index != i || r.Name != s.Runs[i].Name {
			t.Errorf("run %d %s: status %q, want %q (%s)", i, r.Name, r.Status, want[i], r.Message)
		}
	}
	if r := rep.Runs[0]; r.Epoch != 100 || r.BestVal == nil || *r.BestVal != 0.01 || r.BestEpoch != 40 {
		t.Errorf("finished run: %+v", r)
	}
	if r := rep.Runs[2]; r.BestVal != nil {
		t.Errorf("a created run has a best loss: %v", *r.BestVal)
	}
	if r := rep.Runs[4]; !strings.Contains(r.Holder, fmt.Sprint(os.Getpid())) {
		t.Errorf("held run's holder %q", r.Holder)
	}
	if rep.Done != 2 || rep.Counts[run.StatusCreated] != 2 || rep.Counts[StatusMissing] != 1 || rep.Epochs != 7*100 {
		t.Errorf("totals: %+v", rep)
	}
	if got, want := rep.Pending(), []int{1, 2, 4, 5, 6, 7, 8}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("pending %v, want %v", got, want)
	}
	var tbl, js bytes.Buffer
	if err := rep.WriteTable(&tbl); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"l5", "training", "interrupted", "damaged", "missing", "9 runs: 2 finished, 1 training, 2 created", "0.01 "} {
		if !strings.Contains(tbl.String(), w) {
			t.Errorf("table lacks %q:\n%s", w, tbl.String())
		}
	}
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || len(back.Runs) != 9 || back.Runs[4].Status != run.StatusTraining {
		t.Errorf("JSON: %v %+v", err, back)
	}
}

func writeState(t testing.TB, dir string, st run.State) {
	t.Helper()
	data, _ := json.Marshal(st)
	if err := os.WriteFile(filepath.Join(dir, run.StateFile), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkStatus1000 is `ctdtui sweep status` on a thousand runs: the
// manifest, a thousand state.json files and the lock probes of the runs
// not settled.
func BenchmarkStatus1000(b *testing.B) {
	dir := b.TempDir()
	syntheticSweep(b, dir, 1000)
	b.ResetTimer()
	for range b.N {
		s, err := Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		if rep := s.Status(); len(rep.Runs) != 1000 || rep.Counts[run.StatusFinished] != 334 {
			b.Fatalf("counts %v", rep.Counts)
		}
	}
}
