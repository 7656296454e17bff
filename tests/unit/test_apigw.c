/* Unit tests of sbw_apigw: API Gateway HTTP API v2 events (tests/fixtures/apigw) and responses. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sbw_apigw.h"
#include "sbw_gzip.h"
#include "sbw_test.h"

/* Parses fixture rel with default limits; returns the code, *req and err filled. */
static int parse_fixture(const char *rel, sbw_apigw_request_t **req, char *err, size_t errlen)
{
    char path[256];
    snprintf(path, sizeof path, "apigw/%s", rel);
    size_t len;
    char *ev = sbw_test_fixture(path, &len);
    int rc = sbw_apigw_request_parse(ev, len, NULL, req, err, errlen);
    free(ev);
    return rc;
}

static void assert_str_field(const cJSON *exp, const char *key, const char *got, const char *f)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(exp, key);
    if (!v)
        return;
    if (cJSON_IsNull(v)) {
        ck_assert_msg(got == NULL, "%s: %s should be absent, is \"%s\"", f, key, got);
        return;
    }
    ck_assert_msg(got != NULL, "%s: %s missing", f, key);
    ck_assert_msg(strcmp(got, v->valuestring) == 0, "%s: %s is \"%s\", expected \"%s\"", f, key,
                  got, v->valuestring);
}

static char *hex(const char *p, size_t n)
{
    char *s = malloc(n * 2 + 1);
    ck_assert_ptr_nonnull(s);
    for (size_t i = 0; i < n; i++)
        snprintf(s + i * 2, 3, "%02x", (unsigned char)p[i]);
    s[n * 2] = '\0';
    return s;
}

/* Every fixture event against its entry in expected.json (derived independently from the event
 * text, by decoding the JSON and base64 with another implementation). */
START_TEST(fixtures_match_expected)
{
    char *exp_text = sbw_test_fixture("apigw/expected.json", NULL);
    cJSON *expected = cJSON_Parse(exp_text);
    ck_assert_ptr_nonnull(expected);
    char **names;
    size_t n = sbw_test_fixture_list("apigw", ".json", &names);
    ck_assert_uint_ge(n, 11);
    size_t checked = 0;
    for (size_t i = 0; i < n; i++) {
        const char *f = names[i];
        if (strcmp(f, "expected.json") == 0) {
            free(names[i]);
            continue;
        }
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(expected, f);
        ck_assert_msg(e != NULL, "fixture %s has no entry in expected.json", f);
        sbw_apigw_request_t *req = NULL;
        char err[256] = "";
        int rc = parse_fixture(f, &req, err, sizeof err);
        int want = cJSON_GetObjectItemCaseSensitive(e, "rc")->valueint;
        ck_assert_msg(rc == want, "%s: rc %d, expected %d (%s)", f, rc, want, err);
        const cJSON *eerr = cJSON_GetObjectItemCaseSensitive(e, "error");
        if (eerr)
            ck_assert_msg(strcmp(err, eerr->valuestring) == 0, "%s: error \"%s\", expected \"%s\"",
                          f, err, eerr->valuestring);
        if (rc == SBW_APIGW_EEVENT) {
            ck_assert_ptr_null(req);
        } else {
            ck_assert_ptr_nonnull(req);
            assert_str_field(e, "method", req->method, f);
            assert_str_field(e, "route_key", req->route_key, f);
            assert_str_field(e, "raw_path", req->raw_path, f);
            assert_str_field(e, "raw_query", req->raw_query, f);
            assert_str_field(e, "source_ip", req->source_ip, f);
            assert_str_field(e, "user_agent", req->user_agent, f);
            assert_str_field(e, "request_id", req->request_id, f);
            assert_str_field(e, "api_id", req->api_id, f);
            assert_str_field(e, "stage", req->stage, f);
            assert_str_field(e, "domain_name", req->domain_name, f);
            assert_str_field(e, "trace_id", req->trace_id, f);
            const cJSON *v;
            if ((v = cJSON_GetObjectItemCaseSensitive(e, "time_epoch_ms")))
                ck_assert_int_eq(req->time_epoch_ms, (int64_t)v->valuedouble);
            if ((v = cJSON_GetObjectItemCaseSensitive(e, "n_headers")))
                ck_assert_uint_eq(req->n_headers, (size_t)v->valueint);
            if ((v = cJSON_GetObjectItemCaseSensitive(e, "body_was_base64")))
                ck_assert_int_eq(req->body_was_base64, cJSON_IsTrue(v));
            if (cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(e, "body"))) {
                ck_assert_ptr_null(req->body);
                ck_assert_uint_eq(req->body_len, 0);
            }
            if ((v = cJSON_GetObjectItemCaseSensitive(e, "body_text"))) {
                ck_assert_ptr_nonnull(req->body);
                ck_assert_uint_eq(req->body_len, strlen(v->valuestring));
                ck_assert_str_eq(req->body, v->valuestring);
            }
            if ((v = cJSON_GetObjectItemCaseSensitive(e, "body_hex"))) {
                char *h = hex(req->body, req->body_len);
                ck_assert_str_eq(h, v->valuestring);
                free(h);
            }
            if ((v = cJSON_GetObjectItemCaseSensitive(e, "body_gunzip_text"))) {
                char *plain = NULL;
                size_t plen = 0;
                char gerr[128];
                ck_assert_int_eq(
                    sbw_gunzip(req->body, req->body_len, 1 << 20, &plain, &plen, gerr, sizeof gerr),
                    0);
                ck_assert_str_eq(plain, v->valuestring);
                free(plain);
            }
        }
        sbw_apigw_request_free(req);
        free(names[i]);
        checked++;
    }
    free(names);
    ck_assert_uint_eq(checked, (size_t)cJSON_GetArraySize(expected));
    cJSON_Delete(expected);
    free(exp_text);
}
END_TEST

