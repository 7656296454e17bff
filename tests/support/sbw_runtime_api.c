/* sbw_runtime_api: a fake Lambda Runtime API on CivetWeb for tests (see sbw_runtime_api.h). */
#include "sbw_runtime_api.h"

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <civetweb.h>

#include "sbw_test.h"

#define PREFIX "/2018-06-01/runtime/"
#define MAX_POST_BODY ((size_t)6 * 1024 * 1024) /* the real Runtime API's payload limit */

typedef struct {
    char *request_id, *event, *trace_id, *arn;
    size_t event_len;
    int64_t deadline_ms;
    bool delivered;
    sbw_runtime_api_result_t result; /* the first POST; result.posts counts all of them */
} item_t;

struct sbw_runtime_api {
    struct mg_context *mg;
    char address[64];
    int port;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* signalled on every queue, delivery, POST and stop */
    bool stopping;
    item_t *items;
    size_t n_items, cap_items, next; /* next: index of the next item to hand out */
    int delivered, stray;
    int polling; /* GET invocation/next requests blocked waiting for an event */
    int in_next; /* GET invocation/next handlers that have not yet returned */
    sbw_runtime_api_result_t init_error; /* init_error.posts counts POSTs to init/error */
};

static char *dup_or_null(const char *s)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    ck_assert_ptr_nonnull(d);
    return d;
}

void sbw_runtime_api_result_cleanup(sbw_runtime_api_result_t *res)
{
    if (!res)
        return;
    free(res->body);
    free(res->error_type);
    free(res->content_type);
    memset(res, 0, sizeof *res);
}

static void copy_result(sbw_runtime_api_result_t *dst, const sbw_runtime_api_result_t *src)
{
    dst->kind = src->kind;
    dst->posts = src->posts;
    dst->body_len = src->body_len;
    dst->body = malloc(src->body_len + 1);
    ck_assert_ptr_nonnull(dst->body);
    if (src->body_len)
        memcpy(dst->body, src->body, src->body_len);
    dst->body[src->body_len] = '\0';
    dst->error_type = dup_or_null(src->error_type);
    dst->content_type = dup_or_null(src->content_type);
}

