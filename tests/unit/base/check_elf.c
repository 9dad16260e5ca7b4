/* tests/unit/base/check_elf.c: the ELF64 reader (lib/base/elf.c, elf_parse) on images built
 * here: a good one, each refusal with its reason, the segment rules (inside the file, no wrap,
 * below the limit, sorted, no shared page, at most ELF_MAX_SEGMENTS), the entry point, and random
 * mutations of a good image against the invariants of tests/fuzz/elf.c. */
#include <base/elf.h>
#include <stdlib.h>
#include <string.h>
#include <unit.h>

#define PAGE      4096ull
#define PHOFF     64
#define PHSIZE    56
#define LIMIT     0xff0000ull
#define PT_LOAD   1
#define PT_INTERP 3
#define PT_NOTE   4

// The file layout the tests build: header, up to 10 program headers, data.
#define DATA_OFF  (PHOFF + 10 * PHSIZE)
#define IMAGE_MAX (DATA_OFF + 2 * PAGE)

struct ehdr {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};
_Static_assert(sizeof(struct ehdr) == 64 && sizeof(struct phdr) == PHSIZE, "ELF64 layouts");

static uint8_t image[IMAGE_MAX];
static size_t image_size;

static struct ehdr *eh(void) { return (struct ehdr *)image; }

static struct phdr *ph(unsigned i) { return (struct phdr *)(image + PHOFF + i * PHSIZE); }

// A static executable: text (R X) at 0x400000 with 0x100 bytes from the
// file, data (R W) at 0x401000 with 0x20 bytes and 0x1000 of bss.
static void good_image(void)
{
    memset(image, 0, sizeof(image));
    for (size_t i = DATA_OFF; i < sizeof(image); i++)
        image[i] = (uint8_t)i;
    *eh() = (struct ehdr){.ident = {0x7f, 'E', 'L', 'F', 2, 1, 1},
                          .type = 2,
                          .machine = 62,
                          .version = 1,
                          .entry = 0x400010,
                          .phoff = PHOFF,
                          .ehsize = 64,
                          .phentsize = PHSIZE,
                          .phnum = 2};
    *ph(0) = (struct phdr){PT_LOAD, ELF_PF_R | ELF_PF_X, DATA_OFF, 0x400000, 0, 0x100, 0x100, PAGE};
    *ph(1) = (struct phdr){
        PT_LOAD, ELF_PF_R | ELF_PF_W, DATA_OFF + 0x100, 0x401000, 0, 0x20, 0x20 + 0x1000, PAGE};
    image_size = sizeof(image);
}

static errval_t parse(struct elf_image *im, const char **why)
{
    *why = NULL;
    return elf_parse(image, image_size, LIMIT, im, why);
}

// The image is refused with BOOT_ERR_BAD_ELF and a reason containing words.
#define REFUSED(words)                                                                             \
    do {                                                                                           \
        struct elf_image im_;                                                                      \
        const char *why_;                                                                          \
        errval_t err_ = parse(&im_, &why_);                                                        \
        ck_assert_msg(err_ == BOOT_ERR_BAD_ELF, "accepted, or not BOOT_ERR_BAD_ELF: %s",           \
                      err_name(err_));                                                             \
        ck_assert_msg(why_ &&strstr(why_, words), "the reason \"%s\" lacks \"%s\"",                \
                      why_ ? why_ : "(none)", words);                                              \
    } while (0)

#define ACCEPTED(im)                                                                               \
    do {                                                                                           \
        const char *why_;                                                                          \
        errval_t err_ = parse(im, &why_);                                                          \
        ck_assert_msg(err_is_ok(err_), "refused: %s (%s)", err_name(err_), why_ ? why_ : "");      \
    } while (0)

START_TEST(test_good_image)
{
    good_image();
    // A PT_NOTE and a PT_LOAD of memsz 0 in between are skipped.
    eh()->phnum = 4;
    *ph(3) = *ph(1);
    *ph(1) = (struct phdr){.type = PT_NOTE, .offset = 1u << 30, .filesz = 1u << 30};
    *ph(2) = (struct phdr){.type = PT_LOAD, .vaddr = 0x400000, .offset = 1u << 30, .flags = 7};
    ph(3)->flags |= 0x100; // not a permission: not kept
    struct elf_image im;
    ACCEPTED(&im);
    ck_assert_uint_eq(im.entry, 0x400010);
    ck_assert_uint_eq(im.n_segments, 2);
    ck_assert_uint_eq(im.seg[0].vaddr, 0x400000);
    ck_assert_uint_eq(im.seg[0].memsz, 0x100);
    ck_assert_uint_eq(im.seg[0].offset, DATA_OFF);
    ck_assert_uint_eq(im.seg[0].filesz, 0x100);
    ck_assert_uint_eq(im.seg[0].flags, ELF_PF_R | ELF_PF_X);
    ck_assert_uint_eq(im.seg[1].vaddr, 0x401000);
    ck_assert_uint_eq(im.seg[1].memsz, 0x1020);
    ck_assert_uint_eq(im.seg[1].offset, DATA_OFF + 0x100);
    ck_assert_uint_eq(im.seg[1].filesz, 0x20);
    ck_assert_uint_eq(im.seg[1].flags, ELF_PF_R | ELF_PF_W);
}
END_TEST

