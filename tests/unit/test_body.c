/* test_body: request body splitting, the structural scanner (lib/sbw_body).
 * The contract fixtures (test_contract) cover the messages for many bodies; this suite covers
 * the default limits with generated bodies, pathological nesting and offsets. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbw_body.h"
#include "sbw_buf.h"

static sbw_limits_t defaults(void)
{
    sbw_limits_t l;
    sbw_limits_init(&l);
    return l;
}

/* Splits a body that must be accepted as a whole. */
static void split_ok(const char *body, size_t len, const sbw_limits_t *l, sbw_body_t *b)
{
    char err[256] = "";
    int rc = sbw_body_split(body, len, l, b, err, sizeof err);
    ck_assert_msg(rc == 0, "split failed: %s", err);
}

/* Splits a body that must be rejected as a whole with want_rc; returns the message (static). */
static const char *split_err_rc(const char *body, size_t len, const sbw_limits_t *l, int want_rc)
{
    static char err[256];
    sbw_body_t b;
    err[0] = '\0';
    int rc = sbw_body_split(body, len, l, &b, err, sizeof err);
    ck_assert_int_eq(rc, want_rc);
    ck_assert_uint_eq(b.count, 0);
    ck_assert_ptr_null(b.items);
    return err;
}

static const char *split_err(const char *body, size_t len, const sbw_limits_t *l)
{
    return split_err_rc(body, len, l, SBW_BODY_EINVAL);
}

static const char *split_too_big(const char *body, size_t len, const sbw_limits_t *l)
{
    return split_err_rc(body, len, l, SBW_BODY_ETOOBIG);
}

START_TEST(limits_defaults)
{
    sbw_limits_t l = defaults();
    ck_assert_uint_eq(l.max_body_bytes, 1048576);
    ck_assert_uint_eq(l.max_events, 500);
    ck_assert_uint_eq(l.max_event_bytes, 65536);
    ck_assert_uint_eq(l.max_string_bytes, 2048);
    ck_assert_uint_eq(l.max_url_bytes, 8192);
    ck_assert_uint_eq(l.max_user_agent_bytes, 512);
    ck_assert_int_eq(l.max_depth, 8);
}
END_TEST

START_TEST(single_object)
{
    sbw_limits_t l = defaults();
    sbw_body_t b;
    const char *body = "  {\"eventName\":\"click\",\"userId\":\"u-1\"}\n";
    split_ok(body, strlen(body), &l, &b);
    ck_assert_int_eq(b.shape, SBW_BODY_OBJECT);
    ck_assert_uint_eq(b.count, 1);
    ck_assert_uint_eq(b.accepted, 1);
    ck_assert_int_eq(b.items[0].index, 0);
    ck_assert_int_eq(b.items[0].line, 0);
    ck_assert_uint_eq(b.items[0].offset, 2);
    ck_assert_uint_eq(b.items[0].length, 36);
    ck_assert_ptr_null(b.items[0].error);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(b.items[0].obj, "userId")->valuestring,
                     "u-1");
    /* The caller may take ownership of an object. */
    cJSON *taken = b.items[0].obj;
    b.items[0].obj = NULL;
    sbw_body_cleanup(&b);
    ck_assert_uint_eq(b.count, 0);
    cJSON_Delete(taken);
    sbw_body_cleanup(&b);
    sbw_body_cleanup(NULL);

    /* A single invalid event is an item error, without a prefix. */
    body = "{\"userId\":\"u-1\"}";
    split_ok(body, strlen(body), &l, &b);
    ck_assert_uint_eq(b.count, 1);
    ck_assert_uint_eq(b.accepted, 0);
    ck_assert_str_eq(b.items[0].error, "eventName missing");
    sbw_body_cleanup(&b);
}
END_TEST

START_TEST(array_offsets)
{
    sbw_limits_t l = defaults();
    sbw_body_t b;
    const char *body = "[ {\"eventName\":\"a\"} ,\n{\"eventName\":\"b\"},{\"x\":1} ]";
    split_ok(body, strlen(body), &l, &b);
    ck_assert_int_eq(b.shape, SBW_BODY_ARRAY);
    ck_assert_uint_eq(b.count, 3);
    ck_assert_uint_eq(b.accepted, 2);
    ck_assert_uint_eq(b.items[0].offset, 2);
    ck_assert_uint_eq(b.items[0].length, 17);
    ck_assert_uint_eq(b.items[1].offset, 22);
    ck_assert_uint_eq(b.items[2].offset, 40);
    ck_assert_uint_eq(b.items[2].length, 7);
    ck_assert_str_eq(b.items[2].error, "event 2: eventName missing");
    ck_assert_int_eq(b.items[2].line, 0);
    sbw_body_cleanup(&b);
}
END_TEST

