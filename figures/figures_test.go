package figures

import (
	"bytes"
	"context"
	"encoding/xml"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"gonum.org/v1/plot/vg"

	"github.com/ctdtui/ctdtui/study"
)

// The figures are drawn from the UI's small trained runs (see
// ui/testdata/trained/README.md).
const trained = "../ui/testdata/trained"

var sessions = struct {
	sync.Mutex
	m map[string]*study.Session
}{m: map[string]*study.Session{}}

func open(t *testing.T, name string) *study.Session {
	t.Helper()
	sessions.Lock()
	defer sessions.Unlock()
	if s := sessions.m[name]; s != nil {
		return s
	}
	s, err := study.Open(filepath.Join(trained, name), false)
	if err != nil {
		t.Fatal(err)
	}
	sessions.m[name] = s
	return s
}

// checkFile checks that path is a valid file of its format: a PNG decodes
// at 300 dpi of the figure's size, an SVG parses as XML with an svg root and
// at least one path per line series, a PDF has its header and trailer.
func checkFile(t *testing.T, path string, f *Figure) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	switch filepath.Ext(path) {
	case ".png":
		cfg, err := png.DecodeConfig(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: not a PNG: %v", path, err)
		}
		wantW, wantH := int(math.Ceil(float64(f.Width/vg.Inch)*dpi)), int(math.Ceil(float64(f.Height/vg.Inch)*dpi))
		if abs(cfg.Width-wantW) > 1 || abs(cfg.Height-wantH) > 1 {
			t.Fatalf("%s: %d×%d pixels, want %d×%d (300 dpi)", path, cfg.Width, cfg.Height, wantW, wantH)
		}
	case ".svg":
		d := xml.NewDecoder(bytes.NewReader(b))
		root, paths := "", 0
		for {
			tok, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: not XML: %v", path, err)
			}
			if se, ok := tok.(xml.StartElement); ok {
				if root == "" {
					root = se.Name.Local
				}
				if se.Name.Local == "path" {
					paths++
				}
			}
		}
		if root != "svg" || paths < f.SeriesCount("line") {
			t.Fatalf("%s: root <%s>, %d paths for %d line series", path, root, paths, f.SeriesCount("line"))
		}
	case ".pdf":
		if !bytes.HasPrefix(b, []byte("%PDF-")) || !bytes.Contains(b[max(0, len(b)-64):], []byte("%%EOF")) {
			t.Fatalf("%s: not a PDF (%q…)", path, b[:min(16, len(b))])
		}
	}
	return b
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// save writes f in every format and checks each file.
func save(t *testing.T, f *Figure, name string) []byte {
	t.Helper()
	var pngBytes []byte
	for _, ext := range Formats {
		path := filepath.Join(t.TempDir(), name+"."+ext)
		if err := f.Save(path); err != nil {
			t.Fatal(err)
		}
		b := checkFile(t, path, f)
		if ext == "png" {
			pngBytes = b
		}
	}
	return pngBytes
}

// hasColour reports whether some pixel of the PNG is within 12 of c in
// each channel.
func hasColour(t *testing.T, b []byte, c color.Color) bool {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	cr, cg, cb, _ := c.RGBA()
	near := func(a, b uint32) bool { return abs(int(a>>8)-int(b>>8)) <= 12 }
	bd := img.Bounds()
	for y := bd.Min.Y; y < bd.Max.Y; y += 2 {
		for x := bd.Min.X; x < bd.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			if near(r, cr) && near(g, cg) && near(bl, cb) {
				return true
			}
		}
	}
	return false
}

func names(f *Figure) []string {
	var out []string
	for _, p := range f.Panels {
		for _, s := range p.Series {
			out = append(out, s.Kind+":"+s.Name)
		}
	}
	return out
}

func make1(t *testing.T, s *study.Session, o Options) *Figure {
	t.Helper()
	f, err := Make(context.Background(), s, o, nil)
	if err != nil {
		t.Fatalf("%s: %v", o.What, err)
	}
	return f
}

