/* etl_s3_lakes: builds the S3 lakes of bench/etl.sh's "original system" section from one
 * local-folder lake written by sbw-sim (NDJSON objects, the original storefront's payloads with
 * our _ingest):
 *
 *   etl_s3_lakes SRC_DIR THREADS ORIG_URL [OURS_URL ...]
 *
 * ORIG_URL (s3://bucket/prefix, or - for none) gets the original system's lake: ONE object per event, as its
 * ingest Lambda wrote it (original-system.md section 2): the client's object unchanged plus
 * _ingest {receivedAt, sourceIp, userAgent, method, path, requestId, apiId, stage, traceId},
 * pretty-printed like JSON.stringify(o, null, 2), key events/YYYY/MM/DD/HH/event-<uuid>.json
 * from the UTC receive hour. Each OURS_URL gets the source objects unchanged (our ingest's
 * batches). S3 settings from the AWS_* variables. THREADS objects are stored at once, each
 * thread with its own lake handles. Prints "events orig_objects orig_bytes src_objects
 * src_bytes". Bench tooling only: not part of the platform. */
#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uuid/uuid.h>

#include "sbw_config.h"
#include "sbw_lake.h"
#include "sbw_lakefmt.h"

#define MAX_OURS 4

typedef struct {
    char **keys;
    size_t n, cap;
} keys_t;

static keys_t src_keys;
static const char *src_url, *orig_url, *ours_urls[MAX_OURS];
static int n_ours;
static sbw_lake_opts_t s3_opts, file_opts;
static atomic_size_t next_obj;
static atomic_long events, orig_objects, orig_bytes, src_bytes;
static atomic_int failed;

static int on_key(const char *key, int64_t size, const char *etag, int64_t lm, void *ud)
{
    (void)size, (void)etag, (void)lm, (void)ud;
    if (src_keys.n == src_keys.cap) {
        src_keys.cap = src_keys.cap ? src_keys.cap * 2 : 1024;
        src_keys.keys = realloc(src_keys.keys, src_keys.cap * sizeof *src_keys.keys);
        if (!src_keys.keys)
            abort();
    }
    src_keys.keys[src_keys.n++] = strdup(key);
    return 0;
}

/* cJSON_Print's layout (tab indents, ":\t") turned into JSON.stringify(o, null, 2)'s. Tabs
 * inside strings are escaped by cJSON, so every raw tab is layout. */
static char *pretty2(const cJSON *o, size_t *len)
{
    char *t = cJSON_Print(o);
    if (!t)
        return NULL;
    size_t n = strlen(t), tabs = 0;
    for (size_t i = 0; i < n; i++)
        tabs += t[i] == '\t';
    char *out = malloc(n + tabs + 1), *w = out;
    if (!out)
        abort();
    for (size_t i = 0; i < n; i++) {
        if (t[i] != '\t') {
            *w++ = t[i];
        } else if (i > 0 && t[i - 1] == ':') {
            *w++ = ' ';
        } else {
            *w++ = ' ';
            *w++ = ' ';
        }
    }
    *w = '\0';
    free(t);
    *len = (size_t)(w - out);
    return out;
}

