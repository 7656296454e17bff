/* sbw_server_api: the analytics API behind sbw-server's HTTP layer.
 *
 * One sbw_api_t per process: a small pool of warehouse connections (one PGconn per thread
 * at a time), the data generation (analytics.refresh_state), a bounded in-memory cache of
 * rendered answers per generation and the coalescing refresh. sbw_api_handle answers one
 * request from its method, path, query and two headers; the HTTP adapter only copies bytes.
 * Thread-safe: every function may be called from any number of threads at once, except
 * _new and _free. */
#ifndef SBW_SERVER_API_H
#define SBW_SERVER_API_H

#include <stddef.h>

#include "sbw_config.h"

typedef struct sbw_api sbw_api_t;

typedef struct {
    const sbw_cfg_t *pg_cfg;   /* borrowed for the process lifetime: SBW_PG_CFG_VARS values */
    int pool_size;             /* warehouse connections for reads (>= 1) */
    int cache_entries;         /* answers kept per generation besides the defaults (>= 0) */
    const char *refresh_token; /* borrowed; NULL or "": POST /refresh answers 503 */
    const char *views_dir;     /* sql/views folder (borrowed) */
    const char *openapi_path;  /* server/openapi.yaml (borrowed; may be NULL) */
} sbw_api_opts_t;

typedef struct {
    int status;
    const char *content_type; /* static */
    char *body;               /* malloc'd (free with sbw_api_resp_cleanup) */
    size_t len;
    char etag[48];            /* "" when none */
    char allow[32];           /* Allow header for 405, else "" */
    int www_authenticate;     /* 401: send WWW-Authenticate: Bearer */
    int cacheable;            /* send Cache-Control: no-cache (else no-store) */
} sbw_api_resp_t;

typedef struct {
    long long generation;
    long long new_events, sessions, hours;
    double refresh_ms, precompute_ms;
    int coalesced; /* 1 when this call waited for a refresh another call started */
} sbw_refresh_result_t;

/* Creates the API: keeps a copy of opts (its pointers stay borrowed) and reads the openapi
 * file (a missing one is logged; the route then answers 404). Opens no connection yet.
 * Returns 0, or -1 with err. */
int sbw_api_new(const sbw_api_opts_t *opts, sbw_api_t **out, char *err, size_t errlen);

/* Frees everything; accepts NULL. No request may be running. */
void sbw_api_free(sbw_api_t *api);

/* Applies sql/views migrations (tracking table analytics.schema_migrations) and reads the
 * generation. Returns 0, or -1 with err (the program exits). */
int sbw_api_start(sbw_api_t *api, char *err, size_t errlen);

/* Runs analytics.refresh() unless a refresh already started after this call began (then
 * waits for it: concurrent calls coalesce), then renders the default views of the new
 * generation before it becomes visible. Returns 0 with *res, or -1 with err. */
int sbw_api_refresh(sbw_api_t *api, sbw_refresh_result_t *res, char *err, size_t errlen);

/* Answers one request. authorization / if_none_match: the header values or NULL. Always
 * fills *resp (status 500 on internal errors). */
void sbw_api_handle(sbw_api_t *api, const char *method, const char *path, const char *query,
                    const char *authorization, const char *if_none_match, sbw_api_resp_t *resp);

void sbw_api_resp_cleanup(sbw_api_resp_t *resp);

/* The current data generation. */
long long sbw_api_generation(sbw_api_t *api);

/* Constant-time comparison of a presented bearer token with the configured one: 1 equal. */
int sbw_api_token_equal(const char *given, const char *expected);

#endif
