/* lib/sys/include/sys/lmp.h: LMP messages on endpoints (kpi/syscalls.h). */
#pragma once

#include <sys/caps.h>

struct lmp_recv_msg {
    uint64_t badge;
    uint64_t words[LMP_MSG_WORDS];
    uint64_t flags; // LMP_RECV_*
};

// Send words on ep (LMP_FLAG_* in flags; with LMP_FLAG_SEND_CAP, cap is copied).
static inline MUST_CHECK errval_t lmp_send(capref_t ep, uint32_t flags, capref_t cap,
                                           const uint64_t w[4])
{
    return syscall10(SYS_SEND, ep, flags, cap, w[0], w[1], w[2], w[3], 0, 0, 0).err;
}

static inline void lmp_unpack(const struct sysret *r, struct lmp_recv_msg *m)
{
    m->badge = r->w[0];
    for (int i = 0; i < LMP_MSG_WORDS; i++)
        m->words[i] = r->w[1 + i];
    m->flags = r->w[5];
}

// Receive on ep; a transferred cap goes to recv_slot (NULL_CAP: none wanted).
static inline MUST_CHECK errval_t lmp_recv(capref_t ep, uint32_t flags, capref_t recv_slot,
                                           struct lmp_recv_msg *m)
{
    struct sysret r = syscall10(SYS_RECV, ep, flags, recv_slot, 0, 0, 0, 0, 0, 0, 0);
    if (err_is_ok(r.err))
        lmp_unpack(&r, m);
    return r.err;
}

// lmp_recv with a time limit: SYS_ERR_TIMEOUT when nothing came within
// timeout_us (not 0; counted in the kernel's timer ticks, 10 ms: see
// LMP_FLAG_TIMEOUT). SYS_ERR_INVALID_ARGS for 0.
static inline MUST_CHECK errval_t lmp_recv_timeout(capref_t ep, uint32_t flags, capref_t recv_slot,
                                                   uint64_t timeout_us, struct lmp_recv_msg *m)
{
    struct sysret r =
        syscall10(SYS_RECV, ep, flags | LMP_FLAG_TIMEOUT, recv_slot, timeout_us, 0, 0, 0, 0, 0, 0);
    if (err_is_ok(r.err))
        lmp_unpack(&r, m);
    return r.err;
}

// lmp_call with a time limit on the whole call (not 0): SYS_ERR_TIMEOUT
// when no reply came in time. The reply may still come later, to reply_ep.
static inline MUST_CHECK errval_t lmp_call_timeout(capref_t ep, uint32_t flags, capref_t cap,
                                                   const uint64_t w[4], capref_t reply_ep,
                                                   capref_t recv_slot, uint64_t timeout_us,
                                                   struct lmp_recv_msg *m)
{
    struct sysret r = syscall10(SYS_CALL, ep, flags | LMP_FLAG_TIMEOUT, cap, w[0], w[1], w[2], w[3],
                                reply_ep, recv_slot, timeout_us);
    if (err_is_ok(r.err))
        lmp_unpack(&r, m);
    return r.err;
}

// Send on ep, then wait for the reply on reply_ep, in one system call.
static inline MUST_CHECK errval_t lmp_call(capref_t ep, uint32_t flags, capref_t cap,
                                           const uint64_t w[4], capref_t reply_ep,
                                           capref_t recv_slot, struct lmp_recv_msg *m)
{
    struct sysret r =
        syscall10(SYS_CALL, ep, flags, cap, w[0], w[1], w[2], w[3], reply_ep, recv_slot, 0);
    if (err_is_ok(r.err))
        lmp_unpack(&r, m);
    return r.err;
}
