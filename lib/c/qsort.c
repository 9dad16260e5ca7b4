/* lib/c/qsort.c: qsort (introsort with bounded stack) and bsearch. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

typedef int (*cmp_fn)(const void *, const void *);

// An array being sorted: elements of size bytes from base.
struct arr {
    char *base;
    size_t size;
    cmp_fn cmp;
    bool words; // elements are whole, aligned 8-byte words: swap by words
};

#define INSERTION_MAX 12 // ranges this short are insertion-sorted

static char *at(const struct arr *a, size_t i) { return a->base + i * a->size; }

static void swap(const struct arr *a, size_t i, size_t j)
{
    if (i == j)
        return;
    if (a->words) {
        uint64_t *x = (uint64_t *)at(a, i), *y = (uint64_t *)at(a, j);
        for (size_t k = 0; k < a->size / 8; k++) {
            uint64_t t = x[k];
            x[k] = y[k];
            y[k] = t;
        }
        return;
    }
    char *x = at(a, i), *y = at(a, j);
    for (size_t k = 0; k < a->size; k++) {
        char t = x[k];
        x[k] = y[k];
        y[k] = t;
    }
}

static int cmp(const struct arr *a, size_t i, size_t j) { return a->cmp(at(a, i), at(a, j)); }

static void insertion_sort(const struct arr *a, size_t lo, size_t hi)
{
    for (size_t i = lo + 1; i <= hi; i++) {
        for (size_t j = i; j > lo && cmp(a, j - 1, j) > 0; j--)
            swap(a, j - 1, j);
    }
}

// Restore the max-heap property below node i of the heap a[lo..lo+n).
static void sift_down(const struct arr *a, size_t lo, size_t i, size_t n)
{
    for (;;) {
        size_t big = i, l = 2 * i + 1, r = 2 * i + 2;
        if (l < n && cmp(a, lo + l, lo + big) > 0)
            big = l;
        if (r < n && cmp(a, lo + r, lo + big) > 0)
            big = r;
        if (big == i)
            return;
        swap(a, lo + i, lo + big);
        i = big;
    }
}

static void heap_sort(const struct arr *a, size_t lo, size_t hi)
{
    size_t n = hi - lo + 1;
    for (size_t i = n / 2; i-- > 0;)
        sift_down(a, lo, i, n);
    for (size_t end = n - 1; end > 0; end--) {
        swap(a, lo, lo + end);
        sift_down(a, lo, 0, end);
    }
}

// Partition a[lo..hi] around the median of its first, middle and last
// elements (moved to lo). Returns the pivot's final index p: a[lo..p-1] <=
// a[p] <= a[p+1..hi]. Both scans stop at elements equal to the pivot, so
// runs of equal keys split evenly instead of degrading to O(n^2).
static size_t partition(const struct arr *a, size_t lo, size_t hi)
{
    size_t mid = lo + (hi - lo) / 2;
    if (cmp(a, mid, lo) < 0)
        swap(a, mid, lo);
    if (cmp(a, hi, lo) < 0)
        swap(a, hi, lo);
    if (cmp(a, hi, mid) < 0)
        swap(a, hi, mid);
    swap(a, lo, mid); // a[lo] is the median; a[hi] >= it stops the left scan
    size_t i = lo, j = hi + 1;
    for (;;) {
        while (cmp(a, ++i, lo) < 0)
            ;
        while (cmp(a, --j, lo) > 0)
            ;
        if (i >= j)
            break;
        swap(a, i, j);
    }
    swap(a, lo, j);
    return j;
}

// Sort a[lo..hi]: recurse into the smaller side of each partition and loop
// on the larger, so the stack holds at most log2(n) frames. After depth
// bad partitions the range goes to heapsort, bounding the comparisons.
static void intro_sort(const struct arr *a, size_t lo, size_t hi, int depth)
{
    while (hi - lo + 1 > INSERTION_MAX) {
        if (depth-- == 0) {
            heap_sort(a, lo, hi);
            return;
        }
        size_t p = partition(a, lo, hi);
        if (p - lo < hi - p) {
            if (p > lo)
                intro_sort(a, lo, p - 1, depth);
            lo = p + 1;
        } else {
            if (p < hi)
                intro_sort(a, p + 1, hi, depth);
            hi = p - 1;
        }
    }
    insertion_sort(a, lo, hi);
}

void qsort(void *base, size_t n, size_t size, cmp_fn cmp_items)
{
    if (n < 2 || size == 0)
        return;
    struct arr a = {base, size, cmp_items, size % 8 == 0 && (uintptr_t)base % 8 == 0};
    int depth = 0;
    for (size_t m = n; m > 1; m >>= 1)
        depth += 2;
    intro_sort(&a, 0, n - 1, depth);
}

void *bsearch(const void *key, const void *base, size_t n, size_t size, cmp_fn cmp_items)
{
    const char *lo = base;
    while (n > 0) {
        const char *mid = lo + (n / 2) * size;
        int c = cmp_items(key, mid);
        if (c == 0)
            return (void *)(uintptr_t)mid;
        if (c > 0) {
            lo = mid + size;
            n -= n / 2 + 1;
        } else {
            n /= 2;
        }
    }
    return NULL;
}
