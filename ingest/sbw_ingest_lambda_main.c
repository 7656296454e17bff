/* sbw-ingest-lambda: the collector as an AWS Lambda custom runtime (the `bootstrap` of the
 * function zip) behind API Gateway HTTP API v2; same handler as sbw-ingest, one lake object
 * per invocation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "sbw_apigw.h"
#include "sbw_ingest.h"
#include "sbw_ingest_settings.h"
#include "sbw_lake.h"
#include "sbw_lambda.h"
#include "sbw_log.h"
#include "sbw_uuid.h"

typedef struct {
    sbw_ingest_settings_t st;
    sbw_lake_t *lake;
    sbw_apigw_limits_t limits;
} lambda_app_t;

static int64_t now_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* One invocation = one object: Lambda cannot group requests across invocations. */
static int store_object(void *ud, const char *lines, size_t len, int64_t received_ms, char *err,
                        size_t errlen)
{
    lambda_app_t *app = ud;
    char id[SBW_UUID_SIZE], key[128];
    sbw_uuid_random(id);
    if (sbw_lake_key_for(received_ms, id, key, sizeof key) != 0) {
        snprintf(err, errlen, "cannot name the object");
        return -1;
    }
    int rc = sbw_lake_put(app->lake, key, lines, len, err, errlen);
    if (rc != 0)
        SBW_ERROR(key, "lake write failed: %s", err);
    return rc == 0 ? 0 : -1;
}

/* The route's path: from routeKey ("POST /clickstream"), else rawPath without the stage. */
static const char *route_path(const sbw_apigw_request_t *r)
{
    if (r->route_key && strcmp(r->route_key, "$default") != 0) {
        const char *sp = strchr(r->route_key, ' ');
        if (sp)
            return sp + 1;
    }
    const char *p = r->raw_path;
    if (r->stage && strcmp(r->stage, "$default") != 0) {
        size_t l = strlen(r->stage);
        if (p[0] == '/' && strncmp(p + 1, r->stage, l) == 0 && p[1 + l] == '/')
            return p + 1 + l;
    }
    return p;
}

static int reply_with(sbw_lambda_reply_t *reply, int status, const char *body, size_t len,
                      const sbw_apigw_header_t *h, size_t nh)
{
    char err[256];
    if (sbw_apigw_response_json(status, body, len, h, nh, &reply->body, &reply->body_len, err,
                                sizeof err) != 0) {
        snprintf(reply->error_type, sizeof reply->error_type, "Runtime.ResponseError");
        snprintf(reply->error_message, sizeof reply->error_message, "%s", err);
        return -1;
    }
    return 0;
}

static int handle(const sbw_lambda_invocation_t *inv, const char *event, size_t len,
                  sbw_lambda_reply_t *reply, void *ud)
{
    lambda_app_t *app = ud;
    char err[512];
    sbw_apigw_request_t *r = NULL;
    int rc = sbw_apigw_request_parse(event, len, &app->limits, &r, err, sizeof err);
    if (rc == SBW_APIGW_EEVENT || rc == SBW_APIGW_ENOMEM) {
        snprintf(reply->error_type, sizeof reply->error_type,
                 rc == SBW_APIGW_EEVENT ? "Handler.BadEvent" : "Runtime.OutOfMemory");
        snprintf(reply->error_message, sizeof reply->error_message, "%s", err);
        SBW_ERROR(inv->request_id, "%s", err);
        return -1;
    }
    if (rc != 0) { /* bad base64 or too large: the client's fault */
        char body[640];
        int n = snprintf(body, sizeof body, "{\"success\":false,\"message\":\"%s\"}",
                         rc == SBW_APIGW_ETOOLARGE ? "body too large" : "body is not valid base64");
        sbw_apigw_request_free(r);
        return reply_with(reply, rc == SBW_APIGW_ETOOLARGE ? 413 : 400, body, (size_t)n, NULL, 0);
    }
    int64_t received = r->time_epoch_ms ? r->time_epoch_ms : now_ms();
    sbw_ingest_req_t req = {
        .method = r->method,
        .path = route_path(r),
        .content_type = sbw_apigw_header(r, "content-type"),
        .content_encoding = sbw_apigw_header(r, "content-encoding"),
        .origin = sbw_apigw_header(r, "origin"),
        .body = r->body ? r->body : "",
        .body_len = r->body ? r->body_len : 0,
        .received_at_ms = received,
        .source_ip = r->source_ip,
        .user_agent = r->user_agent ? r->user_agent : sbw_apigw_header(r, "user-agent"),
        .request_id = r->request_id ? r->request_id : inv->request_id,
        .trace_id = r->trace_id ? r->trace_id : (inv->trace_id[0] ? inv->trace_id : NULL),
    };
    sbw_ingest_resp_t resp;
    sbw_ingest_handle(&app->st.ingest, &req, store_object, app, &resp);
    sbw_apigw_header_t h[SBW_INGEST_MAX_HEADERS + 1];
    size_t nh = 0;
    if (resp.body)
        h[nh++] = (sbw_apigw_header_t){"content-type", resp.content_type};
    for (int i = 0; i < resp.n_headers; i++)
        h[nh++] = (sbw_apigw_header_t){resp.header_name[i], resp.header_value[i]};
    if (resp.status >= 400)
        SBW_INFO(req.request_id, "%d %s", resp.status, resp.log_reason);
    rc = reply_with(reply, resp.status, resp.body ? resp.body : "", resp.body_len, h, nh);
    sbw_ingest_resp_cleanup(&resp);
    sbw_apigw_request_free(r);
    return rc;
}

int main(void)
{
    char err[1024];
    const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
    if (!api) {
        fprintf(stderr, "sbw-ingest-lambda: AWS_LAMBDA_RUNTIME_API is not set (run inside Lambda)\n");
        return 2;
    }
    static lambda_app_t app;
    if (sbw_ingest_settings_load(&app.st, sbw_cfg_getenv, NULL, err, sizeof err) != 0) {
        sbw_lambda_init_error(api, "Runtime.ConfigError", err, NULL, 0);
        fprintf(stderr, "sbw-ingest-lambda: configuration error: %s\n", err);
        return 2;
    }
    sbw_log_init("sbw-ingest-lambda", app.st.log_level);
    sbw_apigw_limits_init(&app.limits);
    if (sbw_lake_open(app.st.lake_url, &app.st.lake_opts, &app.lake, err, sizeof err) != 0) {
        sbw_lambda_init_error(api, "Runtime.LakeError", err, NULL, 0);
        fprintf(stderr, "sbw-ingest-lambda: cannot open the lake: %s\n", err);
        return 2;
    }
    SBW_INFO(NULL, "ready, lake %s", sbw_lake_describe(app.lake));
    int max = getenv("SBW_LAMBDA_MAX_INVOCATIONS") ? atoi(getenv("SBW_LAMBDA_MAX_INVOCATIONS")) : 0;
    int rc = sbw_lambda_run(api, handle, &app, max, err, sizeof err);
    if (rc != 0)
        SBW_ERROR(NULL, "runtime loop ended: %s", err);
    sbw_lake_free(app.lake);
    sbw_ingest_settings_cleanup(&app.st);
    return rc == 0 ? 0 : 1;
}
