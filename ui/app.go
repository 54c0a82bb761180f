package ui

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

// tab is one screen of the app: a tea-style component that also describes
// its keys for the help footer and is told its size.
type tab interface {
	help.KeyMap
	Title() string
	SetSize(w, h int)
	Update(tea.Msg) tea.Cmd
	View() string
	// Focused reports whether a field or dialog in the tab takes every key
	// before the global keys see it.
	Focused() bool
}

// Minimum terminal size; below it the app shows a "too small" screen.
const (
	MinWidth  = 70
	MinHeight = 20
)

// Model is the root Bubble Tea model: tab bar, the active tab, a status line
// and the help footer. Keys go first to a focused field, then to the global
// bindings, then to the active tab.
type Model struct {
	sh     *shared
	keys   globalKeys
	yesNo  confirmKeys
	help   help.Model
	task   *taskTab
	train  *trainTab
	trials *trialsTab
	anal   *analysisTab
	cmp    *compareTab
	tabs   []tab
	active int
	w, h   int

	mouse       bool // --mouse: wheel events reach the active tab's chart
	confirmQuit bool // asking whether to stop the training run and quit
	quitting    bool // waiting for the run to save before quitting

	fig    bg[string] // the figure being saved (figure.go): its path
	figKey string
	// figFolder is where a run's figures go (nil: its figures folder;
	// tests keep the test runs clean).
	figFolder func(runDir string) string
}

// statusExpiredMsg clears an informational status message after a while.
type statusExpiredMsg struct{ seq int }

const statusTTL = 8 * time.Second

func newModel(sh *shared) *Model {
	m := &Model{sh: sh, keys: newGlobalKeys(), yesNo: newConfirmKeys(), help: help.New()}
	m.help.Styles = sh.st.Help
	m.help.Ellipsis = sh.g.ellipsis
	m.help.ShortSeparator = " · "
	if sh.g.ascii {
		m.help.ShortSeparator = " | "
	}
	m.task = newTaskTab(sh)
	m.train = newTrainTab(sh)
	m.trials = newTrialsTab(sh)
	m.anal = newAnalysisTab(sh)
	m.cmp = newCompareTab(sh)
	m.tabs = []tab{m.task, m.train, m.trials, m.anal, m.cmp}
	return m
}

func (m *Model) Init() tea.Cmd { return m.train.Init() }

func (m *Model) tooSmall() bool { return m.w < MinWidth || m.h < MinHeight }

// helpView renders the footer for the active tab plus the global keys.
func (m *Model) helpView() string {
	m.help.Width = m.w
	t := m.tabs[m.active]
	if m.confirmQuit {
		return m.help.ShortHelpView([]key.Binding{m.yesNo.Yes, m.yesNo.No})
	}
	if m.help.ShowAll {
		global := []key.Binding{m.keys.NextTab, m.keys.PrevTab, m.keys.Jump}
		if f, ok := t.(figurer); ok {
			if _, err := f.figure(); err != errNoFigure {
				global = append(global, m.keys.Figure) // a view of a run
			}
		}
		groups := append(t.FullHelp(), append(global, m.keys.Help, m.keys.Quit))
		return m.fullHelp(groups)
	}
	// The tab's keys, most important first, then the global ones; when the
	// line is too long the tab's last keys give way, never "?" and "q".
	short := t.ShortHelp()
	var global []key.Binding
	if !t.Focused() {
		global = []key.Binding{m.keys.Help, m.keys.Quit} // the tab bar shows the tab numbers
	}
	m.help.Width = 0
	defer func() { m.help.Width = m.w }()
	for n := len(short); ; n-- {
		line := m.help.ShortHelpView(append(slices.Clip(short[:n]), global...))
		if ansi.StringWidth(line) <= m.w || n == 0 {
			return line
		}
	}
}

// fullHelp lays the groups of bindings out as columns, left to right,
// starting a new band of columns when the next would not fit the width (the
// help bubble would cut them off instead).
func (m *Model) fullHelp(groups [][]key.Binding) string {
	st := m.help.Styles
	type col struct {
		lines []string
		w     int
	}
	var cols []col
	for _, g := range groups {
		kw := 0
		for _, b := range g {
			if b.Enabled() {
				kw = max(kw, ansi.StringWidth(b.Help().Key))
			}
		}
		var c col
		for _, b := range g {
			if !b.Enabled() {
				continue
			}
			l := st.FullKey.Render(padRight(b.Help().Key, kw)) + " " + st.FullDesc.Render(b.Help().Desc)
			c.lines = append(c.lines, l)
			c.w = max(c.w, ansi.StringWidth(l))
		}
		if len(c.lines) > 0 {
			cols = append(cols, c)
		}
	}
	const gap = 4
	var out []string
	for len(cols) > 0 {
		n, w := 0, 0
		for n < len(cols) && (n == 0 || w+gap+cols[n].w <= m.w) {
			if n > 0 {
				w += gap
			}
			w += cols[n].w
			n++
		}
		h := 0
		for _, c := range cols[:n] {
			h = max(h, len(c.lines))
		}
		for y := 0; y < h; y++ {
			var b strings.Builder
			for i, c := range cols[:n] {
				l := ""
				if y < len(c.lines) {
					l = c.lines[y]
				}
				if i < n-1 {
					l = fitLine(l, c.w+gap)
				}
				b.WriteString(l)
			}
			out = append(out, b.String())
		}
		cols = cols[n:]
	}
	return strings.Join(out, "\n")
}

