/* tests/unit/kernel/fake_dispatch.c: the dispatcher/LMP architecture hooks on the host. */
#include "fake_dispatch.h"
#include <check.h>
#include <console.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct fake_disp fd;

#define USER_TOP 0x0000800000000000ull

static void console_add(const char *s, size_t n)
{
    size_t room = sizeof(fd.console) - 1 - fd.console_len;
    n = n < room ? n : room;
    memcpy(fd.console + fd.console_len, s, n);
    fd.console_len += n;
    fd.console[fd.console_len] = 0;
}

void kprintf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    console_add(buf, n < 0 ? 0 : (size_t)n);
}

// The console for SYS_PRINT: text appended as it is, the flags of the last
// call kept.
void console_begin(unsigned flags) { fd.console_flags = flags; }
void console_write(unsigned flags, const char *buf, size_t len)
{
    (void)flags;
    console_add(buf, len);
}
void console_end(unsigned flags) { (void)flags; }

bool arch_user_range_ok(uint64_t va, uint64_t len)
{
    return va + len >= va && va + len <= USER_TOP;
}

void arch_dispatcher_init(struct dcb *d, uint64_t entry, uint64_t stack, uint64_t arg)
{
    memset(&d->regs, 0, sizeof(d->regs));
    d->regs.rip = entry;
    d->regs.rsp = stack;
    d->regs.rdi = arg;
}

bool arch_copy_from_user(struct dcb *d, void *buf, uint64_t va, uint64_t len)
{
    (void)d;
    (void)va;
    if (!fd.user_readable)
        return false;
    memset(buf, 'u', len);
    return true;
}

void arch_resume(struct dcb *d)
{
    fd.resumed = d;
    longjmp(fd.exit_jmp, 1);
}

void arch_idle(void)
{
    fd.resumed = NULL;
    longjmp(fd.exit_jmp, 1);
}

static void on_destroy(const struct capability *cap)
{
    if (cap->type == ObjType_Dispatcher)
        dispatcher_destroyed(dcb_of(cap));
    else if (cap->type == ObjType_Endpoint)
        endpoint_destroyed(endpoint_of(cap));
}

void fake_dispatch_reset(void)
{
    world_setup();
    memset(&fd, 0, sizeof(fd));
    memset(&sched, 0, sizeof(sched));
    fake.on_destroy = on_destroy;
}

struct dcb *new_dispatcher(uint32_t i)
{
    struct cte *disp = world_slot(1, i);
    struct cte *pml4 = world_slot(1, 100 + i), *frame = world_slot(1, 200 + i);
    world_new(disp, ObjType_Dispatcher, DISPATCHER_SIZE);
    world_new(pml4, ObjType_VNodePML4, VNODE_SIZE);
    world_new(frame, ObjType_Frame, BASE_PAGE_SIZE);
    struct invocation inv = {.root = w.root, .target = disp, .cmd = DispatcherCmd_Setup};
    inv.arg[1] = CAPREF(CAPADDR(1, 100 + i), CAP_LEVEL_L2);
    inv.arg[2] = CAPREF(CAPADDR(1, 200 + i), CAP_LEVEL_L2);
    inv.arg[3] = 0x401000;
    inv.arg[4] = 0x7ff000;
    // Set up with a copy of the world's root in slot (0, 250).
    ck_assert_uint_eq(caps_copy(world_slot(0, 250), &w.boot[2], CAP_RIGHTS_ALL), SYS_ERR_OK);
    inv.arg[0] = CAPREF(CAPADDR(0, 250), CAP_LEVEL_L2);
    errval_t err = invocation_dispatch(&inv);
    ck_assert_msg(err_is_ok(err), "setup: %s", err_name(err));
    ck_assert_uint_eq(caps_delete(world_slot(0, 250)), SYS_ERR_OK);
    return dcb_of(&disp->cap);
}

void enter_syscall(struct dcb *d, uint64_t num, const uint64_t args[10])
{
    struct trap_frame *r = &d->regs;
    uint64_t *in[] = {&r->rdi, &r->rsi, &r->rdx, &r->r10, &r->r8,
                      &r->r9,  &r->r12, &r->r13, &r->r14, &r->r15};
    r->rax = num;
    for (unsigned i = 0; i < 10; i++)
        *in[i] = args[i];
    sched.current = d;
}

void do_syscall(struct dcb *d, uint64_t num, const uint64_t *args, unsigned n)
{
    uint64_t a[10] = {0};
    for (unsigned i = 0; i < n && i < 10; i++)
        a[i] = args[i];
    enter_syscall(d, num, a);
    syscall_handle(d);
}

errval_t result_err(const struct dcb *d) { return d->regs.rax; }

uint64_t result_word(const struct dcb *d, unsigned i)
{
    const struct trap_frame *r = &d->regs;
    const uint64_t out[] = {r->rdx, r->rsi, r->rdi, r->r10, r->r8, r->r9};
    return out[i];
}

struct dcb *run_kernel_exit(void)
{
    if (setjmp(fd.exit_jmp) == 0)
        kernel_exit();
    return fd.resumed;
}
