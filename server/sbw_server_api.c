/* sbw_server_api: endpoints, cache, connection pool and refresh of sbw-server (see header). */
#include "sbw_server_api.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libpq-fe.h>

#include "sbw_log.h"
#include "sbw_migrate.h"
#include "sbw_pg.h"
#include "sbw_server_params.h"
#include "sbw_server_sql.h"
#include "sbw_server_table.h"

#define MAX_POOL 64
#define MAX_TZ_CACHE 256
#define PINNED_MAX 512

/* ---- connection pool ---- */

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    PGconn *conns[MAX_POOL];
    int used[MAX_POOL];
    int n;
} pool_t;

/* ---- cache ---- */

typedef struct {
    uint64_t hash;
    char *key;
    long long gen;
    char *body;
    size_t len;
    int csv;
    int pinned;
} entry_t;

struct sbw_api {
    sbw_api_opts_t o;
    pool_t pool;
    atomic_llong generation;

    pthread_mutex_t cache_mu;
    entry_t *cache;
    int cache_cap, cache_hand;

    pthread_mutex_t tz_mu;
    char tz_ok[MAX_TZ_CACHE][64];
    int n_tz;

    pthread_mutex_t refresh_mu; /* guards the refresh bookkeeping below */
    pthread_cond_t refresh_cv;
    unsigned long long refresh_requested, refresh_done;
    int refresh_running;
    int refresh_failed; /* the last run failed */
    char refresh_err[512];
    sbw_refresh_result_t last;
    PGconn *refresh_conn; /* used by the running refresh only */
    int warmed;           /* defaults rendered at least once (by the running refresh only) */

    char *openapi;
    size_t openapi_len;

    atomic_ullong req_2xx, req_304, req_4xx, req_5xx, cache_hits, cache_misses, refreshes,
        refresh_failures;
};

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

static int setup_conn(PGconn *c, char *err, size_t errlen)
{
    PGresult *r = PQexec(c, SBW_SQL_SESSION_SETUP);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        snprintf(err, errlen, "session setup: %s", PQresultErrorMessage(r));
    PQclear(r);
    return ok ? 0 : -1;
}

static PGconn *connect_one(sbw_api_t *api, const char *name, char *err, size_t errlen)
{
    PGconn *c = NULL;
    if (sbw_pg_connect(api->o.pg_cfg, name, &c, err, errlen) != 0)
        return NULL;
    if (setup_conn(c, err, errlen) != 0) {
        PQfinish(c);
        return NULL;
    }
    return c;
}

/* Takes a connection (waits for a free slot; connects lazily; replaces a broken one).
 * Returns the slot index, or -1 with err. */
static int pool_get(sbw_api_t *api, PGconn **out, char *err, size_t errlen)
{
    pool_t *p = &api->pool;
    pthread_mutex_lock(&p->mu);
    int slot = -1;
    for (;;) {
        for (int i = 0; i < p->n; i++)
            if (!p->used[i]) {
                slot = i;
                break;
            }
        if (slot >= 0)
            break;
        pthread_cond_wait(&p->cv, &p->mu);
    }
    p->used[slot] = 1;
    PGconn *c = p->conns[slot];
    p->conns[slot] = NULL;
    pthread_mutex_unlock(&p->mu);
    if (c && PQstatus(c) != CONNECTION_OK) {
        PQfinish(c);
        c = NULL;
    }
    if (!c)
        c = connect_one(api, "sbw-server", err, errlen);
    if (!c) {
        pthread_mutex_lock(&p->mu);
        p->used[slot] = 0;
        pthread_cond_signal(&p->cv);
        pthread_mutex_unlock(&p->mu);
        return -1;
    }
    *out = c;
    return slot;
}

