/* tests/unit/nvme/check_nvme_virt.c: Identify CNS 14h/15h, Virtualization Management and Namespace
 * Attachment against the SR-IOV model. */
#include "model.h"
#include <nvme/nvme_virt.h>
#include <string.h>
#include <unit.h>

static struct model_sys sys;
static struct nvme_ctrl pf;
static uint64_t now_us;

static uint64_t clock_us(void *arg) { return now_us += 1000; }

// Bring up a controller's driver on model controller m with pages first..first+2.
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

static void setup(void)
{
    model_init(&sys);
    now_us = 0;
    bring_up(&pf, &sys.ctrl[0], 0);
}

// A Virtualization Management command exactly as given: the device's checks alone.
static MUST_CHECK errval_t raw_virt(unsigned act, unsigned rt, uint16_t cntlid, uint16_t n)
{
    struct nvme_sqe cmd = {
        .opc = NVME_ADMIN_VIRT_MGMT, .cdw10 = NVME_VIRT_CDW10(act, rt, cntlid), .cdw11 = n};
    return nvme_admin_cmd(&pf, &cmd, NULL);
}

static struct nvme_secondary secondary(uint16_t cntlid)
{
    struct nvme_secondary s[4];
    unsigned n = 0;
    ck_assert_uint_eq(nvme_secondaries(&pf, s, 4, &n), SYS_ERR_OK);
    for (unsigned i = 0; i < n; i++) {
        if (s[i].cntlid == cntlid)
            return s[i];
    }
    ck_abort_msg("no secondary %u", cntlid);
    return s[0];
}

START_TEST(test_identify_controller)
{
    struct nvme_ctrl_info info;
    ck_assert_uint_eq(nvme_identify_controller(&pf, &info), SYS_ERR_OK);
    ck_assert_str_eq(info.sn, "sietch-nvme0");
    ck_assert_str_eq(info.mn, "QEMU NVMe Ctrl");
    ck_assert_uint_eq(info.max_xfer, 128 * 1024);
    ck_assert_uint_eq(pf.max_xfer, 128 * 1024);
    ck_assert_uint_eq(info.cntlid, 0);
    ck_assert(info.vwc);
    ck_assert_uint_eq(info.awupf, 1); // AWUPF 0's based: one block
    ck_assert(info.oacs & NVME_OACS_VIRT_MGMT);
    struct nvme_ctrl bare = pf;
    bare.scratch.va = NULL;
    ck_assert_uint_eq(nvme_identify_controller(&bare, &info), NVME_ERR_NO_SCRATCH);
    struct nvme_dma odd = {sys.mem[5] + 8, M_IOVA + 5 * 4096 + 8};
    ck_assert_uint_eq(nvme_admin_scratch(&bare, odd), SYS_ERR_ALIGNMENT);
}
END_TEST

