/* Unit tests of sbw_config (settings table) and sbw_pg's pure parts. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sbw_config.h"
#include "sbw_pg.h"
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

static const sbw_cfg_var_t vars[] = {
    {"APP_HOST", "OLD_HOST", SBW_CFG_STR, "127.0.0.1", 0, 0, 0, "host"},
    {"APP_PORT", NULL, SBW_CFG_INT, "8080", 1, 65535, 0, "port"},
    {"APP_DEBUG", NULL, SBW_CFG_BOOL, "false", 0, 0, 0, "debug"},
    {"APP_TOKEN", NULL, SBW_CFG_STR, NULL, 0, 0, 1, "token"},
};
#define NV (sizeof vars / sizeof *vars)

START_TEST(defaults_apply_when_unset)
{
    const char *env[] = {NULL};
    sbw_cfg_t cfg;
    char err[256] = "";
    ck_assert_int_eq(sbw_cfg_load(vars, NV, lookup_pairs, env, &cfg, err, sizeof err), 0);
    ck_assert_str_eq(sbw_cfg_str(&cfg, "APP_HOST"), "127.0.0.1");
    ck_assert_int_eq(sbw_cfg_int(&cfg, "APP_PORT"), 8080);
    ck_assert_int_eq(sbw_cfg_bool(&cfg, "APP_DEBUG"), 0);
    ck_assert_ptr_null(sbw_cfg_str(&cfg, "APP_TOKEN"));
    sbw_cfg_cleanup(&cfg);
}
END_TEST

START_TEST(values_and_aliases)
{
    const char *env[] = {"OLD_HOST", "db.internal", "APP_PORT", "5433", "APP_DEBUG", "yes",
                         "APP_TOKEN", "s3cret", NULL};
    sbw_cfg_t cfg;
    char err[256] = "";
    ck_assert_int_eq(sbw_cfg_load(vars, NV, lookup_pairs, env, &cfg, err, sizeof err), 0);
    ck_assert_str_eq(sbw_cfg_str(&cfg, "APP_HOST"), "db.internal");
    ck_assert_int_eq(sbw_cfg_int(&cfg, "APP_PORT"), 5433);
    ck_assert_int_eq(sbw_cfg_bool(&cfg, "APP_DEBUG"), 1);
    ck_assert_str_eq(sbw_cfg_str(&cfg, "APP_TOKEN"), "s3cret");
    sbw_cfg_cleanup(&cfg);
    sbw_cfg_cleanup(&cfg); /* a second cleanup is harmless */
}
END_TEST

START_TEST(primary_name_beats_alias_and_empty_is_unset)
{
    const char *env[] = {"APP_HOST", "new", "OLD_HOST", "old", "APP_TOKEN", "", NULL};
    sbw_cfg_t cfg;
    char err[256] = "";
    ck_assert_int_eq(sbw_cfg_load(vars, NV, lookup_pairs, env, &cfg, err, sizeof err), 0);
    ck_assert_str_eq(sbw_cfg_str(&cfg, "APP_HOST"), "new");
    ck_assert_ptr_null(sbw_cfg_str(&cfg, "APP_TOKEN"));
    sbw_cfg_cleanup(&cfg);
}
END_TEST

START_TEST(bad_values_name_the_variable)
{
    struct {
        const char *name, *value, *expect;
    } cases[] = {
        {"APP_PORT", "80x", "APP_PORT: '80x' is not a whole number"},
        {"APP_PORT", "0", "APP_PORT: 0 is outside 1..65535"},
        {"APP_PORT", "99999999999999999999", "APP_PORT: '99999999999999999999' is not a whole number"},
        {"APP_DEBUG", "maybe", "APP_DEBUG: 'maybe' is not a boolean (true/false)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *env[] = {cases[i].name, cases[i].value, NULL};
        sbw_cfg_t cfg;
        char err[256] = "";
        ck_assert_int_eq(sbw_cfg_load(vars, NV, lookup_pairs, env, &cfg, err, sizeof err), -1);
        ck_assert_str_eq(err, cases[i].expect);
        ck_assert_ptr_null(cfg.values);
    }
}
END_TEST

START_TEST(print_masks_secrets)
{
    const char *env[] = {"APP_TOKEN", "s3cret", NULL};
    sbw_cfg_t cfg;
    char err[256] = "", *buf = NULL;
    size_t len = 0;
    ck_assert_int_eq(sbw_cfg_load(vars, NV, lookup_pairs, env, &cfg, err, sizeof err), 0);
    FILE *f = open_memstream(&buf, &len);
    sbw_cfg_print(&cfg, f);
    fclose(f);
    ck_assert_str_eq(buf, "APP_HOST=127.0.0.1\nAPP_PORT=8080\nAPP_DEBUG=false\nAPP_TOKEN=<set>\n");
    ck_assert_ptr_null(strstr(buf, "s3cret"));
    free(buf);
    sbw_cfg_cleanup(&cfg);
}
END_TEST

START_TEST(sslmode_mapping)
{
    ck_assert_str_eq(sbw_pg_sslmode("true"), "require");
    ck_assert_str_eq(sbw_pg_sslmode("1"), "require");
    ck_assert_str_eq(sbw_pg_sslmode("false"), "disable");
    ck_assert_str_eq(sbw_pg_sslmode("verify-full"), "verify-full");
    ck_assert_str_eq(sbw_pg_sslmode("prefer"), "prefer");
    ck_assert_ptr_null(sbw_pg_sslmode("sometimes"));
    ck_assert_ptr_null(sbw_pg_sslmode(NULL));
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("config");
    tcase_add_test(tc, defaults_apply_when_unset);
    tcase_add_test(tc, values_and_aliases);
    tcase_add_test(tc, primary_name_beats_alias_and_empty_is_unset);
    tcase_add_test(tc, bad_values_name_the_variable);
    tcase_add_test(tc, print_masks_secrets);
    suite_add_tcase(s, tc);
    TCase *pg = tcase_create("pg_settings");
    tcase_add_test(pg, sslmode_mapping);
    suite_add_tcase(s, pg);
    return s;
}

int main(void)
{
    return sbw_test_run(suite());
}
