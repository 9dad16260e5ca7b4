/*
 * cpudriver/arch/x86_64/dispatch_arch.c: entering and leaving user mode.
 *
 * A system call (syscall.S) saves the user registers straight into the
 * current DCB; an interrupt or exception (traps.S) leaves them at the top
 * of this core's kernel stack and user_trap copies them there. Either way
 * the kernel leaves through arch_resume, which pops the frame of the DCB
 * it resumes where it lies (traps.S: trap_return, iretq). An LMP message
 * that qualifies for the fast path (lmp_fastpath) goes from the sender's
 * entry to the receiver's resume without the general path.
 */
#include <arch/gdt.h>
#include <arch/lapic.h>
#include <arch/memlayout.h>
#include <arch/paging.h>
#include <arch/percpu.h>
#include <arch/trap.h>
#include <arch/x86.h>
#include <base/string.h>
#include <console.h>
#include <dispatch_arch.h>
#include <kernel_arch.h>
#include <kpi/dispatcher.h>
#include <lmp.h>
#include <syscall.h>
#include <trace.h>

// User RFLAGS a dispatcher may set: the arithmetic flags, TF and DF.
// IF is always on; IOPL, NT, VM, AC and the rest are never the user's.
#define USER_RFLAGS_MASK 0xdd5ull
#define USER_RFLAGS_SET  0x202ull
// Syscalls clear these: interrupts off, string ops forward, no single-step.
#define SYSCALL_FMASK    0x47700ull
// Idle leaves some room above its stack (a habit from when resuming
// copied the frame to the stack top; harmless).
#define IDLE_STACK_GAP   512

extern const char trap_return[];
void syscall_entry(void);
_Noreturn void syscall_entry_c(struct trap_frame *tf);

static struct percpu boot_cpu;

struct percpu *this_cpu(void)
{
    struct percpu *p;
    __asm__ volatile("mov %%gs:0, %0" : "=r"(p));
    return p;
}

void percpu_init(uint32_t core, uint64_t kstack_top)
{
    boot_cpu = (struct percpu){.self = &boot_cpu, .kstack_top = kstack_top, .core = core};
    wrmsr(MSR_GS_BASE, (uint64_t)&boot_cpu);
    wrmsr(MSR_KERNEL_GS_BASE, 0);
    tss_set_rsp0(kstack_top);
    // syscall/sysret: kernel CS/SS from STAR[47:32]; user selectors from
    // STAR[63:48] (we leave by iretq, but keep them right).
    wrmsr(MSR_STAR, ((uint64_t)(SEL_UDATA - 8) << 48) | ((uint64_t)SEL_KCODE << 32));
    wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
    wrmsr(MSR_FMASK, SYSCALL_FMASK);
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
    sched.core = core;
}

// tf is &sched.current->regs, already saved by syscall.S.
void syscall_entry_c(struct trap_frame *tf)
{
    struct dcb *cur = sched.current;
    TRACE_SYSCALL(cur); // when on, the traced entry (trace.c) takes over from here
    if (tf->rax == SYS_CALL || tf->rax == SYS_SEND) {
        struct dcb *next = lmp_fastpath(cur);
        if (next)
            arch_resume(next);
    }
    syscall_handle(cur);
    kernel_exit();
}

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
    d->regs.rflags = USER_RFLAGS_SET;
    d->regs.cs = SEL_UCODE;
    d->regs.ss = SEL_UDATA;
    // The kernel's half of every address space is the same.
    uint64_t *pml4 = kmem_ptr(d->vspace.cap.u.vnode.base);
    const uint64_t *kernel = phys_to_virt(paging_kernel_pml4());
    memcpy(&pml4[256], &kernel[256], 256 * sizeof(uint64_t));
    // Tell the domain which core it runs on.
    if (d->dispframe.cap.type == ObjType_Frame) {
        struct dispatcher_frame *df = kmem_ptr(d->dispframe.cap.u.mem.base);
        df->core = d->core;
    }
}

// ---- Leaving the kernel ----

void arch_resume(struct dcb *d)
{
    paddr_t pml4 = d->vspace.cap.u.vnode.base;
    if (read_cr3() != pml4)
        write_cr3(pml4);
    // Resume from the DCB itself (no copy), and have the next system call
    // save d's registers there.
    struct trap_frame *f = &d->regs;
    f->cs = SEL_UCODE;
    f->ss = SEL_UDATA;
    f->rflags = (f->rflags & USER_RFLAGS_MASK) | USER_RFLAGS_SET;
    __asm__ volatile("mov %0, %%gs:%c1" : : "r"(f + 1), "i"(PERCPU_USER_REGS) : "memory");
    __asm__ volatile("mov %0, %%rsp\n\tjmp trap_return_user" : : "r"(f) : "memory");
    __builtin_unreachable();
}

