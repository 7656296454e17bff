/* sbw_test: helpers shared by the Check suites (fixture files, the test cluster, free ports).
 * Everything returned is owned by the caller and freed with free(). Failures abort the
 * current test through ck_abort_msg, so callers need not check for NULL. */
#ifndef SBW_TEST_H
#define SBW_TEST_H

#include <stddef.h>

/* Reads a whole file; *len gets its size (may be NULL). NUL-terminated. */
char *sbw_test_read_file(const char *path, size_t *len);

/* Path of a file under tests/fixtures (from $SBW_FIXTURES), malloc'd. */
char *sbw_test_fixture_path(const char *rel);

/* Reads a fixture file (tests/fixtures/<rel>). */
char *sbw_test_fixture(const char *rel, size_t *len);

/* Lists the files of a fixture folder whose names end with suffix, sorted; returns the count
 * and a malloc'd array of malloc'd names (not paths) in *names. */
size_t sbw_test_fixture_list(const char *dir, const char *suffix, char ***names);

/* libpq conninfo of the integration-test cluster, as an administrator (superuser) of the
 * database clickstream_dw (from $SBW_TEST_STATE/pg/conninfo). */
char *sbw_test_pg_admin_conninfo(void);

/* libpq conninfo of a login role of the test cluster ("sbw_owner", "sbw_etl", "sbw_server"
 * or "sbw_admin") on database dbname (NULL: clickstream_dw), with its password. */
char *sbw_test_pg_role_conninfo(const char *role, const char *dbname);

/* Creates a fresh database on the test cluster named <prefix>_<pid>_<n>, owned by sbw_owner,
 * with every migration of the source tree's sql/ applied, so a suite can change data without
 * disturbing others running at the same time. Returns its name; drop it with
 * sbw_test_pg_drop_db. */
char *sbw_test_pg_scratch_db(const char *prefix);

/* Drops a database made by sbw_test_pg_scratch_db (terminating its connections). */
void sbw_test_pg_drop_db(const char *dbname);

/* A TCP port on 127.0.0.1 that was free a moment ago. */
int sbw_test_free_port(void);

/* A fresh empty temporary directory (removed by the caller if it wants). */
char *sbw_test_tmpdir(const char *prefix);

#endif