START_TEST(plain_json_body_and_headers)
{
    sbw_apigw_request_t *req = NULL;
    char err[256] = "";
    ck_assert_int_eq(parse_fixture("post_json.json", &req, err, sizeof err), 0);
    ck_assert_str_eq(req->route_key, "POST /clickstream");
    ck_assert_str_eq(req->method, "POST");
    ck_assert_str_eq(req->raw_path, "/clickstream");
    ck_assert_str_eq(req->raw_query, "");
    ck_assert_str_eq(req->source_ip, "203.0.113.42");
    ck_assert_str_eq(req->request_id, "YbX2dhT9SQ0EJfA=");
    ck_assert_str_eq(req->api_id, "a1b2c3d4e5");
    ck_assert_str_eq(req->stage, "$default");
    ck_assert_int_eq(req->time_epoch_ms, 1718000000123LL);
    ck_assert_str_eq(req->trace_id, "Root=1-66669a80-3f2e8c1d9b7a6e5f4d3c2b1a");
    ck_assert(!req->body_was_base64);
    /* Header names are looked up case-insensitively; cookies are not headers in v2. */
    ck_assert_str_eq(sbw_apigw_header(req, "content-type"), "application/json");
    ck_assert_str_eq(sbw_apigw_header(req, "Content-Type"), "application/json");
    ck_assert_str_eq(sbw_apigw_header(req, "origin"), "https://shop.example");
    ck_assert_ptr_null(sbw_apigw_header(req, "cookie"));
    ck_assert_ptr_null(sbw_apigw_header(req, "x-missing"));
    ck_assert_ptr_null(sbw_apigw_header(NULL, "origin"));
    /* The body is the client's JSON, UTF-8 intact. */
    cJSON *body = cJSON_ParseWithLength(req->body, req->body_len);
    ck_assert_ptr_nonnull(body);
    ck_assert_str_eq(cJSON_GetObjectItem(body, "eventName")->valuestring, "product_view");
    ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(body, "product"), "name")->valuestring,
                     "B\xc3\xa0n ph\xc3\xadm AULA M75 TM");
    ck_assert_uint_eq(req->body_len, strlen(req->body));
    cJSON_Delete(body);
    sbw_apigw_request_free(req);
    sbw_apigw_request_free(NULL);
}
END_TEST

