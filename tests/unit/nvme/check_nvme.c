/* tests/unit/nvme/check_nvme.c: the NVMe driver against a small model of a controller (QEMU's CAP).
 */
#include <nvme/nvme.h>
#include <string.h>
#include <unit.h>

#define PAGES     8
#define IOVA_BASE 0x80000000ull
#define QEMU_CAP                                                                                   \
    0x004010200f0107ffull // MQES 2047, CQR, TO 15, DSTRD 0, CSS NVM + admin-only, MPSMAX 4

// A controller as far as the driver uses one: CC/CSTS, the admin queues,
// doorbells, and Identify. It runs commands when the SQ tail doorbell rings.
struct model {
    uint64_t cap, asq, acq;
    uint32_t vs, cc, csts, aqa;
    uint16_t sq_head, cq_tail, cq_head_db, phase;
    bool never_ready, silent;
    unsigned doorbells;
};

static struct model m;
static uint8_t mem[PAGES][4096] __attribute__((aligned(4096)));
static struct nvme_ctrl ctrl;
static uint64_t now_us;

static void *va_of(uint64_t iova)
{
    ck_assert_msg(iova >= IOVA_BASE && iova < IOVA_BASE + PAGES * 4096ull, "DMA to %#llx",
                  (unsigned long long)iova);
    return mem[(iova - IOVA_BASE) / 4096] + iova % 4096;
}

static struct nvme_dma page(unsigned i)
{
    return (struct nvme_dma){mem[i], IOVA_BASE + i * 4096ull};
}

static uint64_t clock_us(void *arg)
{
    now_us += 1000; // every look at the clock costs a millisecond
    return now_us;
}

static void run(struct nvme_sqe *cmd, struct nvme_cqe *cqe)
{
    if (cmd->opc == NVME_ADMIN_IDENTIFY && cmd->cdw10 == NVME_IDENTIFY_CNS_CTRL) {
        struct nvme_id_ctrl *id = va_of(cmd->prp1);
        memset(id, 0, sizeof(*id));
        id->vid = 0x1b36;
        memset(id->sn, ' ', sizeof(id->sn));
        memcpy(id->sn, "sietch-nvme0", 12);
        return;
    }
    cqe->status = (uint16_t)(0x01 << 1 | NVME_STATUS_DNR); // invalid opcode
}

static void ring_sq(uint16_t tail)
{
    unsigned entries = (m.aqa & 0xfff) + 1;
    while (!m.silent && m.sq_head != tail) {
        struct nvme_sqe *cmd = (struct nvme_sqe *)va_of(m.asq) + m.sq_head;
        m.sq_head = (uint16_t)((m.sq_head + 1) % entries);
        struct nvme_cqe cqe = {.sqhd = m.sq_head, .cid = cmd->cid};
        run(cmd, &cqe);
        cqe.status = (uint16_t)((cqe.status & ~NVME_CQE_PHASE) | m.phase);
        ((struct nvme_cqe *)va_of(m.acq))[m.cq_tail] = cqe;
        if (++m.cq_tail == entries)
            m.cq_tail = 0, m.phase ^= 1;
    }
}

static uint32_t m_read32(void *arg, uint32_t off)
{
    switch (off) {
    case NVME_REG_VS: return m.vs;
    case NVME_REG_CC: return m.cc;
    case NVME_REG_CSTS: return m.csts;
    case NVME_REG_AQA: return m.aqa;
    default: ck_abort_msg("read32 of %#x", off); return 0;
    }
}

static uint64_t m_read64(void *arg, uint32_t off)
{
    ck_assert_uint_eq(off, NVME_REG_CAP);
    return m.cap;
}

static void write_cc(uint32_t v)
{
    bool was = m.cc & NVME_CC_EN, now = v & NVME_CC_EN;
    m.cc = v;
    if (now && !was) {
        ck_assert(m.asq && m.acq && m.aqa); // admin queues before enabling
        m.sq_head = m.cq_tail = 0;
        m.phase = 1;
        if (!m.never_ready)
            m.csts |= NVME_CSTS_RDY;
    } else if (!now && was) {
        m.csts &= ~NVME_CSTS_RDY;
    }
}

static void m_write32(void *arg, uint32_t off, uint32_t v)
{
    if (off == NVME_REG_CC)
        write_cc(v);
    else if (off == NVME_REG_AQA)
        m.aqa = v;
    else if (off == nvme_sq_tail_doorbell(0, 0))
        m.doorbells++, ring_sq((uint16_t)v);
    else if (off == nvme_cq_head_doorbell(0, 0))
        m.cq_head_db = (uint16_t)v;
    else
        ck_abort_msg("write32 of %#x", off);
}

