package study

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ctdtui/ctdtui/analysis"
	"github.com/ctdtui/ctdtui/nets"
	"gonum.org/v1/gonum/mat"
)

// Fixed-point search modes.
const (
	// ModeRefine (the default) stops rows on tolerance, refines them by
	// Newton's method, separates fixed from slow points, drops outliers and
	// merges duplicates (analysis.FixedPointRefine).
	ModeRefine = "refine"
	// ModeReference runs CTD's finder: exactly Iters Adam steps, every row
	// returned; the report then shows the rows with q < QThresh (as CTD's
	// plot_fps does) and their distinct points.
	ModeReference = "reference"
)

// FixedPointOptions configures a fixed-point search. Zero fields mean the
// defaults, which are the reference's compute_FPs settings.
type FixedPointOptions struct {
	// Phase whose latent trajectories the initial states are drawn from
	// (default "all").
	Phase string `json:"phase"`
	// Inputs is the input held fixed (the model's input size); nil means
	// zeros.
	Inputs []float64 `json:"inputs"`
	// Inits is the number of initial states (default 1024).
	Inits int `json:"inits"`
	// Iters bounds the Adam iterations (default 10000).
	Iters int `json:"iters"`
	// LR is Adam's learning rate (default 1e-3).
	LR float64 `json:"lr"`
	// Noise is the std of the Gaussian noise added to the initial states
	// (default 0).
	Noise float64 `json:"noise"`
	// Seed seeds the choice of initial states and their noise.
	Seed uint64 `json:"seed"`
	// QThresh: points with q below it count (reference mode; default 1e-5,
	// plot_fps's q_thresh). In refine mode it is the slow-point bound.
	QThresh float64 `json:"q_thresh"`
	// Mode is "refine" (default) or "reference".
	Mode string `json:"mode"`
	// ClosedLoop searches the fixed points of the network and its plant in
	// closed loop (Session.ClosedLoopFixedPoints); Inputs then holds the
	// context inputs only. NoOpenLoop skips the network-only search it adds.
	ClosedLoop bool `json:"closed_loop"`
	NoOpenLoop bool `json:"no_open_loop"`
}

// Normalize fills the defaults and checks the settings against a model with
// the given input size; labels name the inputs in the error message.
func (o FixedPointOptions) Normalize(inputDim int, labels []string) (FixedPointOptions, error) {
	if o.Phase == "" {
		o.Phase = "all"
	}
	p, err := normPhase(o.Phase)
	if err != nil {
		return o, err
	}
	o.Phase = p
	if o.Mode == "" {
		o.Mode = ModeRefine
	}
	if o.Mode != ModeRefine && o.Mode != ModeReference {
		return o, fmt.Errorf("--mode %q is not one of refine, reference", o.Mode)
	}
	if o.Inputs == nil {
		o.Inputs = make([]float64, inputDim)
	}
	if len(o.Inputs) != inputDim {
		return o, fmt.Errorf("--inputs has %d values but the model takes %d inputs (%s)", len(o.Inputs), inputDim, strings.Join(labels, ", "))
	}
	for i, v := range o.Inputs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return o, fmt.Errorf("--inputs value %d (%s) is %v", i+1, labelAt(labels, i), v)
		}
	}
	switch {
	case o.Inits < 0:
		return o, fmt.Errorf("--inits must be positive, got %d", o.Inits)
	case o.Iters < 0:
		return o, fmt.Errorf("--iters must be positive, got %d", o.Iters)
	case o.LR < 0 || math.IsNaN(o.LR):
		return o, fmt.Errorf("--lr must be positive, got %v", o.LR)
	case o.Noise < 0 || math.IsNaN(o.Noise):
		return o, fmt.Errorf("--noise must be >= 0, got %v", o.Noise)
	case o.QThresh < 0 || math.IsNaN(o.QThresh):
		return o, fmt.Errorf("--qthresh must be positive, got %v", o.QThresh)
	}
	if o.Inits == 0 {
		o.Inits = 1024
	}
	if o.Iters == 0 {
		o.Iters = 10000
	}
	if o.LR == 0 {
		o.LR = 1e-3
	}
	if o.QThresh == 0 {
		o.QThresh = 1e-5
	}
	return o, nil
}

