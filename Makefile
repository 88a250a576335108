# Thin wrapper: CMake builds, CTest tests. See README.md.
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
MAKEFLAGS  += --no-print-directory

.PHONY: all deps build web run error-pages test test-release asan-test node-deps bench fuzz soak format clean install deb dist

all: build

deps:
	@scripts/install-deps

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=ON >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

# FHS install under PREFIX (default /usr/local; DESTDIR works too): see docs/deploy.md.
PREFIX ?= /usr/local
install: build
	@cmake --install $(BUILD) --prefix $(PREFIX)

# The Debian package (prefix /usr, systemd units, the latchkey user): build/latchkey_*.deb.
deb: build
	@cd $(BUILD) && cpack -G DEB

# nginx.conf's error pages (its `location @CONTRACT_STATUS` blocks) rewritten with the bodies and
# headers the service answers (`latchkey error-pages`): run it after changing a contract's wording.
error-pages: build
	@scripts/render-nginx-conf --latchkey $(BUILD)/latchkey --error-pages-only --in-place nginx.conf

# The self-contained tarball for shared hosting (static libraries, cJSON bundled, latchkeyctl, nginx
# includes): build/latchkey-<version>-linux-x86_64.tar.gz and its .sha256. See docs/deploy.md.
dist: deps
	@JOBS=$(JOBS) scripts/make-dist --build $(BUILD)

# The demo frontends (web/): plain files, except the bundles built here: the booking demo's Amplify
# bundle and the password demos' generated clients (scripts/build-web).
web: deps
	@scripts/build-web

# Serves the demo sites on 127.0.0.1 in the foreground; Ctrl-C stops everything.
run: build web
	@scripts/run-local $(BUILD)/latchkey

# Throughput, latency, memory and start-up against the ceilings, through real nginx (a few
# minutes): prints a table, writes bench/results.json and docs/performance.png.
bench: build
	@scripts/install-deps --bench
	@cmake --build $(BUILD) --target latchkey-null-responder
	@scripts/bench $(BENCH_ARGS)

# A mixed load through nginx for SOAK_SECONDS (default 600): requests, answers by status, p50/p99,
# RSS and descriptors over time; fails on any 5xx or growth after the warm-up.
SOAK_SECONDS ?= 600
soak: build
	@LATCHKEY_BIN=$(BUILD)/latchkey scripts/soak --seconds $(SOAK_SECONDS) --json $(BUILD)/soak.json

# Explores each fuzz target with clang's libFuzzer for FUZZ_SECONDS (default 60) each. New inputs
# go to build-fuzz/found/<target>, crashes to build-fuzz/crash-*; copy a crash into
# tests/fuzz/corpus/<target>/ (named after what it broke) and it becomes a regression test.
# An input slower than FUZZ_TIMEOUT seconds is a finding (super-linear work: every input is at most
# 64 KiB, which linear code handles in milliseconds even on this ASan build); slower than one
# second is reported.
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TIMEOUT ?= 2
fuzz:
	@scripts/install-deps --fuzz
	@CXX=clang++ CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLATCHKEY_FUZZ=ON -DBUILD_TESTING=ON >/dev/null
	@cmake --build $(FUZZ_BUILD) -j$(JOBS) --target fuzz_request fuzz_jwt fuzz_json fuzz_webauthn
	@for t in request jwt json webauthn; do \
	  mkdir -p $(FUZZ_BUILD)/found/$$t; \
	  echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
	  $(FUZZ_BUILD)/tests/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=$(FUZZ_TIMEOUT) -report_slow_units=1 \
	    -artifact_prefix=$(FUZZ_BUILD)/crash-$$t- -print_final_stats=1 \
	    $(FUZZ_BUILD)/found/$$t tests/fuzz/corpus/$$t > $(FUZZ_BUILD)/fuzz-$$t.log 2>&1; \
	  rc=$$?; grep -E '^(Done|stat::(number_of_executed|new_units|peak_rss))' $(FUZZ_BUILD)/fuzz-$$t.log; \
	  [ $$rc -eq 0 ] || { tail -40 $(FUZZ_BUILD)/fuzz-$$t.log; exit $$rc; }; \
	done

# The whole suite, on the normal build and on the ASan+UBSan build.
test: test-release asan-test

test-release: build node-deps web
	@cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

# The real client libraries the tests drive (aws-amplify, the Cognito SDK, jose, playwright-core
# for the browser tests, ...), from the lock file.
node-deps: deps
	@cd tests/node && npm ci --no-audit --no-fund --loglevel=error

asan-test: deps node-deps web
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DLATCHKEY_SANITIZE=ON -DBUILD_TESTING=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j$(JOBS)
	@cd $(ASAN_BUILD) && ctest --output-on-failure -j$(JOBS)

format:
	@clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	@rm -rf $(BUILD) $(ASAN_BUILD) web/*/dist web/*/src/api
