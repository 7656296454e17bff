/* Integration test of sbw-sim writing to an S3 lake (the s3rver fixture), settings from AWS_*:
 * every object under the prefix, keys by hour, as many lines as the summary says. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "sbw_lake.h"
#include "sbw_test.h"

typedef struct {
    sbw_lake_t *lake;
    int objects, lines;
} count_t;

static int count_object(const char *key, int64_t size, const char *etag, int64_t lm, void *ud)
{
    count_t *c = ud;
    ck_assert_msg(strncmp(key, "events/2026/11/2", 16) == 0 && strstr(key, "/event-"), "key %s",
                  key);
    char *data = NULL, err[512];
    size_t len = 0;
    ck_assert_msg(sbw_lake_get(c->lake, key, 64 << 20, &data, &len, err, sizeof err) == 0, "%s",
                  err);
    ck_assert_int_eq((int64_t)len, size);
    for (size_t i = 0; i < len; i++)
        c->lines += data[i] == '\n';
    free(data);
    c->objects++;
    return 0;
}

START_TEST(lake_on_s3)
{
    char bucket[128];
    char *ep = sbw_test_s3_endpoint(bucket, sizeof bucket);
    char prefix[128], url[512];
    snprintf(prefix, sizeof prefix, "sim-%ld-%ld", (long)getpid(), (long)time(NULL));
    snprintf(url, sizeof url, "s3://%s/%s", bucket, prefix);
    static char env[5][600];
    snprintf(env[0], sizeof env[0], "AWS_ENDPOINT_URL_S3=%s", ep);
    snprintf(env[1], sizeof env[1], "AWS_ACCESS_KEY_ID=S3RVER");
    snprintf(env[2], sizeof env[2], "AWS_SECRET_ACCESS_KEY=S3RVER");
    snprintf(env[3], sizeof env[3], "AWS_REGION=us-east-1");
    snprintf(env[4], sizeof env[4], "SBW_LAKE=%s", url); /* no --lake: from the environment */
    char *envp[] = {env[0], env[1], env[2], env[3], env[4], NULL};
    char *args[] = {"lake",
                    "--days",
                    "1",
                    "--end",
                    "2026-11-27T00:00:00Z",
                    "--seed",
                    "12",
                    "--visits-per-day",
                    "300",
                    "--group",
                    "200",
                    "--writers",
                    "4",
                    NULL};
    char *dir = sbw_test_tmpdir("sbw-sim-s3");
    char log[4200];
    snprintf(log, sizeof log, "%s/sim.log", dir);
    int pid = sbw_test_spawn("sim/sbw-sim", args, envp, dir, log);
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    char *text = sbw_test_read_file(log, NULL);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "sbw-sim failed: %s", text);
    const char *json = strstr(text, "{\"events\"");
    ck_assert_msg(json != NULL, "no summary: %s", text);
    cJSON *sum = cJSON_Parse(json);
    ck_assert_ptr_nonnull(sum);
    int events = cJSON_GetObjectItem(sum, "events")->valueint;
    int objects = cJSON_GetObjectItem(sum, "objects")->valueint;
    ck_assert_ptr_nonnull(strstr(cJSON_GetObjectItem(sum, "lake")->valuestring, "s3://"));
    ck_assert(events > 1000);

    sbw_lake_opts_t o;
    sbw_lake_opts_init(&o);
    snprintf(o.s3.endpoint, sizeof o.s3.endpoint, "%s", ep);
    o.s3.path_style = 1;
    snprintf(o.s3.access_key_id, sizeof o.s3.access_key_id, "S3RVER");
    snprintf(o.s3.secret_access_key, sizeof o.s3.secret_access_key, "S3RVER");
    count_t c = {NULL, 0, 0};
    char err[512];
    ck_assert_msg(sbw_lake_open(url, &o, &c.lake, err, sizeof err) == 0, "%s", err);
    ck_assert_msg(sbw_lake_list(c.lake, "events/", NULL, count_object, &c, err, sizeof err) == 0,
                  "%s", err);
    ck_assert_int_eq(c.objects, objects);
    ck_assert_int_eq(c.lines, events);
    sbw_lake_free(c.lake);
    cJSON_Delete(sum);
    free(text);
    unlink(log);
    rmdir(dir);
    free(dir);
    free(ep);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sim_lake_s3");
    TCase *tc = tcase_create("s3");
    tcase_add_test(tc, lake_on_s3);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    return sbw_test_run(s);
}
