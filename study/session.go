package study

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"

	"github.com/ctdtui/ctdtui/analysis"
	"github.com/ctdtui/ctdtui/nets"
	"github.com/ctdtui/ctdtui/run"
	"github.com/ctdtui/ctdtui/sim"
	"gonum.org/v1/gonum/mat"
)

// Progress is what a long computation reports to its callback.
type Progress struct {
	// Stage names the step: "inference", "pca", "adam", "newton",
	// "jacobians", "regression", "procrustes", "cca", "dsa", "fixedpoints",
	// "export", "done".
	Stage string `json:"stage"`
	// Run is "A" or "B" in a comparison when the step concerns one run.
	Run string `json:"run,omitempty"`
	// Done of Total units (iterations, trials, points); Total 0 when unknown.
	Done  int `json:"done"`
	Total int `json:"total"`
	// Fixed-point search detail: rows converged and still optimising, mean q.
	Converged int     `json:"converged,omitempty"`
	Active    int     `json:"active,omitempty"`
	MeanQ     float64 `json:"mean_q,omitempty"`
}

// ProgressFunc receives progress reports; nil ignores them. It is called on the
// computing goroutine and should return quickly.
type ProgressFunc func(Progress)

func (f ProgressFunc) report(p Progress) {
	if f != nil {
		f(p)
	}
}

// RunInfo describes a loaded run.
type RunInfo struct {
	Dir     string `json:"dir"`
	Name    string `json:"name"`    // the configuration's name (preset)
	Task    string `json:"task"`    // nbff, multitask, randomtarget
	Dataset string `json:"dataset"` // the reference's dataset name
	Model   string `json:"model"`   // gru, noisygru, rnn, driscoll, node, lstm
	Latent  int    `json:"latent"`  // model.latent (an LSTM's hidden size)
	// State is the size of the analysed state (the latents of every
	// analysis): Latent, except for an LSTM, whose state is [h, c].
	State int `json:"state"`
	// Inputs is the model's input size (for RandomTarget the arm's observation
	// first, then the task inputs), Outputs its output size.
	Inputs       int      `json:"inputs"`
	Outputs      int      `json:"outputs"`
	InputLabels  []string `json:"input_labels"`
	OutputLabels []string `json:"output_labels"`
	// Epoch is the epoch of the analysed model; Best says it is best.bin.
	Epoch       int  `json:"epoch"`
	Best        bool `json:"best"`
	TrainTrials int  `json:"train_trials"`
	ValTrials   int  `json:"val_trials"`
	// Steps is the task's (padded) trial length.
	Steps int `json:"steps"`
	// Evaluation is set for an evaluation directory (ctdtui eval --out): the
	// run whose model it runs and what it changed.
	Evaluation *EvaluationInfo `json:"evaluation,omitempty"`
}

// Session is one loaded run with its analyses cached per phase and settings.
// It is safe for concurrent use; two goroutines asking for the same
// uncached result may both compute it.
type Session struct {
	Run *run.Loaded

	mu       sync.Mutex
	latents  map[string]*mat.Dense
	pcas     map[string]*analysis.PCA
	perf     map[string]*Performance
	analyses map[string]*AnalyzeReport
	fps      map[string]*FixedPointReport
	cls      map[string]*ClosedLoopReport
	compares map[string]*CompareReport
	dmds     map[string]*DSAFit
}

// Open loads the run in dir (checkpoint.bin, or best.bin when best is set)
// and returns a session on it. The errors name the directory and what is
// wrong with it.
func Open(dir string, best bool) (*Session, error) {
	l, err := run.Load(dir, best)
	if err != nil {
		return nil, err
	}
	// run.Load checks the model's inputs and outputs against the task; the
	// model itself must also be the one config.toml describes.
	mc, cc := l.Model.Config(), l.Run.Config.ModelConfig()
	if mc.Kind != cc.Kind || mc.Latent != cc.Latent {
		name := run.CheckpointFile
		if best {
			name = run.BestFile
		}
		return nil, fmt.Errorf("%s: %s holds a %s with %d latents but %s describes a %s with %d latents (model.kind, model.latent)",
			dir, name, mc.Kind, mc.Latent, run.ConfigFile, cc.Kind, cc.Latent)
	}
	return New(l), nil
}

