package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/ctdtui/ctdtui/figures"
)

// The save-figure key (F, on every tab that shows a run): the active tab
// says what its view shows (a figureReq) and the figure is drawn in the
// background by package figures, from the same study results the view
// draws (cached: no second computation), and saved as a PNG next to the
// run, in its figures folder, under a name that is never reused. `ctdtui
// plot` draws the same figures from the command line.

// figureReq is a view's figure: the run it belongs to (the folder it goes
// next to), a file name without extension, and how to draw it.
type figureReq struct {
	dir  string
	name string
	draw func(ctx context.Context) (*figures.Figure, error)
}

// figurer is a tab whose current view has a figure; the error says why it
// has none now.
type figurer interface {
	figure() (*figureReq, error)
}

// errNoFigure is the Task tab's answer: its preview is not a run's.
var errNoFigure = errors.New("this view has no figure: F saves the figure of a run's view (Train, Trials, Analysis, Compare)")

// saveFigure starts drawing the active tab's figure.
func (m *Model) saveFigure() tea.Cmd {
	f, ok := m.tabs[m.active].(figurer)
	if !ok {
		m.sh.info(errNoFigure.Error())
		return nil
	}
	req, err := f.figure()
	if err != nil {
		m.sh.info(err.Error())
		return nil
	}
	if m.fig.running() != nil {
		m.sh.warn("a figure is being saved: wait for it")
		return nil
	}
	m.sh.info("drawing the figure…")
	m.figKey = req.dir + "|" + req.name
	return m.fig.start(m.figKey, "saving the figure", func(ctx context.Context, _ func(float64, string)) (string, error) {
		fig, err := req.draw(ctx)
		if err != nil {
			return "", err
		}
		folder := filepath.Join(req.dir, "figures")
		if m.figFolder != nil {
			folder = m.figFolder(req.dir)
		}
		path, err := figurePath(folder, req.name)
		if err != nil {
			return "", err
		}
		return path, fig.Save(path)
	})
}

// figurePath is a new file folder/name.png (name-2.png, … when taken).
func figurePath(folder, name string) (string, error) {
	if err := os.MkdirAll(folder, 0o755); err != nil {
		return "", fmt.Errorf("cannot save the figure next to the run: %w", err)
	}
	name = strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ' ' || r == ':' {
			return '-'
		}
		return r
	}, name)
	for i := 1; i < 10000; i++ {
		p := filepath.Join(folder, name+".png")
		if i > 1 {
			p = filepath.Join(folder, fmt.Sprintf("%s-%d.png", name, i))
		}
		if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s holds 10000 figures named %s: clear some", folder, name)
}

// onFigure takes the figure work's messages; ok says msg was one.
func (m *Model) onFigure(msg workMsg) (bool, tea.Cmd) {
	out, cmd := m.fig.take(msg, m.figKey)
	switch out {
	case workNotMine:
		return false, nil
	case workFailed:
		m.sh.fail(fmt.Errorf("figure not saved: %s", firstLine(m.fig.err)))
	case workArrived:
		m.sh.good("saved the figure to " + m.fig.val)
	}
	return true, cmd
}

// ---- the tabs' figures ----

func (t *taskTab) figure() (*figureReq, error) { return nil, errNoFigure }

// The Train tab: the loss chart as drawn (log or linear, smoothing), with
// the overlay's runs when there is one.
func (t *trainTab) figure() (*figureReq, error) {
	o := figures.Options{Linear: !t.chart.nav.LogY, Smooth: t.chart.nav.Smooth}
	var runs []figures.LossRun
	var dir, name string
	if len(t.overlay) > 0 {
		for _, ov := range t.overlay {
			n := ov.short
			if n == "" {
				n = ov.name
			}
			runs = append(runs, figures.LossRunOf(n, ov.hist))
		}
		dir, name = t.overlay[0].dir, "loss-overlay"
	} else if v := t.cur; v != nil && len(v.history) > 0 {
		runs = []figures.LossRun{figures.LossRunOf(filepath.Base(v.dir), v.history)}
		dir, name = v.dir, fmt.Sprintf("loss-epoch%d", v.state.Epoch)
	}
	if len(runs) == 0 {
		return nil, errors.New("no loss curve to save: open a run with epochs (enter on the list)")
	}
	return &figureReq{dir: dir, name: name, draw: func(context.Context) (*figures.Figure, error) {
		return figures.Loss(runs, o), nil
	}}, nil
}