START_TEST(test_bad_header)
{
    good_image();
    image_size = 63;
    REFUSED("not an ELF file");
    good_image();
    image[3] = 'G';
    REFUSED("not an ELF file");
    good_image();
    image[4] = 1; // ELFCLASS32
    REFUSED("64-bit little-endian");
    good_image();
    image[5] = 2; // big-endian
    REFUSED("64-bit little-endian");
    good_image();
    eh()->type = 3; // ET_DYN
    REFUSED("x86-64 executable");
    good_image();
    eh()->machine = 3; // i386
    REFUSED("x86-64 executable");
    good_image();
    eh()->phentsize = 32;
    REFUSED("no program headers");
    good_image();
    eh()->phnum = 0;
    REFUSED("no program headers");
}
END_TEST

START_TEST(test_program_headers_outside)
{
    good_image();
    eh()->phoff = image_size + 1;
    REFUSED("program headers outside the file");
    good_image();
    eh()->phoff = UINT64_MAX - 8; // phoff + phnum * 56 wraps
    REFUSED("program headers outside the file");
    good_image();
    eh()->phnum = 0xffff;
    REFUSED("program headers outside the file");
    good_image();
    image_size = PHOFF + 2 * PHSIZE - 1; // the second one cut
    REFUSED("program headers outside the file");
}
END_TEST

START_TEST(test_dynamic)
{
    good_image();
    ph(1)->type = PT_INTERP;
    REFUSED("dynamically linked");
    good_image();
    ph(0)->type = 2; // PT_DYNAMIC
    REFUSED("dynamically linked");
}
END_TEST

START_TEST(test_segment_data_outside)
{
    good_image();
    ph(1)->filesz = ph(1)->memsz + 1;
    REFUSED("segment data outside the file");
    good_image();
    ph(0)->offset = image_size + 1;
    REFUSED("segment data outside the file");
    good_image();
    ph(0)->offset = image_size - 0x10; // 0x100 bytes from 0x10 before the end
    REFUSED("segment data outside the file");
    good_image();
    ph(0)->offset = UINT64_MAX - 0x10; // offset + filesz wraps
    REFUSED("segment data outside the file");
    good_image();
    ph(1)->offset = image_size - 0x20; // ends exactly at the end: fine
    struct elf_image im;
    ACCEPTED(&im);
}
END_TEST

START_TEST(test_segment_addresses)
{
    good_image();
    ph(1)->vaddr = UINT64_MAX - 0x10; // vaddr + memsz wraps
    REFUSED("allowed address range");
    good_image();
    ph(1)->vaddr = LIMIT - 0x1000; // 0x1020 bytes: ends 0x20 past the limit
    REFUSED("allowed address range");
    good_image();
    ph(1)->vaddr = LIMIT - 0x1020; // ends at the limit: fine
    struct elf_image im;
    ACCEPTED(&im);
}
END_TEST

START_TEST(test_segment_order)
{
    good_image();
    ph(1)->vaddr = 0x400100; // in the text's page
    REFUSED("sharing a page");
    good_image();
    ph(1)->vaddr = 0x3ff000; // before the text
    REFUSED("unsorted");
    good_image();
    ph(0)->memsz = 0x1000; // the text fills its page: data on the next is fine
    struct elf_image im;
    ACCEPTED(&im);
    ph(0)->memsz = 0x1001; // one byte on the data's page
    REFUSED("sharing a page");
}
END_TEST

START_TEST(test_segment_count)
{
    good_image();
    eh()->phnum = ELF_MAX_SEGMENTS;
    for (unsigned i = 1; i < ELF_MAX_SEGMENTS; i++)
        *ph(i) = (struct phdr){PT_LOAD, ELF_PF_R, DATA_OFF, 0x400000 + i * PAGE, 0, 8, 8, PAGE};
    struct elf_image im;
    ACCEPTED(&im);
    ck_assert_uint_eq(im.n_segments, ELF_MAX_SEGMENTS);
    eh()->phnum = ELF_MAX_SEGMENTS + 1;
    *ph(ELF_MAX_SEGMENTS) =
        (struct phdr){PT_LOAD, ELF_PF_R, DATA_OFF, 0x400000 + ELF_MAX_SEGMENTS * PAGE, 0, 8, 8, 0};
    REFUSED("too many loadable segments");
    good_image();
    ph(0)->type = ph(1)->type = PT_NOTE;
    REFUSED("no loadable segments");
}
END_TEST

