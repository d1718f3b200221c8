package logpush

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
)

// MaxLineBytes bounds one NDJSON line. Logs and Exceptions are cut by
// Cloudflare at 16,384 characters each, so a real record stays far below
// this; a longer line is corruption and is skipped as malformed rather than
// letting one bad object exhaust memory.
const MaxLineBytes = 1 << 20

// readBufSize is the bufio size under the line splitter.
const readBufSize = 64 << 10

// FileStats counts what one file held. Lines == Records + Malformed +
// BadType always holds: Lines counts every non-blank line, and a partial
// line at a truncation is not a line.
type FileStats struct {
	Lines         int `json:"lines"`
	Records       int `json:"records"`
	Malformed     int `json:"malformed"`
	BadType       int `json:"badType"`
	MissingTiming int `json:"missingTiming"`
	// Truncated is set when the stream ended early (a cut or corrupt gzip
	// tail, an unexpected EOF, or an empty gzip object): the complete lines
	// before the cut were still read, so a half-downloaded object is
	// reported, not fatal.
	Truncated bool `json:"truncated"`
	// TooLong counts the lines over MaxLineBytes, refused unread; they are
	// also counted in Malformed.
	TooLong int `json:"tooLong,omitempty"`
}

// Reader streams records out of one Logpush object, so files of any size
// are read in constant memory (bounded by MaxLineBytes). Bad lines are
// counted in Stats and skipped rather than failing the file, because one
// corrupt record must not hide the billing data of its neighbours.
type Reader struct {
	src       io.Reader
	gzipped   bool
	maxLine   int
	bufSize   int
	maxObject int64

	opened bool
	zr     *gzip.Reader
	br     *bufio.Reader
	line   []byte
	err    error // sticky: io.EOF once done, or the hard error
	stats  FileStats

	sc      lineScanner
	fields  Fields
	hash    LineHash
	lineLen int
}

// NewReader returns a Reader over r. gzipped says whether r is a gzip
// stream (Logpush objects are; every member of a multi-member stream is
// read). Nothing is read until the first Next.
func NewReader(r io.Reader, gzipped bool) *Reader {
	return &Reader{src: r, gzipped: gzipped, maxLine: MaxLineBytes, bufSize: readBufSize, maxObject: MaxObjectBytes,
		sc: lineScanner{memo: new(templateMemo)}}
}

// Next returns the next record. It returns io.EOF at the end of the stream,
// including after a truncation (see FileStats.Truncated). Any other error is
// a read error of the underlying reader or a stream that is not gzip at
// all; Stats still describes what was read before it.
func (r *Reader) Next() (Record, error) {
	for {
		line, err := r.nextLine()
		if err != nil {
			return Record{}, err
		}
		var rec Record
		if derr := decodeValid(line, &rec); derr != nil {
			// A field only a full decode checks (Logs, Event, …).
			r.stats.Records--
			if !r.fields.HasWall || !r.fields.HasCPU {
				r.stats.MissingTiming--
			}
			if errors.Is(derr, ErrMalformed) {
				r.stats.Malformed++
			} else {
				r.stats.BadType++
			}
			continue
		}
		return rec, nil
	}
}

// NextFields is Next for readers that need only the fields `logs scan`
// reports: it does not decode the rest of the line (Logs, Event, …) nor
// type-check it. The Fields are valid until the next call.
func (r *Reader) NextFields() (*Fields, error) {
	if _, err := r.nextLine(); err != nil {
		return nil, err
	}
	return &r.fields, nil
}

// LineLen is the length of the raw line of the record last returned by
// Next or NextFields.
func (r *Reader) LineLen() int { return r.lineLen }

// LineHash is the hash of the raw line of the record last returned by Next
// or NextFields, for Deduper.SeenHash: redeliveries repeat a line byte for
// byte.
func (r *Reader) LineHash() LineHash { return r.hash }

