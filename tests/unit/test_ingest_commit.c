/* Unit tests of the collector's group commit (sbw_commit), metrics rendering and gzip bodies. */
#include <check.h>
#include <errno.h>
#include <linux/capability.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sbw_commit.h"
#include "sbw_gzip.h"
#include "sbw_metrics.h"
#include "sbw_test.h"

/* An in-memory store standing in for the lake: the durable put under test is the lake's
 * own (tests/integration); here we check which bytes each object received and that an object
 * counts as stored only once published. stage copies the bytes into a staged record; publish
 * moves it into the store (or fails it when fail_publish is set). */
typedef struct {
    pthread_mutex_t mu;
    int fail;         /* stage fails */
    int fail_publish; /* publish fails */
    int puts;         /* objects published */
    int staged_now;   /* staged, not yet published */
    int max_round;    /* most objects one publish call received */
    int rounds;       /* publish calls */
    int entered;      /* publish calls begun (before the gate) */
    int gate_closed;  /* publish waits while set (under mu, signalled on gate_cv) */
    int stage_policy, stage_priority; /* the scheduling of the thread of the last stage */
    int publish_policy;               /* ... and of the publisher's last round */
    pthread_cond_t gate_cv;
    char keys[64][96];
    char *data[64];
    size_t len[64];
} store_t;

typedef struct {
    char *data;
    size_t len;
} staged_t;

static int store_stage(void *ud, int slot, const char *key, const struct iovec *iov, int iovcnt,
                       void **staged, char *err, size_t errlen)
{
    ck_assert_int_eq(slot, 0); /* these committers have one writer */
    (void)key;
    store_t *s = ud;
    if (s->fail) {
        snprintf(err, errlen, "disk full");
        return -1;
    }
    staged_t *st = calloc(1, sizeof *st);
    for (int i = 0; i < iovcnt; i++)
        st->len += iov[i].iov_len;
    st->data = malloc(st->len + 1);
    size_t at = 0;
    for (int i = 0; i < iovcnt; i++) {
        memcpy(st->data + at, iov[i].iov_base, iov[i].iov_len);
        at += iov[i].iov_len;
    }
    st->data[at] = '\0';
    int policy;
    struct sched_param sp;
    pthread_getschedparam(pthread_self(), &policy, &sp);
    pthread_mutex_lock(&s->mu);
    s->staged_now++;
    s->stage_policy = policy;
    s->stage_priority = sp.sched_priority;
    pthread_mutex_unlock(&s->mu);
    *staged = st;
    return 0;
}

static void store_publish(void *ud, sbw_commit_item_t *items, size_t n)
{
    store_t *s = ud;
    int policy;
    struct sched_param sp;
    pthread_getschedparam(pthread_self(), &policy, &sp);
    pthread_mutex_lock(&s->mu);
    s->publish_policy = policy;
    s->entered++;
    while (s->gate_closed)
        pthread_cond_wait(&s->gate_cv, &s->mu);
    s->rounds++;
    if ((int)n > s->max_round)
        s->max_round = (int)n;
    for (size_t i = 0; i < n; i++) {
        staged_t *st = items[i].staged;
        ck_assert(items[i].stage_started > 0.0);
        s->staged_now--;
        if (s->fail_publish) {
            snprintf(items[i].err, items[i].errlen, "rename failed");
            items[i].rc = -1;
            free(st->data);
        } else if (s->puts < 64) {
            snprintf(s->keys[s->puts], sizeof s->keys[0], "%s", items[i].key);
            s->data[s->puts] = st->data;
            s->len[s->puts] = st->len;
            s->puts++;
            items[i].rc = 0;
        }
        free(st);
    }
    pthread_mutex_unlock(&s->mu);
}

static void store_free(store_t *s)
{
    for (int i = 0; i < s->puts; i++)
        free(s->data[i]);
}


