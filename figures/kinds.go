package figures

import (
	"context"
	"fmt"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/ctdtui/ctdtui/run"
	"github.com/ctdtui/ctdtui/study"
)

// Kinds are the figures Make draws, in the order the help lists them.
var Kinds = []string{"loss", "scree", "trial", "trajectories", "fixedpoints", "compare", "aligned", "decoding", "crosstemporal", "matrix"}

// Options say which figure to draw and of what. The zero value of each
// field is the TUI's default.
type Options struct {
	What  string
	Phase string // train, val (default) or all
	// Trial is the trial shown (trial) or the first drawn (trajectories,
	// fixedpoints, compare); Trials how many trajectories (default 8).
	Trial, Trials int
	// Others are the other runs: the runs overlaid on a loss figure, run B
	// of a comparison, the rest of a matrix.
	Others []*study.Session
	// Linear draws the loss on a linear axis (default log); Smooth is the
	// EMA weight of the loss curves (raw values drawn faint under them).
	Linear bool
	Smooth float64
	// View3D draws trajectories in PC1-3 seen from Yaw (about PC3) and Pitch
	// degrees (matplotlib's azim and elev), as the TUI's 3-D view.
	View3D     bool
	Yaw, Pitch float64
	// FixedPoints are the search's settings (zero: study's defaults, the
	// phase included, so that the figure shows the points `ctdtui
	// fixedpoints` lists; the trajectories drawn are Phase's).
	FixedPoints study.FixedPointOptions
	// Compare are a comparison's settings (compare, matrix).
	Compare study.CompareOptions
	// Event and Vars choose the alignment and the decoded variables
	// (aligned, decoding, crosstemporal; default: the task's first event,
	// every variable); Group the cross-temporal panel shown (default all).
	Event string
	Vars  []string
	Group string
	// Metric is the matrix's metric (default the first of study's).
	Metric string

	legendTrials bool // name the trials in the legend
	// Width and Height (default by kind).
	Width, Height vg.Length
}

// Make computes what the figure shows through s (and o.Others) and draws it.
func Make(ctx context.Context, s *study.Session, o Options, progress study.ProgressFunc) (*Figure, error) {
	if o.Phase == "" {
		o.Phase = "val"
	}
	if o.Trials <= 0 {
		o.Trials = 8
	}
	var f *Figure
	var err error
	switch o.What {
	case "loss":
		f, err = lossFigure(s, o)
	case "scree":
		f, err = screeFigure(ctx, s, o)
	case "trial":
		f, err = trialFigure(ctx, s, o)
	case "trajectories":
		f, err = trajectoriesFigure(ctx, s, o, nil)
	case "fixedpoints":
		f, err = fixedPointsFigure(ctx, s, o, progress)
	case "compare":
		f, err = compareFigure(ctx, s, o, progress)
	case "aligned":
		f, err = alignedFigure(ctx, s, o, progress)
	case "decoding", "crosstemporal":
		f, err = decodingFigure(ctx, s, o, progress)
	case "matrix":
		f, err = matrixFigure(ctx, s, o, progress)
	default:
		return nil, fmt.Errorf("--what %q is not one of %s", o.What, strings.Join(Kinds, ", "))
	}
	if err != nil {
		return nil, err
	}
	if o.Width > 0 {
		f.Width = o.Width
	}
	if o.Height > 0 {
		f.Height = o.Height
	}
	return f, nil
}

func single(p *Panel, w, h vg.Length) *Figure {
	return &Figure{Rows: 1, Cols: 1, Panels: []*Panel{p}, Width: w, Height: h}
}

// ---- loss ----

// LossRun is one run's loss curves.
type LossRun struct {
	Name              string
	Epochs            []float64
	Train, Validation []float64
}

// LossRunOf is a run's history as a LossRun.
func LossRunOf(name string, h []run.EpochStats) LossRun {
	r := LossRun{Name: name, Epochs: make([]float64, len(h)), Train: make([]float64, len(h)), Validation: make([]float64, len(h))}
	for j, e := range h {
		r.Epochs[j], r.Train[j], r.Validation[j] = float64(e.Epoch), e.TrainLoss, e.ValLoss
	}
	return r
}

func lossFigure(s *study.Session, o Options) (*Figure, error) {
	var runs []LossRun
	for _, r := range append([]*study.Session{s}, o.Others...) {
		if len(r.Run.Run.History) == 0 {
			return nil, fmt.Errorf("%s has no epochs in its history.csv: nothing to plot", r.Run.Run.Dir)
		}
		runs = append(runs, LossRunOf(r.Name(), r.Run.Run.History))
	}
	return Loss(runs, o), nil
}

