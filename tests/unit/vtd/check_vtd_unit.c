/* tests/unit/vtd/check_vtd_unit.c: the VT-d driver against a model of QEMU's unit (registers from
 * regs.bin). */
#include <stdio.h>
#include <string.h>
#include <unit.h>
#include <vtd/vtd_unit.h>

#ifndef VTD_DATA_DIR
#error "VTD_DATA_DIR must name tests/unit/vtd/data/qemu-q35"
#endif

#define POOL_PAGES 16
#define POOL_PA    0x10000000ull
#define FRO        0x220 // QEMU's fault recording register
#define IOTLB      (0xf0 + 8)

// The unit as the driver sees it through registers: GCMD and the
// invalidation registers act as QEMU's do (hw/i386/intel_iommu.c).
struct model {
    uint8_t regs[4096];
    uint64_t root; // latched by SRTP
    bool stuck;    // commands never complete
    unsigned ninv;
    uint64_t inv[32]; // invalidation commands, in order (CCMD and IOTLB values)
    unsigned ngcmd;
    uint32_t gcmd[16];
    unsigned narrow; // 32-bit writes to 64-bit registers
    uint64_t irta;   // latched by SIRTP
    uint16_t iq_head;
    uint8_t iq_last; // type of the last descriptor run
    unsigned nqi;
    struct vtd_inv_desc qi[16]; // queued descriptors run, in order
    unsigned reg_inv_while_qi;  // register-based invalidations while QI was on
};

static struct model m;
static struct vtd_unit unit;
static uint8_t pool[POOL_PAGES][4096] __attribute__((aligned(4096)));
static unsigned pool_used;

static uint64_t get64(uint32_t off)
{
    uint64_t v;
    memcpy(&v, m.regs + off, 8);
    return v;
}

static void set64(uint32_t off, uint64_t v) { memcpy(m.regs + off, &v, 8); }

static uint32_t get32(uint32_t off)
{
    uint32_t v;
    memcpy(&v, m.regs + off, 4);
    return v;
}

static void set32(uint32_t off, uint32_t v) { memcpy(m.regs + off, &v, 4); }

static uint32_t m_read32(void *arg, uint32_t off) { return get32(off); }
static uint64_t m_read64(void *arg, uint32_t off) { return get64(off); }

static void update_ppf(void)
{
    bool f = get64(FRO + 8) & VTD_FRCD_HI_F;
    set32(VTD_FSTS, f ? get32(VTD_FSTS) | VTD_FSTS_PPF : get32(VTD_FSTS) & ~VTD_FSTS_PPF);
}

static void gcmd_write(uint32_t v)
{
    ck_assert_uint_lt(m.ngcmd, 16);
    m.gcmd[m.ngcmd++] = v;
    if (m.stuck)
        return;
    uint32_t gsts = get32(VTD_GSTS), changed = gsts ^ v;
    const uint32_t persistent = VTD_GCMD_TE | VTD_GCMD_QIE | VTD_GCMD_IRE;
    gsts = (gsts & ~(changed & persistent)) | (v & changed & persistent);
    if (v & VTD_GCMD_SRTP) {
        m.root = get64(VTD_RTADDR);
        gsts |= VTD_GCMD_SRTP;
    }
    if (v & VTD_GCMD_SIRTP) {
        m.irta = get64(VTD_IRTA);
        gsts |= VTD_GCMD_SIRTP; // IRTPS
    }
    gsts = (gsts & ~VTD_GCMD_CFI) | (v & VTD_GCMD_CFI);
    // QEMU turns queued invalidation off only with the queue drained and a
    // wait descriptor last (this model also lets a queue that never ran go:
    // test_init_takes_over's firmware state); IQH goes back to 0.
    if ((changed & VTD_GCMD_QIE) && !(v & VTD_GCMD_QIE)) {
        if (m.iq_head == get64(VTD_IQT) >> 4 && (m.iq_last == VTD_INV_DESC_WAIT || !m.iq_last))
            m.iq_head = 0;
        else
            gsts |= VTD_GCMD_QIE;
    }
    set32(VTD_GSTS, gsts);
}

static void *va_at(uint64_t pa);

