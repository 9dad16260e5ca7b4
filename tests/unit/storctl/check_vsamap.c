/* tests/unit/storctl/check_vsamap.c: storctl's VSA map: names, the on-disk copies, choosing the
 * newest valid copy, torn and corrupt copies. */
#include "../../../usr/storctl/vsamap.h"
#include <os/crc32c.h>
#include <string.h>
#include <unit.h>

static uint8_t b0[VSAMAP_BLOCK], b1[VSAMAP_BLOCK];

static struct vsamap two(uint64_t seq)
{
    struct vsamap m = {.seq = seq};
    ck_assert_uint_eq(vsamap_add(&m, "alpha", 2), SYS_ERR_OK);
    ck_assert_uint_eq(vsamap_add(&m, "b-2_x.y", 5), SYS_ERR_OK);
    return m;
}

START_TEST(test_names)
{
    ck_assert(vsamap_name_ok("a"));
    ck_assert(vsamap_name_ok("log-1.data_X"));
    ck_assert(vsamap_name_ok("0123456789012345678901234567890")); // 31
    ck_assert(!vsamap_name_ok(""));
    ck_assert(!vsamap_name_ok("01234567890123456789012345678901")); // 32
    ck_assert(!vsamap_name_ok("a b"));
    ck_assert(!vsamap_name_ok("a/b"));
    ck_assert(!vsamap_name_ok("\xff"));
}
END_TEST

START_TEST(test_add_rules)
{
    struct vsamap m = two(0);
    ck_assert_uint_eq(vsamap_add(&m, "alpha", 3), SYS_ERR_INVALID_ARGS); // name taken
    ck_assert_uint_eq(vsamap_add(&m, "gamma", 5), SYS_ERR_INVALID_ARGS); // nsid taken
    ck_assert_uint_eq(vsamap_add(&m, "gamma", 0), SYS_ERR_INVALID_ARGS); // no nsid
    ck_assert_uint_eq(vsamap_add(&m, "no way", 3), STORCTL_ERR_BAD_NAME);
    for (uint32_t i = 0; i < VSAMAP_MAX - 2; i++) {
        char name[8] = {'n', (char)('0' + i), 0};
        ck_assert_uint_eq(vsamap_add(&m, name, 10 + i), SYS_ERR_OK);
    }
    ck_assert_uint_eq(vsamap_add(&m, "last", 99), STORCTL_ERR_NO_VSA_FREE);
    ck_assert_int_eq(vsamap_find(&m, "b-2_x.y"), 1);
    ck_assert_int_eq(vsamap_find(&m, "b-2"), -1);
    ck_assert_int_eq(vsamap_find_nsid(&m, 5), 1);
    ck_assert_int_eq(vsamap_find_nsid(&m, 4), -1);
}
END_TEST

// A name removed is gone, the rest keep their order and NSIDs, its NSID
// may be named again, and the map still encodes and decodes.
START_TEST(test_remove)
{
    struct vsamap m = two(0), back;
    ck_assert_uint_eq(vsamap_add(&m, "third", 7), SYS_ERR_OK);
    ck_assert_uint_eq(vsamap_remove(&m, "nope"), SYS_ERR_NOT_FOUND);
    ck_assert_uint_eq(vsamap_remove(&m, "b-2_x.y"), SYS_ERR_OK);
    ck_assert_uint_eq(m.count, 2);
    ck_assert_int_eq(vsamap_find(&m, "b-2_x.y"), -1);
    ck_assert_int_eq(vsamap_find_nsid(&m, 5), -1);
    ck_assert_int_eq(vsamap_find(&m, "alpha"), 0);
    ck_assert_int_eq(vsamap_find(&m, "third"), 1);
    ck_assert_uint_eq(m.e[1].nsid, 7);
    ck_assert_uint_eq(vsamap_remove(&m, "b-2_x.y"), SYS_ERR_NOT_FOUND);
    ck_assert_uint_eq(vsamap_add(&m, "again", 5), SYS_ERR_OK);
    static uint8_t blk[VSAMAP_BLOCK];
    m.seq = 4;
    vsamap_encode(&m, blk);
    ck_assert_uint_eq(vsamap_decode(blk, 0, &back), SYS_ERR_OK);
    ck_assert_uint_eq(back.count, 3);
    ck_assert_int_eq(vsamap_find_nsid(&back, 5), 2);
}
END_TEST

