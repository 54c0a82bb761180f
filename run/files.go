package run

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ctdtui/ctdtui/nets"
	"github.com/ctdtui/ctdtui/presets"
)

// File names inside a run directory.
const (
	ConfigFile     = "config.toml"
	CheckpointFile = "checkpoint.bin"
	BestFile       = "best.bin"
	HistoryFile    = "history.csv"
	StateFile      = "state.json"
)

// Status values of a run.
const (
	StatusCreated  = "created"
	StatusTraining = "training"
	StatusStopped  = "stopped"
	StatusFinished = "finished"
	StatusDiverged = "diverged"
	StatusFailed   = "failed"
)

// Statuses that listings show but that are never written to state.json.
const (
	// StatusInterrupted is a "training" state whose trainer is gone (its
	// process died without saving a final state): resumable at once.
	StatusInterrupted = "interrupted"
	// StatusDamaged is a run with a missing or corrupt file (Summary.Damage
	// says which).
	StatusDamaged = "damaged"
)

// State is state.json.
type State struct {
	Status    string    `json:"status"`
	Epoch     int       `json:"epoch"`  // completed epochs
	Epochs    int       `json:"epochs"` // the run's total
	BestVal   float64   `json:"best_val_loss"`
	BestEpoch int       `json:"best_epoch"`
	Message   string    `json:"message,omitempty"`
	Updated   time.Time `json:"updated"`
	// PID and Host identify the process that last trained the run (set while
	// it trains, kept after: a "training" state left by a dead process names
	// it). Absent in runs written before they were recorded.
	PID  int    `json:"pid,omitempty"`
	Host string `json:"host,omitempty"`
}

// Run is a run directory's contents.
type Run struct {
	Dir     string
	Config  presets.Config
	State   State
	History []nets.EpochStats
	// Eval is set when Dir is an evaluation directory (evaldir.go): Config is
	// then the evaluated configuration and the model is read from Eval's run.
	Eval *EvalRecord
	// StateErr and HistoryErr are the problems Read found in state.json and
	// history.csv, nil when the file is sound. Open refuses a run with either;
	// analyses read the model regardless (Load), and resuming rebuilds a
	// damaged state.json from the checkpoint and the history.
	StateErr, HistoryErr error
	// curriculumEnd is the task's CurriculumEnd, set when a session opens
	// the run: which epochs' validation losses can be compared (IsBest).
	curriculumEnd int
}

// missingFile is the error for a run file that does not exist: it names the
// file and wraps os.ErrNotExist.
type missingFile struct{ path string }

func (e missingFile) Error() string { return e.path + " is missing" }
func (e missingFile) Unwrap() error { return os.ErrNotExist }

// crashHook, when set (tests), is called at every step of every file write:
// after the temporary file is written ("temp") and after it is renamed into
// place ("done"). A hook that panics simulates a crash at that point.
var crashHook func(path, stage string)

// WriteFileAtomic writes data to path through a temporary file in the same
// directory, synced and renamed into place.
func WriteFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	// CreateTemp makes the file private; run files are ordinary documents.
	merr := f.Chmod(0o644)
	_, werr := f.Write(data)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(merr, werr, serr, cerr); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if crashHook != nil {
		crashHook(path, "temp")
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // make the rename durable; not all filesystems support it
		d.Close()
	}
	if crashHook != nil {
		crashHook(path, "done")
	}
	return nil
}

// NewDirName returns root/<name>-<timestamp>, unused.
func NewDirName(root, name string) string {
	stamp := time.Now().Format("20060102-150405")
	p := filepath.Join(root, name+"-"+stamp)
	for i := 2; ; i++ {
		if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
			return p
		}
		p = filepath.Join(root, fmt.Sprintf("%s-%s-%d", name, stamp, i))
	}
}

