package billing

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"sort"
	"strings"
)

// Prices is the dated price table the cost model uses: Cloudflare's
// published paid-plan prices, kept in one place so a report says which
// prices it used and a user can override them (--pricing FILE.json) when
// Cloudflare changes them. Prices are US dollars per million units.
type Prices struct {
	// Date is the day the table was last known to be right (YYYY-MM-DD).
	Date string `json:"date"`
	// Source says where the figures come from, and names an override file.
	Source string `json:"source"`

	WorkersRequestsPerMillion   float64 `json:"workersRequestsPerMillion"`
	WorkersCPUPerMillionMs      float64 `json:"workersCpuPerMillionMs"`
	DORequestsPerMillion        float64 `json:"doRequestsPerMillion"`
	DODurationPerMillionGBs     float64 `json:"doDurationPerMillionGbs"`
	SQLiteRowsWrittenPerMillion float64 `json:"sqliteRowsWrittenPerMillion"`
	SQLiteRowsReadPerMillion    float64 `json:"sqliteRowsReadPerMillion"`
	// DOMemoryGB is the memory a DO is billed for: duration GB-s = wall
	// seconds × DOMemoryGB.
	DOMemoryGB float64 `json:"doMemoryGb"`

	// Included are the Workers Paid plan's monthly allowances: the
	// "allowances" regime bills only usage above them (at a stated monthly
	// volume); the "margin" regime ignores them.
	Included Included `json:"included"`

	// RowsWrittenPerOp is SQLite rows written per op by approach. These are
	// counted from the approaches' code (Model), not measured (Logpush does
	// not record them); they live here so --pricing can correct them.
	RowsWrittenPerOp map[string]float64 `json:"rowsWrittenPerOp"`
}

// Included are the paid plan's monthly allowances, in units (not millions).
type Included struct {
	WorkersRequests   float64 `json:"workersRequests"`
	WorkersCPUMs      float64 `json:"workersCpuMs"`
	DORequests        float64 `json:"doRequests"`
	DOGBs             float64 `json:"doGbs"`
	SQLiteRowsWritten float64 `json:"sqliteRowsWritten"`
	SQLiteRowsRead    float64 `json:"sqliteRowsRead"`
}

// PricesDate is the as-of date of DefaultPrices: the day Cloudflare began
// billing SQLite-backed Durable Object storage (rows written/read), the
// most recent change among the table's items. The other figures were
// unchanged on that date.
const PricesDate = "2026-01-07"

// PricesSource is where DefaultPrices come from.
const PricesSource = "Cloudflare Workers paid plan, published prices: " +
	"https://developers.cloudflare.com/workers/platform/pricing/ and " +
	"https://developers.cloudflare.com/durable-objects/platform/pricing/ " +
	"(SQLite storage billed from 2026-01-07)"

// DefaultPrices is the Workers Paid plan's price table: Workers requests
// $0.30/M beyond 10 M and CPU $0.02/M ms beyond 30 M (PageWorkersPricing);
// Durable Object requests $0.15/M beyond 1 M, duration $12.50/M GB-s beyond
// 400,000 at 128 MB, SQLite rows written $1.00/M beyond 50 M and read
// $0.001/M beyond 25 B a month (PageDOPricing). Each call returns a fresh
// copy, so callers may change it.
func DefaultPrices() Prices {
	return Prices{
		Date:                        PricesDate,
		Source:                      PricesSource,
		WorkersRequestsPerMillion:   0.30,
		WorkersCPUPerMillionMs:      0.02,
		DORequestsPerMillion:        0.15,
		DODurationPerMillionGBs:     12.50,
		SQLiteRowsWrittenPerMillion: 1.00,
		SQLiteRowsReadPerMillion:    0.001,
		DOMemoryGB:                  0.128,
		Included: Included{
			WorkersRequests:   10e6,
			WorkersCPUMs:      30e6,
			DORequests:        1e6,
			DOGBs:             400_000,
			SQLiteRowsWritten: 50e6,
			SQLiteRowsRead:    25e9,
		},
		// Counted from workers/src, documented and assumed rows together:
		// see Model (model.go) and docs/cloudflare.md.
		RowsWrittenPerOp: DefaultRowsWrittenPerOp(),
	}
}

// LoadPrices reads a --pricing file over DefaultPrices: the file names only
// what changed (a partial file overrides only its fields; rowsWrittenPerOp
// entries are merged). An unknown field is an error naming it, so a typo
// never silently leaves a default in place.
func LoadPrices(path string) (Prices, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Prices{}, fmt.Errorf("pricing file: %w", err)
	}
	p, err := decodePrices(data)
	if err != nil {
		return Prices{}, fmt.Errorf("pricing file %s: %w", path, err)
	}
	var top map[string]json.RawMessage
	_ = json.Unmarshal(data, &top)
	hasSource := false
	for k := range top {
		if strings.EqualFold(k, "source") {
			hasSource = true
		}
	}
	if !hasSource {
		p.Source += "; overridden by " + path
	}
	return p, nil
}

func decodePrices(data []byte) (Prices, error) {
	p := DefaultPrices()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return Prices{}, fmt.Errorf("unknown field %s (known fields: %s)", name, strings.Join(priceFields(), ", "))
		}
		if errors.Is(err, io.EOF) {
			return Prices{}, errors.New("empty file: want a JSON object such as {\"doRequestsPerMillion\": 0.15}")
		}
		return Prices{}, err
	}
	if dec.More() {
		return Prices{}, errors.New("more than one JSON value")
	}
	return p, p.Validate()
}

// MaxPriceFigure bounds every price, DOMemoryGB and rows written per op:
// a billion dollars per million units is far beyond any real table, so a
// larger figure is a typo, and it keeps every cost finite (a cell's
// quantities times such figures stay far from float64's range).
const MaxPriceFigure = 1e9

// Validate refuses figures that would make every cost meaningless: any
// price, allowance (included.*) or rows-written figure that is negative,
// NaN or infinite, a price above MaxPriceFigure, or no DO memory.
// Allowances have no upper bound (a huge one means "all included").
func (p Prices) Validate() error {
	if err := checkFigures(reflect.ValueOf(p), "", MaxPriceFigure); err != nil {
		return err
	}
	if err := checkFigures(reflect.ValueOf(p.Included), "included.", math.Inf(1)); err != nil {
		return err
	}
	if p.DOMemoryGB == 0 {
		return errors.New("doMemoryGb must be above 0 (Durable Objects are billed at 0.128 GB)")
	}
	for a, n := range p.RowsWrittenPerOp {
		if err := checkFigure("rowsWrittenPerOp."+a, n, MaxPriceFigure); err != nil {
			return err
		}
	}
	return nil
}

// checkFigures checks the float64 fields of a struct (not nested ones).
func checkFigures(v reflect.Value, prefix string, limit float64) error {
	t := v.Type()
	for i := range t.NumField() {
		if f := v.Field(i); f.Kind() == reflect.Float64 {
			if err := checkFigure(prefix+jsonName(t.Field(i)), f.Float(), limit); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkFigure(name string, x, limit float64) error {
	if x < 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return fmt.Errorf("%s must be a non-negative number, got %v", name, x)
	}
	if x > limit {
		return fmt.Errorf("%s must be at most %g, got %v", name, limit, x)
	}
	return nil
}

func priceFields() []string {
	var out []string
	t := reflect.TypeFor[Prices]()
	for i := range t.NumField() {
		out = append(out, jsonName(t.Field(i)))
	}
	sort.Strings(out)
	return out
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "" {
		return f.Name
	}
	return name
}
