package logpush

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/pfx-tui/pfx-tui/internal/stats"
)

var update = flag.Bool("update", false, "rewrite testdata/scan fixtures and golden files")

// The scan fixture: three objects of one date folder, read in name order.
// T = 1795688100000 = 2026-11-26T10:15:00Z; EventTimestampMs is T + n s.
//
// a (two gzip members):
//
//	a1  pfx/OriginDO/fetch      wall 100 cpu 5   T+0   (carries the batch tag log)
//	a2  pfx/OriginDO/fetch      wall 300 cpu 7   T+1
//	    (empty line: not a line)
//	a4  cut JSON object                                 → malformed
//	a5  pfx-executor/-/fetch    wall  50 cpu 3   T+2
//	--- second gzip member ---
//	a6  pfx/OriginDO/alarm      wall  20 cpu 2   T+3
//	a7  "WallTimeMs":"abc"                              → badType
//	a8  pfx/OriginDO/fetch      wall 200 cpu 6   T+4
//
// b:
//
//	b1  a1 again, byte for byte (a redelivery)                → duplicate
//	b2  pfx-executor/-/fetch    no timing        T+5    → missingTiming
//	b3  pfx-executor/-/fetch    wall  70 cpu 4   "2026-11-26T10:15:06Z" (= T+6)
//	    (spaces and a tab: not a line)
//	b5  pfx/OriginDO/fetch      wall 400 cpu 8   T+7
//
// c (stored, cut in the middle of c3: truncated):
//
//	c1  pfx-executor/-/fetch    wall  30 cpu 2   T+8
//	c2  pfx/OriginDO/alarm      wall  40 cpu 4   T+9
//	c3  pfx/OriginDO/fetch …cut                         → not a line
var scanFixture = struct{ a1, a2, a3, b, c string }{
	a1: `{"CPUTimeMs":5,"WallTimeMs":100,"EventTimestampMs":1795688100000,"ScriptName":"pfx","Entrypoint":"OriginDO","EventType":"fetch","Outcome":"ok","Event":{"RayID":"8e1a","Request":{"URL":"http://upstream/delay/100","Method":"GET"},"Response":{"Status":200}},"Logs":[{"Level":"log","Message":["pfx","b1","origin"],"TimestampMs":1795688100000}]}` + "\n" +
		`{"CPUTimeMs":7,"WallTimeMs":300,"EventTimestampMs":1795688101000,"ScriptName":"pfx","Entrypoint":"OriginDO","EventType":"fetch","Outcome":"ok","Event":{"RayID":"8e1b"}}` + "\n" +
		"\n" +
		`{"CPUTimeMs":6,"WallTimeMs":110,"EventTimestampMs":1795688101500,"ScriptName":"pfx","Entr` + "\n" +
		`{"CPUTimeMs":3,"WallTimeMs":50,"EventTimestampMs":1795688102000,"ScriptName":"pfx-executor","EventType":"fetch","Outcome":"ok"}` + "\n",
	a3: `{"CPUTimeMs":2,"WallTimeMs":20,"EventTimestampMs":1795688103000,"ScriptName":"pfx","Entrypoint":"OriginDO","EventType":"alarm","Outcome":"ok"}` + "\n" +
		`{"CPUTimeMs":4,"WallTimeMs":"abc","EventTimestampMs":1795688103500,"ScriptName":"pfx","Entrypoint":"OriginDO","EventType":"fetch","Outcome":"ok"}` + "\n" +
		`{"CPUTimeMs":6,"WallTimeMs":200,"EventTimestampMs":1795688104000,"ScriptName":"pfx","Entrypoint":"OriginDO","EventType":"fetch","Outcome":"ok"}` + "\n",
	b: `{"CPUTimeMs":5,"WallTimeMs":100,"EventTimestampMs":1795688100000,"ScriptName":"pfx","Entrypoint":"OriginDO","EventType":"fetch","Outcome":"ok","Event":{"RayID":"8e1a","Request":{"URL":"http://upstream/delay/100","Method":"GET"},"Response":{"Status":200}},"Logs":[{"Level":"log","Message":["pfx","b1","origin"],"TimestampMs":1795688100000}]}` + "\n" +
		`{"EventTimestampMs":1795688105000,"ScriptName":"pfx-executor","EventType":"fetch","Outcome":"ok"}` + "\n" +
		`{"CPUTimeMs":4,"WallTimeMs":70,"EventTimestampMs":"2026-11-26T10:15:06Z","ScriptName":"pfx-executor","EventType":"fetch","Outcome":"ok"}` + "\n" +
		"   \t\n" +
		`{"CPUTimeMs":8,"WallTimeMs":400,"EventTimestampMs":1795688107000,"ScriptName":"pfx","Entrypoint":"OriginDO","EventType":"fetch","Outcome":"ok"}` + "\n",
	c: `{"CPUTimeMs":2,"WallTimeMs":30,"EventTimestampMs":1795688108000,"ScriptName":"pfx-executor","EventType":"fetch","Outcome":"ok"}` + "\n" +
		`{"CPUTimeMs":4,"WallTimeMs":40,"EventTimestampMs":1795688109000,"ScriptName":"pfx","Entrypoint":"OriginDO","EventType":"alarm","Outcome":"ok"}` + "\n" +
		`{"CPUTimeMs":9,"WallTimeMs":999,"EventTimestampMs":1795688110000,"ScriptName":"pfx","Entrypoint":"OriginDO","EventType":"fetch","Outcome":"ok"}` + "\n",
}

