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
//	best.bin        model parameters at the best validation loss
//	history.csv     epoch,train_loss,val_loss,seconds
//	state.json      status, epochs done, best validation loss, last message
//
// Every file is written to a temporary file and renamed into place, so a crash
// never leaves a half-written file behind.
package run
