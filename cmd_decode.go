package main

import (
	"flag"
	"io"
	"strings"

	"github.com/ctdtui/ctdtui/study"
)

func init() {
	register(command{name: "decode", args: "RUN --event E", summary: "task variables decoded from the latents over aligned time", order: 34, run: decodeCmd,
		usage: `decode flags:
  --event NAME                 the event to align to (as for align)
  --window -50,150             first and last aligned step (default -50,150)
  --vars target,start,hand     the task's variables (groups, names or first words; default all)
  --cross-temporal             also the cross-temporal matrix (fit at one step, score at another)
  --ct-step N                  its stride in aligned steps (default: at most 51×51)
  --shuffles N                 label shuffles for the chance level (default 5)
  --seed S                     seed of the shuffles; --best, --json as for analyze
`})
}

func decodeCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("decode", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var af analysisFlags
	var o study.DecodeOptions
	var window, vars string
	af.register(fs)
	fs.StringVar(&o.Event, "event", "", "the event to align to")
	fs.StringVar(&window, "window", "-50,150", "first and last aligned step")
	fs.StringVar(&vars, "vars", "", "comma-separated variables (default all)")
	fs.BoolVar(&o.CrossTemporal, "cross-temporal", false, "add the cross-temporal matrix")
	fs.IntVar(&o.CTStride, "ct-step", 0, "cross-temporal stride")
	fs.IntVar(&o.Shuffles, "shuffles", 5, "label shuffles")
	fs.Uint64Var(&o.Seed, "seed", 0, "seed of the shuffles")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if err := positional("decode", pos, "RUN"); err != nil {
		return err
	}
	if o.Window, err = study.ParseWindow(window); err != nil {
		return err
	}
	if vars != "" {
		o.Vars = strings.Split(vars, ",")
	}
	ctx, stop := signalContextMsg("stopping")
	defer stop()
	return study.DecodeCommand(ctx, pos[0], af.best, o, af.output(stdout, stderr))
}
