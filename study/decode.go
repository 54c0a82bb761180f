package study

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/ctdtui/ctdtui/analysis"
	"github.com/ctdtui/ctdtui/nets"
	"github.com/ctdtui/ctdtui/sim"
	"gonum.org/v1/gonum/mat"
)

// DecodableR2 is the validation R² from which a variable counts as
// decodable (the onset the reports give).
const DecodableR2 = 0.5

// DecodeOptions configures `ctdtui decode`: decoders are fitted on the
// training trials and scored on the validation trials.
type DecodeOptions struct {
	Event  string `json:"event"`
	Window Window `json:"window"`
	// Vars selects the task's variables by group ("target"), name
	// ("target_x") or first word of a group ("hand": hand position and hand
	// velocity); nil means every group.
	Vars []string `json:"vars"`
	// CrossTemporal adds the cross-temporal matrix, fitted and scored at
	// every CTStride-th aligned step (0: as many as keep it at most 51×51).
	CrossTemporal bool `json:"cross_temporal"`
	CTStride      int  `json:"ct_stride"`
	// Shuffles is the number of label-shuffled fits per step averaged into
	// the chance level (default 5).
	Shuffles int    `json:"shuffles"`
	Seed     uint64 `json:"seed"`
}

func (o DecodeOptions) normalized(task sim.Task) (DecodeOptions, []variableGroup, error) {
	if err := checkEvent(task, o.Event); err != nil {
		return o, nil, err
	}
	if o.Window == (Window{}) {
		o.Window = DefaultWindow
	}
	if o.Window.Pre < 0 || o.Window.Post < 0 {
		return o, nil, fmt.Errorf("--window must contain the event, got %d … %d", -o.Window.Pre, o.Window.Post)
	}
	if o.Shuffles < 0 || o.CTStride < 0 {
		return o, nil, fmt.Errorf("--shuffles and --ct-step must be positive, got %d and %d", o.Shuffles, o.CTStride)
	}
	if o.Shuffles == 0 {
		o.Shuffles = 5
	}
	n := o.Window.Pre + o.Window.Post + 1
	if o.CTStride == 0 {
		o.CTStride = max(1, (n+50)/51)
	}
	groups, err := selectVariables(task.Variables(), o.Vars)
	if err != nil {
		return o, nil, fmt.Errorf("%w (the %s task's variables)", err, task.Kind())
	}
	if o.Vars == nil {
		for _, g := range groups {
			o.Vars = append(o.Vars, g.name)
		}
	}
	return o, groups, nil
}

// variableGroup is a set of the task's variables decoded together.
type variableGroup struct {
	name  string
	cols  []int // indices into Variables()
	names []string
}

// selectVariables resolves --vars: each token is a group, a variable name
// or the first word of groups. Groups keep the task's order.
func selectVariables(vars []sim.Variable, want []string) ([]variableGroup, error) {
	var groups []variableGroup
	byName := map[string]int{}
	for i, v := range vars {
		g := v.Group
		if g == "" {
			g = v.Name
		}
		k, ok := byName[g]
		if !ok {
			k = len(groups)
			byName[g] = k
			groups = append(groups, variableGroup{name: g})
		}
		groups[k].cols = append(groups[k].cols, i)
		groups[k].names = append(groups[k].names, v.Name)
	}
	if len(want) == 0 {
		return groups, nil
	}
	var out []variableGroup
	seen := map[string]bool{}
	add := func(g variableGroup) {
		if !seen[g.name] {
			seen[g.name] = true
			out = append(out, g)
		}
	}
	for _, w := range want {
		w = strings.TrimSpace(w)
		found := false
		for _, g := range groups {
			if g.name == w || strings.SplitN(g.name, " ", 2)[0] == w {
				add(g)
				found = true
			}
		}
		for i, v := range vars {
			if !found && v.Name == w {
				add(variableGroup{name: v.Name, cols: []int{i}, names: []string{v.Name}})
				found = true
			}
		}
		if !found {
			var names []string
			for _, g := range groups {
				names = append(names, g.name)
			}
			return nil, fmt.Errorf("--vars: %q is none of %s, nor a variable name", w, strings.Join(names, ", "))
		}
	}
	return out, nil
}

