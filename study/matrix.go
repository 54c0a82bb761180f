package study

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ctdtui/ctdtui/analysis"
	"github.com/ctdtui/ctdtui/run"
)

// The N×N comparison of a set of runs (ctdtui compare RUN1 … RUNn, the
// Compare tab's heatmap). Every entry is the number the pairwise Compare of
// the same two runs reports with the same options, computed so that each
// run's work is done once: one DMD per run (cached by its session), one
// pass over the latents of each group of runs that share their trials
// (analysis.MultiGram), pairs spread over the cores. Results do not depend
// on the number of workers: every pair's similarity search has its own
// seeded stream and every sum runs in a fixed order.

// MatrixMetric describes one metric the matrix can show.
type MatrixMetric struct {
	Name    string `json:"name"`
	Meaning string `json:"meaning"`
	// Symmetric metrics fill both triangles with one value per pair.
	Symmetric bool `json:"symmetric"`
	// TrialMatched metrics need the same trials in both runs.
	TrialMatched bool `json:"trial_matched"`
	// Diagonal is the value of a run against itself.
	Diagonal float64 `json:"diagonal"`
}

// MatrixMetrics lists the metrics of CompareMatrix, in the order the
// matrices are reported.
var MatrixMetrics = []MatrixMetric{
	{Name: "dsa", Meaning: "DSA angular distance (rad, ∈ [0, π]; 0 = the same dynamics up to an orthogonal change of basis)", Symmetric: true},
	{Name: "dsa_euclidean", Meaning: "DSA euclidean distance ‖Â − C B̂ Cᵀ‖ at the same optimum (∈ [0, 2])", Symmetric: true},
	{Name: "dsa_wasserstein", Meaning: "squared 2-Wasserstein distance between the DMD eigenvalues", Symmetric: true},
	{Name: "r2", Meaning: "affine R² from the row's latents to the column's (fitted on the training trials, scored on the validation trials, variance-weighted)", TrialMatched: true, Diagonal: 1},
	{Name: "state_r2", Meaning: "the reference's state R² (top state-pcs PCs, symmetric)", Symmetric: true, TrialMatched: true, Diagonal: 1},
	{Name: "procrustes", Meaning: "scipy's Procrustes disparity (equal state sizes only; 0 = identical up to rotation, scale, shift)", Symmetric: true, TrialMatched: true},
	{Name: "cca", Meaning: "mean of the top canonical correlations (cca components, at most the smaller state size)", Symmetric: true, TrialMatched: true, Diagonal: 1},
}

// DefaultMatrixMetrics are computed when none are named.
var DefaultMatrixMetrics = []string{"dsa", "r2"}

func matrixMetric(name string) (MatrixMetric, bool) {
	for _, m := range MatrixMetrics {
		if m.Name == name {
			return m, true
		}
	}
	return MatrixMetric{}, false
}

// ParseMetrics splits comma-separated metric names ("all" for every one)
// and checks them.
func ParseMetrics(list []string) ([]string, error) {
	var out []string
	for _, item := range list {
		for _, name := range strings.Split(item, ",") {
			name = strings.TrimSpace(strings.ToLower(name))
			switch {
			case name == "":
				continue
			case name == "all":
				for _, m := range MatrixMetrics {
					out = append(out, m.Name)
				}
				continue
			}
			if _, ok := matrixMetric(name); !ok {
				var names []string
				for _, m := range MatrixMetrics {
					names = append(names, m.Name)
				}
				return nil, fmt.Errorf("--metric %q is not one of %s, all", name, strings.Join(names, ", "))
			}
			out = append(out, name)
		}
	}
	// Report order, no duplicates.
	var sorted []string
	for _, m := range MatrixMetrics {
		if slices.Contains(out, m.Name) {
			sorted = append(sorted, m.Name)
		}
	}
	return sorted, nil
}

// MatrixOptions configures CompareMatrix: the pairwise options (phase, PCs,
// DSA settings, seed, fixed points) and the metrics.
type MatrixOptions struct {
	CompareOptions
	// Metrics (default DefaultMatrixMetrics).
	Metrics []string `json:"metrics"`
	// Workers is the number of goroutines for the pairs (0: GOMAXPROCS).
	// The result does not depend on it.
	Workers int `json:"-"`
}

