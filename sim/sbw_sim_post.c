/* sbw_sim_post: the HTTP output: worker threads with keep-alive libcurl handles. */
#include "sbw_sim_post.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "sbw_sim_rng.h"

#define THREADS_MAX 256
#define QUEUE_MAX 64       /* requests waiting per thread */
#define RESPONSE_MAX 65536 /* bytes of an answer kept */

void sbw_sim_post_opts_init(sbw_sim_post_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->threads = 8;
    o->max_attempts = 8;
    o->timeout_ms = 30000;
}

int sbw_sim_post_count(long status, const char *body, int n, int64_t *accepted, int64_t *rejected)
{
    *accepted = 0;
    *rejected = 0;
    if (status == 503 || status == 429)
        return 1;
    if (status >= 500 || status < 200)
        return -1;
    cJSON *j = body ? cJSON_Parse(body) : NULL;
    const cJSON *acc = cJSON_GetObjectItemCaseSensitive(j, "accepted");
    const cJSON *rej = cJSON_GetObjectItemCaseSensitive(j, "rejected");
    int rc = 0;
    if (cJSON_IsNumber(acc)) {
        *accepted = (int64_t)acc->valuedouble;
        *rejected = cJSON_IsArray(rej) ? cJSON_GetArraySize(rej) : n - *accepted;
    } else if (status >= 200 && status < 300) {
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "success")))
            *accepted = n;
        else
            rc = -1; /* a 2xx that is not the ingest's answer */
    } else {
        *rejected = n;
    }
    cJSON_Delete(j);
    return rc;
}

void sbw_sim_post_summary(const sbw_sim_post_stats_t *s, char *out, size_t outlen)
{
    snprintf(out, outlen,
             "{\"sent\":%lld,\"accepted\":%lld,\"rejected\":%lld,\"failed_requests\":%lld,"
             "\"requests\":%lld,\"retries\":%lld,\"seconds\":%.3f}",
             (long long)s->sent, (long long)s->accepted, (long long)s->rejected,
             (long long)s->failed_requests, (long long)s->requests, (long long)s->retries,
             s->seconds);
}

/* ---- the poster ---- */

typedef struct pjob {
    char *body;
    size_t len;
    int n;
    char ua[520];
    char ip[48];
    struct pjob *next;
} pjob_t;

typedef struct worker {
    struct sbw_sim_poster *p;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pjob_t *head, *tail;
    int queued;
    int closing;
    CURL *curl;
    char resp[RESPONSE_MAX + 1];
    size_t resp_len;
    long retry_after_s;
    sbw_sim_rng_t rng;
} worker_t;

struct sbw_sim_poster {
    sbw_sim_post_opts_t o;
    char url[2048];
    worker_t *w;
    int nw;
    atomic_llong sent, accepted, rejected, requests, failed, retries;
    struct timespec t0;
    int64_t submitted;
    pthread_t progress;
    int progress_on;
    atomic_int stop_progress;
};

static double since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void sleep_s(double s)
{
    if (s <= 0)
        return;
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    worker_t *w = ud;
    size_t n = size * nmemb, room = RESPONSE_MAX - w->resp_len;
    size_t take = n < room ? n : room;
    memcpy(w->resp + w->resp_len, data, take);
    w->resp_len += take;
    w->resp[w->resp_len] = '\0';
    return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
    worker_t *w = ud;
    size_t n = size * nmemb;
    if (n > 12 && strncasecmp(data, "Retry-After:", 12) == 0)
        w->retry_after_s = strtol(data + 12, NULL, 10);
    return n;
}

