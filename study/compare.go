package study

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/ctdtui/ctdtui/analysis"
	"github.com/ctdtui/ctdtui/run"
	"gonum.org/v1/gonum/mat"
)

// CompareOptions configures Compare. Zero fields mean the defaults.
type CompareOptions struct {
	// Phase of the symmetric metrics (StateR2, Procrustes, CCA, DSA); default
	// "val", as the reference's comparisons. The affine R² is always fitted
	// on the training trials and scored on the validation trials.
	Phase string `json:"phase"`
	// PCs is the number of target PCs whose affine R² is listed (default 10).
	PCs int `json:"pcs"`
	// StatePCs is num_pcs of the reference's StateR2 (default 4, its
	// compare_state_r2).
	StatePCs int `json:"state_pcs"`
	// CCAComponents (default 10, the reference's compare_CCA).
	CCAComponents int `json:"cca_components"`
	// CCAReference computes the reference's compare_CCA R² also for large
	// phases (NIPALS with a pseudo-inverse per component: minutes for 128
	// latents × 100 000 steps).
	CCAReference bool `json:"cca_reference"`
	// DSA: delay embedding, rank and number of trials (default 20 delays,
	// rank 50 as the reference's compare_dynamics_DSA; trials: 1 % of the
	// phase's trials as there, raised to the fewest the delay embedding
	// needs). NoDSA skips it.
	DSADelays int  `json:"dsa_delays"`
	DSARank   int  `json:"dsa_rank"`
	DSATrials int  `json:"dsa_trials"`
	NoDSA     bool `json:"no_dsa"`
	// Seed seeds the DSA similarity search's random restarts.
	Seed uint64 `json:"seed"`
	// FixedPoints also runs a fixed-point search on both runs with
	// FixedPointOptions (zero values: the defaults, zero input) and reports
	// the counts side by side.
	FixedPoints       bool              `json:"fixed_points"`
	FixedPointOptions FixedPointOptions `json:"fixed_point_options"`
}

func (o CompareOptions) normalized() (CompareOptions, error) {
	if o.Phase == "" {
		o.Phase = "val"
	}
	p, err := normPhase(o.Phase)
	if err != nil {
		return o, err
	}
	o.Phase = p
	for _, f := range []struct {
		name string
		v    *int
		def  int
	}{{"--pcs", &o.PCs, 10}, {"--state-pcs", &o.StatePCs, 4}, {"--cca", &o.CCAComponents, 10},
		{"--dsa-delays", &o.DSADelays, 20}, {"--dsa-rank", &o.DSARank, 50}, {"--dsa-trials", &o.DSATrials, -1}} {
		if *f.v < 0 {
			return o, fmt.Errorf("%s must be positive, got %d", f.name, *f.v)
		}
		if *f.v == 0 && f.def > 0 {
			*f.v = f.def
		}
	}
	return o, nil
}

// ccaReferenceLimit bounds rows × (latents of A + B) for the NIPALS CCA.
const ccaReferenceLimit = 4_000_000

// AffineR2 is how well an affine map of one run's latents predicts the
// other's: fitted on the training trials, scored on the validation trials.
type AffineR2 struct {
	From string `json:"from"` // "A" or "B"
	To   string `json:"to"`
	// PerPC is the R² of each of the target's first PCs (PCA fitted on the
	// target's training latents); PCRatio their explained-variance ratios.
	PerPC   []float64 `json:"per_pc"`
	PCRatio []float64 `json:"pc_ratio"`
	// VarianceWeighted is r2_score(target, prediction, "variance_weighted")
	// over every latent unit of the target: the fraction of its variance
	// explained (equal to the PC-variance-weighted mean over all PCs).
	VarianceWeighted float64 `json:"variance_weighted"`
	// TrainR2 is the same, in sample on the training trials.
	TrainR2 float64 `json:"train_r2"`
}

