package study

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/ctdtui/ctdtui/analysis"
	"github.com/ctdtui/ctdtui/nets"
	"github.com/ctdtui/ctdtui/sim"
	"gonum.org/v1/gonum/mat"
)

// Closed-loop fixed points (template Q9, spec §3.2). A model trained to
// drive a plant (the RandomTarget arm) is half of a dynamical system: the
// network-only search holds the observation fixed and so cuts the loop. Here
// the state is z = [h, s], the network's state and every plant variable the
// next step reads, the context inputs c (target, go cue) are held, and a
// fixed point is F(z) = z for one closed-loop step (nets.ClosedLoopMap). The
// search, Newton refinement, places and ladder are the network-only
// search's (analysis.FindFixedPoints); the Jacobian chains the training
// adjoints of the plant and the network.

// ClosedLoopPoint is one distinct closed-loop fixed (or slow) point.
type ClosedLoopPoint struct {
	Q float64 `json:"q"`
	// Stability of the closed-loop Jacobian (∂F/∂z over network and plant),
	// as in FixedPoint. For the arm the step has a kink at every rest state
	// (see sim.BranchNudger): these are the branch the step takes at the tie,
	// Other the other branch's.
	MaxAbsEig   float64      `json:"max_abs_eig"`
	Stable      bool         `json:"stable"`
	Unstable    int          `json:"n_unstable"`
	Type        string       `json:"type"`
	Rotational  bool         `json:"rotational"`
	SlowModes   int          `json:"slow_modes"`
	Eigenvalues [][2]float64 `json:"eigenvalues"`
	Branch      string       `json:"branch"`
	Other       *Stability   `json:"other_branch"`
	// OpenLoop is the stability of the same network state as a fixed point
	// of the network alone, with all its inputs held at [the observation of
	// the plant state, the context].
	OpenLoop Stability `json:"open_loop"`
	// Inits counts the initial states that ended in this place.
	Inits int `json:"inits"`
	// Latent is the network state, Plant the plant state (PlantLabels),
	// PC the network state on the phase's first 3 latent PCs.
	Latent []float64 `json:"latent"`
	Plant  []float64 `json:"plant"`
	PC     []float64 `json:"pc"`
	// Controlled is the plant's controlled output there (the hand position)
	// and TargetError its distance from the held target (NaN when the context
	// names none); Action is the network's command (the muscle excitations).
	Controlled  []float64 `json:"controlled"`
	TargetError float64   `json:"target_error"`
	Action      []float64 `json:"action"`
}

// Stability is a Jacobian's stability summary.
type Stability struct {
	Branch     string  `json:"branch,omitempty"`
	MaxAbsEig  float64 `json:"max_abs_eig"`
	Unstable   int     `json:"n_unstable"`
	Type       string  `json:"type"`
	Rotational bool    `json:"rotational"`
	SlowModes  int     `json:"slow_modes"`
}

func stabilityOf(p *analysis.FixedPoint, branch string) Stability {
	return Stability{Branch: branch, MaxAbsEig: p.MaxAbsEig, Unstable: p.NUnstable, Type: p.TypeName(), Rotational: p.Rotational, SlowModes: p.SlowModes}
}

// ClosedLoopReport is `ctdtui fixedpoints RUN --closed-loop`.
type ClosedLoopReport struct {
	Run     RunInfo           `json:"run"`
	Options FixedPointOptions `json:"options"`
	// ContextLabels name Options.Inputs, the context held; PlantLabels the
	// plant state; ControlledLabels the controlled output.
	ContextLabels    []string `json:"context_labels"`
	PlantLabels      []string `json:"plant_labels"`
	ControlledLabels []string `json:"controlled_labels"`
	// Target is the target position the context holds (nil when it names
	// none). Field and Level are the force field on the hand and the level
	// held (the context's FieldLevel, else the task's first level).
	Target  []float64 `json:"target"`
	Field   string    `json:"field"`
	Level   float64   `json:"level"`
	Dim     int       `json:"dim"`
	Iters   int       `json:"iters"`
	Seconds float64   `json:"seconds"`
	// Counts as in FixedPointReport.
	Fixed       int                   `json:"fixed"`
	Stable      int                   `json:"stable"`
	Unstable    int                   `json:"unstable"`
	Slow        int                   `json:"slow"`
	Unconverged int                   `json:"unconverged"`
	Outliers    int                   `json:"outliers"`
	FixedTypes  analysis.TypeCounts   `json:"fixed_types"`
	Ladder      []analysis.LadderRung `json:"ladder"`
	PlaceRadius float64               `json:"place_radius"`
	Points      []ClosedLoopPoint     `json:"points"`
	SlowPoints  []ClosedLoopPoint     `json:"slow_points"`
	RowQ        []float64             `json:"row_q"`
	// OpenLoop is the network-only search with every model input held at
	// [observation at the first fixed point, context] (nil when there is no
	// closed-loop fixed point or with NoOpenLoop).
	OpenLoop *FixedPointReport `json:"open_loop"`
	// Result is the finder's outcome (not in the JSON).
	Result *analysis.FixedPointResult `json:"-"`
}