START_TEST(single_request_is_one_object)
{
    store_t s = {.mu = PTHREAD_MUTEX_INITIALIZER};
    sbw_commit_opts_t o = {.max_wait_us = 0, .max_batch_bytes = 1 << 20, .max_pending_bytes = 1 << 20};
    sbw_committer_t *c = sbw_committer_new(&o, store_stage, store_publish, &s);
    char key[128], err[256];
    double secs = -1;
    const char *line = "{\"eventName\":\"page_view\"}\n";
    ck_assert_int_eq(sbw_committer_submit(c, line, strlen(line), 1795823999999LL, key, sizeof key,
                                          &secs, err, sizeof err), 0);
    ck_assert_int_eq(s.puts, 1);
    ck_assert_str_eq(s.keys[0], key);
    ck_assert_int_eq(strncmp(key, "events/2026/11/27/23/event-", 27), 0);
    ck_assert_str_eq(s.data[0], line);
    ck_assert(secs >= 0.0);
    sbw_commit_stats_t st;
    sbw_committer_stats(c, &st);
    ck_assert_uint_eq(st.objects_written, 1);
    ck_assert_uint_eq(st.requests_grouped, 0);
    sbw_committer_free(c);
    store_free(&s);
}
END_TEST

typedef struct {
    sbw_committer_t *c;
    char line[128];
    char key[128];
    int rc;
} submitter_t;

static void *submit_thread(void *arg)
{
    submitter_t *t = arg;
    char err[256];
    t->rc = sbw_committer_submit(t->c, t->line, strlen(t->line), 1795823999999LL, t->key,
                                 sizeof t->key, NULL, err, sizeof err);
    return NULL;
}

START_TEST(requests_arriving_together_share_one_object)
{
    store_t s = {.mu = PTHREAD_MUTEX_INITIALIZER};
    /* Each line is 32 bytes; the batch closes when the 4th arrives, long before the wait ends. */
    sbw_commit_opts_t o = {.max_wait_us = 30 * 1000000L, .max_batch_bytes = 128, .max_pending_bytes = 1 << 20};
    sbw_committer_t *c = sbw_committer_new(&o, store_stage, store_publish, &s);
    submitter_t t[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        t[i].c = c;
        snprintf(t[i].line, sizeof t[i].line, "{\"eventName\":\"e%d\",\"pad\":\"xxxx\"}\n", i);
        ck_assert_uint_eq(strlen(t[i].line), 32);
        pthread_create(&th[i], NULL, submit_thread, &t[i]);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    ck_assert_int_eq(s.puts, 1);
    ck_assert_uint_eq(s.len[0], 128);
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(t[i].rc, 0);
        ck_assert_str_eq(t[i].key, s.keys[0]);
        ck_assert_ptr_nonnull(strstr(s.data[0], t[i].line));
    }
    sbw_commit_stats_t st;
    sbw_committer_stats(c, &st);
    ck_assert_uint_eq(st.objects_written, 1);
    ck_assert_uint_eq(st.requests_grouped, 3);
    sbw_committer_free(c);
    store_free(&s);
}
END_TEST

/* Two requests that together fill a 64-byte batch, against a store that fails (s->fail: at
 * stage, s->fail_publish: at publish): both get -1, nothing is stored or left staged, one
 * failure is counted. Returns the committer for more. */
static sbw_committer_t *two_requests_fail(store_t *s)
{
    sbw_commit_opts_t o = {.max_wait_us = 30 * 1000000L, .max_batch_bytes = 64, .max_pending_bytes = 1 << 20};
    sbw_committer_t *c = sbw_committer_new(&o, store_stage, store_publish, s);
    submitter_t t[2];
    pthread_t th[2];
    for (int i = 0; i < 2; i++) {
        t[i].c = c;
        snprintf(t[i].line, sizeof t[i].line, "{\"eventName\":\"e%d\",\"pad\":\"xxxx\"}\n", i);
        pthread_create(&th[i], NULL, submit_thread, &t[i]);
    }
    for (int i = 0; i < 2; i++) {
        pthread_join(th[i], NULL);
        ck_assert_int_eq(t[i].rc, -1);
    }
    ck_assert_int_eq(s->puts, 0);
    ck_assert_int_eq(s->staged_now, 0);
    sbw_commit_stats_t st;
    sbw_committer_stats(c, &st);
    ck_assert_uint_eq(st.put_failures, 1);
    ck_assert_uint_eq(st.objects_written, 0);
    return c;
}

