package analysis

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"

	"gonum.org/v1/gonum/mat"
)

// Map is a one-step transition x' = F(x, u) of a recurrent model (a GRU or
// RNN cell, a neural-ODE Euler step, …) whose fixed points F(x, u) = x are
// sought. All methods are batched over n rows, row-major:
//
//   - Eval sets dst (n×Dim) to F(x_i, u_i) for the rows x_i of x (n×Dim) and
//     u_i of u (n×InputDim).
//   - VJP sets dst (n×Dim) to J(x_i, u_i)ᵀ v_i, J = ∂F/∂x, for the rows v_i of v.
//   - Jacobian sets dst (Dim×Dim, row-major) to J[a][b] = ∂F_a/∂x_b at one
//     state x and input u.
//
// Implementations may keep scratch buffers: the finder never calls one Map
// from several goroutines at once. Dimensions are fixed for a Map's lifetime.
type Map interface {
	Dim() int
	InputDim() int
	Eval(dst, x []float64, n int, u []float64)
	VJP(dst, x, v []float64, n int, u []float64)
	Jacobian(dst []float64, x, u []float64)
}

// ResidualVJPMap is an optional fast path for a Map: in one forward pass it
// sets f to F(x_i, u_i) and grad to J(x_i)ᵀ(F(x_i) − x_i), which is what the
// optimiser needs every iteration. Without it the finder calls Eval then VJP.
type ResidualVJPMap interface {
	Map
	EvalResidualVJP(f, grad, x []float64, n int, u []float64)
}

// RowwiseResidualMap is an optional refinement of ResidualVJPMap for maps
// that split rows across goroutines: after a block of rows [r0, r1) is
// computed, then(r0, r1) runs on the same goroutine, so the finder's per-row
// work (q, the gradient of the mean q, the Adam step) is done in parallel while
// the rows are in cache. Blocks must be disjoint and cover [0, n).
type RowwiseResidualMap interface {
	ResidualVJPMap
	EvalResidualVJPRows(f, grad, x []float64, n int, u []float64, then func(r0, r1 int))
}

// Precisioner is optionally implemented by maps that compute in a precision
// other than float64 (e.g. float32 kernels): Epsilon returns the machine
// epsilon of their arithmetic. It selects looser default tolerances, since q
// cannot fall below about (ε·|x|)²·Dim.
type Precisioner interface {
	Epsilon() float64
}

// FixedPointMode selects the finder's procedure.
type FixedPointMode int

const (
	// FixedPointRefine (the default) goes beyond the reference: rows stop
	// when q < TolQ or when Newton's method, tried periodically once q is
	// small, converges locally; the remaining converged and slow rows are
	// refined by Newton's method after Adam,
	// points are classified as fixed points (q < FixedQ after refinement) or
	// slow points, distance outliers are dropped, duplicates are merged, and
	// the Jacobian, its eigenvalues and the stability of every distinct point
	// are reported.
	FixedPointRefine FixedPointMode = iota
	// FixedPointReference reproduces CTD's find_fixed_points: exactly
	// MaxIters Adam steps on the mean q of all rows, no stopping, no
	// refinement, no filtering; every row is returned (with its Jacobian
	// unless NoJacobians). As in CTD, Q and DQ are those of the last
	// iteration, one Adam step older than X (QAtX is q at X). CTD's other
	// bug, x_init aliasing x*, is not reproduced: Init holds the real start.
	FixedPointReference
)

// FixedPointSettings configures FindFixedPoints. A nil *FixedPointSettings
// and zero fields mean the defaults.
type FixedPointSettings struct {
	Mode FixedPointMode
	// LearningRate of Adam (default 1e-3, CTD's compute_FPs).
	LearningRate float64
	// MaxIters bounds the Adam iterations (default 10000).
	MaxIters int
	// TolQ: in refine mode a row stops optimising once q < TolQ (default
	// 1e-10; 1e-8 for maps whose Epsilon() > 1e-10).
	TolQ float64
	// FixedQ: a refined point with q < FixedQ is a fixed point (default 1e-20;
	// 1e-10 for maps whose Epsilon() > 1e-10).
	FixedQ float64
	// SlowQ: places that are not fixed points but whose best row has
	// q < SlowQ are slow points (default 1e-5, the q threshold of CTD's
	// plot_fps); rows above it are unconverged. SlowQ only classifies: which
	// rows are refined (RefineQ) and how rows group into places do not depend
	// on it, so a search with SlowQ = τ reports what the Ladder of any other
	// search with the same settings reports at τ.
	SlowQ float64
	// RefineQ: after Adam, rows with q < RefineQ are Newton-refined (default
	// 1e-5).
	RefineQ float64
	// TolUnique: fixed points closer than this (2-norm over [x, u]) are one
	// point (default 1e-6; 1e-4 for maps whose Epsilon() > 1e-10).
	TolUnique float64
	// TolUniqueSlow is the place radius: a row that is not a fixed point
	// belongs to the nearest fixed point within this distance (2-norm over
	// [x, u]), else to the single-linkage cluster of such rows within this
	// distance of each other (see places.go). Default: half the smallest
	// distance between two distinct fixed points, or with fewer than two,
	// PlaceScale × the mean distance of the initial states from their
	// centroid.
	TolUniqueSlow float64
	// PlaceScale sets the fallback place radius relative to the spread of
	// the initial states (default 0.1).
	PlaceScale float64
	// Ladder lists the q thresholds of FixedPointResult.Ladder (default
	// DefaultLadder, 1e-1 … 1e-14). Rows with q below the largest of them
	// (or SlowQ, if larger) are grouped into places.
	Ladder []float64
	// OutlierScale: points farther than OutlierScale × the mean distance of
	// the initial states from their centroid are dropped (default 10);
	// negative disables the filter.
	OutlierScale float64
	// NewtonIters bounds the Newton refinement steps per row (default 20);
	// negative disables refinement.
	NewtonIters int
	// NewtonEvery: in refine mode, every NewtonEvery Adam iterations the
	// rows with q < NewtonQ try Newton's method and stop once it converges
	// (negative disables these early attempts, leaving only the refinement
	// after Adam; default 50). A row retries after its q fell
	// 100-fold. A result is kept only if it converged locally (within twice
	// the first Newton step), so rows are not moved to distant fixed points.
	NewtonEvery int
	// NewtonQ is the q below which early Newton attempts start (default 1e-2).
	NewtonQ float64
	// NoJacobians skips Jacobians and eigenvalues.
	NoJacobians bool
	// Precise, if not nil, is a more precise version of the same map (e.g. the
	// float64 copy of a float32 model): Adam runs on the fast map, while
	// Newton's method, q at the returned points and the Jacobians use Precise,
	// and FixedQ and TolUnique default to Precise's tolerances (TolQ, which
	// Adam must reach, keeps the fast map's).
	Precise Map
	// Progress, if not nil, is called every ProgressEvery iterations
	// (default 100) and once per later stage.
	Progress      func(FixedPointProgress)
	ProgressEvery int
}

