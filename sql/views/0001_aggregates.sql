-- 0001_aggregates: the analytics aggregates, owned by sbw_server in schema analytics, and
-- analytics.refresh(), which brings them up to date incrementally. Applied by sbw-server at
-- start (tracking table analytics.schema_migrations). Definitions: docs/metrics.md.
--
-- Buckets are UTC hours (hour_at = date_trunc('hour', event_timestamp) in UTC); the API sums
-- hours into days of the analyst's time zone. Login state: an event's user_login_state, NULL
-- read as 'anonymous'; a session's is the most identified state it shows
-- (logged_in > guest > anonymous).
--
-- Refresh (analytics.refresh(), one transaction under advisory lock 726173005): the events
-- with loaded_at > refresh_state.watermark are the new data; only the hours they fall in and
-- the sessions they touch are deleted and re-derived from public.clickstream_events, so the
-- cost follows the size of the new data (and of the hours / sessions it touches, late data
-- included), not the size of the warehouse.

-- refresh_state: one row; the watermark of loaded_at already aggregated and the data
-- generation (incremented by every refresh that saw new events).
CREATE TABLE analytics.refresh_state (
    id               integer     PRIMARY KEY CHECK (id = 1),
    watermark        timestamptz NOT NULL DEFAULT '-infinity',
    generation       bigint      NOT NULL DEFAULT 0,
    refreshed_at     timestamptz,
    last_new_events  bigint      NOT NULL DEFAULT 0,
    last_sessions    bigint      NOT NULL DEFAULT 0,
    last_hours       bigint      NOT NULL DEFAULT 0,
    last_ms          double precision NOT NULL DEFAULT 0,
    newest_event_at  timestamptz,
    total_events     bigint      NOT NULL DEFAULT 0
);
INSERT INTO analytics.refresh_state (id) VALUES (1);

-- event_hourly: grain one row per (UTC hour, login state, event name). Keys: all three.
-- revenue: sum of element.dataset.total of checkout_complete events (0 for other names and
-- for a total that is not a plain decimal number). Refresh: touched hours re-derived.
CREATE TABLE analytics.event_hourly (
    hour_at     timestamptz NOT NULL,
    login_state text        NOT NULL,
    event_name  text        NOT NULL,
    events      bigint      NOT NULL,
    revenue     numeric     NOT NULL,
    PRIMARY KEY (hour_at, login_state, event_name)
);

-- visitor_hourly: grain one row per (UTC hour, login state, kind, visitor) where kind 'c' is
-- a client_id and 'u' the user_id of a logged_in event; distinct counts over any range of hours come from here.
-- Refresh: touched hours re-derived.
CREATE TABLE analytics.visitor_hourly (
    hour_at     timestamptz NOT NULL,
    login_state text        NOT NULL,
    kind        "char"      NOT NULL,
    visitor_id  text        NOT NULL,
    PRIMARY KEY (hour_at, login_state, kind, visitor_id)
);

-- products: one row per product id, the attributes of its newest event (for names,
-- categories and brands). Refresh: upserted from the new events.
CREATE TABLE analytics.products (
    product_id     text PRIMARY KEY,
    name           text,
    category       text,
    brand          text,
    price          numeric(18, 2),
    discount_price numeric(18, 2),
    seen_at        timestamptz NOT NULL
);

-- product_hourly: grain one row per (UTC hour, login state, product id): all events with the
-- product, product_view, add_to_cart_click, remove_from_cart_click. Refresh: touched hours.
CREATE TABLE analytics.product_hourly (
    hour_at      timestamptz NOT NULL,
    login_state  text        NOT NULL,
    product_id   text        NOT NULL,
    events       bigint      NOT NULL,
    views        bigint      NOT NULL,
    add_to_carts bigint      NOT NULL,
    removals     bigint      NOT NULL,
    PRIMARY KEY (hour_at, login_state, product_id)
);

