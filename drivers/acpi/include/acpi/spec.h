/* drivers/acpi/include/acpi/spec.h: byte layouts of the MADT, MCFG and DMAR tables. */
#pragma once

#include <acpi/tables.h>
#include <stdint.h>

// All structures are packed and may sit at any byte offset: parsers bound
// every access by the table and entry lengths before casting.

/* ---- MADT, "APIC" (ACPI 6.5 5.2.12) ---- */

struct acpi_madt_header {
    struct acpi_sdt_header sdt;
    uint32_t lapic_addr; // 32-bit local APIC base of every processor
    uint32_t flags;      // ACPI_MADT_PCAT_COMPAT
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_header) == 44, "MADT header layout");
#define ACPI_MADT_PCAT_COMPAT (1u << 0) // dual 8259s present (Table 5.20)

// Every interrupt controller structure starts with type and length (5.2.12).
struct acpi_madt_entry {
    uint8_t type;
    uint8_t length; // whole entry, these two bytes included
} __attribute__((packed));

#define ACPI_MADT_LAPIC          0x0 // 5.2.12.2
#define ACPI_MADT_IOAPIC         0x1 // 5.2.12.3
#define ACPI_MADT_OVERRIDE       0x2 // 5.2.12.5 Interrupt Source Override
#define ACPI_MADT_NMI_SOURCE     0x3 // 5.2.12.6
#define ACPI_MADT_LAPIC_NMI      0x4 // 5.2.12.7
#define ACPI_MADT_LAPIC_OVERRIDE 0x5 // 5.2.12.8 Local APIC Address Override
#define ACPI_MADT_X2APIC         0x9 // 5.2.12.12
#define ACPI_MADT_X2APIC_NMI     0xa // 5.2.12.13

// Local APIC flags (Table 5.23), shared by x2APIC entries.
#define ACPI_MADT_ENABLED        (1u << 0)
#define ACPI_MADT_ONLINE_CAPABLE (1u << 1) // may be enabled at run time (if !ENABLED)

// MPS INTI flags (Table 5.26): polarity in bits 1:0, trigger mode in 3:2.
#define ACPI_INTI_POLARITY_MASK  0x3u
#define ACPI_INTI_POLARITY_HIGH  0x1u
#define ACPI_INTI_POLARITY_LOW   0x3u
#define ACPI_INTI_TRIGGER_SHIFT  2
#define ACPI_INTI_TRIGGER_MASK   0xcu
#define ACPI_INTI_TRIGGER_EDGE   0x4u
#define ACPI_INTI_TRIGGER_LEVEL  0xcu
#define ACPI_INTI_RESERVED_VALUE 0x2u // 10b in either field

struct acpi_madt_lapic_entry {
    struct acpi_madt_entry h; // length 8
    uint8_t uid;              // ACPI Processor UID
    uint8_t apic_id;
    uint32_t flags;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_lapic_entry) == 8, "MADT local APIC layout");

struct acpi_madt_ioapic_entry {
    struct acpi_madt_entry h; // length 12
    uint8_t id;
    uint8_t reserved;
    uint32_t addr;     // physical MMIO base
    uint32_t gsi_base; // first global system interrupt of its inputs
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_ioapic_entry) == 12, "MADT IOAPIC layout");

struct acpi_madt_override_entry {
    struct acpi_madt_entry h; // length 10
    uint8_t bus;              // 0: ISA
    uint8_t source;           // bus-relative IRQ
    uint32_t gsi;
    uint16_t flags; // MPS INTI
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_override_entry) == 10, "MADT override layout");

struct acpi_madt_nmi_source_entry {
    struct acpi_madt_entry h; // length 8
    uint16_t flags;           // MPS INTI
    uint32_t gsi;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_nmi_source_entry) == 8, "MADT NMI source layout");

struct acpi_madt_lapic_nmi_entry {
    struct acpi_madt_entry h; // length 6
    uint8_t uid;              // 0xff: all processors
    uint16_t flags;           // MPS INTI
    uint8_t lint;             // LINT0 or LINT1
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_lapic_nmi_entry) == 6, "MADT local APIC NMI layout");
#define ACPI_MADT_ALL_UIDS8 0xffu

struct acpi_madt_lapic_override_entry {
    struct acpi_madt_entry h; // length 12
    uint16_t reserved;
    uint64_t addr; // 64-bit local APIC base, replaces the header's
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_lapic_override_entry) == 12, "MADT LAPIC override layout");

