/* sbw_lambda: the AWS Lambda Runtime API client loop on libcurl (see sbw_lambda.h). */
#include "sbw_lambda.h"

#include "sbw_err.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "sbw_log.h"
#include "sbw_utf8.h"

#define API_VERSION "2018-06-01"
#define CONNECT_TIMEOUT_MS 2000L
#define POST_TIMEOUT_MS 30000L
/* The Runtime API's own answers to POSTs are tiny; keep at most this much for messages. */
#define MAX_API_ANSWER ((size_t)64 * 1024)

typedef struct {
    CURL *curl;
    char api[256];               /* host:port */
    char *buf;                   /* bytes of the current answer (owned; NUL-terminated) */
    size_t len, cap, max;        /* max: cap for the current answer */
    bool overflow;               /* the answer exceeded max and the transfer was stopped */
    sbw_lambda_invocation_t inv; /* headers of the current answer */
    bool id_bad;                 /* Lambda-Runtime-Aws-Request-Id had unusable characters */
    char curl_err[CURL_ERROR_SIZE];
} rt_t;

int64_t sbw_lambda_remaining_ms(const sbw_lambda_invocation_t *inv, int64_t now_ms)
{
    if (!inv || inv->deadline_ms <= 0)
        return INT64_MAX;
    return inv->deadline_ms - now_ms;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static bool valid_api_address(const char *api)
{
    size_t n = api ? strlen(api) : 0;
    if (n == 0 || n > 255)
        return false;
    for (const char *p = api; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr(".-:[]", *p))
            return false;
    return true;
}

/* Request ids go into URL paths: letters, digits, '-', '_' and '.' only. */
static bool valid_request_id(const char *id)
{
    if (!id[0])
        return false;
    for (const char *p = id; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("-_.", *p))
            return false;
    return true;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    rt_t *rt = ud;
    size_t n = size * nmemb;
    if (n > rt->max - rt->len) {
        rt->overflow = true;
        return 0; /* stops the transfer with CURLE_WRITE_ERROR */
    }
    if (rt->len + n + 1 > rt->cap) {
        size_t cap = rt->cap ? rt->cap : 16 * 1024;
        while (cap < rt->len + n + 1)
            cap *= 2;
        char *grown = realloc(rt->buf, cap);
        if (!grown)
            return 0;
        rt->buf = grown;
        rt->cap = cap;
    }
    memcpy(rt->buf + rt->len, data, n);
    rt->len += n;
    rt->buf[rt->len] = '\0';
    return n;
}

/* Copies a header value (trimmed) into dst when it fits; returns false when it does not. */
static bool copy_value(char *dst, size_t cap, const char *v, size_t n)
{
    while (n && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    while (n && (*v == ' ' || *v == '\t')) {
        v++;
        n--;
    }
    if (n >= cap) {
        dst[0] = '\0';
        return false;
    }
    memcpy(dst, v, n);
    dst[n] = '\0';
    return true;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
    rt_t *rt = ud;
    size_t n = size * nmemb;
    if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) { /* a new answer (e.g. after 100 Continue) */
        memset(&rt->inv, 0, sizeof rt->inv);
        rt->id_bad = false;
        return n;
    }
    const char *colon = memchr(data, ':', n);
    if (!colon)
        return n;
    size_t nl = (size_t)(colon - data);
    const char *v = colon + 1;
    size_t vl = n - nl - 1;
    sbw_lambda_invocation_t *inv = &rt->inv;
#define IS(name) (nl == sizeof(name) - 1 && strncasecmp(data, name, nl) == 0)
    if (IS("Lambda-Runtime-Aws-Request-Id")) {
        if (!copy_value(inv->request_id, sizeof inv->request_id, v, vl) ||
            !valid_request_id(inv->request_id))
            rt->id_bad = true;
    } else if (IS("Lambda-Runtime-Deadline-Ms")) {
        char tmp[32];
        char *end = NULL;
        inv->deadline_ms = 0;
        if (copy_value(tmp, sizeof tmp, v, vl)) {
            errno = 0;
            long long d = strtoll(tmp, &end, 10);
            if (errno == 0 && end != tmp && *end == '\0' && d > 0)
                inv->deadline_ms = d;
        }
    } else if (IS("Lambda-Runtime-Trace-Id")) {
        copy_value(inv->trace_id, sizeof inv->trace_id, v, vl);
    } else if (IS("Lambda-Runtime-Invoked-Function-Arn")) {
        copy_value(inv->function_arn, sizeof inv->function_arn, v, vl);
    }
#undef IS
    return n;
}

static int rt_init(rt_t *rt, const char *api, char *err, size_t errlen)
{
    memset(rt, 0, sizeof *rt);
    if (!valid_api_address(api)) {
        sbw_err_set(err, errlen, "AWS_LAMBDA_RUNTIME_API '%.64s' is not host:port", api ? api : "");
        return -1;
    }
    snprintf(rt->api, sizeof rt->api, "%s", api);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        sbw_err_set(err, errlen, "libcurl initialisation failed");
        return -1;
    }
    if (!(rt->curl = curl_easy_init())) {
        sbw_err_set(err, errlen, "libcurl easy handle: out of memory");
        return -1;
    }
    return 0;
}

