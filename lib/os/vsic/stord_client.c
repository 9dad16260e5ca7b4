/* lib/os/vsic/stord_client.c: a struct blockdev over stord's IPC (os/stord.h). */
#include <os/stord.h>
#include <string.h>
#include <sys/initsvc.h>
#include <sys/storctl.h>

// One request: stord's answer, or the channel's error, under STORD_ERR_CALL.
static MUST_CHECK errval_t call(struct stord_bdev *s, uint64_t op, uint64_t a0, uint64_t a1,
                                struct rpc_result *r)
{
    errval_t err = rpc_call(&s->chan, op, a0, a1, 0, NULL_CAP, NULL_CAP, r);
    if (err_is_ok(err))
        err = r->err;
    return err_is_ok(err) ? err : err_push(err, STORD_ERR_CALL);
}

// Blocks per call: what the shared page holds.
static uint32_t batch(const struct stord_bdev *s) { return RPC_BUF_SIZE / s->dev.block_size; }

static MUST_CHECK errval_t s_read(void *arg, uint64_t block, uint32_t count, void *buf)
{
    struct stord_bdev *s = arg;
    struct rpc_result r;
    for (uint32_t done = 0; done < count;) {
        uint32_t n = count - done < batch(s) ? count - done : batch(s);
        errval_t err = call(s, STORD_READ, block + done, n, &r);
        if (err_is_fail(err))
            return err;
        memcpy((char *)buf + (size_t)done * s->dev.block_size, s->chan.buf,
               (size_t)n * s->dev.block_size);
        done += n;
    }
    return SYS_ERR_OK;
}

static MUST_CHECK errval_t s_write(void *arg, uint64_t block, uint32_t count, const void *buf)
{
    struct stord_bdev *s = arg;
    struct rpc_result r;
    for (uint32_t done = 0; done < count;) {
        uint32_t n = count - done < batch(s) ? count - done : batch(s);
        memcpy(s->chan.buf, (const char *)buf + (size_t)done * s->dev.block_size,
               (size_t)n * s->dev.block_size);
        errval_t err = call(s, STORD_WRITE, block + done, n, &r);
        if (err_is_fail(err))
            return err;
        done += n;
    }
    return SYS_ERR_OK;
}

static MUST_CHECK errval_t s_flush(void *arg)
{
    struct rpc_result r;
    return call(arg, STORD_FLUSH, 0, 0, &r);
}

errval_t stord_open(const char *name, struct stord_bdev *s)
{
    struct rpc_result r;
    memset(s, 0, sizeof(*s));
    if (strlen(name) >= STORCTL_VSA_NAME)
        return STORCTL_ERR_BAD_NAME;
    errval_t err = rpc_bind_service(&s->chan, STORD_NAME, 0); // a data path: no time limit
    if (err_is_ok(err)) {
        strcpy(s->chan.buf, name);
        err = call(s, STORD_OPEN, 0, 0, &r);
    }
    if (err_is_ok(err) && (r.w[0] == 0 || r.w[0] > RPC_BUF_SIZE || (r.w[0] & (r.w[0] - 1))))
        err = SYS_ERR_CORRUPT; // a block size we cannot batch
    if (err_is_fail(err)) {
        if (s->chan.bound) // give the channel back: stord forgets a closed one
            err_ignore(rpc_close(&s->chan), "the open's own error is the one to report");
        return err;
    }
    s->dev = (struct blockdev){s_read, s_write, s_flush, (uint32_t)r.w[0], r.w[1], s};
    s->nsid = (uint32_t)r.w[2];
    return SYS_ERR_OK;
}

errval_t stord_close(struct stord_bdev *s)
{
    struct rpc_result r;
    return call(s, STORD_CLOSE, 0, 0, &r);
}
