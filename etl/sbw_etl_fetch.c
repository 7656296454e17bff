/* sbw_etl_fetch: lake objects read ahead of the loader by a bounded pool (see sbw_etl_fetch.h). */
#include "sbw_etl_fetch.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sbw_log.h"

#define FETCH_THREADS_MAX 64

typedef struct {
    struct sbw_etl_fetch *f;
    int k;
} worker_arg_t;

typedef struct {
    int done;
    int rc;
    char *data;
    size_t len;
    char *why;       /* malloc'd reason (rc != OK), or NULL when out of memory */
    size_t reserved; /* budget bytes held until taken */
} slot_t;

struct sbw_etl_fetch {
    sbw_lake_t *lakes[FETCH_THREADS_MAX];
    int nthreads, started;
    pthread_t th[FETCH_THREADS_MAX];
    worker_arg_t args[FETCH_THREADS_MAX];
    size_t max_object_bytes, window, budget;
    long attempts;
    pthread_mutex_t mu;
    pthread_cond_t work; /* readers wait for room ahead of the loader (and for stop) */
    pthread_cond_t done; /* the loader waits for its next object */
    char *const *keys;
    const int64_t *sizes;
    slot_t *slots;
    size_t n, next, taken, reserved;
    int cancel;
};

/* Waits ms, or less when the pool is being stopped. Returns 1 when stopped. */
static int backoff_wait(sbw_etl_fetch_t *f, long ms)
{
    if (!f) {
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
        }
        return 0;
    }
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&f->mu);
    while (!f->cancel && pthread_cond_timedwait(&f->work, &f->mu, &until) != ETIMEDOUT) {
    }
    int stopped = f->cancel;
    pthread_mutex_unlock(&f->mu);
    return stopped;
}

static int read_with(sbw_etl_fetch_t *f, sbw_lake_t *lake, const char *key, size_t max_bytes,
                     long attempts, char **data, size_t *len, char *why, size_t whylen)
{
    for (long attempt = 1;; attempt++) {
        int rc = sbw_lake_get(lake, key, max_bytes, data, len, why, whylen);
        if (rc == 0)
            return SBW_ETL_READ_OK;
        if (rc == SBW_LAKE_ETOOLARGE || rc == SBW_LAKE_EINVAL)
            return SBW_ETL_READ_REJECT;
        if (rc == SBW_LAKE_ENOTFOUND) {
            SBW_WARN(key, "object disappeared after listing: %s", why);
            return SBW_ETL_READ_LEAVE;
        }
        if (attempt >= attempts) {
            SBW_WARN(key, "read failed %ld times, left for the next run: %s", attempt, why);
            return SBW_ETL_READ_LEAVE;
        }
        SBW_WARN(key, "read failed (attempt %ld), retrying: %s", attempt, why);
        if (backoff_wait(f, 200L << (2 * (attempt - 1) > 10 ? 10 : 2 * (attempt - 1)))) {
            snprintf(why, whylen, "stopped while retrying");
            return SBW_ETL_READ_LEAVE;
        }
    }
}

int sbw_etl_fetch_read(sbw_lake_t *lake, const char *key, size_t max_bytes, long attempts,
                       char **data, size_t *len, char *why, size_t whylen)
{
    return read_with(NULL, lake, key, max_bytes, attempts, data, len, why, whylen);
}

sbw_etl_fetch_t *sbw_etl_fetch_new(sbw_lake_t **lakes, int nthreads, size_t max_object_bytes,
                                   long attempts, size_t window, size_t budget)
{
    if (nthreads < 0 || nthreads > FETCH_THREADS_MAX)
        return NULL;
    sbw_etl_fetch_t *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    for (int i = 0; i < (nthreads ? nthreads : 1); i++)
        f->lakes[i] = lakes[i];
    f->nthreads = nthreads;
    f->max_object_bytes = max_object_bytes;
    f->attempts = attempts;
    f->window = window ? window : 1;
    f->budget = budget;
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->work, NULL);
    pthread_cond_init(&f->done, NULL);
    return f;
}

static size_t reserve_of(const sbw_etl_fetch_t *f, size_t i)
{
    int64_t s = f->sizes ? f->sizes[i] : 0;
    if (s < 0)
        s = 0;
    return (uint64_t)s > f->max_object_bytes ? f->max_object_bytes : (size_t)s;
}

