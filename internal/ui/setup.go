package ui

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/pfx-tui/pfx-tui/internal/config"
	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/protocol"
	"github.com/pfx-tui/pfx-tui/internal/report"
)

// setupPanel is one of the setup screen's four panels, in tab order.
type setupPanel int

const (
	panelApproaches setupPanel = iota
	panelDurations
	panelPlan
	panelBilling
	panelCount
)

// Rows of the plan panel.
const (
	rowOps = iota
	rowBatches
	rowWarmup
	rowOrder
	planRows
)

// durationPresets are the usual matrix of upstream delays, in milliseconds.
var durationPresets = []int{100, 500, 1000, 5000, 10000}

var orders = []string{experiment.OrderInterleave, experiment.OrderSequential, experiment.OrderRandom, experiment.OrderMinute}

// durationChars are what the custom durations field accepts.
const durationChars = "0123456789.,ms"

type approachItem struct {
	mode, name, desc string
	on               bool
	// optional: the target leaves it out unless named (/patterns'
	// optional), so it starts unticked without --approaches.
	optional bool
}

// setupModel is the setup screen: what to run, pre-filled from the flags.
type setupModel struct {
	c    *common
	w, h int

	base     config.Config // everything the screen does not edit
	items    []approachItem
	missing  []string // approaches asked for that the target does not offer
	presetOn []bool
	custom   textinput.Model
	fields   [3]textinput.Model // ops, batches, warmup
	order    int

	billingAvail  bool
	billingOn     bool
	billingSource string

	panel setupPanel
	row   [panelCount]int
	// fresh is set when the cursor arrives on a number: the first digit
	// typed replaces it rather than appending.
	fresh bool
	// message is the last refusal to start (a plan error or session error).
	message string
}

// newInput is a bubbles/textinput in the console's styles with a steady
// cursor (no blink timer to feed).
func newInput(st *styles, limit int) textinput.Model {
	ti := textinput.New()
	ti.Prompt, ti.CharLimit = "", limit
	ti.PromptStyle, ti.TextStyle, ti.PlaceholderStyle = st.r.NewStyle(), st.r.NewStyle(), st.Subtle
	ti.Cursor.Style, ti.Cursor.TextStyle = st.r.NewStyle().Reverse(true), st.r.NewStyle()
	ti.Cursor.SetMode(cursor.CursorStatic)
	return ti
}

func newSetup(c *common, cfg config.Config, patterns []protocol.Pattern, billingAvail bool, billingSource string) setupModel {
	m := setupModel{c: c, base: cfg, billingAvail: billingAvail, billingOn: billingAvail, billingSource: billingSource}
	if len(patterns) == 0 {
		// A target without /patterns: offer what the flags asked for.
		for _, a := range cfg.Approaches {
			m.items = append(m.items, approachItem{mode: a, on: true})
		}
	}
	for _, p := range patterns {
		m.items = append(m.items, approachItem{mode: p.Mode, name: p.Name, desc: p.Description, on: slices.Contains(cfg.Approaches, p.Mode), optional: p.Optional})
	}
	for _, a := range cfg.Approaches {
		if !slices.ContainsFunc(m.items, func(it approachItem) bool { return it.mode == a }) {
			m.missing = append(m.missing, a)
		}
	}
	m.presetOn = make([]bool, len(durationPresets))
	var custom []string
	for _, ms := range cfg.DurationsMs() {
		if i := slices.Index(durationPresets, ms); i >= 0 {
			m.presetOn[i] = true
		} else {
			custom = append(custom, experiment.FormatDuration(ms))
		}
	}
	m.custom = newInput(c.st, 40)
	m.custom.Placeholder = "e.g. 250ms,2s"
	m.custom.SetValue(strings.Join(custom, ","))
	for i, n := range []int{cfg.Ops, cfg.Batches, cfg.Warmup} {
		m.fields[i] = newInput(c.st, 6)
		m.fields[i].SetValue(strconv.Itoa(n))
	}
	if i := slices.Index(orders, cfg.Order); i >= 0 {
		m.order = i
	}
	if m.billingSource == "" {
		m.billingSource = "none"
	}
	return m.focus()
}

