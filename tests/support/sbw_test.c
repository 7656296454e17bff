/* sbw_test: helpers shared by the Check suites (see sbw_test.h). */
#define _XOPEN_SOURCE 700 /* nftw */
#include "sbw_test.h"

#include <check.h>
#include <dirent.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libpq-fe.h>
#include <signal.h>
#include <strings.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "sbw_migrate.h"

int sbw_test_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

char *sbw_test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    ck_assert_int_ge(n, 0);
    char *buf = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(buf);
    size_t got = fread(buf, 1, (size_t)n, f);
    fclose(f);
    ck_assert_uint_eq(got, (size_t)n);
    buf[n] = '\0';
    if (len)
        *len = (size_t)n;
    return buf;
}

char *sbw_test_fixture_path(const char *rel)
{
    const char *root = getenv("SBW_FIXTURES");
    ck_assert_msg(root != NULL, "SBW_FIXTURES is not set (run through ctest)");
    size_t n = strlen(root) + strlen(rel) + 2;
    char *p = malloc(n);
    ck_assert_ptr_nonnull(p);
    snprintf(p, n, "%s/%s", root, rel);
    return p;
}

char *sbw_test_fixture(const char *rel, size_t *len)
{
    char *p = sbw_test_fixture_path(rel);
    char *data = sbw_test_read_file(p, len);
    free(p);
    return data;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t sbw_test_fixture_list(const char *dir, const char *suffix, char ***names)
{
    char *p = sbw_test_fixture_path(dir);
    DIR *d = opendir(p);
    ck_assert_msg(d != NULL, "cannot open fixture folder %s", p);
    free(p);
    size_t n = 0, cap = 16;
    char **out = malloc(cap * sizeof *out);
    ck_assert_ptr_nonnull(out);
    size_t sl = strlen(suffix);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (e->d_name[0] == '.' || l < sl || strcmp(e->d_name + l - sl, suffix) != 0)
            continue;
        if (n == cap) {
            cap *= 2;
            out = realloc(out, cap * sizeof *out);
            ck_assert_ptr_nonnull(out);
        }
        out[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(out, n, sizeof *out, cmp_str);
    *names = out;
    return n;
}

char *sbw_test_pg_admin_conninfo(void)
{
    const char *state = getenv("SBW_TEST_STATE");
    ck_assert_msg(state != NULL, "SBW_TEST_STATE is not set (run through ctest)");
    char path[4096];
    snprintf(path, sizeof path, "%s/pg/conninfo", state);
    char *s = sbw_test_read_file(path, NULL);
    s[strcspn(s, "\r\n")] = '\0';
    return s;
}

static void *idle_thread(void *arg)
{
    return arg;
}

int sbw_test_realtime_allowed(void)
{
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setinheritsched(&a, PTHREAD_EXPLICIT_SCHED);
    pthread_attr_setschedpolicy(&a, SCHED_FIFO);
    pthread_attr_setschedparam(&a, &(struct sched_param){.sched_priority = 1});
    pthread_t th;
    int rc = pthread_create(&th, &a, idle_thread, NULL);
    pthread_attr_destroy(&a);
    if (rc == 0)
        pthread_join(th, NULL);
    return rc == 0;
}

int sbw_test_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t l = sizeof a;
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &l), 0);
    close(fd);
    return ntohs(a.sin_port);
}

/* Folders made by sbw_test_tmpdir in this process, removed when it exits (Check runs each test
 * case in its own forked process). SBW_TEST_KEEP_TMP=1 keeps them for a post-mortem. */
#define TMPDIRS_MAX 64
static char *tmpdirs[TMPDIRS_MAX];
static int n_tmpdirs;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

