/* sbw_server_params: the API's query parameters, parsed and validated (pure: no I/O).
 *
 * A query string is split on '&', each name and value percent-decoded ('+' is a space).
 * Every endpoint allows a fixed set of names; an unknown or repeated name, a bad value, a
 * date range with from > to or longer than SBW_PARAMS_MAX_DAYS is an error whose message
 * names the parameter (the server answers 400 with it). Values never reach SQL text: they
 * are bound as parameters. Defaults that need "today" are left for the caller (from/to
 * empty strings mean "not given"). */
#ifndef SBW_SERVER_PARAMS_H
#define SBW_SERVER_PARAMS_H

#include <stddef.h>

#define SBW_PARAMS_MAX_DAYS 366
#define SBW_PARAMS_MAX_STEPS 8
#define SBW_PARAMS_MAX_LIMIT 1000
#define SBW_PARAMS_MAX_OFFSET 1000000
#define SBW_PARAMS_MAX_QUERY 2048

/* One bit per parameter name. */
enum {
    SBW_P_FROM = 1 << 0,
    SBW_P_TO = 1 << 1,
    SBW_P_TZ = 1 << 2,
    SBW_P_LOGIN_STATE = 1 << 3,
    SBW_P_LIMIT = 1 << 4,
    SBW_P_OFFSET = 1 << 5,
    SBW_P_FORMAT = 1 << 6,
    SBW_P_COMPARE = 1 << 7,
    SBW_P_METRIC = 1 << 8,
    SBW_P_INTERVAL = 1 << 9,
    SBW_P_BY = 1 << 10,
    SBW_P_STEPS = 1 << 11,
    SBW_P_CATEGORY = 1 << 12,
    SBW_P_BRAND = 1 << 13,
    SBW_P_PRODUCT_ONLY = 1 << 14,
    SBW_P_SORT = 1 << 15,
};
#define SBW_P_RANGE (SBW_P_FROM | SBW_P_TO | SBW_P_TZ | SBW_P_LOGIN_STATE | SBW_P_FORMAT)
#define SBW_P_PAGE (SBW_P_LIMIT | SBW_P_OFFSET)

typedef struct {
    unsigned given;       /* SBW_P_* bits of the names present */
    char from[11], to[11]; /* YYYY-MM-DD, "" when not given */
    char tz[64];          /* IANA name (checked against the database by the caller); "UTC" */
    char login_state[16]; /* all | logged_in | anonymous | guest */
    long limit, offset;   /* limit -1 when not given (the endpoint's default applies) */
    int csv;              /* format=csv */
    int compare;          /* compare=previous_period */
    char metric[32];      /* timeseries metric, "" when not given */
    char interval[8];     /* day | hour */
    char by[32];          /* breakdown dimension / top ordering */
    char sort[32];        /* sessions ordering */
    char category[128], brand[128]; /* "" when not given */
    int product_only;
    int nsteps; /* 0 when not given */
    char steps[SBW_PARAMS_MAX_STEPS][65];
} sbw_params_t;

/* Parses query (may be NULL or "") allowing the names in allowed (SBW_P_* bits). Fills *p
 * with defaults first (tz UTC, login_state all, limit -1, interval day). Returns 0, or -1
 * with a message naming the parameter in err. Checks from <= to and the range length when
 * both are given. */
int sbw_params_parse(const char *query, unsigned allowed, sbw_params_t *p, char *err,
                     size_t errlen);

/* Days from a to b (YYYY-MM-DD each, valid): b - a. */
long sbw_params_days_between(const char *a, const char *b);

/* Writes the date d + days (YYYY-MM-DD) into out (11 bytes). d must be valid. */
void sbw_params_add_days(const char *d, long days, char out[11]);

/* Returns 1 when s is a valid YYYY-MM-DD calendar date between 1970 and 9999. */
int sbw_params_is_date(const char *s);

/* Fills the defaults that depend on today (the analyst's date, YYYY-MM-DD): neither given:
 * the last 7 days ending today; only from: from .. today; only to: to - 6 .. to. Then
 * checks order (from <= to) and length (<= SBW_PARAMS_MAX_DAYS days). Returns 0, or -1 with err naming the
 * parameter. */
int sbw_params_resolve_dates(sbw_params_t *p, const char *today, char *err, size_t errlen);

/* Writes a canonical form of the parsed request (every field, fixed order) for cache keys.
 * Returns the length, or -1 when it does not fit. */
int sbw_params_canonical(const sbw_params_t *p, const char *path, char *out, size_t outlen);

#endif
