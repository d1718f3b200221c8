package ui

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/experiment"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/pfx-tui/pfx-tui/internal/config"
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

var orders = []string{experiment.OrderInterleave, experiment.OrderSequential, experiment.OrderRandom}

type approachItem struct {
	mode, name, desc string
	on               bool
}

// setupModel is the setup screen: what to run, pre-filled from the flags.
type setupModel struct {
	c    *common
	w, h int

	base     config.Config // everything the screen does not edit
	items    []approachItem
	missing  []string // approaches asked for that the target does not offer
	presetOn []bool
	custom   string
	fields   [3]string // ops, batches, warmup as typed
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

func newSetup(c *common, cfg config.Config, patterns []protocol.Pattern, billingAvail bool, billingSource string) setupModel {
	m := setupModel{c: c, base: cfg, billingAvail: billingAvail, billingOn: billingAvail, billingSource: billingSource}
	if len(patterns) == 0 {
		// A target without /patterns: offer what the flags asked for.
		for _, a := range cfg.Approaches {
			m.items = append(m.items, approachItem{mode: a, on: true})
		}
	}
	for _, p := range patterns {
		m.items = append(m.items, approachItem{mode: p.Mode, name: p.Name, desc: p.Description, on: slices.Contains(cfg.Approaches, p.Mode)})
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
	m.custom = strings.Join(custom, ",")
	m.fields = [3]string{strconv.Itoa(cfg.Ops), strconv.Itoa(cfg.Batches), strconv.Itoa(cfg.Warmup)}
	if i := slices.Index(orders, cfg.Order); i >= 0 {
		m.order = i
	}
	if m.billingSource == "" {
		m.billingSource = "none"
	}
	return m
}

func (m *setupModel) SetSize(w, h int) { m.w, m.h = w, h }

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

func (m setupModel) Update(msg tea.Msg) (setupModel, tea.Cmd) {
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
	// Text entry first: digits into a number, duration characters into the
	// custom field. Letters that are keys (j, k, h, l, q, ?) never are text.
	if km.Type == tea.KeyBackspace {
		m.fresh = false
		if i, ok := m.onNumber(); ok && m.fields[i] != "" {
			m.fields[i] = m.fields[i][:len(m.fields[i])-1]
		} else if m.onCustom() && m.custom != "" {
			m.custom = m.custom[:len(m.custom)-1]
		}
		return m, nil
	}
	if km.Type == tea.KeyRunes && len(km.Runes) > 0 {
		s := string(km.Runes)
		if i, ok := m.onNumber(); ok && isDigits(s) {
			if m.fresh {
				m.fields[i], m.fresh = "", false
			}
			if len(m.fields[i]) < 6 {
				m.fields[i] = strings.TrimLeft(m.fields[i]+s, "0")
				if m.fields[i] == "" {
					m.fields[i] = "0"
				}
			}
			return m, nil
		}
		if m.onCustom() && strings.Trim(s, "0123456789.,ms ") == "" {
			if len(m.custom) < 40 {
				m.custom += strings.ReplaceAll(s, " ", "")
			}
			return m, nil
		}
	}
	switch {
	case key.Matches(km, k.Up):
		m.move(-1)
		m.fresh = true
	case key.Matches(km, k.Down):
		m.move(+1)
		m.fresh = true
	case key.Matches(km, k.NextPanel):
		m.panel = (m.panel + 1) % panelCount
		m.fresh = true
	case key.Matches(km, k.PrevPanel):
		m.panel = (m.panel + panelCount - 1) % panelCount
		m.fresh = true
	case key.Matches(km, k.Toggle):
		m.toggle()
	case key.Matches(km, k.Left):
		m.adjust(-1)
	case key.Matches(km, k.Right):
		m.adjust(+1)
	case key.Matches(km, k.Start):
		cfg, err := m.config()
		if err != nil {
			m.message = err.Error()
			return m, nil
		}
		m.message = ""
		billing := m.billingAvail && m.billingOn
		return m, func() tea.Msg { return startRunMsg{cfg: cfg, billing: billing} }
	}
	return m, nil
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

func (m *setupModel) toggle() {
	r := m.row[m.panel]
	switch m.panel {
	case panelApproaches:
		if r < len(m.items) && !m.inlineDescriptions() {
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
	n, err := strconv.Atoi(m.fields[r])
	if err != nil {
		n = 0
	}
	lo := 1
	if r == rowWarmup {
		lo = 0
	}
	m.fields[r] = strconv.Itoa(max(lo, min(999999, n+d)))
}

// durations are the chosen presets plus the custom entry, sorted.
func (m setupModel) durations() ([]time.Duration, error) {
	var out []time.Duration
	for i, on := range m.presetOn {
		if on {
			out = append(out, time.Duration(durationPresets[i])*time.Millisecond)
		}
	}
	if strings.Trim(m.custom, ", ") != "" {
		ds, err := experiment.ParseDurations(m.custom)
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
		n, err := strconv.Atoi(f)
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

func (m setupModel) View() string {
	st := m.c.st
	w := m.w
	compact := m.h < 26
	var lines []string
	lines = append(lines, m.c.header("setup", m.c.targetTag(), w))
	if !compact {
		lines = append(lines, "")
	}
	leftW := max(28, w/2)
	rightW := w - leftW
	lines = append(lines, columns([]int{leftW, rightW}, m.approachLines(leftW, m.inlineDescriptions()), m.durationLines(rightW))...)
	lines = append(lines, "")
	lines = append(lines, columns([]int{leftW, rightW}, m.planLines(leftW), m.billingLines(rightW))...)

	// Then what the plan amounts to (or why it cannot run), then the hint.
	lines = append(lines, "")
	cfg, err := m.config()
	if err != nil {
		lines = append(lines, st.Bad.Render("✗ "+err.Error()))
	} else {
		p := planOf(cfg)
		specs := p.Specs("x")
		ops := 0
		for _, s := range specs {
			ops += s.Ops
		}
		lines = append(lines, fmt.Sprintf("%d approach%s × %d duration%s × %d batch%s × %d ops%s = %d batches, %d ops",
			len(cfg.Approaches), plural(len(cfg.Approaches), "", "es"), len(cfg.Durations), plural(len(cfg.Durations), "", "s"),
			cfg.Batches, plural(cfg.Batches, "", "es"), cfg.Ops, warmupText(cfg), len(specs), ops))
		lines = append(lines, "estimated run time ≥ "+st.Title.Render(report.HumanSeconds(p.EstimatedDuration()))+st.Subtle.Render(" (upstream delay alone)"))
	}
	if m.message != "" && (err == nil || m.message != err.Error()) {
		for _, l := range wrap(m.message, w-2) {
			lines = append(lines, st.Bad.Render(l))
		}
	}
	if room := m.h - len(lines) - 1; room >= 1 {
		lines = append(lines, "")
		for _, l := range m.hint(w - 2) {
			lines = append(lines, "  "+st.Subtle.Render(l))
		}
	}
	return fit(strings.Join(lines, "\n"), w, m.h)
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

// title renders a panel title, marked when the panel has the focus.
func (m setupModel) title(p setupPanel, text string) string {
	if m.panel == p {
		return m.c.st.Focused.Render("▸ " + text)
	}
	return m.c.st.Section.Render("  " + text)
}

// cursor is the row marker: › on the focused panel's current row.
func (m setupModel) cursor(p setupPanel, row int) string {
	if m.panel == p && m.row[p] == row {
		return m.c.st.Focused.Render("›") + " "
	}
	return "  "
}

func check(on bool) string {
	if on {
		return "[x]"
	}
	return "[ ]"
}

// inlineDescriptions: on tall terminals every approach shows its
// description under its row; otherwise only the hint shows the current one.
func (m setupModel) inlineDescriptions() bool { return m.h >= 34 }

func (m setupModel) approachLines(w int, descriptions bool) []string {
	st := m.c.st
	n := 0
	for _, it := range m.items {
		if it.on {
			n++
		}
	}
	lines := []string{m.title(panelApproaches, fmt.Sprintf("Approaches (%d of %d)", n, len(m.items)))}
	modeW := 0
	for _, it := range m.items {
		modeW = max(modeW, len(it.mode))
	}
	if len(m.items) == 0 {
		lines = append(lines, "  "+st.Bad.Render("the target offers no approaches"))
	}
	for i, it := range m.items {
		row := m.cursor(panelApproaches, i) + check(it.on) + " " + pad(it.mode, modeW)
		if it.name != "" {
			row += "  " + st.Subtle.Render(it.name)
		}
		lines = append(lines, truncate(row, w-1))
		if descriptions && it.desc != "" {
			desc := wrap(it.desc, w-7)
			if len(desc) > 3 {
				desc = append(desc[:2], truncate(desc[2]+" …", w-7))
			}
			for _, l := range desc {
				lines = append(lines, "      "+st.Subtle.Render(l))
			}
		}
	}
	return lines
}

func (m setupModel) durationLines(w int) []string {
	st := m.c.st
	lines := []string{m.title(panelDurations, "Durations (upstream delay)")}
	for i, ms := range durationPresets {
		lines = append(lines, m.cursor(panelDurations, i)+check(m.presetOn[i])+" "+experiment.FormatDuration(ms))
	}
	field := m.custom
	if m.onCustom() {
		field += "▏"
	}
	row := m.cursor(panelDurations, len(durationPresets)) + "custom: " + field
	switch {
	case strings.Trim(m.custom, ", ") == "":
		if !m.onCustom() {
			row += st.Subtle.Render("—")
		} else {
			row += " " + st.Subtle.Render("e.g. 250ms,2s")
		}
	default:
		if _, err := experiment.ParseDurations(m.custom); err != nil {
			row += " " + st.Bad.Render("✗")
		} else {
			row += " " + st.Good.Render("✓")
		}
	}
	return append(lines, truncate(row, w))
}

func (m setupModel) planLines(w int) []string {
	st := m.c.st
	lines := []string{m.title(panelPlan, "Plan")}
	labels := [planRows]string{"ops per batch", "batches per cell", "warmup ops", "order"}
	for r := range planRows {
		val := ""
		if r == rowOrder {
			val = orders[m.order]
		} else {
			val = m.fields[r]
			if val == "" {
				val = " "
			}
		}
		if m.panel == panelPlan && m.row[panelPlan] == r {
			val = st.Focused.Render("◂ " + val + " ▸")
		} else {
			val = "  " + val
		}
		lines = append(lines, truncate(m.cursor(panelPlan, r)+pad(labels[r], 17)+val, w-1))
	}
	return lines
}

func (m setupModel) billingLines(w int) []string {
	st := m.c.st
	lines := []string{m.title(panelBilling, "Billing")}
	if !m.billingAvail {
		lines = append(lines, m.cursor(panelBilling, 0)+"[ ] off "+st.Subtle.Render("— no billing source"))
		lines = append(lines, "    source: "+m.billingSource)
		return lines
	}
	state := "off — latency only"
	if m.billingOn {
		state = "on — poll after the run"
	}
	lines = append(lines, truncate(m.cursor(panelBilling, 0)+check(m.billingOn)+" "+state, w))
	lines = append(lines, truncate("    source: "+st.Subtle.Render(m.billingSource), w))
	return lines
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
		}
		if m.inlineDescriptions() {
			text = "Space toggles an approach. Ratios are computed against direct, the baseline, when it is selected (else against the first approach)."
		}
		if len(m.missing) > 0 {
			text += "\nnot offered by this target (dropped): " + strings.Join(m.missing, ", ")
		}
	case panelDurations:
		text = "How long the delay upstream takes to answer each op. Space toggles a preset; on custom, type more, comma-separated (e.g. 250ms,2s; 0..30s, whole ms)."
	case panelPlan:
		text = [planRows]string{
			"Ops per batch: one batch is one WebSocket running this many fetches in a row. ←/→ or type digits.",
			"Batches per cell: repeats of each approach × duration; more batches give tighter intervals and expose drift.",
			"Warmup ops per approach, run first at the shortest duration and excluded from the statistics.",
			"interleave cycles through the cells batch by batch (fairest against drift); sequential runs each cell in one go; random shuffles with the seed.",
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
