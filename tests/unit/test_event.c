/* test_event: validation and normalisation rules of the event contract (lib/sbw_event).
 * The data-driven fixtures (test_contract) cover whole payloads; this suite pins each rule. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sbw_event.h"
#include "sbw_time.h"

#define KEY "events/2026/11/27/10/x.ndjson"
#define CID "7d3f5a1e-2b4c-4d6e-8f90-1a2b3c4d5e6f"

static int64_t iso(const char *s)
{
    int64_t ms;
    ck_assert_int_eq(sbw_time_parse_iso(s, &ms), 0);
    return ms;
}

static cJSON *js(const char *text)
{
    cJSON *o = cJSON_Parse(text);
    ck_assert_msg(o != NULL, "bad test JSON: %s", text);
    return o;
}

/* Validates text with default limits; returns "" when valid, else the message (static). */
static const char *validate(const char *text)
{
    static char err[512];
    sbw_limits_t l;
    sbw_limits_init(&l);
    cJSON *o = js(text);
    err[0] = '\0';
    int rc = sbw_event_validate(o, &l, err, sizeof err);
    cJSON_Delete(o);
    ck_assert_int_eq(rc == 0, err[0] == '\0');
    return err;
}

/* Normalises text; the row must be cleaned up by the caller. */
static void norm_ok(const char *text, const char *key, int index, int64_t now, sbw_event_t *ev)
{
    char err[256] = "";
    cJSON *o = js(text);
    int rc = sbw_event_normalise(o, key, index, now, ev, err, sizeof err);
    cJSON_Delete(o);
    ck_assert_msg(rc == 0, "normalise failed: %s", err);
}

static const char *norm_err(const char *text, const char *key)
{
    static char err[256];
    sbw_event_t ev;
    cJSON *o = js(text);
    err[0] = '\0';
    int rc = sbw_event_normalise(o, key, 0, 0, &ev, err, sizeof err);
    cJSON_Delete(o);
    ck_assert_int_eq(rc, -1);
    ck_assert_ptr_null(ev.event_name);
    ck_assert_str_eq(ev.event_id, "");
    sbw_event_cleanup(&ev);
    return err;
}

START_TEST(uuid_validity)
{
    ck_assert(sbw_event_uuid_valid("550e8400-e29b-41d4-a716-446655440000"));
    ck_assert(sbw_event_uuid_valid("550E8400-E29B-41D4-A716-446655440000"));
    ck_assert(sbw_event_uuid_valid("00000000-0000-0000-0000-000000000001"));
    ck_assert(!sbw_event_uuid_valid("00000000-0000-0000-0000-000000000000")); /* nil */
    ck_assert(!sbw_event_uuid_valid("550e8400-e29b-41d4-a716-44665544000"));
    ck_assert(!sbw_event_uuid_valid("550e8400-e29b-41d4-a716-4466554400000"));
    ck_assert(!sbw_event_uuid_valid("{550e8400-e29b-41d4-a716-446655440000}"));
    ck_assert(!sbw_event_uuid_valid("550e8400e29b-41d4-a716-4466554400000"));
    ck_assert(!sbw_event_uuid_valid("550e8400-e29b-41d4-a716-44665544000g"));
    ck_assert(!sbw_event_uuid_valid("1732672000000-1a2b3c4d"));
    ck_assert(!sbw_event_uuid_valid(""));
    ck_assert(!sbw_event_uuid_valid(NULL));
}
END_TEST

START_TEST(uuid_v5_known_values)
{
    /* Expected values computed with Python's uuid.uuid5 (an independent implementation). */
    char out[SBW_UUID_SIZE];
    sbw_event_uuid_v5("", 0, out);
    ck_assert_str_eq(out, "bcc165a0-7710-5d42-b26a-cd008d813e99");
    sbw_event_uuid_v5("a", 1, out);
    ck_assert_str_eq(out, "025ff06b-25c8-5baf-9ced-58d1d9b0d4da");
    const char *n = CID "\n1732672000000-1a2b3c4d";
    sbw_event_uuid_v5(n, strlen(n), out);
    ck_assert_str_eq(out, "d2c19b59-6509-55de-bb33-9dfe8943b36a");
    char again[SBW_UUID_SIZE];
    sbw_event_uuid_v5(n, strlen(n), again);
    ck_assert_str_eq(again, out);
    sbw_event_uuid_v5(n, strlen(n) - 1, again);
    ck_assert_str_ne(again, out);
    ck_assert(sbw_event_uuid_valid(out));
    ck_assert_int_eq(out[14], '5'); /* version 5 */
}
END_TEST

