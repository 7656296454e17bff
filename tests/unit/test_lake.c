/* Unit tests of the lake's pure parts: key naming, URLs, settings, S3 request building and XML. */
#include <check.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbw_lake.h"
#include "sbw_s3.h"
#include "sbw_test.h"

/* A fixed environment: pairs of name, value, NULL-terminated. */
static const char *lookup_pairs(const char *name, void *ud)
{
    const char **kv = ud;
    for (; kv[0]; kv += 2)
        if (strcmp(kv[0], name) == 0)
            return kv[1];
    return NULL;
}

/* ---- key naming ---- */

static void assert_key(int64_t ms, const char *id, const char *want)
{
    char key[256];
    ck_assert_int_eq(sbw_lake_key_for(ms, id, key, sizeof key), 0);
    ck_assert_str_eq(key, want);
}

START_TEST(key_at_hour_day_month_year_boundaries)
{
    const char *id = "550e8400-e29b-41d4-a716-446655440000";
    assert_key(0, id, "events/1970/01/01/00/event-550e8400-e29b-41d4-a716-446655440000.json");
    /* last ms of 2024-01-31 23h, then the first of February */
    assert_key(1706745599999LL, "a", "events/2024/01/31/23/event-a.json");
    assert_key(1706745600000LL, "a", "events/2024/02/01/00/event-a.json");
    /* year boundary */
    assert_key(1704067199999LL, "b", "events/2023/12/31/23/event-b.json");
    assert_key(1704067200000LL, "b", "events/2024/01/01/00/event-b.json");
    /* hour boundary inside a day, and a leap day */
    assert_key(1704067200000LL + 3600000LL - 1, "c", "events/2024/01/01/00/event-c.json");
    assert_key(1704067200000LL + 3600000LL, "c", "events/2024/01/01/01/event-c.json");
    assert_key(1709208000000LL, "D-9", "events/2024/02/29/12/event-D-9.json");
    /* before 1970 rounds down, not towards zero */
    assert_key(-1, "e", "events/1969/12/31/23/event-e.json");

    char p[64];
    ck_assert_int_eq(sbw_lake_hour_prefix(1706745599999LL, p, sizeof p), 0);
    ck_assert_str_eq(p, "events/2024/01/31/23/");
    ck_assert_int_eq(sbw_lake_hour_prefix(1706745600000LL, p, sizeof p), 0);
    ck_assert_str_eq(p, "events/2024/02/01/00/");
    ck_assert_int_eq(sbw_lake_hour_prefix(0, p, 21), -1); /* needs 22 bytes */
    ck_assert_int_eq(sbw_lake_hour_prefix(0, p, 22), 0);
}
END_TEST

START_TEST(key_rejects_bad_ids_and_small_buffers)
{
    char key[256];
    ck_assert_int_eq(sbw_lake_key_for(0, "", key, sizeof key), -1);
    ck_assert_int_eq(sbw_lake_key_for(0, NULL, key, sizeof key), -1);
    ck_assert_int_eq(sbw_lake_key_for(0, "../x", key, sizeof key), -1);
    ck_assert_int_eq(sbw_lake_key_for(0, "a/b", key, sizeof key), -1);
    ck_assert_int_eq(sbw_lake_key_for(0, "a b", key, sizeof key), -1);
    char longid[66];
    memset(longid, 'a', 65);
    longid[65] = '\0';
    ck_assert_int_eq(sbw_lake_key_for(0, longid, key, sizeof key), -1);
    longid[64] = '\0';
    ck_assert_int_eq(sbw_lake_key_for(0, longid, key, sizeof key), 0);
    ck_assert_int_eq(sbw_lake_key_for(0, "abc", key, 10), -1);
    /* year 10000 has five digits */
    ck_assert_int_eq(sbw_lake_key_for(253402300800000LL, "a", key, sizeof key), -1);
}
END_TEST

/* ---- key and prefix validation ---- */

START_TEST(key_check_rules)
{
    char err[256];
    const char *good[] = {
        "a", "events/2024/01/01/00/event-x.json", "a/b.c/d", "x=1+y,z@w:v~!", "a.", "a/b..c"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        ck_assert_msg(sbw_lake_key_check(good[i], err, sizeof err) == 0, "%s: %s", good[i], err);
    const char *bad[] = {"",       "/a",   "a/",   "a//b",  "..",          "../a",
                         "a/../b", "a/..", ".",    "a/./b", ".hidden",     "a/.tmp-1",
                         "a b",    "a\\b", "a\tb", "a\nb",  "caf\xc3\xa9", "\x7f"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = '\0';
        ck_assert_msg(sbw_lake_key_check(bad[i], err, sizeof err) == SBW_LAKE_EINVAL,
                      "accepted bad key #%zu", i);
        ck_assert_msg(strlen(err) > 0, "no message for bad key #%zu", i);
    }
    ck_assert_int_eq(sbw_lake_key_check(NULL, err, sizeof err), SBW_LAKE_EINVAL);
    char k[SBW_LAKE_KEY_MAX + 2];
    memset(k, 'k', sizeof k);
    k[SBW_LAKE_KEY_MAX] = '\0';
    ck_assert_int_eq(sbw_lake_key_check(k, err, sizeof err), 0);
    k[SBW_LAKE_KEY_MAX] = 'k';
    k[SBW_LAKE_KEY_MAX + 1] = '\0';
    ck_assert_int_eq(sbw_lake_key_check(k, err, sizeof err), SBW_LAKE_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "longer than 1024"));
    /* err may be NULL */
    ck_assert_int_eq(sbw_lake_key_check("/x", NULL, 0), SBW_LAKE_EINVAL);
    ck_assert_int_eq(sbw_lake_key_check("a/.tmp-1", err, sizeof err), SBW_LAKE_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "starting with '.'"));

    const char *goodp[] = {"", "events/", "events/20", "events/2024/01/"};
    for (size_t i = 0; i < sizeof goodp / sizeof *goodp; i++)
        ck_assert_int_eq(sbw_lake_prefix_check(goodp[i], err, sizeof err), 0);
    ck_assert_int_eq(sbw_lake_prefix_check(NULL, err, sizeof err), 0);
    const char *badp[] = {"/", "/events", "events//", "../", "events/.x", "a b"};
    for (size_t i = 0; i < sizeof badp / sizeof *badp; i++)
        ck_assert_int_eq(sbw_lake_prefix_check(badp[i], err, sizeof err), SBW_LAKE_EINVAL);
}
END_TEST

