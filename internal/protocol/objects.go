package protocol

import (
	"fmt"
	"strconv"
	"strings"
)

// OriginObject names the origin object an op of a batch runs on. One
// object, warm: "origin-<mode>", the approach's one origin (workers/'s
// ORIGIN_DO.getByName). Several (objects > 1): op i runs on object
// i mod objects, named from the batch id's run part, so every batch of a
// run, retries included, reuses them: "origin-<mode>-<run>-<i>". Cold:
// named from the whole batch id, objects no earlier batch touched:
// "origin-<mode>-<batchId>-<i>".
func OriginObject(mode, batchID string, objects int, cold bool, op int) string {
	if objects <= 1 && !cold {
		return "origin-" + mode
	}
	base := batchID
	if !cold {
		base = RunOf(batchID)
	}
	return fmt.Sprintf("origin-%s-%s-%d", mode, base, op%max(objects, 1))
}

// BatchID is a batch id's parts. Its text is "<run>-<index>", the index
// at least three digits ("ab12cd-007"), and for a retry (--retries)
// "<run>-<index>.r<attempt>" ("ab12cd-007.r1"). The retry's mark has no
// '-': the run is everything before the last '-', the rule the Worker's
// originObject (workers/src/protocol.ts) applies too, so a retry runs on
// its run's objects, on a Worker deployed before retries existed as well.
// This is the one parser of batch ids; experiment.Plan.Specs writes the
// first attempts' ids in the same form.
type BatchID struct {
	Run     string
	Index   int
	Attempt int // 0: the first attempt
}

// retryMark separates a batch id's index from its attempt.
const retryMark = ".r"

func (b BatchID) String() string {
	s := fmt.Sprintf("%s-%03d", b.Run, b.Index)
	if b.Attempt > 0 {
		s += retryMark + strconv.Itoa(b.Attempt)
	}
	return s
}

// ParseBatchID reads a batch id written by BatchID.String. ok is false
// for anything else (a hand-made or third-party id).
func ParseBatchID(id string) (b BatchID, ok bool) {
	i := strings.LastIndexByte(id, '-')
	if i <= 0 {
		return BatchID{}, false
	}
	b.Run = id[:i]
	index, attempt, retry := strings.Cut(id[i+1:], retryMark)
	if b.Index, ok = digits(index); !ok {
		return BatchID{}, false
	}
	if retry {
		if b.Attempt, ok = digits(attempt); !ok || b.Attempt == 0 {
			return BatchID{}, false
		}
	}
	return b, true
}

// digits reads a non-empty run of ASCII digits.
func digits(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// RunOf is the run part of a batch id (ParseBatchID). An id not in that
// form is cut at its last '-' as the Worker's originObject cuts it, so the
// local target names the same objects the Worker would; an id without a
// '-' is its own run.
func RunOf(batchID string) string {
	if b, ok := ParseBatchID(batchID); ok {
		return b.Run
	}
	if i := strings.LastIndexByte(batchID, '-'); i > 0 {
		return batchID[:i]
	}
	return batchID
}
