-- 0002_refresh_cost: refresh cost that follows the new data, and exact distinct visitors over
-- long ranges without a scan of every visitor row (docs/metrics.md, bench/refresh.sh).
--
-- visitor_ids: grain one row per visitor (kind 'c' client_id, 'u' logged-in user_id), keys
-- (kind, visitor_id) and visitor_n, a dense number given in order of first appearance.
-- Refresh: the new visitors of the new events are appended (numbers never change).
--
-- visitor_hourly (replaces 0001's): grain (UTC hour, login state, kind, visitor_n); the same
-- rows as before with the visitor's number instead of its id. Refresh: the visitors of the
-- new events added (a set: hours only grow).
--
-- visitor_daily: grain (UTC day, login state, kind, chunk): bits is a bitmap of 8192 bits,
-- bit i set when visitor number chunk * 8192 + i was seen that day. Distinct visitors of a
-- range = bit_count of the OR of the days' bitmaps (plus the hours of partial days): exact.
-- Refresh: the new visitors' bits ORed into their days.
--
-- visitor_quarterly: the same bitmaps per UTC quarter day (6 hours, quarter_at its start), so
-- that a range in a zone with an offset reads at most 5 hours at each end from visitor_hourly.
-- analytics.visitor_counts(lo, hi, login state) counts a range from the three tables.
--
-- session_hourly gains dur_buckets: sessions per duration bucket (0-10 s, 10-30 s, 30-60 s,
-- 1-3 min, 3-10 min, 10-30 min, 30 min+; lower bound inclusive), for /sessions/durations.
-- Refresh: with the other columns (the start hours that lost or gained a session).
--
-- product_daily: grain (UTC day, login state, product id), the sums of product_hourly per
-- UTC day. Refresh: the new events added, like product_hourly.
--
-- product_purchase_daily: grain (UTC day of the checkout_complete, login state, product id):
-- purchases and revenue of session_purchases per day. Refresh: the days of the purchases the
-- refresh deleted or inserted re-derived from session_purchases.
--
-- analytics.refresh() (replaces 0001's, same result): every hour-grain aggregate (events,
-- products, visitors) is updated by adding the new events (the event table is insert-only and
-- the watermark hands each event to exactly one refresh), so it never re-reads an hour; the
-- touched sessions are re-derived from their events read by index (session id, or client id
-- and time window); every other read of a large table is an index lookup per touched key
-- (LATERAL ... OFFSET 0 and = ANY(ARRAY(...)) keep the planner from hashing whole tables).

CREATE TABLE analytics.visitor_ids (
    kind       "char"  NOT NULL,
    visitor_id text    NOT NULL,
    visitor_n  integer NOT NULL UNIQUE,
    PRIMARY KEY (kind, visitor_id)
);

CREATE TABLE analytics.visitor_hourly_n (
    hour_at     timestamptz NOT NULL,
    login_state text        NOT NULL,
    kind        "char"      NOT NULL,
    visitor_n   integer     NOT NULL,
    PRIMARY KEY (hour_at, login_state, kind, visitor_n)
);

CREATE TABLE analytics.visitor_daily (
    day         date        NOT NULL,
    login_state text        NOT NULL,
    kind        "char"      NOT NULL,
    chunk       integer     NOT NULL,
    bits        bit varying NOT NULL,  -- always 8192 bits
    PRIMARY KEY (day, login_state, kind, chunk)
);

CREATE TABLE analytics.visitor_quarterly (
    quarter_at  timestamptz NOT NULL,
    login_state text        NOT NULL,
    kind        "char"      NOT NULL,
    chunk       integer     NOT NULL,
    bits        bit varying NOT NULL,  -- always 8192 bits
    PRIMARY KEY (quarter_at, login_state, kind, chunk)
);

-- The start of the UTC quarter day (00, 06, 12, 18 h) that t falls in.
CREATE FUNCTION analytics.quarter_of(t timestamptz) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT date_trunc('day', t, 'UTC')
           + floor(extract(epoch FROM t - date_trunc('day', t, 'UTC')) / 21600) * interval '6 hours'
$$;

-- Exact distinct clients and logged-in users with an event in [lo, hi) (whole UTC hours at
-- both ends, or the hour starting in the range for a zone with a 30/45-minute offset), for
-- login state ls ('all' or one): the OR of the bitmaps of the whole UTC days, then of the whole
-- quarter days left, then the visitors of the remaining hours whose bit is not set.
CREATE FUNCTION analytics.visitor_counts(lo timestamptz, hi timestamptz, ls text,
                                         OUT clients bigint, OUT users bigint)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    fd date := ((lo AT TIME ZONE 'UTC') + interval '1 day' - interval '1 microsecond')::date;
    td date := (hi AT TIME ZONE 'UTC')::date;
    fdts timestamptz := fd::timestamp AT TIME ZONE 'UTC';
    tdts timestamptz := td::timestamp AT TIME ZONE 'UTC';
    qlo timestamptz := analytics.quarter_of(lo - interval '1 microsecond') + interval '6 hours';
    qhi timestamptz := analytics.quarter_of(hi);
BEGIN
    IF qlo > qhi THEN  -- shorter than a quarter day: hours only
        qlo := hi;
        qhi := hi;
    END IF;
    WITH b AS MATERIALIZED (
        SELECT x.kind, x.chunk, bit_or(x.bits) AS bits
          FROM (SELECT d.kind, d.chunk, d.bits FROM analytics.visitor_daily d
                 WHERE d.day >= fd AND d.day < td AND (ls = 'all' OR d.login_state = ls)
                UNION ALL
                SELECT q.kind, q.chunk, q.bits FROM analytics.visitor_quarterly q
                 WHERE q.quarter_at >= qlo AND q.quarter_at < qhi
                   AND NOT (q.quarter_at >= fdts AND q.quarter_at < tdts)
                   AND (ls = 'all' OR q.login_state = ls)) x
         GROUP BY 1, 2),
    h AS (SELECT DISTINCT v.kind, v.visitor_n FROM analytics.visitor_hourly v
           WHERE ((v.hour_at >= lo AND v.hour_at < qlo) OR (v.hour_at >= qhi AND v.hour_at < hi))
             AND (ls = 'all' OR v.login_state = ls)),
    n AS (SELECT b.kind, bit_count(b.bits) AS n FROM b
          UNION ALL
          SELECT h.kind, 1 FROM h LEFT JOIN b ON b.kind = h.kind AND b.chunk = h.visitor_n >> 13
           WHERE b.bits IS NULL OR get_bit(b.bits, h.visitor_n & 8191) = 0)
    SELECT coalesce(sum(n.n) FILTER (WHERE n.kind = 'c'), 0)::bigint,
           coalesce(sum(n.n) FILTER (WHERE n.kind = 'u'), 0)::bigint
      INTO clients, users FROM n;
END
$$;

CREATE TABLE analytics.product_daily (
    day          date    NOT NULL,
    login_state  text    NOT NULL,
    product_id   text    NOT NULL,
    events       bigint  NOT NULL,
    views        bigint  NOT NULL,
    add_to_carts bigint  NOT NULL,
    removals     bigint  NOT NULL,
    PRIMARY KEY (day, login_state, product_id)
);

CREATE TABLE analytics.product_purchase_daily (
    day          date    NOT NULL,
    login_state  text    NOT NULL,
    product_id   text    NOT NULL,
    purchases    bigint  NOT NULL,
    revenue      numeric NOT NULL,
    PRIMARY KEY (day, login_state, product_id)
);

-- The 8192-bit bitmap with the given offsets (distinct, 0..8191) set.
CREATE FUNCTION analytics.chunk_bits(offsets integer[]) RETURNS bit varying
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT rpad(string_agg(repeat('0', o - p - 1) || '1', '' ORDER BY o), 8192, '0')::bit varying
      FROM (SELECT o, coalesce(lag(o) OVER (ORDER BY o), -1) AS p FROM unnest(offsets) AS o) x
$$;

-- Existing aggregates carried over (a fresh install has none).
INSERT INTO analytics.visitor_ids (kind, visitor_id, visitor_n)
    SELECT kind, visitor_id, row_number() OVER (ORDER BY min(hour_at), kind, visitor_id) - 1
      FROM analytics.visitor_hourly GROUP BY kind, visitor_id;
INSERT INTO analytics.visitor_hourly_n
    SELECT v.hour_at, v.login_state, v.kind, i.visitor_n
      FROM analytics.visitor_hourly v JOIN analytics.visitor_ids i USING (kind, visitor_id);
DROP TABLE analytics.visitor_hourly;
ALTER TABLE analytics.visitor_hourly_n RENAME TO visitor_hourly;
ALTER INDEX analytics.visitor_hourly_n_pkey RENAME TO visitor_hourly_pkey;
INSERT INTO analytics.visitor_daily
    SELECT (hour_at AT TIME ZONE 'UTC')::date, login_state, kind, visitor_n >> 13,
           analytics.chunk_bits(array_agg(DISTINCT visitor_n & 8191))
      FROM analytics.visitor_hourly GROUP BY 1, 2, 3, 4;

ALTER TABLE analytics.session_hourly
    ADD COLUMN dur_buckets bigint[] NOT NULL DEFAULT '{0,0,0,0,0,0,0}';
-- The duration bucket counts of a set of sessions (the buckets of /sessions/durations).
CREATE FUNCTION analytics.dur_bucket(d double precision) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN d < 10 THEN 1 WHEN d < 30 THEN 2 WHEN d < 60 THEN 3 WHEN d < 180 THEN 4
                WHEN d < 600 THEN 5 WHEN d < 1800 THEN 6 ELSE 7 END
$$;
UPDATE analytics.session_hourly h SET dur_buckets = x.b
  FROM (SELECT date_trunc('hour', started_at, 'UTC') AS hour_at, login_state,
               ARRAY[count(*) FILTER (WHERE analytics.dur_bucket(duration_s) = 1),
                     count(*) FILTER (WHERE analytics.dur_bucket(duration_s) = 2),
                     count(*) FILTER (WHERE analytics.dur_bucket(duration_s) = 3),
                     count(*) FILTER (WHERE analytics.dur_bucket(duration_s) = 4),
                     count(*) FILTER (WHERE analytics.dur_bucket(duration_s) = 5),
                     count(*) FILTER (WHERE analytics.dur_bucket(duration_s) = 6),
                     count(*) FILTER (WHERE analytics.dur_bucket(duration_s) = 7)] AS b
          FROM analytics.sessions GROUP BY 1, 2) x
 WHERE x.hour_at = h.hour_at AND x.login_state = h.login_state;
INSERT INTO analytics.visitor_quarterly
    SELECT analytics.quarter_of(hour_at), login_state, kind, visitor_n >> 13,
           analytics.chunk_bits(array_agg(DISTINCT visitor_n & 8191))
      FROM analytics.visitor_hourly GROUP BY 1, 2, 3, 4;
INSERT INTO analytics.product_daily
    SELECT (hour_at AT TIME ZONE 'UTC')::date, login_state, product_id, sum(events), sum(views),
           sum(add_to_carts), sum(removals)
      FROM analytics.product_hourly GROUP BY 1, 2, 3;
INSERT INTO analytics.product_purchase_daily
    SELECT (purchased_at AT TIME ZONE 'UTC')::date, login_state, product_id, count(*), sum(price)
      FROM analytics.session_purchases GROUP BY 1, 2, 3;

CREATE OR REPLACE FUNCTION analytics.refresh(
    OUT generation bigint, OUT new_events bigint, OUT sessions bigint, OUT hours bigint,
    OUT ms double precision)
LANGUAGE plpgsql SET work_mem = '64MB' AS $$
#variable_conflict use_column
DECLARE
    t0 timestamptz := clock_timestamp();
    wm timestamptz;
    new_wm timestamptz;
    vmax integer;
    newest timestamptz;
BEGIN
    PERFORM pg_advisory_xact_lock(726173005);
    SELECT s.watermark, s.generation INTO wm, generation FROM analytics.refresh_state s WHERE id = 1;

    -- The new events (index range on loaded_at), with the columns every step below needs.
    CREATE TEMP TABLE r_new ON COMMIT DROP AS
        SELECT e.event_id, e.event_timestamp, e.event_name, e.user_id, e.user_login_state,
               e.client_id, e.session_id, e.is_first_visit, e.context_product_id,
               e.context_product_price, e.context_product_discount_price, e.page_url, e.element,
               e.context_product_name, e.context_product_category, e.context_product_brand,
               e.loaded_at, date_trunc('hour', e.event_timestamp, 'UTC') AS hour_at,
               analytics.login_state(e.user_login_state) AS ls
          FROM public.clickstream_events e WHERE e.loaded_at > wm;
    ANALYZE r_new;
    SELECT count(*), max(loaded_at), count(DISTINCT hour_at), max(event_timestamp)
      INTO new_events, new_wm, hours, newest FROM r_new;
    sessions := 0;
    IF new_events = 0 THEN
        hours := 0;
        ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
        RETURN;
    END IF;

    -- 1. Hour aggregates: the new events added to their hours.
    INSERT INTO analytics.event_hourly AS a
        SELECT hour_at, ls, event_name, count(*),
               coalesce(sum(analytics.order_total(element))
                        FILTER (WHERE event_name = 'checkout_complete'), 0)
          FROM r_new GROUP BY 1, 2, 3
        ON CONFLICT (hour_at, login_state, event_name) DO UPDATE
           SET events = a.events + excluded.events, revenue = a.revenue + excluded.revenue;

    INSERT INTO analytics.product_hourly AS a
        SELECT hour_at, ls, context_product_id, count(*),
               count(*) FILTER (WHERE event_name = 'product_view'),
               count(*) FILTER (WHERE event_name = 'add_to_cart_click'),
               count(*) FILTER (WHERE event_name = 'remove_from_cart_click')
          FROM r_new WHERE context_product_id IS NOT NULL GROUP BY 1, 2, 3
        ON CONFLICT (hour_at, login_state, product_id) DO UPDATE
           SET events = a.events + excluded.events, views = a.views + excluded.views,
               add_to_carts = a.add_to_carts + excluded.add_to_carts,
               removals = a.removals + excluded.removals;

    INSERT INTO analytics.product_daily AS a
        SELECT (hour_at AT TIME ZONE 'UTC')::date, ls, context_product_id, count(*),
               count(*) FILTER (WHERE event_name = 'product_view'),
               count(*) FILTER (WHERE event_name = 'add_to_cart_click'),
               count(*) FILTER (WHERE event_name = 'remove_from_cart_click')
          FROM r_new WHERE context_product_id IS NOT NULL GROUP BY 1, 2, 3
        ON CONFLICT (day, login_state, product_id) DO UPDATE
           SET events = a.events + excluded.events, views = a.views + excluded.views,
               add_to_carts = a.add_to_carts + excluded.add_to_carts,
               removals = a.removals + excluded.removals;

    INSERT INTO analytics.products AS p
        SELECT DISTINCT ON (context_product_id) context_product_id, context_product_name,
               context_product_category, context_product_brand, context_product_price,
               context_product_discount_price, event_timestamp
          FROM r_new WHERE context_product_id IS NOT NULL
         ORDER BY context_product_id, event_timestamp DESC
        ON CONFLICT (product_id) DO UPDATE
           SET name = excluded.name, category = excluded.category, brand = excluded.brand,
               price = excluded.price, discount_price = excluded.discount_price,
               seen_at = excluded.seen_at
         WHERE excluded.seen_at >= p.seen_at;

    -- Visitors: numbered (new ones appended), then added to their hours and days.
    CREATE TEMP TABLE r_vis ON COMMIT DROP AS
        SELECT DISTINCT hour_at, ls AS login_state, 'c'::"char" AS kind, client_id AS visitor_id
          FROM r_new WHERE client_id IS NOT NULL
        UNION
        SELECT DISTINCT hour_at, ls, 'u'::"char", user_id
          FROM r_new WHERE user_id IS NOT NULL AND ls = 'logged_in';
    SELECT coalesce(max(i.visitor_n), -1) INTO vmax FROM analytics.visitor_ids i;
    CREATE TEMP TABLE r_vids ON COMMIT DROP AS
        SELECT v.kind, v.visitor_id, i.visitor_n IS NULL AS is_new,
               coalesce(i.visitor_n, (vmax + row_number() OVER (
                   PARTITION BY i.visitor_n IS NULL ORDER BY v.first_hour, v.kind, v.visitor_id))::integer)
                   AS visitor_n
          FROM (SELECT kind, visitor_id, min(hour_at) AS first_hour FROM r_vis GROUP BY 1, 2) v
          LEFT JOIN LATERAL (SELECT i.visitor_n FROM analytics.visitor_ids i
                              WHERE i.kind = v.kind AND i.visitor_id = v.visitor_id OFFSET 0) i ON true;
    INSERT INTO analytics.visitor_ids SELECT kind, visitor_id, visitor_n FROM r_vids WHERE is_new;
    CREATE TEMP TABLE r_visn ON COMMIT DROP AS
        SELECT v.hour_at, v.login_state, v.kind, i.visitor_n
          FROM r_vis v JOIN r_vids i USING (kind, visitor_id);
    INSERT INTO analytics.visitor_hourly SELECT * FROM r_visn ON CONFLICT DO NOTHING;
    INSERT INTO analytics.visitor_daily AS d
        SELECT (hour_at AT TIME ZONE 'UTC')::date, login_state, kind, visitor_n >> 13,
               analytics.chunk_bits(array_agg(DISTINCT visitor_n & 8191))
          FROM r_visn GROUP BY 1, 2, 3, 4
        ON CONFLICT (day, login_state, kind, chunk) DO UPDATE SET bits = d.bits | excluded.bits;
    INSERT INTO analytics.visitor_quarterly AS d
        SELECT analytics.quarter_of(hour_at), login_state, kind, visitor_n >> 13,
               analytics.chunk_bits(array_agg(DISTINCT visitor_n & 8191))
          FROM r_visn GROUP BY 1, 2, 3, 4
        ON CONFLICT (quarter_at, login_state, kind, chunk) DO UPDATE SET bits = d.bits | excluded.bits;

    -- 2. Sessions touched by the new events.
    -- 2a. Client windows of events without a session id, widened to the sessions they touch.
    CREATE TEMP TABLE r_win ON COMMIT DROP AS
        SELECT client_id, min(event_timestamp) - interval '30 minutes' AS lo,
               max(event_timestamp) + interval '30 minutes' AS hi
          FROM r_new WHERE session_id IS NULL AND client_id IS NOT NULL GROUP BY client_id;
    CREATE TEMP TABLE r_old ON COMMIT DROP AS
        SELECT s.session_key, s.started_at, s.ended_at, s.login_state, w.client_id
          FROM r_win w
          CROSS JOIN LATERAL (SELECT s.session_key, s.started_at, s.ended_at, s.login_state
                                FROM analytics.sessions s
                               WHERE s.session_id IS NULL AND s.client_id = w.client_id
                                 AND s.started_at <= w.hi AND s.ended_at >= w.lo OFFSET 0) s;
    UPDATE r_win w SET lo = least(w.lo, o.lo), hi = greatest(w.hi, o.hi)
      FROM (SELECT client_id, min(started_at) AS lo, max(ended_at) AS hi
              FROM r_old GROUP BY client_id) o
     WHERE o.client_id = w.client_id;
    CREATE TEMP TABLE r_sids ON COMMIT DROP AS
        SELECT DISTINCT session_id FROM r_new WHERE session_id IS NOT NULL;
    INSERT INTO r_old
        SELECT s.session_key, s.started_at, s.ended_at, s.login_state, s.client_id
          FROM r_sids n
          CROSS JOIN LATERAL (SELECT s.session_key, s.started_at, s.ended_at, s.login_state,
                                     s.client_id
                                FROM analytics.sessions s
                               WHERE s.session_key = 's:' || n.session_id OFFSET 0) s;

    -- 2b. All events of the touched sessions, with their session key (read by index; on the
    -- first refresh every event is new and r_new already holds them all).
    CREATE TEMP TABLE r_sev ON COMMIT DROP AS
        SELECT 's:' || e.session_id AS session_key, e.event_id, e.event_timestamp, e.event_name,
               e.user_id, e.user_login_state, e.client_id, e.session_id, e.is_first_visit,
               e.context_product_id, e.context_product_price, e.context_product_discount_price,
               e.page_url, e.element
          FROM r_new e WHERE e.session_id IS NOT NULL AND wm = '-infinity';
    IF wm <> '-infinity' THEN
        INSERT INTO r_sev
            SELECT 's:' || n.session_id, e.*
              FROM r_sids n
              CROSS JOIN LATERAL (
                  SELECT e.event_id, e.event_timestamp, e.event_name, e.user_id,
                         e.user_login_state, e.client_id, e.session_id, e.is_first_visit,
                         e.context_product_id, e.context_product_price,
                         e.context_product_discount_price, e.page_url, e.element
                    FROM public.clickstream_events e WHERE e.session_id = n.session_id OFFSET 0) e;
    END IF;
    CREATE TEMP TABLE r_cev ON COMMIT DROP AS
        SELECT e.event_id, e.event_timestamp, e.event_name, e.user_id, e.user_login_state,
               e.client_id, e.session_id, e.is_first_visit, e.context_product_id,
               e.context_product_price, e.context_product_discount_price, e.page_url, e.element
          FROM r_new e
         WHERE e.session_id IS NULL AND e.client_id IS NOT NULL AND wm = '-infinity';
    IF wm <> '-infinity' THEN
        INSERT INTO r_cev
            SELECT e.*
              FROM r_win w
              CROSS JOIN LATERAL (
                  SELECT e.event_id, e.event_timestamp, e.event_name, e.user_id,
                         e.user_login_state, e.client_id, e.session_id, e.is_first_visit,
                         e.context_product_id, e.context_product_price,
                         e.context_product_discount_price, e.page_url, e.element
                    FROM public.clickstream_events e
                   WHERE e.client_id = w.client_id AND e.session_id IS NULL
                     AND e.event_timestamp BETWEEN w.lo AND w.hi OFFSET 0) e;
    END IF;
    INSERT INTO r_sev
        SELECT 'c:' || g.client_id || '@' ||
                   to_char(min(g.event_timestamp) OVER (PARTITION BY g.client_id, g.grp)
                           AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
               g.event_id, g.event_timestamp, g.event_name, g.user_id, g.user_login_state,
               g.client_id, g.session_id, g.is_first_visit, g.context_product_id,
               g.context_product_price, g.context_product_discount_price, g.page_url, g.element
          FROM (SELECT x.*,
                       sum(x.is_new) OVER (PARTITION BY x.client_id ORDER BY x.event_timestamp, x.event_id) AS grp
                  FROM (SELECT e.*,
                               CASE WHEN e.event_timestamp - lag(e.event_timestamp) OVER
                                         (PARTITION BY e.client_id ORDER BY e.event_timestamp, e.event_id)
                                         <= interval '30 minutes' THEN 0 ELSE 1 END AS is_new
                          FROM r_cev e) x) g;
    INSERT INTO r_sev
        SELECT 'e:' || e.event_id, e.event_id, e.event_timestamp, e.event_name, e.user_id,
               e.user_login_state, e.client_id, e.session_id, e.is_first_visit,
               e.context_product_id, e.context_product_price, e.context_product_discount_price,
               e.page_url, e.element
          FROM r_new e WHERE e.session_id IS NULL AND e.client_id IS NULL;
    ANALYZE r_sev;

    -- 2c. Replace them: derived in temporary tables from r_sev, then swapped in by key.
    CREATE TEMP TABLE r_keys ON COMMIT DROP AS SELECT DISTINCT session_key FROM r_sev;
    INSERT INTO r_old (session_key, started_at, ended_at, login_state)
        SELECT s.session_key, s.started_at, s.ended_at, s.login_state
          FROM r_keys k
          CROSS JOIN LATERAL (SELECT s.session_key, s.started_at, s.ended_at, s.login_state
                                FROM analytics.sessions s
                               WHERE s.session_key = k.session_key OFFSET 0) s;
    DELETE FROM analytics.sessions WHERE session_key = ANY (ARRAY(SELECT session_key FROM r_old));
    DELETE FROM analytics.session_event_times
     WHERE session_key = ANY (ARRAY(SELECT session_key FROM r_old));
    CREATE TEMP TABLE r_pdays (day date) ON COMMIT DROP;
    WITH d AS (DELETE FROM analytics.session_purchases
                WHERE session_key = ANY (ARRAY(SELECT session_key FROM r_old))
               RETURNING purchased_at)
    INSERT INTO r_pdays SELECT DISTINCT (purchased_at AT TIME ZONE 'UTC')::date FROM d;

    CREATE TEMP TABLE r_set ON COMMIT DROP AS
        SELECT session_key, event_name, min(event_timestamp) AS first_at,
               array_agg(event_timestamp ORDER BY event_timestamp) AS times
          FROM r_sev GROUP BY 1, 2;
    ANALYZE r_set;
    INSERT INTO analytics.session_event_times SELECT * FROM r_set;

    -- Default funnel steps reached (the rule of the API's funnel: step k at or after the
    -- earliest time step k-1 was reached).
    CREATE TEMP TABLE r_funnel ON COMMIT DROP AS
        SELECT a.session_key,
               CASE WHEN s2.t IS NULL THEN 1 WHEN s3.t IS NULL THEN 2 WHEN s4.t IS NULL THEN 3
                    ELSE 4 END AS step
          FROM r_set a
          LEFT JOIN r_set b ON b.session_key = a.session_key AND b.event_name = 'add_to_cart_click'
          LEFT JOIN r_set c ON c.session_key = a.session_key AND c.event_name = 'checkout_start'
          LEFT JOIN r_set d ON d.session_key = a.session_key AND d.event_name = 'checkout_complete'
          CROSS JOIN LATERAL (SELECT min(x) AS t FROM unnest(b.times) AS x WHERE x >= a.first_at) s2
          CROSS JOIN LATERAL (SELECT min(x) AS t FROM unnest(c.times) AS x WHERE x >= s2.t) s3
          CROSS JOIN LATERAL (SELECT min(x) AS t FROM unnest(d.times) AS x WHERE x >= s3.t) s4
         WHERE a.event_name = 'product_view';

    CREATE TEMP TABLE r_ses ON COMMIT DROP AS
        SELECT session_key, min(session_id) AS session_id,
               (array_agg(client_id ORDER BY event_timestamp)
                   FILTER (WHERE client_id IS NOT NULL))[1] AS client_id,
               (array_agg(user_id ORDER BY event_timestamp DESC) FILTER (WHERE user_id IS NOT NULL))[1] AS user_id,
               CASE WHEN bool_or(user_login_state = 'logged_in') THEN 'logged_in'
                    WHEN bool_or(user_login_state = 'guest') THEN 'guest'
                    ELSE coalesce(min(user_login_state) FILTER (WHERE user_login_state <> 'anonymous'),
                                  'anonymous') END AS login_state,
               min(event_timestamp) AS started_at, max(event_timestamp) AS ended_at,
               extract(epoch FROM max(event_timestamp) - min(event_timestamp))::double precision AS duration_s,
               count(*)::integer AS events,
               count(*) FILTER (WHERE event_name = 'page_view')::integer AS page_views,
               count(*) FILTER (WHERE event_name = 'product_view')::integer AS product_views,
               count(*) FILTER (WHERE event_name = 'add_to_cart_click')::integer AS add_to_carts,
               count(*) FILTER (WHERE event_name = 'checkout_start')::integer AS checkout_starts,
               count(*) FILTER (WHERE event_name = 'checkout_complete')::integer AS purchases,
               coalesce(sum(analytics.order_total(element)) FILTER (WHERE event_name = 'checkout_complete'), 0) AS revenue,
               count(*) FILTER (WHERE event_name = 'page_view') = 1
                 AND count(*) FILTER (WHERE event_name NOT IN
                     ('page_view', 'home_view', 'category_view', 'product_view')) = 0 AS is_bounce,
               coalesce(bool_or(is_first_visit), false) AS is_first_visit,
               (array_agg(page_url ORDER BY event_timestamp) FILTER (WHERE event_name = 'page_view'))[1] AS entry_page,
               (array_agg(page_url ORDER BY event_timestamp DESC) FILTER (WHERE event_name = 'page_view'))[1] AS exit_page
          FROM r_sev GROUP BY session_key;
    INSERT INTO analytics.sessions
        SELECT s.*, coalesce(f.step, 0) FROM r_ses s LEFT JOIN r_funnel f USING (session_key);
    GET DIAGNOSTICS sessions = ROW_COUNT;

    INSERT INTO analytics.session_purchases
        SELECT DISTINCT ON (a.session_key, a.context_product_id)
               a.session_key, a.context_product_id, s.login_state, c.at,
               coalesce(a.context_product_discount_price, a.context_product_price, 0)
          FROM r_sev a
          JOIN r_ses s ON s.session_key = a.session_key
          JOIN r_set t ON t.session_key = a.session_key AND t.event_name = 'checkout_complete'
          CROSS JOIN LATERAL (SELECT min(x) AS at FROM unnest(t.times) AS x
                               WHERE x >= a.event_timestamp) c
         WHERE a.event_name = 'add_to_cart_click' AND a.context_product_id IS NOT NULL
           AND c.at IS NOT NULL
         ORDER BY a.session_key, a.context_product_id, a.event_timestamp DESC;
    -- Purchases per day: the days that lost or gained a purchase re-derived.
    INSERT INTO r_pdays
        SELECT DISTINCT (x AT TIME ZONE 'UTC')::date
          FROM r_set t, unnest(t.times) AS x WHERE t.event_name = 'checkout_complete';
    DELETE FROM analytics.product_purchase_daily
     WHERE day = ANY (ARRAY(SELECT DISTINCT day FROM r_pdays));
    INSERT INTO analytics.product_purchase_daily
        SELECT d.day, p.login_state, p.product_id, count(*), sum(p.price)
          FROM (SELECT DISTINCT day FROM r_pdays) d
          CROSS JOIN LATERAL (SELECT p.login_state, p.product_id, p.price
                                FROM analytics.session_purchases p
                               WHERE p.purchased_at >= d.day::timestamp AT TIME ZONE 'UTC'
                                 AND p.purchased_at < (d.day + 1)::timestamp AT TIME ZONE 'UTC'
                              OFFSET 0) p
         GROUP BY 1, 2, 3;

    -- 2d. Session counts of every start hour that lost or gained a session.
    CREATE TEMP TABLE r_shours ON COMMIT DROP AS
        SELECT date_trunc('hour', started_at, 'UTC') AS hour_at FROM r_old
        UNION
        SELECT date_trunc('hour', started_at, 'UTC') FROM r_ses;
    DELETE FROM analytics.session_hourly WHERE hour_at = ANY (ARRAY(SELECT hour_at FROM r_shours));
    INSERT INTO analytics.session_hourly
        SELECT h.hour_at, s.login_state, count(*), count(*) FILTER (WHERE s.is_bounce),
               sum(s.duration_s), count(*) FILTER (WHERE s.purchases > 0),
               count(*) FILTER (WHERE s.funnel_step >= 1), count(*) FILTER (WHERE s.funnel_step >= 2),
               count(*) FILTER (WHERE s.funnel_step >= 3), count(*) FILTER (WHERE s.funnel_step >= 4),
               ARRAY[count(*) FILTER (WHERE analytics.dur_bucket(s.duration_s) = 1),
                     count(*) FILTER (WHERE analytics.dur_bucket(s.duration_s) = 2),
                     count(*) FILTER (WHERE analytics.dur_bucket(s.duration_s) = 3),
                     count(*) FILTER (WHERE analytics.dur_bucket(s.duration_s) = 4),
                     count(*) FILTER (WHERE analytics.dur_bucket(s.duration_s) = 5),
                     count(*) FILTER (WHERE analytics.dur_bucket(s.duration_s) = 6),
                     count(*) FILTER (WHERE analytics.dur_bucket(s.duration_s) = 7)]
          FROM r_shours h
          CROSS JOIN LATERAL (SELECT s.login_state, s.is_bounce, s.duration_s, s.purchases,
                                     s.funnel_step
                                FROM analytics.sessions s
                               WHERE s.started_at >= h.hour_at
                                 AND s.started_at < h.hour_at + interval '1 hour' OFFSET 0) s
         GROUP BY 1, 2;

    generation := generation + 1;
    ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
    UPDATE analytics.refresh_state s
       SET watermark = new_wm, generation = refresh.generation, refreshed_at = now(),
           last_new_events = new_events, last_sessions = refresh.sessions,
           last_hours = refresh.hours, last_ms = refresh.ms,
           newest_event_at = greatest(s.newest_event_at, newest),
           total_events = s.total_events + new_events
     WHERE id = 1;
END
$$;
