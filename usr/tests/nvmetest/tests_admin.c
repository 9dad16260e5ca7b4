/*
 * usr/tests/nvmetest/tests_admin.c: what a secondary controller's admin
 * queue accepts (docs/vsic.md, "What a VF's admin queue accepts"). Every
 * admin opcode of the NVMe Base specification, sent by VF 1 on its own
 * admin queue, with the status QEMU answers; then the commands that reach
 * beyond the VF, each with its effect checked from the PF: Namespace
 * Attachment of a namespace nobody gave VF 1, of a neighbour's namespace,
 * detaching the PF's and a neighbour's; Virtualization Management;
 * Identify of what is not VF 1's; Format NVM; Set Features. The expected
 * statuses are QEMU 10.0.2's as measured: a change in QEMU fails here.
 *
 * These probes are why an application no longer holds its VF's admin
 * queue: storctl does (docs/vsic.md).
 */
#include "nvmetest.h"
#include <stdio.h>
#include <string.h>

#define NO_COMPLETION 0xffff // no completion in the time given
#define SHORT_US      100000
#define OTHER_CNTLID  2 // VF 2's controller: offline, a neighbour for the attachment tests
#define FREE_NSID     4 // attached to nobody at the start
#define META_NSID     1 // the PF's own

#define SC(sct, sc) NVME_STATUS(NVME_SCT_##sct, NVME_SC_##sc)

// One admin command on c's admin queue; its status code (SCT << 8 | SC),
// or NO_COMPLETION. *dw0 (if not NULL) gets the result.
static uint16_t admin_raw(struct nvme_ctrl *c, struct nvme_sqe *cmd, uint64_t timeout_us,
                          uint32_t *dw0)
{
    struct nvme_cqe cqe = {0};
    errval_t err = nvme_admin_submit(c, cmd);
    if (err_is_ok(err))
        err = nvme_admin_wait(c, cmd->cid, timeout_us, &cqe);
    if (err_is_fail(err))
        return NO_COMPLETION;
    if (dw0)
        *dw0 = cqe.dw0;
    return NVME_STATUS_CODE(cqe.status);
}

struct opcode {
    uint8_t opc;
    const char *name;
    uint16_t expect; // with every field 0 but the data pointer
};

// The admin opcodes of NVMe Base 2.0 (Admin Command Set figure), each sent
// with every field 0 but PRP1 (the scratch page, so a transfer stays in
// the VF's domain; Doorbell Buffer Config gets it unaligned: an aligned
// one would move VF 1's doorbells into memory and stop its queues).
static const struct opcode opcodes[] = {
    {0x00, "Delete I/O SQ", SC(COMMAND, INVALID_QID)},
    {0x01, "Create I/O SQ", SC(COMMAND, INVALID_CQID)},
    {0x02, "Get Log Page", SC(GENERIC, INVALID_FIELD)},
    {0x04, "Delete I/O CQ", SC(COMMAND, INVALID_CQID)},
    {0x05, "Create I/O CQ", SC(COMMAND, INVALID_QID)},
    {0x06, "Identify", SC(GENERIC, INVALID_NSID)},
    {0x08, "Abort", SC(GENERIC, SUCCESS)},
    {0x09, "Set Features", SC(GENERIC, INVALID_FIELD)},
    {0x0a, "Get Features", SC(GENERIC, INVALID_FIELD)},
    {0x0c, "Asynchronous Event Request", SC(GENERIC, SUCCESS)},
    {0x0d, "Namespace Management", SC(GENERIC, INVALID_OPCODE)},
    {0x10, "Firmware Commit", SC(GENERIC, INVALID_OPCODE)},
    {0x11, "Firmware Image Download", SC(GENERIC, INVALID_OPCODE)},
    {0x14, "Device Self-test", SC(GENERIC, INVALID_OPCODE)},
    {0x15, "Namespace Attachment", SC(GENERIC, INVALID_NSID)},
    {0x18, "Keep Alive", SC(GENERIC, INVALID_OPCODE)},
    {0x19, "Directive Send", SC(GENERIC, INVALID_FIELD)},
    {0x1a, "Directive Receive", SC(GENERIC, INVALID_FIELD)},
    {0x1c, "Virtualization Management", SC(GENERIC, INVALID_FIELD)},
    {0x1d, "NVMe-MI Send", SC(GENERIC, INVALID_OPCODE)},
    {0x1e, "NVMe-MI Receive", SC(GENERIC, INVALID_OPCODE)},
    {0x20, "Capacity Management", SC(GENERIC, INVALID_OPCODE)},
    {0x24, "Lockdown", SC(GENERIC, INVALID_OPCODE)},
    {0x7c, "Doorbell Buffer Config", SC(GENERIC, INVALID_FIELD)},
    {0x7f, "Fabrics Commands", SC(GENERIC, INVALID_OPCODE)},
    {0x80, "Format NVM", SC(GENERIC, INVALID_NSID)},
    {0x81, "Security Send", SC(GENERIC, INVALID_OPCODE)},
    {0x82, "Security Receive", SC(GENERIC, INVALID_OPCODE)},
    {0x84, "Sanitize", SC(GENERIC, INVALID_OPCODE)},
    {0x86, "Get LBA Status", SC(GENERIC, INVALID_OPCODE)},
    {0xc0, "(vendor specific)", SC(GENERIC, INVALID_OPCODE)},
};