START_TEST(ndjson_lines)
{
    sbw_limits_t l = defaults();
    sbw_body_t b;
    const char *body = "\r\n{\"eventName\":\"a\"}\r\n\r\n{\"eventName\":\"b\"} {\"eventName\":1}\n"
                       "{\"eventName\":\"c\"\n";
    split_ok(body, strlen(body), &l, &b);
    ck_assert_int_eq(b.shape, SBW_BODY_NDJSON);
    ck_assert_uint_eq(b.count, 4);
    ck_assert_uint_eq(b.accepted, 2);
    ck_assert_int_eq(b.items[0].line, 2);
    ck_assert_uint_eq(b.items[0].offset, 2);
    ck_assert_int_eq(b.items[1].line, 4);
    ck_assert_int_eq(b.items[2].line, 4);
    ck_assert_int_eq(b.items[2].index, 2);
    ck_assert_str_eq(b.items[2].error, "line 4: eventName: expected a string, got number");
    ck_assert_int_eq(b.items[3].line, 5);
    ck_assert_str_eq(b.items[3].error, "line 5: invalid JSON at byte 73");
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(b.items[1].obj, "eventName")->valuestring,
                     "b");
    sbw_body_cleanup(&b);
}
END_TEST

START_TEST(body_size_limit)
{
    sbw_limits_t l = defaults();
    size_t n = 1048576 + 1;
    char *body = malloc(n);
    memset(body, ' ', n);
    memcpy(body, "{\"eventName\":\"x\"}", 17);
    ck_assert_str_eq(split_too_big(body, n, &l), "body exceeds 1048576 bytes");
    /* Exactly at the limit is fine. */
    sbw_body_t b;
    split_ok(body, n - 1, &l, &b);
    ck_assert_uint_eq(b.accepted, 1);
    sbw_body_cleanup(&b);
    free(body);
}
END_TEST

START_TEST(event_count_limit)
{
    sbw_limits_t l = defaults();
    sbw_buf_t buf;
    sbw_buf_init(&buf, 0);
    ck_assert_int_eq(sbw_buf_append_str(&buf, "["), 0);
    for (int i = 0; i < 500; i++)
        ck_assert_int_eq(sbw_buf_printf(&buf, "%s{\"eventName\":\"e%d\"}", i ? "," : "", i), 0);
    size_t before_close = buf.len;
    ck_assert_int_eq(sbw_buf_append_str(&buf, "]"), 0);
    sbw_body_t b;
    split_ok(buf.data, buf.len, &l, &b);
    ck_assert_uint_eq(b.accepted, 500);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(b.items[499].obj, "eventName")->valuestring,
                     "e499");
    sbw_body_cleanup(&b);
    buf.len = before_close;
    ck_assert_int_eq(sbw_buf_append_str(&buf, ",{\"eventName\":\"e500\"}]"), 0);
    ck_assert_str_eq(split_too_big(buf.data, buf.len, &l), "body has more than 500 events");
    /* The same as NDJSON. */
    sbw_buf_reset(&buf);
    for (int i = 0; i < 501; i++)
        ck_assert_int_eq(sbw_buf_printf(&buf, "{\"eventName\":\"e%d\"}\n", i), 0);
    ck_assert_str_eq(split_too_big(buf.data, buf.len, &l), "body has more than 500 events");
    sbw_buf_cleanup(&buf);
}
END_TEST

/* {"eventName":"click","pad":[0,0,...]} of exactly n bytes (n odd, >= 31). */
static char *event_of_size(size_t n)
{
    char *s = malloc(n + 1);
    const char *head = "{\"eventName\":\"click\",\"pad\":[0";
    size_t h = strlen(head);
    memcpy(s, head, h);
    size_t i = h;
    while (i < n - 2) {
        s[i++] = ',';
        s[i++] = '0';
    }
    ck_assert_uint_eq(i, n - 2);
    s[i++] = ']';
    s[i++] = '}';
    s[i] = '\0';
    return s;
}

