/*
 * usr/storctl/main.c: storctl, the NVMe controller's driver and the storage
 * control plane (issue 9 grows it into VSICs). devmgr starts it for the
 * NVMe PF ("storctl 02:00.0") and gives it, as the device's owner, caps to
 * exactly that device: its register BAR, its configuration page and an
 * interrupt vector; storctl puts the controller in an IOMMU domain of its
 * own, with its queues and buffers in its own memory, brings it up and
 * takes admin completions by MSI-X.
 *
 * STORCTL_CHECK_ISOLATION makes the controller write where its domain does
 * not reach (the physical address of a page of ours, as an IOVA): the
 * IOMMU must block it, devmgr must log the fault and signal us, and the
 * page must be unchanged.
 */
#include <nvme/nvme.h>
#include <pci/pci_enum.h>
#include <pci/pci_regs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capops.h>
#include <sys/devices.h>
#include <sys/devmgr.h>
#include <sys/dma.h>
#include <sys/initsvc.h>
#include <sys/lmp.h>
#include <sys/server.h>
#include <sys/slot.h>
#include <sys/storctl.h>
#include <sys/sys.h>
#include <sys/vspace.h>

#define QUEUE_ENTRIES 16
#define WAIT_US       2000000 // generous: QEMU completes commands at once
#define MSIX_BIT      (1ull << 0)
#define FAULT_BIT     (1ull << 1)
#define VICTIM_BYTE   0x5a

static struct {
    struct pci_bdf bdf;
    uint16_t rid;
    struct pci_fn_page page;
    struct pci_cfg cfg;
    struct pci_msix msix;
    struct pci_msix_table table;
    struct nvme_ctrl nvme;
    struct dma_space space;
    struct dma_buf sq, cq, id;
    capref_t irq_ep; // MSI-X and fault signals arrive here, apart from requests
    uint32_t vector;
    uint64_t bits; // signals taken but not yet consumed
    uint32_t nn;   // namespaces
    char model[41], serial[21];
} c;

static uint64_t clock_us(void *arg)
{
    (void)arg;
    uint64_t hz = sys_tsc_hz() / 1000000;
    return sys_rdtsc() / (hz ? hz : 1);
}

// Wait up to timeout_us for any of bits on our interrupt endpoint.
static bool wait_bits(uint64_t bits, uint64_t timeout_us)
{
    uint64_t start = clock_us(NULL);
    while (!(c.bits & bits)) {
        struct lmp_recv_msg m;
        errval_t err = lmp_recv(c.irq_ep, LMP_FLAG_NONBLOCK, NULL_CAP, &m);
        if (err_is_ok(err) && (m.flags & LMP_RECV_NOTIFY))
            c.bits |= m.badge & ~RPC_BADGE_NOTIFY;
        else if (clock_us(NULL) - start > timeout_us)
            return false;
        else
            sys_yield();
    }
    c.bits &= ~bits;
    return true;
}

// A send cap to our interrupt endpoint that signals bit.
static errval_t signal_cap(uint64_t bit, capref_t *out)
{
    errval_t err = slot_alloc(out);
    if (err_is_ok(err))
        err = cap_mint(*out, c.irq_ep, CAP_RIGHT_WRITE, RPC_BADGE_NOTIFY | bit, 0);
    return err;
}

// ---- Bring-up ----

static errval_t map_device(void)
{
    capref_t bar, cfg;
    uint64_t bytes;
    void *regs, *page;
    errval_t err = devmgr_bar(c.rid, 0, &bar, &bytes);
    if (err_is_ok(err))
        err = vspace_map(bar, bytes, MAP_WRITE, &regs);
    if (err_is_ok(err))
        err = devmgr_config(c.rid, &cfg);
    if (err_is_ok(err))
        err = vspace_map(cfg, OBJSIZE_PAGE, MAP_WRITE, &page);
    if (err_is_fail(err))
        return err;
    c.page = (struct pci_fn_page){page, c.bdf};
    c.cfg = pci_page_cfg(&c.page);
    uint16_t off;
    err = pci_cap_find(&c.cfg, c.bdf, PCI_CAP_ID_MSIX, &off);
    if (err_is_ok(err))
        err = pci_msix_read(&c.cfg, c.bdf, off, &c.msix);
    if (err_is_ok(err) && (c.msix.table_bir != 0 || c.msix.table_offset >= bytes))
        err = PCI_ERR_BAD_CAP; // QEMU's controller keeps its table in BAR 0
    if (err_is_fail(err))
        return err;
    c.table =
        (struct pci_msix_table){mmio_direct((char *)regs + c.msix.table_offset), c.msix.table_size};
    // Registers on, bus mastering off until the domain confines it.
    uint16_t cmd = pci_read16(&c.cfg, c.bdf, PCI_COMMAND);
    pci_write16(&c.cfg, c.bdf, PCI_COMMAND, (cmd | PCI_COMMAND_MEMORY) & ~PCI_COMMAND_MASTER);
    struct mmio mmio = mmio_direct(regs);
    err = nvme_ctrl_init(&c.nvme, &mmio, clock_us, NULL);
    return err_is_ok(err) ? nvme_ctrl_disable(&c.nvme) : err;
}

