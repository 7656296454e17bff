/* sbw_s3: a small S3 client (PUT, GET, ListObjectsV2) on libcurl's SigV4 signing and expat.
 *
 * Two layers. The pure part builds requests (object and list URLs for path-style and
 * virtual-hosted addressing, RFC 3986 encoding, the signed headers), parses ListObjectsV2 and
 * error XML and decides what is retryable; it does no I/O and is unit-tested. The client part
 * runs requests on one reused libcurl easy handle per client (keep-alive), with timeouts and
 * bounded retries (exponential backoff with jitter) on 5xx, 429, SlowDown, RequestTimeout and
 * connection errors; other 4xx are not retried.
 *
 * Ownership: strings passed in are borrowed for the call only; everything returned through an
 * out-parameter is owned by the caller (free() for buffers, the named _cleanup/_free for
 * structs). Threads: a client is used by one thread at a time; use one client per thread.
 * Errors: functions return 0 or a negative SBW_S3_E* code, with a message in err (optional,
 * may be NULL) that names the operation and object and never contains credentials. */
#ifndef SBW_S3_H
#define SBW_S3_H

#include <stddef.h>
#include <stdint.h>

struct curl_slist;

/* Limits on everything that comes from configuration or the network. */
#define SBW_S3_REGION_MAX 64          /* bytes incl. NUL */
#define SBW_S3_ENDPOINT_MAX 512       /* bytes incl. NUL */
#define SBW_S3_KEY_ID_MAX 128         /* bytes incl. NUL */
#define SBW_S3_SECRET_MAX 256         /* bytes incl. NUL */
#define SBW_S3_SESSION_TOKEN_MAX 4096 /* bytes incl. NUL */
#define SBW_S3_BUCKET_MAX 64          /* bytes incl. NUL (bucket names are 3..63 chars) */
#define SBW_S3_KEY_MAX 1024           /* longest object key, bytes (S3's own limit) */
#define SBW_S3_URL_MAX (SBW_S3_ENDPOINT_MAX + 8 * SBW_S3_KEY_MAX + 256)
#define SBW_S3_LIST_BODY_MAX (16u << 20)  /* one ListObjectsV2 page */
#define SBW_S3_ERROR_BODY_MAX (64u << 10) /* kept of an error response */
#define SBW_S3_TOKEN_MAX 4096             /* a NextContinuationToken */
#define SBW_S3_MAX_ATTEMPTS_LIMIT 20

/* Defaults set by sbw_s3_opts_init. */
#define SBW_S3_DEFAULT_REGION "us-east-1"
#define SBW_S3_DEFAULT_CONNECT_TIMEOUT_MS 5000L
#define SBW_S3_DEFAULT_TIMEOUT_MS 60000L
#define SBW_S3_DEFAULT_MAX_ATTEMPTS 4
#define SBW_S3_DEFAULT_BACKOFF_BASE_MS 200L
#define SBW_S3_DEFAULT_BACKOFF_MAX_MS 5000L

/* Return codes (0 is success). */
#define SBW_S3_EFAIL (-1)     /* any other failure (network, auth, server, retries exhausted) */
#define SBW_S3_ENOTFOUND (-2) /* GET: no such key */
#define SBW_S3_ETOOLARGE (-3) /* GET: object larger than max_bytes */
#define SBW_S3_EINVAL (-4)    /* bad argument (bucket, key, options) */

/* Connection settings. Plain fixed-size fields: copy freely, nothing to free. */
typedef struct {
    /* e.g. "eu-west-1"; signs requests and names the AWS endpoint */
    char region[SBW_S3_REGION_MAX];
    /* "" for AWS (https://s3.<region>.amazonaws.com), or e.g. "http://127.0.0.1:9000" */
    char endpoint[SBW_S3_ENDPOINT_MAX];
    /* 1: <endpoint>/<bucket>/<key>; 0: <bucket>.<host>/<key> (a bucket with '.' is always
     * addressed path-style: TLS wildcard certificates do not cover it) */
    int path_style;
    char access_key_id[SBW_S3_KEY_ID_MAX];
    char secret_access_key[SBW_S3_SECRET_MAX]; /* secret: never logged */
    /* "" or the STS session token, sent (and signed) as X-Amz-Security-Token; secret */
    char session_token[SBW_S3_SESSION_TOKEN_MAX];
    long connect_timeout_ms; /* per attempt */
    long timeout_ms;         /* whole request, per attempt */
    int max_attempts;        /* 1..SBW_S3_MAX_ATTEMPTS_LIMIT; 1 means no retry */
    long backoff_base_ms;    /* the first retry waits about this, then 2x each time ... */
    long backoff_max_ms;     /* ... capped here; jitter picks uniformly in [cap/2, cap] */
} sbw_s3_opts_t;