static void send_job(worker_t *w, pjob_t *j)
{
    sbw_sim_poster_t *p = w->p;
    char ua[600], xff[80];
    snprintf(ua, sizeof ua, "User-Agent: %s", j->ua);
    snprintf(xff, sizeof xff, "X-Forwarded-For: %s", j->ip);
    struct curl_slist *h = NULL;
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, ua);
    h = curl_slist_append(h, xff);
    h = curl_slist_append(h, "Expect:");
    atomic_fetch_add(&p->sent, j->n);
    for (int attempt = 1;; attempt++) {
        w->resp_len = 0;
        w->resp[0] = '\0';
        w->retry_after_s = -1;
        curl_easy_setopt(w->curl, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(w->curl, CURLOPT_POSTFIELDS, j->body);
        curl_easy_setopt(w->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)j->len);
        CURLcode cc = curl_easy_perform(w->curl);
        long status = 0;
        int64_t acc = 0, rej = 0;
        int rc = -1;
        if (cc == CURLE_OK) {
            curl_easy_getinfo(w->curl, CURLINFO_RESPONSE_CODE, &status);
            rc = sbw_sim_post_count(status, w->resp, j->n, &acc, &rej);
        }
        if (rc == 0) {
            atomic_fetch_add(&p->accepted, acc);
            atomic_fetch_add(&p->rejected, rej);
            atomic_fetch_add(&p->requests, 1);
            break;
        }
        if (attempt >= p->o.max_attempts) {
            long long nfailed = atomic_fetch_add(&p->failed, 1);
            atomic_fetch_add(&p->requests, 1);
            if (nfailed < 10 && cc != CURLE_OK) /* the first few; the summary counts all */
                fprintf(stderr, "sbw-sim: a request of %d events given up after %d attempts: %s\n",
                        j->n, attempt, curl_easy_strerror(cc));
            else if (nfailed < 10)
                fprintf(stderr,
                        "sbw-sim: a request of %d events given up after %d attempts: "
                        "HTTP %ld %.200s\n",
                        j->n, attempt, status, w->resp);
            break;
        }
        atomic_fetch_add(&p->retries, 1);
        /* Backoff: Retry-After when given, else 100 ms * 2^(n-1) capped at 5 s, jittered. */
        double cap = 0.1 * (double)(1 << (attempt - 1 < 6 ? attempt - 1 : 6));
        if (cap > 5)
            cap = 5;
        double wait = cap / 2 + cap / 2 * sbw_sim_rng_unit(&w->rng);
        if (w->retry_after_s >= 0 && w->retry_after_s <= 60)
            wait = (double)w->retry_after_s + 0.05 * sbw_sim_rng_unit(&w->rng);
        sleep_s(wait);
    }
    curl_slist_free_all(h);
}

static void *worker_main(void *ud)
{
    worker_t *w = ud;
    for (;;) {
        pthread_mutex_lock(&w->mu);
        while (!w->head && !w->closing)
            pthread_cond_wait(&w->cv, &w->mu);
        pjob_t *j = w->head;
        if (!j) {
            pthread_mutex_unlock(&w->mu);
            return NULL;
        }
        w->head = j->next;
        if (!w->head)
            w->tail = NULL;
        w->queued--;
        pthread_cond_broadcast(&w->cv);
        pthread_mutex_unlock(&w->mu);
        send_job(w, j);
        free(j->body);
        free(j);
    }
}

static void print_progress(sbw_sim_poster_t *p, int final)
{
    double s = since(&p->t0);
    long long sent = atomic_load(&p->sent);
    fprintf(stderr,
            "%ssbw-sim: %lld events sent, %.0f events/s, accepted %lld, rejected %lld, "
            "failed requests %lld%s",
            isatty(2) ? "\r" : "", sent, s > 0 ? (double)sent / s : 0.0,
            (long long)atomic_load(&p->accepted), (long long)atomic_load(&p->rejected),
            (long long)atomic_load(&p->failed), isatty(2) && !final ? "   " : "\n");
    fflush(stderr);
}

static void *progress_main(void *ud)
{
    sbw_sim_poster_t *p = ud;
    int ticks = 0;
    while (!atomic_load(&p->stop_progress)) {
        sleep_s(0.1);
        if (++ticks % (isatty(2) ? 10 : 100) == 0)
            print_progress(p, 0);
    }
    return NULL;
}

