/*
 * usr/storctl/vsamap.h: the VSA map, storctl's name-to-namespace table,
 * and its on-disk form on namespace 1 (docs/vsic.md, "The VSA map").
 *
 * Two copies, in blocks 0 and 1 of the PF's private namespace; each is one
 * 512-byte block with a CRC-32C. An update writes the copy that is not the
 * newest (block seq mod 2), then flushes, so a torn update leaves the
 * newest intact. Pure code: no device here, so the host tests run it.
 */
#pragma once

#include <kpi/errors.h>
#include <stdbool.h>
#include <stdint.h>

#define VSAMAP_MAGIC     0x4d56484354454953ull // "SIETCHVM", little-endian
#define VSAMAP_VERSION   1
#define VSAMAP_BLOCK     512 // bytes of one copy
#define VSAMAP_MAX       8   // names at most
#define VSAMAP_NAME_MAX  31  // characters of a name
// Copies are numbered below this: storctl never writes that many (one
// update per name given or taken back), so a larger seq is corruption,
// and trusting it would let seq + 1 wrap to 0, a copy older than the
// one it replaces.
#define VSAMAP_SEQ_LIMIT (1ull << 62)

// On-disk layout of one copy (all integers little-endian), asserted below.
struct vsamap_disk_entry {
    uint32_t nsid;
    uint32_t reserved;              // 0
    char name[VSAMAP_NAME_MAX + 1]; // NUL-padded
};

struct vsamap_disk {
    uint64_t magic;
    uint32_t version;
    uint32_t crc; // CRC-32C of the whole 512-byte block with this field 0
    uint64_t seq; // updates written; this copy lives in block seq mod 2
    uint32_t count;
    uint32_t reserved; // 0
    struct vsamap_disk_entry e[VSAMAP_MAX];
    uint8_t zero[VSAMAP_BLOCK - 32 - VSAMAP_MAX * 40]; // 0
};
_Static_assert(sizeof(struct vsamap_disk_entry) == 40, "VSA map entry is 40 bytes");
_Static_assert(sizeof(struct vsamap_disk) == VSAMAP_BLOCK, "VSA map copy is one 512-byte block");

struct vsamap_entry {
    uint32_t nsid;
    char name[VSAMAP_NAME_MAX + 1];
};

struct vsamap {
    uint64_t seq; // of the copy it was read from (0: none yet)
    uint32_t count;
    struct vsamap_entry e[VSAMAP_MAX];
};

// Is name a VSA name: 1..VSAMAP_NAME_MAX of [A-Za-z0-9._-]?
bool vsamap_name_ok(const char *name);

// The copy of m with sequence number m->seq, into out (VSAMAP_BLOCK bytes).
void vsamap_encode(const struct vsamap *m, void *out);

// The copy that records m, an update of cur: m->seq becomes cur->seq + 1,
// its copy is encoded into out (VSAMAP_BLOCK bytes), and *block is where it
// goes (seq mod 2: over the older copy, never over cur's). Errors:
// STORCTL_ERR_META_WORN (the next seq would reach VSAMAP_SEQ_LIMIT: nothing
// encoded, m unchanged).
MUST_CHECK errval_t vsamap_encode_next(const struct vsamap *cur, struct vsamap *m, void *out,
                                       unsigned *block);

// Decode the copy read from block (0 or 1). Errors: SYS_ERR_CORRUPT (bad
// magic, version, crc, seq not of that block or not below VSAMAP_SEQ_LIMIT, count, a zero or
// repeated NSID, a bad or repeated name, nonzero reserved bytes).
MUST_CHECK errval_t vsamap_decode(const void *in, unsigned block, struct vsamap *out);

// The map from the two copies: the valid one with the larger seq. Two
// blocks of zeros (never written) are an empty map, seq 0. Errors:
// STORCTL_ERR_META_CORRUPT (something was written, but no copy is valid).
MUST_CHECK errval_t vsamap_load(const void *block0, const void *block1, struct vsamap *out);

// The index of name in m, or -1.
int vsamap_find(const struct vsamap *m, const char *name);

// The index of nsid in m, or -1.
int vsamap_find_nsid(const struct vsamap *m, uint32_t nsid);

// Add name -> nsid. Errors: STORCTL_ERR_BAD_NAME, SYS_ERR_INVALID_ARGS
// (nsid 0, or name or nsid present already), STORCTL_ERR_NO_VSA_FREE (full).
MUST_CHECK errval_t vsamap_add(struct vsamap *m, const char *name, uint32_t nsid);

// Forget name (the others keep their order). Errors: SYS_ERR_NOT_FOUND.
MUST_CHECK errval_t vsamap_remove(struct vsamap *m, const char *name);
