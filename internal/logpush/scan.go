package logpush

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/stats"
)

// Filter narrows a Scan to what the user asked about. Zero fields do not
// filter.
type Filter struct {
	// Script keeps only records whose ScriptName equals it exactly.
	Script string
	// Since (inclusive) and Until (exclusive) bound EventTimestampMs, so
	// adjacent windows never count a record twice.
	Since, Until time.Time
}

// Match reports whether r passes the filter.
func (f Filter) Match(r Record) bool {
	if f.Script != "" && r.ScriptName != f.Script {
		return false
	}
	if !f.Since.IsZero() && r.EventTimestampMs < f.Since.UnixMilli() {
		return false
	}
	if !f.Until.IsZero() && r.EventTimestampMs >= f.Until.UnixMilli() {
		return false
	}
	return true
}

// Scan accumulates many Logpush files into one Summary for `pfx-tui logs
// scan`: the quick "what is in this bucket and is it usable" answer before
// any attribution to batches. Exact duplicates across files are counted
// once. The zero value scans without a filter; a Scan is safe for
// concurrent AddFile calls.
type Scan struct {
	filter Filter
	dedupe Deduper

	mu             sync.Mutex
	files          int
	truncatedNames []string
	lines          int
	records        int
	duplicates     int
	outside        int
	malformed      int
	badType        int
	groups         map[groupKey]*groupAcc
}

type groupKey struct{ script, entrypoint, eventType string }

type groupAcc struct {
	count, missing int
	wall           []int64
	cpuSum         int64
	cpuN           int
}

// NewScan returns a Scan that keeps only the records f matches.
func NewScan(f Filter) *Scan { return &Scan{filter: f} }

// AddFile reads one file (gzip or plain NDJSON, told apart by the gzip
// magic bytes so local .log/.ndjson captures work too) into the scan. name
// is only used in messages. A truncated file is kept and counted; an error
// is returned only when reading fails, and what was read before it stays in
// the scan.
func (s *Scan) AddFile(name string, r io.Reader) error {
	br := bufio.NewReaderSize(r, readBufSize)
	magic, err := br.Peek(2)
	if err != nil && err != io.EOF {
		s.mergeFile(name, FileStats{})
		return fmt.Errorf("%s: %w", name, err)
	}
	gz := IsGzip(magic)
	rd := NewReader(br, gz)
	err = rd.Each(func(rec Record) error {
		s.add(rec)
		return nil
	})
	s.mergeFile(name, rd.Stats())
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

func (s *Scan) add(rec Record) {
	if !s.filter.Match(rec) {
		s.mu.Lock()
		s.outside++
		s.mu.Unlock()
		return
	}
	dup := s.dedupe.Seen(rec)
	s.mu.Lock()
	defer s.mu.Unlock()
	if dup {
		s.duplicates++
		return
	}
	s.records++
	if s.groups == nil {
		s.groups = make(map[groupKey]*groupAcc)
	}
	k := groupKey{rec.ScriptName, rec.Entrypoint, rec.EventType}
	g := s.groups[k]
	if g == nil {
		g = &groupAcc{}
		s.groups[k] = g
	}
	g.count++
	if rec.WallTimeMs == nil || rec.CPUTimeMs == nil {
		g.missing++
	}
	if rec.WallTimeMs != nil {
		g.wall = append(g.wall, *rec.WallTimeMs)
	}
	if rec.CPUTimeMs != nil {
		g.cpuSum += *rec.CPUTimeMs
		g.cpuN++
	}
}

func (s *Scan) mergeFile(name string, st FileStats) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files++
	if st.Truncated {
		s.truncatedNames = append(s.truncatedNames, name)
	}
	s.lines += st.Lines
	s.malformed += st.Malformed
	s.badType += st.BadType
}

// Summary is the result of a Scan. Its JSON encoding is the `logs scan
// --json` output, so field order and names are part of the interface.
type Summary struct {
	Files          int `json:"files"`
	TruncatedFiles int `json:"truncatedFiles"`
	// Lines counts every non-blank line read, whatever became of it.
	Lines int `json:"lines"`
	// Records counts distinct records that pass the Filter (the filter
	// applies first, so Duplicates only counts copies of such records).
	Records    int     `json:"records"`
	Duplicates int     `json:"duplicates"`
	Skipped    Skipped `json:"skipped"`
	Groups     []Group `json:"groups"`

	// TruncatedNames names the truncated files, in the order added, for
	// the text output (the JSON shape is fixed and omits it).
	TruncatedNames []string `json:"-"`
	// OutsideFilter counts valid records the Filter dropped, so that the
	// text output can explain Lines > Records.
	OutsideFilter int `json:"-"`
}

// Skipped counts lines that yielded no record, by Reason.
type Skipped struct {
	Malformed int `json:"malformed"`
	BadType   int `json:"badType"`
}

// Group aggregates the records of one (ScriptName, Entrypoint, EventType):
// in this experiment that is one role, whose billing unit differs (DOs pay
// wall time, Workers CPU time).
type Group struct {
	ScriptName string `json:"scriptName"`
	Entrypoint string `json:"entrypoint"`
	EventType  string `json:"eventType"`
	Count      int    `json:"count"`
	// MissingTiming counts records lacking WallTimeMs or CPUTimeMs.
	MissingTiming int       `json:"missingTiming"`
	WallTimeMs    WallStats `json:"wallTimeMs"`
	CPUTimeMs     CPUStats  `json:"cpuTimeMs"`
}

