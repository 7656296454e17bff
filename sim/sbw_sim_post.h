/* sbw_sim_post: sends simulated (or imported) requests to an ingest URL over HTTP: a pool of
 * threads, one keep-alive libcurl handle each; one client's requests always go through the same
 * thread, so they arrive in order. 503 (and transport errors) are retried with backoff,
 * honouring Retry-After. Counts what the server acknowledged, from its answers.
 *
 * Ownership: requests are copied on submit; the poster owns its threads and handles. */
#ifndef SBW_SIM_POST_H
#define SBW_SIM_POST_H

#include <stdint.h>

#include "sbw_sim_gen.h"

typedef struct {
    const char *url;  /* e.g. http://127.0.0.1:8080/clickstream (borrowed) */
    int threads;      /* 1..256 concurrent connections (default 8) */
    int max_attempts; /* per request, 503 and transport errors (default 8) */
    double rate;      /* events per second to pace at; 0 = as fast as possible */
    int progress;     /* print a progress line on stderr every second */
    long timeout_ms;  /* per attempt (default 30000) */
} sbw_sim_post_opts_t;

typedef struct {
    int64_t sent;            /* events handed to the server (each counted once) */
    int64_t accepted;        /* events the server stored */
    int64_t rejected;        /* events the server refused (4xx, or listed as rejected) */
    int64_t requests;        /* requests answered or given up */
    int64_t failed_requests; /* given up after retries (5xx, transport errors) */
    int64_t retries;         /* extra attempts */
    double seconds;
} sbw_sim_post_stats_t;

/* Defaults as documented above. */
void sbw_sim_post_opts_init(sbw_sim_post_opts_t *o);

/* How an answer counts, for a request of n events: 200 {"success":true} = n accepted; an
 * "accepted" number and a "rejected" array = those counts (batches, 200 or 400); any other
 * 4xx = n rejected. Returns 0, or 1 when the request should be retried (503, 429) and -1 for
 * a server error that is not retried as such (other 5xx, unreadable 200): the caller retries
 * both while attempts remain. Pure. */
int sbw_sim_post_count(long status, const char *body, int n, int64_t *accepted, int64_t *rejected);

typedef struct sbw_sim_poster sbw_sim_poster_t;

/* Starts the threads. Returns 0 with *out, or -1 with the reason in err. */
int sbw_sim_poster_new(const sbw_sim_post_opts_t *opts, sbw_sim_poster_t **out, char *err,
                       size_t errlen);

/* Queues a copy of req (blocks while the thread's queue is full; paces to opts->rate).
 * Returns 0, or -1 when out of memory. */
int sbw_sim_poster_submit(sbw_sim_poster_t *p, const sbw_sim_req_t *req);

/* Waits for every queued request, stops the threads, fills *stats. */
void sbw_sim_poster_finish(sbw_sim_poster_t *p, sbw_sim_post_stats_t *stats);

/* Frees (after finish); accepts NULL. */
void sbw_sim_poster_free(sbw_sim_poster_t *p);

/* Prints the summary {"sent":..,"accepted":..,"rejected":..,"failed_requests":..,
 * "seconds":..} (one line) into out. */
void sbw_sim_post_summary(const sbw_sim_post_stats_t *s, char *out, size_t outlen);

#endif
