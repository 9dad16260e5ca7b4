/* drivers/pci/ecam.c: configuration space through a mapped ECAM window (PCIe 7.2.2). */
#include <pci/pci_enum.h>
#include <pci/pci_regs.h>

static volatile uint8_t *ecam_at(const struct pci_ecam *e, struct pci_bdf b, uint16_t off)
{
    if (b.bus < e->first_bus || b.bus > e->last_bus)
        return NULL;
    struct pci_bdf rel = {(uint8_t)(b.bus - e->first_bus), b.dev, b.fn};
    return (volatile uint8_t *)e->base + pci_ecam_offset(rel, off);
}

static uint32_t ecam_read(void *arg, struct pci_bdf b, uint16_t off, unsigned size)
{
    volatile uint8_t *p = ecam_at(arg, b, off);
    switch (p ? size : 0) {
    case 1: return *p;
    case 2: return *(volatile uint16_t *)p;
    case 4: return *(volatile uint32_t *)p;
    default: return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    }
}

static void ecam_write(void *arg, struct pci_bdf b, uint16_t off, unsigned size, uint32_t val)
{
    volatile uint8_t *p = ecam_at(arg, b, off);
    if (!p)
        return;
    if (size == 1)
        *p = (uint8_t)val;
    else if (size == 2)
        *(volatile uint16_t *)p = (uint16_t)val;
    else
        *(volatile uint32_t *)p = val;
}

struct pci_cfg pci_ecam_cfg(struct pci_ecam *e)
{
    return (struct pci_cfg){.read = ecam_read, .write = ecam_write, .arg = e};
}

// ---- One function's page: what a driver gets from devmgr ----

static volatile uint8_t *page_at(const struct pci_fn_page *p, struct pci_bdf b, uint16_t off)
{
    if (b.bus != p->bdf.bus || b.dev != p->bdf.dev || b.fn != p->bdf.fn || off >= 4096)
        return NULL;
    return (volatile uint8_t *)p->page + off;
}

static uint32_t page_read(void *arg, struct pci_bdf b, uint16_t off, unsigned size)
{
    volatile uint8_t *p = page_at(arg, b, off);
    switch (p ? size : 0) {
    case 1: return *p;
    case 2: return *(volatile uint16_t *)p;
    case 4: return *(volatile uint32_t *)p;
    default: return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    }
}

static void page_write(void *arg, struct pci_bdf b, uint16_t off, unsigned size, uint32_t val)
{
    volatile uint8_t *p = page_at(arg, b, off);
    if (!p)
        return;
    if (size == 1)
        *p = (uint8_t)val;
    else if (size == 2)
        *(volatile uint16_t *)p = (uint16_t)val;
    else
        *(volatile uint32_t *)p = val;
}

struct pci_cfg pci_page_cfg(struct pci_fn_page *p)
{
    return (struct pci_cfg){.read = page_read, .write = page_write, .arg = p};
}
