/* tests/unit/vtd/check_vtd.c: VT-d decoding and encoding on QEMU's captured registers and built
 * entries. */
#include <stdio.h>
#include <string.h>
#include <unit.h>
#include <vtd/vtd.h>

#ifndef VTD_DATA_DIR
#error "VTD_DATA_DIR must name tests/unit/vtd/data/qemu-q35"
#endif

// The first 4 KiB of QEMU's intel-iommu register page, captured by
// tools/capture-acpi from tools/qemu's machine.
static uint8_t regs[4096];
static struct vtd_caps caps; // decoded from regs with the DMAR's HAW of 48

static uint64_t reg64(uint32_t off)
{
    uint64_t v;
    memcpy(&v, regs + off, 8);
    return v;
}

static uint32_t reg32(uint32_t off)
{
    uint32_t v;
    memcpy(&v, regs + off, 4);
    return v;
}

static void setup(void)
{
    FILE *f = fopen(VTD_DATA_DIR "/regs.bin", "rb");
    ck_assert_msg(f, "cannot open %s/regs.bin (run tools/capture-acpi)", VTD_DATA_DIR);
    ck_assert_uint_eq(fread(regs, 1, sizeof(regs), f), sizeof(regs));
    fclose(f);
    ck_assert_uint_eq(vtd_caps_decode(reg64(VTD_CAP), reg64(VTD_ECAP), 48, &caps), SYS_ERR_OK);
}

START_TEST(test_qemu_registers)
{
    ck_assert_uint_eq(reg32(VTD_VER), 0x10);
    ck_assert_uint_eq(VTD_VER_MAJOR(reg32(VTD_VER)), 1);
    ck_assert_uint_eq(reg64(VTD_CAP), 0x00d2008c222f0686ull);
    ck_assert_uint_eq(reg64(VTD_ECAP), 0xf00f4aull);
    ck_assert_uint_eq(reg32(VTD_GSTS), 0); // DMA untranslated until the OS enables it
    ck_assert_uint_eq(reg32(VTD_FECTL), VTD_FECTL_IM);

    ck_assert_uint_eq(caps.ndomains, 65536);
    ck_assert_uint_eq(caps.sagaw, 1u << VTD_AW_39 | 1u << VTD_AW_48);
    ck_assert_uint_eq(caps.mgaw, 48);
    ck_assert_uint_eq(caps.nfr, 1);
    ck_assert_uint_eq(caps.fro, 0x220);
    ck_assert_uint_eq(caps.iro, 0xf0);
    ck_assert_uint_eq(caps.mamv, 18);
    ck_assert(caps.caching_mode && caps.psi && caps.sp_2m && caps.sp_1g);
    ck_assert(caps.drain_read && caps.drain_write);
    ck_assert(!caps.rwbf && !caps.zlr);
    ck_assert(caps.qi && caps.intr_remap && caps.pass_through);
    ck_assert(!caps.eim && !caps.dev_tlb && !caps.snoop_control && !caps.coherent);
    ck_assert(!caps.scalable);
    ck_assert_uint_eq(VTD_ECAP_MHMV(caps.ecap), 15);

    // The one fault recording register holds no fault after boot.
    uint32_t off;
    struct vtd_fault fault;
    ck_assert_uint_eq(vtd_frcd_offset(&caps, 0, &off), SYS_ERR_OK);
    ck_assert_uint_eq(off, 0x220);
    ck_assert_uint_eq(vtd_fault_decode(reg64(off), reg64(off + 8), &fault), VTD_ERR_NO_FAULT);
    ck_assert_uint_eq(vtd_frcd_offset(&caps, 1, &off), SYS_ERR_INVALID_ARGS);
}
END_TEST

