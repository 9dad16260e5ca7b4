/*
 * usr/netctl/main.c: netctl, the network control plane: the igb (82576)
 * PF's driver and the VNICs (docs/vnic.md).
 *
 * devmgr starts it for the PF ("netctl 01:00.0"). It brings the PF up
 * (reset, link, VMDq with 7 VFs and its own pool), then serves
 * (sys/netctl.h): a VNIC is a VF with a MAC and an IPv4 address netctl
 * assigns, granted through devmgr to the process that asked, which drives
 * it itself; when that process ends, netctl takes the VF back (reset,
 * filters gone) and devmgr detaches it. netctl answers the VFs' mailbox
 * requests (a VF may not choose its MAC) when the PF's mailbox interrupt
 * says a VF posted one: a VF's driver needs no call to netctl for that.
 */
#include "netctl.h"
#include <base/wire.h>
#include <pci/pci_regs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capops.h>
#include <sys/devmgr.h>
#include <sys/dma.h>
#include <sys/initsvc.h>
#include <sys/slot.h>
#include <sys/sys.h>
#include <sys/vspace.h>

struct netctl nc;

// "bb:dd.f" (hex, as lspci prints it) as a routing ID.
static bool parse_rid(const char *s, uint16_t *rid)
{
    char *end;
    unsigned long bus = strtoul(s, &end, 16), dev, fn;
    if (end == s || *end != ':')
        return false;
    dev = strtoul(s = end + 1, &end, 16);
    if (end == s || *end != '.')
        return false;
    fn = strtoul(s = end + 1, &end, 16);
    if (end == s || *end || bus > 255 || dev > 31 || fn > 7)
        return false;
    *rid = (uint16_t)(bus << 8 | dev << 3 | fn);
    return true;
}

