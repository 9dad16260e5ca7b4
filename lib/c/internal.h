/* lib/c/internal.h: what lib/c's own files share and programs do not see. */
#pragma once

#include <sietch/libc_sys.h>

// The installed lock hooks (lock.c); both NULL until libc_set_lock_hooks.
extern struct libc_lock_hooks libc_locks;

static inline void libc_lock(enum libc_lock_id id)
{
    if (libc_locks.lock)
        libc_locks.lock(id);
}

static inline void libc_unlock(enum libc_lock_id id)
{
    if (libc_locks.unlock)
        libc_locks.unlock(id);
}

// Flush stdout and stderr (stdio.c), for exit() and abort().
void libc_stdio_flush_all(void);

// Report a broken invariant (a bad pointer given to free, a contract broken
// by a libc_sys hook): flush stdout, write "FMT\n" straight to the console,
// then abort(). Needs no heap.
_Noreturn void libc_fatal(const char *fmt, ...) __attribute__((format(__printf__, 1, 2)));
