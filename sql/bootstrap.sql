-- bootstrap.sql: cluster-level setup of the warehouse, run once per cluster as a superuser
-- with psql (not a migration: roles and databases live outside any one database).
--
--   psql -v ON_ERROR_STOP=1 -v owner_password=... -v etl_password=... -v server_password=... \
--        -d postgres -f sql/bootstrap.sql
--
-- Creates the three login roles (none of them superuser) and the database clickstream_dw owned
-- by sbw_owner. Idempotent: re-running only resets the passwords. Numbered migrations
-- (sql/0001_*.sql ...) are then applied as sbw_owner by `sbw-etl migrate`.
--   sbw_owner  owns the database and every table; runs migrations; used by no service.
--   sbw_etl    the loader: inserts events, writes its bookkeeping tables.
--   sbw_server the analytics server: reads events, owns and refreshes the aggregates.
\set ON_ERROR_STOP 1

SELECT format('CREATE ROLE %I LOGIN', r)
  FROM unnest(ARRAY['sbw_owner', 'sbw_etl', 'sbw_server']) AS r
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r)
\gexec

ALTER ROLE sbw_owner NOSUPERUSER NOCREATEDB NOCREATEROLE LOGIN PASSWORD :'owner_password';
ALTER ROLE sbw_etl NOSUPERUSER NOCREATEDB NOCREATEROLE LOGIN PASSWORD :'etl_password';
ALTER ROLE sbw_server NOSUPERUSER NOCREATEDB NOCREATEROLE LOGIN PASSWORD :'server_password';
-- The owner grants on its tables to these group roles in the migrations.

SELECT 'CREATE DATABASE clickstream_dw OWNER sbw_owner ENCODING ''UTF8'' TEMPLATE template0'
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'clickstream_dw')
\gexec

REVOKE ALL ON DATABASE clickstream_dw FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE clickstream_dw TO sbw_etl, sbw_server;

\connect clickstream_dw
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO sbw_owner;
-- The analytics server owns its own schema for aggregates (it must own what it refreshes).
CREATE SCHEMA IF NOT EXISTS analytics AUTHORIZATION sbw_server;
