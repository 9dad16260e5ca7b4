/*
 * usr/storctl/vsic.c: VSICs and VSAs (docs/vsic.md): secondary controllers
 * given to processes, namespaces attached to one of them alone, the VSA
 * map on the PF's private namespace, and taking it all back when a
 * process ends.
 */
#include "storctl.h"
#include <pci/pci_regs.h>
#include <stdio.h>
#include <string.h>
#include <sys/capops.h>
#include <sys/devmgr.h>
#include <sys/failpoint.h>
#include <sys/initsvc.h>
#include <sys/slot.h>
#include <sys/sys.h>
#include <sys/vspace.h>

#define IOQ_ENTRIES 16
#define VSIC_VQ     2 // the VF's admin queue and one I/O queue pair: all one may hold
#define VSIC_VI     1

// ---- The VSA map on namespace 1 ----

// One block of the metadata namespace through our DMA page.
static MUST_CHECK errval_t meta_io(bool write, uint64_t block)
{
    uint64_t page = sc.meta.iova;
    struct nvme_xfer x = {&page, 1, 0, {NULL, 0}};
    return write ? nvme_write_sync(&sc.meta_ns, block, 1, &x, WAIT_US)
                 : nvme_read_sync(&sc.meta_ns, block, 1, &x, WAIT_US);
}

static MUST_CHECK errval_t map_load(void)
{
    static uint8_t copies[2][VSAMAP_BLOCK];
    for (unsigned b = 0; b < 2; b++) {
        errval_t err = meta_io(false, b);
        if (err_is_fail(err))
            return err;
        memcpy(copies[b], sc.meta.va, VSAMAP_BLOCK);
    }
    return vsamap_load(copies[0], copies[1], &sc.map);
}

// Write m as the next copy (the block the newest is not in), durably;
// only then is it the map.
static MUST_CHECK errval_t map_store(struct vsamap *m)
{
    unsigned block;
    memset(sc.meta.va, 0, OBJSIZE_PAGE);
    errval_t err = vsamap_encode_next(&sc.map, m, sc.meta.va, &block);
    if (err_is_ok(err))
        err = meta_io(true, block);
    if (err_is_ok(err))
        err = nvme_flush_sync(&sc.meta_ns, WAIT_US);
    if (err_is_ok(err))
        sc.map = *m;
    return err;
}

// ---- Set-up ----

static MUST_CHECK errval_t find_namespaces(void)
{
    uint32_t all[STORCTL_MAX_VSAS + 1], mine[4];
    unsigned nall, nmine;
    struct nvme_ns_info info;
    errval_t err = nvme_namespaces(&sc.nvme, true, all, STORCTL_MAX_VSAS + 1, &nall);
    if (err_is_ok(err))
        err = nvme_namespaces(&sc.nvme, false, mine, 4, &nmine);
    if (err_is_ok(err) && (nmine != 1 || mine[0] != META_NSID))
        err = SYS_ERR_NOT_FOUND; // tools/qemu: namespace 1 is the PF's alone
    if (err_is_ok(err))
        err = nvme_identify_namespace(&sc.nvme, META_NSID, false, &info);
    if (err_is_fail(err))
        return err;
    sc.meta_ns = (struct nvme_ns){&sc.q, META_NSID, info.block_size, info.blocks};
    for (unsigned i = 0; i < nall && sc.nvsas < STORCTL_MAX_VSAS && err_is_ok(err); i++) {
        if (all[i] == META_NSID)
            continue;
        err = nvme_identify_namespace(&sc.nvme, all[i], true, &info);
        sc.vsas[sc.nvsas++] = (struct vsa){all[i], info.block_size, info.blocks, -1};
    }
    return err;
}

