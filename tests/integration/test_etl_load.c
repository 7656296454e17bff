/* Integration tests of sbw-etl: the real binary against a scratch warehouse database of the
 * test cluster and a real local-folder lake. Rows are checked column by column. */
/* nftw */
#define _XOPEN_SOURCE 700
#include <check.h>
#include <ftw.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <civetweb.h>
#include <cjson/cJSON.h>
#include <libpq-fe.h>

#include "sbw_lake.h"
#include "sbw_runtime_api.h"
#include "sbw_test.h"
#include "sbw_time.h"

/* ---- a warehouse + lake per test ---- */

typedef struct {
    char *db;
    char *dir; /* temp folder: lake/ and logs */
    char lake_url[1024];
    sbw_lake_t *lake;    /* for writing objects */
    PGconn *owner;       /* sbw_owner on db, for checks and resets */
    char dsn[1024];      /* sbw_etl on db */
    char extra[8][1024]; /* extra NAME=value settings for the runs */
    int nextra;
    int logs;
} ctx_t;

static void ctx_init(ctx_t *c)
{
    memset(c, 0, sizeof *c);
    c->db = sbw_test_pg_scratch_db("etl");
    c->dir = sbw_test_tmpdir("sbw-etl");
    snprintf(c->lake_url, sizeof c->lake_url, "file://%s/lake", c->dir);
    sbw_lake_opts_t o;
    sbw_lake_opts_init(&o);
    o.create = 1;
    char err[512];
    ck_assert_msg(sbw_lake_open(c->lake_url, &o, &c->lake, err, sizeof err) == 0, "%s", err);
    char *ci = sbw_test_pg_role_conninfo("sbw_owner", c->db);
    c->owner = PQconnectdb(ci);
    free(ci);
    ck_assert_msg(PQstatus(c->owner) == CONNECTION_OK, "%s", PQerrorMessage(c->owner));
    ci = sbw_test_pg_role_conninfo("sbw_etl", c->db);
    snprintf(c->dsn, sizeof c->dsn, "%s", ci);
    free(ci);
}

static void ctx_set(ctx_t *c, const char *kv)
{
    ck_assert_int_lt(c->nextra, 8);
    snprintf(c->extra[c->nextra++], sizeof c->extra[0], "%s", kv);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void ctx_free(ctx_t *c)
{
    nftw(c->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    PQfinish(c->owner);
    sbw_lake_free(c->lake);
    sbw_test_pg_drop_db(c->db);
    free(c->db);
    free(c->dir);
}

static void put_n(ctx_t *c, const char *key, const char *data, size_t len)
{
    char err[512];
    ck_assert_msg(sbw_lake_put(c->lake, key, data, len, err, sizeof err) == 0, "%s", err);
}

static void put(ctx_t *c, const char *key, const char *data)
{
    put_n(c, key, data, strlen(data));
}

/* One value of a query as the owner ("" for NULL), malloc'd. */
static char *q(ctx_t *c, const char *sql)
{
    PGresult *r = PQexec(c->owner, sql);
    ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql, PQresultErrorMessage(r));
    ck_assert_msg(PQntuples(r) == 1 && PQnfields(r) == 1, "%s: %d rows", sql, PQntuples(r));
    char *v = strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

static long qlong(ctx_t *c, const char *sql)
{
    char *v = q(c, sql);
    long n = strtol(v, NULL, 10);
    free(v);
    return n;
}

static void qexec(ctx_t *c, const char *sql)
{
    PGresult *r = PQexec(c->owner, sql);
    ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK,
                  "%s: %s", sql, PQresultErrorMessage(r));
    PQclear(r);
}

/* Spawns sbw-etl run ARGS (NULL-terminated) with the context's settings; returns the pid. */
static int etl_spawn(ctx_t *c, const char *const *args, char *log, size_t loglen)
{
    static char env[16][1100];
    char *envp[17];
    int n = 0;
    snprintf(env[n++], sizeof env[0], "SBW_PG_DSN=%s", c->dsn);
    snprintf(env[n++], sizeof env[0], "SBW_LAKE=%s", c->lake_url);
    snprintf(env[n++], sizeof env[0], "SBW_LOG_LEVEL=info");
    int has_url = 0;
    for (int i = 0; i < c->nextra; i++)
        has_url |= strncmp(c->extra[i], "SBW_REFRESH_URL=", 16) == 0;
    if (!has_url)
        snprintf(env[n++], sizeof env[0], "SBW_REFRESH_URL=");
    for (int i = 0; i < c->nextra; i++)
        snprintf(env[n++], sizeof env[0], "%s", c->extra[i]);
    for (int i = 0; i < n; i++)
        envp[i] = env[i];
    envp[n] = NULL;
    char *argv[24];
    int a = 0;
    argv[a++] = "run";
    for (int i = 0; args && args[i] && a < 23; i++)
        argv[a++] = (char *)args[i];
    argv[a] = NULL;
    snprintf(log, loglen, "%s/run-%d.log", c->dir, ++c->logs);
    return sbw_test_spawn("etl/sbw-etl", argv, envp, c->dir, log);
}

static int wait_exit(int pid, int timeout_ms)
{
    int status = 0;
    for (int waited = 0; waited < timeout_ms; waited += 10) {
        if (waitpid(pid, &status, WNOHANG) == pid)
            return status;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    ck_abort_msg("sbw-etl did not finish within %d ms", timeout_ms);
    return -1;
}

/* The last JSON line of a run's output (the summary), parsed; the whole log in *text. */
static cJSON *summary_of(const char *log, char **text)
{
    char *all = sbw_test_read_file(log, NULL);
    cJSON *j = NULL;
    for (char *line = all; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (line[0] == '{') {
            cJSON_Delete(j);
            j = cJSON_Parse(line);
        }
        if (nl)
            *nl = '\n';
        line = nl ? nl + 1 : NULL;
    }
    ck_assert_msg(j != NULL, "no JSON summary in:\n%s", all);
    if (text)
        *text = all;
    else
        free(all);
    return j;
}

/* Runs sbw-etl run ARGS to the end; checks the exit code; returns the summary. */
static cJSON *etl_run(ctx_t *c, const char *const *args, int want_exit)
{
    char log[2048];
    int pid = etl_spawn(c, args, log, sizeof log);
    int st = wait_exit(pid, 60000);
    char *text;
    cJSON *j = summary_of(log, &text);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == want_exit, "exit %d (want %d):\n%s",
                  WIFEXITED(st) ? WEXITSTATUS(st) : -1, want_exit, text);
    free(text);
    return j;
}

static long num(const cJSON *j, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, name);
    ck_assert_msg(cJSON_IsNumber(v), "summary has no number %s", name);
    return (long)v->valuedouble;
}

static const char *str(const cJSON *j, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, name);
    ck_assert_msg(cJSON_IsString(v), "summary has no string %s", name);
    return v->valuestring;
}

/* Checks the summary's counts: listed, skipped, loaded, rejected, failed, inserted,
 * duplicate, rejected events. */
static void check_counts(const cJSON *j, long listed, long skipped, long loaded, long rej_obj,
                         long failed, long ins, long dup, long rej_ev)
{
    char *s = cJSON_PrintUnformatted(j);
    ck_assert_msg(num(j, "objects_listed") == listed && num(j, "objects_skipped") == skipped &&
                      num(j, "objects_loaded") == loaded && num(j, "objects_rejected") == rej_obj &&
                      num(j, "objects_failed") == failed && num(j, "events_inserted") == ins &&
                      num(j, "events_duplicate") == dup && num(j, "events_rejected") == rej_ev,
                  "summary %s, want listed %ld skipped %ld loaded %ld rejected %ld failed %ld "
                  "inserted %ld duplicate %ld rejected events %ld",
                  s, listed, skipped, loaded, rej_obj, failed, ins, dup, rej_ev);
    free(s);
}

/* ---- expected rows, column by column ---- */

typedef struct {
    const char *name, *type;
} col_t;

static const col_t columns[] = {
    {"event_id", "uuid"},
    {"event_timestamp", "timestamptz"},
    {"event_name", "text"},
    {"user_id", "text"},
    {"user_login_state", "text"},
    {"identity_source", "text"},
    {"client_id", "text"},
    {"session_id", "text"},
    {"is_first_visit", "boolean"},
    {"context_product_id", "text"},
    {"context_product_name", "text"},
    {"context_product_category", "text"},
    {"context_product_brand", "text"},
    {"context_product_price", "numeric"},
    {"context_product_discount_price", "numeric"},
    {"context_product_url_path", "text"},
    {"received_at", "timestamptz"},
    {"page_url", "text"},
    {"referrer", "text"},
    {"element", "jsonb"},
    {"user_agent", "text"},
    {"source_ip", "inet"},
    {"is_bot", "boolean"},
    {"client_event_id", "text"},
    {"raw_object_key", "text"},
};
#define NCOLS (sizeof columns / sizeof *columns)

/* Checks the warehouse row of expected.event_id: every column equals expected's value (JSON
 * string, bool or null; a column left out is NULL, except is_bot = false and raw_object_key =
 * key). Comparison is by value in the column's type (numeric 19.9 = 19.90, jsonb key order). */
