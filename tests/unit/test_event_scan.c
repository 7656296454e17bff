/* test_event_scan: the collector's non-allocating fast path (sbw_event_scan) and the
 * SBW_BODY_VERBATIM split that uses it.
 *
 * The scan may only ever say "valid" when the reference path (cJSON parse + sbw_event_validate,
 * no "_ingest", one line) says so too, and its client_sent_id must agree with
 * sbw_enrich_client_sent_id. Saying "don't know" (0) is always allowed: the caller then takes
 * the reference path, which gives the precise error. Every case below checks that soundness;
 * the named cases also pin which side of the line common inputs fall on. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sbw_body.h"
#include "sbw_enrich.h"
#include "sbw_event.h"
#include "sbw_test.h"

/* The reference decision: 1 when the bytes are one valid event that may be stored verbatim. */
static int reference(const char *src, size_t len, const sbw_limits_t *l, bool *cid)
{
    const char *pe = NULL;
    *cid = false;
    cJSON *o = cJSON_ParseWithLengthOpts(src, len, &pe, 0);
    int ok = o && pe == src + len && cJSON_IsObject(o) && sbw_event_validate(o, l, NULL, 0) == 0 &&
             !cJSON_GetObjectItemCaseSensitive(o, "_ingest") && !memchr(src, '\n', len) &&
             !memchr(src, '\r', len);
    if (ok)
        *cid = sbw_enrich_client_sent_id(o);
    cJSON_Delete(o);
    return ok;
}

/* Runs the scan on src[0..len), asserts soundness, returns the scan's answer. */
static int scan_len(const char *src, size_t len, const sbw_limits_t *l)
{
    bool cid = false, ref_cid = false;
    int got = sbw_event_scan(src, len, l, &cid);
    ck_assert(got == 0 || got == 1);
    if (got == 1) {
        ck_assert_msg(reference(src, len, l, &ref_cid) == 1,
                      "scan accepted what the reference rejects: %.*s", (int)(len > 300 ? 300 : len),
                      src);
        ck_assert_msg(cid == ref_cid, "client_sent_id differs for %.*s", (int)(len > 300 ? 300 : len),
                      src);
    }
    return got;
}

static int scan(const char *src)
{
    sbw_limits_t l;
    sbw_limits_init(&l);
    return scan_len(src, strlen(src), &l);
}

static bool scan_cid(const char *src)
{
    sbw_limits_t l;
    sbw_limits_init(&l);
    bool cid = false;
    ck_assert_int_eq(sbw_event_scan(src, strlen(src), &l, &cid), 1);
    scan(src);
    return cid;
}

static const char BENCH_EVENT[] =
    "{\"eventName\":\"product_view\",\"pageUrl\":\"https://shop.example/product/ban-phim-aula-m75-tm\","
    "\"referrer\":null,\"userId\":null,\"userLoginState\":\"anonymous\",\"clientId\":\"7d3f2a10-1111-"
    "4222-8333-444455556666\",\"sessionId\":\"0c1a2b3c-1111-4222-8333-444455556666\",\"isFirstVisit\":"
    "false,\"product\":{\"id\":\"prod_aula_m75_tm\",\"name\":\"Ban phim AULA M75 TM\",\"category\":"
    "\"keyboard\",\"brand\":\"AULA\",\"price\":1990000,\"discountPrice\":1790000,\"urlPath\":"
    "\"/product/ban-phim-aula-m75-tm\"}}";

