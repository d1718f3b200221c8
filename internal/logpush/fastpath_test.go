package logpush

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// logpushLine is one record in Logpush's form (the fast path's).
const logpushLine = `{"CPUTimeMs":3,"DispatchNamespace":"","Entrypoint":"OriginDO","Event":{"RayID":"8e1a","Request":{"URL":"https://x/delay/100?batch=ab-1&op=2","Method":"GET"},"Response":{"Status":200}},` +
	`"EventTimestampMs":1795688100000,"EventType":"fetch","Exceptions":[],"Logs":[{"Level":"log","Message":["pfx ab-1 2",7],"TimestampMs":1795688100010}],` +
	`"Outcome":"ok","ScriptName":"pfx","ScriptTags":[],"ScriptVersion":{"ID":"b6d9","Message":"","Tag":""},"WallTimeMs":120}`

// adversarialLines are lines near the Logpush form that the fast path must
// either read exactly as the general scanner does or leave to it.
func adversarialLines() []string {
	l := logpushLine
	r := strings.NewReplacer
	lines := []string{
		l,
		l + "\r", // CRLF
		l + " ",
		" " + l,
		// Without timing (old jobs), and with one of the two.
		r(`"CPUTimeMs":3,`, ``, `,"WallTimeMs":120`, ``).Replace(l),
		r(`"CPUTimeMs":3,`, ``).Replace(l),
		r(`,"WallTimeMs":120`, ``).Replace(l),
		// Reordered fields.
		r(`"EventType":"fetch",`, ``, `"ScriptName":"pfx",`, `"ScriptName":"pfx","EventType":"fetch",`).Replace(l),
		r(`{"CPUTimeMs":3,`, `{`, `"WallTimeMs":120}`, `"WallTimeMs":120,"CPUTimeMs":3}`).Replace(l),
		// "ScriptName" inside a log message, escaped quotes, nested
		// objects with the keys the scan reads.
		r(`"Message":["pfx ab-1 2",7]`, `"Message":["\",\"ScriptName\":\"evil\",\"x\":\"",7]`).Replace(l),
		r(`"Message":["pfx ab-1 2",7]`, `"Message":["],\"Outcome\":\"ok\",\"ScriptName\":\"evil"]`).Replace(l),
		r(`"Message":["pfx ab-1 2",7]`, `"Message":[{"ScriptName":"evil","WallTimeMs":"x"}]`).Replace(l),
		r(`"RayID":"8e1a"`, `"RayID":"8e1a","ScriptName":"evil","EventType":null`).Replace(l),
		r(`"ScriptName":"pfx"`, `"ScriptName":"p\"f\\x\u00e9"`).Replace(l),
		r(`"ScriptName":"pfx"`, "\"ScriptName\":\"pf\xffx\"").Replace(l),
		r(`"ScriptName":"pfx"`, `"ScriptName":"pfx é"`).Replace(l),
		// Null and wrong types.
		r(`"ScriptName":"pfx"`, `"ScriptName":null`).Replace(l),
		r(`"Entrypoint":"OriginDO"`, `"Entrypoint":null`).Replace(l),
		r(`"Entrypoint":"OriginDO"`, `"Entrypoint":7`).Replace(l),
		r(`"EventType":"fetch"`, `"EventType":null`).Replace(l),
		r(`"WallTimeMs":120`, `"WallTimeMs":null`).Replace(l),
		r(`"WallTimeMs":120`, `"WallTimeMs":"120"`).Replace(l),
		r(`"WallTimeMs":120`, `"WallTimeMs":120.0`).Replace(l),
		r(`"CPUTimeMs":3`, `"CPUTimeMs":-0`).Replace(l),
		r(`"CPUTimeMs":3`, `"CPUTimeMs":03`).Replace(l),
		r(`"CPUTimeMs":3`, `"CPUTimeMs":99999999999999999999`).Replace(l),
		r(`"EventTimestampMs":1795688100000`, `"EventTimestampMs":"2026-11-26T10:15:00Z"`).Replace(l),
		r(`"EventTimestampMs":1795688100000`, `"EventTimestampMs":1.7956881e12`).Replace(l),
		r(`"Logs":[`, `"Logs":5,"X":[`).Replace(l),
		// Whitespace, case, repeated and unknown keys.
		r(`"ScriptName":"pfx"`, `"ScriptName" : "pfx"`).Replace(l),
		r(`"ScriptName":"pfx"`, `"scriptname":"pfx"`).Replace(l),
		strings.TrimSuffix(l, "}") + `,"ScriptName":"again"}`,
		strings.TrimSuffix(l, "}") + `,"Sampled":true}`,
		// Broken JSON inside the values the fast path skips.
		r(`"Response":{"Status":200}`, `"Response":{"Status":200,}`).Replace(l),
		r(`"Message":["pfx ab-1 2",7]`, `"Message":["pfx ab-1 2",07]`).Replace(l),
		r(`"Message":["pfx ab-1 2",7]`, "\"Message\":[\"pfx\tab\",7]").Replace(l),
		r(`"Message":["pfx ab-1 2",7]`, `"Message":["pfx \q",7]`).Replace(l),
		r(`"ScriptTags":[]`, `"ScriptTags":[`).Replace(l),
		r(`"Exceptions":[]`, `"Exceptions":[]]`).Replace(l),
		l + "}",
		l + l,
	}
	// Every cut of the line (a truncated last line) and every single-byte
	// change to a structural or telling character.
	for i := range len(l) {
		lines = append(lines, l[:i])
		for _, c := range []byte{'"', '\\', '{', '}', '[', ']', ',', ':', ' ', 'x', '0', '\r'} {
			b := []byte(l)
			b[i] = c
			lines = append(lines, string(b))
		}
	}
	return lines
}