/* 64 bytes: fills a batch at once, so the leader does not wait for company. */
static const char big_line[] = "{\"eventName\":\"again\",\"pad\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}\n";

START_TEST(failed_write_fails_every_request_of_the_batch)
{
    store_t s = {.mu = PTHREAD_MUTEX_INITIALIZER, .fail = 1};
    sbw_committer_t *c = two_requests_fail(&s);
    /* The storage comes back: the next request is written and nothing is left pending. */
    s.fail = 0;
    char err[256];
    ck_assert_uint_eq(strlen(big_line), 64);
    ck_assert_int_eq(sbw_committer_submit(c, big_line, 64, 0, NULL, 0, NULL, err, sizeof err), 0);
    ck_assert_int_eq(s.puts, 1);
    ck_assert_str_eq(s.data[0], big_line);
    sbw_commit_stats_t st;
    sbw_committer_stats(c, &st);
    ck_assert_uint_eq(st.put_failures, 1);
    ck_assert_uint_eq(st.objects_written, 1);
    sbw_committer_free(c);
    store_free(&s);
}
END_TEST

START_TEST(failed_publish_fails_every_request_of_the_batch)
{
    store_t s = {.mu = PTHREAD_MUTEX_INITIALIZER, .fail_publish = 1};
    sbw_committer_t *c = two_requests_fail(&s);
    /* The publish error reaches the request. */
    char err[256] = "";
    ck_assert_int_eq(sbw_committer_submit(c, big_line, 64, 0, NULL, 0, NULL, err, sizeof err), -1);
    ck_assert_str_eq(err, "rename failed");
    sbw_committer_free(c);
    store_free(&s);
}
END_TEST

/* While the publisher is busy, later batches are staged and then published together. */
START_TEST(batches_staged_meanwhile_are_published_together)
{
    store_t s = {.mu = PTHREAD_MUTEX_INITIALIZER, .gate_cv = PTHREAD_COND_INITIALIZER,
                 .gate_closed = 1};
    /* No waiting for company and 32-byte batches: every request is its own object. */
    sbw_commit_opts_t o = {.max_wait_us = 0, .max_batch_bytes = 32, .max_pending_bytes = 1 << 20};
    sbw_committer_t *c = sbw_committer_new(&o, store_stage, store_publish, &s);
    submitter_t t[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        t[i].c = c;
        snprintf(t[i].line, sizeof t[i].line, "{\"eventName\":\"e%d\",\"pad\":\"xxxx\"}\n", i);
        pthread_create(&th[i], NULL, submit_thread, &t[i]);
        if (i == 0) {
            /* The first object reaches the (gated) publisher before the others are staged. */
            for (int w = 0; w < 5000; w++) {
                pthread_mutex_lock(&s.mu);
                int entered = s.entered;
                pthread_mutex_unlock(&s.mu);
                if (entered == 1)
                    break;
                usleep(1000);
            }
        }
    }
    /* All four staged, none published: nobody may have returned yet. */
    for (int w = 0; w < 5000; w++) {
        pthread_mutex_lock(&s.mu);
        int staged = s.staged_now;
        pthread_mutex_unlock(&s.mu);
        if (staged == 4)
            break;
        usleep(1000);
    }
    pthread_mutex_lock(&s.mu);
    ck_assert_int_eq(s.staged_now, 4);
    ck_assert_int_eq(s.puts, 0);
    s.gate_closed = 0;
    pthread_cond_broadcast(&s.gate_cv);
    pthread_mutex_unlock(&s.mu);
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        ck_assert_int_eq(t[i].rc, 0);
    }
    ck_assert_int_eq(s.puts, 4);
    /* The first object alone, then the three staged while it waited in one call. */
    ck_assert_int_eq(s.rounds, 2);
    ck_assert_int_eq(s.max_round, 3);
    for (int i = 0; i < 4; i++) {
        int found = 0;
        for (int k = 0; k < 4; k++)
            if (strcmp(s.data[k], t[i].line) == 0 && strcmp(s.keys[k], t[i].key) == 0)
                found = 1;
        ck_assert_msg(found, "request %d's object", i);
    }
    sbw_commit_stats_t st;
    sbw_committer_stats(c, &st);
    ck_assert_uint_eq(st.objects_written, 4);
    ck_assert_uint_eq(st.requests_grouped, 0);
    sbw_committer_free(c);
    store_free(&s);
}
END_TEST

