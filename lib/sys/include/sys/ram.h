/* lib/sys/include/sys/ram.h: getting RAM capabilities. */
#pragma once

#include <sys/caps.h>

// A RAM cap of bytes (a page multiple) aligned to align (a power of two,
// at least a page) in a new slot. Comes from mem_serv, or from the local
// allocator init and mem_serv install. Errors: MM_ERR_NO_MEMORY when none
// is left, and RPC and slot errors.
MUST_CHECK errval_t ram_alloc(capref_t *ret, uint64_t bytes, uint64_t align);

// Give a RAM cap from ram_alloc back; the slot is freed.
MUST_CHECK errval_t ram_free(capref_t ram);

// Where RAM comes from in init and mem_serv, which cannot ask mem_serv.
struct ram_source {
    errval_t (*alloc)(void *arg, capref_t *ret, uint64_t bytes, uint64_t align);
    errval_t (*free)(void *arg, capref_t ram);
    void *arg;
};
void ram_set_source(const struct ram_source *src);
