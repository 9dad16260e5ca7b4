/* lib/sys/include/sys/caps.h: naming capabilities and invoking them. */
#pragma once

#include <kpi/caps.h>
#include <kpi/init.h>
#include <sys/syscall.h>

// A reference to a slot in this domain's CSpace: CAPREF(addr, level).
typedef uint64_t capref_t;

#define NULL_CAP ((capref_t)0)

// Slot j of the L2 CNode in L1 slot k, and L1 slot k itself.
static inline capref_t cap_at(uint32_t k, uint32_t j)
{
    return CAPREF(CAPADDR(k, j), CAP_LEVEL_L2);
}
static inline capref_t cap_l1(uint32_t k) { return CAPREF(k, CAP_LEVEL_L1); }

// Well-known caps of every domain (kpi/init.h).
#define cap_root       cap_at(ROOTCN_SLOT_TASKCN, TASKCN_SLOT_ROOTCN)
#define cap_dispatcher cap_at(ROOTCN_SLOT_TASKCN, TASKCN_SLOT_DISPATCHER)
#define cap_vroot      cap_at(ROOTCN_SLOT_TASKCN, TASKCN_SLOT_VROOT)
#define cap_dispframe  cap_at(ROOTCN_SLOT_TASKCN, TASKCN_SLOT_DISPFRAME)
#define cap_selfep     cap_at(ROOTCN_SLOT_TASKCN, TASKCN_SLOT_ENDPOINT)
#define cap_kernel     cap_at(ROOTCN_SLOT_TASKCN, TASKCN_SLOT_KERNEL)
#define cap_io         cap_at(ROOTCN_SLOT_TASKCN, TASKCN_SLOT_IO)

// Invoke cap with command cmd and up to six argument words.
static inline struct sysret cap_invoke(capref_t cap, uint32_t cmd, uint64_t a0, uint64_t a1,
                                       uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    return syscall10(SYS_INVOKE, cap, cmd, a0, a1, a2, a3, a4, a5, 0, 0);
}

// ---- CNode (invoked on a root CNode; caprefs resolve in its CSpace) ----

static inline MUST_CHECK errval_t invoke_cnode_copy(capref_t root, capref_t dest_cnode,
                                                    uint32_t dest_slot, capref_t src,
                                                    uint8_t rights)
{
    return cap_invoke(root, CNodeCmd_Copy, dest_cnode, dest_slot, src, rights, 0, 0).err;
}

static inline MUST_CHECK errval_t invoke_cnode_mint(capref_t root, capref_t dest_cnode,
                                                    uint32_t dest_slot, capref_t src,
                                                    uint8_t rights, uint64_t p1, uint64_t p2)
{
    return cap_invoke(root, CNodeCmd_Mint, dest_cnode, dest_slot, src, rights, p1, p2).err;
}

static inline MUST_CHECK errval_t invoke_cnode_delete(capref_t root, capref_t cap)
{
    return cap_invoke(root, CNodeCmd_Delete, cap, 0, 0, 0, 0, 0).err;
}

static inline MUST_CHECK errval_t invoke_cnode_revoke(capref_t root, capref_t cap)
{
    return cap_invoke(root, CNodeCmd_Revoke, cap, 0, 0, 0, 0, 0).err;
}

// Identify: ret words as kpi/caps.h lays out struct cap_info.
static inline MUST_CHECK errval_t invoke_cnode_identify(capref_t root, capref_t cap,
                                                        struct cap_info *info)
{
    struct sysret r = cap_invoke(root, CNodeCmd_Identify, cap, 0, 0, 0, 0, 0);
    if (err_is_ok(r.err)) {
        info->type = (uint8_t)r.w[0];
        info->rights = (uint8_t)(r.w[0] >> 8);
        info->reserved = 0;
        info->slots = (uint32_t)(r.w[0] >> 32);
        info->base = r.w[1];
        info->bytes = r.w[2];
    }
    return r.err;
}

// ---- Memory ----

static inline MUST_CHECK errval_t invoke_ram_retype(capref_t src, enum objtype type,
                                                    uint64_t offset, uint64_t objsize,
                                                    uint64_t count, capref_t dest_cnode,
                                                    uint32_t dest_slot)
{
    return cap_invoke(src, RAMCmd_Retype, type, offset, objsize, count, dest_cnode, dest_slot).err;
}

static inline MUST_CHECK errval_t invoke_vnode_map(capref_t table, uint32_t entry, capref_t src,
                                                   uint32_t flags, uint64_t offset, uint64_t pages)
{
    return cap_invoke(table, VNodeCmd_Map, entry, src, flags, offset, pages, 0).err;
}

static inline MUST_CHECK errval_t invoke_unmap(capref_t mapped)
{
    return cap_invoke(mapped, MappedCmd_Unmap, 0, 0, 0, 0, 0, 0).err;
}

// ---- Dispatchers ----

