package study

import (
	"bytes"
	"context"
	"math"
	"strings"
	"testing"

	"github.com/ctdtui/ctdtui/sim"
)

// The aligned samples are the trials' recorded events: RandomTarget go cues
// at the step the dataset stores (Extra[1]), catch trials left out; every
// flip-flop pulse at a step whose input pulses on that bit.
func TestAlignSamplesMatchRecordedEvents(t *testing.T) {
	s := open(t, randomTarget)
	d, task := s.Run.Data, s.Run.Task
	trials, _ := s.Run.Trials("all")
	samples, without := alignSamples(task, d, trials, sim.EventGoCue, nil)
	catch := 0
	byTrial := map[int]int{}
	for _, i := range trials {
		if d.Extra[i][1] < 0 {
			catch++
		}
	}
	for _, sm := range samples {
		byTrial[sm.Trial]++
		if sm.Event.Step != d.Extra[sm.Trial][1] || trials[sm.K] != sm.Trial {
			t.Fatalf("trial %d: go cue aligned at %d, recorded %d", sm.Trial, sm.Event.Step, d.Extra[sm.Trial][1])
		}
		// The go-cue input turns on exactly there.
		in := d.TrueInputs(sm.Trial)
		if in[sm.Event.Step*3+2] != 1 || (sm.Event.Step > 0 && in[(sm.Event.Step-1)*3+2] != 0) {
			t.Fatalf("trial %d: the go-cue channel does not turn on at %d", sm.Trial, sm.Event.Step)
		}
	}
	if without != catch || len(samples) != len(trials)-catch || len(byTrial) != len(samples) {
		t.Fatalf("%d samples, %d without; %d catch trials of %d", len(samples), without, catch, len(trials))
	}

	ff := open(t, flipFlop32)
	fd := ff.Run.Data
	ftr, _ := ff.Run.Trials("all")
	pulses, _ := alignSamples(ff.Run.Task, fd, ftr, sim.EventPulse, nil)
	want := 0
	for _, i := range ftr {
		in := fd.TrueInputs(i)
		for k, v := range in {
			if v != 0 {
				want++
				_ = k
			}
		}
	}
	if len(pulses) != want {
		t.Fatalf("%d pulses aligned, the inputs have %d non-zero entries", len(pulses), want)
	}
	for _, p := range pulses {
		v := fd.TrueInputs(p.Trial)[p.Event.Step*fd.InputDim+p.Event.Bit]
		if v == 0 || (v > 0) != (p.Event.Sign > 0) {
			t.Fatalf("pulse %+v: input there is %v", p.Event, v)
		}
	}
}

// Align counts, at each aligned step, only the samples whose trial covers
// it, and a condition's mean there is the mean of those samples' latents,
// not padded with zeros.
func TestAlignLeavesOutStepsOutsideTrials(t *testing.T) {
	s := open(t, randomTarget)
	w := Window{Pre: 60, Post: 90}
	rep, err := s.Align(context.Background(), AlignOptions{Event: sim.EventGoCue, Window: w}, nil)
	if err != nil {
		t.Fatal(err)
	}
	inf, err := s.Inference(context.Background(), "all")
	if err != nil {
		t.Fatal(err)
	}
	samples, _ := alignSamples(s.Run.Task, s.Run.Data, inf.Trials, sim.EventGoCue, &sim.ConditionSettings{DirectionBins: 8})
	partial := false
	for j, k := range rep.Steps {
		n := 0
		for _, sm := range samples {
			if t := sm.Event.Step + k; t >= 0 && t < inf.Len(sm.K) {
				n++
			}
		}
		if rep.Count[j] != n {
			t.Fatalf("aligned step %d: count %d, want %d", k, rep.Count[j], n)
		}
		if n > 0 && n < len(samples) {
			partial = true
		}
	}
	if !partial {
		t.Fatal("the window should reach outside some trials")
	}
	// The first condition's mean at the last aligned step, by hand.
	c := rep.Conditions[0]
	j := len(rep.Steps) - 1
	for ; j >= 0 && c.Count[j] == 0; j-- {
	}
	H := inf.H
	mean := make([]float64, H)
	n := 0
	for _, sm := range samples {
		if sm.Cond != c.Index {
			continue
		}
		if tt := sm.Event.Step + rep.Steps[j]; tt >= 0 && tt < inf.Len(sm.K) {
			for h, v := range inf.Latents(sm.K)[tt*H : (tt+1)*H] {
				mean[h] += float64(v)
			}
			n++
		}
	}
	for h := range mean {
		mean[h] /= float64(n)
	}
	pcs, err := s.ProjectPoints(context.Background(), "all", 3, [][]float64{mean})
	if err != nil {
		t.Fatal(err)
	}
	if n != c.Count[j] || n == 0 || n == c.Samples {
		t.Fatalf("condition %s at step %d: %d samples by hand, %d counted, %d in all", c.Label, rep.Steps[j], n, c.Count[j], c.Samples)
	}
	for k := range pcs[0] {
		if math.Abs(pcs[0][k]-c.PC[j][k]) > 1e-9 {
			t.Fatalf("condition %s at step %d: mean PCs %v, by hand %v", c.Label, rep.Steps[j], c.PC[j], pcs[0])
		}
	}
	var b bytes.Buffer
	if err := rep.WriteTable(&b); err != nil || !strings.Contains(b.String(), "condition means") {
		t.Fatalf("table (%v):\n%s", err, b.String())
	}
	for _, bad := range []AlignOptions{{Event: "pulse"}, {}, {Event: sim.EventGoCue, By: "colour"}} {
		if _, err := s.Align(context.Background(), bad, nil); err == nil || !strings.Contains(err.Error(), "go_cue") && !strings.Contains(err.Error(), "condition") {
			t.Errorf("options %+v: error %v", bad, err)
		}
	}
}

// Decoding a trained arm model aligned to target onset: the target is not
// decodable before it is shown and is after; the chance level is near 0;
// the cross-temporal matrix has the window's decimated steps.
func TestDecodeTargetAfterOnset(t *testing.T) {
	s := open(t, randomTarget)
	rep, err := s.Decode(context.Background(), DecodeOptions{Event: sim.EventTargetOn, Window: Window{Pre: 10, Post: 40},
		Vars: []string{"target", "hand"}, CrossTemporal: true, CTStride: 5}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Variables) != 3 || rep.Variables[0].Group != "target" || rep.Variables[1].Group != "hand position" {
		t.Fatalf("variables %v", rep.Variables)
	}
	tg := rep.Variables[0]
	before, after := tg.R2[5], tg.R2[20] // aligned −5 and +10
	if !(before < 0.3) || !(after > 0.8) || !(math.Abs(tg.Chance) < 0.2) || tg.Onset == nil || *tg.Onset < 0 {
		t.Errorf("target R² %.3f before onset, %.3f after, chance %.3f, onset %v", before, after, tg.Chance, tg.Onset)
	}
	if len(rep.CTSteps) != 11 || len(tg.CrossTemporal) != 11 || len(tg.CrossTemporal[0]) != 11 {
		t.Fatalf("cross-temporal steps %v", rep.CTSteps)
	}
	if _, err := s.Decode(context.Background(), DecodeOptions{Event: sim.EventGoCue, Vars: []string{"colour"}}, nil); err == nil || !strings.Contains(err.Error(), "target") {
		t.Errorf("an unknown variable: %v", err)
	}
	var b bytes.Buffer
	if err := rep.WriteTable(&b); err != nil || !strings.Contains(b.String(), "cross-temporal R² (target)") {
		t.Fatalf("table (%v):\n%s", err, b.String())
	}
}