static const char *sget(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

typedef struct {
    sbw_lake_t *orig;
    unsigned long long rnd;
} worker_t;

/* One event as the original ingest Lambda stored it. */
static int on_record(const cJSON *rec, int index, const char *error, void *ud)
{
    worker_t *w = ud;
    if (error || !rec)
        return 0;
    cJSON *o = cJSON_Duplicate(rec, 1);
    cJSON *in = cJSON_DetachItemFromObjectCaseSensitive(o, "_ingest");
    const char *at = sget(in, "receivedAt");
    if (!o || !in || !at || strlen(at) < 13) {
        fprintf(stderr, "record %d without _ingest.receivedAt\n", index);
        atomic_store(&failed, 1);
        cJSON_Delete(o);
        cJSON_Delete(in);
        return 1;
    }
    cJSON *ni = cJSON_AddObjectToObject(o, "_ingest");
    const char *ip = sget(in, "sourceIp"), *ua = sget(in, "userAgent"), *req = sget(in, "requestId");
    w->rnd ^= w->rnd << 13, w->rnd ^= w->rnd >> 7, w->rnd ^= w->rnd << 17;
    char trace[64];
    snprintf(trace, sizeof trace, "Root=1-%08llx-%016llx", w->rnd >> 32, w->rnd * 2654435761ULL);
    cJSON_AddStringToObject(ni, "receivedAt", at);
    cJSON_AddStringToObject(ni, "sourceIp", ip ? ip : "203.0.113.7");
    cJSON_AddStringToObject(ni, "userAgent", ua ? ua : "");
    cJSON_AddStringToObject(ni, "method", "POST");
    cJSON_AddStringToObject(ni, "path", "/clickstream");
    cJSON_AddStringToObject(ni, "requestId", req ? req : "r");
    cJSON_AddStringToObject(ni, "apiId", "k3x9q2w7za");
    cJSON_AddStringToObject(ni, "stage", "$default");
    cJSON_AddStringToObject(ni, "traceId", trace);
    size_t len = 0;
    char *body = pretty2(o, &len);
    cJSON_Delete(o);
    if (!body)
        abort();
    uuid_t u;
    char us[37], key[256], err[1024];
    uuid_generate_random(u);
    uuid_unparse_lower(u, us);
    /* events/YYYY/MM/DD/HH/ from "YYYY-MM-DDTHH..." */
    snprintf(key, sizeof key, "events/%.4s/%.2s/%.2s/%.2s/event-%s.json", at, at + 5, at + 8,
             at + 11, us);
    cJSON_Delete(in); /* at points into it */
    int rc = sbw_lake_put(w->orig, key, body, len, err, sizeof err);
    free(body);
    if (rc != 0) {
        fprintf(stderr, "%s\n", err);
        atomic_store(&failed, 1);
        return 1;
    }
    atomic_fetch_add(&events, 1);
    atomic_fetch_add(&orig_objects, 1);
    atomic_fetch_add(&orig_bytes, (long)len);
    return 0;
}

static void *work(void *arg)
{
    worker_t w = {NULL, (unsigned long long)(size_t)arg * 0x9e3779b97f4a7c15ULL + 1};
    sbw_lake_t *src = NULL, *ours[MAX_OURS] = {0};
    char err[1024];
    if (sbw_lake_open(src_url, &file_opts, &src, err, sizeof err) != 0 ||
        (orig_url && sbw_lake_open(orig_url, &s3_opts, &w.orig, err, sizeof err) != 0)) {
        fprintf(stderr, "%s\n", err);
        atomic_store(&failed, 1);
        return NULL;
    }
    for (int i = 0; i < n_ours; i++)
        if (sbw_lake_open(ours_urls[i], &s3_opts, &ours[i], err, sizeof err) != 0) {
            fprintf(stderr, "%s\n", err);
            atomic_store(&failed, 1);
            return NULL;
        }
    for (;;) {
        size_t i = atomic_fetch_add(&next_obj, 1);
        if (i >= src_keys.n || atomic_load(&failed))
            break;
        char *data = NULL;
        size_t len = 0;
        if (sbw_lake_get(src, src_keys.keys[i], (size_t)1 << 30, &data, &len, err, sizeof err)) {
            fprintf(stderr, "%s\n", err);
            atomic_store(&failed, 1);
            break;
        }
        for (int k = 0; k < n_ours; k++)
            if (sbw_lake_put(ours[k], src_keys.keys[i], data, len, err, sizeof err) != 0) {
                fprintf(stderr, "%s\n", err);
                atomic_store(&failed, 1);
            }
        atomic_fetch_add(&src_bytes, (long)len);
        if (w.orig)
            sbw_lake_parse(data, len, on_record, &w);
        free(data);
    }
    sbw_lake_free(src);
    sbw_lake_free(w.orig);
    for (int i = 0; i < n_ours; i++)
        sbw_lake_free(ours[i]);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 4 || argc > 4 + MAX_OURS) {
        fprintf(stderr, "usage: etl_s3_lakes SRC_DIR THREADS ORIG_URL [OURS_URL ...]\n");
        return 2;
    }
    static char src[4200];
    snprintf(src, sizeof src, "file://%s", argv[1]);
    src_url = src;
    int threads = atoi(argv[2]);
    orig_url = strcmp(argv[3], "-") ? argv[3] : NULL;
    for (int i = 4; i < argc; i++)
        ours_urls[n_ours++] = argv[i];
    char err[1024];
    sbw_lake_opts_init(&file_opts);
    if (sbw_lake_opts_from_env(&s3_opts, sbw_cfg_getenv, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    sbw_lake_t *l = NULL;
    if (sbw_lake_open(src_url, &file_opts, &l, err, sizeof err) != 0 ||
        sbw_lake_list(l, "events/", NULL, on_key, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    sbw_lake_free(l);
    if (threads < 1 || threads > 64)
        threads = 4;
    pthread_t th[64];
    for (int i = 0; i < threads; i++)
        pthread_create(&th[i], NULL, work, (void *)(size_t)(i + 1));
    for (int i = 0; i < threads; i++)
        pthread_join(th[i], NULL);
    if (atomic_load(&failed))
        return 1;
    printf("%ld %ld %ld %zu %ld\n", atomic_load(&events), atomic_load(&orig_objects),
           atomic_load(&orig_bytes), src_keys.n, atomic_load(&src_bytes));
    for (size_t i = 0; i < src_keys.n; i++)
        free(src_keys.keys[i]);
    free(src_keys.keys);
    return 0;
}
