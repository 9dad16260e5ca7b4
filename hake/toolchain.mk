# hake/toolchain.mk: the compilers and flags of Sietch's three build worlds.
#
#   kern  the CPU driver: freestanding, higher-half (-mcmodel=kernel), no SSE
#   user  user-space programs and libraries: freestanding, static, no SSE
#   host  unit tests on the build machine, linked with Check
#
# The target worlds use the host GCC as a freestanding cross compiler;
# CROSS_COMPILE=x86_64-elf- (or any prefix) selects another toolchain.

CROSS_COMPILE ?=
TARGET_CC      := $(CROSS_COMPILE)gcc
TARGET_AR      := $(CROSS_COMPILE)ar
TARGET_OBJCOPY := $(CROSS_COMPILE)objcopy
TARGET_NM      := $(CROSS_COMPILE)nm
HOST_CC        ?= cc
HOST_AR        ?= ar

OPT ?= -O2

# Strict warnings, shared by all worlds; -Werror everywhere.
WARNINGS := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wmissing-declarations -Wpointer-arith \
	-Wwrite-strings -Wundef -Wvla -Wformat=2 -Wimplicit-fallthrough \
	-Wcast-qual -Wnull-dereference -Wno-unused-parameter

COMMON_CFLAGS := -std=gnu11 $(OPT) -g $(WARNINGS) -MMD -MP

# Include paths every world sees: the kernel-user interface and lib/base.
COMMON_INCLUDES := -Ilib/kpi/include -Ilib/base/include \
	$(patsubst %,-I%,$(wildcard drivers/*/include))

FREESTANDING := -ffreestanding -fno-tree-loop-distribute-patterns -fno-builtin -nostdlib -fno-pic -fno-pie \
	-fno-stack-protector -fno-omit-frame-pointer -mno-red-zone \
	-mgeneral-regs-only -fno-asynchronous-unwind-tables -m64

# The CPU driver, like user code, never sees the build machine's libc headers.
KERN_CFLAGS := $(COMMON_CFLAGS) $(FREESTANDING) -mcmodel=kernel -DSIETCH_KERNEL=1 \
	-nostdinc -isystem $(shell $(TARGET_CC) -print-file-name=include) -D_LIBC_LIMITS_H_
# TRACE=0 builds the CPU driver without the trace's hooks (kernel/include/trace.h),
# to measure what they cost while off (docs/experiments.md "Traces").
ifeq ($(TRACE),0)
KERN_CFLAGS += -DSIETCH_NO_TRACE=1
endif
KERN_INCLUDES := $(COMMON_INCLUDES) -Ikernel/include -Icpudriver/include \
	-Icpudriver/arch/x86_64/include
KERN_ASFLAGS := -g -Wa,--noexecstack -MMD -MP -m64 -DSIETCH_KERNEL=1 -D__ASSEMBLY__ $(KERN_INCLUDES)
KERN_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none \
	-Wl,-z,max-page-size=0x1000 -Wl,--no-warn-rwx-segments

# User code sees lib/c's headers and GCC's own freestanding ones (stddef.h,
# stdint.h, stdarg.h, stdbool.h, limits.h), never the build machine's libc:
# -nostdinc drops /usr/include. GCC's limits.h would chain on to the C
# library's limits.h unless _LIBC_LIMITS_H_ says that one is done; lib/c has
# none, the C standard's limits all being GCC's.
USER_CFLAGS := $(COMMON_CFLAGS) $(FREESTANDING) -mcmodel=small -DSIETCH_USER=1 \
	-nostdinc -isystem $(shell $(TARGET_CC) -print-file-name=include) -D_LIBC_LIMITS_H_
USER_INCLUDES := $(COMMON_INCLUDES) -Ilib/c/include -Ilib/sys/include -Ilib/os/include -Ilib/test/include \
	$(patsubst %,-I%,$(filter-out lib/os/lwip/include,$(wildcard lib/os/*/include)))
USER_ASFLAGS := -g -Wa,--noexecstack -MMD -MP -m64 -D__ASSEMBLY__ $(USER_INCLUDES)
USER_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none \
	-Wl,-z,max-page-size=0x1000
# Every user program: lib/c's _start first, laid out by hake/user.ld (the
# user_prog template uses both; lib/c/Hakefile builds the object).
USER_CRT := $(BUILD)/user/lib/c/crt0.S.o
USER_LDSCRIPT := hake/user.ld

# Host unit tests: the kernel's portable code compiled as ordinary C and
# linked with Check. SIETCH_HOST lets a header pick a hosted definition.
HOST_CFLAGS := $(COMMON_CFLAGS) -DSIETCH_HOST=1 -fno-omit-frame-pointer \
	$(shell pkg-config --cflags check 2>/dev/null)
HOST_INCLUDES := $(COMMON_INCLUDES) -Ikernel/include -Icpudriver/include \
	-Icpudriver/arch/x86_64/include \
	-Ilib/os/include -Itests/unit/include
HOST_LIBS := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lm -lrt -lpthread)

# SANITIZE=1: the host world (unit tests and the fuzz corpora's replay)
# with AddressSanitizer and UndefinedBehaviorSanitizer, every report fatal.
# `make unit-sanitize` builds it into $(BUILD)/sanitize and runs it.
ifeq ($(SANITIZE),1)
SANITIZE_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all
HOST_CFLAGS += $(SANITIZE_FLAGS)
HOST_LDFLAGS += $(SANITIZE_FLAGS)
endif

# The fuzz world (tests/fuzz, `make fuzz-host`): the host world's code
# built with clang for libFuzzer, with AddressSanitizer and
# UndefinedBehaviorSanitizer; objects are instrumented for coverage
# (fuzzer-no-link), the harness binaries link libFuzzer's main.
FUZZ_CC ?= clang
FUZZ_SANITIZE := address,undefined
FUZZ_CFLAGS := $(COMMON_CFLAGS) -DSIETCH_HOST=1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer-no-link,$(FUZZ_SANITIZE) -fno-sanitize-recover=all
FUZZ_LDFLAGS := -fsanitize=fuzzer,$(FUZZ_SANITIZE) -fno-sanitize-recover=all