// New wraps a loaded run.
func New(l *run.Loaded) *Session {
	return &Session{Run: l,
		latents: map[string]*mat.Dense{}, pcas: map[string]*analysis.PCA{}, perf: map[string]*Performance{},
		analyses: map[string]*AnalyzeReport{}, fps: map[string]*FixedPointReport{}, cls: map[string]*ClosedLoopReport{}, compares: map[string]*CompareReport{},
		dmds: map[string]*DSAFit{}}
}

// Info describes the run.
func (s *Session) Info() RunInfo {
	l := s.Run
	c := l.Model.Config()
	return RunInfo{
		Dir: l.Run.Dir, Name: l.Run.Config.Name, Task: string(l.Task.Kind()), Dataset: l.Run.Config.DatasetName(l.Task),
		Model: c.Kind, Latent: c.Latent, State: c.StateDim(), Inputs: c.Inputs, Outputs: c.Outputs,
		InputLabels: ModelInputLabels(l.Task), OutputLabels: l.Task.OutputLabels(),
		Epoch: l.Epoch, Best: l.Best, TrainTrials: len(l.Data.Train), ValTrials: len(l.Data.Valid), Steps: l.Task.Steps(),
		Evaluation: evaluationInfo(l.Run),
	}
}

// Name is a short name for the run: its directory's base name (for an
// evaluation not saved, its run's name and "eval").
func (s *Session) Name() string {
	r := s.Run.Run
	if r.Dir == "" && r.Eval != nil {
		return filepath.Base(r.Eval.SourceDir()) + " eval"
	}
	return filepath.Base(r.Dir)
}

// ModelInputLabels names the model's input channels: for a closed-loop task
// the plant's observation comes first (RandomTarget: hand position, then the
// six normalised muscle lengths and velocities), then the task's inputs.
func ModelInputLabels(t sim.Task) []string { return t.ModelInputLabels() }

// normPhase checks a phase name and returns its canonical form.
func normPhase(phase string) (string, error) {
	switch phase {
	case "train", "all":
		return phase, nil
	case "val", "valid":
		return "val", nil
	}
	return "", fmt.Errorf("phase %q is not one of train, val, all", phase)
}

// Inference returns the cached seeded rollout of the phase's trials.
func (s *Session) Inference(ctx context.Context, phase string) (*nets.Inference, error) {
	p, err := normPhase(phase)
	if err != nil {
		return nil, err
	}
	return s.Run.Infer(ctx, p)
}

// Latents returns the phase's latents as one (steps over all trials)×H
// float64 matrix, trial after trial (ragged trials are concatenated, no
// padding). Cached; callers must not modify it.
func (s *Session) Latents(ctx context.Context, phase string) (*mat.Dense, error) {
	p, err := normPhase(phase)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	x, ok := s.latents[p]
	s.mu.Unlock()
	if ok {
		return x, nil
	}
	inf, err := s.Run.Infer(ctx, p)
	if err != nil {
		return nil, err
	}
	x = mat.NewDense(max(inf.Steps(), 1), inf.H, widen(inf.AllLatents(), inf.Steps()*inf.H))
	s.mu.Lock()
	s.latents[p] = x
	s.mu.Unlock()
	return x, nil
}

// widen converts float32 to a new float64 slice of length n (n ≥ len(x); the
// rest is zero, so an empty phase still gives a 1-row matrix).
func widen(x []float32, n int) []float64 {
	out := make([]float64, max(n, len(x), 1))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

// PCA returns the phase's latent PCA with every component (H of them, or
// fewer if the phase has fewer steps): exact SVD, sklearn's sign rule. Cached.
func (s *Session) PCA(ctx context.Context, phase string) (*analysis.PCA, error) {
	p, err := normPhase(phase)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	pca, ok := s.pcas[p]
	s.mu.Unlock()
	if ok {
		return pca, nil
	}
	x, err := s.Latents(ctx, p)
	if err != nil {
		return nil, err
	}
	n, h := x.Dims()
	if n < 2 {
		return nil, fmt.Errorf("%s: phase %s has too few steps for a PCA", s.Run.Run.Dir, p)
	}
	pca, err = analysis.FitPCA(x, min(n, h))
	if err != nil {
		return nil, fmt.Errorf("%s: PCA of the %s latents: %w", s.Run.Run.Dir, p, err)
	}
	s.mu.Lock()
	s.pcas[p] = pca
	s.mu.Unlock()
	return pca, nil
}

// precise returns a float64 fixed-point map of the model: a new one per call,
// since a map keeps scratch buffers and searches may run concurrently.
func (s *Session) precise() *nets.FixedPointMap[float64] {
	return nets.NewFixedPointMap(nets.Convert[float64](s.Run.Model))
}
