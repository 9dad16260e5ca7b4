/*
 * lib/test/include/test/report.h: the in-OS tests' one result line.
 *
 * Every test program reports through report(), so the harness
 * (tools/harness, tests/system/README.md) reads one format:
 * "TEST PASS <id>" or "TEST FAIL <id>: <why>", each on a line of its own.
 */
#pragma once

#include <stdbool.h>

// Failures reported so far: a program's exit status (or its
// isa-debug-exit code, for one that runs as init) is made from it.
extern unsigned tests_failed;

// Put before every ID (NULL or "": none): "vsictest." makes "cap" report
// as vsictest.cap, so a program's IDs cannot collide with another's.
extern const char *test_id_prefix;

// Print the why after a PASS as well (off by default): for programs whose
// passes are worth reading, such as what each attack of hostile got back.
extern bool test_why_on_pass;

// Report one result: "TEST PASS id" when ok, else "TEST FAIL id: why"
// with why made from fmt (printf-style, cut at 240 characters) and the
// failure counted in tests_failed. Returns ok.
bool report(const char *id, bool ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
