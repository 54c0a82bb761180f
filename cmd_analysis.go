package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/ctdtui/ctdtui/study"
)

func init() {
	register(command{name: "analyze", args: "RUN", summary: "outputs, latents, PCA scree and task performance of a run", order: 20, run: analyzeCmd})
	register(command{name: "fixedpoints", args: "RUN", summary: "fixed points with stability (the inputs held fixed)", order: 30, run: fixedPointsCmd})
	register(command{name: "compare", args: "RUN_A RUN_B | RUN1 … RUNn", summary: "affine R² both ways, state R², Procrustes, CCA, DSA; N×N matrices", order: 40, run: compareCmd})
	register(command{name: "export", args: "RUN --out F.npz", summary: "inputs, targets, outputs, latents as numpy arrays", order: 50, run: exportCmd})
	register(command{name: "trial", args: "RUN", summary: "one trial: inputs, outputs, targets, latents and their PCs", order: 60, run: trialCmd})
	register(command{name: "dynamics", args: "RUN", summary: "the Train tab's quick look: trials on 2 PCs, stable fixed points", order: 70, run: dynamicsCmd, usage: `analysis flags (analyze, fixedpoints, compare, export, trial, dynamics):
  --phase train|val|all        which trials (analyze, fixedpoints: all; compare, trial: val)
  --best                       analyse best.bin instead of checkpoint.bin
  --json                       print a JSON document (fields listed in the README)
  analyze:      --pcs K                    scree components listed (default 10)
  fixedpoints:  --inputs 0,0,0             the input held fixed (default zeros)
                --inputs-at TRIAL:STEP     or the model's input at that step of that trial of --phase
                --inits N --iters N --lr X --noise X --seed S --qthresh X
                --mode refine|reference    (default refine; reference = CTD's finder)
                --closed-loop              network and arm as one system (arm tasks); --inputs is then
                                           the context (default: the mean target, go cue on)
                --no-open-loop             with --closed-loop: skip the network-only comparison search
  compare:      --pcs K --state-pcs K --cca K --cca-reference --dsa-delays N
                --dsa-rank N --dsa-trials N --no-dsa --fixedpoints --seed S
                --trajectories             both runs' trajectories in A's PC space (JSON)
                three or more runs (or a folder of runs, or --metric): N×N matrices,
                --metric dsa,r2 (default; also dsa_euclidean, dsa_wasserstein,
                state_r2, procrustes, cca, all) --threads N
  export:       --out FILE.npz (required); --phase repeatable (default train and val)
  trial:        --trial K --step S         the trial (from 0, in --phase) and the step read out
`})
}

// analysisFlags are the flags every analysis command shares.
type analysisFlags struct {
	best, json bool
}

func (a *analysisFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&a.best, "best", false, "analyse best.bin instead of checkpoint.bin")
	fs.BoolVar(&a.json, "json", false, "print a JSON document")
}

func (a *analysisFlags) output(stdout, stderr io.Writer) study.Output {
	return study.Output{W: stdout, Progress: stderr, JSON: a.json}
}

// parseInterleaved parses flags that may come before or after the positional
// arguments (ctdtui analyze RUN --json) and returns the positional ones.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func positional(cmd string, pos []string, names ...string) error {
	if len(pos) < len(names) {
		return fmt.Errorf("%s: missing %s (usage: ctdtui %s %s [flags])", cmd, names[len(pos)], cmd, strings.Join(names, " "))
	}
	if len(pos) > len(names) {
		return fmt.Errorf("%s: unexpected argument %q", cmd, pos[len(names)])
	}
	return nil
}

func analyzeCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("analyze", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var af analysisFlags
	var o study.AnalyzeOptions
	af.register(fs)
	fs.StringVar(&o.Phase, "phase", "all", "train, val or all")
	fs.IntVar(&o.PCs, "pcs", 10, "scree components listed")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if err := positional("analyze", pos, "RUN"); err != nil {
		return err
	}
	ctx, stop := signalContextMsg("stopping")
	defer stop()
	return study.AnalyzeCommand(ctx, pos[0], af.best, o, af.output(stdout, stderr))
}

func fixedPointsCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("fixedpoints", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var af analysisFlags
	var o study.FixedPointOptions
	var inputs, inputsAt string
	af.register(fs)
	fs.StringVar(&o.Phase, "phase", "all", "trajectories the initial states come from: train, val or all")
	fs.StringVar(&inputs, "inputs", "", "comma-separated input held fixed (default zeros)")
	fs.StringVar(&inputsAt, "inputs-at", "", "TRIAL:STEP: hold the model's input at that step of that trial of --phase")
	fs.IntVar(&o.Inits, "inits", 1024, "initial states")
	fs.IntVar(&o.Iters, "iters", 10000, "maximum Adam iterations")
	fs.Float64Var(&o.LR, "lr", 1e-3, "Adam learning rate")
	fs.Float64Var(&o.Noise, "noise", 0, "std of the noise added to the initial states")
	fs.Uint64Var(&o.Seed, "seed", 0, "seed of the initial states")
	fs.Float64Var(&o.QThresh, "qthresh", 1e-5, "q threshold of slow points (refine) or of the points shown (reference)")
	fs.StringVar(&o.Mode, "mode", study.ModeRefine, "refine or reference")
	fs.BoolVar(&o.ClosedLoop, "closed-loop", false, "fixed points of the network and its plant together (arm tasks); --inputs holds the context only")
	fs.BoolVar(&o.NoOpenLoop, "no-open-loop", false, "with --closed-loop: skip the network-only search at the first point's observation")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if err := positional("fixedpoints", pos, "RUN"); err != nil {
		return err
	}
	if o.Inputs, err = study.ParseInputs(inputs); err != nil {
		return err
	}
	var at *study.TrialStep
	if inputsAt != "" {
		ts, err := study.ParseTrialStep(inputsAt)
		if err != nil {
			return err
		}
		at = &ts
	}
	ctx, stop := signalContextMsg("stopping the search")
	defer stop()
	return study.FixedPointsCommand(ctx, pos[0], af.best, o, at, af.output(stdout, stderr))
}

func compareCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var af analysisFlags
	var o study.MatrixOptions
	var metrics stringList
	af.register(fs)
	fs.StringVar(&o.Phase, "phase", "val", "trials of the symmetric metrics and DSA: train, val or all")
	fs.IntVar(&o.PCs, "pcs", 10, "target PCs whose affine R² is listed")
	fs.IntVar(&o.StatePCs, "state-pcs", 4, "PCs of the reference's state R²")
	fs.IntVar(&o.CCAComponents, "cca", 10, "CCA components")
	fs.BoolVar(&o.CCAReference, "cca-reference", false, "compute the reference's NIPALS CCA R² also for large phases (slow)")
	fs.IntVar(&o.DSADelays, "dsa-delays", 0, "DSA delays (default 20, the reference's)")
	fs.IntVar(&o.DSARank, "dsa-rank", 50, "DSA rank")
	fs.IntVar(&o.DSATrials, "dsa-trials", 0, "DSA trials per run (0: 1% of its phase, at least what its embedding needs)")
	fs.BoolVar(&o.NoDSA, "no-dsa", false, "skip DSA")
	fs.BoolVar(&o.FixedPoints, "fixedpoints", false, "also count fixed points of every run")
	fs.Uint64Var(&o.Seed, "seed", 0, "seed of the DSA similarity search")
	fs.Var(&metrics, "metric", "matrix metrics, comma-separated or repeated: dsa, dsa_euclidean, dsa_wasserstein, r2, state_r2, procrustes, cca, all (default dsa,r2)")
	fs.IntVar(&o.Workers, "threads", 0, "goroutines for the matrix's pairs (0: all cores; the result does not depend on it)")
	traj := fs.Bool("trajectories", false, "add both runs' trajectories in A's PC space (JSON; same trials only)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return fmt.Errorf("compare: missing RUN_A (usage: ctdtui compare RUN_A RUN_B [flags], or RUN1 … RUNn / a folder of runs for matrices)")
	}
	if len(pos) == 1 && !isFolderOfRuns(pos[0]) {
		return fmt.Errorf("compare: missing RUN_B (usage: ctdtui compare RUN_A RUN_B [flags])")
	}
	o.Metrics = metrics
	ctx, stop := signalContextMsg("stopping")
	defer stop()
	return study.CompareCommand(ctx, pos, af.best, o, *traj, af.output(stdout, stderr))
}

// isFolderOfRuns says whether dir holds runs rather than being one.
func isFolderOfRuns(dir string) bool {
	runs, err := study.ExpandRuns([]string{dir})
	return err == nil && (len(runs) != 1 || runs[0] != dir)
}

func exportCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var af analysisFlags
	var o study.ExportOptions
	var phases stringList
	var out string
	af.register(fs)
	fs.StringVar(&out, "out", "", "the .npz file to write")
	fs.Var(&phases, "phase", "train, val or all (repeatable; default train and val)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if err := positional("export", pos, "RUN"); err != nil {
		return err
	}
	if out == "" {
		return fmt.Errorf("export: --out FILE.npz is required")
	}
	o.Phases = phases
	ctx, stop := signalContextMsg("stopping")
	defer stop()
	return study.ExportCommand(ctx, pos[0], af.best, out, o, af.output(stdout, stderr))
}

func trialCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("trial", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var af analysisFlags
	var o study.TrialOptions
	af.register(fs)
	fs.StringVar(&o.Phase, "phase", "val", "train, val or all")
	fs.IntVar(&o.Trial, "trial", 0, "the trial's position in the phase, from 0")
	fs.IntVar(&o.Step, "step", 0, "the step whose values the table shows, from 0")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if err := positional("trial", pos, "RUN"); err != nil {
		return err
	}
	ctx, stop := signalContextMsg("stopping")
	defer stop()
	return study.TrialCommand(ctx, pos[0], af.best, o, af.output(stdout, stderr))
}

func dynamicsCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("dynamics", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var af analysisFlags
	af.register(fs)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if err := positional("dynamics", pos, "RUN"); err != nil {
		return err
	}
	ctx, stop := signalContextMsg("stopping")
	defer stop()
	return study.DynamicsCommand(ctx, pos[0], af.best, af.output(stdout, stderr))
}
