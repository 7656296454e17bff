/* Integration tests of sbw-server: a hand-built event set with known answers in a scratch
 * warehouse, the real binary on a free port, exact numbers from every endpoint. The event set
 * (UTC; 2026-01-10 is a Saturday):
 *   A  session sA, client c1, anonymous: 10:00 page_view, 10:00:30 product_view P3 (no
 *      category/brand), 10:01 product_view P1, 10:02 add_to_cart P1, 10:03 checkout_start,
 *      10:04 checkout_complete total "80"                      -> full funnel, revenue 80
 *   B  session sB, client c2, logged_in u1: 11:00 page_view, 11:01 add_to_cart P2,
 *      11:05 product_view P2, 11:06 checkout_start             -> cart before view: step 1 only
 *   C  client c3, no session id: page_view 12:00, 12:10, 12:41 -> split by the 31-min gap
 *   D  session sD, client c4, guest: 23:50 page_view, 2026-01-11 00:10 product_view P1
 *                                                              -> crosses midnight, a bounce
 *   E  no client, no session: 2026-01-11 09:00 curl_test (user u-9)
 * Late batch (after the first refresh): C 12:25 page_view (merges C's two sessions), B 11:07
 * add_to_cart P2 (B now reaches funnel step 2). */
#include <check.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <libpq-fe.h>

#include "sbw_test.h"

#define TOKEN "test-token-0123456789"

typedef struct {
    int pid;
    char base[64];
    char *db;
    char *state;
} srv_t;

static PGconn *owner_conn(const char *db)
{
    char *ci = sbw_test_pg_role_conninfo("sbw_owner", db);
    PGconn *c = PQconnectdb(ci);
    free(ci);
    ck_assert_msg(PQstatus(c) == CONNECTION_OK, "owner connect: %s", PQerrorMessage(c));
    return c;
}

typedef struct {
    const char *ts, *name, *user, *state, *client, *session, *pid, *pname, *cat, *brand,
        *price, *disc, *page, *element;
} ev_t;

#define PV(ts, st, cl, se, page) {ts, "page_view", NULL, st, cl, se, NULL, NULL, NULL, NULL, NULL, NULL, page, NULL}
#define P1 "P1", "Keyboard One", "keyboard", "AULA", "100", "80"
#define P2 "P2", "Mouse Two", "mouse", "Logitech", "50", NULL
#define P3 "P3", "Thing Three", NULL, NULL, "10", NULL

static const ev_t base_events[] = {
    PV("2026-01-10 10:00:00+00", "anonymous", "c1", "sA", "https://shop/"),
    {"2026-01-10 10:00:30+00", "product_view", NULL, "anonymous", "c1", "sA", P3, "https://shop/p3", NULL},
    {"2026-01-10 10:01:00+00", "product_view", NULL, "anonymous", "c1", "sA", P1, "https://shop/p1", NULL},
    {"2026-01-10 10:02:00+00", "add_to_cart_click", NULL, "anonymous", "c1", "sA", P1, "https://shop/p1", NULL},
    {"2026-01-10 10:03:00+00", "checkout_start", NULL, "anonymous", "c1", "sA", NULL, NULL, NULL, NULL, NULL, NULL,
     "https://shop/cart", "{\"dataset\":{\"total\":\"80\",\"itemCount\":\"1\"}}"},
    {"2026-01-10 10:04:00+00", "checkout_complete", NULL, "anonymous", "c1", "sA", NULL, NULL, NULL, NULL, NULL, NULL,
     "https://shop/cart", "{\"dataset\":{\"orderId\":\"o1\",\"total\":\"80\"}}"},
    {"2026-01-10 11:00:00+00", "page_view", "u1", "logged_in", "c2", "sB", NULL, NULL, NULL, NULL, NULL, NULL, "https://shop/", NULL},
    {"2026-01-10 11:01:00+00", "add_to_cart_click", "u1", "logged_in", "c2", "sB", P2, "https://shop/p2", NULL},
    {"2026-01-10 11:05:00+00", "product_view", "u1", "logged_in", "c2", "sB", P2, "https://shop/p2", NULL},
    {"2026-01-10 11:06:00+00", "checkout_start", "u1", "logged_in", "c2", "sB", NULL, NULL, NULL, NULL, NULL, NULL, "https://shop/cart", NULL},
    PV("2026-01-10 12:00:00+00", "anonymous", "c3", NULL, "https://shop/a"),
    PV("2026-01-10 12:10:00+00", "anonymous", "c3", NULL, "https://shop/b"),
    PV("2026-01-10 12:41:00+00", "anonymous", "c3", NULL, "https://shop/c"),
    PV("2026-01-10 23:50:00+00", "guest", "c4", "sD", "https://shop/p1"),
    {"2026-01-11 00:10:00+00", "product_view", NULL, "guest", "c4", "sD", P1, "https://shop/p1", NULL},
    {"2026-01-11 09:00:00+00", "curl_test", "u-9", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
};

static const ev_t late_events[] = {
    PV("2026-01-10 12:25:00+00", "anonymous", "c3", NULL, "https://shop/late"),
    {"2026-01-10 11:07:00+00", "add_to_cart_click", "u1", "logged_in", "c2", "sB", P2, "https://shop/p2", NULL},
};

static void insert_events(const char *db, const ev_t *ev, size_t n)
{
    PGconn *c = owner_conn(db);
    static const char sql[] =
        "INSERT INTO public.clickstream_events (event_id, event_timestamp, event_name, user_id, "
        "user_login_state, client_id, session_id, context_product_id, context_product_name, "
        "context_product_category, context_product_brand, context_product_price, "
        "context_product_discount_price, page_url, element, received_at) VALUES "
        "(gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $1)";
    PQclear(PQexec(c, "BEGIN"));
    for (size_t i = 0; i < n; i++) {
        const char *v[14] = {ev[i].ts, ev[i].name, ev[i].user, ev[i].state, ev[i].client,
                             ev[i].session, ev[i].pid, ev[i].pname, ev[i].cat, ev[i].brand,
                             ev[i].price, ev[i].disc, ev[i].page, ev[i].element};
        PGresult *r = PQexecParams(c, sql, 14, NULL, v, NULL, NULL, 0);
        ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK, "insert: %s", PQresultErrorMessage(r));
        PQclear(r);
    }
    PQclear(PQexec(c, "COMMIT"));
    PQfinish(c);
}