// FixedPointProgress reports the finder's state to a Progress callback.
type FixedPointProgress struct {
	Stage     string // "adam", "newton", "jacobians", "done"
	Iter      int    // iterations done (adam) or rows done (newton, jacobians)
	Total     int    // MaxIters (adam) or rows to do
	Converged int    // rows with q < TolQ so far
	Active    int    // rows still optimising (refine mode)
	MeanQ     float64
}

// RowClass says what became of one initial state.
type RowClass int

const (
	// RowUnclassified: reference mode does not classify rows.
	RowUnclassified RowClass = iota
	// RowFixed: the row converged to a fixed point.
	RowFixed
	// RowSlow: q stayed above FixedQ but below SlowQ.
	RowSlow
	// RowUnconverged: q stayed at or above SlowQ.
	RowUnconverged
	// RowOutlier: the row's point was too far from the initial states.
	RowOutlier
)

func (c RowClass) String() string {
	return [...]string{"unclassified", "fixed", "slow", "unconverged", "outlier"}[c]
}

// FixedPointRow is the fate of one initial state.
type FixedPointRow struct {
	Init []float64 // starting state
	U    []float64 // its input
	X    []float64 // final state (after Newton refinement if that succeeded)
	// Q is q = ½‖F(x, u) − x‖² at X, except in reference mode where it is
	// CTD's q* from the last iteration (one Adam step older than X).
	Q     float64
	QAtX  float64 // q evaluated at X
	DQ    float64 // |q − q_prev| of the last Adam iteration
	Iters int     // Adam iterations this row took
	Class RowClass
	// Point indexes Result.Places() (refine mode: the fixed, slow or loose
	// point whose place the row ended in; every row in reference mode), or is
	// −1 (outliers, rows with q above every threshold).
	Point int
}

// FixedPoint is a (distinct) fixed or slow point with its linearisation.
type FixedPoint struct {
	X, U []float64
	Q    float64
	// Jacobian is ∂F/∂x at X (Dim×Dim row-major); nil with NoJacobians.
	Jacobian []float64
	// Eigenvalues of the Jacobian sorted by |λ| descending, then Im descending.
	Eigenvalues []complex128
	MaxAbsEig   float64
	// Stable is |λ|max < 1 (discrete-time criterion: F is a one-step map).
	Stable bool
	// NUnstable counts eigenvalues with |λ| ≥ 1 (the unstable directions; a
	// saddle has 0 < NUnstable < Dim).
	NUnstable int
	// Rotational: the leading eigenvalue (largest |λ|) is complex, so the
	// slowest (or fastest-growing) mode spirals.
	Rotational bool
	// SlowModes counts eigenvalues with ||λ| − 1| ≤ SlowModeTol: directions
	// along which the state barely moves (line-attractor-like).
	SlowModes int
	// Rows lists the initial states that ended in this place; Rows[0]
	// supplied X (the member with the smallest q).
	Rows []int
}

// FixedPointResult is the outcome of FindFixedPoints.
type FixedPointResult struct {
	Dim, InputDim int
	Mode          FixedPointMode
	Rows          []FixedPointRow
	// FixedPoints are the distinct fixed points (refine mode) or one entry
	// per row, in row order, unfiltered (reference mode, as CTD returns).
	FixedPoints []FixedPoint
	// SlowPoints are the distinct slow points (refine mode only): places
	// with no fixed point whose best q is below SlowQ.
	SlowPoints []FixedPoint
	// LoosePoints are the places of rows that are neither (refine mode
	// only): best q in [SlowQ, the largest ladder threshold). Only the loose
	// rungs of the ladder count them.
	LoosePoints []FixedPoint
	// Ladder counts the distinct places under each q threshold (see
	// LadderRung); in refine mode it is monotone in the threshold.
	Ladder []LadderRung
	// PlaceRadius is the place radius used (TolUniqueSlow or its default).
	PlaceRadius  float64
	NOutliers    int
	NUnconverged int
	Iters        int // Adam iterations run
}