static void pool_put(sbw_api_t *api, int slot, PGconn *c)
{
    pool_t *p = &api->pool;
    if (c && PQstatus(c) != CONNECTION_OK) {
        PQfinish(c);
        c = NULL;
    }
    pthread_mutex_lock(&p->mu);
    p->conns[slot] = c;
    p->used[slot] = 0;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

/* ---- cache ---- */

static int cache_get(sbw_api_t *api, const char *key, uint64_t h, long long gen, int csv,
                     char **body, size_t *len)
{
    int hit = 0;
    pthread_mutex_lock(&api->cache_mu);
    for (int i = 0; i < api->cache_cap; i++) {
        entry_t *e = &api->cache[i];
        if (e->key && e->hash == h && e->gen == gen && e->csv == csv && strcmp(e->key, key) == 0) {
            *body = malloc(e->len + 1);
            if (*body) {
                memcpy(*body, e->body, e->len + 1);
                *len = e->len;
                hit = 1;
            }
            break;
        }
    }
    pthread_mutex_unlock(&api->cache_mu);
    return hit;
}

static void entry_clear(entry_t *e)
{
    free(e->key);
    free(e->body);
    memset(e, 0, sizeof *e);
}

/* Stores a copy. Entries of other generations are dropped first; then a free slot, else
 * the clock hand's next unpinned entry. Pinned entries are the precomputed defaults. */
static void cache_put(sbw_api_t *api, const char *key, uint64_t h, long long gen, int csv,
                      const char *body, size_t len, int pinned)
{
    if (api->cache_cap == 0)
        return;
    char *k = strdup(key), *b = malloc(len + 1);
    if (!k || !b) {
        free(k);
        free(b);
        return;
    }
    memcpy(b, body, len + 1);
    pthread_mutex_lock(&api->cache_mu);
    int slot = -1, unpinned = 0;
    for (int i = 0; i < api->cache_cap; i++) {
        entry_t *e = &api->cache[i];
        if (e->key && e->gen < gen && gen <= atomic_load(&api->generation))
            entry_clear(e); /* an older generation: never served again */
        if (e->key && e->hash == h && e->gen == gen && e->csv == csv && strcmp(e->key, key) == 0)
            entry_clear(e);
        if (!e->key && slot < 0)
            slot = i;
        if (e->key && !e->pinned)
            unpinned++;
    }
    int max_unpinned = api->o.cache_entries;
    if (!pinned && unpinned >= max_unpinned)
        slot = -1; /* the bound is full: evict one */
    if (slot < 0) {
        for (int n = 0; n < api->cache_cap; n++) {
            int i = api->cache_hand++ % api->cache_cap;
            if (!api->cache[i].pinned) {
                entry_clear(&api->cache[i]);
                slot = i;
                break;
            }
        }
    }
    if (slot >= 0) {
        api->cache[slot] = (entry_t){h, k, gen, b, len, csv, pinned};
        k = b = NULL;
    }
    pthread_mutex_unlock(&api->cache_mu);
    free(k);
    free(b);
}

/* Drops every entry older than gen (after a refresh made gen visible). */
static void cache_drop_before(sbw_api_t *api, long long gen)
{
    pthread_mutex_lock(&api->cache_mu);
    for (int i = 0; i < api->cache_cap; i++)
        if (api->cache[i].key && api->cache[i].gen < gen)
            entry_clear(&api->cache[i]);
    pthread_mutex_unlock(&api->cache_mu);
}

/* ---- responses ---- */

static void set_body(sbw_api_resp_t *r, int status, const char *ctype, char *body, size_t len)
{
    r->status = status;
    r->content_type = ctype;
    r->body = body;
    r->len = len;
}

/* {"error":{"status":400,"parameter":"from","message":"..."}} */
static void error_resp(sbw_api_resp_t *r, int status, const char *param, const char *msg)
{
    sbw_out_t o = {0};
    sbw_out_printf(&o, "{\"error\":{\"status\":%d,\"parameter\":", status);
    if (param)
        sbw_out_json_string(&o, param);
    else
        sbw_out_str(&o, "null");
    sbw_out_str(&o, ",\"message\":");
    sbw_out_json_string(&o, msg);
    sbw_out_str(&o, "}}\n");
    if (o.oom) {
        free(o.data);
        o.data = NULL;
        o.len = 0;
    }
    set_body(r, status, "application/json", o.data, o.len);
}

/* A 400 from a validation message "name: why". */
static void bad_request(sbw_api_resp_t *r, const char *msg)
{
    char param[64];
    size_t l = strcspn(msg, ":");
    snprintf(param, sizeof param, "%.*s", (int)(l < 63 ? l : 63), msg);
    error_resp(r, 400, param, msg);
}

void sbw_api_resp_cleanup(sbw_api_resp_t *resp)
{
    if (!resp)
        return;
    free(resp->body);
    memset(resp, 0, sizeof *resp);
}

long long sbw_api_generation(sbw_api_t *api)
{
    return atomic_load(&api->generation);
}

int sbw_api_token_equal(const char *given, const char *expected)
{
    size_t gl = strlen(given), el = strlen(expected);
    unsigned char diff = (unsigned char)(gl != el);
    /* Always walk the expected token's length; never stop early. */
    for (size_t i = 0; i < el; i++)
        diff |= (unsigned char)(expected[i] ^ (i < gl ? given[i] : 0));
    return diff == 0;
}

/* ---- running queries ---- */

typedef struct {
    const sbw_params_t *p;
    char limit[24], offset[24], arg7[40], steps[SBW_PARAMS_MAX_STEPS * 70];
    const char *values[SBW_SQL_NPARAMS];
} binds_t;

static void binds_init(binds_t *b, const sbw_params_t *p, long def_limit, const char *arg7)
{
    memset(b, 0, sizeof *b);
    b->p = p;
    snprintf(b->limit, sizeof b->limit, "%ld", p->limit > 0 ? p->limit : def_limit);
    snprintf(b->offset, sizeof b->offset, "%ld", p->offset);
    snprintf(b->arg7, sizeof b->arg7, "%s", arg7 ? arg7 : "");
    size_t n = 0;
    n += (size_t)snprintf(b->steps + n, sizeof b->steps - n, "{");
    for (int i = 0; i < p->nsteps; i++) /* names are [A-Za-z0-9_.:-]: safe inside quotes */
        n += (size_t)snprintf(b->steps + n, sizeof b->steps - n, "%s\"%s\"", i ? "," : "",
                              p->steps[i]);
    snprintf(b->steps + n, sizeof b->steps - n, "}");
    b->values[0] = p->from;
    b->values[1] = p->to;
    b->values[2] = p->tz;
    b->values[3] = p->login_state;
    b->values[4] = b->limit;
    b->values[5] = b->offset;
    b->values[6] = b->arg7;
    b->values[7] = p->category[0] ? p->category : NULL;
    b->values[8] = p->brand[0] ? p->brand : NULL;
    b->values[9] = b->steps;
}

/* Runs a range query into *t. Returns 0, or -1 with err. */
static int run_table(PGconn *c, sbw_query_t q, const binds_t *b, sbw_table_t *t, char *err,
                     size_t errlen)
{
    static const Oid types[SBW_SQL_NPARAMS] = {25, 25, 25, 25, 25, 25, 25, 25, 25, 25};
    PGresult *r = PQexecParams(c, sbw_sql_query(q), SBW_SQL_NPARAMS, types, b->values, NULL,
                               NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        const char *m = PQresultErrorMessage(r);
        snprintf(err, errlen, "query %d: %.*s", (int)q, (int)strcspn(m, "\n"), m);
        PQclear(r);
        return -1;
    }
    int rc = sbw_table_from_pg(t, r);
    PQclear(r);
    if (rc != 0)
        snprintf(err, errlen, "out of memory");
    return rc;
}

/* ---- endpoints ---- */

typedef int (*compute_fn)(sbw_api_t *api, PGconn *c, const char *path, sbw_params_t *p,
                          sbw_table_t *t, char *extra, size_t extralen, char *err,
                          size_t errlen);

typedef struct {
    const char *path;
    unsigned allowed;
    compute_fn compute;
} endpoint_t;

static const char *const METRICS[] = {"events", "unique_clients", "sessions", "logged_in_users",
                                      "page_views", "product_views", "add_to_carts",
                                      "checkout_starts", "purchases", "revenue",
                                      "converted_sessions", "bounces", "session_duration_s",
                                      "all", NULL};

static int in_list(const char *v, const char *const *list)
{
    for (int i = 0; list[i]; i++)
        if (strcmp(v, list[i]) == 0)
            return 1;
    return 0;
}

/* Endpoint-specific checks of p (before the cache). Returns 0, or -1 with a message. */
static int check_values(const char *path, sbw_params_t *p, char *err, size_t errlen)
{
    static const char *const by_breakdown[] = {"event_name", "login_state", "category", "brand",
                                               NULL};
    static const char *const by_top[] = {"views", "add_to_cart", "purchases", "revenue", "events",
                                         NULL};
    static const char *const sorts[] = {"started_at", "duration", "events", "revenue", NULL};
    if (strcmp(path, "/api/v1/timeseries") == 0) {
        if (!p->metric[0])
            snprintf(p->metric, sizeof p->metric, "events");
        if (!in_list(p->metric, METRICS)) {
            snprintf(err, errlen, "metric: '%s' is not one of events, unique_clients, sessions, "
                                  "logged_in_users, page_views, product_views, add_to_carts, "
                                  "checkout_starts, purchases, revenue, converted_sessions, "
                                  "bounces, session_duration_s, all", p->metric);
            return -1;
        }
        if (strcmp(p->interval, "hour") == 0 && sbw_params_days_between(p->from, p->to) >= 31) {
            snprintf(err, errlen, "interval: hour needs a range of at most 31 days");
            return -1;
        }
    } else if (strcmp(path, "/api/v1/breakdown") == 0) {
        if (!p->by[0])
            snprintf(p->by, sizeof p->by, "event_name");
        if (!in_list(p->by, by_breakdown)) {
            snprintf(err, errlen, "by: '%s' is not one of event_name, login_state, category, brand",
                     p->by);
            return -1;
        }
    } else if (strstr(path, "/top")) {
        if (!p->by[0])
            snprintf(p->by, sizeof p->by, strcmp(path, "/api/v1/products/top") == 0 ? "views" : "events");
        if (!in_list(p->by, by_top)) {
            snprintf(err, errlen, "by: '%s' is not one of views, add_to_cart, purchases, revenue, events",
                     p->by);
            return -1;
        }
    } else if (strcmp(path, "/api/v1/sessions") == 0) {
        if (!p->sort[0])
            snprintf(p->sort, sizeof p->sort, "started_at");
        if (!in_list(p->sort, sorts)) {
            snprintf(err, errlen, "sort: '%s' is not one of started_at, duration, events, revenue",
                     p->sort);
            return -1;
        }
    } else if (strcmp(path, "/api/v1/funnel") == 0 && p->nsteps == 0) {
        static const char *const def[] = {"product_view", "add_to_cart_click", "checkout_start",
                                          "checkout_complete"};
        p->nsteps = 4;
        for (int i = 0; i < 4; i++)
            snprintf(p->steps[i], sizeof p->steps[i], "%s", def[i]);
    }
    return 0;
}

static void range_extra(const sbw_params_t *p, char *extra, size_t extralen)
{
    snprintf(extra, extralen, "\"from\":\"%s\",\"to\":\"%s\",\"tz\":\"%s\",\"login_state\":\"%s\"",
             p->from, p->to, p->tz, p->login_state);
}

static int compute_kpis(sbw_api_t *api, PGconn *c, const char *path, sbw_params_t *p,
                        sbw_table_t *t, char *extra, size_t extralen, char *err, size_t errlen)
{
    binds_t b;
    sbw_table_t cur, prev;
    sbw_table_init(&prev);
    binds_init(&b, p, 0, NULL);
    if (run_table(c, SBW_Q_KPIS, &b, &cur, err, errlen) != 0)
        return -1;
    sbw_params_t pp = *p;
    if (p->compare) {
        long days = sbw_params_days_between(p->from, p->to) + 1;
        sbw_params_add_days(p->from, -1, pp.to);
        sbw_params_add_days(pp.to, -(days - 1), pp.from);
        binds_init(&b, &pp, 0, NULL);
        if (run_table(c, SBW_Q_KPIS, &b, &prev, err, errlen) != 0) {
            sbw_table_cleanup(&cur);
            return -1;
        }
    }
    int rc = -1;
    sbw_table_init(t);
    if (sbw_table_col(t, "metric", SBW_T_STRING) || sbw_table_col(t, "value", SBW_T_NUMBER))
        goto out;
    if (p->compare && (sbw_table_col(t, "previous", SBW_T_NUMBER) ||
                       sbw_table_col(t, "change", SBW_T_NUMBER) ||
                       sbw_table_col(t, "change_pct", SBW_T_NUMBER)))
        goto out;
    for (int i = 0; i < cur.ncols && cur.nrows == 1; i++) {
        const char *v = cur.cells[i];
        const char *pv = p->compare && prev.nrows == 1 ? prev.cells[i] : NULL;
        char change[48] = "", pct[48] = "";
        if (v && pv) {
            double a = strtod(v, NULL), z = strtod(pv, NULL);
            snprintf(change, sizeof change, "%.10g", a - z);
            if (z != 0)
                snprintf(pct, sizeof pct, "%.2f", (a - z) / z * 100.0);
        }
        const char *row[5] = {cur.names[i], v, pv, change[0] ? change : NULL,
                              pct[0] ? pct : NULL};
        if (sbw_table_row(t, row) != 0)
            goto out;
    }
    range_extra(p, extra, extralen);
    if (p->compare) {
        size_t l = strlen(extra);
        snprintf(extra + l, extralen - l, ",\"previous_from\":\"%s\",\"previous_to\":\"%s\"",
                 pp.from, pp.to);
    }
    rc = 0;
out:
    if (rc != 0)
        snprintf(err, errlen, "out of memory");
    sbw_table_cleanup(&cur);
    sbw_table_cleanup(&prev);
    (void)api;
    (void)path;
    return rc;
}

static int compute_timeseries(sbw_api_t *api, PGconn *c, const char *path, sbw_params_t *p,
                              sbw_table_t *t, char *extra, size_t extralen, char *err,
                              size_t errlen)
{
    binds_t b;
    binds_init(&b, p, 0, NULL);
    int hour = strcmp(p->interval, "hour") == 0;
    if (run_table(c, hour ? SBW_Q_TS_HOUR : SBW_Q_TS_DAY, &b, t, err, errlen) != 0)
        return -1;
    if (strcmp(p->metric, "all") != 0) {
        int cols[2] = {0, sbw_table_find(t, p->metric)};
        if (cols[1] < 0 || sbw_table_project(t, cols, 2) != 0) {
            snprintf(err, errlen, "timeseries: cannot select %s", p->metric);
            sbw_table_cleanup(t);
            return -1;
        }
    }
    range_extra(p, extra, extralen);
    size_t l = strlen(extra);
    snprintf(extra + l, extralen - l, ",\"interval\":\"%s\"", p->interval);
    (void)api;
    (void)path;
    return 0;
}

static int compute_simple(sbw_api_t *api, PGconn *c, const char *path, sbw_params_t *p,
                          sbw_table_t *t, char *extra, size_t extralen, char *err, size_t errlen)
{
    sbw_query_t q;
    long def_limit = 10;
    const char *arg7 = p->by;
    if (strcmp(path, "/api/v1/breakdown") == 0) {
        def_limit = 100;
        q = strcmp(p->by, "event_name") == 0    ? SBW_Q_BY_EVENT_NAME
            : strcmp(p->by, "login_state") == 0 ? SBW_Q_BY_LOGIN_STATE
            : strcmp(p->by, "category") == 0    ? SBW_Q_BY_CATEGORY
                                                : SBW_Q_BY_BRAND;
        arg7 = "events";
    } else if (strcmp(path, "/api/v1/products/top") == 0) {
        q = SBW_Q_PRODUCTS_TOP;
    } else if (strcmp(path, "/api/v1/categories/top") == 0) {
        q = SBW_Q_BY_CATEGORY;
    } else if (strcmp(path, "/api/v1/brands/top") == 0) {
        q = SBW_Q_BY_BRAND;
    } else if (strcmp(path, "/api/v1/sessions/summary") == 0) {
        q = SBW_Q_SESSIONS_SUMMARY;
    } else if (strcmp(path, "/api/v1/sessions/durations") == 0) {
        q = SBW_Q_SESSIONS_DURATIONS;
    } else if (strcmp(path, "/api/v1/sessions") == 0) {
        q = SBW_Q_SESSIONS_LIST;
        def_limit = 20;
        arg7 = p->sort;
    } else {
        q = SBW_Q_HEATMAP;
    }
    binds_t b;
    binds_init(&b, p, def_limit, arg7);
    if (run_table(c, q, &b, t, err, errlen) != 0)
        return -1;
    range_extra(p, extra, extralen);
    (void)api;
    return 0;
}

static int compute_events_recent(sbw_api_t *api, PGconn *c, const char *path, sbw_params_t *p,
                                 sbw_table_t *t, char *extra, size_t extralen, char *err,
                                 size_t errlen)
{
    binds_t b;
    binds_init(&b, p, 20, p->product_only ? "true" : "false");
    sbw_table_t tot;
    if (run_table(c, SBW_Q_EVENTS_RECENT_TOTAL, &b, &tot, err, errlen) != 0)
        return -1;
    long long total = tot.total;
    sbw_table_cleanup(&tot);
    if (run_table(c, SBW_Q_EVENTS_RECENT, &b, t, err, errlen) != 0)
        return -1;
    t->total = total;
    range_extra(p, extra, extralen);
    size_t l = strlen(extra);
    snprintf(extra + l, extralen - l, ",\"limit\":%s,\"offset\":%ld", b.limit, p->offset);
    (void)api;
    (void)path;
    return 0;
}

static int compute_funnel(sbw_api_t *api, PGconn *c, const char *path, sbw_params_t *p,
                          sbw_table_t *t, char *extra, size_t extralen, char *err, size_t errlen)
{
    binds_t b;
    binds_init(&b, p, 0, NULL);
    static const char *const def[] = {"product_view", "add_to_cart_click", "checkout_start",
                                      "checkout_complete"};
    int is_default = p->nsteps == 4;
    for (int i = 0; is_default && i < 4; i++)
        is_default = strcmp(p->steps[i], def[i]) == 0;
    sbw_table_t r;
    if (run_table(c, is_default ? SBW_Q_FUNNEL_DEFAULT : SBW_Q_FUNNEL, &b, &r, err, errlen) != 0)
        return -1;
    long long counts[SBW_PARAMS_MAX_STEPS] = {0};
    for (int i = 0; i < r.nrows; i++) {
        long k = atol(r.cells[(size_t)i * 2]);
        if (k >= 1 && k <= p->nsteps)
            counts[k - 1] = atoll(r.cells[(size_t)i * 2 + 1]);
    }
    sbw_table_cleanup(&r);
    sbw_table_init(t);
    int rc = -1;
    if (sbw_table_col(t, "step", SBW_T_INTEGER) || sbw_table_col(t, "event_name", SBW_T_STRING) ||
        sbw_table_col(t, "sessions", SBW_T_INTEGER) ||
        sbw_table_col(t, "conversion_from_first", SBW_T_NUMBER) ||
        sbw_table_col(t, "conversion_from_previous", SBW_T_NUMBER) ||
        sbw_table_col(t, "drop_off", SBW_T_INTEGER))
        goto out;
    for (int i = 0; i < p->nsteps; i++) {
        char step[16], n[24], first[24] = "", prevc[24] = "", drop[24];
        snprintf(step, sizeof step, "%d", i + 1);
        snprintf(n, sizeof n, "%lld", counts[i]);
        long long before = i ? counts[i - 1] : counts[0];
        if (counts[0] > 0)
            snprintf(first, sizeof first, "%.2f", 100.0 * (double)counts[i] / (double)counts[0]);
        if (before > 0)
            snprintf(prevc, sizeof prevc, "%.2f", 100.0 * (double)counts[i] / (double)before);
        snprintf(drop, sizeof drop, "%lld", before - counts[i]);
        const char *row[6] = {step, p->steps[i], n, first[0] ? first : NULL,
                              prevc[0] ? prevc : NULL, drop};
        if (sbw_table_row(t, row) != 0)
            goto out;
    }
    range_extra(p, extra, extralen);
    rc = 0;
out:
    if (rc != 0)
        snprintf(err, errlen, "out of memory");
    (void)api;
    (void)path;
    return rc;
}

#define PAGE_TOP (SBW_P_RANGE | SBW_P_PAGE | SBW_P_BY)
static const endpoint_t endpoints[] = {
    {"/api/v1/kpis", SBW_P_RANGE | SBW_P_COMPARE, compute_kpis},
    {"/api/v1/timeseries", SBW_P_RANGE | SBW_P_METRIC | SBW_P_INTERVAL, compute_timeseries},
    {"/api/v1/breakdown", SBW_P_RANGE | SBW_P_PAGE | SBW_P_BY, compute_simple},
    {"/api/v1/funnel", SBW_P_RANGE | SBW_P_STEPS, compute_funnel},
    {"/api/v1/products/top", PAGE_TOP | SBW_P_CATEGORY | SBW_P_BRAND, compute_simple},
    {"/api/v1/categories/top", PAGE_TOP, compute_simple},
    {"/api/v1/brands/top", PAGE_TOP, compute_simple},
    {"/api/v1/sessions/summary", SBW_P_RANGE, compute_simple},
    {"/api/v1/sessions/durations", SBW_P_RANGE, compute_simple},
    {"/api/v1/sessions", SBW_P_RANGE | SBW_P_PAGE | SBW_P_SORT, compute_simple},
    {"/api/v1/traffic/heatmap", SBW_P_RANGE, compute_simple},
    {"/api/v1/events/recent", SBW_P_RANGE | SBW_P_PAGE | SBW_P_PRODUCT_ONLY, compute_events_recent},
};

/* Validates tz against the server's zone list (positive answers cached). 1 valid, 0 not,
 * -1 database error (err). */
static int tz_valid(sbw_api_t *api, const char *tz, char *err, size_t errlen)
{
    if (strcmp(tz, "UTC") == 0)
        return 1;
    pthread_mutex_lock(&api->tz_mu);
    for (int i = 0; i < api->n_tz; i++)
        if (strcmp(api->tz_ok[i], tz) == 0) {
            pthread_mutex_unlock(&api->tz_mu);
            return 1;
        }
    pthread_mutex_unlock(&api->tz_mu);
    PGconn *c;
    int slot = pool_get(api, &c, err, errlen);
    if (slot < 0)
        return -1;
    const char *v[1] = {tz};
    PGresult *r = PQexecParams(c, SBW_SQL_TZ_VALID, 1, NULL, v, NULL, NULL, 0);
    int ok = PQresultStatus(r) == PGRES_TUPLES_OK ? PQntuples(r) > 0 : -1;
    if (ok < 0)
        sbw_pg_error(c, "time zone check", err, errlen);
    PQclear(r);
    pool_put(api, slot, c);
    if (ok == 1) {
        pthread_mutex_lock(&api->tz_mu);
        if (api->n_tz < MAX_TZ_CACHE)
            snprintf(api->tz_ok[api->n_tz++], 64, "%s", tz);
        pthread_mutex_unlock(&api->tz_mu);
    }
    return ok;
}

/* Today's date in tz. Returns 0, or -1 with err. */
static int today_in(sbw_api_t *api, const char *tz, char out[11], char *err, size_t errlen)
{
    if (strcmp(tz, "UTC") == 0) {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(out, 11, "%Y-%m-%d", &tm);
        return 0;
    }
    PGconn *c;
    int slot = pool_get(api, &c, err, errlen);
    if (slot < 0)
        return -1;
    const char *v[1] = {tz};
    PGresult *r = PQexecParams(c, SBW_SQL_TODAY, 1, NULL, v, NULL, NULL, 0);
    int rc = -1;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
        snprintf(out, 11, "%s", PQgetvalue(r, 0, 0));
        rc = 0;
    } else {
        sbw_pg_error(c, "today", err, errlen);
    }
    PQclear(r);
    pool_put(api, slot, c);
    return rc;
}