/* A scratch warehouse with the analytics schema (as bootstrap.sql makes it) and the events. */
static char *make_db(void)
{
    char *db = sbw_test_pg_scratch_db("srv");
    char *ci = sbw_test_pg_role_conninfo("sbw_admin", db);
    PGconn *c = PQconnectdb(ci);
    free(ci);
    ck_assert_msg(PQstatus(c) == CONNECTION_OK, "admin connect: %s", PQerrorMessage(c));
    PGresult *r = PQexec(c, "CREATE SCHEMA analytics AUTHORIZATION sbw_server");
    ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK, "%s", PQresultErrorMessage(r));
    PQclear(r);
    PQfinish(c);
    insert_events(db, base_events, sizeof base_events / sizeof *base_events);
    return db;
}

static void srv_start(srv_t *s, const char *db, const char *token)
{
    memset(s, 0, sizeof *s);
    s->db = strdup(db);
    s->state = sbw_test_tmpdir("sbw-server");
    int port = sbw_test_free_port();
    snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d", port);
    static char env[8][1024];
    char *envp[9];
    int n = 0;
    snprintf(env[n], sizeof env[n], "SBW_SERVER_LISTEN=127.0.0.1:%d", port);
    envp[n] = env[n];
    n++;
    char *ci = sbw_test_pg_role_conninfo("sbw_server", db);
    snprintf(env[n], sizeof env[n], "SBW_PG_DSN=%s", ci);
    free(ci);
    envp[n] = env[n];
    n++;
    snprintf(env[n], sizeof env[n], "SBW_REFRESH_TOKEN=%s", token ? token : "");
    envp[n] = env[n];
    n++;
    snprintf(env[n], sizeof env[n], "SBW_SERVER_CACHE_ENTRIES=64");
    envp[n] = env[n];
    n++;
    envp[n] = NULL;
    char log[4096];
    snprintf(log, sizeof log, "%s/server.log", s->state);
    s->pid = sbw_test_spawn("server/sbw-server", NULL, envp, s->state, log);
    char url[128];
    snprintf(url, sizeof url, "%s/api/v1/health", s->base);
    sbw_test_wait_http(url, 20000);
}

static void srv_stop(srv_t *s)
{
    int status = sbw_test_stop(s->pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "sbw-server exit status %d", status);
    free(s->db);
    free(s->state);
}

static long req(srv_t *s, const char *method, const char *path, const char *const *headers,
                sbw_test_resp_t *r)
{
    char url[1024];
    snprintf(url, sizeof url, "%s%s", s->base, path);
    ck_assert_int_eq(sbw_test_http(method, url, headers, NULL, 0, r), 0);
    return r->status;
}

/* GET path, expect 200 and JSON; returns the parsed body (caller deletes). */
static cJSON *get_json(srv_t *s, const char *path)
{
    sbw_test_resp_t r;
    long st = req(s, "GET", path, NULL, &r);
    ck_assert_msg(st == 200, "GET %s: %ld %s", path, st, r.body);
    cJSON *j = cJSON_Parse(r.body);
    ck_assert_msg(j != NULL, "GET %s: not JSON: %s", path, r.body);
    sbw_test_resp_free(&r);
    return j;
}

static int col_index(const cJSON *t, const char *name)
{
    const cJSON *cols = cJSON_GetObjectItem(t, "columns");
    for (int i = 0; i < cJSON_GetArraySize(cols); i++)
        if (strcmp(cJSON_GetArrayItem(cols, i)->valuestring, name) == 0)
            return i;
    ck_abort_msg("no column %s", name);
    return -1;
}

static int nrows(const cJSON *t)
{
    return cJSON_GetArraySize(cJSON_GetObjectItem(t, "rows"));
}

static const cJSON *cell(const cJSON *t, int row, const char *col)
{
    const cJSON *r = cJSON_GetArrayItem(cJSON_GetObjectItem(t, "rows"), row);
    ck_assert_msg(r != NULL, "no row %d", row);
    return cJSON_GetArrayItem(r, col_index(t, col));
}

static double num(const cJSON *t, int row, const char *col)
{
    const cJSON *c = cell(t, row, col);
    ck_assert_msg(cJSON_IsNumber(c), "row %d %s is not a number", row, col);
    return c->valuedouble;
}

