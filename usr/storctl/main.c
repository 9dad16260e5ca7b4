/*
 * usr/storctl/main.c: storctl, the NVMe controller's driver and the storage
 * control plane (VSICs and VSAs). devmgr starts it for the
 * NVMe PF ("storctl 02:00.0") and gives it, as the device's owner, caps to
 * exactly that device: its register BAR, its configuration page and an
 * interrupt vector; storctl puts the controller in an IOMMU domain of its
 * own, with its queues and buffers in its own memory, brings it up and
 * takes admin completions by MSI-X.
 *
 * Then the control plane (vsic.c, server.c; docs/vsic.md): SR-IOV on
 * through devmgr, the VSA map read from namespace 1, and VSICs and VSAs
 * for the processes that ask.
 */
#include "storctl.h"
#include <pci/pci_regs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capops.h>
#include <sys/devices.h>
#include <sys/devmgr.h>
#include <sys/dma.h>
#include <sys/initsvc.h>
#include <sys/irq.h>
#include <sys/lmp.h>
#include <sys/server.h>
#include <sys/slot.h>
#include <sys/storctl.h>
#include <sys/sys.h>
#include <sys/vspace.h>

#define QUEUE_ENTRIES 16

struct storctl sc;

// Wait up to timeout_us for any of bits on our interrupt endpoint.
bool wait_bits(uint64_t bits, uint64_t timeout_us)
{
    uint64_t start = sys_clock_us();
    while (!(sc.bits & bits)) {
        struct lmp_recv_msg m;
        errval_t err = lmp_recv(sc.irq_ep, LMP_FLAG_NONBLOCK, NULL_CAP, &m);
        if (err_is_ok(err) && (m.flags & LMP_RECV_NOTIFY))
            sc.bits |= m.badge & ~RPC_BADGE_NOTIFY;
        else if (sys_clock_us() - start > timeout_us)
            return false;
        else
            sys_yield();
    }
    sc.bits &= ~bits;
    return true;
}

// ---- Bring-up ----

void sleep_ms(void *arg, unsigned ms)
{
    (void)arg;
    uint64_t end = sys_clock_us() + ms * 1000ull;
    while (sys_clock_us() < end)
        sys_yield();
}

static MUST_CHECK errval_t map_device(void)
{
    capref_t bar, cfg;
    uint64_t bytes;
    void *regs, *page;
    errval_t err = devmgr_bar(sc.rid, 0, &bar, &bytes);
    if (err_is_ok(err))
        err = vspace_map(bar, bytes, MAP_WRITE, &regs);
    if (err_is_ok(err))
        err = devmgr_config(sc.rid, &cfg);
    if (err_is_ok(err))
        err = vspace_map(cfg, OBJSIZE_PAGE, MAP_WRITE, &page);
    if (err_is_fail(err))
        return err;
    sc.page = (struct pci_fn_page){page, sc.bdf};
    sc.cfg = pci_page_cfg(&sc.page);
    uint16_t off;
    err = pci_cap_find(&sc.cfg, sc.bdf, PCI_CAP_ID_MSIX, &off);
    if (err_is_ok(err))
        err = pci_msix_read(&sc.cfg, sc.bdf, off, &sc.msix);
    if (err_is_ok(err) && (sc.msix.table_bir != 0 || sc.msix.table_offset >= bytes))
        err = PCI_ERR_BAD_CAP; // QEMU's controller keeps its table in BAR 0
    if (err_is_fail(err))
        return err;
    sc.table = (struct pci_msix_table){mmio_direct((char *)regs + sc.msix.table_offset),
                                       sc.msix.table_size};
    // A clean controller: Function Level Reset, which clears the BARs and
    // the command register (PLATFORM.md), put back by pci_flr.
    err = pci_flr(&sc.cfg, sc.bdf, sleep_ms, NULL);
    if (err_is_fail(err))
        return err;
    // Registers on, bus mastering off until the domain confines it.
    uint16_t cmd = pci_read16(&sc.cfg, sc.bdf, PCI_COMMAND);
    pci_write16(&sc.cfg, sc.bdf, PCI_COMMAND, (cmd | PCI_COMMAND_MEMORY) & ~PCI_COMMAND_MASTER);
    struct mmio mmio = mmio_direct(regs);
    err = nvme_ctrl_init(&sc.nvme, &mmio, sys_clock_us_hook, NULL);
    return err_is_ok(err) ? nvme_ctrl_disable(&sc.nvme) : err;
}

