/* test_enrich: the _ingest member, IP anonymisation and bot detection (lib/sbw_enrich). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sbw_enrich.h"

static void anon(const char *ip, const char *want)
{
    char out[SBW_IP_SIZE] = "unset";
    int rc = sbw_enrich_ip_anonymise(ip, out, sizeof out);
    if (want) {
        ck_assert_msg(rc == 0, "%s rejected", ip);
        ck_assert_msg(strcmp(out, want) == 0, "%s -> %s, want %s", ip, out, want);
        /* idempotent */
        char again[SBW_IP_SIZE];
        ck_assert_int_eq(sbw_enrich_ip_anonymise(out, again, sizeof again), 0);
        ck_assert_str_eq(again, out);
    } else {
        ck_assert_msg(rc == -1, "%s accepted as %s", ip ? ip : "NULL", out);
        ck_assert_str_eq(out, "");
    }
}

START_TEST(ip_anonymisation)
{
    anon("203.0.113.77", "203.0.113.0");
    anon("10.0.0.255", "10.0.0.0");
    anon("0.0.0.0", "0.0.0.0");
    anon("255.255.255.255", "255.255.255.0");
    anon("2001:db8:abcd:12::1", "2001:db8:abcd::");
    anon("2001:0DB8:ABCD:FFFF:FFFF:FFFF:FFFF:FFFF", "2001:db8:abcd::");
    anon("2001:db8::1", "2001:db8::");
    anon("::1", "::");
    anon("::ffff:203.0.113.77", "203.0.113.0");
    anon(NULL, NULL);
    anon("", NULL);
    anon("203.0.113.77:8080", NULL);
    anon("[2001:db8::1]", NULL);
    anon("fe80::1%eth0", NULL);
    anon(" 203.0.113.77", NULL);
    anon("203.0.113", NULL);
    anon("203.0.113.256", NULL);
    anon("localhost", NULL);
    anon("203.0.113.77, 198.51.100.1", NULL); /* the caller picks one X-Forwarded-For hop */
    char small[8];
    ck_assert_int_eq(sbw_enrich_ip_anonymise("203.0.113.77", small, sizeof small), -1);
}
END_TEST

START_TEST(bot_detection)
{
    const char *bots[] = {
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
        "Mozilla/5.0 (compatible; Yahoo! Slurp; http://help.yahoo.com/help/us/ysearch/slurp)",
        "Mozilla/5.0 (compatible; Baiduspider/2.0)",
        "Sogou web spider/4.0",
        "SomeCrawler/1.0",
        "curl/8.4.0",
        "Wget/1.21.3",
        "python-requests/2.31.0",
        "Python-urllib/3.11",
        "Python/3.11 aiohttp/3.9.1",
        "Go-http-client/1.1",
        "Java/17.0.2",
        "okhttp/4.12.0",
        "libwww-perl/6.72",
        "Apache-HttpClient/4.5.14 (Java/17)",
        "axios/1.6.2",
        "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)",
        "Scrapy/2.11 (+https://scrapy.org)",
        "Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) PhantomJS/2.1.1",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "Mozilla/5.0 (compatible; Embedly/0.2)",
        "Mozilla/5.0 (Linux; Android 11; moto g power (2022)) Chrome-Lighthouse",
        "Pingdom.com_bot_version_1.4",
        "FeedFetcher-Google",
        "Mediapartners-Google",
        "Mozilla/5.0 (compatible; Google-InspectionTool/1.0)",
        "UptimeRobot/2.0",
        "Mozilla/5.0 (Linux; Android 10; CUBOT X30) Googlebot", /* Cubot, but also a bot */
    };
    for (size_t i = 0; i < sizeof bots / sizeof bots[0]; i++)
        ck_assert_msg(sbw_enrich_is_bot(bots[i]), "not flagged: %s", bots[i]);
    const char *humans[] = {
        NULL,
        "",
        "Mozilla/5.0 test",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/130.0.0.0 Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
        "Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "HeadlessChrome/120.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Linux; Android 10; CUBOT X30) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0 Mobile Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.1; rv:120.0) Gecko/20100101 Firefox/120.0",
    };
    for (size_t i = 0; i < sizeof humans / sizeof humans[0]; i++)
        ck_assert_msg(!sbw_enrich_is_bot(humans[i]), "flagged: %s", humans[i]);
    /* Longer than the 1 KiB stack copy: the marker at the very end, in upper case. */
    static char long_ua[3000];
    memset(long_ua, 'x', sizeof long_ua - 1);
    memcpy(long_ua, "Mozilla/5.0 (", 13);
    ck_assert(!sbw_enrich_is_bot(long_ua));
    memcpy(long_ua + sizeof long_ua - 1 - 9, "SCRAPY/2)", 9);
    ck_assert(sbw_enrich_is_bot(long_ua));
    memcpy(long_ua + sizeof long_ua - 1 - 9, "xCuBoT 2)", 9);
    ck_assert(!sbw_enrich_is_bot(long_ua));
}
END_TEST

