/* sbw_config: a program's settings as one table of variables, read once at start.
 *
 * Each program declares a static table of sbw_cfg_var_t (name, aliases, type, default,
 * bounds, secret or not, help) and loads it with sbw_cfg_load from a lookup function (getenv
 * in main, a fixed table in tests). Loading copies every value; the sbw_cfg_t owns them.
 * A bad value names the variable in the error and the program exits at start. */
#ifndef SBW_CONFIG_H
#define SBW_CONFIG_H

#include <stddef.h>
#include <stdio.h>

typedef enum { SBW_CFG_STR, SBW_CFG_INT, SBW_CFG_BOOL } sbw_cfg_type_t;

typedef struct {
    const char *name;    /* the variable, e.g. "DW_PG_HOST" */
    const char *aliases; /* other names accepted, space separated (e.g. "DWH_HOST"), or NULL */
    sbw_cfg_type_t type;
    const char *def;     /* default as text, or NULL for "unset" */
    long min, max;       /* bounds for SBW_CFG_INT (inclusive) */
    int secret;          /* never printed */
    const char *help;    /* one line for --help and the example env file */
} sbw_cfg_var_t;

typedef struct {
    const sbw_cfg_var_t *vars; /* borrowed: the program's static table */
    size_t n;
    char **values;       /* owned; NULL where unset and no default */
    const char **source; /* which name supplied each value (borrowed from vars), or NULL */
} sbw_cfg_t;

/* Looks a name up; returns a borrowed string or NULL. ud is passed through. */
typedef const char *(*sbw_cfg_lookup_fn)(const char *name, void *ud);

/* Adapter for the process environment, for use in main only. */
const char *sbw_cfg_getenv(const char *name, void *ud);

/* Loads every variable of the table: the first of name, then aliases, that is set and
 * non-empty wins, else the default. Ints are checked for syntax and bounds, bools accept
 * 1/0/true/false/yes/no/on/off. Returns 0, or -1 with a message naming the variable in err
 * (and *out left empty, nothing to free). On success free with sbw_cfg_cleanup. */
int sbw_cfg_load(const sbw_cfg_var_t *vars, size_t n, sbw_cfg_lookup_fn lookup, void *ud,
                 sbw_cfg_t *out, char *err, size_t errlen);

/* Frees the values; accepts a zeroed or already cleaned cfg. */
void sbw_cfg_cleanup(sbw_cfg_t *cfg);

/* Typed reads by primary name. An unknown name is a programming error and aborts. */
const char *sbw_cfg_str(const sbw_cfg_t *cfg, const char *name); /* NULL when unset */
long sbw_cfg_int(const sbw_cfg_t *cfg, const char *name);        /* 0 when unset */
int sbw_cfg_bool(const sbw_cfg_t *cfg, const char *name);        /* 0 when unset */

/* Parses a bool as sbw_cfg_load does. Returns 0 and sets *out, or -1. */
int sbw_cfg_parse_bool(const char *s, int *out);

/* Writes "NAME=value" lines, secrets as "<set>"/"<unset>" (for --print-config). */
void sbw_cfg_print(const sbw_cfg_t *cfg, FILE *f);

/* Writes the table as a commented example env file (for docs and --example-env). */
void sbw_cfg_print_example(const sbw_cfg_var_t *vars, size_t n, FILE *f);

#endif
