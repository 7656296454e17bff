/* sbw_commit: group commit of accepted events into the lake.
 *
 * Requests that arrive together are written as ONE lake object, and each request returns only
 * after that object is durable (or failed). The first request of a batch becomes its leader:
 * it waits at most max_wait_us for others (or until the batch holds max_batch_bytes), then
 * waits for a free writer slot (at most max_writers stages run at once) -- its batch still
 * filling meanwhile, so a slow store makes bigger objects, not a queue -- closes the batch and
 * stages it: the object is written durably where readers do not see it (a synced temp file).
 * A publisher thread then makes every staged object visible and durable in one step (renames,
 * one folder sync) and wakes their requests. Staging the next batch overlaps publishing the
 * previous ones, so a file lake needs about one folder sync per round instead of one per object.
 * The requests' bytes are written in place (no copy into the batch): a request's lines must
 * stay valid until its submit returns, which they do because submit waits. Thread-safe. */
#ifndef SBW_COMMIT_H
#define SBW_COMMIT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define SBW_COMMIT_MAX_WRITERS 16

/* Stages one object: writes the bytes of iov durably where readers do not see them yet and
 * returns 0 with *staged (handed to publish later), or -1 with err (nothing left behind).
 * Called from a request thread, never with the committer's lock held; slot (0 ..
 * max_writers-1) is exclusive while the call runs, so a caller can keep one handle per slot. */
typedef int (*sbw_commit_stage_fn)(void *ud, int slot, const char *key, const struct iovec *iov,
                                   int iovcnt, void **staged, char *err, size_t errlen);

/* One staged object handed to publish. */
typedef struct {
    void *staged;         /* from stage; publish consumes it */
    const char *key;      /* the object key */
    double stage_started; /* sbw_committer_clock() when its stage began (latency metrics) */
    int rc;               /* publish sets: 0 durable and visible, -1 failed (with err) */
    char *err;
    size_t errlen;
} sbw_commit_item_t;

/* Makes n staged objects (1 .. SBW_COMMIT_PUBLISH_MAX) visible and durable and sets each
 * item's rc. Called from the committer's publisher thread only (never concurrently with
 * itself). */
#define SBW_COMMIT_PUBLISH_MAX 64
typedef void (*sbw_commit_publish_fn)(void *ud, sbw_commit_item_t *items, size_t n);

typedef struct sbw_committer sbw_committer_t;

typedef struct {
    long max_wait_us;        /* how long a leader waits for more requests (0: no grouping) */
    size_t max_batch_bytes;  /* a batch this big is written at once */
    size_t max_pending_bytes; /* bytes accepted but not yet durable; beyond it submit refuses */
    int max_writers;          /* stages running at once (1..SBW_COMMIT_MAX_WRITERS) */
    /* 0: the lake path is scheduled like any thread. 1..99: the publisher thread, and each
     * stage while it runs, use SCHED_FIFO at this priority, so a durable write is not queued
     * behind the request threads when the CPUs are busy (measured: +20-30 % throughput for
     * 50-event batches, +5-30 % for single events, lower latency). Needs root, CAP_SYS_NICE
     * or RLIMIT_RTPRIO >= rt_priority (systemd: LimitRTPRIO=); when refused the committer
     * works as with 0 and sbw_committer_realtime says why. */
    int rt_priority;
} sbw_commit_opts_t;

typedef struct {
    uint64_t objects_written; /* objects published */
    uint64_t put_failures;    /* objects that failed to stage or publish */
    uint64_t requests_grouped; /* requests that shared an object with an earlier one */
} sbw_commit_stats_t;

/* Creates a committer (and its publisher thread). Returns NULL when out of memory or
 * threads. */
sbw_committer_t *sbw_committer_new(const sbw_commit_opts_t *opts, sbw_commit_stage_fn stage,
                                   sbw_commit_publish_fn publish, void *ud);

/* Stops the publisher and frees; accepts NULL. No submit may be running. */
void sbw_committer_free(sbw_committer_t *c);

/* Adds lines (complete NDJSON lines, each ending in '\n') received at received_ms and waits
 * until the object holding them is durable. The object key is
 * events/YYYY/MM/DD/HH/event-<uuid>.json from the batch's first receive time.
 * Returns 0 when durable; -1 when the write failed (err says why: nothing of this request may
 * be acknowledged); -2 when more than max_pending_bytes are already waiting (overloaded).
 * If key_out is non-NULL it receives the object key (at least 80 bytes). *write_seconds, if
 * non-NULL, gets the time from the start of the object's stage to its publication. */
int sbw_committer_submit(sbw_committer_t *c, const char *lines, size_t len, int64_t received_ms,
                         char *key_out, size_t key_len, double *write_seconds, char *err,
                         size_t errlen);

/* 1: the lake path runs at real-time priority; 0: it was not asked for (rt_priority 0);
 * -errno: it was asked for and refused (EPERM: no privilege), so it runs as with 0. */
int sbw_committer_realtime(sbw_committer_t *c);

/* The committer's clock: CLOCK_MONOTONIC in seconds (that of stage_started). */
double sbw_committer_clock(void);

/* A consistent copy of the counters. */
void sbw_committer_stats(sbw_committer_t *c, sbw_commit_stats_t *out);

#endif
