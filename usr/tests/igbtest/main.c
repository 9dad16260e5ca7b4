/*
 * usr/tests/igbtest/main.c: the igb PF and VF drivers on QEMU's 82576
 *, with slirp as the network.
 *
 * Runs as init, holding every resource: finds the igb through ACPI and
 * PCI, enables two VFs with their BARs, confines each function to an
 * IOMMU domain of its own, brings the PF up (reset, link, VMDq, a MAC per
 * VF) and drives both VFs as applications would, the PF answering their
 * mailbox meanwhile. With the argument "echo" it also serves UDP echo on
 * 10.0.2.15:7 for tests/system/test_igb.py until told "igbtest-done".
 */
#include "igbtest.h"
#include <kpi/platform.h>
#include <stdio.h>
#include <string.h>

static const uint8_t vf_macs[IGBT_VFS][6] = {{0x52, 0x54, 0x00, 0xab, 0x00, 0x01},
                                             {0x52, 0x54, 0x00, 0xab, 0x00, 0x02}};
static const uint8_t qemu_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56}; // tools/qemu's mac=

static MUST_CHECK errval_t pf_up(struct igbt *t)
{
    const struct pci_bar *b = &t->pff->bars[0];
    void *regs = dev_map(b->addr, b->size);
    if (!regs)
        return SYS_ERR_NOT_FOUND;
    struct mmio mm = mmio_direct(regs);
    errval_t err = igb_pf_init(&t->pf, &mm, clock_us, NULL);
    report("igb.pf_init", err_is_ok(err) && !memcmp(t->pf.mac, qemu_mac, 6),
           "%s, MAC %02x:%02x:%02x:%02x:%02x:%02x", err_name(err), t->pf.mac[0], t->pf.mac[1],
           t->pf.mac[2], t->pf.mac[3], t->pf.mac[4], t->pf.mac[5]);
    if (err_is_fail(err))
        return err;
    unsigned mbps = 0;
    bool fd = false;
    uint64_t t0 = clock_us(NULL);
    err = igb_pf_link_up(&t->pf, IGBT_WAIT_US * 2);
    bool up = igb_pf_link_status(&t->pf, &mbps, &fd);
    report("igb.link_up", err_is_ok(err) && up && mbps == 1000 && fd,
           "%s after %lu ms: %s, %u Mb/s, %s duplex", err_name(err), (clock_us(NULL) - t0) / 1000,
           up ? "up" : "down", mbps, fd ? "full" : "half");
    return err;
}

static MUST_CHECK errval_t vmdq_up(struct igbt *t)
{
    errval_t err = igb_pf_enable_vfs(&t->pf, IGBT_VFS);
    for (unsigned i = 0; err_is_ok(err) && i < IGBT_VFS; i++)
        err = igb_pf_set_vf_mac(&t->pf, i, vf_macs[i]);
    for (unsigned i = 0; err_is_ok(err) && i < IGBT_VFS; i++)
        err = igb_pf_vf_enable(&t->pf, i, true);
    report("igb.vmdq_pools", err_is_ok(err) && t->pf.pf_pool == IGBT_VFS, "%s, PF pool %u",
           err_name(err), t->pf.pf_pool);
    for (unsigned i = 0; err_is_ok(err) && i < IGBT_VFS; i++) {
        struct igbt_vf *v = &t->vn[i];
        v->ip[0] = 10, v->ip[1] = 0, v->ip[2] = 2, v->ip[3] = (uint8_t)(15 + i);
        err = vnic_up(t, v);
        char id[32];
        snprintf(id, sizeof(id), "igb.vf%u_reset_mac", i);
        report(id, err_is_ok(err) && !memcmp(v->vf.mac, vf_macs[i], 6) && v->vf.rings_up,
               "%s; MAC from the PF %02x:%02x:%02x:%02x:%02x:%02x", err_name(err), v->vf.mac[0],
               v->vf.mac[1], v->vf.mac[2], v->vf.mac[3], v->vf.mac[4], v->vf.mac[5]);
    }
    return err;
}

static bool bring_up(struct igbt *t)
{
    errval_t err = igbt_find(t);
    report("igb.found", err_is_ok(err), "%s", err_name(err));
    if (err_is_fail(err))
        return false;
    err = igbt_sriov(t);
    report("igb.sriov_vfs", err_is_ok(err), "%s; VF 0 at %02x:%02x.%x, VF 1 at %02x:%02x.%x",
           err_name(err), t->vn[0].f ? t->vn[0].f->bdf.bus : 0,
           t->vn[0].f ? t->vn[0].f->bdf.dev : 0, t->vn[0].f ? t->vn[0].f->bdf.fn : 0,
           t->vn[1].f ? t->vn[1].f->bdf.bus : 0, t->vn[1].f ? t->vn[1].f->bdf.dev : 0,
           t->vn[1].f ? t->vn[1].f->bdf.fn : 0);
    if (err_is_fail(err))
        return false;
    err = igbt_iommu(t);
    report("igb.iommu_domains", err_is_ok(err) && t->vn[0].dom.id != t->vn[1].dom.id,
           "%s; domains PF %u, VF 0 %u, VF 1 %u", err_name(err), t->pf_dom.id, t->vn[0].dom.id,
           t->vn[1].dom.id);
    if (err_is_fail(err))
        return false;
    return err_is_ok(pf_up(t)) && err_is_ok(vmdq_up(t));
}

int main(int argc, char **argv)
{
    static struct igbt t;
    t.echo = argc > 1 && !strcmp(argv[1], "echo");
    printf("igbtest: the 82576 PF and VF drivers on QEMU's igb%s\n", t.echo ? " (echo)" : "");
    if (bring_up(&t))
        igbt_tests(&t);
    unsigned faults = t.unit.regs.arg ? igbt_faults(&t) : 0;
    report("igb.no_dma_faults", faults == 0, "%u DMA faults recorded", faults);
    printf("igbtest: done, %u failed\n", tests_failed);
    err_ignore(invoke_kernel_shutdown(cap_kernel, tests_failed ? EXIT_FAIL : EXIT_PASS),
               "returns only if QEMU did not exit: the caller halts next");
    return 1; // not reached: the kernel cap was refused
}
