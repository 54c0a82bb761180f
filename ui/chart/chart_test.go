package chart

import (
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"
)

// wild are the values every entry point is fed: NaN, ±Inf, far-out ones
// and ordinary ones.
var wild = []float64{math.NaN(), 1, math.Inf(1), 2, math.Inf(-1), 1e300, -1e300, 3, 1e-300, math.NaN(), 4, 5}

// allocated runs f and returns the bytes it allocated.
func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// checkDrawn checks a rendered block: h lines of exactly w cells, no
// "NaN"/"Inf" text, and at least one drawn cell.
func checkDrawn(t *testing.T, what string, lines []string, w, h int) {
	t.Helper()
	if len(lines) != h {
		t.Fatalf("%s: %d lines, want %d", what, len(lines), h)
	}
	drawn := false
	for i, l := range lines {
		if got := ansi.StringWidth(l); got != w {
			t.Fatalf("%s: line %d is %d cells, want %d: %q", what, i, got, w, l)
		}
		if strings.Contains(l, "NaN") || strings.Contains(l, "Inf") {
			t.Fatalf("%s: non-finite text in %q", what, l)
		}
		if strings.TrimSpace(ansi.Strip(l)) != "" {
			drawn = true
		}
	}
	if !drawn {
		t.Fatalf("%s: nothing drawn", what)
	}
}

// Every entry point of the adapter takes NaN, ±Inf and ±1e300 (in data and
// in ranges) without a panic, draws the finite values, and allocates a
// bounded amount (no walk along a 1e300-long segment, no per-point grid).
func TestEveryEntryPointTakesWildValues(t *testing.T) {
	const w, h = 80, 20
	const bound = 4 << 20 // bytes per call at 80×20
	for _, ascii := range []bool{false, true} {
		var lines []string
		check := func(what string, draw func() []string) {
			t.Helper()
			n := allocated(func() { lines = draw() })
			if n > bound {
				t.Fatalf("ascii=%v %s: allocated %d bytes", ascii, what, n)
			}
			checkDrawn(t, what, lines, w, len(lines))
		}
		xs := make([]float64, len(wild))
		for i := range xs {
			xs[i] = float64(i)
		}
		for _, nav := range []*Nav{nil, {}, {LogY: true, Smooth: 0.9, CursorOn: true, Cursor: 3}, {Zoomed: true, Lo: 2, Hi: 7, CursorOn: true, Cursor: math.NaN()}} {
			check("line chart", func() []string {
				c := &LineChart{YAxis: true, XAxis: true, XLabel: "epoch", Nav: nav, ASCII: ascii,
					Marks: []VMark{{X: math.NaN()}, {X: 1e300}, {X: 2}}, HMarks: []HMark{{Y: math.Inf(1)}, {Y: 2}}}
				c.SetData("", []Series{{Name: "a", X: xs, Y: wild}, {Name: "b", Y: wild, Dash: 2}, {Name: "empty"}})
				c.Readings(math.NaN())
				c.Readings(1e300)
				for _, r := range c.Readings(3) {
					if r.OK && !Finite(r.Value) {
						t.Fatalf("reading %+v", r)
					}
				}
				return c.Lines(w, h)
			})
		}
		// Wild x values (not sorted: NaN) and a fixed range that is not finite.
		check("line chart, wild x", func() []string {
			c := &LineChart{YFixed: true, YLo: math.NaN(), YHi: math.Inf(1), ASCII: ascii}
			c.SetData("", []Series{{X: wild, Y: []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, -0.5, -0.6, -0.7}}}) // drawn in the fallback range -1 … 1
			return c.Lines(w, h)
		})
		check("frame", func() []string {
			s := NewSurface(w, h, ascii)
			for _, r := range [][4]float64{{math.NaN(), 1, 0, 1}, {-1e300, 1e300, math.Inf(-1), math.Inf(1)}, {0, 10, 0, 10}} {
				f := NewFrame(s, 0, 0, w, h, r[0], r[1], r[2], r[3])
				if r[0] == 0 {
					f.Equal()
				}
				p := f.Pen(Stroke{Style: FG("1"), Dash: 1})
				p.Path(xs, wild)
				p.Path(wild, xs)
				p.Seg(-1e300, -1e300, 1e300, 1e300)
				p.Seg(5, 1e308, 5, -1e308)
				p.Seg(math.NaN(), 0, 1, 1)
				p.Point(math.Inf(1), 0)
				p.VLine(math.NaN())
				p.VLine(5)
				p.HLine(1e300)
				p.HLine(5)
				p.Done()
				f.Mark(math.NaN(), 1, "x", FG("2"))
				f.Mark(1e300, 1, "x", FG("2"))
				f.Mark(5, 5, "x", FG("2"))
			}
			return s.Lines()
		})
		check("bars", func() []string {
			s := NewSurface(w, len(wild), ascii)
			Bars(s, 0, 0, w, []float64{math.NaN(), 0.5, math.Inf(1), -1e300, 1e300, 0.25, math.Inf(-1), 1, 0.125, 0, 0.75, 2}, FG("3"))
			return s.Lines()
		})
		check("sparkline", func() []string {
			return []string{Sparkline(wild, w, false, FG("4"), ascii), Sparkline(wild, w, true, FG("4"), ascii)}
		})
		check("columns", func() []string {
			return []string{Columns(wild, 5, func(int) Style { return FG("5") }, ascii) + strings.Repeat(" ", w-len(wild))}
		})
		scale := []lipgloss.Color{"232", "240", "250", "226"}
		at := func(i, j int) float64 { return wild[(i*5+j)%len(wild)] }
		check("heatmap", func() []string {
			s := NewSurface(w, h, ascii)
			Heatmap(s, 0, 0, w, h, Matrix{Rows: 7, Cols: 9, At: at}, 0, 5, scale)
			Heatmap(s, 0, 0, w, h, Matrix{Rows: 7, Cols: 9, At: at}, math.NaN(), math.Inf(1), scale) // an unusable range: drawn as -1 … 1
			return s.Lines()
		})
		check("heat blocks", func() []string {
			s := NewSurface(w, h, ascii)
			HeatBlocks(s, 0, 0, 4, 4, 8, 2, 0, 5, scale, func(i, j int) Block {
				return Block{Value: at(i, j), Text: Num(at(i, j)), Cursor: i == j}
			})
			return s.Lines()
		})
	}
	// The helpers.
	if lo, hi := Range(0, wild); lo != 1e-300 || hi != 5 {
		t.Fatalf("Range %v … %v: the far-out values decided it", lo, hi)
	}
	for i, v := range EMA(wild, 0.5) {
		if plottable(wild[i]) != plottable(v) {
			t.Fatalf("EMA[%d] = %v for %v", i, v, wild[i])
		}
	}
	if Ticks(math.NaN(), 1, 5) != nil || Ticks(-1e308, 1e308, 5) != nil || len(Ticks(0, 1, 5)) == 0 {
		t.Fatal("Ticks of unusable ranges")
	}
	for _, v := range wild {
		if s := Num(v); strings.Contains(s, "NaN") || strings.Contains(s, "Inf") || len([]rune(s)) > 8 {
			t.Fatalf("Num(%v) = %q", v, s)
		}
	}
	var n Nav
	n.Zoom(math.NaN(), 1, 0.5)
	n.Zoom(0, math.Inf(1), 0.5)
	n.Pan(0, 1, math.NaN())
	n.SetCursor(0, 10, math.NaN())
	n.Follow(0, 10, math.Inf(1))
	if lo, hi := n.Window(0, 10); !(Finite(lo) && Finite(hi)) {
		t.Fatalf("window %v … %v after wild navigation", lo, hi)
	}
}

