package analysis

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// DelayEmbed returns the Hankel (delay) embedding of every trial of data:
// with D = nDelays and τ = interval, T' = T − (D−1)τ rows per trial, row t
// being [x_{t+(D−1)τ}, x_{t+(D−2)τ}, …, x_t] (block 0 is the newest sample).
// The result is K×T'×(D·N). The reference builds this in float32; we keep
// float64.
func DelayEmbed(data Trials, nDelays, interval int) (Trials, error) {
	if nDelays < 1 {
		return Trials{}, fmt.Errorf("analysis: delay embedding: n_delays must be >= 1, got %d", nDelays)
	}
	if interval < 1 {
		return Trials{}, fmt.Errorf("analysis: delay embedding: delay_interval must be >= 1, got %d", interval)
	}
	tp := data.T - (nDelays-1)*interval
	if tp < 1 {
		return Trials{}, fmt.Errorf("analysis: delay embedding: %d time steps are too few for n_delays=%d, delay_interval=%d", data.T, nDelays, interval)
	}
	n, w := data.N, nDelays*data.N
	out := make([]float64, data.B*tp*w)
	for b := 0; b < data.B; b++ {
		for t := 0; t < tp; t++ {
			row := out[(b*tp+t)*w : (b*tp+t+1)*w]
			for d := 0; d < nDelays; d++ {
				src := (b*data.T + t + (nDelays-1-d)*interval) * n
				copy(row[d*n:(d+1)*n], data.Data[src:src+n])
			}
		}
	}
	return NewTrials(data.B, tp, w, out), nil
}

// DMDSettings configures FitDMD. Nil or zero fields mean DSA's defaults.
// At most one of Rank, RankThresh and RankExplainedVariance may be set;
// none means full rank.
type DMDSettings struct {
	NDelays       int // default 1
	DelayInterval int // default 1
	// Rank is the number of SVD coordinates the linear model uses.
	Rank int
	// RankThresh keeps the singular values above the threshold (min 1).
	RankThresh float64
	// RankExplainedVariance keeps the fewest singular values whose
	// cumulative S²/ΣS² reaches the fraction (in (0, 1]).
	RankExplainedVariance float64
	// PinnedRankRules reproduces DSA@19d60b7 (what CTD runs) for the two
	// rules above: RankThresh keeps the values up to the first one below the
	// threshold, RankExplainedVariance takes the index of the first
	// cumulative fraction above it (one fewer than needed).
	PinnedRankRules bool
	// Lambda is the ridge λ of the regression (default 0, CTD's).
	Lambda float64
	// Solver selects how the leading singular triplets of the embedding
	// are found (default SVDAuto).
	Solver SVDSolver
}

// SVDSolver selects how FitDMD decomposes the delay embedding H.
type SVDSolver int

const (
	// SVDAuto is SVDTruncated when Rank is given and the embedding is wide
	// (at least 256 columns, Rank at most a quarter of them, at least as many
	// rows as columns), SVDExact otherwise.
	SVDAuto SVDSolver = iota
	// SVDExact is the thin SVD of H: every singular value and vector.
	SVDExact
	// SVDTruncated finds only the leading Rank triplets, from the Gram
	// matrix HᵀH built from lagged covariances of the data and its leading
	// eigenpairs by block Lanczos (see truncated.go); it needs Rank and at
	// least as many embedded rows as columns. S, U and V then hold Rank
	// triplets and CumulativeExplainedVariance their share of ‖H‖²_F.
	SVDTruncated
)

func (s SVDSolver) String() string {
	switch s {
	case SVDAuto:
		return "auto"
	case SVDExact:
		return "exact"
	case SVDTruncated:
		return "truncated"
	}
	return fmt.Sprintf("SVDSolver(%d)", int(s))
}

// truncatedMinWidth is the narrowest embedding SVDAuto decomposes with the
// truncated solver; below it the exact SVD is fast.
const truncatedMinWidth = 256

