/*
 * usr/apps/logapp/record.h: logapp's record k, the same wherever it is made
 * or checked (logapp itself; the power-cut replay, tests/crash/wl_log.c):
 * its number, then a pattern made from it, 16 to 515 bytes.
 */
#pragma once

#include <stdint.h>
#include <string.h>

#define LOGAPP_MAX_RECORD 4064 // a 4 KiB record: 32 bytes of header and this

static inline uint32_t logapp_record(uint64_t k, uint8_t *out)
{
    uint32_t len = 16 + (uint32_t)(k * 37 % 500);
    memcpy(out, &k, 8);
    for (uint32_t i = 8; i < len; i++)
        out[i] = (uint8_t)(k * 31 + i * 7 + (i >> 5));
    return len;
}
