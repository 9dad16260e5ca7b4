/*
 * cpudriver/arch/x86_64/invoke.c: the architecture's half of the invocation
 * table (VNodes, IOMMU tables, mapped frames, IRQ, IO, Kernel; invocation.h)
 * with the IO and Kernel commands, and the hooks the kernel core calls
 * (kmem_ptr, arch_cte_cleanup, arch_object_destroy).
 */
#include <arch/iommu.h>
#include <arch/irq.h>
#include <arch/lapic.h>
#include <arch/memlayout.h>
#include <arch/platform.h>
#include <arch/serial.h>
#include <arch/smp.h>
#include <arch/vnode.h>
#include <arch/x86.h>
#include <console.h>
#include <dispatch_arch.h>
#include <kernel_arch.h>
#include <kpi/platform.h>
#include <lmp.h>
#include <remote.h>
#include <trace.h>

void *kmem_ptr(paddr_t pa) { return phys_to_virt(pa); }

void arch_cte_cleanup(struct cte *cte)
{
    if (cte->map.vnode)
        err_ignore(vnode_unmap(cte), "the cap is mapped");
}

void arch_object_destroy(const struct capability *cap)
{
    switch (cap->type) {
    case ObjType_VNodePML4:
    case ObjType_VNodePDPT:
    case ObjType_VNodePD:
    case ObjType_VNodePT: vnode_destroyed(cap); break;
    case ObjType_IOVNodeL4:
    case ObjType_IOVNodeL3:
    case ObjType_IOVNodeL2:
    case ObjType_IOVNodeL1: iovnode_destroyed(cap); break;
    case ObjType_Dispatcher: dispatcher_destroyed(dcb_of(cap)); break;
    case ObjType_Endpoint:
        irq_endpoint_destroyed(endpoint_of(cap));
        endpoint_destroyed(endpoint_of(cap));
        break;
    default: break;
    }
}

// ---- IO: (port, width 1|2|4[, value]) inside the cap's port range ----

static MUST_CHECK errval_t io_decode(struct invocation *inv, struct inv_decoded *d)
{
    (void)d;
    const struct capability *c = &inv->target->cap;
    uint64_t port = inv->arg[0], width = inv->arg[1];
    if (width != 1 && width != 2 && width != 4)
        return SYS_ERR_INVALID_ARGS;
    if (port < c->u.io.first || port + width - 1 > c->u.io.last)
        return CAP_ERR_NO_RIGHTS; // outside the cap's port range
    uint8_t need = inv->cmd == IOCmd_In ? CAP_RIGHT_READ : CAP_RIGHT_WRITE;
    return c->rights & need ? SYS_ERR_OK : CAP_ERR_NO_RIGHTS;
}

static void io_in_invoke(struct invocation *inv, const struct inv_decoded *d)
{
    (void)d;
    uint16_t p = (uint16_t)inv->arg[0];
    uint64_t width = inv->arg[1];
    inv->ret[0] = width == 1 ? inb(p) : width == 2 ? inw(p) : inl(p);
}

static void io_out_invoke(struct invocation *inv, const struct inv_decoded *d)
{
    (void)d;
    uint16_t p = (uint16_t)inv->arg[0];
    uint32_t v = (uint32_t)inv->arg[2];
    if (inv->arg[1] == 1)
        outb(p, (uint8_t)v);
    else if (inv->arg[1] == 2)
        outw(p, (uint16_t)v);
    else
        outl(p, v);
}

// The port range and width are checked before the right, as the range is
// what the cap is about (decode says which right the command needs).
static const struct inv_handler io_invocations[INV_CMDS] = {
    [IOCmd_In] = {0, io_decode, io_in_invoke},
    [IOCmd_Out] = {0, io_decode, io_out_invoke},
};

// ---- Kernel: the machine, and crossing cores (kernel/include/remote.h) ----

static MUST_CHECK errval_t nothing_to_decode(struct invocation *inv, struct inv_decoded *d)
{
    (void)inv;
    (void)d;
    return SYS_ERR_OK;
}