static const char *str(const cJSON *t, int row, const char *col)
{
    const cJSON *c = cell(t, row, col);
    ck_assert_msg(cJSON_IsString(c), "row %d %s is not a string", row, col);
    return c->valuestring;
}

/* The row whose column key equals value. */
static int find_row(const cJSON *t, const char *key, const char *value)
{
    for (int i = 0; i < nrows(t); i++)
        if (strcmp(str(t, i, key), value) == 0)
            return i;
    ck_abort_msg("no row with %s = %s", key, value);
    return -1;
}

#define NUM_EQ(t, row, col, want)                                                                 \
    ck_assert_msg(fabs(num(t, row, col) - (want)) < 1e-9, "%s row %d: %g, want %g", col, row,    \
                  num(t, row, col), (double)(want))

static double kpi(const cJSON *t, const char *metric)
{
    return num(t, find_row(t, "metric", metric), "value");
}

#define R "from=2026-01-10&to=2026-01-11"

static void check_kpis(const cJSON *k, double events, double sessions, double page_views,
                       double add_to_carts, double bounces, double duration)
{
    ck_assert_double_eq(kpi(k, "events"), events);
    ck_assert_double_eq(kpi(k, "unique_clients"), 4);
    ck_assert_double_eq(kpi(k, "sessions"), sessions);
    ck_assert_double_eq(kpi(k, "logged_in_users"), 1);
    ck_assert_double_eq(kpi(k, "page_views"), page_views);
    ck_assert_double_eq(kpi(k, "product_views"), 4);
    ck_assert_double_eq(kpi(k, "add_to_carts"), add_to_carts);
    ck_assert_double_eq(kpi(k, "checkout_starts"), 2);
    ck_assert_double_eq(kpi(k, "purchases"), 1);
    ck_assert_double_eq(kpi(k, "revenue"), 80);
    ck_assert_double_eq(kpi(k, "converted_sessions"), 1);
    ck_assert_double_eq(kpi(k, "bounces"), bounces);
    ck_assert_double_eq(kpi(k, "session_duration_s"), duration);
}

