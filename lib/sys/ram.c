/* lib/sys/ram.c: RAM from mem_serv (or a local source in init and mem_serv). */
#include <sys/capops.h>
#include <sys/memserv.h>
#include <sys/ram.h>
#include <sys/slot.h>

static struct ram_source local;
static struct rpc_chan memserv;

void ram_set_source(const struct ram_source *src) { local = *src; }

struct rpc_chan *memserv_chan(errval_t *err)
{
    *err = SYS_ERR_OK;
    if (!memserv.bound)
        *err = rpc_bind(&memserv, cap_at(ROOTCN_SLOT_TASKCN, TASKCN_SLOT_MEMSERV),
                        cap_at(ROOTCN_SLOT_TASKCN, TASKCN_SLOT_REPLYEP));
    return &memserv;
}

errval_t ram_alloc(capref_t *ret, uint64_t bytes, uint64_t align)
{
    if (local.alloc)
        return local.alloc(local.arg, ret, bytes, align);
    errval_t err;
    struct rpc_chan *c = memserv_chan(&err);
    if (err_is_fail(err))
        return err;
    err = slot_alloc(ret);
    if (err_is_fail(err))
        return err;
    struct rpc_result r;
    err = rpc_call(c, MEMSERV_ALLOC, bytes, align, 0, NULL_CAP, *ret, &r);
    if (err_is_ok(err))
        err = err_is_fail(r.err) ? r.err : r.got_cap ? SYS_ERR_OK : LMP_ERR_CAP_TRANSFER;
    if (err_is_fail(err)) {
        slot_free(*ret);
        return err_push(err, MM_ERR_CALL);
    }
    return SYS_ERR_OK;
}

errval_t ram_free(capref_t ram)
{
    if (local.free)
        return local.free(local.arg, ram);
    errval_t err;
    struct rpc_chan *c = memserv_chan(&err);
    struct rpc_result r;
    if (err_is_ok(err))
        err = rpc_call(c, MEMSERV_FREE, 0, 0, 0, ram, NULL_CAP, &r);
    if (err_is_ok(err))
        err = r.err;
    cap_destroy(ram); // mem_serv revoked it; the slot is ours to reuse
    return err;
}

errval_t memserv_stats(uint64_t *total, uint64_t *free, uint64_t *mine)
{
    errval_t err;
    struct rpc_chan *c = memserv_chan(&err);
    struct rpc_result r;
    if (err_is_ok(err))
        err = rpc_call(c, MEMSERV_STATS, 0, 0, 0, NULL_CAP, NULL_CAP, &r);
    if (err_is_ok(err))
        err = r.err;
    if (err_is_ok(err)) {
        *total = r.w[0];
        *free = r.w[1];
        *mine = r.w[2];
    }
    return err;
}