// WallStats describes WallTimeMs over the group's records that have it.
// Percentiles interpolate linearly between closest ranks (R-7, numpy's
// default); means and percentiles are rounded to 0.001 ms. All are 0 when
// no record has the field.
type WallStats struct {
	Sum  int64   `json:"sum"`
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P95  float64 `json:"p95"`
}

// CPUStats describes CPUTimeMs over the group's records that have it; a
// mean of 0 when none has.
type CPUStats struct {
	Sum  int64   `json:"sum"`
	Mean float64 `json:"mean"`
}

// Summary returns the totals so far; groups are sorted by script name,
// entrypoint and event type, and never nil, so the JSON says [] not null.
func (s *Scan) Summary() Summary {
	s.mu.Lock()
	defer s.mu.Unlock()
	sum := Summary{
		Files:          s.files,
		TruncatedFiles: len(s.truncatedNames),
		Lines:          s.lines,
		Records:        s.records,
		Duplicates:     s.duplicates,
		Skipped:        Skipped{Malformed: s.malformed, BadType: s.badType},
		Groups:         make([]Group, 0, len(s.groups)),
		TruncatedNames: slices.Clone(s.truncatedNames),
		OutsideFilter:  s.outside,
	}
	for k, g := range s.groups {
		wall := make([]float64, len(g.wall))
		var ws WallStats
		for i, v := range g.wall {
			ws.Sum += v
			wall[i] = float64(v)
		}
		slices.Sort(wall)
		if len(wall) > 0 {
			ws.Mean = round3(float64(ws.Sum) / float64(len(wall)))
			ws.P50 = round3(stats.Percentile(wall, 0.50))
			ws.P95 = round3(stats.Percentile(wall, 0.95))
		}
		cs := CPUStats{Sum: g.cpuSum}
		if g.cpuN > 0 {
			cs.Mean = round3(float64(g.cpuSum) / float64(g.cpuN))
		}
		sum.Groups = append(sum.Groups, Group{
			ScriptName: k.script, Entrypoint: k.entrypoint, EventType: k.eventType,
			Count: g.count, MissingTiming: g.missing, WallTimeMs: ws, CPUTimeMs: cs,
		})
	}
	slices.SortFunc(sum.Groups, func(a, b Group) int {
		return cmp.Or(
			cmp.Compare(a.ScriptName, b.ScriptName),
			cmp.Compare(a.Entrypoint, b.Entrypoint),
			cmp.Compare(a.EventType, b.EventType),
		)
	})
	return sum
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// missingTimingHint is printed when records lack timing, because the usual
// cause is a job configuration the user can fix.
const missingTimingHint = "records without CPUTimeMs/WallTimeMs: the Logpush job predates 2025-04-09 or its field_names lack them; add CPUTimeMs and WallTimeMs to field_names"

// WriteText renders the summary as an aligned table for a terminal, with
// the counts that explain why records may be fewer than lines and a hint
// when timing fields are missing.
func (s Summary) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s, %s, %s\n",
		plural(s.Files, "file", "files"), plural(s.Lines, "line", "lines"), plural(s.Records, "record", "records"))
	fmt.Fprintf(&b, "duplicates: %d counted once; skipped lines: %d malformed, %d badType", s.Duplicates, s.Skipped.Malformed, s.Skipped.BadType)
	if s.OutsideFilter > 0 {
		fmt.Fprintf(&b, "; outside filter: %d", s.OutsideFilter)
	}
	fmt.Fprintf(&b, "; truncated files: %d", s.TruncatedFiles)
	if len(s.TruncatedNames) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(s.TruncatedNames, ", "))
	}
	b.WriteString("\n")
	if s.TruncatedFiles > 0 {
		b.WriteString("truncated files keep the complete lines read before the cut\n")
	}
	b.WriteString("\n")
	if len(s.Groups) == 0 {
		b.WriteString("no records\n")
	} else {
		rows := [][]string{{"SCRIPT", "ENTRYPOINT", "EVENT", "COUNT", "NO TIMING", "WALL SUM", "WALL MEAN", "WALL P50", "WALL P95", "CPU SUM", "CPU MEAN"}}
		for _, g := range s.Groups {
			rows = append(rows, []string{
				orDash(g.ScriptName), orDash(g.Entrypoint), orDash(g.EventType),
				strconv.Itoa(g.Count), strconv.Itoa(g.MissingTiming),
				strconv.FormatInt(g.WallTimeMs.Sum, 10), ms(g.WallTimeMs.Mean), ms(g.WallTimeMs.P50), ms(g.WallTimeMs.P95),
				strconv.FormatInt(g.CPUTimeMs.Sum, 10), ms(g.CPUTimeMs.Mean),
			})
		}
		writeTable(&b, rows, 3)
		b.WriteString("(times in ms)\n")
	}
	missing := 0
	for _, g := range s.Groups {
		missing += g.MissingTiming
	}
	if missing > 0 {
		fmt.Fprintf(&b, "\nhint: %d of %d %s\n", missing, s.Records, missingTimingHint)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeTable aligns rows in columns two spaces apart; the first textCols
// columns are left-aligned, the rest (numbers) right-aligned.
func writeTable(b *strings.Builder, rows [][]string, textCols int) {
	widths := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, c := range row {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	for _, row := range rows {
		var line strings.Builder
		for i, c := range row {
			if i > 0 {
				line.WriteString("  ")
			}
			pad := strings.Repeat(" ", widths[i]-len([]rune(c)))
			if i < textCols {
				line.WriteString(c + pad)
			} else {
				line.WriteString(pad + c)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func ms(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) }

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