START_TEST(test_round_trip)
{
    struct vsamap m = two(7), got;
    vsamap_encode(&m, b1);
    ck_assert_uint_eq(vsamap_decode(b1, 1, &got), SYS_ERR_OK);
    ck_assert_uint_eq(got.seq, 7);
    ck_assert_uint_eq(got.count, 2);
    ck_assert_str_eq(got.e[1].name, "b-2_x.y");
    ck_assert_uint_eq(got.e[1].nsid, 5);
    // The layout docs/vsic.md gives: magic, version, crc, seq, count, entries at 32.
    uint64_t magic;
    uint32_t version, crc, count, nsid;
    memcpy(&magic, b1, 8);
    memcpy(&version, b1 + 8, 4);
    memcpy(&crc, b1 + 12, 4);
    memcpy(&count, b1 + 24, 4);
    memcpy(&nsid, b1 + 32 + 40, 4);
    ck_assert(!memcmp(b1, "SIETCHVM", 8));
    ck_assert_uint_eq(magic, VSAMAP_MAGIC);
    ck_assert_uint_eq(version, 1);
    ck_assert_uint_eq(count, 2);
    ck_assert_uint_eq(nsid, 5);
    ck_assert_str_eq((const char *)b1 + 32 + 8, "alpha");
    memset(b1 + 12, 0, 4);
    ck_assert_uint_eq(crc, crc32c(0, b1, VSAMAP_BLOCK));
    // A copy is only valid in its own block (seq mod 2).
    vsamap_encode(&m, b1);
    ck_assert_uint_eq(vsamap_decode(b1, 0, &got), SYS_ERR_CORRUPT);
}
END_TEST

