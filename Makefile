# Cascade — `make run` to try it, `make test` to test it. Both install what is missing first.
SWIFT ?= swift
BUILD_FLAGS ?=
BIN := .build/debug/cascade
# `make fuzz`: seconds per fuzz target; `make test` runs each for FUZZ_SMOKE_SECONDS.
FUZZ_SECONDS ?= 300
FUZZ_SMOKE_SECONDS ?= 2

.PHONY: run test build deps test-deps layers unit web-test fuzz fuzz-smoke interop bench clean

deps:
	bash scripts/install-deps.sh

test-deps:
	bash scripts/install-deps.sh --test

build: deps
	$(SWIFT) build $(BUILD_FLAGS) --product cascade

# Starts the all-in-one server with its embedded defaults and prints the URL to open.
run: build
	$(BIN) serve

# The layer check, unit tests (swift test), the web app's unit tests (node --test), a few
# seconds of every fuzz target (the build above built them), then the interop suite against real
# peers (pytest) in a private network namespace. pytest's summary line comes last.
test: test-deps layers
	$(SWIFT) build $(BUILD_FLAGS) --build-tests
	$(SWIFT) test $(BUILD_FLAGS) --skip-build
	$(MAKE) --no-print-directory web-test
	$(MAKE) --no-print-directory fuzz-smoke
	CASCADE_BIN=$(CURDIR)/$(BIN) bash InteropTests/run.sh

# No module depends on one above it (docs/architecture.md, "Modules and layers").
layers:
	python3 scripts/check-layers.py

unit: deps
	$(SWIFT) test $(BUILD_FLAGS)

# The web app's pure modules (Sources/Control/Web) under Node's own test runner: no packages,
# no network. Ends with node's summary lines.
web-test:
	node --test WebTests/

# Every libFuzzer target for FUZZ_SECONDS (scripts/fuzz.sh; docs/security.md, *Fuzzing*).
fuzz: deps
	$(SWIFT) build $(BUILD_FLAGS) --product cascade-fuzz
	bash scripts/fuzz.sh $(FUZZ_SECONDS)

fuzz-smoke:
	bash scripts/fuzz.sh $(FUZZ_SMOKE_SECONDS)

interop: test-deps
	$(SWIFT) build $(BUILD_FLAGS) --product cascade
	CASCADE_BIN=$(CURDIR)/$(BIN) bash InteropTests/run.sh

bench:
	$(SWIFT) build -c release --product cascade
	.build/release/cascade bench fanout --subscribers 10
	.build/release/cascade bench fanout --subscribers 50
	.build/release/cascade bench fanout --subscribers 200

clean:
	rm -rf .build
