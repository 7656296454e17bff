/* sbw-ingest: the POST /clickstream collector on CivetWeb, writing to the lake with group commit. */
#include <arpa/inet.h>
#include <civetweb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "sbw_commit.h"
#include "sbw_config.h"
#include "sbw_ingest.h"
#include "sbw_ingest_settings.h"
#include "sbw_lake.h"
#include "sbw_log.h"
#include "sbw_metrics.h"

#ifndef SBW_SOURCE_DIR
#define SBW_SOURCE_DIR "."
#endif



typedef struct {
    sbw_ingest_config_t cfg;
    const char *trusted_proxies;
    sbw_lake_t *lake;                          /* for /healthz */
    sbw_lake_t *writers[SBW_COMMIT_MAX_WRITERS]; /* one handle per writer slot */
    sbw_lake_t *publisher;                      /* the committer's publisher thread's */
    int n_writers;
    sbw_committer_t *committer;
    sbw_metrics_t metrics;
    atomic_uint_fast64_t next_request;
    size_t max_body;
    long started_at;
} app_t;

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static int64_t now_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* The committer's stage: one object written durably where readers do not see it yet. */
static int lake_stage(void *ud, int slot, const char *key, const struct iovec *iov, int iovcnt,
                      void **staged, char *err, size_t errlen)
{
    app_t *app = ud;
    sbw_lake_staged_t *st = NULL;
    double t0 = sbw_committer_clock();
    int rc = sbw_lake_stage(app->writers[slot], key, iov, iovcnt, &st, err, errlen);
    if (rc != 0) {
        sbw_metrics_write(&app->metrics, sbw_committer_clock() - t0, 0);
        SBW_ERROR(key, "lake write failed: %s", err);
        return -1;
    }
    *staged = st;
    return 0;
}

/* The committer's publish: staged objects made visible and durable together. */
static void lake_publish(void *ud, sbw_commit_item_t *items, size_t n)
{
    app_t *app = ud;
    sbw_lake_staged_t *staged[SBW_COMMIT_PUBLISH_MAX];
    int rcs[SBW_COMMIT_PUBLISH_MAX];
    char *errs[SBW_COMMIT_PUBLISH_MAX];
    for (size_t i = 0; i < n; i++) {
        staged[i] = items[i].staged;
        errs[i] = items[i].err;
    }
    sbw_lake_publish(app->publisher, staged, rcs, errs, items[0].errlen, n);
    double now = sbw_committer_clock();
    for (size_t i = 0; i < n; i++) {
        items[i].rc = rcs[i] == 0 ? 0 : -1;
        sbw_metrics_write(&app->metrics, now - items[i].stage_started, items[i].rc == 0);
        if (items[i].rc != 0)
            SBW_ERROR(items[i].key, "lake write failed: %s", items[i].err);
    }
}

static int store_lines(void *ud, const char *lines, size_t len, int64_t received_ms, char *err,
                       size_t errlen)
{
    app_t *app = ud;
    return sbw_committer_submit(app->committer, lines, len, received_ms, NULL, 0, NULL, err,
                                errlen);
}

static const char *reason_phrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 503: return "Service Unavailable";
    default: return status < 500 ? "Client Error" : "Server Error";
    }
}

/* A response head being appended to a fixed buffer; overflow is remembered, not written. */
typedef struct {
    char *p, *end;
    bool overflow;
} hdr_t;

static void hdr_put(hdr_t *h, const char *s)
{
    size_t n = strlen(s);
    if ((size_t)(h->end - h->p) <= n) {
        h->overflow = true;
        return;
    }
    memcpy(h->p, s, n);
    h->p += n;
}

static void hdr_uint(hdr_t *h, unsigned long long v)
{
    char digits[24];
    char *d = digits + sizeof digits;
    *--d = '\0';
    do
        *--d = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    hdr_put(h, d);
}

/* Writes the whole response (status line, headers, body) with ONE mg_write: CivetWeb's
 * mg_response_header_* API sends every header line as its own send(2), which cost a third of
 * the collector's CPU under load. Keep-alive stays CivetWeb's decision: we only echo it. */
