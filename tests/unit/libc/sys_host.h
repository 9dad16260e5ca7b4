/* tests/unit/libc/sys_host.h: the host tests' libc_sys hooks and their controls. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

// Console output: everything lib/c wrote (NUL-terminated), and how many
// libc_sys_write calls brought it.
extern char host_out[1 << 16];
extern size_t host_out_len;
extern unsigned host_writes;
void host_out_reset(void);

// Console input: libc_sys_read hands out input, at most chunk bytes per
// call, then returns 0 (end of input). host_reads counts the calls, and
// host_out_len_at_read is host_out_len at the last one.
void host_set_input(const char *input, size_t chunk);
extern unsigned host_reads;
extern size_t host_out_len_at_read;

// The heap: libc_sys_morecore serves a 512 MiB arena, at most limit bytes
// of it in all (host_heap_limit), leaving a page unused between calls when
// gaps is set (so that chunks are never contiguous). host_morecore_calls
// counts calls; host_morecore_bad counts requests that broke the contract
// (not a multiple of 4096 or under 64 KiB).
void host_heap_limit(size_t limit);
void host_heap_gaps(bool gaps);
extern unsigned host_morecore_calls, host_morecore_bad;

// libc_sys_exit ends the test process with the status; LIBC_EXIT_ABORT
// becomes SIGABRT, but only when the output so far contains want (set by
// host_expect_abort), so a test that expects an abort with a message sees
// SIGABRT only for the right one; otherwise the process exits with 99.
void host_expect_abort(const char *want);

// Called first thing in libc_sys_exit with the status, when set: a test
// checks there what lib/c did before ending the program, and _exits with
// another status if that was wrong.
extern void (*host_at_exit)(int status);
