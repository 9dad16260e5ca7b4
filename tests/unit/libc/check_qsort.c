/* tests/unit/libc/check_qsort.c: lib/c's qsort and bsearch: order, permutation, comparisons, stack.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unit.h>

#include "libc_test.h"

static unsigned long compares;
static uintptr_t stack_low; // the deepest stack address seen in a comparator

static void note_call(void)
{
    volatile char here;
    compares++;
    if ((uintptr_t)&here < stack_low)
        stack_low = (uintptr_t)&here;
}

static int cmp_int(const void *a, const void *b)
{
    note_call();
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

// Records of several sizes: a key and a payload derived from it, so that a
// record torn apart by a bad swap shows.
struct rec12 {
    int key, check1, check2;
};
struct rec24 {
    int64_t key, check1, check2;
};

static int cmp_rec12(const void *a, const void *b)
{
    return cmp_int(&((const struct rec12 *)a)->key, &((const struct rec12 *)b)->key);
}

static int cmp_rec24(const void *a, const void *b)
{
    note_call();
    int64_t x, y; // copied out: test_record_sizes also sorts misaligned records
    memcpy(&x, (const char *)a + offsetof(struct rec24, key), sizeof(x));
    memcpy(&y, (const char *)b + offsetof(struct rec24, key), sizeof(y));
    return (x > y) - (x < y);
}

static int cmp_char(const void *a, const void *b)
{
    note_call();
    return *(const unsigned char *)a - *(const unsigned char *)b;
}

enum pattern { RANDOM, SORTED, REVERSED, EQUAL, FEW, ORGAN, SAWTOOTH, NPATTERNS };

static int key_of(enum pattern p, size_t i, size_t n)
{
    switch (p) {
    case RANDOM: return rand();
    case SORTED: return (int)i;
    case REVERSED: return (int)(n - i);
    case EQUAL: return 7;
    case FEW: return rand() % 4;
    case ORGAN: return (int)(i < n / 2 ? i : n - i);
    default: return (int)(i % 17);
    }
}

static int ilog2(size_t n)
{
    int l = 0;
    while ((size_t)1 << l < n)
        l++;
    return l;
}

// Sort with lib/c, check against the host's sort, bound the comparisons.
static void check_ints(enum pattern p, size_t n)
{
    int *ours = malloc(n * sizeof(int) + 1), *host = malloc(n * sizeof(int) + 1);
    for (size_t i = 0; i < n; i++)
        ours[i] = host[i] = key_of(p, i, n);
    compares = 0;
    sietch_qsort(ours, n, sizeof(int), cmp_int);
    unsigned long ours_compares = compares;
    qsort(host, n, sizeof(int), cmp_int);
    ck_assert_msg(memcmp(ours, host, n * sizeof(int)) == 0, "pattern %d, n %zu: not sorted", p, n);
    unsigned long bound = 3ul * n * ilog2(n) + 2 * n;
    ck_assert_msg(ours_compares <= bound, "pattern %d, n %zu: %lu comparisons (bound %lu)", p, n,
                  ours_compares, bound);
    free(ours);
    free(host);
}

START_TEST(test_ints_all_patterns)
{
    srand(6);
    for (int p = 0; p < NPATTERNS; p++) {
        for (size_t n = 0; n < 300; n++)
            check_ints(p, n);
        check_ints(p, 4096);
        check_ints(p, 100000);
    }
}
END_TEST

// A median-of-three killer: an input built so that median-of-three
// quicksort picks a poor pivot at every step; introsort must fall back to
// heapsort and keep O(n log n). (Musser's construction.)
START_TEST(test_adversarial_input)
{
    size_t n = 1 << 16;
    int *a = malloc(n * sizeof(int));
    size_t k = n / 2;
    for (size_t i = 1; i <= k; i++) {
        if (i % 2) {
            a[i - 1] = (int)i;
            a[i] = (int)(k + i);
        }
        a[k + i - 1] = (int)(2 * i);
    }
    compares = 0;
    sietch_qsort(a, n, sizeof(int), cmp_int);
    for (size_t i = 1; i < n; i++)
        ck_assert_int_le(a[i - 1], a[i]);
    ck_assert_uint_le(compares, 3ul * n * ilog2(n));
    free(a);
}
END_TEST

// Whatever the input, the recursion stays shallow: it only ever goes into
// the smaller partition, so at most log2(n) frames deep. A frame of the
// sort takes about 70 bytes at -O2; allow 112 a level. (Recursing into the
// larger side instead goes about twice as deep and fails this.)
START_TEST(test_stack_is_bounded)
{
    size_t n = 200000;
    size_t bound = 112 * (size_t)(ilog2(n) + 2);
    int *a = malloc(n * sizeof(int));
    volatile char top;
    for (int p = 0; p < NPATTERNS; p++) {
        for (size_t i = 0; i < n; i++)
            a[i] = key_of(p, i, n);
        stack_low = (uintptr_t)&top;
        sietch_qsort(a, n, sizeof(int), cmp_int);
        size_t used = (uintptr_t)&top - stack_low;
        ck_assert_msg(used < bound, "pattern %d: %zu bytes of stack (bound %zu)", p, used, bound);
    }
    free(a);
}
END_TEST

START_TEST(test_record_sizes)
{
    srand(7);
    for (size_t n = 0; n < 500; n += 7) {
        struct rec12 *r12 = malloc(n * sizeof(*r12) + 1);
        struct rec24 *r24 = malloc(n * sizeof(*r24) + 1);
        unsigned char *bytes = malloc(n + 1);
        for (size_t i = 0; i < n; i++) {
            int k = rand() % 50;
            r12[i] = (struct rec12){k, k * 3, ~k};
            r24[i] = (struct rec24){k, (int64_t)k << 40, -k};
            bytes[i] = rand();
        }
        sietch_qsort(r12, n, sizeof(*r12), cmp_rec12); // 12 bytes: swapped bytewise
        sietch_qsort(r24, n, sizeof(*r24), cmp_rec24); // 24 bytes: swapped by words
        sietch_qsort(bytes, n, 1, cmp_char);
        for (size_t i = 0; i < n; i++) {
            ck_assert(i == 0 || r12[i - 1].key <= r12[i].key);
            ck_assert(r12[i].check1 == r12[i].key * 3 && r12[i].check2 == ~r12[i].key);
            ck_assert(i == 0 || r24[i - 1].key <= r24[i].key);
            ck_assert(r24[i].check1 == r24[i].key << 40 && r24[i].check2 == -r24[i].key);
            ck_assert(i == 0 || bytes[i - 1] <= bytes[i]);
        }
        free(r12);
        free(r24);
        free(bytes);
    }
    // A misaligned array of 8-byte items takes the bytewise path.
    char raw[8 * 64 + 1];
    int64_t *odd = (int64_t *)(raw + 1);
    for (int i = 0; i < 64; i++) {
        int64_t v = (i * 37) % 64;
        memcpy((char *)odd + 8 * i, &v, 8);
    }
    sietch_qsort(odd, 64, 8, cmp_rec24); // the key is the first 8 bytes
    for (int i = 0; i < 64; i++) {
        int64_t v;
        memcpy(&v, (char *)odd + 8 * i, 8);
        ck_assert_int_eq(v, i);
    }
}
END_TEST

START_TEST(test_bsearch)
{
    srand(8);
    for (size_t n = 0; n < 400; n++) {
        int *a = malloc(n * sizeof(int) + 1);
        for (size_t i = 0; i < n; i++)
            a[i] = 2 * (int)(i / 2); // even keys, each twice
        for (int key = -1; key <= (int)n + 1; key++) {
            compares = 0;
            int *found = sietch_bsearch(&key, a, n, sizeof(int), cmp_int);
            if (key >= 0 && key % 2 == 0 && (size_t)key < n + (n % 2)) {
                ck_assert_msg(found && *found == key, "n %zu key %d not found", n, key);
                ck_assert(found >= a && found < a + n);
            } else {
                ck_assert_msg(!found, "n %zu key %d found", n, key);
            }
            ck_assert_uint_le(compares, (unsigned long)ilog2(n + 1) + 1);
        }
        free(a);
    }
}
END_TEST

static Suite *qsort_suite(void)
{
    Suite *s = suite_create("libc_qsort");
    TCase *tc = tcase_create("qsort");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_ints_all_patterns);
    tcase_add_test(tc, test_adversarial_input);
    tcase_add_test(tc, test_stack_is_bounded);
    tcase_add_test(tc, test_record_sizes);
    tcase_add_test(tc, test_bsearch);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(qsort_suite)