// Places returns the fixed, slow and loose points in that order: the list
// FixedPointRow.Point indexes.
func (r *FixedPointResult) Places() []FixedPoint {
	out := make([]FixedPoint, 0, len(r.FixedPoints)+len(r.SlowPoints)+len(r.LoosePoints))
	out = append(out, r.FixedPoints...)
	out = append(out, r.SlowPoints...)
	return append(out, r.LoosePoints...)
}

type fpConfig struct {
	FixedPointSettings
	// known collects the points refined so far (on the precise map), so that
	// rows heading to one of them skip a full Newton refinement.
	known *knownPoints
}

// refineRow Newton-refines one row on the precise map: first by matching a
// point already refined in this search (a chord step), else with newtonLocal,
// whose result is then remembered.
func (c *fpConfig) refineRow(m Map, x, u []float64) ([]float64, float64, bool) {
	pm := c.precise(m)
	if c.known == nil {
		c.known = newKnownPoints(pm)
	}
	if xr, q, ok := c.known.match(x, u); ok {
		return xr, q, true
	}
	xr, q, ok := newtonLocal(pm, x, u, c.NewtonIters, c.FixedQ)
	if ok {
		c.known.add(xr, u, q)
	}
	return xr, q, ok
}

func (s *FixedPointSettings) withDefaults(m Map) fpConfig {
	var c fpConfig
	if s != nil {
		c.FixedPointSettings = *s
	}
	isLoose := func(m Map) bool {
		p, ok := m.(Precisioner)
		return ok && p.Epsilon() > 1e-10
	}
	loose := isLoose(m)
	setF := func(v *float64, def, looseDef float64) {
		if *v == 0 {
			*v = def
			if loose {
				*v = looseDef
			}
		}
	}
	setF(&c.LearningRate, 1e-3, 1e-3)
	setF(&c.TolQ, 1e-10, 1e-8)
	if c.Precise != nil {
		loose = isLoose(c.Precise)
	}
	setF(&c.FixedQ, 1e-20, 1e-10)
	setF(&c.SlowQ, 1e-5, 1e-5)
	setF(&c.RefineQ, 1e-5, 1e-5)
	setF(&c.TolUnique, 1e-6, 1e-4)
	setF(&c.PlaceScale, 0.1, 0.1)
	if c.Ladder == nil {
		c.Ladder = DefaultLadder()
	}
	setF(&c.OutlierScale, 10, 10)
	if c.MaxIters == 0 {
		c.MaxIters = 10000
	}
	if c.NewtonIters == 0 {
		c.NewtonIters = 20
	}
	if c.NewtonEvery == 0 {
		c.NewtonEvery = 50
	}
	setF(&c.NewtonQ, 1e-2, 1e-2)
	if c.ProgressEvery <= 0 {
		c.ProgressEvery = 100
	}
	return c
}

// precise returns the map for Newton steps, q at the results and Jacobians.
func (c *fpConfig) precise(m Map) Map {
	if c.Precise != nil {
		return c.Precise
	}
	return m
}

func (c *fpConfig) validate() error {
	switch {
	case c.Mode != FixedPointRefine && c.Mode != FixedPointReference:
		return fmt.Errorf("analysis: fixed points: unknown mode %d", c.Mode)
	case !(c.LearningRate > 0):
		return fmt.Errorf("analysis: fixed points: learning rate must be > 0, got %v", c.LearningRate)
	case c.MaxIters < 0:
		return fmt.Errorf("analysis: fixed points: max iterations must be >= 0, got %d", c.MaxIters)
	case !(c.TolQ > 0) || !(c.FixedQ > 0) || !(c.SlowQ > 0) || !(c.RefineQ > 0) || !(c.TolUnique > 0) || !(c.TolUniqueSlow >= 0) || !(c.PlaceScale > 0):
		return fmt.Errorf("analysis: fixed points: tolerances must be > 0 (TolQ %v, FixedQ %v, SlowQ %v, RefineQ %v, TolUnique %v, TolUniqueSlow %v, PlaceScale %v)", c.TolQ, c.FixedQ, c.SlowQ, c.RefineQ, c.TolUnique, c.TolUniqueSlow, c.PlaceScale)
	}
	for _, q := range c.Ladder {
		if !(q > 0) || math.IsInf(q, 0) {
			return fmt.Errorf("analysis: fixed points: ladder thresholds must be finite and > 0, got %v", q)
		}
	}
	return nil
}

