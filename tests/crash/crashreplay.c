/*
 * tests/crash/crashreplay.c: crash images from a blklogwrites write log,
 * each recovered by the project's own code (docs/reliability.md,
 * "Power-cut replay").
 *
 *   crashreplay --workload log|kv|vsamap --trace LOG --acks FILE --sectors N
 *               [--states BUDGET] [--seed S] [--save DIR] [--save-n K]
 *   crashreplay --case FILE.case      one saved crash image, checked again
 *
 * The write log is cut into epochs at its flushes. A crash in epoch j
 * (after the j-th flush, before the next) leaves every write before that
 * flush on the media and any part of the epoch's writes, in any order, at
 * the granularity of one 512-byte sector (the NVMe atomic write unit QEMU
 * reports: AWUN = AWUPF = 1 block). Each epoch gets a share of the budget:
 * every subset of its sectors when that fits, else every subset of its
 * writes and random tears, else random states. An acknowledgement is
 * pinned to the first flush after the write that shows it (crash.h); the
 * checker demands every operation pinned to a flush at or before the
 * epoch's, allows the next one, and nothing else.
 */
#include "crash.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

// ---- The crash image, with an undo log so each state costs only what it changes ----

struct undo {
    uint64_t sector;
    uint8_t old[SECTOR];
};

static struct image {
    uint8_t *d;
    uint64_t sectors;
    struct undo *u;
    size_t nu, cap;
} img;

static void img_put(uint64_t sector, const uint8_t *data)
{
    if (img.nu == img.cap) {
        img.cap = img.cap ? img.cap * 2 : 4096;
        img.u = realloc(img.u, img.cap * sizeof(*img.u));
    }
    img.u[img.nu].sector = sector;
    memcpy(img.u[img.nu++].old, img.d + sector * SECTOR, SECTOR);
    memcpy(img.d + sector * SECTOR, data, SECTOR);
}

static void img_undo(void)
{
    while (img.nu) {
        struct undo *u = &img.u[--img.nu];
        memcpy(img.d + u->sector * SECTOR, u->old, SECTOR);
    }
}

static errval_t dev_read(void *arg, uint64_t block, uint32_t count, void *buf)
{
    (void)arg;
    if (block > img.sectors || count > img.sectors - block)
        return SYS_ERR_INVALID_ARGS;
    memcpy(buf, img.d + block * SECTOR, (size_t)count * SECTOR);
    return SYS_ERR_OK;
}

// Recovery writes too (a new superblock, a format): undone after the check.
static errval_t dev_write(void *arg, uint64_t block, uint32_t count, const void *buf)
{
    (void)arg;
    if (block > img.sectors || count > img.sectors - block)
        return SYS_ERR_INVALID_ARGS;
    for (uint32_t i = 0; i < count; i++)
        img_put(block + i, (const uint8_t *)buf + (size_t)i * SECTOR);
    return SYS_ERR_OK;
}

static errval_t dev_flush(void *arg)
{
    (void)arg;
    return SYS_ERR_OK;
}

static struct blockdev dev = {dev_read, dev_write, dev_flush, SECTOR, 0, NULL};

// ---- Options and the run's state ----

static struct opts {
    const struct workload *wl;
    const char *trace, *acks, *save, *casefile;
    uint64_t sectors, states, seed;
    unsigned save_n;
} o = {.states = 1000, .seed = 1};

static struct trace tr;
static size_t *pin; // pin[a]: the epoch from which ack a is durable
static uint64_t rng, checked, failed, saved, next_save, save_every;

static uint64_t rnd(void)
{
    rng ^= rng >> 12, rng ^= rng << 25, rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1dull;
}

// ---- Pinning acknowledgements to flushes ----

// pin[a] = the number of flushes up to and including the first flush after
// the write that shows ack a: from that epoch on, the ack is required.
static bool pin_acks(void)
{
    size_t n = o.wl->acks(), from = 0;
    pin = calloc(n + 1, sizeof(*pin));
    for (size_t a = 0; a < n; a++) {
        size_t w = o.wl->find(&tr, a, from);
        size_t flushes = 0, i = 0;
        for (; i < tr.n && (i <= w || !tr.e[i].flush); i++)
            flushes += tr.e[i].flush;
        if (w >= tr.n || i >= tr.n) {
            fprintf(stderr, "crashreplay: ack %zu: %s in the write log\n", a,
                    w >= tr.n ? "no write shows it" : "no flush after its write");
            return false;
        }
        pin[a] = flushes + 1;
        from = w + 1;
    }
    return true;
}