struct acpi_madt_x2apic_entry {
    struct acpi_madt_entry h; // length 16
    uint16_t reserved;
    uint32_t x2apic_id;
    uint32_t flags;
    uint32_t uid;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_x2apic_entry) == 16, "MADT x2APIC layout");

struct acpi_madt_x2apic_nmi_entry {
    struct acpi_madt_entry h; // length 12
    uint16_t flags;           // MPS INTI
    uint32_t uid;             // 0xffffffff: all processors
    uint8_t lint;
    uint8_t reserved[3];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_x2apic_nmi_entry) == 12, "MADT x2APIC NMI layout");
#define ACPI_MADT_ALL_UIDS32 0xffffffffu

/* ---- MCFG (PCI Firmware Specification 3.2, 4.1.2) ---- */

struct acpi_mcfg_header {
    struct acpi_sdt_header sdt;
    uint8_t reserved[8];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_mcfg_header) == 44, "MCFG header layout");

// One ECAM region (Table 4-3). base is the address of bus 0 of the segment
// even when start_bus is not 0: bus b lives at base + (b << 20).
struct acpi_mcfg_entry {
    uint64_t base;
    uint16_t segment;
    uint8_t start_bus;
    uint8_t end_bus;
    uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_mcfg_entry) == 16, "MCFG allocation layout");

/* ---- DMAR (Intel VT-d specification 3.x, chapter 8) ---- */

struct acpi_dmar_header {
    struct acpi_sdt_header sdt;
    uint8_t haw; // host address width - 1 (8.1)
    uint8_t flags;
    uint8_t reserved[10];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_dmar_header) == 48, "DMAR header layout");
#define ACPI_DMAR_INTR_REMAP      (1u << 0) // 8.1: interrupt remapping supported
#define ACPI_DMAR_X2APIC_OPT_OUT  (1u << 1) // firmware asks the OS not to use x2APIC
#define ACPI_DMAR_DMA_CTRL_OPT_IN (1u << 2) // platform opts in to DMA control

// Every remapping structure starts with type and length (8.2).
struct acpi_dmar_entry {
    uint16_t type;
    uint16_t length; // whole structure, scopes included
} __attribute__((packed));
#define ACPI_DMAR_DRHD 0 // 8.3 DMA Remapping Hardware Unit Definition
#define ACPI_DMAR_RMRR 1 // 8.4 Reserved Memory Region Reporting
#define ACPI_DMAR_ATSR 2 // 8.5 Root Port ATS Capability Reporting
#define ACPI_DMAR_RHSA 3 // 8.6 Remapping Hardware Static Affinity (not parsed)
#define ACPI_DMAR_ANDD 4 // 8.7 ACPI Name-space Device Declaration (not parsed)

struct acpi_dmar_drhd_entry {
    struct acpi_dmar_entry h;
    uint8_t flags; // ACPI_DRHD_INCLUDE_PCI_ALL
    uint8_t size;  // bits 3:0: register set is 2^N 4-KiB pages (3.x)
    uint16_t segment;
    uint64_t reg_base; // 4-KiB aligned
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_dmar_drhd_entry) == 16, "DRHD layout");
#define ACPI_DRHD_INCLUDE_PCI_ALL (1u << 0) // every PCI device of the segment not listed elsewhere
#define ACPI_DRHD_SIZE_MASK       0xfu

struct acpi_dmar_rmrr_entry {
    struct acpi_dmar_entry h;
    uint16_t reserved;
    uint16_t segment;
    uint64_t base;  // 4-KiB aligned
    uint64_t limit; // last byte (inclusive); limit + 1 is 4-KiB aligned
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_dmar_rmrr_entry) == 24, "RMRR layout");

struct acpi_dmar_atsr_entry {
    struct acpi_dmar_entry h;
    uint8_t flags; // ACPI_ATSR_ALL_PORTS
    uint8_t reserved;
    uint16_t segment;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_dmar_atsr_entry) == 8, "ATSR layout");
#define ACPI_ATSR_ALL_PORTS (1u << 0)

// Device scope (8.3.1), followed by (length - 6) / 2 path entries: the
// (device, function) of each hop from start_bus down to the device.
struct acpi_dmar_scope_entry {
    uint8_t type;
    uint8_t length;
    uint8_t flags;
    uint8_t reserved;
    uint8_t enum_id; // IOAPIC ID, HPET number or ACPI device number
    uint8_t start_bus;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_dmar_scope_entry) == 6, "device scope layout");

struct acpi_dmar_path_entry {
    uint8_t dev;
    uint8_t fn;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_dmar_path_entry) == 2, "device scope path layout");