// memoLines warm a template memo: usual lines of several scripts,
// entrypoints and event types, whose runs the lines under test may share
// in part or in whole.
var memoLines = []string{
	`{"CPUTimeMs":0,"DispatchNamespace":"","Entrypoint":"E","Event":{"RpcMethod":"x"},"EventTimestampMs":1795737600001,"EventType":"worker_rpc","Exceptions":[],"Logs":[],"Outcome":"ok","ScriptName":"s","ScriptTags":[],"ScriptVersion":{"ID":"i","Message":"","Tag":""},"WallTimeMs":80}`,
	`{"CPUTimeMs":3,"DispatchNamespace":"","Entrypoint":"OriginDO","Event":{"RayID":"1"},"EventTimestampMs":1795688100000,"EventType":"fetch","Exceptions":[],"Logs":[],"Outcome":"ok","ScriptName":"pfx","ScriptTags":[],"ScriptVersion":{"ID":"v1","Message":"","Tag":""},"WallTimeMs":120}`,
	`{"CPUTimeMs":1,"DispatchNamespace":"","Entrypoint":"","Event":{},"EventTimestampMs":0,"EventType":"","Exceptions":[],"Logs":[],"Outcome":"ok","ScriptName":"","ScriptTags":[],"ScriptVersion":{},"WallTimeMs":2}`,
	logpushLine,
}

func scanBoth(t testing.TB, line []byte) {
	t.Helper()
	var plain lineScanner
	warm := lineScanner{memo: new(templateMemo)}
	var f Fields
	for _, l := range memoLines {
		warm.fast([]byte(l), &f)
	}
	var fg Fields
	rg, fg2 := plain.general(line, &fg)
	// Without a memo, with one the usual lines warmed, and with the line's
	// own runs in it (the second read of the line by the same scanner).
	for i, sc := range []*lineScanner{&plain, &warm, &warm} {
		var ff Fields
		fast := sc.fast(line, &ff)
		rf, ff2 := sc.scan(line, &ff)
		if rf != rg || ff2 != fg2 {
			t.Fatalf("scanner %d: scan %q %q, general %q %q (fast path taken: %v) for\n%q", i, rf, ff2, rg, fg2, fast, line)
		}
		if rf == "" && fieldsOf(&ff) != fieldsOf(&fg) {
			t.Fatalf("scanner %d: scan read %s\ngeneral   %s\nfor %q", i, fieldsOf(&ff), fieldsOf(&fg), line)
		}
	}
}

