/*
 * tests/fuzz/multiboot2.c: the CPU driver's multiboot2 information parser
 * (cpudriver/multiboot2.c, mb2_parse) on any boot information.
 *
 * The parser trusts only the MBI's total_size, so a harness input whose
 * total_size claims more bytes than it has gets it lowered to the input's
 * size (a boot loader's MBI is always as long as it says). Invariants: a
 * rejected MBI says why; an accepted one has every string (command line,
 * loader name, module command lines) NUL-terminated inside the MBI, the
 * RSDP copy inside it, at most BOOT_MAX_REGIONS regions and
 * BOOT_MAX_MODULES modules, no region wrapping, no module ending before it
 * starts, and mbi_size the MBI's size.
 */
#include "fuzz.h"
#include <multiboot2.h>

static bool inside(const void *p, size_t n, const uint8_t *mbi, size_t total)
{
    const uint8_t *b = p;
    return b >= mbi && b <= mbi + total && n <= (size_t)(mbi + total - b);
}

static void check_string(const char *s, const uint8_t *mbi, size_t total, const char *what)
{
    if (s[0] == '\0' && !inside(s, 1, mbi, total))
        return; // the parser's own "" for an absent string
    FUZZ_CHECK(inside(s, 1, mbi, total), "%s outside the MBI", what);
    FUZZ_CHECK(memchr(s, '\0', (size_t)(mbi + total - (const uint8_t *)s)) != NULL,
               "%s not terminated inside the MBI", what);
}

static void check_info(const struct boot_info *bi, const uint8_t *mbi, uint32_t total)
{
    FUZZ_CHECK(bi->mbi_size == total, "mbi_size %u, total_size %u", bi->mbi_size, total);
    check_string(bi->cmdline, mbi, total, "the command line");
    check_string(bi->loader, mbi, total, "the loader name");
    FUZZ_CHECK(bi->n_mmap <= BOOT_MAX_REGIONS && bi->n_modules <= BOOT_MAX_MODULES,
               "%u regions, %u modules", bi->n_mmap, bi->n_modules);
    for (unsigned i = 0; i < bi->n_mmap; i++)
        FUZZ_CHECK(bi->mmap[i].base + bi->mmap[i].len >= bi->mmap[i].base, "region %u wraps", i);
    for (unsigned i = 0; i < bi->n_modules; i++) {
        FUZZ_CHECK(bi->modules[i].start <= bi->modules[i].end, "module %u ends before its start",
                   i);
        check_string(bi->modules[i].cmdline, mbi, total, "a module command line");
    }
    if (bi->rsdp) {
        FUZZ_CHECK(bi->rsdp_tag == MB2_TAG_ACPI_OLD || bi->rsdp_tag == MB2_TAG_ACPI_NEW,
                   "RSDP from tag %d", bi->rsdp_tag);
        FUZZ_CHECK(inside(bi->rsdp, bi->rsdp_len, mbi, total), "the RSDP (%zu bytes) outside",
                   bi->rsdp_len);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 8 || size > (1u << 20))
        return 0;
    // The MBI is 8-byte aligned; the input in a copy that is.
    uint64_t *copy = malloc((size + 7) & ~(size_t)7);
    uint8_t *mbi = (uint8_t *)copy;
    memcpy(mbi, data, size);
    uint32_t total;
    memcpy(&total, mbi, 4);
    if (total > size) {
        total = (uint32_t)size;
        memcpy(mbi, &total, 4);
    }
    struct boot_info bi;
    const char *why = NULL;
    errval_t err = mb2_parse(mbi, &bi, &why);
    if (err_is_fail(err))
        FUZZ_CHECK(err == BOOT_ERR_BAD_MBI && why != NULL, "an error without a reason: %s",
                   err_name(err));
    else
        check_info(&bi, mbi, total);
    free(copy);
    return 0;
}