START_TEST(base64_bodies_are_decoded)
{
    sbw_apigw_request_t *req = NULL;
    char err[256] = "";
    ck_assert_int_eq(parse_fixture("post_base64_array.json", &req, err, sizeof err), 0);
    ck_assert(req->body_was_base64);
    cJSON *arr = cJSON_ParseWithLength(req->body, req->body_len);
    ck_assert(cJSON_IsArray(arr));
    ck_assert_int_eq(cJSON_GetArraySize(arr), 2);
    ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(arr, 1), "eventName")->valuestring,
                     "click");
    cJSON_Delete(arr);
    sbw_apigw_request_free(req);

    ck_assert_int_eq(parse_fixture("post_base64_gzip.json", &req, err, sizeof err), 0);
    ck_assert_str_eq(sbw_apigw_header(req, "content-encoding"), "gzip");
    ck_assert_uint_eq(req->body_len, 374);
    ck_assert_uint_eq((unsigned char)req->body[0], 0x1f); /* gzip magic */
    ck_assert_uint_eq((unsigned char)req->body[1], 0x8b);
    char *plain = NULL;
    size_t plen = 0;
    ck_assert_int_eq(sbw_gunzip(req->body, req->body_len, 1 << 20, &plain, &plen, err, sizeof err),
                     0);
    ck_assert_ptr_nonnull(strstr(plain, "\n{\"eventName\": \"home_view\"}\n"));
    free(plain);
    sbw_apigw_request_free(req);
}
END_TEST

START_TEST(preflight_get_and_missing_body)
{
    sbw_apigw_request_t *req = NULL;
    char err[256] = "";
    ck_assert_int_eq(parse_fixture("options_preflight.json", &req, err, sizeof err), 0);
    ck_assert_str_eq(req->method, "OPTIONS");
    ck_assert_str_eq(req->route_key, "OPTIONS /clickstream");
    ck_assert_str_eq(sbw_apigw_header(req, "access-control-request-method"), "POST");
    ck_assert_ptr_null(req->body);
    sbw_apigw_request_free(req);

    ck_assert_int_eq(parse_fixture("get_health.json", &req, err, sizeof err), 0);
    ck_assert_str_eq(req->method, "GET");
    ck_assert_str_eq(req->route_key, "GET /health");
    ck_assert_str_eq(req->raw_path, "/health");
    ck_assert_str_eq(req->raw_query, "verbose=1&probe=lb");
    ck_assert_str_eq(req->user_agent, "curl/7.88.1");
    /* API Gateway joins repeated headers with commas; we hand them over as they are. */
    ck_assert_str_eq(sbw_apigw_header(req, "x-forwarded-for"), "198.51.100.7, 10.0.3.15");
    sbw_apigw_request_free(req);

    ck_assert_int_eq(parse_fixture("post_no_body.json", &req, err, sizeof err), 0);
    ck_assert_str_eq(req->method, "POST");
    ck_assert_ptr_null(req->body);
    ck_assert_uint_eq(req->body_len, 0);
    sbw_apigw_request_free(req);
}
END_TEST

START_TEST(bad_bodies_keep_the_request)
{
    sbw_apigw_request_t *req = NULL;
    char err[256] = "";
    ck_assert_int_eq(parse_fixture("post_bad_base64.json", &req, err, sizeof err), SBW_APIGW_EBODY);
    ck_assert_str_eq(
        err, "isBase64Encoded body is not valid base64: invalid character '*' at offset 18");
    ck_assert_ptr_nonnull(req); /* the caller answers 400 and logs the request id */
    ck_assert_str_eq(req->request_id, "YbX8RrV6SQ0EJ5A=");
    ck_assert_ptr_null(req->body);
    sbw_apigw_request_free(req);
}
END_TEST