static void remove_tmpdirs(void)
{
    const char *keep = getenv("SBW_TEST_KEEP_TMP");
    for (int i = 0; i < n_tmpdirs; i++) {
        if (!(keep && strcmp(keep, "1") == 0))
            nftw(tmpdirs[i], rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        free(tmpdirs[i]);
    }
    n_tmpdirs = 0;
}

char *sbw_test_tmpdir(const char *prefix)
{
    char tmpl[512];
    const char *base = getenv("TMPDIR");
    snprintf(tmpl, sizeof tmpl, "%s/%s-XXXXXX", base ? base : "/tmp", prefix ? prefix : "sbw");
    char *d = mkdtemp(tmpl);
    ck_assert_msg(d != NULL, "mkdtemp failed");
    if (n_tmpdirs < TMPDIRS_MAX) {
        if (n_tmpdirs == 0)
            atexit(remove_tmpdirs);
        tmpdirs[n_tmpdirs++] = strdup(d);
    }
    return strdup(d);
}

/* Value of NAME=value in the cluster's env file, malloc'd. */
static char *pg_env_value(const char *name)
{
    const char *state = getenv("SBW_TEST_STATE");
    ck_assert_msg(state != NULL, "SBW_TEST_STATE is not set (run through ctest)");
    char path[4096];
    snprintf(path, sizeof path, "%s/pg/env", state);
    char *env = sbw_test_read_file(path, NULL);
    size_t nl = strlen(name);
    char *val = NULL;
    for (char *line = env; line && *line;) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (strncmp(line, name, nl) == 0 && line[nl] == '=')
            val = strdup(line + nl + 1);
        line = next;
    }
    free(env);
    ck_assert_msg(val != NULL, "%s missing from %s", name, path);
    return val;
}

char *sbw_test_pg_role_conninfo(const char *role, const char *dbname)
{
    char var[64];
    const char *r = strncmp(role, "sbw_", 4) == 0 ? role + 4 : role;
    snprintf(var, sizeof var, "SBW_PG_%s_PASSWORD", r);
    for (char *c = var; *c; c++)
        if (*c >= 'a' && *c <= 'z')
            *c = (char)(*c - 'a' + 'A');
    char *pw = pg_env_value(var);
    char *port = pg_env_value("SBW_PG_PORT");
    char buf[1024];
    snprintf(buf, sizeof buf, "host=127.0.0.1 port=%s dbname=%s user=%s password=%s", port,
             dbname ? dbname : "clickstream_dw", role, pw);
    free(pw);
    free(port);
    return strdup(buf);
}

static void admin_exec(const char *sql)
{
    char *ci = sbw_test_pg_role_conninfo("sbw_admin", "postgres");
    PGconn *c = PQconnectdb(ci);
    free(ci);
    ck_assert_msg(PQstatus(c) == CONNECTION_OK, "admin connect: %s", PQerrorMessage(c));
    PGresult *r = PQexec(c, sql);
    ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK, "%s: %s", sql, PQresultErrorMessage(r));
    PQclear(r);
    PQfinish(c);
}

char *sbw_test_pg_scratch_db(const char *prefix)
{
    static int counter;
    char name[64], sql[256];
    snprintf(name, sizeof name, "%s_%d_%d", prefix, (int)getpid(), ++counter);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s OWNER sbw_owner", name);
    admin_exec(sql);
    /* Migrations run as the owner, exactly as in production. */
    char *ci = sbw_test_pg_role_conninfo("sbw_owner", name);
    PGconn *c = PQconnectdb(ci);
    free(ci);
    ck_assert_msg(PQstatus(c) == CONNECTION_OK, "owner connect: %s", PQerrorMessage(c));
    PQclear(PQexec(c, "SET client_min_messages = warning"));
    char dir[4096], err[1024] = "";
    const char *src = getenv("SBW_SOURCE_DIR");
    ck_assert_ptr_nonnull(src);
    snprintf(dir, sizeof dir, "%s/sql", src);
    int applied = 0;
    ck_assert_msg(sbw_migrate_apply(c, dir, &applied, err, sizeof err) == 0, "migrate: %s", err);
    PQfinish(c);
    return strdup(name);
}

void sbw_test_pg_drop_db(const char *dbname)
{
    char sql[256];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", dbname);
    admin_exec(sql);
}

