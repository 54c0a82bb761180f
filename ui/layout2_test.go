package ui

import (
	"fmt"
	"testing"
	"time"
)

// The Trials, Analysis and Compare tabs and the Train tab's dynamics panel
// fit every size, in colour and in ASCII, in each of their states.
func TestLayoutAnalysisTabsFitEverySize(t *testing.T) {
	states := []struct {
		name  string
		setup func(*driver)
	}{
		{"trials-picker", func(d *driver) { d.keys("3") }},
		{"trials-flipflop", func(d *driver) { openTrials(t, d, "3bff-gru"); d.keys("]>>") }},
		{"trials-units-full-help", func(d *driver) { openTrials(t, d, "3bff-gru"); d.keys("u}?") }},
		{"trials-randomtarget", func(d *driver) { openTrials(t, d, "randomtarget"); d.keys(">>>") }},
		{"trials-randomtarget-arm", func(d *driver) { openTrials(t, d, "randomtarget"); d.keys("v>>>") }},
		{"trials-multitask", func(d *driver) { openTrials(t, d, "multitask"); d.keys(">>>>") }},
		{"trials-zoomed-smoothed-log", func(d *driver) { openTrials(t, d, "multitask"); d.keys(">>>>zzwy") }},
		{"analysis", func(d *driver) { openAnalysis(t, d, "multitask") }},
		{"analysis-decoding-cursor", func(d *driver) {
			openAnalysis(t, d, "randomtarget")
			d.keys("aa")
			d.until(func() bool { _, _, ok := d.m.anal.decExtent(); return ok }, 60*time.Second, "the decoding")
			d.keys(".zw")
		}},
		{"analysis-aligned", func(d *driver) {
			openAnalysis(t, d, "randomtarget")
			d.keys("a")
			d.until(func() bool { _, ok := d.m.anal.align.get(d.m.anal.alignKey()); return ok }, 60*time.Second, "the alignment")
		}},
		{"analysis-decoding", func(d *driver) {
			openAnalysis(t, d, "randomtarget")
			d.keys("aa")
			d.until(func() bool { _, _, ok := d.m.anal.decExtent(); return ok }, 60*time.Second, "the decoding")
		}},
		{"analysis-crosstemporal", func(d *driver) {
			openAnalysis(t, d, "randomtarget")
			d.keys("aaa")
			d.until(func() bool { _, ok := d.m.anal.decode.get(d.m.anal.decodeKey()); return ok }, 60*time.Second, "the decoding")
		}},
		{"analysis-fixed-points-3d", func(d *driver) {
			openAnalysis(t, d, "3bff-gru")
			setSlider(t, d, "inits", "64")
			d.keys("f")
			d.until(func() bool { return d.m.anal.fp.running() == nil }, 60*time.Second, "the search")
			d.keys("v]")
		}},
		{"analysis-running", func(d *driver) {
			openAnalysis(t, d, "3bff-rnn")
			setSlider(t, d, "iterations", "100000")
			setSlider(t, d, "mode", "reference")
			d.keys("f")
			w := d.m.anal.fp.running()
			d.until(func() bool { return w.last.text != "" }, 20*time.Second, "progress")
		}},
		{"analysis-editing", func(d *driver) {
			openAnalysis(t, d, "randomtarget")
			d.keys("↓↓\n")
			d.keys("123456789012345678901234567890")
		}},
		{"compare-picker", func(d *driver) { openTrials(t, d, "3bff-gru"); d.keys("5") }},
		{"compare", func(d *driver) {
			compareRuns(t, d, "3bff-gru", "3bff-rnn")
			d.until(func() bool { return d.m.cmp.shown() != nil }, 60*time.Second, "the comparison")
			d.keys("v")
		}},
		{"compare-refused", func(d *driver) {
			compareRuns(t, d, "3bff-rnn", "multitask")
			d.until(func() bool { return d.m.cmp.res.running() == nil }, 60*time.Second, "the comparison")
		}},
		{"train-dynamics", func(d *driver) {
			d.keys("2")
			d.until(func() bool { return len(d.m.train.runs) > 0 }, 5*time.Second, "the runs")
			for i, e := range d.m.train.runs {
				if e.name == "3bff-rnn" {
					d.m.train.sel = i
				}
			}
			d.keys("\n")
			d.until(func() bool { return d.m.train.cur.frame != nil }, 20*time.Second, "the frame")
		}},
	}
	for _, s := range states {
		for _, ascii := range []bool{false, true} {
			d := newTrainedModel(t, 100, 30, ascii)
			s.setup(d)
			for _, sz := range layoutSizes {
				d.m.Update(teaSize(sz[0], sz[1]))
				v := d.m.View()
				t.Run(fmt.Sprintf("%s/ascii=%v/%dx%d", s.name, ascii, sz[0], sz[1]), func(t *testing.T) {
					checkFits(t, v, sz[0], sz[1])
					if ascii {
						checkNoDrawingGlyphs(t, v)
					}
				})
			}
			if w := d.m.anal.fp.running(); w != nil {
				w.cancel()
			}
		}
	}
}
