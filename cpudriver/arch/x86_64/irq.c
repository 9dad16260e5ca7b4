/*
 * cpudriver/arch/x86_64/irq.c: interrupts delivered to user space.
 *
 * An IRQDest cap names a vector on a core; connecting it to an endpoint
 * makes every interrupt on that vector a notification there (the badge of
 * the endpoint cap used to connect). An IRQSrc cap names an IOAPIC input;
 * routing it to an IRQDest programs the IOAPIC. A level-triggered input is
 * masked when it fires, until the driver acknowledges it (IRQSrcCmd_Ack).
 * Edge-triggered and MSI interrupts need no masking.
 */
#include <arch/irq.h>
#include <arch/lapic.h>
#include <arch/memlayout.h>
#include <arch/smp.h>
#include <arch/trap.h>
#include <console.h>
#include <lmp.h>

// IOAPIC (82093AA datasheet 3.0): an index/data register pair.
#define IOAPIC_DEFAULT_BASE 0xfec00000ull
#define IOAPIC_REGSEL       0x00
#define IOAPIC_WIN          0x10
#define IOAPIC_REG_VER      0x01 // bits 23:16: maximum redirection entry
#define IOAPIC_REDTBL(n)    (0x10 + 2 * (n))
#define REDIR_MASKED        (1u << 16)
#define REDIR_LEVEL         (1u << 15)
#define REDIR_ACTIVE_LOW    (1u << 13)
#define NO_GSI              0xffffffffu

// MSI message (Intel SDM Vol. 3A 11.11.1-2): address 0xFEE, destination
// APIC ID in bits 19:12, physical mode, no redirection hint; data: the
// vector in bits 7:0, delivery mode 000 (fixed) and trigger 0 (edge).
#define MSI_ADDR_BASE       0xfee00000ull
#define MSI_ADDR_DEST_SHIFT 12

struct binding {
    struct endpoint *ep;
    uint64_t badge;
    uint32_t gsi; // routed IOAPIC input, NO_GSI if none
    bool level;
};

static volatile uint32_t *ioapic;
static unsigned gsi_count;
static struct binding bindings[256];

static uint32_t ioapic_read(uint32_t reg)
{
    ioapic[IOAPIC_REGSEL / 4] = reg;
    return ioapic[IOAPIC_WIN / 4];
}

static void ioapic_write(uint32_t reg, uint32_t v)
{
    ioapic[IOAPIC_REGSEL / 4] = reg;
    ioapic[IOAPIC_WIN / 4] = v;
}

static void gsi_mask(uint32_t gsi, bool masked)
{
    uint32_t lo = ioapic_read(IOAPIC_REDTBL(gsi));
    ioapic_write(IOAPIC_REDTBL(gsi), masked ? lo | REDIR_MASKED : lo & ~REDIR_MASKED);
}

unsigned irq_gsi_count(void) { return gsi_count; }

void irq_init(paddr_t ioapic_base)
{
    ioapic = phys_to_virt(ioapic_base ? ioapic_base : IOAPIC_DEFAULT_BASE);
    gsi_count = ((ioapic_read(IOAPIC_REG_VER) >> 16) & 0xff) + 1;
    for (unsigned g = 0; g < gsi_count; g++)
        ioapic_write(IOAPIC_REDTBL(g), REDIR_MASKED);
    for (unsigned v = 0; v < 256; v++)
        bindings[v].gsi = NO_GSI;
}

// A user vector fired: mask a level-triggered source until Ack, then notify.
static void user_irq(struct trap_frame *tf)
{
    struct binding *b = &bindings[tf->vector];
    if (b->gsi != NO_GSI && b->level)
        gsi_mask(b->gsi, true);
    lapic_eoi();
    if (b->ep)
        lmp_notify(b->ep, b->badge);
}

void irq_endpoint_destroyed(const struct endpoint *ep)
{
    for (unsigned v = IRQ_VECTOR_FIRST; v <= IRQ_VECTOR_LAST; v++) {
        if (bindings[v].ep == ep)
            bindings[v].ep = NULL;
    }
}

