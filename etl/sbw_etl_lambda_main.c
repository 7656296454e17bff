/* sbw-etl-lambda: the ETL as an AWS Lambda custom runtime (the `bootstrap` of the function
 * zip). An EventBridge scheduled event runs the default catch-up; manual events select with
 * overridePrefix, targetUtcHour, targetUtcDate, hoursBack and scope "day" (as the original
 * Lambda did). The response is the run's JSON summary; a failed run is a function error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "sbw_config.h"
#include "sbw_etl.h"
#include "sbw_lambda.h"
#include "sbw_log.h"

typedef struct {
    sbw_cfg_t cfg;
    sbw_etl_settings_t st;
} app_t;

static int handle(const sbw_lambda_invocation_t *inv, const char *event, size_t len,
                  sbw_lambda_reply_t *reply, void *ud)
{
    app_t *app = ud;
    sbw_etl_opts_t o;
    memset(&o, 0, sizeof o);
    o.trigger = "lambda";
    cJSON *ev = cJSON_ParseWithLength(event, len);
    char err[512];
    if (!ev && len > 0) {
        snprintf(reply->error_type, sizeof reply->error_type, "Handler.BadEvent");
        snprintf(reply->error_message, sizeof reply->error_message, "event is not JSON");
        return -1;
    }
    int rc = sbw_etl_sel_from_json(ev, &o.sel, err, sizeof err);
    cJSON_Delete(ev);
    if (rc != 0) {
        snprintf(reply->error_type, sizeof reply->error_type, "Handler.BadEvent");
        snprintf(reply->error_message, sizeof reply->error_message, "%s", err);
        SBW_ERROR(inv->request_id, "%s", err);
        return -1;
    }
    sbw_etl_summary_t sum;
    rc = sbw_etl_run(&app->cfg, &app->st, &o, &sum);
    char *json = sbw_etl_summary_json(&sum);
    if (!json) {
        snprintf(reply->error_type, sizeof reply->error_type, "Runtime.OutOfMemory");
        snprintf(reply->error_message, sizeof reply->error_message, "out of memory");
        return -1;
    }
    SBW_INFO(inv->request_id, "%s", json);
    if (rc != 0) {
        snprintf(reply->error_type, sizeof reply->error_type,
                 rc == 2 ? "Handler.BadEvent" : "ETL.RunFailed");
        snprintf(reply->error_message, sizeof reply->error_message, "%s", json);
        free(json);
        return -1;
    }
    reply->body = json;
    reply->body_len = strlen(json);
    return 0;
}

int main(int argc, char **argv)
{
    (void)argv;
    char err[1024];
    const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
    if (!api || !*api) {
        fprintf(stderr, "sbw-etl-lambda: AWS_LAMBDA_RUNTIME_API is not set (run inside Lambda)\n");
        return 2;
    }
    int max_inv = 0;
    const char *mi = getenv("SBW_LAMBDA_MAX_INVOCATIONS"); /* tests: stop after N */
    if (mi && *mi)
        max_inv = atoi(mi);
    (void)argc;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    app_t *app = calloc(1, sizeof *app);
    size_t nvars;
    const sbw_cfg_var_t *vars = sbw_etl_cfg_vars(&nvars);
    sbw_log_level_t level = SBW_LOG_INFO;
    int rc = 1;
    if (!app) {
        snprintf(err, sizeof err, "out of memory");
    } else if (sbw_cfg_load(vars, nvars, sbw_cfg_getenv, NULL, &app->cfg, err, sizeof err) != 0) {
        /* err names the variable */
    } else if (sbw_log_level_parse(sbw_cfg_str(&app->cfg, "SBW_LOG_LEVEL"), &level) != 0) {
        snprintf(err, sizeof err, "SBW_LOG_LEVEL: not debug/info/warn/error");
    } else {
        sbw_log_init("sbw-etl-lambda", level);
        const char *task = getenv("LAMBDA_TASK_ROOT");
        if (sbw_etl_settings_load(&app->cfg, sbw_cfg_getenv, NULL, task ? task : "/tmp", &app->st,
                                  err, sizeof err) == 0)
            rc = 0;
    }
    if (rc != 0) {
        char e2[512];
        fprintf(stderr, "sbw-etl-lambda: configuration error: %s\n", err);
        sbw_lambda_init_error(api, "Runtime.ConfigError", err, e2, sizeof e2);
    } else if (sbw_lambda_run(api, handle, app, max_inv, err, sizeof err) != 0) {
        SBW_ERROR(NULL, "runtime loop: %s", err);
        rc = 1;
    }
    if (app)
        sbw_cfg_cleanup(&app->cfg);
    free(app);
    curl_global_cleanup();
    return rc;
}
