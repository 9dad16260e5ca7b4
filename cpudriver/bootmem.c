/* cpudriver/bootmem.c: a region-list allocator for the CPU driver's boot needs. */
#include <base/string.h>
#include <bootmem.h>

#define PAGE_DOWN(x) ((x) & ~(uint64_t)(BOOTMEM_PAGE - 1))
#define PAGE_UP(x)   PAGE_DOWN((x) + BOOTMEM_PAGE - 1)

void bootmem_init(struct bootmem *bm) { memset(bm, 0, sizeof(*bm)); }

static void remove_at(struct bootmem *bm, unsigned i)
{
    memmove(&bm->r[i], &bm->r[i + 1], (bm->n - i - 1) * sizeof(bm->r[0]));
    bm->n--;
}

static MUST_CHECK errval_t insert_at(struct bootmem *bm, unsigned i, uint64_t base, uint64_t end)
{
    if (bm->n == BOOTMEM_MAX_REGIONS)
        return SYS_ERR_NO_MEMORY;
    memmove(&bm->r[i + 1], &bm->r[i], (bm->n - i) * sizeof(bm->r[0]));
    bm->r[i] = (struct bootmem_region){base, end};
    bm->n++;
    return SYS_ERR_OK;
}

// LAB 1 BEGIN bootmem_add
errval_t bootmem_add(struct bootmem *bm, uint64_t base, uint64_t len)
{
    if (base + len < base)
        return SYS_ERR_OVERFLOW;
    uint64_t b = PAGE_UP(base), e = PAGE_DOWN(base + len);
    if (b < base || b >= e)
        return SYS_ERR_OK; // less than a whole page (b < base: base is in the last page)
    // Absorb every range that overlaps or touches [b, e), then insert.
    unsigned i = 0;
    while (i < bm->n && bm->r[i].end < b)
        i++;
    while (i < bm->n && bm->r[i].base <= e) {
        b = bm->r[i].base < b ? bm->r[i].base : b;
        e = bm->r[i].end > e ? bm->r[i].end : e;
        remove_at(bm, i);
    }
    return insert_at(bm, i, b, e);
}
// LAB 1 STUB
// errval_t bootmem_add(struct bootmem *bm, uint64_t base, uint64_t len)
// {
//     // LAB 1: your code here (the contract is in cpudriver/include/bootmem.h;
//     // insert_at and remove_at above are yours to use)
//     (void)bm, (void)base, (void)len, (void)insert_at, (void)remove_at;
//     return SYS_ERR_NOT_IMPLEMENTED;
// }
// LAB 1 END

// LAB 1 BEGIN bootmem_reserve
errval_t bootmem_reserve(struct bootmem *bm, uint64_t base, uint64_t len)
{
    uint64_t b = PAGE_DOWN(base);
    uint64_t e = base + len < base ? UINT64_MAX : PAGE_UP(base + len);
    if (e < b) // PAGE_UP wrapped at the very top
        e = UINT64_MAX;
    for (unsigned i = 0; i < bm->n;) {
        struct bootmem_region *r = &bm->r[i];
        if (r->end <= b || r->base >= e) {
            i++;
            continue;
        }
        if (r->base < b && r->end > e) { // split in two
            uint64_t tail = r->end;
            r->end = b;
            return insert_at(bm, i + 1, e, tail);
        }
        if (r->base >= b && r->end <= e) { // swallowed whole
            remove_at(bm, i);
            continue;
        }
        if (r->base < b)
            r->end = b;
        else
            r->base = e;
        i++;
    }
    return SYS_ERR_OK;
}
// LAB 1 STUB
// errval_t bootmem_reserve(struct bootmem *bm, uint64_t base, uint64_t len)
// {
//     // LAB 1: your code here (the contract is in cpudriver/include/bootmem.h)
//     (void)bm, (void)base, (void)len;
//     return SYS_ERR_NOT_IMPLEMENTED;
// }
// LAB 1 END

errval_t bootmem_alloc(struct bootmem *bm, uint64_t size, uint64_t align, uint64_t *out)
{
    if (size == 0 || size > UINT64_MAX - BOOTMEM_PAGE || align < BOOTMEM_PAGE ||
        (align & (align - 1)))
        return SYS_ERR_INVALID_ARGS;
    size = PAGE_UP(size);
    for (unsigned i = 0; i < bm->n; i++) {
        struct bootmem_region *r = &bm->r[i];
        uint64_t a = (r->base + align - 1) & ~(align - 1);
        if (a < r->base || a >= r->end || r->end - a < size)
            continue;
        // Take [a, a+size); a gap below a stays free as its own range.
        errval_t err = bootmem_reserve(bm, a, size);
        if (err_is_fail(err))
            return err;
        bm->allocated += size;
        *out = a;
        return SYS_ERR_OK;
    }
    return SYS_ERR_NO_MEMORY;
}

uint64_t bootmem_free_bytes(const struct bootmem *bm)
{
    uint64_t sum = 0;
    for (unsigned i = 0; i < bm->n; i++)
        sum += bm->r[i].end - bm->r[i].base;
    return sum;
}
