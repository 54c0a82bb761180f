package study

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/ctdtui/ctdtui/analysis"
)

// num formats a number compactly; non-finite values print as "—".
func num(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	a := math.Abs(v)
	switch {
	case v == 0:
		return "0"
	case a >= 1e5 || a < 1e-3:
		return fmt.Sprintf("%.3g", v)
	case a >= 100:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.4f", v)
}

func pct(v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", 100*v)
}

// header writes the run's identity line.
func (ri RunInfo) line() string {
	which := "checkpoint.bin"
	if ri.Best {
		which = "best.bin"
	}
	size := fmt.Sprintf("%d latents", ri.Latent)
	if ri.State != ri.Latent {
		size = fmt.Sprintf("%d hidden units, state [h, c] of %d", ri.Latent, ri.State)
	}
	s := fmt.Sprintf("%s  (%s: %s %s, %s with %s, epoch %d, %s)", ri.Dir, ri.Name, ri.Task, ri.Dataset, ri.Model, size, ri.Epoch, which)
	if e := ri.Evaluation; e != nil {
		s += fmt.Sprintf(": an evaluation of %s under %s", e.Of, e.Describe)
	}
	return s
}

type tw struct {
	w   *tabwriter.Writer
	err error
}

func newTW(w io.Writer) *tw { return &tw{w: tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)} }

func (t *tw) row(cells ...string) {
	if t.err == nil {
		_, t.err = fmt.Fprintln(t.w, strings.Join(cells, "\t"))
	}
}

func (t *tw) flush() error {
	if t.err != nil {
		return t.err
	}
	return t.w.Flush()
}

func section(w io.Writer, title string) {
	fmt.Fprintf(w, "\n%s\n", title)
}

// WriteTable prints the analysis as readable tables.
func (r *AnalyzeReport) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "run     %s\n", r.Run.line())
	fmt.Fprintf(w, "phase   %s: %d trials, %d steps\n", r.Options.Phase, r.Trials, r.Steps)

	pf := r.Performance
	section(w, "performance")
	t := newTW(w)
	t.row("  loss", num(pf.Loss), "the task's loss on the phase (cached seeded inference)")
	t.row("  output R²", num(pf.OutputR2Mean), "outputs vs targets, mean over channels")
	t.row("  latent→target R²", num(pf.LatentR2Mean), "affine map of the latents (the reference's PerformanceR2)")
	if err := t.flush(); err != nil {
		return err
	}
	if pf.FlipFlop != nil {
		section(w, "bits read out (flip-flop, at the steps the loss scores)")
		fmt.Fprint(w, indent(pf.FlipFlop.Table()))
	}
	if pf.MultiTask != nil {
		section(w, "task success (MultiTask)")
		fmt.Fprint(w, indent(pf.MultiTask.Table()))
	}
	if pf.RandomTarget != nil {
		section(w, "reaches (RandomTarget)")
		fmt.Fprint(w, indent(pf.RandomTarget.Table()))
	}

	section(w, "outputs")
	t = newTW(w)
	t.row("  channel", "mean", "std", "min", "max", "R² vs target", "latent R²")
	for j, c := range r.Outputs {
		r2, lr2 := "", ""
		if r.Controlled == nil && j < len(pf.OutputR2) {
			r2 = num(pf.OutputR2[j])
		}
		if r.Controlled == nil && j < len(pf.LatentR2) {
			lr2 = num(pf.LatentR2[j])
		}
		t.row("  "+c.Label, num(c.Mean), num(c.Std), num(c.Min), num(c.Max), r2, lr2)
	}
	for j, c := range r.Controlled {
		r2, lr2 := "", ""
		if j < len(pf.OutputR2) {
			r2 = num(pf.OutputR2[j])
		}
		if j < len(pf.LatentR2) {
			lr2 = num(pf.LatentR2[j])
		}
		t.row("  "+c.Label, num(c.Mean), num(c.Std), num(c.Min), num(c.Max), r2, lr2)
	}
	if err := t.flush(); err != nil {
		return err
	}

	l := r.Latents
	section(w, "latents")
	fmt.Fprintf(w, "  %d units, total variance %s, mean ‖h‖ %s, max |h| %s\n", l.Dim, num(l.TotalVariance), num(l.MeanNorm), num(l.MaxAbs))

	sc := r.Scree
	section(w, "PCA scree (latents, exact SVD)")
	t = newTW(w)
	t.row("  PC", "variance", "ratio", "cumulative", "")
	for j := range sc.Ratio {
		t.row(fmt.Sprintf("  %d", j+1), num(sc.Variance[j]), pct(sc.Ratio[j]), pct(sc.Cumulative[j]), bar(sc.Ratio[j], 30))
	}
	if err := t.flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "  PCs for 50/90/95/99%%: %d / %d / %d / %d   participation ratio %.2f\n",
		sc.PCsFor50, sc.PCsFor90, sc.PCsFor95, sc.PCsFor99, sc.ParticipationRatio)
	return err
}

