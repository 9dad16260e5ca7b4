/* usr/tests/devtest/tests_pci.c: ACPI from user space, PCI through ECAM, lspci, SR-IOV VFs. */
#include "devtest.h"
#include <acpi/tables.h>
#include <pci/pci_regs.h>
#include <stdio.h>
#include <string.h>

#define IGB_VENDOR  0x8086
#define IGB_PF_DEV  0x10c9
#define IGB_VF_DEV  0x10ca
#define IGB_VFS     7 // PLATFORM.md: keep one pool for the PF
#define NVME_VENDOR 0x1b36
#define NVME_DEV    0x0010
#define RP_VENDOR   0x1b36 // QEMU's pcie-root-port
#define RP_DEV      0x000c
#define ECAM_BUSES  4      // buses mapped: 0 and the root ports' (SeaBIOS numbers them 1, 2)
#define VF_MBX      0x0c40 // igb VF BAR0: V2PMAILBOX(0) (82576 datasheet 8.14)
#define VF_MBX_RST  0xc0u  // RSTI | RSTD: reset in progress or done

static const void *acpi_map(void *arg, uint64_t pa, size_t len) { return dev_map(pa, len); }

void test_acpi(struct machine *m)
{
    const struct bootinfo *bi = bootinfo();
    struct acpi_tables t;
    const struct acpi_sdt_header *mcfg = NULL, *dmar = NULL;
    const char *why = "";
    errval_t err = acpi_tables_init(&t, bi->rsdp, bi->rsdp_len, acpi_map, NULL, &why);
    if (err_is_ok(err))
        err = acpi_table_find(&t, "MCFG", 0, &mcfg);
    if (err_is_ok(err))
        err = acpi_mcfg_parse(mcfg, mcfg->length, &m->mcfg, &why);
    if (err_is_ok(err))
        err = acpi_table_find(&t, "DMAR", 0, &dmar);
    if (err_is_ok(err))
        err = acpi_dmar_parse(dmar, dmar->length, &m->dmar, &why);
    report("acpi.mcfg_dmar",
           err_is_ok(err) && m->mcfg.n == 1 && m->mcfg.regions[0].base == 0xb0000000 &&
               m->dmar.ndrhds == 1 && m->dmar.drhds[0].reg_base == 0xfed90000,
           "%s (%s); %u ECAM regions, %u DRHDs", err_name(err), why, m->mcfg.n, m->dmar.ndrhds);
}

// What the listing must show: the PF, its last VF, the NVMe controller.
static const char *const lspci_want[] = {
    "01:00.0 Ethernet controller [0200]: 8086:10c9",
    "01:11.4 Ethernet controller [0200]: 8086:10ca (rev 01) (VF 7 of 01:00.0)",
    "Non-Volatile memory controller [0108]: 1b36:0010",
    "Capabilities: [160] SR-IOV: VFs 7 (total 8, initial 8), VF Enable+ VF MSE+",
};
#define LSPCI_WANT (sizeof(lspci_want) / sizeof(lspci_want[0]))

static void print_line(void *arg, const char *line)
{
    bool *seen = arg;
    printf("%s\n", line);
    for (unsigned i = 0; i < LSPCI_WANT; i++)
        seen[i] |= strstr(line, lspci_want[i]) != NULL;
}

static bool enumerate(struct machine *m, unsigned flags)
{
    errval_t err = pci_enumerate(&m->cfg, flags, m->funcs, 64, &m->nfuncs);
    if (err_is_fail(err))
        printf("devtest: PCI enumeration: %s\n", err_msg(err));
    m->igb = pci_find_id(m->funcs, m->nfuncs, IGB_VENDOR, IGB_PF_DEV, 0);
    m->nvme = pci_find_id(m->funcs, m->nfuncs, NVME_VENDOR, NVME_DEV, 0);
    return err_is_ok(err);
}