static void dec(const char *json, int want_rc, const char *want)
{
    char out[64] = "unset";
    cJSON *v = js(json);
    int rc = sbw_event_decimal(v, out, sizeof out);
    cJSON_Delete(v);
    ck_assert_msg(rc == want_rc, "%s: rc %d (want %d)", json, rc, want_rc);
    if (want)
        ck_assert_msg(strcmp(out, want) == 0, "%s: got %s, want %s", json, out, want);
}

START_TEST(decimal_canonical)
{
    dec("1990000", 0, "1990000");
    dec("19.99", 0, "19.99");
    dec("0.1", 0, "0.1");
    dec("-5.5", 0, "-5.5");
    dec("1e6", 0, "1000000");
    dec("1.5E+3", 0, "1500");
    dec("1e-7", 0, "0.0000001");
    dec("123456.789", 0, "123456.789");
    dec("1e15", 0, "1000000000000000");
    dec("-1e15", 0, "-1000000000000000");
    dec("999999999999999.9", 0, "999999999999999.9");
    dec("-0", 0, "0");
    dec("0", 0, "0");
    dec("\"1990000\"", 0, "1990000");
    dec("\"019.50\"", 0, "19.5");
    dec("\"+1\"", 0, "1");
    dec("\"-0.000\"", 0, "0");
    dec("\"1e3\"", 0, "1000");
    dec("\"1.5E-2\"", 0, "0.015");
    dec("\".5\"", 0, "0.5");
    dec("\"5.\"", 0, "5");
    dec("\"0e999999999\"", 0, "0");
    dec("\"1000000000000000\"", 0, "1000000000000000");
    dec("\"999999999999999.999999\"", 0, "999999999999999.999999");
    /* Strings keep every digit; they are not squeezed through a double. */
    dec("\"0.30000000000000000001\"", 0, "0.30000000000000000001");
    dec("1e16", -2, NULL);
    dec("1e400", -2, NULL); /* cJSON reads it as infinity */
    dec("\"1000000000000000.01\"", -2, NULL);
    dec("\"10000000000000000\"", -2, NULL);
    dec("\"1e999999999\"", -2, NULL);
    dec("\"1e-100\"", -2, NULL); /* too long as plain text */
    dec("\"\"", -1, NULL);
    dec("\"abc\"", -1, NULL);
    dec("\"1,990,000\"", -1, NULL);
    dec("\" 1\"", -1, NULL);
    dec("\"1 \"", -1, NULL);
    dec("\"1e\"", -1, NULL);
    dec("\"--1\"", -1, NULL);
    dec("\".\"", -1, NULL);
    dec("\"0x10\"", -1, NULL);
    dec("\"NaN\"", -1, NULL);
    dec("\"Infinity\"", -1, NULL);
    dec("true", -1, NULL);
    dec("null", -1, NULL);
    dec("{}", -1, NULL);
}
END_TEST

static void tv(const char *json, int want_rc, int64_t want)
{
    int64_t ms = -7;
    cJSON *v = js(json);
    int rc = sbw_event_time_value(v, &ms);
    cJSON_Delete(v);
    ck_assert_msg(rc == want_rc, "%s: rc %d", json, rc);
    if (rc == 0)
        ck_assert_msg(ms == want, "%s: got %lld", json, (long long)ms);
}

START_TEST(time_values)
{
    tv("1795773600000", 0, INT64_C(1795773600000));
    tv("1795773600", 0, INT64_C(1795773600000)); /* seconds */
    tv("1795773600.25", 0, INT64_C(1795773600250));
    tv("100000000000", 0, INT64_C(100000000000));  /* 1e11: milliseconds */
    tv("99999999999", 0, INT64_C(99999999999000)); /* below: seconds */
    tv("0", 0, 0);
    tv("\"1795773600000\"", 0, INT64_C(1795773600000));
    tv("\"2026-11-27T10:00:00.000Z\"", 0, INT64_C(1795773600000));
    tv("\"2026-11-27T17:00:00+07:00\"", 0, INT64_C(1795773600000));
    tv("-1", -1, 0);
    tv("1e20", -1, 0);
    tv("\"\"", -1, 0);
    tv("\"yesterday\"", -1, 0);
    tv("\"-5\"", -1, 0);
    tv("true", -1, 0);
    tv("null", -1, 0);
    tv("[1]", -1, 0);
}
END_TEST