START_TEST(event_size_limit)
{
    sbw_limits_t l = defaults();
    sbw_body_t b;
    char *ev = event_of_size(65535);
    split_ok(ev, strlen(ev), &l, &b);
    ck_assert_uint_eq(b.accepted, 1);
    sbw_body_cleanup(&b);
    free(ev);
    ev = event_of_size(65537);
    split_ok(ev, strlen(ev), &l, &b);
    ck_assert_uint_eq(b.accepted, 0);
    ck_assert_str_eq(b.items[0].error, "65537 bytes exceeds the limit of 65536 bytes per event");
    sbw_body_cleanup(&b);
    /* In an array each element is measured on its own source span. */
    size_t n = strlen(ev);
    char *arr = malloc(n + 64);
    snprintf(arr, n + 64, "[{\"eventName\":\"a\"},  %s  ]", ev);
    split_ok(arr, strlen(arr), &l, &b);
    ck_assert_uint_eq(b.accepted, 1);
    ck_assert_uint_eq(b.items[1].length, 65537);
    ck_assert_str_eq(b.items[1].error,
                     "event 1: 65537 bytes exceeds the limit of 65536 bytes per event");
    sbw_body_cleanup(&b);
    free(arr);
    free(ev);
}
END_TEST

static char *nested(const char *prefix, size_t depth, const char *open, const char *close,
                    const char *suffix)
{
    size_t n = strlen(prefix) + depth * (strlen(open) + strlen(close)) + strlen(suffix) + 1;
    char *s = malloc(n);
    char *p = s;
    p += sprintf(p, "%s", prefix);
    for (size_t i = 0; i < depth; i++)
        p += sprintf(p, "%s", open);
    for (size_t i = 0; i < depth; i++)
        p += sprintf(p, "%s", close);
    sprintf(p, "%s", suffix);
    return s;
}

START_TEST(deep_nesting)
{
    sbw_limits_t l = defaults();
    l.max_event_bytes = l.max_body_bytes; /* let the depth check speak */
    sbw_body_t b;
    /* Depth 8 (event object + 7 arrays) passes, 9 does not. */
    char *s = nested("{\"eventName\":\"x\",\"a\":", 7, "[", "]", "}");
    split_ok(s, strlen(s), &l, &b);
    ck_assert_uint_eq(b.accepted, 1);
    sbw_body_cleanup(&b);
    free(s);
    s = nested("{\"eventName\":\"x\",\"a\":", 8, "[", "]", "}");
    split_ok(s, strlen(s), &l, &b);
    ck_assert_str_eq(b.items[0].error, "nesting deeper than 8 levels");
    sbw_body_cleanup(&b);
    free(s);
    /* 100000 levels of objects and of arrays, as a single event, in an array, in NDJSON. */
    s = nested("{\"eventName\":\"x\",\"a\":", 100000, "{\"k\":", "}", "}");
    split_ok(s, strlen(s), &l, &b);
    ck_assert_str_eq(b.items[0].error, "nesting deeper than 8 levels");
    sbw_body_cleanup(&b);
    free(s);
    s = nested("[{\"eventName\":\"ok\"},", 100000, "[", "]", "]");
    split_ok(s, strlen(s), &l, &b);
    ck_assert_uint_eq(b.count, 2);
    ck_assert_uint_eq(b.accepted, 1);
    ck_assert_str_eq(b.items[1].error, "event 1: nesting deeper than 8 levels");
    sbw_body_cleanup(&b);
    free(s);
    s = nested("{\"eventName\":\"ok\"}\n", 100000, "[", "]", "\n{\"eventName\":\"ok2\"}\n");
    split_ok(s, strlen(s), &l, &b);
    ck_assert_uint_eq(b.count, 3);
    ck_assert_uint_eq(b.accepted, 2);
    ck_assert_str_eq(b.items[1].error, "line 2: nesting deeper than 8 levels");
    sbw_body_cleanup(&b);
    free(s);
    /* Unbalanced: never closed, or closed by the wrong kind deep inside. */
    s = nested("", 100000, "[", "", "");
    ck_assert_str_eq(split_err(s, strlen(s), &l), "invalid JSON at byte 100000");
    free(s);
    s = nested("{\"eventName\":\"x\",\"a\":", 50000, "[", "}", "");
    ck_assert_str_eq(split_err(s, strlen(s), &l), "invalid JSON at byte 50021");
    free(s);
    /* With default limits the 100000-level event is simply too big. */
    l = defaults();
    s = nested("", 100000, "[", "]", "");
    split_ok(s, strlen(s), &l, &b);
    ck_assert_str_eq(b.items[0].error,
                     "event 0: 199998 bytes exceeds the limit of 65536 bytes per event");
    sbw_body_cleanup(&b);
    free(s);
}
END_TEST

