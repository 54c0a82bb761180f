package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"gonum.org/v1/plot/vg"

	"github.com/ctdtui/ctdtui/figures"
	"github.com/ctdtui/ctdtui/study"
)

func init() {
	register(command{name: "plot", args: "RUN… --what K --out FIG", summary: "a publication figure of what a TUI view shows (gonum/plot)", order: 75, run: plotCmd,
		usage: `plot flags:
  --what KIND                  loss, scree, trial, trajectories, fixedpoints, compare, aligned,
                               decoding, crosstemporal, matrix (required)
  --out FIG.png|svg|pdf        the file (format by extension; PNG at 300 dpi; never overwritten
                               unless --force)
  --phase train|val|all        which trials (default val)
  --trial K --trials N         the trial shown (trial), or the first of N drawn (trajectories,
                               fixedpoints, compare; default 0 and 8)
  loss:          more RUNs overlay their validation losses; --linear (default log y),
                 --smooth W (EMA weight, raw values faint)
  trajectories, fixedpoints, compare: --3d --yaw DEG --pitch DEG (default 2-D PC1-PC2)
  fixedpoints:   --inits N --iters N --qthresh X --mode refine|reference --seed S
  compare:       RUN_A RUN_B; --dsa adds DSA (slower)
  aligned, decoding, crosstemporal: --event NAME (default the task's first), --vars a,b,
                 --group G (crosstemporal: one variable group)
  matrix:        RUN1 … RUNn or a folder of runs; --metric dsa|r2|state_r2|procrustes|cca|… (default dsa)
  --width 6in --height 4in     the figure's size (default by kind); --best as for analyze
`})
}

func plotCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("plot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o figures.Options
	var out, vars, width, height string
	var best, force, dsa bool
	fs.StringVar(&o.What, "what", "", "the figure: "+strings.Join(figures.Kinds, ", "))
	fs.StringVar(&out, "out", "", "the file: FIG.png, FIG.svg or FIG.pdf")
	fs.BoolVar(&force, "force", false, "replace an existing --out file")
	fs.BoolVar(&best, "best", false, "analyse best.bin instead of checkpoint.bin")
	fs.StringVar(&o.Phase, "phase", "val", "train, val or all")
	fs.IntVar(&o.Trial, "trial", 0, "the trial (from 0, in --phase)")
	fs.IntVar(&o.Trials, "trials", 8, "trajectories drawn")
	fs.BoolVar(&o.Linear, "linear", false, "loss on a linear axis")
	fs.Float64Var(&o.Smooth, "smooth", 0, "loss EMA weight in [0, 1)")
	fs.BoolVar(&o.View3D, "3d", false, "trajectories in PC1-3, rotated")
	fs.Float64Var(&o.Yaw, "yaw", -60, "3-D view: rotation about PC3 (degrees)")
	fs.Float64Var(&o.Pitch, "pitch", 30, "3-D view: elevation (degrees)")
	fs.IntVar(&o.FixedPoints.Inits, "inits", 0, "fixed points: initial states (default study's)")
	fs.IntVar(&o.FixedPoints.Iters, "iters", 0, "fixed points: Adam iterations (default study's)")
	fs.Float64Var(&o.FixedPoints.QThresh, "qthresh", 0, "fixed points: q threshold (default study's)")
	fs.StringVar(&o.FixedPoints.Mode, "mode", "", "fixed points: refine or reference")
	fs.Uint64Var(&o.FixedPoints.Seed, "seed", 0, "fixed points: seed of the initial states")
	fs.BoolVar(&dsa, "dsa", false, "compare: compute DSA too")
	fs.StringVar(&o.Event, "event", "", "the event to align to")
	fs.StringVar(&vars, "vars", "", "decoded variables (comma-separated)")
	fs.StringVar(&o.Group, "group", "", "cross-temporal: the variable group")
	fs.StringVar(&o.Metric, "metric", "", "matrix: the metric")
	fs.StringVar(&width, "width", "", "figure width (6in, 15cm, 400pt)")
	fs.StringVar(&height, "height", "", "figure height")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return errors.New("plot: missing RUN (usage: ctdtui plot RUN [RUN…] --what KIND --out FIG.png)")
	}
	if o.What == "" {
		return fmt.Errorf("plot: --what is required: one of %s", strings.Join(figures.Kinds, ", "))
	}
	if out == "" {
		return errors.New("plot: --out FIG.png|svg|pdf is required")
	}
	if !force {
		if _, err := os.Stat(out); err == nil {
			return fmt.Errorf("plot: %s exists: choose another --out or add --force", out)
		}
	}
	if o.Smooth < 0 || o.Smooth >= 1 {
		return fmt.Errorf("plot: --smooth %g must be in [0, 1)", o.Smooth)
	}
	if vars != "" {
		o.Vars = strings.Split(vars, ",")
	}
	o.Compare.NoDSA = !dsa && o.What == "compare"
	// The fixed points are searched from --phase's trials only when it is
	// given: by default the figure shows what `ctdtui fixedpoints` lists.
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "phase" {
			o.FixedPoints.Phase = o.Phase
		}
	})
	if o.Width, err = parseLength("--width", width); err != nil {
		return err
	}
	if o.Height, err = parseLength("--height", height); err != nil {
		return err
	}
	// A folder of runs (a sweep, say) stands for its runs, as in compare.
	if pos, err = study.ExpandRuns(pos); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	var ses []*study.Session
	for _, dir := range pos {
		s, err := study.Open(dir, best)
		if err != nil {
			return err
		}
		ses = append(ses, s)
	}
	o.Others = ses[1:]
	ctx, stop := signalContextMsg("stopping")
	defer stop()
	f, err := figures.Make(ctx, ses[0], o, nil)
	if err != nil {
		return err
	}
	if err := f.Save(out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %s of %s (%d series)\n", out, o.What, ses[0].Name(), f.SeriesCount(""))
	return nil
}

// parseLength reads a figure size: a number and a unit (in, cm, mm, pt).
func parseLength(flag, s string) (vg.Length, error) {
	if s == "" {
		return 0, nil
	}
	units := map[string]vg.Length{"in": vg.Inch, "cm": vg.Centimeter, "mm": vg.Millimeter, "pt": vg.Points(1)}
	for u, l := range units {
		if num, ok := strings.CutSuffix(s, u); ok {
			var v float64
			if _, err := fmt.Sscan(num, &v); err != nil || !(v > 0) || v > 100*float64(vg.Inch/l) {
				break
			}
			return vg.Length(v) * l, nil
		}
	}
	return 0, fmt.Errorf("plot: %s %q is not a size such as 6in, 15cm, 150mm or 400pt (at most 100in)", flag, s)
}
