package billing

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/pfx-tui/pfx-tui/internal/logpush"
	"github.com/pfx-tui/pfx-tui/internal/protocol"
)

// Tag is a batch tag found in an invocation's logs: exact attribution,
// immune to clock skew and overlapping windows.
type Tag struct {
	BatchID string `json:"batchId"`
	// Op is the op within the batch, -1 for the batch as a whole.
	Op int `json:"op"`
}

// ParseTagMessage reads one Logs[i].Message. Our workers log
// console.log("pfx", batchId, op), which Logpush stores as
// ["pfx","ab12cd-003",2]; a single string "pfx ab12cd-003 2" (protocol.BatchTag)
// is accepted too. Extra arguments after the tag are ignored; an op that is
// missing or not a number means the batch as a whole (-1).
func ParseTagMessage(msg []any) (Tag, bool) {
	if len(msg) == 0 {
		return Tag{}, false
	}
	first, ok := msg[0].(string)
	if !ok {
		return Tag{}, false
	}
	if strings.TrimSpace(first) != "pfx" {
		id, op, ok := protocol.ParseBatchTag(first)
		if !ok {
			return Tag{}, false
		}
		return Tag{BatchID: id, Op: op}, true
	}
	if len(msg) < 2 {
		return Tag{}, false
	}
	id, ok := msg[1].(string)
	id = strings.TrimSpace(id)
	if !ok || id == "" {
		return Tag{}, false
	}
	op := -1
	if len(msg) >= 3 {
		if n, ok := opNumber(msg[2]); ok {
			op = n
		}
	}
	return Tag{BatchID: id, Op: op}, true
}

// TagsOf lists the batch tags in a record's logs, in log order. An
// orchestrator alarm that dispatched several ops carries several.
func TagsOf(rec logpush.Record) []Tag {
	var out []Tag
	for _, l := range rec.Logs {
		if t, ok := ParseTagMessage(l.Message); ok {
			out = append(out, t)
		}
	}
	return out
}

// opNumber accepts the op however the JSON decoder or a hand-built record
// holds it: json.Number, float64, an integer type or a numeric string.
func opNumber(v any) (int, bool) {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return int(n), true
		}
		if f, err := x.Float64(); err == nil {
			return floatOp(f)
		}
	case float64:
		return floatOp(x)
	case int:
		return x, true
	case int64:
		return int(x), true
	case string:
		if n, err := strconv.Atoi(strings.TrimSpace(x)); err == nil {
			return n, true
		}
	}
	return 0, false
}

func floatOp(f float64) (int, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) || f != math.Trunc(f) || math.Abs(f) > 1e9 {
		return 0, false
	}
	return int(f), true
}
