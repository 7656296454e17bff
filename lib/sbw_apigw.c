/* sbw_apigw: API Gateway HTTP API v2 event parsing and response rendering (see sbw_apigw.h). */
#include "sbw_apigw.h"

#include "sbw_err.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "sbw_utf8.h"

#define NOT_V2 "event is not an API Gateway v2 payload: "

void sbw_apigw_limits_init(sbw_apigw_limits_t *lim)
{
    lim->max_event_bytes = SBW_APIGW_DEFAULT_MAX_EVENT;
    lim->max_body_bytes = SBW_APIGW_DEFAULT_MAX_BODY;
    lim->max_headers = SBW_APIGW_DEFAULT_MAX_HEADERS;
}

/* ---- base64 ---- */

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

static void describe_byte(char *buf, size_t n, unsigned char c)
{
    if (c > 0x20 && c < 0x7f)
        snprintf(buf, n, "character '%c'", c);
    else
        snprintf(buf, n, "byte 0x%02x", c);
}

int sbw_apigw_base64_decode(const char *in, size_t len, size_t max_out, char **out, size_t *outlen,
                            char *err, size_t errlen)
{
    *out = NULL;
    *outlen = 0;
    const unsigned char *s = (const unsigned char *)in;
    if (len % 4 != 0) {
        sbw_err_set(err, errlen, "not valid base64: length %zu is not a multiple of 4", len);
        return SBW_APIGW_EBODY;
    }
    size_t pad = 0; /* '=' may end the text, once or twice, and nowhere else */
    if (len >= 4 && s[len - 1] == '=')
        pad = s[len - 2] == '=' ? 2 : 1;
    /* Validate every byte before allocating: only the last pad bytes may be '='. */
    for (size_t i = 0; i < len - pad; i++) {
        if (b64_value(s[i]) < 0) {
            char what[32];
            describe_byte(what, sizeof what, s[i]);
            if (s[i] == '=')
                sbw_err_set(err, errlen, "not valid base64: padding '=' at offset %zu before the end",
                        i);
            else
                sbw_err_set(err, errlen, "not valid base64: invalid %s at offset %zu", what, i);
            return SBW_APIGW_EBODY;
        }
    }
    size_t n = len / 4 * 3 - pad;
    if (n > max_out) {
        sbw_err_set(err, errlen, "decoded size %zu exceeds the limit of %zu bytes", n, max_out);
        return SBW_APIGW_ETOOLARGE;
    }
    unsigned char *buf = malloc(n + 1);
    if (!buf) {
        sbw_err_set(err, errlen, "out of memory");
        return SBW_APIGW_ENOMEM;
    }
    size_t o = 0;
    for (size_t i = 0; i < len; i += 4) {
        int last = (i + 4 == len);
        unsigned v0 = (unsigned)b64_value(s[i]), v1 = (unsigned)b64_value(s[i + 1]);
        unsigned v2 = (last && pad == 2) ? 0 : (unsigned)b64_value(s[i + 2]);
        unsigned v3 = (last && pad >= 1) ? 0 : (unsigned)b64_value(s[i + 3]);
        uint32_t q = (v0 << 18) | (v1 << 12) | (v2 << 6) | v3;
        if (last && pad == 2 && (q & 0xffff) != 0) {
            sbw_err_set(err, errlen,
                    "not valid base64: non-zero bits after the last byte at offset %zu", i + 1);
            free(buf);
            return SBW_APIGW_EBODY;
        }
        if (last && pad == 1 && (q & 0xff) != 0) {
            sbw_err_set(err, errlen,
                    "not valid base64: non-zero bits after the last byte at offset %zu", i + 2);
            free(buf);
            return SBW_APIGW_EBODY;
        }
        buf[o++] = (unsigned char)(q >> 16);
        if (!(last && pad == 2))
            buf[o++] = (unsigned char)(q >> 8);
        if (!(last && pad >= 1))
            buf[o++] = (unsigned char)q;
    }
    buf[o] = '\0';
    *out = (char *)buf;
    *outlen = o;
    return 0;
}

static char *base64_encode(const unsigned char *in, size_t len)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (len > (SIZE_MAX - 1) / 4 * 3 - 3)
        return NULL;
    char *out = malloc((len + 2) / 3 * 4 + 1);
    if (!out)
        return NULL;
    size_t o = 0, i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t q = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8) | in[i + 2];
        out[o++] = tbl[q >> 18];
        out[o++] = tbl[(q >> 12) & 63];
        out[o++] = tbl[(q >> 6) & 63];
        out[o++] = tbl[q & 63];
    }
    if (len - i == 1) {
        uint32_t q = (uint32_t)in[i] << 16;
        out[o++] = tbl[q >> 18];
        out[o++] = tbl[(q >> 12) & 63];
        out[o++] = '=';
        out[o++] = '=';
    } else if (len - i == 2) {
        uint32_t q = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8);
        out[o++] = tbl[q >> 18];
        out[o++] = tbl[(q >> 12) & 63];
        out[o++] = tbl[(q >> 6) & 63];
        out[o++] = '=';
    }
    out[o] = '\0';
    return out;
}

