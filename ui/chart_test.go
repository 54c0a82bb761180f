package ui

import (
	"math"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/ctdtui/ctdtui/sim"
)

func testShared(ascii bool) *shared {
	return &shared{st: NewStyles(DarkTheme()), g: newGlyphs(ascii)}
}

func TestChartRefusesNonFiniteAndWildValuesAreCheap(t *testing.T) {
	c := newLossChart(testShared(false))
	c.SetSize(60, 12)
	c.Add(1, math.NaN(), math.Inf(1))
	c.Add(2, math.Inf(-1), 0.5)
	c.Add(3, 1e300, 1e-300)
	c.Add(4, -1e300, 0)
	c.Add(5, 0.1, 0.2)
	if c.train.len() != 3 || c.val.len() != 4 || c.refused != 3 {
		t.Fatalf("kept %d train and %d val points, dropped %d; want 3, 4, 3", c.train.len(), c.val.len(), c.refused)
	}
	for _, logY := range []bool{false, true} {
		c.SetLogY(logY)
		v := c.View()
		checkFits(t, v, 60, 12)
		if strings.Contains(v, "NaN") || strings.Contains(v, "Inf") {
			t.Fatalf("log=%v: non-finite label:\n%s", logY, v)
		}
		// ±1e300 decide no axis: the labels stay near the finite values.
		if strings.Contains(v, "e+") {
			t.Fatalf("log=%v: a far-out value set the axis:\n%s", logY, v)
		}
	}
}

func TestChartRedrawsOnlyWhenDirty(t *testing.T) {
	c := newLossChart(testShared(false))
	c.SetSize(60, 12)
	for e := 1; e <= 50; e++ {
		c.Add(e, 1/float64(e), 1.1/float64(e))
	}
	c.View()
	c.View()
	if c.renders() != 1 {
		t.Fatalf("%d renders for unchanged data, want 1", c.renders())
	}
	c.Add(51, 0.01, 0.02)
	c.View()
	c.SetSize(60, 12) // same size: nothing to do
	c.View()
	if c.renders() != 2 {
		t.Fatalf("%d renders, want 2", c.renders())
	}
	c.SetLogY(true)
	c.View()
	if c.renders() != 3 {
		t.Fatalf("%d renders after the log toggle, want 3", c.renders())
	}
	// Moving the cursor draws it over the cached picture.
	c.nav.SetCursor(1, 51, 20)
	c.View()
	c.nav.SetCursor(1, 51, 21)
	c.View()
	if c.renders() != 3 {
		t.Fatalf("%d renders after cursor moves, want 3", c.renders())
	}
}

func TestChartAxesFollowTheData(t *testing.T) {
	c := newLossChart(testShared(true))
	c.SetSize(50, 10)
	for e := 1; e <= 20; e++ {
		c.Add(e, 2+float64(e), 2+float64(e))
	}
	v := c.View()
	lines := strings.Split(v, "\n")
	// Top label near the maximum (22), bottom near the minimum (3), round
	// epochs on the x axis.
	if !strings.Contains(lines[0], "22") || !strings.Contains(lines[len(lines)-2], "2.") {
		t.Fatalf("y labels do not follow the data:\n%s", v)
	}
	if x := lines[len(lines)-1]; !strings.Contains(x, " 5 ") || !strings.Contains(x, "15") || !strings.HasSuffix(strings.TrimSpace(x), "epoch") {
		t.Fatalf("x axis %q", x)
	}
	// A rising line: the first column's dot is low, the last column's high.
	plot := lines[:len(lines)-1]
	axis := strings.IndexAny(plot[0], "+|")
	first, last := -1, -1
	for r, l := range plot {
		body := []rune(l)[axis+1:]
		if body[0] != ' ' && first < 0 {
			first = r
		}
		if body[len(body)-1] != ' ' && last < 0 {
			last = r
		}
	}
	if !(last < first) {
		t.Fatalf("the line does not rise (first row %d, last row %d):\n%s", first, last, v)
	}
	// Log scale labels are powers spread over the decades.
	c.Reset()
	for e := 1; e <= 20; e++ {
		c.Add(e, math.Pow(10, -float64(e)/5), math.Pow(10, -float64(e)/4))
	}
	c.SetLogY(true)
	if v := c.View(); !strings.Contains(v, "e-0") {
		t.Fatalf("log chart:\n%s", v)
	}
}

// fakeTask is a task the preview does not know: two inputs, one target.
type fakeTask struct{ sim.Task }

func (fakeTask) Kind() sim.Kind         { return "fake" }
func (fakeTask) InputLabels() []string  { return []string{"go cue", "stimulus"} }
func (fakeTask) OutputLabels() []string { return []string{"response"} }
func (fakeTask) TargetLabels() []string { return []string{"response"} }
func (fakeTask) Steps() int             { return 40 }
func (fakeTask) DynamicNoise() float64  { return 0 }
func (fakeTask) InputDim() int          { return 2 }
func (fakeTask) OutputDim() int         { return 1 }
func (fakeTask) ModelInputDim() int     { return 2 }
func (fakeTask) Plant() sim.Plant       { return nil }
func (fakeTask) DatasetName() string    { return "fake" }
func (fakeTask) Sampler() sim.Sampler   { return sim.RandomSampler{} }

