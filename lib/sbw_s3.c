/* sbw_s3: a small S3 client (PUT, GET, ListObjectsV2) on libcurl SigV4 and expat (see sbw_s3.h). */
#include "sbw_s3.h"

#include "sbw_err.h"

#include "sbw_log.h"

#include <curl/curl.h>
#include <errno.h>
#include <expat.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

struct sbw_s3 {
    sbw_s3_opts_t o;
    char bucket[SBW_S3_BUCKET_MAX];
    char sigv4[SBW_S3_REGION_MAX + 16]; /* "aws:amz:<region>:s3" */
    CURL *curl;                         /* reused: keeps the connection alive */
    uint64_t rng;                       /* xorshift state for backoff jitter */
};

#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* Copies src into a fixed buffer; -1 if it does not fit. */
static int copy_str(char *dst, size_t dstlen, const char *src)
{
    size_t n = strlen(src);
    if (n >= dstlen)
        return -1;
    memcpy(dst, src, n + 1);
    return 0;
}

/* ------------------------------------------------------------------ pure part */

void sbw_s3_opts_init(sbw_s3_opts_t *o)
{
    memset(o, 0, sizeof *o);
    copy_str(o->region, sizeof o->region, SBW_S3_DEFAULT_REGION);
    o->connect_timeout_ms = SBW_S3_DEFAULT_CONNECT_TIMEOUT_MS;
    o->timeout_ms = SBW_S3_DEFAULT_TIMEOUT_MS;
    o->max_attempts = SBW_S3_DEFAULT_MAX_ATTEMPTS;
    o->backoff_base_ms = SBW_S3_DEFAULT_BACKOFF_BASE_MS;
    o->backoff_max_ms = SBW_S3_DEFAULT_BACKOFF_MAX_MS;
}

static int is_lower_alnum(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

int sbw_s3_opts_check(sbw_s3_opts_t *o, char *err, size_t errlen)
{
    size_t rl = strnlen(o->region, sizeof o->region);
    if (rl == 0 || rl >= sizeof o->region) {
        sbw_err_set(err, errlen, "S3 region is empty or too long");
        return SBW_S3_EINVAL;
    }
    for (size_t i = 0; i < rl; i++) {
        if (!is_lower_alnum((unsigned char)o->region[i]) && o->region[i] != '-') {
            sbw_err_set(err, errlen, "S3 region '%s' has characters other than a-z 0-9 -", o->region);
            return SBW_S3_EINVAL;
        }
    }
    size_t el = strnlen(o->endpoint, sizeof o->endpoint);
    if (el >= sizeof o->endpoint) {
        sbw_err_set(err, errlen, "S3 endpoint URL is too long");
        return SBW_S3_EINVAL;
    }
    if (el > 0) {
        const char *host;
        if (strncmp(o->endpoint, "http://", 7) == 0)
            host = o->endpoint + 7;
        else if (strncmp(o->endpoint, "https://", 8) == 0)
            host = o->endpoint + 8;
        else {
            sbw_err_set(err, errlen, "S3 endpoint '%s' must start with http:// or https://",
                    o->endpoint);
            return SBW_S3_EINVAL;
        }
        while (el > 0 && o->endpoint[el - 1] == '/')
            o->endpoint[--el] = '\0';
        if (*host == '\0' || *host == '/' || host > o->endpoint + el) {
            sbw_err_set(err, errlen, "S3 endpoint '%s' has no host", o->endpoint);
            return SBW_S3_EINVAL;
        }
        for (const char *p = o->endpoint; *p; p++) {
            unsigned char c = (unsigned char)*p;
            if (c <= ' ' || c >= 0x7f || c == '?' || c == '#' || c == '@' || c == '\\') {
                sbw_err_set(err, errlen,
                        "S3 endpoint '%s' may not contain spaces, '?', '#', '@' or user info",
                        o->endpoint);
                return SBW_S3_EINVAL;
            }
        }
    }
    if (o->connect_timeout_ms < 1 || o->timeout_ms < 1 || o->connect_timeout_ms > 3600000L ||
        o->timeout_ms > 24L * 3600000L) {
        sbw_err_set(err, errlen, "S3 timeouts out of range (connect %ld ms, total %ld ms)",
                o->connect_timeout_ms, o->timeout_ms);
        return SBW_S3_EINVAL;
    }
    if (o->max_attempts < 1 || o->max_attempts > SBW_S3_MAX_ATTEMPTS_LIMIT) {
        sbw_err_set(err, errlen, "S3 max attempts %d outside 1..%d", o->max_attempts,
                SBW_S3_MAX_ATTEMPTS_LIMIT);
        return SBW_S3_EINVAL;
    }
    if (o->backoff_base_ms < 0 || o->backoff_max_ms < o->backoff_base_ms ||
        o->backoff_max_ms > 600000L) {
        sbw_err_set(err, errlen, "S3 backoff out of range (base %ld ms, max %ld ms)",
                o->backoff_base_ms, o->backoff_max_ms);
        return SBW_S3_EINVAL;
    }
    if (strnlen(o->access_key_id, sizeof o->access_key_id) >= sizeof o->access_key_id ||
        strnlen(o->secret_access_key, sizeof o->secret_access_key) >= sizeof o->secret_access_key ||
        strnlen(o->session_token, sizeof o->session_token) >= sizeof o->session_token) {
        sbw_err_set(err, errlen, "S3 credentials are not NUL-terminated");
        return SBW_S3_EINVAL;
    }
    return 0;
}

int sbw_s3_bucket_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n < 3 || n > 63)
        return 0;
    if (!is_lower_alnum((unsigned char)name[0]) || !is_lower_alnum((unsigned char)name[n - 1]))
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!is_lower_alnum((unsigned char)c) && c != '.' && c != '-')
            return 0;
        if (c == '.' && name[i + 1] == '.')
            return 0;
    }
    return 1;
}

