# hake/coverage.mk: `make coverage`: line coverage of the kernel core by the host unit tests.
#
# Builds the host unit tests with --coverage (and -O0, so lines map to
# code) into $(BUILD)/coverage, runs them, and prints gcov's line coverage
# of every kernel/*.c and the total. Fails if the total is below
# COVERAGE_MIN percent.

.PHONY: coverage
COVERAGE_BUILD := $(BUILD)/coverage
COVERAGE_MIN ?= 90
COVERAGE_SRCS = $(sort $(wildcard kernel/*.c))

ifeq ($(COVERAGE),1)
HOST_CFLAGS += --coverage
HOST_LDFLAGS += --coverage
endif

# tools/deps first, as run and test do: the unit tests need lwIP's source
# (Debian's deb-src entry) and Check, the report gcov.
coverage:
	@tools/deps
	@$(MAKE) --no-print-directory -j$(JOBS) BUILD=$(COVERAGE_BUILD) COVERAGE=1 OPT=-O0 unit
	@find $(COVERAGE_BUILD) -name '*.gcda' -delete
	@for t in $(COVERAGE_BUILD)/host/bin/check_*; do \
	  $$t > $(COVERAGE_BUILD)/$$(basename $$t).log 2>&1 || \
	    { echo "coverage: $$t failed:"; tail -5 $(COVERAGE_BUILD)/$$(basename $$t).log; exit 1; }; \
	done
	@for src in $(COVERAGE_SRCS); do \
	  gcov -n -o $(COVERAGE_BUILD)/host/$$src.o $$src 2>/dev/null | \
	    awk -v src=$$src '/^File / { f = ($$2 == "'"'"'" src "'"'"'") } \
	      f && /^Lines executed:/ { split($$2, a, ":"); sub("%", "", a[2]); \
	        printf "%s %d %d\n", src, $$4, a[2] * $$4 / 100 + 0.5; f = 0 }'; \
	done | awk -v min=$(COVERAGE_MIN) \
	  '{ printf "  %-26s %5.1f%% of %4d lines\n", $$1, 100 * $$3 / $$2, $$2; n += $$2; hit += $$3 } \
	   END { if (!n) { print "coverage: no data"; exit 1 } \
	     printf "  %-26s %5.1f%% of %4d lines\n", "total kernel/", 100 * hit / n, n; \
	     if (100 * hit / n < min) { printf "coverage: below %d%%\n", min; exit 1 } }'
