/* sbw_metrics: the collector's counters and their Prometheus rendering (see sbw_metrics.h). */
#include "sbw_metrics.h"

#include <stdarg.h>
#include <stdio.h>

static const int status_codes[SBW_METRICS_STATUS_SLOTS] = {200, 204, 304, 400, 401, 404,
                                                           405, 408, 413, 415, 500, 503};
static const double latency_le[SBW_METRICS_LATENCY_BUCKETS] = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5};

void sbw_metrics_init(sbw_metrics_t *m)
{
    for (int i = 0; i <= SBW_METRICS_STATUS_SLOTS; i++)
        atomic_init(&m->requests[i], 0);
    atomic_init(&m->events_accepted, 0);
    atomic_init(&m->events_rejected, 0);
    atomic_init(&m->bytes_received, 0);
    atomic_init(&m->objects_written, 0);
    atomic_init(&m->write_failures, 0);
    for (int i = 0; i < SBW_METRICS_LATENCY_BUCKETS; i++)
        atomic_init(&m->write_latency_buckets[i], 0);
    atomic_init(&m->write_latency_count, 0);
    atomic_init(&m->write_latency_sum_us, 0);
}

void sbw_metrics_request(sbw_metrics_t *m, int status)
{
    int slot = SBW_METRICS_STATUS_SLOTS;
    for (int i = 0; i < SBW_METRICS_STATUS_SLOTS; i++)
        if (status_codes[i] == status)
            slot = i;
    atomic_fetch_add(&m->requests[slot], 1);
}

void sbw_metrics_write(sbw_metrics_t *m, double seconds, int ok)
{
    if (!ok) {
        atomic_fetch_add(&m->write_failures, 1);
        return;
    }
    atomic_fetch_add(&m->objects_written, 1);
    for (int i = 0; i < SBW_METRICS_LATENCY_BUCKETS; i++) {
        if (seconds <= latency_le[i]) {
            atomic_fetch_add(&m->write_latency_buckets[i], 1);
            break;
        }
    }
    atomic_fetch_add(&m->write_latency_count, 1);
    atomic_fetch_add(&m->write_latency_sum_us, (uint_fast64_t)(seconds * 1e6));
}

typedef struct {
    char *buf;
    size_t len, cap;
} out_t;

static void put(out_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(out_t *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = o->len < o->cap ? o->cap - o->len : 0;
    int n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len += (size_t)n;
}

size_t sbw_metrics_render(sbw_metrics_t *m, char *buf, size_t buflen)
{
    out_t o = {buf, 0, buflen};
    put(&o, "# HELP sbw_ingest_requests_total HTTP responses by status code.\n"
            "# TYPE sbw_ingest_requests_total counter\n");
    for (int i = 0; i < SBW_METRICS_STATUS_SLOTS; i++)
        put(&o, "sbw_ingest_requests_total{code=\"%d\"} %llu\n", status_codes[i],
            (unsigned long long)atomic_load(&m->requests[i]));
    put(&o, "sbw_ingest_requests_total{code=\"other\"} %llu\n",
        (unsigned long long)atomic_load(&m->requests[SBW_METRICS_STATUS_SLOTS]));
    put(&o, "# HELP sbw_ingest_events_accepted_total Events durably written to the lake.\n"
            "# TYPE sbw_ingest_events_accepted_total counter\n"
            "sbw_ingest_events_accepted_total %llu\n",
        (unsigned long long)atomic_load(&m->events_accepted));
    put(&o, "# HELP sbw_ingest_events_rejected_total Events rejected by validation.\n"
            "# TYPE sbw_ingest_events_rejected_total counter\n"
            "sbw_ingest_events_rejected_total %llu\n",
        (unsigned long long)atomic_load(&m->events_rejected));
    put(&o, "# HELP sbw_ingest_received_bytes_total Request body bytes received.\n"
            "# TYPE sbw_ingest_received_bytes_total counter\n"
            "sbw_ingest_received_bytes_total %llu\n",
        (unsigned long long)atomic_load(&m->bytes_received));
    put(&o, "# HELP sbw_ingest_objects_written_total Lake objects written.\n"
            "# TYPE sbw_ingest_objects_written_total counter\n"
            "sbw_ingest_objects_written_total %llu\n",
        (unsigned long long)atomic_load(&m->objects_written));
    put(&o, "# HELP sbw_ingest_write_failures_total Lake writes that failed (answered 503).\n"
            "# TYPE sbw_ingest_write_failures_total counter\n"
            "sbw_ingest_write_failures_total %llu\n",
        (unsigned long long)atomic_load(&m->write_failures));
    put(&o, "# HELP sbw_ingest_write_seconds Time to write one lake object durably.\n"
            "# TYPE sbw_ingest_write_seconds histogram\n");
    unsigned long long cum = 0;
    for (int i = 0; i < SBW_METRICS_LATENCY_BUCKETS; i++) {
        cum += (unsigned long long)atomic_load(&m->write_latency_buckets[i]);
        put(&o, "sbw_ingest_write_seconds_bucket{le=\"%g\"} %llu\n", latency_le[i], cum);
    }
    unsigned long long count = (unsigned long long)atomic_load(&m->write_latency_count);
    put(&o, "sbw_ingest_write_seconds_bucket{le=\"+Inf\"} %llu\n", count);
    put(&o, "sbw_ingest_write_seconds_sum %.6f\n",
        (double)atomic_load(&m->write_latency_sum_us) / 1e6);
    put(&o, "sbw_ingest_write_seconds_count %llu\n", count);
    return o.len;
}
