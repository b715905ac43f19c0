# Lifeline: the two commands a newcomer needs are `make run` and `make test`.

GO      ?= go
BIN     := bin/lifeline
ADDR    ?= :8080
DATA    ?= ./data
DEMO    ?= 3000

.PHONY: run build test test-go vet bench clean

## run: build and start the platform on the embedded store in $(DATA), with a
## synthetic population of $(DEMO) people loaded on first start (DEMO=0 for none)
run: build
	$(BIN) serve --addr $(ADDR) --data $(DATA) --demo $(DEMO)

## build: compile the lifeline binary into bin/
build:
	$(GO) build -o $(BIN) ./cmd/lifeline

## test: install what the tests need, start a throwaway PostgreSQL, run every test
test: vet
	bash scripts/xmllint.sh
	bash scripts/with-postgres.sh $(MAKE) --no-print-directory test-go

# test-go runs the Go tests; LIFELINE_TEST_DATABASE_URL must point at a
# PostgreSQL server (scripts/with-postgres.sh sets it).
test-go:
	CI=$${CI:-true} $(GO) test -count=1 -timeout 20m ./...
	CI=$${CI:-true} $(GO) test -count=1 -race -timeout 20m ./groupcommit/ ./subscription/ ./sqlite/ ./http/ ./claims/

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }

## bench: the event log benchmark on the embedded store (see docs/BENCHMARKS.md)
bench: build
	$(BIN) bench events

clean:
	rm -rf bin
