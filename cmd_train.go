package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"

	"github.com/ctdtui/ctdtui/presets"
	"github.com/ctdtui/ctdtui/run"
)

func init() {
	register(command{name: "train", summary: "train a model headless, one line per epoch", order: 10, run: func(args []string, stdout, _ io.Writer) error { return trainCmd(args, stdout) }, usage: `train flags:
  --preset NAME|FILE.toml      embedded preset or a TOML file (default ` + presets.DefaultName + `)
  --set key=value              override one setting (repeatable), e.g. --set model.latent=64
  --seed N                     train.seed: initialisation, batch order and model noise
  --epochs N                   the run's total epochs (also when resuming)
  --out DIR                    run directory (default: a new one under --runs)
  --runs DIR                   root for new run directories (default runs)
  --resume DIR                 continue a saved run from its last completed epoch
  --from-best                  with --resume: continue a run whose checkpoint.bin is
                               missing or damaged from best.bin (fresh optimiser)
  --version                    print the version

Ctrl-C, SIGTERM, SIGHUP or a closed output pipe stop training after saving the
last completed epoch (exit status 130, 143, 129, 141); --resume continues it.
`})
}

func trainCmd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	var o run.TrainOptions
	var sets stringList
	var seed seedFlag
	var version bool
	fs.StringVar(&o.Preset, "preset", "", "embedded preset name or TOML file")
	fs.Var(&sets, "set", "override one setting, key=value (repeatable)")
	fs.Var(&seed, "seed", "train.seed")
	fs.IntVar(&o.Epochs, "epochs", 0, "the run's total epochs")
	fs.StringVar(&o.Out, "out", "", "run directory")
	fs.StringVar(&o.Runs, "runs", "runs", "root for new run directories")
	fs.StringVar(&o.Resume, "resume", "", "run directory to continue")
	fs.BoolVar(&o.FromBest, "from-best", false, "continue from best.bin (with --resume)")
	fs.BoolVar(&version, "version", false, "print the version")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if version {
		fmt.Fprintln(stdout, versionString())
		return nil
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("train: unexpected argument %q", fs.Arg(0))
	}
	if o.Epochs < 0 {
		return fmt.Errorf("--epochs must be positive, got %d", o.Epochs)
	}
	o.Sets = sets
	if seed.set {
		o.Seed = &seed.v
	}
	sigCtx, stop := signalContext()
	defer stop()
	ctx, cancel := context.WithCancel(sigCtx)
	defer cancel()
	return run.TrainHeadless(ctx, o, &stopOnBrokenPipe{w: stdout, cancel: cancel})
}

// seedFlag is --seed: a non-negative integer, remembered as set or not.
type seedFlag struct {
	v   uint64
	set bool
}

func (s *seedFlag) String() string { return fmt.Sprint(s.v) }
func (s *seedFlag) Set(v string) error {
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return fmt.Errorf("%q is not a non-negative integer", v)
	}
	s.v = n
	s.set = true
	return nil
}
