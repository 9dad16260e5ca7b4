/*
 * usr/storctl/server.c: storctl's requests (sys/storctl.h): information,
 * the isolation check, VSICs and VSAs, and taking VSICs back from
 * processes that end.
 *
 * STORCTL_CHECK_ISOLATION makes the controller write where its domain does
 * not reach (the physical address of a page of ours, as an IOVA): the
 * IOMMU must block it, devmgr must log the fault and signal us, and the
 * page must be unchanged. STORCTL_CHECK_INTREMAP points the controller's
 * MSI-X entry at other devices' and absent interrupt remapping entries: the
 * IOMMU must block those, and devmgr record them.
 */
#include "storctl.h"
#include <stdio.h>
#include <string.h>
#include <sys/capops.h>
#include <sys/devices.h>
#include <sys/devmgr.h>
#include <sys/initsvc.h>
#include <sys/irq.h>
#include <sys/ram.h>
#include <sys/slot.h>
#include <sys/vspace.h>

#define VICTIM_BYTE 0x5a

static bool all_bytes(const void *p, uint8_t v, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        if (b[i] != v)
            return false;
    }
    return true;
}

// An Identify aimed at a page outside the domain. w0: STORCTL_ISO_* bits.
static void check_isolation(struct server_resp *resp)
{
    capref_t ram = NULL_CAP, victim = NULL_CAP;
    void *va = NULL;
    struct cap_info ci;
    // From RAM we keep, so that the page goes back to mem_serv afterwards:
    // any client may ask for this as often as it likes.
    errval_t err = ram_alloc(&ram, OBJSIZE_PAGE, OBJSIZE_PAGE);
    if (err_is_ok(err))
        err = slot_alloc(&victim);
    if (err_is_ok(err))
        err = cap_retype(victim, ram, ObjType_Frame, 0, OBJSIZE_PAGE, 1);
    if (err_is_ok(err))
        err = vspace_map(victim, OBJSIZE_PAGE, MAP_WRITE, &va);
    if (err_is_ok(err))
        err = cap_identify(victim, &ci);
    if (err_is_fail(err)) {
        if (va)
            err_ignore(
                vspace_unmap(victim),
                "fails only for a frame not mapped here; deleting the frame unmaps it anyway");
        if (victim)
            cap_destroy(victim);
        if (ram)
            err_ignore(ram_free(ram), "mem_serv refused the RAM back: it stays charged to us and "
                                      "is reclaimed when we end");
        resp->err = err;
        return;
    }
    memset(va, VICTIM_BYTE, OBJSIZE_PAGE);
    uint64_t before = 0, after = 0, addr, reason;
    err_ignore(devmgr_faults(sc.rid, &before, &addr, &reason),
               "fault counts for a diagnostic line: zero when devmgr does not answer");
    sc.bits &= ~FAULT_BIT;
    struct nvme_cqe cqe;
    errval_t done = pf_identify(ci.base, &cqe); // the page's physical address, as an IOVA
    bool signalled = wait_bits(FAULT_BIT, WAIT_US);
    err_ignore(devmgr_faults(sc.rid, &after, &addr, &reason),
               "fault counts for a diagnostic line: zero when devmgr does not answer");
    wait_bits(MSIX_BIT, WAIT_US); // the command's completion interrupt
    resp->w[0] = (err_is_ok(done) ? STORCTL_ISO_COMPLETED : 0) |
                 (err_is_fail(nvme_cqe_status(&cqe)) ? STORCTL_ISO_FAILED_STATUS : 0) |
                 (signalled ? STORCTL_ISO_SIGNALLED : 0) |
                 (after > before && addr == ci.base ? STORCTL_ISO_LOGGED : 0) |
                 (all_bytes(va, VICTIM_BYTE, OBJSIZE_PAGE) ? STORCTL_ISO_UNCHANGED : 0);
    resp->w[1] = ci.base;
    // And inside the domain it still works.
    memset(sc.id.va, 0, OBJSIZE_PAGE);
    if (err_is_ok(pf_identify(sc.id.iova, &cqe)) && err_is_ok(nvme_cqe_status(&cqe)) &&
        ((const struct nvme_id_ctrl *)sc.id.va)->vid == 0x1b36)
        resp->w[0] |= STORCTL_ISO_INSIDE_OK;
    wait_bits(MSIX_BIT, WAIT_US);
    err_ignore(vspace_unmap(victim),
               "fails only for a frame not mapped here; deleting the frame unmaps it anyway");
    cap_destroy(victim);
    err_ignore(
        ram_free(ram),
        "mem_serv refused the RAM back: it stays charged to us and is reclaimed when we end");
}