func bar(frac float64, width int) string {
	if math.IsNaN(frac) || frac <= 0 {
		return ""
	}
	n := int(math.Round(frac * float64(width)))
	return strings.Repeat("█", min(n, width))
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "  " + l
	}
	return strings.Join(lines, "\n") + "\n"
}

// WriteTable prints the fixed points as readable tables.
func (r *FixedPointReport) WriteTable(w io.Writer) error {
	o := r.Options
	fmt.Fprintf(w, "run      %s\n", r.Run.line())
	in := make([]string, len(o.Inputs))
	for i, v := range o.Inputs {
		in[i] = fmt.Sprintf("%s=%g", labelAt(r.Run.InputLabels, i), v)
	}
	fmt.Fprintf(w, "inputs   %s (held fixed)\n", strings.Join(in, "  "))
	fmt.Fprintf(w, "search   %s mode: %d initial states from the %s latents (noise %g, seed %d), Adam lr %g, %d/%d iterations, %.2f s\n",
		o.Mode, o.Inits, o.Phase, o.Noise, o.Seed, o.LR, r.Iters, o.Iters, r.Seconds)

	section(w, "summary")
	t := newTW(w)
	if o.Mode == ModeReference {
		t.row("  rows with q < "+num(o.QThresh), fmt.Sprint(r.BelowQThresh), fmt.Sprintf("of %d (CTD's plot_fps threshold)", o.Inits))
		t.row("  distinct points among them", fmt.Sprint(r.Fixed), "within 1e-3 of each other (the finder's tol_unique)")
	} else {
		t.row("  fixed points", fmt.Sprint(r.Fixed), "distinct, Newton-refined to q < 1e-20 in float64")
		t.row("  slow points", fmt.Sprint(r.Slow), fmt.Sprintf("distinct places with q < %s but no fixed point within %s", num(o.QThresh), num(r.PlaceRadius)))
		t.row("  unconverged", fmt.Sprint(r.Unconverged), "initial states left with q ≥ "+num(o.QThresh))
		t.row("  outliers", fmt.Sprint(r.Outliers), "initial states that ran far from the trajectories")
	}
	t.row("  stable", fmt.Sprint(r.Stable), "|λ|max < 1")
	t.row("  unstable", fmt.Sprint(r.Unstable), "of which "+typeSummary(r.FixedTypes, false))
	if err := t.flush(); err != nil {
		return err
	}
	if len(r.Ladder) > 0 {
		if err := writeLadder(w, r); err != nil {
			return err
		}
	}
	writePoints := func(title string, pts []FixedPoint) error {
		if len(pts) == 0 {
			return nil
		}
		section(w, title)
		t := newTW(w)
		t.row("  #", "type", "q", "|λ|max", "rot", "slow modes", "inits", "PC1", "PC2", "PC3", "output")
		const maxRows = 40
		for i, p := range pts {
			if i == maxRows {
				t.row(fmt.Sprintf("  … %d more (--json lists all)", len(pts)-maxRows))
				break
			}
			pc := make([]string, 3)
			for j := range pc {
				if j < len(p.PC) {
					pc[j] = fmt.Sprintf("%+.3f", p.PC[j])
				}
			}
			outs := make([]string, len(p.Output))
			for j, v := range p.Output {
				outs[j] = fmt.Sprintf("%+.2f", v)
			}
			rot := ""
			if p.Rotational {
				rot = "yes"
			}
			t.row(fmt.Sprintf("  %d", i+1), p.Type, fmt.Sprintf("%.2e", p.Q), num(p.MaxAbsEig), rot, fmt.Sprint(p.SlowModes), fmt.Sprint(p.Inits), pc[0], pc[1], pc[2], strings.Join(outs, " "))
		}
		return t.flush()
	}
	if err := writePoints("fixed points (PC coordinates: PCA of the "+o.Phase+" latents)", r.Points); err != nil {
		return err
	}
	if err := writePoints("slow points", r.SlowPoints); err != nil {
		return err
	}
	section(w, "q at the final states (log10 histogram)")
	_, err := fmt.Fprint(w, qHistogram(r.RowQ))
	return err
}

