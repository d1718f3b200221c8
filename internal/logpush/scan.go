package logpush

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
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
// De-duplication is deferred to Summary: each record read is kept as an
// entry of 24 bytes (96 bits of the 128-bit hash of its line, its group,
// WallTimeMs and CPUTimeMs), filed by the hash's top byte into one of 256
// partitions as it is read; Summary then de-duplicates one partition at a
// time in a table small enough to stay in the CPU's cache, and tallies the
// distinct records. Appending is a sequential write where a shared set
// would be a random access into tens of megabytes per line, while reading
// a file competes with decompression for the cache. So memory grows by 24
// bytes per record read (duplicates included) until Summary, plus the
// distinct WallTimeMs values of each group (percentiles are exact, from
// counts of each millisecond value); not with the bytes read.
type Scan struct {
	filter Filter

	mu             sync.Mutex
	files          int
	truncatedNames []string
	lines          int
	outside        int
	malformed      int
	badType        int
	groupIndex     map[groupKey]uint32
	groupKeys      []groupKey
	parts          [partitions][][]entry // chunks of entries, by the hash's top bits
	wide           []wideEntry
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

// add counts one distinct record.
func (g *groupAcc) add(wall, cpu int64, hasWall, hasCPU bool) {
	g.count++
	if !hasWall || !hasCPU {
		g.missing++
	}
	if hasWall {
		g.wallSum += wall
		g.wall.add(wall)
	}
	if hasCPU {
		g.cpuSum += cpu
		g.cpuN++
	}
}

// entry is a record waiting for de-duplication: 96 bits of its line's
// hash (Lo and the top half of Hi: for n distinct lines the chance that
// any two share them is about n²/2⁹⁷, 10⁻¹¹ for a billion), its group (an
// index into Scan.groupKeys) with two flags, and its timing. A record
// whose timing or group does not fit is a wideEntry instead; identical
// lines always take the same form, so each form is de-duplicated alone.
type entry struct {
	lo           uint64 // the hash's Lo
	hi           uint32 // the top half of its Hi
	g, wall, cpu uint32
}

// entryKey is the part of a line's hash an entry keeps, for the tally's
// table (where it takes 16 bytes).
type entryKey struct {
	lo uint64
	hi uint32
}

const (
	entryHasWall   = 1 << 31
	entryHasCPU    = 1 << 30
	entryGroupMask = entryHasCPU - 1
)

type wideEntry struct {
	h LineHash
	g uint32
	pendingRecord
}

// partitions is the number of partitions of a Scan's entries, chosen by
// the top partitionBits bits of entry.hi.
const (
	partitionBits = 8
	partitions    = 1 << partitionBits
)

// chunkEntries is the length of the chunks that hold the entries of a
// partition (6 KB each): a partition grows by a chunk without copying.
const chunkEntries = 256

// NewScan returns a Scan that keeps only the records f matches.
func NewScan(f Filter) *Scan { return &Scan{filter: f} }

// fileScan is what one AddFile gathers before handing it to the Scan.
type fileScan struct {
	groups  map[string]*groupFile
	cache   [groupCacheSize]*groupFile // see find
	byMemo  [groupCacheSize]memoGroup  // see find
	key     []byte
	outside int
	batch   []entry     // handed over every scanBatch records
	wide    []wideEntry // handed over with the file
}

// scanBatch is the number of records handed to the Scan at once.
const scanBatch = 512

// pendingRecord is what a record adds to its group once known distinct.
type pendingRecord struct {
	wall, cpu       int64
	hasWall, hasCPU bool
}

type groupFile struct {
	key groupKey
	id  uint32 // index in Scan.groupKeys
}

type memoGroup struct {
	key uint64 // Fields.memoKey
	g   *groupFile
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
		fs.add(s, f, rd.LineHash())
		if len(fs.batch) == scanBatch {
			s.addEntries(fs.batch)
			fs.batch = fs.batch[:0]
		}
	}
	s.addEntries(fs.batch)
	s.mergeFile(name, rd.Stats(), fs)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// add queues a record as an entry.
func (fs *fileScan) add(s *Scan, f *Fields, h LineHash) {
	g := fs.find(s, f).id
	if g <= entryGroupMask && uint64(f.WallTimeMs) <= math.MaxUint32 && uint64(f.CPUTimeMs) <= math.MaxUint32 {
		if f.HasWall {
			g |= entryHasWall
		}
		if f.HasCPU {
			g |= entryHasCPU
		}
		fs.batch = append(fs.batch, entry{lo: h.Lo, hi: uint32(h.Hi >> 32), g: g, wall: uint32(f.WallTimeMs), cpu: uint32(f.CPUTimeMs)})
		return
	}
	fs.wide = append(fs.wide, wideEntry{h, g, pendingRecord{f.WallTimeMs, f.CPUTimeMs, f.HasWall, f.HasCPU}})
}

// addEntries files entries into their partitions.
func (s *Scan) addEntries(es []entry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range es {
		p := &s.parts[e.hi>>(32-partitionBits)]
		n := len(*p)
		if n == 0 || len((*p)[n-1]) == chunkEntries {
			*p = append(*p, make([]entry, 0, chunkEntries))
			n++
		}
		(*p)[n-1] = append((*p)[n-1], e)
	}
}

// groupID returns the index of a group's key, adding it on first sight.
func (s *Scan) groupID(k groupKey) uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := s.groupIndex[k]; ok {
		return id
	}
	if s.groupIndex == nil {
		s.groupIndex = make(map[groupKey]uint32)
	}
	id := uint32(len(s.groupKeys))
	s.groupIndex[k] = id
	s.groupKeys = append(s.groupKeys, k)
	return id
}

