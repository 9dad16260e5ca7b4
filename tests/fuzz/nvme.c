/*
 * tests/fuzz/nvme.c: the NVMe driver's admin path (drivers/nvme: the admin
 * completion queue, Identify data and the Secondary Controller List) with a
 * controller that answers whatever the input says.
 *
 * The controller behaves while the driver resets and enables it; then each
 * admin command the driver submits takes one answer from the input: a
 * control byte, a status word, and up to 4 KiB of data for the command's
 * page (2-byte length first). Control bit 0 posts a completion for another
 * command first, bit 1 posts none (the driver must time out), bit 2 gives
 * the completion a wild SQ head. Invariants: every DMA the driver asks for
 * is in the pages it was given; a command succeeds only with its own
 * completion and a success status; what the decoders return keeps their
 * contracts (strings terminated without trailing spaces, MDTS a power of
 * two, block sizes 512 B .. 64 KiB, lists within max, no zero namespace
 * ID).
 */
#include "fuzz.h"
#include <nvme/nvme.h>
#include <nvme/nvme_virt.h>

#define IOVA_BASE 0x80000000ull
#define PAGES     3 // admin SQ, admin CQ, scratch
#define ENTRIES   8
#define CAP       0x004010200f0107ffull // QEMU's: MQES 2047, TO 15, NVM command set

struct ctl {
    uint8_t pages[PAGES][4096];
    uint64_t asq, acq, now_us;
    uint32_t cc, csts, aqa;
    uint16_t sq_head, cq_tail, phase;
    const uint8_t *in, *end; // the answers not yet given
    uint16_t last_cid;
    bool answered_ok; // the last command got its own completion with status 0
};

static void *va_of(struct ctl *m, uint64_t iova, size_t len)
{
    FUZZ_CHECK(iova >= IOVA_BASE && iova - IOVA_BASE + len <= PAGES * 4096ull, "DMA to %#llx",
               (unsigned long long)iova);
    return m->pages[(iova - IOVA_BASE) / 4096] + iova % 4096;
}

static uint64_t clock_us(void *arg)
{
    struct ctl *m = arg;
    return m->now_us += 100000; // each look costs 100 ms: a missing completion times out soon
}

static void post(struct ctl *m, struct nvme_cqe e)
{
    e.status = (uint16_t)((e.status & ~NVME_CQE_PHASE) | m->phase);
    *(struct nvme_cqe *)va_of(m, m->acq + m->cq_tail * sizeof(e), sizeof(e)) = e;
    if (++m->cq_tail == (m->aqa >> 16) + 1)
        m->cq_tail = 0, m->phase ^= 1;
}

static size_t take(struct ctl *m, void *out, size_t n)
{
    n = n < (size_t)(m->end - m->in) ? n : (size_t)(m->end - m->in);
    memcpy(out, m->in, n);
    m->in += n;
    return n;
}

// Answer one command from the input.
static void answer(struct ctl *m, const struct nvme_sqe *cmd)
{
    uint8_t ctl = 0;
    uint16_t status = 0, len = 0;
    take(m, &ctl, 1);
    take(m, &status, 2);
    take(m, &len, 2);
    uint8_t *page = va_of(m, cmd->prp1, 4096);
    memset(page, 0, 4096);
    take(m, page, len < 4096 ? len : 4096);
    m->last_cid = cmd->cid;
    m->answered_ok = false;
    struct nvme_cqe e = {.sqhd = m->sq_head, .cid = cmd->cid, .status = (uint16_t)(status & ~1u)};
    if (ctl & 4)
        e.sqhd = status;
    if (ctl & 1)
        post(m, (struct nvme_cqe){.sqhd = e.sqhd, .cid = (uint16_t)(cmd->cid + 1), .status = 0});
    if (!(ctl & 2)) {
        post(m, e);
        m->answered_ok = NVME_STATUS_SC(e.status) == 0 && NVME_STATUS_SCT(e.status) == 0;
    }
}

static uint32_t rd32(void *arg, uint32_t off)
{
    struct ctl *m = arg;
    switch (off) {
    case NVME_REG_VS: return 0x00010400;
    case NVME_REG_CC: return m->cc;
    case NVME_REG_CSTS: return m->csts;
    case NVME_REG_AQA: return m->aqa;
    default: FUZZ_CHECK(false, "a read of register %#x", off); return 0;
    }
}

static uint64_t rd64(void *arg, uint32_t off)
{
    FUZZ_CHECK(off == NVME_REG_CAP, "a 64-bit read of register %#x", off);
    return CAP;
}

