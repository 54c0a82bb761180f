// Package chart is the UI's single entry point to its chart library,
// github.com/NimbleMarkets/ntcharts. Every chart on screen (the loss chart,
// the trial panels, the scree, the trajectory views, the run-list
// sparklines, the heatmaps) is drawn through it; the tabs never call
// ntcharts themselves.
//
// What comes from ntcharts: the braille dot grids every line is drawn on
// (graph.BrailleGrid: its mapping of data to dots, its dots and their
// braille patterns; one grid per frame, shared by the frame's series), the
// merging of braille patterns (runes.CombineBraillePatterns), the
// horizontal bars of the scree
// (barchart, with its eighth-of-a-cell ends), the sparklines (sparkline)
// and the heatmaps' colour mapping (heatmap).
//
// What the adapter adds, because ntcharts has known traps:
//   - Values are checked before they reach it: NaN and ±Inf break a line
//     (a gap), and values beyond ±1e100 never decide an axis range; every
//     segment is clipped to the view in data coordinates (Liang–Barsky), so
//     a 1e300 costs one segment like any other instead of a loop over
//     billions of grid points or an integer overflow.
//   - Long series are decimated per dot column (first, minimum, maximum and
//     last value of each column) before they reach a grid, so a 100 000-epoch
//     history draws as fast as a 500-epoch one.
//   - Ranges are computed here once per frame; ntcharts' auto-ranging
//     buffers (which rescale every point on every push: O(n²)) are never used.
//   - One BrailleGrid per frame, never one per segment (what ntcharts'
//     DrawBrailleLine allocates): the series of a frame light dots in the
//     same grid, each cell keeping the style of the last series that lit it
//     (what a grid per series merged in order would show), and the grid
//     becomes patterns once. Series are drawn one by one rather than
//     through DrawBrailleDataSets, which stops at the first empty set.
//     Segments are rasterised here (Bresenham, as graph.GetLinePoints does
//     but without a slice per segment).
//   - Cells are composed on a Surface of small cells and rendered in runs
//     of equal style. ntcharts' canvas.Model keeps a 560-byte lipgloss.Style
//     in every cell (canvas.New at 250×70 allocates 10 MB in 3 ms) and its
//     View renders every cell through lipgloss on its own (56 ms at
//     250×70, with an escape sequence per cell); the Surface costs 40 bytes
//     a cell and writes one escape sequence per change of colour. The small
//     ntcharts models (barchart, sparkline, heatmap) draw on their own
//     canvas, which the Surface copies cell by cell (Blit).
//   - Rendered charts are cached (Cache) until their data, size or settings
//     change; the tabs feed new data on the UI's 100 ms poll, so a chart is
//     redrawn at most ten times a second while a run trains.
//
// Own code is kept only where ntcharts has nothing: the --ascii rendering
// (braille patterns become ' . : characters), dashed and dotted lines
// (ntcharts cannot dash), the value cursor and its readout, zoom and pan of
// a window on the x axis that also rescales y (Nav), logarithmic y,
// exponential smoothing, and axis ticks at round values. The rotatable
// 3-D projection of the trajectory views stays in package ui: it only maps
// points to the plane this package draws.
package chart
