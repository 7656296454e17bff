/* Unit tests of the ETL's pure parts: selection plans (sbw_etl_select) and COPY/array text
 * (sbw_etl_copy). No database, no lake. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sbw_etl_copy.h"
#include "sbw_etl_select.h"
#include "sbw_time.h"

static int64_t iso(const char *s)
{
    int64_t ms;
    ck_assert_int_eq(sbw_time_parse_iso(s, &ms), 0);
    return ms;
}

static sbw_etl_plan_t *plan_of(const sbw_etl_sel_t *s, const char *now, int64_t watermark,
                               int want_rc, char *err)
{
    sbw_etl_plan_t *p = calloc(1, sizeof *p);
    ck_assert_ptr_nonnull(p);
    int rc = sbw_etl_plan(s, iso(now), watermark, 48, p, err, 256);
    ck_assert_msg(rc == want_rc, "rc %d: %s", rc, err);
    return p;
}

START_TEST(catch_up_plans)
{
    sbw_etl_sel_t s;
    sbw_etl_sel_init(&s);
    char err[256] = "";
    sbw_etl_plan_t *p = plan_of(&s, "2026-11-20T12:30:00Z", -1, 0, err);
    ck_assert_int_eq(p->manual, 0);
    ck_assert_str_eq(p->mode, "catch_up");
    ck_assert_str_eq(p->start_after, ""); /* first run: the whole lake */
    free(p);
    p = plan_of(&s, "2026-11-20T12:30:00Z", iso("2026-11-20T12:00:00Z"), 0, err);
    ck_assert_str_eq(p->start_after, "events/2026/11/18/12/");
    free(p);
    /* A watermark inside an hour counts from that hour; a year boundary. */
    p = plan_of(&s, "2026-01-02T00:10:00Z", iso("2026-01-01T23:59:59Z"), 0, err);
    ck_assert_str_eq(p->start_after, "events/2025/12/30/23/");
    free(p);
}
END_TEST

START_TEST(manual_plans_in_priority_order)
{
    sbw_etl_sel_t s;
    char err[256] = "";
    sbw_etl_sel_init(&s);
    strcpy(s.prefix, "events/2026/11/");
    strcpy(s.hour, "2026-11-20T10:00:00Z"); /* the prefix wins */
    sbw_etl_plan_t *p = plan_of(&s, "2026-11-20T12:30:00Z", -1, 0, err);
    ck_assert_str_eq(p->mode, "prefix");
    ck_assert_str_eq(p->prefix, "events/2026/11/");
    free(p);

    sbw_etl_sel_init(&s);
    strcpy(s.hour, "2026-11-20T10:59:59.999+00:00");
    strcpy(s.date, "2026-01-01"); /* the hour wins */
    p = plan_of(&s, "2026-11-20T12:30:00Z", -1, 0, err);
    ck_assert_str_eq(p->mode, "hour");
    ck_assert_uint_eq(p->n, 1);
    ck_assert_str_eq(p->prefixes[0], "events/2026/11/20/10/");
    free(p);
    strcpy(s.hour, "1795165200"); /* epoch seconds: 2026-11-20T09:00:00Z */
    p = plan_of(&s, "2026-11-20T12:30:00Z", -1, 0, err);
    ck_assert_str_eq(p->prefixes[0], "events/2026/11/20/09/");
    free(p);
    strcpy(s.hour, "1795165200000"); /* epoch ms */
    s.scope_day = 1;
    p = plan_of(&s, "2026-11-20T12:30:00Z", -1, 0, err);
    ck_assert_str_eq(p->prefixes[0], "events/2026/11/20/");
    free(p);

    sbw_etl_sel_init(&s);
    strcpy(s.date, "2024-02-29");
    p = plan_of(&s, "2026-11-20T12:30:00Z", -1, 0, err);
    ck_assert_str_eq(p->mode, "date");
    ck_assert_str_eq(p->prefixes[0], "events/2024/02/29/");
    free(p);

    sbw_etl_sel_init(&s);
    s.hours_back = 3;
    p = plan_of(&s, "2026-11-20T01:30:00Z", -1, 0, err);
    ck_assert_str_eq(p->mode, "hours_back");
    ck_assert_uint_eq(p->n, 3);
    ck_assert_str_eq(p->prefixes[0], "events/2026/11/19/22/");
    ck_assert_str_eq(p->prefixes[1], "events/2026/11/19/23/");
    ck_assert_str_eq(p->prefixes[2], "events/2026/11/20/00/");
    free(p);
    s.scope_day = 1; /* the days of those hours, each once */
    p = plan_of(&s, "2026-11-20T01:30:00Z", -1, 0, err);
    ck_assert_uint_eq(p->n, 2);
    ck_assert_str_eq(p->prefixes[0], "events/2026/11/19/");
    ck_assert_str_eq(p->prefixes[1], "events/2026/11/20/");
    free(p);

    sbw_etl_sel_init(&s);
    s.scope_day = 1; /* scope day alone: the day of the previous hour */
    p = plan_of(&s, "2026-11-20T00:30:00Z", -1, 0, err);
    ck_assert_uint_eq(p->n, 1);
    ck_assert_str_eq(p->prefixes[0], "events/2026/11/19/");
    free(p);
}
END_TEST