// statePlant returns the task's plant as a StatePlant at the field level
// the context holds (its FieldLevel input) or, without one, the task's first
// level; or an error naming the task when it has no plant.
func statePlant(t sim.Task, context []float64) (sim.StatePlant, float64, error) {
	p := t.Plant()
	if p == nil {
		return nil, 0, fmt.Errorf("--closed-loop needs a closed-loop task (one with a plant, such as randomtarget); this run's task is %s", t.Kind())
	}
	level := 0.0
	if rt, ok := t.(*sim.RandomTarget); ok && len(rt.P.Levels) > 0 {
		level = rt.P.Levels[0]
	}
	if i := slices.Index(t.InputLabels(), "FieldLevel"); i >= 0 && i < len(context) {
		level = context[i]
	}
	switch sp := p.(type) {
	case sim.LevelStatePlanter:
		return sp.StatePlant(level), level, nil
	case sim.StatePlant:
		return sp, level, nil
	}
	return nil, 0, fmt.Errorf("--closed-loop: the %s task's plant cannot be stepped from a given state", t.Kind())
}

// CachedClosedLoop returns a finished closed-loop search with these options.
func (s *Session) CachedClosedLoop(o FixedPointOptions) (*ClosedLoopReport, bool) {
	o, err := o.normalizeClosedLoop(s.Run.Task.InputDim(), nil)
	if err != nil {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.cls[o.key()]
	return r, ok
}

func (o FixedPointOptions) normalizeClosedLoop(contextDim int, labels []string) (FixedPointOptions, error) {
	in := o.Inputs
	o.Inputs = nil
	n, err := o.Normalize(0, nil)
	if err != nil {
		return o, err
	}
	n.ClosedLoop = true
	n.Inputs = in
	if in != nil && len(in) != contextDim {
		return o, fmt.Errorf("--inputs has %d values but with --closed-loop it holds the %d context inputs (%s); the plant supplies the observation", len(in), contextDim, strings.Join(labels, ", "))
	}
	for i, v := range in {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return o, fmt.Errorf("--inputs value %d (%s) is %v", i+1, labelAt(labels, i), v)
		}
	}
	return n, nil
}

