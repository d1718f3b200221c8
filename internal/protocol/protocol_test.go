package protocol

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
)

func TestFrameMarshalMatchesLumenizeShapes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		f    Frame
		want string
	}{
		{Frame{Type: TypeBatchStarted, Mode: "direct", Count: 30}, `{"count":30,"mode":"direct","type":"batch-started"}`},
		{Frame{Type: TypeTimingStart, Mode: "direct"}, `{"mode":"direct","type":"timing-start"}`},
		{Frame{Type: TypeProgress, Mode: "simple", Total: 30, Completed: 5}, `{"completed":5,"mode":"simple","total":30,"type":"progress"}`},
		{Frame{Type: TypeTimingEnd, Mode: "direct"}, `{"mode":"direct","type":"timing-end"}`},
		{Frame{Type: TypeBatchComplete, Mode: "direct", Completed: 29, Errors: 1, ErrorMessages: []string{"boom"}}, `{"completed":29,"errorMessages":["boom"],"errors":1,"mode":"direct","type":"batch-complete"}`},
		{Frame{Type: TypeBatchComplete, Mode: "direct", Completed: 3}, `{"completed":3,"errorMessages":[],"errors":0,"mode":"direct","type":"batch-complete"}`},
		{Frame{Type: TypeError, Error: UnknownModeError("bogus", []string{"direct", "proxyfetch"})}, `{"error":"Unknown mode: bogus. Available: direct, proxyfetch","type":"error"}`},
	}
	for _, c := range cases {
		b, err := json.Marshal(c.f)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != c.want {
			t.Errorf("marshal %s:\n got %s\nwant %s", c.f.Type, b, c.want)
		}
		back, err := DecodeFrame(b)
		if err != nil {
			t.Fatal(err)
		}
		if back.Type != c.f.Type || back.Mode != c.f.Mode || back.Completed != c.f.Completed || back.Error != c.f.Error {
			t.Errorf("round trip %s: %+v", c.f.Type, back)
		}
	}
}

func TestFrameEchoesBatchIDOnlyWhenSet(t *testing.T) {
	b, _ := json.Marshal(Frame{Type: TypeProgress, Mode: "direct", Total: 3, Completed: 1, BatchID: "ab-001"})
	if string(b) != `{"batchId":"ab-001","completed":1,"mode":"direct","total":3,"type":"progress"}` {
		t.Errorf("marshal: %s", b)
	}
	if f, err := DecodeFrame(b); err != nil || f.BatchID != "ab-001" {
		t.Errorf("decode: %+v %v", f, err)
	}
}

func TestParseUnknownMode(t *testing.T) {
	mode, avail, ok := ParseUnknownMode(UnknownModeError("bogus", []string{"direct", "proxyfetch"}))
	if !ok || mode != "bogus" || !reflect.DeepEqual(avail, []string{"direct", "proxyfetch"}) {
		t.Errorf("%q %v %v", mode, avail, ok)
	}
	for _, bad := range []string{"", "boom", "Unknown mode: x", "Unknown mode: . Available: a", "Unknown mode: x. Available: "} {
		if _, _, ok := ParseUnknownMode(bad); ok {
			t.Errorf("parsed %q", bad)
		}
	}
}

func TestDecodeFrameRejectsGarbage(t *testing.T) {
	t.Parallel()
	for _, in := range []string{``, `[]`, `{"mode":"direct"}`, `not json`, `{"type":5}`} {
		if _, err := DecodeFrame([]byte(in)); err == nil {
			t.Errorf("DecodeFrame(%q) accepted", in)
		}
	}
}