-- sessions: one row per session (grain: session_key). 's:'||session_id for events with a
-- session id (never cut: the tracker renews its id after 30 idle minutes); for events
-- without one, 'c:'||client_id||'@'||first event time, cut at gaps > 30 minutes; an event
-- with neither is a session of its own ('e:'||event_id). Refresh: touched sessions deleted
-- and re-derived from all their events.
CREATE TABLE analytics.sessions (
    session_key     text        PRIMARY KEY,
    session_id      text,
    client_id       text,
    user_id         text,
    login_state     text        NOT NULL,
    started_at      timestamptz NOT NULL,
    ended_at        timestamptz NOT NULL,
    duration_s      double precision NOT NULL,
    events          integer     NOT NULL,
    page_views      integer     NOT NULL,
    product_views   integer     NOT NULL,
    add_to_carts    integer     NOT NULL,
    checkout_starts integer     NOT NULL,
    purchases       integer     NOT NULL,
    revenue         numeric     NOT NULL,
    is_bounce       boolean     NOT NULL,
    is_first_visit  boolean     NOT NULL,
    entry_page      text,
    exit_page       text,
    funnel_step     smallint    NOT NULL DEFAULT 0  -- default funnel steps reached (0-4)
);
CREATE INDEX sessions_started_idx ON analytics.sessions (started_at);
CREATE INDEX sessions_client_idx ON analytics.sessions (client_id, started_at)
    WHERE session_id IS NULL;

-- session_event_times: one row per (session, event name): first time and every time (sorted)
-- the session sent it; custom ordered funnels are answered from here. Refresh: with sessions.
CREATE TABLE analytics.session_event_times (
    session_key text          NOT NULL,
    event_name  text          NOT NULL,
    first_at    timestamptz   NOT NULL,
    times       timestamptz[] NOT NULL,
    PRIMARY KEY (session_key, event_name)
);

-- session_purchases: one row per (session, product) purchased: added to the cart
-- (add_to_cart_click) before a checkout_complete of the same session. purchased_at is that
-- checkout_complete's time; price the discount price of the last add when present, else its
-- price. Refresh: with sessions.
CREATE TABLE analytics.session_purchases (
    session_key  text        NOT NULL,
    product_id   text        NOT NULL,
    login_state  text        NOT NULL,
    purchased_at timestamptz NOT NULL,
    price        numeric     NOT NULL,
    PRIMARY KEY (session_key, product_id)
);
CREATE INDEX session_purchases_at_idx ON analytics.session_purchases (purchased_at);

-- session_hourly: grain one row per (UTC hour of session start, session login state):
-- sessions, bounces, total duration, converted sessions (>= 1 purchase), sessions reaching
-- each step of the default funnel (product_view, add_to_cart_click, checkout_start,
-- checkout_complete; rule: analytics.funnel_step). Refresh: the start
-- hours of deleted and re-inserted sessions re-derived from analytics.sessions.
CREATE TABLE analytics.session_hourly (
    hour_at     timestamptz NOT NULL,
    login_state text        NOT NULL,
    sessions    bigint      NOT NULL,
    bounces     bigint      NOT NULL,
    duration_s  double precision NOT NULL,
    converted   bigint      NOT NULL,
    funnel_1    bigint      NOT NULL,  -- sessions reaching step 1..4 of the default funnel
    funnel_2    bigint      NOT NULL,
    funnel_3    bigint      NOT NULL,
    funnel_4    bigint      NOT NULL,
    PRIMARY KEY (hour_at, login_state)
);