START_TEST(accepts_common_events)
{
    ck_assert_int_eq(scan(BENCH_EVENT), 1);
    ck_assert_int_eq(scan("{\"eventName\":\"a\"}"), 1);
    ck_assert_int_eq(scan("{\"event_name\":\"a.b:c-d_e\"}"), 1);
    ck_assert_int_eq(scan("{ \"eventName\" : \"a\" ,\t\"x\" : [ 1 , 2 , { } , [ ] ] }"), 1);
    ck_assert_int_eq(scan("{\"eventName\":\"a\",\"eventTimestamp\":\"2026-11-27T10:00:00.123Z\","
                          "\"sentAt\":1795773600000,\"event_timestamp\":\"\",\"sent_at\":\"1795773600\"}"),
                     1);
    ck_assert_int_eq(scan("{\"eventName\":\"a\",\"product\":{\"price\":\"19.99\",\"discountPrice\":"
                          "\"\",\"discount_price\":null}}"),
                     1);
    ck_assert_int_eq(scan("{\"eventName\":\"a\",\"element\":{\"tag\":\"BUTTON\",\"dataset\":{\"k\":"
                          "\"v\"},\"text\":\"Buy \\\"now\\\" \\u00e9\\ud83d\\ude00\"}}"),
                     1);
    ck_assert_int_eq(scan("{\"eventName\":\"a\",\"x\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\","
                          "\"\xc3\xa9t\xc3\xa9\":1}"),
                     1);
    /* Server event id needed or not. */
    ck_assert(!scan_cid("{\"eventName\":\"a\"}"));
    ck_assert(scan_cid("{\"eventName\":\"a\",\"eventId\":\"x\"}"));
    ck_assert(scan_cid("{\"eventName\":\"a\",\"event_id\":\"x\"}"));
    ck_assert(!scan_cid("{\"eventName\":\"a\",\"eventId\":\"\"}"));
    ck_assert(scan_cid("{\"eventName\":\"a\",\"eventId\":\"\",\"event_id\":\"y\"}"));
    ck_assert(!scan_cid("{\"eventName\":\"a\",\"eventId\":null}"));
}
END_TEST

