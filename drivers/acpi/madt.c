/* drivers/acpi/madt.c: parse the MADT (ACPI 6.5 5.2.12), checking every entry first. */
#include <acpi/madt.h>
#include <acpi/spec.h>
#include <base/string.h>

bool acpi_inti_decode(uint16_t flags, enum acpi_polarity *polarity, enum acpi_trigger *trigger)
{
    static const enum acpi_polarity pol[] = {ACPI_POLARITY_CONFORMS, ACPI_POLARITY_HIGH, 0,
                                             ACPI_POLARITY_LOW};
    static const enum acpi_trigger trig[] = {ACPI_TRIGGER_CONFORMS, ACPI_TRIGGER_EDGE, 0,
                                             ACPI_TRIGGER_LEVEL};
    unsigned p = flags & ACPI_INTI_POLARITY_MASK;
    unsigned t = (flags & ACPI_INTI_TRIGGER_MASK) >> ACPI_INTI_TRIGGER_SHIFT;
    if (p == ACPI_INTI_RESERVED_VALUE || t == ACPI_INTI_RESERVED_VALUE)
        return false;
    *polarity = pol[p];
    *trigger = trig[t];
    return true;
}

static MUST_CHECK errval_t add_cpu(struct acpi_madt *m, uint32_t uid, uint32_t apic_id,
                                   uint32_t flags, bool x2apic, const char **why)
{
    if (m->ncpus == ACPI_MADT_MAX_CPUS) {
        *why = "more processors than ACPI_MADT_MAX_CPUS";
        return ACPI_ERR_TOO_MANY;
    }
    m->cpus[m->ncpus++] = (struct acpi_madt_cpu){
        .uid = uid,
        .apic_id = apic_id,
        .enabled = flags & ACPI_MADT_ENABLED,
        .online_capable = flags & ACPI_MADT_ONLINE_CAPABLE,
        .x2apic = x2apic,
    };
    return SYS_ERR_OK;
}

static MUST_CHECK errval_t add_ioapic(struct acpi_madt *m, const struct acpi_madt_ioapic_entry *e,
                                      const char **why)
{
    if (m->nioapics == ACPI_MADT_MAX_IOAPICS) {
        *why = "more IOAPICs than ACPI_MADT_MAX_IOAPICS";
        return ACPI_ERR_TOO_MANY;
    }
    m->ioapics[m->nioapics++] =
        (struct acpi_madt_ioapic){.id = e->id, .addr = e->addr, .gsi_base = e->gsi_base};
    return SYS_ERR_OK;
}

static MUST_CHECK errval_t add_override(struct acpi_madt *m,
                                        const struct acpi_madt_override_entry *e, const char **why)
{
    struct acpi_madt_override o = {
        .bus = e->bus, .source = e->source, .gsi = e->gsi, .flags = e->flags};
    if (!acpi_inti_decode(o.flags, &o.polarity, &o.trigger)) {
        *why = "interrupt source override has reserved polarity or trigger flags";
        return SYS_ERR_CORRUPT;
    }
    if (m->noverrides == ACPI_MADT_MAX_OVERRIDES) {
        *why = "more interrupt source overrides than ACPI_MADT_MAX_OVERRIDES";
        return ACPI_ERR_TOO_MANY;
    }
    m->overrides[m->noverrides++] = o;
    return SYS_ERR_OK;
}

static MUST_CHECK errval_t add_nmi(struct acpi_madt *m, struct acpi_madt_nmi n, const char **why)
{
    if (!acpi_inti_decode(n.flags, &n.polarity, &n.trigger)) {
        *why = "NMI entry has reserved polarity or trigger flags";
        return SYS_ERR_CORRUPT;
    }
    if (!n.source && n.lint > 1) {
        *why = "local APIC NMI names a LINT pin other than 0 or 1";
        return SYS_ERR_CORRUPT;
    }
    if (m->nnmis == ACPI_MADT_MAX_NMIS) {
        *why = "more NMI entries than ACPI_MADT_MAX_NMIS";
        return ACPI_ERR_TOO_MANY;
    }
    m->nmis[m->nnmis++] = n;
    return SYS_ERR_OK;
}

// The minimum length of each entry type parsed; 0 for types left alone.
static size_t entry_min_len(uint8_t type)
{
    switch (type) {
    case ACPI_MADT_LAPIC: return sizeof(struct acpi_madt_lapic_entry);
    case ACPI_MADT_IOAPIC: return sizeof(struct acpi_madt_ioapic_entry);
    case ACPI_MADT_OVERRIDE: return sizeof(struct acpi_madt_override_entry);
    case ACPI_MADT_NMI_SOURCE: return sizeof(struct acpi_madt_nmi_source_entry);
    case ACPI_MADT_LAPIC_NMI: return sizeof(struct acpi_madt_lapic_nmi_entry);
    case ACPI_MADT_LAPIC_OVERRIDE: return sizeof(struct acpi_madt_lapic_override_entry);
    case ACPI_MADT_X2APIC: return sizeof(struct acpi_madt_x2apic_entry);
    case ACPI_MADT_X2APIC_NMI: return sizeof(struct acpi_madt_x2apic_nmi_entry);
    default: return 0;
    }
}

