package run

import (
	"math"
	"path/filepath"
)

// ReadState reads a run directory's state.json alone — no configuration,
// history or checkpoint — for listings of many runs (ctdtui sweep status
// reads a thousand in well under a second). The error names the file: a
// missing one wraps os.ErrNotExist. BestVal is +Inf before the first epoch.
func ReadState(dir string) (State, error) {
	st, err := readState(filepath.Join(dir, StateFile))
	if err != nil {
		return State{}, err
	}
	if st.BestEpoch == 0 {
		st.BestVal = math.Inf(1)
	}
	return st, nil
}