START_TEST(malformed_input_is_never_accepted)
{
    static const char *bad[] = {
        "",
        "{",
        "}",
        "[]",
        "\"x\"",
        "{\"eventName\":\"a\"",
        "{\"eventName\":\"a\",}",
        "{\"eventName\":\"a\"}}",
        "{\"eventName\":\"a\"} ",
        " {\"eventName\":\"a\"}",
        "{\"eventName\" \"a\"}",
        "{\"eventName\":}",
        "{'eventName':'a'}",
        "{eventName:\"a\"}",
        "{\"eventName\":\"a\" /* c */}",
        "{\"eventName\":\"a\",\"x\":NaN}",
        "{\"eventName\":\"a\",\"x\":Infinity}",
        "{\"eventName\":\"a\",\"x\":-Infinity}",
        "{\"eventName\":\"a\",\"x\":01}",
        "{\"eventName\":\"a\",\"x\":+1}",
        "{\"eventName\":\"a\",\"x\":.5}",
        "{\"eventName\":\"a\",\"x\":1.}",
        "{\"eventName\":\"a\",\"x\":1e}",
        "{\"eventName\":\"a\",\"x\":1e+}",
        "{\"eventName\":\"a\",\"x\":0x10}",
        "{\"eventName\":\"a\",\"x\":1-2}",
        "{\"eventName\":\"a\",\"x\":tru}",
        "{\"eventName\":\"a\",\"x\":truex}",
        "{\"eventName\":\"a\",\"x\":nul}",
        "{\"eventName\":\"a\",\"x\":[1,]}",
        "{\"eventName\":\"a\",\"x\":[1 2]}",
        "{\"eventName\":\"a\",\"x\":\"\\x\"}",
        "{\"eventName\":\"a\",\"x\":\"\\u12\"}",
        "{\"eventName\":\"a\",\"x\":\"\\u12g4\"}",
        "{\"eventName\":\"a\",\"x\":\"\\ud800\"}",
        "{\"eventName\":\"a\",\"x\":\"\\udc00\"}",
        "{\"eventName\":\"a\",\"x\":\"\\ud800\\u0041\"}",
        "{\"eventName\":\"a\",\"x\":\"\\u0000\"}",
        "{\"eventName\":\"a\",\"x\":\"a\tb\"}",
        "{\"eventName\":\"a\",\"x\":\"a\nb\"}",
        "{\"eventName\":\"a\",\n\"x\":1}",
        "{\"eventName\":\"a\",\r\"x\":1}",
        "{\"eventName\":\"a\",\f\"x\":1}",
        "{\"eventName\":\"a\",\"x\":\"unterminated}",
        "{\"eventName\":\"a\",\"x\":\"ends in a backslash\\",
        "{\"eventName\":\"a\",\"_ingest\":{}}",
        "{\"eventName\":\"a\",\"\\u005fingest\":{}}", /* escaped member names: reference path */
        /* contract violations */
        "{}",
        "{\"x\":1}",
        "{\"eventName\":null}",
        "{\"eventName\":\"\"}",
        "{\"eventName\":\"has space\"}",
        "{\"eventName\":5}",
        "{\"eventName\":\"a\",\"event_name\":\"b c\"}",
        "{\"eventName\":\"a\",\"userId\":5}",
        "{\"eventName\":\"a\",\"isFirstVisit\":\"yes\"}",
        "{\"eventName\":\"a\",\"eventTimestamp\":\"yesterday\"}",
        "{\"eventName\":\"a\",\"eventTimestamp\":-5}",
        "{\"eventName\":\"a\",\"product\":[]}",
        "{\"eventName\":\"a\",\"product\":{\"price\":\"cheap\"}}",
        "{\"eventName\":\"a\",\"product\":{\"price\":1e16}}",
        "{\"eventName\":\"a\",\"product\":{\"price\":1234567890123456}}",
        "{\"eventName\":\"a\",\"product\":{\"price\":\"1e16\"}}",
        "{\"eventName\":\"a\",\"product\":{\"id\":7}}",
        "{\"eventName\":\"a\",\"element\":{\"dataset\":\"x\"}}",
        "{\"eventName\":\"a\",\"element\":\"button\"}",
        "{\"eventName\":\"a\",\"x\":1e999}",
        "{\"eventName\":\"a\",\"x\":-1e999}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        ck_assert_msg(scan(bad[i]) == 0, "accepted: %s", bad[i]);
    /* A NUL byte inside the bytes (not a C string): never accepted. */
    sbw_limits_t l;
    sbw_limits_init(&l);
    static const char nul[] = "{\"eventName\":\"a\",\"x\":\"a\0b\"}";
    ck_assert_int_eq(scan_len(nul, sizeof nul - 1, &l), 0);
    /* The scan stops at len: a valid object cut short is not read past its end. */
    ck_assert_int_eq(scan_len("{\"eventName\":\"a\"}", 16, &l), 0);
}
END_TEST

START_TEST(nesting_is_bounded)
{
    sbw_limits_t l;
    sbw_limits_init(&l); /* max_depth 8: the event object is level 1 */
    char buf[256];
    for (int depth = 1; depth <= 10; depth++) {
        int n = snprintf(buf, sizeof buf, "{\"eventName\":\"a\",\"x\":");
        for (int i = 1; i < depth; i++)
            n += snprintf(buf + n, sizeof buf - (size_t)n, "[");
        n += snprintf(buf + n, sizeof buf - (size_t)n, "1");
        for (int i = 1; i < depth; i++)
            n += snprintf(buf + n, sizeof buf - (size_t)n, "]");
        snprintf(buf + n, sizeof buf - (size_t)n, "}");
        /* depth-1 arrays inside the object: containers at levels 2..depth */
        ck_assert_msg(scan(buf) == (depth <= 8), "depth %d: %s", depth, buf);
    }
    /* Far deeper than any limit, with a generous max_depth: still bounded (no stack blow-up). */
    size_t deep = 200000;
    char *big = malloc(deep * 2 + 64);
    size_t n = (size_t)sprintf(big, "{\"eventName\":\"a\",\"x\":");
    memset(big + n, '[', deep);
    n += deep;
    memset(big + n, ']', deep);
    n += deep;
    big[n++] = '}';
    l.max_depth = 1 << 30;
    ck_assert_int_eq(scan_len(big, n, &l), 0);
    memset(big, '{', deep);
    ck_assert_int_eq(scan_len(big, deep, &l), 0);
    free(big);
}
END_TEST

/* {"eventName":"a","<member>":"<fill × count>"} */
static char *with_string(const char *member, const char *fill, size_t count)
{
    size_t fl = strlen(fill);
    char *s = malloc(64 + strlen(member) + fl * count);
    size_t n = (size_t)sprintf(s, "{\"eventName\":\"a\",\"%s\":\"", member);
    for (size_t i = 0; i < count; i++, n += fl)
        memcpy(s + n, fill, fl);
    strcpy(s + n, "\"}");
    return s;
}

static int scan_free(char *s)
{
    int r = scan(s);
    free(s);
    return r;
}

START_TEST(string_limits_count_unescaped_bytes)
{
    /* max_string_bytes 2048, max_url_bytes 8192 (pageUrl, page_url, referrer at the top) */
    ck_assert_int_eq(scan_free(with_string("x", "a", 2048)), 1);
    ck_assert_int_eq(scan_free(with_string("x", "a", 2049)), 0);
    ck_assert_int_eq(scan_free(with_string("x", "\\\"", 2048)), 1); /* 4096 raw, 2048 text */
    ck_assert_int_eq(scan_free(with_string("x", "\\\"", 2049)), 0);
    ck_assert_int_eq(scan_free(with_string("x", "\\u00e9", 1024)), 1); /* 2 bytes each */
    ck_assert_int_eq(scan_free(with_string("x", "\\u00e9", 1025)), 0);
    ck_assert_int_eq(scan_free(with_string("x", "\\u20ac", 682)), 1); /* 3 bytes each: 2046 */
    ck_assert_int_eq(scan_free(with_string("x", "\\u20ac", 683)), 0);
    ck_assert_int_eq(scan_free(with_string("x", "\\ud83d\\ude00", 512)), 1); /* 4 bytes each */
    ck_assert_int_eq(scan_free(with_string("x", "\\ud83d\\ude00", 513)), 0);
    ck_assert_int_eq(scan_free(with_string("x", "\xc3\xa9", 1024)), 1);
    ck_assert_int_eq(scan_free(with_string("x", "\xc3\xa9", 1025)), 0);
    ck_assert_int_eq(scan_free(with_string("pageUrl", "a", 8192)), 1);
    ck_assert_int_eq(scan_free(with_string("pageUrl", "a", 8193)), 0);
    ck_assert_int_eq(scan_free(with_string("referrer", "a", 8192)), 1);
    ck_assert_int_eq(scan_free(with_string("page_url", "a", 8192)), 1);
    ck_assert_int_eq(scan_free(with_string("userId", "a", 2049)), 0);
    /* A long member name. */
    char *k = malloc(2100);
    memset(k, 'k', 2049);
    k[2049] = '\0';
    ck_assert_int_eq(scan_free(with_string(k, "v", 1)), 0);
    k[2048] = '\0';
    ck_assert_int_eq(scan_free(with_string(k, "v", 1)), 1);
    free(k);
    /* The URL allowance is for the top-level member only. */
    char *nested = malloc(9000);
    int n = sprintf(nested, "{\"eventName\":\"a\",\"element\":{\"pageUrl\":\"");
    memset(nested + n, 'a', 4000);
    strcpy(nested + n + 4000, "\"}}");
    ck_assert_int_eq(scan(nested), 0);
    free(nested);
}
END_TEST

START_TEST(utf8_is_strict)
{
    static const char *bad[] = {
        "\xff", "\xc0\x80", "\xc3", "\xe2\x82", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\x80",
        "\xf8\x88\x80\x80\x80", "\xc3\\u0041",
    };
    char buf[128];
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(buf, sizeof buf, "{\"eventName\":\"a\",\"x\":\"z%sz\"}", bad[i]);
        ck_assert_msg(scan(buf) == 0, "value accepted: %s", buf);
        snprintf(buf, sizeof buf, "{\"eventName\":\"a\",\"k%s\":1}", bad[i]);
        ck_assert_msg(scan(buf) == 0, "member name accepted: %s", buf);
    }
    ck_assert_int_eq(scan("{\"eventName\":\"a\",\"x\":\"\xf4\x8f\xbf\xbf\xef\xbf\xbd\"}"), 1);
    /* Long ASCII runs around a multi-byte character (the scan reads 8 bytes at a time). */
    ck_assert_int_eq(scan("{\"eventName\":\"a\",\"x\":\"abcdefghijklmno\xc3\xa9pqrstuvwxyz0123\"}"), 1);
    ck_assert_int_eq(scan("{\"eventName\":\"a\",\"x\":\"abcdefghijklmno\xc3pqrstuvwxyz0123\"}"), 0);
    ck_assert_int_eq(scan("{\"eventName\":\"a\",\"x\":\"abcdefghijklmno\x01pqrstuvwxyz0123\"}"), 0);
    ck_assert_int_eq(scan("{\"eventName\":\"a\",\"x\":\"abcdefgh\\\"ijklmnopqrstuvwxyz\"}"), 1);
    /* A non-ASCII byte just before the closing quote, a backslash or a control byte, at every
     * offset of the 8-byte word the scan stops in: valid only as whole UTF-8. */
    for (int pad = 0; pad < 16; pad++) {
        char fmt_ok[64], fmt_bad[64], fmt_esc[64], fmt_ctl[64];
        snprintf(fmt_ok, sizeof fmt_ok, "%.*s\xc3\xa9", pad, "abcdefghijklmnop");
        snprintf(fmt_bad, sizeof fmt_bad, "%.*s\xc3", pad, "abcdefghijklmnop");
        snprintf(fmt_esc, sizeof fmt_esc, "%.*s\xc3\\n", pad, "abcdefghijklmnop");
        snprintf(fmt_ctl, sizeof fmt_ctl, "%.*s\xc3\xa9\x01", pad, "abcdefghijklmnop");
        snprintf(buf, sizeof buf, "{\"eventName\":\"a\",\"x\":\"%s\"}", fmt_ok);
        ck_assert_msg(scan(buf) == 1, "rejected at pad %d", pad);
        snprintf(buf, sizeof buf, "{\"eventName\":\"a\",\"x\":\"%s\"}", fmt_bad);
        ck_assert_msg(scan(buf) == 0, "invalid UTF-8 accepted at pad %d", pad);
        snprintf(buf, sizeof buf, "{\"eventName\":\"a\",\"x\":\"%s\"}", fmt_esc);
        ck_assert_msg(scan(buf) == 0, "invalid UTF-8 before an escape accepted at pad %d", pad);
        snprintf(buf, sizeof buf, "{\"eventName\":\"a\",\"x\":\"%s\"}", fmt_ctl);
        ck_assert_msg(scan(buf) == 0, "control byte accepted at pad %d", pad);
    }
}
END_TEST

