/* tests/unit/libc/sys_host.c: libc_sys hooks over host memory, for the lib/c unit tests. */
#include "sys_host.h"

#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "sietch/libc_sys.h"

char host_out[1 << 16];
size_t host_out_len;
unsigned host_writes;

void host_out_reset(void)
{
    host_out_len = 0;
    host_out[0] = 0;
    host_writes = 0;
}

void libc_sys_write(const char *buf, size_t len)
{
    size_t room = sizeof(host_out) - 1 - host_out_len;
    size_t n = len < room ? len : room;
    memcpy(host_out + host_out_len, buf, n);
    host_out_len += n;
    host_out[host_out_len] = 0;
    host_writes++;
}

static const char *input;
static size_t input_left, input_chunk;
unsigned host_reads;
size_t host_out_len_at_read;

void host_set_input(const char *s, size_t chunk)
{
    input = s;
    input_left = strlen(s);
    input_chunk = chunk;
}

size_t libc_sys_read(char *buf, size_t len)
{
    host_reads++;
    host_out_len_at_read = host_out_len;
    size_t n = input_left < len ? input_left : len;
    if (n > input_chunk)
        n = input_chunk;
    memcpy(buf, input, n);
    input += n;
    input_left -= n;
    return n;
}

#define ARENA_SIZE ((size_t)512 << 20)
static _Alignas(4096) char arena[ARENA_SIZE];
static size_t arena_used, arena_limit = ARENA_SIZE;
static bool arena_gaps;
unsigned host_morecore_calls, host_morecore_bad;

void host_heap_limit(size_t limit) { arena_limit = limit < ARENA_SIZE ? limit : ARENA_SIZE; }

void host_heap_gaps(bool gaps) { arena_gaps = gaps; }

void *libc_sys_morecore(size_t bytes)
{
    host_morecore_calls++;
    if (bytes % 4096 != 0 || bytes < 64 * 1024)
        host_morecore_bad++;
    size_t start = arena_used + (arena_gaps && arena_used ? 4096 : 0);
    if (start > arena_limit || bytes > arena_limit - start)
        return NULL;
    arena_used = start + bytes;
    return arena + start;
}

static const char *abort_want;

void host_expect_abort(const char *want) { abort_want = want; }

void (*host_at_exit)(int status);

void libc_sys_exit(int status)
{
    if (host_at_exit)
        host_at_exit(status);
    if (status == LIBC_EXIT_ABORT && abort_want && strstr(host_out, abort_want)) {
        signal(SIGABRT, SIG_DFL);
        raise(SIGABRT);
    }
    _exit(status == LIBC_EXIT_ABORT ? 99 : status);
}

// The host tests never go through libc_start.
int libc_sys_args(void *startup_arg, char ***argv) { return -1; }
