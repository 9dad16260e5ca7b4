/* tests/unit/nvme/check_nvme_io.c: I/O queues, PRP lists, READ/WRITE/FLUSH (async and sync), errors
 * and timeouts, on the PF and on a VF, and the log on a namespace. */
#include "model.h"
#include <nvme/nvme_virt.h>
#include <os/log.h>
#include <os/nvme_bdev.h>
#include <string.h>
#include <unit.h>

#define TIMEOUT  100000
// Pages of model memory: PF 0-2, VF 3-5, I/O queues 6-9, PRP lists 10-11,
// data 16-63 (write) and 64-111 (read back), bounce 112-127.
#define P_QUEUES 6
#define P_LIST   10
#define P_DATA   16
#define P_BACK   64
#define P_BOUNCE 112

static struct model_sys sys;
static struct nvme_ctrl pf, vf;
static struct nvme_ioq q;
static struct nvme_ns ns; // namespace 2 through VF 1's queue
static uint64_t now_us;
static uint64_t data_pages[48], back_pages[48];

static uint64_t clock_us(void *arg) { return now_us += 1000; }

static void bring_up(struct nvme_ctrl *c, struct m_ctrl *m, unsigned first)
{
    struct mmio regs = model_regs(m);
    ck_assert_uint_eq(nvme_ctrl_init(c, &regs, clock_us, NULL), SYS_ERR_OK);
    ck_assert_uint_eq(nvme_ctrl_disable(c), SYS_ERR_OK);
    ck_assert_uint_eq(
        nvme_admin_queues(c, model_page(&sys, first), model_page(&sys, first + 1), 16), SYS_ERR_OK);
    ck_assert_uint_eq(nvme_ctrl_enable(c), SYS_ERR_OK);
    ck_assert_uint_eq(nvme_admin_scratch(c, model_page(&sys, first + 2)), SYS_ERR_OK);
}

// What the control plane does for a VSIC: VF 1 with resources, online,
// namespace 2 attached to it; then the app's side: its controller up.
static void setup(void)
{
    model_init(&sys);
    now_us = 0;
    bring_up(&pf, &sys.ctrl[0], 0);
    model_set_vfs(&sys, 2);
    ck_assert_uint_eq(nvme_virt_assign(&pf, 1, NVME_VRES_QUEUE, 2), SYS_ERR_OK);
    ck_assert_uint_eq(nvme_virt_assign(&pf, 1, NVME_VRES_INTERRUPT, 1), SYS_ERR_OK);
    ck_assert_uint_eq(nvme_virt_online(&pf, 1), SYS_ERR_OK);
    ck_assert_uint_eq(nvme_ns_attach(&pf, 2, 1), SYS_ERR_OK);
    bring_up(&vf, &sys.ctrl[1], 3);
    struct nvme_ctrl_info info;
    ck_assert_uint_eq(nvme_identify_controller(&vf, &info), SYS_ERR_OK);
    ck_assert_uint_eq(info.cntlid, 1);
    ck_assert_uint_eq(nvme_ioq_create(&vf, &q, 1, model_page(&sys, P_QUEUES),
                                      model_page(&sys, P_QUEUES + 1), 16, NVME_IOQ_POLLED),
                      SYS_ERR_OK);
    struct nvme_ns_info ni;
    ck_assert_uint_eq(nvme_identify_namespace(&vf, 2, false, &ni), SYS_ERR_OK);
    ns = (struct nvme_ns){&q, 2, ni.block_size, ni.blocks};
    for (unsigned i = 0; i < 48; i++) {
        data_pages[i] = M_IOVA + (P_DATA + i) * 4096ull;
        back_pages[i] = M_IOVA + (P_BACK + i) * 4096ull;
    }
}

static struct nvme_xfer xfer(const uint64_t *pages, unsigned n, uint32_t offset, unsigned list)
{
    return (struct nvme_xfer){pages, n, offset, model_page(&sys, list)};
}

static void fill(unsigned first, size_t bytes, uint32_t seed)
{
    uint8_t *p = sys.mem[first];
    for (size_t i = 0; i < bytes; i++)
        p[i] = (uint8_t)(seed + i * 31 + (i >> 9));
}

