/* Integration tests of sbw_lambda against a real HTTP fake of the Lambda Runtime API. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sbw_apigw.h"
#include "sbw_lambda.h"
#include "sbw_runtime_api.h"
#include "sbw_test.h"

#define WAIT_MS 10000

typedef struct {
    int calls;
    sbw_lambda_invocation_t invs[8];
    size_t event_lens[8];
} seen_t;

typedef struct {
    const char *api;
    sbw_lambda_handler_fn handler;
    seen_t *seen;
    int max;
    int rc;
    char err[512];
} loop_t;

static void *run_loop(void *arg)
{
    loop_t *l = arg;
    l->rc = sbw_lambda_run(l->api, l->handler, l->seen, l->max, l->err, sizeof l->err);
    return NULL;
}

static void record_call(seen_t *seen, const sbw_lambda_invocation_t *inv, size_t len)
{
    if (seen->calls < 8) {
        seen->invs[seen->calls] = *inv;
        seen->event_lens[seen->calls] = len;
    }
    seen->calls++;
}

/* The API Gateway handler under test: echoes the route key and body length of POSTs as a v2
 * response, and fails GETs with a function error. */
static int echo_handler(const sbw_lambda_invocation_t *inv, const char *event, size_t len,
                        sbw_lambda_reply_t *reply, void *ud)
{
    record_call(ud, inv, len);
    sbw_apigw_request_t *req = NULL;
    char err[256];
    if (sbw_apigw_request_parse(event, len, NULL, &req, err, sizeof err) != 0) {
        sbw_apigw_request_free(req);
        snprintf(reply->error_type, sizeof reply->error_type, "Handler.BadEvent");
        snprintf(reply->error_message, sizeof reply->error_message, "%s", err);
        return -1;
    }
    int rc = -1;
    if (strcmp(req->method, "GET") == 0) {
        snprintf(reply->error_type, sizeof reply->error_type, "Handler.MethodNotAllowed");
        snprintf(reply->error_message, sizeof reply->error_message,
                 "%s is not served here (request %s)", req->route_key, req->request_id);
        goto out;
    }
    char body[256];
    snprintf(body, sizeof body, "{\"route\":\"%s\",\"bodyLen\":%zu,\"base64\":%s}", req->route_key,
             req->body_len, req->body_was_base64 ? "true" : "false");
    const sbw_apigw_header_t h[] = {{"Content-Type", "application/json"}};
    if (sbw_apigw_response_json(200, body, strlen(body), h, 1, &reply->body, &reply->body_len, err,
                                sizeof err) != 0)
        goto out;
    rc = 0;
out:
    sbw_apigw_request_free(req);
    return rc;
}

static void queue_fixture(sbw_runtime_api_t *rt, const char *rel, const char *id, int64_t deadline,
                          const char *trace)
{
    size_t len;
    char *ev = sbw_test_fixture(rel, &len);
    sbw_runtime_api_queue(rt, id, ev, len, deadline, trace,
                          "arn:aws:lambda:ap-southeast-1:123456789012:function:sbw-ingest");
    free(ev);
}

