/* lib/os/log/crc32c.c: CRC-32C, a byte at a time through a 256-entry table. */
#include <os/crc32c.h>

#define CRC32C_POLY 0x82f63b78u // Castagnoli, reflected

static uint32_t table[256];
static volatile int table_ready;

// Computing the table twice (two threads at once) writes the same values.
static void make_table(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ CRC32C_POLY : c >> 1;
        table[i] = c;
    }
    table_ready = 1;
}

uint32_t crc32c(uint32_t crc, const void *data, size_t n)
{
    if (!table_ready)
        make_table();
    const uint8_t *p = data;
    crc = ~crc;
    while (n--)
        crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}
