# Kiln: the two commands a fresh Debian 12 machine needs are `make run` and `make test`.
# Both install what is missing first (scripts/install-deps.sh, idempotent).
SWIFT ?= swift
PYTHON ?= python3
RELEASE_FLAGS := -c release --product kiln --static-swift-stdlib

.PHONY: run test deps test-deps release build unit integration engine dockerfile bench-http bench-engine bench-serving clean fuzz fuzz-smoke sanitizers asan tsan

## Serve the shipped models on the embedded default configuration (port 8000).
run: deps release
	.build/release/kiln serve

## The whole test suite; CI (.ci/run) runs exactly this.
test: test-deps build unit fuzz-smoke integration engine dockerfile sanitizers

deps:
	scripts/install-deps.sh build

test-deps:
	scripts/install-deps.sh test

## The release binary, exactly as the Dockerfile builds it (static Swift runtime).
release: deps
	$(SWIFT) build $(RELEASE_FLAGS)

## Debug build of everything, tests included.
build:
	$(SWIFT) build --build-tests

unit: build
	$(SWIFT) test --skip-build

integration: build
	KILN_BIN="$(CURDIR)/.build/debug/kiln" $(PYTHON) -m pytest Tests/integration -q -p no:cacheprovider

## Engine parity with onnxruntime: every operator and five networks through kiln convert/infer.
engine: build
	KILN_BIN="$(CURDIR)/.build/debug/kiln" $(PYTHON) -m pytest Tests/engine -q -p no:cacheprovider

## Lints the Dockerfile, runs its build-stage steps, and checks the runtime stage ships
## exactly the shared libraries the binary needs (there is no Docker engine here).
dockerfile:
	scripts/check-dockerfile.sh

## Benchmark (not a test): Kiln vs Hummingbird vs nginx with wrk; see docs/performance.md.
bench-http:
	benchmarks/http/run.sh

## Benchmark (not a test): kiln bench vs onnxruntime on the five networks.
bench-engine:
	benchmarks/engine/run.sh

## Benchmark (not a test): kiln serve vs FastAPI+onnxruntime vs MLServer, end to end.
bench-serving:
	benchmarks/serving/run.sh

## libFuzzer harnesses (Tests/Fuzz, docs/reliability.md): FUZZ_SECONDS per harness (default 60),
## FUZZ_TARGET=name for one; corpora and crash artifacts under /tmp/kiln-fuzz. Fails on a crash.
FUZZ_SECONDS ?= 60
fuzz:
	Tests/Fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGET)

## Every harness for 15 s from the committed seeds alone (part of `make test`).
fuzz-smoke:
	FUZZ_FRESH=1 FUZZ_OUT=/tmp/kiln-fuzz-smoke Tests/Fuzz/run.sh 15

clean:
	rm -rf .build .build-asan .build-tsan .build-fuzz

## The Swift suites under AddressSanitizer (with LeakSanitizer) and ThreadSanitizer, each in
## its own build folder; then the server built with TSan runs the integration tests that
## drive its threads hardest (connection churn, concurrency, batching, hot reload, the
## mutation fuzz). Any report fails: TSan's exit code, or halt_on_error killing the server.
sanitizers: asan tsan

asan: test-deps
	$(SWIFT) build --build-tests --sanitize=address --scratch-path .build-asan
	LSAN_OPTIONS=suppressions=$(CURDIR)/scripts/sanitizers/lsan.supp $(SWIFT) test --skip-build --sanitize=address --scratch-path .build-asan

TSAN_INTEGRATION := test_hangups.py test_concurrency.py test_serving_v2.py test_serving_ops.py test_services.py test_hostile_fuzz.py

tsan: test-deps
	$(SWIFT) build --build-tests --sanitize=thread --scratch-path .build-tsan
	$(SWIFT) test --skip-build --sanitize=thread --scratch-path .build-tsan
	TSAN_OPTIONS=halt_on_error=1 KILN_BIN="$(CURDIR)/.build-tsan/debug/kiln" \
		$(PYTHON) -m pytest $(addprefix Tests/integration/,$(TSAN_INTEGRATION)) -q -p no:cacheprovider
