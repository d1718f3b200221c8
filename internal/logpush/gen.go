package logpush

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/klauspost/compress/gzip"
)

// GenOptions configures Generate, the synthetic Logpush data set behind
// `pfx-tui logs gen` and the scan benchmark.
type GenOptions struct {
	// Records is the number of lines written over all files, redelivered
	// duplicates included.
	Records int
	// Files is the number of objects; records are spread evenly.
	Files int
	// Seed makes the output reproducible: the same options give the same
	// bytes.
	Seed uint64
	// Start is the first push window's start; zero puts midnight of
	// 2026-11-27 (UTC) halfway through the files, so that two or more files
	// span two date folders.
	Start time.Time
	// Window is one object's push window; zero means one minute.
	Window time.Duration
	// DupRate is the fraction of lines that repeat an earlier line byte for
	// byte (Logpush delivers at least once); negative means none, zero the
	// default 0.005.
	DupRate float64
	// NoTimingRate is the fraction of records written without CPUTimeMs
	// and WallTimeMs (a job created before those fields existed); negative
	// means none, zero the default 0.01.
	NoTimingRate float64
}

// GenStats says what Generate wrote.
type GenStats struct {
	Files      []string // object keys relative to the folder, in order
	Lines      int
	Duplicates int
	NoTiming   int
	RawBytes   int64 // uncompressed NDJSON
	GzipBytes  int64
}

// genRole is one kind of invocation of the experiment: a script, the
// entrypoint class (empty for the default fetch handler) and event type.
type genRole struct {
	script, entrypoint, eventType string
	weight                        int
	wallMedian, cpuMedian         float64 // ms
	delay                         bool    // fetch of the upstream's /delay/
}

// genRoles mirrors the workers of this repository and of the Lumenize
// experiment: DOs paying wall time, executors paying CPU time, the router.
var genRoles = []genRole{
	{"pfx-experiment", "OriginDO", "fetch", 18, 120, 2, false},
	{"pfx-experiment", "OriginDO", "alarm", 3, 15, 1, false},
	{"pfx-experiment", "FetchOrchestrator", "fetch", 10, 40, 3, false},
	{"pfx-experiment", "FetchOrchestrator", "alarm", 6, 130, 4, false},
	{"pfx-experiment", "FetchExecutorEntrypoint", "worker_rpc", 14, 125, 3, false},
	{"pfx-experiment", "PerformanceController", "fetch", 4, 9, 1, false},
	{"pfx-experiment", "", "fetch", 16, 3, 1, false},
	{"pfx-upstream", "", "fetch", 16, 105, 1, true},
	{"lumenize-test", "TestEndpointsDO", "fetch", 6, 102, 2, true},
	{"lumenize-test", "FetchExecutor", "worker_rpc", 5, 118, 3, false},
	{"pfx-cron", "", "scheduled", 1, 30, 6, false},
	{"pfx-queue", "", "queue", 1, 60, 9, false},
}

// genLogMessages are the untagged console.log lines of the workers.
var genLogMessages = []string{
	"origin served", "dispatching op", "executor started", "upstream slept",
	"alarm fired", "progress sent", "cache miss", "retrying after 503",
}

// Generate writes opts.Files gzip NDJSON objects of workers_trace_events
// records under dir, named as Logpush names them (<YYYYMMDD>/<start>Z_<end>Z_
// <8 hex>.log.gz). Lines carry the 13 fields in Logpush's order
// (alphabetical, so Event and Logs come before ScriptName and WallTimeMs).
func Generate(dir string, opts GenOptions) (GenStats, error) {
	if opts.Records < 0 || opts.Files <= 0 {
		return GenStats{}, errors.New("logpush: generate needs records ≥ 0 and files ≥ 1")
	}
	if opts.Window <= 0 {
		opts.Window = time.Minute
	}
	if opts.Start.IsZero() {
		opts.Start = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC).Add(-time.Duration(opts.Files/2) * opts.Window)
	}
	dupRate, noTiming := rateOr(opts.DupRate, 0.005), rateOr(opts.NoTimingRate, 0.01)
	g := &generator{rng: rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)), dupRate: dupRate, noTiming: noTiming}
	for _, r := range genRoles {
		g.totalWeight += r.weight
	}
	var st GenStats
	for i := range opts.Files {
		n := opts.Records / opts.Files
		if i < opts.Records%opts.Files {
			n++
		}
		start := opts.Start.Add(time.Duration(i) * opts.Window).UTC()
		end := start.Add(opts.Window)
		name := fmt.Sprintf("%s/%s_%s_%08x.log.gz", DateFolder(start),
			start.Format("20060102T150405Z"), end.Format("20060102T150405Z"), g.rng.Uint32())
		raw, zipped, err := g.writeFile(filepath.Join(dir, filepath.FromSlash(name)), n, start, end, &st)
		if err != nil {
			return st, err
		}
		st.Files = append(st.Files, name)
		st.RawBytes += raw
		st.GzipBytes += zipped
	}
	return st, nil
}

