package ui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// The key bindings. Each binding both dispatches (key.Matches) and documents
// itself in the help footer, so the help can never disagree with the keys.
// Bindings that come in pairs (←/→, [/]) are one binding whose direction is
// read from the key pressed.

// globalKeys work on every tab unless a focused input takes the key first.
type globalKeys struct {
	NextTab, PrevTab, Jump, Help, Quit key.Binding
	Figure                             key.Binding // save the view's figure (figure.go)
}

func newGlobalKeys() globalKeys {
	return globalKeys{
		NextTab: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next tab")),
		PrevTab: key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous tab")),
		Jump:    key.NewBinding(key.WithKeys("1", "2", "3", "4", "5"), key.WithHelp("1-5", "go to tab")),
		Help:    key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "more")),
		Quit:    key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		Figure:  key.NewBinding(key.WithKeys("F"), key.WithHelp("F", "save figure")),
	}
}

// confirmKeys answer a yes/no question in the status line.
type confirmKeys struct{ Yes, No key.Binding }

func newConfirmKeys() confirmKeys {
	return confirmKeys{
		Yes: key.NewBinding(key.WithKeys("y", "Y", "enter", "ctrl+c"), key.WithHelp("y", "yes")),
		No:  key.NewBinding(key.WithKeys("n", "N", "esc"), key.WithHelp("n/esc", "no")),
	}
}

// taskKeys drive the Task tab's form, preview and preset dialogs.
type taskKeys struct {
	Move, Page, Ends       key.Binding
	Adjust, Coarse         key.Binding
	Edit, Confirm, Cancel  key.Binding
	Reset, ResetAll        key.Binding
	Load, Save, Train      key.Binding
	Rotate, Tilt, View     key.Binding
	DialogMove, DialogPick key.Binding
	DialogSave             key.Binding // enter in the save dialog
}

func newTaskKeys(g glyphs) taskKeys {
	ud, lr := g.up+g.down, "←→"
	if g.ascii {
		lr = "left/right"
		ud = "up/down"
	}
	return taskKeys{
		Move:       key.NewBinding(key.WithKeys("up", "down", "k", "j"), key.WithHelp(ud, "move")),
		Page:       key.NewBinding(key.WithKeys("pgup", "pgdown"), key.WithHelp("pgup/pgdn", "page")),
		Ends:       key.NewBinding(key.WithKeys("home", "end", "g", "G"), key.WithHelp("home/end", "first/last")),
		Adjust:     key.NewBinding(key.WithKeys("left", "right", "h", "l"), key.WithHelp(lr, "adjust")),
		Coarse:     key.NewBinding(key.WithKeys("shift+left", "shift+right", "H", "L"), key.WithHelp("shift+"+lr, "coarse")),
		Edit:       key.NewBinding(key.WithKeys("enter", "="), key.WithHelp("enter", "type")),
		Confirm:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "confirm")),
		Cancel:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		Reset:      key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "reset to preset")),
		ResetAll:   key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "reset all")),
		Load:       key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "load")),
		Save:       key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "save")),
		Train:      key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "train")),
		Rotate:     key.NewBinding(key.WithKeys("[", "]"), key.WithHelp("[ ]", "rotate cube")),
		Tilt:       key.NewBinding(key.WithKeys("{", "}"), key.WithHelp("{ }", "tilt cube")),
		View:       key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "switch preview")),
		DialogMove: key.NewBinding(key.WithKeys("up", "down", "home", "end", "pgup", "pgdown"), key.WithHelp(ud+"/type", "choose")),
		DialogPick: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		DialogSave: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "save")),
	}
}

// trainKeys drive the Train tab.
type trainKeys struct {
	Start, Pause, Stop    key.Binding
	Move, Open, Resume    key.Binding
	Dynamics              key.Binding
	Overlay, ClearOverlay key.Binding
}