func (m setupModel) SetSize(w, h int) screen { m.w, m.h = w, h; return m }

func (m setupModel) KeyMap() help.KeyMap { return m.c.keys.setupHelp() }

// refuse shows why the run could not start.
func (m setupModel) refuse(msg string) setupModel { m.message = msg; return m }

func (m setupModel) rows(p setupPanel) int {
	switch p {
	case panelApproaches:
		return max(1, len(m.items))
	case panelDurations:
		return len(durationPresets) + 1 // + custom
	case panelPlan:
		return planRows
	}
	return 1
}

func (m setupModel) onCustom() bool {
	return m.panel == panelDurations && m.row[panelDurations] == len(durationPresets)
}

func (m setupModel) onNumber() (int, bool) {
	if m.panel == panelPlan && m.row[panelPlan] < rowOrder {
		return m.row[panelPlan], true
	}
	return 0, false
}

// focus gives the text input under the cursor the focus, and only it.
func (m setupModel) focus() setupModel {
	m.custom.Blur()
	for i := range m.fields {
		m.fields[i].Blur()
	}
	if i, ok := m.onNumber(); ok {
		m.fields[i].Focus()
		m.fields[i].CursorEnd()
	} else if m.onCustom() {
		m.custom.Focus()
	}
	return m
}

// editKey reports whether k edits the focused text input rather than
// moving: digits into a number, duration characters and cursor keys into
// the custom field. Letters that are keys (j, k, h, l, q, x, a, ?) never
// are text.
func (m setupModel) editKey(k tea.KeyMsg) bool {
	s := string(k.Runes)
	if _, ok := m.onNumber(); ok {
		return k.Type == tea.KeyBackspace || k.Type == tea.KeyRunes && isDigits(s)
	}
	if !m.onCustom() {
		return false
	}
	switch k.Type {
	case tea.KeyBackspace, tea.KeyDelete, tea.KeyLeft, tea.KeyRight, tea.KeyHome, tea.KeyEnd:
		return true
	case tea.KeyRunes:
		return s != "" && strings.Trim(s, durationChars) == ""
	}
	return false
}

func (m setupModel) Update(msg tea.Msg) (screen, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return m, nil
	}
	k := m.c.keys
	// A refusal shown after enter is about the plan as it was: any edit
	// clears it (the live ✗ line keeps saying what is still wrong).
	if !key.Matches(km, k.Start) {
		m.message = ""
	}
	if m.editKey(km) {
		var cmd tea.Cmd
		if i, ok := m.onNumber(); ok {
			if m.fresh && km.Type == tea.KeyRunes {
				m.fields[i].SetValue("")
			}
			m.fresh = false
			m.fields[i], cmd = m.fields[i].Update(km)
			if v := strings.TrimLeft(m.fields[i].Value(), "0"); v != m.fields[i].Value() {
				if v == "" && km.Type == tea.KeyRunes {
					v = "0"
				}
				m.fields[i].SetValue(v)
				m.fields[i].CursorEnd()
			}
		} else {
			m.custom, cmd = m.custom.Update(km)
		}
		return m, cmd
	}
	switch {
	case key.Matches(km, k.Up):
		m.move(-1)
	case key.Matches(km, k.Down):
		m.move(+1)
	case key.Matches(km, k.NextPanel):
		m.panel = (m.panel + 1) % panelCount
	case key.Matches(km, k.PrevPanel):
		m.panel = (m.panel + panelCount - 1) % panelCount
	case key.Matches(km, k.Toggle):
		m.toggle()
		return m, nil
	case key.Matches(km, k.All):
		m.all()
		return m, nil
	case key.Matches(km, k.Left):
		m.adjust(-1)
		return m, nil
	case key.Matches(km, k.Right):
		m.adjust(+1)
		return m, nil
	case key.Matches(km, k.Start):
		cfg, err := m.config()
		if err != nil {
			m.message = err.Error()
			return m, nil
		}
		m.message = ""
		billing := m.billingAvail && m.billingOn
		return m, func() tea.Msg { return startRunMsg{cfg: cfg, billing: billing} }
	default:
		return m, nil
	}
	// The cursor moved: the next digit replaces the number it lands on.
	m.fresh = true
	return m.focus(), nil
}

