/* sbw_server_sql: the SQL of sbw-server (see sbw_server_sql.h; tables: sql/views/). */
#include "sbw_server_sql.h"

#define LO "(($1::date)::timestamp AT TIME ZONE $3)"
#define HI "(($2::date + 1)::timestamp AT TIME ZONE $3)"
#define IN_RANGE(col) col " >= " LO " AND " col " < " HI
#define LS(col) "($4 = 'all' OR " col " = $4)"
#define WHERE_HOURS " WHERE " IN_RANGE("hour_at") " AND " LS("login_state")

const char SBW_SQL_SESSION_SETUP[] =
    "SET TimeZone = 'UTC'; SET DateStyle = 'ISO'; SET statement_timeout = '300s'; "
    "SET client_min_messages = warning; SET jit = off; SET work_mem = '32MB'";

const char SBW_SQL_HEALTH[] =
    "SELECT generation, refreshed_at, newest_event_at, total_events, last_new_events, last_ms "
    "FROM analytics.refresh_state WHERE id = 1";

const char SBW_SQL_REFRESH[] = "SELECT generation, new_events, sessions, hours, ms FROM analytics.refresh()";

const char SBW_SQL_GENERATION[] = "SELECT generation FROM analytics.refresh_state WHERE id = 1";

const char SBW_SQL_TZ_VALID[] = "SELECT 1 FROM pg_timezone_names WHERE name = $1";

const char SBW_SQL_TODAY[] = "SELECT (now() AT TIME ZONE $1)::date::text";

/* Event-level sums over a set of event_hourly rows. */
#define EVENT_SUMS                                                                                 \
    "coalesce(sum(events), 0)::bigint AS events, "                                                 \
    "coalesce(sum(events) FILTER (WHERE event_name = 'page_view'), 0)::bigint AS page_views, "     \
    "coalesce(sum(events) FILTER (WHERE event_name = 'product_view'), 0)::bigint AS product_views, " \
    "coalesce(sum(events) FILTER (WHERE event_name = 'add_to_cart_click'), 0)::bigint AS add_to_carts, " \
    "coalesce(sum(events) FILTER (WHERE event_name = 'checkout_start'), 0)::bigint AS checkout_starts, " \
    "coalesce(sum(events) FILTER (WHERE event_name = 'checkout_complete'), 0)::bigint AS purchases, " \
    "coalesce(sum(revenue), 0) AS revenue "
#define VISITOR_COUNTS                                                                             \
    "count(DISTINCT visitor_n) FILTER (WHERE kind = 'c') AS unique_clients, "                     \
    "count(DISTINCT visitor_n) FILTER (WHERE kind = 'u') AS logged_in_users "
/* Exact distinct visitors of a range [LO, HI), and per day of b (analytics.visitor_counts:
 * daily and quarter-day bitmaps, hours only at the ends; sql/views/0002_refresh_cost.sql). */
#define VISITORS_RANGE                                                                             \
    "v AS (SELECT clients AS unique_clients, users AS logged_in_users "                            \
    "FROM analytics.visitor_counts(" LO ", " HI ", $4))"
#define VISITORS_DAYS                                                                              \
    "v AS (SELECT b.day, c.clients AS unique_clients, c.users AS logged_in_users FROM b "          \
    "CROSS JOIN LATERAL analytics.visitor_counts((b.day::timestamp AT TIME ZONE $3), "             \
    "((b.day + 1)::timestamp AT TIME ZONE $3), $4) c)"
#define FULL_LO "(((" LO ") AT TIME ZONE 'UTC') + interval '1 day' - interval '1 microsecond')::date"
#define FULL_HI "((" HI ") AT TIME ZONE 'UTC')::date"
/* Sums of session durations are rounded to milliseconds (the event time resolution): a
 * float sum would print as 195497.41299999997. */
#define SESSION_SUMS                                                                               \
    "coalesce(sum(sessions), 0)::bigint AS sessions, coalesce(sum(bounces), 0)::bigint AS bounces, " \
    "round(coalesce(sum(duration_s), 0)::numeric, 3) AS duration_s, "                            \
    "coalesce(sum(converted), 0)::bigint AS converted "

