/* sbw_etl: one ETL run — select, load exactly once, hook, report (see sbw_etl.h). */
#include "sbw_etl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "sbw_buf.h"
#include "sbw_etl_copy.h"
#include "sbw_etl_fetch.h"
#include "sbw_etl_hook.h"
#include "sbw_etl_sql.h"
#include "sbw_event.h"
#include "sbw_lakefmt.h"
#include "sbw_log.h"
#include "sbw_pg.h"
#include "sbw_time.h"
#include "sbw_utf8.h"

#define HOUR_MS ((int64_t)3600 * 1000)
#define SBW_ETL_DEFAULT_REFRESH_URL "http://127.0.0.1:8081/api/v1/refresh"
#define COPY_FLUSH_BYTES ((size_t)1 << 20) /* send COPY data in pieces of about 1 MiB */

/* ---- settings ---- */

static const sbw_cfg_var_t etl_vars[] = {
    SBW_PG_CFG_VARS,
    {"TARGET_TABLE", NULL, SBW_CFG_STR, "clickstream_events", 0, 0, 0,
     "warehouse table to load; only clickstream_events (or public.clickstream_events) is accepted"},
    {"MAX_RECORDS_PER_BATCH", NULL, SBW_CFG_INT, "50000", 1, 1000000, 0,
     "rows per load transaction (a transaction ends after the object that reaches it)"},
    {"SBW_ETL_BATCH_OBJECTS", NULL, SBW_CFG_INT, "200", 1, 100000, 0,
     "lake objects per load transaction"},
    {"SBW_ETL_BATCH_BYTES", NULL, SBW_CFG_INT, "67108864", 1024, 1073741824, 0,
     "object bytes per load transaction (a transaction ends after the object that reaches it)"},
    {"SBW_ETL_MAX_OBJECT_BYTES", NULL, SBW_CFG_INT, "67108864", 1024, 1073741824, 0,
     "larger lake objects are rejected, not read"},
    {"SBW_ETL_LOOKBACK_HOURS", NULL, SBW_CFG_INT, "48", 0, 8784, 0,
     "hours before the last complete hour listed again for late files"},
    {"SBW_ETL_GET_ATTEMPTS", NULL, SBW_CFG_INT, "3", 1, 20, 0,
     "reads of one object (with backoff) before it is left for the next run"},
    {"SBW_ETL_READERS", NULL, SBW_CFG_INT, "8", 1, 64, 0,
     "S3 lakes: objects read at once, each reader with its own connection (a local folder is "
     "read by the loading thread)"},
    {"SBW_ETL_PROGRESS_SECONDS", NULL, SBW_CFG_INT, "5", 1, 3600, 0,
     "seconds between progress lines on stderr"},
    {"SBW_REFRESH_URL", NULL, SBW_CFG_STR, SBW_ETL_DEFAULT_REFRESH_URL, 0, 0, 0,
     "analytics server refresh hook, POSTed after a load that inserted rows (set but empty, or "
     "off: disabled)"},
    {"SBW_REFRESH_TOKEN", NULL, SBW_CFG_STR, NULL, 0, 0, 1, "bearer token for the refresh hook"},
    {"SBW_REFRESH_TIMEOUT_MS", NULL, SBW_CFG_INT, "120000", 100, 3600000, 0,
     "refresh hook connect and total timeout (the server answers when its refresh is done)"},
    {"SBW_LOG_LEVEL", NULL, SBW_CFG_STR, "info", 0, 0, 0, "debug, info, warn or error"},
    {"SBW_ETL_NOW", NULL, SBW_CFG_STR, NULL, 0, 0, 0,
     "tests and replays only: the time the run takes as now (ISO 8601); unset = the clock"},
};

const sbw_cfg_var_t *sbw_etl_cfg_vars(size_t *n)
{
    *n = sizeof etl_vars / sizeof *etl_vars;
    return etl_vars;
}