// DMD is a fitted HAVOK-style DMD: the delay embedding H (K·T'×D·N, trials
// stacked) has the thin SVD Hᵀ = U S Vᵀ, and the linear operator Av maps the
// first Rank coordinates of row t of V to those of row t+1 (v_{t+1} ≈ Av v_t,
// column vectors) within each trial.
type DMD struct {
	NDelays, DelayInterval int
	// Trials, Steps, Width: shape K×T'×(D·N) of the embedding.
	Trials, Steps, Width int
	// S holds all min(D·N, K·T') singular values, descending (the
	// truncated solver: the leading Rank ones).
	S []float64
	// Solver is the solver that ran (SVDExact or SVDTruncated).
	Solver SVDSolver
	// U is (D·N)×r0 and V is (K·T')×r0 (r0 = len(S)). Columns are sign-canonical: the
	// largest-|.| entry of each column of V is positive (SVD signs are
	// otherwise arbitrary; every DSA score is invariant to them).
	U, V *mat.Dense
	// CumulativeExplainedVariance[i] = Σ_{j≤i} S_j²/ΣS².
	CumulativeExplainedVariance []float64
	// Rank is r, the size of Av.
	Rank int
	// Av is the r×r operator.
	Av *mat.Dense
}

func (s *DMDSettings) withDefaults() DMDSettings {
	var c DMDSettings
	if s != nil {
		c = *s
	}
	if c.NDelays == 0 {
		c.NDelays = 1
	}
	if c.DelayInterval == 0 {
		c.DelayInterval = 1
	}
	return c
}

