# hake/targets.mk: the commands of the top-level Makefile.

.PHONY: all run test test-repeat churn soak kvstore-crash crashtest unit unit-sanitize fuzz fuzz-host fuzz-build gdb \
	gdb-server clean help deps handout grade labs-check

# Parallel jobs for the builds that run, test and bench start.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

# User libraries are built even before a program links them, so that a
# library that does not compile for user space fails `make` at once.
all: $(KERN_IMAGES) $(USER_PROGS) $(LIBS_user) $(BUILD)/sietch.iso $(BUILD)/compile_commands.json $(NETLOAD) $(HUB)

help:
	@echo 'Targets:'
	@echo '  make            build the CPU driver, programs and $(BUILD)/sietch.iso (= make all)'
	@echo '  make run        boot it in QEMU on this terminal (Ctrl-A X quits)'
	@echo '  make test       unit tests (host, Check) and system tests (QEMU)'
	@echo '  make unit       build the unit tests only (make test runs them)'
	@echo '  make test-repeat N=30  make test N times in this tree: each closing line, failures by test'
	@echo '  make churn      500 cycles of VNIC and VSIC clients in one boot (CHURN_CYCLES=n)'
	@echo '  make soak       an hour of mixed load in one boot (SOAK_S=seconds)'
	@echo '  make kvstore-crash  kvstore under SETs, QEMU killed 20 times (KV_KILLS=n), half of them as it compacts'
	@echo '  make crashtest  power-cut replay: crash images from traced writes, CRASH_STATES=12000 checked'
	@echo '                  (make test checks 1500), CRASH_BOOTS=3 of them booted (docs/reliability.md)'
	@echo '  make gdb        boot under gdb (QEMU waits; serial in $(BUILD)/gdb-serial.log)'
	@echo '                  GDB_ARGS="-batch -x FILE" runs a script of gdb commands'
	@echo '  make gdb-server QEMU waits for a gdb you start yourself (it prints the command)'
	@echo '  make trace      a traced run of udpecho: $(BUILD)/trace/trace.json for ui.perfetto.dev'
	@echo '                  (TRACE_ECHOES=50 datagrams; docs/experiments.md "Traces")'
	@echo '  make bench      microbenchmarks, to $(BUILD)/bench/results.md (BENCH=name: one)'
	@echo '  make coverage   line coverage of kernel/ by the unit tests (COVERAGE_MIN=90)'
	@echo '  make unit-sanitize  the unit tests with ASan and UBSan, in $(BUILD)/sanitize'
	@echo '  make fuzz       the CPU driver under a hostile process: 10^6 calls on two cores with the'
	@echo '                  kernel checking itself (FUZZ_CALLS=n, FUZZ_SEED=0x..., docs/reliability.md)'
	@echo '  make fuzz-host  the libFuzzer harnesses, FUZZ_S=60 seconds in all (docs/reliability.md)'
	@echo '  make fuzz-build build the libFuzzer harnesses only'
	@echo '  make format     apply .clang-format to every tracked C file'
	@echo '  make format-check  fail if a tracked C file is not formatted'
	@echo '  make deps       install what is missing (tools/deps; run, test, bench and coverage do it first)'
	@echo '  make handout LAB=n DEST=dir  lab n'"'"'s starting tree: its solution taken out (docs/labs/)'
	@echo '  make grade      grade the labs in this tree (LAB=n: one), with points'
	@echo '  make labs-check every lab'"'"'s handout builds and misses points; the solution has them all'
	@echo '  make clean      remove $(BUILD)'
	@echo '  make help       this list'
	@echo 'Options:'
	@echo '  KARGS="..."     CPU driver arguments, e.g. KARGS=ktest (run, gdb)'
	@echo '  TESTS=glob      only the matching tests: system tests by name (vnic, boot), unit tests'
	@echo '                  by binary with or without check_ (igb_vf); e.g. TESTS="igb*"'
	@echo '  QEMU_NETDEV=... the igb'"'"'s -netdev, e.g. "user,id=net0,hostfwd=udp:127.0.0.1:5555-10.0.2.15:7"'
	@echo '  QEMU_SMP=n      CPUs (cores) of the machine, default 2'
	@echo '  V=1 (show commands), CROSS_COMPILE=prefix-, ACCEL=tcg|kvm, BUILD=dir, JOBS=n'

deps:
	@tools/deps

# tools/deps installs what is missing (and does nothing otherwise) before
# the build, whose flags depend on what is installed.
run:
	@tools/deps
	@$(MAKE) --no-print-directory -j$(JOBS) all
	@tools/qemu --interactive $(BUILD)/sietch.iso

unit: $(UNIT_TESTS) $(HOST_TOOLS)

# The unit tests (and the fuzz corpora's replay) with AddressSanitizer and
# UndefinedBehaviorSanitizer (SANITIZE=1, hake/toolchain.mk), in their own
# build folder, run by the test runner.
SANITIZE_BUILD := $(BUILD)/sanitize
unit-sanitize:
	@$(MAKE) --no-print-directory -j$(JOBS) BUILD=$(SANITIZE_BUILD) SANITIZE=1 unit
	@tools/harness --build $(SANITIZE_BUILD) \
	  --unit $(patsubst $(BUILD)/%,$(SANITIZE_BUILD)/%,$(UNIT_TESTS))

