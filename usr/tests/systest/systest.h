/* usr/tests/systest/systest.h: what systest's test files share. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <test/report.h>

// `systest limits` (limits.c): a child spawned with small limits hits each
// of them while this process, with the defaults, keeps working; and what
// the child held comes back when it is killed.
void test_limits(void);

// `systest limited`: that child's part; `systest neighbour`: the
// neighbour's, with the defaults, beside it.
void limited_main(void);
void neighbour_main(void);

// `systest waiters` (procs.c): more processes than init's table holds, each
// waited for while it runs: init takes ended entries again.
void test_waiters(void);

// `systest lostpage` (lostpage.c): clients' shared pages taken away while
// we serve them (the server library's fault handler); `systest lostclient`
// (lose: killed in the middle of a request) and `systest pageclient` are
// its clients.
void test_lostpage(void);
int lostpage_client(bool lose);

// Yield for ms milliseconds (`systest pause MS`: a child that lives that long).
void pause_ms(uint64_t ms);