// Loss draws the train and validation losses of one run, or the
// validation losses of several, on a log axis unless o.Linear, smoothed
// when o.Smooth > 0 (the Train tab's chart, and what it overlays).
func Loss(runs []LossRun, o Options) *Figure {
	scale := "log"
	if o.Linear {
		scale = "linear"
	}
	title := "Loss"
	if len(runs) == 1 {
		title += " · " + runs[0].Name
	} else {
		title = fmt.Sprintf("Validation loss · %d runs", len(runs))
	}
	if o.Smooth > 0 {
		title += fmt.Sprintf(" · EMA %.3g", o.Smooth)
	}
	p := newPlot(title, "epoch", "loss ("+scale+")")
	p.X.Tick.Marker = intTicks{}
	if !o.Linear {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	pan := &Panel{Plot: p}
	curve := func(name string, xs, ys []float64, c color.Color) {
		if !o.Linear {
			ys = positive(ys)
		}
		if o.Smooth > 0 {
			line(p, "", xs, ys, faded(c, 70), vg.Points(0.8), nil)
			ys = ema(ys, math.Min(o.Smooth, 0.999))
		}
		se, th := line(p, name, xs, ys, c, vg.Points(1.4), nil)
		pan.Series = append(pan.Series, se)
		p.Legend.Add(name, th)
	}
	for i, r := range runs {
		if len(runs) == 1 {
			curve("train", r.Epochs, r.Train, qual(0))
			curve("validation", r.Epochs, r.Validation, qual(1))
			break
		}
		curve(r.Name, r.Epochs, r.Validation, qual(i))
	}
	return single(pan, 6*vg.Inch, 4*vg.Inch)
}

// positive replaces values a log axis cannot show by NaN (a gap).
func positive(y []float64) []float64 {
	out := make([]float64, len(y))
	for i, v := range y {
		out[i] = v
		if !(v > 0) {
			out[i] = math.NaN()
		}
	}
	return out
}

// ---- scree ----

func screeFigure(ctx context.Context, s *study.Session, o Options) (*Figure, error) {
	sc, err := s.Scree(ctx, o.Phase, 10)
	if err != nil {
		return nil, err
	}
	p := newPlot(fmt.Sprintf("PCA scree · %s latents · PR %.1f", sc.Phase, sc.ParticipationRatio), "principal component", "variance explained (%)")
	pan := &Panel{Plot: p}
	n := len(sc.Ratio)
	vals := make(plotter.Values, n)
	xs, cum := make([]float64, n), make([]float64, n)
	for j := range vals {
		vals[j] = 100 * sc.Ratio[j]
		if !usable(vals[j]) {
			vals[j] = 0
		}
		xs[j], cum[j] = float64(j), 100*sc.Cumulative[j]
	}
	bars, err := plotter.NewBarChart(vals, vg.Points(14))
	if err != nil {
		return nil, err
	}
	bars.Color = qual(0)
	bars.LineStyle.Width = 0
	p.Add(bars)
	p.Legend.Add("per PC", bars)
	pan.Series = append(pan.Series, Series{Name: "per PC", Kind: "bars", N: n})
	for _, g := range []float64{50, 90, 95, 99} {
		hline(p, g, -0.5, float64(n)-0.5, light)
	}
	se, th := line(p, "cumulative", xs, cum, qual(1), vg.Points(1.4), nil)
	pts, _ := points(p, "", xs, cum, qual(1), draw.CircleGlyph{}, vg.Points(2))
	_ = pts
	pan.Series = append(pan.Series, se)
	p.Legend.Add("cumulative", th)
	p.Legend.Top, p.Legend.Left = false, false
	p.Y.Min, p.Y.Max = 0, 100
	labels := make([]string, n)
	for j := range labels {
		labels[j] = fmt.Sprintf("PC%d", j+1)
	}
	p.NominalX(labels...)
	return single(pan, 5*vg.Inch, 3.5*vg.Inch), nil
}

// ---- trial ----

func trialFigure(ctx context.Context, s *study.Session, o Options) (*Figure, error) {
	r, err := s.Trial(ctx, study.TrialOptions{Phase: o.Phase, Trial: o.Trial})
	if err != nil {
		return nil, err
	}
	T := r.Steps
	xs := make([]float64, T)
	for t := range xs {
		xs[t] = float64(t)
	}
	col := func(m [][]float64, c int) []float64 {
		out := make([]float64, len(m))
		for t := range m {
			if c < len(m[t]) {
				out[t] = m[t][c]
			}
		}
		return out
	}
	events := func(p *plot.Plot, lo, hi float64) {
		for _, e := range r.Events {
			if e.Name == "pulse" {
				continue // the flip-flop's pulses show in the inputs panel
			}
			vline(p, float64(e.Step), lo, hi, grey)
		}
	}
	name := fmt.Sprintf("%s · %s trial %d (#%d)", s.Name(), r.Options.Phase, r.Options.Trial, r.Index)
	// Inputs: the noisy inputs; with many channels (MultiTask's rule cues)
	// those whose noise-free input is zero throughout are left out.
	pin := newPlot(name+" · inputs", "", "input")
	in := &Panel{Plot: pin}
	nIn := len(r.InputLabels)
	var all [][]float64
	for c := 0; c < nIn; c++ {
		if nIn > 8 && allZero(col(r.TrueInputs, c)) {
			continue
		}
		y := col(r.Inputs, c)
		all = append(all, y)
		se, th := line(pin, r.InputLabels[c], xs, y, rainbow(c, nIn), vg.Points(1), nil)
		in.Series = append(in.Series, se)
		pin.Legend.Add(r.InputLabels[c], th)
	}
	lo, hi := extent(all...)
	events(pin, lo, hi)
	// Targets (dashed) against what the model produced.
	pout := newPlot("targets (dashed) and outputs", "", "output")
	out := &Panel{Plot: pout}
	nC := len(r.TargetLabels)
	var ys [][]float64
	for c := 0; c < nC; c++ {
		tg, ct := col(r.Targets, c), col(r.Controlled, c)
		ys = append(ys, tg, ct)
		cc := rainbow(c, nC)
		se, _ := line(pout, r.TargetLabels[c]+" target", xs, tg, cc, vg.Points(1), dashed)
		out.Series = append(out.Series, se)
		se, th := line(pout, r.TargetLabels[c], xs, ct, cc, vg.Points(1.3), nil)
		out.Series = append(out.Series, se)
		pout.Legend.Add(r.TargetLabels[c], th)
	}
	lo, hi = extent(ys...)
	events(pout, lo, hi)
	// Latents on the phase's first PCs.
	pl := newPlot("latents on the top PCs", "time step", "PC score")
	lat := &Panel{Plot: pl}
	nPC := 0
	if len(r.PCs) > 0 {
		nPC = len(r.PCs[0])
	}
	ys = nil
	for j := 0; j < nPC; j++ {
		y := col(r.PCs, j)
		ys = append(ys, y)
		lbl := fmt.Sprintf("PC%d", j+1)
		if j < len(r.PCRatio) && usable(r.PCRatio[j]) {
			lbl += fmt.Sprintf(" (%.0f%%)", 100*r.PCRatio[j])
		}
		se, th := line(pl, lbl, xs, y, rainbow(j, nPC), vg.Points(1.2), nil)
		lat.Series = append(lat.Series, se)
		pl.Legend.Add(lbl, th)
	}
	lo, hi = extent(ys...)
	events(pl, lo, hi)
	for _, p := range []*plot.Plot{pin, pout, pl} {
		p.X.Min, p.X.Max = 0, float64(max(T-1, 1))
		p.X.Tick.Marker = intTicks{}
		p.Legend.Left = false
	}
	return &Figure{Rows: 3, Cols: 1, Panels: []*Panel{in, out, lat}, Width: 7 * vg.Inch, Height: 7 * vg.Inch}, nil
}

func allZero(y []float64) bool {
	for _, v := range y {
		if v != 0 {
			return false
		}
	}
	return true
}

// ---- trajectories and fixed points ----

// orbitView projects (x, y, z) as the TUI's 3-D view: yaw about the vertical
// axis z, then pitch.
func orbitView(yaw, pitch, x, y, z float64) (float64, float64) {
	ya, pa := yaw*math.Pi/180, pitch*math.Pi/180
	x, y = x*math.Cos(ya)-y*math.Sin(ya), x*math.Sin(ya)+y*math.Cos(ya)
	_, z = y*math.Cos(pa)-z*math.Sin(pa), y*math.Sin(pa)+z*math.Cos(pa)
	return x, z
}

func (o Options) project(pc []float64) (float64, float64) {
	var v [3]float64
	copy(v[:], pc)
	if !o.View3D {
		return v[0], v[1]
	}
	return orbitView(o.Yaw, o.Pitch, v[0], v[1], v[2])
}

// trajectoryPanel draws trials first … first+n−1 of a projection, each in
// its channel colour (or all in c when c is set), with a dot at the start.
func trajectoryPanel(p *plot.Plot, pan *Panel, pr *study.Projection, o Options, first, n int, c color.Color, dash []vg.Length, name string) {
	for i := first; i < min(first+n, len(pr.Trials)); i++ {
		pts := pr.Trial(i)
		var xs, ys []float64
		for j := 0; j+pr.K <= len(pts); j += pr.K {
			x, y := o.project(pts[j : j+pr.K])
			xs, ys = append(xs, x), append(ys, y)
		}
		cc := c
		if cc == nil {
			cc = rainbow(i-first, n)
		}
		lbl := fmt.Sprintf("%s trial %d", name, i)
		se, th := line(p, lbl, xs, ys, cc, vg.Points(1), dash)
		se.Name = lbl
		pan.Series = append(pan.Series, se)
		if len(xs) > 0 {
			points(p, "", xs[:1], ys[:1], cc, draw.CircleGlyph{}, vg.Points(1.8))
		}
		if c == nil && i-first < 8 && o.legendTrials {
			p.Legend.Add(fmt.Sprintf("trial %d", i), th)
		}
	}
}

func axisNames(o Options, ratio []float64) (string, string) {
	pct := func(j int) string {
		if j < len(ratio) && usable(ratio[j]) {
			return fmt.Sprintf(" (%.0f%%)", 100*ratio[j])
		}
		return ""
	}
	if o.View3D {
		return fmt.Sprintf("PC1-3 seen from yaw %.0f°, pitch %.0f°", o.Yaw, o.Pitch), ""
	}
	return "PC1" + pct(0), "PC2" + pct(1)
}

func trajectoriesFigure(ctx context.Context, s *study.Session, o Options, fp *study.FixedPointReport) (*Figure, error) {
	phase := o.Phase
	if fp != nil {
		phase = fp.Options.Phase
	}
	roll, err := s.Rollout(ctx, phase, nil)
	if err != nil {
		return nil, err
	}
	pr := roll.PCs
	if len(pr.Trials) == 0 {
		return nil, fmt.Errorf("%s: the %s phase has no trials", s.Run.Run.Dir, phase)
	}
	first := max(0, min(o.Trial, len(pr.Trials)-1))
	xl, yl := axisNames(o, pr.Ratio)
	title := fmt.Sprintf("%s · %s trials %d-%d", s.Name(), roll.Phase, first, min(first+o.Trials, len(pr.Trials))-1)
	if fp != nil {
		title = fmt.Sprintf("%s · %d fixed points, %d stable", s.Name(), fp.Fixed, fp.Stable)
	}
	p := newPlot(title, xl, yl)
	pan := &Panel{Plot: p}
	o.legendTrials = fp == nil
	trajectoryPanel(p, pan, pr, o, first, o.Trials, nil, nil, "")
	if fp == nil {
		return single(pan, 5.5*vg.Inch, 5*vg.Inch), nil
	}
	var sx, sy, ux, uy []float64
	for _, pt := range fp.Points {
		x, y := o.project(pt.PC)
		if pt.Stable {
			sx, sy = append(sx, x), append(sy, y)
		} else {
			ux, uy = append(ux, x), append(uy, y)
		}
	}
	se, th := points(p, "stable", sx, sy, blackish, draw.CircleGlyph{}, vg.Points(3.5))
	pan.Series = append(pan.Series, se)
	p.Legend.Add("stable", th)
	se, th = points(p, "unstable", ux, uy, blackish, draw.RingGlyph{}, vg.Points(3.5))
	pan.Series = append(pan.Series, se)
	p.Legend.Add("unstable", th)
	// The eigenvalues of every fixed point in the complex plane, the unit
	// circle dashed: |λ| < 1 is stable in discrete time.
	pe := newPlot("Jacobian eigenvalues", "Re λ", "Im λ")
	eig := &Panel{Plot: pe}
	var cx, cy []float64
	for k := 0; k <= 128; k++ {
		a := 2 * math.Pi * float64(k) / 128
		cx, cy = append(cx, math.Cos(a)), append(cy, math.Sin(a))
	}
	line(pe, "", cx, cy, grey, vg.Points(0.8), dashed)
	var esx, esy, eux, euy []float64
	for _, pt := range fp.Points {
		for _, l := range pt.Eigenvalues {
			if pt.Stable {
				esx, esy = append(esx, l[0]), append(esy, l[1])
			} else {
				eux, euy = append(eux, l[0]), append(euy, l[1])
			}
		}
	}
	se, th = points(pe, "of stable points", esx, esy, qual(0), draw.CircleGlyph{}, vg.Points(1.6))
	eig.Series = append(eig.Series, se)
	pe.Legend.Add("of stable points", th)
	se, th = points(pe, "of unstable points", eux, euy, qual(5), draw.CrossGlyph{}, vg.Points(2.2))
	eig.Series = append(eig.Series, se)
	pe.Legend.Add("of unstable points", th)
	// Equal scales (the panels are about square): the unit circle round.
	r := 1.05
	for _, v := range [][]float64{esx, esy, eux, euy} {
		for _, x := range v {
			if usable(x) {
				r = math.Max(r, 1.05*math.Abs(x))
			}
		}
	}
	pe.X.Min, pe.X.Max, pe.Y.Min, pe.Y.Max = -r, r, -r, r
	return &Figure{Rows: 1, Cols: 2, Panels: []*Panel{pan, eig}, Width: 10 * vg.Inch, Height: 4.8 * vg.Inch}, nil
}

var blackish = color.RGBA{20, 20, 20, 255}

func fixedPointsFigure(ctx context.Context, s *study.Session, o Options, progress study.ProgressFunc) (*Figure, error) {
	fp, err := s.FixedPoints(ctx, o.FixedPoints, progress)
	if err != nil {
		return nil, err
	}
	return trajectoriesFigure(ctx, s, o, fp)
}

// ---- compare ----

func compareFigure(ctx context.Context, a *study.Session, o Options, progress study.ProgressFunc) (*Figure, error) {
	if len(o.Others) != 1 {
		return nil, fmt.Errorf("--what compare needs two runs (RUN_A RUN_B), got %d", 1+len(o.Others))
	}
	b := o.Others[0]
	co := o.Compare
	if co.Phase == "" {
		co.Phase = o.Phase
	}
	rep, err := a.Compare(ctx, b, co, progress)
	if err != nil {
		return nil, err
	}
	if rep.AffineAtoB == nil || rep.AffineBtoA == nil {
		return nil, fmt.Errorf("--what compare draws trial-matched comparisons, and %s and %s %s (--what matrix compares runs on their own trials)",
			a.Name(), b.Name(), strings.TrimPrefix(rep.TrialsNote, "the runs "))
	}
	traj, err := a.AlignTrajectories(ctx, b, co.Phase, study.RolloutPCs)
	if err != nil {
		return nil, err
	}
	return Compare(a.Name(), b.Name(), rep, traj, o), nil
}

// Compare draws a comparison already computed (the Compare tab's): both
// runs' trajectories in A's PC space and the affine R² per target PC both
// ways.
func Compare(nameA, nameB string, rep *study.CompareReport, traj *study.AlignedTrajectories, o Options) *Figure {
	if o.Trials <= 0 {
		o.Trials = 4
	}
	xl, yl := axisNames(o, traj.A.Ratio)
	p := newPlot(fmt.Sprintf("%s (A) and %s (B) in A's PC space", nameA, nameB), xl, yl)
	pan := &Panel{Plot: p}
	first := max(0, min(o.Trial, len(traj.A.Trials)-1))
	n := min(o.Trials, 4)
	trajectoryPanel(p, pan, traj.A, o, first, n, qual(0), nil, "A")
	trajectoryPanel(p, pan, traj.B, o, first, n, qual(1), dashed, "B")
	_, tha := line(p, "", nil, nil, qual(0), vg.Points(1), nil)
	_, thb := line(p, "", nil, nil, qual(1), vg.Points(1), dashed)
	p.Legend.Add("A "+nameA, tha)
	p.Legend.Add("B mapped into A's PCs", thb)
	title := "affine R²"
	if rep.AffineAtoB != nil && rep.AffineBtoA != nil {
		title = fmt.Sprintf("affine R² (A→B %.3f, B→A %.3f)", rep.AffineAtoB.VarianceWeighted, rep.AffineBtoA.VarianceWeighted)
	}
	if rep.StateR2 != nil {
		title += fmt.Sprintf(", state R² %.3f", *rep.StateR2)
	}
	if rep.DSA != nil {
		title += fmt.Sprintf(", DSA %.3f rad", rep.DSA.Angular)
	}
	pr := newPlot(title, "target PC", "held-out R²")
	r2 := &Panel{Plot: pr}
	for i, ab := range []*study.AffineR2{rep.AffineAtoB, rep.AffineBtoA} {
		if ab == nil {
			continue
		}
		xs := make([]float64, len(ab.PerPC))
		for j := range xs {
			xs[j] = float64(j + 1)
		}
		name := [2]string{"A→B", "B→A"}[i]
		se, th := line(pr, name, xs, ab.PerPC, qual(i), vg.Points(1.3), nil)
		points(pr, "", xs, ab.PerPC, qual(i), draw.CircleGlyph{}, vg.Points(2))
		r2.Series = append(r2.Series, se)
		pr.Legend.Add(name, th)
	}
	pr.Y.Max = 1
	pr.Legend.Top = false
	return &Figure{Rows: 1, Cols: 2, Panels: []*Panel{pan, r2}, Width: 10 * vg.Inch, Height: 4.8 * vg.Inch}
}

// ---- time-resolved ----

// event is o.Event or the task's first event.
func event(s *study.Session, o Options) (string, error) {
	if o.Event != "" {
		return o.Event, nil
	}
	ev := s.Run.Task.EventNames()
	if len(ev) == 0 {
		return "", fmt.Errorf("%s: the task names no events to align to", s.Run.Run.Dir)
	}
	return ev[0], nil
}

func alignedFigure(ctx context.Context, s *study.Session, o Options, progress study.ProgressFunc) (*Figure, error) {
	ev, err := event(s, o)
	if err != nil {
		return nil, err
	}
	phase := o.Phase
	r, err := s.Align(ctx, study.AlignOptions{Phase: phase, Event: ev}, progress)
	if err != nil {
		return nil, err
	}
	xl, yl := axisNames(Options{}, r.PCRatio)
	p := newPlot(fmt.Sprintf("%s · condition means aligned to %s (%d occurrences)", s.Name(), ev, r.Samples), xl, yl)
	pan := &Panel{Plot: p}
	zero := -1
	for j, st := range r.Steps {
		if st == 0 {
			zero = j
		}
	}
	for i, c := range r.Conditions {
		xs, ys := make([]float64, len(c.PC)), make([]float64, len(c.PC))
		for j, pc := range c.PC {
			xs[j], ys[j] = math.NaN(), math.NaN()
			if len(pc) >= 2 {
				xs[j], ys[j] = pc[0], pc[1]
			}
		}
		col := rainbow(i, len(r.Conditions))
		se, th := line(p, c.Label, xs, ys, col, vg.Points(1.3), nil)
		pan.Series = append(pan.Series, se)
		p.Legend.Add(c.Label, th)
		if zero >= 0 && len(c.PC[zero]) >= 2 {
			points(p, "", []float64{c.PC[zero][0]}, []float64{c.PC[zero][1]}, col, draw.CircleGlyph{}, vg.Points(3))
		}
	}
	p.Legend.Left = false
	return single(pan, 6*vg.Inch, 5*vg.Inch), nil
}

func decodingFigure(ctx context.Context, s *study.Session, o Options, progress study.ProgressFunc) (*Figure, error) {
	ev, err := event(s, o)
	if err != nil {
		return nil, err
	}
	r, err := s.Decode(ctx, study.DecodeOptions{Event: ev, Vars: o.Vars, CrossTemporal: o.What == "crosstemporal"}, progress)
	if err != nil {
		return nil, err
	}
	if len(r.Variables) == 0 {
		return nil, fmt.Errorf("%s: no variables to decode", s.Run.Run.Dir)
	}
	if o.What == "crosstemporal" {
		return crossTemporalFigure(s, r, o)
	}
	xs := make([]float64, len(r.Steps))
	for j, st := range r.Steps {
		xs[j] = float64(st)
	}
	p := newPlot(fmt.Sprintf("%s · decoding around %s (%d train / %d val)", s.Name(), ev, r.TrainSamples, r.ValSamples),
		"step from "+ev, "validation R²")
	pan := &Panel{Plot: p}
	chance := make([]float64, len(r.Steps))
	for j := range chance {
		sum, n := 0.0, 0
		for _, v := range r.Variables {
			if usable(v.ShuffleR2[j]) {
				sum += v.ShuffleR2[j]
				n++
			}
		}
		chance[j] = math.NaN()
		if n > 0 {
			chance[j] = sum / float64(n)
		}
	}
	for i, v := range r.Variables {
		se, th := line(p, v.Group, xs, clamp(v.R2, -0.25, 1), qual(i), vg.Points(1.4), nil)
		pan.Series = append(pan.Series, se)
		p.Legend.Add(fmt.Sprintf("%s (peak %.2f)", v.Group, v.Peak), th)
	}
	se, th := line(p, "shuffled chance", xs, clamp(chance, -0.25, 1), grey, vg.Points(1), dashed)
	pan.Series = append(pan.Series, se)
	p.Legend.Add("shuffled chance", th)
	// The x axis over the steps that have a value (the window is wider than
	// most trials).
	a, b := len(xs), -1
	for _, v := range r.Variables {
		for j, x := range v.R2 {
			if usable(x) {
				a, b = min(a, j), max(b, j)
			}
		}
	}
	if a > b {
		a, b = 0, len(xs)-1
	}
	vline(p, 0, -0.25, 1, light)
	hline(p, 0, xs[a], xs[b], light)
	hline(p, study.DecodableR2, xs[a], xs[b], light)
	p.X.Min, p.X.Max = xs[a], xs[b]
	p.X.Tick.Marker = intTicks{}
	p.Y.Min, p.Y.Max = -0.25, 1
	p.Legend.Left = true
	return single(pan, 6.5*vg.Inch, 4*vg.Inch), nil
}

func clamp(v []float64, lo, hi float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = x
		if usable(x) {
			out[i] = math.Max(lo, math.Min(hi, x))
		}
	}
	return out
}