// ---- One crash state ----

struct kept {
    size_t entry;       // trace index
    uint64_t mask_lo;   // sectors kept, if torn (the first 64)
    uint32_t kept, all; // sectors kept of all
};

static void describe(size_t epoch, size_t first, const struct kept *k, size_t nk, size_t n_writes)
{
    printf("  crash point: epoch %zu (after flush %zu), at trace entry %zu; the epoch has %zu"
           " unflushed writes\n",
           epoch, epoch, first, n_writes);
    printf("  writes kept (the rest of the epoch's dropped):");
    for (size_t i = 0; i < nk; i++)
        printf(" #%zu@%lu+%lu%s", k[i].entry, (unsigned long)tr.e[k[i].entry].sector,
               (unsigned long)tr.e[k[i].entry].nr, k[i].kept < k[i].all ? "(torn)" : "");
    printf("%s\n", nk ? "" : " none");
    for (size_t i = 0; i < nk; i++) {
        if (k[i].kept < k[i].all)
            printf("    #%zu torn: %u of %u sectors kept, mask of the first 64 %016lx\n",
                   k[i].entry, k[i].kept, k[i].all, (unsigned long)k[i].mask_lo);
    }
}

// The image as its nonzero sectors (each: the sector number, 8 bytes
// little-endian, then its 512 bytes), beside a .case file that says what
// was acknowledged (the acks file by its name: keep it beside the case):
// small enough to keep as a regression test.
static void save_image(const char *what, size_t acked, const char *why)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s-%lu.sectors", o.save, o.wl->name, (unsigned long)saved);
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "crashreplay: %s: %s\n", path, strerror(errno));
        return;
    }
    static const uint8_t zero[SECTOR];
    for (uint64_t s = 0; s < img.sectors; s++) {
        if (memcmp(img.d + s * SECTOR, zero, SECTOR)) {
            fwrite(&s, 8, 1, f);
            fwrite(img.d + s * SECTOR, SECTOR, 1, f);
        }
    }
    fclose(f);
    snprintf(path, sizeof(path), "%s/%s-%lu.case", o.save, o.wl->name, (unsigned long)saved);
    f = fopen(path, "w");
    if (f) {
        fprintf(f, "workload %s\nimage %s-%lu.sectors\nsectors %lu\nacks %s\nacked %zu\n%s %s\n",
                o.wl->name, o.wl->name, (unsigned long)saved, (unsigned long)img.sectors,
                strrchr(o.acks, '/') ? strrchr(o.acks, '/') + 1 : o.acks, acked, what, why);
        fclose(f);
    }
    saved++;
}

// Read an image that save_image wrote.
static bool load_image(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint64_t s;
    while (f && fread(&s, 8, 1, f) == 1) {
        if (s >= img.sectors || fread(img.d + s * SECTOR, SECTOR, 1, f) != 1) {
            fclose(f);
            return false;
        }
    }
    if (f)
        fclose(f);
    return f != NULL;
}

// Apply the kept sectors, recover, check, undo. k: the writes kept, in
// the order they land; mask per write (NULL: all sectors).
static void try_state(size_t epoch, size_t first, size_t n_writes, struct kept *k, size_t nk,
                      const uint64_t *const *masks)
{
    for (size_t i = 0; i < nk; i++) {
        const struct wentry *w = &tr.e[k[i].entry];
        k[i].kept = 0, k[i].all = (uint32_t)w->nr, k[i].mask_lo = 0;
        for (uint64_t s = 0; s < w->nr; s++) {
            if (masks && masks[i] && !(masks[i][s / 64] >> (s % 64) & 1))
                continue;
            if (w->sector + s < img.sectors)
                img_put(w->sector + s, w->data + s * SECTOR);
            k[i].kept++;
            k[i].mask_lo |= s < 64 ? 1ull << s : 0;
        }
    }
    size_t acked = 0, n = o.wl->acks();
    while (acked < n && pin[acked] <= epoch)
        acked++;
    char why[512] = "";
    bool ok = o.wl->check(&dev, acked, why, sizeof(why));
    checked++;
    img_undo(); // recovery's own writes first, then the state's
    if (!ok) {
        failed++;
        printf("FAIL %s state %lu: %zu operations acknowledged; recovery found: %s\n", o.wl->name,
               (unsigned long)checked, acked, why);
        describe(epoch, first, k, nk, n_writes);
    }
    // --save-n K: the first state with unflushed sectors kept after each K+1-th of the epochs.
    // Every other one with a write torn (part of it kept), for variety.
    uint64_t landed = 0, torn = 0;
    for (size_t i = 0; i < nk; i++)
        landed += k[i].kept, torn += k[i].kept && k[i].kept < k[i].all;
    bool keep = !ok || (o.save_n && epoch >= next_save && (saved % 2 ? torn : landed));
    if (ok && keep)
        next_save += save_every;
    if (o.save && keep && saved < 1000) {
        // Again, to save it as recovery saw it.
        for (size_t i = 0; i < nk; i++) {
            const struct wentry *w = &tr.e[k[i].entry];
            for (uint64_t s = 0; s < w->nr; s++) {
                if ((!masks || !masks[i] || masks[i][s / 64] >> (s % 64) & 1) &&
                    w->sector + s < img.sectors)
                    img_put(w->sector + s, w->data + s * SECTOR);
            }
        }
        save_image(ok ? "ok" : "fail", acked, why);
        img_undo();
    }
}

