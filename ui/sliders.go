package ui

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/ctdtui/ctdtui/study"
)

// sliderDef is one keyboard slider of the Analysis tab's fixed-point
// finder: a bounded number (linear or multiplicative steps) or a choice,
// read from and written to study.FixedPointOptions.
type sliderDef struct {
	name, help   string
	min, max     float64
	step, coarse float64 // multiplicative factors when log
	log, integer bool
	choices      []string // a choice slider when set
	get          func(*fpSettings) float64
	set          func(*fpSettings, float64)
}

// fpSettings is what the sliders edit: the study options plus where the
// held input comes from.
type fpSettings struct {
	opts study.FixedPointOptions
	// inputs: 0 holds the inputs at zero, 1 holds them at the model's input
	// at the Trials tab's cursor (trial and time step), 2 searches the
	// closed loop (network and arm; the context held).
	inputs int
}

var fpSliders = []sliderDef{
	{name: "inputs held", help: "the input held fixed while searching: zero, or the model's input at the Trials tab's cursor (trial and step); arm models: closed loop searches the network and the arm together with the mean target held",
		choices: []string{"zero", "at cursor", "closed loop"}, min: 0, max: 2, step: 1, coarse: 1,
		get: func(s *fpSettings) float64 { return float64(s.inputs) }, set: func(s *fpSettings, v float64) { s.inputs = int(v) }},
	{name: "inits", help: "initial states drawn from the latent trajectories", min: 16, max: 16384, step: 2, coarse: 8, log: true, integer: true,
		get: func(s *fpSettings) float64 { return float64(s.opts.Inits) }, set: func(s *fpSettings, v float64) { s.opts.Inits = int(v) }},
	{name: "iterations", help: "at most this many Adam iterations (refine mode stops rows once they converge)", min: 100, max: 100000, step: 2, coarse: 10, log: true, integer: true,
		get: func(s *fpSettings) float64 { return float64(s.opts.Iters) }, set: func(s *fpSettings, v float64) { s.opts.Iters = int(v) }},
	{name: "learning rate", help: "Adam's learning rate", min: 1e-5, max: 1e-1, step: 2, coarse: 10, log: true,
		get: func(s *fpSettings) float64 { return s.opts.LR }, set: func(s *fpSettings, v float64) { s.opts.LR = v }},
	{name: "noise", help: "std of the Gaussian noise added to the initial states", min: 0, max: 2, step: 0.01, coarse: 0.1,
		get: func(s *fpSettings) float64 { return s.opts.Noise }, set: func(s *fpSettings, v float64) { s.opts.Noise = v }},
	{name: "q threshold", help: "points with q = ½‖F(x)−x‖² below this count as slow points (reference mode: as points)", min: 1e-12, max: 1e-1, step: 10, coarse: 1e3, log: true,
		get: func(s *fpSettings) float64 { return s.opts.QThresh }, set: func(s *fpSettings, v float64) { s.opts.QThresh = v }},
	{name: "mode", help: "refine: converged rows stop, Newton refinement, duplicates merged; reference: CTD's finder, every iteration on every row",
		choices: []string{study.ModeRefine, study.ModeReference}, min: 0, max: 1, step: 1, coarse: 1,
		get: func(s *fpSettings) float64 {
			if s.opts.Mode == study.ModeReference {
				return 1
			}
			return 0
		},
		set: func(s *fpSettings, v float64) { s.opts.Mode = []string{study.ModeRefine, study.ModeReference}[int(v)] }},
}

// defaultFPSettings are study's defaults (the reference's compute_FPs).
func defaultFPSettings() fpSettings {
	o, _ := study.FixedPointOptions{}.Normalize(0, nil)
	o.Inputs = nil
	return fpSettings{opts: o}
}

// value formats the slider's current value.
func (d sliderDef) value(s *fpSettings) string {
	v := d.get(s)
	switch {
	case d.choices != nil:
		return d.choices[int(v)]
	case d.integer:
		return strconv.Itoa(int(v))
	}
	return fmtBound(v)
}

// nudge moves the value one step (or a coarse one) in dir, clamped; it
// reports whether it moved.
func (d sliderDef) nudge(s *fpSettings, dir int, coarse bool) bool {
	v := d.get(s)
	step := d.step
	if coarse {
		step = d.coarse
	}
	var nv float64
	switch {
	case d.choices != nil:
		nv = float64((int(v) + dir + len(d.choices)) % len(d.choices))
	case d.log:
		if v <= 0 {
			v = d.min
		}
		nv = v * math.Pow(step, float64(dir))
		// Snap to 1-2-5 style round numbers when stepping by 10s.
		if nv > 0 {
			e := math.Pow(10, math.Floor(math.Log10(nv)))
			if r := math.Round(nv/e*1e6) / 1e6; r == math.Trunc(r) {
				nv = r * e
			}
		}
	default:
		nv = v + float64(dir)*step
		nv = math.Round(nv/d.step) * d.step
	}
	if d.integer {
		nv = math.Round(nv)
	}
	nv = math.Max(d.min, math.Min(d.max, nv))
	if nv == v {
		return false
	}
	d.set(s, nv)
	return true
}

// parse sets a typed value; the error names the slider and the bounds.
func (d sliderDef) parse(s *fpSettings, text string) error {
	text = strings.TrimSpace(text)
	if d.choices != nil {
		for i, c := range d.choices {
			if strings.EqualFold(c, text) {
				d.set(s, float64(i))
				return nil
			}
		}
		return fmt.Errorf("%s %q is not one of %s", d.name, text, strings.Join(d.choices, ", "))
	}
	v, err := strconv.ParseFloat(text, 64)
	if err != nil || !finite(v) {
		return fmt.Errorf("%s %q is not a number", d.name, text)
	}
	if d.integer && v != math.Trunc(v) {
		return fmt.Errorf("%s must be a whole number, got %s", d.name, text)
	}
	if v < d.min || v > d.max {
		return fmt.Errorf("%s %s is outside [%s, %s]", d.name, text, fmtBound(d.min), fmtBound(d.max))
	}
	d.set(s, v)
	return nil
}

// pos is where the value sits between the bounds, in [0, 1].
func (d sliderDef) pos(s *fpSettings) float64 {
	v, lo, hi := d.get(s), d.min, d.max
	if d.log {
		if v <= 0 {
			return 0
		}
		v, lo, hi = math.Log(v), math.Log(lo), math.Log(hi)
	}
	if !(hi > lo) {
		return 0
	}
	return math.Max(0, math.Min(1, (v-lo)/(hi-lo)))
}