// move goes up or down a row, flowing into the previous or next panel.
func (m *setupModel) move(d int) {
	r := m.row[m.panel] + d
	switch {
	case r < 0 && m.panel > 0:
		m.panel--
		m.row[m.panel] = m.rows(m.panel) - 1
	case r >= m.rows(m.panel) && m.panel < panelCount-1:
		m.panel++
		m.row[m.panel] = 0
	case r >= 0 && r < m.rows(m.panel):
		m.row[m.panel] = r
	}
}

// toggle flips what is under the cursor: an approach, a preset duration,
// the order, billing.
func (m *setupModel) toggle() {
	r := m.row[m.panel]
	switch m.panel {
	case panelApproaches:
		if r < len(m.items) {
			m.items[r].on = !m.items[r].on
		}
	case panelDurations:
		if r < len(durationPresets) {
			m.presetOn[r] = !m.presetOn[r]
		}
	case panelPlan:
		if r == rowOrder {
			m.order = (m.order + 1) % len(orders)
		}
	case panelBilling:
		if m.billingAvail {
			m.billingOn = !m.billingOn
		}
	}
}

// all selects every approach or preset of the focused panel, or none when
// all are selected already.
func (m *setupModel) all() {
	switch m.panel {
	case panelApproaches:
		on := !slices.ContainsFunc(m.items, func(it approachItem) bool { return !it.on })
		for i := range m.items {
			m.items[i].on = !on
		}
	case panelDurations:
		on := !slices.Contains(m.presetOn, false)
		for i := range m.presetOn {
			m.presetOn[i] = !on
		}
	}
}

// adjust changes the number or order under the cursor by d.
func (m *setupModel) adjust(d int) {
	if m.panel != panelPlan {
		if m.panel == panelBilling && m.billingAvail {
			m.billingOn = d > 0
		}
		return
	}
	r := m.row[panelPlan]
	if r == rowOrder {
		m.order = (m.order + len(orders) + d) % len(orders)
		return
	}
	n, err := strconv.Atoi(m.fields[r].Value())
	if err != nil {
		n = 0
	}
	lo := 1
	if r == rowWarmup {
		lo = 0
	}
	m.fields[r].SetValue(strconv.Itoa(max(lo, min(999999, n+d))))
	m.fields[r].CursorEnd()
	m.fresh = false
}

// customText is the custom durations field without spaces.
func (m setupModel) customText() string { return strings.ReplaceAll(m.custom.Value(), " ", "") }

