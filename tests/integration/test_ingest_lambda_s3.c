/* Integration test of sbw-ingest-lambda: the real bootstrap binary against a Lambda Runtime API
 * test server, API Gateway HTTP API v2 events, writing to the S3-compatible test server. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "sbw_lake.h"
#include "sbw_runtime_api.h"
#include "sbw_test.h"

/* An API Gateway HTTP API payload 2.0 event. body is embedded as a JSON string. */
static char *apigw_event(const char *method, const char *path, const char *body, int base64,
                         const char *content_type, const char *request_id)
{
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "version", "2.0");
    char route[128];
    snprintf(route, sizeof route, "%s %s", method, path);
    cJSON_AddStringToObject(e, "routeKey", strcmp(method, "POST") == 0 ? route : "$default");
    cJSON_AddStringToObject(e, "rawPath", path);
    cJSON_AddStringToObject(e, "rawQueryString", "");
    cJSON *h = cJSON_AddObjectToObject(e, "headers");
    if (content_type)
        cJSON_AddStringToObject(h, "content-type", content_type);
    cJSON_AddStringToObject(h, "user-agent", "Mozilla/5.0 (lambda test)");
    cJSON_AddStringToObject(h, "x-amzn-trace-id", "Root=1-67891233-abcdef012345678912345678");
    cJSON *rc = cJSON_AddObjectToObject(e, "requestContext");
    cJSON_AddStringToObject(rc, "accountId", "123456789012");
    cJSON_AddStringToObject(rc, "apiId", "api1234567");
    cJSON_AddStringToObject(rc, "domainName", "api1234567.execute-api.ap-southeast-1.amazonaws.com");
    cJSON *http = cJSON_AddObjectToObject(rc, "http");
    cJSON_AddStringToObject(http, "method", method);
    cJSON_AddStringToObject(http, "path", path);
    cJSON_AddStringToObject(http, "protocol", "HTTP/1.1");
    cJSON_AddStringToObject(http, "sourceIp", "203.0.113.77");
    cJSON_AddStringToObject(http, "userAgent", "Mozilla/5.0 (lambda test)");
    cJSON_AddStringToObject(rc, "requestId", request_id);
    cJSON_AddStringToObject(rc, "routeKey", route);
    cJSON_AddStringToObject(rc, "stage", "$default");
    cJSON_AddStringToObject(rc, "time", "27/Nov/2026:10:00:00 +0000");
    cJSON_AddNumberToObject(rc, "timeEpoch", 1795773600000.0); /* 2026-11-27T10:00:00Z */
    if (body)
        cJSON_AddStringToObject(e, "body", body);
    cJSON_AddBoolToObject(e, "isBase64Encoded", base64);
    char *s = cJSON_PrintUnformatted(e);
    cJSON_Delete(e);
    return s;
}

typedef struct {
    cJSON *lines;
    int objects;
} collected_t;

static int collect(const char *key, int64_t size, const char *etag, int64_t mtime, void *ud)
{
    (void)size;
    (void)etag;
    (void)mtime;
    collected_t *c = ud;
    ck_assert_msg(strncmp(key, "events/2026/11/27/10/event-", 27) == 0, "key %s", key);
    c->objects++;
    return 0;
}

typedef struct {
    sbw_lake_t *lake;
    int single, batch;
} read_ctx_t;

static int read_each(const char *k, int64_t size, const char *etag, int64_t mtime, void *ud)
{
    (void)size;
    (void)etag;
    (void)mtime;
    read_ctx_t *cx = ud;
    char *data = NULL, err[512];
    size_t len = 0;
    ck_assert_msg(sbw_lake_get(cx->lake, k, 1 << 20, &data, &len, err, sizeof err) == 0, "%s", err);
    int lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += data[i] == '\n';
    char *first_nl = strchr(data, '\n');
    *first_nl = '\0';
    cJSON *ev = cJSON_Parse(data);
    ck_assert_ptr_nonnull(ev);
    cJSON *ing = cJSON_GetObjectItem(ev, "_ingest");
    ck_assert_str_eq(cJSON_GetObjectItem(ing, "sourceIp")->valuestring, "203.0.113.0");
    ck_assert_str_eq(cJSON_GetObjectItem(ing, "receivedAt")->valuestring, "2026-11-27T10:00:00.000Z");
    ck_assert_str_eq(cJSON_GetObjectItem(ing, "userAgent")->valuestring, "Mozilla/5.0 (lambda test)");
    ck_assert_str_eq(cJSON_GetObjectItem(ing, "traceId")->valuestring,
                     "Root=1-67891233-abcdef012345678912345678");
    if (lines == 1) {
        cx->single++;
        ck_assert_str_eq(cJSON_GetObjectItem(ev, "eventName")->valuestring, "product_view");
        ck_assert_str_eq(cJSON_GetObjectItem(ing, "requestId")->valuestring, "inv-1");
    } else {
        ck_assert_int_eq(lines, 2);
        cx->batch++;
        ck_assert_str_eq(cJSON_GetObjectItem(ev, "eventName")->valuestring, "page_view");
        ck_assert_str_eq(cJSON_GetObjectItem(ing, "requestId")->valuestring, "inv-2");
        ck_assert_int_eq(strlen(cJSON_GetObjectItem(ing, "eventId")->valuestring), 36);
    }
    cJSON_Delete(ev);
    free(data);
    return 0;
}