// DecodeVariable is one variable group's decoding over aligned time.
type DecodeVariable struct {
	Group string   `json:"group"`
	Names []string `json:"names"`
	// R2[j] is the validation R² at aligned step j (mean over the group's
	// variables), ShuffleR2[j] the label-shuffled chance level, PerVariable
	// each variable's R² (names × steps), Penalty the ridge penalty chosen
	// there (relative to the mean eigenvalue of XᵀX).
	R2          []float64   `json:"r2"`
	ShuffleR2   []float64   `json:"shuffle_r2"`
	PerVariable [][]float64 `json:"per_variable"`
	Penalty     []float64   `json:"penalty"`
	// Peak is the largest R² and PeakStep its aligned step; Onset the first
	// aligned step with R² ≥ DecodableR2 (null if none); Chance the mean
	// shuffled R².
	Peak     float64 `json:"peak"`
	PeakStep int     `json:"peak_step"`
	Onset    *int    `json:"onset"`
	Chance   float64 `json:"chance"`
	// CrossTemporal[a][b] is the R² of the decoder fitted at CTSteps[a]
	// scored at CTSteps[b] (with --cross-temporal).
	CrossTemporal [][]float64 `json:"cross_temporal"`
}

// DecodeReport is `ctdtui decode`.
type DecodeReport struct {
	Run     RunInfo       `json:"run"`
	Options DecodeOptions `json:"options"`
	Events  []string      `json:"events"`
	Steps   []int         `json:"steps"`
	// Training and validation samples (occurrences of the event) and the
	// trials without it, left out.
	TrainSamples int `json:"train_samples"`
	ValSamples   int `json:"val_samples"`
	TrainWithout int `json:"train_without"`
	ValWithout   int `json:"val_without"`
	// NTrain[j], NVal[j]: samples whose trial covers aligned step j.
	NTrain    []int            `json:"n_train"`
	NVal      []int            `json:"n_val"`
	CTSteps   []int            `json:"ct_steps"`
	Variables []DecodeVariable `json:"variables"`
	Seconds   float64          `json:"seconds"`
}

// Decode decodes task variables from the latents at every step of the
// window around the event: ridge regression fitted on the training trials
// (penalty by leave-one-out CV on them), scored on the validation trials,
// with a label-shuffled chance level and, with CrossTemporal, the
// cross-temporal matrix.
func (s *Session) Decode(ctx context.Context, o DecodeOptions, progress ProgressFunc) (*DecodeReport, error) {
	start := time.Now()
	task, d := s.Run.Task, s.Run.Data
	o, groups, err := o.normalized(task)
	if err != nil {
		return nil, err
	}
	progress.report(Progress{Stage: "inference", Total: 2})
	tr, err := s.Inference(ctx, "train")
	if err != nil {
		return nil, err
	}
	progress.report(Progress{Stage: "inference", Done: 1, Total: 2})
	va, err := s.Inference(ctx, "val")
	if err != nil {
		return nil, err
	}
	trS, trW := alignSamples(task, d, tr.Trials, o.Event, nil)
	vaS, vaW := alignSamples(task, d, va.Trials, o.Event, nil)
	if len(trS) < 3 || len(vaS) < 2 {
		return nil, fmt.Errorf("%s: event %s occurs in %d training and %d validation trials; decoding needs at least 3 and 2", s.Run.Run.Dir, o.Event, len(trS), len(vaS))
	}
	steps := o.Window.Steps()
	r := &DecodeReport{Run: s.Info(), Options: o, Events: task.EventNames(), Steps: steps,
		TrainSamples: len(trS), ValSamples: len(vaS), TrainWithout: trW, ValWithout: vaW}
	for j := 0; j < len(steps); j += o.CTStride {
		r.CTSteps = append(r.CTSteps, steps[j])
	}
	trVals, vaVals := variableValues(task, d, tr, trS), variableValues(task, d, va, vaS)
	nv := len(task.Variables())
	rng := rand.New(rand.NewPCG(o.Seed, 0xdec))
	for gi, g := range groups {
		progress.report(Progress{Stage: "decode", Done: gi, Total: len(groups)})
		dsteps := make([]analysis.DecodeStep, len(steps))
		for j, st := range steps {
			dsteps[j].Train = decodeSamples(tr, trS, trVals, nv, g.cols, st)
			dsteps[j].Val = decodeSamples(va, vaS, vaVals, nv, g.cols, st)
			if gi == 0 {
				r.NTrain = append(r.NTrain, dsteps[j].Train.N())
				r.NVal = append(r.NVal, dsteps[j].Val.N())
			}
		}
		res, err := analysis.DecodeOverTime(ctx, dsteps, len(g.cols), &analysis.DecodeSettings{Shuffles: o.Shuffles}, rng)
		if err != nil {
			return nil, err
		}
		dv := DecodeVariable{Group: g.name, Names: g.names, R2: make([]float64, len(steps)), ShuffleR2: make([]float64, len(steps)),
			PerVariable: make([][]float64, len(g.cols)), Penalty: make([]float64, len(steps)), Peak: math.NaN(), Chance: math.NaN()}
		for k := range dv.PerVariable {
			dv.PerVariable[k] = make([]float64, len(steps))
		}
		chanceSum, chanceN := 0.0, 0
		for j := range steps {
			dv.R2[j], dv.ShuffleR2[j] = nanMean(res.R2[j]), nanMean(res.ShuffleR2[j])
			for k := range g.cols {
				dv.PerVariable[k][j] = res.R2[j][k]
			}
			dv.Penalty[j] = math.NaN()
			if f := res.Fits[j]; f != nil {
				dv.Penalty[j] = f.Rel
			}
			if v := dv.R2[j]; !math.IsNaN(v) && (math.IsNaN(dv.Peak) || v > dv.Peak) {
				dv.Peak, dv.PeakStep = v, steps[j]
			}
			if v := dv.R2[j]; dv.Onset == nil && v >= DecodableR2 {
				st := steps[j]
				dv.Onset = &st
			}
			if v := dv.ShuffleR2[j]; !math.IsNaN(v) {
				chanceSum += v
				chanceN++
			}
		}
		if chanceN > 0 {
			dv.Chance = chanceSum / float64(chanceN)
		}
		if o.CrossTemporal {
			var idx []int
			for j := 0; j < len(steps); j += o.CTStride {
				idx = append(idx, j)
			}
			mats := res.CrossTemporal(dsteps, idx, len(g.cols))
			dv.CrossTemporal = make([][]float64, len(idx))
			for a := range idx {
				dv.CrossTemporal[a] = make([]float64, len(idx))
				for b := range idx {
					vals := make([]float64, len(mats))
					for k, m := range mats {
						vals[k] = m.At(a, b)
					}
					dv.CrossTemporal[a][b] = nanMean(vals)
				}
			}
		}
		r.Variables = append(r.Variables, dv)
	}
	progress.report(Progress{Stage: "done", Done: len(groups), Total: len(groups)})
	r.Seconds = time.Since(start).Seconds()
	return r, nil
}

