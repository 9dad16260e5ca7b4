/* lib/os/mc/udp.c: memcached's UDP frame: one-datagram requests, replies split into datagrams. */
#include "mc_priv.h"
#include <string.h>

static uint16_t get_be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static void put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

errval_t mc_udp_header_parse(const void *dgram, size_t len, struct mc_udp_header *h)
{
    const uint8_t *p = dgram;
    if (len < MC_UDP_HEADER)
        return SYS_ERR_CORRUPT;
    h->request_id = get_be16(p);
    h->seq = get_be16(p + 2);
    h->total = get_be16(p + 4);
    h->reserved = get_be16(p + 6);
    return SYS_ERR_OK;
}

void mc_udp_header_write(void *buf, const struct mc_udp_header *h)
{
    uint8_t *p = buf;
    put_be16(p, h->request_id);
    put_be16(p + 2, h->seq);
    put_be16(p + 4, h->total);
    put_be16(p + 6, h->reserved);
}

errval_t mc_udp_split(uint16_t request_id, const void *reply, size_t len, mc_udp_emit_fn *emit,
                      void *arg)
{
    const size_t room = MC_UDP_DATAGRAM - MC_UDP_HEADER;
    size_t total = (len + room - 1) / room;
    if (total > UINT16_MAX)
        return SYS_ERR_OVERFLOW;
    uint8_t dgram[MC_UDP_DATAGRAM];
    for (size_t i = 0; i < total; i++) {
        size_t n = len - i * room < room ? len - i * room : room;
        struct mc_udp_header h = {request_id, (uint16_t)i, (uint16_t)total, 0};
        mc_udp_header_write(dgram, &h);
        memcpy(dgram + MC_UDP_HEADER, (const char *)reply + i * room, n);
        emit(arg, dgram, MC_UDP_HEADER + n);
    }
    return SYS_ERR_OK;
}

errval_t mc_udp_request(struct mc_cache *cache, const void *dgram, size_t len, mc_udp_emit_fn *emit,
                        void *arg)
{
    struct mc_udp_header h;
    errval_t err = mc_udp_header_parse(dgram, len, &h);
    if (err_is_ok(err) && (h.total != 1 || h.seq != 0))
        err = SYS_ERR_UNSUPPORTED; // memcached takes one-datagram requests only
    if (err_is_fail(err)) {
        cache->stats.udp_dropped++;
        return err;
    }
    // A fresh connection per datagram: nothing carries over between
    // requests, and what is incomplete at the end is dropped with it.
    struct mc_conn conn;
    err = mc_conn_init(&conn, cache);
    if (err_is_fail(err))
        return err;
    // Whether to close means nothing here: the datagram is all there is.
    (void)mc_conn_feed(&conn, (const uint8_t *)dgram + MC_UDP_HEADER, len - MC_UDP_HEADER);
    size_t n;
    const void *out = mc_conn_output(&conn, &n);
    if (conn.broken)
        err = SYS_ERR_NO_MEMORY;
    else
        err = mc_udp_split(h.request_id, out, n, emit, arg);
    if (err_is_ok(err))
        cache->stats.bytes_written += n;
    mc_conn_fini(&conn);
    return err;
}