START_TEST(validate_rules)
{
    ck_assert_str_eq(validate("{\"eventName\":\"click\"}"), "");
    ck_assert_str_eq(validate("{\"event_name\":\"click\"}"), "");
    ck_assert_str_eq(validate("[{\"eventName\":\"click\"}]"), "expected a JSON object, got array");
    ck_assert_str_eq(validate("\"click\""), "expected a JSON object, got string");
    ck_assert_str_eq(validate("{}"), "eventName missing");
    ck_assert_str_eq(validate("{\"eventName\":null}"), "eventName missing");
    ck_assert_str_eq(validate("{\"eventName\":\"ok\",\"event_name\":\"bad name\"}"),
                     "event_name: invalid character at byte 3 (allowed: A-Z a-z 0-9 _ . : -)");
    ck_assert_str_eq(validate("{\"eventName\":\"a\",\"eventId\":7}"),
                     "eventId: expected a string, got number");
    ck_assert_str_eq(validate("{\"eventName\":\"a\",\"clientId\":[]}"),
                     "clientId: expected a string, got array");
    ck_assert_str_eq(validate("{\"eventName\":\"a\",\"login_state\":true}"),
                     "login_state: expected a string, got boolean");
    ck_assert_str_eq(validate("{\"eventName\":\"a\",\"is_first_visit\":1}"),
                     "is_first_visit: expected true, false or null, got number");
    ck_assert_str_eq(validate("{\"eventName\":\"a\",\"product\":{\"discount_price\":\"x\"}}"),
                     "product.discount_price: expected a number, got a non-numeric string");
    ck_assert_str_eq(validate("{\"eventName\":\"a\",\"product\":{\"url_path\":1}}"),
                     "product.url_path: expected a string, got number");
    ck_assert_str_eq(validate("{\"eventName\":\"a\",\"element\":{\"text\":null,\"tag\":{}}}"),
                     "element.tag: expected a string, got object");
    ck_assert_str_eq(validate("{\"eventName\":\"a\",\"event_timestamp\":\"27/11/2026\"}"),
                     "event_timestamp: expected an ISO 8601 time or epoch milliseconds");
    ck_assert_str_eq(validate("{\"eventName\":\"a\",\"eventTimestamp\":\"\",\"sentAt\":null}"), "");
    /* Unknown members may hold anything, but strings and names are still checked. */
    ck_assert_str_eq(validate("{\"eventName\":\"a\",\"x\":{\"list\":[1,\"ok\",\"\\u00e9\"]}}"), "");
    /* Every known field at once, as the storefront and the new tracker send them. */
    ck_assert_str_eq(
        validate("{\"eventName\":\"product_view\",\"eventId\":\"550e8400-e29b-41d4-a716-"
                 "446655440000\",\"eventTimestamp\":1795773600000,\"sentAt\":\"2026-11-27T10:00:"
                 "01Z\",\"pageUrl\":\"https://shop.example/p\",\"referrer\":null,\"userId\":null,"
                 "\"userLoginState\":\"anonymous\",\"identitySource\":\"anonymous\",\"clientId\":"
                 "\"c\",\"sessionId\":\"s\",\"isFirstVisit\":false,\"product\":{\"id\":\"p\","
                 "\"name\":\"n\",\"category\":\"keyboard\",\"brand\":\"AULA\",\"brandName\":"
                 "\"AULA\",\"price\":1990000,\"discountPrice\":null,\"urlPath\":\"/p\"},"
                 "\"element\":{\"tag\":\"a\",\"id\":\"i\",\"role\":\"link\",\"text\":\"t\","
                 "\"dataset\":{\"total\":\"1\",\"n\":2}}}"),
        "");
}
END_TEST