/* Computes and renders one endpoint (no cache). Returns 0 with a malloc'd body, or -1. */
static int render(sbw_api_t *api, const endpoint_t *ep, sbw_params_t *p, long long gen,
                  char **body, size_t *len, char *err, size_t errlen)
{
    PGconn *c;
    int slot = pool_get(api, &c, err, errlen);
    if (slot < 0)
        return -1;
    sbw_table_t t;
    char extra[512] = "";
    int rc = ep->compute(api, c, ep->path, p, &t, extra, sizeof extra, err, errlen);
    pool_put(api, slot, c);
    if (rc != 0)
        return -1;
    if (p->csv) {
        *body = sbw_table_csv(&t, len);
    } else {
        size_t l = strlen(extra);
        snprintf(extra + l, sizeof extra - l, "%s\"generation\":%lld", l ? "," : "", gen);
        *body = sbw_table_json(&t, extra, len);
    }
    sbw_table_cleanup(&t);
    if (!*body) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

static void handle_table(sbw_api_t *api, const endpoint_t *ep, const char *query,
                         const char *if_none_match, sbw_api_resp_t *resp)
{
    char err[1024];
    sbw_params_t p;
    if (sbw_params_parse(query, ep->allowed, &p, err, sizeof err) != 0) {
        bad_request(resp, err);
        return;
    }
    int tzv = tz_valid(api, p.tz, err, sizeof err);
    if (tzv < 0) {
        error_resp(resp, 503, NULL, "warehouse unavailable");
        SBW_ERROR(ep->path, "%s", err);
        return;
    }
    if (tzv == 0) {
        snprintf(err, sizeof err, "tz: '%s' is not a time zone known to the warehouse", p.tz);
        bad_request(resp, err);
        return;
    }
    char today[11];
    if (today_in(api, p.tz, today, err, sizeof err) != 0) {
        error_resp(resp, 503, NULL, "warehouse unavailable");
        SBW_ERROR(ep->path, "%s", err);
        return;
    }
    if (sbw_params_resolve_dates(&p, today, err, sizeof err) != 0 ||
        check_values(ep->path, &p, err, sizeof err) != 0) {
        bad_request(resp, err);
        return;
    }
    char key[SBW_PARAMS_MAX_QUERY + 1024];
    if (sbw_params_canonical(&p, ep->path, key, sizeof key) < 0) {
        error_resp(resp, 400, "query", "query: too long");
        return;
    }
    uint64_t h = fnv1a(key);
    long long gen = atomic_load(&api->generation);
    snprintf(resp->etag, sizeof resp->etag, "\"g%lld-%016llx\"", gen, (unsigned long long)h);
    resp->cacheable = 1;
    const char *ctype = p.csv ? "text/csv; charset=utf-8" : "application/json";
    if (if_none_match && strstr(if_none_match, resp->etag)) {
        set_body(resp, 304, ctype, NULL, 0);
        return;
    }
    char *body;
    size_t len;
    if (cache_get(api, key, h, gen, p.csv, &body, &len)) {
        atomic_fetch_add(&api->cache_hits, 1);
        set_body(resp, 200, ctype, body, len);
        return;
    }
    atomic_fetch_add(&api->cache_misses, 1);
    if (render(api, ep, &p, gen, &body, &len, err, sizeof err) != 0) {
        SBW_ERROR(ep->path, "%s", err);
        resp->etag[0] = '\0';
        resp->cacheable = 0;
        error_resp(resp, 503, NULL, "the warehouse could not answer");
        return;
    }
    cache_put(api, key, h, gen, p.csv, body, len, 0);
    set_body(resp, 200, ctype, body, len);
}

/* ---- health, metrics, refresh ---- */

static void handle_health(sbw_api_t *api, sbw_api_resp_t *resp)
{
    char err[512];
    PGconn *c;
    int slot = pool_get(api, &c, err, sizeof err);
    if (slot < 0) {
        error_resp(resp, 503, NULL, "warehouse unavailable");
        SBW_ERROR("health", "%s", err);
        return;
    }
    PGresult *r = PQexec(c, SBW_SQL_HEALTH);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        sbw_pg_error(c, "health", err, sizeof err);
        PQclear(r);
        pool_put(api, slot, c);
        error_resp(resp, 503, NULL, "warehouse unavailable");
        SBW_ERROR("health", "%s", err);
        return;
    }
    sbw_table_t t;
    int rc = sbw_table_from_pg(&t, r);
    PQclear(r);
    pool_put(api, slot, c);
    if (rc != 0) {
        error_resp(resp, 500, NULL, "out of memory");
        return;
    }
    pthread_mutex_lock(&api->refresh_mu);
    int running = api->refresh_running;
    pthread_mutex_unlock(&api->refresh_mu);
    sbw_out_t o = {0};
    sbw_out_printf(&o, "{\"status\":\"ok\",\"generation\":%lld,\"refresh_running\":%s",
                   atomic_load(&api->generation), running ? "true" : "false");
    static const char *const names[] = {"warehouse_generation", "last_refresh_at",
                                        "newest_event_at", "total_events",
                                        "last_refresh_new_events", "last_refresh_ms"};
    for (int i = 0; i < t.ncols && i < 6; i++) {
        const char *v = t.cells[i];
        sbw_out_printf(&o, ",\"%s\":", names[i]);
        if (!v)
            sbw_out_str(&o, "null");
        else if (t.types[i] == SBW_T_INTEGER || t.types[i] == SBW_T_NUMBER)
            sbw_out_str(&o, v);
        else
            sbw_out_json_string(&o, v);
    }
    sbw_out_str(&o, "}\n");
    sbw_table_cleanup(&t);
    if (o.oom) {
        free(o.data);
        error_resp(resp, 500, NULL, "out of memory");
        return;
    }
    set_body(resp, 200, "application/json", o.data, o.len);
}

