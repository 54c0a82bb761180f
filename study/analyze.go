package study

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/ctdtui/ctdtui/analysis"
	"github.com/ctdtui/ctdtui/nets"
	"github.com/ctdtui/ctdtui/sim"
	"gonum.org/v1/gonum/mat"
)

// Scree is the explained variance of the phase's latent PCs.
type Scree struct {
	Phase string `json:"phase"`
	// Ratio[j] is the fraction of the total latent variance along PC j+1
	// (sklearn's explained_variance_ratio_), Cumulative its running sum;
	// Variance the variance itself. Only the first MaxPCs (capped at the
	// latent size) are listed; Ratio sums to 1 over all H components.
	Ratio      []float64 `json:"ratio"`
	Cumulative []float64 `json:"cumulative"`
	Variance   []float64 `json:"variance"`
	// PCsFor50 … PCsFor99: the fewest PCs whose cumulative ratio reaches 50,
	// 90, 95 and 99 % (the reference's dashed lines), over all components.
	PCsFor50 int `json:"pcs_for_50"`
	PCsFor90 int `json:"pcs_for_90"`
	PCsFor95 int `json:"pcs_for_95"`
	PCsFor99 int `json:"pcs_for_99"`
	// ParticipationRatio (Σλ)²/Σλ² is a continuous dimensionality estimate.
	ParticipationRatio float64 `json:"participation_ratio"`
	Samples            int     `json:"samples"` // steps over all trials
}

// Scree returns the PCA scree of the phase's latents, the first maxPCs
// components listed (0 = up to 10), from the cached full PCA.
func (s *Session) Scree(ctx context.Context, phase string, maxPCs int) (*Scree, error) {
	p, err := normPhase(phase)
	if err != nil {
		return nil, err
	}
	pca, err := s.PCA(ctx, p)
	if err != nil {
		return nil, err
	}
	if maxPCs <= 0 {
		maxPCs = 10
	}
	k := min(maxPCs, pca.NComponents())
	sc := &Scree{Phase: p, Ratio: append([]float64(nil), pca.ExplainedVarianceRatio[:k]...), Cumulative: make([]float64, k),
		Variance: append([]float64(nil), pca.ExplainedVariance[:k]...), Samples: pca.NSamples}
	acc := 0.0
	for j, r := range sc.Ratio {
		acc += r
		sc.Cumulative[j] = acc
	}
	// Thresholds and participation ratio over every component.
	all := pca.ExplainedVarianceRatio
	c := 0.0
	marks := []struct {
		level float64
		dst   *int
	}{{0.5, &sc.PCsFor50}, {0.9, &sc.PCsFor90}, {0.95, &sc.PCsFor95}, {0.99, &sc.PCsFor99}}
	sum, sum2 := 0.0, 0.0
	for j, r := range all {
		c += r
		for _, m := range marks {
			if *m.dst == 0 && c >= m.level-1e-12 {
				*m.dst = j + 1
			}
		}
		v := pca.ExplainedVariance[j]
		sum += v
		sum2 += v * v
	}
	if sum2 > 0 {
		sc.ParticipationRatio = sum * sum / sum2
	}
	return sc, nil
}

// Projection holds the phase's latents projected on their first K PCs, trial
// after trial: what the trajectory plots draw.
type Projection struct {
	Phase string `json:"phase"`
	K     int    `json:"k"`
	// Trials are the dataset indices in phase order; Lens their lengths.
	Trials []int `json:"trials"`
	Lens   []int `json:"lens"`
	// Data is (Σ Lens)×K row-major; Trial(k) slices it.
	Data []float64 `json:"data"`
	// Ratio is the explained-variance ratio of each of the K PCs.
	Ratio   []float64 `json:"ratio"`
	offsets []int
}

// Trial returns trial k's projection (Lens[k]×K), k indexing Trials. (A
// Projection decoded from JSON or built by hand finds its offsets from
// Lens.)
func (p *Projection) Trial(k int) []float64 {
	if len(p.offsets) != len(p.Lens)+1 {
		p.offsets = make([]int, len(p.Lens)+1)
		for i, l := range p.Lens {
			p.offsets[i+1] = p.offsets[i] + l
		}
	}
	return p.Data[p.offsets[k]*p.K : p.offsets[k+1]*p.K]
}