// SampleInitialStates draws n initial states uniformly with replacement from
// the rows of states (the B·T flattened trajectory states), pairs each with
// the input row of the same index (a latent at time t is the state after
// consuming the input at t), and adds N(0, noiseScale²) noise to the states.
// inputs has as many rows as states, or one row used for every state, or is
// nil for an autonomous map. It
// returns the states (n×Dim), the inputs (n×InputDim) and the drawn indices.
func SampleInitialStates(rng *rand.Rand, states, inputs mat.Matrix, n int, noiseScale float64) (x0, u0 *mat.Dense, idx []int, err error) {
	rs, _ := states.Dims()
	if rs < 1 {
		return nil, nil, nil, fmt.Errorf("analysis: sample initial states: no states")
	}
	if n < 1 {
		return nil, nil, nil, fmt.Errorf("analysis: sample initial states: n_inits must be >= 1, got %d", n)
	}
	if noiseScale < 0 {
		return nil, nil, nil, fmt.Errorf("analysis: sample initial states: noise_scale must be >= 0, got %v", noiseScale)
	}
	idx = make([]int, n)
	for i := range idx {
		idx[i] = rng.IntN(rs)
	}
	x0, u0, err = GatherInitialStates(states, inputs, idx)
	if err != nil {
		return nil, nil, nil, err
	}
	if noiseScale > 0 {
		r, c := x0.Dims()
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				x0.Set(i, j, x0.At(i, j)+noiseScale*rng.NormFloat64())
			}
		}
	}
	return x0, u0, idx, nil
}

// GatherInitialStates returns the rows idx of states and the matching rows of
// inputs (or the single input row, repeated). inputs may be nil for an
// autonomous map (no inputs); u0 is then nil.
func GatherInitialStates(states, inputs mat.Matrix, idx []int) (x0, u0 *mat.Dense, err error) {
	rs, h := states.Dims()
	ri, in := 1, 0
	if inputs != nil {
		ri, in = inputs.Dims()
	}
	if ri != rs && ri != 1 {
		return nil, nil, fmt.Errorf("analysis: initial states: inputs have %d rows, want %d (one per state) or 1", ri, rs)
	}
	if len(idx) == 0 {
		return nil, nil, fmt.Errorf("analysis: initial states: no indices")
	}
	x0 = mat.NewDense(len(idx), h, nil)
	if in > 0 {
		u0 = mat.NewDense(len(idx), in, nil)
	}
	for i, k := range idx {
		if k < 0 || k >= rs {
			return nil, nil, fmt.Errorf("analysis: initial states: index %d out of range [0, %d)", k, rs)
		}
		for j := 0; j < h; j++ {
			x0.Set(i, j, states.At(k, j))
		}
		ku := k
		if ri == 1 {
			ku = 0
		}
		for j := 0; j < in; j++ {
			u0.Set(i, j, inputs.At(ku, j))
		}
	}
	return x0, u0, nil
}

// FindFixedPoints searches for fixed points of m starting from the rows of
// x0 (n×Dim) with inputs u (n×InputDim, or 1×InputDim for a constant input,
// or nil when InputDim is 0),
// minimising q(x) = ½‖F(x, u) − x‖² with Adam on the mean q over rows. See
// FixedPointMode for what each mode does. It stops early with ctx's error if
// ctx is cancelled.
func FindFixedPoints(ctx context.Context, m Map, x0, u mat.Matrix, s *FixedPointSettings) (*FixedPointResult, error) {
	cfg := s.withDefaults(m)
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	h, in := m.Dim(), m.InputDim()
	pm := cfg.precise(m)
	if pm.Dim() != h || pm.InputDim() != in {
		return nil, fmt.Errorf("analysis: fixed points: the precise map is %d×%d, the map %d×%d (state×input)", pm.Dim(), pm.InputDim(), h, in)
	}
	n, hx := x0.Dims()
	if hx != h {
		return nil, fmt.Errorf("analysis: fixed points: initial states have %d columns, map dimension is %d", hx, h)
	}
	if n < 1 {
		return nil, fmt.Errorf("analysis: fixed points: no initial states")
	}
	ru, iu := 1, 0
	if u != nil {
		ru, iu = u.Dims()
	}
	if iu != in || (ru != n && ru != 1) {
		return nil, fmt.Errorf("analysis: fixed points: inputs are %d×%d, want %d×%d or 1×%d", ru, iu, n, in, in)
	}
	x := make([]float64, n*h)
	uu := make([]float64, n*in)
	for i := 0; i < n; i++ {
		for j := 0; j < h; j++ {
			x[i*h+j] = x0.At(i, j)
		}
		ku := i
		if ru == 1 {
			ku = 0
		}
		for j := 0; j < in; j++ {
			uu[i*in+j] = u.At(ku, j)
		}
	}
	init := slices.Clone(x)

	res := &FixedPointResult{Dim: h, InputDim: in, Mode: cfg.Mode, Rows: make([]FixedPointRow, n)}
	opt, err := runAdam(ctx, m, x, uu, n, &cfg)
	if err != nil {
		return nil, err
	}
	res.Iters = opt.iters
	qAt := residualQ(pm, x, uu, n)
	for i := range res.Rows {
		res.Rows[i] = FixedPointRow{
			Init: init[i*h : (i+1)*h], U: uu[i*in : (i+1)*in], X: x[i*h : (i+1)*h],
			Q: opt.q[i], QAtX: qAt[i], DQ: opt.dq[i], Iters: opt.rowIters[i], Point: -1,
		}
	}
	if cfg.Mode == FixedPointReference {
		res.FixedPoints = make([]FixedPoint, n)
		for i, r := range res.Rows {
			res.FixedPoints[i] = FixedPoint{X: r.X, U: r.U, Q: r.Q, Rows: []int{i}}
			res.Rows[i].Point = i
		}
		if err := linearizeAll(ctx, pm, res.FixedPoints, &cfg); err != nil {
			return nil, err
		}
		report(&cfg, FixedPointProgress{Stage: "done", Iter: n, Total: n})
		return res, nil
	}

	// Refine mode: q at X replaces the one-step-stale q.
	for i := range res.Rows {
		res.Rows[i].Q = qAt[i]
	}
	if err := refineRows(ctx, pm, res.Rows, opt.refined, &cfg); err != nil {
		return nil, err
	}
	classifyRows(res, init, n, h, &cfg)
	if err := linearizeAll(ctx, pm, res.FixedPoints, &cfg); err != nil {
		return nil, err
	}
	if err := linearizeAll(ctx, pm, res.SlowPoints, &cfg); err != nil {
		return nil, err
	}
	if err := linearizeAll(ctx, pm, res.LoosePoints, &cfg); err != nil {
		return nil, err
	}
	res.Ladder = PlaceLadder(res, cfg.Ladder)
	report(&cfg, FixedPointProgress{Stage: "done", Iter: n, Total: n, Converged: len(res.FixedPoints)})
	return res, nil
}

