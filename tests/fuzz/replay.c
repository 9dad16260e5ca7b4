/*
 * tests/fuzz/replay.c: a Check test that runs one fuzz harness over every
 * file of its checked-in corpus (FUZZ_CORPUS, a directory), without
 * libFuzzer: the seeds, and every input a past finding was minimized to,
 * run in each `make unit` and `make test`.
 */
#include "fuzz.h"
#include <dirent.h>
#include <string.h>
#include <unit.h>

const char *fuzz_input_name;

static char **names;
static int nnames;

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

// The corpus's regular files, sorted, so a loop index names one file.
static void list_corpus(void)
{
    DIR *d = opendir(FUZZ_CORPUS);
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        names = realloc(names, (size_t)(nnames + 1) * sizeof(*names));
        names[nnames++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)nnames, sizeof(*names), cmp_name);
}

static uint8_t *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap)
            buf = realloc(buf, cap = cap ? 2 * cap : 4096);
        size_t got = fread(buf + n, 1, cap - n, f);
        if (got == 0)
            break;
        n += got;
    }
    fclose(f);
    *size = n;
    return buf;
}

START_TEST(replay_one)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", FUZZ_CORPUS, names[_i]);
    fuzz_input_name = path;
    size_t size;
    uint8_t *data = read_file(path, &size);
    // An exact-size copy, so that a read past the input is one past a heap
    // block (AddressSanitizer sees it in the SANITIZE=1 build).
    uint8_t *exact = malloc(size ? size : 1);
    memcpy(exact, data, size);
    free(data);
    ck_assert_int_eq(LLVMFuzzerTestOneInput(exact, size), 0);
    free(exact);
}
END_TEST

START_TEST(corpus_present) { ck_assert_msg(nnames > 0, "no inputs in %s", FUZZ_CORPUS); }
END_TEST

static Suite *replay_suite(void)
{
    list_corpus();
    Suite *s = suite_create("fuzz_replay");
    TCase *tc = tcase_create("corpus");
    tcase_add_test(tc, corpus_present);
    tcase_add_loop_test(tc, replay_one, 0, nnames);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(replay_suite)