static void check_row(ctx_t *c, const cJSON *expected, const char *key, const char *where)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(expected, "event_id");
    ck_assert_msg(cJSON_IsString(id), "%s: expectation without event_id", where);
    for (const cJSON *k = expected->child; k; k = k->next) {
        int known = 0;
        for (size_t i = 0; i < NCOLS; i++)
            known |= strcmp(columns[i].name, k->string) == 0;
        ck_assert_msg(known, "%s: unknown column %s", where, k->string);
    }
    for (size_t i = 0; i < NCOLS; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(expected, columns[i].name);
        const char *want = NULL;
        if (cJSON_IsString(v))
            want = v->valuestring;
        else if (cJSON_IsBool(v))
            want = cJSON_IsTrue(v) ? "true" : "false";
        else if (!v && strcmp(columns[i].name, "is_bot") == 0)
            want = "false";
        else if (!v && strcmp(columns[i].name, "raw_object_key") == 0)
            want = key;
        char sql[512];
        snprintf(sql, sizeof sql,
                 "SELECT %s IS NOT DISTINCT FROM $2::%s, %s::text FROM clickstream_events"
                 " WHERE event_id = $1::uuid",
                 columns[i].name, columns[i].type, columns[i].name);
        const char *vals[] = {id->valuestring, want};
        PGresult *r = PQexecParams(c->owner, sql, 2, NULL, vals, NULL, NULL, 0);
        ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql, PQresultErrorMessage(r));
        ck_assert_msg(PQntuples(r) == 1, "%s: no row for event_id %s", where, id->valuestring);
        ck_assert_msg(strcmp(PQgetvalue(r, 0, 0), "t") == 0,
                      "%s: event %s column %s is '%s'%s, want '%s'", where, id->valuestring,
                      columns[i].name, PQgetvalue(r, 0, 1), PQgetisnull(r, 0, 1) ? " (NULL)" : "",
                      want ? want : "NULL");
        PQclear(r);
    }
}

/* A digest of the whole events table (every column but loaded_at), to compare runs. */
static char *table_digest(ctx_t *c)
{
    return q(c, "SELECT count(*) || ':' || coalesce(md5(string_agg(t, '|' ORDER BY t)), '') FROM"
                " (SELECT (e.*)::text AS t FROM (SELECT "
                "event_id, event_timestamp, event_name, user_id, user_login_state, identity_source,"
                " client_id, session_id, is_first_visit, context_product_id, context_product_name,"
                " context_product_category, context_product_brand, context_product_price,"
                " context_product_discount_price, context_product_url_path, received_at, page_url,"
                " referrer, element, user_agent, source_ip, is_bot, client_event_id, raw_object_key"
                " FROM clickstream_events) e) x");
}

/* ---- lake object generators ---- */

/* One of our NDJSON lines: event n of client cl, received at ms. */
static void gen_line(char *out, size_t len, long n, int64_t ms)
{
    char t[SBW_TIME_ISO_SIZE];
    sbw_time_format_iso(ms, t, sizeof t);
    snprintf(out, len,
             "{\"eventName\":\"product_view\",\"eventId\":\"00000000-0000-4000-8000-%012lx\","
             "\"pageUrl\":\"https://shop.example/product/p-%ld\",\"userLoginState\":\"anonymous\","
             "\"clientId\":\"c-%ld\",\"sessionId\":\"s-%ld\",\"isFirstVisit\":false,"
             "\"product\":{\"id\":\"p-%ld\",\"name\":\"Product %ld\",\"category\":\"keyboard\","
             "\"brand\":\"AULA\",\"price\":1990000,\"urlPath\":\"/product/p-%ld\"},"
             "\"_ingest\":{\"receivedAt\":\"%s\",\"sourceIp\":\"203.0.113.0\","
             "\"userAgent\":\"Mozilla/5.0 test\",\"isBot\":false}}\n",
             n, n, n % 97, n % 31, n % 50, n % 50, n % 50, t);
}

/* Writes an object of events [first, first+count) received in the hour of ms; returns key. */
static void gen_object(ctx_t *c, int64_t ms, const char *name, long first, long count, char *key,
                       size_t keylen)
{
    size_t cap = (size_t)count * 700 + 1;
    char *buf = malloc(cap), line[1024];
    size_t len = 0;
    ck_assert_ptr_nonnull(buf);
    for (long i = 0; i < count; i++) {
        gen_line(line, sizeof line, first + i, ms + i);
        size_t l = strlen(line);
        ck_assert(len + l < cap);
        memcpy(buf + len, line, l);
        len += l;
    }
    buf[len] = '\0';
    char hp[64];
    sbw_lake_hour_prefix(ms, hp, sizeof hp);
    snprintf(key, keylen, "%sevent-%s.json", hp, name);
    put(c, key, buf);
    free(buf);
}

static int64_t iso(const char *s)
{
    int64_t ms;
    ck_assert_int_eq(sbw_time_parse_iso(s, &ms), 0);
    return ms;
}

#define HOUR ((int64_t)3600 * 1000)

/* ---- tests ---- */

/* Every lake fixture (tests/fixtures/lake): loaded rows and reject rows exactly as expected. */
START_TEST(lake_fixtures_load_exactly)
{
    ctx_t c;
    ctx_init(&c);
    ctx_set(&c, "SBW_ETL_NOW=2026-11-27T11:00:00.000Z");  /* the fixtures' "now" */
    const char *key = "events/2026/11/27/10/test.ndjson"; /* the fixtures' object key */
    char **names;
    size_t n = sbw_test_fixture_list("lake", ".in.json", &names);
    ck_assert_uint_ge(n, 10);
    for (size_t f = 0; f < n; f++) {
        qexec(&c, "TRUNCATE clickstream_events, etl_rejects, etl_manifest, etl_runs");
        char rel[512], where[512];
        snprintf(rel, sizeof rel, "lake/%s", names[f]);
        snprintf(where, sizeof where, "lake/%s", names[f]);
        size_t inlen;
        char *in = sbw_test_fixture(rel, &inlen);
        put_n(&c, key, in, inlen); /* some hold NUL bytes */
        free(in);
        strcpy(strstr(rel, ".in.json"), ".out.json");
        char *out = sbw_test_fixture(rel, NULL);
        cJSON *exp = cJSON_Parse(out);
        free(out);
        ck_assert_ptr_nonnull(exp);
        const cJSON *events = cJSON_GetObjectItemCaseSensitive(exp, "events");
        const cJSON *errors = cJSON_GetObjectItemCaseSensitive(exp, "errors");
        long ne = cJSON_GetArraySize(events), nerr = cJSON_GetArraySize(errors);

        cJSON *s = etl_run(&c, NULL, 0);
        ck_assert_str_eq(str(s, "status"), "succeeded");
        check_counts(s, 1, 0, ne ? 1 : 0, ne ? 0 : 1, 0, ne, 0, nerr);
        cJSON_Delete(s);
        ck_assert_int_eq(qlong(&c, "SELECT count(*) FROM clickstream_events"), ne);
        const cJSON *row;
        cJSON_ArrayForEach(row, events) check_row(&c, row, key, where);
        /* One reject row per bad record, with its index and exact reason. */
        PGresult *r = PQexec(c.owner, "SELECT record_index, reason, object_key FROM etl_rejects"
                                      " WHERE record_index IS NOT NULL ORDER BY record_index");
        ck_assert_int_eq(PQntuples(r), nerr);
        for (long i = 0; i < nerr; i++) {
            const cJSON *e = cJSON_GetArrayItem(errors, (int)i);
            ck_assert_int_eq(atoi(PQgetvalue(r, (int)i, 0)),
                             cJSON_GetObjectItem(e, "index")->valueint);
            ck_assert_str_eq(PQgetvalue(r, (int)i, 1),
                             cJSON_GetObjectItem(e, "error")->valuestring);
            ck_assert_str_eq(PQgetvalue(r, (int)i, 2), key);
        }
        PQclear(r);
        char sql[256];
        snprintf(sql, sizeof sql,
                 "SELECT status || ' ' || events_total || ' ' || events_inserted || ' ' ||"
                 " events_duplicate || ' ' || events_rejected FROM etl_manifest");
        char *m = q(&c, sql), want[128];
        snprintf(want, sizeof want, "%s %ld %ld 0 %ld", ne ? "loaded" : "rejected", ne + nerr, ne,
                 nerr);
        ck_assert_msg(strcmp(m, want) == 0, "%s: manifest '%s', want '%s'", where, m, want);
        free(m);
        cJSON_Delete(exp);
        free(names[f]);
    }
    free(names);
    ctx_free(&c);
}
END_TEST

/* Our NDJSON (with a client retry in a second object) and the original Lambda's pretty
 * object: exact rows; a second run loads nothing; --reload inserts no duplicate. */