func TestLossFigure(t *testing.T) {
	gru, rnn := open(t, "3bff-gru"), open(t, "3bff-rnn")
	f := make1(t, gru, Options{What: "loss"})
	h := gru.Run.Run.History
	if f.SeriesCount("line") != 2 || f.Panels[0].Series[0].N != len(h) || f.Panels[0].Series[1].N != len(h) {
		t.Fatalf("loss of %d epochs drew %v", len(h), f.Panels[0].Series)
	}
	b := save(t, f, "loss")
	if !hasColour(t, b, qual(0)) || !hasColour(t, b, qual(1)) {
		t.Fatal("the train and validation colours are not in the PNG")
	}
	// Two runs overlaid: one validation curve each, named by run.
	f = make1(t, gru, Options{What: "loss", Others: []*study.Session{rnn}, Smooth: 0.9})
	if got := names(f); len(got) != 2 || got[0] != "line:3bff-gru" || got[1] != "line:3bff-rnn" {
		t.Fatalf("overlay series %v", got)
	}
	save(t, f, "overlay")
}

func TestScreeFigure(t *testing.T) {
	f := make1(t, open(t, "3bff-gru"), Options{What: "scree"})
	if got := names(f); len(got) != 2 || got[0] != "bars:per PC" || got[1] != "line:cumulative" || f.Panels[0].Series[0].N != 10 {
		t.Fatalf("scree series %v", got)
	}
	save(t, f, "scree")
}

func TestTrialFigure(t *testing.T) {
	s := open(t, "multitask")
	f := make1(t, s, Options{What: "trial", Trial: 3})
	r, err := s.Trial(context.Background(), study.TrialOptions{Phase: "val", Trial: 3})
	if err != nil {
		t.Fatal(err)
	}
	// Inputs: the channels with a non-zero noise-free input (MultiTask's
	// many rule cues); outputs: target and output per channel; the PCs.
	active := 0
	for c := range r.InputLabels {
		for _, row := range r.TrueInputs {
			if row[c] != 0 {
				active++
				break
			}
		}
	}
	want := []int{active, 2 * len(r.TargetLabels), len(r.PCs[0])}
	if f.Rows != 3 {
		t.Fatalf("%d panels", f.Rows)
	}
	for i, p := range f.Panels {
		if len(p.Series) != want[i] {
			t.Fatalf("panel %d has %d series, want %d: %v", i, len(p.Series), want[i], names(f))
		}
		for _, se := range p.Series {
			if se.N != r.Steps {
				t.Fatalf("%s has %d points, want the trial's %d steps", se.Name, se.N, r.Steps)
			}
		}
	}
	save(t, f, "trial")
}

