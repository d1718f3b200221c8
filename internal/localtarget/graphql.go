package localtarget

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
)

// The emulated Analytics API's fixed settings: like the S3 keys, the token
// guards nothing but loopback test data and is published in /version.
const (
	AnalyticsBasePath  = "/client/v4"
	AnalyticsAccountID = "00000000000000000000000000000000"
	AnalyticsToken     = "pfx-local-analytics-token"
	// DefaultAnalyticsMinute is the emulated minute: datetimeMinute buckets
	// of 2 s, so a minute-ordered run on the local target takes seconds.
	DefaultAnalyticsMinute = 2 * time.Second
)

// doMemoryGB is what a Durable Object is billed for (duration = s × GB).
const doMemoryGB = 0.128

// AnalyticsBase is the emulated API base (GraphQL at + "/graphql").
func (s *Server) AnalyticsBase() string { return s.base + AnalyticsBasePath }

// AnalyticsMinute is the emulated minute.
func (s *Server) AnalyticsMinute() time.Duration {
	if s.opts.AnalyticsMinute > 0 {
		return s.opts.AnalyticsMinute
	}
	return DefaultAnalyticsMinute
}

// AnalyticsInfo is what /version announces.
func (s *Server) AnalyticsInfo() *experiment.EmulatorAnalytics {
	return &experiment.EmulatorAnalytics{Base: s.AnalyticsBase(), AccountID: AnalyticsAccountID, Token: AnalyticsToken,
		ScriptName: s.opts.ScriptName, MinuteMs: s.AnalyticsMinute().Milliseconds()}
}

// NamespaceID is the emulated namespace id of a class: stable across runs,
// 32 hex digits like Cloudflare's.
func (s *Server) NamespaceID(class string) string {
	h := sha256.Sum256([]byte(s.opts.ScriptName + "/" + class))
	return hex.EncodeToString(h[:16])
}

func (s *Server) routeAnalytics(mux *http.ServeMux) {
	mux.HandleFunc("POST "+AnalyticsBasePath+"/graphql", s.handleGraphQL)
	mux.HandleFunc("GET "+AnalyticsBasePath+"/accounts/{account}/workers/durable_objects/namespaces", s.handleNamespaces)
}

func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get("Authorization") != "Bearer "+AnalyticsToken {
		writeGQLError(w, http.StatusUnauthorized, "Unauthorized", nil)
		return false
	}
	return true
}

func writeGQLError(w http.ResponseWriter, status int, msg string, path []any) {
	e := map[string]any{"message": msg, "extensions": map[string]any{"timestamp": time.Now().UTC().Format(time.RFC3339Nano)}}
	if path != nil {
		e["path"] = path
	}
	writeJSON(w, status, map[string]any{"data": nil, "errors": []any{e}})
}

// handleNamespaces lists the emulated Durable Object namespaces, in the
// Cloudflare API's envelope.
func (s *Server) handleNamespaces(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+AnalyticsToken {
		writeJSON(w, http.StatusForbidden, map[string]any{"success": false, "errors": []any{map[string]any{"code": 10000, "message": "Authentication error"}}, "messages": []any{}, "result": nil})
		return
	}
	if r.PathValue("account") != AnalyticsAccountID {
		writeJSON(w, http.StatusForbidden, map[string]any{"success": false, "errors": []any{map[string]any{"code": 10000, "message": "not authorized for that account"}}, "messages": []any{}, "result": nil})
		return
	}
	var out []any
	for _, class := range []string{EntrypointController, EntrypointOrigin, EntrypointOrchestrator} {
		out = append(out, map[string]any{"id": s.NamespaceID(class), "name": s.opts.ScriptName + "_" + class, "class": class,
			"script": s.opts.ScriptName, "use_sqlite": true})
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "errors": []any{}, "messages": []any{}, "result": out,
		"result_info": map[string]any{"page": 1, "per_page": 1000, "count": len(out), "total_count": len(out)}})
}

