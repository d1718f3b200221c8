package tail

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/pfx-tui/pfx-tui/internal/billing"
	"github.com/pfx-tui/pfx-tui/internal/logpush"
)

func readFixture(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "capture.json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestParseCapture reads a captured-format file: wrangler's text lines, six
// pretty-printed events (one twice, two back to back without a newline),
// braces and escaped quotes inside log strings and an exception message,
// a JSON object that is no event, and a last event cut mid-string.
func TestParseCapture(t *testing.T) {
	t.Parallel()
	recs, st, err := Parse(bytes.NewReader(readFixture(t)))
	if err != nil {
		t.Fatal(err)
	}
	want := Stats{Objects: 7, Events: 5, Duplicates: 1, NotEvents: 1, Broken: 1, OtherLines: 2}
	st.Bytes = 0
	if st != want {
		t.Fatalf("stats %+v, want %+v", st, want)
	}
	type row struct {
		entrypoint, eventType, outcome string
		ts, wall, cpu                  int64
		batch                          string
		op                             int
	}
	var got []row
	for _, r := range recs {
		tags := billing.TagsOf(r)
		if len(tags) != 1 {
			t.Fatalf("record %+v: tags %v", r, tags)
		}
		got = append(got, row{r.Entrypoint, r.EventType, r.Outcome, r.EventTimestampMs, *r.WallTimeMs, *r.CPUTimeMs, tags[0].BatchID, tags[0].Op})
		if r.ScriptName != "pfx-experiment" {
			t.Errorf("script %q", r.ScriptName)
		}
	}
	wantRows := []row{
		{"", "fetch", "ok", 1795860000100, 3, 1, "ab12cd-000", -1},
		{"OriginDO", "worker_rpc", "ok", 1795860000200, 105, 2, "ab12cd-000", 0},
		{"", "fetch", "ok", 1795860000202, 101, 1, "ab12cd-000", 0},
		{"PerformanceController", "hibernatable_web_socket", "ok", 1795860000150, 412, 3, "ab12cd-000", -1},
		{"FetchExecutor", "worker_rpc", "exception", 1795860000300, 100, 1, "ab12cd-001", 1},
	}
	if !reflect.DeepEqual(got, wantRows) {
		t.Fatalf("records\n got %+v\nwant %+v", got, wantRows)
	}
	// The roles come out as Logpush's would: the router and the delay
	// upstream are both the default handler, told apart by the URL.
	if r := billing.RoleOf(recs[0], nil); r != billing.RoleEntry {
		t.Errorf("router role %q", r)
	}
	if r := billing.RoleOf(recs[2], nil); r != billing.RoleUpstream {
		t.Errorf("upstream role %q", r)
	}
	if recs[0].Event == nil || recs[0].Event.RayID != "8f00aa11bb22cc33" || recs[0].Event.Response.Status != 101 {
		t.Errorf("router event %+v", recs[0].Event)
	}
	if msg := recs[1].Logs[1].Message[0]; msg != `payload {"x": 1} } { unbalanced {{ braces` {
		t.Errorf("log with braces: %q", msg)
	}
	if ex := recs[4].Exceptions; len(ex) != 1 || ex[0].Message != `upstream said: {"error": "}"}` {
		t.Errorf("exception %+v", ex)
	}
}

// TestCompactAndReorderedDuplicates: the same events written one per line
// (jq -c) parse alike, and an event whose keys come in another order is
// still the same event.
func TestCompactAndReorderedDuplicates(t *testing.T) {
	t.Parallel()
	pretty, _, err := Parse(bytes.NewReader(readFixture(t)))
	if err != nil {
		t.Fatal(err)
	}
	var compact bytes.Buffer
	objs, _, _, _ := Split(readFixture(t), true)
	for _, o := range objs {
		var v any
		if err := json.Unmarshal(o, &v); err != nil {
			t.Fatal(err)
		}
		if err := json.Compact(&compact, o); err != nil {
			t.Fatal(err)
		}
		compact.WriteByte('\n')
	}
	// The first event again, keys reordered by a round trip through a map.
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(objs[0]))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	again, _ := json.MarshalIndent(m, "", "    ")
	compact.Write(again)
	recs, st, err := Parse(&compact)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(recs, pretty) {
		t.Errorf("compact capture differs:\n%+v\n%+v", recs, pretty)
	}
	if st.Duplicates != 2 || st.Events != 5 {
		t.Errorf("stats %+v", st)
	}
}