/* ---- request ---- */

/* Reads an optional string member: absent or JSON null leaves *dst NULL; any other type is an
 * error naming path. */
static int opt_str(const cJSON *obj, const char *key, const char *path, const char **dst, char *err,
                   size_t errlen)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    *dst = NULL;
    if (!it || cJSON_IsNull(it))
        return 0;
    if (!cJSON_IsString(it)) {
        sbw_err_set(err, errlen, NOT_V2 "%s is not a string", path);
        return -1;
    }
    *dst = it->valuestring;
    return 0;
}

void sbw_apigw_request_free(sbw_apigw_request_t *req)
{
    if (!req)
        return;
    cJSON_Delete(req->priv);
    free(req->headers);
    free(req->body);
    free(req);
}

const char *sbw_apigw_header(const sbw_apigw_request_t *req, const char *name)
{
    if (!req || !name)
        return NULL;
    for (size_t i = 0; i < req->n_headers; i++)
        if (strcasecmp(req->headers[i].name, name) == 0)
            return req->headers[i].value;
    return NULL;
}

/* Fills everything but the headers and the body. Returns 0 or SBW_APIGW_EEVENT. */
static int parse_envelope(sbw_apigw_request_t *r, const cJSON *root, char *err, size_t errlen)
{
    if (!cJSON_IsObject(root)) {
        sbw_err_set(err, errlen, NOT_V2 "not a JSON object");
        return SBW_APIGW_EEVENT;
    }
    const cJSON *rc = cJSON_GetObjectItemCaseSensitive(root, "requestContext");
    if (!cJSON_IsObject(rc)) {
        sbw_err_set(err, errlen, NOT_V2 "requestContext missing");
        return SBW_APIGW_EEVENT;
    }
    const cJSON *http = cJSON_GetObjectItemCaseSensitive(rc, "http");
    if (!cJSON_IsObject(http)) {
        sbw_err_set(err, errlen, NOT_V2 "requestContext.http missing");
        return SBW_APIGW_EEVENT;
    }
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(root, "version");
    if (!cJSON_IsString(ver)) {
        sbw_err_set(err, errlen, NOT_V2 "version missing");
        return SBW_APIGW_EEVENT;
    }
    if (strcmp(ver->valuestring, "2.0") != 0) {
        sbw_err_set(err, errlen, NOT_V2 "version is \"%.32s\", expected \"2.0\"", ver->valuestring);
        return SBW_APIGW_EEVENT;
    }
    if (opt_str(http, "method", "requestContext.http.method", &r->method, err, errlen) ||
        opt_str(root, "rawPath", "rawPath", &r->raw_path, err, errlen) ||
        opt_str(root, "routeKey", "routeKey", &r->route_key, err, errlen) ||
        opt_str(root, "rawQueryString", "rawQueryString", &r->raw_query, err, errlen) ||
        opt_str(http, "sourceIp", "requestContext.http.sourceIp", &r->source_ip, err, errlen) ||
        opt_str(http, "userAgent", "requestContext.http.userAgent", &r->user_agent, err, errlen) ||
        opt_str(rc, "requestId", "requestContext.requestId", &r->request_id, err, errlen) ||
        opt_str(rc, "apiId", "requestContext.apiId", &r->api_id, err, errlen) ||
        opt_str(rc, "stage", "requestContext.stage", &r->stage, err, errlen) ||
        opt_str(rc, "domainName", "requestContext.domainName", &r->domain_name, err, errlen))
        return SBW_APIGW_EEVENT;
    if (!r->method || !r->method[0]) {
        sbw_err_set(err, errlen, NOT_V2 "requestContext.http.method missing");
        return SBW_APIGW_EEVENT;
    }
    if (!r->raw_path) {
        sbw_err_set(err, errlen, NOT_V2 "rawPath missing");
        return SBW_APIGW_EEVENT;
    }
    if (!r->raw_query)
        r->raw_query = "";
    const cJSON *te = cJSON_GetObjectItemCaseSensitive(rc, "timeEpoch");
    if (te && !cJSON_IsNull(te)) {
        double d = cJSON_IsNumber(te) ? te->valuedouble : -1;
        if (!isfinite(d) || d < 0 || d > 9007199254740992.0 || d != floor(d)) {
            sbw_err_set(err, errlen, NOT_V2 "requestContext.timeEpoch is not a whole number of ms");
            return SBW_APIGW_EEVENT;
        }
        r->time_epoch_ms = (int64_t)d;
    }
    return 0;
}