/* ---- lake URLs ---- */

START_TEST(url_parse_good)
{
    sbw_lake_url_t u;
    char err[256];
    ck_assert_int_eq(
        sbw_lake_url_parse("file:///srv/lake/clickstream-s3-ingest", &u, err, sizeof err), 0);
    ck_assert_int_eq(u.kind, SBW_LAKE_FILE);
    ck_assert_str_eq(u.path, "/srv/lake/clickstream-s3-ingest");
    ck_assert_int_eq(sbw_lake_url_parse("file:///tmp/lake//", &u, err, sizeof err),
                     SBW_LAKE_EINVAL); /* "//" is an empty part */
    ck_assert_int_eq(sbw_lake_url_parse("file:///tmp/lake/", &u, err, sizeof err), 0);
    ck_assert_str_eq(u.path, "/tmp/lake");
    ck_assert_int_eq(sbw_lake_url_parse("file:///", &u, err, sizeof err), 0);
    ck_assert_str_eq(u.path, "/");
    ck_assert_int_eq(sbw_lake_url_parse("file:///a/..b/c.", &u, err, sizeof err), 0);
    ck_assert_str_eq(u.path, "/a/..b/c.");

    ck_assert_int_eq(sbw_lake_url_parse("s3://clickstream-raw", &u, err, sizeof err), 0);
    ck_assert_int_eq(u.kind, SBW_LAKE_S3);
    ck_assert_str_eq(u.bucket, "clickstream-raw");
    ck_assert_str_eq(u.prefix, "");
    ck_assert_int_eq(sbw_lake_url_parse("s3://clickstream-raw/", &u, err, sizeof err), 0);
    ck_assert_str_eq(u.prefix, "");
    ck_assert_int_eq(sbw_lake_url_parse("s3://clickstream-raw/raw", &u, err, sizeof err), 0);
    ck_assert_str_eq(u.bucket, "clickstream-raw");
    ck_assert_str_eq(u.prefix, "raw/");
    ck_assert_int_eq(sbw_lake_url_parse("s3://my.bucket.name/env/prod/", &u, err, sizeof err), 0);
    ck_assert_str_eq(u.bucket, "my.bucket.name");
    ck_assert_str_eq(u.prefix, "env/prod/");
}
END_TEST

START_TEST(url_parse_bad)
{
    const char *bad[] = {"",
                         "/tmp/lake",
                         "var/lake",
                         "file://host/tmp/lake",
                         "file://relative",
                         "file:///a/../b",
                         "file:///a/./b",
                         "file:///a/..",
                         "file:///a\nb",
                         "s3://",
                         "s3:///prefix",
                         "s3://ab",
                         "s3://Upper-Case",
                         "s3://-bucket",
                         "s3://bucket-",
                         "s3://b..c",
                         "s3://under_score",
                         "s3://bucket/../x",
                         "s3://bucket//x",
                         "s3://bucket/a b",
                         "s3://bucket/.hidden",
                         "http://bucket",
                         "S3://bucket"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        sbw_lake_url_t u;
        char err[512] = "";
        ck_assert_msg(sbw_lake_url_parse(bad[i], &u, err, sizeof err) == SBW_LAKE_EINVAL,
                      "accepted %s", bad[i]);
        ck_assert_msg(strlen(err) > 0, "no message for %s", bad[i]);
    }
    sbw_lake_url_t u;
    char err[512];
    ck_assert_int_eq(sbw_lake_url_parse(NULL, &u, err, sizeof err), SBW_LAKE_EINVAL);
    ck_assert_int_eq(sbw_lake_url_parse("ftp://x", &u, err, sizeof err), SBW_LAKE_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "file:///absolute/folder, s3://bucket"));
}
END_TEST

/* ---- settings from the environment ---- */

START_TEST(env_defaults)
{
    const char *env[] = {NULL};
    sbw_lake_opts_t o;
    char err[256];
    ck_assert_int_eq(sbw_lake_opts_from_env(&o, lookup_pairs, env, err, sizeof err), 0);
    ck_assert_str_eq(o.s3.region, "us-east-1");
    ck_assert_str_eq(o.s3.endpoint, "");
    ck_assert_int_eq(o.s3.path_style, 0);
    ck_assert_str_eq(o.s3.access_key_id, "");
    ck_assert_int_eq(o.s3.max_attempts, 4);
    ck_assert_int_eq(o.s3.connect_timeout_ms, 5000);
    ck_assert_int_eq(o.s3.timeout_ms, 60000);
    ck_assert_int_eq(o.create, 0);

    char url[128];
    ck_assert_int_eq(sbw_lake_url_from_env(lookup_pairs, env, url, sizeof url, err, sizeof err), 0);
    ck_assert_str_eq(url, "");
}
END_TEST

