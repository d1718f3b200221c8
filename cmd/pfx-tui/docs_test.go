package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/pfx-tui/pfx-tui/internal/billing"
	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/report"
)

var updateDocs = flag.Bool("update-docs", false, "rewrite the generated blocks of README.md and docs/cloudflare.md")

// generated matches a block of a document produced by a pfx-tui command:
//
//	<!-- generated: pfx-tui cost --example --format markdown -->
//	…the command's output (fenced as a code block unless markdown)…
//	<!-- end generated -->
var generated = regexp.MustCompile("(?s)<!-- generated: pfx-tui ([^>]*?) -->\n(.*?)<!-- end generated -->")

// TestDocsFigures is the one source of truth for documented figures: every
// cost figure in README.md and docs/cloudflare.md sits in a generated block,
// and this test reruns the block's command and fails when the document and
// the model disagree. go test ./cmd/pfx-tui -run TestDocsFigures -update-docs
// rewrites the blocks (review the diff).
func TestDocsFigures(t *testing.T) {
	t.Chdir(filepath.Join("..", ".."))
	total := 0
	for _, file := range []string{"README.md", filepath.Join("docs", "cloudflare.md")} {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		doc := string(data)
		out := generated.ReplaceAllStringFunc(doc, func(block string) string {
			m := generated.FindStringSubmatch(block)
			args := strings.Fields(m[1])
			var o, e bytes.Buffer
			if code := Main(context.Background(), args, IOStreams{Stdout: &o, Stderr: &e, Env: map[string]string{}}); code != 0 {
				t.Errorf("%s: pfx-tui %s: exit %d: %s", file, m[1], code, e.String())
				return block
			}
			body := o.String()
			if !strings.Contains(m[1], "--format markdown") {
				body = "```\n" + body + "```\n"
			}
			total++
			if body != m[2] && !*updateDocs {
				t.Errorf("%s: the block of `pfx-tui %s` differs from the command's output (go test ./cmd/pfx-tui -run TestDocsFigures -update-docs, then review):\n--- document\n%s\n--- command\n%s", file, m[1], m[2], body)
			}
			return "<!-- generated: pfx-tui " + m[1] + " -->\n" + body + "<!-- end generated -->"
		})
		if *updateDocs && out != doc {
			if err := os.WriteFile(file, []byte(out), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if total < 3 {
		t.Errorf("%d generated blocks; README.md and docs/cloudflare.md quote the model's figures from at least 3", total)
	}
}

// The hand computation in docs/cloudflare.md ("Checking a run by hand"),
// read from the document and redone from the committed sample run: the
// figures derived there with a pencil from the cited prices and the record
// counts must be the model's. Every bullet "**APPROACH @ DURATION**" gives
// "**Margin $x**" and "**Allowances $y**"; every "**Break-even, REGIME,
// `APPROACH`**" ends at "**N ms**".
func TestHandComputation(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "cloudflare.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	start := strings.Index(doc, "### Checking a run by hand")
	if start < 0 {
		t.Fatal("docs/cloudflare.md has no section \"Checking a run by hand\"")
	}
	section := doc[start:]
	if next := strings.Index(section[4:], "\n## "); next >= 0 {
		section = section[:next+4]
	}
	r, err := report.Load(filepath.Join("..", "..", "docs", "examples", "local-run.json"))
	if err != nil {
		t.Fatal(err)
	}
	r.Billing.Recost(billing.CostOptions{})
	costOf := func(a string, d int) (billing.CellCost, bool) {
		for _, c := range r.Billing.Costs {
			if c.Approach == a && c.DurationMs == d && c.Usable {
				return c, true
			}
		}
		return billing.CellCost{}, false
	}
	bullets := strings.Split(section, "\n- ")[1:]
	cell := regexp.MustCompile(`^\*\*([a-z-]+) @ ([0-9]+m?s)\*\*`)
	money := regexp.MustCompile(`\*\*(Margin|Allowances) \$([0-9.]+)\*\*`)
	be := regexp.MustCompile(`(?s)^\*\*Break-even, (margin|allowances), ` + "`" + `([a-z-]+)` + "`" + `\*\*.*\*\*([0-9]+) ms\*\*`)
	figures, breakEvens := 0, 0
	for _, b := range bullets {
		if m := cell.FindStringSubmatch(b); m != nil {
			d, err := experimentDurationMs(m[2])
			if err != nil {
				t.Fatal(err)
			}
			c, ok := costOf(m[1], d)
			if !ok {
				t.Errorf("docs: %s @ %s has no usable cost in the sample run", m[1], m[2])
				continue
			}
			for _, f := range money.FindAllStringSubmatch(b, -1) {
				want := parseFloat(t, f[2])
				got := c.DollarsPerMillionOps.Total
				if f[1] == "Allowances" {
					got = c.Allowances.DollarsPerMillionOps.Total
				}
				if math.Abs(got-want) > 0.0005 {
					t.Errorf("docs: %s @ %s %s $%s; the model says $%.5f", m[1], m[2], f[1], f[2], got)
				}
				figures++
			}
		}
		if m := be.FindStringSubmatch(b); m != nil {
			list := r.Billing.BreakEvens
			if m[1] == "allowances" {
				list = r.Billing.AllowanceBreakEvens
			}
			found := false
			for _, x := range list {
				if x.Approach == m[2] {
					found = true
					if want := parseFloat(t, m[3]); math.Abs(x.DurationMs-want) > 1 {
						t.Errorf("docs: %s break-even of %s %s ms; the model says %.1f ms", m[1], m[2], m[3], x.DurationMs)
					}
				}
			}
			if !found {
				t.Errorf("docs: no %s break-even of %s in the model", m[1], m[2])
			}
			breakEvens++
		}
	}
	if figures < 10 || breakEvens < 4 {
		t.Errorf("read %d cost figures and %d break-evens from the hand computation; want ≥ 10 and 4", figures, breakEvens)
	}
}

func experimentDurationMs(s string) (int, error) {
	ds, err := experiment.ParseDurations(s)
	if err != nil || len(ds) != 1 {
		return 0, fmt.Errorf("duration %q: %v", s, err)
	}
	return int(ds[0].Milliseconds()), nil
}

func parseFloat(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(strings.TrimSuffix(s, "."), 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// cost FILE and report FILE re-derive a saved run's costs under the flags.
func TestCostOfSavedRun(t *testing.T) {
	sample := filepath.Join("..", "..", "docs", "examples", "local-run.json")
	run := func(args ...string) string {
		t.Helper()
		var o, e bytes.Buffer
		if code := Main(context.Background(), args, IOStreams{Stdout: &o, Stderr: &e, Env: map[string]string{}}); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, e.String())
		}
		return o.String()
	}
	plain := run("cost", sample)
	if !strings.Contains(plain, "harness excluded") || !strings.Contains(plain, "10 M ops/month") || !strings.Contains(plain, "note:") {
		t.Errorf("cost FILE:\n%s", plain)
	}
	with := run("cost", sample, "--include-harness", "--monthly-ops", "1e6", "--brief")
	if !strings.Contains(with, "harness included") || !strings.Contains(with, "1 M ops/month") || strings.Contains(with, "note:") || with == plain {
		t.Errorf("cost FILE --include-harness --monthly-ops 1e6 --brief:\n%s", with)
	}
	if rep := run("report", sample, "--include-harness"); !strings.Contains(rep, "harness included") {
		t.Errorf("report --include-harness:\n%s", rep)
	}
	if md := run("cost", sample, "--format", "markdown"); !strings.Contains(md, "| duration | approach | records |") {
		t.Errorf("cost FILE --format markdown:\n%s", md)
	}

	// A run whose billing found nothing: no verdict anywhere.
	r, err := report.Load(sample)
	if err != nil {
		t.Fatal(err)
	}
	for i := range r.Billing.Counts {
		r.Billing.Counts[i].Matched = 0
	}
	empty := filepath.Join(t.TempDir(), "empty.json")
	if err := report.Save(empty, r); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"cost", empty}, {"report", empty}, {"report", empty, "--format", "markdown"}} {
		out := run(args...)
		if !strings.Contains(out, "no verdict") || strings.Contains(out, "break-even (") || strings.Contains(out, "saves $") {
			t.Errorf("%v with no billing data:\n%s", args, out)
		}
	}
}
