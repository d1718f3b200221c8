# The README's test command is `make test`; .ci/run calls exactly that.
GO ?= go

.PHONY: test fmt-check vet gotest build run

test: fmt-check vet gotest

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
