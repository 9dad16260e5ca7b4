/*
 * usr/tests/nvmetest/tests_pf.c: the control plane's half on the PF:
 * the controller confined to its IOMMU domain, Identify CNS 14h/15h,
 * namespaces, Virtualization Management and its rules, SR-IOV enable,
 * controller 1 online and a VSA attached to it alone.
 */
#include "nvmetest.h"
#include <pci/pci_regs.h>
#include <stdio.h>
#include <string.h>

#define ADMIN_ENTRIES 16

errval_t pf_setup(struct machine *m, struct pf *pf)
{
    pf->f = &m->funcs[m->nvme];
    const struct pci_bar *bar = &pf->f->bars[0];
    void *regs = dev_map(bar->addr, bar->size);
    if (!regs)
        return SYS_ERR_NOT_FOUND;
    struct mmio mmio = mmio_direct(regs);
    // No DMA until it is confined: bus mastering off across the reset.
    bus_master(m, pf->f->bdf, false);
    errval_t err = nvme_ctrl_init(&pf->c, &mmio, clock_us, NULL);
    if (err_is_ok(err))
        err = nvme_ctrl_disable(&pf->c);
    if (err_is_ok(err))
        err = domain_create(&pf->dom);
    if (err_is_ok(err))
        err = dma_alloc(&pf->dom, 3, true, &pf->admin);
    if (err_is_ok(err))
        err = domain_attach(&pf->dom, pf->f->bdf);
    if (err_is_fail(err))
        return err;
    bus_master(m, pf->f->bdf, true);
    err =
        nvme_admin_queues(&pf->c, dma_page(&pf->admin, 0), dma_page(&pf->admin, 1), ADMIN_ENTRIES);
    if (err_is_ok(err))
        err = nvme_ctrl_enable(&pf->c);
    if (err_is_ok(err))
        err = nvme_admin_scratch(&pf->c, dma_page(&pf->admin, 2));
    return err;
}

static void test_identify(struct pf *pf)
{
    struct nvme_ctrl_info info = {0};
    errval_t err = nvme_identify_controller(&pf->c, &info);
    printf("nvmetest: PF: '%s' SN '%s', controller %u, MDTS %u KiB, OACS %#x, VWC %u, AWUN %u, "
           "AWUPF %u\n",
           info.mn, info.sn, info.cntlid, info.max_xfer / 1024, info.oacs, info.vwc, info.awun,
           info.awupf);
    report("pf.identify",
           err_is_ok(err) && !strcmp(info.sn, "sietch-nvme0") && info.cntlid == 0 &&
               (info.oacs & NVME_OACS_VIRT_MGMT) && (info.oacs & NVME_OACS_NS_MGMT),
           "%s, SN '%s', controller %u, OACS %#x", err_name(err), info.sn, info.cntlid, info.oacs);
}

static void test_primary_caps(struct pf *pf)
{
    struct nvme_primary_caps c = {0};
    errval_t err = nvme_primary_caps(&pf->c, &c);
    const struct nvme_vres_caps *q = &c.queues, *v = &c.interrupts;
    printf("nvmetest: primary caps: VQ total %u, private %u, primary %u, assigned %u, per VF %u; "
           "VI total %u, private %u, primary %u, assigned %u, per VF %u\n",
           q->total, q->primary_private, q->primary_flexible, q->assigned, q->max_per_secondary,
           v->total, v->primary_private, v->primary_flexible, v->assigned, v->max_per_secondary);
    // tools/qemu: sriov_vq_flexible=4, sriov_vi_flexible=2, max_ioqpairs=8,
    // msix_qsize=8, two VFs: private = 1 + 8 - 4 and 8 - 2.
    report("pf.primary_caps",
           err_is_ok(err) && c.vq && c.vi && c.cntlid == 0 && q->total == 4 &&
               q->primary_private == 5 && q->max_per_secondary == 2 && v->total == 2 &&
               v->primary_private == 6 && v->max_per_secondary == 1,
           "%s; see the line above", err_name(err));
}

static void test_secondaries(struct pf *pf)
{
    struct nvme_secondary s[4] = {0};
    unsigned n = 0;
    errval_t err = nvme_secondaries(&pf->c, s, 4, &n);
    for (unsigned i = 0; i < n; i++)
        printf("nvmetest: secondary controller %u: VF %u of %u, %s, %u VQ, %u VI\n", s[i].cntlid,
               s[i].vf, s[i].primary, s[i].online ? "online" : "offline", s[i].queues,
               s[i].interrupts);
    report("pf.secondary_list",
           err_is_ok(err) && n == 2 && s[0].cntlid == 1 && s[0].vf == 1 && s[1].cntlid == 2 &&
               s[1].vf == 2 && !s[0].online && !s[1].online && s[0].primary == 0,
           "%s, %u secondaries", err_name(err), n);
}

static void test_namespaces(struct pf *pf)
{
    uint32_t all[8] = {0}, mine[8] = {0};
    unsigned nall = 0, nmine = 0;
    struct nvme_ns_info ns = {0};
    errval_t err = nvme_namespaces(&pf->c, true, all, 8, &nall);
    if (err_is_ok(err))
        err = nvme_namespaces(&pf->c, false, mine, 8, &nmine);
    if (err_is_ok(err))
        err = nvme_identify_namespace(&pf->c, VSA_NSID, true, &ns);
    errval_t active = nvme_identify_namespace(&pf->c, VSA_NSID, false, &(struct nvme_ns_info){0});
    printf("nvmetest: %u namespaces in the subsystem, %u attached to the PF; namespace %u: %lu "
           "blocks of %u bytes\n",
           nall, nmine, VSA_NSID, ns.blocks, ns.block_size);
    report("pf.namespaces",
           err_is_ok(err) && nall == 5 && all[4] == 5 && nmine == 1 && mine[0] == 1 &&
               ns.blocks == 15 * 2048 && ns.block_size == 512 && err_has(active, SYS_ERR_NOT_FOUND),
           "%s; namespace %u as active: %s", err_name(err), VSA_NSID, err_name(active));
    // VSAs cannot be made at run time: QEMU 10.0 has no Namespace Management.
    struct nvme_sqe cmd = {.opc = NVME_ADMIN_NS_MGMT, .cdw10 = 0 /* create */};
    err = nvme_admin_cmd(&pf->c, &cmd, NULL);
    report("pf.ns_mgmt_absent", err_has(err, NVME_ERR_SC_INVALID_OPCODE), "%s", err_name(err));
}