int sbw_etl_settings_load(const sbw_cfg_t *cfg, sbw_cfg_lookup_fn lookup, void *ud,
                          const char *cwd_default, sbw_etl_settings_t *st, char *err, size_t errlen)
{
    memset(st, 0, sizeof *st);
    const char *table = sbw_cfg_str(cfg, "TARGET_TABLE");
    if (strcmp(table, "clickstream_events") != 0 &&
        strcmp(table, "public.clickstream_events") != 0) {
        snprintf(err, errlen,
                 "TARGET_TABLE: only clickstream_events is supported (got '%.64s'); the warehouse "
                 "schema, grants and aggregates are built around it",
                 table);
        return -1;
    }
    st->max_rows = sbw_cfg_int(cfg, "MAX_RECORDS_PER_BATCH");
    st->max_objects = sbw_cfg_int(cfg, "SBW_ETL_BATCH_OBJECTS");
    st->max_batch_bytes = (size_t)sbw_cfg_int(cfg, "SBW_ETL_BATCH_BYTES");
    st->max_object_bytes = (size_t)sbw_cfg_int(cfg, "SBW_ETL_MAX_OBJECT_BYTES");
    st->lookback_hours = sbw_cfg_int(cfg, "SBW_ETL_LOOKBACK_HOURS");
    st->get_attempts = sbw_cfg_int(cfg, "SBW_ETL_GET_ATTEMPTS");
    st->readers = (int)sbw_cfg_int(cfg, "SBW_ETL_READERS");
    st->progress_seconds = sbw_cfg_int(cfg, "SBW_ETL_PROGRESS_SECONDS");
    st->hook_timeout_ms = sbw_cfg_int(cfg, "SBW_REFRESH_TIMEOUT_MS");
    st->now_ms = -1;
    const char *now = sbw_cfg_str(cfg, "SBW_ETL_NOW");
    if (now && sbw_time_parse_iso(now, &st->now_ms) != 0) {
        snprintf(err, errlen, "SBW_ETL_NOW: expected an ISO 8601 time");
        return -1;
    }
    /* Set but empty disables the hook (the settings table treats empty as unset). */
    const char *raw_url = lookup("SBW_REFRESH_URL", ud);
    const char *u = sbw_cfg_str(cfg, "SBW_REFRESH_URL");
    if ((raw_url && !*raw_url) || (u && strcmp(u, "off") == 0))
        u = "";
    const char *t = sbw_cfg_str(cfg, "SBW_REFRESH_TOKEN");
    if ((u && strlen(u) >= sizeof st->refresh_url) ||
        (t && strlen(t) >= sizeof st->refresh_token)) {
        snprintf(err, errlen, "SBW_REFRESH_URL / SBW_REFRESH_TOKEN: too long");
        return -1;
    }
    if (u && *u && strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0) {
        snprintf(err, errlen, "SBW_REFRESH_URL: expected an http:// or https:// URL");
        return -1;
    }
    snprintf(st->refresh_url, sizeof st->refresh_url, "%s", u ? u : "");
    snprintf(st->refresh_token, sizeof st->refresh_token, "%s", t ? t : "");
    if (sbw_lake_opts_from_env(&st->lake_opts, lookup, ud, err, errlen) != 0)
        return -1;
    int rc = sbw_lake_url_from_env(lookup, ud, st->lake_url, sizeof st->lake_url, err, errlen);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        int n =
            snprintf(st->lake_url, sizeof st->lake_url, "file://%s/var/lake/clickstream-s3-ingest",
                     cwd_default ? cwd_default : "");
        if (n < 0 || (size_t)n >= sizeof st->lake_url || !cwd_default || cwd_default[0] != '/') {
            snprintf(err, errlen, "SBW_LAKE: unset and no usable default folder");
            return -1;
        }
    }
    sbw_lake_url_t parsed;
    if (sbw_lake_url_parse(st->lake_url, &parsed, err, errlen) != 0)
        return -1;
    return 0;
}

/* ---- the run ---- */

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A listed object waiting to be loaded. */
typedef struct {
    char *key;
    int64_t size;
    char *etag;
    int64_t last_modified_ms;
} pending_t;

/* Counts of the open transaction, added to the summary only once it commits. */
typedef struct {
    long objects_loaded, objects_rejected, staged, rejected;
    int64_t bytes;
    long n_objects;
} tx_counts_t;

typedef struct {
    const sbw_etl_settings_t *st;
    const sbw_etl_opts_t *o;
    sbw_etl_summary_t *sum;
    PGconn *conn;
    sbw_lake_t *list_lake;
    sbw_lake_t *get_lakes[SBW_ETL_READERS_MAX]; /* one per reader thread (or one, inline) */
    int n_get_lakes;
    sbw_etl_fetch_t *fetch; /* reads the objects of a round ahead of the loader */
    int64_t now_ms;
    int64_t seq;                /* stage_seq of the next staged row */
    int64_t earliest_failed_ms; /* hour of the earliest object left for the next run, or -1 */
    sbw_buf_t copy;             /* event rows not yet sent */
    sbw_buf_t objects;          /* objects staging rows of the open transaction */
    sbw_buf_t rejects;          /* etl_rejects rows of the open transaction */
    tx_counts_t tx;
    int in_copy;
    double t0, last_progress;
    int listing_done;
    char err[900];
} run_t;

/* Per object, during parsing. */
typedef struct {
    run_t *r;
    const char *key;
    long valid, bad, written_rejects;
    int failed; /* out of memory or COPY failure */
} obj_t;

static int stopping(const run_t *r)
{
    return r->o->stop && *r->o->stop;
}