START_TEST(three_invocations_answered_per_request_id)
{
    sbw_runtime_api_t *rt = sbw_runtime_api_start();
    queue_fixture(rt, "apigw/post_json.json", "8476a536-e9f4-11e8-9739-2dfe598c3fcd",
                  1718000030000LL,
                  "Root=1-66669a80-3f2e8c1d9b7a6e5f4d3c2b1a;Parent=1a2b3c4d5e6f7081;Sampled=1");
    queue_fixture(rt, "apigw/get_health.json", "9c2e7d10-e9f4-11e8-9739-2dfe598c3fce",
                  1718000031000LL, NULL);
    queue_fixture(rt, "apigw/post_base64_array.json", "a1f0c3b2-e9f4-11e8-9739-2dfe598c3fcf", 0,
                  "Root=1-66669a81-000000000000000000000003");

    seen_t seen = {0};
    loop_t l = {sbw_runtime_api_address(rt), echo_handler, &seen, 3, -99, ""};
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, run_loop, &l), 0);

    sbw_runtime_api_result_t r;
    ck_assert_int_eq(
        sbw_runtime_api_wait_result(rt, "8476a536-e9f4-11e8-9739-2dfe598c3fcd", WAIT_MS, &r), 0);
    ck_assert_int_eq(r.kind, SBW_RUNTIME_API_RESPONSE);
    ck_assert_int_eq(r.posts, 1);
    ck_assert_str_eq(r.body, "{\"statusCode\":200,\"headers\":{\"Content-Type\":"
                             "\"application/json\"},\"body\":\"{\\\"route\\\":\\\"POST "
                             "/clickstream\\\",\\\"bodyLen\\\":507,\\\"base64\\\":false}\","
                             "\"isBase64Encoded\":false}");
    ck_assert_str_eq(r.content_type, "application/json");
    ck_assert_ptr_null(r.error_type);
    sbw_runtime_api_result_cleanup(&r);

    ck_assert_int_eq(
        sbw_runtime_api_wait_result(rt, "9c2e7d10-e9f4-11e8-9739-2dfe598c3fce", WAIT_MS, &r), 0);
    ck_assert_int_eq(r.kind, SBW_RUNTIME_API_ERROR);
    ck_assert_int_eq(r.posts, 1);
    ck_assert_str_eq(r.body, "{\"errorMessage\":\"GET /health is not served here (request "
                             "YbX6PpT4SQ0EJzE=)\",\"errorType\":\"Handler.MethodNotAllowed\"}");
    ck_assert_str_eq(r.error_type, "Handler.MethodNotAllowed");
    sbw_runtime_api_result_cleanup(&r);

    ck_assert_int_eq(
        sbw_runtime_api_wait_result(rt, "a1f0c3b2-e9f4-11e8-9739-2dfe598c3fcf", WAIT_MS, &r), 0);
    ck_assert_int_eq(r.kind, SBW_RUNTIME_API_RESPONSE);
    ck_assert_int_eq(r.posts, 1);
    ck_assert_str_eq(r.body, "{\"statusCode\":200,\"headers\":{\"Content-Type\":"
                             "\"application/json\"},\"body\":\"{\\\"route\\\":\\\"POST "
                             "/clickstream\\\",\\\"bodyLen\\\":234,\\\"base64\\\":true}\","
                             "\"isBase64Encoded\":false}");
    sbw_runtime_api_result_cleanup(&r);

    ck_assert_int_eq(pthread_join(th, NULL), 0);
    ck_assert_msg(l.rc == 0, "sbw_lambda_run: %d %s", l.rc, l.err);
    ck_assert_int_eq(seen.calls, 3);
    ck_assert_int_eq(sbw_runtime_api_delivered(rt), 3);
    ck_assert_int_eq(sbw_runtime_api_stray_posts(rt), 0);

    /* The invocation headers reached the handler. */
    ck_assert_str_eq(seen.invs[0].request_id, "8476a536-e9f4-11e8-9739-2dfe598c3fcd");
    ck_assert_int_eq(seen.invs[0].deadline_ms, 1718000030000LL);
    ck_assert_str_eq(seen.invs[0].trace_id,
                     "Root=1-66669a80-3f2e8c1d9b7a6e5f4d3c2b1a;Parent=1a2b3c4d5e6f7081;Sampled=1");
    ck_assert_str_eq(seen.invs[0].function_arn,
                     "arn:aws:lambda:ap-southeast-1:123456789012:function:sbw-ingest");
    ck_assert_int_eq(sbw_lambda_remaining_ms(&seen.invs[0], 1718000029000LL), 1000);
    ck_assert_int_eq(sbw_lambda_remaining_ms(&seen.invs[0], 1718000031000LL), -1000);
    ck_assert_str_eq(seen.invs[1].trace_id, "");
    ck_assert_int_eq(seen.invs[2].deadline_ms, 0);
    ck_assert_int_eq(sbw_lambda_remaining_ms(&seen.invs[2], 1718000031000LL), INT64_MAX);
    size_t flen;
    free(sbw_test_fixture("apigw/post_base64_array.json", &flen));
    ck_assert_uint_eq(seen.event_lens[2], flen);
    sbw_runtime_api_stop(rt);
}
END_TEST

START_TEST(init_error_is_reported)
{
    sbw_runtime_api_t *rt = sbw_runtime_api_start();
    char err[256] = "";
    ck_assert_int_eq(sbw_lambda_init_error(sbw_runtime_api_address(rt), "Runtime.ConfigError",
                                           "RAW_BUCKET_NAME is not set", err, sizeof err),
                     0);
    sbw_runtime_api_result_t r;
    ck_assert_int_eq(sbw_runtime_api_wait_init_error(rt, WAIT_MS, &r), 0);
    ck_assert_int_eq(r.posts, 1);
    ck_assert_str_eq(r.body, "{\"errorMessage\":\"RAW_BUCKET_NAME is not set\",\"errorType\":"
                             "\"Runtime.ConfigError\"}");
    ck_assert_str_eq(r.error_type, "Runtime.ConfigError");
    ck_assert_str_eq(r.content_type, "application/json");
    sbw_runtime_api_result_cleanup(&r);
    ck_assert_int_eq(sbw_runtime_api_delivered(rt), 0);
    sbw_runtime_api_stop(rt);
}
END_TEST

