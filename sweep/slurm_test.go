package sweep

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSlurmScript: the script is a job array over the runs not done (all
// at first, the rest once some finished), throttled, with the resources
// asked for, logs inside the sweep, and one `sweep run --index` per task.
func TestSlurmScript(t *testing.T) {
	s := newTiny(t, filepath.Join(t.TempDir(), "my sweep"), "gru,rnn", []int{0, 1}, 2)
	o := SlurmOptions{Partition: "cpu", Time: "01:30:00", Mem: "2G", MaxParallel: 3, Account: "lab",
		Extra: []string{"--qos=short"}, Prelude: []string{"module load ctdtui/1.0"}, Binary: "/opt/ctd tui/bin/ctdtui"}
	sc, err := s.WriteSlurm(o)
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(s.Dir)
	if sc.Array != "0-3%3" || len(sc.Indices) != 4 || sc.Path != filepath.Join(abs, ScriptFile) {
		t.Errorf("script %+v", sc)
	}
	data, err := os.ReadFile(sc.Path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, want := range []string{
		"#!/bin/bash\n",
		"#SBATCH --job-name=ctdtui-my_sweep\n",
		"#SBATCH --array=0-3%3\n",
		"#SBATCH --cpus-per-task=1\n",
		"#SBATCH --time=01:30:00\n",
		"#SBATCH --mem=2G\n",
		"#SBATCH --partition=cpu\n",
		"#SBATCH --account=lab\n",
		"#SBATCH --qos=short\n",
		"#SBATCH --output=" + filepath.Join(abs, LogsDir, "slurm-%A_%a.out") + "\n",
		"module load ctdtui/1.0\n",
		`exec '/opt/ctd tui/bin/ctdtui' sweep run '` + abs + `' --index "$SLURM_ARRAY_TASK_ID"` + "\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("script lacks %q:\n%s", want, text)
		}
	}
	if fi, _ := os.Stat(sc.Path); fi.Mode()&0o100 == 0 {
		t.Error("the script is not executable")
	}
	// Runs 0 and 2 finish: a new script covers 1 and 3 only.
	if _, err := s.Train(context.Background(), Options{Only: []int{0, 2}, Jobs: 1, Cores: 1, Every: -1}); err != nil {
		t.Fatal(err)
	}
	sc, err = s.WriteSlurm(SlurmOptions{Binary: "/bin/ctdtui"})
	if err != nil || sc.Array != "1,3" {
		t.Fatalf("after two finished: %+v %v", sc, err)
	}
	if _, err := s.Train(context.Background(), Options{Jobs: 1, Cores: 1, Every: -1}); err != nil {
		t.Fatal(err)
	}
	if sc, err = s.WriteSlurm(SlurmOptions{Binary: "/bin/ctdtui"}); sc != nil || err != nil {
		t.Errorf("all done: %+v %v", sc, err)
	}
}

func TestSlurmOptionsChecked(t *testing.T) {
	s := newTiny(t, filepath.Join(t.TempDir(), "sw"), "gru", []int{0}, 1)
	for _, c := range []struct {
		o    SlurmOptions
		want string
	}{
		{SlurmOptions{Time: "90 minutes"}, "--time"},
		{SlurmOptions{Mem: "lots"}, "--mem"},
		{SlurmOptions{Partition: "cpu; rm -rf"}, "--partition"},
		{SlurmOptions{Extra: []string{"qos=short"}}, "--sbatch"},
		{SlurmOptions{Prelude: []string{"a\nb"}}, "--prelude"},
		{SlurmOptions{MaxParallel: -1}, "--max-parallel"},
	} {
		c.o.Binary = "/bin/ctdtui"
		if _, err := s.WriteSlurm(c.o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v", c.o, err)
		}
	}
	for _, ok := range []string{"30", "30:00", "1:30:00", "2-0", "2-12:00", "1-00:00:00", "UNLIMITED"} {
		if _, err := s.WriteSlurm(SlurmOptions{Time: ok, Binary: "/bin/ctdtui"}); err != nil {
			t.Errorf("--time %s: %v", ok, err)
		}
	}
	// Runs of 2 threads need tasks of 2 CPUs.
	p, err := Definition{Preset: "3bff-small", Set: []string{"train.threads=2"}}.Expand(0)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := Create(filepath.Join(t.TempDir(), "sw2"), p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s2.WriteSlurm(SlurmOptions{CPUsPerTask: 1, Binary: "/bin/ctdtui"}); err == nil || !strings.Contains(err.Error(), "train.threads (2)") {
		t.Errorf("1 CPU for 2 threads: %v", err)
	}
	sc, err := s2.WriteSlurm(SlurmOptions{Binary: "/bin/ctdtui"})
	if err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(sc.Path); !strings.Contains(string(data), "--cpus-per-task=2\n") {
		t.Errorf("default CPUs per task:\n%s", data)
	}
}

// TestSubmit: sbatch --parsable's job id (with or without a cluster name)
// is returned and recorded; sbatch's complaint is the error.
func TestSubmit(t *testing.T) {
	s := newTiny(t, filepath.Join(t.TempDir(), "sw"), "gru", []int{0, 1}, 1)
	bin := t.TempDir()
	fake := filepath.Join(bin, "sbatch")
	os.WriteFile(fake, []byte("#!/bin/sh\n[ \"$1\" = --parsable ] || exit 9\necho \"$2\" > \"$(dirname \"$0\")/submitted\"\necho '4242;cluster1'\n"), 0o755)
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	sc, err := s.WriteSlurm(SlurmOptions{Binary: "/bin/ctdtui"})
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.Submit(context.Background(), sc)
	if err != nil || id != "4242" {
		t.Fatalf("id %q, %v", id, err)
	}
	if got, _ := os.ReadFile(filepath.Join(bin, "submitted")); strings.TrimSpace(string(got)) != sc.Path {
		t.Errorf("sbatch was given %q", got)
	}
	if rec, _ := os.ReadFile(filepath.Join(s.Dir, LogsDir, "submissions.txt")); !strings.Contains(string(rec), "job 4242 array 0,1") {
		t.Errorf("submission record %q", rec)
	}
	os.WriteFile(fake, []byte("#!/bin/sh\necho 'sbatch: error: invalid partition specified: gpu' >&2\nexit 1\n"), 0o755)
	if _, err := s.Submit(context.Background(), sc); err == nil || !strings.Contains(err.Error(), "invalid partition") {
		t.Errorf("failed submission: %v", err)
	}
	t.Setenv("PATH", t.TempDir())
	if _, err := s.Submit(context.Background(), sc); err == nil || !strings.Contains(err.Error(), "not on the PATH") {
		t.Errorf("no sbatch: %v", err)
	}
}
