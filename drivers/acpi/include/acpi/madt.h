/* drivers/acpi/include/acpi/madt.h: the MADT decoded: processors, IOAPICs, overrides, NMIs. */
#pragma once

#include <kpi/errors.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// Fixed capacities: a table with more entries of a kind is refused with
// ACPI_ERR_TOO_MANY rather than truncated.
#define ACPI_MADT_MAX_CPUS      64
#define ACPI_MADT_MAX_IOAPICS   8
#define ACPI_MADT_MAX_OVERRIDES 16
#define ACPI_MADT_MAX_NMIS      16

enum acpi_polarity {
    ACPI_POLARITY_CONFORMS, // as the bus says (ISA: active high)
    ACPI_POLARITY_HIGH,
    ACPI_POLARITY_LOW,
};

enum acpi_trigger {
    ACPI_TRIGGER_CONFORMS, // as the bus says (ISA: edge)
    ACPI_TRIGGER_EDGE,
    ACPI_TRIGGER_LEVEL,
};

// A processor, from a local APIC (type 0) or a local x2APIC (type 9) entry.
struct acpi_madt_cpu {
    uint32_t uid;     // ACPI Processor UID
    uint32_t apic_id; // (x2)APIC ID
    bool enabled;     // usable now
    bool online_capable;
    bool x2apic; // from an x2APIC entry
};

struct acpi_madt_ioapic {
    uint8_t id;
    uint32_t addr;
    uint32_t gsi_base;
};

// An interrupt source override: bus IRQ source -> GSI with its signalling.
struct acpi_madt_override {
    uint8_t bus; // 0: ISA
    uint8_t source;
    uint32_t gsi;
    uint16_t flags; // raw MPS INTI flags
    enum acpi_polarity polarity;
    enum acpi_trigger trigger;
};

// A non-maskable interrupt: a local APIC LINT pin (types 4 and 10), or an
// IOAPIC input (type 3, source true) that is wired to NMI.
struct acpi_madt_nmi {
    bool source;   // NMI source (gsi valid) rather than local APIC NMI
    bool all_cpus; // local APIC NMI for every processor
    uint32_t uid;  // processor UID, when !all_cpus
    uint8_t lint;  // local APIC NMI: LINT0 or LINT1
    uint32_t gsi;  // NMI source: the GSI
    uint16_t flags;
    enum acpi_polarity polarity;
    enum acpi_trigger trigger;
};

struct acpi_madt {
    uint64_t lapic_addr; // the header's, or a Local APIC Address Override's
    bool pcat_compat;    // legacy 8259s present (to be masked)
    unsigned ncpus, nioapics, noverrides, nnmis;
    unsigned nskipped; // entries of other types, left alone
    struct acpi_madt_cpu cpus[ACPI_MADT_MAX_CPUS];
    struct acpi_madt_ioapic ioapics[ACPI_MADT_MAX_IOAPICS];
    struct acpi_madt_override overrides[ACPI_MADT_MAX_OVERRIDES];
    struct acpi_madt_nmi nmis[ACPI_MADT_MAX_NMIS];
};

// Parse the MADT in the len readable bytes at table into *m. Checks the
// table (signature "APIC", length, checksum), every entry's length against
// its type and the table's end, and every flag field for reserved values.
// Errors: SYS_ERR_CORRUPT (*why says what), ACPI_ERR_TOO_MANY (*why says
// which kind); *m is then incomplete and must not be used.
MUST_CHECK errval_t acpi_madt_parse(const void *table, size_t len, struct acpi_madt *m,
                                    const char **why);

// The GSI, polarity and trigger mode of ISA IRQ irq: the override's if the
// MADT has one, else identity-mapped, active high, edge-triggered.
void acpi_madt_isa_irq(const struct acpi_madt *m, uint8_t irq, uint32_t *gsi,
                       enum acpi_polarity *polarity, enum acpi_trigger *trigger);

// The polarity and trigger mode encoded in MPS INTI flags; false if either
// field holds the reserved value 10b.
bool acpi_inti_decode(uint16_t flags, enum acpi_polarity *polarity, enum acpi_trigger *trigger);
