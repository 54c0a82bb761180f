package run

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ctdtui/ctdtui/nets"
)

func readFiles(t *testing.T, dir string, names ...string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		out[n] = data
	}
	return out
}

// Case 2 of issue 11: resuming a run whose checkpoint.bin is missing or
// corrupt must not start again from epoch 1 (which overwrote history.csv,
// best.bin and state.json): it is refused with what to do, and touches
// nothing. --from-best then continues from best.bin.
func TestResumeNeverRestartsTrainedRun(t *testing.T) {
	cfg := tiny(t)
	dir := filepath.Join(t.TempDir(), "r")
	trainTo(t, dir, cfg, 4, false)
	ck := filepath.Join(dir, CheckpointFile)
	good, _ := os.ReadFile(ck)
	kept := []string{HistoryFile, BestFile, StateFile}
	for _, damage := range []string{"missing", "truncated", "garbled"} {
		switch damage {
		case "missing":
			os.Remove(ck)
		case "truncated":
			os.WriteFile(ck, good[:len(good)-100], 0o644)
		case "garbled":
			bad := bytes.Clone(good)
			bad[len(bad)/3] ^= 0x55
			os.WriteFile(ck, bad, 0o644)
		}
		before := readFiles(t, dir, kept...)
		var out bytes.Buffer
		err := TrainHeadless(context.Background(), TrainOptions{Resume: dir, Epochs: 6}, &out)
		if err == nil || !strings.Contains(err.Error(), CheckpointFile) || !strings.Contains(err.Error(), "--from-best") {
			t.Fatalf("%s checkpoint: resume gave %v, want a refusal naming %s and --from-best\n%s", damage, err, CheckpointFile, out.String())
		}
		after := readFiles(t, dir, kept...)
		for _, n := range kept {
			if !bytes.Equal(before[n], after[n]) {
				t.Errorf("%s checkpoint: refused resume changed %s", damage, n)
			}
		}
	}
	// A run with no epochs on record still starts from scratch.
	fresh := filepath.Join(t.TempDir(), "f")
	if _, err := Create(fresh, cfg); err != nil {
		t.Fatal(err)
	}
	if err := TrainHeadless(context.Background(), TrainOptions{Resume: fresh, Epochs: 1}, &bytes.Buffer{}); err != nil {
		t.Fatalf("resuming a run that never trained: %v", err)
	}

	// --from-best continues from best.bin's epoch with the history up to it.
	r, _ := Open(dir)
	bestEpoch := r.State.BestEpoch
	var out bytes.Buffer
	if err := TrainHeadless(context.Background(), TrainOptions{Resume: dir, Epochs: 6, FromBest: true}, &out); err != nil {
		t.Fatalf("--from-best: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), fmt.Sprintf("continuing from best.bin at epoch %d", bestEpoch)) {
		t.Errorf("--from-best output:\n%s", out.String())
	}
	back, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if back.State.Status != StatusFinished || back.State.Epoch != 6 || len(back.History) != 6 {
		t.Fatalf("after --from-best: %+v, %d history rows", back.State, len(back.History))
	}
	for i, h := range back.History[:bestEpoch] {
		if h != r.History[i] {
			t.Fatalf("history row %d changed: %+v, was %+v", i+1, h, r.History[i])
		}
	}
	// Once the checkpoint is sound again, --from-best is refused.
	err = TrainHeadless(context.Background(), TrainOptions{Resume: dir, Epochs: 7, FromBest: true}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "is sound") {
		t.Fatalf("--from-best on a sound checkpoint: %v", err)
	}
}

// crash is the panic value of a simulated crash.
type crash struct{ n int }

// Case 5 of issue 11: the per-epoch writes and the resume check make every
// crash point resumable. The test counts every step of every file write of
// a 3-epoch run (each temporary file written, each rename), then for each
// step simulates a crash right after it (nothing more is written, the lock
// is dropped as the kernel would), resumes, and checks that the run ends
// exactly as an uninterrupted one: same checkpoint, best model and history.
func TestEveryCrashPointResumes(t *testing.T) {
	cfg := tiny(t)
	cfg.Train.Epochs = 3
	root := t.TempDir()
	ref := filepath.Join(root, "ref")
	steps := 0
	crashHook = func(string, string) { steps++ }
	trainTo(t, ref, cfg, 3, false)
	crashHook = nil
	defer func() { crashHook = nil }()
	refR, err := Open(ref)
	if err != nil {
		t.Fatal(err)
	}
	want := readFiles(t, ref, CheckpointFile, BestFile)
	if steps < 2*(3+4*3) {
		t.Fatalf("only %d write steps counted", steps)
	}
	for k := 1; k <= steps; k++ {
		dir := filepath.Join(root, fmt.Sprint("c", k))
		var where string
		n := 0
		crashHook = func(path, stage string) {
			if n++; n == k {
				where = filepath.Base(path) + " " + stage
				panic(crash{k})
			}
		}
		func() {
			var s *Session
			defer func() {
				if p := recover(); p != nil {
					if _, ok := p.(crash); !ok {
						panic(p)
					}
				}
				if s != nil {
					s.Close() // the kernel drops a dead process's lock
				}
			}()
			r, err := Create(dir, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if s, err = NewSession(r); err != nil {
				t.Fatal(err)
			}
			s.Train(context.Background(), nil)
		}()
		crashHook = nil
		if where == "" {
			t.Fatalf("step %d: no crash", k)
		}
		// Resume as a user would; a crash before config.toml existed left
		// nothing to resume, so the run is simply started again.
		opts := TrainOptions{Resume: dir, Epochs: 3}
		if _, err := os.Stat(filepath.Join(dir, ConfigFile)); err != nil {
			opts = TrainOptions{Preset: "3bff-small", Out: dir}
			if err := os.WriteFile(filepath.Join(root, "cfg.toml"), mustEncode(t, cfg), 0o644); err != nil {
				t.Fatal(err)
			}
			opts.Preset = filepath.Join(root, "cfg.toml")
		}
		var out bytes.Buffer
		if err := TrainHeadless(context.Background(), opts, &out); err != nil {
			t.Fatalf("crash after step %d (%s): resume failed: %v\n%s", k, where, err, out.String())
		}
		got := readFiles(t, dir, CheckpointFile, BestFile)
		r, err := Open(dir)
		if err != nil {
			t.Fatalf("crash after step %d (%s): %v", k, where, err)
		}
		if !bytes.Equal(got[CheckpointFile], want[CheckpointFile]) || !bytes.Equal(got[BestFile], want[BestFile]) {
			t.Fatalf("crash after step %d (%s): the resumed run's checkpoint or best model differs from the uninterrupted run's", k, where)
		}
		if r.State.Status != StatusFinished || r.State.Epoch != 3 || r.State.BestEpoch != refR.State.BestEpoch || len(r.History) != 3 {
			t.Fatalf("crash after step %d (%s): state %+v, %d history rows", k, where, r.State, len(r.History))
		}
		for i := range r.History {
			a, b := r.History[i], refR.History[i]
			if a.Epoch != b.Epoch || a.TrainLoss != b.TrainLoss || a.ValLoss != b.ValLoss {
				t.Fatalf("crash after step %d (%s): history row %d %+v, want %+v", k, where, i+1, a, b)
			}
		}
		if m, _ := filepath.Glob(filepath.Join(dir, ".*.tmp-*")); len(m) > 0 {
			t.Errorf("crash after step %d (%s): temporary files left: %v", k, where, m)
		}
	}
	t.Logf("%d crash points resumed", steps)
}

func mustEncode(t *testing.T, cfg interface{ Encode() ([]byte, error) }) []byte {
	t.Helper()
	data, err := cfg.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// A run that diverges in its first epoch keeps its initial model as the
// checkpoint (epoch 0), so it still has a model to look at.
func TestFirstEpochDivergenceKeepsInitialModel(t *testing.T) {
	cfg := tiny(t)
	cfg.Train.Epochs = 3
	r, err := Create(filepath.Join(t.TempDir(), "d"), cfg)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSession(r)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	init := nets.NewCheckpoint(s.Trainer.Model, nil, 0).Params
	task := nanAt{s.Task, 0}
	tr, err := nets.NewTrainer(task, s.Data, cfg.ModelConfig(), cfg.TrainConfig())
	if err != nil {
		t.Fatal(err)
	}
	s.Task, s.Trainer = task, tr
	if err := s.Train(context.Background(), nil); !errors.Is(err, nets.ErrDiverged) {
		t.Fatalf("expected divergence, got %v", err)
	}
	back, err := Open(r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	ck, err := back.ReadCheckpoint(false)
	if err != nil || ck.Header.Epoch != 0 || back.State.Status != StatusDiverged {
		t.Fatalf("after a first-epoch divergence: checkpoint %v, state %+v", err, back.State)
	}
	for i := range init {
		if ck.Params[i] != init[i] {
			t.Fatal("the kept checkpoint is not the initial model")
		}
	}
}

// Case 3 of issue 11 (its second half): a "training" state whose trainer
// died is recognised at once by its lock, not after a timeout: listed as
// interrupted and resumable. A live trainer (another process holding the
// lock) is listed as training and refused by name.
func TestStaleTrainingStateAndLiveTrainer(t *testing.T) {
	cfg := tiny(t)
	dir := filepath.Join(t.TempDir(), "s")
	trainTo(t, dir, cfg, 2, false)
	r, _ := Open(dir)
	r.State.Status, r.State.PID, r.State.Host = StatusTraining, 999999, "elsewhere"
	r.SaveState() // as a trainer killed mid-epoch leaves it, updated just now
	if s := Inspect(dir); s.Status != StatusInterrupted || s.Damage != nil {
		t.Fatalf("stale training state: %+v", s)
	}
	if err := TrainHeadless(context.Background(), TrainOptions{Resume: dir, Epochs: 3}, &bytes.Buffer{}); err != nil {
		t.Fatalf("resuming an interrupted run: %v", err)
	}

	// A live trainer: another process holds the lock.
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldLock$")
	cmd.Env = append(os.Environ(), "CTDTUI_LOCK_DIR="+dir)
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	if line, _ := bufio.NewReader(stdout).ReadString('\n'); line != "locked\n" {
		t.Fatalf("helper: %q", line)
	}
	if s := Inspect(dir); s.Status != StatusTraining || s.Holder == nil || s.Holder.PID != cmd.Process.Pid {
		t.Fatalf("run held by pid %d: %+v", cmd.Process.Pid, s)
	}
	err := TrainHeadless(context.Background(), TrainOptions{Resume: dir, Epochs: 4}, &bytes.Buffer{})
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), fmt.Sprintf("pid %d", cmd.Process.Pid)) {
		t.Fatalf("resuming a run another process trains: %v", err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if err := TrainHeadless(context.Background(), TrainOptions{Resume: dir, Epochs: 4}, &bytes.Buffer{}); err != nil {
		t.Fatalf("after the trainer died: %v", err)
	}

	// A legacy state (no pid: written before the lock existed) updated just
	// now may be a live old trainer; an old one is interrupted.
	st := State{Status: StatusTraining, Updated: time.Now()}
	if !LiveLegacyTrainer(st, time.Now()) || LiveLegacyTrainer(st, time.Now().Add(time.Hour)) {
		t.Error("legacy training window")
	}
}

// Inspect reports each kind of damage by file, and a sound run as sound.
func TestInspectNamesDamage(t *testing.T) {
	cfg := tiny(t)
	src := filepath.Join(t.TempDir(), "src")
	trainTo(t, src, cfg, 3, false)
	if s := Inspect(src); s.Damage != nil || s.Status != StatusFinished {
		t.Fatalf("sound run: %+v", s)
	}
	for _, c := range []struct {
		name   string
		damage func(dir string)
		want   string
	}{
		{"truncated checkpoint", func(d string) { truncate(t, filepath.Join(d, CheckpointFile), 10) }, CheckpointFile + ": corrupt checkpoint"},
		{"missing checkpoint", func(d string) { os.Remove(filepath.Join(d, CheckpointFile)) }, CheckpointFile + " is missing"},
		{"garbled history", func(d string) {
			os.WriteFile(filepath.Join(d, HistoryFile), []byte("epoch,train_loss,val_loss,seconds\n1,x,2,3\n"), 0o644)
		}, HistoryFile + ": line 2"},
		{"missing history", func(d string) { os.Remove(filepath.Join(d, HistoryFile)) }, HistoryFile + " is missing"},
		{"corrupt state", func(d string) { os.WriteFile(filepath.Join(d, StateFile), []byte("{\"status\": "), 0o644) }, StateFile + ": corrupt"},
		{"missing config", func(d string) { os.Remove(filepath.Join(d, ConfigFile)) }, ConfigFile + " is missing"},
		{"truncated best", func(d string) { truncate(t, filepath.Join(d, BestFile), 1) }, BestFile + ": corrupt"},
	} {
		dir := filepath.Join(t.TempDir(), "d")
		copyRun(t, src, dir)
		c.damage(dir)
		s := Inspect(dir)
		if s.Status != StatusDamaged || s.Damage == nil || !strings.Contains(s.Damage.Error(), filepath.Join(dir, c.want)) {
			t.Errorf("%s: %+v, want damage %q", c.name, s, c.want)
		}
		if !LooksLikeRun(dir) {
			t.Errorf("%s: not recognised as a run directory", c.name)
		}
	}
}

func truncate(t *testing.T, path string, by int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, data[:len(data)-by], 0o644)
}

func copyRun(t *testing.T, src, dst string) {
	t.Helper()
	os.MkdirAll(dst, 0o755)
	for _, n := range runFiles {
		if data, err := os.ReadFile(filepath.Join(src, n)); err == nil {
			os.WriteFile(filepath.Join(dst, n), data, 0o644)
		}
	}
}

// A damaged state.json does not stop a resume: it is rebuilt from the
// checkpoint and the history, with a note.
func TestResumeRebuildsDamagedState(t *testing.T) {
	cfg := tiny(t)
	dir := filepath.Join(t.TempDir(), "s")
	trainTo(t, dir, cfg, 2, false)
	for _, bad := range []string{`{"status": "fini`, ""} {
		if bad == "" {
			os.Remove(filepath.Join(dir, StateFile))
		} else {
			os.WriteFile(filepath.Join(dir, StateFile), []byte(bad), 0o644)
		}
		if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), StateFile) {
			t.Fatalf("Open of a run with a damaged state.json: %v", err)
		}
		var out bytes.Buffer
		epochs := 3
		if bad == "" {
			epochs = 4
		}
		if err := TrainHeadless(context.Background(), TrainOptions{Resume: dir, Epochs: epochs}, &out); err != nil {
			t.Fatalf("resume: %v\n%s", err, out.String())
		}
		if !strings.Contains(out.String(), "rebuilt from checkpoint.bin and history.csv") || !strings.Contains(out.String(), "resuming after epoch") {
			t.Errorf("output:\n%s", out.String())
		}
		back, err := Open(dir)
		if err != nil || back.State.Epoch != epochs || back.State.Status != StatusFinished {
			t.Fatalf("after the resume: %v, %+v", err, back.State)
		}
	}
}

// A history behind the checkpoint (what a crash of a ctdtui older than this
// write order could leave) is refused, and --from-best continues from
// best.bin when the history reaches its epoch.
func TestHistoryBehindCheckpointFromBest(t *testing.T) {
	cfg := tiny(t)
	root := t.TempDir()
	dir, two := filepath.Join(root, "b"), filepath.Join(root, "two")
	trainTo(t, dir, cfg, 4, false)
	trainTo(t, two, cfg, 2, false) // the same run's model at epoch 2
	best, _ := os.ReadFile(filepath.Join(two, CheckpointFile))
	os.WriteFile(filepath.Join(dir, BestFile), best, 0o644)
	r, _ := Open(dir)
	os.WriteFile(filepath.Join(dir, HistoryFile), encodeHistory(r.History[:3]), 0o644)
	err := TrainHeadless(context.Background(), TrainOptions{Resume: dir, Epochs: 5}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "--from-best") {
		t.Fatalf("resume with the history behind: %v", err)
	}
	var out bytes.Buffer
	if err := TrainHeadless(context.Background(), TrainOptions{Resume: dir, Epochs: 5, FromBest: true}, &out); err != nil {
		t.Fatalf("--from-best: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "continuing from best.bin at epoch 2") {
		t.Errorf("output:\n%s", out.String())
	}
	back, err := Open(dir)
	if err != nil || back.State.Epoch != 5 || len(back.History) != 5 || back.History[1] != r.History[1] {
		t.Fatalf("after --from-best: %v, %+v", err, back.State)
	}
}