int sbw_s3_uri_encode(const char *s, int keep_slash, char *out, size_t outlen)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t j = 0;
    if (outlen == 0)
        return -1;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        int plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/');
        size_t need = plain ? 1 : 3;
        if (j + need >= outlen) {
            out[0] = '\0';
            return -1;
        }
        if (plain) {
            out[j++] = (char)c;
        } else {
            out[j++] = '%';
            out[j++] = hex[c >> 4];
            out[j++] = hex[c & 15];
        }
    }
    out[j] = '\0';
    return 0;
}

/* Appends s to out at *pos; -1 if it does not fit. */
static int append(char *out, size_t outlen, size_t *pos, const char *s)
{
    size_t n = strlen(s);
    if (*pos + n >= outlen)
        return -1;
    memcpy(out + *pos, s, n + 1);
    *pos += n;
    return 0;
}

/* Appends s encoded; -1 if it does not fit. */
static int append_enc(char *out, size_t outlen, size_t *pos, const char *s, int keep_slash)
{
    if (*pos >= outlen)
        return -1;
    if (sbw_s3_uri_encode(s, keep_slash, out + *pos, outlen - *pos) != 0)
        return -1;
    *pos += strlen(out + *pos);
    return 0;
}

/* Writes the bucket's base URL (no trailing '/') into out. */
static int bucket_base(const sbw_s3_opts_t *o, const char *bucket, char *out, size_t outlen,
                       size_t *pos)
{
    char aws[SBW_S3_REGION_MAX + 64];
    const char *ep = o->endpoint;
    if (!ep[0]) {
        snprintf(aws, sizeof aws, "https://s3.%s.amazonaws.com", o->region);
        ep = aws;
    }
    *pos = 0;
    out[0] = '\0';
    if (o->path_style || strchr(bucket, '.')) {
        if (append(out, outlen, pos, ep) || append(out, outlen, pos, "/") ||
            append(out, outlen, pos, bucket))
            return -1;
        return 0;
    }
    const char *sep = strstr(ep, "://");
    size_t schemelen = (size_t)(sep - ep) + 3;
    if (schemelen + 1 >= outlen)
        return -1;
    memcpy(out, ep, schemelen);
    out[schemelen] = '\0';
    *pos = schemelen;
    if (append(out, outlen, pos, bucket) || append(out, outlen, pos, ".") ||
        append(out, outlen, pos, ep + schemelen))
        return -1;
    return 0;
}

int sbw_s3_object_url(const sbw_s3_opts_t *o, const char *bucket, const char *key, char *out,
                      size_t outlen)
{
    size_t pos = 0;
    if (outlen == 0 || bucket_base(o, bucket, out, outlen, &pos) != 0)
        return -1;
    if (key && key[0]) {
        if (append(out, outlen, &pos, "/") || append_enc(out, outlen, &pos, key, 1))
            return -1;
    } else if (!(o->path_style || strchr(bucket, '.'))) {
        if (append(out, outlen, &pos, "/"))
            return -1;
    }
    return 0;
}

int sbw_s3_list_url(const sbw_s3_opts_t *o, const char *bucket, const char *prefix,
                    const char *start_after, const char *token, char *out, size_t outlen)
{
    size_t pos = 0;
    if (sbw_s3_object_url(o, bucket, NULL, out, outlen) != 0)
        return -1;
    pos = strlen(out);
    /* Sorted by parameter name, as SigV4's canonical query string must be. */
    if (append(out, outlen, &pos, "?"))
        return -1;
    if (token && token[0]) {
        if (append(out, outlen, &pos, "continuation-token=") ||
            append_enc(out, outlen, &pos, token, 0) || append(out, outlen, &pos, "&"))
            return -1;
    }
    if (append(out, outlen, &pos, "list-type=2"))
        return -1;
    if (prefix && prefix[0]) {
        if (append(out, outlen, &pos, "&prefix=") || append_enc(out, outlen, &pos, prefix, 0))
            return -1;
    }
    if (start_after && start_after[0] && !(token && token[0])) {
        if (append(out, outlen, &pos, "&start-after=") ||
            append_enc(out, outlen, &pos, start_after, 0))
            return -1;
    }
    return 0;
}