static int never_called(const sbw_lambda_invocation_t *inv, const char *event, size_t len,
                        sbw_lambda_reply_t *reply, void *ud)
{
    record_call(ud, inv, len);
    return -1;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(unreachable_runtime_api_fails_promptly)
{
    char api[64], err[512] = "";
    snprintf(api, sizeof api, "127.0.0.1:%d", sbw_test_free_port()); /* nobody listens */
    seen_t seen = {0};
    double t0 = now_s();
    ck_assert_int_eq(sbw_lambda_run(api, never_called, &seen, 0, err, sizeof err), -1);
    double took = now_s() - t0;
    ck_assert_msg(took < 5.0, "took %.1f s", took);
    ck_assert_msg(took >= 0.6, "did not back off between attempts: %.3f s", took); /* 100+200+400 */
    ck_assert_msg(strncmp(err, "Runtime API unreachable after 4 attempts: GET http://", 53) == 0,
                  "%s", err);
    ck_assert_int_eq(seen.calls, 0);

    ck_assert_int_eq(sbw_lambda_init_error(api, NULL, "x", err, sizeof err), -1);
    ck_assert_msg(strstr(err, "unreachable") != NULL, "%s", err);

    ck_assert_int_eq(
        sbw_lambda_run("http://127.0.0.1:9001", never_called, &seen, 1, err, sizeof err), -1);
    ck_assert_str_eq(err, "AWS_LAMBDA_RUNTIME_API 'http://127.0.0.1:9001' is not host:port");
    ck_assert_int_eq(sbw_lambda_run("", never_called, &seen, 1, err, sizeof err), -1);
    ck_assert_int_eq(sbw_lambda_run(NULL, never_called, &seen, 1, err, sizeof err), -1);
}
END_TEST

START_TEST(container_error_stops_the_loop)
{
    sbw_runtime_api_t *rt = sbw_runtime_api_start();
    queue_fixture(rt, "apigw/post_json.json", "c0ffee00-0000-4000-8000-000000000001", 0, NULL);
    seen_t seen = {0};
    loop_t l = {sbw_runtime_api_address(rt), echo_handler, &seen, 0 /* forever */, -99, ""};
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, run_loop, &l), 0);
    sbw_runtime_api_result_t r;
    ck_assert_int_eq(
        sbw_runtime_api_wait_result(rt, "c0ffee00-0000-4000-8000-000000000001", WAIT_MS, &r), 0);
    ck_assert_int_eq(r.kind, SBW_RUNTIME_API_RESPONSE);
    sbw_runtime_api_result_cleanup(&r);
    /* Once the loop is blocked in invocation/next again, stopping answers it 500. */
    ck_assert_int_eq(sbw_runtime_api_wait_polling(rt, WAIT_MS), 0);
    double t0 = now_s();
    sbw_runtime_api_stop(rt);
    ck_assert_int_eq(pthread_join(th, NULL), 0);
    ck_assert_msg(now_s() - t0 < 5.0, "the loop did not stop promptly");
    ck_assert_int_eq(l.rc, -1);
    ck_assert_str_eq(l.err, "Runtime API answered HTTP 500 to invocation/next (container error)");
    ck_assert_int_eq(seen.calls, 1);
}
END_TEST

/* Per call: 0 answers 7 MiB, 1 fails with an unsafe error type, 2 answers nothing. */
static int limits_handler(const sbw_lambda_invocation_t *inv, const char *event, size_t len,
                          sbw_lambda_reply_t *reply, void *ud)
{
    seen_t *seen = ud;
    int call = seen->calls;
    record_call(seen, inv, len);
    if (call == 0) {
        reply->body_len = (size_t)7 * 1024 * 1024;
        reply->body = malloc(reply->body_len);
        ck_assert_ptr_nonnull(reply->body);
        memset(reply->body, 'x', reply->body_len);
        return 0;
    }
    if (call == 1) {
        snprintf(reply->error_type, sizeof reply->error_type, "Bad Type\r\nX-Evil: 1");
        snprintf(reply->error_message, sizeof reply->error_message, "line1\nline2 \"quoted\"");
        reply->body = strdup("ignored"); /* freed by the loop, never sent */
        return 1;
    }
    return 0; /* no body: "null" */
}