static void m_write64(void *arg, uint32_t off, uint64_t v)
{
    if (off == NVME_REG_ASQ)
        m.asq = v;
    else if (off == NVME_REG_ACQ)
        m.acq = v;
    else
        ck_abort_msg("write64 of %#x", off);
}

static void setup(void)
{
    memset(&m, 0, sizeof(m));
    memset(mem, 0xee, sizeof(mem));
    m.cap = QEMU_CAP;
    m.vs = 0x00010400;
    m.cc = NVME_CC_EN; // left enabled, as firmware may
    m.csts = NVME_CSTS_RDY;
    now_us = 0;
    struct mmio regs = {m_read32, m_read64, m_write32, m_write64, NULL};
    ck_assert_uint_eq(nvme_ctrl_init(&ctrl, &regs, clock_us, NULL), SYS_ERR_OK);
}

// Reset, admin queues of entries each, enable.
static void bring_up(uint16_t entries)
{
    ck_assert_uint_eq(nvme_ctrl_disable(&ctrl), SYS_ERR_OK);
    ck_assert_uint_eq(nvme_admin_queues(&ctrl, page(0), page(1), entries), SYS_ERR_OK);
    ck_assert_uint_eq(nvme_ctrl_enable(&ctrl), SYS_ERR_OK);
}

START_TEST(test_init)
{
    ck_assert_uint_eq(ctrl.dstrd, 0);
    ck_assert_uint_eq(ctrl.timeout_us, 15 * 500 * 1000);
    ck_assert_uint_eq(NVME_CAP_MQES(ctrl.cap), 2048);
    ck_assert_uint_eq(NVME_VS_MAJOR(ctrl.vs), 1);
    ck_assert_uint_eq(NVME_VS_MINOR(ctrl.vs), 4);
    struct mmio regs = {m_read32, m_read64, m_write32, m_write64, NULL};
    m.cap &= ~NVME_CAP_CSS_NVM;
    ck_assert_uint_eq(nvme_ctrl_init(&ctrl, &regs, clock_us, NULL), SYS_ERR_UNSUPPORTED);
    m.cap = QEMU_CAP | 1ull << 48; // smallest page 8 KiB
    ck_assert_uint_eq(nvme_ctrl_init(&ctrl, &regs, clock_us, NULL), SYS_ERR_UNSUPPORTED);
}
END_TEST

