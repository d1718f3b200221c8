# The README's test command is `make test`; .ci/run calls exactly that.
GO ?= go

.PHONY: test fmt-check vet gotest workers-test build run bench bench-scan

# workers-test runs first: the Go end-to-end test of --target wrangler needs
# workers/node_modules.
test: fmt-check vet workers-test gotest

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './workers/*')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

gotest:
	$(GO) test -race -count=1 ./...

build:
	$(GO) build -o bin/pfx-tui ./cmd/pfx-tui

run:
	$(GO) run ./cmd/pfx-tui

# The Workers project: install exactly the lock file, type-check, run the
# vitest suite inside the Workers runtime.
workers-test:
	cd workers && npm ci --no-audit --no-fund && npm run typecheck && npm test

# Benchmarks quoted in BENCHMARKS.md (medians of -count runs, side by side).
bench:
	$(GO) test -run '^$$' -bench . -benchtime 3x -count 5 ./internal/logpush/
	$(GO) test -run '^$$' -bench . -benchtime 1000x -count 5 ./internal/runner/

# pfx-tui logs scan side by side with decompression alone and DuckDB on a
# generated 1,000,000-line data set (BENCHMARKS.md). Minutes, and needs npm:
# not part of make test. ROUNDS, RECORDS, FILES, REVS: see bench/scan.sh.
bench-scan:
	bash bench/scan.sh
