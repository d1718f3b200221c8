package logpush

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
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
	return (f.Script == "" || r.ScriptName == f.Script) && f.matchTime(r.EventTimestampMs)
}

func (f Filter) matchFields(r *Fields) bool {
	return (f.Script == "" || string(r.ScriptName) == f.Script) && f.matchTime(r.EventTimestampMs)
}

func (f Filter) matchTime(ts int64) bool {
	if !f.Since.IsZero() && ts < f.Since.UnixMilli() {
		return false
	}
	if !f.Until.IsZero() && ts >= f.Until.UnixMilli() {
		return false
	}
	return true
}

// Scan accumulates many Logpush files into one Summary for `pfx-tui logs
// scan`: the quick "what is in this bucket and is it usable" answer before
// any attribution to batches. Lines repeated byte for byte (redeliveries)
// are counted once, across files. The zero value scans without a filter; a
// Scan is safe for concurrent AddFile calls, which is how files are read in
// parallel.
//
// Memory grows with the distinct lines (16 bytes each in the de-duplication
// set, at a load factor of 0.57-0.85) and with the distinct WallTimeMs
// values of each group (percentiles are exact, from counts of each
// millisecond value), not with the bytes read.
type Scan struct {
	filter Filter
	dedupe Deduper

	expect      atomic.Int64 // uncompressed bytes to read (Expect)
	reserveOnce sync.Once

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

// groupAcc accumulates one group's timing.
type groupAcc struct {
	count, missing int
	wallSum        int64
	wall           valueCounts
	cpuSum         int64
	cpuN           int
}

func (g *groupAcc) merge(o *groupAcc) {
	g.count += o.count
	g.missing += o.missing
	g.wallSum += o.wallSum
	g.wall.merge(&o.wall)
	g.cpuSum += o.cpuSum
	g.cpuN += o.cpuN
}

// NewScan returns a Scan that keeps only the records f matches.
func NewScan(f Filter) *Scan { return &Scan{filter: f} }

// Expect tells the scan how many uncompressed bytes it is about to read
// (see UncompressedSize), so that the de-duplication set is sized once
// instead of growing step by step: after the first batch of lines of any
// file, for the bytes left at the length those lines had. A hint only: any
// value is safe (a wrong one costs memory, or the usual growth).
func (s *Scan) Expect(bytes int64) { s.expect.Store(bytes) }

// reserveFor sizes the de-duplication set once for the expected bytes at
// the average length of the lines one file has shown so far.
func (s *Scan) reserveFor(lineBytes int64, lines int) {
	expect := s.expect.Load()
	if expect <= 0 || lines == 0 || lineBytes == 0 {
		return
	}
	s.reserveOnce.Do(func() {
		s.dedupe.set.reserve(int(min(expect*int64(lines)/lineBytes, 1<<28)))
	})
}

// fileScan is what one AddFile gathers before merging it into the Scan
// under one lock: groups by the raw bytes of their key.
type fileScan struct {
	groups     map[string]*groupFile
	cache      [groupCacheSize]*groupFile // see find
	key        []byte
	outside    int
	duplicates int
	records    int

	// Records wait in batches for de-duplication (see hashSet.addBatch).
	batch   []pendingRecord
	hashes  []LineHash
	present []bool
}

// scanBatch is the number of records de-duplicated at once.
const scanBatch = 512

// pendingRecord is what a record adds to its group once known distinct.
type pendingRecord struct {
	g               *groupFile
	wall, cpu       int64
	hasWall, hasCPU bool
}

type groupFile struct {
	key groupKey
	acc groupAcc
}

// AddFile reads one file (gzip or plain NDJSON, told apart by the gzip
// magic bytes so local .log/.ndjson captures work too) into the scan. name
// is only used in messages. A truncated file is kept and counted; an error
// is returned only when reading fails, and what was read before it stays in
// the scan.
func (s *Scan) AddFile(name string, r io.Reader) error {
	br := bufio.NewReaderSize(r, readBufSize)
	magic, err := br.Peek(2)
	if err != nil && err != io.EOF {
		s.mergeFile(name, FileStats{}, nil)
		return fmt.Errorf("%s: %w", name, err)
	}
	gz := IsGzip(magic)
	rd := NewReader(br, gz)
	fs := &fileScan{groups: map[string]*groupFile{}}
	var lineBytes int64 // of the records read, for reserveFor
	err = nil
	for {
		f, rerr := rd.NextFields()
		if rerr != nil {
			if rerr != io.EOF {
				err = rerr
			}
			break
		}
		if !s.filter.matchFields(f) {
			fs.outside++
			continue
		}
		fs.add(f, rd.LineHash())
		lineBytes += int64(rd.LineLen())
		if len(fs.batch) == scanBatch {
			s.reserveFor(lineBytes, fs.records+fs.duplicates+len(fs.batch))
			fs.flush(&s.dedupe)
		}
	}
	fs.flush(&s.dedupe)
	s.mergeFile(name, rd.Stats(), fs)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// add queues a record for its group.
func (fs *fileScan) add(f *Fields, h LineHash) {
	g := fs.find(f)
	fs.batch = append(fs.batch, pendingRecord{g: g, wall: f.WallTimeMs, cpu: f.CPUTimeMs, hasWall: f.HasWall, hasCPU: f.HasCPU})
	fs.hashes = append(fs.hashes, h)
}

// groupCacheSize is the number of slots of fileScan's group cache.
const groupCacheSize = 64

// groupSlot hashes a group's key cheaply (lengths and end bytes) for the
// cache; slots may collide, the full key is compared.
func groupSlot(f *Fields) int {
	h := uint(len(f.ScriptName))*131 + uint(len(f.Entrypoint))*31 + uint(len(f.EventType))*7
	if n := len(f.ScriptName); n > 0 {
		h += uint(f.ScriptName[n-1]) * 17
	}
	if n := len(f.Entrypoint); n > 0 {
		h += uint(f.Entrypoint[0])*3 + uint(f.Entrypoint[n-1])
	}
	if n := len(f.EventType); n > 0 {
		h += uint(f.EventType[0]) * 5
	}
	return int(h % groupCacheSize)
}

// find returns the record's group without allocating: from a small cache
// indexed by a cheap hash of the key (a file holds a handful of groups:
// one per script, entrypoint and event type), else from the map by the
// key's bytes; a new group copies them.
func (fs *fileScan) find(f *Fields) *groupFile {
	slot := groupSlot(f)
	if g := fs.cache[slot]; g != nil && string(f.ScriptName) == g.key.script && string(f.Entrypoint) == g.key.entrypoint && string(f.EventType) == g.key.eventType {
		return g
	}
	k := fs.key[:0]
	k = binary.AppendUvarint(k, uint64(len(f.ScriptName)))
	k = append(k, f.ScriptName...)
	k = binary.AppendUvarint(k, uint64(len(f.Entrypoint)))
	k = append(k, f.Entrypoint...)
	k = append(k, f.EventType...)
	fs.key = k
	g := fs.groups[string(k)]
	if g == nil {
		g = &groupFile{key: groupKey{string(f.ScriptName), string(f.Entrypoint), string(f.EventType)}}
		fs.groups[string(k)] = g
	}
	fs.cache[slot] = g
	return g
}

// flush de-duplicates the queued records and counts the distinct ones.
func (fs *fileScan) flush(d *Deduper) {
	if len(fs.batch) == 0 {
		return
	}
	fs.present = append(fs.present[:0], make([]bool, len(fs.batch))...)
	d.set.addBatch(fs.hashes, fs.present)
	for i := range fs.batch {
		if fs.present[i] {
			fs.duplicates++
			continue
		}
		p := &fs.batch[i]
		fs.records++
		a := &p.g.acc
		a.count++
		if !p.hasWall || !p.hasCPU {
			a.missing++
		}
		if p.hasWall {
			a.wallSum += p.wall
			a.wall.add(p.wall)
		}
		if p.hasCPU {
			a.cpuSum += p.cpu
			a.cpuN++
		}
	}
	fs.batch, fs.hashes = fs.batch[:0], fs.hashes[:0]
}

func (s *Scan) mergeFile(name string, st FileStats, fs *fileScan) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files++
	if st.Truncated {
		s.truncatedNames = append(s.truncatedNames, name)
	}
	s.lines += st.Lines
	s.malformed += st.Malformed
	s.badType += st.BadType
	if fs == nil {
		return
	}
	s.outside += fs.outside
	s.duplicates += fs.duplicates
	s.records += fs.records
	if s.groups == nil {
		s.groups = make(map[groupKey]*groupAcc)
	}
	for _, g := range fs.groups {
		acc := s.groups[g.key]
		if acc == nil {
			acc = &groupAcc{}
			s.groups[g.key] = acc
		}
		acc.merge(&g.acc)
	}
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

	// TruncatedNames names the truncated files, sorted, for the text
	// output (the JSON shape is fixed and omits it).
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
// default). Mean and percentiles are float64 at full precision, and nil
// (JSON null) when no record of the group has the field: an unknown value,
// not zero.
type WallStats struct {
	Sum  int64    `json:"sum"`
	Mean *float64 `json:"mean"`
	P50  *float64 `json:"p50"`
	P95  *float64 `json:"p95"`
}

// CPUStats describes CPUTimeMs over the group's records that have it; the
// mean is nil (JSON null) when none has.
type CPUStats struct {
	Sum  int64    `json:"sum"`
	Mean *float64 `json:"mean"`
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
		TruncatedNames: slices.Sorted(slices.Values(s.truncatedNames)),
		OutsideFilter:  s.outside,
	}
	for k, g := range s.groups {
		ws := WallStats{Sum: g.wallSum}
		if n := g.wall.n; n > 0 {
			ws.Mean = ptr(float64(g.wallSum) / float64(n))
			ws.P50 = ptr(g.wall.percentile(0.50))
			ws.P95 = ptr(g.wall.percentile(0.95))
		}
		cs := CPUStats{Sum: g.cpuSum}
		if g.cpuN > 0 {
			cs.Mean = ptr(float64(g.cpuSum) / float64(g.cpuN))
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

func ptr(x float64) *float64 { return &x }

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

// ms shows a time in ms to 0.1; an unknown value (no record had the field)
// shows as "—", never as 0.
func ms(x *float64) string {
	if x == nil {
		return "—"
	}
	return strconv.FormatFloat(*x, 'f', 1, 64)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