START_TEST(not_v2_shapes)
{
    struct {
        const char *event, *error;
    } cases[] = {
        {"[1,2,3]", "event is not an API Gateway v2 payload: not a JSON object"},
        {"\"2.0\"", "event is not an API Gateway v2 payload: not a JSON object"},
        {"{\"version\":\"2.0\",\"requestContext\":{\"requestId\":\"x\"}}",
         "event is not an API Gateway v2 payload: requestContext.http missing"},
        {"{\"requestContext\":{\"http\":{\"method\":\"GET\"}},\"rawPath\":\"/\"}",
         "event is not an API Gateway v2 payload: version missing"},
        {"{\"version\":\"1.0\",\"requestContext\":{\"http\":{\"method\":\"GET\"}},\"rawPath\":\"/"
         "\"}",
         "event is not an API Gateway v2 payload: version is \"1.0\", expected \"2.0\""},
        {"{\"version\":\"2.0\",\"requestContext\":{\"http\":{}},\"rawPath\":\"/\"}",
         "event is not an API Gateway v2 payload: requestContext.http.method missing"},
        {"{\"version\":\"2.0\",\"requestContext\":{\"http\":{\"method\":\"GET\"}}}",
         "event is not an API Gateway v2 payload: rawPath missing"},
        {"{\"version\":\"2.0\",\"requestContext\":{\"http\":{\"method\":\"GET\"}},\"rawPath\":\"/"
         "\","
         "\"headers\":{\"x-n\":5}}",
         "event is not an API Gateway v2 payload: header \"x-n\" is not a string"},
        {"{\"version\":\"2.0\",\"requestContext\":{\"http\":{\"method\":\"GET\"}},\"rawPath\":\"/"
         "\","
         "\"body\":{\"a\":1}}",
         "event is not an API Gateway v2 payload: body is not a string"},
        {"{\"version\":\"2.0\",\"requestContext\":{\"http\":{\"method\":\"GET\"},\"timeEpoch\":-5},"
         "\"rawPath\":\"/\"}",
         "event is not an API Gateway v2 payload: requestContext.timeEpoch is not a whole number "
         "of ms"},
        {"{\"version\":\"2.0\",\"requestContext\":{\"http\":{\"method\":\"GET\"}},\"rawPath\":\"/"
         "\","
         "\"isBase64Encoded\":\"yes\"}",
         "event is not an API Gateway v2 payload: isBase64Encoded is not a boolean"},
        {"{\"version\":\"2.0\"} {\"extra\":1}",
         "event is not valid JSON (unexpected data at byte 18)"},
        {"{\"version\":", "event is not valid JSON (error at byte 10 of 11)"},
        {"", "event is empty"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        sbw_apigw_request_t *req = (sbw_apigw_request_t *)&req; /* must be reset to NULL */
        char err[256] = "";
        int rc = sbw_apigw_request_parse(cases[i].event, strlen(cases[i].event), NULL, &req, err,
                                         sizeof err);
        ck_assert_msg(rc == SBW_APIGW_EEVENT, "case %zu: rc %d", i, rc);
        ck_assert_ptr_null(req);
        ck_assert_msg(strcmp(err, cases[i].error) == 0, "case %zu: \"%s\"", i, err);
    }
    /* A minimal valid event: only method and rawPath are required. */
    const char *min = "{\"version\":\"2.0\",\"requestContext\":{\"http\":{\"method\":\"GET\"}},"
                      "\"rawPath\":\"/x\",\"body\":null}  \n";
    sbw_apigw_request_t *req = NULL;
    char err[256] = "";
    ck_assert_int_eq(sbw_apigw_request_parse(min, strlen(min), NULL, &req, err, sizeof err), 0);
    ck_assert_str_eq(req->raw_path, "/x");
    ck_assert_str_eq(req->raw_query, "");
    ck_assert_ptr_null(req->route_key);
    ck_assert_ptr_null(req->source_ip);
    ck_assert_ptr_null(req->trace_id);
    ck_assert_ptr_null(req->body);
    ck_assert_int_eq(req->time_epoch_ms, 0);
    ck_assert_uint_eq(req->n_headers, 0);
    sbw_apigw_request_free(req);
}
END_TEST

/* Builds a v2 event whose body is body_len copies of 'a' (or their base64 when b64). */
static char *event_with_body(size_t body_len, int b64, size_t *len)
{
    const char *head = "{\"version\":\"2.0\",\"routeKey\":\"POST /clickstream\",\"rawPath\":"
                       "\"/clickstream\",\"requestContext\":{\"requestId\":\"big-1\",\"http\":"
                       "{\"method\":\"POST\"}},\"isBase64Encoded\":";
    size_t enc = b64 ? (body_len + 2) / 3 * 4 : body_len;
    char *ev = malloc(strlen(head) + enc + 64);
    ck_assert_ptr_nonnull(ev);
    size_t n = (size_t)sprintf(ev, "%s%s,\"body\":\"", head, b64 ? "true" : "false");
    if (b64) {
        /* "aaa" is "YWFh" in base64; body_len is a multiple of 3 here */
        ck_assert_uint_eq(body_len % 3, 0);
        for (size_t i = 0; i < body_len / 3; i++, n += 4)
            memcpy(ev + n, "YWFh", 4);
    } else {
        memset(ev + n, 'a', body_len);
        n += body_len;
    }
    n += (size_t)sprintf(ev + n, "\"}");
    *len = n;
    return ev;
}

START_TEST(limits)
{
    sbw_apigw_request_t *req = NULL;
    char err[256] = "";
    size_t len;
    /* Default body limit 6 MiB: one byte more is 413 material, with the request kept. */
    char *ev = event_with_body(SBW_APIGW_DEFAULT_MAX_BODY + 1, 0, &len);
    ck_assert_int_eq(sbw_apigw_request_parse(ev, len, NULL, &req, err, sizeof err),
                     SBW_APIGW_ETOOLARGE);
    ck_assert_str_eq(err, "body is 6291457 bytes, more than the limit of 6291456");
    ck_assert_str_eq(req->request_id, "big-1");
    ck_assert_ptr_null(req->body);
    sbw_apigw_request_free(req);
    free(ev);
    /* Exactly at the limit is fine. */
    ev = event_with_body(SBW_APIGW_DEFAULT_MAX_BODY, 0, &len);
    ck_assert_int_eq(sbw_apigw_request_parse(ev, len, NULL, &req, err, sizeof err), 0);
    ck_assert_uint_eq(req->body_len, SBW_APIGW_DEFAULT_MAX_BODY);
    sbw_apigw_request_free(req);
    free(ev);

    sbw_apigw_limits_t lim;
    sbw_apigw_limits_init(&lim);
    lim.max_body_bytes = 299;
    ev = event_with_body(300, 1, &len); /* base64 of 300 bytes: 400 characters */
    ck_assert_int_eq(sbw_apigw_request_parse(ev, len, &lim, &req, err, sizeof err),
                     SBW_APIGW_ETOOLARGE);
    ck_assert_str_eq(err, "body is 300 bytes after base64 decoding, more than the limit of 299");
    sbw_apigw_request_free(req);
    lim.max_body_bytes = 300;
    ck_assert_int_eq(sbw_apigw_request_parse(ev, len, &lim, &req, err, sizeof err), 0);
    ck_assert_uint_eq(req->body_len, 300);
    ck_assert_int_eq(req->body[299], 'a');
    sbw_apigw_request_free(req);

    lim.max_event_bytes = len - 1;
    ck_assert_int_eq(sbw_apigw_request_parse(ev, len, &lim, &req, err, sizeof err),
                     SBW_APIGW_EEVENT);
    ck_assert_ptr_null(req);
    char want[128];
    snprintf(want, sizeof want, "event is %zu bytes, more than the limit of %zu", len, len - 1);
    ck_assert_str_eq(err, want);
    free(ev);

    /* Header count. */
    sbw_apigw_limits_init(&lim);
    lim.max_headers = 13;
    char *fx = sbw_test_fixture("apigw/post_json.json", &len); /* 14 headers */
    ck_assert_int_eq(sbw_apigw_request_parse(fx, len, &lim, &req, err, sizeof err),
                     SBW_APIGW_ETOOLARGE);
    ck_assert_str_eq(err, "request has 14 headers, more than the limit of 13");
    ck_assert_uint_eq(req->n_headers, 0);
    ck_assert_str_eq(req->request_id, "YbX2dhT9SQ0EJfA=");
    sbw_apigw_request_free(req);
    lim.max_headers = 14;
    ck_assert_int_eq(sbw_apigw_request_parse(fx, len, &lim, &req, err, sizeof err), 0);
    ck_assert_uint_eq(req->n_headers, 14);
    sbw_apigw_request_free(req);
    free(fx);
}
END_TEST

START_TEST(base64_decoder_is_strict)
{
    struct {
        const char *in;
        const char *out; /* NULL: invalid */
        size_t outlen;
        const char *error;
    } cases[] = {
        {"", "", 0, NULL},
        {"YQ==", "a", 1, NULL},
        {"YWI=", "ab", 2, NULL},
        {"YWJj", "abc", 3, NULL},
        {"AP8A", "\x00\xff\x00", 3, NULL},
        {"+/+/", "\xfb\xff\xbf", 3, NULL},
        {"YQ", NULL, 0, "not valid base64: length 2 is not a multiple of 4"},
        {"YQ=\n", NULL, 0, "not valid base64: padding '=' at offset 2 before the end"},
        {"YW Jj", NULL, 0, "not valid base64: length 5 is not a multiple of 4"},
        {"YW\nJ", NULL, 0, "not valid base64: invalid byte 0x0a at offset 2"},
        {"YW-j", NULL, 0, "not valid base64: invalid character '-' at offset 2"},
        {"Y===", NULL, 0, "not valid base64: padding '=' at offset 1 before the end"},
        {"YQ==YWJj", NULL, 0, "not valid base64: padding '=' at offset 2 before the end"},
        {"YW=j", NULL, 0, "not valid base64: padding '=' at offset 2 before the end"},
        {"YR==", NULL, 0, "not valid base64: non-zero bits after the last byte at offset 1"},
        {"YWJ=", NULL, 0, "not valid base64: non-zero bits after the last byte at offset 2"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *out = (char *)&out;
        size_t outlen = 99;
        char err[128] = "";
        int rc = sbw_apigw_base64_decode(cases[i].in, strlen(cases[i].in), 100, &out, &outlen, err,
                                         sizeof err);
        if (cases[i].out) {
            ck_assert_msg(rc == 0, "case %zu: %s", i, err);
            ck_assert_uint_eq(outlen, cases[i].outlen);
            ck_assert_int_eq(memcmp(out, cases[i].out, outlen), 0);
            ck_assert_int_eq(out[outlen], '\0');
            free(out);
        } else {
            ck_assert_msg(rc == SBW_APIGW_EBODY, "case %zu: rc %d", i, rc);
            ck_assert_ptr_null(out);
            ck_assert_msg(strcmp(err, cases[i].error) == 0, "case %zu: \"%s\"", i, err);
        }
    }
    char *out;
    size_t outlen;
    char err[128];
    ck_assert_int_eq(sbw_apigw_base64_decode("YWJj", 4, 2, &out, &outlen, err, sizeof err),
                     SBW_APIGW_ETOOLARGE);
    ck_assert_str_eq(err, "decoded size 3 exceeds the limit of 2 bytes");
    ck_assert_ptr_null(out);
}
END_TEST

START_TEST(response_rendering)
{
    const sbw_apigw_header_t cors[] = {
        {"Content-Type", "application/json"},
        {"Access-Control-Allow-Origin", "https://shop.example"},
        {"Access-Control-Allow-Methods", "POST, OPTIONS"},
        {"Vary", "Origin"},
    };
    char *out = NULL;
    size_t len = 0;
    char err[128] = "";
    const char *ok = "{\"success\":true}";
    ck_assert_int_eq(
        sbw_apigw_response_json(200, ok, strlen(ok), cors, 4, &out, &len, err, sizeof err), 0);
    ck_assert_str_eq(out, "{\"statusCode\":200,\"headers\":{\"Content-Type\":\"application/json\","
                          "\"Access-Control-Allow-Origin\":\"https://shop.example\","
                          "\"Access-Control-Allow-Methods\":\"POST, OPTIONS\",\"Vary\":\"Origin\"},"
                          "\"body\":\"{\\\"success\\\":true}\",\"isBase64Encoded\":false}");
    ck_assert_uint_eq(len, strlen(out));
    free(out);

    /* Escaping: quotes, backslash, newline, control bytes; UTF-8 passes through. The rendered
     * object decodes back to the exact body. */
    const char *tricky = "say \"hi\"\\ \n\ttab \x01 B\xc3\xa0n </script>";
    ck_assert_int_eq(
        sbw_apigw_response_json(400, tricky, strlen(tricky), NULL, 0, &out, &len, err, sizeof err),
        0);
    ck_assert_ptr_nonnull(strstr(out, "\"body\":\"say \\\"hi\\\"\\\\ \\n\\ttab \\u0001 B\xc3\xa0n "
                                      "</script>\""));
    cJSON *o = cJSON_Parse(out);
    ck_assert_int_eq(cJSON_GetObjectItem(o, "statusCode")->valueint, 400);
    ck_assert_str_eq(cJSON_GetObjectItem(o, "body")->valuestring, tricky);
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(o, "isBase64Encoded")));
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(o, "headers")), 0);
    cJSON_Delete(o);
    free(out);

    /* No body (204 preflight); a header given twice is joined. */
    const sbw_apigw_header_t dup[] = {{"Vary", "Origin"}, {"vary", "Accept-Encoding"}};
    ck_assert_int_eq(sbw_apigw_response_json(204, NULL, 0, dup, 2, &out, &len, err, sizeof err), 0);
    ck_assert_str_eq(out, "{\"statusCode\":204,\"headers\":{\"Vary\":\"Origin,Accept-Encoding\"},"
                          "\"body\":\"\",\"isBase64Encoded\":false}");
    free(out);

    /* Bytes that are not UTF-8 (or hold NUL) go base64. */
    const char bin[] = {'\x1f', '\x8b', '\x00', 'a'};
    ck_assert_int_eq(sbw_apigw_response_json(200, bin, 4, NULL, 0, &out, &len, err, sizeof err), 0);
    ck_assert_str_eq(out, "{\"statusCode\":200,\"headers\":{},\"body\":\"H4sAYQ==\","
                          "\"isBase64Encoded\":true}");
    free(out);

    /* Refusals. */
    ck_assert_int_eq(sbw_apigw_response_json(99, ok, 2, NULL, 0, &out, &len, err, sizeof err), -1);
    ck_assert_str_eq(err, "HTTP status 99 is outside 100..599");
    ck_assert_ptr_null(out);
    ck_assert_int_eq(sbw_apigw_response_json(600, ok, 2, NULL, 0, &out, &len, err, sizeof err), -1);
    const sbw_apigw_header_t bad_name[] = {{"Bad Name", "x"}};
    ck_assert_int_eq(sbw_apigw_response_json(200, ok, 2, bad_name, 1, &out, &len, err, sizeof err),
                     -1);
    ck_assert_str_eq(err, "response header 0: name \"Bad Name\" is not an HTTP token");
    const sbw_apigw_header_t crlf[] = {{"X-Ok", "a\r\nSet-Cookie: evil=1"}};
    ck_assert_int_eq(sbw_apigw_response_json(200, ok, 2, crlf, 1, &out, &len, err, sizeof err), -1);
    ck_assert_str_eq(err, "response header X-Ok: value missing or holds CR/LF");
    ck_assert_ptr_null(out);
}
END_TEST