START_TEST(validate_limits_and_paths)
{
    sbw_limits_t l;
    sbw_limits_init(&l);
    l.max_string_bytes = 9; /* "eventName" itself is 9 bytes */
    l.max_url_bytes = 12;
    l.max_depth = 3;
    char err[256];
    struct {
        const char *json, *want;
    } cases[] = {
        {"{\"eventName\":\"a\",\"x\":{\"y\":[\"1234567890\"]}}",
         "x.y[0]: 10 bytes exceeds the limit of 9"},
        {"{\"eventName\":\"a\",\"pageUrl\":\"123456789012\"}", ""},
        {"{\"eventName\":\"a\",\"referrer\":\"1234567890123\"}",
         "referrer: 13 bytes exceeds the limit of 12"},
        {"{\"eventName\":\"a\",\"x\":{\"pageUrl\":\"1234567890\"}}",
         "x.pageUrl: 10 bytes exceeds the limit of 9"},
        {"{\"eventName\":\"a\",\"x\":{\"abcdefghij\":1}}",
         "x: member name: 10 bytes exceeds the limit of 9"},
        {"{\"eventName\":\"a\",\"x\":[[1]]}", ""},
        {"{\"eventName\":\"a\",\"x\":[[[1]]]}", "x[0][0]: nesting deeper than 3 levels"},
        {"{\"eventName\":\"a\",\"x\":[{},{\"y\":{}}]}", "x[1].y: nesting deeper than 3 levels"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cJSON *o = js(cases[i].json);
        err[0] = '\0';
        int rc = sbw_event_validate(o, &l, err, sizeof err);
        cJSON_Delete(o);
        ck_assert_msg(strcmp(err, cases[i].want) == 0, "%s: got '%s'", cases[i].json, err);
        ck_assert_int_eq(rc, cases[i].want[0] ? -1 : 0);
    }
    /* err may be NULL or tiny. */
    cJSON *o = js("{}");
    ck_assert_int_eq(sbw_event_validate(o, &l, NULL, 0), -1);
    char tiny[4];
    ck_assert_int_eq(sbw_event_validate(o, &l, tiny, sizeof tiny), -1);
    ck_assert_str_eq(tiny, "eve");
    cJSON_Delete(o);
    ck_assert_int_eq(sbw_event_validate(NULL, &l, err, sizeof err), -1);
    ck_assert_str_eq(err, "expected a JSON object, got nothing");
}
END_TEST

START_TEST(normalise_event_id)
{
    sbw_event_t ev;
    int64_t now = iso("2026-11-27T11:00:00Z");
    /* 1. a client UUID, lowercased */
    norm_ok("{\"eventName\":\"a\",\"eventId\":\"550E8400-E29B-41D4-A716-446655440000\","
            "\"_ingest\":{\"eventId\":\"00000000-0000-4000-8000-000000000009\"}}",
            KEY, 0, now, &ev);
    ck_assert_str_eq(ev.event_id, "550e8400-e29b-41d4-a716-446655440000");
    ck_assert_ptr_null(ev.client_event_id);
    sbw_event_cleanup(&ev);
    /* snake_case id */
    norm_ok("{\"eventName\":\"a\",\"event_id\":\"550e8400-e29b-41d4-a716-446655440001\"}", KEY, 0,
            now, &ev);
    ck_assert_str_eq(ev.event_id, "550e8400-e29b-41d4-a716-446655440001");
    sbw_event_cleanup(&ev);
    /* 2. a non-UUID client id: v5 of clientId + "\n" + id, original kept */
    norm_ok("{\"eventName\":\"a\",\"eventId\":\"1732672000000-1a2b3c4d\",\"clientId\":\"" CID
            "\",\"_ingest\":{\"eventId\":\"00000000-0000-4000-8000-000000000009\"}}",
            KEY, 0, now, &ev);
    ck_assert_str_eq(ev.event_id, "d2c19b59-6509-55de-bb33-9dfe8943b36a");
    ck_assert_str_eq(ev.client_event_id, "1732672000000-1a2b3c4d");
    sbw_event_cleanup(&ev);
    /* 3. no client id: the ingest's id (lowercased) */
    norm_ok("{\"eventName\":\"a\",\"eventId\":\"\",\"_ingest\":{\"eventId\":"
            "\"00000000-0000-4000-8000-00000000000A\"}}",
            KEY, 0, now, &ev);
    ck_assert_str_eq(ev.event_id, "00000000-0000-4000-8000-00000000000a");
    ck_assert_ptr_null(ev.client_event_id);
    sbw_event_cleanup(&ev);
    /* 4. nothing: v5 of object key + "\n" + record index, stable across runs */
    norm_ok("{\"eventName\":\"a\",\"_ingest\":{\"eventId\":\"not-a-uuid\"}}",
            "events/2026/11/27/10/x.ndjson", 3, now, &ev);
    ck_assert_str_eq(ev.event_id, "993568c7-0453-510b-83f0-9915dd3ab6c4");
    ck_assert_str_eq(ev.raw_object_key, "events/2026/11/27/10/x.ndjson");
    sbw_event_cleanup(&ev);
    ck_assert_str_eq(norm_err("{\"eventName\":\"a\"}", NULL),
                     "no event id: neither the client nor the ingest assigned one, and no object "
                     "key to derive one from");
}
END_TEST

START_TEST(normalise_event_time)
{
    sbw_event_t ev;
    int64_t now = iso("2026-11-27T11:00:00Z");
    int64_t rcv = iso("2026-11-27T10:00:00Z");
    const char *ing = ",\"_ingest\":{\"receivedAt\":\"2026-11-27T10:00:00.000Z\"}}";
    char buf[512];
    struct {
        const char *fields; /* members after eventName */
        int64_t want;
    } cases[] = {
        /* created + sent + received: received - (sent - created) */
        {",\"eventTimestamp\":\"2026-11-27T12:00:00Z\",\"sentAt\":\"2026-11-27T12:00:10Z\"",
         rcv - 10000},
        {",\"event_timestamp\":1795773590000,\"sent_at\":1795773600000", rcv - 10000},
        /* exactly 5 minutes ahead and exactly 7 days behind are still accepted */
        {",\"eventTimestamp\":\"2026-11-27T10:05:00Z\",\"sentAt\":\"2026-11-27T10:00:00Z\"",
         rcv + 300000},
        {",\"eventTimestamp\":\"2026-11-20T10:00:00Z\",\"sentAt\":\"2026-11-27T10:00:00Z\"",
         rcv - 7 * INT64_C(86400000)},
        /* one millisecond more is absurd: the receive time */
        {",\"eventTimestamp\":\"2026-11-27T10:05:00.001Z\",\"sentAt\":\"2026-11-27T10:00:00Z\"",
         rcv},
        {",\"eventTimestamp\":\"2026-11-20T09:59:59.999Z\",\"sentAt\":\"2026-11-27T10:00:00Z\"",
         rcv},
        /* only one client time: the receive time */
        {",\"eventTimestamp\":\"2026-11-27T09:00:00Z\"", rcv},
        {",\"sentAt\":\"2026-11-27T09:00:00Z\"", rcv},
        /* unparseable client times are ignored */
        {",\"eventTimestamp\":\"soon\",\"sentAt\":\"2026-11-27T09:00:00Z\"", rcv},
        {"", rcv},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(buf, sizeof buf, "{\"eventName\":\"a\"%s%s", cases[i].fields, ing);
        norm_ok(buf, KEY, 0, now, &ev);
        ck_assert_msg(ev.event_timestamp == cases[i].want, "case %zu: %lld", i,
                      (long long)ev.event_timestamp);
        ck_assert_int_eq(ev.received_at, rcv);
        sbw_event_cleanup(&ev);
    }
    /* No receive time: a plausible client time, else now; received_at = now. */
    struct {
        const char *json;
        int64_t want;
    } bare[] = {
        {"{\"eventName\":\"a\",\"eventTimestamp\":\"2026-11-27T09:00:00Z\"}",
         iso("2026-11-27T09:00:00Z")},
        {"{\"eventName\":\"a\",\"eventTimestamp\":\"2026-11-27T11:05:00Z\"}",
         iso("2026-11-27T11:05:00Z")},
        {"{\"eventName\":\"a\",\"eventTimestamp\":\"2026-11-27T11:05:00.001Z\"}", now},
        {"{\"eventName\":\"a\",\"eventTimestamp\":\"2015-01-01T00:00:00Z\"}",
         iso("2015-01-01T00:00:00Z")},
        {"{\"eventName\":\"a\",\"eventTimestamp\":\"2014-12-31T23:59:59.999Z\"}", now},
        {"{\"eventName\":\"a\",\"eventTimestamp\":0}", now},
        {"{\"eventName\":\"a\",\"_ingest\":{\"receivedAt\":\"garbage\"}}", now},
        {"{\"eventName\":\"a\"}", now},
    };
    for (size_t i = 0; i < sizeof bare / sizeof bare[0]; i++) {
        norm_ok(bare[i].json, KEY, 0, now, &ev);
        ck_assert_msg(ev.event_timestamp == bare[i].want, "bare %zu: %lld", i,
                      (long long)ev.event_timestamp);
        ck_assert_int_eq(ev.received_at, now);
        sbw_event_cleanup(&ev);
    }
}
END_TEST

START_TEST(normalise_columns)
{
    sbw_event_t ev;
    norm_ok("{\"event_name\":\"checkout_complete\",\"user_id\":\"u\",\"user_login_state\":\"l1\","
            "\"login_state\":\"l2\",\"identity_source\":\"cognito\",\"client_id\":\"c\","
            "\"session_id\":\"s\",\"is_first_visit\":true,\"page_url\":\"https://x/\","
            "\"referrer\":\"https://r/\",\"product\":{\"id\":\"p\",\"name\":\"n\",\"category\":"
            "\"c\",\"brandName\":\"B\",\"price\":\"19.90\",\"discount_price\":0.5,\"url_path\":"
            "\"/u\"},\"element\":{\"tag\":\"form\",\"dataset\":{\"total\":\"3580000\"}}}",
            KEY, 0, 0, &ev);
    ck_assert_str_eq(ev.event_name, "checkout_complete");
    ck_assert_str_eq(ev.user_id, "u");
    ck_assert_str_eq(ev.user_login_state, "l1");
    ck_assert_str_eq(ev.identity_source, "cognito");
    ck_assert_str_eq(ev.client_id, "c");
    ck_assert_str_eq(ev.session_id, "s");
    ck_assert_int_eq(ev.is_first_visit, SBW_TRI_TRUE);
    ck_assert_str_eq(ev.page_url, "https://x/");
    ck_assert_str_eq(ev.referrer, "https://r/");
    ck_assert_str_eq(ev.context_product_id, "p");
    ck_assert_str_eq(ev.context_product_name, "n");
    ck_assert_str_eq(ev.context_product_category, "c");
    ck_assert_str_eq(ev.context_product_brand, "B");
    ck_assert_str_eq(ev.context_product_price, "19.9");
    ck_assert_str_eq(ev.context_product_discount_price, "0.5");
    ck_assert_str_eq(ev.context_product_url_path, "/u");
    ck_assert_str_eq(ev.element, "{\"tag\":\"form\",\"dataset\":{\"total\":\"3580000\"}}");
    ck_assert_ptr_null(ev.user_agent);
    ck_assert_ptr_null(ev.source_ip);
    ck_assert(!ev.is_bot);
    sbw_event_cleanup(&ev);
    ck_assert_ptr_null(ev.event_name);
    sbw_event_cleanup(&ev); /* twice is fine */
    sbw_event_cleanup(NULL);

    /* Lenient with landed data: wrong types become NULL, invalid UTF-8 is replaced. */
    norm_ok("{\"eventName\":\"a\",\"userId\":42,\"sessionId\":\"s\\u0000x\",\"isFirstVisit\":"
            "\"yes\",\"product\":{\"price\":\"abc\",\"discountPrice\":true,\"id\":7,\"brand\":"
            "\"Br\",\"brandName\":\"ignored\"},\"element\":\"x\",\"clientId\":\"\"}",
            KEY, 0, 0, &ev);
    ck_assert_ptr_null(ev.user_id);
    ck_assert_str_eq(ev.session_id, "s"); /* cJSON ends the C string at \u0000 */
    ck_assert_int_eq(ev.is_first_visit, SBW_TRI_UNKNOWN);
    ck_assert_ptr_null(ev.context_product_price);
    ck_assert_ptr_null(ev.context_product_discount_price);
    ck_assert_ptr_null(ev.context_product_id);
    ck_assert_str_eq(ev.context_product_brand, "Br");
    ck_assert_ptr_null(ev.element);
    ck_assert_ptr_null(ev.client_id);
    sbw_event_cleanup(&ev);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "eventName", "a");
    cJSON_AddStringToObject(o, "userId",
                            "bad\xff"
                            "byte");
    cJSON *el = cJSON_AddObjectToObject(o, "element");
    cJSON_AddStringToObject(el, "text", "\xed\xa0\x80");
    char err[128];
    ck_assert_int_eq(sbw_event_normalise(o, KEY, 0, 0, &ev, err, sizeof err), 0);
    ck_assert_str_eq(ev.user_id, "bad\xef\xbf\xbd"
                                 "byte");
    ck_assert_str_eq(ev.element, "{\"text\":\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"}");
    sbw_event_cleanup(&ev);
    cJSON_Delete(o);
}
END_TEST