START_TEST(exact_numbers_and_late_data)
{
    char *db = make_db();
    srv_t s;
    srv_start(&s, db, TOKEN);

    cJSON *h = get_json(&s, "/api/v1/health");
    ck_assert_str_eq(cJSON_GetObjectItem(h, "status")->valuestring, "ok");
    ck_assert_int_eq(cJSON_GetObjectItem(h, "generation")->valueint, 1);
    ck_assert_int_eq(cJSON_GetObjectItem(h, "total_events")->valueint, 16);
    ck_assert_str_eq(cJSON_GetObjectItem(h, "newest_event_at")->valuestring, "2026-01-11T09:00:00Z");
    cJSON_Delete(h);

    /* KPIs with the previous period (2026-01-08 .. 09: nothing). */
    cJSON *k = get_json(&s, "/api/v1/kpis?" R "&compare=previous_period");
    check_kpis(k, 16, 6, 6, 2, 2, 2400);
    ck_assert_double_eq(kpi(k, "conversion_rate"), 16.67);
    ck_assert_double_eq(kpi(k, "checkout_rate"), 50);
    ck_assert_double_eq(kpi(k, "bounce_rate"), 33.33);
    ck_assert_double_eq(kpi(k, "avg_session_duration_s"), 400);
    int ev = find_row(k, "metric", "events");
    NUM_EQ(k, ev, "previous", 0);
    NUM_EQ(k, ev, "change", 16);
    ck_assert(cJSON_IsNull(cell(k, ev, "change_pct")));
    ck_assert_str_eq(cJSON_GetObjectItem(k, "previous_from")->valuestring, "2026-01-08");
    ck_assert_str_eq(cJSON_GetObjectItem(k, "previous_to")->valuestring, "2026-01-09");
    cJSON_Delete(k);

    /* Login state filter: B only. */
    k = get_json(&s, "/api/v1/kpis?" R "&login_state=logged_in");
    ck_assert_double_eq(kpi(k, "events"), 4);
    ck_assert_double_eq(kpi(k, "sessions"), 1);
    ck_assert_double_eq(kpi(k, "unique_clients"), 1);
    ck_assert_double_eq(kpi(k, "session_duration_s"), 360);
    cJSON_Delete(k);

    /* Days in UTC, and in Asia/Ho_Chi_Minh (+7: D's and E's events fall on the 11th). */
    cJSON *t = get_json(&s, "/api/v1/timeseries?" R);
    ck_assert_int_eq(nrows(t), 2);
    ck_assert_str_eq(str(t, 0, "day"), "2026-01-10");
    NUM_EQ(t, 0, "events", 14);
    NUM_EQ(t, 1, "events", 2);
    cJSON_Delete(t);
    t = get_json(&s, "/api/v1/timeseries?" R "&tz=Asia/Ho_Chi_Minh");
    NUM_EQ(t, 0, "events", 13);
    NUM_EQ(t, 1, "events", 3);
    cJSON_Delete(t);
    t = get_json(&s, "/api/v1/timeseries?" R "&metric=sessions");
    NUM_EQ(t, 0, "sessions", 5); /* A, B, C1, C2, D (D started on the 10th) */
    NUM_EQ(t, 1, "sessions", 1);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(t, "columns")), 2);
    cJSON_Delete(t);
    t = get_json(&s, "/api/v1/timeseries?from=2026-01-10&to=2026-01-10&interval=hour");
    ck_assert_int_eq(nrows(t), 24);
    ck_assert_str_eq(str(t, 10, "hour_at"), "2026-01-10T10:00:00Z");
    NUM_EQ(t, 10, "events", 6);
    NUM_EQ(t, 12, "events", 3);
    cJSON_Delete(t);

    /* Breakdowns. */
    t = get_json(&s, "/api/v1/breakdown?" R "&by=event_name");
    ck_assert_int_eq(nrows(t), 6);
    ck_assert_str_eq(str(t, 0, "event_name"), "page_view");
    NUM_EQ(t, 0, "events", 6);
    ck_assert_str_eq(str(t, 1, "event_name"), "product_view");
    NUM_EQ(t, 1, "events", 4);
    ck_assert_str_eq(str(t, 2, "event_name"), "add_to_cart_click");
    NUM_EQ(t, find_row(t, "event_name", "curl_test"), "events", 1);
    NUM_EQ(t, 0, "share", 37.5);
    cJSON_Delete(t);
    t = get_json(&s, "/api/v1/breakdown?" R "&by=login_state");
    NUM_EQ(t, find_row(t, "login_state", "anonymous"), "events", 10);
    NUM_EQ(t, find_row(t, "login_state", "logged_in"), "events", 4);
    NUM_EQ(t, find_row(t, "login_state", "guest"), "events", 2);
    cJSON_Delete(t);
    t = get_json(&s, "/api/v1/breakdown?" R "&by=category");
    ck_assert_int_eq(nrows(t), 3);
    ck_assert_str_eq(str(t, 0, "category"), "keyboard");
    NUM_EQ(t, 0, "events", 3);
    NUM_EQ(t, find_row(t, "category", "UNKNOWN"), "events", 1);
    cJSON_Delete(t);
    t = get_json(&s, "/api/v1/brands/top?" R);
    ck_assert_str_eq(str(t, 0, "brand"), "AULA");
    NUM_EQ(t, 0, "purchases", 1);
    NUM_EQ(t, 0, "revenue", 80);
    NUM_EQ(t, find_row(t, "brand", "UNKNOWN"), "events", 1);
    cJSON_Delete(t);

    /* Funnels: B added to the cart before viewing, so it stops at step 1. */
    t = get_json(&s, "/api/v1/funnel?" R);
    ck_assert_int_eq(nrows(t), 4);
    NUM_EQ(t, 0, "sessions", 3);
    NUM_EQ(t, 1, "sessions", 1);
    NUM_EQ(t, 2, "sessions", 1);
    NUM_EQ(t, 3, "sessions", 1);
    NUM_EQ(t, 1, "conversion_from_first", 33.33);
    NUM_EQ(t, 2, "conversion_from_previous", 100);
    NUM_EQ(t, 1, "drop_off", 2);
    ck_assert_str_eq(str(t, 3, "event_name"), "checkout_complete");
    cJSON_Delete(t);
    t = get_json(&s, "/api/v1/funnel?" R "&steps=page_view,add_to_cart_click");
    NUM_EQ(t, 0, "sessions", 5);
    NUM_EQ(t, 1, "sessions", 2);
    cJSON_Delete(t);

    /* Products: a purchase is a cart add in a session that completed checkout. */
    t = get_json(&s, "/api/v1/products/top?" R);
    ck_assert_int_eq(nrows(t), 3);
    ck_assert_int_eq(cJSON_GetObjectItem(t, "total")->valueint, 3);
    ck_assert_str_eq(str(t, 0, "product_id"), "P1");
    NUM_EQ(t, 0, "views", 2);
    NUM_EQ(t, 0, "add_to_carts", 1);
    NUM_EQ(t, 0, "purchases", 1);
    NUM_EQ(t, 0, "revenue", 80);
    NUM_EQ(t, 0, "view_to_cart_rate", 50);
    NUM_EQ(t, 0, "cart_to_purchase_rate", 100);
    ck_assert_str_eq(str(t, 1, "product_id"), "P2");
    NUM_EQ(t, 1, "purchases", 0);
    ck_assert_str_eq(str(t, 2, "category"), "UNKNOWN");
    cJSON_Delete(t);
    t = get_json(&s, "/api/v1/products/top?" R "&category=mouse");
    ck_assert_int_eq(nrows(t), 1);
    ck_assert_str_eq(str(t, 0, "name"), "Mouse Two");
    cJSON_Delete(t);

    /* Raw sample, newest first. */
    t = get_json(&s, "/api/v1/events/recent?" R "&product_only=true&limit=2&offset=1");
    ck_assert_int_eq(cJSON_GetObjectItem(t, "total")->valueint, 6);
    ck_assert_int_eq(nrows(t), 2);
    ck_assert_str_eq(str(t, 0, "event_name"), "product_view");
    ck_assert_str_eq(str(t, 0, "product_id"), "P2");
    ck_assert_str_eq(str(t, 1, "event_name"), "add_to_cart_click");
    ck_assert_str_eq(str(t, 1, "event_timestamp"), "2026-01-10T11:01:00Z");
    cJSON_Delete(t);
    t = get_json(&s, "/api/v1/events/recent?" R);
    ck_assert_int_eq(cJSON_GetObjectItem(t, "total")->valueint, 16);
    ck_assert_int_eq(nrows(t), 16);
    ck_assert_str_eq(str(t, 0, "event_name"), "curl_test");
    cJSON_Delete(t);

    /* Sessions. */
    t = get_json(&s, "/api/v1/sessions?" R);
    ck_assert_int_eq(cJSON_GetObjectItem(t, "total")->valueint, 6);
    ck_assert(cJSON_IsNull(cell(t, 0, "client_id"))); /* E, newest */
    ck_assert_str_eq(str(t, 1, "session_id"), "sD");
    NUM_EQ(t, 1, "duration_s", 1200);
    ck_assert(cJSON_IsTrue(cell(t, 1, "is_bounce")));
    ck_assert_str_eq(str(t, 2, "session_key"), "c:c3@2026-01-10T12:41:00.000000Z");
    ck_assert(cJSON_IsTrue(cell(t, 2, "is_bounce")));
    ck_assert_str_eq(str(t, 3, "exit_page"), "https://shop/b");
    NUM_EQ(t, 3, "duration_s", 600);
    cJSON_Delete(t);
    t = get_json(&s, "/api/v1/sessions?" R "&sort=revenue&limit=1");
    ck_assert_str_eq(str(t, 0, "session_id"), "sA");
    NUM_EQ(t, 0, "revenue", 80);
    ck_assert_str_eq(str(t, 0, "entry_page"), "https://shop/");
    cJSON_Delete(t);
    t = get_json(&s, "/api/v1/sessions/summary?" R);
    NUM_EQ(t, 0, "sessions", 6);
    NUM_EQ(t, 0, "bounces", 2);
    NUM_EQ(t, 0, "median_duration_s", 300);
    cJSON_Delete(t);
    t = get_json(&s, "/api/v1/sessions/durations?" R);
    ck_assert_int_eq(nrows(t), 7);
    NUM_EQ(t, 0, "sessions", 2); /* C2 and E: 0 s */
    NUM_EQ(t, 4, "sessions", 2); /* A 240 s, B 360 s */
    NUM_EQ(t, 5, "sessions", 2); /* C1 600 s, D 1200 s */
    cJSON_Delete(t);

    /* Heatmap: Saturday (6) 10:00 UTC holds A's 6 events. */
    t = get_json(&s, "/api/v1/traffic/heatmap?" R);
    ck_assert_int_eq(nrows(t), 168);
    int sat10 = (6 - 1) * 24 + 10;
    NUM_EQ(t, sat10, "weekday", 6);
    NUM_EQ(t, sat10, "hour", 10);
    NUM_EQ(t, sat10, "events", 6);
    NUM_EQ(t, sat10 + 2, "sessions", 2);
    cJSON_Delete(t);

    /* Late events: a refresh changes the generation and the numbers of an old day. */
    insert_events(db, late_events, sizeof late_events / sizeof *late_events);
    const char *auth[] = {"Authorization: Bearer " TOKEN, NULL};
    sbw_test_resp_t r;
    ck_assert_int_eq(req(&s, "POST", "/api/v1/refresh", auth, &r), 200);
    cJSON *j = cJSON_Parse(r.body);
    ck_assert_int_eq(cJSON_GetObjectItem(j, "generation")->valueint, 2);
    ck_assert_int_eq(cJSON_GetObjectItem(j, "new_events")->valueint, 2);
    cJSON_Delete(j);
    sbw_test_resp_free(&r);
    k = get_json(&s, "/api/v1/kpis?" R);
    check_kpis(k, 18, 5, 7, 3, 1, 240 + 420 + 2460 + 1200);
    ck_assert_double_eq(kpi(k, "conversion_rate"), 20);
    ck_assert_double_eq(kpi(k, "checkout_rate"), 33.33);
    ck_assert_int_eq(cJSON_GetObjectItem(k, "generation")->valueint, 2);
    cJSON_Delete(k);
    t = get_json(&s, "/api/v1/funnel?" R);
    NUM_EQ(t, 0, "sessions", 3);
    NUM_EQ(t, 1, "sessions", 2); /* B: add to cart at 11:07 after the view at 11:05 */
    NUM_EQ(t, 2, "sessions", 1); /* B's checkout_start (11:06) came before that add */
    cJSON_Delete(t);
    /* The same rule through the custom-funnel query (the default one is precounted). */
    t = get_json(&s, "/api/v1/funnel?" R "&steps=product_view,add_to_cart_click,checkout_start");
    ck_assert_int_eq(nrows(t), 3);
    NUM_EQ(t, 0, "sessions", 3);
    NUM_EQ(t, 1, "sessions", 2);
    NUM_EQ(t, 2, "sessions", 1);
    cJSON_Delete(t);
    t = get_json(&s, "/api/v1/sessions?" R "&sort=duration&limit=1");
    ck_assert_str_eq(str(t, 0, "session_key"), "c:c3@2026-01-10T12:00:00.000000Z");
    NUM_EQ(t, 0, "page_views", 4);
    ck_assert(cJSON_IsFalse(cell(t, 0, "is_bounce")));
    cJSON_Delete(t);
    /* Nothing new: same generation. */
    ck_assert_int_eq(req(&s, "POST", "/api/v1/refresh", auth, &r), 200);
    j = cJSON_Parse(r.body);
    ck_assert_int_eq(cJSON_GetObjectItem(j, "generation")->valueint, 2);
    ck_assert_int_eq(cJSON_GetObjectItem(j, "new_events")->valueint, 0);
    cJSON_Delete(j);
    sbw_test_resp_free(&r);

    srv_stop(&s);
    /* A restart starts from the stored aggregates. */
    srv_start(&s, db, TOKEN);
    k = get_json(&s, "/api/v1/kpis?" R);
    ck_assert_double_eq(kpi(k, "events"), 18);
    ck_assert_int_eq(cJSON_GetObjectItem(k, "generation")->valueint, 2);
    cJSON_Delete(k);
    srv_stop(&s);
    sbw_test_pg_drop_db(db);
    free(db);
}
END_TEST