// IPI: (core, vector) a user vector on a core the MADT lists.
static MUST_CHECK errval_t ipi_decode(struct invocation *inv, struct inv_decoded *d)
{
    uint32_t apic = inv->arg[0] < MAX_CORES ? smp_apic_id((unsigned)inv->arg[0]) : UINT32_MAX;
    if (apic == UINT32_MAX || inv->arg[1] < IRQ_VECTOR_FIRST || inv->arg[1] > IRQ_VECTOR_LAST)
        return SYS_ERR_INVALID_ARGS;
    d->val = apic;
    return SYS_ERR_OK;
}

static void ipi_invoke(struct invocation *inv, const struct inv_decoded *d)
{
    lapic_send_ipi((uint32_t)d->val, (uint8_t)inv->arg[1]);
}

static MUST_CHECK errval_t shutdown_decode(struct invocation *inv, struct inv_decoded *d)
{
    (void)d;
    return inv->arg[0] == EXIT_PASS || inv->arg[0] == EXIT_FAIL ? SYS_ERR_OK : SYS_ERR_INVALID_ARGS;
}

static void shutdown_invoke(struct invocation *inv, const struct inv_decoded *d)
{
    (void)d;
    trace_dump(tsc_hz()); // the trace, if one is recorded, goes out first
    platform_exit((unsigned)inv->arg[0]);
}

// TraceDump: the trace, if one is recorded, on the console (kernel/trace.c).
static void trace_dump_invoke(struct invocation *inv, const struct inv_decoded *d)
{
    (void)inv, (void)d;
    trace_dump(tsc_hz());
}

static void info_invoke(struct invocation *inv, const struct inv_decoded *d)
{
    (void)d;
    inv->ret[0] = sched.core;
    inv->ret[1] = tsc_hz();
    inv->ret[2] = lapic_ticks();
}

// CapExport: (capref) -> type | rights << 8, base, bytes.
static MUST_CHECK errval_t export_decode(struct invocation *inv, struct inv_decoded *d)
{
    errval_t err = inv_lookup(inv, inv->arg[0], &d->src);
    return err_is_fail(err) ? err : caps_export_check(d->src);
}

static void export_invoke(struct invocation *inv, const struct inv_decoded *d)
{
    struct capability cap;
    caps_export_apply(d->src, &cap);
    inv->ret[0] = cap.type | (uint64_t)cap.rights << 8;
    inv->ret[1] = cap.u.raw[0];
    inv->ret[2] = cap.u.raw[1];
}

// CapImport: (dest capref, type | rights << 8, base, bytes).
static struct capability imported(const struct invocation *inv)
{
    struct capability cap = {.type = (uint8_t)inv->arg[1], .rights = (uint8_t)(inv->arg[1] >> 8)};
    cap.u.raw[0] = inv->arg[2];
    cap.u.raw[1] = inv->arg[3];
    return cap;
}

static MUST_CHECK errval_t import_decode(struct invocation *inv, struct inv_decoded *d)
{
    errval_t err = inv_lookup(inv, inv->arg[0], &d->dest);
    if (err_is_fail(err))
        return err;
    if (inv->arg[1] >> 16)
        return SYS_ERR_INVALID_ARGS;
    struct capability cap = imported(inv);
    return caps_import_check(d->dest, &cap);
}

static void import_invoke(struct invocation *inv, const struct inv_decoded *d)
{
    struct capability cap = imported(inv);
    caps_import_apply(d->dest, &cap);
}

// RevokeImported: (base, bytes) -> objects deleted.
static void revoke_imported_invoke(struct invocation *inv, const struct inv_decoded *d)
{
    (void)d;
    inv->ret[0] = caps_revoke_imported(inv->arg[0], inv->arg[1]);
}

// Unexport: (capref) the revoke is complete everywhere.
static MUST_CHECK errval_t unexport_decode(struct invocation *inv, struct inv_decoded *d)
{
    return inv_lookup(inv, inv->arg[0], &d->src);
}

static void unexport_invoke(struct invocation *inv, const struct inv_decoded *d)
{
    (void)inv;
    caps_unexport(d->src);
}