static sbw_limits_t limits(void)
{
    sbw_limits_t l;
    sbw_limits_init(&l);
    return l;
}

static sbw_ingest_meta_t meta(void)
{
    sbw_ingest_meta_t m = {
        .received_at_ms = INT64_C(1795773600123), /* 2026-11-27T10:00:00.123Z */
        .source_ip = "203.0.113.77",
        .user_agent = "Mozilla/5.0 test",
        .request_id = "req-1",
        .trace_id = "Root=1-abc",
        .method = "POST",
        .path = "/clickstream",
        .server_event_id = "00000000-0000-4000-8000-00000000000A",
    };
    return m;
}

static const char *str(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    ck_assert_msg(cJSON_IsString(v), "%s is not a string", name);
    return v->valuestring;
}

START_TEST(enrich_members)
{
    sbw_limits_t l = limits();
    sbw_ingest_meta_t m = meta();
    char err[128] = "";
    cJSON *o = cJSON_Parse("{\"eventName\":\"click\",\"_ingest\":{\"isBot\":true},\"x\":1,"
                           "\"_ingest\":\"dup\"}");
    ck_assert_int_eq(sbw_enrich_event(o, &m, &l, err, sizeof err), 0);
    char *txt = cJSON_PrintUnformatted(o);
    ck_assert_str_eq(txt, "{\"eventName\":\"click\",\"x\":1,\"_ingest\":{\"receivedAt\":\"2026-"
                          "11-27T10:00:00.123Z\",\"sourceIp\":\"203.0.113.0\",\"userAgent\":"
                          "\"Mozilla/5.0 test\",\"requestId\":\"req-1\",\"traceId\":\"Root=1-"
                          "abc\",\"method\":\"POST\",\"path\":\"/clickstream\",\"isBot\":false,"
                          "\"eventId\":\"00000000-0000-4000-8000-00000000000a\"}}");
    free(txt);
    /* Enriching again replaces, never duplicates. */
    m.user_agent = "curl/8.4.0";
    ck_assert_int_eq(sbw_enrich_event(o, &m, &l, err, sizeof err), 0);
    int n = 0;
    for (const cJSON *c = o->child; c; c = c->next)
        n += strcmp(c->string, "_ingest") == 0;
    ck_assert_int_eq(n, 1);
    const cJSON *ing = cJSON_GetObjectItemCaseSensitive(o, "_ingest");
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ing, "isBot")));
    cJSON_Delete(o);
}
END_TEST

START_TEST(enrich_event_id_only_without_client_id)
{
    sbw_limits_t l = limits();
    sbw_ingest_meta_t m = meta();
    struct {
        const char *json;
        int gets_server_id;
    } cases[] = {
        {"{\"eventName\":\"a\"}", 1},
        {"{\"eventName\":\"a\",\"eventId\":null}", 1},
        {"{\"eventName\":\"a\",\"eventId\":\"\"}", 1},
        {"{\"eventName\":\"a\",\"eventId\":\"1732672000000-1a2b3c4d\"}", 0},
        {"{\"eventName\":\"a\",\"event_id\":\"550e8400-e29b-41d4-a716-446655440000\"}", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cJSON *o = cJSON_Parse(cases[i].json);
        ck_assert_int_eq(sbw_enrich_event(o, &m, &l, NULL, 0), 0);
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(o, "_ingest"), "eventId");
        ck_assert_msg((id != NULL) == cases[i].gets_server_id, "case %zu", i);
        cJSON_Delete(o);
    }
    /* Without a server id nothing is added. */
    m.server_event_id = NULL;
    cJSON *o = cJSON_Parse("{\"eventName\":\"a\"}");
    ck_assert_int_eq(sbw_enrich_event(o, &m, &l, NULL, 0), 0);
    ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(o, "_ingest"), "eventId"));
    cJSON_Delete(o);
}
END_TEST

START_TEST(enrich_untrusted_meta)
{
    sbw_limits_t l = limits();
    sbw_ingest_meta_t m = meta();
    char ua[700];
    memset(ua, 'u', sizeof ua - 1);
    ua[sizeof ua - 1] = '\0';
    ua[511] = '\xc3'; /* an é across the 512-byte cut */
    ua[512] = '\xa9';
    m.user_agent = ua;
    m.source_ip = "garbage";
    m.request_id = NULL;
    m.trace_id = NULL;
    m.path = "/click\xffstream";
    cJSON *o = cJSON_Parse("{\"eventName\":\"a\"}");
    ck_assert_int_eq(sbw_enrich_event(o, &m, &l, NULL, 0), 0);
    const cJSON *ing = cJSON_GetObjectItemCaseSensitive(o, "_ingest");
    ck_assert_uint_eq(strlen(str(ing, "userAgent")), 511);
    ck_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(ing, "sourceIp")));
    ck_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(ing, "requestId")));
    ck_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(ing, "traceId")));
    ck_assert_str_eq(str(ing, "path"), "/click\xef\xbf\xbdstream");
    cJSON_Delete(o);
}
END_TEST