static void expect_400(srv_t *s, const char *path, const char *param)
{
    sbw_test_resp_t r;
    long st = req(s, "GET", path, NULL, &r);
    ck_assert_msg(st == 400, "GET %s: %ld %s", path, st, r.body);
    cJSON *j = cJSON_Parse(r.body);
    ck_assert_msg(j != NULL, "GET %s: not JSON", path);
    const cJSON *p = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "error"), "parameter");
    ck_assert_msg(cJSON_IsString(p) && strcmp(p->valuestring, param) == 0,
                  "GET %s: parameter %s, want %s", path, cJSON_IsString(p) ? p->valuestring : "?",
                  param);
    cJSON_Delete(j);
    sbw_test_resp_free(&r);
}

START_TEST(bad_parameters_and_auth)
{
    char *db = make_db();
    srv_t s;
    srv_start(&s, db, TOKEN);
    expect_400(&s, "/api/v1/kpis?bogus=1", "bogus");
    expect_400(&s, "/api/v1/kpis?from=2026-02-30", "from");
    expect_400(&s, "/api/v1/kpis?to=yesterday", "to");
    expect_400(&s, "/api/v1/kpis?from=2026-01-12&to=2026-01-10", "from");
    expect_400(&s, "/api/v1/kpis?from=2024-01-01&to=2026-01-10", "to");
    expect_400(&s, "/api/v1/kpis?login_state=admin", "login_state");
    expect_400(&s, "/api/v1/kpis?tz=Mars/Olympus", "tz");
    expect_400(&s, "/api/v1/kpis?tz=UTC;DROP", "tz");
    expect_400(&s, "/api/v1/kpis?compare=last_year", "compare");
    expect_400(&s, "/api/v1/kpis?format=xml", "format");
    expect_400(&s, "/api/v1/kpis?from=2026-01-10&from=2026-01-11", "from");
    expect_400(&s, "/api/v1/kpis?limit=5", "limit");
    expect_400(&s, "/api/v1/timeseries?metric=sales", "metric");
    expect_400(&s, "/api/v1/timeseries?interval=week", "interval");
    expect_400(&s, "/api/v1/breakdown?by=country", "by");
    expect_400(&s, "/api/v1/breakdown?limit=0", "limit");
    expect_400(&s, "/api/v1/breakdown?limit=100000", "limit");
    expect_400(&s, "/api/v1/breakdown?offset=-1", "offset");
    expect_400(&s, "/api/v1/funnel?steps=page_view", "steps");
    expect_400(&s, "/api/v1/funnel?steps=a,b,c,d,e,f,g,h,i", "steps");
    expect_400(&s, "/api/v1/funnel?steps=a,a", "steps");
    expect_400(&s, "/api/v1/funnel?steps=a,b%27c", "steps");
    expect_400(&s, "/api/v1/products/top?by=price", "by");
    expect_400(&s, "/api/v1/sessions?sort=name", "sort");
    expect_400(&s, "/api/v1/events/recent?product_only=maybe", "product_only");
    expect_400(&s, "/api/v1/health?x=1", "x");

    sbw_test_resp_t r;
    ck_assert_int_eq(req(&s, "GET", "/api/v1/nothing", NULL, &r), 404);
    sbw_test_resp_free(&r);
    ck_assert_int_eq(req(&s, "POST", "/api/v1/kpis", NULL, &r), 405);
    sbw_test_resp_free(&r);
    ck_assert_int_eq(req(&s, "GET", "/api/v1/refresh", NULL, &r), 405);
    sbw_test_resp_free(&r);
    ck_assert_int_eq(req(&s, "POST", "/api/v1/refresh", NULL, &r), 401);
    char *wa = sbw_test_resp_header(&r, "WWW-Authenticate");
    ck_assert_str_eq(wa, "Bearer");
    free(wa);
    sbw_test_resp_free(&r);
    const char *wrong[] = {"Authorization: Bearer test-token-0123456780", NULL};
    ck_assert_int_eq(req(&s, "POST", "/api/v1/refresh", wrong, &r), 401);
    sbw_test_resp_free(&r);
    const char *shorter[] = {"Authorization: Bearer test", NULL};
    ck_assert_int_eq(req(&s, "POST", "/api/v1/refresh", shorter, &r), 401);
    sbw_test_resp_free(&r);
    const char *basic[] = {"Authorization: Basic dGVzdA==", NULL};
    ck_assert_int_eq(req(&s, "POST", "/api/v1/refresh", basic, &r), 401);
    sbw_test_resp_free(&r);
    srv_stop(&s);

    /* Without a token the hook is off. */
    srv_start(&s, db, NULL);
    const char *auth[] = {"Authorization: Bearer " TOKEN, NULL};
    ck_assert_int_eq(req(&s, "POST", "/api/v1/refresh", auth, &r), 503);
    ck_assert_ptr_nonnull(strstr(r.body, "no token configured"));
    sbw_test_resp_free(&r);
    srv_stop(&s);
    sbw_test_pg_drop_db(db);
    free(db);
}
END_TEST