/* One object of a listing. The strings are owned by the page that holds it. */
typedef struct {
    char *key;
    int64_t size;
    char *etag;               /* without the surrounding quotes; "" when absent */
    int64_t last_modified_ms; /* Unix ms, UTC; 0 when absent or unparsable */
} sbw_s3_object_t;

/* One parsed ListObjectsV2 page; free with sbw_s3_list_page_cleanup. */
typedef struct {
    sbw_s3_object_t *objects;
    size_t n;
    int is_truncated;
    char *next_token; /* NextContinuationToken, or NULL */
} sbw_s3_list_page_t;

/* The parts of an S3 <Error> body; empty strings when absent. Truncated to fit. */
typedef struct {
    char code[128];
    char message[512];
    char request_id[128];
} sbw_s3_error_t;

/* Called for every listed object in key order. A non-zero return stops the listing (which
 * then returns 0). The strings are borrowed for the call only. */
typedef int (*sbw_s3_list_fn)(const char *key, int64_t size, const char *etag,
                              int64_t last_modified_ms, void *ud);

typedef struct sbw_s3 sbw_s3_t;

/* ---- pure part: no I/O ---- */

/* Sets the defaults above (region us-east-1, AWS endpoint, virtual-hosted, no credentials). */
void sbw_s3_opts_init(sbw_s3_opts_t *o);

/* Checks region, endpoint (http:// or https://, no query, fragment or user info; a trailing
 * '/' is removed in place), timeouts and attempts. Returns 0 or SBW_S3_EINVAL with a message. */
int sbw_s3_opts_check(sbw_s3_opts_t *o, char *err, size_t errlen);

/* 1 if name is a valid S3 bucket name (3..63 of a-z 0-9 . -, starting and ending with a letter
 * or digit, no ".."), else 0. */
int sbw_s3_bucket_valid(const char *name);

/* RFC 3986 / SigV4 encoding: keeps A-Z a-z 0-9 - _ . ~ (and '/' when keep_slash), writes every
 * other byte as %XX (upper case). Returns 0, or -1 if out (outlen bytes incl. NUL) is too small. */
int sbw_s3_uri_encode(const char *s, int keep_slash, char *out, size_t outlen);

/* URL of an object (key non-empty) or of the bucket itself (key NULL or ""): path-style
 * "<endpoint>/<bucket>/<key>" or virtual-hosted "<scheme>://<bucket>.<host>/<key>". The key is
 * encoded with '/' kept. opts must have passed sbw_s3_opts_check. Returns 0 or -1 (too long). */
int sbw_s3_object_url(const sbw_s3_opts_t *o, const char *bucket, const char *key, char *out,
                      size_t outlen);

/* URL of one ListObjectsV2 page. The query is already in SigV4 canonical form (parameters
 * sorted, values encoded) because libcurl 7.88 signs the query as given: continuation-token
 * (when token is non-empty), list-type=2, prefix (when non-empty), start-after (when non-empty
 * and there is no token; S3 ignores it on later pages). Returns 0 or -1 (too long). */
int sbw_s3_list_url(const sbw_s3_opts_t *o, const char *bucket, const char *prefix,
                    const char *start_after, const char *token, char *out, size_t outlen);

/* Lower-case hex SHA-256 of data (out gets 64 chars and a NUL). Returns 0 or -1 (libcrypto). */
int sbw_s3_sha256_hex(const void *data, size_t len, char out[65]);

/* The extra request headers: "x-amz-content-sha256: <payload_sha256_hex>" (S3 requires it and
 * libcurl 7.88 does not add it; libcurl signs every header it is given), "X-Amz-Security-Token"
 * when a session token is set, and "Content-Type" when content_type is non-NULL. On success
 * *out is a new list (curl_slist_free_all it) and 0 is returned; -1 when out of memory. */
