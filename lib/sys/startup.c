/*
 * lib/sys/startup.c: a domain's start in lib/sys: lib/c's system hooks
 * (sietch/libc_sys.h), the exception handler, and who we are.
 */
#include <kpi/dispatcher.h>
#include <kpi/init.h>
#include <sietch/libc_sys.h>
#include <stdio.h>
#include <string.h>
#include <sys/caps.h>
#include <sys/exception.h>
#include <sys/sys.h>
#include <sys/vspace.h>

#define EXC_STACK_SIZE 16384
#define EXIT_FAULT     139 // 128 + SIGSEGV, as Unix shells report it

static char exc_stack[EXC_STACK_SIZE] __attribute__((aligned(16)));
static struct dispatcher_frame *const frame = (struct dispatcher_frame *)DISPFRAME_VA;
static const struct args_page *args;
static size_t (*console_reader)(char *buf, size_t len);

uint64_t sys_pid(void) { return args ? args->pid : 0; }
uint64_t sys_boot_tsc(void) { return args ? args->boot_tsc : 0; }
uint64_t sys_tsc_hz(void) { return args ? args->tsc_hz : 0; }

uint64_t sys_clock_us(void)
{
    uint64_t hz = sys_tsc_hz(), t = sys_rdtsc() - sys_boot_tsc();
    // In two parts, so that t * 1000000 cannot overflow.
    return hz == 0 ? 0 : t / hz * 1000000 + t % hz * 1000000 / hz;
}

uint64_t sys_clock_us_hook(void *arg)
{
    (void)arg;
    return sys_clock_us();
}

unsigned sys_core(void) { return frame->core; }

const char *sys_name(void) { return args && args->argc ? (const char *)args->argv[0] : "?"; }

void sys_set_console_reader(size_t (*read)(char *buf, size_t len)) { console_reader = read; }

static const char *const exception_names[] = {
    [0] = "divide error", [6] = "invalid opcode",   [13] = "general protection fault",
    [14] = "page fault",  [17] = "alignment check",
};

// Page faults in the heap map memory and continue, and so do those a
// library's handler takes (the server library's, in a client's shared
// page that went away: sys/server.h); anything else ends the program with
// a line saying what happened. Runs on its own stack, so it prints with a
// system call, not through stdio (whose lock may be held).
static void on_exception(uint64_t vector, uint64_t error, uint64_t addr)
{
    if (vector == EXC_PAGE_FAULT &&
        (vspace_heap_fault(addr) || exception_fault_handled(addr, error))) {
        frame->in_exception = 0;
        exc_resume(&frame->exc.regs);
    }
    const char *what =
        vector < sizeof(exception_names) / sizeof(exception_names[0]) && exception_names[vector]
            ? exception_names[vector]
            : "CPU exception";
    char line[160];
    int n = snprintf(line, sizeof(line),
                     "%s (pid %lu): %s (vector %lu, error %#lx) at rip %#lx, address %#lx\n",
                     sys_name(), sys_pid(), what, vector, error, frame->exc.regs.rip, addr);
    err_ignore(sys_print(line, (uint64_t)n < sizeof(line) ? (uint64_t)n : sizeof(line) - 1),
               "nowhere left to report that the console failed");
    sys_exit(EXIT_FAULT);
}

// ---- lib/c's hooks ----

int libc_sys_args(void *startup_arg, char ***argv)
{
    const struct args_page *a = startup_arg;
    if (!a || a->magic != ARGS_PAGE_MAGIC || a->argc > ARGS_MAX)
        return -1;
    args = a;
    if (a->argc)
        strlcpy(frame->name, (const char *)a->argv[0], sizeof(frame->name));
    exception_set_handler(frame, on_exception, exc_stack + EXC_STACK_SIZE);
    *argv = (char **)(uintptr_t)a->argv;
    return (int)a->argc;
}

void libc_sys_write(const char *buf, size_t len)
{
    while (len > 0) {
        size_t n = len < 4096 ? len : 4096;
        err_ignore(sys_print(buf, n), "nowhere left to report that the console failed");
        buf += n;
        len -= n;
    }
}

size_t libc_sys_read(char *buf, size_t len)
{
    return console_reader ? console_reader(buf, len) : 0;
}

void *libc_sys_morecore(size_t bytes)
{
    errval_t err;
    return vspace_heap_grow(bytes, &err);
}

void libc_sys_exit(int status) { sys_exit((uint64_t)status); }