/* Parses one CSV line (no quotes in our data but commas inside quotes handled) into fields. */
static int csv_fields(const char *line, char fields[][256], int max)
{
    int n = 0;
    const char *c = line;
    while (n < max) {
        size_t o = 0;
        if (*c == '"') {
            c++;
            while (*c && !(*c == '"' && c[1] != '"')) {
                if (*c == '"')
                    c++;
                if (o < 255)
                    fields[n][o++] = *c;
                c++;
            }
            if (*c == '"')
                c++;
        } else {
            while (*c && *c != ',' && *c != '\r' && *c != '\n') {
                if (o < 255)
                    fields[n][o++] = *c;
                c++;
            }
        }
        fields[n++][o] = '\0';
        if (*c != ',')
            break;
        c++;
    }
    return n;
}

/* Every cell of the JSON table equals the CSV cell (numbers compared as numbers). */
static void compare_csv(srv_t *s, const char *path)
{
    char p2[512];
    snprintf(p2, sizeof p2, "%s%sformat=csv", path, strchr(path, '?') ? "&" : "?");
    cJSON *j = get_json(s, path);
    sbw_test_resp_t r;
    ck_assert_int_eq(req(s, "GET", p2, NULL, &r), 200);
    char *ct = sbw_test_resp_header(&r, "Content-Type");
    ck_assert_ptr_nonnull(strstr(ct, "text/csv"));
    free(ct);
    static char f[40][256];
    char *line = r.body;
    char *nl = strstr(line, "\r\n");
    ck_assert_ptr_nonnull(nl);
    *nl = '\0';
    int ncols = csv_fields(line, f, 40);
    const cJSON *cols = cJSON_GetObjectItem(j, "columns");
    ck_assert_int_eq(ncols, cJSON_GetArraySize(cols));
    for (int i = 0; i < ncols; i++)
        ck_assert_str_eq(f[i], cJSON_GetArrayItem(cols, i)->valuestring);
    int row = 0;
    for (line = nl + 2; *line; row++) {
        nl = strstr(line, "\r\n");
        ck_assert_ptr_nonnull(nl);
        *nl = '\0';
        ck_assert_int_eq(csv_fields(line, f, 40), ncols);
        const cJSON *jr = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "rows"), row);
        ck_assert_ptr_nonnull(jr);
        for (int i = 0; i < ncols; i++) {
            const cJSON *v = cJSON_GetArrayItem(jr, i);
            if (cJSON_IsNull(v))
                ck_assert_str_eq(f[i], "");
            else if (cJSON_IsNumber(v))
                ck_assert_msg(fabs(strtod(f[i], NULL) - v->valuedouble) < 1e-9, "%s row %d col %d",
                              path, row, i);
            else if (cJSON_IsBool(v))
                ck_assert_str_eq(f[i], cJSON_IsTrue(v) ? "true" : "false");
            else
                ck_assert_str_eq(f[i], v->valuestring);
        }
        line = nl + 2;
    }
    ck_assert_int_eq(row, nrows(j));
    sbw_test_resp_free(&r);
    cJSON_Delete(j);
}