static const char Q_KPIS[] =
    "WITH e AS (SELECT " EVENT_SUMS "FROM analytics.event_hourly" WHERE_HOURS "), "
    VISITORS_RANGE ", "
    "s AS (SELECT " SESSION_SUMS "FROM analytics.session_hourly" WHERE_HOURS ") "
    "SELECT e.events, v.unique_clients, s.sessions, v.logged_in_users, e.page_views, "
    "e.product_views, e.add_to_carts, e.checkout_starts, e.purchases, e.revenue, "
    "s.converted AS converted_sessions, s.bounces, s.duration_s AS session_duration_s, "
    "round(100.0 * s.converted / nullif(s.sessions, 0), 2) AS conversion_rate, "
    "round(100.0 * e.purchases / nullif(e.add_to_carts, 0), 2) AS checkout_rate, "
    "round(100.0 * s.bounces / nullif(s.sessions, 0), 2) AS bounce_rate, "
    "round((s.duration_s / nullif(s.sessions, 0))::numeric, 1) AS avg_session_duration_s "
    "FROM e, v, s";

#define TS_SELECT(bucket)                                                                          \
    "SELECT b." bucket ", coalesce(e.events, 0) AS events, "                                       \
    "coalesce(v.unique_clients, 0) AS unique_clients, coalesce(s.sessions, 0) AS sessions, "      \
    "coalesce(v.logged_in_users, 0) AS logged_in_users, coalesce(e.page_views, 0) AS page_views, " \
    "coalesce(e.product_views, 0) AS product_views, coalesce(e.add_to_carts, 0) AS add_to_carts, " \
    "coalesce(e.checkout_starts, 0) AS checkout_starts, coalesce(e.purchases, 0) AS purchases, "  \
    "coalesce(e.revenue, 0) AS revenue, coalesce(s.converted, 0) AS converted_sessions, "         \
    "coalesce(s.bounces, 0) AS bounces, coalesce(s.duration_s, 0) AS session_duration_s "         \
    "FROM b LEFT JOIN e USING (" bucket ") LEFT JOIN v USING (" bucket ") "                      \
    "LEFT JOIN s USING (" bucket ") ORDER BY 1"

#define DAY_OF "(hour_at AT TIME ZONE $3)::date AS day, "
static const char Q_TS_DAY[] =
    "WITH b AS (SELECT d::date AS day FROM generate_series($1::date, $2::date, interval '1 day') AS d), "
    "e AS (SELECT " DAY_OF EVENT_SUMS "FROM analytics.event_hourly" WHERE_HOURS " GROUP BY 1), "
    VISITORS_DAYS ", "
    "s AS (SELECT " DAY_OF SESSION_SUMS "FROM analytics.session_hourly" WHERE_HOURS " GROUP BY 1) "
    TS_SELECT("day");

static const char Q_TS_HOUR[] =
    "WITH b AS (SELECT h AS hour_at FROM generate_series("
    "date_trunc('hour', " LO " - interval '1 microsecond', 'UTC') + interval '1 hour', "
    HI " - interval '1 microsecond', interval '1 hour') AS h), "
    "e AS (SELECT hour_at, " EVENT_SUMS "FROM analytics.event_hourly" WHERE_HOURS " GROUP BY 1), "
    "v AS (SELECT hour_at, " VISITOR_COUNTS "FROM analytics.visitor_hourly" WHERE_HOURS " GROUP BY 1), "
    "s AS (SELECT hour_at, " SESSION_SUMS "FROM analytics.session_hourly" WHERE_HOURS " GROUP BY 1) "
    TS_SELECT("hour_at");

#define BY_COLUMN(col)                                                                             \
    "SELECT " col ", sum(events)::bigint AS events, "                                              \
    "round(100.0 * sum(events) / nullif(sum(sum(events)) OVER (), 0), 2) AS share, "             \
    "count(*) OVER () AS total "                                                                   \
    "FROM analytics.event_hourly" WHERE_HOURS " GROUP BY 1 ORDER BY 2 DESC, 1 "                   \
    "LIMIT $5::bigint OFFSET $6::bigint"
static const char Q_BY_EVENT_NAME[] = BY_COLUMN("event_name");
static const char Q_BY_LOGIN_STATE[] = BY_COLUMN("login_state");

/* Per product in range: events, views, carts, removals (event hours) and purchases, revenue
 * (session_purchases by checkout time). */
/* Full UTC days of the range from the daily tables, its other hours from the hourly ones. */
#define WHOLE_DAYS " day >= " FULL_LO " AND day < " FULL_HI " AND " LS("login_state")
#define OUTSIDE_WHOLE_DAYS(col)                                                                    \
    " AND (" col " < (" FULL_LO ")::timestamp AT TIME ZONE 'UTC' OR " col " >= (" FULL_HI          \
    ")::timestamp AT TIME ZONE 'UTC')"