// ---- The states of one epoch ----

static void epoch_states(size_t epoch, size_t first, size_t end, uint64_t quota)
{
    size_t n = 0;
    uint64_t sectors = 0, widest = 0;
    for (size_t i = first; i < end; i++)
        n++, sectors += tr.e[i].nr, widest = tr.e[i].nr > widest ? tr.e[i].nr : widest;
    // Masks, one per kept write, each wide enough for the epoch's widest.
    struct kept *k = calloc(n + 1, sizeof(*k));
    uint64_t **masks = calloc(n + 1, sizeof(*masks));
    for (size_t i = 0; i < n; i++)
        masks[i] = calloc(widest / 64 + 1, 8);
    if (sectors < 63 && (1ull << sectors) <= quota) {
        // Every subset of the epoch's sectors (in log order where they overlap).
        for (uint64_t m = 0; m < 1ull << sectors; m++) {
            uint64_t bit = 0;
            for (size_t i = 0; i < n; i++) {
                k[i].entry = first + i;
                masks[i][0] = 0;
                for (uint64_t s = 0; s < tr.e[first + i].nr; s++, bit++)
                    masks[i][0] |= (m >> bit & 1) << s;
            }
            try_state(epoch, first, n, k, n, (const uint64_t *const *)masks);
        }
    } else {
        uint64_t done = 0;
        if (n < 63 && (1ull << n) <= quota) {
            // Every subset of whole writes.
            for (uint64_t m = 0; m < 1ull << n; m++, done++) {
                size_t nk = 0;
                for (size_t i = 0; i < n; i++) {
                    if (m >> i & 1)
                        k[nk++].entry = first + i;
                }
                try_state(epoch, first, n, k, nk, NULL);
            }
        }
        for (; done < quota; done++) {
            // Random: each write kept or not, a kept one torn at random
            // sectors now and then, the kept ones landing in a random order.
            size_t nk = 0;
            for (size_t i = 0; i < n; i++) {
                if (!(rnd() & 1))
                    continue;
                k[nk].entry = first + i;
                bool torn = rnd() % 3 == 0;
                for (uint64_t s = 0; s < tr.e[first + i].nr; s++) {
                    uint64_t bit = torn ? rnd() & 1 : 1;
                    masks[nk][s / 64] = (masks[nk][s / 64] & ~(1ull << (s % 64))) | bit << (s % 64);
                }
                nk++;
            }
            for (size_t i = nk; i > 1; i--) {
                size_t j = rnd() % i;
                struct kept t = k[i - 1];
                k[i - 1] = k[j], k[j] = t;
                uint64_t *tm = masks[i - 1];
                masks[i - 1] = masks[j], masks[j] = tm;
            }
            try_state(epoch, first, n, k, nk, (const uint64_t *const *)masks);
        }
    }
    for (size_t i = 0; i < n; i++)
        free(masks[i]);
    free(masks);
    free(k);
}

// Every epoch, each with its share of what is left of the budget; the
// durable image moves on at each flush.
static void replay(void)
{
    size_t epochs = 1;
    for (size_t i = 0; i < tr.n; i++)
        epochs += tr.e[i].flush;
    save_every = next_save = o.save_n ? epochs / (o.save_n + 1) + 1 : 0;
    size_t first = 0, epoch = 0;
    while (first <= tr.n) {
        size_t end = first;
        while (end < tr.n && !tr.e[end].flush)
            end++;
        uint64_t left = o.states > checked ? o.states - checked : 0,
                 quota = left / (epochs - epoch);
        if (!quota && rnd() % (epochs - epoch) < left)
            quota = 1;
        if (quota)
            epoch_states(epoch, first, end, quota);
        // The flush: the epoch's writes are durable (kept out of the undo log).
        for (size_t i = first; i < end; i++) {
            for (uint64_t s = 0; s < tr.e[i].nr && tr.e[i].sector + s < img.sectors; s++)
                memcpy(img.d + (tr.e[i].sector + s) * SECTOR, tr.e[i].data + s * SECTOR, SECTOR);
        }
        first = end + 1;
        epoch++;
    }
}

