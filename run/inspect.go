package run

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ctdtui/ctdtui/nets"
	"github.com/ctdtui/ctdtui/presets"
)

// Summary is what a listing shows of a run directory: its saved state, the
// status to show, and the first problem with its files.
type Summary struct {
	Dir   string
	State State // as saved (the zero State when state.json is unreadable)
	// Status is what to show: the saved status, StatusDamaged when Damage is
	// set, StatusInterrupted for a "training" state whose trainer is gone.
	Status string
	// Damage is the first missing or corrupt file found, naming the file and
	// the problem; nil for a sound run.
	Damage error
	// Holder is the trainer holding the run's lock now (nil when none).
	Holder *Holder
}

// legacyTrainingWindow: state.json files written before trainers took the
// lock and recorded their pid cannot tell a live trainer from a dead one; a
// "training" state updated this recently is taken to be alive.
const legacyTrainingWindow = 2 * time.Minute

// Inspect summarises a run directory without loading its model: it checks
// that config.toml parses, state.json and history.csv are readable and agree
// with the checkpoints, and that checkpoint.bin and best.bin have the size
// their headers describe (a truncated file is caught here; damage inside one
// is caught by its checksum when it is opened). A run being trained is not
// checked beyond its state, since its files change under the reader.
func Inspect(dir string) (s Summary) {
	s.Dir = dir
	defer func() {
		switch {
		case s.Damage != nil:
			s.Status = StatusDamaged
		case s.Status == "":
			s.Status = s.State.Status
		}
	}()
	if IsEvaluation(dir) {
		return inspectEvaluation(dir)
	}
	held, holder, herr := Held(dir)
	if held {
		s.Holder = &holder
	}
	cfgPath := filepath.Join(dir, ConfigFile)
	if _, err := os.Stat(cfgPath); err != nil {
		s.Damage = fmt.Errorf("%s is missing: this directory holds run files but no configuration", cfgPath)
		return s
	}
	if _, err := presets.LoadFile(cfgPath); err != nil {
		s.Damage = err
		return s
	}
	st, err := readState(filepath.Join(dir, StateFile))
	if err != nil {
		s.Damage = err
		return s
	}
	s.State = st
	if held {
		s.Status = StatusTraining
		return s
	}
	if LiveLegacyTrainer(st, time.Now()) {
		// An older ctdtui (no lock) may be writing the files right now, in
		// its own order: checking them could see a half-finished epoch.
		return s
	}
	if st.Status == StatusTraining && herr == nil {
		s.Status = StatusInterrupted
	}
	// The checkpoint is read before the history: the history is written
	// first after each epoch, so read in this order they agree even while a
	// trainer (of an older ctdtui, which takes no lock) writes them.
	ckEpoch, err := checkCheckpointFile(filepath.Join(dir, CheckpointFile))
	switch {
	case errors.Is(err, os.ErrNotExist) && st.Epoch > 0:
		s.Damage = fmt.Errorf("%s is missing (%s records %d epochs)", filepath.Join(dir, CheckpointFile), StateFile, st.Epoch)
		return s
	case err != nil && !errors.Is(err, os.ErrNotExist):
		s.Damage = err
		return s
	}
	hist, err := readHistory(filepath.Join(dir, HistoryFile))
	if err != nil {
		s.Damage = err
		return s
	}
	if len(hist) < ckEpoch {
		s.Damage = fmt.Errorf("%s has %d epochs but %s is at epoch %d", filepath.Join(dir, HistoryFile), len(hist), CheckpointFile, ckEpoch)
		return s
	}
	// best.bin is optional (a copied run may leave it out; only --best needs
	// it), but a damaged one is damage.
	if _, err := checkCheckpointFile(filepath.Join(dir, BestFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		s.Damage = err
	}
	return s
}

// LiveLegacyTrainer reports whether a "training" state without a recorded
// pid (written by a ctdtui older than the lock) was updated so recently that
// its trainer may still be running.
func LiveLegacyTrainer(st State, now time.Time) bool {
	return st.Status == StatusTraining && st.PID == 0 && now.Sub(st.Updated) < legacyTrainingWindow
}

// checkCheckpointFile checks that a checkpoint file is as long as its header
// says and returns its epoch. A missing file's error wraps os.ErrNotExist.
func checkCheckpointFile(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return 0, missingFile{path}
		}
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	want, h, err := nets.CheckpointFileSize(f)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	if fi.Size() != want {
		return 0, fmt.Errorf("%s: %w: %d bytes, its header describes %d (truncated or damaged file)", path, nets.ErrCorrupt, fi.Size(), want)
	}
	return h.Epoch, nil
}

// runFiles are the files that mark a directory as a run (config.toml alone
// does, and so does any of the others when config.toml was lost).
var runFiles = []string{ConfigFile, StateFile, CheckpointFile, HistoryFile, BestFile}

// LooksLikeRun reports whether dir holds any run file: a listing shows such a
// directory (as damaged when its config.toml is missing) instead of hiding it.
func LooksLikeRun(dir string) bool {
	for _, f := range runFiles {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			return true
		}
	}
	return false
}