// SR-IOV on (once: devmgr lists the VFs as ours, and they stay ours) and
// each secondary controller's VF, set up for us to drive (vf_init).
static MUST_CHECK errval_t find_vfs(void)
{
    uint16_t first, stride;
    struct nvme_secondary s[STORCTL_MAX_VSICS];
    unsigned n = 0;
    errval_t err = devmgr_sriov(sc.rid, STORCTL_MAX_VSICS, &first, &stride);
    if (err_is_ok(err))
        err = nvme_secondaries(&sc.nvme, s, STORCTL_MAX_VSICS, &n);
    for (unsigned i = 0; i < n && err_is_ok(err); i++) {
        uint16_t rid = (uint16_t)(first + (s[i].vf - 1) * stride);
        capref_t cfg;
        void *page = NULL;
        err = devmgr_config(rid, &cfg);
        if (err_is_ok(err))
            err = vspace_map(cfg, OBJSIZE_PAGE, MAP_WRITE, &page);
        if (err_is_fail(err))
            break;
        struct vsic_rec *v = &sc.vsics[sc.nvsics];
        *v = (struct vsic_rec){.rid = rid, .cntlid = s[i].cntlid};
        v->page = (struct pci_fn_page){page, pci_rid_bdf(rid)};
        err = vf_init(v);
        sc.nvsics += err_is_ok(err);
    }
    return err;
}

// What an earlier storctl of this boot may have left (it ended with VSICs
// handed out: devmgr starts us again): every secondary offline, then no
// VSA attached to any controller but for the moment we use one ourselves.
// Offline first: an owner's commands may still be in flight, and QEMU's
// reset of a secondary waits only for those on namespaces still attached
// to it (reclaim). The namespaces' attachments outlive the reset of the
// controller; a namespace that was not attached answers so, and an
// offline secondary stays offline.
static void start_clean(void)
{
    for (unsigned i = 0; i < sc.nvsics; i++)
        err_ignore(nvme_virt_offline(&sc.nvme, sc.vsics[i].cntlid),
                   "a controller that will not go offline is reported when it is next brought up");
    for (unsigned k = 0; k < sc.nvsas; k++) {
        for (unsigned i = 0; i <= sc.nvsics; i++) {
            uint16_t cntlid = i < sc.nvsics ? sc.vsics[i].cntlid : sc.nvme.cntlid;
            errval_t err = nvme_ns_detach(&sc.nvme, sc.vsas[k].nsid, cntlid);
            if (err_is_ok(err))
                printf("storctl: namespace %u was still attached to controller %u: detached\n",
                       sc.vsas[k].nsid, cntlid);
        }
    }
}

errval_t vsic_setup(void)
{
    struct nvme_ctrl_info info;
    errval_t err = dma_alloc(&sc.space, OBJSIZE_PAGE, DMA_WRITE, &sc.scratch);
    if (err_is_ok(err))
        err = dma_alloc(&sc.space, 2 * OBJSIZE_PAGE, DMA_WRITE, &sc.ioq);
    if (err_is_ok(err))
        err = dma_alloc(&sc.space, OBJSIZE_PAGE, DMA_WRITE, &sc.meta);
    if (err_is_ok(err))
        err = nvme_admin_scratch(&sc.nvme, (struct nvme_dma){sc.scratch.va, sc.scratch.iova});
    if (err_is_ok(err))
        err = nvme_identify_controller(&sc.nvme, &info);
    if (err_is_ok(err))
        err = nvme_ioq_create(
            &sc.nvme, &sc.q, 1, (struct nvme_dma){sc.ioq.va, sc.ioq.iova},
            (struct nvme_dma){(char *)sc.ioq.va + OBJSIZE_PAGE, sc.ioq.iova + OBJSIZE_PAGE},
            IOQ_ENTRIES, NVME_IOQ_POLLED);
    if (err_is_ok(err))
        err = find_namespaces();
    if (err_is_ok(err))
        err = find_vfs();
    if (err_is_ok(err) && !sc.nvsics)
        err = NVME_ERR_NO_SECONDARY; // SR-IOV on, but no secondary controller listed
    if (err_is_fail(err))
        return err;
    start_clean();
    sc.map_err = map_load();
    if (err_is_fail(sc.map_err))
        printf("storctl: the VSA map on namespace %u: %s; no VSA is handed out\n", META_NSID,
               err_msg(sc.map_err));
    return SYS_ERR_OK;
}

// ---- VSICs ----

int vsic_of(uint64_t pid)
{
    for (unsigned i = 0; i < sc.nvsics; i++) {
        if (sc.vsics[i].owner == pid)
            return (int)i;
    }
    return -1;
}

