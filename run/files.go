package run

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"

	"math"
	"os"
	"path/filepath"
	"strconv"
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

// State is state.json.
type State struct {
	Status    string    `json:"status"`
	Epoch     int       `json:"epoch"`  // completed epochs
	Epochs    int       `json:"epochs"` // the run's total
	BestVal   float64   `json:"best_val_loss"`
	BestEpoch int       `json:"best_epoch"`
	Message   string    `json:"message,omitempty"`
	Updated   time.Time `json:"updated"`
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
}

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
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // make the rename durable; not all filesystems support it
		d.Close()
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

// Open reads a run directory, refusing missing, corrupt or inconsistent files.
func Open(dir string) (*Run, error) {
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
	statePath := filepath.Join(dir, StateFile)
	data, err := os.ReadFile(statePath)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", statePath, err)
	}
	if err := json.Unmarshal(data, &r.State); err != nil {
		return nil, fmt.Errorf("%s: corrupt: %v", statePath, err)
	}
	if r.State.BestEpoch == 0 {
		r.State.BestVal = math.Inf(1)
	}
	if r.History, err = readHistory(filepath.Join(dir, HistoryFile)); err != nil {
		return nil, err
	}
	return r, nil
}

var historyHeader = []string{"epoch", "train_loss", "val_loss", "seconds"}

func (r *Run) saveHistory() error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(historyHeader)
	for _, h := range r.History {
		w.Write([]string{strconv.Itoa(h.Epoch), fmtFloat(h.TrainLoss), fmtFloat(h.ValLoss), strconv.FormatFloat(h.Seconds, 'f', 3, 64)})
	}
	w.Flush()
	return WriteFileAtomic(filepath.Join(r.Dir, HistoryFile), buf.Bytes())
}

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', 10, 64) }

func readHistory(path string) ([]nets.EpochStats, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: corrupt: %v", path, err)
	}
	if len(rows) == 0 || len(rows[0]) != len(historyHeader) {
		return nil, fmt.Errorf("%s: missing header %v", path, historyHeader)
	}
	for i, h := range historyHeader {
		if rows[0][i] != h {
			return nil, fmt.Errorf("%s: header %v, want %v", path, rows[0], historyHeader)
		}
	}
	var out []nets.EpochStats
	for k, row := range rows[1:] {
		var s nets.EpochStats
		var errs [4]error
		s.Epoch, errs[0] = strconv.Atoi(row[0])
		s.TrainLoss, errs[1] = strconv.ParseFloat(row[1], 64)
		s.ValLoss, errs[2] = strconv.ParseFloat(row[2], 64)
		s.Seconds, errs[3] = strconv.ParseFloat(row[3], 64)
		if err := errors.Join(errs[:]...); err != nil || s.Epoch != k+1 {
			return nil, fmt.Errorf("%s: line %d is not a valid epoch row: %v", path, k+2, row)
		}
		out = append(out, s)
	}
	return out, nil
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