START_TEST(test_identify_virt)
{
    struct nvme_primary_caps caps;
    ck_assert_uint_eq(nvme_primary_caps(&pf, &caps), SYS_ERR_OK);
    ck_assert(caps.vq && caps.vi);
    ck_assert_uint_eq(caps.queues.total, 4);
    ck_assert_uint_eq(caps.queues.primary_private, 5); // admin + 4 I/O pairs
    ck_assert_uint_eq(caps.queues.max_per_secondary, 2);
    ck_assert_uint_eq(caps.interrupts.total, 2);
    ck_assert_uint_eq(caps.interrupts.primary_private, 6);
    ck_assert_uint_eq(caps.interrupts.max_per_secondary, 1);
    ck_assert_uint_eq(caps.queues.assigned + caps.queues.primary_flexible, 0);
    struct nvme_secondary s[4];
    unsigned n = 0;
    ck_assert_uint_eq(nvme_secondaries(&pf, s, 4, &n), SYS_ERR_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(s[0].cntlid, 1);
    ck_assert_uint_eq(s[0].vf, 1);
    ck_assert_uint_eq(s[1].cntlid, 2);
    ck_assert_uint_eq(s[1].vf, 2);
    ck_assert(!s[0].online && !s[0].queues && !s[0].interrupts);
    ck_assert_uint_eq(nvme_secondaries(&pf, s, 1, &n), SYS_ERR_OK); // at most max
    ck_assert_uint_eq(n, 1);
}
END_TEST

// The pure checks, on made-up capabilities.
START_TEST(test_check_rules)
{
    struct nvme_primary_caps caps = {.queues = {.total = 8, .assigned = 5, .max_per_secondary = 4},
                                     .interrupts = {.total = 2, .max_per_secondary = 1}};
    struct nvme_secondary s = {.cntlid = 1, .queues = 1};
    ck_assert_uint_eq(nvme_virt_check_assign(&caps, &s, NVME_VRES_QUEUE, 4), SYS_ERR_OK); // 3 free
    ck_assert_uint_eq(nvme_virt_check_assign(&caps, &s, NVME_VRES_QUEUE, 5),
                      NVME_ERR_VIRT_TOO_MANY);
    caps.queues.primary_flexible = 1; // 2 free
    ck_assert_uint_eq(nvme_virt_check_assign(&caps, &s, NVME_VRES_QUEUE, 4), NVME_ERR_VIRT_NO_FREE);
    ck_assert_uint_eq(nvme_virt_check_assign(&caps, &s, NVME_VRES_QUEUE, 0), SYS_ERR_OK);
    ck_assert_uint_eq(nvme_virt_check_assign(&caps, &s, NVME_VRES_INTERRUPT, 2),
                      NVME_ERR_VIRT_TOO_MANY);
    s.online = true;
    ck_assert_uint_eq(nvme_virt_check_assign(&caps, &s, NVME_VRES_QUEUE, 1), NVME_ERR_VIRT_ONLINE);
    s = (struct nvme_secondary){.queues = 1, .interrupts = 1};
    ck_assert_uint_eq(nvme_virt_check_online(&s), NVME_ERR_VIRT_RESOURCES);
    s.queues = 2, s.interrupts = 0;
    ck_assert_uint_eq(nvme_virt_check_online(&s), NVME_ERR_VIRT_RESOURCES);
    s.interrupts = 1;
    ck_assert_uint_eq(nvme_virt_check_online(&s), SYS_ERR_OK);
}
END_TEST

START_TEST(test_assign_online_offline)
{
    ck_assert_uint_eq(nvme_virt_assign(&pf, 1, NVME_VRES_QUEUE, 2), SYS_ERR_OK);
    ck_assert_uint_eq(sys.ctrl[1].nvq, 2);
    ck_assert_uint_eq(nvme_virt_assign(&pf, 1, NVME_VRES_QUEUE, 3), NVME_ERR_VIRT_TOO_MANY);
    ck_assert_uint_eq(nvme_virt_assign(&pf, 5, NVME_VRES_QUEUE, 1), NVME_ERR_NO_SECONDARY);
    // Not enough: online refused by the driver before the device sees it.
    ck_assert_uint_eq(nvme_virt_online(&pf, 1), NVME_ERR_VIRT_RESOURCES);
    ck_assert_uint_eq(nvme_virt_assign(&pf, 1, NVME_VRES_INTERRUPT, 1), SYS_ERR_OK);
    // Resources in place, but no VF yet.
    errval_t err = nvme_virt_online(&pf, 1);
    ck_assert_uint_eq(err_no(err), NVME_ERR_VF_NOT_ENABLED);
    ck_assert_uint_eq(err_no(err_pop(err)), NVME_ERR_SC_SEC_CTRL_STATE);
    model_set_vfs(&sys, 2);
    ck_assert_uint_eq(nvme_virt_online(&pf, 1), SYS_ERR_OK);
    struct nvme_secondary s = secondary(1);
    ck_assert(s.online && s.queues == 2 && s.interrupts == 1);
    ck_assert_uint_eq(nvme_virt_assign(&pf, 1, NVME_VRES_QUEUE, 1), NVME_ERR_VIRT_ONLINE);
    // Controller 2 gets the rest; then nothing is left for a third ask.
    ck_assert_uint_eq(nvme_virt_assign(&pf, 2, NVME_VRES_QUEUE, 2), SYS_ERR_OK);
    struct nvme_primary_caps caps;
    ck_assert_uint_eq(nvme_primary_caps(&pf, &caps), SYS_ERR_OK);
    ck_assert_uint_eq(caps.queues.assigned, 4);
    ck_assert_uint_eq(caps.interrupts.assigned, 1);
    // Offline gives everything back.
    ck_assert_uint_eq(nvme_virt_offline(&pf, 1), SYS_ERR_OK);
    s = secondary(1);
    ck_assert(!s.online && !s.queues && !s.interrupts);
    ck_assert_uint_eq(nvme_primary_caps(&pf, &caps), SYS_ERR_OK);
    ck_assert_uint_eq(caps.queues.assigned, 2);
    ck_assert_uint_eq(caps.interrupts.assigned, 0);
}
END_TEST

// A bigger per-secondary limit (QEMU's sriov_max_vq_per_vf) makes the
// shared pool the limit.
START_TEST(test_pool_exhausted)
{
    sys.vqfrsm = 4;
    ck_assert_uint_eq(nvme_virt_assign(&pf, 1, NVME_VRES_QUEUE, 3), SYS_ERR_OK);
    ck_assert_uint_eq(nvme_virt_assign(&pf, 2, NVME_VRES_QUEUE, 2), NVME_ERR_VIRT_NO_FREE);
    ck_assert_uint_eq(raw_virt(NVME_VIRT_ACT_ASSIGN, NVME_VIRT_RT_VQ, 2, 2),
                      NVME_ERR_SC_RESOURCE_ID);
    ck_assert_uint_eq(nvme_virt_assign(&pf, 2, NVME_VRES_QUEUE, 1), SYS_ERR_OK);
    ck_assert_uint_eq(nvme_virt_assign(&pf, 1, NVME_VRES_QUEUE, 1), SYS_ERR_OK); // shrink
    ck_assert_uint_eq(nvme_virt_assign(&pf, 2, NVME_VRES_QUEUE, 3), SYS_ERR_OK);
}
END_TEST

// What the device itself says when the driver's checks are bypassed.
START_TEST(test_device_statuses)
{
    ck_assert_uint_eq(raw_virt(NVME_VIRT_ACT_ASSIGN, NVME_VIRT_RT_VQ, 1, 3),
                      NVME_ERR_SC_NUM_RESOURCES);
    ck_assert_uint_eq(raw_virt(NVME_VIRT_ACT_ASSIGN, NVME_VIRT_RT_VQ, 7, 1),
                      NVME_ERR_SC_INVALID_CTRL_ID);
    ck_assert_uint_eq(raw_virt(NVME_VIRT_ACT_ASSIGN, 5, 1, 1), NVME_ERR_SC_RESOURCE_ID);
    ck_assert_uint_eq(raw_virt(NVME_VIRT_ACT_ONLINE, NVME_VIRT_RT_VQ, 1, 0),
                      NVME_ERR_SC_SEC_CTRL_STATE);
    ck_assert_uint_eq(raw_virt(3, NVME_VIRT_RT_VQ, 1, 0), NVME_ERR_SC_INVALID_FIELD);
    ck_assert_uint_eq(nvme_virt_primary_alloc(&pf, NVME_VRES_QUEUE, 5), NVME_ERR_SC_NUM_RESOURCES);
    ck_assert_uint_eq(nvme_virt_primary_alloc(&pf, NVME_VRES_QUEUE, 2), SYS_ERR_OK);
    // Namespace Management (create/delete) is not there: QEMU 10.0 lacks it.
    struct nvme_sqe cmd = {.opc = NVME_ADMIN_NS_MGMT};
    ck_assert_uint_eq(nvme_admin_cmd(&pf, &cmd, NULL), NVME_ERR_SC_INVALID_OPCODE);
}
END_TEST

// A reset of the primary takes every secondary offline.
START_TEST(test_primary_reset)
{
    model_set_vfs(&sys, 2);
    ck_assert_uint_eq(nvme_virt_assign(&pf, 1, NVME_VRES_QUEUE, 2), SYS_ERR_OK);
    ck_assert_uint_eq(nvme_virt_assign(&pf, 1, NVME_VRES_INTERRUPT, 1), SYS_ERR_OK);
    ck_assert_uint_eq(nvme_virt_online(&pf, 1), SYS_ERR_OK);
    bring_up(&pf, &sys.ctrl[0], 0);
    struct nvme_secondary s = secondary(1);
    ck_assert(!s.online && !s.queues && !s.interrupts);
}
END_TEST

START_TEST(test_status_names)
{
    static const struct {
        unsigned sct, sc;
        errval_t err;
    } want[] = {
        {0, 0x01, NVME_ERR_SC_INVALID_OPCODE},
        {0, 0x02, NVME_ERR_SC_INVALID_FIELD},
        {0, 0x04, NVME_ERR_SC_DATA_TRANSFER},
        {0, 0x06, NVME_ERR_SC_INTERNAL},
        {0, 0x07, NVME_ERR_SC_ABORTED},
        {0, 0x08, NVME_ERR_SC_ABORTED},
        {0, 0x0b, NVME_ERR_SC_INVALID_NSID},
        {0, 0x13, NVME_ERR_SC_PRP_OFFSET},
        {0, 0x80, NVME_ERR_SC_LBA_RANGE},
        {0, 0x81, NVME_ERR_SC_CAPACITY},
        {0, 0x82, NVME_ERR_SC_NS_NOT_READY},
        {1, 0x00, NVME_ERR_SC_INVALID_CQID},
        {1, 0x01, NVME_ERR_SC_INVALID_QID},
        {1, 0x02, NVME_ERR_SC_QSIZE},
        {1, 0x08, NVME_ERR_SC_INVALID_VECTOR},
        {1, 0x0c, NVME_ERR_SC_QUEUE_DELETION},
        {1, 0x18, NVME_ERR_SC_NS_ALREADY_ATTACHED},
        {1, 0x19, NVME_ERR_SC_NS_PRIVATE},
        {1, 0x1a, NVME_ERR_SC_NS_NOT_ATTACHED},
        {1, 0x1c, NVME_ERR_SC_CTRL_LIST},
        {1, 0x1f, NVME_ERR_SC_INVALID_CTRL_ID},
        {1, 0x20, NVME_ERR_SC_SEC_CTRL_STATE},
        {1, 0x21, NVME_ERR_SC_NUM_RESOURCES},
        {1, 0x22, NVME_ERR_SC_RESOURCE_ID},
        {2, 0x80, NVME_ERR_SC_WRITE_FAULT},
        {2, 0x81, NVME_ERR_SC_UNRECOVERED_READ},
        {0, 0x03, NVME_ERR_COMMAND},
        {3, 0x00, NVME_ERR_COMMAND},
        {0, 0x00, SYS_ERR_OK},
    };
    for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        uint16_t st = (uint16_t)((want[i].sct << 9) | (want[i].sc << 1));
        ck_assert_uint_eq(nvme_status_err(st), want[i].err);
        // The phase tag, More and Do Not Retry do not change the status.
        ck_assert_uint_eq(nvme_status_err(st | 1 | NVME_STATUS_MORE | NVME_STATUS_DNR),
                          want[i].err);
    }
}
END_TEST