func newTrainKeys(g glyphs) trainKeys {
	ud := g.up + g.down
	if g.ascii {
		ud = "up/down"
	}
	return trainKeys{
		Start:    key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "start")),
		Pause:    key.NewBinding(key.WithKeys(" ", "p"), key.WithHelp("space", "pause/resume")),
		Stop:     key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "stop")),
		Move:     key.NewBinding(key.WithKeys("up", "down", "k", "j"), key.WithHelp(ud, "select")),
		Open:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		Resume:   key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "resume")),
		Dynamics: key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "dynamics panel")),
		// Several runs' validation losses on one chart, each its colour.
		Overlay:      key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "overlay")),
		ClearOverlay: key.NewBinding(key.WithKeys("M"), key.WithHelp("M", "clear overlay")),
	}
}

// trialsKeys drive the Trials tab.
type trialsKeys struct {
	Trial, Jump, Ends, Step, StepJump key.Binding
	Phase, Open, Latents, Units, View key.Binding
	Eval, CentreOut, Back             key.Binding
}

func newTrialsKeys(g glyphs) trialsKeys {
	lr := "←→"
	if g.ascii {
		lr = "left/right"
	}
	return trialsKeys{
		Trial:     key.NewBinding(key.WithKeys("left", "right", "h", "l"), key.WithHelp(lr, "trial")),
		Jump:      key.NewBinding(key.WithKeys("[", "]"), key.WithHelp("[ ]", "±10 trials")),
		Ends:      key.NewBinding(key.WithKeys("home", "end"), key.WithHelp("home/end", "first/last trial")),
		Step:      key.NewBinding(key.WithKeys(",", "."), key.WithHelp(", .", "time step")),
		StepJump:  key.NewBinding(key.WithKeys("<", ">"), key.WithHelp("< >", "±10 steps")),
		Phase:     key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "train/val")),
		Open:      key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "open run")),
		Latents:   key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "PCs/units")),
		Units:     key.NewBinding(key.WithKeys("{", "}"), key.WithHelp("{ }", "other units")),
		View:      key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "arm/time")),
		Eval:      key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "eval: Task tab")),
		CentreOut: key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "eval: centre-out")),
		Back:      key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back to the run")),
	}
}

// analysisKeys drive the Analysis tab (the finder's sliders and the trajectory view).
type analysisKeys struct {
	Move, Adjust, Coarse, Edit, Confirm, Cancel key.Binding
	Find, Stop, Trials, More, View              key.Binding
	Rotate, Tilt, Phase, Open                   key.Binding
	Page, Event, Group, Rung                    key.Binding
}

func newAnalysisKeys(g glyphs) analysisKeys {
	ud, lr := g.up+g.down, "←→"
	if g.ascii {
		ud, lr = "up/down", "left/right"
	}
	return analysisKeys{
		Move:    key.NewBinding(key.WithKeys("up", "down", "k", "j"), key.WithHelp(ud, "setting")),
		Adjust:  key.NewBinding(key.WithKeys("left", "right", "h", "l"), key.WithHelp(lr, "adjust")),
		Coarse:  key.NewBinding(key.WithKeys("shift+left", "shift+right", "H", "L"), key.WithHelp("shift+"+lr, "coarse")),
		Edit:    key.NewBinding(key.WithKeys("enter", "="), key.WithHelp("enter", "type")),
		Confirm: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "confirm")),
		Cancel:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		Find:    key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "find fixed points")),
		Stop:    key.NewBinding(key.WithKeys("x", "esc"), key.WithHelp("x", "stop search")),
		Trials:  key.NewBinding(key.WithKeys(",", "."), key.WithHelp(", .", "first trial")),
		More:    key.NewBinding(key.WithKeys("+", "-"), key.WithHelp("+ -", "trials shown")),
		View:    key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "2-D/3-D")),
		Rotate:  key.NewBinding(key.WithKeys("[", "]"), key.WithHelp("[ ]", "rotate")),
		Tilt:    key.NewBinding(key.WithKeys("{", "}"), key.WithHelp("{ }", "tilt")),
		Phase:   key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "train/val")),
		Open:    key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "open run")),
		Page:    key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "view: trajectories/aligned/decoding/cross-temporal")),
		Event:   key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "event to align to")),
		Group:   key.NewBinding(key.WithKeys("g"), key.WithHelp("g", "cross-temporal variable")),
		Rung:    key.NewBinding(key.WithKeys("<", ">"), key.WithHelp("< >", "ladder threshold")),
	}
}