// ClosedLoopFixedPoints searches the fixed points of the model and its
// plant in closed loop with the context inputs o.Inputs held (default: the
// mean over the phase's trials of the context at their last step, among
// trials with a go cue if the task has one: a target shown, go cue on).
// Initial states are drawn from the phase's closed-loop trajectories,
// re-simulated noise-free without external loads. Adam runs on the float32
// model, Newton, q and Jacobians on a float64 copy.
func (s *Session) ClosedLoopFixedPoints(ctx context.Context, o FixedPointOptions, progress ProgressFunc) (*ClosedLoopReport, error) {
	task := s.Run.Task
	if _, _, err := statePlant(task, nil); err != nil {
		return nil, err
	}
	labels := task.InputLabels()
	o, err := o.normalizeClosedLoop(task.InputDim(), labels)
	if err != nil {
		return nil, err
	}
	if r, ok := s.CachedClosedLoop(o); ok {
		return r, nil
	}
	asked := o.key() // before the default context is filled in
	if o.Inputs == nil {
		if o.Inputs, err = s.defaultContext(o.Phase); err != nil {
			return nil, err
		}
		if r, ok := s.CachedClosedLoop(o); ok {
			return r, nil
		}
	}
	start := time.Now()
	plant, level, err := statePlant(task, o.Inputs)
	if err != nil {
		return nil, err
	}
	fast, err := nets.NewClosedLoopMap(s.Run.Model, plant)
	if err != nil {
		return nil, err
	}
	m64 := nets.Convert[float64](s.Run.Model)
	precise, err := nets.NewClosedLoopMap(m64, plant)
	if err != nil {
		return nil, err
	}
	trials, err := s.Run.Trials(o.Phase)
	if err != nil {
		return nil, err
	}
	progress.report(Progress{Stage: "inference", Total: 1})
	rng := rand.New(rand.NewPCG(o.Seed, 0xc1))
	z0, err := closedLoopInits(ctx, s.Run.Data, s.Run.Model, fast, trials, o.Inits, rng)
	if err != nil {
		return nil, err
	}
	if o.Noise > 0 {
		// Noise on the network part only: the plant's variables have units.
		r, _ := z0.Dims()
		for i := 0; i < r; i++ {
			for j := 0; j < fast.Latent(); j++ {
				z0.Set(i, j, z0.At(i, j)+o.Noise*rng.NormFloat64())
			}
		}
	}
	var u mat.Matrix
	if len(o.Inputs) > 0 {
		u = mat.NewDense(1, len(o.Inputs), slices.Clone(o.Inputs))
	}
	set := &analysis.FixedPointSettings{
		LearningRate: o.LR, MaxIters: o.Iters, SlowQ: o.QThresh, Precise: precise, ProgressEvery: 100,
		Progress: func(p analysis.FixedPointProgress) {
			progress.report(Progress{Stage: p.Stage, Done: p.Iter, Total: p.Total, Converged: p.Converged, Active: p.Active, MeanQ: p.MeanQ})
		},
	}
	res, err := analysis.FindFixedPoints(ctx, fast, z0, u, set)
	if err != nil {
		return nil, err
	}
	r := &ClosedLoopReport{Run: s.Info(), Options: o, ContextLabels: labels, PlantLabels: plant.StateLabels(),
		ControlledLabels: task.TargetLabels(), Target: contextTarget(labels, o.Inputs), Dim: fast.Dim(), Level: level,
		Iters: res.Iters, Unconverged: res.NUnconverged, Outliers: res.NOutliers, Ladder: res.Ladder,
		PlaceRadius: res.PlaceRadius, Result: res, RowQ: make([]float64, len(res.Rows))}
	for i, row := range res.Rows {
		r.RowQ[i] = row.Q
	}
	for i := range res.FixedPoints {
		r.FixedTypes.Add(&res.FixedPoints[i])
	}
	if r.Points, err = s.closedLoopPoints(ctx, o, precise, r.Target, res.FixedPoints); err != nil {
		return nil, err
	}
	if r.SlowPoints, err = s.closedLoopPoints(ctx, o, precise, r.Target, res.SlowPoints); err != nil {
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
	if len(r.Points) > 0 && !o.NoOpenLoop {
		oo := o
		oo.ClosedLoop, oo.NoOpenLoop = false, false
		obs := make([]float64, plant.ObsDim())
		plant.Observe(obs, r.Points[0].Plant)
		oo.Inputs = append(obs, o.Inputs...)
		if r.OpenLoop, err = s.FixedPoints(ctx, oo, progress); err != nil {
			return nil, err
		}
	}
	if ap, ok := plant.(*sim.ArmStatePlant); ok {
		r.Field = string(ap.Field.Kind)
	}
	r.Seconds = time.Since(start).Seconds()
	s.mu.Lock()
	s.cls[o.key()], s.cls[asked] = r, r
	s.mu.Unlock()
	return r, nil
}

// contextTarget returns the target position a context names (its TargetX
// and TargetY inputs), or nil.
func contextTarget(labels []string, c []float64) []float64 {
	ix, iy := slices.Index(labels, "TargetX"), slices.Index(labels, "TargetY")
	if ix < 0 || iy < 0 || ix >= len(c) || iy >= len(c) {
		return nil
	}
	return []float64{c[ix], c[iy]}
}

// defaultContext is the mean over the phase's trials of the context inputs
// at each trial's last step, over the trials with a go cue when the task
// names that event (the target shown and the go cue on).
func (s *Session) defaultContext(phase string) ([]float64, error) {
	trials, err := s.Run.Trials(phase)
	if err != nil {
		return nil, err
	}
	d, task := s.Run.Data, s.Run.Task
	C := task.InputDim()
	hasGo := slices.Contains(task.EventNames(), sim.EventGoCue)
	mean := make([]float64, C)
	n := 0
	for _, i := range trials {
		if hasGo && !slices.ContainsFunc(task.Events(d, i), func(e sim.Event) bool { return e.Name == sim.EventGoCue }) {
			continue
		}
		L := d.Len(i)
		if L == 0 {
			continue
		}
		in := d.TrueInputs(i)[(L-1)*C : L*C]
		for j, v := range in {
			mean[j] += float64(v)
		}
		n++
	}
	if n == 0 {
		return nil, fmt.Errorf("%s: no %s trial to take the default context from; give it with --inputs (%s)", s.Run.Run.Dir, phase, strings.Join(task.InputLabels(), ", "))
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	return mean, nil
}

// closedLoopInits draws n joint states uniformly from the steps of the given
// trials' closed-loop trajectories: each trial is re-simulated from its
// initial condition with the model's initial state, its own context inputs,
// no noise and no external loads, and the joint state after each drawn step
// is kept.
func closedLoopInits(ctx context.Context, d *sim.Dataset, model nets.Model[float32], m *nets.ClosedLoopMap[float32], trials []int, n int, rng *rand.Rand) (*mat.Dense, error) {
	if len(trials) == 0 {
		return nil, fmt.Errorf("no trials to draw initial states from")
	}
	offsets := make([]int, len(trials)+1)
	for k, i := range trials {
		offsets[k+1] = offsets[k] + d.Len(i)
	}
	total := offsets[len(trials)]
	if total == 0 {
		return nil, fmt.Errorf("the trials have no steps")
	}
	type draw struct{ row, trial, step int }
	var draws []draw
	for r := 0; r < n; r++ {
		at := rng.IntN(total)
		k, _ := slices.BinarySearch(offsets, at+1)
		k--
		draws = append(draws, draw{row: r, trial: k, step: at - offsets[k]})
	}
	// Simulate only the trials drawn, up to their last drawn step.
	need := map[int]int{}
	for _, dr := range draws {
		need[dr.trial] = max(need[dr.trial], dr.step+1)
	}
	ks := make([]int, 0, len(need))
	for k := range need {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	pos := map[int]int{}
	for b, k := range ks {
		pos[k] = b
	}
	B, D, H, C := len(ks), m.Dim(), m.Latent(), m.InputDim()
	z := make([]float64, B*D)
	tape := model.NewTape(B, 1)
	tape.Reset(B, nil)
	h0 := tape.Initial()
	plant := m.Plant()
	for b, k := range ks {
		for j := 0; j < H; j++ {
			z[b*D+j] = float64(h0[b*H+j])
		}
		i := trials[k]
		if err := plant.InitialState(z[b*D+H:(b+1)*D], d.ICs[i*d.ICDim:(i+1)*d.ICDim]); err != nil {
			return nil, fmt.Errorf("trial %d: %w", i, err)
		}
	}
	maxT := 0
	for _, t := range need {
		maxT = max(maxT, t)
	}
	byStep := make([][]draw, maxT)
	for _, dr := range draws {
		byStep[dr.step] = append(byStep[dr.step], dr)
	}
	u := make([]float64, B*C)
	out := mat.NewDense(n, D, nil)
	for t := 0; t < maxT; t++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		for b, k := range ks {
			i := trials[k]
			if t < d.Len(i) {
				for j, v := range d.Inputs(i)[t*C : (t+1)*C] {
					u[b*C+j] = float64(v)
				}
			}
		}
		m.Eval(z, z, B, u)
		for _, dr := range byStep[t] {
			b := pos[dr.trial]
			out.SetRow(dr.row, z[b*D:(b+1)*D])
		}
	}
	return out, nil
}

// closedLoopPoints converts finder points: stable first, then by the number
// of unstable directions, then by q.
func (s *Session) closedLoopPoints(ctx context.Context, o FixedPointOptions, m *nets.ClosedLoopMap[float64], target []float64, pts []analysis.FixedPoint) ([]ClosedLoopPoint, error) {
	H := m.Latent()
	plant := m.Plant()
	out := make([]ClosedLoopPoint, len(pts))
	xs := make([][]float64, len(pts))
	for i, p := range pts {
		xs[i] = p.X[:H]
	}
	pcs, err := s.ProjectPoints(ctx, o.Phase, 3, xs)
	if err != nil {
		return nil, err
	}
	open := s.precise()
	nudger, kinked := plant.(sim.BranchNudger)
	for i := range pts {
		p := &pts[i]
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		cp := ClosedLoopPoint{Q: p.Q, MaxAbsEig: p.MaxAbsEig, Stable: p.Stable, Unstable: p.NUnstable, Type: p.TypeName(),
			Rotational: p.Rotational, SlowModes: p.SlowModes, Inits: len(p.Rows), PC: pcs[i],
			Latent: slices.Clone(p.X[:H]), Plant: slices.Clone(p.X[H:]), TargetError: math.NaN()}
		for _, l := range p.Eigenvalues {
			cp.Eigenvalues = append(cp.Eigenvalues, [2]float64{real(l), imag(l)})
		}
		if p.Eigenvalues == nil {
			cp.MaxAbsEig = math.NaN()
		}
		if kinked {
			tie, other := nudger.BranchNames()
			cp.Branch = tie
			q := analysis.FixedPoint{X: make([]float64, len(p.X)), U: p.U}
			copy(q.X, p.X)
			nudger.NudgeBranch(q.X[H:], p.X[H:])
			analysis.Linearize(m, &q)
			st := stabilityOf(&q, other)
			cp.Other = &st
		}
		cp.Controlled = make([]float64, plant.CtlDim())
		plant.Controlled(cp.Controlled, cp.Plant)
		if target != nil && len(cp.Controlled) == len(target) {
			cp.TargetError = math.Sqrt(sqDist(cp.Controlled, target))
		}
		cp.Action = make([]float64, plant.ActDim())
		next := make([]float64, m.Dim())
		m.Step(next, cp.Action, p.X, 1, p.U)
		// The network alone, every input held at [observation, context].
		obs := make([]float64, plant.ObsDim())
		plant.Observe(obs, cp.Plant)
		ol := analysis.FixedPoint{X: cp.Latent, U: append(obs, p.U...)}
		analysis.Linearize(open, &ol)
		cp.OpenLoop = stabilityOf(&ol, "")
		out[i] = cp
	}
	slices.SortStableFunc(out, func(a, b ClosedLoopPoint) int {
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

func sqDist(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		d := a[i] - b[i]
		s += d * d
	}
	return s
}

// WriteTable prints the closed-loop fixed points as readable tables.
func (r *ClosedLoopReport) WriteTable(w io.Writer) error {
	o := r.Options
	fmt.Fprintf(w, "run      %s\n", r.Run.line())
	in := make([]string, len(o.Inputs))
	for i, v := range o.Inputs {
		in[i] = fmt.Sprintf("%s=%.4g", labelAt(r.ContextLabels, i), v)
	}
	fmt.Fprintf(w, "context  %s (held; the plant supplies the observation)\n", strings.Join(in, "  "))
	if r.Field != "" && r.Field != "none" {
		fmt.Fprintf(w, "field    %s at level %g, held\n", r.Field, r.Level)
	}
	fmt.Fprintf(w, "state    z = [%d network latents, %d plant variables]: %s\n", r.Dim-len(r.PlantLabels), len(r.PlantLabels), strings.Join(r.PlantLabels, " "))
	fmt.Fprintf(w, "search   closed loop, %s mode: %d initial states from the %s closed-loop trajectories (re-simulated without noise or bumps), Adam lr %g, %d/%d iterations, %.2f s\n",
		o.Mode, o.Inits, o.Phase, o.LR, r.Iters, o.Iters, r.Seconds)

	section(w, "summary")
	t := newTW(w)
	t.row("  fixed points", fmt.Sprint(r.Fixed), "distinct closed-loop fixed points, Newton-refined in float64")
	t.row("  slow points", fmt.Sprint(r.Slow), fmt.Sprintf("distinct places with q < %s but no fixed point within %s", num(o.QThresh), num(r.PlaceRadius)))
	t.row("  unconverged", fmt.Sprint(r.Unconverged), "initial states left with q ≥ "+num(o.QThresh))
	t.row("  outliers", fmt.Sprint(r.Outliers), "initial states that ran far from the trajectories")
	t.row("  stable", fmt.Sprint(r.Stable), "|λ|max < 1 of the closed-loop Jacobian")
	t.row("  unstable", fmt.Sprint(r.Unstable), "of which "+typeSummary(r.FixedTypes, false))
	if err := t.flush(); err != nil {
		return err
	}
	if len(r.Ladder) > 0 {
		if err := writeLadder(w, &FixedPointReport{Options: o, Ladder: r.Ladder}); err != nil {
			return err
		}
	}
	writePoints := func(title string, pts []ClosedLoopPoint) error {
		if len(pts) == 0 {
			return nil
		}
		section(w, title)
		t := newTW(w)
		head := []string{"  #", "type", "q", "|λ|max"}
		if pts[0].Other != nil {
			head = append(head, pts[0].Other.Branch)
		}
		head = append(head, "network alone", "inits")
		for _, l := range r.ControlledLabels {
			head = append(head, l)
		}
		if r.Target != nil {
			head = append(head, "to target")
		}
		head = append(head, "PC1", "PC2", "PC3")
		t.row(head...)
		const maxRows = 40
		for i, p := range pts {
			if i == maxRows {
				t.row(fmt.Sprintf("  … %d more (--json lists all)", len(pts)-maxRows))
				break
			}
			row := []string{fmt.Sprintf("  %d", i+1), p.Type, fmt.Sprintf("%.2e", p.Q), num(p.MaxAbsEig)}
			if p.Other != nil {
				row = append(row, fmt.Sprintf("%s (%s)", p.Other.Type, num(p.Other.MaxAbsEig)))
			}
			row = append(row, fmt.Sprintf("%s (%s)", p.OpenLoop.Type, num(p.OpenLoop.MaxAbsEig)), fmt.Sprint(p.Inits))
			for _, v := range p.Controlled {
				row = append(row, fmt.Sprintf("%+.4f", v))
			}
			if r.Target != nil {
				row = append(row, fmt.Sprintf("%.2g m", p.TargetError))
			}
			for j := 0; j < 3; j++ {
				v := ""
				if j < len(p.PC) {
					v = fmt.Sprintf("%+.3f", p.PC[j])
				}
				row = append(row, v)
			}
			t.row(row...)
		}
		if err := t.flush(); err != nil {
			return err
		}
		section(w, "  plant state and commands there")
		t = newTW(w)
		t.row(append(append([]string{"  #"}, r.PlantLabels...), "commands")...)
		for i, p := range pts {
			if i == maxRows {
				break
			}
			row := []string{fmt.Sprintf("  %d", i+1)}
			for _, v := range p.Plant {
				row = append(row, fmt.Sprintf("%.4g", v))
			}
			cmd := make([]string, len(p.Action))
			for j, v := range p.Action {
				cmd[j] = fmt.Sprintf("%.3f", v)
			}
			row = append(row, strings.Join(cmd, " "))
			t.row(row...)
		}
		return t.flush()
	}
	title := "closed-loop fixed points (type: of the closed-loop Jacobian"
	if len(r.Points) > 0 && r.Points[0].Other != nil {
		title += fmt.Sprintf(" on the %s branch; the %s branch next to it", r.Points[0].Branch, r.Points[0].Other.Branch)
	}
	title += "; network alone: the same latent state with every input held)"
	if err := writePoints(title, r.Points); err != nil {
		return err
	}
	if err := writePoints("closed-loop slow points", r.SlowPoints); err != nil {
		return err
	}
	if ol := r.OpenLoop; ol != nil {
		section(w, "the network alone, every input held at [the observation at point 1, the context]")
		t := newTW(w)
		t.row("  fixed points", fmt.Sprint(ol.Fixed), typeSummary(ol.FixedTypes, true))
		t.row("  slow points", fmt.Sprint(ol.Slow), "")
		if err := t.flush(); err != nil {
			return err
		}
	}
	section(w, "q at the final states (log10 histogram)")
	_, err := fmt.Fprint(w, qHistogram(r.RowQ))
	return err
}
