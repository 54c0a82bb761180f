package sim

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestGroupedSampler(t *testing.T) {
	// Unequal groups (the case the reference's loop bound gets wrong).
	sizes := []int{50, 7, 130, 64, 1}
	var conds []int
	for c, n := range sizes {
		for range n {
			conds = append(conds, c)
		}
	}
	d := &Dataset{Conds: conds}
	train, _ := TrainValidSplit(len(conds), 3)
	s := BindSampler(GroupedSampler{}, d)
	const bs = 16
	epoch := func(seed uint64) [][]int { return s.Epoch(train, bs, rand.New(rand.NewPCG(seed, 9))) }
	first := epoch(1)
	for _, batches := range [][][]int{first, epoch(2), epoch(3)} {
		seen := map[int]int{}
		perGroup := map[int][]int{}
		for _, b := range batches {
			if len(b) == 0 || len(b) > bs {
				t.Fatalf("batch of %d", len(b))
			}
			for _, i := range b {
				seen[i]++
				if conds[i] != conds[b[0]] {
					t.Fatalf("batch mixes conditions %d and %d", conds[b[0]], conds[i])
				}
			}
			perGroup[conds[b[0]]] = append(perGroup[conds[b[0]]], b...)
		}
		if len(seen) != len(train) {
			t.Fatalf("%d distinct trials in an epoch, want %d", len(seen), len(train))
		}
		for _, i := range train {
			if seen[i] != 1 {
				t.Fatalf("trial %d seen %d times", i, seen[i])
			}
		}
		// Within a group the trials keep their training-set order, and only the
		// group's last batch may be short.
		for c := range sizes {
			var want []int
			for _, i := range train {
				if conds[i] == c {
					want = append(want, i)
				}
			}
			if !slices.Equal(perGroup[c], want) {
				t.Fatalf("group %d out of order", c)
			}
		}
		// Round-robin: the first round visits every group once.
		round := map[int]bool{}
		for _, b := range batches[:len(sizes)] {
			round[conds[b[0]]] = true
		}
		if len(round) != len(sizes) {
			t.Fatalf("first round visits %d groups", len(round))
		}
	}
	// Deterministic for a seed; the group order changes between seeds.
	if !slices.EqualFunc(first, epoch(1), slices.Equal) {
		t.Fatal("same seed, different epoch")
	}
	differs := false
	for seed := uint64(2); seed < 10 && !differs; seed++ {
		differs = !slices.EqualFunc(first, epoch(seed), slices.Equal)
	}
	if !differs {
		t.Fatal("group order never changes")
	}
	// Unbound: a clear panic. RandomSampler passes through BindSampler.
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("unbound GroupedSampler did not panic")
			}
		}()
		GroupedSampler{}.Epoch(train, bs, rand.New(rand.NewPCG(1, 1)))
	}()
	if _, ok := BindSampler(RandomSampler{}, d).(RandomSampler); !ok {
		t.Fatal("BindSampler changed a RandomSampler")
	}
}

// Loss weights vanish in the warm-up, the response grace window and the padding
// of real trials; everywhere else a wrong output is penalised.
func TestMultiTaskLossMaskOnDataset(t *testing.T) {
	m, _ := NewMultiTask(DefaultMultiTask())
	d := m.Generate(2, NewNumpyRNG(5))
	idx := []int{0, 3, 14, 17, 28}
	var b Batch
	d.FillBatch(&b, idx, 0, 0) // cut to the longest trial
	out := &Outputs{B: b.B, T: b.T, Controlled: make([]float64, b.T*b.B*3)}
	for k := range out.Controlled {
		out.Controlled[k] = float64(b.Targets[k]) + 0.5
	}
	out.Actions = out.Controlled
	grad := &Outputs{B: b.B, T: b.T, Controlled: make([]float64, len(out.Controlled))}
	loss := MultiTaskLoss{}.Eval(&b, out, grad)
	weighted := 0.0
	for r, i := range idx {
		rs, re := d.Extra[i][0], d.Extra[i][1]
		for tt := 0; tt < b.T; tt++ {
			zero := tt < 5 || (tt >= rs && tt < rs+5) || tt >= re
			w := 1.0
			if tt >= rs+5 && tt < re {
				w = 5
			}
			for c := 0; c < 3; c++ {
				g := grad.Controlled[(tt*b.B+r)*3+c]
				if zero != (g == 0) {
					t.Fatalf("trial %d step %d: gradient %v (zero expected: %v)", i, tt, g, zero)
				}
				if !zero {
					weighted += w * 0.25
				}
			}
		}
	}
	if want := weighted / float64(3*b.B); math.Abs(loss-want) > 1e-12 {
		t.Fatalf("loss %v want %v", loss, want)
	}
	// Padding the same batch to n_timesteps changes nothing.
	var full Batch
	d.FillBatch(&full, idx, d.Steps, 0)
	outFull := &Outputs{B: full.B, T: full.T, Controlled: make([]float64, full.T*full.B*3)}
	for k := range outFull.Controlled {
		outFull.Controlled[k] = float64(full.Targets[k]) + 0.5
	}
	if lf := (MultiTaskLoss{}).Eval(&full, outFull, nil); lf != loss {
		t.Fatalf("padded loss %v, cut loss %v", lf, loss)
	}
}

