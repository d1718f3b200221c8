package report

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/pfx-tui/pfx-tui/internal/billing"
	"github.com/pfx-tui/pfx-tui/internal/logpush"
)

// withBilling attributes synthetic, tagged Logpush records to the fixture's
// batches with the real collector: direct's origin waits the whole delay;
// simple's origin is short and its executor carries the wait and 2 ms CPU.
func withBilling(r *Results) *Results { return withBillingKept(r, func(int) bool { return true }) }

// withBillingKept is withBilling keeping only the records keep(i) admits
// (i counts the records made), to model a poll that found few or none.
func withBillingKept(r *Results, keep func(i int) bool) *Results {
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
	for i, x := range recs {
		if keep(i) {
			c.AddRecord(x)
		}
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
		{"billing.csv.golden", func(b *bytes.Buffer) error { return WriteCSV(b, r, false) }},
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

var (
	verdictLine = regexp.MustCompile(`^(break-even|margin:|allowances:)|saves \$|\+\$[0-9]|costs more than|is cheaper than|breaks even`)
	costRow     = regexp.MustCompile(`^[0-9.]+m?s +\|? *[a-z-]+ `)
)

// No data, no verdict: with billing attached but nothing (or too little)
// matched, no renderer prints a dollar figure, a saving or a break-even.
func TestNoBillingDataNoVerdict(t *testing.T) {
	for _, tt := range []struct {
		name   string
		keep   func(int) bool
		status string
	}{
		{"no records", func(int) bool { return false }, "no billing data"},
		{"a third of them", func(i int) bool { return i%3 == 0 }, "incomplete: "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := withBillingKept(fixture("fix002", 0), tt.keep)
			if r.Billing.Usable() {
				t.Fatalf("usable: %+v", r.Billing.Costs)
			}
			var text, md, csv, js bytes.Buffer
			if err := WriteText(&text, r); err != nil {
				t.Fatal(err)
			}
			if err := WriteMarkdown(&md, r); err != nil {
				t.Fatal(err)
			}
			if err := WriteCSV(&csv, r, false); err != nil {
				t.Fatal(err)
			}
			if err := WriteJSON(&js, r); err != nil {
				t.Fatal(err)
			}
			for name, out := range map[string]string{"text": text.String(), "markdown": md.String(), "ui": CostSection(r)} {
				for _, line := range strings.Split(out, "\n") {
					l := strings.TrimLeft(line, "| -")
					if verdictLine.MatchString(l) || costRow.MatchString(l) && strings.Contains(l, "$") {
						t.Errorf("%s: verdict or figure with no usable billing: %s", name, line)
					}
				}
				if !strings.Contains(out, "no verdict") || !strings.Contains(out, tt.status) {
					t.Errorf("%s: no 'no verdict' / %q line:\n%s", name, tt.status, out)
				}
			}
			for _, line := range strings.Split(csv.String(), "\n") {
				if strings.HasPrefix(line, "cost,") && !strings.HasSuffix(line, ",,,,") {
					t.Errorf("csv cost row with figures: %s", line)
				}
			}
			var got struct {
				Billing struct {
					Costs []struct {
						Usable  bool            `json:"usable"`
						Dollars json.RawMessage `json:"dollarsPerMillionOps"`
						Saving  json.RawMessage `json:"savingsVsDirectPerMillionOps"`
						Allow   json.RawMessage `json:"allowances"`
					} `json:"costs"`
					BreakEvens          []json.RawMessage `json:"breakEvens"`
					AllowanceBreakEvens []json.RawMessage `json:"allowanceBreakEvens"`
				} `json:"billing"`
			}
			if err := json.Unmarshal(js.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if len(got.Billing.Costs) == 0 || len(got.Billing.BreakEvens) != 0 || len(got.Billing.AllowanceBreakEvens) != 0 {
				t.Errorf("json: %d costs, break-evens %s %s", len(got.Billing.Costs), got.Billing.BreakEvens, got.Billing.AllowanceBreakEvens)
			}
			for _, c := range got.Billing.Costs {
				if c.Usable || c.Dollars != nil || c.Saving != nil || string(c.Allow) != "{}" {
					t.Errorf("json cost with figures: %+v %s %s %s", c.Usable, c.Dollars, c.Saving, c.Allow)
				}
			}
			// The savings gate sees no data either.
			th, _ := ParseThreshold("savings(simple,100ms)>0%")
			if res := EvaluateThresholds(r, []Threshold{th}, r.Billing)[0]; res.OK || !strings.Contains(res.Actual, "no billing data") {
				t.Errorf("gate %+v", res)
			}
		})
	}
}

// The R2 requests billing made are priced, but on the emulator they cost
// nothing and the text says so.
func TestBillingOpsPricedAndLabelled(t *testing.T) {
	t.Parallel()
	r := withBilling(fixture("ops", 0))
	r.BillingOps = &BillingOps{ClassA: 3, ClassB: 40, CostUSD: 0.0000279, Prices: "R2 Standard"}
	r.Target.Kind = "url"
	if s := BillingSection(r); !strings.Contains(s, "3 list requests (Class A) and 40 get requests (Class B): $0.000028") || strings.Contains(s, "charges nothing") {
		t.Errorf("deployed target:\n%s", s)
	}
	r.Target.Kind = "local"
	if s := BillingSection(r); !strings.Contains(s, "on R2 that would be $0.000028") || !strings.Contains(s, "the emulator's S3 charges nothing") {
		t.Errorf("local target:\n%s", s)
	}
}