static void handle_metrics(sbw_api_t *api, sbw_api_resp_t *resp)
{
    pthread_mutex_lock(&api->refresh_mu);
    sbw_refresh_result_t last = api->last;
    int running = api->refresh_running;
    pthread_mutex_unlock(&api->refresh_mu);
    int entries = 0;
    pthread_mutex_lock(&api->cache_mu);
    for (int i = 0; i < api->cache_cap; i++)
        entries += api->cache[i].key != NULL;
    pthread_mutex_unlock(&api->cache_mu);
    sbw_out_t o = {0};
    sbw_out_str(&o, "# HELP sbw_server_requests_total Requests answered, by status class.\n"
                    "# TYPE sbw_server_requests_total counter\n");
    sbw_out_printf(&o, "sbw_server_requests_total{code=\"2xx\"} %llu\n", atomic_load(&api->req_2xx));
    sbw_out_printf(&o, "sbw_server_requests_total{code=\"304\"} %llu\n", atomic_load(&api->req_304));
    sbw_out_printf(&o, "sbw_server_requests_total{code=\"4xx\"} %llu\n", atomic_load(&api->req_4xx));
    sbw_out_printf(&o, "sbw_server_requests_total{code=\"5xx\"} %llu\n", atomic_load(&api->req_5xx));
    sbw_out_printf(&o, "# HELP sbw_server_cache_hits_total Answers served from memory.\n"
                       "# TYPE sbw_server_cache_hits_total counter\nsbw_server_cache_hits_total %llu\n",
                   atomic_load(&api->cache_hits));
    sbw_out_printf(&o, "# HELP sbw_server_cache_misses_total Answers computed from the aggregates.\n"
                       "# TYPE sbw_server_cache_misses_total counter\nsbw_server_cache_misses_total %llu\n",
                   atomic_load(&api->cache_misses));
    sbw_out_printf(&o, "# HELP sbw_server_cache_entries Answers held in memory.\n"
                       "# TYPE sbw_server_cache_entries gauge\nsbw_server_cache_entries %d\n", entries);
    sbw_out_printf(&o, "# HELP sbw_server_generation Data generation served.\n"
                       "# TYPE sbw_server_generation gauge\nsbw_server_generation %lld\n",
                   atomic_load(&api->generation));
    sbw_out_printf(&o, "# HELP sbw_server_refreshes_total Refreshes run (coalesced calls count once).\n"
                       "# TYPE sbw_server_refreshes_total counter\nsbw_server_refreshes_total %llu\n",
                   atomic_load(&api->refreshes));
    sbw_out_printf(&o, "# HELP sbw_server_refresh_failures_total Refreshes that failed.\n"
                       "# TYPE sbw_server_refresh_failures_total counter\n"
                       "sbw_server_refresh_failures_total %llu\n",
                   atomic_load(&api->refresh_failures));
    sbw_out_printf(&o, "# HELP sbw_server_refresh_running 1 while a refresh runs.\n"
                       "# TYPE sbw_server_refresh_running gauge\nsbw_server_refresh_running %d\n",
                   running);
    sbw_out_printf(&o, "# HELP sbw_server_last_refresh_seconds Duration of the last refresh (SQL).\n"
                       "# TYPE sbw_server_last_refresh_seconds gauge\n"
                       "sbw_server_last_refresh_seconds %.3f\n", last.refresh_ms / 1000.0);
    sbw_out_printf(&o, "# HELP sbw_server_last_precompute_seconds Rendering of the default views.\n"
                       "# TYPE sbw_server_last_precompute_seconds gauge\n"
                       "sbw_server_last_precompute_seconds %.3f\n", last.precompute_ms / 1000.0);
    sbw_out_printf(&o, "# HELP sbw_server_last_refresh_new_events Events aggregated by the last refresh.\n"
                       "# TYPE sbw_server_last_refresh_new_events gauge\n"
                       "sbw_server_last_refresh_new_events %lld\n", last.new_events);
    if (o.oom) {
        free(o.data);
        error_resp(resp, 500, NULL, "out of memory");
        return;
    }
    set_body(resp, 200, "text/plain; version=0.0.4", o.data, o.len);
}

