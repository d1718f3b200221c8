package logpush

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// gz compresses each member separately and concatenates them, as
// multi-member gzip files are.
func gz(t testing.TB, members ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	for _, m := range members {
		zw := gzip.NewWriter(&buf)
		if _, err := io.WriteString(zw, m); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// gzStored compresses without compression, so that a cut of the output at
// byte k leaves a predictable amount of decompressed data.
func gzStored(t testing.TB, s string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.NoCompression)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(zw, s)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// readAll drains rd and returns the script names of the records.
func readAll(t testing.TB, rd *Reader) ([]string, error) {
	t.Helper()
	var names []string
	err := rd.Each(func(r Record) error {
		names = append(names, r.ScriptName)
		return nil
	})
	return names, err
}

const (
	recA   = `{"ScriptName":"a","WallTimeMs":1,"CPUTimeMs":1}`
	recB   = `{"ScriptName":"b","WallTimeMs":2,"CPUTimeMs":2}`
	recC   = `{"ScriptName":"c","WallTimeMs":3,"CPUTimeMs":3}`
	noWall = `{"ScriptName":"nw","CPUTimeMs":3}`
	noCPU  = `{"ScriptName":"nc","WallTimeMs":3}`
)

func TestReader(t *testing.T) {
	t.Parallel()
	lines := func(ls ...string) string { return strings.Join(ls, "\n") }
	body := lines(recA, "", recB, "   \t", "{oops", `{"WallTimeMs":"x"}`, noWall, noCPU, recC) + "\n"
	tests := []struct {
		name    string
		input   []byte
		gzipped bool
		want    []string
		stats   FileStats
	}{
		{name: "plain", input: []byte(body), want: []string{"a", "b", "nw", "nc", "c"},
			stats: FileStats{Lines: 7, Records: 5, Malformed: 1, BadType: 1, MissingTiming: 2}},
		{name: "gzip", input: gz(t, body), gzipped: true, want: []string{"a", "b", "nw", "nc", "c"},
			stats: FileStats{Lines: 7, Records: 5, Malformed: 1, BadType: 1, MissingTiming: 2}},
		{name: "gzip members split mid-line", input: gz(t, recA+"\n"+recB[:10], recB[10:]+"\n"+recC), gzipped: true,
			want: []string{"a", "b", "c"}, stats: FileStats{Lines: 3, Records: 3}},
		{name: "gzip with empty member", input: gz(t, recA+"\n", "", recB+"\n"), gzipped: true,
			want: []string{"a", "b"}, stats: FileStats{Lines: 2, Records: 2}},
		{name: "last line without newline", input: []byte(recA + "\n" + recB), want: []string{"a", "b"},
			stats: FileStats{Lines: 2, Records: 2}},
		{name: "CRLF", input: []byte(recA + "\r\n" + recB + "\r\n\r\n"), want: []string{"a", "b"},
			stats: FileStats{Lines: 2, Records: 2}},
		{name: "empty plain", input: nil, stats: FileStats{}},
		{name: "only blank lines", input: []byte("\n\n \n\t\r\n"), stats: FileStats{}},
		{name: "empty gzip member", input: gz(t, ""), gzipped: true, stats: FileStats{}},
		{name: "zero-byte gzip", input: nil, gzipped: true, stats: FileStats{Truncated: true}},
		{name: "cut gzip header", input: gz(t, body)[:5], gzipped: true, stats: FileStats{Truncated: true}},
		{name: "cut mid-line", input: cutAfter(t, recA+"\n"+recB+"\n"+recC+"\n", recC[:20]), gzipped: true,
			want: []string{"a", "b"}, stats: FileStats{Lines: 2, Records: 2, Truncated: true}},
		{name: "cut just after a newline", input: cutAfter(t, recA+"\n"+recB+"\n"+recC+"\n", recB+"\n"), gzipped: true,
			want: []string{"a", "b"}, stats: FileStats{Lines: 2, Records: 2, Truncated: true}},
		{name: "cut in the trailer drops the unterminated last line", input: cutTail(gzStored(t, recA+"\n"+recB), 4), gzipped: true,
			want: []string{"a"}, stats: FileStats{Lines: 1, Records: 1, Truncated: true}},
		{name: "cut in the trailer keeps terminated lines", input: cutTail(gzStored(t, recA+"\n"+recB+"\n"), 4), gzipped: true,
			want: []string{"a", "b"}, stats: FileStats{Lines: 2, Records: 2, Truncated: true}},
		{name: "bad checksum", input: corruptCRC(gzStored(t, recA+"\n"+recB+"\n")), gzipped: true,
			want: []string{"a", "b"}, stats: FileStats{Lines: 2, Records: 2, Truncated: true}},
		{name: "garbage after a member", input: append(gz(t, recA+"\n"), "garbage!garbage!"...), gzipped: true,
			want: []string{"a"}, stats: FileStats{Lines: 1, Records: 1, Truncated: true}},
		{name: "cut second member header", input: gz(t, recA+"\n", recB+"\n")[:len(gz(t, recA+"\n"))+5], gzipped: true,
			want: []string{"a"}, stats: FileStats{Lines: 1, Records: 1, Truncated: true}},
		{name: "cut second member mid-line", input: append(gz(t, recA+"\n"), cutAfter(t, recB+"\n"+recC+"\n", recC[:17])...), gzipped: true,
			want: []string{"a", "b"}, stats: FileStats{Lines: 2, Records: 2, Truncated: true}},
		{name: "member boundary at a clean end", input: gz(t, recA+"\n", recB), gzipped: true,
			want: []string{"a", "b"}, stats: FileStats{Lines: 2, Records: 2}},
	}
	for _, tt := range tests {
		for _, oneByte := range []bool{false, true} {
			name := tt.name
			if oneByte {
				name += "/one byte reads"
			}
			t.Run(name, func(t *testing.T) {
				var src io.Reader = bytes.NewReader(tt.input)
				if oneByte {
					src = iotest.OneByteReader(src)
				}
				rd := NewReader(src, tt.gzipped)
				got, err := readAll(t, rd)
				if err != nil {
					t.Fatalf("read: %v", err)
				}
				if strings.Join(got, ",") != strings.Join(tt.want, ",") {
					t.Errorf("records = %q, want %q", got, tt.want)
				}
				if rd.Stats() != tt.stats {
					t.Errorf("stats = %+v, want %+v", rd.Stats(), tt.stats)
				}
				// Done is sticky.
				if _, err := rd.Next(); err != io.EOF {
					t.Errorf("Next after end = %v, want io.EOF", err)
				}
			})
		}
	}
}

// cutAfter gzips s without compression and cuts the stream right after the
// first occurrence of marker in the stored data.
func cutAfter(t testing.TB, s, marker string) []byte {
	t.Helper()
	z := gzStored(t, s)
	i := bytes.Index(z, []byte(marker))
	if i < 0 {
		t.Fatalf("marker %q not in stored stream", marker)
	}
	return z[:i+len(marker)]
}

func cutTail(b []byte, n int) []byte { return b[:len(b)-n] }

func corruptCRC(b []byte) []byte {
	b = bytes.Clone(b)
	b[len(b)-8] ^= 0xff // first byte of the CRC-32 trailer
	return b
}

func TestReaderOverlongLine(t *testing.T) {
	t.Parallel()
	long := `{"ScriptName":"long","Logs":[{"Message":["` + strings.Repeat("x", MaxLineBytes) + `"]}]}`
	justFits := `{"ScriptName":"fits","Logs":[{"Message":["`
	justFits += strings.Repeat("y", MaxLineBytes-len(justFits)-len(`"]}]}`)) + `"]}]}`
	if len(justFits) != MaxLineBytes {
		t.Fatalf("bad fixture: %d", len(justFits))
	}
	body := recA + "\n" + long + "\n" + justFits + "\n" + recB + "\n" + long // last one unterminated
	for _, gzipped := range []bool{false, true} {
		in := []byte(body)
		if gzipped {
			in = gz(t, body)
		}
		rd := NewReader(bytes.NewReader(in), gzipped)
		got, err := readAll(t, rd)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(got, ",") != "a,fits,b" {
			t.Errorf("gzip=%v: records = %q", gzipped, got)
		}
		want := FileStats{Lines: 5, Records: 3, Malformed: 2, TooLong: 2, MissingTiming: 1} // fits has no timing
		if rd.Stats() != want {
			t.Errorf("gzip=%v: stats = %+v, want %+v", gzipped, rd.Stats(), want)
		}
	}
}

func TestReaderNotGzip(t *testing.T) {
	t.Parallel()
	rd := NewReader(strings.NewReader(recA+"\n"), true)
	_, err := rd.Next()
	if err == nil || err == io.EOF || !errors.Is(err, gzip.ErrHeader) {
		t.Fatalf("err = %v, want a gzip header error", err)
	}
	if _, err2 := rd.Next(); err2 != err {
		t.Errorf("second Next = %v, want the same error", err2)
	}
}

// A failing source is an error, unlike a truncation; the lines read before
// it still count.
func TestReaderSourceError(t *testing.T) {
	t.Parallel()
	boom := errors.New("connection reset")
	for _, gzipped := range []bool{false, true} {
		in := []byte(recA + "\n" + recB + "\n" + recC + "\n")
		if gzipped {
			in = gzStored(t, string(in))
		}
		cut := bytes.Index(in, []byte(`"c"`))
		src := io.MultiReader(bytes.NewReader(in[:cut]), iotest.ErrReader(boom))
		rd := NewReader(src, gzipped)
		got, err := readAll(t, rd)
		if !errors.Is(err, boom) {
			t.Fatalf("gzip=%v: err = %v, want %v", gzipped, err, boom)
		}
		if strings.Join(got, ",") != "a,b" {
			t.Errorf("gzip=%v: records = %q", gzipped, got)
		}
		if st := rd.Stats(); st.Lines != 2 || st.Truncated {
			t.Errorf("gzip=%v: stats = %+v", gzipped, st)
		}
	}
}

func TestReaderEachStopsOnCallbackError(t *testing.T) {
	t.Parallel()
	stop := errors.New("stop")
	rd := NewReader(strings.NewReader(recA+"\n"+recB+"\n"), false)
	n := 0
	err := rd.Each(func(Record) error { n++; return stop })
	if err != stop || n != 1 {
		t.Fatalf("Each = %v after %d calls", err, n)
	}
}

// refRead is the reader's specification written the slow way: split on
// '\n', skip blank lines, decode each.
func refRead(data []byte, maxLine int) (FileStats, []string) {
	var st FileStats
	var canon []string
	for _, l := range bytes.Split(data, []byte("\n")) {
		if isBlank(l) {
			continue
		}
		st.Lines++
		if len(l) > maxLine {
			st.Malformed++
			st.TooLong++
			continue
		}
		rec, err := DecodeLine(l)
		switch {
		case errors.Is(err, ErrBadType):
			st.BadType++
		case err != nil:
			st.Malformed++
		default:
			st.Records++
			if rec.WallTimeMs == nil || rec.CPUTimeMs == nil {
				st.MissingTiming++
			}
			canon = append(canon, canonical(rec))
		}
	}
	return st, canon
}

func canonical(r Record) string {
	b, err := json.Marshal(r)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func FuzzReader(f *testing.F) {
	seed := recA + "\n\n" + recB + "\r\n{oops\n" + `{"WallTimeMs":"x"}` + "\n" + noWall + "\n  \n" + recC
	f.Add([]byte(seed), false, false, false, false, uint16(0), uint16(0))
	f.Add([]byte(seed), true, false, false, false, uint16(40), uint16(0))
	f.Add([]byte(seed), true, false, true, true, uint16(7), uint16(90))
	f.Add([]byte(seed), true, false, false, true, uint16(0), uint16(3))
	f.Add([]byte(seed+"\n"), false, false, true, true, uint16(0), uint16(0))
	f.Add(gz(f, seed), true, true, false, false, uint16(0), uint16(0))
	f.Add([]byte("\x1f\x8b\x08\x00garbage"), true, true, false, false, uint16(0), uint16(0))
	f.Fuzz(func(t *testing.T, data []byte, gzipped, raw, oneByte, tiny bool, split, cut uint16) {
		maxLine, bufSize := MaxLineBytes, readBufSize
		if tiny {
			maxLine, bufSize = 40, 16 // exercise over-long lines and bufio refills
		}
		input, member1 := data, 0
		if gzipped && !raw {
			// Two members split at split (one when split is 0), optionally
			// cut at cut-1.
			if split == 0 {
				input = gz(t, string(data))
			} else {
				s := int(split) % (len(data) + 1)
				member1 = len(gz(t, string(data[:s])))
				input = gz(t, string(data[:s]), string(data[s:]))
				member1 = min(member1, len(input))
			}
		}
		cutAt := -1
		if gzipped && !raw && cut > 0 {
			cutAt = (int(cut) - 1) % len(input)
			input = input[:cutAt]
		}
		var src io.Reader = bytes.NewReader(input)
		if oneByte {
			src = iotest.OneByteReader(src)
		}
		rd := NewReader(src, gzipped)
		rd.maxLine, rd.bufSize = maxLine, bufSize
		var got []string
		err := rd.Each(func(r Record) error {
			got = append(got, canonical(r))
			return nil
		})
		st := rd.Stats()
		if st.Lines != st.Records+st.Malformed+st.BadType {
			t.Fatalf("Lines %d != Records %d + Malformed %d + BadType %d", st.Lines, st.Records, st.Malformed, st.BadType)
		}
		if st.Records != len(got) || st.MissingTiming > st.Records {
			t.Fatalf("stats %+v for %d records", st, len(got))
		}
		if _, err := rd.Next(); err != io.EOF && (err == nil || err.Error() != rd.err.Error()) {
			t.Fatalf("Next after end = %v", err)
		}
		if raw && gzipped {
			// Arbitrary bytes: only a bad first header may be an error.
			if err != nil && (!errors.Is(err, gzip.ErrHeader) || st.Lines != 0) {
				t.Fatalf("err = %v with %+v", err, st)
			}
			return
		}
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if !gzipped || cutAt < 0 {
			// Complete input: exactly the specification.
			want, wantRecs := refRead(data, maxLine)
			if st != want {
				t.Fatalf("stats = %+v, want %+v", st, want)
			}
			if strings.Join(got, "\n") != strings.Join(wantRecs, "\n") {
				t.Fatalf("records differ:\n%q\nwant\n%q", got, wantRecs)
			}
			return
		}
		if !st.Truncated {
			// Only a cut exactly between two members looks like a clean end.
			if split == 0 || cutAt != member1 {
				t.Fatalf("cut at %d of %d (member boundary %d) not reported as truncated", cutAt, len(input), member1)
			}
			s := int(split) % (len(data) + 1)
			want, wantRecs := refRead(data[:s], maxLine)
			if st != want || strings.Join(got, "\n") != strings.Join(wantRecs, "\n") {
				t.Fatalf("at member boundary: stats %+v records %q, want %+v %q", st, got, want, wantRecs)
			}
			return
		}
		// Truncated: what was emitted is a prefix of the full content's
		// records.
		want, wantRecs := refRead(data, maxLine)
		if st.Lines > want.Lines || len(got) > len(wantRecs) {
			t.Fatalf("truncated read has more than the whole: %+v vs %+v", st, want)
		}
		for i := range got {
			if got[i] != wantRecs[i] {
				t.Fatalf("record %d = %s, want %s", i, got[i], wantRecs[i])
			}
		}
	})
}
