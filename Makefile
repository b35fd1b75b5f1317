# perpx: every target does its own set-up (scripts/setup is idempotent and fast
# when everything is present).
BUILD      ?= build
BUILD_ASAN ?= build-asan
JOBS       ?= 2
# CI (CI=true) turns warnings into errors.
CMAKE_FLAGS ?= $(if $(filter true,$(CI)),-DPERPX_WERROR=ON,)

.PHONY: setup build demo test test-sanitize bench fuzz clean

setup:
	@scripts/setup

build: setup
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# The main job (issue 7): set-up, build, then `perpx demo` on a local chain
# that perpx starts itself: calm, a funding spike and a carry trade, a crash
# with urgent hedges, an oracle anomaly that trips the kill switch, a
# searcher; a summary table (JSON lines without a terminal) and
# demo-report.html, demo-recording.jsonl (for `perpx replay`) here.
demo: build
	@$(BUILD)/bin/perpx demo

test: build
	@ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# The whole suite under AddressSanitizer and UndefinedBehaviorSanitizer.
test-sanitize: setup
	@cmake -S . -B $(BUILD_ASAN) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DPERPX_BENCH=OFF \
	  -DPERPX_SANITIZE=address,undefined $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD_ASAN) -j $(JOBS)
	@ctest --test-dir $(BUILD_ASAN) --output-on-failure -j $(JOBS)

# Google Benchmarks (keccak vs Crypto++, RLP, EIP-712, build-and-sign vs raw
# libsecp256k1), then perpx beside ethers v6 and viem in one run.
bench: build
	@$(BUILD)/bin/core_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
	@$(BUILD)/bin/signer_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
	@$(BUILD)/bin/chain_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
	@$(BUILD)/bin/oracle_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
	@bench/compare --build-dir $(BUILD)

# libFuzzer: every parser of untrusted bytes (fuzz/), built with clang and
# ASan + UBSan in $(BUILD_FUZZ), each target run for SECONDS on corpora seeded
# from tests/vectors. Fails on any crash; inputs kept in $(BUILD_FUZZ)/crashes/.
# clang 16, not 14: clang 14 cannot compile libstdc++'s <expected>.
BUILD_FUZZ ?= build-fuzz
FUZZ_CXX   ?= clang++-16
SECONDS    ?= 60
fuzz: setup
	@cmake -S . -B $(BUILD_FUZZ) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=$(FUZZ_CXX) \
	  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" \
	  -DPERPX_FUZZ=ON -DPERPX_TESTS=OFF -DPERPX_BENCH=OFF >/dev/null
	@cmake --build $(BUILD_FUZZ) -j $(JOBS) --target perpx_fuzzers
	@fuzz/run $(BUILD_FUZZ) $(SECONDS)

clean:
	rm -rf $(BUILD) $(BUILD_ASAN)
