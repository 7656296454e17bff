-- 0003_grants: least privilege for the two service roles created by sql/bootstrap.sql.
-- sbw_etl may add events and keep its bookkeeping; it can neither update nor delete events.
-- sbw_server may read events and the ETL's bookkeeping; it owns the analytics schema.
GRANT USAGE ON SCHEMA public TO sbw_etl, sbw_server;

GRANT SELECT, INSERT ON public.clickstream_events TO sbw_etl;
GRANT SELECT, INSERT, UPDATE ON public.etl_runs, public.etl_manifest TO sbw_etl;  -- a re-load updates its manifest row
GRANT SELECT, INSERT ON public.etl_rejects TO sbw_etl;

GRANT SELECT ON public.clickstream_events, public.etl_runs, public.etl_manifest,
                public.etl_rejects TO sbw_server;
