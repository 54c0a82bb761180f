package sweep

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/ctdtui/ctdtui/run"
)

// Statuses a sweep's run can have beyond run's: its directory is gone.
const StatusMissing = "missing"

// statusOrder is the order the totals list statuses in.
var statusOrder = []string{run.StatusFinished, run.StatusTraining, run.StatusCreated, run.StatusStopped,
	run.StatusInterrupted, run.StatusDiverged, run.StatusFailed, run.StatusDamaged, StatusMissing}

// RunStatus is one run's line of `sweep status`.
type RunStatus struct {
	Index int    `json:"index"`
	Name  string `json:"name"`
	Group string `json:"group"`
	Seed  int    `json:"seed"`
	// Status is the saved status, "training" while a trainer holds the
	// run's lock, "interrupted" for a "training" state whose trainer is
	// gone, "damaged" for an unreadable state.json, "missing" for a run
	// directory that is gone.
	Status string `json:"status"`
	Epoch  int    `json:"epoch"`
	Epochs int    `json:"epochs"`
	// BestVal is the best validation loss so far (null before the first
	// epoch), at BestEpoch.
	BestVal   *float64  `json:"best_val_loss"`
	BestEpoch int       `json:"best_epoch"`
	Updated   time.Time `json:"updated"`
	// Holder is the trainer holding the run now ("pid 12 on node3").
	Holder  string `json:"holder,omitempty"`
	Message string `json:"message,omitempty"`
}

// Done reports whether the run needs no more training: finished, or
// diverged (resuming repeats the divergence: the run is deterministic).
func (r RunStatus) Done() bool {
	return r.Status == run.StatusFinished || r.Status == run.StatusDiverged
}

// Report is `sweep status`: every run, and the totals.
type Report struct {
	Dir  string      `json:"dir"`
	Name string      `json:"name"`
	Runs []RunStatus `json:"runs"`
	// Counts per status.
	Counts map[string]int `json:"counts"`
	// EpochsDone and Epochs are summed over the runs.
	EpochsDone int `json:"epochs_done"`
	Epochs     int `json:"epochs"`
	// Done is the number of runs that need no more training.
	Done int `json:"done"`
}

// Status reads every run's state.json and probes its lock — no checkpoint,
// history or configuration is read, so it is fast on a thousand runs.
func (s *Sweep) Status() *Report {
	rep := &Report{Dir: s.Dir, Name: s.Def.Name, Runs: make([]RunStatus, len(s.Runs)), Counts: map[string]int{}}
	// A few goroutines hide the file system's latency (a network file
	// system on a cluster); the order of the runs is kept.
	workers := min(8, max(1, runtime.GOMAXPROCS(0)*2), len(s.Runs))
	var wg sync.WaitGroup
	next := make(chan int, len(s.Runs))
	for i := range s.Runs {
		next <- i
	}
	close(next)
	now := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				rep.Runs[i] = s.runStatus(i, now)
			}
		}()
	}
	wg.Wait()
	for _, r := range rep.Runs {
		rep.Counts[r.Status]++
		rep.EpochsDone += r.Epoch
		rep.Epochs += r.Epochs
		if r.Done() {
			rep.Done++
		}
	}
	return rep
}

// RunStatus is the status of run i alone.
func (s *Sweep) RunStatus(i int) RunStatus { return s.runStatus(i, time.Now()) }

func (s *Sweep) runStatus(i int, now time.Time) RunStatus {
	r := s.Runs[i]
	out := RunStatus{Index: r.Index, Name: r.Name, Group: r.Group, Seed: r.Seed}
	dir := s.RunDir(i)
	st, err := run.ReadState(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if _, serr := os.Stat(dir); serr != nil {
			out.Status, out.Message = StatusMissing, fmt.Sprintf("%s is missing", dir)
			return out
		}
		out.Status, out.Message = run.StatusDamaged, err.Error()
		return out
	case err != nil:
		out.Status, out.Message = run.StatusDamaged, err.Error()
		return out
	}
	out.Status, out.Epoch, out.Epochs, out.BestEpoch, out.Updated, out.Message =
		st.Status, st.Epoch, st.Epochs, st.BestEpoch, st.Updated, st.Message
	if st.BestEpoch > 0 && !math.IsInf(st.BestVal, 0) {
		v := st.BestVal
		out.BestVal = &v
	}
	if st.Status == run.StatusFinished || st.Status == run.StatusDiverged {
		return out // settled: no trainer to look for
	}
	held, h, herr := run.Held(dir)
	switch {
	case held:
		out.Status, out.Holder = run.StatusTraining, h.String()
	case st.Status == run.StatusTraining && herr == nil && !run.LiveLegacyTrainer(st, now):
		out.Status = run.StatusInterrupted
	}
	return out
}

// WriteTable prints the report: one line per run, then the totals.
func (rep *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "#\trun\tstatus\tepoch\tbest val\tat\tupdated\t\n")
	for _, r := range rep.Runs {
		best, at := "—", ""
		if r.BestVal != nil {
			best, at = fmt.Sprintf("%.6g", *r.BestVal), fmt.Sprint(r.BestEpoch)
		}
		upd := ""
		if !r.Updated.IsZero() {
			upd = r.Updated.Local().Format("2006-01-02 15:04:05")
		}
		note := r.Holder
		if note == "" && r.Status != run.StatusFinished {
			note = oneLine(r.Message, 70)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d/%d\t%s\t%s\t%s\t%s\n", r.Index, r.Name, r.Status, r.Epoch, r.Epochs, best, at, upd, note)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%s\n", rep.Totals())
	return err
}

// Totals is the summary line: counts per status and epochs done.
func (rep *Report) Totals() string {
	var parts []string
	for _, st := range sortedStatuses(rep.Counts) {
		parts = append(parts, fmt.Sprintf("%d %s", rep.Counts[st], st))
	}
	pct := 0.0
	if rep.Epochs > 0 {
		pct = 100 * float64(rep.EpochsDone) / float64(rep.Epochs)
	}
	return fmt.Sprintf("%d runs: %s; %d/%d epochs (%.0f%%)", len(rep.Runs), strings.Join(parts, ", "), rep.EpochsDone, rep.Epochs, pct)
}

// WriteJSON prints the report as one JSON document.
func (rep *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// Pending lists the indices of the runs that still need training (not
// finished or diverged), in order.
func (rep *Report) Pending() []int {
	var out []int
	for _, r := range rep.Runs {
		if !r.Done() {
			out = append(out, r.Index)
		}
	}
	return out
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// sortedStatuses lists the statuses present in counts, in statusOrder.
func sortedStatuses(counts map[string]int) []string {
	var out []string
	for _, st := range statusOrder {
		if counts[st] > 0 {
			out = append(out, st)
		}
	}
	for st := range counts {
		if !slices.Contains(out, st) {
			out = append(out, st)
		}
	}
	return out
}