func TestRunBatchEncodeDecode(t *testing.T) {
	t.Parallel()
	b, _ := json.Marshal(NewRunBatch("simple", 30, 500, "ab12-003"))
	if string(b) != `{"action":"run-batch","mode":"simple","count":30,"durationMs":500,"batchId":"ab12-003"}` {
		t.Errorf("encode: %s", b)
	}
	r, err := DecodeRunBatch(b)
	if err != nil || r.Mode != "simple" || *r.DurationMs != 500 || r.BatchID != "ab12-003" {
		t.Errorf("decode: %+v %v", r, err)
	}
	// A server-defined delay is not asked for.
	if b, _ := json.Marshal(NewRunBatch("direct", 3, -1, "x")); string(b) != `{"action":"run-batch","mode":"direct","count":3,"batchId":"x"}` {
		t.Errorf("server-defined: %s", b)
	}
	// A Lumenize client sends neither extension.
	r, err = DecodeRunBatch([]byte(`{"action":"run-batch","mode":"direct","count":3}`))
	if err != nil || r.DurationMs != nil || r.BatchID != "" {
		t.Errorf("plain request: %+v %v", r, err)
	}
	for _, bad := range []string{`{"action":"run","mode":"direct","count":1}`, `{"action":"run-batch","mode":"direct","count":0}`, `{"action":"run-batch","mode":"d","count":1,"durationMs":40000}`, `{`} {
		if _, err := DecodeRunBatch([]byte(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

func TestBatchTag(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in    string
		id    string
		op    int
		match bool
	}{
		{"pfx ab12-003 7", "ab12-003", 7, true},
		{"pfx ab12-003 -1", "ab12-003", -1, true},
		{"pfx ab12-003", "ab12-003", -1, true},
		{"hello world", "", 0, false},
		{"pfx", "", 0, false},
	}
	for _, c := range cases {
		id, op, ok := ParseBatchTag(c.in)
		if ok != c.match || (ok && (id != c.id || op != c.op)) {
			t.Errorf("ParseBatchTag(%q) = %q %d %v", c.in, id, op, ok)
		}
	}
	p := Patterns{Patterns: []Pattern{{Mode: "direct"}, {Mode: "simple"}}}
	if !reflect.DeepEqual(p.Modes(), []string{"direct", "simple"}) {
		t.Error(p.Modes())
	}
}

func TestOptionalPatternsAreNotDefaults(t *testing.T) {
	// As workers/ answers GET /patterns: direct-timer is optional.
	var p Patterns
	body := `{"patterns":[{"mode":"direct","name":"D","description":"d"},{"mode":"simple","name":"S","description":"s"},` +
		`{"mode":"direct-timer","name":"T","description":"t","optional":true}]}`
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p.Modes(), []string{"direct", "simple", "direct-timer"}) || !reflect.DeepEqual(p.DefaultModes(), []string{"direct", "simple"}) {
		t.Errorf("modes %v defaults %v", p.Modes(), p.DefaultModes())
	}
	// Absent means not optional (Lumenize servers know no such field), and
	// the field is left out of JSON when false.
	out, _ := json.Marshal(Patterns{Patterns: []Pattern{{Mode: "direct"}, {Mode: "proxyfetch", Optional: true}}})
	if string(out) != `{"patterns":[{"mode":"direct","name":"","description":""},{"mode":"proxyfetch","name":"","description":"","optional":true}]}` {
		t.Errorf("json %s", out)
	}
	all := Patterns{Patterns: []Pattern{{Mode: "a", Optional: true}, {Mode: "b", Optional: true}}}
	if !reflect.DeepEqual(all.DefaultModes(), []string{"a", "b"}) {
		t.Errorf("all optional: %v", all.DefaultModes())
	}
}

func FuzzDecodeFrame(f *testing.F) {
	f.Add([]byte(`{"type":"progress","mode":"direct","total":3,"completed":1}`))
	f.Add([]byte(`{"type":"batch-complete","errorMessages":[1,2]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := DecodeFrame(data)
		if err == nil && fr.Type == "" {
			t.Fatal("accepted a frame without type")
		}
	})
}

// FuzzDecodeRunBatch: the emulator decodes whatever a client sends.
func FuzzDecodeRunBatch(f *testing.F) {
	f.Add([]byte(`{"action":"run-batch","mode":"direct","count":30,"durationMs":500,"batchId":"x"}`))
	f.Add([]byte(`{"action":"run-batch","mode":"direct","count":-1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := DecodeRunBatch(data)
		if err != nil {
			return
		}
		if r.Action != ActionRunBatch || r.Count < 1 || (r.DurationMs != nil && (*r.DurationMs < 0 || *r.DurationMs > MaxDelayMs)) {
			t.Fatalf("accepted an invalid request: %+v", r)
		}
	})
}

// FuzzParseBatchTag: log messages come from the outside (Logpush files).
func FuzzParseBatchTag(f *testing.F) {
	f.Add("pfx ab12-003 7 op")
	f.Add("pfx")
	f.Fuzz(func(t *testing.T, msg string) {
		id, _, ok := ParseBatchTag(msg)
		if ok && (id == "" || strings.ContainsAny(id, " \t\n")) {
			t.Fatalf("bad batch id %q from %q", id, msg)
		}
	})
}

func TestOpFrameAndLoadsFields(t *testing.T) {
	b, err := json.Marshal(Frame{Type: TypeOp, Mode: "direct", Op: 3, StartMs: 1.5, Ms: 500.25, Cold: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(b); got != `{"cold":true,"mode":"direct","ms":500.25,"op":3,"startMs":1.5,"type":"op"}` {
		t.Errorf("op frame %s", got)
	}
	f, err := DecodeFrame(b)
	if err != nil || f.Op != 3 || f.Ms != 500.25 || !f.Cold {
		t.Errorf("decoded %+v %v", f, err)
	}
	r, err := DecodeRunBatch([]byte(`{"action":"run-batch","mode":"direct","count":4,"concurrency":4,"objects":2,"cold":true}`))
	if err != nil || r.Concurrency != 4 || r.Objects != 2 || !r.Cold {
		t.Errorf("run-batch %+v %v", r, err)
	}
	for _, bad := range []string{`{"action":"run-batch","mode":"d","count":1,"concurrency":65}`, `{"action":"run-batch","mode":"d","count":1,"objects":-1}`} {
		if _, err := DecodeRunBatch([]byte(bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// Batch ids: one parser for the run, index and attempt; a retry's id keeps
// its run, so a warm --objects retry runs on the run's objects.
func TestBatchID(t *testing.T) {
	for _, tc := range []struct {
		id   string
		want BatchID
		ok   bool
	}{
		{"ab12cd-007", BatchID{Run: "ab12cd", Index: 7}, true},
		{"ab12cd-007.r1", BatchID{Run: "ab12cd", Index: 7, Attempt: 1}, true},
		{"ab12cd-1234.r12", BatchID{Run: "ab12cd", Index: 1234, Attempt: 12}, true},
		{"a-b-003.r2", BatchID{Run: "a-b", Index: 3, Attempt: 2}, true},
		{"ab12cd-007-r1", BatchID{}, false},
		{"ab12cd-007.r0", BatchID{}, false},
		{"ab12cd-007.r", BatchID{}, false},
		{"ab12cd-x07", BatchID{}, false},
		{"-007", BatchID{}, false},
		{"ab12cd", BatchID{}, false},
	} {
		got, ok := ParseBatchID(tc.id)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseBatchID(%q) = %+v, %v; want %+v, %v", tc.id, got, ok, tc.want, tc.ok)
		}
		if ok && got.String() != tc.id && tc.id != "ab12cd-1234.r12" {
			t.Errorf("%+v.String() = %q, want %q", got, got.String(), tc.id)
		}
	}
	if got := (BatchID{Run: "ab", Index: 1234, Attempt: 12}).String(); got != "ab-1234.r12" {
		t.Errorf("String = %q", got)
	}
	for id, run := range map[string]string{"ab-003": "ab", "ab-003.r1": "ab", "ab-003.r2": "ab", "a-b-003.r1": "a-b", "anon-xyz": "anon", "solo": "solo"} {
		if got := RunOf(id); got != run {
			t.Errorf("RunOf(%q) = %q, want %q", id, got, run)
		}
	}
	// Warm objects: a retry runs on its run's objects; cold: on its own.
	if a, b := OriginObject("direct", "ab-003", 4, false, 1), OriginObject("direct", "ab-003.r1", 4, false, 1); a != b || a != "origin-direct-ab-1" {
		t.Errorf("warm objects: batch %s, retry %s; want both origin-direct-ab-1", a, b)
	}
	if a, b := OriginObject("direct", "ab-003", 4, true, 1), OriginObject("direct", "ab-003.r1", 4, true, 1); a == b {
		t.Errorf("cold objects: the retry reuses %s", b)
	}
}

// The plan writes its batch ids in BatchID's form, so they parse back to
// the run and index.
func TestPlanIDsParse(t *testing.T) {
	for _, order := range []string{experiment.OrderSequential, experiment.OrderInterleave, experiment.OrderMinute} {
		p := experiment.Plan{Approaches: []string{"direct", "simple"}, Durations: []time.Duration{0}, Batches: 2, Ops: 1, Warmup: 1, Order: order}
		for _, s := range p.Specs("run-x") {
			b, ok := ParseBatchID(s.ID)
			if !ok || b.Run != "run-x" || b.Index != s.Index || b.Attempt != 0 || b.String() != s.ID {
				t.Errorf("%s: spec %s (index %d) parses as %+v, %v", order, s.ID, s.Index, b, ok)
			}
		}
	}
}