static void describe_vsic(unsigned i, struct storctl_vsic *out)
{
    const struct vsic_rec *v = &sc.vsics[i];
    *out = (struct storctl_vsic){.id = (uint16_t)i,
                                 .rid = v->rid,
                                 .cntlid = v->cntlid,
                                 .owner = v->owner,
                                 .cap = v->ctrl.cap,
                                 .max_xfer = v->ctrl.max_xfer,
                                 .iova_base = VSIC_WINDOW,
                                 .db_off = v->db_off};
    struct nvme_secondary s[STORCTL_MAX_VSICS];
    unsigned n = 0;
    if (err_is_ok(nvme_secondaries(&sc.nvme, s, STORCTL_MAX_VSICS, &n))) {
        for (unsigned k = 0; k < n; k++) {
            if (s[k].cntlid == v->cntlid) {
                out->online = s[k].online;
                out->queues = s[k].queues;
                out->interrupts = s[k].interrupts;
            }
        }
    }
    for (unsigned k = 0; k < sc.nvsas; k++)
        out->vsas += sc.vsas[k].vsic == (int)i;
}

// The VF stops mastering and interrupting until its next owner sets it up:
// a Function Level Reset (MSI-X off, its command register cleared), then
// Memory Space on again (QEMU decodes a VF's BAR only then) and nothing else.
static void vf_quiesce(unsigned i)
{
    struct pci_cfg cfg = pci_page_cfg(&sc.vsics[i].page);
    struct pci_bdf b = sc.vsics[i].page.bdf;
    uint16_t off;
    struct pci_msix x;
    if (err_is_fail(pci_flr(&cfg, b, sleep_ms, NULL)) &&
        err_is_ok(pci_cap_find(&cfg, b, PCI_CAP_ID_MSIX, &off)) &&
        err_is_ok(pci_msix_read(&cfg, b, off, &x)))
        pci_msix_enable(&cfg, b, &x, false); // (no FLR: by hand)
    pci_write16(&cfg, b, PCI_COMMAND,
                (pci_read16(&cfg, b, PCI_COMMAND) | PCI_COMMAND_MEMORY) & ~PCI_COMMAND_MASTER);
}

// Detach every VSA of VSIC i.
static MUST_CHECK errval_t release_all(unsigned i)
{
    errval_t first = SYS_ERR_OK;
    for (unsigned k = 0; k < sc.nvsas; k++) {
        if (sc.vsas[k].vsic != (int)i)
            continue;
        errval_t err = nvme_ns_detach(&sc.nvme, sc.vsas[k].nsid, sc.vsics[i].cntlid);
        if (err_is_ok(err) || err_has(err, NVME_ERR_NS_NOT_ATTACHED))
            sc.vsas[k].vsic = -1;
        first = err_is_ok(first) ? err : first;
    }
    return first;
}

// The VSAs VSIC i's owner released (and does not hold again), attached
// to its controller again, as well as to any VSIC that holds one now: so
// that its reset waits for the owner's commands on them. The owner can
// send none: its doorbells are gone. Returns them (bit k: sc.vsas[k]).
static uint32_t attach_released(unsigned i)
{
    uint32_t again = 0;
    for (unsigned k = 0; k < sc.nvsas; k++) {
        if ((sc.vsics[i].released & (1u << k)) && sc.vsas[k].vsic != (int)i &&
            err_is_ok(nvme_ns_attach_also(&sc.nvme, sc.vsas[k].nsid, sc.vsics[i].cntlid)))
            again |= 1u << k;
    }
    sc.vsics[i].released = 0;
    return again;
}

// Detach from VSIC i the VSAs attach_released attached (bits of again).
static MUST_CHECK errval_t detach_released(unsigned i, uint32_t again)
{
    errval_t first = SYS_ERR_OK;
    for (unsigned k = 0; k < sc.nvsas; k++) {
        if (!(again & (1u << k)))
            continue;
        errval_t err = nvme_ns_detach(&sc.nvme, sc.vsas[k].nsid, sc.vsics[i].cntlid);
        first = err_is_ok(first) ? err : first;
    }
    return first;
}