int sbw_test_spawn(const char *program, char *const *args, char *const *env, const char *cwd,
                   const char *log_path)
{
    const char *build = getenv("SBW_BUILD_DIR");
    ck_assert_msg(build != NULL, "SBW_BUILD_DIR is not set (run through ctest)");
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", build, program);
    char *argv[32];
    int n = 0;
    argv[n++] = path;
    for (int i = 0; args && args[i] && n < 31; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        for (int i = 0; env && env[i]; i++)
            putenv(env[i]);
        if (cwd && chdir(cwd) != 0)
            _exit(126);
        int fd = open(log_path ? log_path : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execv(path, argv);
        _exit(127);
    }
    return (int)pid;
}

int sbw_test_stop(int pid)
{
    int status = 0;
    kill(pid, SIGTERM);
    for (int i = 0; i < 1000; i++) {
        if (waitpid(pid, &status, WNOHANG) == pid)
            return status;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return status;
}

static size_t grow(char *data, size_t size, size_t n, void *ud)
{
    sbw_test_resp_t *r = ud;
    size_t add = size * n;
    char *b = realloc(r->body, r->len + add + 1);
    if (!b)
        return 0;
    memcpy(b + r->len, data, add);
    r->len += add;
    b[r->len] = '\0';
    r->body = b;
    return add;
}

static size_t grow_headers(char *data, size_t size, size_t n, void *ud)
{
    char **h = ud;
    size_t old = *h ? strlen(*h) : 0, add = size * n;
    char *b = realloc(*h, old + add + 1);
    if (!b)
        return 0;
    memcpy(b + old, data, add);
    b[old + add] = '\0';
    *h = b;
    return add;
}

int sbw_test_http(const char *method, const char *url, const char *const *headers,
                  const void *body, size_t len, sbw_test_resp_t *resp)
{
    memset(resp, 0, sizeof *resp);
    resp->body = calloc(1, 1);
    CURL *c = curl_easy_init();
    ck_assert_ptr_nonnull(c);
    struct curl_slist *hl = NULL;
    for (int i = 0; headers && headers[i]; i++)
        hl = curl_slist_append(hl, headers[i]);
    hl = curl_slist_append(hl, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, grow);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, grow_headers);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &resp->headers);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    } else if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    }
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
    return rc == CURLE_OK ? 0 : -1;
}

void sbw_test_resp_free(sbw_test_resp_t *resp)
{
    free(resp->body);
    free(resp->headers);
    memset(resp, 0, sizeof *resp);
}

char *sbw_test_resp_header(const sbw_test_resp_t *resp, const char *name)
{
    size_t nl = strlen(name);
    for (const char *p = resp->headers; p && *p;) {
        const char *eol = strstr(p, "\r\n");
        size_t l = eol ? (size_t)(eol - p) : strlen(p);
        if (l > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (*v == ' ')
                v++;
            return strndup(v, (size_t)(p + l - v));
        }
        p = eol ? eol + 2 : p + l;
    }
    return NULL;
}

void sbw_test_wait_http(const char *url, int timeout_ms)
{
    for (int waited = 0; waited < timeout_ms; waited += 50) {
        sbw_test_resp_t r;
        if (sbw_test_http("GET", url, NULL, NULL, 0, &r) == 0 && r.status == 200) {
            sbw_test_resp_free(&r);
            return;
        }
        sbw_test_resp_free(&r);
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    ck_abort_msg("%s did not answer 200 within %d ms", url, timeout_ms);
}

char *sbw_test_s3_endpoint(char *bucket, size_t blen)
{
    const char *state = getenv("SBW_TEST_STATE");
    ck_assert_msg(state != NULL, "SBW_TEST_STATE is not set (run through ctest)");
    char path[2048];
    snprintf(path, sizeof path, "%s/s3/endpoint", state);
    char *ep = sbw_test_read_file(path, NULL);
    ep[strcspn(ep, "\r\n")] = '\0';
    snprintf(path, sizeof path, "%s/s3/bucket", state);
    char *b = sbw_test_read_file(path, NULL);
    b[strcspn(b, "\r\n")] = '\0';
    snprintf(bucket, blen, "%s", b);
    free(b);
    return ep;
}

int sbw_test_listing_collect(const char *key, int64_t size, const char *etag, int64_t lm,
                             void *ud)
{
    sbw_test_listing_t *l = ud;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 256;
        l->keys = realloc(l->keys, l->cap * sizeof *l->keys);
        l->etags = realloc(l->etags, l->cap * sizeof *l->etags);
        l->sizes = realloc(l->sizes, l->cap * sizeof *l->sizes);
        l->mtimes = realloc(l->mtimes, l->cap * sizeof *l->mtimes);
        ck_assert(l->keys && l->etags && l->sizes && l->mtimes);
    }
    l->keys[l->n] = strdup(key);
    l->etags[l->n] = strdup(etag);
    l->sizes[l->n] = size;
    l->mtimes[l->n] = lm;
    l->n++;
    return l->stop_after && l->n >= l->stop_after;
}

void sbw_test_listing_free(sbw_test_listing_t *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->keys[i]);
        free(l->etags[i]);
    }
    free(l->keys);
    free(l->etags);
    free(l->sizes);
    free(l->mtimes);
    memset(l, 0, sizeof *l);
}