// typeSummary lists the saddles by index and the unstable points, e.g.
// "saddle-1 ×12, saddle-2 ×6, saddle-3 ×1"; withStable adds the stable count.
func typeSummary(c analysis.TypeCounts, withStable bool) string {
	var parts []string
	if withStable {
		parts = append(parts, fmt.Sprintf("stable ×%d", c.Stable))
	}
	for _, k := range c.SaddleIndices() {
		parts = append(parts, fmt.Sprintf("saddle-%d ×%d", k, c.Saddles[k]))
	}
	if c.Unstable > 0 {
		parts = append(parts, fmt.Sprintf("unstable ×%d", c.Unstable))
	}
	if c.Unknown > 0 {
		parts = append(parts, fmt.Sprintf("unknown ×%d", c.Unknown))
	}
	if len(parts) == 0 || (withStable && len(parts) == 1 && c.Stable == 0) {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// writeLadder prints the q-threshold ladder: one row per threshold.
func writeLadder(w io.Writer, r *FixedPointReport) error {
	title := "q-threshold ladder (one search; places with q below each threshold)"
	if r.Options.Mode == ModeReference {
		title = "q-threshold ladder (one search; rows below each threshold merged within 1e-3, as CTD)"
	}
	section(w, title)
	t := newTW(w)
	t.row("  q <", "rows", "places", "fixed", "slow", "stable", "saddles (k unstable: count)", "unstable", "rot", "slow modes")
	for _, g := range r.Ladder {
		var sd []string
		for _, k := range g.Types.SaddleIndices() {
			sd = append(sd, fmt.Sprintf("%d:%d", k, g.Types.Saddles[k]))
		}
		t.row(fmt.Sprintf("  %.0e", g.QThresh), fmt.Sprint(g.Rows), fmt.Sprint(g.Places), fmt.Sprint(g.Fixed), fmt.Sprint(g.Slow),
			fmt.Sprint(g.Types.Stable), strings.Join(sd, " "), fmt.Sprint(g.Types.Unstable), fmt.Sprint(g.Types.Rotational), fmt.Sprint(g.Types.WithSlowModes))
	}
	return t.flush()
}

// qHistogram draws a small log10 histogram of q (floor 1e-15, as plot_fps).
func qHistogram(q []float64) string {
	if len(q) == 0 {
		return ""
	}
	lo, hi := 0, 0
	counts := map[int]int{}
	first := true
	for _, v := range q {
		b := 0
		switch {
		case math.IsNaN(v) || math.IsInf(v, 0):
			b = 99
		default:
			b = int(math.Floor(math.Log10(math.Max(v, 1e-15))))
		}
		counts[b]++
		if b == 99 {
			continue
		}
		if first {
			lo, hi, first = b, b, false
		}
		lo, hi = min(lo, b), max(hi, b)
	}
	maxC := 0
	for _, c := range counts {
		maxC = max(maxC, c)
	}
	var sb strings.Builder
	if !first {
		for b := lo; b <= hi; b++ {
			c := counts[b]
			label := fmt.Sprintf("1e%d", b)
			if b == -15 {
				label = "≤1e-15"
			}
			fmt.Fprintf(&sb, "  %7s  %5d  %s\n", label, c, strings.Repeat("█", (c*40+maxC-1)/max(maxC, 1)))
		}
	}
	if c := counts[99]; c > 0 {
		fmt.Fprintf(&sb, "  %7s  %5d\n", "NaN", c)
	}
	return sb.String()
}

// WriteTable prints the comparison as readable tables.
func (r *CompareReport) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "A  %s\n", r.A.line())
	fmt.Fprintf(w, "B  %s\n", r.B.line())
	if r.SameTrials {
		fmt.Fprintf(w, "same trials: %d train, %d validation\n", r.A.TrainTrials, r.A.ValTrials)
	} else {
		fmt.Fprintf(w, "different trials: %s\n%s need the same trials and are left out; DSA compares the dynamics on each run's own trials\n", r.TrialsNote, trialMatched)
	}
	if r.AffineAtoB != nil && r.AffineBtoA != nil {
		section(w, "affine state R² (fitted on train trials, scored on validation trials)")
		t := newTW(w)
		t.row("  ", "A → B", "B → A")
		t.row("  variance-weighted", num(r.AffineAtoB.VarianceWeighted), num(r.AffineBtoA.VarianceWeighted))
		t.row("  in-sample (train)", num(r.AffineAtoB.TrainR2), num(r.AffineBtoA.TrainR2))
		n := max(len(r.AffineAtoB.PerPC), len(r.AffineBtoA.PerPC))
		at := func(a *AffineR2, j int) string {
			if j < len(a.PerPC) {
				return fmt.Sprintf("%s  (%s var)", num(a.PerPC[j]), pct(a.PCRatio[j]))
			}
			return ""
		}
		for j := 0; j < n; j++ {
			t.row(fmt.Sprintf("  PC %d of the target", j+1), at(r.AffineAtoB, j), at(r.AffineBtoA, j))
		}
		if err := t.flush(); err != nil {
			return err
		}
	}

	section(w, fmt.Sprintf("similarity on the %s latents", r.Options.Phase))
	t := newTW(w)
	switch {
	case r.StateR2 != nil:
		t.row("  state R² (reference, symmetric)", num(*r.StateR2), fmt.Sprintf("top %d PCs of each run", r.Options.StatePCs))
	default:
		t.row("  state R² (reference, symmetric)", "—", "different trials")
	}
	switch {
	case r.Procrustes != nil:
		t.row("  Procrustes disparity", num(*r.Procrustes), "0 = identical up to rotation, scale, shift")
	case !r.SameTrials:
		t.row("  Procrustes disparity", "—", "different trials")
	default:
		t.row("  Procrustes disparity", "—", "state sizes differ")
	}
	if r.DSA != nil {
		d := r.DSA
		trials := fmt.Sprintf("%d trials × %d steps", d.Trials[0], d.Steps[0])
		if d.Trials[0] != d.Trials[1] || d.Steps[0] != d.Steps[1] {
			trials = fmt.Sprintf("A %d trials × %d steps, B %d × %d", d.Trials[0], d.Steps[0], d.Trials[1], d.Steps[1])
		}
		t.row("  DSA angular", num(d.Angular), fmt.Sprintf("rad, global optimum over O(n); %d delays, rank %d, %s", d.Delays, d.Rank, trials))
		t.row("  DSA euclidean", num(d.Euclidean), "")
		t.row("  DSA wasserstein", num(d.Wasserstein), "eigenvalues")
	} else {
		t.row("  DSA", "—", r.DSANote)
	}
	if err := t.flush(); err != nil {
		return err
	}
	if len(r.CCACorrelations) > 0 {
		section(w, "CCA (A reference, B model)")
		if r.CCANote != "" {
			fmt.Fprintf(w, "  (%s)\n", r.CCANote)
		}
		t = newTW(w)
		t.row("  #", "canonical correlation", "compare_CCA R² of NIPALS component #")
		for j, c := range r.CCACorrelations {
			r2 := ""
			if j < len(r.CCAR2) {
				r2 = num(r.CCAR2[j])
			}
			t.row(fmt.Sprintf("  %d", j+1), num(c), r2)
		}
		if err := t.flush(); err != nil {
			return err
		}
	}
	if r.FixedPoints != nil {
		section(w, "fixed points (default search, zero input)")
		t = newTW(w)
		t.row("  ", "A", "B")
		f := r.FixedPoints
		t.row("  fixed", fmt.Sprint(f[0].Fixed), fmt.Sprint(f[1].Fixed))
		t.row("  stable", fmt.Sprint(f[0].Stable), fmt.Sprint(f[1].Stable))
		t.row("  unstable", fmt.Sprint(f[0].Unstable), fmt.Sprint(f[1].Unstable))
		t.row("  slow", fmt.Sprint(f[0].Slow), fmt.Sprint(f[1].Slow))
		if err := t.flush(); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "\n%.2f s\n", r.Seconds)
	return err
}