int sbw_s3_sha256_hex(const void *data, size_t len, char out[65])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    out[0] = '\0';
    if (EVP_Digest(len ? data : "", len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
        return -1;
    for (unsigned i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
    return 0;
}

static int slist_add(struct curl_slist **list, const char *line)
{
    struct curl_slist *n = curl_slist_append(*list, line);
    if (!n)
        return -1;
    *list = n;
    return 0;
}

int sbw_s3_headers(const sbw_s3_opts_t *o, const char *payload_sha256_hex, const char *content_type,
                   struct curl_slist **out)
{
    struct curl_slist *l = NULL;
    char line[SBW_S3_SESSION_TOKEN_MAX + 64];
    int rc = -1;
    *out = NULL;
    snprintf(line, sizeof line, "x-amz-content-sha256: %s", payload_sha256_hex);
    if (slist_add(&l, line))
        goto out;
    if (o->session_token[0]) {
        snprintf(line, sizeof line, "X-Amz-Security-Token: %s", o->session_token);
        if (slist_add(&l, line))
            goto out;
    }
    if (content_type) {
        snprintf(line, sizeof line, "Content-Type: %s", content_type);
        if (slist_add(&l, line))
            goto out;
    }
    *out = l;
    l = NULL;
    rc = 0;
out:
    curl_slist_free_all(l);
    return rc;
}

/* Reads exactly n digits. */
static int take_digits(const char **p, int n, int *v)
{
    int x = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return -1;
        x = x * 10 + (c - '0');
    }
    *p += n;
    *v = x;
    return 0;
}

static int take_char(const char **p, char c)
{
    if (**p != c)
        return -1;
    (*p)++;
    return 0;
}

int sbw_s3_parse_time_ms(const char *iso, int64_t *out)
{
    const char *p = iso;
    int Y, M, D, h, m, s, ms = 0;
    if (!p || take_digits(&p, 4, &Y) || take_char(&p, '-') || take_digits(&p, 2, &M) ||
        take_char(&p, '-') || take_digits(&p, 2, &D) || take_char(&p, 'T') ||
        take_digits(&p, 2, &h) || take_char(&p, ':') || take_digits(&p, 2, &m) ||
        take_char(&p, ':') || take_digits(&p, 2, &s))
        return -1;
    if (*p == '.') {
        p++;
        int nd = 0;
        while (*p >= '0' && *p <= '9') {
            if (nd < 3)
                ms = ms * 10 + (*p - '0');
            nd++;
            p++;
        }
        if (nd == 0 || nd > 9)
            return -1;
        for (int i = nd; i < 3; i++)
            ms *= 10;
    }
    if (strcmp(p, "Z") != 0 && strcmp(p, "+00:00") != 0)
        return -1;
    if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || s > 60)
        return -1;
    struct tm tm = {0};
    tm.tm_year = Y - 1900;
    tm.tm_mon = M - 1;
    tm.tm_mday = D;
    tm.tm_hour = h;
    tm.tm_min = m;
    tm.tm_sec = s;
    time_t t = timegm(&tm);
    if (t == (time_t)-1 && !(Y == 1969 && M == 12 && D == 31))
        return -1;
    *out = (int64_t)t * 1000 + ms;
    return 0;
}

int sbw_s3_status_retryable(long http_status, const char *code)
{
    static const char *transient[] = {"SlowDown",      "RequestTimeout",
                                      "InternalError", "ServiceUnavailable",
                                      "Throttling",    "ThrottlingException"};
    if (http_status >= 500 && http_status <= 599)
        return 1;
    if (http_status == 429)
        return 1;
    for (size_t i = 0; code && i < sizeof transient / sizeof transient[0]; i++)
        if (strcmp(code, transient[i]) == 0)
            return 1;
    return 0;
}

long sbw_s3_backoff_ms(const sbw_s3_opts_t *o, int retry, uint32_t rnd)
{
    long cap = o->backoff_base_ms;
    for (int i = 1; i < retry && cap < o->backoff_max_ms; i++)
        cap *= 2;
    if (cap > o->backoff_max_ms)
        cap = o->backoff_max_ms;
    long half = cap / 2;
    return half + (long)(rnd % (uint32_t)(cap - half + 1));
}

/* ---- XML (expat) ---- */

/* Collects the text of the element being read, up to a limit. */
typedef struct {
    char *buf;
    size_t len, cap, limit;
    int active, overflow;
} text_t;

static void text_start(text_t *t, size_t limit)
{
    t->len = 0;
    t->limit = limit;
    t->active = 1;
    t->overflow = 0;
    if (t->buf)
        t->buf[0] = '\0';
}

static int text_add(text_t *t, const char *s, int n)
{
    if (!t->active || n <= 0)
        return 0;
    if (t->len + (size_t)n > t->limit) {
        t->overflow = 1;
        return 0;
    }
    if (t->len + (size_t)n + 1 > t->cap) {
        size_t nc = t->cap ? t->cap : 256;
        while (nc < t->len + (size_t)n + 1)
            nc *= 2;
        char *nb = realloc(t->buf, nc);
        if (!nb)
            return -1;
        t->buf = nb;
        t->cap = nc;
    }
    memcpy(t->buf + t->len, s, (size_t)n);
    t->len += (size_t)n;
    t->buf[t->len] = '\0';
    return 0;
}

static const char *text_str(const text_t *t)
{
    return t->buf && t->len ? t->buf : "";
}

enum { F_NONE, F_KEY, F_SIZE, F_ETAG, F_LASTMOD, F_TRUNC, F_TOKEN };

typedef struct {
    XML_Parser p;
    int depth;
    int in_contents; /* inside a Contents element (depth 2) */
    int field;       /* which field the current text belongs to */
    text_t text;
    sbw_s3_list_page_t *page;
    size_t cap;
    sbw_s3_object_t cur;
    int have_key;
    int failed;
    char msg[256];
} list_ctx_t;

static void list_fail(list_ctx_t *c, const char *msg)
{
    if (!c->failed) {
        c->failed = 1;
        snprintf(c->msg, sizeof c->msg, "%s", msg);
    }
    XML_StopParser(c->p, XML_FALSE);
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal_subset)
{
    list_ctx_t *c = ud;
    list_fail(c, "a DOCTYPE is not allowed");
}

