/* Unit tests of sbw-server's pure parts: query parameters, tables as JSON and CSV, the token
 * comparison. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sbw_server_api.h"
#include "sbw_server_params.h"
#include "sbw_server_table.h"
#include "sbw_test.h"

#define ALL 0xffffffffu

static void expect_error(const char *query, unsigned allowed, const char *prefix)
{
    sbw_params_t p;
    char err[256] = "";
    ck_assert_msg(sbw_params_parse(query, allowed, &p, err, sizeof err) == -1, "%s accepted", query);
    ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0, "%s: '%s' does not start with '%s'",
                  query, err, prefix);
}

START_TEST(parses_and_decodes)
{
    sbw_params_t p;
    char err[256];
    ck_assert_int_eq(sbw_params_parse("from=2026-01-10&to=2026-01-11&tz=Asia%2FHo_Chi_Minh"
                                      "&login_state=guest&limit=5&offset=10&format=csv"
                                      "&steps=page_view,add_to_cart_click&category=a+b",
                                      ALL, &p, err, sizeof err),
                     0);
    ck_assert_str_eq(p.from, "2026-01-10");
    ck_assert_str_eq(p.to, "2026-01-11");
    ck_assert_str_eq(p.tz, "Asia/Ho_Chi_Minh");
    ck_assert_str_eq(p.login_state, "guest");
    ck_assert_int_eq(p.limit, 5);
    ck_assert_int_eq(p.offset, 10);
    ck_assert_int_eq(p.csv, 1);
    ck_assert_int_eq(p.nsteps, 2);
    ck_assert_str_eq(p.steps[1], "add_to_cart_click");
    ck_assert_str_eq(p.category, "a b");
    /* Defaults. */
    ck_assert_int_eq(sbw_params_parse(NULL, ALL, &p, err, sizeof err), 0);
    ck_assert_str_eq(p.tz, "UTC");
    ck_assert_str_eq(p.login_state, "all");
    ck_assert_int_eq(p.limit, -1);
    ck_assert_str_eq(p.interval, "day");
}
END_TEST

START_TEST(rejects_naming_the_parameter)
{
    expect_error("nope=1", ALL, "nope: unknown parameter");
    expect_error("limit=5", SBW_P_RANGE, "limit: unknown parameter");
    expect_error("from=2026-13-01", ALL, "from:");
    expect_error("from=2025-02-29", ALL, "from:");
    expect_error("to=2026-1-1", ALL, "to:");
    expect_error("from=2026-01-02&to=2026-01-01", ALL, "from:");
    expect_error("from=2025-01-01&to=2026-01-02", ALL, "to:"); /* 367 days; 366 is the limit */
    expect_error("tz=Europe/Paris'", ALL, "tz:");
    expect_error("tz=", ALL, "tz:");
    expect_error("login_state=ALL", ALL, "login_state:");
    expect_error("limit=1001", ALL, "limit:");
    expect_error("limit=1x", ALL, "limit:");
    expect_error("offset=-3", ALL, "offset:");
    expect_error("format=xml", ALL, "format:");
    expect_error("steps=a", ALL, "steps:");
    expect_error("steps=a,,b", ALL, "steps:");
    expect_error("steps=a,b,a", ALL, "steps:");
    expect_error("steps=1,2,3,4,5,6,7,8,9", ALL, "steps:");
    expect_error("steps=a,b%20c", ALL, "steps:");
    expect_error("by=Drop%20table", ALL, "by:");
    expect_error("from=2026-01-01&from=2026-01-02", ALL, "from: given twice");
    expect_error("from", ALL, "from: missing value");
    expect_error("from=%zz", ALL, "from: malformed");
    expect_error("category=%0a", ALL, "category: malformed");
    expect_error("product_only=yes", ALL, "product_only:");
    sbw_params_t p;
    char err[256];
    ck_assert_int_eq(sbw_params_parse("from=2025-01-02&to=2026-01-02", ALL, &p, err, sizeof err), 0);
}
END_TEST