// Create makes a new run directory for cfg. The directory must not already
// hold a run.
func Create(dir string, cfg presets.Config) (*Run, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, ConfigFile)); err == nil {
		return nil, fmt.Errorf("%s already holds a run (use --resume %s to continue it)", dir, dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	// Two processes creating one directory at once: the lock lets one write.
	lock, err := AcquireLock(dir)
	if err != nil {
		return nil, err
	}
	defer lock.Release()
	if _, err := os.Stat(filepath.Join(dir, ConfigFile)); err == nil {
		return nil, fmt.Errorf("%s already holds a run (use --resume %s to continue it)", dir, dir)
	}
	r := &Run{Dir: dir, Config: cfg, State: State{Status: StatusCreated, Epochs: cfg.Train.Epochs, BestVal: math.Inf(1)}}
	data, err := cfg.Encode()
	if err != nil {
		return nil, err
	}
	if err := WriteFileAtomic(filepath.Join(dir, ConfigFile), data); err != nil {
		return nil, err
	}
	if err := r.SaveState(); err != nil {
		return nil, err
	}
	return r, r.saveHistory()
}

// Open reads a run directory, refusing missing, corrupt or inconsistent
// files (the error names the file and the problem).
func Open(dir string) (*Run, error) {
	r, err := Read(dir)
	if err != nil {
		return nil, err
	}
	if err := errors.Join(r.StateErr, r.HistoryErr); err != nil {
		return nil, err
	}
	return r, nil
}

// Read reads a run directory like Open but fails only when dir is not a run
// (missing, no config.toml) or its config.toml is invalid: problems with
// state.json and history.csv are left in StateErr and HistoryErr, so that a
// run whose model is intact can still be analysed and resumed.
func Read(dir string) (*Run, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("run directory %s: %w", dir, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", dir)
	}
	if IsEvaluation(dir) {
		return openEvaluation(dir)
	}
	cfgPath := filepath.Join(dir, ConfigFile)
	if _, err := os.Stat(cfgPath); err != nil {
		return nil, fmt.Errorf("%s is not a ctdtui run: %s is missing", dir, ConfigFile)
	}
	cfg, err := presets.LoadFile(cfgPath)
	if err != nil {
		return nil, err
	}
	r := &Run{Dir: dir, Config: cfg}
	r.reload()
	return r, nil
}

// reload reads state.json and history.csv again (Read, and a trainer once it
// holds the lock).
func (r *Run) reload() {
	r.State, r.StateErr = readState(filepath.Join(r.Dir, StateFile))
	r.History, r.HistoryErr = readHistory(filepath.Join(r.Dir, HistoryFile))
	if r.StateErr != nil {
		// What a damaged state.json still tells: the run's total epochs.
		r.State = State{Epochs: r.Config.Train.Epochs}
	}
	if r.State.BestEpoch == 0 {
		r.State.BestVal = math.Inf(1)
	}
}

// maxStateSize bounds state.json (a few hundred bytes; a longer message is
// possible, a megabyte is not).
const maxStateSize = 1 << 20

func readState(path string) (State, error) {
	data, err := readFileLimit(path, maxStateSize)
	if err != nil {
		return State{}, err
	}
	return parseState(data, path)
}

// parseState decodes and checks state.json; source names it in messages.
func parseState(data []byte, path string) (State, error) {
	var st State
	if err := json.Unmarshal(data, &st); err != nil {
		return State{}, fmt.Errorf("%s: corrupt: %v", path, err)
	}
	switch {
	case !slices.Contains(savedStatuses, st.Status):
		return State{}, fmt.Errorf("%s: corrupt: status %q is not one of %s", path, st.Status, strings.Join(savedStatuses, ", "))
	case st.Epoch < 0 || st.Epochs < 0 || st.BestEpoch < 0 || st.BestEpoch > st.Epoch:
		return State{}, fmt.Errorf("%s: corrupt: epoch %d of %d, best epoch %d", path, st.Epoch, st.Epochs, st.BestEpoch)
	}
	return st, nil
}

// savedStatuses are the statuses state.json may hold.
var savedStatuses = []string{StatusCreated, StatusTraining, StatusStopped, StatusFinished, StatusDiverged, StatusFailed, StatusEvaluation}

// readFileLimit reads a file of at most limit bytes; the error names the file.
func readFileLimit(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, missingFile{path}
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: corrupt: larger than %d bytes", path, limit)
	}
	return data, nil
}

var historyHeader = []string{"epoch", "train_loss", "val_loss", "seconds"}