static void XMLCALL list_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    list_ctx_t *c = ud;
    c->depth++;
    if (c->depth == 1) {
        if (strcmp(name, "ListBucketResult") != 0)
            list_fail(c, "root element is not ListBucketResult");
        return;
    }
    c->field = F_NONE;
    c->text.active = 0;
    if (c->depth == 2) {
        if (strcmp(name, "Contents") == 0) {
            c->in_contents = 1;
            memset(&c->cur, 0, sizeof c->cur);
            c->have_key = 0;
        } else if (strcmp(name, "IsTruncated") == 0) {
            c->field = F_TRUNC;
        } else if (strcmp(name, "NextContinuationToken") == 0) {
            c->field = F_TOKEN;
        }
    } else if (c->depth == 3 && c->in_contents) {
        if (strcmp(name, "Key") == 0)
            c->field = F_KEY;
        else if (strcmp(name, "Size") == 0)
            c->field = F_SIZE;
        else if (strcmp(name, "ETag") == 0)
            c->field = F_ETAG;
        else if (strcmp(name, "LastModified") == 0)
            c->field = F_LASTMOD;
    }
    if (c->field != F_NONE)
        text_start(&c->text, c->field == F_TOKEN ? SBW_S3_TOKEN_MAX : SBW_S3_KEY_MAX);
}

static void XMLCALL list_text(void *ud, const XML_Char *s, int len)
{
    list_ctx_t *c = ud;
    if (text_add(&c->text, s, len) != 0)
        list_fail(c, "out of memory");
}

static char *dup_etag(const char *s)
{
    size_t n = strlen(s);
    if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
        s++;
        n -= 2;
    }
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

static void list_end_field(list_ctx_t *c)
{
    const char *t = text_str(&c->text);
    if (c->text.overflow) {
        list_fail(c, c->field == F_TOKEN ? "NextContinuationToken is too long"
                                         : "a listed value is longer than the key limit");
        return;
    }
    switch (c->field) {
    case F_KEY:
        free(c->cur.key);
        c->cur.key = strdup(t);
        if (!c->cur.key)
            list_fail(c, "out of memory");
        c->have_key = 1;
        break;
    case F_SIZE: {
        char *end;
        errno = 0;
        long long v = strtoll(t, &end, 10);
        if (errno || end == t || *end || v < 0)
            list_fail(c, "a listed Size is not a non-negative number");
        c->cur.size = (int64_t)v;
        break;
    }
    case F_ETAG:
        free(c->cur.etag);
        c->cur.etag = dup_etag(t);
        if (!c->cur.etag)
            list_fail(c, "out of memory");
        break;
    case F_LASTMOD:
        if (sbw_s3_parse_time_ms(t, &c->cur.last_modified_ms) != 0)
            c->cur.last_modified_ms = 0;
        break;
    case F_TRUNC:
        c->page->is_truncated = strcmp(t, "true") == 0;
        break;
    case F_TOKEN:
        free(c->page->next_token);
        c->page->next_token = t[0] ? strdup(t) : NULL;
        if (t[0] && !c->page->next_token)
            list_fail(c, "out of memory");
        break;
    default:
        break;
    }
}

static void XMLCALL list_end(void *ud, const XML_Char *name)
{
    list_ctx_t *c = ud;
    if (c->field != F_NONE) {
        list_end_field(c);
        c->field = F_NONE;
        c->text.active = 0;
    }
    if (c->depth == 2 && c->in_contents) {
        c->in_contents = 0;
        if (!c->failed && (!c->have_key || !c->cur.key[0])) {
            list_fail(c, "a Contents element has no Key");
        } else if (!c->failed) {
            if (!c->cur.etag)
                c->cur.etag = strdup("");
            if (c->page->n == c->cap) {
                size_t nc = c->cap ? c->cap * 2 : 64;
                sbw_s3_object_t *no = realloc(c->page->objects, nc * sizeof *no);
                if (!no || !c->cur.etag) {
                    list_fail(c, "out of memory");
                } else {
                    c->page->objects = no;
                    c->cap = nc;
                }
            }
            if (!c->failed) {
                c->page->objects[c->page->n++] = c->cur;
                memset(&c->cur, 0, sizeof c->cur);
            }
        }
        free(c->cur.key);
        free(c->cur.etag);
        memset(&c->cur, 0, sizeof c->cur);
    }
    c->depth--;
}

void sbw_s3_list_page_cleanup(sbw_s3_list_page_t *page)
{
    if (!page)
        return;
    for (size_t i = 0; i < page->n; i++) {
        free(page->objects[i].key);
        free(page->objects[i].etag);
    }
    free(page->objects);
    free(page->next_token);
    memset(page, 0, sizeof *page);
}

