/* test_contract: the data-driven event contract suite (tests/fixtures/contract, /lake).
 *
 * contract/NAME.in.json is a request body as posted; NAME.out.json the expected outcome after
 * split -> enrich (fixed meta) -> lake line -> lake parse -> normalise. lake/NAME.in.json is a
 * lake object as stored; NAME.out.json the rows (and record errors) the ETL must get from it.
 * The format is described in tests/fixtures/contract/README.md. */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sbw_body.h"
#include "sbw_buf.h"
#include "sbw_enrich.h"
#include "sbw_event.h"
#include "sbw_lakefmt.h"
#include "sbw_test.h"
#include "sbw_time.h"

#define RECEIVED_ISO "2026-11-27T10:00:00.000Z"
#define NOW_ISO "2026-11-27T11:00:00.000Z"
#define OBJECT_KEY "events/2026/11/27/10/test.ndjson"
#define USER_AGENT "Mozilla/5.0 test"
#define SOURCE_IP "203.0.113.77"
#define SOURCE_IP_ANON "203.0.113.0"

static int64_t iso_ms(const char *s)
{
    int64_t ms = 0;
    ck_assert_int_eq(sbw_time_parse_iso(s, &ms), 0);
    return ms;
}

static cJSON *str_or_null(const char *s)
{
    return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static cJSON *iso_item(int64_t ms)
{
    char buf[SBW_TIME_ISO_SIZE];
    ck_assert_int_eq(sbw_time_format_iso(ms, buf, sizeof buf), 0);
    return cJSON_CreateString(buf);
}

/* Every warehouse column of a row, as JSON (times as ISO text). */
static cJSON *row_json(const sbw_event_t *e)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "event_id", e->event_id);
    cJSON_AddItemToObject(o, "event_timestamp", iso_item(e->event_timestamp));
    cJSON_AddItemToObject(o, "event_name", str_or_null(e->event_name));
    cJSON_AddItemToObject(o, "user_id", str_or_null(e->user_id));
    cJSON_AddItemToObject(o, "user_login_state", str_or_null(e->user_login_state));
    cJSON_AddItemToObject(o, "identity_source", str_or_null(e->identity_source));
    cJSON_AddItemToObject(o, "client_id", str_or_null(e->client_id));
    cJSON_AddItemToObject(o, "session_id", str_or_null(e->session_id));
    if (e->is_first_visit == SBW_TRI_UNKNOWN)
        cJSON_AddNullToObject(o, "is_first_visit");
    else
        cJSON_AddBoolToObject(o, "is_first_visit", e->is_first_visit == SBW_TRI_TRUE);
    cJSON_AddItemToObject(o, "context_product_id", str_or_null(e->context_product_id));
    cJSON_AddItemToObject(o, "context_product_name", str_or_null(e->context_product_name));
    cJSON_AddItemToObject(o, "context_product_category", str_or_null(e->context_product_category));
    cJSON_AddItemToObject(o, "context_product_brand", str_or_null(e->context_product_brand));
    cJSON_AddItemToObject(o, "context_product_price", str_or_null(e->context_product_price));
    cJSON_AddItemToObject(o, "context_product_discount_price",
                          str_or_null(e->context_product_discount_price));
    cJSON_AddItemToObject(o, "context_product_url_path", str_or_null(e->context_product_url_path));
    cJSON_AddItemToObject(o, "received_at", iso_item(e->received_at));
    cJSON_AddItemToObject(o, "page_url", str_or_null(e->page_url));
    cJSON_AddItemToObject(o, "referrer", str_or_null(e->referrer));
    cJSON_AddItemToObject(o, "element", str_or_null(e->element));
    cJSON_AddItemToObject(o, "user_agent", str_or_null(e->user_agent));
    cJSON_AddItemToObject(o, "source_ip", str_or_null(e->source_ip));
    cJSON_AddBoolToObject(o, "is_bot", e->is_bot);
    cJSON_AddItemToObject(o, "client_event_id", str_or_null(e->client_event_id));
    cJSON_AddItemToObject(o, "raw_object_key", str_or_null(e->raw_object_key));
    return o;
}

/* Completes an expected row with the documented defaults so it can be compared exactly:
 * a missing column is null, except those the fixed ingest meta decides (contract fixtures)
 * and raw_object_key. Unknown column names fail the test. */
