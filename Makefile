# Thin wrapper around CMake. `make run` and `make test` work on a fresh Debian 12.
BUILD      ?= build
JOBS       ?= 2
CMAKE_ARGS ?=
PREFIX     ?= /usr/local
RUN_DIR    ?= $(CURDIR)/run
RUN_PORT   ?= 2121

# Debian packages the build, the tests and `make run` need.
DEB_PACKAGES = g++ cmake make pkg-config libboost-dev libboost-program-options-dev \
               libboost-test-dev libspdlog-dev libssl-dev zlib1g-dev libcrypt-dev libedit-dev \
               python3 curl procps openssl python3-pyftpdlib tmux mandoc man-db \
               whois clang libclang-rt-14-dev haproxy dpkg-dev fuse3 python3-fusepy rclone lftp ccache \
               libsystemd-dev

.PHONY: all deps build run test test-unit test-asan fuzz soak bench deb test-package install clean

all: build

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	  done); \
	if [ -z "$$missing" ]; then echo "deps: all Debian packages present"; exit 0; fi; \
	echo "deps: installing:" $$missing; \
	if [ "$$(id -u)" != 0 ]; then \
	  echo "deps: not root; run: sudo apt-get update && sudo apt-get install -y" $$missing >&2; exit 1; \
	fi; \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing

$(BUILD)/Makefile: CMakeLists.txt
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS)

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS)
	cmake --build $(BUILD) -j$(JOBS)

# Foreground server on 127.0.0.1:$(RUN_PORT) with a sample library in $(RUN_DIR).
run: build
	@sh etc/make-run-library.sh "$(RUN_DIR)" "$(RUN_PORT)"
	@echo
	@echo "ftpd is starting on 127.0.0.1:$(RUN_PORT) (anonymous login, upload allowed)."
	@echo "  list:     curl ftp://127.0.0.1:$(RUN_PORT)/"
	@echo "  download: curl -O ftp://127.0.0.1:$(RUN_PORT)/hello.txt"
	@echo "  upload:   curl -T somefile ftp://127.0.0.1:$(RUN_PORT)/upload/"
	@echo "  TLS:      curl --ssl-reqd --cacert $(RUN_DIR)/server.crt ftp://127.0.0.1:$(RUN_PORT)/"
	@echo "  ftp:      $(BUILD)/bin/ftp -s --cacert $(RUN_DIR)/server.crt 127.0.0.1 $(RUN_PORT)"
	@echo "  python:   python3 -c \"import ftplib; f=ftplib.FTP(); f.connect('127.0.0.1', $(RUN_PORT)); f.login(); print(f.nlst())\""
	@echo "Stop with Ctrl-C."
	@echo
	exec $(BUILD)/bin/ftpd -f -c "$(RUN_DIR)/ftpd.conf"

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -L unit

# Every test against an ASan+UBSan build in build-asan; any report fails the test. The
# fuzz_smoke test is left out: its targets are sanitized anyway and `make test` runs it.
ASAN_BUILD ?= build-asan
test-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DFTPD_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug $(CMAKE_ARGS)
	cmake --build $(ASAN_BUILD) -j2
	cd $(ASAN_BUILD) && \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -LE fuzz

# libFuzzer targets (tests/fuzz/), built with clang++ into $(FUZZ_DIR), each run for
# FUZZ_SECONDS from its seed corpus; crashes are kept in $(FUZZ_DIR)/crashes/<target>/.
FUZZ_SECONDS ?= 60
FUZZ_DIR     ?= build-fuzz
fuzz:
	@if ! command -v clang++ >/dev/null 2>&1; then \
	  echo "fuzz: clang++ not found, nothing fuzzed; install clang and libclang-rt-14-dev (make deps)"; \
	  exit 0; \
	fi; \
	bash tests/fuzz/build.sh $(FUZZ_DIR) && bash tests/fuzz/run.sh $(FUZZ_DIR) $(FUZZ_SECONDS)

# ftpd against Debian's vsftpd and a minimal reference server, side by side on
# 127.0.0.1 (tests/bench/); sizes: BENCH_ROUNDS, BENCH_SECONDS, BENCH_BIG_MB, BENCH_IDLE, ...
bench: build
	FTPD_BIN_DIR=$(CURDIR)/$(BUILD)/bin sh tests/bench/run_bench.sh

# A Debian package of the build (binaries, man pages, /etc files, systemd unit) in $(BUILD)/.
deb: build
	cmake -DCMAKE_INSTALL_PREFIX=/usr $(BUILD)
	cd $(BUILD) && cpack -G DEB

# The .deb installed, started, reloaded, stopped, removed and purged on a minimal Debian 12
# root (tests/package/install_check.sh): needs root and the Debian mirror; the first run
# debootstraps the root into $(PACKAGE_DIR)/rootfs, later runs reuse it (rm -rf it to refresh).
PACKAGE_DIR ?= build-package
test-package: deb
	bash tests/package/install_check.sh $(BUILD) $(PACKAGE_DIR)

# The prefix is set at configure time: GNUInstallDirs derives /etc from --prefix /usr.
install: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_ARGS)
	cmake --build $(BUILD) -j$(JOBS)
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(RUN_DIR)

# Soak: SOAK_SECONDS of mixed normal and hostile clients against $(BUILD)/bin/ftpd
# (tests/soak/soak.py, not in ctest); exits non-zero on any failure.
SOAK_SECONDS ?= 180
soak: build
	SOAK_SECONDS=$(SOAK_SECONDS) FTPD_BIN_DIR=$(CURDIR)/$(BUILD)/bin /usr/bin/python3 tests/soak/soak.py