static void rt_cleanup(rt_t *rt)
{
    if (rt->curl)
        curl_easy_cleanup(rt->curl);
    free(rt->buf);
    memset(rt, 0, sizeof *rt);
}

/* One HTTP exchange on the reused handle. GET when post is NULL (no overall timeout: the
 * long poll), else POST post[0..post_len) as JSON with an optional error-type header. The
 * answer's body goes to rt->buf (at most max bytes) and its headers to rt->inv. Returns the
 * HTTP status, or -1 on a transport error (err set; rt->overflow says the answer was too big). */
static long rt_exchange(rt_t *rt, const char *path, const char *post, size_t post_len,
                        const char *error_type, size_t max, char *err, size_t errlen)
{
    char url[512];
    struct curl_slist *hdrs = NULL, *tmp;
    long status = -1;
    if ((size_t)snprintf(url, sizeof url, "http://%s/" API_VERSION "%s", rt->api, path) >=
        sizeof url) {
        sbw_err_set(err, errlen, "Runtime API URL too long");
        return -1;
    }
    CURL *c = rt->curl;
    curl_easy_reset(c); /* keeps the live connection to the Runtime API */
    rt->len = 0;
    rt->max = max;
    rt->overflow = false;
    rt->id_bad = false;
    memset(&rt->inv, 0, sizeof rt->inv);
    rt->curl_err[0] = '\0';
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
    curl_easy_setopt(c, CURLOPT_PROXY, ""); /* never through http_proxy: the API is local */
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, rt->curl_err);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, rt);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, rt);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
    if (post) {
        char eh[192];
        if (!(tmp = curl_slist_append(hdrs, "Content-Type: application/json")))
            goto nomem;
        hdrs = tmp;
        if (!(tmp = curl_slist_append(hdrs, "Expect:")))
            goto nomem;
        hdrs = tmp;
        if (error_type) {
            snprintf(eh, sizeof eh, "Lambda-Runtime-Function-Error-Type: %s", error_type);
            if (!(tmp = curl_slist_append(hdrs, eh)))
                goto nomem;
            hdrs = tmp;
        }
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)post_len);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, POST_TIMEOUT_MS);
    } else {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 0L);
    }
    CURLcode cc = curl_easy_perform(c);
    if (cc != CURLE_OK) {
        sbw_err_set(err, errlen, "%s %s: %s", post ? "POST" : "GET", url,
                rt->overflow      ? "answer too large"
                : rt->curl_err[0] ? rt->curl_err
                                  : curl_easy_strerror(cc));
        goto out;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    goto out;
nomem:
    sbw_err_set(err, errlen, "out of memory");
out:
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(hdrs);
    return status;
}

/* rt_exchange with retries on transport errors and 502/503/504. Returns the final status, or -1
 * (err set) when every attempt failed or the answer was too large (not retried). */
static long rt_call(rt_t *rt, const char *path, const char *post, size_t post_len,
                    const char *error_type, size_t max, char *err, size_t errlen)
{
    long status = -1, backoff = 100;
    char why[512] = "";
    for (int attempt = 1; attempt <= SBW_LAMBDA_ATTEMPTS; attempt++) {
        status = rt_exchange(rt, path, post, post_len, error_type, max, why, sizeof why);
        if (status == -1 && rt->overflow)
            break;
        if (status != -1 && status != 502 && status != 503 && status != 504)
            return status;
        if (status != -1)
            snprintf(why, sizeof why, "%s %s: HTTP %ld", post ? "POST" : "GET", path, status);
        if (attempt < SBW_LAMBDA_ATTEMPTS) {
            SBW_WARN(NULL, "Runtime API attempt %d of %d failed: %s; retrying in %ld ms", attempt,
                     SBW_LAMBDA_ATTEMPTS, why, backoff);
            sleep_ms(backoff);
            backoff *= 2;
        }
    }
    if (rt->overflow)
        sbw_err_set(err, errlen, "%s", why);
    else
        sbw_err_set(err, errlen, "Runtime API unreachable after %d attempts: %s", SBW_LAMBDA_ATTEMPTS,
                why);
    return -1;
}

