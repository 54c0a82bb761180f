package run

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ctdtui/ctdtui/nets"
	"github.com/ctdtui/ctdtui/presets"
	"github.com/ctdtui/ctdtui/sim"
)

// tiny is a configuration that trains in a fraction of a second per epoch.
func tiny(t *testing.T) presets.Config {
	c, err := presets.Embedded("3bff-small")
	if err != nil {
		t.Fatal(err)
	}
	c.Task.Samples, c.Task.NBFF.Steps, c.Model.Latent, c.Train.Batch = 40, 30, 8, 8
	c.Train.Threads = 2
	return c
}

func trainTo(t *testing.T, dir string, cfg presets.Config, epochs int, resume bool) *Run {
	t.Helper()
	var r *Run
	var err error
	if resume {
		r, err = Open(dir)
	} else {
		cfg.Train.Epochs = epochs
		r, err = Create(dir, cfg)
	}
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSession(r)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if resume {
		if err := s.SetEpochs(epochs); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Train(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestResumeMatchesUninterrupted: 2 epochs then a resume to 4 gives the same
// checkpoint, bit for bit, as 4 epochs in one go.
func TestResumeMatchesUninterrupted(t *testing.T) {
	cfg := tiny(t)
	root := t.TempDir()
	a, b := filepath.Join(root, "a"), filepath.Join(root, "b")
	trainTo(t, a, cfg, 4, false)
	trainTo(t, b, cfg, 2, false)
	rb := trainTo(t, b, cfg, 4, true)
	ca, _ := os.ReadFile(filepath.Join(a, CheckpointFile))
	cb, _ := os.ReadFile(filepath.Join(b, CheckpointFile))
	if !bytes.Equal(ca, cb) {
		t.Fatal("resumed run's checkpoint differs from the uninterrupted run's")
	}
	if len(rb.History) != 4 || rb.State.Status != StatusFinished || rb.State.Epoch != 4 {
		t.Fatalf("resumed run state %+v, %d history rows", rb.State, len(rb.History))
	}
	ha, _ := os.ReadFile(filepath.Join(a, HistoryFile))
	if !strings.HasPrefix(string(ha), "epoch,train_loss,val_loss,seconds\n") {
		t.Fatalf("history header: %q", ha)
	}
}

func TestDamagedFilesRefused(t *testing.T) {
	cfg := tiny(t)
	dir := filepath.Join(t.TempDir(), "r")
	trainTo(t, dir, cfg, 2, false)
	ck := filepath.Join(dir, CheckpointFile)
	good, _ := os.ReadFile(ck)
	expectErr := func(what, wantInMsg string) {
		t.Helper()
		r, err := Open(dir)
		if err == nil {
			var s *Session
			if s, err = NewSession(r); err == nil {
				s.Close()
			}
		}
		if err == nil || !strings.Contains(err.Error(), wantInMsg) {
			t.Errorf("%s: error %v should mention %q", what, err, wantInMsg)
		}
	}
	os.WriteFile(ck, good[:len(good)/2], 0o644)
	expectErr("truncated checkpoint", CheckpointFile)
	bad := bytes.Clone(good)
	bad[len(bad)/2] ^= 0xff
	os.WriteFile(ck, bad, 0o644)
	expectErr("flipped byte", "checksum")
	os.WriteFile(ck, good, 0o644)

	// A checkpoint from another architecture.
	other := cfg
	other.Model.Latent = 9
	odir := filepath.Join(t.TempDir(), "o")
	trainTo(t, odir, other, 1, false)
	foreign, _ := os.ReadFile(filepath.Join(odir, CheckpointFile))
	os.WriteFile(ck, foreign, 0o644)
	expectErr("mismatched checkpoint", "does not match")
	os.WriteFile(ck, good, 0o644)

	hist := filepath.Join(dir, HistoryFile)
	os.WriteFile(hist, []byte("epoch,train_loss\n1,2\n"), 0o644)
	expectErr("bad history header", HistoryFile)
	os.WriteFile(hist, []byte("epoch,train_loss,val_loss,seconds\n1,0.5,0.5,1\n"), 0o644)
	expectErr("history behind the checkpoint", HistoryFile)

	os.WriteFile(filepath.Join(dir, ConfigFile), []byte("[model]\nlatnt = 3\n"), 0o644)
	expectErr("bad config", "model.latnt")

	if _, err := Open(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("missing run directory accepted")
	}
}

// nanAt wraps a task so that its loss becomes NaN from a given epoch on.
type nanAt struct {
	sim.Task
	epoch int
}

func (n nanAt) Loss() sim.Loss { return nanLoss{n.Task.Loss(), n.epoch} }

type nanLoss struct {
	sim.Loss
	epoch int
}

func (l nanLoss) Eval(b *sim.Batch, out, grad *sim.Outputs) float64 {
	v := l.Loss.Eval(b, out, grad)
	if b.Epoch >= l.epoch {
		return math.NaN()
	}
	return v
}

func TestDivergenceKeepsLastGoodEpoch(t *testing.T) {
	cfg := tiny(t)
	cfg.Train.Epochs = 5
	r, err := Create(filepath.Join(t.TempDir(), "d"), cfg)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSession(r)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	task := nanAt{s.Task, 2}
	tr, err := nets.NewTrainer(task, s.Data, cfg.ModelConfig(), cfg.TrainConfig())
	if err != nil {
		t.Fatal(err)
	}
	s.Task, s.Trainer = task, tr
	err = s.Train(context.Background(), nil)
	if err == nil || !strings.Contains(err.Error(), "diverged") {
		t.Fatalf("expected divergence, got %v", err)
	}
	back, err := Open(r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if back.State.Status != StatusDiverged || back.State.Epoch != 2 || !strings.Contains(back.State.Message, "epoch 3") {
		t.Fatalf("state after divergence: %+v", back.State)
	}
	ck, err := back.ReadCheckpoint(false)
	if err != nil || ck.Header.Epoch != 2 {
		t.Fatalf("checkpoint after divergence: %v, epoch %d", err, ck.Header.Epoch)
	}
	for _, v := range ck.Params {
		if math.IsNaN(float64(v)) {
			t.Fatal("NaN parameters saved")
		}
	}
}

func TestCancelSavesAndStops(t *testing.T) {
	cfg := tiny(t)
	cfg.Train.Epochs = 50
	r, err := Create(filepath.Join(t.TempDir(), "c"), cfg)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSession(r)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	err = s.Train(ctx, func(st nets.EpochStats) {
		if st.Epoch == 3 {
			cancel()
		}
	})
	if err == nil {
		t.Fatal("cancelled run returned no error")
	}
	back, err := Open(r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if back.State.Status != StatusStopped || back.State.Epoch != 3 {
		t.Fatalf("state after cancel: %+v", back.State)
	}
	if ck, err := back.ReadCheckpoint(false); err != nil || ck.Header.Epoch != 3 {
		t.Fatalf("checkpoint after cancel: %v", err)
	}
}

func TestHeadlessOutput(t *testing.T) {
	var out bytes.Buffer
	dir := filepath.Join(t.TempDir(), "h")
	err := TrainHeadless(context.Background(), TrainOptions{Preset: "3bff-small", Sets: []string{"task.samples=20", "task.nbff.steps=20", "model.latent=4"}, Epochs: 2, Out: dir}, &out)
	if err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{"epoch 1/2", "epoch 2/2", "finished: 2 epochs done, best val", "median epoch", "run directory: " + dir} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	err = TrainHeadless(context.Background(), TrainOptions{Preset: "3bff-small", Sets: []string{"model.latnt=4"}, Out: filepath.Join(t.TempDir(), "x")}, &out)
	if err == nil || !strings.Contains(err.Error(), "model.latnt") {
		t.Errorf("bad --set not refused by name: %v", err)
	}
}

func TestLoadAndSameTrials(t *testing.T) {
	cfg := tiny(t)
	root := t.TempDir()
	a, b, c := filepath.Join(root, "a"), filepath.Join(root, "b"), filepath.Join(root, "c")
	trainTo(t, a, cfg, 2, false)
	other := cfg
	other.Model.Latent = 5 // another model on the same trials
	trainTo(t, b, other, 1, false)
	diff := cfg
	diff.Task.NBFF.Noise = 0.2 // other trials
	trainTo(t, c, diff, 1, false)
	la, err := Load(a, false)
	if err != nil {
		t.Fatal(err)
	}
	if la.Epoch != 2 {
		t.Fatalf("loaded epoch %d", la.Epoch)
	}
	inf, err := la.Infer(context.Background(), "val")
	if err != nil {
		t.Fatal(err)
	}
	again, _ := la.Infer(context.Background(), "val")
	if inf != again || len(inf.Trials) != len(la.Data.Valid) {
		t.Fatal("inference not cached per phase")
	}
	all, _ := la.Trials("all")
	if len(all) != la.Data.N() {
		t.Fatalf("phase all has %d trials", len(all))
	}
	if _, err := la.Trials("test"); err == nil {
		t.Fatal("unknown phase accepted")
	}
	lb, _ := Load(b, true)
	lc, _ := Load(c, false)
	if err := SameTrials(la, lb); err != nil {
		t.Fatalf("same trials refused: %v", err)
	}
	if err := SameTrials(la, lc); err == nil {
		t.Fatal("different trials accepted")
	}
	if _, err := Load(filepath.Join(root, "none"), false); err == nil {
		t.Fatal("missing run loaded")
	}
}

// The best epoch by IsBest's rule: during a curriculum the losses cannot be
// compared (early epochs score short stretches of the trials), so each
// epoch replaces the best until the loss is final; from then on the lowest
// wins. Without a curriculum it is the plain lowest loss.
func TestBestEpochAfterCurriculum(t *testing.T) {
	h := []nets.EpochStats{{Epoch: 1, ValLoss: 0.1}, {Epoch: 2, ValLoss: 0.2}, {Epoch: 3, ValLoss: 0.3},
		{Epoch: 4, ValLoss: 0.5}, {Epoch: 5, ValLoss: 0.4}, {Epoch: 6, ValLoss: math.NaN()}, {Epoch: 7, ValLoss: 0.45}}
	for _, c := range []struct {
		end, epoch int
		val        float64
	}{{0, 1, 0.1}, {3, 5, 0.4}, {10, 7, 0.45}} {
		if e, v := BestEpoch(h, c.end); e != c.epoch || v != c.val {
			t.Errorf("curriculum end %d: best epoch %d (%g), want %d (%g)", c.end, e, v, c.epoch, c.val)
		}
	}
}

// A RandomTarget run (curriculum over its first epochs) keeps as best.bin
// an epoch scored on the whole trial, not an early curriculum epoch whose
// short trials score low; state.json, best.bin and a reopened run agree.
func TestBestEpochOfCurriculumRun(t *testing.T) {
	c, err := presets.Embedded("rt-small")
	if err != nil {
		t.Fatal(err)
	}
	c.Task.Samples, c.Model.Latent, c.Train.Batch, c.Train.Threads = 20, 8, 16, 2
	c.Task.RandomTarget.MaxEpDuration, c.Task.RandomTarget.FullTrialEpoch = 0.5, 3
	dir := filepath.Join(t.TempDir(), "rt")
	r := trainTo(t, dir, c, 5, false)
	want, _ := BestEpoch(r.History, 3)
	if r.State.BestEpoch != want || want < 4 {
		t.Fatalf("best epoch %d, want %d (after the curriculum's 3 epochs); history %v", r.State.BestEpoch, want, r.History)
	}
	best, err := r.ReadCheckpoint(true)
	if err != nil {
		t.Fatal(err)
	}
	if best.Header.Epoch != want {
		t.Errorf("best.bin holds epoch %d, state.json says %d", best.Header.Epoch, want)
	}
	if r2, err := Open(dir); err != nil || r2.CurriculumEnd() != 3 {
		t.Fatalf("reopened: %v, curriculum end %d", err, r2.CurriculumEnd())
	}
}