START_TEST(test_vf_needs_online)
{
    struct nvme_ctrl c2;
    struct mmio regs = model_regs(&sys.ctrl[2]);
    ck_assert_uint_eq(nvme_ctrl_init(&c2, &regs, clock_us, NULL), SYS_ERR_OK);
    ck_assert_uint_eq(nvme_ctrl_disable(&c2), SYS_ERR_OK);
    ck_assert_uint_eq(nvme_admin_queues(&c2, model_page(&sys, 12), model_page(&sys, 13), 8),
                      SYS_ERR_OK);
    ck_assert_uint_eq(nvme_ctrl_enable(&c2), NVME_ERR_FATAL); // offline: CSTS.CFS
}
END_TEST

START_TEST(test_queue_rules)
{
    struct nvme_ioq q2;
    struct nvme_dma sq = model_page(&sys, P_QUEUES + 2), cq = model_page(&sys, P_QUEUES + 3);
    struct nvme_dma odd = {sys.mem[P_QUEUES + 2] + 64, sq.iova + 64};
    ck_assert_uint_eq(nvme_ioq_create(&pf, &q2, 0, sq, cq, 16, -1), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(nvme_ioq_create(&pf, &q2, 1, sq, cq, 65, -1), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(nvme_ioq_create(&pf, &q2, 1, sq, cq, 1, -1), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(nvme_ioq_create(&pf, &q2, 1, odd, cq, 16, -1), SYS_ERR_ALIGNMENT);
    // The primary has 4 private I/O queue pairs and 6 vectors.
    ck_assert_uint_eq(nvme_ioq_create(&pf, &q2, 5, sq, cq, 16, -1), NVME_ERR_SC_INVALID_QID);
    ck_assert_uint_eq(nvme_ioq_create(&pf, &q2, 4, sq, cq, 16, 6), NVME_ERR_SC_INVALID_VECTOR);
    ck_assert_uint_eq(nvme_ioq_create(&pf, &q2, 4, sq, cq, 16, 5), SYS_ERR_OK);
    ck_assert_uint_eq(nvme_ioq_create(&pf, &q2, 4, sq, cq, 16, 5), NVME_ERR_SC_INVALID_QID);
    ck_assert(sys.ctrl[0].cq[4].used); // the pair's own CQ survives the failed retry
    ck_assert_uint_eq(nvme_ioq_delete(&q2), SYS_ERR_OK);
    ck_assert(!sys.ctrl[0].cq[4].used && !sys.ctrl[0].sq[4].used);
    // The SQ refused after its CQ was made: the CQ is deleted again.
    sys.ctrl[0].sq[3].used = true;
    ck_assert_uint_eq(nvme_ioq_create(&pf, &q2, 3, sq, cq, 16, -1), NVME_ERR_SC_INVALID_QID);
    ck_assert(!sys.ctrl[0].cq[3].used);
    // VF 1: 2 VQ resources are the admin queue and one I/O pair; 1 vector.
    ck_assert_uint_eq(nvme_ioq_create(&vf, &q2, 2, sq, cq, 16, -1), NVME_ERR_SC_INVALID_QID);
    ck_assert_uint_eq(nvme_ioq_delete(&q), SYS_ERR_OK);
    ck_assert_uint_eq(nvme_ioq_create(&vf, &q2, 1, sq, cq, 16, 1), NVME_ERR_SC_INVALID_VECTOR);
    ck_assert(!sys.ctrl[1].cq[1].used); // the CQ made before the refusal is gone again
    ck_assert_uint_eq(nvme_ioq_create(&vf, &q2, 1, sq, cq, 16, 0), SYS_ERR_OK);
}
END_TEST

START_TEST(test_prp_build)
{
    uint64_t pages[4] = {M_IOVA + 0x10000, M_IOVA + 0x30000, M_IOVA + 0x20000, M_IOVA + 0x50000};
    struct nvme_xfer x = xfer(pages, 4, 0, P_LIST);
    uint64_t p1, p2;
    ck_assert_uint_eq(nvme_prp_build(&x, 4096, &p1, &p2), SYS_ERR_OK);
    ck_assert_uint_eq(p1, pages[0]);
    ck_assert_uint_eq(p2, 0);
    ck_assert_uint_eq(nvme_prp_build(&x, 4097, &p1, &p2), SYS_ERR_OK);
    ck_assert_uint_eq(p2, pages[1]); // two pages: PRP2 is the second
    ck_assert_uint_eq(nvme_prp_build(&x, 3 * 4096, &p1, &p2), SYS_ERR_OK);
    ck_assert_uint_eq(p2, M_IOVA + P_LIST * 4096ull); // three: a list
    const uint64_t *list = (const uint64_t *)sys.mem[P_LIST];
    ck_assert_uint_eq(list[0], pages[1]);
    ck_assert_uint_eq(list[1], pages[2]);
    x.offset = 512; // 8 KiB from 512 touches three pages
    ck_assert_uint_eq(nvme_prp_build(&x, 8192, &p1, &p2), SYS_ERR_OK);
    ck_assert_uint_eq(p1, pages[0] + 512);
    ck_assert_uint_eq(p2, M_IOVA + P_LIST * 4096ull);
    ck_assert_uint_eq(nvme_prp_build(&x, 4 * 4096, &p1, &p2), SYS_ERR_INVALID_ARGS); // 5 pages
    ck_assert_uint_eq(nvme_prp_build(&x, 0, &p1, &p2), SYS_ERR_INVALID_ARGS);
    x.offset = 2;
    ck_assert_uint_eq(nvme_prp_build(&x, 100, &p1, &p2), SYS_ERR_ALIGNMENT);
    x.offset = 0;
    x.list.va = NULL;
    ck_assert_uint_eq(nvme_prp_build(&x, 3 * 4096, &p1, &p2), NVME_ERR_NO_PRP_LIST);
    ck_assert_uint_eq(nvme_prp_build(&x, 2 * 4096, &p1, &p2), SYS_ERR_OK); // no list needed
    pages[1] += 8;
    ck_assert_uint_eq(nvme_prp_build(&x, 2 * 4096, &p1, &p2), SYS_ERR_ALIGNMENT);
    static uint64_t many[600];
    for (unsigned i = 0; i < 600; i++)
        many[i] = M_IOVA + i * 4096ull;
    struct nvme_xfer big = xfer(many, 600, 0, P_LIST);
    ck_assert_uint_eq(nvme_prp_build(&big, 513 * 4096, &p1, &p2), SYS_ERR_OK);
    ck_assert_uint_eq(nvme_prp_build(&big, 514 * 4096, &p1, &p2), NVME_ERR_TOO_LARGE);
}
END_TEST

// Write and read back across sizes (one block to the 128 KiB MDTS, PRP
// lists included) and offsets in the first page, and check the media.
START_TEST(test_write_read_sizes)
{
    static const uint32_t sizes[] = {1, 7, 8, 9, 15, 16, 17, 24, 64, 100, 255, 256};
    static const uint32_t offsets[] = {0, 512, 3584};
    uint64_t slba = 3;
    unsigned n = 0;
    for (unsigned o = 0; o < 3; o++) {
        for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
            uint32_t nb = sizes[i], off = offsets[o], bytes = nb * 512;
            if (off + bytes > 48 * 4096 || bytes > 128 * 1024)
                continue;
            fill(P_DATA, off + bytes, n);
            memset(sys.mem[P_BACK], 0, 48 * 4096);
            struct nvme_xfer w = xfer(data_pages, 48, off, P_LIST);
            struct nvme_xfer r = xfer(back_pages, 48, off, P_LIST + 1);
            ck_assert_uint_eq(nvme_write_sync(&ns, slba, nb, &w, TIMEOUT), SYS_ERR_OK);
            ck_assert_uint_eq(nvme_read_sync(&ns, slba, nb, &r, TIMEOUT), SYS_ERR_OK);
            ck_assert_msg(!memcmp(sys.mem[P_DATA] + off, sys.mem[P_BACK] + off, bytes),
                          "%u blocks at offset %u", nb, off);
            ck_assert(!memcmp(sys.ns_data[2] + slba * 512, sys.mem[P_DATA] + off, bytes));
            slba = (slba + nb + 5) % (M_NS_BLOCKS - 256);
            n++;
        }
    }
    ck_assert_uint_ge(n, 30);
    ck_assert_uint_eq(sys.dma_faults, 0);
}
END_TEST

START_TEST(test_flush_and_limits)
{
    struct nvme_xfer w = xfer(data_pages, 48, 0, P_LIST);
    ck_assert_uint_eq(nvme_flush_sync(&ns, TIMEOUT), SYS_ERR_OK);
    ck_assert_uint_eq(sys.flushes, 1);
    // Above MDTS (128 KiB): refused before it is sent, once MDTS is known...
    unsigned cmds = sys.ctrl[1].cmds;
    ck_assert_uint_eq(nvme_write_sync(&ns, 0, 257, &w, TIMEOUT), NVME_ERR_TOO_LARGE);
    ck_assert_uint_eq(sys.ctrl[1].cmds, cmds);
    // ... and by the controller otherwise.
    vf.max_xfer = 0;
    ck_assert_uint_eq(nvme_write_sync(&ns, 0, 257, &w, TIMEOUT), NVME_ERR_SC_INVALID_FIELD);
    ck_assert_uint_eq(nvme_write_sync(&ns, 0, 0, &w, TIMEOUT), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(nvme_write_sync(&ns, 0, 0x10001, &w, TIMEOUT), SYS_ERR_INVALID_ARGS);
}
END_TEST

// WRITE ZEROES clears exactly its range, beyond MDTS (no data moves).
START_TEST(test_write_zeroes)
{
    uint8_t *d = sys.ns_data[2];
    memset(d, 0x5a, M_NS_BLOCKS * 512);
    ck_assert_uint_eq(nvme_write_zeroes_sync(&ns, 100, 1000, TIMEOUT), SYS_ERR_OK);
    for (size_t i = 0; i < M_NS_BLOCKS * 512; i++) {
        bool inside = i >= 100 * 512 && i < 1100 * 512;
        ck_assert_msg(d[i] == (inside ? 0 : 0x5a), "byte %zu", i);
    }
    ck_assert_uint_eq(nvme_write_zeroes_sync(&ns, 0, 0, TIMEOUT), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(nvme_write_zeroes_sync(&ns, 0, 0x10001, TIMEOUT), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(nvme_write_zeroes_sync(&ns, M_NS_BLOCKS - 1, 2, TIMEOUT),
                      NVME_ERR_SC_LBA_RANGE);
    ck_assert_uint_eq(d[(M_NS_BLOCKS - 1) * 512], 0x5a);
}
END_TEST

START_TEST(test_status_errors)
{
    struct nvme_xfer w = xfer(data_pages, 48, 0, P_LIST);
    ck_assert_uint_eq(nvme_write_sync(&ns, M_NS_BLOCKS - 1, 2, &w, TIMEOUT), NVME_ERR_SC_LBA_RANGE);
    ck_assert_uint_eq(nvme_write_sync(&ns, M_NS_BLOCKS - 1, 1, &w, TIMEOUT), SYS_ERR_OK);
    // Another app's VSA, and a namespace that does not exist.
    struct nvme_ns other = ns;
    other.nsid = 3;
    ck_assert_uint_eq(nvme_read_sync(&other, 0, 1, &w, TIMEOUT), NVME_ERR_SC_INVALID_FIELD);
    other.nsid = 1; // the primary's private namespace
    ck_assert_uint_eq(nvme_read_sync(&other, 0, 1, &w, TIMEOUT), NVME_ERR_SC_INVALID_FIELD);
    other.nsid = 999;
    ck_assert_uint_eq(nvme_read_sync(&other, 0, 1, &w, TIMEOUT), NVME_ERR_SC_INVALID_NSID);
    // Data in a page the device cannot reach.
    sys.unmapped[P_DATA + 1] = true;
    ck_assert_uint_eq(nvme_write_sync(&ns, 0, 16, &w, TIMEOUT), NVME_ERR_SC_DATA_TRANSFER);
    ck_assert_uint_eq(sys.dma_faults, 1);
}
END_TEST

struct done_log {
    unsigned n;
    uint16_t cids[64];
    errval_t errs[64];
};

static void record_done(void *arg, errval_t err, const struct nvme_cqe *cqe)
{
    struct done_log *d = arg;
    d->cids[d->n] = cqe ? cqe->cid : 0xffff;
    d->errs[d->n++] = err;
}

// Commands outstanding together, completed out of order.
START_TEST(test_async_out_of_order)
{
    static struct done_log d;
    memset(&d, 0, sizeof(d));
    uint16_t cids[5];
    sys.ctrl[1].hold = true;
    for (unsigned i = 0; i < 5; i++) {
        struct nvme_xfer w = xfer(data_pages + i, 1, 0, P_LIST);
        fill(P_DATA + i, 4096, 100 + i);
        ck_assert_uint_eq(nvme_write(&ns, 8 * i, 8, &w, record_done, &d, &cids[i]), SYS_ERR_OK);
    }
    ck_assert_uint_eq(q.outstanding, 5);
    ck_assert_uint_eq(nvme_ioq_poll(&q), 0);
    ck_assert_uint_eq(d.n, 0);
    model_release(&sys.ctrl[1], true, M_HELD);
    ck_assert_uint_eq(nvme_ioq_poll(&q), 5);
    ck_assert_uint_eq(d.n, 5);
    for (unsigned i = 0; i < 5; i++) {
        ck_assert_uint_eq(d.cids[i], cids[4 - i]); // newest first
        ck_assert_uint_eq(d.errs[i], SYS_ERR_OK);
        ck_assert(!memcmp(sys.ns_data[2] + 4096 * i, sys.mem[P_DATA + i], 4096));
    }
    ck_assert_uint_eq(q.outstanding, 0);
}
END_TEST

// A full queue refuses; completions make room.
START_TEST(test_queue_full)
{
    static struct done_log d;
    memset(&d, 0, sizeof(d));
    struct nvme_xfer w = xfer(data_pages, 1, 0, P_LIST);
    uint16_t cid;
    sys.ctrl[1].hold = true;
    for (unsigned i = 0; i < 15; i++)
        ck_assert_uint_eq(nvme_write(&ns, i, 1, &w, record_done, &d, &cid), SYS_ERR_OK);
    ck_assert_uint_eq(nvme_write(&ns, 15, 1, &w, record_done, &d, &cid), NVME_ERR_QUEUE_FULL);
    ck_assert_uint_eq(nvme_flush(&ns, record_done, &d, &cid), NVME_ERR_QUEUE_FULL);
    model_release(&sys.ctrl[1], false, M_HELD);
    sys.ctrl[1].hold = false;
    ck_assert_uint_eq(nvme_ioq_wait(&q, NULL, TIMEOUT), SYS_ERR_OK);
    ck_assert_uint_eq(d.n, 15);
    for (unsigned i = 0; i < 40; i++) // wraps around the 16-entry queue
        ck_assert_uint_eq(nvme_write_sync(&ns, i, 1, &w, TIMEOUT), SYS_ERR_OK);
    ck_assert_uint_eq(q.stray, 0);
}
END_TEST

// The controller may report SQ entries consumed long before their
// commands complete: then the command slots are the limit (one fewer than
// the CQ holds, so that it can never overflow).
START_TEST(test_slots_limit)
{
    static struct done_log d;
    memset(&d, 0, sizeof(d));
    struct nvme_xfer w = xfer(data_pages, 1, 0, P_LIST);
    uint16_t cid;
    sys.ctrl[1].hold = true;
    for (unsigned i = 0; i < 15; i++)
        ck_assert_uint_eq(nvme_write(&ns, i, 1, &w, record_done, &d, &cid), SYS_ERR_OK);
    model_release(&sys.ctrl[1], true, 1); // the newest: SQ head 15, the queue looks empty
    ck_assert_uint_eq(nvme_ioq_poll(&q), 1);
    ck_assert_uint_eq(q.outstanding, 14);
    ck_assert_uint_eq(nvme_write(&ns, 15, 1, &w, record_done, &d, &cid), SYS_ERR_OK);
    ck_assert_uint_eq(nvme_write(&ns, 16, 1, &w, record_done, &d, &cid), NVME_ERR_QUEUE_FULL);
    model_release(&sys.ctrl[1], false, M_HELD);
    ck_assert_uint_eq(nvme_ioq_poll(&q), 15);
    ck_assert_uint_eq(d.n, 16);
    ck_assert_uint_eq(q.stray, 0);
}
END_TEST

// A controller that does not answer: the wait ends, the command stays
// outstanding (abandoned), and its late completion harms nothing.
START_TEST(test_timeout)
{
    struct nvme_xfer w = xfer(data_pages, 1, 0, P_LIST);
    sys.ctrl[1].hold = true;
    uint64_t before = now_us;
    ck_assert_uint_eq(nvme_write_sync(&ns, 0, 1, &w, 50000), SYS_ERR_TIMEOUT);
    ck_assert_uint_ge(now_us - before, 50000);
    ck_assert_uint_eq(q.outstanding, 1);
    model_release(&sys.ctrl[1], false, M_HELD);
    sys.ctrl[1].hold = false;
    ck_assert_uint_eq(nvme_ioq_poll(&q), 1);
    ck_assert_uint_eq(q.outstanding, 0);
    ck_assert_uint_eq(q.stray, 0);
    // A controller gone fatal ends a wait at once.
    sys.ctrl[1].hold = true;
    ck_assert_uint_eq(nvme_write_sync(&ns, 0, 1, &w, 0), SYS_ERR_TIMEOUT);
    sys.ctrl[1].csts |= NVME_CSTS_CFS;
    ck_assert_uint_eq(nvme_ioq_wait(&q, NULL, 50000), NVME_ERR_FATAL);
}
END_TEST

// Deleting a queue calls back what is still outstanding.
START_TEST(test_delete_outstanding)
{
    static struct done_log d;
    memset(&d, 0, sizeof(d));
    struct nvme_xfer w = xfer(data_pages, 1, 0, P_LIST);
    uint16_t cid;
    sys.ctrl[1].hold = true;
    ck_assert_uint_eq(nvme_write(&ns, 0, 1, &w, record_done, &d, &cid), SYS_ERR_OK);
    ck_assert_uint_eq(nvme_flush(&ns, record_done, &d, &cid), SYS_ERR_OK);
    ck_assert_uint_eq(nvme_ioq_delete(&q), SYS_ERR_OK);
    ck_assert_uint_eq(d.n, 2);
    ck_assert_uint_eq(d.errs[0], NVME_ERR_SC_ABORTED);
    ck_assert_uint_eq(d.errs[1], NVME_ERR_SC_ABORTED);
    ck_assert_uint_eq(q.outstanding, 0);
}
END_TEST

START_TEST(test_interrupts)
{
    struct nvme_xfer w = xfer(data_pages, 1, 0, P_LIST);
    unsigned base = sys.ctrl[1].irqs[0];
    ck_assert_uint_eq(nvme_write_sync(&ns, 0, 1, &w, TIMEOUT), SYS_ERR_OK);
    ck_assert_uint_eq(sys.ctrl[1].irqs[0], base); // a polled queue raises none
    ck_assert_uint_eq(nvme_ioq_delete(&q), SYS_ERR_OK);
    ck_assert_uint_eq(nvme_ioq_create(&vf, &q, 1, model_page(&sys, P_QUEUES),
                                      model_page(&sys, P_QUEUES + 1), 8, 0),
                      SYS_ERR_OK);
    ck_assert_uint_eq(q.vector, 0);
    base = sys.ctrl[1].irqs[0];
    for (unsigned i = 0; i < 3; i++)
        ck_assert_uint_eq(nvme_write_sync(&ns, i, 1, &w, TIMEOUT), SYS_ERR_OK);
    ck_assert_uint_eq(sys.ctrl[1].irqs[0] - base, 3); // one per completion, on vector 0
}
END_TEST

// The log on namespace 2 through VF 1: the whole data path.
START_TEST(test_log_on_namespace)
{
    struct nvme_dma bounce[8];
    for (unsigned i = 0; i < 8; i++)
        bounce[i] = model_page(&sys, P_BOUNCE + i);
    static struct nvme_bdev b;
    struct blockdev dev;
    ck_assert_uint_eq(nvme_bdev_init(&b, &ns, bounce, 8, model_page(&sys, P_LIST), TIMEOUT, &dev),
                      SYS_ERR_OK);
    ck_assert_uint_eq(dev.block_size, 512);
    ck_assert_uint_eq(dev.blocks, M_NS_BLOCKS);
    static uint8_t buf[80 * 1024], rec[70000], out[70000];
    struct log lg;
    ck_assert_uint_eq(log_format(&dev, 70000, 5, buf, sizeof(buf)), SYS_ERR_OK);
    ck_assert_uint_eq(log_open(&lg, &dev, buf, sizeof(buf)), SYS_ERR_OK);
    unsigned flushes = sys.flushes;
    for (uint32_t i = 0; i < 10; i++) {
        uint32_t len = i == 9 ? 70000 : 100 + i * 300; // the last over the 32 KiB bounce
        memset(rec, 'a' + i, len);
        ck_assert_uint_eq(log_append(&lg, rec, len, NULL), SYS_ERR_OK);
    }
    ck_assert_uint_eq(sys.flushes - flushes, 10);
    ck_assert(!memcmp(sys.ns_data[2], "SIETCHLG", 8) ||
              !memcmp(sys.ns_data[2] + 512, "SIETCHLG", 8));
    ck_assert_uint_eq(log_open(&lg, &dev, buf, sizeof(buf)), SYS_ERR_OK);
    ck_assert_uint_eq(lg.records, 10);
    struct log_iter it;
    ck_assert_uint_eq(log_iter_init(&lg, LOG_START, &it), SYS_ERR_OK);
    for (uint32_t i = 0; i < 10; i++) {
        uint32_t len = 0;
        ck_assert_uint_eq(log_next(&lg, &it, out, sizeof(out), &len, NULL), SYS_ERR_OK);
        ck_assert_uint_eq(len, i == 9 ? 70000 : 100 + i * 300);
        ck_assert_uint_eq(out[0], 'a' + i);
        ck_assert_uint_eq(out[len - 1], 'a' + i);
    }
    ck_assert_uint_eq(dev.read(dev.arg, M_NS_BLOCKS - 1, 2, out), SYS_ERR_INVALID_ARGS);
}
END_TEST

// The page of doorbells an application gets: one page, not page 0,
// clear of the MSI-X table and PBA (QEMU's VF: table at 2000h, PBA 3000h).
START_TEST(test_doorbell_page)
{
    uint32_t off = 0;
    ck_assert(nvme_doorbell_page(2, 0, 0x2000, 8 * 16, 0x3000, 8, &off));
    ck_assert_uint_eq(off, 0x1000);
    ck_assert(nvme_doorbell_page(512, 0, 0x2000, 16, 0x3000, 8, &off)); // up to 1FFFh
    ck_assert(!nvme_doorbell_page(513, 0, 0x2000, 16, 0x3000, 8, &off));
    ck_assert(!nvme_doorbell_page(2, 10, 0x2000, 16, 0x3000, 8, &off));   // stride 4 KiB
    ck_assert(nvme_doorbell_page(2, 8, 0x2000, 16, 0x3000, 8, &off));     // 1 KiB: 1000h-1FFFh
    ck_assert(!nvme_doorbell_page(2, 0, 0x1800, 16, 0x3000, 8, &off));    // table in the page
    ck_assert(!nvme_doorbell_page(2, 0, 0x0f00, 0x200, 0x3000, 8, &off)); // reaching into it
    ck_assert(!nvme_doorbell_page(2, 0, 0x2000, 16, 0x1ff8, 8, &off));    // the PBA in it
    ck_assert(nvme_doorbell_page(2, 0, 0x1000, 0, 0x1000, 0, &off));      // none at all
    ck_assert(!nvme_doorbell_page(0, 0, 0x2000, 16, 0x3000, 8, &off));
    ck_assert(!nvme_doorbell_page(2, 16, 0x2000, 16, 0x3000, 8, &off));
}
END_TEST

// An application's view of VF 1: its doorbell page alone. Any other
// register it touches is counted; reads of them give 0.
static struct mmio vf_regs;
static unsigned outside;

static bool in_db_page(uint32_t off) { return off >= 0x1000 && off < 0x2000; }
static uint32_t app_read32(void *arg, uint32_t off)
{
    outside += !in_db_page(off) && off != NVME_REG_CSTS; // CSTS: the I/O wait's fatal check
    return in_db_page(off) ? mmio_read32(&vf_regs, off) : 0;
}
static uint64_t app_read64(void *arg, uint32_t off)
{
    outside += !in_db_page(off);
    return in_db_page(off) ? mmio_read64(&vf_regs, off) : 0;
}
static void app_write32(void *arg, uint32_t off, uint32_t v)
{
    outside += !in_db_page(off);
    if (in_db_page(off))
        mmio_write32(&vf_regs, off, v);
}
static void app_write64(void *arg, uint32_t off, uint64_t v)
{
    outside += !in_db_page(off);
    if (in_db_page(off))
        mmio_write64(&vf_regs, off, v);
}

// The control plane holds the admin queue and makes the pair
// (nvme_ioq_create_at); the application attaches to it and does I/O
// through the doorbell page alone.
START_TEST(test_split_control)
{
    ck_assert_uint_eq(nvme_ioq_delete(&q), SYS_ERR_OK);
    vf_regs = model_regs(&sys.ctrl[1]);
    outside = 0;
    struct nvme_ctrl app = {.regs = {app_read32, app_read64, app_write32, app_write64, NULL},
                            .cap = vf.cap,
                            .dstrd = vf.dstrd,
                            .clock_us = clock_us,
                            .max_xfer = vf.max_xfer};
    struct nvme_ioq aq;
    struct nvme_dma sq = model_page(&sys, P_QUEUES + 2), cq = model_page(&sys, P_QUEUES + 3);
    memset(sq.va, 0xff, 4096);
    ck_assert_uint_eq(nvme_ioq_attach(&app, &aq, 1, sq, cq, 16, NVME_IOQ_POLLED), SYS_ERR_OK);
    ck_assert_uint_eq(((uint8_t *)sq.va)[100], 0); // cleared before the device sees it
    ck_assert_uint_eq(nvme_ioq_create_at(&vf, 1, sq.iova + 8, cq.iova, 16, NVME_IOQ_POLLED),
                      SYS_ERR_ALIGNMENT);
    ck_assert_uint_eq(nvme_ioq_create_at(&vf, 1, sq.iova, cq.iova, 1, NVME_IOQ_POLLED),
                      SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(nvme_ioq_create_at(&vf, 0, sq.iova, cq.iova, 16, NVME_IOQ_POLLED),
                      SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(nvme_ioq_create_at(&vf, 1, sq.iova, cq.iova, 16, NVME_IOQ_POLLED),
                      SYS_ERR_OK);
    ck_assert_uint_eq(nvme_ioq_create_at(&vf, 1, sq.iova, cq.iova, 16, NVME_IOQ_POLLED),
                      NVME_ERR_SC_INVALID_QID); // one pair: made already
    struct nvme_ns ans = {&aq, 2, ns.block_size, ns.blocks};
    fill(P_DATA, 8 * 512, 9);
    memset(sys.mem[P_BACK], 0, 8 * 512);
    struct nvme_xfer w = xfer(data_pages, 2, 0, P_LIST);
    struct nvme_xfer r = xfer(back_pages, 2, 0, P_LIST + 1);
    for (unsigned i = 0; i < 40; i++) { // round the 16-entry queue twice
        ck_assert_uint_eq(nvme_write_sync(&ans, 8 * i, 8, &w, TIMEOUT), SYS_ERR_OK);
        ck_assert_uint_eq(nvme_read_sync(&ans, 8 * i, 8, &r, TIMEOUT), SYS_ERR_OK);
    }
    ck_assert(!memcmp(sys.mem[P_DATA], sys.mem[P_BACK], 8 * 512));
    ck_assert_uint_eq(outside, 0);
    ck_assert_uint_eq(sys.dma_faults, 0);
}
END_TEST

static Suite *io_suite(void)
{
    Suite *s = suite_create("nvme_io");
    TCase *t = tcase_create("io");
    tcase_add_checked_fixture(t, setup, NULL);
    tcase_add_test(t, test_vf_needs_online);
    tcase_add_test(t, test_queue_rules);
    tcase_add_test(t, test_prp_build);
    tcase_add_test(t, test_write_read_sizes);
    tcase_add_test(t, test_flush_and_limits);
    tcase_add_test(t, test_write_zeroes);
    tcase_add_test(t, test_status_errors);
    tcase_add_test(t, test_async_out_of_order);
    tcase_add_test(t, test_queue_full);
    tcase_add_test(t, test_slots_limit);
    tcase_add_test(t, test_timeout);
    tcase_add_test(t, test_delete_outstanding);
    tcase_add_test(t, test_interrupts);
    tcase_add_test(t, test_log_on_namespace);
    tcase_add_test(t, test_doorbell_page);
    tcase_add_test(t, test_split_control);
    suite_add_tcase(s, t);
    return s;
}

UNIT_MAIN(io_suite)
