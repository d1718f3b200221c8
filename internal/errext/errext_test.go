package errext

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

type planErr struct{}

func (planErr) Error() string { return "--ops: must be at least 1" }
func (planErr) ExitCode() int { return Usage }

func TestHandleMapsAndPrintsOnce(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		err  error
		code int
		out  string
	}{
		{"nil", nil, OK, ""},
		{"plain", errors.New("boom"), Runtime, "pfx-tui: boom\n"},
		{"usage", Usagef("ops", "must be at least 1, got %d", 0), Usage, "pfx-tui: --ops: must be at least 1, got 0\nRun 'pfx-tui --help' for usage.\n"},
		{"usage without flag", &UsageError{Msg: "unknown command \"x\""}, Usage, "pfx-tui: unknown command \"x\"\nRun 'pfx-tui --help' for usage.\n"},
		{"wrapped usage", fmt.Errorf("config: %w", Usagef("target", "bad")), Usage, "pfx-tui: config: --target: bad\nRun 'pfx-tui --help' for usage.\n"},
		{"foreign type with a code", planErr{}, Usage, "pfx-tui: --ops: must be at least 1\nRun 'pfx-tui --help' for usage.\n"},
		{"interrupted", Errorf(Interrupted, "interrupted; kept in %s", "f.json"), Interrupted, "pfx-tui: interrupted; kept in f.json\n"},
		{"silent threshold", Silent(Threshold), Threshold, ""},
		{"with code", WithExitCode(errors.New("x"), Interrupted), Interrupted, "pfx-tui: x\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			if got := Handle(&b, "pfx-tui", c.err); got != c.code {
				t.Errorf("code %d, want %d", got, c.code)
			}
			if b.String() != c.out {
				t.Errorf("printed %q, want %q", b.String(), c.out)
			}
		})
	}
	if WithExitCode(nil, Runtime) != nil {
		t.Error("WithExitCode(nil) is not nil")
	}
}