// One entry whose length has been checked against its type's layout.
static MUST_CHECK errval_t parse_entry(struct acpi_madt *m, const struct acpi_madt_entry *e,
                                       const char **why)
{
    const void *p = e;
    switch (e->type) {
    case ACPI_MADT_LAPIC: {
        const struct acpi_madt_lapic_entry *l = p;
        return add_cpu(m, l->uid, l->apic_id, l->flags, false, why);
    }
    case ACPI_MADT_X2APIC: {
        const struct acpi_madt_x2apic_entry *x = p;
        return add_cpu(m, x->uid, x->x2apic_id, x->flags, true, why);
    }
    case ACPI_MADT_IOAPIC: return add_ioapic(m, p, why);
    case ACPI_MADT_OVERRIDE: return add_override(m, p, why);
    case ACPI_MADT_NMI_SOURCE: {
        const struct acpi_madt_nmi_source_entry *s = p;
        return add_nmi(m, (struct acpi_madt_nmi){.source = true, .gsi = s->gsi, .flags = s->flags},
                       why);
    }
    case ACPI_MADT_LAPIC_NMI: {
        const struct acpi_madt_lapic_nmi_entry *n = p;
        return add_nmi(m,
                       (struct acpi_madt_nmi){.all_cpus = n->uid == ACPI_MADT_ALL_UIDS8,
                                              .uid = n->uid,
                                              .lint = n->lint,
                                              .flags = n->flags},
                       why);
    }
    case ACPI_MADT_X2APIC_NMI: {
        const struct acpi_madt_x2apic_nmi_entry *n = p;
        return add_nmi(m,
                       (struct acpi_madt_nmi){.all_cpus = n->uid == ACPI_MADT_ALL_UIDS32,
                                              .uid = n->uid,
                                              .lint = n->lint,
                                              .flags = n->flags},
                       why);
    }
    case ACPI_MADT_LAPIC_OVERRIDE:
        m->lapic_addr = ((const struct acpi_madt_lapic_override_entry *)p)->addr;
        return SYS_ERR_OK;
    default: m->nskipped++; return SYS_ERR_OK;
    }
}

errval_t acpi_madt_parse(const void *table, size_t len, struct acpi_madt *m, const char **why)
{
    memset(m, 0, sizeof(*m));
    errval_t err = acpi_table_check(table, len, "APIC", sizeof(struct acpi_madt_header), why);
    if (err_is_fail(err))
        return err;
    const struct acpi_madt_header *h = table;
    m->lapic_addr = h->lapic_addr;
    m->pcat_compat = h->flags & ACPI_MADT_PCAT_COMPAT;

    const uint8_t *base = table;
    for (size_t off = sizeof(*h); off < h->sdt.length;) {
        // Two bytes of type and length must fit before they are read.
        if (h->sdt.length - off < sizeof(struct acpi_madt_entry)) {
            *why = "MADT ends inside an entry header";
            return SYS_ERR_CORRUPT;
        }
        const struct acpi_madt_entry *e = (const void *)(base + off);
        if (e->length < sizeof(*e) || e->length > h->sdt.length - off) {
            *why = "MADT entry length is below 2 or runs past the table";
            return SYS_ERR_CORRUPT;
        }
        if (e->length < entry_min_len(e->type)) {
            *why = "MADT entry is shorter than its type's layout";
            return SYS_ERR_CORRUPT;
        }
        if (err_is_fail(err = parse_entry(m, e, why)))
            return err;
        off += e->length;
    }
    return SYS_ERR_OK;
}

void acpi_madt_isa_irq(const struct acpi_madt *m, uint8_t irq, uint32_t *gsi,
                       enum acpi_polarity *polarity, enum acpi_trigger *trigger)
{
    *gsi = irq;
    *polarity = ACPI_POLARITY_HIGH;
    *trigger = ACPI_TRIGGER_EDGE;
    for (unsigned i = 0; i < m->noverrides; i++) {
        const struct acpi_madt_override *o = &m->overrides[i];
        if (o->bus != 0 || o->source != irq)
            continue;
        *gsi = o->gsi;
        // "Conforms" means the bus's own convention, which for ISA is the default.
        if (o->polarity != ACPI_POLARITY_CONFORMS)
            *polarity = o->polarity;
        if (o->trigger != ACPI_TRIGGER_CONFORMS)
            *trigger = o->trigger;
        return;
    }
}