static cJSON *expected_row(const cJSON *exp, const cJSON *actual_shape, bool contract,
                           const char *where)
{
    for (const cJSON *k = exp->child; k; k = k->next)
        ck_assert_msg(cJSON_GetObjectItemCaseSensitive(actual_shape, k->string) != NULL,
                      "%s: unknown column \"%s\" in the expectation", where, k->string);
    ck_assert_msg(cJSON_GetObjectItemCaseSensitive(exp, "event_id") != NULL &&
                      cJSON_GetObjectItemCaseSensitive(exp, "event_name") != NULL,
                  "%s: every expected row must give event_id and event_name", where);
    cJSON *full = cJSON_CreateObject();
    for (const cJSON *col = actual_shape->child; col; col = col->next) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(exp, col->string);
        cJSON *d;
        if (v)
            d = cJSON_Duplicate(v, 1);
        else if (strcmp(col->string, "is_bot") == 0)
            d = cJSON_CreateFalse();
        else if (strcmp(col->string, "raw_object_key") == 0)
            d = cJSON_CreateString(OBJECT_KEY);
        else if (contract && (strcmp(col->string, "received_at") == 0 ||
                              strcmp(col->string, "event_timestamp") == 0))
            d = cJSON_CreateString(RECEIVED_ISO);
        else if (contract && strcmp(col->string, "user_agent") == 0)
            d = cJSON_CreateString(USER_AGENT);
        else if (contract && strcmp(col->string, "source_ip") == 0)
            d = cJSON_CreateString(SOURCE_IP_ANON);
        else
            d = cJSON_CreateNull();
        cJSON_AddItemToObject(full, col->string, d);
    }
    return full;
}

typedef struct {
    cJSON *events;
    cJSON *errors; /* lake record errors */
    int64_t now;
} lake_ud_t;

static int on_record(const cJSON *obj, int index, const char *error, void *ud)
{
    lake_ud_t *u = ud;
    if (error) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "index", index);
        cJSON_AddStringToObject(e, "error", error);
        cJSON_AddItemToArray(u->errors, e);
        return 0;
    }
    sbw_event_t ev;
    char err[256] = "";
    if (sbw_event_normalise(obj, OBJECT_KEY, index, u->now, &ev, err, sizeof err) != 0) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "index", index);
        char msg[300];
        snprintf(msg, sizeof msg, "normalise: %s", err);
        cJSON_AddStringToObject(e, "error", msg);
        cJSON_AddItemToArray(u->errors, e);
        return 0;
    }
    cJSON_AddItemToArray(u->events, row_json(&ev));
    sbw_event_cleanup(&ev);
    return 0;
}

static void apply_limits(sbw_limits_t *l, const cJSON *over)
{
    for (const cJSON *k = over ? over->child : NULL; k; k = k->next) {
        ck_assert_msg(cJSON_IsNumber(k), "limit %s must be a number", k->string);
        size_t v = (size_t)k->valuedouble;
        if (strcmp(k->string, "max_body_bytes") == 0)
            l->max_body_bytes = v;
        else if (strcmp(k->string, "max_events") == 0)
            l->max_events = v;
        else if (strcmp(k->string, "max_event_bytes") == 0)
            l->max_event_bytes = v;
        else if (strcmp(k->string, "max_string_bytes") == 0)
            l->max_string_bytes = v;
        else if (strcmp(k->string, "max_url_bytes") == 0)
            l->max_url_bytes = v;
        else if (strcmp(k->string, "max_user_agent_bytes") == 0)
            l->max_user_agent_bytes = v;
        else if (strcmp(k->string, "max_depth") == 0)
            l->max_depth = (int)v;
        else
            ck_abort_msg("unknown limit %s", k->string);
    }
}

