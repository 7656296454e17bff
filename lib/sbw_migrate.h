/* sbw_migrate: applies the numbered SQL migrations (sql/NNNN_name.sql) in order.
 *
 * Each pending file runs in its own transaction together with its row in schema_migrations
 * (version, name, md5 checksum), so a migration is applied whole or not at all. A session
 * advisory lock keeps two runners from interleaving. A file whose checksum differs from the
 * one recorded when it was applied is an error: landed migrations are never edited. */
#ifndef SBW_MIGRATE_H
#define SBW_MIGRATE_H

#include <libpq-fe.h>
#include <stddef.h>

#define SBW_MIGRATE_MAX_FILES 1000
#define SBW_MIGRATE_MAX_BYTES (4 * 1024 * 1024)

typedef struct {
    int version;   /* NNNN of the file name */
    char name[128]; /* file name */
} sbw_migration_t;

/* Lists the migration files of dir (names matching NNNN_[a-z0-9_]+.sql, NNNN > 0), sorted by
 * version. Returns the count (>= 0) with a malloc'd array in *out (free it), or -1 with a
 * message in err: unreadable folder, two files with one version, more than
 * SBW_MIGRATE_MAX_FILES. Other files are ignored. */
int sbw_migrate_list(const char *dir, sbw_migration_t **out, char *err, size_t errlen);

/* Applies every pending migration of dir on conn (a role that owns the schema).
 * *applied gets how many ran now (may be NULL). Returns 0, or -1 with a message in err naming
 * the file and PostgreSQL's reason; the failing migration is rolled back, earlier ones stay. */
int sbw_migrate_apply(PGconn *conn, const char *dir, int *applied, char *err, size_t errlen);

/* As sbw_migrate_apply, tracking the applied files in table ("schema.name" of lower-case
 * letters, digits and underscores; a programmer's constant, never input) instead of
 * public.schema_migrations: e.g. sbw-server applies sql/views/ into
 * analytics.schema_migrations as the owner of schema analytics. A bad table name is -1. */
int sbw_migrate_apply_into(PGconn *conn, const char *dir, const char *table, int *applied,
                           char *err, size_t errlen);

/* Finds the SQL folder for a program: explicit if non-NULL, else <exe>/../share/sbw/sql when
 * it exists (an installed program), else the source tree's sql/ (a program in its build tree).
 * Writes it into out; returns 0, or -1 when none exists. */
int sbw_migrate_find_dir(const char *explicit_dir, char *out, size_t outlen);

#endif