# The kernel fuzzer at length (make test runs 50,000 calls of it:
# tests/system/test_kfuzz.py); FUZZ_SEED repeats a run, FUZZ_GEN (with the
# seed) one generation of it.
FUZZ_CALLS ?= 1000000
fuzz:
	@tools/deps
	@$(MAKE) --no-print-directory -j$(JOBS) all
	@FUZZ_CALLS=$(FUZZ_CALLS) FUZZ_SEED=$(FUZZ_SEED) FUZZ_GEN=$(FUZZ_GEN) \
	  tools/harness --build $(BUILD) --system tests/system --only kfuzz

# The libFuzzer harnesses (tests/fuzz), FUZZ_S seconds in all, one at a
# time (tools/fuzz); working corpora, logs and findings in $(BUILD)/fuzz.
FUZZ_S ?= 60
fuzz-host:
	@tools/deps --fuzz
	@$(MAKE) --no-print-directory -j$(JOBS) fuzz-build
	@tools/fuzz --build $(BUILD)/fuzz --seconds $(FUZZ_S) $(FUZZ_BINS)

fuzz-build: $(FUZZ_BINS)

test:
	@tools/deps
	@$(MAKE) --no-print-directory -j$(JOBS) all unit
	@tools/harness --build $(BUILD) --unit $(UNIT_TESTS) --system tests/system $(if $(TESTS),--only '$(TESTS)')

# The suite N times in one tree (tools/test-repeat): flaky tests show here.
N ?= 30
test-repeat:
	@tools/test-repeat -n $(N) --build $(BUILD) $(if $(TESTS),'TESTS=$(TESTS)')

# The churn test at length (make test runs 40 cycles of it).
CHURN_CYCLES ?= 500
churn:
	@tools/deps
	@$(MAKE) --no-print-directory -j$(JOBS) all
	@CHURN_CYCLES=$(CHURN_CYCLES) tools/harness --build $(BUILD) --system tests/system --only churn

# The key-value store killed with QEMU KV_KILLS times (make test kills it once).
KV_KILLS ?= 20
kvstore-crash:
	@tools/deps
	@$(MAKE) --no-print-directory -j$(JOBS) all
	@KV_KILLS=$(KV_KILLS) tools/harness --build $(BUILD) --system tests/system --only kvstore

# Power-cut replay (docs/reliability.md): one traced boot, then CRASH_STATES
# crash images recovered on the host and CRASH_BOOTS of them booted.
CRASH_STATES ?= 12000
CRASH_BOOTS ?= 3
crashtest:
	@tools/deps
	@$(MAKE) --no-print-directory -j$(JOBS) all unit
	@CRASH_STATES=$(CRASH_STATES) CRASH_BOOTS=$(CRASH_BOOTS) tools/harness --build $(BUILD) \
	  --system tests/system --only crashtest

# Mixed load for a set time (make test runs 20 s of it).
SOAK_S ?= 3600
soak:
	@tools/deps
	@$(MAKE) --no-print-directory -j$(JOBS) all
	@SOAK_S=$(SOAK_S) tools/harness --build $(BUILD) --system tests/system --only soak

gdb: all
	@tools/gdb $(BUILD)/sietch.iso $(BUILD)/sbin/cpudriver $(GDB_ARGS)

gdb-server: all
	@tools/gdb --server $(BUILD)/sietch.iso $(BUILD)/sbin/cpudriver

$(BUILD)/compile_commands.json: $(OBJS_kern) $(OBJS_user)
	@(echo '['; cat $(addsuffix .json,$(filter %.c.o,$^)) | sed '$$ s/,$$//'; echo ']') > $@

clean:
	rm -rf $(BUILD)

.PHONY: format format-check
C_SOURCES = $(shell git ls-files '*.c' '*.h')

# Apply .clang-format to every tracked C file.
format:
	@tools/deps --format
	@clang-format -i $(C_SOURCES)

# Fail if any tracked C file is not formatted.
format-check:
	@tools/deps --format
	@clang-format --dry-run --Werror $(C_SOURCES)

# The course's labs (docs/labs/, tests/labs/labs.py).
handout:
	@test -n "$(LAB)" -a -n "$(DEST)" || { echo 'usage: make handout LAB=n DEST=dir'; exit 2; }
	@tools/deps
	@tools/handout $(LAB) $(DEST)

grade:
	@tools/deps
	@BUILD=$(BUILD) tools/grade --build $(BUILD) $(LAB)

labs-check:
	@tools/deps
	@BUILD=$(BUILD) tools/labs-check

.PHONY: trace
# A traced run (docs/experiments.md "Traces"): boot with the CPU driver's
# trace on, TRACE_ECHOES datagrams to udpecho, the dump as a Chrome JSON trace.
TRACE_ECHOES ?= 50
trace:
	@tools/deps
	@$(MAKE) --no-print-directory -j$(JOBS) all
	@tools/trace $(BUILD) $(TRACE_ECHOES)

.PHONY: bench
# Benchmarks: numbers to $(BUILD)/bench/results.md (BENCH=name runs one).
bench:
	@tools/deps --bench
	@$(MAKE) --no-print-directory -j$(JOBS) all
	@tools/bench $(BUILD) $(BENCH)

# A host library for clients that open many connections through QEMU's
# user network at once (LD_PRELOAD; tools/paced-connect.c says why). The
# tests and benchmarks make it through this rule (sietchtest.paced_connect).
$(BUILD)/tools/paced-connect.so: tools/paced-connect.c
	@mkdir -p $(@D)
	$(HOST_CC) -shared -fPIC -O2 -Wall -o $@ $< -ldl