// groupCacheSize is the number of slots of fileScan's group cache.
const (
	groupCacheBits = 6
	groupCacheSize = 1 << groupCacheBits
)

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

// find returns the record's group without allocating: by the key the
// template memo gave the line, if any (one comparison), else from a small
// cache indexed by a cheap hash of the key (a file holds a handful of
// groups: one per script, entrypoint and event type), else from the map
// by the key's bytes; a new group copies them and takes its index from
// the Scan.
func (fs *fileScan) find(s *Scan, f *Fields) *groupFile {
	if f.memoKey == 0 {
		return fs.findKey(s, f)
	}
	m := &fs.byMemo[(f.memoKey*0x9E3779B97F4A7C15)>>(64-groupCacheBits)]
	if m.key != f.memoKey {
		m.key, m.g = f.memoKey, fs.findKey(s, f)
	}
	return m.g
}

// findKey is find by the key's bytes.
func (fs *fileScan) findKey(s *Scan, f *Fields) *groupFile {
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
		g.id = s.groupID(g.key)
		fs.groups[string(k)] = g
	}
	fs.cache[slot] = g
	return g
}

// tally de-duplicates every entry so far and adds up the distinct records
// of each group: partitions are shared out among the cores, each with its
// own table (reused from one partition to the next) and totals.
func (s *Scan) tally() (accs []groupAcc, records, duplicates int) {
	workers := max(1, min(runtime.GOMAXPROCS(0), partitions))
	parts := make(chan int, partitions)
	for i := range partitions {
		parts <- i
	}
	close(parts)
	type total struct {
		accs          []groupAcc
		records, dups int
	}
	totals := make([]total, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			t := &totals[w]
			t.accs = make([]groupAcc, len(s.groupKeys))
			var tab tallyTable
			for i := range parts {
				r, d := tab.tally(s.parts[i], t.accs)
				t.records += r
				t.dups += d
			}
		})
	}
	wg.Wait()
	accs = totals[0].accs
	records, duplicates = totals[0].records, totals[0].dups
	for _, t := range totals[1:] {
		for i := range accs {
			accs[i].merge(&t.accs[i])
		}
		records += t.records
		duplicates += t.dups
	}
	seen := make(map[LineHash]struct{}, len(s.wide))
	for _, e := range s.wide {
		if _, dup := seen[e.h]; dup {
			duplicates++
			continue
		}
		seen[e.h] = struct{}{}
		records++
		accs[e.g].add(e.wall, e.cpu, e.hasWall, e.hasCPU)
	}
	return accs, records, duplicates
}

// tallyTable is an open-addressing set of the keys of one partition,
// sized for it at a load of at most 0.5.
type tallyTable struct {
	slots []entryKey
	zero  bool // the all-zero key, which cannot be stored in a slot
}

// tally counts the distinct entries of chunks into accs.
func (t *tallyTable) tally(chunks [][]entry, accs []groupAcc) (records, duplicates int) {
	n := 0
	for _, c := range chunks {
		n += len(c)
	}
	size := 64
	for size < 2*n {
		size *= 2
	}
	if cap(t.slots) < size {
		t.slots = make([]entryKey, size)
	}
	t.slots = t.slots[:size]
	clear(t.slots)
	t.zero = false
	mask := uint64(size - 1)
	for _, c := range chunks {
		for k := range c {
			e := &c[k]
			if t.seen(entryKey{e.lo, e.hi}, mask) {
				duplicates++
				continue
			}
			records++
			accs[e.g&entryGroupMask].add(int64(e.wall), int64(e.cpu), e.g&entryHasWall != 0, e.g&entryHasCPU != 0)
		}
	}
	return records, duplicates
}

// seen inserts k and reports whether it was there already.
func (t *tallyTable) seen(k entryKey, mask uint64) bool {
	if k == (entryKey{}) {
		was := t.zero
		t.zero = true
		return was
	}
	for i := k.lo & mask; ; i = (i + 1) & mask {
		switch t.slots[i] {
		case k:
			return true
		case entryKey{}:
			t.slots[i] = k
			return false
		}
	}
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
	if fs != nil {
		s.outside += fs.outside
		s.wide = append(s.wide, fs.wide...)
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
// It de-duplicates every record read so far (see Scan), so it costs a pass
// over them: call it once the files are read.
func (s *Scan) Summary() Summary {
	s.mu.Lock()
	defer s.mu.Unlock()
	accs, records, duplicates := s.tally()
	sum := Summary{
		Files:          s.files,
		TruncatedFiles: len(s.truncatedNames),
		Lines:          s.lines,
		Records:        records,
		Duplicates:     duplicates,
		Skipped:        Skipped{Malformed: s.malformed, BadType: s.badType},
		Groups:         make([]Group, 0, len(s.groupKeys)),
		TruncatedNames: slices.Sorted(slices.Values(s.truncatedNames)),
		OutsideFilter:  s.outside,
	}
	for i, k := range s.groupKeys {
		g := &accs[i]
		if g.count == 0 {
			continue // its records are still being read (Summary during AddFile)
		}
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
