/* lib/sys/initsvc.c: the client side of init's name and process services. */
#include <string.h>
#include <sys/capops.h>
#include <sys/initsvc.h>
#include <sys/slot.h>
#include <sys/sys.h>

static struct rpc_chan init_chan;

struct rpc_chan *initsvc_chan(errval_t *err)
{
    *err = SYS_ERR_OK;
    if (!init_chan.bound)
        *err = rpc_bind(&init_chan, cap_at(ROOTCN_SLOT_TASKCN, TASKCN_SLOT_INITEP), NULL_CAP);
    if (err_is_ok(*err) && !init_chan.buf)
        *err = rpc_share(&init_chan);
    return &init_chan;
}

// A call with a string in the shared page.
static MUST_CHECK errval_t call_str(uint64_t op, const char *s, uint64_t a0, capref_t send,
                                    capref_t recv, struct rpc_result *r)
{
    errval_t err;
    struct rpc_chan *c = initsvc_chan(&err);
    if (err_is_ok(err) && s && strlen(s) >= RPC_BUF_SIZE)
        err = SYS_ERR_INVALID_ARGS;
    if (err_is_ok(err) && s)
        memcpy(c->buf, s, strlen(s) + 1);
    if (err_is_ok(err))
        err = rpc_call(c, op, a0, 0, 0, send, recv, r);
    if (err_is_ok(err))
        err = r->err;
    return err_is_ok(err) ? err : err_push(err, INIT_ERR_CALL);
}

errval_t name_register(const char *name, capref_t ep)
{
    capref_t send;
    errval_t err = slot_alloc(&send);
    if (err_is_ok(err))
        err = cap_copy(send, ep, CAP_RIGHT_WRITE | CAP_RIGHT_GRANT); // unbadged: init mints
    struct rpc_result r;
    if (err_is_ok(err))
        err = call_str(INIT_NAME_REGISTER, name, 0, send, NULL_CAP, &r);
    cap_destroy(send); // init keeps its copy
    return err;
}

errval_t name_lookup(const char *name, capref_t *bind_cap)
{
    errval_t err = slot_alloc(bind_cap);
    struct rpc_result r;
    if (err_is_ok(err))
        err = call_str(INIT_NAME_LOOKUP, name, 0, NULL_CAP, *bind_cap, &r);
    if (err_is_ok(err) && !r.got_cap)
        err = LMP_ERR_CAP_TRANSFER;
    if (err_is_fail(err))
        slot_free(*bind_cap);
    return err;
}

errval_t name_lookup_wait(const char *name, uint64_t timeout_ms, capref_t *bind_cap)
{
    // (A clock not running yet, sys_tsc_hz() 0, means no wait, not forever.)
    uint64_t end = sys_tsc_hz() ? sys_clock_us() + timeout_ms * 1000 : 0;
    errval_t err;
    while (err_has(err = name_lookup(name, bind_cap), NAME_ERR_NOT_FOUND) && sys_clock_us() < end)
        sys_yield();
    return err;
}

errval_t rpc_bind_service(struct rpc_chan *c, const char *name, uint64_t timeout_us)
{
    errval_t err = SYS_ERR_OK;
    if (!c->bound) {
        capref_t bind;
        err = name_lookup_wait(name, 10000, &bind);
        if (err_is_ok(err)) {
            err = timeout_us ? rpc_bind_timeout(c, bind, timeout_us) : rpc_bind(c, bind, NULL_CAP);
            cap_destroy(bind);
        }
    }
    if (err_is_ok(err) && !c->buf)
        err = rpc_share(c);
    return err;
}

errval_t proc_spawn(const char *cmdline, uint64_t *pid)
{
    return proc_spawn_on(PROC_ANY_CORE, cmdline, pid);
}

errval_t proc_spawn_on(unsigned core, const char *cmdline, uint64_t *pid)
{
    return proc_spawn_limited(core, cmdline, NULL, pid);
}

