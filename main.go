// Command ctdtui trains and analyses recurrent models on computation-through-dynamics
// tasks, in a terminal UI or headless. This package holds only the subcommands and
// their flags; the work is done by the packages. Each subcommand lives in its own
// cmd_*.go file and registers itself in the command table, so the usage text and
// the dispatch below never need editing when a command is added.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/ctdtui/ctdtui/internal/simd"
	"github.com/ctdtui/ctdtui/presets"
	"github.com/ctdtui/ctdtui/ui"
)

// command is one subcommand: its name, its positional arguments and one-line
// summary for the usage list, the flag section it adds to the usage text, and
// the function that runs it (its error is printed; flag.ErrHelp exits 0).
type command struct {
	name, args, summary string
	// order sorts the usage list (smaller first).
	order int
	// usage is the command's flag section of the help text (may be empty).
	usage string
	run   func(args []string, stdout, stderr io.Writer) error
	// code, when set, maps the command's error to an exit status (default 1).
	code func(error) int
}

var commands = map[string]command{}

func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("ctdtui: command " + c.name + " registered twice")
	}
	commands[c.name] = c
}

func init() {
	register(command{name: "presets", summary: "list the embedded presets", order: 1000, run: func(_ []string, stdout, _ io.Writer) error {
		for _, n := range presets.Names() {
			c, _ := presets.Embedded(n)
			fmt.Fprintf(stdout, "%-20s %s\n", n, c.Description)
		}
		return nil
	}})
}

// usageText is the help text: the command list, then each command's flags.
func usageText() string {
	var cs []command
	for _, c := range commands {
		cs = append(cs, c)
	}
	slices.SortFunc(cs, func(a, b command) int {
		if a.order != b.order {
			return a.order - b.order
		}
		return strings.Compare(a.name, b.name)
	})
	var b strings.Builder
	b.WriteString("ctdtui: computation-through-dynamics in the terminal\n\nusage:\n")
	line := func(left, summary string) { fmt.Fprintf(&b, "  %-29s %s\n", left, summary) }
	line("ctdtui [flags]", "open the terminal UI")
	for _, c := range cs {
		left := "ctdtui " + c.name
		if c.args != "" {
			left += " " + c.args
		}
		line(left, c.summary)
	}
	line("ctdtui help", "show this help")
	line("ctdtui version", "print the version (also --version)")
	b.WriteString(`
terminal UI flags:
  --preset NAME|FILE.toml      the settings to start from (default ` + presets.DefaultName + `)
  --runs DIR                   root of the run directories (default runs)
  --ascii                      no braille or box-drawing glyphs
  --mouse                      the mouse wheel zooms the line charts (shift or sideways: pans);
                               the keys do the same without it (z Z ( ) 0)
  --theme dark|light|auto      colours (default auto: from the terminal's background)
`)
	for _, c := range cs {
		if c.usage != "" {
			b.WriteString("\n" + c.usage)
		}
	}
	return b.String()
}

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
	if len(args) > 0 && (args[0] == "version" || args[0] == "--version" || args[0] == "-version") {
		fmt.Fprintln(stdout, versionString())
		return 0
	}
	if len(args) == 0 || (strings.HasPrefix(args[0], "-") && !isHelp(args[0])) {
		return tuiCmd(args, stderr)
	}
	if args[0] == "help" || isHelp(args[0]) {
		fmt.Fprint(stdout, usageText())
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "ctdtui: unknown command %q\n\n%s", args[0], usageText())
		return 2
	}
	interrupted.Store(0)
	err := c.run(args[1:], stdout, stderr)
	// A command stopped by a signal (or by its output going away) exits with
	// the shell's code for that signal, 128+N, whether or not it saved
	// cleanly: a script must be able to tell that it stopped early.
	sig := syscall.Signal(interrupted.Load())
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(stderr, "ctdtui:", err)
	}
	switch {
	case sig != 0:
		return 128 + int(sig)
	case err == nil || errors.Is(err, flag.ErrHelp):
		return 0
	case c.code != nil:
		return c.code(err)
	}
	return 1
}

// versionString is the module version, the VCS revision and the Go version
// the binary was built with, and the instruction set its float32 kernels use
// on this machine (internal/simd: avx512, avx2 or go).
func versionString() string {
	v, rev, dirty := "(devel)", "", false
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	s := "ctdtui " + v
	if rev != "" {
		s += " " + rev[:min(12, len(rev))]
		if dirty {
			s += "+modified"
		}
	}
	return s + " " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + ", kernels " + simd.Detected.String()
}

func isHelp(arg string) bool { return arg == "-h" || arg == "-help" || arg == "--help" }

// tuiCmd opens the terminal UI. Flags and the preset are checked before the
// UI takes the terminal; a bad one is a usage error (exit status 2).
func tuiCmd(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("ctdtui", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usageText()) }
	var o ui.Options
	fs.StringVar(&o.Preset, "preset", presets.DefaultName, "embedded preset name or TOML file")
	fs.StringVar(&o.Runs, "runs", "runs", "root of the run directories")
	fs.BoolVar(&o.ASCII, "ascii", false, "no braille or box-drawing glyphs")
	fs.BoolVar(&o.Mouse, "mouse", false, "the mouse wheel zooms and pans the line charts")
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

// interrupted is the signal that stopped the current command (0: none).
// SIGPIPE stands for a closed standard output (see stopOnBrokenPipe).
var interrupted atomic.Int32

// stopSignals stop a command cleanly: Ctrl-C, kill, a closed terminal or SSH
// connection, and a closed pipe on standard output (ctdtui train | head).
var stopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGPIPE}

// signalContext is cancelled by SIGINT, SIGTERM, SIGHUP or SIGPIPE; a
// second signal exits at once.
func signalContext() (context.Context, func()) {
	return signalContextMsg("stopping: saving the last completed epoch (press Ctrl-C again to quit now)")
}

func signalContextMsg(msg string) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan os.Signal, 2)
	// Asking for SIGPIPE also makes a write to a closed standard output
	// return EPIPE instead of killing the process, so the run can save.
	signal.Notify(ch, stopSignals...)
	done := make(chan struct{})
	go func() {
		var sig os.Signal
		select {
		case sig = <-ch:
		case <-done:
			return
		}
		s, _ := sig.(syscall.Signal)
		interrupted.CompareAndSwap(0, int32(s))
		if s != syscall.SIGPIPE {
			fmt.Fprintln(os.Stderr, "\n"+msg)
		}
		cancel()
		for {
			select {
			case sig = <-ch:
				if sig == syscall.SIGPIPE {
					continue // more writes to the closed output, not a second request
				}
				s, _ := sig.(syscall.Signal)
				os.Exit(128 + int(s))
			case <-done:
				return
			}
		}
	}()
	return ctx, func() { signal.Stop(ch); close(done); cancel() }
}

// stopOnBrokenPipe wraps a command's output: once a write fails because the
// reader went away (EPIPE: `| head` exited, `| tee` was killed), it stops the
// command through cancel, as Ctrl-C would, and swallows the rest of the
// output instead of failing on it.
type stopOnBrokenPipe struct {
	w      io.Writer
	cancel func()
	broken atomic.Bool
}

func (p *stopOnBrokenPipe) Write(b []byte) (int, error) {
	if p.broken.Load() {
		return len(b), nil
	}
	n, err := p.w.Write(b)
	if err != nil && errors.Is(err, syscall.EPIPE) {
		p.broken.Store(true)
		interrupted.CompareAndSwap(0, int32(syscall.SIGPIPE))
		p.cancel()
		return len(b), nil
	}
	return n, err
}
