package sweep

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/ctdtui/ctdtui/run"
)

// SlurmOptions configure the job-array script of `ctdtui sweep slurm`.
type SlurmOptions struct {
	// Partition (--partition; comma-separated partitions allowed).
	Partition string
	// Time is the limit per task, in a form sbatch takes (HH:MM:SS,
	// D-HH:MM:SS, MM, …).
	Time string
	// CPUsPerTask (0: the largest train.threads of the runs to train).
	CPUsPerTask int
	// Mem per task (--mem, e.g. 4G).
	Mem string
	// MaxParallel throttles the array to K tasks at once (%K; 0: none).
	MaxParallel int
	// Account to charge (--account).
	Account string
	// Extra are further sbatch options, one per #SBATCH line
	// (--qos=short, --constraint=avx512).
	Extra []string
	// Prelude are shell lines run before ctdtui (module load …).
	Prelude []string
	// Binary is the ctdtui the tasks run (default: this executable).
	Binary string
}

// Script is a written job-array script.
type Script struct {
	Path string
	// Indices are the runs it covers (the unfinished ones when written).
	Indices []int
	// Array is its --array value, e.g. 0-3,7%4.
	Array string
}

var (
	slurmTime = regexp.MustCompile(`^(\d+-\d{1,2}(:\d{1,2}(:\d{1,2})?)?|\d+(:\d{1,2}(:\d{1,2})?)?|UNLIMITED|INFINITE)$`)
	slurmMem  = regexp.MustCompile(`^\d+[KMGT]?$`)
	slurmName = regexp.MustCompile(`^[A-Za-z0-9_.,+-]+$`)
)

func (o SlurmOptions) check() error {
	switch {
	case o.Time != "" && !slurmTime.MatchString(o.Time):
		return fmt.Errorf("--time %q: expected HH:MM:SS, MM, MM:SS, D-HH, D-HH:MM or D-HH:MM:SS", o.Time)
	case o.Mem != "" && !slurmMem.MatchString(o.Mem):
		return fmt.Errorf("--mem %q: expected a size such as 4000M or 4G", o.Mem)
	case o.Partition != "" && !slurmName.MatchString(o.Partition):
		return fmt.Errorf("--partition %q: expected a partition name (or several, comma-separated)", o.Partition)
	case o.Account != "" && !slurmName.MatchString(o.Account):
		return fmt.Errorf("--account %q: expected an account name", o.Account)
	case o.CPUsPerTask < 0:
		return fmt.Errorf("--cpus-per-task must be at least 1, got %d", o.CPUsPerTask)
	case o.MaxParallel < 0:
		return fmt.Errorf("--max-parallel must be at least 1, got %d", o.MaxParallel)
	}
	for _, e := range o.Extra {
		if !strings.HasPrefix(e, "--") || strings.ContainsAny(e, "\r\n") {
			return fmt.Errorf("--sbatch %q: expected one sbatch option such as --qos=short", e)
		}
	}
	for _, p := range o.Prelude {
		if strings.ContainsAny(p, "\r\n") {
			return fmt.Errorf("--prelude %q: one shell line each (repeat the flag)", p)
		}
	}
	return nil
}