func (o MatrixOptions) normalized() (MatrixOptions, error) {
	var err error
	if o.CompareOptions, err = o.CompareOptions.normalized(); err != nil {
		return o, err
	}
	if len(o.Metrics) == 0 {
		o.Metrics = DefaultMatrixMetrics
	}
	if o.Metrics, err = ParseMetrics(o.Metrics); err != nil {
		return o, err
	}
	if o.NoDSA {
		o.Metrics = slices.DeleteFunc(slices.Clone(o.Metrics), func(m string) bool { return strings.HasPrefix(m, "dsa") })
	}
	if len(o.Metrics) == 0 {
		return o, fmt.Errorf("no metric to compute (--no-dsa leaves none of %v)", DefaultMatrixMetrics)
	}
	if o.Workers < 0 {
		return o, fmt.Errorf("--threads must be >= 0, got %d", o.Workers)
	}
	return o, nil
}

// MatrixRun is one run of the matrix.
type MatrixRun struct {
	// Label is the short name the table and the heatmap use (the
	// directory's base name, with parents added until the labels differ);
	// Path the run directory as absolute path.
	Label string  `json:"label"`
	Path  string  `json:"path"`
	Run   RunInfo `json:"run"`
	// TrialGroup numbers the sets of runs that share their trials (from 1).
	TrialGroup int `json:"trial_group"`
	// DSATrials and DSASteps are the trials its DMD was fitted on; DSANote
	// says why it has none.
	DSATrials int    `json:"dsa_trials,omitempty"`
	DSASteps  int    `json:"dsa_steps,omitempty"`
	DSANote   string `json:"dsa_note,omitempty"`
	// FixedPoints holds its counts when asked for.
	FixedPoints *FixedPointCounts `json:"fixed_points,omitempty"`
}

// Matrix is one metric over every pair: Values[i][j] compares run i (row)
// with run j (column); nil where the metric does not apply, Reasons[i][j]
// then says why.
type Matrix struct {
	MatrixMetric
	Values  [][]*float64 `json:"values"`
	Reasons [][]string   `json:"reasons"`
}

// MatrixReport is `ctdtui compare RUN1 … RUNn` and the Compare tab's
// heatmap.
type MatrixReport struct {
	Runs    []MatrixRun   `json:"runs"`
	Options MatrixOptions `json:"options"`
	// DSARank is the rank every DMD used: DSARank capped at delays × the
	// smallest state size of the set.
	DSARank  int      `json:"dsa_rank"`
	Matrices []Matrix `json:"matrices"`
	Seconds  float64  `json:"seconds"`
}

// Matrix returns the matrix of the named metric, or nil.
func (r *MatrixReport) Matrix(metric string) *Matrix {
	for i := range r.Matrices {
		if r.Matrices[i].Name == metric {
			return &r.Matrices[i]
		}
	}
	return nil
}

// matrixCache holds finished matrices per set of runs and options.
var matrixCache = struct {
	sync.Mutex
	order []string
	m     map[string]*MatrixReport
}{m: map[string]*MatrixReport{}}

const matrixCacheSize = 16

func matrixKey(ses []*Session, o MatrixOptions) string {
	var sb strings.Builder
	for _, s := range ses {
		fmt.Fprintf(&sb, "%s\x00%v\x00%d\x00", s.Run.Run.Dir, s.Run.Best, s.Run.Epoch)
	}
	kb, _ := json.Marshal(o)
	sb.Write(kb)
	return sb.String()
}

// CachedMatrix returns a finished matrix of these runs and options, if any.
func CachedMatrix(ses []*Session, o MatrixOptions) (*MatrixReport, bool) {
	o, err := o.normalized()
	if err != nil {
		return nil, false
	}
	matrixCache.Lock()
	defer matrixCache.Unlock()
	r, ok := matrixCache.m[matrixKey(ses, o)]
	return r, ok
}

func cacheMatrix(key string, r *MatrixReport) {
	matrixCache.Lock()
	defer matrixCache.Unlock()
	if _, ok := matrixCache.m[key]; !ok {
		matrixCache.order = append(matrixCache.order, key)
	}
	matrixCache.m[key] = r
	for len(matrixCache.order) > matrixCacheSize {
		delete(matrixCache.m, matrixCache.order[0])
		matrixCache.order = matrixCache.order[1:]
	}
}