func fakeData() *sim.Dataset {
	d := sim.NewDataset("fake", "fake", 40, 2, 1, 0, 0)
	tr := sim.TrialData{Len: 40, Inputs: make([]float64, 80), TrueInputs: make([]float64, 80), Targets: make([]float64, 40)}
	for t := 0; t < 40; t++ {
		tr.Inputs[2*t] = float64(t) * 10 // a range far from the flip-flop's
		tr.Inputs[2*t+1] = math.Sin(float64(t) / 4)
		tr.Targets[t] = -5 + float64(t%10)
	}
	d.Append(tr)
	return d
}

func TestPreviewGenericTask(t *testing.T) {
	sh := testShared(false)
	p := newPreview(sh)
	p.task, p.data, p.fingerprint = fakeTask{}, fakeData(), "fake"
	p.SetSize(60, 20)
	if p.cubeOK() || len(p.modes()) != 1 {
		t.Fatal("the cube is offered for a task that is not the flip-flop")
	}
	v := p.View()
	checkFits(t, v, 60, 20)
	if !strings.Contains(v, "response") || !strings.Contains(v, "inputs") || !strings.Contains(v, "39") {
		t.Fatalf("generic preview lacks its labels:\n%s", v)
	}
	// Data ranges follow the data: the 0..390 input reaches the panel's top.
	lo, hi := dataRange([][]float32{channel(p.data.Inputs(0), 2, 0, 40)})
	if !(lo < 0 && hi > 390) {
		t.Fatalf("range %v..%v does not cover the data", lo, hi)
	}
}

func TestPreviewFlipFlop(t *testing.T) {
	m := newTestModel(t, "3bff-small", 120, 40)
	p := m.task.prev
	if !p.cubeOK() || p.data.TargetDim != 3 || p.data.Len(0) != 100 {
		t.Fatalf("preview of 3bff-small: cube %v, %d channels", p.cubeOK(), p.data.TargetDim)
	}
	// The sample is trial 0 of the dataset seed, as training will see it.
	again := sim.NewNumpyRNG(0)
	task, _ := m.sh.cfg.BuildTask()
	want := task.Generate(1, again).Targets(0)
	for i, v := range p.data.Targets(0) {
		if v != want[i] {
			t.Fatal("the preview is not the seed's first trial")
		}
	}
	// Targets walk the corners of the cube: every value is 0 or 1.
	for _, v := range p.data.Targets(0) {
		if v != 0 && v != 1 {
			t.Fatalf("target %v is not a cube corner", v)
		}
	}
	both := p.View()
	if !strings.Contains(both, "Sample trial") || !strings.Contains(both, "Targets on the cube") {
		t.Fatalf("120x40 should show both views:\n%s", both)
	}
	press(m, keyOf(']'))
	rotated := p.View()
	if rotated == both || p.yaw != 315 { // -60° + 15°
		t.Fatalf("] did not rotate (yaw %v)", p.yaw)
	}
	press(m, keyOf('}'))
	if p.pitch != 40 {
		t.Fatalf("} did not tilt (pitch %v)", p.pitch)
	}
	press(m, keyOf('v'))
	if v := p.View(); strings.Contains(v, "Targets on the cube") {
		t.Fatal("v did not switch to the channels alone")
	}
	press(m, keyOf('v'))
	if v := p.View(); strings.Contains(v, "Sample trial") || !strings.Contains(v, "Targets on the cube") {
		t.Fatal("v did not switch to the cube alone")
	}
	// Two bits: no cube.
	focus(t, m, "task.nbff.bits")
	press(m, keyOf('←'))
	if p.cubeOK() {
		t.Fatal("the cube is offered for 2 bits")
	}
	// Many bits on a short terminal: the hidden channels are counted.
	m.Update(teaSize(80, 24))
	for i := 0; i < 5; i++ {
		press(m, keyOf('⇒'))
	}
	if v := p.View(); !strings.Contains(v, "first 8 of 16 channels") || !strings.Contains(v, "bit 7") || strings.Contains(v, "bit 8") || strings.Contains(v, "Output") {
		t.Fatalf("16 bits at 80x24:\n%s", v)
	}
	// A preview that cannot be drawn says why.
	m.sh.cfg.Task.NBFF.Steps = -1
	m.task.settingsChanged()
	if v := p.View(); !strings.Contains(v, "steps") {
		t.Fatalf("invalid task preview:\n%s", v)
	}
}

// The preview names targets after what they are (issue 11 point 7): the
// hand for the arm, the bits for the flip-flop, not the model's outputs.
func TestPreviewTargetLabels(t *testing.T) {
	m := newTestModel(t, "rt-small", 120, 40)
	v := ansi.Strip(m.task.prev.View())
	if !strings.Contains(v, "hand x") || !strings.Contains(v, "hand y") || strings.Contains(v, "Pec") || strings.Contains(v, "Delt") {
		t.Fatalf("RandomTarget preview labels:\n%s", v)
	}
}
