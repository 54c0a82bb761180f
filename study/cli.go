package study

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ctdtui/ctdtui/run"
)

// Output selects how the commands print their result.
type Output struct {
	// W receives the table or the JSON document.
	W io.Writer
	// Progress receives progress lines (stderr); nil prints none.
	Progress io.Writer
	// JSON prints the report as JSON instead of a table.
	JSON bool
}

// open opens a run for a command and prints what its run is missing (a
// damaged history.csv or state.json: the analysis goes on without them).
func (o Output) open(dir string, best bool) (*Session, error) {
	s, err := Open(dir, best)
	if err != nil {
		return nil, err
	}
	o.warn(s)
	return s, nil
}

func (o Output) warn(s *Session) {
	if o.Progress == nil {
		return
	}
	for _, w := range s.Run.Warnings {
		fmt.Fprintln(o.Progress, "warning:", w)
	}
}

func (o Output) write(rep interface{ WriteTable(io.Writer) error }) error {
	if o.JSON {
		return WriteJSON(o.W, rep)
	}
	return rep.WriteTable(o.W)
}

// progressPrinter prints progress lines at most every interval (and every
// stage change), rewriting one line in place on a terminal.
func progressPrinter(w io.Writer, label string, ttyOnly bool) (ProgressFunc, func()) {
	tty := w != nil && isTerminal(w)
	if w == nil || (ttyOnly && !tty) {
		return nil, func() {}
	}
	var last time.Time
	lastStage := ""
	wrote := false
	f := func(p Progress) {
		now := time.Now()
		if p.Stage == lastStage && now.Sub(last) < 500*time.Millisecond && p.Done != p.Total {
			return
		}
		last, lastStage = now, p.Stage
		line := label + formatProgress(p)
		if tty {
			fmt.Fprintf(w, "\r\x1b[K%s", line)
			wrote = true
		} else {
			fmt.Fprintln(w, line)
		}
	}
	return f, func() {
		if tty && wrote {
			fmt.Fprint(w, "\r\x1b[K")
		}
	}
}

func formatProgress(p Progress) string {
	s := p.Stage
	if p.Run != "" {
		s = p.Run + ": " + s
	}
	switch p.Stage {
	case "adam":
		s += fmt.Sprintf(" iteration %d/%d  converged %d  active %d  mean q %.3g", p.Done, p.Total, p.Converged, p.Active, p.MeanQ)
	default:
		if p.Total > 0 {
			s += fmt.Sprintf(" %d/%d", p.Done, p.Total)
		}
	}
	return s
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// AnalyzeCommand is `ctdtui analyze DIR`.
func AnalyzeCommand(ctx context.Context, dir string, best bool, o AnalyzeOptions, out Output) error {
	if _, err := o.normalized(); err != nil {
		return err
	}
	s, err := out.open(dir, best)
	if err != nil {
		return err
	}
	pf, done := progressPrinter(out.Progress, "", true)
	rep, err := s.Analyze(ctx, o, pf)
	done()
	if err != nil {
		return err
	}
	return out.write(rep)
}

// FixedPointsCommand is `ctdtui fixedpoints DIR` (with o.ClosedLoop:
// `--closed-loop`). With at set, the input held is the model's input at that
// step of that trial of o.Phase (Rollout.HeldInput); o.Inputs must then be
// nil, and the search open-loop.
func FixedPointsCommand(ctx context.Context, dir string, best bool, o FixedPointOptions, at *TrialStep, out Output) error {
	switch {
	case at != nil && o.Inputs != nil:
		return errors.New("--inputs and --inputs-at both give the input held: use one")
	case at != nil && o.ClosedLoop:
		return errors.New("--inputs-at holds the model's whole input, observation included: with --closed-loop give the context with --inputs")
	}
	s, err := out.open(dir, best)
	if err != nil {
		return err
	}
	if at != nil {
		phase := o.Phase
		if phase == "" {
			phase = "all"
		}
		if o.Inputs, err = s.HeldInput(ctx, phase, *at); err != nil {
			return fmt.Errorf("--inputs-at: %w", err)
		}
	}
	pf, done := progressPrinter(out.Progress, "fixed points: ", false)
	var last Progress
	report := func(p Progress) {
		last = p
		if pf != nil {
			pf(p)
		}
	}
	var rep interface{ WriteTable(io.Writer) error }
	if o.ClosedLoop {
		rep, err = s.ClosedLoopFixedPoints(ctx, o, report)
	} else {
		rep, err = s.FixedPoints(ctx, o, report)
	}
	done()
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("fixed-point search cancelled (%s)", formatProgress(last))
	}
	if err != nil {
		return err
	}
	return out.write(rep)
}

