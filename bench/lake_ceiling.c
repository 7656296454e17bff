/* lake_ceiling: how many bytes per second a lake folder makes durable with sbw-ingest's own
 * writer (sbw_lake_stage + sbw_lake_publish: temp file, fsync, rename, folder fsync), one
 * stage and one publish in flight as in the group commit. bench/ingest.sh runs it after the
 * batch run with that run's average object size: the events/s no collector on this disk can
 * exceed with durable acknowledgements.
 *   lake_ceiling FOLDER OBJECT_BYTES SECONDS
 * prints "objects=N bytes=B seconds=S stage_ms=X publish_ms=Y": the mean time of one stage
 * (create, write, fsync) and of one publish round (renames, folder fsync). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sbw_lake.h"

typedef struct {
    sbw_lake_t *lake;
    const char *data;
    size_t len;
    double until;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    sbw_lake_staged_t *ready[1024];
    int n_ready, done, failed;
    long staged;
    double stage_s; /* total time in sbw_lake_stage */
} bench_t;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *stager(void *arg)
{
    bench_t *b = arg;
    char key[128], err[512];
    struct iovec iov = {(void *)b->data, b->len};
    for (long i = 0; now() < b->until; i++) {
        snprintf(key, sizeof key, "events/2026/01/01/00/event-%08ld.json", i);
        sbw_lake_staged_t *st = NULL;
        double t = now();
        int rc = sbw_lake_stage(b->lake, key, &iov, 1, &st, err, sizeof err);
        b->stage_s += now() - t;
        if (rc != 0) {
            fprintf(stderr, "lake_ceiling: %s\n", err);
            b->failed = 1;
            break;
        }
        pthread_mutex_lock(&b->mu);
        while (b->n_ready == 1024)
            pthread_cond_wait(&b->cv, &b->mu);
        b->ready[b->n_ready++] = st;
        b->staged++;
        pthread_cond_broadcast(&b->cv);
        pthread_mutex_unlock(&b->mu);
    }
    pthread_mutex_lock(&b->mu);
    b->done = 1;
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: lake_ceiling FOLDER OBJECT_BYTES SECONDS\n");
        return 2;
    }
    static bench_t b = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    char url[4200], err[512];
    snprintf(url, sizeof url, "file://%s", argv[1]);
    sbw_lake_opts_t o;
    sbw_lake_opts_init(&o);
    o.create = 1;
    sbw_lake_t *pub = NULL;
    if (sbw_lake_open(url, &o, &b.lake, err, sizeof err) != 0 ||
        sbw_lake_open(url, &o, &pub, err, sizeof err) != 0) {
        fprintf(stderr, "lake_ceiling: %s\n", err);
        return 1;
    }
    b.len = (size_t)atol(argv[2]);
    char *data = malloc(b.len);
    for (size_t i = 0; i < b.len; i++) /* JSON-ish lines of ~700 bytes */
        data[i] = (i % 700 == 699) ? '\n' : (char)('a' + i % 26);
    b.data = data;
    double t0 = now();
    b.until = t0 + atof(argv[3]);
    pthread_t th;
    pthread_create(&th, NULL, stager, &b);
    long published = 0, rounds = 0;
    double publish_s = 0;
    for (;;) {
        sbw_lake_staged_t *list[1024];
        pthread_mutex_lock(&b.mu);
        while (b.n_ready == 0 && !b.done)
            pthread_cond_wait(&b.cv, &b.mu);
        int n = b.n_ready;
        memcpy(list, b.ready, (size_t)n * sizeof *list);
        b.n_ready = 0;
        int finished = b.done;
        pthread_cond_broadcast(&b.cv);
        pthread_mutex_unlock(&b.mu);
        if (n > 0) {
            int rcs[1024];
            char errs[1024][8], *errp[1024];
            for (int i = 0; i < n; i++)
                errp[i] = errs[i];
            double t = now();
            if (sbw_lake_publish(pub, list, rcs, errp, sizeof errs[0], (size_t)n) != 0) {
                fprintf(stderr, "lake_ceiling: publish failed\n");
                return 1;
            }
            publish_s += now() - t;
            rounds++;
            published += n;
        }
        if (finished && n == 0)
            break;
    }
    pthread_join(th, NULL);
    double secs = now() - t0;
    printf("objects=%ld bytes=%.0f seconds=%.3f stage_ms=%.2f publish_ms=%.2f\n", published,
           (double)published * (double)b.len, secs, b.stage_s * 1e3 / (double)(b.staged ? b.staged : 1),
           publish_s * 1e3 / (double)(rounds ? rounds : 1));
    sbw_lake_free(pub);
    sbw_lake_free(b.lake);
    free(data);
    return b.failed;
}
