package ui

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/term"

	"github.com/ctdtui/ctdtui/presets"
)

// Options are the terminal UI's flags.
type Options struct {
	Preset string // embedded preset name or TOML file; "" is presets.DefaultName
	Runs   string // root of the run directories; "" is "runs"
	ASCII  bool   // no braille or box-drawing glyphs
	Theme  string // dark, light or auto ("" is auto)
	// Mouse turns on mouse reporting: the wheel zooms and pans the line
	// charts (the keys stay primary; mouse reporting stops the terminal's
	// own selection, so it is off by default).
	Mouse bool
}

// New validates the options and builds the app without touching the
// terminal, so a bad preset or flag is reported on a normal screen.
func New(o Options) (*Model, error) {
	if o.Preset == "" {
		o.Preset = presets.DefaultName
	}
	if o.Runs == "" {
		o.Runs = "runs"
	}
	if o.Theme == "" {
		o.Theme = "auto"
	}
	if o.Theme != "auto" {
		if _, err := ThemeByName(o.Theme); err != nil {
			return nil, err
		}
	}
	cfg, err := presets.Load(o.Preset)
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(o.Runs); err == nil && !st.IsDir() {
		return nil, fmt.Errorf("--runs %s is a file, not a directory", o.Runs)
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("--runs %s: %w", o.Runs, err)
	}
	// Only now, with everything else valid, ask the terminal for its background.
	theme := DarkTheme()
	switch {
	case o.Theme == "auto" && !lipgloss.HasDarkBackground():
		theme = LightTheme()
	case o.Theme != "auto":
		theme, _ = ThemeByName(o.Theme)
	}
	g := newGlyphs(o.ASCII)
	sh := &shared{st: NewStyles(theme), g: g, runsDir: o.Runs, cfg: cfg, base: cfg, baseName: o.Preset, now: time.Now,
		store: newRunStore(), focus: runFocus{phase: "val"}, fp: defaultFPSettings()}
	m := newModel(sh)
	m.mouse = o.Mouse
	return m, nil
}

// Run takes the terminal (alternate screen) and runs the app until the user
// quits. Whatever ends the program (quit, SIGTERM, a panic, which Bubble Tea
// recovers after restoring the terminal) a run still training is stopped
// after saving its last completed epoch before Run returns.
func Run(m *Model) error {
	if !term.IsTerminal(os.Stdin.Fd()) || !term.IsTerminal(os.Stdout.Fd()) {
		return errors.New("the terminal UI needs an interactive terminal (for scripts and batch jobs use `ctdtui train`)")
	}
	opts := []tea.ProgramOption{tea.WithAltScreen()}
	if m.mouse {
		opts = append(opts, tea.WithMouseCellMotion())
	}
	p := tea.NewProgram(m, opts...)
	// A dropped SSH connection sends SIGHUP: end the program like a quit, so
	// that a run in training is stopped and saved below rather than killed.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		if _, ok := <-hup; ok {
			p.Quit()
		}
	}()
	_, err := p.Run()
	if m.train.Active() {
		// The terminal is back to normal: say what is happening, and let a
		// second Ctrl-C (or SIGTERM) leave at once. Nothing is lost then but
		// the state label: every completed epoch is already on disk.
		fmt.Fprintln(os.Stderr, "ctdtui: stopping the training run; it is saved when the current batch ends (Ctrl-C to leave now, keeping the last completed epoch)")
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		abort := make(chan struct{})
		go func() {
			<-sig
			close(abort)
		}()
		m.train.shutdown(abort)
		signal.Stop(sig)
	}
	if errors.Is(err, tea.ErrInterrupted) {
		return nil
	}
	return err
}
