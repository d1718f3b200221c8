package tail

import (
	"bytes"
	"reflect"
	"testing"
)

// FuzzParse: any input parses without panic; the objects Split returns are
// slices of the input that open and close with braces; and reading the
// input in two pieces (a file still being written) gives exactly what one
// read gives.
func FuzzParse(f *testing.F) {
	f.Add(readFixture(f), 100)
	f.Add([]byte(`{"a":"}"}{"eventTimestamp":1,"logs":[{"message":["pfx","x",1]}]}`), 5)
	f.Add([]byte("text\n{\"outcome\":\"ok\",\"m\":\"cut\n{\"outcome\":\"ok\"}"), 12)
	f.Add([]byte("{\n{\n}}\n\\\"{"), 3)
	f.Fuzz(func(t *testing.T, data []byte, cut int) {
		objs, consumed, _, _ := Split(data, false)
		if consumed < 0 || consumed > len(data) {
			t.Fatalf("consumed %d of %d", consumed, len(data))
		}
		for _, o := range objs {
			if len(o) < 2 || o[0] != '{' || o[len(o)-1] != '}' || !bytes.Contains(data, o) {
				t.Fatalf("object %q", o)
			}
		}
		whole, wholeStats, _ := Parse(bytes.NewReader(data))

		cut = int(uint(cut) % uint(len(data)+1))
		var d decoder
		first, n := d.feed(data[:cut], false)
		rest := append(append([]byte{}, data[n:cut]...), data[cut:]...)
		second, _ := d.feed(rest, true)
		pieces := append(first, second...)
		if len(pieces) == 0 {
			pieces = nil
		}
		if len(whole) == 0 {
			whole = nil
		}
		wholeStats.Bytes = 0
		if !reflect.DeepEqual(pieces, whole) || d.stats != wholeStats {
			t.Fatalf("cut at %d: %d records %+v, whole %d records %+v", cut, len(pieces), d.stats, len(whole), wholeStats)
		}
	})
}