// Take VSIC i back: the owner's doorbells and vector taken away; the
// controller offline with its VSAs still attached (it stops, and its
// resources return to the pool); then its VSAs detached, the VF quiet,
// the owner's memory out of its domain. Offline before detaching: QEMU
// frees the controller's queues at the reset, and waits first only for
// commands on namespaces attached to it; one on a namespace already
// detached completes later into the freed queue, and QEMU crashes
// (docs/vsic.md, the QEMU faults worked around).
static MUST_CHECK errval_t reclaim(unsigned i)
{
    struct vsic_rec *v = &sc.vsics[i];
    vf_stop(v);
    uint32_t again = attach_released(i);
    errval_t off = nvme_virt_offline(&sc.nvme, v->cntlid);
    errval_t err = release_all(i);
    errval_t drained = detach_released(i, again);
    err = err_is_ok(err) ? drained : err;
    vf_quiesce(i);
    vf_unwindow(v);
    v->owner = 0;
    return err_is_ok(err) ? off : err;
}

static MUST_CHECK errval_t bring_online(const struct vsic_rec *v)
{
    errval_t err = FAILPOINT(nvme_virt_assign(&sc.nvme, v->cntlid, NVME_VRES_QUEUE, VSIC_VQ));
    if (err_is_ok(err))
        err = FAILPOINT(nvme_virt_assign(&sc.nvme, v->cntlid, NVME_VRES_INTERRUPT, VSIC_VI));
    if (err_is_ok(err))
        err = FAILPOINT(nvme_virt_online(&sc.nvme, v->cntlid));
    return err;
}

void vsic_op_create(struct server_req *req, struct server_resp *resp)
{
    uint64_t pid = req->chan->pid;
    vsic_reap(); // an owner that just ended may not have been noticed yet
    unsigned i = 0;
    while (i < sc.nvsics && sc.vsics[i].owner)
        i++;
    if (!req->chan->buf)
        resp->err = SYS_ERR_INVALID_ARGS;
    else if (vsic_of(pid) >= 0)
        resp->err = STORCTL_ERR_HAS_VSIC;
    else if (err_is_fail(limit_check(&req->chan->limits, LIMIT_VSICS, 0, 1)))
        resp->err = LIMIT_ERR_VSICS; // (it holds none: HAS_VSIC above)
    else if (i == sc.nvsics)
        resp->err = STORCTL_ERR_NO_VSIC_FREE;
    if (err_is_fail(resp->err))
        return;
    struct vsic_rec *v = &sc.vsics[i];
    capref_t window = NULL_CAP;
    errval_t err = bring_online(v); // (the server watches every client: server.c)
    if (err_is_ok(err))
        err = vf_start(v, &window);
    if (err_is_fail(err)) { // undo: offline gives back whatever was assigned
        err_ignore(nvme_virt_offline(&sc.nvme, v->cntlid),
                   "a controller that will not go offline fails its next bring_online, "
                   "which says so");
        vf_quiesce(i);
        vf_unwindow(v);
        resp->err = err;
        return;
    }
    v->owner = pid;
    describe_vsic(i, req->chan->buf);
    resp->w[0] = i;
    resp->cap = window; // a copy: ours stays mapped, for vf_unwindow
    printf("storctl: VSIC %u (controller %u, VF %02x:%02x.%u) for pid %lu\n", i, v->cntlid,
           v->rid >> 8, (v->rid >> 3) & 31, v->rid & 7, pid);
}

void vsic_op_destroy(struct server_req *req, struct server_resp *resp)
{
    uint64_t i = req->a[0];
    if (i >= sc.nvsics || !sc.vsics[i].owner)
        resp->err = SYS_ERR_NOT_FOUND;
    else if (sc.vsics[i].owner != req->chan->pid)
        resp->err = DEVMGR_ERR_NOT_OWNER;
    else
        resp->err = reclaim((unsigned)i);
}

// The owner's I/O queue pair: a0 = VSIC | entries << 16, a1 = SQ IOVA,
// a2 = CQ IOVA; the request's cap (if any) is where the vector goes. The
// reply's cap is the doorbell page.
void vsic_op_queues(struct server_req *req, struct server_resp *resp)
{
    uint64_t i = req->a[0] & 0xffff;
    uint16_t entries = (uint16_t)(req->a[0] >> 16);
    if (i >= sc.nvsics || !sc.vsics[i].owner)
        resp->err = SYS_ERR_NOT_FOUND;
    else if (sc.vsics[i].owner != req->chan->pid)
        resp->err = DEVMGR_ERR_NOT_OWNER;
    else
        resp->err = vf_queues(&sc.vsics[i], req->a[1], req->a[2], entries, req->cap, &resp->cap);
}

