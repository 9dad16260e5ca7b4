/* lib/sys/storctl.c: the client side of storctl (sys/storctl.h). */
#include <string.h>
#include <sys/capops.h>
#include <sys/initsvc.h>
#include <sys/slot.h>
#include <sys/storctl.h>

static struct rpc_chan chan;

struct rpc_chan *storctl_chan(errval_t *err)
{
    *err = rpc_bind_service(&chan, STORCTL_NAME, RPC_CONTROL_TIMEOUT_US);
    return &chan;
}

// One call; name (if not NULL) goes in the shared page first; send and
// recv as rpc_call's.
static MUST_CHECK errval_t call_caps(uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2,
                                     const char *name, capref_t send, capref_t recv,
                                     struct rpc_result *r)
{
    errval_t err;
    struct rpc_chan *c = storctl_chan(&err);
    if (err_is_ok(err) && name) {
        if (strlen(name) >= STORCTL_VSA_NAME)
            return err_push(STORCTL_ERR_BAD_NAME, STORCTL_ERR_CALL);
        strcpy(c->buf, name);
    }
    if (err_is_ok(err))
        err = rpc_call(c, op, a0, a1, a2, send, recv, r);
    if (err_no(err) == CAP_ERR_SLOT_EMPTY) { // storctl ended before: a new one, once
        c = storctl_chan(&err);
        if (err_is_ok(err) && name)
            strcpy(c->buf, name);
        if (err_is_ok(err))
            err = rpc_call(c, op, a0, a1, a2, send, recv, r);
    }
    if (err_is_ok(err))
        err = r->err;
    return err_is_ok(err) ? err : err_push(err, STORCTL_ERR_CALL);
}

static MUST_CHECK errval_t call(uint64_t op, uint64_t a0, const char *name, struct rpc_result *r)
{
    return call_caps(op, a0, 0, 0, name, NULL_CAP, NULL_CAP, r);
}

// A call that may bring a cap back: into a new slot *out (freed again if
// none came).
static MUST_CHECK errval_t call_get_cap(uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2,
                                        capref_t send, capref_t *out, struct rpc_result *r)
{
    errval_t err = slot_alloc(out);
    if (err_is_ok(err))
        err = call_caps(op, a0, a1, a2, NULL, send, *out, r);
    if (err_is_ok(err) && !r->got_cap)
        err = SYS_ERR_NOT_FOUND;
    if (err_is_fail(err) && *out) {
        slot_free(*out);
        *out = NULL_CAP;
    }
    return err;
}

errval_t storctl_vsic_create(struct storctl_vsic *out, capref_t *window)
{
    struct rpc_result r;
    capref_t dummy = NULL_CAP;
    errval_t err =
        call_get_cap(STORCTL_VSIC_CREATE, 0, 0, 0, NULL_CAP, window ? window : &dummy, &r);
    if (err_is_ok(err))
        memcpy(out, chan.buf, sizeof(*out));
    if (dummy)
        cap_destroy(dummy);
    return err;
}

errval_t storctl_vsic_queues(uint16_t vsic, uint64_t sq_iova, uint64_t cq_iova, uint16_t entries,
                             capref_t irq_note, capref_t *doorbells)
{
    struct rpc_result r;
    return call_get_cap(STORCTL_VSIC_QUEUES, vsic | (uint64_t)entries << 16, sq_iova, cq_iova,
                        irq_note, doorbells, &r);
}

errval_t storctl_vsic_destroy(uint16_t vsic)
{
    struct rpc_result r;
    return call(STORCTL_VSIC_DESTROY, vsic, NULL, &r);
}

errval_t storctl_vsa_acquire(const char *name, struct storctl_vsa *out)
{
    struct rpc_result r;
    errval_t err = call(STORCTL_VSA_ACQUIRE, 0, name, &r);
    if (err_is_ok(err))
        memcpy(out, chan.buf, sizeof(*out));
    return err;
}

errval_t storctl_vsa_release(const char *name)
{
    struct rpc_result r;
    return call(STORCTL_VSA_RELEASE, 0, name, &r);
}

errval_t storctl_vsa_destroy(const char *name)
{
    struct rpc_result r;
    return call(STORCTL_VSA_DESTROY, 0, name, &r);
}

static MUST_CHECK errval_t list(uint64_t op, void *out, size_t size, unsigned max, unsigned *n)
{
    struct rpc_result r;
    errval_t err = call(op, 0, NULL, &r);
    if (err_is_ok(err)) {
        *n = r.w[0] < max ? (unsigned)r.w[0] : max;
        memcpy(out, chan.buf, *n * size);
    }
    return err;
}

errval_t storctl_vsic_list(struct storctl_vsic *out, unsigned max, unsigned *n)
{
    return list(STORCTL_VSIC_LIST, out, sizeof(*out), max, n);
}

errval_t storctl_vsa_list(struct storctl_vsa *out, unsigned max, unsigned *n)
{
    return list(STORCTL_VSA_LIST, out, sizeof(*out), max, n);
}
