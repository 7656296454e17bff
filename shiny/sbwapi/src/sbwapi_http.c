/* sbwapi_http.c: one HTTP GET with libcurl into a size-capped memory buffer. */
#include "sbwapi_http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <R.h>
#include <Rinternals.h>

typedef struct {
    char *data;
    size_t len, cap, max;
    int too_large, interrupted;
} sink_t;

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    sink_t *s = userdata;
    size_t n = size * nmemb;
    if (n > s->max - s->len) {
        s->too_large = 1;
        return 0; /* makes curl fail with CURLE_WRITE_ERROR */
    }
    if (s->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 65536;
        while (cap < s->len + n + 1)
            cap *= 2;
        char *grown = realloc(s->data, cap);
        if (!grown)
            return 0;
        s->data = grown;
        s->cap = cap;
    }
    memcpy(s->data + s->len, ptr, n);
    s->len += n;
    s->data[s->len] = '\0';
    return n;
}

static void check_interrupt(void *unused)
{
    (void)unused;
    R_CheckUserInterrupt();
}

/* Runs during the transfer; aborts it when R has an interrupt pending. R_ToplevelExec catches
 * the interrupt's longjmp, so nothing unwinds through curl. */
static int on_progress(void *userdata, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt, (void)dn, (void)ut, (void)un;
    sink_t *s = userdata;
    if (!R_ToplevelExec(check_interrupt, NULL)) {
        s->interrupted = 1;
        return 1;
    }
    return 0;
}

void sbwapi_http_global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

int sbwapi_http_get(const char *url, double timeout_s, size_t max_bytes, sbwapi_http_response_t *res)
{
    sink_t sink = {NULL, 0, 0, max_bytes, 0, 0};
    char errbuf[CURL_ERROR_SIZE] = "";
    int rc = SBWAPI_HTTP_CONNECT;
    long timeout_ms = (long)(timeout_s * 1000.0);
    struct curl_slist *headers = NULL;
    memset(res, 0, sizeof *res);
    if (timeout_ms < 1)
        timeout_ms = 1;

    CURL *h = curl_easy_init();
    if (!h) {
        snprintf(res->err, sizeof res->err, "curl_easy_init failed");
        return SBWAPI_HTTP_CONNECT;
    }
    headers = curl_slist_append(headers, "Accept: application/json");
    curl_easy_setopt(h, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 10000 ? timeout_ms : 10000L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "sbwapi/0.1");
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, ""); /* any encoding curl can decode */
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &sink);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);

    CURLcode cc = curl_easy_perform(h);
    if (cc == CURLE_OK) {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &res->status);
        if (!sink.data) {
            sink.data = malloc(1);
            if (sink.data)
                sink.data[0] = '\0';
        }
        if (sink.data) {
            res->body = sink.data;
            res->len = sink.len;
            sink.data = NULL;
            rc = SBWAPI_HTTP_OK;
        } else {
            snprintf(res->err, sizeof res->err, "out of memory");
        }
    } else if (sink.too_large) {
        rc = SBWAPI_HTTP_TOO_LARGE;
        snprintf(res->err, sizeof res->err, "response body exceeds %zu bytes", max_bytes);
    } else if (sink.interrupted) {
        rc = SBWAPI_HTTP_INTERRUPTED;
        snprintf(res->err, sizeof res->err, "interrupted");
    } else {
        snprintf(res->err, sizeof res->err, "%s", errbuf[0] ? errbuf : curl_easy_strerror(cc));
    }
    free(sink.data);
    curl_slist_free_all(headers);
    curl_easy_cleanup(h);
    return rc;
}