// FitDMD fits the DMD of data (K trials × T × N; one trial for a single time
// series). With several trials the SVD must have full width D·N (error
// "reduce the number of delays" otherwise), as in DSA.
func FitDMD(data Trials, s *DMDSettings) (*DMD, error) {
	c := s.withDefaults()
	set := 0
	if c.Rank != 0 {
		set++
	}
	if c.RankThresh != 0 {
		set++
	}
	if c.RankExplainedVariance != 0 {
		set++
	}
	switch {
	case set > 1:
		return nil, fmt.Errorf("analysis: DMD: give at most one of rank (%d), rank_thresh (%v), rank_explained_variance (%v)", c.Rank, c.RankThresh, c.RankExplainedVariance)
	case c.Rank < 0:
		return nil, fmt.Errorf("analysis: DMD: rank must be >= 1, got %d", c.Rank)
	case c.RankThresh < 0:
		return nil, fmt.Errorf("analysis: DMD: rank_thresh must be > 0, got %v", c.RankThresh)
	case c.RankExplainedVariance < 0 || c.RankExplainedVariance > 1:
		return nil, fmt.Errorf("analysis: DMD: rank_explained_variance must be in (0, 1], got %v", c.RankExplainedVariance)
	case c.Lambda < 0:
		return nil, fmt.Errorf("analysis: DMD: lamb must be >= 0, got %v", c.Lambda)
	case data.B < 1:
		return nil, fmt.Errorf("analysis: DMD: no trials")
	}
	if c.NDelays < 1 || c.DelayInterval < 1 {
		return nil, fmt.Errorf("analysis: DMD: n_delays (%d) and delay_interval (%d) must be >= 1", c.NDelays, c.DelayInterval)
	}
	tp := data.T - (c.NDelays-1)*c.DelayInterval
	if tp < 1 {
		return nil, fmt.Errorf("analysis: delay embedding: %d time steps are too few for n_delays=%d, delay_interval=%d", data.T, c.NDelays, c.DelayInterval)
	}
	if tp < 2 {
		return nil, fmt.Errorf("analysis: DMD: the embedding has %d time step per trial, need >= 2", tp)
	}
	width := c.NDelays * data.N
	d := &DMD{NDelays: c.NDelays, DelayInterval: c.DelayInterval, Trials: data.B, Steps: tp, Width: width}
	rows := data.B * tp
	r0 := min(width, rows)
	if data.B > 1 && r0 != width {
		return nil, fmt.Errorf("analysis: DMD: %d embedded rows < width %d: reduce the number of delays", rows, width)
	}
	d.Solver = c.Solver
	if d.Solver == SVDAuto {
		d.Solver = SVDExact
		if c.Rank > 0 && width >= truncatedMinWidth && 4*c.Rank <= width && rows >= width {
			d.Solver = SVDTruncated
		}
	}
	var total float64
	switch d.Solver {
	case SVDExact:
		var err error
		if total, err = d.exactSVD(data); err != nil {
			return nil, err
		}
	case SVDTruncated:
		if c.Rank == 0 {
			return nil, fmt.Errorf("analysis: DMD: the truncated solver needs an explicit rank")
		}
		if rows < width {
			return nil, fmt.Errorf("analysis: DMD: the truncated solver needs at least as many embedded rows (%d) as columns (%d)", rows, width)
		}
		var err error
		if total, err = d.truncatedSVD(data, min(c.Rank, r0)); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("analysis: DMD: unknown solver %d", c.Solver)
	}
	d.canonicalSigns()
	d.CumulativeExplainedVariance = make([]float64, len(d.S))
	cum := 0.0
	for i, v := range d.S {
		cum += v * v
		d.CumulativeExplainedVariance[i] = cum / total
	}
	d.Rank = chooseRank(d.S, d.CumulativeExplainedVariance, &c)
	if d.Rank > len(d.S) {
		d.Rank = len(d.S)
	}

	// V₋ / V₊: rows t and t+1 of every trial, first r columns.
	r := d.Rank
	h := struct{ B, T int }{data.B, tp}
	pairs := h.B * (h.T - 1)
	vm, vp := mat.NewDense(pairs, r, nil), mat.NewDense(pairs, r, nil)
	k := 0
	for b := 0; b < h.B; b++ {
		for t := 0; t < h.T-1; t++ {
			for j := 0; j < r; j++ {
				vm.Set(k, j, d.V.At(b*h.T+t, j))
				vp.Set(k, j, d.V.At(b*h.T+t+1, j))
			}
			k++
		}
	}
	// A_v = [(V₋ᵀV₋ + λI)⁻¹ V₋ᵀ V₊]ᵀ
	var g, rhs, sol mat.Dense
	g.Mul(vm.T(), vm)
	for i := 0; i < r; i++ {
		g.Set(i, i, g.At(i, i)+c.Lambda)
	}
	rhs.Mul(vm.T(), vp)
	if err := sol.Solve(&g, &rhs); err != nil {
		if _, ok := err.(mat.Condition); !ok {
			return nil, fmt.Errorf("analysis: DMD: regression: %w", err)
		}
	}
	d.Av = mat.DenseCopyOf(sol.T())
	return d, nil
}

// exactSVD sets S, U and V from the thin SVD of the embedding and returns
// ‖H‖²_F.
func (d *DMD) exactSVD(data Trials) (float64, error) {
	h, err := DelayEmbed(data, d.NDelays, d.DelayInterval)
	if err != nil {
		return 0, err
	}
	// Hᵀ = U S Vᵀ  ⇔  H = V S Uᵀ: the thin SVD of H gives V as its left factor.
	var svd mat.SVD
	if !svd.Factorize(h.Flat(), mat.SVDThin) {
		return 0, fmt.Errorf("analysis: DMD: SVD did not converge")
	}
	d.S = svd.Values(nil)
	d.V, d.U = new(mat.Dense), new(mat.Dense)
	svd.UTo(d.V)
	svd.VTo(d.U)
	total := 0.0
	for _, v := range d.S {
		total += v * v
	}
	return total, nil
}

