package study

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/ctdtui/ctdtui/analysis"
	"github.com/ctdtui/ctdtui/nets"
	"github.com/ctdtui/ctdtui/run"
	"github.com/ctdtui/ctdtui/sim"
)

// The dynamics probe is a quick look at a model's latent dynamics, cheap
// enough to repeat while it trains: a few fixed validation trials in the
// top-2 PC plane of their own latents and a quick fixed-point search with
// the inputs held at zero, counting the stable points (for the flip-flop,
// the 2^bits corners appearing as it learns). The Train tab shows it live
// (LiveProbe) and for a saved run; `ctdtui dynamics` prints the same frame.

// DynamicsOptions are the probe's settings; the zero value is the Train
// tab's.
type DynamicsOptions struct {
	// Trials is how many validation trials are run (the first ones; default 8).
	Trials int `json:"trials"`
	// Inits and Iters size the quick search: initial states drawn from the
	// trials' states (default 64) and Adam iterations (default 300, learning
	// rate LR, default 1e-2).
	Inits int     `json:"inits"`
	Iters int     `json:"iters"`
	LR    float64 `json:"lr"`
	// MergeFrac: points closer than this fraction of the mean distance of the
	// states from their centroid are one point (default 0.05).
	MergeFrac float64 `json:"merge_frac"`
}

func (o DynamicsOptions) normalized() DynamicsOptions {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.Trials, 8)
	def(&o.Inits, 64)
	def(&o.Iters, 300)
	if !(o.LR > 0) {
		o.LR = 1e-2
	}
	if !(o.MergeFrac > 0) {
		o.MergeFrac = 0.05
	}
	return o
}

// dynSeed fixes the quick search's initial states (with the epoch).
const dynSeed = 0xd1

// DynamicsFrame is one probe of a model.
type DynamicsFrame struct {
	Options DynamicsOptions `json:"options"`
	// Epoch is the epoch of the model probed; Saved says it was read from a
	// saved checkpoint rather than copied from a training run.
	Epoch int  `json:"epoch"`
	Saved bool `json:"saved"`
	// Trials are the dataset indices of the probe trials, Paths their latents
	// on the PC1-PC2 plane of those trials' latents, step by step, Ratio the
	// explained-variance ratio of PC1 and PC2.
	Trials []int           `json:"trials"`
	Paths  [][][2]float64  `json:"paths"`
	Ratio  [2]float64      `json:"ratio"`
	Points []DynamicsPoint `json:"points"`
	// Fixed counts the distinct points found (Stable of them stable), with
	// the InputDim inputs held at zero.
	Fixed    int     `json:"fixed"`
	Stable   int     `json:"stable"`
	InputDim int     `json:"input_dim"`
	Seconds  float64 `json:"seconds"`
	// Err, in a frame of a LiveProbe, says why the probe of Epoch failed
	// (the frame carries nothing else).
	Err error `json:"-"`

	comps *mat.Dense // the PCs, to keep the next frame's signs
}

// DynamicsPoint is one fixed point of a frame, on its PC plane.
type DynamicsPoint struct {
	PC     [2]float64 `json:"pc"`
	Stable bool       `json:"stable"`
}

// DynamicsTrials are the probe trials of a dataset: its first n validation
// trials.
func DynamicsTrials(d *sim.Dataset, n int) []int {
	return append([]int(nil), d.Valid[:min(n, len(d.Valid))]...)
}