/* Runs one contract fixture; returns the actual outcome in the .out.json format. */
static cJSON *run_contract(const char *body, size_t len, const sbw_limits_t *limits)
{
    sbw_body_t b;
    char err[512] = "";
    cJSON *actual = cJSON_CreateObject();
    int rc = sbw_body_split(body, len, limits, &b, err, sizeof err);
    if (rc != 0) {
        ck_assert_msg(rc == SBW_BODY_EINVAL || rc == SBW_BODY_ETOOBIG, "split returned %d", rc);
        ck_assert_uint_eq(b.count, 0);
        cJSON_AddStringToObject(actual, "error", err);
        if (rc == SBW_BODY_ETOOBIG)
            cJSON_AddTrueToObject(actual, "too_big");
        return actual;
    }
    sbw_buf_t lake;
    sbw_buf_init(&lake, 0);
    cJSON *rejected = cJSON_CreateArray();
    size_t accepted = 0;
    for (size_t i = 0; i < b.count; i++) {
        sbw_body_item_t *it = &b.items[i];
        ck_assert_int_eq(it->index, (int)i);
        ck_assert_msg((it->obj == NULL) != (it->error == NULL), "item %zu: obj xor error", i);
        if (it->error) {
            cJSON *r = cJSON_CreateObject();
            cJSON_AddNumberToObject(r, "index", it->index);
            cJSON_AddStringToObject(r, "error", it->error);
            cJSON_AddItemToArray(rejected, r);
            continue;
        }
        char server_id[SBW_UUID_SIZE];
        snprintf(server_id, sizeof server_id, "00000000-0000-4000-8000-%012x", it->index + 1);
        sbw_ingest_meta_t meta = {
            .received_at_ms = iso_ms(RECEIVED_ISO),
            .source_ip = SOURCE_IP,
            .user_agent = USER_AGENT,
            .request_id = "req-1",
            .trace_id = "Root=1-test",
            .method = "POST",
            .path = "/clickstream",
            .server_event_id = server_id,
        };
        ck_assert_int_eq(sbw_enrich_event(it->obj, &meta, limits, err, sizeof err), 0);
        ck_assert_int_eq(sbw_lake_line_append(&lake, it->obj, err, sizeof err), 0);
        accepted++;
    }
    ck_assert_uint_eq(accepted, b.accepted);
    lake_ud_t u = {cJSON_CreateArray(), cJSON_CreateArray(), iso_ms(NOW_ISO)};
    ck_assert_int_eq(sbw_lake_parse(sbw_buf_cstr(&lake), lake.len, on_record, &u), 0);
    char *errs = cJSON_PrintUnformatted(u.errors);
    ck_assert_msg(cJSON_GetArraySize(u.errors) == 0, "lake/normalise errors: %s", errs);
    free(errs);
    cJSON_Delete(u.errors);
    ck_assert_int_eq(cJSON_GetArraySize(u.events), (int)accepted);
    cJSON_AddItemToObject(actual, "events", u.events);
    cJSON_AddItemToObject(actual, "rejected", rejected);
    sbw_buf_cleanup(&lake);
    sbw_body_cleanup(&b);
    return actual;
}

/* Brings the expectation into the exact shape of the actual outcome. */
static cJSON *normalise_expectation(const cJSON *exp, bool contract, const char *name)
{
    cJSON *full = cJSON_CreateObject();
    const cJSON *error = cJSON_GetObjectItemCaseSensitive(exp, "error");
    if (error) {
        cJSON_AddItemToObject(full, "error", cJSON_Duplicate(error, 1));
        const cJSON *too_big = cJSON_GetObjectItemCaseSensitive(exp, "too_big");
        if (cJSON_IsTrue(too_big))
            cJSON_AddTrueToObject(full, "too_big");
        return full;
    }
    sbw_event_t blank;
    memset(&blank, 0, sizeof blank);
    cJSON *shape = row_json(&blank);
    cJSON *events = cJSON_CreateArray();
    const cJSON *eev = cJSON_GetObjectItemCaseSensitive(exp, "events");
    int i = 0;
    for (const cJSON *e = eev ? eev->child : NULL; e; e = e->next, i++) {
        char where[300];
        snprintf(where, sizeof where, "%s events[%d]", name, i);
        cJSON_AddItemToArray(events, expected_row(e, shape, contract, where));
    }
    cJSON_Delete(shape);
    cJSON_AddItemToObject(full, "events", events);
    const char *rej_name = contract ? "rejected" : "errors";
    const cJSON *rej = cJSON_GetObjectItemCaseSensitive(exp, rej_name);
    cJSON_AddItemToObject(full, rej_name, rej ? cJSON_Duplicate(rej, 1) : cJSON_CreateArray());
    return full;
}

