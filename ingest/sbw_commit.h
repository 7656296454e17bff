/* sbw_commit: group commit of accepted events into the lake.
 *
 * Requests that arrive together are written as ONE lake object with one durable put, and each
 * request returns only after that put succeeded (or failed). The first request of a batch
 * becomes its leader: it waits at most max_wait_us for others (or until the batch holds
 * max_batch_bytes), then waits for a free writer slot (at most max_writers puts run at once)
 * -- its batch still filling meanwhile, so a slow store makes bigger objects, not a queue --
 * closes the batch, writes it, and wakes the others. Thread-safe: call from any thread. */
#ifndef SBW_COMMIT_H
#define SBW_COMMIT_H

#include <stddef.h>
#include <stdint.h>

#define SBW_COMMIT_MAX_WRITERS 16

/* Writes one object durably: returns 0 only when it is stored; -1 with err otherwise.
 * Called from a request thread, never with the committer's lock held. slot (0 ..
 * max_writers-1) is exclusive while the call runs, so a caller can keep one lake handle per
 * slot (handles are single-threaded). */
typedef int (*sbw_commit_put_fn)(void *ud, int slot, const char *key, const char *data,
                                 size_t len, char *err, size_t errlen);

typedef struct sbw_committer sbw_committer_t;

typedef struct {
    long max_wait_us;        /* how long a leader waits for more requests (0: no grouping) */
    size_t max_batch_bytes;  /* a batch this big is written at once */
    size_t max_pending_bytes; /* bytes accepted but not yet durable; beyond it submit refuses */
    int max_writers;          /* puts running at once (1..SBW_COMMIT_MAX_WRITERS) */
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


#endif