func report(c *fpConfig, p FixedPointProgress) {
	if c.Progress != nil {
		c.Progress(p)
	}
}

func cancelled(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	default:
		return nil
	}
}

// residualGrad sets f = F(x) and g = J(x)ᵀ(F(x) − x) for n rows.
func residualGrad(m Map, f, g, x, u []float64, n int, d []float64) {
	if rm, ok := m.(ResidualVJPMap); ok {
		rm.EvalResidualVJP(f, g, x, n, u)
		return
	}
	m.Eval(f, x, n, u)
	for i := range d[:len(f)] {
		d[i] = f[i] - x[i]
	}
	m.VJP(g, x, d[:len(f)], n, u)
}

// residualQ returns q_i = ½‖F(x_i) − x_i‖² for n rows.
func residualQ(m Map, x, u []float64, n int) []float64 {
	h := m.Dim()
	f := make([]float64, n*h)
	m.Eval(f, x, n, u)
	q := make([]float64, n)
	for i := 0; i < n; i++ {
		s := 0.0
		for k := i * h; k < (i+1)*h; k++ {
			d := f[k] - x[k]
			s += d * d
		}
		q[i] = 0.5 * s
	}
	return q
}

type adamOutcome struct {
	q, dq    []float64
	rowIters []int
	iters    int
	// refined marks rows whose final x came from a converged Newton
	// refinement during the optimisation (q then holds its q).
	refined []bool
}

// adamState holds torch.optim.Adam's per-element moments and step counter.
type adamState struct {
	lr, beta1, beta2, eps float64
	step                  int
}

func newAdam(lr float64) *adamState {
	return &adamState{lr: lr, beta1: 0.9, beta2: 0.999, eps: 1e-8}
}

// update applies one torch 1.13 Adam step (single-tensor path, no weight
// decay, no amsgrad) to the parameters p with gradient g and moments m, v.
// Written in torch's operation order so float64 runs match it to rounding.
func (a *adamState) update(p, g, m, v []float64) {
	st := a.prepare()
	// The update is elementwise: large ones are split across goroutines
	// (1024 inits × 128 states is 131 072 elements), with identical results.
	parallelRows(len(g), 1, func(lo, hi int) { st.apply(p[lo:hi], g[lo:hi], m[lo:hi], v[lo:hi]) })
}

// adamStep is one Adam step's constants, computed once per step.
type adamStep struct {
	beta1, beta2, omb1, omb2, stepSize, bc2s, eps float64
}

// prepare returns the constants of the current step (a.step).
func (a *adamState) prepare() adamStep {
	// (1 − β) is computed at run time, like Python's 1 - 0.9 =
	// 0.09999999999999998 (Go would fold the constant expression exactly).
	omb1, omb2 := 1-a.beta1, 1-a.beta2
	bc1 := 1 - math.Pow(a.beta1, float64(a.step))
	bc2 := 1 - math.Pow(a.beta2, float64(a.step))
	return adamStep{beta1: a.beta1, beta2: a.beta2, omb1: omb1, omb2: omb2, stepSize: a.lr / bc1, bc2s: math.Sqrt(bc2), eps: a.eps}
}

// apply updates p, m and v in place with gradient g, in torch's operation order.
func (st adamStep) apply(p, g, m, v []float64) {
	for e := st.applyVector(p, g, m, v); e < len(g); e++ {
		ge := g[e]
		m[e] = m[e]*st.beta1 + st.omb1*ge
		v[e] = v[e]*st.beta2 + st.omb2*ge*ge
		denom := math.Sqrt(v[e])/st.bc2s + st.eps
		p[e] += -st.stepSize * (m[e] / denom)
	}
}

// parallelRows runs f over [0, n) in contiguous chunks on up to GOMAXPROCS
// goroutines when there are at least adamParallelMin elements (n rows of
// width each) per goroutine; every element is computed exactly as it would be
// serially.
func parallelRows(n, width int, f func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), n*width/adamParallelMin)
	if workers <= 1 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	for k := 1; k < workers; k++ {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			f(lo, hi)
		}(k*n/workers, (k+1)*n/workers)
	}
	f(0, n/workers)
	wg.Wait()
}

// adamParallelMin is the number of elements per goroutine below which the
// Adam update stays on one goroutine.
const adamParallelMin = 32768