START_TEST(env_values_and_fallbacks)
{
    const char *env[] = {"AWS_ACCESS_KEY_ID",
                         "AKIDEXAMPLE",
                         "AWS_SECRET_ACCESS_KEY",
                         "wJalrXUtnFEMI/K7MDENG",
                         "AWS_SESSION_TOKEN",
                         "FwoGZXIvYXdzEJr//////////wEaD",
                         "AWS_DEFAULT_REGION",
                         "eu-west-1",
                         "AWS_ENDPOINT_URL",
                         "http://127.0.0.1:9000/",
                         "AWS_MAX_ATTEMPTS",
                         "7",
                         "SBW_S3_TIMEOUT_MS",
                         "15000",
                         NULL};
    sbw_lake_opts_t o;
    char err[256];
    ck_assert_int_eq(sbw_lake_opts_from_env(&o, lookup_pairs, env, err, sizeof err), 0);
    ck_assert_str_eq(o.s3.access_key_id, "AKIDEXAMPLE");
    ck_assert_str_eq(o.s3.secret_access_key, "wJalrXUtnFEMI/K7MDENG");
    ck_assert_str_eq(o.s3.session_token, "FwoGZXIvYXdzEJr//////////wEaD");
    ck_assert_str_eq(o.s3.region, "eu-west-1");               /* AWS_DEFAULT_REGION fallback */
    ck_assert_str_eq(o.s3.endpoint, "http://127.0.0.1:9000"); /* trailing '/' dropped */
    ck_assert_int_eq(o.s3.path_style, 1);                     /* implied by the endpoint */
    ck_assert_int_eq(o.s3.max_attempts, 7);
    ck_assert_int_eq(o.s3.timeout_ms, 15000);

    /* The primary names win over the fallbacks; SBW_S3_PATH_STYLE overrides the implication. */
    const char *env2[] = {"AWS_REGION",
                          "ap-southeast-1",
                          "AWS_DEFAULT_REGION",
                          "eu-west-1",
                          "AWS_ENDPOINT_URL_S3",
                          "https://s3.example.com",
                          "AWS_ENDPOINT_URL",
                          "http://other:1",
                          "SBW_S3_PATH_STYLE",
                          "false",
                          NULL};
    ck_assert_int_eq(sbw_lake_opts_from_env(&o, lookup_pairs, env2, err, sizeof err), 0);
    ck_assert_str_eq(o.s3.region, "ap-southeast-1");
    ck_assert_str_eq(o.s3.endpoint, "https://s3.example.com");
    ck_assert_int_eq(o.s3.path_style, 0);

    const char *env3[] = {"SBW_S3_PATH_STYLE", "yes", NULL};
    ck_assert_int_eq(sbw_lake_opts_from_env(&o, lookup_pairs, env3, err, sizeof err), 0);
    ck_assert_int_eq(o.s3.path_style, 1);
    ck_assert_int_eq(o.no_direct, 0); /* O_DIRECT for big local objects unless told not to */

    const char *env4[] = {"SBW_LAKE_DIRECT", "0", NULL};
    ck_assert_int_eq(sbw_lake_opts_from_env(&o, lookup_pairs, env4, err, sizeof err), 0);
    ck_assert_int_eq(o.no_direct, 1);
    const char *env5[] = {"SBW_LAKE_DIRECT", "sometimes", NULL};
    ck_assert_int_eq(sbw_lake_opts_from_env(&o, lookup_pairs, env5, err, sizeof err),
                     SBW_LAKE_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "SBW_LAKE_DIRECT"));
}
END_TEST

START_TEST(env_bad_values_name_the_variable)
{
    sbw_lake_opts_t o;
    char err[512];
    const char *e1[] = {"AWS_MAX_ATTEMPTS", "0", NULL};
    ck_assert_int_eq(sbw_lake_opts_from_env(&o, lookup_pairs, e1, err, sizeof err),
                     SBW_LAKE_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "AWS_MAX_ATTEMPTS"));
    const char *e2[] = {"SBW_S3_PATH_STYLE", "maybe", NULL};
    ck_assert_int_eq(sbw_lake_opts_from_env(&o, lookup_pairs, e2, err, sizeof err),
                     SBW_LAKE_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "SBW_S3_PATH_STYLE"));
    const char *e3[] = {"AWS_ENDPOINT_URL_S3", "ftp://x", NULL};
    ck_assert_int_eq(sbw_lake_opts_from_env(&o, lookup_pairs, e3, err, sizeof err),
                     SBW_LAKE_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "AWS_ENDPOINT_URL_S3"));
    const char *e4[] = {"AWS_REGION", "EU West", NULL};
    ck_assert_int_eq(sbw_lake_opts_from_env(&o, lookup_pairs, e4, err, sizeof err),
                     SBW_LAKE_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "AWS_REGION"));
    char longkey[300];
    memset(longkey, 'K', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = '\0';
    const char *e5[] = {"AWS_ACCESS_KEY_ID", "AK", "AWS_SECRET_ACCESS_KEY", longkey, NULL};
    ck_assert_int_eq(sbw_lake_opts_from_env(&o, lookup_pairs, e5, err, sizeof err),
                     SBW_LAKE_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "AWS_SECRET_ACCESS_KEY"));
    ck_assert_ptr_null(strstr(err, "KKKK"));  /* the secret itself is not echoed */
    ck_assert_str_eq(o.s3.access_key_id, ""); /* nothing half-filled is left */
}
END_TEST

