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
	"strings"
	"syscall"

	"github.com/ctdtui/ctdtui/presets"
	"github.com/ctdtui/ctdtui/run"
	"github.com/ctdtui/ctdtui/ui"
)

const usage = `ctdtui: computation-through-dynamics in the terminal

usage:
  ctdtui [flags]               open the terminal UI
  ctdtui train [flags]         train a model headless, one line per epoch
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
`

func main() {
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
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ch
		fmt.Fprintln(os.Stderr, "\nstopping: saving the last completed epoch (press Ctrl-C again to quit now)")
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
