/* sbw_server_table: a result table (named, typed columns of text cells) and its rendering
 * as the API's JSON and CSV (pure: no I/O).
 *
 * JSON shape of every table-shaped answer (docs/api.md):
 *   {"columns":["day","events"],"types":["date","integer"],"rows":[["2026-11-20",12],...]}
 * plus "total" (rows before paging) for paged endpoints and any extra members the caller
 * adds. Types: integer, number, string, boolean, date, timestamp (ISO 8601 UTC, "...Z").
 * A table owns its cells (malloc'd strings; NULL is a missing value). */
#ifndef SBW_SERVER_TABLE_H
#define SBW_SERVER_TABLE_H

#include <stddef.h>

#include <libpq-fe.h>

typedef enum {
    SBW_T_INTEGER,
    SBW_T_NUMBER,
    SBW_T_STRING,
    SBW_T_BOOLEAN,
    SBW_T_DATE,
    SBW_T_TIMESTAMP
} sbw_coltype_t;

#define SBW_TABLE_MAX_COLS 32

typedef struct {
    int ncols;
    char *names[SBW_TABLE_MAX_COLS];
    sbw_coltype_t types[SBW_TABLE_MAX_COLS];
    int nrows, cap;
    char **cells; /* nrows * ncols, row-major; owned */
    long long total; /* -1: not a paged table */
} sbw_table_t;

/* Starts an empty table (total -1). Columns are added with sbw_table_col. */
void sbw_table_init(sbw_table_t *t);

/* Adds a column (name copied). Returns 0, or -1 when full or out of memory. */
int sbw_table_col(sbw_table_t *t, const char *name, sbw_coltype_t type);

/* Appends a row of ncols cells (each copied; NULL allowed). Returns 0, or -1 out of memory. */
int sbw_table_row(sbw_table_t *t, const char *const *cells);

/* Converts a PGresult (tuples) into *t: types from the column OIDs; timestamptz text
 * ("2026-11-20 03:00:00+00", session TimeZone UTC) becomes "2026-11-20T03:00:00Z". A column
 * named "total" is removed and its first value goes to t->total (0 when no rows).
 * Returns 0, or -1 out of memory (t cleaned). */
int sbw_table_from_pg(sbw_table_t *t, const PGresult *r);

/* Index of a column by name, or -1. */
int sbw_table_find(const sbw_table_t *t, const char *name);

/* Keeps only the columns listed (by index, in that order). Returns 0 or -1. */
int sbw_table_project(sbw_table_t *t, const int *cols, int n);

/* Frees the cells and names; accepts a zeroed or cleaned table. */
void sbw_table_cleanup(sbw_table_t *t);

/* Renders JSON. extra: members to add at the end, already JSON ("\"generation\":3") or NULL.
 * Returns a malloc'd NUL-terminated string (*len its length), or NULL out of memory. */
char *sbw_table_json(const sbw_table_t *t, const char *extra, size_t *len);

/* Renders CSV (RFC 4180: header line, CRLF line ends, fields quoted when needed; a missing
 * value is an empty field). Returns a malloc'd string, or NULL out of memory. */
char *sbw_table_csv(const sbw_table_t *t, size_t *len);

/* A growing output buffer for rendering. Appends never fail loudly: out of memory sets oom
 * (and later appends do nothing); the owner checks oom once and frees data. */
typedef struct {
    char *data;
    size_t len, cap;
    int oom;
} sbw_out_t;
void sbw_out_put(sbw_out_t *o, const char *s, size_t n);
void sbw_out_str(sbw_out_t *o, const char *s);
/* Appends s as a JSON string literal (quotes, escapes). */
void sbw_out_json_string(sbw_out_t *o, const char *s);
void sbw_out_printf(sbw_out_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