// Is function f behind a root port, and which one?
static const struct pci_func *port_above(const struct machine *m, const struct pci_func *f)
{
    for (unsigned i = 0; i < m->nfuncs; i++) {
        const struct pci_func *p = &m->funcs[i];
        if (p->is_bridge && p->hdr.vendor == RP_VENDOR && p->hdr.device == RP_DEV &&
            p->bridge.secondary == f->bdf.bus)
            return p;
    }
    return NULL;
}

static void check_q35(struct machine *m)
{
    const struct pci_func *hb = pci_find(m->funcs, m->nfuncs, (struct pci_bdf){0, 0, 0});
    unsigned ports = 0;
    for (int k = 0; pci_find_id(m->funcs, m->nfuncs, RP_VENDOR, RP_DEV, (unsigned)k) >= 0; k++)
        ports++;
    const struct pci_func *igb = m->igb >= 0 ? &m->funcs[m->igb] : NULL;
    const struct pci_func *nvme = m->nvme >= 0 ? &m->funcs[m->nvme] : NULL;
    const struct pci_func *p1 = igb ? port_above(m, igb) : NULL;
    const struct pci_func *p2 = nvme ? port_above(m, nvme) : NULL;
    report("pci.q35_devices",
           hb && hb->hdr.class_code == 0x06 && hb->hdr.subclass == 0x00 && ports == 2 && p1 && p2 &&
               p1 != p2 && igb->has_sriov && nvme->has_msix && nvme->hdr.class_code == 0x01 &&
               nvme->hdr.subclass == 0x08,
           "host bridge %s, %u root ports, igb %s behind %s, NVMe %s behind %s",
           hb ? "found" : "missing", ports, igb ? "found" : "missing", p1 ? "a port" : "none",
           nvme ? "found" : "missing", p2 ? "a port" : "none");
}

// VF BARs: the PF's VF BAR n, for all VFs, placed in the root port's
// window after everything the PF decodes there (SeaBIOS leaves them 0).
static MUST_CHECK errval_t place_vf_bars(struct machine *m, struct pci_func *pf,
                                         struct pci_sriov *s)
{
    const struct pci_func *port = port_above(m, pf);
    if (!port)
        return SYS_ERR_NOT_FOUND;
    const struct pci_window *w =
        pci_window_empty(&port->bridge.pref) ? &port->bridge.mem : &port->bridge.pref;
    uint64_t next = w->base;
    for (unsigned i = 0; i < pf->nbars; i++) {
        const struct pci_bar *b = &pf->bars[i];
        if (b->type != PCI_BAR_NONE && b->type != PCI_BAR_IO && b->addr >= w->base &&
            b->addr + b->size > next && b->addr <= w->limit)
            next = b->addr + b->size;
    }
    for (unsigned i = 0; i < PCI_SRIOV_NBARS; i++) {
        struct pci_bar bar;
        errval_t err = pci_sriov_vf_bar_probe(&m->cfg, pf->bdf, s, i, &bar);
        if (err_is_fail(err))
            return err;
        if (bar.type == PCI_BAR_NONE)
            continue;
        next = (next + bar.size - 1) & ~(bar.size - 1);
        if (next + s->num_vfs * bar.size - 1 > w->limit)
            return SYS_ERR_NO_MEMORY;
        if (err_is_fail(err = pci_sriov_vf_bar_assign(&m->cfg, pf->bdf, s, i, &bar, next)))
            return err;
        next += s->num_vfs * bar.size;
        i += bar.type == PCI_BAR_MEM64; // the upper half is not a BAR of its own
    }
    return SYS_ERR_OK;
}

