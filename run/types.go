package run

import "github.com/ctdtui/ctdtui/nets"

// The training types that run's API hands out (Run.History, Session.Train's
// callback, Session.Trainer.Progress), named here so that a user of run —
// the terminal UI — works with them without reaching into package nets.

// EpochStats is one epoch of training, a row of history.csv.
type EpochStats = nets.EpochStats

// Progress is a batch-level progress report of the trainer.
type Progress = nets.Progress
