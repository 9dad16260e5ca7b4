/* tests/unit/kv/harness.h: a database on a fake clock, one connection, and helpers to send
 * requests and compare the reply bytes. */
#pragma once

#include <os/kv.h>
#include <stddef.h>

extern uint64_t h_now;      // the fake clock, ms
extern struct kv_db *h_db;  // made by h_setup
extern struct kv_conn *h_c; // a connection to h_db
extern char h_log[1 << 16]; // on_write's reports: "ARG ARG ...\n" each
extern size_t h_log_len;

// A fresh database (maxmemory as given) and connection; h_teardown frees them.
void h_setup_max(uint64_t maxmemory);
void h_setup(void);
void h_teardown(void);

// Feed bytes to h_c and take everything it wrote; *closed (if not NULL)
// says whether it asked to close. The result is valid until the next call.
const char *h_feed(const char *bytes, size_t len, size_t *out_len, bool *closed);

// Send line (an inline request) and require the reply to be resp, byte for byte.
#define EXPECT(line, resp) h_expect(__FILE__, __LINE__, line, resp)
void h_expect(const char *file, int line, const char *req, const char *resp);
// The same, as a multibulk request of the space-separated words of req.
#define EXPECT_MB(line, resp) h_expect_mb(__FILE__, __LINE__, line, resp)
void h_expect_mb(const char *file, int line, const char *req, const char *resp);

// argv of the space-separated words of s, for kv_db_replay.
int h_split(const char *s, const char **argv, size_t *lens, char *store);
// The keys of the database, sorted and each with its type and contents
// as text, to compare two databases.
void h_dump(struct kv_db *db, char *out, size_t size);