const scanDir = "testdata/scan/20261126"

var scanFiles = []string{
	"20261126T101500Z_20261126T101530Z_9af500e2.log.gz", // a
	"20261126T101530Z_20261126T101600Z_0c4d1e7f.log.gz", // b
	"20261126T101600Z_20261126T101630Z_b3a9f210.log.gz", // c
}

// TestWriteScanFixtures regenerates the committed .log.gz files with
// -update; otherwise it checks that they still match their source above.
func TestWriteScanFixtures(t *testing.T) {
	t.Parallel()
	c := gzStored(t, scanFixture.c)
	cut := bytes.Index(c, []byte(`"WallTimeMs":999`))
	if cut < 0 {
		t.Fatal("cut marker not found")
	}
	want := map[string][]byte{
		scanFiles[0]: gz(t, scanFixture.a1, scanFixture.a3),
		scanFiles[1]: gz(t, scanFixture.b),
		scanFiles[2]: c[:cut],
	}
	for name, data := range want {
		path := filepath.Join(scanDir, name)
		if *update {
			if err := os.MkdirAll(scanDir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		// Compare decompressed content: compressed bytes may differ across
		// Go versions.
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update to create)", err)
		}
		if gunzip(t, got) != gunzip(t, data) {
			t.Errorf("%s does not match scanFixture; run with -update", name)
		}
	}
}

// gunzip decompresses what it can, tolerating a cut.
func gunzip(t *testing.T, b []byte) string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(zr)
	return string(out)
}

