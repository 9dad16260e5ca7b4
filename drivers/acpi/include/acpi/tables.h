/* drivers/acpi/include/acpi/tables.h: find and validate ACPI tables (ACPI 6.5 ch. 5). */
#pragma once

#include <kpi/errors.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// Root System Description Pointer (ACPI 6.5 5.2.5.3). Revision 0 has only
// the first 20 bytes (RSDT); revision 2+ adds the XSDT and an extended checksum.
struct acpi_rsdp {
    char signature[8]; // "RSD PTR "
    uint8_t checksum;  // over the first 20 bytes
    char oem_id[6];
    uint8_t revision;
    uint32_t rsdt_addr;
    uint32_t length; // revision 2+: whole structure
    uint64_t xsdt_addr;
    uint8_t ext_checksum;
    uint8_t reserved[3];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP layout");
#define ACPI_RSDP_V1_LEN 20

// Header of every System Description Table (ACPI 6.5 5.2.6).
struct acpi_sdt_header {
    char signature[4];
    uint32_t length; // whole table, header included
    uint8_t revision;
    uint8_t checksum; // all bytes of the table sum to 0
    char oem_id[6];
    char oem_table_id[8];
    uint32_t oem_revision;
    uint32_t creator_id;
    uint32_t creator_revision;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_sdt_header) == 36, "SDT header layout");

// Give readable memory for physical range [pa, pa+len), or NULL if it cannot
// be mapped. The kernel passes its physmap; user space maps a DevFrame; host
// tests serve captured table bytes.
typedef const void *(*acpi_map_fn)(void *arg, uint64_t pa, size_t len);

struct acpi_tables {
    acpi_map_fn map;
    void *arg;
    const struct acpi_sdt_header *root; // RSDT or XSDT, validated
    bool xsdt;                          // entries are 64-bit
    unsigned count;                     // entries in the root table
};

// Sum of len bytes modulo 256 is zero.
bool acpi_checksum_ok(const void *p, size_t len);

// Check that the len readable bytes at table hold a whole table with
// signature sig: its header length at least min_len and at most len, and its
// checksum right. The table parsers (MADT, MCFG, DMAR) start with this.
// Errors: SYS_ERR_CORRUPT with *why saying what was wrong.
MUST_CHECK errval_t acpi_table_check(const void *table, size_t len, const char *sig, size_t min_len,
                                     const char **why);

// Validate the RSDP (len bytes at rsdp: signature, checksum, and for
// revision 2+ length and extended checksum), then map and validate the
// XSDT (if present and valid) or the RSDT. Errors: SYS_ERR_CORRUPT with
// *why saying what was wrong; SYS_ERR_NOT_FOUND if the root cannot be mapped.
MUST_CHECK errval_t acpi_tables_init(struct acpi_tables *t, const void *rsdp, size_t len,
                                     acpi_map_fn map, void *arg, const char **why);

// Entry i of the root table: its physical address, and the mapped table if
// its header and checksum are valid (SYS_ERR_CORRUPT otherwise, so a corrupt
// table is reported and skipped, never trusted).
MUST_CHECK errval_t acpi_table_get(const struct acpi_tables *t, unsigned i, uint64_t *pa,
                                   const struct acpi_sdt_header **out);

// The n-th valid table (0-based) with the 4-character signature sig, or
// SYS_ERR_NOT_FOUND.
MUST_CHECK errval_t acpi_table_find(const struct acpi_tables *t, const char *sig, unsigned n,
                                    const struct acpi_sdt_header **out);