static void progress(run_t *r, int force)
{
    double now = mono_s();
    if (!force && now - r->last_progress < (double)r->st->progress_seconds)
        return;
    r->last_progress = now;
    double el = now - r->t0;
    if (el <= 0)
        el = 1e-9;
    const sbw_etl_summary_t *s = r->sum;
    long done = s->objects_loaded + s->objects_rejected + s->objects_skipped + s->objects_failed;
    double ops = (double)(s->objects_loaded + s->objects_rejected) / el;
    char eta[64] = "";
    if (r->listing_done && ops > 0 && s->objects_listed > done)
        snprintf(eta, sizeof eta, ", ETA %.0f s", (double)(s->objects_listed - done) / ops);
    else if (r->listing_done)
        snprintf(eta, sizeof eta, ", listing complete");
    SBW_INFO(
        NULL,
        "progress: %ld/%ld%s objects done (%ld loaded, %ld rejected, %ld skipped), %.0f objects/s, "
        "%.0f events/s, %ld events inserted%s",
        done, s->objects_listed, r->listing_done ? "" : "+", s->objects_loaded, s->objects_rejected,
        s->objects_skipped, ops, (double)s->events_inserted / el, s->events_inserted, eta);
}

/* A reject row: record_index < 0 means the whole object. */
static int add_reject(run_t *r, const char *key, int index, const char *reason, const char *excerpt,
                      size_t excerpt_len)
{
    char *rs = sbw_utf8_sanitize(reason, strlen(reason), 2048);
    char *ex = excerpt ? sbw_utf8_sanitize(excerpt, excerpt_len, SBW_ETL_EXCERPT_BYTES) : NULL;
    char idx[16];
    snprintf(idx, sizeof idx, "%d", index);
    int rc = (!rs || (excerpt && !ex)) ? -1
             : (sbw_buf_printf(&r->rejects, "%" PRId64 "\t", r->sum->run_id) ||
                sbw_etl_copy_field(&r->rejects, key) || sbw_buf_append(&r->rejects, "\t", 1) ||
                sbw_etl_copy_field(&r->rejects, index >= 0 ? idx : NULL) ||
                sbw_buf_append(&r->rejects, "\t", 1) || sbw_etl_copy_field(&r->rejects, rs) ||
                sbw_buf_append(&r->rejects, "\t", 1) || sbw_etl_copy_field(&r->rejects, ex) ||
                sbw_buf_append(&r->rejects, "\n", 1))
                 ? -1
                 : 0;
    free(rs);
    free(ex);
    return rc;
}

static int flush_copy(run_t *r)
{
    if (r->copy.len == 0)
        return 0;
    int rc = sbw_etl_sql_copy_put(r->conn, r->copy.data, r->copy.len, r->err, sizeof r->err);
    sbw_buf_reset(&r->copy);
    return rc;
}

static int on_record(const cJSON *obj, int index, const char *error, void *ud)
{
    obj_t *o = ud;
    run_t *r = o->r;
    char why[SBW_EVENT_ERR_SIZE + 16] = "";
    if (!error) {
        sbw_event_t ev;
        if (sbw_event_normalise(obj, o->key, index, r->now_ms, &ev, why, SBW_EVENT_ERR_SIZE) == 0) {
            int rc = sbw_etl_copy_row(&r->copy, &ev, r->seq++);
            sbw_event_cleanup(&ev);
            if (rc != 0 || (r->copy.len >= COPY_FLUSH_BYTES && flush_copy(r) != 0)) {
                if (rc != 0)
                    snprintf(r->err, sizeof r->err, "out of memory staging %s", o->key);
                o->failed = 1;
                return 1;
            }
            o->valid++;
            return 0;
        }
        char tmp[SBW_EVENT_ERR_SIZE];
        snprintf(tmp, sizeof tmp, "%.500s", why);
        snprintf(why, sizeof why, "normalise: %s", tmp);
    } else {
        snprintf(why, sizeof why, "%s", error);
    }
    o->bad++;
    if (o->written_rejects < SBW_ETL_REJECTS_PER_OBJECT) {
        char *text = obj ? cJSON_PrintUnformatted(obj) : NULL;
        int rc = add_reject(r, o->key, index, why, text, text ? strlen(text) : 0);
        free(text);
        if (rc != 0) {
            snprintf(r->err, sizeof r->err, "out of memory recording rejects of %s", o->key);
            o->failed = 1;
            return 1;
        }
        o->written_rejects++;
    }
    return 0;
}

