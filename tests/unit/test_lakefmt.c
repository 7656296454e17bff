/* test_lakefmt: lake lines and the lake object reader (lib/sbw_lakefmt). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sbw_buf.h"
#include "sbw_enrich.h"
#include "sbw_event.h"
#include "sbw_lakefmt.h"

/* Collects records as "<index>:<compact JSON>" or "<index>!<error>" lines. */
typedef struct {
    sbw_buf_t out;
    int stop_after; /* stop after this many callbacks (0 = never) */
    int calls;
} collect_t;

static int collect(const cJSON *obj, int index, const char *error, void *ud)
{
    collect_t *c = ud;
    ck_assert((obj == NULL) != (error == NULL));
    if (obj) {
        char *t = cJSON_PrintUnformatted(obj);
        ck_assert_int_eq(sbw_buf_printf(&c->out, "%d:%s\n", index, t), 0);
        free(t);
    } else {
        ck_assert_int_eq(sbw_buf_printf(&c->out, "%d!%s\n", index, error), 0);
    }
    c->calls++;
    return c->stop_after && c->calls >= c->stop_after;
}

/* Parses data and returns what was collected (static storage, valid until the next call). */
static const char *parse(const char *data, int want_rc, int stop_after)
{
    static char result[4096];
    collect_t c = {.stop_after = stop_after};
    sbw_buf_init(&c.out, 0);
    int rc = sbw_lake_parse(data, strlen(data), collect, &c);
    ck_assert_int_eq(rc, want_rc);
    snprintf(result, sizeof result, "%s", sbw_buf_cstr(&c.out));
    sbw_buf_cleanup(&c.out);
    return result;
}

START_TEST(line_append)
{
    sbw_buf_t b;
    sbw_buf_init(&b, 0);
    cJSON *o = cJSON_Parse("{ \"eventName\" : \"a\",\n \"text\": \"two\\nlines\\u0001\" }");
    char err[128];
    ck_assert_int_eq(sbw_lake_line_append(&b, o, err, sizeof err), 0);
    ck_assert_int_eq(sbw_lake_line_append(&b, o, err, sizeof err), 0);
    const char *line = "{\"eventName\":\"a\",\"text\":\"two\\nlines\\u0001\"}\n";
    char want[256];
    snprintf(want, sizeof want, "%s%s", line, line);
    ck_assert_str_eq(sbw_buf_cstr(&b), want);
    /* A full buffer is left unchanged, including when only the newline does not fit. */
    sbw_buf_t small;
    sbw_buf_init(&small, strlen(line) - 1);
    ck_assert_int_eq(sbw_lake_line_append(&small, o, err, sizeof err), -1);
    ck_assert_uint_eq(small.len, 0);
    ck_assert_str_eq(sbw_buf_cstr(&small), "");
    sbw_buf_cleanup(&small);
    cJSON_Delete(o);
    sbw_buf_cleanup(&b);
}
END_TEST

START_TEST(shapes)
{
    ck_assert_str_eq(parse("", 0, 0), "");
    ck_assert_str_eq(parse(" \n\r\n", 0, 0), "");
    ck_assert_str_eq(parse("{\"a\":1}\n{\"b\":2}\n\n{\"c\":3}", 0, 0),
                     "0:{\"a\":1}\n1:{\"b\":2}\n2:{\"c\":3}\n");
    ck_assert_str_eq(parse("\xEF\xBB\xBF{\"a\":1}", 0, 0), "0:{\"a\":1}\n");
    ck_assert_str_eq(parse("{\n  \"a\": {\n    \"b\": [1, 2]\n  }\n}\n", 0, 0),
                     "0:{\"a\":{\"b\":[1,2]}}\n");
    ck_assert_str_eq(parse("{\n  \"a\": 1\n}\n{\n  \"b\": 2\n}", 0, 0),
                     "0:{\"a\":1}\n1:{\"b\":2}\n");
    ck_assert_str_eq(parse("{\"a\":1}{\"b\":2}", 0, 0), "0:{\"a\":1}\n1:{\"b\":2}\n");
    ck_assert_str_eq(parse(" [ {\"a\":1} , {\"b\":2} ] ", 0, 0), "0:{\"a\":1}\n1:{\"b\":2}\n");
    ck_assert_str_eq(parse("[]", 0, 0), "");
}
END_TEST

START_TEST(bad_records)
{
    /* A bad line in NDJSON: reported, the next line is read. */
    ck_assert_str_eq(parse("{\"a\":1}\n{\"b\":tru}\n{\"c\":3}\n", 0, 0),
                     "0:{\"a\":1}\n1!record 1: invalid JSON at byte 13\n2:{\"c\":3}\n");
    /* A truncated last line. */
    ck_assert_str_eq(parse("{\"a\":1}\n{\"b\":\"x", 0, 0),
                     "0:{\"a\":1}\n1!record 1: invalid JSON at byte 15\n");
    /* Garbage in the middle with a record after it, and at the end without one. */
    ck_assert_str_eq(parse("{\"a\":1}\nGARBAGE\n{\"c\":3}\ntrailing junk", 0, 0),
                     "0:{\"a\":1}\n1!record 1: unexpected data at byte 8\n2:{\"c\":3}\n"
                     "3!record 3: unexpected data at byte 24 to the end of the object\n");
    /* A scalar line is not a record. */
    ck_assert_str_eq(parse("42\n{\"a\":1}", 0, 0),
                     "0!record 0: unexpected data at byte 0\n1:{\"a\":1}\n");
    /* Resync only at a '{' in column 0: an indented '{' inside a broken record is skipped. */
    ck_assert_str_eq(parse("{\n  \"a\": [\n  {\"x\": tru}\n  ]\n}\n{\"ok\":1}\n", 0, 0),
                     "0!record 0: invalid JSON at byte 19\n1:{\"ok\":1}\n");
    /* Arrays: a non-object element, then a broken array. */
    ck_assert_str_eq(parse("[{\"a\":1}, \"s\", {\"b\":2}, {]", 0, 0),
                     "0:{\"a\":1}\n1!record 1: expected a JSON object (at byte 10)\n2:{\"b\":2}\n"
                     "3!record 3: invalid JSON at byte 25; the rest of the array is unreadable\n");
    ck_assert_str_eq(parse("[{\"a\":1}] x", 0, 0),
                     "0:{\"a\":1}\n1!record 1: unexpected data after the array at byte 10\n");
}
END_TEST

