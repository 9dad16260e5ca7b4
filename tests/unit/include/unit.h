/* tests/unit/include/unit.h: the shared main() of Sietch's Check unit tests. */
#pragma once

#include <check.h>
#include <stdlib.h>

// Define main() running the suite that make_suite() returns. Check prints
// its summary line, which tools/harness reads, and a line for every test
// when CK_VERBOSITY=verbose (tools/grade reads those).
#define UNIT_MAIN(make_suite)                                                                      \
    int main(void)                                                                                 \
    {                                                                                              \
        SRunner *sr = srunner_create(make_suite());                                                \
        srunner_run_all(sr, CK_ENV);                                                               \
        int failed = srunner_ntests_failed(sr);                                                    \
        srunner_free(sr);                                                                          \
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;                                               \
    }