func labelAt(labels []string, i int) string {
	if i < len(labels) {
		return labels[i]
	}
	return "input " + strconv.Itoa(i+1)
}

// ParseInputs parses a comma-separated list of numbers (the --inputs flag).
func ParseInputs(s string) ([]float64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	out := make([]float64, len(parts))
	for i, p := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("--inputs value %d %.40q is not a finite number", i+1, strings.TrimSpace(p))
		}
		out[i] = v
	}
	return out, nil
}

// FixedPoint is one distinct fixed (or slow) point.
type FixedPoint struct {
	X []float64 `json:"x"`
	// Q is ½‖F(x, u) − x‖² at X (float64).
	Q float64 `json:"q"`
	// MaxAbsEig is the largest |λ| of the Jacobian ∂F/∂x; Stable is
	// MaxAbsEig < 1 (discrete-time criterion); Unstable counts |λ| ≥ 1 (the
	// unstable directions).
	MaxAbsEig float64 `json:"max_abs_eig"`
	Stable    bool    `json:"stable"`
	Unstable  int     `json:"n_unstable"`
	// Type is "stable", "saddle-k" (k unstable directions), "unstable"
	// (every direction) or "unknown"; Rotational marks a complex leading
	// eigenvalue and SlowModes counts |λ| within 1e-3 of 1.
	Type       string `json:"type"`
	Rotational bool   `json:"rotational"`
	SlowModes  int    `json:"slow_modes"`
	// Eigenvalues are [re, im] pairs sorted by |λ| descending.
	Eigenvalues [][2]float64 `json:"eigenvalues"`
	// Inits counts the initial states that ended at this point.
	Inits int `json:"inits"`
	// PC is the point projected on the first three PCs of the phase's latents.
	PC []float64 `json:"pc"`
	// Output is the model's readout at the point (with the held input): what
	// the network reports while it sits there.
	Output []float64 `json:"output"`
}

// FixedPointReport is `ctdtui fixedpoints`.
type FixedPointReport struct {
	Run     RunInfo           `json:"run"`
	Options FixedPointOptions `json:"options"`
	// Iters is the number of Adam iterations run (refine mode stops early
	// once every row has converged).
	Iters   int     `json:"iters"`
	Seconds float64 `json:"seconds"`
	// Counts. Fixed = Stable + Unstable distinct fixed points; Slow distinct
	// slow points (q < QThresh but not a fixed point); Unconverged and
	// Outliers count initial states. In reference mode, BelowQThresh counts
	// the rows with q < QThresh and Fixed their distinct points.
	Fixed        int `json:"fixed"`
	Stable       int `json:"stable"`
	Unstable     int `json:"unstable"`
	Slow         int `json:"slow"`
	Unconverged  int `json:"unconverged"`
	Outliers     int `json:"outliers"`
	BelowQThresh int `json:"below_q_thresh"`
	// FixedTypes and SlowTypes split the fixed and the slow points by
	// stability type.
	FixedTypes analysis.TypeCounts `json:"fixed_types"`
	SlowTypes  analysis.TypeCounts `json:"slow_types"`
	// Ladder is the architecture under each q threshold 1e-1 … 1e-14, from
	// this one search: distinct places with q below the threshold, split by
	// type (see analysis.PlaceLadder; in reference mode CTD's merge of the
	// rows below each threshold, analysis.ReferenceLadder).
	Ladder []analysis.LadderRung `json:"ladder"`
	// PlaceRadius: rows that are not fixed points and lie this close to a
	// fixed point, or to each other (transitively), are one place (refine
	// mode; half the smallest distance between two fixed points).
	PlaceRadius float64 `json:"place_radius"`
	// Points are the distinct fixed points (stable first, then by the
	// number of unstable directions, then by q);
	// SlowPoints the distinct slow points; LoosePoints the places whose best
	// q is at or above QThresh but below 1e-1 (the ladder's loose rungs).
	Points      []FixedPoint `json:"points"`
	SlowPoints  []FixedPoint `json:"slow_points"`
	LoosePoints []FixedPoint `json:"loose_points"`
	// RowQ is q at each initial state's final point (the q* histogram).
	RowQ []float64 `json:"row_q"`
	// Result is the finder's full outcome (not in the JSON).
	Result *analysis.FixedPointResult `json:"-"`
}

