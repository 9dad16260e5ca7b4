/* lib/c/lock.c: the lock hooks that make lib/c thread-safe once lib/sys installs them. */
#include "internal.h"

struct libc_lock_hooks libc_locks;

void libc_set_lock_hooks(const struct libc_lock_hooks *hooks)
{
    if (hooks && (!hooks->lock || !hooks->unlock))
        libc_fatal("libc_set_lock_hooks: both lock and unlock must be given");
    libc_locks = hooks ? *hooks : (struct libc_lock_hooks){0};
}