START_TEST(normalise_ingest_fields)
{
    sbw_event_t ev;
    /* Old Lambda objects hold the raw address and no isBot: both are derived again. */
    norm_ok("{\"eventName\":\"a\",\"_ingest\":{\"sourceIp\":\"198.51.100.23\",\"userAgent\":"
            "\"Googlebot/2.1\"}}",
            KEY, 0, 0, &ev);
    ck_assert_str_eq(ev.source_ip, "198.51.100.0");
    ck_assert_str_eq(ev.user_agent, "Googlebot/2.1");
    ck_assert(ev.is_bot);
    sbw_event_cleanup(&ev);
    norm_ok("{\"eventName\":\"a\",\"_ingest\":{\"sourceIp\":\"not an ip\",\"userAgent\":"
            "\"Googlebot/2.1\",\"isBot\":false}}",
            KEY, 0, 0, &ev);
    ck_assert_ptr_null(ev.source_ip);
    ck_assert(!ev.is_bot); /* the stored verdict wins */
    sbw_event_cleanup(&ev);
    /* The User-Agent is cut to 512 bytes on a character boundary. */
    char json[2048];
    char ua[700];
    memset(ua, 'a', 511);
    strcpy(ua + 511, "\xc3\xa9tail"); /* é straddles byte 512 */
    snprintf(json, sizeof json, "{\"eventName\":\"a\",\"_ingest\":{\"userAgent\":\"%s\"}}", ua);
    norm_ok(json, KEY, 0, 0, &ev);
    ck_assert_uint_eq(strlen(ev.user_agent), 511);
    sbw_event_cleanup(&ev);
    /* A non-object _ingest is ignored. */
    norm_ok("{\"eventName\":\"a\",\"_ingest\":\"x\"}", KEY, 0, 5, &ev);
    ck_assert_int_eq(ev.received_at, 5);
    ck_assert_ptr_null(ev.user_agent);
    sbw_event_cleanup(&ev);
}
END_TEST