func (r *Run) saveHistory() error {
	return WriteFileAtomic(filepath.Join(r.Dir, HistoryFile), encodeHistory(r.History))
}

func encodeHistory(rows []nets.EpochStats) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(historyHeader)
	for _, h := range rows {
		w.Write([]string{strconv.Itoa(h.Epoch), fmtFloat(h.TrainLoss), fmtFloat(h.ValLoss), strconv.FormatFloat(h.Seconds, 'f', 3, 64)})
	}
	w.Flush()
	return buf.Bytes()
}

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', 10, 64) }

func readHistory(path string) ([]nets.EpochStats, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, missingFile{path}
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	defer f.Close()
	return parseHistory(f, path)
}

// parseHistory reads history.csv row by row (memory grows with the rows, not
// with what a damaged line claims). source names the file in messages.
func parseHistory(rd io.Reader, source string) ([]nets.EpochStats, error) {
	cr := csv.NewReader(rd)
	cr.FieldsPerRecord = len(historyHeader)
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%s: empty (missing header %v)", source, strings.Join(historyHeader, ","))
	}
	if err != nil {
		return nil, fmt.Errorf("%s: corrupt header: %v", source, err)
	}
	if !slices.Equal(head, historyHeader) {
		return nil, fmt.Errorf("%s: header %v, want %v", source, head, historyHeader)
	}
	var out []nets.EpochStats
	for line := 2; ; line++ {
		row, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: corrupt at line %d: %v", source, line, err)
		}
		var s nets.EpochStats
		var errs [4]error
		s.Epoch, errs[0] = strconv.Atoi(row[0])
		s.TrainLoss, errs[1] = strconv.ParseFloat(row[1], 64)
		s.ValLoss, errs[2] = strconv.ParseFloat(row[2], 64)
		s.Seconds, errs[3] = strconv.ParseFloat(row[3], 64)
		if err := errors.Join(errs[:]...); err != nil || s.Epoch != len(out)+1 {
			return nil, fmt.Errorf("%s: line %d is not a valid epoch row (epoch %d expected): %.80q", source, line, len(out)+1, strings.Join(row, ","))
		}
		out = append(out, s)
	}
}

// SaveState writes state.json.
func (r *Run) SaveState() error {
	r.State.Updated = time.Now().UTC()
	st := r.State
	if math.IsInf(st.BestVal, 0) {
		st.BestVal = 0 // JSON has no infinity; BestEpoch 0 says "none yet"
	}
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return WriteFileAtomic(filepath.Join(r.Dir, StateFile), append(data, '\n'))
}

// ReadCheckpoint loads checkpoint.bin (or best.bin when best is set). For an
// evaluation directory it is the evaluated run's model file, checked against
// the recorded checksum.
func (r *Run) ReadCheckpoint(best bool) (*nets.Checkpoint, error) {
	c, _, err := r.readModel(best)
	return c, err
}

// readModel is ReadCheckpoint, also returning the SHA-256 of the file's bytes.
func (r *Run) readModel(best bool) (*nets.Checkpoint, string, error) {
	if r.Eval != nil {
		return r.readEvaluationModel(best)
	}
	name := CheckpointFile
	if best {
		name = BestFile
	}
	path := filepath.Join(r.Dir, name)
	c, sum, err := readCheckpointFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, "", missingFile{path}
	}
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	return c, sum, nil
}

// ModelFileName is the model file ReadCheckpoint(best) reads: checkpoint.bin
// or best.bin (for an evaluation, the one it evaluated).
func (r *Run) ModelFileName(best bool) string {
	switch {
	case r.Eval != nil:
		return r.Eval.Source.ModelFile
	case best:
		return BestFile
	}
	return CheckpointFile
}

func writeCheckpoint(path string, c *nets.Checkpoint) error {
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return err
	}
	return WriteFileAtomic(path, buf.Bytes())
}

// ReadHistory reads only a run's history.csv (the runs list's sparklines):
// no config, state or checkpoint.
func ReadHistory(dir string) ([]nets.EpochStats, error) {
	return readHistory(filepath.Join(dir, HistoryFile))
}
