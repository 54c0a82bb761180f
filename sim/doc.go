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
// sim imports no UI and no model code.
package sim