static void send_response(struct mg_connection *conn, app_t *app, int status,
                          const char *content_type, const char *body, size_t len,
                          const sbw_ingest_resp_t *extra, const char *request_id)
{
    const struct mg_request_info *ri = mg_get_request_info(conn);
    const char *connection = mg_get_header(conn, "Connection");
    int close_it = (connection && strcasecmp(connection, "close") == 0) ||
                   (strcmp(ri->http_version, "1.0") == 0 &&
                    !(connection && strcasecmp(connection, "keep-alive") == 0));
    /* The Date header changes once a second: format it once a second per thread. */
    static _Thread_local time_t date_for;
    static _Thread_local char date[64];
    time_t now = time(NULL);
    if (now != date_for) {
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        date_for = now;
    }
    /* Appended by hand: five snprintf calls were ~3 % of the CPU of a one-event request. */
    char head[4096];
    hdr_t h = {head, head + sizeof head, false};
    hdr_put(&h, "HTTP/1.1 ");
    hdr_uint(&h, (unsigned)status);
    hdr_put(&h, " ");
    hdr_put(&h, reason_phrase(status));
    hdr_put(&h, "\r\nDate: ");
    hdr_put(&h, date);
    hdr_put(&h, "\r\nCache-Control: no-store\r\n");
    if (content_type) {
        hdr_put(&h, "Content-Type: ");
        hdr_put(&h, content_type);
        hdr_put(&h, "\r\n");
    }
    if (request_id) {
        hdr_put(&h, "X-Request-Id: ");
        hdr_put(&h, request_id);
        hdr_put(&h, "\r\n");
    }
    for (int i = 0; extra && i < extra->n_headers; i++) {
        hdr_put(&h, extra->header_name[i]);
        hdr_put(&h, ": ");
        hdr_put(&h, extra->header_value[i]);
        hdr_put(&h, "\r\n");
    }
    hdr_put(&h, "Content-Length: ");
    hdr_uint(&h, len);
    hdr_put(&h, close_it ? "\r\nConnection: close\r\n\r\n" : "\r\nConnection: keep-alive\r\n\r\n");
    if (h.overflow) {
        mg_send_http_error(conn, 500, "response headers too long");
        sbw_metrics_request(&app->metrics, 500);
        return;
    }
    size_t n = (size_t)(h.p - head);
    if (len > 0 && len <= 8192) {
        char whole[4096 + 8192];
        memcpy(whole, head, n);
        memcpy(whole + n, body, len);
        mg_write(conn, whole, n + len);
    } else {
        mg_write(conn, head, n);
        if (len)
            mg_write(conn, body, len);
    }
    sbw_metrics_request(&app->metrics, status);
}

/* Reads the whole body, at most max bytes; returns its length, -1 when too large, -2 on a
 * read error or timeout. *out is malloc'd (NUL-terminated). */
static long long read_body(struct mg_connection *conn, size_t max, char **out)
{
    const struct mg_request_info *ri = mg_get_request_info(conn);
    *out = NULL;
    if (ri->content_length > 0 && (unsigned long long)ri->content_length > max)
        return -1;
    /* With a Content-Length, one byte more than announced: the read that returns 0 (end of
     * body) then finds room and the buffer is never grown (it was doubled, and copied, for
     * every request). */
    size_t cap = ri->content_length > 0 ? (size_t)ri->content_length + 1 : 16384;
    if (cap > max + 1)
        cap = max + 1;
    char *buf = malloc(cap + 1);
    size_t used = 0;
    if (!buf)
        return -2;
    for (;;) {
        if (used == cap) {
            if (cap > max) {
                free(buf);
                return -1;
            }
            size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
            char *grown = realloc(buf, ncap + 1);
            if (!grown) {
                free(buf);
                return -2;
            }
            buf = grown;
            cap = ncap;
        }
        int n = mg_read(conn, buf + used, cap - used);
        if (n == 0)
            break;
        if (n < 0) {
            free(buf);
            return -2;
        }
        used += (size_t)n;
    }
    if (used > max) {
        free(buf);
        return -1;
    }
    buf[used] = '\0';
    *out = buf;
    return (long long)used;
}

