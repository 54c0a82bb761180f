// Package sim holds the task environments of the computation-through-dynamics
// workflow: trial generation (bit-identical to the reference's numpy datasets),
// datasets and their train/validation split, mini-batch assembly, the task losses,
// and (for RandomTarget) the closed-loop plant that the network drives.
//
// Layout conventions used throughout ctdtui:
//   - Datasets store each trial batch-first as the reference does (trial, time, channel),
//     in float32, the precision the reference trains in.
//   - Batches handed to models are time-major: element (t, b, c) of a T×B×C array
//     is at index (t*B+b)*C + c, so that one time step of a batch is contiguous.
//   - Losses work in float64 on time-major arrays and write their gradients next
//     to the values they were given.
//
// Tasks answer for themselves. Every Task has a typed Kind (for files and
// messages only) and, through Describer, names its channels (inputs, outputs,
// targets, model inputs), lists each trial's events (RandomTarget: target
// onset, go cue, bump; MultiTask: each phase's start; flip-flop: each pulse
// with bit and sign), groups trials into conditions (reach-direction bins,
// MultiTask task × stimulus-direction bin, the flip-flop's bit pattern after a
// pulse) and gives the task variables an analysis may decode (target, start,
// hand position and velocity; stimulus direction; bit states). Tasks with
// performance measures of their own implement Scorer. The UI, run and study
// packages ask these instead of comparing kinds; only views that draw one
// task's world (the arm, the flip-flop's cube) look at the concrete type.
//
// The arm tasks (RandomTarget, and centre-out built by NewCentreOut, both a
// *RandomTarget) may put the hand under a force field with per-trial levels
// (template.md §1). A trial's level travels in its initial conditions, as a
// fifth column after the joint state (RandomTarget.ICDim, TrialLevel), so that
// the plant applies it without any change to the batch or the trainer; the
// optional FieldLevel input channel tells the model. With the field off and
// one level the task is the reference's, bit for bit (ICDim 4, 3 context
// inputs). For an evaluation on a changed task (another field, other levels,
// centre-out) build the task from the changed configuration and run the
// trained model on its trials: the model's input size is ModelInputDim (17,
// or 18 with the condition channel), and a model reads a dataset of either
// arm task as long as the sizes agree.
//
// sim imports no UI and no model code.
package sim
