/* lib/base/include/base/elf.h: read the loadable segments of an ELF64 executable. */
#pragma once

#include <kpi/errors.h>
#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_SEGMENTS 8

// Segment permissions (ELF p_flags).
#define ELF_PF_X 1
#define ELF_PF_W 2
#define ELF_PF_R 4

struct elf_segment {
    uint64_t vaddr, memsz;   // where it goes and how big
    uint64_t offset, filesz; // what of the file fills its start (the rest is zero)
    uint32_t flags;          // ELF_PF_*
};

struct elf_image {
    uint64_t entry;
    unsigned n_segments;
    struct elf_segment seg[ELF_MAX_SEGMENTS];
};

// Check that image (size bytes) is a static x86-64 ELF64 executable whose
// PT_LOAD segments lie inside the file, do not wrap, are sorted and do not
// share pages, and end below limit; fill out. On failure returns
// BOOT_ERR_BAD_ELF with *why saying what is wrong.
MUST_CHECK errval_t elf_parse(const void *image, size_t size, uint64_t limit, struct elf_image *out,
                              const char **why);
