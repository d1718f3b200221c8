package analytics

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// Row is one dataset row: one minute of one namespace (or of the Worker
// script) with the sums the query asked for. The rows a report used are
// kept in the results file as they came.
type Row struct {
	Dataset     string             `json:"dataset"`
	Minute      time.Time          `json:"minute"`
	NamespaceID string             `json:"namespaceId,omitempty"`
	ScriptName  string             `json:"scriptName,omitempty"`
	Sum         map[string]float64 `json:"sum"`
}

// GQLError is one entry of a GraphQL answer's errors array: message, the
// path of the node it concerns, extensions (timestamp, code).
type GQLError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path,omitempty"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

// maxAnswerBytes bounds what is read of one answer.
const maxAnswerBytes = 32 << 20

// ParseResponse reads a GraphQL answer for one dataset: its rows, or the
// errors the API returned (data null). A body that is neither is an error.
// It never panics on any input (FuzzParseResponse).
func ParseResponse(body []byte, dataset string) ([]Row, []GQLError, error) {
	var top struct {
		Data   json.RawMessage `json:"data"`
		Errors json.RawMessage `json:"errors"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&top); err != nil {
		return nil, nil, fmt.Errorf("the answer is not JSON: %w", err)
	}
	var errs []GQLError
	if len(top.Errors) > 0 && !isNull(top.Errors) {
		if err := json.Unmarshal(top.Errors, &errs); err != nil {
			return nil, nil, fmt.Errorf("the answer's errors are not a list of error objects: %w", err)
		}
	}
	if len(top.Data) == 0 || isNull(top.Data) {
		if len(errs) == 0 {
			return nil, nil, errors.New("the answer has neither data nor errors")
		}
		return nil, errs, nil
	}
	var data struct {
		Viewer *struct {
			Accounts []map[string]json.RawMessage `json:"accounts"`
		} `json:"viewer"`
	}
	if err := json.Unmarshal(top.Data, &data); err != nil {
		return nil, errs, fmt.Errorf("unexpected data: %w", err)
	}
	if data.Viewer == nil {
		return nil, errs, errors.New("unexpected data: no viewer")
	}
	var rows []Row
	for _, acc := range data.Viewer.Accounts {
		raw, ok := acc[dataset]
		if !ok || isNull(raw) {
			continue
		}
		var groups []struct {
			Dimensions map[string]json.RawMessage `json:"dimensions"`
			Sum        map[string]json.RawMessage `json:"sum"`
		}
		if err := json.Unmarshal(raw, &groups); err != nil {
			return nil, errs, fmt.Errorf("unexpected %s: %w", dataset, err)
		}
		for i, g := range groups {
			row, err := rowOf(dataset, g.Dimensions, g.Sum)
			if err != nil {
				return nil, errs, fmt.Errorf("%s row %d: %w", dataset, i, err)
			}
			rows = append(rows, row)
		}
	}
	return rows, errs, nil
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

func rowOf(dataset string, dims, sums map[string]json.RawMessage) (Row, error) {
	row := Row{Dataset: dataset, Sum: map[string]float64{}}
	for k, raw := range dims {
		if isNull(raw) {
			continue
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return row, fmt.Errorf("dimension %s is not a string", k)
		}
		switch k {
		case FieldMinute:
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				return row, fmt.Errorf("datetimeMinute %q is not an RFC 3339 time", s)
			}
			row.Minute = t.UTC()
		case FieldNamespaceID:
			row.NamespaceID = s
		case FieldScriptName:
			row.ScriptName = s
		}
	}
	if row.Minute.IsZero() {
		return row, errors.New("no datetimeMinute")
	}
	for k, raw := range sums {
		if isNull(raw) {
			continue
		}
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return row, fmt.Errorf("sum %s is not a number", k)
		}
		f, err := n.Float64()
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
			return row, fmt.Errorf("sum %s = %s is not a non-negative number", k, n)
		}
		row.Sum[k] = f
	}
	return row, nil
}

// Messages joins the errors' messages for a report line.
func Messages(errs []GQLError) string {
	var ms []string
	for _, e := range errs {
		m := strings.TrimSpace(e.Message)
		if m == "" {
			m = "(no message)"
		}
		ms = append(ms, m)
	}
	return strings.Join(ms, "; ")
}

// SortRows orders rows by minute, dataset, namespace and script.
func SortRows(rows []Row) {
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if !a.Minute.Equal(b.Minute) {
			return a.Minute.Before(b.Minute)
		}
		if a.Dataset != b.Dataset {
			return a.Dataset < b.Dataset
		}
		if a.NamespaceID != b.NamespaceID {
			return a.NamespaceID < b.NamespaceID
		}
		return a.ScriptName < b.ScriptName
	})
}