int sbw_s3_list_parse(const char *xml, size_t len, sbw_s3_list_page_t *page, char *err,
                      size_t errlen)
{
    list_ctx_t c;
    int rc = SBW_S3_EFAIL;
    memset(page, 0, sizeof *page);
    memset(&c, 0, sizeof c);
    c.page = page;
    if (len > INT32_MAX) {
        sbw_err_set(err, errlen, "listing response too large");
        return SBW_S3_EFAIL;
    }
    c.p = XML_ParserCreate(NULL);
    if (!c.p) {
        sbw_err_set(err, errlen, "out of memory");
        goto out;
    }
    XML_SetUserData(c.p, &c);
    XML_SetElementHandler(c.p, list_start, list_end);
    XML_SetCharacterDataHandler(c.p, list_text);
    XML_SetStartDoctypeDeclHandler(c.p, on_doctype);
    if (XML_Parse(c.p, xml ? xml : "", (int)len, XML_TRUE) != XML_STATUS_OK) {
        if (c.failed)
            sbw_err_set(err, errlen, "bad listing XML: %s", c.msg);
        else
            sbw_err_set(err, errlen, "bad listing XML: %s at line %lu",
                    XML_ErrorString(XML_GetErrorCode(c.p)),
                    (unsigned long)XML_GetCurrentLineNumber(c.p));
        goto out;
    }
    if (c.failed) {
        sbw_err_set(err, errlen, "bad listing XML: %s", c.msg);
        goto out;
    }
    rc = 0;
out:
    if (c.p)
        XML_ParserFree(c.p);
    free(c.cur.key);
    free(c.cur.etag);
    free(c.text.buf);
    if (rc != 0)
        sbw_s3_list_page_cleanup(page);
    return rc;
}

typedef struct {
    XML_Parser p;
    sbw_s3_error_t *e;
    int depth;
    int is_error; /* the root is <Error> */
    char *field;  /* the member of *e being read, or NULL */
    size_t fieldlen, used;
} err_parse_t;

static void XMLCALL err_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    err_parse_t *x = ud;
    x->depth++;
    x->field = NULL;
    if (x->depth == 1)
        x->is_error = strcmp(name, "Error") == 0;
    if (x->depth != 2 || !x->is_error)
        return;
    if (strcmp(name, "Code") == 0) {
        x->field = x->e->code;
        x->fieldlen = sizeof x->e->code;
    } else if (strcmp(name, "Message") == 0) {
        x->field = x->e->message;
        x->fieldlen = sizeof x->e->message;
    } else if (strcmp(name, "RequestId") == 0) {
        x->field = x->e->request_id;
        x->fieldlen = sizeof x->e->request_id;
    }
    if (x->field) {
        x->field[0] = '\0';
        x->used = 0;
    }
}

static void XMLCALL err_end(void *ud, const XML_Char *name)
{
    err_parse_t *x = ud;
    x->field = NULL;
    x->depth--;
}

static void XMLCALL err_text(void *ud, const XML_Char *s, int len)
{
    err_parse_t *x = ud;
    if (!x->field || len <= 0)
        return;
    size_t room = x->fieldlen - 1 - x->used;
    size_t n = (size_t)len < room ? (size_t)len : room;
    memcpy(x->field + x->used, s, n);
    x->used += n;
    x->field[x->used] = '\0';
}

static void XMLCALL err_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                                const XML_Char *pubid, int has_internal_subset)
{
    err_parse_t *x = ud;
    x->is_error = 0;
    XML_StopParser(x->p, XML_FALSE);
}

int sbw_s3_error_parse(const char *xml, size_t len, sbw_s3_error_t *e)
{
    err_parse_t x;
    int rc = -1;
    memset(e, 0, sizeof *e);
    memset(&x, 0, sizeof x);
    x.e = e;
    if (!xml || len == 0 || len > INT32_MAX)
        return -1;
    x.p = XML_ParserCreate(NULL);
    if (!x.p)
        return -1;
    XML_SetUserData(x.p, &x);
    XML_SetElementHandler(x.p, err_start, err_end);
    XML_SetCharacterDataHandler(x.p, err_text);
    XML_SetStartDoctypeDeclHandler(x.p, err_doctype);
    if (XML_Parse(x.p, xml, (int)len, XML_TRUE) == XML_STATUS_OK && x.is_error)
        rc = 0;
    XML_ParserFree(x.p);
    if (rc != 0)
        memset(e, 0, sizeof *e);
    return rc;
}

/* ------------------------------------------------------------------ client */

/* One transfer's request and response. */
typedef struct {
    CURL *curl;
    const char *method; /* "GET" or "PUT" */
    const char *url;
    const void *body;
    size_t body_len;
    const char *content_type;
    size_t max_bytes; /* cap on a 2xx body */
    long status;      /* of the last status line seen */
    char *data;       /* 2xx body (malloc'd, NUL-terminated) */
    size_t len, cap;
    char *ebody; /* non-2xx body, first SBW_S3_ERROR_BODY_MAX bytes */
    size_t elen;
    int too_large, nomem;
} xfer_t;

static void xfer_reset(xfer_t *x)
{
    free(x->data);
    free(x->ebody);
    x->data = x->ebody = NULL;
    x->len = x->cap = x->elen = 0;
    x->status = 0;
    x->too_large = x->nomem = 0;
}

