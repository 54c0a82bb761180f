// Package ui is the Bubble Tea terminal app; it is the only package that imports
// the charm libraries.
//
// Structure (as in soft-serve and gh-dash): the root Model holds a tab bar,
// the active tab, a status line and a help footer. Every tab is a component
// with Update, View, SetSize and a help.KeyMap, sharing one context (styles
// built from a Theme, glyphs, the settings being edited, the status line).
// Keys are routed to a focused field or dialog first, then to the global
// bindings, then to the active tab; the same key.Binding values dispatch and
// fill the help footer. Options are validated by New before Run takes the
// terminal.
//
// Training runs in a goroutine (worker.go) that owns its run.Run and reports
// through two channels: events that must not be lost (session started, each
// epoch, the end state) are sent blocking; batch progress is dropped when the
// buffer is full. The UI drains both on a 100 ms tick into one message, so the
// loss chart, which keeps its own copy of the data and redraws only when it
// changed, is drawn at most ten times a second. Values enter the chart only
// if finite. A panic in the worker is recovered and reported; whatever
// ends the program, a training run is stopped after saving its last completed
// epoch.
//
// Every chart is drawn by github.com/NimbleMarkets/ntcharts through the
// adapter ui/chart (its package doc lists what it takes from ntcharts and
// what it guards against): on the Task tab the sample trial's channels and
// the cube; on the Train tab the loss chart (and its overlay of runs), the
// live-dynamics panel and the runs list's sparklines; on the Trials tab the
// input, output and latent panels and the arm's hand path; on the Analysis
// tab the scree's bars, the trajectories and fixed points, the aligned
// means, the decoding curves, the cross-temporal heatmap and the
// fixed-point ladder; on the Compare tab the trajectories in A's PC space
// and the N×N matrix's heatmap. The line charts (loss, trial panels,
// decoding) share the chart keys of keys.go, charts.go: a value cursor with
// every series read out, zoom and pan of the x axis (and the mouse wheel
// with --mouse), log y and exponential smoothing. F saves the view as a
// figure (figure.go, package figures).
//
// The Trials, Analysis and Compare tabs read saved runs through package
// study: a runStore (store.go) loads each run once, in the background, as a
// study.Session that caches its inference, PCA, fixed points and comparisons,
// and the tabs share it, together with a focus (the run, phase, trial and
// time step the Trials and Analysis tabs show). Every long computation is a
// work[T] (bgwork.go): a goroutine with a context to cancel it, reporting its
// latest progress and its typed result through channels drained on the same
// 100 ms tick. A tab keeps each kind of result in a bg[T]: the value and the
// key of the settings it was computed for, the work computing the next one,
// and the last error with its key. A tab shows a result only if that key is
// still its current one, so a result that arrives after the user changed the
// settings (or cancelled) is dropped.
//
// Files: keys.go holds every tab's key bindings; one file per tab
// (tasktab.go, traintab.go, trialstab.go, analysistab.go, comparetab.go).
//
// While a run trains, study's LiveProbe gets a copy of the model after an
// epoch when it is idle and within a share of the training time, and
// computes the frames of the latent dynamics panel (dynamics.go draws them):
// a few validation trials in their top-2 PC plane and a quick fixed-point
// search.
//
// The UI computes nothing itself: every number it shows comes from package
// study, the one `ctdtui analyze`, `fixedpoints`, `compare`, `trial` and
// `dynamics` print (parity_test.go checks it per task kind). It imports
// study, run, sim and presets (the types it draws or edits) and figures (which
// draws study's results with gonum/plot), never nets or
// analysis.
package ui