static double ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1000.0 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* The default views of the dashboard, rendered after each refresh (in UTC): these paths for
 * the last 7 days of each login state, today and the last 30 days for all. */
static const char *const DEFAULT_PATHS[] = {
    "/api/v1/kpis?compare=previous_period", "/api/v1/timeseries?metric=all",
    "/api/v1/breakdown?by=event_name", "/api/v1/breakdown?by=login_state",
    "/api/v1/funnel", "/api/v1/products/top", "/api/v1/categories/top",
    "/api/v1/brands/top", "/api/v1/traffic/heatmap", "/api/v1/sessions/summary",
    "/api/v1/kpis", "/api/v1/timeseries"};
#define N_DEFAULT_PATHS (sizeof DEFAULT_PATHS / sizeof *DEFAULT_PATHS)
static const struct {
    long days;
    const char *state;
} DEFAULT_VIEWS[] = {{7, "all"},  {7, "logged_in"}, {7, "anonymous"},
                     {7, "guest"}, {1, "all"},       {30, "all"}};
#define N_DEFAULT_VIEWS (sizeof DEFAULT_VIEWS / sizeof *DEFAULT_VIEWS)

typedef struct {
    sbw_api_t *api;
    long long gen;
    char today[11];
    atomic_uint next; /* next item: view * N_DEFAULT_PATHS + path */
    atomic_int failed;
} precompute_job_t;

