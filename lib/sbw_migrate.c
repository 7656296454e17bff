/* sbw_migrate: applies the numbered SQL migrations in order (see sbw_migrate.h).
 * This file is the repository of the runner's own SQL. */
#include "sbw_migrate.h"

#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sbw_log.h"

#ifndef SBW_DATADIR
#define SBW_DATADIR "/usr/local/share/sbw"
#endif
#ifndef SBW_SOURCE_DIR
#define SBW_SOURCE_DIR "."
#endif

/* Arbitrary constant shared by every runner: pg_advisory_lock key for migrations. */
static const char SQL_LOCK[] = "SELECT pg_advisory_lock(726173001)";
static const char SQL_UNLOCK[] = "SELECT pg_advisory_unlock(726173001)";
/* The tracking table's name is a programmer's constant checked by valid_table; %s is it. */
#define SQL_CREATE                                                                                 \
    "CREATE TABLE IF NOT EXISTS %s ("                                                              \
    " version integer PRIMARY KEY,"                                                                \
    " name text NOT NULL,"                                                                         \
    " checksum text NOT NULL,"                                                                     \
    " applied_at timestamptz NOT NULL DEFAULT now())"
#define SQL_GET "SELECT checksum, md5($2::text) FROM %s WHERE version = $1::integer"
#define SQL_RECORD                                                                                 \
    "INSERT INTO %s (version, name, checksum) VALUES ($1::integer, $2, md5($3::text))"

/* schema.table of lower-case letters, digits and underscores. */
static int valid_table(const char *t)
{
    size_t l = strlen(t), dots = 0;
    if (l == 0 || l > 100)
        return 0;
    for (size_t i = 0; i < l; i++) {
        if (t[i] == '.')
            dots++;
        else if (!(islower((unsigned char)t[i]) || isdigit((unsigned char)t[i]) || t[i] == '_'))
            return 0;
    }
    return dots == 1 && t[0] != '.' && t[l - 1] != '.';
}

static int is_migration_name(const char *s, int *version)
{
    size_t l = strlen(s);
    if (l < 10 || l >= sizeof(((sbw_migration_t *)0)->name))
        return 0;
    for (int i = 0; i < 4; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    if (s[4] != '_' || strcmp(s + l - 4, ".sql") != 0)
        return 0;
    for (size_t i = 5; i < l - 4; i++)
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '_'))
            return 0;
    *version = atoi(s) ;
    return *version > 0;
}

static int cmp_version(const void *a, const void *b)
{
    return ((const sbw_migration_t *)a)->version - ((const sbw_migration_t *)b)->version;
}

int sbw_migrate_list(const char *dir, sbw_migration_t **out, char *err, size_t errlen)
{
    *out = NULL;
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "cannot read migrations folder %s", dir);
        return -1;
    }
    int n = 0, cap = 16;
    sbw_migration_t *list = malloc((size_t)cap * sizeof *list);
    struct dirent *e;
    while (list && (e = readdir(d)) != NULL) {
        int v;
        if (!is_migration_name(e->d_name, &v))
            continue;
        if (n == SBW_MIGRATE_MAX_FILES) {
            snprintf(err, errlen, "more than %d migrations in %s", SBW_MIGRATE_MAX_FILES, dir);
            goto fail;
        }
        if (n == cap) {
            cap *= 2;
            sbw_migration_t *grown = realloc(list, (size_t)cap * sizeof *list);
            if (!grown)
                goto oom;
            list = grown;
        }
        list[n].version = v;
        memcpy(list[n].name, e->d_name, strlen(e->d_name) + 1); /* length checked above */
        n++;
    }
    if (!list)
        goto oom;
    closedir(d);
    d = NULL;
    qsort(list, (size_t)n, sizeof *list, cmp_version);
    for (int i = 1; i < n; i++) {
        if (list[i].version == list[i - 1].version) {
            snprintf(err, errlen, "migrations %s and %s share version %d", list[i - 1].name,
                     list[i].name, list[i].version);
            goto fail;
        }
    }
    *out = list;
    return n;
oom:
    snprintf(err, errlen, "out of memory");
fail:
    if (d)
        closedir(d);
    free(list);
    return -1;
}

static char *read_sql(const char *dir, const char *name, char *err, size_t errlen)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open %s", path);
        return NULL;
    }
    char *buf = malloc(SBW_MIGRATE_MAX_BYTES + 1);
    size_t got = buf ? fread(buf, 1, SBW_MIGRATE_MAX_BYTES + 1, f) : 0;
    fclose(f);
    if (!buf || got > SBW_MIGRATE_MAX_BYTES) {
        snprintf(err, errlen, "%s is larger than %d bytes", path, SBW_MIGRATE_MAX_BYTES);
        free(buf);
        return NULL;
    }
    buf[got] = '\0';
    if (strlen(buf) != got) {
        snprintf(err, errlen, "%s contains a NUL byte", path);
        free(buf);
        return NULL;
    }
    return buf;
}

