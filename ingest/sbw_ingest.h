/* sbw_ingest: the POST /clickstream handler shared by the local server (CivetWeb) and the
 * Lambda runtime (API Gateway HTTP API v2).
 *
 * The transport fills an sbw_ingest_req_t (method, path, a few headers, the raw body and what
 * it knows of the client) and calls sbw_ingest_handle with a store function. The handler
 * decodes the body (gzip), splits and validates it with the event contract (sbw_body), enriches
 * each accepted event (sbw_enrich), serialises them as NDJSON lake lines, hands them to store,
 * and only when store says they are durable answers 200. It renders the whole response
 * (status, JSON body, CORS headers) into an sbw_ingest_resp_t. It does no I/O of its own. */
#ifndef SBW_INGEST_H
#define SBW_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "sbw_event.h"

#define SBW_INGEST_MAX_ORIGINS 32

typedef struct {
    sbw_limits_t limits;  /* body, events, strings, depth (sbw_limits_init + settings) */
    /* Allowed CORS origins: "*" (any, the original's behaviour) or exact origins such as
     * "https://shop.example". Empty list: no CORS headers at all. */
    char origins[SBW_INGEST_MAX_ORIGINS][256];
    int n_origins;
    /* 1 (default): events that sbw_event_scan vouches for are stored as the client's bytes plus
     * "_ingest" without building a tree; 0: every event is parsed with cJSON (same result,
     * slower; kept for comparisons in tests and benchmarks). */
    int verbatim;
} sbw_ingest_config_t;

typedef struct {
    const char *method;           /* "POST", "OPTIONS", ... */
    const char *path;             /* "/clickstream" (query string excluded) */
    const char *content_type;     /* may be NULL */
    const char *content_encoding; /* "gzip", "deflate", "identity" or NULL */
    const char *origin;           /* Origin header, may be NULL */
    const char *body;             /* raw bytes as received (after base64 for Lambda) */
    size_t body_len;
    int64_t received_at_ms;
    const char *source_ip;  /* the client's address as the transport resolved it */
    const char *user_agent; /* may be NULL */
    const char *request_id; /* always set by the transport */
    const char *trace_id;   /* may be NULL */
} sbw_ingest_req_t;

/* Stores NDJSON lines durably. Returns 0 when stored, -1 when storage failed, -2 when the
 * store is overloaded; err says why. */
typedef int (*sbw_ingest_store_fn)(void *ud, const char *lines, size_t len, int64_t received_ms,
                                   char *err, size_t errlen);

#define SBW_INGEST_MAX_HEADERS 8

typedef struct {
    int status;
    char *body; /* malloc'd JSON (or NULL for 204); the caller frees with sbw_ingest_resp_cleanup */
    size_t body_len;
    const char *content_type; /* static string */
    int n_headers;            /* extra headers: CORS, Allow, Retry-After, Vary */
    char header_name[SBW_INGEST_MAX_HEADERS][40];
    char header_value[SBW_INGEST_MAX_HEADERS][256];
    size_t events_accepted, events_rejected; /* for metrics and logs */
    char log_reason[256];                    /* short reason of a non-2xx, for the log line */
} sbw_ingest_resp_t;

/* Fills cfg with the contract's default limits and CORS origin "*". */
void sbw_ingest_config_init(sbw_ingest_config_t *cfg);

/* Parses a comma- or space-separated list of origins into cfg ("*" allowed). Returns 0, or -1
 * with err when an entry is not "*" or an http(s) origin without a path, or there are too many. */
int sbw_ingest_config_origins(sbw_ingest_config_t *cfg, const char *list, char *err,
                              size_t errlen);

/* Handles one request. Routes: POST /clickstream (store), OPTIONS /clickstream (CORS
 * preflight, 204), other methods on /clickstream (405 with Allow), any other path (404).
 * Status codes: 200 stored; 400 nothing valid (reasons listed); 413 body or decompressed body
 * too large, or too many events; 415 unsupported Content-Type / Content-Encoding; 503 storage
 * failed or overloaded (nothing acknowledged; Retry-After); 500 out of memory.
 * Always fills *resp (release with sbw_ingest_resp_cleanup). Thread-safe. */
void sbw_ingest_handle(const sbw_ingest_config_t *cfg, const sbw_ingest_req_t *req,
                       sbw_ingest_store_fn store, void *store_ud, sbw_ingest_resp_t *resp);

/* Frees resp->body. Accepts NULL. */
void sbw_ingest_resp_cleanup(sbw_ingest_resp_t *resp);

/* Decides the client address: the peer's own, unless the peer is one of trusted_proxies
 * (comma/space separated exact addresses; empty or NULL = none), in which case the right-most
 * X-Forwarded-For entry that is not itself a trusted proxy. Writes into out. Pure. */
void sbw_ingest_client_ip(const char *peer, const char *xff, const char *trusted_proxies,
                          char *out, size_t outlen);

#endif
