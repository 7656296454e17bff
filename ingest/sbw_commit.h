/* sbw_commit: group commit of accepted events into the lake.
 *
 * Requests that arrive together are written as ONE lake object with one durable put, and each
 * request returns only after that put succeeded (or failed). The first request of a batch
 * becomes its leader: it waits at most max_wait_us for others (or until the batch holds
 * max_batch_bytes), then waits for the previous put to finish -- its batch still filling
 * meanwhile, so a slow store makes bigger objects, not more of them -- closes the batch, writes
 * it, and wakes the others. One put runs at a time. Thread-safe: call from any request thread. */
#ifndef SBW_COMMIT_H
#define SBW_COMMIT_H

#include <stddef.h>
#include <stdint.h>

/* Writes one object durably: returns 0 only when it is stored; -1 with err otherwise.
 * Called from a request thread, never with the committer's lock held, never concurrently with
 * itself (so one lake handle suffices). */
typedef int (*sbw_commit_put_fn)(void *ud, const char *key, const char *data, size_t len,
                                 char *err, size_t errlen);

typedef struct sbw_committer sbw_committer_t;

typedef struct {
    long max_wait_us;        /* how long a leader waits for more requests (0: no grouping) */
    size_t max_batch_bytes;  /* a batch this big is written at once */
    size_t max_pending_bytes; /* bytes accepted but not yet durable; beyond it submit refuses */
} sbw_commit_opts_t;

typedef struct {
    uint64_t objects_written; /* successful puts */
    uint64_t put_failures;
    uint64_t requests_grouped; /* requests that shared an object with an earlier one */
} sbw_commit_stats_t;

/* Creates a committer writing through put(ud, ...). Returns NULL when out of memory. */
sbw_committer_t *sbw_committer_new(const sbw_commit_opts_t *opts, sbw_commit_put_fn put, void *ud);

/* Frees it; accepts NULL. No submit may be running. */
void sbw_committer_free(sbw_committer_t *c);

/* Adds lines (complete NDJSON lines, each ending in '\n') received at received_ms and waits
 * until the object holding them is durable. The object key is
 * events/YYYY/MM/DD/HH/event-<uuid>.json from the batch's first receive time.
 * Returns 0 when durable; -1 when the write failed (err says why: nothing of this request may
 * be acknowledged); -2 when more than max_pending_bytes are already waiting (overloaded).
 * If key_out is non-NULL it receives the object key (at least 80 bytes). *write_us, if
 * non-NULL, gets the duration of the put. */
int sbw_committer_submit(sbw_committer_t *c, const char *lines, size_t len, int64_t received_ms,
                         char *key_out, size_t key_len, double *write_seconds, char *err,
                         size_t errlen);

/* A consistent copy of the counters. */
void sbw_committer_stats(sbw_committer_t *c, sbw_commit_stats_t *out);

/* Formats the lake key for a batch: events/YYYY/MM/DD/HH/event-<uuid>.json (UTC). Pure. */
void sbw_commit_key(int64_t received_ms, const char *uuid, char *out, size_t outlen);

#endif