// Lines of many scripts, entrypoints and event types in turn: each run is
// kept once and found from then on (the sets do not evict one another).
func TestTemplateMemoKeepsRuns(t *testing.T) {
	t.Parallel()
	sc := lineScanner{memo: new(templateMemo)}
	var f Fields
	const kinds = 12
	for round := range 50 {
		for k := range kinds {
			line := fmt.Sprintf(`{"CPUTimeMs":%d,"DispatchNamespace":"","Entrypoint":"Entry%d","Event":{},"EventTimestampMs":1,"EventType":"type%d","Exceptions":[],"Logs":[],"Outcome":"ok","ScriptName":"script-%d","ScriptTags":[],"ScriptVersion":{"ID":"v%d","Message":"","Tag":""},"WallTimeMs":%d}`, round, k, k, k, k, k)
			if !sc.template([]byte(line), &f) || string(f.ScriptName) != fmt.Sprintf("script-%d", k) {
				t.Fatalf("round %d kind %d: %s", round, k, fieldsOf(&f))
			}
		}
	}
	if want := uint32(3 * kinds); sc.memo.kept > want+3 {
		t.Errorf("%d runs kept for %d distinct runs: the memo evicts what it still uses", sc.memo.kept, want)
	}
}

// A run found in the memo reads as it did, and one byte different in it,
// or after it, is not taken for it.
func TestTemplateMemo(t *testing.T) {
	t.Parallel()
	sc := lineScanner{memo: new(templateMemo)}
	var f Fields
	line := []byte(memoLines[1])
	if !sc.template(line, &f) {
		t.Fatal("usual line refused")
	}
	want := fieldsOf(&f)
	kept := 0
	for r := range sc.memo.runs {
		for _, set := range sc.memo.runs[r] {
			for _, s := range set.slot {
				if s.n > 0 {
					kept++
				}
			}
		}
	}
	if kept != len(runSpecs) {
		t.Fatalf("%d runs kept, want %d", kept, len(runSpecs))
	}
	// Another line of the same script and entrypoint: its runs come from
	// the memo.
	other := []byte(strings.Replace(strings.Replace(memoLines[1], `"WallTimeMs":120`, `"WallTimeMs":7`, 1), `"CPUTimeMs":3`, `"CPUTimeMs":4`, 1))
	if !sc.template(other, &f) || fieldsOf(&f) != strings.Replace(strings.Replace(want, "wall=120", "wall=7", 1), "cpu=3", "cpu=4", 1) {
		t.Fatalf("from the memo: %s", fieldsOf(&f))
	}
	// Every byte changed in turn: read as the general scanner reads it.
	for k := range line {
		for _, c := range []byte{'"', '}', 'x', ' ', '\\'} {
			if line[k] == c {
				continue
			}
			bad := bytes.Clone(line)
			bad[k] = c
			scanBoth(t, bad) // its scanners have the original line's runs
		}
	}
}