static void test_opcodes(struct vf *v)
{
    unsigned differ = 0, n = sizeof(opcodes) / sizeof(opcodes[0]);
    for (unsigned i = 0; i < n; i++) {
        const struct opcode *o = &opcodes[i];
        struct nvme_sqe cmd = {.opc = o->opc, .prp1 = dma_page(&v->admin, 2).iova};
        if (o->opc == 0x7c)
            cmd.prp1 += 4;
        // An Asynchronous Event Request waits for an event; one is queued
        // here (the PF attached VF 1's namespace), so it completes at once.
        uint16_t st = admin_raw(&v->c, &cmd, o->opc == 0x0c ? SHORT_US : WAIT_US, NULL);
        printf("nvmetest: VF admin opcode %02xh %-27s status %04xh%s\n", o->opc, o->name, st,
               st == o->expect ? "" : " (UNEXPECTED)");
        differ += st != o->expect;
    }
    report("admin.opcodes", !differ, "%u of %u opcodes answered other than QEMU 10.0.2 did", differ,
           n);
}

// Namespace Attachment from VF 1: sel 0 attach, 1 detach; one controller.
static uint16_t vf_attach(struct vf *v, uint32_t nsid, bool detach, uint16_t cntlid)
{
    uint16_t *list = dma_page(&v->admin, 2).va;
    memset(list, 0, 4096);
    list[0] = 1;
    list[1] = cntlid;
    struct nvme_sqe cmd = {.opc = NVME_ADMIN_NS_ATTACH,
                           .nsid = nsid,
                           .prp1 = dma_page(&v->admin, 2).iova,
                           .cdw10 = detach ? 1 : 0};
    return admin_raw(&v->c, &cmd, WAIT_US, NULL);
}

// The controllers nsid is attached to, as the PF sees them: a bit each.
static unsigned holders(struct pf *pf, uint32_t nsid)
{
    uint16_t ids[4] = {0};
    unsigned n = 0, bits = 0;
    if (err_is_fail(nvme_ns_controllers(&pf->c, nsid, ids, 4, &n)))
        return ~0u;
    for (unsigned i = 0; i < n; i++)
        bits |= 1u << ids[i];
    return bits;
}

static MUST_CHECK errval_t vf_read(struct vf *v, uint32_t nsid)
{
    uint64_t page = v->bounce.iova;
    struct nvme_xfer x = {&page, 1, 0, {NULL, 0}};
    struct nvme_ns ns = {&v->q, nsid, 512, 8};
    return nvme_read_sync(&ns, 0, 1, &x, WAIT_US);
}

// VF 1 attaches a namespace nobody gave it, reads it, lets it go.
static void test_attach_self(struct pf *pf, struct vf *v)
{
    uint16_t st = vf_attach(v, VSA_OTHER, false, VF_CNTLID);
    unsigned held = holders(pf, VSA_OTHER);
    errval_t rd = vf_read(v, VSA_OTHER);
    uint16_t back = vf_attach(v, VSA_OTHER, true, VF_CNTLID);
    report("admin.attach_unassigned_ns",
           st == 0 && held == 1u << VF_CNTLID && err_is_ok(rd) && back == 0 &&
               holders(pf, VSA_OTHER) == 0,
           "attach namespace %u to itself: %04xh, then attached to %#x, read %s; detach %04xh",
           VSA_OTHER, st, held, err_name(rd), back);
}