START_TEST(duplicate_members_follow_cjson)
{
    /* cJSON's lookups find the first of duplicate members: so do the contract's checks. */
    ck_assert_int_eq(scan("{\"eventName\":\"a\",\"eventName\":5}"), 1);
    ck_assert_int_eq(scan("{\"eventName\":5,\"eventName\":\"a\"}"), 0);
    ck_assert_int_eq(scan("{\"eventName\":null,\"event_name\":\"a\"}"), 1);
    ck_assert_int_eq(scan("{\"eventName\":\"a\",\"userId\":\"u\",\"userId\":7}"), 1);
    ck_assert_int_eq(scan("{\"eventName\":\"a\",\"userId\":7,\"userId\":\"u\"}"), 0);
    ck_assert_int_eq(scan("{\"eventName\":\"a\",\"product\":{\"price\":1},\"product\":{\"price\":\"x\"}}"), 1);
    ck_assert_int_eq(scan("{\"eventName\":\"a\",\"product\":{\"price\":\"x\"},\"product\":{\"price\":1}}"), 0);
    ck_assert_int_eq(scan("{\"eventName\":\"a\",\"product\":null,\"product\":{\"price\":\"x\"}}"), 1);
    ck_assert_int_eq(scan("{\"eventName\":\"a\",\"product\":{\"price\":1,\"price\":\"x\"}}"), 1);
    ck_assert(!scan_cid("{\"eventName\":\"a\",\"eventId\":\"\",\"eventId\":\"x\"}"));
    ck_assert(scan_cid("{\"eventName\":\"a\",\"eventId\":\"x\",\"eventId\":\"\"}"));
    /* a second "_ingest" anywhere at the top still sends the event to the reference path */
    ck_assert_int_eq(scan("{\"eventName\":\"a\",\"x\":{\"_ingest\":1}}"), 1);
    ck_assert_int_eq(scan("{\"eventName\":\"a\",\"_ingest\":1,\"_ingest\":2}"), 0);
}
END_TEST

