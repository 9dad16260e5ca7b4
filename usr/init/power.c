/*
 * usr/init/power.c: switching the machine off: ACPI sleep state S5.
 *
 * The FADT names the PM1a control port; the DSDT's \_S5 object gives the
 * sleep type to write there with SLP_EN (ACPI 6.5 4.8.3.2.1, 7.4.2). If
 * anything is missing, the Kernel cap's shutdown leaves QEMU instead.
 */
#include "init.h"
#include <acpi/tables.h>
#include <kpi/platform.h>
#include <stdio.h>
#include <string.h>
#include <sys/capops.h>
#include <sys/slot.h>
#include <sys/sys.h>
#include <sys/vspace.h>

#define FADT_DSDT       40 // 32-bit physical address of the DSDT
#define FADT_PM1A_CNT   64 // 32-bit I/O port of PM1a_CNT_BLK
#define SLP_EN          (1u << 13)
#define SLP_TYP_SHIFT   10
#define AML_ZERO        0x00
#define AML_ONE         0x01
#define AML_BYTE_PREFIX 0x0a
#define AML_PACKAGE     0x12

static const struct bootinfo *const bi = (const struct bootinfo *)INIT_BOOTINFO_VA;

// ACPI's map callback. Tables live in device (non-RAM) regions: map the
// region that holds them whole if it is small (QEMU's ACPI area is 164 KiB),
// else the 2 MiB-aligned window around them; each window once, since a
// DevFrame can be carved out of its region only once.
#define WINDOW      (2ull << 20)
#define MAX_WINDOWS 8

struct window {
    uint64_t base, bytes;
    const char *va;
    capref_t cap;
};
static struct window windows[MAX_WINDOWS];
static unsigned nwindows;

static const struct window *map_window(uint64_t pa)
{
    for (unsigned i = 0; i < nwindows; i++) {
        if (pa >= windows[i].base && pa < windows[i].base + windows[i].bytes)
            return &windows[i];
    }
    for (uint32_t i = 0; i < bi->n_regions && nwindows < MAX_WINDOWS; i++) {
        const struct bootinfo_region *r = &bi->regions[i];
        if (r->type != BOOTINFO_DEV || pa < r->base || pa >= r->base + r->bytes)
            continue;
        uint64_t base = r->bytes <= WINDOW ? r->base : pa & ~(WINDOW - 1);
        uint64_t end = r->bytes <= WINDOW ? r->base + r->bytes : base + WINDOW;
        base = base > r->base ? base : r->base;
        end = end < r->base + r->bytes ? end : r->base + r->bytes;
        capref_t f;
        void *va;
        errval_t err = slot_alloc(&f);
        if (err_is_ok(err))
            err = cap_retype(f, cap_at(ROOTCN_SLOT_DEVCN, r->slot), ObjType_DevFrame,
                             base - r->base, end - base, 1);
        if (err_is_ok(err))
            err = vspace_map(f, end - base, 0, &va);
        if (err_is_fail(err)) {
            printf("init: cannot map ACPI memory at %#lx: %s\n", pa, err_msg(err));
            return NULL;
        }
        windows[nwindows] = (struct window){base, end - base, va, f};
        return &windows[nwindows++];
    }
    return NULL;
}

static const void *map_phys(void *arg, uint64_t pa, size_t len)
{
    (void)arg;
    const struct window *w = map_window(pa);
    if (!w || pa + len > w->base + w->bytes)
        return NULL;
    return w->va + (pa - w->base);
}

// SLP_TYPa of \_S5: the first element of the package after "_S5_".
static bool s5_type(const struct acpi_sdt_header *dsdt, unsigned *typ)
{
    const uint8_t *p = (const uint8_t *)dsdt, *end = p + dsdt->length;
    for (const uint8_t *q = p + sizeof(*dsdt); q + 8 < end; q++) {
        if (memcmp(q, "_S5_", 4) || q[4] != AML_PACKAGE)
            continue;
        const uint8_t *e = q + 5;
        e += 1 + (*e >> 6); // PkgLength: lead byte plus its follow bytes
        e++;                // NumElements
        if (e >= end)
            return false;
        if (*e == AML_ZERO || *e == AML_ONE)
            *typ = *e;
        else if (*e == AML_BYTE_PREFIX && e + 1 < end)
            *typ = e[1];
        else
            return false;
        return true;
    }
    return false;
}

// What ACPI S5 needs, found at start (power_init): after that, devmgr owns
// the device memory the tables live in.
static struct {
    bool found;
    uint16_t port;
    unsigned typ;
} s5;

static void acpi_s5(void)
{
    struct acpi_tables t;
    const struct acpi_sdt_header *fadt, *dsdt;
    const char *why = "";
    if (!bi->rsdp_len ||
        err_is_fail(acpi_tables_init(&t, bi->rsdp, bi->rsdp_len, map_phys, NULL, &why)) ||
        err_is_fail(acpi_table_find(&t, "FACP", 0, &fadt)) || fadt->length < FADT_PM1A_CNT + 4) {
        printf("init: poweroff: no usable FADT (%s)\n", why);
        return;
    }
    uint32_t dsdt_pa, port;
    memcpy(&dsdt_pa, (const char *)fadt + FADT_DSDT, 4);
    memcpy(&port, (const char *)fadt + FADT_PM1A_CNT, 4);
    dsdt = map_phys(NULL, dsdt_pa, sizeof(*dsdt));
    if (dsdt)
        dsdt = map_phys(NULL, dsdt_pa, dsdt->length);
    unsigned typ;
    if (!dsdt || !acpi_checksum_ok(dsdt, dsdt->length) || !s5_type(dsdt, &typ)) {
        printf("init: poweroff: no \\_S5 sleep type in the DSDT\n");
        return;
    }
    s5.found = true;
    s5.port = (uint16_t)port;
    s5.typ = typ;
}

void power_init(void)
{
    acpi_s5();
    // Give the memory back whole: devmgr cuts its own DevFrames from it.
    for (unsigned i = 0; i < nwindows; i++) {
        err_ignore(vspace_unmap(windows[i].cap),
                   "fails only for a frame not mapped here; deleting the frame unmaps it anyway");
        cap_destroy(windows[i].cap);
    }
    nwindows = 0;
}

void power_off(void)
{
    printf("init: powering off\n");
    err_ignore(invoke_kernel_trace_dump(cap_kernel),
               "the kernel's trace, if it records one: a failure only loses the trace");
    if (s5.found)
        err_ignore(invoke_io_out(cap_io, s5.port, 2, (s5.typ << SLP_TYP_SHIFT) | SLP_EN),
                   "writes to the test device's port: the check reads it back");
    // QEMU acts on the sleep request asynchronously: give it a second.
    uint64_t start = sys_rdtsc();
    while (sys_tsc_hz() && sys_rdtsc() - start < sys_tsc_hz())
        sys_yield();
    // Still here: leave QEMU through the Kernel cap.
    err_ignore(invoke_kernel_shutdown(cap_kernel, EXIT_PASS),
               "returns only if QEMU did not exit: the caller halts next");
    for (;;)
        sys_yield();
}
