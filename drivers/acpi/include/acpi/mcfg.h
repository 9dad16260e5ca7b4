/* drivers/acpi/include/acpi/mcfg.h: the MCFG decoded: PCIe ECAM regions. */
#pragma once

#include <kpi/errors.h>
#include <stddef.h>
#include <stdint.h>

#define ACPI_MCFG_MAX 8 // ECAM regions kept; more is ACPI_ERR_TOO_MANY

// One ECAM region: config space of bus b (start_bus <= b <= end_bus) of the
// segment is at base + (b << 20), as PCI Firmware 3.2 4.1.2 defines base.
struct acpi_mcfg_region {
    uint64_t base;
    uint16_t segment;
    uint8_t start_bus, end_bus;
};

struct acpi_mcfg {
    unsigned n;
    struct acpi_mcfg_region regions[ACPI_MCFG_MAX];
};

// Parse the MCFG in the len readable bytes at table. Checks the table
// (signature, length, checksum), that its length is a whole number of
// allocations, and each allocation: start_bus <= end_bus, base aligned to
// 1 MiB, no address overflow, no two regions of one segment sharing a bus.
// Errors: SYS_ERR_CORRUPT (*why says what), ACPI_ERR_TOO_MANY.
MUST_CHECK errval_t acpi_mcfg_parse(const void *table, size_t len, struct acpi_mcfg *m,
                                    const char **why);

// The ECAM region holding bus of segment, or SYS_ERR_NOT_FOUND.
MUST_CHECK errval_t acpi_mcfg_find(const struct acpi_mcfg *m, uint16_t segment, uint8_t bus,
                                   const struct acpi_mcfg_region **out);
