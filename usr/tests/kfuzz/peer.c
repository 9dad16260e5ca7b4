/*
 * usr/tests/kfuzz/peer.c: the partner on the other core. Before each
 * generation the two sides swap a frame each (through init's broker, so
 * each core imports the other's); each side's fuzzers get the other's
 * frame in their pool, and each side revokes its own frame in the middle
 * of its generation: the revoke reaches the copies the other core's
 * fuzzers are using at that moment.
 */
#include "kfuzz.h"
#include <stdio.h>
#include <sys/capops.h>
#include <sys/initsvc.h>

#define PEER_NAME "kfuzz.peer"

enum { W_GO = 1, W_DONE };

static struct ump_conn conn;
static bool parent_side;

errval_t peer_start(unsigned core, const struct run *r, uint64_t *pid)
{
    char line[96];
    errval_t err = ump_offer(PEER_NAME);
    if (err_has(err, NAME_ERR_EXISTS))
        err = SYS_ERR_OK; // ours, from an earlier run
    snprintf(line, sizeof(line), "kfuzz helper %#lx %lu", fuzz_seed(r->seed, 0, 9), r->batch);
    if (err_is_ok(err))
        err = proc_spawn_on(core, line, pid);
    if (err_is_ok(err))
        err = ump_accept(PEER_NAME, &conn);
    parent_side = true;
    return err;
}

errval_t peer_connect(void) { return ump_connect(PEER_NAME, &conn); }

bool peer_exchange(capref_t mine, capref_t *theirs)
{
    uint64_t w[UMP_WORDS] = {W_GO};
    *theirs = NULL_CAP;
    if (parent_side) {
        errval_t err = ump_send_wait(&conn, w);
        if (err_is_ok(err))
            err = ump_cap_send(&conn, mine);
        return err_is_ok(err) && err_is_ok(ump_cap_recv(&conn, theirs));
    }
    if (err_is_fail(ump_recv_wait(&conn, w)) || w[0] != W_GO)
        return false;
    return err_is_ok(ump_cap_recv(&conn, theirs)) && err_is_ok(ump_cap_send(&conn, mine));
}

errval_t peer_revoke(capref_t mine) { return cap_revoke(mine); }

void peer_finish(bool parent)
{
    const uint64_t w[UMP_WORDS] = {W_DONE};
    if (parent)
        // it may be gone already: its exit status says why
        err_ignore(ump_send_wait(&conn, w),
                   "the peer's answer (checked next) shows whether it arrived");
}