static inline MUST_CHECK errval_t invoke_dispatcher_setup(capref_t disp, capref_t cspace,
                                                          capref_t vspace, capref_t frame,
                                                          uint64_t entry, uint64_t stack,
                                                          uint64_t arg)
{
    return cap_invoke(disp, DispatcherCmd_Setup, cspace, vspace, frame, entry, stack, arg).err;
}

static inline MUST_CHECK errval_t invoke_dispatcher_run(capref_t disp)
{
    return cap_invoke(disp, DispatcherCmd_Run, 0, 0, 0, 0, 0, 0).err;
}

static inline MUST_CHECK errval_t invoke_dispatcher_stop(capref_t disp)
{
    return cap_invoke(disp, DispatcherCmd_Stop, 0, 0, 0, 0, 0, 0).err;
}

// state: DISP_STATE_*; status: the exit status once stopped.
static inline MUST_CHECK errval_t invoke_dispatcher_info(capref_t disp, uint64_t *state,
                                                         uint64_t *status)
{
    struct sysret r = cap_invoke(disp, DispatcherCmd_Info, 0, 0, 0, 0, 0, 0);
    *state = r.w[0];
    *status = r.w[1];
    return r.err;
}

// ---- Interrupts, I/O ports, the kernel ----

static inline MUST_CHECK errval_t invoke_irqdest_connect(capref_t dest, capref_t ep)
{
    return cap_invoke(dest, IRQDestCmd_Connect, ep, 0, 0, 0, 0, 0).err;
}

static inline MUST_CHECK errval_t invoke_irqdest_disconnect(capref_t dest)
{
    return cap_invoke(dest, IRQDestCmd_Disconnect, 0, 0, 0, 0, 0, 0).err;
}

// Raise dest's vector on its core (from any core).
static inline MUST_CHECK errval_t invoke_irqdest_notify(capref_t dest)
{
    return cap_invoke(dest, IRQDestCmd_Notify, 0, 0, 0, 0, 0, 0).err;
}

static inline MUST_CHECK errval_t invoke_irqsrc_route(capref_t src, capref_t dest, uint32_t flags)
{
    return cap_invoke(src, IRQSrcCmd_Route, dest, flags, 0, 0, 0, 0).err;
}

static inline MUST_CHECK errval_t invoke_irqsrc_ack(capref_t src)
{
    return cap_invoke(src, IRQSrcCmd_Ack, 0, 0, 0, 0, 0, 0).err;
}

static inline MUST_CHECK errval_t invoke_io_in(capref_t io, uint16_t port, unsigned width,
                                               uint32_t *v)
{
    struct sysret r = cap_invoke(io, IOCmd_In, port, width, 0, 0, 0, 0);
    *v = (uint32_t)r.w[0];
    return r.err;
}

static inline MUST_CHECK errval_t invoke_io_out(capref_t io, uint16_t port, unsigned width,
                                                uint32_t v)
{
    return cap_invoke(io, IOCmd_Out, port, width, v, 0, 0, 0).err;
}

static inline MUST_CHECK errval_t invoke_kernel_ipi(capref_t k, uint32_t core, uint32_t vector)
{
    return cap_invoke(k, KernelCmd_IPI, core, vector, 0, 0, 0, 0).err;
}

static inline MUST_CHECK errval_t invoke_kernel_shutdown(capref_t k, uint32_t status)
{
    return cap_invoke(k, KernelCmd_Shutdown, status, 0, 0, 0, 0, 0).err;
}

// Stop the kernel's trace and print it on the console (nothing if it
// records none: the `trace` kernel argument).
static inline MUST_CHECK errval_t invoke_kernel_trace_dump(capref_t k)
{
    return cap_invoke(k, KernelCmd_TraceDump, 0, 0, 0, 0, 0, 0).err;
}

// core, TSC frequency in Hz, timer ticks since boot.
static inline MUST_CHECK errval_t invoke_kernel_info(capref_t k, uint64_t out[3])
{
    struct sysret r = cap_invoke(k, KernelCmd_Info, 0, 0, 0, 0, 0, 0);
    for (int i = 0; i < 3; i++)
        out[i] = r.w[i];
    return r.err;
}

// ---- Other system calls ----

static inline MUST_CHECK errval_t sys_print(const char *buf, uint64_t len)
{
    return syscall3(SYS_PRINT, (uint64_t)buf, len, 0).err;
}

// Print the console's input line: a prompt and the echo of what is typed
// (SYS_PRINT_EDIT); other programs' output then never splits it.
static inline MUST_CHECK errval_t sys_print_edit(const char *buf, uint64_t len)
{
    return syscall3(SYS_PRINT, (uint64_t)buf, len, SYS_PRINT_EDIT).err;
}

// Not MUST_CHECK, the one exception: the kernel's yield always succeeds
// (SYS_YIELD has no failure), and every wait loop calls it.
static inline errval_t sys_yield(void) { return syscall0(SYS_YIELD).err; }

static inline _Noreturn void sys_exit(uint64_t status)
{
    syscall2(SYS_EXIT, status, 0);
    __builtin_unreachable();
}
