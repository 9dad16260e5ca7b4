/* lib/sys/storctl.c: the client side of storctl (sys/storctl.h). */
#include <string.h>
#include <sys/capops.h>
#include <sys/initsvc.h>
#include <sys/storctl.h>

static struct rpc_chan chan;

struct rpc_chan *storctl_chan(errval_t *err)
{
    *err = SYS_ERR_OK;
    if (!chan.bound) {
        capref_t bind;
        *err = name_lookup_wait(STORCTL_NAME, 10000, &bind);
        if (err_is_ok(*err)) {
            *err = rpc_bind_timeout(&chan, bind, RPC_CONTROL_TIMEOUT_US);
            cap_destroy(bind);
        }
    }
    if (err_is_ok(*err) && !chan.buf)
        *err = rpc_share(&chan);
    return &chan;
}

// One call; name (if not NULL) goes in the shared page first.
static errval_t call(uint64_t op, uint64_t a0, const char *name, struct rpc_result *r)
{
    errval_t err;
    struct rpc_chan *c = storctl_chan(&err);
    if (err_is_ok(err) && name) {
        if (strlen(name) >= STORCTL_VSA_NAME)
            return STORCTL_ERR_BAD_NAME;
        strcpy(c->buf, name);
    }
    if (err_is_ok(err))
        err = rpc_call(c, op, a0, 0, 0, NULL_CAP, NULL_CAP, r);
    if (err_no(err) == CAP_ERR_SLOT_EMPTY) { // storctl ended before: a new one, once
        c = storctl_chan(&err);
        if (err_is_ok(err) && name)
            strcpy(c->buf, name);
        if (err_is_ok(err))
            err = rpc_call(c, op, a0, 0, 0, NULL_CAP, NULL_CAP, r);
    }
    return err_is_ok(err) ? r->err : err;
}

errval_t storctl_vsic_create(struct storctl_vsic *out)
{
    struct rpc_result r;
    errval_t err = call(STORCTL_VSIC_CREATE, 0, NULL, &r);
    if (err_is_ok(err))
        memcpy(out, chan.buf, sizeof(*out));
    return err;
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

static errval_t list(uint64_t op, void *out, size_t size, unsigned max, unsigned *n)
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
