/* lib/sys/ump.c: UMP rings in shared memory (see sys/ump.h). */
#include <stdio.h>
#include <string.h>
#include <sys/sys.h>
#include <sys/trace.h>
#include <sys/ump.h>

static inline void full_fence(void) { __asm__ volatile("mfence" ::: "memory"); }

static inline void compiler_fence(void) { __asm__ volatile("" ::: "memory"); }

// A ring's name in the trace, the same at both ends: its sender makes it
// up (the process and a count) the first time it sends while tracing.
static uint64_t trace_id(struct ump_ring_hdr *h)
{
    static uint64_t made;
    if (!h->trace_id)
        h->trace_id = sys_pid() << 32 | ++made;
    return h->trace_id;
}

void ump_init(struct ump_chan *c, void *buf, size_t bytes, bool side_a)
{
    size_t half = bytes / 2;
    char *a = buf, *b = (char *)buf + half;
    char *tx = side_a ? a : b, *rx = side_a ? b : a;
    *c = (struct ump_chan){
        .tx_hdr = (struct ump_ring_hdr *)tx,
        .rx_hdr = (struct ump_ring_hdr *)rx,
        .tx = (struct ump_msg *)(tx + UMP_MSG_BYTES),
        .rx = (struct ump_msg *)(rx + UMP_MSG_BYTES),
        .slots = (unsigned)(half / UMP_MSG_BYTES - 1),
    };
}

// LAB 6 BEGIN ump_ring
bool ump_pending(const struct ump_chan *c)
{
    return c->rx[c->rx_seq % c->slots].seq == c->rx_seq + 1;
}

errval_t ump_send(struct ump_chan *c, const uint64_t w[UMP_WORDS])
{
    if (c->tx_hdr->closed)
        return UMP_ERR_CLOSED;
    // The header of our transmit ring is the receiver's: its acks, its sleep.
    if (c->tx_seq - c->tx_hdr->acked >= c->slots)
        return SYS_ERR_WOULD_BLOCK;
    struct ump_msg *m = &c->tx[c->tx_seq % c->slots];
    memcpy(m->w, w, sizeof(m->w));
    compiler_fence();   // x86 keeps stores in order: the payload before seq
    if (sys_trace_on()) // before seq: the receiver's record comes after ours
        sys_trace(TRACE_USER_UMP_SEND, trace_id(c->tx_hdr), c->tx_seq + 1);
    m->seq = ++c->tx_seq;
    full_fence(); // our seq store before our read of its sleep flag
    if (c->tx_hdr->sleeping && c->wake) {
        c->tx_hdr->sleeping = 0;
        err_ignore(invoke_irqdest_notify(c->wake),
                   "a wake-up to a core or process that may have ended");
        c->wakeups++;
    }
    return SYS_ERR_OK;
}

errval_t ump_recv(struct ump_chan *c, uint64_t w[UMP_WORDS])
{
    // The flag before the look: the sender closes after its last send, so
    // a close seen here means every message is visible by the look after.
    // (Looked at the other way round, the last message and the close could
    // both land in between, and that message would be lost.)
    bool closed = c->rx_hdr->closed;
    compiler_fence();
    if (!ump_pending(c))
        return closed ? UMP_ERR_CLOSED : LMP_ERR_NO_MESSAGE;
    struct ump_msg *m = &c->rx[c->rx_seq % c->slots];
    compiler_fence(); // seq read before the payload (loads stay in order on x86)
    memcpy(w, m->w, sizeof(m->w));
    c->rx_seq++;
    compiler_fence();
    c->rx_hdr->acked = c->rx_seq;
    if (sys_trace_on())
        sys_trace(TRACE_USER_UMP_RECV, c->rx_hdr->trace_id, c->rx_seq);
    return SYS_ERR_OK;
}

bool ump_prepare_sleep(struct ump_chan *c)
{
    c->rx_hdr->sleeping = 1;
    full_fence(); // the flag before the last look
    return ump_pending(c) || c->rx_hdr->closed;
}
// LAB 6 STUB
// // The contracts are in lib/sys/include/sys/ump.h. Our transmit ring is
// // c->tx (c->slots messages) under c->tx_hdr, whose acked and sleeping
// // the receiver writes; message n (1, 2, ...) goes in slot (n-1) % slots
// // and is there once its seq is n. Order the stores (payload, then seq)
// // and loads (seq, then payload) with compiler_fence and full_fence.
// // trace_id and sys_trace (sys/trace.h) are yours to use: the trace
// // records TRACE_USER_UMP_SEND and _RECV with the ring's id and the seq.
// bool ump_pending(const struct ump_chan *c)
// {
//     // LAB 6: your code here
//     (void)c;
//     return false;
// }
//
// static void not_written(const char *what)
// {
//     static bool told;
//     if (!told)
//         printf("LAB 6: %s is not written yet (lib/sys/ump.c)\n", what);
//     told = true;
// }
//
// errval_t ump_send(struct ump_chan *c, const uint64_t w[UMP_WORDS])
// {
//     // LAB 6: your code here
//     (void)c, (void)w, (void)trace_id;
//     not_written("ump_send");
//     return SYS_ERR_NOT_IMPLEMENTED;
// }
//
// errval_t ump_recv(struct ump_chan *c, uint64_t w[UMP_WORDS])
// {
//     // LAB 6: your code here
//     (void)c, (void)w;
//     not_written("ump_recv");
//     return SYS_ERR_NOT_IMPLEMENTED;
// }
//
// bool ump_prepare_sleep(struct ump_chan *c)
// {
//     // LAB 6: your code here: set the flag, then look again
//     (void)c;
//     return false; // (nothing ever pending: the loop sleeps on its endpoint)
// }
// LAB 6 END

void ump_awake(struct ump_chan *c) { c->rx_hdr->sleeping = 0; }

void ump_close_buffer(void *buf, size_t bytes)
{
    struct ump_ring_hdr *a = buf, *b = (struct ump_ring_hdr *)((char *)buf + bytes / 2);
    a->closed = 1;
    b->closed = 1;
    full_fence();
}