static errval_t irqdest_connect(struct invocation *inv, uint32_t vector)
{
    struct cte *ep;
    uint64_t ref = inv->arg[0];
    errval_t err = caps_lookup_slot(inv->root, CAPREF_ADDR(ref), CAPREF_LEVEL(ref), &ep);
    if (err_is_fail(err))
        return err;
    if (ep->cap.type == ObjType_Null)
        return CAP_ERR_SLOT_EMPTY;
    if (ep->cap.type != ObjType_Endpoint)
        return CAP_ERR_WRONG_TYPE;
    if (!(ep->cap.rights & CAP_RIGHT_WRITE))
        return CAP_ERR_NO_RIGHTS;
    if (bindings[vector].ep)
        return IRQ_ERR_VECTOR_USED;
    bindings[vector].ep = endpoint_of(&ep->cap);
    bindings[vector].badge = ep->cap.u.endpoint.badge;
    trap_set_handler(vector, user_irq);
    return SYS_ERR_OK;
}

static errval_t irqdest_invoke(struct invocation *inv)
{
    const struct capability *c = &inv->target->cap;
    uint32_t v = c->u.irqdest.vector;
    if (v < IRQ_VECTOR_FIRST || v > IRQ_VECTOR_LAST)
        return SYS_ERR_INVALID_ARGS;
    if (inv->cmd == IRQDestCmd_Notify) { // from any core to the vector's core
        uint32_t apic = smp_apic_id(c->u.irqdest.core);
        if (apic == UINT32_MAX)
            return SYS_ERR_INVALID_ARGS;
        lapic_send_ipi(apic, (uint8_t)v);
        return SYS_ERR_OK;
    }
    if (c->u.irqdest.core != sched.core)
        return SYS_ERR_INVALID_ARGS; // connect it on its own core
    switch (inv->cmd) {
    case IRQDestCmd_Connect: return irqdest_connect(inv, v);
    case IRQDestCmd_Disconnect:
        if (!bindings[v].ep)
            return IRQ_ERR_NOT_BOUND;
        bindings[v].ep = NULL;
        return SYS_ERR_OK;
    case IRQDestCmd_GetMSI:
        inv->ret[0] = MSI_ADDR_BASE | (uint64_t)lapic_id() << MSI_ADDR_DEST_SHIFT;
        inv->ret[1] = v; // fixed delivery, edge
        return SYS_ERR_OK;
    default: return SYS_ERR_ILLEGAL_INVOCATION;
    }
}

static errval_t irqsrc_route(struct invocation *inv, uint32_t gsi)
{
    struct cte *d;
    uint64_t ref = inv->arg[0], flags = inv->arg[1];
    errval_t err = caps_lookup_slot(inv->root, CAPREF_ADDR(ref), CAPREF_LEVEL(ref), &d);
    if (err_is_fail(err))
        return err;
    if (d->cap.type != ObjType_IRQDest)
        return d->cap.type == ObjType_Null ? CAP_ERR_SLOT_EMPTY : CAP_ERR_WRONG_TYPE;
    uint32_t v = d->cap.u.irqdest.vector;
    if (flags & ~(uint64_t)(IRQ_LEVEL | IRQ_ACTIVE_LOW) || v < IRQ_VECTOR_FIRST ||
        v > IRQ_VECTOR_LAST || d->cap.u.irqdest.core != sched.core)
        return SYS_ERR_INVALID_ARGS;
    bindings[v].gsi = gsi;
    bindings[v].level = flags & IRQ_LEVEL;
    uint32_t lo = v | ((flags & IRQ_LEVEL) ? REDIR_LEVEL : 0) |
                  ((flags & IRQ_ACTIVE_LOW) ? REDIR_ACTIVE_LOW : 0);
    ioapic_write(IOAPIC_REDTBL(gsi) + 1, lapic_id() << 24); // physical destination
    ioapic_write(IOAPIC_REDTBL(gsi), lo);
    return SYS_ERR_OK;
}

static errval_t irqsrc_invoke(struct invocation *inv)
{
    const struct capability *c = &inv->target->cap;
    uint32_t gsi = c->u.irqsrc.first;
    if (c->u.irqsrc.first != c->u.irqsrc.last || gsi >= gsi_count)
        return SYS_ERR_INVALID_ARGS; // route one input at a time
    switch (inv->cmd) {
    case IRQSrcCmd_Route: return irqsrc_route(inv, gsi);
    case IRQSrcCmd_Ack: gsi_mask(gsi, false); return SYS_ERR_OK;
    case IRQSrcCmd_Mask: gsi_mask(gsi, true); return SYS_ERR_OK;
    default: return SYS_ERR_ILLEGAL_INVOCATION;
    }
}

errval_t irq_invoke(struct invocation *inv)
{
    if (!(inv->target->cap.rights & CAP_RIGHT_WRITE))
        return CAP_ERR_NO_RIGHTS;
    return inv->target->cap.type == ObjType_IRQDest ? irqdest_invoke(inv) : irqsrc_invoke(inv);
}