START_TEST(numbers)
{
    static const char *good[] = {"0", "-0", "1", "-1", "0.5", "-0.5", "1e3", "1E+3", "1e-3",
                                 "1.5e300", "1e308", "123456789012345678901234567890"};
    static const char *bad[] = {"1e309", "-1e309", "1e400"};
    char buf[256];
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        snprintf(buf, sizeof buf, "{\"eventName\":\"a\",\"x\":%s,\"y\":[%s]}", good[i], good[i]);
        ck_assert_msg(scan(buf) == 1, "%s", buf);
    }
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(buf, sizeof buf, "{\"eventName\":\"a\",\"x\":%s}", bad[i]);
        ck_assert_msg(scan(buf) == 0, "%s", buf);
    }
    /* Prices: within 1e15, as numbers or numeric strings. */
    ck_assert_int_eq(scan("{\"eventName\":\"a\",\"product\":{\"price\":999999999999999}}"), 1);
    ck_assert_int_eq(scan("{\"eventName\":\"a\",\"product\":{\"price\":1000000000000000}}"), 1);
    ck_assert_int_eq(scan("{\"eventName\":\"a\",\"product\":{\"price\":1000000000000001}}"), 0);
    ck_assert_int_eq(scan("{\"eventName\":\"a\",\"product\":{\"price\":-999999999999999}}"), 1);
    ck_assert_int_eq(scan("{\"eventName\":\"a\",\"product\":{\"price\":1e15}}"), 1);
    ck_assert_int_eq(scan("{\"eventName\":\"a\",\"product\":{\"price\":1.5e15}}"), 0);
    ck_assert_int_eq(scan("{\"eventName\":\"a\",\"product\":{\"price\":\"019.50\"}}"), 1);
    ck_assert_int_eq(scan("{\"eventName\":\"a\",\"product\":{\"discount_price\":\"-1e3\"}}"), 1);
    ck_assert_int_eq(scan("{\"eventName\":\"a\",\"eventTimestamp\":1795773600000.5}"), 1);
    ck_assert_int_eq(scan("{\"eventName\":\"a\",\"eventTimestamp\":1e20}"), 0);
}
END_TEST