// truncatedSVD sets the leading r singular triplets of the embedding from
// its Gram matrix (truncated.go) and returns ‖H‖²_F = tr HᵀH.
func (d *DMD) truncatedSVD(data Trials, r int) (float64, error) {
	g := hankelGram(data, d.NDelays, d.DelayInterval)
	total := mat.Trace(g)
	lam, u, err := topEigen(g, r)
	if err != nil {
		return 0, fmt.Errorf("analysis: DMD: %w", err)
	}
	d.S = make([]float64, r)
	for j, l := range lam {
		if !(l > 0) {
			return 0, fmt.Errorf("analysis: DMD: the embedding has rank %d < %d: lower the rank", j, r)
		}
		d.S[j] = math.Sqrt(l)
	}
	d.U = u
	d.V = hankelTimes(data, d.NDelays, d.DelayInterval, u)
	rows, _ := d.V.Dims()
	for i := 0; i < rows; i++ {
		row := d.V.RawRowView(i)
		for j := range row {
			row[j] /= d.S[j]
		}
	}
	return total, nil
}

// canonicalSigns flips singular vector pairs so that the largest-|.| entry
// of each column of V is positive.
func (d *DMD) canonicalSigns() {
	rows, c := d.V.Dims()
	w, _ := d.U.Dims()
	col := make([]float64, rows)
	for j := 0; j < c; j++ {
		mat.Col(col, j, d.V)
		if col[argmaxAbs(col)] < 0 {
			for i := 0; i < rows; i++ {
				d.V.Set(i, j, -d.V.At(i, j))
			}
			for i := 0; i < w; i++ {
				d.U.Set(i, j, -d.U.At(i, j))
			}
		}
	}
}

func chooseRank(s, cum []float64, c *DMDSettings) int {
	switch {
	case c.Rank > 0:
		return c.Rank
	case c.RankThresh > 0:
		if c.PinnedRankRules {
			for i, v := range s {
				if v < c.RankThresh {
					return max(i, 1)
				}
			}
			return len(s)
		}
		n := 0
		for _, v := range s {
			if v > c.RankThresh {
				n++
			}
		}
		return max(n, 1)
	case c.RankExplainedVariance > 0:
		p := c.RankExplainedVariance
		if c.PinnedRankRules {
			for i, v := range cum {
				if v > p {
					return max(i, 1)
				}
			}
			return len(s)
		}
		for i, v := range cum {
			if v >= p {
				return i + 1
			}
		}
		return len(s)
	}
	return len(s)
}

// AHavok returns the operator in delay-embedding space,
// U_r S_r Av S_r⁻¹ U_rᵀ ((D·N)×(D·N)).
func (d *DMD) AHavok() *mat.Dense {
	r := d.Rank
	w, _ := d.U.Dims()
	ur := mat.DenseCopyOf(d.U.Slice(0, w, 0, r))
	left := mat.DenseCopyOf(ur)
	right := mat.DenseCopyOf(ur)
	for j := 0; j < r; j++ {
		for i := 0; i < w; i++ {
			left.Set(i, j, left.At(i, j)*d.S[j])
			right.Set(i, j, right.At(i, j)/d.S[j])
		}
	}
	var tmp, out mat.Dense
	tmp.Mul(left, d.Av)
	out.Mul(&tmp, right.T())
	return &out
}

// DSAToIdentity is DSA's dsa_to_id in closed form: the angular distance
// between Av and the r×r identity, arccos(tr Av/(‖Av‖_F √r)) (no optimisation
// is needed since C I Cᵀ = I).
func DSAToIdentity(data Trials, s *DMDSettings) (float64, error) {
	d, err := FitDMD(data, s)
	if err != nil {
		return 0, err
	}
	return angularToIdentity(d.Av), nil
}

func angularToIdentity(a *mat.Dense) float64 {
	r, _ := a.Dims()
	return math.Acos(clamp(mat.Trace(a)/(frobenius(a)*math.Sqrt(float64(r))), -1, 1))
}

func nan() float64 { return math.NaN() }

func clamp(x, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, x)) }