func scanFixtureFiles(t *testing.T, s *Scan) {
	t.Helper()
	for _, name := range scanFiles {
		f, err := os.Open(filepath.Join(scanDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.AddFile(name, f); err != nil {
			t.Fatalf("AddFile(%s): %v", name, err)
		}
		f.Close()
	}
}

// Expected figures, by hand from the fixture table above:
//
//	files 3, truncatedFiles 1 (c)
//	lines: a 7 (a1 a2 a4 a5 a6 a7 a8) + b 4 (b1 b2 b3 b5) + c 2 (c1 c2) = 13
//	skipped: malformed 1 (a4), badType 1 (a7)
//	valid records 5 + 4 + 2 = 11, duplicates 1 (b1 = a1) → records 10
//
//	pfx/OriginDO/alarm: a6, c2 → count 2
//	  wall [20 40]: sum 60, mean 30; p50 h=0.5 → 20+0.5·20 = 30; p95 h=0.95 → 20+0.95·20 = 39
//	  cpu 2+4 = 6, mean 3
//	pfx/OriginDO/fetch: a1, a2, a8, b5 → count 4
//	  wall [100 200 300 400]: sum 1000, mean 250; p50 h=1.5 → 200+0.5·100 = 250;
//	  p95 h=2.85 → 300+0.85·100 = 385
//	  cpu 5+7+6+8 = 26, mean 6.5
//	pfx-executor/""/fetch: a5, b2, b3, c1 → count 4, missingTiming 1 (b2)
//	  wall [30 50 70] (b2 has none): sum 150, mean 50; p50 h=1 → 50; p95 h=1.9 → 50+0.9·20 = 68
//	  cpu 3+4+2 = 9 over 3, mean 3
//
// "pfx" sorts before "pfx-executor"; "alarm" before "fetch".
const wantScanJSON = `{"files":3,"truncatedFiles":1,"lines":13,"records":10,"duplicates":1,` +
	`"skipped":{"malformed":1,"badType":1},"groups":[` +
	`{"scriptName":"pfx","entrypoint":"OriginDO","eventType":"alarm","count":2,"missingTiming":0,` +
	`"wallTimeMs":{"sum":60,"mean":30,"p50":30,"p95":39},"cpuTimeMs":{"sum":6,"mean":3}},` +
	`{"scriptName":"pfx","entrypoint":"OriginDO","eventType":"fetch","count":4,"missingTiming":0,` +
	`"wallTimeMs":{"sum":1000,"mean":250,"p50":250,"p95":385},"cpuTimeMs":{"sum":26,"mean":6.5}},` +
	`{"scriptName":"pfx-executor","entrypoint":"","eventType":"fetch","count":4,"missingTiming":1,` +
	`"wallTimeMs":{"sum":150,"mean":50,"p50":50,"p95":68},"cpuTimeMs":{"sum":9,"mean":3}}]}`

func TestScanFixture(t *testing.T) {
	t.Parallel()
	s := NewScan(Filter{})
	scanFixtureFiles(t, s)
	sum := s.Summary()
	got, err := json.Marshal(sum)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != wantScanJSON {
		t.Fatalf("summary JSON\n got %s\nwant %s", got, wantScanJSON)
	}
	if !slices.Equal(sum.TruncatedNames, scanFiles[2:]) {
		t.Errorf("TruncatedNames = %q", sum.TruncatedNames)
	}
	// Order of files does not change the figures.
	s2 := NewScan(Filter{})
	slices.Reverse(scanFiles)
	defer slices.Reverse(scanFiles)
	scanFixtureFiles(t, s2)
	if got2, _ := json.Marshal(s2.Summary()); string(got2) != wantScanJSON {
		t.Errorf("reverse order: %s", got2)
	}
}

func TestScanFixtureKeys(t *testing.T) {
	t.Parallel()
	for _, name := range scanFiles {
		on, err := ParseObjectKey("scan/20261126/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if on.Prefix != "scan" || DateFolder(on.Start) != "20261126" {
			t.Errorf("%s: %+v", name, on)
		}
	}
}

func TestScanWriteText(t *testing.T) {
	t.Parallel()
	s := NewScan(Filter{})
	scanFixtureFiles(t, s)
	var buf bytes.Buffer
	if err := s.Summary().WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	golden(t, "testdata/scan.txt", buf.String())
	if !strings.Contains(buf.String(), missingTimingHint) {
		t.Error("missing-timing hint not shown")
	}

	buf.Reset()
	if err := (&Scan{}).Summary().WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	golden(t, "testdata/scan-empty.txt", buf.String())
	if strings.Contains(buf.String(), "hint") {
		t.Error("hint shown without records")
	}
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run with -update to accept):\n--- got\n%s--- want\n%s", path, got, want)
	}
}

