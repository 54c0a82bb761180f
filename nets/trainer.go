package nets

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"time"

	"github.com/ctdtui/ctdtui/sim"
)

// TrainConfig holds the optimisation settings of a run.
type TrainConfig struct {
	Epochs      int     // total epochs of the run (also when resuming)
	BatchSize   int     // trials per mini-batch
	LR          float64 // Adam learning rate
	WeightDecay float64 // coupled L2 weight decay (torch Adam's weight_decay)
	Clip        float64 // global gradient-norm clip; 0 disables
	Seed        uint64  // seeds initialisation, batch order and model noise
	Workers     int     // goroutines per batch; 0 means GOMAXPROCS
}

// Validate reports the first invalid setting by its preset key.
func (c TrainConfig) Validate() error {
	switch {
	case c.Epochs < 1:
		return fmt.Errorf("train.epochs must be at least 1, got %d", c.Epochs)
	case c.BatchSize < 1:
		return fmt.Errorf("train.batch must be at least 1, got %d", c.BatchSize)
	case !(c.LR > 0) || math.IsInf(c.LR, 0):
		return fmt.Errorf("train.lr must be a positive number, got %v", c.LR)
	case !(c.WeightDecay >= 0) || math.IsInf(c.WeightDecay, 0):
		return fmt.Errorf("train.weight_decay must be >= 0, got %v", c.WeightDecay)
	case !(c.Clip >= 0) || math.IsInf(c.Clip, 0):
		return fmt.Errorf("train.clip must be >= 0 (0 turns clipping off), got %v", c.Clip)
	case c.Workers < 0:
		return fmt.Errorf("train.threads must be >= 0 (0 means all cores), got %d", c.Workers)
	}
	return nil
}

// EpochStats summarises one finished epoch.
type EpochStats struct {
	Epoch     int     // 1-based number of the epoch just finished
	TrainLoss float64 // batch-size-weighted mean of the epoch's training batch losses
	ValLoss   float64 // batch-size-weighted mean over the validation batches
	Seconds   float64 // wall time of the epoch (training and validation)
}

// Progress is streamed while training. Batch updates may be dropped when the
// receiver is slow; epoch updates are delivered through the OnEpoch callback.
type Progress struct {
	Epoch, Epochs  int // Epoch is the 1-based epoch in progress
	Batch, Batches int // batches done in this epoch
	TrainLoss      float64
	Elapsed        time.Duration // since Run started
}

// ErrDiverged is returned (wrapped) when a loss becomes NaN or infinite.
var ErrDiverged = errors.New("training diverged")

// Trainer trains a float32 model on a dataset.
type Trainer struct {
	Task  sim.Task
	Data  *sim.Dataset
	Model Model[float32]
	Opt   *Adam[float32]
	Cfg   TrainConfig
	// Epoch is the number of completed epochs.
	Epoch int
	// Progress, if set, receives batch progress without blocking (dropped when full).
	Progress chan<- Progress
	// FullLength simulates every step of the task's padded length, as the
	// reference does, instead of stopping each batch at its longest trial (the
	// padding carries no loss, so only the time differs; for measurements).
	FullLength bool
	// OnEpoch, if set, is called after every epoch with the model in its
	// end-of-epoch state (checkpoint there). An error stops training.
	OnEpoch func(EpochStats) error

	runner  *runner[float32]
	sampler sim.Sampler
}

// NewTrainer builds a trainer with a freshly initialised model and optimiser.
func NewTrainer(task sim.Task, data *sim.Dataset, mc Config, tc TrainConfig) (*Trainer, error) {
	if err := tc.Validate(); err != nil {
		return nil, err
	}
	mc.Inputs, mc.Outputs = task.ModelInputDim(), task.OutputDim()
	// Initialisation has its own stream so that it does not depend on anything else.
	model, err := New[float32](mc, rand.New(rand.NewPCG(tc.Seed, 0x1a17)))
	if err != nil {
		return nil, err
	}
	return &Trainer{Task: task, Data: data, Model: model, Opt: NewAdam[float32](model.Params().Len(), tc.LR, tc.WeightDecay), Cfg: tc}, nil
}

// Workers is the number of goroutines a batch is split across.
func (tr *Trainer) Workers() int {
	if tr.Cfg.Workers > 0 {
		return tr.Cfg.Workers
	}
	return defaultWorkers()
}

func defaultWorkers() int { return runtime.GOMAXPROCS(0) }

func (tr *Trainer) ensureRunner() {
	if tr.sampler == nil {
		tr.sampler = sim.BindSampler(tr.Task.Sampler(), tr.Data)
	}
	if tr.runner == nil {
		maxB := min(tr.Cfg.BatchSize, max(len(tr.Data.Train), len(tr.Data.Valid)))
		tr.runner = newRunner(tr.Model, tr.Task, max(1, maxB), tr.Workers())
	}
}

// epochRNG is the stream that orders epoch e's batches and seeds its noise: a
// pure function of the seed and the epoch, so that a resumed run repeats exactly
// what an uninterrupted one does.
func epochRNG(seed uint64, epoch int) *rand.Rand {
	return rand.New(rand.NewPCG(seed^0x9e3779b97f4a7c15, uint64(epoch)))
}

