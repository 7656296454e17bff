/* sbw-server: the analytics JSON API on CivetWeb (adapter around sbw_server_api). */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <civetweb.h>

#include "sbw_config.h"
#include "sbw_log.h"
#include "sbw_migrate.h"
#include "sbw_pg.h"
#include "sbw_server_api.h"

#ifndef SBW_SOURCE_DIR
#define SBW_SOURCE_DIR "."
#endif

static const sbw_cfg_var_t VARS[] = {
    {"SBW_SERVER_LISTEN", NULL, SBW_CFG_STR, "127.0.0.1:8081", 0, 0, 0,
     "host:port to listen on (CivetWeb listening_ports syntax)"},
    {"SBW_REFRESH_TOKEN", NULL, SBW_CFG_STR, NULL, 0, 0, 1,
     "bearer token of POST /api/v1/refresh (unset: the hook answers 503)"},
    {"SBW_SERVER_THREADS", NULL, SBW_CFG_INT, "16", 1, 256, 0, "HTTP worker threads"},
    {"SBW_SERVER_PG_POOL", NULL, SBW_CFG_INT, "4", 1, 64, 0,
     "warehouse connections for reads (one per request at a time)"},
    {"SBW_SERVER_CACHE_ENTRIES", NULL, SBW_CFG_INT, "1024", 0, 100000, 0,
     "rendered answers kept in memory per generation, besides the precomputed defaults"},
    {"SBW_SERVER_REFRESH_ON_START", NULL, SBW_CFG_BOOL, "true", 0, 0, 0,
     "refresh the aggregates and render the defaults before serving"},
    {"SBW_SERVER_SQL_DIR", NULL, SBW_CFG_STR, NULL, 0, 0, 0,
     "folder of the SQL (its views/ holds the aggregates; unset: installed or source tree)"},
    {"SBW_SERVER_OPENAPI", NULL, SBW_CFG_STR, NULL, 0, 0, 0,
     "openapi.yaml to serve (unset: installed or source tree)"},
    {"SBW_LOG_LEVEL", NULL, SBW_CFG_STR, "info", 0, 0, 0, "debug | info | warn | error"},
    SBW_PG_CFG_VARS,
};
#define NVARS (sizeof VARS / sizeof *VARS)

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    default: return "Service Unavailable";
    }
}

static int handle(struct mg_connection *conn, void *cbdata)
{
    sbw_api_t *api = cbdata;
    const struct mg_request_info *ri = mg_get_request_info(conn);
    /* Drain any body (POST /refresh takes none), at most 64 KiB. */
    char sink[4096];
    size_t drained = 0;
    int n;
    while (drained < 65536 && (n = mg_read(conn, sink, sizeof sink)) > 0)
        drained += (size_t)n;
    sbw_api_resp_t r;
    sbw_api_handle(api, ri->request_method, ri->local_uri ? ri->local_uri : "/", ri->query_string,
                   mg_get_header(conn, "Authorization"), mg_get_header(conn, "If-None-Match"), &r);
    char head[1024];
    int h = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                     "Cache-Control: %s\r\n",
                     r.status, reason(r.status), r.content_type, r.len,
                     r.cacheable ? "no-cache" : "no-store");
    if (r.etag[0])
        h += snprintf(head + h, sizeof head - (size_t)h, "ETag: %s\r\n", r.etag);
    if (r.allow[0])
        h += snprintf(head + h, sizeof head - (size_t)h, "Allow: %s\r\n", r.allow);
    if (r.www_authenticate)
        h += snprintf(head + h, sizeof head - (size_t)h, "WWW-Authenticate: Bearer\r\n");
    h += snprintf(head + h, sizeof head - (size_t)h, "\r\n");
    int is_head = strcmp(ri->request_method, "HEAD") == 0;
    if (r.len > 0 && !is_head && r.len <= 16384) {
        char whole[1024 + 16384];
        memcpy(whole, head, (size_t)h);
        memcpy(whole + h, r.body, r.len);
        mg_write(conn, whole, (size_t)h + r.len);
    } else {
        mg_write(conn, head, (size_t)h);
        if (r.len > 0 && !is_head)
            mg_write(conn, r.body, r.len);
    }
    SBW_DEBUG(NULL, "%s %s %d %zu", ri->request_method, ri->local_uri, r.status, r.len);
    int status = r.status;
    sbw_api_resp_cleanup(&r);
    return status;
}

static int log_civetweb(const struct mg_connection *conn, const char *message)
{
    (void)conn;
    SBW_WARN("civetweb", "%s", message);
    return 1;
}

static int is_file(const char *p, int dir)
{
    struct stat st;
    return stat(p, &st) == 0 && (dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode));
}

/* <exe>/../share/sbw/<rel> when present (installed), else the source tree's <src_rel>. */
static void find_path(const char *rel, const char *src_rel, char *out, size_t outlen)
{
    char exe[PATH_MAX - 64];
    ssize_t l = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (l > 0) {
        exe[l] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            snprintf(out, outlen, "%s/../share/sbw/%s", exe, rel);
            if (is_file(out, 0) || is_file(out, 1))
                return;
        }
    }
    snprintf(out, outlen, "%s/%s", SBW_SOURCE_DIR, src_rel);
}

