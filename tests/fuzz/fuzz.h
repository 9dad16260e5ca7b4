/*
 * tests/fuzz/fuzz.h: what every fuzz harness shares: the libFuzzer entry
 * point's prototype, the invariant check, and a small deterministic
 * generator for splitting an input the same way on every run.
 *
 * A harness is built twice: with clang and libFuzzer (make fuzz-host), where
 * a broken invariant aborts so that libFuzzer saves the input; and with the
 * host compiler as a Check test that replays the checked-in corpus (make
 * unit, FUZZ_REPLAY defined), where it fails the test with the message.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifdef FUZZ_REPLAY
#include <check.h>
extern const char *fuzz_input_name; // the corpus file being replayed
#define FUZZ_CHECK(cond, fmt, ...)                                                                 \
    ck_assert_msg((cond), "%s: invariant broken: %s: " fmt, fuzz_input_name, #cond, ##__VA_ARGS__)
#else
#define FUZZ_CHECK(cond, fmt, ...)                                                                 \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant broken: %s: ", __FILE__, __LINE__, #cond);           \
            fprintf(stderr, fmt, ##__VA_ARGS__);                                                   \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)
#endif

// A splitmix64 step: the same input always splits the same way.
static inline uint64_t fuzz_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

// A seed from the input's bytes (FNV-1a), for the generator above.
static inline uint64_t fuzz_seed(const uint8_t *data, size_t size)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 0x100000001b3ull;
    return h;
}

// The length of the next piece of an input cut into pieces of 1 to 64
// bytes (left bytes remain), where the generator says.
static inline size_t fuzz_piece(uint64_t *rng, size_t left)
{
    size_t n = 1 + fuzz_rand(rng) % 64;
    return n < left ? n : left;
}

// Equal byte strings (either pointer may be NULL when its length is 0).
static inline int fuzz_same(const void *a, size_t na, const void *b, size_t nb)
{
    return na == nb && (na == 0 || !memcmp(a, b, na));
}

// An input read from the front: fuzz_take() returns the next bytes (at most 4)
// as a little-endian number, and zeros once the input is used up.
struct fuzz_input {
    const uint8_t *p, *end;
};

static inline unsigned fuzz_take(struct fuzz_input *in, unsigned bytes)
{
    unsigned v = 0;
    for (unsigned i = 0; i < bytes && in->p < in->end; i++)
        v |= (unsigned)*in->p++ << (8 * i);
    return v;
}
