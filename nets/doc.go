// Package nets holds the recurrent models of the reference (GRU, NoisyGRU,
// vanilla RNN, Driscoll RNN, neural ODE), their full backpropagation through
// time, torch-style Adam with coupled L2 weight decay and global-norm clipping,
// the trainer that runs epochs in a goroutine and streams progress, and the
// checkpoint files of a run.
//
// Models are generic over the float type: training runs in float32 like the
// reference; gradient checks and golden tests instantiate float64. Parameters live
// in one flat slice (Params) so that the optimiser, clipping and checkpoints treat
// every model alike.
//
// A model runs a batch through a Tape: Reset draws the initial state, Step
// advances every row one time step and records what the backward pass needs,
// and Backward walks the steps in reverse, accumulating parameter gradients and
// (for closed-loop tasks) the gradient with respect to the step's inputs.
package nets