// The rules, each met by its own error before the device sees a command.
static void test_virt_rules(struct pf *pf)
{
    errval_t e1 = nvme_virt_online(&pf->c, VF_CNTLID);                     // no resources
    errval_t e2 = nvme_virt_assign(&pf->c, VF_CNTLID, NVME_VRES_QUEUE, 3); // above VQFRSM
    errval_t e3 = nvme_virt_assign(&pf->c, VF_CNTLID, NVME_VRES_INTERRUPT, 2);
    errval_t e4 = nvme_virt_assign(&pf->c, 7, NVME_VRES_QUEUE, 1); // no such secondary
    report("pf.virt_rules",
           err_has(e1, NVME_ERR_VIRT_RESOURCES) && err_has(e2, NVME_ERR_VIRT_TOO_MANY) &&
               err_has(e3, NVME_ERR_VIRT_TOO_MANY) && err_has(e4, NVME_ERR_NO_SECONDARY),
           "online %s, 3 VQ %s, 2 VI %s, controller 7 %s", err_name(e1), err_name(e2), err_name(e3),
           err_name(e4));
}

void pf_tests(struct pf *pf, bool full)
{
    test_identify(pf);
    if (!full)
        return;
    test_primary_caps(pf);
    test_secondaries(pf);
    test_namespaces(pf);
    test_virt_rules(pf);
}

static bool secondary_is(struct pf *pf, bool online, uint16_t vq, uint16_t vi)
{
    struct nvme_secondary s[2];
    unsigned n = 0;
    errval_t err = nvme_secondaries(&pf->c, s, 2, &n);
    return err_is_ok(err) && n && s[0].online == online && s[0].queues == vq &&
           s[0].interrupts == vi;
}

errval_t pf_make_vsic(struct machine *m, struct pf *pf, bool full, struct pci_bdf *vf1,
                      struct pci_bar *bar0)
{
    // Two VQ (the VF's admin queue and one I/O pair) and one VI: what
    // going online needs, and all one secondary may hold.
    errval_t err = nvme_virt_assign(&pf->c, VF_CNTLID, NVME_VRES_QUEUE, 2);
    if (err_is_ok(err))
        err = nvme_virt_assign(&pf->c, VF_CNTLID, NVME_VRES_INTERRUPT, 1);
    bool assigned = err_is_ok(err) && secondary_is(pf, false, 2, 1);
    errval_t early = err_is_ok(err) ? nvme_virt_online(&pf->c, VF_CNTLID) : err;
    if (full)
        report("pf.virt_assign",
               assigned && err_has(early, NVME_ERR_VF_NOT_ENABLED) &&
                   err_no(err_pop(early)) == NVME_ERR_SC_SEC_CTRL_STATE,
               "assign %s; online before VF Enable: %s", err_name(err), err_name(early));
    if (err_is_ok(err))
        err = sriov_enable(m, pf->f, 2, vf1, bar0);
    if (full)
        report("pf.sriov_enable", err_is_ok(err) && bar0->addr && bar0->size == 16384,
               "%s, VF 1 at %02x:%02x.%x, BAR 0 %#lx size %#lx", err_name(err), vf1->bus, vf1->dev,
               vf1->fn, bar0->addr, bar0->size);
    if (err_is_ok(err))
        err = nvme_virt_online(&pf->c, VF_CNTLID);
    errval_t busy = nvme_virt_assign(&pf->c, VF_CNTLID, NVME_VRES_QUEUE, 1);
    if (full)
        report("pf.vf_online",
               err_is_ok(err) && secondary_is(pf, true, 2, 1) &&
                   err_has(busy, NVME_ERR_VIRT_ONLINE),
               "online %s; assign while online: %s", err_name(err), err_name(busy));
    if (err_is_ok(err))
        err = nvme_ns_attach(&pf->c, VSA_NSID, VF_CNTLID);
    uint16_t ids[4] = {0};
    unsigned n = 0;
    errval_t listed = nvme_ns_controllers(&pf->c, VSA_NSID, ids, 4, &n);
    if (full) {
        report("pf.attach", err_is_ok(err) && err_is_ok(listed) && n == 1 && ids[0] == VF_CNTLID,
               "%s; attached to %u controllers, first %u", err_name(err), n, ids[0]);
        // A VSA belongs to one controller; detaching what is not attached
        // is refused before QEMU sees it (it would abort).
        errval_t twice = nvme_ns_attach(&pf->c, VSA_NSID, 2);
        errval_t stray = nvme_ns_detach(&pf->c, VSA_OTHER, VF_CNTLID);
        errval_t meta = nvme_ns_attach(&pf->c, 1, VF_CNTLID);
        report("pf.attach_rules",
               err_has(twice, NVME_ERR_NS_ATTACHED) && err_has(stray, NVME_ERR_NS_NOT_ATTACHED) &&
                   err_has(meta, NVME_ERR_NS_ATTACHED),
               "second controller %s, detach of an unattached one %s, the PF's namespace %s",
               err_name(twice), err_name(stray), err_name(meta));
    }
    return err;
}