// IQT written with QI on: run the descriptors from IQH up to it, as
// QEMU's vtd_fetch_inv_desc does (synchronously).
static void iqt_write(uint64_t v)
{
    set64(VTD_IQT, v);
    if (!(get32(VTD_GSTS) & VTD_GCMD_QIE))
        return;
    const struct vtd_inv_desc *q = va_at(get64(VTD_IQA) & ~0xfffull);
    for (; m.iq_head != (v >> 4); m.iq_head = (m.iq_head + 1) % 256) {
        struct vtd_inv_desc d = q[m.iq_head];
        uint8_t type = d.lo & 0xf;
        ck_assert_uint_lt(m.nqi, 16);
        m.qi[m.nqi++] = d;
        m.iq_last = type;
        if (type == VTD_INV_DESC_WAIT && (d.lo & VTD_INV_WAIT_SW)) {
            uint32_t status = (uint32_t)(d.lo >> 32);
            memcpy(va_at(d.hi), &status, 4);
        } else if (type != VTD_INV_DESC_IEC) {
            set32(VTD_FSTS, get32(VTD_FSTS) | VTD_FSTS_IQE); // not modelled: refused
            return;
        }
    }
}

static void m_write32(void *arg, uint32_t off, uint32_t v)
{
    if (off == VTD_GCMD)
        gcmd_write(v);
    else if (off == VTD_RTADDR || off == VTD_CCMD || off == IOTLB || off == IOTLB - 8 ||
             off == VTD_RTADDR + 4 || off == VTD_CCMD + 4 || off == IOTLB + 4)
        m.narrow++;
    else if (off == FRO + 12) {
        if (v & (1u << 31))
            set64(FRO + 8, get64(FRO + 8) & ~VTD_FRCD_HI_F);
        update_ppf();
    } else if (off == VTD_FSTS)
        set32(VTD_FSTS, get32(VTD_FSTS) & ~(v & (VTD_FSTS_PFO | VTD_FSTS_IQE)));
    else
        set32(off, v);
}

static void m_write64(void *arg, uint32_t off, uint64_t v)
{
    if (off == VTD_IQT) {
        iqt_write(v);
        return;
    }
    if (((off == VTD_CCMD && (v & VTD_CCMD_ICC)) || (off == IOTLB && (v & VTD_IOTLB_IVT))) &&
        (get32(VTD_GSTS) & VTD_GCMD_QIE)) {
        m.reg_inv_while_qi++; // QEMU ignores it and leaves the busy bit set
        set64(off, v);
        return;
    }
    bool cmd = (off == VTD_CCMD && (v & VTD_CCMD_ICC)) || (off == IOTLB && (v & VTD_IOTLB_IVT));
    if (cmd) {
        ck_assert_uint_lt(m.ninv, 32);
        m.inv[m.ninv++] = v;
        set64(off, m.stuck ? v : v & ~(VTD_CCMD_ICC | VTD_IOTLB_IVT));
        return;
    }
    ck_assert_msg(off != VTD_GCMD && off != VTD_FSTS, "64-bit write to a 32-bit register %#x", off);
    set64(off, v);
}

static MUST_CHECK errval_t alloc_page(void *arg, struct vtd_page *out)
{
    if (pool_used == POOL_PAGES)
        return SYS_ERR_NO_MEMORY;
    out->va = pool[pool_used];
    out->pa = POOL_PA + pool_used * 4096ull;
    memset(out->va, 0, 4096);
    pool_used++;
    return SYS_ERR_OK;
}

static void *va_of(uint64_t pa)
{
    ck_assert(pa >= POOL_PA && pa < POOL_PA + POOL_PAGES * 4096ull);
    return pool[(pa - POOL_PA) / 4096];
}

static void *va_at(uint64_t pa) { return (uint8_t *)va_of(pa) + (pa & 0xfff); }

static void setup(void)
{
    memset(&m, 0, sizeof(m));
    FILE *f = fopen(VTD_DATA_DIR "/regs.bin", "rb");
    ck_assert_msg(f, "cannot open %s/regs.bin", VTD_DATA_DIR);
    ck_assert_uint_eq(fread(m.regs, 1, sizeof(m.regs), f), sizeof(m.regs));
    fclose(f);
    pool_used = 0;
}