// ---- Interrupt remapping ----

#define IR_QUIET_US   300000      // how long an interrupt that should not come is waited for
#define IR_FORMAT     (1ull << 4) // remappable-format MSI address (VT-d 5.1.5.2)
#define IR_ABSENT     255         // the table's last entry: devmgr never hands it out
#define IR_REASON_SID 0x26
#define IR_REASON_NP  0x22

static uint64_t ir_msi(uint16_t index) { return 0xfee00000ull | index << 5 | IR_FORMAT; }

// MSI-X entry 0 set to (addr, data), then an Identify: did its completion
// interrupt come, did devmgr signal and record a fault (reason, index)?
// Whichever is expected is waited for in full, the other briefly: QEMU
// decides the interrupt when it posts the completion, before either comes.
static bool ir_try(uint64_t addr, uint32_t data, bool want_delivered, uint64_t *reason,
                   uint64_t *index, bool *faulted)
{
    uint64_t before = 0, after = 0;
    err_ignore(devmgr_faults(sc.rid, &before, index, reason),
               "fault counts for a diagnostic line: zero when devmgr does not answer");
    sc.bits &= ~(FAULT_BIT | MSIX_BIT);
    struct nvme_cqe cqe;
    errval_t err = pci_msix_set(&sc.table, 0, addr, data);
    if (err_is_ok(err))
        err = pci_msix_mask(&sc.table, 0, false);
    if (err_is_ok(err))
        err = pf_identify(sc.id.iova, &cqe);
    if (err_is_ok(err))
        err = nvme_cqe_status(&cqe);
    if (err_is_fail(err))
        return false;
    bool delivered = wait_bits(MSIX_BIT, want_delivered ? WAIT_US : IR_QUIET_US);
    bool signalled = wait_bits(FAULT_BIT, want_delivered ? IR_QUIET_US : WAIT_US);
    // devmgr answers only after its fault handler, which clears the record
    // (QEMU records no second fault from us while one is pending).
    err_ignore(devmgr_faults(sc.rid, &after, index, reason),
               "fault counts for a diagnostic line: zero when devmgr does not answer");
    *faulted = signalled && after == before + 1;
    return delivered;
}

// One of our VFs (one not granted to anybody) gets a vector of its own
// for the check: its remapping entry names the VF, not us. Given back
// after it (devmgr_irq_return), so that any client may ask for the check
// as often as it likes.
static MUST_CHECK errval_t vf_vector(uint16_t *vf_rid)
{
    for (unsigned i = 0; i < sc.nvsics; i++) {
        if (sc.vsics[i].owner)
            continue;
        *vf_rid = sc.vsics[i].rid;
        capref_t cap;
        uint64_t addr;
        uint32_t data;
        errval_t err = devmgr_irq(*vf_rid, &cap, &sc.vf_vector, &addr, &data);
        if (err_is_ok(err))
            cap_destroy(cap); // nobody listens on it: only its entry matters
        return err;
    }
    return SYS_ERR_NOT_FOUND;
}

// Does devmgr list vector v as handed out for device rid?
static bool entry_listed(uint16_t rid, uint32_t v)
{
    static struct devmgr_dev devs[DEVMGR_MAX_DEVS];
    unsigned n = 0;
    if (v < DEVMGR_VECTOR_FIRST || v - DEVMGR_VECTOR_FIRST >= 64 ||
        err_is_fail(devmgr_list(devs, DEVMGR_MAX_DEVS, &n)))
        return false;
    for (unsigned i = 0; i < n; i++) {
        if (devs[i].rid == rid)
            return devs[i].vectors >> (v - DEVMGR_VECTOR_FIRST) & 1;
    }
    return false;
}

