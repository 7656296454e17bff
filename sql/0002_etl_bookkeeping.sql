-- 0002_etl_bookkeeping: what the ETL has done. etl_runs has one row per run; etl_manifest one
-- row per lake object ever loaded or rejected (grain: object_key), written in the same
-- transaction as that object's events so an object is either loaded and recorded or neither;
-- etl_rejects one row per rejected record or unreadable object.
CREATE TABLE public.etl_runs (
    run_id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    started_at        timestamptz NOT NULL DEFAULT now(),
    finished_at       timestamptz,
    status            text        NOT NULL DEFAULT 'running'
                      CHECK (status IN ('running', 'succeeded', 'failed', 'skipped')),
    trigger           text        NOT NULL DEFAULT 'cli',
    selection         jsonb,
    objects_listed    bigint      NOT NULL DEFAULT 0,
    objects_loaded    bigint      NOT NULL DEFAULT 0,
    objects_rejected  bigint      NOT NULL DEFAULT 0,
    events_inserted   bigint      NOT NULL DEFAULT 0,
    events_duplicate  bigint      NOT NULL DEFAULT 0,
    events_rejected   bigint      NOT NULL DEFAULT 0,
    bytes_read        bigint      NOT NULL DEFAULT 0,
    min_event_at      timestamptz,
    max_event_at      timestamptz,
    hook_status       text,
    error             text,
    host              text
);

CREATE TABLE public.etl_manifest (
    object_key        text        PRIMARY KEY,
    size_bytes        bigint      NOT NULL,
    etag              text,
    last_modified_at  timestamptz,
    status            text        NOT NULL CHECK (status IN ('loaded', 'rejected')),
    events_total      integer     NOT NULL DEFAULT 0,
    events_inserted   integer     NOT NULL DEFAULT 0,
    events_duplicate  integer     NOT NULL DEFAULT 0,
    events_rejected   integer     NOT NULL DEFAULT 0,
    run_id            bigint      REFERENCES public.etl_runs (run_id),
    loaded_at         timestamptz NOT NULL DEFAULT now()
);
-- Selection works by hour prefix: events/YYYY/MM/DD/HH/.
CREATE INDEX etl_manifest_run_idx ON public.etl_manifest (run_id);

CREATE TABLE public.etl_rejects (
    reject_id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id            bigint      REFERENCES public.etl_runs (run_id),
    object_key        text        NOT NULL,
    record_index      integer,    -- NULL: the whole object was unreadable
    reason            text        NOT NULL,
    excerpt           text,       -- at most the first 512 bytes of the record
    rejected_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX etl_rejects_object_idx ON public.etl_rejects (object_key);