/* Renders item i of job into the cache (pinned). Returns 0, or -1 after a database error. */
static int precompute_one(precompute_job_t *job, unsigned i)
{
    sbw_api_t *api = job->api;
    size_t v = i / N_DEFAULT_PATHS;
    const char *full = DEFAULT_PATHS[i % N_DEFAULT_PATHS];
    char from[11], err[512], path[128], query[256];
    sbw_params_add_days(job->today, -(DEFAULT_VIEWS[v].days - 1), from);
    const char *q = strchr(full, '?');
    size_t pl = q ? (size_t)(q - full) : strlen(full);
    snprintf(path, sizeof path, "%.*s", (int)pl, full);
    snprintf(query, sizeof query, "%s%sfrom=%s&to=%s&login_state=%s", q ? q + 1 : "",
             q ? "&" : "", from, job->today, DEFAULT_VIEWS[v].state);
    const endpoint_t *ep = NULL;
    for (size_t e = 0; e < sizeof endpoints / sizeof *endpoints; e++)
        if (strcmp(endpoints[e].path, path) == 0)
            ep = &endpoints[e];
    sbw_params_t p;
    char key[SBW_PARAMS_MAX_QUERY + 1024];
    if (!ep || sbw_params_parse(query, ep->allowed, &p, err, sizeof err) != 0 ||
        sbw_params_resolve_dates(&p, job->today, err, sizeof err) != 0 ||
        check_values(path, &p, err, sizeof err) != 0 ||
        sbw_params_canonical(&p, path, key, sizeof key) < 0)
        return 0;
    char *body;
    size_t len;
    if (render(api, ep, &p, job->gen, &body, &len, err, sizeof err) != 0) {
        SBW_WARN("precompute", "%s: %s", path, err);
        return -1;
    }
    cache_put(api, key, fnv1a(key), job->gen, 0, body, len, 1);
    free(body);
    return 0;
}

