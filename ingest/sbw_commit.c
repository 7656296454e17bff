/* sbw_commit: group commit of accepted events into the lake (see sbw_commit.h). */
#include "sbw_commit.h"

#include "sbw_lake.h"
#include "sbw_uuid.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

typedef struct batch {
    struct iovec *iov; /* the requests' lines, in arrival order (not copied) */
    int n_iov, cap_iov;
    size_t len;
    int64_t received_ms; /* of the first request: names the object */
    int refs;            /* requests in the batch (under c->mu until closed) */
    atomic_int readers;  /* requests still to read the outcome + 1 for the completer */
    atomic_uint done;    /* futex word: 0 until the outcome is published, then 1 */
    int closed;          /* no more appends */
    int rc;
    double started, seconds;
    void *staged;
    char key[96];
    char err[256];
    pthread_cond_t cv;  /* signalled to the leader when the batch is full */
    struct batch *next; /* in the publish queue */
} batch_t;

struct sbw_committer {
    sbw_commit_opts_t opts;
    sbw_commit_stage_fn stage;
    sbw_commit_publish_fn publish;
    void *ud;
    pthread_mutex_t mu;
    batch_t *open; /* the batch requests append to, or NULL */
    unsigned busy; /* bit i set: writer slot i is staging */
    pthread_cond_t slot_cv;
    size_t pending_bytes;
    sbw_commit_stats_t stats;
    batch_t *queue_head, *queue_tail; /* staged, waiting for the publisher */
    pthread_cond_t queue_cv;
    int stopping;
    pthread_t publisher;
    int realtime; /* see sbw_committer_realtime; set before any submit, then read-only */
};

double sbw_committer_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static batch_t *batch_new(int64_t received_ms)
{
    batch_t *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->received_ms = received_ms;
    atomic_init(&b->readers, 1); /* the completer's reference */
    atomic_init(&b->done, 0);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&b->cv, &ca);
    pthread_condattr_destroy(&ca);
    return b;
}

static void batch_free(batch_t *b)
{
    pthread_cond_destroy(&b->cv);
    free(b->iov);
    free(b);
}

static void batch_unref(batch_t *b)
{
    if (atomic_fetch_sub(&b->readers, 1) == 1)
        batch_free(b);
}

static int batch_append(batch_t *b, const char *lines, size_t len)
{
    if (b->n_iov == b->cap_iov) {
        int ncap = b->cap_iov ? b->cap_iov * 2 : 16;
        struct iovec *grown = realloc(b->iov, (size_t)ncap * sizeof *grown);
        if (!grown)
            return -1;
        b->iov = grown;
        b->cap_iov = ncap;
    }
    b->iov[b->n_iov].iov_base = (void *)lines;
    b->iov[b->n_iov].iov_len = len;
    b->n_iov++;
    b->len += len;
    return 0;
}

/* Publishes the outcome (already stored in b) and wakes every request of the batch with one
 * call; then drops the completer's reference. */
