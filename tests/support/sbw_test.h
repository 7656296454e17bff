/* sbw_test: helpers shared by the Check suites (fixture files, the test cluster, free ports).
 * Everything returned is owned by the caller and freed with free(). Failures abort the
 * current test through ck_abort_msg, so callers need not check for NULL. */
#ifndef SBW_TEST_H
#define SBW_TEST_H

#include <stddef.h>
#include <stdint.h>

#include <check.h>

/* Runs every case of suite s (CK_RUN_CASE picks one, as CTest does) and frees it; returns the
 * process exit status: EXIT_SUCCESS when nothing failed. */
int sbw_test_run(Suite *s);

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

/* 1 when this process may run a thread SCHED_FIFO at priority 1 (root, CAP_SYS_NICE or
 * RLIMIT_RTPRIO), found by trying it on a short-lived thread; else 0. */
int sbw_test_realtime_allowed(void);

/* A TCP port on 127.0.0.1 that was free a moment ago. */
int sbw_test_free_port(void);

/* A fresh empty temporary directory under $TMPDIR (default /tmp), removed with its contents
 * when the test process exits (SBW_TEST_KEEP_TMP=1 keeps it). Returns a malloc'd path. */
char *sbw_test_tmpdir(const char *prefix);

/* "http://127.0.0.1:PORT" of the s3 fixture's S3-compatible server (s3rver; credentials
 * S3RVER/S3RVER), malloc'd; its bucket is copied into bucket. */
char *sbw_test_s3_endpoint(char *bucket, size_t blen);

/* A lake listing collected by sbw_test_listing_collect (an sbw_lake_list_fn): keys and ETags
 * owned, in listing order. stop_after > 0 stops the listing after that many keys. Zero it
 * before use; free with sbw_test_listing_free (which zeroes it again). */
typedef struct {
    char **keys;
    char **etags;
    int64_t *sizes, *mtimes;
    size_t n, cap, stop_after;
} sbw_test_listing_t;

int sbw_test_listing_collect(const char *key, int64_t size, const char *etag, int64_t lm,
                             void *ud);
void sbw_test_listing_free(sbw_test_listing_t *l);

/* ---- processes and HTTP ---- */

/* Starts a program of the build tree (path relative to $SBW_BUILD_DIR, e.g.
 * "ingest/sbw-ingest") with extra environment entries ("NAME=value", NULL-terminated, added to
 * the test's own environment) in folder cwd (NULL: unchanged); its stdout/stderr go to
 * log_path. Returns the pid. */
int sbw_test_spawn(const char *program, char *const *args, char *const *env, const char *cwd,
                   const char *log_path);

/* Stops a spawned process with SIGTERM (SIGKILL after 10 s) and returns its exit status as
 * waitpid reports it. */
int sbw_test_stop(int pid);

/* Polls GET url until it answers 200 (up to timeout_ms); aborts the test otherwise. */
void sbw_test_wait_http(const char *url, int timeout_ms);

typedef struct {
    long status;
    char *body; /* malloc'd, NUL-terminated */
    size_t len;
    char *headers; /* malloc'd raw response headers */
} sbw_test_resp_t;

/* One HTTP request with libcurl. headers: NULL-terminated "Name: value" list or NULL.
 * Fills *resp (free with sbw_test_resp_free); returns 0, or -1 on a transport error. */
int sbw_test_http(const char *method, const char *url, const char *const *headers,
                  const void *body, size_t len, sbw_test_resp_t *resp);

void sbw_test_resp_free(sbw_test_resp_t *resp);

/* Value of a response header (case-insensitive name), malloc'd, or NULL. */
char *sbw_test_resp_header(const sbw_test_resp_t *resp, const char *name);

#endif
