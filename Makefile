# The two things a user runs: `make demo` (the main job; `make bench` for
# every example) and `make test`.
# Both start the local test bed first (internal/testbed/up): a pinned
# buildkitd, a loopback registry, buildx, and stand-in base images, all
# cached under $(CACHE) so that a second run reuses them.

SHELL := /bin/bash
CACHE ?= $(or $(OPTFRONTEND_CACHE),$(HOME)/.cache/optfrontend)
ENV := source $(CACHE)/env
EXAMPLE ?= flask
ROUNDS ?= 1

.PHONY: up down frontend-image demo bench compare explain test conformance conformance-quick fuzz-squash

up:
	bash internal/testbed/up

down:
	bash internal/testbed/down

# Build this checkout's frontend image and push it where
# `# syntax=org/optfrontend` resolves on the test bed.
frontend-image: up
	$(ENV) && buildctl build --frontend dockerfile.v0 --local context=. --local dockerfile=. \
		--output type=image,name=$$OPTFRONTEND_REGISTRY/org/optfrontend:latest,push=true

# The main job, a first look in minutes: optctl compares stock and
# optfrontend on three examples that show the three kinds of win (aptlayers:
# a smaller image from squashed install+cleanup; flask: a source change
# that no longer reinstalls dependencies; goserver: a dependency change
# served by cache mounts): image size, layers, wasted bytes, cold and warm
# build times, what each pass changed.
DEMO_EXAMPLES ?= aptlayers,flask,goserver
demo: frontend-image
	$(ENV) && go run ./cmd/optctl bench --only $(DEMO_EXAMPLES) --rounds $(ROUNDS) --json demo.json --html demo.html

# The full benchmark: every bundled example and the seeds' Dockerfiles it
# can build here. ROUNDS=3 gives the medians the README's table shows.
bench: frontend-image
	$(ENV) && go run ./cmd/optctl bench --rounds $(ROUNDS) --json bench.json --html bench.html

# Compare one example (EXAMPLE=name), with an HTML report.
compare: frontend-image
	$(ENV) && go run ./cmd/optctl compare --rounds $(ROUNDS) --html $(EXAMPLE).html examples/$(EXAMPLE)

# What the passes would change in one example, without building it.
explain: up
	$(ENV) && go run ./cmd/optctl explain examples/$(EXAMPLE)

# Unit and end-to-end tests, then a representative subset of BuildKit's own
# Dockerfile test suite run against stock, passes-off and default optfrontend.
test: up
	$(ENV) && unformatted=$$(gofmt -l $$(git ls-files '*.go')) && \
		{ test -z "$$unformatted" || { echo "gofmt would change: $$unformatted"; exit 1; }; } && \
		go vet ./... && go test -count=1 -timeout 45m ./...
	$(ENV) && bash internal/conformance/run --quick

# The whole upstream suite in all three modes (about 6 minutes warm).
conformance: up
	$(ENV) && bash internal/conformance/run

conformance-quick: up
	$(ENV) && bash internal/conformance/run --quick

# Issue 17's differential fuzzer for the squash pass, the long run: N random
# Dockerfiles of file operations from SEED (case i is generator seed SEED+i),
# each built by the stock frontend and with BUILDKIT_OPT_SQUASH=true, the
# flattened filesystems compared, and every case built twice with --no-cache
# for the digest. `make test` runs 6 cases. The full output is kept in
# $(CACHE)/logs/fuzz-squash.log; the last line is the summary.
N ?= 500
SEED ?= 1014
fuzz-squash: up
	$(ENV) && set -o pipefail && mkdir -p $(CACHE)/logs && \
		OPTFRONTEND_FUZZ_N=$(N) OPTFRONTEND_FUZZ_SEED=$(SEED) OPTFRONTEND_E2E_IMAGE=org/optfrontend-fuzz:latest \
		go test -count=1 -v -timeout 0 -run '^TestFuzzSquash$$' ./internal/e2e/ 2>&1 | \
		grep -v -e '^=== ' -e '--- PASS: TestFuzzSquash/' | tee $(CACHE)/logs/fuzz-squash.log; \
		rc=$$?; grep -o 'fuzz-squash: [0-9]* cases.*' $(CACHE)/logs/fuzz-squash.log | tail -n 1; exit $$rc