static errval_t confine(void)
{
    capref_t note = NULL_CAP;
    errval_t err = obj_alloc(&c.irq_ep, ObjType_Endpoint, OBJSIZE_ENDPOINT);
    if (err_is_ok(err))
        err = dma_space_init(&c.space);
    if (err_is_ok(err))
        err = signal_cap(FAULT_BIT, &note);
    if (err_is_ok(err))
        err = devmgr_attach(c.rid, c.space.domain, note);
    if (note)
        cap_destroy(note); // devmgr has its copy
    // The controller reads commands, writes completions and data.
    if (err_is_ok(err))
        err = dma_alloc(&c.space, OBJSIZE_PAGE, 0, &c.sq);
    if (err_is_ok(err))
        err = dma_alloc(&c.space, OBJSIZE_PAGE, DMA_WRITE, &c.cq);
    if (err_is_ok(err))
        err = dma_alloc(&c.space, OBJSIZE_PAGE, DMA_WRITE, &c.id);
    return err;
}

// Admin completions (MSI-X entry 0) as a notification on our endpoint.
static errval_t msix_setup(void)
{
    capref_t irq, note = NULL_CAP;
    uint64_t addr;
    uint32_t data;
    errval_t err = devmgr_irq(c.rid, &irq, &c.vector);
    if (err_is_ok(err))
        err = signal_cap(MSIX_BIT, &note);
    if (err_is_ok(err))
        err = invoke_irqdest_connect(irq, note);
    if (note)
        cap_destroy(note);
    if (err_is_ok(err))
        err = invoke_irqdest_get_msi(irq, &addr, &data);
    if (err_is_ok(err))
        err = pci_msix_set(&c.table, 0, addr, data);
    if (err_is_ok(err))
        err = pci_msix_mask(&c.table, 0, false);
    if (err_is_ok(err))
        pci_msix_enable(&c.cfg, c.bdf, &c.msix, true);
    return err;
}

static errval_t identify(uint64_t iova, struct nvme_cqe *cqe)
{
    struct nvme_sqe cmd;
    nvme_cmd_identify(&cmd, NVME_IDENTIFY_CNS_CTRL, 0, iova);
    errval_t err = nvme_admin_submit(&c.nvme, &cmd);
    return err_is_ok(err) ? nvme_admin_wait(&c.nvme, cmd.cid, WAIT_US, cqe) : err;
}

static errval_t bring_up(void)
{
    errval_t err = nvme_admin_queues(&c.nvme, (struct nvme_dma){c.sq.va, c.sq.iova},
                                     (struct nvme_dma){c.cq.va, c.cq.iova}, QUEUE_ENTRIES);
    if (err_is_ok(err))
        err = msix_setup();
    if (err_is_fail(err))
        return err;
    pci_write16(&c.cfg, c.bdf, PCI_COMMAND,
                pci_read16(&c.cfg, c.bdf, PCI_COMMAND) | PCI_COMMAND_MASTER);
    err = nvme_ctrl_enable(&c.nvme);
    struct nvme_cqe cqe;
    if (err_is_ok(err))
        err = identify(c.id.iova, &cqe);
    if (err_is_ok(err))
        err = nvme_cqe_status(&cqe);
    if (err_is_ok(err) && !wait_bits(MSIX_BIT, WAIT_US))
        err = SYS_ERR_TIMEOUT; // the completion came, its interrupt did not
    if (err_is_fail(err))
        return err;
    const struct nvme_id_ctrl *id = c.id.va;
    memcpy(c.model, id->mn, sizeof(id->mn));
    memcpy(c.serial, id->sn, sizeof(id->sn));
    for (int i = 39; i >= 0 && c.model[i] == ' '; i--)
        c.model[i] = 0;
    for (int i = 19; i >= 0 && c.serial[i] == ' '; i--)
        c.serial[i] = 0;
    memcpy(&c.nn, (const uint8_t *)id + 516, sizeof(c.nn)); // NN (Identify Controller 516)
    return SYS_ERR_OK;
}