/* Keeps error types header-safe: letters, digits and ".:_-"; anything else becomes '_'. */
static void clean_error_type(char *dst, size_t cap, const char *src, const char *fallback)
{
    if (!src || !src[0])
        src = fallback;
    size_t i = 0;
    for (; src[i] && i + 1 < cap; i++)
        dst[i] = (isalnum((unsigned char)src[i]) || strchr(".:_-", src[i])) ? src[i] : '_';
    dst[i] = '\0';
}

/* Copies src for a log line: control characters (newlines included) become spaces. */
static void one_line(char *dst, size_t cap, const char *src)
{
    size_t i = 0;
    for (; src[i] && i + 1 < cap; i++)
        dst[i] = ((unsigned char)src[i] < 0x20 || src[i] == 0x7f) ? ' ' : src[i];
    dst[i] = '\0';
}

/* Renders {"errorMessage":..., "errorType":...} (the message made valid UTF-8 and cut to
 * 4096 bytes); NULL when out of memory. */
static char *error_json(const char *type, const char *message)
{
    if (!message)
        message = "";
    char *msg = sbw_utf8_sanitize(message, strlen(message), 4096);
    cJSON *o = cJSON_CreateObject();
    char *s = NULL;
    if (msg && o && cJSON_AddStringToObject(o, "errorMessage", msg) &&
        cJSON_AddStringToObject(o, "errorType", type))
        s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    free(msg);
    return s;
}

/* POSTs a function error for id (or the init error when id is NULL). Returns the status or -1. */
static long post_error(rt_t *rt, const char *id, const char *type, const char *message,
                       const char *fallback, char *err, size_t errlen)
{
    char etype[128], path[256];
    clean_error_type(etype, sizeof etype, type, fallback);
    char *body = error_json(etype, message);
    if (!body) {
        sbw_err_set(err, errlen, "out of memory");
        return -1;
    }
    if (id)
        snprintf(path, sizeof path, "/runtime/invocation/%s/error", id);
    else
        snprintf(path, sizeof path, "/runtime/init/error");
    long st = rt_call(rt, path, body, strlen(body), etype, MAX_API_ANSWER, err, errlen);
    free(body);
    return st;
}

/* Judges the Runtime API's status for an invocation's result. Returns 0 to go on, -1 (err set)
 * when the loop must stop. */
static int judge_post(long st, const char *id, const char *what, char *err, size_t errlen)
{
    if (st == -1)
        return -1;
    if (st >= 200 && st < 300)
        return 0;
    if (st == 500) {
        sbw_err_set(err, errlen, "Runtime API answered 500 (container error) to the %s of %s", what,
                id);
        return -1;
    }
    SBW_ERROR(id, "Runtime API refused the %s with HTTP %ld; invocation dropped", what, st);
    return 0;
}