START_TEST(csv_etag_and_openapi_routes)
{
    char *db = make_db();
    srv_t s;
    srv_start(&s, db, TOKEN);
    compare_csv(&s, "/api/v1/kpis?" R "&compare=previous_period");
    compare_csv(&s, "/api/v1/timeseries?" R "&metric=all");
    compare_csv(&s, "/api/v1/breakdown?" R);
    compare_csv(&s, "/api/v1/funnel?" R);
    compare_csv(&s, "/api/v1/products/top?" R);
    compare_csv(&s, "/api/v1/sessions?" R);
    compare_csv(&s, "/api/v1/events/recent?" R);

    /* ETag per generation and query; 304 on If-None-Match. */
    sbw_test_resp_t r;
    ck_assert_int_eq(req(&s, "GET", "/api/v1/kpis?" R, NULL, &r), 200);
    char *etag = sbw_test_resp_header(&r, "ETag");
    char *cc = sbw_test_resp_header(&r, "Cache-Control");
    ck_assert_str_eq(cc, "no-cache");
    ck_assert_msg(etag && strncmp(etag, "\"g1-", 4) == 0, "etag %s", etag);
    free(cc);
    sbw_test_resp_free(&r);
    char inm[128];
    snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
    const char *h[] = {inm, NULL};
    ck_assert_int_eq(req(&s, "GET", "/api/v1/kpis?" R, h, &r), 304);
    ck_assert_uint_eq(r.len, 0);
    sbw_test_resp_free(&r);
    ck_assert_int_eq(req(&s, "GET", "/api/v1/kpis?" R "&login_state=guest", h, &r), 200);
    sbw_test_resp_free(&r);
    /* New data: a new generation, so the old ETag no longer matches. */
    insert_events(s.db, late_events, 1);
    const char *auth[] = {"Authorization: Bearer " TOKEN, NULL};
    ck_assert_int_eq(req(&s, "POST", "/api/v1/refresh", auth, &r), 200);
    sbw_test_resp_free(&r);
    ck_assert_int_eq(req(&s, "GET", "/api/v1/kpis?" R, h, &r), 200);
    char *etag2 = sbw_test_resp_header(&r, "ETag");
    ck_assert_msg(strncmp(etag2, "\"g2-", 4) == 0, "etag %s", etag2);
    free(etag2);
    free(etag);
    sbw_test_resp_free(&r);

    /* Every path of the OpenAPI document answers 200 with a GET (or POST for the hook). */
    ck_assert_int_eq(req(&s, "GET", "/api/v1/openapi.yaml", NULL, &r), 200);
    char *doc = strdup(r.body);
    sbw_test_resp_free(&r);
    int routes = 0;
    for (char *line = strtok(doc, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "  /", 3) != 0)
            continue;
        char path[256];
        snprintf(path, sizeof path, "%s", line + 2);
        char *colon = strrchr(path, ':');
        ck_assert_ptr_nonnull(colon);
        *colon = '\0';
        int post = strcmp(path, "/api/v1/refresh") == 0;
        ck_assert_msg(req(&s, post ? "POST" : "GET", path, post ? auth : NULL, &r) == 200,
                      "%s answers %ld", path, r.status);
        if (!post && strcmp(path, "/metrics") != 0 && strcmp(path, "/api/v1/openapi.yaml") != 0) {
            cJSON *j = cJSON_Parse(r.body);
            ck_assert_msg(j != NULL, "%s: not JSON", path);
            if (strcmp(path, "/api/v1/health") != 0) {
                ck_assert_msg(cJSON_IsArray(cJSON_GetObjectItem(j, "columns")) &&
                                  cJSON_IsArray(cJSON_GetObjectItem(j, "types")) &&
                                  cJSON_IsArray(cJSON_GetObjectItem(j, "rows")),
                              "%s: not a table", path);
            }
            cJSON_Delete(j);
        }
        sbw_test_resp_free(&r);
        routes++;
    }
    free(doc);
    ck_assert_int_eq(routes, 16); /* 15 GET endpoints and the hook */
    ck_assert_int_eq(req(&s, "GET", "/metrics", NULL, &r), 200);
    ck_assert_ptr_nonnull(strstr(r.body, "sbw_server_generation 2"));
    ck_assert_ptr_nonnull(strstr(r.body, "sbw_server_cache_hits_total"));
    sbw_test_resp_free(&r);
    srv_stop(&s);
    sbw_test_pg_drop_db(db);
    free(db);
}
END_TEST

