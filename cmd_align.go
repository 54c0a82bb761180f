package main

import (
	"flag"
	"io"

	"github.com/ctdtui/ctdtui/study"
)

func init() {
	register(command{name: "align", args: "RUN --event E", summary: "latents aligned to a task event, averaged by condition", order: 32, run: alignCmd,
		usage: `align flags:
  --event NAME                 the event to align to (the task's: go_cue, target_on, bump; pulse; a MultiTask phase)
  --window -50,150             first and last aligned step (default -50,150)
  --by condition|none          group by the task's condition (target_dir, bit pattern, task) or not
  --bins N                     direction bins of a direction condition (default 8)
  --pcs K                      PCs of the phase's latents the means are shown in (default 3)
  --phase train|val|all        which trials (default all); --best, --json as for analyze
`})
}

func alignCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("align", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var af analysisFlags
	var o study.AlignOptions
	var window string
	af.register(fs)
	fs.StringVar(&o.Phase, "phase", "all", "train, val or all")
	fs.StringVar(&o.Event, "event", "", "the event to align to")
	fs.StringVar(&window, "window", "-50,150", "first and last aligned step")
	fs.StringVar(&o.By, "by", "condition", "condition (the task's) or none")
	fs.IntVar(&o.Bins, "bins", 8, "direction bins")
	fs.IntVar(&o.PCs, "pcs", 3, "PCs shown")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if err := positional("align", pos, "RUN"); err != nil {
		return err
	}
	if o.Window, err = study.ParseWindow(window); err != nil {
		return err
	}
	ctx, stop := signalContextMsg("stopping")
	defer stop()
	return study.AlignCommand(ctx, pos[0], af.best, o, af.output(stdout, stderr))
}