static MUST_CHECK errval_t init(void)
{
    struct mmio regs = {m_read32, m_read64, m_write32, m_write64, NULL};
    return vtd_unit_init(&unit, &regs, 48, alloc_page, NULL);
}

START_TEST(test_init_and_enable)
{
    ck_assert_uint_eq(init(), SYS_ERR_OK);
    ck_assert_uint_eq(pool_used, 1);
    ck_assert_uint_eq(unit.root.pa, POOL_PA);
    ck_assert_uint_eq(m.ngcmd, 0); // nothing to turn off on a fresh unit
    ck_assert_uint_eq(vtd_unit_enable(&unit), SYS_ERR_OK);
    ck_assert_uint_eq(m.root, POOL_PA);
    ck_assert_uint_eq(get32(VTD_GSTS) & VTD_GCMD_TE, VTD_GCMD_TE);
    // SRTP alone, then TE alone: the one-shot RTPS status is not written back.
    ck_assert_uint_eq(m.ngcmd, 2);
    ck_assert_uint_eq(m.gcmd[0], VTD_GCMD_SRTP);
    ck_assert_uint_eq(m.gcmd[1], VTD_GCMD_TE);
    // The caches are invalidated globally before translation starts.
    ck_assert_uint_eq(m.ninv, 2);
    ck_assert_uint_eq(m.inv[0], vtd_ccmd_global());
    ck_assert_uint_eq(m.inv[1], vtd_iotlb_global(&unit.caps));
    ck_assert_uint_eq(vtd_unit_disable(&unit), SYS_ERR_OK);
    ck_assert_uint_eq(get32(VTD_GSTS) & VTD_GCMD_TE, 0);
    ck_assert_uint_eq(m.narrow, 0);
}
END_TEST

// Firmware (or a previous driver) left translation and queued invalidation
// on: the driver turns both off, so the CPU driver may invalidate through
// registers.
START_TEST(test_init_takes_over)
{
    set32(VTD_GSTS, VTD_GCMD_TE | VTD_GCMD_QIE | VTD_GCMD_SRTP);
    ck_assert_uint_eq(init(), SYS_ERR_OK);
    ck_assert_uint_eq(get32(VTD_GSTS) & (VTD_GCMD_TE | VTD_GCMD_QIE), 0);
    ck_assert_uint_eq(m.gcmd[0], VTD_GCMD_QIE); // TE off, QIE kept, RTPS dropped
    ck_assert_uint_eq(m.gcmd[1], 0);
}
END_TEST

START_TEST(test_hardware_that_never_answers)
{
    ck_assert_uint_eq(init(), SYS_ERR_OK);
    m.stuck = true;
    ck_assert_uint_eq(vtd_unit_enable(&unit), VTD_ERR_HARDWARE);
    m.stuck = false;
    set64(VTD_CCMD, VTD_CCMD_ICC); // a command that stays busy blocks the next
    m.stuck = true;
    ck_assert_uint_eq(vtd_invalidate_all(&unit), VTD_ERR_HARDWARE);
}
END_TEST

START_TEST(test_domains)
{
    ck_assert_uint_eq(init(), SYS_ERR_OK);
    struct vtd_domain d[VTD_MAX_DOMAINS];
    ck_assert_uint_eq(vtd_domain_init(&unit, &d[0], 0x200000, VTD_AW_57), SYS_ERR_UNSUPPORTED);
    ck_assert_uint_eq(vtd_domain_init(&unit, &d[0], 0x200800, VTD_AW_48), SYS_ERR_ALIGNMENT);
    for (unsigned i = 0; i < VTD_MAX_DOMAINS - 1; i++) {
        ck_assert_uint_eq(vtd_domain_init(&unit, &d[i], 0x200000 + i * 4096ull, VTD_AW_48),
                          SYS_ERR_OK);
        ck_assert_uint_eq(d[i].id, i + 1); // never 0: reserved under caching mode
    }
    ck_assert_uint_eq(vtd_domain_init(&unit, &d[255], 0x300000, VTD_AW_39), VTD_ERR_NO_DOMAIN_ID);
    ck_assert_uint_eq(vtd_domain_fini(&unit, &d[9]), SYS_ERR_OK);
    ck_assert_uint_eq(vtd_domain_init(&unit, &d[255], 0x300000, VTD_AW_39), SYS_ERR_OK);
    ck_assert_uint_eq(d[255].id, 10);
    d[255].devices = 1;
    ck_assert_uint_eq(vtd_domain_fini(&unit, &d[255]), SYS_ERR_BUSY);
}
END_TEST