func TestSplit(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name         string
		in           string
		atEOF        bool
		objects      []string
		consumed     int
		junk, broken int
	}{
		{"empty", "", false, nil, 0, 0, 0},
		{"one", `{"a":1}`, false, []string{`{"a":1}`}, 7, 0, 0},
		{"back to back", `{"a":1}{"b":"}"}` + "\n", false, []string{`{"a":1}`, `{"b":"}"}`}, 17, 0, 0},
		{"braces in strings", `{"m":"{{{ \" }"}`, false, []string{`{"m":"{{{ \" }"}`}, 16, 0, 0},
		{"escaped backslash before quote", `{"m":"\\"}`, false, []string{`{"m":"\\"}`}, 10, 0, 0},
		{"unfinished waits", "{\n  \"a\": 1,\n", false, nil, 0, 0, 0},
		{"unfinished at EOF is broken", "{\n  \"a\": 1,\n", true, nil, 12, 0, 1},
		{"text lines skipped", "Connected to x {y}\n{\"a\":1}\n", false, []string{`{"a":1}`}, 27, 1, 0},
		{"partial text line waits", "Connected", false, nil, 0, 0, 0},
		{"partial text line at EOF", "Connected", true, nil, 9, 1, 0},
		{"raw newline in a string breaks the object", "{\"a\": \"cut\n{\"b\":2}\n", false, []string{`{"b":2}`}, 19, 0, 1},
		{"column-0 brace inside an object starts over", "{\n  \"a\": {\n{\"b\":2}", false, []string{`{"b":2}`}, 18, 0, 1},
		{"indented nested object is not a restart", "{\n  \"a\": {\n    \"b\": 2\n  }\n}", false, []string{"{\n  \"a\": {\n    \"b\": 2\n  }\n}"}, 27, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			objs, consumed, junk, broken := Split([]byte(c.in), c.atEOF)
			var got []string
			for _, o := range objs {
				got = append(got, string(o))
			}
			if !reflect.DeepEqual(got, c.objects) || consumed != c.consumed || junk != c.junk || broken != c.broken {
				t.Errorf("Split(%q, %v) = %q, consumed %d, junk %d, broken %d; want %q, %d, %d, %d",
					c.in, c.atEOF, got, consumed, junk, broken, c.objects, c.consumed, c.junk, c.broken)
			}
		})
	}
}

// TestReaderFollowsAGrowingFile writes the capture the way wrangler does,
// a piece at a time, reading after every piece: the same events come out
// once each, whatever the cut points.
func TestReaderFollowsAGrowingFile(t *testing.T) {
	t.Parallel()
	data := readFixture(t)
	want, wantStats, _ := Parse(bytes.NewReader(data))
	for _, chunk := range []int{1, 7, 64, 333, len(data)} {
		path := filepath.Join(t.TempDir(), "tail.json")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		r := NewReader(path)
		var got []logpush.Record
		for i := 0; i < len(data); i += chunk {
			if _, err := f.Write(data[i:min(i+chunk, len(data))]); err != nil {
				t.Fatal(err)
			}
			recs, err := r.Read()
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, recs...)
		}
		got = append(got, r.Finish()...)
		f.Close()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("chunk %d: %d records, want %d", chunk, len(got), len(want))
		}
		if st := r.Stats(); st != wantStats {
			t.Errorf("chunk %d: stats %+v, want %+v", chunk, st, wantStats)
		}
	}
}

// TestReaderRestartedCapture: `wrangler tail > F` started again truncates
// the file; the events it writes anew that were already read are dropped.
func TestReaderRestartedCapture(t *testing.T) {
	t.Parallel()
	data := readFixture(t)
	path := filepath.Join(t.TempDir(), "tail.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	r := NewReader(path)
	first, err := r.Read()
	if err != nil || len(first) != 5 {
		t.Fatalf("first read: %d records, %v", len(first), err)
	}
	objs, _, _, _ := Split(data, true)
	if err := os.WriteFile(path, append(append([]byte{}, objs[1]...), '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	again, err := r.Read()
	if err != nil || len(again) != 0 {
		t.Fatalf("restarted capture: %d records, %v", len(again), err)
	}
	if st := r.Stats(); st.Duplicates != 2 {
		t.Errorf("duplicates %d, want 2", st.Duplicates)
	}
}

func TestReaderMissingFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "nothing.json")
	r := NewReader(path)
	_, err := r.Read()
	if err == nil || !strings.Contains(err.Error(), "wrangler tail --format json") {
		t.Fatalf("err %v", err)
	}
	if r.Exists() {
		t.Error("exists")
	}
}

func TestRecordEdgeShapes(t *testing.T) {
	t.Parallel()
	in := `{"outcome":"ok","scriptName":"s","entrypoint":"default","eventTimestamp":1.5e3,"wallTime":2.9,"logs":[{"level":"log","message":"pfx ab-001 3","timestamp":1500}],"event":{"scheduledTime":"2026-01-01T00:00:00Z"}}
{"outcome":"ok","scriptName":"s","eventTimestamp":2000,"event":{"cron":"* * * * *","scheduledTime":2000}}
{"outcome":"canceled","scriptName":"s","eventTimestamp":3000,"event":null,"exceptions":[{"name":"E","message":{"code":1},"timestamp":3000}]}
{"outcome":"ok","event":{"message":"sampling","type":"overload"}}
`
	recs, st, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || st.NotEvents != 1 || st.MissingTiming != 3 {
		t.Fatalf("%d records, stats %+v", len(recs), st)
	}
	r := recs[0]
	if r.Entrypoint != "" || r.EventType != "alarm" || r.EventTimestampMs != 1500 || *r.WallTimeMs != 2 || r.CPUTimeMs != nil {
		t.Errorf("first %+v", r)
	}
	if tags := billing.TagsOf(r); len(tags) != 1 || tags[0].BatchID != "ab-001" || tags[0].Op != 3 {
		t.Errorf("string tag: %+v", tags)
	}
	if recs[1].EventType != "scheduled" || recs[2].EventType != "" || recs[2].Exceptions[0].Message != `{"code":1}` {
		t.Errorf("%+v %+v", recs[1], recs[2])
	}
}
