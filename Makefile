# Makefile: build, run and test Sietch. `make help` lists the targets.
#
# One non-recursive build: hake/ holds the rule library, and every directory
# with targets declares them in a Hakefile (Make syntax) included below.
# Outputs go to $(BUILD) (default build/).

# SANITIZE=1 (ASan and UBSan, hake/toolchain.mk) builds apart, so that no
# sanitized object mixes with a plain one.
ifeq ($(SANITIZE),1)
BUILD ?= build/sanitize
endif
BUILD ?= build
V ?= 0
.DEFAULT_GOAL := all
.SUFFIXES:
MAKEFLAGS += --no-builtin-rules

include hake/toolchain.mk
include hake/rules.mk
HAKEFILES := $(sort $(shell find kernel cpudriver lib drivers usr tests tools -name Hakefile 2>/dev/null))
include $(HAKEFILES)
include hake/image.mk
include hake/targets.mk
include hake/coverage.mk

-include $(patsubst %.o,%.d,$(OBJS_kern) $(OBJS_user) $(OBJS_host) $(OBJS_fuzz))