func TestTrajectoryFigures(t *testing.T) {
	s := open(t, "3bff-gru")
	f := make1(t, s, Options{What: "trajectories", Trials: 5})
	if f.SeriesCount("line") != 5 {
		t.Fatalf("5 trials drew %v", names(f))
	}
	save(t, f, "trajectories")
	f3 := make1(t, s, Options{What: "trajectories", Trials: 5, View3D: true, Yaw: 30, Pitch: 20})
	if f3.SeriesCount("line") != 5 {
		t.Fatalf("3-D: %v", names(f3))
	}
	fp := make1(t, s, Options{What: "fixedpoints", FixedPoints: study.FixedPointOptions{Inits: 64}})
	// The figure searches as `ctdtui fixedpoints` does: study's default phase.
	rep, err := s.FixedPoints(context.Background(), study.FixedPointOptions{Inits: 64}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The trajectories, the stable and unstable points; their eigenvalues.
	pts := fp.Panels[0].Series
	if len(pts) != 8+2 || pts[8].N != rep.Stable || pts[9].N != rep.Unstable {
		t.Fatalf("fixed points %v for %d stable, %d unstable", pts, rep.Stable, rep.Unstable)
	}
	nEig := 0
	for _, p := range rep.Points {
		nEig += len(p.Eigenvalues)
	}
	eig := fp.Panels[1].Series
	if len(eig) != 2 || eig[0].N+eig[1].N != nEig {
		t.Fatalf("eigenvalues %v, want %d", eig, nEig)
	}
	save(t, fp, "fixedpoints")
}

func TestCompareFigures(t *testing.T) {
	gru, rnn, mt := open(t, "3bff-gru"), open(t, "3bff-rnn"), open(t, "multitask")
	f := make1(t, gru, Options{What: "compare", Others: []*study.Session{rnn}, Trials: 3, Compare: study.CompareOptions{NoDSA: true}})
	// A's and B's trajectories, and R² per PC both ways.
	if len(f.Panels[0].Series) != 6 || len(f.Panels[1].Series) != 2 {
		t.Fatalf("compare: %v", names(f))
	}
	save(t, f, "compare")
	if _, err := Make(context.Background(), gru, Options{What: "compare", Others: []*study.Session{mt}, Compare: study.CompareOptions{NoDSA: true}}, nil); err == nil || !strings.Contains(err.Error(), "matrix") {
		t.Fatalf("runs on other trials: %v", err)
	}
	m := make1(t, gru, Options{What: "matrix", Others: []*study.Session{rnn, mt}, Metric: "dsa", Compare: study.CompareOptions{DSADelays: 5, DSARank: 20}})
	if got := names(m); len(got) != 1 || got[0] != "heatmap:dsa" || m.Panels[0].Series[0].N != 9 {
		t.Fatalf("matrix: %v", got)
	}
	save(t, m, "matrix")
}

func TestTimeResolvedFigures(t *testing.T) {
	s := open(t, "randomtarget")
	ctx := context.Background()
	a := make1(t, s, Options{What: "aligned", Event: "go_cue"})
	ar, err := s.Align(ctx, study.AlignOptions{Phase: "val", Event: "go_cue"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.SeriesCount("line") != len(ar.Conditions) {
		t.Fatalf("aligned: %v for %d conditions", names(a), len(ar.Conditions))
	}
	save(t, a, "aligned")
	d := make1(t, s, Options{What: "decoding", Event: "go_cue"})
	dr, err := s.Decode(ctx, study.DecodeOptions{Event: "go_cue"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d.SeriesCount("line") != len(dr.Variables)+1 { // and the chance level
		t.Fatalf("decoding: %v for %d variables", names(d), len(dr.Variables))
	}
	save(t, d, "decoding")
	c := make1(t, s, Options{What: "crosstemporal", Event: "go_cue"})
	if c.SeriesCount("heatmap") != len(dr.Variables) {
		t.Fatalf("cross-temporal: %v", names(c))
	}
	save(t, c, "crosstemporal")
	g := make1(t, s, Options{What: "crosstemporal", Event: "go_cue", Group: dr.Variables[0].Group})
	if g.SeriesCount("heatmap") != 1 {
		t.Fatalf("one group: %v", names(g))
	}
	// The colour scale is drawn whatever the grid (one panel leaves no free
	// cell for it).
	for _, f := range []*Figure{c, g} {
		if f.Side == nil || f.SideWidth <= 0 {
			t.Errorf("cross-temporal figure of %d panels has no colour bar", len(f.Panels))
		}
	}
	save(t, g, "crosstemporal-one")
	if _, err := Make(ctx, s, Options{What: "crosstemporal", Event: "go_cue", Group: "nope"}, nil); err == nil {
		t.Fatal("an unknown group was accepted")
	}
}

// Non-finite and far-out values never reach gonum/plot (which refuses them):
// the line breaks there and the axes ignore them.
func TestNonFiniteValuesBreakLines(t *testing.T) {
	p := newPlot("", "", "")
	xs := []float64{0, 1, 2, 3, 4, 5, 6, 7}
	ys := []float64{1, math.NaN(), 2, math.Inf(1), 3, 4, 1e300, math.Inf(-1)}
	s, _ := line(p, "y", xs, ys, qual(0), vg.Points(1), nil)
	if s.N != 4 {
		t.Fatalf("%d points drawn, want the 4 usable ones", s.N)
	}
	f := single(&Panel{Plot: p, Series: []Series{s}}, 3*vg.Inch, 2*vg.Inch)
	var buf bytes.Buffer
	if err := f.Write(&buf, "png"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := image.Decode(&buf); err != nil {
		t.Fatal(err)
	}
	lo, hi := p.Y.Min, p.Y.Max
	if !(lo >= 1 && hi <= 4) {
		t.Fatalf("y axis %v … %v, want the usable values' 1 … 4", lo, hi)
	}
}

func TestSaveRefusesUnknownFormats(t *testing.T) {
	f := make1(t, open(t, "3bff-gru"), Options{What: "scree"})
	err := f.Save(filepath.Join(t.TempDir(), "fig.jpg"))
	if err == nil || !strings.Contains(err.Error(), ".png, .svg or .pdf") {
		t.Fatalf("fig.jpg: %v", err)
	}
}
