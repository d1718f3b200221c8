package report

import (
	"bytes"
	"testing"

	"github.com/pfx-tui/pfx-tui/internal/billing"
	"github.com/pfx-tui/pfx-tui/internal/logpush"
)

// withBilling attributes synthetic, tagged Logpush records to the fixture's
// batches with the real collector: direct's origin waits the whole delay;
// simple's origin is short and its executor carries the wait and 2 ms CPU.
func withBilling(r *Results) *Results {
	var recs []logpush.Record
	seq := int64(0)
	rec := func(entry, event string, wall, cpu int64, id string, op int, ts int64) logpush.Record {
		seq++ // distinct timestamps: identical records would be duplicates
		return logpush.Record{WallTimeMs: logpush.Int64(wall), CPUTimeMs: logpush.Int64(cpu), EventTimestampMs: ts + seq, ScriptName: "pfx-local",
			Entrypoint: entry, EventType: event, Outcome: "ok", Logs: []logpush.Log{{Level: "log", Message: []any{"pfx", id, op}}}}
	}
	for _, b := range r.Batches {
		ts := b.StartedAt.UnixMilli()
		recs = append(recs, rec("PerformanceController", "fetch", 1, 0, b.ID, -1, ts), rec("PerformanceController", "hibernatable_web_socket", int64(b.Ops*b.DurationMs), 1, b.ID, -1, ts))
		for op := 0; op < b.OpsSeen; op++ {
			d := int64(b.DurationMs)
			recs = append(recs, logpush.Record{WallTimeMs: logpush.Int64(d), CPUTimeMs: logpush.Int64(0), ScriptName: "pfx-local", EventType: "fetch", Outcome: "ok",
				Event: &logpush.Event{Request: &logpush.Request{URL: "http://x/delay/1", Method: "GET"}}, Logs: []logpush.Log{{Level: "log", Message: []any{"pfx", b.ID, op}}}})
			switch b.Approach {
			case "direct":
				recs = append(recs, rec("OriginDO", "worker_rpc", d, 1, b.ID, op, ts))
			case "simple":
				recs = append(recs, rec("OriginDO", "worker_rpc", 1, 1, b.ID, op, ts), rec("OriginDO", "worker_rpc", 1, 1, b.ID, op, ts),
					rec("FetchExecutor", "worker_rpc", d+2, 2, b.ID, op, ts), rec("PerformanceController", "worker_rpc", 1, 0, b.ID, op, ts))
			}
		}
	}
	c := billing.NewCollector(r.Batches, billing.Options{Expectations: billing.LocalExpectations(), Source: billing.SourceLogpush})
	for _, x := range recs {
		c.AddRecord(x)
	}
	rep := c.Report()
	rep.Emulated = r.Emulated
	r.Billing = &rep
	return r
}

func TestBillingRenderersGolden(t *testing.T) {
	t.Parallel()
	r := withBilling(fixture("fix001", 0))
	for _, c := range []struct {
		name   string
		render func(*bytes.Buffer) error
	}{
		{"text-billing.golden", func(b *bytes.Buffer) error { return WriteText(b, r) }},
		{"markdown-billing.golden", func(b *bytes.Buffer) error { return WriteMarkdown(b, r) }},
	} {
		var b bytes.Buffer
		if err := c.render(&b); err != nil {
			t.Fatal(err)
		}
		golden(t, c.name, b.Bytes())
	}
	// The savings gate reads the billing report.
	th, _ := ParseThreshold("savings(simple,100ms)>0%")
	res := EvaluateThresholds(r, []Threshold{th}, r.Billing)[0]
	if res.Actual == "" || res.Actual == "100ms: no billing data" {
		t.Errorf("savings gate saw no billing: %+v", res)
	}
}