// runAdam minimises the mean over the n rows of q with Adam, in place on x.
// Reference mode runs all rows for MaxIters steps; refine mode removes a row
// from the optimisation once its q < TolQ or an early Newton refinement
// converged (the loss keeps its 1/n scale, so the other rows' updates are
// unchanged by the removal).
func runAdam(ctx context.Context, m Map, x, u []float64, n int, c *fpConfig) (adamOutcome, error) {
	h, in := m.Dim(), m.InputDim()
	out := adamOutcome{q: make([]float64, n), dq: make([]float64, n), rowIters: make([]int, n), refined: make([]bool, n)}
	lastTry := make([]float64, n) // q at the last failed Newton attempt
	for i := range lastTry {
		lastTry[i] = math.Inf(1)
	}
	for i := range out.q {
		out.q[i], out.dq[i] = math.NaN(), math.NaN()
	}
	refine := c.Mode == FixedPointRefine
	tryNewton := refine && c.NewtonEvery > 0 && c.NewtonIters > 0
	active := make([]int, n)
	for i := range active {
		active[i] = i
	}
	// Packed copies of the active rows.
	xa, ua := slices.Clone(x), slices.Clone(u)
	mom, vel := make([]float64, n*h), make([]float64, n*h)
	f, g, d := make([]float64, n*h), make([]float64, n*h), make([]float64, n*h)
	qPrev, qa := make([]float64, n), make([]float64, n)
	for i := range qPrev {
		qPrev[i] = math.NaN()
	}
	adam := newAdam(c.LearningRate)
	scale := 1 / float64(n) // d(mean q)/dq_i, rounded as torch does
	converged := 0
	for it := 0; it < c.MaxIters && len(active) > 0; it++ {
		if err := cancelled(ctx); err != nil {
			return out, err
		}
		na := len(active)
		// Per row (rows are independent): q = ½‖F − x‖² and the gradient of the
		// mean q, scale·(Jᵀr − r) with r = F − x, in place in g. Reference mode
		// keeps every row, so the Adam step is fused into the same pass while the
		// row is in cache; a RowwiseResidualMap runs the pass on its own workers.
		fuseAdam := !refine
		if fuseAdam {
			adam.step++
		}
		step := adam.prepare()
		rowPass := func(lo, hi int) {
			for a := lo; a < hi; a++ {
				s := 0.0
				for k := a * h; k < (a+1)*h; k++ {
					r := f[k] - xa[k]
					s += r * r
					g[k] = scale*g[k] - scale*r
				}
				qa[a] = 0.5 * s
				if fuseAdam {
					step.apply(xa[a*h:(a+1)*h], g[a*h:(a+1)*h], mom[a*h:(a+1)*h], vel[a*h:(a+1)*h])
				}
			}
		}
		if rm, ok := m.(RowwiseResidualMap); ok {
			rm.EvalResidualVJPRows(f[:na*h], g[:na*h], xa[:na*h], na, ua[:na*in], rowPass)
		} else {
			residualGrad(m, f[:na*h], g[:na*h], xa[:na*h], ua[:na*in], na, d)
			parallelRows(na, h, rowPass)
		}
		sumQ := 0.0
		keep := 0
		for a, row := range active {
			q := qa[a]
			sumQ += q
			out.dq[row] = math.Abs(q - qPrev[row])
			qPrev[row], out.q[row] = q, q
			out.rowIters[row] = it
			if refine && q < c.TolQ {
				// Frozen: q is exact at this x. Write the row back.
				copy(x[row*h:(row+1)*h], xa[a*h:(a+1)*h])
				converged++
				continue
			}
			if tryNewton && it > 0 && it%c.NewtonEvery == 0 && q < c.NewtonQ && q < lastTry[row]/100 {
				xr, qr, ok := c.refineRow(m, xa[a*h:(a+1)*h], ua[a*in:(a+1)*in])
				if ok {
					copy(x[row*h:(row+1)*h], xr)
					out.q[row], out.refined[row] = qr, true
					converged++
					continue
				}
				lastTry[row] = q
			}
			if keep != a {
				copy(xa[keep*h:(keep+1)*h], xa[a*h:(a+1)*h])
				copy(ua[keep*in:(keep+1)*in], ua[a*in:(a+1)*in])
				copy(mom[keep*h:(keep+1)*h], mom[a*h:(a+1)*h])
				copy(vel[keep*h:(keep+1)*h], vel[a*h:(a+1)*h])
				copy(g[keep*h:(keep+1)*h], g[a*h:(a+1)*h])
			}
			active[keep] = row
			keep++
		}
		active = active[:keep]
		if !refine {
			converged = 0
			for _, q := range out.q {
				if q < c.TolQ {
					converged++
				}
			}
		}
		if len(active) > 0 {
			if !fuseAdam {
				adam.step++
				adam.update(xa[:keep*h], g[:keep*h], mom[:keep*h], vel[:keep*h])
			}
			for _, row := range active {
				out.rowIters[row] = it + 1
			}
		}
		out.iters = it + 1
		if (it+1)%c.ProgressEvery == 0 {
			report(c, FixedPointProgress{Stage: "adam", Iter: it + 1, Total: c.MaxIters,
				Converged: converged, Active: len(active), MeanQ: sumQ / float64(na)})
		}
	}
	for a, row := range active {
		copy(x[row*h:(row+1)*h], xa[a*h:(a+1)*h])
	}
	return out, nil
}