/* Prints what differs: per event the differing columns, else the whole member, compactly. */
static void report_mismatch(const char *dir, const char *name, const cJSON *want,
                            const cJSON *actual)
{
    fprintf(stderr, "FIXTURE %s/%s differs:\n", dir, name);
    for (const cJSON *w = want->child; w; w = w->next) {
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(actual, w->string);
        if (a && cJSON_Compare(w, a, 1))
            continue;
        if (a && strcmp(w->string, "events") == 0 &&
            cJSON_GetArraySize(w) == cJSON_GetArraySize(a)) {
            for (int i = 0; i < cJSON_GetArraySize(w); i++) {
                const cJSON *we = cJSON_GetArrayItem(w, i), *ae = cJSON_GetArrayItem(a, i);
                for (const cJSON *col = we->child; col; col = col->next) {
                    const cJSON *ac = cJSON_GetObjectItemCaseSensitive(ae, col->string);
                    if (ac && cJSON_Compare(col, ac, 1))
                        continue;
                    char *x = cJSON_PrintUnformatted(col);
                    char *y = ac ? cJSON_PrintUnformatted(ac) : NULL;
                    fprintf(stderr, "  events[%d].%s: expected %s, got %s\n", i, col->string, x,
                            y ? y : "(missing)");
                    free(x);
                    free(y);
                }
            }
            continue;
        }
        char *x = cJSON_PrintUnformatted(w);
        char *y = a ? cJSON_PrintUnformatted(a) : NULL;
        fprintf(stderr, "  %s: expected %s\n  %s:      got %s\n", w->string, x, w->string,
                y ? y : "(missing)");
        free(x);
        free(y);
    }
    for (const cJSON *a = actual->child; a; a = a->next) {
        if (!cJSON_GetObjectItemCaseSensitive(want, a->string)) {
            char *y = cJSON_PrintUnformatted(a);
            fprintf(stderr, "  %s: not expected, got %s\n", a->string, y);
            free(y);
        }
    }
}

static void run_dir(const char *dir, bool contract)
{
    char **names;
    size_t n = sbw_test_fixture_list(dir, ".in.json", &names);
    ck_assert_msg(n > 0, "no fixtures in %s", dir);
    int failures = 0;
    char failed[4096] = "";
    for (size_t i = 0; i < n; i++) {
        char rel[512], name[256];
        size_t nl = strlen(names[i]) - strlen(".in.json");
        snprintf(name, sizeof name, "%.*s", (int)nl, names[i]);
        snprintf(rel, sizeof rel, "%s/%s.out.json", dir, name);
        char *outtxt = sbw_test_fixture(rel, NULL);
        cJSON *exp = cJSON_Parse(outtxt);
        ck_assert_msg(exp != NULL, "%s: the expectation is not JSON", rel);
        free(outtxt);
        snprintf(rel, sizeof rel, "%s/%s", dir, names[i]);
        size_t len;
        char *body = sbw_test_fixture(rel, &len);

        cJSON *actual;
        if (contract) {
            sbw_limits_t limits;
            sbw_limits_init(&limits);
            apply_limits(&limits, cJSON_GetObjectItemCaseSensitive(exp, "limits"));
            actual = run_contract(body, len, &limits);
        } else {
            lake_ud_t u = {cJSON_CreateArray(), cJSON_CreateArray(), iso_ms(NOW_ISO)};
            ck_assert_int_eq(sbw_lake_parse(body, len, on_record, &u), 0);
            actual = cJSON_CreateObject();
            cJSON_AddItemToObject(actual, "events", u.events);
            cJSON_AddItemToObject(actual, "errors", u.errors);
        }
        cJSON *want = normalise_expectation(exp, contract, name);
        if (!cJSON_Compare(want, actual, 1)) {
            report_mismatch(dir, name, want, actual);
            failures++;
            size_t fl = strlen(failed);
            snprintf(failed + fl, sizeof failed - fl, " %s", name);
        }
        cJSON_Delete(want);
        cJSON_Delete(actual);
        cJSON_Delete(exp);
        free(body);
        free(names[i]);
    }
    free(names);
    ck_assert_msg(failures == 0, "%d of %zu fixtures in %s differ:%s", failures, n, dir, failed);
}

START_TEST(contract_fixtures)
{
    run_dir("contract", true);
}
END_TEST

START_TEST(lake_fixtures)
{
    run_dir("lake", false);
}
END_TEST

static Suite *contract_suite(void)
{
    Suite *s = suite_create("contract");
    TCase *tc = tcase_create("fixtures");
    tcase_add_test(tc, contract_fixtures);
    suite_add_tcase(s, tc);
    tc = tcase_create("lake_fixtures");
    tcase_add_test(tc, lake_fixtures);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(contract_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