/* Deadline for pthread_cond_timedwait on the CLOCK_MONOTONIC condition variable. */
static struct timespec deadline_in(int ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

static int reply(struct mg_connection *conn, int status, const char *reason, const char *body)
{
    size_t n = strlen(body);
    mg_printf(conn,
              "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
              status, reason, n);
    mg_write(conn, body, n);
    return status;
}

/* GET invocation/next: blocks until an event is queued or the server stops. */
static int serve_next_locked(struct mg_connection *conn, sbw_runtime_api_t *rt);

static int serve_next(struct mg_connection *conn, sbw_runtime_api_t *rt)
{
    pthread_mutex_lock(&rt->mu);
    rt->in_next++;
    int status = serve_next_locked(conn, rt); /* returns unlocked */
    pthread_mutex_lock(&rt->mu);
    rt->in_next--;
    pthread_cond_broadcast(&rt->cv);
    pthread_mutex_unlock(&rt->mu);
    return status;
}

/* Called with rt->mu held; releases it before writing to the connection. */
static int serve_next_locked(struct mg_connection *conn, sbw_runtime_api_t *rt)
{
    rt->polling++;
    pthread_cond_broadcast(&rt->cv);
    while (!rt->stopping && rt->next >= rt->n_items) {
        struct timespec ts = deadline_in(200);
        pthread_cond_timedwait(&rt->cv, &rt->mu, &ts);
    }
    rt->polling--;
    if (rt->stopping) {
        pthread_mutex_unlock(&rt->mu);
        return reply(conn, 500, "Internal Server Error",
                     "{\"errorMessage\":\"Runtime API is stopping\","
                     "\"errorType\":\"Runtime.ExitError\"}");
    }
    item_t *it = &rt->items[rt->next++];
    it->delivered = true;
    rt->delivered++;
    /* Copy what goes on the wire so the lock is not held while writing. */
    char hdr[2048];
    int n = snprintf(hdr, sizeof hdr,
                     "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     "Lambda-Runtime-Aws-Request-Id: %s\r\n",
                     it->request_id);
    if (it->deadline_ms)
        n += snprintf(hdr + n, sizeof hdr - (size_t)n, "Lambda-Runtime-Deadline-Ms: %lld\r\n",
                      (long long)it->deadline_ms);
    if (it->trace_id)
        n += snprintf(hdr + n, sizeof hdr - (size_t)n, "Lambda-Runtime-Trace-Id: %s\r\n",
                      it->trace_id);
    if (it->arn)
        n += snprintf(hdr + n, sizeof hdr - (size_t)n,
                      "Lambda-Runtime-Invoked-Function-Arn: %s\r\n", it->arn);
    snprintf(hdr + n, sizeof hdr - (size_t)n, "Content-Length: %zu\r\n\r\n", it->event_len);
    const char *event = it->event; /* items are never freed before the server stops */
    size_t len = it->event_len;
    pthread_cond_broadcast(&rt->cv);
    pthread_mutex_unlock(&rt->mu);
    mg_write(conn, hdr, strlen(hdr));
    mg_write(conn, event, len); /* may fail when the client gives up on a large event */
    return 200;
}

/* Reads a request body of at most MAX_POST_BODY bytes. Returns 0, 413 or 400. */
static int read_body(struct mg_connection *conn, char **out, size_t *outlen)
{
    const struct mg_request_info *ri = mg_get_request_info(conn);
    *out = NULL;
    *outlen = 0;
    if (ri->content_length < 0)
        return 400; /* the runtime always sends Content-Length */
    if ((unsigned long long)ri->content_length > MAX_POST_BODY)
        return 413;
    size_t want = (size_t)ri->content_length, got = 0;
    char *buf = malloc(want + 1);
    ck_assert_ptr_nonnull(buf);
    while (got < want) {
        int r = mg_read(conn, buf + got, want - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    if (got != want) {
        free(buf);
        return 400;
    }
    buf[got] = '\0';
    *out = buf;
    *outlen = got;
    return 0;
}

static void record(sbw_runtime_api_result_t *res, sbw_runtime_api_kind_t kind,
                   struct mg_connection *conn, char *body, size_t len)
{
    res->posts++;
    if (res->posts > 1) {
        free(body);
        return;
    }
    res->kind = kind;
    res->body = body;
    res->body_len = len;
    res->error_type = dup_or_null(mg_get_header(conn, "Lambda-Runtime-Function-Error-Type"));
    res->content_type = dup_or_null(mg_get_header(conn, "Content-Type"));
}

/* POST invocation/{id}/response|error and init/error. */
static int serve_post(struct mg_connection *conn, sbw_runtime_api_t *rt, const char *rest)
{
    char *body = NULL;
    size_t len = 0;
    int st = read_body(conn, &body, &len);
    if (st == 413) {
        pthread_mutex_lock(&rt->mu);
        rt->stray++;
        pthread_mutex_unlock(&rt->mu);
        return reply(conn, 413, "Payload Too Large",
                     "{\"errorMessage\":\"payload too large\",\"errorType\":\"RequestTooLarge\"}");
    }
    pthread_mutex_lock(&rt->mu);
    int status = 202;
    if (st != 0) {
        rt->stray++;
        status = 400;
    } else if (strcmp(rest, "init/error") == 0) {
        record(&rt->init_error, SBW_RUNTIME_API_ERROR, conn, body, len);
        body = NULL;
    } else {
        /* invocation/{id}/response or invocation/{id}/error */
        const char *id = rest + strlen("invocation/");
        const char *slash = strrchr(id, '/');
        sbw_runtime_api_kind_t kind = 0;
        if (slash && strcmp(slash, "/response") == 0)
            kind = SBW_RUNTIME_API_RESPONSE;
        else if (slash && strcmp(slash, "/error") == 0)
            kind = SBW_RUNTIME_API_ERROR;
        item_t *it = NULL;
        for (size_t i = 0; kind && i < rt->n_items; i++)
            if (strlen(rt->items[i].request_id) == (size_t)(slash - id) &&
                strncmp(rt->items[i].request_id, id, (size_t)(slash - id)) == 0)
                it = &rt->items[i];
        if (!it || !it->delivered) {
            rt->stray++;
            status = 400;
        } else {
            if (it->result.posts > 0)
                status = 400; /* already answered */
            record(&it->result, kind, conn, body, len);
            body = NULL;
        }
    }
    pthread_cond_broadcast(&rt->cv);
    pthread_mutex_unlock(&rt->mu);
    free(body);
    if (status == 202)
        return reply(conn, 202, "Accepted", "{\"status\":\"OK\"}");
    return reply(conn, 400, "Bad Request",
                 "{\"errorMessage\":\"invalid request id or body\","
                 "\"errorType\":\"InvalidRequestID\"}");
}

static int on_request(struct mg_connection *conn, void *cbdata)
{
    sbw_runtime_api_t *rt = cbdata;
    const struct mg_request_info *ri = mg_get_request_info(conn);
    const char *uri = ri->local_uri;
    if (!uri || strncmp(uri, PREFIX, strlen(PREFIX)) != 0)
        return reply(conn, 404, "Not Found", "{\"errorMessage\":\"not found\"}");
    const char *rest = uri + strlen(PREFIX);
    if (strcmp(ri->request_method, "GET") == 0 && strcmp(rest, "invocation/next") == 0)
        return serve_next(conn, rt);
    if (strcmp(ri->request_method, "POST") == 0 &&
        (strcmp(rest, "init/error") == 0 || strncmp(rest, "invocation/", 11) == 0))
        return serve_post(conn, rt, rest);
    return reply(conn, 404, "Not Found", "{\"errorMessage\":\"not found\"}");
}

sbw_runtime_api_t *sbw_runtime_api_start(void)
{
    sbw_runtime_api_t *rt = calloc(1, sizeof *rt);
    ck_assert_ptr_nonnull(rt);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&rt->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&rt->mu, NULL);
    mg_init_library(0);
    struct mg_callbacks cb;
    memset(&cb, 0, sizeof cb);
    /* A port that was free a moment ago; retried in case another test took it meanwhile. */
    for (int attempt = 0; attempt < 5 && !rt->mg; attempt++) {
        char ports[32];
        snprintf(ports, sizeof ports, "127.0.0.1:%d", sbw_test_free_port());
        const char *opts[] = {
            "listening_ports",    ports,   "num_threads", "8", "enable_keep_alive", "yes",
            "request_timeout_ms", "60000", NULL};
        rt->mg = mg_start(&cb, rt, opts);
        if (rt->mg) {
            snprintf(rt->address, sizeof rt->address, "%s", ports);
            rt->port = atoi(strchr(ports, ':') + 1);
        }
    }
    ck_assert_msg(rt->mg != NULL, "cannot start the fake Runtime API");
    mg_set_request_handler(rt->mg, "/", on_request, rt);
    return rt;
}

const char *sbw_runtime_api_address(const sbw_runtime_api_t *rt)
{
    return rt->address;
}

void sbw_runtime_api_queue(sbw_runtime_api_t *rt, const char *request_id, const char *event,
                           size_t len, int64_t deadline_ms, const char *trace_id,
                           const char *function_arn)
{
    pthread_mutex_lock(&rt->mu);
    if (rt->n_items == rt->cap_items) {
        size_t cap = rt->cap_items ? rt->cap_items * 2 : 8;
        item_t *grown = realloc(rt->items, cap * sizeof *grown);
        ck_assert_ptr_nonnull(grown);
        rt->items = grown;
        rt->cap_items = cap;
    }
    item_t *it = &rt->items[rt->n_items];
    memset(it, 0, sizeof *it);
    it->request_id = dup_or_null(request_id);
    it->event = malloc(len + 1);
    ck_assert_ptr_nonnull(it->event);
    memcpy(it->event, event, len);
    it->event[len] = '\0';
    it->event_len = len;
    it->deadline_ms = deadline_ms;
    it->trace_id = dup_or_null(trace_id);
    it->arn = dup_or_null(function_arn);
    rt->n_items++;
    pthread_cond_broadcast(&rt->cv);
    pthread_mutex_unlock(&rt->mu);
}

int sbw_runtime_api_wait_result(sbw_runtime_api_t *rt, const char *request_id, int timeout_ms,
                                sbw_runtime_api_result_t *out)
{
    memset(out, 0, sizeof *out);
    struct timespec ts = deadline_in(timeout_ms);
    int rc = -1;
    pthread_mutex_lock(&rt->mu);
    for (;;) {
        const item_t *found = NULL;
        for (size_t i = 0; i < rt->n_items; i++)
            if (strcmp(rt->items[i].request_id, request_id) == 0)
                found = &rt->items[i];
        if (found && found->result.posts > 0) {
            copy_result(out, &found->result);
            rc = 0;
            break;
        }
        if (pthread_cond_timedwait(&rt->cv, &rt->mu, &ts) == ETIMEDOUT)
            break;
    }
    pthread_mutex_unlock(&rt->mu);
    return rc;
}

int sbw_runtime_api_wait_init_error(sbw_runtime_api_t *rt, int timeout_ms,
                                    sbw_runtime_api_result_t *out)
{
    memset(out, 0, sizeof *out);
    struct timespec ts = deadline_in(timeout_ms);
    int rc = -1;
    pthread_mutex_lock(&rt->mu);
    for (;;) {
        if (rt->init_error.posts > 0) {
            copy_result(out, &rt->init_error);
            rc = 0;
            break;
        }
        if (pthread_cond_timedwait(&rt->cv, &rt->mu, &ts) == ETIMEDOUT)
            break;
    }
    pthread_mutex_unlock(&rt->mu);
    return rc;
}

int sbw_runtime_api_wait_polling(sbw_runtime_api_t *rt, int timeout_ms)
{
    struct timespec ts = deadline_in(timeout_ms);
    int rc = -1;
    pthread_mutex_lock(&rt->mu);
    for (;;) {
        if (rt->polling > 0 && rt->next >= rt->n_items) {
            rc = 0;
            break;
        }
        if (pthread_cond_timedwait(&rt->cv, &rt->mu, &ts) == ETIMEDOUT)
            break;
    }
    pthread_mutex_unlock(&rt->mu);
    return rc;
}

int sbw_runtime_api_delivered(sbw_runtime_api_t *rt)
{
    pthread_mutex_lock(&rt->mu);
    int n = rt->delivered;
    pthread_mutex_unlock(&rt->mu);
    return n;
}

int sbw_runtime_api_stray_posts(sbw_runtime_api_t *rt)
{
    pthread_mutex_lock(&rt->mu);
    int n = rt->stray;
    pthread_mutex_unlock(&rt->mu);
    return n;
}

typedef struct {
    int port;
    int done; /* set (atomically) by the stopping thread once mg_stop returned */
} waker_t;

/* CivetWeb 1.15's accept loop polls with a 2 s timeout before it notices mg_stop; connecting to
 * the port wakes it at once. Keeps connecting until mg_stop has returned. */
static void *wake_listener(void *arg)
{
    waker_t *w = arg;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((uint16_t)w->port);
    while (!__atomic_load_n(&w->done, __ATOMIC_ACQUIRE)) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd >= 0) {
            (void)connect(fd, (struct sockaddr *)&a, sizeof a);
            close(fd);
        }
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

void sbw_runtime_api_stop(sbw_runtime_api_t *rt)
{
    if (!rt)
        return;
    /* CivetWeb refuses to write once mg_stop has begun, so let the blocked invocation/next
     * handlers send their 500 first (for at most 5 s). */
    struct timespec ts = deadline_in(5000);
    pthread_mutex_lock(&rt->mu);
    rt->stopping = true;
    pthread_cond_broadcast(&rt->cv);
    while (rt->in_next > 0 && pthread_cond_timedwait(&rt->cv, &rt->mu, &ts) != ETIMEDOUT) {
    }
    pthread_mutex_unlock(&rt->mu);
    if (rt->mg) {
        waker_t w = {rt->port, 0};
        pthread_t th;
        int woke = pthread_create(&th, NULL, wake_listener, &w) == 0;
        mg_stop(rt->mg); /* waits for the handlers, which see stopping */
        __atomic_store_n(&w.done, 1, __ATOMIC_RELEASE);
        if (woke)
            pthread_join(th, NULL);
    }
    mg_exit_library();
    for (size_t i = 0; i < rt->n_items; i++) {
        item_t *it = &rt->items[i];
        free(it->request_id);
        free(it->event);
        free(it->trace_id);
        free(it->arn);
        sbw_runtime_api_result_cleanup(&it->result);
    }
    free(rt->items);
    sbw_runtime_api_result_cleanup(&rt->init_error);
    pthread_cond_destroy(&rt->cv);
    pthread_mutex_destroy(&rt->mu);
    free(rt);
}
