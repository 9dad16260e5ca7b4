/* lib/os/log/crc32c.c: CRC-32C, eight bytes at a time through eight 256-entry tables
 * (slicing-by-8). */
#include <base/string.h>
#include <os/crc32c.h>

#define CRC32C_POLY 0x82f63b78u // Castagnoli, reflected

// table[0]: one byte's CRC; table[k][b]: byte b followed by k zero bytes.
static uint32_t table[8][256];
static volatile int table_ready;

// Computing the tables twice (two threads at once) writes the same values.
static void make_table(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ CRC32C_POLY : c >> 1;
        table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++) {
        for (int k = 1; k < 8; k++)
            table[k][i] = table[0][table[k - 1][i] & 0xff] ^ (table[k - 1][i] >> 8);
    }
    table_ready = 1;
}

uint32_t crc32c(uint32_t crc, const void *data, size_t n)
{
    if (!table_ready)
        make_table();
    const uint8_t *p = data;
    crc = ~crc;
    // The byte order of the eight-byte words is little-endian (x86-64).
    for (; n >= 8; n -= 8, p += 8) {
        uint32_t lo, hi;
        memcpy(&lo, p, 4);
        memcpy(&hi, p + 4, 4);
        lo ^= crc;
        crc = table[7][lo & 0xff] ^ table[6][(lo >> 8) & 0xff] ^ table[5][(lo >> 16) & 0xff] ^
              table[4][lo >> 24] ^ table[3][hi & 0xff] ^ table[2][(hi >> 8) & 0xff] ^
              table[1][(hi >> 16) & 0xff] ^ table[0][hi >> 24];
    }
    while (n--)
        crc = table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}
