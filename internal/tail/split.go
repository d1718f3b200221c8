// Package tail reads a `wrangler tail --format json` capture: pretty-printed
// JSON objects one after another (wrangler prints JSON.stringify(event,
// null, 2) for every event), possibly interleaved with wrangler's own text
// lines, possibly cut off mid-object by Ctrl-C, possibly still growing while
// wrangler writes it. Each event becomes a logpush.Record, the input the
// billing collector attributes, so a tail capture bills a run the same way
// Logpush files do. Events seen twice (two tail sessions into one file, an
// appended re-capture) are dropped, never summed as separate invocations.
package tail

import "bytes"

// Split finds the top-level JSON objects in data without decoding them.
//
// It tracks strings and escapes, so braces inside log messages do not
// confuse it (counting braces per line does). An object starts at a '{'
// found outside any object; text outside objects that does not start with
// '{' (wrangler's "Connected to …" lines) is skipped a line at a time and
// counted in junk. An object is abandoned (counted in broken) when a raw
// newline appears inside one of its strings, which JSON forbids and
// pretty-printed output never contains, or when a '{' opens a line at
// column 0 inside it: wrangler indents nested objects, so that is the next
// event after a capture was cut mid-object. Scanning resumes at that line.
//
// consumed is how much of data is settled: data[consumed:] is an object or
// a line still being written, to be passed again with what follows. When
// atEOF is set nothing follows: an unfinished object is counted in broken
// and everything is consumed.
func Split(data []byte, atEOF bool) (objects [][]byte, consumed, junk, broken int) {
	i := 0
	n := len(data)
	for i < n {
		c := data[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
			consumed = i
			continue
		case c != '{':
			// A line of other text: skip to its end.
			j := bytes.IndexByte(data[i:], '\n')
			if j < 0 {
				if !atEOF {
					return objects, consumed, junk, broken
				}
				junk++
				return objects, n, junk, broken
			}
			junk++
			i += j + 1
			consumed = i
			continue
		}
		end, restart := scanObject(data, i)
		switch {
		case end > 0:
			objects = append(objects, data[i:end])
			i = end
			consumed = i
		case restart > 0:
			broken++
			i = restart
			consumed = i
		default: // unfinished
			if !atEOF {
				return objects, consumed, junk, broken
			}
			broken++
			return objects, n, junk, broken
		}
	}
	return objects, consumed, junk, broken
}

// scanObject reads the object opening at data[start]. It returns end (one
// past its closing brace) when it is complete; else restart > 0, where
// scanning resumes after a broken object; else neither (data ends first).
func scanObject(data []byte, start int) (end, restart int) {
	depth := 0
	inString, escaped := false, false
	for i := start; i < len(data); i++ {
		c := data[i]
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			case c == '\n':
				// A raw newline cannot be inside a JSON string: the object
				// was cut here. Resume at the next line.
				return 0, i + 1
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{':
			if i > start && data[i-1] == '\n' {
				// A new top-level object at column 0: the one we were in
				// was cut short.
				return 0, i
			}
			depth++
		case '}':
			depth--
			if depth == 0 {
				return i + 1, 0
			}
		}
	}
	return 0, 0
}