START_TEST(oversized_event_and_response)
{
    sbw_runtime_api_t *rt = sbw_runtime_api_start();
    size_t big = (size_t)7 * 1024 * 1024;
    char *huge = malloc(big);
    ck_assert_ptr_nonnull(huge);
    memset(huge, ' ', big);
    huge[0] = '{';
    huge[big - 1] = '}';
    sbw_runtime_api_queue(rt, "big-event", huge, big, 0, NULL, NULL);
    free(huge);
    sbw_runtime_api_queue(rt, "big-response", "{}", 2, 0, NULL, NULL);
    sbw_runtime_api_queue(rt, "bad-error-type", "{}", 2, 0, NULL, NULL);
    sbw_runtime_api_queue(rt, "null-response", "{}", 2, 0, NULL, NULL);

    seen_t seen = {0};
    loop_t l = {sbw_runtime_api_address(rt), limits_handler, &seen, 4, -99, ""};
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, run_loop, &l), 0);
    ck_assert_int_eq(pthread_join(th, NULL), 0);
    ck_assert_msg(l.rc == 0, "sbw_lambda_run: %s", l.err);
    ck_assert_int_eq(seen.calls, 3); /* the oversized event never reached the handler */
    ck_assert_str_eq(seen.invs[0].request_id, "big-response");

    sbw_runtime_api_result_t r;
    ck_assert_int_eq(sbw_runtime_api_wait_result(rt, "big-event", WAIT_MS, &r), 0);
    ck_assert_int_eq(r.kind, SBW_RUNTIME_API_ERROR);
    ck_assert_str_eq(r.error_type, "Runtime.EventTooLarge");
    ck_assert_str_eq(r.body, "{\"errorMessage\":\"event is larger than 6356992 bytes\","
                             "\"errorType\":\"Runtime.EventTooLarge\"}");
    sbw_runtime_api_result_cleanup(&r);

    ck_assert_int_eq(sbw_runtime_api_wait_result(rt, "big-response", WAIT_MS, &r), 0);
    ck_assert_int_eq(r.kind, SBW_RUNTIME_API_ERROR);
    ck_assert_int_eq(r.posts, 1);
    ck_assert_str_eq(r.error_type, "Function.ResponseSizeTooLarge");
    ck_assert_str_eq(r.body, "{\"errorMessage\":\"response is 7340032 bytes, more than the limit "
                             "of 6291456\",\"errorType\":\"Function.ResponseSizeTooLarge\"}");
    sbw_runtime_api_result_cleanup(&r);

    ck_assert_int_eq(sbw_runtime_api_wait_result(rt, "bad-error-type", WAIT_MS, &r), 0);
    ck_assert_int_eq(r.kind, SBW_RUNTIME_API_ERROR);
    ck_assert_str_eq(r.error_type, "Bad_Type__X-Evil:_1");
    ck_assert_str_eq(r.body, "{\"errorMessage\":\"line1\\nline2 \\\"quoted\\\"\","
                             "\"errorType\":\"Bad_Type__X-Evil:_1\"}");
    sbw_runtime_api_result_cleanup(&r);

    ck_assert_int_eq(sbw_runtime_api_wait_result(rt, "null-response", WAIT_MS, &r), 0);
    ck_assert_int_eq(r.kind, SBW_RUNTIME_API_RESPONSE);
    ck_assert_str_eq(r.body, "null");
    sbw_runtime_api_result_cleanup(&r);
    ck_assert_int_eq(sbw_runtime_api_stray_posts(rt), 0);
    sbw_runtime_api_stop(rt);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("lambda_runtime");
    TCase *loop = tcase_create("loop");
    tcase_set_timeout(loop, 60);
    tcase_add_test(loop, three_invocations_answered_per_request_id);
    tcase_add_test(loop, container_error_stops_the_loop);
    suite_add_tcase(s, loop);
    TCase *init = tcase_create("init_error");
    tcase_set_timeout(init, 60);
    tcase_add_test(init, init_error_is_reported);
    suite_add_tcase(s, init);
    TCase *unreach = tcase_create("unreachable");
    tcase_set_timeout(unreach, 60);
    tcase_add_test(unreach, unreachable_runtime_api_fails_promptly);
    suite_add_tcase(s, unreach);
    TCase *lim = tcase_create("limits");
    tcase_set_timeout(lim, 60);
    tcase_add_test(lim, oversized_event_and_response);
    suite_add_tcase(s, lim);
    return s;
}

int main(void)
{
    return sbw_test_run(suite());
}