START_TEST(bad_selections)
{
    sbw_etl_sel_t s;
    char err[256] = "";
    const char *hours[] = {"yesterday", "2026-11-20T25:00:00Z", "", "12345678901234567"};
    for (size_t i = 0; i < sizeof hours / sizeof *hours; i++) {
        sbw_etl_sel_init(&s);
        strcpy(s.hour, hours[i]);
        if (!hours[i][0])
            continue; /* empty = unset */
        free(plan_of(&s, "2026-11-20T12:30:00Z", -1, -1, err));
        ck_assert_msg(strstr(err, "hour: expected") != NULL, "%s", err);
    }
    const char *dates[] = {"2026-02-30", "2026-1-1", "2026-01-01T00:00:00Z"};
    for (size_t i = 0; i < sizeof dates / sizeof *dates; i++) {
        sbw_etl_sel_init(&s);
        strcpy(s.date, dates[i]);
        free(plan_of(&s, "2026-11-20T12:30:00Z", -1, -1, err));
        ck_assert_msg(strstr(err, "date: expected YYYY-MM-DD") != NULL, "%s", err);
    }
    sbw_etl_sel_init(&s);
    s.hours_back = 0;
    free(plan_of(&s, "2026-11-20T12:30:00Z", -1, -1, err));
    sbw_etl_sel_init(&s);
    strcpy(s.prefix, "events//x");
    free(plan_of(&s, "2026-11-20T12:30:00Z", -1, -1, err));
}
END_TEST

START_TEST(lambda_events)
{
    sbw_etl_sel_t s;
    char err[256] = "";
    cJSON *e = cJSON_Parse("{\"version\":\"0\",\"detail-type\":\"Scheduled Event\","
                           "\"source\":\"aws.events\",\"detail\":{}}");
    ck_assert_int_eq(sbw_etl_sel_from_json(e, &s, err, sizeof err), 0);
    ck_assert_str_eq(s.prefix, "");
    ck_assert_str_eq(s.hour, "");
    ck_assert_str_eq(s.date, "");
    ck_assert_int_eq(s.hours_back, -1);
    ck_assert_int_eq(s.scope_day, 0);
    cJSON_Delete(e);
    e = cJSON_Parse("{\"overridePrefix\":\"events/2026/\",\"targetUtcHour\":1795165200,"
                    "\"targetUtcDate\":\"2026-11-20\",\"hoursBack\":\"6\",\"scope\":\"day\"}");
    ck_assert_int_eq(sbw_etl_sel_from_json(e, &s, err, sizeof err), 0);
    ck_assert_str_eq(s.prefix, "events/2026/");
    ck_assert_str_eq(s.hour, "1795165200");
    ck_assert_str_eq(s.date, "2026-11-20");
    ck_assert_int_eq(s.hours_back, 6);
    ck_assert_int_eq(s.scope_day, 1);
    cJSON_Delete(e);
    const char *bad[][2] = {
        {"{\"hoursBack\":1.5}", "hoursBack"},
        {"{\"hoursBack\":\"x\"}", "hoursBack"},
        {"{\"scope\":\"week\"}", "scope"},
        {"{\"overridePrefix\":5}", "overridePrefix: expected a string"},
        {"{\"targetUtcDate\":\"2026-11-20-and-more\"}", "targetUtcDate: longer"}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        e = cJSON_Parse(bad[i][0]);
        ck_assert_int_eq(sbw_etl_sel_from_json(e, &s, err, sizeof err), -1);
        ck_assert_msg(strstr(err, bad[i][1]) != NULL, "%s: %s", bad[i][0], err);
        cJSON_Delete(e);
    }
    /* null and "" mean absent, as in the original */
    e = cJSON_Parse("{\"overridePrefix\":null,\"targetUtcHour\":\"\"}");
    ck_assert_int_eq(sbw_etl_sel_from_json(e, &s, err, sizeof err), 0);
    ck_assert_str_eq(s.prefix, "");
    ck_assert_str_eq(s.hour, "");
    cJSON_Delete(e);
}
END_TEST