// CachedFixedPoints returns a finished search with these options, if any.
func (s *Session) CachedFixedPoints(o FixedPointOptions) (*FixedPointReport, bool) {
	o, err := o.Normalize(s.Run.Model.Config().Inputs, ModelInputLabels(s.Run.Task))
	if err != nil {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.fps[o.key()]
	return r, ok
}

func (o FixedPointOptions) key() string {
	b, _ := json.Marshal(o)
	return string(b)
}

// FixedPoints searches for the model's fixed points with the inputs held
// fixed, from initial states drawn from the phase's latent trajectories.
// Adam runs on the float32 model; Newton refinement, q, Jacobians and
// eigenvalues use a float64 copy. Cached per options; cancelling ctx stops
// the search and caches nothing.
func (s *Session) FixedPoints(ctx context.Context, o FixedPointOptions, progress ProgressFunc) (*FixedPointReport, error) {
	if o.ClosedLoop {
		return nil, fmt.Errorf("study: FixedPoints with ClosedLoop set: use ClosedLoopFixedPoints")
	}
	labels := ModelInputLabels(s.Run.Task)
	o, err := o.Normalize(s.Run.Model.Config().Inputs, labels)
	if err != nil {
		return nil, err
	}
	if r, ok := s.CachedFixedPoints(o); ok {
		return r, nil
	}
	start := time.Now()
	progress.report(Progress{Stage: "inference", Total: 1})
	states, err := s.Latents(ctx, o.Phase)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0xf1))
	x0, _, _, err := analysis.SampleInitialStates(rng, states, nil, o.Inits, o.Noise)
	if err != nil {
		return nil, err
	}
	fast := nets.NewFixedPointMap(s.Run.Model)
	precise := s.precise()
	u := mat.NewDense(1, max(len(o.Inputs), 1), append(slices.Clone(o.Inputs), 0)[:max(len(o.Inputs), 1)])
	var uIn mat.Matrix = u
	if len(o.Inputs) == 0 {
		uIn = nil
	}
	set := &analysis.FixedPointSettings{
		LearningRate: o.LR, MaxIters: o.Iters, SlowQ: o.QThresh, Precise: precise,
		ProgressEvery: 100,
		Progress: func(p analysis.FixedPointProgress) {
			progress.report(Progress{Stage: p.Stage, Done: p.Iter, Total: p.Total, Converged: p.Converged, Active: p.Active, MeanQ: p.MeanQ})
		},
	}
	if o.Mode == ModeReference {
		// Jacobians only for the rows shown (q < QThresh), below.
		set.Mode, set.NoJacobians = analysis.FixedPointReference, true
	}
	res, err := analysis.FindFixedPoints(ctx, fast, x0, uIn, set)
	if err != nil {
		return nil, err
	}
	r := &FixedPointReport{Run: s.Info(), Options: o, Iters: res.Iters, Result: res, RowQ: make([]float64, len(res.Rows))}
	for i, row := range res.Rows {
		r.RowQ[i] = row.Q
	}
	var pts, slow []analysis.FixedPoint
	if o.Mode == ModeReference {
		var below []analysis.FixedPoint
		for _, fp := range res.FixedPoints {
			if fp.Q < o.QThresh {
				below = append(below, fp)
			}
		}
		r.BelowQThresh = len(below)
		// The fixed-point finder's tol_unique.
		pts = analysis.UniqueFixedPoints(below, 1e-3, true)
		r.Ladder = analysis.ReferenceLadder(res, precise, analysis.DefaultLadder(), 1e-3)
		for i := range pts {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			analysis.Linearize(precise, &pts[i])
			progress.report(Progress{Stage: "jacobians", Done: i + 1, Total: len(pts)})
		}
	} else {
		pts, slow = res.FixedPoints, res.SlowPoints
		r.Unconverged, r.Outliers = res.NUnconverged, res.NOutliers
		r.Ladder, r.PlaceRadius = res.Ladder, res.PlaceRadius
		if r.LoosePoints, err = s.reportPoints(ctx, o.Phase, o.Inputs, res.LoosePoints); err != nil {
			return nil, err
		}
		for _, row := range res.Rows {
			if row.Class == analysis.RowFixed || row.Class == analysis.RowSlow {
				r.BelowQThresh++
			}
		}
	}
	if r.Points, err = s.reportPoints(ctx, o.Phase, o.Inputs, pts); err != nil {
		return nil, err
	}
	if r.SlowPoints, err = s.reportPoints(ctx, o.Phase, o.Inputs, slow); err != nil {
		return nil, err
	}
	r.Fixed, r.Slow = len(r.Points), len(r.SlowPoints)
	for _, p := range r.Points {
		if p.Stable {
			r.Stable++
		} else {
			r.Unstable++
		}
	}
	for i := range pts {
		r.FixedTypes.Add(&pts[i])
	}
	for i := range slow {
		r.SlowTypes.Add(&slow[i])
	}
	r.Seconds = time.Since(start).Seconds()
	s.mu.Lock()
	s.fps[o.key()] = r
	s.mu.Unlock()
	return r, nil
}