/* Runs a statement that returns no rows of interest; 0 or -1 with err. */
static int exec_simple(PGconn *conn, const char *sql, const char *what, char *err, size_t errlen)
{
    PGresult *r = PQexec(conn, sql);
    ExecStatusType st = PQresultStatus(r);
    int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok) {
        const char *m = PQresultErrorMessage(r);
        snprintf(err, errlen, "%s: %.*s", what, (int)strcspn(m, "\n"), m);
    }
    PQclear(r);
    return ok ? 0 : -1;
}

/* Applies one file if pending. Returns 1 applied, 0 already applied, -1 error. */
static int apply_one(PGconn *conn, const char *dir, const char *table, const sbw_migration_t *m,
                     char *err, size_t errlen)
{
    char sql_get[256], sql_record[256];
    snprintf(sql_get, sizeof sql_get, SQL_GET, table);
    snprintf(sql_record, sizeof sql_record, SQL_RECORD, table);
    int rc = -1;
    PGresult *r = NULL;
    char *sql = read_sql(dir, m->name, err, errlen);
    if (!sql)
        return -1;
    char ver[16];
    snprintf(ver, sizeof ver, "%d", m->version);
    const char *get_params[2] = {ver, sql};
    r = PQexecParams(conn, sql_get, 2, NULL, get_params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        const char *msg = PQresultErrorMessage(r);
        snprintf(err, errlen, "reading schema_migrations: %.*s", (int)strcspn(msg, "\n"), msg);
        goto out;
    }
    if (PQntuples(r) == 1) {
        if (strcmp(PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1)) != 0) {
            snprintf(err, errlen,
                     "%s was edited after it was applied (checksum %s, file now %s); "
                     "add a new migration instead",
                     m->name, PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1));
            goto out;
        }
        rc = 0;
        goto out;
    }
    PQclear(r);
    r = NULL;
    char what[192];
    snprintf(what, sizeof what, "migration %s", m->name);
    if (exec_simple(conn, "BEGIN", what, err, errlen) != 0)
        goto out;
    if (exec_simple(conn, sql, what, err, errlen) != 0)
        goto rollback;
    const char *rec_params[3] = {ver, m->name, sql};
    r = PQexecParams(conn, sql_record, 3, NULL, rec_params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        const char *msg = PQresultErrorMessage(r);
        snprintf(err, errlen, "recording %s: %.*s", m->name, (int)strcspn(msg, "\n"), msg);
        goto rollback;
    }
    if (exec_simple(conn, "COMMIT", what, err, errlen) != 0)
        goto out;
    SBW_INFO(m->name, "migration applied");
    rc = 1;
    goto out;
rollback:
    PQclear(PQexec(conn, "ROLLBACK"));
out:
    PQclear(r);
    free(sql);
    return rc;
}

int sbw_migrate_apply(PGconn *conn, const char *dir, int *applied, char *err, size_t errlen)
{
    return sbw_migrate_apply_into(conn, dir, "public.schema_migrations", applied, err, errlen);
}

int sbw_migrate_apply_into(PGconn *conn, const char *dir, const char *table, int *applied,
                           char *err, size_t errlen)
{
    sbw_migration_t *list = NULL;
    int count = 0, rc = -1;
    if (applied)
        *applied = 0;
    if (!valid_table(table)) {
        snprintf(err, errlen, "bad migrations table name '%s'", table);
        return -1;
    }
    char sql_create[512];
    snprintf(sql_create, sizeof sql_create, SQL_CREATE, table);
    int n = sbw_migrate_list(dir, &list, err, errlen);
    if (n < 0)
        return -1;
    if (exec_simple(conn, "SET client_min_messages = warning", "configuring session", err, errlen) != 0)
        goto out;
    if (exec_simple(conn, SQL_LOCK, "taking the migration lock", err, errlen) != 0)
        goto out;
    if (exec_simple(conn, sql_create, "creating schema_migrations", err, errlen) != 0)
        goto unlock;
    for (int i = 0; i < n; i++) {
        int one = apply_one(conn, dir, table, &list[i], err, errlen);
        if (one < 0)
            goto unlock;
        count += one;
    }
    rc = 0;
unlock:
    PQclear(PQexec(conn, SQL_UNLOCK));
out:
    free(list);
    if (applied)
        *applied = count;
    return rc;
}

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int sbw_migrate_find_dir(const char *explicit_dir, char *out, size_t outlen)
{
    if (explicit_dir) {
        snprintf(out, outlen, "%s", explicit_dir);
        return is_dir(out) ? 0 : -1;
    }
    char exe[PATH_MAX];
    ssize_t l = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (l > 0) {
        exe[l] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            snprintf(out, outlen, "%s/../share/sbw/sql", exe);
            if (is_dir(out))
                return 0;
        }
    }
    snprintf(out, outlen, "%s/sql", SBW_SOURCE_DIR);
    return is_dir(out) ? 0 : -1;
}
