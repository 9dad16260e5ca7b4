/*
 * lib/test/include/test/init.h: what a test program that runs as init
 * (devtest, igbtest, nvmetest) needs besides lib/sys: its own slots and RAM
 * carved from what the CPU driver gave init, frames and page tables it maps
 * itself, device memory, a clock, and interrupt vectors as endpoints.
 * Not for ordinary programs, which get all of this from lib/sys and the
 * servers.
 */
#pragma once

#include <acpi/dmar.h>
#include <acpi/mcfg.h>
#include <kpi/init.h>
#include <pci/pci_enum.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/caps.h>
#include <sys/devices.h>
#include <sys/lmp.h>

/* ---- Caps and memory ---- */

// A fresh slot in this domain's CSpace.
capref_t dt_slot(void);

// Retype one object of type (objsize bytes) from the test's RAM into a
// new slot; *out is NULL_CAP on failure (the error is returned).
MUST_CHECK errval_t make(enum objtype type, uint64_t objsize, capref_t *out);

// A copy of src with rights, in a new slot.
MUST_CHECK errval_t copy_cap(capref_t src, uint8_t rights, capref_t *out);

// The physical base of the object a cap names (identify).
MUST_CHECK errval_t dt_cap_base(capref_t cap, uint64_t *pa);

// A zeroed Frame of bytes, mapped writable at a fresh address here.
struct frame {
    capref_t cap;
    void *va;
    uint64_t pa, bytes;
};
MUST_CHECK errval_t dt_frame(uint64_t bytes, struct frame *f);

// Map pages of cap (MAP_* flags) at va, making page tables as needed; the
// pages must lie in one 2 MiB page table.
MUST_CHECK errval_t map_at(uint64_t va, capref_t cap, uint32_t flags, uint64_t pages);

// Device memory [pa, pa + len) mapped uncached, from DEVCN's DevFrames (in
// 64 KiB pieces, each retyped once); NULL if it is not device memory
// below 4 GiB (the error is printed).
void *dev_map(uint64_t pa, uint64_t len);

// Microseconds since boot (TSC); the argument is unused (nvme's clock hook).
uint64_t clock_us(void *arg);

// Wait up to timeout_us for a notification on ep. Errors:
// SYS_ERR_TIMEOUT, or the receive's.
MUST_CHECK errval_t wait_notify(capref_t ep, uint64_t timeout_us, struct lmp_recv_msg *m);

// An endpoint (badge badge) connected to IRQDest vector; *ep receives.
MUST_CHECK errval_t irq_endpoint(unsigned vector, uint64_t badge, capref_t *ep);

const struct bootinfo *bootinfo(void);

/* ---- The machine, as the tests find it ---- */

struct machine {
    struct acpi_mcfg mcfg;
    struct acpi_dmar dmar;
    struct pci_ecam ecam;
    struct pci_cfg cfg;
    struct pci_func funcs[64];
    unsigned nfuncs;
    int igb, nvme; // indices into funcs, -1 if missing
};