/* v in lowercase hex at d (at most 16 digits, no terminator); returns the end. */
static char *put_hex(char *d, unsigned long long v)
{
    char rev[16];
    int n = 0;
    do
        rev[n++] = "0123456789abcdef"[v & 15];
    while ((v >>= 4) != 0);
    while (n > 0)
        *d++ = rev[--n];
    return d;
}

static int handle_clickstream(struct mg_connection *conn, void *cbdata)
{
    app_t *app = cbdata;
    const struct mg_request_info *ri = mg_get_request_info(conn);
    char request_id[48]; /* <start time>-<counter> in hex, as "%lx-%llx" without snprintf */
    char *d = put_hex(request_id, (unsigned long long)app->started_at);
    *d++ = '-';
    d = put_hex(d, (unsigned long long)atomic_fetch_add(&app->next_request, 1));
    *d = '\0';
    int64_t received = now_ms();
    char *body = NULL;
    long long len = 0;
    if (strcmp(ri->request_method, "POST") == 0) {
        len = read_body(conn, app->max_body, &body);
        if (len == -1) {
            char msg[128];
            int n = snprintf(msg, sizeof msg,
                             "{\"success\":false,\"message\":\"body exceeds %zu bytes\"}",
                             app->max_body);
            send_response(conn, app, 413, "application/json", msg, (size_t)n, NULL, request_id);
            SBW_INFO(request_id, "413 body too large");
            return 413;
        }
        if (len < 0) {
            static const char msg[] = "{\"success\":false,\"message\":\"could not read the body\"}";
            send_response(conn, app, 400, "application/json", msg, sizeof msg - 1, NULL,
                          request_id);
            return 400;
        }
        atomic_fetch_add(&app->metrics.bytes_received, (uint_fast64_t)len);
    }
    char client_ip[64];
    sbw_ingest_client_ip(ri->remote_addr, mg_get_header(conn, "X-Forwarded-For"),
                         app->trusted_proxies, client_ip, sizeof client_ip);
    const char *trace = mg_get_header(conn, "X-Amzn-Trace-Id");
    if (!trace)
        trace = mg_get_header(conn, "traceparent");
    sbw_ingest_req_t req = {
        .method = ri->request_method,
        .path = ri->local_uri,
        .content_type = mg_get_header(conn, "Content-Type"),
        .content_encoding = mg_get_header(conn, "Content-Encoding"),
        .origin = mg_get_header(conn, "Origin"),
        .body = body ? body : "",
        .body_len = (size_t)len,
        .received_at_ms = received,
        .source_ip = client_ip,
        .user_agent = mg_get_header(conn, "User-Agent"),
        .request_id = request_id,
        .trace_id = trace,
    };
    sbw_ingest_resp_t resp;
    sbw_ingest_handle(&app->cfg, &req, store_lines, app, &resp);
    free(body);
    send_response(conn, app, resp.status, resp.body ? resp.content_type : NULL, resp.body,
                  resp.body_len, &resp, request_id);
    atomic_fetch_add(&app->metrics.events_accepted, resp.events_accepted);
    atomic_fetch_add(&app->metrics.events_rejected, resp.events_rejected);
    if (resp.status >= 500)
        SBW_ERROR(request_id, "%d %s", resp.status, resp.log_reason);
    else if (resp.status >= 400)
        SBW_INFO(request_id, "%d %s", resp.status, resp.log_reason);
    else
        SBW_DEBUG(request_id, "%d accepted=%zu rejected=%zu", resp.status, resp.events_accepted,
                  resp.events_rejected);
    int status = resp.status;
    sbw_ingest_resp_cleanup(&resp);
    return status;
}

/* No endpoint of ours is password-protected. Without an authorization handler CivetWeb looks
 * for a .htpasswd file (a stat(2)) on every request. */
static int open_access(struct mg_connection *conn, void *cbdata)
{
    (void)conn;
    (void)cbdata;
    return 1;
}