// CompareMatrix compares every pair of the runs with the chosen metrics.
// Progress reports the stages "trials", "gram", "dmd", "dsa", "metrics" and
// "fixedpoints"; a cancelled context stops it with the context's error.
// Cached per set of runs and options.
func CompareMatrix(ctx context.Context, ses []*Session, o MatrixOptions, progress ProgressFunc) (*MatrixReport, error) {
	o, err := o.normalized()
	if err != nil {
		return nil, err
	}
	if len(ses) < 2 {
		return nil, fmt.Errorf("a comparison matrix needs at least 2 runs, got %d", len(ses))
	}
	key := matrixKey(ses, o)
	matrixCache.Lock()
	cached, ok := matrixCache.m[key]
	matrixCache.Unlock()
	if ok {
		return cached, nil
	}
	start := time.Now()
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	n := len(ses)
	r := &MatrixReport{Options: o, DSARank: dsaRank(o.CompareOptions, ses)}
	labels := shortLabels(ses)
	for i, s := range ses {
		path, err := filepath.Abs(s.Run.Run.Dir)
		if err != nil {
			path = s.Run.Run.Dir
		}
		r.Runs = append(r.Runs, MatrixRun{Label: labels[i], Path: path, Run: s.Info()})
	}
	for _, name := range o.Metrics {
		m, _ := matrixMetric(name)
		mx := Matrix{MatrixMetric: m, Values: make([][]*float64, n), Reasons: make([][]string, n)}
		for i := range mx.Values {
			mx.Values[i], mx.Reasons[i] = make([]*float64, n), make([]string, n)
			d := m.Diagonal
			mx.Values[i][i] = &d
		}
		r.Matrices = append(r.Matrices, mx)
	}
	groups, reasons := trialGroups(ses, progress)
	for i := range r.Runs {
		r.Runs[i].TrialGroup = groups[i] + 1
	}
	if err := r.trialMatched(ctx, ses, groups, reasons, workers, progress); err != nil {
		return nil, err
	}
	if err := r.dsa(ctx, ses, workers, progress); err != nil {
		return nil, err
	}
	if o.FixedPoints {
		for i, s := range ses {
			progress.report(Progress{Stage: "fixedpoints", Run: r.Runs[i].Label, Done: i, Total: n})
			c, err := s.fixedPointCounts(ctx, o.FixedPointOptions, r.Runs[i].Label, progress)
			if err != nil {
				return nil, err
			}
			r.Runs[i].FixedPoints = &c
		}
	}
	r.Seconds = time.Since(start).Seconds()
	progress.report(Progress{Stage: "done", Done: 1, Total: 1})
	cacheMatrix(key, r)
	return r, nil
}

// trialGroups puts the runs into groups that share their trials and returns
// each run's group and, for the pairs in different groups, the reason.
func trialGroups(ses []*Session, progress ProgressFunc) ([]int, map[[2]int]string) {
	n := len(ses)
	groups := make([]int, n)
	var reps []int // the first run of each group
	for i := range ses {
		progress.report(Progress{Stage: "trials", Done: i, Total: n})
		groups[i] = -1
		for g, rep := range reps {
			if run.SameTrials(ses[rep].Run, ses[i].Run) == nil {
				groups[i] = g
				break
			}
		}
		if groups[i] < 0 {
			groups[i] = len(reps)
			reps = append(reps, i)
		}
	}
	// One reason per pair of groups (what differs between their first
	// runs), so that a table lists it once.
	byGroups := map[[2]int]string{}
	reasons := map[[2]int]string{}
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			gi, gj := groups[i], groups[j]
			if gi == gj {
				continue
			}
			g := [2]int{min(gi, gj), max(gi, gj)}
			msg, ok := byGroups[g]
			if !ok {
				msg = fmt.Sprintf("different trials (groups %d and %d)", g[0]+1, g[1]+1)
				if err := run.SameTrials(ses[reps[g[0]]].Run, ses[reps[g[1]]].Run); err != nil {
					msg += ": " + err.Error()
				}
				byGroups[g] = msg
			}
			reasons[[2]int{i, j}] = msg
		}
	}
	return groups, reasons
}