/* Random edits of valid events: whatever the scan accepts, the reference accepts. */
START_TEST(fuzz_soundness)
{
    static const char *seeds[] = {
        BENCH_EVENT,
        "{\"eventName\":\"a\",\"eventId\":\"e\",\"x\":[1,-2.5e3,true,false,null,{\"k\":\"\\u00e9\"}]}",
        "{\"event_name\":\"b\",\"product\":{\"price\":\"19.99\"},\"element\":{\"dataset\":{}}}",
        "{\"eventName\":\"c\",\"eventTimestamp\":\"2026-11-27T10:00:00Z\",\"sentAt\":1795773600}",
    };
    static const char alphabet[] = "{}[]\":,\\ \t\n0123456789.-+eEtrufalsn\x80\xc3\xa9\xff\x01u_";
    sbw_limits_t l;
    sbw_limits_init(&l);
    unsigned seed = 12345;
    char buf[1024];
    int accepted = 0;
    for (int round = 0; round < 40000; round++) {
        const char *src = seeds[round % (sizeof seeds / sizeof *seeds)];
        size_t n = strlen(src);
        memcpy(buf, src, n);
        int edits = 1 + (int)((seed = seed * 1103515245u + 12345u) >> 16) % 3;
        for (int e = 0; e < edits && n > 2 && n < sizeof buf - 2; e++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % n;
            char c = alphabet[(seed >> 20) % (sizeof alphabet - 1)];
            switch ((seed >> 28) % 3) {
            case 0:
                buf[at] = c;
                break;
            case 1:
                memmove(buf + at + 1, buf + at, n - at);
                buf[at] = c;
                n++;
                break;
            default:
                memmove(buf + at, buf + at + 1, n - at - 1);
                n--;
                break;
            }
        }
        accepted += scan_len(buf, n, &l);
    }
    ck_assert_int_gt(accepted, 1000); /* plenty of edits keep the event valid */
}
END_TEST