static const char OBJ_A[] =
    "{\"eventName\":\"add_to_cart_click\",\"eventId\":\"1732672000000-1a2b3c4d\","
    "\"eventTimestamp\":\"2026-11-20T10:15:40.000Z\",\"sentAt\":\"2026-11-20T10:15:44.500Z\","
    "\"pageUrl\":\"https://shop.example/p/1?q=a\\tb\",\"referrer\":\"https://google.com/\","
    "\"userId\":\"u-1\",\"userLoginState\":\"logged_in\",\"identitySource\":\"clerk_google\","
    "\"clientId\":\"7d3f5a1e-2b4c-4d6e-8f90-1a2b3c4d5e6f\",\"sessionId\":\"s-1\",\"isFirstVisit\":"
    "true,"
    "\"product\":{\"id\":\"prod_1\",\"name\":\"Back\\\\slash \\\"quoted\\\"\\nline \xe2\x80\x93 "
    "\xc3\x9f\","
    "\"category\":\"keyboard\",\"brandName\":\"AULA\",\"price\":19.99,\"discountPrice\":"
    "\"1790000\","
    "\"urlPath\":\"/p/"
    "1\"},\"element\":{\"tag\":\"button\",\"dataset\":{\"cartId\":\"c1\",\"total\":2}},"
    "\"_ingest\":{\"receivedAt\":\"2026-11-20T10:15:45.123Z\",\"sourceIp\":\"203.0.113.77\","
    "\"userAgent\":\"Mozilla/5.0 test\",\"requestId\":\"r1\",\"isBot\":false}}\n";
static const char OBJ_A1[] =
    "{\"eventName\":\"page_view\",\"clientId\":\"c-2\",\"_ingest\":{\"receivedAt\":"
    "\"2026-11-20T10:16:00.000Z\",\"eventId\":\"00000000-0000-4000-8000-0000000000aa\","
    "\"userAgent\":\"curl/8.0\",\"sourceIp\":\"2001:db8:abcd:12::1\"}}\n";
static const char ROW_A0[] =
    "{\"event_id\":\"d2c19b59-6509-55de-bb33-9dfe8943b36a\",\"event_timestamp\":\"2026-11-20T10:15:"
    "40.623Z\","
    "\"event_name\":\"add_to_cart_click\",\"user_id\":\"u-1\",\"user_login_state\":\"logged_in\","
    "\"identity_source\":\"clerk_google\",\"client_id\":\"7d3f5a1e-2b4c-4d6e-8f90-1a2b3c4d5e6f\","
    "\"session_id\":\"s-1\",\"is_first_visit\":true,\"context_product_id\":\"prod_1\","
    "\"context_product_name\":\"Back\\\\slash \\\"quoted\\\"\\nline \xe2\x80\x93 \xc3\x9f\","
    "\"context_product_category\":\"keyboard\",\"context_product_brand\":\"AULA\","
    "\"context_product_price\":\"19.99\",\"context_product_discount_price\":\"1790000\","
    "\"context_product_url_path\":\"/p/1\",\"received_at\":\"2026-11-20T10:15:45.123Z\","
    "\"page_url\":\"https://shop.example/p/1?q=a\\tb\",\"referrer\":\"https://google.com/\","
    "\"element\":\"{\\\"tag\\\":\\\"button\\\",\\\"dataset\\\":{\\\"cartId\\\":\\\"c1\\\","
    "\\\"total\\\":2}}\","
    "\"user_agent\":\"Mozilla/5.0 test\",\"source_ip\":\"203.0.113.0\",\"is_bot\":false,"
    "\"client_event_id\":\"1732672000000-1a2b3c4d\"}";
static const char ROW_A1[] =
    "{\"event_id\":\"00000000-0000-4000-8000-0000000000aa\",\"event_timestamp\":\"2026-11-20T10:16:"
    "00.000Z\","
    "\"event_name\":\"page_view\",\"client_id\":\"c-2\",\"received_at\":\"2026-11-20T10:16:00."
    "000Z\","
    "\"user_agent\":\"curl/8.0\",\"source_ip\":\"2001:db8:abcd::\",\"is_bot\":true}";

START_TEST(load_exact_idempotent_reload)
{
    ctx_t c;
    ctx_init(&c);
    ctx_set(&c, "SBW_ETL_NOW=2026-11-20T12:00:00.000Z");
    char both[4096];
    snprintf(both, sizeof both, "%s%s", OBJ_A, OBJ_A1);
    put(&c, "events/2026/11/20/10/event-a.json", both);
    put(&c, "events/2026/11/20/10/event-c.json", OBJ_A); /* the same event landed twice */
    char *pretty = sbw_test_fixture("lake/original_lambda_pretty.in.json", NULL);
    put(&c, "events/2024/11/27/02/event-p.json", pretty);
    size_t pretty_len = strlen(pretty);
    free(pretty);

    cJSON *s = etl_run(&c, NULL, 0);
    ck_assert_str_eq(str(s, "status"), "succeeded");
    ck_assert_str_eq(str(s, "selection"), "catch_up");
    ck_assert_str_eq(str(s, "hook"), "disabled");
    check_counts(s, 3, 0, 3, 0, 0, 3, 1, 0);
    ck_assert_str_eq(str(s, "min_event_at"), "2024-11-27T02:21:45.123Z");
    ck_assert_str_eq(str(s, "max_event_at"), "2026-11-20T10:16:00.000Z");
    long run1 = num(s, "run_id");
    cJSON_Delete(s);

    ck_assert_int_eq(qlong(&c, "SELECT count(*) FROM clickstream_events"), 3);
    cJSON *row = cJSON_Parse(ROW_A0);
    check_row(&c, row, "events/2026/11/20/10/event-a.json", "A0");
    cJSON_Delete(row);
    row = cJSON_Parse(ROW_A1);
    check_row(&c, row, "events/2026/11/20/10/event-a.json", "A1");
    cJSON_Delete(row);
    char *out = sbw_test_fixture("lake/original_lambda_pretty.out.json", NULL);
    cJSON *exp = cJSON_Parse(out);
    free(out);
    check_row(&c, cJSON_GetArrayItem(cJSON_GetObjectItem(exp, "events"), 0),
              "events/2024/11/27/02/event-p.json", "pretty");
    cJSON_Delete(exp);
    /* The manifest tells what happened to each object, in this run. */
    char *m =
        q(&c, "SELECT string_agg(object_key || ' ' || status || ' ' || events_total || ' ' ||"
              " events_inserted || ' ' || events_duplicate || ' ' || events_rejected || ' ' ||"
              " size_bytes || ' ' || (etag IS NOT NULL) || ' ' || (run_id = 1), ', '"
              " ORDER BY object_key) FROM etl_manifest");
    char want[1024];
    snprintf(want, sizeof want,
             "events/2024/11/27/02/event-p.json loaded 1 1 0 0 %zu true true, "
             "events/2026/11/20/10/event-a.json loaded 2 2 0 0 %zu true true, "
             "events/2026/11/20/10/event-c.json loaded 1 0 1 0 %zu true true",
             pretty_len, strlen(both), strlen(OBJ_A));
    ck_assert_str_eq(m, want);
    free(m);
    m = q(&c,
          "SELECT status || ' ' || trigger || ' ' || objects_listed || ' ' || objects_loaded"
          " || ' ' || events_inserted || ' ' || events_duplicate || ' ' || bytes_read || ' ' ||"
          " hook_status || ' ' || (selection->>'complete_through') || ' ' ||"
          " to_char(min_event_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') FROM etl_runs");
    snprintf(want, sizeof want,
             "succeeded cli 3 3 3 1 %zu disabled 2026-11-20T12:00:00.000Z 2024-11-27 02:21:45.123",
             pretty_len + strlen(both) + strlen(OBJ_A));
    ck_assert_str_eq(m, want);
    free(m);
    (void)run1;

    char *d1 = table_digest(&c);
    s = etl_run(&c, NULL, 0);
    check_counts(s, 2, 2, 0, 0, 0, 0, 0, 0);
    ck_assert_str_eq(str(s, "hook"), "disabled");
    cJSON_Delete(s);
    char *d2 = table_digest(&c);
    ck_assert_str_eq(d1, d2);

    /* The catch-up lists from the last complete hour minus the lookback: not the 2024 object. */
    const char *reload[] = {"--reload", NULL};
    s = etl_run(&c, reload, 0);
    check_counts(s, 2, 0, 2, 0, 0, 0, 3, 0);
    cJSON_Delete(s);
    const char *reload_all[] = {"--reload", "--prefix", "events/", NULL};
    s = etl_run(&c, reload_all, 0);
    check_counts(s, 3, 0, 3, 0, 0, 0, 4, 0);
    cJSON_Delete(s);
    char *d3 = table_digest(&c);
    ck_assert_str_eq(d1, d3);
    ck_assert_int_eq(qlong(&c, "SELECT count(*) FROM clickstream_events"), 3);
    ck_assert_int_eq(qlong(&c, "SELECT count(*) FROM etl_manifest WHERE run_id = 4"), 3);
    free(d1);
    free(d2);
    free(d3);
    ctx_free(&c);
}
END_TEST

/* Poison objects and records: rejected, recorded, counted; the rest loads; rejected objects
 * are not retried unless --retry-rejected. */
