package study

import (
	"context"
	"encoding/json"
	"fmt"
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
	// Trials and Steps (per trial: the shortest trial's length) of A and B:
	// each run's DMD is fitted on its own trials (see DSAFit).
	Trials [2]int `json:"trials"`
	Steps  [2]int `json:"steps"`
}

// FixedPointCounts summarises a run's default fixed-point search.
type FixedPointCounts struct {
	Fixed    int `json:"fixed"`
	Stable   int `json:"stable"`
	Unstable int `json:"unstable"`
	Slow     int `json:"slow"`
}

// CompareReport is `ctdtui compare RUN_A RUN_B`. Each metric is computed
// where it applies: the trial-matched ones (affine R², state R², Procrustes,
// CCA) need the same trials in both runs (run.SameTrials) and are nil, with
// TrialsNote saying why, when the runs differ; DSA and the fixed-point
// counts compare dynamics and need no shared trials.
type CompareReport struct {
	A       RunInfo        `json:"a"`
	B       RunInfo        `json:"b"`
	Options CompareOptions `json:"options"`
	// SameTrials says whether the runs share their trials; TrialsNote is the
	// reason they do not.
	SameTrials bool   `json:"same_trials"`
	TrialsNote string `json:"trials_note,omitempty"`
	// AffineAtoB predicts B's latents from A's; AffineBtoA the reverse.
	AffineAtoB *AffineR2 `json:"affine_a_to_b"`
	AffineBtoA *AffineR2 `json:"affine_b_to_a"`
	// StateR2 is the reference's get_state_r2 on the phase: symmetric,
	// the mean squared canonical correlation of the two StatePCs-dim PC
	// spaces (analysis.StateR2 says how fewer latents than PCs count).
	StateR2 *float64 `json:"state_r2"`
	// Procrustes is scipy's procrustes disparity on the phase's latents
	// (nil when the state sizes differ, as the reference skips them).
	Procrustes *float64 `json:"procrustes_disparity"`
	// CCACorrelations are the canonical correlations of the phase's latents,
	// descending (computed exactly; sklearn's NIPALS CCA estimates them), and
	// CCAR2 the reference's compare_CCA r2_score per component (A is the
	// reference, B the model; NIPALS, skipped for large phases unless
	// CCAReference).
	CCACorrelations []float64 `json:"cca_correlations"`
	CCAR2           []float64 `json:"cca_r2"`
	// CCANote says why CCAR2 is missing.
	CCANote string `json:"cca_note,omitempty"`
	// DSA is nil when skipped (NoDSA, or too few steps for the embedding);
	// DSANote then says why.
	DSA     *DSAScore `json:"dsa"`
	DSANote string    `json:"dsa_note,omitempty"`
	// FixedPoints holds A's and B's counts when asked for.
	FixedPoints *[2]FixedPointCounts `json:"fixed_points,omitempty"`
	Seconds     float64              `json:"seconds"`
}

// trialMatched names the metrics that need the same trials in both runs.
const trialMatched = "affine R², state R², Procrustes and CCA"