// PCs projects the phase's latents on their first k PCs (k capped at the
// latent size; 0 means 3).
func (s *Session) PCs(ctx context.Context, phase string, k int) (*Projection, error) {
	p, err := normPhase(phase)
	if err != nil {
		return nil, err
	}
	pca, err := s.PCA(ctx, p)
	if err != nil {
		return nil, err
	}
	inf, err := s.Run.Infer(ctx, p)
	if err != nil {
		return nil, err
	}
	x, err := s.Latents(ctx, p)
	if err != nil {
		return nil, err
	}
	if k <= 0 {
		k = 3
	}
	k = min(k, pca.NComponents())
	pr := &Projection{Phase: p, K: k, Trials: append([]int(nil), inf.Trials...), Lens: make([]int, len(inf.Trials)),
		offsets: make([]int, len(inf.Trials)+1), Ratio: append([]float64(nil), pca.ExplainedVarianceRatio[:k]...)}
	for i := range inf.Trials {
		pr.Lens[i] = inf.Len(i)
		pr.offsets[i+1] = pr.offsets[i] + pr.Lens[i]
	}
	pr.Data = project(pca, x, k)
	return pr, nil
}

// project returns the scores of the rows of x on the first k components,
// row-major (analysis.PCA.Project: the one projection on PCs).
func project(pca *analysis.PCA, x mat.Matrix, k int) []float64 {
	n, _ := x.Dims()
	out := make([]float64, n*k)
	pca.Project(mat.NewDense(n, k, out), x, k)
	return out
}

// ProjectPoints projects states (rows of length H) on the phase's first k PCs:
// fixed points drawn over the trajectories use it.
func (s *Session) ProjectPoints(ctx context.Context, phase string, k int, xs [][]float64) ([][]float64, error) {
	pca, err := s.PCA(ctx, phase)
	if err != nil {
		return nil, err
	}
	k = min(k, pca.NComponents())
	out := make([][]float64, len(xs))
	if len(xs) == 0 {
		return out, nil
	}
	h := len(pca.Mean)
	m := mat.NewDense(len(xs), h, nil)
	for i, x := range xs {
		if len(x) != h {
			panic(fmt.Sprintf("study: ProjectPoints: state %d has %d values, want %d", i, len(x), h))
		}
		m.SetRow(i, x)
	}
	flat := project(pca, m, k)
	for i := range xs {
		out[i] = flat[i*k : (i+1)*k]
	}
	return out, nil
}

// Performance is the model on its task over a phase.
type Performance struct {
	Phase  string `json:"phase"`
	Trials int    `json:"trials"`
	// Loss is the task's loss (as in training, at the end of any curriculum)
	// over the phase's trials, on the cached inference, batch-size weighted
	// like the validation loss.
	Loss float64 `json:"loss"`
	// OutputR2 is r2_score of what is compared with the targets (model
	// outputs; the hand for RandomTarget) against the targets, per channel
	// over every step (padding excluded), and its mean.
	OutputR2     []float64 `json:"output_r2"`
	OutputR2Mean float64   `json:"output_r2_mean"`
	// LatentR2 is the reference's PerformanceR2: an affine map from the
	// latents to the targets, fitted and scored on the phase (in-sample), R²
	// per target channel, and its mean.
	LatentR2     []float64 `json:"latent_r2"`
	LatentR2Mean float64   `json:"latent_r2_mean"`
	TargetLabels []string  `json:"target_labels"`
	// Task scores: per-bit accuracy for the flip-flop, per-task success for
	// MultiTask, reach errors for RandomTarget.
	FlipFlop     *sim.FlipFlopScores  `json:"flipflop,omitempty"`
	MultiTask    *sim.MultiTaskScores `json:"multitask,omitempty"`
	RandomTarget *sim.ReachScores     `json:"randomtarget,omitempty"`
}

// Performance scores the model on the phase's trials. Cached per phase.
func (s *Session) Performance(ctx context.Context, phase string) (*Performance, error) {
	p, err := normPhase(phase)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	pf, ok := s.perf[p]
	s.mu.Unlock()
	if ok {
		return pf, nil
	}
	inf, err := s.Run.Infer(ctx, p)
	if err != nil {
		return nil, err
	}
	l := s.Run
	data := l.Data
	pf = &Performance{Phase: p, Trials: len(inf.Trials)}
	if pf.Loss, err = phaseLoss(ctx, l.Task, data, inf, l.Run.Config.Train.Batch, max(l.Epoch, l.Task.CurriculumEnd())); err != nil {
		return nil, err
	}
	// Targets and what they are compared with, concatenated.
	steps, td := inf.Steps(), data.TargetDim
	tg := make([]float64, max(steps, 1)*td)
	ctl := make([]float64, max(steps, 1)*td)
	off := 0
	for k, i := range inf.Trials {
		L := inf.Len(k)
		for j, v := range data.Targets(i)[:L*td] {
			tg[off*td+j] = float64(v)
		}
		for j, v := range inf.Controlled(k)[:L*td] {
			ctl[off*td+j] = float64(v)
		}
		off += L
	}
	if steps >= 2 {
		T := mat.NewDense(steps, td, tg)
		pf.OutputR2 = analysis.R2Raw(T, mat.NewDense(steps, td, ctl))
		pf.OutputR2Mean = mean(pf.OutputR2)
		x, err := s.Latents(ctx, p)
		if err != nil {
			return nil, err
		}
		if pf.LatentR2, pf.LatentR2Mean, err = analysis.PerformanceR2(x, T, gramSolver); err != nil {
			return nil, fmt.Errorf("%s: performance R²: %w", l.Run.Dir, err)
		}
	}
	pf.TargetLabels = targetLabels(l)
	if scorer, ok := l.Task.(sim.Scorer); ok {
		o := make([][]float64, len(inf.Trials))
		for k := range inf.Trials {
			o[k] = widen(inf.Controlled(k), 0)[:len(inf.Controlled(k))]
		}
		sc := scorer.Score(data, inf.Trials, o)
		pf.FlipFlop, pf.MultiTask, pf.RandomTarget = sc.FlipFlop, sc.MultiTask, sc.RandomTarget
	}
	s.mu.Lock()
	s.perf[p] = pf
	s.mu.Unlock()
	return pf, nil
}

