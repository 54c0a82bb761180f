// Package figures draws publication figures of a saved run with
// gonum.org/v1/plot: the loss curves, the PCA scree, a trial's inputs,
// targets, outputs and latents, the latent trajectories, the fixed points
// with their eigenvalues, a comparison of two runs, the event-aligned
// condition means, the decoding curves, the cross-temporal decoding matrix
// and the N×N similarity matrix. Each is what the matching view of the TUI
// shows, computed by the same call of package study (so the numbers are the
// ones `ctdtui analyze`, `fixedpoints`, `compare`, `align` and `decode`
// print), and is written as PNG (300 dpi), SVG or PDF by the file's
// extension: `ctdtui plot` and the TUI's save-figure key both come here.
//
// A Figure is a grid of gonum plots; every panel also records the series
// drawn on it (name, kind, number of points), which is what the tests check
// and what a caller can list. Non-finite values never reach gonum/plot
// (which refuses them): a line breaks there, and values beyond ±1e100 are
// left out of the axes.
package figures