/* Collects the headers. Returns 0, SBW_APIGW_EEVENT, SBW_APIGW_ETOOLARGE or SBW_APIGW_ENOMEM. */
static int parse_headers(sbw_apigw_request_t *r, const cJSON *root, size_t max_headers, char *err,
                         size_t errlen)
{
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(root, "headers");
    if (!h || cJSON_IsNull(h))
        return 0;
    if (!cJSON_IsObject(h)) {
        sbw_err_set(err, errlen, NOT_V2 "headers is not an object");
        return SBW_APIGW_EEVENT;
    }
    size_t n = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, h)
    {
        if (!cJSON_IsString(it)) {
            sbw_err_set(err, errlen, NOT_V2 "header \"%.64s\" is not a string", it->string);
            return SBW_APIGW_EEVENT;
        }
        n++;
    }
    if (n > max_headers) {
        sbw_err_set(err, errlen, "request has %zu headers, more than the limit of %zu", n, max_headers);
        return SBW_APIGW_ETOOLARGE;
    }
    if (n == 0)
        return 0;
    r->headers = calloc(n, sizeof *r->headers);
    if (!r->headers) {
        sbw_err_set(err, errlen, "out of memory");
        return SBW_APIGW_ENOMEM;
    }
    cJSON_ArrayForEach(it, h)
    {
        r->headers[r->n_headers].name = it->string;
        r->headers[r->n_headers].value = it->valuestring;
        r->n_headers++;
    }
    r->trace_id = sbw_apigw_header(r, "x-amzn-trace-id");
    return 0;
}

/* Decodes the body. Returns 0, SBW_APIGW_EEVENT, SBW_APIGW_EBODY, SBW_APIGW_ETOOLARGE or
 * SBW_APIGW_ENOMEM. */
static int parse_body(sbw_apigw_request_t *r, const cJSON *root, size_t max_body, char *err,
                      size_t errlen)
{
    const cJSON *b64 = cJSON_GetObjectItemCaseSensitive(root, "isBase64Encoded");
    if (b64 && !cJSON_IsNull(b64) && !cJSON_IsBool(b64)) {
        sbw_err_set(err, errlen, NOT_V2 "isBase64Encoded is not a boolean");
        return SBW_APIGW_EEVENT;
    }
    const char *body;
    if (opt_str(root, "body", "body", &body, err, errlen))
        return SBW_APIGW_EEVENT;
    if (!body)
        return 0;
    size_t len = strlen(body);
    if (cJSON_IsTrue(b64)) {
        r->body_was_base64 = true;
        char why[160];
        int rc =
            sbw_apigw_base64_decode(body, len, max_body, &r->body, &r->body_len, why, sizeof why);
        if (rc == SBW_APIGW_EBODY)
            sbw_err_set(err, errlen, "isBase64Encoded body is %s", why);
        else if (rc == SBW_APIGW_ETOOLARGE)
            sbw_err_set(err, errlen,
                    "body is %zu bytes after base64 decoding, more than the limit of %zu",
                    len / 4 * 3 - (body[len - 1] == '=') - (body[len - 2] == '='), max_body);
        else if (rc != 0)
            sbw_err_set(err, errlen, "%s", why);
        return rc;
    }
    if (len > max_body) {
        sbw_err_set(err, errlen, "body is %zu bytes, more than the limit of %zu", len, max_body);
        return SBW_APIGW_ETOOLARGE;
    }
    r->body = malloc(len + 1);
    if (!r->body) {
        sbw_err_set(err, errlen, "out of memory");
        return SBW_APIGW_ENOMEM;
    }
    memcpy(r->body, body, len + 1);
    r->body_len = len;
    return 0;
}

