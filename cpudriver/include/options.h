/* cpudriver/include/options.h: the CPU driver's command-line options. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// The command line is space-separated words, each "key" or "key=value"
// (e.g. "panic=exit crash=pf shutdown"). Values hold no spaces.

// Copy the value of key into val (size bytes, NUL-terminated) and return
// true if key is present; a bare "key" has the value "". Returns false if
// absent or if the value does not fit.
bool opt_get(const char *cmdline, const char *key, char *val, size_t size);

// True if key is present (with or without a value).
bool opt_has(const char *cmdline, const char *key);

// The value of key as an unsigned number (decimal, or hex with 0x), or def
// if absent or not a number.
uint64_t opt_uint(const char *cmdline, const char *key, uint64_t def);
