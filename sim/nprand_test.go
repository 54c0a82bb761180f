package sim

import (
	"encoding/json"
	"math"
	"os"
	"testing"
)

func loadJSON(t testing.TB, name string, v any) {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func TestNumpyRawMT(t *testing.T) {
	var g struct {
		Raw map[string][]uint32 `json:"mt19937_raw_uint32_after_seed"`
	}
	loadJSON(t, "tt_numpy_rng.json", &g)
	for _, seed := range []uint32{0, 12345} {
		want := g.Raw[map[uint32]string{0: "0", 12345: "12345"}[seed]]
		r := NewNumpyRNG(seed)
		for i, w := range want {
			if got := r.Uint32(); got != w {
				t.Fatalf("seed %d draw %d: got %d want %d", seed, i, got, w)
			}
		}
	}
}

// flatten turns a JSON value (number, bool or nested lists) into float64s.
func flatten(v any) []float64 {
	switch x := v.(type) {
	case float64:
		return []float64{x}
	case bool:
		if x {
			return []float64{1}
		}
		return []float64{0}
	case []any:
		var out []float64
		for _, e := range x {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return nil
}

func TestNumpySequence(t *testing.T) {
	var g struct {
		Seq []struct {
			Call  string `json:"call"`
			Value any    `json:"value"`
		} `json:"sequence_after_np.random.seed(0)"`
	}
	loadJSON(t, "tt_numpy_rng.json", &g)
	r := NewNumpyRNG(0)
	n := func(k int, f func() float64) []float64 {
		out := make([]float64, k)
		for i := range out {
			out[i] = f()
		}
		return out
	}
	calls := map[string]func() []float64{
		"random_sample(4)":              func() []float64 { return n(4, r.Random) },
		"random(size=(2,3))":            func() []float64 { return n(6, r.Random) },
		"randint(15.0, 35.0)":           func() []float64 { return []float64{float64(r.IntnF(15.0, 35.0))} },
		"randint(0, 32)":                func() []float64 { return []float64{float64(r.Intn(0, 32))} },
		"randint(10, 350)":              func() []float64 { return []float64{float64(r.Intn(10, 350))} },
		"randn(3)":                      func() []float64 { return n(3, r.Normal) },
		"randn(1)":                      func() []float64 { return n(1, r.Normal) },
		"normal(0.0, 0.15, size=(2,2))": func() []float64 { return n(4, func() float64 { return r.NormalScaled(0, 0.15) }) },
		"uniform(0.8, 1.2)":             func() []float64 { return []float64{r.Uniform(0.8, 1.2)} },
		"uniform(90, 270)":              func() []float64 { return []float64{r.Uniform(90, 270)} },
		"choice([-1, 1])":               func() []float64 { return []float64{[]float64{-1, 1}[r.Choice(2)]} },
		"choice([0.08, 0.16, 0.32])":    func() []float64 { return []float64{[]float64{0.08, 0.16, 0.32}[r.Choice(3)]} },
		"choice([True, False])":         func() []float64 { return []float64{[]float64{1, 0}[r.Choice(2)]} },
		"choice([0, 1], p=[0.8, 0.2])":  func() []float64 { return []float64{float64(r.ChoiceP([]float64{0.8, 0.2}))} },
		"permutation(10)": func() []float64 {
			p := r.Permutation(10)
			out := make([]float64, len(p))
			for i, v := range p {
				out[i] = float64(v)
			}
			return out
		},
		"shuffle(arange(7))": func() []float64 {
			p := []int{0, 1, 2, 3, 4, 5, 6}
			r.ShuffleInts(p)
			out := make([]float64, len(p))
			for i, v := range p {
				out[i] = float64(v)
			}
			return out
		},
		"randint(10, 30)":  func() []float64 { return []float64{float64(r.Intn(10, 30))} },
		"uniform(0, 2*pi)": func() []float64 { return []float64{r.Uniform(0, 2*math.Pi)} },
	}
	for i, c := range g.Seq {
		f, ok := calls[c.Call]
		if !ok {
			t.Fatalf("call %d %q not mapped", i, c.Call)
		}
		got, want := f(), flatten(c.Value)
		if len(got) != len(want) {
			t.Fatalf("call %d %s: %d values, want %d", i, c.Call, len(got), len(want))
		}
		for k := range got {
			if got[k] != want[k] {
				t.Fatalf("call %d %s[%d]: got %v want %v (bit-exact)", i, c.Call, k, got[k], want[k])
			}
		}
	}
}

func TestTrainValidSplit(t *testing.T) {
	var g struct {
		Split map[string]struct {
			NTrain int   `json:"n_train"`
			NValid int   `json:"n_valid"`
			Train  []int `json:"train_first12"`
			Valid  []int `json:"valid_first12"`
			TSum   int   `json:"train_sum"`
			VSum   int   `json:"valid_sum"`
		} `json:"train_valid_split"`
	}
	loadJSON(t, "tt_numpy_rng.json", &g)
	cases := map[string][2]int{"n=10,seed=0": {10, 0}, "n=1000,seed=0": {1000, 0}, "n=15000,seed=0": {15000, 0}, "n=1000,seed=100": {1000, 100}}
	for key, c := range cases {
		want, ok := g.Split[key]
		if !ok {
			t.Fatalf("golden lacks %s", key)
		}
		train, valid := TrainValidSplit(c[0], uint32(c[1]))
		if len(train) != want.NTrain || len(valid) != want.NValid {
			t.Fatalf("%s: sizes %d/%d want %d/%d", key, len(train), len(valid), want.NTrain, want.NValid)
		}
		sum := func(x []int) int {
			s := 0
			for _, v := range x {
				s += v
			}
			return s
		}
		if sum(train) != want.TSum || sum(valid) != want.VSum {
			t.Fatalf("%s: index sums differ", key)
		}
		for i := range want.Train {
			if train[i] != want.Train[i] {
				t.Fatalf("%s: train[%d]=%d want %d", key, i, train[i], want.Train[i])
			}
		}
		for i := range want.Valid {
			if valid[i] != want.Valid[i] {
				t.Fatalf("%s: valid[%d]=%d want %d", key, i, valid[i], want.Valid[i])
			}
		}
	}
}