START_TEST(env_lake_url)
{
    char url[64], err[256];
    const char *e1[] = {"SBW_LAKE", "file:///srv/lake", "RAW_BUCKET_NAME", "b1", NULL};
    ck_assert_int_eq(sbw_lake_url_from_env(lookup_pairs, e1, url, sizeof url, err, sizeof err), 1);
    ck_assert_str_eq(url, "file:///srv/lake");
    const char *e2[] = {"RAW_BUCKET_NAME", "clickstream-raw", "RAW_BUCKET", "b2", NULL};
    ck_assert_int_eq(sbw_lake_url_from_env(lookup_pairs, e2, url, sizeof url, err, sizeof err), 1);
    ck_assert_str_eq(url, "s3://clickstream-raw");
    const char *e3[] = {"SBW_LAKE", "", "RAW_BUCKET", "workshop-bucket", NULL};
    ck_assert_int_eq(sbw_lake_url_from_env(lookup_pairs, e3, url, sizeof url, err, sizeof err), 1);
    ck_assert_str_eq(url, "s3://workshop-bucket");
    const char *e4[] = {"RAW_BUCKET", "a-very-long-bucket-name-that-does-not-fit-in-64-bytes-xx",
                        NULL};
    ck_assert_int_eq(sbw_lake_url_from_env(lookup_pairs, e4, url, 32, err, sizeof err),
                     SBW_LAKE_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "RAW_BUCKET"));
}
END_TEST

/* ---- S3 request building ---- */

static sbw_s3_opts_t local_opts(void)
{
    sbw_s3_opts_t o;
    sbw_s3_opts_init(&o);
    strcpy(o.endpoint, "http://127.0.0.1:4568");
    o.path_style = 1;
    return o;
}

START_TEST(s3_object_urls)
{
    char url[512];
    sbw_s3_opts_t o = local_opts();
    ck_assert_int_eq(
        sbw_s3_object_url(&o, "sbw-test", "events/2024/01/01/00/event-a.json", url, sizeof url), 0);
    ck_assert_str_eq(url, "http://127.0.0.1:4568/sbw-test/events/2024/01/01/00/event-a.json");
    ck_assert_int_eq(sbw_s3_object_url(&o, "sbw-test", "a b+c=d&e/f~g_h.i-j%", url, sizeof url), 0);
    ck_assert_str_eq(url, "http://127.0.0.1:4568/sbw-test/a%20b%2Bc%3Dd%26e/f~g_h.i-j%25");
    ck_assert_int_eq(sbw_s3_object_url(&o, "sbw-test", NULL, url, sizeof url), 0);
    ck_assert_str_eq(url, "http://127.0.0.1:4568/sbw-test");

    /* AWS, virtual-hosted */
    sbw_s3_opts_t a;
    sbw_s3_opts_init(&a);
    strcpy(a.region, "eu-west-1");
    ck_assert_int_eq(sbw_s3_object_url(&a, "my-bucket", "raw/k.json", url, sizeof url), 0);
    ck_assert_str_eq(url, "https://my-bucket.s3.eu-west-1.amazonaws.com/raw/k.json");
    ck_assert_int_eq(sbw_s3_object_url(&a, "my-bucket", "", url, sizeof url), 0);
    ck_assert_str_eq(url, "https://my-bucket.s3.eu-west-1.amazonaws.com/");
    /* AWS, path-style; and a dotted bucket is always path-style */
    a.path_style = 1;
    ck_assert_int_eq(sbw_s3_object_url(&a, "my-bucket", "k", url, sizeof url), 0);
    ck_assert_str_eq(url, "https://s3.eu-west-1.amazonaws.com/my-bucket/k");
    a.path_style = 0;
    ck_assert_int_eq(sbw_s3_object_url(&a, "my.bucket", "k", url, sizeof url), 0);
    ck_assert_str_eq(url, "https://s3.eu-west-1.amazonaws.com/my.bucket/k");
    /* a custom endpoint, virtual-hosted */
    sbw_s3_opts_t v;
    sbw_s3_opts_init(&v);
    strcpy(v.endpoint, "https://storage.example.com:9443/");
    char err[256];
    ck_assert_int_eq(sbw_s3_opts_check(&v, err, sizeof err), 0);
    ck_assert_str_eq(v.endpoint, "https://storage.example.com:9443");
    ck_assert_int_eq(sbw_s3_object_url(&v, "lake", "a/b", url, sizeof url), 0);
    ck_assert_str_eq(url, "https://lake.storage.example.com:9443/a/b");
    /* a buffer too small fails instead of truncating */
    ck_assert_int_eq(sbw_s3_object_url(&o, "sbw-test", "events/x", url, 30), -1);
}
END_TEST