int sbw_s3_headers(const sbw_s3_opts_t *o, const char *payload_sha256_hex, const char *content_type,
                   struct curl_slist **out);

/* Parses one ListObjectsV2 response (ListBucketResult): Contents/Key, Size, ETag (quotes
 * stripped), LastModified (ISO 8601 to ms), IsTruncated, NextContinuationToken. Entities such
 * as &amp; are decoded. Returns 0 with *page filled (clean it up), or SBW_S3_EFAIL with a
 * message and *page empty: malformed XML, another root element, a Contents without Key, a key
 * longer than SBW_S3_KEY_MAX, a bad Size, a token longer than SBW_S3_TOKEN_MAX. */
int sbw_s3_list_parse(const char *xml, size_t len, sbw_s3_list_page_t *page, char *err,
                      size_t errlen);

/* Frees what a page holds and zeroes it; accepts a zeroed page. */
void sbw_s3_list_page_cleanup(sbw_s3_list_page_t *page);

/* Parses an S3 <Error> body. Returns 0 with *e filled, or -1 (and *e all empty) when the
 * body is empty, not XML or not an <Error>. */
int sbw_s3_error_parse(const char *xml, size_t len, sbw_s3_error_t *e);

/* ISO 8601 UTC time ("2024-01-31T23:59:59.123Z", fraction optional, "Z" or "+00:00") to Unix
 * ms. Returns 0, or -1 for anything else. */
int sbw_s3_parse_time_ms(const char *iso, int64_t *out);

/* 1 if a response with this HTTP status and S3 error code (may be NULL or "") should be
 * retried: any 5xx, 429, and the transient codes SlowDown, RequestTimeout, InternalError,
 * ServiceUnavailable, Throttling and ThrottlingException (whatever the status). Else 0. */
int sbw_s3_status_retryable(long http_status, const char *code);

/* Wait before retry number `retry` (1 = first retry): cap = min(max, base * 2^(retry-1)), and
 * the result lies in [cap/2, cap] picked by rnd (any 32-bit random value). */
long sbw_s3_backoff_ms(const sbw_s3_opts_t *o, int retry, uint32_t rnd);

/* ---- client: network I/O through libcurl ---- */

/* Opens a client for one bucket. opts is copied (and checked with sbw_s3_opts_check);
 * credentials are required. No request is sent. Returns 0 with *out (free with sbw_s3_free),
 * or SBW_S3_EINVAL/SBW_S3_EFAIL with a message and *out NULL. Initialises libcurl globally on
 * first use (thread-safe in libcurl >= 7.84). */
int sbw_s3_new(const char *bucket, const sbw_s3_opts_t *opts, sbw_s3_t **out, char *err,
               size_t errlen);

/* Closes the connection and frees the client; accepts NULL. */
void sbw_s3_free(sbw_s3_t *s3);

/* PUTs len bytes as the object key (content_type may be NULL: application/octet-stream).
 * Returns 0 only after S3 answered 2xx, i.e. the object is durable; otherwise SBW_S3_EFAIL
 * (after the retries) or SBW_S3_EINVAL, with a message naming the object. */
int sbw_s3_put(sbw_s3_t *s3, const char *key, const void *data, size_t len,
               const char *content_type, char *err, size_t errlen);

/* GETs a whole object of at most max_bytes. Returns 0 with *data (malloc'd, NUL-terminated
 * after *len bytes; the caller frees it) and *len; SBW_S3_ENOTFOUND for a missing key,
 * SBW_S3_ETOOLARGE when the object is larger than max_bytes (the transfer is cut off after
 * max_bytes + 1 bytes at most), SBW_S3_EFAIL otherwise. On failure *data is NULL. */
int sbw_s3_get(sbw_s3_t *s3, const char *key, size_t max_bytes, char **data, size_t *len, char *err,
               size_t errlen);

/* Lists every key that starts with prefix (NULL or "" = all) and sorts after start_after
 * (NULL or "" = from the start), in key order, following NextContinuationToken until the end,
 * so there is no cap on the count. Pages are checked to be in strictly increasing key order.
 * Returns 0 when done or stopped by the callback, else SBW_S3_EFAIL with a message (objects
 * already passed to cb stay passed). */
int sbw_s3_list(sbw_s3_t *s3, const char *prefix, const char *start_after, sbw_s3_list_fn cb,
                void *ud, char *err, size_t errlen);

#endif