START_TEST(deep_records)
{
    size_t depth = 100000;
    char *s = malloc(depth * 2 + 64);
    char *p = s;
    p += sprintf(p, "{\"a\":1}\n{\"x\":");
    for (size_t i = 0; i < depth; i++)
        *p++ = '[';
    for (size_t i = 0; i < depth; i++)
        *p++ = ']';
    p += sprintf(p, "}\n{\"b\":2}\n");
    ck_assert_str_eq(parse(s, 0, 0),
                     "0:{\"a\":1}\n1!record 1: nested deeper than 64 levels (at byte 8)\n"
                     "2:{\"b\":2}\n");
    free(s);
    /* 64 levels are fine. */
    char ok[256];
    p = ok;
    p += sprintf(p, "{\"x\":");
    for (int i = 0; i < 63; i++)
        *p++ = '[';
    for (int i = 0; i < 63; i++)
        *p++ = ']';
    sprintf(p, "}");
    char want[300];
    snprintf(want, sizeof want, "0:%s\n", ok);
    ck_assert_str_eq(parse(ok, 0, 0), want);
}
END_TEST

START_TEST(stop_early)
{
    ck_assert_str_eq(parse("{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n", 1, 2),
                     "0:{\"a\":1}\n1:{\"b\":2}\n");
    ck_assert_str_eq(parse("x\n{\"b\":2}\n", 1, 1), "0!record 0: unexpected data at byte 0\n");
    ck_assert_str_eq(parse("[{\"a\":1},{\"b\":2}]", 1, 1), "0:{\"a\":1}\n");
}
END_TEST

typedef struct {
    sbw_event_t ev;
    int n;
} one_t;

static int normalise_one(const cJSON *obj, int index, const char *error, void *ud)
{
    one_t *o = ud;
    ck_assert_ptr_null(error);
    char err[128];
    ck_assert_int_eq(sbw_event_normalise(obj, "events/k.ndjson", index, 0, &o->ev, err, sizeof err),
                     0);
    o->n++;
    return 0;
}

START_TEST(round_trip)
{
    sbw_limits_t l;
    sbw_limits_init(&l);
    sbw_ingest_meta_t m = {.received_at_ms = INT64_C(1795773600000),
                           .source_ip = "2001:db8:abcd:1::7",
                           .user_agent = "Mozilla/5.0 test",
                           .server_event_id = "00000000-0000-4000-8000-000000000001"};
    cJSON *o = cJSON_Parse("{\"eventName\":\"checkout_complete\",\"eventTimestamp\":"
                           "\"2026-11-27T09:00:00Z\",\"sentAt\":\"2026-11-27T09:00:03Z\","
                           "\"product\":{\"price\":19.99},\"element\":{\"dataset\":{\"orderId\":"
                           "\"o1\",\"total\":\"3580000\"}}}");
    ck_assert_int_eq(sbw_event_validate(o, &l, NULL, 0), 0);
    ck_assert_int_eq(sbw_enrich_event(o, &m, &l, NULL, 0), 0);
    sbw_buf_t b;
    sbw_buf_init(&b, 0);
    ck_assert_int_eq(sbw_lake_line_append(&b, o, NULL, 0), 0);
    cJSON_Delete(o);
    one_t one = {.n = 0};
    ck_assert_int_eq(sbw_lake_parse(b.data, b.len, normalise_one, &one), 0);
    ck_assert_int_eq(one.n, 1);
    ck_assert_str_eq(one.ev.event_id, "00000000-0000-4000-8000-000000000001");
    ck_assert_int_eq(one.ev.event_timestamp, INT64_C(1795773600000) - 3000);
    ck_assert_int_eq(one.ev.received_at, INT64_C(1795773600000));
    ck_assert_str_eq(one.ev.context_product_price, "19.99");
    ck_assert_str_eq(one.ev.element, "{\"dataset\":{\"orderId\":\"o1\",\"total\":\"3580000\"}}");
    ck_assert_str_eq(one.ev.source_ip, "2001:db8:abcd::");
    ck_assert_str_eq(one.ev.user_agent, "Mozilla/5.0 test");
    ck_assert_str_eq(one.ev.raw_object_key, "events/k.ndjson");
    ck_assert(!one.ev.is_bot);
    sbw_event_cleanup(&one.ev);
    sbw_buf_cleanup(&b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("lakefmt");
    TCase *tc = tcase_create("lines");
    tcase_add_test(tc, line_append);
    tcase_add_test(tc, round_trip);
    suite_add_tcase(s, tc);
    tc = tcase_create("parse");
    tcase_add_test(tc, shapes);
    tcase_add_test(tc, bad_records);
    tcase_add_test(tc, deep_records);
    tcase_add_test(tc, stop_early);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
