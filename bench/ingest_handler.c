/* ingest_handler: CPU time of sbw-ingest's pure core (sbw_ingest_handle: body shape, contract,
 * enrichment, lake lines) on one request body, without HTTP, threads or storage, next to an
 * anchor measured in the same run: cJSON parsing the same body and printing it again, which
 * is the least an "accept anything that parses" collector does (the original's JSON.parse +
 * JSON.stringify). Process CPU time; 9 rounds, each timing the three back to back, and the
 * median of each figure and of the per-round ratios is reported (this VM's speed drifts).
 * Usage: ingest_handler BODY_FILE ITERATIONS USER_AGENT
 * Prints one line: name=value pairs (us per request). Built and run by bench/handler.sh. */
#define _POSIX_C_SOURCE 200809L
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sbw_ingest.h"

static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int store_nothing(void *ud, const char *lines, size_t len, int64_t received_ms, char *err,
                         size_t errlen)
{
    (void)ud, (void)lines, (void)received_ms, (void)err, (void)errlen;
    return len > 0 ? 0 : -1;
}

typedef struct {
    const char *body;
    size_t len;
    const char *ua;
    int verbatim;
} job_t;

static int run_handler(const job_t *j, size_t *events)
{
    sbw_ingest_config_t cfg;
    sbw_ingest_config_init(&cfg);
    cfg.verbatim = j->verbatim;
    sbw_ingest_req_t req = {.method = "POST",
                            .path = "/clickstream",
                            .content_type = "application/json",
                            .body = j->body,
                            .body_len = j->len,
                            .received_at_ms = 1795773600123LL,
                            .source_ip = "203.0.113.77",
                            .user_agent = j->ua,
                            .request_id = "1a2b3c4d-5e6f",
                            .trace_id = NULL};
    sbw_ingest_resp_t resp;
    sbw_ingest_handle(&cfg, &req, store_nothing, NULL, &resp);
    int ok = resp.status == 200;
    *events = resp.events_accepted;
    sbw_ingest_resp_cleanup(&resp);
    return ok ? 0 : -1;
}

static int run_cjson(const job_t *j, size_t *events)
{
    cJSON *doc = cJSON_ParseWithLength(j->body, j->len);
    if (!doc)
        return -1;
    char *out = cJSON_PrintUnformatted(doc);
    *events = cJSON_IsArray(doc) ? (size_t)cJSON_GetArraySize(doc) : 1;
    cJSON_Delete(doc);
    if (!out)
        return -1;
    free(out);
    return 0;
}

/* n calls, in us per call. */
static double measure(int (*fn)(const job_t *, size_t *), const job_t *j, int n, size_t *events)
{
    double t0 = cpu_now();
    for (int i = 0; i < n; i++)
        if (fn(j, events) != 0) {
            fprintf(stderr, "ingest_handler: a call failed\n");
            exit(1);
        }
    return (cpu_now() - t0) / n * 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#define ROUNDS 9

static double median(double *v)
{
    qsort(v, ROUNDS, sizeof *v, cmp_double);
    return v[ROUNDS / 2];
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: ingest_handler BODY_FILE ITERATIONS USER_AGENT\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    static char body[4 << 20];
    size_t len = fread(body, 1, sizeof body - 1, f);
    fclose(f);
    int n = atoi(argv[2]);
    if (n < 1)
        n = 1;
    job_t j = {.body = body, .len = len, .ua = argv[3], .verbatim = 1};
    size_t ev_anchor = 0, ev_fast = 0, ev_tree = 0;
    double anchor[ROUNDS], fast[ROUNDS], tree[ROUNDS], ratio[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
        j.verbatim = 1;
        anchor[r] = measure(run_cjson, &j, n, &ev_anchor);
        fast[r] = measure(run_handler, &j, n, &ev_fast);
        j.verbatim = 0;
        tree[r] = measure(run_handler, &j, n, &ev_tree);
        ratio[r] = fast[r] / anchor[r];
    }
    if (ev_fast != ev_anchor || ev_tree != ev_anchor) {
        fprintf(stderr, "ingest_handler: events differ (%zu, %zu, %zu)\n", ev_anchor, ev_fast,
                ev_tree);
        return 1;
    }
    printf("events=%zu bytes=%zu cjson_us=%.2f handler_us=%.2f handler_tree_us=%.2f ratio=%.3f\n",
           ev_anchor, len, median(anchor), median(fast), median(tree), median(ratio));
    return 0;
}