// The fast path and the general scanner agree on generated data and on
// adversarial lines near the Logpush form.
func TestFastPathMatchesGeneral(t *testing.T) {
	t.Parallel()
	var sc lineScanner
	var f Fields
	if !sc.fast([]byte(logpushLine), &f) || fieldsOf(&f) != `script="pfx" ep="OriginDO" ev="fetch" ts=1795688100000 wall=120 cpu=3` {
		t.Fatalf("fast path refused or misread the Logpush form: %s", fieldsOf(&f))
	}
	taken := 0
	for _, line := range adversarialLines() {
		scanBoth(t, []byte(line))
		if sc.fast([]byte(line), &f) {
			taken++
		}
	}
	if taken < 10 {
		t.Errorf("fast path taken for only %d adversarial lines", taken)
	}

	dir := t.TempDir()
	st, err := Generate(dir, GenOptions{Records: 2000, Files: 2, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range st.Files {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range bytes.Split([]byte(strings.TrimSuffix(gunzip(t, data), "\n")), []byte("\n")) {
			if !sc.fast(line, &f) {
				t.Fatalf("generated line not in Logpush's form: %s", line)
			}
			scanBoth(t, line)
		}
	}
}

// A file of adversarial lines (CRLF, a cut last line) scans to the same
// summary whichever scanner reads it.
func TestFastPathScanFile(t *testing.T) {
	t.Parallel()
	lines := adversarialLines()
	body := strings.Join(lines[:45], "\r\n") + "\n" + logpushLine[:100]
	s := NewScan(Filter{})
	if err := s.AddFile("adv.ndjson", strings.NewReader(body)); err != nil {
		t.Fatal(err)
	}
	var ref Summary
	{
		// The same counts by the general scanner, line by line.
		var sc lineScanner
		var f Fields
		for _, l := range strings.Split(body, "\n") {
			if strings.Trim(l, " \t\r") == "" {
				continue
			}
			ref.Lines++
			switch r, _ := sc.general([]byte(l), &f); r {
			case ReasonMalformed:
				ref.Skipped.Malformed++
			case ReasonBadType:
				ref.Skipped.BadType++
			}
		}
	}
	sum := s.Summary()
	if sum.Lines != ref.Lines || sum.Skipped != ref.Skipped || sum.Records+sum.Duplicates != ref.Lines-ref.Skipped.Malformed-ref.Skipped.BadType {
		t.Fatalf("scan %+v\nwant lines %d skipped %+v", sum, ref.Lines, ref.Skipped)
	}
	if sum.Skipped.Malformed == 0 || sum.Skipped.BadType == 0 || sum.Records == 0 {
		t.Errorf("fixture too tame: %+v", sum)
	}
}

// FuzzFastPath: whatever the line, the fast path either declines or reads
// it as the general scanner does.
func FuzzFastPath(f *testing.F) {
	for i, l := range adversarialLines() {
		if i < 60 || i%37 == 0 {
			f.Add([]byte(l))
		}
	}
	f.Add([]byte(fmt.Sprintf(`{"CPUTimeMs":1,"DispatchNamespace":"","Entrypoint":"","Event":{},"EventTimestampMs":0,"EventType":"","Exceptions":[],"Logs":[],"Outcome":"","ScriptName":"","ScriptTags":[],"ScriptVersion":{},"WallTimeMs":%d}`, 2)))
	// The usual members the fast path takes whole, and near misses of them.
	for _, l := range []string{
		`{"CPUTimeMs":0,"DispatchNamespace":"","Entrypoint":"E","Event":{"RpcMethod":"x"},"EventTimestampMs":1795737600001,"EventType":"worker_rpc","Exceptions":[],"Logs":[],"Outcome":"ok","ScriptName":"s","ScriptTags":[],"ScriptVersion":{"ID":"i","Message":"","Tag":""},"WallTimeMs":80}`,
		`{"DispatchNamespace":"","Entrypoint":"E","Event":{},"EventTimestampMs":1,"EventType":"t","Exceptions":[]],"Logs":[],"Outcome":"ok","ScriptName":"s","ScriptTags":[],"ScriptVersion":{}}`,
		`{"CPUTimeMs":0,"DispatchNamespace":""x,"Entrypoint":"E","Event":{},"EventTimestampMs":1,"EventType":"t","Exceptions":[],"Logs":[],"Outcome":"ok"1,"ScriptName":"s","ScriptTags":[] ,"ScriptVersion":{},"WallTimeMs":-0}`,
		`{"CPUTimeMs":01,"DispatchNamespace":"","Entrypoint":"E","Event":{},"EventTimestampMs":1e3,"EventType":"t","Exceptions":[],"Logs":[],"Outcome":"ok","ScriptName":"s","ScriptTags":[],"ScriptVersion":{},"WallTimeMs":1234567890123456789}`,
	} {
		f.Add([]byte(l))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		scanBoth(t, line)
	})
}

// A literal of any length the fast path uses is found where it is, and
// not where any one of its bytes differs.
func TestLiteralAt(t *testing.T) {
	t.Parallel()
	const src = `,"DispatchNamespace":"","Entrypoint":"x","Event":{}`
	for n := 1; n <= 40; n++ {
		l := newLiteral(src[:n])
		line := []byte("ab" + src)
		if !l.at(line, 2) {
			t.Fatalf("%q not found", src[:n])
		}
		if l.at(line[:n+1], 2) || l.at(line, -1) || l.at(line, len(line)) {
			t.Fatalf("%q found out of bounds", src[:n])
		}
		for k := range n {
			bad := []byte("ab" + src)
			bad[2+k] ^= 0x20
			if l.at(bad, 2) {
				t.Fatalf("%q found with byte %d changed", src[:n], k)
			}
		}
	}
}