/* Appends the object's staging row. */
static int add_object_row(run_t *r, const pending_t *p, const char *status, long total,
                          long rejected)
{
    char lm[SBW_TIME_ISO_SIZE];
    int have_lm =
        p->last_modified_ms > 0 && sbw_time_format_iso(p->last_modified_ms, lm, sizeof lm) == 0;
    if (sbw_etl_copy_field(&r->objects, p->key) ||
        sbw_buf_printf(&r->objects, "\t%" PRId64 "\t", p->size) ||
        sbw_etl_copy_field(&r->objects, p->etag && *p->etag ? p->etag : NULL) ||
        sbw_buf_append(&r->objects, "\t", 1) ||
        sbw_etl_copy_field(&r->objects, have_lm ? lm : NULL) ||
        sbw_buf_printf(&r->objects, "\t%s\t%ld\t%ld\n", status, total, rejected)) {
        snprintf(r->err, sizeof r->err, "out of memory");
        return -1;
    }
    return 0;
}

/* Stages one object inside the open transaction (COPY of events in progress). Returns 0 (it
 * was staged, rejected or left), or -1 on a fatal error (r->err). */
static int stage_object(run_t *r, const pending_t *p, size_t index)
{
    char *data = NULL;
    size_t len = 0;
    char why[1024] = "";
    int rc = sbw_etl_fetch_take(r->fetch, index, &data, &len, why, sizeof why);
    if (rc == SBW_ETL_READ_LEAVE) {
        r->sum->objects_failed++;
        int64_t h = sbw_etl_key_hour(p->key);
        if (r->earliest_failed_ms < 0 || (h >= 0 && h < r->earliest_failed_ms))
            r->earliest_failed_ms = h >= 0 ? h : 0;
        return 0;
    }
    r->tx.n_objects++;
    if (rc == SBW_ETL_READ_REJECT) {
        SBW_WARN(p->key, "object rejected: %s", why);
        r->tx.objects_rejected++;
        return add_reject(r, p->key, -1, why, NULL, 0) || add_object_row(r, p, "rejected", 0, 0)
                   ? (snprintf(r->err, sizeof r->err, "out of memory"), -1)
                   : 0;
    }
    r->tx.bytes += (int64_t)len;
    obj_t o = {r, p->key, 0, 0, 0, 0};
    int prc = sbw_lake_parse(data, len, on_record, &o);
    if (prc < 0 && !o.failed)
        snprintf(r->err, sizeof r->err, "out of memory parsing %s", p->key);
    if (o.bad > o.written_rejects) {
        char more[128];
        snprintf(more, sizeof more, "%ld more rejected records not listed",
                 o.bad - o.written_rejects);
        if (add_reject(r, p->key, -1, more, NULL, 0) != 0)
            prc = -1;
    }
    const char *status = "loaded";
    if (o.valid == 0) {
        status = "rejected";
        const char *reason = o.bad ? "no valid records" : "object holds no records";
        if (add_reject(r, p->key, -1, reason, data, len) != 0)
            prc = -1;
    }
    free(data);
    if (o.failed || prc < 0)
        return -1;
    if (add_object_row(r, p, status, o.valid + o.bad, o.bad) != 0)
        return -1;
    if (o.valid == 0)
        r->tx.objects_rejected++;
    else
        r->tx.objects_loaded++;
    if (o.bad)
        SBW_INFO(p->key, "%ld of %ld records rejected", o.bad, o.valid + o.bad);
    r->tx.staged += o.valid;
    r->tx.rejected += o.bad;
    return 0;
}

static void tx_reset(run_t *r)
{
    memset(&r->tx, 0, sizeof r->tx);
    sbw_buf_reset(&r->copy);
    sbw_buf_reset(&r->objects);
    sbw_buf_reset(&r->rejects);
}

/* Ends the events COPY, stages objects and rejects, moves the batch, commits, and adds the
 * transaction's counts to the summary. Returns 0 or -1 (rolled back, r->err). */
