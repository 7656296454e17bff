/* sbwapi_http.h: one HTTP GET with libcurl into a size-capped memory buffer (no R calls
 * except an interrupt check that never longjmps). */
#ifndef SBWAPI_HTTP_H
#define SBWAPI_HTTP_H

#include <stddef.h>

enum {
    SBWAPI_HTTP_OK = 0,          /* a response arrived (any status) */
    SBWAPI_HTTP_CONNECT = -1,    /* no response: refused, DNS, TLS, reset, timeout, bad URL */
    SBWAPI_HTTP_TOO_LARGE = -2,  /* the body exceeded max_bytes */
    SBWAPI_HTTP_INTERRUPTED = -3 /* the user pressed Ctrl-C / Esc */
};

typedef struct {
    long status;            /* HTTP status when SBWAPI_HTTP_OK */
    char *body;             /* malloc'd, NUL-terminated; owned by the caller: free() it */
    size_t len;             /* body bytes, without the terminating NUL */
    char err[256];          /* message when not SBWAPI_HTTP_OK */
} sbwapi_http_response_t;

/* One-time global libcurl setup; call from the package's init routine. */
void sbwapi_http_global_init(void);

/* GETs url (http or https only; redirects are not followed) with a total timeout of timeout_s
 * seconds (connect: at most 10 s of it) and a body limit of max_bytes. Returns one of the codes
 * above. On SBWAPI_HTTP_OK, res->body holds the body (possibly empty) and must be freed by the
 * caller; on any other code res->body is NULL and res->err says what happened. */
int sbwapi_http_get(const char *url, double timeout_s, size_t max_bytes, sbwapi_http_response_t *res);

#endif