START_TEST(test_caps_checks)
{
    struct vtd_caps c;
    unsigned aw;
    ck_assert_uint_eq(vtd_aw_for(&caps, 32, &aw), SYS_ERR_OK);
    ck_assert_uint_eq(aw, VTD_AW_39);
    ck_assert_uint_eq(vtd_aw_for(&caps, 40, &aw), SYS_ERR_OK);
    ck_assert_uint_eq(aw, VTD_AW_48);
    ck_assert_uint_eq(vtd_aw_levels(aw), 4);
    ck_assert_uint_eq(vtd_aw_for(&caps, 49, &aw), SYS_ERR_UNSUPPORTED);

    uint64_t cap = reg64(VTD_CAP), ecap = reg64(VTD_ECAP);
    ck_assert_uint_eq(vtd_caps_decode(cap | 7, ecap, 48, &c), SYS_ERR_CORRUPT); // ND reserved
    ck_assert_uint_eq(vtd_caps_decode(cap & ~(0x3ffull << 24), ecap, 48, &c), SYS_ERR_CORRUPT);
    ck_assert_uint_eq(vtd_caps_decode(cap, ecap & ~(0x3ffull << 8), 48, &c), SYS_ERR_CORRUPT);
    ck_assert_uint_eq(vtd_caps_decode(cap, ecap, 0, &c), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(vtd_caps_decode(cap, ecap, 65, &c), SYS_ERR_INVALID_ARGS);
    // A unit with DMA translation off (QEMU's dma-translation=off): no AW.
    ck_assert_uint_eq(vtd_caps_decode(cap & ~(0x1full << 8), ecap, 48, &c), SYS_ERR_OK);
    ck_assert_uint_eq(vtd_aw_for(&c, 39, &aw), SYS_ERR_UNSUPPORTED);
}
END_TEST

START_TEST(test_gcmd)
{
    uint32_t gsts = VTD_GCMD_TE | VTD_GCMD_SRTP | VTD_GCMD_IRE | VTD_GCMD_SIRTP;
    ck_assert_uint_eq(vtd_gcmd_value(gsts, VTD_GCMD_QIE, true),
                      VTD_GCMD_TE | VTD_GCMD_IRE | VTD_GCMD_QIE);
    ck_assert_uint_eq(vtd_gcmd_value(VTD_GCMD_TE | VTD_GCMD_QIE, VTD_GCMD_TE, false), VTD_GCMD_QIE);
    ck_assert_uint_eq(vtd_gcmd_value(0, VTD_GCMD_SRTP, true), VTD_GCMD_SRTP);
}
END_TEST

START_TEST(test_root_entry)
{
    struct vtd_root_entry re;
    uint64_t ctp;
    ck_assert_uint_eq(vtd_root_encode(&caps, 0x12345000, &re), SYS_ERR_OK);
    ck_assert_uint_eq(re.lo, 0x12345001);
    ck_assert_uint_eq(re.hi, 0);
    ck_assert(vtd_root_decode(&re, &ctp));
    ck_assert_uint_eq(ctp, 0x12345000);
    ck_assert_uint_eq(vtd_root_encode(&caps, 0x12345800, &re), SYS_ERR_ALIGNMENT);
    ck_assert_uint_eq(vtd_root_encode(&caps, 1ull << 48, &re), SYS_ERR_INVALID_ARGS);
    re = (struct vtd_root_entry){0, 0};
    ck_assert(!vtd_root_decode(&re, &ctp));
}
END_TEST

START_TEST(test_context_entry)
{
    struct vtd_context_entry ce;
    struct vtd_context_cfg cfg = {.domain = 1, .aw = VTD_AW_48, .slptptr = 0x200000};
    ck_assert_uint_eq(vtd_context_encode(&caps, &cfg, &ce), SYS_ERR_OK);
    ck_assert_uint_eq(ce.lo, 0x200001);
    ck_assert_uint_eq(ce.hi, 0x102);
    ck_assert_uint_eq(ce.hi & VTD_CTX_HI_RESERVED, 0); // what QEMU faults on
    ck_assert_uint_eq(ce.lo & 0xff0, 0);
    struct vtd_context_cfg back;
    ck_assert(vtd_context_decode(&ce, &back));
    ck_assert_uint_eq(back.domain, 1);
    ck_assert_uint_eq(back.aw, VTD_AW_48);
    ck_assert_uint_eq(back.slptptr, 0x200000);
    ck_assert_int_eq(back.tt, VTD_TT_UNTRANSLATED);
    ck_assert(!back.fault_disable);

    cfg = (struct vtd_context_cfg){
        .domain = 0xffff, .aw = VTD_AW_39, .slptptr = 0xfffff000, .fault_disable = true};
    ck_assert_uint_eq(vtd_context_encode(&caps, &cfg, &ce), SYS_ERR_OK);
    ck_assert_uint_eq(ce.lo, 0xfffff003);
    ck_assert_uint_eq(ce.hi, 0xffff01);

    // Pass-through: the entry carries the largest AW (48 here), no pointer.
    cfg = (struct vtd_context_cfg){
        .domain = 2, .aw = VTD_AW_48, .slptptr = 0x5000, .tt = VTD_TT_PASS_THROUGH};
    ck_assert_uint_eq(vtd_context_encode(&caps, &cfg, &ce), SYS_ERR_OK);
    ck_assert_uint_eq(ce.lo, 0x9);
    ck_assert_uint_eq(ce.hi, 0x202);
    ck_assert(vtd_context_decode(&ce, &back));
    ck_assert_int_eq(back.tt, VTD_TT_PASS_THROUGH);
    cfg.aw = VTD_AW_39;
    ck_assert_uint_eq(vtd_context_encode(&caps, &cfg, &ce), SYS_ERR_INVALID_ARGS);

    ce = (struct vtd_context_entry){0, 0};
    ck_assert(!vtd_context_decode(&ce, &back));
    ck_assert_uint_eq(vtd_context_index(16, 2), 130);
}
END_TEST

START_TEST(test_context_refused)
{
    struct vtd_context_entry ce;
    struct vtd_context_cfg ok = {.domain = 1, .aw = VTD_AW_48, .slptptr = 0x200000}, cfg;
    cfg = ok;
    cfg.domain = 0; // reserved under caching mode
    ck_assert_uint_eq(vtd_context_encode(&caps, &cfg, &ce), SYS_ERR_INVALID_ARGS);
    cfg = ok;
    cfg.aw = VTD_AW_57;
    ck_assert_uint_eq(vtd_context_encode(&caps, &cfg, &ce), SYS_ERR_UNSUPPORTED);
    cfg.aw = 0;
    ck_assert_uint_eq(vtd_context_encode(&caps, &cfg, &ce), SYS_ERR_UNSUPPORTED);
    cfg = ok;
    cfg.tt = VTD_TT_DEVICE_TLB; // no device-TLB support in QEMU's unit
    ck_assert_uint_eq(vtd_context_encode(&caps, &cfg, &ce), SYS_ERR_UNSUPPORTED);
    cfg.tt = (enum vtd_tt)3;
    ck_assert_uint_eq(vtd_context_encode(&caps, &cfg, &ce), SYS_ERR_INVALID_ARGS);
    cfg = ok;
    cfg.slptptr = 0x200800;
    ck_assert_uint_eq(vtd_context_encode(&caps, &cfg, &ce), SYS_ERR_ALIGNMENT);
    cfg.slptptr = 1ull << 48;
    ck_assert_uint_eq(vtd_context_encode(&caps, &cfg, &ce), SYS_ERR_INVALID_ARGS);

    // A unit without caching mode or pass-through, with 16 domains (ND 0).
    struct vtd_caps small;
    uint64_t cap = (reg64(VTD_CAP) & ~VTD_CAP_CM & ~7ull);
    ck_assert_uint_eq(vtd_caps_decode(cap, reg64(VTD_ECAP) & ~VTD_ECAP_PT, 48, &small), SYS_ERR_OK);
    ck_assert_uint_eq(small.ndomains, 16);
    cfg = ok;
    cfg.domain = 0;
    ck_assert_uint_eq(vtd_context_encode(&small, &cfg, &ce), SYS_ERR_OK);
    cfg.domain = 16;
    ck_assert_uint_eq(vtd_context_encode(&small, &cfg, &ce), SYS_ERR_INVALID_ARGS);
    cfg = ok;
    cfg.tt = VTD_TT_PASS_THROUGH;
    ck_assert_uint_eq(vtd_context_encode(&small, &cfg, &ce), SYS_ERR_UNSUPPORTED);
}
END_TEST

START_TEST(test_slpte)
{
    uint64_t pte;
    const uint64_t allowed = VTD_SL_ADDR_MASK | VTD_SL_R | VTD_SL_W | VTD_SL_PS;
    ck_assert_uint_eq(
        vtd_slpte_leaf(&caps, 1, 0x1234000, VTD_PERM_READ | VTD_PERM_WRITE, false, &pte),
        SYS_ERR_OK);
    ck_assert_uint_eq(pte, 0x1234003);
    ck_assert_uint_eq(vtd_slpte_leaf(&caps, 1, 0x1234000, VTD_PERM_READ, false, &pte), SYS_ERR_OK);
    ck_assert_uint_eq(pte, 0x1234001);
    ck_assert_uint_eq(vtd_slpte_leaf(&caps, 2, 0x40000000, VTD_PERM_WRITE, false, &pte),
                      SYS_ERR_OK);
    ck_assert_uint_eq(pte, 0x40000082);
    ck_assert_uint_eq(pte & ~allowed, 0); // no bit QEMU treats as reserved
    ck_assert_uint_eq(vtd_slpte_leaf(&caps, 3, 0x80000000, VTD_PERM_READ, false, &pte), SYS_ERR_OK);
    ck_assert_uint_eq(pte, 0x80000081);

    ck_assert_uint_eq(vtd_slpte_leaf(&caps, 2, 0x40001000, VTD_PERM_READ, false, &pte),
                      SYS_ERR_ALIGNMENT);
    ck_assert_uint_eq(vtd_slpte_leaf(&caps, 1, 0x1234800, VTD_PERM_READ, false, &pte),
                      SYS_ERR_ALIGNMENT);
    ck_assert_uint_eq(vtd_slpte_leaf(&caps, 4, 0, VTD_PERM_READ, false, &pte),
                      SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(vtd_slpte_leaf(&caps, 0, 0, VTD_PERM_READ, false, &pte),
                      SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(vtd_slpte_leaf(&caps, 1, 0x1000, 0, false, &pte), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(vtd_slpte_leaf(&caps, 1, 0x1000, 4, false, &pte), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(vtd_slpte_leaf(&caps, 1, 1ull << 48, VTD_PERM_READ, false, &pte),
                      SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(vtd_slpte_leaf(&caps, 1, 0x1000, VTD_PERM_READ, true, &pte),
                      SYS_ERR_UNSUPPORTED); // SNP is reserved without ECAP.SC

    struct vtd_caps no_sp;
    uint64_t cap = reg64(VTD_CAP) & ~(0xfull << 34);
    ck_assert_uint_eq(vtd_caps_decode(cap, reg64(VTD_ECAP) | VTD_ECAP_SC, 48, &no_sp), SYS_ERR_OK);
    ck_assert_uint_eq(vtd_slpte_leaf(&no_sp, 2, 0x40000000, VTD_PERM_READ, false, &pte),
                      SYS_ERR_UNSUPPORTED);
    ck_assert_uint_eq(vtd_slpte_leaf(&no_sp, 1, 0x1000, VTD_PERM_READ, true, &pte), SYS_ERR_OK);
    ck_assert_uint_eq(pte, 0x1000 | VTD_SL_SNP | VTD_SL_R);

    ck_assert_uint_eq(vtd_slpte_table(&caps, 0x5000, &pte), SYS_ERR_OK);
    ck_assert_uint_eq(pte, 0x5003);
    ck_assert_uint_eq(vtd_slpte_table(&caps, 0x5008, &pte), SYS_ERR_ALIGNMENT);
    ck_assert_uint_eq(vtd_slpte_table(&caps, 0xfffffffff000ull, &pte), SYS_ERR_OK);
    ck_assert_uint_eq(vtd_slpte_table(&caps, 0x1000000000000ull, &pte), SYS_ERR_INVALID_ARGS);
}
END_TEST

START_TEST(test_slpte_decode_and_index)
{
    struct vtd_slpte e;
    vtd_slpte_decode(0x1234003, 1, &e);
    ck_assert(e.present && e.read && e.write && e.leaf && !e.snoop);
    ck_assert_uint_eq(e.addr, 0x1234000);
    vtd_slpte_decode(0x5003, 2, &e); // a table pointer
    ck_assert(e.present && !e.leaf);
    vtd_slpte_decode(0x40000082, 2, &e); // a 2 MiB write-only superpage
    ck_assert(e.present && !e.read && e.write && e.leaf);
    vtd_slpte_decode(0x80000081, 4, &e); // PS means nothing at level 4
    ck_assert(!e.leaf);
    vtd_slpte_decode(0x1234000, 1, &e);
    ck_assert(!e.present);
    vtd_slpte_decode(0x7ff0000000000803ull, 1, &e); // ignored high bits, SNP
    ck_assert(e.snoop);
    ck_assert_uint_eq(e.addr, 0);

    uint64_t iova = 3ull << 39 | 5ull << 30 | 7ull << 21 | 9ull << 12 | 0xabc;
    ck_assert_uint_eq(vtd_sl_index(iova, 4), 3);
    ck_assert_uint_eq(vtd_sl_index(iova, 3), 5);
    ck_assert_uint_eq(vtd_sl_index(iova, 2), 7);
    ck_assert_uint_eq(vtd_sl_index(iova, 1), 9);
    ck_assert_uint_eq(vtd_sl_index(0xfffffffff000ull, 4), 511);
    ck_assert_uint_eq(vtd_sl_level_size(2), 2 << 20);
    ck_assert_uint_eq(vtd_sl_level_size(3), 1 << 30);
}
END_TEST

START_TEST(test_invalidation_values)
{
    ck_assert_uint_eq(vtd_ccmd_global(), 0xa000000000000000ull);
    ck_assert_uint_eq(vtd_ccmd_domain(5), 0xc000000000000005ull);
    ck_assert_uint_eq(vtd_ccmd_device(5, 0x180, 0), 0xe000000001800005ull);
    ck_assert_uint_eq(vtd_ccmd_device(5, 0x180, 3), 0xe000000301800005ull);
    // QEMU's unit drains reads and writes: DR and DW are set.
    ck_assert_uint_eq(vtd_iotlb_global(&caps), 0x9003000000000000ull);
    ck_assert_uint_eq(vtd_iotlb_domain(&caps, 7), 0xa003000700000000ull);

    uint64_t iva, iotlb;
    ck_assert_uint_eq(vtd_iotlb_page(&caps, 7, 0x1234000, 0, false, &iva, &iotlb), SYS_ERR_OK);
    ck_assert_uint_eq(iva, 0x1234000);
    ck_assert_uint_eq(iotlb, 0xb003000700000000ull);
    ck_assert_uint_eq(vtd_iotlb_page(&caps, 7, 0x1234000, 2, true, &iva, &iotlb), SYS_ERR_OK);
    ck_assert_uint_eq(iva, 0x1234000 | VTD_IVA_IH | 2);
    ck_assert_uint_eq(vtd_iotlb_page(&caps, 7, 0x1235000, 2, false, &iva, &iotlb),
                      SYS_ERR_ALIGNMENT);
    ck_assert_uint_eq(vtd_iotlb_page(&caps, 7, 0, 19, false, &iva, &iotlb), SYS_ERR_INVALID_ARGS);
    struct vtd_caps no_psi;
    ck_assert_uint_eq(vtd_caps_decode(reg64(VTD_CAP) & ~VTD_CAP_PSI & ~VTD_CAP_DRD & ~VTD_CAP_DWD,
                                      reg64(VTD_ECAP), 48, &no_psi),
                      SYS_ERR_OK);
    ck_assert_uint_eq(vtd_iotlb_page(&no_psi, 7, 0, 0, false, &iva, &iotlb), SYS_ERR_UNSUPPORTED);
    ck_assert_uint_eq(vtd_iotlb_global(&no_psi), 0x9000000000000000ull);
}
END_TEST

// Fault records built as QEMU's unit writes them: lo = the page, hi = F |
// T (for reads) | reason << 32 | source ID.
START_TEST(test_fault_records)
{
    struct vtd_fault f;
    char line[160];
    uint64_t hi = VTD_FRCD_HI_F | (uint64_t)VTD_FR_WRITE << 32 | 0x180;
    ck_assert_uint_eq(vtd_fault_decode(0x12345000, hi, &f), SYS_ERR_OK);
    ck_assert_uint_eq(f.sid, 0x180);
    ck_assert(f.bus == 1 && f.dev == 16 && f.fn == 0);
    ck_assert(f.write && !f.intr_remap && !f.pasid_present);
    ck_assert_uint_eq(f.addr, 0x12345000);
    ck_assert_uint_eq(f.reason, 5);
    vtd_fault_format(&f, line, sizeof(line));
    ck_assert_str_eq(line, "DMA write fault from 01:10.0 at 0x12345000: write to a page without "
                           "write permission (reason 0x5)");

    hi = VTD_FRCD_HI_F | VTD_FRCD_HI_T | (uint64_t)VTD_FR_CTX_NOT_PRESENT << 32 | 0x20a;
    ck_assert_uint_eq(vtd_fault_decode(0xfee0000000001fffull, hi, &f), SYS_ERR_OK);
    ck_assert(!f.write);
    ck_assert(f.bus == 2 && f.dev == 1 && f.fn == 2);
    ck_assert_uint_eq(f.addr, 0xfee0000000001000ull); // the low 12 bits are not address
    vtd_fault_format(&f, line, sizeof(line));
    ck_assert_str_eq(line, "DMA read fault from 02:01.2 at 0xfee0000000001000: present bit in "
                           "context entry is clear (reason 0x2)");

    // An interrupt-remapping fault: the index sits in lo's top 16 bits.
    hi = VTD_FRCD_HI_F | 0x22ull << 32 | 0xf8;
    ck_assert_uint_eq(vtd_fault_decode(0x1234ull << 48, hi, &f), SYS_ERR_OK);
    ck_assert(f.intr_remap);
    ck_assert_uint_eq(f.ir_index, 0x1234);
    ck_assert_uint_eq(f.addr, 0);
    vtd_fault_format(&f, line, sizeof(line));
    ck_assert_str_eq(line, "interrupt remapping fault from 00:1f.0, index 4660: present bit in "
                           "interrupt remapping entry is clear (reason 0x22)");

    hi = VTD_FRCD_HI_F | VTD_FRCD_HI_PP | 0xabcdeull << 40 | 6ull << 32 | 0x100;
    ck_assert_uint_eq(vtd_fault_decode(0x5000, hi, &f), SYS_ERR_OK);
    ck_assert(f.pasid_present);
    ck_assert_uint_eq(f.pasid, 0xabcde);

    ck_assert_uint_eq(vtd_fault_decode(0x5000, hi & ~VTD_FRCD_HI_F, &f), VTD_ERR_NO_FAULT);

    // A short buffer gets a truncated, terminated line and the full length.
    int full = vtd_fault_format(&f, line, sizeof(line));
    ck_assert_int_eq(vtd_fault_format(&f, line, 8), full);
    ck_assert_str_eq(line, "DMA wri");
}
END_TEST

START_TEST(test_fault_reason_names)
{
    ck_assert_str_eq(vtd_fault_reason_name(VTD_FR_ROOT_NOT_PRESENT),
                     "present bit in root entry is clear");
    ck_assert_str_eq(vtd_fault_reason_name(VTD_FR_TT_BLOCKED),
                     "request blocked by the context entry's translation type");
    ck_assert_str_eq(vtd_fault_reason_name(0x26), "source ID check of a remapped interrupt failed");
    static const uint8_t unknown[] = {0, 0x0e, 0x1f, 0x27, 0x58, 0xff};
    for (unsigned i = 0; i < sizeof(unknown); i++)
        ck_assert_str_eq(vtd_fault_reason_name(unknown[i]), "unknown fault reason");
    for (unsigned r = 1; r <= 0x0d; r++)
        ck_assert_str_ne(vtd_fault_reason_name((uint8_t)r), "unknown fault reason");
}
END_TEST

// The entry devmgr writes for vector 151 on APIC 0 for the NVMe at 02:00.0,
// bit by bit as VT-d 9.10 (and QEMU's VTD_IR_TableEntry) lays it out.
START_TEST(test_irte_encoding)
{
    struct vtd_irte e;
    struct vtd_irte_cfg cfg = {.vector = 151, .apic_id = 0x12, .sid = 0x0200}, back;
    vtd_irte_encode(&cfg, &e);
    // P, physical, fixed, edge, remapped (not posted); vector 23:16; APIC ID in DST 15:8.
    ck_assert_uint_eq(e.lo, 0x1ull | 151ull << 16 | 0x12ull << 40);
    ck_assert_uint_eq(e.hi, 0x0200ull | 1ull << 18); // SID, SQ 00, SVT 01
    ck_assert_uint_eq(e.lo & VTD_IRTE_LO_RESERVED, 0);
    ck_assert_uint_eq(e.hi & VTD_IRTE_HI_RESERVED, 0);
    ck_assert(vtd_irte_decode(&e, &back));
    ck_assert(back.vector == 151 && back.apic_id == 0x12 && back.sid == 0x200 && !back.level);
    cfg.level = true;
    vtd_irte_encode(&cfg, &e);
    ck_assert_uint_eq(e.lo & VTD_IRTE_TM_LEVEL, VTD_IRTE_TM_LEVEL);
    e.lo &= ~VTD_IRTE_P;
    ck_assert(!vtd_irte_decode(&e, &back));
}
END_TEST

START_TEST(test_remappable_msi)
{
    uint64_t addr;
    uint32_t data;
    uint16_t index;
    vtd_msi_remappable(151, &addr, &data);
    ck_assert_uint_eq(addr, 0xfee012f0); // 151 << 5 | format bit 4, SHV 0
    ck_assert_uint_eq(data, 0);
    ck_assert(vtd_msi_index(addr, &index) && index == 151);
    vtd_msi_remappable(0x8001, &addr, &data);
    ck_assert_uint_eq(addr, 0xfee00000 | 1 << 5 | 1 << 4 | 1 << 2); // index bit 15 in bit 2
    ck_assert(vtd_msi_index(addr, &index) && index == 0x8001);
    ck_assert(!vtd_msi_index(0xfee00000, &index)); // compatibility format
    ck_assert(!vtd_msi_index(0xfed00010, &index)); // not the interrupt range
}
END_TEST

START_TEST(test_irta_and_iec_values)
{
    uint64_t irta;
    ck_assert_uint_eq(vtd_irta_value(0x123000, 256, &irta), SYS_ERR_OK);
    ck_assert_uint_eq(irta, 0x123007); // 2^(7+1) entries, xAPIC
    ck_assert_uint_eq(vtd_irta_value(0x123000, 65536, &irta), SYS_ERR_OK);
    ck_assert_uint_eq(irta, 0x12300f);
    ck_assert_uint_eq(vtd_irta_value(0x123000, 2, &irta), SYS_ERR_OK);
    ck_assert_uint_eq(irta, 0x123000);
    ck_assert_uint_eq(vtd_irta_value(0x123000, 1, &irta), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(vtd_irta_value(0x123000, 100, &irta), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(vtd_irta_value(0x123000, 131072, &irta), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(vtd_irta_value(0x123800, 256, &irta), SYS_ERR_ALIGNMENT);

    struct vtd_inv_desc d = vtd_inv_iec_global();
    ck_assert(d.lo == 0x4 && d.hi == 0);
    ck_assert_uint_eq(vtd_inv_iec_index(151, 0, &d), SYS_ERR_OK);
    ck_assert_uint_eq(d.lo, 0x4 | 0x10 | 151ull << 32);
    ck_assert_uint_eq(d.lo & 0xffff000007fff1e0ull, 0); // QEMU's reserved mask
    ck_assert_uint_eq(vtd_inv_iec_index(160, 4, &d), SYS_ERR_OK);
    ck_assert_uint_eq(d.lo, 0x4 | 0x10 | 4ull << 27 | 160ull << 32);
    ck_assert_uint_eq(vtd_inv_iec_index(161, 4, &d), SYS_ERR_INVALID_ARGS);
    d = vtd_inv_wait(0x5000c, 0xabcd);
    ck_assert_uint_eq(d.lo, 0x5 | 1 << 5 | 1 << 6 | 0xabcdull << 32);
    ck_assert_uint_eq(d.hi, 0x5000c);
}
END_TEST

START_TEST(test_ir_fault_reasons)
{
    struct vtd_fault f;
    // What QEMU's vtd_report_ir_fault records: the index in 63:48 of the low word.
    ck_assert_uint_eq(vtd_fault_decode(151ull << 48, VTD_FRCD_HI_F | 0x26ull << 32 | 0x0108, &f),
                      SYS_ERR_OK);
    ck_assert(f.intr_remap && f.ir_index == 151 && f.sid == 0x108 && f.addr == 0);
    ck_assert(f.bus == 1 && f.dev == 1 && f.fn == 0);
    ck_assert_str_eq(vtd_fault_reason_name(VTD_FR_IR_REQ_RESERVED),
                     "reserved field set in an interrupt request");
    ck_assert_str_eq(vtd_fault_reason_name(VTD_FR_IR_INDEX_OVER),
                     "interrupt index above the remapping table size");
    ck_assert_str_eq(vtd_fault_reason_name(VTD_FR_IR_NOT_PRESENT),
                     "present bit in interrupt remapping entry is clear");
    ck_assert_str_eq(vtd_fault_reason_name(VTD_FR_IR_TABLE_ACCESS),
                     "error accessing the interrupt remapping table");
    ck_assert_str_eq(vtd_fault_reason_name(VTD_FR_IR_IRTE_RESERVED),
                     "reserved field set in an interrupt remapping entry");
    ck_assert_str_eq(vtd_fault_reason_name(VTD_FR_IR_COMPAT_BLOCKED),
                     "compatibility-format interrupt blocked");
    ck_assert_str_eq(vtd_fault_reason_name(VTD_FR_IR_SID),
                     "source ID check of a remapped interrupt failed");
    ck_assert_str_eq(vtd_fault_reason_name(0x27), "unknown fault reason");
}
END_TEST

static Suite *vtd_suite(void)
{
    Suite *s = suite_create("vtd");
    TCase *tc = tcase_create("vtd");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_qemu_registers);
    tcase_add_test(tc, test_caps_checks);
    tcase_add_test(tc, test_gcmd);
    tcase_add_test(tc, test_root_entry);
    tcase_add_test(tc, test_context_entry);
    tcase_add_test(tc, test_context_refused);
    tcase_add_test(tc, test_slpte);
    tcase_add_test(tc, test_slpte_decode_and_index);
    tcase_add_test(tc, test_invalidation_values);
    tcase_add_test(tc, test_fault_records);
    tcase_add_test(tc, test_fault_reason_names);
    tcase_add_test(tc, test_irte_encoding);
    tcase_add_test(tc, test_remappable_msi);
    tcase_add_test(tc, test_irta_and_iec_values);
    tcase_add_test(tc, test_ir_fault_reasons);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(vtd_suite)