START_TEST(test_attach_detach)
{
    ck_assert_uint_eq(init(), SYS_ERR_OK);
    ck_assert_uint_eq(vtd_unit_enable(&unit), SYS_ERR_OK);
    struct vtd_domain d, other;
    ck_assert_uint_eq(vtd_domain_init(&unit, &d, 0x7654000, VTD_AW_48), SYS_ERR_OK);
    ck_assert_uint_eq(vtd_domain_init(&unit, &other, 0x7655000, VTD_AW_48), SYS_ERR_OK);
    m.ninv = 0;
    ck_assert_uint_eq(vtd_attach(&unit, &d, 2, 0, 0), SYS_ERR_OK);
    ck_assert_uint_eq(d.devices, 1);
    // The hardware's view: the root entry of bus 2, then entry devfn 0.
    const struct vtd_root_entry *root = va_of(m.root);
    uint64_t ctx_pa;
    ck_assert(vtd_root_decode(&root[2], &ctx_pa));
    ck_assert(!vtd_root_decode(&root[1], &ctx_pa) && vtd_root_decode(&root[2], &ctx_pa));
    const struct vtd_context_entry *ctx = va_of(ctx_pa);
    struct vtd_context_cfg cfg;
    ck_assert(vtd_context_decode(&ctx[0], &cfg));
    ck_assert_uint_eq(cfg.domain, d.id);
    ck_assert_uint_eq(cfg.aw, VTD_AW_48);
    ck_assert_uint_eq(cfg.slptptr, 0x7654000);
    ck_assert_uint_eq(cfg.tt, VTD_TT_UNTRANSLATED);
    ck_assert(!vtd_context_decode(&ctx[1], &cfg));
    // Caching mode: the new root entry, then the device (as domain 0), then d.
    ck_assert_uint_eq(m.ninv, 3);
    ck_assert_uint_eq(m.inv[0], vtd_ccmd_global());
    ck_assert_uint_eq(m.inv[1], vtd_ccmd_device(0, 0x200, 0));
    ck_assert_uint_eq(m.inv[2], vtd_iotlb_domain(&unit.caps, d.id));

    uint16_t did;
    ck_assert_uint_eq(vtd_attached(&unit, 2, 0, 0, &did), SYS_ERR_OK);
    ck_assert_uint_eq(did, d.id);
    ck_assert_uint_eq(vtd_attached(&unit, 2, 0, 1, &did), VTD_ERR_NOT_ATTACHED);
    ck_assert_uint_eq(vtd_attached(&unit, 5, 0, 0, &did), VTD_ERR_NOT_ATTACHED);
    ck_assert_uint_eq(vtd_attach(&unit, &other, 2, 0, 0), SYS_ERR_BUSY);
    ck_assert_uint_eq(vtd_attach(&unit, &d, 2, 32, 0), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(vtd_attach(&unit, &d, 2, 0, 8), SYS_ERR_INVALID_ARGS);

    // A second device on the bus shares the context table.
    m.ninv = 0;
    ck_assert_uint_eq(vtd_attach(&unit, &other, 2, 1, 3), SYS_ERR_OK);
    ck_assert_uint_eq(m.ninv, 2);
    ck_assert_uint_eq(pool_used, 2);
    ck_assert(vtd_context_decode(&ctx[vtd_context_index(1, 3)], &cfg) && cfg.domain == other.id);

    ck_assert_uint_eq(vtd_detach(&unit, &other, 2, 0, 0), VTD_ERR_NOT_ATTACHED);
    m.ninv = 0;
    ck_assert_uint_eq(vtd_detach(&unit, &d, 2, 0, 0), SYS_ERR_OK);
    ck_assert(!vtd_context_decode(&ctx[0], &cfg));
    ck_assert(ctx[0].lo == 0 && ctx[0].hi == 0);
    ck_assert_uint_eq(d.devices, 0);
    ck_assert_uint_eq(m.inv[0], vtd_ccmd_device(d.id, 0x200, 0));
    ck_assert_uint_eq(m.inv[1], vtd_iotlb_domain(&unit.caps, d.id));
    ck_assert_uint_eq(vtd_detach(&unit, &d, 2, 0, 0), VTD_ERR_NOT_ATTACHED);
    ck_assert_uint_eq(vtd_detach(&unit, &d, 9, 0, 0), VTD_ERR_NOT_ATTACHED);
    ck_assert_uint_eq(vtd_domain_fini(&unit, &d), SYS_ERR_OK);
    ck_assert_uint_eq(m.narrow, 0);
}
END_TEST

START_TEST(test_attach_out_of_memory)
{
    ck_assert_uint_eq(init(), SYS_ERR_OK);
    struct vtd_domain d;
    ck_assert_uint_eq(vtd_domain_init(&unit, &d, 0x7654000, VTD_AW_48), SYS_ERR_OK);
    pool_used = POOL_PAGES;
    ck_assert_uint_eq(vtd_attach(&unit, &d, 3, 0, 0), SYS_ERR_NO_MEMORY);
    ck_assert_uint_eq(d.devices, 0);
    const struct vtd_root_entry *root = unit.root.va;
    uint64_t pa;
    ck_assert(!vtd_root_decode(&root[3], &pa)); // nothing half-made
}
END_TEST

static struct vtd_fault seen[4];
static unsigned nseen;

static void on_fault(void *arg, const struct vtd_fault *f)
{
    ck_assert_uint_lt(nseen, 4);
    seen[nseen++] = *f;
}

START_TEST(test_faults)
{
    ck_assert_uint_eq(init(), SYS_ERR_OK);
    vtd_fault_event_setup(&unit, 0xfee00000, 0x51);
    ck_assert_uint_eq(get32(VTD_FEDATA), 0x51);
    ck_assert_uint_eq(get32(VTD_FEADDR), 0xfee00000);
    ck_assert_uint_eq(get32(VTD_FEUADDR), 0);
    ck_assert_uint_eq(get32(VTD_FECTL), 0); // unmasked

    bool overflow;
    nseen = 0;
    ck_assert_uint_eq(vtd_faults_drain(&unit, on_fault, NULL, &overflow), 0);
    ck_assert(!overflow && nseen == 0);

    // What QEMU records for the NVMe (02:00.0) writing to an unmapped IOVA.
    set64(FRO, 0x3f6e5000);
    set64(FRO + 8, VTD_FRCD_HI_F | (uint64_t)VTD_FR_WRITE << 32 | 0x200);
    set32(VTD_FSTS, VTD_FSTS_PPF | VTD_FSTS_PFO);
    ck_assert_uint_eq(vtd_faults_drain(&unit, on_fault, NULL, &overflow), 1);
    ck_assert(overflow);
    ck_assert_uint_eq(nseen, 1);
    ck_assert(seen[0].bus == 2 && seen[0].dev == 0 && seen[0].fn == 0 && seen[0].write);
    ck_assert_uint_eq(seen[0].addr, 0x3f6e5000);
    ck_assert_uint_eq(seen[0].reason, VTD_FR_WRITE);
    ck_assert_uint_eq(get64(FRO + 8) & VTD_FRCD_HI_F, 0); // cleared
    ck_assert_uint_eq(get32(VTD_FSTS), 0);                // PPF follows, PFO cleared
    char line[160];
    vtd_fault_format(&seen[0], line, sizeof(line));
    ck_assert_str_eq(line, "DMA write fault from 02:00.0 at 0x3f6e5000: write to a page without "
                           "write permission (reason 0x5)");
    ck_assert_uint_eq(vtd_faults_drain(&unit, on_fault, NULL, &overflow), 0);
    ck_assert(!overflow && nseen == 1);
}
END_TEST

// ---- Interrupt remapping ----

static struct vtd_qi qi;
static volatile uint32_t *qi_status;
static unsigned niec;

// What devmgr's callback asks of the CPU driver, run here on the model.
static MUST_CHECK errval_t iec_on_model(void *arg, bool global, uint16_t index)
{
    struct vtd_inv_desc d = vtd_inv_iec_global();
    errval_t err = global ? SYS_ERR_OK : vtd_inv_iec_index(index, 0, &d);
    struct mmio regs = {m_read32, m_read64, m_write32, m_write64, NULL};
    niec++;
    return err_is_ok(err) ? vtd_qi_run(&regs, &qi, &d, 1) : err;
}

static void qi_setup(void)
{
    struct vtd_page q, st;
    ck_assert_uint_eq(alloc_page(NULL, &q), SYS_ERR_OK);
    ck_assert_uint_eq(alloc_page(NULL, &st), SYS_ERR_OK);
    qi = (struct vtd_qi){
        .va = q.va, .pa = q.pa, .status = (uint32_t *)st.va + 3, .status_pa = st.pa + 12};
    qi_status = qi.status;
}

// An MSI write from requester sid, remapped as QEMU's
// vtd_interrupt_remap_msi does: the vector it delivers, or 0 with the
// fault recorded in the fault recording register.
static unsigned model_msi(uint16_t sid, uint64_t addr)
{
    unsigned reason = 0;
    uint16_t index = 0;
    struct vtd_irte e = {0};
    if (!(get32(VTD_GSTS) & VTD_GCMD_IRE) || !vtd_msi_index(addr, &index))
        return 0x100; // passed through untranslated (compatibility format)
    unsigned size = 2u << (m.irta & 0xf);
    if (index >= size)
        reason = VTD_FR_IR_INDEX_OVER;
    else {
        memcpy(&e, (uint8_t *)va_of(m.irta & ~0xfffull) + index * 16u, 16);
        if (!(e.lo & VTD_IRTE_P))
            reason = VTD_FR_IR_NOT_PRESENT;
        else if ((e.lo & VTD_IRTE_LO_RESERVED) || (e.hi & VTD_IRTE_HI_RESERVED))
            reason = VTD_FR_IR_IRTE_RESERVED;
        else if (((e.hi >> VTD_IRTE_SVT_SHIFT) & 3) == VTD_SVT_RID && (uint16_t)e.hi != sid)
            reason = VTD_FR_IR_SID;
    }
    if (!reason)
        return (unsigned)(e.lo >> VTD_IRTE_V_SHIFT) & 0xff;
    set64(FRO, (uint64_t)index << 48);
    set64(FRO + 8, VTD_FRCD_HI_F | (uint64_t)reason << 32 | sid);
    update_ppf();
    return 0;
}

static void enable_ir(void)
{
    ck_assert_uint_eq(init(), SYS_ERR_OK);
    ck_assert_uint_eq(vtd_unit_enable(&unit), SYS_ERR_OK);
    qi_setup();
    niec = 0;
    m.ngcmd = m.nqi = 0;
    ck_assert_uint_eq(vtd_ir_enable(&unit, iec_on_model, NULL), SYS_ERR_OK);
}

START_TEST(test_ir_enable)
{
    enable_ir();
    // The table (the fourth page: root, queue, status, table), 256 entries.
    ck_assert_uint_eq(unit.irt.pa, POOL_PA + 3 * 4096);
    ck_assert_uint_eq(m.irta, unit.irt.pa | 7);
    uint32_t gsts = get32(VTD_GSTS);
    ck_assert(gsts & VTD_GCMD_IRE);
    ck_assert(gsts & VTD_GCMD_TE); // kept
    ck_assert(!(gsts & (VTD_GCMD_CFI | VTD_GCMD_QIE)));
    // SIRTP first, then the queue on and off for a global IEC, then IRE.
    ck_assert_uint_eq(m.ngcmd, 4);
    ck_assert_uint_eq(m.gcmd[0], VTD_GCMD_TE | VTD_GCMD_SIRTP);
    ck_assert_uint_eq(m.gcmd[1], VTD_GCMD_TE | VTD_GCMD_QIE);
    ck_assert_uint_eq(m.gcmd[2], VTD_GCMD_TE);
    ck_assert_uint_eq(m.gcmd[3], VTD_GCMD_TE | VTD_GCMD_IRE); // IRTPS not written back
    ck_assert_uint_eq(m.nqi, 2);
    ck_assert_uint_eq(m.qi[0].lo, VTD_INV_DESC_IEC); // global
    ck_assert_uint_eq(m.qi[1].lo & 0xf, VTD_INV_DESC_WAIT);
    ck_assert_uint_eq(m.qi[1].hi, qi.status_pa);
    ck_assert_uint_eq(*qi_status, VTD_QI_DONE);
    // Register-based invalidation still works afterwards: QI is off.
    m.ninv = 0;
    ck_assert_uint_eq(vtd_invalidate_all(&unit), SYS_ERR_OK);
    ck_assert_uint_eq(m.ninv, 2);
    ck_assert_uint_eq(m.reg_inv_while_qi, 0);
    ck_assert_uint_eq(vtd_ir_enable(&unit, iec_on_model, NULL), SYS_ERR_BUSY);
    ck_assert_uint_eq(m.narrow, 0);
}
END_TEST

START_TEST(test_ir_unsupported)
{
    set64(VTD_ECAP, get64(VTD_ECAP) & ~VTD_ECAP_IR);
    ck_assert_uint_eq(init(), SYS_ERR_OK);
    ck_assert_uint_eq(vtd_ir_enable(&unit, iec_on_model, NULL), SYS_ERR_UNSUPPORTED);
    struct vtd_irte_cfg cfg = {.vector = 151, .sid = 0x200};
    ck_assert_uint_eq(vtd_irte_set(&unit, 151, &cfg), SYS_ERR_ILLEGAL_INVOCATION);
    ck_assert_uint_eq(get32(VTD_GSTS) & VTD_GCMD_IRE, 0);
}
END_TEST

// Firmware left compatibility-format interrupts allowed: the driver turns CFI off.
START_TEST(test_ir_enable_clears_cfi)
{
    set32(VTD_GSTS, VTD_GCMD_CFI);
    ck_assert_uint_eq(init(), SYS_ERR_OK);
    qi_setup();
    ck_assert_uint_eq(vtd_ir_enable(&unit, iec_on_model, NULL), SYS_ERR_OK);
    ck_assert_uint_eq(get32(VTD_GSTS) & (VTD_GCMD_CFI | VTD_GCMD_IRE), VTD_GCMD_IRE);
}
END_TEST

START_TEST(test_irte_delivery_and_faults)
{
    enable_ir();
    uint64_t addr;
    uint32_t data;
    vtd_msi_remappable(151, &addr, &data);
    // Not present yet: blocked and recorded.
    ck_assert_uint_eq(model_msi(0x200, addr), 0);
    bool overflow;
    nseen = 0;
    ck_assert_uint_eq(vtd_faults_drain(&unit, on_fault, NULL, &overflow), 1);
    ck_assert(seen[0].intr_remap && seen[0].ir_index == 151);
    ck_assert_uint_eq(seen[0].reason, VTD_FR_IR_NOT_PRESENT);

    struct vtd_irte_cfg cfg = {.vector = 151, .apic_id = 0, .sid = 0x200}, got;
    niec = m.nqi = 0;
    ck_assert_uint_eq(vtd_irte_set(&unit, 151, &cfg), SYS_ERR_OK);
    ck_assert_uint_eq(niec, 1); // index-selective, then the wait
    ck_assert_uint_eq(m.qi[0].lo,
                      VTD_INV_DESC_IEC | VTD_INV_IEC_INDEXED | 151ull << VTD_INV_IEC_IIDX_SHIFT);
    ck_assert(vtd_irte_get(&unit, 151, &got) && got.sid == 0x200 && got.vector == 151);
    ck_assert_uint_eq(vtd_irte_set(&unit, 151, &cfg), SYS_ERR_BUSY);
    ck_assert_uint_eq(vtd_irte_set(&unit, VTD_IRT_ENTRIES, &cfg), SYS_ERR_INVALID_ARGS);
    // The owner's device gets its vector; another requester naming the entry does not.
    ck_assert_uint_eq(model_msi(0x200, addr), 151);
    ck_assert_uint_eq(model_msi(0x180, addr), 0);
    ck_assert_uint_eq(vtd_faults_drain(&unit, on_fault, NULL, &overflow), 1);
    ck_assert(seen[1].intr_remap && seen[1].ir_index == 151 && seen[1].sid == 0x180);
    ck_assert_uint_eq(seen[1].reason, VTD_FR_IR_SID);
    char line[200];
    vtd_fault_format(&seen[1], line, sizeof(line));
    ck_assert_str_eq(line, "interrupt remapping fault from 01:10.0, index 151: source ID check of "
                           "a remapped interrupt failed (reason 0x26)");
    // An index beyond the table.
    vtd_msi_remappable(300, &addr, &data);
    ck_assert_uint_eq(model_msi(0x200, addr), 0);
    ck_assert_uint_eq(vtd_faults_drain(&unit, on_fault, NULL, &overflow), 1);
    ck_assert_uint_eq(seen[2].reason, VTD_FR_IR_INDEX_OVER);

    // Cleared: not present, invalidated, blocked again.
    niec = m.nqi = 0;
    ck_assert_uint_eq(vtd_irte_clear(&unit, 151), SYS_ERR_OK);
    ck_assert_uint_eq(niec, 1);
    ck_assert_uint_eq(m.qi[0].lo >> VTD_INV_IEC_IIDX_SHIFT, 151);
    ck_assert(!vtd_irte_get(&unit, 151, &got));
    vtd_msi_remappable(151, &addr, &data);
    ck_assert_uint_eq(model_msi(0x200, addr), 0);
    ck_assert_uint_eq(vtd_faults_drain(&unit, on_fault, NULL, &overflow), 1);
    ck_assert_uint_eq(seen[3].reason, VTD_FR_IR_NOT_PRESENT);
    ck_assert_uint_eq(m.reg_inv_while_qi, 0);
}
END_TEST

START_TEST(test_qi_refusals)
{
    ck_assert_uint_eq(init(), SYS_ERR_OK);
    qi_setup();
    struct mmio regs = {m_read32, m_read64, m_write32, m_write64, NULL};
    struct vtd_inv_desc d[VTD_QI_ENTRIES];
    for (unsigned i = 0; i < VTD_QI_ENTRIES; i++)
        d[i] = vtd_inv_iec_global();
    ck_assert_uint_eq(vtd_qi_run(&regs, &qi, d, 0), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(vtd_qi_run(&regs, &qi, d, VTD_QI_ENTRIES), SYS_ERR_INVALID_ARGS);
    // A descriptor the unit refuses (an IOTLB one, not modelled): IQE, no
    // status, and QI cannot be turned off with the queue stuck.
    d[0] = (struct vtd_inv_desc){0x2, 0};
    ck_assert_uint_eq(vtd_qi_run(&regs, &qi, d, 1), VTD_ERR_HARDWARE);
    ck_assert(get32(VTD_FSTS) & VTD_FSTS_IQE);
    ck_assert_uint_ne(*qi_status, VTD_QI_DONE);
    // With QI on, the queue is someone else's: refused, nothing written.
    m.nqi = 0;
    d[0] = vtd_inv_iec_global();
    ck_assert_uint_eq(vtd_qi_run(&regs, &qi, d, 1), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(m.nqi, 0);
}
END_TEST

static Suite *vtd_unit_suite(void)
{
    Suite *s = suite_create("vtd_unit");
    TCase *t = tcase_create("unit");
    tcase_add_checked_fixture(t, setup, NULL);
    tcase_add_test(t, test_init_and_enable);
    tcase_add_test(t, test_init_takes_over);
    tcase_add_test(t, test_hardware_that_never_answers);
    tcase_add_test(t, test_domains);
    tcase_add_test(t, test_attach_detach);
    tcase_add_test(t, test_attach_out_of_memory);
    tcase_add_test(t, test_faults);
    tcase_add_test(t, test_ir_enable);
    tcase_add_test(t, test_ir_unsupported);
    tcase_add_test(t, test_ir_enable_clears_cfi);
    tcase_add_test(t, test_irte_delivery_and_faults);
    tcase_add_test(t, test_qi_refusals);
    suite_add_tcase(s, t);
    return s;
}

UNIT_MAIN(vtd_unit_suite)