START_TEST(whole_body_errors)
{
    sbw_limits_t l = defaults();
    ck_assert_str_eq(split_err("", 0, &l), "body is empty");
    ck_assert_str_eq(split_err("\xEF\xBB\xBF  \n", 6, &l), "body is empty");
    ck_assert_str_eq(split_err("[]", 2, &l), "body contains no events");
    ck_assert_str_eq(split_err("true", 4, &l),
                     "body must be a JSON object, an array of objects or NDJSON, got a boolean");
    ck_assert_str_eq(split_err("{\"a\":1", 6, &l), "invalid JSON at byte 6");
    ck_assert_str_eq(split_err("{\"a\":\"x}", 8, &l), "invalid JSON at byte 8");
    ck_assert_str_eq(split_err("[1 2]", 5, &l), "invalid JSON at byte 3: expected ',' or ']'");
    ck_assert_str_eq(split_err("[{}, ]", 6, &l), "invalid JSON at byte 5");
    ck_assert_str_eq(split_err("[x]", 3, &l), "invalid JSON at byte 1");
    /* Trailing garbage after an object makes it NDJSON-like: the garbage is its own bad item. */
    sbw_body_t b;
    split_ok("{\"eventName\":\"a\"} x", 19, &l, &b);
    ck_assert_int_eq(b.shape, SBW_BODY_NDJSON);
    ck_assert_uint_eq(b.count, 2);
    ck_assert_uint_eq(b.accepted, 1);
    ck_assert_str_eq(b.items[1].error, "line 1: invalid JSON at byte 18");
    sbw_body_cleanup(&b);
    /* The body need not be NUL-terminated: the length is what counts. */
    ck_assert_str_eq(split_err("{\"eventName\":\"x\"}", 10, &l), "invalid JSON at byte 10");
}
END_TEST

static void scan(const char *s, int want_rc, size_t want_end_or_at, int want_depth)
{
    size_t end = 0, at = 0;
    int depth = -1;
    int rc = sbw_body_scan_value(s, strlen(s), 0, &end, &depth, &at);
    ck_assert_msg(rc == want_rc, "%s: rc %d", s, rc);
    if (rc == 0) {
        ck_assert_msg(end == want_end_or_at, "%s: end %zu", s, end);
        ck_assert_msg(depth == want_depth, "%s: depth %d", s, depth);
    } else {
        ck_assert_msg(at == want_end_or_at, "%s: at %zu", s, at);
    }
}

START_TEST(scanner)
{
    scan("{}", 0, 2, 1);
    scan("{\"a\":[1,{\"b\":[]}]} tail", 0, 18, 4);
    scan("{\"a\":\"]}\\\"{[\"}", 0, 14, 1); /* brackets and escaped quote inside a string */
    scan("\"str\\\\\" x", 0, 7, 0);
    scan("12.5e3,", 0, 6, 0);
    scan("true]", 0, 4, 0);
    scan("{\"a\":[}", -1, 6, 0);
    scan("[{]", -1, 2, 0);
    scan("{\"a", -1, 3, 0);
    scan("\"abc", -1, 4, 0);
    scan(",", -1, 0, 0);
    scan("", -1, 0, 0);
    /* 600 levels: beyond the scanner's inline stack. */
    char *s = nested("", 600, "[{\"k\":", "}]", "");
    scan(s, 0, strlen(s), 1200);
    s[strlen(s) - 1] = '}';
    scan(s, -1, strlen(s) - 1, 0);
    free(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("body");
    TCase *tc = tcase_create("shapes");
    tcase_add_test(tc, limits_defaults);
    tcase_add_test(tc, single_object);
    tcase_add_test(tc, array_offsets);
    tcase_add_test(tc, ndjson_lines);
    suite_add_tcase(s, tc);
    tc = tcase_create("limits");
    tcase_add_test(tc, body_size_limit);
    tcase_add_test(tc, event_count_limit);
    tcase_add_test(tc, event_size_limit);
    suite_add_tcase(s, tc);
    tc = tcase_create("nesting");
    tcase_add_test(tc, deep_nesting);
    suite_add_tcase(s, tc);
    tc = tcase_create("errors");
    tcase_add_test(tc, whole_body_errors);
    suite_add_tcase(s, tc);
    tc = tcase_create("scanner");
    tcase_add_test(tc, scanner);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
