/* sbw_server_sql: every SQL statement of sbw-server (the repository; handlers build none).
 *
 * Range queries take the same ten text parameters, cast in SQL:
 *   $1 from (date)  $2 to (date, inclusive)  $3 tz (IANA name)  $4 login_state (all|...)
 *   $5 limit  $6 offset  $7 by / sort / product_only  $8 category  $9 brand  $10 steps (text[])
 * A day of the analyst's zone is [from 00:00, to+1 00:00) local, compared with UTC hour
 * buckets (a bucket belongs to the local day its start falls in). */
#ifndef SBW_SERVER_SQL_H
#define SBW_SERVER_SQL_H

#define SBW_SQL_NPARAMS 10

typedef enum {
    SBW_Q_KPIS,
    SBW_Q_TS_DAY,
    SBW_Q_TS_HOUR,
    SBW_Q_BY_EVENT_NAME,
    SBW_Q_BY_LOGIN_STATE,
    SBW_Q_BY_CATEGORY,
    SBW_Q_BY_BRAND,
    SBW_Q_FUNNEL,
    SBW_Q_FUNNEL_DEFAULT, /* the default steps, from session_hourly */
    SBW_Q_PRODUCTS_TOP,
    SBW_Q_SESSIONS_SUMMARY,
    SBW_Q_SESSIONS_DURATIONS,
    SBW_Q_SESSIONS_LIST,
    SBW_Q_HEATMAP,
    SBW_Q_EVENTS_RECENT,
    SBW_Q_EVENTS_RECENT_TOTAL,
    SBW_Q_COUNT
} sbw_query_t;

/* The statement text of a query id (static). */
const char *sbw_sql_query(sbw_query_t q);

/* Not range queries. */
extern const char SBW_SQL_SESSION_SETUP[]; /* TimeZone UTC, DateStyle ISO, timeout, no JIT */
extern const char SBW_SQL_HEALTH[];        /* one row: generation, refreshed_at, ... */
extern const char SBW_SQL_REFRESH[];       /* analytics.refresh(): generation, new_events, ... */
extern const char SBW_SQL_GENERATION[];    /* one row: generation */
extern const char SBW_SQL_TZ_VALID[];      /* $1 name: one row when an IANA zone of the server */
extern const char SBW_SQL_TODAY[];         /* $1 zone: today's date there */

#endif
