package figures

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Figure is a grid of panels drawn together.
type Figure struct {
	Rows, Cols    int
	Panels        []*Panel // row-major, Rows×Cols
	Width, Height vg.Length
	// Side, when set, is drawn in a strip SideWidth wide at the right of
	// the panels (a colour bar, which needs no cell of the grid's size).
	Side      *Panel
	SideWidth vg.Length
}

// Panel is one plot of a figure and the series drawn on it.
type Panel struct {
	Plot   *plot.Plot
	Series []Series
}

// Series describes something drawn on a panel.
type Series struct {
	Name string
	Kind string // "line", "points", "bars", "heatmap"
	N    int    // points (a heatmap: cells)
}

// Formats are the file formats Save writes, by extension.
var Formats = []string{"png", "svg", "pdf"}

// dpi of PNG figures.
const dpi = 300

// format returns the format of path's extension, or an error naming it.
func format(path string) (string, error) {
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(path), "."))
	for _, f := range Formats {
		if ext == f {
			return f, nil
		}
	}
	return "", fmt.Errorf("%s: the figure's format comes from its extension: .png, .svg or .pdf", path)
}

// Save writes the figure to path (PNG, SVG or PDF by its extension),
// atomically: a file is never left half written.
func (f *Figure) Save(path string) error {
	fm, err := format(path)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := f.Write(&buf, fm); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Write draws the figure in format "png", "svg" or "pdf".
func (f *Figure) Write(w io.Writer, fm string) error {
	var c interface {
		vg.CanvasSizer
		io.WriterTo
	}
	switch fm {
	case "png":
		c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(f.Width, f.Height), vgimg.UseDPI(dpi), vgimg.UseBackgroundColor(color.White))}
	case "svg":
		c = vgsvg.New(f.Width, f.Height)
	case "pdf":
		c = vgpdf.New(f.Width, f.Height)
	default:
		return fmt.Errorf("unknown figure format %q (png, svg, pdf)", fm)
	}
	dc := draw.New(c)
	if f.Side != nil {
		f.Side.Plot.Draw(draw.Crop(dc, f.Width-f.SideWidth, 0, vg.Millimeter*12, 0))
		dc = draw.Crop(dc, 0, -f.SideWidth, 0, 0)
	}
	if f.Rows*f.Cols == 1 {
		f.Panels[0].Plot.Draw(dc)
	} else {
		plots := make([][]*plot.Plot, f.Rows)
		for r := range plots {
			plots[r] = make([]*plot.Plot, f.Cols)
			for k := range plots[r] {
				if i := r*f.Cols + k; i < len(f.Panels) && f.Panels[i] != nil {
					plots[r][k] = f.Panels[i].Plot
				}
			}
		}
		tiles := draw.Tiles{Rows: f.Rows, Cols: f.Cols, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 3,
			PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
		canvases := plot.Align(plots, tiles, dc)
		for r := range plots {
			for k, p := range plots[r] {
				if p != nil {
					p.Draw(canvases[r][k])
				}
			}
		}
	}
	_, err := c.WriteTo(w)
	return err
}

// SeriesCount is the number of series of the given kind on every panel ("" counts all).
func (f *Figure) SeriesCount(kind string) int {
	n := 0
	for _, p := range f.Panels {
		for _, s := range p.Series {
			if kind == "" || s.Kind == kind {
				n++
			}
		}
	}
	return n
}

// ---- drawing helpers ----

// far is the largest magnitude drawn: beyond it a value is left out (it
// would only squash the axes), as non-finite ones are.
const far = 1e100

func usable(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) && math.Abs(v) <= far }

func newPlot(title, xlabel, ylabel string) *plot.Plot {
	p := bare(title, xlabel, ylabel)
	p.Add(plotter.NewGrid())
	return p
}

// bare is a plot without grid lines (a heatmap's).
func bare(title, xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.Title.TextStyle.Font.Size = vg.Points(11)
	p.X.Label.TextStyle.Font.Size = vg.Points(10)
	p.Y.Label.TextStyle.Font.Size = vg.Points(10)
	p.Legend.TextStyle.Font.Size = vg.Points(8)
	p.Legend.Top = true
	return p
}

// intTicks are gonum's default ticks with whole numbers written as such
// (time steps, epochs).
type intTicks struct{}

func (intTicks) Ticks(lo, hi float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ts {
		if ts[i].Label != "" && ts[i].Value == math.Trunc(ts[i].Value) {
			ts[i].Label = strconv.FormatFloat(ts[i].Value, 'f', -1, 64)
		}
	}
	return ts
}

