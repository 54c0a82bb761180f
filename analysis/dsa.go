package analysis

import (
	"context"
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// ScoreMethod selects the DSA score.
type ScoreMethod int

const (
	// ScoreAngular is arccos tr(Âᵀ C B̂ Cᵀ) at the optimal C (CTD's choice).
	ScoreAngular ScoreMethod = iota
	// ScoreEuclidean is ‖Â − C B̂ Cᵀ‖_F at the optimal C.
	ScoreEuclidean
	// ScoreWasserstein is the squared 2-Wasserstein distance between the
	// eigenvalue sets (no optimisation; DSA v2's default; works for
	// different ranks).
	ScoreWasserstein
)

func (m ScoreMethod) String() string {
	switch m {
	case ScoreAngular:
		return "angular"
	case ScoreEuclidean:
		return "euclidean"
	case ScoreWasserstein:
		return "wasserstein"
	}
	return fmt.Sprintf("ScoreMethod(%d)", int(m))
}

// DSASettings configures the DSA drivers. Nil means the defaults: DMD with
// one delay, full rank, λ = 0; angular score; global similarity search.
type DSASettings struct {
	DMD        DMDSettings
	Score      ScoreMethod
	Similarity SimilaritySettings
	// Progress, if not nil, is called after each compared pair.
	Progress func(done, total int)
}

func (s *DSASettings) orDefault() *DSASettings {
	if s == nil {
		return &DSASettings{}
	}
	return s
}

// CompareOperators scores two DMD operators (e.g. DMD.Av) with the chosen
// method; rng seeds the similarity search.
func CompareOperators(a, b mat.Matrix, rng *rand.Rand, s *DSASettings) (float64, error) {
	s = s.orDefault()
	switch s.Score {
	case ScoreWasserstein:
		return WassersteinEigenvalues(a, b)
	case ScoreAngular, ScoreEuclidean:
		res, err := SimilarityDistance(a, b, rng, &s.Similarity)
		if err != nil {
			return 0, err
		}
		if s.Score == ScoreAngular {
			return res.Angular, nil
		}
		return res.Euclidean, nil
	}
	return 0, fmt.Errorf("analysis: DSA: unknown score method %d", s.Score)
}

func fitAll(ctx context.Context, data []Trials, s *DMDSettings, side string) ([]*DMD, error) {
	out := make([]*DMD, len(data))
	for i, d := range data {
		if err := cancelled(ctx); err != nil {
			return nil, err
		}
		f, err := FitDMD(d, s)
		if err != nil {
			return nil, fmt.Errorf("analysis: DSA %s dataset %d: %w", side, i, err)
		}
		out[i] = f
	}
	return out, nil
}

// DSAPairwise is DSA's self-pairwise mode (what CTD's compare_dynamics_DSA
// runs): fit one DMD per dataset, score every pair j < i (visited row by
// row: (1,0), (2,0), (2,1), …), mirror, zero diagonal. Every pair gets its
// own random stream drawn from rng in that order, so results are
// deterministic for a given seed.
func DSAPairwise(ctx context.Context, data []Trials, rng *rand.Rand, s *DSASettings) (*mat.Dense, error) {
	s = s.orDefault()
	if len(data) < 1 {
		return nil, fmt.Errorf("analysis: DSA: no datasets")
	}
	dmds, err := fitAll(ctx, data, &s.DMD, "")
	if err != nil {
		return nil, err
	}
	ops := make([]*mat.Dense, len(dmds))
	for i, d := range dmds {
		ops[i] = d.Av
	}
	return PairwiseOperatorScores(ctx, ops, rng, s)
}

// PairwiseOperatorScores is DSAPairwise on already fitted operators.
func PairwiseOperatorScores(ctx context.Context, ops []*mat.Dense, rng *rand.Rand, s *DSASettings) (*mat.Dense, error) {
	s = s.orDefault()
	n := len(ops)
	out := mat.NewDense(n, n, nil)
	total, done := n*(n-1)/2, 0
	for i := 1; i < n; i++ {
		for j := 0; j < i; j++ {
			if err := cancelled(ctx); err != nil {
				return nil, err
			}
			v, err := CompareOperators(ops[i], ops[j], childRand(rng), s)
			if err != nil {
				return nil, fmt.Errorf("analysis: DSA pair (%d, %d): %w", i, j, err)
			}
			out.Set(i, j, v)
			out.Set(j, i, v)
			done++
			if s.Progress != nil {
				s.Progress(done, total)
			}
		}
	}
	return out, nil
}

// DSACross is DSA's bipartite mode: M[i][j] = score(xs[i], ys[j]).
func DSACross(ctx context.Context, xs, ys []Trials, rng *rand.Rand, s *DSASettings) (*mat.Dense, error) {
	s = s.orDefault()
	if len(xs) < 1 || len(ys) < 1 {
		return nil, fmt.Errorf("analysis: DSA: no datasets (%d and %d)", len(xs), len(ys))
	}
	dx, err := fitAll(ctx, xs, &s.DMD, "X")
	if err != nil {
		return nil, err
	}
	dy, err := fitAll(ctx, ys, &s.DMD, "Y")
	if err != nil {
		return nil, err
	}
	out := mat.NewDense(len(xs), len(ys), nil)
	total, done := len(xs)*len(ys), 0
	for i := range dx {
		for j := range dy {
			if err := cancelled(ctx); err != nil {
				return nil, err
			}
			v, err := CompareOperators(dx[i].Av, dy[j].Av, childRand(rng), s)
			if err != nil {
				return nil, fmt.Errorf("analysis: DSA pair (%d, %d): %w", i, j, err)
			}
			out.Set(i, j, v)
			done++
			if s.Progress != nil {
				s.Progress(done, total)
			}
		}
	}
	return out, nil
}

// DSADataSplits is DSA's dsa_bw_data_splits (nsplits default 2, avg=True):
// drop the last trial if the count is odd (the reference's rule), cut the
// trials (or, for a single trial, the time steps) into nsplits equal
// consecutive chunks (a remainder is dropped), run DSAPairwise on the
// chunks and return the mean of the strictly lower triangle — how much the
// dynamics differ between parts of the same data (≈ 0 for stationary data).
func DSADataSplits(ctx context.Context, data Trials, nsplits int, rng *rand.Rand, s *DSASettings) (float64, error) {
	if nsplits == 0 {
		nsplits = 2
	}
	if nsplits < 2 {
		return 0, fmt.Errorf("analysis: DSA data splits: nsplits must be >= 2, got %d", nsplits)
	}
	var parts []Trials
	if data.B > 1 {
		n := data.B - data.B%2
		size := n / nsplits
		if size < 1 {
			return 0, fmt.Errorf("analysis: DSA data splits: %d trials cannot make %d splits", data.B, nsplits)
		}
		for k := 0; k < nsplits; k++ {
			parts = append(parts, data.Slice(k*size, (k+1)*size))
		}
	} else {
		n := data.T - data.T%2
		size := n / nsplits
		if size < 1 {
			return 0, fmt.Errorf("analysis: DSA data splits: %d time steps cannot make %d splits", data.T, nsplits)
		}
		for k := 0; k < nsplits; k++ {
			parts = append(parts, NewTrials(1, size, data.N, data.Data[k*size*data.N:(k+1)*size*data.N]))
		}
	}
	m, err := DSAPairwise(ctx, parts, rng, s)
	if err != nil {
		return 0, err
	}
	sum, cnt := 0.0, 0
	for i := 1; i < nsplits; i++ {
		for j := 0; j < i; j++ {
			sum += m.At(i, j)
			cnt++
		}
	}
	return sum / float64(cnt), nil
}

// DSAHyperparameterSweep is CTD's find_DSA_hps: for every (rank, n_delays)
// pair, the distance of the DMD to the identity (DSAToIdentity) and between
// data splits (DSADataSplits with 2 splits). Rows are ranks, columns delays;
// the delay interval comes from s.DMD. Unlike CTD, trials are kept separate
// instead of being concatenated into one series (whose delay embedding
// straddled trial boundaries). Combinations the data cannot support (too few
// rows for the embedding width) are NaN.
func DSAHyperparameterSweep(ctx context.Context, data Trials, ranks, delays []int, rng *rand.Rand, s *DSASettings) (id, splits *mat.Dense, err error) {
	s = s.orDefault()
	id, splits = mat.NewDense(len(ranks), len(delays), nil), mat.NewDense(len(ranks), len(delays), nil)
	for i, r := range ranks {
		for j, d := range delays {
			cfg := *s
			cfg.DMD.Rank, cfg.DMD.RankThresh, cfg.DMD.RankExplainedVariance = r, 0, 0
			cfg.DMD.NDelays = d
			v, err := DSAToIdentity(data, &cfg.DMD)
			if err != nil {
				id.Set(i, j, nan())
				splits.Set(i, j, nan())
				continue
			}
			id.Set(i, j, v)
			w, err := DSADataSplits(ctx, data, 2, childRand(rng), &cfg)
			if err != nil {
				if ctx.Err() != nil {
					return nil, nil, ctx.Err()
				}
				w = nan()
			}
			splits.Set(i, j, w)
		}
	}
	return id, splits, nil
}

func childRand(rng *rand.Rand) *rand.Rand {
	if rng == nil {
		return nil
	}
	return rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64()))
}