static void *precompute_worker(void *arg)
{
    precompute_job_t *job = arg;
    unsigned i;
    while (!atomic_load(&job->failed) &&
           (i = atomic_fetch_add(&job->next, 1)) < N_DEFAULT_VIEWS * N_DEFAULT_PATHS)
        if (precompute_one(job, i) != 0)
            atomic_store(&job->failed, 1);
    return NULL;
}

/* Renders the default views for generation gen into the cache (pinned), on half the read
 * connections at once (at least one), so requests of the served generation still get one. */
static void precompute(sbw_api_t *api, long long gen)
{
    char err[512];
    precompute_job_t job = {.api = api, .gen = gen};
    atomic_init(&job.next, 0);
    atomic_init(&job.failed, 0);
    if (today_in(api, "UTC", job.today, err, sizeof err) != 0)
        return;
    /* The pinned entries of older generations go first. */
    pthread_mutex_lock(&api->cache_mu);
    for (int i = 0; i < api->cache_cap; i++)
        if (api->cache[i].key && api->cache[i].pinned && api->cache[i].gen < gen)
            entry_clear(&api->cache[i]);
    pthread_mutex_unlock(&api->cache_mu);
    int nthreads = api->o.pool_size / 2;
    if (nthreads < 1)
        nthreads = 1;
    if (nthreads > 8)
        nthreads = 8;
    pthread_t th[8];
    int started = 0;
    for (int t = 1; t < nthreads; t++) /* this thread is worker 0 */
        if (pthread_create(&th[started], NULL, precompute_worker, &job) == 0)
            started++;
    precompute_worker(&job);
    for (int t = 0; t < started; t++)
        pthread_join(th[t], NULL);
}

/* One run of analytics.refresh() on the refresh connection. */
static int run_refresh(sbw_api_t *api, sbw_refresh_result_t *res, char *err, size_t errlen)
{
    if (api->refresh_conn && PQstatus(api->refresh_conn) != CONNECTION_OK) {
        PQfinish(api->refresh_conn);
        api->refresh_conn = NULL;
    }
    if (!api->refresh_conn) {
        if (!(api->refresh_conn = connect_one(api, "sbw-server refresh", err, errlen)))
            return -1;
        /* The first aggregation of a large warehouse takes minutes: no timeout here. */
        PQclear(PQexec(api->refresh_conn, "SET statement_timeout = 0"));
        /* analytics.refresh() works in temporary tables: keep them in memory (set before the
         * session's first temporary table). */
        PQclear(PQexec(api->refresh_conn, "SET temp_buffers = '256MB'"));
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    PGresult *r = PQexec(api->refresh_conn, SBW_SQL_REFRESH);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        const char *m = PQresultErrorMessage(r);
        snprintf(err, errlen, "analytics.refresh(): %.*s", (int)strcspn(m, "\n"), m);
        PQclear(r);
        return -1;
    }
    memset(res, 0, sizeof *res);
    res->generation = atoll(PQgetvalue(r, 0, 0));
    res->new_events = atoll(PQgetvalue(r, 0, 1));
    res->sessions = atoll(PQgetvalue(r, 0, 2));
    res->hours = atoll(PQgetvalue(r, 0, 3));
    PQclear(r);
    res->refresh_ms = ms_since(&t0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    long long old = atomic_load(&api->generation);
    if (res->generation != old || !api->warmed) {
        api->warmed = 1;
        precompute(api, res->generation); /* invisible until the generation moves */
        atomic_store(&api->generation, res->generation);
        cache_drop_before(api, res->generation);
    }
    res->precompute_ms = ms_since(&t0);
    SBW_INFO("refresh", "generation %lld: %lld new events, %lld sessions, %lld hours in %.1f ms, "
                        "defaults rendered in %.1f ms",
             res->generation, res->new_events, res->sessions, res->hours, res->refresh_ms,
             res->precompute_ms);
    return 0;
}

int sbw_api_refresh(sbw_api_t *api, sbw_refresh_result_t *res, char *err, size_t errlen)
{
    pthread_mutex_lock(&api->refresh_mu);
    unsigned long long mine = ++api->refresh_requested;
    int coalesced = 0;
    while (api->refresh_done < mine) {
        if (api->refresh_running) {
            coalesced = 1;
            pthread_cond_wait(&api->refresh_cv, &api->refresh_mu);
            continue;
        }
        unsigned long long target = api->refresh_requested;
        api->refresh_running = 1;
        pthread_mutex_unlock(&api->refresh_mu);
        sbw_refresh_result_t r;
        char e[512] = "";
        int rc = run_refresh(api, &r, e, sizeof e);
        atomic_fetch_add(&api->refreshes, 1);
        if (rc != 0)
            atomic_fetch_add(&api->refresh_failures, 1);
        pthread_mutex_lock(&api->refresh_mu);
        api->refresh_running = 0;
        api->refresh_done = target;
        api->refresh_failed = rc != 0;
        snprintf(api->refresh_err, sizeof api->refresh_err, "%s", e);
        if (rc == 0)
            api->last = r;
        pthread_cond_broadcast(&api->refresh_cv);
    }
    int rc = api->refresh_failed ? -1 : 0;
    if (rc != 0)
        snprintf(err, errlen, "%s", api->refresh_err);
    *res = api->last;
    res->coalesced = coalesced;
    pthread_mutex_unlock(&api->refresh_mu);
    return rc;
}

static void handle_refresh(sbw_api_t *api, const char *authorization, sbw_api_resp_t *resp)
{
    const char *token = api->o.refresh_token;
    if (!token || !*token) {
        error_resp(resp, 503, NULL, "no token configured (set SBW_REFRESH_TOKEN)");
        return;
    }
    if (!authorization || strncasecmp(authorization, "Bearer ", 7) != 0 ||
        !sbw_api_token_equal(authorization + 7, token)) {
        resp->www_authenticate = 1;
        error_resp(resp, 401, "Authorization", "a valid Authorization: Bearer token is required");
        return;
    }
    sbw_refresh_result_t r;
    char err[512];
    if (sbw_api_refresh(api, &r, err, sizeof err) != 0) {
        SBW_ERROR("refresh", "%s", err);
        error_resp(resp, 500, NULL, "refresh failed (see the server log)");
        return;
    }
    sbw_out_t o = {0};
    sbw_out_printf(&o,
                   "{\"generation\":%lld,\"new_events\":%lld,\"sessions\":%lld,\"hours\":%lld,"
                   "\"refresh_ms\":%.1f,\"precompute_ms\":%.1f,\"coalesced\":%s}\n",
                   r.generation, r.new_events, r.sessions, r.hours, r.refresh_ms, r.precompute_ms,
                   r.coalesced ? "true" : "false");
    if (o.oom) {
        free(o.data);
        error_resp(resp, 500, NULL, "out of memory");
        return;
    }
    set_body(resp, 200, "application/json", o.data, o.len);
}

/* ---- dispatch ---- */

static void count_status(sbw_api_t *api, int status)
{
    if (status == 304)
        atomic_fetch_add(&api->req_304, 1);
    else if (status < 400)
        atomic_fetch_add(&api->req_2xx, 1);
    else if (status < 500)
        atomic_fetch_add(&api->req_4xx, 1);
    else
        atomic_fetch_add(&api->req_5xx, 1);
}

void sbw_api_handle(sbw_api_t *api, const char *method, const char *path, const char *query,
                    const char *authorization, const char *if_none_match, sbw_api_resp_t *resp)
{
    memset(resp, 0, sizeof *resp);
    int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    if (strcmp(path, "/api/v1/refresh") == 0) {
        if (strcmp(method, "POST") != 0) {
            snprintf(resp->allow, sizeof resp->allow, "POST");
            error_resp(resp, 405, NULL, "use POST");
        } else {
            handle_refresh(api, authorization, resp);
        }
        goto out;
    }
    const endpoint_t *ep = NULL;
    for (size_t i = 0; i < sizeof endpoints / sizeof *endpoints; i++)
        if (strcmp(endpoints[i].path, path) == 0)
            ep = &endpoints[i];
    int known = ep || strcmp(path, "/api/v1/health") == 0 || strcmp(path, "/metrics") == 0 ||
                strcmp(path, "/api/v1/openapi.yaml") == 0;
    if (!known) {
        error_resp(resp, 404, NULL, "no such endpoint (see /api/v1/openapi.yaml)");
        goto out;
    }
    if (!get) {
        snprintf(resp->allow, sizeof resp->allow, "GET, HEAD");
        error_resp(resp, 405, NULL, "use GET");
        goto out;
    }
    if (ep) {
        handle_table(api, ep, query, if_none_match, resp);
    } else if (query && *query) {
        char msg[160];
        size_t l = strcspn(query, "=&");
        snprintf(msg, sizeof msg, "%.*s: unknown parameter", (int)(l < 60 ? l : 60), query);
        bad_request(resp, msg);
    } else if (strcmp(path, "/api/v1/health") == 0) {
        handle_health(api, resp);
    } else if (strcmp(path, "/metrics") == 0) {
        handle_metrics(api, resp);
    } else if (!api->openapi) {
        error_resp(resp, 404, NULL, "openapi.yaml not installed");
    } else {
        char *b = malloc(api->openapi_len + 1);
        if (!b) {
            error_resp(resp, 500, NULL, "out of memory");
        } else {
            memcpy(b, api->openapi, api->openapi_len + 1);
            set_body(resp, 200, "application/yaml", b, api->openapi_len);
        }
    }
out:
    if (!resp->content_type)
        resp->content_type = "application/json";
    count_status(api, resp->status);
}

/* ---- life cycle ---- */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long n = ftell(f);
        if (n >= 0 && n < 4 * 1024 * 1024 && fseek(f, 0, SEEK_SET) == 0 &&
            (buf = malloc((size_t)n + 1)) != NULL) {
            *len = fread(buf, 1, (size_t)n, f);
            buf[*len] = '\0';
        }
    }
    fclose(f);
    return buf;
}