static int is_2xx(long s)
{
    return s >= 200 && s <= 299;
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *ud)
{
    xfer_t *x = ud;
    size_t n = size * nmemb;
    if (n > 5 && strncmp(line, "HTTP/", 5) == 0) {
        const char *sp = memchr(line, ' ', n);
        if (sp && (size_t)(sp - line) + 4 <= n)
            x->status = strtol(sp + 1, NULL, 10);
        return n;
    }
    if (is_2xx(x->status) && n > 15 && strncasecmp(line, "Content-Length:", 15) == 0) {
        char num[32];
        size_t l = n - 15 < sizeof num - 1 ? n - 15 : sizeof num - 1;
        memcpy(num, line + 15, l);
        num[l] = '\0';
        unsigned long long cl = strtoull(num, NULL, 10);
        if (cl > (unsigned long long)x->max_bytes) {
            x->too_large = 1;
            return 0; /* aborts before the body */
        }
    }
    return n;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
    xfer_t *x = ud;
    size_t n = size * nmemb;
    if (!is_2xx(x->status)) {
        size_t room = SBW_S3_ERROR_BODY_MAX - x->elen;
        size_t take = n < room ? n : room;
        if (take > 0) {
            if (!x->ebody) {
                x->ebody = malloc(SBW_S3_ERROR_BODY_MAX + 1);
                if (!x->ebody) {
                    x->nomem = 1;
                    return 0;
                }
            }
            memcpy(x->ebody + x->elen, ptr, take);
            x->elen += take;
            x->ebody[x->elen] = '\0';
        }
        return n;
    }
    if (n > x->max_bytes - x->len) {
        x->too_large = 1;
        return 0; /* stops the transfer: nothing beyond max_bytes is kept */
    }
    if (x->len + n + 1 > x->cap) {
        size_t nc = x->cap ? x->cap : 4096;
        while (nc < x->len + n + 1)
            nc *= 2;
        char *nd = realloc(x->data, nc);
        if (!nd) {
            x->nomem = 1;
            return 0;
        }
        x->data = nd;
        x->cap = nc;
    }
    memcpy(x->data + x->len, ptr, n);
    x->len += n;
    x->data[x->len] = '\0';
    return n;
}

static int curl_retryable(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return 1;
    default:
        return 0;
    }
}

static uint32_t next_rand(sbw_s3_t *s3)
{
    uint64_t v = s3->rng;
    v ^= v >> 12;
    v ^= v << 25;
    v ^= v >> 27;
    s3->rng = v;
    return (uint32_t)((v * 2685821657736338717ULL) >> 32);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Runs one attempt. Returns the CURLcode; x->status holds the HTTP status. */
static CURLcode run_once(sbw_s3_t *s3, xfer_t *x, char *curlerr)
{
    char sha[65];
    struct curl_slist *hdrs = NULL;
    CURL *c = s3->curl;
    CURLcode rc;
    curl_easy_reset(c); /* keeps the live connection */
    curlerr[0] = '\0';
    if (sbw_s3_sha256_hex(x->body, x->body_len, sha) != 0)
        return CURLE_OUT_OF_MEMORY;
    if (sbw_s3_headers(&s3->o, sha, x->content_type, &hdrs) != 0)
        return CURLE_OUT_OF_MEMORY;
    x->curl = c;
    curl_easy_setopt(c, CURLOPT_URL, x->url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, s3->o.connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, s3->o.timeout_ms);
    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "sbw-s3/1");
    curl_easy_setopt(c, CURLOPT_AWS_SIGV4, s3->sigv4);
    curl_easy_setopt(c, CURLOPT_USERNAME, s3->o.access_key_id);
    curl_easy_setopt(c, CURLOPT_PASSWORD, s3->o.secret_access_key);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curlerr);
    if (strcmp(x->method, "PUT") == 0) {
        /* The body from memory: libcurl 7.88 hashes POSTFIELDS for the signature, which agrees
         * with our x-amz-content-sha256 either way. */
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PUT");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->body_len);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, x->body_len ? x->body : "");
    } else {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    }
    rc = curl_easy_perform(c);
    if (rc == CURLE_OK) {
        long st = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
        x->status = st;
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
    curl_slist_free_all(hdrs);
    return rc;
}

/* Runs a request with retries. what names it for messages ("GET s3://b/k"), ctx for logs.
 * not_found_ok: a 404 becomes SBW_S3_ENOTFOUND. On 0 the 2xx body is in x->data. */
static int perform(sbw_s3_t *s3, xfer_t *x, const char *what, const char *ctx, int object_get,
                   char *err, size_t errlen)
{
    char curlerr[CURL_ERROR_SIZE];
    char why[1024];
    for (int attempt = 1;; attempt++) {
        xfer_reset(x);
        CURLcode rc = run_once(s3, x, curlerr);
        int retry;
        if (x->too_large) {
            sbw_err_set(err, errlen, "S3 %s: object is larger than the limit of %zu bytes", what,
                    x->max_bytes);
            return SBW_S3_ETOOLARGE;
        }
        if (x->nomem || rc == CURLE_OUT_OF_MEMORY) {
            sbw_err_set(err, errlen, "S3 %s: out of memory", what);
            return SBW_S3_EFAIL;
        }
        if (rc != CURLE_OK) {
            snprintf(why, sizeof why, "%s%s%s", curl_easy_strerror(rc), curlerr[0] ? ": " : "",
                     curlerr);
            retry = curl_retryable(rc);
        } else if (is_2xx(x->status)) {
            if (!x->data) {
                x->data = malloc(1);
                if (!x->data) {
                    sbw_err_set(err, errlen, "S3 %s: out of memory", what);
                    return SBW_S3_EFAIL;
                }
                x->data[0] = '\0';
            }
            return 0;
        } else {
            sbw_s3_error_t e;
            sbw_s3_error_parse(x->ebody, x->elen, &e);
            if (x->status == 404 && object_get &&
                (strcmp(e.code, "NoSuchKey") == 0 || e.code[0] == '\0')) {
                sbw_err_set(err, errlen, "S3 %s: no such key (HTTP 404%s%s)", what,
                        e.code[0] ? " " : "", e.code);
                return SBW_S3_ENOTFOUND;
            }
            snprintf(why, sizeof why, "HTTP %ld %s%s%s%s%s%s", x->status,
                     e.code[0] ? e.code : "(no S3 error code)", e.message[0] ? ": " : "", e.message,
                     e.request_id[0] ? " (request id " : "", e.request_id,
                     e.request_id[0] ? ")" : "");
            retry = sbw_s3_status_retryable(x->status, e.code);
        }
        if (!retry || attempt >= s3->o.max_attempts) {
            if (attempt > 1)
                sbw_err_set(err, errlen, "S3 %s: %s (gave up after %d attempts)", what, why, attempt);
            else
                sbw_err_set(err, errlen, "S3 %s: %s", what, why);
            return SBW_S3_EFAIL;
        }
        long ms = sbw_s3_backoff_ms(&s3->o, attempt, next_rand(s3));
        SBW_WARN(ctx, "S3 %s: %s; retry %d of %d in %ld ms", what, why, attempt,
                 s3->o.max_attempts - 1, ms);
        sleep_ms(ms);
    }
}