static int commit_tx(run_t *r)
{
    long inserted = 0;
    int64_t lo = -1, hi = -1;
    double t_start = mono_s(), t_moved = 0;
    if (flush_copy(r) != 0)
        goto fail;
    r->in_copy = 0; /* ended below, successfully or not */
    if (sbw_etl_sql_copy_end(r->conn, NULL, r->err, sizeof r->err) != 0)
        goto fail;
    if (r->objects.len) {
        if (sbw_etl_sql_copy_start(r->conn, SBW_ETL_COPY_OBJECTS, r->err, sizeof r->err) ||
            sbw_etl_sql_copy_put(r->conn, r->objects.data, r->objects.len, r->err, sizeof r->err) ||
            sbw_etl_sql_copy_end(r->conn, NULL, r->err, sizeof r->err))
            goto fail;
    }
    if (r->rejects.len) {
        if (sbw_etl_sql_copy_start(r->conn, SBW_ETL_COPY_REJECTS, r->err, sizeof r->err) ||
            sbw_etl_sql_copy_put(r->conn, r->rejects.data, r->rejects.len, r->err, sizeof r->err) ||
            sbw_etl_sql_copy_end(r->conn, NULL, r->err, sizeof r->err))
            goto fail;
    }
    double t_staged = mono_s();
    if (sbw_etl_sql_move_batch(r->conn, r->sum->run_id, &inserted, &lo, &hi, r->err,
                               sizeof r->err) != 0)
        goto fail;
    t_moved = mono_s();
    if (sbw_etl_sql_commit(r->conn, r->err, sizeof r->err) != 0)
        goto fail;
    sbw_etl_summary_t *s = r->sum;
    s->objects_loaded += r->tx.objects_loaded;
    s->objects_rejected += r->tx.objects_rejected;
    s->events_inserted += inserted;
    s->events_duplicate += r->tx.staged - inserted;
    s->events_rejected += r->tx.rejected;
    s->bytes += r->tx.bytes;
    if (lo >= 0 && (s->min_event_ms < 0 || lo < s->min_event_ms))
        s->min_event_ms = lo;
    if (hi >= 0 && hi > s->max_event_ms)
        s->max_event_ms = hi;
    SBW_DEBUG(NULL,
              "committed %ld objects: %ld rows inserted, %ld duplicate (end of COPY %.3f s, "
              "move %.3f s, commit %.3f s)",
              r->tx.n_objects, inserted, r->tx.staged - inserted, t_staged - t_start,
              t_moved - t_staged, mono_s() - t_moved);
    tx_reset(r);
    return 0;
fail:
    if (r->in_copy)
        sbw_etl_sql_copy_end(r->conn, "aborted", NULL, 0);
    r->in_copy = 0;
    sbw_etl_sql_rollback(r->conn);
    tx_reset(r);
    return -1;
}

static int open_tx(run_t *r)
{
    if (sbw_etl_sql_begin(r->conn, r->err, sizeof r->err) != 0 ||
        sbw_etl_sql_copy_start(r->conn, SBW_ETL_COPY_EVENTS, r->err, sizeof r->err) != 0) {
        sbw_etl_sql_rollback(r->conn);
        return -1;
    }
    r->in_copy = 1;
    return 0;
}

/* Loads pending[0..n) in transactions bounded by the batch limits, the objects read ahead by
 * r->fetch. Returns 0 or -1. */
static int load_pending_from(run_t *r, pending_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (stopping(r)) {
            snprintf(r->err, sizeof r->err, "interrupted by a signal");
            return -1;
        }
        if (open_tx(r) != 0)
            return -1;
        while (i < n) {
            if (stage_object(r, &p[i], i) != 0) {
                sbw_etl_sql_copy_end(r->conn, "aborted", NULL, 0);
                r->in_copy = 0;
                sbw_etl_sql_rollback(r->conn);
                tx_reset(r);
                return -1;
            }
            i++;
            if (r->tx.n_objects >= r->st->max_objects || r->tx.staged >= r->st->max_rows ||
                (size_t)r->tx.bytes >= r->st->max_batch_bytes)
                break;
        }
        if (commit_tx(r) != 0)
            return -1;
        progress(r, 0);
    }
    return 0;
}

static int load_pending(run_t *r, pending_t *p, size_t n)
{
    if (n == 0)
        return 0;
    char **keys = malloc(n * sizeof *keys);
    int64_t *sizes = malloc(n * sizeof *sizes);
    if (!keys || !sizes) {
        free(keys);
        free(sizes);
        snprintf(r->err, sizeof r->err, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        keys[i] = p[i].key;
        sizes[i] = p[i].size;
    }
    if (sbw_etl_fetch_start(r->fetch, keys, sizes, n) != 0)
        SBW_WARN(NULL, "could not start the reader threads; reading one object at a time");
    int rc = load_pending_from(r, p, n);
    sbw_etl_fetch_stop(r->fetch);
    free(keys);
    free(sizes);
    return rc;
}

/* ---- listing ---- */

typedef struct {
    pending_t *items;
    size_t n, cap;
    char last[SBW_LAKE_KEY_MAX + 1];
    int oom;
} chunk_t;

static void chunk_clear(chunk_t *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->items[i].key);
        free(c->items[i].etag);
    }
    c->n = 0;
}

static int on_listed(const char *key, int64_t size, const char *etag, int64_t lm, void *ud)
{
    chunk_t *c = ud;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 256;
        pending_t *ni = realloc(c->items, cap * sizeof *ni);
        if (!ni) {
            c->oom = 1;
            return 1;
        }
        c->items = ni;
        c->cap = cap;
    }
    pending_t *p = &c->items[c->n];
    p->key = strdup(key);
    p->etag = strdup(etag ? etag : "");
    p->size = size;
    p->last_modified_ms = lm;
    if (!p->key || !p->etag) {
        free(p->key);
        free(p->etag);
        c->oom = 1;
        return 1;
    }
    c->n++;
    snprintf(c->last, sizeof c->last, "%s", key);
    return c->n >= SBW_ETL_LIST_CHUNK;
}