// A long series is decimated per dot column: 100 000 points cost about what
// 500 do in the grid, and the picture keeps each column's extremes.
func TestLongSeriesDecimated(t *testing.T) {
	const n = 100000
	xs, ys := make([]float64, n), make([]float64, n)
	for i := range xs {
		xs[i], ys[i] = float64(i), math.Sin(float64(i)/5000)
	}
	ys[n/2] = 5 // one spike: the column's maximum must show
	c := &LineChart{}
	c.SetData("", []Series{{X: xs, Y: ys}})
	var lines []string
	got := allocated(func() { lines = c.Lines(100, 20) })
	if got > 64*n+(2<<20) {
		t.Fatalf("allocated %d bytes for %d points", got, n)
	}
	// The spike reaches the top row.
	if strings.TrimSpace(lines[0]) == "" {
		t.Fatalf("the spike is lost:\n%s", strings.Join(lines, "\n"))
	}
	// Zoomed in, only the window's points are drawn.
	c.Nav = &Nav{Zoomed: true, Lo: 1000, Hi: 1100}
	if lines := c.Lines(100, 20); strings.TrimSpace(strings.Join(lines, "")) == "" {
		t.Fatal("nothing drawn in the window")
	}
}

func TestSurfaceRendersRunsOfEqualStyle(t *testing.T) {
	old := lipgloss.ColorProfile()
	lipgloss.SetColorProfile(termenv.ANSI256) // escape sequences on
	defer lipgloss.SetColorProfile(old)
	s := NewSurface(6, 1, false)
	s.Text(0, 0, "aaa", FG("1"))
	s.Text(3, 0, "bb", FG("2"))
	l := s.Lines()[0]
	if n := strings.Count(l, "\x1b["); n != 4 { // one start and one reset per run
		t.Fatalf("%d escape sequences in %q, want 4 (two runs)", n, l)
	}
	if ansi.Strip(l) != "aaabb " {
		t.Fatalf("%q", ansi.Strip(l))
	}
}

func TestBrailleAndASCIIDots(t *testing.T) {
	s := NewSurface(1, 1, false)
	f := NewFrame(s, 0, 0, 1, 1, 0, 1, 0, 3)
	p := f.Pen(Stroke{})
	p.Point(0, 3) // top left dot
	p.Point(1, 0) // bottom right dot
	p.Done()
	if got := s.Lines()[0]; got != "⢁" {
		t.Fatalf("dots (0,0) and (1,3) drew %q, want ⢁", got)
	}
	for _, c := range []struct {
		r    rune
		want rune
	}{{'⠁', '\''}, {'⡀', '.'}, {'⢁', ':'}, {'⠀', ' '}} {
		if got := asciiDots(c.r); got != c.want {
			t.Fatalf("asciiDots(%q) = %q, want %q", c.r, got, c.want)
		}
	}
}

func TestPaletteKeepsColours(t *testing.T) {
	p := Palette{Colors: []lipgloss.Color{"1", "2", "3"}}
	a, b := p.Color("a"), p.Color("b")
	p.Keep([]string{"b"})
	if p.Color("b") != b || p.Color("c") != a {
		t.Fatal("a freed colour is not reused, or b changed")
	}
}

func TestCacheRedrawsOnlyOnChange(t *testing.T) {
	var c Cache[int]
	draw := func() []string { return []string{"x"} }
	c.Get(1, draw)
	c.Get(1, draw)
	c.Get(2, draw)
	if c.Renders != 2 {
		t.Fatalf("%d renders", c.Renders)
	}
}
