/* tests/unit/cpudriver/check_multiboot2.c: the multiboot2 parser on built and broken MBIs. */
#include <multiboot2.h>
#include <stdint.h>
#include <string.h>
#include <unit.h>

// An MBI under construction: tags appended 8-byte aligned.
static uint8_t mbi[4096] __attribute__((aligned(8)));
static uint32_t used;

static void begin(void)
{
    memset(mbi, 0, sizeof(mbi));
    used = 8;
}

static void *add_tag(uint32_t type, uint32_t size)
{
    uint32_t *t = (uint32_t *)(mbi + used);
    t[0] = type;
    t[1] = size;
    used += (size + 7) & ~7u;
    return t;
}

static void add_string(uint32_t type, const char *s)
{
    char *t = add_tag(type, 8 + strlen(s) + 1);
    strcpy(t + 8, s);
}

static void add_module(uint32_t start, uint32_t end, const char *cmd)
{
    uint32_t *t = add_tag(MB2_TAG_MODULE, 16 + strlen(cmd) + 1);
    t[2] = start;
    t[3] = end;
    strcpy((char *)&t[4], cmd);
}

static void add_mmap(const uint64_t (*e)[3], int n)
{
    uint32_t *t = add_tag(MB2_TAG_MMAP, 16 + 24 * n);
    t[2] = 24;
    t[3] = 0;
    for (int i = 0; i < n; i++) {
        uint8_t *p = (uint8_t *)t + 16 + 24 * i;
        memcpy(p, &e[i][0], 8);
        memcpy(p + 8, &e[i][1], 8);
        uint32_t type = (uint32_t)e[i][2];
        memcpy(p + 16, &type, 4);
    }
}

static void end(void)
{
    add_tag(MB2_TAG_END, 8);
    ((uint32_t *)mbi)[0] = used;
}

static const uint64_t qemu_map[][3] = {
    {0, 0x9fc00, MB2_MEM_AVAILABLE},
    {0x9fc00, 0x400, MB2_MEM_RESERVED},
    {0x100000, 0x3fed7000, MB2_MEM_AVAILABLE},
    {0xb0000000, 0x10000000, MB2_MEM_RESERVED},
};

START_TEST(test_full)
{
    begin();
    add_string(MB2_TAG_CMDLINE, "ktest panic=exit");
    add_string(MB2_TAG_LOADER, "GRUB 2.06");
    add_mmap(qemu_map, 4);
    add_module(0x200000, 0x201000, "init");
    add_module(0x201000, 0x203000, "mem_serv -v");
    uint8_t *rsdp = add_tag(MB2_TAG_ACPI_OLD, 8 + 20);
    memcpy(rsdp + 8, "RSD PTR ", 8);
    add_tag(99, 12); // unknown tags are skipped
    end();

    struct boot_info bi;
    const char *why = NULL;
    ck_assert_uint_eq(mb2_parse(mbi, &bi, &why), SYS_ERR_OK);
    ck_assert_str_eq(bi.cmdline, "ktest panic=exit");
    ck_assert_str_eq(bi.loader, "GRUB 2.06");
    ck_assert_uint_eq(bi.n_mmap, 4);
    ck_assert_uint_eq(bi.mmap[2].base, 0x100000);
    ck_assert_uint_eq(bi.mmap[2].len, 0x3fed7000);
    ck_assert_uint_eq(bi.mmap[3].type, MB2_MEM_RESERVED);
    ck_assert_uint_eq(bi.n_modules, 2);
    ck_assert_uint_eq(bi.modules[1].start, 0x201000);
    ck_assert_uint_eq(bi.modules[1].end, 0x203000);
    ck_assert_str_eq(bi.modules[1].cmdline, "mem_serv -v");
    ck_assert_ptr_eq(bi.rsdp, rsdp + 8);
    ck_assert_uint_eq(bi.rsdp_len, 20);
    ck_assert_int_eq(bi.rsdp_tag, MB2_TAG_ACPI_OLD);
    ck_assert_uint_eq(bi.mbi_size, used);
}
END_TEST

START_TEST(test_new_rsdp_preferred)
{
    begin();
    uint8_t *newer = add_tag(MB2_TAG_ACPI_NEW, 8 + 36);
    add_tag(MB2_TAG_ACPI_OLD, 8 + 20);
    end();
    struct boot_info bi;
    const char *why;
    ck_assert_uint_eq(mb2_parse(mbi, &bi, &why), SYS_ERR_OK);
    ck_assert_ptr_eq(bi.rsdp, newer + 8);
    ck_assert_int_eq(bi.rsdp_tag, MB2_TAG_ACPI_NEW);
}
END_TEST

START_TEST(test_empty_defaults)
{
    begin();
    end();
    struct boot_info bi;
    const char *why;
    ck_assert_uint_eq(mb2_parse(mbi, &bi, &why), SYS_ERR_OK);
    ck_assert_str_eq(bi.cmdline, "");
    ck_assert_uint_eq(bi.n_modules, 0);
    ck_assert_ptr_null(bi.rsdp);
}
END_TEST

static void expect_bad(const char *fragment)
{
    struct boot_info bi;
    const char *why = NULL;
    ck_assert_uint_eq(mb2_parse(mbi, &bi, &why), BOOT_ERR_BAD_MBI);
    ck_assert_ptr_nonnull(why);
    ck_assert_msg(strstr(why, fragment), "why '%s' lacks '%s'", why, fragment);
}

