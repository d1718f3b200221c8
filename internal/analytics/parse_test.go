package analytics

import (
	"math"
	"os"
	"path/filepath"
	"testing"
)

func TestParseResponseShapes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		body     string
		rows     int
		errs     int
		wantFail bool
	}{
		{`{"data":{"viewer":{"accounts":[]}},"errors":null}`, 0, 0, false},
		{`{"data":{"viewer":{"accounts":[{}]}}}`, 0, 0, false},
		{`{"data":{"viewer":{"accounts":[{"durableObjectsPeriodicGroups":null}]}}}`, 0, 0, false},
		{`{"data":null,"errors":[{"message":"x"},{"message":"y"}]}`, 0, 2, false},
		{`{"data":null,"errors":null}`, 0, 0, true},
		{`{}`, 0, 0, true},
		{`[]`, 0, 0, true},
		{`not json`, 0, 0, true},
		{`{"data":{"viewer":null}}`, 0, 0, true},
		{`{"data":{"viewer":{"accounts":[{"durableObjectsPeriodicGroups":[{"dimensions":{"datetimeMinute":"2026-03-01T12:35:00Z"},"sum":{"activeTime":-1}}]}]}}}`, 0, 0, true},
		{`{"data":{"viewer":{"accounts":[{"durableObjectsPeriodicGroups":[{"dimensions":{"datetimeMinute":"yesterday"},"sum":{}}]}]}}}`, 0, 0, true},
		{`{"data":{"viewer":{"accounts":[{"durableObjectsPeriodicGroups":[{"dimensions":{"datetimeMinute":"2026-03-01T12:35:00Z"},"sum":{"activeTime":"12"}}]}]}}}`, 1, 0, false},
		// Partial data with errors: rows are kept, errors reported.
		{`{"data":{"viewer":{"accounts":[{"durableObjectsPeriodicGroups":[{"dimensions":{"datetimeMinute":"2026-03-01T12:35:00Z"},"sum":{"activeTime":1e3}}]}]}},"errors":[{"message":"partial"}]}`, 1, 1, false},
	}
	for _, c := range cases {
		rows, errs, err := ParseResponse([]byte(c.body), DatasetPeriodic)
		if (err != nil) != c.wantFail || len(rows) != c.rows || len(errs) != c.errs {
			t.Errorf("%s: rows %d errs %d err %v", c.body, len(rows), len(errs), err)
		}
	}
}

func FuzzParseResponse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"data":{"viewer":{"accounts":[{"durableObjectsPeriodicGroups":[{"dimensions":{"datetimeMinute":"2026-03-01T12:35:00.5Z","namespaceId":"a"},"sum":{"activeTime":1.5e300}}]}]}}}`))
	f.Add([]byte(`{"data":null,"errors":[{"message":"unknown field \"cpuTimeUs\"","path":["a",0,{"x":1}],"extensions":{"code":7}}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, ds := range []string{DatasetPeriodic, DatasetDOInvocations, DatasetWorkers} {
			rows, errs, err := ParseResponse(body, ds)
			if err != nil {
				continue
			}
			if rows == nil && errs == nil {
				// A success without rows is an empty dataset: fine.
				continue
			}
			for _, r := range rows {
				if r.Dataset != ds || r.Minute.IsZero() || r.Sum == nil {
					t.Fatalf("bad row %+v", r)
				}
				for k, v := range r.Sum {
					if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
						t.Fatalf("sum %s = %v", k, v)
					}
				}
			}
			_ = Messages(errs)
		}
	})
}
