package main

import (
	"flag"
	"io"

	"github.com/ctdtui/ctdtui/sim"
	"github.com/ctdtui/ctdtui/study"
)

func init() {
	register(command{name: "eval", args: "RUN", summary: "the trained model, weights unchanged, on a changed task", order: 15, run: evalCmd, usage: `eval flags:
  --set task.key=value         change one task setting (repeatable), e.g.
                               --set task.nbff.noise=0.3  --set task.multitask.tasks=DelayPro,DelayAnti
  --task KIND                  another task kind the model runs unchanged
  --samples N                  task.samples of the evaluation (default: the run's)
  --seed S                     task.seed of the evaluation (default: the run's, which redraws the
                               run's own validation trials under the change: a paired comparison)
  --out DIR                    save an evaluation directory (opens like a run everywhere)
  --best                       evaluate best.bin instead of checkpoint.bin
  --json                       print a JSON document
`})
}

func evalCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var af analysisFlags
	var o study.EvalOptions
	var sets stringList
	af.register(fs)
	fs.Var(&sets, "set", "task.key=value (repeatable)")
	fs.Func("task", "another task kind to run the model on", func(v string) error { o.Task = sim.Kind(v); return nil })
	fs.IntVar(&o.Samples, "samples", 0, "task.samples of the evaluation (0: the run's)")
	fs.IntVar(&o.Seed, "seed", -1, "task.seed of the evaluation (-1: the run's)")
	fs.StringVar(&o.Out, "out", "", "save an evaluation directory")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if err := positional("eval", pos, "RUN"); err != nil {
		return err
	}
	o.Sets, o.Best = sets, af.best
	ctx, stop := signalContextMsg("stopping")
	defer stop()
	return study.EvalCommand(ctx, pos[0], o, af.output(stdout, stderr))
}