/* Answers one invocation whose event is event[0..len). Returns 0 or -1 (stop, err set). */
static int answer(rt_t *rt, const sbw_lambda_invocation_t *inv, const char *event, size_t len,
                  sbw_lambda_handler_fn handler, void *ud, char *err, size_t errlen)
{
    const char *id = inv->request_id;
    sbw_lambda_reply_t reply;
    memset(&reply, 0, sizeof reply);
    int rc = -1;
    int hrc = handler(inv, event, len, &reply, ud);
    reply.error_type[sizeof reply.error_type - 1] = '\0';
    reply.error_message[sizeof reply.error_message - 1] = '\0';
    if (hrc == 0 && reply.body_len > SBW_LAMBDA_MAX_RESPONSE) {
        hrc = -1;
        snprintf(reply.error_type, sizeof reply.error_type, "Function.ResponseSizeTooLarge");
        snprintf(reply.error_message, sizeof reply.error_message,
                 "response is %zu bytes, more than the limit of %zu", reply.body_len,
                 SBW_LAMBDA_MAX_RESPONSE);
    }
    if (hrc == 0) {
        char path[256];
        snprintf(path, sizeof path, "/runtime/invocation/%s/response", id);
        const char *body = reply.body ? reply.body : "null";
        size_t blen = reply.body ? reply.body_len : 4;
        long st = rt_call(rt, path, body, blen, NULL, MAX_API_ANSWER, err, errlen);
        if (st == 413) {
            SBW_ERROR(id, "Runtime API refused the response (%zu bytes) as too large", blen);
            st = post_error(rt, id, "Function.ResponseSizeTooLarge",
                            "response refused by the Runtime API as too large", NULL, err, errlen);
            rc = judge_post(st, id, "error", err, errlen);
        } else {
            rc = judge_post(st, id, "response", err, errlen);
        }
    } else {
        char ltype[128], lmsg[sizeof reply.error_message];
        clean_error_type(ltype, sizeof ltype, reply.error_type, "Handler.Error");
        one_line(lmsg, sizeof lmsg, reply.error_message);
        SBW_WARN(id, "invocation failed: %s: %s", ltype, lmsg);
        long st =
            post_error(rt, id, reply.error_type, reply.error_message, "Handler.Error", err, errlen);
        rc = judge_post(st, id, "error", err, errlen);
    }
    free(reply.body);
    return rc;
}

int sbw_lambda_run(const char *runtime_api, sbw_lambda_handler_fn handler, void *ud,
                   int max_invocations, char *err, size_t errlen)
{
    rt_t rt;
    int rc = -1;
    if (!handler || max_invocations < 0) {
        memset(&rt, 0, sizeof rt);
        sbw_err_set(err, errlen, "sbw_lambda_run: no handler or negative max_invocations");
        goto out;
    }
    if (rt_init(&rt, runtime_api, err, errlen) != 0)
        goto out;
    for (int n = 0; max_invocations == 0 || n < max_invocations; n++) {
        long st = rt_call(&rt, "/runtime/invocation/next", NULL, 0, NULL, SBW_LAMBDA_MAX_EVENT, err,
                          errlen);
        sbw_lambda_invocation_t inv = rt.inv;
        if (st == -1 && rt.overflow && inv.request_id[0] && !rt.id_bad) {
            SBW_ERROR(inv.request_id, "event larger than %zu bytes; not handled",
                      SBW_LAMBDA_MAX_EVENT);
            char msg[128];
            snprintf(msg, sizeof msg, "event is larger than %zu bytes", SBW_LAMBDA_MAX_EVENT);
            st = post_error(&rt, inv.request_id, "Runtime.EventTooLarge", msg, NULL, err, errlen);
            if (judge_post(st, inv.request_id, "error", err, errlen) != 0)
                goto out;
            continue;
        }
        if (st == -1)
            goto out;
        if (st != 200) {
            sbw_err_set(err, errlen, "Runtime API answered HTTP %ld to invocation/next%s", st,
                    st == 500 ? " (container error)" : "");
            goto out;
        }
        if (!inv.request_id[0] || rt.id_bad) {
            sbw_err_set(err, errlen,
                    "Runtime API sent an invocation without a usable "
                    "Lambda-Runtime-Aws-Request-Id");
            goto out;
        }
        /* The event buffer is handed to the handler; the next exchange gets a fresh one. */
        char *event = rt.buf; /* NULL for an empty body */
        size_t len = rt.len;
        char empty[1] = "";
        rt.buf = NULL;
        rt.len = rt.cap = 0;
        SBW_DEBUG(inv.request_id, "invocation received: %zu bytes", len);
        int arc = answer(&rt, &inv, event ? event : empty, len, handler, ud, err, errlen);
        free(event);
        if (arc != 0)
            goto out;
    }
    rc = 0;
out:
    rt_cleanup(&rt);
    return rc;
}

int sbw_lambda_init_error(const char *runtime_api, const char *error_type, const char *message,
                          char *err, size_t errlen)
{
    rt_t rt;
    int rc = -1;
    if (rt_init(&rt, runtime_api, err, errlen) != 0)
        goto out;
    long st = post_error(&rt, NULL, error_type, message, "Runtime.InitError", err, errlen);
    if (st == -1)
        goto out;
    if (st < 200 || st >= 300) {
        sbw_err_set(err, errlen, "Runtime API answered HTTP %ld to init/error", st);
        goto out;
    }
    rc = 0;
out:
    rt_cleanup(&rt);
    return rc;
}
