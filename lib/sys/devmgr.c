/* lib/sys/devmgr.c: the client side of devmgr (sys/devmgr.h). */
#include <string.h>
#include <sys/capops.h>
#include <sys/devmgr.h>
#include <sys/initsvc.h>
#include <sys/slot.h>

static struct rpc_chan chan;

struct rpc_chan *devmgr_chan(errval_t *err)
{
    *err = rpc_bind_service(&chan, DEVMGR_NAME, RPC_CONTROL_TIMEOUT_US);
    return &chan;
}

// One call; a cap comes back into a new slot if want_cap (*cap, else none).
static MUST_CHECK errval_t call(uint64_t op, uint64_t a0, uint64_t a1, capref_t send, capref_t *cap,
                                struct rpc_result *r)
{
    errval_t err;
    struct rpc_chan *c = devmgr_chan(&err);
    capref_t slot = NULL_CAP;
    if (err_is_ok(err) && cap)
        err = slot_alloc(&slot);
    if (err_is_ok(err))
        err = rpc_call(c, op, a0, a1, 0, send, slot, r);
    if (err_no(err) == CAP_ERR_SLOT_EMPTY) { // its server ended before: bind again, once
        c = devmgr_chan(&err);
        if (err_is_ok(err))
            err = rpc_call(c, op, a0, a1, 0, send, slot, r);
    }
    if (err_is_ok(err))
        err = r->err;
    if (err_is_ok(err) && cap && !r->got_cap)
        err = LMP_ERR_CAP_TRANSFER;
    if (cap && err_is_ok(err))
        *cap = slot;
    else if (slot)
        slot_free(slot);
    return err_is_ok(err) ? err : err_push(err, DEVMGR_ERR_CALL);
}

errval_t devmgr_list(struct devmgr_dev *out, unsigned max, unsigned *n)
{
    struct rpc_result r;
    errval_t err = call(DEVMGR_LIST, 0, 0, NULL_CAP, NULL, &r);
    if (err_is_fail(err))
        return err;
    *n = r.w[0] < max ? (unsigned)r.w[0] : max;
    memcpy(out, chan.buf, *n * sizeof(*out));
    return SYS_ERR_OK;
}

errval_t devmgr_stats(uint64_t *vectors, uint64_t *domains, uint64_t *vectors_all)
{
    struct rpc_result r;
    errval_t err = call(DEVMGR_STATS, 0, 0, NULL_CAP, NULL, &r);
    if (err_is_ok(err)) {
        *vectors = r.w[0];
        *domains = r.w[1];
        *vectors_all = r.w[2];
    }
    return err;
}

errval_t devmgr_lspci(bool verbose, void (*fn)(void *arg, const char *line), void *arg)
{
    uint64_t next = 0;
    do {
        struct rpc_result r;
        errval_t err = call(DEVMGR_LSPCI, verbose, next, NULL_CAP, NULL, &r);
        if (err_is_fail(err))
            return err;
        // Lines, each ended by a newline, in the shared page.
        char *s = chan.buf;
        for (char *nl; (nl = strchr(s, '\n')); s = nl + 1) {
            *nl = 0;
            fn(arg, s);
        }
        next = r.w[0];
    } while (next);
    return SYS_ERR_OK;
}

errval_t devmgr_bar(uint16_t rid, unsigned bar, capref_t *cap, uint64_t *bytes)
{
    struct rpc_result r;
    errval_t err = call(DEVMGR_BAR, rid, bar, NULL_CAP, cap, &r);
    if (err_is_ok(err))
        *bytes = r.w[0];
    return err;
}

errval_t devmgr_config(uint16_t rid, capref_t *cap)
{
    struct rpc_result r;
    return call(DEVMGR_CONFIG, rid, 0, NULL_CAP, cap, &r);
}

errval_t devmgr_irq(uint16_t rid, capref_t *cap, uint32_t *vector, uint64_t *msi_addr,
                    uint32_t *msi_data)
{
    struct rpc_result r;
    errval_t err = call(DEVMGR_IRQ, rid, 0, NULL_CAP, cap, &r);
    if (err_is_ok(err)) {
        *vector = (uint32_t)r.w[0];
        *msi_addr = r.w[1];
        *msi_data = (uint32_t)r.w[2];
    }
    return err;
}

errval_t devmgr_irq_return(uint32_t vector)
{
    struct rpc_result r;
    return call(DEVMGR_IRQ_RETURN, vector, 0, NULL_CAP, NULL, &r);
}

errval_t devmgr_domain(capref_t *root, uint16_t *domain)
{
    struct rpc_result r;
    errval_t err = call(DEVMGR_DOMAIN, 0, 0, NULL_CAP, root, &r);
    if (err_is_ok(err))
        *domain = (uint16_t)r.w[0];
    return err;
}

errval_t devmgr_domain_free(uint16_t domain)
{
    struct rpc_result r;
    return call(DEVMGR_DOMAIN_FREE, domain, 0, NULL_CAP, NULL, &r);
}

errval_t devmgr_attach(uint16_t rid, uint16_t domain, capref_t fault_note)
{
    struct rpc_result r;
    return call(DEVMGR_ATTACH, rid, domain, fault_note, NULL, &r);
}

errval_t devmgr_detach(uint16_t rid)
{
    struct rpc_result r;
    return call(DEVMGR_DETACH, rid, 0, NULL_CAP, NULL, &r);
}

errval_t devmgr_sriov(uint16_t pf, unsigned n, uint16_t *first, uint16_t *stride)
{
    struct rpc_result r;
    errval_t err = call(DEVMGR_SRIOV, pf, n, NULL_CAP, NULL, &r);
    if (err_is_ok(err)) {
        *first = (uint16_t)r.w[0];
        *stride = (uint16_t)r.w[1];
    }
    return err;
}

errval_t devmgr_grant(uint16_t rid, uint64_t pid)
{
    struct rpc_result r;
    return call(DEVMGR_GRANT, rid, pid, NULL_CAP, NULL, &r);
}

errval_t devmgr_return(uint16_t rid)
{
    struct rpc_result r;
    return call(DEVMGR_RETURN, rid, 0, NULL_CAP, NULL, &r);
}

errval_t devmgr_faults(uint16_t rid, uint64_t *count, uint64_t *addr, uint64_t *reason)
{
    struct rpc_result r;
    errval_t err = call(DEVMGR_FAULTS, rid, 0, NULL_CAP, NULL, &r);
    if (err_is_ok(err)) {
        *count = r.w[0];
        *addr = r.w[1];
        *reason = r.w[2];
    }
    return err;
}
