package billing

import (
	"encoding/json"
	"testing"
)

// FuzzDecodePrices: a --pricing file is either refused with an error or
// gives prices that validate and cost a cell without panicking.
func FuzzDecodePrices(f *testing.F) {
	def, err := json.Marshal(DefaultPrices())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(def)
	f.Add([]byte(`{"doRequestsPerMillion": 0.15}`))
	f.Add([]byte(`{"rowsWrittenPerOp": {"simple": 3}}`))
	f.Add([]byte(`{"doRequestsPerMillion": -1}`))
	f.Add([]byte(`{"nope": 1}`))
	f.Add([]byte(`{} {}`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := decodePrices(data)
		if err != nil {
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("decodePrices accepted prices that do not validate: %v", err)
		}
	})
}