START_TEST(overload_is_refused_not_queued)
{
    store_t s = {.mu = PTHREAD_MUTEX_INITIALIZER};
    sbw_commit_opts_t o = {.max_wait_us = 0, .max_batch_bytes = 1 << 20, .max_pending_bytes = 16};
    sbw_committer_t *c = sbw_committer_new(&o, store_stage, store_publish, &s);
    char err[256];
    const char *line = "{\"eventName\":\"page_view\"}\n";
    ck_assert_int_eq(sbw_committer_submit(c, line, strlen(line), 0, NULL, 0, NULL, err, sizeof err), -2);
    ck_assert_ptr_nonnull(strstr(err, "overloaded"));
    ck_assert_int_eq(s.puts, 0);
    sbw_committer_free(c);
}
END_TEST

START_TEST(metrics_render_prometheus_text)
{
    sbw_metrics_t m;
    sbw_metrics_init(&m);
    sbw_metrics_request(&m, 200);
    sbw_metrics_request(&m, 200);
    sbw_metrics_request(&m, 413);
    sbw_metrics_request(&m, 418);
    atomic_fetch_add(&m.events_accepted, 7);
    sbw_metrics_write(&m, 0.003, 1);
    sbw_metrics_write(&m, 0.0004, 1);
    sbw_metrics_write(&m, 0.1, 0);
    char buf[8192];
    size_t n = sbw_metrics_render(&m, buf, sizeof buf);
    ck_assert_uint_lt(n, sizeof buf);
    ck_assert_ptr_nonnull(strstr(buf, "sbw_ingest_requests_total{code=\"200\"} 2\n"));
    ck_assert_ptr_nonnull(strstr(buf, "sbw_ingest_requests_total{code=\"413\"} 1\n"));
    ck_assert_ptr_nonnull(strstr(buf, "sbw_ingest_requests_total{code=\"other\"} 1\n"));
    ck_assert_ptr_nonnull(strstr(buf, "sbw_ingest_events_accepted_total 7\n"));
    ck_assert_ptr_nonnull(strstr(buf, "sbw_ingest_objects_written_total 2\n"));
    ck_assert_ptr_nonnull(strstr(buf, "sbw_ingest_write_failures_total 1\n"));
    ck_assert_ptr_nonnull(strstr(buf, "sbw_ingest_write_seconds_bucket{le=\"0.0005\"} 1\n"));
    ck_assert_ptr_nonnull(strstr(buf, "sbw_ingest_write_seconds_bucket{le=\"0.0025\"} 1\n"));
    ck_assert_ptr_nonnull(strstr(buf, "sbw_ingest_write_seconds_bucket{le=\"0.005\"} 2\n"));
    ck_assert_ptr_nonnull(strstr(buf, "sbw_ingest_write_seconds_bucket{le=\"+Inf\"} 2\n"));
    ck_assert_ptr_nonnull(strstr(buf, "sbw_ingest_write_seconds_sum 0.003400\n"));
    ck_assert_ptr_nonnull(strstr(buf, "sbw_ingest_write_seconds_count 2\n"));
    /* Too small a buffer reports the size needed, like snprintf. */
    char tiny[16];
    ck_assert_uint_eq(sbw_metrics_render(&m, tiny, sizeof tiny), n);
}
END_TEST