// line draws the polyline (xs[i], ys[i]) on p, broken where a point is not
// usable (gonum/plot refuses non-finite values), and returns its series
// (N counts the points drawn) and a thumbnail for the legend.
func line(p *plot.Plot, name string, xs, ys []float64, c color.Color, width vg.Length, dashes []vg.Length) (Series, plot.Thumbnailer) {
	s := Series{Name: name, Kind: "line"}
	var thumb plot.Thumbnailer
	var run plotter.XYs
	flush := func() {
		if len(run) == 0 {
			return
		}
		if len(run) == 1 {
			sc, _ := plotter.NewScatter(run)
			sc.GlyphStyle = draw.GlyphStyle{Color: c, Radius: width, Shape: draw.CircleGlyph{}}
			p.Add(sc)
		} else {
			l, _ := plotter.NewLine(run)
			l.LineStyle = draw.LineStyle{Color: c, Width: width, Dashes: dashes}
			p.Add(l)
			if thumb == nil {
				thumb = l
			}
		}
		run = nil
	}
	for i := range min(len(xs), len(ys)) {
		if !usable(xs[i]) || !usable(ys[i]) {
			flush()
			continue
		}
		run = append(run, plotter.XY{X: xs[i], Y: ys[i]})
		s.N++
	}
	flush()
	if thumb == nil {
		l := &plotter.Line{LineStyle: draw.LineStyle{Color: c, Width: width, Dashes: dashes}}
		thumb = l
	}
	return s, thumb
}

// points draws markers at the usable points.
func points(p *plot.Plot, name string, xs, ys []float64, c color.Color, shape draw.GlyphDrawer, radius vg.Length) (Series, plot.Thumbnailer) {
	s := Series{Name: name, Kind: "points"}
	var xy plotter.XYs
	for i := range min(len(xs), len(ys)) {
		if usable(xs[i]) && usable(ys[i]) {
			xy = append(xy, plotter.XY{X: xs[i], Y: ys[i]})
		}
	}
	sc := &plotter.Scatter{XYs: xy, GlyphStyle: draw.GlyphStyle{Color: c, Radius: radius, Shape: shape}}
	if len(xy) > 0 {
		p.Add(sc)
	}
	s.N = len(xy)
	return s, sc
}

// vline and hline draw dotted reference lines across the data range.
func vline(p *plot.Plot, x, ylo, yhi float64, c color.Color) {
	if usable(x) && usable(ylo) && usable(yhi) && yhi > ylo {
		l, _ := plotter.NewLine(plotter.XYs{{X: x, Y: ylo}, {X: x, Y: yhi}})
		l.LineStyle = draw.LineStyle{Color: c, Width: vg.Points(0.7), Dashes: []vg.Length{vg.Points(1.5), vg.Points(2)}}
		p.Add(l)
	}
}

func hline(p *plot.Plot, y, xlo, xhi float64, c color.Color) {
	if usable(y) && usable(xlo) && usable(xhi) && xhi > xlo {
		l, _ := plotter.NewLine(plotter.XYs{{X: xlo, Y: y}, {X: xhi, Y: y}})
		l.LineStyle = draw.LineStyle{Color: c, Width: vg.Points(0.7), Dashes: []vg.Length{vg.Points(1.5), vg.Points(2)}}
		p.Add(l)
	}
}

// extent is the range of the usable values.
func extent(vals ...[]float64) (float64, float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range vals {
		for _, x := range v {
			if usable(x) {
				lo, hi = math.Min(lo, x), math.Max(hi, x)
			}
		}
	}
	if lo > hi {
		return 0, 1
	}
	return lo, hi
}

// ema is the exponential moving average with weight w on the past,
// debiased (TensorBoard's smoothing, as the Train tab draws it); unusable
// values are skipped and stay as they are.
func ema(y []float64, w float64) []float64 {
	out := make([]float64, len(y))
	acc, norm := 0.0, 0.0
	for i, v := range y {
		if !usable(v) {
			out[i] = v
			continue
		}
		acc = w*acc + (1-w)*v
		norm = w*norm + (1 - w)
		out[i] = acc / norm
	}
	return out
}

// Colours: the runs and groups take a colour-blind-safe qualitative
// palette (Okabe–Ito); channels sample matplotlib's rainbow as the
// reference's plots (and the TUI) do.
var qualitative = []color.Color{
	color.RGBA{0, 114, 178, 255},   // blue
	color.RGBA{230, 159, 0, 255},   // orange
	color.RGBA{0, 158, 115, 255},   // green
	color.RGBA{204, 121, 167, 255}, // purple
	color.RGBA{86, 180, 233, 255},  // sky blue
	color.RGBA{213, 94, 0, 255},    // vermilion
	color.RGBA{240, 228, 66, 255},  // yellow
	color.RGBA{0, 0, 0, 255},       // black
}

func qual(i int) color.Color { return qualitative[i%len(qualitative)] }

var (
	grey  = color.RGBA{120, 120, 120, 255}
	light = color.RGBA{190, 190, 190, 255}
)

// rainbow is colour i of n from matplotlib's rainbow map (violet to red).
func rainbow(i, n int) color.Color {
	t := 0.5
	if n > 1 {
		t = float64(i) / float64(n-1)
	}
	// matplotlib's rainbow: r = |2t − ½|, g = sin(πt), b = cos(πt/2)
	r := math.Min(1, math.Abs(2*t-0.5))
	g := math.Sin(math.Pi * t)
	b := math.Cos(math.Pi * t / 2)
	return color.RGBA{uint8(255 * r), uint8(255 * g), uint8(255 * b), 255}
}

// faded is c with alpha a.
func faded(c color.Color, a uint8) color.Color {
	r, g, b, _ := c.RGBA()
	return color.NRGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), a}
}

var dashed = []vg.Length{vg.Points(4), vg.Points(2.5)}