// variableValues returns each sample's trial's variables (Len × nv), one
// slice per distinct trial, keyed by the inference index.
func variableValues(task sim.Task, d *sim.Dataset, inf *nets.Inference, samples []AlignedSample) map[int][]float64 {
	nv := len(task.Variables())
	out := map[int][]float64{}
	for _, sm := range samples {
		if _, ok := out[sm.K]; ok {
			continue
		}
		v := make([]float64, d.Len(sm.Trial)*nv)
		task.VariableValues(v, d, sm.Trial, plantStates(inf, sm.K, d.Len(sm.Trial)))
		out[sm.K] = v
	}
	return out
}

// plantStates returns trial k's recorded plant states if they cover its L
// steps, else nil.
func plantStates(inf *nets.Inference, k, L int) []float32 {
	ps := inf.PlantStates(k)
	if ps == nil || inf.S == 0 || len(ps) != L*inf.S {
		return nil
	}
	return ps
}

// decodeSamples gathers the latents and the group's variables of the
// samples covering aligned step st; samples whose trial does not cover it,
// or whose variables are undefined there, are left out.
func decodeSamples(inf *nets.Inference, samples []AlignedSample, vals map[int][]float64, nv int, cols []int, st int) analysis.DecodeSamples {
	H := inf.H
	var xs, ys []float64
	n := 0
	for _, sm := range samples {
		L := inf.Len(sm.K)
		t, ok := inWindow(sm, st, L)
		if !ok {
			continue
		}
		v := vals[sm.K][t*nv : (t+1)*nv]
		if slices.ContainsFunc(cols, func(c int) bool { return math.IsNaN(v[c]) }) {
			continue
		}
		for _, x := range inf.Latents(sm.K)[t*H : (t+1)*H] {
			xs = append(xs, float64(x))
		}
		for _, c := range cols {
			ys = append(ys, v[c])
		}
		n++
	}
	if n == 0 {
		return analysis.DecodeSamples{}
	}
	return analysis.DecodeSamples{X: mat.NewDense(n, H, xs), Y: mat.NewDense(n, len(cols), ys)}
}

func nanMean(v []float64) float64 {
	s, n := 0.0, 0
	for _, x := range v {
		if !math.IsNaN(x) {
			s += x
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return s / float64(n)
}