// handleGraphQL answers the Analytics queries from the emulator's trace.
func (s *Server) handleGraphQL(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	var req struct {
		Query     string         `json:"query"`
		Variables map[string]any `json:"variables"`
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err == nil {
		err = json.Unmarshal(data, &req)
	}
	if err != nil {
		writeGQLError(w, http.StatusBadRequest, "error parsing args: "+err.Error(), nil)
		return
	}
	top, err := parseGraphQL(req.Query, req.Variables)
	if err != nil {
		writeGQLError(w, http.StatusBadRequest, err.Error(), nil)
		return
	}
	answer, status, gerr := s.evalGraphQL(top)
	if gerr != nil {
		writeGQLError(w, status, gerr.msg, gerr.path)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": answer, "errors": nil})
}

type gqlErr struct {
	msg  string
	path []any
}

func unknownField(name string, path ...any) *gqlErr {
	return &gqlErr{msg: fmt.Sprintf("unknown field %q", name), path: path}
}

// evalGraphQL serves viewer { accounts(filter: {accountTag}) { <dataset>(…) { dimensions sum } } }.
func (s *Server) evalGraphQL(top []gqlField) (map[string]any, int, *gqlErr) {
	out := map[string]any{}
	for _, f := range top {
		if f.Name != "viewer" {
			return nil, http.StatusBadRequest, unknownField(f.Name)
		}
		viewer := map[string]any{}
		for _, a := range f.Sel {
			if a.Name != "accounts" {
				return nil, http.StatusBadRequest, unknownField(a.Name, "viewer")
			}
			filter, _ := a.Args["filter"].(map[string]any)
			if tag, _ := filter["accountTag"].(string); tag != AnalyticsAccountID {
				return nil, http.StatusForbidden, &gqlErr{msg: "not authorized for that account", path: []any{"viewer", "accounts", "0"}}
			}
			acc := map[string]any{}
			for _, ds := range a.Sel {
				rows, gerr := s.evalDataset(ds)
				if gerr != nil {
					gerr.path = append([]any{"viewer", "accounts", "0", ds.Name}, gerr.path...)
					return nil, http.StatusBadRequest, gerr
				}
				acc[ds.key()] = rows
			}
			viewer[a.key()] = []any{acc}
		}
		out[f.key()] = viewer
	}
	return out, http.StatusOK, nil
}

// emuDataset is what a dataset offers: dimensions and sums by name.
type emuDataset struct {
	dims []string
	sums []string
}

var emuDatasets = map[string]emuDataset{
	"durableObjectsPeriodicGroups":            {dims: []string{"datetimeMinute", "namespaceId"}, sums: []string{"activeTime", "cpuTime", "rowsRead", "rowsWritten", "duration"}},
	"durableObjectsInvocationsAdaptiveGroups": {dims: []string{"datetimeMinute", "namespaceId", "scriptName"}, sums: []string{"requests"}},
	"workersInvocationsAdaptive":              {dims: []string{"datetimeMinute", "scriptName"}, sums: []string{"requests", "cpuTimeUs", "errors", "subrequests"}},
}

// emuRow is one (minute, namespace or script) of a dataset, before grouping.
type emuRow struct {
	dims map[string]string
	sums map[string]float64
}

func (s *Server) evalDataset(f gqlField) ([]any, *gqlErr) {
	spec, ok := emuDatasets[f.Name]
	if !ok {
		return nil, unknownField(f.Name)
	}
	var dims, sums []gqlField
	for _, g := range f.Sel {
		switch g.Name {
		case "dimensions":
			dims = g.Sel
		case "sum":
			sums = g.Sel
		default:
			return nil, unknownField(g.Name)
		}
	}
	for _, d := range dims {
		if !slices.Contains(spec.dims, d.Name) {
			return nil, unknownField(d.Name, "dimensions")
		}
	}
	for _, x := range sums {
		if !slices.Contains(spec.sums, x.Name) {
			return nil, unknownField(x.Name, "sum")
		}
	}
	filter, _ := f.Args["filter"].(map[string]any)
	limit := 10000
	if l, ok := f.Args["limit"].(float64); ok && l > 0 {
		limit = int(l)
	}
	base := s.datasetRows(f.Name)
	groups := map[string]*emuRow{}
	var order []string
	for _, row := range base {
		keep, err := matches(row, filter)
		if err != nil {
			return nil, err
		}
		if !keep {
			continue
		}
		var parts []string
		g := &emuRow{dims: map[string]string{}, sums: map[string]float64{}}
		for _, d := range dims {
			g.dims[d.key()] = row.dims[d.Name]
			parts = append(parts, row.dims[d.Name])
		}
		k := strings.Join(parts, "\x00")
		if groups[k] == nil {
			groups[k] = g
			order = append(order, k)
		}
		for _, x := range sums {
			groups[k].sums[x.key()] += row.sums[x.Name]
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return order[i] < order[j] }) // minute first, RFC 3339 sorts
	var out []any
	for _, k := range order {
		if len(out) >= limit {
			break
		}
		g := groups[k]
		item := map[string]any{}
		if len(dims) > 0 {
			item["dimensions"] = g.dims
		}
		if len(sums) > 0 {
			item["sum"] = g.sums
		}
		out = append(out, item)
	}
	if out == nil {
		out = []any{}
	}
	return out, nil
}

// matches applies a filter: dimension equality, _in lists and time bounds.
func matches(row emuRow, filter map[string]any) (bool, *gqlErr) {
	for k, v := range filter {
		field, op, _ := strings.Cut(k, "_")
		if field == "datetimeMinute" && op != "" {
			want, _ := v.(string)
			t, err := time.Parse(time.RFC3339Nano, want)
			if err != nil {
				return false, &gqlErr{msg: fmt.Sprintf("error parsing args: %s: %q is not a time", k, want)}
			}
			have, _ := time.Parse(time.RFC3339Nano, row.dims["datetimeMinute"])
			ok := map[string]bool{"geq": !have.Before(t), "leq": !have.After(t), "gt": have.After(t), "lt": have.Before(t)}[op]
			if !ok {
				return false, nil
			}
			continue
		}
		if _, known := row.dims[field]; !known {
			return false, unknownField(k, "filter")
		}
		switch op {
		case "":
			if s, _ := v.(string); row.dims[field] != s {
				return false, nil
			}
		case "in":
			list, _ := v.([]any)
			if !slices.Contains(list, any(row.dims[field])) {
				return false, nil
			}
		default:
			return false, unknownField(k, "filter")
		}
	}
	return true, nil
}

// datasetRows computes a dataset at its finest grain from the trace.
func (s *Server) datasetRows(dataset string) []emuRow {
	unit := s.AnalyticsMinute()
	minute := func(t time.Time) string { return t.Truncate(unit).UTC().Format(time.RFC3339Nano) }
	acc := map[[2]string]map[string]float64{}
	add := func(m, key, field string, v float64) {
		k := [2]string{m, key}
		if acc[k] == nil {
			acc[k] = map[string]float64{}
		}
		acc[k][field] += v
	}
	switch dataset {
	case "durableObjectsPeriodicGroups", "durableObjectsInvocationsAdaptiveGroups":
		spans := s.traces.Spans()
		for _, sp := range spans {
			if sp.Cause != SpanInvocation {
				continue
			}
			ns, m := s.NamespaceID(sp.Class), minute(sp.Start)
			add(m, ns, "requests", 1)
			add(m, ns, "cpuTime", float64(sp.CPU.Microseconds()))
			add(m, ns, "rowsRead", float64(sp.RowsRead))
			add(m, ns, "rowsWritten", float64(sp.RowsWritten))
		}
		for _, iv := range activeIntervals(spans) {
			ns := s.NamespaceID(iv.class)
			for a := iv.start; a.Before(iv.end); {
				b := a.Truncate(unit).Add(unit)
				if b.After(iv.end) {
					b = iv.end
				}
				us := float64(b.Sub(a).Microseconds())
				add(minute(a), ns, "activeTime", us)
				add(minute(a), ns, "duration", us/1e6*doMemoryGB)
				a = b
			}
		}
	case "workersInvocationsAdaptive":
		recs, _ := s.traces.Since(0)
		for _, rec := range recs {
			if isDurableObject(rec.Entrypoint) {
				continue
			}
			m := minute(time.UnixMilli(rec.EventTimestampMs))
			add(m, rec.ScriptName, "requests", 1)
			if rec.CPUTimeMs != nil {
				add(m, rec.ScriptName, "cpuTimeUs", float64(*rec.CPUTimeMs*1000))
			}
			if rec.Outcome != "ok" {
				add(m, rec.ScriptName, "errors", 1)
			}
		}
	}
	var out []emuRow
	for k, sums := range acc {
		row := emuRow{dims: map[string]string{"datetimeMinute": k[0]}, sums: sums}
		if dataset == "workersInvocationsAdaptive" {
			row.dims["scriptName"] = k[1]
		} else {
			row.dims["namespaceId"] = k[1]
			row.dims["scriptName"] = s.opts.ScriptName
		}
		out = append(out, row)
	}
	return out
}

type interval struct {
	class      string
	start, end time.Time
}

// activeIntervals merges each object's spans (invocations and timers) where
// they overlap: an object is billed once for time in which several of its
// invocations ran, and for time a timer held it awake between them.
func activeIntervals(spans []Span) []interval {
	type objKey struct{ class, object string }
	by := map[objKey][]Span{}
	for _, sp := range spans {
		k := objKey{sp.Class, sp.Object}
		by[k] = append(by[k], sp)
	}
	var out []interval
	for k, list := range by {
		sort.Slice(list, func(i, j int) bool { return list[i].Start.Before(list[j].Start) })
		cur := interval{class: k.class, start: list[0].Start, end: list[0].End}
		for _, sp := range list[1:] {
			if !sp.Start.After(cur.end) {
				if sp.End.After(cur.end) {
					cur.end = sp.End
				}
				continue
			}
			out = append(out, cur)
			cur = interval{class: k.class, start: sp.Start, end: sp.End}
		}
		out = append(out, cur)
	}
	return out
}
