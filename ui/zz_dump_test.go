package ui

import (
	"os"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
)

func TestZZDump(t *testing.T) {
	os.MkdirAll("/tmp/views", 0o755)
	for _, sz := range [][2]int{{80, 24}, {250, 70}} {
		dump := func(name string, d *driver) {
			d.m.Update(teaSize(sz[0], sz[1]))
			os.WriteFile("/tmp/views/"+name+"-"+itoa(sz[0])+".txt", []byte(ansi.Strip(d.m.View())), 0o644)
		}
		d := newTrainedModel(t, sz[0], sz[1], false)
		openTrials(t, d, "3bff-gru")
		d.keys("]>>>")
		dump("trials-3bff", d)
		d.keys("4")
		d.until(func() bool { return d.m.anal.shown() != nil }, 20*time.Second, "a")
		setSlider(t, d, "inits", "64")
		d.keys("f")
		d.until(func() bool { return d.m.anal.fpWork == nil }, 60*time.Second, "the search")
		dump("analysis-3bff", d)
		d.keys("v")
		dump("analysis-3bff-3d", d)
		fastCompare(d)
		d.keys("5")
		pickRun(t, d, d.m.cmp.picker, "3bff-rnn")
		d.until(func() bool { return d.m.cmp.shown() != nil }, 60*time.Second, "the comparison")
		dump("compare", d)
		d2 := newTrainedModel(t, sz[0], sz[1], false)
		openTrials(t, d2, "randomtarget")
		d2.keys(">>>>")
		dump("trials-rt", d2)
		d2.keys("v")
		dump("trials-rt-v", d2)
		openTrials(t, d2, "multitask")
		d2.keys(">>>>")
		dump("trials-mt", d2)
		d2.keys("4")
		d2.until(func() bool { return d2.m.anal.shown() != nil }, 20*time.Second, "a")
		dump("analysis-mt", d2)
		d2.keys("2")
		d2.until(func() bool { return len(d2.m.train.runs) > 0 }, 5*time.Second, "runs")
		d2.keys("\n")
		d2.until(func() bool { return d2.m.train.cur != nil && d2.m.train.cur.frame != nil }, 20*time.Second, "frame")
		dump("train-mt", d2)
	}
}

func itoa(i int) string { return fmtBound(float64(i)) }
