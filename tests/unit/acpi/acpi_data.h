/* tests/unit/acpi/acpi_data.h: captured QEMU tables as fake physical memory, and table builders. */
#pragma once

#include <stddef.h>
#include <stdint.h>

// Load tests/unit/acpi/data/qemu-q35 (index.txt names each file's physical
// address). Aborts the calling test with a message if a file is missing.
void qemu_tables_load(void);

// An acpi_map_fn over the captured tables: a range is mapped if it lies
// inside one captured file at its physical address.
const void *qemu_map(void *arg, uint64_t pa, size_t len);

// The captured bytes of file ("DMAR.bin"), its length and physical address.
const uint8_t *qemu_file(const char *file, size_t *len, uint64_t *pa);

// A table being built or corrupted: bytes plus its length so far.
struct tbuf {
    uint8_t b[8192];
    size_t len;
};

// Start t as a copy of the captured file.
void tbuf_from_file(struct tbuf *t, const char *file);

// Append n bytes.
void tbuf_put(struct tbuf *t, const void *p, size_t n);

// Set the SDT header's length to t->len and fix its checksum.
void tbuf_finish(struct tbuf *t);

// Recompute the checksum of the table at p over its header length, or over
// cap bytes if the header claims more (a corrupted length).
void acpi_fix_checksum(void *p, size_t cap);

// A copy of len bytes that ends exactly at an inaccessible page, so that a
// parser reading even one byte too far crashes the test. Release with
// guarded_free.
void *guarded_copy(const void *p, size_t len);
void guarded_free(void *p, size_t len);