// DSAScore is Dynamical Similarity Analysis between the two runs.
type DSAScore struct {
	// Angular is DSA's score, arccos of the best-aligned correlation of the
	// operators ∈ [0, π] (the global optimum over the orthogonal group);
	// Euclidean ‖Â − C B̂ Cᵀ‖_F ∈ [0, 2] for the same C; Wasserstein is the
	// squared 2-Wasserstein distance between the eigenvalue sets.
	Angular     float64 `json:"angular"`
	Euclidean   float64 `json:"euclidean"`
	Wasserstein float64 `json:"wasserstein"`
	Delays      int     `json:"delays"`
	Rank        int     `json:"rank"`
	Trials      int     `json:"trials"`
	Steps       int     `json:"steps"` // per trial (the shortest trial's length)
}

// FixedPointCounts summarises a run's default fixed-point search.
type FixedPointCounts struct {
	Fixed    int `json:"fixed"`
	Stable   int `json:"stable"`
	Unstable int `json:"unstable"`
	Slow     int `json:"slow"`
}

// CompareReport is `ctdtui compare`: run A against run B on the same trials.
type CompareReport struct {
	A       RunInfo        `json:"a"`
	B       RunInfo        `json:"b"`
	Options CompareOptions `json:"options"`
	// AffineAtoB predicts B's latents from A's; AffineBtoA the reverse.
	AffineAtoB AffineR2 `json:"affine_a_to_b"`
	AffineBtoA AffineR2 `json:"affine_b_to_a"`
	// StateR2 is the reference's get_state_r2 on the phase: symmetric,
	// the mean squared canonical correlation of the two StatePCs-dim PC spaces.
	StateR2 float64 `json:"state_r2"`
	// Procrustes is scipy's procrustes disparity on the phase's latents
	// (nil when the latent sizes differ, as the reference skips them).
	Procrustes *float64 `json:"procrustes_disparity"`
	// CCACorrelations are the canonical correlations of the phase's latents,
	// descending (computed exactly; sklearn's NIPALS CCA estimates them), and
	// CCAR2 the reference's compare_CCA r2_score per component (A is the
	// reference, B the model; NIPALS, skipped for large phases unless
	// CCAReference).
	CCACorrelations []float64 `json:"cca_correlations"`
	CCAR2           []float64 `json:"cca_r2"`
	// DSA is nil when skipped (NoDSA, or too few steps for the embedding);
	// DSANote then says why.
	// CCANote says why CCAR2 is missing.
	CCANote string    `json:"cca_note,omitempty"`
	DSA     *DSAScore `json:"dsa"`
	DSANote string    `json:"dsa_note,omitempty"`
	// FixedPoints holds A's and B's counts when asked for.
	FixedPoints *[2]FixedPointCounts `json:"fixed_points,omitempty"`
	Seconds     float64              `json:"seconds"`
}