static void check_intremap(struct server_resp *resp)
{
    uint16_t vf_rid = 0;
    uint64_t compat_addr, reason, index, r = 0;
    uint32_t compat_data;
    bool faulted;
    errval_t err = vf_vector(&vf_rid);
    if (err_is_ok(err))
        err = invoke_irqdest_get_msi(sc.irq, &compat_addr, &compat_data);
    if (err_is_fail(err)) {
        resp->err = err;
        return;
    }
    if (sc.msi_addr == ir_msi((uint16_t)sc.vector) && sc.msi_data == 0)
        r |= STORCTL_IR_OWN_REMAPPED;
    if (ir_try(sc.msi_addr, sc.msi_data, true, &reason, &index, &faulted) && !faulted)
        r |= STORCTL_IR_OWN_DELIVERED;
    if (!ir_try(ir_msi((uint16_t)sc.vf_vector), 0, false, &reason, &index, &faulted) && faulted &&
        reason == IR_REASON_SID && index == sc.vf_vector)
        r |= STORCTL_IR_OTHER_BLOCKED;
    if (!ir_try(ir_msi(IR_ABSENT), 0, false, &reason, &index, &faulted) && faulted &&
        reason == IR_REASON_NP && index == IR_ABSENT)
        r |= STORCTL_IR_ABSENT_BLOCKED;
    if (ir_try(compat_addr, compat_data, true, &reason, &index, &faulted) && !faulted)
        r |= STORCTL_IR_COMPAT_DELIVERED;
    if (ir_try(sc.msi_addr, sc.msi_data, true, &reason, &index, &faulted) && !faulted)
        r |= STORCTL_IR_RESTORED;
    if (entry_listed(vf_rid, sc.vf_vector) && !entry_listed(sc.rid, sc.vf_vector))
        r |= STORCTL_IR_OTHER_LISTED;
    resp->w[0] = r;
    resp->w[1] = sc.vf_vector;
    resp->w[2] = vf_rid;
    errval_t back = devmgr_irq_return(sc.vf_vector);
    if (err_is_fail(back))
        printf("storctl: the check's vector %u stays with us: %s\n", sc.vf_vector, err_msg(back));
    else if (!entry_listed(vf_rid, sc.vf_vector))
        resp->w[0] |= STORCTL_IR_GIVEN_BACK;
    sc.vf_vector = 0;
}

// Be told when a client ends, once per channel (chan->user marks it):
// its VSIC comes back and its channel closes then.
static MUST_CHECK errval_t watch_client(struct server_chan *c)
{
    capref_t note;
    if (c->user)
        return SYS_ERR_OK;
    errval_t err = notify_cap(cap_selfep, WATCH_BIT, &note);
    if (err_is_ok(err)) {
        err = proc_watch(c->pid, note);
        cap_destroy(note);
    }
    if (err_is_ok(err))
        c->user = c;
    return err;
}

static void handle(struct server *s, struct server_req *req, struct server_resp *resp)
{
    (void)s;
    resp->err = watch_client(req->chan);
    // Refused if not watched: a VSIC we could not take back is not handed out.
    switch (err_is_ok(resp->err) ? req->op : 0) {
    case 0: resp->err = err_is_ok(resp->err) ? SYS_ERR_ILLEGAL_INVOCATION : resp->err; break;
    case STORCTL_INFO:
        resp->w[0] = sc.nn;
        resp->w[1] = sc.vector;
        resp->w[2] = sc.space.domain;
        if (req->chan->buf)
            snprintf(req->chan->buf, RPC_BUF_SIZE, "%s|%s", sc.model, sc.serial);
        break;
    case STORCTL_CHECK_ISOLATION: check_isolation(resp); break;
    case STORCTL_CHECK_INTREMAP: check_intremap(resp); break;
    case STORCTL_VSIC_CREATE: vsic_op_create(req, resp); break;
    case STORCTL_VSIC_DESTROY: vsic_op_destroy(req, resp); break;
    case STORCTL_VSA_ACQUIRE: vsa_op_acquire(req, resp); break;
    case STORCTL_VSA_RELEASE: vsa_op_release(req, resp); break;
    case STORCTL_VSA_DESTROY: vsa_op_destroy(req, resp); break;
    case STORCTL_VSIC_LIST: vsic_op_list(req, resp); break;
    case STORCTL_VSA_LIST: vsa_op_list(req, resp); break;
    case STORCTL_VSIC_QUEUES: vsic_op_queues(req, resp); break;
    default: resp->err = SYS_ERR_ILLEGAL_INVOCATION;
    }
    if (req->cap)
        cap_destroy(req->cap);
}

// A watched process ended: its VSIC comes back. (Its channels close by
// the server library's own watch: watch_clients.)
static void notify(struct server *s, uint64_t bits)
{
    (void)s;
    if (bits & WATCH_BIT)
        vsic_reap();
}

// RPC_OP_USAGE: the VSICs pid holds (one at most).
static void usage(struct server *s, uint64_t pid, uint64_t out[2])
{
    (void)s;
    out[0] = pid && vsic_of(pid) >= 0; // (owner 0: free)
}

int storctl_serve(void)
{
    static struct server_chan chans[16];
    static struct server srv = {.chans = chans,
                                .nchans = 16,
                                .handle = handle,
                                .notify = notify,
                                .watch_clients = true,
                                .usage = usage};
    srv.ep = cap_selfep;
    errval_t err = name_register(STORCTL_NAME, cap_selfep);
    if (err_is_fail(err)) {
        printf("storctl: cannot register its name: %s\n", err_msg(err));
        return 1;
    }
    server_run(&srv);
}