START_TEST(bootstrap_handles_api_gateway_events_into_s3)
{
    char bucket[128], prefix[128], url[512], err[512];
    char *ep = sbw_test_s3_endpoint(bucket, sizeof bucket);
    snprintf(prefix, sizeof prefix, "lambda-%ld-%ld", (long)getpid(), (long)time(NULL));
    snprintf(url, sizeof url, "s3://%s/%s", bucket, prefix);

    sbw_runtime_api_t *rt = sbw_runtime_api_start();
    struct {
        const char *id, *method, *path, *body, *ctype;
        int base64;
        int status;
        const char *resp_body;
    } inv[] = {
        {"inv-1", "POST", "/clickstream",
         "{\"eventName\":\"product_view\",\"eventId\":\"550e8400-e29b-41d4-a716-446655440000\","
         "\"clientId\":\"c1\",\"product\":{\"id\":\"p1\",\"price\":1990000}}",
         "application/json", 0, 200, "{\"success\":true}"},
        /* base64 of [{"eventName":"page_view"},{"eventName":"click"}] */
        {"inv-2", "POST", "/clickstream",
         "W3siZXZlbnROYW1lIjoicGFnZV92aWV3In0seyJldmVudE5hbWUiOiJjbGljayJ9XQ==", "text/plain", 1,
         200, "{\"success\":true,\"accepted\":2,\"rejected\":[]}"},
        {"inv-3", "OPTIONS", "/clickstream", NULL, NULL, 0, 204, ""},
        {"inv-4", "GET", "/clickstream", NULL, NULL, 0, 405,
         "{\"success\":false,\"message\":\"method not allowed: use POST\"}"},
        {"inv-5", "POST", "/clickstream", "%%%not base64%%%", "application/json", 1, 400,
         "{\"success\":false,\"message\":\"body is not valid base64\"}"},
        {"inv-6", "POST", "/clickstream", "{\"userId\":\"u-1\"}", "application/json", 0, 400,
         "{\"success\":false,\"message\":\"eventName missing\"}"},
    };
    int n = sizeof inv / sizeof *inv;
    for (int i = 0; i < n; i++) {
        char *e = apigw_event(inv[i].method, inv[i].path, inv[i].body, inv[i].base64,
                              inv[i].ctype, inv[i].id);
        sbw_runtime_api_queue(rt, inv[i].id, e, strlen(e), 0, "Root=1-abc", NULL);
        free(e);
    }
    /* Not an API Gateway event at all: a function error, not a crash. */
    const char *bad = "{\"source\":\"aws.events\",\"detail-type\":\"Scheduled Event\"}";
    sbw_runtime_api_queue(rt, "inv-7", bad, strlen(bad), 0, NULL, NULL);

    static char env[10][600];
    char *envp[11];
    snprintf(env[0], sizeof env[0], "AWS_LAMBDA_RUNTIME_API=%s", sbw_runtime_api_address(rt));
    snprintf(env[1], sizeof env[1], "SBW_LAKE=%s", url);
    snprintf(env[2], sizeof env[2], "AWS_ENDPOINT_URL_S3=%s", ep);
    snprintf(env[3], sizeof env[3], "AWS_ACCESS_KEY_ID=S3RVER");
    snprintf(env[4], sizeof env[4], "AWS_SECRET_ACCESS_KEY=S3RVER");
    snprintf(env[5], sizeof env[5], "AWS_REGION=us-east-1");
    snprintf(env[6], sizeof env[6], "SBW_LAMBDA_MAX_INVOCATIONS=%d", n + 1);
    snprintf(env[7], sizeof env[7], "AWS_SESSION_TOKEN=test-session-token");
    for (int i = 0; i < 8; i++)
        envp[i] = env[i];
    envp[8] = NULL;
    char *dir = sbw_test_tmpdir("sbw-lambda");
    char log[4096];
    snprintf(log, sizeof log, "%s/bootstrap.log", dir);
    int pid = sbw_test_spawn("ingest/sbw-ingest-lambda", NULL, envp, dir, log);

    for (int i = 0; i < n; i++) {
        sbw_runtime_api_result_t r;
        ck_assert_msg(sbw_runtime_api_wait_result(rt, inv[i].id, 20000, &r) == 0,
                      "no result for %s", inv[i].id);
        ck_assert_int_eq(r.kind, SBW_RUNTIME_API_RESPONSE);
        ck_assert_int_eq(r.posts, 1);
        cJSON *resp = cJSON_Parse(r.body);
        ck_assert_msg(resp != NULL, "%s: response is not JSON: %s", inv[i].id, r.body);
        ck_assert_msg(cJSON_GetObjectItem(resp, "statusCode")->valueint == inv[i].status,
                      "%s: status %d, want %d (%s)", inv[i].id,
                      cJSON_GetObjectItem(resp, "statusCode")->valueint, inv[i].status, r.body);
        const cJSON *body = cJSON_GetObjectItem(resp, "body");
        ck_assert_str_eq(body->valuestring, inv[i].resp_body);
        const cJSON *h = cJSON_GetObjectItem(resp, "headers");
        if (inv[i].status != 400 || strcmp(inv[i].id, "inv-5") != 0) {
            const cJSON *acao = cJSON_GetObjectItem(h, "Access-Control-Allow-Origin");
            ck_assert_msg(acao && strcmp(acao->valuestring, "*") == 0, "%s: no CORS header: %s",
                          inv[i].id, r.body);
        }
        cJSON_Delete(resp);
        sbw_runtime_api_result_cleanup(&r);
    }
    sbw_runtime_api_result_t r7;
    ck_assert_int_eq(sbw_runtime_api_wait_result(rt, "inv-7", 20000, &r7), 0);
    ck_assert_int_eq(r7.kind, SBW_RUNTIME_API_ERROR);
    ck_assert_str_eq(r7.error_type, "Handler.BadEvent");
    sbw_runtime_api_result_cleanup(&r7);

    /* The bootstrap stops after its invocations (SBW_LAMBDA_MAX_INVOCATIONS). */
    int status = 0;
    for (int i = 0; i < 200 && waitpid(pid, &status, WNOHANG) == 0; i++)
        usleep(50 * 1000);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "bootstrap exit status %d", status);
    ck_assert_int_eq(sbw_runtime_api_stray_posts(rt), 0);
    sbw_runtime_api_stop(rt);

    /* Two objects (inv-1, inv-2) with three events, enriched from the API Gateway context. */
    sbw_lake_opts_t o;
    sbw_lake_opts_init(&o);
    snprintf(o.s3.endpoint, sizeof o.s3.endpoint, "%s", ep);
    o.s3.path_style = 1;
    snprintf(o.s3.access_key_id, sizeof o.s3.access_key_id, "S3RVER");
    snprintf(o.s3.secret_access_key, sizeof o.s3.secret_access_key, "S3RVER");
    sbw_lake_t *lake = NULL;
    ck_assert_msg(sbw_lake_open(url, &o, &lake, err, sizeof err) == 0, "%s", err);
    collected_t c = {NULL, 0};
    ck_assert_int_eq(sbw_lake_list(lake, "events/", NULL, collect, &c, err, sizeof err), 0);
    ck_assert_int_eq(c.objects, 2);
    /* Read each object: the one-event object is exactly one JSON object, as the original wrote. */
    read_ctx_t cx = {lake, 0, 0};
    ck_assert_int_eq(sbw_lake_list(lake, "events/", NULL, read_each, &cx, err, sizeof err), 0);
    int found_single = cx.single, found_batch = cx.batch;
    ck_assert_int_eq(found_single, 1);
    ck_assert_int_eq(found_batch, 1);
    sbw_lake_free(lake);
    free(ep);
    free(dir);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("ingest_lambda_s3");
    TCase *tc = tcase_create("bootstrap");
    tcase_set_timeout(tc, 90);
    tcase_add_test(tc, bootstrap_handles_api_gateway_events_into_s3);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return sbw_test_run(suite());
}
