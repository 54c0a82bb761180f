package sweep

import (
	"context"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/ctdtui/ctdtui/run"
	"github.com/ctdtui/ctdtui/study"
)

// CompareOptions configure Sweep.Compare.
type CompareOptions struct {
	// Matrix are the options of the N×N comparison (study.CompareMatrix:
	// metrics, DSA settings, phase, seed, threads). Its FixedPoints is set
	// unless NoFixedPoints.
	Matrix study.MatrixOptions
	// Best compares best.bin instead of checkpoint.bin.
	Best bool
	// Reference is the run the summary's DSA is measured to (default: the
	// first finished run).
	Reference string
	// NoFixedPoints skips the fixed-point searches (the summary's stable
	// fixed points).
	NoFixedPoints bool
}

// Stat is a mean over a grid point's seeds, with the sample standard
// deviation (NaN, JSON null, for fewer than two values) and the count.
type Stat struct {
	Mean float64 `json:"mean"`
	SD   float64 `json:"sd"`
	N    int     `json:"n"`
}

func newStat(x []float64) Stat {
	s := Stat{Mean: math.NaN(), SD: math.NaN(), N: len(x)}
	if len(x) == 0 {
		return s
	}
	sum := 0.0
	for _, v := range x {
		sum += v
	}
	s.Mean = sum / float64(len(x))
	if len(x) > 1 {
		ss := 0.0
		for _, v := range x {
			ss += (v - s.Mean) * (v - s.Mean)
		}
		s.SD = math.Sqrt(ss / float64(len(x)-1))
	}
	return s
}

func (s Stat) String() string {
	switch {
	case s.N == 0 || math.IsNaN(s.Mean):
		return "—"
	case s.N == 1:
		return fmt.Sprintf("%.4g (1)", s.Mean)
	}
	return fmt.Sprintf("%.4g ± %.2g (%d)", s.Mean, s.SD, s.N)
}

// GroupSummary is one grid point of the comparison's summary.
type GroupSummary struct {
	Group string `json:"group"`
	// Values are the point's grid values, per key of the sweep's grid.
	Values []string `json:"values"`
	// Runs are the point's finished runs (its seeds) in the comparison.
	Runs []string `json:"runs"`
	// ValLoss is the validation loss of the compared models (the last
	// epoch's, or the best epoch's with --best).
	ValLoss Stat `json:"val_loss"`
	// StableFixedPoints counts the stable fixed points of the default
	// search (absent with --no-fixedpoints).
	StableFixedPoints *Stat `json:"stable_fixed_points,omitempty"`
	// DSA is the DSA angular distance to the reference run, the reference
	// itself left out (absent without the dsa metric).
	DSA *Stat `json:"dsa_to_reference,omitempty"`
}

// CompareReport is `ctdtui sweep compare`.
type CompareReport struct {
	Sweep string `json:"sweep"`
	// Reference is the run the DSA column is measured to.
	Reference string `json:"reference"`
	// Keys are the grid's keys (the summary's Values).
	Keys []string `json:"keys"`
	// Left names the runs not finished, which are not compared.
	Left    []string            `json:"left_out,omitempty"`
	Matrix  *study.MatrixReport `json:"matrix"`
	Summary []GroupSummary      `json:"summary"`
}