/* Lists prefix after start_after chunk by chunk; loads each chunk's new objects. */
static int process_prefix(run_t *r, const char *prefix, const char *start_after)
{
    chunk_t c = {0};
    unsigned char *state = malloc(SBW_ETL_LIST_CHUNK);
    pending_t *todo = malloc(SBW_ETL_LIST_CHUNK * sizeof *todo);
    char cursor[SBW_LAKE_KEY_MAX + 1];
    snprintf(cursor, sizeof cursor, "%s", start_after ? start_after : "");
    int rc = -1;
    if (!state || !todo) {
        snprintf(r->err, sizeof r->err, "out of memory");
        goto out;
    }
    for (;;) {
        chunk_clear(&c);
        if (sbw_lake_list(r->list_lake, prefix, cursor, on_listed, &c, r->err, sizeof r->err) != 0)
            goto out;
        if (c.oom) {
            snprintf(r->err, sizeof r->err, "out of memory listing the lake");
            goto out;
        }
        const char **keys = malloc((c.n ? c.n : 1) * sizeof *keys);
        if (!keys) {
            snprintf(r->err, sizeof r->err, "out of memory");
            goto out;
        }
        for (size_t i = 0; i < c.n; i++)
            keys[i] = c.items[i].key;
        int lrc = sbw_etl_sql_manifest_lookup(r->conn, keys, c.n, state, r->err, sizeof r->err);
        free(keys);
        if (lrc != 0)
            goto out;
        size_t nt = 0;
        for (size_t i = 0; i < c.n; i++) {
            r->sum->objects_listed++;
            int take = state[i] == SBW_ETL_NEW || r->o->reload ||
                       (state[i] == SBW_ETL_REJECTED && r->o->retry_rejected);
            if (take)
                todo[nt++] = c.items[i];
            else
                r->sum->objects_skipped++;
        }
        int last_chunk = c.n < SBW_ETL_LIST_CHUNK;
        if (last_chunk)
            r->listing_done = 1;
        if (r->o->dry_run) {
            r->sum->objects_loaded += (long)nt; /* would be loaded */
        } else if (load_pending(r, todo, nt) != 0) {
            goto out;
        }
        if (last_chunk)
            break;
        snprintf(cursor, sizeof cursor, "%s", c.last);
    }
    rc = 0;
out:
    chunk_clear(&c);
    free(c.items);
    free(state);
    free(todo);
    return rc;
}

/* ---- summary ---- */

char *sbw_etl_summary_json(const sbw_etl_summary_t *s)
{
    cJSON *j = cJSON_CreateObject();
    if (!j)
        return NULL;
    if (s->run_id)
        cJSON_AddNumberToObject(j, "run_id", (double)s->run_id);
    else
        cJSON_AddNullToObject(j, "run_id");
    cJSON_AddStringToObject(j, "status", s->status);
    if (s->mode[0])
        cJSON_AddStringToObject(j, "selection", s->mode);
    cJSON_AddNumberToObject(j, "objects_listed", (double)s->objects_listed);
    cJSON_AddNumberToObject(j, "objects_skipped", (double)s->objects_skipped);
    cJSON_AddNumberToObject(j, "objects_loaded", (double)s->objects_loaded);
    cJSON_AddNumberToObject(j, "objects_rejected", (double)s->objects_rejected);
    cJSON_AddNumberToObject(j, "objects_failed", (double)s->objects_failed);
    cJSON_AddNumberToObject(j, "events_inserted", (double)s->events_inserted);
    cJSON_AddNumberToObject(j, "events_duplicate", (double)s->events_duplicate);
    cJSON_AddNumberToObject(j, "events_rejected", (double)s->events_rejected);
    cJSON_AddNumberToObject(j, "bytes", (double)s->bytes);
    char t[SBW_TIME_ISO_SIZE];
    if (s->min_event_ms >= 0 && sbw_time_format_iso(s->min_event_ms, t, sizeof t) == 0)
        cJSON_AddStringToObject(j, "min_event_at", t);
    if (s->max_event_ms >= 0 && sbw_time_format_iso(s->max_event_ms, t, sizeof t) == 0)
        cJSON_AddStringToObject(j, "max_event_at", t);
    cJSON_AddNumberToObject(j, "seconds", (double)(int64_t)(s->seconds * 1000 + 0.5) / 1000.0);
    if (s->hook[0])
        cJSON_AddStringToObject(j, "hook", s->hook);
    if (s->error[0])
        cJSON_AddStringToObject(j, "error", s->error);
    char *out = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return out;
}

