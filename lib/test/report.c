/* lib/test/report.c: the in-OS tests' result lines (TEST PASS / TEST FAIL). */
#include <stdarg.h>
#include <stdio.h>
#include <test/report.h>

unsigned tests_failed;
const char *test_id_prefix;
bool test_why_on_pass;

bool report(const char *id, bool ok, const char *fmt, ...)
{
    const char *prefix = test_id_prefix ? test_id_prefix : "";
    if (!ok)
        tests_failed++;
    if (ok && !test_why_on_pass) {
        printf("TEST PASS %s%s\n", prefix, id);
        return true;
    }
    char why[240];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    printf("TEST %s %s%s: %s\n", ok ? "PASS" : "FAIL", prefix, id, why);
    return ok;
}