static MUST_CHECK errval_t raw_attach(uint32_t nsid, uint16_t cntlid, uint32_t sel)
{
    uint16_t *list = (uint16_t *)sys.mem[10];
    memset(list, 0, 4096);
    list[0] = 1, list[1] = cntlid;
    struct nvme_sqe cmd = {
        .opc = NVME_ADMIN_NS_ATTACH, .nsid = nsid, .prp1 = M_IOVA + 10 * 4096, .cdw10 = sel};
    return nvme_admin_cmd(&pf, &cmd, NULL);
}

START_TEST(test_namespaces)
{
    uint32_t ids[8];
    unsigned n = 0;
    ck_assert_uint_eq(nvme_namespaces(&pf, true, ids, 8, &n), SYS_ERR_OK);
    ck_assert_uint_eq(n, 3);
    ck_assert_uint_eq(ids[2], 3);
    ck_assert_uint_eq(nvme_namespaces(&pf, false, ids, 8, &n), SYS_ERR_OK);
    ck_assert_uint_eq(n, 1); // the private namespace only
    ck_assert_uint_eq(ids[0], 1);
    struct nvme_ns_info ns;
    ck_assert_uint_eq(nvme_identify_namespace(&pf, 2, false, &ns), SYS_ERR_NOT_FOUND);
    ck_assert_uint_eq(nvme_identify_namespace(&pf, 2, true, &ns), SYS_ERR_OK);
    ck_assert_uint_eq(ns.blocks, M_NS_BLOCKS);
    ck_assert_uint_eq(ns.block_size, 512);
    ck_assert_uint_eq(ns.atomic_blocks, 1);
    ck_assert_uint_eq(nvme_identify_namespace(&pf, 9, true, &ns), SYS_ERR_NOT_FOUND);
    ck_assert_uint_eq(nvme_identify_namespace(&pf, 3, true, &ns), SYS_ERR_OK);
    ck_assert_uint_eq(ns.atomic_blocks, 8); // its own NAWUPF, 0's based
    sys.ctrl[0].awupf_override = 3;         // AWUPF 3: four blocks
    struct nvme_ctrl_info info;
    ck_assert_uint_eq(nvme_identify_controller(&pf, &info), SYS_ERR_OK);
    ck_assert_uint_eq(nvme_identify_namespace(&pf, 2, true, &ns), SYS_ERR_OK);
    ck_assert_uint_eq(ns.atomic_blocks, 4); // the controller's
}
END_TEST

