/* drivers/acpi/include/acpi/dmar.h: the DMAR decoded: VT-d units, device scopes, reserved regions.
 */
#pragma once

#include <kpi/errors.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// Fixed capacities: a table with more is refused with ACPI_ERR_TOO_MANY.
#define ACPI_DMAR_MAX_DRHDS  8
#define ACPI_DMAR_MAX_RMRRS  8
#define ACPI_DMAR_MAX_ATSRS  4
#define ACPI_DMAR_MAX_SCOPES 64 // device scopes of all structures together
#define ACPI_DMAR_MAX_PATH   8  // hops of one scope's path

// Device scope types (VT-d 3.x 8.3.1, Table 8-10).
enum acpi_dmar_scope_type {
    ACPI_DMAR_SCOPE_ENDPOINT = 1,  // a PCI endpoint
    ACPI_DMAR_SCOPE_BRIDGE = 2,    // a PCI bridge and every device below it
    ACPI_DMAR_SCOPE_IOAPIC = 3,    // enum_id is the IOAPIC ID
    ACPI_DMAR_SCOPE_HPET = 4,      // enum_id is the HPET number
    ACPI_DMAR_SCOPE_NAMESPACE = 5, // enum_id is the ACPI device number
};

struct acpi_dmar_hop {
    uint8_t dev, fn;
};

// A device scope: start at start_bus; each hop but the last is a bridge on
// the current bus whose secondary bus is the next current bus; the last hop
// is the device (its requester ID is the one the IOMMU sees).
struct acpi_dmar_scope {
    enum acpi_dmar_scope_type type;
    uint8_t enum_id;
    uint8_t start_bus;
    uint8_t npath;
    struct acpi_dmar_hop path[ACPI_DMAR_MAX_PATH];
};

// A remapping unit (DRHD, 8.3). Its scopes are scopes[first_scope ..
// first_scope + nscopes) of struct acpi_dmar.
struct acpi_dmar_drhd {
    uint64_t reg_base;
    uint16_t segment;
    bool include_pci_all; // also every device of the segment no other unit lists
    uint8_t size;         // register set spans 2^size 4-KiB pages
    unsigned first_scope, nscopes;
};

// A reserved memory region (RMRR, 8.4) that the listed devices may DMA to
// (identity-mapped): [base, limit], limit inclusive.
struct acpi_dmar_rmrr {
    uint16_t segment;
    uint64_t base, limit;
    unsigned first_scope, nscopes;
};

// Root ports with ATS (ATSR, 8.5).
struct acpi_dmar_atsr {
    uint16_t segment;
    bool all_ports;
    unsigned first_scope, nscopes;
};

struct acpi_dmar {
    unsigned haw; // host address width in bits (the table's field + 1)
    uint8_t flags;
    bool intr_remap;     // interrupt remapping supported
    bool x2apic_opt_out; // firmware asks the OS not to use x2APIC mode
    unsigned ndrhds, nrmrrs, natsrs, nscopes;
    unsigned nskipped; // structures or scopes of types not parsed
    struct acpi_dmar_drhd drhds[ACPI_DMAR_MAX_DRHDS];
    struct acpi_dmar_rmrr rmrrs[ACPI_DMAR_MAX_RMRRS];
    struct acpi_dmar_atsr atsrs[ACPI_DMAR_MAX_ATSRS];
    struct acpi_dmar_scope scopes[ACPI_DMAR_MAX_SCOPES];
};

// Parse the DMAR in the len readable bytes at table into *d. Checks the
// table (signature, length, checksum), the host address width, every
// structure's length against its type and the table's end, every scope's
// length against its structure, path hops (device <= 31, function <= 7),
// register bases and RMRR bounds for alignment. Errors: SYS_ERR_CORRUPT
// (*why says what), ACPI_ERR_TOO_MANY (a capacity above, including a path
// longer than ACPI_DMAR_MAX_PATH); *d must then not be used.
MUST_CHECK errval_t acpi_dmar_parse(const void *table, size_t len, struct acpi_dmar *d,
                                    const char **why);

// The secondary and subordinate bus numbers of the PCI bridge at
// (segment, bus, dev, fn); an error if there is no bridge there.
struct acpi_bridge_buses {
    uint8_t secondary, subordinate;
};
typedef errval_t (*acpi_bridge_fn)(void *arg, uint16_t segment, uint8_t bus, uint8_t dev,
                                   uint8_t fn, struct acpi_bridge_buses *out);

// Walk the path of a PCI scope (endpoint or bridge) from its start bus,
// asking bridge() for the secondary bus at each intermediate hop, to the
// bus/dev/fn of the scope's device. Errors: SYS_ERR_INVALID_ARGS (not a
// PCI scope, or an empty path); ACPI_ERR_SCOPE_UNRESOLVED pushed on
// bridge()'s error when a hop is not a bridge.
MUST_CHECK errval_t acpi_dmar_scope_resolve(const struct acpi_dmar_scope *s, uint16_t segment,
                                            acpi_bridge_fn bridge, void *arg, uint8_t *bus,
                                            uint8_t *dev, uint8_t *fn);

// The remapping unit (index into d->drhds) that translates DMA from PCI
// function (segment, bus, dev, fn) (VT-d 8.3): the unit whose scopes list it
// as an endpoint, or as a bridge it is or lies below; else the segment's
// INCLUDE_PCI_ALL unit. Errors: SYS_ERR_NOT_FOUND (no unit covers it),
// or a scope's resolution error.
MUST_CHECK errval_t acpi_dmar_unit_for(const struct acpi_dmar *d, uint16_t segment, uint8_t bus,
                                       uint8_t dev, uint8_t fn, acpi_bridge_fn bridge, void *arg,
                                       unsigned *unit);
