package study

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ctdtui/ctdtui/analysis"
	"github.com/ctdtui/ctdtui/nets"
	"github.com/ctdtui/ctdtui/run"
	"github.com/ctdtui/ctdtui/sim"
	"gonum.org/v1/gonum/mat"
)

// The runs in testdata were trained with ctdtui itself:
//
//	3bff-gru32:        ctdtui train --preset 3bff-small --epochs 400
//	3bff-gru16:        ctdtui train --preset 3bff-small --epochs 60 --set model.latent=16 --set train.seed=1
//	multitask-gru8:    ctdtui train --preset multitask-small --epochs 1 --set model.latent=8
//	randomtarget-gru8: ctdtui train --preset rt-small --epochs 1 --set model.latent=8
const (
	flipFlop32   = "testdata/3bff-gru32"
	flipFlop16   = "testdata/3bff-gru16"
	flipFlop3    = "testdata/3bff-gru3"
	multiTask8   = "testdata/multitask-gru8"
	randomTarget = "testdata/randomtarget-gru8"
)

// sessions are opened once per test binary: a Session caches its inference.
var sessions sync.Map

func open(t testing.TB, dir string) *Session {
	t.Helper()
	if s, ok := sessions.Load(dir); ok {
		return s.(*Session)
	}
	s, err := Open(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	sessions.Store(dir, s)
	return s
}

// A trained 3-bit flip-flop GRU has 8 stable fixed points with zero input,
// one per memory state: the readout at each is a distinct corner of {0, 1}³.
func TestFlipFlopEightStableFixedPoints(t *testing.T) {
	s, err := Open(flipFlop32, false) // a fresh session: nothing cached
	if err != nil {
		t.Fatal(err)
	}
	var stages []string
	rep, err := s.FixedPoints(context.Background(), FixedPointOptions{Inits: 256, Iters: 3000, LR: 1e-2}, func(p Progress) {
		if len(stages) == 0 || stages[len(stages)-1] != p.Stage {
			stages = append(stages, p.Stage)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d fixed (%d stable), %d slow, %d unconverged, %d Adam iterations, stages %v", rep.Fixed, rep.Stable, rep.Slow, rep.Unconverged, rep.Iters, stages)
	if rep.Stable != 8 {
		t.Fatalf("%d stable fixed points, want 8", rep.Stable)
	}
	if len(rep.Options.Inputs) != 3 {
		t.Fatalf("inputs %v, want 3 zeros", rep.Options.Inputs)
	}
	for _, row := range rep.Result.Rows {
		for _, u := range row.U {
			if u != 0 {
				t.Fatalf("a row's input is %v, want the zero input held fixed", row.U)
			}
		}
	}
	corners := map[int]bool{}
	for _, p := range rep.Points[:8] { // stable points come first
		if !p.Stable || !(p.MaxAbsEig < 1) || !(p.Q < 1e-20) || p.Unstable != 0 {
			t.Fatalf("point %+v: want stable with q < 1e-20 (Newton-refined in float64)", p)
		}
		corner := 0
		for j, y := range p.Output {
			bit := math.Round(y)
			if (bit != 0 && bit != 1) || math.Abs(y-bit) > 0.25 {
				t.Fatalf("readout %v at a stable point is not near a corner of the cube", p.Output)
			}
			corner |= int(bit) << j
		}
		if corners[corner] {
			t.Fatalf("two stable points at corner %03b", corner)
		}
		corners[corner] = true
		if len(p.PC) != 3 || len(p.Eigenvalues) != 32 || p.Inits < 1 {
			t.Fatalf("point %+v: want 3 PC coordinates, 32 eigenvalues, ≥ 1 init", p)
		}
	}
	for _, st := range []string{"inference", "adam", "done"} {
		if !strings.Contains(strings.Join(stages, " "), st) {
			t.Errorf("no %q progress among %v", st, stages)
		}
	}
	// A second call with the same settings is the cached report.
	again, err := s.FixedPoints(context.Background(), FixedPointOptions{Inits: 256, Iters: 3000, LR: 1e-2, Phase: "all", Mode: ModeRefine}, nil)
	if err != nil || again != rep {
		t.Fatalf("not cached: %v", err)
	}
	if c, ok := s.CachedFixedPoints(FixedPointOptions{Inits: 256, Iters: 3000, LR: 1e-2}); !ok || c != rep {
		t.Fatal("CachedFixedPoints misses a finished search")
	}
}

// Reference mode runs exactly Iters Adam steps on every row and reports the
// rows below q_thresh and their distinct points.
func TestFixedPointsReferenceMode(t *testing.T) {
	s := open(t, flipFlop32)
	rep, err := s.FixedPoints(context.Background(), FixedPointOptions{Inits: 64, Iters: 300, LR: 1e-2, Mode: ModeReference, Seed: 3}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Iters != 300 || len(rep.RowQ) != 64 || len(rep.Result.Rows) != 64 {
		t.Fatalf("iters %d, %d q values, %d rows; want 300, 64, 64", rep.Iters, len(rep.RowQ), len(rep.Result.Rows))
	}
	below := 0
	for _, q := range rep.RowQ {
		if q < 1e-5 {
			below++
		}
	}
	if below != rep.BelowQThresh || rep.Fixed > below || rep.Fixed != len(rep.Points) || rep.Stable+rep.Unstable != rep.Fixed {
		t.Fatalf("counts: below %d (recount %d), fixed %d, points %d, stable %d, unstable %d", rep.BelowQThresh, below, rep.Fixed, len(rep.Points), rep.Stable, rep.Unstable)
	}
	inits := 0
	for _, p := range rep.Points {
		inits += p.Inits
		if len(p.Eigenvalues) != 32 {
			t.Fatalf("a shown point has %d eigenvalues", len(p.Eigenvalues))
		}
	}
	if inits != below {
		t.Fatalf("distinct points gather %d rows, want %d", inits, below)
	}
}

func TestFixedPointsCancel(t *testing.T) {
	s := open(t, flipFlop32)
	ctx, cancel := context.WithCancel(context.Background())
	o := FixedPointOptions{Inits: 64, Iters: 100000, Seed: 99}
	_, err := s.FixedPoints(ctx, o, func(p Progress) {
		if p.Stage == "adam" && p.Done >= 200 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if _, ok := s.CachedFixedPoints(o); ok {
		t.Fatal("a cancelled search was cached")
	}
}

// Every refusal names what is wrong.
func TestBadInput(t *testing.T) {
	tmp := t.TempDir()
	clone := func(name string, edit func(dir string)) string {
		dir := filepath.Join(tmp, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		ents, _ := os.ReadDir(flipFlop32)
		for _, e := range ents {
			data, err := os.ReadFile(filepath.Join(flipFlop32, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(dir, e.Name()), data, 0o644)
		}
		edit(dir)
		return dir
	}
	setConfig := func(old, new string) func(string) {
		return func(dir string) {
			p := filepath.Join(dir, run.ConfigFile)
			data, _ := os.ReadFile(p)
			if !strings.Contains(string(data), old) {
				t.Fatalf("config.toml has no %q", old)
			}
			os.WriteFile(p, []byte(strings.Replace(string(data), old, new, 1)), 0o644)
		}
	}
	missing := filepath.Join(tmp, "nope")
	empty := clone("empty", func(dir string) { os.Remove(filepath.Join(dir, run.ConfigFile)) })
	corrupt := clone("corrupt", func(dir string) {
		p := filepath.Join(dir, run.CheckpointFile)
		data, _ := os.ReadFile(p)
		os.WriteFile(p, data[:len(data)/2], 0o644)
	})
	noModel := clone("nomodel", func(dir string) { os.Remove(filepath.Join(dir, run.CheckpointFile)) })
	otherTask := clone("bits", setConfig("bits = 3", "bits = 2"))
	otherModel := clone("latent", setConfig("latent = 32", "latent = 16"))
	otherTrials := clone("seed", setConfig("seed = 0", "seed = 1"))

	for _, c := range []struct {
		dir  string
		want []string
	}{
		{missing, []string{"run directory", missing, "no such file"}},
		{empty, []string{empty, "is not a ctdtui run", "config.toml is missing"}},
		{corrupt, []string{filepath.Join(corrupt, "checkpoint.bin")}},
		{noModel, []string{filepath.Join(noModel, "checkpoint.bin is missing"), "records 400 epochs", "--best"}},
		{otherTask, []string{"the saved model is 3→3", "describes a 2→2 task"}},
		{otherModel, []string{"checkpoint.bin holds a gru with 32 latents", "config.toml describes a gru with 16 latents"}},
	} {
		_, err := Open(c.dir, false)
		if err == nil {
			t.Errorf("Open(%s) succeeded", c.dir)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Open(%s): %q lacks %q", c.dir, err, w)
			}
		}
	}

	a := open(t, flipFlop32)
	b, err := Open(otherTrials, false)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	checkErr := func(what string, err error, want ...string) {
		t.Helper()
		if err == nil {
			t.Errorf("%s: no error", what)
			return
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q lacks %q", what, err, w)
			}
		}
	}
	rep, err := a.Compare(ctx, b, CompareOptions{DSADelays: 5, DSARank: 12}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"different datasets", "3BFF_200S_100T_0seed", "3BFF_200S_100T_1seed"} {
		if rep.SameTrials || !strings.Contains(rep.TrialsNote, w) {
			t.Errorf("compare with other trials: same %v, note %q lacks %q", rep.SameTrials, rep.TrialsNote, w)
		}
	}
	if rep.AffineAtoB != nil || rep.StateR2 != nil || rep.Procrustes != nil || rep.CCACorrelations != nil || rep.DSA == nil {
		t.Errorf("compare with other trials: trial-matched metrics %v %v %v %v, DSA %v", rep.AffineAtoB, rep.StateR2, rep.Procrustes, rep.CCACorrelations, rep.DSA)
	}
	_, err = a.FixedPoints(ctx, FixedPointOptions{Inputs: []float64{0, 0}}, nil)
	checkErr("wrong input length", err, "--inputs has 2 values", "takes 3 inputs", "Input 0, Input 1, Input 2")
	rt := open(t, randomTarget)
	_, err = rt.FixedPoints(ctx, FixedPointOptions{Inputs: []float64{1}}, nil)
	checkErr("wrong input length (RandomTarget)", err, "takes 17 inputs", "hand_x", "vel_tricepslong", "TargetX, TargetY, GoCue")
	_, err = a.FixedPoints(ctx, FixedPointOptions{Mode: "fast"}, nil)
	checkErr("bad mode", err, `--mode "fast"`)
	_, err = a.FixedPoints(ctx, FixedPointOptions{Inits: -1}, nil)
	checkErr("bad inits", err, "--inits", "-1")
	_, err = a.Scree(ctx, "test", 3)
	checkErr("bad phase", err, `phase "test" is not one of train, val, all`)
	_, err = a.Analyze(ctx, AnalyzeOptions{Phase: "everything"}, nil)
	checkErr("bad phase", err, `phase "everything"`)
	_, err = ParseInputs("0, x,1")
	checkErr("bad --inputs", err, `--inputs value 2 "x" is not a finite number`)
	_, err = a.Export(ctx, filepath.Join(tmp, "out.txt"), ExportOptions{}, nil)
	checkErr("bad export name", err, "must end in .npz")
	_, err = a.Export(ctx, filepath.Join(tmp, "missingdir", "out.npz"), ExportOptions{}, nil)
	checkErr("bad export dir", err, "missingdir")
	if v, err := ParseInputs(" 1, -2.5 ,0"); err != nil || len(v) != 3 || v[1] != -2.5 {
		t.Errorf("ParseInputs: %v %v", v, err)
	}
}

// Comparing a run with itself: every R² is 1, Procrustes and DSA are 0.
func TestCompareSelf(t *testing.T) {
	a := open(t, flipFlop32)
	b, err := Open(flipFlop32, false) // a separate session on the same run
	if err != nil {
		t.Fatal(err)
	}
	rep, err := a.Compare(context.Background(), b, CompareOptions{DSADelays: 5, DSARank: 12}, nil)
	if err != nil {
		t.Fatal(err)
	}
	near := func(name string, got, want, tol float64) {
		t.Helper()
		if !(math.Abs(got-want) <= tol) {
			t.Errorf("%s = %v, want %v ± %g", name, got, want, tol)
		}
	}
	for _, af := range []*AffineR2{rep.AffineAtoB, rep.AffineBtoA} {
		near("variance-weighted R² "+af.From+"→"+af.To, af.VarianceWeighted, 1, 1e-9)
		near("train R²", af.TrainR2, 1, 1e-9)
		if len(af.PerPC) != 10 {
			t.Errorf("%d per-PC R², want 10", len(af.PerPC))
		}
		for j, r := range af.PerPC {
			near("per-PC R²", r, 1, 1e-6*float64(j+1))
		}
	}
	near("state R²", *rep.StateR2, 1, 1e-9)
	if rep.Procrustes == nil {
		t.Fatal("no Procrustes disparity for equal latent sizes")
	}
	near("Procrustes", *rep.Procrustes, 0, 1e-12)
	for _, c := range rep.CCACorrelations {
		near("CCA correlation", c, 1, 1e-6)
	}
	if rep.DSA == nil {
		t.Fatalf("no DSA: %s", rep.DSANote)
	}
	near("DSA angular", rep.DSA.Angular, 0, 1e-4)
	near("DSA wasserstein", rep.DSA.Wasserstein, 0, 1e-12)
}

// Two different networks trained on the same trials: similar but not equal.
func TestCompareDifferentRuns(t *testing.T) {
	a, b := open(t, flipFlop32), open(t, flipFlop16)
	var last Progress
	rep, err := a.Compare(context.Background(), b, CompareOptions{DSADelays: 5, DSARank: 12, CCAComponents: 20}, func(p Progress) { last = p })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("A→B %.4f, B→A %.4f, state R² %.4f, DSA %.4f, CCA %v", rep.AffineAtoB.VarianceWeighted, rep.AffineBtoA.VarianceWeighted, *rep.StateR2, rep.DSA.Angular, rep.CCACorrelations[:3])
	for _, v := range []float64{rep.AffineAtoB.VarianceWeighted, rep.AffineBtoA.VarianceWeighted, *rep.StateR2} {
		if !(v > 0.5 && v < 0.999) {
			t.Errorf("R² %v: want clearly positive and below 1 for two trained flip-flops", v)
		}
	}
	if rep.Procrustes != nil {
		t.Error("Procrustes disparity for different latent sizes")
	}
	if len(rep.CCACorrelations) != 16 {
		t.Errorf("%d CCA components, want 16 (capped at the smaller latent size)", len(rep.CCACorrelations))
	}
	if rep.DSA == nil || !(rep.DSA.Angular > 0.01) {
		t.Errorf("DSA %+v: want clearly positive", rep.DSA)
	}
	if last.Stage != "done" {
		t.Errorf("last progress %+v, want done", last)
	}
	if again, ok := a.CachedCompare(b, CompareOptions{DSADelays: 5, DSARank: 12, CCAComponents: 20}); !ok || again != rep {
		t.Error("comparison not cached")
	}
}

func TestAnalyze(t *testing.T) {
	ctx := context.Background()
	for _, dir := range []string{flipFlop32, multiTask8, randomTarget} {
		s := open(t, dir)
		for _, phase := range []string{"train", "val", "all"} {
			rep, err := s.Analyze(ctx, AnalyzeOptions{Phase: phase, PCs: 4}, nil)
			if err != nil {
				t.Fatal(err)
			}
			inf, _ := s.Inference(ctx, phase)
			if rep.Trials != len(inf.Trials) || rep.Steps != inf.Steps() {
				t.Fatalf("%s %s: %d trials %d steps, inference %d %d", dir, phase, rep.Trials, rep.Steps, len(inf.Trials), inf.Steps())
			}
			sc := rep.Scree
			if len(sc.Ratio) != 4 || sc.Cumulative[3] > 1+1e-12 || math.Abs(sc.Cumulative[1]-sc.Ratio[0]-sc.Ratio[1]) > 1e-12 {
				t.Fatalf("%s %s: scree %+v", dir, phase, sc)
			}
			if !(sc.PCsFor50 <= sc.PCsFor90 && sc.PCsFor90 <= sc.PCsFor99 && sc.PCsFor99 <= rep.Run.Latent) || !(sc.ParticipationRatio >= 1) {
				t.Fatalf("%s %s: scree thresholds %+v", dir, phase, sc)
			}
			pf := rep.Performance
			if math.IsNaN(pf.Loss) || pf.Loss <= 0 || len(pf.LatentR2) != len(pf.OutputR2) || len(pf.OutputR2) == 0 {
				t.Fatalf("%s %s: performance %+v", dir, phase, pf)
			}
			switch rep.Run.Task {
			case "multitask":
				if pf.MultiTask == nil || pf.MultiTask.All.Trials != rep.Trials {
					t.Fatalf("%s: MultiTask scores %+v", dir, pf.MultiTask)
				}
			case "randomtarget":
				if pf.RandomTarget == nil || pf.RandomTarget.Reach.Trials+pf.RandomTarget.Hold.Trials != rep.Trials || len(rep.Controlled) != 2 {
					t.Fatalf("%s: reach scores %+v", dir, pf.RandomTarget)
				}
			}
		}
	}
	// The flip-flop network solves its task; its validation loss matches the
	// loss training recorded for its last epoch (the noise draws differ).
	s := open(t, flipFlop32)
	pf, _ := s.Performance(ctx, "val")
	last := s.Run.Run.History[len(s.Run.Run.History)-1].ValLoss
	if pf.OutputR2Mean < 0.85 || pf.LatentR2Mean < 0.85 || math.Abs(pf.Loss-last) > 0.3*last {
		t.Errorf("flip-flop on val: R² %v, latent R² %v, loss %v (training's %v)", pf.OutputR2Mean, pf.LatentR2Mean, pf.Loss, last)
	}
}

// PCs are the PCA scores: centred projections whose variance along PC j is
// the PCA's explained variance.
func TestPCs(t *testing.T) {
	ctx := context.Background()
	s := open(t, multiTask8) // ragged trials
	pr, err := s.PCs(ctx, "val", 3)
	if err != nil {
		t.Fatal(err)
	}
	pca, _ := s.PCA(ctx, "val")
	inf, _ := s.Inference(ctx, "val")
	n := 0
	for k := range pr.Trials {
		if pr.Lens[k] != inf.Len(k) || len(pr.Trial(k)) != 3*inf.Len(k) {
			t.Fatalf("trial %d: %d steps, want %d", k, pr.Lens[k], inf.Len(k))
		}
		n += pr.Lens[k]
	}
	for j := 0; j < 3; j++ {
		m, v := 0.0, 0.0
		for i := 0; i < n; i++ {
			m += pr.Data[i*3+j]
		}
		m /= float64(n)
		for i := 0; i < n; i++ {
			d := pr.Data[i*3+j] - m
			v += d * d
		}
		v /= float64(n - 1)
		if math.Abs(m) > 1e-9 || math.Abs(v-pca.ExplainedVariance[j]) > 1e-9*(1+v) {
			t.Fatalf("PC %d: mean %v, variance %v, want 0 and %v", j+1, m, v, pca.ExplainedVariance[j])
		}
	}
	pts, err := s.ProjectPoints(ctx, "val", 3, [][]float64{widen(inf.Latents(2)[:8], 8)})
	if err != nil {
		t.Fatal(err)
	}
	off := 0
	for k := 0; k < 2; k++ {
		off += pr.Lens[k]
	}
	for j := 0; j < 3; j++ {
		if math.Abs(pts[0][j]-pr.Data[off*3+j]) > 1e-12 {
			t.Fatalf("ProjectPoints %v, PCs %v", pts[0], pr.Data[off*3:off*3+3])
		}
	}
}

// The table output names what matters, and WriteJSON turns NaN into null.
func TestTablesAndJSON(t *testing.T) {
	ctx := context.Background()
	s := open(t, flipFlop32)
	ar, err := s.Analyze(ctx, AnalyzeOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := ar.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"performance", "loss", "PCA scree", "Output 2", "participation ratio"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("analyze table lacks %q:\n%s", want, buf.String())
		}
	}
	buf.Reset()
	bad := struct {
		A float64   `json:"a"`
		B []float64 `json:"b"`
		C *float64  `json:"c,omitempty"`
		D string    `json:"-"`
		E int
	}{A: math.NaN(), B: []float64{1, math.Inf(1)}, D: "x", E: 2}
	if err := WriteJSON(&buf, bad); err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back["a"] != nil || back["b"].([]any)[1] != nil || back["b"].([]any)[0] != 1.0 || back["E"] != 2.0 {
		t.Fatalf("WriteJSON gave %s", buf.String())
	}
	if _, ok := back["c"]; ok {
		t.Fatalf("omitempty ignored: %s", buf.String())
	}
	if _, ok := back["D"]; ok {
		t.Fatalf(`json:"-" ignored: %s`, buf.String())
	}
}

// The cross-product (Gram) solver that study uses agrees with the exact
// scikit-learn solver of package analysis on the latents of real runs.
func TestGramSolverMatchesExact(t *testing.T) {
	ctx := context.Background()
	exact := &analysis.MetricSettings{Solver: analysis.SolverExact}
	for _, dir := range []string{flipFlop32, multiTask8, randomTarget} {
		s := open(t, dir)
		x, _ := s.Latents(ctx, "val")
		inf, _ := s.Inference(ctx, "val")
		td := s.Run.Data.TargetDim
		y := mat.NewDense(inf.Steps(), td, nil)
		off := 0
		for k, i := range inf.Trials {
			for tt := 0; tt < inf.Len(k); tt++ {
				for j := 0; j < td; j++ {
					y.Set(off+tt, j, float64(s.Run.Data.Targets(i)[tt*td+j]))
				}
			}
			off += inf.Len(k)
		}
		fast, fm, err := analysis.PerformanceR2(x, y, gramSolver)
		if err != nil {
			t.Fatal(err)
		}
		ex, em, err := analysis.PerformanceR2(x, y, exact)
		if err != nil {
			t.Fatal(err)
		}
		for j := range ex {
			if math.Abs(fast[j]-ex[j]) > 1e-9 {
				t.Errorf("%s: PerformanceR2[%d] = %v, exact %v", dir, j, fast[j], ex[j])
			}
		}
		if math.Abs(fm-em) > 1e-9 {
			t.Errorf("%s: mean %v, exact %v", dir, fm, em)
		}
	}
	a, b := open(t, flipFlop32), open(t, flipFlop16)
	at, _ := a.Latents(ctx, "train")
	bt, _ := b.Latents(ctx, "train")
	av, _ := a.Latents(ctx, "val")
	bv, _ := b.Latents(ctx, "val")
	rep, err := a.Compare(ctx, b, CompareOptions{PCs: 5, NoDSA: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ab, ba := *rep.AffineAtoB, *rep.AffineBtoA
	for _, c := range []struct {
		got        AffineR2
		x, y, yVal *mat.Dense
		xVal       *mat.Dense
	}{{ab, at, bt, bv, av}, {ba, bt, at, av, bv}} {
		lr, err := analysis.FitLinearRegression(c.x, c.y, exact)
		if err != nil {
			t.Fatal(err)
		}
		nv, q := c.yVal.Dims()
		pred := mat.NewDense(nv, q, nil)
		lr.Predict(pred, c.xVal)
		vw := analysis.R2Score(c.yVal, pred, analysis.VarianceWeighted)
		nt, _ := c.y.Dims()
		predT := mat.NewDense(nt, q, nil)
		lr.Predict(predT, c.x)
		tr := analysis.R2Score(c.y, predT, analysis.VarianceWeighted)
		pca, _ := analysis.FitPCA(c.y, 5)
		var zt, zp mat.Dense
		zt.Mul(c.yVal, pca.Components.T())
		zp.Mul(pred, pca.Components.T())
		perPC := analysis.R2Raw(&zt, &zp)
		if math.Abs(c.got.VarianceWeighted-vw) > 1e-9 || math.Abs(c.got.TrainR2-tr) > 1e-9 {
			t.Errorf("affine R²: val %v train %v, exact %v %v", c.got.VarianceWeighted, c.got.TrainR2, vw, tr)
		}
		for j := range perPC {
			if math.Abs(c.got.PerPC[j]-perPC[j]) > 1e-8 || math.Abs(c.got.PCRatio[j]-pca.ExplainedVarianceRatio[j]) > 1e-9 {
				t.Errorf("PC %d: R² %v ratio %v, exact %v %v", j+1, c.got.PerPC[j], c.got.PCRatio[j], perPC[j], pca.ExplainedVarianceRatio[j])
			}
		}
	}
}

// Compare's state R², Procrustes disparity and canonical correlations equal
// package analysis's exact solver on the same latents (and NIPALS's
// estimates to its tolerance).
func TestCompareMetricsMatchExact(t *testing.T) {
	ctx := context.Background()
	exact := &analysis.MetricSettings{Solver: analysis.SolverExact}
	for _, pair := range [][2]string{{flipFlop32, flipFlop16}, {flipFlop16, flipFlop32}, {flipFlop32, flipFlop32}} {
		a, b := open(t, pair[0]), open(t, pair[1])
		for _, k := range []int{2, 4, 20} {
			rep, err := a.Compare(ctx, b, CompareOptions{StatePCs: k, NoDSA: true}, nil)
			if err != nil {
				t.Fatal(err)
			}
			pa, _ := a.Latents(ctx, rep.Options.Phase)
			pb, _ := b.Latents(ctx, rep.Options.Phase)
			want, err := analysis.StateR2(pa, pb, k, exact)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(*rep.StateR2-want) > 1e-9 {
				t.Errorf("%v: StateR2(k=%d) = %v, exact %v", pair, k, *rep.StateR2, want)
			}
			if k != 4 {
				continue
			}
			corr, err := analysis.CanonicalCorrelations(pa, pb, 10, exact)
			if err != nil {
				t.Fatal(err)
			}
			for i := range corr {
				if math.Abs(corr[i]-rep.CCACorrelations[i]) > 1e-9 {
					t.Errorf("%v: canonical correlation %d = %v, exact %v", pair, i, rep.CCACorrelations[i], corr[i])
				}
			}
			sorted := slices.Clone(rep.CCAR2)
			_, nip, _, err := analysis.CCAR2(pb, pa, 10, nil)
			if err != nil {
				t.Fatal(err)
			}
			sorted = append(sorted[:0], nip...)
			slices.SortFunc(sorted, func(x, y float64) int { return cmp.Compare(y, x) })
			for i := range corr {
				if math.Abs(corr[i]-sorted[i]) > 1e-4 {
					t.Errorf("%v: canonical correlation %d = %v, NIPALS %v", pair, i, corr[i], sorted[i])
				}
			}
			if rep.Procrustes != nil {
				d, err := analysis.ProcrustesDisparity(pa, pb, exact)
				if err != nil {
					t.Fatal(err)
				}
				if math.Abs(*rep.Procrustes-d) > 1e-9 {
					t.Errorf("%v: disparity %v, exact %v", pair, *rep.Procrustes, d)
				}
			} else if rep.A.State == rep.B.State {
				t.Errorf("%v: no Procrustes disparity for equal latent sizes", pair)
			}
		}
	}
}

// Ctrl-C (a cancelled context) stops the command with a message, no report.
func TestFixedPointsCommandCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out bytes.Buffer
	err := FixedPointsCommand(ctx, flipFlop32, false, FixedPointOptions{Inits: 16, Iters: 100}, nil, Output{W: &out})
	if err == nil || !strings.Contains(err.Error(), "fixed-point search cancelled") || out.Len() != 0 {
		t.Fatalf("error %v, output %q", err, out.String())
	}
}

// The state R² of a 3-latent run against a 16-latent run with 4 PCs is the
// same both ways (it used to differ by exactly 1/4: the missing fourth "true"
// PC counted as perfectly predicted), and equals the reference's value in
// the direction the reference computes (the 16-latent run as the truth).
func TestStateR2SwapFewerLatents(t *testing.T) {
	ctx := context.Background()
	a, b := open(t, flipFlop3), open(t, flipFlop16)
	o := CompareOptions{StatePCs: 4, NoDSA: true}
	ab, err := a.Compare(ctx, b, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	ba, err := b.Compare(ctx, a, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	pa, _ := a.Latents(ctx, "val")
	pb, _ := b.Latents(ctx, "val")
	ref, err := analysis.StateR2(pb, pa, 4, &analysis.MetricSettings{Solver: analysis.SolverExact})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(*ab.StateR2-*ba.StateR2) > 1e-12 || math.Abs(*ab.StateR2-ref) > 1e-9 {
		t.Errorf("state R²: A,B %v; B,A %v; reference direction %v", *ab.StateR2, *ba.StateR2, ref)
	}
	t.Logf("state R² 3 vs 16 latents, 4 PCs: %.4f", *ab.StateR2)
}

// A flip-flop run against a MultiTask run: the trial-matched metrics are
// refused with the reason, DSA is computed on each run's own trials (the
// MultiTask ones cut to their shortest), in the table too.
func TestCompareAcrossTasks(t *testing.T) {
	ctx := context.Background()
	a, b := open(t, flipFlop32), open(t, multiTask8)
	rep, err := a.Compare(ctx, b, CompareOptions{DSADelays: 5, DSARank: 12}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.SameTrials || !strings.Contains(rep.TrialsNote, "different datasets") {
		t.Errorf("same trials %v, note %q", rep.SameTrials, rep.TrialsNote)
	}
	if rep.AffineAtoB != nil || rep.AffineBtoA != nil || rep.StateR2 != nil || rep.Procrustes != nil || rep.CCACorrelations != nil {
		t.Error("trial-matched metrics computed for runs of different tasks")
	}
	if rep.DSA == nil || !(rep.DSA.Angular > 0.01) || rep.DSA.Steps[0] == rep.DSA.Steps[1] {
		t.Fatalf("DSA %+v (%s)", rep.DSA, rep.DSANote)
	}
	var buf bytes.Buffer
	if err := rep.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"different trials: the runs use different datasets", "affine R², state R², Procrustes and CCA need the same trials", "DSA angular"} {
		if !strings.Contains(buf.String(), w) {
			t.Errorf("table lacks %q:\n%s", w, buf.String())
		}
	}
	if strings.Contains(buf.String(), "affine state R²") {
		t.Errorf("table shows an affine R² section:\n%s", buf.String())
	}
}

// The q-threshold ladder of one search on a trained 3-bit flip-flop GRU:
// monotone, equal to separate searches at two thresholds, and at strict
// thresholds the flip-flop's architecture: 8 stable points (the memories)
// and saddles between them.
func TestFlipFlopLadderAndTypes(t *testing.T) {
	s := open(t, flipFlop32)
	base := FixedPointOptions{Inits: 256, Iters: 3000, LR: 1e-2}
	rep, err := s.FixedPoints(context.Background(), base, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Ladder) != 14 {
		t.Fatalf("%d ladder rungs, want 14", len(rep.Ladder))
	}
	for i := 1; i < len(rep.Ladder); i++ {
		if rep.Ladder[i].Places > rep.Ladder[i-1].Places {
			t.Errorf("ladder not monotone: %d places under %g, %d under %g", rep.Ladder[i-1].Places, rep.Ladder[i-1].QThresh, rep.Ladder[i].Places, rep.Ladder[i].QThresh)
		}
	}
	for _, k := range []int{3, 7} { // 1e-4 and 1e-8
		o := base
		o.QThresh = rep.Ladder[k].QThresh
		sep, err := s.FixedPoints(context.Background(), o, nil)
		if err != nil {
			t.Fatal(err)
		}
		if sep.Fixed+sep.Slow != rep.Ladder[k].Places || sep.FixedTypes.Stable+sep.SlowTypes.Stable != rep.Ladder[k].Types.Stable {
			t.Errorf("q < %g: separate search %d fixed + %d slow (%d stable), ladder %+v", o.QThresh, sep.Fixed, sep.Slow, sep.FixedTypes.Stable+sep.SlowTypes.Stable, rep.Ladder[k])
		}
	}
	strict := rep.Ladder[13]
	if strict.Fixed != rep.Fixed || strict.Slow != 0 || strict.Types.Stable != 8 || strict.Types.Saddles[1] == 0 || strict.Types.Saddles[2] == 0 {
		t.Errorf("under 1e-14: %+v; want 8 stable points and saddles with 1 and 2 unstable directions", strict)
	}
	if rep.FixedTypes.Stable != 8 || rep.FixedTypes.SaddleTotal()+rep.FixedTypes.Unstable != rep.Unstable {
		t.Errorf("fixed-point types %+v, %d unstable", rep.FixedTypes, rep.Unstable)
	}
	for _, p := range rep.Points {
		want := "stable"
		if p.Unstable > 0 {
			want = "saddle-" + strconv.Itoa(p.Unstable)
		}
		if p.Type != want {
			t.Errorf("point with %d unstable directions has type %q", p.Unstable, p.Type)
		}
	}
	t.Logf("fixed-point types %+v; ladder places %v", rep.FixedTypes, func() []int {
		var n []int
		for _, g := range rep.Ladder {
			n = append(n, g.Places)
		}
		return n
	}())
	var b bytes.Buffer
	if err := rep.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"q-threshold ladder", "1e-14", "saddle-1"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
}

// Closed-loop fixed points of an arm model: each reported point is a fixed
// point of the network and the arm together (a float64 closed-loop step
// leaves it in place), the hand position reported is the arm's at that
// posture, the network-only comparison holds all 17 inputs, and a task
// without a plant is refused by name.
func TestClosedLoopFixedPoints(t *testing.T) {
	s := open(t, randomTarget)
	rep, err := s.ClosedLoopFixedPoints(context.Background(), FixedPointOptions{Inits: 64, Iters: 1000}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Fixed == 0 || len(rep.Options.Inputs) != 3 || rep.Options.Inputs[2] != 1 || len(rep.Target) != 2 {
		t.Fatalf("%d fixed points, context %v, target %v", rep.Fixed, rep.Options.Inputs, rep.Target)
	}
	plant, _, err := statePlant(s.Run.Task, rep.Options.Inputs)
	if err != nil {
		t.Fatal(err)
	}
	m, err := nets.NewClosedLoopMap(nets.Convert[float64](s.Run.Model), plant)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range rep.Points {
		z := append(slices.Clone(p.Latent), p.Plant...)
		f := make([]float64, len(z))
		m.Eval(f, z, 1, rep.Options.Inputs)
		for k := range z {
			if math.Abs(f[k]-z[k]) > 1e-9 {
				t.Fatalf("point %+v moves: component %d %v → %v", p, k, z[k], f[k])
			}
		}
		a := s.Run.Task.(*sim.RandomTarget).Arm()
		h := a.Hand([2]float64{p.Plant[0], p.Plant[1]}, [2]float64{p.Plant[2], p.Plant[3]})
		if math.Abs(h[0]-p.Controlled[0]) > 1e-12 || math.Abs(h[1]-p.Controlled[1]) > 1e-12 || math.Abs(math.Hypot(h[0]-rep.Target[0], h[1]-rep.Target[1])-p.TargetError) > 1e-12 {
			t.Errorf("hand %v, reported %v (target error %v)", h, p.Controlled, p.TargetError)
		}
		if p.Other == nil || p.OpenLoop.Type == "" || len(p.Action) != 6 || len(p.Eigenvalues) != rep.Dim {
			t.Errorf("point %+v lacks the other branch, the open-loop type, the commands or the eigenvalues", p)
		}
	}
	if rep.OpenLoop == nil || len(rep.OpenLoop.Options.Inputs) != 17 {
		t.Fatalf("no network-only search with all 17 inputs held: %+v", rep.OpenLoop)
	}
	again, err := s.ClosedLoopFixedPoints(context.Background(), FixedPointOptions{Inits: 64, Iters: 1000}, nil)
	if err != nil || again != rep {
		t.Fatalf("not cached: %v", err)
	}
	var b bytes.Buffer
	if err := rep.WriteTable(&b); err != nil || !strings.Contains(b.String(), "closed-loop fixed points") || !strings.Contains(b.String(), "hand_x") {
		t.Fatalf("table (%v):\n%s", err, b.String())
	}
	if _, err := open(t, flipFlop32).ClosedLoopFixedPoints(context.Background(), FixedPointOptions{}, nil); err == nil || !strings.Contains(err.Error(), "nbff") {
		t.Errorf("a flip-flop run: error %v, want one naming its task", err)
	}
	if _, err := s.ClosedLoopFixedPoints(context.Background(), FixedPointOptions{Inputs: []float64{1, 2}}, nil); err == nil || !strings.Contains(err.Error(), "TargetX") {
		t.Errorf("a 2-value context: error %v, want one naming the 3 context inputs", err)
	}
}