// The PF's registers and configuration page, and Bus Master on inside an
// empty IOMMU domain: QEMU's igb receives nothing for anyone unless the PF
// may master (docs/vnic.md), and the PF itself never does DMA.
static MUST_CHECK errval_t map_pf(void)
{
    capref_t bar, cfgcap;
    uint64_t bytes;
    void *regs, *page;
    errval_t err = devmgr_bar(nc.pf_rid, 0, &bar, &bytes);
    if (err_is_ok(err))
        err = vspace_map(bar, bytes, MAP_WRITE, &regs);
    if (err_is_ok(err))
        err = devmgr_config(nc.pf_rid, &cfgcap);
    if (err_is_ok(err))
        err = vspace_map(cfgcap, OBJSIZE_PAGE, MAP_WRITE, &page);
    static struct dma_space empty;
    if (err_is_ok(err))
        err = dma_space_init(&empty);
    if (err_is_ok(err))
        err = devmgr_attach(nc.pf_rid, empty.domain, NULL_CAP);
    if (err_is_fail(err))
        return err;
    nc.page = (struct pci_fn_page){page, pci_rid_bdf(nc.pf_rid)};
    struct pci_cfg cfg = pci_page_cfg(&nc.page);
    struct pci_bdf b = nc.page.bdf;
    pci_write16(&cfg, b, PCI_COMMAND,
                pci_read16(&cfg, b, PCI_COMMAND) | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    struct mmio mmio = mmio_direct(regs);
    err = igb_pf_init(&nc.pf, &mmio, sys_clock_us_hook, NULL);
    if (err_is_ok(err))
        igb_pf_identify(&nc.pf, pci_read16(&cfg, b, PCI_SUBSYS_VENDOR),
                        pci_read16(&cfg, b, PCI_SUBSYS_ID));
    return err;
}

// The machine's number on a link shared with other machines: QEMU's igb
// takes its PF address from the command line (mac=), and tools/qemu
// --node N gives machine N 52:54:00:12:34:(0x56 + N), 0 to 3; any other
// address (a real 82576's own, a mac= of the user's) is machine 0.
static unsigned link_node(const uint8_t pf_mac[6])
{
    static const uint8_t qemu[5] = {0x52, 0x54, 0x00, 0x12, 0x34};
    if (memcmp(pf_mac, qemu, 5) != 0 || pf_mac[5] < 0x56 || pf_mac[5] > 0x56 + 3)
        return 0;
    return (unsigned)(pf_mac[5] - 0x56);
}

// VF mailbox posts and VF resets as the PF's MSI-X entry 0, a notification
// on our endpoint (MAILBOX_NOTIFY): QEMU raises ICR.VMMB for both.
static MUST_CHECK errval_t mailbox_irq_setup(void)
{
    struct pci_cfg cfg = pci_page_cfg(&nc.page);
    struct pci_msix x;
    uint16_t off;
    capref_t bar;
    uint64_t bytes;
    void *table;
    errval_t err = pci_cap_find(&cfg, nc.page.bdf, PCI_CAP_ID_MSIX, &off);
    if (err_is_ok(err))
        err = pci_msix_read(&cfg, nc.page.bdf, off, &x);
    if (err_is_ok(err))
        err = devmgr_bar(nc.pf_rid, x.table_bir, &bar, &bytes);
    if (err_is_ok(err))
        err = vspace_map(bar, bytes, MAP_WRITE, &table);
    if (err_is_ok(err))
        err = irq_to_endpoint(nc.pf_rid, cap_selfep, MAILBOX_NOTIFY, &nc.mailbox_irq);
    if (err_is_fail(err))
        return err;
    nc.msix = (struct pci_msix_table){mmio_direct((char *)table + x.table_offset), x.table_size};
    err = pci_msix_route(&cfg, nc.page.bdf, &x, &nc.msix, 0, nc.mailbox_irq.msi_addr,
                         nc.mailbox_irq.msi_data);
    return err_is_ok(err) ? igb_pf_mailbox_irq(&nc.pf, 0) : err;
}

static MUST_CHECK errval_t bring_up(void)
{
    uint16_t first, stride;
    // (QEMU's auto-negotiation takes 500 ms; a loaded host stretches it.)
    errval_t err = igb_pf_link_up(&nc.pf, 10000000);
    if (err_is_ok(err))
        err = devmgr_sriov(nc.pf_rid, NETCTL_MAX_VNICS, &first, &stride);
    if (err_is_ok(err))
        err = igb_pf_enable_vfs(&nc.pf, NETCTL_MAX_VNICS);
    if (err_is_fail(err))
        return err;
    // VF i of machine n: 52:54:00:5e:n:(i + 1), 10.0.2.(15 + 32n + i) on
    // slirp's 10.0.2.0/24 (machine 0: 10.0.2.15 to .21), so that machines
    // on one link never share an address.
    unsigned node = link_node(nc.pf.mac);
    for (unsigned i = 0; i < NETCTL_MAX_VNICS; i++) {
        struct vnic_rec *v = &nc.vnics[i];
        *v = (struct vnic_rec){.rid = (uint16_t)(first + i * stride)};
        const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x5e, (uint8_t)node, (uint8_t)(i + 1)};
        memcpy(v->mac, mac, 6);
        v->ip = wire_hton32(0x0a00020f + 32 * node + i);
    }
    nc.netmask = wire_hton32(0xffffff00);
    nc.gateway = wire_hton32(0x0a000202);
    return mailbox_irq_setup();
}

int main(int argc, char **argv)
{
    if (argc != 2 || !parse_rid(argv[1], &nc.pf_rid)) {
        printf("usage: netctl <bus:dev.fn> (devmgr starts it)\n");
        return 1;
    }
    errval_t err = map_pf();
    if (err_is_ok(err))
        err = bring_up();
    if (err_is_fail(err)) {
        printf("netctl: %s: cannot bring the PF up: %s\n", argv[1], err_msg(err));
        return 1;
    }
    unsigned mbps = 0;
    bool full = false;
    igb_pf_link_status(&nc.pf, &mbps, &full);
    printf("netctl: %s: 82576 up, link %u Mb/s %s duplex, MAC %02x:%02x:%02x:%02x:%02x:%02x; "
           "%u VNICs (VFs at %02x:%02x.%u, stride 2)\n",
           argv[1], mbps, full ? "full" : "half", nc.pf.mac[0], nc.pf.mac[1], nc.pf.mac[2],
           nc.pf.mac[3], nc.pf.mac[4], nc.pf.mac[5], NETCTL_MAX_VNICS, nc.vnics[0].rid >> 8,
           (nc.vnics[0].rid >> 3) & 31, nc.vnics[0].rid & 7);
    printf("netctl: %s: %s: transmit anti-spoofing and rate limits %s\n", argv[1],
           nc.pf.emulated ? "QEMU's igb model" : "an 82576",
           nc.pf.emulated ? "programmed but NOT enforced by this device"
                          : "enforced by the device");
    return netctl_serve();
}