START_TEST(gzip_round_trip_and_limits)
{
    const char *body = "[{\"eventName\":\"page_view\"},{\"eventName\":\"click\"}]";
    char *gz = NULL, *out = NULL, err[256] = "";
    size_t gzlen = 0, outlen = 0;
    ck_assert_int_eq(sbw_gzip(body, strlen(body), &gz, &gzlen), 0);
    ck_assert_int_eq(sbw_gunzip(gz, gzlen, 1024, &out, &outlen, err, sizeof err), 0);
    ck_assert_uint_eq(outlen, strlen(body));
    ck_assert_str_eq(out, body);
    free(out);
    /* Exactly at the limit is fine; one byte less is refused. */
    ck_assert_int_eq(sbw_gunzip(gz, gzlen, strlen(body), &out, &outlen, err, sizeof err), 0);
    free(out);
    ck_assert_int_eq(sbw_gunzip(gz, gzlen, strlen(body) - 1, &out, &outlen, err, sizeof err), -1);
    ck_assert_str_eq(err, "decompressed body exceeds 48 bytes");
    ck_assert_ptr_null(out);
    /* Truncated and corrupt streams. */
    ck_assert_int_eq(sbw_gunzip(gz, gzlen - 4, 1024, &out, &outlen, err, sizeof err), -1);
    ck_assert_str_eq(err, "body is not valid gzip: truncated stream");
    ck_assert_int_eq(sbw_gunzip("not gzip at all", 15, 1024, &out, &outlen, err, sizeof err), -1);
    ck_assert_int_eq(strncmp(err, "body is not valid gzip: ", 24), 0);
    free(gz);
}
END_TEST

START_TEST(gzip_bomb_costs_at_most_the_limit)
{
    size_t big = 64u << 20; /* 64 MiB of zeros compresses to ~64 KiB */
    char *zeros = calloc(1, big), *gz = NULL, *out = NULL, err[256];
    size_t gzlen, outlen;
    ck_assert_int_eq(sbw_gzip(zeros, big, &gz, &gzlen), 0);
    free(zeros);
    ck_assert_uint_lt(gzlen, 1u << 20);
    ck_assert_int_eq(sbw_gunzip(gz, gzlen, 1u << 20, &out, &outlen, err, sizeof err), -1);
    ck_assert_str_eq(err, "decompressed body exceeds 1048576 bytes");
    free(gz);
}
END_TEST

/* One request through a committer asking for real-time priority 3: the stage and the
 * publisher run SCHED_FIFO when the process may, and the request thread gets its normal
 * scheduling back either way. Returns sbw_committer_realtime. */
static int one_request_at_realtime(store_t *s)
{
    sbw_commit_opts_t o = {.max_batch_bytes = 1 << 20, .max_pending_bytes = 1 << 20,
                           .rt_priority = 3};
    sbw_committer_t *c = sbw_committer_new(&o, store_stage, store_publish, s);
    char err[256];
    ck_assert_int_eq(sbw_committer_submit(c, big_line, 64, 0, NULL, 0, NULL, err, sizeof err), 0);
    ck_assert_int_eq(s->puts, 1);
    ck_assert_str_eq(s->data[0], big_line);
    int policy;
    struct sched_param sp;
    ck_assert_int_eq(pthread_getschedparam(pthread_self(), &policy, &sp), 0);
    ck_assert_int_eq(policy, SCHED_OTHER);
    ck_assert_int_eq(sp.sched_priority, 0);
    int rt = sbw_committer_realtime(c);
    sbw_committer_free(c);
    return rt;
}