// layout returns the help footer's lines and what is left for the active tab.
func (m *Model) layout() (helpLines []string, bodyH int) {
	helpLines = strings.Split(m.helpView(), "\n")
	if limit := max(1, m.h/2); len(helpLines) > limit {
		helpLines = helpLines[:limit]
	}
	return helpLines, m.h - 2 - len(helpLines)
}

func (m *Model) resize() {
	if m.tooSmall() {
		return
	}
	_, bodyH := m.layout()
	for _, t := range m.tabs {
		t.SetSize(m.w, bodyH)
	}
}

func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	seq := m.sh.status.seq
	cmd := m.update(msg)
	m.resize() // help height can change with the focus or the full-help toggle
	if m.quitting && !m.train.Active() {
		return m, tea.Quit
	}
	if s := m.sh.status; s.seq != seq && s.level < levelWarn && s.text != "" {
		cmd = tea.Batch(cmd, tea.Tick(statusTTL, func(time.Time) tea.Msg { return statusExpiredMsg{s.seq} }))
	}
	return m, cmd
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
		return nil
	case statusExpiredMsg:
		if msg.seq == m.sh.status.seq {
			m.sh.status = status{seq: m.sh.status.seq}
		}
		return nil
	case startTrainingMsg:
		m.active = 1
		return m.train.Update(msg)
	case runsMsg:
		if msg.err == nil {
			m.sh.runs = msg.entries
		}
	case runOpenedMsg:
		if len(msg.warnings) > 0 {
			m.sh.warn(filepath.Base(msg.dir) + ": " + strings.Join(msg.warnings, "; "))
		}
	case workMsg:
		if msg.prog != nil {
			msg.w.last = *msg.prog
		}
		if ok, cmd := m.sh.store.onWork(msg); ok {
			return cmd
		}
		if ok, cmd := m.onFigure(msg); ok {
			return cmd
		}
	case tea.MouseMsg:
		// The wheel (with --mouse) goes to the active tab only.
		if m.confirmQuit || m.quitting || m.tooSmall() {
			return nil
		}
		return m.tabs[m.active].Update(msg)
	case tea.KeyMsg:
		// Bubble Tea hands over runes that arrived in one read ("2s" typed
		// fast, or sent by a script) as one message; they are separate key
		// presses unless they were pasted.
		if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste {
			var cmds []tea.Cmd
			for _, r := range msg.Runes {
				cmds = append(cmds, m.onKey(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: msg.Alt}))
			}
			return tea.Batch(cmds...)
		}
		return m.onKey(msg)
	}
	// Everything else (worker polls, scans) goes to every tab; each ignores
	// what is not its own.
	var cmds []tea.Cmd
	for _, t := range m.tabs {
		cmds = append(cmds, t.Update(msg))
	}
	return tea.Batch(cmds...)
}

// onKey routes a key: a pending question first, then a focused field, then
// the global keys, then the active tab.
func (m *Model) onKey(km tea.KeyMsg) tea.Cmd {
	if m.confirmQuit {
		switch {
		case key.Matches(km, m.yesNo.Yes):
			m.confirmQuit, m.quitting = false, true
			m.train.stopForQuit()
			m.sh.warn("stopping the run at the end of its current batch, then quitting… (ctrl+c: do not wait)")
		case key.Matches(km, m.yesNo.No):
			m.confirmQuit = false
			m.sh.info("still training")
		}
		return nil
	}
	if m.quitting {
		// Waiting for the run to save; ctrl+c leaves the UI now and the
		// wait goes on in the terminal, where another ctrl+c ends it.
		if km.String() == "ctrl+c" {
			return tea.Quit
		}
		return nil
	}
	t := m.tabs[m.active]
	if t.Focused() && km.String() != "ctrl+c" {
		return t.Update(km)
	}
	switch {
	case key.Matches(km, m.keys.Quit):
		if m.train.Active() {
			m.confirmQuit = true
			m.sh.warn("a run is training: stop it (saving the last completed epoch) and quit?")
			return nil
		}
		return tea.Quit
	case key.Matches(km, m.keys.NextTab):
		m.setActive((m.active + 1) % len(m.tabs))
		return m.onTabEnter()
	case key.Matches(km, m.keys.PrevTab):
		m.setActive((m.active + len(m.tabs) - 1) % len(m.tabs))
		return m.onTabEnter()
	case key.Matches(km, m.keys.Jump):
		m.setActive(int(km.Runes[0] - '1'))
		return m.onTabEnter()
	case key.Matches(km, m.keys.Figure):
		return m.saveFigure()
	case key.Matches(km, m.keys.Help):
		m.help.ShowAll = !m.help.ShowAll
		if m.help.ShowAll {
			m.keys.Help.SetHelp("?", "fewer keys")
		} else {
			m.keys.Help.SetHelp("?", "more")
		}
		return nil
	}
	return t.Update(km)
}