// Run trains from tr.Epoch up to Cfg.Epochs. On cancellation or divergence the
// model and optimiser are restored to the last completed epoch, so what is
// saved is always an end-of-epoch state. It returns ctx.Err() when cancelled and
// an error wrapping ErrDiverged when a loss is not finite.
func (tr *Trainer) Run(ctx context.Context) error {
	tr.ensureRunner()
	tr.runner.ctx = ctx
	defer func() { tr.runner.ctx = nil }()
	start := time.Now()
	params := tr.Model.Params().Data
	snapshot := newSnapshot(tr)
	var batch sim.Batch
	for tr.Epoch < tr.Cfg.Epochs {
		epochStart := time.Now()
		e := tr.Epoch
		rng := epochRNG(tr.Cfg.Seed, e)
		batches := tr.sampler.Epoch(tr.Data.Train, tr.Cfg.BatchSize, rng)
		noise := &Noise{}
		sum, n := 0.0, 0
		for k, idx := range batches {
			if err := ctx.Err(); err != nil {
				snapshot.restore(tr)
				return err
			}
			tr.Data.FillBatch(&batch, idx, tr.batchSteps(), e)
			noise.Reset(rng.Uint64(), idx)
			loss, err := tr.runner.lossAndGrad(&batch, noise, true)
			if err != nil {
				snapshot.restore(tr)
				return err // a cancellation inside the batch lands here too
			}
			if !isFinite(loss) || !allFinite(tr.runner.grad) {
				snapshot.restore(tr)
				return fmt.Errorf("%w at epoch %d, batch %d: loss %v; keeping epoch %d", ErrDiverged, e+1, k+1, loss, e)
			}
			ClipGradNorm(tr.runner.grad, tr.Cfg.Clip)
			tr.Opt.Update(params, tr.runner.grad)
			sum += loss * float64(len(idx))
			n += len(idx)
			if tr.Progress != nil {
				select {
				case tr.Progress <- Progress{Epoch: e + 1, Epochs: tr.Cfg.Epochs, Batch: k + 1, Batches: len(batches), TrainLoss: loss, Elapsed: time.Since(start)}:
				default:
				}
			}
		}
		if !allFinite(params) {
			snapshot.restore(tr)
			return fmt.Errorf("%w at epoch %d: parameters are not finite; keeping epoch %d", ErrDiverged, e+1, e)
		}
		val, err := tr.Evaluate(ctx, tr.Data.Valid, e)
		if err != nil {
			snapshot.restore(tr)
			return err
		}
		if !isFinite(val) {
			snapshot.restore(tr)
			return fmt.Errorf("%w at epoch %d: validation loss %v; keeping epoch %d", ErrDiverged, e+1, val, e)
		}
		tr.Epoch++
		stats := EpochStats{Epoch: tr.Epoch, TrainLoss: sum / float64(max(n, 1)), ValLoss: val, Seconds: time.Since(epochStart).Seconds()}
		if tr.OnEpoch != nil {
			if err := tr.OnEpoch(stats); err != nil {
				return err
			}
		}
		snapshot.take(tr)
	}
	return nil
}

// Evaluate returns the loss over the given trials (batches of the training batch
// size, in order, batch-size-weighted like the reference's validation loss) at
// the curriculum of epoch. Model noise is seeded by the run seed and epoch.
func (tr *Trainer) Evaluate(ctx context.Context, idx []int, epoch int) (float64, error) {
	tr.ensureRunner()
	var batch sim.Batch
	noise := &Noise{}
	sum := 0.0
	for k, chunk := range sim.Chunk(idx, tr.Cfg.BatchSize) {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		tr.Data.FillBatch(&batch, chunk, tr.batchSteps(), epoch)
		noise.Reset(tr.Cfg.Seed^uint64(epoch+1)<<20^uint64(k), chunk)
		loss, err := tr.runner.lossAndGrad(&batch, noise, false)
		if err != nil {
			return 0, err
		}
		sum += loss * float64(len(chunk))
	}
	return sum / float64(max(len(idx), 1)), nil
}

// batchSteps is the FillBatch steps argument: 0 cuts at the batch's longest trial.
func (tr *Trainer) batchSteps() int {
	if tr.FullLength {
		return tr.Data.Steps
	}
	return 0
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func allFinite(x []float32) bool {
	for _, v := range x {
		if v-v != 0 { // NaN or ±Inf
			return false
		}
	}
	return true
}

// snapshot keeps the end-of-epoch parameters and optimiser state so that an
// interrupted epoch can be rolled back.
type snapshot struct {
	params, m, v []float32
	step         int
}

func newSnapshot(tr *Trainer) *snapshot {
	s := &snapshot{}
	s.take(tr)
	return s
}

func (s *snapshot) take(tr *Trainer) {
	s.params = append(s.params[:0], tr.Model.Params().Data...)
	s.m = append(s.m[:0], tr.Opt.M...)
	s.v = append(s.v[:0], tr.Opt.V...)
	s.step = tr.Opt.Step
}

func (s *snapshot) restore(tr *Trainer) {
	copy(tr.Model.Params().Data, s.params)
	copy(tr.Opt.M, s.m)
	copy(tr.Opt.V, s.v)
	tr.Opt.Step = s.step
}
