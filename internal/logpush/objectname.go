package logpush

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrObjectKey is wrapped by ParseObjectKey's errors, so a bucket listing
// can skip keys that are not Logpush data objects (Logpush also writes an
// ownership-challenge file) with errors.Is.
var ErrObjectKey = errors.New("not a Logpush object key")

// ObjectName is what a Logpush object key says about the object. Start and
// End are the push window (processing time), not event time: they tell a
// poller which objects can be new, not which invocations they hold.
type ObjectName struct {
	// Prefix is the destination path before the date folder, without a
	// trailing slash; empty when objects sit at the bucket root.
	Prefix string
	// Date is the date folder, midnight UTC.
	Date time.Time
	// Start and End bound the push window, UTC, to the second.
	Start, End time.Time
	// Hex is the 8-hex-digit suffix that makes the key unique.
	Hex string
}

const (
	objectSuffix = ".log.gz"
	dayLayout    = "20060102"
	stampLayout  = "20060102T150405Z"
)

// ParseObjectKey parses [<prefix>/]<YYYYMMDD>/<start>Z_<end>Z_<8 hex>.log.gz,
// e.g. logs/workers/20261126/20261126T101500Z_20261126T101530Z_9af500e2.log.gz.
// It is strict (real calendar dates and times, End not before Start) so that
// a stray key cannot move a poller's window. The date folder is not required
// to equal Start's day: a window can cross midnight.
func ParseObjectKey(key string) (ObjectName, error) {
	fail := func(format string, args ...any) (ObjectName, error) {
		return ObjectName{}, fmt.Errorf("logpush: object key %q: %w: %s", key, ErrObjectKey, fmt.Sprintf(format, args...))
	}
	rest, ok := strings.CutSuffix(key, objectSuffix)
	if !ok {
		return fail("does not end in %s", objectSuffix)
	}
	slash := strings.LastIndexByte(rest, '/')
	if slash < 0 {
		return fail("no date folder")
	}
	dir, base := rest[:slash], rest[slash+1:]
	var on ObjectName
	folder := dir
	if i := strings.LastIndexByte(dir, '/'); i >= 0 {
		on.Prefix, folder = dir[:i], dir[i+1:]
	}
	if !digitsMatch(folder, "dddddddd") {
		return fail("date folder %q is not YYYYMMDD", folder)
	}
	d, err := time.Parse(dayLayout, folder)
	if err != nil {
		return fail("date folder %q: %v", folder, err)
	}
	on.Date = d
	parts := strings.Split(base, "_")
	if len(parts) != 3 {
		return fail("name is not <start>_<end>_<hex>")
	}
	for i, dst := range []*time.Time{&on.Start, &on.End} {
		p := parts[i]
		if !digitsMatch(p, "ddddddddTddddddZ") {
			return fail("%q is not YYYYMMDDTHHMMSSZ", p)
		}
		t, err := time.Parse(stampLayout, p)
		if err != nil {
			return fail("%q: %v", p, err)
		}
		*dst = t
	}
	if on.End.Before(on.Start) {
		return fail("end %s is before start %s", parts[1], parts[0])
	}
	if !isHex8(parts[2]) {
		return fail("suffix %q is not 8 hex digits", parts[2])
	}
	on.Hex = parts[2]
	return on, nil
}

// digitsMatch checks s against a pattern where 'd' is an ASCII digit and
// any other byte must match itself; time.Parse alone would let signs and
// short fields through.
func digitsMatch(s, pattern string) bool {
	if len(s) != len(pattern) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if pattern[i] == 'd' {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		} else if s[i] != pattern[i] {
			return false
		}
	}
	return true
}

func isHex8(s string) bool {
	if len(s) != 8 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// DateFolder is the Logpush date folder name of t's UTC day, for building
// list prefixes.
func DateFolder(t time.Time) string { return t.UTC().Format(dayLayout) }

// DateFoldersBetween lists the date folders of every UTC day that the window
// [from, to] touches, in order, so a poll can list each folder where new
// objects may appear even when a run crosses midnight. It returns nil when
// to is before from.
func DateFoldersBetween(from, to time.Time) []string {
	from, to = from.UTC(), to.UTC()
	if to.Before(from) {
		return nil
	}
	day := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, time.UTC)
	var out []string
	for !day.After(to) {
		out = append(out, day.Format(dayLayout))
		day = day.AddDate(0, 0, 1)
	}
	return out
}
