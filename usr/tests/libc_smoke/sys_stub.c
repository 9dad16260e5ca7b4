/* usr/tests/libc_smoke/sys_stub.c: stand-in libc_sys hooks so libc_smoke links before lib/sys
 * exists.
 *
 * Not a system layer: output goes to a buffer in memory, the heap is a
 * static arena, there is no input, and exit spins. When lib/sys provides the
 * hooks, libc_smoke links `sys` instead and this file goes away.
 */
#include <sietch/libc_sys.h>
#include <stdint.h>
#include <string.h>

static char output[4096];
static size_t output_len;

void libc_sys_write(const char *buf, size_t len)
{
    size_t room = sizeof(output) - output_len;
    size_t n = len < room ? len : room;
    memcpy(output + output_len, buf, n);
    output_len += n;
}

size_t libc_sys_read(char *buf, size_t len)
{
    return 0; // no console input: EOF
}

static _Alignas(4096) char arena[256 * 1024];
static size_t arena_used;

void *libc_sys_morecore(size_t bytes)
{
    if (bytes > sizeof(arena) - arena_used)
        return NULL;
    void *p = arena + arena_used;
    arena_used += bytes;
    return p;
}

void libc_sys_exit(int status)
{
    for (;;)
        __asm__ volatile("pause");
}

int libc_sys_args(void *startup_arg, char ***argv)
{
    static char name[] = "libc_smoke";
    static char *args[] = {name, NULL};
    *argv = args;
    return 1;
}
