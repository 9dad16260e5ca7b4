#include "kv_impl.h"
#define STUB(n) KV_HANDLER(n) { kv_err(x, "ERR not yet"); }
STUB(lpush) STUB(rpush) STUB(lpop) STUB(rpop) STUB(llen) STUB(lrange) STUB(lindex)
STUB(sadd) STUB(srem) STUB(smembers) STUB(sismember) STUB(scard) STUB(spop)
STUB(hset) STUB(hget) STUB(hgetall) STUB(hdel) STUB(hlen)
STUB(zadd) STUB(zrange) STUB(zscore) STUB(zcard) STUB(zrem) STUB(zpopmin)
bool kv_parse_double(const char *s, size_t n, uint64_t *bits) { return false; }
size_t kv_fmt_double(char *buf, uint64_t bits) { buf[0]='0'; return 1; }
uint64_t kv_double_order(uint64_t bits) { return bits; }
void kv_db_snapshot(struct kv_db *db, kv_cmd_fn *emit, void *arg) {}
