package main

import (
	"context"
	"io"
	"os"
	"regexp"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/pfx-tui/pfx-tui/internal/errext"
	"github.com/pfx-tui/pfx-tui/internal/report"
)

// IOStreams is everything a command may touch of the outside world; tests
// pass their own (the k6 manner), nothing deeper reads os directly.
type IOStreams struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Env            map[string]string
}

// Main runs the command line and returns the exit code. Commands return
// errors; errext.Handle is the one place they become a code and a message.
func Main(ctx context.Context, args []string, ios IOStreams) int {
	root := newRoot(ctx, ios)
	root.SetArgs(args)
	root.SetOut(ios.Stdout)
	root.SetErr(ios.Stderr)
	return errext.Handle(ios.Stderr, "pfx-tui", root.Execute())
}

// asUsage types cobra's own flag and argument errors as usage errors, so
// nothing has to recognise them by their text.
func asUsage(err error) error {
	if err == nil {
		return nil
	}
	return &errext.UsageError{Msg: err.Error()}
}

// badValue is pflag's wording for a value that does not parse.
var badValue = regexp.MustCompile(`^invalid argument "(.*)" for "(?:-\w, )?--([\w-]+)" flag: `)

// flagError types cobra's flag errors as usage errors and says what a bad
// value should look like, instead of leaking a strconv message.
func flagError(cmd *cobra.Command, err error) error {
	m := badValue.FindStringSubmatch(err.Error())
	if m == nil {
		return asUsage(err)
	}
	want := "a valid value"
	if f := cmd.Flags().Lookup(m[2]); f != nil {
		switch f.Value.Type() {
		case "int", "int64", "uint", "uint64":
			want = "a whole number"
		case "float64":
			want = "a number"
		case "duration":
			want = "a duration such as 500ms, 2s or 1m"
		case "bool":
			want = "true or false"
		}
	}
	return errext.Usagef(m[2], "%q is not %s", m[1], want)
}

// usageArgs makes a cobra argument check return a usage error.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error { return asUsage(check(cmd, args)) }
}

func newRoot(ctx context.Context, ios IOStreams) *cobra.Command {
	root := &cobra.Command{
		Use:   "pfx-tui",
		Short: "Measure what a slow fetch costs from a Durable Object: direct vs proxyFetch",
		Long: `pfx-tui runs proxy-fetch cost experiments: batches of fetches through each approach
(direct, current = proxyFetch via an Orchestrator DO, simple = proxyFetchSimple) at several
upstream durations, measured client-side over WebSockets.

With no command it runs an experiment (same as 'pfx-tui run'). The default target is the
embedded local emulator, so it works with no Cloudflare account; its figures are labelled
emulated.`,
		Args:          cobra.ArbitraryArgs, // checked in RunE: a typed usage error, not cobra's text
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(flagError)
	root.Version = toolVersion()
	root.SetVersionTemplate("pfx-tui {{.Version}}\n")
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetContext(ctx)

	bare := newRunOptions(ios)
	bare.register(root)
	root.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) > 0 {
			return errext.Usagef("", "unknown command %q for pfx-tui", args[0])
		}
		return bare.run(cmd)
	}
	root.AddCommand(newCmdRun(ios), newCmdReport(ios), newCmdBilling(ios), newCmdCost(ios), newCmdLogs(ios), newCmdServeLocal(ios), newCmdVersion(ios), newCmdDoctor(ios), newCmdSetup(ios))
	return root
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func isTerminalReader(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// formatFlag checks a --format value against the report formats.
func formatFlag(format string) error {
	if err := report.CheckFormat(format); err != nil {
		return &errext.UsageError{Flag: "format", Msg: err.Error()}
	}
	return nil
}

// terminalWidth is w's width in columns when it is a terminal, else 0.
func terminalWidth(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok {
		return 0
	}
	width, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return width
}
