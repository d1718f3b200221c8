package billing

// Reading: Logpush objects (gzip or plain NDJSON) into the collector, with
// per-file problems counted and named.

import (
	"bufio"
	"fmt"
	"io"

	"github.com/pfx-tui/pfx-tui/internal/logpush"
)

// AddObject reads one Logpush object (gzip NDJSON; a plain NDJSON capture
// works too) and attributes its records. Bad lines and a truncated stream
// are counted, not fatal; an error means the body could not be read, and
// the records read before it are kept.
func (c *Collector) AddObject(key string, body io.Reader) error {
	br := bufio.NewReaderSize(body, 64<<10)
	magic, err := br.Peek(2)
	if err != nil && err != io.EOF {
		c.addFile(key, logpush.FileStats{}, err)
		return fmt.Errorf("%s: %w", key, err)
	}
	gz := logpush.IsGzip(magic)
	rd := logpush.NewReader(br, gz)
	err = rd.Each(func(rec logpush.Record) error {
		// A redelivery repeats the line byte for byte: de-duplicate on the
		// line, not on what was decoded of it.
		c.mu.Lock()
		defer c.mu.Unlock()
		c.add(rec, c.dedupe.SeenHash(rd.LineHash()))
		return nil
	})
	c.addFile(key, rd.Stats(), err)
	if err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	return nil
}

// maxFileProblems bounds the per-file list in the report; totals stay exact.
const maxFileProblems = 50

func (c *Collector) addFile(key string, st logpush.FileStats, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f := &c.files
	f.Files++
	f.Lines += st.Lines
	f.Records += st.Records
	f.Malformed += st.Malformed
	f.TooLong += st.TooLong
	f.BadType += st.BadType
	f.MissingTiming += st.MissingTiming
	if st.Truncated {
		f.Truncated++
	}
	if err != nil {
		f.ReadErrors++
	}
	if st.Truncated || st.Malformed > 0 || st.BadType > 0 || st.MissingTiming > 0 || err != nil {
		if len(f.Problems) < maxFileProblems {
			p := FileProblem{Key: key, FileStats: st}
			if err != nil {
				p.Error = err.Error()
			}
			f.Problems = append(f.Problems, p)
		}
	}
}