typedef struct {
    srv_t *s;
    long status;
    long long generation;
} refresher_t;

static void *refresh_thread(void *arg)
{
    refresher_t *rf = arg;
    char url[256];
    snprintf(url, sizeof url, "%s/api/v1/refresh", rf->s->base);
    const char *auth[] = {"Authorization: Bearer " TOKEN, NULL};
    sbw_test_resp_t r;
    if (sbw_test_http("POST", url, auth, NULL, 0, &r) == 0) {
        rf->status = r.status;
        cJSON *j = cJSON_Parse(r.body);
        const cJSON *g = cJSON_GetObjectItem(j, "generation");
        rf->generation = cJSON_IsNumber(g) ? (long long)g->valuedouble : -1;
        cJSON_Delete(j);
        sbw_test_resp_free(&r);
    }
    return NULL;
}

START_TEST(concurrent_refreshes_coalesce)
{
    char *db = make_db();
    srv_t s;
    srv_start(&s, db, TOKEN);
    insert_events(db, late_events, 2);
    /* Hold the refresh's advisory lock so the first call blocks inside analytics.refresh()
     * while the others arrive. */
    PGconn *lock = owner_conn(db);
    PQclear(PQexec(lock, "SELECT pg_advisory_lock(726173005)"));
    enum { N = 6 };
    pthread_t th[N];
    refresher_t rf[N];
    for (int i = 0; i < N; i++) {
        rf[i] = (refresher_t){&s, 0, 0};
        pthread_create(&th[i], NULL, refresh_thread, &rf[i]);
    }
    struct timespec ts = {0, 500 * 1000 * 1000};
    nanosleep(&ts, NULL);
    PQclear(PQexec(lock, "SELECT pg_advisory_unlock(726173005)"));
    PQfinish(lock);
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        ck_assert_int_eq(rf[i].status, 200);
        ck_assert_int_eq(rf[i].generation, 2); /* one new generation for all the calls */
    }
    sbw_test_resp_t r;
    ck_assert_int_eq(req(&s, "GET", "/metrics", NULL, &r), 200);
    /* start, the blocked run, and one run for the five calls that waited for it */
    const char *m = strstr(r.body, "\nsbw_server_refreshes_total ");
    ck_assert_ptr_nonnull(m);
    long runs = strtol(m + strlen("\nsbw_server_refreshes_total "), NULL, 10);
    ck_assert_msg(runs == 3, "refresh runs %ld", runs);
    sbw_test_resp_free(&r);
    srv_stop(&s);
    sbw_test_pg_drop_db(db);
    free(db);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("server_api");
    TCase *tc = tcase_create("exact_numbers");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, exact_numbers_and_late_data);
    suite_add_tcase(s, tc);
    tc = tcase_create("bad_parameters");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, bad_parameters_and_auth);
    suite_add_tcase(s, tc);
    tc = tcase_create("csv_etag_openapi");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, csv_etag_and_openapi_routes);
    suite_add_tcase(s, tc);
    tc = tcase_create("refresh_coalesces");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, concurrent_refreshes_coalesce);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return sbw_test_run(suite());
}