// Info only reads; everything else changes the machine.
static const struct inv_handler kernel_invocations[INV_CMDS] = {
    [KernelCmd_IPI] = {CAP_RIGHT_WRITE, ipi_decode, ipi_invoke},
    [KernelCmd_Shutdown] = {CAP_RIGHT_WRITE, shutdown_decode, shutdown_invoke},
    [KernelCmd_Info] = {CAP_RIGHT_READ, nothing_to_decode, info_invoke},
    [KernelCmd_CapExport] = {CAP_RIGHT_WRITE, export_decode, export_invoke},
    [KernelCmd_CapImport] = {CAP_RIGHT_WRITE, import_decode, import_invoke},
    [KernelCmd_RevokeImported] = {CAP_RIGHT_WRITE, nothing_to_decode, revoke_imported_invoke},
    [KernelCmd_Unexport] = {CAP_RIGHT_WRITE, unexport_decode, unexport_invoke},
    [KernelCmd_TraceDump] = {CAP_RIGHT_WRITE, nothing_to_decode, trace_dump_invoke},
};

// ---- Tables and mapped caps ----

// Map needs WRITE on the table, which its decode checks after the types.
#define MAP_ROW   [VNodeCmd_Map] = {0, vnode_map_decode, vnode_map_invoke}
#define IOMAP_ROW [VNodeCmd_Map] = {0, iovnode_map_decode, iovnode_map_invoke}
#define UNMAP_ROW [MappedCmd_Unmap] = {0, mapped_unmap_decode, mapped_unmap_invoke}

static const struct inv_handler vnode_invocations[INV_CMDS] = {MAP_ROW, UNMAP_ROW};
static const struct inv_handler iovnode_invocations[INV_CMDS] = {IOMAP_ROW, UNMAP_ROW};
// Frame and DevFrame: RAMCmd_Retype (= VNodeCmd_Map) is the core's.
static const struct inv_handler frame_invocations[INV_CMDS] = {UNMAP_ROW};
static const struct inv_handler devframe_invocations[INV_CMDS] = {
    UNMAP_ROW,
    [DevFrameCmd_IOMMUInvalidateIEC] = {CAP_RIGHT_WRITE, iommu_iec_decode, iommu_iec_invoke},
};

const struct inv_handler *const arch_invocations[ObjType_Num] = {
    [ObjType_VNodePML4] = vnode_invocations,
    [ObjType_VNodePDPT] = vnode_invocations,
    [ObjType_VNodePD] = vnode_invocations,
    [ObjType_VNodePT] = vnode_invocations,
    [ObjType_IOVNodeL4] = iovnode_invocations,
    [ObjType_IOVNodeL3] = iovnode_invocations,
    [ObjType_IOVNodeL2] = iovnode_invocations,
    [ObjType_IOVNodeL1] = iovnode_invocations,
    [ObjType_Frame] = frame_invocations,
    [ObjType_DevFrame] = devframe_invocations,
    [ObjType_IRQDest] = irqdest_invocations,
    [ObjType_IRQSrc] = irqsrc_invocations,
    [ObjType_IO] = io_invocations,
    [ObjType_Kernel] = kernel_invocations,
};

bool arch_copy_from_user(struct dcb *d, void *buf, uint64_t va, uint64_t len)
{
    paddr_t pml4 = d->vspace.cap.u.vnode.base;
    // Check every page first, so nothing is copied from a partly bad range.
    for (uint64_t p = va & ~(uint64_t)(BASE_PAGE_SIZE - 1); p < va + len; p += BASE_PAGE_SIZE) {
        paddr_t pa;
        if (!vnode_translate(pml4, p, false, &pa))
            return false;
    }
    for (uint64_t done = 0; done < len;) {
        paddr_t pa;
        vnode_translate(pml4, va + done, false, &pa);
        uint64_t n = BASE_PAGE_SIZE - ((va + done) & (BASE_PAGE_SIZE - 1));
        n = n < len - done ? n : len - done;
        const char *src = phys_to_virt(pa);
        for (uint64_t i = 0; i < n; i++)
            ((char *)buf)[done + i] = src[i];
        done += n;
    }
    return true;
}
