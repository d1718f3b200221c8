package billing

import (
	"sort"
	"strings"

	"github.com/pfx-tui/pfx-tui/internal/logpush"
)

// spans are one role's invocation intervals within one batch, per Durable
// Object (the tag's object; "" when the tag names none), in epoch ms:
// [EventTimestampMs, EventTimestampMs + WallTimeMs). A Durable Object is
// billed once for overlapping activity (PageDOPricing: requests active on
// an object at once share its duration), so its billed active time is the
// union of these intervals, not their sum: with K fetches in flight, about
// 1/K of the sum.
type spans map[string][][2]int64

func (s *spans) add(rec logpush.Record) {
	if rec.WallTimeMs == nil || rec.EventTimestampMs == 0 {
		return
	}
	if *s == nil {
		*s = spans{}
	}
	start := rec.EventTimestampMs
	object := ObjectOf(rec)
	(*s)[object] = append((*s)[object], [2]int64{start, start + *rec.WallTimeMs})
}

// overlapMs is Σ of the intervals' lengths less their union: time that
// overlapping invocations of one object would bill twice.
func (s spans) overlapMs() int64 {
	var sum int64
	for _, iv := range s {
		for _, x := range iv {
			sum += x[1] - x[0]
		}
	}
	return sum - s.unionMs()
}

// unionMs is Σ over objects of the length of the union of their intervals.
func (s spans) unionMs() int64 {
	var total int64
	for _, iv := range s {
		total += unionLen(iv)
	}
	return total
}

// unionLen is the length of the union of intervals (sorted in place).
func unionLen(iv [][2]int64) int64 {
	sort.Slice(iv, func(i, j int) bool { return iv[i][0] < iv[j][0] })
	var total int64
	var cur [2]int64
	open := false
	for _, x := range iv {
		switch {
		case !open:
			cur, open = x, true
		case x[0] <= cur[1]:
			cur[1] = max(cur[1], x[1])
		default:
			total += cur[1] - cur[0]
			cur = x
		}
	}
	if open {
		total += cur[1] - cur[0]
	}
	return total
}

// ObjectOf is the Durable Object a record's tag names: the fifth argument
// of console.log("pfx", batchId, op, step, object); "" when none does.
func ObjectOf(rec logpush.Record) string {
	for _, l := range rec.Logs {
		if _, ok := ParseTagMessage(l.Message); !ok || len(l.Message) < 5 {
			continue
		}
		if o, ok := l.Message[4].(string); ok && strings.TrimSpace(o) != "" {
			return strings.TrimSpace(o)
		}
	}
	return ""
}

// CountsAt keeps the count rows of cells at one concurrency (a cell's
// completeness is judged on the rows of its own concurrency only).
func CountsAt(rows []Count, concurrency int) []Count {
	out := make([]Count, 0, len(rows))
	for _, r := range rows {
		if r.Concurrency == concurrency {
			out = append(out, r)
		}
	}
	return out
}