// ---- Requests ----

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
    capref_t victim;
    void *va;
    struct cap_info ci;
    errval_t err = frame_alloc(&victim, OBJSIZE_PAGE);
    if (err_is_ok(err))
        err = vspace_map(victim, OBJSIZE_PAGE, MAP_WRITE, &va);
    if (err_is_ok(err))
        err = cap_identify(victim, &ci);
    if (err_is_fail(err)) {
        resp->err = err;
        return;
    }
    memset(va, VICTIM_BYTE, OBJSIZE_PAGE);
    uint64_t before = 0, after = 0, addr, reason;
    devmgr_faults(c.rid, &before, &addr, &reason);
    c.bits &= ~FAULT_BIT;
    struct nvme_cqe cqe;
    errval_t done = identify(ci.base, &cqe); // the page's physical address, as an IOVA
    bool signalled = wait_bits(FAULT_BIT, WAIT_US);
    devmgr_faults(c.rid, &after, &addr, &reason);
    wait_bits(MSIX_BIT, WAIT_US); // the command's completion interrupt
    resp->w[0] = (err_is_ok(done) ? STORCTL_ISO_COMPLETED : 0) |
                 (err_is_fail(nvme_cqe_status(&cqe)) ? STORCTL_ISO_FAILED_STATUS : 0) |
                 (signalled ? STORCTL_ISO_SIGNALLED : 0) |
                 (after > before && addr == ci.base ? STORCTL_ISO_LOGGED : 0) |
                 (all_bytes(va, VICTIM_BYTE, OBJSIZE_PAGE) ? STORCTL_ISO_UNCHANGED : 0);
    resp->w[1] = ci.base;
    // And inside the domain it still works.
    memset(c.id.va, 0, OBJSIZE_PAGE);
    if (err_is_ok(identify(c.id.iova, &cqe)) && err_is_ok(nvme_cqe_status(&cqe)) &&
        ((const struct nvme_id_ctrl *)c.id.va)->vid == 0x1b36)
        resp->w[0] |= STORCTL_ISO_INSIDE_OK;
    wait_bits(MSIX_BIT, WAIT_US);
    vspace_unmap(victim);
    cap_destroy(victim);
}

static void handle(struct server *s, struct server_req *req, struct server_resp *resp)
{
    (void)s;
    switch (req->op) {
    case STORCTL_INFO:
        resp->w[0] = c.nn;
        resp->w[1] = c.vector;
        resp->w[2] = c.space.domain;
        if (req->chan->buf)
            snprintf(req->chan->buf, RPC_BUF_SIZE, "%s|%s", c.model, c.serial);
        break;
    case STORCTL_CHECK_ISOLATION: check_isolation(resp); break;
    default: resp->err = SYS_ERR_ILLEGAL_INVOCATION;
    }
    if (req->cap)
        cap_destroy(req->cap);
}

// "bb:dd.f" (hex, as lspci prints it).
static bool parse_bdf(const char *s, unsigned *bus, unsigned *dev, unsigned *fn)
{
    char *end;
    *bus = (unsigned)strtoul(s, &end, 16);
    if (end == s || *end != ':')
        return false;
    s = end + 1;
    *dev = (unsigned)strtoul(s, &end, 16);
    if (end == s || *end != '.')
        return false;
    s = end + 1;
    *fn = (unsigned)strtoul(s, &end, 16);
    return end != s && !*end && *bus < 256 && *dev < 32 && *fn < 8;
}

int main(int argc, char **argv)
{
    unsigned bus, dev, fn;
    if (argc != 2 || !parse_bdf(argv[1], &bus, &dev, &fn)) {
        printf("usage: storctl <bus:dev.fn> (devmgr starts it)\n");
        return 1;
    }
    c.bdf = (struct pci_bdf){(uint8_t)bus, (uint8_t)dev, (uint8_t)fn};
    c.rid = pci_bdf_rid(c.bdf);
    errval_t err = map_device();
    if (err_is_ok(err))
        err = confine();
    if (err_is_ok(err))
        err = bring_up();
    if (err_is_fail(err)) {
        printf("storctl: %s: cannot bring the controller up: %s\n", argv[1], err_msg(err));
        return 1;
    }
    printf("storctl: %s: %s, serial %s, NVMe %u.%u, up to %u namespaces; IOMMU domain %u, "
           "MSI-X vector %u\n",
           argv[1], c.model, c.serial, c.nvme.vs >> 16, (c.nvme.vs >> 8) & 0xff, c.nn,
           c.space.domain, c.vector);
    static struct server_chan chans[16];
    static struct server srv = {.chans = chans, .nchans = 16, .handle = handle};
    srv.ep = cap_selfep;
    err = name_register(STORCTL_NAME, cap_selfep);
    if (err_is_fail(err))
        printf("storctl: cannot register its name: %s\n", err_msg(err));
    server_run(&srv);
}