START_TEST(lake_path_runs_at_realtime_priority_when_allowed)
{
    store_t s = {.mu = PTHREAD_MUTEX_INITIALIZER};
    int allowed = sbw_test_realtime_allowed();
    int rt = one_request_at_realtime(&s);
    /* CI runs as root, where the first branch is the one checked. */
    if (allowed) {
        ck_assert_int_eq(rt, 1);
        ck_assert_int_eq(s.stage_policy, SCHED_FIFO);
        ck_assert_int_eq(s.stage_priority, 3);
        ck_assert_int_eq(s.publish_policy, SCHED_FIFO);
    } else {
        ck_assert_int_eq(rt, -EPERM);
        ck_assert_int_eq(s.stage_policy, SCHED_OTHER);
        ck_assert_int_eq(s.publish_policy, SCHED_OTHER);
    }
    store_free(&s);
}
END_TEST

START_TEST(realtime_off_keeps_normal_scheduling)
{
    store_t s = {.mu = PTHREAD_MUTEX_INITIALIZER};
    sbw_commit_opts_t o = {.max_batch_bytes = 1 << 20, .max_pending_bytes = 1 << 20};
    sbw_committer_t *c = sbw_committer_new(&o, store_stage, store_publish, &s);
    char err[256];
    ck_assert_int_eq(sbw_committer_submit(c, big_line, 64, 0, NULL, 0, NULL, err, sizeof err), 0);
    ck_assert_int_eq(sbw_committer_realtime(c), 0);
    ck_assert_int_eq(s.stage_policy, SCHED_OTHER);
    ck_assert_int_eq(s.publish_policy, SCHED_OTHER);
    sbw_committer_free(c);
    store_free(&s);
}
END_TEST

/* Without the privilege (CAP_SYS_NICE dropped, RLIMIT_RTPRIO 0) the committer says so and
 * still commits at normal priority. In a child process, so the privilege is lost only there. */
START_TEST(refused_realtime_still_commits)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
        struct __user_cap_data_struct d[2];
        if (syscall(SYS_capget, &h, d) != 0)
            _exit(10);
        d[CAP_SYS_NICE / 32].effective &= ~(1u << (CAP_SYS_NICE % 32));
        if (syscall(SYS_capset, &h, d) != 0)
            _exit(11);
        struct rlimit no_rt = {0, 0};
        if (setrlimit(RLIMIT_RTPRIO, &no_rt) != 0 || sbw_test_realtime_allowed())
            _exit(12);
        store_t s = {.mu = PTHREAD_MUTEX_INITIALIZER};
        int rt = one_request_at_realtime(&s);
        int ok = rt == -EPERM && s.stage_policy == SCHED_OTHER && s.publish_policy == SCHED_OTHER;
        store_free(&s);
        _exit(ok ? 0 : 13);
    }
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("ingest_commit");
    TCase *k = tcase_create("group_commit");
    tcase_set_timeout(k, 30);
    tcase_add_test(k, single_request_is_one_object);
    tcase_add_test(k, requests_arriving_together_share_one_object);
    tcase_add_test(k, failed_write_fails_every_request_of_the_batch);
    tcase_add_test(k, failed_publish_fails_every_request_of_the_batch);
    tcase_add_test(k, batches_staged_meanwhile_are_published_together);
    tcase_add_test(k, overload_is_refused_not_queued);
    tcase_add_test(k, lake_path_runs_at_realtime_priority_when_allowed);
    tcase_add_test(k, realtime_off_keeps_normal_scheduling);
    tcase_add_test(k, refused_realtime_still_commits);
    suite_add_tcase(s, k);
    TCase *m = tcase_create("metrics");
    tcase_add_test(m, metrics_render_prometheus_text);
    suite_add_tcase(s, m);
    TCase *g = tcase_create("gzip");
    tcase_add_test(g, gzip_round_trip_and_limits);
    tcase_add_test(g, gzip_bomb_costs_at_most_the_limit);
    suite_add_tcase(s, g);
    return s;
}

int main(void)
{
    return sbw_test_run(suite());
}
