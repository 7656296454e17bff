/* sbw_apigw: parses API Gateway HTTP API (payload format 2.0) events and renders their responses.
 *
 * Pure: no I/O, no environment, no clock. The Lambda transport (sbw_lambda) hands the event JSON
 * here, gets an sbw_apigw_request_t, and renders the handler's answer with
 * sbw_apigw_response_json into the v2 response object that API Gateway turns into HTTP.
 *
 * Ownership: an sbw_apigw_request_t owns everything it points to. Its strings (method, paths,
 * header names and values, requestContext fields) are borrowed from the parsed event, which the
 * request keeps alive; they stay valid until sbw_apigw_request_free. The body is a separate
 * malloc'd, NUL-terminated copy (after base64 decoding), also freed by sbw_apigw_request_free.
 * Optional strings are NULL when the event does not carry them. Thread-safe (no shared state). */
#ifndef SBW_APIGW_H
#define SBW_APIGW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Lambda's synchronous invocation payload limit is 6 MiB (6291456 bytes); the event JSON cannot
 * be larger than that plus a little framing. */
#define SBW_APIGW_DEFAULT_MAX_EVENT ((size_t)6 * 1024 * 1024 + 64 * 1024)
#define SBW_APIGW_DEFAULT_MAX_BODY ((size_t)6 * 1024 * 1024)
/* HTTP API caps the request line plus headers at 10240 bytes, so real events have far fewer. */
#define SBW_APIGW_DEFAULT_MAX_HEADERS 128

/* Return codes of sbw_apigw_request_parse and sbw_apigw_base64_decode. */
#define SBW_APIGW_EEVENT (-1)    /* not an API Gateway v2 event (or malformed): no request */
#define SBW_APIGW_EBODY (-2)     /* the body is not valid base64: request set, body NULL */
#define SBW_APIGW_ETOOLARGE (-3) /* body or header count over the limit: request set, body NULL */
#define SBW_APIGW_ENOMEM (-4)    /* out of memory: no request */

typedef struct {
    size_t max_event_bytes; /* event JSON size; larger events are SBW_APIGW_EEVENT */
    size_t max_body_bytes;  /* body size after base64 decoding */
    size_t max_headers;     /* number of entries of "headers" */
} sbw_apigw_limits_t;

typedef struct {
    const char *name;  /* as API Gateway sends it: lowercase */
    const char *value; /* repeated headers arrive joined with "," */
} sbw_apigw_header_t;

typedef struct {
    const char *route_key;       /* routeKey: "POST /clickstream", "$default" (may be NULL) */
    const char *method;          /* requestContext.http.method: "POST" (always set) */
    const char *raw_path;        /* rawPath: "/clickstream", stage prefix included (always set) */
    const char *raw_query;       /* rawQueryString without "?": "" when absent */
    sbw_apigw_header_t *headers; /* n_headers entries, in event order */
    size_t n_headers;
    char *body; /* decoded body, NUL-terminated (not counted); NULL when absent */
    size_t body_len;
    bool body_was_base64;    /* isBase64Encoded was true */
    const char *source_ip;   /* requestContext.http.sourceIp */
    const char *user_agent;  /* requestContext.http.userAgent */
    const char *request_id;  /* requestContext.requestId */
    const char *api_id;      /* requestContext.apiId */
    const char *stage;       /* requestContext.stage: "$default", "prod" */
    const char *domain_name; /* requestContext.domainName */
    const char *trace_id;    /* header x-amzn-trace-id */
    int64_t time_epoch_ms;   /* requestContext.timeEpoch; 0 when absent */
    void *priv;              /* the parsed event (cJSON root); do not touch */
} sbw_apigw_request_t;

/* Fills lim with the defaults above. */
void sbw_apigw_limits_init(sbw_apigw_limits_t *lim);

/* Parses an API Gateway HTTP API payload 2.0 event (event[0..len), need not be NUL-terminated)
 * with limits lim (NULL: defaults). The event must be a JSON object with version "2.0",
 * requestContext.http.method and rawPath; headers must map names to strings; body, when present
 * and not null, must be a string, base64-decoded when isBase64Encoded is true (strict: standard
 * alphabet, padded, no whitespace).
 * Returns 0 with *out set; SBW_APIGW_EEVENT with *out NULL and err naming the problem ("event is
 * not an API Gateway v2 payload: requestContext.http missing"); SBW_APIGW_EBODY or
 * SBW_APIGW_ETOOLARGE with *out STILL SET (body NULL, and no headers when there were too many)
 * so the caller can answer 400/413 and log the request id; SBW_APIGW_ENOMEM with *out NULL.
 * The caller frees *out with sbw_apigw_request_free whenever it is not NULL. */
int sbw_apigw_request_parse(const char *event, size_t len, const sbw_apigw_limits_t *lim,
                            sbw_apigw_request_t **out, char *err, size_t errlen);

/* Frees a request and everything it owns. Accepts NULL. */
void sbw_apigw_request_free(sbw_apigw_request_t *req);

/* Value of the first header named name (compared case-insensitively), borrowed from req;
 * NULL when absent or req is NULL. */
const char *sbw_apigw_header(const sbw_apigw_request_t *req, const char *name);

/* Strictly decodes standard padded base64 in[0..len) into a malloc'd, NUL-terminated *out of
 * *outlen bytes. Rejects characters outside A-Z a-z 0-9 + /, whitespace, a length that is not a
 * multiple of 4, misplaced padding and non-zero unused bits. The decoded size is checked against
 * max_out before anything is allocated. Returns 0; SBW_APIGW_EBODY (invalid, err says where);
 * SBW_APIGW_ETOOLARGE; SBW_APIGW_ENOMEM. On failure *out is NULL. */
int sbw_apigw_base64_decode(const char *in, size_t len, size_t max_out, char **out, size_t *outlen,
                            char *err, size_t errlen);

/* Renders a v2 response object {"statusCode":N,"headers":{...},"body":"...",
 * "isBase64Encoded":false} into a malloc'd, NUL-terminated *out of *outlen bytes (caller frees).
 * body[0..len) may be NULL/0 (renders ""). A body that is not valid UTF-8 or contains NUL bytes
 * is sent base64-encoded with "isBase64Encoded":true. headers (n_headers entries, borrowed) are
 * copied in order; a name given twice is joined with "," as HTTP allows. Returns 0; -1 with err
 * when status is outside 100..599 or a header name is empty or not an HTTP token, or a value
 * holds CR, LF or NUL; SBW_APIGW_ENOMEM when out of memory. On failure *out is NULL. */
int sbw_apigw_response_json(int status, const char *body, size_t len,
                            const sbw_apigw_header_t *headers, size_t n_headers, char **out,
                            size_t *outlen, char *err, size_t errlen);

#endif