// WriteTable lists the exported arrays.
func (r *ExportReport) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "run    %s\n", r.Run.line())
	fmt.Fprintf(w, "wrote  %s (%.1f MB, %.2f s); steps past a trial's end are NaN, <phase>_lengths has each trial's length\n\n",
		r.Path, float64(r.Bytes)/1e6, r.Seconds)
	t := newTW(w)
	t.row("  array", "dtype", "shape")
	for _, a := range r.Arrays {
		d := make([]string, len(a.Shape))
		for i, v := range a.Shape {
			d[i] = fmt.Sprint(v)
		}
		t.row("  "+a.Name, a.DType, "("+strings.Join(d, ", ")+")")
	}
	return t.flush()
}

// WriteTable prints the runs and one table per metric: rows and columns are
// the runs by number, "—" marks a pair the metric does not apply to, with a
// letter pointing to the reason below the table.
func (r *MatrixReport) WriteTable(w io.Writer) error {
	section(w, "runs")
	t := newTW(w)
	t.row("  #", "label", "run", "DSA data")
	groups := map[int][]string{}
	for i, ru := range r.Runs {
		dsa := ""
		switch {
		case ru.DSANote != "":
			dsa = ru.DSANote
		case ru.DSATrials > 0:
			dsa = fmt.Sprintf("%d trials × %d steps", ru.DSATrials, ru.DSASteps)
		}
		t.row(fmt.Sprintf("  %d", i+1), ru.Label, ru.Run.line(), dsa)
		groups[ru.TrialGroup] = append(groups[ru.TrialGroup], fmt.Sprint(i+1))
	}
	if err := t.flush(); err != nil {
		return err
	}
	if len(groups) > 1 {
		fmt.Fprintf(w, "trials: %d groups of runs that share their trials:", len(groups))
		for g := 1; g <= len(groups); g++ {
			fmt.Fprintf(w, " {%s}", strings.Join(groups[g], ", "))
		}
		fmt.Fprintf(w, "; %s apply within a group only\n", trialMatched)
	}
	for _, m := range r.Matrices {
		title := m.Meaning
		if strings.HasPrefix(m.Name, "dsa") {
			title += fmt.Sprintf("; %d delays, rank %d, %s trials", r.Options.DSADelays, r.DSARank, r.Options.Phase)
		} else if m.Name != "r2" {
			title += fmt.Sprintf("; %s trials", r.Options.Phase)
		}
		section(w, fmt.Sprintf("%s: %s", m.Name, title))
		if err := writeMatrix(w, m); err != nil {
			return err
		}
	}
	if r.Runs[0].FixedPoints != nil {
		section(w, "fixed points (default search, zero input)")
		t = newTW(w)
		t.row("  #", "fixed", "stable", "unstable", "slow")
		for i, ru := range r.Runs {
			f := ru.FixedPoints
			t.row(fmt.Sprintf("  %d", i+1), fmt.Sprint(f.Fixed), fmt.Sprint(f.Stable), fmt.Sprint(f.Unstable), fmt.Sprint(f.Slow))
		}
		if err := t.flush(); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "\n%.2f s\n", r.Seconds)
	return err
}

func writeMatrix(w io.Writer, m Matrix) error {
	n := len(m.Values)
	var reasons []string
	mark := func(why string) string {
		for k, r := range reasons {
			if r == why {
				return string(rune('a' + k%26))
			}
		}
		reasons = append(reasons, why)
		return string(rune('a' + (len(reasons)-1)%26))
	}
	t := newTW(w)
	head := []string{"  "}
	for j := 0; j < n; j++ {
		head = append(head, fmt.Sprint(j+1))
	}
	t.row(head...)
	for i := 0; i < n; i++ {
		cells := []string{fmt.Sprintf("  %d", i+1)}
		for j := 0; j < n; j++ {
			if v := m.Values[i][j]; v != nil {
				cells = append(cells, num(*v))
			} else {
				cells = append(cells, "—"+mark(m.Reasons[i][j]))
			}
		}
		t.row(cells...)
	}
	if err := t.flush(); err != nil {
		return err
	}
	for k, why := range reasons {
		fmt.Fprintf(w, "  —%c  %s\n", rune('a'+k%26), why)
	}
	return nil
}
