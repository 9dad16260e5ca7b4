/* tests/unit/acpi/acpi_data.c: load the captured QEMU q35 tables; build and guard test tables. */
#include "acpi_data.h"
#include <acpi/tables.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef ACPI_DATA_DIR
#error "ACPI_DATA_DIR must name tests/unit/acpi/data/qemu-q35"
#endif

#define MAX_FILES 16

struct captured {
    char name[32];
    uint64_t pa;
    size_t len;
    uint8_t *bytes;
};
static struct captured files[MAX_FILES];
static unsigned nfiles;

static uint8_t *read_file(const char *name, size_t want)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", ACPI_DATA_DIR, name);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f, "cannot open %s", path);
    uint8_t *b = malloc(want + 1);
    size_t got = fread(b, 1, want + 1, f);
    fclose(f);
    ck_assert_msg(got == want, "%s: %zu bytes, index.txt says %zu", path, got, want);
    return b;
}

void qemu_tables_load(void)
{
    if (nfiles)
        return;
    char path[512], line[256];
    snprintf(path, sizeof(path), "%s/index.txt", ACPI_DATA_DIR);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f, "cannot open %s (run tools/capture-acpi)", path);
    while (fgets(line, sizeof(line), f)) {
        struct captured c = {0};
        unsigned long long pa;
        if (line[0] == '#' || sscanf(line, "%31s %llx %zu", c.name, &pa, &c.len) != 3)
            continue;
        ck_assert_uint_lt(nfiles, MAX_FILES);
        c.pa = pa;
        c.bytes = read_file(c.name, c.len);
        files[nfiles++] = c;
    }
    fclose(f);
    ck_assert_uint_gt(nfiles, 0);
}

const void *qemu_map(void *arg, uint64_t pa, size_t len)
{
    (void)arg;
    for (unsigned i = 0; i < nfiles; i++) {
        const struct captured *c = &files[i];
        if (pa >= c->pa && pa + len >= pa && pa + len <= c->pa + c->len)
            return c->bytes + (pa - c->pa);
    }
    return NULL;
}

const uint8_t *qemu_file(const char *file, size_t *len, uint64_t *pa)
{
    qemu_tables_load();
    for (unsigned i = 0; i < nfiles; i++) {
        if (!strcmp(files[i].name, file)) {
            *len = files[i].len;
            if (pa)
                *pa = files[i].pa;
            return files[i].bytes;
        }
    }
    ck_abort_msg("no captured %s", file);
    return NULL;
}

void tbuf_from_file(struct tbuf *t, const char *file)
{
    size_t len;
    const uint8_t *b = qemu_file(file, &len, NULL);
    ck_assert_uint_le(len, sizeof(t->b));
    memset(t->b, 0, sizeof(t->b));
    memcpy(t->b, b, len);
    t->len = len;
}

void tbuf_put(struct tbuf *t, const void *p, size_t n)
{
    ck_assert_uint_le(t->len + n, sizeof(t->b));
    memcpy(t->b + t->len, p, n);
    t->len += n;
}

void acpi_fix_checksum(void *p, size_t cap)
{
    struct acpi_sdt_header *h = p;
    uint8_t sum = 0;
    h->checksum = 0;
    for (size_t i = 0; i < h->length && i < cap; i++)
        sum += ((uint8_t *)p)[i];
    h->checksum = (uint8_t)-sum;
}

void tbuf_finish(struct tbuf *t)
{
    struct acpi_sdt_header *h = (void *)t->b;
    h->length = (uint32_t)t->len;
    acpi_fix_checksum(t->b, sizeof(t->b));
}

void *guarded_copy(const void *p, size_t len)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t pages = (len + page - 1) / page + 1;
    uint8_t *m =
        mmap(NULL, pages * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert(m != MAP_FAILED);
    uint8_t *guard = m + (pages - 1) * page;
    ck_assert_int_eq(mprotect(guard, page, PROT_NONE), 0);
    memcpy(guard - len, p, len);
    return guard - len;
}

void guarded_free(void *p, size_t len)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t pages = (len + page - 1) / page + 1;
    uint8_t *guard = (uint8_t *)p + len;
    munmap(guard - (pages - 1) * page, pages * page);
}