int sbw_s3_new(const char *bucket, const sbw_s3_opts_t *opts, sbw_s3_t **out, char *err,
               size_t errlen)
{
    sbw_s3_t *s3 = NULL;
    int rc = SBW_S3_EINVAL;
    *out = NULL;
    if (!sbw_s3_bucket_valid(bucket)) {
        sbw_err_set(err, errlen,
                "'%s' is not a valid S3 bucket name (3-63 of a-z 0-9 . -, "
                "starting and ending with a letter or digit)",
                bucket ? bucket : "(null)");
        goto out;
    }
    s3 = calloc(1, sizeof *s3);
    if (!s3) {
        rc = SBW_S3_EFAIL;
        sbw_err_set(err, errlen, "out of memory");
        goto out;
    }
    s3->o = *opts;
    if ((rc = sbw_s3_opts_check(&s3->o, err, errlen)) != 0)
        goto out;
    rc = SBW_S3_EINVAL;
    if (!s3->o.access_key_id[0] || !s3->o.secret_access_key[0]) {
        sbw_err_set(err, errlen,
                "S3 credentials missing: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
        goto out;
    }
    copy_str(s3->bucket, sizeof s3->bucket, bucket);
    snprintf(s3->sigv4, sizeof s3->sigv4, "aws:amz:%s:s3", s3->o.region);
    rc = SBW_S3_EFAIL;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        sbw_err_set(err, errlen, "libcurl initialisation failed");
        goto out;
    }
    s3->curl = curl_easy_init();
    if (!s3->curl) {
        sbw_err_set(err, errlen, "libcurl easy handle: out of memory");
        goto out;
    }
    if (getrandom(&s3->rng, sizeof s3->rng, GRND_NONBLOCK) != (ssize_t)sizeof s3->rng)
        s3->rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    if (s3->rng == 0)
        s3->rng = 0x9e3779b97f4a7c15ULL;
    *out = s3;
    s3 = NULL;
    rc = 0;
out:
    sbw_s3_free(s3);
    return rc;
}

void sbw_s3_free(sbw_s3_t *s3)
{
    if (!s3)
        return;
    if (s3->curl)
        curl_easy_cleanup(s3->curl);
    /* Do not leave credentials behind in freed memory. */
    explicit_bzero(&s3->o, sizeof s3->o);
    free(s3);
}

/* "s3://bucket/key" for messages, truncated to fit. */
static void describe_obj(const sbw_s3_t *s3, const char *key, char *out, size_t outlen)
{
    snprintf(out, outlen, "s3://%s/%s", s3->bucket, key ? key : "");
}

static int check_key(const sbw_s3_t *s3, const char *op, const char *key, char *err, size_t errlen)
{
    size_t n = key ? strlen(key) : 0;
    if (n == 0 || n > SBW_S3_KEY_MAX) {
        sbw_err_set(err, errlen, "S3 %s s3://%s: key is empty or longer than %d bytes", op, s3->bucket,
                SBW_S3_KEY_MAX);
        return SBW_S3_EINVAL;
    }
    return 0;
}

int sbw_s3_put(sbw_s3_t *s3, const char *key, const void *data, size_t len,
               const char *content_type, char *err, size_t errlen)
{
    char url[SBW_S3_URL_MAX], what[SBW_S3_KEY_MAX + SBW_S3_BUCKET_MAX + 16];
    xfer_t x;
    int rc;
    if ((rc = check_key(s3, "PUT", key, err, errlen)) != 0)
        return rc;
    if (len > 0 && !data) {
        sbw_err_set(err, errlen, "S3 PUT: data is NULL");
        return SBW_S3_EINVAL;
    }
    describe_obj(s3, key, what + 4, sizeof what - 4);
    memcpy(what, "PUT ", 4);
    if (sbw_s3_object_url(&s3->o, s3->bucket, key, url, sizeof url) != 0) {
        sbw_err_set(err, errlen, "S3 %s: URL too long", what);
        return SBW_S3_EINVAL;
    }
    memset(&x, 0, sizeof x);
    x.method = "PUT";
    x.url = url;
    x.body = data;
    x.body_len = len;
    x.content_type = content_type ? content_type : "application/octet-stream";
    x.max_bytes = SBW_S3_ERROR_BODY_MAX;
    rc = perform(s3, &x, what, key, 0, err, errlen);
    if (rc == SBW_S3_ETOOLARGE) {
        sbw_err_set(err, errlen, "S3 %s: response body too large", what);
        rc = SBW_S3_EFAIL;
    }
    if (rc == 0)
        SBW_DEBUG(key, "S3 %s: %zu bytes stored", what, len);
    xfer_reset(&x);
    return rc;
}

