/* kernel/syscall.c: decode system calls and route them; leave the kernel. */
#include <captypes.h>
#include <console.h>
#include <dispatch_arch.h>
#include <invocation.h>
#include <kcheck.h>
#include <kernel_arch.h>
#include <kpi/dispatcher.h>
#include <lmp.h>
#include <syscall.h>

#define PRINT_CHUNK 256
#define PRINT_MAX   4096

static void sys_invoke(struct dcb *cur)
{
    uint64_t ref = arch_syscall_arg(cur, 0);
    struct invocation inv = {.root = &cur->cspace.cap, .cmd = (uint32_t)arch_syscall_arg(cur, 1)};
    errval_t err = inv_resolve(inv.root, ref, &inv.target);
    if (err_is_ok(err) && inv.target->cap.type == ObjType_Null)
        err = CAP_ERR_SLOT_EMPTY;
    if (err_is_ok(err)) {
        for (unsigned i = 0; i < INVOCATION_ARGS; i++)
            inv.arg[i] = arch_syscall_arg(cur, 2 + i);
        err = invocation_dispatch(&inv);
    }
    // The invocation may have stopped cur (or deleted its dispatcher):
    // results then go nowhere, harmlessly, since it never resumes.
    arch_syscall_result(cur, err, inv.ret, INVOCATION_RETS);
}

// Copy the user buffer through the kernel in chunks; an unmapped byte
// fails the call before anything is printed from that chunk. The whole
// call's text goes out under the console lock, so it is never split by
// another core's, and SYS_PRINT_EDIT marks the shell's input line
// (console_line.h).
static void sys_print(struct dcb *cur)
{
    uint64_t va = arch_syscall_arg(cur, 0), len = arch_syscall_arg(cur, 1);
    uint64_t flags = arch_syscall_arg(cur, 2);
    if (len > PRINT_MAX || !arch_user_range_ok(va, len) || (flags & ~(uint64_t)SYS_PRINT_EDIT)) {
        arch_syscall_result(cur, SYS_ERR_INVALID_ARGS, NULL, 0);
        return;
    }
    unsigned cflags = flags & SYS_PRINT_EDIT ? CONSOLE_EDIT : 0;
    errval_t err = SYS_ERR_OK;
    char buf[PRINT_CHUNK];
    console_begin(cflags);
    for (uint64_t done = 0; done < len;) {
        uint64_t n = len - done < PRINT_CHUNK ? len - done : PRINT_CHUNK;
        if (!arch_copy_from_user(cur, buf, va + done, n)) {
            err = SYS_ERR_BAD_USER_POINTER;
            break;
        }
        console_write(cflags, buf, n);
        done += n;
    }
    console_end(cflags);
    arch_syscall_result(cur, err, NULL, 0);
}

// The self-check (kcheck.h), for fuzzers: a breach is printed with what
// and where (the slot's type and kernel address), and returned.
static void sys_check(struct dcb *cur)
{
    if (!kcheck_enabled) {
        arch_syscall_result(cur, SYS_ERR_ILLEGAL_SYSCALL, NULL, 0);
        return;
    }
    struct kcheck_result r;
    errval_t err = kcheck_run(cur, &r);
    if (err_is_fail(err) && r.where)
        kprintf("kcheck: dispatcher %lu: %s: %s (slot %p: %s %#lx %#lx, rights %#x, mdb flags "
                "%#x, mapped in %#lx entry %u)\n",
                cur->id, err_name(err), r.why, (const void *)r.where,
                captype_name(r.where->cap.type), r.where->cap.u.raw[0], r.where->cap.u.raw[1],
                r.where->cap.rights, r.where->mdb.flags, r.where->map.vnode, r.where->map.entry);
    else if (err_is_fail(err))
        kprintf("kcheck: dispatcher %lu: %s: %s\n", cur->id, err_name(err), r.why);
    uint64_t ret[3] = {r.nodes, r.slots, r.entries};
    arch_syscall_result(cur, err, ret, 3);
}

static void sys_yield(struct dcb *cur)
{
    arch_syscall_result(cur, SYS_ERR_OK, NULL, 0);
    sched_rotate();
    sched.current = NULL; // let the next in line run
}

static void sys_exit(struct dcb *cur) { dispatcher_stop(cur, arch_syscall_arg(cur, 0)); }

// One handler per number (kpi/syscalls.h): an indirect call, so the
// common calls pay for no other call's stack frame.
static void (*const syscalls[])(struct dcb *cur) = {
    [SYS_INVOKE] = sys_invoke, [SYS_YIELD] = sys_yield,   [SYS_SEND] = lmp_sys_send,
    [SYS_RECV] = lmp_sys_recv, [SYS_CALL] = lmp_sys_call, [SYS_PRINT] = sys_print,
    [SYS_EXIT] = sys_exit,     [SYS_CHECK] = sys_check,
};

void syscall_handle(struct dcb *cur)
{
    unsigned num = arch_syscall_num(cur);
    if (num < sizeof(syscalls) / sizeof(syscalls[0]) && syscalls[num])
        syscalls[num](cur);
    else
        arch_syscall_result(cur, SYS_ERR_ILLEGAL_SYSCALL, NULL, 0);
}

// A dispatcher runs only with the caps it was set up with; if a revoke
// took any of them away, it cannot run any more.
static bool runnable(struct dcb *d)
{
    return d->cspace.cap.type == ObjType_L1CNode && d->vspace.cap.type == ObjType_VNodePML4 &&
           d->dispframe.cap.type == ObjType_Frame;
}

void kernel_exit(void)
{
    for (;;) {
        if (sched.cleanup)
            dispatcher_cleanup_pending();
        struct dcb *next = sched_next();
        if (!next)
            arch_idle();
        sched.current = next;
        if (runnable(next))
            arch_resume(next);
        kprintf("dispatcher %lu stopped: a cap it runs with (CSpace, VSpace or frame) was "
                "deleted\n",
                next->id);
        dispatcher_stop(next, DISP_EXIT_KILLED);
    }
}