START_TEST(s3_list_urls_and_query_escaping)
{
    char url[1024];
    sbw_s3_opts_t o = local_opts();
    ck_assert_int_eq(sbw_s3_list_url(&o, "sbw-test", NULL, NULL, NULL, url, sizeof url), 0);
    ck_assert_str_eq(url, "http://127.0.0.1:4568/sbw-test?list-type=2");
    ck_assert_int_eq(sbw_s3_list_url(&o, "sbw-test", "events/2024/01/", "", NULL, url, sizeof url),
                     0);
    ck_assert_str_eq(url,
                     "http://127.0.0.1:4568/sbw-test?list-type=2&prefix=events%2F2024%2F01%2F");
    ck_assert_int_eq(sbw_s3_list_url(&o, "sbw-test", "events/", "events/2024/01/01/00/e-1.json",
                                     NULL, url, sizeof url),
                     0);
    ck_assert_str_eq(url, "http://127.0.0.1:4568/sbw-test?list-type=2&prefix=events%2F"
                          "&start-after=events%2F2024%2F01%2F01%2F00%2Fe-1.json");
    /* With a token: sorted first, fully escaped, and start-after is dropped. */
    ck_assert_int_eq(sbw_s3_list_url(&o, "sbw-test", "events/", "x",
                                     "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=+a", url,
                                     sizeof url),
                     0);
    ck_assert_str_eq(url, "http://127.0.0.1:4568/sbw-test?continuation-token="
                          "1ueGcxLPRx1Tr%2FXYExHnhbYLgveDs2J%2Fwm36Hy4vbOwM%3D%2Ba"
                          "&list-type=2&prefix=events%2F");
    sbw_s3_opts_t a;
    sbw_s3_opts_init(&a);
    ck_assert_int_eq(sbw_s3_list_url(&a, "raw-bucket", "p&q", NULL, "t", url, sizeof url), 0);
    ck_assert_str_eq(url, "https://raw-bucket.s3.us-east-1.amazonaws.com/?continuation-token=t"
                          "&list-type=2&prefix=p%26q");
    ck_assert_int_eq(sbw_s3_list_url(&o, "sbw-test", "events/", NULL, NULL, url, 50), -1);

    char enc[32];
    ck_assert_int_eq(sbw_s3_uri_encode("caf\xc3\xa9 ~/", 0, enc, sizeof enc), 0);
    ck_assert_str_eq(enc, "caf%C3%A9%20~%2F");
    ck_assert_int_eq(sbw_s3_uri_encode("a/b", 1, enc, sizeof enc), 0);
    ck_assert_str_eq(enc, "a/b");
    ck_assert_int_eq(sbw_s3_uri_encode("abc", 0, enc, 3), -1);
    ck_assert_int_eq(sbw_s3_uri_encode("abc", 0, enc, 4), 0);
}
END_TEST

START_TEST(s3_options_and_bucket_names)
{
    char err[256];
    sbw_s3_opts_t o;
    sbw_s3_opts_init(&o);
    ck_assert_int_eq(sbw_s3_opts_check(&o, err, sizeof err), 0);
    strcpy(o.endpoint, "http://");
    ck_assert_int_eq(sbw_s3_opts_check(&o, err, sizeof err), SBW_S3_EINVAL);
    strcpy(o.endpoint, "http://user:pw@host");
    ck_assert_int_eq(sbw_s3_opts_check(&o, err, sizeof err), SBW_S3_EINVAL);
    strcpy(o.endpoint, "http://host?x=1");
    ck_assert_int_eq(sbw_s3_opts_check(&o, err, sizeof err), SBW_S3_EINVAL);
    strcpy(o.endpoint, "host:9000");
    ck_assert_int_eq(sbw_s3_opts_check(&o, err, sizeof err), SBW_S3_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "http://"));
    sbw_s3_opts_init(&o);
    o.max_attempts = 0;
    ck_assert_int_eq(sbw_s3_opts_check(&o, err, sizeof err), SBW_S3_EINVAL);
    sbw_s3_opts_init(&o);
    o.timeout_ms = 0;
    ck_assert_int_eq(sbw_s3_opts_check(&o, err, sizeof err), SBW_S3_EINVAL);

    ck_assert_int_eq(sbw_s3_bucket_valid("abc"), 1);
    ck_assert_int_eq(sbw_s3_bucket_valid("clickstream-s3-ingest"), 1);
    ck_assert_int_eq(sbw_s3_bucket_valid("a.b-c.d1"), 1);
    ck_assert_int_eq(sbw_s3_bucket_valid("ab"), 0);
    ck_assert_int_eq(sbw_s3_bucket_valid(NULL), 0);
    ck_assert_int_eq(sbw_s3_bucket_valid("Abc"), 0);
    ck_assert_int_eq(sbw_s3_bucket_valid("abc."), 0);
    ck_assert_int_eq(sbw_s3_bucket_valid("a..b"), 0);
    char b64[65];
    memset(b64, 'a', 64);
    b64[64] = '\0';
    ck_assert_int_eq(sbw_s3_bucket_valid(b64), 0);
    b64[63] = '\0';
    ck_assert_int_eq(sbw_s3_bucket_valid(b64), 1);
}
END_TEST

static const char *slist_get(struct curl_slist *l, size_t i)
{
    for (; l && i > 0; i--)
        l = l->next;
    return l ? l->data : NULL;
}

