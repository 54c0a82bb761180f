package chart

import "math"

// Nav is what a user changes on a line chart: a window on the x axis (zoom
// and pan; y follows the data in the window), a value cursor, a
// logarithmic y axis and exponential smoothing. Several charts may share
// one Nav (the Trials tab's panels share the time window and cursor).
//
// Own code: ntcharts' linechart zooms and pans by fixed increments through
// its own key map and mouse zones; here the keys are the app's (ui/keys.go)
// and zooming is by factors around the cursor, which is what a 100 000-epoch
// history needs.
type Nav struct {
	Zoomed bool
	Lo, Hi float64 // the window while zoomed
	// MinSpan is the narrowest window (for epochs or time steps, a few
	// points); 0 is a millionth of the data's extent.
	MinSpan float64

	CursorOn bool
	Cursor   float64

	LogY   bool
	Smooth float64 // the EMA weight on the past; 0 draws raw values only
}

// SmoothLevels are the smoothing slider's stops.
var SmoothLevels = []float64{0, 0.3, 0.6, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995}

// Window is the x range shown for data spanning [lo, hi].
func (n *Nav) Window(lo, hi float64) (float64, float64) {
	if n == nil || !n.Zoomed || !(n.Hi > n.Lo) {
		return lo, hi
	}
	// A window set on other data (a longer trial) is kept inside this one.
	a, b := math.Max(lo, n.Lo), math.Min(hi, n.Hi)
	if !(b > a) {
		return lo, hi
	}
	return a, b
}

func (n *Nav) minSpan(lo, hi float64) float64 {
	if n.MinSpan > 0 {
		return math.Min(n.MinSpan, hi-lo)
	}
	return (hi - lo) * 1e-6
}

// set makes [a, b] the window, kept inside [lo, hi]; the whole extent
// is the unzoomed view.
func (n *Nav) set(a, b, lo, hi float64) {
	span := b - a
	if span >= hi-lo || !(hi > lo) {
		n.Zoomed = false
		return
	}
	if a < lo {
		a, b = lo, lo+span
	}
	if b > hi {
		a, b = hi-span, hi
	}
	n.Zoomed, n.Lo, n.Hi = true, a, b
}

// Zoom scales the window by factor (below 1 zooms in) around the cursor,
// or around the window's centre without one.
func (n *Nav) Zoom(lo, hi, factor float64) {
	if !(hi > lo) || !(factor > 0) {
		return
	}
	a, b := n.Window(lo, hi)
	c := (a + b) / 2
	if n.CursorOn && n.Cursor >= a && n.Cursor <= b {
		c = n.Cursor
	}
	span := math.Max((b-a)*factor, n.minSpan(lo, hi))
	// keep the centre (the cursor) at the same place on screen
	frac := (c - a) / (b - a)
	n.set(c-frac*span, c-frac*span+span, lo, hi)
}

// Pan moves the window by frac of its width (negative: left).
func (n *Nav) Pan(lo, hi, frac float64) {
	a, b := n.Window(lo, hi)
	if !n.Zoomed {
		return
	}
	d := frac * (b - a)
	n.set(a+d, b+d, lo, hi)
	if n.CursorOn {
		a, b = n.Window(lo, hi)
		n.Cursor = math.Max(a, math.Min(b, n.Cursor))
	}
}

// Reset shows the whole extent again.
func (n *Nav) Reset() { n.Zoomed = false }

// Follow pans the window so that x is in it.
func (n *Nav) Follow(lo, hi, x float64) {
	if !n.Zoomed || !Finite(x) {
		return
	}
	a, b := n.Window(lo, hi)
	switch {
	case x < a:
		n.set(x, x+(b-a), lo, hi)
	case x > b:
		n.set(x-(b-a), x, lo, hi)
	}
}

// SetCursor puts the cursor at x (clamped to [lo, hi]) and pans to it.
func (n *Nav) SetCursor(lo, hi, x float64) {
	n.CursorOn = true
	n.Cursor = math.Max(lo, math.Min(hi, x))
	n.Follow(lo, hi, n.Cursor)
}

// SmoothStep moves the smoothing slider one stop up (d > 0) or down.
func (n *Nav) SmoothStep(d int) {
	i := 0
	for j, v := range SmoothLevels {
		if v <= n.Smooth+1e-12 {
			i = j
		}
	}
	i = max(0, min(len(SmoothLevels)-1, i+d))
	n.Smooth = SmoothLevels[i]
}

// SmoothPos is the slider's position in [0, 1].
func (n *Nav) SmoothPos() float64 {
	for j, v := range SmoothLevels {
		if v >= n.Smooth-1e-12 {
			return float64(j) / float64(len(SmoothLevels)-1)
		}
	}
	return 1
}
