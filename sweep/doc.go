// Package sweep runs grids of training runs: architectures × sizes × seeds ×
// any other setting, on this machine or as a Slurm job array, and compares
// them. It sits above package run (each grid point is an ordinary run
// directory that every command and tab opens) and package study (the
// comparison), below main and the UI.
//
// A sweep directory holds
//
//	sweep.toml      the definition (preset, fixed settings, grid, seeds) and
//	                the manifest: one [[run]] per run, in array-index order
//	<run>/          one run directory per grid point and seed, named from the
//	                varied keys (gru-l32-s0)
//	logs/           Slurm's per-task output (slurm-<job>_<index>.out)
//	sweep.sbatch    the job-array script `ctdtui sweep slurm` writes
//
// Why a manifest: a Slurm array task knows only its index, so index → run must
// be fixed when the sweep is created and never depend on what is on disk; and
// `sweep status` must be fast on a thousand runs, so it reads the manifest
// once and each run's small state.json, never a checkpoint.
//
// Every key and value is validated, and every grid point's whole
// configuration checked, before anything is created. Expansion is
// deterministic: the first grid key varies slowest, seeds fastest.
//
// Executors never coordinate with each other: each run is trained under the
// run's own lock (run.AcquireLock, an flock the kernel drops when a process
// dies), so two executors on one sweep — two array tasks after a requeue, or
// a local `sweep run` beside a Slurm job — never train one run at once; the
// second one skips it. A run's thread count is part of its configuration
// (train.threads, fixed when the sweep is created), because training is
// deterministic for a given thread count: a run resumed by another executor
// continues exactly as it would have.
package sweep