#define PRODUCT_JOIN                                                                               \
    "WITH p AS (SELECT product_id, sum(events) AS events, sum(views) AS views, "                   \
    "sum(add_to_carts) AS add_to_carts, sum(removals) AS removals FROM ("                         \
    "SELECT product_id, events, views, add_to_carts, removals FROM analytics.product_daily WHERE " \
    WHOLE_DAYS " UNION ALL "                                                                       \
    "SELECT product_id, events, views, add_to_carts, removals FROM analytics.product_hourly"       \
    WHERE_HOURS OUTSIDE_WHOLE_DAYS("hour_at") ") x GROUP BY 1), "                                 \
    "q AS (SELECT product_id, sum(purchases) AS purchases, sum(revenue) AS revenue FROM ("         \
    "SELECT product_id, purchases, revenue FROM analytics.product_purchase_daily WHERE "           \
    WHOLE_DAYS " UNION ALL "                                                                       \
    "SELECT product_id, 1, price FROM analytics.session_purchases WHERE " IN_RANGE("purchased_at") \
    " AND " LS("login_state") OUTSIDE_WHOLE_DAYS("purchased_at") ") x GROUP BY 1), "               \
    "j AS (SELECT product_id, coalesce(p.events, 0) AS events, coalesce(p.views, 0) AS views, "    \
    "coalesce(p.add_to_carts, 0) AS add_to_carts, coalesce(p.removals, 0) AS removals, "           \
    "coalesce(q.purchases, 0) AS purchases, coalesce(q.revenue, 0) AS revenue "                   \
    "FROM p FULL JOIN q USING (product_id)) "

#define ORDER_BY_TOP(prefix)                                                                       \
    "ORDER BY CASE $7 WHEN 'views' THEN sum(" prefix "views) WHEN 'add_to_cart' THEN sum(" prefix  \
    "add_to_carts) WHEN 'purchases' THEN sum(" prefix "purchases) WHEN 'revenue' THEN sum(" prefix \
    "revenue) ELSE sum(" prefix "events) END DESC, 1 LIMIT $5::bigint OFFSET $6::bigint"

#define BY_ATTRIBUTE(attr)                                                                         \
    PRODUCT_JOIN "SELECT coalesce(nullif(pr." attr ", ''), 'UNKNOWN') AS " attr ", "               \
    "sum(j.events)::bigint AS events, sum(j.views)::bigint AS views, "                             \
    "sum(j.add_to_carts)::bigint AS add_to_carts, sum(j.purchases)::bigint AS purchases, "          \
    "sum(j.revenue) AS revenue, count(*) OVER () AS total "                                        \
    "FROM j LEFT JOIN analytics.products pr USING (product_id) GROUP BY 1 " ORDER_BY_TOP("j.")
static const char Q_BY_CATEGORY[] = BY_ATTRIBUTE("category");
static const char Q_BY_BRAND[] = BY_ATTRIBUTE("brand");

static const char Q_PRODUCTS_TOP[] =
    PRODUCT_JOIN
    "SELECT j.product_id, pr.name, coalesce(nullif(pr.category, ''), 'UNKNOWN') AS category, "
    "coalesce(nullif(pr.brand, ''), 'UNKNOWN') AS brand, pr.price, pr.discount_price, "
    "sum(j.events)::bigint AS events, sum(j.views)::bigint AS views, "
    "sum(j.add_to_carts)::bigint AS add_to_carts, sum(j.removals)::bigint AS removals, "
    "sum(j.purchases)::bigint AS purchases, sum(j.revenue) AS revenue, "
    "round(100.0 * sum(j.add_to_carts) / nullif(sum(j.views), 0), 2) AS view_to_cart_rate, "
    "round(100.0 * sum(j.purchases) / nullif(sum(j.add_to_carts), 0), 2) AS cart_to_purchase_rate, "
    "count(*) OVER () AS total "
    "FROM j LEFT JOIN analytics.products pr USING (product_id) "
    "WHERE ($8::text IS NULL OR coalesce(nullif(pr.category, ''), 'UNKNOWN') = $8) "
    "AND ($9::text IS NULL OR coalesce(nullif(pr.brand, ''), 'UNKNOWN') = $9) "
    "GROUP BY j.product_id, pr.name, pr.category, pr.brand, pr.price, pr.discount_price "
    ORDER_BY_TOP("j.");

/* Sessions reaching step k: reached k-1 and sent step k's event at or after the time it
 * reached k-1 (the earliest such time, so later steps get every chance). */
