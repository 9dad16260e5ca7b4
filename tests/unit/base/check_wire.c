/* tests/unit/base/check_wire.c: lib/base's big-endian fields and Internet checksum (base/wire.h).
 */
#include <base/wire.h>
#include <string.h>
#include <unit.h>

START_TEST(test_fields)
{
    uint8_t b[2];
    wire_put16(b, 0x1234);
    ck_assert_uint_eq(b[0], 0x12);
    ck_assert_uint_eq(b[1], 0x34);
    ck_assert_uint_eq(wire_be16(b), 0x1234);
    uint32_t ip = wire_hton32(0x0a00020f); // 10.0.2.15
    ck_assert_mem_eq(&ip, "\x0a\x00\x02\x0f", 4);
}
END_TEST

// RFC 1071 section 3's example: the sum of 00 01 f2 03 f4 f5 f6 f7 is
// ddf2, so the checksum is its complement; a buffer with its checksum in
// it sums to zero.
START_TEST(test_checksum)
{
    const uint8_t rfc[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    ck_assert_uint_eq(wire_csum(rfc, sizeof(rfc)), (uint16_t)~0xddf2);
    uint8_t with[10];
    memcpy(with, rfc, 8);
    wire_put16(with + 8, wire_csum(rfc, 8));
    ck_assert_uint_eq(wire_csum(with, 10), 0);
    // An odd last byte counts as its high half; a starting sum chains pieces.
    const uint8_t odd[] = {0x12, 0x34, 0x56};
    ck_assert_uint_eq(wire_csum(odd, 3), (uint16_t) ~(0x1234 + 0x5600));
    ck_assert_uint_eq(wire_csum_from(0x0001 + 0xf203, rfc + 4, 4), wire_csum(rfc, 8));
}
END_TEST

static Suite *wire_suite(void)
{
    Suite *s = suite_create("wire");
    TCase *tc = tcase_create("wire");
    tcase_add_test(tc, test_fields);
    tcase_add_test(tc, test_checksum);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(wire_suite)
