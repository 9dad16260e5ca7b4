/* lib/c/include/sietch/libc_sys.h: the interface between lib/c and the system layer (lib/sys). */
#pragma once

#include <stddef.h>

// lib/c never makes a system call. Everything it needs from the system it
// gets through the libc_sys_* functions below, which lib/sys defines (a test
// build defines its own). lib/c calls them with its internal locks held as
// noted, so they must not call back into lib/c's stdio or malloc.

// Write all len bytes of buf to the console, in order, before returning.
// Output of one call is not interleaved with other output. Called with the
// stdout lock held.
void libc_sys_write(const char *buf, size_t len);

// Read console input into buf (len >= 1). Blocks until at least one byte is
// available and returns the number of bytes stored, 1 <= n <= len. Raw bytes:
// no echo, no line editing (programs that want them do them). Returning 0
// means the input has ended for good; lib/c then reports EOF. Called with the
// stdin lock held.
size_t libc_sys_read(char *buf, size_t len);

// New heap memory: at least bytes (lib/c asks for multiples of 4096, at least
// 64 KiB), readable and writable, aligned to 4096, owned by the caller from
// now on. NULL when no memory is left. lib/c never gives memory back.
// Memory need not be contiguous with earlier calls (lib/c merges it when it
// is). Called with the malloc lock held.
void *libc_sys_morecore(size_t bytes);

// End the program with status (0 success; LIBC_EXIT_ABORT after abort()).
// lib/c has flushed its buffers and run atexit handlers before the call.
_Noreturn void libc_sys_exit(int status);

// The status abort() ends a program with (128 + SIGABRT, the Unix shells'
// convention, so that a parent can tell an abort from an ordinary exit).
#define LIBC_EXIT_ABORT 134

// The program's arguments. startup_arg is the value the program's entry
// point _start received in %rdi (lib/sys and the program loader define what
// it points to). Stores in *argv an array of argc strings followed by NULL
// that stays valid for the whole run, and returns argc >= 0 (argv[0] is the
// program name by convention). A negative return makes libc_start give up
// with status 127.
int libc_sys_args(void *startup_arg, char ***argv);

// The program's first C code, called by _start (lib/c/crt0.S) on a 16-byte
// aligned stack with the startup argument: gets argc/argv through
// libc_sys_args, calls main(argc, argv), then exit() with its result.
_Noreturn void libc_start(void *startup_arg);

// Locks. lib/c guards its shared state with these locks, one per id, each
// taken and released through the hooks below. Until libc_set_lock_hooks is
// called they are no-ops, which is right for a single thread. A thread
// library installs real mutexes before its second thread runs; nothing in
// lib/c changes. lib/c never takes a lock it already holds, and nests them
// only in this order: stdin before stdout, malloc before stdout (the fatal
// error path), atexit before nothing.
enum libc_lock_id {
    LIBC_LOCK_MALLOC, // the heap
    LIBC_LOCK_STDOUT, // stdout and stderr buffers
    LIBC_LOCK_STDIN,  // the stdin buffer (held while a read blocks)
    LIBC_LOCK_ATEXIT, // the atexit table
    LIBC_LOCK_COUNT
};

struct libc_lock_hooks {
    void (*lock)(enum libc_lock_id id);
    void (*unlock)(enum libc_lock_id id);
};

// Install lock hooks (copied; both must be set), or with NULL go back to
// no-ops. Call it while no other thread uses lib/c.
void libc_set_lock_hooks(const struct libc_lock_hooks *hooks);
