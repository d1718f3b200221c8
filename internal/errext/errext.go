// Package errext is pfx-tui's one exit path, in the manner of k6's errext:
// errors carry the process exit code they mean, front ends and commands
// return errors instead of codes, and Handle is the single place that maps
// an error to its code and prints its one-line message.
package errext

import (
	"errors"
	"fmt"
	"io"
)

// Exit codes of every pfx-tui command.
const (
	OK          = 0
	Runtime     = 1   // a runtime error (target unreachable, file unwritable, no op succeeded …)
	Usage       = 2   // a bad flag, argument or plan
	Threshold   = 3   // a --threshold gate failed
	Interrupted = 130 // Ctrl-C: partial results are saved
)

// HasExitCode is an error that knows the exit code it means.
type HasExitCode interface {
	error
	ExitCode() int
}

type codedError struct {
	err  error
	code int
}

func (e *codedError) Error() string { return e.err.Error() }
func (e *codedError) Unwrap() error { return e.err }
func (e *codedError) ExitCode() int { return e.code }

// WithExitCode attaches code to err (nil stays nil).
func WithExitCode(err error, code int) error {
	if err == nil {
		return nil
	}
	return &codedError{err: err, code: code}
}

// Errorf is fmt.Errorf with an exit code.
func Errorf(code int, format string, args ...any) error {
	return &codedError{err: fmt.Errorf(format, args...), code: code}
}

// silent is an exit code whose message has already been shown (a threshold
// table, a front end's own summary).
type silent struct{ code int }

func (s silent) Error() string { return fmt.Sprintf("exit %d", s.code) }
func (s silent) ExitCode() int { return s.code }

// Silent is an exit code with nothing more to print.
func Silent(code int) error { return silent{code} }

// UsageError is a bad flag value or argument; it exits 2. Flag is the flag's
// name without dashes ("" for a positional argument).
type UsageError struct{ Flag, Msg string }

func (e *UsageError) Error() string {
	if e.Flag == "" {
		return e.Msg
	}
	return fmt.Sprintf("--%s: %s", e.Flag, e.Msg)
}

// ExitCode makes every usage error exit 2.
func (e *UsageError) ExitCode() int { return Usage }

// Usagef is a UsageError for flag.
func Usagef(flag, format string, args ...any) error {
	return &UsageError{Flag: flag, Msg: fmt.Sprintf(format, args...)}
}

// Code is the exit code err means: 0 for nil, the code it carries, else 1.
func Code(err error) int {
	if err == nil {
		return OK
	}
	var c HasExitCode
	if errors.As(err, &c) {
		return c.ExitCode()
	}
	return Runtime
}

// Handle maps err to its exit code and prints its message as one line on w
// (with a pointer to --help for usage errors). It is the only place that
// turns errors into exit codes.
func Handle(w io.Writer, prog string, err error) int {
	code := Code(err)
	if err == nil {
		return code
	}
	if _, ok := err.(silent); ok {
		return code
	}
	fmt.Fprintf(w, "%s: %v\n", prog, err)
	if code == Usage {
		fmt.Fprintf(w, "Run '%s --help' for usage.\n", prog)
	}
	return code
}