func TestScanFilter(t *testing.T) {
	t.Parallel()
	T := time.UnixMilli(1795688100000).UTC()
	tests := []struct {
		name       string
		filter     Filter
		records    int
		duplicates int
		outside    int
		groups     []string
	}{
		{name: "none", filter: Filter{}, records: 10, duplicates: 1, outside: 0,
			groups: []string{"pfx/OriginDO/alarm", "pfx/OriginDO/fetch", "pfx-executor//fetch"}},
		// a5 b2 b3 c1; the a1/b1 pair is outside, so no duplicate.
		{name: "script", filter: Filter{Script: "pfx-executor"}, records: 4, duplicates: 0, outside: 7,
			groups: []string{"pfx-executor//fetch"}},
		// T+2 ≤ t < T+8: a5 a6 a8 b2 b3 b5.
		{name: "window", filter: Filter{Since: T.Add(2 * time.Second), Until: T.Add(8 * time.Second)}, records: 6, outside: 5,
			groups: []string{"pfx/OriginDO/alarm", "pfx/OriginDO/fetch", "pfx-executor//fetch"}},
		// pfx-executor, T+6 ≤ t: b3 c1 (b3's timestamp was an RFC 3339 string).
		{name: "since only", filter: Filter{Script: "pfx-executor", Since: T.Add(6 * time.Second)}, records: 2, outside: 9,
			groups: []string{"pfx-executor//fetch"}},
		{name: "until only", filter: Filter{Until: T.Add(time.Second)}, records: 1, duplicates: 1, outside: 9,
			groups: []string{"pfx/OriginDO/fetch"}},
		{name: "no match", filter: Filter{Script: "nope"}, records: 0, outside: 11, groups: []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewScan(tt.filter)
			scanFixtureFiles(t, s)
			sum := s.Summary()
			groups := []string{}
			for _, g := range sum.Groups {
				groups = append(groups, g.ScriptName+"/"+g.Entrypoint+"/"+g.EventType)
			}
			if sum.Records != tt.records || sum.Duplicates != tt.duplicates || sum.OutsideFilter != tt.outside ||
				!slices.Equal(groups, tt.groups) {
				t.Errorf("records %d duplicates %d outside %d groups %q; want %d %d %d %q",
					sum.Records, sum.Duplicates, sum.OutsideFilter, groups, tt.records, tt.duplicates, tt.outside, tt.groups)
			}
			// Filters do not change what was read.
			if sum.Lines != 13 || sum.Skipped != (Skipped{1, 1}) {
				t.Errorf("lines %d skipped %+v", sum.Lines, sum.Skipped)
			}
		})
	}
}

func TestScanPlainAndEmpty(t *testing.T) {
	t.Parallel()
	s := NewScan(Filter{})
	if err := s.AddFile("capture.ndjson", strings.NewReader(recA+"\n"+noWall+"\n")); err != nil {
		t.Fatal(err)
	}
	if err := s.AddFile("empty.log", strings.NewReader("")); err != nil {
		t.Fatal(err)
	}
	if err := s.AddFile("x", strings.NewReader("{")); err != nil {
		t.Fatal(err)
	}
	if err := s.AddFile("notgz.log.gz", strings.NewReader("\x1f\x8bnot really")); err == nil ||
		!strings.Contains(err.Error(), "notgz.log.gz") {
		t.Fatalf("AddFile of a bad gzip header = %v", err)
	}
	got, _ := json.Marshal(s.Summary())
	want := `{"files":4,"truncatedFiles":0,"lines":3,"records":2,"duplicates":0,"skipped":{"malformed":1,"badType":0},"groups":[` +
		`{"scriptName":"a","entrypoint":"","eventType":"","count":1,"missingTiming":0,"wallTimeMs":{"sum":1,"mean":1,"p50":1,"p95":1},"cpuTimeMs":{"sum":1,"mean":1}},` +
		`{"scriptName":"nw","entrypoint":"","eventType":"","count":1,"missingTiming":1,"wallTimeMs":{"sum":0,"mean":null,"p50":null,"p95":null},"cpuTimeMs":{"sum":3,"mean":3}}]}`
	if string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}

	empty, _ := json.Marshal((&Scan{}).Summary())
	if string(empty) != `{"files":0,"truncatedFiles":0,"lines":0,"records":0,"duplicates":0,"skipped":{"malformed":0,"badType":0},"groups":[]}` {
		t.Fatalf("empty summary: %s", empty)
	}
}

