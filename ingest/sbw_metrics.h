/* sbw_metrics: the collector's counters and their Prometheus text rendering.
 *
 * Counters are C11 atomics updated from any request thread without locks; rendering reads a
 * snapshot and writes Prometheus text exposition format 0.0.4. */
#ifndef SBW_METRICS_H
#define SBW_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define SBW_METRICS_STATUS_SLOTS 12 /* 200 204 304 400 401 404 405 408 413 415 500 503 */
#define SBW_METRICS_LATENCY_BUCKETS 12

typedef struct {
    atomic_uint_fast64_t requests[SBW_METRICS_STATUS_SLOTS + 1]; /* last slot: other statuses */
    atomic_uint_fast64_t events_accepted;
    atomic_uint_fast64_t events_rejected;
    atomic_uint_fast64_t bytes_received;
    atomic_uint_fast64_t objects_written;
    atomic_uint_fast64_t write_failures;
    atomic_uint_fast64_t write_latency_buckets[SBW_METRICS_LATENCY_BUCKETS]; /* cumulative at render */
    atomic_uint_fast64_t write_latency_count;
    atomic_uint_fast64_t write_latency_sum_us;
} sbw_metrics_t;

/* Zeroes every counter. */
void sbw_metrics_init(sbw_metrics_t *m);

/* Counts one response with this HTTP status. */
void sbw_metrics_request(sbw_metrics_t *m, int status);

/* Records one lake write of the given duration. */
void sbw_metrics_write(sbw_metrics_t *m, double seconds, int ok);

/* Renders the metrics as Prometheus text into buf (NUL-terminated). Returns the length
 * written, or the length needed when it does not fit (like snprintf). */
size_t sbw_metrics_render(sbw_metrics_t *m, char *buf, size_t buflen);

#endif