static int handle_healthz(struct mg_connection *conn, void *cbdata)
{
    app_t *app = cbdata;
    char body[256];
    int n = snprintf(body, sizeof body, "{\"status\":\"ok\",\"lake\":\"%s\"}\n",
                     sbw_lake_describe(app->lake));
    send_response(conn, app, 200, "application/json", body, (size_t)n, NULL, NULL);
    return 200;
}

static int handle_metrics(struct mg_connection *conn, void *cbdata)
{
    app_t *app = cbdata;
    sbw_commit_stats_t st;
    sbw_committer_stats(app->committer, &st);
    char buf[8192];
    size_t n = sbw_metrics_render(&app->metrics, buf, sizeof buf);
    if (n >= sizeof buf)
        n = sizeof buf - 1;
    n += (size_t)snprintf(buf + n, sizeof buf - n,
                          "# HELP sbw_ingest_requests_grouped_total Requests that shared a lake "
                          "object with an earlier one (group commit).\n"
                          "# TYPE sbw_ingest_requests_grouped_total counter\n"
                          "sbw_ingest_requests_grouped_total %llu\n"
                          "# HELP sbw_ingest_commit_realtime 1 when lake writes run at real-time "
                          "priority (SBW_INGEST_RT_PRIORITY granted), else 0.\n"
                          "# TYPE sbw_ingest_commit_realtime gauge\n"
                          "sbw_ingest_commit_realtime %d\n",
                          (unsigned long long)st.requests_grouped,
                          sbw_committer_realtime(app->committer) == 1);
    if (n >= sizeof buf)
        n = sizeof buf - 1;
    send_response(conn, app, 200, "text/plain; version=0.0.4", buf, n, NULL, NULL);
    return 200;
}

typedef struct {
    char host[64];
    int port;
    atomic_int done;
} poke_t;

/* CivetWeb's master thread notices mg_stop only when its poll (up to 2 s) returns; one
 * connection to our own port wakes it at once. */
static void *poke_listener(void *arg)
{
    poke_t *p = arg;
    struct timespec ts = {0, 20 * 1000 * 1000};
    for (int i = 0; i < 150 && !atomic_load(&p->done); i++) {
        nanosleep(&ts, NULL);
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0)
            continue;
        struct sockaddr_in a = {0};
        a.sin_family = AF_INET;
        a.sin_port = htons((uint16_t)p->port);
        if (inet_pton(AF_INET, p->host, &a.sin_addr) == 1)
            (void)connect(fd, (struct sockaddr *)&a, sizeof a);
        close(fd);
    }
    return NULL;
}

/* Stops the server quickly: a listening address of 0.0.0.0 (or none) is poked on 127.0.0.1. */
static void stop_server(struct mg_context *ctx, const char *listen, int port)
{
    poke_t p = {.port = port};
    const char *colon = strrchr(listen, ':');
    size_t hl = colon ? (size_t)(colon - listen) : 0;
    if (hl == 0 || hl >= sizeof p.host || strncmp(listen, "0.0.0.0", hl) == 0)
        snprintf(p.host, sizeof p.host, "127.0.0.1");
    else
        snprintf(p.host, sizeof p.host, "%.*s", (int)hl, listen);
    pthread_t th;
    int poked = port > 0 && pthread_create(&th, NULL, poke_listener, &p) == 0;
    mg_stop(ctx);
    atomic_store(&p.done, 1);
    if (poked)
        pthread_join(th, NULL);
}

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* web/ beside an installed binary (../share/sbw/web), else the source tree's. */
static void default_web_root(char *out, size_t outlen) /* outlen >= PATH_MAX */
{
    char exe[PATH_MAX - 32];
    ssize_t l = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (l > 0) {
        exe[l] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            snprintf(out, outlen, "%s/../share/sbw/web", exe);
            if (is_dir(out))
                return;
        }
    }
    snprintf(out, outlen, "%s/web", SBW_SOURCE_DIR);
}

static int log_civetweb(const struct mg_connection *conn, const char *message)
{
    (void)conn;
    SBW_WARN("civetweb", "%s", message);
    return 1;
}