// AddFile may be called from parallel downloads; the figures are the same.
func TestScanConcurrent(t *testing.T) {
	t.Parallel()
	s := NewScan(Filter{})
	var wg sync.WaitGroup
	for range 3 { // every file three times: 2 extra copies of 11 valid records
		for _, name := range scanFiles {
			data, err := os.ReadFile(filepath.Join(scanDir, name))
			if err != nil {
				t.Fatal(err)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := s.AddFile(name, bytes.NewReader(data)); err != nil {
					t.Error(err)
				}
			}()
		}
	}
	wg.Wait()
	sum := s.Summary()
	if sum.Files != 9 || sum.Lines != 39 || sum.Records != 10 || sum.Duplicates != 1+2*11 || sum.TruncatedFiles != 3 {
		t.Fatalf("summary %+v", sum)
	}
	got, _ := json.Marshal(sum.Groups)
	want, _ := json.Marshal(func() []Group {
		var w Summary
		if err := json.Unmarshal([]byte(wantScanJSON), &w); err != nil {
			t.Fatal(err)
		}
		return w.Groups
	}())
	if string(got) != string(want) {
		t.Fatalf("groups %s\nwant %s", got, want)
	}
}

// Unknown figures are null (JSON) and "—" (text), never 0; known ones keep
// full float64 precision in JSON.
func TestScanNullAndPrecision(t *testing.T) {
	t.Parallel()
	s := NewScan(Filter{})
	in := `{"ScriptName":"none","EventType":"fetch"}` + "\n" +
		`{"ScriptName":"p","WallTimeMs":1,"CPUTimeMs":1}` + "\n" +
		`{"ScriptName":"p","WallTimeMs":1,"CPUTimeMs":0}` + "\n" +
		`{"ScriptName":"p","WallTimeMs":2,"CPUTimeMs":0}` + "\n" +
		`{"ScriptName":"w","WallTimeMs":7}` + "\n"
	if err := s.AddFile("x.ndjson", strings.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	sum := s.Summary()
	got, _ := json.Marshal(sum.Groups)
	want := `[{"scriptName":"none","entrypoint":"","eventType":"fetch","count":1,"missingTiming":1,"wallTimeMs":{"sum":0,"mean":null,"p50":null,"p95":null},"cpuTimeMs":{"sum":0,"mean":null}},` +
		`{"scriptName":"p","entrypoint":"","eventType":"","count":3,"missingTiming":0,"wallTimeMs":{"sum":4,"mean":1.3333333333333333,"p50":1,"p95":1.9},"cpuTimeMs":{"sum":1,"mean":0.3333333333333333}},` +
		`{"scriptName":"w","entrypoint":"","eventType":"","count":1,"missingTiming":1,"wallTimeMs":{"sum":7,"mean":7,"p50":7,"p95":7},"cpuTimeMs":{"sum":0,"mean":null}}]`
	if string(got) != want {
		t.Fatalf("groups\n got %s\nwant %s", got, want)
	}
	var b bytes.Buffer
	if err := sum.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, row := range []string{
		"none    -           fetch      1          1         0          —         —         —        0         —",
		"p       -           -          3          0         4        1.3       1.0       1.9        1       0.3",
		"w       -           -          1          1         7        7.0       7.0       7.0        0         —",
	} {
		if !strings.Contains(b.String(), row+"\n") {
			t.Errorf("text lacks row %q:\n%s", row, b.String())
		}
	}
}

// Percentiles from value counts are stats.Percentile of the sorted values,
// bit for bit, across the dense/sparse split and merges.
func TestValueCountsPercentile(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		var a, b valueCounts
		var all []float64
		n := 1 + rng.IntN(300)
		for i := range n {
			var v int64
			switch rng.IntN(4) {
			case 0:
				v = -rng.Int64N(1000)
			case 1:
				v = denseValues - 5 + rng.Int64N(10)
			default:
				v = rng.Int64N(2000)
			}
			if i%2 == 0 {
				a.add(v)
			} else {
				b.add(v)
			}
			all = append(all, float64(v))
		}
		a.merge(&b)
		slices.Sort(all)
		for _, p := range []float64{0, 0.01, 0.5, 0.95, 0.999, 1} {
			if got, want := a.percentile(p), stats.Percentile(all, p); got != want {
				t.Fatalf("trial %d p%v: %v, want %v", trial, p, got, want)
			}
		}
	}
}

