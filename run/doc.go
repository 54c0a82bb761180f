// Package run manages run directories and the training session behind both the
// headless `ctdtui train` command and the TUI: it builds the task, dataset and
// trainer from a configuration, checkpoints atomically after every epoch,
// resumes from the last saved epoch, and refuses damaged or mismatched files
// with a message naming the file and the problem.
//
// A run directory holds:
//
//	config.toml     the resolved configuration (a preset file)
//	checkpoint.bin  model and optimiser state after the last completed epoch
//	                (the initial model until the first epoch is saved)
//	best.bin        model parameters at the best validation loss
//	history.csv     epoch,train_loss,val_loss,seconds
//	state.json      status, epochs done, best validation loss, last message,
//	                pid and host of the trainer
//	train.lock      the trainer's lock (its one line names the holder)
//
// Nothing is lost by a crash. Every file is written to a temporary file and
// renamed into place, so no file is ever half-written; after each epoch the
// files are written history → checkpoint → best → state, so that whichever
// write a crash interrupts, NewSession finds a run it can resume exactly (it
// drops a history row the checkpoint lacks and repairs best.bin and
// state.json). A run with epochs on record is never started again from
// scratch: a missing or damaged checkpoint is refused (NewSessionFromBest
// continues from best.bin).
//
// One trainer per run: NewSession takes the run's lock (AcquireLock, an
// exclusive flock(2) on train.lock) and Session.Close releases it; the kernel
// releases it when the process dies, so Held tells a live trainer from a
// "training" state left by a dead one at once. Sweeps and other executors use
// the same calls. Inspect summarises a directory for a listing (its true
// status, the first damaged file) without loading the model; Load reads the
// model for analysis, needing only config.toml and the checkpoint.
//
// An evaluation directory (evaldir.go, `ctdtui eval --out`) is a trained
// run's model on a changed task. Open, Read, Load and Inspect take it as they
// take a run, so every analysis opens it: its config.toml is the evaluated
// task, its model is read from the run it names in evaluation.json and
// checked against the SHA-256 recorded there (a changed model is refused).
// It cannot be trained.
package run