// nextLine returns the next line the scanners accept as a record, its
// fields in r.fields and its hash in r.hash, counting the others.
func (r *Reader) nextLine() ([]byte, error) {
	if !r.opened {
		r.open()
	}
	for r.err == nil {
		line, tooLong, blank, err := r.readLine()
		if err != nil && err != io.EOF {
			// The fragment read before the error is a partial line: drop it.
			if r.isTruncation(err) {
				r.stats.Truncated = true
				r.err = io.EOF
			} else if errors.Is(err, ErrObjectTooLarge) {
				r.err = err
			} else {
				r.err = fmt.Errorf("logpush: read: %w", err)
			}
			break
		}
		if err == io.EOF {
			r.err = io.EOF // a last line without a newline is complete
		}
		if blank {
			continue
		}
		r.stats.Lines++
		if tooLong {
			r.stats.Malformed++
			r.stats.TooLong++
			continue
		}
		switch reason, _ := r.sc.scan(line, &r.fields); reason {
		case ReasonMalformed:
			r.stats.Malformed++
			continue
		case ReasonBadType:
			// The scanners check the structure, not the grammar, of values
			// they do not read: broken JSON there is malformed, as for
			// DecodeLine.
			if json.Valid(line) {
				r.stats.BadType++
			} else {
				r.stats.Malformed++
			}
			continue
		}
		r.stats.Records++
		if !r.fields.HasWall || !r.fields.HasCPU {
			r.stats.MissingTiming++
		}
		r.hash, r.lineLen = HashLine(line), len(line)
		return line, nil
	}
	return nil, r.err
}

// Each calls fn for every record until the end of the stream, for callers
// that prefer a callback to a Next loop. An error from fn stops the read
// and is returned as is.
func (r *Reader) Each(fn func(Record) error) error {
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
}

// Stats returns the counts so far; final once Next has returned io.EOF.
func (r *Reader) Stats() FileStats { return r.stats }

func (r *Reader) open() {
	r.opened = true
	src := r.src
	if r.gzipped {
		zr, err := gzip.NewReader(src)
		switch {
		case err == nil:
			r.zr = zr
			src = zr
		case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
			// An empty or cut header: a gzip object is never empty.
			r.stats.Truncated = true
			r.err = io.EOF
			return
		case errors.Is(err, gzip.ErrHeader):
			r.err = fmt.Errorf("logpush: not a gzip stream: %w", err)
			return
		default:
			r.err = fmt.Errorf("logpush: read: %w", err)
			return
		}
	}
	r.br = bufio.NewReaderSize(&cappedReader{src: src, limit: r.maxObject}, r.bufSize)
}

// isTruncation tells a stream that ended early or has a corrupt tail (which
// keeps what was read) from an I/O failure of the source (which is an
// error). gzip.ErrHeader here is garbage after a complete member: the
// first header was checked in open.
func (r *Reader) isTruncation(err error) bool {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	if !r.gzipped {
		return false
	}
	var corrupt flate.CorruptInputError
	return errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.As(err, &corrupt)
}

// readLine returns the next line without its '\n'. A line longer than
// maxLine is consumed to its end but not kept (tooLong). blank reports a
// line of spaces, tabs and CRs only, which NDJSON writers leave and which
// is not a record. err is the error that ended the line, if any.
func (r *Reader) readLine() (line []byte, tooLong, blank bool, err error) {
	r.line = r.line[:0]
	blank = true
	frag, e := r.br.ReadSlice('\n')
	if e != bufio.ErrBufferFull && len(frag) <= r.maxLine+1 {
		// The whole line is in the buffer: no copy.
		blank = isBlank(frag)
		line = frag
		if n := len(line); n > 0 && line[n-1] == '\n' {
			line = line[:n-1]
		}
		if len(line) > r.maxLine {
			return nil, true, blank, e
		}
		return line, false, blank, e
	}
	for first := true; ; first = false {
		if !first {
			frag, e = r.br.ReadSlice('\n')
		}
		if blank && !isBlank(frag) {
			blank = false
		}
		if !tooLong {
			if len(r.line)+len(frag) > r.maxLine+1 { // +1: the '\n'
				tooLong = true
				r.line = r.line[:0]
			} else {
				r.line = append(r.line, frag...)
			}
		}
		if e == bufio.ErrBufferFull {
			continue
		}
		line = r.line
		if n := len(line); n > 0 && line[n-1] == '\n' {
			line = line[:n-1]
		}
		if len(line) > r.maxLine {
			tooLong = true
		}
		if tooLong {
			line = nil
		}
		return line, tooLong, blank, e
	}
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}
