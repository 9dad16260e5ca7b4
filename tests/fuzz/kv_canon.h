/*
 * tests/fuzz/kv_canon.h: helpers of the key-value harnesses: a dataset in
 * a canonical form (two datasets are equal when their forms are), and a
 * recorder of the engine's write reports that replays them.
 */
#pragma once

#include <os/kv.h>
#include <stddef.h>

// The dataset of db as sorted lines, one per value: a string, a list
// element with its index, a set member, a hash field, a sorted-set member
// with its score, a deadline. The order the hash tables keep is left out.
// The result is malloc'd (*len bytes).
char *kv_canon(struct kv_db *db, size_t *len);

// Commands as the engine reports them (kv_config.on_write with a struct
// kv_buf as its argument).
void kv_canon_record(void *buf, int argc, const char *const *argv, const size_t *lens);

// Run every command recorded in buf on db with kv_db_replay; returns how
// many the engine refused.
unsigned kv_canon_replay(const struct kv_buf *buf, struct kv_db *db);