START_TEST(enrich_errors)
{
    sbw_limits_t l = limits();
    sbw_ingest_meta_t m = meta();
    char err[128];
    cJSON *arr = cJSON_Parse("[]");
    ck_assert_int_eq(sbw_enrich_event(arr, &m, &l, err, sizeof err), -1);
    ck_assert_str_eq(err, "expected a JSON object");
    cJSON_Delete(arr);
    cJSON *o = cJSON_Parse("{\"eventName\":\"a\"}");
    m.server_event_id = "not-a-uuid";
    ck_assert_int_eq(sbw_enrich_event(o, &m, &l, err, sizeof err), -1);
    ck_assert_str_eq(err, "server event id is not a UUID");
    m = meta();
    m.received_at_ms = INT64_MAX;
    ck_assert_int_eq(sbw_enrich_event(o, &m, &l, err, sizeof err), -1);
    ck_assert_str_eq(err, "receive time 9223372036854775807 out of range");
    ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(o, "_ingest"));
    cJSON_Delete(o);
}
END_TEST

/* sbw_enrich_render writes exactly what cJSON prints for sbw_enrich_build. */
static void render_matches_tree(const sbw_ingest_meta_t *m, const sbw_limits_t *l)
{
    char err1[128] = "", err2[128] = "";
    cJSON *tree = sbw_enrich_build(m, l, err1, sizeof err1);
    sbw_buf_t b;
    sbw_buf_init(&b, 0);
    ck_assert_int_eq(sbw_buf_append(&b, "prefix", 6), 0); /* appends after what is there */
    int rc = sbw_enrich_render(m, l, &b, err2, sizeof err2);
    if (!tree) {
        ck_assert_int_eq(rc, -1);
        ck_assert_str_eq(err2, err1);
        ck_assert_str_eq(sbw_buf_cstr(&b), "prefix"); /* unchanged */
    } else {
        ck_assert_int_eq(rc, 0);
        char *want = cJSON_PrintUnformatted(tree);
        ck_assert_str_eq(sbw_buf_cstr(&b) + 6, want);
        ck_assert_int_eq(memcmp(sbw_buf_cstr(&b), "prefix", 6), 0);
        free(want);
    }
    cJSON_Delete(tree);
    sbw_buf_cleanup(&b);
}

START_TEST(render_equals_cjson)
{
    sbw_limits_t l = limits();
    sbw_ingest_meta_t m = meta();
    render_matches_tree(&m, &l);
    const char *texts[] = {
        "Mozilla/5.0 (X11; Linux x86_64) Chrome/120",
        "quote \" backslash \\ slash / tab \t nl \n cr \r bs \b ff \f",
        "ctl \x01\x02\x1f del \x7f",
        "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
        "bad \xff\xfe utf8 \xc3",
        "",
        "Googlebot/2.1 (+http://www.google.com/bot.html)",
    };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        m = meta();
        m.user_agent = texts[i];
        m.request_id = texts[(i + 1) % 7];
        m.trace_id = i % 2 ? NULL : texts[(i + 2) % 7];
        m.path = texts[(i + 3) % 7];
        m.method = i == 3 ? NULL : "POST";
        m.source_ip = i % 3 == 0 ? "2001:db8:1234:5678::1" : i % 3 == 1 ? "203.0.113.77" : "x";
        render_matches_tree(&m, &l);
    }
    /* Longer than the limits: cut on a character boundary, as the tree's add_text does. */
    char ua[700];
    memset(ua, 'u', sizeof ua - 1);
    ua[sizeof ua - 1] = '\0';
    ua[511] = '\xc3';
    ua[512] = '\xa9';
    m = meta();
    m.user_agent = ua;
    render_matches_tree(&m, &l);
    /* Random bytes (no NUL) in every text member. */
    unsigned seed = 12345;
    char r[4][80];
    for (int round = 0; round < 2000; round++) {
        for (int k = 0; k < 4; k++) {
            int n = (int)(rand_r(&seed) % 79);
            for (int i = 0; i < n; i++)
                r[k][i] = (char)(1 + rand_r(&seed) % 255);
            r[k][n] = '\0';
        }
        m = meta();
        m.user_agent = r[0];
        m.request_id = r[1];
        m.trace_id = r[2];
        m.path = r[3];
        render_matches_tree(&m, &l);
    }
    m = meta();
    m.received_at_ms = INT64_MAX; /* the same error as the tree */
    render_matches_tree(&m, &l);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("enrich");
    TCase *tc = tcase_create("ip");
    tcase_add_test(tc, ip_anonymisation);
    suite_add_tcase(s, tc);
    tc = tcase_create("bots");
    tcase_add_test(tc, bot_detection);
    suite_add_tcase(s, tc);
    tc = tcase_create("ingest_member");
    tcase_add_test(tc, enrich_members);
    tcase_add_test(tc, enrich_event_id_only_without_client_id);
    tcase_add_test(tc, enrich_untrusted_meta);
    tcase_add_test(tc, enrich_errors);
    tcase_add_test(tc, render_equals_cjson);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