static _Noreturn void idle_loop(void)
{
    for (;;) {
        // sti takes effect after hlt starts: no wake-up is lost between them.
        __asm__ volatile("sti\n\thlt\n\tcli" ::: "memory");
        if (sched_next())
            kernel_exit();
    }
}

void arch_idle(void)
{
    sched.current = NULL;
    __asm__ volatile("mov %0, %%rsp\n\tjmp *%1"
                     :
                     : "r"(this_cpu()->kstack_top - IDLE_STACK_GAP), "r"(idle_loop)
                     : "memory");
    __builtin_unreachable();
}

// ---- Exceptions and interrupts from user mode ----

#define DISP_NAME_BYTES sizeof(((struct dispatcher_frame *)0)->name)

// The name d's program wrote into its frame, printable characters only.
static void name_of(const struct dcb *d, char name[DISP_NAME_BYTES + 1])
{
    const struct dispatcher_frame *f = kmem_ptr(d->dispframe.cap.u.mem.base);
    for (unsigned i = 0; i < DISP_NAME_BYTES; i++) {
        char c = d->dispframe.cap.type == ObjType_Frame ? f->name[i] : 0;
        name[i] = (c >= 32 && c < 127) ? c : 0;
    }
    name[DISP_NAME_BYTES] = 0;
}

void dispatch_print_current(void)
{
    char name[DISP_NAME_BYTES + 1];
    if (!sched.current)
        return;
    name_of(sched.current, name);
    kprintf("(core %u was running dispatcher %lu '%s')\n", sched.core, sched.current->id, name);
}

static void report_exception(struct dcb *d, const struct trap_frame *tf, uint64_t cr2,
                             const char *why)
{
    char name[DISP_NAME_BYTES + 1];
    name_of(d, name);
    kprintf("dispatcher %lu '%s': %s at rip %#lx, error %#lx", d->id, name,
            trap_exception_name(tf->vector), tf->rip, tf->error);
    if (tf->vector == 14)
        kprintf(", address %#lx", cr2);
    kprintf(": %s; stopped\n", why);
}

// Hand an exception to the dispatcher's own handler, or stop it.
static void user_exception(struct dcb *d, const struct trap_frame *tf)
{
    struct dispatcher_frame *f = kmem_ptr(d->dispframe.cap.u.mem.base);
    uint64_t cr2 = tf->vector == 14 ? read_cr2() : 0;
    const char *why = NULL;
    if (!f->exc_handler)
        why = "no exception handler";
    else if (f->in_exception)
        why = "exception inside its exception handler";
    else if (!arch_user_range_ok(f->exc_handler, 1) || !arch_user_range_ok(f->exc_stack - 64, 64))
        why = "exception handler or stack outside user space";
    if (why) {
        report_exception(d, tf, cr2, why);
        dispatcher_stop(d, DISP_EXIT_EXCEPTION);
        return;
    }
    f->exc = (struct exception_info){.vector = tf->vector, .error = tf->error, .fault_addr = cr2};
    f->exc.regs = (struct user_regs){
        tf->rax, tf->rbx, tf->rcx, tf->rdx, tf->rsi, tf->rdi, tf->rbp, tf->rsp, tf->r8,
        tf->r9,  tf->r10, tf->r11, tf->r12, tf->r13, tf->r14, tf->r15, tf->rip, tf->rflags,
    };
    f->in_exception = 1;
    d->regs.rip = f->exc_handler;
    d->regs.rsp = (f->exc_stack & ~15ull) - 8; // as if called
    d->regs.rdi = tf->vector;
    d->regs.rsi = tf->error;
    d->regs.rdx = cr2;
}

void user_trap(struct trap_frame *tf)
{
    struct dcb *cur = sched.current;
    if (cur)
        cur->regs = *tf;
    TRACE_IRQ(tf, false);
    if (tf->vector < VEC_EXCEPTIONS && cur) {
        user_exception(cur, tf);
    } else {
        trap_handle_irq(tf);
        if (tf->vector == VEC_LAPIC_TIMER) {
            sched_rotate(); // preempt: the next in line runs
            sched.current = NULL;
        }
    }
    TRACE_IRQ(tf, true);
    kernel_exit();
}