START_TEST(test_bad_total_size)
{
    begin();
    end();
    ((uint32_t *)mbi)[0] = 4;
    expect_bad("total size");
    ((uint32_t *)mbi)[0] = 64u << 20;
    expect_bad("total size");
}
END_TEST

START_TEST(test_tag_overruns)
{
    begin();
    uint32_t *t = add_tag(MB2_TAG_CMDLINE, 16);
    end();
    t[1] = 4000; // beyond total size
    expect_bad("tag size");
    t[1] = 4; // smaller than a tag header
    expect_bad("tag size");
}
END_TEST

START_TEST(test_missing_end_tag)
{
    begin();
    add_string(MB2_TAG_CMDLINE, "x");
    ((uint32_t *)mbi)[0] = used; // no end tag inside total size
    expect_bad("no end tag");
}
END_TEST

START_TEST(test_unterminated_strings)
{
    begin();
    char *t = add_tag(MB2_TAG_CMDLINE, 12);
    memcpy(t + 8, "abcd", 4); // no NUL inside the tag
    end();
    expect_bad("not terminated");

    begin();
    uint32_t *m = add_tag(MB2_TAG_MODULE, 20);
    m[2] = 0x1000;
    m[3] = 0x2000;
    memcpy(&m[4], "init", 4);
    end();
    expect_bad("not terminated");
}
END_TEST

START_TEST(test_bad_module_and_mmap)
{
    begin();
    add_module(0x3000, 0x2000, "backwards");
    end();
    expect_bad("module ends before");

    begin();
    uint32_t *t = add_tag(MB2_TAG_MMAP, 16 + 24);
    t[2] = 8; // entry size too small
    end();
    expect_bad("memory map");

    begin();
    const uint64_t wrap[][3] = {{0xfffffffffffff000ull, 0x2000, MB2_MEM_AVAILABLE}};
    add_mmap(wrap, 1);
    end();
    expect_bad("wraps");
}
END_TEST

// Entries of a size that is not a multiple of 8 (allowed: entry_size is
// at least 24) lie misaligned; they are read all the same (found by
// tests/fuzz/multiboot2.c under UBSan: the parser read them in place).
START_TEST(test_mmap_odd_entry_size)
{
    begin();
    uint32_t *t = add_tag(MB2_TAG_MMAP, 16 + 2 * 28);
    t[2] = 28;
    t[3] = 0;
    for (int i = 0; i < 2; i++) {
        uint8_t *p = (uint8_t *)t + 16 + 28 * i;
        uint64_t base = 0x100000ull * (i + 1), len = 0x1000;
        uint32_t type = MB2_MEM_AVAILABLE + (uint32_t)i;
        memcpy(p, &base, 8);
        memcpy(p + 8, &len, 8);
        memcpy(p + 16, &type, 4);
    }
    end();
    struct boot_info bi;
    const char *why;
    ck_assert_uint_eq(mb2_parse(mbi, &bi, &why), SYS_ERR_OK);
    ck_assert_uint_eq(bi.n_mmap, 2);
    ck_assert_uint_eq(bi.mmap[1].base, 0x200000);
    ck_assert_uint_eq(bi.mmap[1].len, 0x1000);
    ck_assert_uint_eq(bi.mmap[1].type, MB2_MEM_RESERVED);
}
END_TEST

// An entry size near 2^32 must not wrap the walk's offset back into (or
// past) the tag (found by tests/fuzz/multiboot2.c: entries were read
// outside the tag, and the MBI).
START_TEST(test_mmap_huge_entry_size)
{
    begin();
    uint32_t *t = add_tag(MB2_TAG_MMAP, 16);
    t[2] = 0xfffffff8u;
    t[3] = 0;
    end();
    struct boot_info bi;
    const char *why;
    ck_assert_uint_eq(mb2_parse(mbi, &bi, &why), SYS_ERR_OK);
    ck_assert_uint_eq(bi.n_mmap, 0);
}
END_TEST

START_TEST(test_too_many_modules)
{
    begin();
    for (int i = 0; i <= BOOT_MAX_MODULES; i++)
        add_module(0x1000 * i, 0x1000 * i + 0x1000, "m");
    end();
    expect_bad("BOOT_MAX_MODULES");
}
END_TEST

START_TEST(test_mem_type_names)
{
    ck_assert_str_eq(mb2_mem_type_name(MB2_MEM_AVAILABLE), "available");
    ck_assert_str_eq(mb2_mem_type_name(MB2_MEM_NVS), "ACPI NVS");
    ck_assert_str_eq(mb2_mem_type_name(77), "unknown");
}
END_TEST

static Suite *mb2_suite(void)
{
    Suite *s = suite_create("multiboot2");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, test_full);
    tcase_add_test(tc, test_new_rsdp_preferred);
    tcase_add_test(tc, test_empty_defaults);
    tcase_add_test(tc, test_bad_total_size);
    tcase_add_test(tc, test_tag_overruns);
    tcase_add_test(tc, test_missing_end_tag);
    tcase_add_test(tc, test_unterminated_strings);
    tcase_add_test(tc, test_bad_module_and_mmap);
    tcase_add_test(tc, test_too_many_modules);
    tcase_add_test(tc, test_mmap_odd_entry_size);
    tcase_add_test(tc, test_mmap_huge_entry_size);
    tcase_add_test(tc, test_mem_type_names);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(mb2_suite)