START_TEST(s3_headers_and_sha256)
{
    char hex[65];
    ck_assert_int_eq(sbw_s3_sha256_hex("", 0, hex), 0);
    ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    ck_assert_int_eq(sbw_s3_sha256_hex(NULL, 0, hex), 0);
    ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    ck_assert_int_eq(sbw_s3_sha256_hex("abc", 3, hex), 0);
    ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

    sbw_s3_opts_t o;
    sbw_s3_opts_init(&o);
    struct curl_slist *h = NULL;
    ck_assert_int_eq(sbw_s3_headers(&o, hex, NULL, &h), 0);
    ck_assert_str_eq(slist_get(h, 0),
                     "x-amz-content-sha256: "
                     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    ck_assert_ptr_null(slist_get(h, 1));
    curl_slist_free_all(h);

    strcpy(o.session_token, "TOKEN/with+chars=");
    ck_assert_int_eq(sbw_s3_headers(&o, hex, "application/json", &h), 0);
    ck_assert_str_eq(slist_get(h, 1), "X-Amz-Security-Token: TOKEN/with+chars=");
    ck_assert_str_eq(slist_get(h, 2), "Content-Type: application/json");
    ck_assert_ptr_null(slist_get(h, 3));
    curl_slist_free_all(h);
}
END_TEST

/* ---- S3 XML ---- */

static const char *PAGE_TRUNCATED =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
    "<Name>clickstream-raw</Name><Prefix>events/</Prefix><KeyCount>2</KeyCount>"
    "<MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated>"
    "<Contents><Key>events/2024/01/01/00/event-a.json</Key>"
    "<LastModified>2024-01-01T00:00:01.250Z</LastModified>"
    "<ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag><Size>812</Size>"
    "<StorageClass>STANDARD</StorageClass></Contents>\n"
    "<Contents><Key>events/2024/01/01/00/event-b&amp;c&lt;d&gt;.json</Key>"
    "<LastModified>2024-01-01T00:59:59.000Z</LastModified>"
    "<ETag>\"abc-2\"</ETag><Size>0</Size><Owner><ID>x</ID><DisplayName>y</DisplayName></Owner>"
    "</Contents>"
    "<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>"
    "<ContinuationToken>prev+token=</ContinuationToken>"
    "</ListBucketResult>";

START_TEST(s3_list_parse_truncated_page)
{
    sbw_s3_list_page_t page;
    char err[256];
    ck_assert_int_eq(
        sbw_s3_list_parse(PAGE_TRUNCATED, strlen(PAGE_TRUNCATED), &page, err, sizeof err), 0);
    ck_assert_uint_eq(page.n, 2);
    ck_assert_int_eq(page.is_truncated, 1);
    ck_assert_str_eq(page.next_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
    ck_assert_str_eq(page.objects[0].key, "events/2024/01/01/00/event-a.json");
    ck_assert_int_eq(page.objects[0].size, 812);
    ck_assert_str_eq(page.objects[0].etag, "9b2cf535f27731c974343645a3985328");
    ck_assert_int_eq(page.objects[0].last_modified_ms, 1704067201250LL);
    ck_assert_str_eq(page.objects[1].key, "events/2024/01/01/00/event-b&c<d>.json");
    ck_assert_int_eq(page.objects[1].size, 0);
    ck_assert_str_eq(page.objects[1].etag, "abc-2");
    ck_assert_int_eq(page.objects[1].last_modified_ms, 1704070799000LL);
    sbw_s3_list_page_cleanup(&page);
    sbw_s3_list_page_cleanup(&page); /* twice is harmless */

    /* Split across expat's buffers does not matter: text arrives in pieces with entities. */
    const char *pieces = "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>a"
                         "&#x2F;b&#47;c&apos;d</Key><Size>5</Size></Contents></ListBucketResult>";
    ck_assert_int_eq(sbw_s3_list_parse(pieces, strlen(pieces), &page, err, sizeof err), 0);
    ck_assert_uint_eq(page.n, 1);
    ck_assert_str_eq(page.objects[0].key, "a/b/c'd");
    ck_assert_str_eq(page.objects[0].etag, "");
    ck_assert_int_eq(page.objects[0].last_modified_ms, 0);
    ck_assert_int_eq(page.is_truncated, 0);
    ck_assert_ptr_null(page.next_token);
    sbw_s3_list_page_cleanup(&page);
}
END_TEST

START_TEST(s3_list_parse_empty_and_bad)
{
    sbw_s3_list_page_t page;
    char err[256];
    const char *empty = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                        "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                        "<Name>b</Name><Prefix>events/2030/</Prefix><KeyCount>0</KeyCount>"
                        "<MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>"
                        "</ListBucketResult>";
    ck_assert_int_eq(sbw_s3_list_parse(empty, strlen(empty), &page, err, sizeof err), 0);
    ck_assert_uint_eq(page.n, 0);
    ck_assert_int_eq(page.is_truncated, 0);
    ck_assert_ptr_null(page.next_token);
    sbw_s3_list_page_cleanup(&page);

    struct {
        const char *xml, *msg;
    } bad[] = {
        {"", "bad listing XML"},
        {"<ListBucketResult><Contents><Key>a</Key>", "bad listing XML"},
        {"<Error><Code>AccessDenied</Code></Error>", "not ListBucketResult"},
        {"<ListBucketResult><Contents><Size>1</Size></Contents></ListBucketResult>", "no Key"},
        {"<ListBucketResult><Contents><Key>a</Key><Size>-1</Size></Contents></ListBucketResult>",
         "Size"},
        {"<ListBucketResult><Contents><Key>a</Key><Size>1x</Size></Contents></ListBucketResult>",
         "Size"},
        {"<!DOCTYPE x [<!ENTITY a \"b\">]><ListBucketResult></ListBucketResult>", "DOCTYPE"},
        {"<ListBucketResult><Contents><Key>a&bogus;</Key></Contents></ListBucketResult>",
         "bad listing XML"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = '\0';
        ck_assert_msg(sbw_s3_list_parse(bad[i].xml, strlen(bad[i].xml), &page, err, sizeof err) ==
                          SBW_S3_EFAIL,
                      "accepted bad listing #%zu", i);
        ck_assert_msg(strstr(err, bad[i].msg) != NULL, "#%zu: '%s' lacks '%s'", i, err, bad[i].msg);
        ck_assert_uint_eq(page.n, 0);
        ck_assert_ptr_null(page.objects);
    }

    /* A key beyond the limit is refused, not truncated. */
    size_t kl = SBW_S3_KEY_MAX + 1;
    char *big = malloc(kl + 128);
    ck_assert_ptr_nonnull(big);
    strcpy(big, "<ListBucketResult><Contents><Key>");
    size_t o = strlen(big);
    memset(big + o, 'k', kl);
    strcpy(big + o + kl, "</Key></Contents></ListBucketResult>");
    ck_assert_int_eq(sbw_s3_list_parse(big, strlen(big), &page, err, sizeof err), SBW_S3_EFAIL);
    ck_assert_ptr_nonnull(strstr(err, "longer"));
    free(big);
}
END_TEST

START_TEST(s3_error_parse)
{
    sbw_s3_error_t e;
    const char *x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code>"
                    "<Message>The specified key does not exist.</Message>"
                    "<Key>events/x.json</Key><RequestId>4442587FB7D0A2F9</RequestId></Error>";
    ck_assert_int_eq(sbw_s3_error_parse(x, strlen(x), &e), 0);
    ck_assert_str_eq(e.code, "NoSuchKey");
    ck_assert_str_eq(e.message, "The specified key does not exist.");
    ck_assert_str_eq(e.request_id, "4442587FB7D0A2F9");

    const char *y = "<Error><Code>SlowDown</Code><Message>Please reduce your request rate &amp; "
                    "retry.</Message></Error>";
    ck_assert_int_eq(sbw_s3_error_parse(y, strlen(y), &e), 0);
    ck_assert_str_eq(e.code, "SlowDown");
    ck_assert_str_eq(e.message, "Please reduce your request rate & retry.");
    ck_assert_str_eq(e.request_id, "");

    ck_assert_int_eq(sbw_s3_error_parse("", 0, &e), -1);
    ck_assert_int_eq(sbw_s3_error_parse(NULL, 0, &e), -1);
    ck_assert_str_eq(e.code, "");
    const char *html = "<html><body>502 Bad Gateway</body></html>";
    ck_assert_int_eq(sbw_s3_error_parse(html, strlen(html), &e), -1);
    const char *notxml = "upstream connect error";
    ck_assert_int_eq(sbw_s3_error_parse(notxml, strlen(notxml), &e), -1);

    /* A long message is truncated to the field, not overflowed. */
    char big[2048];
    int n = snprintf(big, sizeof big, "<Error><Code>X</Code><Message>");
    memset(big + n, 'm', 1500);
    strcpy(big + n + 1500, "</Message></Error>");
    ck_assert_int_eq(sbw_s3_error_parse(big, strlen(big), &e), 0);
    ck_assert_uint_eq(strlen(e.message), sizeof e.message - 1);
}
END_TEST

START_TEST(s3_time_parse)
{
    int64_t ms;
    ck_assert_int_eq(sbw_s3_parse_time_ms("2024-01-31T23:59:59.123Z", &ms), 0);
    ck_assert_int_eq(ms, 1706745599123LL);
    ck_assert_int_eq(sbw_s3_parse_time_ms("2024-01-31T23:59:59Z", &ms), 0);
    ck_assert_int_eq(ms, 1706745599000LL);
    ck_assert_int_eq(sbw_s3_parse_time_ms("2024-01-31T23:59:59.5+00:00", &ms), 0);
    ck_assert_int_eq(ms, 1706745599500LL);
    ck_assert_int_eq(sbw_s3_parse_time_ms("2024-01-31T23:59:59.123456789Z", &ms), 0);
    ck_assert_int_eq(ms, 1706745599123LL);
    ck_assert_int_eq(sbw_s3_parse_time_ms("1970-01-01T00:00:00.000Z", &ms), 0);
    ck_assert_int_eq(ms, 0);
    const char *bad[] = {"",
                         "2024-01-31",
                         "2024-01-31T23:59:59",
                         "2024-01-31 23:59:59Z",
                         "2024-13-01T00:00:00Z",
                         "2024-01-31T24:00:00Z",
                         "2024-01-31T23:59:59.Z",
                         "2024-01-31T23:59:59+01:00",
                         "x024-01-31T23:59:59Z"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        ck_assert_msg(sbw_s3_parse_time_ms(bad[i], &ms) == -1, "accepted %s", bad[i]);
    ck_assert_int_eq(sbw_s3_parse_time_ms(NULL, &ms), -1);
}
END_TEST

START_TEST(s3_retry_policy)
{
    ck_assert_int_eq(sbw_s3_status_retryable(500, ""), 1);
    ck_assert_int_eq(sbw_s3_status_retryable(503, "SlowDown"), 1);
    ck_assert_int_eq(sbw_s3_status_retryable(502, NULL), 1);
    ck_assert_int_eq(sbw_s3_status_retryable(429, ""), 1);
    ck_assert_int_eq(sbw_s3_status_retryable(400, "RequestTimeout"), 1);
    ck_assert_int_eq(sbw_s3_status_retryable(400, "SlowDown"), 1);
    ck_assert_int_eq(sbw_s3_status_retryable(400, "InvalidArgument"), 0);
    ck_assert_int_eq(sbw_s3_status_retryable(403, "AccessDenied"), 0);
    ck_assert_int_eq(sbw_s3_status_retryable(403, "SignatureDoesNotMatch"), 0);
    ck_assert_int_eq(sbw_s3_status_retryable(404, "NoSuchKey"), 0);
    ck_assert_int_eq(sbw_s3_status_retryable(301, "PermanentRedirect"), 0);

    sbw_s3_opts_t o;
    sbw_s3_opts_init(&o); /* base 200, max 5000 */
    ck_assert_int_eq(sbw_s3_backoff_ms(&o, 1, 0), 100);
    ck_assert_int_eq(sbw_s3_backoff_ms(&o, 1, 100), 200);
    ck_assert_int_eq(sbw_s3_backoff_ms(&o, 2, 0), 200);
    ck_assert_int_eq(sbw_s3_backoff_ms(&o, 3, 0), 400);
    ck_assert_int_eq(sbw_s3_backoff_ms(&o, 30, 0), 2500);
    ck_assert_int_eq(sbw_s3_backoff_ms(&o, 30, 2500), 5000);
    for (uint32_t r = 0; r < 100000; r += 7919) {
        for (int retry = 1; retry < 10; retry++) {
            long cap = 200L << (retry - 1);
            if (cap > 5000)
                cap = 5000;
            long w = sbw_s3_backoff_ms(&o, retry, r * 2654435761u);
            ck_assert_int_ge(w, cap / 2);
            ck_assert_int_le(w, cap);
        }
    }
    o.backoff_base_ms = 0;
    o.backoff_max_ms = 0;
    ck_assert_int_eq(sbw_s3_backoff_ms(&o, 3, 12345), 0);
}
END_TEST

/* ---- opening without I/O: S3 handles send nothing until used ---- */

START_TEST(open_s3_describe_has_no_secrets)
{
    sbw_lake_opts_t o;
    sbw_lake_t *lake = NULL;
    char err[256];
    sbw_lake_opts_init(&o);
    ck_assert_int_eq(sbw_lake_open("s3://clickstream-raw/raw", &o, &lake, err, sizeof err),
                     SBW_LAKE_EINVAL);
    ck_assert_ptr_null(lake);
    ck_assert_ptr_nonnull(strstr(err, "AWS_ACCESS_KEY_ID"));

    strcpy(o.s3.access_key_id, "AKIDSECRETISH");
    strcpy(o.s3.secret_access_key, "very-secret-value");
    strcpy(o.s3.session_token, "session-token-value");
    strcpy(o.s3.region, "eu-central-1");
    ck_assert_int_eq(sbw_lake_open("s3://clickstream-raw/raw", &o, &lake, err, sizeof err), 0);
    const char *d = sbw_lake_describe(lake);
    ck_assert_str_eq(d, "s3://clickstream-raw/raw/ (region eu-central-1, AWS, virtual-hosted)");
    ck_assert_ptr_null(strstr(d, "very-secret"));
    ck_assert_ptr_null(strstr(d, "AKID"));
    ck_assert_ptr_null(strstr(d, "session-token"));

    /* Keys are validated before anything is sent. */
    char *data = (char *)1;
    size_t len = 1;
    ck_assert_int_eq(sbw_lake_get(lake, "../etc/passwd", 10, &data, &len, err, sizeof err),
                     SBW_LAKE_EINVAL);
    ck_assert_ptr_null(data);
    ck_assert_int_eq(sbw_lake_put(lake, "/abs", "x", 1, err, sizeof err), SBW_LAKE_EINVAL);
    ck_assert_int_eq(sbw_lake_list(lake, "/x", NULL, NULL, NULL, err, sizeof err), SBW_LAKE_EINVAL);
    sbw_lake_free(lake);
    sbw_lake_free(NULL);
    ck_assert_str_eq(sbw_lake_describe(NULL), "(no lake)");

    strcpy(o.s3.endpoint, "http://127.0.0.1:9000");
    o.s3.path_style = 1;
    ck_assert_int_eq(sbw_lake_open("s3://sbw-test", &o, &lake, err, sizeof err), 0);
    ck_assert_str_eq(sbw_lake_describe(lake),
                     "s3://sbw-test/ (region eu-central-1, endpoint http://127.0.0.1:9000, "
                     "path-style)");
    sbw_lake_free(lake);

    ck_assert_int_eq(sbw_lake_open("nope://x", &o, &lake, err, sizeof err), SBW_LAKE_EINVAL);
    ck_assert_ptr_null(lake);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("lake");
    TCase *keys = tcase_create("lake_keys");
    tcase_add_test(keys, key_at_hour_day_month_year_boundaries);
    tcase_add_test(keys, key_rejects_bad_ids_and_small_buffers);
    tcase_add_test(keys, key_check_rules);
    suite_add_tcase(s, keys);
    TCase *urls = tcase_create("lake_urls");
    tcase_add_test(urls, url_parse_good);
    tcase_add_test(urls, url_parse_bad);
    tcase_add_test(urls, open_s3_describe_has_no_secrets);
    suite_add_tcase(s, urls);
    TCase *env = tcase_create("lake_env");
    tcase_add_test(env, env_defaults);
    tcase_add_test(env, env_values_and_fallbacks);
    tcase_add_test(env, env_bad_values_name_the_variable);
    tcase_add_test(env, env_lake_url);
    suite_add_tcase(s, env);
    TCase *req = tcase_create("lake_s3_requests");
    tcase_add_test(req, s3_object_urls);
    tcase_add_test(req, s3_list_urls_and_query_escaping);
    tcase_add_test(req, s3_options_and_bucket_names);
    tcase_add_test(req, s3_headers_and_sha256);
    tcase_add_test(req, s3_retry_policy);
    suite_add_tcase(s, req);
    TCase *xml = tcase_create("lake_s3_xml");
    tcase_add_test(xml, s3_list_parse_truncated_page);
    tcase_add_test(xml, s3_list_parse_empty_and_bad);
    tcase_add_test(xml, s3_error_parse);
    tcase_add_test(xml, s3_time_parse);
    suite_add_tcase(s, xml);
    return s;
}

int main(void)
{
    return sbw_test_run(suite());
}
