package protocol

import (
	"fmt"
	"strings"
)

// OriginObject names the origin object an op of a batch runs on. One
// object, warm: "origin-<mode>", the approach's one origin (workers/'s
// ORIGIN_DO.getByName). Several (objects > 1): op i runs on object
// i mod objects, named from the batch id's run part, so every batch of a
// run reuses them: "origin-<mode>-<run>-<i>". Cold: named from the whole
// batch id, objects no earlier batch touched: "origin-<mode>-<batchId>-<i>".
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

// RunOf is the run part of a batch id "<run>-NNN" (the id itself when it
// has no such suffix).
func RunOf(batchID string) string {
	if i := strings.LastIndexByte(batchID, '-'); i > 0 {
		return batchID[:i]
	}
	return batchID
}
