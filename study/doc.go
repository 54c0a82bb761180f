// Package study is the glue between saved runs and package analysis: it opens a
// trained run, keeps one cached, seeded inference per phase, and computes what
// the headless commands (ctdtui analyze, fixedpoints, compare, export) and the
// terminal UI's Trials, Analysis and Compare tabs show. Both use the same
// functions, so a number on screen is the number a script reads.
//
// A Session wraps one loaded run. Its methods (Scree, PCs, Performance,
// Analyze, FixedPoints, Compare) cache their results per phase and settings,
// so returning to a view is instant; the long ones take a context.Context and
// report Progress through a callback, and a cancelled computation is not
// cached. A Session is safe for concurrent use.
//
// What each UI tab shows has its study call and its command:
//
//   - Trials: Rollout (the phase's trials as the model ran them, with their
//     latents on the phase's first PCs) and Trial (`ctdtui trial`).
//   - Analysis: Scree, PCs, FixedPoints (with its q-threshold ladder and
//     stability types); the input held "at the cursor" is Rollout.HeldInput
//     (`fixedpoints --inputs-at`); ClosedLoopFixedPoints for arm models
//     (`fixedpoints --closed-loop`); the time-resolved pages: Align
//     (`ctdtui align`) and Decode (`ctdtui decode`), whose events,
//     conditions and variables come from the task's sim.Describer.
//   - Compare: Compare, FixedPoints of both runs, AlignTrajectories
//     (`compare --trajectories`).
//   - Trials, evaluating (e, c): Evaluate (`ctdtui eval`), the model under
//     a changed task next to its own validation, and the evaluation's
//     Rollout.
//   - Train: the dynamics probe, ProbeDynamics, run live by a LiveProbe
//     through TrainWatched and on a saved run by Dynamics (`ctdtui
//     dynamics`).
//
// Every projection of states on PCs is analysis.PCA.Project.
//
// Every result is a plain struct with JSON tags: the --json output of the
// commands is that struct, and its text table comes from its WriteTable
// method. The README lists the fields.
//
// # Conventions
//
//   - Phases are "train", "val" and "all" (train trials then validation trials).
//   - Latents are the states after each step, from one forward pass per phase
//     seeded with run.EvalSeed, on the noisy inputs the model was trained with.
//   - Ragged (MultiTask) trials are concatenated step by step for PCA and
//     regressions (no padding enters a statistic); DSA, which needs equal
//     lengths, cuts every trial to the shortest one; export pads with NaN and
//     writes the lengths.
//   - Fixed-point searches run Adam on the float32 model (the fast fused
//     forward+backward kernels) and do everything precision-sensitive — Newton
//     refinement, q at the final points, Jacobians, eigenvalues — on a float64
//     copy of the model.
package study
