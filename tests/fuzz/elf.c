/*
 * tests/fuzz/elf.c: the ELF loader's reader (lib/base/elf.c, elf_parse),
 * which the CPU driver runs on init's image and spawn on every program
 * file, on any bytes.
 *
 * Invariants, for each address limit its callers use and for the widest
 * one: a rejected image says why; an accepted one has 1 to
 * ELF_MAX_SEGMENTS segments, each with its file bytes inside the image
 * (they are read here, so AddressSanitizer would see a byte outside),
 * filesz <= memsz, no wrap, its end at most the limit; the segments sorted,
 * none sharing a page with the one before; the entry point inside an
 * executable segment.
 */
#include "fuzz.h"
#include <base/elf.h>

#define PAGE 4096ull

static void check_image(const uint8_t *data, size_t size, const struct elf_image *im,
                        uint64_t limit)
{
    FUZZ_CHECK(im->n_segments >= 1 && im->n_segments <= ELF_MAX_SEGMENTS, "%u segments",
               im->n_segments);
    bool entry_ok = false;
    for (unsigned i = 0; i < im->n_segments; i++) {
        const struct elf_segment *s = &im->seg[i];
        FUZZ_CHECK(s->filesz <= s->memsz && s->memsz > 0, "segment %u: filesz %llu memsz %llu", i,
                   (unsigned long long)s->filesz, (unsigned long long)s->memsz);
        FUZZ_CHECK(s->offset <= size && size - s->offset >= s->filesz,
                   "segment %u: file bytes outside the image", i);
        FUZZ_CHECK(s->vaddr + s->memsz >= s->vaddr && s->vaddr + s->memsz <= limit,
                   "segment %u: [%#llx, +%#llx) past the limit %#llx", i,
                   (unsigned long long)s->vaddr, (unsigned long long)s->memsz,
                   (unsigned long long)limit);
        uint8_t sum = 0; // read what a loader copies
        for (uint64_t b = 0; b < s->filesz; b++)
            sum = (uint8_t)(sum + data[s->offset + b]);
        (void)sum;
        if (i > 0) {
            const struct elf_segment *p = &im->seg[i - 1];
            uint64_t last_page = (p->vaddr + p->memsz - 1) / PAGE; // the end does not wrap
            FUZZ_CHECK(s->vaddr / PAGE > last_page,
                       "segment %u shares a page with %u or is unsorted", i, i - 1);
        }
        if ((s->flags & ELF_PF_X) && im->entry >= s->vaddr && im->entry - s->vaddr < s->memsz)
            entry_ok = true;
    }
    FUZZ_CHECK(entry_ok, "entry %#llx not in an executable segment", (unsigned long long)im->entry);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    // The callers' limits: init below 1 GiB, programs below their stack,
    // and the widest.
    static const uint64_t limits[] = {1ull << 30, 0xff0000ull, UINT64_MAX};
    for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
        struct elf_image im;
        const char *why = NULL;
        errval_t err = elf_parse(data, size, limits[i], &im, &why);
        if (err_is_fail(err)) {
            FUZZ_CHECK(err == BOOT_ERR_BAD_ELF && why != NULL, "an error without a reason: %s",
                       err_name(err));
            continue;
        }
        check_image(data, size, &im, limits[i]);
    }
    return 0;
}