void vsic_reap(void)
{
    for (unsigned i = 0; i < sc.nvsics; i++) {
        uint32_t state;
        uint64_t status, pid = sc.vsics[i].owner;
        if (!pid || (err_is_ok(proc_status(pid, &state, &status)) && state == PROC_RUNNING))
            continue;
        errval_t err = reclaim(i);
        printf("storctl: VSIC %u: its owner (pid %lu) ended: controller %u offline, VF free%s%s\n",
               i, pid, sc.vsics[i].cntlid, err_is_ok(err) ? "" : ": ",
               err_is_ok(err) ? "" : err_msg(err));
    }
}

void vsic_op_list(struct server_req *req, struct server_resp *resp)
{
    if (!req->chan->buf) {
        resp->err = SYS_ERR_INVALID_ARGS;
        return;
    }
    for (unsigned i = 0; i < sc.nvsics; i++)
        describe_vsic(i, (struct storctl_vsic *)req->chan->buf + i);
    resp->w[0] = sc.nvsics;
}

// ---- VSAs ----

static void describe_vsa(const struct vsa *a, struct storctl_vsa *out)
{
    *out = (struct storctl_vsa){
        .nsid = a->nsid, .block_size = a->block_size, .blocks = a->blocks, .vsic = a->vsic};
    int k = err_is_ok(sc.map_err) ? vsamap_find_nsid(&sc.map, a->nsid) : -1;
    if (k >= 0)
        memcpy(out->name, sc.map.e[k].name, sizeof(out->name));
    if (a->vsic >= 0)
        out->owner = sc.vsics[a->vsic].owner;
}

static struct vsa *vsa_by_nsid(uint32_t nsid)
{
    for (unsigned k = 0; k < sc.nvsas; k++) {
        if (sc.vsas[k].nsid == nsid)
            return &sc.vsas[k];
    }
    return NULL;
}

// The name in the request's page, checked.
static MUST_CHECK errval_t req_name(struct server_req *req, char name[STORCTL_VSA_NAME])
{
    if (!req->chan->buf)
        return SYS_ERR_INVALID_ARGS;
    size_t n = strnlen(req->chan->buf, STORCTL_VSA_NAME);
    if (n == STORCTL_VSA_NAME)
        return STORCTL_ERR_BAD_NAME;
    memcpy(name, req->chan->buf, n + 1);
    return vsamap_name_ok(name) ? SYS_ERR_OK : STORCTL_ERR_BAD_NAME;
}

// The namespace named name, given a namespace nobody has named if the
// name is new (the map written durably first).
static MUST_CHECK errval_t vsa_named(const char *name, struct vsa **out)
{
    if (err_is_fail(sc.map_err))
        return sc.map_err;
    int k = vsamap_find(&sc.map, name);
    if (k >= 0) {
        *out = vsa_by_nsid(sc.map.e[k].nsid);
        return *out ? SYS_ERR_OK : SYS_ERR_NOT_FOUND; // named, but the device lost it
    }
    for (unsigned i = 0; i < sc.nvsas; i++) {
        if (vsamap_find_nsid(&sc.map, sc.vsas[i].nsid) >= 0)
            continue;
        struct vsamap m = sc.map;
        errval_t err = vsamap_add(&m, name, sc.vsas[i].nsid);
        if (err_is_ok(err))
            err = map_store(&m);
        *out = &sc.vsas[i];
        return err;
    }
    return STORCTL_ERR_NO_VSA_FREE;
}

void vsa_op_acquire(struct server_req *req, struct server_resp *resp)
{
    char name[STORCTL_VSA_NAME];
    struct vsa *a = NULL;
    vsic_reap(); // a holder that just ended may not have been noticed yet
    int v = vsic_of(req->chan->pid);
    resp->err = req_name(req, name);
    if (err_is_ok(resp->err) && v < 0)
        resp->err = STORCTL_ERR_NO_VSIC;
    if (err_is_ok(resp->err))
        resp->err = vsa_named(name, &a);
    if (err_is_ok(resp->err) && a->vsic >= 0 && a->vsic != v)
        resp->err = STORCTL_ERR_VSA_HELD;
    if (err_is_ok(resp->err) && a->vsic < 0)
        resp->err = nvme_ns_attach(&sc.nvme, a->nsid, sc.vsics[v].cntlid);
    if (err_is_fail(resp->err))
        return;
    a->vsic = v;
    describe_vsa(a, req->chan->buf);
    resp->w[0] = a->nsid;
    printf("storctl: VSA '%s' (namespace %u) attached to VSIC %d (pid %lu)\n", name, a->nsid, v,
           req->chan->pid);
}

