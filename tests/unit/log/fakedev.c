/* tests/unit/log/fakedev.c: an in-memory block device that loses power on command. */
#include "fakedev.h"
#include <stdlib.h>
#include <string.h>

uint64_t fakedev_rand(struct fakedev *f)
{
    f->rng ^= f->rng >> 12;
    f->rng ^= f->rng << 25;
    f->rng ^= f->rng >> 27;
    return f->rng * 0x2545f4914f6cdd1dull;
}

// Counts the operation; false once the power is gone (this one included).
static bool powered(struct fakedev *f)
{
    if (!f->dead && f->fail_at && ++f->ops >= f->fail_at)
        f->dead = true;
    else if (!f->fail_at)
        f->ops++;
    return !f->dead;
}

static MUST_CHECK errval_t fd_read(void *arg, uint64_t block, uint32_t count, void *buf)
{
    struct fakedev *f = arg;
    if (block > f->dev.blocks || count > f->dev.blocks - block)
        return SYS_ERR_INVALID_ARGS;
    if (f->dead)
        return SYS_ERR_IO;
    f->reads++;
    memcpy(buf, f->cache + block * f->dev.block_size, (size_t)count * f->dev.block_size);
    return SYS_ERR_OK;
}

static MUST_CHECK errval_t fd_write(void *arg, uint64_t block, uint32_t count, const void *buf)
{
    struct fakedev *f = arg;
    if (block > f->dev.blocks || count > f->dev.blocks - block)
        return SYS_ERR_INVALID_ARGS;
    // The write that meets the power failure may still reach the cache in
    // part: it is settled with the others at the crash.
    bool alive = powered(f);
    f->writes++;
    uint32_t bs = f->dev.block_size;
    memcpy(f->cache + block * bs, buf, (size_t)count * bs);
    for (uint32_t i = 0; i < count; i++)
        f->dirty[block + i] = true;
    return alive ? SYS_ERR_OK : SYS_ERR_IO;
}

static MUST_CHECK errval_t fd_flush(void *arg)
{
    struct fakedev *f = arg;
    if (!powered(f))
        return SYS_ERR_IO;
    f->flushes++;
    uint32_t bs = f->dev.block_size;
    for (uint64_t b = 0; b < f->dev.blocks; b++) {
        if (f->dirty[b])
            memcpy(f->media + b * bs, f->cache + b * bs, bs);
        f->dirty[b] = false;
    }
    return SYS_ERR_OK;
}

void fakedev_init(struct fakedev *f, uint32_t block_size, uint64_t blocks, uint64_t seed)
{
    memset(f, 0, sizeof(*f));
    f->dev = (struct blockdev){fd_read, fd_write, fd_flush, block_size, blocks, f};
    f->media = calloc(blocks, block_size);
    f->cache = calloc(blocks, block_size);
    f->dirty = calloc(blocks, sizeof(bool));
    f->rng = seed * 0x9e3779b97f4a7c15ull + 1;
}

void fakedev_free(struct fakedev *f)
{
    free(f->media);
    free(f->cache);
    free(f->dirty);
}

void fakedev_crash(struct fakedev *f, enum fake_tear tear)
{
    uint32_t bs = f->dev.block_size;
    for (uint64_t b = 0; b < f->dev.blocks; b++) {
        if (!f->dirty[b])
            continue;
        uint8_t *m = f->media + b * bs, *c = f->cache + b * bs;
        uint64_t r = fakedev_rand(f);
        if (tear == FAKE_TORN_BLOCKS && r % 4 == 0)
            memcpy(m, c, (r >> 8) % bs); // a prefix of the new bytes
        else if (r % 2)
            memcpy(m, c, bs);
        f->dirty[b] = false;
    }
    memcpy(f->cache, f->media, (size_t)f->dev.blocks * bs);
    f->dead = false;
    f->fail_at = 0;
}