int sbw_apigw_request_parse(const char *event, size_t len, const sbw_apigw_limits_t *lim,
                            sbw_apigw_request_t **out, char *err, size_t errlen)
{
    *out = NULL;
    sbw_apigw_limits_t deflim;
    if (!lim) {
        sbw_apigw_limits_init(&deflim);
        lim = &deflim;
    }
    if (!event || len == 0) {
        sbw_err_set(err, errlen, "event is empty");
        return SBW_APIGW_EEVENT;
    }
    if (len > lim->max_event_bytes) {
        sbw_err_set(err, errlen, "event is %zu bytes, more than the limit of %zu", len,
                lim->max_event_bytes);
        return SBW_APIGW_EEVENT;
    }
    int rc;
    sbw_apigw_request_t *r = calloc(1, sizeof *r);
    if (!r) {
        sbw_err_set(err, errlen, "out of memory");
        return SBW_APIGW_ENOMEM;
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(event, len, &end, 0);
    if (!root) {
        size_t at = end && end >= event && end <= event + len ? (size_t)(end - event) : 0;
        sbw_err_set(err, errlen, "event is not valid JSON (error at byte %zu of %zu)", at, len);
        rc = SBW_APIGW_EEVENT;
        goto fail;
    }
    r->priv = root;
    /* cJSON stops after the first value; anything but whitespace after it is an error. */
    for (size_t i = (size_t)(end - event); i < len; i++) {
        if (!strchr(" \t\r\n", event[i])) {
            sbw_err_set(err, errlen, "event is not valid JSON (unexpected data at byte %zu)", i);
            rc = SBW_APIGW_EEVENT;
            goto fail;
        }
    }
    if ((rc = parse_envelope(r, root, err, errlen)) != 0)
        goto fail;
    rc = parse_headers(r, root, lim->max_headers, err, errlen);
    if (rc == SBW_APIGW_ETOOLARGE) {
        *out = r; /* the caller answers 413 with the request's metadata */
        return rc;
    }
    if (rc != 0)
        goto fail;
    rc = parse_body(r, root, lim->max_body_bytes, err, errlen);
    if (rc == SBW_APIGW_EBODY || rc == SBW_APIGW_ETOOLARGE) {
        free(r->body);
        r->body = NULL;
        r->body_len = 0;
        *out = r;
        return rc;
    }
    if (rc != 0)
        goto fail;
    *out = r;
    return 0;
fail:
    sbw_apigw_request_free(r);
    return rc;
}

/* ---- response ---- */

static bool is_token(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              (c && strchr("!#$%&'*+-.^_`|~", c))))
            return false;
    }
    return true;
}

/* Adds name: value to the headers object, joining with "," when the name is already there
 * (cJSON's lookup is case-insensitive, as header names are). Returns 0 or -1 (out of memory). */
static int add_header(cJSON *hdrs, const char *name, const char *value)
{
    cJSON *prev = cJSON_GetObjectItem(hdrs, name);
    if (!prev)
        return cJSON_AddStringToObject(hdrs, name, value) ? 0 : -1;
    size_t a = strlen(prev->valuestring), b = strlen(value);
    char *joined = malloc(a + b + 2);
    if (!joined)
        return -1;
    memcpy(joined, prev->valuestring, a);
    joined[a] = ',';
    memcpy(joined + a + 1, value, b + 1);
    cJSON *item = cJSON_CreateString(joined);
    free(joined);
    if (!item)
        return -1;
    if (!(item->string = strdup(prev->string))) { /* keeps the first spelling of the name */
        cJSON_Delete(item);
        return -1;
    }
    return cJSON_ReplaceItemViaPointer(hdrs, prev, item) ? 0 : -1;
}

int sbw_apigw_response_json(int status, const char *body, size_t len,
                            const sbw_apigw_header_t *headers, size_t n_headers, char **out,
                            size_t *outlen, char *err, size_t errlen)
{
    *out = NULL;
    if (outlen)
        *outlen = 0;
    if (status < 100 || status > 599) {
        sbw_err_set(err, errlen, "HTTP status %d is outside 100..599", status);
        return -1;
    }
    for (size_t i = 0; i < n_headers; i++) {
        if (!is_token(headers[i].name)) {
            sbw_err_set(err, errlen, "response header %zu: name \"%.64s\" is not an HTTP token", i,
                    headers[i].name ? headers[i].name : "");
            return -1;
        }
        if (!headers[i].value || strpbrk(headers[i].value, "\r\n")) {
            sbw_err_set(err, errlen, "response header %s: value missing or holds CR/LF",
                    headers[i].name);
            return -1;
        }
    }
    int rc = SBW_APIGW_ENOMEM;
    char *text = NULL;
    cJSON *root = cJSON_CreateObject();
    cJSON *hdrs = NULL;
    if (!root || !cJSON_AddNumberToObject(root, "statusCode", status))
        goto out;
    if (!(hdrs = cJSON_AddObjectToObject(root, "headers")))
        goto out;
    for (size_t i = 0; i < n_headers; i++)
        if (add_header(hdrs, headers[i].name, headers[i].value) != 0)
            goto out;
    if (!body)
        len = 0;
    bool binary = len > 0 && (memchr(body, '\0', len) || !sbw_utf8_valid(body, len, NULL));
    if (binary) {
        text = base64_encode((const unsigned char *)body, len);
    } else {
        text = malloc(len + 1);
        if (text) {
            if (len)
                memcpy(text, body, len);
            text[len] = '\0';
        }
    }
    if (!text || !cJSON_AddStringToObject(root, "body", text) ||
        !cJSON_AddBoolToObject(root, "isBase64Encoded", binary))
        goto out;
    char *json = cJSON_PrintUnformatted(root);
    if (!json)
        goto out;
    *out = json;
    if (outlen)
        *outlen = strlen(json);
    rc = 0;
out:
    if (rc != 0)
        sbw_err_set(err, errlen, "out of memory");
    free(text);
    cJSON_Delete(root);
    return rc;
}