_Static_assert(STORCTL_MAX_VSAS <= 32, "vsic_rec.released holds a bit per VSA");

// a, detached from its VSIC at its owner's request: nobody's now, and
// remembered as released by that VSIC (attach_released).
static void vsa_detached(struct vsa *a)
{
    sc.vsics[a->vsic].released |= 1u << (a - sc.vsas);
    a->vsic = -1;
}

void vsa_op_release(struct server_req *req, struct server_resp *resp)
{
    char name[STORCTL_VSA_NAME];
    int v = vsic_of(req->chan->pid);
    resp->err = req_name(req, name);
    if (err_is_fail(resp->err))
        return;
    int k = err_is_ok(sc.map_err) ? vsamap_find(&sc.map, name) : -1;
    struct vsa *a = k >= 0 ? vsa_by_nsid(sc.map.e[k].nsid) : NULL;
    if (!a || v < 0 || a->vsic != v) {
        resp->err = STORCTL_ERR_NOT_HELD;
        return;
    }
    resp->err = nvme_ns_detach(&sc.nvme, a->nsid, sc.vsics[v].cntlid);
    if (err_is_ok(resp->err) || err_has(resp->err, NVME_ERR_NS_NOT_ATTACHED))
        vsa_detached(a);
}

// Every block of a's namespace zeroed, through our own controller (the
// namespace attached to it meanwhile: one controller at a time), durably.
static MUST_CHECK errval_t wipe(const struct vsa *a)
{
    errval_t err = nvme_ns_attach(&sc.nvme, a->nsid, sc.nvme.cntlid);
    if (err_is_fail(err))
        return err;
    struct nvme_ns ns = {&sc.q, a->nsid, a->block_size, a->blocks};
    for (uint64_t lba = 0; err_is_ok(err) && lba < a->blocks; lba += 0x10000) {
        uint64_t n = a->blocks - lba < 0x10000 ? a->blocks - lba : 0x10000;
        err = nvme_write_zeroes_sync(&ns, lba, (uint32_t)n, WAIT_US);
    }
    if (err_is_ok(err))
        err = nvme_flush_sync(&ns, WAIT_US);
    errval_t detach = nvme_ns_detach(&sc.nvme, a->nsid, sc.nvme.cntlid);
    return err_is_ok(err) ? detach : err;
}

void vsa_op_destroy(struct server_req *req, struct server_resp *resp)
{
    char name[STORCTL_VSA_NAME];
    int v = vsic_of(req->chan->pid);
    resp->err = req_name(req, name);
    if (err_is_fail(resp->err))
        return;
    int k = err_is_ok(sc.map_err) ? vsamap_find(&sc.map, name) : -1;
    struct vsa *a = k >= 0 ? vsa_by_nsid(sc.map.e[k].nsid) : NULL;
    if (!a || v < 0 || a->vsic != v) {
        resp->err = STORCTL_ERR_NOT_HELD;
        return;
    }
    resp->err = nvme_ns_detach(&sc.nvme, a->nsid, sc.vsics[v].cntlid);
    if (err_is_fail(resp->err) && !err_has(resp->err, NVME_ERR_NS_NOT_ATTACHED))
        return;
    vsa_detached(a);
    struct vsamap m = sc.map;
    resp->err = wipe(a);
    if (err_is_ok(resp->err))
        resp->err = vsamap_remove(&m, name);
    if (err_is_ok(resp->err))
        resp->err = map_store(&m);
    printf("storctl: VSA '%s' (namespace %u): %s\n", name, a->nsid,
           err_is_ok(resp->err) ? "zeroed and unnamed, free" : err_msg(resp->err));
}

void vsa_op_list(struct server_req *req, struct server_resp *resp)
{
    if (!req->chan->buf) {
        resp->err = SYS_ERR_INVALID_ARGS;
        return;
    }
    for (unsigned k = 0; k < sc.nvsas; k++)
        describe_vsa(&sc.vsas[k], (struct storctl_vsa *)req->chan->buf + k);
    resp->w[0] = sc.nvsas;
}