START_TEST(poison_objects_and_records)
{
    ctx_t c;
    ctx_init(&c);
    ctx_set(&c, "SBW_ETL_NOW=2026-11-20T12:00:00.000Z");
    ctx_set(&c, "SBW_ETL_MAX_OBJECT_BYTES=4096");
    int64_t h = iso("2026-11-20T10:00:00Z");
    put(&c, "events/2026/11/20/10/event-1-garbage.json", "this is not json\n");
    char good1[1024], good2[1024], mixed[4096];
    gen_line(good1, sizeof good1, 1, h + 1);
    gen_line(good2, sizeof good2, 2, h + 2);
    snprintf(mixed, sizeof mixed, "%s{\"noName\":1}\n{\"eventName\":\"x\",\n%s", good1, good2);
    put(&c, "events/2026/11/20/10/event-2-mixed.json", mixed);
    char key[256];
    gen_object(&c, h, "3-huge", 100, 10, key, sizeof key); /* > 4096 bytes */
    put(&c, "events/2026/11/20/10/event-4-empty.json", "");

    cJSON *s = etl_run(&c, NULL, 0);
    ck_assert_str_eq(str(s, "status"), "succeeded");
    check_counts(s, 4, 0, 1, 3, 0, 2, 0, 3);
    cJSON_Delete(s);
    char *m = q(&c, "SELECT string_agg(substr(object_key, 22) || ' ' || status || ' ' ||"
                    " events_total || ' ' || events_inserted || ' ' || events_rejected, ', '"
                    " ORDER BY object_key) FROM etl_manifest");
    ck_assert_str_eq(m, "event-1-garbage.json rejected 1 0 1, event-2-mixed.json loaded 4 2 2, "
                        "event-3-huge.json rejected 0 0 0, event-4-empty.json rejected 0 0 0");
    free(m);
    PGresult *r =
        PQexec(c.owner, "SELECT substr(object_key, 22), coalesce(record_index::text, '-'),"
                        " reason, coalesce(excerpt, '-') FROM etl_rejects ORDER BY reject_id");
    ck_assert_int_eq(PQntuples(r), 6);
    const char *want[6][4] = {
        {"event-1-garbage.json", "0",
         "record 0: unexpected data at byte 0 to the end of the object", "-"},
        {"event-1-garbage.json", "-", "no valid records", "this is not json\n"},
        {"event-2-mixed.json", "1", "normalise: eventName missing", "{\"noName\":1}"},
        {"event-2-mixed.json", "2", NULL, "-"},
        {"event-3-huge.json", "-", NULL, "-"},
        {"event-4-empty.json", "-", "object holds no records", ""},
    };
    for (int i = 0; i < 6; i++) {
        for (int k = 0; k < 4; k++) {
            if (want[i][k])
                ck_assert_msg(strcmp(PQgetvalue(r, i, k), want[i][k]) == 0,
                              "reject %d column %d: '%s', want '%s'", i, k, PQgetvalue(r, i, k),
                              want[i][k]);
        }
    }
    ck_assert_msg(strncmp(PQgetvalue(r, 3, 2), "record 2: invalid JSON at byte ", 31) == 0, "%s",
                  PQgetvalue(r, 3, 2));
    ck_assert_msg(strstr(PQgetvalue(r, 4, 2), "larger than the limit of 4096 bytes") != NULL, "%s",
                  PQgetvalue(r, 4, 2));
    PQclear(r);
    /* The good records of the mixed object are in. */
    ck_assert_int_eq(qlong(&c, "SELECT count(*) FROM clickstream_events WHERE event_id IN"
                               " ('00000000-0000-4000-8000-000000000001',"
                               "  '00000000-0000-4000-8000-000000000002')"),
                     2);

    s = etl_run(&c, NULL, 0);
    check_counts(s, 4, 4, 0, 0, 0, 0, 0, 0);
    cJSON_Delete(s);
    const char *retry[] = {"--retry-rejected", NULL};
    s = etl_run(&c, retry, 0);
    check_counts(s, 4, 1, 0, 3, 0, 0, 0, 1);
    cJSON_Delete(s);
    ck_assert_int_eq(qlong(&c, "SELECT count(*) FROM etl_rejects"), 6 + 4);
    ck_assert_int_eq(qlong(&c, "SELECT count(*) FROM clickstream_events"), 2);
    ctx_free(&c);
}
END_TEST

/* Objects over many hours, a long gap ("missed runs"), late files; then every manual selector. */
START_TEST(catch_up_late_files_and_selectors)
{
    ctx_t c;
    ctx_init(&c);
    char key[256];
    long ev = 0;
    int64_t t0 = iso("2026-11-19T00:00:00Z");
    for (int i = 0; i < 37; i++, ev += 3) /* 19T00 .. 20T12 */
        gen_object(&c, t0 + i * HOUR + 60000, "x", ev, 3, key, sizeof key);
    snprintf(c.extra[c.nextra++], sizeof c.extra[0], "SBW_ETL_NOW=2026-11-20T12:30:00Z");
    cJSON *s = etl_run(&c, NULL, 0);
    check_counts(s, 37, 0, 37, 0, 0, 111, 0, 0);
    cJSON_Delete(s);

    /* Nothing ran for 66 hours; the lake kept filling. */
    for (int i = 37; i < 37 + 66; i++, ev += 3) /* 20T13 .. 23T06 */
        gen_object(&c, t0 + i * HOUR + 60000, "x", ev, 3, key, sizeof key);
    snprintf(c.extra[c.nextra - 1], sizeof c.extra[0], "SBW_ETL_NOW=2026-11-23T06:30:00Z");
    s = etl_run(&c, NULL, 0);
    /* Listed from the last complete hour (20T12) minus 48 h: everything, 37 already loaded. */
    check_counts(s, 103, 37, 66, 0, 0, 198, 0, 0);
    cJSON_Delete(s);
    char *sel = q(&c, "SELECT selection->>'start_after' FROM etl_runs WHERE run_id = 2");
    ck_assert_str_eq(sel, "events/2026/11/18/12/");
    free(sel);

    /* Late files: one in an hour loaded long ago but within the lookback, one older. */
    gen_object(&c, iso("2026-11-22T10:00:00Z"), "late", ev, 3, key, sizeof key);
    ev += 3;
    gen_object(&c, iso("2026-11-19T05:00:00Z"), "late", ev, 3, key, sizeof key);
    ev += 3;
    snprintf(c.extra[c.nextra - 1], sizeof c.extra[0], "SBW_ETL_NOW=2026-11-23T07:10:00Z");
    s = etl_run(&c, NULL, 0);
    /* From 23T06 - 48 h = 21T06: 49 hours of objects plus the late one. */
    check_counts(s, 50, 49, 1, 0, 0, 3, 0, 0);
    cJSON_Delete(s);
    ck_assert_int_eq(qlong(&c, "SELECT count(*) FROM etl_manifest WHERE object_key ="
                               " 'events/2026/11/22/10/event-late.json'"),
                     1);

    /* The older late file: beyond the lookback, loaded by naming its hour. */
    const char *hour[] = {"--hour", "2026-11-19T05:30:00Z", NULL};
    s = etl_run(&c, hour, 0);
    ck_assert_str_eq(str(s, "selection"), "hour");
    check_counts(s, 2, 1, 1, 0, 0, 3, 0, 0);
    cJSON_Delete(s);
    const char *hour_epoch[] = {"--hour", "1795064400", NULL}; /* 2026-11-19T05:00:00Z */
    s = etl_run(&c, hour_epoch, 0);
    check_counts(s, 2, 2, 0, 0, 0, 0, 0, 0);
    cJSON_Delete(s);
    const char *date[] = {"--date", "2026-11-19", NULL};
    s = etl_run(&c, date, 0);
    ck_assert_str_eq(str(s, "selection"), "date");
    check_counts(s, 25, 25, 0, 0, 0, 0, 0, 0);
    cJSON_Delete(s);
    const char *back[] = {"--hours-back", "3", NULL}; /* 23T04, 05, 06 */
    s = etl_run(&c, back, 0);
    ck_assert_str_eq(str(s, "selection"), "hours_back");
    check_counts(s, 3, 3, 0, 0, 0, 0, 0, 0);
    cJSON_Delete(s);
    const char *day[] = {"--hours-back", "1", "--scope", "day", NULL}; /* 23T00 .. 06 */
    s = etl_run(&c, day, 0);
    check_counts(s, 7, 7, 0, 0, 0, 0, 0, 0);
    cJSON_Delete(s);
    const char *prefix[] = {"--prefix", "events/2026/11/20/", NULL};
    s = etl_run(&c, prefix, 0);
    ck_assert_str_eq(str(s, "selection"), "prefix");
    check_counts(s, 24, 24, 0, 0, 0, 0, 0, 0);
    cJSON_Delete(s);
    const char *dry[] = {"--dry-run", "--reload", "--date", "2026-11-21", NULL};
    s = etl_run(&c, dry, 0);
    ck_assert_str_eq(str(s, "status"), "dry_run");
    check_counts(s, 24, 0, 24, 0, 0, 0, 0, 0);
    cJSON_Delete(s);
    const char *bad[] = {"--date", "2026-13-01", NULL};
    s = etl_run(&c, bad, 2);
    ck_assert_str_eq(str(s, "status"), "failed");
    cJSON_Delete(s);

    ck_assert_int_eq(qlong(&c, "SELECT count(*) FROM clickstream_events"), ev);
    ck_assert_int_eq(qlong(&c, "SELECT count(*) FROM etl_manifest"), 37 + 66 + 2);
    ck_assert_int_eq(qlong(&c, "SELECT sum(events_inserted) FROM etl_runs"), ev);
    ctx_free(&c);
}
END_TEST