static char *selection_json(const sbw_etl_plan_t *plan, const sbw_etl_opts_t *o)
{
    cJSON *j = cJSON_CreateObject();
    if (!j)
        return NULL;
    cJSON_AddStringToObject(j, "mode", plan->mode);
    if (!plan->manual) {
        cJSON_AddStringToObject(j, "start_after", plan->start_after);
    } else if (plan->prefix[0]) {
        cJSON_AddStringToObject(j, "prefix", plan->prefix);
    } else {
        cJSON *a = cJSON_AddArrayToObject(j, "prefixes");
        for (size_t i = 0; a && i < plan->n; i++)
            cJSON_AddItemToArray(a, cJSON_CreateString(plan->prefixes[i]));
    }
    if (o->reload)
        cJSON_AddTrueToObject(j, "reload");
    if (o->retry_rejected)
        cJSON_AddTrueToObject(j, "retry_rejected");
    char *out = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return out;
}

static void post_hook(run_t *r)
{
    sbw_etl_summary_t *s = r->sum;
    if (!r->st->refresh_url[0]) {
        snprintf(s->hook, sizeof s->hook, "disabled");
        return;
    }
    if (s->events_inserted == 0) {
        snprintf(s->hook, sizeof s->hook, "none");
        return;
    }
    char lo[SBW_TIME_ISO_SIZE] = "", hi[SBW_TIME_ISO_SIZE] = "", body[256];
    sbw_time_format_iso(s->min_event_ms, lo, sizeof lo);
    sbw_time_format_iso(s->max_event_ms, hi, sizeof hi);
    snprintf(body, sizeof body,
             "{\"run_id\":%" PRId64
             ",\"inserted\":%ld,\"min_event_at\":\"%s\",\"max_event_at\":\"%s\"}",
             s->run_id, s->events_inserted, lo, hi);
    char why[256];
    if (sbw_etl_hook_post(r->st->refresh_url, r->st->refresh_token, r->st->hook_timeout_ms, body,
                          why, sizeof why) == 0) {
        snprintf(s->hook, sizeof s->hook, "ok");
    } else {
        snprintf(s->hook, sizeof s->hook, "failed: %s", why);
        SBW_WARN(NULL, "refresh hook %s failed (the load still counts): %s", r->st->refresh_url,
                 why);
    }
}

/* The lake handles that read objects and the pool over them: on S3, SBW_ETL_READERS threads
 * with a handle (connection) each, reading up to 4 objects per reader and SBW_ETL_BATCH_BYTES
 * of listed size ahead of the loader; a local folder is read inline. Returns 0 or -1. */
static int open_readers(run_t *r)
{
    sbw_lake_url_t u;
    if (sbw_lake_url_parse(r->st->lake_url, &u, r->err, sizeof r->err) != 0)
        return -1;
    int threads = u.kind == SBW_LAKE_S3 && r->st->readers > 1 ? r->st->readers : 0;
    if (threads > SBW_ETL_READERS_MAX)
        threads = SBW_ETL_READERS_MAX;
    int handles = threads ? threads : 1;
    for (; r->n_get_lakes < handles; r->n_get_lakes++)
        if (sbw_lake_open(r->st->lake_url, &r->st->lake_opts, &r->get_lakes[r->n_get_lakes],
                          r->err, sizeof r->err) != 0)
            return -1;
    r->fetch = sbw_etl_fetch_new(r->get_lakes, threads, r->st->max_object_bytes,
                                 r->st->get_attempts, (size_t)(threads ? 4 * threads : 1),
                                 r->st->max_batch_bytes);
    if (!r->fetch) {
        snprintf(r->err, sizeof r->err, "out of memory");
        return -1;
    }
    return 0;
}

