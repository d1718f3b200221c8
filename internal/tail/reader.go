package tail

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/pfx-tui/pfx-tui/internal/logpush"
)

// Stats say what a capture held, so a short billing count can be traced to
// the capture rather than the attribution.
type Stats struct {
	// Bytes read so far.
	Bytes int64 `json:"bytes"`
	// Objects is every complete JSON object found.
	Objects int `json:"objects"`
	// Events are the invocations handed on, each once.
	Events int `json:"events"`
	// Duplicates are events identical to one already handed on (the same
	// event captured twice): dropped, never counted as a second invocation.
	Duplicates int `json:"duplicates"`
	// NotEvents are objects that are no invocation: the tail's notes about
	// itself, or other JSON in the file.
	NotEvents int `json:"notEvents"`
	// Malformed objects had balanced braces but were no valid JSON, or a
	// field of the wrong type.
	Malformed int `json:"malformed"`
	// Broken objects were cut short (the capture was interrupted while
	// wrangler was writing one).
	Broken int `json:"broken"`
	// OtherLines are lines of text outside the JSON (wrangler's
	// "Connected to …" messages when stdout and stderr were both captured).
	OtherLines int `json:"otherLines"`
	// MissingTiming counts events without wallTime or cpuTime.
	MissingTiming int `json:"missingTiming"`
}

// decoder turns JSON objects into records, dropping duplicate events.
type decoder struct {
	seen  map[[sha256.Size]byte]struct{}
	stats Stats
}

// feed splits data, decodes its complete objects and returns their records
// and how much of data it consumed (see Split).
func (d *decoder) feed(data []byte, atEOF bool) ([]logpush.Record, int) {
	objs, consumed, junk, broken := Split(data, atEOF)
	d.stats.OtherLines += junk
	d.stats.Broken += broken
	var out []logpush.Record
	for _, obj := range objs {
		if rec, ok := d.object(obj); ok {
			out = append(out, rec)
		}
	}
	return out, consumed
}

// object decodes one JSON object; ok is false when it is no new event.
func (d *decoder) object(obj []byte) (logpush.Record, bool) {
	d.stats.Objects++
	// One decode for identity: key order and spacing do not make two
	// captures of one event different.
	var generic map[string]any
	dec := json.NewDecoder(bytes.NewReader(obj))
	dec.UseNumber()
	if err := dec.Decode(&generic); err != nil || generic == nil {
		d.stats.Malformed++
		return logpush.Record{}, false
	}
	_, hasTS := generic["eventTimestamp"]
	_, hasOutcome := generic["outcome"]
	_, hasWall := generic["wallTime"]
	if !hasTS && !hasOutcome && !hasWall {
		d.stats.NotEvents++
		return logpush.Record{}, false
	}
	var ev Event
	if err := json.Unmarshal(obj, &ev); err != nil {
		d.stats.Malformed++
		return logpush.Record{}, false
	}
	if ev.isInfo() {
		d.stats.NotEvents++
		return logpush.Record{}, false
	}
	canon, err := json.Marshal(generic) // map keys sorted, numbers as written
	if err != nil {
		d.stats.Malformed++
		return logpush.Record{}, false
	}
	key := sha256.Sum256(canon)
	if _, dup := d.seen[key]; dup {
		d.stats.Duplicates++
		return logpush.Record{}, false
	}
	if d.seen == nil {
		d.seen = map[[sha256.Size]byte]struct{}{}
	}
	d.seen[key] = struct{}{}
	d.stats.Events++
	rec := ev.Record()
	if rec.WallTimeMs == nil || rec.CPUTimeMs == nil {
		d.stats.MissingTiming++
	}
	return rec, true
}

// Parse reads a whole capture: every event once, in file order.
func Parse(r io.Reader) ([]logpush.Record, Stats, error) {
	data, err := io.ReadAll(r)
	var d decoder
	d.stats.Bytes = int64(len(data))
	recs, _ := d.feed(data, true)
	return recs, d.stats, err
}

// Reader follows a capture file that may still be growing (`wrangler tail
// --format json > F` running in another terminal): each Read returns the
// events written since the last one. A Reader is not safe for concurrent
// use.
type Reader struct {
	path    string
	off     int64  // file offset read up to
	pending []byte // read but not settled: an object still being written
	d       decoder
	exists  bool
}

// NewReader follows the capture at path; nothing is read before Read.
func NewReader(path string) *Reader { return &Reader{path: path} }

// Path is the capture's file name.
func (r *Reader) Path() string { return r.path }

// Stats are the counts so far.
func (r *Reader) Stats() Stats { return r.d.stats }

// Exists reports whether the file was there at the last Read.
func (r *Reader) Exists() bool { return r.exists }

// ErrNoCapture is wrapped by Read's error when the file does not exist.
var ErrNoCapture = errors.New("tail capture not found")

// Read returns the new events' records. A file that shrank was started
// over (wrangler tail > F again): it is read from the start, and events
// already handed on are dropped as duplicates.
func (r *Reader) Read() ([]logpush.Record, error) {
	f, err := os.Open(r.path)
	if errors.Is(err, os.ErrNotExist) {
		r.exists = false
		return nil, fmt.Errorf("%w: %s (start `npx wrangler tail --format json > %s` before the run)", ErrNoCapture, r.path, r.path)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r.exists = true
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() < r.off {
		r.off, r.pending = 0, nil
	}
	if _, err := f.Seek(r.off, io.SeekStart); err != nil {
		return nil, err
	}
	fresh, err := io.ReadAll(f)
	if err != nil {
		return nil, err
	}
	r.off += int64(len(fresh))
	r.d.stats.Bytes += int64(len(fresh))
	data := append(r.pending, fresh...)
	recs, consumed := r.d.feed(data, false)
	r.pending = append([]byte(nil), data[consumed:]...)
	return recs, nil
}

// Finish settles what is left once the capture is over: an object still
// unfinished was cut short (counted in Broken), a last line without a
// newline is read.
func (r *Reader) Finish() []logpush.Record {
	recs, _ := r.d.feed(r.pending, true)
	r.pending = nil
	return recs
}