static void wr32(void *arg, uint32_t off, uint32_t v)
{
    struct ctl *m = arg;
    if (off == NVME_REG_CC) {
        if ((v & NVME_CC_EN) && !(m->cc & NVME_CC_EN))
            m->sq_head = m->cq_tail = 0, m->phase = 1;
        m->cc = v;
        m->csts = v & NVME_CC_EN ? NVME_CSTS_RDY : 0;
    } else if (off == NVME_REG_AQA) {
        m->aqa = v;
    } else if (off == nvme_sq_tail_doorbell(0, 0)) {
        FUZZ_CHECK(v <= (m->aqa & 0xfff), "SQ tail %u past the queue", v);
        while (m->sq_head != v) {
            struct nvme_sqe cmd =
                *(const struct nvme_sqe *)va_of(m, m->asq + m->sq_head * sizeof(cmd), sizeof(cmd));
            m->sq_head = (uint16_t)((m->sq_head + 1) % ((m->aqa & 0xfff) + 1));
            answer(m, &cmd);
        }
    } else if (off != nvme_cq_head_doorbell(0, 0)) {
        FUZZ_CHECK(false, "a write of register %#x", off);
    }
}

static void wr64(void *arg, uint32_t off, uint64_t v)
{
    struct ctl *m = arg;
    if (off == NVME_REG_ASQ)
        m->asq = v;
    else if (off == NVME_REG_ACQ)
        m->acq = v;
    else
        FUZZ_CHECK(false, "a 64-bit write of register %#x", off);
}

static void check_string(const char *s, size_t size)
{
    size_t n = strnlen(s, size);
    FUZZ_CHECK(n < size && (n == 0 || s[n - 1] != ' '), "an untrimmed or unterminated string");
}

// A command's result must match the answer it was given.
static void check_result(struct ctl *m, errval_t err, const char *what)
{
    if (err_is_ok(err))
        FUZZ_CHECK(m->answered_ok, "%s succeeded without its own successful completion", what);
}

static void commands(struct ctl *m, struct nvme_ctrl *c)
{
    struct nvme_ctrl_info ci;
    errval_t err = nvme_identify_controller(c, &ci);
    check_result(m, err, "Identify Controller");
    if (err_is_ok(err)) {
        check_string(ci.sn, sizeof(ci.sn));
        check_string(ci.mn, sizeof(ci.mn));
        FUZZ_CHECK(!(ci.max_xfer & (ci.max_xfer - 1)), "MDTS %u bytes", ci.max_xfer);
    }
    struct nvme_ns_info ns;
    err = nvme_identify_namespace(c, 1, false, &ns);
    if (err_is_ok(err))
        FUZZ_CHECK(ns.block_size >= 512 && ns.block_size <= 65536 &&
                       !(ns.block_size & (ns.block_size - 1)) && ns.atomic_blocks >= 1,
                   "block size %u, atomic %u", ns.block_size, ns.atomic_blocks);
    uint32_t ids[64];
    unsigned n;
    err = nvme_namespaces(c, true, ids, 64, &n);
    check_result(m, err, "the namespace list");
    FUZZ_CHECK(n <= 64, "%u namespaces", n);
    for (unsigned i = 0; i < n; i++)
        FUZZ_CHECK(ids[i] != 0, "namespace ID 0 listed");
    uint16_t ctrls[16];
    err = nvme_ns_controllers(c, 1, ctrls, 16, &n);
    check_result(m, err, "the controller list");
    FUZZ_CHECK(n <= 16, "%u controllers", n);
    struct nvme_primary_caps caps;
    check_result(m, nvme_primary_caps(c, &caps), "Primary Controller Capabilities");
    struct nvme_secondary sec[8];
    err = nvme_secondaries(c, sec, 8, &n);
    check_result(m, err, "the secondary controller list");
    FUZZ_CHECK(n <= 8, "%u secondaries", n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 6 * (5 + 4096))
        return 0;
    struct ctl *m = calloc(1, sizeof(*m));
    m->in = data;
    m->end = data + size;
    struct mmio regs = {rd32, rd64, wr32, wr64, m};
    struct nvme_ctrl c;
    errval_t err = nvme_ctrl_init(&c, &regs, clock_us, m);
    FUZZ_CHECK(err_is_ok(err), "nvme_ctrl_init: %s", err_name(err));
    struct nvme_dma page[PAGES];
    for (unsigned i = 0; i < PAGES; i++)
        page[i] = (struct nvme_dma){m->pages[i], IOVA_BASE + 4096ull * i};
    err = nvme_ctrl_disable(&c);
    if (err_is_ok(err))
        err = nvme_admin_queues(&c, page[0], page[1], ENTRIES);
    if (err_is_ok(err))
        err = nvme_ctrl_enable(&c);
    if (err_is_ok(err))
        err = nvme_admin_scratch(&c, page[2]);
    FUZZ_CHECK(err_is_ok(err), "bringing the controller up: %s", err_name(err));
    commands(m, &c);
    free(m);
    return 0;
}
