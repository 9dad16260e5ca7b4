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

// ---- Invocations (decode/invoke pairs of the invocation table) ----

// Every IRQDest command: a user vector; all but Notify on this core.
static MUST_CHECK errval_t irqdest_decode(const struct invocation *inv)
{
    const struct capability *c = &inv->target->cap;
    uint32_t v = c->u.irqdest.vector;
    if (v < IRQ_VECTOR_FIRST || v > IRQ_VECTOR_LAST)
        return SYS_ERR_INVALID_ARGS;
    if (inv->cmd == IRQDestCmd_Notify) // from any core to the vector's core
        return smp_apic_id(c->u.irqdest.core) == UINT32_MAX ? SYS_ERR_INVALID_ARGS : SYS_ERR_OK;
    if (c->u.irqdest.core != sched.core)
        return SYS_ERR_INVALID_ARGS; // connect it on its own core
    return SYS_ERR_OK;
}

static uint32_t vector_of(const struct invocation *inv)
{
    return inv->target->cap.u.irqdest.vector;
}

// Connect: (endpoint capref) with the write right, to a vector not bound.
static MUST_CHECK errval_t connect_decode(struct invocation *inv, struct inv_decoded *d)
{
    errval_t err = irqdest_decode(inv);
    if (err_is_ok(err))
        err = inv_lookup_typed(inv, inv->arg[0], ObjType_Endpoint, &d->src);
    if (err_is_fail(err))
        return err;
    if (!(d->src->cap.rights & CAP_RIGHT_WRITE))
        return CAP_ERR_NO_RIGHTS;
    return bindings[vector_of(inv)].ep ? IRQ_ERR_VECTOR_USED : SYS_ERR_OK;
}

static void connect_invoke(struct invocation *inv, const struct inv_decoded *d)
{
    uint32_t v = vector_of(inv);
    bindings[v].ep = endpoint_of(&d->src->cap);
    bindings[v].badge = d->src->cap.u.endpoint.badge;
    trap_set_handler(v, user_irq);
}

static MUST_CHECK errval_t disconnect_decode(struct invocation *inv, struct inv_decoded *d)
{
    (void)d;
    errval_t err = irqdest_decode(inv);
    if (err_is_ok(err) && !bindings[vector_of(inv)].ep)
        err = IRQ_ERR_NOT_BOUND;
    return err;
}

static void disconnect_invoke(struct invocation *inv, const struct inv_decoded *d)
{
    (void)d;
    bindings[vector_of(inv)].ep = NULL;
}

static MUST_CHECK errval_t irqdest_plain_decode(struct invocation *inv, struct inv_decoded *d)
{
    (void)d;
    return irqdest_decode(inv);
}

static void notify_invoke(struct invocation *inv, const struct inv_decoded *d)
{
    (void)d;
    const struct capability *c = &inv->target->cap;
    lapic_send_ipi(smp_apic_id(c->u.irqdest.core), (uint8_t)c->u.irqdest.vector);
}

static void getmsi_invoke(struct invocation *inv, const struct inv_decoded *d)
{
    (void)d;
    inv->ret[0] = MSI_ADDR_BASE | (uint64_t)lapic_id() << MSI_ADDR_DEST_SHIFT;
    inv->ret[1] = vector_of(inv); // fixed delivery, edge
}

// Every IRQSrc command: one input at a time, one the IOAPIC has.
static MUST_CHECK errval_t irqsrc_decode(struct invocation *inv, struct inv_decoded *d)
{
    (void)d;
    const struct capability *c = &inv->target->cap;
    if (c->u.irqsrc.first != c->u.irqsrc.last || c->u.irqsrc.first >= gsi_count)
        return SYS_ERR_INVALID_ARGS;
    return SYS_ERR_OK;
}

// Route: (IRQDest capref, IRQ_LEVEL | IRQ_ACTIVE_LOW) to a user vector of this core.
static MUST_CHECK errval_t route_decode(struct invocation *inv, struct inv_decoded *d)
{
    errval_t err = irqsrc_decode(inv, d);
    if (err_is_ok(err))
        err = inv_lookup_typed(inv, inv->arg[0], ObjType_IRQDest, &d->src);
    if (err_is_fail(err))
        return err;
    uint32_t v = d->src->cap.u.irqdest.vector;
    if (inv->arg[1] & ~(uint64_t)(IRQ_LEVEL | IRQ_ACTIVE_LOW) || v < IRQ_VECTOR_FIRST ||
        v > IRQ_VECTOR_LAST || d->src->cap.u.irqdest.core != sched.core)
        return SYS_ERR_INVALID_ARGS;
    return SYS_ERR_OK;
}

static void route_invoke(struct invocation *inv, const struct inv_decoded *d)
{
    uint32_t gsi = inv->target->cap.u.irqsrc.first, v = d->src->cap.u.irqdest.vector;
    uint64_t flags = inv->arg[1];
    bindings[v].gsi = gsi;
    bindings[v].level = flags & IRQ_LEVEL;
    uint32_t lo = v | ((flags & IRQ_LEVEL) ? REDIR_LEVEL : 0) |
                  ((flags & IRQ_ACTIVE_LOW) ? REDIR_ACTIVE_LOW : 0);
    ioapic_write(IOAPIC_REDTBL(gsi) + 1, lapic_id() << 24); // physical destination
    ioapic_write(IOAPIC_REDTBL(gsi), lo);
}

static void ack_invoke(struct invocation *inv, const struct inv_decoded *d)
{
    (void)d;
    gsi_mask(inv->target->cap.u.irqsrc.first, false);
}

static void mask_invoke(struct invocation *inv, const struct inv_decoded *d)
{
    (void)d;
    gsi_mask(inv->target->cap.u.irqsrc.first, true);
}

const struct inv_handler irqdest_invocations[INV_CMDS] = {
    [IRQDestCmd_Connect] = {CAP_RIGHT_WRITE, connect_decode, connect_invoke},
    [IRQDestCmd_Disconnect] = {CAP_RIGHT_WRITE, disconnect_decode, disconnect_invoke},
    [IRQDestCmd_Notify] = {CAP_RIGHT_WRITE, irqdest_plain_decode, notify_invoke},
    [IRQDestCmd_GetMSI] = {CAP_RIGHT_WRITE, irqdest_plain_decode, getmsi_invoke},
};

const struct inv_handler irqsrc_invocations[INV_CMDS] = {
    [IRQSrcCmd_Route] = {CAP_RIGHT_WRITE, route_decode, route_invoke},
    [IRQSrcCmd_Ack] = {CAP_RIGHT_WRITE, irqsrc_decode, ack_invoke},
    [IRQSrcCmd_Mask] = {CAP_RIGHT_WRITE, irqsrc_decode, mask_invoke},
};