// compareKeys drive the Compare tab.
type compareKeys struct {
	PickA, PickB, Swap, Phase, Run, Stop key.Binding
	Trials, More, View, Rotate, Tilt     key.Binding
	Matrix                               key.Binding
}

func newCompareKeys() compareKeys {
	return compareKeys{
		PickA:  key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "run A (reference)")),
		PickB:  key.NewBinding(key.WithKeys("b"), key.WithHelp("b", "run B")),
		Swap:   key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "swap A/B")),
		Phase:  key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "train/val")),
		Run:    key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "compare")),
		Stop:   key.NewBinding(key.WithKeys("x", "esc"), key.WithHelp("x", "stop")),
		Trials: key.NewBinding(key.WithKeys(",", "."), key.WithHelp(", .", "first trial")),
		More:   key.NewBinding(key.WithKeys("+", "-"), key.WithHelp("+ -", "trials shown")),
		View:   key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "2-D/3-D")),
		Rotate: key.NewBinding(key.WithKeys("[", "]"), key.WithHelp("[ ]", "rotate")),
		Tilt:   key.NewBinding(key.WithKeys("{", "}"), key.WithHelp("{ }", "tilt")),
		Matrix: key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "matrix of many runs / two-run view")),
	}
}

// pickerKeys drive the run picker of the Trials, Analysis and Compare tabs.
type pickerKeys struct{ Move, Pick, Cancel key.Binding }

func newPickerKeys(g glyphs) pickerKeys {
	ud := g.up + g.down
	if g.ascii {
		ud = "up/down"
	}
	return pickerKeys{
		Move:   key.NewBinding(key.WithKeys("up", "down", "k", "j", "pgup", "pgdown", "home", "end"), key.WithHelp(ud, "choose")),
		Pick:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

// direction reads the direction of a paired binding from the key pressed:
// -1 for up/left/[/{ and their vim letters, +1 otherwise.
func direction(msg tea.KeyMsg) int {
	switch msg.String() {
	case "up", "k", "left", "h", "shift+left", "H", "[", "{", "pgup", "home", "g":
		return -1
	}
	return 1
}

// chartKeys drive a line chart: the Train tab's loss chart, the Trials
// tab's panels (whose cursor is the time step: trialsKeys.Step), the
// Analysis tab's decoding curves and the Task tab's sample trial (no
// cursor). The same keys do the same on every chart.
type chartKeys struct {
	Cursor, CursorJump   key.Binding
	Zoom, Pan, ResetView key.Binding
	LogY, Smooth         key.Binding
}

func newChartKeys() chartKeys {
	return chartKeys{
		Cursor:     key.NewBinding(key.WithKeys(",", "."), key.WithHelp(", .", "cursor")),
		CursorJump: key.NewBinding(key.WithKeys("<", ">"), key.WithHelp("< >", "cursor jump")),
		Zoom:       key.NewBinding(key.WithKeys("z", "Z"), key.WithHelp("z Z", "zoom in/out")),
		Pan:        key.NewBinding(key.WithKeys("(", ")"), key.WithHelp("( )", "pan")),
		ResetView:  key.NewBinding(key.WithKeys("0"), key.WithHelp("0", "whole range")),
		LogY:       key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "log y")),
		Smooth:     key.NewBinding(key.WithKeys("w", "W"), key.WithHelp("w W", "smoothing ±")),
	}
}