func mean(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// phaseLoss evaluates the task's loss on the inference's trials in batches of
// batch trials (in order), weighting each batch by its size.
func phaseLoss(ctx context.Context, task sim.Task, data *sim.Dataset, inf *nets.Inference, batch, epoch int) (float64, error) {
	loss := task.Loss()
	if batch <= 0 {
		batch = len(inf.Trials)
	}
	var b sim.Batch
	var out sim.Outputs
	sum := 0.0
	for start := 0; start < len(inf.Trials); start += batch {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		end := min(start+batch, len(inf.Trials))
		idx := inf.Trials[start:end]
		data.FillBatch(&b, idx, 0, epoch)
		B, T := len(idx), b.T
		out = sim.Outputs{B: B, T: T, H: inf.H,
			Actions: make([]float64, T*B*inf.O), Controlled: make([]float64, T*B*inf.C)}
		if loss.NeedsLatents() {
			out.Latents = make([]float64, T*B*inf.H)
		}
		for r := range idx {
			k := start + r
			L := min(inf.Len(k), T)
			o, c, h := inf.Outputs(k), inf.Controlled(k), inf.Latents(k)
			for t := 0; t < L; t++ {
				for j := 0; j < inf.O; j++ {
					out.Actions[(t*B+r)*inf.O+j] = float64(o[t*inf.O+j])
				}
				for j := 0; j < inf.C; j++ {
					out.Controlled[(t*B+r)*inf.C+j] = float64(c[t*inf.C+j])
				}
				if out.Latents != nil {
					for j := 0; j < inf.H; j++ {
						out.Latents[(t*B+r)*inf.H+j] = float64(h[t*inf.H+j])
					}
				}
			}
		}
		if task.Plant() == nil {
			// Open-loop losses read the outputs through either slice.
			out.Controlled = out.Actions
		}
		sum += loss.Eval(&b, &out, nil) * float64(B)
	}
	return sum / float64(max(len(inf.Trials), 1)), nil
}

// ChannelStats summarises one channel over a phase.
type ChannelStats struct {
	Label string  `json:"label"`
	Mean  float64 `json:"mean"`
	Std   float64 `json:"std"`
	Min   float64 `json:"min"`
	Max   float64 `json:"max"`
}

// LatentStats summarises the latents over a phase.
type LatentStats struct {
	Dim int `json:"dim"`
	// TotalVariance is the sum of the per-unit variances.
	TotalVariance float64 `json:"total_variance"`
	// MeanNorm is the mean Euclidean norm of a state; MaxAbs the largest |unit|.
	MeanNorm float64 `json:"mean_norm"`
	MaxAbs   float64 `json:"max_abs"`
}

// AnalyzeOptions configures Analyze.
type AnalyzeOptions struct {
	Phase string `json:"phase"` // default "all" (the reference's default)
	PCs   int    `json:"pcs"`   // scree components listed (default 10)
}

func (o AnalyzeOptions) normalized() (AnalyzeOptions, error) {
	if o.Phase == "" {
		o.Phase = "all"
	}
	p, err := normPhase(o.Phase)
	if err != nil {
		return o, err
	}
	o.Phase = p
	if o.PCs < 0 {
		return o, fmt.Errorf("--pcs must be positive, got %d", o.PCs)
	}
	if o.PCs == 0 {
		o.PCs = 10
	}
	return o, nil
}

// AnalyzeReport is `ctdtui analyze`: one run on one phase.
type AnalyzeReport struct {
	Run     RunInfo        `json:"run"`
	Options AnalyzeOptions `json:"options"`
	Trials  int            `json:"trials"`
	Steps   int            `json:"steps"` // over all trials
	// Outputs are the model's raw outputs per channel; Controlled what the
	// targets are compared with when it differs (RandomTarget: the hand).
	Outputs     []ChannelStats `json:"outputs"`
	Controlled  []ChannelStats `json:"controlled,omitempty"`
	Latents     LatentStats    `json:"latents"`
	Scree       *Scree         `json:"scree"`
	Performance *Performance   `json:"performance"`
	Seconds     float64        `json:"seconds"`
}

// Analyze summarises the run on a phase: outputs, latents, scree and
// performance. Cached per options.
func (s *Session) Analyze(ctx context.Context, o AnalyzeOptions, progress ProgressFunc) (*AnalyzeReport, error) {
	o, err := o.normalized()
	if err != nil {
		return nil, err
	}
	if r, ok := s.CachedAnalyze(o); ok {
		return r, nil
	}
	key := fmt.Sprintf("%s/%d", o.Phase, o.PCs)
	start := time.Now()
	progress.report(Progress{Stage: "inference", Total: 1})
	inf, err := s.Run.Infer(ctx, o.Phase)
	if err != nil {
		return nil, err
	}
	r := &AnalyzeReport{Run: s.Info(), Options: o, Trials: len(inf.Trials), Steps: inf.Steps()}
	r.Outputs = channelStats(inf, inf.O, (*nets.Inference).Outputs, s.Run.Task.OutputLabels())
	if s.Run.Task.Plant() != nil {
		r.Controlled = channelStats(inf, inf.C, (*nets.Inference).Controlled, []string{"hand_x", "hand_y"})
	}
	r.Latents = latentStats(inf)
	progress.report(Progress{Stage: "pca", Total: 1})
	if r.Scree, err = s.Scree(ctx, o.Phase, o.PCs); err != nil {
		return nil, err
	}
	progress.report(Progress{Stage: "performance", Total: 1})
	if r.Performance, err = s.Performance(ctx, o.Phase); err != nil {
		return nil, err
	}
	r.Seconds = time.Since(start).Seconds()
	progress.report(Progress{Stage: "done", Done: 1, Total: 1})
	s.mu.Lock()
	s.analyses[key] = r
	s.mu.Unlock()
	return r, nil
}

// CachedAnalyze returns a finished analysis with these options, if any.
func (s *Session) CachedAnalyze(o AnalyzeOptions) (*AnalyzeReport, bool) {
	o, err := o.normalized()
	if err != nil {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.analyses[fmt.Sprintf("%s/%d", o.Phase, o.PCs)]
	return r, ok
}

func channelStats(inf *nets.Inference, dim int, get func(*nets.Inference, int) []float32, labels []string) []ChannelStats {
	st := make([]ChannelStats, dim)
	sum, sum2 := make([]float64, dim), make([]float64, dim)
	for j := range st {
		st[j].Label = fmt.Sprintf("%d", j)
		if j < len(labels) {
			st[j].Label = labels[j]
		}
		st[j].Min, st[j].Max = math.Inf(1), math.Inf(-1)
	}
	n := 0
	for k := range inf.Trials {
		v := get(inf, k)
		for t := 0; t < inf.Len(k); t++ {
			for j := 0; j < dim; j++ {
				x := float64(v[t*dim+j])
				sum[j] += x
				sum2[j] += x * x
				st[j].Min = math.Min(st[j].Min, x)
				st[j].Max = math.Max(st[j].Max, x)
			}
		}
		n += inf.Len(k)
	}
	for j := range st {
		if n == 0 {
			st[j].Min, st[j].Max = 0, 0
			continue
		}
		m := sum[j] / float64(n)
		st[j].Mean = m
		st[j].Std = math.Sqrt(math.Max(0, sum2[j]/float64(n)-m*m))
	}
	return st
}

func latentStats(inf *nets.Inference) LatentStats {
	h := inf.H
	ls := LatentStats{Dim: h}
	all := inf.AllLatents()
	n := inf.Steps()
	if n == 0 {
		return ls
	}
	sum, sum2 := make([]float64, h), make([]float64, h)
	for t := 0; t < n; t++ {
		nrm := 0.0
		for j, v := range all[t*h : (t+1)*h] {
			x := float64(v)
			sum[j] += x
			sum2[j] += x * x
			nrm += x * x
			ls.MaxAbs = math.Max(ls.MaxAbs, math.Abs(x))
		}
		ls.MeanNorm += math.Sqrt(nrm)
	}
	ls.MeanNorm /= float64(n)
	for j := range sum {
		m := sum[j] / float64(n)
		ls.TotalVariance += math.Max(0, sum2[j]/float64(n)-m*m)
	}
	return ls
}

// gramSolver is the solver of the regression-based metrics here: latents are
// tall (a phase of the reference's 3-bit flip-flop holds 500 000 steps of 128
// units), and the cross-product form takes one pass over them where the
// exact one needs a thin SVD of the whole design (tens of seconds and
// gigabytes). It agrees with the exact solver to ~1e-9 (analysis tests).
var gramSolver = &analysis.MetricSettings{Solver: analysis.SolverGram}
