/* lib/base/include/base/mmio.h: device register access through an accessor, direct or modelled. */
#pragma once

#include <stdint.h>

// How a driver reaches one device's registers: byte offsets from the
// register block's base. Drivers take this instead of a pointer so that
// the same code runs on a mapped device (mmio_direct) and, in host unit
// tests, on a model of the device that reacts to writes.
struct mmio {
    uint32_t (*read32)(void *arg, uint32_t off);
    uint64_t (*read64)(void *arg, uint32_t off);
    void (*write32)(void *arg, uint32_t off, uint32_t val);
    void (*write64)(void *arg, uint32_t off, uint64_t val);
    void *arg;
};

static inline uint32_t mmio_read32(const struct mmio *m, uint32_t off)
{
    return m->read32(m->arg, off);
}
static inline uint64_t mmio_read64(const struct mmio *m, uint32_t off)
{
    return m->read64(m->arg, off);
}
static inline void mmio_write32(const struct mmio *m, uint32_t off, uint32_t v)
{
    m->write32(m->arg, off, v);
}
static inline void mmio_write64(const struct mmio *m, uint32_t off, uint64_t v)
{
    m->write64(m->arg, off, v);
}

// Direct access: every access is one load or store of its width (devices
// such as VT-d act on a 64-bit register only when written whole).
static inline uint32_t mmio_direct_read32(void *base, uint32_t off)
{
    return *(volatile uint32_t *)((volatile uint8_t *)base + off);
}
static inline uint64_t mmio_direct_read64(void *base, uint32_t off)
{
    return *(volatile uint64_t *)((volatile uint8_t *)base + off);
}
static inline void mmio_direct_write32(void *base, uint32_t off, uint32_t v)
{
    *(volatile uint32_t *)((volatile uint8_t *)base + off) = v;
}
static inline void mmio_direct_write64(void *base, uint32_t off, uint64_t v)
{
    *(volatile uint64_t *)((volatile uint8_t *)base + off) = v;
}

// An accessor for registers mapped (uncached) at base.
static inline struct mmio mmio_direct(void *base)
{
    return (struct mmio){mmio_direct_read32, mmio_direct_read64, mmio_direct_write32,
                         mmio_direct_write64, base};
}
