/* lib/os/include/os/crc32c.h: CRC-32C (Castagnoli), the checksum of iSCSI, ext4 and NVMe's PI. */
#pragma once

#include <stddef.h>
#include <stdint.h>

// The CRC-32C of data[0..n), continuing from crc (0 to start): the
// reflected polynomial 0x82F63B78 with the initial value and the result
// inverted (RFC 3720 B.4), so crc32c(crc32c(0, a), b) is the CRC of a
// followed by b. crc32c(0, "123456789", 9) == 0xE3069283.
uint32_t crc32c(uint32_t crc, const void *data, size_t n);