int sbw_etl_run(const sbw_cfg_t *cfg, const sbw_etl_settings_t *st, const sbw_etl_opts_t *o,
                sbw_etl_summary_t *out)
{
    memset(out, 0, sizeof *out);
    out->min_event_ms = out->max_event_ms = -1;
    run_t r = {0};
    r.st = st;
    r.o = o;
    r.sum = out;
    r.now_ms = st->now_ms >= 0 ? st->now_ms : wall_ms();
    r.t0 = r.last_progress = mono_s();
    r.earliest_failed_ms = -1;
    sbw_buf_init(&r.copy, 0);
    sbw_buf_init(&r.objects, 0);
    sbw_buf_init(&r.rejects, 0);
    char *selection = NULL;
    int ret = 1, locked = 0;
    sbw_etl_plan_t *plan = calloc(1, sizeof *plan);
    if (!plan) {
        snprintf(out->status, sizeof out->status, "failed");
        snprintf(out->error, sizeof out->error, "out of memory");
        return 1;
    }
    snprintf(out->status, sizeof out->status, "failed");

    if (sbw_pg_connect(cfg, "sbw-etl", &r.conn, r.err, sizeof r.err) != 0) {
        snprintf(out->error, sizeof out->error, "%s", r.err);
        goto out; /* nothing recorded */
    }
    PQclear(PQexec(r.conn, "SET client_min_messages = warning"));
    if (sbw_etl_sql_try_lock(r.conn, &locked, r.err, sizeof r.err) != 0) {
        snprintf(out->error, sizeof out->error, "%s", r.err);
        goto out;
    }
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    if (!locked) {
        snprintf(out->status, sizeof out->status, "skipped");
        snprintf(out->error, sizeof out->error, "another sbw-etl run holds the lock");
        if (!o->dry_run)
            sbw_etl_sql_run_start(r.conn, o->trigger, "{\"mode\":\"skipped\"}", host, 1,
                                  &out->run_id, NULL, 0);
        SBW_INFO(NULL, "another run is loading; skipped");
        ret = 0;
        goto out;
    }
    int64_t watermark = -1;
    if ((!o->dry_run && sbw_etl_sql_close_stale_runs(r.conn, r.err, sizeof r.err) != 0) ||
        sbw_etl_sql_watermark(r.conn, &watermark, r.err, sizeof r.err) != 0) {
        snprintf(out->error, sizeof out->error, "%s", r.err);
        goto out;
    }
    if (sbw_etl_plan(&o->sel, r.now_ms, watermark, st->lookback_hours, plan, r.err, sizeof r.err) !=
        0) {
        snprintf(out->error, sizeof out->error, "selection: %s", r.err);
        ret = 2;
        goto out;
    }
    snprintf(out->mode, sizeof out->mode, "%s", plan->mode);
    selection = selection_json(plan, o);
    if (!selection) {
        snprintf(out->error, sizeof out->error, "out of memory");
        goto out;
    }
    if (!o->dry_run && sbw_etl_sql_run_start(r.conn, o->trigger, selection, host, 0, &out->run_id,
                                             r.err, sizeof r.err) != 0) {
        snprintf(out->error, sizeof out->error, "%s", r.err);
        goto out;
    }
    int failed = 0;
    if (sbw_lake_open(st->lake_url, &st->lake_opts, &r.list_lake, r.err, sizeof r.err) != 0 ||
        open_readers(&r) != 0 ||
        (!o->dry_run && sbw_etl_sql_setup(r.conn, r.err, sizeof r.err) != 0)) {
        failed = 1;
    } else {
        SBW_INFO(NULL, "run %" PRId64 ": %s from %s%s%s", out->run_id, plan->mode,
                 sbw_lake_describe(r.list_lake),
                 !plan->manual && !plan->start_after[0] ? " (whole lake)" : "",
                 o->reload ? " (reload)" : "");
        if (!plan->manual) {
            failed = process_prefix(&r, "events/", plan->start_after) != 0;
        } else if (plan->prefix[0]) {
            failed = process_prefix(&r, plan->prefix, NULL) != 0;
        } else {
            for (size_t i = 0; i < plan->n && !failed; i++)
                failed = process_prefix(&r, plan->prefixes[i], NULL) != 0;
        }
    }
    out->seconds = mono_s() - r.t0;
    if (failed) {
        snprintf(out->error, sizeof out->error, "%s", r.err);
        SBW_ERROR(NULL, "run failed: %s", r.err);
    } else {
        snprintf(out->status, sizeof out->status, o->dry_run ? "dry_run" : "succeeded");
        ret = 0;
    }
    if (!o->dry_run) {
        if (out->events_inserted > 0 || !failed)
            post_hook(&r);
        int64_t complete = -1;
        if (!failed && !plan->manual)
            complete =
                r.earliest_failed_ms >= 0 ? r.earliest_failed_ms : r.now_ms - r.now_ms % HOUR_MS;
        char ferr[512];
        if (PQstatus(r.conn) != CONNECTION_OK) {
            PQreset(r.conn);
        }
        if (sbw_etl_sql_run_finish(r.conn, out, complete, ferr, sizeof ferr) != 0)
            SBW_ERROR(NULL, "%s", ferr);
    }
    progress(&r, 1);
out:
    if (out->seconds == 0)
        out->seconds = mono_s() - r.t0;
    free(selection);
    free(plan);
    sbw_lake_free(r.list_lake);
    sbw_etl_fetch_free(r.fetch);
    for (int i = 0; i < r.n_get_lakes; i++)
        sbw_lake_free(r.get_lakes[i]);
    sbw_buf_cleanup(&r.copy);
    sbw_buf_cleanup(&r.objects);
    sbw_buf_cleanup(&r.rejects);
    if (r.conn) {
        char unlock_err[256];
        if (locked && PQstatus(r.conn) == CONNECTION_OK)
            (void)sbw_etl_sql_unlock(r.conn, unlock_err, sizeof unlock_err);
        PQfinish(r.conn);
    }
    return ret;
}
