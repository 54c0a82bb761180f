// Command ctdtui trains and analyses recurrent models on computation-through-dynamics
// tasks, in a terminal UI or headless. This file holds only the subcommands and
// their flags; the work is done by the packages.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/ctdtui/ctdtui/presets"
	"github.com/ctdtui/ctdtui/run"
	"github.com/ctdtui/ctdtui/study"
	"github.com/ctdtui/ctdtui/ui"
)

const usage = `ctdtui: computation-through-dynamics in the terminal

usage:
  ctdtui [flags]               open the terminal UI
  ctdtui train [flags]         train a model headless, one line per epoch
  ctdtui analyze RUN [flags]   outputs, latents, PCA scree and task performance of a run
  ctdtui fixedpoints RUN       fixed points with stability (the inputs held fixed)
  ctdtui compare RUN_A RUN_B   affine R² both ways, state R², Procrustes, CCA, DSA
  ctdtui export RUN --out F.npz  inputs, targets, outputs, latents as numpy arrays
  ctdtui presets               list the embedded presets
  ctdtui help                  show this help

terminal UI flags:
  --preset NAME|FILE.toml      the settings to start from (default ` + presets.DefaultName + `)
  --runs DIR                   root of the run directories (default runs)
  --ascii                      no braille or box-drawing glyphs
  --theme dark|light|auto      colours (default auto: from the terminal's background)

train flags:
  --preset NAME|FILE.toml      embedded preset or a TOML file (default ` + presets.DefaultName + `)
  --set key=value              override one setting (repeatable), e.g. --set model.latent=64
  --epochs N                   the run's total epochs (also when resuming)
  --out DIR                    run directory (default: a new one under --runs)
  --runs DIR                   root for new run directories (default runs)
  --resume DIR                 continue a saved run from its last completed epoch

Ctrl-C stops training after saving the last completed epoch; --resume continues it.

analysis flags (analyze, fixedpoints, compare, export):
  --phase train|val|all        which trials (analyze, fixedpoints: all; compare: val)
  --best                       analyse best.bin instead of checkpoint.bin
  --json                       print a JSON document (fields listed in the README)
  analyze:      --pcs K                    scree components listed (default 10)
  fixedpoints:  --inputs 0,0,0             the input held fixed (default zeros)
                --inits N --iters N --lr X --noise X --seed S --qthresh X
                --mode refine|reference    (default refine; reference = CTD's finder)
  compare:      --pcs K --state-pcs K --cca K --cca-reference --dsa-delays N
                --dsa-rank N --dsa-trials N --no-dsa --fixedpoints --seed S
  export:       --out FILE.npz (required); --phase repeatable (default train and val)
`

func main() {
	// Training keeps a few large, long-lived buffers (the BPTT tapes) and makes
	// little garbage; Go's default GOGC=100 would let the heap grow to twice the
	// live size before collecting, so peak memory would creep up over a long
	// run. A lower target keeps it near the live size at a negligible GC cost.
	// An explicit GOGC in the environment wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(25)
	}
	os.Exit(runMain(os.Args[1:], os.Stdout, os.Stderr))
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func runMain(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (strings.HasPrefix(args[0], "-") && !isHelp(args[0])) {
		return tuiCmd(args, stderr)
	}
	var err error
	switch args[0] {
	case "train":
		err = trainCmd(args[1:], stdout)
	case "analyze":
		err = analyzeCmd(args[1:], stdout, stderr)
	case "fixedpoints":
		err = fixedPointsCmd(args[1:], stdout, stderr)
	case "compare":
		err = compareCmd(args[1:], stdout, stderr)
	case "export":
		err = exportCmd(args[1:], stdout, stderr)
	case "presets":
		for _, n := range presets.Names() {
			c, _ := presets.Embedded(n)
			fmt.Fprintf(stdout, "%-20s %s\n", n, c.Description)
		}
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "ctdtui: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "ctdtui:", err)
		return 1
	}
	return 0
}

func isHelp(arg string) bool { return arg == "-h" || arg == "-help" || arg == "--help" }

