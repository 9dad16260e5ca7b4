/* lib/sys/libc_glue.c: the system side of lib/c (sietch/libc_sys.h). */
#include <kpi/init.h>
#include <sietch/libc_sys.h>
#include <sys/caps.h>

// The heap comes from a fixed arena in the program image for now.
// TODO(#5): grow the heap with frames from mem_serv and map them on demand.
#define ARENA_BYTES (1u << 20)
static char arena[ARENA_BYTES] __attribute__((aligned(4096)));
static size_t arena_used;

void libc_sys_write(const char *buf, size_t len)
{
    while (len > 0) {
        size_t n = len < 4096 ? len : 4096;
        sys_print(buf, n);
        buf += n;
        len -= n;
    }
}

size_t libc_sys_read(char *buf, size_t len)
{
    // TODO(#5): console input through the serial driver.
    (void)buf;
    (void)len;
    return 0;
}

void *libc_sys_morecore(size_t bytes)
{
    bytes = (bytes + 4095) & ~(size_t)4095;
    if (bytes > ARENA_BYTES - arena_used)
        return NULL;
    void *p = arena + arena_used;
    arena_used += bytes;
    return p;
}

void libc_sys_exit(int status) { sys_exit((uint64_t)status); }

int libc_sys_args(void *startup_arg, char ***argv)
{
    struct args_page *a = startup_arg;
    if (!a || a->magic != ARGS_PAGE_MAGIC || a->argc > ARGS_MAX)
        return -1;
    *argv = (char **)a->argv;
    return (int)a->argc;
}