// Compare compares the sweep's finished runs with study.CompareMatrix (the
// N×N comparison of `ctdtui compare RUN1 … RUNn`) and summarises them per
// grid point: the mean and spread over seeds of the validation loss, the
// stable fixed points and the DSA distance to the reference run.
func (s *Sweep) Compare(ctx context.Context, o CompareOptions, progress study.ProgressFunc) (*CompareReport, error) {
	rep := &CompareReport{Sweep: s.Def.Name}
	for _, a := range s.Def.Grid {
		rep.Keys = append(rep.Keys, a.Key)
	}
	var idx []int
	for _, r := range s.Status().Runs {
		if r.Status == run.StatusFinished {
			idx = append(idx, r.Index)
		} else {
			rep.Left = append(rep.Left, fmt.Sprintf("%s (%s)", r.Name, r.Status))
		}
	}
	if len(idx) < 2 {
		return nil, fmt.Errorf("sweep %s has %d finished runs: a comparison needs at least 2 (train them with ctdtui sweep run %s)", s.Dir, len(idx), s.Dir)
	}
	ref := idx[0]
	if o.Reference != "" {
		ref = -1
		for _, i := range idx {
			if s.Runs[i].Name == o.Reference {
				ref = i
			}
		}
		if ref < 0 {
			return nil, fmt.Errorf("--reference %s is not a finished run of the sweep", o.Reference)
		}
	}
	rep.Reference = s.Runs[ref].Name
	ses := make([]*study.Session, len(idx))
	for k, i := range idx {
		var err error
		if ses[k], err = study.Open(s.RunDir(i), o.Best); err != nil {
			return nil, err
		}
	}
	mo := o.Matrix
	mo.FixedPoints = !o.NoFixedPoints
	m, err := study.CompareMatrix(ctx, ses, mo, progress)
	if err != nil {
		return nil, err
	}
	rep.Matrix = m
	refK := 0
	for k, i := range idx {
		if i == ref {
			refK = k
		}
	}
	dsa := m.Matrix("dsa")
	type acc struct {
		g                 GroupSummary
		loss, stable, dis []float64
	}
	var order []string
	groups := map[string]*acc{}
	for k, i := range idx {
		r := s.Runs[i]
		a := groups[r.Group]
		if a == nil {
			a = &acc{g: GroupSummary{Group: r.Group, Values: r.Values}}
			groups[r.Group] = a
			order = append(order, r.Group)
		}
		a.g.Runs = append(a.g.Runs, r.Name)
		a.loss = append(a.loss, valLoss(ses[k], o.Best))
		if fp := m.Runs[k].FixedPoints; fp != nil {
			a.stable = append(a.stable, float64(fp.Stable))
		}
		if dsa != nil && k != refK {
			if v := dsa.Values[refK][k]; v != nil {
				a.dis = append(a.dis, *v)
			}
		}
	}
	for _, g := range order {
		a := groups[g]
		a.g.ValLoss = newStat(a.loss)
		if !o.NoFixedPoints {
			st := newStat(a.stable)
			a.g.StableFixedPoints = &st
		}
		if dsa != nil {
			st := newStat(a.dis)
			a.g.DSA = &st
		}
		rep.Summary = append(rep.Summary, a.g)
	}
	return rep, nil
}

// valLoss is the validation loss of the model a session analyses: its
// epoch's row of the history (NaN when the history is unreadable).
func valLoss(s *study.Session, best bool) float64 {
	l := s.Run
	for _, h := range l.Run.History {
		if h.Epoch == l.Epoch {
			return h.ValLoss
		}
	}
	if best && l.Run.State.BestEpoch > 0 {
		return l.Run.State.BestVal
	}
	return math.NaN()
}

// WriteTable prints the matrices (as ctdtui compare RUN1 … RUNn does), then
// the summary per grid point.
func (r *CompareReport) WriteTable(w io.Writer) error {
	if err := r.Matrix.WriteTable(w); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n── per grid point: mean ± sd over seeds (n) ──\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := []string{"grid point"}
	head = append(head, r.Keys...)
	head = append(head, "runs", "val loss")
	if len(r.Summary) > 0 && r.Summary[0].StableFixedPoints != nil {
		head = append(head, "stable fixed points")
	}
	if len(r.Summary) > 0 && r.Summary[0].DSA != nil {
		head = append(head, "DSA to "+r.Reference)
	}
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	for _, g := range r.Summary {
		cells := []string{g.Group}
		for _, v := range g.Values {
			if v == "" {
				v = "—"
			}
			cells = append(cells, v)
		}
		cells = append(cells, fmt.Sprint(len(g.Runs)), g.ValLoss.String())
		if g.StableFixedPoints != nil {
			cells = append(cells, g.StableFixedPoints.String())
		}
		if g.DSA != nil {
			cells = append(cells, g.DSA.String())
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Left) > 0 {
		fmt.Fprintf(w, "\nnot finished, left out: %s\n", strings.Join(r.Left, ", "))
	}
	return nil
}