// grid is a matrix for gonum's heat map: cell (c, r) at (xs[c], ys[r]).
type grid struct {
	z      func(c, r int) float64
	xs, ys []float64
}

func (g grid) Dims() (int, int)   { return len(g.xs), len(g.ys) }
func (g grid) Z(c, r int) float64 { return g.z(c, r) }
func (g grid) X(c int) float64    { return g.xs[c] }
func (g grid) Y(r int) float64    { return g.ys[r] }
func (g grid) Min() float64       { return 0 }
func (g grid) Max() float64       { return 1 }

// viridis are the control points of matplotlib's viridis (dark violet to
// yellow, luminance rising throughout: readable in grey and by the colour
// blind); the TUI's matrix uses the same scale.
var viridis = []color.Color{
	color.RGBA{0x44, 0x01, 0x54, 255}, color.RGBA{0x48, 0x28, 0x78, 255}, color.RGBA{0x3e, 0x49, 0x89, 255},
	color.RGBA{0x31, 0x68, 0x8e, 255}, color.RGBA{0x26, 0x82, 0x8e, 255}, color.RGBA{0x1f, 0x9e, 0x89, 255},
	color.RGBA{0x35, 0xb7, 0x79, 255}, color.RGBA{0x6e, 0xce, 0x58, 255}, color.RGBA{0xb5, 0xde, 0x2b, 255},
	color.RGBA{0xfd, 0xe7, 0x25, 255},
}

