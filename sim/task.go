package sim

// Float is the set of floating-point types the numerical code is generic over:
// float32 for training (as the reference), float64 for gradient checks and golden tests.
type Float interface{ ~float32 | ~float64 }

// Kind names a task family. Code that needs to know something about a task asks
// the task (its labels, events, conditions, variables, scores) rather than
// comparing kinds; the kind is for configuration files, run directories and
// messages.
type Kind string

// The task families.
const (
	KindNBFF         Kind = "nbff"         // the N-bit flip-flop
	KindMultiTask    Kind = "multitask"    // the 15-task MultiTask set
	KindRandomTarget Kind = "randomtarget" // the arm's random-target reach
	KindCentreOut    Kind = "centreout"    // the arm's centre-out reach
)

// Kinds lists every task kind, in the order menus show them.
var Kinds = []Kind{KindNBFF, KindMultiTask, KindRandomTarget, KindCentreOut}

// Task is a configured task environment: it knows its sizes, generates datasets and
// owns its loss. Open-loop tasks (flip-flop, MultiTask) precompute every input;
// a closed-loop task also returns a Plant that turns the model's outputs into its
// next inputs. Through the embedded Describer it names its channels and says
// what happens in each trial, so that plots and analyses need not know the kind.
type Task interface {
	// Kind is the task family.
	Kind() Kind
	// DatasetName is the reference's dataset name stem (e.g. "3BFF").
	DatasetName() string
	// CacheName is the reference's dataset cache name for samples trials drawn
	// with seed (e.g. "3BFF_1000S_500T_0seed_0.15").
	CacheName(samples, seed int) string
	// Summary is a one-line description for lists ("3-bit flip-flop, 500 steps").
	Summary() string
	// Steps is the number of model steps per trial (the reference's n_timesteps).
	Steps() int
	// InputDim is the number of per-step inputs stored in the dataset (for a
	// closed-loop task: the context inputs only; the plant adds its observation).
	InputDim() int
	// ModelInputDim is the model's input size (InputDim plus the plant's observation size).
	ModelInputDim() int
	// OutputDim is the model's output size (action size).
	OutputDim() int
	// Generate draws n trials from rng in the reference's order.
	Generate(n int, rng *NumpyRNG) *Dataset
	// Loss returns the task's loss function.
	Loss() Loss
	// Plant returns the closed-loop environment, or nil for open-loop tasks.
	// The model's input at each step is then [observation, dataset inputs]
	// (observation first), as in the reference's wrapper.
	Plant() Plant
	// Sampler returns how training trials are batched (MultiTask groups by task).
	Sampler() Sampler
	// DynamicNoise is the std of fresh Gaussian noise added to every model input
	// at every step (the reference's dynamic_noise; 0 for off).
	DynamicNoise() float64
	// CurriculumEnd is the 0-based epoch from which the loss no longer depends on
	// the epoch (0 for a task without a curriculum): evaluations score at
	// max(epoch, CurriculumEnd()) so that they see the final loss.
	CurriculumEnd() int
	Describer
}

// Outputs are the time-major results of one batch rollout that a loss reads.
type Outputs struct {
	B, T int
	// Controlled is what the targets are compared with (T×B×C): the model output for
	// open-loop tasks, the hand position for RandomTarget.
	Controlled []float64
	// Actions are the raw model outputs (T×B×O). For open-loop tasks the same slice
	// as Controlled.
	Actions []float64
	// Latents are the hidden states after each step (T×B×H). Filled only when the
	// loss asks for them (Loss.NeedsLatents).
	Latents []float64
	H       int
}

// Loss scores a batch. Eval returns the scalar loss and, when grad is non-nil,
// ADDS d loss / d value into the slices of grad that mirror those of out
// (grad.Controlled, grad.Actions, grad.Latents; grad.Actions may alias
// grad.Controlled for open-loop tasks, in which case a loss touches only one of them).
type Loss interface {
	Eval(b *Batch, out *Outputs, grad *Outputs) float64
	// NeedsLatents reports whether Eval reads out.Latents.
	NeedsLatents() bool
}

// Plant is a closed-loop environment (the RandomTarget arm). Each trial of a batch
// evolves independently, so a batch may be split across goroutines by rows.
type Plant interface {
	ObsDim() int
	ActDim() int
	// CtlDim is the size of the controlled output compared with targets (2: hand x, y).
	CtlDim() int
	// EnvInputDim is the size of the per-step external input (2: the bump force).
	EnvInputDim() int
	// Begin starts B independent episodes from ics (B×ICDim) for up to T steps.
	Begin(ics []float64, B, T int) Episode
}

// Episode is one batch of closed-loop trials. Forward calls alternate Obs and Step
// for t = 0..T-1; then Backward is called for t = T-1..0.
type Episode interface {
	// Obs writes the current observation (B×ObsDim).
	Obs(dst []float64)
	// Step applies the actions (B×ActDim) and the external load (B×EnvInputDim, may be
	// nil) for one step, records what Backward needs, and writes the controlled
	// output after the step (B×CtlDim) into ctl.
	Step(action, load, ctl []float64)
	// Backward walks back over step t (called in decreasing t): dObsNext is d loss /
	// d (observation after step t), dCtl is d loss / d (controlled output of step t);
	// it writes d loss / d action_t into dAction (overwriting) and carries the state
	// adjoint to the previous step. Called for t=T-1 first. dObsNext and dCtl may
	// be nil for zero (e.g. dObsNext at t=T-1, whose observation no model step reads).
	Backward(t int, dObsNext, dCtl, dAction []float64)
}

// Restarter is implemented by episodes that can begin again with new initial
// conditions (B×ICDim) for up to T steps while reusing their buffers, an
// allocation-free alternative to calling Plant.Begin for every batch.
type Restarter interface {
	Restart(ics []float64, B, T int)
}

// Recorder is implemented by episodes whose plant state can be inspected during
// or after a rollout (the UI's arm view, analysis). Time t = 0 is the state at
// Begin and t = k+1 the state after Step k, for 0 ≤ t ≤ StepsTaken(). Recording
// is free: the state is recomputed from what the backward pass keeps anyway.
type Recorder interface {
	StepsTaken() int
	// StateLabels names the channels State writes.
	StateLabels() []string
	// State writes the channels of trial b at time t into dst (len(StateLabels())).
	State(dst []float64, t, b int)
}

// Batch is a mini-batch assembled from a Dataset in time-major layout.
type Batch struct {
	// Index holds the dataset trial indices of the rows.
	Index []int
	B     int
	// T is the number of steps to simulate (may be shorter than the task's Steps
	// when the rest is padding that the loss ignores).
	T int
	// Inputs (T×B×InputDim), Targets (T×B×TargetDim), EnvInputs (T×B×EnvInputDim or nil).
	Inputs, Targets, EnvInputs []float32
	InputDim, TargetDim        int
	EnvInputDim                int
	// ICs (B×ICDim) are the plant's initial conditions (closed loop only).
	ICs   []float64
	ICDim int
	// Extra is the dataset's per-trial extra pair (response window for MultiTask).
	Extra [][2]int
	// Conds is the dataset's per-trial condition (task index, catch flag).
	Conds []int
	// Epoch is the 0-based training epoch (RandomTarget's curriculum reads it).
	Epoch int
}
