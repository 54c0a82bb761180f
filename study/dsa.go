package study

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ctdtui/ctdtui/analysis"
)

// DSA compares dynamics, not trials: each run's DMD is fitted on its own
// trials, so runs of different tasks, conditions, latent sizes and
// evaluations can be compared. The rule (README, "DSA across runs"):
//
//   - the delays D and the rank r are the same for every run of a
//     comparison (the operators must be r×r on both sides); r is DSARank
//     (default 50) capped at D × the smallest state size among the runs;
//   - each run takes its own trials from its own phase: the first 1 % of
//     them as the reference's compare_dynamics_DSA, raised to the fewest
//     its embedding needs (K·(T − D + 1) ≥ D × its state size), or DSATrials
//     if given; every trial is cut to the phase's shortest trial (MultiTask's
//     trials are ragged), which is what the trial-wise delay embedding needs;
//     nothing requires the two runs to have the same number of steps;
//   - a run's DMD therefore depends only on the run, the phase, D, r and the
//     trial count rule, and is cached by its session: an N×N matrix fits N
//     DMDs, not N².

// DSAFit is one run's DMD for DSA.
type DSAFit struct {
	DMD *analysis.DMD
	// Trials and Steps are the trials the DMD was fitted on and their
	// length (the phase's shortest trial); Note says why there is no DMD.
	Trials, Steps int
	Note          string
}

// dsaRank is the rank every run of a comparison uses.
func dsaRank(o CompareOptions, ses []*Session) int {
	r := o.DSARank
	for _, s := range ses {
		r = min(r, o.DSADelays*s.Info().State)
	}
	return r
}

// DSAFit returns the run's DMD on the phase with the given delays and rank
// and trials (0: the rule above), cached. A run whose trials are too short
// or too few gets a Note instead of an error.
func (s *Session) DSAFit(ctx context.Context, phase string, delays, rank, trials int) (*DSAFit, error) {
	p, err := normPhase(phase)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("%s/%d/%d/%d", p, delays, rank, trials)
	s.mu.Lock()
	f, ok := s.dmds[key]
	s.mu.Unlock()
	if ok {
		return f, nil
	}
	if f, err = s.fitDSA(ctx, p, delays, rank, trials); err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.dmds[key] = f
	s.mu.Unlock()
	return f, nil
}

func (s *Session) fitDSA(ctx context.Context, phase string, delays, rank, n int) (*DSAFit, error) {
	inf, err := s.Run.Infer(ctx, phase)
	if err != nil {
		return nil, err
	}
	B := len(inf.Trials)
	if B == 0 {
		return &DSAFit{Note: fmt.Sprintf("%s: no trials in phase %s", s.Name(), phase)}, nil
	}
	steps := inf.Len(0)
	for k := range inf.Trials {
		steps = min(steps, inf.Len(k))
	}
	f := &DSAFit{Steps: steps}
	tp := steps - (delays - 1) // embedded steps per trial
	if tp < 2 {
		f.Note = fmt.Sprintf("%s: trials of %d steps are too short for %d delays", s.Name(), steps, delays)
		return f, nil
	}
	width := delays * inf.H
	if n <= 0 {
		// The reference's 1 % of the trials, raised so that the embedding
		// has at least as many rows as columns (what the multi-trial DMD needs).
		n = max(B/100, 1, (width+tp-1)/tp)
	}
	f.Trials = n
	if n > B {
		f.Note = fmt.Sprintf("%s: the %d-delay embedding of %d latents needs %d trials of %d steps, phase %s has %d", s.Name(), delays, inf.H, n, steps, phase, B)
		return f, nil
	}
	data := make([]float64, n*steps*inf.H)
	for k := 0; k < n; k++ {
		for i, v := range inf.Latents(k)[:steps*inf.H] {
			data[k*steps*inf.H+i] = float64(v)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if f.DMD, err = analysis.FitDMD(analysis.NewTrials(n, steps, inf.H, data), &analysis.DMDSettings{NDelays: delays, Rank: rank}); err != nil {
		return nil, fmt.Errorf("DSA of %s: %w", s.Run.Run.Dir, err)
	}
	return f, nil
}

// dsaSeedStream is the second word of every DSA pair's random stream: a
// pair's similarity search depends only on the seed, never on which other
// pairs were computed or in which order.
const dsaSeedStream = 0xd5a

// dsaPair scores two fits: the angular and euclidean distances at the
// similarity search's optimum (seeded with seed) and the eigenvalue
// Wasserstein distance. A fit with a Note gives no score and that note.
func dsaPair(ctx context.Context, a, b *DSAFit, seed uint64) (*DSAScore, string, error) {
	for _, f := range []*DSAFit{a, b} {
		if f.DMD == nil {
			return nil, f.Note, nil
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	sc := &DSAScore{Delays: a.DMD.NDelays, Rank: a.DMD.Rank, Trials: [2]int{a.Trials, b.Trials}, Steps: [2]int{a.Steps, b.Steps}}
	rng := rand.New(rand.NewPCG(seed, dsaSeedStream))
	res, err := analysis.SimilarityDistance(a.DMD.Av, b.DMD.Av, rng, nil)
	if err != nil {
		return nil, "", fmt.Errorf("DSA: %w", err)
	}
	sc.Angular, sc.Euclidean = res.Angular, res.Euclidean
	if sc.Wasserstein, err = analysis.WassersteinEigenvalues(a.DMD.Av, b.DMD.Av); err != nil {
		return nil, "", fmt.Errorf("DSA: %w", err)
	}
	if math.IsNaN(sc.Angular) {
		return nil, "", fmt.Errorf("DSA: the score is NaN (non-finite latents?)")
	}
	return sc, "", nil
}