int sbw_s3_get(sbw_s3_t *s3, const char *key, size_t max_bytes, char **data, size_t *len, char *err,
               size_t errlen)
{
    char url[SBW_S3_URL_MAX], what[SBW_S3_KEY_MAX + SBW_S3_BUCKET_MAX + 16];
    xfer_t x;
    int rc;
    *data = NULL;
    *len = 0;
    if ((rc = check_key(s3, "GET", key, err, errlen)) != 0)
        return rc;
    describe_obj(s3, key, what + 4, sizeof what - 4);
    memcpy(what, "GET ", 4);
    if (sbw_s3_object_url(&s3->o, s3->bucket, key, url, sizeof url) != 0) {
        sbw_err_set(err, errlen, "S3 %s: URL too long", what);
        return SBW_S3_EINVAL;
    }
    memset(&x, 0, sizeof x);
    x.method = "GET";
    x.url = url;
    x.max_bytes = max_bytes;
    rc = perform(s3, &x, what, key, 1, err, errlen);
    if (rc == 0) {
        *data = x.data;
        *len = x.len;
        x.data = NULL;
    }
    xfer_reset(&x);
    return rc;
}

int sbw_s3_list(sbw_s3_t *s3, const char *prefix, const char *start_after, sbw_s3_list_fn cb,
                void *ud, char *err, size_t errlen)
{
    char url[SBW_S3_URL_MAX], what[2 * SBW_S3_KEY_MAX + SBW_S3_BUCKET_MAX + 64];
    char *token = NULL, *last = NULL;
    sbw_s3_list_page_t page = {0};
    xfer_t x;
    int rc = SBW_S3_EFAIL;
    unsigned long pages = 0, objects = 0;
    memset(&x, 0, sizeof x);
    if (!prefix)
        prefix = "";
    if (!start_after)
        start_after = "";
    if (strlen(prefix) > SBW_S3_KEY_MAX || strlen(start_after) > SBW_S3_KEY_MAX) {
        sbw_err_set(err, errlen, "S3 LIST s3://%s: prefix or start_after longer than %d bytes",
                s3->bucket, SBW_S3_KEY_MAX);
        return SBW_S3_EINVAL;
    }
    if (start_after[0]) {
        last = strdup(start_after);
        if (!last) {
            sbw_err_set(err, errlen, "out of memory");
            goto out;
        }
    }
    for (;;) {
        snprintf(what, sizeof what, "LIST s3://%s/%s%s%s (page %lu)", s3->bucket, prefix,
                 start_after[0] ? " after " : "", start_after, pages + 1);
        if (sbw_s3_list_url(&s3->o, s3->bucket, prefix, start_after, token, url, sizeof url)) {
            sbw_err_set(err, errlen, "S3 %s: URL too long", what);
            goto out;
        }
        x.method = "GET";
        x.url = url;
        x.max_bytes = SBW_S3_LIST_BODY_MAX;
        rc = perform(s3, &x, what, prefix, 0, err, errlen);
        if (rc == SBW_S3_ETOOLARGE)
            sbw_err_set(err, errlen, "S3 %s: listing page larger than %u bytes", what,
                    SBW_S3_LIST_BODY_MAX);
        if (rc != 0) {
            rc = SBW_S3_EFAIL;
            goto out;
        }
        rc = SBW_S3_EFAIL;
        char perr[300];
        if (sbw_s3_list_parse(x.data, x.len, &page, perr, sizeof perr) != 0) {
            sbw_err_set(err, errlen, "S3 %s: %s", what, perr);
            goto out;
        }
        pages++;
        for (size_t i = 0; i < page.n; i++) {
            const sbw_s3_object_t *ob = &page.objects[i];
            if (last && strcmp(ob->key, last) <= 0) {
                sbw_err_set(err, errlen, "S3 %s: key '%s' is not after '%s' (listing out of order)",
                        what, ob->key, last);
                goto out;
            }
            if (strncmp(ob->key, prefix, strlen(prefix)) != 0) {
                sbw_err_set(err, errlen, "S3 %s: listed key '%s' lacks the prefix", what, ob->key);
                goto out;
            }
            free(last);
            last = strdup(ob->key);
            if (!last) {
                sbw_err_set(err, errlen, "out of memory");
                goto out;
            }
            objects++;
            if (cb(ob->key, ob->size, ob->etag, ob->last_modified_ms, ud) != 0) {
                rc = 0;
                goto out;
            }
        }
        if (!page.is_truncated)
            break;
        if (!page.next_token) {
            sbw_err_set(err, errlen, "S3 %s: IsTruncated without a NextContinuationToken", what);
            goto out;
        }
        if (token && strcmp(token, page.next_token) == 0) {
            sbw_err_set(err, errlen, "S3 %s: the server repeated the continuation token", what);
            goto out;
        }
        free(token);
        token = page.next_token;
        page.next_token = NULL;
        sbw_s3_list_page_cleanup(&page);
    }
    SBW_DEBUG(prefix, "S3 LIST s3://%s/%s: %lu objects in %lu pages", s3->bucket, prefix, objects,
              pages);
    rc = 0;
out:
    sbw_s3_list_page_cleanup(&page);
    xfer_reset(&x);
    free(token);
    free(last);
    return rc;
}