-- The revenue of a checkout_complete: element.dataset.total when a plain decimal, else 0.
CREATE FUNCTION analytics.order_total(element jsonb) RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN element #>> '{dataset,total}' ~ '^\s*[0-9]{1,15}(\.[0-9]{1,4})?\s*$'
                THEN trim(element #>> '{dataset,total}')::numeric ELSE 0 END
$$;

-- An event's login state as aggregated.
CREATE FUNCTION analytics.login_state(s text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT coalesce(s, 'anonymous') $$;

-- The first time in times at or after t, or NULL (times sorted).
CREATE FUNCTION analytics.first_at_or_after(times timestamptz[], t timestamptz) RETURNS timestamptz
LANGUAGE sql IMMUTABLE AS $$ SELECT min(x) FROM unnest(times) AS x WHERE x >= t $$;

-- refresh(): aggregates what was loaded since the last refresh. Returns the generation, the
-- number of new events, sessions and hours re-derived, and the time taken.
CREATE FUNCTION analytics.refresh(
    OUT generation bigint, OUT new_events bigint, OUT sessions bigint, OUT hours bigint,
    OUT ms double precision)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    t0 timestamptz := clock_timestamp();
    wm timestamptz;
    new_wm timestamptz;
BEGIN
    PERFORM pg_advisory_xact_lock(726173005);
    SELECT s.watermark, s.generation INTO wm, generation FROM analytics.refresh_state s WHERE id = 1;

    CREATE TEMP TABLE r_new ON COMMIT DROP AS
        SELECT e.event_id, e.event_timestamp, e.session_id, e.client_id, e.loaded_at,
               e.context_product_id
          FROM public.clickstream_events e WHERE e.loaded_at > wm;
    ANALYZE r_new;
    SELECT count(*), max(loaded_at) INTO new_events, new_wm FROM r_new;
    sessions := 0;
    hours := 0;
    IF new_events = 0 THEN
        ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
        RETURN;
    END IF;

    -- 1. Event-level aggregates of the touched hours.
    CREATE TEMP TABLE r_hours ON COMMIT DROP AS
        SELECT DISTINCT date_trunc('hour', event_timestamp, 'UTC') AS hour_at FROM r_new;
    ANALYZE r_hours;
    SELECT count(*) INTO hours FROM r_hours;
    CREATE TEMP TABLE r_hour_ev ON COMMIT DROP AS
        SELECT h.hour_at, analytics.login_state(e.user_login_state) AS login_state,
               e.event_name, e.client_id, e.user_id, e.context_product_id, e.element
          FROM r_hours h
          JOIN public.clickstream_events e
            ON e.event_timestamp >= h.hour_at AND e.event_timestamp < h.hour_at + interval '1 hour';

    DELETE FROM analytics.event_hourly a USING r_hours h WHERE a.hour_at = h.hour_at;
    INSERT INTO analytics.event_hourly
        SELECT hour_at, login_state, event_name, count(*),
               coalesce(sum(analytics.order_total(element))
                        FILTER (WHERE event_name = 'checkout_complete'), 0)
          FROM r_hour_ev GROUP BY 1, 2, 3;

    DELETE FROM analytics.visitor_hourly a USING r_hours h WHERE a.hour_at = h.hour_at;
    INSERT INTO analytics.visitor_hourly
        SELECT DISTINCT hour_at, login_state, 'c'::"char", client_id FROM r_hour_ev
         WHERE client_id IS NOT NULL
        UNION
        SELECT DISTINCT hour_at, login_state, 'u'::"char", user_id FROM r_hour_ev
         WHERE user_id IS NOT NULL AND login_state = 'logged_in';

    DELETE FROM analytics.product_hourly a USING r_hours h WHERE a.hour_at = h.hour_at;
    INSERT INTO analytics.product_hourly
        SELECT hour_at, login_state, context_product_id, count(*),
               count(*) FILTER (WHERE event_name = 'product_view'),
               count(*) FILTER (WHERE event_name = 'add_to_cart_click'),
               count(*) FILTER (WHERE event_name = 'remove_from_cart_click')
          FROM r_hour_ev WHERE context_product_id IS NOT NULL GROUP BY 1, 2, 3;

    INSERT INTO analytics.products AS p
        SELECT DISTINCT ON (e.context_product_id) e.context_product_id, e.context_product_name,
               e.context_product_category, e.context_product_brand, e.context_product_price,
               e.context_product_discount_price, e.event_timestamp
          FROM r_new n JOIN public.clickstream_events e ON e.event_id = n.event_id
         WHERE n.context_product_id IS NOT NULL
         ORDER BY e.context_product_id, e.event_timestamp DESC
        ON CONFLICT (product_id) DO UPDATE
           SET name = excluded.name, category = excluded.category, brand = excluded.brand,
               price = excluded.price, discount_price = excluded.discount_price,
               seen_at = excluded.seen_at
         WHERE excluded.seen_at >= p.seen_at;

    -- 2. Sessions touched by the new events.
    -- 2a. Client windows of events without a session id, widened to the sessions they touch.
    CREATE TEMP TABLE r_win ON COMMIT DROP AS
        SELECT client_id, min(event_timestamp) - interval '30 minutes' AS lo,
               max(event_timestamp) + interval '30 minutes' AS hi
          FROM r_new WHERE session_id IS NULL AND client_id IS NOT NULL GROUP BY client_id;
    ANALYZE r_win;
    CREATE TEMP TABLE r_old ON COMMIT DROP AS
        SELECT s.session_key, s.started_at, s.login_state, w.client_id
          FROM r_win w JOIN analytics.sessions s
            ON s.session_id IS NULL AND s.client_id = w.client_id
           AND s.started_at <= w.hi AND s.ended_at >= w.lo;
    UPDATE r_win w SET lo = least(w.lo, o.lo), hi = greatest(w.hi, o.hi)
      FROM (SELECT o.client_id, min(s.started_at) AS lo, max(s.ended_at) AS hi
              FROM r_old o JOIN analytics.sessions s USING (session_key)
             GROUP BY o.client_id) o
     WHERE o.client_id = w.client_id;
    INSERT INTO r_old
        SELECT s.session_key, s.started_at, s.login_state, s.client_id
          FROM (SELECT DISTINCT session_id FROM r_new WHERE session_id IS NOT NULL) n
          JOIN analytics.sessions s ON s.session_key = 's:' || n.session_id;

    -- 2b. All events of the touched sessions, with their session key.
    CREATE TEMP TABLE r_sev ON COMMIT DROP AS
        SELECT 's:' || e.session_id AS session_key, e.*
          FROM (SELECT DISTINCT session_id FROM r_new WHERE session_id IS NOT NULL) n
          JOIN public.clickstream_events e ON e.session_id = n.session_id;
    INSERT INTO r_sev
        SELECT 'c:' || g.client_id || '@' ||
                   to_char(min(g.event_timestamp) OVER (PARTITION BY g.client_id, g.grp)
                           AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
               (g.e).*
          FROM (SELECT x.client_id, x.event_timestamp, x.e,
                       sum(x.is_new) OVER (PARTITION BY x.client_id ORDER BY x.event_timestamp, x.event_id) AS grp
                  FROM (SELECT e.client_id, e.event_timestamp, e.event_id, e,
                               CASE WHEN e.event_timestamp - lag(e.event_timestamp) OVER
                                         (PARTITION BY e.client_id ORDER BY e.event_timestamp, e.event_id)
                                         <= interval '30 minutes' THEN 0 ELSE 1 END AS is_new
                          FROM r_win w JOIN public.clickstream_events e
                            ON e.client_id = w.client_id AND e.session_id IS NULL
                           AND e.event_timestamp BETWEEN w.lo AND w.hi) x) g;
    INSERT INTO r_sev
        SELECT 'e:' || e.event_id, e.*
          FROM r_new n JOIN public.clickstream_events e ON e.event_id = n.event_id
         WHERE n.session_id IS NULL AND n.client_id IS NULL;

    ANALYZE r_sev;
    -- 2c. Replace them.
    INSERT INTO r_old (session_key, started_at, login_state)
        SELECT s.session_key, s.started_at, s.login_state
          FROM (SELECT DISTINCT session_key FROM r_sev) k
          JOIN analytics.sessions s USING (session_key);
    ANALYZE r_old;
    DELETE FROM analytics.sessions s USING r_old o WHERE s.session_key = o.session_key;
    DELETE FROM analytics.session_event_times s USING r_old o WHERE s.session_key = o.session_key;
    DELETE FROM analytics.session_purchases s USING r_old o WHERE s.session_key = o.session_key;

    INSERT INTO analytics.sessions
        SELECT session_key, min(session_id), (array_agg(client_id ORDER BY event_timestamp)
                   FILTER (WHERE client_id IS NOT NULL))[1],
               (array_agg(user_id ORDER BY event_timestamp DESC) FILTER (WHERE user_id IS NOT NULL))[1],
               CASE WHEN bool_or(user_login_state = 'logged_in') THEN 'logged_in'
                    WHEN bool_or(user_login_state = 'guest') THEN 'guest'
                    ELSE coalesce(min(user_login_state) FILTER (WHERE user_login_state <> 'anonymous'),
                                  'anonymous') END,
               min(event_timestamp), max(event_timestamp),
               extract(epoch FROM max(event_timestamp) - min(event_timestamp)),
               count(*),
               count(*) FILTER (WHERE event_name = 'page_view'),
               count(*) FILTER (WHERE event_name = 'product_view'),
               count(*) FILTER (WHERE event_name = 'add_to_cart_click'),
               count(*) FILTER (WHERE event_name = 'checkout_start'),
               count(*) FILTER (WHERE event_name = 'checkout_complete'),
               coalesce(sum(analytics.order_total(element)) FILTER (WHERE event_name = 'checkout_complete'), 0),
               count(*) FILTER (WHERE event_name = 'page_view') = 1
                 AND count(*) FILTER (WHERE event_name NOT IN
                     ('page_view', 'home_view', 'category_view', 'product_view')) = 0,
               coalesce(bool_or(is_first_visit), false),
               (array_agg(page_url ORDER BY event_timestamp) FILTER (WHERE event_name = 'page_view'))[1],
               (array_agg(page_url ORDER BY event_timestamp DESC) FILTER (WHERE event_name = 'page_view'))[1]
          FROM r_sev GROUP BY session_key;
    GET DIAGNOSTICS sessions = ROW_COUNT;

    INSERT INTO analytics.session_event_times
        SELECT session_key, event_name, min(event_timestamp),
               array_agg(event_timestamp ORDER BY event_timestamp)
          FROM r_sev GROUP BY 1, 2;

    INSERT INTO analytics.session_purchases
        SELECT DISTINCT ON (a.session_key, a.context_product_id)
               a.session_key, a.context_product_id, s.login_state, c.at,
               coalesce(a.context_product_discount_price, a.context_product_price, 0)
          FROM r_sev a
          JOIN analytics.sessions s ON s.session_key = a.session_key
          JOIN analytics.session_event_times t
            ON t.session_key = a.session_key AND t.event_name = 'checkout_complete'
          CROSS JOIN LATERAL (SELECT analytics.first_at_or_after(t.times, a.event_timestamp) AS at) c
         WHERE a.event_name = 'add_to_cart_click' AND a.context_product_id IS NOT NULL
           AND c.at IS NOT NULL
         ORDER BY a.session_key, a.context_product_id, a.event_timestamp DESC;

    -- Default funnel steps reached (the rule of the API's funnel: step k at or after the
    -- earliest time step k-1 was reached).
    UPDATE analytics.sessions s SET funnel_step = f.step
      FROM (SELECT k.session_key,
                   CASE WHEN a.first_at IS NULL THEN 0 WHEN b.t IS NULL THEN 1 WHEN c.t IS NULL THEN 2
                        WHEN d.t IS NULL THEN 3 ELSE 4 END AS step
              FROM (SELECT DISTINCT session_key FROM r_sev) k
              LEFT JOIN analytics.session_event_times a
                ON a.session_key = k.session_key AND a.event_name = 'product_view'
              LEFT JOIN LATERAL (SELECT min(x) AS t FROM analytics.session_event_times e, unnest(e.times) x
                                  WHERE e.session_key = k.session_key AND e.event_name = 'add_to_cart_click'
                                    AND x >= a.first_at) b ON true
              LEFT JOIN LATERAL (SELECT min(x) AS t FROM analytics.session_event_times e, unnest(e.times) x
                                  WHERE e.session_key = k.session_key AND e.event_name = 'checkout_start'
                                    AND x >= b.t) c ON true
              LEFT JOIN LATERAL (SELECT min(x) AS t FROM analytics.session_event_times e, unnest(e.times) x
                                  WHERE e.session_key = k.session_key AND e.event_name = 'checkout_complete'
                                    AND x >= c.t) d ON true) f
     WHERE s.session_key = f.session_key AND f.step > 0;

    -- 2d. Session counts of every start hour that lost or gained a session.
    CREATE TEMP TABLE r_shours ON COMMIT DROP AS
        SELECT date_trunc('hour', started_at, 'UTC') AS hour_at FROM r_old
        UNION
        SELECT date_trunc('hour', s.started_at, 'UTC')
          FROM (SELECT DISTINCT session_key FROM r_sev) k JOIN analytics.sessions s USING (session_key);
    ANALYZE r_shours;
    DELETE FROM analytics.session_hourly a USING r_shours h WHERE a.hour_at = h.hour_at;
    INSERT INTO analytics.session_hourly
        SELECT h.hour_at, s.login_state, count(*), count(*) FILTER (WHERE s.is_bounce),
               sum(s.duration_s), count(*) FILTER (WHERE s.purchases > 0),
               count(*) FILTER (WHERE s.funnel_step >= 1), count(*) FILTER (WHERE s.funnel_step >= 2),
               count(*) FILTER (WHERE s.funnel_step >= 3), count(*) FILTER (WHERE s.funnel_step >= 4)
          FROM r_shours h JOIN analytics.sessions s
            ON s.started_at >= h.hour_at AND s.started_at < h.hour_at + interval '1 hour'
         GROUP BY 1, 2;

    generation := generation + 1;
    ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
    UPDATE analytics.refresh_state s
       SET watermark = new_wm, generation = refresh.generation, refreshed_at = now(),
           last_new_events = new_events, last_sessions = refresh.sessions,
           last_hours = refresh.hours, last_ms = refresh.ms,
           newest_event_at = greatest(s.newest_event_at,
                                      (SELECT max(event_timestamp) FROM r_new)),
           total_events = s.total_events + new_events
     WHERE id = 1;
END
$$;