// ---- Command line ----

static const struct workload *workload_named(const char *name)
{
    const struct workload *all[] = {&wl_log, &wl_kv, &wl_vsamap};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        if (!strcmp(all[i]->name, name))
            return all[i];
    }
    return NULL;
}

static bool parse(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            return false;
        if (!strcmp(a, "--workload"))
            o.wl = workload_named(v);
        else if (!strcmp(a, "--trace"))
            o.trace = v;
        else if (!strcmp(a, "--acks"))
            o.acks = v;
        else if (!strcmp(a, "--sectors"))
            o.sectors = strtoull(v, NULL, 0);
        else if (!strcmp(a, "--states"))
            o.states = strtoull(v, NULL, 0);
        else if (!strcmp(a, "--seed"))
            o.seed = strtoull(v, NULL, 0);
        else if (!strcmp(a, "--save"))
            o.save = v;
        else if (!strcmp(a, "--save-n"))
            o.save_n = (unsigned)strtoul(v, NULL, 0);
        else if (!strcmp(a, "--case"))
            o.casefile = v;
        else
            return false;
        i++;
    }
    return o.casefile || (o.wl && o.trace && o.acks && o.sectors);
}

// A saved crash image (--save) checked again: the regression tests'.
static int run_case(void)
{
    char wl[64] = "", image[512] = "", acks[1024] = "", dir[1024], path[2048], acks_path[2048];
    unsigned long sectors = 0, acked = 0;
    FILE *f = fopen(o.casefile, "r");
    if (!f ||
        fscanf(f, "workload %63s image %511s sectors %lu acks %1023s acked %lu", wl, image,
               &sectors, acks, &acked) != 5 ||
        !(o.wl = workload_named(wl))) {
        fprintf(stderr, "crashreplay: %s: not a crash case\n", o.casefile);
        return 2;
    }
    fclose(f);
    snprintf(dir, sizeof(dir), "%s", o.casefile);
    char *slash = strrchr(dir, '/');
    *(slash ? slash + 1 : dir) = 0;
    snprintf(acks_path, sizeof(acks_path), "%s%s", acks[0] == '/' ? "" : dir, acks);
    snprintf(path, sizeof(path), "%s%s", dir, image);
    img.sectors = dev.blocks = sectors;
    img.d = calloc(sectors, SECTOR);
    if (!load_image(path) || !o.wl->load_acks(acks_path)) {
        fprintf(stderr, "crashreplay: %s: its image or acks cannot be read\n", o.casefile);
        return 2;
    }
    char why[512] = "";
    bool ok = o.wl->check(&dev, acked, why, sizeof(why));
    printf("%s %s: %lu acknowledged; recovery found: %s\n", ok ? "OK" : "FAIL", o.casefile, acked,
           why);
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (!parse(argc, argv)) {
        fprintf(stderr, "usage: crashreplay --workload log|kv|vsamap --trace LOG --acks FILE "
                        "--sectors N [--states B] [--seed S] [--save DIR] [--save-n K]\n"
                        "       crashreplay --case FILE.case\n");
        return 2;
    }
    if (o.casefile)
        return run_case();
    dev.blocks = o.sectors;
    rng = o.seed * 0x9e3779b97f4a7c15ull + 1;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (!trace_load(o.trace, &tr) || !o.wl->load_acks(o.acks) || !pin_acks())
        return 2;
    img.sectors = o.sectors;
    img.d = calloc(o.sectors, SECTOR);
    replay();
    clock_gettime(CLOCK_MONOTONIC, &t1);
    size_t flushes = 0, writes = 0;
    for (size_t i = 0; i < tr.n; i++)
        flushes += tr.e[i].flush, writes += !tr.e[i].flush;
    printf("crashreplay %s: %zu writes, %zu flushes, %zu acknowledged; %lu crash states checked,"
           " %lu failed (%.1f s)\n",
           o.wl->name, writes, flushes, o.wl->acks(), (unsigned long)checked, (unsigned long)failed,
           (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
    return failed ? 1 : 0;
}