START_TEST(resolves_default_dates)
{
    sbw_params_t p;
    char err[256];
    ck_assert_int_eq(sbw_params_parse("", ALL, &p, err, sizeof err), 0);
    ck_assert_int_eq(sbw_params_resolve_dates(&p, "2026-03-02", err, sizeof err), 0);
    ck_assert_str_eq(p.from, "2026-02-24");
    ck_assert_str_eq(p.to, "2026-03-02");
    ck_assert_int_eq(sbw_params_parse("to=2024-03-01", ALL, &p, err, sizeof err), 0);
    ck_assert_int_eq(sbw_params_resolve_dates(&p, "2026-03-02", err, sizeof err), 0);
    ck_assert_str_eq(p.from, "2024-02-24");
    ck_assert_int_eq(sbw_params_parse("from=2026-03-01", ALL, &p, err, sizeof err), 0);
    ck_assert_int_eq(sbw_params_resolve_dates(&p, "2026-03-02", err, sizeof err), 0);
    ck_assert_str_eq(p.to, "2026-03-02");
    ck_assert_int_eq(sbw_params_parse("from=2020-03-01", ALL, &p, err, sizeof err), 0);
    ck_assert_int_eq(sbw_params_resolve_dates(&p, "2026-03-02", err, sizeof err), -1);
    ck_assert_str_eq(err, "to: the range 2020-03-01 .. 2026-03-02 is longer than 366 days");
    ck_assert_int_eq(sbw_params_days_between("2024-02-28", "2024-03-01"), 2);
    char out[11];
    sbw_params_add_days("2024-12-31", 1, out);
    ck_assert_str_eq(out, "2025-01-01");
    /* Canonical keys differ when any value differs, match when equal. */
    char a[512], b[512];
    sbw_params_t q;
    ck_assert_int_eq(sbw_params_parse("limit=5&from=2026-01-01", ALL, &p, err, sizeof err), 0);
    ck_assert_int_eq(sbw_params_parse("from=2026-01-01&limit=5", ALL, &q, err, sizeof err), 0);
    ck_assert_int_gt(sbw_params_canonical(&p, "/x", a, sizeof a), 0);
    ck_assert_int_gt(sbw_params_canonical(&q, "/x", b, sizeof b), 0);
    ck_assert_str_eq(a, b);
    ck_assert_int_gt(sbw_params_canonical(&q, "/y", b, sizeof b), 0);
    ck_assert_str_ne(a, b);
}
END_TEST

START_TEST(tables_render_json_and_csv)
{
    sbw_table_t t;
    sbw_table_init(&t);
    ck_assert_int_eq(sbw_table_col(&t, "name", SBW_T_STRING), 0);
    ck_assert_int_eq(sbw_table_col(&t, "n", SBW_T_INTEGER), 0);
    ck_assert_int_eq(sbw_table_col(&t, "rate", SBW_T_NUMBER), 0);
    ck_assert_int_eq(sbw_table_col(&t, "ok", SBW_T_BOOLEAN), 0);
    const char *r1[] = {"a \"quoted\", value\n", "3", "NaN", "t"};
    const char *r2[] = {NULL, "-1", "2.50", "f"};
    ck_assert_int_eq(sbw_table_row(&t, r1), 0);
    ck_assert_int_eq(sbw_table_row(&t, r2), 0);
    size_t len;
    char *j = sbw_table_json(&t, "\"generation\":7", &len);
    ck_assert_str_eq(j, "{\"columns\":[\"name\",\"n\",\"rate\",\"ok\"],"
                        "\"types\":[\"string\",\"integer\",\"number\",\"boolean\"],"
                        "\"rows\":[[\"a \\\"quoted\\\", value\\n\",3,null,true],"
                        "[null,-1,2.50,false]],\"generation\":7}\n");
    ck_assert_uint_eq(len, strlen(j));
    free(j);
    char *c = sbw_table_csv(&t, &len);
    ck_assert_str_eq(c, "name,n,rate,ok\r\n\"a \"\"quoted\"\", value\n\",3,NaN,true\r\n,-1,2.50,false\r\n");
    free(c);
    int keep[] = {1, 0};
    ck_assert_int_eq(sbw_table_project(&t, keep, 2), 0);
    t.total = 2;
    j = sbw_table_json(&t, NULL, NULL);
    ck_assert_str_eq(j, "{\"columns\":[\"n\",\"name\"],\"types\":[\"integer\",\"string\"],"
                        "\"rows\":[[3,\"a \\\"quoted\\\", value\\n\"],[-1,null]],\"total\":2}\n");
    free(j);
    sbw_table_cleanup(&t);
    sbw_table_cleanup(&t); /* idempotent */
}
END_TEST

START_TEST(token_comparison)
{
    ck_assert_int_eq(sbw_api_token_equal("secret-token", "secret-token"), 1);
    ck_assert_int_eq(sbw_api_token_equal("secret-tokem", "secret-token"), 0);
    ck_assert_int_eq(sbw_api_token_equal("secret", "secret-token"), 0);
    ck_assert_int_eq(sbw_api_token_equal("secret-token-longer", "secret-token"), 0);
    ck_assert_int_eq(sbw_api_token_equal("", "secret-token"), 0);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("server_params");
    TCase *tc = tcase_create("params");
    tcase_add_test(tc, parses_and_decodes);
    tcase_add_test(tc, rejects_naming_the_parameter);
    tcase_add_test(tc, resolves_default_dates);
    suite_add_tcase(s, tc);
    tc = tcase_create("render");
    tcase_add_test(tc, tables_render_json_and_csv);
    tcase_add_test(tc, token_comparison);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return sbw_test_run(suite());
}
