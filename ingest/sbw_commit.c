/* sbw_commit: group commit of accepted events into the lake (see sbw_commit.h). */
#include "sbw_commit.h"

#include "sbw_lake.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uuid/uuid.h>

typedef struct batch {
    char *data;
    size_t len, cap;
    int64_t received_ms; /* of the first request: names the object */
    int refs;            /* requests in the batch (under c->mu until closed) */
    atomic_int readers;  /* requests still to read the outcome; the last frees the batch */
    sem_t done_sem;      /* posted once per follower when the outcome is known */
    int closed;          /* no more appends */
    int rc;
    double seconds;
    char key[96];
    char err[256];
    pthread_cond_t cv; /* signalled to the leader when the batch is full */
} batch_t;

struct sbw_committer {
    sbw_commit_opts_t opts;
    sbw_commit_put_fn put;
    void *ud;
    pthread_mutex_t mu;
    batch_t *open; /* the batch requests append to, or NULL */
    unsigned busy; /* bit i set: writer slot i is running a put */
    pthread_cond_t slot_cv;
    size_t pending_bytes;
    sbw_commit_stats_t stats;
};

sbw_committer_t *sbw_committer_new(const sbw_commit_opts_t *opts, sbw_commit_put_fn put, void *ud)
{
    sbw_committer_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->opts = *opts;
    if (c->opts.max_writers < 1)
        c->opts.max_writers = 1;
    if (c->opts.max_writers > SBW_COMMIT_MAX_WRITERS)
        c->opts.max_writers = SBW_COMMIT_MAX_WRITERS;
    c->put = put;
    c->ud = ud;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->slot_cv, NULL);
    return c;
}

void sbw_committer_free(sbw_committer_t *c)
{
    if (!c)
        return;
    pthread_cond_destroy(&c->slot_cv);
    pthread_mutex_destroy(&c->mu);
    free(c);
}


static batch_t *batch_new(int64_t received_ms)
{
    batch_t *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->received_ms = received_ms;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&b->cv, &ca);
    pthread_condattr_destroy(&ca);
    sem_init(&b->done_sem, 0, 0);
    return b;
}

static void batch_free(batch_t *b)
{
    sem_destroy(&b->done_sem);
    pthread_cond_destroy(&b->cv);
    free(b->data);
    free(b);
}

static int batch_append(batch_t *b, const char *lines, size_t len)
{
    if (b->len + len > b->cap) {
        size_t ncap = b->cap ? b->cap : 4096;
        while (ncap < b->len + len)
            ncap *= 2;
        char *grown = realloc(b->data, ncap);
        if (!grown)
            return -1;
        b->data = grown;
        b->cap = ncap;
    }
    memcpy(b->data + b->len, lines, len);
    b->len += len;
    return 0;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The leader: wait for company, close the batch, write it, publish the outcome.
 * Called with c->mu held; returns with it released. */
static void lead(sbw_committer_t *c, batch_t *b)
{
    if (c->opts.max_wait_us > 0) {
        struct timespec deadline;
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_nsec += (c->opts.max_wait_us % 1000000) * 1000;
        deadline.tv_sec += c->opts.max_wait_us / 1000000 + deadline.tv_nsec / 1000000000;
        deadline.tv_nsec %= 1000000000;
        while (!b->closed) {
            if (pthread_cond_timedwait(&b->cv, &c->mu, &deadline) == ETIMEDOUT)
                break;
        }
    }
    /* One put at a time: while the previous batch is being written this one keeps filling. */
    /* At most max_writers puts at a time: while they run this batch keeps filling. */
    int slot = -1;
    for (;;) {
        for (int i = 0; i < c->opts.max_writers && slot < 0; i++)
            if (!(c->busy & (1u << i)))
                slot = i;
        if (slot >= 0)
            break;
        pthread_cond_wait(&c->slot_cv, &c->mu);
    }
    c->busy |= 1u << slot;
    b->closed = 1;
    if (c->open == b)
        c->open = NULL;
    pthread_mutex_unlock(&c->mu);

    uuid_t u;
    char us[37];
    uuid_generate_random(u);
    uuid_unparse_lower(u, us);
    sbw_lake_key_for(b->received_ms, us, b->key, sizeof b->key);
    double t0 = now_seconds();
    int rc = c->put(c->ud, slot, b->key, b->data, b->len, b->err, sizeof b->err);
    double secs = now_seconds() - t0;

    pthread_mutex_lock(&c->mu);
    c->busy &= ~(1u << slot);
    pthread_cond_signal(&c->slot_cv);
    c->pending_bytes -= b->len;
    if (rc == 0) {
        c->stats.objects_written++;
        c->stats.requests_grouped += (uint64_t)(b->refs - 1);
    } else {
        c->stats.put_failures++;
    }
    pthread_mutex_unlock(&c->mu);
    /* The batch is closed: refs no longer changes. Publish the outcome, then wake each
     * follower exactly once (a semaphore: no herd on the committer's lock). */
    b->rc = rc == 0 ? 0 : -1;
    b->seconds = secs;
    for (int i = 1; i < b->refs; i++)
        sem_post(&b->done_sem);
}

/* Copies the outcome of b for one request and drops its reference. */
static int finish(batch_t *b, char *key_out, size_t key_len, double *write_seconds, char *err,
                  size_t errlen)
{
    int rc = b->rc;
    if (rc != 0)
        snprintf(err, errlen, "%s", b->err);
    if (key_out)
        snprintf(key_out, key_len, "%s", b->key);
    if (write_seconds)
        *write_seconds = b->seconds;
    if (atomic_fetch_sub(&b->readers, 1) == 1)
        batch_free(b);
    return rc;
}

int sbw_committer_submit(sbw_committer_t *c, const char *lines, size_t len, int64_t received_ms,
                         char *key_out, size_t key_len, double *write_seconds, char *err,
                         size_t errlen)
{
    pthread_mutex_lock(&c->mu);
    if (c->pending_bytes + len > c->opts.max_pending_bytes) {
        pthread_mutex_unlock(&c->mu);
        snprintf(err, errlen, "overloaded: %zu bytes waiting for storage", c->pending_bytes);
        return -2;
    }
    int leader = 0;
    batch_t *b = c->open;
    if (!b) {
        b = batch_new(received_ms);
        if (!b) {
            pthread_mutex_unlock(&c->mu);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        c->open = b;
        leader = 1;
    }
    if (batch_append(b, lines, len) != 0) {
        if (leader) {
            c->open = NULL;
            batch_free(b);
        }
        pthread_mutex_unlock(&c->mu);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    b->refs++;
    atomic_fetch_add(&b->readers, 1);
    c->pending_bytes += len;
    if (b->len >= c->opts.max_batch_bytes && !b->closed) {
        b->closed = 1;
        c->open = NULL;
        pthread_cond_signal(&b->cv); /* wake the leader early */
    }
    if (leader) {
        lead(c, b); /* returns with c->mu released */
    } else {
        pthread_mutex_unlock(&c->mu);
        while (sem_wait(&b->done_sem) != 0)
            ; /* EINTR */
    }
    return finish(b, key_out, key_len, write_seconds, err, errlen);
}

void sbw_committer_stats(sbw_committer_t *c, sbw_commit_stats_t *out)
{
    pthread_mutex_lock(&c->mu);
    *out = c->stats;
    pthread_mutex_unlock(&c->mu);
}