int sbw_api_new(const sbw_api_opts_t *opts, sbw_api_t **out, char *err, size_t errlen)
{
    *out = NULL;
    sbw_api_t *api = calloc(1, sizeof *api);
    if (!api) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    api->o = *opts;
    if (api->o.pool_size < 1)
        api->o.pool_size = 1;
    if (api->o.pool_size > MAX_POOL)
        api->o.pool_size = MAX_POOL;
    if (api->o.cache_entries < 0)
        api->o.cache_entries = 0;
    api->pool.n = api->o.pool_size;
    pthread_mutex_init(&api->pool.mu, NULL);
    pthread_cond_init(&api->pool.cv, NULL);
    pthread_mutex_init(&api->cache_mu, NULL);
    pthread_mutex_init(&api->tz_mu, NULL);
    pthread_mutex_init(&api->refresh_mu, NULL);
    pthread_cond_init(&api->refresh_cv, NULL);
    api->cache_cap = api->o.cache_entries + PINNED_MAX;
    api->cache = calloc((size_t)api->cache_cap, sizeof *api->cache);
    if (!api->cache) {
        free(api);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (opts->openapi_path) {
        api->openapi = read_file(opts->openapi_path, &api->openapi_len);
        if (!api->openapi)
            SBW_WARN("openapi", "cannot read %s", opts->openapi_path);
    }
    *out = api;
    return 0;
}

void sbw_api_free(sbw_api_t *api)
{
    if (!api)
        return;
    for (int i = 0; i < api->pool.n; i++)
        PQfinish(api->pool.conns[i]);
    PQfinish(api->refresh_conn);
    for (int i = 0; i < api->cache_cap; i++)
        entry_clear(&api->cache[i]);
    free(api->cache);
    free(api->openapi);
    pthread_mutex_destroy(&api->pool.mu);
    pthread_cond_destroy(&api->pool.cv);
    pthread_mutex_destroy(&api->cache_mu);
    pthread_mutex_destroy(&api->tz_mu);
    pthread_mutex_destroy(&api->refresh_mu);
    pthread_cond_destroy(&api->refresh_cv);
    free(api);
}

int sbw_api_start(sbw_api_t *api, char *err, size_t errlen)
{
    PGconn *c = connect_one(api, "sbw-server migrate", err, errlen);
    if (!c)
        return -1;
    int applied = 0, rc = -1;
    if (sbw_migrate_apply_into(c, api->o.views_dir, "analytics.schema_migrations", &applied, err,
                               errlen) != 0)
        goto out;
    if (applied)
        SBW_INFO("views", "%d view migration(s) applied from %s", applied, api->o.views_dir);
    PGresult *r = PQexec(c, SBW_SQL_GENERATION);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        sbw_pg_error(c, "reading the generation", err, errlen);
        PQclear(r);
        goto out;
    }
    atomic_store(&api->generation, atoll(PQgetvalue(r, 0, 0)));
    PQclear(r);
    rc = 0;
out:
    PQfinish(c);
    return rc;
}
