/* Integration tests of the warehouse schema, the migration runner and the role privileges,
 * on the private test cluster (scripts/pgcluster, started by the CTest fixture "pg"). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libpq-fe.h>

#include "sbw_migrate.h"
#include "sbw_test.h"

static PGconn *connect_as(const char *role, const char *db)
{
    char *ci = sbw_test_pg_role_conninfo(role, db);
    PGconn *c = PQconnectdb(ci);
    free(ci);
    ck_assert_msg(PQstatus(c) == CONNECTION_OK, "%s: %s", role, PQerrorMessage(c));
    PQclear(PQexec(c, "SET client_min_messages = warning"));
    return c;
}

/* Runs sql and returns the single value of its single row (malloc'd), or NULL on error. */
static char *value_of(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    char *v = NULL;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
        v = strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

/* Returns the SQLSTATE of running sql (or "00000" when it succeeded). */
static char *sqlstate_of(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    const char *s = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    char *out = strdup(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? "00000" : (s ? s : "?"));
    PQclear(r);
    return out;
}

static const char *seed_columns[16][2] = {
    {"event_id", "uuid"},
    {"event_timestamp", "timestamp with time zone"},
    {"event_name", "text"},
    {"user_id", "text"},
    {"user_login_state", "text"},
    {"identity_source", "text"},
    {"client_id", "text"},
    {"session_id", "text"},
    {"is_first_visit", "boolean"},
    {"context_product_id", "text"},
    {"context_product_name", "text"},
    {"context_product_category", "text"},
    {"context_product_brand", "text"},
    {"context_product_price", "numeric"},
    {"context_product_discount_price", "numeric"},
    {"context_product_url_path", "text"},
};

START_TEST(events_table_has_the_seed_columns_in_order)
{
    PGconn *c = connect_as("sbw_server", NULL);
    PGresult *r = PQexec(c, "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
                            "WHERE table_schema = 'public' AND table_name = 'clickstream_events' "
                            "ORDER BY ordinal_position");
    ck_assert_int_eq(PQresultStatus(r), PGRES_TUPLES_OK);
    ck_assert_int_ge(PQntuples(r), 16);
    for (int i = 0; i < 16; i++) {
        ck_assert_str_eq(PQgetvalue(r, i, 0), seed_columns[i][0]);
        ck_assert_str_eq(PQgetvalue(r, i, 1), seed_columns[i][1]);
    }
    ck_assert_str_eq(PQgetvalue(r, 0, 2), "NO");
    ck_assert_str_eq(PQgetvalue(r, 1, 2), "NO");
    ck_assert_str_eq(PQgetvalue(r, 2, 2), "NO");
    ck_assert_str_eq(PQgetvalue(r, 3, 2), "YES");
    /* What the original threw away is kept. */
    const char *extra[] = {"received_at", "page_url", "referrer", "element", "user_agent",
                           "source_ip", "is_bot", "client_event_id", "raw_object_key"};
    for (size_t k = 0; k < sizeof extra / sizeof *extra; k++) {
        int found = 0;
        for (int i = 16; i < PQntuples(r); i++)
            found |= strcmp(PQgetvalue(r, i, 0), extra[k]) == 0;
        ck_assert_msg(found, "column %s missing", extra[k]);
    }
    PQclear(r);
    char *pk = value_of(c, "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON "
                           "a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
                           "WHERE i.indrelid = 'public.clickstream_events'::regclass AND i.indisprimary");
    ck_assert_str_eq(pk, "event_id");
    free(pk);
    char *nidx = value_of(c, "SELECT count(*) FROM pg_indexes WHERE tablename = 'clickstream_events'");
    ck_assert_str_eq(nidx, "6"); /* primary key, time, session, client, product, loaded_at */
    free(nidx);
    PQfinish(c);
}
END_TEST

START_TEST(every_migration_is_recorded_once)
{
    char dir[4096], err[512];
    snprintf(dir, sizeof dir, "%s/sql", getenv("SBW_SOURCE_DIR"));
    sbw_migration_t *list = NULL;
    int n = sbw_migrate_list(dir, &list, err, sizeof err);
    ck_assert_int_ge(n, 3);
    ck_assert_int_eq(list[0].version, 1);
    ck_assert_str_eq(list[0].name, "0001_clickstream_events.sql");
    PGconn *c = connect_as("sbw_owner", NULL);
    char *count = value_of(c, "SELECT count(*) FROM schema_migrations");
    char expect[16];
    snprintf(expect, sizeof expect, "%d", n);
    ck_assert_str_eq(count, expect);
    free(count);
    /* Running again applies nothing. */
    int applied = -1;
    ck_assert_int_eq(sbw_migrate_apply(c, dir, &applied, err, sizeof err), 0);
    ck_assert_int_eq(applied, 0);
    PQfinish(c);
    free(list);
}
END_TEST

/* Writes a file; returns 0. */
static void write_file(const char *dir, const char *name, const char *text)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

START_TEST(runner_applies_in_order_rolls_back_failures_and_refuses_edits)
{
    char *db = sbw_test_pg_scratch_db("migr");
    char *dir = sbw_test_tmpdir("sbw-migr");
    char err[1024] = "";
    write_file(dir, "0001_a.sql", "CREATE TABLE t_a (x int);");
    write_file(dir, "0002_b.sql", "INSERT INTO t_a VALUES (1), (2);");
    write_file(dir, "README.md", "not a migration");
    PGconn *c = connect_as("sbw_owner", db);
    /* The scratch database already has the real schema_migrations rows (versions 1..n), so
     * use a fresh schema for this runner: reset its table. */
    PQclear(PQexec(c, "DELETE FROM schema_migrations"));
    int applied = 0;
    ck_assert_msg(sbw_migrate_apply(c, dir, &applied, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(applied, 2);
    char *v = value_of(c, "SELECT string_agg(name, ',' ORDER BY version) FROM schema_migrations");
    ck_assert_str_eq(v, "0001_a.sql,0002_b.sql");
    free(v);

    /* A failing migration is rolled back whole and named in the error. */
    write_file(dir, "0003_bad.sql", "CREATE TABLE t_c (x int); SELECT 1/0;");
    ck_assert_int_eq(sbw_migrate_apply(c, dir, &applied, err, sizeof err), -1);
    ck_assert_int_eq(applied, 0);
    ck_assert_msg(strstr(err, "0003_bad.sql") && strstr(err, "division by zero"), "%s", err);
    v = value_of(c, "SELECT count(*) FROM pg_tables WHERE tablename = 't_c'");
    ck_assert_str_eq(v, "0");
    free(v);
    v = value_of(c, "SELECT max(version) FROM schema_migrations");
    ck_assert_str_eq(v, "2");
    free(v);

    /* Fixed, it applies. */
    write_file(dir, "0003_bad.sql", "CREATE TABLE t_c (x int);");
    ck_assert_msg(sbw_migrate_apply(c, dir, &applied, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(applied, 1);

    /* Editing a landed migration is refused, and nothing else runs. */
    write_file(dir, "0001_a.sql", "CREATE TABLE t_a (x bigint);");
    write_file(dir, "0004_d.sql", "CREATE TABLE t_d (x int);");
    ck_assert_int_eq(sbw_migrate_apply(c, dir, &applied, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "0001_a.sql was edited after it was applied"), "%s", err);
    v = value_of(c, "SELECT count(*) FROM pg_tables WHERE tablename = 't_d'");
    ck_assert_str_eq(v, "0");
    free(v);

    /* Two files with one version are refused before anything runs. */
    write_file(dir, "0001_a.sql", "CREATE TABLE t_a (x int);");
    write_file(dir, "0004_e.sql", "SELECT 1;");
    ck_assert_int_eq(sbw_migrate_apply(c, dir, &applied, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "share version 4"), "%s", err);
    PQfinish(c);
    sbw_test_pg_drop_db(db);
    free(db);
    free(dir);
}
END_TEST

START_TEST(roles_have_least_privilege)
{
    char *db = sbw_test_pg_scratch_db("priv");
    PGconn *etl = connect_as("sbw_etl", db);
    PGconn *srv = connect_as("sbw_server", db);
    const char *insert =
        "INSERT INTO clickstream_events (event_id, event_timestamp, event_name, received_at, "
        "context_product_price, source_ip, element) VALUES ('550e8400-e29b-41d4-a716-446655440000', "
        "'2026-11-27T10:00:00Z', 'product_view', '2026-11-27T10:00:01Z', 1990000, '203.0.113.0', "
        "'{\"tag\":\"button\"}')";
    char *s;
    s = sqlstate_of(etl, insert);
    ck_assert_str_eq(s, "00000");
    free(s);
    /* Dedup by primary key: the same id again conflicts; ON CONFLICT DO NOTHING skips it. */
    s = sqlstate_of(etl, insert);
    ck_assert_str_eq(s, "23505");
    free(s);
    s = sqlstate_of(etl, "UPDATE clickstream_events SET event_name = 'x'");
    ck_assert_str_eq(s, "42501");
    free(s);
    s = sqlstate_of(etl, "DELETE FROM clickstream_events");
    ck_assert_str_eq(s, "42501");
    free(s);
    s = sqlstate_of(etl, "INSERT INTO etl_runs (trigger) VALUES ('test')");
    ck_assert_str_eq(s, "00000");
    free(s);
    s = sqlstate_of(etl, "CREATE TABLE public.sneaky (x int)");
    ck_assert_str_eq(s, "42501");
    free(s);
    s = sqlstate_of(etl, "CREATE TEMP TABLE staging (x int)");
    ck_assert_str_eq(s, "00000");
    free(s);

    char *v = value_of(srv, "SELECT context_product_price::text || ' ' || host(source_ip) "
                            "FROM clickstream_events");
    ck_assert_str_eq(v, "1990000.00 203.0.113.0");
    free(v);
    s = sqlstate_of(srv, "INSERT INTO clickstream_events (event_id, event_timestamp, event_name, "
                         "received_at) VALUES (gen_random_uuid(), now(), 'x', now())");
    ck_assert_str_eq(s, "42501");
    free(s);
    s = sqlstate_of(srv, "INSERT INTO etl_runs (trigger) VALUES ('test')");
    ck_assert_str_eq(s, "42501");
    free(s);
    v = value_of(srv, "SELECT rolsuper::text FROM pg_roles WHERE rolname = current_user");
    ck_assert_str_eq(v, "false");
    free(v);
    PQfinish(etl);
    PQfinish(srv);
    sbw_test_pg_drop_db(db);
    free(db);
}
END_TEST

START_TEST(none_of_the_program_roles_is_superuser)
{
    PGconn *c = connect_as("sbw_owner", NULL);
    char *v = value_of(c, "SELECT string_agg(rolname || '=' || rolsuper::text || rolcreaterole::text, ',' "
                          "ORDER BY rolname) FROM pg_roles WHERE rolname IN ('sbw_owner','sbw_etl','sbw_server')");
    ck_assert_str_eq(v, "sbw_etl=falsefalse,sbw_owner=falsefalse,sbw_server=falsefalse");
    free(v);
    PQfinish(c);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("schema");
    TCase *tc = tcase_create("schema");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, events_table_has_the_seed_columns_in_order);
    tcase_add_test(tc, every_migration_is_recorded_once);
    suite_add_tcase(s, tc);
    TCase *m = tcase_create("migration_runner");
    tcase_set_timeout(m, 60);
    tcase_add_test(m, runner_applies_in_order_rolls_back_failures_and_refuses_edits);
    suite_add_tcase(s, m);
    TCase *r = tcase_create("roles");
    tcase_set_timeout(r, 60);
    tcase_add_test(r, roles_have_least_privilege);
    tcase_add_test(r, none_of_the_program_roles_is_superuser);
    suite_add_tcase(s, r);
    return s;
}

int main(void)
{
    return sbw_test_run(suite());
}