errval_t proc_spawn_limited(unsigned core, const char *cmdline, const struct proc_limits *limits,
                            uint64_t *pid)
{
    errval_t err;
    struct rpc_chan *c = initsvc_chan(&err);
    size_t n = strlen(cmdline);
    if (err_is_ok(err) && n >= INIT_SPAWN_LIMITS_AT)
        err = SPAWN_ERR_ARGS;
    if (err_is_fail(err))
        return err;
    memcpy(c->buf, cmdline, n + 1);
    memcpy((char *)c->buf + INIT_SPAWN_LIMITS_AT, limits ? limits : &proc_limits_default,
           sizeof(*limits));
    struct rpc_result r;
    err = rpc_call(c, INIT_PROC_SPAWN, core, 1, 0, NULL_CAP, NULL_CAP, &r);
    if (err_is_ok(err))
        err = r.err;
    if (err_is_ok(err))
        *pid = r.w[0];
    return err_is_ok(err) ? err : err_push(err, INIT_ERR_CALL);
}

errval_t proc_limits(uint64_t pid, struct proc_limits *out)
{
    struct rpc_result r;
    errval_t err = call_str(INIT_PROC_LIMITS, NULL, pid, NULL_CAP, NULL_CAP, &r);
    if (err_is_ok(err))
        proc_limits_unpack(r.w, out);
    return err;
}

errval_t proc_wait(uint64_t pid, uint64_t *status)
{
    struct rpc_result r;
    errval_t err = call_str(INIT_PROC_WAIT, NULL, pid, NULL_CAP, NULL_CAP, &r);
    if (err_is_ok(err))
        *status = r.w[0];
    return err;
}

errval_t proc_status(uint64_t pid, uint32_t *state, uint64_t *status)
{
    struct rpc_result r;
    errval_t err = call_str(INIT_PROC_STATUS, NULL, pid, NULL_CAP, NULL_CAP, &r);
    if (err_is_ok(err)) {
        *state = (uint32_t)r.w[0];
        *status = r.w[1];
    }
    return err;
}

errval_t proc_watch(uint64_t pid, capref_t note)
{
    struct proc_limits unused;
    return proc_watch_limits(pid, note, &unused);
}

errval_t proc_watch_limits(uint64_t pid, capref_t note, struct proc_limits *limits)
{
    struct rpc_result r;
    errval_t err = call_str(INIT_PROC_WATCH, NULL, pid, note, NULL_CAP, &r);
    if (err_is_ok(err))
        proc_limits_unpack(r.w, limits);
    return err;
}

errval_t proc_kill(uint64_t pid)
{
    struct rpc_result r;
    return call_str(INIT_PROC_KILL, NULL, pid, NULL_CAP, NULL_CAP, &r);
}

errval_t proc_list(struct proc_info *out, unsigned max, unsigned *n)
{
    struct rpc_result r;
    errval_t err = call_str(INIT_PROC_LIST, NULL, 0, NULL_CAP, NULL_CAP, &r);
    if (err_is_fail(err))
        return err;
    *n = r.w[0] < max ? (unsigned)r.w[0] : max;
    memcpy(out, init_chan.buf, *n * sizeof(*out));
    return SYS_ERR_OK;
}

errval_t proc_caps(uint64_t pid, uint64_t first, const char **text, uint64_t *next)
{
    errval_t err;
    struct rpc_chan *c = initsvc_chan(&err);
    struct rpc_result r;
    if (err_is_ok(err))
        err = rpc_call(c, INIT_PROC_CAPS, pid, first, 0, NULL_CAP, NULL_CAP, &r);
    if (err_is_ok(err))
        err = r.err;
    if (err_is_ok(err)) {
        *text = c->buf;
        *next = r.w[1];
    }
    return err;
}

errval_t sys_poweroff(void)
{
    struct rpc_result r;
    return call_str(INIT_POWEROFF, NULL, 0, NULL_CAP, NULL_CAP, &r);
}