static void *reader(void *ud)
{
    sbw_etl_fetch_t *f = ((worker_arg_t *)ud)->f;
    sbw_lake_t *lake = f->lakes[((worker_arg_t *)ud)->k];
    char why[1024];
    pthread_mutex_lock(&f->mu);
    for (;;) {
        /* Room ahead: fewer than `window` objects read or in flight beyond the loader, and the
         * budget not exceeded (always room for the loader's next object). */
        while (!f->cancel && f->next < f->n &&
               (f->next - f->taken >= f->window ||
                (f->next > f->taken && f->reserved + reserve_of(f, f->next) > f->budget)))
            pthread_cond_wait(&f->work, &f->mu);
        if (f->cancel || f->next >= f->n)
            break;
        size_t i = f->next++;
        size_t res = reserve_of(f, i);
        f->reserved += res;
        const char *key = f->keys[i];
        pthread_mutex_unlock(&f->mu);
        char *data = NULL;
        size_t len = 0;
        why[0] = '\0';
        int rc =
            read_with(f, lake, key, f->max_object_bytes, f->attempts, &data, &len, why, sizeof why);
        char *w = rc == SBW_ETL_READ_OK ? NULL : strdup(why);
        pthread_mutex_lock(&f->mu);
        slot_t *s = &f->slots[i];
        s->rc = rc;
        s->data = data;
        s->len = len;
        s->why = w;
        s->reserved = res;
        s->done = 1;
        pthread_cond_broadcast(&f->done);
    }
    pthread_mutex_unlock(&f->mu);
    return NULL;
}

int sbw_etl_fetch_start(sbw_etl_fetch_t *f, char *const *keys, const int64_t *sizes, size_t n)
{
    sbw_etl_fetch_stop(f);
    f->keys = keys;
    f->sizes = sizes;
    f->n = n;
    f->next = f->taken = f->reserved = 0;
    f->cancel = 0;
    if (f->nthreads == 0 || n == 0)
        return 0;
    f->slots = calloc(n, sizeof *f->slots);
    if (!f->slots)
        return -1;
    for (int k = 0; k < f->nthreads && (size_t)k < n; k++) {
        f->args[k] = (worker_arg_t){f, k};
        if (pthread_create(&f->th[k], NULL, reader, &f->args[k]) != 0)
            break;
        f->started++;
    }
    if (f->started == 0) {
        free(f->slots);
        f->slots = NULL;
        return -1;
    }
    return 0;
}

int sbw_etl_fetch_take(sbw_etl_fetch_t *f, size_t i, char **data, size_t *len, char *why,
                       size_t whylen)
{
    *data = NULL;
    *len = 0;
    if (!f->slots) /* inline */
        return read_with(NULL, f->lakes[0], f->keys[i], f->max_object_bytes, f->attempts, data,
                         len, why, whylen);
    pthread_mutex_lock(&f->mu);
    while (!f->slots[i].done)
        pthread_cond_wait(&f->done, &f->mu);
    slot_t *s = &f->slots[i];
    int rc = s->rc;
    *data = s->data;
    *len = s->len;
    if (rc != SBW_ETL_READ_OK)
        snprintf(why, whylen, "%s", s->why ? s->why : "read failed (out of memory for the reason)");
    free(s->why);
    s->data = s->why = NULL;
    f->reserved -= s->reserved;
    f->taken = i + 1;
    pthread_cond_broadcast(&f->work);
    pthread_mutex_unlock(&f->mu);
    return rc;
}

void sbw_etl_fetch_stop(sbw_etl_fetch_t *f)
{
    if (!f)
        return;
    if (f->started) {
        pthread_mutex_lock(&f->mu);
        f->cancel = 1;
        pthread_cond_broadcast(&f->work);
        pthread_mutex_unlock(&f->mu);
        for (int k = 0; k < f->started; k++)
            pthread_join(f->th[k], NULL);
        f->started = 0;
    }
    if (f->slots) {
        for (size_t i = 0; i < f->n; i++) {
            free(f->slots[i].data);
            free(f->slots[i].why);
        }
        free(f->slots);
        f->slots = NULL;
    }
    f->n = f->next = f->taken = f->reserved = 0;
    f->keys = NULL;
    f->sizes = NULL;
}

void sbw_etl_fetch_free(sbw_etl_fetch_t *f)
{
    if (!f)
        return;
    sbw_etl_fetch_stop(f);
    pthread_cond_destroy(&f->work);
    pthread_cond_destroy(&f->done);
    pthread_mutex_destroy(&f->mu);
    free(f);
}
