package study

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ctdtui/ctdtui/nets"
)

// ExportOptions configures Export.
type ExportOptions struct {
	// Phases to write (default train and val; "all" writes the train trials
	// then the validation trials as one set).
	Phases []string `json:"phases"`
}

// ArrayInfo describes one array of an export.
type ArrayInfo struct {
	Name  string `json:"name"`
	DType string `json:"dtype"` // numpy descr, e.g. "<f4"
	Shape []int  `json:"shape"`
}

// ExportReport is `ctdtui export`.
type ExportReport struct {
	Run    RunInfo     `json:"run"`
	Path   string      `json:"path"`
	Phases []string    `json:"phases"`
	Arrays []ArrayInfo `json:"arrays"`
	Bytes  int64       `json:"bytes"`
	// Padding says how steps past a trial's end are filled: "nan" (float
	// arrays; <phase>_lengths gives each trial's length).
	Padding string  `json:"padding"`
	Seconds float64 `json:"seconds"`
}

// Export writes the phases' inputs, targets, outputs and latents (and for
// RandomTarget the arm's states) to an .npz file that numpy.load reads:
// per phase P, arrays P_trials (dataset indices), P_lengths, P_inputs (what
// the model received, noise and observation included), P_true_inputs (the
// task's noiseless inputs), P_targets, P_outputs, P_controlled (closed loop),
// P_latents, P_plant_states and P_plant_initial (RandomTarget), all
// trials×steps×channels in float32, padded with NaN to the phase's longest
// trial; and input_labels, output_labels, plant_labels. The file is written
// to a temporary name and renamed into place.
func (s *Session) Export(ctx context.Context, path string, o ExportOptions, progress ProgressFunc) (*ExportReport, error) {
	start := time.Now()
	if len(o.Phases) == 0 {
		o.Phases = []string{"train", "val"}
	}
	seen := map[string]bool{}
	var phases []string
	for _, p := range o.Phases {
		q, err := normPhase(p)
		if err != nil {
			return nil, err
		}
		if !seen[q] {
			seen[q] = true
			phases = append(phases, q)
		}
	}
	if path == "" {
		return nil, errors.New("export: --out FILE.npz is required")
	}
	if !strings.HasSuffix(path, ".npz") {
		return nil, fmt.Errorf("export: --out %s: the file name must end in .npz", path)
	}
	rep := &ExportReport{Run: s.Info(), Path: path, Phases: phases, Padding: "nan"}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	z := zip.NewWriter(bw)
	w := &npzWriter{z: z}
	for i, p := range phases {
		progress.report(Progress{Stage: "inference", Done: i, Total: len(phases)})
		inf, err := s.Run.Infer(ctx, p)
		if err != nil {
			return nil, err
		}
		if err := s.exportPhase(w, p, inf); err != nil {
			return nil, fmt.Errorf("export: writing %s: %w", path, err)
		}
		progress.report(Progress{Stage: "export", Done: i + 1, Total: len(phases)})
	}
	labels := func(name string, l []string) {
		if len(l) > 0 {
			w.strings(name, l)
		}
	}
	labels("input_labels", ModelInputLabels(s.Run.Task))
	labels("task_input_labels", s.Run.Task.InputLabels())
	labels("output_labels", s.Run.Task.OutputLabels())
	if inf, err := s.Run.Infer(ctx, phases[0]); err == nil {
		labels("plant_labels", inf.PlantLabels)
	}
	if w.err != nil {
		return nil, fmt.Errorf("export: writing %s: %w", path, w.err)
	}
	if err := errors.Join(z.Close(), bw.Flush(), f.Chmod(0o644), f.Sync(), f.Close()); err != nil {
		return nil, fmt.Errorf("export: writing %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	ok = true
	st, err := os.Stat(path)
	if err == nil {
		rep.Bytes = st.Size()
	}
	rep.Arrays = w.arrays
	rep.Seconds = time.Since(start).Seconds()
	return rep, nil
}

func (s *Session) exportPhase(w *npzWriter, p string, inf *nets.Inference) error {
	data := s.Run.Data
	B := len(inf.Trials)
	T := 0
	lens := make([]int64, B)
	trials := make([]int64, B)
	for k, i := range inf.Trials {
		lens[k] = int64(inf.Len(k))
		trials[k] = int64(i)
		T = max(T, inf.Len(k))
	}
	w.ints(p+"_trials", trials)
	w.ints(p+"_lengths", lens)
	ragged := func(name string, dim int, get func(k int) []float32) {
		if dim == 0 {
			return
		}
		w.floats(name, []int{B, T, dim}, func(emit func([]float32)) {
			pad := make([]float32, dim)
			for j := range pad {
				pad[j] = float32(math.NaN())
			}
			for k := 0; k < B; k++ {
				v := get(k)
				L := inf.Len(k)
				emit(v[:L*dim])
				for t := L; t < T; t++ {
					emit(pad)
				}
			}
		})
	}
	ragged(p+"_inputs", inf.I, inf.Inputs)
	ragged(p+"_true_inputs", data.InputDim, func(k int) []float32 { return data.TrueInputs(inf.Trials[k]) })
	ragged(p+"_targets", data.TargetDim, func(k int) []float32 { return data.Targets(inf.Trials[k]) })
	ragged(p+"_outputs", inf.O, inf.Outputs)
	if s.Run.Task.Plant() != nil {
		ragged(p+"_controlled", inf.C, inf.Controlled)
	}
	ragged(p+"_latents", inf.H, inf.Latents)
	if inf.S > 0 {
		ragged(p+"_plant_states", inf.S, inf.PlantStates)
		w.floats(p+"_plant_initial", []int{B, inf.S}, func(emit func([]float32)) {
			for k := 0; k < B; k++ {
				emit(inf.PlantInitial(k))
			}
		})
	}
	return w.err
}

// npzWriter writes .npy members (format 1.0) into a zip archive, stored
// uncompressed like numpy.savez.
type npzWriter struct {
	z      *zip.Writer
	err    error
	arrays []ArrayInfo
}

func (w *npzWriter) member(name, descr string, shape []int) io.Writer {
	if w.err != nil {
		return nil
	}
	hdr := &zip.FileHeader{Name: name + ".npy", Method: zip.Store, Modified: time.Now()}
	f, err := w.z.CreateHeader(hdr)
	if err != nil {
		w.err = err
		return nil
	}
	if _, err := f.Write(npyHeader(descr, shape)); err != nil {
		w.err = err
		return nil
	}
	w.arrays = append(w.arrays, ArrayInfo{Name: name, DType: descr, Shape: shape})
	return f
}

// npyHeader returns the magic string, version 1.0, and the header dict padded
// with spaces to a multiple of 64 bytes, ending in a newline.
func npyHeader(descr string, shape []int) []byte {
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = fmt.Sprint(d)
	}
	sh := strings.Join(dims, ", ")
	if len(shape) == 1 {
		sh += ","
	}
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", descr, sh)
	total := 10 + len(dict) + 1
	pad := (64 - total%64) % 64
	dict += strings.Repeat(" ", pad) + "\n"
	out := []byte("\x93NUMPY\x01\x00")
	out = binary.LittleEndian.AppendUint16(out, uint16(len(dict)))
	return append(out, dict...)
}

func (w *npzWriter) floats(name string, shape []int, fill func(emit func([]float32))) {
	f := w.member(name, "<f4", shape)
	if f == nil {
		return
	}
	buf := make([]byte, 0, 1<<16)
	flush := func() {
		if len(buf) > 0 && w.err == nil {
			_, w.err = f.Write(buf)
		}
		buf = buf[:0]
	}
	fill(func(v []float32) {
		for _, x := range v {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(x))
			if len(buf) >= 1<<16-4 {
				flush()
			}
		}
	})
	flush()
}

func (w *npzWriter) ints(name string, v []int64) {
	f := w.member(name, "<i8", []int{len(v)})
	if f == nil {
		return
	}
	buf := make([]byte, 0, 8*len(v))
	for _, x := range v {
		buf = binary.LittleEndian.AppendUint64(buf, uint64(x))
	}
	_, w.err = f.Write(buf)
}

// strings writes a numpy unicode array ('<U' + longest length, UTF-32LE).
func (w *npzWriter) strings(name string, v []string) {
	n := 1
	for _, s := range v {
		n = max(n, len([]rune(s)))
	}
	f := w.member(name, fmt.Sprintf("<U%d", n), []int{len(v)})
	if f == nil {
		return
	}
	buf := make([]byte, 0, 4*n*len(v))
	for _, s := range v {
		r := []rune(s)
		for i := 0; i < n; i++ {
			var c rune
			if i < len(r) {
				c = r[i]
			}
			buf = binary.LittleEndian.AppendUint32(buf, uint32(c))
		}
	}
	_, w.err = f.Write(buf)
}