static MUST_CHECK errval_t confine(void)
{
    capref_t note = NULL_CAP;
    errval_t err = obj_alloc(&sc.irq_ep, ObjType_Endpoint, OBJSIZE_ENDPOINT);
    if (err_is_ok(err))
        err = dma_space_init(&sc.space);
    if (err_is_ok(err))
        err = notify_cap(sc.irq_ep, FAULT_BIT, &note);
    if (err_is_ok(err))
        err = devmgr_attach(sc.rid, sc.space.domain, note);
    if (note)
        cap_destroy(note); // devmgr has its copy
    // The controller reads commands, writes completions and data.
    if (err_is_ok(err))
        err = dma_alloc(&sc.space, OBJSIZE_PAGE, 0, &sc.sq);
    if (err_is_ok(err))
        err = dma_alloc(&sc.space, OBJSIZE_PAGE, DMA_WRITE, &sc.cq);
    if (err_is_ok(err))
        err = dma_alloc(&sc.space, OBJSIZE_PAGE, DMA_WRITE, &sc.id);
    return err;
}

// Admin completions (MSI-X entry 0) as a notification on our endpoint.
static MUST_CHECK errval_t msix_setup(void)
{
    struct dev_irq irq;
    errval_t err = irq_to_endpoint(sc.rid, sc.irq_ep, MSIX_BIT, &irq);
    if (err_is_fail(err))
        return err;
    sc.irq = irq.cap;
    sc.vector = irq.vector;
    sc.msi_addr = irq.msi_addr;
    sc.msi_data = irq.msi_data;
    return pci_msix_route(&sc.cfg, sc.bdf, &sc.msix, &sc.table, 0, irq.msi_addr, irq.msi_data);
}

errval_t pf_identify(uint64_t iova, struct nvme_cqe *cqe)
{
    struct nvme_sqe cmd;
    nvme_cmd_identify(&cmd, NVME_IDENTIFY_CNS_CTRL, 0, iova);
    errval_t err = nvme_admin_submit(&sc.nvme, &cmd);
    return err_is_ok(err) ? nvme_admin_wait(&sc.nvme, cmd.cid, WAIT_US, cqe) : err;
}

static MUST_CHECK errval_t bring_up(void)
{
    errval_t err = nvme_admin_queues(&sc.nvme, (struct nvme_dma){sc.sq.va, sc.sq.iova},
                                     (struct nvme_dma){sc.cq.va, sc.cq.iova}, QUEUE_ENTRIES);
    if (err_is_ok(err))
        err = msix_setup();
    if (err_is_fail(err))
        return err;
    pci_write16(&sc.cfg, sc.bdf, PCI_COMMAND,
                pci_read16(&sc.cfg, sc.bdf, PCI_COMMAND) | PCI_COMMAND_MASTER);
    err = nvme_ctrl_enable(&sc.nvme);
    struct nvme_cqe cqe;
    if (err_is_ok(err))
        err = pf_identify(sc.id.iova, &cqe);
    if (err_is_ok(err))
        err = nvme_cqe_status(&cqe);
    if (err_is_ok(err) && !wait_bits(MSIX_BIT, WAIT_US))
        err = SYS_ERR_TIMEOUT; // the completion came, its interrupt did not
    if (err_is_fail(err))
        return err;
    const struct nvme_id_ctrl *id = sc.id.va;
    memcpy(sc.model, id->mn, sizeof(id->mn));
    memcpy(sc.serial, id->sn, sizeof(id->sn));
    for (int i = 39; i >= 0 && sc.model[i] == ' '; i--)
        sc.model[i] = 0;
    for (int i = 19; i >= 0 && sc.serial[i] == ' '; i--)
        sc.serial[i] = 0;
    memcpy(&sc.nn, (const uint8_t *)id + 516, sizeof(sc.nn)); // NN (Identify Controller 516)
    return SYS_ERR_OK;
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
    sc.bdf = (struct pci_bdf){(uint8_t)bus, (uint8_t)dev, (uint8_t)fn};
    sc.rid = pci_bdf_rid(sc.bdf);
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
           argv[1], sc.model, sc.serial, sc.nvme.vs >> 16, (sc.nvme.vs >> 8) & 0xff, sc.nn,
           sc.space.domain, sc.vector);
    err = vsic_setup();
    if (err_is_fail(err)) {
        printf("storctl: %s: cannot set up VSICs: %s\n", argv[1], err_msg(err));
        return 1;
    }
    printf("storctl: %u VSICs (VFs at %02x:%02x.%u, controllers %u-%u), %u VSA namespaces, "
           "%u named\n",
           sc.nvsics, sc.vsics[0].rid >> 8, (sc.vsics[0].rid >> 3) & 31, sc.vsics[0].rid & 7,
           sc.vsics[0].cntlid, sc.vsics[sc.nvsics - 1].cntlid, sc.nvsas, sc.map.count);
    return storctl_serve();
}