int sbw_sim_poster_new(const sbw_sim_post_opts_t *opts, sbw_sim_poster_t **out, char *err,
                       size_t errlen)
{
    *out = NULL;
    if (!opts->url ||
        (strncmp(opts->url, "http://", 7) != 0 && strncmp(opts->url, "https://", 8) != 0) ||
        strlen(opts->url) >= 2048) {
        snprintf(err, errlen, "--url: expected http://host:port/clickstream");
        return -1;
    }
    if (opts->threads < 1 || opts->threads > THREADS_MAX) {
        snprintf(err, errlen, "--threads: must be 1..%d", THREADS_MAX);
        return -1;
    }
    if (opts->max_attempts < 1 || opts->max_attempts > 100) {
        snprintf(err, errlen, "--attempts: must be 1..100");
        return -1;
    }
    if (!(opts->rate >= 0)) {
        snprintf(err, errlen, "--rate: must be >= 0");
        return -1;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    sbw_sim_poster_t *p = calloc(1, sizeof *p);
    if (!p || !(p->w = calloc((size_t)opts->threads, sizeof *p->w))) {
        free(p);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    p->o = *opts;
    snprintf(p->url, sizeof p->url, "%s", opts->url);
    p->o.url = p->url;
    clock_gettime(CLOCK_MONOTONIC, &p->t0);
    for (int i = 0; i < opts->threads; i++) {
        worker_t *w = &p->w[i];
        w->p = p;
        pthread_mutex_init(&w->mu, NULL);
        pthread_cond_init(&w->cv, NULL);
        sbw_sim_rng_seed(&w->rng, (uint64_t)time(NULL), (uint64_t)i);
        w->curl = curl_easy_init();
        if (!w->curl) {
            snprintf(err, errlen, "cannot create a libcurl handle");
            p->nw = i;
            sbw_sim_poster_finish(p, NULL);
            sbw_sim_poster_free(p);
            return -1;
        }
        curl_easy_setopt(w->curl, CURLOPT_URL, p->url);
        curl_easy_setopt(w->curl, CURLOPT_POST, 1L);
        curl_easy_setopt(w->curl, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(w->curl, CURLOPT_WRITEDATA, w);
        curl_easy_setopt(w->curl, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(w->curl, CURLOPT_HEADERDATA, w);
        curl_easy_setopt(w->curl, CURLOPT_TIMEOUT_MS, opts->timeout_ms);
        curl_easy_setopt(w->curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
        curl_easy_setopt(w->curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(w->curl, CURLOPT_TCP_NODELAY, 1L);
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
            curl_easy_cleanup(w->curl);
            w->curl = NULL;
            snprintf(err, errlen, "cannot start a thread");
            p->nw = i;
            sbw_sim_poster_finish(p, NULL);
            sbw_sim_poster_free(p);
            return -1;
        }
        p->nw = i + 1;
    }
    if (opts->progress && pthread_create(&p->progress, NULL, progress_main, p) == 0)
        p->progress_on = 1;
    *out = p;
    return 0;
}

int sbw_sim_poster_submit(sbw_sim_poster_t *p, const sbw_sim_req_t *req)
{
    if (p->o.rate > 0) {
        double due = (double)p->submitted / p->o.rate;
        double now = since(&p->t0);
        if (due > now)
            sleep_s(due - now);
    }
    pjob_t *j = calloc(1, sizeof *j);
    if (!j || !(j->body = malloc(req->body_len + 1))) {
        free(j);
        return -1;
    }
    memcpy(j->body, req->body, req->body_len);
    j->body[req->body_len] = '\0';
    j->len = req->body_len;
    j->n = req->n;
    snprintf(j->ua, sizeof j->ua, "%s", req->user_agent ? req->user_agent : "");
    snprintf(j->ip, sizeof j->ip, "%s", req->source_ip ? req->source_ip : "");
    const char *cid = req->client_id ? req->client_id : req->request_id;
    worker_t *w = &p->w[sbw_sim_fnv1a(SBW_SIM_FNV_INIT, cid, strlen(cid)) % (uint64_t)p->nw];
    pthread_mutex_lock(&w->mu);
    while (w->queued >= QUEUE_MAX)
        pthread_cond_wait(&w->cv, &w->mu);
    if (w->tail)
        w->tail->next = j;
    else
        w->head = j;
    w->tail = j;
    w->queued++;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    p->submitted += req->n;
    return 0;
}

void sbw_sim_poster_finish(sbw_sim_poster_t *p, sbw_sim_post_stats_t *stats)
{
    for (int i = 0; i < p->nw; i++) {
        worker_t *w = &p->w[i];
        pthread_mutex_lock(&w->mu);
        w->closing = 1;
        pthread_cond_broadcast(&w->cv);
        pthread_mutex_unlock(&w->mu);
    }
    for (int i = 0; i < p->nw; i++) {
        pthread_join(p->w[i].thread, NULL);
        curl_easy_cleanup(p->w[i].curl);
        p->w[i].curl = NULL;
        pthread_mutex_destroy(&p->w[i].mu);
        pthread_cond_destroy(&p->w[i].cv);
    }
    p->nw = 0;
    if (p->progress_on) {
        atomic_store(&p->stop_progress, 1);
        pthread_join(p->progress, NULL);
        p->progress_on = 0;
        print_progress(p, 1);
    }
    if (stats) {
        stats->sent = atomic_load(&p->sent);
        stats->accepted = atomic_load(&p->accepted);
        stats->rejected = atomic_load(&p->rejected);
        stats->requests = atomic_load(&p->requests);
        stats->failed_requests = atomic_load(&p->failed);
        stats->retries = atomic_load(&p->retries);
        stats->seconds = since(&p->t0);
    }
}

void sbw_sim_poster_free(sbw_sim_poster_t *p)
{
    if (!p)
        return;
    free(p->w);
    free(p);
}