// ProbeDynamics computes a frame of model at epoch. prev (may be nil) is the
// previous frame: the new PCs are sign-aligned with its components so the
// picture does not flip between redraws.
func ProbeDynamics(ctx context.Context, model nets.Model[float32], task sim.Task, data *sim.Dataset, o DynamicsOptions, epoch int, prev *DynamicsFrame) (*DynamicsFrame, error) {
	start := time.Now()
	o = o.normalized()
	trials := DynamicsTrials(data, o.Trials)
	f := &DynamicsFrame{Options: o, Epoch: epoch, Trials: trials}
	if len(trials) == 0 {
		return nil, errors.New("the run has no validation trials")
	}
	inf, err := nets.Infer(ctx, model, task, data, trials, &nets.InferOptions{Seed: run.EvalSeed, Workers: 1})
	if err != nil {
		return nil, err
	}
	H, steps := inf.H, inf.Steps()
	x := mat.NewDense(steps, H, widen(inf.AllLatents(), steps*H))
	for _, v := range x.RawMatrix().Data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("the latents are not finite at epoch %d", epoch)
		}
	}
	k := min(2, H, steps)
	pca, err := analysis.FitPCA(x, k)
	if err != nil {
		return nil, err
	}
	// Keep the signs of the previous frame's PCs.
	aligned := *pca
	aligned.Components = mat.DenseCopyOf(pca.Components)
	if prev != nil && prev.comps != nil {
		if r, c := prev.comps.Dims(); c == H {
			for j := 0; j < min(k, r); j++ {
				if mat.Dot(aligned.Components.RowView(j), prev.comps.RowView(j)) < 0 {
					row := aligned.Components.RawRowView(j)
					for i := range row {
						row[i] = -row[i]
					}
				}
			}
		}
	}
	f.comps = aligned.Components
	for j := 0; j < k; j++ {
		f.Ratio[j] = pca.ExplainedVarianceRatio[j]
	}
	// plane projects the rows of m on the (aligned) PC plane.
	plane := func(m mat.Matrix) [][2]float64 {
		n, _ := m.Dims()
		var z mat.Dense
		aligned.Project(&z, m, k)
		out := make([][2]float64, n)
		for i := range out {
			copy(out[i][:], z.RawRowView(i))
		}
		return out
	}
	all := plane(x)
	off := 0
	for kk := range trials {
		T := inf.Len(kk)
		f.Paths = append(f.Paths, all[off:off+T])
		off += T
	}

	// The quick search, from states on the probe trajectories.
	rng := rand.New(rand.NewPCG(dynSeed, uint64(epoch)))
	x0, _, _, err := analysis.SampleInitialStates(rng, x, nil, o.Inits, 0)
	if err != nil {
		return nil, err
	}
	fpm := nets.NewFixedPointMap(model)
	f.InputDim = fpm.InputDim()
	var u mat.Matrix
	if f.InputDim > 0 {
		u = mat.NewDense(1, f.InputDim, nil)
	}
	res, err := analysis.FindFixedPoints(ctx, fpm, x0, u, &analysis.FixedPointSettings{MaxIters: o.Iters, LearningRate: o.LR})
	if err != nil {
		return nil, err
	}
	// In float32 the points near a slow stable state are only accurate to
	// about residual/(1−|λ|), far above the finder's merge tolerance, so one
	// attractor can come out as several points: merge those closer than a
	// small fraction of the trajectories' spread.
	pts := analysis.UniqueFixedPoints(res.FixedPoints, o.MergeFrac*meanSpread(x), false)
	var xs []float64
	for _, p := range pts {
		if len(p.X) != H {
			continue
		}
		xs = append(xs, p.X...)
		f.Points = append(f.Points, DynamicsPoint{Stable: p.Stable})
		f.Fixed++
		if p.Stable {
			f.Stable++
		}
	}
	if f.Fixed > 0 {
		for i, pc := range plane(mat.NewDense(f.Fixed, H, xs)) {
			f.Points[i].PC = pc
		}
	}
	f.Seconds = time.Since(start).Seconds()
	return f, nil
}

// meanSpread is the mean distance of the rows of x from their centroid.
func meanSpread(x *mat.Dense) float64 {
	n, h := x.Dims()
	mean := make([]float64, h)
	for i := 0; i < n; i++ {
		for j, v := range x.RawRowView(i) {
			mean[j] += v / float64(n)
		}
	}
	s := 0.0
	for i := 0; i < n; i++ {
		d := 0.0
		for j, v := range x.RawRowView(i) {
			d += (v - mean[j]) * (v - mean[j])
		}
		s += math.Sqrt(d)
	}
	return s / float64(max(n, 1))
}

// DynamicsReport is `ctdtui dynamics`: the probe of a saved run.
type DynamicsReport struct {
	Run RunInfo `json:"run"`
	*DynamicsFrame
}

// Dynamics probes the loaded model (the frame the Train tab shows for a
// saved run).
func (s *Session) Dynamics(ctx context.Context, o DynamicsOptions) (*DynamicsReport, error) {
	l := s.Run
	f, err := ProbeDynamics(ctx, l.Model, l.Task, l.Data, o, l.Epoch, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: dynamics probe: %w", l.Run.Dir, err)
	}
	f.Saved = true
	return &DynamicsReport{Run: s.Info(), DynamicsFrame: f}, nil
}

// WriteTable prints the probe: the PC plane's share of the variance and the
// fixed points found on it.
func (r *DynamicsReport) WriteTable(w io.Writer) error {
	o := r.Options
	fmt.Fprintf(w, "run     %s\n", r.Run.line())
	fmt.Fprintf(w, "probe   %d validation trials in the PC1-PC2 plane of their latents (PC1 %s, PC2 %s)\n", len(r.Trials), pct(r.Ratio[0]), pct(r.Ratio[1]))
	fmt.Fprintf(w, "search  %d initial states, %d Adam iterations (lr %g), inputs held at 0; points within %g of the states' spread merged; %.2f s\n",
		o.Inits, o.Iters, o.LR, o.MergeFrac, r.Seconds)
	section(w, fmt.Sprintf("%d fixed points, %d stable", r.Fixed, r.Stable))
	t := newTW(w)
	t.row("  #", "stability", "PC1", "PC2")
	for i, p := range r.Points {
		st := "unstable"
		if p.Stable {
			st = "stable"
		}
		t.row(fmt.Sprintf("  %d", i+1), st, fmt.Sprintf("%+.3f", p.PC[0]), fmt.Sprintf("%+.3f", p.PC[1]))
	}
	return t.flush()
}