// A namespace of the neighbour's (controller 2): VF 1 attaches it to
// itself too (QEMU's namespaces are shared by default: no refusal), then
// detaches it from the neighbour.
static void test_neighbour(struct pf *pf, struct vf *v)
{
    errval_t given = nvme_ns_attach(&pf->c, FREE_NSID, OTHER_CNTLID);
    uint16_t st = vf_attach(v, FREE_NSID, false, VF_CNTLID);
    unsigned both = holders(pf, FREE_NSID);
    errval_t rd = vf_read(v, FREE_NSID);
    uint16_t det = vf_attach(v, FREE_NSID, true, OTHER_CNTLID);
    unsigned after = holders(pf, FREE_NSID);
    uint16_t back = vf_attach(v, FREE_NSID, true, VF_CNTLID);
    report("admin.steal_neighbours_ns",
           err_is_ok(given) && st == 0 && both == ((1u << VF_CNTLID) | (1u << OTHER_CNTLID)) &&
               err_is_ok(rd) && det == 0 && after == 1u << VF_CNTLID && back == 0 &&
               holders(pf, FREE_NSID) == 0,
           "namespace %u of controller %u: PF attach %s; VF 1 attaches it to itself %04xh "
           "(attached to %#x), reads %s; detaches it from controller %u %04xh (left %#x); "
           "lets go %04xh",
           FREE_NSID, OTHER_CNTLID, err_name(given), st, both, err_name(rd), OTHER_CNTLID, det,
           after, back);
}

// VF 1 takes the PF's own namespace away from it; the PF attaches it again.
static void test_detach_pf(struct pf *pf, struct vf *v)
{
    uint16_t st = vf_attach(v, META_NSID, true, 0);
    unsigned gone = holders(pf, META_NSID);
    errval_t again = nvme_ns_attach(&pf->c, META_NSID, 0);
    report("admin.detach_pf_ns",
           st == 0 && gone == 0 && err_is_ok(again) && holders(pf, META_NSID) == 1,
           "VF 1 detaches namespace %u from the PF: %04xh (attached to %#x after); PF attaches "
           "it again: %s",
           META_NSID, st, gone, err_name(again));
}

// Virtualization Management from VF 1, on the neighbour and on itself:
// the PF's secondary list must not change.
static void test_virt(struct pf *pf, struct vf *v)
{
    struct nvme_secondary before[2] = {0}, after[2] = {0};
    unsigned nb = 0, na = 0;
    err_ignore(nvme_secondaries(&pf->c, before, 2, &nb),
               "the counts compared next are 0 if it failed, and the check fails");
    struct nvme_sqe off2 = {.opc = NVME_ADMIN_VIRT_MGMT, .cdw10 = 7 | OTHER_CNTLID << 16};
    struct nvme_sqe asg2 = {
        .opc = NVME_ADMIN_VIRT_MGMT, .cdw10 = 8 | OTHER_CNTLID << 16, .cdw11 = 1};
    struct nvme_sqe off1 = {.opc = NVME_ADMIN_VIRT_MGMT, .cdw10 = 7 | VF_CNTLID << 16};
    struct nvme_sqe prm = {.opc = NVME_ADMIN_VIRT_MGMT, .cdw10 = 1 | VF_CNTLID << 16};
    uint16_t s1 = admin_raw(&v->c, &off2, WAIT_US, NULL);
    uint16_t s2 = admin_raw(&v->c, &asg2, WAIT_US, NULL);
    uint16_t s3 = admin_raw(&v->c, &off1, WAIT_US, NULL);
    uint16_t s4 = admin_raw(&v->c, &prm, WAIT_US, NULL);
    err_ignore(nvme_secondaries(&pf->c, after, 2, &na),
               "the counts compared next are 0 if it failed, and the check fails");
    bool same = nb == 2 && na == 2 && !memcmp(before, after, sizeof(before));
    report("admin.virt_mgmt",
           s1 == SC(COMMAND, INVALID_CTRL_ID) && s2 == SC(COMMAND, INVALID_CTRL_ID) &&
               s3 == SC(COMMAND, INVALID_CTRL_ID) && s4 == 0 && same,
           "offline controller %u %04xh, assign to it %04xh, offline itself %04xh, primary "
           "allocation %04xh; the PF's secondary list %s",
           OTHER_CNTLID, s1, s2, s3, s4, same ? "unchanged" : "CHANGED");
}

