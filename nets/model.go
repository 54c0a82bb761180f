package nets

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/ctdtui/ctdtui/sim"
)

// Model kinds, as named in presets and run files.
const (
	KindGRU      = "gru"      // GRU_RNN: torch GRUCell, learned noisy initial state
	KindNoisyGRU = "noisygru" // NoisyGRU: GRU with state noise added after the readout
	KindRNN      = "rnn"      // Vanilla_RNN: torch RNNCell (tanh), zero initial state
	KindDriscoll = "driscoll" // DriscollRNN: leaky rate network with noise inside the tanh
	KindNODE     = "node"     // NODE: h + 0.1·MLP([h, x])
	KindLSTM     = "lstm"     // torch LSTMCell, learned noisy initial (h, c); not in the reference
)

// Kinds lists every model kind.
var Kinds = []string{KindGRU, KindNoisyGRU, KindRNN, KindDriscoll, KindNODE, KindLSTM}

// Config describes a model. Inputs and Outputs come from the task.
type Config struct {
	Kind    string
	Inputs  int
	Latent  int
	Outputs int
	// ICStd is the std of the Gaussian noise added to the learned initial state
	// (the reference's latent_ic_var, which is used as a standard deviation).
	// GRU, NoisyGRU and LSTM (on h and on c).
	ICStd float64
	// Noise is the std of the state noise: NoisyGRU (added after the readout) and
	// Driscoll (inside the tanh).
	Noise float64
	// Gamma is the Driscoll RNN's leak.
	Gamma float64
	// Layers and LayerHidden shape the NODE's MLP (Layers >= 2).
	Layers, LayerHidden int
}

// StateDim is the size of the model's dynamical state, what a tape's Latent
// and Initial return per row and what the analyses see: Latent, except for
// an LSTM, whose state is the pair [h, c] (2·Latent values; Latent is the
// hidden size, as in torch's LSTMCell).
func (c Config) StateDim() int {
	if c.Kind == KindLSTM {
		return 2 * c.Latent
	}
	return c.Latent
}

// Validate reports the first invalid field by its preset key.
func (c Config) Validate() error {
	switch {
	case !slices.Contains(Kinds, c.Kind):
		return fmt.Errorf("model.kind %q is not one of %s", c.Kind, strings.Join(Kinds, ", "))
	case c.Inputs < 1:
		return fmt.Errorf("model inputs must be at least 1, got %d", c.Inputs)
	case c.Outputs < 1:
		return fmt.Errorf("model outputs must be at least 1, got %d", c.Outputs)
	case c.Latent < 1:
		return fmt.Errorf("model.latent must be at least 1, got %d", c.Latent)
	case !(c.ICStd >= 0):
		return fmt.Errorf("model.ic_std must be >= 0, got %v", c.ICStd)
	case !(c.Noise >= 0):
		return fmt.Errorf("model.noise must be >= 0, got %v", c.Noise)
	case c.Kind == KindDriscoll && !(c.Gamma > 0 && c.Gamma <= 1):
		return fmt.Errorf("model.gamma must be in (0, 1], got %v", c.Gamma)
	case c.Kind == KindNODE && c.Layers < 2:
		// One layer would map to LayerHidden outputs with a ReLU: broken in the reference.
		return fmt.Errorf("model.layers must be at least 2 for a NODE, got %d", c.Layers)
	case c.Kind == KindNODE && c.LayerHidden < 1:
		return fmt.Errorf("model.layer_hidden must be at least 1, got %d", c.LayerHidden)
	}
	return nil
}

// Model is a recurrent network with a linear readout.
type Model[F sim.Float] interface {
	Config() Config
	// Params is the model's flat parameter vector.
	Params() *Params[F]
	// NewTape allocates a workspace for up to maxB rows and maxT steps.
	NewTape(maxB, maxT int) Tape[F]
}

// Tape runs one batch forward step by step, keeping what the backward pass needs.
// A tape is used by one goroutine at a time. "State" below is the model's
// dynamical state, Config.StateDim() values per row (the LSTM's is [h, c]).
type Tape[F sim.Float] interface {
	// Reset starts a rollout of B rows: the initial state is drawn (with noise
	// from noise's streams, row r from stream r; nil means no noise).
	Reset(B int, noise *Noise)
	// Step advances every row one step on inputs x (B×Inputs) and writes the
	// outputs (B×Outputs) into y; a nil y skips the readout.
	Step(x, y []F)
	// Latent returns the state after step t (B×StateDim), valid until Reset.
	Latent(t int) []F
	// Initial returns the initial state (B×StateDim).
	Initial() []F
	// ResetState starts a rollout of B rows from the given states h0
	// (B×StateDim) instead of the model's own initial state (fixed-point
	// analysis).
	ResetState(B int, h0 []F)
	// InitialGrad returns d loss/d initial state (B×StateDim) after Backward(0).
	InitialGrad() []F
	// Backward processes step t; call it for t = steps-1 down to 0 exactly once each.
	// dy (B×Outputs, nil means zero) is d loss/d y_t, dlat (B×StateDim, may be
	// nil) d loss/d Latent(t).
	// Parameter gradients are ADDED into grad (same layout as Params().Data);
	// a nil grad skips them (only state and input gradients are wanted).
	// If dx is non-nil it receives d loss/d x_t (overwritten).
	Backward(t int, dy, dlat, dx, grad []F)
}

// New builds a model with torch's default initialisation drawn from rng.
func New[F sim.Float](c Config, rng *rand.Rand) (Model[F], error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	var m Model[F]
	switch c.Kind {
	case KindGRU, KindNoisyGRU:
		m = newGRU[F](c)
	case KindRNN:
		m = newRNN[F](c)
	case KindDriscoll:
		m = newDriscoll[F](c)
	case KindNODE:
		m = newNODE[F](c)
	case KindLSTM:
		m = newLSTM[F](c)
	}
	if rng != nil {
		initParams(m, rng)
	}
	return m, nil
}

// initParams applies torch's defaults: every weight and bias of a GRUCell,
// RNNCell or LSTMCell ~ U(±1/√H); Linear layers ~ U(±1/√in); learned initial
// states (latent_ics, the LSTM's latent_ics_h and latent_ics_c) and the
// Driscoll bias start at zero.
func initParams[F sim.Float](m Model[F], rng *rand.Rand) {
	c := m.Config()
	p := m.Params()
	for _, v := range p.Views {
		x := p.Data[v.Off : v.Off+v.Len()]
		switch {
		case strings.HasPrefix(v.Name, "latent_ics") || v.Name == "bias":
			clear(x)
		case strings.HasSuffix(v.Name, "_ih") || strings.HasSuffix(v.Name, "_hh"):
			uniformInit(x, invSqrt(c.Latent), rng)
		default: // Linear: fan-in is the last dimension of the weight.
			fanIn := v.Shape[len(v.Shape)-1]
			if len(v.Shape) == 1 { // a Linear bias: fan-in of its weight
				fanIn = linearFanIn(p, v.Name)
			}
			uniformInit(x, invSqrt(fanIn), rng)
		}
	}
}

// linearFanIn finds the input size of the Linear layer whose bias is called name.
func linearFanIn[F sim.Float](p *Params[F], biasName string) int {
	w := strings.TrimSuffix(biasName, "bias") + "weight"
	for _, v := range p.Views {
		if v.Name == w {
			return v.Shape[1]
		}
	}
	panic("nets: no weight for bias " + biasName)
}