static void b64_ok(const char *in, const char *want, size_t want_len)
{
    char *out = NULL, err[256];
    size_t len = 99;
    ck_assert_msg(sbw_apigw_base64_decode(in, strlen(in), 1 << 20, &out, &len, err, sizeof err) == 0, "decode %s", in);
    ck_assert_uint_eq(len, want_len);
    ck_assert_int_eq(memcmp(out, want, len), 0);
    ck_assert_int_eq(out[len], '\0');
    free(out);
}

static void b64_bad(const char *in)
{
    char *out = NULL, err[256];
    size_t len = 99;
    ck_assert_msg(sbw_apigw_base64_decode(in, strlen(in), 1 << 20, &out, &len, err, sizeof err) != 0, "accepted %s", in);
    ck_assert_ptr_null(out);
}

START_TEST(base64_vectors)
{
    b64_ok("", "", 0);
    b64_ok("Zg==", "f", 1);
    b64_ok("Zm8=", "fo", 2);
    b64_ok("Zm9v", "foo", 3);
    b64_ok("Zm9vYg==", "foob", 4);
    b64_ok("Zm9vYmE=", "fooba", 5);
    b64_ok("Zm9vYmFy", "foobar", 6);
    b64_bad("Zg"); /* API Gateway always pads */
    b64_bad("Zm8");
    b64_ok("AAE=", "\0\1", 2);
    b64_ok("+/+/", "\xfb\xff\xbf", 3);
    b64_ok("eyJldmVudE5hbWUiOiJjdXJsX3Rlc3QiLCJ1c2VySWQiOiJ1LTEifQ==",
           "{\"eventName\":\"curl_test\",\"userId\":\"u-1\"}", 40);
    b64_bad("Z"); /* a lone 6 bits */
    b64_bad("Zm9vY");
    b64_bad("Zg=");  /* padded but not a multiple of 4 */
    b64_bad("Zh=="); /* non-zero unused bits */
    b64_bad("Zm9=");
    b64_bad("Zg==Zg=="); /* padding in the middle */
    b64_bad("Zm9v\n");
    b64_bad("Zm 9v");
    b64_bad("Zm-_"); /* URL-safe alphabet is not accepted */
    b64_bad("====");
    b64_bad("Z===");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("apigw");
    TCase *fx = tcase_create("fixtures");
    tcase_add_test(fx, fixtures_match_expected);
    tcase_add_test(fx, plain_json_body_and_headers);
    tcase_add_test(fx, base64_bodies_are_decoded);
    tcase_add_test(fx, preflight_get_and_missing_body);
    tcase_add_test(fx, bad_bodies_keep_the_request);
    suite_add_tcase(s, fx);
    TCase *shapes = tcase_create("shapes");
    tcase_add_test(shapes, not_v2_shapes);
    tcase_add_test(shapes, limits);
    tcase_add_test(shapes, base64_decoder_is_strict);
    suite_add_tcase(s, shapes);
    TCase *b64 = tcase_create("base64");
    tcase_add_test(b64, base64_vectors);
    suite_add_tcase(s, b64);
    TCase *resp = tcase_create("response");
    tcase_add_test(resp, response_rendering);
    suite_add_tcase(s, resp);
    return s;
}

int main(void)
{
    return sbw_test_run(suite());
}