static void complete(batch_t *b)
{
    atomic_store_explicit(&b->done, 1, memory_order_release);
    syscall(SYS_futex, &b->done, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
    batch_unref(b);
}

static void wait_done(batch_t *b)
{
    while (atomic_load_explicit(&b->done, memory_order_acquire) == 0)
        syscall(SYS_futex, &b->done, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
}

/* Accounts for finished batches (under c->mu). */
static void account(sbw_committer_t *c, batch_t *b)
{
    c->pending_bytes -= b->len;
    if (b->rc == 0) {
        c->stats.objects_written++;
        c->stats.requests_grouped += (uint64_t)(b->refs - 1);
    } else {
        c->stats.put_failures++;
    }
}

/* The publisher thread: takes the staged batches queued so far (at most
 * SBW_COMMIT_PUBLISH_MAX), publishes them together, wakes their requests, and starts over. */
static void *publisher_main(void *arg)
{
    sbw_committer_t *c = arg;
    pthread_mutex_lock(&c->mu);
    for (;;) {
        while (!c->queue_head && !c->stopping)
            pthread_cond_wait(&c->queue_cv, &c->mu);
        if (!c->queue_head)
            break; /* stopping and nothing left */
        batch_t *round[SBW_COMMIT_PUBLISH_MAX];
        sbw_commit_item_t items[SBW_COMMIT_PUBLISH_MAX];
        size_t n = 0;
        while (c->queue_head && n < SBW_COMMIT_PUBLISH_MAX) {
            batch_t *b = c->queue_head;
            c->queue_head = b->next;
            round[n] = b;
            items[n++] = (sbw_commit_item_t){.staged = b->staged, .key = b->key,
                                             .stage_started = b->started, .rc = -1,
                                             .err = b->err, .errlen = sizeof b->err};
        }
        if (!c->queue_head)
            c->queue_tail = NULL;
        pthread_mutex_unlock(&c->mu);

        c->publish(c->ud, items, n);
        double t = sbw_committer_clock();
        pthread_mutex_lock(&c->mu);
        for (size_t i = 0; i < n; i++) {
            round[i]->rc = items[i].rc == 0 ? 0 : -1;
            round[i]->seconds = t - round[i]->started;
            round[i]->staged = NULL;
            account(c, round[i]);
        }
        pthread_mutex_unlock(&c->mu);
        for (size_t i = 0; i < n; i++)
            complete(round[i]);
        pthread_mutex_lock(&c->mu);
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

sbw_committer_t *sbw_committer_new(const sbw_commit_opts_t *opts, sbw_commit_stage_fn stage,
                                   sbw_commit_publish_fn publish, void *ud)
{
    sbw_committer_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->opts = *opts;
    if (c->opts.max_writers < 1)
        c->opts.max_writers = 1;
    if (c->opts.max_writers > SBW_COMMIT_MAX_WRITERS)
        c->opts.max_writers = SBW_COMMIT_MAX_WRITERS;
    c->stage = stage;
    c->publish = publish;
    c->ud = ud;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->slot_cv, NULL);
    pthread_cond_init(&c->queue_cv, NULL);
    if (pthread_create(&c->publisher, NULL, publisher_main, c) != 0) {
        pthread_cond_destroy(&c->queue_cv);
        pthread_cond_destroy(&c->slot_cv);
        pthread_mutex_destroy(&c->mu);
        free(c);
        return NULL;
    }
    if (c->opts.rt_priority > 0) {
        /* The publisher is raised once, here; a stage is raised while it runs (lead). */
        struct sched_param sp = {.sched_priority = c->opts.rt_priority};
        int rc = pthread_setschedparam(c->publisher, SCHED_FIFO, &sp);
        c->realtime = rc == 0 ? 1 : -rc;
    }
    return c;
}

int sbw_committer_realtime(sbw_committer_t *c)
{
    return c->realtime;
}

void sbw_committer_free(sbw_committer_t *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->mu);
    c->stopping = 1;
    pthread_cond_signal(&c->queue_cv);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->publisher, NULL);
    pthread_cond_destroy(&c->queue_cv);
    pthread_cond_destroy(&c->slot_cv);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

/* The leader: wait for company, close the batch, stage it, queue it for the publisher (or
 * complete it at once when staging failed). Called with c->mu held; returns with it
 * released. */
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
    /* At most max_writers stages at a time: while they run this batch keeps filling. */
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

    char us[SBW_UUID_SIZE];
    sbw_uuid_random(us);
    sbw_lake_key_for(b->received_ms, us, b->key, sizeof b->key);
    b->started = sbw_committer_clock();
    /* The stage runs in this request thread: at real-time priority while it lasts, so that
     * on busy CPUs each step of the write (and the wake-up after each flush) is not queued
     * behind the other request threads. Restored before the thread serves requests again. */
    int policy = SCHED_OTHER;
    struct sched_param saved = {0};
    int raised = c->realtime == 1 && pthread_getschedparam(pthread_self(), &policy, &saved) == 0 &&
                 pthread_setschedparam(pthread_self(), SCHED_FIFO,
                                       &(struct sched_param){.sched_priority =
                                                                 c->opts.rt_priority}) == 0;
    int rc = c->stage(c->ud, slot, b->key, b->iov, b->n_iov, &b->staged, b->err, sizeof b->err);
    if (raised)
        pthread_setschedparam(pthread_self(), policy, &saved);

    pthread_mutex_lock(&c->mu);
    c->busy &= ~(1u << slot);
    pthread_cond_signal(&c->slot_cv);
    if (rc == 0) {
        b->next = NULL;
        if (c->queue_tail)
            c->queue_tail->next = b;
        else
            c->queue_head = b;
        c->queue_tail = b;
        pthread_cond_signal(&c->queue_cv);
        pthread_mutex_unlock(&c->mu);
        return;
    }
    b->rc = -1;
    b->seconds = sbw_committer_clock() - b->started;
    account(c, b);
    pthread_mutex_unlock(&c->mu);
    complete(b);
}

/* Copies the outcome of b for one request and drops its reference. */
static int finish(batch_t *b, char *key_out, size_t key_len, double *write_seconds, char *err,
                  size_t errlen)
{
    wait_done(b);
    int rc = b->rc;
    if (rc != 0)
        snprintf(err, errlen, "%s", b->err);
    if (key_out)
        snprintf(key_out, key_len, "%s", b->key);
    if (write_seconds)
        *write_seconds = b->seconds;
    batch_unref(b);
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
    if (leader)
        lead(c, b); /* returns with c->mu released */
    else
        pthread_mutex_unlock(&c->mu);
    return finish(b, key_out, key_len, write_seconds, err, errlen);
}

void sbw_committer_stats(sbw_committer_t *c, sbw_commit_stats_t *out)
{
    pthread_mutex_lock(&c->mu);
    *out = c->stats;
    pthread_mutex_unlock(&c->mu);
}