/* ---- a fake S3 in front of the context's folder lake, with keys that answer 500 ---- */

typedef struct {
    pthread_mutex_t mu;
    char root[1024];    /* file:// URL of the folder it serves as bucket "fake-bucket" */
    char broken[4][256]; /* keys whose GET answers 500 InternalError */
    int nbroken;
    int broken_gets; /* GETs of broken keys */
    int gets, lists;
} fakes3_t;

static void fakes3_reply(struct mg_connection *conn, int status, const char *reason,
                         const char *type, const char *body, size_t len)
{
    mg_printf(conn,
              "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
              "x-amz-request-id: FAKE%d\r\nConnection: close\r\n\r\n",
              status, reason, type, len, status);
    mg_write(conn, body, len);
}

/* GET /fake-bucket?list-type=2[&prefix=P][&start-after=K]: every key, one page;
 * GET /fake-bucket/KEY: the object, 404 NoSuchKey, or 500 for a broken key. */
static int fakes3_handler(struct mg_connection *conn, void *ud)
{
    fakes3_t *f = ud;
    const struct mg_request_info *ri = mg_get_request_info(conn);
    const char *uri = ri->local_uri ? ri->local_uri : "";
    sbw_lake_t *lake = NULL;
    char err[512];
    if (strcmp(ri->request_method, "GET") != 0 ||
        sbw_lake_open(f->root, NULL, &lake, err, sizeof err) != 0) {
        fakes3_reply(conn, 405, "No", "text/plain", "no", 2);
        return 405;
    }
    if (strcmp(uri, "/fake-bucket") == 0 || strcmp(uri, "/fake-bucket/") == 0) {
        char prefix[1100] = "", after[1100] = "";
        const char *qs = ri->query_string ? ri->query_string : "";
        mg_get_var(qs, strlen(qs), "prefix", prefix, sizeof prefix);
        mg_get_var(qs, strlen(qs), "start-after", after, sizeof after);
        sbw_test_listing_t l = {0};
        if (sbw_lake_list(lake, prefix, after, sbw_test_listing_collect, &l, err, sizeof err)) {
            fakes3_reply(conn, 400, "Bad", "text/plain", err, strlen(err));
            sbw_test_listing_free(&l);
            sbw_lake_free(lake);
            return 400;
        }
        size_t cap = 512 + l.n * 1400, len = 0;
        char *xml = malloc(cap);
        if (!xml)
            abort();
        len += (size_t)snprintf(xml + len, cap - len,
                                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult>"
                                "<Name>fake-bucket</Name><KeyCount>%zu</KeyCount>"
                                "<IsTruncated>false</IsTruncated>",
                                l.n);
        for (size_t i = 0; i < l.n; i++) {
            char lm[SBW_TIME_ISO_SIZE];
            sbw_time_format_iso(l.mtimes[i], lm, sizeof lm);
            len += (size_t)snprintf(xml + len, cap - len,
                                    "<Contents><Key>%s</Key><LastModified>%s</LastModified>"
                                    "<ETag>&quot;%s&quot;</ETag><Size>%" PRId64 "</Size>"
                                    "</Contents>",
                                    l.keys[i], lm, l.etags[i], l.sizes[i]);
        }
        len += (size_t)snprintf(xml + len, cap - len, "</ListBucketResult>");
        pthread_mutex_lock(&f->mu);
        f->lists++;
        pthread_mutex_unlock(&f->mu);
        fakes3_reply(conn, 200, "OK", "application/xml", xml, len);
        free(xml);
        sbw_test_listing_free(&l);
        sbw_lake_free(lake);
        return 200;
    }
    const char *key = uri + strlen("/fake-bucket/");
    int broken = 0;
    pthread_mutex_lock(&f->mu);
    f->gets++;
    for (int i = 0; i < f->nbroken; i++)
        broken |= strcmp(f->broken[i], key) == 0;
    f->broken_gets += broken;
    pthread_mutex_unlock(&f->mu);
    int status = 200;
    if (broken) {
        static const char e[] = "<Error><Code>InternalError</Code><Message>We encountered an "
                                "internal error. Please try again.</Message></Error>";
        fakes3_reply(conn, status = 500, "Internal Server Error", "application/xml", e,
                     sizeof e - 1);
    } else {
        char *data = NULL;
        size_t len = 0;
        int rc = sbw_lake_get(lake, key, (size_t)1 << 26, &data, &len, err, sizeof err);
        if (rc == 0) {
            fakes3_reply(conn, 200, "OK", "application/json", data, len);
        } else {
            static const char e[] = "<Error><Code>NoSuchKey</Code></Error>";
            fakes3_reply(conn, status = 404, "Not Found", "application/xml", e, sizeof e - 1);
        }
        free(data);
    }
    sbw_lake_free(lake);
    return status;
}

static struct mg_context *fakes3_start(fakes3_t *f, ctx_t *c, int *port)
{
    memset(f, 0, sizeof *f);
    pthread_mutex_init(&f->mu, NULL);
    snprintf(f->root, sizeof f->root, "%s", c->lake_url);
    mg_init_library(0);
    struct mg_callbacks cb;
    memset(&cb, 0, sizeof cb);
    struct mg_context *mg = NULL;
    for (int attempt = 0; attempt < 5 && !mg; attempt++) {
        char ports[32];
        *port = sbw_test_free_port();
        snprintf(ports, sizeof ports, "127.0.0.1:%d", *port);
        const char *opts[] = {"listening_ports", ports, "num_threads", "8", NULL};
        mg = mg_start(&cb, NULL, opts);
    }
    ck_assert_ptr_nonnull(mg);
    mg_set_request_handler(mg, "/fake-bucket", fakes3_handler, f);
    return mg;
}

static void fakes3_break(fakes3_t *f, const char *key, int broken)
{
    pthread_mutex_lock(&f->mu);
    if (broken) {
        ck_assert_int_lt(f->nbroken, 4);
        snprintf(f->broken[f->nbroken++], sizeof f->broken[0], "%s", key);
    } else {
        f->nbroken = 0;
    }
    pthread_mutex_unlock(&f->mu);
}

static int fakes3_broken_gets(fakes3_t *f)
{
    pthread_mutex_lock(&f->mu);
    int n = f->broken_gets;
    f->broken_gets = 0;
    pthread_mutex_unlock(&f->mu);
    return n;
}

/* An object S3 cannot serve now (500 on every GET) is retried, then left for the next run:
 * counted in objects_failed, no manifest row, the rest loaded, the watermark held at its hour
 * so a catch-up days later lists it again; once it is readable, it loads exactly once. */