// NumVFs, VF BARs, VF Enable | VF MSE, and in each VF Memory Space (QEMU
// maps a VF BAR only then, PLATFORM.md).
static MUST_CHECK errval_t enable_vfs(struct machine *m, struct pci_func *pf)
{
    struct pci_sriov s = pf->sriov;
    errval_t err = pci_sriov_set_num_vfs(&m->cfg, pf->bdf, &s, IGB_VFS);
    if (err_is_ok(err))
        err = place_vf_bars(m, pf, &s);
    if (err_is_ok(err))
        err = pci_sriov_enable(&m->cfg, pf->bdf, &s, true);
    for (unsigned n = 1; err_is_ok(err) && n <= s.num_vfs; n++) {
        struct pci_bdf vf;
        err = pci_sriov_vf_bdf(&s, pf->bdf, n, &vf);
        if (err_is_ok(err))
            pci_write16(&m->cfg, vf, PCI_COMMAND,
                        pci_read16(&m->cfg, vf, PCI_COMMAND) | PCI_COMMAND_MEMORY);
    }
    return err;
}

static void check_vfs(struct machine *m)
{
    unsigned found = 0;
    uint32_t mbx = 0;
    for (unsigned n = 1; n <= IGB_VFS; n++) {
        // VF n is at PF RID + First VF Offset (0x80) + (n - 1) * Stride (2).
        struct pci_bdf b = pci_rid_bdf((uint16_t)(0x100 + 0x80 + 2 * (n - 1)));
        const struct pci_func *vf = pci_find(m->funcs, m->nfuncs, b);
        if (vf && vf->is_vf && vf->vf_index == n && vf->hdr.vendor == IGB_VENDOR &&
            vf->hdr.device == IGB_VF_DEV && vf->bars_sized && vf->bars[0].addr)
            found++;
    }
    report("pci.sriov_vfs", found == IGB_VFS, "%u of %u VFs at 01:10.0..01:11.4 with 8086:10ca",
           found, IGB_VFS);
    // VF 1's BAR 0 decodes: its mailbox reads a reset state, not all ones.
    const struct pci_func *vf1 = pci_find(m->funcs, m->nfuncs, (struct pci_bdf){1, 16, 0});
    volatile uint32_t *regs = vf1 ? dev_map(vf1->bars[0].addr, vf1->bars[0].size) : NULL;
    if (regs)
        mbx = regs[VF_MBX / 4];
    report("pci.sriov_vf_bar", regs && mbx != 0xffffffffu && (mbx & VF_MBX_RST),
           "VF 1 BAR0 %#lx, mailbox %#x", vf1 ? vf1->bars[0].addr : 0, mbx);
}

void test_pci(struct machine *m)
{
    const struct acpi_mcfg_region *r = &m->mcfg.regions[0];
    void *ecam = m->mcfg.n ? dev_map(r->base, (uint64_t)ECAM_BUSES << 20) : NULL;
    m->ecam = (struct pci_ecam){ecam, 0, ECAM_BUSES - 1};
    m->cfg = pci_ecam_cfg(&m->ecam);
    bool ok = ecam && enumerate(m, PCI_ENUM_SIZE_BARS);
    report("pci.ecam_enumerate", ok && m->nfuncs >= 8, "ECAM %p, %u functions", ecam, m->nfuncs);
    if (!ok)
        return;
    check_q35(m);
    if (m->igb < 0 || !m->funcs[m->igb].has_sriov) {
        report("pci.sriov_vfs", false, "no igb PF with SR-IOV");
        return;
    }
    errval_t err = enable_vfs(m, &m->funcs[m->igb]);
    if (err_is_fail(err))
        printf("devtest: enabling VFs: %s\n", err_msg(err));
    ok = enumerate(m, PCI_ENUM_SIZE_BARS);
    bool seen[LSPCI_WANT] = {0};
    printf("devtest: lspci -v\n");
    pci_list_print(m->funcs, m->nfuncs, true, print_line, seen);
    unsigned missing = 0;
    for (unsigned i = 0; i < LSPCI_WANT; i++)
        missing += !seen[i];
    report("pci.lspci", ok && !missing, "%u expected lines missing%s", missing,
           ok ? "" : ", enumeration after SR-IOV failed");
    check_vfs(m);
}
