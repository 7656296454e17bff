-- 0001_clickstream_events: the event fact table, one row per event (grain: event_id).
-- The first 16 columns are the seed workshop's, same names and order; the rest keep what
-- the original system threw away. Loaded by sbw-etl only (COPY + INSERT .. ON CONFLICT
-- (event_id) DO NOTHING), never updated. Column meanings: docs/schema.md.
CREATE TABLE public.clickstream_events (
    event_id                       uuid        PRIMARY KEY,
    event_timestamp                timestamptz NOT NULL,
    event_name                     text        NOT NULL,
    user_id                        text,
    user_login_state               text,
    identity_source                text,
    client_id                      text,
    session_id                     text,
    is_first_visit                 boolean,
    context_product_id             text,
    context_product_name           text,
    context_product_category       text,
    context_product_brand          text,
    context_product_price          numeric(18, 2),
    context_product_discount_price numeric(18, 2),
    context_product_url_path       text,
    received_at                    timestamptz NOT NULL,
    page_url                       text,
    referrer                       text,
    element                        jsonb,
    user_agent                     text,
    source_ip                      inet,
    is_bot                         boolean     NOT NULL DEFAULT false,
    client_event_id                text,
    raw_object_key                 text,
    loaded_at                      timestamptz NOT NULL DEFAULT now()
);

-- Time-range scans (every aggregate refresh and the raw-events page).
CREATE INDEX clickstream_events_time_idx ON public.clickstream_events (event_timestamp);
-- Sessionisation: events of one session, or of one client when session_id is missing.
CREATE INDEX clickstream_events_session_idx ON public.clickstream_events (session_id, event_timestamp);
CREATE INDEX clickstream_events_client_idx ON public.clickstream_events (client_id, event_timestamp);
-- Product aggregates.
CREATE INDEX clickstream_events_product_idx ON public.clickstream_events (context_product_id, event_timestamp)
    WHERE context_product_id IS NOT NULL;
-- Refresh after a load: what arrived since the last refresh.
CREATE INDEX clickstream_events_loaded_idx ON public.clickstream_events (loaded_at);