// reportPoints converts finder points: stable ones first, then by the number
// of unstable directions, then by q.
func (s *Session) reportPoints(ctx context.Context, phase string, u []float64, pts []analysis.FixedPoint) ([]FixedPoint, error) {
	out := make([]FixedPoint, len(pts))
	xs := make([][]float64, len(pts))
	for i, p := range pts {
		xs[i] = p.X
	}
	pcs, err := s.ProjectPoints(ctx, phase, 3, xs)
	if err != nil {
		return nil, err
	}
	outs := s.readout(xs, u)
	for i, p := range pts {
		fp := FixedPoint{X: slices.Clone(p.X), Q: p.Q, MaxAbsEig: p.MaxAbsEig, Stable: p.Stable, Unstable: p.NUnstable,
			Type: p.TypeName(), Rotational: p.Rotational, SlowModes: p.SlowModes,
			Inits: len(p.Rows), PC: pcs[i], Output: outs[i]}
		for _, l := range p.Eigenvalues {
			fp.Eigenvalues = append(fp.Eigenvalues, [2]float64{real(l), imag(l)})
		}
		if p.Eigenvalues == nil {
			fp.MaxAbsEig = math.NaN()
		}
		out[i] = fp
	}
	slices.SortStableFunc(out, func(a, b FixedPoint) int {
		if a.Stable != b.Stable {
			if a.Stable {
				return -1
			}
			return 1
		}
		if a.Unstable != b.Unstable {
			return a.Unstable - b.Unstable
		}
		switch {
		case a.Q < b.Q:
			return -1
		case a.Q > b.Q:
			return 1
		}
		return 0
	})
	return out, nil
}

// readout returns the model's output after one noise-free step from each
// state with input u (at a fixed point: the readout of the point itself), in
// float64.
func (s *Session) readout(xs [][]float64, u []float64) [][]float64 {
	out := make([][]float64, len(xs))
	if len(xs) == 0 {
		return out
	}
	m := nets.Convert[float64](s.Run.Model)
	c := m.Config()
	n := len(xs)
	tape := m.NewTape(n, 1)
	x := make([]float64, 0, n*c.Latent)
	uu := make([]float64, 0, n*c.Inputs)
	for _, xi := range xs {
		x = append(x, xi...)
		uu = append(uu, u...)
	}
	y := make([]float64, n*c.Outputs)
	tape.ResetState(n, x)
	tape.Step(uu, y)
	for i := range out {
		out[i] = y[i*c.Outputs : (i+1)*c.Outputs]
	}
	return out
}