START_TEST(unreadable_object_left_for_next_run)
{
    ctx_t c;
    ctx_init(&c);
    fakes3_t f;
    int port = 0;
    struct mg_context *mg = fakes3_start(&f, &c, &port);
    char ep[128];
    snprintf(ep, sizeof ep, "AWS_ENDPOINT_URL_S3=http://127.0.0.1:%d", port);
    snprintf(c.lake_url, sizeof c.lake_url, "s3://fake-bucket");
    ctx_set(&c, ep);
    ctx_set(&c, "AWS_ACCESS_KEY_ID=AKIDFAKE");
    ctx_set(&c, "AWS_SECRET_ACCESS_KEY=fake-secret");
    ctx_set(&c, "AWS_MAX_ATTEMPTS=2");    /* S3 client: 2 tries per read */
    ctx_set(&c, "SBW_ETL_GET_ATTEMPTS=2"); /* the ETL: 2 reads */
    ctx_set(&c, "SBW_ETL_BATCH_OBJECTS=7");
    ctx_set(&c, "SBW_ETL_READERS=4");
    ctx_set(&c, "SBW_ETL_NOW=2026-11-20T12:30:00Z");

    /* 30 objects of 2 events in 20T10 and 20T11; object 13 (20T10) cannot be read. */
    char key[256], broken[256] = "";
    for (int i = 0; i < 30; i++) {
        char name[16];
        snprintf(name, sizeof name, "%03d", i);
        gen_object(&c, iso("2026-11-20T10:00:00Z") + (i / 15) * HOUR, name, 2L * i, 2, key,
                   sizeof key);
        if (i == 13)
            snprintf(broken, sizeof broken, "%s", key);
    }
    fakes3_break(&f, broken, 1);
    cJSON *s = etl_run(&c, NULL, 0);
    ck_assert_str_eq(str(s, "status"), "succeeded");
    check_counts(s, 30, 0, 29, 0, 1, 58, 0, 0);
    cJSON_Delete(s);
    ck_assert_int_eq(fakes3_broken_gets(&f), 2 * 2);
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM etl_manifest WHERE object_key = '%s'", broken);
    ck_assert_int_eq(qlong(&c, sql), 0);
    ck_assert_int_eq(qlong(&c, "SELECT count(*) FROM etl_manifest WHERE status = 'loaded'"), 29);
    ck_assert_int_eq(qlong(&c, "SELECT count(*) FROM etl_rejects"), 0);
    ck_assert_int_eq(qlong(&c, "SELECT count(*) FROM clickstream_events"), 58);
    ck_assert_int_eq(qlong(&c, "SELECT count(*) FROM clickstream_events WHERE event_id IN"
                               " ('00000000-0000-4000-8000-00000000001a',"
                               "  '00000000-0000-4000-8000-00000000001b')"),
                     0);
    /* The watermark stays at the failed object's hour, not the run's (12:00). */
    ck_assert_int_eq(qlong(&c, "SELECT count(*) FROM etl_runs WHERE run_id = 1"
                               " AND (selection->>'complete_through')::timestamptz"
                               "     = '2026-11-20T10:00:00Z'"),
                     1);

    /* Three days later (beyond the 48 h lookback from now), still unreadable, and a new
     * object: the catch-up lists from the held watermark, loads the new one, leaves it again. */
    gen_object(&c, iso("2026-11-23T11:00:00Z"), "new", 100, 2, key, sizeof key);
    snprintf(c.extra[c.nextra - 1], sizeof c.extra[0], "SBW_ETL_NOW=2026-11-23T12:30:00Z");
    s = etl_run(&c, NULL, 0);
    check_counts(s, 31, 29, 1, 0, 1, 2, 0, 0);
    cJSON_Delete(s);
    ck_assert_int_eq(fakes3_broken_gets(&f), 2 * 2);
    char *sel = q(&c, "SELECT selection->>'start_after' FROM etl_runs WHERE run_id = 2");
    ck_assert_str_eq(sel, "events/2026/11/18/10/");
    free(sel);
    ck_assert_int_eq(qlong(&c, "SELECT count(*) FROM etl_runs WHERE run_id = 2"
                               " AND (selection->>'complete_through')::timestamptz"
                               "     = '2026-11-20T10:00:00Z'"),
                     1);

    /* Fixed: the next catch-up loads it, exactly once, and the watermark moves on. */
    fakes3_break(&f, NULL, 0);
    snprintf(c.extra[c.nextra - 1], sizeof c.extra[0], "SBW_ETL_NOW=2026-11-23T13:10:00Z");
    s = etl_run(&c, NULL, 0);
    check_counts(s, 31, 30, 1, 0, 0, 2, 0, 0);
    cJSON_Delete(s);
    ck_assert_int_eq(qlong(&c, sql), 1);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM etl_manifest WHERE object_key = '%s' AND status = 'loaded'"
             " AND events_inserted = 2 AND run_id = 3",
             broken);
    ck_assert_int_eq(qlong(&c, sql), 1);
    ck_assert_int_eq(qlong(&c, "SELECT count(*) FROM etl_runs WHERE run_id = 3"
                               " AND (selection->>'complete_through')::timestamptz"
                               "     = '2026-11-23T13:00:00Z'"),
                     1);
    snprintf(c.extra[c.nextra - 1], sizeof c.extra[0], "SBW_ETL_NOW=2026-11-23T14:10:00Z");
    s = etl_run(&c, NULL, 0);
    check_counts(s, 1, 1, 0, 0, 0, 0, 0, 0); /* from 21T13: only the new object */
    cJSON_Delete(s);
    ck_assert_int_eq(qlong(&c, "SELECT count(*) FROM clickstream_events"), 62);
    ck_assert_int_eq(qlong(&c, "SELECT count(DISTINCT event_id) FROM clickstream_events"), 62);
    ck_assert_int_eq(qlong(&c, "SELECT sum(events_inserted) FROM etl_manifest"), 62);
    ck_assert_int_eq(qlong(&c, "SELECT sum(events_inserted) FROM etl_runs"), 62);
    ck_assert_int_eq(qlong(&c, "SELECT sum(events_duplicate) FROM etl_runs"), 0);
    mg_stop(mg);
    ctx_free(&c);
}
END_TEST

/* A rejected object that was repaired is not retried by plain runs; --retry-rejected (by its
 * key, as docs/etl.md says) loads it, and then it is an ordinary loaded object. */
START_TEST(retry_rejected_after_fix)
{
    ctx_t c;
    ctx_init(&c);
    ctx_set(&c, "SBW_ETL_NOW=2026-11-20T12:00:00Z");
    char key[256];
    gen_object(&c, iso("2026-11-20T10:00:00Z"), "good", 0, 2, key, sizeof key);
    const char *bad = "events/2026/11/20/10/event-repaired.json";
    put(&c, bad, "{\"eventName\": \"product_view\", \"eventId\": \n");
    cJSON *s = etl_run(&c, NULL, 0);
    check_counts(s, 2, 0, 1, 1, 0, 2, 0, 1);
    cJSON_Delete(s);
    char *st = q(&c, "SELECT status || ' ' || run_id FROM etl_manifest"
                     " WHERE object_key = 'events/2026/11/20/10/event-repaired.json'");
    ck_assert_str_eq(st, "rejected 1");
    free(st);
    long rejects = qlong(&c, "SELECT count(*) FROM etl_rejects");
    ck_assert_int_ge(rejects, 1);

    /* Repaired in place (3 events). A plain run does not retry it. */
    gen_object(&c, iso("2026-11-20T10:00:00Z"), "repaired", 10, 3, key, sizeof key);
    ck_assert_str_eq(key, bad);
    s = etl_run(&c, NULL, 0);
    check_counts(s, 2, 2, 0, 0, 0, 0, 0, 0);
    cJSON_Delete(s);

    const char *retry[] = {"--prefix", bad, "--retry-rejected", NULL};
    s = etl_run(&c, retry, 0);
    ck_assert_str_eq(str(s, "status"), "succeeded");
    check_counts(s, 1, 0, 1, 0, 0, 3, 0, 0);
    cJSON_Delete(s);
    st = q(&c, "SELECT status || ' ' || run_id || ' ' || events_total || ' ' || events_inserted"
               " || ' ' || events_rejected FROM etl_manifest"
               " WHERE object_key = 'events/2026/11/20/10/event-repaired.json'");
    ck_assert_str_eq(st, "loaded 3 3 3 0");
    free(st);
    ck_assert_int_eq(qlong(&c, "SELECT count(*) FROM clickstream_events WHERE raw_object_key ="
                               " 'events/2026/11/20/10/event-repaired.json'"),
                     3);
    /* The reject log keeps the first run's rows; the retry added none. */
    ck_assert_int_eq(qlong(&c, "SELECT count(*) FROM etl_rejects"), rejects);

    /* Loaded now: neither --retry-rejected nor a catch-up loads it again. */
    const char *again[] = {"--retry-rejected", NULL};
    s = etl_run(&c, again, 0);
    check_counts(s, 2, 2, 0, 0, 0, 0, 0, 0);
    cJSON_Delete(s);
    ck_assert_int_eq(qlong(&c, "SELECT count(*) FROM clickstream_events"), 5);
    ctx_free(&c);
}
END_TEST

/* The advisory lock: a held lock makes a run exit 0 as skipped; two runs started together
 * load everything exactly once between them. */
START_TEST(one_run_at_a_time)
{
    ctx_t c;
    ctx_init(&c);
    ctx_set(&c, "SBW_ETL_NOW=2026-11-20T12:00:00Z");
    ctx_set(&c, "SBW_ETL_BATCH_OBJECTS=2");
    char key[256];
    int64_t h = iso("2026-11-20T09:00:00Z");
    for (int i = 0; i < 40; i++) {
        char name[16];
        snprintf(name, sizeof name, "%03d", i);
        gen_object(&c, h + (i % 3) * HOUR, name, i * 250L, 250, key, sizeof key);
    }
    qexec(&c, "SELECT pg_advisory_lock(126866747126892)"); /* SBW_ETL_LOCK_KEY */
    cJSON *s = etl_run(&c, NULL, 0);
    ck_assert_str_eq(str(s, "status"), "skipped");
    check_counts(s, 0, 0, 0, 0, 0, 0, 0, 0);
    cJSON_Delete(s);
    ck_assert_int_eq(qlong(&c, "SELECT count(*) FROM etl_runs WHERE status = 'skipped'"), 1);
    ck_assert_int_eq(qlong(&c, "SELECT count(*) FROM clickstream_events"), 0);
    qexec(&c, "SELECT pg_advisory_unlock(126866747126892)");

    char log1[2048], log2[2048];
    int p1 = etl_spawn(&c, NULL, log1, sizeof log1);
    int p2 = etl_spawn(&c, NULL, log2, sizeof log2);
    int st1 = wait_exit(p1, 60000), st2 = wait_exit(p2, 60000);
    ck_assert(WIFEXITED(st1) && WEXITSTATUS(st1) == 0);
    ck_assert(WIFEXITED(st2) && WEXITSTATUS(st2) == 0);
    cJSON *s1 = summary_of(log1, NULL), *s2 = summary_of(log2, NULL);
    const char *a = str(s1, "status"), *b = str(s2, "status");
    ck_assert_msg((strcmp(a, "succeeded") == 0 && strcmp(b, "skipped") == 0) ||
                      (strcmp(a, "skipped") == 0 && strcmp(b, "succeeded") == 0) ||
                      (strcmp(a, "succeeded") == 0 && strcmp(b, "succeeded") == 0),
                  "statuses %s / %s", a, b);
    ck_assert_int_eq(num(s1, "events_inserted") + num(s2, "events_inserted"), 10000);
    ck_assert_int_eq(num(s1, "objects_loaded") + num(s2, "objects_loaded"), 40);
    ck_assert_int_eq(num(s1, "events_duplicate") + num(s2, "events_duplicate"), 0);
    cJSON_Delete(s1);
    cJSON_Delete(s2);
    ck_assert_int_eq(qlong(&c, "SELECT count(*) FROM clickstream_events"), 10000);
    ck_assert_int_eq(qlong(&c, "SELECT sum(events_inserted) FROM etl_manifest"), 10000);
    ctx_free(&c);
}
END_TEST