// Identify of what is not VF 1's: the subsystem's namespaces, another's
// size, who holds a namespace, the controllers.
static void test_identify(struct vf *v)
{
    uint32_t all[8] = {0};
    unsigned nall = 0;
    struct nvme_ns_info other = {0};
    uint16_t who[4] = {0};
    unsigned nwho = 0;
    errval_t e1 = nvme_namespaces(&v->c, true, all, 8, &nall);
    errval_t e2 = nvme_identify_namespace(&v->c, VSA_OTHER, true, &other);
    errval_t e3 = nvme_ns_controllers(&v->c, VSA_NSID, who, 4, &nwho);
    const uint16_t *ctrls = NULL;
    errval_t e4 = nvme_identify(&v->c, NVME_IDENTIFY_CNS_CTRL_LIST, 0, 0, (const void **)&ctrls);
    unsigned nctrl = err_is_ok(e4) ? ctrls[0] : 0;
    report("admin.identify_leaks",
           err_is_ok(e1) && nall == 5 && err_is_ok(e2) && other.blocks == 15 * 2048 &&
               err_is_ok(e3) && nwho == 1 && who[0] == VF_CNTLID && err_is_ok(e4) && nctrl == 3,
           "all namespaces %s (%u), namespace %u's size %s (%lu blocks), namespace %u's "
           "controllers %s (%u), the subsystem's controllers %s (%u)",
           err_name(e1), nall, VSA_OTHER, err_name(e2), other.blocks, VSA_NSID, err_name(e3), nwho,
           err_name(e4), nctrl);
}

// Format NVM of VF 1's own namespace (it zeroes it: the log is made after
// this), and of one not attached to it.
static void test_format(struct vf *v)
{
    uint8_t *p = v->bounce.f.va;
    uint64_t page = v->bounce.iova;
    struct nvme_xfer x = {&page, 1, 0, {NULL, 0}};
    struct nvme_ns ns = {&v->q, VSA_NSID, 512, 8};
    memset(p, 0xa5, 512);
    errval_t wr = nvme_write_sync(&ns, 0, 1, &x, WAIT_US);
    struct nvme_sqe own = {.opc = 0x80, .nsid = VSA_NSID};
    struct nvme_sqe other = {.opc = 0x80, .nsid = VSA_OTHER};
    uint16_t s1 = admin_raw(&v->c, &own, WAIT_US, NULL);
    uint16_t s2 = admin_raw(&v->c, &other, WAIT_US, NULL);
    memset(p, 0xee, 512);
    errval_t rd = nvme_read_sync(&ns, 0, 1, &x, WAIT_US);
    bool zero = err_is_ok(rd) && p[0] == 0 && p[511] == 0;
    report("admin.format", err_is_ok(wr) && s1 == 0 && zero && s2 == SC(GENERIC, INVALID_FIELD),
           "own namespace %04xh (block 0 %s after), namespace %u %04xh", s1,
           zero ? "zeroed" : "NOT zeroed", VSA_OTHER, s2);
}

// Set Features: the number of queues (after queues exist), arbitration,
// the volatile write cache (off, read back, on again).
static void test_features(struct vf *v)
{
    struct nvme_sqe nq = {.opc = 0x09, .cdw10 = 0x07, .cdw11 = 0x00070007};
    struct nvme_sqe arb = {.opc = 0x09, .cdw10 = 0x01, .cdw11 = 0x7};
    struct nvme_sqe wc_off = {.opc = 0x09, .cdw10 = 0x06, .cdw11 = 0};
    struct nvme_sqe wc_get = {.opc = 0x0a, .cdw10 = 0x06};
    struct nvme_sqe wc_on = {.opc = 0x09, .cdw10 = 0x06, .cdw11 = 1};
    uint32_t wc = 1;
    uint16_t s1 = admin_raw(&v->c, &nq, WAIT_US, NULL);
    uint16_t s2 = admin_raw(&v->c, &arb, WAIT_US, NULL);
    uint16_t s3 = admin_raw(&v->c, &wc_off, WAIT_US, NULL);
    uint16_t s4 = admin_raw(&v->c, &wc_get, WAIT_US, &wc);
    uint16_t s5 = admin_raw(&v->c, &wc_on, WAIT_US, NULL);
    report("admin.set_features",
           s1 == NVME_STATUS(NVME_SCT_GENERIC, 0x0c) /* Command Sequence Error */ &&
               s2 == NVME_STATUS(NVME_SCT_COMMAND, 0x0e) /* Feature Not Changeable */ && s3 == 0 &&
               s4 == 0 && wc == 0 && s5 == 0,
           "number of queues %04xh, arbitration %04xh, write cache off %04xh (reads back %u), "
           "on %04xh",
           s1, s2, s3, wc, s5);
}

void admin_tests(struct pf *pf, struct vf *v)
{
    test_opcodes(v);
    test_identify(v);
    test_attach_self(pf, v);
    test_neighbour(pf, v);
    test_detach_pf(pf, v);
    test_virt(pf, v);
    test_format(v);
    test_features(v);
}