// The Trials tab: the trial shown.
func (t *trialsTab) figure() (*figureReq, error) {
	d := t.shown()
	if d == nil || len(d.trials) == 0 || t.picker != nil {
		return nil, errors.New("no trial shown: open a run (o)")
	}
	c := t.cur()
	sess := d.sess
	o := figures.Options{What: "trial", Phase: d.phase, Trial: c.trial}
	name := fmt.Sprintf("trial-%s-%d", d.phase, c.trial)
	if t.evalShown() != nil {
		name = "eval-" + name
	}
	return &figureReq{dir: t.sh.focus.dir, name: name, draw: func(ctx context.Context) (*figures.Figure, error) {
		return figures.Make(ctx, sess, o, nil)
	}}, nil
}

// The Analysis tab: the right panel's page (the trajectories with the fixed
// points once found, the aligned means, the decoding curves, the
// cross-temporal matrix of the group shown).
func (t *analysisTab) figure() (*figureReq, error) {
	d := t.shown()
	if d == nil || t.picker != nil {
		return nil, errors.New("no run analysed: open one (o)")
	}
	sess := d.sess
	o := figures.Options{Phase: d.phase, Trial: max(0, t.sh.focus.trial), Trials: t.nTrials,
		View3D: t.view.on3D, Yaw: t.view.yaw, Pitch: t.view.pitch}
	var name string
	switch t.page {
	case pageTrajectories:
		o.What, name = "trajectories", "trajectories-"+d.phase
		if fp := t.currentFP(); fp != nil {
			o.What, o.FixedPoints, name = "fixedpoints", fp.Options, "fixedpoints-"+d.phase
		}
	case pageAligned, pageDecoding, pageCrossTemporal:
		ev := t.eventName()
		if ev == "" {
			return nil, errors.New("this task names no events")
		}
		o.What, o.Event = pageFigure[t.page], ev
		name = o.What + "-" + ev
		if t.page == pageCrossTemporal {
			if r, ok := t.decode.get(t.decodeKey()); ok && len(r.Variables) > 0 {
				gi := (t.group%len(r.Variables) + len(r.Variables)) % len(r.Variables)
				o.Group = r.Variables[gi].Group
				name += "-" + o.Group
			}
		}
	}
	return &figureReq{dir: t.sh.focus.dir, name: name, draw: func(ctx context.Context) (*figures.Figure, error) {
		return figures.Make(ctx, sess, o, nil)
	}}, nil
}

var pageFigure = map[int]string{pageAligned: "aligned", pageDecoding: "decoding", pageCrossTemporal: "crosstemporal"}

// The Compare tab: the two runs' comparison, or the matrix shown.
func (t *compareTab) figure() (*figureReq, error) {
	if t.matrix {
		r := t.mx.shown(t.phase)
		if r == nil {
			return nil, errors.New("no matrix yet: choose the runs (m)")
		}
		mx := t.mx.current(r)
		if mx == nil {
			return nil, errors.New("no matrix yet")
		}
		metric := *mx
		return &figureReq{dir: t.mx.dirs[0], name: "matrix-" + metric.Name, draw: func(context.Context) (*figures.Figure, error) {
			return figures.Matrix(r, &metric), nil
		}}, nil
	}
	r := t.shown()
	if r == nil {
		return nil, errors.New("no comparison yet: choose runs A (a) and B (b)")
	}
	if r.rep.AffineAtoB == nil {
		return nil, fmt.Errorf("no trial-matched comparison to draw: %s", r.rep.TrialsNote)
	}
	nameA, nameB := filepath.Base(t.dirA), filepath.Base(t.dirB)
	o := figures.Options{Trial: t.first, Trials: t.nTrials, View3D: t.view.on3D, Yaw: t.view.yaw, Pitch: t.view.pitch}
	rep, traj := r.rep, r.traj
	return &figureReq{dir: t.dirA, name: "compare-" + nameB, draw: func(context.Context) (*figures.Figure, error) {
		return figures.Compare(nameA, nameB, rep, traj, o), nil
	}}, nil
}
