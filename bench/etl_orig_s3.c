/* etl_orig_s3: the original ETL end to end on an S3 lake (bench/etl.sh, "original system"):
 *
 *   etl_orig_s3 CONNINFO BUCKET PREFIX [GETS_IN_FLIGHT]
 *
 * 1. ListObjectsV2 under PREFIX (e.g. "orig/events/"), 1000 keys a page. The original stopped
 *    after the first page (known problem 2: at most 1000 keys); for a throughput comparison on
 *    a lake larger than 1000 objects this emulation follows the continuation tokens instead.
 * 2. One GET per object (SigV4 over HTTP through lib/sbw_s3, keep-alive), one at a time like an
 *    `await` in a loop (GETS_IN_FLIGHT > 1: that many threads, each with its own connection, an
 *    upper bound for an original that had issued its GETs concurrently).
 * 3. Each object parsed as one JSON document, mapped to the original's 16 columns (+ received_at,
 *    NOT NULL in our table): every 200 rows one multi-row INSERT ... ON CONFLICT (event_id) DO
 *    NOTHING into bench_orig, in its own transaction (autocommit).
 * Prints "rows objects seconds list_seconds". S3 settings from the AWS_* variables. */
#include <cjson/cJSON.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sbw_config.h"
#include "sbw_lake.h"
#include "sbw_s3.h"

#define COLS 17
#define BATCH 200

static char **keys;
static size_t nkeys, capkeys;
static atomic_size_t next_key;
static atomic_long rows_total;
static atomic_int failed;
static const char *conninfo, *bucket;
static sbw_s3_opts_t opts;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int on_key(const char *key, int64_t size, const char *etag, int64_t lm, void *ud)
{
    (void)size, (void)etag, (void)lm, (void)ud;
    if (nkeys == capkeys) {
        capkeys = capkeys ? capkeys * 2 : 4096;
        keys = realloc(keys, capkeys * sizeof *keys);
        if (!keys)
            abort();
    }
    keys[nkeys++] = strdup(key);
    return 0;
}

typedef struct {
    PGconn *c;
    char *vals[BATCH * COLS];
    int nrows;
    char sql[BATCH * COLS * 8 + 1024];
} loader_t;

static void flush(loader_t *l)
{
    if (!l->nrows)
        return;
    int o = snprintf(l->sql, sizeof l->sql,
                     "INSERT INTO bench_orig (event_id, event_timestamp,"
                     " event_name, user_id, user_login_state, identity_source, client_id,"
                     " session_id, is_first_visit, context_product_id, context_product_name,"
                     " context_product_category, context_product_brand, context_product_price,"
                     " context_product_discount_price, context_product_url_path, received_at)"
                     " VALUES ");
    for (int r = 0; r < l->nrows; r++) {
        o += snprintf(l->sql + o, sizeof l->sql - (size_t)o, "%s(", r ? "," : "");
        for (int k = 0; k < COLS; k++)
            o += snprintf(l->sql + o, sizeof l->sql - (size_t)o, "%s$%d", k ? "," : "",
                          r * COLS + k + 1);
        o += snprintf(l->sql + o, sizeof l->sql - (size_t)o, ")");
    }
    snprintf(l->sql + o, sizeof l->sql - (size_t)o, " ON CONFLICT (event_id) DO NOTHING");
    PGresult *res = PQexecParams(l->c, l->sql, l->nrows * COLS, NULL,
                                 (const char *const *)l->vals, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        fprintf(stderr, "%s", PQresultErrorMessage(res));
        exit(1);
    }
    PQclear(res);
    for (int i = 0; i < l->nrows * COLS; i++) {
        free(l->vals[i]);
        l->vals[i] = NULL;
    }
    atomic_fetch_add(&rows_total, l->nrows);
    l->nrows = 0;
}

static char *s(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (cJSON_IsString(v))
        return strdup(v->valuestring);
    if (cJSON_IsNumber(v)) {
        char b[64];
        snprintf(b, sizeof b, "%.0f", v->valuedouble);
        return strdup(b);
    }
    if (cJSON_IsBool(v))
        return strdup(cJSON_IsTrue(v) ? "true" : "false");
    return NULL;
}

static void *work(void *arg)
{
    (void)arg;
    loader_t *l = calloc(1, sizeof *l);
    sbw_s3_t *s3 = NULL;
    char err[1024];
    if (!l || sbw_s3_new(bucket, &opts, &s3, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        atomic_store(&failed, 1);
        return NULL;
    }
    l->c = PQconnectdb(conninfo);
    if (PQstatus(l->c) != CONNECTION_OK) {
        fprintf(stderr, "%s", PQerrorMessage(l->c));
        exit(1);
    }
    for (;;) {
        size_t i = atomic_fetch_add(&next_key, 1);
        if (i >= nkeys)
            break;
        char *data = NULL;
        size_t len = 0;
        if (sbw_s3_get(s3, keys[i], (size_t)64 << 20, &data, &len, err, sizeof err) != 0) {
            fprintf(stderr, "%s\n", err);
            atomic_store(&failed, 1);
            break;
        }
        cJSON *o = cJSON_ParseWithLength(data, len);
        free(data);
        if (!o)
            continue;
        const cJSON *p = cJSON_GetObjectItem(o, "product"), *in = cJSON_GetObjectItem(o, "_ingest");
        char **v = l->vals + l->nrows * COLS;
        v[0] = s(o, "eventId");
        v[1] = s(in, "receivedAt");
        v[2] = s(o, "eventName");
        v[3] = s(o, "userId");
        v[4] = s(o, "userLoginState");
        v[5] = s(o, "identitySource");
        v[6] = s(o, "clientId");
        v[7] = s(o, "sessionId");
        v[8] = s(o, "isFirstVisit");
        v[9] = s(p, "id");
        v[10] = s(p, "name");
        v[11] = s(p, "category");
        v[12] = s(p, "brand");
        v[13] = s(p, "price");
        v[14] = s(p, "discountPrice");
        v[15] = s(p, "urlPath");
        v[16] = s(in, "receivedAt");
        cJSON_Delete(o);
        if (++l->nrows == BATCH)
            flush(l);
    }
    flush(l);
    PQfinish(l->c);
    sbw_s3_free(s3);
    free(l);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: etl_orig_s3 CONNINFO BUCKET PREFIX [GETS_IN_FLIGHT]\n");
        return 2;
    }
    conninfo = argv[1];
    bucket = argv[2];
    int threads = argc > 4 ? atoi(argv[4]) : 1;
    if (threads < 1 || threads > 64)
        threads = 1;
    char err[1024];
    sbw_lake_opts_t lo;
    if (sbw_lake_opts_from_env(&lo, sbw_cfg_getenv, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    opts = lo.s3;
    double t0 = now_s();
    sbw_s3_t *s3 = NULL;
    if (sbw_s3_new(bucket, &opts, &s3, err, sizeof err) != 0 ||
        sbw_s3_list(s3, argv[3], NULL, on_key, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    sbw_s3_free(s3);
    double t_list = now_s() - t0;
    pthread_t th[64];
    for (int i = 0; i < threads; i++)
        pthread_create(&th[i], NULL, work, NULL);
    for (int i = 0; i < threads; i++)
        pthread_join(th[i], NULL);
    if (atomic_load(&failed))
        return 1;
    printf("%ld %zu %.3f %.3f\n", atomic_load(&rows_total), nkeys, now_s() - t0, t_list);
    for (size_t i = 0; i < nkeys; i++)
        free(keys[i]);
    free(keys);
    return 0;
}
