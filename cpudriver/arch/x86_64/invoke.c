/*
 * cpudriver/arch/x86_64/invoke.c: the architecture's invocations (VNodes,
 * IOMMU tables, mapped frames, Dispatcher, IRQ, IO, Kernel) and the hooks the kernel core
 * calls (kmem_ptr, arch_cte_cleanup, arch_object_destroy).
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
        vnode_unmap(cte);
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

static errval_t io_invoke(struct invocation *inv)
{
    const struct capability *c = &inv->target->cap;
    uint64_t port = inv->arg[0], width = inv->arg[1];
    if (width != 1 && width != 2 && width != 4)
        return SYS_ERR_INVALID_ARGS;
    if (port < c->u.io.first || port + width - 1 > c->u.io.last)
        return CAP_ERR_NO_RIGHTS; // outside the cap's port range
    uint16_t p = (uint16_t)port;
    if (inv->cmd == IOCmd_In) {
        if (!(c->rights & CAP_RIGHT_READ))
            return CAP_ERR_NO_RIGHTS;
        inv->ret[0] = width == 1 ? inb(p) : width == 2 ? inw(p) : inl(p);
        return SYS_ERR_OK;
    }
    if (inv->cmd != IOCmd_Out)
        return SYS_ERR_ILLEGAL_INVOCATION;
    if (!(c->rights & CAP_RIGHT_WRITE))
        return CAP_ERR_NO_RIGHTS;
    uint32_t v = (uint32_t)inv->arg[2];
    if (width == 1)
        outb(p, (uint8_t)v);
    else if (width == 2)
        outw(p, (uint16_t)v);
    else
        outl(p, v);
    return SYS_ERR_OK;
}

static errval_t lookup(struct invocation *inv, uint64_t ref, struct cte **out)
{
    return caps_lookup_slot(inv->root, CAPREF_ADDR(ref), CAPREF_LEVEL(ref), out);
}

// Crossing cores (kernel/include/remote.h): the monitors' side.
static errval_t kernel_remote(struct invocation *inv)
{
    struct cte *c;
    errval_t err = SYS_ERR_OK;
    if (inv->cmd != KernelCmd_RevokeImported)
        err = lookup(inv, inv->arg[0], &c);
    if (err_is_fail(err))
        return err;
    struct capability cap = {0};
    switch (inv->cmd) {
    case KernelCmd_CapExport:
        err = caps_export(c, &cap);
        if (err_is_ok(err)) {
            inv->ret[0] = cap.type | (uint64_t)cap.rights << 8;
            inv->ret[1] = cap.u.raw[0];
            inv->ret[2] = cap.u.raw[1];
        }
        return err;
    case KernelCmd_CapImport:
        cap.type = (uint8_t)inv->arg[1];
        cap.rights = (uint8_t)(inv->arg[1] >> 8);
        cap.u.raw[0] = inv->arg[2];
        cap.u.raw[1] = inv->arg[3];
        return inv->arg[1] >> 16 ? SYS_ERR_INVALID_ARGS : caps_import(c, &cap);
    case KernelCmd_RevokeImported:
        inv->ret[0] = caps_revoke_imported(inv->arg[0], inv->arg[1]);
        return SYS_ERR_OK;
    default: caps_unexport(c); return SYS_ERR_OK;
    }
}

static errval_t kernel_invoke(struct invocation *inv)
{
    // Info only reads; everything else changes the machine.
    uint8_t need = inv->cmd == KernelCmd_Info ? CAP_RIGHT_READ : CAP_RIGHT_WRITE;
    if (!(inv->target->cap.rights & need))
        return CAP_ERR_NO_RIGHTS;
    switch (inv->cmd) {
    case KernelCmd_IPI: {
        uint32_t apic = inv->arg[0] < MAX_CORES ? smp_apic_id((unsigned)inv->arg[0]) : UINT32_MAX;
        if (apic == UINT32_MAX || inv->arg[1] < IRQ_VECTOR_FIRST || inv->arg[1] > IRQ_VECTOR_LAST)
            return SYS_ERR_INVALID_ARGS;
        lapic_send_ipi(apic, (uint8_t)inv->arg[1]);
        return SYS_ERR_OK;
    }
    case KernelCmd_Shutdown:
        if (inv->arg[0] != EXIT_PASS && inv->arg[0] != EXIT_FAIL)
            return SYS_ERR_INVALID_ARGS;
        trace_dump(tsc_hz()); // the trace, if one is recorded, goes out first
        platform_exit((unsigned)inv->arg[0]);
    case KernelCmd_TraceDump: trace_dump(tsc_hz()); return SYS_ERR_OK;
    case KernelCmd_Info:
        inv->ret[0] = sched.core;
        inv->ret[1] = tsc_hz();
        inv->ret[2] = lapic_ticks();
        return SYS_ERR_OK;
    case KernelCmd_CapExport:
    case KernelCmd_CapImport:
    case KernelCmd_RevokeImported:
    case KernelCmd_Unexport: return kernel_remote(inv);
    default: return SYS_ERR_ILLEGAL_INVOCATION;
    }
}

errval_t arch_invoke(struct invocation *inv)
{
    switch (inv->target->cap.type) {
    case ObjType_VNodePML4:
    case ObjType_VNodePDPT:
    case ObjType_VNodePD:
    case ObjType_VNodePT:
    case ObjType_Frame: return vnode_invoke(inv);
    case ObjType_DevFrame:
        return inv->cmd == DevFrameCmd_IOMMUInvalidateIEC ? iommu_devframe_invoke(inv)
                                                          : vnode_invoke(inv);
    case ObjType_IOVNodeL4:
    case ObjType_IOVNodeL3:
    case ObjType_IOVNodeL2:
    case ObjType_IOVNodeL1: return iovnode_invoke(inv);
    case ObjType_Dispatcher: return dispatcher_invoke(inv);
    case ObjType_IRQDest:
    case ObjType_IRQSrc: return irq_invoke(inv);
    case ObjType_IO: return io_invoke(inv);
    case ObjType_Kernel: return kernel_invoke(inv);
    default: return SYS_ERR_ILLEGAL_INVOCATION;
    }
}

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