// Every single-bit flip anywhere in a copy is caught.
START_TEST(test_bit_flips)
{
    struct vsamap m = two(4), got;
    vsamap_encode(&m, b0);
    for (unsigned bit = 0; bit < VSAMAP_BLOCK * 8; bit++) {
        b0[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        ck_assert_uint_eq(vsamap_decode(b0, 0, &got), SYS_ERR_CORRUPT);
        b0[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    ck_assert_uint_eq(vsamap_decode(b0, 0, &got), SYS_ERR_OK);
}
END_TEST

// A well-formed crc over bad contents is refused too (checks beyond the crc).
START_TEST(test_bad_contents)
{
    struct vsamap m = two(2), got;
    struct vsamap_disk d;
    vsamap_encode(&m, &d);
    d.e[1].nsid = 2; // the same namespace twice
    d.crc = 0;
    d.crc = crc32c(0, &d, sizeof(d));
    ck_assert_uint_eq(vsamap_decode(&d, 0, &got), SYS_ERR_CORRUPT);
    vsamap_encode(&m, &d);
    d.count = VSAMAP_MAX + 1;
    d.crc = 0;
    d.crc = crc32c(0, &d, sizeof(d));
    ck_assert_uint_eq(vsamap_decode(&d, 0, &got), SYS_ERR_CORRUPT);
    vsamap_encode(&m, &d);
    memset(d.e[0].name, 'x', sizeof(d.e[0].name)); // no terminating NUL
    d.crc = 0;
    d.crc = crc32c(0, &d, sizeof(d));
    ck_assert_uint_eq(vsamap_decode(&d, 0, &got), SYS_ERR_CORRUPT);
}
END_TEST

START_TEST(test_load_choice)
{
    struct vsamap got;
    memset(b0, 0, sizeof(b0));
    memset(b1, 0, sizeof(b1));
    ck_assert_uint_eq(vsamap_load(b0, b1, &got), SYS_ERR_OK); // never written: empty
    ck_assert_uint_eq(got.count, 0);
    ck_assert_uint_eq(got.seq, 0);
    struct vsamap m = two(1);
    vsamap_encode(&m, b1);
    ck_assert_uint_eq(vsamap_load(b0, b1, &got), SYS_ERR_OK);
    ck_assert_uint_eq(got.seq, 1);
    // The next update (seq 2, block 0) adds a name; then a torn write of
    // seq 3 over block 1 leaves seq 2.
    ck_assert_uint_eq(vsamap_add(&m, "third", 3), SYS_ERR_OK);
    m.seq = 2;
    vsamap_encode(&m, b0);
    ck_assert_uint_eq(vsamap_load(b0, b1, &got), SYS_ERR_OK);
    ck_assert_uint_eq(got.seq, 2);
    ck_assert_uint_eq(got.count, 3);
    uint8_t old[VSAMAP_BLOCK];
    memcpy(old, b1, sizeof(old));
    m.seq = 3;
    vsamap_encode(&m, b1);
    memcpy(b1 + 100, old + 100, sizeof(old) - 100); // only its start reached the media
    ck_assert_uint_eq(vsamap_load(b0, b1, &got), SYS_ERR_OK);
    ck_assert_uint_eq(got.seq, 2);
    ck_assert_int_eq(vsamap_find(&got, "third"), 2);
    // Both damaged: refused, not taken for empty.
    b0[40] ^= 1;
    ck_assert_uint_eq(vsamap_load(b0, b1, &got), STORCTL_ERR_META_CORRUPT);
    memset(b0, 0, sizeof(b0));
    ck_assert_uint_eq(vsamap_load(b0, b1, &got), STORCTL_ERR_META_CORRUPT);
}
END_TEST

// Seqs end below 2^62: a copy claiming more is corrupt (trusting 2^64 - 1
// let the next update wrap to seq 0, which lost to the copy it replaced),
// and the update that would reach the limit is refused, the map as it was.
START_TEST(test_seq_limit)
{
    struct vsamap m = two(UINT64_MAX), got, next;
    memset(b0, 0, sizeof(b0));
    vsamap_encode(&m, b1);
    ck_assert_uint_eq(vsamap_decode(b1, 1, &got), SYS_ERR_CORRUPT);
    ck_assert_uint_eq(vsamap_load(b0, b1, &got), STORCTL_ERR_META_CORRUPT);
    m.seq = VSAMAP_SEQ_LIMIT - 1;
    vsamap_encode(&m, b1);
    ck_assert_uint_eq(vsamap_load(b0, b1, &got), SYS_ERR_OK);
    ck_assert_uint_eq(got.seq, VSAMAP_SEQ_LIMIT - 1);
    next = got;
    unsigned block = 7;
    ck_assert_uint_eq(vsamap_add(&next, "third", 3), SYS_ERR_OK);
    ck_assert_uint_eq(vsamap_encode_next(&got, &next, b0, &block), STORCTL_ERR_META_WORN);
    ck_assert_uint_eq(next.seq, VSAMAP_SEQ_LIMIT - 1);
    ck_assert_uint_eq(block, 7);
    got.seq = VSAMAP_SEQ_LIMIT - 2;
    ck_assert_uint_eq(vsamap_encode_next(&got, &next, b0, &block), SYS_ERR_OK);
    ck_assert_uint_eq(next.seq, VSAMAP_SEQ_LIMIT - 1);
    ck_assert_uint_eq(block, 1);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("vsamap");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_names);
    tcase_add_test(tc, test_add_rules);
    tcase_add_test(tc, test_remove);
    tcase_add_test(tc, test_round_trip);
    tcase_add_test(tc, test_bit_flips);
    tcase_add_test(tc, test_bad_contents);
    tcase_add_test(tc, test_load_choice);
    tcase_add_test(tc, test_seq_limit);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(make_suite)