func rateOr(v, def float64) float64 {
	switch {
	case v < 0:
		return 0
	case v == 0:
		return def
	}
	return min(v, 1)
}

type generator struct {
	rng               *rand.Rand
	dupRate, noTiming float64
	totalWeight       int
	recent            [][]byte // lines that may be redelivered
	line              []byte
	batch             int
	versions          map[string]string // script → deployed version ID
}

// versionOf is the version ID deployed for script: one per script, drawn
// from the seed.
func (g *generator) versionOf(script string) string {
	if v, ok := g.versions[script]; ok {
		return v
	}
	var b []byte
	b = g.hex(b, 8)
	b = append(b, '-')
	b = g.hex(b, 4)
	b = append(b, "-4"...)
	b = g.hex(b, 3)
	b = append(b, "-a"...)
	b = g.hex(b, 3)
	b = append(b, '-')
	b = g.hex(b, 12)
	if g.versions == nil {
		g.versions = map[string]string{}
	}
	g.versions[script] = string(b)
	return string(b)
}

func (g *generator) writeFile(path string, n int, start, end time.Time, st *GenStats) (raw, zipped int64, err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return 0, 0, err
	}
	f, err := os.Create(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	cf := &countingWriter{w: f}
	zw := gzip.NewWriter(cf)
	bw := bufio.NewWriterSize(zw, 256<<10)
	span := end.Sub(start).Milliseconds()
	for i := range n {
		var line []byte
		if len(g.recent) > 0 && g.rng.Float64() < g.dupRate {
			line = g.recent[g.rng.IntN(len(g.recent))]
			st.Duplicates++
		} else {
			ts := start.UnixMilli() + int64(i)*span/int64(max(n, 1))
			line = g.record(ts, st)
			g.remember(line)
		}
		raw += int64(len(line)) + 1
		bw.Write(line)
		bw.WriteByte('\n')
		st.Lines++
	}
	if err := bw.Flush(); err != nil {
		return 0, 0, err
	}
	if err := zw.Close(); err != nil {
		return 0, 0, err
	}
	return raw, cf.n, f.Close()
}

// remember keeps a bounded sample of recent lines for redelivery.
func (g *generator) remember(line []byte) {
	const keep = 512
	if len(g.recent) < keep {
		g.recent = append(g.recent, append([]byte(nil), line...))
		return
	}
	if g.rng.IntN(8) == 0 {
		i := g.rng.IntN(keep)
		g.recent[i] = append(g.recent[i][:0], line...)
	}
}

func (g *generator) pickRole() genRole {
	w := g.rng.IntN(g.totalWeight)
	for _, r := range genRoles {
		if w < r.weight {
			return r
		}
		w -= r.weight
	}
	return genRoles[0]
}

// lognormal draws a positive duration around median with a long right tail.
func (g *generator) lognormal(median, sigma float64) int64 {
	return int64(math.Round(median * math.Exp(sigma*g.rng.NormFloat64())))
}

func (g *generator) hex(b []byte, n int) []byte {
	const digits = "0123456789abcdef"
	for range n {
		b = append(b, digits[g.rng.IntN(16)])
	}
	return b
}