START_TEST(test_reset_and_enable)
{
    ck_assert_uint_eq(nvme_admin_queues(&ctrl, page(0), page(1), 8), SYS_ERR_BUSY);
    ck_assert_uint_eq(nvme_ctrl_disable(&ctrl), SYS_ERR_OK);
    ck_assert_uint_eq(m.csts & NVME_CSTS_RDY, 0);
    ck_assert_uint_eq(nvme_admin_queues(&ctrl, page(0), page(1), 1), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(nvme_admin_queues(&ctrl, page(0), page(1), 65), SYS_ERR_INVALID_ARGS);
    struct nvme_dma odd = {mem[2] + 64, IOVA_BASE + 2 * 4096 + 64};
    ck_assert_uint_eq(nvme_admin_queues(&ctrl, odd, page(1), 8), SYS_ERR_ALIGNMENT);
    ck_assert_uint_eq(nvme_admin_queues(&ctrl, page(0), page(1), 8), SYS_ERR_OK);
    ck_assert_uint_eq(m.aqa, 0x00070007);
    ck_assert_uint_eq(m.asq, IOVA_BASE);
    ck_assert_uint_eq(m.acq, IOVA_BASE + 4096);
    ck_assert_uint_eq(mem[1][0], 0); // the CQ is cleared: no stale phase tags
    ck_assert_uint_eq(nvme_ctrl_enable(&ctrl), SYS_ERR_OK);
    // NVM command set, 4 KiB pages, round robin, 64/16-byte I/O entries.
    ck_assert_uint_eq(m.cc, 0x00460001);
}
END_TEST

START_TEST(test_controller_that_fails)
{
    ck_assert_uint_eq(nvme_ctrl_disable(&ctrl), SYS_ERR_OK);
    ck_assert_uint_eq(nvme_admin_queues(&ctrl, page(0), page(1), 8), SYS_ERR_OK);
    m.never_ready = true;
    uint64_t before = now_us;
    ck_assert_uint_eq(nvme_ctrl_enable(&ctrl), NVME_ERR_NOT_READY);
    ck_assert_uint_ge(now_us - before, ctrl.timeout_us); // waited CAP.TO, no longer
    ck_assert_uint_le(now_us - before, ctrl.timeout_us + 3000);
    m.csts = NVME_CSTS_CFS;
    ck_assert_uint_eq(nvme_ctrl_enable(&ctrl), NVME_ERR_FATAL);
    m.csts = 0xffffffffu; // surprise removal reads all ones
    ck_assert_uint_eq(nvme_ctrl_enable(&ctrl), NVME_ERR_FATAL);
}
END_TEST

START_TEST(test_identify)
{
    bring_up(8);
    struct nvme_sqe cmd;
    struct nvme_cqe cqe;
    nvme_cmd_identify(&cmd, NVME_IDENTIFY_CNS_CTRL, 0, IOVA_BASE + 2 * 4096);
    ck_assert_uint_eq(nvme_admin_submit(&ctrl, &cmd), SYS_ERR_OK);
    ck_assert_uint_eq(m.doorbells, 1);
    ck_assert_uint_eq(nvme_admin_wait(&ctrl, cmd.cid, 100000, &cqe), SYS_ERR_OK);
    ck_assert_uint_eq(nvme_cqe_status(&cqe), SYS_ERR_OK);
    ck_assert_uint_eq(m.cq_head_db, 1);
    const struct nvme_id_ctrl *id = (const void *)mem[2];
    ck_assert_uint_eq(id->vid, 0x1b36);
    ck_assert(!memcmp(id->sn, "sietch-nvme0        ", 20));

    // An opcode the controller does not know completes with an error.
    cmd = (struct nvme_sqe){.opc = 0x7f};
    ck_assert_uint_eq(nvme_admin_submit(&ctrl, &cmd), SYS_ERR_OK);
    ck_assert_uint_eq(cmd.cid, 1);
    ck_assert_uint_eq(nvme_admin_wait(&ctrl, 1, 100000, &cqe), SYS_ERR_OK);
    ck_assert_uint_eq(nvme_cqe_status(&cqe), NVME_ERR_SC_INVALID_OPCODE);
    ck_assert_uint_eq(NVME_STATUS_SC(cqe.status), 1);
    ck_assert(cqe.status & NVME_STATUS_DNR);

    // A controller that never answers: the wait ends.
    m.silent = true;
    ck_assert_uint_eq(nvme_admin_submit(&ctrl, &cmd), SYS_ERR_OK);
    ck_assert_uint_eq(nvme_admin_wait(&ctrl, cmd.cid, 50000, &cqe), SYS_ERR_TIMEOUT);
    ck_assert_uint_eq(nvme_admin_poll(&ctrl, &cqe), SYS_ERR_WOULD_BLOCK);
}
END_TEST

// Four entries: the queues wrap many times and the phase tag flips each
// pass; a submission that would fill the queue is refused.
START_TEST(test_wraparound_and_full)
{
    bring_up(4);
    struct nvme_sqe cmd;
    struct nvme_cqe cqe;
    for (unsigned i = 0; i < 10; i++) {
        nvme_cmd_identify(&cmd, NVME_IDENTIFY_CNS_CTRL, 0, IOVA_BASE + 3 * 4096);
        ck_assert_uint_eq(nvme_admin_submit(&ctrl, &cmd), SYS_ERR_OK);
        ck_assert_uint_eq(nvme_admin_wait(&ctrl, cmd.cid, 100000, &cqe), SYS_ERR_OK);
        ck_assert_uint_eq(cqe.cid, i);
        ck_assert_uint_eq(nvme_cqe_status(&cqe), SYS_ERR_OK);
    }
    ck_assert_uint_eq(ctrl.acq.phase, 1 ^ (10 / 4) % 2);
    for (unsigned i = 0; i < 3; i++)
        ck_assert_uint_eq(nvme_admin_submit(&ctrl, &cmd), SYS_ERR_OK);
    ck_assert_uint_eq(nvme_admin_submit(&ctrl, &cmd), NVME_ERR_QUEUE_FULL);
    for (unsigned i = 0; i < 3; i++)
        ck_assert_uint_eq(nvme_admin_poll(&ctrl, &cqe), SYS_ERR_OK);
    ck_assert_uint_eq(nvme_admin_poll(&ctrl, &cqe), SYS_ERR_WOULD_BLOCK);
    ck_assert_uint_eq(nvme_admin_submit(&ctrl, &cmd), SYS_ERR_OK);
}
END_TEST

static Suite *nvme_suite(void)
{
    Suite *s = suite_create("nvme");
    TCase *t = tcase_create("admin");
    tcase_add_checked_fixture(t, setup, NULL);
    tcase_add_test(t, test_init);
    tcase_add_test(t, test_reset_and_enable);
    tcase_add_test(t, test_controller_that_fails);
    tcase_add_test(t, test_identify);
    tcase_add_test(t, test_wraparound_and_full);
    suite_add_tcase(s, t);
    return s;
}

UNIT_MAIN(nvme_suite)
