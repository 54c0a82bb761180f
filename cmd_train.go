package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/ctdtui/ctdtui/presets"
	"github.com/ctdtui/ctdtui/run"
)

func init() {
	register(command{name: "train", summary: "train a model headless, one line per epoch", order: 10, run: func(args []string, stdout, _ io.Writer) error { return trainCmd(args, stdout) }, usage: `train flags:
  --preset NAME|FILE.toml      embedded preset or a TOML file (default ` + presets.DefaultName + `)
  --set key=value              override one setting (repeatable), e.g. --set model.latent=64
  --epochs N                   the run's total epochs (also when resuming)
  --out DIR                    run directory (default: a new one under --runs)
  --runs DIR                   root for new run directories (default runs)
  --resume DIR                 continue a saved run from its last completed epoch

Ctrl-C stops training after saving the last completed epoch; --resume continues it.
`})
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
