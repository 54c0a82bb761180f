package analysis

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// loadJSON decodes testdata/name into v.
func loadJSON(t testing.TB, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func flatten2(a [][]float64) []float64 {
	var out []float64
	for _, r := range a {
		out = append(out, r...)
	}
	return out
}

func dense2(a [][]float64) *mat.Dense {
	return mat.NewDense(len(a), len(a[0]), flatten2(a))
}

func trials3(a [][][]float64) Trials {
	var out []float64
	for _, tr := range a {
		out = append(out, flatten2(tr)...)
	}
	return NewTrials(len(a), len(a[0]), len(a[0][0]), out)
}

// maxAbsDiff returns max |a_i − b_i|, failing on length mismatch.
func maxAbsDiff(t testing.TB, a, b []float64) float64 {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("length %d vs %d", len(a), len(b))
	}
	m := 0.0
	for i := range a {
		d := math.Abs(a[i] - b[i])
		if math.IsNaN(d) {
			return math.Inf(1)
		}
		m = math.Max(m, d)
	}
	return m
}

// checkClose fails if max |got − want| > tol and logs the error otherwise.
func checkClose(t testing.TB, name string, got, want []float64, tol float64) {
	t.Helper()
	d := maxAbsDiff(t, got, want)
	if d > tol {
		t.Errorf("%s: max abs error %.3g > %.1g\n got  %v\n want %v", name, d, tol, trunc(got), trunc(want))
	} else {
		t.Logf("%s: max abs error %.3g", name, d)
	}
}

func checkScalar(t testing.TB, name string, got, want, tol float64) {
	t.Helper()
	checkClose(t, name, []float64{got}, []float64{want}, tol)
}

func trunc(v []float64) []float64 {
	if len(v) > 12 {
		return v[:12]
	}
	return v
}
