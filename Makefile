# The README's test command is `make test`; .ci/run calls exactly that.
GO ?= go

.PHONY: test checks fmt-check vet lint gotest workers-deps workers-check workers-test build install run bench bench-scan bench-scale fuzz

# Two stages, each two jobs at a time (the machine has 2 cores): the static
# checks while npm installs workers/ (network and disk), then the Go suite
# next to the workers/ suite. workers-deps comes before gotest: the Go
# end-to-end test of --target wrangler needs workers/node_modules. -O keeps
# each job's output in one block.
#
# In CI (the CI variable set, as CI services do) a third stage runs every
# fuzzer for a fixed number of executions beyond its seed corpus (`go test` already
# runs the seeds); locally `make fuzz` does it on demand.
test:
	@$(MAKE) --no-print-directory -j2 -O checks workers-deps
	@$(MAKE) --no-print-directory -j2 -O workers-check gotest
	@if [ -n "$${CI:-}" ]; then $(MAKE) --no-print-directory fuzz FUZZTIME=20000x; fi

checks: fmt-check vet lint

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './workers/*')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

# staticcheck is pinned in go.mod's tool block: the Go toolchain fetches and
# builds exactly that version, nothing to install by hand.
lint:
	$(GO) tool staticcheck ./...

gotest:
	$(GO) test -race -count=1 ./...

build:
	$(GO) build -o bin/pfx-tui ./cmd/pfx-tui

# pfx-tui on PATH, as the docs write it: $(go env GOPATH)/bin (or $GOBIN).
install:
	$(GO) install ./cmd/pfx-tui

run:
	$(GO) run ./cmd/pfx-tui

# The Workers project: install exactly the lock file, type-check (including
# the check that worker-configuration.d.ts matches wrangler.jsonc), run the
# vitest suite inside the Workers runtime.
#
# @cloudflare/vitest-pool-workers 0.15.1 (the last release for Node 20) prints
# one line per test file when its own WebSocket to workerd closes at teardown,
# even for a file that opens no WebSocket; later pool releases drop it. Only
# that exact stdout line is filtered; stderr is untouched and the exit status
# is npm test's own.
WORKERD_TEARDOWN_LINE = ^exception = workerd/api/web-socket\.c\+\+:[0-9]+: disconnected: WebSocket peer disconnected$$

workers-test: workers-deps workers-check

workers-deps:
	cd workers && npm ci --no-audit --no-fund

workers-check:
	cd workers && npm run typecheck
	@echo "cd workers && npm test"
	@cd workers && if [ -t 1 ]; then export FORCE_COLOR=1; fi; exec 4>&1; \
	status=$$( { { npm test 3>&- 4>&-; echo $$? >&3; } | grep --line-buffered -Ev '$(WORKERD_TEARDOWN_LINE)' >&4; } 3>&1 ); \
	exit $$status

# Benchmarks quoted in BENCHMARKS.md (medians of -count runs, side by side).
bench:
	$(GO) test -run '^$$' -bench . -benchtime 3x -count 5 ./internal/logpush/
	$(GO) test -run '^$$' -bench . -benchtime 1000x -count 5 ./internal/runner/
	$(GO) test -run '^$$' -bench BenchmarkResultsFrame -benchtime 200x -count 5 ./internal/ui/
	$(GO) test -run '^$$' -bench BenchmarkTUIAttachedOverhead -benchtime 40x -count 5 ./internal/ui/

# Peak memory of a 100,000-op run on the local target (bench/scale.sh).
bench-scale:
	bash bench/scale.sh

# pfx-tui logs scan side by side with decompression alone and DuckDB on a
# generated 1,000,000-line data set (BENCHMARKS.md). Minutes, and needs npm:
# not part of make test. ROUNDS, RECORDS, FILES, REVS: see bench/scan.sh.
bench-scan:
	bash bench/scan.sh

# Every fuzzer in the tree (each `func FuzzX` in a _test.go file, found by
# grep so a new one is never left out), one go test -fuzz at a time, for
# FUZZTIME each. Not part of make test locally (its budget); CI runs it.
#
# FUZZTIME is an execution count (Nx), not a duration: with a duration, Go's
# fuzz coordinator (Go 1.26; golang/go#75804, fixed in 1.27) can report its
# own deadline as "context deadline exceeded" and fail a run that found
# nothing. A count has no deadline to race. -fuzzminimizetime 0: a crasher is
# saved under testdata/fuzz unminimized rather than spending time on it.
FUZZTIME ?= 100000x

fuzz:
	@set -e; grep -rl --include='*_test.go' '^func Fuzz' . | grep -v '^./workers/' | sort | \
	while read -r f; do \
		pkg=./$$(dirname "$${f#./}"); \
		for fn in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' "$$f"); do \
			echo "$(GO) test -run '^$$' -fuzz '^$$fn$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 0 $$pkg"; \
			$(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 0 $$pkg </dev/null; \
		done; \
	done
