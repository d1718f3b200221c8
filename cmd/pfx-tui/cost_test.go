package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// The cost command refuses what it cannot do.
func TestCostCommandUsage(t *testing.T) {
	for _, args := range [][]string{
		{"cost"},
		{"cost", "--example", "x.json"},
		{"cost", "--example", "--format", "csv"},
		{"cost", "--example", "--monthly-ops", "0"},
		{"cost", "--example", "--durations", "bogus"},
	} {
		var o, e bytes.Buffer
		if code := Main(context.Background(), args, IOStreams{Stdout: &o, Stderr: &e, Env: map[string]string{}}); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, e.String())
		}
	}
	var o, e bytes.Buffer
	if code := Main(context.Background(), []string{"cost", "--example", "--brief", "--monthly-ops", "1e6", "--durations", "1s"}, IOStreams{Stdout: &o, Stderr: &e, Env: map[string]string{}}); code != 0 ||
		!strings.Contains(o.String(), "1 M ops/month") || strings.Contains(o.String(), "Rows written per op") {
		t.Errorf("brief example: exit %d\n%s%s", code, o.String(), e.String())
	}
}