// record builds one line in Logpush's field order.
func (g *generator) record(ts int64, st *GenStats) []byte {
	r := g.pickRole()
	timing := g.rng.Float64() >= g.noTiming
	if !timing {
		st.NoTiming++
	}
	exception := g.rng.IntN(400) == 0
	if g.rng.IntN(50) == 0 {
		g.batch++
	}
	batch := fmt.Sprintf("%06x-%03d", 0xab12cd+g.batch/1000, g.batch%1000)
	op := g.rng.IntN(200)
	wall := g.lognormal(r.wallMedian, 0.35)
	cpu := min(g.lognormal(r.cpuMedian, 0.5), wall+1)

	b := g.line[:0]
	b = append(b, '{')
	if timing {
		b = append(b, `"CPUTimeMs":`...)
		b = strconv.AppendInt(b, cpu, 10)
		b = append(b, ',')
	}
	b = append(b, `"DispatchNamespace":"","Entrypoint":"`...)
	b = append(b, r.entrypoint...)
	b = append(b, `","Event":`...)
	switch r.eventType {
	case "fetch":
		b = append(b, `{"RayID":"`...)
		b = g.hex(b, 16)
		b = append(b, `","Request":{"URL":"https://`...)
		b = append(b, r.script...)
		b = append(b, `.pfx-lab.workers.dev/`...)
		switch {
		case r.delay:
			b = append(b, "delay/"...)
			b = strconv.AppendInt(b, int64(100*(1+g.rng.IntN(3))), 10)
		case r.entrypoint == "":
			b = append(b, "run/"...)
		default:
			b = append(b, "do/"...)
			b = append(b, r.entrypoint...)
		}
		b = append(b, "?batch="...)
		b = append(b, batch...)
		b = append(b, "&op="...)
		b = strconv.AppendInt(b, int64(op), 10)
		b = append(b, `","Method":"GET"},"Response":{"Status":`...)
		status := 200
		if exception {
			status = 500
		}
		b = strconv.AppendInt(b, int64(status), 10)
		b = append(b, `}}`...)
	case "alarm":
		b = append(b, `{"ScheduledTime":"`...)
		b = time.UnixMilli(ts).UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z")
		b = append(b, `"}`...)
	case "worker_rpc":
		b = append(b, `{"RpcMethod":"executeFetch"}`...)
	case "scheduled":
		b = append(b, `{"Cron":"*/5 * * * *","ScheduledTime":`...)
		b = strconv.AppendInt(b, ts, 10)
		b = append(b, '}')
	default:
		b = append(b, `{"BatchSize":`...)
		b = strconv.AppendInt(b, int64(1+g.rng.IntN(10)), 10)
		b = append(b, `,"Queue":"pfx-jobs"}`...)
	}
	b = append(b, `,"EventTimestampMs":`...)
	b = strconv.AppendInt(b, ts, 10)
	b = append(b, `,"EventType":"`...)
	b = append(b, r.eventType...)
	b = append(b, `","Exceptions":[`...)
	if exception {
		b = append(b, `{"Message":"Network connection lost.","Name":"Error","TimestampMs":`...)
		b = strconv.AppendInt(b, ts+wall, 10)
		b = append(b, '}')
	}
	b = append(b, `],"Logs":[`...)
	for i := range g.rng.IntN(3) {
		if i > 0 {
			b = append(b, ',')
		}
		level := "log"
		if g.rng.IntN(30) == 0 {
			level = "warn"
		}
		b = append(b, `{"Level":"`...)
		b = append(b, level...)
		b = append(b, `","Message":["`...)
		if i == 0 && r.script != "pfx-cron" && r.script != "pfx-queue" {
			b = append(b, "pfx "...)
			b = append(b, batch...)
			b = append(b, ' ')
			b = strconv.AppendInt(b, int64(op), 10)
			b = append(b, '"')
		} else {
			b = append(b, genLogMessages[g.rng.IntN(len(genLogMessages))]...)
			b = append(b, `",`...)
			b = strconv.AppendInt(b, int64(g.rng.IntN(1000)), 10)
		}
		b = append(b, `],"TimestampMs":`...)
		b = strconv.AppendInt(b, ts+int64(g.rng.IntN(int(wall)+1)), 10)
		b = append(b, '}')
	}
	b = append(b, `],"Outcome":"`...)
	if exception {
		b = append(b, "exception"...)
	} else {
		b = append(b, "ok"...)
	}
	b = append(b, `","ScriptName":"`...)
	b = append(b, r.script...)
	b = append(b, `","ScriptTags":[],"ScriptVersion":{"ID":"`...)
	b = append(b, g.versionOf(r.script)...)
	b = append(b, `","Message":"","Tag":""}`...)
	if timing {
		b = append(b, `,"WallTimeMs":`...)
		b = strconv.AppendInt(b, wall, 10)
	}
	b = append(b, '}')
	g.line = b
	return b
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