func (m *Model) setActive(i int) {
	m.active = max(0, min(i, len(m.tabs)-1))
}

// enterer is a tab that does something when it comes into view.
type enterer interface{ Enter() tea.Cmd }

// onTabEnter refreshes the runs list (unless a run is training: the Train
// tab keeps its list current then) and tells the tab it is shown.
func (m *Model) onTabEnter() tea.Cmd {
	var cmds []tea.Cmd
	if !m.train.Active() || m.tabs[m.active] != m.train {
		cmds = append(cmds, scanRunsCmd(m.sh.runsDir))
	}
	if e, ok := m.tabs[m.active].(enterer); ok {
		cmds = append(cmds, e.Enter())
	}
	return tea.Batch(cmds...)
}

func (m *Model) View() string {
	if m.w == 0 || m.h == 0 {
		return ""
	}
	if m.tooSmall() {
		return m.tooSmallView()
	}
	helpLines, bodyH := m.layout()
	parts := []string{m.tabBar(), m.tabs[m.active].View()}
	parts[1] = fitBlock(parts[1], m.w, bodyH)
	parts = append(parts, m.statusLine())
	parts = append(parts, fitLines(helpLines, m.w, len(helpLines))...)
	return strings.Join(parts, "\n")
}

func (m *Model) tabBar() string {
	st := m.sh.st
	b := st.Brand.Render(" ctdtui ")
	for i, t := range m.tabs {
		label := fmt.Sprintf(" %d %s ", i+1, t.Title())
		if i == m.active {
			b += st.TabActive.Render(label)
		} else {
			b += st.TabInactive.Render(label)
		}
	}
	// The preset being edited on the right.
	right := m.sh.baseName
	if n := m.task.form.changedCount(); n > 0 {
		right += " " + m.sh.g.changed
	}
	used := ansi.StringWidth(b)
	if space := m.w - used - 2; space > 8 {
		right = truncate(right, space, m.sh.g.ellipsis)
		b = fitLine(b, m.w-ansi.StringWidth(right)-1) + st.Muted.Render(right) + " "
	}
	return fitLine(b, m.w)
}

// statusLine is the message on the left, the training state on the right.
func (m *Model) statusLine() string {
	st := m.sh.st
	right := ""
	if v := m.train.cur; v != nil && m.train.Active() {
		right = st.Accent.Render(fmt.Sprintf("%s training %d/%d ", m.sh.g.bullet, v.state.Epoch, v.cfg.Train.Epochs))
	}
	s := m.sh.status
	style := st.Muted
	switch s.level {
	case levelGood:
		style = st.Good
	case levelWarn:
		style = st.Warn
	case levelError:
		style = st.Bad
	}
	text := strings.ReplaceAll(s.text, "\n", " ")
	if m.sh.g.ascii {
		text = strings.ReplaceAll(text, "…", "...")
	}
	// Errors can be long (a path, a key list): keep their start and end.
	avail := m.w - ansi.StringWidth(right) - 3
	if ansi.StringWidth(text) > avail {
		text = truncate(text, avail, m.sh.g.ellipsis)
	}
	return fitLine(" "+style.Render(text), m.w-ansi.StringWidth(right)) + right
}

func (m *Model) tooSmallView() string {
	st := m.sh.st
	lines := []string{
		st.Bold.Render("Terminal too small"),
		st.Muted.Render(fmt.Sprintf("%d×%d; ctdtui needs %d×%d", m.w, m.h, MinWidth, MinHeight)),
		st.Muted.Render("q quits"),
	}
	if m.sh.g.ascii {
		lines[1] = st.Muted.Render(fmt.Sprintf("%dx%d; ctdtui needs %dx%d", m.w, m.h, MinWidth, MinHeight))
	}
	top := max(0, (m.h-len(lines))/2)
	out := make([]string, 0, m.h)
	for i := 0; i < top; i++ {
		out = append(out, "")
	}
	for _, l := range lines {
		pad := max(0, (m.w-ansi.StringWidth(l))/2)
		out = append(out, strings.Repeat(" ", pad)+l)
	}
	return fitBlock(strings.Join(out, "\n"), m.w, m.h)
}