// newtonLocal refines x by Newton's method and accepts the result if it is a
// fixed point (q < fixedQ) reached locally: the total displacement is at
// most twice the first Newton step (the linearisation's estimate of the
// distance to the fixed point), so a row is not moved to some distant fixed
// point that an undamped Newton iteration happened to jump to.
func newtonLocal(m Map, x, u []float64, iters int, fixedQ float64) ([]float64, float64, bool) {
	xr, q, first := newtonRefine(m, x, u, iters)
	if !(q < fixedQ) {
		return nil, q, false
	}
	if dist(xr, x) > 2*first+1e-12*(1+maxAbsSlice(x)) {
		return nil, q, false
	}
	return xr, q, true
}

func maxAbsSlice(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		m = math.Max(m, math.Abs(x))
	}
	return m
}

// newtonRefine runs damped Newton steps x ← x − α(J − I)⁻¹(F − x), halving α
// until q decreases, for at most iters steps. It returns the refined state,
// its q and the length of the first full Newton step; x is not modified.
func newtonRefine(m Map, x, u []float64, iters int) ([]float64, float64, float64) {
	h := m.Dim()
	cur := slices.Clone(x)
	f := make([]float64, h)
	m.Eval(f, cur, 1, u)
	r := make([]float64, h)
	q := 0.0
	for k := range r {
		r[k] = f[k] - cur[k]
		q += r[k] * r[k]
	}
	q *= 0.5
	jac := make([]float64, h*h)
	trial := make([]float64, h)
	first := 0.0
	for it := 0; it < iters && q > 0; it++ {
		m.Jacobian(jac, cur, u)
		for k := 0; k < h; k++ {
			jac[k*h+k]--
		}
		a := mat.NewDense(h, h, jac)
		b := mat.NewVecDense(h, r)
		var delta mat.VecDense
		if err := delta.SolveVec(a, b); err != nil {
			// Singular or ill-conditioned J − I (e.g. a line attractor):
			// the minimum-norm least-squares step.
			w, _, err := lstsq(a, b, 1e-12)
			if err != nil {
				break
			}
			delta.CloneFromVec(w.ColView(0))
		}
		if it == 0 {
			first = mat.Norm(&delta, 2)
		}
		alpha := 1.0
		improved := false
		for ls := 0; ls < 40; ls++ {
			for k := 0; k < h; k++ {
				trial[k] = cur[k] - alpha*delta.AtVec(k)
			}
			m.Eval(f, trial, 1, u)
			qt := 0.0
			for k := range f {
				d := f[k] - trial[k]
				qt += d * d
			}
			qt *= 0.5
			if qt < q {
				copy(cur, trial)
				for k := range r {
					r[k] = f[k] - cur[k]
				}
				q = qt
				improved = true
				break
			}
			alpha /= 2
		}
		if !improved {
			break
		}
	}
	return cur, q, first
}

// refineRows Newton-refines every row with q < RefineQ that was not refined
// during the optimisation; a refinement is kept if it converges locally
// (newtonLocal).
func refineRows(ctx context.Context, m Map, rows []FixedPointRow, refined []bool, c *fpConfig) error {
	if c.NewtonIters < 0 {
		return nil
	}
	todo := 0
	for i, r := range rows {
		if r.Q < c.RefineQ && !refined[i] {
			todo++
		}
	}
	done := 0
	for i := range rows {
		r := &rows[i]
		if !(r.Q < c.RefineQ) || refined[i] {
			continue
		}
		if err := cancelled(ctx); err != nil {
			return err
		}
		if xr, q, ok := c.refineRow(m, r.X, r.U); ok {
			copy(r.X, xr)
			r.Q, r.QAtX = q, q
		}
		done++
		if done%c.ProgressEvery == 0 {
			report(c, FixedPointProgress{Stage: "newton", Iter: done, Total: todo})
		}
	}
	return nil
}

// UniqueFixedPoints is the fixed-point finder's FixedPoints.get_unique: walk
// the points in order; each unvisited point gathers the unvisited points
// within tol (2-norm, over [x, u] when withInputs) and the one with the
// smallest Q is kept (the first on ties). Output order is the walk's order.
func UniqueFixedPoints(pts []FixedPoint, tol float64, withInputs bool) []FixedPoint {
	var out []FixedPoint
	visited := make([]bool, len(pts))
	for i := range pts {
		if visited[i] {
			continue
		}
		best := -1
		var rowsAll []int
		for j := i; j < len(pts); j++ {
			if visited[j] {
				continue
			}
			var d float64
			if withInputs {
				d = distXU(pts[i].X, pts[i].U, pts[j].X, pts[j].U)
			} else {
				d = dist(pts[i].X, pts[j].X)
			}
			if d <= tol {
				visited[j] = true
				rowsAll = append(rowsAll, pts[j].Rows...)
				if best < 0 || pts[j].Q < pts[best].Q {
					best = j
				}
			}
		}
		p := pts[best]
		p.Rows = rowsAll
		out = append(out, p)
	}
	return out
}

func dist(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		d := a[i] - b[i]
		s += d * d
	}
	return math.Sqrt(s)
}