func TestScoreMultiTask(t *testing.T) {
	p := DefaultMultiTask()
	p.Tasks = []string{"DelayAnti", "Match2Sample", "MatchCatAnti"}
	m, _ := NewMultiTask(p)
	d := m.Generate(40, NewNumpyRNG(9))
	idx := make([]int, d.N())
	for i := range idx {
		idx[i] = i
	}
	perfect := make([][]float64, d.N())
	for k, i := range idx {
		for _, v := range d.Targets(i) {
			perfect[k] = append(perfect[k], float64(v))
		}
	}
	s := ScoreMultiTask(d, idx, perfect)
	if len(s.Tasks) != 3 || s.Tasks[0].Task != "DelayAnti" || s.Tasks[2].Task != "MatchCatAnti" || s.All.Trials != d.N() {
		t.Fatalf("scores %+v", s)
	}
	nogo := 0
	for _, r := range s.Tasks {
		if r.Trials != 40 || r.Loss != 0 || r.SuccessRate != 1 || r.StrictSuccessRate != 1 {
			t.Fatalf("perfect outputs: %+v", r)
		}
		nogo += r.NoGo
	}
	if s.Tasks[0].NoGo != 0 || nogo == 0 || s.All.NoGo != nogo {
		t.Fatalf("no-go counts %+v", s)
	}
	// Rotating every response by π/5 fails the go trials and gives a loss.
	rot := make([][]float64, len(perfect))
	c, sn := math.Cos(math.Pi/5), math.Sin(math.Pi/5)
	for k := range perfect {
		rot[k] = slices.Clone(perfect[k])
		for tt := 0; tt*3 < len(rot[k]); tt++ {
			x, y := rot[k][tt*3+1], rot[k][tt*3+2]
			rot[k][tt*3+1], rot[k][tt*3+2] = c*x-sn*y, sn*x+c*y
		}
	}
	s = ScoreMultiTask(d, idx, rot)
	if s.Tasks[0].SuccessRate != 0 || s.Tasks[0].Loss == 0 || s.Tasks[1].SuccessRate != float64(s.Tasks[1].NoGo)/40 {
		t.Fatalf("rotated outputs: %+v", s)
	}
	if s.Table() == "" {
		t.Fatal("empty table")
	}
}

// The reference's no-go rule and its quirks, and the strict variant.
func TestMultiTaskSuccessRule(t *testing.T) {
	nogo := []float32{0, 0, 0}
	go1 := []float32{0, 0, 1} // target angle π/2
	cases := []struct {
		y                 []float64
		tg                []float32
		ref, strict, isNo bool
	}{
		{[]float64{0, 0.01, 0.02}, nogo, true, true, true},   // withheld
		{[]float64{0, -0.8, -0.7}, nogo, true, false, true},  // strong response, negative sum: passes the reference
		{[]float64{0, 0.9, 0.05}, nogo, true, false, true},   // strong response towards angle 0 = atan2(0,0)
		{[]float64{0, 0.05, 0.9}, nogo, false, false, true},  // strong response elsewhere
		{[]float64{0, 0.1, 1.0}, go1, true, true, false},     // within π/10
		{[]float64{0, 0.5, 0.5}, go1, false, false, false},   // π/4 off
		{[]float64{0, -0.1, -1.0}, go1, false, false, false}, // opposite
	}
	for k, c := range cases {
		ref, strict, isNo := multiTaskSuccess(c.y, c.tg)
		if ref != c.ref || strict != c.strict || isNo != c.isNo {
			t.Errorf("case %d: ref %v strict %v nogo %v, want %v %v %v", k, ref, strict, isNo, c.ref, c.strict, c.isNo)
		}
	}
}

// Generating the 15-task dataset at the reference's size (15 × 1000 trials).
func BenchmarkMultiTaskGenerate(b *testing.B) {
	m, _ := NewMultiTask(DefaultMultiTask())
	for b.Loop() {
		d := m.Generate(1000, NewNumpyRNG(0))
		if d.N() != 15000 {
			b.Fatal(d.N())
		}
	}
}