func heatColorMap(lo, hi float64) palette.ColorMap {
	cm, err := moreland.NewLuminance(viridis)
	if err != nil {
		cm = moreland.ExtendedBlackBody() // not reached: the control points are fixed
	}
	cm.SetMin(lo)
	cm.SetMax(hi)
	return cm
}

func heatPalette(lo, hi float64) palette.Palette { return heatColorMap(lo, hi).Palette(256) }

// colorBar is a panel with a vertical colour bar of the heat palette.
func colorBar(label string, lo, hi float64) *Panel {
	p := bare("", "", label)
	cb := &plotter.ColorBar{ColorMap: heatColorMap(lo, hi), Vertical: true}
	p.Add(cb)
	p.HideX()
	return &Panel{Plot: p}
}

func crossTemporalFigure(s *study.Session, r *study.DecodeReport, o Options) (*Figure, error) {
	var vars []study.DecodeVariable
	for _, v := range r.Variables {
		if o.Group == "" || v.Group == o.Group {
			vars = append(vars, v)
		}
	}
	if len(vars) == 0 {
		var names []string
		for _, v := range r.Variables {
			names = append(names, v.Group)
		}
		return nil, fmt.Errorf("--group %q is not one of %s", o.Group, strings.Join(names, ", "))
	}
	steps := make([]float64, len(r.CTSteps))
	for i, st := range r.CTSteps {
		steps[i] = float64(st)
	}
	var panels []*Panel
	for _, v := range vars {
		n := len(v.CrossTemporal)
		if n == 0 || n != len(steps) {
			return nil, fmt.Errorf("%s: no cross-temporal matrix for %s", s.Run.Run.Dir, v.Group)
		}
		p := bare(fmt.Sprintf("%s · cross-temporal R² · %s", s.Name(), v.Group), "scored at step", "fitted at step")
		cv := v
		g := grid{xs: steps, ys: steps, z: func(c, rr int) float64 {
			x := cv.CrossTemporal[rr][c]
			if !usable(x) {
				return math.NaN()
			}
			return math.Max(0, math.Min(1, x))
		}}
		hm := plotter.NewHeatMap(g, heatPalette(0, 1))
		hm.NaN = light
		hm.Min, hm.Max = 0, 1
		p.Add(hm)
		// The axes over the steps that have values (the window is wider
		// than most trials).
		a, b := n, -1
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				if usable(cv.CrossTemporal[i][j]) {
					a, b = min(a, i, j), max(b, i, j)
				}
			}
		}
		if a <= b {
			half := 0.5 * (steps[min(n-1, 1)] - steps[0])
			p.X.Min, p.X.Max = steps[a]-half, steps[b]+half
			p.Y.Min, p.Y.Max = p.X.Min, p.X.Max
		}
		p.X.Tick.Marker, p.Y.Tick.Marker = intTicks{}, intTicks{}
		pan := &Panel{Plot: p, Series: []Series{{Name: v.Group, Kind: "heatmap", N: n * n}}}
		panels = append(panels, pan)
	}
	cols := min(len(panels), 3)
	rows := (len(panels) + cols - 1) / cols
	for len(panels) < rows*cols {
		// an empty cell of the grid
		p := plot.New()
		p.HideAxes()
		panels = append(panels, &Panel{Plot: p})
	}
	// The colour bar in a strip of its own at the right, whatever the grid.
	side := 1.1 * vg.Inch
	return &Figure{Rows: rows, Cols: cols, Panels: panels, Width: vg.Length(cols)*4.2*vg.Inch + side, Height: vg.Length(rows) * 4 * vg.Inch,
		Side: colorBar("R² (≤ 0 … 1)", 0, 1), SideWidth: side}, nil
}