func distXU(x1, u1, x2, u2 []float64) float64 {
	s := 0.0
	for i := range x1 {
		d := x1[i] - x2[i]
		s += d * d
	}
	for i := range u1 {
		d := u1[i] - u2[i]
		s += d * d
	}
	return math.Sqrt(s)
}

// linearizeAll fills the Jacobian, eigenvalues and stability of every point.
func linearizeAll(ctx context.Context, m Map, pts []FixedPoint, c *fpConfig) error {
	if c.NoJacobians {
		return nil
	}
	for i := range pts {
		if err := cancelled(ctx); err != nil {
			return err
		}
		Linearize(m, &pts[i])
		if (i+1)%c.ProgressEvery == 0 {
			report(c, FixedPointProgress{Stage: "jacobians", Iter: i + 1, Total: len(pts)})
		}
	}
	return nil
}

// Linearize sets p's Jacobian, eigenvalues (sorted by |λ| descending, then
// imaginary part descending) and their stability summary at p.X, p.U (see
// SetStability). A non-finite Jacobian gives NaN eigenvalues and an
// unstable point of unknown type.
func Linearize(m Map, p *FixedPoint) {
	h := m.Dim()
	p.Jacobian = make([]float64, h*h)
	m.Jacobian(p.Jacobian, p.X, p.U)
	p.Eigenvalues = SortedEigenvalues(mat.NewDense(h, h, p.Jacobian))
	p.SetStability()
}

// SlowModeTol is how close |λ| must be to 1 for a slow mode.
const SlowModeTol = 1e-3

// SetStability sets MaxAbsEig, Stable (|λ|max < 1), NUnstable (#|λ| ≥ 1),
// Rotational (complex leading eigenvalue) and SlowModes from p.Eigenvalues
// (sorted by |λ| descending). NaN eigenvalues give a NaN MaxAbsEig.
func (p *FixedPoint) SetStability() {
	p.MaxAbsEig, p.NUnstable, p.SlowModes, p.Rotational = 0, 0, 0, false
	for _, l := range p.Eigenvalues {
		a := cmplx.Abs(l)
		if math.IsNaN(a) {
			p.MaxAbsEig, p.NUnstable, p.SlowModes = math.NaN(), 0, 0
			break
		}
		p.MaxAbsEig = math.Max(p.MaxAbsEig, a)
		if a >= 1 {
			p.NUnstable++
		}
		if math.Abs(a-1) <= SlowModeTol {
			p.SlowModes++
		}
	}
	if len(p.Eigenvalues) > 0 && !math.IsNaN(p.MaxAbsEig) {
		l := p.Eigenvalues[0]
		// LAPACK returns real eigenvalues with a zero imaginary part and
		// complex ones in conjugate pairs; the tolerance only guards rounding.
		p.Rotational = math.Abs(imag(l)) > 1e-12*math.Max(cmplx.Abs(l), 1e-300)
	}
	p.Stable = p.MaxAbsEig < 1
}

// StabilityKind is the type of a fixed point from its eigenvalues.
type StabilityKind int

const (
	// KindUnknown: no (finite) eigenvalues.
	KindUnknown StabilityKind = iota
	// KindStable: every |λ| < 1.
	KindStable
	// KindSaddle: some but not all |λ| ≥ 1 (NUnstable unstable directions).
	KindSaddle
	// KindUnstable: every |λ| ≥ 1 (a repeller).
	KindUnstable
)

func (k StabilityKind) String() string {
	return [...]string{"unknown", "stable", "saddle", "unstable"}[k]
}

// Kind is the point's stability type.
func (p *FixedPoint) Kind() StabilityKind {
	switch {
	case len(p.Eigenvalues) == 0 || math.IsNaN(p.MaxAbsEig):
		return KindUnknown
	case p.NUnstable == 0:
		return KindStable
	case p.NUnstable == len(p.Eigenvalues):
		return KindUnstable
	}
	return KindSaddle
}

// TypeName names the point's type: "stable", "saddle-k" (k unstable
// directions), "unstable" or "unknown".
func (p *FixedPoint) TypeName() string {
	if k := p.Kind(); k != KindSaddle {
		return k.String()
	}
	return fmt.Sprintf("saddle-%d", p.NUnstable)
}

// SortedEigenvalues returns the eigenvalues of the square matrix a sorted by
// |λ| descending, then imaginary part descending. Non-finite input or a
// failed decomposition gives NaNs.
func SortedEigenvalues(a mat.Matrix) []complex128 {
	r, c := a.Dims()
	if r != c {
		panic(fmt.Sprintf("analysis: eigenvalues of a %d×%d matrix", r, c))
	}
	vals := make([]complex128, r)
	finite := true
	for i := 0; i < r && finite; i++ {
		for j := 0; j < c; j++ {
			if v := a.At(i, j); math.IsNaN(v) || math.IsInf(v, 0) {
				finite = false
				break
			}
		}
	}
	var e mat.Eigen
	if !finite || !e.Factorize(a, mat.EigenNone) {
		for i := range vals {
			vals[i] = cmplx.NaN()
		}
		return vals
	}
	e.Values(vals)
	slices.SortStableFunc(vals, func(x, y complex128) int {
		if c := cmp.Compare(cmplx.Abs(y), cmplx.Abs(x)); c != 0 {
			return c
		}
		return cmp.Compare(imag(y), imag(x))
	})
	return vals
}