// WriteSlurm writes sweep.sbatch: a job array with one task per run that
// still needs training (all of them the first time; the unfinished ones
// after that, so that re-submitting covers only those). Each task runs
// `ctdtui sweep run DIR --index $SLURM_ARRAY_TASK_ID` and logs to
// logs/slurm-<job>_<index>.out inside the sweep. A nil Script and no error
// means every run is done.
func (s *Sweep) WriteSlurm(o SlurmOptions) (*Script, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(s.Dir)
	if err != nil {
		return nil, err
	}
	bin := o.Binary
	if bin == "" {
		if bin, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("finding this ctdtui binary: %w (name it with --ctdtui PATH)", err)
		}
		if strings.Contains(bin, string(filepath.Separator)+"go-build") {
			return nil, fmt.Errorf("this ctdtui is a temporary `go run` build (%s) that the tasks cannot run: build it (go build -o ~/bin/ctdtui .) and run that, or name it with --ctdtui PATH", bin)
		}
	}
	if strings.ContainsAny(bin, "\r\n") {
		return nil, fmt.Errorf("--ctdtui %q: not a path", bin)
	}
	pending := s.Status().Pending()
	if len(pending) == 0 {
		return nil, nil
	}
	cpus := o.CPUsPerTask
	maxThreads := 1
	for _, i := range pending {
		maxThreads = max(maxThreads, s.threadsOf(i))
	}
	if cpus == 0 {
		cpus = maxThreads
	} else if cpus < maxThreads {
		return nil, fmt.Errorf("--cpus-per-task %d is fewer than the runs' train.threads (%d): each task would share its cores; ask for %d", cpus, maxThreads, maxThreads)
	}
	array := formatRanges(pending)
	if o.MaxParallel > 0 {
		array += fmt.Sprintf("%%%d", o.MaxParallel)
	}
	logs := filepath.Join(dir, LogsDir)
	if err := os.MkdirAll(logs, 0o755); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "#!/bin/bash\n")
	fmt.Fprintf(&b, "# Written by `ctdtui sweep slurm` on %s for the sweep in\n# %s: one array task per run that was not done then (%d of %d).\n",
		time.Now().Format("2006-01-02 15:04"), dir, len(pending), len(s.Runs))
	fmt.Fprintf(&b, "# Each task trains (or resumes) run number $SLURM_ARRAY_TASK_ID of sweep.toml.\n")
	fmt.Fprintf(&b, "# To cover the runs still not done later, run `ctdtui sweep slurm ... --submit` again.\n")
	line := func(opt string) { fmt.Fprintf(&b, "#SBATCH %s\n", opt) }
	line("--job-name=ctdtui-" + safeName(s.Def.Name))
	line("--array=" + array)
	line("--ntasks=1")
	line(fmt.Sprintf("--cpus-per-task=%d", cpus))
	if o.Time != "" {
		line("--time=" + o.Time)
	}
	if o.Mem != "" {
		line("--mem=" + o.Mem)
	}
	if o.Partition != "" {
		line("--partition=" + o.Partition)
	}
	if o.Account != "" {
		line("--account=" + o.Account)
	}
	for _, e := range o.Extra {
		line(e)
	}
	// %A is the array's job id, %a the task's index; append, so that a
	// requeued task adds to its log instead of replacing it.
	line("--output=" + filepath.Join(logs, "slurm-%A_%a.out"))
	line("--open-mode=append")
	fmt.Fprintf(&b, "\nset -euo pipefail\n")
	fmt.Fprintf(&b, "# ctdtui trains with train.threads goroutines per run; keep the Go runtime\n# within the task's CPUs.\n")
	fmt.Fprintf(&b, "export GOMAXPROCS=\"${SLURM_CPUS_PER_TASK:-%d}\"\n", cpus)
	for _, p := range o.Prelude {
		fmt.Fprintf(&b, "%s\n", p)
	}
	fmt.Fprintf(&b, "echo \"task $SLURM_ARRAY_TASK_ID of job ${SLURM_ARRAY_JOB_ID:-?} on $(hostname) at $(date -Is)\"\n")
	// exec: ctdtui is the task's process, so Slurm's SIGTERM at the time
	// limit (or scancel) reaches it and it saves its last epoch.
	fmt.Fprintf(&b, "exec %s sweep run %s --index \"$SLURM_ARRAY_TASK_ID\"\n", shellQuote(bin), shellQuote(dir))
	path := filepath.Join(dir, ScriptFile)
	if err := run.WriteFileAtomic(path, b.Bytes()); err != nil {
		return nil, err
	}
	if err := os.Chmod(path, 0o755); err != nil {
		return nil, err
	}
	return &Script{Path: path, Indices: pending, Array: array}, nil
}

// Submit submits a written script with `sbatch --parsable` and returns the
// job id; the submission is recorded in logs/submissions.txt.
func (s *Sweep) Submit(ctx context.Context, sc *Script) (string, error) {
	sbatch, err := exec.LookPath("sbatch")
	if err != nil {
		return "", fmt.Errorf("sbatch is not on the PATH: run this on a Slurm login node (module load slurm?), or submit %s there yourself", sc.Path)
	}
	cmd := exec.CommandContext(ctx, sbatch, "--parsable", sc.Path)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return "", fmt.Errorf("sbatch %s: %s", sc.Path, msg)
	}
	// --parsable prints "jobid" or "jobid;cluster".
	id, _, _ := strings.Cut(strings.TrimSpace(stdout.String()), ";")
	if id == "" {
		return "", fmt.Errorf("sbatch %s printed no job id (stdout %q, stderr %q)", sc.Path, stdout.String(), stderr.String())
	}
	rec := fmt.Sprintf("%s job %s array %s\n", time.Now().UTC().Format(time.RFC3339), id, sc.Array)
	f, err := os.OpenFile(filepath.Join(s.Dir, LogsDir, "submissions.txt"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err == nil {
		_, err = f.WriteString(rec)
		err = errors.Join(err, f.Close())
	}
	if err != nil {
		return id, fmt.Errorf("submitted job %s, but recording it: %w", id, err)
	}
	return id, nil
}

// formatRanges writes sorted indices as ranges: 0-3,5,7-9.
func formatRanges(idx []int) string { return FormatSeeds(idx) }

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./+-:=@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
