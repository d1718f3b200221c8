package billing

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
)

// EmulatedCompatibilityDate is the compatibility date the local target
// mimics: workers/wrangler.jsonc's (a test keeps them equal). The emulator
// runs no workerd, so this only says which rules its figures stand for.
const EmulatedCompatibilityDate = "2026-04-20"

// TargetRuntime is the compatibility date and flags of a target, by kind:
// the local emulator's mimicked date, workers/wrangler.jsonc for wrangler
// dev, unknown for a URL (a deployed Worker does not report them).
func TargetRuntime(kind experiment.TargetKind, workersDir string) Runtime {
	switch kind {
	case experiment.TargetLocal:
		return Runtime{CompatibilityDate: EmulatedCompatibilityDate, Source: "local emulator, mimicking workers/wrangler.jsonc"}
	case experiment.TargetWrangler:
		path := filepath.Join(workersDir, "wrangler.jsonc")
		r, err := ReadWranglerRuntime(path)
		if err != nil {
			return Runtime{Source: "unknown: " + err.Error()}
		}
		return r
	}
	return Runtime{Source: "unknown: the deployed Worker does not report it; check its wrangler configuration"}
}

// ReadWranglerRuntime reads compatibility_date and compatibility_flags from
// a wrangler.jsonc (comments and trailing commas allowed).
func ReadWranglerRuntime(path string) (Runtime, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Runtime{}, fmt.Errorf("reading %s: %w", filepath.Base(path), err)
	}
	var cfg struct {
		Date  string   `json:"compatibility_date"`
		Flags []string `json:"compatibility_flags"`
	}
	if err := json.Unmarshal(stripJSONC(data), &cfg); err != nil {
		return Runtime{}, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return Runtime{CompatibilityDate: cfg.Date, CompatibilityFlags: cfg.Flags, Source: "workers/wrangler.jsonc"}, nil
}

// stripJSONC removes // and /* */ comments outside strings, then commas
// before a closing bracket, leaving JSON.
func stripJSONC(in []byte) []byte {
	return dropTrailingCommas(dropComments(in))
}

// scanJSON calls keep for every byte outside a string (returning whether
// to keep it and how many bytes to skip after it) and copies strings as
// they are.
func scanJSON(in []byte, outside func(i int) (keep bool, skip int)) []byte {
	var out bytes.Buffer
	inStr, esc := false, false
	for i := 0; i < len(in); i++ {
		c := in[i]
		if inStr {
			out.WriteByte(c)
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
			continue
		}
		if c == '"' {
			inStr = true
			out.WriteByte(c)
			continue
		}
		keep, skip := outside(i)
		if keep {
			out.WriteByte(c)
		}
		i += skip
	}
	return out.Bytes()
}

func dropComments(in []byte) []byte {
	return scanJSON(in, func(i int) (bool, int) {
		if in[i] != '/' || i+1 >= len(in) {
			return true, 0
		}
		switch in[i+1] {
		case '/':
			j := i
			for j < len(in) && in[j] != '\n' {
				j++
			}
			return false, j - i - 1 // the newline stays
		case '*':
			j := i + 2
			for j+1 < len(in) && !(in[j] == '*' && in[j+1] == '/') {
				j++
			}
			return false, j + 1 - i
		}
		return true, 0
	})
}

func dropTrailingCommas(in []byte) []byte {
	return scanJSON(in, func(i int) (bool, int) {
		if in[i] != ',' {
			return true, 0
		}
		j := i + 1
		for j < len(in) && (in[j] == ' ' || in[j] == '\t' || in[j] == '\n' || in[j] == '\r') {
			j++
		}
		return !(j < len(in) && (in[j] == '}' || in[j] == ']')), 0
	})
}