START_TEST(normalise_rejects)
{
    ck_assert_str_eq(norm_err("[1]", KEY), "expected a JSON object, got array");
    ck_assert_str_eq(norm_err("{\"userId\":\"u\"}", KEY), "eventName missing");
    ck_assert_str_eq(norm_err("{\"eventName\":\"has space\"}", KEY),
                     "eventName: invalid character at byte 3 (allowed: A-Z a-z 0-9 _ . : -)");
    ck_assert_str_eq(norm_err("{\"event_name\":7}", KEY),
                     "event_name: expected a string, got number");
    ck_assert_str_eq(norm_err("{\"eventName\":\"\"}", KEY),
                     "eventName: must be 1 to 64 bytes, got 0");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("event");
    TCase *tc = tcase_create("uuid");
    tcase_add_test(tc, uuid_validity);
    tcase_add_test(tc, uuid_v5_known_values);
    suite_add_tcase(s, tc);
    tc = tcase_create("values");
    tcase_add_test(tc, decimal_canonical);
    tcase_add_test(tc, time_values);
    suite_add_tcase(s, tc);
    tc = tcase_create("validate");
    tcase_add_test(tc, validate_rules);
    tcase_add_test(tc, validate_limits_and_paths);
    suite_add_tcase(s, tc);
    tc = tcase_create("normalise");
    tcase_add_test(tc, normalise_event_id);
    tcase_add_test(tc, normalise_event_time);
    tcase_add_test(tc, normalise_columns);
    tcase_add_test(tc, normalise_ingest_fields);
    tcase_add_test(tc, normalise_rejects);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