/* Splits body both ways and asserts the same outcome; returns the verbatim items. */
static size_t compare_splits(const char *name, const char *body, size_t len, const sbw_limits_t *lp)
{
    sbw_limits_t l = *lp;
    size_t verbatim = 0;
    {
        sbw_body_t a, b;
        char ea[512] = "", eb[512] = "";
        int ra = sbw_body_split(body, len, &l, &a, ea, sizeof ea);
        int rb = sbw_body_split_flags(body, len, &l, SBW_BODY_VERBATIM, &b, eb, sizeof eb);
        ck_assert_int_eq(ra, rb);
        ck_assert_str_eq(ea, eb);
        if (ra == 0) {
            ck_assert_int_eq(a.shape, b.shape);
            ck_assert_uint_eq(a.count, b.count);
            ck_assert_uint_eq(a.accepted, b.accepted);
            for (size_t k = 0; k < a.count; k++) {
                sbw_body_item_t *x = &a.items[k], *y = &b.items[k];
                ck_assert_msg((x->obj != NULL) == (y->obj != NULL || y->verbatim), "%s item %zu",
                              name, k);
                ck_assert(!x->verbatim);
                ck_assert(!(y->verbatim && (y->obj || y->error)));
                ck_assert_str_eq(x->error ? x->error : "", y->error ? y->error : "");
                ck_assert_uint_eq(x->offset, y->offset);
                ck_assert_uint_eq(x->length, y->length);
                ck_assert_int_eq(x->index, y->index);
                ck_assert_int_eq(x->line, y->line);
                if (y->verbatim) {
                    verbatim++;
                    ck_assert(y->client_sent_id == sbw_enrich_client_sent_id(x->obj));
                }
            }
            sbw_body_cleanup(&a);
            sbw_body_cleanup(&b);
        }
    }
    return verbatim;
}

/* The verbatim split accepts the same events with the same errors as the plain one. */
START_TEST(verbatim_split_matches_the_plain_split_on_every_fixture)
{
    sbw_limits_t l;
    sbw_limits_init(&l);
    char **names = NULL;
    size_t n = sbw_test_fixture_list("contract", ".in.json", &names);
    ck_assert_uint_gt(n, 30);
    size_t verbatim = 0;
    for (size_t i = 0; i < n; i++) {
        char rel[512];
        snprintf(rel, sizeof rel, "contract/%s", names[i]);
        size_t len;
        char *body = sbw_test_fixture(rel, &len);
        verbatim += compare_splits(names[i], body, len, &l);
        free(body);
        free(names[i]);
    }
    free(names);
    ck_assert_uint_gt(verbatim, 30); /* the fast path is really taken */

    static const char *bodies[] = {
        "{\"eventName\":\"a\"}",
        "  {\"eventName\":\"a\"}  \n",
        "\xEF\xBB\xBF{\"eventName\":\"a\"}",
        "{\"eventName\":\"a\"} x",
        "{\"eventName\":\"a\"}{\"eventName\":\"b\"}",
        "{\"eventName\":\"a\"} {\"eventName\":\"b c\"}\r\n{\"eventName\":\"c\"}\r\n\r\n",
        "{\"eventName\":\"a\"}\n{\"eventName\":\n\"b\"}\n[1]\n{\"eventName\":\"d\"}",
        "[{\"eventName\":\"a\"} , {\"eventName\":1},{\"eventName\":\"c\"}]",
        "[{\"eventName\":\"a\"},{\"eventName\":\"b\"}",
        "[{\"eventName\":\"a\"}{\"eventName\":\"b\"}]",
        "[{\"eventName\":\"a\"}] x",
        "[{\"eventName\":\"a\",\"_ingest\":{}},{\"eventName\":\"b\"}]",
        "[{\"eventName\":\"a\"},{\"eventName\":\"b\"},{\"eventName\":\"c\"},{\"eventName\":\"d\"}]",
        "{\"eventName\":\"a\",\"x\":\"0123456789012345678901234567890123456789\"}",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++)
        compare_splits(bodies[i], bodies[i], strlen(bodies[i]), &l);
    /* Limits: 3 events at most, 40 bytes per event. */
    sbw_limits_t small = l;
    small.max_events = 3;
    small.max_event_bytes = 40;
    for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++)
        compare_splits(bodies[i], bodies[i], strlen(bodies[i]), &small);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("event_scan");
    TCase *tc = tcase_create("scan");
    tcase_add_test(tc, accepts_common_events);
    tcase_add_test(tc, malformed_input_is_never_accepted);
    tcase_add_test(tc, nesting_is_bounded);
    tcase_add_test(tc, string_limits_count_unescaped_bytes);
    tcase_add_test(tc, utf8_is_strict);
    tcase_add_test(tc, duplicate_members_follow_cjson);
    tcase_add_test(tc, numbers);
    suite_add_tcase(s, tc);
    tc = tcase_create("fuzz");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, fuzz_soundness);
    suite_add_tcase(s, tc);
    tc = tcase_create("split");
    tcase_add_test(tc, verbatim_split_matches_the_plain_split_on_every_fixture);
    suite_add_tcase(s, tc);
    return sbw_test_run(s);
}