func (r *MatrixReport) wants(prefix string, trialMatched bool) []*Matrix {
	var out []*Matrix
	for i := range r.Matrices {
		m := &r.Matrices[i]
		if m.TrialMatched == trialMatched && strings.HasPrefix(m.Name, prefix) {
			out = append(out, m)
		}
	}
	return out
}

// set stores v (or the reason when v is nil) for the pair (i, j), and for
// (j, i) too when the metric is symmetric.
func (m *Matrix) set(i, j int, v *float64, reason string) {
	m.Values[i][j], m.Reasons[i][j] = v, reason
	if m.Symmetric {
		m.Values[j][i], m.Reasons[j][i] = v, reason
	}
}

// trialMatched fills the trial-matched metrics: per group of runs with the
// same trials, the cross-products of all their latents in one pass per
// phase, then every pair from its blocks.
func (r *MatrixReport) trialMatched(ctx context.Context, ses []*Session, groups []int, reasons map[[2]int]string, workers int, progress ProgressFunc) error {
	ms := r.wants("", true)
	if len(ms) == 0 {
		return nil
	}
	for pair, why := range reasons {
		for _, m := range ms {
			m.set(pair[0], pair[1], nil, why)
			m.set(pair[1], pair[0], nil, why)
		}
	}
	o := r.Options
	// The affine R² needs the training and validation cross-products, the
	// other metrics those of the phase.
	var phases []string
	if slices.ContainsFunc(ms, func(m *Matrix) bool { return m.Name == "r2" }) {
		phases = []string{"train", "val"}
	}
	if slices.ContainsFunc(ms, func(m *Matrix) bool { return m.Name != "r2" }) && !slices.Contains(phases, o.Phase) {
		phases = append(phases, o.Phase)
	}
	for g := 0; ; g++ {
		var members []int
		for i := range ses {
			if groups[i] == g {
				members = append(members, i)
			}
		}
		if len(members) == 0 {
			break
		}
		if len(members) < 2 {
			continue
		}
		sub := make([]*Session, len(members))
		for k, i := range members {
			sub[k] = ses[i]
		}
		grams := map[string]*analysis.MultiGram{}
		for _, p := range phases {
			mg, err := latentGrams(ctx, sub, p, workers, func(done, total int) {
				progress.report(Progress{Stage: "gram", Done: done, Total: total})
			})
			if err != nil {
				return err
			}
			grams[p] = mg
		}
		type job struct{ a, b int } // indices into members, a ≠ b
		var jobs []job
		for a := range members {
			for b := range members {
				if a != b {
					jobs = append(jobs, job{a, b})
				}
			}
		}
		err := parallel(ctx, len(jobs), workers, func(k int) error {
			a, b := jobs[k].a, jobs[k].b
			i, j := members[a], members[b]
			for _, m := range ms {
				if m.Symmetric && a > b {
					continue
				}
				v, why, err := pairMetric(m.Name, grams, a, b, o.CompareOptions, r.Runs[i].Run, r.Runs[j].Run)
				if err != nil {
					return fmt.Errorf("%s of %s and %s: %w", m.Name, r.Runs[i].Label, r.Runs[j].Label, err)
				}
				m.set(i, j, v, why)
			}
			return nil
		}, func(done, total int) { progress.report(Progress{Stage: "metrics", Done: done, Total: total}) })
		if err != nil {
			return err
		}
	}
	return nil
}

// pairMetric computes one trial-matched metric of members a and b from the
// group's cross-products; it is the code the pairwise Compare runs.
func pairMetric(name string, grams map[string]*analysis.MultiGram, a, b int, o CompareOptions, ra, rb RunInfo) (*float64, string, error) {
	var v float64
	var err error
	switch name {
	case "r2":
		var fit *analysis.LinearRegression
		if fit, err = grams["train"].Pair(a, b).Regression(); err == nil {
			v = grams["val"].Pair(a, b).R2(fit)
		}
	case "state_r2":
		v, err = grams[o.Phase].Pair(a, b).StateR2(o.StatePCs)
	case "procrustes":
		if ra.State != rb.State {
			return nil, fmt.Sprintf("state sizes differ (%d and %d)", ra.State, rb.State), nil
		}
		v, err = grams[o.Phase].Pair(a, b).ProcrustesDisparity()
	case "cca":
		var c []float64
		if c, err = grams[o.Phase].Pair(a, b).CanonicalCorrelations(min(o.CCAComponents, ra.State, rb.State)); err == nil {
			v = mean(c)
		}
	default:
		return nil, "", fmt.Errorf("unknown metric %q", name)
	}
	if err != nil {
		return nil, "", err
	}
	return &v, "", nil
}