// CompareCommand is `ctdtui compare RUN_A RUN_B` (the pairwise report;
// trajectories adds both runs' trajectories in A's PC space,
// AlignTrajectories on o's phase, when they share their trials) and
// `ctdtui compare RUN1 … RUNn` (the N×N matrices: with more than two runs,
// or when metrics are named). A folder that is not itself a run stands for
// the runs inside it.
func CompareCommand(ctx context.Context, dirs []string, best bool, o MatrixOptions, trajectories bool, out Output) error {
	o.Metrics = slices.Clone(o.Metrics)
	if _, err := o.normalized(); err != nil {
		return err
	}
	dirs, err := ExpandRuns(dirs)
	if err != nil {
		return err
	}
	if len(dirs) < 2 {
		return fmt.Errorf("compare needs at least two runs, got %d (%s)", len(dirs), strings.Join(dirs, ", "))
	}
	ses := make([]*Session, len(dirs))
	for i, d := range dirs {
		if ses[i], err = Open(d, best); err != nil {
			return err
		}
		out.warn(ses[i])
	}
	pf, done := progressPrinter(out.Progress, "compare: ", false)
	if len(ses) > 2 || len(o.Metrics) > 0 {
		rep, err := CompareMatrix(ctx, ses, o, pf)
		done()
		if errors.Is(err, context.Canceled) {
			return errors.New("comparison cancelled")
		}
		if err != nil {
			return err
		}
		return out.write(rep)
	}
	a, b := ses[0], ses[1]
	rep, err := a.Compare(ctx, b, o.CompareOptions, pf)
	done()
	if errors.Is(err, context.Canceled) {
		return errors.New("comparison cancelled")
	}
	if err != nil {
		return err
	}
	res := &CompareOutput{CompareReport: rep}
	if trajectories && rep.SameTrials {
		if res.Trajectories, err = a.AlignTrajectories(ctx, b, rep.Options.Phase, RolloutPCs); err != nil {
			return err
		}
	}
	return out.write(res)
}

// CompareOutput is what `ctdtui compare` prints: the report and, with
// --trajectories, both runs' trajectories in A's PC space.
type CompareOutput struct {
	*CompareReport
	Trajectories *AlignedTrajectories `json:"trajectories,omitempty"`
}

// WriteTable prints the report's tables; the trajectories are only in the
// JSON.
func (c *CompareOutput) WriteTable(w io.Writer) error {
	if err := c.CompareReport.WriteTable(w); err != nil {
		return err
	}
	if t := c.Trajectories; t != nil {
		_, err := fmt.Fprintf(w, "\ntrajectories: %d %s trials in A's first %d PCs, B mapped into them (--json lists them)\n", len(t.A.Trials), t.Phase, t.A.K)
		return err
	}
	return nil
}

// TrialCommand is `ctdtui trial DIR`.
func TrialCommand(ctx context.Context, dir string, best bool, o TrialOptions, out Output) error {
	if _, err := o.normalized(); err != nil {
		return err
	}
	s, err := out.open(dir, best)
	if err != nil {
		return err
	}
	rep, err := s.Trial(ctx, o)
	if err != nil {
		return err
	}
	return out.write(rep)
}

// DynamicsCommand is `ctdtui dynamics DIR`.
func DynamicsCommand(ctx context.Context, dir string, best bool, out Output) error {
	s, err := out.open(dir, best)
	if err != nil {
		return err
	}
	rep, err := s.Dynamics(ctx, DynamicsOptions{})
	if err != nil {
		return err
	}
	return out.write(rep)
}

// ExpandRuns replaces each argument that is a folder of runs rather than a
// run (it has no config.toml but subfolders that do) by those runs, sorted
// by name, and returns the list.
func ExpandRuns(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		if isRunDir(a) {
			out = append(out, a)
			continue
		}
		entries, err := os.ReadDir(a)
		if err != nil {
			out = append(out, a) // Open names the problem
			continue
		}
		var runs []string
		for _, e := range entries {
			if p := filepath.Join(a, e.Name()); e.IsDir() && isRunDir(p) {
				runs = append(runs, p)
			}
		}
		if len(runs) == 0 {
			return nil, fmt.Errorf("%s is neither a run directory (no %s) nor a folder of runs", a, run.ConfigFile)
		}
		slices.Sort(runs)
		out = append(out, runs...)
	}
	return out, nil
}

func isRunDir(dir string) bool {
	st, err := os.Stat(filepath.Join(dir, run.ConfigFile))
	return err == nil && !st.IsDir()
}

// ExportCommand is `ctdtui export DIR --out FILE.npz`.
func ExportCommand(ctx context.Context, dir string, best bool, path string, o ExportOptions, out Output) error {
	s, err := out.open(dir, best)
	if err != nil {
		return err
	}
	pf, done := progressPrinter(out.Progress, "export: ", true)
	rep, err := s.Export(ctx, path, o, pf)
	done()
	if err != nil {
		return err
	}
	return out.write(rep)
}

// AlignCommand is `ctdtui align DIR`.
func AlignCommand(ctx context.Context, dir string, best bool, o AlignOptions, out Output) error {
	s, err := out.open(dir, best)
	if err != nil {
		return err
	}
	if _, err := o.normalized(s.Run.Task); err != nil {
		return err
	}
	pf, done := progressPrinter(out.Progress, "align: ", true)
	rep, err := s.Align(ctx, o, pf)
	done()
	if err != nil {
		return err
	}
	return out.write(rep)
}

// DecodeCommand is `ctdtui decode DIR`.
func DecodeCommand(ctx context.Context, dir string, best bool, o DecodeOptions, out Output) error {
	s, err := out.open(dir, best)
	if err != nil {
		return err
	}
	if _, _, err := o.normalized(s.Run.Task); err != nil {
		return err
	}
	pf, done := progressPrinter(out.Progress, "decode: ", true)
	rep, err := s.Decode(ctx, o, pf)
	done()
	if errors.Is(err, context.Canceled) {
		return errors.New("decoding cancelled")
	}
	if err != nil {
		return err
	}
	return out.write(rep)
}