static const char Q_FUNNEL[] =
    "WITH RECURSIVE s AS (SELECT session_key FROM analytics.sessions WHERE "
    IN_RANGE("started_at") " AND " LS("login_state") "), "
    "r AS (SELECT t.session_key, 1 AS k, t.first_at AS at FROM s "
    "JOIN analytics.session_event_times t ON t.session_key = s.session_key "
    "AND t.event_name = ($10::text[])[1] "
    "UNION ALL "
    "SELECT r.session_key, r.k + 1, n.at FROM r "
    "JOIN analytics.session_event_times t ON t.session_key = r.session_key "
    "AND t.event_name = ($10::text[])[r.k + 1] "
    "CROSS JOIN LATERAL (SELECT min(x) AS at FROM unnest(t.times) AS x WHERE x >= r.at) n "
    "WHERE r.k < cardinality($10::text[]) AND n.at IS NOT NULL) "
    "SELECT k, count(*)::bigint AS sessions FROM r GROUP BY k ORDER BY k";

/* The default funnel, precounted per start hour at refresh (same rule). */
static const char Q_FUNNEL_DEFAULT[] =
    "WITH f AS (SELECT coalesce(sum(funnel_1), 0) AS f1, coalesce(sum(funnel_2), 0) AS f2, "
    "coalesce(sum(funnel_3), 0) AS f3, coalesce(sum(funnel_4), 0) AS f4 "
    "FROM analytics.session_hourly" WHERE_HOURS ") "
    "SELECT k, (ARRAY[f1, f2, f3, f4])[k]::bigint AS sessions "
    "FROM f, generate_series(1, 4) AS k ORDER BY k";

#define SESSIONS_WHERE " WHERE " IN_RANGE("started_at") " AND " LS("login_state")
static const char Q_SESSIONS_SUMMARY[] =
    "SELECT n AS sessions, bounces, round(100.0 * bounces / nullif(n, 0), 2) AS bounce_rate, "
    "converted AS converted_sessions, "
    "round(100.0 * converted / nullif(n, 0), 2) AS conversion_rate, "
    "round(avg_d::numeric, 1) AS avg_duration_s, round(pc[1]::numeric, 1) AS median_duration_s, "
    "round(pc[2]::numeric, 1) AS p90_duration_s, round(avg_e, 2) AS avg_events, "
    "round(avg_pv, 2) AS avg_page_views, revenue, clients, first_visits FROM ("
    "SELECT count(*)::bigint AS n, count(*) FILTER (WHERE is_bounce)::bigint AS bounces, "
    "count(*) FILTER (WHERE purchases > 0)::bigint AS converted, avg(duration_s) AS avg_d, "
    /* one sort for both percentiles */
    "percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY duration_s) AS pc, "
    "avg(events) AS avg_e, avg(page_views) AS avg_pv, coalesce(sum(revenue), 0) AS revenue, "
    /* byte-wise comparison: the same distinct count, sorted faster than in the locale */
    "count(DISTINCT client_id COLLATE \"C\")::bigint AS clients, "
    "count(*) FILTER (WHERE is_first_visit)::bigint AS first_visits "
    "FROM analytics.sessions" SESSIONS_WHERE ") x";

/* Bucket counts from session_hourly.dur_buckets when the range is whole UTC hours, else (a
 * zone with a 30/45-minute offset) from the sessions themselves, exact by start time. */
#define WHOLE_HOURS "date_trunc('hour', " LO ", 'UTC') = " LO " AND date_trunc('hour', " HI ", 'UTC') = " HI
static const char Q_SESSIONS_DURATIONS[] =
    "WITH b(i, bucket, min_s, max_s) AS (VALUES (1, '0-10s', 0, 10), (2, '10-30s', 10, 30), "
    "(3, '30-60s', 30, 60), (4, '1-3m', 60, 180), (5, '3-10m', 180, 600), "
    "(6, '10-30m', 600, 1800), (7, '30m+', 1800, NULL)), "
    "c AS (SELECT i, sum(n)::bigint AS n FROM ("
    "SELECT k.i, h.dur_buckets[k.i] AS n FROM analytics.session_hourly h, generate_series(1, 7) AS k(i)"
    WHERE_HOURS " AND " WHOLE_HOURS " UNION ALL "
    "SELECT analytics.dur_bucket(duration_s), 1 FROM analytics.sessions" SESSIONS_WHERE
    " AND NOT (" WHOLE_HOURS ")) x GROUP BY i) "
    "SELECT b.bucket, b.min_s, b.max_s, coalesce(c.n, 0)::bigint AS sessions, "
    "round(100.0 * coalesce(c.n, 0) / nullif(sum(coalesce(c.n, 0)) OVER (), 0), 2) AS share "
    "FROM b LEFT JOIN c USING (i) ORDER BY b.i";

