/* Integration test of sbw-etl on the S3 path: the real binary against s3rver (the CTest s3
 * fixture) with more than 1000 objects in one hour, so listing must follow continuation
 * tokens (the original ETL read only the first 1000 keys). */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <libpq-fe.h>

#include "sbw_lake.h"
#include "sbw_test.h"

#define OBJECTS 1100

static long qlong(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql, PQresultErrorMessage(r));
    long n = strtol(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return n;
}

static cJSON *run_etl(char *const *env, const char *dir, int n)
{
    char log[2048];
    snprintf(log, sizeof log, "%s/run-%d.log", dir, n);
    char *args[] = {"run", NULL};
    int pid = sbw_test_spawn("etl/sbw-etl", args, env, dir, log);
    int st = 0;
    for (int waited = 0; waited < 120000; waited += 20) {
        if (waitpid(pid, &st, WNOHANG) == pid)
            break;
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    char *text = sbw_test_read_file(log, NULL);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "sbw-etl failed:\n%s", text);
    char *last = NULL;
    for (char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (*p == '{')
            last = p;
    ck_assert_msg(last != NULL, "no summary:\n%s", text);
    last[strcspn(last, "\n")] = '\0';
    cJSON *j = cJSON_Parse(last);
    ck_assert_msg(j != NULL, "bad summary %s", last);
    free(text);
    return j;
}

static long num(const cJSON *j, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, name);
    ck_assert_msg(cJSON_IsNumber(v), "summary has no %s", name);
    return (long)v->valuedouble;
}

START_TEST(s3_more_than_1000_objects_in_one_hour)
{
    char bucket[128], url[512], err[512];
    char *ep = sbw_test_s3_endpoint(bucket, sizeof bucket);
    snprintf(url, sizeof url, "s3://%s/etl-%ld-%ld", bucket, (long)getpid(), (long)time(NULL));
    sbw_lake_opts_t o;
    sbw_lake_opts_init(&o);
    snprintf(o.s3.endpoint, sizeof o.s3.endpoint, "%s", ep);
    o.s3.path_style = 1;
    snprintf(o.s3.access_key_id, sizeof o.s3.access_key_id, "S3RVER");
    snprintf(o.s3.secret_access_key, sizeof o.s3.secret_access_key, "S3RVER");
    sbw_lake_t *lake = NULL;
    ck_assert_msg(sbw_lake_open(url, &o, &lake, err, sizeof err) == 0, "%s", err);
    for (int i = 0; i < OBJECTS; i++) {
        char key[128], body[1024];
        snprintf(key, sizeof key, "events/2026/11/20/10/event-%05d.json", i);
        snprintf(
            body, sizeof body,
            "{\"eventName\":\"page_view\",\"eventId\":\"00000000-0000-4000-8000-%012x\","
            "\"clientId\":\"c-%d\",\"_ingest\":{\"receivedAt\":\"2026-11-20T10:%02d:%02d.000Z\"}}\n"
            "{\"eventName\":\"product_view\",\"eventId\":\"00000000-0000-4000-9000-%012x\","
            "\"clientId\":\"c-%d\",\"product\":{\"id\":\"p-%d\",\"price\":\"12.50\"},"
            "\"_ingest\":{\"receivedAt\":\"2026-11-20T10:%02d:%02d.500Z\"}}\n",
            i, i, i / 60 % 60, i % 60, i, i, i % 10, i / 60 % 60, i % 60);
        ck_assert_msg(sbw_lake_put(lake, key, body, strlen(body), err, sizeof err) == 0, "%s", err);
    }
    sbw_lake_free(lake);

    char *db = sbw_test_pg_scratch_db("etl_s3");
    char *dsn = sbw_test_pg_role_conninfo("sbw_etl", db);
    char *dir = sbw_test_tmpdir("sbw-etl-s3");
    static char env[10][1100];
    char *envp[11];
    snprintf(env[0], sizeof env[0], "SBW_PG_DSN=%s", dsn);
    snprintf(env[1], sizeof env[1], "SBW_LAKE=%s", url);
    snprintf(env[2], sizeof env[2], "AWS_ENDPOINT_URL_S3=%s", ep);
    snprintf(env[3], sizeof env[3], "AWS_ACCESS_KEY_ID=S3RVER");
    snprintf(env[4], sizeof env[4], "AWS_SECRET_ACCESS_KEY=S3RVER");
    snprintf(env[5], sizeof env[5], "SBW_REFRESH_URL=");
    snprintf(env[6], sizeof env[6], "SBW_ETL_NOW=2026-11-20T11:30:00Z");
    for (int i = 0; i < 7; i++)
        envp[i] = env[i];
    envp[7] = NULL;

    cJSON *s = run_etl(envp, dir, 1);
    ck_assert_int_eq(num(s, "objects_listed"), OBJECTS);
    ck_assert_int_eq(num(s, "objects_loaded"), OBJECTS);
    ck_assert_int_eq(num(s, "events_inserted"), 2 * OBJECTS);
    ck_assert_int_eq(num(s, "events_duplicate"), 0);
    ck_assert_int_eq(num(s, "events_rejected"), 0);
    cJSON_Delete(s);

    char *oci = sbw_test_pg_role_conninfo("sbw_owner", db);
    PGconn *c = PQconnectdb(oci);
    free(oci);
    ck_assert(PQstatus(c) == CONNECTION_OK);
    ck_assert_int_eq(qlong(c, "SELECT count(*) FROM clickstream_events"), 2 * OBJECTS);
    ck_assert_int_eq(qlong(c, "SELECT count(*) FROM etl_manifest WHERE status = 'loaded'"
                              " AND etag IS NOT NULL AND last_modified_at IS NOT NULL"),
                     OBJECTS);
    /* The last key (past the first 1000) is there, with its exact values. */
    ck_assert_int_eq(qlong(c, "SELECT count(*) FROM clickstream_events WHERE"
                              " event_id = '00000000-0000-4000-9000-00000000044b'"
                              " AND raw_object_key = 'events/2026/11/20/10/event-01099.json'"
                              " AND context_product_price = 12.50 AND context_product_id = 'p-9'"
                              " AND received_at = '2026-11-20T10:18:19.500Z'"),
                     1);

    s = run_etl(envp, dir, 2);
    ck_assert_int_eq(num(s, "objects_listed"), OBJECTS);
    ck_assert_int_eq(num(s, "objects_skipped"), OBJECTS);
    ck_assert_int_eq(num(s, "events_inserted"), 0);
    cJSON_Delete(s);
    ck_assert_int_eq(qlong(c, "SELECT count(*) FROM clickstream_events"), 2 * OBJECTS);
    PQfinish(c);
    for (int i = 1; i <= 2; i++) {
        char log[2048];
        snprintf(log, sizeof log, "%s/run-%d.log", dir, i);
        unlink(log);
    }
    rmdir(dir);
    sbw_test_pg_drop_db(db);
    free(db);
    free(dsn);
    free(dir);
    free(ep);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("etl_s3");
    TCase *t = tcase_create("s3_pagination");
    tcase_add_test(t, s3_more_than_1000_objects_in_one_hour);
    tcase_set_timeout(t, 240);
    suite_add_tcase(s, t);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