// ---- the N×N matrix ----

func matrixFigure(ctx context.Context, s *study.Session, o Options, progress study.ProgressFunc) (*Figure, error) {
	ses := append([]*study.Session{s}, o.Others...)
	if len(ses) < 2 {
		return nil, fmt.Errorf("--what matrix needs at least two runs, got 1")
	}
	mo := study.MatrixOptions{CompareOptions: o.Compare}
	if mo.Phase == "" {
		mo.Phase = o.Phase
	}
	if o.Metric != "" {
		mo.Metrics = []string{o.Metric}
	}
	rep, err := study.CompareMatrix(ctx, ses, mo, progress)
	if err != nil {
		return nil, err
	}
	if len(rep.Matrices) == 0 {
		return nil, fmt.Errorf("no matrix computed")
	}
	return Matrix(rep, &rep.Matrices[0]), nil
}

// Matrix draws one metric of a matrix report (the Compare tab's N×N view)
// as a heatmap with its values, bright for more similar pairs.
func Matrix(rep *study.MatrixReport, mx *study.Matrix) *Figure {
	n := len(mx.Values)
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, row := range mx.Values {
		for j, v := range row {
			if i != j && v != nil && usable(*v) {
				lo, hi = math.Min(lo, *v), math.Max(hi, *v)
			}
		}
	}
	if lo > hi {
		lo, hi = 0, 1
	}
	if hi-lo < 1e-12 {
		lo, hi = lo-0.5, hi+0.5
	}
	idx := make([]float64, n)
	labels := make([]string, n)
	for i := range idx {
		idx[i] = float64(i)
		labels[i] = rep.Runs[i].Label
	}
	// Rows drawn from the top: row r of the grid is run n−1−r.
	g := grid{xs: idx, ys: idx, z: func(c, r int) float64 {
		v := mx.Values[n-1-r][c]
		if v == nil || !usable(*v) || n-1-r == c { // the diagonal: a run with itself, uncoloured
			return math.NaN()
		}
		return *v
	}}
	closer := strings.HasPrefix(mx.Name, "dsa") || mx.Name == "procrustes" // smaller is more similar
	p := bare(fmt.Sprintf("%s · %d runs (bright: more similar)", mx.Name, n), "", "")
	pal := heatPalette(lo, hi)
	if closer {
		pal = palette.Reverse(heatColorMap(lo, hi)).Palette(256)
	}
	hm := plotter.NewHeatMap(g, pal)
	hm.Min, hm.Max = lo, hi
	cs := pal.Colors()
	hm.Underflow, hm.Overflow, hm.NaN = cs[0], cs[len(cs)-1], light
	if closer {
		hm.Underflow, hm.Overflow = cs[len(cs)-1], cs[0]
	}
	p.Add(hm)
	var xy plotter.XYs
	var txt []string
	var vals []float64
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if v := mx.Values[i][j]; v != nil && usable(*v) {
				xy = append(xy, plotter.XY{X: float64(j), Y: float64(n - 1 - i)})
				txt = append(txt, fmt.Sprintf("%.2f", *v))
				vals = append(vals, *v)
			}
		}
	}
	if len(xy) > 0 && n <= 12 {
		lb, err := plotter.NewLabels(plotter.XYLabels{XYs: xy, Labels: txt})
		if err == nil {
			for i := range lb.TextStyle {
				lb.TextStyle[i].XAlign, lb.TextStyle[i].YAlign = -0.5, -0.5
				// dark text on the bright half of the scale, white on the dark
				f := (vals[i] - lo) / (hi - lo)
				if closer {
					f = 1 - f
				}
				lb.TextStyle[i].Color = color.Black
				if f < 0.55 && xy[i].X != float64(n-1)-xy[i].Y {
					lb.TextStyle[i].Color = color.White
				}
				lb.TextStyle[i].Font.Size = vg.Points(8)
			}
			p.Add(lb)
		}
	}
	p.NominalX(labels...)
	rev := make([]string, n)
	for i := range rev {
		rev[i] = labels[n-1-i]
	}
	p.NominalY(rev...)
	p.X.Tick.Label.Rotation = math.Pi / 4
	p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = draw.XRight, draw.YCenter
	pan := &Panel{Plot: p, Series: []Series{{Name: mx.Name, Kind: "heatmap", N: n * n}}}
	side := 3*vg.Inch + vg.Length(n)*0.4*vg.Inch
	return single(pan, side, side)
}
