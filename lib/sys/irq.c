/* lib/sys/irq.c: notification caps, and device interrupts connected to endpoints (sys/irq.h). */
#include <sys/capops.h>
#include <sys/devmgr.h>
#include <sys/irq.h>
#include <sys/rpc.h>
#include <sys/slot.h>

errval_t notify_cap(capref_t ep, uint64_t bits, capref_t *out)
{
    *out = NULL_CAP;
    errval_t err = slot_alloc(out);
    if (err_is_fail(err))
        return err;
    err = cap_mint(*out, ep, CAP_RIGHT_WRITE, RPC_BADGE_NOTIFY | bits, 0);
    if (err_is_fail(err)) {
        slot_free(*out);
        *out = NULL_CAP;
    }
    return err;
}

errval_t irq_connect(capref_t irqdest, capref_t ep, uint64_t bits)
{
    capref_t note;
    errval_t err = notify_cap(ep, bits, &note);
    if (err_is_fail(err))
        return err;
    err = invoke_irqdest_connect(irqdest, note);
    cap_destroy(note); // the IRQDest holds its own copy
    return err;
}

errval_t irq_to_endpoint(uint16_t rid, capref_t ep, uint64_t bits, struct dev_irq *irq)
{
    errval_t err = devmgr_irq(rid, &irq->cap, &irq->vector, &irq->msi_addr, &irq->msi_data);
    if (err_is_fail(err))
        return err;
    err = irq_connect(irq->cap, ep, bits);
    if (err_is_fail(err)) {
        cap_destroy(irq->cap);
        irq->cap = NULL_CAP;
        err_ignore(devmgr_irq_return(irq->vector),
                   "the connect's error is the one to report; a vector that cannot be given "
                   "back is devmgr's to reclaim when we end");
    }
    return err;
}