int main(int argc, char **argv)
{
    char err[1024];
    if (argc > 1 && strcmp(argv[1], "--help") == 0) {
        printf("usage: sbw-server [--help | example-env | print-config]\n"
               "Serves the analytics API (/api/v1/...), /metrics and the refresh hook.\n"
               "Settings come from the environment (see `sbw-server example-env`).\n");
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "example-env") == 0) {
        sbw_cfg_print_example(VARS, NVARS, stdout);
        return 0;
    }
    static sbw_cfg_t cfg; /* lives for the whole process */
    if (sbw_cfg_load(VARS, NVARS, sbw_cfg_getenv, NULL, &cfg, err, sizeof err) != 0) {
        fprintf(stderr, "sbw-server: configuration error: %s\n", err);
        return 2;
    }
    if (argc > 1 && strcmp(argv[1], "print-config") == 0) {
        sbw_cfg_print(&cfg, stdout);
        return 0;
    }
    sbw_log_level_t level;
    if (sbw_log_level_parse(sbw_cfg_str(&cfg, "SBW_LOG_LEVEL"), &level) != 0) {
        fprintf(stderr, "sbw-server: configuration error: SBW_LOG_LEVEL must be debug, info, "
                        "warn or error\n");
        return 2;
    }
    sbw_log_init("sbw-server", level);

    char sql_dir[PATH_MAX], views_dir[PATH_MAX + 16], openapi[PATH_MAX];
    if (sbw_migrate_find_dir(sbw_cfg_str(&cfg, "SBW_SERVER_SQL_DIR"), sql_dir, sizeof sql_dir) != 0) {
        fprintf(stderr, "sbw-server: configuration error: SBW_SERVER_SQL_DIR: no SQL folder\n");
        return 2;
    }
    snprintf(views_dir, sizeof views_dir, "%s/views", sql_dir);
    const char *oa = sbw_cfg_str(&cfg, "SBW_SERVER_OPENAPI");
    if (oa)
        snprintf(openapi, sizeof openapi, "%s", oa);
    else
        find_path("openapi.yaml", "server/openapi.yaml", openapi, sizeof openapi);

    sbw_api_opts_t opts = {
        .pg_cfg = &cfg,
        .pool_size = (int)sbw_cfg_int(&cfg, "SBW_SERVER_PG_POOL"),
        .cache_entries = (int)sbw_cfg_int(&cfg, "SBW_SERVER_CACHE_ENTRIES"),
        .refresh_token = sbw_cfg_str(&cfg, "SBW_REFRESH_TOKEN"),
        .views_dir = views_dir,
        .openapi_path = openapi,
    };
    sbw_api_t *api = NULL;
    if (sbw_api_new(&opts, &api, err, sizeof err) != 0 || sbw_api_start(api, err, sizeof err) != 0) {
        fprintf(stderr, "sbw-server: %s\n", err);
        sbw_api_free(api);
        return 1;
    }
    if (!opts.refresh_token)
        SBW_WARN(NULL, "SBW_REFRESH_TOKEN is not set: POST /api/v1/refresh answers 503");
    if (sbw_cfg_bool(&cfg, "SBW_SERVER_REFRESH_ON_START")) {
        sbw_refresh_result_t r;
        if (sbw_api_refresh(api, &r, err, sizeof err) != 0) {
            fprintf(stderr, "sbw-server: refresh at start failed: %s\n", err);
            sbw_api_free(api);
            return 1;
        }
    }

    char threads[16];
    snprintf(threads, sizeof threads, "%ld", sbw_cfg_int(&cfg, "SBW_SERVER_THREADS"));
    const char *options[] = {"listening_ports", sbw_cfg_str(&cfg, "SBW_SERVER_LISTEN"),
                             "num_threads", threads,
                             "enable_keep_alive", "yes",
                             "keep_alive_timeout_ms", "15000",
                             "request_timeout_ms", "120000",
                             "tcp_nodelay", "1",
                             "access_control_allow_origin", "",
                             NULL};
    struct mg_callbacks cb;
    memset(&cb, 0, sizeof cb);
    cb.log_message = log_civetweb;
    mg_init_library(0);
    struct mg_context *ctx = mg_start(&cb, api, options);
    if (!ctx) {
        fprintf(stderr, "sbw-server: cannot listen on %s (port in use?)\n",
                sbw_cfg_str(&cfg, "SBW_SERVER_LISTEN"));
        sbw_api_free(api);
        return 1;
    }
    mg_set_request_handler(ctx, "/", handle, api);
    SBW_INFO(NULL, "listening on %s, generation %lld", sbw_cfg_str(&cfg, "SBW_SERVER_LISTEN"),
             sbw_api_generation(api));

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    while (!stop_requested) {
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    SBW_INFO(NULL, "stopping");
    mg_stop(ctx);
    mg_exit_library();
    sbw_api_free(api);
    sbw_cfg_cleanup(&cfg);
    return 0;
}
