package sim

import (
	"fmt"
	"math"
)

// RandomTargetLoss is the reference's RandomTargetLoss:
//
//	loss = PosWeight · mean((hand[:, :k] − target[:, :k])²) + ActWeight · mean(action²)
//
// where the first mean runs over the first k = ceil(T·min(1, epoch/FullTrialEpoch))
// steps of every trial (B·k·2 values), a curriculum that phases the position term
// in, and the second over every raw (unclamped) model output (B·T·O values).
type RandomTargetLoss struct {
	PosWeight, ActWeight float64
	FullTrialEpoch       int
}

// NeedsLatents implements Loss.
func (RandomTargetLoss) NeedsLatents() bool { return false }

// IncludedSteps is the number of leading steps the position term scores at epoch
// (0-based), out of T.
func (l RandomTargetLoss) IncludedSteps(T, epoch int) int {
	frac := min(1.0, float64(epoch)/float64(l.FullTrialEpoch))
	return int(math.Ceil(float64(T) * frac))
}

// Eval implements Loss. out.Controlled holds the hand positions (T×B×2) after
// each step, out.Actions the raw model outputs (T×B×O); the targets come from b.
//
// At epoch 0 no step is scored. The reference then averages an empty tensor and
// reports a NaN loss while its gradient comes from the action term only; here
// the position term is simply left out, so the loss is the action term (finite)
// and the gradient is the reference's.
func (l RandomTargetLoss) Eval(b *Batch, out *Outputs, grad *Outputs) float64 {
	T, B := out.T, out.B
	if T == 0 || B == 0 {
		return 0
	}
	if len(out.Controlled) != T*B*2 || len(b.Targets) < T*B*2 || b.TargetDim != 2 {
		panic(fmt.Sprintf("sim: RandomTargetLoss needs T×B×2 hand positions and targets (T=%d, B=%d; got %d and %d, target dim %d)",
			T, B, len(out.Controlled), len(b.Targets), b.TargetDim))
	}
	if len(out.Actions)%(T*B) != 0 {
		panic(fmt.Sprintf("sim: RandomTargetLoss: %d actions is not a multiple of T×B = %d", len(out.Actions), T*B))
	}
	loss := 0.0
	if k := l.IncludedSteps(T, b.Epoch); k > 0 {
		n := k * B * 2 // time-major: the first k steps are the first k·B·2 values
		inv := 1 / float64(n)
		sum := 0.0
		for i := range n {
			d := out.Controlled[i] - float64(b.Targets[i])
			sum += d * d
			if grad != nil {
				grad.Controlled[i] += l.PosWeight * 2 * d * inv
			}
		}
		loss += l.PosWeight * sum * inv
	}
	inv := 1 / float64(len(out.Actions))
	sum := 0.0
	for i, a := range out.Actions {
		sum += a * a
		if grad != nil {
			grad.Actions[i] += l.ActWeight * 2 * a * inv
		}
	}
	return loss + l.ActWeight*sum*inv
}