// Compare compares this run (A) with other (B): every metric that applies
// (see CompareReport). Cached per other run and options.
func (s *Session) Compare(ctx context.Context, other *Session, o CompareOptions, progress ProgressFunc) (*CompareReport, error) {
	o, err := o.normalized()
	if err != nil {
		return nil, err
	}
	key := compareKey(other, o)
	s.mu.Lock()
	r, ok := s.compares[key]
	s.mu.Unlock()
	if ok {
		return r, nil
	}
	start := time.Now()
	r = &CompareReport{A: s.Info(), B: other.Info(), Options: o, SameTrials: true}
	if err := run.SameTrials(s.Run, other.Run); err != nil {
		r.SameTrials, r.TrialsNote = false, err.Error()
	}
	stages := 2
	if r.SameTrials {
		stages += 4
	}
	if o.FixedPoints {
		stages += 2
	}
	done := 0
	step := func(stage, who string) {
		progress.report(Progress{Stage: stage, Run: who, Done: done, Total: stages})
		done++
	}
	if r.SameTrials {
		if err := s.compareTrialMatched(ctx, other, o, r, step); err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	step("dsa", "")
	if !o.NoDSA {
		sides := []*Session{s, other}
		rank := dsaRank(o, sides)
		fits := make([]*DSAFit, 2)
		for i, ses := range sides {
			if fits[i], err = ses.DSAFit(ctx, o.Phase, o.DSADelays, rank, o.DSATrials); err != nil {
				return nil, err
			}
		}
		if r.DSA, r.DSANote, err = dsaPair(ctx, fits[0], fits[1], o.Seed); err != nil {
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
			if c[i], err = ses.fixedPointCounts(ctx, o.FixedPointOptions, who, progress); err != nil {
				return nil, err
			}
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

// fixedPointCounts runs the run's fixed-point search (cached by the
// session) and counts its points.
func (s *Session) fixedPointCounts(ctx context.Context, o FixedPointOptions, who string, progress ProgressFunc) (FixedPointCounts, error) {
	fp, err := s.FixedPoints(ctx, o, func(p Progress) {
		p.Run = who
		progress.report(p)
	})
	if err != nil {
		return FixedPointCounts{}, err
	}
	return FixedPointCounts{Fixed: fp.Fixed, Stable: fp.Stable, Unstable: fp.Unstable, Slow: fp.Slow}, nil
}

// compareTrialMatched fills the metrics that need the same trials.
func (s *Session) compareTrialMatched(ctx context.Context, other *Session, o CompareOptions, r *CompareReport, step func(stage, who string)) error {
	grams := map[string]*analysis.CrossGram{}
	for _, p := range []string{"train", "val", o.Phase} {
		if _, ok := grams[p]; ok {
			continue
		}
		step("inference", "")
		m, err := latentGrams(ctx, []*Session{s, other}, p, 0, nil)
		if err != nil {
			return err
		}
		grams[p] = m.Pair(0, 1)
	}
	step("regression", "")
	ab, err := affineR2(grams["train"], grams["val"], o.PCs)
	if err != nil {
		return fmt.Errorf("affine R²: %w", err)
	}
	ba, err := affineR2(grams["train"].Swap(), grams["val"].Swap(), o.PCs)
	if err != nil {
		return fmt.Errorf("affine R²: %w", err)
	}
	ab.From, ab.To, ba.From, ba.To = "A", "B", "B", "A"
	r.AffineAtoB, r.AffineBtoA = &ab, &ba
	if err := ctx.Err(); err != nil {
		return err
	}
	g := grams[o.Phase]
	v, err := g.StateR2(o.StatePCs)
	if err != nil {
		return fmt.Errorf("state R²: %w", err)
	}
	r.StateR2 = &v
	step("procrustes", "")
	if r.A.State == r.B.State {
		d, err := g.ProcrustesDisparity()
		if err != nil {
			return err
		}
		r.Procrustes = &d
	}
	step("cca", "")
	k := min(o.CCAComponents, r.A.State, r.B.State)
	if r.CCACorrelations, err = g.CanonicalCorrelations(k); err != nil {
		return err
	}
	if n := g.Rows; o.CCAReference || n*(r.A.State+r.B.State) <= ccaReferenceLimit {
		pa, err := s.latentRows(ctx, o.Phase)
		if err != nil {
			return err
		}
		pb, err := other.latentRows(ctx, o.Phase)
		if err != nil {
			return err
		}
		if r.CCAR2, _, _, err = analysis.CCAR2(pb, pa, k, nil); err != nil {
			return fmt.Errorf("CCA: %w", err)
		}
	} else {
		r.CCANote = fmt.Sprintf("the reference's compare_CCA R² (NIPALS) is skipped above %d values (here %d); --cca-reference computes it", ccaReferenceLimit, n*(r.A.State+r.B.State))
	}
	return nil
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

// latentRows returns the phase's latents (every trial's steps concatenated,
// state × steps) as a float32 matrix view of the cached inference: the
// Gram-form metrics widen it block by block, no float64 copy is kept.
func (s *Session) latentRows(ctx context.Context, phase string) (*analysis.Float32Matrix, error) {
	inf, err := s.Inference(ctx, phase)
	if err != nil {
		return nil, err
	}
	if inf.Steps() < 2 {
		return nil, fmt.Errorf("%s: phase %s has %d steps, too few to compare", s.Run.Run.Dir, phase, inf.Steps())
	}
	return analysis.NewFloat32Matrix(inf.Steps(), inf.H, inf.AllLatents()), nil
}

// latentGrams returns the centred cross-products of the sessions' latents
// on the phase (the sessions must share their trials).
func latentGrams(ctx context.Context, ses []*Session, phase string, workers int, progress func(done, total int)) (*analysis.MultiGram, error) {
	sets := make([]mat.Matrix, len(ses))
	for i, s := range ses {
		x, err := s.latentRows(ctx, phase)
		if err != nil {
			return nil, err
		}
		sets[i] = x
	}
	return analysis.NewMultiGram(ctx, sets, workers, progress)
}

// affineR2 is the affine map from A's latents to B's fitted on the training
// cross-products and scored on the validation ones (no prediction is
// formed: analysis.CrossGram.R2 and R2Along).
func affineR2(train, val *analysis.CrossGram, pcs int) (AffineR2, error) {
	var r AffineR2
	fit, err := train.Regression()
	if err != nil {
		return r, err
	}
	r.VarianceWeighted = val.R2(fit)
	r.TrainR2 = train.R2(fit)
	// The target's PCs on its training latents.
	axes, ratio, err := train.PrincipalAxesB(min(pcs, train.BB.SymmetricDim()))
	if err != nil {
		return r, fmt.Errorf("PCA of the target: %w", err)
	}
	r.PCRatio = ratio
	r.PerPC = val.R2Along(fit, axes)
	return r, nil
}