int main(int argc, char **argv)
{
    char err[1024];
    size_t nv, nl;
    const sbw_cfg_var_t *vars = sbw_ingest_settings_vars(&nv);
    if (argc > 1 && strcmp(argv[1], "--help") == 0) {
        printf("usage: sbw-ingest [--help | example-env | print-config]\n"
               "Serves POST /clickstream, /healthz, /metrics and the web/ folder.\n"
               "Settings come from the environment (see `sbw-ingest example-env`).\n");
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "example-env") == 0) {
        const sbw_cfg_var_t *lake_vars = sbw_lake_cfg_vars(&nl);
        printf("# sbw-ingest settings (generated by `sbw-ingest example-env`; docs/ingest.md).\n"
               "# Every line is commented out: the default applies. Uncomment to change.\n\n");
        sbw_cfg_print_example(vars, nv, stdout);
        sbw_cfg_print_example(lake_vars, nl, stdout);
        return 0;
    }
    static sbw_ingest_settings_t st; /* lives for the whole process */
    if (sbw_ingest_settings_load(&st, sbw_cfg_getenv, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "sbw-ingest: configuration error: %s\n", err);
        return 2;
    }
    sbw_cfg_t *cfg = &st.cfg;
    if (argc > 1 && strcmp(argv[1], "print-config") == 0) {
        sbw_cfg_print(cfg, stdout);
        printf("# lake: %s\n", st.lake_url);
        return 0;
    }
    sbw_log_init("sbw-ingest", st.log_level);

    static app_t app; /* lives for the whole process; handlers get a pointer */
    app.cfg = st.ingest;
    app.max_body = app.cfg.limits.max_body_bytes;
    app.trusted_proxies = sbw_cfg_str(cfg, "SBW_INGEST_TRUSTED_PROXIES");
    app.started_at = (long)time(NULL);
    sbw_metrics_init(&app.metrics);
    if (sbw_lake_open(st.lake_url, &st.lake_opts, &app.lake, err, sizeof err) != 0) {
        fprintf(stderr, "sbw-ingest: cannot open the lake: %s\n", err);
        return 2;
    }
    app.n_writers = (int)sbw_cfg_int(cfg, "SBW_INGEST_WRITERS");
    if (app.n_writers == 0)
        app.n_writers = strncmp(st.lake_url, "s3://", 5) == 0 ? 4 : 1;
    for (int i = 0; i < app.n_writers; i++) {
        if (sbw_lake_open(st.lake_url, &st.lake_opts, &app.writers[i], err, sizeof err) != 0) {
            fprintf(stderr, "sbw-ingest: cannot open the lake: %s\n", err);
            return 2;
        }
    }
    if (sbw_lake_open(st.lake_url, &st.lake_opts, &app.publisher, err, sizeof err) != 0) {
        fprintf(stderr, "sbw-ingest: cannot open the lake: %s\n", err);
        return 2;
    }
    sbw_commit_opts_t copts = {
        .max_wait_us = sbw_cfg_int(cfg, "SBW_INGEST_GROUP_COMMIT_US"),
        .max_batch_bytes = (size_t)sbw_cfg_int(cfg, "SBW_INGEST_MAX_BATCH_BYTES"),
        .max_pending_bytes = (size_t)sbw_cfg_int(cfg, "SBW_INGEST_MAX_PENDING_BYTES"),
        .max_writers = app.n_writers,
        .rt_priority = (int)sbw_cfg_int(cfg, "SBW_INGEST_RT_PRIORITY"),
    };
    app.committer = sbw_committer_new(&copts, lake_stage, lake_publish, &app);
    if (!app.committer) {
        fprintf(stderr, "sbw-ingest: out of memory\n");
        return 2;
    }
    int rt = sbw_committer_realtime(app.committer);
    if (rt == 1)
        SBW_INFO(NULL, "lake writes run at real-time priority %d (SCHED_FIFO)",
                 copts.rt_priority);
    else if (rt < 0)
        SBW_INFO(NULL,
                 "real-time priority for lake writes refused (%s): they run at normal "
                 "priority; allow it with LimitRTPRIO=%d (systemd) or CAP_SYS_NICE, or set "
                 "SBW_INGEST_RT_PRIORITY=0",
                 strerror(-rt), copts.rt_priority);

    char web_root[PATH_MAX + 32];
    const char *wr = sbw_cfg_str(cfg, "SBW_INGEST_WEB_ROOT");
    if (wr)
        snprintf(web_root, sizeof web_root, "%s", wr);
    else
        default_web_root(web_root, sizeof web_root);

    char threads[16], backlog[16], header_bytes[16], timeout[16], keep_alive[16];
    snprintf(keep_alive, sizeof keep_alive, "%ld", sbw_cfg_int(cfg, "SBW_INGEST_KEEP_ALIVE_MS"));
    snprintf(threads, sizeof threads, "%ld", sbw_cfg_int(cfg, "SBW_INGEST_THREADS"));
    snprintf(backlog, sizeof backlog, "%ld", sbw_cfg_int(cfg, "SBW_INGEST_BACKLOG"));
    snprintf(header_bytes, sizeof header_bytes, "%ld", sbw_cfg_int(cfg, "SBW_INGEST_MAX_HEADER_BYTES"));
    snprintf(timeout, sizeof timeout, "%ld", sbw_cfg_int(cfg, "SBW_INGEST_REQUEST_TIMEOUT_MS"));
    const char *options[32];
    int o = 0;
    options[o++] = "listening_ports";
    options[o++] = sbw_cfg_str(cfg, "SBW_INGEST_LISTEN");
    options[o++] = "num_threads";
    options[o++] = threads;
    options[o++] = "listen_backlog";
    options[o++] = backlog;
    options[o++] = "max_request_size";
    options[o++] = header_bytes;
    options[o++] = "request_timeout_ms";
    options[o++] = timeout;
    options[o++] = "enable_keep_alive";
    options[o++] = "yes";
    options[o++] = "keep_alive_timeout_ms";
    options[o++] = keep_alive;
    options[o++] = "tcp_nodelay";
    options[o++] = "1";
    options[o++] = "enable_directory_listing";
    options[o++] = "no";
    /* CivetWeb answers CORS preflights itself with "*" unless this is empty; ours does it. */
    options[o++] = "access_control_allow_origin";
    options[o++] = "";
    if (is_dir(web_root)) {
        options[o++] = "document_root";
        options[o++] = web_root;
    }
    options[o++] = NULL;

    struct mg_callbacks cb;
    memset(&cb, 0, sizeof cb);
    cb.log_message = log_civetweb;
    mg_init_library(0);
    struct mg_context *ctx = mg_start(&cb, &app, options);
    if (!ctx) {
        fprintf(stderr, "sbw-ingest: cannot listen on %s (port in use?)\n",
                sbw_cfg_str(cfg, "SBW_INGEST_LISTEN"));
        return 1;
    }
    mg_set_request_handler(ctx, "/clickstream$", handle_clickstream, &app);
    mg_set_request_handler(ctx, "/healthz$", handle_healthz, &app);
    mg_set_request_handler(ctx, "/metrics$", handle_metrics, &app);
    mg_set_auth_handler(ctx, "/clickstream$", open_access, NULL);
    mg_set_auth_handler(ctx, "/healthz$", open_access, NULL);
    mg_set_auth_handler(ctx, "/metrics$", open_access, NULL);

    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    struct mg_server_port ports[4];
    int np = mg_get_server_ports(ctx, 4, ports);
    SBW_INFO(NULL, "listening on %s port %d, lake %s, web %s", sbw_cfg_str(cfg, "SBW_INGEST_LISTEN"),
             np > 0 ? ports[0].port : 0, sbw_lake_describe(app.lake), web_root);
    while (!stop_requested)
        usleep(100 * 1000);
    SBW_INFO(NULL, "stopping");
    /* mg_stop waits for running requests: every acknowledged event is already durable. */
    stop_server(ctx, sbw_cfg_str(cfg, "SBW_INGEST_LISTEN"), np > 0 ? ports[0].port : 0);
    mg_exit_library();
    sbw_committer_free(app.committer);
    for (int i = 0; i < app.n_writers; i++)
        sbw_lake_free(app.writers[i]);
    sbw_lake_free(app.publisher);
    sbw_lake_free(app.lake);
    sbw_ingest_settings_cleanup(&st);
    return 0;
}
