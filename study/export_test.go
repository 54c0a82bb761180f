package study

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/json"
	"math"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sbinet/npyio"
)

// exportedSums are what both readers below report per float array: shape,
// count of NaN, and the sum of the finite values (float64 accumulation).
type arraySummary struct {
	Shape []int   `json:"shape"`
	NaN   int     `json:"nan"`
	Sum   float64 `json:"sum"`
}

// wantSummaries computes, from the session, what each exported float array
// must hold.
func wantSummaries(t *testing.T, s *Session, phases []string) map[string]arraySummary {
	t.Helper()
	want := map[string]arraySummary{}
	for _, p := range phases {
		inf, err := s.Inference(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		T := 0
		for k := range inf.Trials {
			T = max(T, inf.Len(k))
		}
		add := func(name string, dim int, get func(k int) []float32) {
			if dim == 0 {
				return
			}
			a := arraySummary{Shape: []int{len(inf.Trials), T, dim}}
			for k := range inf.Trials {
				for _, v := range get(k)[:inf.Len(k)*dim] {
					a.Sum += float64(v)
				}
				a.NaN += (T - inf.Len(k)) * dim
			}
			want[p+"_"+name] = a
		}
		d := s.Run.Data
		add("inputs", inf.I, inf.Inputs)
		add("true_inputs", d.InputDim, func(k int) []float32 { return d.TrueInputs(inf.Trials[k]) })
		add("targets", d.TargetDim, func(k int) []float32 { return d.Targets(inf.Trials[k]) })
		add("outputs", inf.O, inf.Outputs)
		add("latents", inf.H, inf.Latents)
		if s.Run.Task.Plant() != nil {
			add("controlled", inf.C, inf.Controlled)
			add("plant_states", inf.S, inf.PlantStates)
		}
	}
	return want
}

func checkSummaries(t *testing.T, reader string, got, want map[string]arraySummary) {
	t.Helper()
	for name, w := range want {
		g, ok := got[name]
		if !ok {
			t.Errorf("%s: no array %s", reader, name)
			continue
		}
		if !slicesEqual(g.Shape, w.Shape) || g.NaN != w.NaN || math.Abs(g.Sum-w.Sum) > 1e-6*(1+math.Abs(w.Sum)) {
			t.Errorf("%s: %s = %+v, want %+v", reader, name, g, w)
		}
	}
}

func slicesEqual(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// exportRuns are the three task kinds: equal-length trials, ragged MultiTask
// trials (NaN padding), and RandomTarget with the arm's states.
var exportRuns = []struct {
	dir    string
	phases []string
}{
	{flipFlop32, nil},
	{multiTask8, []string{"val", "all"}},
	{randomTarget, []string{"train"}},
}

func exportTo(t *testing.T, dir string, phases []string) (*Session, *ExportReport, []string) {
	t.Helper()
	s := open(t, dir)
	path := filepath.Join(t.TempDir(), filepath.Base(dir)+".npz")
	rep, err := s.Export(context.Background(), path, ExportOptions{Phases: phases}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if phases == nil {
		phases = []string{"train", "val"}
	}
	return s, rep, phases
}

// The export read back in Go with github.com/sbinet/npyio (an independent
// .npy reader): shapes, NaN padding and values.
func TestExportReadBackNpyio(t *testing.T) {
	for _, c := range exportRuns {
		s, rep, phases := exportTo(t, c.dir, c.phases)
		z, err := zip.OpenReader(rep.Path)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]arraySummary{}
		names := map[string]bool{}
		for _, f := range z.File {
			name := strings.TrimSuffix(f.Name, ".npy")
			names[name] = true
			r, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			rd, err := npyio.NewReader(bufio.NewReaderSize(r, 1<<20))
			if err != nil {
				t.Fatalf("%s: %v", f.Name, err)
			}
			switch rd.Header.Descr.Type {
			case "<f4":
				var v []float32
				if err := rd.Read(&v); err != nil {
					t.Fatalf("%s: %v", f.Name, err)
				}
				a := arraySummary{Shape: rd.Header.Descr.Shape}
				for _, x := range v {
					if math.IsNaN(float64(x)) {
						a.NaN++
					} else {
						a.Sum += float64(x)
					}
				}
				got[name] = a
			case "<i8":
				var v []int64
				if err := rd.Read(&v); err != nil {
					t.Fatalf("%s: %v", f.Name, err)
				}
				if strings.HasSuffix(name, "_lengths") {
					inf, _ := s.Inference(context.Background(), strings.TrimSuffix(name, "_lengths"))
					for k, l := range v {
						if int(l) != inf.Len(k) {
							t.Fatalf("%s[%d] = %d, want %d", name, k, l, inf.Len(k))
						}
					}
				}
			}
			r.Close()
		}
		z.Close()
		checkSummaries(t, "npyio "+c.dir, got, wantSummaries(t, s, phases))
		if len(rep.Arrays) != len(names) {
			t.Errorf("report lists %d arrays, the file holds %d", len(rep.Arrays), len(names))
		}
		for _, want := range []string{"input_labels", "output_labels"} {
			if !names[want] {
				t.Errorf("%s: no %s", c.dir, want)
			}
		}
		if s.Run.Task.Kind() == "randomtarget" && (!names["plant_labels"] || !names["train_plant_initial"]) {
			t.Errorf("%s: no arm states: %v", c.dir, names)
		}
	}
}

// numpy.load reads the export: every array, shapes, NaN padding, values and
// the label strings. Skipped without python3 and numpy.
func TestExportReadBackNumpy(t *testing.T) {
	py := ""
	for _, cand := range []string{"python3", "/usr/bin/python3"} {
		if p, err := exec.LookPath(cand); err == nil && exec.Command(p, "-c", "import numpy").Run() == nil {
			py = p
			break
		}
	}
	if py == "" {
		t.Skip("no python3 with numpy")
	}
	const script = `
import json, sys, numpy as np
d = np.load(sys.argv[1])
out = {}
for k in d.files:
    a = d[k]
    if a.dtype == np.float32:
        out[k] = {"shape": list(a.shape), "nan": int(np.isnan(a).sum()), "sum": float(np.nansum(a.astype(np.float64)))}
    elif a.dtype.kind == "U":
        out[k] = {"labels": [str(x) for x in a]}
    else:
        out[k] = {"ints": [int(x) for x in a]}
print(json.dumps(out))
`
	for _, c := range exportRuns {
		s, rep, phases := exportTo(t, c.dir, c.phases)
		outb, err := exec.Command(py, "-c", script, rep.Path).CombinedOutput()
		if err != nil {
			t.Fatalf("numpy.load(%s): %v\n%s", rep.Path, err, outb)
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(outb, &raw); err != nil {
			t.Fatalf("%v: %s", err, outb)
		}
		got := map[string]arraySummary{}
		for k, v := range raw {
			var a arraySummary
			json.Unmarshal(v, &a)
			got[k] = a
		}
		checkSummaries(t, "numpy "+c.dir, got, wantSummaries(t, s, phases))
		var labels struct {
			Labels []string `json:"labels"`
		}
		json.Unmarshal(raw["input_labels"], &labels)
		if strings.Join(labels.Labels, ",") != strings.Join(ModelInputLabels(s.Run.Task), ",") {
			t.Errorf("%s: input_labels %v", c.dir, labels.Labels)
		}
		var lens struct {
			Ints []int `json:"ints"`
		}
		json.Unmarshal(raw[phases[0]+"_lengths"], &lens)
		inf, _ := s.Inference(context.Background(), phases[0])
		if len(lens.Ints) != len(inf.Trials) || lens.Ints[len(lens.Ints)-1] != inf.Len(len(inf.Trials)-1) {
			t.Errorf("%s: %s_lengths %v", c.dir, phases[0], lens.Ints)
		}
	}
}
