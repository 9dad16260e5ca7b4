/* tests/crash/trace.c: the dm-log-writes format that QEMU's blklogwrites driver writes. */
#include "crash.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

// The log's sector 0 (block/blklogwrites.c, from Linux's dm-log-writes.c);
// all little-endian.
struct lw_super {
    uint64_t magic, version, nr_entries;
    uint32_t sectorsize;
} __attribute__((packed));

// Each entry takes a sector of its own, then its data (none for a
// discard or a flush), padded to whole sectors.
struct lw_entry {
    uint64_t sector, nr_sectors, flags, data_len;
} __attribute__((packed));

#define LW_MAGIC   0x6a736677736872ull
#define LW_VERSION 1ull
#define LW_FLUSH   (1u << 0)
#define LW_FUA     (1u << 1)
#define LW_DISCARD (1u << 2)
#define LW_MARK    (1u << 3)

bool trace_load(const char *path, struct trace *t)
{
    memset(t, 0, sizeof(*t));
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) || st.st_size < (off_t)SECTOR) {
        fprintf(stderr, "crashreplay: %s: no write log\n", path);
        return false;
    }
    t->map_len = (size_t)st.st_size;
    t->map = mmap(NULL, t->map_len, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    struct lw_super s;
    memcpy(&s, t->map, sizeof(s));
    if (s.magic != LW_MAGIC || s.version != LW_VERSION || s.sectorsize != SECTOR) {
        fprintf(stderr, "crashreplay: %s: not a dm-log-writes log of %u-byte sectors\n", path,
                SECTOR);
        return false;
    }
    // The superblock's count may lag (blklogwrites rewrites it on a flush
    // or every log-super-update-interval writes): read entries to the end.
    size_t cap = 0, off = SECTOR;
    while (off + SECTOR <= t->map_len) {
        struct lw_entry e;
        memcpy(&e, t->map + off, sizeof(e));
        bool has_data = !(e.flags & (LW_DISCARD | LW_MARK));
        uint64_t bytes = has_data ? e.nr_sectors * SECTOR : 0;
        if (e.flags & ~(uint64_t)(LW_FLUSH | LW_FUA | LW_DISCARD | LW_MARK) ||
            bytes > t->map_len - off - SECTOR)
            break; // a torn tail of the log itself
        if (t->n + 2 > cap) {
            cap = cap ? cap * 2 : 1024;
            t->e = realloc(t->e, cap * sizeof(*t->e));
        }
        // A discard leaves the sectors undefined; nothing here discards,
        // so one is taken as a flush-free write we refuse to model.
        if (e.flags & LW_DISCARD) {
            fprintf(stderr, "crashreplay: %s: a discard (not modelled)\n", path);
            return false;
        }
        if (!(e.flags & LW_MARK) && (e.nr_sectors || e.flags & LW_FLUSH)) {
            t->e[t->n++] =
                (struct wentry){e.sector, e.nr_sectors, e.flags & LW_FLUSH, t->map + off + SECTOR};
            // FUA: the write itself is durable at once, as if a flush followed.
            if (e.flags & LW_FUA && e.nr_sectors)
                t->e[t->n - 1].flush = false, t->e[t->n++] = (struct wentry){0, 0, true, NULL};
        }
        off += SECTOR + bytes;
    }
    if (t->n < s.nr_entries) {
        fprintf(stderr, "crashreplay: %s: %zu entries, the superblock says %lu\n", path, t->n,
                (unsigned long)s.nr_entries);
        return false;
    }
    return true;
}