// Compare compares this run (A) with other (B). The runs must have the same
// trials (run.SameTrials). Cached per other run and options.
func (s *Session) Compare(ctx context.Context, other *Session, o CompareOptions, progress ProgressFunc) (*CompareReport, error) {
	o, err := o.normalized()
	if err != nil {
		return nil, err
	}
	if err := run.SameTrials(s.Run, other.Run); err != nil {
		return nil, fmt.Errorf("cannot compare %s with %s: %w", s.Run.Run.Dir, other.Run.Run.Dir, err)
	}
	key := compareKey(other, o)
	s.mu.Lock()
	r, ok := s.compares[key]
	s.mu.Unlock()
	if ok {
		return r, nil
	}
	start := time.Now()
	r = &CompareReport{A: s.Info(), B: other.Info(), Options: o}
	stages := 6
	if o.FixedPoints {
		stages += 2
	}
	done := 0
	step := func(stage, who string) {
		progress.report(Progress{Stage: stage, Run: who, Done: done, Total: stages})
		done++
	}
	lat := map[string][2]*mat.Dense{}
	for _, p := range []string{"train", "val", o.Phase} {
		if _, ok := lat[p]; ok {
			continue
		}
		step("inference", "")
		a, err := s.Latents(ctx, p)
		if err != nil {
			return nil, err
		}
		b, err := other.Latents(ctx, p)
		if err != nil {
			return nil, err
		}
		lat[p] = [2]*mat.Dense{a, b}
	}
	step("regression", "")
	if r.AffineAtoB, r.AffineBtoA, err = affineR2Both(lat["train"][0], lat["train"][1], lat["val"][0], lat["val"][1], o.PCs); err != nil {
		return nil, fmt.Errorf("affine R²: %w", err)
	}
	r.AffineAtoB.From, r.AffineAtoB.To = "A", "B"
	r.AffineBtoA.From, r.AffineBtoA.To = "B", "A"
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	pa, pb := lat[o.Phase][0], lat[o.Phase][1]
	g := analysis.NewCrossGram(pa, pb)
	if r.StateR2, err = g.StateR2(o.StatePCs); err != nil {
		return nil, fmt.Errorf("state R²: %w", err)
	}
	step("procrustes", "")
	if r.A.State == r.B.State {
		d, err := g.ProcrustesDisparity()
		if err != nil {
			return nil, err
		}
		r.Procrustes = &d
	}
	step("cca", "")
	k := min(o.CCAComponents, r.A.State, r.B.State)
	if r.CCACorrelations, err = g.CanonicalCorrelations(k); err != nil {
		return nil, err
	}
	if n, _ := pa.Dims(); o.CCAReference || n*(r.A.State+r.B.State) <= ccaReferenceLimit {
		if r.CCAR2, _, _, err = analysis.CCAR2(pb, pa, k, nil); err != nil {
			return nil, fmt.Errorf("CCA: %w", err)
		}
	} else {
		r.CCANote = fmt.Sprintf("the reference's compare_CCA R² (NIPALS) is skipped above %d values (here %d); --cca-reference computes it", ccaReferenceLimit, n*(r.A.State+r.B.State))
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !o.NoDSA {
		step("dsa", "")
		if r.DSA, r.DSANote, err = s.dsa(ctx, other, o); err != nil {
			return nil, err
		}
	} else {
		r.DSANote = "skipped (--no-dsa)"
	}
	if o.FixedPoints {
		var c [2]FixedPointCounts
		for i, ses := range []*Session{s, other} {
			who := [2]string{"A", "B"}[i]
			step("fixedpoints", who)
			fp, err := ses.FixedPoints(ctx, o.FixedPointOptions, func(p Progress) {
				p.Run = who
				progress.report(p)
			})
			if err != nil {
				return nil, err
			}
			c[i] = FixedPointCounts{Fixed: fp.Fixed, Stable: fp.Stable, Unstable: fp.Unstable, Slow: fp.Slow}
		}
		r.FixedPoints = &c
	}
	r.Seconds = time.Since(start).Seconds()
	progress.report(Progress{Stage: "done", Done: stages, Total: stages})
	s.mu.Lock()
	s.compares[key] = r
	s.mu.Unlock()
	return r, nil
}

func compareKey(other *Session, o CompareOptions) string {
	kb, _ := json.Marshal(o)
	return other.Run.Run.Dir + "\x00" + fmt.Sprint(other.Run.Best) + "\x00" + string(kb)
}

// CachedCompare returns a finished comparison with other and these options,
// if any.
func (s *Session) CachedCompare(other *Session, o CompareOptions) (*CompareReport, bool) {
	o, err := o.normalized()
	if err != nil {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.compares[compareKey(other, o)]
	return r, ok
}

// affineR2Both fits affine maps between two runs' latents in both
// directions on the training rows (through one pass over them:
// analysis.CrossGram) and scores them on the validation rows.
func affineR2Both(aTrain, bTrain, aVal, bVal *mat.Dense, pcs int) (ab, ba AffineR2, err error) {
	g := analysis.NewCrossGram(aTrain, bTrain)
	one := func(g *analysis.CrossGram, xVal, yVal *mat.Dense) (AffineR2, error) {
		var r AffineR2
		fit, err := g.Regression()
		if err != nil {
			return r, err
		}
		var pred mat.Dense
		fit.Predict(&pred, xVal)
		r.VarianceWeighted = analysis.R2Score(yVal, &pred, analysis.VarianceWeighted)
		r.TrainR2 = g.FitR2(fit)
		// The target's PCs on its training latents.
		axes, ratio, err := g.PrincipalAxesB(min(pcs, g.BB.SymmetricDim()))
		if err != nil {
			return r, fmt.Errorf("PCA of the target: %w", err)
		}
		r.PCRatio = ratio
		var zt, zp mat.Dense
		zt.Mul(yVal, axes)
		zp.Mul(&pred, axes)
		r.PerPC = analysis.R2Raw(&zt, &zp)
		return r, nil
	}
	if ab, err = one(g, aVal, bVal); err != nil {
		return ab, ba, err
	}
	ba, err = one(g.Swap(), bVal, aVal)
	return ab, ba, err
}

// dsaTrials returns the phase's first n trials cut to the shortest one's
// length, as analysis.Trials.
func (s *Session) dsaTrials(ctx context.Context, phase string, n, steps int) (analysis.Trials, error) {
	inf, err := s.Run.Infer(ctx, phase)
	if err != nil {
		return analysis.Trials{}, err
	}
	h := inf.H
	data := make([]float64, n*steps*h)
	for k := 0; k < n; k++ {
		for i, v := range inf.Latents(k)[:steps*h] {
			data[k*steps*h+i] = float64(v)
		}
	}
	return analysis.NewTrials(n, steps, h, data), nil
}

// dsa runs DSA on the first trials of the phase.
func (s *Session) dsa(ctx context.Context, other *Session, o CompareOptions) (*DSAScore, string, error) {
	inf, err := s.Run.Infer(ctx, o.Phase)
	if err != nil {
		return nil, "", err
	}
	B := len(inf.Trials)
	if B == 0 {
		return nil, "no trials in phase " + o.Phase, nil
	}
	steps := inf.Len(0)
	for k := range inf.Trials {
		steps = min(steps, inf.Len(k))
	}
	tp := steps - (o.DSADelays - 1) // embedded steps per trial
	if tp < 2 {
		return nil, fmt.Sprintf("trials of %d steps are too short for %d delays", steps, o.DSADelays), nil
	}
	width := o.DSADelays * max(s.Run.Model.Config().StateDim(), other.Run.Model.Config().StateDim())
	n := o.DSATrials
	if n <= 0 {
		// The reference's 1 % of the trials, raised so that the embedding
		// has at least as many rows as columns (what the multi-trial DMD needs).
		n = max(B/100, 1, (width+tp-1)/tp)
	}
	if n > B {
		return nil, fmt.Sprintf("the %d-delay embedding of %d latents needs %d trials of %d steps, phase %s has %d", o.DSADelays, width/o.DSADelays, n, steps, o.Phase, B), nil
	}
	rank := min(o.DSARank, o.DSADelays*s.Run.Model.Config().StateDim(), o.DSADelays*other.Run.Model.Config().StateDim())
	sc := &DSAScore{Delays: o.DSADelays, Rank: rank, Trials: n, Steps: steps}
	var ops [2]*mat.Dense
	for i, ses := range []*Session{s, other} {
		if err := ctx.Err(); err != nil {
			return nil, "", err
		}
		tr, err := ses.dsaTrials(ctx, o.Phase, n, steps)
		if err != nil {
			return nil, "", err
		}
		d, err := analysis.FitDMD(tr, &analysis.DMDSettings{NDelays: o.DSADelays, Rank: rank})
		if err != nil {
			return nil, "", fmt.Errorf("DSA of %s: %w", ses.Run.Run.Dir, err)
		}
		ops[i] = d.Av
	}
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0xd5a))
	res, err := analysis.SimilarityDistance(ops[0], ops[1], rng, nil)
	if err != nil {
		return nil, "", fmt.Errorf("DSA: %w", err)
	}
	sc.Angular, sc.Euclidean = res.Angular, res.Euclidean
	if sc.Wasserstein, err = analysis.WassersteinEigenvalues(ops[0], ops[1]); err != nil {
		return nil, "", fmt.Errorf("DSA: %w", err)
	}
	if math.IsNaN(sc.Angular) {
		return nil, "", fmt.Errorf("DSA: the score is NaN (non-finite latents?)")
	}
	return sc, "", nil
}