/* kill -9 during a large load, then rerun: every event exactly once. */
START_TEST(crash_then_rerun_is_exact)
{
    ctx_t c;
    ctx_init(&c);
    ctx_set(&c, "SBW_ETL_NOW=2026-11-20T12:00:00Z");
    ctx_set(&c, "SBW_ETL_BATCH_OBJECTS=5");
    char key[256];
    int64_t h = iso("2026-11-20T05:00:00Z");
    for (int i = 0; i < 200; i++) {
        char name[16];
        snprintf(name, sizeof name, "%03d", i);
        gen_object(&c, h + (i % 6) * HOUR, name, i * 500L, 500, key, sizeof key);
    }
    char log[2048];
    int pid = etl_spawn(&c, NULL, log, sizeof log);
    long seen = 0;
    for (int i = 0; i < 20000 && seen == 0; i++) {
        seen = qlong(&c, "SELECT count(*) FROM etl_manifest");
        if (!seen) {
            struct timespec ts = {0, 2 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    kill(pid, SIGKILL);
    int st = 0;
    waitpid(pid, &st, 0);
    ck_assert(WIFSIGNALED(st));
    long objects = qlong(&c, "SELECT count(*) FROM etl_manifest");
    long rows = qlong(&c, "SELECT count(*) FROM clickstream_events");
    ck_assert_msg(objects > 0 && objects < 200, "killed after %ld objects: too late to test",
                  objects);
    /* What committed is consistent: every recorded object's rows, nothing else. */
    ck_assert_int_eq(rows, objects * 500);
    ck_assert_int_eq(qlong(&c, "SELECT sum(events_inserted) FROM etl_manifest"), rows);

    cJSON *s = etl_run(&c, NULL, 0);
    check_counts(s, 200, objects, 200 - objects, 0, 0, 100000 - rows, 0, 0);
    cJSON_Delete(s);
    ck_assert_int_eq(qlong(&c, "SELECT count(*) FROM clickstream_events"), 100000);
    ck_assert_int_eq(qlong(&c, "SELECT count(DISTINCT raw_object_key) FROM clickstream_events"),
                     200);
    ck_assert_int_eq(qlong(&c, "SELECT sum(events_inserted) FROM etl_manifest"), 100000);
    char *runs = q(&c, "SELECT string_agg(status, ',' ORDER BY run_id) FROM etl_runs");
    ck_assert_str_eq(runs, "failed,succeeded");
    free(runs);
    ctx_free(&c);
}
END_TEST

/* ---- the refresh hook ---- */

typedef struct {
    pthread_mutex_t mu;
    int status; /* what to answer */
    int posts;
    char body[1024];
    char auth[256];
} hook_t;

static int on_hook(struct mg_connection *conn, void *ud)
{
    hook_t *h = ud;
    char buf[1024];
    int n = 0, r;
    while (n < (int)sizeof buf - 1 && (r = mg_read(conn, buf + n, sizeof buf - 1 - (size_t)n)) > 0)
        n += r;
    buf[n] = '\0';
    const char *auth = mg_get_header(conn, "Authorization");
    pthread_mutex_lock(&h->mu);
    h->posts++;
    snprintf(h->body, sizeof h->body, "%s", buf);
    snprintf(h->auth, sizeof h->auth, "%s", auth ? auth : "");
    int status = h->status;
    pthread_mutex_unlock(&h->mu);
    mg_printf(conn,
              "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
              status);
    return status;
}

START_TEST(refresh_hook)
{
    ctx_t c;
    ctx_init(&c);
    hook_t h = {.status = 200};
    pthread_mutex_init(&h.mu, NULL);
    mg_init_library(0);
    struct mg_callbacks cb;
    memset(&cb, 0, sizeof cb);
    struct mg_context *mg = NULL;
    int port = 0;
    for (int attempt = 0; attempt < 5 && !mg; attempt++) {
        char ports[32];
        port = sbw_test_free_port();
        snprintf(ports, sizeof ports, "127.0.0.1:%d", port);
        const char *opts[] = {"listening_ports", ports, "num_threads", "2", NULL};
        mg = mg_start(&cb, NULL, opts);
    }
    ck_assert_ptr_nonnull(mg);
    mg_set_request_handler(mg, "/api/v1/refresh", on_hook, &h);
    char url[128];
    snprintf(url, sizeof url, "SBW_REFRESH_URL=http://127.0.0.1:%d/api/v1/refresh", port);
    ctx_set(&c, url);
    ctx_set(&c, "SBW_REFRESH_TOKEN=tok-s3cret");
    ctx_set(&c, "SBW_ETL_NOW=2026-11-20T12:00:00Z");
    char key[256];
    gen_object(&c, iso("2026-11-20T10:00:00Z"), "a", 0, 3, key, sizeof key);

    cJSON *s = etl_run(&c, NULL, 0);
    ck_assert_str_eq(str(s, "hook"), "ok");
    long run = num(s, "run_id");
    cJSON_Delete(s);
    pthread_mutex_lock(&h.mu);
    ck_assert_int_eq(h.posts, 1);
    ck_assert_str_eq(h.auth, "Bearer tok-s3cret");
    char want[256];
    snprintf(want, sizeof want,
             "{\"run_id\":%ld,\"inserted\":3,\"min_event_at\":\"2026-11-20T10:00:00.000Z\","
             "\"max_event_at\":\"2026-11-20T10:00:00.002Z\"}",
             run);
    ck_assert_str_eq(h.body, want);
    h.status = 503;
    pthread_mutex_unlock(&h.mu);
    char *hs = q(&c, "SELECT hook_status FROM etl_runs");
    ck_assert_str_eq(hs, "ok");
    free(hs);

    /* Nothing new: no POST. */
    s = etl_run(&c, NULL, 0);
    ck_assert_str_eq(str(s, "hook"), "none");
    cJSON_Delete(s);
    ck_assert_int_eq(h.posts, 1);

    /* The hook fails: the load still counts and the run succeeds, saying so. */
    gen_object(&c, iso("2026-11-20T11:00:00Z"), "b", 3, 2, key, sizeof key);
    s = etl_run(&c, NULL, 0);
    ck_assert_str_eq(str(s, "status"), "succeeded");
    ck_assert_str_eq(str(s, "hook"), "failed: HTTP 503");
    ck_assert_int_eq(num(s, "events_inserted"), 2);
    cJSON_Delete(s);
    hs = q(&c, "SELECT hook_status FROM etl_runs WHERE run_id = 3");
    ck_assert_str_eq(hs, "failed: HTTP 503");
    free(hs);
    mg_stop(mg);
    ctx_free(&c);
}
END_TEST

/* Warehouse unreachable: clear message, non-zero exit, nothing recorded. */
START_TEST(warehouse_unreachable)
{
    ctx_t c;
    ctx_init(&c);
    char dsn[1024];
    snprintf(dsn, sizeof dsn, "host=127.0.0.1 port=%d dbname=%s user=sbw_etl connect_timeout=2",
             sbw_test_free_port(), c.db);
    snprintf(c.dsn, sizeof c.dsn, "%s", dsn);
    char key[256];
    gen_object(&c, iso("2026-11-20T10:00:00Z"), "a", 0, 3, key, sizeof key);
    char log[2048];
    int pid = etl_spawn(&c, NULL, log, sizeof log);
    int st = wait_exit(pid, 30000);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1);
    char *text;
    cJSON *s = summary_of(log, &text);
    ck_assert_str_eq(str(s, "status"), "failed");
    ck_assert(cJSON_IsNull(cJSON_GetObjectItem(s, "run_id")));
    ck_assert_msg(strstr(str(s, "error"), "connection failed") != NULL, "%s", text);
    ck_assert_msg(strstr(text, "ERROR sbw-etl") != NULL, "%s", text);
    free(text);
    cJSON_Delete(s);
    ck_assert_int_eq(qlong(&c, "SELECT count(*) FROM etl_runs"), 0);
    ck_assert_int_eq(qlong(&c, "SELECT count(*) FROM etl_manifest"), 0);
    ctx_free(&c);
}
END_TEST

/* --every: runs again on its interval until SIGTERM, then exits 0. */
START_TEST(every_interval_until_sigterm)
{
    ctx_t c;
    ctx_init(&c);
    char key[256];
    gen_object(&c, iso("2026-11-20T10:00:00Z"), "a", 0, 3, key, sizeof key);
    const char *every[] = {"--every", "1s", "--trigger", "timer", NULL};
    char log[2048];
    int pid = etl_spawn(&c, every, log, sizeof log);
    long runs = 0;
    for (int i = 0; i < 1000 && runs < 2; i++) {
        runs = qlong(&c, "SELECT count(*) FROM etl_runs WHERE status = 'succeeded'");
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    ck_assert_int_ge(runs, 2);
    kill(pid, SIGTERM);
    int st = wait_exit(pid, 20000);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    ck_assert_int_eq(qlong(&c, "SELECT count(*) FROM clickstream_events"), 3);
    ck_assert_int_eq(qlong(&c, "SELECT count(*) FROM etl_runs WHERE trigger <> 'timer'"), 0);
    ck_assert_int_eq(qlong(&c, "SELECT sum(events_inserted) FROM etl_runs"), 3);
    ctx_free(&c);
}
END_TEST

/* ---- the Lambda bootstrap ---- */

START_TEST(lambda_bootstrap_events)
{
    ctx_t c;
    ctx_init(&c);
    char key[256];
    const char *hours[] = {"2026-11-19T23:00:00Z", "2026-11-20T08:00:00Z", "2026-11-20T09:00:00Z",
                           "2026-11-20T10:00:00Z", "2026-11-20T11:00:00Z", "2026-11-20T12:00:00Z"};
    for (int i = 0; i < 6; i++)
        gen_object(&c, iso(hours[i]), "l", i * 2L, 2, key, sizeof key);
    sbw_runtime_api_t *rt = sbw_runtime_api_start();
    static const struct {
        const char *id, *event, *mode;
        long listed, loaded;
    } inv[] = {
        {"i1", "{\"targetUtcHour\":\"2026-11-20T10:00:00Z\"}", "hour", 1, 1},
        {"i2", "{\"targetUtcHour\":1795165200}", "hour", 1, 1}, /* 2026-11-20T09 */
        {"i3",
         "{\"overridePrefix\":\"events/2026/11/20/08/"
         "\",\"targetUtcHour\":\"2026-11-20T11:00:00Z\"}",
         "prefix", 1, 1},
        {"i4", "{\"hoursBack\":2}", "hours_back", 2, 1},            /* 20T10, 20T11 */
        {"i5", "{\"targetUtcDate\":\"2026-11-19\"}", "date", 1, 1}, /* 19T23 */
        {"i6", "{\"scope\":\"day\",\"targetUtcHour\":\"2026-11-20T01:00:00Z\"}", "hour", 5, 1},
        {"i7",
         "{\"version\":\"0\",\"id\":\"e1\",\"detail-type\":\"Scheduled "
         "Event\",\"source\":\"aws.events\","
         "\"time\":\"2026-11-20T12:00:00Z\",\"resources\":[\"arn:aws:events:us-east-1:1:rule/"
         "hourly\"],"
         "\"detail\":{}}",
         "catch_up", 6, 0},
    };
    size_t n = sizeof inv / sizeof *inv;
    for (size_t i = 0; i < n; i++)
        sbw_runtime_api_queue(rt, inv[i].id, inv[i].event, strlen(inv[i].event), 0, NULL, NULL);
    const char *bad = "{\"hoursBack\":\"soon\"}";
    sbw_runtime_api_queue(rt, "i8", bad, strlen(bad), 0, NULL, NULL);

    static char env[8][1100];
    char *envp[9];
    snprintf(env[0], sizeof env[0], "AWS_LAMBDA_RUNTIME_API=%s", sbw_runtime_api_address(rt));
    snprintf(env[1], sizeof env[1], "SBW_PG_DSN=%s", c.dsn);
    snprintf(env[2], sizeof env[2], "SBW_LAKE=%s", c.lake_url);
    snprintf(env[3], sizeof env[3], "SBW_REFRESH_URL=");
    snprintf(env[4], sizeof env[4], "SBW_ETL_NOW=2026-11-20T12:30:00Z");
    snprintf(env[5], sizeof env[5], "SBW_LAMBDA_MAX_INVOCATIONS=%zu", n + 1);
    snprintf(env[6], sizeof env[6], "LAMBDA_TASK_ROOT=%s", c.dir);
    for (int i = 0; i < 7; i++)
        envp[i] = env[i];
    envp[7] = NULL;
    char log[2048];
    snprintf(log, sizeof log, "%s/lambda.log", c.dir);
    int pid = sbw_test_spawn("etl/sbw-etl-lambda", NULL, envp, c.dir, log);
    for (size_t i = 0; i < n; i++) {
        sbw_runtime_api_result_t r;
        ck_assert_msg(sbw_runtime_api_wait_result(rt, inv[i].id, 30000, &r) == 0,
                      "no result for %s", inv[i].id);
        ck_assert_msg(r.kind == SBW_RUNTIME_API_RESPONSE, "%s: error %s %s", inv[i].id,
                      r.error_type ? r.error_type : "", r.body);
        cJSON *s = cJSON_Parse(r.body);
        ck_assert_msg(s != NULL, "%s: %s", inv[i].id, r.body);
        ck_assert_str_eq(str(s, "status"), "succeeded");
        ck_assert_msg(strcmp(str(s, "selection"), inv[i].mode) == 0, "%s: %s", inv[i].id, r.body);
        ck_assert_msg(num(s, "objects_listed") == inv[i].listed &&
                          num(s, "objects_loaded") == inv[i].loaded &&
                          num(s, "events_inserted") == inv[i].loaded * 2,
                      "%s: %s", inv[i].id, r.body);
        cJSON_Delete(s);
        sbw_runtime_api_result_cleanup(&r);
    }
    sbw_runtime_api_result_t r8;
    ck_assert_int_eq(sbw_runtime_api_wait_result(rt, "i8", 30000, &r8), 0);
    ck_assert_int_eq(r8.kind, SBW_RUNTIME_API_ERROR);
    ck_assert_str_eq(r8.error_type, "Handler.BadEvent");
    ck_assert_msg(strstr(r8.body, "hoursBack") != NULL, "%s", r8.body);
    sbw_runtime_api_result_cleanup(&r8);
    int st = wait_exit(pid, 20000);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    ck_assert_int_eq(sbw_runtime_api_stray_posts(rt), 0);
    sbw_runtime_api_stop(rt);
    ck_assert_int_eq(qlong(&c, "SELECT count(*) FROM clickstream_events"), 12);
    ck_assert_int_eq(qlong(&c, "SELECT count(*) FROM etl_runs WHERE trigger = 'lambda'"), 7);
    ctx_free(&c);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("etl_load");
    TCase *t;
    t = tcase_create("lake_fixtures");
    tcase_add_test(t, lake_fixtures_load_exactly);
    tcase_set_timeout(t, 120);
    suite_add_tcase(s, t);
    t = tcase_create("exact_idempotent_reload");
    tcase_add_test(t, load_exact_idempotent_reload);
    tcase_set_timeout(t, 60);
    suite_add_tcase(s, t);
    t = tcase_create("poison");
    tcase_add_test(t, poison_objects_and_records);
    tcase_set_timeout(t, 60);
    suite_add_tcase(s, t);
    t = tcase_create("unreadable_object");
    tcase_add_test(t, unreadable_object_left_for_next_run);
    tcase_set_timeout(t, 120);
    suite_add_tcase(s, t);
    t = tcase_create("retry_rejected_after_fix");
    tcase_add_test(t, retry_rejected_after_fix);
    tcase_set_timeout(t, 60);
    suite_add_tcase(s, t);
    t = tcase_create("catch_up_and_selectors");
    tcase_add_test(t, catch_up_late_files_and_selectors);
    tcase_set_timeout(t, 120);
    suite_add_tcase(s, t);
    t = tcase_create("one_run_at_a_time");
    tcase_add_test(t, one_run_at_a_time);
    tcase_set_timeout(t, 120);
    suite_add_tcase(s, t);
    t = tcase_create("crash");
    tcase_add_test(t, crash_then_rerun_is_exact);
    tcase_set_timeout(t, 180);
    suite_add_tcase(s, t);
    t = tcase_create("refresh_hook");
    tcase_add_test(t, refresh_hook);
    tcase_set_timeout(t, 60);
    suite_add_tcase(s, t);
    t = tcase_create("unreachable");
    tcase_add_test(t, warehouse_unreachable);
    tcase_set_timeout(t, 60);
    suite_add_tcase(s, t);
    t = tcase_create("every");
    tcase_add_test(t, every_interval_until_sigterm);
    tcase_set_timeout(t, 60);
    suite_add_tcase(s, t);
    t = tcase_create("lambda");
    tcase_add_test(t, lambda_bootstrap_events);
    tcase_set_timeout(t, 120);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