// durations are the chosen presets plus the custom entry, sorted.
func (m setupModel) durations() ([]time.Duration, error) {
	var out []time.Duration
	for i, on := range m.presetOn {
		if on {
			out = append(out, time.Duration(durationPresets[i])*time.Millisecond)
		}
	}
	if custom := m.customText(); strings.Trim(custom, ",") != "" {
		ds, err := experiment.ParseDurations(custom)
		if err != nil {
			return nil, fmt.Errorf("custom durations: %v", err)
		}
		for _, d := range ds {
			if !slices.Contains(out, d) {
				out = append(out, d)
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

// config is the configuration the screen describes, or why it cannot run.
func (m setupModel) config() (config.Config, error) {
	cfg := m.base
	cfg.Approaches = nil
	cfg.AllApproaches = false // what the screen shows ticked is what runs
	for _, it := range m.items {
		if it.on {
			cfg.Approaches = append(cfg.Approaches, it.mode)
		}
	}
	ds, err := m.durations()
	if err != nil {
		return cfg, err
	}
	cfg.Durations = ds
	names := [3]string{"ops per batch", "batches per cell", "warmup ops"}
	var vals [3]int
	for i, f := range m.fields {
		n, err := strconv.Atoi(f.Value())
		if err != nil {
			return cfg, fmt.Errorf("%s: type a whole number", names[i])
		}
		vals[i] = n
	}
	cfg.Ops, cfg.Batches, cfg.Warmup = vals[0], vals[1], vals[2]
	cfg.Order = orders[m.order]
	if err := planOf(cfg).Validate(); err != nil {
		var pe *experiment.PlanError
		if errors.As(err, &pe) {
			return cfg, errors.New(planFieldName(pe.Flag) + ": " + pe.Msg)
		}
		return cfg, err
	}
	return cfg, nil
}

func planOf(cfg config.Config) experiment.Plan {
	return cfg.Plan
}

func planFieldName(flag string) string {
	switch flag {
	case "ops":
		return "ops per batch"
	case "batches":
		return "batches per cell"
	case "warmup":
		return "warmup ops"
	}
	return flag
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func warmupText(cfg config.Config) string {
	if cfg.Warmup == 0 {
		return ""
	}
	return fmt.Sprintf(" + %d warmup", cfg.Warmup)
}

// inlineDescriptions: on tall terminals every approach shows its
// description under its row; otherwise only the hint shows the current one.
func (m setupModel) inlineDescriptions() bool { return m.h >= tallHeight }

func (m setupModel) View() string {
	st := m.c.st
	w := m.w
	compact := m.h < compactHeight
	var lines []string
	lines = append(lines, m.c.header("setup", m.c.targetTag(), w))
	if !compact {
		lines = append(lines, "")
	}
	// Columns sized from their content: the left one as wide as its widest
	// row; on a narrow terminal approach names give way first (the plan's
	// rows never do) and the billing source wraps.
	leftMin, leftW, rightW := 0, 0, 0
	for _, l := range m.planLines(0) {
		leftMin = max(leftMin, width(l))
	}
	for _, l := range m.approachLines(0, false) {
		leftW = max(leftW, width(l))
	}
	for _, l := range append(m.durationLines(0), m.billingLines(0)[:2]...) {
		rightW = max(rightW, width(l))
	}
	leftW = max(leftW, leftMin) + 4
	if m.inlineDescriptions() {
		// Descriptions read better in half the width than in a column
		// as narrow as the names.
		leftW = max(leftW, min(w-rightW, w/2))
	}
	if leftW+rightW > w {
		leftW = max(leftMin+2, w-rightW)
	}
	rightW = w - leftW
	lines = append(lines, columns([]int{leftW, rightW}, m.approachLines(leftW-2, m.inlineDescriptions()), m.durationLines(rightW))...)
	lines = append(lines, "")
	lines = append(lines, columns([]int{leftW, rightW}, m.planLines(leftW-2), m.billingLines(rightW))...)

	// Then what the plan amounts to (or why it cannot run), then the hint.
	lines = append(lines, "")
	cfg, err := m.config()
	if err != nil {
		lines = append(lines, hang(st.Bad.Render("✗ "+err.Error()), w, "", "  ")...)
	} else {
		p := planOf(cfg)
		specs := p.Specs("x")
		ops := 0
		for _, s := range specs {
			ops += s.Ops
		}
		lines = append(lines, hang(fmt.Sprintf("%d approach%s × %d duration%s × %d batch%s × %d ops%s = %d batches, %d ops",
			len(cfg.Approaches), plural(len(cfg.Approaches), "", "es"), len(cfg.Durations), plural(len(cfg.Durations), "", "s"),
			cfg.Batches, plural(cfg.Batches, "", "es"), cfg.Ops, warmupText(cfg), len(specs), ops), w, "", "  ")...)
		basis := " (upstream delay alone)"
		if p.Order == experiment.OrderMinute {
			basis = fmt.Sprintf(" (upstream delay in whole %s minutes, a quiet one between cells)", report.HumanDuration(p.MinuteOf()))
		}
		lines = append(lines, "estimated run time ≥ "+st.Title.Render(report.HumanSeconds(p.EstimatedDuration()))+st.Subtle.Render(basis))
	}
	if m.message != "" && (err == nil || m.message != err.Error()) {
		lines = append(lines, hang(st.Bad.Render(m.message), w, "", "  ")...)
	}
	if room := m.h - len(lines) - 1; room >= 1 {
		lines = append(lines, "")
		for _, l := range m.hint(w - 2) {
			lines = append(lines, "  "+st.Subtle.Render(l))
		}
	}
	return fit(joinLines(lines), w, m.h)
}

// title renders a panel title, marked when the panel has the focus.
func (m setupModel) title(p setupPanel, text string) string {
	if m.panel == p {
		return m.c.st.Focused.Render("▸ " + text)
	}
	return m.c.st.Section.Render("  " + text)
}

// row renders one selectable row: under the cursor of the focused panel
// it is the selection bar, as wide as the panel (w cells; w = 0 measures),
// with › for a terminal without colour; elsewhere it is indented.
func (m setupModel) selRow(p setupPanel, r int, text string, w int) string {
	if m.panel != p || m.row[p] != r {
		return "  " + text
	}
	line := "› " + ansi.Strip(text)
	if w > 0 {
		line = pad(line, w)
	}
	return m.c.st.Selected.Render(line)
}

// mark is ✓ for on, ○ for off.
func (m setupModel) mark(on bool) string {
	if on {
		return m.c.st.Good.Render("✓")
	}
	return m.c.st.Subtle.Render("○")
}

func (m setupModel) approachLines(w int, descriptions bool) []string {
	st := m.c.st
	n := 0
	for _, it := range m.items {
		if it.on {
			n++
		}
	}
	title := fmt.Sprintf("Approaches (%d of %d)", n, len(m.items))
	if opt := len(slices.DeleteFunc(slices.Clone(m.items), func(it approachItem) bool { return !it.optional })); opt > 0 {
		// The target leaves its optional approaches out: "3 of 5" says why.
		if long := fmt.Sprintf("%s · %d optional", title, opt); w <= 0 || width(long)+2 <= w {
			title = long
		}
	}
	lines := []string{m.title(panelApproaches, title)}
	modeW := 0
	for _, it := range m.items {
		modeW = max(modeW, width(it.mode))
	}
	if len(m.items) == 0 {
		lines = append(lines, "  "+st.Bad.Render("the target offers no approaches"))
	}
	// Optional approaches are marked on their rows when every such row has
	// room for it (no name is cut for it), else in their descriptions.
	optName := func(it approachItem) string { return strings.TrimSuffix("optional · "+it.name, " · ") }
	markRows := w > 0
	for _, it := range m.items {
		if it.optional && width(m.mark(it.on)+" "+pad(it.mode, modeW)+"  "+optName(it)) > w-2 {
			markRows = false
		}
	}
	for i, it := range m.items {
		text := m.mark(it.on) + " " + pad(it.mode, modeW)
		name := it.name
		if it.optional && markRows {
			name = optName(it)
		}
		if name != "" {
			text += "  " + st.Subtle.Render(name)
		}
		if w > 0 {
			text = truncate(text, w-2)
		}
		lines = append(lines, m.selRow(panelApproaches, i, text, w))
		if descriptions && it.desc != "" && w > 0 {
			desc := it.desc
			if it.optional && !markRows {
				desc = "Optional: runs only when ticked or named in --approaches. " + desc
			}
			for _, l := range hang(desc, w, "    ", "    ") {
				lines = append(lines, st.Subtle.Render(l))
			}
		}
	}
	return lines
}

func (m setupModel) durationLines(w int) []string {
	st := m.c.st
	title := "Durations (upstream delay)"
	if w > 0 && width(title)+2 > w {
		title = "Durations"
	}
	lines := []string{m.title(panelDurations, title)}
	for i, ms := range durationPresets {
		lines = append(lines, m.selRow(panelDurations, i, m.mark(m.presetOn[i])+" "+experiment.FormatDuration(ms), w))
	}
	field := m.custom
	if room := w - 14; w > 0 && width(field.Value()) >= room {
		field.Width = max(1, room) // scroll within the column
	}
	text := "custom: " + field.View()
	if custom := m.customText(); strings.Trim(custom, ",") != "" {
		if _, err := experiment.ParseDurations(custom); err != nil {
			text += " " + st.Bad.Render("✗")
		} else {
			text += " " + st.Good.Render("✓")
		}
	}
	return append(lines, m.selRow(panelDurations, len(durationPresets), text, w))
}

func (m setupModel) planLines(w int) []string {
	lines := []string{m.title(panelPlan, "Plan")}
	labels := [planRows]string{"ops per batch", "batches per cell", "warmup ops", "order"}
	for r := range planRows {
		val := orders[m.order]
		if r != rowOrder {
			val = m.fields[r].View()
		}
		if m.panel == panelPlan && m.row[panelPlan] == r {
			val = "◂ " + val + " ▸"
		} else {
			val = "  " + val
		}
		lines = append(lines, m.selRow(panelPlan, r, pad(labels[r], 17)+val, w))
	}
	return lines
}

func (m setupModel) billingLines(w int) []string {
	st := m.c.st
	lines := []string{m.title(panelBilling, "Billing")}
	source := func() []string {
		src := m.billingSource
		if width("    source: "+src) > w {
			src = shortSource(src)
		}
		if w <= 0 {
			return []string{"    source: " + src}
		}
		return hang(st.Subtle.Render(src), w, "    source: ", "      ")
	}
	if !m.billingAvail {
		lines = append(lines, m.selRow(panelBilling, 0, m.mark(false)+" off "+st.Subtle.Render("— no billing source"), w))
		return append(lines, source()...)
	}
	state := "off — latency only"
	if m.billingOn {
		state = "on — poll after the run"
	}
	lines = append(lines, m.selRow(panelBilling, 0, m.mark(m.billingOn)+" "+state, w))
	return append(lines, source()...)
}

// hint explains the row under the cursor.
func (m setupModel) hint(w int) []string {
	var text string
	r := m.row[m.panel]
	switch m.panel {
	case panelApproaches:
		if r < len(m.items) && !m.inlineDescriptions() {
			it := m.items[r]
			text = it.mode
			if it.name != "" {
				text += " — " + it.name
			}
			if it.desc != "" {
				text += ": " + it.desc
			}
			if it.optional {
				text += " (Optional: the target runs it only when named — tick it here or name it in --approaches.)"
			}
		}
		if m.inlineDescriptions() {
			text = "Space or x toggles an approach, a all or none. Ratios are computed against direct, the baseline, when it is selected (else against the first approach)."
		}
		if len(m.missing) > 0 {
			text += "\nnot offered by this target (dropped): " + strings.Join(m.missing, ", ")
		}
	case panelDurations:
		text = "How long the delay upstream takes to answer each op. Space toggles a preset, a all or none; on custom, type more, comma-separated (e.g. 250ms,2s; 0..30s, whole ms)."
	case panelPlan:
		text = [planRows]string{
			"Ops per batch: one batch is one WebSocket running this many fetches in a row. ←/→ or type digits.",
			"Batches per cell: repeats of each approach × duration; more batches give tighter intervals and expose drift.",
			"Warmup ops per approach, run first at the shortest duration and excluded from the statistics.",
			"interleave cycles through the cells batch by batch (fairest against drift); sequential runs each cell in one go; random shuffles with the seed; minute gives each cell whole minutes of its own, a quiet minute apart (per-minute analytics billing).",
		}[r]
	case panelBilling:
		if m.billingAvail {
			text = "After the run, poll " + m.billingSource + " for the invocations' WallTimeMs and CPUTimeMs. Logpush delivers in batches, often minutes late; the billing screen counts down and can be skipped."
		} else {
			text = "No billing source is configured, so this run measures latency only."
		}
	}
	return wrap(text, w)
}