// dsa fills the DSA matrices: one DMD per run (in parallel), then every
// pair's similarity search (in parallel, each with its own seeded stream).
func (r *MatrixReport) dsa(ctx context.Context, ses []*Session, workers int, progress ProgressFunc) error {
	ms := r.wants("dsa", false)
	if len(ms) == 0 {
		return nil
	}
	o := r.Options
	n := len(ses)
	fits := make([]*DSAFit, n)
	err := parallel(ctx, n, workers, func(i int) error {
		f, err := ses[i].DSAFit(ctx, o.Phase, o.DSADelays, r.DSARank, o.DSATrials)
		fits[i] = f
		return err
	}, func(done, total int) { progress.report(Progress{Stage: "dmd", Done: done, Total: total}) })
	if err != nil {
		return err
	}
	for i, f := range fits {
		r.Runs[i].DSATrials, r.Runs[i].DSASteps, r.Runs[i].DSANote = f.Trials, f.Steps, f.Note
	}
	var pairs [][2]int
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			pairs = append(pairs, [2]int{i, j})
		}
	}
	return parallel(ctx, len(pairs), workers, func(k int) error {
		i, j := pairs[k][0], pairs[k][1]
		sc, note, err := dsaPair(ctx, fits[i], fits[j], o.Seed)
		if err != nil {
			return fmt.Errorf("DSA of %s and %s: %w", r.Runs[i].Label, r.Runs[j].Label, err)
		}
		for _, m := range ms {
			if sc == nil {
				m.set(i, j, nil, note)
				continue
			}
			v := sc.Angular
			switch m.Name {
			case "dsa_euclidean":
				v = sc.Euclidean
			case "dsa_wasserstein":
				v = sc.Wasserstein
			}
			m.set(i, j, &v, "")
		}
		return nil
	}, func(done, total int) { progress.report(Progress{Stage: "dsa", Done: done, Total: total}) })
}

// parallel runs job(0 … n−1) on workers goroutines and returns the first
// error (the context's when cancelled); progress is called after each job.
func parallel(ctx context.Context, n, workers int, job func(int) error, progress func(done, total int)) error {
	if n == 0 {
		return ctx.Err()
	}
	var (
		mu    sync.Mutex
		first error
		done  int
		wg    sync.WaitGroup
	)
	next := make(chan int)
	for w := 0; w < min(max(workers, 1), n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range next {
				err := job(k)
				mu.Lock()
				if err != nil && first == nil {
					first = err
				}
				done++
				if progress != nil && first == nil {
					progress(done, n)
				}
				mu.Unlock()
			}
		}()
	}
	for k := 0; k < n; k++ {
		mu.Lock()
		stop := first != nil
		mu.Unlock()
		if stop || ctx.Err() != nil {
			break
		}
		next <- k
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	return first
}

// shortLabels names the runs by their directories' base names, adding
// parent directories where two would read the same.
func shortLabels(ses []*Session) []string {
	paths := make([][]string, len(ses))
	for i, s := range ses {
		abs, err := filepath.Abs(s.Run.Run.Dir)
		if err != nil {
			abs = s.Run.Run.Dir
		}
		paths[i] = strings.Split(filepath.ToSlash(filepath.Clean(abs)), "/")
	}
	depth := make([]int, len(ses))
	for i := range depth {
		depth[i] = 1
	}
	label := func(i int) string {
		p := paths[i]
		d := min(depth[i], len(p))
		l := strings.Join(p[len(p)-d:], "/")
		if ses[i].Run.Best {
			l += " (best)"
		}
		return l
	}
	for round := 0; round < 64; round++ {
		seen := map[string][]int{}
		for i := range ses {
			seen[label(i)] = append(seen[label(i)], i)
		}
		clash := false
		for _, idx := range seen {
			if len(idx) < 2 {
				continue
			}
			for _, i := range idx {
				if depth[i] < len(paths[i]) {
					depth[i]++
					clash = true
				}
			}
		}
		if !clash {
			break
		}
	}
	out := make([]string, len(ses))
	for i := range out {
		out[i] = label(i)
	}
	return out
}