static const char Q_SESSIONS_LIST[] =
    "SELECT session_key, session_id, client_id, user_id, login_state, started_at, ended_at, "
    "duration_s, events, page_views, product_views, add_to_carts, checkout_starts, purchases, "
    "revenue, is_bounce, is_first_visit, entry_page, exit_page, count(*) OVER () AS total "
    "FROM analytics.sessions" SESSIONS_WHERE
    " ORDER BY CASE $7 WHEN 'duration' THEN duration_s WHEN 'events' THEN events "
    "WHEN 'revenue' THEN revenue END DESC NULLS LAST, started_at DESC, session_key "
    "LIMIT $5::bigint OFFSET $6::bigint";

#define LOCAL_DOW_HOUR                                                                             \
    "extract(isodow FROM hour_at AT TIME ZONE $3)::int AS weekday, "                               \
    "extract(hour FROM hour_at AT TIME ZONE $3)::int AS hour, "
static const char Q_HEATMAP[] =
    "WITH e AS (SELECT " LOCAL_DOW_HOUR "sum(events)::bigint AS events "
    "FROM analytics.event_hourly" WHERE_HOURS " GROUP BY 1, 2), "
    "s AS (SELECT " LOCAL_DOW_HOUR "sum(sessions)::bigint AS sessions "
    "FROM analytics.session_hourly" WHERE_HOURS " GROUP BY 1, 2), "
    "g AS (SELECT d AS weekday, h AS hour FROM generate_series(1, 7) d, generate_series(0, 23) h) "
    "SELECT g.weekday, g.hour, coalesce(e.events, 0) AS events, coalesce(s.sessions, 0) AS sessions "
    "FROM g LEFT JOIN e USING (weekday, hour) LEFT JOIN s USING (weekday, hour) ORDER BY 1, 2";

static const char Q_EVENTS_RECENT[] =
    "SELECT event_timestamp, event_name, coalesce(user_login_state, 'anonymous') AS login_state, "
    "user_id, client_id, session_id, context_product_id AS product_id, "
    "context_product_name AS product_name, context_product_category AS category, "
    "context_product_brand AS brand, context_product_price AS price, "
    "context_product_discount_price AS discount_price, page_url, event_id::text AS event_id "
    "FROM public.clickstream_events WHERE " IN_RANGE("event_timestamp") " AND "
    LS("coalesce(user_login_state, 'anonymous')")
    " AND (NOT $7::boolean OR context_product_id IS NOT NULL) "
    "ORDER BY event_timestamp DESC, event_id LIMIT $5::bigint OFFSET $6::bigint";

/* Total for paging the raw sample, from the aggregates (events not yet refreshed are not
 * counted). */
static const char Q_EVENTS_RECENT_TOTAL[] =
    "SELECT CASE WHEN $7::boolean THEN (SELECT coalesce(sum(events), 0) FROM "
    "analytics.product_hourly" WHERE_HOURS ") ELSE (SELECT coalesce(sum(events), 0) FROM "
    "analytics.event_hourly" WHERE_HOURS ") END::bigint AS total";

const char *sbw_sql_query(sbw_query_t q)
{
    static const char *const all[SBW_Q_COUNT] = {
        [SBW_Q_KPIS] = Q_KPIS,
        [SBW_Q_TS_DAY] = Q_TS_DAY,
        [SBW_Q_TS_HOUR] = Q_TS_HOUR,
        [SBW_Q_BY_EVENT_NAME] = Q_BY_EVENT_NAME,
        [SBW_Q_BY_LOGIN_STATE] = Q_BY_LOGIN_STATE,
        [SBW_Q_BY_CATEGORY] = Q_BY_CATEGORY,
        [SBW_Q_BY_BRAND] = Q_BY_BRAND,
        [SBW_Q_FUNNEL] = Q_FUNNEL,
        [SBW_Q_FUNNEL_DEFAULT] = Q_FUNNEL_DEFAULT,
        [SBW_Q_PRODUCTS_TOP] = Q_PRODUCTS_TOP,
        [SBW_Q_SESSIONS_SUMMARY] = Q_SESSIONS_SUMMARY,
        [SBW_Q_SESSIONS_DURATIONS] = Q_SESSIONS_DURATIONS,
        [SBW_Q_SESSIONS_LIST] = Q_SESSIONS_LIST,
        [SBW_Q_HEATMAP] = Q_HEATMAP,
        [SBW_Q_EVENTS_RECENT] = Q_EVENTS_RECENT,
        [SBW_Q_EVENTS_RECENT_TOTAL] = Q_EVENTS_RECENT_TOTAL,
    };
    return all[q];
}