START_TEST(test_attach_detach)
{
    uint16_t ids[4];
    unsigned n = 9;
    // VF 1 not enabled: its controller does not exist.
    ck_assert_uint_eq(nvme_ns_attach(&pf, 2, 1), NVME_ERR_SC_CTRL_LIST);
    model_set_vfs(&sys, 2);
    ck_assert_uint_eq(nvme_ns_attach(&pf, 2, 1), SYS_ERR_OK);
    ck_assert(sys.ctrl[1].attached[2] && !sys.ctrl[2].attached[2] && !sys.ctrl[0].attached[2]);
    ck_assert_uint_eq(nvme_ns_controllers(&pf, 2, ids, 4, &n), SYS_ERR_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(ids[0], 1);
    // One controller per VSA: the second attach is refused by the driver.
    ck_assert_uint_eq(nvme_ns_attach(&pf, 2, 2), NVME_ERR_NS_ATTACHED);
    ck_assert(!sys.ctrl[2].attached[2]);
    ck_assert_uint_eq(nvme_ns_attach(&pf, 1, 1), NVME_ERR_NS_ATTACHED); // the primary's own
    // ... unless asked for as well (a reset of 2 then waits for its commands
    // on it); twice to one controller is refused, and a detach leaves the other.
    ck_assert_uint_eq(nvme_ns_attach_also(&pf, 2, 2), SYS_ERR_OK);
    ck_assert(sys.ctrl[1].attached[2] && sys.ctrl[2].attached[2]);
    ck_assert_uint_eq(nvme_ns_attach_also(&pf, 2, 2), NVME_ERR_NS_ATTACHED);
    ck_assert_uint_eq(nvme_ns_attach_also(&pf, 2, 1), NVME_ERR_NS_ATTACHED);
    ck_assert_uint_eq(nvme_ns_detach(&pf, 2, 2), SYS_ERR_OK);
    ck_assert(sys.ctrl[1].attached[2] && !sys.ctrl[2].attached[2]);
    // QEMU's own check looks at the issuing controller (the primary).
    ck_assert_uint_eq(raw_attach(1, 1, NVME_NS_ATTACH_SEL_ATTACH), NVME_ERR_SC_NS_ALREADY_ATTACHED);
    // Detach from a controller it is not attached to: refused here, not sent.
    ck_assert_uint_eq(nvme_ns_detach(&pf, 2, 2), NVME_ERR_NS_NOT_ATTACHED);
    ck_assert_uint_eq(nvme_ns_detach(&pf, 3, 1), NVME_ERR_NS_NOT_ATTACHED);
    ck_assert(!sys.aborted);
    ck_assert_uint_eq(nvme_ns_detach(&pf, 2, 1), SYS_ERR_OK);
    ck_assert(!sys.ctrl[1].attached[2]);
    ck_assert_uint_eq(nvme_ns_controllers(&pf, 2, ids, 4, &n), SYS_ERR_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert_uint_eq(nvme_ns_controllers(&pf, 7, ids, 4, &n), NVME_ERR_SC_INVALID_FIELD);
    // What the check prevents: QEMU asserts on detaching a namespace attached nowhere.
    ck_assert_uint_eq(raw_attach(3, 1, NVME_NS_ATTACH_SEL_DETACH), SYS_ERR_OK);
    ck_assert(sys.aborted);
}
END_TEST

static Suite *virt_suite(void)
{
    Suite *s = suite_create("nvme_virt");
    TCase *t = tcase_create("virt");
    tcase_add_checked_fixture(t, setup, NULL);
    tcase_add_test(t, test_identify_controller);
    tcase_add_test(t, test_identify_virt);
    tcase_add_test(t, test_check_rules);
    tcase_add_test(t, test_assign_online_offline);
    tcase_add_test(t, test_pool_exhausted);
    tcase_add_test(t, test_device_statuses);
    tcase_add_test(t, test_primary_reset);
    tcase_add_test(t, test_status_names);
    tcase_add_test(t, test_namespaces);
    tcase_add_test(t, test_attach_detach);
    suite_add_tcase(s, t);
    return s;
}

UNIT_MAIN(virt_suite)