// tuiCmd opens the terminal UI. Flags and the preset are checked before the
// UI takes the terminal; a bad one is a usage error (exit status 2).
func tuiCmd(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("ctdtui", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	var o ui.Options
	fs.StringVar(&o.Preset, "preset", presets.DefaultName, "embedded preset name or TOML file")
	fs.StringVar(&o.Runs, "runs", "runs", "root of the run directories")
	fs.BoolVar(&o.ASCII, "ascii", false, "no braille or box-drawing glyphs")
	fs.StringVar(&o.Theme, "theme", "auto", "dark, light or auto")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "ctdtui: unexpected argument %q (subcommands come first: ctdtui train --preset ...)\n", fs.Arg(0))
		return 2
	}
	m, err := ui.New(o)
	if err != nil {
		fmt.Fprintln(stderr, "ctdtui:", err)
		return 2
	}
	if err := ui.Run(m); err != nil {
		fmt.Fprintln(stderr, "ctdtui:", err)
		return 1
	}
	return 0
}

// signalContext is cancelled by SIGINT or SIGTERM; a second signal exits at once.
func signalContext() (context.Context, func()) {
	return signalContextMsg("stopping: saving the last completed epoch (press Ctrl-C again to quit now)")
}

func signalContextMsg(msg string) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ch
		fmt.Fprintln(os.Stderr, "\n"+msg)
		cancel()
		<-ch
		os.Exit(130)
	}()
	return ctx, func() { signal.Stop(ch); cancel() }
}

func trainCmd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	var o run.TrainOptions
	var sets stringList
	fs.StringVar(&o.Preset, "preset", "", "embedded preset name or TOML file")
	fs.Var(&sets, "set", "override one setting, key=value (repeatable)")
	fs.IntVar(&o.Epochs, "epochs", 0, "the run's total epochs")
	fs.StringVar(&o.Out, "out", "", "run directory")
	fs.StringVar(&o.Runs, "runs", "runs", "root for new run directories")
	fs.StringVar(&o.Resume, "resume", "", "run directory to continue")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("train: unexpected argument %q", fs.Arg(0))
	}
	if o.Epochs < 0 {
		return fmt.Errorf("--epochs must be positive, got %d", o.Epochs)
	}
	o.Sets = sets
	ctx, stop := signalContext()
	defer stop()
	return run.TrainHeadless(ctx, o, stdout)
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
	var inputs string
	af.register(fs)
	fs.StringVar(&o.Phase, "phase", "all", "trajectories the initial states come from: train, val or all")
	fs.StringVar(&inputs, "inputs", "", "comma-separated input held fixed (default zeros)")
	fs.IntVar(&o.Inits, "inits", 1024, "initial states")
	fs.IntVar(&o.Iters, "iters", 10000, "maximum Adam iterations")
	fs.Float64Var(&o.LR, "lr", 1e-3, "Adam learning rate")
	fs.Float64Var(&o.Noise, "noise", 0, "std of the noise added to the initial states")
	fs.Uint64Var(&o.Seed, "seed", 0, "seed of the initial states")
	fs.Float64Var(&o.QThresh, "qthresh", 1e-5, "q threshold of slow points (refine) or of the points shown (reference)")
	fs.StringVar(&o.Mode, "mode", study.ModeRefine, "refine or reference")
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
	ctx, stop := signalContextMsg("stopping the search")
	defer stop()
	return study.FixedPointsCommand(ctx, pos[0], af.best, o, af.output(stdout, stderr))
}

func compareCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var af analysisFlags
	var o study.CompareOptions
	af.register(fs)
	fs.StringVar(&o.Phase, "phase", "val", "trials of the symmetric metrics: train, val or all")
	fs.IntVar(&o.PCs, "pcs", 10, "target PCs whose affine R² is listed")
	fs.IntVar(&o.StatePCs, "state-pcs", 4, "PCs of the reference's state R²")
	fs.IntVar(&o.CCAComponents, "cca", 10, "CCA components")
	fs.BoolVar(&o.CCAReference, "cca-reference", false, "compute the reference's NIPALS CCA R² also for large phases (slow)")
	fs.IntVar(&o.DSADelays, "dsa-delays", 0, "DSA delays (0: 20, at most 640/latent)")
	fs.IntVar(&o.DSARank, "dsa-rank", 50, "DSA rank")
	fs.IntVar(&o.DSATrials, "dsa-trials", 0, "DSA trials (0: 1% of the phase, at least what the embedding needs)")
	fs.BoolVar(&o.NoDSA, "no-dsa", false, "skip DSA")
	fs.BoolVar(&o.FixedPoints, "fixedpoints", false, "also count fixed points of both runs")
	fs.Uint64Var(&o.Seed, "seed", 0, "seed of the DSA similarity search")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if err := positional("compare", pos, "RUN_A", "RUN_B"); err != nil {
		return err
	}
	ctx, stop := signalContextMsg("stopping")
	defer stop()
	return study.CompareCommand(ctx, pos[0], pos[1], af.best, o, af.output(stdout, stderr))
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