START_TEST(test_entry_point)
{
    good_image();
    eh()->entry = 0x401000; // in data, not executable
    REFUSED("entry point");
    good_image();
    eh()->entry = 0x400100; // one past the text
    REFUSED("entry point");
    good_image();
    eh()->entry = 0x3fffff;
    REFUSED("entry point");
    good_image();
    eh()->entry = 0x4000ff; // the text's last byte
    struct elf_image im;
    ACCEPTED(&im);
}
END_TEST

// The invariants of tests/fuzz/elf.c for an accepted image.
static void check_invariants(const struct elf_image *im, uint64_t limit, unsigned step)
{
    ck_assert_msg(im->n_segments >= 1 && im->n_segments <= ELF_MAX_SEGMENTS, "step %u: %u segments",
                  step, im->n_segments);
    bool entry_ok = false;
    for (unsigned i = 0; i < im->n_segments; i++) {
        const struct elf_segment *s = &im->seg[i];
        ck_assert_msg(s->filesz <= s->memsz && s->memsz > 0, "step %u: segment %u sizes", step, i);
        ck_assert_msg(s->offset <= image_size && image_size - s->offset >= s->filesz,
                      "step %u: segment %u's file bytes outside the image", step, i);
        ck_assert_msg(s->vaddr + s->memsz >= s->vaddr && s->vaddr + s->memsz <= limit,
                      "step %u: segment %u past the limit", step, i);
        ck_assert_msg((s->flags & ~7u) == 0, "step %u: segment %u flags %#x", step, i, s->flags);
        if (i > 0) {
            const struct elf_segment *p = &im->seg[i - 1];
            ck_assert_msg(s->vaddr / PAGE > (p->vaddr + p->memsz - 1) / PAGE,
                          "step %u: segment %u shares a page with %u or is unsorted", step, i,
                          i - 1);
        }
        if ((s->flags & ELF_PF_X) && im->entry >= s->vaddr && im->entry - s->vaddr < s->memsz)
            entry_ok = true;
    }
    ck_assert_msg(entry_ok, "step %u: entry not in an executable segment", step);
}

START_TEST(test_random_mutations)
{
    // Words a mutation writes: edges where checks go wrong.
    static const uint64_t values[] = {0,
                                      1,
                                      7,
                                      0xfff,
                                      0x1000,
                                      0x400000,
                                      0x401000,
                                      LIMIT,
                                      LIMIT - 1,
                                      UINT64_MAX,
                                      UINT64_MAX - 0xfff,
                                      1ull << 63,
                                      0xffffffff,
                                      DATA_OFF};
    static const uint64_t limits[] = {LIMIT, 1ull << 30, UINT64_MAX};
    srand(5);
    unsigned accepted = 0;
    for (unsigned step = 0; step < 20000; step++) {
        good_image();
        eh()->phnum = 3;
        *ph(2) = (struct phdr){PT_LOAD, ELF_PF_R, DATA_OFF, 0x403000, 0, 0x10, 0x2000, PAGE};
        for (int k = rand() % 4; k >= 0; k--) {
            size_t at = (size_t)rand() % (PHOFF + 3 * PHSIZE - 7);
            if (rand() % 2) {
                uint64_t v = values[rand() % (sizeof(values) / sizeof(values[0]))];
                memcpy(image + at, &v, (size_t)(rand() % 8) + 1);
            } else {
                image[at] ^= (uint8_t)(1u << (rand() % 8));
            }
        }
        if (rand() % 8 == 0)
            image_size = (size_t)rand() % sizeof(image);
        for (unsigned l = 0; l < 3; l++) {
            struct elf_image im;
            const char *why = NULL;
            errval_t err = elf_parse(image, image_size, limits[l], &im, &why);
            if (err_is_fail(err)) {
                ck_assert_msg(err == BOOT_ERR_BAD_ELF && why, "step %u: %s without a reason", step,
                              err_name(err));
                continue;
            }
            accepted++;
            check_invariants(&im, limits[l], step);
        }
    }
    // Most mutations hit bytes that do not matter: a parser that refuses
    // everything is not right either.
    ck_assert_msg(accepted > 10000, "only %u of 60000 parses accepted", accepted);
}
END_TEST

static Suite *elf_suite(void)
{
    Suite *s = suite_create("elf");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_good_image);
    tcase_add_test(tc, test_bad_header);
    tcase_add_test(tc, test_program_headers_outside);
    tcase_add_test(tc, test_dynamic);
    tcase_add_test(tc, test_segment_data_outside);
    tcase_add_test(tc, test_segment_addresses);
    tcase_add_test(tc, test_segment_order);
    tcase_add_test(tc, test_segment_count);
    tcase_add_test(tc, test_entry_point);
    tcase_add_test(tc, test_random_mutations);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(elf_suite)