START_TEST(copy_text_and_arrays)
{
    sbw_buf_t b;
    sbw_buf_init(&b, 0);
    ck_assert_int_eq(sbw_etl_copy_field(&b, "a\tb\nc\rd\\e \xc3\x9f"), 0);
    ck_assert_int_eq(sbw_etl_copy_field(&b, NULL), 0);
    ck_assert_str_eq(sbw_buf_cstr(&b), "a\\tb\\nc\\rd\\\\e \xc3\x9f\\N");
    sbw_buf_reset(&b);

    sbw_event_t ev;
    memset(&ev, 0, sizeof ev);
    strcpy(ev.event_id, "00000000-0000-4000-8000-000000000001");
    ev.event_timestamp = iso("2026-11-20T10:15:40.623Z");
    ev.received_at = iso("2026-11-20T10:15:45.123Z");
    ev.event_name = "page_view";
    ev.is_first_visit = SBW_TRI_FALSE;
    ev.context_product_price = "19.99";
    ev.element = "{\"text\":\"a\\\\b\"}";
    ev.is_bot = true;
    ev.raw_object_key = "events/k.json";
    ck_assert_int_eq(sbw_etl_copy_row(&b, &ev, 42), 0);
    ck_assert_str_eq(sbw_buf_cstr(&b),
                     "00000000-0000-4000-8000-000000000001\t2026-11-20T10:15:40.623Z\tpage_view\t"
                     "\\N\t\\N\t\\N\t\\N\t\\N\tf\t\\N\t\\N\t\\N\t\\N\t19.99\t\\N\t\\N\t"
                     "2026-11-20T10:15:45.123Z\t\\N\t\\N\t{\"text\":\"a\\\\\\\\b\"}\t\\N\t\\N\tt\t"
                     "\\N\tevents/k.json\t42\n");
    sbw_buf_reset(&b);
    ev.is_first_visit = SBW_TRI_UNKNOWN;
    ck_assert_int_eq(sbw_etl_copy_row(&b, &ev, 1), 0);
    ck_assert_ptr_nonnull(
        strstr(sbw_buf_cstr(&b), "\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t19.99"));
    sbw_buf_reset(&b);

    const char *items[] = {"events/a.json", "we\"ird\\key,{}", ""};
    ck_assert_int_eq(sbw_etl_text_array(&b, items, 3), 0);
    ck_assert_str_eq(sbw_buf_cstr(&b), "{\"events/a.json\",\"we\\\"ird\\\\key,{}\",\"\"}");
    sbw_buf_reset(&b);
    ck_assert_int_eq(sbw_etl_text_array(&b, items, 0), 0);
    ck_assert_str_eq(sbw_buf_cstr(&b), "{}");
    sbw_buf_cleanup(&b);

    sbw_buf_t small;
    sbw_buf_init(&small, 8); /* the cap makes the append fail, never overflow */
    ck_assert_int_eq(sbw_etl_copy_field(&small, "0123456789"), -1);
    sbw_buf_cleanup(&small);
}
END_TEST

START_TEST(intervals_and_key_hours)
{
    ck_assert_int_eq(sbw_etl_parse_interval("1h"), 3600);
    ck_assert_int_eq(sbw_etl_parse_interval("90s"), 90);
    ck_assert_int_eq(sbw_etl_parse_interval("15m"), 900);
    ck_assert_int_eq(sbw_etl_parse_interval("2d"), 172800);
    ck_assert_int_eq(sbw_etl_parse_interval("600"), 600);
    ck_assert_int_eq(sbw_etl_parse_interval("0"), -1);
    ck_assert_int_eq(sbw_etl_parse_interval("1w"), -1);
    ck_assert_int_eq(sbw_etl_parse_interval("-1h"), -1);
    ck_assert_int_eq(sbw_etl_parse_interval("h"), -1);
    ck_assert_int_eq(sbw_etl_parse_interval("999999d"), -1);
    ck_assert_int_eq(sbw_etl_key_hour("events/2026/11/20/10/event-a.json"),
                     iso("2026-11-20T10:00:00Z"));
    ck_assert_int_eq(sbw_etl_key_hour("events/2026/02/30/10/event-a.json"), -1);
    ck_assert_int_eq(sbw_etl_key_hour("events/2026/11/20/event-a.json"), -1);
    ck_assert_int_eq(sbw_etl_key_hour("other/2026/11/20/10/x"), -1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("etl_select");
    TCase *t = tcase_create("catch_up_plans");
    tcase_add_test(t, catch_up_plans);
    suite_add_tcase(s, t);
    t = tcase_create("manual_plans");
    tcase_add_test(t, manual_plans_in_priority_order);
    suite_add_tcase(s, t);
    t = tcase_create("bad_selections");
    tcase_add_test(t, bad_selections);
    suite_add_tcase(s, t);
    t = tcase_create("lambda_events");
    tcase_add_test(t, lambda_events);
    suite_add_tcase(s, t);
    t = tcase_create("copy_text");
    tcase_add_test(t, copy_text_and_arrays);
    suite_add_tcase(s, t);
    t = tcase_create("intervals_and_key_hours");
    tcase_add_test(t, intervals_and_key_hours);
    suite_add_tcase(s, t);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
