// Package arm simulates MotorNet's planar two-joint arm with six rigid-tendon Hill
// muscles (RigidTendonArm26 with MujocoHillMuscle), the plant of the RandomTarget
// reaching task, in float64, together with the hand-written adjoint (reverse-mode
// derivative) of one simulation step and of the observation, so that a controller
// can be trained with gradients through the physics.
//
// Everything follows the equations of spec/motornet-arm.md; MotorNet's own code is
// GPL and was not used. The reference's discrete-time quirks are kept on purpose,
// because trained controllers depend on them:
//   - the muscle state produced by a step is computed from the geometry at the START
//     of the step, so muscle length, velocity and force lag the joints by one step;
//   - joints integrate with explicit Euler (positions use the old velocity), and the
//     joint limits are perfectly inelastic stops;
//   - the activation update is a plain Euler step with dt = 0.01 that overshoots
//     (from rest, a → 2u);
//   - the velocity used by the force-velocity curve and the proprioceptive velocity
//     are divided by vmax = 1.5 m/s, not by the optimal fibre length.
//
// Units are SI. Muscle order, used for every length-6 array:
// pectoralis, deltoid, brachioradialis, tricepslat, biceps, tricepslong.
//
// Force fields ([Field]: none, constant, curl; template.md §1.1) add their force
// to the step's endpoint load, so they act through Jᵀ exactly as a bump does.
// A curl field's force depends on the hand velocity at the start of the step,
// so its adjoint adds a path to the joint angles and velocities of that state
// (fieldBackward). The level is per trial (Rollout.SetField).
//
// The package has three layers:
//   - [Arm] holds the constants and offers per-trial operations on a [State]:
//     Reset, Step (with optional [StepInfo] derivatives), Observe, and their adjoints
//     StepBackward and ObserveBackward. These allocate nothing.
//   - [Rollout] runs a batch of independent trials for up to T steps, records the
//     tape the backward pass needs (30 float64 per trial and step), and walks the
//     adjoint back step by step. Its Obs/Step/Backward methods have exactly the
//     shape of sim.Episode.
//   - Inspection: Rollout.Frame reports, per trial and step, joint angles and
//     velocities, hand position and velocity, muscle activations, lengths,
//     velocities and forces (all recomputed from the tape, so recording is free).
package arm
