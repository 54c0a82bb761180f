package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/ctdtui/ctdtui/study"
	"github.com/ctdtui/ctdtui/sweep"
)

const sweepUsage = `sweep subcommands (a sweep directory holds sweep.toml, one ordinary run
directory per grid point and seed, and logs/):
  ctdtui sweep new DIR --preset P --grid KEY=V1,V2 ... [--seeds 0-4]
        [--set KEY=VALUE ...] [--threads N] [--name NAME] [--force]
        ctdtui sweep new DIR --file SWEEP.toml [--force]
                               validate every key and value, then create the runs
                               (named from the varied keys: gru-l32-s0); more than
                               1000 runs needs --force
  ctdtui sweep run DIR [--jobs N] [--cores C] [--index I] [--progress 30s] [--epoch-lines]
                               train the unfinished runs here, N at a time, with
                               runs × train.threads ≤ cores; finished runs are
                               skipped, stopped or crashed ones resumed, runs
                               trained elsewhere left alone; Ctrl-C stops all
  ctdtui sweep slurm DIR [--partition P] [--time HH:MM:SS] [--cpus-per-task C]
        [--mem M] [--max-parallel K] [--account A] [--sbatch OPT ...]
        [--prelude LINE ...] [--ctdtui PATH] [--submit]
                               write DIR/sweep.sbatch, a job array of the runs not
                               done (one task each, %K at a time, logs in DIR/logs);
                               --submit submits it with sbatch and prints the job id
  ctdtui sweep status DIR [--json]
                               per run: state, epochs, best validation loss, last
                               update; and the totals
  ctdtui sweep compare DIR [--reference RUN] [--metric dsa,r2] [compare flags]
                               the N×N comparison of the finished runs, and per grid
                               point the mean and spread over seeds of the validation
                               loss, stable fixed points and DSA to the reference
`

func init() {
	register(command{name: "sweep", args: "new|run|slurm|status|compare DIR", summary: "grids of runs, here or as a Slurm job array", order: 15, usage: sweepUsage,
		run: sweepCmd})
}

func sweepCmd(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || isHelp(args[0]) {
		fmt.Fprint(stdout, sweepUsage)
		if len(args) == 0 {
			return errors.New("sweep: missing subcommand (new, run, slurm, status or compare)")
		}
		return nil
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "new":
		return sweepNewCmd(rest, stdout, stderr)
	case "run":
		return sweepRunCmd(rest, stdout, stderr)
	case "slurm":
		return sweepSlurmCmd(rest, stdout, stderr)
	case "status":
		return sweepStatusCmd(rest, stdout, stderr)
	case "compare":
		return sweepCompareCmd(rest, stdout, stderr)
	}
	return fmt.Errorf("sweep: unknown subcommand %q (new, run, slurm, status or compare)", sub)
}

// sweepDir parses a subcommand's flags around its one DIR argument.
func sweepDir(fs *flag.FlagSet, args []string) (string, error) {
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return "", err
	}
	if err := positional("sweep "+fs.Name(), pos, "DIR"); err != nil {
		return "", err
	}
	return pos[0], nil
}

func sweepNewCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("new", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var d sweep.Definition
	var grids, sets stringList
	var seeds, file string
	var threads int
	var force bool
	fs.StringVar(&d.Preset, "preset", "", "embedded preset or TOML file")
	fs.Var(&grids, "grid", "a varied key: key=v1,v2,… (repeatable; ; separates values of list keys)")
	fs.StringVar(&seeds, "seeds", "", "train.seed values: 0-4, 0,3,7")
	fs.Var(&sets, "set", "a setting of every run: key=value (repeatable)")
	fs.IntVar(&threads, "threads", 0, "train.threads of every run (default: the preset's, or 1)")
	fs.StringVar(&d.Name, "name", "", "the sweep's name (default: DIR's base name)")
	fs.StringVar(&file, "file", "", "a sweep file (TOML) instead of --preset, --grid, --seeds, --set")
	fs.BoolVar(&force, "force", false, fmt.Sprintf("create more than %d runs", sweep.DefaultMaxRuns))
	dir, err := sweepDir(fs, args)
	if err != nil {
		return err
	}
	if file != "" {
		if d.Preset != "" || len(grids) > 0 || seeds != "" || len(sets) > 0 {
			return errors.New("sweep new: --file holds the whole definition; drop --preset, --grid, --seeds and --set (or put them in the file)")
		}
		name := d.Name
		if d, err = sweep.ParseFile(file); err != nil {
			return err
		}
		if name != "" {
			d.Name = name
		}
	}
	for _, g := range grids {
		a, err := sweep.ParseGrid(g)
		if err != nil {
			return err
		}
		d.Grid = append(d.Grid, a)
	}
	d.Set = append(d.Set, sets...)
	if threads < 0 {
		return fmt.Errorf("--threads must be at least 1, got %d", threads)
	}
	if threads > 0 {
		d.Set = append(d.Set, fmt.Sprintf("train.threads=%d", threads))
	}
	if seeds != "" {
		if d.Seeds, err = sweep.ParseSeeds(seeds); err != nil {
			return fmt.Errorf("--%w", err)
		}
	}
	limit := sweep.DefaultMaxRuns
	if force {
		limit = sweep.HardMaxRuns
	}
	plan, err := d.Expand(limit)
	if err != nil {
		return err
	}
	s, err := sweep.Create(dir, plan)
	if err != nil {
		return err
	}
	for _, n := range plan.Notes {
		fmt.Fprintln(stdout, "note:", n)
	}
	groups := map[string]bool{}
	for _, r := range s.Runs {
		groups[r.Group] = true
	}
	fmt.Fprintf(stdout, "sweep %s: %d runs (%d grid points × %d seeds) in %s\n", s.Def.Name, len(s.Runs), len(groups), max(1, len(s.Def.Seeds)), dir)
	for _, r := range s.Runs {
		fmt.Fprintf(stdout, "  %3d  %s\n", r.Index, r.Name)
	}
	fmt.Fprintf(stdout, "train them here with: ctdtui sweep run %s   (or on a cluster: ctdtui sweep slurm %s --submit)\n", dir, dir)
	return nil
}

func sweepRunCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o sweep.Options
	index := -1
	fs.IntVar(&o.Jobs, "jobs", 0, "runs at once (default: cores / train.threads)")
	fs.IntVar(&o.Cores, "cores", 0, "core budget (default: the CPUs this process may use)")
	fs.IntVar(&index, "index", -1, "train run I alone (a Slurm array task's $SLURM_ARRAY_TASK_ID)")
	fs.DurationVar(&o.Every, "progress", 30*time.Second, "interval of the progress lines (0: none)")
	fs.BoolVar(&o.EpochLines, "epoch-lines", false, "a line per epoch of every run (default with --index)")
	dir, err := sweepDir(fs, args)
	if err != nil {
		return err
	}
	epochSet := false
	fs.Visit(func(f *flag.Flag) { epochSet = epochSet || f.Name == "epoch-lines" })
	if index >= 0 {
		o.Only = []int{index}
		if !epochSet {
			o.EpochLines = true
		}
	} else if index != -1 {
		return fmt.Errorf("--index must be at least 0, got %d", index)
	}
	if o.Every == 0 {
		o.Every = -1
	}
	s, err := sweep.Open(dir)
	if err != nil {
		return err
	}
	sigCtx, stop := signalContextMsg("stopping every run after its current batch (press Ctrl-C again to quit now)")
	defer stop()
	ctx, cancel := context.WithCancel(sigCtx)
	defer cancel()
	o.Out = &stopOnBrokenPipe{w: stdout, cancel: cancel}
	res, err := s.Train(ctx, o)
	if err != nil {
		return err
	}
	return res.Err()
}

func sweepSlurmCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("slurm", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o sweep.SlurmOptions
	var extra, prelude stringList
	var submit bool
	fs.StringVar(&o.Partition, "partition", "", "partition (comma-separated for several)")
	fs.StringVar(&o.Time, "time", "", "time limit per task (HH:MM:SS, D-HH:MM:SS, …)")
	fs.IntVar(&o.CPUsPerTask, "cpus-per-task", 0, "CPUs per task (default: the runs' train.threads)")
	fs.StringVar(&o.Mem, "mem", "", "memory per task (e.g. 4G)")
	fs.IntVar(&o.MaxParallel, "max-parallel", 0, "tasks running at once (the array's %K)")
	fs.StringVar(&o.Account, "account", "", "account to charge")
	fs.Var(&extra, "sbatch", "another sbatch option, e.g. --sbatch=--qos=short (repeatable)")
	fs.Var(&prelude, "prelude", "a shell line before ctdtui runs, e.g. 'module load ctdtui' (repeatable)")
	fs.StringVar(&o.Binary, "ctdtui", "", "the ctdtui binary the tasks run (default: this one)")
	fs.BoolVar(&submit, "submit", false, "submit the script with sbatch and print the job id")
	dir, err := sweepDir(fs, args)
	if err != nil {
		return err
	}
	o.Extra, o.Prelude = extra, prelude
	s, err := sweep.Open(dir)
	if err != nil {
		return err
	}
	sc, err := s.WriteSlurm(o)
	if err != nil {
		return err
	}
	if sc == nil {
		fmt.Fprintf(stdout, "every run of %s is done: nothing to submit\n", dir)
		return nil
	}
	fmt.Fprintf(stdout, "wrote %s: %d array tasks (--array=%s), logs in %s\n", sc.Path, len(sc.Indices), sc.Array, filepath.Join(dir, sweep.LogsDir))
	if !submit {
		fmt.Fprintf(stdout, "submit it with: sbatch %s   (or: ctdtui sweep slurm %s --submit)\n", sc.Path, dir)
		return nil
	}
	ctx, stop := signalContextMsg("stopping")
	defer stop()
	id, err := s.Submit(ctx, sc)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "submitted job %s\n", id)
	fmt.Fprintf(stderr, "follow it with: squeue -j %s; ctdtui sweep status %s\n", id, dir)
	return nil
}

func sweepStatusCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var asJSON bool
	fs.BoolVar(&asJSON, "json", false, "print a JSON document")
	dir, err := sweepDir(fs, args)
	if err != nil {
		return err
	}
	s, err := sweep.Open(dir)
	if err != nil {
		return err
	}
	rep := s.Status()
	if asJSON {
		return rep.WriteJSON(stdout)
	}
	if v := s.Varied(); len(v) > 0 {
		var keys []string
		for _, a := range v {
			keys = append(keys, fmt.Sprintf("%s (%s)", a.Key, strings.Join(a.Values, ", ")))
		}
		fmt.Fprintf(stdout, "sweep %s: %s", s.Def.Name, strings.Join(keys, " × "))
		if len(s.Def.Seeds) > 0 {
			fmt.Fprintf(stdout, " × seeds %s", sweep.FormatSeeds(s.Def.Seeds))
		}
		fmt.Fprintln(stdout)
	}
	return rep.WriteTable(stdout)
}

func sweepCompareCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var af analysisFlags
	var o sweep.CompareOptions
	var metrics stringList
	af.register(fs)
	fs.StringVar(&o.Reference, "reference", "", "the run the summary's DSA is measured to (default: the first finished)")
	fs.BoolVar(&o.NoFixedPoints, "no-fixedpoints", false, "skip the fixed-point searches")
	fs.Var(&metrics, "metric", "matrix metrics, comma-separated or repeated (default dsa,r2; all for every one)")
	m := &o.Matrix
	fs.StringVar(&m.Phase, "phase", "val", "trials of the symmetric metrics: train, val or all")
	fs.IntVar(&m.PCs, "pcs", 10, "target PCs whose affine R² is listed")
	fs.IntVar(&m.StatePCs, "state-pcs", 4, "PCs of the reference's state R²")
	fs.IntVar(&m.CCAComponents, "cca", 10, "CCA components")
	fs.BoolVar(&m.CCAReference, "cca-reference", false, "compute the reference's NIPALS CCA R² also for large phases (slow)")
	fs.IntVar(&m.DSADelays, "dsa-delays", 0, "DSA delays (default 20, the reference's)")
	fs.IntVar(&m.DSARank, "dsa-rank", 50, "DSA rank")
	fs.IntVar(&m.DSATrials, "dsa-trials", 0, "DSA trials (0: 1% of the phase, at least what the embedding needs)")
	fs.BoolVar(&m.NoDSA, "no-dsa", false, "skip DSA")
	fs.Uint64Var(&m.Seed, "seed", 0, "seed of the DSA similarity search")
	fs.IntVar(&m.Workers, "threads", 0, "goroutines for the pairs (default: all cores; the result does not depend on it)")
	dir, err := sweepDir(fs, args)
	if err != nil {
		return err
	}
	m.Metrics = metrics
	o.Best = af.best
	s, err := sweep.Open(dir)
	if err != nil {
		return err
	}
	ctx, stop := signalContextMsg("stopping the comparison")
	defer stop()
	rep, err := s.Compare(ctx, o, stageProgress(stderr))
	if errors.Is(err, context.Canceled) {
		return errors.New("comparison cancelled")
	}
	if err != nil {
		return err
	}
	if af.json {
		return study.WriteJSON(stdout, rep)
	}
	return rep.WriteTable(stdout)
}

// stageProgress prints a line to w each time a comparison's stage changes.
func stageProgress(w io.Writer) study.ProgressFunc {
	last := ""
	return func(p study.Progress) {
		key := p.Stage + " " + p.Run
		if key == last || p.Stage == "done" {
			return
		}
		last = key
		line := "compare: " + p.Stage
		if p.Run != "" {
			line += " " + p.Run
		}
		fmt.Fprintln(w, line)
	}
}