// The deferred de-duplication counts a line once across files, whichever
// file and partition its copies land in, and whatever the form of its
// entry: timing too large for an entry, copies in the same batch, lines
// whose hash is all zero (which no table slot can hold) are counted like
// any other. A Summary taken twice is the same.
func TestScanTallyAcrossFiles(t *testing.T) {
	t.Parallel()
	line := func(script string, wall int64) string {
		return fmt.Sprintf(`{"CPUTimeMs":1,"EventTimestampMs":1,"EventType":"fetch","ScriptName":%q,"WallTimeMs":%d}`, script, wall)
	}
	big := line("a", 1<<40) // a wide entry
	var f1, f2 strings.Builder
	for i := range 3000 {
		fmt.Fprintln(&f1, line("a", int64(i)))
		if i%3 == 0 {
			fmt.Fprintln(&f2, line("a", int64(i))) // 1000 copies of lines of f1
		}
	}
	fmt.Fprintln(&f1, big)
	fmt.Fprintln(&f2, big)
	fmt.Fprintln(&f2, big)
	fmt.Fprintln(&f2, line("b", 7))
	fmt.Fprintln(&f2, line("b", 7))
	s := NewScan(Filter{})
	for i, f := range []string{f1.String(), f2.String()} {
		if err := s.AddFile(fmt.Sprint(i), strings.NewReader(f)); err != nil {
			t.Fatal(err)
		}
	}
	sum := s.Summary()
	if sum.Lines != 4005 || sum.Records != 3002 || sum.Duplicates != 1003 {
		t.Fatalf("lines %d records %d duplicates %d, want 4005 3002 1003", sum.Lines, sum.Records, sum.Duplicates)
	}
	if len(sum.Groups) != 2 || sum.Groups[0].Count != 3001 || sum.Groups[1].Count != 1 {
		t.Fatalf("groups %+v", sum.Groups)
	}
	if want := int64(3000*2999/2 + 1<<40); sum.Groups[0].WallTimeMs.Sum != want {
		t.Errorf("wall sum %d, want %d", sum.Groups[0].WallTimeMs.Sum, want)
	}
	if again := s.Summary(); !reflect.DeepEqual(again, sum) {
		t.Errorf("second Summary differs:\n%+v\n%+v", again, sum)
	}

	var tab tallyTable
	accs := make([]groupAcc, 1)
	zero := entry{g: entryHasWall | entryHasCPU, wall: 5}
	other := entry{hi: 1, g: entryHasWall | entryHasCPU, wall: 6}
	if r, d := tab.tally([][]entry{{zero, other}, {zero, zero, other}}, accs); r != 2 || d != 3 || accs[0].wallSum != 11 {
		t.Errorf("zero hash: %d records, %d duplicates, wall sum %d; want 2, 3, 11", r, d, accs[0].wallSum)
	}
}

func TestEntrySize(t *testing.T) {
	t.Parallel()
	if n := unsafe.Sizeof(entry{}); n != 24 {
		t.Errorf("an entry takes %d bytes; Scan's documentation says 24", n)
	}
}

// Usual lines of many groups interleaved (more than the group caches
// hold, some runs evicted from the template memo and kept again): every
// record lands in its own group, whether found through the memo's key or
// the key's bytes.
func TestScanManyGroupsInterleaved(t *testing.T) {
	t.Parallel()
	var body strings.Builder
	const scripts, entrypoints, types = 7, 5, 4
	want := map[string]int{}
	for i := range 6000 {
		s, e, ty := i%scripts, (i/3)%entrypoints, (i/7)%types
		fmt.Fprintf(&body, `{"CPUTimeMs":1,"DispatchNamespace":"","Entrypoint":"Entrypoint-%d","Event":{},"EventTimestampMs":%d,"EventType":"type-%d","Exceptions":[],"Logs":[],"Outcome":"ok","ScriptName":"script-with-a-long-common-prefix-%d","ScriptTags":[],"ScriptVersion":{"ID":"v%d","Message":"","Tag":""},"WallTimeMs":%d}`+"\n", e, i, ty, s, i%13, i)
		want[fmt.Sprintf("script-with-a-long-common-prefix-%d/Entrypoint-%d/type-%d", s, e, ty)]++
	}
	sc := NewScan(Filter{})
	if err := sc.AddFile("many", strings.NewReader(body.String())); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, g := range sc.Summary().Groups {
		got[g.ScriptName+"/"+g.Entrypoint+"/"+g.EventType] = g.Count
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("groups differ: got %d groups, want %d\n%v\n%v", len(got), len(want), got, want)
	}
}
